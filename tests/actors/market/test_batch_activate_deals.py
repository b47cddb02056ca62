"""BatchActivateDeals: activating deals by sector, each sector on its own (builtin-actors
``batch_activate_deals.rs``, ``activate_deal_failures.rs``)."""

from __future__ import annotations

from dataclasses import replace

from filnet.actors import manifest
from filnet.actors.market.methods import Method
from filnet.actors.market.state import DealProposal, ProviderSectorsMap
from filnet.actors.market.types import (
    EX_DEAL_EXPIRED,
    BatchActivateDealsParams,
    SectorDeals,
)
from filnet.actors.miner.types import PieceReturn, SectorChanges
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.params.network import EPOCHS_IN_DAY
from filnet.proofs.onchain import PieceInfo, compute_unsealed_sector_cid
from filnet.vm.exit_codes import ExitCode
from filnet.vm.testing import FakeRuntime
from tests.actors.market.harness import (
    CLIENT_ADDR,
    PROVIDER_ADDR,
    PROVIDER_ID,
    SECTOR_TYPE,
    MinerAddresses,
    aborts,
    activate_deals,
    assert_deal_deleted,
    batch_activate_deals,
    batch_activate_deals_raw,
    check_state,
    cron_tick,
    expect_burn,
    find_deal_state,
    generate_deal_and_add_funds,
    generate_deal_proposal,
    get_deal_state,
    get_pending_deal_allocation,
    get_sector_deal_ids,
    make_piece_cid,
    piece_info_from_deal,
    publish_deals,
    sector_content_changed,
    setup,
    state,
)

START = 10
END = START + 200 * EPOCHS_IN_DAY


def create_deal(rt: FakeRuntime, end: int, verified: bool = False, start: int = START) -> DealProposal:
    """A funded deal of the standard client and provider."""
    deal = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), start, end)
    return replace(deal, verified_deal=verified)


def _sector(number: int, expiry: int, deal_ids: list[int]) -> SectorDeals:
    return SectorDeals(number, SECTOR_TYPE, ChainEpoch(expiry), tuple(deal_ids))


def test_activate_deals_one_sector() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(START)
    deals = [create_deal(rt, END), create_deal(rt, END + 1), create_deal(rt, END + 2, verified=True)]
    deal_ids = publish_deals(rt, MinerAddresses(), deals, TokenAmount.from_fil(2048), 1)
    assert get_pending_deal_allocation(rt, deal_ids[2]) == 1
    # reversed, to see that the sector's deals are stored sorted
    ret = batch_activate_deals(rt, PROVIDER_ADDR, [(1, END + 10, list(reversed(deal_ids)))], False)
    assert ret.activation_results.all_ok()
    assert get_sector_deal_ids(rt, PROVIDER_ID, [1]) == deal_ids
    for deal_id in deal_ids:
        s = get_deal_state(rt, deal_id)
        assert (s.sector_number, s.sector_start_epoch) == (1, START)
    # the allocation now belongs to the activation
    assert [a.allocation_id for a in ret.activations[0].activated] == [1, 0, 0]
    assert get_pending_deal_allocation(rt, deal_ids[2]) == 0
    check_state(rt)


def test_activate_deals_across_multiple_sectors() -> None:
    rt = setup()
    deals = [
        create_deal(rt, END, True),
        create_deal(rt, END),
        create_deal(rt, END + 1, True),
        create_deal(rt, END + 2),
    ]
    ids = publish_deals(rt, MinerAddresses(), deals, TokenAmount.from_fil(2 * 2048), 1)
    sectors = [(1, END, [ids[0], ids[1]]), (2, END + 1, [ids[2]]), (3, END + 2, [ids[3]])]
    ret = batch_activate_deals(rt, PROVIDER_ADDR, sectors, False)
    assert ret.activation_results.codes() == [ExitCode.OK] * 3
    assert all(get_deal_state(rt, d).sector_start_epoch == 0 for d in ids)
    assert [len(a.activated) for a in ret.activations] == [2, 1, 1]
    assert all(a.unsealed_cid is None for a in ret.activations)
    check_state(rt)


def test_compute_cid_gives_each_sector_with_deals_its_unsealed_cid() -> None:
    rt = setup()
    deals = [create_deal(rt, END), create_deal(rt, END + 1)]
    ids = publish_deals(rt, MinerAddresses(), deals)
    ret = batch_activate_deals(rt, PROVIDER_ADDR, [(1, END + 1, ids), (2, END, [])], True)
    pieces = [PieceInfo(d.piece_size, d.piece_cid) for d in deals]
    assert [a.unsealed_cid for a in ret.activations] == [
        compute_unsealed_sector_cid(SECTOR_TYPE, pieces),
        None,
    ]
    check_state(rt)


