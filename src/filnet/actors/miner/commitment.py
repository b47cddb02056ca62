"""Sector onboarding: pre-commit with deposit, prove-commit with piece manifests, and genesis preseals
(builtin-actors ``PreCommitSectorBatch2``, ``ProveCommitSectors3``, ``InternalSectorSetupForPreseal`` and
their helpers in ``miner/src/lib.rs``).

``ProveCommitSectors3`` activates data through the verified registry (``ClaimAllocations`` for pieces with
an allocation key) and notifies the actors each piece names (``SectorContentChanged``, which is how market
deals are activated); pre-committed deal IDs are not allowed on this path. Preseals activate their
pre-committed deals through the market's ``BatchActivateDeals``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from filnet.actors.batch_return import BatchReturn, BatchReturnGen, stack
from filnet.actors.market.methods import Method as MarketMethod
from filnet.actors.market.types import (
    NO_ALLOCATION_ID,
    BatchActivateDealsParams,
    BatchActivateDealsResult,
    SectorDealActivation,
    SectorDeals,
    VerifyDealsForActivationParams,
    VerifyDealsForActivationReturn,
)
from filnet.actors.miner import emit
from filnet.actors.miner.monies import initial_pledge_for_power, pre_commit_deposit_for_power
from filnet.actors.miner.notifications import ActivationNotifications, notify_data_consumers
from filnet.actors.miner.policy import (
    can_pre_commit_seal_proof,
    daily_proof_fee,
    is_sealed_sector,
    max_prove_commit_duration,
    qa_power_for_weight,
    qa_power_max,
    registered_window_post_proof,
    seal_proof_sector_maximum_lifetime,
    seal_proof_size_max,
    sector_deals_max,
)
from filnet.actors.miner.sectors import (
    MAX_SECTOR_NUMBER,
    SIMPLE_QA_POWER,
    CompactCommD,
    SectorOnChainInfo,
    SectorPreCommitInfo,
    SectorPreCommitOnChainInfo,
    is_unsealed_sector,
)
from filnet.actors.miner.state import CollisionPolicy, MinerInfo, MinerState
from filnet.actors.miner.support import (
    burn_funds,
    check_balance_invariants,
    consensus_fault_active,
    decode_return,
    enroll_cron_event,
    get_miner_info,
    notify_pledge_changed,
    repay_debts_or_abort,
    request_current_epoch_block_reward,
    request_current_total_power,
    validate_control_caller,
)
from filnet.actors.miner.types import (
    CRON_EVENT_PROVING_DEADLINE,
    CronEventPayload,
    InternalSectorSetupForPresealParams,
    PieceActivationManifest,
    PreCommitSectorBatchParams2,
    ProveCommitSectors3Params,
    ProveCommitSectors3Return,
    SectorActivationManifest,
)
from filnet.actors.singletons import STORAGE_MARKET_ACTOR, SYSTEM_ACTOR, VERIFIED_REGISTRY_ACTOR
from filnet.actors.smoothing import FilterEstimate
from filnet.actors.verifreg.methods import Method as VerifregMethod
from filnet.actors.verifreg.types import (
    AllocationClaim,
    ClaimAllocationsParams,
    ClaimAllocationsReturn,
    SectorAllocationClaims,
    SectorClaimSummary,
)
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch
from filnet.crypto.randomness import DomainSeparationTag
from filnet.errors import InvalidInput
from filnet.ipld import dagcbor
from filnet.ipld.bitfield import BitField
from filnet.ipld.cid import CID
from filnet.params.network import ActorPolicy
from filnet.proofs.onchain import (
    SNARK_PACK_V2,
    AggregateSealVerifyInfo,
    AggregateSealVerifyProofAndInfos,
    PieceInfo,
    SealVerifyInfo,
)
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime, decode_params

T = TypeVar("T")


def successes(batch: BatchReturn, items: Sequence[T]) -> list[T]:
    """The items of a batch's successes; USR_ILLEGAL_STATE when the batch does not fit the items (a callee
    answered with the wrong number of results)."""
    try:
        return batch.successes(items)
    except InvalidInput as e:
        raise ActorError(ExitCode.USR_ILLEGAL_STATE, str(e)) from None


def validate_expiration(
    policy: ActorPolicy,
    curr_epoch: ChainEpoch,
    activation: ChainEpoch,
    expiration: ChainEpoch,
    seal_proof: int,
) -> None:
    """USR_ILLEGAL_ARGUMENT unless the sector lives at least the minimum after ``activation``, at most the
    maximum extension from now and at most its proof type's maximum lifetime."""
    if expiration <= activation:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"sector expiration {expiration} must be after activation {activation}",
        )
    if expiration - activation < policy.min_sector_expiration:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"invalid expiration {expiration}, total sector lifetime ({expiration - activation}) must exceed "
            f"{policy.min_sector_expiration} after activation {activation}",
        )
    if expiration > curr_epoch + policy.max_sector_expiration_extension:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"invalid expiration {expiration}, cannot be more than {policy.max_sector_expiration_extension} "
            f"past current epoch {curr_epoch}",
        )
    max_lifetime = seal_proof_sector_maximum_lifetime(policy, seal_proof)
    if max_lifetime is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"unrecognized seal proof type {seal_proof}")
    if expiration - activation > max_lifetime:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"invalid expiration {expiration}, total sector lifetime ({expiration - activation}) "
            "cannot exceed "
            f"{max_lifetime} after activation {activation}",
        )


