"""The storage miner actor (builtin-actors ``fil_actor_miner``): one handler per method, and ``ACTOR``.

This module holds construction, control addresses, peer info, beneficiary, funds (rewards, withdrawals,
debt, consensus faults) and the exported getters. Sector onboarding is in
:mod:`filnet.actors.miner.commitment`, proving, faults, terminations, extensions, compaction and deadline
cron in :mod:`filnet.actors.miner.proving`.

Two builtin-actors methods are deliberately absent and answer USR_UNHANDLED_MESSAGE, as builtin-actors does
for a method it lacks: ``ProveReplicaUpdates3`` (35), because filnet's proofs have no SNARK replica-update
(SnapDeals) proof, and ``ProveCommitSectorsNI`` (36), because filnet has no non-interactive PoRep and no
network enables an NI seal proof type on devnet. Their wire types are in :mod:`filnet.actors.miner.types`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import replace

from filnet.actors import manifest
from filnet.actors.encoding import as_uint
from filnet.actors.miner import commitment, proving
from filnet.actors.miner.beneficiary import BeneficiaryTerm, PendingBeneficiaryChange
from filnet.actors.miner.bitfield_queue import put_cbor
from filnet.actors.miner.methods import Method
from filnet.actors.miner.monies import (
    TERMINATION_LIFETIME_CAP,
    consensus_fault_penalty,
    initial_pledge_for_power,
    locked_reward_from_reward,
    pledge_penalty_for_continued_fault,
    pledge_penalty_for_termination,
)
from filnet.actors.miner.policy import reward_for_consensus_slash_report
from filnet.actors.miner.sectors import MAX_SECTOR_NUMBER
from filnet.actors.miner.state import CollisionPolicy, MinerInfo, MinerState, WorkerKeyChange
from filnet.actors.miner.support import (
    burn_funds,
    check_balance_invariants,
    check_control_addresses,
    check_peer_info,
    check_state_balance,
    check_valid_post_proof_type,
    control_addresses,
    get_miner_info,
    notify_pledge_changed,
    process_pending_worker,
    repay_debts_or_abort,
    request_current_epoch_block_reward,
    request_current_total_power,
    resolve_control_address,
    resolve_worker_address,
)
from filnet.actors.miner.types import (
    NO_DEADLINE,
    NO_PARTITION,
    ActiveBeneficiary,
    ApplyRewardParams,
    ChangeBeneficiaryParams,
    ChangeMultiaddrsParams,
    ChangeOwnerAddressParams,
    ChangePeerIDParams,
    ChangeWorkerAddressParams,
    CheckSectorProvenParams,
    CompactSectorNumbersParams,
    GenerateSectorLocationParams,
    GenerateSectorLocationReturn,
    GetAvailableBalanceReturn,
    GetBeneficiaryReturn,
    GetControlAddressesReturn,
    GetMultiaddrsReturn,
    GetNominalSectorExpirationReturn,
    GetOwnerReturn,
    GetPeerIDReturn,
    GetSectorSizeReturn,
    GetVestingFundsReturn,
    InitialPledgeReturn,
    IsControllingAddressParam,
    IsControllingAddressReturn,
    MaxTerminationFeeParams,
    MaxTerminationFeeReturn,
    MinerConstructorParams,
    ReportConsensusFaultParams,
    SectorLocation,
    SectorStatusCode,
    ValidateSectorStatusParams,
    ValidateSectorStatusReturn,
    WithdrawBalanceParams,
    WithdrawBalanceReturn,
)
from filnet.actors.shared import METHOD_SEND
from filnet.actors.singletons import INIT_ACTOR, REWARD_ACTOR
from filnet.core.address import Address, Protocol
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import DecodeError
from filnet.ipld import dagcbor
from filnet.params.network import EPOCHS_IN_DAY, ActorPolicy
from filnet.vm.dispatch import ActorCode, Handler
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime, decode_params, require_no_params

# -- construction ------------------------------------------------------------------------------------


def assign_proving_period_offset(
    policy: ActorPolicy, address: Address, current_epoch: ChainEpoch, blake2b: Callable[[bytes], bytes]
) -> ChainEpoch:
    """A pseudo-random offset in ``[0, proving period)``: blake2b of the address's CBOR and the epoch."""
    data = dagcbor.encode(bytes(address)) + struct.pack(">q", current_epoch)
    digest = blake2b(data)
    return ChainEpoch(int.from_bytes(digest[:8], "big") % policy.wpost_proving_period)


def current_proving_period_start(
    policy: ActorPolicy, current_epoch: ChainEpoch, offset: ChainEpoch
) -> ChainEpoch:
    """The latest epoch at or before ``current_epoch`` that is ``offset`` past a multiple of the period."""
    # Rust's % keeps the sign of the dividend.
    curr_modulus = abs(current_epoch) % policy.wpost_proving_period
    if current_epoch < 0:
        curr_modulus = -curr_modulus
    if curr_modulus >= offset:
        progress = curr_modulus - offset
    else:
        progress = policy.wpost_proving_period - (offset - curr_modulus)
    return ChainEpoch(current_epoch - progress)


