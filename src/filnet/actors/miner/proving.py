"""Keeping sectors proven: WindowPoSt and its disputes, fault and recovery declarations, early
terminations, expiration extensions, partition compaction and the deadline cron (builtin-actors
``SubmitWindowedPoSt``, ``DisputeWindowedPoSt``, ``DeclareFaults``, ``DeclareFaultsRecovered``,
``TerminateSectors``, ``ExtendSectorExpiration2``, ``CompactPartitions``, ``OnDeferredCronEvent`` and their
helpers in ``miner/src/lib.rs``).

filnet has no network versions: the FIP-0100 grace period for extending sectors that pay no daily fee is
taken as over (builtin-actors' behaviour from network version 26 on), so such sectors start paying the fee
when extended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from filnet.actors.miner import emit
from filnet.actors.miner.bitfield_queue import state_context
from filnet.actors.miner.commitment import receiver_entropy, validate_expiration
from filnet.actors.miner.deadline_info import (
    DeadlineInfo,
    deadline_available_for_compaction,
    deadline_available_for_optimistic_post_dispute,
    deadline_is_mutable,
    new_deadline_info,
    quant_spec_for_deadline,
)
from filnet.actors.miner.monies import (
    expected_reward_for_power,
    pledge_penalty_for_continued_fault,
    pledge_penalty_for_invalid_windowpost,
    pledge_penalty_for_termination,
)
from filnet.actors.miner.partition import Partition
from filnet.actors.miner.policy import (
    can_extend_seal_proof_type,
    daily_proof_fee,
    daily_proof_fee_adjust,
    daily_proof_fee_payable,
    load_partitions_sectors_max,
    qa_power_for_sector,
    qa_power_for_weight,
    reward_for_disputed_window_post,
    window_post_proof_size_max,
)
from filnet.actors.miner.sector_map import DeadlineSectorMap
from filnet.actors.miner.sectors import SIMPLE_QA_POWER, PowerPair, SectorOnChainInfo, Sectors
from filnet.actors.miner.state import MinerState
from filnet.actors.miner.support import (
    RANDOMNESS_LENGTH,
    burn_funds,
    check_state_balance,
    consensus_fault_active,
    decode_return,
    enroll_cron_event,
    get_miner_info,
    notify_pledge_changed,
    process_pending_worker,
    recode,
    repay_debts_or_abort,
    request_current_epoch_block_reward,
    request_current_total_power,
    request_terminate_deals,
    request_update_power,
    schedule_early_termination_work,
    validate_control_caller,
)
from filnet.actors.miner.types import (
    CRON_EVENT_PROCESS_EARLY_TERMINATIONS,
    CRON_EVENT_PROVING_DEADLINE,
    CompactPartitionsParams,
    CronEventPayload,
    DeclareFaultsParams,
    DeclareFaultsRecoveredParams,
    DeferredCronEventParams,
    DisputeWindowedPoStParams,
    ExpirationExtension2,
    ExtendSectorExpiration2Params,
    SubmitWindowedPoStParams,
    TerminateSectorsParams,
    TerminateSectorsReturn,
)
from filnet.actors.shared import METHOD_SEND
from filnet.actors.singletons import STORAGE_POWER_ACTOR, VERIFIED_REGISTRY_ACTOR
from filnet.actors.smoothing import FilterEstimate
from filnet.actors.verifreg.methods import Method as VerifregMethod
from filnet.actors.verifreg.types import GetClaimsParams, GetClaimsReturn
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.crypto.randomness import DomainSeparationTag
from filnet.errors import DecodeError
from filnet.ipld.amt import Amt
from filnet.ipld.bitfield import BitField
from filnet.params.network import EPOCHS_IN_DAY, ActorPolicy
from filnet.proofs.onchain import PoStProof, SectorInfo, WindowPoStVerifyInfo
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime, decode_params

_MAX_AMT_INDEX = (1 << 64) - 2


def _get_partition(partitions: Amt, idx: int) -> Partition | None:
    with state_context(f"failed to load partition {idx}"):
        raw = partitions.get(idx) if 0 <= idx <= _MAX_AMT_INDEX else None
        return None if raw is None else Partition.from_ipld(raw)


def _set_partition(partitions: Amt, idx: int, partition: Partition) -> None:
    with state_context(f"failed to save partition {idx}"):
        partitions.set(idx, partition.to_ipld())


def verify_windowed_post(
    rt: Runtime,
    challenge_epoch: ChainEpoch,
    sectors: Sequence[SectorOnChainInfo],
    proofs: Sequence[PoStProof],
) -> bool:
    """Whether the PoSt proves ``sectors`` against the beacon randomness drawn at ``challenge_epoch``."""
    randomness = rt.get_randomness_from_beacon(
        DomainSeparationTag.WINDOWED_POST_CHALLENGE_SEED, challenge_epoch, receiver_entropy(rt)
    )
    challenged = tuple(SectorInfo(s.seal_proof, s.sector_number, s.sealed_cid) for s in sectors)
    return rt.verify_post(WindowPoStVerifyInfo(randomness, tuple(proofs), challenged, rt.receiver.id))


class _Declaration(Protocol):
    """A fault, recovery or termination declaration: sectors of one partition of one deadline."""

    @property
    def deadline(self) -> int: ...

    @property
    def partition(self) -> int: ...

    @property
    def sectors(self) -> BitField: ...


def _to_process(rt: Runtime, declarations: Sequence[_Declaration]) -> DeadlineSectorMap:
    """Group declarations by deadline and partition, within the addressing limits."""
    to_process = DeadlineSectorMap()
    for decl in declarations:
        what = f"failed to process deadline {decl.deadline}, partition {decl.partition}"
        with recode(ExitCode.USR_ILLEGAL_ARGUMENT, what):
            to_process.add(rt.policy, decl.deadline, decl.partition, decl.sectors)
    with recode(ExitCode.USR_ILLEGAL_ARGUMENT, "cannot process requested parameters"):
        to_process.check(rt.policy.addressed_partitions_max, rt.policy.addressed_sectors_max)
    return to_process


# -- WindowPoSt ---------------------------------------------------------------------------------------


def submit_windowed_post(rt: Runtime, raw: bytes) -> bytes:
    """Record a WindowPoSt for the current deadline. It is accepted optimistically (open to dispute)
    unless it recovers faulty sectors, in which case it is verified at once."""
    params = decode_params(raw, SubmitWindowedPoStParams.from_ipld, "miner SubmitWindowedPoSt")
    current_epoch = rt.curr_epoch
    policy = rt.policy
    if len(params.proofs) != 1:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"expected exactly one proof, got {len(params.proofs)}"
        )
    proof_type = params.proofs[0].post_proof
    if proof_type not in policy.valid_post_proof_type:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"proof type {proof_type} not allowed")
    if params.deadline >= policy.wpost_period_deadlines:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"invalid deadline {params.deadline} of {policy.wpost_period_deadlines}",
        )
    if len(params.chain_commit_rand) > RANDOMNESS_LENGTH:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"expected at most {RANDOMNESS_LENGTH} bytes of randomness, got {len(params.chain_commit_rand)}",
        )

    def update(state: MinerState) -> tuple[MinerState, PowerPair]:
        store = rt.store
        info = get_miner_info(store, state)
        max_proof_size = window_post_proof_size_max(info.window_post_proof_type)
        if max_proof_size is None:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, "failed to determine max window post proof size")
        validate_control_caller(rt, info)
        if proof_type != info.window_post_proof_type:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"expected proof of type {info.window_post_proof_type}, got {proof_type}",
            )
        max_size = max_proof_size * len(params.partitions)
        if len(params.proofs[0].proof_bytes) > max_size:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, f"expected proof to be smaller than {max_size} bytes"
            )
        limit = min(
            load_partitions_sectors_max(policy, info.window_post_partition_sectors),
            policy.posted_partitions_max,
        )
        if len(params.partitions) > limit:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, f"too many partitions {len(params.partitions)}, limit {limit}"
            )
        current_deadline = state.deadline_info(policy, current_epoch)
        # Fails only if cron has not run for a whole proving period.
        if not current_deadline.is_open():
            raise ActorError(
                ExitCode.USR_ILLEGAL_STATE,
                f"proving period {current_deadline.period_start} not yet open at {current_epoch}",
            )
        if params.deadline != current_deadline.index:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"invalid deadline {params.deadline} at epoch {current_epoch}, expected "
                f"{current_deadline.index}",
            )
        if params.chain_commit_epoch < current_deadline.challenge:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"expected chain commit epoch {params.chain_commit_epoch} to be after "
                f"{current_deadline.challenge}",
            )
        if params.chain_commit_epoch >= current_epoch:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"chain commit epoch {params.chain_commit_epoch} must be less than the current epoch "
                f"{current_epoch}",
            )
        comm_rand = rt.get_randomness_from_tickets(
            DomainSeparationTag.POST_CHAIN_COMMIT, params.chain_commit_epoch, b""
        )
        if comm_rand != params.chain_commit_rand:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "post commit randomness mismatched")

        sectors = Sectors.load(store, state.sectors)
        deadlines = state.load_deadlines(store)
        deadline = deadlines.load_deadline(store, params.deadline)
        # The proof is not checked here: the deadline keeps it for disputes until its window closes.
        fault_expiration = ChainEpoch(current_deadline.last() + policy.fault_max_age)
        deadline, post_result = deadline.record_proven_sectors(
            store,
            sectors,
            info.sector_size,
            current_deadline.quant_spec(),
            fault_expiration,
            params.partitions,
        )
        proven_sectors = post_result.sectors - post_result.ignored_sectors
        if not proven_sectors:
            # Skipping every active sector is never rational: it only adds penalties.
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "cannot prove partitions with no active sectors")
        if post_result.recovered_power.is_zero():
            deadline = deadline.record_post_proofs(store, post_result.partitions, params.proofs)
        else:
            # Recovering power must be proven now; a known-good sector stands in for each faulty one.
            infos = sectors.load_for_proof(post_result.sectors, post_result.ignored_sectors)
            if not verify_windowed_post(rt, current_deadline.challenge, infos, params.proofs):
                raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "invalid post was submitted")
        deadlines = deadlines.update_deadline(policy, store, params.deadline, deadline)
        return state.save_deadlines(store, deadlines), post_result.power_delta

    power_delta = rt.transaction(MinerState, update)
    # Power comes back for recoveries and goes for new faults at once, not at the deadline's end.
    request_update_power(rt, power_delta)
    check_state_balance(rt)
    return b""


def dispute_windowed_post(rt: Runtime, raw: bytes) -> bytes:
    """Show that an optimistically accepted PoSt is invalid: its sectors become faulty, the miner pays a
    penalty and the disputer gets a reward."""
    params = decode_params(raw, DisputeWindowedPoStParams.from_ipld, "miner DisputeWindowedPoSt")
    rt.validate_immediate_caller_accept_any()
    reporter = rt.caller
    policy = rt.policy
    if params.deadline >= policy.wpost_period_deadlines:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"invalid deadline {params.deadline} of {policy.wpost_period_deadlines}",
        )
    current_epoch = rt.curr_epoch
    # Estimates as of now rather than of the PoSt's submission.
    epoch_reward = request_current_epoch_block_reward(rt)
    power_total = request_current_total_power(rt)

    def update(
        state: MinerState,
    ) -> tuple[MinerState, tuple[TokenAmount, TokenAmount, PowerPair, TokenAmount]]:
        store = rt.store
        dl_info = state.deadline_info(policy, current_epoch)
        if not deadline_available_for_optimistic_post_dispute(
            policy, dl_info.period_start, params.deadline, current_epoch
        ):
            raise ActorError(
                ExitCode.USR_FORBIDDEN,
                "can only dispute window posts during the dispute window "
                f"({policy.wpost_dispute_window} epochs "
                "after the challenge window closes)",
            )
        info = get_miner_info(store, state)
        pp_start = dl_info.period_start
        if dl_info.index < params.deadline:
            pp_start = ChainEpoch(pp_start - policy.wpost_proving_period)
        target_deadline = new_deadline_info(policy, pp_start, params.deadline, current_epoch)
        deadlines = state.load_deadlines(store)
        deadline = deadlines.load_deadline(store, params.deadline)
        # Taking the PoSt out of the snapshot means it cannot be disputed twice.
        deadline, partitions, proofs = deadline.take_post_proofs(store, params.post_index)
        dispute_info = deadline.load_partitions_for_dispute(store, partitions)
        # Includes power no longer active (e.g. terminated since): for the penalty only.
        penalised_power = dispute_info.disputed_power
        sectors = Sectors.load(store, deadline.sectors_snapshot)
        infos = sectors.load_for_proof(dispute_info.all_sector_nos, dispute_info.ignored_sector_nos)
        if verify_windowed_post(rt, target_deadline.challenge, infos, proofs):
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "failed to dispute valid post")
        # Sectors cannot move during the dispute window, so the faults land (terminated ones are skipped).
        fault_expiration = ChainEpoch(target_deadline.last() + policy.fault_max_age)
        deadline, power_delta = deadline.record_faults(
            store,
            sectors,
            info.sector_size,
            quant_spec_for_deadline(policy, target_deadline),
            fault_expiration,
            dispute_info.disputed_sectors,
        )
        deadlines = deadlines.update_deadline(policy, store, params.deadline, deadline)
        state = state.save_deadlines(store, deadlines)

        penalty_base = pledge_penalty_for_invalid_windowpost(
            epoch_reward.this_epoch_reward_smoothed,
            power_total.quality_adj_power_smoothed,
            penalised_power.qa,
        )
        reward_target = reward_for_disputed_window_post(info.window_post_proof_type, penalised_power)
        # The reward is added to the penalty, not carved out of it, so the miner cannot recoup its fee.
        state = state.apply_penalty(penalty_base + reward_target)
        state, to_burn, total_unlocked = state.repay_partial_debt_in_priority_order(
            store, current_epoch, rt.current_balance
        )
        to_reward = min(to_burn, reward_target)
        return state, (-total_unlocked, to_burn - to_reward, power_delta, to_reward)

    pledge_delta, to_burn, power_delta, to_reward = rt.transaction(MinerState, update)
    request_update_power(rt, power_delta)
    # A failed reward send is logged by builtin-actors, and the reward burnt instead.
    if to_reward and not rt.send(reporter, METHOD_SEND, b"", to_reward).ok:
        to_burn += to_reward
    burn_funds(rt, to_burn)
    notify_pledge_changed(rt, pledge_delta)
    check_state_balance(rt)
    return b""


# -- faults and recoveries ----------------------------------------------------------------------------


def declaration_deadline_info(
    policy: ActorPolicy, period_start: ChainEpoch, deadline_idx: int, current_epoch: ChainEpoch
) -> DeadlineInfo:
    """The deadline a fault or recovery declaration is for: this period's if not yet elapsed, else the
    next one's."""
    if deadline_idx >= policy.wpost_period_deadlines:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"invalid deadline {deadline_idx}, must be < {policy.wpost_period_deadlines}",
        )
    return new_deadline_info(policy, period_start, deadline_idx, current_epoch).next_not_elapsed()