def receiver_entropy(rt: Runtime) -> bytes:
    """The miner's address in CBOR: the entropy of its seal and PoSt randomness draws."""
    return dagcbor.encode(bytes(rt.receiver))


# -- pre-commit ---------------------------------------------------------------------------------------


def _check_precommit(rt: Runtime, precommit: SectorPreCommitInfo, challenge_earliest: ChainEpoch) -> None:
    policy = rt.policy
    curr_epoch = rt.curr_epoch
    if not can_pre_commit_seal_proof(policy, precommit.seal_proof):
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"unsupported seal proof type {precommit.seal_proof}")
    if precommit.sector_number > MAX_SECTOR_NUMBER:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"sector number {precommit.sector_number} out of range 0..(2^63-1)"
        )
    if not is_sealed_sector(precommit.sealed_cid):
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "sealed CID had wrong prefix")
    if precommit.seal_rand_epoch >= curr_epoch:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"seal challenge epoch {precommit.seal_rand_epoch} must be before now {curr_epoch}",
        )
    if precommit.seal_rand_epoch < challenge_earliest:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"seal challenge epoch {precommit.seal_rand_epoch} too old, must be after {challenge_earliest}",
        )
    commd = precommit.unsealed_cid.cid
    if commd is not None and not is_unsealed_sector(commd):
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "unsealed CID had wrong prefix")
    # The lifetime is checked as if activation happened at the last epoch the proof type allows.
    max_activation = ChainEpoch(curr_epoch + (max_prove_commit_duration(policy, precommit.seal_proof) or 0))
    validate_expiration(policy, curr_epoch, max_activation, precommit.expiration, precommit.seal_proof)


def verify_deals(rt: Runtime, sectors: Sequence[SectorDeals]) -> VerifyDealsForActivationReturn:
    """The market's CommD for each sector's pre-committed deals (nothing asked when there are none)."""
    if not any(s.deal_ids for s in sectors):
        return VerifyDealsForActivationReturn(tuple(None for _ in sectors))
    params = VerifyDealsForActivationParams(tuple(sectors))
    data = rt.send(
        STORAGE_MARKET_ACTOR, MarketMethod.VERIFY_DEALS_FOR_ACTIVATION, params.encode(), ZERO
    ).unwrap("failed to verify deals")
    return decode_return(data, VerifyDealsForActivationReturn.from_ipld, "VerifyDealsForActivation")