def current_deadline_index(policy: ActorPolicy, current_epoch: ChainEpoch, period_start: ChainEpoch) -> int:
    """The index of the deadline ``current_epoch`` falls in."""
    return (current_epoch - period_start) // policy.wpost_challenge_window


def calculate_create_miner_deposit(rt: Runtime) -> TokenAmount:
    """FIP-0077: a new miner locks the pledge of a tenth of the minimum consensus power."""
    reward = request_current_epoch_block_reward(rt)
    power = request_current_total_power(rt)
    return initial_pledge_for_power(
        rt.policy.create_miner_deposit_power,
        reward.this_epoch_baseline_power,
        reward.this_epoch_reward_smoothed,
        power.quality_adj_power_smoothed,
        rt.total_fil_circ_supply,
        rt.curr_epoch - power.ramp_start_epoch,
        power.ramp_duration_epochs,
    )


def constructor(rt: Runtime, raw: bytes) -> bytes:
    """Create the miner's state for its owner, worker and proof type, locking the creation deposit."""
    params = decode_params(raw, MinerConstructorParams.from_ipld, "miner Constructor")
    rt.validate_immediate_caller_is(INIT_ACTOR)
    policy = rt.policy
    check_control_addresses(policy, params.control_addresses)
    check_peer_info(policy, params.peer_id, params.multi_addresses)
    check_valid_post_proof_type(policy, params.window_post_proof_type)

    balance = rt.current_balance
    deposit = calculate_create_miner_deposit(rt)
    if balance < deposit:
        raise ActorError(
            ExitCode.USR_INSUFFICIENT_FUNDS,
            f"not enough balance to lock for create miner deposit: sent balance {balance.atto} < deposit "
            f"{deposit.atto}",
        )
    owner = rt.resolve_address(params.owner)
    if owner is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"unable to resolve owner address: {params.owner}")
    worker = resolve_worker_address(rt, params.worker)
    controls = [resolve_control_address(rt, a) for a in params.control_addresses]

    current_epoch = rt.curr_epoch
    offset = assign_proving_period_offset(policy, rt.receiver, current_epoch, rt.hash_blake2b)
    period_start = current_proving_period_start(policy, current_epoch, offset)
    if period_start > current_epoch:
        raise ActorError(
            ExitCode.USR_ILLEGAL_STATE,
            f"computed proving period start {period_start} after current epoch {current_epoch}",
        )
    deadline_idx = current_deadline_index(policy, current_epoch, period_start)
    if deadline_idx >= policy.wpost_period_deadlines:
        raise ActorError(
            ExitCode.USR_ILLEGAL_STATE, f"computed proving deadline index {deadline_idx} invalid"
        )

    info = MinerInfo.new(
        owner.id,
        worker.id,
        [c.id for c in controls],
        params.peer_id,
        params.multi_addresses,
        params.window_post_proof_type,
    )
    store = rt.store
    info_cid = put_cbor(store, info.to_ipld())
    state = MinerState.new(policy, store, info_cid, period_start, deadline_idx)
    state, _ = state.add_locked_funds(store, current_epoch, deposit, policy.reward_vesting)
    rt.create_state(state)
    return b""


# -- control addresses and peer info ------------------------------------------------------------------


def control_addresses_method(rt: Runtime, raw: bytes) -> bytes:
    """The owner, worker and control addresses."""
    require_no_params(raw, "miner ControlAddresses")
    rt.validate_immediate_caller_accept_any()
    info = get_miner_info(rt.store, rt.state(MinerState))
    return GetControlAddressesReturn(info.owner, info.worker, info.control_addresses).encode()


def get_owner(rt: Runtime, raw: bytes) -> bytes:
    """The owner and any proposed new owner."""
    require_no_params(raw, "miner GetOwner")
    rt.validate_immediate_caller_accept_any()
    info = get_miner_info(rt.store, rt.state(MinerState))
    return GetOwnerReturn(info.owner, info.pending_owner_address).encode()


def is_controlling_address(rt: Runtime, raw: bytes) -> bytes:
    """Whether an address is the owner, the worker or a control address."""
    params = decode_params(raw, IsControllingAddressParam.from_ipld, "miner IsControllingAddress")
    rt.validate_immediate_caller_accept_any()
    resolved = rt.resolve_address(params.address)
    if resolved is None:
        return IsControllingAddressReturn(False).encode()
    info = get_miner_info(rt.store, rt.state(MinerState))
    return IsControllingAddressReturn(resolved in control_addresses(info)).encode()