def _declaration_target(rt: Runtime, state: MinerState, deadline_idx: int, kind: str) -> DeadlineInfo:
    policy = rt.policy
    curr_epoch = rt.curr_epoch
    with recode(ExitCode.USR_ILLEGAL_ARGUMENT, f"invalid {kind} declaration deadline {deadline_idx}"):
        target = declaration_deadline_info(
            policy, state.current_proving_period_start(policy, curr_epoch), deadline_idx, curr_epoch
        )
    if target.fault_cutoff_passed():
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"failed {kind} declaration at deadline {deadline_idx}: late fault or recovery declaration",
        )
    return target


def declare_faults(rt: Runtime, raw: bytes) -> bytes:
    """Declare sectors faulty ahead of their deadline: their power goes now, the fault fee is charged at
    the deadline's end."""
    params = decode_params(raw, DeclareFaultsParams.from_ipld, "miner DeclareFaults")
    to_process = _to_process(rt, params.faults)

    def update(state: MinerState) -> tuple[MinerState, PowerPair]:
        store = rt.store
        policy = rt.policy
        info = get_miner_info(store, state)
        validate_control_caller(rt, info)
        deadlines = state.load_deadlines(store)
        sectors = Sectors.load(store, state.sectors)
        new_fault_power = PowerPair.zero()
        for deadline_idx, partition_map in to_process.iter():
            target = _declaration_target(rt, state, deadline_idx, "fault")
            deadline = deadlines.load_deadline(store, deadline_idx)
            fault_expiration = ChainEpoch(target.last() + policy.fault_max_age)
            deadline, power_delta = deadline.record_faults(
                store, sectors, info.sector_size, target.quant_spec(), fault_expiration, partition_map
            )
            deadlines = deadlines.update_deadline(policy, store, deadline_idx, deadline)
            new_fault_power = new_fault_power + power_delta
        return state.save_deadlines(store, deadlines), new_fault_power

    power_delta = rt.transaction(MinerState, update)
    request_update_power(rt, power_delta)
    return b""


