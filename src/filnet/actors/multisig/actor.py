"""The multisig actor's methods (builtin-actors ``fil_actor_multisig::Actor``).

A signer proposes a send; it runs once ``num_approvals_threshold`` signers have approved it (the proposer's
proposal counts as its approval). Signer management (add, remove, swap, threshold, vesting) is only possible
through the multisig itself, that is by a proposal sending to the multisig's own address. Value that the
vesting schedule still locks cannot leave, but a send of zero always can.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from filnet.actors import manifest
from filnet.actors.encoding import as_bytes, as_uint, fields
from filnet.actors.multisig.methods import Method
from filnet.actors.multisig.state import MultisigState, PendingTransactions, Transaction
from filnet.actors.multisig.types import (
    SIGNERS_MAX,
    AddSignerParams,
    ApproveReturn,
    ChangeNumApprovalsThresholdParams,
    ConstructorParams,
    LockBalanceParams,
    ProposeParams,
    ProposeReturn,
    RemoveSignerParams,
    SwapSignerParams,
    TxnIDParams,
)
from filnet.actors.shared import accept_exported_methods, resolve_to_actor_id
from filnet.core.address import Address
from filnet.core.token import ZERO
from filnet.core.types import ChainEpoch
from filnet.errors import DecodeError
from filnet.vm.dispatch import ActorCode
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime, decode_params

INIT_ACTOR = Address.new_id(1)

#: What ``execute_if_approved`` reports: whether the send ran, its exit code and its return bytes.
Outcome = tuple[bool, int, bytes]
_NOT_APPLIED: Outcome = (False, ExitCode.OK, b"")


def constructor(rt: Runtime, raw: bytes) -> bytes:
    """Create the multisig with its signers (resolved to ID addresses), threshold and optional vesting."""
    params = decode_params(raw, ConstructorParams.from_ipld, "multisig Constructor")
    rt.validate_immediate_caller_is(INIT_ACTOR)
    if not params.signers:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "must have at least one signer")
    if len(params.signers) > SIGNERS_MAX:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"cannot add more than {SIGNERS_MAX} signers")
    signers: list[Address] = []
    for signer in params.signers:
        resolved = resolve_to_actor_id(rt, signer, check_existence=True)
        if resolved in signers:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"duplicate signer not allowed: {signer}")
        signers.append(resolved)
    if params.num_approvals_threshold > len(signers):
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "must not require more approvals than signers")
    if params.num_approvals_threshold < 1:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "must require at least one approval")
    if params.unlock_duration < 0:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "negative unlock duration disallowed")
    state = MultisigState(
        signers=tuple(signers),
        num_approvals_threshold=params.num_approvals_threshold,
        next_tx_id=0,
        initial_balance=ZERO,
        start_epoch=ChainEpoch(0),
        unlock_duration=ChainEpoch(0),
        pending_txs=PendingTransactions(rt.store).flush(),
    )
    # Only a vesting multisig records its schedule: the value it was created with is what vests.
    if params.unlock_duration != 0:
        state = state.with_locked(params.start_epoch, params.unlock_duration, rt.value_received)
    rt.create_state(state)
    return b""


def propose(rt: Runtime, raw: bytes) -> bytes:
    """Record a proposed send as a pending transaction, approved by its proposer; run it if that suffices."""
    params = decode_params(raw, ProposeParams.from_ipld, "multisig Propose")
    rt.validate_immediate_caller_accept_any()
    proposer = rt.caller
    if params.value.atto < 0:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"proposed value must be non-negative, was {params.value.atto}"
        )

    def add(state: MultisigState) -> tuple[MultisigState, tuple[int, Transaction]]:
        if not state.is_signer(proposer):
            raise ActorError(ExitCode.USR_FORBIDDEN, f"{proposer} is not a signer")
        txn_id = state.next_tx_id
        txn = Transaction(params.to, params.value, params.method, params.params, ())
        txns = PendingTransactions(rt.store, state.pending_txs)
        txns.set(txn_id, txn)
        return replace(state, next_tx_id=txn_id + 1, pending_txs=txns.flush()), (txn_id, txn)

    txn_id, txn = rt.transaction(MultisigState, add)
    applied, code, ret = _approve_transaction(rt, txn_id, txn)
    return ProposeReturn(txn_id, applied, code, ret).encode()


def approve(rt: Runtime, raw: bytes) -> bytes:
    """Approve a pending transaction; run it once enough signers have (or if the threshold already is met)."""
    params = decode_params(raw, TxnIDParams.from_ipld, "multisig Approve")
    rt.validate_immediate_caller_accept_any()
    approver = rt.caller
    state = rt.state(MultisigState)
    if not state.is_signer(approver):
        raise ActorError(ExitCode.USR_FORBIDDEN, f"{approver} is not a signer")
    txn = _get_transaction(rt, state, params.id, params.proposal_hash)
    # A threshold lowered since the last approval may already be met: run without recording this one.
    outcome = _execute_if_approved(rt, state, params.id, txn)
    if not outcome[0]:
        outcome = _approve_transaction(rt, params.id, txn)
    return ApproveReturn(*outcome).encode()


def cancel(rt: Runtime, raw: bytes) -> bytes:
    """Withdraw a pending transaction; only its proposer (first approver) may."""
    params = decode_params(raw, TxnIDParams.from_ipld, "multisig Cancel")
    rt.validate_immediate_caller_accept_any()
    caller = rt.caller

    def remove(state: MultisigState) -> tuple[MultisigState, None]:
        if not state.is_signer(caller):
            raise ActorError(ExitCode.USR_FORBIDDEN, f"{caller} is not a signer")
        txns = PendingTransactions(rt.store, state.pending_txs)
        txn = txns.get(params.id)
        if txn is None:
            raise ActorError(ExitCode.USR_NOT_FOUND, f"no such transaction {params.id} to cancel")
        txns.delete(params.id)
        if not txn.approved or txn.approved[0] != caller:
            raise ActorError(ExitCode.USR_FORBIDDEN, "cannot cancel another signer's transaction")
        # builtin-actors answers a wrong hash here with USR_ILLEGAL_STATE (Approve: USR_ILLEGAL_ARGUMENT).
        if params.proposal_hash and params.proposal_hash != txn.proposal_hash():
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, "hash does not match proposal params")
        return replace(state, pending_txs=txns.flush()), None

    rt.transaction(MultisigState, remove)
    return b""


def add_signer(rt: Runtime, raw: bytes) -> bytes:
    """Add a signer (resolved to an ID address; it must exist), raising the threshold if asked."""
    params = decode_params(raw, AddSignerParams.from_ipld, "multisig AddSigner")
    rt.validate_immediate_caller_is(rt.receiver)
    signer = resolve_to_actor_id(rt, params.signer, check_existence=True)

    def add(state: MultisigState) -> tuple[MultisigState, None]:
        if len(state.signers) >= SIGNERS_MAX:
            raise ActorError(ExitCode.USR_FORBIDDEN, f"cannot add more than {SIGNERS_MAX} signers")
        if state.is_signer(signer):
            raise ActorError(ExitCode.USR_FORBIDDEN, f"{signer} is already a signer")
        threshold = state.num_approvals_threshold + (1 if params.increase else 0)
        return replace(state, signers=(*state.signers, signer), num_approvals_threshold=threshold), None

    rt.transaction(MultisigState, add)
    return b""


def remove_signer(rt: Runtime, raw: bytes) -> bytes:
    """Remove a signer and its approvals, lowering the threshold if asked (or if it must)."""
    params = decode_params(raw, RemoveSignerParams.from_ipld, "multisig RemoveSigner")
    rt.validate_immediate_caller_is(rt.receiver)
    signer = resolve_to_actor_id(rt, params.signer, check_existence=False)

    def remove(state: MultisigState) -> tuple[MultisigState, None]:
        if not state.is_signer(signer):
            raise ActorError(ExitCode.USR_FORBIDDEN, f"{signer} is not a signer")
        if len(state.signers) == 1:
            raise ActorError(ExitCode.USR_FORBIDDEN, "cannot remove the only signer")
        threshold = state.num_approvals_threshold
        if not params.decrease and len(state.signers) - 1 < threshold:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"can't reduce signers to {len(state.signers) - 1} below threshold {threshold} "
                "with decrease=false",
            )
        if params.decrease:
            if threshold < 2:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT,
                    f"can't decrease approvals from {threshold} to {threshold - 1}",
                )
            threshold -= 1
        purged = state.purge_approvals(rt.store, signer)
        signers = tuple(s for s in state.signers if s != signer)
        return replace(purged, signers=signers, num_approvals_threshold=threshold), None

    rt.transaction(MultisigState, remove)
    return b""


def swap_signer(rt: Runtime, raw: bytes) -> bytes:
    """Replace a signer by another (which must exist); the old signer's approvals go."""
    params = decode_params(raw, SwapSignerParams.from_ipld, "multisig SwapSigner")
    rt.validate_immediate_caller_is(rt.receiver)
    old = resolve_to_actor_id(rt, params.from_, check_existence=False)
    new = resolve_to_actor_id(rt, params.to, check_existence=True)

    def swap(state: MultisigState) -> tuple[MultisigState, None]:
        if not state.is_signer(old):
            raise ActorError(ExitCode.USR_FORBIDDEN, f"{old} is not a signer")
        if state.is_signer(new):
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"{new} is already a signer")
        # the new signer goes last, as builtin-actors' retain-then-push leaves it
        signers = (*(s for s in state.signers if s != old), new)
        return replace(state.purge_approvals(rt.store, old), signers=signers), None

    rt.transaction(MultisigState, swap)
    return b""