def get_sector_size(rt: Runtime, raw: bytes) -> bytes:
    """The miner's sector size."""
    require_no_params(raw, "miner GetSectorSize")
    rt.validate_immediate_caller_accept_any()
    info = get_miner_info(rt.store, rt.state(MinerState))
    return GetSectorSizeReturn(info.sector_size).encode()


def get_available_balance(rt: Runtime, raw: bytes) -> bytes:
    """Balance less vesting funds, deposits, pledge and fee debt (negative while in debt)."""
    require_no_params(raw, "miner GetAvailableBalance")
    rt.validate_immediate_caller_accept_any()
    state = rt.state(MinerState)
    return GetAvailableBalanceReturn(state.get_available_balance(rt.current_balance)).encode()


def get_vesting_funds(rt: Runtime, raw: bytes) -> bytes:
    """The vesting schedule as (epoch, amount) pairs."""
    require_no_params(raw, "miner GetVestingFunds")
    rt.validate_immediate_caller_accept_any()
    funds = rt.state(MinerState).vesting_funds.load(rt.store)
    return GetVestingFundsReturn(tuple((f.epoch, f.amount) for f in funds)).encode()


def change_worker_address(rt: Runtime, raw: bytes) -> bytes:
    """Replace the control addresses now and schedule a worker change after the key change delay."""
    params = decode_params(raw, ChangeWorkerAddressParams.from_ipld, "miner ChangeWorkerAddress")
    check_control_addresses(rt.policy, params.new_control_addresses)
    new_worker = resolve_worker_address(rt, params.new_worker)
    controls = tuple(resolve_control_address(rt, a) for a in params.new_control_addresses)

    def update(state: MinerState) -> tuple[MinerState, None]:
        info = get_miner_info(rt.store, state)
        rt.validate_immediate_caller_is(info.owner)
        info = replace(info, control_addresses=controls)
        if new_worker != info.worker and info.pending_worker_key is None:
            effective_at = ChainEpoch(rt.curr_epoch + rt.policy.worker_key_change_delay)
            info = replace(info, pending_worker_key=WorkerKeyChange(new_worker, effective_at))
        return state.save_info(rt.store, info), None

    rt.transaction(MinerState, update)
    return b""


def confirm_change_worker_address(rt: Runtime, raw: bytes) -> bytes:
    """Make a scheduled worker change take effect, if its epoch has come."""
    require_no_params(raw, "miner ConfirmChangeWorkerAddress")

    def update(state: MinerState) -> tuple[MinerState, None]:
        info = get_miner_info(rt.store, state)
        rt.validate_immediate_caller_is(info.owner)
        state, _ = process_pending_worker(rt, info, state)
        return state, None

    rt.transaction(MinerState, update)
    return b""


def change_owner_address(rt: Runtime, raw: bytes) -> bytes:
    """Propose a new owner (called by the owner; proposing the owner itself cancels) or confirm one
    (called by the proposed owner with the same address)."""
    params = decode_params(raw, ChangeOwnerAddressParams.from_ipld, "miner ChangeOwnerAddress")
    new_address = params.new_owner
    if new_address.protocol is not Protocol.ID:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "owner address must be an ID address")

    def update(state: MinerState) -> tuple[MinerState, None]:
        info = get_miner_info(rt.store, state)
        pending = info.pending_owner_address
        if rt.caller == info.owner or pending is None:
            rt.validate_immediate_caller_is(info.owner)
            info = replace(info, pending_owner_address=new_address)
        else:
            rt.validate_immediate_caller_is(pending)
            if new_address != pending:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT, f"expected confirmation of {pending} got {new_address}"
                )
            # A beneficiary that was the old owner follows the owner; a pending beneficiary change is dropped.
            beneficiary = pending if info.beneficiary == info.owner else info.beneficiary
            info = replace(info, beneficiary=beneficiary, pending_beneficiary_term=None, owner=pending)
        if info.pending_owner_address is not None and info.pending_owner_address == info.owner:
            info = replace(info, pending_owner_address=None)
        return state.save_info(rt.store, info), None

    rt.transaction(MinerState, update)
    return b""


def get_peer_id(rt: Runtime, raw: bytes) -> bytes:
    """The miner's libp2p peer ID."""
    require_no_params(raw, "miner GetPeerID")
    rt.validate_immediate_caller_accept_any()
    return GetPeerIDReturn(get_miner_info(rt.store, rt.state(MinerState)).peer_id).encode()


def change_peer_id(rt: Runtime, raw: bytes) -> bytes:
    """Set the miner's libp2p peer ID."""
    params = decode_params(raw, ChangePeerIDParams.from_ipld, "miner ChangePeerID")
    check_peer_info(rt.policy, params.new_id, ())

    def update(state: MinerState) -> tuple[MinerState, None]:
        info = get_miner_info(rt.store, state)
        rt.validate_immediate_caller_is(*control_addresses(info))
        return state.save_info(rt.store, replace(info, peer_id=params.new_id)), None

    rt.transaction(MinerState, update)
    return b""