def declare_faults_recovered(rt: Runtime, raw: bytes) -> bytes:
    """Declare faulty sectors recovered; their power returns with the next PoSt that proves them."""
    params = decode_params(raw, DeclareFaultsRecoveredParams.from_ipld, "miner DeclareFaultsRecovered")
    to_process = _to_process(rt, params.recoveries)

    def update(state: MinerState) -> tuple[MinerState, TokenAmount]:
        store = rt.store
        policy = rt.policy
        # Unlocked funds must cover the fee debt, which is repaid now.
        state, fee_to_burn = repay_debts_or_abort(rt, state)
        info = get_miner_info(store, state)
        validate_control_caller(rt, info)
        if consensus_fault_active(info, rt.curr_epoch):
            raise ActorError(ExitCode.USR_FORBIDDEN, "recovery not allowed during active consensus fault")
        deadlines = state.load_deadlines(store)
        sectors = Sectors.load(store, state.sectors)
        for deadline_idx, partition_map in to_process.iter():
            _declaration_target(rt, state, deadline_idx, "recovery")
            deadline = deadlines.load_deadline(store, deadline_idx)
            deadline = deadline.declare_faults_recovered(store, sectors, info.sector_size, partition_map)
            deadlines = deadlines.update_deadline(policy, store, deadline_idx, deadline)
        return state.save_deadlines(store, deadlines), fee_to_burn

    fee_to_burn = rt.transaction(MinerState, update)
    burn_funds(rt, fee_to_burn)
    check_state_balance(rt)
    return b""


