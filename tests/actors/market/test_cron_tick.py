"""CronTick on activated deals: legacy deals (scheduled before explicit settlement) are paid, expired and
slashed by cron; newly activated ones only leave the pending set (builtin-actors
``cron_tick_deal_expiry.rs``, ``cron_tick_deal_slashing.rs``, ``market_actor_legacy_tests.rs``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from filnet.actors import manifest
from filnet.actors.market import actor
from filnet.actors.market.actor import next_update_epoch
from filnet.actors.market.methods import Method
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.params.network import EPOCHS_IN_DAY, EPOCHS_IN_YEAR
from filnet.vm.exit_codes import ExitCode
from tests.actors.market.harness import (
    CLIENT_ADDR,
    POLICY,
    PROVIDER_ADDR,
    EventLog,
    MinerAddresses,
    aborts,
    assert_account_zero,
    assert_deal_deleted,
    check_state,
    cron_tick,
    cron_tick_and_assert_balances,
    cron_tick_no_change,
    expect_deal_event,
    get_balance,
    get_deal_proposal,
    get_deal_state,
    is_pending,
    process_epoch,
    publish_and_activate_deal,
    publish_and_activate_deal_legacy,
    replace_state,
    setup,
    state,
    terminate_deals,
    terminate_deals_and_assert_balances,
    withdraw_client_balance,
)

START = 50
DURATION = 200 * EPOCHS_IN_DAY
END = START + DURATION
SECTOR = 7
INTERVAL = POLICY.deal_updates_interval


def test_next_update_epoch_spreads_deals_over_the_interval() -> None:
    assert next_update_epoch(0, 100, ChainEpoch(0)) == 0
    assert next_update_epoch(5, 100, ChainEpoch(3)) == 5
    assert next_update_epoch(5, 100, ChainEpoch(6)) == 105
    assert next_update_epoch(105, 100, ChainEpoch(105)) == 105
    # negative earliest epochs round as Rust's truncating division does
    assert next_update_epoch(5, 100, ChainEpoch(-50)) == 5
    assert next_update_epoch(50, 100, ChainEpoch(-150)) == -150
    assert next_update_epoch(50, 100, ChainEpoch(-120)) == -50


def test_cron_only_unmarks_newly_activated_deals() -> None:
    rt = setup()
    deal_id, deal = publish_and_activate_deal(rt, CLIENT_ADDR, MinerAddresses(), SECTOR, START, END, 0, END)
    before = get_balance(rt, CLIENT_ADDR), get_balance(rt, PROVIDER_ADDR)
    assert is_pending(rt, deal)
    rt.epoch = process_epoch(START, deal_id)
    cron_tick(rt)
    assert not is_pending(rt, deal)
    assert (get_balance(rt, CLIENT_ADDR), get_balance(rt, PROVIDER_ADDR)) == before
    assert get_deal_state(rt, deal_id).last_updated_epoch == -1
    # it is not rescheduled: settlement is explicit now
    assert state(rt).get_deals_for_epoch(rt.store, process_epoch(START, deal_id) + INTERVAL) == []
    check_state(rt)


def test_deal_is_correctly_processed_if_first_cron_after_expiry() -> None:
    rt = setup()
    deal_id, deal = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), SECTOR, START, END, 0, END
    )
    pay, slashed = cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, START, deal_id)
    assert pay == slashed == ZERO
    get_deal_proposal(rt, deal_id)
    pay, slashed = cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, END + 5, deal_id)
    assert (pay, slashed) == (deal.storage_price_per_epoch * DURATION, ZERO)
    assert_deal_deleted(rt, deal_id, deal, SECTOR)
    check_state(rt)


def test_regular_payments_till_deal_expires_and_then_locked_funds_are_unlocked() -> None:
    rt = setup()
    start = INTERVAL
    end = start + DURATION
    deal_id, deal = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), SECTOR, start, end, 0, end
    )
    assert deal_id == 0  # processed at the first epoch of each interval
    price = deal.storage_price_per_epoch
    current = start + 5
    assert cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, current, deal_id) == (
        price * 5,
        ZERO,
    )
    # rescheduled for start + interval, not current + interval
    rt.epoch = ChainEpoch(start + INTERVAL - 1)
    cron_tick_no_change(rt, CLIENT_ADDR, PROVIDER_ADDR)
    current = start + INTERVAL
    assert cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, current, deal_id) == (
        price * (INTERVAL - 5),
        ZERO,
    )
    cron_tick_no_change(rt, CLIENT_ADDR, PROVIDER_ADDR)
    current += INTERVAL
    assert cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, current, deal_id) == (
        price * INTERVAL,
        ZERO,
    )
    remaining = end - current
    assert cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, end + 300, deal_id) == (
        price * remaining,
        ZERO,
    )
    assert_deal_deleted(rt, deal_id, deal, SECTOR)
    check_state(rt)


def test_payment_for_a_deal_if_deal_is_already_expired_before_a_cron_tick() -> None:
    rt = setup()
    start, end = 5, 5 + DURATION
    deal_id, deal = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), SECTOR, start, end, 0, end
    )
    pay, slashed = cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, end + 25, deal_id)
    assert (pay, slashed) == (deal.storage_price_per_epoch * (end - start), ZERO)
    assert_deal_deleted(rt, deal_id, deal, SECTOR)
    cron_tick_no_change(rt, CLIENT_ADDR, PROVIDER_ADDR)
    check_state(rt)


def test_expired_deal_unlocks_the_remaining_locked_balances_and_is_deleted() -> None:
    rt = setup()
    deal_id, deal = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), SECTOR, START, END, 0, END
    )
    client_escrow, provider_escrow = (
        get_balance(rt, CLIENT_ADDR).balance,
        get_balance(rt, PROVIDER_ADDR).balance,
    )
    rt.epoch = ChainEpoch(END + 1000)
    log = EventLog(rt)
    expect_deal_event(log, "deal-completed", deal_id, deal)
    cron_tick(rt, log)
    payment = deal.total_storage_fee()
    client, provider = get_balance(rt, CLIENT_ADDR), get_balance(rt, PROVIDER_ADDR)
    assert (client.balance, client.locked) == (client_escrow - payment, ZERO)
    assert (provider.balance, provider.locked) == (provider_escrow + payment, ZERO)
    assert_deal_deleted(rt, deal_id, deal, SECTOR)
    check_state(rt)


def test_all_payments_made_client_withdraws_collateral_and_account_is_removed() -> None:
    rt = setup()
    deal_id, deal = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), SECTOR, START, END, 0, END
    )
    rt.epoch = ChainEpoch(END + 100)
    log = EventLog(rt)
    expect_deal_event(log, "deal-completed", deal_id, deal)
    cron_tick(rt, log)
    assert get_balance(rt, CLIENT_ADDR).balance == deal.client_collateral
    withdraw_client_balance(rt, deal.client_collateral, deal.client_collateral, CLIENT_ADDR)
    assert_account_zero(rt, CLIENT_ADDR)
    check_state(rt)


@pytest.mark.parametrize(("termination", "payment"), [(15, 50), (10, 0), (6, 0), (5, 0), (19, 90)])
def test_deal_is_slashed(termination: int, payment: int) -> None:
    rt = setup()
    rt.epoch = ChainEpoch(5)
    start, end = 10, 10 + DURATION
    deal_id, deal = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), SECTOR, start, end, 5, end
    )
    rt.epoch = ChainEpoch(termination)
    paid, slashed = terminate_deals_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, [SECTOR], [deal_id])
    assert (paid, slashed) == (TokenAmount(payment), deal.provider_collateral)
    # the dangling deal op goes at the next tick
    rt.epoch = process_epoch(start, deal_id)
    cron_tick(rt)
    assert state(rt).get_deals_for_epoch(rt.store, rt.epoch) == []
    assert_deal_deleted(rt, deal_id, deal, SECTOR)
    check_state(rt)


def test_deal_terminated_at_its_end_epoch_is_not_slashed_but_expires() -> None:
    rt = setup()
    deal_id, deal = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), SECTOR, START, END, 0, END + EPOCHS_IN_DAY
    )
    rt.epoch = ChainEpoch(END)
    terminate_deals_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, [SECTOR], [])
    pay, slashed = cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, END + 300, deal_id)
    assert (pay, slashed) == (deal.storage_price_per_epoch * DURATION, ZERO)
    assert_deal_deleted(rt, deal_id, deal, SECTOR)
    check_state(rt)


def test_deal_payment_and_slashing_correctly_processed_in_same_crontick() -> None:
    rt = setup()
    start = INTERVAL
    end = start + DURATION
    deal_id, deal = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), SECTOR, start, end, 0, end
    )
    current = process_epoch(start, deal_id)
    assert cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, current, deal_id) == (ZERO, ZERO)
    slash_epoch = current + INTERVAL + 1
    rt.epoch = ChainEpoch(slash_epoch)
    pay, slashed = terminate_deals_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, [SECTOR], [deal_id])
    assert (pay, slashed) == (
        deal.storage_price_per_epoch * (slash_epoch - current),
        deal.provider_collateral,
    )
    rt.epoch = ChainEpoch(current + INTERVAL + 2)
    cron_tick(rt)
    assert_deal_deleted(rt, deal_id, deal, SECTOR)
    check_state(rt)


def test_slash_multiple_deals_in_the_same_epoch() -> None:
    rt = setup()
    expiry = END + EPOCHS_IN_DAY
    deals = [
        publish_and_activate_deal_legacy(rt, CLIENT_ADDR, MinerAddresses(), SECTOR, START, END + i, 0, expiry)
        for i in range(3)
    ]
    epoch = process_epoch(START, deals[2][0]) + 100
    rt.epoch = ChainEpoch(epoch)
    terminate_deals_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, [SECTOR], [d for d, _ in deals])
    rt.epoch = ChainEpoch(epoch + 1)
    cron_tick(rt)
    for deal_id, deal in deals:
        assert_deal_deleted(rt, deal_id, deal, SECTOR)
    check_state(rt)


def test_regular_payments_till_deal_is_slashed_and_then_slashing_is_processed() -> None:
    rt = setup()
    deal_id, deal = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), SECTOR, START, END, 0, END + EPOCHS_IN_DAY
    )
    price = deal.storage_price_per_epoch
    process_start = process_epoch(START, deal_id)
    pay, _ = cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, process_start + 5, deal_id)
    assert pay == price * (5 + process_start - START)
    rt.epoch = ChainEpoch(process_start + INTERVAL - 1)
    cron_tick_no_change(rt, CLIENT_ADDR, PROVIDER_ADDR)
    cron_tick_no_change(rt, CLIENT_ADDR, PROVIDER_ADDR)
    pay, _ = cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, process_start + INTERVAL, deal_id)
    assert pay == price * (INTERVAL - 5)
    cron_tick_no_change(rt, CLIENT_ADDR, PROVIDER_ADDR)
    rt.epoch = ChainEpoch(process_start + INTERVAL + 1)
    pay, slashed = terminate_deals_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, [SECTOR], [deal_id])
    assert (pay, slashed) == (price, deal.provider_collateral)
    rt.epoch = ChainEpoch(process_start + 2 * INTERVAL - 1)
    cron_tick_no_change(rt, CLIENT_ADDR, PROVIDER_ADDR)
    rt.epoch = ChainEpoch(process_start + 2 * INTERVAL)
    cron_tick(rt)
    assert_deal_deleted(rt, deal_id, deal, SECTOR)
    check_state(rt)


def test_regular_payments_till_deal_expires_then_an_attempt_to_slash_it_does_not() -> None:
    rt = setup()
    deal_id, deal = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), SECTOR, START, END, 0, END + EPOCHS_IN_DAY
    )
    price = deal.storage_price_per_epoch
    process_start = process_epoch(START, deal_id)
    current = process_start + 5
    pay, _ = cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, current, deal_id)
    assert pay == price * (5 + process_start - START)
    current += INTERVAL
    assert cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, current, deal_id) == (
        price * INTERVAL,
        ZERO,
    )
    remaining = END - current
    rt.epoch = ChainEpoch(END)
    terminate_deals(rt, PROVIDER_ADDR, [SECTOR], [])
    assert cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, END + 300, deal_id) == (
        price * remaining,
        ZERO,
    )
    assert_deal_deleted(rt, deal_id, deal, SECTOR)
    check_state(rt)


def _reschedule(rt_epoch_offset: int) -> None:
    rt = setup()
    start, end = 1, 1 + DURATION
    deal_id, _ = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), SECTOR, start, end, 0, end
    )
    expected = next_update_epoch(deal_id, INTERVAL, ChainEpoch(start))
    misscheduled = expected + rt_epoch_offset
    st = (
        state(rt)
        .remove_deals_by_epoch(rt.store, [expected])
        .put_deals_by_epoch(rt.store, [(misscheduled, deal_id)])
    )
    replace_state(rt, st)
    rt.epoch = ChainEpoch(misscheduled)
    cron_tick(rt)
    rescheduled = next_update_epoch(deal_id, INTERVAL, ChainEpoch(misscheduled + 1))
    assert rescheduled != misscheduled
    assert (rescheduled == misscheduled + INTERVAL) == (rt_epoch_offset == INTERVAL)
    assert state(rt).get_deals_for_epoch(rt.store, rescheduled) == [deal_id]
    check_state(rt)


def test_cron_reschedules_update_to_new_period() -> None:
    _reschedule(42)


def test_cron_reschedules_update_to_new_period_boundary() -> None:
    _reschedule(INTERVAL)


def test_cron_reschedules_many_updates() -> None:
    rt = setup()
    interval = 20  # short, for scheduling collisions
    rt.policy_value = replace(POLICY, deal_updates_interval=interval)
    start, end = 10, 10 + DURATION
    for i in range(2 * interval):
        publish_and_activate_deal_legacy(
            rt, CLIENT_ADDR, MinerAddresses(), SECTOR, start, end + i, 0, start + 5 * EPOCHS_IN_YEAR
        )
    first = state(rt).get_deals_for_epoch(rt.store, start)
    assert all(len(state(rt).get_deals_for_epoch(rt.store, e)) == 2 for e in range(start, start + interval))
    rt.epoch = ChainEpoch(start)
    cron_tick(rt)
    assert state(rt).get_deals_for_epoch(rt.store, start) == []
    assert state(rt).get_deals_for_epoch(rt.store, start + interval) == first
    for epoch in range(start + 1, start + interval):
        rt.epoch = ChainEpoch(epoch)
        cron_tick(rt)
        assert len(state(rt).get_deals_for_epoch(rt.store, epoch + interval)) == 2
    check_state(rt)


def test_a_long_gap_is_processed_as_epoch_by_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path over scheduled epochs gives the state a scan of every epoch gives."""

    def run() -> tuple[object, list[object]]:
        rt = setup()
        for i in range(3):
            publish_and_activate_deal_legacy(
                rt, CLIENT_ADDR, MinerAddresses(), i, START, END + i, 0, END + 10
            )
        rt.epoch = ChainEpoch(process_epoch(START, 2) + 500)
        terminate_deals(rt, PROVIDER_ADDR, [1], [1])
        rt.set_caller(Address.new_id(3), manifest.CRON)
        rt.call(actor.ACTOR, Method.CRON_TICK)
        return rt.head, [e.event for e in rt.events]

    fast = run()
    monkeypatch.setattr(actor, "_CRON_EPOCH_SCAN_LIMIT", 1 << 62)
    assert run() == fast


def test_cron_tick_restricted_to_cron_actor_and_takes_no_params() -> None:
    rt = setup()
    rt.set_caller(CLIENT_ADDR, manifest.ACCOUNT)
    aborts(ExitCode.USR_FORBIDDEN, rt, Method.CRON_TICK)
    rt.set_caller(Address.new_id(3), manifest.CRON)
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.CRON_TICK, b"\x80")
    check_state(rt)


def test_cron_records_the_epoch_it_ran() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(77)
    cron_tick(rt)
    assert state(rt).last_cron == 77
    check_state(rt)
