"""A fake-runtime harness for the verified registry's tests (after builtin-actors' verifreg ``harness``).

The registry runs on :class:`FakeRuntime` as f06 under mainnet's policy (the numbers of builtin-actors'
tests). The root key is f0101; verifiers (201, 202) and clients (301-304) are accounts; tests make miners
with :func:`add_miner`. The datacap actor's answers are canned results of expected sends. Each helper
declares the sends and events a call must make, runs it and checks the outcome; :meth:`Harness.check_state`
checks the registry's invariants at the current epoch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Final

import pytest

from filnet.actors import manifest
from filnet.actors.batch_return import BatchReturn
from filnet.actors.datacap.methods import Method as DatacapMethod
from filnet.actors.datacap.types import (
    FRC46_TOKEN_TYPE,
    TOKEN_PRECISION,
    BalanceParams,
    BalanceReturn,
    BurnParams,
    BurnReturn,
    FRC46TokenReceived,
    MintParams,
    TransferParams,
    UniversalReceiverParams,
)
from filnet.actors.singletons import DATACAP_TOKEN_ACTOR, STORAGE_MARKET_ACTOR, VERIFIED_REGISTRY_ACTOR
from filnet.actors.verifreg import emit
from filnet.actors.verifreg.actor import ACTOR
from filnet.actors.verifreg.invariants import check_state_invariants
from filnet.actors.verifreg.methods import Method
from filnet.actors.verifreg.state import Allocation, Claim, VerifregState
from filnet.actors.verifreg.types import (
    AddVerifiedClientParams,
    AddVerifierParams,
    AllocationClaim,
    AllocationRequest,
    AllocationRequests,
    AllocationsResponse,
    ClaimAllocationsParams,
    ClaimAllocationsReturn,
    ClaimExtensionRequest,
    ConstructorParams,
    ExtendClaimTermsParams,
    GetClaimsParams,
    GetClaimsReturn,
    RemoveExpiredAllocationsParams,
    RemoveExpiredAllocationsReturn,
    RemoveExpiredClaimsParams,
    RemoveExpiredClaimsReturn,
    RemoveVerifierParams,
    SectorAllocationClaims,
)
from filnet.core.address import Address, Protocol
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch
from filnet.ipld import codecs, multihash
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from filnet.params.network import MAINNET
from filnet.vm.events import ActorEvent
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import SendResult
from filnet.vm.testing import SYSTEM_ACTOR, FakeRuntime

POLICY: Final = MAINNET.policy
MIN_SIZE: Final = POLICY.minimum_verified_allocation_size
MIN_TERM: Final = POLICY.minimum_verified_allocation_term
MAX_TERM: Final = POLICY.maximum_verified_allocation_term
MAX_EXPIRATION: Final = POLICY.maximum_verified_allocation_expiration

ROOT_ADDR: Final = Address.new_id(101)
VERIFIER: Final = Address.new_id(201)
VERIFIER2: Final = Address.new_id(202)
CLIENT: Final = Address.new_id(301)
CLIENT2: Final = Address.new_id(302)
CLIENT3: Final = Address.new_id(303)
CLIENT4: Final = Address.new_id(304)
_ACCOUNTS: Final = (VERIFIER, VERIFIER2, CLIENT, CLIENT2, CLIENT3, CLIENT4)


def new_runtime() -> FakeRuntime:
    """The registry's runtime, with the verifier and client accounts known."""
    rt = FakeRuntime(VERIFIED_REGISTRY_ACTOR, policy=POLICY)
    for address in _ACCOUNTS:
        rt.add_actor(address, manifest.ACCOUNT)
    return rt


def add_miner(rt: FakeRuntime, actor_id: ActorID) -> None:
    """Make ``actor_id`` a miner actor."""
    rt.add_actor(Address.new_id(actor_id), manifest.MINER)


def replace_state(rt: FakeRuntime, state: VerifregState) -> None:
    """Overwrite the registry's state (as builtin-actors' ``replace_state``)."""
    data = state.encode()
    cid = CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)
    rt.store.put(cid, data)
    rt.head = cid


def tokens(datacap: int) -> TokenAmount:
    """Whole DataCap bytes as datacap token units."""
    return TokenAmount(datacap * TOKEN_PRECISION)


def ok(data: bytes = b"") -> SendResult:
    """A successful send's result."""
    return SendResult(ExitCode.OK, data)