# -- terminations -------------------------------------------------------------------------------------


def process_early_terminations(
    rt: Runtime, reward_smoothed: FilterEstimate, quality_adj_power_smoothed: FilterEstimate
) -> bool:
    """Charge the termination fees of up to the addressing limits of queued early terminations, release
    their pledge and end their deals; whether more remain. Uses today's reward and power estimates."""
    terminated: list[int] = []
    with_data: list[int] = []

    def update(state: MinerState) -> tuple[MinerState, tuple[bool, bool, TokenAmount, TokenAmount]]:
        store = rt.store
        policy = rt.policy
        with recode(ExitCode.USR_ILLEGAL_STATE, "failed to pop early terminations"):
            state, result, more = state.pop_early_terminations(
                policy, store, policy.addressed_partitions_max, policy.addressed_sectors_max
            )
        if result.is_empty():
            # Possible when the terminations were processed before the cron callback fired.
            return state, (True, more, ZERO, ZERO)
        info = get_miner_info(store, state)
        sectors = Sectors.load(store, state.sectors)
        total_initial_pledge = ZERO
        total_penalty = ZERO
        for epoch, sector_numbers in result.iter():
            for sector in sectors.load_sectors(sector_numbers):
                total_initial_pledge += sector.initial_pledge
                power = qa_power_for_sector(info.sector_size, sector)
                terminated.append(sector.sector_number)
                fault_fee = pledge_penalty_for_continued_fault(
                    reward_smoothed, quality_adj_power_smoothed, power
                )
                total_penalty += pledge_penalty_for_termination(
                    sector.initial_pledge, epoch - sector.activation, fault_fee
                )
                if sector.deal_weight > 0 or sector.verified_deal_weight > 0:
                    with_data.append(sector.sector_number)
        state = state.apply_penalty(total_penalty)
        state = state.add_initial_pledge(-total_initial_pledge)
        # The released pledge pays down the fee debt first.
        state, penalty, total_unlocked = state.repay_partial_debt_in_priority_order(
            store, rt.curr_epoch, rt.current_balance
        )
        return state, (False, more, penalty, -total_initial_pledge - total_unlocked)

    empty, more, penalty, pledge_delta = rt.transaction(MinerState, update)
    if empty:
        return more
    burn_funds(rt, penalty)
    notify_pledge_changed(rt, pledge_delta)
    request_terminate_deals(rt, rt.curr_epoch, BitField.from_indices(with_data))
    for number in terminated:
        emit.sector_terminated(rt, number)
    return more


