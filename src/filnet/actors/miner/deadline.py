"""The sectors due at one deadline of the proving period (builtin-actors ``deadline_state.rs`` and the
``Deadlines`` part of ``deadlines.rs``).

A :class:`Deadline` holds its partitions (AMT bit width 3), a queue of the partitions that may have
sectors expiring at each quantized epoch (AMT bit width 5), which partitions were proven in the current
window, the optimistically accepted PoSts (AMT bit width 2) and the snapshots a dispute checks them against.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Protocol

from filnet.actors.encoding import CborTuple, as_bigint, as_cid, as_list, as_uint, decode_block, fields
from filnet.actors.miner.bitfield_queue import (
    BitFieldQueue,
    decode_bitfield,
    encode_bitfield,
    illegal_state,
    load_amt,
    new_amt,
    put_cbor,
    state_context,
)
from filnet.actors.miner.expiration_queue import ExpirationSet
from filnet.actors.miner.partition import Partition
from filnet.actors.miner.quantize import QuantSpec
from filnet.actors.miner.sector_map import PartitionSectorMap
from filnet.actors.miner.sectors import SECTORS_AMT_BITWIDTH, PowerPair, SectorOnChainInfo, Sectors
from filnet.actors.miner.termination import TerminationResult
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import InvalidInput, NotFound
from filnet.ipld.amt import Amt
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.params.network import ActorPolicy
from filnet.proofs.onchain import PoStProof
from filnet.vm.exit_codes import ActorError, ExitCode

DEADLINE_PARTITIONS_AMT_BITWIDTH: Final = 3
DEADLINE_EXPIRATIONS_AMT_BITWIDTH: Final = 5
DEADLINE_OPTIMISTIC_POST_SUBMISSIONS_AMT_BITWIDTH: Final = 2
_EMPTY: Final = BitField()


def _sub_count(a: int, b: int, what: str) -> int:
    """u64 subtraction; builtin-actors is built with overflow checks, so underflow is a panic."""
    if b > a:
        raise ActorError(ExitCode.USR_ASSERTION_FAILED, f"attempt to subtract with overflow ({what})")
    return a - b


class PoStPartitionLike(Protocol):
    """What recording a proof needs of a ``PoStPartition`` (``types.py``): its index and skipped sectors."""

    @property
    def index(self) -> int: ...

    @property
    def skipped(self) -> BitField: ...


@dataclass(frozen=True, slots=True)
class WindowedPoSt(CborTuple):
    """An optimistically accepted Window PoSt: the partitions it proved and its proofs."""

    partitions: BitField
    proofs: tuple[PoStProof, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [encode_bitfield(self.partitions), [p.to_ipld() for p in self.proofs]]

    @classmethod
    def from_ipld(cls, raw: Any) -> WindowedPoSt:
        """Parse the CBOR tuple."""
        partitions, proofs = fields(raw, 2, "WindowedPoSt")
        return cls(
            decode_bitfield(partitions, "WindowedPoSt.partitions"),
            tuple(PoStProof.from_ipld(p) for p in as_list(proofs, "WindowedPoSt.proofs")),
        )


@dataclass(frozen=True, slots=True)
class DisputeInfo:
    """What a dispute of a PoSt checks: the sectors proven, those ignored, the sectors to fault and the
    power to penalize."""

    all_sector_nos: BitField
    ignored_sector_nos: BitField
    disputed_sectors: PartitionSectorMap
    disputed_power: PowerPair


@dataclass(frozen=True, slots=True)
class PoStResult:
    """The outcome of recording a PoSt (before its proof is verified)."""

    #: Power activated or deactivated.
    power_delta: PowerPair
    new_faulty_power: PowerPair
    retracted_recovery_power: PowerPair
    recovered_power: PowerPair
    #: Every sector of the proven partitions.
    sectors: BitField
    #: The subset of ``sectors`` the proof skips (faulty or terminated).
    ignored_sectors: BitField
    #: The partitions proven.
    partitions: BitField


def _get_partition(partitions: Amt, idx: int) -> Partition | None:
    with state_context(f"failed to load partition {idx}"):
        raw = partitions.get(idx) if 0 <= idx <= (1 << 64) - 2 else None
        return None if raw is None else Partition.from_ipld(raw)


def _set_partition(partitions: Amt, idx: int, partition: Partition) -> None:
    with state_context(f"failed to store partition {idx}"):
        partitions.set(idx, partition.to_ipld())


def _flush(amt: Amt, what: str) -> CID:
    with state_context(f"failed to store {what}"):
        return amt.flush()


@dataclass(frozen=True, slots=True)
class Deadline(CborTuple):
    """The state of every sector due at one deadline."""

    #: AMT[partition index] of :class:`Partition`, indices 0, 1, 2, ...
    partitions: CID
    #: AMT[quantized epoch] of bitfields of partitions that may have sectors expiring then. Entries are
    #: never removed early: sectors expiring there may recover later.
    expirations_epochs: CID
    #: Partitions proven in the current challenge window (optimistically or verified).
    partitions_posted: BitField
    #: Partitions with early terminations to process.
    early_terminations: BitField
    #: Non-terminated sectors (faulty included).
    live_sectors: int
    #: Every sector, dead ones included.
    total_sectors: int
    #: Sum of the partitions' faulty power.
    faulty_power: PowerPair
    #: AMT of the :class:`WindowedPoSt` optimistically accepted in the current window.
    optimistic_post_submissions: CID
    #: The miner's sectors AMT at the end of the previous window of this deadline.
    sectors_snapshot: CID
    #: The partitions at the end of the previous window.
    partitions_snapshot: CID
    #: The proofs accepted in the previous window, still open to dispute.
    optimistic_post_submissions_snapshot: CID
    #: Sum of all non-terminated power (active, faulty and unproven), capping the daily fee.
    live_power: PowerPair
    #: Daily fee payable for the deadline's sectors (FIP-0100).
    daily_fee: TokenAmount

    @classmethod
    def new(cls, store: Blockstore) -> Deadline:
        """An empty deadline."""
        with state_context("Failed to create empty states array"):
            partitions = new_amt(store, DEADLINE_PARTITIONS_AMT_BITWIDTH)
            expirations = new_amt(store, DEADLINE_EXPIRATIONS_AMT_BITWIDTH)
            posts = new_amt(store, DEADLINE_OPTIMISTIC_POST_SUBMISSIONS_AMT_BITWIDTH)
            sectors = new_amt(store, SECTORS_AMT_BITWIDTH)
        zero = PowerPair.zero()
        return cls(
            partitions, expirations, _EMPTY, _EMPTY, 0, 0, zero, posts, sectors, partitions, posts, zero, ZERO
        )

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            self.partitions,
            self.expirations_epochs,
            encode_bitfield(self.partitions_posted),
            encode_bitfield(self.early_terminations),
            self.live_sectors,
            self.total_sectors,
            self.faulty_power.to_ipld(),
            self.optimistic_post_submissions,
            self.sectors_snapshot,
            self.partitions_snapshot,
            self.optimistic_post_submissions_snapshot,
            self.live_power.to_ipld(),
            self.daily_fee.to_bytes(),
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> Deadline:
        """Parse the CBOR tuple."""
        w = "Deadline"
        f = fields(raw, 13, w)
        return cls(
            as_cid(f[0], f"{w}.partitions"),
            as_cid(f[1], f"{w}.expirations_epochs"),
            decode_bitfield(f[2], f"{w}.partitions_posted"),
            decode_bitfield(f[3], f"{w}.early_terminations"),
            as_uint(f[4], f"{w}.live_sectors"),
            as_uint(f[5], f"{w}.total_sectors"),
            PowerPair.from_ipld(f[6]),
            as_cid(f[7], f"{w}.optimistic_post_submissions"),
            as_cid(f[8], f"{w}.sectors_snapshot"),
            as_cid(f[9], f"{w}.partitions_snapshot"),
            as_cid(f[10], f"{w}.optimistic_post_submissions_snapshot"),
            PowerPair.from_ipld(f[11]),
            TokenAmount(as_bigint(f[12], f"{w}.daily_fee")),
        )

    # -- collections --------------------------------------------------------------------------------

    def partitions_amt(self, store: Blockstore) -> Amt:
        """The partitions AMT."""
        return load_amt(store, self.partitions, "partitions")

    def optimistic_proofs_amt(self, store: Blockstore) -> Amt:
        """The AMT of optimistically accepted PoSts."""
        return load_amt(store, self.optimistic_post_submissions, "post proofs")

    def partitions_snapshot_amt(self, store: Blockstore) -> Amt:
        """The partitions snapshot AMT."""
        return load_amt(store, self.partitions_snapshot, "partitions snapshot")

    def optimistic_proofs_snapshot_amt(self, store: Blockstore) -> Amt:
        """The AMT of PoSts open to dispute."""
        return load_amt(store, self.optimistic_post_submissions_snapshot, "post proofs snapshot")

    def load_partition(self, store: Blockstore, partition_idx: int) -> Partition:
        """Partition ``partition_idx``; USR_NOT_FOUND when there is none."""
        partition = _get_partition(self.partitions_amt(store), partition_idx)
        if partition is None:
            raise ActorError(ExitCode.USR_NOT_FOUND, f"no partition {partition_idx}")
        return partition

    def load_partition_snapshot(self, store: Blockstore, partition_idx: int) -> Partition:
        """Partition ``partition_idx`` as it was at the end of the previous window; USR_NOT_FOUND if none."""
        partition = _get_partition(self.partitions_snapshot_amt(store), partition_idx)
        if partition is None:
            raise ActorError(ExitCode.USR_NOT_FOUND, f"no partition snapshot {partition_idx}")
        return partition

    def for_each(self, store: Blockstore) -> Iterator[tuple[int, Partition]]:
        """Every (index, partition), in order."""
        with state_context("failed to iterate partitions"):
            for idx, raw in self.partitions_amt(store).items():
                yield idx, Partition.from_ipld(raw)

    # -- changes ------------------------------------------------------------------------------------

    def add_expiration_partitions(
        self, store: Blockstore, expiration_epoch: ChainEpoch, partitions: Sequence[int], quant: QuantSpec
    ) -> Deadline:
        """Note that ``partitions`` may have sectors expiring at ``expiration_epoch``."""
        if not partitions:
            return self
        queue = BitFieldQueue.new(store, self.expirations_epochs, quant)
        queue.add_to_queue_values(expiration_epoch, partitions)
        return replace(self, expirations_epochs=queue.flush())

    def pop_expired_sectors(
        self, store: Blockstore, until: ChainEpoch, quant: QuantSpec
    ) -> tuple[Deadline, ExpirationSet]:
        """Terminate the sectors of every partition due to expire by ``until``; the expired aggregate."""
        deadline, expired_partitions, modified = self.pop_expired_partitions(store, until, quant)
        if not modified:
            return deadline, ExpirationSet.empty()
        partitions = deadline.partitions_amt(store)
        on_time: list[BitField] = []
        early: list[BitField] = []
        pledge = fee = ZERO
        active = faulty = PowerPair.zero()
        with_early: list[int] = []
        for idx in expired_partitions:
            partition = _get_partition(partitions, idx)
            if partition is None:
                raise illegal_state(f"missing expected partition {idx}")
            partition, expiration = partition.pop_expired_sectors(store, until, quant)
            if expiration.early_sectors:
                with_early.append(idx)
            on_time.append(expiration.on_time_sectors)
            early.append(expiration.early_sectors)
            active += expiration.active_power
            faulty += expiration.faulty_power
            pledge += expiration.on_time_pledge
            fee += expiration.fee_deduction
            _set_partition(partitions, idx, partition)
        all_on_time = BitField.multi_union(on_time)
        all_early = BitField.multi_union(early)
        deadline = replace(
            deadline,
            partitions=_flush(partitions, "partitions"),
            early_terminations=deadline.early_terminations | BitField.from_indices(with_early),
            live_sectors=_sub_count(
                deadline.live_sectors, all_on_time.count() + all_early.count(), "live sectors"
            ),
            faulty_power=deadline.faulty_power - faulty,
            live_power=deadline.live_power - faulty - active,
            daily_fee=deadline.daily_fee - fee,
        )
        return deadline, ExpirationSet(all_on_time, all_early, pledge, active, faulty, fee)

    def add_sectors(
        self,
        store: Blockstore,
        partition_size: int,
        proven: bool,
        new_fees: bool,
        sectors: Sequence[SectorOnChainInfo],
        sector_size: int,
        quant: QuantSpec,
    ) -> tuple[Deadline, PowerPair, TokenAmount]:
        """Add non-faulty sectors, filling the last partition first and opening new ones as needed (the
        deadline must not be open). With ``new_fees`` their daily fee is added to the deadline's. Returns
        the power and the fee added."""
        total_power = PowerPair.zero()
        total_fee = ZERO
        if not sectors:
            return self, total_power, total_fee
        partitions = self.partitions_amt(store)
        updates: list[tuple[ChainEpoch, int]] = []
        pending = list(sectors)
        idx = max(len(partitions) - 1, 0)
        while pending:
            partition = _get_partition(partitions, idx) or Partition.new(store)
            count = partition.sectors.count()
            if count < partition_size:
                size = min(partition_size - count, len(pending))
                chunk, pending = pending[:size], pending[size:]
                partition, power, fee = partition.add_sectors(store, proven, chunk, sector_size, quant)
                total_power += power
                if new_fees:
                    total_fee += fee
                _set_partition(partitions, idx, partition)
                updates.extend((s.expiration, idx) for s in chunk)
            idx += 1
        queue = BitFieldQueue.new(store, self.expirations_epochs, quant)
        queue.add_many_to_queue_values(updates)
        deadline = replace(
            self,
            live_sectors=self.live_sectors + len(sectors),
            total_sectors=self.total_sectors + len(sectors),
            partitions=_flush(partitions, "partitions"),
            expirations_epochs=queue.flush(),
            daily_fee=self.daily_fee + total_fee,
            live_power=self.live_power + total_power,
        )
        return deadline, total_power, total_fee

    def pop_early_terminations(
        self, store: Blockstore, max_partitions: int, max_sectors: int
    ) -> tuple[Deadline, TerminationResult, bool]:
        """Take early terminations from the partitions within the limits; them, and whether more remain."""
        partitions = self.partitions_amt(store)
        finished: list[int] = []
        result = TerminationResult.new()
        for idx in self.early_terminations:
            partition = _get_partition(partitions, idx)
            if partition is None:
                finished.append(idx)
                continue
            partition, partition_result, more = partition.pop_early_terminations(
                store, max_sectors - result.sectors_processed
            )
            result += partition_result
            if not more:
                finished.append(idx)
            _set_partition(partitions, idx, partition)
            if not result.below_limit(max_partitions, max_sectors):
                break
        early_terminations = self.early_terminations - BitField.from_indices(finished)
        deadline = replace(
            self, early_terminations=early_terminations, partitions=_flush(partitions, "partitions")
        )
        return deadline, result, bool(early_terminations)

    def pop_expired_partitions(
        self, store: Blockstore, until: ChainEpoch, quant: QuantSpec
    ) -> tuple[Deadline, BitField, bool]:
        """Take the partitions queued to expire by ``until``; them, and whether any were."""
        queue = BitFieldQueue.new(store, self.expirations_epochs, quant)
        _, popped, modified = queue.pop_until(until)
        deadline = replace(self, expirations_epochs=queue.flush()) if modified else self
        return deadline, popped, modified

    def terminate_sectors(
        self,
        policy: ActorPolicy,
        store: Blockstore,
        sectors: Sectors,
        epoch: ChainEpoch,
        partition_sectors: PartitionSectorMap,
        sector_size: int,
        quant: QuantSpec,
    ) -> tuple[Deadline, PowerPair]:
        """Terminate sectors at ``epoch``; the active power lost."""
        partitions = self.partitions_amt(store)
        deadline = self
        power_lost = PowerPair.zero()
        for idx, sector_numbers in partition_sectors.iter():
            partition = _get_partition(partitions, idx)
            if partition is None:
                raise ActorError(ExitCode.USR_NOT_FOUND, f"failed to find partition {idx}")
            partition, removed, removed_unproven = partition.terminate_sectors(
                policy, store, sectors, epoch, sector_numbers, sector_size, quant
            )
            _set_partition(partitions, idx, partition)
            early = deadline.early_terminations
            live_sectors = deadline.live_sectors
            if not removed.is_empty():
                early = early | BitField.from_indices([idx])
                live_sectors = _sub_count(live_sectors, removed.len(), "live sectors")
            deadline = replace(
                deadline,
                early_terminations=early,
                live_sectors=live_sectors,
                faulty_power=deadline.faulty_power - removed.faulty_power,
                live_power=deadline.live_power
                - removed.active_power
                - removed.faulty_power
                - removed_unproven,
                daily_fee=deadline.daily_fee - removed.fee_deduction,
            )
            power_lost += removed.active_power
        return replace(deadline, partitions=_flush(partitions, "partitions")), power_lost

    def compact_partitions(
        self,
        store: Blockstore,
        sectors: Sectors,
        sector_size: int,
        window_post_partition_sectors: int,
        to_remove: BitField,
        quant: QuantSpec,
    ) -> tuple[Deadline, BitField]:
        """Remove partitions, shifting the rest down and re-adding their live sectors; the dead sectors
        they held. Partitions with faults or unproven sectors, and deadlines with early terminations,
        cannot be compacted (USR_ILLEGAL_ARGUMENT)."""
        old_partitions = self.partitions_amt(store)
        partition_count = len(old_partitions)
        if to_remove.count() > partition_count:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "partitions to remove exceeds total")
        if not to_remove:
            return self, BitField()
        if to_remove.last() >= partition_count:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"partition index {to_remove.last()} out of range [0, {partition_count})",
            )
        if self.early_terminations:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                "cannot remove partitions from deadline with early terminations",
            )
        new_partitions = Amt(store, bit_width=DEADLINE_PARTITIONS_AMT_BITWIDTH)
        dead: list[BitField] = []
        live: list[BitField] = []
        removed_power = PowerPair.zero()
        with state_context("while removing partitions"):
            old_items = [(idx, Partition.from_ipld(raw)) for idx, raw in old_partitions.items()]
        for idx, partition in old_items:
            if idx not in to_remove:
                _set_partition(new_partitions, len(new_partitions), partition)
                continue
            if partition.faults:
                raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"cannot remove partition {idx}: has faults")
            if partition.unproven:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT, f"cannot remove partition {idx}: has unproven sectors"
                )
            dead.append(partition.terminated)
            live.append(partition.live_sectors())
            removed_power += partition.live_power
        all_dead = BitField.multi_union(dead)
        all_live = BitField.multi_union(live)
        queue = BitFieldQueue.new(store, self.expirations_epochs, quant)
        queue.cut(to_remove)
        deadline = replace(
            self,
            partitions=_flush(new_partitions, "new partition table"),
            live_sectors=_sub_count(self.live_sectors, all_live.count(), "live sectors"),
            total_sectors=_sub_count(
                self.total_sectors, all_live.count() + all_dead.count(), "total sectors"
            ),
            # No faults can be in removed partitions; fees are fixed up by the caller (as builtin-actors).
            live_power=self.live_power - removed_power,
            expirations_epochs=queue.flush(),
        )
        live_sectors = sectors.load_sectors(all_live)
        deadline, added_power, added_fee = deadline.add_sectors(
            store, window_post_partition_sectors, True, False, live_sectors, sector_size, quant
        )
        if added_fee:
            raise illegal_state(f"unexpected fee when adding back moved sectors: {added_fee.atto}")
        if removed_power != added_power:
            raise illegal_state(
                f"power changed when compacting partitions: was {removed_power}, is now {added_power}"
            )
        return deadline, all_dead

    def record_faults(
        self,
        store: Blockstore,
        sectors: Sectors,
        sector_size: int,
        quant: QuantSpec,
        fault_expiration_epoch: ChainEpoch,
        partition_sectors: PartitionSectorMap,
    ) -> tuple[Deadline, PowerPair]:
        """Declare sectors faulty; the power delta."""
        partitions = self.partitions_amt(store)
        with_fault: list[int] = []
        power_delta = PowerPair.zero()
        faulty_power = self.faulty_power
        for idx, sector_numbers in partition_sectors.iter():
            partition = _get_partition(partitions, idx)
            if partition is None:
                raise ActorError(ExitCode.USR_NOT_FOUND, f"no such partition {idx}")
            partition, new_faults, partition_delta, new_faulty = partition.record_faults(
                store, sectors, sector_numbers, fault_expiration_epoch, sector_size, quant
            )
            faulty_power += new_faulty
            power_delta += partition_delta
            if new_faults:
                with_fault.append(idx)
            _set_partition(partitions, idx, partition)
        deadline = replace(self, partitions=_flush(partitions, "partitions root"), faulty_power=faulty_power)
        deadline = deadline.add_expiration_partitions(store, fault_expiration_epoch, with_fault, quant)
        return deadline, power_delta

    def declare_faults_recovered(
        self, store: Blockstore, sectors: Sectors, sector_size: int, partition_sectors: PartitionSectorMap
    ) -> Deadline:
        """Declare faulty sectors recovering (their power returns when the recovery is proven)."""
        partitions = self.partitions_amt(store)
        for idx, sector_numbers in partition_sectors.iter():
            partition = _get_partition(partitions, idx)
            if partition is None:
                raise ActorError(ExitCode.USR_NOT_FOUND, f"no such partition {idx}")
            partition = partition.declare_faults_recovered(sectors, sector_size, sector_numbers)
            _set_partition(partitions, idx, partition)
        return replace(self, partitions=_flush(partitions, "partitions root"))

    def process_deadline_end(
        self, store: Blockstore, quant: QuantSpec, fault_expiration_epoch: ChainEpoch, sectors: CID
    ) -> tuple[Deadline, PowerPair, PowerPair]:
        """Close the window: unproven partitions become faulty and their recoveries fail, then the PoSt
        records move to the snapshots. Returns the power delta and the power to penalize."""
        partitions = self.partitions_amt(store)
        detected_any = False
        rescheduled: list[int] = []
        power_delta = penalized_power = PowerPair.zero()
        faulty_power = self.faulty_power
        for idx in range(len(partitions)):
            if idx in self.partitions_posted:
                continue
            partition = _get_partition(partitions, idx)
            if partition is None:
                raise illegal_state(f"no partition {idx}")
            # Nothing to do when all power is already faulty and nothing was to recover.
            if partition.recovering_power.is_zero() and partition.faulty_power == partition.live_power:
                continue
            detected_any = True
            partition, part_delta, part_penalized, part_new_faulty = partition.record_missed_post(
                store, fault_expiration_epoch, quant
            )
            if not part_new_faulty.is_zero():
                rescheduled.append(idx)
            _set_partition(partitions, idx, partition)
            faulty_power += part_new_faulty
            power_delta += part_delta
            penalized_power += part_penalized
        deadline = replace(self, faulty_power=faulty_power)
        if detected_any:
            deadline = replace(deadline, partitions=_flush(partitions, "partitions"))
        deadline = deadline.add_expiration_partitions(store, fault_expiration_epoch, rescheduled, quant)
        with state_context("failed to clear pending proofs array"):
            empty_posts = new_amt(store, DEADLINE_OPTIMISTIC_POST_SUBMISSIONS_AMT_BITWIDTH)
        deadline = replace(
            deadline,
            partitions_posted=_EMPTY,
            partitions_snapshot=deadline.partitions,
            optimistic_post_submissions_snapshot=deadline.optimistic_post_submissions,
            optimistic_post_submissions=empty_posts,
        )
        # Snapshot the sectors only if some proof might be disputed.
        if deadline.optimistic_post_submissions != deadline.optimistic_post_submissions_snapshot:
            snapshot = sectors
        else:
            with state_context("failed to clear sectors snapshot array"):
                snapshot = new_amt(store, SECTORS_AMT_BITWIDTH)
        return replace(deadline, sectors_snapshot=snapshot), power_delta, penalized_power

    def validate_state(self) -> None:
        """USR_ILLEGAL_STATE unless live sectors fit in the total and faulty power is non-negative."""
        if self.live_sectors > self.total_sectors:
            raise illegal_state("deadline left with more live sectors than total")
        if self.faulty_power.raw < 0 or self.faulty_power.qa < 0:
            raise illegal_state("deadline left with negative faulty power")

    def load_partitions_for_dispute(self, store: Blockstore, partitions: BitField) -> DisputeInfo:
        """What a dispute of the PoSt over ``partitions`` checks, from the snapshot."""
        snapshot = self.partitions_snapshot_amt(store)
        all_sectors: list[BitField] = []
        all_ignored: list[BitField] = []
        disputed_sectors = PartitionSectorMap()
        disputed_power = PowerPair.zero()
        for idx in partitions:
            partition = _get_partition(snapshot, idx)
            if partition is None:
                raise illegal_state(f"failed to find partition {idx}")
            all_sectors.append(partition.sectors)
            all_ignored.extend((partition.faults, partition.terminated, partition.unproven))
            disputed_sectors.add(idx, partition.active_sectors())
            # Includes power activated at the end of the window and sectors since expired.
            disputed_power += partition.active_power()
        return DisputeInfo(
            BitField.multi_union(all_sectors),
            BitField.multi_union(all_ignored),
            disputed_sectors,
            disputed_power,
        )

    def is_live(self) -> bool:
        """Whether the deadline has anything for cron to process."""
        if self.live_sectors > 0:
            return True
        if self.partitions_posted:
            return True
        if self.partitions != self.partitions_snapshot:
            return True
        return self.optimistic_post_submissions != self.optimistic_post_submissions_snapshot

    def record_proven_sectors(
        self,
        store: Blockstore,
        sectors: Sectors,
        sector_size: int,
        quant: QuantSpec,
        fault_expiration: ChainEpoch,
        post_partitions: Sequence[PoStPartitionLike],
    ) -> tuple[Deadline, PoStResult]:
        """Record the partitions of a PoSt as proven: skipped sectors become faulty, recoveries recover,
        unproven sectors activate. The proof itself is verified by the caller against the result."""
        try:
            indexes = BitField.from_indices(p.index for p in post_partitions)
        except InvalidInput:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "partition index out of bitfield range") from None
        if indexes.count() != len(post_partitions):
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "duplicate partitions proven")
        already_proven = self.partitions_posted & indexes
        if already_proven:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"partition already proven: {already_proven}")
        partitions = self.partitions_amt(store)
        all_sectors: list[BitField] = []
        all_ignored: list[BitField] = []
        new_faulty_total = retracted_total = recovered_total = power_delta = PowerPair.zero()
        rescheduled: list[int] = []
        for post in post_partitions:
            partition = _get_partition(partitions, post.index)
            if partition is None:
                raise ActorError(ExitCode.USR_NOT_FOUND, f"no such partition {post.index}")
            partition, new_delta, new_fault_power, retracted, has_new_faults = (
                partition.record_skipped_faults(
                    store, sectors, sector_size, quant, fault_expiration, post.skipped
                )
            )
            if has_new_faults:
                rescheduled.append(post.index)
            partition, recovered = partition.recover_faults(store, sectors, sector_size, quant)
            partition, activated = partition.activate_unproven()
            new_delta += activated
            # The faults now are what the proof must skip.
            all_sectors.append(partition.sectors)
            all_ignored.extend((partition.faults, partition.terminated))
            _set_partition(partitions, post.index, partition)
            new_faulty_total += new_fault_power
            retracted_total += retracted
            recovered_total += recovered
            power_delta += new_delta + recovered
        deadline = replace(self, partitions_posted=self.partitions_posted | indexes)
        deadline = deadline.add_expiration_partitions(store, fault_expiration, rescheduled, quant)
        deadline = replace(
            deadline,
            faulty_power=deadline.faulty_power - recovered_total + new_faulty_total,
            partitions=_flush(partitions, "partitions"),
        )
        result = PoStResult(
            power_delta=power_delta,
            new_faulty_power=new_faulty_total,
            retracted_recovery_power=retracted_total,
            recovered_power=recovered_total,
            sectors=BitField.multi_union(all_sectors),
            ignored_sectors=BitField.multi_union(all_ignored),
            partitions=indexes,
        )
        return deadline, result

    def record_post_proofs(
        self, store: Blockstore, partitions: BitField, proofs: Sequence[PoStProof]
    ) -> Deadline:
        """Keep an optimistically accepted PoSt of ``partitions`` for later dispute."""
        posts = self.optimistic_proofs_amt(store)
        with state_context("failed to store proof"):
            posts.set(len(posts), WindowedPoSt(partitions, tuple(proofs)).to_ipld())
        return replace(self, optimistic_post_submissions=_flush(posts, "proofs"))

    def take_post_proofs(self, store: Blockstore, idx: int) -> tuple[Deadline, BitField, list[PoStProof]]:
        """Remove PoSt ``idx`` from the dispute snapshot (leaving a hole); its partitions and proofs."""
        posts = self.optimistic_proofs_snapshot_amt(store)
        with state_context(f"failed to retrieve proof {idx}"):
            raw = posts.get(idx) if 0 <= idx <= (1 << 64) - 2 else None
            post = None if raw is None else WindowedPoSt.from_ipld(raw)
            if post is not None:
                posts.delete(idx)
        if post is None:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"proof {idx} not found")
        deadline = replace(self, optimistic_post_submissions_snapshot=_flush(posts, "proofs"))
        return deadline, post.partitions, list(post.proofs)

    def reschedule_sector_expirations(
        self,
        store: Blockstore,
        sectors: Sectors,
        expiration: ChainEpoch,
        partition_sectors: PartitionSectorMap,
        sector_size: int,
        quant: QuantSpec,
    ) -> tuple[Deadline, list[SectorOnChainInfo]]:
        """Move the sectors' expirations to ``expiration``, skipping any it cannot find (a partition may
        have moved in compaction); the infos of those moved."""
        partitions = self.partitions_amt(store)
        rescheduled: list[int] = []
        all_replaced: list[SectorOnChainInfo] = []
        for idx, sector_numbers in partition_sectors.iter():
            partition = _get_partition(partitions, idx)
            if partition is None:
                continue
            partition, replaced = partition.reschedule_expirations(
                store, sectors, expiration, sector_numbers, sector_size, quant
            )
            if not replaced:
                continue
            all_replaced.extend(replaced)
            rescheduled.append(idx)
            _set_partition(partitions, idx, partition)
        deadline = self
        if rescheduled:
            deadline = replace(self, partitions=_flush(partitions, "partitions"))
            deadline = deadline.add_expiration_partitions(store, expiration, rescheduled, quant)
        return deadline, all_replaced


@dataclass(frozen=True, slots=True)
class Deadlines(CborTuple):
    """The CIDs of a miner's deadlines, one per deadline of the proving period."""

    due: tuple[CID, ...]

    @classmethod
    def new(cls, policy: ActorPolicy, empty_deadline_cid: CID) -> Deadlines:
        """Every deadline the given (empty) one."""
        return cls((empty_deadline_cid,) * policy.wpost_period_deadlines)

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple ``[due]``."""
        return [list(self.due)]

    @classmethod
    def from_ipld(cls, raw: Any) -> Deadlines:
        """Parse the CBOR tuple."""
        (due,) = fields(raw, 1, "Deadlines")
        return cls(tuple(as_cid(c, "Deadlines.due") for c in as_list(due, "Deadlines.due")))

    def load_deadline(self, store: Blockstore, idx: int) -> Deadline:
        """Deadline ``idx``; USR_ILLEGAL_ARGUMENT for an index out of range (or a deadline not stored)."""
        if not 0 <= idx < len(self.due):
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, f"invalid deadline index {idx} of {len(self.due)}"
            )
        cid = self.due[idx]
        try:
            data = store.get(cid)
        except NotFound:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"no deadline {idx}") from None
        with state_context(f"failed to load deadline {idx}"):
            return Deadline.from_ipld(decode_block(data, "Deadline"))

    def for_each(self, store: Blockstore) -> Iterator[tuple[int, Deadline]]:
        """Every (index, deadline), in order."""
        for idx in range(len(self.due)):
            yield idx, self.load_deadline(store, idx)

    def update_deadline(
        self, policy: ActorPolicy, store: Blockstore, deadline_idx: int, deadline: Deadline
    ) -> Deadlines:
        """These deadlines with ``deadline`` stored at ``deadline_idx`` (after checking it)."""
        if not 0 <= deadline_idx < policy.wpost_period_deadlines:
            raise illegal_state(f"invalid deadline {deadline_idx}")
        deadline.validate_state()
        due = list(self.due)
        due[deadline_idx] = put_cbor(store, deadline.to_ipld())
        return Deadlines(tuple(due))

    def find_sector(self, store: Blockstore, sector_number: int) -> tuple[int, int]:
        """The (deadline, partition) holding ``sector_number``; USR_ILLEGAL_STATE if none does (a plain
        error in builtin-actors, which callers re-code)."""
        for deadline_idx, deadline in self.for_each(store):
            for partition_idx, partition in deadline.for_each(store):
                if sector_number in partition.sectors:
                    return deadline_idx, partition_idx
        raise illegal_state(f"sector {sector_number} not due at any deadline")