def call(rt: FakeRuntime, method: int, params: bytes = b"") -> bytes:
    """Call ``method`` and check every expected send was made."""
    ret = rt.call(ACTOR, method, params)
    rt.verify()
    return ret


def aborts(
    code: ExitCode, rt: FakeRuntime, method: int, params: bytes = b"", contains: str = ""
) -> ActorError:
    """Call ``method`` and expect it to abort with ``code`` (and a message containing ``contains``)."""
    with expect_abort(rt, code, contains) as error:
        rt.call(ACTOR, method, params)
    return error.value


@dataclass
class _Caught:
    value: ActorError = field(default_factory=lambda: ActorError(ExitCode.OK, "not raised"))


@contextmanager
def expect_abort(rt: FakeRuntime, code: ExitCode, contains: str = "") -> Iterator[_Caught]:
    """Expect the block to abort with ``code``; then forget the sends it did not make (``rt.reset``)."""
    caught = _Caught()
    with pytest.raises(ActorError) as info:
        yield caught
    assert info.value.exit_code == code, info.value.reason
    assert contains in info.value.reason, info.value.reason
    caught.value = info.value
    rt.expected_sends.clear()


@dataclass
class EventLog:
    """The events a call is expected to emit, checked against what it emitted."""

    rt: FakeRuntime
    expected: list[ActorEvent] = field(default_factory=list)
    start: int = 0

    def __post_init__(self) -> None:
        self.start = len(self.rt.events)

    def check(self) -> None:
        """The events emitted since this log began are exactly the expected ones, by the registry."""
        emitted = self.rt.events[self.start :]
        assert all(e.emitter == VERIFIED_REGISTRY_ACTOR.id for e in emitted)
        assert [e.event for e in emitted] == self.expected


# -- values -----------------------------------------------------------------------------------------------


def make_piece_cid(data: bytes) -> CID:
    """A piece CID for test data."""
    return CID.compute(codecs.RAW, data)


def make_alloc(data_id: str, client: ActorID, provider: ActorID, size: int) -> Allocation:
    """An allocation with the minimum term, twice that as maximum, expiring at epoch 100."""
    return Allocation(
        client=client,
        provider=provider,
        data=make_piece_cid(data_id.encode()),
        size=size,
        term_min=ChainEpoch(MIN_TERM),
        term_max=ChainEpoch(MIN_TERM * 2),
        expiration=ChainEpoch(100),
    )


def make_alloc_req(rt: FakeRuntime, provider: ActorID, size: int) -> AllocationRequest:
    """A request for fixed data with the policy's terms, expiring 100 epochs from now."""
    return AllocationRequest(
        provider=provider,
        data=make_piece_cid(b"1234"),
        size=size,
        term_min=ChainEpoch(MIN_TERM),
        term_max=ChainEpoch(MAX_TERM),
        expiration=ChainEpoch(rt.epoch + 100),
    )


def make_extension_req(provider: ActorID, claim: int, term_max: int) -> ClaimExtensionRequest:
    """A request to extend a claim's maximum term."""
    return ClaimExtensionRequest(provider, claim, ChainEpoch(term_max))


def alloc_from_req(client: ActorID, req: AllocationRequest) -> Allocation:
    """The allocation a request makes for ``client``."""
    return Allocation(client, req.provider, req.data, req.size, req.term_min, req.term_max, req.expiration)


def make_claim_reqs(
    sector: int, expiry: int, allocs: Sequence[tuple[int, Allocation]]
) -> SectorAllocationClaims:
    """A sector group claiming these allocations as they are."""
    return SectorAllocationClaims(
        sector,
        ChainEpoch(expiry),
        tuple(AllocationClaim(a.client, alloc_id, a.data, a.size) for alloc_id, a in allocs),
    )


def make_claim(
    data_id: str,
    client: ActorID,
    provider: ActorID,
    size: int,
    term_min: int,
    term_max: int,
    term_start: int,
    sector: int,
) -> Claim:
    """A claim."""
    return Claim(
        provider=provider,
        client=client,
        data=make_piece_cid(data_id.encode()),
        size=size,
        term_min=ChainEpoch(term_min),
        term_max=ChainEpoch(term_max),
        term_start=ChainEpoch(term_start),
        sector=sector,
    )