def terminate_sectors(rt: Runtime, raw: bytes) -> bytes:
    """Terminate sectors before their expiration and process as many queued terminations as the limits
    allow (the rest by cron, or by calling again with nothing new); the current and next deadlines are
    immutable."""
    params = decode_params(raw, TerminateSectorsParams.from_ipld, "miner TerminateSectors")
    to_process = _to_process(rt, params.terminations)

    def update(state: MinerState) -> tuple[MinerState, tuple[bool, PowerPair]]:
        had_early_terminations = bool(state.early_terminations)
        store = rt.store
        policy = rt.policy
        info = get_miner_info(store, state)
        validate_control_caller(rt, info)
        curr_epoch = rt.curr_epoch
        power_delta = PowerPair.zero()
        deadlines = state.load_deadlines(store)
        sectors = Sectors.load(store, state.sectors)
        for deadline_idx, partition_sectors in to_process.iter():
            if not deadline_is_mutable(
                policy, state.current_proving_period_start(policy, curr_epoch), deadline_idx, curr_epoch
            ):
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT,
                    f"cannot terminate sectors in immutable deadline {deadline_idx}",
                )
            quant = state.quant_spec_for_deadline(policy, deadline_idx)
            deadline = deadlines.load_deadline(store, deadline_idx)
            deadline, removed_power = deadline.terminate_sectors(
                policy, store, sectors, curr_epoch, partition_sectors, info.sector_size, quant
            )
            state = replace(
                state, early_terminations=state.early_terminations | BitField.from_indices([deadline_idx])
            )
            power_delta = power_delta - removed_power
            deadlines = deadlines.update_deadline(policy, store, deadline_idx, deadline)
        return state.save_deadlines(store, deadlines), (had_early_terminations, power_delta)

    had_early_terminations, power_delta = rt.transaction(MinerState, update)
    epoch_reward = request_current_epoch_block_reward(rt)
    power_total = request_current_total_power(rt)
    more = process_early_terminations(
        rt, epoch_reward.this_epoch_reward_smoothed, power_total.quality_adj_power_smoothed
    )
    # A callback is already scheduled if terminations were queued before this call.
    if more and not had_early_terminations:
        schedule_early_termination_work(rt)
    check_state_balance(rt)
    request_update_power(rt, power_delta)
    return TerminateSectorsReturn(not more).encode()


# -- extension ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ValidatedExpirationExtension:
    """An extension of one partition's sectors (those with claims folded in)."""

    deadline: int
    partition: int
    sectors: BitField
    new_expiration: ChainEpoch

    @classmethod
    def of(cls, e2: ExpirationExtension2) -> ValidatedExpirationExtension:
        """The extension of every sector the declaration names."""
        with_claims = BitField.from_indices(sc.sector_number for sc in e2.sectors_with_claims)
        return cls(e2.deadline, e2.partition, e2.sectors | with_claims, e2.new_expiration)


def get_claims(rt: Runtime, ids: Sequence[int]) -> GetClaimsReturn:
    """The verified registry's claims of this miner with these IDs; USR_ILLEGAL_ARGUMENT if any is
    missing."""
    params = GetClaimsParams(rt.receiver.id, tuple(ids))
    data = rt.send(VERIFIED_REGISTRY_ACTOR, VerifregMethod.GET_CLAIMS, params.encode(), ZERO).unwrap(
        "failed to get claims"
    )
    claims = decode_return(data, GetClaimsReturn.from_ipld, "GetClaims")
    if claims.batch_info.success_count < len(ids):
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "invalid claims")
    return claims


def validate_extension_declarations(
    rt: Runtime, extensions: Sequence[ExpirationExtension2]
) -> tuple[list[ValidatedExpirationExtension], dict[int, tuple[int, int]]]:
    """The extensions, and per sector with claims the claimed space to check and the space kept."""
    policy = rt.policy
    miner_id = rt.receiver.id
    claim_space_by_sector: dict[int, tuple[int, int]] = {}
    for decl in extensions:
        if decl.deadline >= policy.wpost_period_deadlines:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"deadline {decl.deadline} not in range 0..{policy.wpost_period_deadlines}",
            )
        for sc in decl.sectors_with_claims:
            all_claim_ids = (*sc.maintain_claims, *sc.drop_claims)
            try:
                claims = get_claims(rt, all_claim_ids).claims
            except ActorError as e:
                raise ActorError(
                    e.exit_code, f"failed to get claims for sector {sc.sector_number}: {e.reason}"
                ) from None
            first_drop = len(sc.maintain_claims)
            for i, claim in enumerate(claims):
                if claim.provider != miner_id:
                    raise ActorError(
                        ExitCode.USR_ILLEGAL_ARGUMENT,
                        f"failed to validate declaration sector={sc.sector_number}, "
                        f"claim={all_claim_ids[i]}, "
                        f"expected claim provider to be {miner_id} but found {claim.provider} ",
                    )
                if claim.sector != sc.sector_number:
                    raise ActorError(
                        ExitCode.USR_ILLEGAL_ARGUMENT,
                        f"failed to validate declaration sector={sc.sector_number}, claim={all_claim_ids[i]} "
                        f"expected claim sector number to be {sc.sector_number} but found {claim.sector} ",
                    )
                maintain_delta = 0
                if i < first_drop:
                    if decl.new_expiration > claim.term_start + claim.term_max:
                        raise ActorError(
                            ExitCode.USR_FORBIDDEN,
                            f"failed to validate declaration sector={sc.sector_number}, "
                            f"claim={sc.maintain_claims[i]} claim only allows extension to "
                            f"{claim.term_start + claim.term_max} but declared new expiration is "
                            f"{decl.new_expiration}",
                        )
                    maintain_delta = claim.size
                check, maintain = claim_space_by_sector.get(sc.sector_number, (0, 0))
                claim_space_by_sector[sc.sector_number] = (check + claim.size, maintain + maintain_delta)
    return [ValidatedExpirationExtension.of(e) for e in extensions], claim_space_by_sector


