"""The system actor: its constructor, and the invariants of its state."""

from __future__ import annotations

import pytest

from filnet.actors.system.actor import ACTOR
from filnet.actors.system.invariants import check_state_invariants
from filnet.actors.system.methods import Method
from filnet.actors.system.state import SystemState
from filnet.core.address import Address
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.cid import CID
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.testing import FakeRuntime

SYSTEM = Address.new_id(0)


def test_constructor_writes_an_empty_manifest() -> None:
    rt = FakeRuntime(SYSTEM)
    assert rt.call(ACTOR, Method.CONSTRUCTOR) == b""
    state = rt.get_state(SystemState)
    assert state.builtin_actors is not None
    assert dagcbor.decode(rt.store.get(state.builtin_actors)) == []
    assert check_state_invariants(state, rt.store) == []


def test_constructor_only_by_system() -> None:
    rt = FakeRuntime(SYSTEM, caller=Address.new_id(100), caller_name="account")
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.CONSTRUCTOR)
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN
    assert rt.head is None


def test_constructor_takes_no_params() -> None:
    with pytest.raises(ActorError) as e:
        FakeRuntime(SYSTEM).call(ACTOR, Method.CONSTRUCTOR, dagcbor.encode([]))
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_constructor_runs_once() -> None:
    rt = FakeRuntime(SYSTEM)
    rt.call(ACTOR, Method.CONSTRUCTOR)
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.CONSTRUCTOR)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE


def test_invariants_need_a_loadable_manifest() -> None:
    rt = FakeRuntime(SYSTEM)
    assert check_state_invariants(SystemState(None), rt.store)
    data = dagcbor.encode([])
    link = CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)
    assert check_state_invariants(SystemState(link), rt.store) == [f"manifest block {link} is missing"]
    rt.store.put(link, data)
    assert check_state_invariants(SystemState(link), rt.store) == []
