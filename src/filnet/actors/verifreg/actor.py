"""The verified registry actor's methods (builtin-actors ``fil_actor_verifreg::Actor``).

The root key (a multisig) adds and removes verifiers, each with an allowance of DataCap kept here; a
verifier grants DataCap to clients, minted by the datacap actor (f07) with the market as operator. A client
spends DataCap by transferring it to the registry with :class:`AllocationRequests` as operator data: the
receiver hook turns it into allocations of space for pieces with miners (or longer terms for existing
claims). A miner claims an allocation when it commits the piece in a sector of fitting lifetime, and the
claimed DataCap is burnt; an unclaimed allocation that expires may be removed, its DataCap returned to the
client. Two verifiers' signatures, with the root key's message, take DataCap away from a client.

One DataCap byte is ``TOKEN_PRECISION`` token units: amounts here are whole bytes, amounts sent to the
datacap actor are tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from filnet.actors import manifest
from filnet.actors.account.actor import AuthenticateMessageParams
from filnet.actors.account.methods import Method as AccountMethod
from filnet.actors.batch_return import BatchReturn, BatchReturnGen
from filnet.actors.datacap.methods import Method as DatacapMethod
from filnet.actors.datacap.types import (
    FRC46_TOKEN_TYPE,
    TOKEN_PRECISION,
    BalanceParams,
    BalanceReturn,
    BurnParams,
    DestroyParams,
    FRC46TokenReceived,
    MintParams,
    TransferParams,
    UniversalReceiverParams,
)
from filnet.actors.encoding import as_bool
from filnet.actors.shared import resolve_to_actor_id
from filnet.actors.singletons import (
    DATACAP_TOKEN_ACTOR,
    STORAGE_MARKET_ACTOR,
    SYSTEM_ACTOR,
    VERIFIED_REGISTRY_ACTOR,
)
from filnet.actors.verifreg import emit
from filnet.actors.verifreg.expiration import check_expired, find_expired
from filnet.actors.verifreg.methods import Method
from filnet.actors.verifreg.state import (
    Allocation,
    Claim,
    VerifregState,
    empty_state,
    get_allocation,
    get_claim,
)
from filnet.actors.verifreg.types import (
    SIGNATURE_DOMAIN_SEPARATION_REMOVE_DATA_CAP,
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
    RemoveDataCapParams,
    RemoveDataCapProposal,
    RemoveDataCapProposalID,
    RemoveDataCapRequest,
    RemoveDataCapReturn,
    RemoveExpiredAllocationsParams,
    RemoveExpiredAllocationsReturn,
    RemoveExpiredClaimsParams,
    RemoveExpiredClaimsReturn,
    RemoveVerifierParams,
    SectorClaimSummary,
    addr_pair_key,
)
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch
from filnet.errors import DecodeError
from filnet.ipld import dagcbor
from filnet.ipld.hamt import Hamt
from filnet.params.network import ActorPolicy
from filnet.vm.dispatch import ActorCode
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime, decode_params

T = TypeVar("T")


# -- verifiers and clients ------------------------------------------------------------------------------


def constructor(rt: Runtime, raw: bytes) -> bytes:
    """Create the registry with its root key, resolved to an ID address."""
    params = decode_params(raw, ConstructorParams.from_ipld, "verifreg Constructor")
    rt.validate_immediate_caller_is(SYSTEM_ACTOR)
    root = rt.resolve_address(params.root_key)
    if root is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"root key {params.root_key} should be an ID address")
    rt.create_state(empty_state(rt.store, root))
    return b""


def add_verifier(rt: Runtime, raw: bytes) -> bytes:
    """Make an address a verifier with an allowance (replacing any allowance it had); root key only."""
    params = decode_params(raw, AddVerifierParams.from_ipld, "verifreg AddVerifier")
    minimum = rt.policy.minimum_verified_allocation_size
    if params.allowance < minimum:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"allowance {params.allowance} below minimum {minimum} for add verifier {params.address}",
        )
    verifier = resolve_to_actor_id(rt, params.address, check_existence=True)
    state = rt.state(VerifregState)
    rt.validate_immediate_caller_is(state.root_key)
    if verifier == state.root_key:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "root key cannot be added as a verifier")
    # An address that holds DataCap is a client, and a client may not become a verifier.
    if _balance(rt, verifier) > 0:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"verified client {verifier} cannot become a verifier"
        )
    rt.transaction(VerifregState, lambda st: (st.put_verifier(rt.store, verifier, params.allowance), None))
    emit.verifier_balance(rt, verifier.id, params.allowance, None)
    return b""


def remove_verifier(rt: Runtime, raw: bytes) -> bytes:
    """Remove a verifier and its remaining allowance; root key only."""
    params = decode_params(raw, RemoveVerifierParams.from_ipld, "verifreg RemoveVerifier")
    verifier = resolve_to_actor_id(rt, params.verifier, check_existence=False)

    def update(st: VerifregState) -> tuple[VerifregState, None]:
        rt.validate_immediate_caller_is(st.root_key)
        return st.remove_verifier(rt.store, verifier), None

    rt.transaction(VerifregState, update)
    emit.verifier_balance(rt, verifier.id, 0, None)
    return b""


def add_verified_client(rt: Runtime, raw: bytes) -> bytes:
    """Grant DataCap to a client out of the calling verifier's allowance, minted by the datacap actor."""
    params = decode_params(raw, AddVerifiedClientParams.from_ipld, "verifreg AddVerifiedClient")
    # Any caller may try: only a verifier (an entry in the map, even of zero) gets further.
    rt.validate_immediate_caller_accept_any()
    minimum = rt.policy.minimum_verified_allocation_size
    if params.allowance < minimum:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"allowance {params.allowance} below minimum {minimum} for add verified client {params.address}",
        )
    client = resolve_to_actor_id(rt, params.address, check_existence=True)
    verifier = rt.caller

    def update(st: VerifregState) -> tuple[VerifregState, int]:
        if client == st.root_key:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "root key cannot be added as a client")
        verifier_cap = st.get_verifier_cap(rt.store, verifier)
        if verifier_cap is None:
            raise ActorError(ExitCode.USR_NOT_FOUND, f"caller {verifier} is not a verifier")
        if st.get_verifier_cap(rt.store, client) is not None:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, f"verifier {client} cannot be added as a verified client"
            )
        if verifier_cap < params.allowance:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"add more DataCap {params.allowance} for client than allocated {verifier_cap}",
            )
        new_cap = verifier_cap - params.allowance
        return st.put_verifier(rt.store, verifier, new_cap), new_cap

    new_cap = rt.transaction(VerifregState, update)
    emit.verifier_balance(rt, verifier.id, new_cap, client.id)
    _mint(rt, client, params.allowance, (STORAGE_MARKET_ACTOR,))
    return b""


