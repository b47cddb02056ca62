"""Removing a client's DataCap with two verifiers' approval (builtin-actors
integration_tests verifreg_remove_datacap_test.rs, as unit tests of the registry)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from filnet.actors import manifest
from filnet.actors.account.actor import AuthenticateMessageParams
from filnet.actors.account.methods import Method as AccountMethod
from filnet.actors.datacap.methods import Method as DatacapMethod
from filnet.actors.datacap.types import BalanceParams, BalanceReturn, BurnReturn, DestroyParams
from filnet.actors.singletons import DATACAP_TOKEN_ACTOR, VERIFIED_REGISTRY_ACTOR
from filnet.actors.verifreg.actor import remove_data_cap_payload
from filnet.actors.verifreg.methods import Method
from filnet.actors.verifreg.types import (
    RemoveDataCapParams,
    RemoveDataCapProposal,
    RemoveDataCapProposalID,
    RemoveDataCapRequest,
    RemoveDataCapReturn,
    addr_pair_key,
)
from filnet.core.address import Address
from filnet.core.token import ZERO
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.crypto.signature import is_valid_signature
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ExitCode
from filnet.vm.runtime import SendResult
from tests.actors.verifreg.harness import (
    CLIENT,
    MIN_SIZE,
    VERIFIER,
    VERIFIER2,
    Harness,
    aborts,
    call,
    new_harness,
    ok,
    state,
    tokens,
)

ALLOWANCE = 2 * MIN_SIZE
TO_REMOVE = ALLOWANCE // 2


def key_of(verifier: Address) -> PrivateKey:
    """The verifier account's secp256k1 key."""
    return PrivateKey(KeyType.SECP256K1, hashlib.sha256(f"verifier {verifier}".encode()).digest())


@dataclass
class Removal:
    """The registry with two verifiers whose accounts hold real keys."""

    h: Harness

    @classmethod
    def new(cls) -> Removal:
        h = new_harness()
        for verifier in (VERIFIER, VERIFIER2):
            h.rt.add_actor(verifier, manifest.ACCOUNT, key_of(verifier).address)
            h.add_verifier(verifier, ALLOWANCE)
        return cls(h)

    def request(self, verifier: Address, proposal_id: int, amount: int = TO_REMOVE) -> RemoveDataCapRequest:
        """The verifier's signed approval of removing ``amount`` from CLIENT with ``proposal_id``."""
        proposal = RemoveDataCapProposal(CLIENT, amount, RemoveDataCapProposalID(proposal_id))
        return RemoveDataCapRequest(verifier, key_of(verifier).sign(remove_data_cap_payload(proposal)))

    def expect_authenticate(self, request: RemoveDataCapRequest, proposal_id: int, amount: int) -> None:
        """Expect the registry to ask the verifier's account to check its signature over the proposal the
        registry expects now; the canned result is the account's (true, or an abort on a bad signature)."""
        proposal = RemoveDataCapProposal(CLIENT, amount, RemoveDataCapProposalID(proposal_id))
        payload = remove_data_cap_payload(proposal)
        params = AuthenticateMessageParams(request.signature.data, payload)
        valid = is_valid_signature(request.signature, key_of(request.verifier).address, payload)
        result = ok(dagcbor.encode(True)) if valid else SendResult(ExitCode.USR_ILLEGAL_ARGUMENT)
        self.h.rt.expect_send(
            request.verifier,
            AccountMethod.AUTHENTICATE_MESSAGE_EXPORTED,
            dagcbor.encode(params.to_ipld()),
            ZERO,
            result,
        )

    def expect_balance_and_destroy(self, balance: int, burnt: int) -> None:
        """Expect the client's balance query, and the destruction of ``burnt`` when not zero."""
        rt = self.h.rt
        rt.expect_send(
            DATACAP_TOKEN_ACTOR,
            DatacapMethod.BALANCE_EXPORTED,
            BalanceParams(CLIENT).encode(),
            ZERO,
            ok(BalanceReturn(tokens(balance)).encode()),
        )
        if burnt:
            destroy = DestroyParams(CLIENT, tokens(burnt))
            rt.expect_send(
                DATACAP_TOKEN_ACTOR,
                DatacapMethod.DESTROY_EXPORTED,
                destroy.encode(),
                ZERO,
                ok(BurnReturn(tokens(balance - burnt)).encode()),
            )

    def params(
        self, request_1: RemoveDataCapRequest, request_2: RemoveDataCapRequest, amount: int = TO_REMOVE
    ) -> bytes:
        """RemoveVerifiedClientDataCap params for CLIENT, as the root key."""
        self.h.rt.set_caller(self.h.root, manifest.ACCOUNT)
        return RemoveDataCapParams(CLIENT, amount, request_1, request_2).encode()

    def proposal_id(self, verifier: Address) -> int | None:
        """The pair's next proposal ID in state."""
        raw = (
            state(self.h.rt)
            .load_remove_data_cap_proposal_ids(self.h.rt.store)
            .get(addr_pair_key(verifier, CLIENT))
        )
        return None if raw is None else RemoveDataCapProposalID.from_ipld(raw).id