def _trunc_div(a: int, b: int) -> int:
    """Division rounding toward zero, as num-bigint's ``/``."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def validate_extended_expiration(
    policy: ActorPolicy, curr_epoch: ChainEpoch, new_expiration: ChainEpoch, sector: SectorOnChainInfo
) -> None:
    """Whether a sector may be extended to ``new_expiration`` now."""
    if not can_extend_seal_proof_type(sector.seal_proof):
        raise ActorError(
            ExitCode.USR_FORBIDDEN,
            f"cannot extend expiration for sector {sector.sector_number} with unsupported seal type "
            f"{sector.seal_proof}",
        )
    # An expired sector may linger until its deadline ends.
    if sector.expiration < curr_epoch:
        raise ActorError(
            ExitCode.USR_FORBIDDEN,
            f"cannot extend expiration for expired sector {sector.sector_number} at {sector.expiration}",
        )
    if new_expiration < sector.expiration:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"cannot reduce sector {sector.sector_number} expiration to {new_expiration} from "
            f"{sector.expiration}",
        )
    validate_expiration(policy, curr_epoch, sector.activation, new_expiration, sector.seal_proof)


def extend_simple_qap_sector(
    policy: ActorPolicy,
    new_expiration: ChainEpoch,
    curr_epoch: ChainEpoch,
    sector: SectorOnChainInfo,
    claim_space_by_sector: dict[int, tuple[int, int]],
) -> SectorOnChainInfo:
    """A FIP-0045 sector extended: weights rescaled to the new power base epoch, verified weight from the
    claims kept."""
    old_duration = sector.expiration - sector.power_base_epoch
    new_duration = new_expiration - curr_epoch
    deal_weight = sector.deal_weight
    verified_deal_weight = sector.verified_deal_weight
    expected_day_reward = sector.expected_day_reward
    expected_storage_pledge = sector.expected_storage_pledge
    replaced_day_reward = sector.replaced_day_reward
    if sector.deal_weight > 0:
        # Keeps the power the same relative to the new base epoch: the remaining space-time of the deals.
        deal_weight = _trunc_div(sector.deal_weight * (sector.expiration - curr_epoch), old_duration)
    if sector.verified_deal_weight > 0:
        old_verified_space = _trunc_div(sector.verified_deal_weight, old_duration)
        space = claim_space_by_sector.get(sector.sector_number)
        if space is None:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"claim missing from declaration for sector {sector.sector_number} with non-zero "
                "verified deal "
                f"weight {sector.verified_deal_weight}",
            )
        expected_space, new_space = space
        if expected_space != old_verified_space:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"declared verified deal space in claims ({expected_space}) does not match "
                "verified deal space "
                f"({old_verified_space}) for sector {sector.sector_number}",
            )
        # Claims may only be dropped near the end of a sector's life.
        if (
            expected_space != new_space
            and sector.expiration - curr_epoch > policy.end_of_life_claim_drop_period
        ):
            raise ActorError(
                ExitCode.USR_FORBIDDEN,
                f"attempt to drop claims with {sector.expiration - curr_epoch} epochs > end of "
                "life claim drop "
                f"period {policy.end_of_life_claim_drop_period} remaining",
            )
        verified_deal_weight = new_space * new_duration
        # FIP-0098: these fields are no longer used.
        expected_day_reward = expected_storage_pledge = replaced_day_reward = None
    return replace(
        sector,
        expiration=new_expiration,
        power_base_epoch=curr_epoch,
        deal_weight=deal_weight,
        verified_deal_weight=verified_deal_weight,
        expected_day_reward=expected_day_reward,
        expected_storage_pledge=expected_storage_pledge,
        replaced_day_reward=replaced_day_reward,
    )


def extend_non_simple_qap_sector(
    new_expiration: ChainEpoch, curr_epoch: ChainEpoch, sector: SectorOnChainInfo
) -> SectorOnChainInfo:
    """A legacy sector extended: the deal weight already spent is dropped."""
    remaining = sector.expiration - curr_epoch
    duration = sector.expiration - sector.power_base_epoch
    return replace(
        sector,
        expiration=new_expiration,
        deal_weight=(sector.deal_weight * remaining) // duration,
        verified_deal_weight=(sector.verified_deal_weight * remaining) // duration,
        power_base_epoch=curr_epoch,
        expected_day_reward=None,
        replaced_day_reward=None,
        expected_storage_pledge=None,
    )


def extend_sector_committment(
    policy: ActorPolicy,
    curr_epoch: ChainEpoch,
    circulating_supply: TokenAmount,
    new_expiration: ChainEpoch,
    sector: SectorOnChainInfo,
    sector_size: int,
    claim_space_by_sector: dict[int, tuple[int, int]],
) -> SectorOnChainInfo:
    """The sector's info extended to ``new_expiration``, with its daily fee adjusted to its new power."""
    validate_extended_expiration(policy, curr_epoch, new_expiration, sector)
    if sector.flags & SIMPLE_QA_POWER:
        new_sector = extend_simple_qap_sector(
            policy, new_expiration, curr_epoch, sector, claim_space_by_sector
        )
    else:
        new_sector = extend_non_simple_qap_sector(new_expiration, curr_epoch, sector)
    new_qa_power = qa_power_for_weight(
        sector_size,
        ChainEpoch(new_sector.expiration - new_sector.power_base_epoch),
        new_sector.verified_deal_weight,
    )
    if not new_sector.daily_fee:
        # A sector from before FIP-0100 starts paying when extended (the grace period is over).
        return replace(new_sector, daily_fee=daily_proof_fee(policy, circulating_supply, new_qa_power))
    old_qa_power = qa_power_for_sector(sector_size, sector)
    if old_qa_power != new_qa_power:
        return replace(
            new_sector, daily_fee=daily_proof_fee_adjust(sector.daily_fee, old_qa_power, new_qa_power)
        )
    return new_sector