def pre_commit_sector_batch2(rt: Runtime, raw: bytes) -> bytes:
    """Pre-commit sectors: check each, lock a deposit per sector and queue its clean-up if never proven."""
    params = decode_params(raw, PreCommitSectorBatchParams2.from_ipld, "miner PreCommitSectorBatch2")
    sectors = params.sectors
    curr_epoch = rt.curr_epoch
    if not sectors:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "batch empty")
    challenge_earliest = ChainEpoch(curr_epoch - rt.policy.max_pre_commit_randomness_lookback)
    seen: set[int] = set()
    sectors_deals: list[SectorDeals] = []
    for precommit in sectors:
        if precommit.sector_number in seen:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, f"duplicate sector number {precommit.sector_number}"
            )
        seen.add(precommit.sector_number)
        _check_precommit(rt, precommit, challenge_earliest)
        sectors_deals.append(
            SectorDeals(
                precommit.sector_number, precommit.seal_proof, precommit.expiration, precommit.deal_ids
            )
        )
    sector_numbers = BitField.from_indices(seen)

    reward_stats = request_current_epoch_block_reward(rt)
    power_total = request_current_total_power(rt)
    verify_return = verify_deals(rt, sectors_deals)
    if len(verify_return.unsealed_cids) != len(sectors):
        raise ActorError(
            ExitCode.USR_ILLEGAL_STATE,
            f"deal weight request returned {len(verify_return.unsealed_cids)} records, expected "
            f"{len(sectors)}",
        )

    def update(state: MinerState) -> tuple[MinerState, tuple[TokenAmount, bool]]:
        policy = rt.policy
        store = rt.store
        # The available balance already accounts for fee debt, so it is read before the debt is repaid.
        available_balance = state.get_available_balance(rt.current_balance)
        state, fee_to_burn = repay_debts_or_abort(rt, state)
        info = get_miner_info(store, state)
        validate_control_caller(rt, info)
        if consensus_fault_active(info, curr_epoch):
            raise ActorError(ExitCode.USR_FORBIDDEN, "pre-commit not allowed during active consensus fault")

        deal_count_max = sector_deals_max(policy, info.sector_size)
        deposit_req = pre_commit_deposit_for_power(
            reward_stats.this_epoch_reward_smoothed,
            power_total.quality_adj_power_smoothed,
            qa_power_max(info.sector_size),
        )
        chain_infos: list[SectorPreCommitOnChainInfo] = []
        clean_up_events: list[tuple[ChainEpoch, int]] = []
        total_deposit = ZERO
        for precommit, computed in zip(sectors, verify_return.unsealed_cids, strict=True):
            wpost_proof = registered_window_post_proof(precommit.seal_proof)
            if wpost_proof is None:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT,
                    f"failed to lookup Window PoSt proof type for sector seal proof {precommit.seal_proof}",
                )
            if wpost_proof != info.window_post_proof_type:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT,
                    f"sector Window PoSt proof type {wpost_proof} must match miner Window PoSt proof type "
                    f"{info.window_post_proof_type} (seal proof type {precommit.seal_proof})",
                )
            if len(precommit.deal_ids) > deal_count_max:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT,
                    f"too many deals for sector {len(precommit.deal_ids)} > {deal_count_max}",
                )
            # A computed CommD may be the zero CommD, so the declared one is expanded before comparing.
            if computed is not None and precommit.unsealed_cid.get_cid(precommit.seal_proof) != computed:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT,
                    f"computed {computed} and passed {precommit.unsealed_cid.cid} CommDs not equal",
                )
            chain_infos.append(SectorPreCommitOnChainInfo(precommit, deposit_req, curr_epoch))
            total_deposit += deposit_req
            msd = max_prove_commit_duration(policy, precommit.seal_proof)
            if msd is None:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT,
                    f"no max seal duration set for proof type: {precommit.seal_proof}",
                )
            # The clean-up delay keeps a proof arriving at the due epoch from racing the expiry.
            clean_up_bound = ChainEpoch(curr_epoch + msd + policy.expired_pre_commit_clean_up_delay)
            clean_up_events.append((clean_up_bound, precommit.sector_number))
        if available_balance < total_deposit:
            raise ActorError(
                ExitCode.USR_INSUFFICIENT_FUNDS,
                f"insufficient funds {available_balance.atto} for pre-commit deposit: {total_deposit.atto}",
            )
        state = state.add_pre_commit_deposit(total_deposit)
        state = state.allocate_sector_numbers(store, sector_numbers, CollisionPolicy.DenyCollisions)
        state = state.put_precommitted_sectors(store, chain_infos)
        state = state.add_pre_commit_clean_ups(policy, store, clean_up_events)
        needs_cron = not state.deadline_cron_active
        state = replace(state, deadline_cron_active=True)
        return state, (fee_to_burn, needs_cron)

    fee_to_burn, needs_cron = rt.transaction(MinerState, update)
    for number in sector_numbers:
        emit.sector_precommitted(rt, number)
    burn_funds(rt, fee_to_burn)
    state = rt.state(MinerState)
    check_balance_invariants(state, rt.current_balance)
    if needs_cron:
        deadline = state.deadline_info(rt.policy, curr_epoch)
        enroll_cron_event(rt, deadline.last(), CronEventPayload(CRON_EVENT_PROVING_DEADLINE))
    return b""


