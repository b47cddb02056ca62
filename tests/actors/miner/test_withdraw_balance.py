"""WithdrawBalance and RepayDebt (builtin-actors ``withdraw_balance.rs``, ``repay_debt_test.rs`` and
``repay_debts.rs``)."""

from __future__ import annotations

from dataclasses import replace

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.beneficiary import BeneficiaryTerm
from filnet.actors.miner.methods import Method
from filnet.actors.miner.types import WithdrawBalanceParams, WithdrawBalanceReturn
from filnet.actors.shared import METHOD_SEND
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld.bitfield import BitField
from filnet.vm.exit_codes import ExitCode

from .harness import (
    BIG_BALANCE,
    BIG_REWARDS,
    HarnessRuntime,
    MinerHarness,
    expect_abort,
    expect_burn,
    expect_update_pledge,
)

ONE_PERCENT = TokenAmount(BIG_BALANCE.atto // 100)
BENEFICIARY = Address.new_id(2000)


def setup() -> tuple[MinerHarness, HarnessRuntime]:
    h = MinerHarness(offset=100)
    rt = h.new_runtime()
    h.construct_and_verify(rt)
    rt.balance = BIG_BALANCE
    rt.add_actor(BENEFICIARY, "account")
    return h, rt


def withdraw(
    h: MinerHarness,
    rt: HarnessRuntime,
    caller: Address,
    requested: TokenAmount,
    withdrawn: TokenAmount,
    debt_repaid: TokenAmount = ZERO,
    method: int = Method.WITHDRAW_BALANCE,
) -> None:
    rt.set_caller(caller, "account")
    beneficiary = h.get_info(rt).beneficiary
    if withdrawn.atto > 0:
        rt.expect_send(beneficiary, METHOD_SEND, b"", withdrawn)
    expect_burn(rt, debt_repaid)
    ret = WithdrawBalanceReturn.decode(rt.call(ACTOR, method, WithdrawBalanceParams(requested).encode()))
    rt.verify()
    assert ret.amount_withdrawn == withdrawn


def test_happy_path_withdraws_funds() -> None:
    h, rt = setup()
    withdraw(h, rt, h.owner, ONE_PERCENT, ONE_PERCENT)
    assert rt.balance == BIG_BALANCE - ONE_PERCENT
    withdraw(h, rt, h.owner, ONE_PERCENT, ONE_PERCENT, method=Method.WITHDRAW_BALANCE_EXPORTED)
    h.check_state(rt)


def test_withdraw_funds_restricted_correctly() -> None:
    h, rt = setup()
    params = WithdrawBalanceParams(ONE_PERCENT).encode()
    # A contract may only call the exported number.
    rt.set_caller(Address.new_id(3000), "evm")
    expect_abort(
        rt,
        ExitCode.USR_FORBIDDEN,
        lambda: rt.call(ACTOR, Method.WITHDRAW_BALANCE, params),
        "must be built-in",
    )
    for caller in (h.worker, h.control_addrs[0]):
        rt.set_caller(caller, "account")
        expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: rt.call(ACTOR, Method.WITHDRAW_BALANCE, params))
    neg = WithdrawBalanceParams(TokenAmount(-1)).encode()
    rt.set_caller(h.owner, "account")
    expect_abort(rt, ExitCode.USR_ILLEGAL_ARGUMENT, lambda: rt.call(ACTOR, Method.WITHDRAW_BALANCE, neg))


def test_fails_if_miner_cant_repay_fee_debt() -> None:
    h, rt = setup()
    state = h.get_state(rt)
    h.put_state(rt, replace(state, fee_debt=rt.balance + TokenAmount(1)))
    rt.set_caller(h.owner, "account")
    params = WithdrawBalanceParams(ONE_PERCENT).encode()
    expect_abort(
        rt,
        ExitCode.USR_INSUFFICIENT_FUNDS,
        lambda: rt.call(ACTOR, Method.WITHDRAW_BALANCE, params),
        "unlocked balance can not repay fee debt",
    )