def extend_sector_expiration2(rt: Runtime, raw: bytes) -> bytes:
    """Extend sectors' expirations; sectors with FIL+ claims must account for every claim, and may drop
    claims only near their end (power changes only when claims are dropped)."""
    params = decode_params(raw, ExtendSectorExpiration2Params.from_ipld, "miner ExtendSectorExpiration2")
    extensions, claim_space_by_sector = validate_extension_declarations(rt, params.extensions)
    curr_epoch = rt.curr_epoch
    circulating_supply = rt.total_fil_circ_supply

    def update(state: MinerState) -> tuple[MinerState, tuple[PowerPair, TokenAmount]]:
        store = rt.store
        policy = rt.policy
        info = get_miner_info(store, state)
        validate_control_caller(rt, info)
        deadlines = state.load_deadlines(store)
        # Declarations grouped by deadline, deadlines in order of first appearance.
        by_deadline: dict[int, list[ValidatedExpirationExtension]] = {}
        for decl in extensions:
            by_deadline.setdefault(decl.deadline, []).append(decl)
        sectors = Sectors.load(store, state.sectors)
        power_delta = PowerPair.zero()
        pledge_delta = ZERO
        for deadline_idx, decls in by_deadline.items():
            deadline = deadlines.load_deadline(store, deadline_idx)
            with state_context(f"failed to load partitions for deadline {deadline_idx}"):
                partitions = deadline.partitions_amt(store)
            quant = state.quant_spec_for_deadline(policy, deadline_idx)
            deadline_power_delta = PowerPair.zero()
            deadline_pledge_delta = ZERO
            deadline_fee_delta = ZERO
            partitions_by_new_epoch: dict[ChainEpoch, list[int]] = {}
            for decl in decls:
                partition = _get_partition(partitions, decl.partition)
                if partition is None:
                    raise ActorError(
                        ExitCode.USR_NOT_FOUND,
                        "no such partition PartitionKey "
                        f"{{ deadline: {deadline_idx}, partition: {decl.partition} }}",
                    )
                old_sectors = sectors.load_sectors(decl.sectors)
                new_sectors = [
                    extend_sector_committment(
                        policy,
                        curr_epoch,
                        circulating_supply,
                        decl.new_expiration,
                        sector,
                        info.sector_size,
                        claim_space_by_sector,
                    )
                    for sector in old_sectors
                ]
                sectors.store(new_sectors)
                partition, p_power, p_pledge, p_fee = partition.replace_sectors(
                    store, old_sectors, new_sectors, info.sector_size, quant
                )
                deadline_power_delta = deadline_power_delta + p_power
                # Pledge is not recomputed on extension: expected zero.
                deadline_pledge_delta += p_pledge
                # Non-zero when sectors that paid no fee (sealed before FIP-0100) start paying.
                deadline_fee_delta += p_fee
                _set_partition(partitions, decl.partition, partition)
                partitions_by_new_epoch.setdefault(decl.new_expiration, []).append(decl.partition)
            deadline = replace(
                deadline,
                live_power=deadline.live_power + deadline_power_delta,
                daily_fee=deadline.daily_fee + deadline_fee_delta,
            )
            power_delta = power_delta + deadline_power_delta
            pledge_delta += deadline_pledge_delta
            with state_context(f"failed to save partitions for deadline {deadline_idx}"):
                deadline = replace(deadline, partitions=partitions.flush())
            for epoch, partition_indices in partitions_by_new_epoch.items():
                deadline = deadline.add_expiration_partitions(store, epoch, partition_indices, quant)
            deadlines = deadlines.update_deadline(policy, store, deadline_idx, deadline)
        state = replace(state, sectors=sectors.flush())
        return state.save_deadlines(store, deadlines), (power_delta, pledge_delta)

    power_delta, pledge_delta = rt.transaction(MinerState, update)
    # Negative when claims are dropped; otherwise zero.
    request_update_power(rt, power_delta)
    notify_pledge_changed(rt, pledge_delta)
    return b""


# -- compaction ---------------------------------------------------------------------------------------


