"""Deal termination and settlement around it, and deals marked for termination before synchronous
termination (builtin-actors ``deal_termination.rs``, ``transient_marked_for_termination.rs``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from filnet.actors import manifest
from filnet.actors.market.methods import Method
from filnet.actors.market.types import (
    EX_DEAL_EXPIRED,
    DealQueryParams,
    DealSettlementSummary,
    SettleDealPaymentsParams,
)
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld.bitfield import BitField
from filnet.params.network import EPOCHS_IN_DAY
from filnet.vm.exit_codes import ExitCode
from filnet.vm.testing import FakeRuntime
from tests.actors.market.harness import (
    CLIENT_ADDR,
    PROVIDER_ADDR,
    EventLog,
    MinerAddresses,
    aborts,
    assert_deal_deleted,
    check_state,
    cron_tick,
    expect_burn,
    expect_deal_event,
    get_balance,
    publish_and_activate_deal,
    publish_and_activate_deal_legacy,
    replace_state,
    settle_deal_payments,
    settle_deal_payments_no_change,
    setup,
    state,
    terminate_deals_and_assert_balances,
)

DEAL_END = 10 + 200 * EPOCHS_IN_DAY


@pytest.mark.parametrize(
    ("termination_epoch", "payment"),
    [(15, 50), (10, 0), (5, 0)],
    ids=["after_start", "at_start", "at_activation"],
)
def test_deal_is_terminated(termination_epoch: int, payment: int) -> None:
    rt = setup()
    rt.epoch = ChainEpoch(5)
    deal_id, deal = publish_and_activate_deal(rt, CLIENT_ADDR, MinerAddresses(), 7, 10, DEAL_END, 5, DEAL_END)
    rt.epoch = ChainEpoch(termination_epoch)
    paid, slashed = terminate_deals_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, [7], [deal_id])
    assert (paid, slashed) == (TokenAmount(payment), deal.provider_collateral)
    assert_deal_deleted(rt, deal_id, deal, 7)
    # settling is a no-op ever after
    for epoch in (termination_epoch, termination_epoch + 1, 10, DEAL_END, DEAL_END + 1):
        rt.epoch = ChainEpoch(max(epoch, termination_epoch))
        settle_deal_payments_no_change(rt, PROVIDER_ADDR, CLIENT_ADDR, PROVIDER_ADDR, [deal_id])
    check_state(rt)


def test_settle_payments_then_terminate_deal_in_the_same_epoch() -> None:
    rt = setup()
    start, end = 50, 50 + 200 * EPOCHS_IN_DAY
    deal_id, deal = publish_and_activate_deal(rt, CLIENT_ADDR, MinerAddresses(), 7, start, end, 0, end + 100)
    client_before, provider_before = get_balance(rt, CLIENT_ADDR), get_balance(rt, PROVIDER_ADDR)
    rt.epoch = ChainEpoch(start + 100)
    expected = deal.storage_price_per_epoch * 100
    ret = settle_deal_payments(rt, PROVIDER_ADDR, [deal_id])
    assert ret.settlements == (DealSettlementSummary(expected, False),)
    terminate_deals_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, [7], [deal_id])
    assert_deal_deleted(rt, deal_id, deal, 7)
    client_after, provider_after = get_balance(rt, CLIENT_ADDR), get_balance(rt, PROVIDER_ADDR)
    assert client_after.balance == client_before.balance - expected and client_after.locked == ZERO
    assert provider_after.balance == provider_before.balance + expected - deal.provider_collateral
    assert provider_after.locked == ZERO
    check_state(rt)


def test_terminate_a_deal_then_settle_it_in_the_same_epoch() -> None:
    rt = setup()
    start, end = 50, 50 + 200 * EPOCHS_IN_DAY
    deal_id, deal = publish_and_activate_deal(rt, CLIENT_ADDR, MinerAddresses(), 7, start, end, 0, end + 100)
    rt.epoch = ChainEpoch(start + 100)
    terminate_deals_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, [7], [deal_id])
    assert settle_deal_payments(rt, PROVIDER_ADDR, [deal_id]).results.codes() == [EX_DEAL_EXPIRED]
    assert_deal_deleted(rt, deal_id, deal, 7)
    check_state(rt)


SWITCHOVER = 200
MARKED_END = SWITCHOVER + 200 * EPOCHS_IN_DAY


def _mark_for_termination(rt: FakeRuntime, deal_id: int) -> int:
    """Simulate a deal marked for termination before synchronous termination, with its cron processing
    scheduled after; the scheduled epoch."""
    st = state(rt)
    st, deal_state = st.remove_deal_state(rt.store, deal_id)
    assert deal_state is not None
    st = st.put_deal_states(
        rt.store, [(deal_id, replace(deal_state, slash_epoch=ChainEpoch(SWITCHOVER - 1)))]
    )
    scheduled = SWITCHOVER + 2
    replace_state(rt, st.put_batch_deals_by_epoch(rt.store, {scheduled: [deal_id]}))
    return scheduled


def test_deal_scheduled_for_termination_cannot_be_settled_manually() -> None:
    rt = setup()
    deal1, prop1 = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), 7, 5, MARKED_END, 0, MARKED_END
    )
    marked, marked_prop = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), 7, 5, MARKED_END, 0, MARKED_END
    )
    scheduled = _mark_for_termination(rt, marked)
    rt.epoch = ChainEpoch(SWITCHOVER)
    rt.set_caller(PROVIDER_ADDR, manifest.MINER)
    params = SettleDealPaymentsParams(BitField.from_indices([deal1, marked])).encode()
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.SETTLE_DEAL_PAYMENTS_EXPORTED, params)
    # cron terminates it when its time comes
    rt.epoch = ChainEpoch(scheduled)
    expect_burn(rt, marked_prop.provider_collateral)
    log = EventLog(rt)
    expect_deal_event(log, "deal-terminated", marked, marked_prop)
    cron_tick(rt, log)
    assert_deal_deleted(rt, marked, marked_prop, 7, empty_sector_deals=False)
    rt.epoch = ChainEpoch(scheduled + 1)
    ret = settle_deal_payments(rt, PROVIDER_ADDR, [deal1, marked])
    assert ret.results.codes() == [ExitCode.OK, EX_DEAL_EXPIRED]
    assert ret.settlements == (
        DealSettlementSummary(prop1.storage_price_per_epoch * (scheduled + 1 - 5), False),
    )
    check_state(rt)


def test_cannot_get_deal_activation_for_marked_for_termination_deal() -> None:
    rt = setup()
    marked, _ = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), 7, 5, MARKED_END, 0, MARKED_END
    )
    _mark_for_termination(rt, marked)
    rt.epoch = ChainEpoch(SWITCHOVER)
    rt.set_caller(CLIENT_ADDR, manifest.ACCOUNT)
    params = DealQueryParams(marked).encode()
    error = aborts(EX_DEAL_EXPIRED, rt, Method.GET_DEAL_ACTIVATION_EXPORTED, params)
    assert f"deal {marked} expired" in error.reason
    aborts(EX_DEAL_EXPIRED, rt, Method.GET_DEAL_SECTOR_EXPORTED, params)