def claim_from_alloc(alloc: Allocation, term_start: int, sector: int) -> Claim:
    """The claim an allocation becomes in ``sector`` at ``term_start``."""
    return Claim(
        alloc.provider,
        alloc.client,
        alloc.data,
        alloc.size,
        alloc.term_min,
        alloc.term_max,
        ChainEpoch(term_start),
        sector,
    )


def make_receiver_hook_token_payload(
    client: ActorID,
    alloc_requests: Sequence[AllocationRequest],
    extension_requests: Sequence[ClaimExtensionRequest],
    datacap_received: int,
) -> FRC46TokenReceived:
    """What the datacap actor tells the registry when ``client`` transfers DataCap with these requests."""
    payload = AllocationRequests(tuple(alloc_requests), tuple(extension_requests))
    return FRC46TokenReceived(
        from_=client,
        to=VERIFIED_REGISTRY_ACTOR.id,
        operator=client,
        amount=tokens(datacap_received),
        operator_data=payload.encode(),
        token_data=b"",
    )


def state(rt: FakeRuntime) -> VerifregState:
    """The registry's state."""
    return rt.get_state(VerifregState)


def assert_allocation(rt: FakeRuntime, client: ActorID, alloc_id: int, expected: Allocation) -> None:
    """The client's allocation of that ID is ``expected``."""
    assert state(rt).load_allocs(rt.store).get(client, alloc_id) == expected


def assert_claim(rt: FakeRuntime, provider: ActorID, claim_id: int, expected: Claim) -> None:
    """The provider's claim of that ID is ``expected``."""
    assert state(rt).load_claims(rt.store).get(provider, claim_id) == expected


def assert_alloc_claimed(
    rt: FakeRuntime,
    client: ActorID,
    provider: ActorID,
    alloc_id: int,
    alloc: Allocation,
    epoch: int,
    sector: int,
) -> Claim:
    """The allocation is gone and the provider holds its claim."""
    st = state(rt)
    assert st.load_allocs(rt.store).get(client, alloc_id) is None
    expected = claim_from_alloc(alloc, epoch, sector)
    assert (expected.client, expected.provider) == (client, provider)
    assert st.load_claims(rt.store).get(provider, alloc_id) == expected
    return expected


# -- the harness ------------------------------------------------------------------------------------------