# -- prove-commit -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SectorSealProofInput:
    """The public inputs of one sector's seal proof."""

    registered_proof: int
    sector_number: int
    randomness: bytes
    interactive_randomness: bytes
    sealed_cid: CID
    unsealed_cid: CID

    def to_seal_verify_info(self, miner_actor_id: ActorID, proof: bytes) -> SealVerifyInfo:
        """The inputs of a single seal check (deal IDs are unused by the proof and left empty)."""
        return SealVerifyInfo(
            self.registered_proof,
            miner_actor_id,
            self.sector_number,
            (),
            self.randomness,
            self.interactive_randomness,
            proof,
            self.sealed_cid,
            self.unsealed_cid,
        )

    def to_aggregate_seal_verify_info(self) -> AggregateSealVerifyInfo:
        """The inputs of this sector within an aggregate check."""
        return AggregateSealVerifyInfo(
            self.sector_number,
            self.randomness,
            self.interactive_randomness,
            self.sealed_cid,
            self.unsealed_cid,
        )


def validate_seal_proofs(seal_proof: int, proofs: Sequence[bytes]) -> None:
    """USR_ILLEGAL_ARGUMENT for a per-sector proof larger than its type allows."""
    max_size = seal_proof_size_max(seal_proof)
    if max_size is None:
        raise ActorError(
            ExitCode.USR_ILLEGAL_STATE, f"failed to determine max proof size for type {seal_proof}"
        )
    for proof in proofs:
        if len(proof) > max_size:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, f"sector proof size {len(proof)} exceeds max {max_size}"
            )


def validate_seal_aggregate_proof(
    policy: ActorPolicy, proof: bytes, sector_count: int, seal_proof: int
) -> None:
    """USR_ILLEGAL_ARGUMENT for too few or too many sectors, or an aggregate proof too large.

    builtin-actors bounds a SnarkPack proof by ``max_aggregated_proof_size``; a vanilla aggregate holds every
    sector's proof, so filnet also allows up to the sum of their bounds.
    """
    if sector_count > policy.max_aggregated_sectors:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"too many sectors addressed, addressed {sector_count} want <= {policy.max_aggregated_sectors}",
        )
    if sector_count < policy.min_aggregated_sectors:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"too few sectors addressed, addressed {sector_count} want >= {policy.min_aggregated_sectors}",
        )
    per_sector = seal_proof_size_max(seal_proof) or 0
    max_size = max(policy.max_aggregated_proof_size, sector_count * per_sector + 64)
    if len(proof) > max_size:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"sector prove-commit proof of size {len(proof)} exceeds max size of {max_size}",
        )


def validate_precommits(
    rt: Runtime, precommits: Sequence[SectorPreCommitOnChainInfo], allow_deal_ids: bool, all_or_nothing: bool
) -> tuple[BatchReturn, list[SectorSealProofInput]]:
    """Which pre-commits may be proven now, and the proof inputs of every one (an aggregate proof needs
    them all as witnesses)."""
    if not precommits:
        return BatchReturn.empty(), []
    policy = rt.policy
    entropy = receiver_entropy(rt)
    batch = BatchReturnGen(len(precommits))
    inputs: list[SectorSealProofInput] = []
    for i, precommit in enumerate(precommits):
        info = precommit.info
        fail_validation = not (allow_deal_ids or not info.deal_ids)
        msd = max_prove_commit_duration(policy, info.seal_proof)
        if msd is None:
            raise ActorError(
                ExitCode.USR_ILLEGAL_STATE, f"no max seal duration for proof type: {info.seal_proof}"
            )
        if rt.curr_epoch > precommit.pre_commit_epoch + msd:
            fail_validation = True
        if i >= 1 and precommits[i - 1].info.seal_proof != info.seal_proof:
            raise ActorError(
                ExitCode.USR_ILLEGAL_STATE,
                f"seal proof group for verification contains mismatched seal proofs "
                f"{precommits[i - 1].info.seal_proof} and {info.seal_proof}",
            )
        interactive_epoch = ChainEpoch(precommit.pre_commit_epoch + policy.pre_commit_challenge_delay)
        if rt.curr_epoch <= interactive_epoch:
            raise ActorError(ExitCode.USR_FORBIDDEN, "too early to prove sector")
        randomness = rt.get_randomness_from_tickets(
            DomainSeparationTag.SEAL_RANDOMNESS, info.seal_rand_epoch, entropy
        )
        interactive = rt.get_randomness_from_beacon(
            DomainSeparationTag.INTERACTIVE_SEAL_CHALLENGE_SEED, interactive_epoch, entropy
        )
        inputs.append(
            SectorSealProofInput(
                info.seal_proof,
                info.sector_number,
                randomness,
                interactive,
                info.sealed_cid,
                info.unsealed_cid.get_cid(info.seal_proof),
            )
        )
        if fail_validation:
            if all_or_nothing:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT,
                    f"invalid pre-commit {i} while requiring activation success: sector {info.sector_number}",
                )
            batch.add_fail(ExitCode.USR_ILLEGAL_ARGUMENT)
        else:
            batch.add_success()
    return batch.generate(), inputs