def compact_partitions(rt: Runtime, raw: bytes) -> bytes:
    """Rewrite some partitions of a deadline without their terminated sectors, refilling them from the
    remaining live ones; removed sectors leave the state. Not while the deadline may be proven or
    disputed."""
    params = decode_params(raw, CompactPartitionsParams.from_ipld, "miner CompactPartitions")
    policy = rt.policy
    if params.deadline >= policy.wpost_period_deadlines:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"invalid deadline {params.deadline}")
    partition_count = params.partitions.count()

    def update(state: MinerState) -> tuple[MinerState, None]:
        store = rt.store
        info = get_miner_info(store, state)
        validate_control_caller(rt, info)
        if not deadline_available_for_compaction(
            policy, state.current_proving_period_start(policy, rt.curr_epoch), params.deadline, rt.curr_epoch
        ):
            raise ActorError(
                ExitCode.USR_FORBIDDEN,
                f"cannot compact deadline {params.deadline} during its challenge window, or the "
                "prior challenge "
                f"window, or before {policy.wpost_dispute_window} epochs have passed since its "
                "last challenge "
                "window ended",
            )
        limit = load_partitions_sectors_max(policy, info.window_post_partition_sectors)
        if partition_count > limit:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, f"too many partitions {partition_count}, limit {limit}"
            )
        quant = state.quant_spec_for_deadline(policy, params.deadline)
        deadlines = state.load_deadlines(store)
        deadline = deadlines.load_deadline(store, params.deadline)
        daily_fee_before = deadline.daily_fee
        sectors = Sectors.load(store, state.sectors)
        deadline, dead = deadline.compact_partitions(
            store, sectors, info.sector_size, info.window_post_partition_sectors, params.partitions, quant
        )
        sectors.delete_sectors(dead)
        state = replace(state, sectors=sectors.flush())
        deadlines = deadlines.update_deadline(policy, store, params.deadline, deadline)
        state = state.save_deadlines(store, deadlines)
        if deadline.daily_fee != daily_fee_before:
            raise ActorError(
                ExitCode.USR_ILLEGAL_STATE, "unexpected daily fee change during partition compaction"
            )
        return state, None

    rt.transaction(MinerState, update)
    return b""


# -- deadline cron ------------------------------------------------------------------------------------


def handle_proving_deadline(
    rt: Runtime, reward_smoothed: FilterEstimate, quality_adj_power_smoothed: FilterEstimate
) -> None:
    """End the current deadline: apply a pending worker change, expire stale pre-commits, detect missed
    PoSts, expire sectors, charge the fault fee and the FIP-0100 daily fee, vest funds and schedule the
    next callback while the miner has anything at stake."""
    curr_epoch = rt.curr_epoch

    def update(
        state: MinerState,
    ) -> tuple[MinerState, tuple[bool, PowerPair, TokenAmount, TokenAmount, bool]]:
        store = rt.store
        policy = rt.policy
        info = get_miner_info(store, state)
        state, _ = process_pending_worker(rt, info, state)
        state, deposit_to_burn = state.cleanup_expired_pre_commits(policy, store, curr_epoch)
        state = state.apply_penalty(deposit_to_burn)
        # A callback is already scheduled if terminations were queued before.
        had_early_terminations = bool(state.early_terminations)
        state, result = state.advance_deadline(policy, store, curr_epoch)
        # Faults this missed PoSt detects pay nothing now; sectors already faulty pay the fault fee.
        penalty_target = pledge_penalty_for_continued_fault(
            reward_smoothed, quality_adj_power_smoothed, result.previously_faulty_power.qa
        )
        power_delta = result.power_delta
        pledge_delta = result.pledge_delta
        state = state.apply_penalty(penalty_target)
        if result.daily_fee.atto > 0:
            # The fee is capped at a share of the day's expected reward of the deadline's live power.
            day_reward = expected_reward_for_power(
                reward_smoothed, quality_adj_power_smoothed, result.live_power.qa, EPOCHS_IN_DAY
            )
            state = state.apply_penalty(daily_proof_fee_payable(policy, result.daily_fee, day_reward))
        state, penalty, total_unlocked = state.repay_partial_debt_in_priority_order(
            store, curr_epoch, rt.current_balance
        )
        pledge_delta -= total_unlocked
        state, newly_vested = state.unlock_vested_funds(store, curr_epoch)
        pledge_delta -= newly_vested
        continue_cron = state.continue_deadline_cron()
        if not continue_cron:
            state = replace(state, deadline_cron_active=False)
        return state, (had_early_terminations, power_delta, penalty, pledge_delta, continue_cron)

    had_early_terminations, power_delta, penalty, pledge_delta, continue_cron = rt.transaction(
        MinerState, update
    )
    request_update_power(rt, power_delta)
    burn_funds(rt, penalty)
    notify_pledge_changed(rt, pledge_delta)
    state = rt.state(MinerState)
    if continue_cron:
        next_deadline = state.deadline_info(rt.policy, ChainEpoch(curr_epoch + 1))
        enroll_cron_event(rt, next_deadline.last(), CronEventPayload(CRON_EVENT_PROVING_DEADLINE))
    # New terminations: process some now, the rest from a callback next epoch.
    if (
        not had_early_terminations
        and state.early_terminations
        and process_early_terminations(rt, reward_smoothed, quality_adj_power_smoothed)
    ):
        schedule_early_termination_work(rt)


def on_deferred_cron_event(rt: Runtime, raw: bytes) -> bytes:
    """The power actor's cron callback: a deadline's end, or more early terminations to process."""
    params = decode_params(raw, DeferredCronEventParams.from_ipld, "miner OnDeferredCronEvent")
    rt.validate_immediate_caller_is(STORAGE_POWER_ACTOR)
    try:
        payload = CronEventPayload.decode(params.event_payload)
    except DecodeError as e:
        raise ActorError(
            ExitCode.USR_ILLEGAL_STATE, f"failed to unmarshal miner cron payload into expected structure: {e}"
        ) from None
    if payload.event_type == CRON_EVENT_PROVING_DEADLINE:
        handle_proving_deadline(rt, params.reward_smoothed, params.quality_adj_power_smoothed)
    elif payload.event_type == CRON_EVENT_PROCESS_EARLY_TERMINATIONS and process_early_terminations(
        rt, params.reward_smoothed, params.quality_adj_power_smoothed
    ):
        schedule_early_termination_work(rt)
    # Any other event type is ignored (builtin-actors logs it).
    check_state_balance(rt)
    return b""