def remove_verified_client_data_cap(rt: Runtime, raw: bytes) -> bytes:
    """Destroy up to an amount of a client's DataCap, approved by two verifiers' signatures; root key only.

    Each verifier signs a :class:`RemoveDataCapProposal` carrying its next proposal ID for the client, so
    an approval cannot be replayed; the IDs advance before the signatures are checked, and a bad signature
    rolls the whole call back.
    """
    params = decode_params(raw, RemoveDataCapParams.from_ipld, "verifreg RemoveVerifiedClientDataCap")
    client = resolve_to_actor_id(rt, params.verified_client_to_remove, check_existence=False)
    verifier_1 = resolve_to_actor_id(rt, params.verifier_request_1.verifier, check_existence=True)
    verifier_2 = resolve_to_actor_id(rt, params.verifier_request_2.verifier, check_existence=True)
    if verifier_1 == verifier_2:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, "need two different verifiers to send remove datacap request"
        )

    def update(
        st: VerifregState,
    ) -> tuple[VerifregState, tuple[RemoveDataCapProposalID, RemoveDataCapProposalID]]:
        rt.validate_immediate_caller_is(st.root_key)
        # builtin-actors compares the address as given, before resolution.
        if params.verified_client_to_remove == VERIFIED_REGISTRY_ACTOR:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, "cannot remove data cap from verified registry itself"
            )
        for verifier in (verifier_1, verifier_2):
            if st.get_verifier_cap(rt.store, verifier) is None:
                raise ActorError(ExitCode.USR_NOT_FOUND, f"{verifier} is not a verifier")
        proposal_ids = st.load_remove_data_cap_proposal_ids(rt.store)
        id_1 = use_proposal_id(proposal_ids, verifier_1, client)
        id_2 = use_proposal_id(proposal_ids, verifier_2, client)
        return st.save_remove_data_cap_proposal_ids(proposal_ids), (id_1, id_2)

    id_1, id_2 = rt.transaction(VerifregState, update)
    amount = params.data_cap_amount_to_remove
    _check_remove_data_cap_request(rt, params.verifier_request_1, id_1, amount, client)
    _check_remove_data_cap_request(rt, params.verifier_request_2, id_2, amount, client)
    burnt = min(_balance(rt, client), amount)
    _destroy(rt, client, burnt)
    return RemoveDataCapReturn(verified_client=client, data_cap_removed=burnt).encode()


