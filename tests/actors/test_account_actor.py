"""The account actor: constructor, PubkeyAddress, AuthenticateMessage, Receive; invariants after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from filnet.actors.account.actor import ACTOR, AuthenticateMessageParams
from filnet.actors.account.invariants import check_state_invariants
from filnet.actors.account.methods import Method
from filnet.actors.account.state import AccountState
from filnet.core.address import Address
from filnet.core.frc42 import FIRST_EXPORTED_METHOD, method_number
from filnet.crypto.keys import KeyType
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.testing import FakeRuntime
from tests.vm.harness import make_key

RECEIVER = Address.new_id(100)
SYSTEM = Address.new_id(0)
KEY = make_key(1)


@pytest.fixture
def rt() -> Iterator[FakeRuntime]:
    runtime = FakeRuntime(RECEIVER)
    runtime.call(ACTOR, Method.CONSTRUCTOR, dagcbor.encode(bytes(KEY.address)))
    runtime.set_caller(Address.new_id(200), "account")
    yield runtime
    runtime.verify()
    assert check_state_invariants(runtime.get_state(AccountState), runtime.store, RECEIVER) == []


def test_constructor_stores_the_key_address(rt: FakeRuntime) -> None:
    assert rt.get_state(AccountState).address == KEY.address


def test_constructor_only_by_system() -> None:
    runtime = FakeRuntime(RECEIVER, caller=Address.new_id(5), caller_name="account")
    with pytest.raises(ActorError) as e:
        runtime.call(ACTOR, Method.CONSTRUCTOR, dagcbor.encode(bytes(KEY.address)))
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN
    assert runtime.head is None


@pytest.mark.parametrize("address", [Address.new_id(7), Address.new_actor(b"x")])
def test_constructor_refuses_non_key_addresses(address: Address) -> None:
    with pytest.raises(ActorError) as e:
        FakeRuntime(RECEIVER).call(ACTOR, Method.CONSTRUCTOR, dagcbor.encode(bytes(address)))
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


@pytest.mark.parametrize(
    "params, code",
    [
        (b"", ExitCode.USR_ILLEGAL_ARGUMENT),
        (b"\x01\x02", ExitCode.USR_SERIALIZATION),
        (dagcbor.encode(5), ExitCode.USR_SERIALIZATION),
        (dagcbor.encode(b"\x09junk"), ExitCode.USR_SERIALIZATION),
    ],
)
def test_constructor_malformed_params(params: bytes, code: ExitCode) -> None:
    with pytest.raises(ActorError) as e:
        FakeRuntime(RECEIVER).call(ACTOR, Method.CONSTRUCTOR, params)
    assert e.value.exit_code is code


def test_pubkey_address(rt: FakeRuntime) -> None:
    assert dagcbor.decode(rt.call(ACTOR, Method.PUBKEY_ADDRESS)) == bytes(KEY.address)


def test_pubkey_address_takes_no_params(rt: FakeRuntime) -> None:
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.PUBKEY_ADDRESS, dagcbor.encode(1))
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def _authenticate(rt: FakeRuntime, signature: bytes, message: bytes) -> bytes:
    params = dagcbor.encode(AuthenticateMessageParams(signature, message).to_ipld())
    return rt.call(ACTOR, Method.AUTHENTICATE_MESSAGE_EXPORTED, params)


def test_authenticate_message(rt: FakeRuntime) -> None:
    signature = KEY.sign(b"hello")
    assert dagcbor.decode(_authenticate(rt, signature.data, b"hello")) is True


def test_authenticate_message_bls() -> None:
    key = make_key(2, KeyType.BLS)
    runtime = FakeRuntime(RECEIVER)
    runtime.call(ACTOR, Method.CONSTRUCTOR, dagcbor.encode(bytes(key.address)))
    assert dagcbor.decode(_authenticate(runtime, key.sign(b"m").data, b"m")) is True


@pytest.mark.parametrize("signer, message", [(1, b"other"), (9, b"hello")])
def test_authenticate_message_rejects(rt: FakeRuntime, signer: int, message: bytes) -> None:
    """A signature over another message, or by another key, fails."""
    signature = make_key(signer).sign(b"hello")
    with pytest.raises(ActorError) as e:
        _authenticate(rt, signature.data, message)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_authenticate_message_malformed(rt: FakeRuntime) -> None:
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.AUTHENTICATE_MESSAGE_EXPORTED, dagcbor.encode([b"x"]))
    assert e.value.exit_code is ExitCode.USR_SERIALIZATION
    with pytest.raises(ActorError) as e:
        _authenticate(rt, b"\x00" * 300, b"m")
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_receive_hook_accepts_anything(rt: FakeRuntime) -> None:
    assert rt.call(ACTOR, method_number("Receive"), dagcbor.encode([0, b"x"])) == b""


@pytest.mark.parametrize("method", [FIRST_EXPORTED_METHOD, method_number("Transfer"), (1 << 32) - 1])
def test_any_exported_method_is_accepted(rt: FakeRuntime, method: int) -> None:
    """builtin-actors actors/account/src/lib.rs ``fallback``: every FRC-42 exported method number succeeds
    with no return value, whatever its params (an account can be notified of anything)."""
    assert rt.call(ACTOR, method, b"\xff") == b""


def test_unknown_method(rt: FakeRuntime) -> None:
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, 3)
    assert e.value.exit_code is ExitCode.USR_UNHANDLED_MESSAGE


def test_invariants_flag_non_key_addresses() -> None:
    assert check_state_invariants(AccountState(Address.new_id(5)), FakeRuntime(RECEIVER).store, RECEIVER)
    burnt = Address.new_id(99)
    assert check_state_invariants(AccountState(burnt), FakeRuntime(burnt).store, burnt) == []
