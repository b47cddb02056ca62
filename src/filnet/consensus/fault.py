"""Consensus fault reports: do two (or three) block headers prove that a miner cheated?

The rules are Lotus's ``VerifyConsensusFault`` syscall (``chain/vm/syscalls.go``), which the miner actor's
``ReportConsensusFault`` relies on:

1. the two headers differ, decode, were mined by the same miner, and the first is not higher than the second;
2. the fault is **double-fork mining** (both at one height), **time-offset mining** (same parents, so the
   miner mined twice on one tipset at different epochs) or **parent grinding** (the third header ``extra`` is
   a sibling of the first at the same height and parents, is a parent of the second, and the first is not:
   the miner left its own block out of the tipset it built on); when several apply the last one listed wins,
   as in Lotus;
3. both headers carry valid signatures by the miner's worker key as of their height, which must be within
   finality of the current epoch (the lookback state is gone after that).

Anything else is "no fault" (None), never an error: a report is just refused.
"""

from __future__ import annotations

from collections.abc import Callable

from filnet.actors import manifest as names
from filnet.actors.account.state import AccountState
from filnet.actors.miner.state import MinerState
from filnet.chain.block import BlockHeader
from filnet.core.address import Address, Protocol
from filnet.core.types import ChainEpoch
from filnet.crypto.signature import is_valid_signature
from filnet.errors import FilnetError
from filnet.vm.runtime import ConsensusFault, ConsensusFaultChecker, ConsensusFaultType
from filnet.vm.state_tree import StateTree

WorkerKeyLookup = Callable[[Address, ChainEpoch], Address | None]
"""The f1/f3 worker key of a miner as of an epoch's lookback state, or None when it cannot be known."""


def verify_consensus_fault(
    header1: bytes,
    header2: bytes,
    extra: bytes,
    *,
    current_epoch: ChainEpoch,
    chain_finality: int,
    worker_key_at: WorkerKeyLookup,
) -> ConsensusFault | None:
    """The fault ``header1`` and ``header2`` (and ``extra``) prove, or None."""
    if header1 == header2:
        return None
    try:
        a, b = BlockHeader.decode(header1), BlockHeader.decode(header2)
        c = BlockHeader.decode(extra) if extra else None
    except FilnetError:
        return None
    if a.miner != b.miner or b.height < a.height:
        return None
    fault: ConsensusFaultType | None = None
    if a.height == b.height:
        fault = ConsensusFaultType.DOUBLE_FORK_MINING
    if a.parents == b.parents:
        fault = ConsensusFaultType.TIME_OFFSET_MINING
    if (
        c is not None
        and c.parents == a.parents
        and c.height == a.height
        and c.cid in b.parents
        and a.cid not in b.parents
    ):
        fault = ConsensusFaultType.PARENT_GRINDING
    if fault is None:
        return None
    for block in (a, b):
        if not _signed_by_worker(block, current_epoch, chain_finality, worker_key_at):
            return None
    return ConsensusFault(a.miner, b.height, fault)


def _signed_by_worker(
    block: BlockHeader, current_epoch: ChainEpoch, chain_finality: int, worker_key_at: WorkerKeyLookup
) -> bool:
    """Whether the block's signature is its miner's worker key's, at a height whose lookback is known."""
    if block.height < current_epoch - chain_finality or block.block_sig is None:
        return False
    worker = worker_key_at(block.miner, block.height)
    if worker is None:
        return False
    try:
        return is_valid_signature(block.block_sig, worker, block.signing_bytes())
    except FilnetError:
        return False


def worker_keys_of(tree: StateTree) -> WorkerKeyLookup:
    """A lookup of miners' worker keys in one state (the node passes each block's lookback state)."""

    def lookup(miner: Address, epoch: ChainEpoch) -> Address | None:
        actor = tree.get_actor(miner) if miner.protocol is Protocol.ID else None
        if actor is None or tree.actor_name(actor) != names.MINER:
            return None
        try:
            worker = MinerState.decode(tree.store.get(actor.head)).get_info(tree.store).worker
            account = tree.get_actor(worker)
            if account is None or tree.actor_name(account) != names.ACCOUNT:
                return None
            return AccountState.decode(tree.store.get(account.head)).address
        except FilnetError:
            return None

    return lookup


def consensus_fault_checker(
    current_epoch: ChainEpoch, chain_finality: int, worker_key_at: WorkerKeyLookup
) -> ConsensusFaultChecker:
    """The checker a machine executing at ``current_epoch`` hands the miner actor."""

    def check(header1: bytes, header2: bytes, extra: bytes) -> ConsensusFault | None:
        return verify_consensus_fault(
            header1,
            header2,
            extra,
            current_epoch=current_epoch,
            chain_finality=chain_finality,
            worker_key_at=worker_key_at,
        )

    return check