def use_proposal_id(proposal_ids: Hamt, verifier: Address, client: Address) -> RemoveDataCapProposalID:
    """The verifier's current removal proposal ID for the client (0 before its first), advancing it."""
    key = addr_pair_key(verifier, client)
    raw = proposal_ids.get(key)
    current = RemoveDataCapProposalID(0) if raw is None else RemoveDataCapProposalID.from_ipld(raw)
    proposal_ids.set(key, RemoveDataCapProposalID(current.id + 1).to_ipld())
    return current


def remove_data_cap_payload(proposal: RemoveDataCapProposal) -> bytes:
    """The bytes a verifier signs to approve a removal: the domain separation prefix and the proposal."""
    return SIGNATURE_DOMAIN_SEPARATION_REMOVE_DATA_CAP + proposal.encode()


def _check_remove_data_cap_request(
    rt: Runtime,
    request: RemoveDataCapRequest,
    proposal_id: RemoveDataCapProposalID,
    amount: int,
    client: Address,
) -> None:
    """Abort unless the verifier authenticates its signature over the proposal (FRC-44)."""
    proposal = RemoveDataCapProposal(
        verified_client=client, data_cap_amount=amount, removal_proposal_id=proposal_id
    )
    params = AuthenticateMessageParams(
        signature=request.signature.data, message=remove_data_cap_payload(proposal)
    )
    data = rt.send(
        request.verifier, AccountMethod.AUTHENTICATE_MESSAGE_EXPORTED, dagcbor.encode(params.to_ipld()), ZERO
    ).unwrap("proposal authentication failed")
    if not _return_block(data, lambda v: as_bool(v, "AuthenticateMessage return"), "AuthenticateMessage"):
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "proposal authentication failed")


# -- allocations and claims -----------------------------------------------------------------------------


def remove_expired_allocations(rt: Runtime, raw: bytes) -> bytes:
    """Remove a client's expired allocations (the given IDs, or every expired one when none is given) and
    transfer their DataCap back to the client; anyone may call."""
    params = decode_params(raw, RemoveExpiredAllocationsParams.from_ipld, "verifreg RemoveExpiredAllocations")
    rt.validate_immediate_caller_accept_any()
    curr_epoch = rt.curr_epoch
    client = params.client

    def update(
        st: VerifregState,
    ) -> tuple[VerifregState, tuple[list[int], BatchReturn, list[tuple[int, Allocation]]]]:
        allocs = st.load_allocs(rt.store)
        if not params.allocation_ids:
            considered = find_expired(allocs, client, curr_epoch)
            results = BatchReturn.ok(len(considered))
            to_remove = considered
        else:
            considered = list(params.allocation_ids)
            results = check_expired(allocs, considered, client, curr_epoch)
            to_remove = results.successes(considered)
        removed: list[tuple[int, Allocation]] = []
        for allocation_id in to_remove:
            existing = allocs.remove(client, allocation_id)
            if existing is None:
                # Only an ID listed twice gets here; builtin-actors panics (unwrap), which the FVM reports
                # as an assertion failure.
                raise ActorError(ExitCode.USR_ASSERTION_FAILED, f"allocation {allocation_id} already removed")
            removed.append((allocation_id, existing))
        return st.save_allocs(allocs), (considered, results, removed)

    considered, results, removed = rt.transaction(VerifregState, update)
    for allocation_id, allocation in removed:
        emit.allocation_removed(rt, allocation_id, allocation)
    recovered = sum(allocation.size for _, allocation in removed)
    _transfer(rt, client, recovered)
    return RemoveExpiredAllocationsReturn(tuple(considered), results, recovered).encode()


