"""The init actor: constructor, Exec (who may create what), Exec4 (f4 addresses, placeholders), failures.

Invariants of the init state are checked after every test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from filnet.actors import manifest as names
from filnet.actors.init.actor import ACTOR, Exec4Params, ExecParams, ExecReturn
from filnet.actors.init.invariants import check_state_invariants
from filnet.actors.init.methods import Method
from filnet.actors.init.state import AddressMap, InitState
from filnet.chain.genesis import BUTTERFLYNET_MANIFEST
from filnet.core.address import EAM_NAMESPACE, Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID
from filnet.ipld import dagcbor
from filnet.vm.actor_address import new_actor_address
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import SendResult
from filnet.vm.testing import FakeRuntime

INIT = Address.new_id(1)
ALICE = Address.new_id(100)
EAM = Address.new_id(10)
CODES = {name: code for name, code in BUTTERFLYNET_MANIFEST}


@pytest.fixture
def rt() -> Iterator[FakeRuntime]:
    runtime = FakeRuntime(INIT)
    runtime.code_names = {code: name for name, code in BUTTERFLYNET_MANIFEST}
    runtime.call(ACTOR, Method.CONSTRUCTOR, dagcbor.encode(["filnet-test"]))
    runtime.set_caller(ALICE, names.ACCOUNT)
    yield runtime
    runtime.verify()
    assert check_state_invariants(runtime.get_state(InitState), runtime.store) == []


def _exec(rt: FakeRuntime, name: str, value: TokenAmount = ZERO, method: int = Method.EXEC) -> ExecReturn:
    rt.value = value
    rt.balance = rt.balance + value
    params = dagcbor.encode(ExecParams(CODES[name], b"\x80").to_ipld())
    return ExecReturn.from_ipld(dagcbor.decode(rt.call(ACTOR, method, params)))


def test_constructor(rt: FakeRuntime) -> None:
    state = rt.get_state(InitState)
    assert (state.next_id, state.network_name) == (100, "filnet-test")
    assert list(AddressMap(rt.store, state.address_map).items()) == []


def test_constructor_only_by_system() -> None:
    runtime = FakeRuntime(INIT, caller=ALICE, caller_name=names.ACCOUNT)
    with pytest.raises(ActorError) as e:
        runtime.call(ACTOR, Method.CONSTRUCTOR, dagcbor.encode(["x"]))
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN


@pytest.mark.parametrize("method", [Method.EXEC, Method.EXEC_EXPORTED])
def test_exec_creates_a_multisig(rt: FakeRuntime, method: int) -> None:
    robust = new_actor_address(rt.origin_robust, 0, 0)
    rt.expect_send(Address.new_id(100), 1, b"\x80", TokenAmount(5))
    ret = _exec(rt, names.MULTISIG, TokenAmount(5), method)
    assert ret == ExecReturn(Address.new_id(100), robust)
    assert rt.created_actors == [(CODES[names.MULTISIG], ActorID(100), None)]
    state = rt.get_state(InitState)
    assert state.next_id == 101
    assert AddressMap(rt.store, state.address_map).lookup(robust) == 100


def test_exec_payment_channels_get_consecutive_ids(rt: FakeRuntime) -> None:
    rt.expect_send(Address.new_id(100), 1, b"\x80")
    rt.expect_send(Address.new_id(101), 1, b"\x80")
    first, second = _exec(rt, names.PAYCH), _exec(rt, names.PAYCH)
    assert (first.id_address.id, second.id_address.id) == (100, 101)
    assert first.robust_address != second.robust_address


def test_exec_miner_only_by_power(rt: FakeRuntime) -> None:
    with pytest.raises(ActorError) as e:
        _exec(rt, names.MINER)
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN
    rt.set_caller(Address.new_id(4), names.POWER)
    rt.expect_send(Address.new_id(100), 1, b"\x80")
    assert _exec(rt, names.MINER).id_address == Address.new_id(100)


@pytest.mark.parametrize("name", [names.ACCOUNT, names.SYSTEM, names.INIT, names.EVM])
def test_exec_forbidden_types(rt: FakeRuntime, name: str) -> None:
    with pytest.raises(ActorError) as e:
        _exec(rt, name)
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN
    assert rt.get_state(InitState).next_id == 100


def test_exec_failing_constructor_rolls_back(rt: FakeRuntime) -> None:
    rt.expect_send(Address.new_id(100), 1, b"\x80", result=SendResult(ExitCode.USR_ILLEGAL_ARGUMENT))
    with pytest.raises(ActorError) as e:
        _exec(rt, names.MULTISIG)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    assert rt.get_state(InitState).next_id == 100
    assert rt.created_actors == []


def test_exec_malformed_params(rt: FakeRuntime) -> None:
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.EXEC, dagcbor.encode([b"not a cid", b""]))
    assert e.value.exit_code is ExitCode.USR_SERIALIZATION


def _exec4(rt: FakeRuntime, subaddress: bytes) -> ExecReturn:
    params = dagcbor.encode(Exec4Params(CODES[names.EVM], b"", subaddress).to_ipld())
    return ExecReturn.from_ipld(dagcbor.decode(rt.call(ACTOR, Method.EXEC4, params)))


def test_exec4_maps_the_f4_address(rt: FakeRuntime) -> None:
    rt.set_caller(EAM, names.EAM)
    subaddress = bytes(range(20))
    rt.expect_send(Address.new_id(100), 1, b"")
    ret = _exec4(rt, subaddress)
    delegated = Address.new_delegated(EAM_NAMESPACE, subaddress)
    assert rt.created_actors == [(CODES[names.EVM], ActorID(100), delegated)]
    address_map = AddressMap(rt.store, rt.get_state(InitState).address_map)
    assert address_map.lookup(delegated) == address_map.lookup(ret.robust_address) == 100


def test_exec4_deploys_over_a_placeholder(rt: FakeRuntime) -> None:
    rt.set_caller(EAM, names.EAM)
    subaddress = b"\x11" * 20
    delegated = Address.new_delegated(EAM_NAMESPACE, subaddress)

    def fund_placeholder(state: InitState) -> tuple[InitState, None]:
        address_map = AddressMap(rt.store, state.address_map)
        address_map.set(delegated, state.next_id)
        return InitState(address_map.flush(), ActorID(state.next_id + 1), state.network_name), None

    rt.transaction(InitState, fund_placeholder)
    rt.add_actor(Address.new_id(100), names.PLACEHOLDER, delegated)
    rt.expect_send(Address.new_id(100), 1, b"")
    assert _exec4(rt, subaddress).id_address == Address.new_id(100)
    assert rt.get_state(InitState).next_id == 101

    rt.add_actor(Address.new_id(100), names.EVM, delegated)
    with pytest.raises(ActorError) as e:
        _exec4(rt, subaddress)
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN


def test_exec4_only_by_the_eam(rt: FakeRuntime) -> None:
    with pytest.raises(ActorError) as e:
        _exec4(rt, bytes(20))
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN


def test_exec4_invalid_subaddress(rt: FakeRuntime) -> None:
    rt.set_caller(EAM, names.EAM)
    with pytest.raises(ActorError) as e:
        _exec4(rt, bytes(60))
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_unknown_method(rt: FakeRuntime) -> None:
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, 4)
    assert e.value.exit_code is ExitCode.USR_UNHANDLED_MESSAGE


def test_invariants_flag_bad_maps(rt: FakeRuntime) -> None:
    state = rt.get_state(InitState)
    address_map = AddressMap(rt.store, state.address_map)
    address_map.set(Address.new_id(5), ActorID(5))
    address_map.set(Address.new_actor(b"a"), ActorID(300))
    bad = InitState(address_map.flush(), ActorID(100), "")
    assert len(check_state_invariants(bad, rt.store)) == 3