def test_sectors_fail_and_succeed_independently_during_batch_activation() -> None:
    rt = setup()
    deals = [
        create_deal(rt, END),
        create_deal(rt, END, True),
        create_deal(rt, END + 1),
        create_deal(rt, END + 2),
    ]
    id1, id2, id3, id4 = publish_deals(rt, MinerAddresses(), deals, TokenAmount.from_fil(2048), 1)
    activate_deals(rt, END, PROVIDER_ADDR, 0, 1, [id1])
    activate_deals(rt, END + 1, PROVIDER_ADDR, 0, 3, [id3])
    sectors = [_sector(1, END, [id1, id2]), _sector(3, END + 1, [id3]), _sector(4, END + 2, [id4])]
    ret = batch_activate_deals_raw(rt, PROVIDER_ADDR, sectors, False, [id4])
    assert ret.activation_results.success_count == 1
    assert ret.activation_results.codes() == [
        ExitCode.USR_ILLEGAL_ARGUMENT,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        ExitCode.OK,
    ]
    assert len(ret.activations) == 1
    assert get_deal_state(rt, id1).sector_start_epoch == 0
    assert get_deal_state(rt, id4).sector_start_epoch == 0
    assert find_deal_state(rt, id2) is None
    # the failed sector's verified deal keeps its allocation
    assert get_pending_deal_allocation(rt, id2) == 1
    check_state(rt)


def test_handles_sectors_empty_of_deals_gracefully() -> None:
    rt = setup()
    (id1,) = publish_deals(rt, MinerAddresses(), [create_deal(rt, END)])
    sectors = [_sector(1, END, []), _sector(2, END, [id1]), _sector(3, END, [])]
    ret = batch_activate_deals_raw(rt, PROVIDER_ADDR, sectors, False, [id1])
    assert ret.activation_results.all_ok() and ret.activation_results.success_count == 3
    assert get_deal_state(rt, id1).sector_start_epoch == 0
    # as in builtin-actors, an empty sector is recorded with an empty deal list
    root = state(rt).provider_sectors
    assert root is not None
    sectors_map = ProviderSectorsMap(rt.store, root).sector_deals(PROVIDER_ID)
    assert (sectors_map.get(1), sectors_map.get(2), sectors_map.get(3)) == ([], [id1], [])
    check_state(rt)


def test_fails_to_activate_single_sector_duplicate_deals() -> None:
    rt = setup()
    id1, id2 = publish_deals(
        rt, MinerAddresses(), [create_deal(rt, END), create_deal(rt, END, start=START + 1)]
    )
    ret = batch_activate_deals_raw(rt, PROVIDER_ADDR, [_sector(0, END, [id1, id1, id2])], False, [])
    assert ret.activation_results.codes() == [ExitCode.USR_ILLEGAL_ARGUMENT]
    check_state(rt)


def test_fails_to_activate_cross_sector_duplicate_deals() -> None:
    rt = setup()
    id1, id2, id3 = publish_deals(
        rt, MinerAddresses(), [create_deal(rt, END, start=START + i) for i in range(3)]
    )
    sectors = [_sector(1, END, [id1]), _sector(2, END, [id3, id1, id2]), _sector(3, END, [id3])]
    ret = batch_activate_deals_raw(rt, PROVIDER_ADDR, sectors, False, [id1, id3])
    assert ret.activation_results.codes() == [ExitCode.OK, ExitCode.USR_ILLEGAL_ARGUMENT, ExitCode.OK]
    assert ret.activation_results.success_count == 2
    assert get_deal_state(rt, id3).sector_number == 3
    assert find_deal_state(rt, id2) is None
    check_state(rt)


def test_activate_new_deals_in_existing_sector() -> None:
    rt = setup()
    ids = publish_deals(rt, MinerAddresses(), [create_deal(rt, END + i) for i in range(3)])
    batch_activate_deals(rt, PROVIDER_ADDR, [(1, END + 10, [ids[0], ids[2]])], False)
    batch_activate_deals(rt, PROVIDER_ADDR, [(1, END + 10, [ids[1]])], False)
    assert all(get_deal_state(rt, d).sector_start_epoch == 0 for d in ids)
    assert get_sector_deal_ids(rt, PROVIDER_ID, [1]) == ids
    check_state(rt)


def test_require_miner_caller() -> None:
    rt = setup()
    rt.set_caller(Address.new_id(555), manifest.ACCOUNT)
    params = BatchActivateDealsParams((_sector(1, 0, []),), False).encode()
    aborts(ExitCode.USR_FORBIDDEN, rt, Method.BATCH_ACTIVATE_DEALS, params)
    check_state(rt)


