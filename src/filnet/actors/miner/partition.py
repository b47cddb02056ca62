"""A partition of a deadline: its sectors, their states and power, and its queues
(builtin-actors ``partition_state.rs``).

A sector of a partition is live until terminated; a live sector is faulty, recovering (faulty and declared
to come back), unproven (added since the last PoSt) or active. The partition's expiration queue
(AMT bit width 4) says when its sectors leave; its early-termination queue (AMT bit width 3, not quantized)
records the epochs of terminations whose fees are still to be paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from filnet.actors.encoding import CborTuple, as_cid, fields
from filnet.actors.miner.bitfield_queue import (
    BitFieldQueue,
    decode_bitfield,
    encode_bitfield,
    illegal_state,
    new_amt,
    state_context,
)
from filnet.actors.miner.expiration_queue import ExpirationQueue, ExpirationSet
from filnet.actors.miner.quantize import NO_QUANTIZATION, QuantSpec
from filnet.actors.miner.sectors import (
    PowerPair,
    SectorOnChainInfo,
    Sectors,
    daily_fee_for_sectors,
    power_for_sector,
    power_for_sectors,
    select_sectors,
)
from filnet.actors.miner.termination import TerminationResult
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.params.network import ActorPolicy
from filnet.vm.exit_codes import ActorError, ExitCode

__all__ = [
    "PARTITION_EARLY_TERMINATION_ARRAY_AMT_BITWIDTH",
    "PARTITION_EXPIRATION_AMT_BITWIDTH",
    "Partition",
    "PowerPair",
    "daily_fee_for_sectors",
    "power_for_sector",
    "power_for_sectors",
    "validate_partition_contains_sectors",
]

PARTITION_EXPIRATION_AMT_BITWIDTH: Final = 4
PARTITION_EARLY_TERMINATION_ARRAY_AMT_BITWIDTH: Final = 3
_EMPTY: Final = BitField()


@dataclass(frozen=True, slots=True)
class Partition(CborTuple):
    """The sectors of one partition, their states and power, and its expiration and termination queues."""

    #: Every sector of the partition, terminated ones included.
    sectors: BitField
    #: Sectors added since the partition was last proven (never faulty).
    unproven: BitField
    #: Sectors detected or declared faulty and not yet recovered (never terminated).
    faults: BitField
    #: Faulty sectors expected to recover at the next PoSt (never terminated).
    recoveries: BitField
    #: Sectors terminated but not yet removed by compaction.
    terminated: BitField
    #: AMT[quantized epoch] of :class:`ExpirationSet`.
    expirations_epochs: CID
    #: AMT[epoch] of bitfields: early terminations whose fees are unpaid.
    early_terminated: CID
    #: Power of the non-terminated sectors (faulty and unproven included).
    live_power: PowerPair
    unproven_power: PowerPair
    faulty_power: PowerPair
    recovering_power: PowerPair

    @classmethod
    def new(cls, store: Blockstore) -> Partition:
        """An empty partition."""
        with state_context("failed to create empty partition queues"):
            expirations = new_amt(store, PARTITION_EXPIRATION_AMT_BITWIDTH)
            early = new_amt(store, PARTITION_EARLY_TERMINATION_ARRAY_AMT_BITWIDTH)
        zero = PowerPair.zero()
        return cls(_EMPTY, _EMPTY, _EMPTY, _EMPTY, _EMPTY, expirations, early, zero, zero, zero, zero)

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            encode_bitfield(self.sectors),
            encode_bitfield(self.unproven),
            encode_bitfield(self.faults),
            encode_bitfield(self.recoveries),
            encode_bitfield(self.terminated),
            self.expirations_epochs,
            self.early_terminated,
            self.live_power.to_ipld(),
            self.unproven_power.to_ipld(),
            self.faulty_power.to_ipld(),
            self.recovering_power.to_ipld(),
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> Partition:
        """Parse the CBOR tuple."""
        f = fields(raw, 11, "Partition")
        return cls(
            decode_bitfield(f[0], "Partition.sectors"),
            decode_bitfield(f[1], "Partition.unproven"),
            decode_bitfield(f[2], "Partition.faults"),
            decode_bitfield(f[3], "Partition.recoveries"),
            decode_bitfield(f[4], "Partition.terminated"),
            as_cid(f[5], "Partition.expirations_epochs"),
            as_cid(f[6], "Partition.early_terminated"),
            PowerPair.from_ipld(f[7]),
            PowerPair.from_ipld(f[8]),
            PowerPair.from_ipld(f[9]),
            PowerPair.from_ipld(f[10]),
        )

    # -- views --------------------------------------------------------------------------------------

    def live_sectors(self) -> BitField:
        """Sectors not terminated (possibly faulty)."""
        return self.sectors - self.terminated

    def active_sectors(self) -> BitField:
        """Sectors neither terminated, faulty nor unproven: those earning power."""
        return self.live_sectors() - self.faults - self.unproven

    def active_power(self) -> PowerPair:
        """Power of the active sectors."""
        return self.live_power - self.faulty_power - self.unproven_power

    def _queue(self, store: Blockstore, quant: QuantSpec) -> ExpirationQueue:
        return ExpirationQueue.new(store, self.expirations_epochs, quant)

    # -- changes ------------------------------------------------------------------------------------

    def add_sectors(
        self,
        store: Blockstore,
        proven: bool,
        sectors: Sequence[SectorOnChainInfo],
        sector_size: int,
        quant: QuantSpec,
    ) -> tuple[Partition, PowerPair, TokenAmount]:
        """Add new live, non-faulty sectors (unproven unless ``proven``); their power and daily fee."""
        queue = self._queue(store, quant)
        _, numbers, power, _, daily_fee = queue.add_active_sectors(sectors, sector_size)
        expirations = queue.flush()
        if self.sectors.contains_any(numbers):
            raise illegal_state("not all added sectors are new")
        new = replace(
            self,
            expirations_epochs=expirations,
            sectors=self.sectors | numbers,
            live_power=self.live_power + power,
            unproven_power=self.unproven_power if proven else self.unproven_power + power,
            unproven=self.unproven if proven else self.unproven | numbers,
        )
        new.validate_state()
        return new, power, daily_fee

    def add_faults(
        self,
        store: Blockstore,
        sector_numbers: BitField,
        sectors: Sequence[SectorOnChainInfo],
        fault_expiration: ChainEpoch,
        sector_size: int,
        quant: QuantSpec,
    ) -> tuple[Partition, PowerPair, PowerPair]:
        """Mark non-faulty sectors faulty, rescheduling them to expire by ``fault_expiration``; the power
        delta and the new faulty power."""
        queue = self._queue(store, quant)
        _, new_faulty_power = queue.reschedule_as_faults(fault_expiration, sectors, sector_size)
        expirations = queue.flush()
        # Faulty sectors are no longer unproven; their unproven power was never active.
        unproven = sector_numbers & self.unproven
        power_delta = -new_faulty_power
        unproven_power = self.unproven_power
        unproven_infos = select_sectors(sectors, unproven)
        if unproven_infos:
            lost = power_for_sectors(sector_size, unproven_infos)
            unproven_power -= lost
            power_delta += lost
        new = replace(
            self,
            expirations_epochs=expirations,
            faults=self.faults | sector_numbers,
            faulty_power=self.faulty_power + new_faulty_power,
            unproven=self.unproven - unproven,
            unproven_power=unproven_power,
        )
        new.validate_state()
        return new, power_delta, new_faulty_power

    def record_faults(
        self,
        store: Blockstore,
        sectors: Sectors,
        sector_numbers: BitField,
        fault_expiration_epoch: ChainEpoch,
        sector_size: int,
        quant: QuantSpec,
    ) -> tuple[Partition, BitField, PowerPair, PowerPair]:
        """Declare sectors faulty: terminated and already faulty ones are ignored, recovering ones go back to
        faulty; the new faults, the power delta and the new faulty power."""
        try:
            validate_partition_contains_sectors(self, sector_numbers)
        except ActorError as e:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"failed fault declaration: {e.reason}") from None
        retracted_recoveries = self.recoveries & sector_numbers
        new_faults = sector_numbers - retracted_recoveries - self.terminated - self.faults
        new_fault_sectors = sectors.load_sectors(new_faults)
        partition = self
        power_delta = new_faulty_power = PowerPair.zero()
        if new_fault_sectors:
            partition, power_delta, new_faulty_power = self.add_faults(
                store, new_faults, new_fault_sectors, fault_expiration_epoch, sector_size, quant
            )
        retracted_sectors = sectors.load_sectors(retracted_recoveries)
        if retracted_sectors:
            retracted_power = power_for_sectors(sector_size, retracted_sectors)
            partition = partition.remove_recoveries(retracted_recoveries, retracted_power)
        partition.validate_state()
        return partition, new_faults, power_delta, new_faulty_power

    def recover_faults(
        self, store: Blockstore, sectors: Sectors, sector_size: int, quant: QuantSpec
    ) -> tuple[Partition, PowerPair]:
        """Make the recovering sectors active (assuming their proof succeeds); the recovered power."""
        recovered = sectors.load_sectors(self.recoveries)
        queue = self._queue(store, quant)
        _, power = queue.reschedule_recovered(recovered, sector_size)
        new = replace(
            self,
            expirations_epochs=queue.flush(),
            faults=self.faults - self.recoveries,
            recoveries=_EMPTY,
            faulty_power=self.faulty_power - power,
            recovering_power=self.recovering_power - power,
        )
        new.validate_state()
        return new, power

    def activate_unproven(self) -> tuple[Partition, PowerPair]:
        """Mark every unproven sector proven; the power that became active."""
        return replace(self, unproven=_EMPTY, unproven_power=PowerPair.zero()), self.unproven_power

    def declare_faults_recovered(
        self, sectors: Sectors, sector_size: int, sector_numbers: BitField
    ) -> Partition:
        """Declare faulty sectors recovering (others, and those already recovering, are skipped)."""
        try:
            validate_partition_contains_sectors(self, sector_numbers)
        except ActorError as e:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"failed fault declaration: {e.reason}") from None
        recoveries = (sector_numbers & self.faults) - self.recoveries
        recovery_sectors = sectors.load_sectors(recoveries)
        new = replace(
            self,
            recoveries=self.recoveries | recoveries,
            recovering_power=self.recovering_power + power_for_sectors(sector_size, recovery_sectors),
        )
        new.validate_state()
        return new

    def remove_recoveries(self, sector_numbers: BitField, power: PowerPair) -> Partition:
        """Drop sectors (faulty and recovering) from the recoveries."""
        if not sector_numbers:
            return self
        return replace(
            self, recoveries=self.recoveries - sector_numbers, recovering_power=self.recovering_power - power
        )

    def reschedule_expirations(
        self,
        store: Blockstore,
        sectors: Sectors,
        new_expiration: ChainEpoch,
        sector_numbers: BitField,
        sector_size: int,
        quant: QuantSpec,
    ) -> tuple[Partition, list[SectorOnChainInfo]]:
        """Move the active ones of ``sector_numbers`` (others are skipped) to expire at ``new_expiration``;
        their infos."""
        active = (sector_numbers & self.sectors) - self.terminated - self.faults
        infos = sectors.load_sectors(active)
        queue = self._queue(store, quant)
        queue.reschedule_expirations(new_expiration, infos, sector_size)
        new = replace(self, expirations_epochs=queue.flush())
        new.validate_state()
        return new, infos

    def replace_sectors(
        self,
        store: Blockstore,
        old_sectors: Sequence[SectorOnChainInfo],
        new_sectors: Sequence[SectorOnChainInfo],
        sector_size: int,
        quant: QuantSpec,
    ) -> tuple[Partition, PowerPair, TokenAmount, TokenAmount]:
        """Replace active sectors by new ones (the same number may be both, to change its power); the power,
        pledge and daily fee deltas."""
        queue = self._queue(store, quant)
        _, old_numbers, new_numbers, power_delta, pledge_delta, fee_delta = queue.replace_sectors(
            old_sectors, new_sectors, sector_size
        )
        expirations = queue.flush()
        active = self.active_sectors()
        if not active.contains_all(old_numbers):
            raise illegal_state(f"refusing to replace inactive sectors in {old_numbers} (active: {active})")
        new = replace(
            self,
            expirations_epochs=expirations,
            sectors=(self.sectors - old_numbers) | new_numbers,
            live_power=self.live_power + power_delta,
        )
        new.validate_state()
        return new, power_delta, pledge_delta, fee_delta

    def record_early_termination(self, store: Blockstore, epoch: ChainEpoch, sectors: BitField) -> Partition:
        """Record sectors terminated early at ``epoch``, for their termination fee later."""
        queue = BitFieldQueue.new(store, self.early_terminated, NO_QUANTIZATION)
        queue.add_to_queue(epoch, sectors)
        return replace(self, early_terminated=queue.flush())

    def terminate_sectors(
        self,
        policy: ActorPolicy,
        store: Blockstore,
        sectors: Sectors,
        epoch: ChainEpoch,
        sector_numbers: BitField,
        sector_size: int,
        quant: QuantSpec,
    ) -> tuple[Partition, ExpirationSet, PowerPair]:
        """Terminate live sectors at ``epoch``; what was removed (its active power excluding unproven
        power) and the unproven power removed."""
        if not self.live_sectors().contains_all(sector_numbers):
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "can only terminate live sectors")
        infos = sectors.load_sectors(sector_numbers)
        queue = self._queue(store, quant)
        _, removed, removed_recovering = queue.remove_sectors(
            policy, infos, self.faults, self.recoveries, sector_size
        )
        partition = replace(self, expirations_epochs=queue.flush())
        removed_sectors = removed.on_time_sectors | removed.early_sectors
        partition = partition.record_early_termination(store, epoch, removed_sectors)
        unproven_numbers = removed_sectors & partition.unproven
        removed_unproven_power = power_for_sectors(sector_size, select_sectors(infos, unproven_numbers))
        partition = replace(
            partition,
            faults=partition.faults - removed_sectors,
            recoveries=partition.recoveries - removed_sectors,
            terminated=partition.terminated | removed_sectors,
            live_power=partition.live_power - removed.active_power - removed.faulty_power,
            faulty_power=partition.faulty_power - removed.faulty_power,
            recovering_power=partition.recovering_power - removed_recovering,
            unproven=partition.unproven - unproven_numbers,
            unproven_power=partition.unproven_power - removed_unproven_power,
        )
        removed = replace(removed, active_power=removed.active_power - removed_unproven_power)
        partition.validate_state()
        return partition, removed, removed_unproven_power

    def pop_expired_sectors(
        self, store: Blockstore, until: ChainEpoch, quant: QuantSpec
    ) -> tuple[Partition, ExpirationSet]:
        """Terminate every sector due to expire at or before ``until``; the expired aggregate."""
        # Proofs are processed before expirations, so nothing may still be unproven.
        if self.unproven:
            raise illegal_state("cannot pop expired sectors from a partition with unproven sectors")
        queue = self._queue(store, quant)
        _, popped = queue.pop_until(until)
        expirations = queue.flush()
        expired = popped.on_time_sectors | popped.early_sectors
        # At deadline end recoveries were either proven or retracted.
        if self.recoveries:
            raise illegal_state("unexpected recoveries while processing expirations")
        if not self.recovering_power.is_zero():
            raise illegal_state("unexpected recovering power while processing expirations")
        if self.terminated.contains_any(expired):
            raise illegal_state("expiring sectors already terminated")
        partition = replace(
            self,
            expirations_epochs=expirations,
            terminated=self.terminated | expired,
            faults=self.faults - expired,
            live_power=self.live_power - (popped.active_power + popped.faulty_power),
            faulty_power=self.faulty_power - popped.faulty_power,
        )
        partition = partition.record_early_termination(store, until, popped.early_sectors)
        partition.validate_state()
        return partition, popped

    def record_missed_post(
        self, store: Blockstore, fault_expiration: ChainEpoch, quant: QuantSpec
    ) -> tuple[Partition, PowerPair, PowerPair, PowerPair]:
        """Mark every live sector faulty after a missed PoSt and drop recoveries; the power delta, the power
        to penalize (new faults and failed recoveries) and the newly faulty power."""
        queue = self._queue(store, quant)
        queue.reschedule_all_as_faults(fault_expiration)
        expirations = queue.flush()
        new_faulty_power = self.live_power - self.faulty_power
        penalized_power = self.recovering_power + new_faulty_power
        # Unproven power was never active, so it is not lost.
        power_delta = self.unproven_power - new_faulty_power
        partition = replace(
            self,
            expirations_epochs=expirations,
            faults=self.live_sectors(),
            recoveries=_EMPTY,
            unproven=_EMPTY,
            faulty_power=self.live_power,
            recovering_power=PowerPair.zero(),
            unproven_power=PowerPair.zero(),
        )
        partition.validate_state()
        return partition, power_delta, penalized_power, new_faulty_power

    def pop_early_terminations(
        self, store: Blockstore, max_sectors: int
    ) -> tuple[Partition, TerminationResult, bool]:
        """Take up to ``max_sectors`` early terminations, oldest first; them, and whether more remain."""
        queue = BitFieldQueue.new(store, self.early_terminated, NO_QUANTIZATION)
        processed: list[int] = []
        remaining: tuple[BitField, ChainEpoch] | None = None
        taken: dict[ChainEpoch, BitField] = {}
        sectors_processed = 0
        for epoch, sectors in queue.entries():
            count = sectors.count()
            limit = max_sectors - sectors_processed
            if limit < count:
                with state_context("expected more sectors in bitfield"):
                    to_process = sectors.slice(0, limit)
                remaining = (sectors - to_process, epoch)
                sectors_processed += limit
            else:
                processed.append(epoch)
                sectors_processed += count
                to_process = sectors
            taken[epoch] = to_process
            if sectors_processed >= max_sectors:
                break
        with state_context("failed to update early terminations queue"):
            for key in processed:
                queue.amt.delete(key)
            if remaining is not None:
                queue.amt.set(remaining[1], encode_bitfield(remaining[0]))
        partition = replace(self, early_terminated=queue.flush())
        partition.validate_state()
        result = TerminationResult(taken, partitions_processed=1, sectors_processed=sectors_processed)
        return partition, result, len(queue.amt) > 0

    def record_skipped_faults(
        self,
        store: Blockstore,
        sectors: Sectors,
        sector_size: int,
        quant: QuantSpec,
        fault_expiration: ChainEpoch,
        skipped: BitField,
    ) -> tuple[Partition, PowerPair, PowerPair, PowerPair, bool]:
        """Make sectors skipped in a PoSt faulty (recovering ones go back to faulty); the power delta, the
        new faulty power, the retracted recovery power and whether there were new faults."""
        zero = PowerPair.zero()
        if not skipped:
            return self, zero, zero, zero, False
        if not self.sectors.contains_all(skipped):
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, "skipped faults contains sectors outside partition"
            )
        retracted_recoveries = self.recoveries & skipped
        retracted_power = power_for_sectors(sector_size, sectors.load_sectors(retracted_recoveries))
        new_faults = skipped - self.terminated - self.faults
        new_fault_sectors = sectors.load_sectors(new_faults)
        partition, power_delta, new_fault_power = self.add_faults(
            store, new_faults, new_fault_sectors, fault_expiration, sector_size, quant
        )
        partition = partition.remove_recoveries(retracted_recoveries, retracted_power)
        partition.validate_state()
        return partition, power_delta, new_fault_power, retracted_power, bool(new_fault_sectors)

    # -- invariants ---------------------------------------------------------------------------------

    def validate_power_state(self) -> None:
        """USR_ILLEGAL_STATE unless every power is non-negative and unproven, faulty and recovering power
        fit inside live (and recovering inside faulty) power."""
        for name, power in (
            ("live", self.live_power),
            ("unproven", self.unproven_power),
            ("faulty", self.faulty_power),
            ("recovering", self.recovering_power),
        ):
            if power.raw < 0 or power.qa < 0:
                raise illegal_state(f"Partition left with negative {name} power")
        if self.unproven_power.raw > self.live_power.raw:
            raise illegal_state("Partition left with invalid unproven power")
        if self.faulty_power.raw > self.live_power.raw:
            raise illegal_state("Partition left with invalid faulty power")
        if (
            self.recovering_power.raw > self.live_power.raw
            or self.recovering_power.raw > self.faulty_power.raw
        ):
            raise illegal_state("Partition left with invalid recovering power")

    def validate_bf_state(self) -> None:
        """USR_ILLEGAL_STATE unless the sector bitfields nest as they must."""
        merge = self.unproven | self.faults
        if self.terminated.contains_any(merge):
            raise illegal_state("Partition left with terminated sectors in multiple states")
        if not self.sectors.contains_all(merge | self.terminated):
            raise illegal_state("Partition left with invalid sector state")
        if not self.faults.contains_all(self.recoveries):
            raise illegal_state("Partition left with invalid recovery state")

    def validate_state(self) -> None:
        """Both power and bitfield invariants."""
        self.validate_power_state()
        self.validate_bf_state()


def validate_partition_contains_sectors(partition: Partition, sectors: BitField) -> None:
    """USR_ILLEGAL_STATE (a plain error in Rust, re-coded by callers) unless every sector is the
    partition's."""
    if not partition.sectors.contains_all(sectors):
        raise illegal_state("not all sectors are assigned to the partition")