@dataclass
class Harness:
    """Drives the registry's methods, checking the sends and events of each call."""

    rt: FakeRuntime
    root: Address = ROOT_ADDR

    def construct_and_verify(self, root_param: Address) -> None:
        """Construct the registry with ``root_param`` as root key."""
        self.rt.set_caller(SYSTEM_ACTOR, manifest.SYSTEM)
        assert call(self.rt, Method.CONSTRUCTOR, ConstructorParams(root_param).encode()) == b""
        st = state(self.rt)
        assert st.root_key == self.root
        assert st.verifiers == Hamt(self.rt.store).flush()

    def check_state(self) -> None:
        """The registry's invariants hold at the current epoch."""
        assert check_state_invariants(state(self.rt), self.rt.store, POLICY, self.rt.epoch) == []

    # -- verifiers and clients

    def add_verifier(self, verifier: Address, allowance: int, cap: int = 0) -> None:
        """AddVerifier as the root key; ``cap`` is the prospective verifier's DataCap balance."""
        rt = self.rt
        rt.set_caller(self.root, manifest.ACCOUNT)
        resolved = rt.resolve_address(verifier) or verifier
        rt.expect_send(
            DATACAP_TOKEN_ACTOR,
            DatacapMethod.BALANCE_EXPORTED,
            BalanceParams(resolved).encode(),
            ZERO,
            ok(BalanceReturn(tokens(cap)).encode()),
        )
        log = EventLog(rt, [emit.verifier_balance_event(resolved.id, allowance, None)])
        params = AddVerifierParams(verifier, allowance)
        assert call(rt, Method.ADD_VERIFIER, params.encode()) == b""
        log.check()
        assert self.verifier_allowance(resolved) == allowance

    def remove_verifier(self, verifier: Address) -> None:
        """RemoveVerifier as the root key."""
        rt = self.rt
        rt.set_caller(self.root, manifest.ACCOUNT)
        log = EventLog(rt, [emit.verifier_balance_event(verifier.id, 0, None)])
        assert call(rt, Method.REMOVE_VERIFIER, RemoveVerifierParams(verifier).encode()) == b""
        log.check()
        resolved = rt.resolve_address(verifier)
        assert resolved is not None
        assert state(rt).get_verifier_cap(rt.store, resolved) is None

    def verifier_allowance(self, verifier: Address) -> int | None:
        """A verifier's allowance in state."""
        return state(self.rt).get_verifier_cap(self.rt.store, verifier)

    def add_client(
        self,
        verifier: Address,
        client: Address,
        allowance: int,
        verifier_balance: int,
        method: int = Method.ADD_VERIFIED_CLIENT,
    ) -> None:
        """AddVerifiedClient as ``verifier`` (whose allowance is ``verifier_balance`` before the call)."""
        rt = self.rt
        rt.set_caller(verifier, manifest.ACCOUNT)
        resolved = rt.resolve_address(client) or client
        mint = MintParams(resolved, tokens(allowance), (STORAGE_MARKET_ACTOR,))
        rt.expect_send(DATACAP_TOKEN_ACTOR, DatacapMethod.MINT_EXPORTED, mint.encode(), ZERO)
        expected = []
        if resolved.protocol is Protocol.ID:
            expected.append(
                emit.verifier_balance_event(verifier.id, verifier_balance - allowance, resolved.id)
            )
        log = EventLog(rt, expected)
        params = AddVerifiedClientParams(client, allowance)
        assert call(rt, method, params.encode()) == b""
        log.check()

    # -- allocations and claims

    def create_alloc(self, alloc: Allocation) -> int:
        """Write an allocation straight into state; its ID."""
        st = state(self.rt)
        allocs = st.load_allocs(self.rt.store)
        alloc_id = st.next_allocation_id
        assert alloc_id is not None
        assert allocs.put_if_absent(alloc.client, alloc_id, alloc)
        replace_state(self.rt, replace(st.save_allocs(allocs), next_allocation_id=alloc_id + 1))
        return alloc_id

    def load_alloc(self, client: ActorID, alloc_id: int) -> Allocation | None:
        """The client's allocation of that ID, if any."""
        return state(self.rt).load_allocs(self.rt.store).get(client, alloc_id)

    def create_claim(self, claim: Claim) -> int:
        """Write a claim straight into state; its ID."""
        st = state(self.rt)
        claims = st.load_claims(self.rt.store)
        claim_id = st.next_allocation_id
        assert claim_id is not None
        assert claims.put_if_absent(claim.provider, claim_id, claim)
        replace_state(self.rt, replace(st.save_claims(claims), next_allocation_id=claim_id + 1))
        return claim_id

    def load_claim(self, provider: ActorID, claim_id: int) -> Claim | None:
        """The provider's claim of that ID, if any."""
        return state(self.rt).load_claims(self.rt.store).get(provider, claim_id)

    def claim_allocations(
        self,
        provider: ActorID,
        claim_allocs: Sequence[SectorAllocationClaims],
        datacap_burnt: int,
        all_or_nothing: bool,
        expect_claimed: Sequence[tuple[int, Allocation, int]],
    ) -> ClaimAllocationsReturn:
        """ClaimAllocations as miner ``provider``, expecting these claims and this much DataCap burnt."""
        rt = self.rt
        add_miner(rt, provider)
        rt.set_caller(Address.new_id(provider), manifest.MINER)
        log = EventLog(
            rt,
            [
                emit.claim_event("claim", alloc_id, claim_from_alloc(alloc, rt.epoch, sector))
                for alloc_id, alloc, sector in expect_claimed
            ],
        )
        if datacap_burnt > 0:
            rt.expect_send(
                DATACAP_TOKEN_ACTOR,
                DatacapMethod.BURN_EXPORTED,
                BurnParams(tokens(datacap_burnt)).encode(),
                ZERO,
                ok(BurnReturn(ZERO).encode()),
            )
        params = ClaimAllocationsParams(tuple(claim_allocs), all_or_nothing)
        ret = ClaimAllocationsReturn.decode(call(rt, Method.CLAIM_ALLOCATIONS, params.encode()))
        log.check()
        return ret

    def remove_expired_allocations(
        self, client: ActorID, allocation_ids: Sequence[int], expect_removed: Sequence[tuple[int, Allocation]]
    ) -> RemoveExpiredAllocationsReturn:
        """RemoveExpiredAllocations, expecting these removals and their DataCap transferred back."""
        rt = self.rt
        log = EventLog(rt, [emit.allocation_event("allocation-removed", i, a) for i, a in expect_removed])
        recovered = sum(a.size for _, a in expect_removed)
        transfer = TransferParams(Address.new_id(client), tokens(recovered), b"")
        rt.expect_send(DATACAP_TOKEN_ACTOR, DatacapMethod.TRANSFER_EXPORTED, transfer.encode(), ZERO)
        params = RemoveExpiredAllocationsParams(client, tuple(allocation_ids))
        ret = RemoveExpiredAllocationsReturn.decode(
            call(rt, Method.REMOVE_EXPIRED_ALLOCATIONS, params.encode())
        )
        log.check()
        return ret

    def remove_expired_claims(
        self, provider: ActorID, claim_ids: Sequence[int], expect_removed: Sequence[tuple[int, Claim]]
    ) -> RemoveExpiredClaimsReturn:
        """RemoveExpiredClaims, expecting these removals."""
        rt = self.rt
        log = EventLog(rt, [emit.claim_event("claim-removed", i, c) for i, c in expect_removed])
        params = RemoveExpiredClaimsParams(provider, tuple(claim_ids))
        ret = RemoveExpiredClaimsReturn.decode(call(rt, Method.REMOVE_EXPIRED_CLAIMS, params.encode()))
        log.check()
        return ret

    def get_claims(
        self, provider: ActorID, claim_ids: Sequence[int], method: int = Method.GET_CLAIMS
    ) -> GetClaimsReturn:
        """GetClaims as the current caller."""
        params = GetClaimsParams(provider, tuple(claim_ids))
        return GetClaimsReturn.decode(call(self.rt, method, params.encode()))

    def extend_claim_terms(
        self,
        params: ExtendClaimTermsParams,
        expected: Sequence[tuple[int, Claim]],
        method: int = Method.EXTEND_CLAIM_TERMS,
    ) -> BatchReturn:
        """ExtendClaimTerms as the current caller, expecting these claims' terms to change."""
        events = []
        for claim_id, claim in expected:
            term = next(t for t in params.terms if t.claim_id == claim_id)
            events.append(emit.claim_event("claim-updated", claim_id, replace(claim, term_max=term.term_max)))
        log = EventLog(self.rt, events)
        ret = BatchReturn.decode(call(self.rt, method, params.encode()))
        log.check()
        return ret

    def receive_tokens(
        self,
        payload: FRC46TokenReceived,
        expected_alloc_results: BatchReturn,
        expected_extension_results: BatchReturn,
        expected_alloc_ids: Sequence[int],
        expected_burn: int,
    ) -> None:
        """The receiver hook as the datacap actor, expecting these results, allocations and burn."""
        rt = self.rt
        rt.set_caller(DATACAP_TOKEN_ACTOR, manifest.DATACAP)
        params = UniversalReceiverParams(FRC46_TOKEN_TYPE, payload.encode())
        if expected_burn:
            rt.expect_send(
                DATACAP_TOKEN_ACTOR,
                DatacapMethod.BURN_EXPORTED,
                BurnParams(tokens(expected_burn)).encode(),
                ZERO,
                ok(BurnReturn(ZERO).encode()),
            )
        requests = AllocationRequests.decode(payload.operator_data)
        events = [
            emit.allocation_event("allocation", alloc_id, alloc_from_req(payload.from_, req))
            for req, alloc_id in zip(requests.allocations, expected_alloc_ids, strict=False)
        ]
        for ext in requests.extensions:
            claim = self.load_claim(ext.provider, ext.claim)
            if claim is not None:
                events.append(
                    emit.claim_event("claim-updated", ext.claim, replace(claim, term_max=ext.term_max))
                )
        log = EventLog(rt, events)
        ret = AllocationsResponse.decode(call(rt, Method.UNIVERSAL_RECEIVER_HOOK, params.encode()))
        assert ret == AllocationsResponse(
            expected_alloc_results, expected_extension_results, tuple(expected_alloc_ids)
        )
        log.check()


def new_harness() -> Harness:
    """A constructed registry with root key f0101."""
    h = Harness(new_runtime())
    h.construct_and_verify(h.root)
    return h
