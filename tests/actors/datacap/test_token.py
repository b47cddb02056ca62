"""frc46_token's token logic as pure functions (after frc46_token's ``token/mod.rs`` and ``state.rs`` tests):
balances, supply, allowances, granularity, address resolution and the error -> exit code mapping."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import replace

import pytest

from filnet.actors.datacap import token as frc46
from filnet.actors.datacap.invariants import check_state_invariants
from filnet.actors.datacap.state import DatacapState, TokenState, balances, empty_state
from filnet.actors.datacap.token import Token
from filnet.actors.datacap.types import FRC46_TOKEN_TYPE, FRC46TokenReceived, UniversalReceiverParams
from filnet.actors.encoding import uint_key
from filnet.core.address import Address, Protocol
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID
from filnet.ipld import codecs, multihash
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from filnet.vm.exit_codes import ActorError, ExitCode

TOKEN_ACTOR = Address.new_id(1)
ALICE = Address.new_id(2)
BOB = Address.new_id(3)
CAROL = Address.new_id(4)
SECP = Address.new_secp256k1(b"\x04" + b"\x33" * 64)  # resolves to f05
UNKNOWN = Address.new_secp256k1(b"\x04" + b"\x44" * 64)  # resolves to nothing
RESOLVED = {SECP: Address.new_id(5)}


def resolve(address: Address) -> Address | None:
    """ID addresses resolve to themselves, SECP to f05, nothing else."""
    return address if address.protocol is Protocol.ID else RESOLVED.get(address)


def new_token(granularity: int = 1) -> tuple[Token, TokenState]:
    store = MemoryBlockstore()
    return Token(store, granularity, resolve, ActorID(1)), empty_state(store).token


def check(token: Token, state: TokenState, granularity_ok: bool = True) -> None:
    problems = check_state_invariants(DatacapState(Address.new_id(6), state), token.store)
    if granularity_ok:
        problems = [p for p in problems if "granularity" not in p]
    assert problems == []


def fails(code: ExitCode) -> AbstractContextManager[pytest.ExceptionInfo[ActorError]]:
    return pytest.raises(ActorError, match=rf"^{code.name} ")


def mint(token: Token, state: TokenState, to: Address, atto: int) -> TokenState:
    state, _ = token.mint(state, TOKEN_ACTOR, to, TokenAmount(atto))
    return state


def test_it_mints() -> None:
    token, state = new_token()
    state, hook = token.mint(state, TOKEN_ACTOR, ALICE, TokenAmount(1_000_000), b"op", b"tok")
    assert hook.address == ALICE
    assert hook.received == FRC46TokenReceived(
        ActorID(1), ActorID(2), ActorID(1), TokenAmount(1_000_000), b"op", b"tok"
    )
    assert hook.params() == UniversalReceiverParams(FRC46_TOKEN_TYPE, hook.received.encode())
    assert token.balance_of(state, ALICE) == TokenAmount(1_000_000)
    assert state.supply == TokenAmount(1_000_000)
    # negative mints fail and change nothing
    with fails(ExitCode.USR_ILLEGAL_ARGUMENT):
        token.mint(state, TOKEN_ACTOR, ALICE, TokenAmount(-1))
    # a zero mint is fine and changes nothing
    after, _ = token.mint(state, TOKEN_ACTOR, BOB, ZERO)
    assert after == state
    # a resolvable key address mints to its ID; the hook goes to the address as given
    state, hook = token.mint(state, TOKEN_ACTOR, SECP, TokenAmount(5))
    assert (hook.address, hook.received.to) == (SECP, 5)
    assert token.balance_of(state, Address.new_id(5)) == TokenAmount(5)
    # an address that cannot be resolved (or, inside datacap's transaction, created) is not found
    with fails(ExitCode.USR_NOT_FOUND):
        token.mint(state, TOKEN_ACTOR, UNKNOWN, TokenAmount(5))
    with fails(ExitCode.USR_NOT_FOUND):
        token.mint(state, UNKNOWN, ALICE, TokenAmount(5))
    check(token, state)


def test_it_burns() -> None:
    token, state = new_token()
    state = mint(token, state, ALICE, 1_000_000)
    state, balance = token.burn(state, ALICE, TokenAmount(600_000))
    assert balance == TokenAmount(400_000) and state.supply == TokenAmount(400_000)
    with fails(ExitCode.USR_ILLEGAL_ARGUMENT):
        token.burn(state, ALICE, TokenAmount(-1))
    with fails(ExitCode.USR_INSUFFICIENT_FUNDS):
        token.burn(state, ALICE, TokenAmount(400_001))
    state, balance = token.burn(state, ALICE, TokenAmount(400_000))
    assert balance == ZERO and state.supply == ZERO
    # the zero balance's entry is gone
    assert list(balances(token.store, state)) == []
    check(token, state)


def test_it_transfers_and_to_self() -> None:
    token, state = new_token()
    state = mint(token, state, ALICE, 100)
    state, hook = token.transfer(state, ALICE, BOB, TokenAmount(60), b"data")
    assert hook.received == FRC46TokenReceived(
        ActorID(2), ActorID(3), ActorID(2), TokenAmount(60), b"data", b""
    )
    assert token.balance_of(state, ALICE) == TokenAmount(40)
    assert token.balance_of(state, BOB) == TokenAmount(60)
    # to oneself: allowed up to the balance, changes nothing
    after, _ = token.transfer(state, ALICE, ALICE, TokenAmount(40))
    assert after == state
    with fails(ExitCode.USR_INSUFFICIENT_FUNDS):
        token.transfer(state, ALICE, ALICE, TokenAmount(41))
    with fails(ExitCode.USR_INSUFFICIENT_FUNDS):
        token.transfer(state, ALICE, BOB, TokenAmount(41))
    with fails(ExitCode.USR_ILLEGAL_ARGUMENT):
        token.transfer(state, ALICE, BOB, TokenAmount(-1))
    with fails(ExitCode.USR_NOT_FOUND):
        token.transfer(state, ALICE, UNKNOWN, TokenAmount(1))
    # transferring everything removes the sender's entry
    state, _ = token.transfer(state, ALICE, CAROL, TokenAmount(40))
    assert dict(balances(token.store, state)) == {3: TokenAmount(60), 4: TokenAmount(40)}
    check(token, state)


def test_it_tracks_and_sets_allowances() -> None:
    token, state = new_token()
    state, new = token.increase_allowance(state, ALICE, CAROL, TokenAmount(100))
    assert new == token.allowance(state, ALICE, CAROL) == TokenAmount(100)
    assert token.allowance(state, CAROL, ALICE) == ZERO
    with fails(ExitCode.USR_ILLEGAL_ARGUMENT):
        token.increase_allowance(state, ALICE, CAROL, TokenAmount(-1))
    with fails(ExitCode.USR_ILLEGAL_ARGUMENT):
        token.decrease_allowance(state, ALICE, CAROL, TokenAmount(-1))
    state, new = token.decrease_allowance(state, ALICE, CAROL, TokenAmount(60))
    assert new == TokenAmount(40)
    state, old = token.revoke_allowance(state, ALICE, CAROL)
    assert old == TokenAmount(40) and token.allowance(state, ALICE, CAROL) == ZERO
    state, _ = token.increase_allowance(state, ALICE, SECP, TokenAmount(10))
    assert token.allowance(state, ALICE, SECP) == TokenAmount(10)
    with fails(ExitCode.USR_NOT_FOUND):
        token.increase_allowance(state, ALICE, UNKNOWN, TokenAmount(10))
    # set_allowance returns the old allowance; zero revokes; negative fails
    state, old = token.set_allowance(state, ALICE, CAROL, TokenAmount(100))
    assert old == ZERO
    state, old = token.set_allowance(state, ALICE, CAROL, TokenAmount(120))
    assert old == TokenAmount(100) and token.allowance(state, ALICE, CAROL) == TokenAmount(120)
    state, old = token.set_allowance(state, ALICE, CAROL, ZERO)
    assert old == TokenAmount(120) and token.allowance(state, ALICE, CAROL) == ZERO
    with fails(ExitCode.USR_ILLEGAL_ARGUMENT):
        token.set_allowance(state, ALICE, CAROL, TokenAmount(-50))
    # setting zero for unknown addresses needs no resolution
    after, old = token.set_allowance(state, UNKNOWN, UNKNOWN, ZERO)
    assert (after, old) == (state, ZERO)
    state, _ = token.revoke_allowance(state, ALICE, SECP)
    assert state.allowances == empty_state(MemoryBlockstore()).token.allowances
    check(token, state)


def test_it_allows_delegated_transfer_and_burn() -> None:
    token, state = new_token()
    state = mint(token, state, ALICE, 100)
    state, _ = token.increase_allowance(state, ALICE, CAROL, TokenAmount(100))
    state, hook = token.transfer_from(state, CAROL, ALICE, BOB, TokenAmount(60), b"x")
    assert hook.received == FRC46TokenReceived(ActorID(2), ActorID(3), ActorID(4), TokenAmount(60), b"x", b"")
    assert token.allowance(state, ALICE, CAROL) == TokenAmount(40)
    state, balance, allowance = token.burn_from(state, CAROL, ALICE, TokenAmount(30))
    assert (balance, allowance, state.supply) == (TokenAmount(10), TokenAmount(10), TokenAmount(70))
    # spending the whole allowance removes it
    state, balance, allowance = token.burn_from(state, CAROL, ALICE, TokenAmount(10))
    assert (balance, allowance) == (ZERO, ZERO)
    assert state.allowances == empty_state(MemoryBlockstore()).token.allowances
    check(token, state)


def test_delegation_failures() -> None:
    token, state = new_token()
    state = mint(token, state, ALICE, 50)
    state, _ = token.increase_allowance(state, ALICE, BOB, TokenAmount(100))
    state, _ = token.increase_allowance(state, ALICE, CAROL, TokenAmount(40))
    # enough allowance, not enough balance: nothing is spent
    with fails(ExitCode.USR_INSUFFICIENT_FUNDS):
        token.transfer_from(state, BOB, ALICE, BOB, TokenAmount(51))
    with fails(ExitCode.USR_INSUFFICIENT_FUNDS):
        token.burn_from(state, BOB, ALICE, TokenAmount(51))
    # enough balance, not enough allowance
    with fails(ExitCode.USR_INSUFFICIENT_FUNDS):
        token.transfer_from(state, CAROL, ALICE, BOB, TokenAmount(41))
    # operators that are the owner
    with fails(ExitCode.USR_ILLEGAL_ARGUMENT):
        token.transfer_from(state, ALICE, ALICE, BOB, TokenAmount(1))
    with fails(ExitCode.USR_ILLEGAL_ARGUMENT):
        token.burn_from(state, ALICE, ALICE, TokenAmount(1))
    five = Address.new_id(5)
    with fails(ExitCode.USR_ILLEGAL_ARGUMENT):
        token.burn_from(state, five, SECP, TokenAmount(1))
    # unknown operators or owners have no allowance
    for operator, owner in ((UNKNOWN, ALICE), (BOB, UNKNOWN)):
        with fails(ExitCode.USR_INSUFFICIENT_FUNDS):
            token.transfer_from(state, operator, owner, BOB, TokenAmount(1))
        with fails(ExitCode.USR_INSUFFICIENT_FUNDS):
            token.burn_from(state, operator, owner, TokenAmount(1))
    # no allowance at all: even a zero amount fails
    with fails(ExitCode.USR_INSUFFICIENT_FUNDS):
        token.transfer_from(state, five, ALICE, BOB, ZERO)
    # with an allowance a zero amount passes and spends nothing
    after, _ = token.transfer_from(state, CAROL, ALICE, BOB, ZERO)
    assert after == state
    # the recipient must resolve
    with fails(ExitCode.USR_NOT_FOUND):
        token.transfer_from(state, CAROL, ALICE, UNKNOWN, TokenAmount(1))
    assert token.allowance(state, ALICE, BOB) == TokenAmount(100)
    assert token.allowance(state, ALICE, CAROL) == TokenAmount(40)
    check(token, state)


def test_it_enforces_granularity() -> None:
    token, state = new_token(granularity=100)
    assert token.granularity == 100
    for amount in (1, 99, 101):
        with fails(ExitCode.USR_ILLEGAL_ARGUMENT):
            token.mint(state, TOKEN_ACTOR, ALICE, TokenAmount(amount))
    state = mint(token, state, ALICE, 200)
    with fails(ExitCode.USR_ILLEGAL_ARGUMENT):
        token.burn(state, ALICE, TokenAmount(1))
    with fails(ExitCode.USR_ILLEGAL_ARGUMENT):
        token.transfer(state, ALICE, BOB, TokenAmount(1))
    state, _ = token.increase_allowance(state, ALICE, BOB, TokenAmount(1))  # allowances need no granularity
    with fails(ExitCode.USR_ILLEGAL_ARGUMENT):
        token.transfer_from(state, BOB, ALICE, CAROL, TokenAmount(1))
    with fails(ExitCode.USR_ILLEGAL_ARGUMENT):
        token.burn_from(state, BOB, ALICE, TokenAmount(1))
    state, _ = token.transfer(state, ALICE, BOB, TokenAmount(100))
    state, _ = token.burn(state, BOB, TokenAmount(100))
    assert state.supply == TokenAmount(100)


def test_it_doesnt_initialize_accounts_when_default_values_can_be_returned() -> None:
    token, state = new_token()
    assert token.balance_of(state, UNKNOWN) == ZERO
    assert token.allowance(state, UNKNOWN, ALICE) == ZERO
    assert token.allowance(state, ALICE, UNKNOWN) == ZERO
    assert token.revoke_allowance(state, UNKNOWN, ALICE) == (state, ZERO)
    assert token.revoke_allowance(state, ALICE, UNKNOWN) == (state, ZERO)


def test_same_address() -> None:
    token, _ = new_token()
    assert token.same_address(ALICE, ALICE)
    assert not token.same_address(ALICE, BOB)
    assert token.same_address(SECP, Address.new_id(5))
    assert not token.same_address(UNKNOWN, Address.new_id(5))
    assert not token.same_address(UNKNOWN, SECP)


def test_state_level_errors() -> None:
    token, state = new_token()
    with fails(ExitCode.USR_ILLEGAL_STATE):
        frc46.change_supply_by(state, TokenAmount(-1))
    with fails(ExitCode.USR_ILLEGAL_STATE):
        frc46.set_allowance(token.store, state, ActorID(2), ActorID(3), TokenAmount(-1))
    with fails(ExitCode.USR_INSUFFICIENT_FUNDS):
        frc46.change_balance_by(token.store, state, ActorID(2), TokenAmount(-1))
    # a negative delta on an owner with no allowances writes nothing
    assert frc46.change_allowance_by(token.store, state, ActorID(2), ActorID(3), TokenAmount(-5)) == (
        state,
        ZERO,
    )
    assert frc46.change_balance_by(token.store, state, ActorID(2), ZERO) == (state, ZERO)


def test_broken_maps_are_serialization_errors() -> None:
    token, state = new_token()
    missing = CID.compute(codecs.DAG_CBOR, b"\x80\x80", multihash.BLAKE2B_256)
    # a root that is not in the store
    lost = replace(state, balances=missing, allowances=missing)
    with fails(ExitCode.USR_SERIALIZATION):
        token.balance_of(lost, ALICE)
    with fails(ExitCode.USR_SERIALIZATION):
        token.mint(lost, TOKEN_ACTOR, ALICE, TokenAmount(1))
    with fails(ExitCode.USR_SERIALIZATION):
        token.allowance(lost, ALICE, BOB)
    with fails(ExitCode.USR_SERIALIZATION):
        token.increase_allowance(lost, ALICE, BOB, TokenAmount(1))
    # a value that is not a BigInt
    hamt = Hamt(token.store, bit_width=state.hamt_bit_width)
    hamt.set(uint_key(2), "not a bigint")
    bad = replace(state, balances=hamt.flush())
    with fails(ExitCode.USR_SERIALIZATION):
        token.balance_of(bad, ALICE)
    with fails(ExitCode.USR_SERIALIZATION):
        token.burn(bad, ALICE, TokenAmount(1))
    # an owner entry that is not a link
    hamt = Hamt(token.store, bit_width=state.hamt_bit_width)
    hamt.set(uint_key(2), b"\x00\x05")
    bad = replace(state, allowances=hamt.flush())
    with fails(ExitCode.USR_SERIALIZATION):
        token.allowance(bad, ALICE, BOB)
    with fails(ExitCode.USR_SERIALIZATION):
        token.revoke_allowance(bad, ALICE, BOB)
    assert any("error loading" in p for p in check_state_invariants(DatacapState(ALICE, bad), token.store))


def test_invariants_catch_frc46_violations() -> None:
    store = MemoryBlockstore()
    state = empty_state(store)
    balance_map = Hamt(store, bit_width=3)
    balance_map.set(uint_key(100), TokenAmount(0).to_bytes())
    balance_map.set(uint_key(101), TokenAmount(-(10**18)).to_bytes())
    balance_map.set(uint_key(102), TokenAmount(5).to_bytes())
    empty_operators = Hamt(store, bit_width=3).flush()
    allowance_map = Hamt(store, bit_width=3)
    allowance_map.set(uint_key(100), empty_operators)
    token = replace(
        state.token, supply=TokenAmount(-1), balances=balance_map.flush(), allowances=allowance_map.flush()
    )
    problems = check_state_invariants(replace(state, governor=SECP, token=token), store)
    assert len(problems) == 7, problems
    assert problems[0] == f"governor {SECP} is not an ID address"
    assert problems[1].startswith("total supply")
    assert problems[-1] == "stored an allowance map for f0100 though it specifies no allowances"
