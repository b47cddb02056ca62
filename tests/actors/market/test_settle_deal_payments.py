"""SettleDealPayments: explicit, batched settlement by anyone (builtin-actors ``settle_deal_payments.rs``)."""

from __future__ import annotations

from filnet.actors import manifest
from filnet.actors.market.invariants import check_state_invariants
from filnet.actors.market.methods import Method
from filnet.actors.market.types import EX_DEAL_EXPIRED, DealSettlementSummary, SettleDealPaymentsParams
from filnet.core.address import Address
from filnet.core.token import ZERO
from filnet.core.types import ChainEpoch
from filnet.ipld import dagcbor
from filnet.ipld.bitfield import BitField
from filnet.params.network import EPOCHS_IN_DAY
from filnet.vm.exit_codes import ExitCode
from tests.actors.market.harness import (
    CLIENT_ADDR,
    OWNER_ADDR,
    PROVIDER_ADDR,
    EventLog,
    MinerAddresses,
    aborts,
    activate_deals,
    assert_account_zero,
    assert_deal_deleted,
    check_state,
    cron_tick,
    expect_burn,
    expect_deal_event,
    generate_and_publish_deal,
    get_balance,
    get_deal_proposal,
    get_deal_state,
    process_epoch,
    publish_and_activate_deal,
    publish_and_activate_deal_legacy,
    settle_deal_payments,
    settle_deal_payments_and_assert_balances,
    settle_deal_payments_no_change,
    setup,
    state,
    terminate_deals_and_assert_balances,
    update_last_updated,
)

START = 50
END = START + 200 * EPOCHS_IN_DAY


def test_timedout_deal_is_slashed_and_deleted() -> None:
    rt = setup()
    deal_id, deal = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    client_escrow = get_balance(rt, CLIENT_ADDR).balance
    rt.epoch = process_epoch(START, deal_id)
    expect_burn(rt, deal.provider_collateral)
    ret = settle_deal_payments(rt, CLIENT_ADDR, [deal_id])
    assert ret.results.codes() == [EX_DEAL_EXPIRED] and ret.settlements == ()
    client = get_balance(rt, CLIENT_ADDR)
    assert (client.balance, client.locked) == (client_escrow, ZERO)
    assert_account_zero(rt, PROVIDER_ADDR)
    assert_deal_deleted(rt, deal_id, deal, 0)
    check_state(rt)
    # cron drops the dangling deal op
    cron_tick(rt)
    assert state(rt).get_deals_for_epoch(rt.store, rt.epoch) == []
    check_state(rt)


def test_can_manually_settle_deals_in_the_cron_queue() -> None:
    rt = setup()
    deal_id, deal = publish_and_activate_deal_legacy(rt, CLIENT_ADDR, MinerAddresses(), 7, START, END, 0, END)
    client_before, provider_before = get_balance(rt, CLIENT_ADDR), get_balance(rt, PROVIDER_ADDR)
    rt.epoch = ChainEpoch(START + 100)
    ret = settle_deal_payments(rt, PROVIDER_ADDR, [deal_id])
    payment = deal.storage_price_per_epoch * 100
    assert ret.settlements == (DealSettlementSummary(payment, False),)
    assert get_balance(rt, CLIENT_ADDR).balance == client_before.balance - payment
    assert get_balance(rt, PROVIDER_ADDR).balance == provider_before.balance + payment
    rt.epoch = ChainEpoch(END)
    log = EventLog(rt)
    expect_deal_event(log, "deal-completed", deal_id, deal)
    cron_tick(rt, log)
    total = deal.storage_price_per_epoch * (END - START)
    assert get_balance(rt, CLIENT_ADDR).balance == client_before.balance - total
    assert get_balance(rt, PROVIDER_ADDR).balance == provider_before.balance + total
    assert_deal_deleted(rt, deal_id, deal, 7)
    check_state(rt)


def test_settling_payments_before_activation_epoch_results_in_no_payment_or_slashing() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(START - 3)
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    rt.epoch = ChainEpoch(START - 2)
    settle_deal_payments_no_change(rt, OWNER_ADDR, CLIENT_ADDR, PROVIDER_ADDR, [deal_id])
    ret = settle_deal_payments(rt, OWNER_ADDR, [deal_id])
    assert ret.settlements == (DealSettlementSummary(ZERO, False),)
    activate_deals(rt, END, PROVIDER_ADDR, START - 1, 7, [deal_id])
    check_state(rt)


def test_settling_payments_before_start_epoch_results_in_no_payment_or_slashing() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(START - 3)
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    activate_deals(rt, END, PROVIDER_ADDR, START - 2, 7, [deal_id])
    rt.epoch = ChainEpoch(START - 1)
    settle_deal_payments_no_change(rt, OWNER_ADDR, CLIENT_ADDR, PROVIDER_ADDR, [deal_id])
    check_state(rt)