def claim_allocations(rt: Runtime, raw: bytes) -> bytes:
    """Turn allocations into claims of the calling miner for the pieces it committed, sector group by
    sector group, and burn the claimed DataCap.

    A group fails as a whole (USR_NOT_FOUND for a missing allocation, USR_FORBIDDEN for one this sector
    may not claim); with ``all_or_nothing`` any failed group aborts the call.
    """
    params = decode_params(raw, ClaimAllocationsParams.from_ipld, "verifreg ClaimAllocations")
    rt.validate_immediate_caller_type(manifest.MINER)
    provider = rt.caller.id
    if not params.sectors:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "claim allocations called with no claims")
    curr_epoch = rt.curr_epoch

    def update(
        st: VerifregState,
    ) -> tuple[VerifregState, tuple[BatchReturn, list[SectorClaimSummary], list[tuple[int, Claim]]]]:
        claims = st.load_claims(rt.store)
        allocs = st.load_allocs(rt.store)
        results = BatchReturnGen(len(params.sectors))
        summaries: list[SectorClaimSummary] = []
        made: list[tuple[int, Claim]] = []
        # The same sector number may appear in several groups; nothing here prevents it.
        for sector in params.sectors:
            # Check every claim of the group before changing anything.
            new_claims: list[tuple[int, Claim]] = []
            failure: ExitCode | None = None
            for request in sector.claims:
                alloc = get_allocation(allocs, request.client, request.allocation_id)
                if alloc is None:
                    failure = ExitCode.USR_NOT_FOUND
                    break
                if not can_claim_alloc(request, provider, alloc, curr_epoch, sector.expiry):
                    failure = ExitCode.USR_FORBIDDEN
                    break
                new_claims.append(
                    (request.allocation_id, _claim_of(alloc, provider, curr_epoch, sector.sector))
                )
            if failure is not None:
                results.add_fail(failure)
                continue
            claimed_space = 0
            for claim_id, claim in new_claims:
                if not claims.put_if_absent(provider, claim_id, claim):
                    raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"claim {claim_id} already exists")
                made.append((claim_id, claim))
                allocs.remove(claim.client, claim_id)
                claimed_space += claim.size
            summaries.append(SectorClaimSummary(claimed_space))
            results.add_success()
        return st.save_allocs(allocs).save_claims(claims), (results.generate(), summaries, made)

    batch_info, summaries, made = rt.transaction(VerifregState, update)
    for claim_id, claim in made:
        emit.claim(rt, claim_id, claim)
    if params.all_or_nothing and not batch_info.all_ok():
        # builtin-actors reports USR_ILLEGAL_ARGUMENT here, whatever the groups failed with.
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"claim failed with all-or-nothing: {batch_info}")
    _burn(rt, sum(s.claimed_space for s in summaries))
    return ClaimAllocationsReturn(batch_info, tuple(summaries)).encode()


def can_claim_alloc(
    claim: AllocationClaim,
    provider: ActorID,
    alloc: Allocation,
    curr_epoch: ChainEpoch,
    sector_expiry: ChainEpoch,
) -> bool:
    """Whether ``provider`` may claim ``alloc`` as described, in a sector expiring at ``sector_expiry``:
    same provider, client, piece and size, not yet expired, and a sector lifetime within the terms."""
    sector_lifetime = sector_expiry - curr_epoch
    return (
        provider == alloc.provider
        and claim.client == alloc.client
        and claim.data == alloc.data
        and claim.size == alloc.size
        and curr_epoch <= alloc.expiration
        and alloc.term_min <= sector_lifetime <= alloc.term_max
    )