def get_multiaddrs(rt: Runtime, raw: bytes) -> bytes:
    """The miner's multiaddrs."""
    require_no_params(raw, "miner GetMultiaddrs")
    rt.validate_immediate_caller_accept_any()
    return GetMultiaddrsReturn(get_miner_info(rt.store, rt.state(MinerState)).multi_address).encode()


def change_multiaddrs(rt: Runtime, raw: bytes) -> bytes:
    """Set the miner's multiaddrs."""
    params = decode_params(raw, ChangeMultiaddrsParams.from_ipld, "miner ChangeMultiaddrs")
    check_peer_info(rt.policy, b"", params.new_multi_addrs)

    def update(state: MinerState) -> tuple[MinerState, None]:
        info = get_miner_info(rt.store, state)
        rt.validate_immediate_caller_is(*control_addresses(info))
        return state.save_info(rt.store, replace(info, multi_address=params.new_multi_addrs)), None

    rt.transaction(MinerState, update)
    return b""


# -- beneficiary (FIP-0029) ---------------------------------------------------------------------------


def change_beneficiary(rt: Runtime, raw: bytes) -> bytes:
    """Propose a beneficiary (owner), or approve the pending proposal (current or nominated beneficiary);
    the change takes effect once both have approved."""
    params = decode_params(raw, ChangeBeneficiaryParams.from_ipld, "miner ChangeBeneficiary")
    rt.validate_immediate_caller_accept_any()
    caller = rt.caller
    new_beneficiary = rt.resolve_address(params.new_beneficiary)
    if new_beneficiary is None:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"unable to resolve address: {params.new_beneficiary}"
        )

    def update(state: MinerState) -> tuple[MinerState, None]:
        info = get_miner_info(rt.store, state)
        if caller == info.owner:
            if new_beneficiary != info.owner:
                if params.new_quota.atto <= 0:
                    raise ActorError(
                        ExitCode.USR_ILLEGAL_ARGUMENT,
                        f"beneficial quota {params.new_quota.atto} must bigger than zero",
                    )
            else:
                if params.new_quota:
                    raise ActorError(
                        ExitCode.USR_ILLEGAL_ARGUMENT,
                        f"owner beneficial quota {params.new_quota.atto} must be zero",
                    )
                if params.new_expiration != 0:
                    raise ActorError(
                        ExitCode.USR_ILLEGAL_ARGUMENT,
                        f"owner beneficial expiration {params.new_expiration} must be zero",
                    )
            # A current beneficiary with nothing left to draw need not approve.
            approved_by_beneficiary = not info.beneficiary_term.available(rt.curr_epoch)
            pending = PendingBeneficiaryChange(
                new_beneficiary, params.new_quota, params.new_expiration, approved_by_beneficiary, False
            )
        elif info.pending_beneficiary_term is not None:
            pending = info.pending_beneficiary_term
            if caller != info.beneficiary and caller != pending.new_beneficiary:
                raise ActorError(
                    ExitCode.USR_FORBIDDEN,
                    f"message caller {caller} is neither proposal beneficiary{params.new_beneficiary} nor "
                    f"current beneficiary{info.beneficiary}",
                )
            if pending.new_beneficiary != new_beneficiary:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT,
                    f"new beneficiary address must be equal expect {pending.new_beneficiary}, but got "
                    f"{params.new_beneficiary}",
                )
            if pending.new_quota != params.new_quota:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT,
                    f"new beneficiary quota must be equal expect {pending.new_quota.atto}, but got "
                    f"{params.new_quota.atto}",
                )
            if pending.new_expiration != params.new_expiration:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT,
                    f"new beneficiary expire date must be equal expect {pending.new_expiration}, but got "
                    f"{params.new_expiration}",
                )
        else:
            raise ActorError(ExitCode.USR_FORBIDDEN, "No changeBeneficiary proposal exists")

        if caller == info.beneficiary:
            pending = replace(pending, approved_by_beneficiary=True)
        if caller == new_beneficiary:
            pending = replace(pending, approved_by_nominee=True)
        if pending.approved_by_beneficiary and pending.approved_by_nominee:
            used = info.beneficiary_term.used_quota if new_beneficiary == info.beneficiary else ZERO
            info = replace(
                info,
                beneficiary=new_beneficiary,
                beneficiary_term=BeneficiaryTerm(pending.new_quota, used, pending.new_expiration),
                pending_beneficiary_term=None,
            )
        else:
            info = replace(info, pending_beneficiary_term=pending)
        return state.save_info(rt.store, info), None

    rt.transaction(MinerState, update)
    return b""