def test_remove_datacap_simple_successful_path() -> None:
    r = Removal.new()
    assert r.proposal_id(VERIFIER) is None and r.proposal_id(VERIFIER2) is None
    for proposal_id, balance in ((0, ALLOWANCE), (1, ALLOWANCE - TO_REMOVE)):
        request_1, request_2 = r.request(VERIFIER, proposal_id), r.request(VERIFIER2, proposal_id)
        r.expect_authenticate(request_1, proposal_id, TO_REMOVE)
        r.expect_authenticate(request_2, proposal_id, TO_REMOVE)
        r.expect_balance_and_destroy(balance, TO_REMOVE)
        ret = RemoveDataCapReturn.decode(
            call(r.h.rt, Method.REMOVE_VERIFIED_CLIENT_DATA_CAP, r.params(request_1, request_2))
        )
        assert ret == RemoveDataCapReturn(CLIENT, TO_REMOVE)
        assert r.proposal_id(VERIFIER) == r.proposal_id(VERIFIER2) == proposal_id + 1
    # The verifiers' allowances are untouched.
    assert r.h.verifier_allowance(VERIFIER) == r.h.verifier_allowance(VERIFIER2) == ALLOWANCE
    r.h.check_state()


def test_remove_datacap_resolves_client_and_removes_at_most_the_balance() -> None:
    r = Removal.new()
    pubkey = Address.new_bls(bytes([9]) * 48)
    r.h.rt.robust[pubkey] = CLIENT
    request_1, request_2 = r.request(VERIFIER, 0), r.request(VERIFIER2, 0)
    r.expect_authenticate(request_1, 0, TO_REMOVE)
    r.expect_authenticate(request_2, 0, TO_REMOVE)
    r.expect_balance_and_destroy(TO_REMOVE - 5, TO_REMOVE - 5)
    r.h.rt.set_caller(r.h.root, manifest.ACCOUNT)
    params = RemoveDataCapParams(pubkey, TO_REMOVE, request_1, request_2).encode()
    ret = RemoveDataCapReturn.decode(call(r.h.rt, Method.REMOVE_VERIFIED_CLIENT_DATA_CAP, params))
    assert ret == RemoveDataCapReturn(CLIENT, TO_REMOVE - 5)
    r.h.check_state()


def test_remove_datacap_of_empty_client_destroys_nothing() -> None:
    r = Removal.new()
    request_1, request_2 = r.request(VERIFIER, 0), r.request(VERIFIER2, 0)
    r.expect_authenticate(request_1, 0, TO_REMOVE)
    r.expect_authenticate(request_2, 0, TO_REMOVE)
    r.expect_balance_and_destroy(0, 0)
    ret = RemoveDataCapReturn.decode(
        call(r.h.rt, Method.REMOVE_VERIFIED_CLIENT_DATA_CAP, r.params(request_1, request_2))
    )
    assert ret == RemoveDataCapReturn(CLIENT, 0)
    r.h.check_state()


def test_remove_datacap_fails_on_verifreg() -> None:
    r = Removal.new()
    r.h.rt.set_caller(r.h.root, manifest.ACCOUNT)
    params = RemoveDataCapParams(
        VERIFIED_REGISTRY_ACTOR, 100, r.request(VERIFIER, 0), r.request(VERIFIER2, 0)
    )
    aborts(
        ExitCode.USR_ILLEGAL_ARGUMENT,
        r.h.rt,
        Method.REMOVE_VERIFIED_CLIENT_DATA_CAP,
        params.encode(),
        "verified registry itself",
    )
    r.h.check_state()


def test_remove_datacap_requires_root_caller() -> None:
    r = Removal.new()
    params = r.params(r.request(VERIFIER, 0), r.request(VERIFIER2, 0))
    r.h.rt.set_caller(VERIFIER, manifest.ACCOUNT)
    aborts(ExitCode.USR_FORBIDDEN, r.h.rt, Method.REMOVE_VERIFIED_CLIENT_DATA_CAP, params)
    assert r.proposal_id(VERIFIER) is None
    r.h.check_state()


