"""Invariants of a multisig's state, checked after every test (builtin-actors ``multisig::testing``)."""

from __future__ import annotations

from filnet.actors.multisig.state import MultisigState, PendingTransactions
from filnet.actors.multisig.types import SIGNERS_MAX
from filnet.errors import FilnetError
from filnet.ipld.blockstore import Blockstore


def check_state_invariants(state: MultisigState, store: Blockstore) -> list[str]:
    """Every invariant ``state`` breaks, as messages (empty when it is sound)."""
    problems: list[str] = []
    if len(state.signers) > SIGNERS_MAX:
        problems.append(f"multisig has too many signers: {len(state.signers)}")
    if len(set(state.signers)) != len(state.signers):
        problems.append("multisig has duplicate signers")
    if len(state.signers) < state.num_approvals_threshold:
        problems.append(
            f"multisig has insufficient signers to meet threshold "
            f"({len(state.signers)} < {state.num_approvals_threshold})"
        )
    # specs-actors#1185: a multisig without vesting carries no schedule at all
    if state.unlock_duration == 0:
        if state.start_epoch != 0:
            problems.append(f"non-zero start epoch {state.start_epoch} with zero unlock duration")
        if state.initial_balance:
            problems.append(f"non-zero locked balance {state.initial_balance} with zero unlock duration")
    max_txn_id = -1
    try:
        for txn_id, txn in PendingTransactions(store, state.pending_txs).items():
            max_txn_id = max(max_txn_id, txn_id)
            for approver in txn.approved:
                if approver not in state.signers:
                    problems.append(f"approval {approver} for transaction {txn_id} is not in signers list")
            if len(set(txn.approved)) != len(txn.approved):
                problems.append(f"duplicate approval for transaction {txn_id}")
            if len(set(txn.approved)) >= state.num_approvals_threshold:
                problems.append(
                    f"number of approvals ({len(set(txn.approved))}) meets the approvals threshold "
                    f"({state.num_approvals_threshold}), transaction {txn_id} should not be pending"
                )
    except FilnetError as e:
        problems.append(f"error loading transactions: {e}")
    if state.next_tx_id <= max_txn_id:
        problems.append(f"next transaction id {state.next_tx_id} is not greater than pending ids")
    return problems
