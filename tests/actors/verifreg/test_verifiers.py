"""Adding and removing verifiers (builtin-actors verifreg_actor_test.rs ``verifiers``)."""

from __future__ import annotations

from filnet.actors import manifest
from filnet.actors.datacap.methods import Method as DatacapMethod
from filnet.actors.datacap.types import BalanceParams
from filnet.actors.shared import METHOD_SEND
from filnet.actors.singletons import DATACAP_TOKEN_ACTOR
from filnet.actors.verifreg.methods import Method
from filnet.actors.verifreg.types import AddVerifierParams, RemoveVerifierParams
from filnet.core.address import Address
from filnet.core.token import ZERO
from filnet.vm.exit_codes import ExitCode
from filnet.vm.runtime import SendResult
from tests.actors.verifreg.harness import (
    MIN_SIZE,
    ROOT_ADDR,
    VERIFIER,
    aborts,
    expect_abort,
    new_harness,
    state,
)

VERIFIER_ALLOWANCE = MIN_SIZE + 42


def test_add_verifier_requires_root_caller() -> None:
    h = new_harness()
    h.rt.set_caller(Address.new_id(501), manifest.VERIFREG)
    params = AddVerifierParams(Address.new_id(201), VERIFIER_ALLOWANCE)
    aborts(ExitCode.USR_FORBIDDEN, h.rt, Method.ADD_VERIFIER, params.encode())
    h.check_state()


def test_add_verifier_enforces_min_size() -> None:
    h = new_harness()
    params = AddVerifierParams(VERIFIER, MIN_SIZE - 1)
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, h.rt, Method.ADD_VERIFIER, params.encode(), "below minimum")
    h.check_state()


def test_add_verifier_rejects_root() -> None:
    h = new_harness()
    with expect_abort(h.rt, ExitCode.USR_ILLEGAL_ARGUMENT, "root key cannot be added"):
        h.add_verifier(ROOT_ADDR, VERIFIER_ALLOWANCE)
    h.check_state()


def test_add_verifier_rejects_client() -> None:
    h = new_harness()
    with expect_abort(h.rt, ExitCode.USR_ILLEGAL_ARGUMENT, "cannot become a verifier"):
        h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE, cap=1)
    assert h.verifier_allowance(VERIFIER) is None
    h.check_state()


def test_add_verifier_rejects_unresolved_address() -> None:
    h = new_harness()
    key_address = Address.new_secp256k1(b"\x04" + bytes([3]) * 64)
    h.rt.set_caller(h.root, manifest.ACCOUNT)
    # The registry sends zero to create the account, but the runtime still cannot resolve it.
    h.rt.expect_send(key_address, METHOD_SEND, b"", ZERO)
    params = AddVerifierParams(key_address, VERIFIER_ALLOWANCE)
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, h.rt, Method.ADD_VERIFIER, params.encode())
    h.check_state()


def test_add_verifier_rejects_nonexistent_id() -> None:
    h = new_harness()
    h.rt.set_caller(h.root, manifest.ACCOUNT)
    params = AddVerifierParams(Address.new_id(999), VERIFIER_ALLOWANCE)
    aborts(ExitCode.USR_NOT_FOUND, h.rt, Method.ADD_VERIFIER, params.encode())
    h.check_state()


def test_add_verifier_fails_when_balance_query_fails() -> None:
    h = new_harness()
    h.rt.set_caller(h.root, manifest.ACCOUNT)
    h.rt.expect_send(
        DATACAP_TOKEN_ACTOR,
        DatacapMethod.BALANCE_EXPORTED,
        BalanceParams(VERIFIER).encode(),
        ZERO,
        SendResult(ExitCode.USR_ILLEGAL_STATE),
    )
    params = AddVerifierParams(VERIFIER, VERIFIER_ALLOWANCE)
    aborts(ExitCode.USR_ILLEGAL_STATE, h.rt, Method.ADD_VERIFIER, params.encode(), "datacap balance")
    h.check_state()


def test_add_verifier_id_address() -> None:
    h = new_harness()
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    h.check_state()


def test_add_verifier_overwrites_allowance() -> None:
    h = new_harness()
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE * 3)
    h.check_state()


def test_add_verifier_resolves_address() -> None:
    h = new_harness()
    pubkey = Address.new_secp256k1(b"\x04" + bytes(64))
    h.rt.robust[pubkey] = VERIFIER
    h.add_verifier(pubkey, VERIFIER_ALLOWANCE)
    assert h.verifier_allowance(VERIFIER) == VERIFIER_ALLOWANCE
    h.check_state()


def test_remove_requires_root() -> None:
    h = new_harness()
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    caller = Address.new_id(501)
    assert caller != h.root
    h.rt.set_caller(caller, manifest.ACCOUNT)
    aborts(ExitCode.USR_FORBIDDEN, h.rt, Method.REMOVE_VERIFIER, RemoveVerifierParams(VERIFIER).encode())
    assert h.verifier_allowance(VERIFIER) == VERIFIER_ALLOWANCE
    h.check_state()


def test_remove_requires_verifier_exists() -> None:
    h = new_harness()
    with expect_abort(h.rt, ExitCode.USR_ILLEGAL_ARGUMENT, "not found"):
        h.remove_verifier(VERIFIER)
    h.check_state()


def test_remove_verifier() -> None:
    h = new_harness()
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    h.remove_verifier(VERIFIER)
    h.check_state()


def test_remove_verifier_id_address() -> None:
    h = new_harness()
    pubkey = Address.new_bls(bytes([1]) * 48)
    h.rt.robust[pubkey] = VERIFIER
    # Added by key address, removed by ID address.
    h.add_verifier(pubkey, VERIFIER_ALLOWANCE)
    h.remove_verifier(VERIFIER)
    assert state(h.rt).get_verifier_cap(h.rt.store, VERIFIER) is None
    h.check_state()