def test_settling_payments_for_a_deal_at_its_start_epoch_results_in_zero_payment() -> None:
    rt = setup()
    deal_id, _ = publish_and_activate_deal(rt, CLIENT_ADDR, MinerAddresses(), 7, 0, END, 0, END + 100)
    paid, slashed = settle_deal_payments_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, 0, deal_id)
    assert paid == slashed == ZERO
    get_deal_proposal(rt, deal_id)
    get_deal_state(rt, deal_id)
    check_state(rt)


def test_batch_settlement_of_deals_allows_partial_success() -> None:
    rt = setup()
    addrs = MinerAddresses()
    settlement_epoch, termination_epoch = END - 1, END - 2
    continuing_id, continuing = publish_and_activate_deal(rt, CLIENT_ADDR, addrs, 7, START, END, 0, END)
    finished_id, finished = publish_and_activate_deal(
        rt, CLIENT_ADDR, addrs, 7, START, settlement_epoch, 0, END
    )
    terminated_id, terminated = publish_and_activate_deal(
        rt, CLIENT_ADDR, addrs, 8, START + 1, settlement_epoch, 0, END
    )
    unactivated_id, unactivated = generate_and_publish_deal(rt, CLIENT_ADDR, addrs, START + 2, END)
    client_begin, provider_begin = get_balance(rt, CLIENT_ADDR), get_balance(rt, PROVIDER_ADDR)
    rt.epoch = ChainEpoch(termination_epoch)
    terminated_pay, terminated_penalty = terminate_deals_and_assert_balances(
        rt, CLIENT_ADDR, PROVIDER_ADDR, [8], [terminated_id]
    )
    rt.epoch = ChainEpoch(settlement_epoch)
    expect_burn(rt, unactivated.provider_collateral)
    ids = [continuing_id, finished_id, terminated_id, unactivated_id, 9999]
    ret = settle_deal_payments(rt, PROVIDER_ADDR, ids, completed=[finished_id])
    assert ret.results.codes() == [
        ExitCode.OK,
        ExitCode.OK,
        EX_DEAL_EXPIRED,
        EX_DEAL_EXPIRED,
        EX_DEAL_EXPIRED,
    ]
    continuing_pay = continuing.storage_price_per_epoch * (settlement_epoch - continuing.start_epoch)
    finished_pay = finished.storage_price_per_epoch * (settlement_epoch - finished.start_epoch)
    assert ret.settlements == (
        DealSettlementSummary(continuing_pay, False),
        DealSettlementSummary(finished_pay, True),
    )
    assert_deal_deleted(rt, finished_id, finished, 7, empty_sector_deals=False)
    assert_deal_deleted(rt, terminated_id, terminated, 7, empty_sector_deals=False)
    assert_deal_deleted(rt, unactivated_id, unactivated, 7, empty_sector_deals=False)
    client_end, provider_end = get_balance(rt, CLIENT_ADDR), get_balance(rt, PROVIDER_ADDR)
    assert client_end.balance == client_begin.balance - continuing_pay - finished_pay - terminated_pay
    assert provider_end.balance == (
        provider_begin.balance
        + continuing_pay
        + finished_pay
        + terminated_pay
        - terminated_penalty
        - unactivated.provider_collateral
    )
    check_state(rt)


def test_settling_deal_fails_when_deal_update_epoch_is_in_the_future() -> None:
    rt = setup()
    deal_id, _ = publish_and_activate_deal(rt, CLIENT_ADDR, MinerAddresses(), 7, START, END, 0, END + 100)
    update_last_updated(rt, deal_id, END + 1000)
    rt.epoch = ChainEpoch(END)
    ret = settle_deal_payments(rt, PROVIDER_ADDR, [deal_id])
    assert ret.results.codes() == [ExitCode.USR_ILLEGAL_STATE]
    problems = check_state_invariants(state(rt), rt.store, rt.balance, rt.epoch)
    assert (
        len(problems) == 1
        and f"deal {deal_id} last updated epoch {END + 1000} after current {END}" in problems[0]
    )


def test_empty_batch_and_malformed_params() -> None:
    rt = setup()
    ret = settle_deal_payments(rt, Address.new_id(1234), [])
    assert ret.results.size() == 0 and ret.settlements == ()
    rt.set_caller(CLIENT_ADDR, manifest.ACCOUNT)
    aborts(ExitCode.USR_SERIALIZATION, rt, Method.SETTLE_DEAL_PAYMENTS_EXPORTED, dagcbor.encode(b"\xff\xff"))
    aborts(ExitCode.USR_SERIALIZATION, rt, Method.SETTLE_DEAL_PAYMENTS_EXPORTED, dagcbor.encode([1]))
    bits = BitField.from_indices([3, 9])
    assert SettleDealPaymentsParams.decode(SettleDealPaymentsParams(bits).encode()).deal_ids == bits
    check_state(rt)