def test_fail_when_current_epoch_greater_than_start_epoch_of_deal() -> None:
    rt = setup()
    (deal_id,) = publish_deals(rt, MinerAddresses(), [create_deal(rt, END)])
    rt.epoch = ChainEpoch(START + 1)
    ret = batch_activate_deals_raw(rt, PROVIDER_ADDR, [_sector(7, END + 100, [deal_id])], False, [])
    assert ret.activation_results.codes() == [EX_DEAL_EXPIRED]
    check_state(rt)


def test_fail_when_end_epoch_of_deal_greater_than_sector_expiry() -> None:
    rt = setup()
    (deal_id,) = publish_deals(rt, MinerAddresses(), [create_deal(rt, END)])
    ret = batch_activate_deals_raw(rt, PROVIDER_ADDR, [_sector(7, END - 1, [deal_id])], False, [])
    assert ret.activation_results.codes() == [ExitCode.USR_ILLEGAL_ARGUMENT]
    check_state(rt)


def test_fail_to_activate_all_deals_if_one_deal_fails() -> None:
    rt = setup()
    (deal1,) = publish_deals(rt, MinerAddresses(), [create_deal(rt, END)])
    activate_deals(rt, END + 100, PROVIDER_ADDR, 0, 7, [deal1])
    (deal2,) = publish_deals(rt, MinerAddresses(), [create_deal(rt, END + 1)])
    ret = batch_activate_deals_raw(rt, PROVIDER_ADDR, [_sector(7, END + 100, [deal1, deal2])], False, [])
    assert ret.activation_results.codes() == [ExitCode.USR_ILLEGAL_ARGUMENT]
    assert find_deal_state(rt, deal2) is None
    check_state(rt)


def _assert_activation_failure(rt: FakeRuntime, deal_id: int, deal: DealProposal, code: ExitCode) -> None:
    """Neither BatchActivateDeals nor SectorContentChanged activates the deal."""
    expiry = END + 100
    ret = batch_activate_deals_raw(rt, PROVIDER_ADDR, [_sector(1, expiry, [deal_id])], False, [])
    assert ret.activation_results.codes() == [code]
    changes = [SectorChanges(1, ChainEpoch(expiry), (piece_info_from_deal(deal_id, deal),))]
    assert sector_content_changed(rt, PROVIDER_ADDR, changes).sectors[0].added == (PieceReturn(False),)


def test_reject_caller_not_provider() -> None:
    rt = setup()
    other = MinerAddresses(provider=Address.new_id(201))
    deal = generate_deal_and_add_funds(rt, CLIENT_ADDR, other, START, END)
    (deal_id,) = publish_deals(rt, other, [deal])
    _assert_activation_failure(rt, deal_id, deal, ExitCode.USR_FORBIDDEN)
    check_state(rt)


def test_reject_unknown_deal() -> None:
    rt = setup()
    deal = generate_deal_proposal(CLIENT_ADDR, PROVIDER_ADDR, START, END)
    _assert_activation_failure(rt, 1234, deal, ExitCode.USR_NOT_FOUND)
    check_state(rt)


def test_reject_deal_already_active() -> None:
    rt = setup()
    deal = create_deal(rt, END)
    (deal_id,) = publish_deals(rt, MinerAddresses(), [deal])
    activate_deals(rt, END + 100, PROVIDER_ADDR, 0, 7, [deal_id])
    _assert_activation_failure(rt, deal_id, deal, ExitCode.USR_ILLEGAL_ARGUMENT)
    check_state(rt)


def test_reject_proposal_expired() -> None:
    rt = setup()
    deal = create_deal(rt, END)
    (deal_id,) = publish_deals(rt, MinerAddresses(), [deal])
    rt.epoch = ChainEpoch(END + 25)
    _assert_activation_failure(rt, deal_id, deal, EX_DEAL_EXPIRED)
    # the same once cron has cleaned the deal up
    expect_burn(rt, deal.provider_collateral)
    cron_tick(rt)
    assert_deal_deleted(rt, deal_id, deal, 0)
    _assert_activation_failure(rt, deal_id, deal, EX_DEAL_EXPIRED)
    check_state(rt)


def test_different_pieces_in_one_sector() -> None:
    rt = setup()
    deals = [
        generate_deal_and_add_funds(
            rt, CLIENT_ADDR, MinerAddresses(), START, END, piece_cid=make_piece_cid(b"a")
        ),
        generate_deal_and_add_funds(
            rt, CLIENT_ADDR, MinerAddresses(), START, END, piece_cid=make_piece_cid(b"b"), piece_size=1024
        ),
    ]
    ids = publish_deals(rt, MinerAddresses(), deals)
    ret = batch_activate_deals(rt, PROVIDER_ADDR, [(9, END, ids)], True)
    assert [(a.data, a.size) for a in ret.activations[0].activated] == [
        (d.piece_cid, d.piece_size) for d in deals
    ]
    check_state(rt)