def _claim_of(alloc: Allocation, provider: ActorID, term_start: ChainEpoch, sector: int) -> Claim:
    """The claim an allocation becomes when committed in ``sector`` at ``term_start``."""
    return Claim(
        provider=provider,
        client=alloc.client,
        data=alloc.data,
        size=alloc.size,
        term_min=alloc.term_min,
        term_max=alloc.term_max,
        term_start=term_start,
        sector=sector,
    )


def get_claims(rt: Runtime, raw: bytes) -> bytes:
    """A provider's claims of the given IDs (USR_NOT_FOUND in the batch for each missing one)."""
    params = decode_params(raw, GetClaimsParams.from_ipld, "verifreg GetClaims")
    rt.validate_immediate_caller_accept_any()
    claims_map = rt.state(VerifregState).load_claims(rt.store)
    results = BatchReturnGen(len(params.claim_ids))
    found: list[Claim] = []
    for claim_id in params.claim_ids:
        claim = get_claim(claims_map, params.provider, claim_id)
        if claim is None:
            results.add_fail(ExitCode.USR_NOT_FOUND)
        else:
            results.add_success()
            found.append(claim)
    return GetClaimsReturn(results.generate(), tuple(found)).encode()


def extend_claim_terms(rt: Runtime, raw: bytes) -> bytes:
    """Raise claims' maximum terms, up to the policy's maximum term, at no cost; each claim's client only.

    Unlike an extension paid in new DataCap, this works on expired claims too, but never beyond the limit
    an allocation could have had in the first place.
    """
    params = decode_params(raw, ExtendClaimTermsParams.from_ipld, "verifreg ExtendClaimTerms")
    rt.validate_immediate_caller_accept_any()
    caller = rt.caller.id
    term_limit = rt.policy.maximum_verified_allocation_term

    def update(st: VerifregState) -> tuple[VerifregState, tuple[BatchReturn, list[tuple[int, Claim]]]]:
        claims = st.load_claims(rt.store)
        results = BatchReturnGen(len(params.terms))
        updated: list[tuple[int, Claim]] = []
        for term in params.terms:
            if term.term_max > term_limit:
                results.add_fail(ExitCode.USR_ILLEGAL_ARGUMENT)
                continue
            claim = get_claim(claims, term.provider, term.claim_id)
            if claim is None:
                results.add_fail(ExitCode.USR_NOT_FOUND)
                continue
            if claim.client != caller:
                results.add_fail(ExitCode.USR_FORBIDDEN)
                continue
            if term.term_max < claim.term_max:
                results.add_fail(ExitCode.USR_ILLEGAL_ARGUMENT)
                continue
            new_claim = replace(claim, term_max=term.term_max)
            claims.put(term.provider, term.claim_id, new_claim)
            results.add_success()
            updated.append((term.claim_id, new_claim))
        return st.save_claims(claims), (results.generate(), updated)

    results, updated = rt.transaction(VerifregState, update)
    for claim_id, claim in updated:
        emit.claim_updated(rt, claim_id, claim)
    return results.encode()


def remove_expired_claims(rt: Runtime, raw: bytes) -> bytes:
    """Remove a provider's claims whose maximum term has passed (the given IDs, or every expired one when
    none is given); anyone may call."""
    params = decode_params(raw, RemoveExpiredClaimsParams.from_ipld, "verifreg RemoveExpiredClaims")
    rt.validate_immediate_caller_accept_any()
    curr_epoch = rt.curr_epoch
    provider = params.provider

    def update(
        st: VerifregState,
    ) -> tuple[VerifregState, tuple[list[int], BatchReturn, list[tuple[int, Claim]]]]:
        claims = st.load_claims(rt.store)
        if not params.claim_ids:
            considered = find_expired(claims, provider, curr_epoch)
            results = BatchReturn.ok(len(considered))
            to_remove = considered
        else:
            considered = list(params.claim_ids)
            results = check_expired(claims, considered, provider, curr_epoch)
            to_remove = results.successes(considered)
        removed: list[tuple[int, Claim]] = []
        for claim_id in to_remove:
            existing = claims.remove(provider, claim_id)
            if existing is None:
                # As for allocations: an ID listed twice makes builtin-actors panic.
                raise ActorError(ExitCode.USR_ASSERTION_FAILED, f"claim {claim_id} already removed")
            removed.append((claim_id, existing))
        return st.save_claims(claims), (considered, results, removed)

    considered, results, removed = rt.transaction(VerifregState, update)
    for claim_id, claim in removed:
        emit.claim_removed(rt, claim_id, claim)
    return RemoveExpiredClaimsReturn(tuple(considered), results).encode()