def test_remove_datacap_requires_two_verifiers() -> None:
    r = Removal.new()
    # The same verifier twice.
    params = r.params(r.request(VERIFIER, 0), r.request(VERIFIER, 0))
    aborts(
        ExitCode.USR_ILLEGAL_ARGUMENT, r.h.rt, Method.REMOVE_VERIFIED_CLIENT_DATA_CAP, params, "two different"
    )
    # An account that is not a verifier.
    r.h.rt.add_actor(CLIENT, manifest.ACCOUNT, key_of(CLIENT).address)
    params = r.params(r.request(VERIFIER, 0), r.request(CLIENT, 0))
    aborts(
        ExitCode.USR_NOT_FOUND, r.h.rt, Method.REMOVE_VERIFIED_CLIENT_DATA_CAP, params, "is not a verifier"
    )
    # No actor at all.
    params = r.params(
        r.request(VERIFIER, 0), RemoveDataCapRequest(Address.new_id(999), r.request(VERIFIER2, 0).signature)
    )
    aborts(ExitCode.USR_NOT_FOUND, r.h.rt, Method.REMOVE_VERIFIED_CLIENT_DATA_CAP, params, "no code")
    assert r.proposal_id(VERIFIER) is None
    r.h.check_state()


def test_remove_datacap_rejects_replayed_approval() -> None:
    r = Removal.new()
    request_1, request_2 = r.request(VERIFIER, 0), r.request(VERIFIER2, 0)
    r.expect_authenticate(request_1, 0, TO_REMOVE)
    r.expect_authenticate(request_2, 0, TO_REMOVE)
    r.expect_balance_and_destroy(ALLOWANCE, TO_REMOVE)
    call(r.h.rt, Method.REMOVE_VERIFIED_CLIENT_DATA_CAP, r.params(request_1, request_2))
    # The same signatures again: the registry now expects proposal ID 1, so the account rejects them, and
    # the proposal IDs roll back.
    r.expect_authenticate(request_1, 1, TO_REMOVE)
    aborts(
        ExitCode.USR_ILLEGAL_ARGUMENT,
        r.h.rt,
        Method.REMOVE_VERIFIED_CLIENT_DATA_CAP,
        r.params(request_1, request_2),
    )
    assert r.proposal_id(VERIFIER) == r.proposal_id(VERIFIER2) == 1
    r.h.check_state()


def test_remove_datacap_rejects_signature_over_another_amount() -> None:
    r = Removal.new()
    request_1, request_2 = r.request(VERIFIER, 0), r.request(VERIFIER2, 0, amount=TO_REMOVE + 1)
    r.expect_authenticate(request_1, 0, TO_REMOVE)
    r.expect_authenticate(request_2, 0, TO_REMOVE)
    aborts(
        ExitCode.USR_ILLEGAL_ARGUMENT,
        r.h.rt,
        Method.REMOVE_VERIFIED_CLIENT_DATA_CAP,
        r.params(request_1, request_2),
    )
    assert r.proposal_id(VERIFIER) is None
    r.h.check_state()


def test_remove_datacap_rejects_false_authentication() -> None:
    r = Removal.new()
    request_1, request_2 = r.request(VERIFIER, 0), r.request(VERIFIER2, 0)
    payload = remove_data_cap_payload(RemoveDataCapProposal(CLIENT, TO_REMOVE, RemoveDataCapProposalID(0)))
    params = AuthenticateMessageParams(request_1.signature.data, payload)
    # A verifier that is not an account may answer false instead of aborting.
    r.h.rt.expect_send(
        VERIFIER,
        AccountMethod.AUTHENTICATE_MESSAGE_EXPORTED,
        dagcbor.encode(params.to_ipld()),
        ZERO,
        ok(dagcbor.encode(False)),
    )
    aborts(
        ExitCode.USR_ILLEGAL_ARGUMENT,
        r.h.rt,
        Method.REMOVE_VERIFIED_CLIENT_DATA_CAP,
        r.params(request_1, request_2),
        "proposal authentication failed",
    )
    # No answer at all is an assertion failure.
    r.h.rt.expect_send(
        VERIFIER, AccountMethod.AUTHENTICATE_MESSAGE_EXPORTED, dagcbor.encode(params.to_ipld()), ZERO, ok()
    )
    aborts(
        ExitCode.USR_ASSERTION_FAILED,
        r.h.rt,
        Method.REMOVE_VERIFIED_CLIENT_DATA_CAP,
        r.params(request_1, request_2),
    )
    r.h.check_state()


def test_remove_datacap_rejects_malformed_signature() -> None:
    r = Removal.new()
    request = r.request(VERIFIER, 0)
    r.h.rt.set_caller(r.h.root, manifest.ACCOUNT)
    raw = [
        bytes(CLIENT),
        b"\x00\x01",
        [bytes(VERIFIER), b"\x09" + request.signature.data],
        [bytes(VERIFIER2), b""],
    ]
    aborts(ExitCode.USR_SERIALIZATION, r.h.rt, Method.REMOVE_VERIFIED_CLIENT_DATA_CAP, dagcbor.encode(raw))
    r.h.check_state()
