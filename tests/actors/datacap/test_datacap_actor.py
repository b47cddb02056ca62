"""The datacap actor's methods (builtin-actors ``datacap_actor_test.rs``, with every failure path and its exit
code). Each test ends with the actor's invariants checked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from filnet.actors import manifest
from filnet.actors.datacap.actor import ACTOR, INFINITE_ALLOWANCE
from filnet.actors.datacap.invariants import check_state_invariants
from filnet.actors.datacap.methods import Method
from filnet.actors.datacap.state import GRANULARITY, empty_state
from filnet.actors.datacap.types import (
    BalanceParams,
    BurnFromParams,
    BurnFromReturn,
    BurnParams,
    BurnReturn,
    ConstructorParams,
    DecreaseAllowanceParams,
    DecreaseAllowanceReturn,
    DestroyParams,
    FRC46TokenReceived,
    GetAllowanceParams,
    GetAllowanceReturn,
    GranularityReturn,
    IncreaseAllowanceParams,
    IncreaseAllowanceReturn,
    MintParams,
    NameReturn,
    RevokeAllowanceParams,
    RevokeAllowanceReturn,
    SymbolReturn,
    TotalSupplyReturn,
    TransferFromParams,
    TransferParams,
)
from filnet.actors.singletons import STORAGE_MARKET_ACTOR, SYSTEM_ACTOR
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID
from filnet.ipld import dagcbor
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import SendResult
from filnet.vm.testing import FakeRuntime
from tests.actors.datacap.harness import (
    ALICE,
    ALICE_KEY,
    BOB,
    CARLA,
    GOVERNOR,
    NOBODY_KEY,
    ONE,
    call_as,
    check_state,
    construct,
    destroy,
    expect_hook,
    get_allowance_between,
    get_balance,
    get_supply,
    make_harness,
    mint,
    new_runtime,
    state,
    transfer,
    transfer_from,
)


@pytest.fixture
def rt() -> Iterator[FakeRuntime]:
    runtime = make_harness()
    yield runtime
    check_state(runtime)


def expect_abort(rt: FakeRuntime, code: ExitCode, caller: Address, method: int, params: bytes) -> ActorError:
    """The call aborts with ``code`` and leaves the state as it was."""
    head = rt.head
    rt.set_caller(caller, manifest.VERIFREG if caller == GOVERNOR else manifest.ACCOUNT)
    with pytest.raises(ActorError) as failure:
        rt.call(ACTOR, method, params)
    assert failure.value.exit_code is code, failure.value
    assert rt.head == head
    rt.expected_sends.clear()
    return failure.value


# --- construction ---


def test_construct_with_verified(rt: FakeRuntime) -> None:
    assert state(rt) == empty_state(MemoryBlockstore(), GOVERNOR)
    ret = call_as(rt, ALICE, Method.GRANULARITY_EXPORTED)
    assert GranularityReturn.decode(ret).granularity == GRANULARITY == 10**18
    assert ret == dagcbor.encode(10**18)
    assert NameReturn.decode(call_as(rt, ALICE, Method.NAME_EXPORTED)).name == "DataCap"
    assert SymbolReturn.decode(call_as(rt, ALICE, Method.SYMBOL_EXPORTED)).symbol == "DCAP"
    assert call_as(rt, ALICE, Method.NAME_EXPORTED) == dagcbor.encode("DataCap")
    assert TotalSupplyReturn.decode(call_as(rt, ALICE, Method.TOTAL_SUPPLY_EXPORTED)).supply == ZERO


def test_constructor_requires_system_caller() -> None:
    rt = new_runtime()
    rt.set_caller(ALICE, manifest.ACCOUNT)
    with pytest.raises(ActorError) as failure:
        rt.call(ACTOR, Method.CONSTRUCTOR, ConstructorParams(GOVERNOR).encode())
    assert failure.value.exit_code is ExitCode.USR_FORBIDDEN
    assert rt.head is None


def test_constructor_requires_resolvable_governor() -> None:
    rt = new_runtime()
    rt.set_caller(SYSTEM_ACTOR, manifest.SYSTEM)
    with pytest.raises(ActorError) as failure:
        rt.call(ACTOR, Method.CONSTRUCTOR, ConstructorParams(NOBODY_KEY).encode())
    assert failure.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    assert rt.head is None


def test_constructor_keeps_the_governor_as_given() -> None:
    rt = new_runtime()
    construct(rt, ALICE_KEY)
    assert state(rt).governor == ALICE_KEY


def test_constructor_params_malformed() -> None:
    rt = new_runtime()
    rt.set_caller(SYSTEM_ACTOR, manifest.SYSTEM)
    for params, code in (
        (b"", ExitCode.USR_ILLEGAL_ARGUMENT),
        (dagcbor.encode(5), ExitCode.USR_SERIALIZATION),
    ):
        with pytest.raises(ActorError) as failure:
            rt.call(ACTOR, Method.CONSTRUCTOR, params)
        assert failure.value.exit_code is code


@pytest.mark.parametrize(
    "method",
    [Method.NAME_EXPORTED, Method.SYMBOL_EXPORTED, Method.GRANULARITY_EXPORTED, Method.TOTAL_SUPPLY_EXPORTED],
)
def test_getters_take_no_params(rt: FakeRuntime, method: Method) -> None:
    expect_abort(rt, ExitCode.USR_ILLEGAL_ARGUMENT, ALICE, method, dagcbor.encode(None))


@pytest.mark.parametrize(
    "method",
    [
        Method.BALANCE_EXPORTED,
        Method.ALLOWANCE_EXPORTED,
        Method.MINT_EXPORTED,
        Method.DESTROY_EXPORTED,
        Method.TRANSFER_EXPORTED,
        Method.TRANSFER_FROM_EXPORTED,
        Method.INCREASE_ALLOWANCE_EXPORTED,
        Method.DECREASE_ALLOWANCE_EXPORTED,
        Method.REVOKE_ALLOWANCE_EXPORTED,
        Method.BURN_EXPORTED,
        Method.BURN_FROM_EXPORTED,
    ],
)
def test_methods_need_well_formed_params(rt: FakeRuntime, method: Method) -> None:
    expect_abort(rt, ExitCode.USR_ILLEGAL_ARGUMENT, GOVERNOR, method, b"")
    expect_abort(rt, ExitCode.USR_SERIALIZATION, GOVERNOR, method, dagcbor.encode([1, 2, 3, 4, 5]))


def test_unknown_method(rt: FakeRuntime) -> None:
    expect_abort(rt, ExitCode.USR_UNHANDLED_MESSAGE, ALICE, Method.BURN_EXPORTED + 1, b"")


def test_balance_and_allowance_getters(rt: FakeRuntime) -> None:
    mint(rt, ALICE, 3 * ONE, (BOB,))
    assert get_balance(rt, ALICE) == 3 * ONE
    assert get_balance(rt, ALICE_KEY) == 3 * ONE  # resolved
    assert get_balance(rt, NOBODY_KEY) == ZERO  # no actor: zero, no account made
    assert get_balance(rt, BOB) == ZERO
    ret = call_as(rt, CARLA, Method.BALANCE_EXPORTED, BalanceParams(ALICE).encode())
    assert ret == dagcbor.encode((3 * ONE).to_bytes())

    def allowance(owner: Address, operator: Address) -> TokenAmount:
        params = GetAllowanceParams(owner, operator).encode()
        return GetAllowanceReturn.decode(call_as(rt, CARLA, Method.ALLOWANCE_EXPORTED, params)).allowance

    assert allowance(ALICE, BOB) == INFINITE_ALLOWANCE == TokenAmount(10**39)
    assert allowance(ALICE_KEY, BOB) == INFINITE_ALLOWANCE
    assert allowance(BOB, ALICE) == ZERO
    assert allowance(NOBODY_KEY, BOB) == ZERO
    assert allowance(ALICE, NOBODY_KEY) == ZERO
    assert TotalSupplyReturn.decode(call_as(rt, ALICE, Method.TOTAL_SUPPLY_EXPORTED)).supply == 3 * ONE


# --- mint ---


def test_mint_balances(rt: FakeRuntime) -> None:
    ret = mint(rt, ALICE, ONE)
    assert (ret.supply, ret.balance, ret.recipient_data) == (ONE, ONE, b"")
    assert get_supply(rt) == ONE and get_balance(rt, ALICE) == ONE
    ret = mint(rt, BOB, ONE)
    assert (ret.supply, ret.balance) == (2 * ONE, ONE)
    assert get_supply(rt) == 2 * ONE and get_balance(rt, BOB) == ONE


def test_mint_requires_verifreg_caller(rt: FakeRuntime) -> None:
    params = MintParams(ALICE, ONE, ()).encode()
    rt.set_caller(STORAGE_MARKET_ACTOR, manifest.MARKET)
    head = rt.head
    with pytest.raises(ActorError) as failure:
        rt.call(ACTOR, Method.MINT_EXPORTED, params)
    assert failure.value.exit_code is ExitCode.USR_FORBIDDEN
    assert rt.head == head


@pytest.mark.parametrize("amount", [TokenAmount(100), ONE + TokenAmount(1), TokenAmount(-(10**18))])
def test_mint_requires_whole_non_negative_tokens(rt: FakeRuntime, amount: TokenAmount) -> None:
    failure = expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        GOVERNOR,
        Method.MINT_EXPORTED,
        MintParams(ALICE, amount, ()).encode(),
    )
    if amount > ZERO:
        assert "must be a multiple of 1000000000000000000" in str(failure)


def test_mint_zero_calls_the_hook(rt: FakeRuntime) -> None:
    ret = mint(rt, ALICE, ZERO)
    assert (ret.balance, ret.supply) == (ZERO, ZERO)


def test_auto_allowance_on_mint(rt: FakeRuntime) -> None:
    amount = 42 * ONE
    mint(rt, ALICE, amount, (BOB,))
    assert get_allowance_between(rt, ALICE, BOB) == INFINITE_ALLOWANCE
    mint(rt, ALICE, amount, (BOB,))
    assert get_allowance_between(rt, ALICE, BOB) == INFINITE_ALLOWANCE
    # a transfer does spend the allowance, tiny as the amount is next to it
    transfer_from(rt, BOB, ALICE, GOVERNOR, 2 * amount, b"\x01\x02\x03\x04")
    assert get_allowance_between(rt, ALICE, BOB) == INFINITE_ALLOWANCE - 2 * amount
    # minting any amount with the operator again resets it to infinite
    mint(rt, ALICE, ONE, (BOB,))
    assert get_allowance_between(rt, ALICE, BOB) == INFINITE_ALLOWANCE


def test_mint_to_a_key_address_hooks_that_address(rt: FakeRuntime) -> None:
    ret = mint(rt, ALICE_KEY, 2 * ONE, (BOB,), to_id=ActorID(101))
    assert ret.balance == 2 * ONE
    assert get_balance(rt, ALICE) == 2 * ONE
    assert get_allowance_between(rt, ALICE, BOB) == INFINITE_ALLOWANCE


def test_mint_to_an_unresolvable_address(rt: FakeRuntime) -> None:
    # frc46 would create the account, but its send inside the state transaction cannot succeed
    expect_abort(
        rt, ExitCode.USR_NOT_FOUND, GOVERNOR, Method.MINT_EXPORTED, MintParams(NOBODY_KEY, ONE, ()).encode()
    )


def test_mint_with_an_unresolvable_operator(rt: FakeRuntime) -> None:
    # after a successful mint the failing allowance drops frc46's receiver hook uncalled: a panic
    params = MintParams(ALICE, ONE, (BOB, NOBODY_KEY)).encode()
    expect_abort(rt, ExitCode.USR_ASSERTION_FAILED, GOVERNOR, Method.MINT_EXPORTED, params)
    # after a failed mint the allowance's own error wins over the mint's
    params = MintParams(ALICE, TokenAmount(1), (NOBODY_KEY,)).encode()
    expect_abort(rt, ExitCode.USR_NOT_FOUND, GOVERNOR, Method.MINT_EXPORTED, params)
    params = MintParams(ALICE, TokenAmount(1), (BOB,)).encode()
    expect_abort(rt, ExitCode.USR_ILLEGAL_ARGUMENT, GOVERNOR, Method.MINT_EXPORTED, params)


@pytest.mark.parametrize(
    ("hook_code", "code"),
    [
        (ExitCode.USR_ILLEGAL_ARGUMENT, ExitCode.USR_ILLEGAL_ARGUMENT),
        (ExitCode.USR_FORBIDDEN, ExitCode.USR_FORBIDDEN),
        (ExitCode.SYS_INVALID_RECEIVER, ExitCode.USR_UNSPECIFIED),
        (ExitCode.SYS_ILLEGAL_INSTRUCTION, ExitCode.USR_UNSPECIFIED),
        (ExitCode.SYS_OUT_OF_GAS, ExitCode.USR_ASSERTION_FAILED),
    ],
)
def test_mint_fails_if_receiver_hook_aborts(rt: FakeRuntime, hook_code: ExitCode, code: ExitCode) -> None:
    mint(rt, ALICE, ONE)
    head = rt.head
    with pytest.raises(ActorError) as failure:
        mint(rt, ALICE, ONE, (BOB,), hook=SendResult(hook_code))
    assert failure.value.exit_code is code
    assert rt.head == head
    assert get_balance(rt, ALICE) == ONE and get_supply(rt) == ONE
    assert get_allowance_between(rt, ALICE, BOB) == ZERO


def test_mint_returns_the_hook_data(rt: FakeRuntime) -> None:
    ret = mint(rt, ALICE, ONE, hook=SendResult(ExitCode.OK, b"\x43abc"))
    assert ret.recipient_data == b"\x43abc"


# --- transfer ---


def test_transfer_only_governor_allowed(rt: FakeRuntime) -> None:
    mint(rt, ALICE, ONE)
    failure = expect_abort(
        rt, ExitCode.USR_FORBIDDEN, ALICE, Method.TRANSFER_EXPORTED, TransferParams(BOB, ONE, b"").encode()
    )
    assert "transfer not allowed" in str(failure)
    # to the governor is allowed
    ret = transfer(rt, ALICE, GOVERNOR, ONE, b"\x01\x02\x03\x04")
    assert (ret.from_balance, ret.to_balance, ret.recipient_data) == (ZERO, ONE, b"")
    # and the governor can transfer out
    ret = transfer(rt, GOVERNOR, BOB, ONE, b"\x01\x02\x03\x04")
    assert (ret.from_balance, ret.to_balance) == (ZERO, ONE)
    assert get_balance(rt, BOB) == ONE and get_supply(rt) == ONE


def test_transfer_to_a_key_address_is_resolved(rt: FakeRuntime) -> None:
    mint(rt, GOVERNOR, ONE)
    rt.set_caller(GOVERNOR, manifest.VERIFREG)
    expect_hook(rt, ALICE, FRC46TokenReceived(ActorID(6), ActorID(101), ActorID(6), ONE, b"d", b""))
    rt.call(ACTOR, Method.TRANSFER_EXPORTED, TransferParams(ALICE_KEY, ONE, b"d").encode())
    rt.verify()
    assert get_balance(rt, ALICE) == ONE


def test_transfer_failures(rt: FakeRuntime) -> None:
    mint(rt, ALICE, ONE)

    def fails(code: ExitCode, caller: Address, to: Address, amount: TokenAmount) -> None:
        expect_abort(rt, code, caller, Method.TRANSFER_EXPORTED, TransferParams(to, amount, b"").encode())

    fails(ExitCode.USR_ILLEGAL_ARGUMENT, ALICE, NOBODY_KEY, ONE)  # `to` must resolve
    fails(ExitCode.USR_FORBIDDEN, ALICE, BOB, TokenAmount(5))  # the restriction comes before the amount
    fails(ExitCode.USR_ILLEGAL_ARGUMENT, ALICE, GOVERNOR, TokenAmount(5))
    fails(ExitCode.USR_ILLEGAL_ARGUMENT, ALICE, GOVERNOR, -ONE)
    fails(ExitCode.USR_INSUFFICIENT_FUNDS, ALICE, GOVERNOR, 2 * ONE)
    fails(ExitCode.USR_INSUFFICIENT_FUNDS, GOVERNOR, BOB, ONE)


def test_transfer_to_self_checks_the_balance(rt: FakeRuntime) -> None:
    mint(rt, GOVERNOR, ONE)
    ret = transfer(rt, GOVERNOR, GOVERNOR, ONE)
    assert (ret.from_balance, ret.to_balance) == (ONE, ONE)
    params = TransferParams(GOVERNOR, 2 * ONE, b"").encode()
    expect_abort(rt, ExitCode.USR_INSUFFICIENT_FUNDS, GOVERNOR, Method.TRANSFER_EXPORTED, params)
    assert get_balance(rt, GOVERNOR) == ONE


def test_transfer_fails_when_receiver_hook_aborts(rt: FakeRuntime) -> None:
    mint(rt, ALICE, 2 * ONE)
    head = rt.head
    with pytest.raises(ActorError) as failure:
        transfer(rt, ALICE, GOVERNOR, ONE, hook=SendResult(ExitCode.USR_ILLEGAL_ARGUMENT))
    assert failure.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    assert rt.head == head
    assert get_balance(rt, ALICE) == 2 * ONE and get_balance(rt, GOVERNOR) == ZERO


def test_transfer_zero(rt: FakeRuntime) -> None:
    ret = transfer(rt, ALICE, GOVERNOR, ZERO)
    assert (ret.from_balance, ret.to_balance) == (ZERO, ZERO)


# --- transfer_from ---


def test_transfer_from_restricted(rt: FakeRuntime) -> None:
    mint(rt, ALICE, ONE, (BOB,))

    def fails(operator: Address, from_: Address, to: Address) -> None:
        params = TransferFromParams(from_, to, ONE, b"\x01\x02\x03\x04").encode()
        failure = expect_abort(rt, ExitCode.USR_FORBIDDEN, operator, Method.TRANSFER_FROM_EXPORTED, params)
        assert "transfer not allowed" in str(failure)

    fails(BOB, ALICE, CARLA)  # not to a third address
    fails(BOB, ALICE, BOB)  # nor to the operator itself
    # even the governor's own tokens, through its delegate, go only to the governor
    mint(rt, GOVERNOR, ONE, (BOB,))
    fails(BOB, GOVERNOR, ALICE)


def test_market_transfers_a_clients_datacap_to_the_registry(rt: FakeRuntime) -> None:
    mint(rt, ALICE, 10 * ONE, (STORAGE_MARKET_ACTOR,))
    ret = transfer_from(
        rt, STORAGE_MARKET_ACTOR, ALICE, GOVERNOR, 4 * ONE, b"alloc reqs", SendResult(ExitCode.OK, b"\x80")
    )
    assert ret.from_balance == 6 * ONE
    assert ret.to_balance == 4 * ONE
    assert ret.allowance == INFINITE_ALLOWANCE - 4 * ONE
    assert ret.recipient_data == b"\x80"


def test_transfer_from_failures(rt: FakeRuntime) -> None:
    mint(rt, ALICE, ONE, (BOB,))
    mint(rt, CARLA, ONE)
    rt.set_caller(CARLA, manifest.ACCOUNT)
    rt.call(
        ACTOR, Method.INCREASE_ALLOWANCE_EXPORTED, IncreaseAllowanceParams(GOVERNOR, TokenAmount(5)).encode()
    )

    def fails(code: ExitCode, operator: Address, from_: Address, to: Address, amount: TokenAmount) -> None:
        params = TransferFromParams(from_, to, amount, b"").encode()
        expect_abort(rt, code, operator, Method.TRANSFER_FROM_EXPORTED, params)

    fails(ExitCode.USR_ILLEGAL_ARGUMENT, BOB, ALICE, NOBODY_KEY, ONE)  # `to` must resolve
    fails(ExitCode.USR_FORBIDDEN, BOB, ALICE, CARLA, TokenAmount(3))  # restriction before amount checks
    fails(ExitCode.USR_ILLEGAL_ARGUMENT, BOB, ALICE, GOVERNOR, TokenAmount(3))  # granularity
    fails(ExitCode.USR_ILLEGAL_ARGUMENT, BOB, ALICE, GOVERNOR, -ONE)
    fails(ExitCode.USR_ILLEGAL_ARGUMENT, ALICE, ALICE, GOVERNOR, ONE)  # operator is the owner
    fails(ExitCode.USR_ILLEGAL_ARGUMENT, ALICE, ALICE_KEY, GOVERNOR, ONE)  # the same, by key address
    fails(ExitCode.USR_INSUFFICIENT_FUNDS, BOB, NOBODY_KEY, GOVERNOR, ONE)  # owner has no actor
    fails(ExitCode.USR_INSUFFICIENT_FUNDS, CARLA, ALICE, GOVERNOR, ONE)  # no allowance
    fails(ExitCode.USR_INSUFFICIENT_FUNDS, CARLA, ALICE, GOVERNOR, ZERO)  # no allowance, even for nothing
    fails(ExitCode.USR_INSUFFICIENT_FUNDS, GOVERNOR, CARLA, GOVERNOR, ONE)  # allowance 5 atto < 1 token
    fails(ExitCode.USR_INSUFFICIENT_FUNDS, BOB, ALICE, GOVERNOR, 2 * ONE)  # allowance enough, balance not
    assert get_allowance_between(rt, ALICE, BOB) == INFINITE_ALLOWANCE
    # a zero transfer within an allowance leaves it untouched
    ret = transfer_from(rt, GOVERNOR, CARLA, GOVERNOR, ZERO)
    assert ret.allowance == TokenAmount(5)


def test_transfer_from_by_key_address_owner(rt: FakeRuntime) -> None:
    mint(rt, ALICE, 2 * ONE, (BOB,))
    rt.set_caller(BOB, manifest.ACCOUNT)
    expect_hook(rt, GOVERNOR, FRC46TokenReceived(ActorID(101), ActorID(6), ActorID(102), ONE, b"", b""))
    params = TransferFromParams(ALICE_KEY, GOVERNOR, ONE, b"").encode()
    ret = rt.call(ACTOR, Method.TRANSFER_FROM_EXPORTED, params)
    rt.verify()
    assert dagcbor.decode(ret)[0] == ONE.to_bytes()


def test_transfer_from_fails_when_receiver_hook_aborts(rt: FakeRuntime) -> None:
    mint(rt, ALICE, 2 * ONE, (BOB,))
    head = rt.head
    with pytest.raises(ActorError) as failure:
        transfer_from(rt, BOB, ALICE, GOVERNOR, ONE, hook=SendResult(ExitCode.USR_NOT_FOUND))
    assert failure.value.exit_code is ExitCode.USR_NOT_FOUND
    assert rt.head == head
    assert get_allowance_between(rt, ALICE, BOB) == INFINITE_ALLOWANCE


# --- destroy ---


def test_destroy_only_governor_allowed(rt: FakeRuntime) -> None:
    mint(rt, ALICE, 2 * ONE, (BOB,))
    params = DestroyParams(ALICE, ONE).encode()
    failure = expect_abort(rt, ExitCode.USR_FORBIDDEN, BOB, Method.DESTROY_EXPORTED, params)
    assert "caller" in str(failure)
    # the governor needs no allowance
    assert get_allowance_between(rt, ALICE, GOVERNOR) == ZERO
    ret = destroy(rt, ALICE, ONE)
    assert ret.balance == ONE
    assert get_supply(rt) == ONE
    assert destroy(rt, ALICE_KEY, ONE).balance == ZERO
    assert get_supply(rt) == ZERO


def test_destroy_failures(rt: FakeRuntime) -> None:
    mint(rt, ALICE, ONE)

    def fails(code: ExitCode, owner: Address, amount: TokenAmount) -> None:
        expect_abort(rt, code, GOVERNOR, Method.DESTROY_EXPORTED, DestroyParams(owner, amount).encode())

    fails(ExitCode.USR_INSUFFICIENT_FUNDS, ALICE, 2 * ONE)
    fails(ExitCode.USR_INSUFFICIENT_FUNDS, BOB, ONE)
    fails(ExitCode.USR_ILLEGAL_ARGUMENT, ALICE, TokenAmount(1))
    fails(ExitCode.USR_ILLEGAL_ARGUMENT, ALICE, -ONE)
    fails(ExitCode.USR_NOT_FOUND, NOBODY_KEY, ONE)


# --- allowances ---


def test_allowances_track(rt: FakeRuntime) -> None:
    def increase(operator: Address, amount: TokenAmount) -> TokenAmount:
        ret = call_as(
            rt, ALICE, Method.INCREASE_ALLOWANCE_EXPORTED, IncreaseAllowanceParams(operator, amount).encode()
        )
        return IncreaseAllowanceReturn.decode(ret).new_allowance

    def decrease(operator: Address, amount: TokenAmount) -> TokenAmount:
        ret = call_as(
            rt, ALICE, Method.DECREASE_ALLOWANCE_EXPORTED, DecreaseAllowanceParams(operator, amount).encode()
        )
        return DecreaseAllowanceReturn.decode(ret).new_allowance

    def revoke(operator: Address) -> TokenAmount:
        ret = call_as(rt, ALICE, Method.REVOKE_ALLOWANCE_EXPORTED, RevokeAllowanceParams(operator).encode())
        return RevokeAllowanceReturn.decode(ret).old_allowance

    # allowances need not be whole tokens
    assert increase(CARLA, TokenAmount(100)) == TokenAmount(100)
    assert get_allowance_between(rt, ALICE, CARLA) == TokenAmount(100)
    assert get_allowance_between(rt, CARLA, ALICE) == ZERO  # one way only
    assert get_allowance_between(rt, ALICE, BOB) == ZERO
    assert decrease(CARLA, TokenAmount(60)) == TokenAmount(40)
    assert revoke(CARLA) == TokenAmount(40)
    assert get_allowance_between(rt, ALICE, CARLA) == ZERO
    assert state(rt).token.allowances == empty_state(MemoryBlockstore()).token.allowances  # maps removed
    # decreasing below zero floors at zero (and removes the entry)
    assert increase(CARLA, TokenAmount(10)) == TokenAmount(10)
    assert decrease(CARLA, TokenAmount(20)) == ZERO
    assert state(rt).token.allowances == empty_state(MemoryBlockstore()).token.allowances
    assert decrease(CARLA, TokenAmount(20)) == ZERO  # nothing to decrease
    assert revoke(CARLA) == ZERO
    # by key address
    assert increase(ALICE_KEY, TokenAmount(7)) == TokenAmount(7)  # a self allowance (frc46 permits it)
    assert get_allowance_between(rt, ALICE, ALICE) == TokenAmount(7)
    assert revoke(ALICE_KEY) == TokenAmount(7)
    assert revoke(NOBODY_KEY) == ZERO
    assert increase(BOB, ZERO) == ZERO
    assert state(rt).token.allowances == empty_state(MemoryBlockstore()).token.allowances


def test_allowance_failures(rt: FakeRuntime) -> None:
    rt.set_caller(ALICE, manifest.ACCOUNT)
    rt.call(
        ACTOR, Method.INCREASE_ALLOWANCE_EXPORTED, IncreaseAllowanceParams(BOB, TokenAmount(100)).encode()
    )
    for method, params in (
        (Method.INCREASE_ALLOWANCE_EXPORTED, IncreaseAllowanceParams(BOB, TokenAmount(-1))),
        (Method.DECREASE_ALLOWANCE_EXPORTED, DecreaseAllowanceParams(BOB, TokenAmount(-1))),
    ):
        expect_abort(rt, ExitCode.USR_ILLEGAL_ARGUMENT, ALICE, method, params.encode())
    for method, params in (
        (Method.INCREASE_ALLOWANCE_EXPORTED, IncreaseAllowanceParams(NOBODY_KEY, TokenAmount(1))),
        (Method.DECREASE_ALLOWANCE_EXPORTED, DecreaseAllowanceParams(NOBODY_KEY, TokenAmount(1))),
    ):
        expect_abort(rt, ExitCode.USR_NOT_FOUND, ALICE, method, params.encode())
    assert get_allowance_between(rt, ALICE, BOB) == TokenAmount(100)


def test_a_self_allowance_breaks_the_invariants() -> None:
    rt = make_harness()
    call_as(rt, ALICE, Method.INCREASE_ALLOWANCE_EXPORTED, IncreaseAllowanceParams(ALICE, ONE).encode())

    assert check_state_invariants(state(rt), rt.store) == [f"allowance {ONE} of f0101 to f0101"]


# --- burn ---


def test_burn(rt: FakeRuntime) -> None:
    mint(rt, ALICE, 3 * ONE)
    ret = call_as(rt, ALICE, Method.BURN_EXPORTED, BurnParams(ONE).encode())
    assert BurnReturn.decode(ret).balance == 2 * ONE
    assert get_supply(rt) == 2 * ONE
    assert dagcbor.decode(ret) == [(2 * ONE).to_bytes()]
    for amount, code in (
        (3 * ONE, ExitCode.USR_INSUFFICIENT_FUNDS),
        (TokenAmount(1), ExitCode.USR_ILLEGAL_ARGUMENT),
        (-ONE, ExitCode.USR_ILLEGAL_ARGUMENT),
    ):
        expect_abort(rt, code, ALICE, Method.BURN_EXPORTED, BurnParams(amount).encode())
    expect_abort(rt, ExitCode.USR_INSUFFICIENT_FUNDS, BOB, Method.BURN_EXPORTED, BurnParams(ONE).encode())
    assert (
        BurnReturn.decode(call_as(rt, BOB, Method.BURN_EXPORTED, BurnParams(ZERO).encode())).balance == ZERO
    )


def test_burn_from(rt: FakeRuntime) -> None:
    mint(rt, ALICE, 3 * ONE, (BOB,))
    ret = call_as(rt, BOB, Method.BURN_FROM_EXPORTED, BurnFromParams(ALICE, ONE).encode())
    assert BurnFromReturn.decode(ret) == BurnFromReturn(2 * ONE, INFINITE_ALLOWANCE - ONE)
    assert get_supply(rt) == 2 * ONE
    ret = call_as(rt, BOB, Method.BURN_FROM_EXPORTED, BurnFromParams(ALICE_KEY, ONE).encode())
    assert BurnFromReturn.decode(ret).balance == ONE

    def fails(code: ExitCode, operator: Address, owner: Address, amount: TokenAmount) -> None:
        expect_abort(rt, code, operator, Method.BURN_FROM_EXPORTED, BurnFromParams(owner, amount).encode())

    fails(ExitCode.USR_ILLEGAL_ARGUMENT, BOB, ALICE, TokenAmount(1))
    fails(ExitCode.USR_ILLEGAL_ARGUMENT, BOB, ALICE, -ONE)
    fails(ExitCode.USR_ILLEGAL_ARGUMENT, ALICE, ALICE, ONE)
    fails(ExitCode.USR_ILLEGAL_ARGUMENT, ALICE, ALICE_KEY, ONE)
    fails(ExitCode.USR_INSUFFICIENT_FUNDS, CARLA, ALICE, ONE)
    fails(ExitCode.USR_INSUFFICIENT_FUNDS, BOB, NOBODY_KEY, ONE)
    fails(ExitCode.USR_INSUFFICIENT_FUNDS, BOB, ALICE, 2 * ONE)  # allowance enough, balance not
    assert get_allowance_between(rt, ALICE, BOB) == INFINITE_ALLOWANCE - 2 * ONE