# -- the DataCap receiver hook --------------------------------------------------------------------------


def universal_receiver_hook(rt: Runtime, raw: bytes) -> bytes:
    """Receive DataCap (only from the datacap actor) and spend it as the operator data asks: new
    allocations for the sender, and longer terms for existing claims (anyone's).

    Every request must be valid and the DataCap received must equal their total size exactly; there is no
    partial success and no change. DataCap paying for extensions is burnt at once, DataCap of new
    allocations when they are claimed (or it goes back to the client when they expire).
    """
    params = decode_params(raw, UniversalReceiverParams.from_ipld, "verifreg UniversalReceiverHook")
    rt.validate_immediate_caller_is(DATACAP_TOKEN_ACTOR)
    curr_epoch = rt.curr_epoch
    policy = rt.policy
    received = validate_tokens_received(params, rt.receiver.id)
    client = received.from_
    requests = _decode_payload(received.operator_data, AllocationRequests.from_ipld, "allocation requests")

    datacap_total = 0
    new_allocs: list[Allocation] = []
    for request in requests.allocations:
        validate_new_allocation(request, policy, curr_epoch)
        # Failing now is kinder than locking DataCap up in an allocation nobody can claim.
        check_miner_id(rt, request.provider)
        new_allocs.append(
            Allocation(
                client=client,
                provider=request.provider,
                data=request.data,
                size=request.size,
                term_min=request.term_min,
                term_max=request.term_max,
                expiration=request.expiration,
            )
        )
        datacap_total += request.size

    claims = rt.state(VerifregState).load_claims(rt.store)
    updated_claims: list[tuple[int, Claim]] = []
    extension_total = 0
    for extension in requests.extensions:
        # Any client may pay to extend any claim; the claim keeps its original client.
        claim = get_claim(claims, extension.provider, extension.claim)
        if claim is None:
            raise ActorError(
                ExitCode.USR_NOT_FOUND, f"no claim {extension.claim} for provider {extension.provider}"
            )
        validate_claim_extension(extension, claim, policy, curr_epoch)
        updated_claims.append((extension.claim, replace(claim, term_max=extension.term_max)))
        datacap_total += claim.size
        extension_total += claim.size

    received_datacap = tokens_to_datacap(received.amount)
    if datacap_total != received_datacap:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"total allocation size {datacap_total} must match data cap amount received {received_datacap}",
        )
    _burn(rt, extension_total)
    # Partial success is not supported (yet): every request succeeded.
    allocation_results = BatchReturn.ok(len(new_allocs))
    extension_results = BatchReturn.ok(len(updated_claims))

    def update(st: VerifregState) -> tuple[VerifregState, list[int]]:
        st, ids = st.insert_allocations(rt.store, client, new_allocs)
        return st.put_claims(rt.store, updated_claims), ids

    ids = rt.transaction(VerifregState, update)
    for allocation_id, allocation in zip(ids, new_allocs, strict=True):
        emit.allocation(rt, allocation_id, allocation)
    for claim_id, claim in updated_claims:
        emit.claim_updated(rt, claim_id, claim)
    return AllocationsResponse(allocation_results, extension_results, tuple(ids)).encode()


def validate_tokens_received(params: UniversalReceiverParams, my_id: ActorID) -> FRC46TokenReceived:
    """The FRC-46 transfer a receiver hook reports, which must be of DataCap to this actor."""
    if params.type_ != FRC46_TOKEN_TYPE:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"invalid token type {params.type_}, expected {FRC46_TOKEN_TYPE} (FRC-46)",
        )
    payload = _decode_payload(params.payload, FRC46TokenReceived.from_ipld, "receiver hook payload")
    if payload.to != my_id:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"token receiver expected to {my_id}, was {payload.to}"
        )
    return payload


