"""OnMinerSectorsTerminate: the deals of terminated sectors end at once (builtin-actors
``on_miner_sectors_terminate.rs``)."""

from __future__ import annotations

from filnet.actors import manifest
from filnet.actors.market.methods import Method
from filnet.actors.market.types import OnMinerSectorsTerminateParams
from filnet.core.address import Address
from filnet.core.types import ChainEpoch
from filnet.ipld.bitfield import BitField
from filnet.params.network import EPOCHS_IN_DAY
from filnet.vm.exit_codes import ExitCode
from tests.actors.market.harness import (
    CLIENT_ADDR,
    PROVIDER_ADDR,
    PROVIDER_ID,
    EventLog,
    MinerAddresses,
    aborts,
    activate_deals,
    activate_deals_legacy,
    assert_deal_deleted,
    assert_deals_not_marked_terminated,
    check_state,
    cron_tick,
    expect_deal_event,
    generate_and_publish_deal,
    generate_deal_and_add_funds,
    get_deal_state,
    get_sector_deal_ids,
    publish_deals,
    replace_state,
    setup,
    state,
    terminate_deals,
    terminate_deals_and_assert_balances,
    terminate_deals_raw,
)

START = 10
END = START + 200 * EPOCHS_IN_DAY
EXPIRY = END + 100
CURRENT = 5


def test_terminate_multiple_deals_from_single_provider() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(CURRENT)
    published = [
        generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END + i) for i in range(3)
    ]
    (id0, deal0), (id1, deal1), (id2, deal2) = published
    # the deal IDs double as sector numbers
    for deal_id, _ in published:
        activate_deals_legacy(rt, EXPIRY, PROVIDER_ADDR, CURRENT, deal_id, [deal_id])
    terminate_deals(rt, PROVIDER_ADDR, [id0], [id0])
    assert_deal_deleted(rt, id0, deal0, id0)
    assert_deals_not_marked_terminated(rt, [id1, id2])
    terminate_deals(rt, PROVIDER_ADDR, [id1, id2], [id1, id2])
    assert_deal_deleted(rt, id1, deal1, id1)
    assert_deal_deleted(rt, id2, deal2, id2)
    check_state(rt)


def test_terminate_multiple_deals_from_multiple_providers() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(CURRENT)
    sector = 7  # both providers use the same sector number
    first = [generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END + i) for i in range(3)]
    activate_deals_legacy(rt, EXPIRY, PROVIDER_ADDR, CURRENT, sector, [d for d, _ in first])
    provider2 = MinerAddresses(provider=Address.new_id(501))
    second = [generate_and_publish_deal(rt, CLIENT_ADDR, provider2, START, END + i) for i in range(2)]
    activate_deals_legacy(rt, EXPIRY, provider2.provider, CURRENT, sector, [d for d, _ in second])
    terminate_deals_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, [sector], [d for d, _ in first])
    for deal_id, deal in first:
        assert_deal_deleted(rt, deal_id, deal, sector)
    assert_deals_not_marked_terminated(rt, [d for d, _ in second])
    terminate_deals_and_assert_balances(rt, CLIENT_ADDR, provider2.provider, [sector], [d for d, _ in second])
    for deal_id, deal in second:
        assert_deal_deleted(rt, deal_id, deal, sector)
    check_state(rt)


def test_terminating_unprocessed_deals_releases_their_pending_proposals() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(CURRENT)
    deal_id, deal = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    activate_deals(rt, EXPIRY, PROVIDER_ADDR, CURRENT, 3, [deal_id])
    rt.epoch = ChainEpoch(20)
    paid, slashed = terminate_deals_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, [3], [deal_id])
    assert (paid.atto, slashed) == (10 * (20 - START), deal.provider_collateral)
    assert_deal_deleted(rt, deal_id, deal, 3)
    check_state(rt)


def test_ignore_sector_that_does_not_exist() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(CURRENT)
    deal1, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    assert activate_deals_legacy(rt, EXPIRY, PROVIDER_ADDR, CURRENT, 7, [deal1]).activation_results.all_ok()
    before = state(rt)
    terminate_deals(rt, PROVIDER_ADDR, [8], [])
    assert state(rt) == before
    assert get_deal_state(rt, deal1).slash_epoch == -1
    assert get_sector_deal_ids(rt, PROVIDER_ID, [7]) == [deal1]
    # a provider with no sectors at all
    rt.add_actor(Address.new_id(777), manifest.MINER)
    terminate_deals(rt, Address.new_id(777), [7], [])
    check_state(rt)