def verify_aggregate_seal(
    rt: Runtime,
    proof_inputs: Sequence[SectorSealProofInput],
    miner_actor_id: ActorID,
    seal_proof: int,
    aggregate_proof: int,
    proof_bytes: bytes,
) -> None:
    """USR_ILLEGAL_ARGUMENT unless the aggregate proof holds for every sector of ``proof_inputs``."""
    info = AggregateSealVerifyProofAndInfos(
        miner_actor_id,
        seal_proof,
        aggregate_proof,
        proof_bytes,
        tuple(p.to_aggregate_seal_verify_info() for p in proof_inputs),
    )
    if not rt.verify_aggregate_seals(info):
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "aggregate seal verify failed")


@dataclass(frozen=True, slots=True)
class SectorPiecesActivationInput:
    """One sector's pieces to activate, and the CommD they must produce (None: not checked)."""

    piece_manifests: tuple[PieceActivationManifest, ...]
    sector_expiry: ChainEpoch
    sector_number: int
    sector_type: int
    expected_commd: CompactCommD | None


@dataclass(frozen=True, slots=True)
class DealsActivationInput:
    """One sector's market deals to activate (preseals)."""

    deal_ids: tuple[int, ...]
    sector_expiry: ChainEpoch
    sector_number: int
    sector_type: int


@dataclass(frozen=True, slots=True)
class DataActivationOutput:
    """What one sector's activated data weighs: unverified and verified space, and its pieces."""

    unverified_space: int
    verified_space: int
    pieces: tuple[tuple[CID, int], ...]


def unsealed_cid_from_pieces(
    rt: Runtime, pieces: Sequence[PieceActivationManifest], sector_type: int
) -> CompactCommD:
    """The sector's CommD from its pieces (the compact zero CommD when it has none)."""
    if not pieces:
        return CompactCommD.empty()
    infos = [PieceInfo(p.size, p.cid) for p in pieces]
    try:
        computed = rt.compute_unsealed_sector_cid(sector_type, infos)
    except ActorError as e:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"failed to compute unsealed sector CID: {e.reason}"
        ) from None
    return CompactCommD.of(computed)


def batch_claim_allocations(
    rt: Runtime, verified_claims: Sequence[SectorAllocationClaims], all_or_nothing: bool
) -> ClaimAllocationsReturn:
    """Claim the verified allocations of each sector group (nothing asked when no sector has a claim)."""
    if all(not sector.claims for sector in verified_claims):
        return ClaimAllocationsReturn(
            BatchReturn.ok(len(verified_claims)), tuple(SectorClaimSummary(0) for _ in verified_claims)
        )
    params = ClaimAllocationsParams(tuple(verified_claims), all_or_nothing)
    data = rt.send(VERIFIED_REGISTRY_ACTOR, VerifregMethod.CLAIM_ALLOCATIONS, params.encode(), ZERO).unwrap(
        "error claiming allocations on batch"
    )
    return decode_return(data, ClaimAllocationsReturn.from_ipld, "ClaimAllocations")


def activate_sectors_pieces(
    rt: Runtime, activation_inputs: Sequence[SectorPiecesActivationInput], all_or_nothing: bool
) -> tuple[BatchReturn, list[DataActivationOutput]]:
    """Claim the allocations of each sector's pieces (sectors succeed or fail whole), after checking any
    expected CommD against the pieces."""
    verified_claims: list[SectorAllocationClaims] = []
    for activation in activation_inputs:
        if activation.expected_commd is not None:
            computed = unsealed_cid_from_pieces(rt, activation.piece_manifests, activation.sector_type)
            computed_cid = computed.get_cid(activation.sector_type)
            # A declared zero CommD may be compact or written out, so both are expanded.
            if activation.expected_commd.get_cid(activation.sector_type) != computed_cid:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT,
                    f"unsealed CID does not match pieces for sector {activation.sector_number}, computed "
                    f"{computed_cid} declared {activation.expected_commd.cid}",
                )
        claims = tuple(
            AllocationClaim(
                piece.verified_allocation_key.client, piece.verified_allocation_key.id, piece.cid, piece.size
            )
            for piece in activation.piece_manifests
            if piece.verified_allocation_key is not None
        )
        verified_claims.append(
            SectorAllocationClaims(activation.sector_number, activation.sector_expiry, claims)
        )
    claim_res = batch_claim_allocations(rt, verified_claims, all_or_nothing)
    if all_or_nothing and not (
        claim_res.sector_results.all_ok() or claim_res.sector_results.success_count == 0
    ):
        raise ActorError(
            ExitCode.USR_ILLEGAL_STATE,
            "batch return of claim allocations partially succeeded but request was all_or_nothing",
        )
    sector_pieces = successes(claim_res.sector_results, [a.piece_manifests for a in activation_inputs])
    outputs = [
        DataActivationOutput(
            sum(p.size for p in pieces if p.verified_allocation_key is None),
            claim.claimed_space,
            tuple((p.cid, p.size) for p in pieces),
        )
        for claim, pieces in zip(claim_res.sector_claims, sector_pieces, strict=False)
    ]
    return claim_res.sector_results, outputs


