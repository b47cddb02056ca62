"""AddBalance: crediting client and provider escrow (builtin-actors ``market_actor_test.rs``)."""

from __future__ import annotations

import pytest

from filnet.actors import manifest
from filnet.actors.market.methods import Method
from filnet.actors.market.types import AddBalanceParams
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ExitCode
from tests.actors.market.harness import (
    CLIENT_ADDR,
    OWNER_ADDR,
    PROVIDER_ADDR,
    WORKER_ADDR,
    aborts,
    add_participant_funds,
    call,
    check_state,
    expect_get_control_addresses,
    get_balance,
    setup,
)


@pytest.mark.parametrize("caller", [OWNER_ADDR, WORKER_ADDR])
def test_adds_to_provider_escrow_funds(caller: Address) -> None:
    rt = setup()
    for delta, total in ((10, 10), (20, 30), (40, 70)):
        rt.set_caller(caller, manifest.ACCOUNT)
        rt.value = TokenAmount(delta)
        expect_get_control_addresses(rt, PROVIDER_ADDR, OWNER_ADDR, WORKER_ADDR)
        assert call(rt, Method.ADD_BALANCE, AddBalanceParams(PROVIDER_ADDR).encode()) == b""
        account = get_balance(rt, PROVIDER_ADDR)
        assert (account.balance, account.locked) == (TokenAmount(total), ZERO)
        check_state(rt)


@pytest.mark.parametrize("caller", [CLIENT_ADDR, WORKER_ADDR])
def test_adds_to_non_provider_funds(caller: Address) -> None:
    rt = setup()
    for delta, total in ((10, 10), (20, 30), (40, 70)):
        add_participant_funds(rt, caller, TokenAmount(delta))
        assert get_balance(rt, caller).balance == TokenAmount(total)
        check_state(rt)


def test_anyone_may_add_to_a_party_escrow() -> None:
    rt = setup()
    rt.set_caller(WORKER_ADDR, manifest.ACCOUNT)
    rt.value = TokenAmount(7)
    call(rt, Method.ADD_BALANCE, AddBalanceParams(CLIENT_ADDR).encode())
    assert get_balance(rt, CLIENT_ADDR).balance == TokenAmount(7)
    assert get_balance(rt, WORKER_ADDR).balance == ZERO


@pytest.mark.parametrize("value", [0, -1])
def test_fail_when_balance_is_not_positive(value: int) -> None:
    rt = setup()
    rt.set_caller(OWNER_ADDR, manifest.ACCOUNT)
    rt.value = TokenAmount(value)
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.ADD_BALANCE, AddBalanceParams(PROVIDER_ADDR).encode())
    check_state(rt)


def test_fail_when_address_unresolvable_or_without_code() -> None:
    rt = setup()
    rt.set_caller(OWNER_ADDR, manifest.ACCOUNT)
    rt.value = TokenAmount(1)
    unknown_key = Address.new_bls(bytes([0xA1]) + bytes(47))
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.ADD_BALANCE, AddBalanceParams(unknown_key).encode())
    # an ID address resolves to itself, but no actor lives there
    aborts(
        ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.ADD_BALANCE, AddBalanceParams(Address.new_id(555)).encode()
    )
    check_state(rt)


def test_robust_address_is_credited_under_its_id() -> None:
    rt = setup()
    key = Address.new_secp256k1(b"\x04" + bytes([7]) * 64)
    rt.add_actor(Address.new_id(321), manifest.ACCOUNT, key)
    add_participant_funds(rt, key, TokenAmount(5))
    assert get_balance(rt, Address.new_id(321)).balance == TokenAmount(5)
    assert get_balance(rt, key).balance == TokenAmount(5)
    check_state(rt)


def test_add_balance_restricted_correctly() -> None:
    rt = setup()
    rt.value = TokenAmount(1000)
    rt.set_caller(Address.new_id(1234), manifest.EVM)
    params = AddBalanceParams(CLIENT_ADDR).encode()
    error = aborts(ExitCode.USR_FORBIDDEN, rt, Method.ADD_BALANCE, params)
    assert "must be built-in" in error.reason
    call(rt, Method.ADD_BALANCE_EXPORTED, params)
    assert get_balance(rt, CLIENT_ADDR).balance == TokenAmount(1000)


def test_malformed_and_missing_params() -> None:
    rt = setup()
    rt.set_caller(CLIENT_ADDR, manifest.ACCOUNT)
    rt.value = TokenAmount(1)
    aborts(ExitCode.USR_SERIALIZATION, rt, Method.ADD_BALANCE, dagcbor.encode([1, 2]))
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.ADD_BALANCE, b"")
    check_state(rt)


def test_simple_construction() -> None:
    from filnet.actors.market.state import empty_state
    from filnet.ipld.blockstore import MemoryBlockstore
    from tests.actors.market.harness import state

    rt = setup()
    assert state(rt) == empty_state(MemoryBlockstore())
    # only the system actor constructs, and only once
    rt.set_caller(CLIENT_ADDR, manifest.ACCOUNT)
    aborts(ExitCode.USR_FORBIDDEN, rt, Method.CONSTRUCTOR)
    rt.set_caller(Address.new_id(0), manifest.SYSTEM)
    aborts(ExitCode.USR_ILLEGAL_STATE, rt, Method.CONSTRUCTOR)
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.CONSTRUCTOR, dagcbor.encode(1))