def test_terminate_valid_deals_along_with_just_expired_deal() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(CURRENT)
    id0, deal0 = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    id1, deal1 = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END + 1)
    id2, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END - 1)
    assert activate_deals_legacy(
        rt, EXPIRY, PROVIDER_ADDR, CURRENT, 7, [id0, id1, id2]
    ).activation_results.all_ok()
    rt.epoch = ChainEpoch(END - 1)
    # the deal that has just ended is left for settlement
    terminate_deals_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, [7], [id0, id1])
    assert_deal_deleted(rt, id0, deal0, 7)
    assert_deal_deleted(rt, id1, deal1, 7)
    assert_deals_not_marked_terminated(rt, [id2])
    assert get_sector_deal_ids(rt, PROVIDER_ID, [7]) is None
    check_state(rt)


def test_terminate_valid_deals_along_with_expired_and_cleaned_up_deal() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(CURRENT)
    deal1 = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    deal2 = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), START, END - 10)
    deal_ids = publish_deals(rt, MinerAddresses(), [deal1, deal2])
    assert activate_deals_legacy(rt, EXPIRY, PROVIDER_ADDR, CURRENT, 7, deal_ids).activation_results.all_ok()
    rt.epoch = ChainEpoch(END - 1)
    log = EventLog(rt)
    expect_deal_event(log, "deal-completed", deal_ids[1], deal2)
    cron_tick(rt, log)
    assert_deal_deleted(rt, deal_ids[1], deal2, 7, empty_sector_deals=False)
    terminate_deals_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, [7], [deal_ids[0]])
    assert_deal_deleted(rt, deal_ids[0], deal1, 7)
    check_state(rt)


def test_do_not_terminate_deal_if_end_epoch_is_equal_to_or_less_than_current_epoch() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(CURRENT)
    deal1, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    assert activate_deals_legacy(rt, EXPIRY, PROVIDER_ADDR, CURRENT, 7, [deal1]).activation_results.all_ok()
    rt.epoch = ChainEpoch(END)
    terminate_deals_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, [7], [])
    assert_deals_not_marked_terminated(rt, [deal1])

    rt.epoch = ChainEpoch(CURRENT)
    deal2, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START + 1, END)
    assert activate_deals_legacy(rt, EXPIRY, PROVIDER_ADDR, CURRENT, 8, [deal2]).activation_results.all_ok()
    rt.epoch = ChainEpoch(END + 1)
    terminate_deals_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, [8], [])
    assert_deals_not_marked_terminated(rt, [deal2])
    check_state(rt)


def test_fail_when_caller_is_not_a_storage_miner_actor() -> None:
    rt = setup()
    rt.set_caller(Address.new_id(555), manifest.ACCOUNT)
    params = OnMinerSectorsTerminateParams(rt.epoch, BitField()).encode()
    aborts(ExitCode.USR_FORBIDDEN, rt, Method.ON_MINER_SECTORS_TERMINATE, params)
    check_state(rt)


def test_mapping_naming_another_providers_deal_is_illegal_state() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(CURRENT)
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    activate_deals(rt, EXPIRY, PROVIDER_ADDR, CURRENT, 7, [deal_id])
    # a corrupt mapping: another miner's sector lists this provider's deal
    impostor = Address.new_id(888)
    rt.add_actor(impostor, manifest.MINER)
    replace_state(rt, state(rt).put_sector_deal_ids(rt.store, impostor.id, [(7, [deal_id])]))
    rt.set_caller(impostor, manifest.MINER)
    params = OnMinerSectorsTerminateParams(rt.epoch, BitField.from_indices([7])).encode()
    aborts(ExitCode.USR_ILLEGAL_STATE, rt, Method.ON_MINER_SECTORS_TERMINATE, params)


def test_no_burn_when_nothing_is_slashed() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(CURRENT)
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    activate_deals(rt, EXPIRY, PROVIDER_ADDR, CURRENT, 7, [deal_id])
    rt.epoch = ChainEpoch(END)
    # no burn send is expected: the deal has ended
    assert terminate_deals_raw(rt, PROVIDER_ADDR, [7], []) == b""
    rt.verify()
    check_state(rt)
