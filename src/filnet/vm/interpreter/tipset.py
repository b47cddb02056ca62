"""Applying a tipset: every block's messages, a block reward per block, and cron (Lotus ``ApplyBlocks``).

Order: cron runs once for each null round between the parent tipset and this one; then each block's
messages in block order (a message included by two blocks runs once, where it first appears), each block's
``AwardBlockReward`` right after its messages with the tips and penalties they earned; then one cron tick.
The receipts, in execution order, go into a block-level AMT (go-amt-ipld v2 root) whose CID the next
tipset's headers carry as ``ParentMessageReceipts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from filnet.chain.message import Message, SignedMessage
from filnet.core.address import Address
from filnet.core.token import ZERO
from filnet.core.types import ChainEpoch
from filnet.errors import FilnetError
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.vm.exit_codes import ExitCode
from filnet.vm.interpreter.apply import (
    ApplyResult,
    apply_implicit_message,
    apply_message,
    apply_signed_message,
    cron_message,
    reward_message,
)
from filnet.vm.interpreter.machine import Machine
from filnet.vm.receipt import Receipt


class ImplicitMessageFailed(FilnetError):
    """A block reward or cron tick failed: the state cannot advance (Lotus treats this as fatal)."""


@dataclass(frozen=True, slots=True)
class BlockMessages:
    """One block's miner, election win count and messages (BLS ones unsigned, the rest signed)."""

    miner: Address
    win_count: int
    messages: tuple[Message | SignedMessage, ...]


@dataclass(frozen=True, slots=True)
class TipsetResult:
    """The new state root, the receipts of the explicit messages and their AMT root."""

    state_root: CID
    receipts: tuple[Receipt, ...]
    receipts_root: CID


def apply_tipset(machine: Machine, parent_epoch: int, blocks: Sequence[BlockMessages]) -> TipsetResult:
    """Apply a tipset at ``machine.epoch`` whose parent was at ``parent_epoch``; flush the state."""
    epoch = machine.epoch
    if parent_epoch >= epoch:
        raise FilnetError(f"parent epoch {parent_epoch} is not below the tipset's epoch {epoch}")
    for null_round in range(parent_epoch + 1, epoch):
        machine.epoch = ChainEpoch(null_round)
        _run_implicit(machine, cron_message(null_round), "cron")
    machine.epoch = epoch

    receipts: list[Receipt] = []
    seen: set[CID] = set()
    for block in blocks:
        penalty, gas_reward = ZERO, ZERO
        for message in block.messages:
            if message.cid in seen:
                continue
            seen.add(message.cid)
            result = _apply(machine, message)
            receipts.append(result.receipt)
            penalty = penalty + result.miner_penalty
            gas_reward = gas_reward + result.miner_tip
        award = reward_message(epoch, block.miner, penalty, gas_reward, block.win_count)
        _run_implicit(machine, award, f"block reward for {block.miner}")
    _run_implicit(machine, cron_message(epoch), "cron")
    return TipsetResult(machine.flush(), tuple(receipts), receipts_root(machine.store, receipts))


def receipts_root(store: Blockstore, receipts: Sequence[Receipt]) -> CID:
    """The block-level AMT of ``receipts`` in order."""
    array = Amt(store, legacy_root=True)
    for index, receipt in enumerate(receipts):
        array.set(index, receipt.to_ipld())
    return array.flush()


def _apply(machine: Machine, message: Message | SignedMessage) -> ApplyResult:
    """Apply a block message: signed ones have their signature checked, BLS ones were checked in aggregate."""
    if isinstance(message, SignedMessage):
        return apply_signed_message(machine, message)
    return apply_message(machine, message, len(message.encode()))


def _run_implicit(machine: Machine, message: Message, what: str) -> None:
    """Apply a system message that must succeed."""
    result = apply_implicit_message(machine, message)
    if result.receipt.exit_code is not ExitCode.OK:
        raise ImplicitMessageFailed(f"{what} at epoch {machine.epoch} failed: {result.failure}")
