"""Invariants of the verified registry's state (builtin-actors ``verifreg/src/testing.rs``).

Always: an ID root key; verifiers at ID addresses with non-negative allowances; allocations and claims filed
under their own client and provider, with IDs in ``1..next_allocation_id`` (a claim keeps its allocation's
ID) and ordered terms. With the network's ``policy``, the policy's bounds too: sizes at least the minimum
allocation size, minimum terms at least the policy's minimum, allocations' maximum terms at most the policy's
maximum (a claim's may exceed it: clients extend terms with new DataCap). With ``prior_epoch`` (the epoch of
the last change), allocations expire no later than the maximum expiration after it and claims' terms began
at or before it. Map checks need the actors v9+ layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from filnet.actors.verifreg.state import Allocation, Claim, VerifregState, allocations, claims, data_caps
from filnet.core.address import Address, Protocol
from filnet.core.types import ActorID, ChainEpoch
from filnet.errors import FilnetError
from filnet.ipld.blockstore import Blockstore
from filnet.params.network import ActorPolicy


@dataclass
class StateSummary:
    """What the registry holds, for checks across actors: verifiers' allowances, allocations and claims by
    ID (builtin-actors ``StateSummary``)."""

    verifiers: dict[Address, int] = field(default_factory=dict)
    allocations: dict[int, Allocation] = field(default_factory=dict)
    claims: dict[int, Claim] = field(default_factory=dict)


def check_state_invariants(
    state: VerifregState,
    store: Blockstore,
    policy: ActorPolicy | None = None,
    prior_epoch: ChainEpoch | None = None,
) -> list[str]:
    """Violations of the registry's invariants (module docstring)."""
    return check_state(state, store, policy, prior_epoch)[1]


def check_state(
    state: VerifregState,
    store: Blockstore,
    policy: ActorPolicy | None = None,
    prior_epoch: ChainEpoch | None = None,
) -> tuple[StateSummary, list[str]]:
    """The registry's summary and the violations of its invariants."""
    summary = StateSummary()
    problems: list[str] = []
    if state.root_key.protocol is not Protocol.ID:
        problems.append(f"root key {state.root_key} is not an ID address")
    try:
        for verifier, cap in data_caps(store, state.verifiers):
            if verifier.protocol is not Protocol.ID:
                problems.append(f"verifier {verifier} is not an ID address")
            if cap < 0:
                problems.append(f"verifier {verifier} has negative allowance {cap}")
            summary.verifiers[verifier] = cap
    except FilnetError as e:
        problems.append(f"error loading verifiers: {e}")
    if state.allocations is None or state.claims is None or state.next_allocation_id is None:
        return summary, problems
    next_id = state.next_allocation_id
    try:
        for client, alloc_id, allocation in allocations(store, state.allocations):
            problems.extend(_check_allocation(alloc_id, allocation, client, next_id, policy, prior_epoch))
            summary.allocations[alloc_id] = allocation
    except FilnetError as e:
        problems.append(f"error loading allocations: {e}")
    try:
        for provider, claim_id, claim in claims(store, state.claims):
            problems.extend(_check_claim(claim_id, claim, provider, next_id, policy, prior_epoch))
            summary.claims[claim_id] = claim
    except FilnetError as e:
        problems.append(f"error loading claims: {e}")
    return summary, problems


def _check_allocation(
    alloc_id: int,
    alloc: Allocation,
    client: ActorID,
    next_id: int,
    policy: ActorPolicy | None,
    prior_epoch: ChainEpoch | None,
) -> list[str]:
    problems: list[str] = []
    if not 0 < alloc_id < next_id:
        problems.append(f"allocation ID {alloc_id} is not in 1..{next_id - 1}")
    if alloc.client != client:
        problems.append(f"allocation {alloc_id} of f0{alloc.client} is filed under f0{client}")
    if alloc.term_min > alloc.term_max:
        problems.append(f"allocation {alloc_id} term min {alloc.term_min} exceeds max {alloc.term_max}")
    if policy is not None:
        if alloc.size < policy.minimum_verified_allocation_size:
            problems.append(f"allocation {alloc_id} size {alloc.size} too small")
        if alloc.term_min < policy.minimum_verified_allocation_term:
            problems.append(f"allocation {alloc_id} term min {alloc.term_min} too small")
        if alloc.term_max > policy.maximum_verified_allocation_term:
            problems.append(f"allocation {alloc_id} term max {alloc.term_max} too large")
        if (
            prior_epoch is not None
            and alloc.expiration > prior_epoch + policy.maximum_verified_allocation_expiration
        ):
            problems.append(
                f"allocation {alloc_id} expiration {alloc.expiration} too far from now {prior_epoch}"
            )
    return problems


def _check_claim(
    claim_id: int,
    claim: Claim,
    provider: ActorID,
    next_id: int,
    policy: ActorPolicy | None,
    prior_epoch: ChainEpoch | None,
) -> list[str]:
    problems: list[str] = []
    if not 0 < claim_id < next_id:
        problems.append(f"claim ID {claim_id} is not in 1..{next_id - 1}")
    if claim.provider != provider:
        problems.append(f"claim {claim_id} of f0{claim.provider} is filed under f0{provider}")
    if claim.term_min > claim.term_max:
        problems.append(f"claim {claim_id} term min {claim.term_min} exceeds max {claim.term_max}")
    if policy is not None:
        if claim.size < policy.minimum_verified_allocation_size:
            problems.append(
                f"claim {claim_id} size {claim.size} below minimum {policy.minimum_verified_allocation_size}"
            )
        if claim.term_min < policy.minimum_verified_allocation_term:
            problems.append(
                f"claim {claim_id} term min {claim.term_min} below minimum "
                f"{policy.minimum_verified_allocation_term}"
            )
    if prior_epoch is not None and claim.term_start > prior_epoch:
        problems.append(f"claim {claim_id} term start {claim.term_start} after now {prior_epoch}")
    return problems