def get_beneficiary(rt: Runtime, raw: bytes) -> bytes:
    """The active beneficiary with its term, and any proposed change."""
    require_no_params(raw, "miner GetBeneficiary")
    rt.validate_immediate_caller_accept_any()
    info = get_miner_info(rt.store, rt.state(MinerState))
    active = ActiveBeneficiary(info.beneficiary, info.beneficiary_term)
    return GetBeneficiaryReturn(active, info.pending_beneficiary_term).encode()


# -- funds --------------------------------------------------------------------------------------------


def apply_rewards(rt: Runtime, raw: bytes) -> bytes:
    """Lock the vesting share of a block reward just received and take the penalty from it (the reward
    actor calls this)."""
    params = decode_params(raw, ApplyRewardParams.from_ipld, "miner ApplyRewards")
    if params.reward.atto < 0:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "cannot lock up a negative amount of funds")
    if params.penalty.atto < 0:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "cannot penalize a negative amount of funds")

    def update(state: MinerState) -> tuple[MinerState, tuple[TokenAmount, TokenAmount]]:
        rt.validate_immediate_caller_is(REWARD_ACTOR)
        reward_to_lock, spec = locked_reward_from_reward(rt.policy, params.reward)
        unlocked_balance = state.get_unlocked_balance(rt.current_balance)
        if unlocked_balance < reward_to_lock:
            raise ActorError(
                ExitCode.USR_INSUFFICIENT_FUNDS,
                f"insufficient funds to lock, available: {unlocked_balance.atto}, requested: "
                f"{reward_to_lock.atto}",
            )
        state, newly_vested = state.add_locked_funds(rt.store, rt.curr_epoch, reward_to_lock, spec)
        pledge_delta = reward_to_lock - newly_vested
        state = state.apply_penalty(params.penalty)
        # Most often the reward alone pays the penalty; otherwise the rest becomes fee debt.
        state, to_burn, total_unlocked = state.repay_partial_debt_in_priority_order(
            rt.store, rt.curr_epoch, rt.current_balance
        )
        return state, (pledge_delta - total_unlocked, to_burn)

    pledge_delta, to_burn = rt.transaction(MinerState, update)
    notify_pledge_changed(rt, pledge_delta)
    burn_funds(rt, to_burn)
    check_state_balance(rt)
    return b""


def report_consensus_fault(rt: Runtime, raw: bytes) -> bytes:
    """Penalize the miner for a proven consensus fault, reward the reporter and bar the miner from
    block production for the ineligibility period."""
    params = decode_params(raw, ReportConsensusFaultParams.from_ipld, "miner ReportConsensusFault")
    rt.validate_immediate_caller_accept_any()
    reporter = rt.caller
    fault = rt.verify_consensus_fault(params.header1, params.header2, params.header_extra)
    if fault is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "No consensus fault found")
    if fault.target != rt.receiver:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"fault by {fault.target} reported to miner {rt.receiver}"
        )
    if rt.curr_epoch - fault.epoch <= 0:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"invalid fault epoch {fault.epoch} ahead of current {rt.curr_epoch}",
        )
    reward_stats = request_current_epoch_block_reward(rt)
    this_epoch_reward = TokenAmount(reward_stats.this_epoch_reward_smoothed.estimate())
    fault_penalty = consensus_fault_penalty(this_epoch_reward)
    slasher_reward = reward_for_consensus_slash_report(this_epoch_reward)

    def update(state: MinerState) -> tuple[MinerState, tuple[TokenAmount, TokenAmount, TokenAmount]]:
        info = get_miner_info(rt.store, state)
        if fault.epoch < info.consensus_fault_elapsed:
            raise ActorError(
                ExitCode.USR_FORBIDDEN,
                f"fault epoch {fault.epoch} is too old, last exclusion period ended at "
                f"{info.consensus_fault_elapsed}",
            )
        state = state.apply_penalty(fault_penalty)
        state, burn_amount, total_unlocked = state.repay_partial_debt_in_priority_order(
            rt.store, rt.curr_epoch, rt.current_balance
        )
        # The reporter is paid out of what was actually burnt, never more.
        reward_amount = min(burn_amount, slasher_reward)
        elapsed = ChainEpoch(rt.curr_epoch + rt.policy.consensus_fault_ineligibility_duration)
        state = state.save_info(rt.store, replace(info, consensus_fault_elapsed=elapsed))
        return state, (burn_amount - reward_amount, reward_amount, -total_unlocked)

    burn_amount, reward_amount, pledge_delta = rt.transaction(MinerState, update)
    # A failed reward send is logged and ignored by builtin-actors; the reward is then neither paid nor burnt.
    rt.send(reporter, METHOD_SEND, b"", reward_amount)
    burn_funds(rt, burn_amount)
    notify_pledge_changed(rt, pledge_delta)
    check_state_balance(rt)
    return b""


