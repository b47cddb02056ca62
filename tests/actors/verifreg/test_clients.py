"""Granting DataCap to verified clients (builtin-actors verifreg_actor_test.rs ``clients``)."""

from __future__ import annotations

from filnet.actors import manifest
from filnet.actors.datacap.methods import Method as DatacapMethod
from filnet.actors.datacap.types import MintParams
from filnet.actors.shared import METHOD_SEND
from filnet.actors.singletons import DATACAP_TOKEN_ACTOR, STORAGE_MARKET_ACTOR
from filnet.actors.verifreg.methods import Method
from filnet.actors.verifreg.types import AddVerifiedClientParams
from filnet.core.address import Address
from filnet.core.token import ZERO
from filnet.vm.exit_codes import ExitCode
from filnet.vm.runtime import SendResult
from tests.actors.verifreg.harness import (
    CLIENT,
    CLIENT2,
    CLIENT3,
    CLIENT4,
    MIN_SIZE,
    VERIFIER,
    VERIFIER2,
    aborts,
    expect_abort,
    new_harness,
    tokens,
)

VERIFIER_ALLOWANCE = MIN_SIZE + 42
CLIENT_ALLOWANCE = VERIFIER_ALLOWANCE - 1


def test_many_verifiers_and_clients() -> None:
    h = new_harness()
    # Each verifier has enough allowance for two clients.
    allowance_verifier = CLIENT_ALLOWANCE * 2
    h.add_verifier(VERIFIER, allowance_verifier)
    h.add_verifier(VERIFIER2, allowance_verifier)
    h.add_client(VERIFIER, CLIENT, CLIENT_ALLOWANCE, allowance_verifier)
    h.add_client(VERIFIER, CLIENT2, CLIENT_ALLOWANCE, allowance_verifier - CLIENT_ALLOWANCE)
    h.add_client(VERIFIER2, CLIENT3, CLIENT_ALLOWANCE, allowance_verifier)
    h.add_client(VERIFIER2, CLIENT4, CLIENT_ALLOWANCE, allowance_verifier - CLIENT_ALLOWANCE)
    # No more allowance left.
    assert h.verifier_allowance(VERIFIER) == 0
    assert h.verifier_allowance(VERIFIER2) == 0
    h.check_state()


def test_verifier_allowance_exhausted() -> None:
    h = new_harness()
    # The verifier only has allowance for one client.
    h.add_verifier(VERIFIER, CLIENT_ALLOWANCE)
    h.add_client(VERIFIER, CLIENT, CLIENT_ALLOWANCE, CLIENT_ALLOWANCE)
    with expect_abort(h.rt, ExitCode.USR_ILLEGAL_ARGUMENT, "than allocated 0"):
        h.add_client(VERIFIER, CLIENT2, CLIENT_ALLOWANCE, 0)
    assert h.verifier_allowance(VERIFIER) == 0
    h.check_state()


def test_resolves_client_address() -> None:
    h = new_harness()
    client_pubkey = Address.new_bls(bytes([7]) * 48)
    h.rt.robust[client_pubkey] = CLIENT
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    h.add_client(VERIFIER, client_pubkey, CLIENT_ALLOWANCE, VERIFIER_ALLOWANCE)
    # Granting the same client again (by its ID address) adds to what it was granted.
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    h.add_client(VERIFIER, CLIENT, CLIENT_ALLOWANCE, VERIFIER_ALLOWANCE)
    h.check_state()


def test_minimum_allowance_ok() -> None:
    h = new_harness()
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    h.add_client(VERIFIER, CLIENT, MIN_SIZE, VERIFIER_ALLOWANCE)
    assert h.verifier_allowance(VERIFIER) == VERIFIER_ALLOWANCE - MIN_SIZE
    h.check_state()


def test_rejects_unresolved_address() -> None:
    h = new_harness()
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    client = Address.new_bls(bytes([7]) * 48)
    # The registry sends zero to create the account, but the runtime still cannot resolve it.
    h.rt.expect_send(client, METHOD_SEND, b"", ZERO)
    with expect_abort(h.rt, ExitCode.USR_ILLEGAL_ARGUMENT, "failed to resolve"):
        h.add_client(VERIFIER, client, CLIENT_ALLOWANCE, VERIFIER_ALLOWANCE)
    assert h.verifier_allowance(VERIFIER) == VERIFIER_ALLOWANCE
    h.check_state()