def activate_sectors_deals(
    rt: Runtime, activation_infos: Sequence[DealsActivationInput], compute_unsealed_cid: bool
) -> tuple[BatchReturn, list[DataActivationOutput]]:
    """Activate each sector's market deals, then claim the verified ones' allocations (all or nothing)."""
    if all(not a.deal_ids for a in activation_infos):
        result = BatchActivateDealsResult(
            BatchReturn.ok(len(activation_infos)),
            tuple(SectorDealActivation((), None) for _ in activation_infos),
        )
    else:
        params = BatchActivateDealsParams(
            tuple(
                SectorDeals(a.sector_number, a.sector_type, a.sector_expiry, a.deal_ids)
                for a in activation_infos
            ),
            compute_unsealed_cid,
        )
        data = rt.send(STORAGE_MARKET_ACTOR, MarketMethod.BATCH_ACTIVATE_DEALS, params.encode(), ZERO).unwrap(
            "failed to activate deals"
        )
        result = decode_return(data, BatchActivateDealsResult.from_ipld, "BatchActivateDeals")
    if result.activation_results.success_count == 0:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "all deals failed to activate")
    activated_infos = successes(result.activation_results, activation_infos)
    verified_claims = [
        SectorAllocationClaims(
            info.sector_number,
            info.sector_expiry,
            tuple(
                AllocationClaim(ActorID(d.client), d.allocation_id, d.data, d.size)
                for d in activation.activated
                if d.allocation_id != NO_ALLOCATION_ID
            ),
        )
        for info, activation in zip(activated_infos, result.activations, strict=False)
    ]
    claim_res = batch_claim_allocations(rt, verified_claims, True)
    if not (claim_res.sector_results.all_ok() or claim_res.sector_results.success_count == 0):
        raise ActorError(
            ExitCode.USR_ILLEGAL_STATE,
            "batch return of claim allocations partially succeeded but request was all_or_nothing",
        )
    outputs = [
        DataActivationOutput(
            sum(d.size for d in activation.activated if d.allocation_id == NO_ALLOCATION_ID),
            claim.claimed_space,
            tuple((d.data, d.size) for d in activation.activated),
        )
        for activation, claim in zip(result.activations, claim_res.sector_claims, strict=False)
    ]
    return result.activation_results, outputs


@dataclass(frozen=True, slots=True)
class NetworkPledgeInputs:
    """The network figures a sector's pledge and fee are computed from."""

    network_qap: FilterEstimate
    network_baseline: int
    circulating_supply: TokenAmount
    epoch_reward: FilterEstimate
    epochs_since_ramp_start: int
    ramp_duration_epochs: int