def test_withdraw_only_what_we_can_after_fee_debt() -> None:
    h, rt = setup()
    state = h.get_state(rt)
    debt = rt.balance - ONE_PERCENT
    h.put_state(rt, replace(state, fee_debt=debt))
    withdraw(h, rt, h.owner, ONE_PERCENT * 10, ONE_PERCENT, debt_repaid=debt)
    h.check_state(rt)


def test_cannot_withdraw_while_early_terminations_are_pending() -> None:
    h, rt = setup()
    state = h.get_state(rt)
    h.put_state(rt, replace(state, early_terminations=BitField.from_indices([3])))
    rt.set_caller(h.owner, "account")
    params = WithdrawBalanceParams(ONE_PERCENT).encode()
    expect_abort(
        rt,
        ExitCode.USR_FORBIDDEN,
        lambda: rt.call(ACTOR, Method.WITHDRAW_BALANCE, params),
        "terminated sectors",
    )


def _set_beneficiary(h: MinerHarness, rt: HarnessRuntime, quota: TokenAmount, expiration: int) -> None:
    state = h.get_state(rt)
    info = replace(
        state.get_info(rt.store),
        beneficiary=BENEFICIARY,
        beneficiary_term=BeneficiaryTerm(quota, ZERO, ChainEpoch(expiration)),
    )
    h.put_state(rt, state.save_info(rt.store, info))


def test_beneficiary_withdrawals_are_limited_to_quota() -> None:
    h, rt = setup()
    quota = TokenAmount(ONE_PERCENT.atto // 2)
    _set_beneficiary(h, rt, quota, 1000)
    # Zero is allowed and sends nothing.
    withdraw(h, rt, BENEFICIARY, ZERO, ZERO)
    withdraw(h, rt, h.owner, ONE_PERCENT, quota)
    assert h.get_info(rt).beneficiary_term.used_quota == quota
    rt.set_caller(BENEFICIARY, "account")
    params = WithdrawBalanceParams(ONE_PERCENT).encode()
    expect_abort(
        rt, ExitCode.USR_FORBIDDEN, lambda: rt.call(ACTOR, Method.WITHDRAW_BALANCE, params), "depleted"
    )
    h.check_state(rt)


def test_withdraw_fail_when_beneficiary_expired() -> None:
    h, rt = setup()
    _set_beneficiary(h, rt, ONE_PERCENT, 10)
    rt.epoch = ChainEpoch(20)
    rt.set_caller(BENEFICIARY, "account")
    params = WithdrawBalanceParams(ONE_PERCENT).encode()
    expect_abort(
        rt,
        ExitCode.USR_FORBIDDEN,
        lambda: rt.call(ACTOR, Method.WITHDRAW_BALANCE, params),
        "beneficiary expiration of epoch",
    )


def test_repay_debt_in_priority_order() -> None:
    h, rt = setup()
    h.apply_rewards(rt, BIG_REWARDS)
    state = h.get_state(rt)
    locked = state.locked_funds
    # Debt beyond the locked funds: vesting funds pay first, then the balance.
    debt = locked + TokenAmount.from_fil(5)
    h.put_state(rt, replace(state, fee_debt=debt))
    rt.set_caller(h.worker, "account")
    expect_update_pledge(rt, -locked)
    expect_burn(rt, debt)
    rt.call(ACTOR, Method.REPAY_DEBT, b"")
    rt.verify()
    state = h.get_state(rt)
    assert state.fee_debt == ZERO and state.locked_funds == ZERO
    rt.set_caller(Address.new_id(555), "account")
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: rt.call(ACTOR, Method.REPAY_DEBT, b""))
    rt.set_caller(h.worker, "account")
    expect_abort(rt, ExitCode.USR_ILLEGAL_ARGUMENT, lambda: rt.call(ACTOR, Method.REPAY_DEBT, b"\x80"))
    h.check_state(rt)
