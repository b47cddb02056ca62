"""WithdrawBalance: paying out unlocked escrow (builtin-actors ``market_actor_test.rs``)."""

from __future__ import annotations

from filnet.actors import manifest
from filnet.actors.market.methods import Method
from filnet.actors.market.types import WithdrawBalanceParams
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.params.network import EPOCHS_IN_DAY
from filnet.vm.exit_codes import ExitCode
from filnet.vm.runtime import SendResult
from tests.actors.market.harness import (
    CLIENT_ADDR,
    OWNER_ADDR,
    PROVIDER_ADDR,
    WORKER_ADDR,
    MinerAddresses,
    aborts,
    activate_deals,
    add_participant_funds,
    add_provider_funds,
    assert_deal_deleted,
    call,
    check_state,
    expect_get_control_addresses,
    generate_and_publish_deal,
    get_balance,
    setup,
    terminate_deals,
    withdraw_client_balance,
    withdraw_provider_balance,
)


def test_withdraws_from_provider_escrow_funds_and_sends_to_owner() -> None:
    rt = setup()
    add_provider_funds(rt, TokenAmount(20))
    withdraw_provider_balance(rt, TokenAmount(1), TokenAmount(1))
    assert get_balance(rt, PROVIDER_ADDR).balance == TokenAmount(19)
    check_state(rt)


def test_owner_may_withdraw_provider_funds_too() -> None:
    rt = setup()
    add_provider_funds(rt, TokenAmount(20))
    withdraw_provider_balance(rt, TokenAmount(5), TokenAmount(5))
    rt.set_caller(OWNER_ADDR, manifest.ACCOUNT)
    expect_get_control_addresses(rt, PROVIDER_ADDR, OWNER_ADDR, WORKER_ADDR)
    rt.expect_send(OWNER_ADDR, 0, b"", TokenAmount(2))
    call(rt, Method.WITHDRAW_BALANCE, WithdrawBalanceParams(PROVIDER_ADDR, TokenAmount(2)).encode())
    assert get_balance(rt, PROVIDER_ADDR).balance == TokenAmount(13)
    check_state(rt)


def test_withdraws_from_non_provider_escrow_funds() -> None:
    rt = setup()
    add_participant_funds(rt, CLIENT_ADDR, TokenAmount(20))
    withdraw_client_balance(rt, TokenAmount(1), TokenAmount(1), CLIENT_ADDR)
    assert get_balance(rt, CLIENT_ADDR).balance == TokenAmount(19)
    check_state(rt)


def test_client_withdrawing_more_than_escrow_balance_limits_to_available_funds() -> None:
    rt = setup()
    add_participant_funds(rt, CLIENT_ADDR, TokenAmount(20))
    withdraw_client_balance(rt, TokenAmount(25), TokenAmount(20), CLIENT_ADDR)
    assert get_balance(rt, CLIENT_ADDR).balance == ZERO
    check_state(rt)


def test_worker_withdrawing_more_than_escrow_balance_limits_to_available_funds() -> None:
    rt = setup()
    add_provider_funds(rt, TokenAmount(20))
    withdraw_provider_balance(rt, TokenAmount(25), TokenAmount(20))
    assert get_balance(rt, PROVIDER_ADDR).balance == ZERO
    check_state(rt)


def test_fails_if_withdraw_from_non_provider_funds_is_not_initiated_by_the_recipient() -> None:
    rt = setup()
    add_participant_funds(rt, CLIENT_ADDR, TokenAmount(20))
    rt.set_caller(Address.new_id(909), manifest.ACCOUNT)
    params = WithdrawBalanceParams(CLIENT_ADDR, TokenAmount(1)).encode()
    aborts(ExitCode.USR_FORBIDDEN, rt, Method.WITHDRAW_BALANCE, params)
    assert get_balance(rt, CLIENT_ADDR).balance == TokenAmount(20)
    check_state(rt)


def test_fails_if_withdraw_from_provider_funds_is_not_initiated_by_the_owner_or_worker() -> None:
    rt = setup()
    add_provider_funds(rt, TokenAmount(20))
    rt.set_caller(Address.new_id(909), manifest.ACCOUNT)
    expect_get_control_addresses(rt, PROVIDER_ADDR, OWNER_ADDR, WORKER_ADDR)
    params = WithdrawBalanceParams(PROVIDER_ADDR, TokenAmount(1)).encode()
    aborts(ExitCode.USR_FORBIDDEN, rt, Method.WITHDRAW_BALANCE, params)
    assert get_balance(rt, PROVIDER_ADDR).balance == TokenAmount(20)
    check_state(rt)


def test_fails_with_a_negative_withdraw_amount() -> None:
    rt = setup()
    rt.set_caller(OWNER_ADDR, manifest.ACCOUNT)
    params = WithdrawBalanceParams(PROVIDER_ADDR, TokenAmount(-1)).encode()
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.WITHDRAW_BALANCE, params)
    check_state(rt)


def test_failed_payout_rolls_back_the_withdrawal() -> None:
    rt = setup()
    add_participant_funds(rt, CLIENT_ADDR, TokenAmount(20))
    rt.set_caller(CLIENT_ADDR, manifest.ACCOUNT)
    rt.expect_send(CLIENT_ADDR, 0, b"", TokenAmount(5), SendResult(ExitCode.USR_FORBIDDEN))
    params = WithdrawBalanceParams(CLIENT_ADDR, TokenAmount(5)).encode()
    aborts(ExitCode.USR_FORBIDDEN, rt, Method.WITHDRAW_BALANCE, params)
    assert get_balance(rt, CLIENT_ADDR).balance == TokenAmount(20)
    check_state(rt)


def test_balance_after_withdrawal_must_always_be_greater_than_or_equal_to_locked_amount() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(5)
    _, deal = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), 10, 10 + 200 * EPOCHS_IN_DAY)
    provider = get_balance(rt, PROVIDER_ADDR)
    assert provider.balance == provider.locked == deal.provider_collateral
    client = get_balance(rt, CLIENT_ADDR)
    assert client.balance == client.locked == deal.client_balance_requirement()
    # everything is locked: nothing comes out
    withdraw_client_balance(rt, TokenAmount(1), ZERO, CLIENT_ADDR)
    withdraw_provider_balance(rt, TokenAmount(1), ZERO)
    # more funds: a withdrawal is limited by what is locked
    add_provider_funds(rt, TokenAmount(25))
    withdraw_provider_balance(rt, TokenAmount(30), TokenAmount(25))
    add_participant_funds(rt, CLIENT_ADDR, TokenAmount(25))
    withdraw_client_balance(rt, TokenAmount(30), TokenAmount(25), CLIENT_ADDR)
    check_state(rt)


def test_worker_balance_after_withdrawal_must_account_for_slashed_funds() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(5)
    start, end = 10, 10 + 200 * EPOCHS_IN_DAY
    deal_id, proposal = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), start, end)
    activate_deals(rt, end + 1, PROVIDER_ADDR, 5, 7, [deal_id])
    rt.epoch = ChainEpoch(6)
    terminate_deals(rt, PROVIDER_ADDR, [7], [deal_id])
    assert_deal_deleted(rt, deal_id, proposal, 7)
    withdraw_provider_balance(rt, TokenAmount(1), ZERO)
    add_provider_funds(rt, TokenAmount(25))
    withdraw_provider_balance(rt, TokenAmount(30), TokenAmount(25))
    check_state(rt)