def change_num_approvals_threshold(rt: Runtime, raw: bytes) -> bytes:
    """Set the number of approvals a transaction needs (1 to the number of signers)."""
    params = decode_params(
        raw, ChangeNumApprovalsThresholdParams.from_ipld, "multisig ChangeNumApprovalsThreshold"
    )
    rt.validate_immediate_caller_is(rt.receiver)

    def change(state: MultisigState) -> tuple[MultisigState, None]:
        if params.new_threshold == 0 or params.new_threshold > len(state.signers):
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, f"new threshold {params.new_threshold} not supported"
            )
        return replace(state, num_approvals_threshold=params.new_threshold), None

    rt.transaction(MultisigState, change)
    return b""


def lock_balance(rt: Runtime, raw: bytes) -> bytes:
    """Set a vesting schedule on a multisig that has none (locks may start in the past or the future)."""
    params = decode_params(raw, LockBalanceParams.from_ipld, "multisig LockBalance")
    rt.validate_immediate_caller_is(rt.receiver)
    if params.unlock_duration <= 0:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "unlock duration must be positive")
    if params.amount.atto < 0:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "amount to lock must be positive")

    def lock(state: MultisigState) -> tuple[MultisigState, None]:
        if state.unlock_duration != 0:
            raise ActorError(ExitCode.USR_FORBIDDEN, "modification of unlock disallowed")
        return state.with_locked(params.start_epoch, params.unlock_duration, params.amount), None

    rt.transaction(MultisigState, lock)
    return b""


