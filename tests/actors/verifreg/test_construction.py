"""Constructing the verified registry (builtin-actors verifreg_actor_test.rs ``construction``)."""

from __future__ import annotations

from filnet.actors import manifest
from filnet.actors.verifreg.methods import Method
from filnet.actors.verifreg.state import FIRST_ALLOCATION_ID
from filnet.actors.verifreg.types import ConstructorParams
from filnet.core.address import Address
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ExitCode
from filnet.vm.testing import SYSTEM_ACTOR
from tests.actors.verifreg.harness import ROOT_ADDR, Harness, aborts, new_runtime, state

ROOT_PUBKEY = Address.new_bls(bytes([7]) * 48)


def test_construct_with_root_id() -> None:
    h = Harness(new_runtime())
    h.construct_and_verify(h.root)
    st = state(h.rt)
    assert st.next_allocation_id == FIRST_ALLOCATION_ID
    assert st.allocations == st.claims == st.remove_data_cap_proposal_ids == st.verifiers
    h.check_state()


def test_construct_resolves_non_id() -> None:
    h = Harness(new_runtime())
    h.rt.robust[ROOT_PUBKEY] = ROOT_ADDR
    h.construct_and_verify(ROOT_PUBKEY)
    h.check_state()


def test_construct_fails_if_root_unresolved() -> None:
    rt = new_runtime()
    rt.set_caller(SYSTEM_ACTOR, manifest.SYSTEM)
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.CONSTRUCTOR, ConstructorParams(ROOT_PUBKEY).encode())
    assert rt.head is None


def test_construct_requires_system_caller() -> None:
    rt = new_runtime()
    rt.set_caller(Address.new_id(1000), manifest.ACCOUNT)
    aborts(ExitCode.USR_FORBIDDEN, rt, Method.CONSTRUCTOR, ConstructorParams(ROOT_ADDR).encode())
    assert rt.head is None


def test_construct_rejects_malformed_params() -> None:
    rt = new_runtime()
    aborts(ExitCode.USR_SERIALIZATION, rt, Method.CONSTRUCTOR, dagcbor.encode([bytes(ROOT_ADDR)]))
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.CONSTRUCTOR, b"")