def activate_new_sector_infos(
    rt: Runtime,
    precommits: Sequence[SectorPreCommitOnChainInfo],
    data_activations: Sequence[DataActivationOutput],
    pledge_inputs: NetworkPledgeInputs,
    info: MinerInfo,
) -> None:
    """Turn proven pre-commits into sectors assigned to deadlines: release their deposits, lock their
    pledge (power comes with their first WindowPoSt)."""
    activation_epoch = rt.curr_epoch

    def update(state: MinerState) -> tuple[MinerState, TokenAmount]:
        policy = rt.policy
        store = rt.store
        deposit_to_unlock = ZERO
        total_pledge = ZERO
        new_sectors: list[SectorOnChainInfo] = []
        for pci, spaces in zip(precommits, data_activations, strict=False):
            duration = ChainEpoch(pci.info.expiration - activation_epoch)
            if duration < policy.min_sector_expiration:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT,
                    f"precommit {pci.info.sector_number} has lifetime {duration} less than minimum "
                    f"{policy.min_sector_expiration}. ignoring",
                )
            deal_weight = spaces.unverified_space * duration
            verified_deal_weight = spaces.verified_space * duration
            power = qa_power_for_weight(info.sector_size, duration, verified_deal_weight)
            daily_fee = daily_proof_fee(policy, pledge_inputs.circulating_supply, power)
            pledge = initial_pledge_for_power(
                power,
                pledge_inputs.network_baseline,
                pledge_inputs.epoch_reward,
                pledge_inputs.network_qap,
                pledge_inputs.circulating_supply,
                pledge_inputs.epochs_since_ramp_start,
                pledge_inputs.ramp_duration_epochs,
            )
            deposit_to_unlock += pci.pre_commit_deposit
            total_pledge += pledge
            new_sectors.append(
                SectorOnChainInfo(
                    sector_number=pci.info.sector_number,
                    seal_proof=pci.info.seal_proof,
                    sealed_cid=pci.info.sealed_cid,
                    deprecated_deal_ids=(),
                    activation=activation_epoch,
                    expiration=pci.info.expiration,
                    deal_weight=deal_weight,
                    verified_deal_weight=verified_deal_weight,
                    initial_pledge=pledge,
                    expected_day_reward=None,
                    expected_storage_pledge=None,
                    power_base_epoch=activation_epoch,
                    replaced_day_reward=None,
                    sector_key_cid=None,
                    flags=SIMPLE_QA_POWER,
                    daily_fee=daily_fee,
                )
            )
        state = state.put_sectors(store, new_sectors)
        state = state.delete_precommitted_sectors(store, [s.sector_number for s in new_sectors])
        state = state.assign_sectors_to_deadlines(
            policy, store, rt.curr_epoch, new_sectors, info.window_post_partition_sectors, info.sector_size
        )
        # The released deposits become available to pay the pledge.
        state = state.add_pre_commit_deposit(-deposit_to_unlock)
        unlocked_balance = state.get_unlocked_balance(rt.current_balance)
        if unlocked_balance < total_pledge:
            raise ActorError(
                ExitCode.USR_INSUFFICIENT_FUNDS,
                f"insufficient funds for aggregate initial pledge requirement {total_pledge.atto}, "
                "available: "
                f"{unlocked_balance.atto}",
            )
        state = state.add_initial_pledge(total_pledge)
        check_balance_invariants(state, rt.current_balance)
        return state, total_pledge

    total_pledge = rt.transaction(MinerState, update)
    notify_pledge_changed(rt, total_pledge)


def _pledge_inputs(rt: Runtime) -> NetworkPledgeInputs:
    reward = request_current_epoch_block_reward(rt)
    power = request_current_total_power(rt)
    return NetworkPledgeInputs(
        network_qap=power.quality_adj_power_smoothed,
        network_baseline=reward.this_epoch_baseline_power,
        circulating_supply=rt.total_fil_circ_supply,
        epoch_reward=reward.this_epoch_reward_smoothed,
        epochs_since_ramp_start=rt.curr_epoch - power.ramp_start_epoch,
        ramp_duration_epochs=power.ramp_duration_epochs,
    )