def validate_new_allocation(request: AllocationRequest, policy: ActorPolicy, curr_epoch: ChainEpoch) -> None:
    """Abort (USR_ILLEGAL_ARGUMENT) unless the request's size, terms and expiration are within policy."""
    if request.size < policy.minimum_verified_allocation_size:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"allocation size {request.size} below minimum {policy.minimum_verified_allocation_size}",
        )
    if request.term_min < policy.minimum_verified_allocation_term:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"allocation term min {request.term_min} below limit {policy.minimum_verified_allocation_term}",
        )
    if request.term_max > policy.maximum_verified_allocation_term:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"allocation term max {request.term_max} above limit {policy.maximum_verified_allocation_term}",
        )
    if request.term_min > request.term_max:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"allocation term min {request.term_min} exceeds term max {request.term_max}",
        )
    if request.expiration < curr_epoch:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"allocation expiration epoch {request.expiration} has passed current epoch {curr_epoch}",
        )
    max_expiration = curr_epoch + policy.maximum_verified_allocation_expiration
    if request.expiration > max_expiration:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"allocation expiration {request.expiration} exceeds maximum {max_expiration}",
        )


def validate_claim_extension(
    request: ClaimExtensionRequest, claim: Claim, policy: ActorPolicy, curr_epoch: ChainEpoch
) -> None:
    """Abort unless the paid extension raises the claim's maximum term, to at most the policy's maximum
    term counted from now, and the claim has not expired (USR_FORBIDDEN: an expired claim stays expired)."""
    # The limit runs from the current epoch, not from the old maximum term.
    term_limit_relative = curr_epoch + policy.maximum_verified_allocation_term - claim.term_start
    if request.term_max > term_limit_relative:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"term_max {request.term_max} for claim {request.claim} exceeds maximum {term_limit_relative} "
            f"at current epoch {curr_epoch}",
        )
    # No shortening, and no DataCap spent on a zero extension.
    if request.term_max <= claim.term_max:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"term_max {request.term_max} for claim {request.claim} is not larger than existing term max "
            f"{claim.term_max}",
        )
    claim_expiration = claim.term_start + claim.term_max
    if curr_epoch > claim_expiration:
        raise ActorError(
            ExitCode.USR_FORBIDDEN,
            f"claim {request.claim} expired at {claim_expiration}, current epoch {curr_epoch}",
        )


def check_miner_id(rt: Runtime, actor_id: ActorID) -> None:
    """Abort (USR_ILLEGAL_ARGUMENT) unless a builtin miner actor lives at ``actor_id``."""
    name = rt.actor_name(Address.new_id(actor_id))
    if name is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"no code CID for provider {actor_id}")
    if name != manifest.MINER:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"allocation provider {actor_id} must be a miner actor, was {name}"
        )


# -- the datacap token ----------------------------------------------------------------------------------


def datacap_to_tokens(amount: int) -> TokenAmount:
    """Whole DataCap bytes as datacap token units."""
    return TokenAmount(amount * TOKEN_PRECISION)


def tokens_to_datacap(amount: TokenAmount) -> int:
    """Datacap token units as whole DataCap bytes (BigInt division: truncated toward zero)."""
    whole = abs(amount.atto) // TOKEN_PRECISION
    return -whole if amount.atto < 0 else whole


def _balance(rt: Runtime, owner: Address) -> int:
    """The owner's DataCap in whole bytes, as the datacap actor reports it."""
    data = rt.send(
        DATACAP_TOKEN_ACTOR, DatacapMethod.BALANCE_EXPORTED, BalanceParams(owner).encode(), ZERO
    ).unwrap(f"failed to query datacap balance of {owner}")
    return tokens_to_datacap(_return_block(data, BalanceReturn.from_ipld, "datacap Balance").balance)


def _mint(rt: Runtime, to: Address, amount: int, operators: Sequence[Address]) -> None:
    """Mint ``amount`` DataCap bytes to ``to``, with ``operators`` allowed to spend them."""
    params = MintParams(to=to, amount=datacap_to_tokens(amount), operators=tuple(operators))
    rt.send(DATACAP_TOKEN_ACTOR, DatacapMethod.MINT_EXPORTED, params.encode(), ZERO).unwrap(
        f"failed to mint {amount} data cap to client {to}"
    )