def withdraw_balance(rt: Runtime, raw: bytes) -> bytes:
    """Send up to ``amount_requested`` of the available balance to the beneficiary (within its quota)."""
    params = decode_params(raw, WithdrawBalanceParams.from_ipld, "miner WithdrawBalance")
    if params.amount_requested.atto < 0:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"negative fund requested for withdrawal: {params.amount_requested.atto}",
        )

    def update(
        state: MinerState,
    ) -> tuple[MinerState, tuple[MinerInfo, TokenAmount, TokenAmount, TokenAmount]]:
        info = get_miner_info(rt.store, state)
        rt.validate_immediate_caller_is(info.owner, info.beneficiary)
        if state.early_terminations:
            raise ActorError(
                ExitCode.USR_FORBIDDEN,
                f"cannot withdraw funds while {state.early_terminations.count()} deadlines have terminated "
                "sectors with outstanding fees",
            )
        state, newly_vested = state.unlock_vested_funds(rt.store, rt.curr_epoch)
        # The available balance already excludes fee debt, so it is computed before the debt is repaid.
        available_balance = state.get_available_balance(rt.current_balance)
        state, fee_to_burn = repay_debts_or_abort(rt, state)
        amount_withdrawn = min(available_balance, params.amount_requested)
        if amount_withdrawn.atto < 0:
            raise ActorError(
                ExitCode.USR_ILLEGAL_STATE, f"negative amount to withdraw: {amount_withdrawn.atto}"
            )
        if info.beneficiary != info.owner:
            remaining_quota = info.beneficiary_term.available(rt.curr_epoch)
            if not remaining_quota:
                term = info.beneficiary_term
                raise ActorError(
                    ExitCode.USR_FORBIDDEN,
                    f"beneficiary expiration of epoch {term.expiration} passed or quota of {term.quota.atto} "
                    f"depleted with {term.used_quota.atto} used",
                )
            amount_withdrawn = min(amount_withdrawn, remaining_quota)
            if amount_withdrawn.atto > 0:
                term = replace(
                    info.beneficiary_term, used_quota=info.beneficiary_term.used_quota + amount_withdrawn
                )
                info = replace(info, beneficiary_term=term)
                state = state.save_info(rt.store, info)
        return state, (info, amount_withdrawn, newly_vested, fee_to_burn)

    info, amount_withdrawn, newly_vested, fee_to_burn = rt.transaction(MinerState, update)
    if amount_withdrawn.atto > 0:
        rt.send(info.beneficiary, METHOD_SEND, b"", amount_withdrawn).unwrap("failed to withdraw balance")
    burn_funds(rt, fee_to_burn)
    notify_pledge_changed(rt, -newly_vested)
    check_state_balance(rt)
    return WithdrawBalanceReturn(amount_withdrawn).encode()


def repay_debt(rt: Runtime, raw: bytes) -> bytes:
    """Pay as much fee debt as vesting and unlocked funds allow."""
    require_no_params(raw, "miner RepayDebt")

    def update(state: MinerState) -> tuple[MinerState, tuple[TokenAmount, TokenAmount, MinerState]]:
        info = get_miner_info(rt.store, state)
        rt.validate_immediate_caller_is(*control_addresses(info))
        state, burn_amount, total_unlocked = state.repay_partial_debt_in_priority_order(
            rt.store, rt.curr_epoch, rt.current_balance
        )
        return state, (burn_amount, total_unlocked, state)

    burn_amount, total_unlocked, state = rt.transaction(MinerState, update)
    notify_pledge_changed(rt, -total_unlocked)
    burn_funds(rt, burn_amount)
    check_balance_invariants(state, rt.current_balance)
    return b""


# -- sector queries -----------------------------------------------------------------------------------


def check_sector_proven(rt: Runtime, raw: bytes) -> bytes:
    """Succeed if the sector has been proven (USR_NOT_FOUND otherwise)."""
    params = decode_params(raw, CheckSectorProvenParams.from_ipld, "miner CheckSectorProven")
    rt.validate_immediate_caller_accept_any()
    if params.sector_number > MAX_SECTOR_NUMBER:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "sector number out of range")
    if rt.state(MinerState).get_sector(rt.store, params.sector_number) is None:
        raise ActorError(ExitCode.USR_NOT_FOUND, f"sector {params.sector_number} not proven")
    return b""


def compact_sector_numbers(rt: Runtime, raw: bytes) -> bytes:
    """Mark sector numbers allocated so that the allocation bitfield stays small."""
    params = decode_params(raw, CompactSectorNumbersParams.from_ipld, "miner CompactSectorNumbers")
    mask = params.mask_sector_numbers
    if not mask:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "invalid mask bitfield")
    last = mask.last()
    if last > MAX_SECTOR_NUMBER:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"masked sector number {last} exceeded max sector number"
        )

    def update(state: MinerState) -> tuple[MinerState, None]:
        info = get_miner_info(rt.store, state)
        rt.validate_immediate_caller_is(*control_addresses(info))
        return state.allocate_sector_numbers(rt.store, mask, CollisionPolicy.AllowCollisions), None

    rt.transaction(MinerState, update)
    return b""