def prove_commit_sectors3(rt: Runtime, raw: bytes) -> bytes:
    """Prove pre-committed sectors (one proof each, or one aggregate), activate their pieces and notify the
    actors the pieces name; the result says which sectors were activated."""
    params = decode_params(raw, ProveCommitSectors3Params.from_ipld, "miner ProveCommitSectors3")
    state = rt.state(MinerState)
    store = rt.store
    policy = rt.policy
    miner_id = rt.receiver.id
    info = get_miner_info(store, state)
    validate_control_caller(rt, info)

    precommits = state.get_precommitted_sectors(store, [a.sector_number for a in params.sector_activations])
    if not precommits:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "no sectors to prove")
    if bool(params.sector_proofs) == bool(params.aggregate_proof):
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, "exactly one of sector proofs or aggregate proof must be non-empty"
        )
    seal_proof = precommits[0].info.seal_proof
    if params.sector_proofs:
        if params.aggregate_proof_type is not None:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, "aggregate proof type must be null with batched proofs"
            )
        if len(params.sector_activations) != len(params.sector_proofs):
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"mismatched lengths: {len(params.sector_activations)} sector activations, "
                f"{len(params.sector_proofs)} proofs",
            )
        validate_seal_proofs(seal_proof, params.sector_proofs)
    else:
        if params.aggregate_proof_type != SNARK_PACK_V2:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "aggregate proof type must be SnarkPackV2")
        validate_seal_aggregate_proof(
            policy, params.aggregate_proof, len(params.sector_activations), seal_proof
        )

    # This entry point takes no pre-committed deals: data comes through the piece manifests.
    validation_batch, proof_inputs = validate_precommits(
        rt, precommits, False, params.require_activation_success
    )
    if validation_batch.success_count == 0:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "no valid precommits specified")
    valid_precommits = successes(validation_batch, precommits)
    valid_activations = successes(validation_batch, params.sector_activations)

    proven: list[tuple[SectorActivationManifest, SectorPreCommitOnChainInfo]] = []
    proven_gen = BatchReturnGen(validation_batch.success_count)
    if params.sector_proofs:
        verify_infos = [
            p.to_seal_verify_info(miner_id, proof)
            for p, proof in zip(
                successes(validation_batch, proof_inputs),
                successes(validation_batch, params.sector_proofs),
                strict=True,
            )
        ]
        results = rt.batch_verify_seals(verify_infos)
        for verified, activation, precommit in zip(
            results, valid_activations, valid_precommits, strict=False
        ):
            if verified:
                proven.append((activation, precommit))
                proven_gen.add_success()
            else:
                proven_gen.add_fail(ExitCode.USR_ILLEGAL_ARGUMENT)
                if params.require_activation_success:
                    raise ActorError(
                        ExitCode.USR_ILLEGAL_ARGUMENT,
                        f"invalid proof for sector {precommit.info.sector_number} while requiring activation "
                        f"success: {results}",
                    )
    else:
        # Every pre-commit's inputs, valid or not, are witnesses of the aggregate.
        verify_aggregate_seal(rt, proof_inputs, miner_id, seal_proof, SNARK_PACK_V2, params.aggregate_proof)
        proven = list(zip(valid_activations, valid_precommits, strict=True))
        proven_gen.add_successes(len(proven))
    proven_batch = proven_gen.generate()
    if proven_batch.success_count == 0:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "no valid proofs specified")

    data_inputs = [
        SectorPiecesActivationInput(
            activation.pieces,
            precommit.info.expiration,
            precommit.info.sector_number,
            precommit.info.seal_proof,
            precommit.info.unsealed_cid,
        )
        for activation, precommit in proven
    ]
    data_batch, data_activations = activate_sectors_pieces(rt, data_inputs, params.require_activation_success)
    if data_batch.success_count == 0:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "all data activations failed")
    activated = successes(data_batch, proven)

    activate_new_sector_infos(rt, [p for _, p in activated], data_activations, _pledge_inputs(rt), info)

    notifications: list[ActivationNotifications] = []
    for activation, precommit in activated:
        notifications.append(
            ActivationNotifications(activation.sector_number, precommit.info.expiration, activation.pieces)
        )
        pieces = [(p.cid, p.size) for p in activation.pieces]
        emit.sector_activated(rt, precommit.info.sector_number, precommit.info.unsealed_cid.cid, pieces)
    notify_data_consumers(rt, notifications, params.require_notification_success)
    return ProveCommitSectors3Return(stack([validation_batch, proven_batch, data_batch])).encode()


# -- genesis -----------------------------------------------------------------------------------------


def internal_sector_setup_preseal(rt: Runtime, raw: bytes) -> bytes:
    """Activate genesis preseal sectors from their pre-commits (the system actor calls this at genesis)."""
    params = decode_params(
        raw, InternalSectorSetupForPresealParams.from_ipld, "miner InternalSectorSetupForPreseal"
    )
    rt.validate_immediate_caller_is(SYSTEM_ACTOR)
    state = rt.state(MinerState)
    # Sectors without a pre-commit are skipped.
    precommits = state.find_precommitted_sectors(rt.store, params.sectors)
    info = get_miner_info(rt.store, state)
    inputs = [
        DealsActivationInput(p.info.deal_ids, p.info.expiration, p.info.sector_number, p.info.seal_proof)
        for p in precommits
    ]
    # CommD was given (and checked against any deals) at pre-commit: nothing to compute.
    batch, data_activations = activate_sectors_deals(rt, inputs, False)
    activated = successes(batch, precommits)
    pledge_inputs = NetworkPledgeInputs(
        network_qap=params.quality_adj_power_smoothed,
        network_baseline=params.reward_baseline_power,
        circulating_supply=rt.total_fil_circ_supply,
        epoch_reward=params.reward_smoothed,
        epochs_since_ramp_start=0,
        ramp_duration_epochs=0,
    )
    activate_new_sector_infos(rt, activated, data_activations, pledge_inputs, info)
    for precommit, data in zip(activated, data_activations, strict=False):
        emit.sector_activated(rt, precommit.info.sector_number, precommit.info.unsealed_cid.cid, data.pieces)
    return b""