def universal_receiver_hook(rt: Runtime, raw: bytes) -> bytes:
    """Accept any token transfer notification (FRC-46 ``Receive``), so long as its params are well formed."""
    decode_params(raw, _parse_receiver_params, "multisig Receive")
    rt.validate_immediate_caller_accept_any()
    return b""


def _parse_receiver_params(raw: Any) -> tuple[int, bytes]:
    """``UniversalReceiverParams``: ``[type (u32), payload]``."""
    type_, payload = fields(raw, 2, "UniversalReceiverParams")
    kind = as_uint(type_, "UniversalReceiverParams.type")
    if kind > 0xFFFFFFFF:
        raise DecodeError(f"UniversalReceiverParams.type {kind} exceeds u32")
    return kind, as_bytes(payload, "UniversalReceiverParams.payload")


def _get_transaction(rt: Runtime, state: MultisigState, txn_id: int, proposal_hash: bytes) -> Transaction:
    """Pending transaction ``txn_id``; with a proposal hash, it must be the transaction that hash names."""
    txn = PendingTransactions(rt.store, state.pending_txs).get(txn_id)
    if txn is None:
        raise ActorError(ExitCode.USR_NOT_FOUND, f"no such transaction {txn_id} for approval")
    if proposal_hash and proposal_hash != txn.proposal_hash():
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            "hash does not match proposal params (ensure requester is an ID address)",
        )
    return txn


def _approve_transaction(rt: Runtime, txn_id: int, txn: Transaction) -> Outcome:
    """Record the caller's approval of ``txn``, then run it if the threshold is met."""
    approver = rt.caller
    if approver in txn.approved:
        raise ActorError(ExitCode.USR_FORBIDDEN, f"{approver} already approved this message")
    approved = replace(txn, approved=(*txn.approved, approver))

    def record(state: MultisigState) -> tuple[MultisigState, MultisigState]:
        txns = PendingTransactions(rt.store, state.pending_txs)
        txns.set(txn_id, approved)
        updated = replace(state, pending_txs=txns.flush())
        return updated, updated

    state = rt.transaction(MultisigState, record)
    return _execute_if_approved(rt, state, txn_id, approved)


def _execute_if_approved(rt: Runtime, state: MultisigState, txn_id: int, txn: Transaction) -> Outcome:
    """Run ``txn`` if it has enough approvals: check vesting, drop it from the pending set, send.

    The send's failure does not fail the approval: its exit code (as a caller would abort with it) and
    return bytes are reported instead, and the transaction stays removed.
    """
    if len(txn.approved) < state.num_approvals_threshold:
        return _NOT_APPLIED
    state.check_available(rt.current_balance, txn.value, rt.curr_epoch)

    def remove(current: MultisigState) -> tuple[MultisigState, None]:
        txns = PendingTransactions(rt.store, current.pending_txs)
        txns.delete(txn_id)
        return replace(current, pending_txs=txns.flush()), None

    rt.transaction(MultisigState, remove)
    result = rt.send(txn.to, txn.method, txn.params, txn.value)
    if result.ok:
        return True, ExitCode.OK, result.return_data
    return True, result.caller_exit_code, result.return_data


ACTOR = ActorCode(
    manifest.MULTISIG,
    {
        Method.CONSTRUCTOR: constructor,
        Method.PROPOSE: propose,
        Method.APPROVE: approve,
        Method.CANCEL: cancel,
        Method.ADD_SIGNER: add_signer,
        Method.REMOVE_SIGNER: remove_signer,
        Method.SWAP_SIGNER: swap_signer,
        Method.CHANGE_NUM_APPROVALS_THRESHOLD: change_num_approvals_threshold,
        Method.LOCK_BALANCE: lock_balance,
        Method.UNIVERSAL_RECEIVER_HOOK: universal_receiver_hook,
    },
    accept_exported_methods,
)