def max_termination_fee(rt: Runtime, raw: bytes) -> bytes:
    """The largest termination fee of a sector of this power and pledge, at today's reward and power."""
    params = decode_params(raw, MaxTerminationFeeParams.from_ipld, "miner MaxTerminationFee")
    rt.validate_immediate_caller_accept_any()
    reward_smoothed = request_current_epoch_block_reward(rt).this_epoch_reward_smoothed
    power_smoothed = request_current_total_power(rt).quality_adj_power_smoothed
    fault_fee = pledge_penalty_for_continued_fault(reward_smoothed, power_smoothed, params.power)
    max_fee = pledge_penalty_for_termination(
        params.initial_pledge, TERMINATION_LIFETIME_CAP * EPOCHS_IN_DAY, fault_fee
    )
    return MaxTerminationFeeReturn(max_fee).encode()


def initial_pledge(rt: Runtime, raw: bytes) -> bytes:
    """The miner's total initial pledge."""
    require_no_params(raw, "miner InitialPledge")
    rt.validate_immediate_caller_accept_any()
    return InitialPledgeReturn(rt.state(MinerState).initial_pledge).encode()


def _partition_status(
    rt: Runtime, state: MinerState, deadline_idx: int, partition_idx: int, sector: int
) -> tuple[bool, bool, bool]:
    partition = (
        state.load_deadlines(rt.store)
        .load_deadline(rt.store, deadline_idx)
        .load_partition(rt.store, partition_idx)
    )
    return sector in partition.sectors, sector in partition.terminated, sector in partition.faults


def generate_sector_location(rt: Runtime, raw: bytes) -> bytes:
    """A sector's status and location (expensive: searches every partition; meant for off-chain use)."""
    params = decode_params(raw, GenerateSectorLocationParams.from_ipld, "miner GenerateSectorLocation")
    rt.validate_immediate_caller_accept_any()
    state = rt.state(MinerState)
    number = params.sector_number
    if state.get_sector(rt.store, number) is None:
        location = SectorLocation(NO_DEADLINE, NO_PARTITION)
        return GenerateSectorLocationReturn(SectorStatusCode.DEAD, location.encode()).encode()
    try:
        deadline_idx, partition_idx = state.find_sector(rt.store, number)
    except ActorError as e:
        raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"failed to find sector location: {e.reason}") from None
    _, terminated, faulty = _partition_status(rt, state, deadline_idx, partition_idx, number)
    if terminated:
        status = SectorStatusCode.DEAD
    elif faulty:
        status = SectorStatusCode.FAULTY
    else:
        status = SectorStatusCode.ACTIVE
    location = SectorLocation(deadline_idx, partition_idx)
    return GenerateSectorLocationReturn(status, location.encode()).encode()


def validate_sector_status(rt: Runtime, raw: bytes) -> bytes:
    """Whether a sector has the claimed status at the location ``GenerateSectorLocation`` gave."""
    params = decode_params(raw, ValidateSectorStatusParams.from_ipld, "miner ValidateSectorStatus")
    rt.validate_immediate_caller_accept_any()
    state = rt.state(MinerState)
    try:
        location = SectorLocation.decode(params.aux_data)
    except DecodeError as e:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"invalid aux_data: {e}") from None
    no_deadline = location.deadline == NO_DEADLINE
    no_partition = location.partition == NO_PARTITION
    if no_deadline != no_partition:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            "invalid sector location: deadline and partition must both be NO or both be set",
        )
    number = params.sector_number
    if no_deadline:
        # The empty location can only confirm a sector that is gone from state entirely.
        if state.get_sector(rt.store, number) is None:
            return ValidateSectorStatusReturn(params.status is SectorStatusCode.DEAD).encode()
        raise ActorError(ExitCode.USR_NOT_FOUND, f"sector {number} not found at NO_DEADLINE, NO_PARTITION")
    # builtin-actors casts the indices to u64, so a negative one is a huge index: past the deadlines, and
    # an absent partition (-1 itself, the one index an AMT cannot hold, is NO_PARTITION, refused above).
    if location.deadline < 0:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"invalid deadline index {location.deadline % (1 << 64)}"
        )
    deadline = state.load_deadlines(rt.store).load_deadline(rt.store, location.deadline)
    partition = deadline.load_partition(rt.store, location.partition % (1 << 64))
    if number not in partition.sectors:
        raise ActorError(
            ExitCode.USR_NOT_FOUND,
            f"sector {number} not found at deadline {location.deadline} partition {location.partition}",
        )
    terminated = number in partition.terminated
    faulty = number in partition.faults
    if params.status is SectorStatusCode.ACTIVE:
        valid = not terminated and not faulty
    elif params.status is SectorStatusCode.DEAD:
        valid = terminated
    else:
        valid = faulty
    return ValidateSectorStatusReturn(valid).encode()