def test_rejects_allowance_below_minimum() -> None:
    h = new_harness()
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    with expect_abort(h.rt, ExitCode.USR_ILLEGAL_ARGUMENT, "below minimum"):
        h.add_client(VERIFIER, CLIENT, MIN_SIZE - 1, VERIFIER_ALLOWANCE)
    h.check_state()


def test_rejects_non_verifier_caller() -> None:
    h = new_harness()
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    h.rt.set_caller(Address.new_id(209), manifest.ACCOUNT)
    params = AddVerifiedClientParams(CLIENT, CLIENT_ALLOWANCE)
    aborts(ExitCode.USR_NOT_FOUND, h.rt, Method.ADD_VERIFIED_CLIENT, params.encode(), "is not a verifier")
    h.check_state()


def test_add_verified_client_restricted_correctly() -> None:
    h = new_harness()
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    params = AddVerifiedClientParams(CLIENT, CLIENT_ALLOWANCE)
    # A contract may not call the internal method number ...
    h.rt.add_actor(VERIFIER, manifest.EVM)
    h.rt.set_caller(VERIFIER, manifest.EVM)
    aborts(ExitCode.USR_FORBIDDEN, h.rt, Method.ADD_VERIFIED_CLIENT, params.encode(), "must be built-in")
    # ... but may call the exported one.
    h.add_client(VERIFIER, CLIENT, CLIENT_ALLOWANCE, VERIFIER_ALLOWANCE, Method.ADD_VERIFIED_CLIENT_EXPORTED)
    assert h.verifier_allowance(VERIFIER) == VERIFIER_ALLOWANCE - CLIENT_ALLOWANCE
    h.check_state()


def test_rejects_allowance_greater_than_verifier_cap() -> None:
    h = new_harness()
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    with expect_abort(h.rt, ExitCode.USR_ILLEGAL_ARGUMENT, "than allocated"):
        h.add_client(VERIFIER, CLIENT, VERIFIER_ALLOWANCE + 1, VERIFIER_ALLOWANCE)
    assert h.verifier_allowance(VERIFIER) == VERIFIER_ALLOWANCE
    h.check_state()


def test_rejects_root_as_client() -> None:
    h = new_harness()
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    with expect_abort(h.rt, ExitCode.USR_ILLEGAL_ARGUMENT, "root key cannot be added as a client"):
        h.add_client(VERIFIER, h.root, CLIENT_ALLOWANCE, VERIFIER_ALLOWANCE)
    h.check_state()


def test_rejects_verifier_as_client() -> None:
    h = new_harness()
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    with expect_abort(h.rt, ExitCode.USR_ILLEGAL_ARGUMENT, "cannot be added as a verified client"):
        h.add_client(VERIFIER, VERIFIER, CLIENT_ALLOWANCE, VERIFIER_ALLOWANCE)
    h.add_verifier(VERIFIER2, VERIFIER_ALLOWANCE)
    with expect_abort(h.rt, ExitCode.USR_ILLEGAL_ARGUMENT, "cannot be added as a verified client"):
        h.add_client(VERIFIER, VERIFIER2, CLIENT_ALLOWANCE, VERIFIER_ALLOWANCE)
    h.check_state()


def test_failed_mint_rolls_back_the_allowance() -> None:
    h = new_harness()
    h.add_verifier(VERIFIER, VERIFIER_ALLOWANCE)
    h.rt.set_caller(VERIFIER, manifest.ACCOUNT)
    mint = MintParams(CLIENT, tokens(CLIENT_ALLOWANCE), (STORAGE_MARKET_ACTOR,))
    h.rt.expect_send(
        DATACAP_TOKEN_ACTOR,
        DatacapMethod.MINT_EXPORTED,
        mint.encode(),
        ZERO,
        SendResult(ExitCode.USR_ILLEGAL_ARGUMENT),
    )
    events = len(h.rt.events)
    params = AddVerifiedClientParams(CLIENT, CLIENT_ALLOWANCE)
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, h.rt, Method.ADD_VERIFIED_CLIENT, params.encode(), "failed to mint")
    assert h.verifier_allowance(VERIFIER) == VERIFIER_ALLOWANCE
    assert len(h.rt.events) == events
    h.check_state()
