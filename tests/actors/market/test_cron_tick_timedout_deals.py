"""CronTick on deals never activated: once their start epoch has passed they are deleted and their
providers' collateral burnt (builtin-actors ``cron_tick_timedout_deals.rs``)."""

from __future__ import annotations

from dataclasses import replace

from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.params.network import EPOCHS_IN_DAY
from filnet.vm.exit_codes import ExitCode
from tests.actors.market.harness import (
    CLIENT_ADDR,
    POLICY,
    PROVIDER_ADDR,
    MinerAddresses,
    assert_account_zero,
    assert_deal_deleted,
    check_state,
    cron_tick,
    cron_tick_no_change,
    expect_burn,
    generate_and_publish_deal,
    generate_deal_and_add_funds,
    get_balance,
    get_pending_deal_allocation,
    process_epoch,
    publish_deals,
    publish_deals_expect_abort,
    setup,
)

START = 50
END = START + 200 * EPOCHS_IN_DAY


def test_timed_out_deal_is_slashed_and_deleted() -> None:
    rt = setup()
    deal_id, deal = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    client_escrow = get_balance(rt, CLIENT_ADDR).balance
    rt.epoch = process_epoch(START, deal_id)
    expect_burn(rt, deal.provider_collateral)
    cron_tick(rt)
    client = get_balance(rt, CLIENT_ADDR)
    assert (client.balance, client.locked.atto) == (client_escrow, 0)
    assert_account_zero(rt, PROVIDER_ADDR)
    assert_deal_deleted(rt, deal_id, deal, 0)
    check_state(rt)


def test_publishing_timed_out_deal_again_works_after_cron_tick_as_it_is_no_longer_pending() -> None:
    rt = setup()
    deal_id, deal = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), 0, END)
    again = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), 0, END)
    publish_deals_expect_abort(rt, MinerAddresses(), again, ExitCode.USR_ILLEGAL_ARGUMENT)
    rt.epoch = process_epoch(0, deal_id)
    expect_burn(rt, deal.provider_collateral)
    cron_tick(rt)
    assert_deal_deleted(rt, deal_id, deal, 0)
    assert rt.epoch == 0  # deal 0 starting at 0 is processed at epoch 0
    generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), 0, END)
    check_state(rt)


def test_timed_out_and_verified_deals_are_slashed_and_deleted() -> None:
    rt = setup()
    deals = [
        replace(
            generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), START, END), verified_deal=True
        ),
        replace(
            generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), START, END + 1), verified_deal=True
        ),
        generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), START, END + 2),
    ]
    deal_ids = publish_deals(rt, MinerAddresses(), deals, TokenAmount.from_fil(2048 * 10), 1)
    assert [get_pending_deal_allocation(rt, d) for d in deal_ids] == [1, 2, 0]
    rt.epoch = process_epoch(START, deal_ids[-1])
    expect_burn(rt, deals[0].provider_collateral * 3)
    cron_tick(rt)
    cron_tick_no_change(rt, CLIENT_ADDR, PROVIDER_ADDR)
    assert_account_zero(rt, PROVIDER_ADDR)
    for deal_id, deal in zip(deal_ids, deals, strict=True):
        assert_deal_deleted(rt, deal_id, deal, 0)
        # the registry's allocation expires by itself; the market forgets it
        assert get_pending_deal_allocation(rt, deal_id) == 0
    check_state(rt)


def test_deal_expires_unactivated_even_after_its_start() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(1)
    deal = replace(
        generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), 100, 100 + 200 * EPOCHS_IN_DAY),
        verified_deal=True,
    )
    (deal_id,) = publish_deals(rt, MinerAddresses(), [deal], TokenAmount.from_fil(2048), 1)
    rt.epoch = ChainEpoch(100 + POLICY.deal_updates_interval + 1)
    expect_burn(rt, deal.provider_collateral)
    cron_tick(rt)
    assert_deal_deleted(rt, deal_id, deal, 0)
    assert get_pending_deal_allocation(rt, deal_id) == 0
    check_state(rt)