def get_nominal_sector_expiration(rt: Runtime, raw: bytes) -> bytes:
    """A sector's scheduled expiration (its params are the bare sector number)."""
    number = decode_params(raw, lambda v: as_uint(v, "sector number"), "miner GetNominalSectorExpiration")
    rt.validate_immediate_caller_accept_any()
    sector = rt.state(MinerState).get_sector(rt.store, number)
    if sector is None:
        raise ActorError(ExitCode.USR_NOT_FOUND, f"sector {number} not found")
    return GetNominalSectorExpirationReturn(sector.expiration).encode()


_METHODS: dict[int, Handler] = {
    Method.CONSTRUCTOR: constructor,
    Method.CONTROL_ADDRESSES: control_addresses_method,
    Method.CHANGE_WORKER_ADDRESS: change_worker_address,
    Method.CHANGE_WORKER_ADDRESS_EXPORTED: change_worker_address,
    Method.CHANGE_PEER_ID: change_peer_id,
    Method.CHANGE_PEER_ID_EXPORTED: change_peer_id,
    Method.SUBMIT_WINDOWED_POST: proving.submit_windowed_post,
    Method.TERMINATE_SECTORS: proving.terminate_sectors,
    Method.DECLARE_FAULTS: proving.declare_faults,
    Method.DECLARE_FAULTS_RECOVERED: proving.declare_faults_recovered,
    Method.ON_DEFERRED_CRON_EVENT: proving.on_deferred_cron_event,
    Method.CHECK_SECTOR_PROVEN: check_sector_proven,
    Method.APPLY_REWARDS: apply_rewards,
    Method.REPORT_CONSENSUS_FAULT: report_consensus_fault,
    Method.WITHDRAW_BALANCE: withdraw_balance,
    Method.WITHDRAW_BALANCE_EXPORTED: withdraw_balance,
    Method.INTERNAL_SECTOR_SETUP_FOR_PRESEAL: commitment.internal_sector_setup_preseal,
    Method.CHANGE_MULTIADDRS: change_multiaddrs,
    Method.CHANGE_MULTIADDRS_EXPORTED: change_multiaddrs,
    Method.COMPACT_PARTITIONS: proving.compact_partitions,
    Method.COMPACT_SECTOR_NUMBERS: compact_sector_numbers,
    Method.CONFIRM_CHANGE_WORKER_ADDRESS: confirm_change_worker_address,
    Method.CONFIRM_CHANGE_WORKER_ADDRESS_EXPORTED: confirm_change_worker_address,
    Method.REPAY_DEBT: repay_debt,
    Method.REPAY_DEBT_EXPORTED: repay_debt,
    Method.CHANGE_OWNER_ADDRESS: change_owner_address,
    Method.CHANGE_OWNER_ADDRESS_EXPORTED: change_owner_address,
    Method.DISPUTE_WINDOWED_POST: proving.dispute_windowed_post,
    Method.PRE_COMMIT_SECTOR_BATCH2: commitment.pre_commit_sector_batch2,
    Method.CHANGE_BENEFICIARY: change_beneficiary,
    Method.CHANGE_BENEFICIARY_EXPORTED: change_beneficiary,
    Method.GET_BENEFICIARY: get_beneficiary,
    Method.GET_BENEFICIARY_EXPORTED: get_beneficiary,
    Method.EXTEND_SECTOR_EXPIRATION2: proving.extend_sector_expiration2,
    Method.GET_OWNER_EXPORTED: get_owner,
    Method.IS_CONTROLLING_ADDRESS_EXPORTED: is_controlling_address,
    Method.GET_SECTOR_SIZE_EXPORTED: get_sector_size,
    Method.GET_AVAILABLE_BALANCE_EXPORTED: get_available_balance,
    Method.GET_VESTING_FUNDS_EXPORTED: get_vesting_funds,
    Method.GET_PEER_ID_EXPORTED: get_peer_id,
    Method.GET_MULTIADDRS_EXPORTED: get_multiaddrs,
    Method.PROVE_COMMIT_SECTORS3: commitment.prove_commit_sectors3,
    Method.MAX_TERMINATION_FEE_EXPORTED: max_termination_fee,
    Method.INITIAL_PLEDGE_EXPORTED: initial_pledge,
    Method.GENERATE_SECTOR_LOCATION_EXPORTED: generate_sector_location,
    Method.VALIDATE_SECTOR_STATUS_EXPORTED: validate_sector_status,
    Method.GET_NOMINAL_SECTOR_EXPIRATION_EXPORTED: get_nominal_sector_expiration,
}


ACTOR = ActorCode(manifest.MINER, {int(method): handler for method, handler in _METHODS.items()})