def _burn(rt: Runtime, amount: int) -> None:
    """Burn ``amount`` DataCap bytes of the registry's own balance (nothing to do for zero)."""
    if amount == 0:
        return
    params = BurnParams(amount=datacap_to_tokens(amount))
    # The new balance the burn returns is not needed.
    rt.send(DATACAP_TOKEN_ACTOR, DatacapMethod.BURN_EXPORTED, params.encode(), ZERO).unwrap(
        f"failed to burn {amount} data cap"
    )


def _destroy(rt: Runtime, owner: Address, amount: int) -> None:
    """Destroy ``amount`` DataCap bytes of ``owner``'s balance (nothing to do for zero)."""
    if amount == 0:
        return
    params = DestroyParams(owner=owner, amount=datacap_to_tokens(amount))
    rt.send(DATACAP_TOKEN_ACTOR, DatacapMethod.DESTROY_EXPORTED, params.encode(), ZERO).unwrap(
        f"failed to destroy {amount} from allowance for {owner}"
    )


def _transfer(rt: Runtime, to: ActorID, amount: int) -> None:
    """Transfer ``amount`` DataCap bytes from the registry to ``to`` (sent even for zero)."""
    params = TransferParams(to=Address.new_id(to), amount=datacap_to_tokens(amount), operator_data=b"")
    rt.send(DATACAP_TOKEN_ACTOR, DatacapMethod.TRANSFER_EXPORTED, params.encode(), ZERO).unwrap(
        f"failed to transfer recovered datacap {amount} back to client {to}"
    )


def _return_block(data: bytes, parse: Callable[[Any], T], what: str) -> T:
    """Parse a send's return: USR_ASSERTION_FAILED when there is none, USR_SERIALIZATION when malformed
    (builtin-actors ``deserialize_block``)."""
    if not data:
        raise ActorError(ExitCode.USR_ASSERTION_FAILED, f"{what}: return expected")
    try:
        return parse(dagcbor.decode(data))
    except DecodeError as e:
        raise ActorError(ExitCode.USR_SERIALIZATION, f"{what}: malformed return: {e}") from None


def _decode_payload(data: bytes, parse: Callable[[Any], T], what: str) -> T:
    """Parse bytes carried in params; USR_SERIALIZATION when malformed (builtin-actors ``deserialize``)."""
    try:
        return parse(dagcbor.decode(data))
    except DecodeError as e:
        raise ActorError(ExitCode.USR_SERIALIZATION, f"failed to decode {what}: {e}") from None


ACTOR = ActorCode(
    manifest.VERIFREG,
    {
        Method.CONSTRUCTOR: constructor,
        Method.ADD_VERIFIER: add_verifier,
        Method.REMOVE_VERIFIER: remove_verifier,
        Method.ADD_VERIFIED_CLIENT: add_verified_client,
        Method.ADD_VERIFIED_CLIENT_EXPORTED: add_verified_client,
        Method.REMOVE_VERIFIED_CLIENT_DATA_CAP: remove_verified_client_data_cap,
        Method.REMOVE_EXPIRED_ALLOCATIONS: remove_expired_allocations,
        Method.REMOVE_EXPIRED_ALLOCATIONS_EXPORTED: remove_expired_allocations,
        Method.CLAIM_ALLOCATIONS: claim_allocations,
        Method.GET_CLAIMS: get_claims,
        Method.GET_CLAIMS_EXPORTED: get_claims,
        Method.EXTEND_CLAIM_TERMS: extend_claim_terms,
        Method.EXTEND_CLAIM_TERMS_EXPORTED: extend_claim_terms,
        Method.REMOVE_EXPIRED_CLAIMS: remove_expired_claims,
        Method.REMOVE_EXPIRED_CLAIMS_EXPORTED: remove_expired_claims,
        Method.UNIVERSAL_RECEIVER_HOOK: universal_receiver_hook,
    },
    restricted=True,
)
