"""When a partition's sectors expire, on time or early (builtin-actors ``expiration_queue.rs``).

An :class:`ExpirationQueue` is an AMT (bit width 4 in partitions) from a quantized epoch to the
:class:`ExpirationSet` of sectors leaving then: "on-time" sectors reach their committed expiration, "early"
ones have been faulty for too long. Active power is always on-time power; early sectors are always faulty.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from filnet.actors.encoding import CborTuple, as_bigint, fields
from filnet.actors.miner.bitfield_queue import (
    amt_index,
    decode_bitfield,
    encode_bitfield,
    illegal_state,
    load_amt,
    state_context,
)
from filnet.actors.miner.quantize import QuantSpec
from filnet.actors.miner.sectors import PowerPair, SectorOnChainInfo, power_for_sector
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld.amt import Amt
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.params.network import ActorPolicy

#: Most sectors one queue entry may hold when it is expanded (at least the largest partition).
ENTRY_SECTORS_MAX: Final = 10_000
_EMPTY: Final = BitField()


@dataclass(frozen=True, slots=True)
class ExpirationSet(CborTuple):
    """Sectors leaving at one epoch, with their pledge, power and daily fee.

    ``fee_deduction`` (FIP-0100) is the sixth field; sets written before it have five and read as zero.
    """

    on_time_sectors: BitField = _EMPTY
    early_sectors: BitField = _EMPTY
    on_time_pledge: TokenAmount = ZERO
    active_power: PowerPair = field(default_factory=PowerPair)
    faulty_power: PowerPair = field(default_factory=PowerPair)
    fee_deduction: TokenAmount = ZERO

    @classmethod
    def empty(cls) -> ExpirationSet:
        """No sectors."""
        return cls()

    def add(
        self,
        on_time_sectors: BitField,
        early_sectors: BitField,
        on_time_pledge: TokenAmount,
        active_power: PowerPair,
        faulty_power: PowerPair,
        fee_deduction: TokenAmount,
    ) -> ExpirationSet:
        """This set with the sectors, pledge, power and fee added."""
        added = ExpirationSet(
            self.on_time_sectors | on_time_sectors,
            self.early_sectors | early_sectors,
            self.on_time_pledge + on_time_pledge,
            self.active_power + active_power,
            self.faulty_power + faulty_power,
            self.fee_deduction + fee_deduction,
        )
        added.validate_state()
        return added

    def remove(
        self,
        on_time_sectors: BitField,
        early_sectors: BitField,
        on_time_pledge: TokenAmount,
        active_power: PowerPair,
        faulty_power: PowerPair,
        fee_deduction: TokenAmount,
    ) -> ExpirationSet:
        """This set without the sectors, pledge, power and fee; they must all be in it."""
        if not self.on_time_sectors.contains_all(on_time_sectors):
            raise illegal_state(
                f"removing on-time sectors {on_time_sectors} not contained in {self.on_time_sectors}"
            )
        if not self.early_sectors.contains_all(early_sectors):
            raise illegal_state(
                f"removing early sectors {early_sectors} not contained in {self.early_sectors}"
            )
        removed = ExpirationSet(
            self.on_time_sectors - on_time_sectors,
            self.early_sectors - early_sectors,
            self.on_time_pledge - on_time_pledge,
            self.active_power - active_power,
            self.faulty_power - faulty_power,
            self.fee_deduction - fee_deduction,
        )
        if removed.on_time_pledge.atto < 0:
            raise illegal_state(f"expiration set pledge underflow: {removed}")
        if removed.active_power.qa < 0 or removed.faulty_power.qa < 0:
            raise illegal_state(f"expiration set power underflow: {removed}")
        if removed.fee_deduction.atto < 0:
            raise illegal_state(f"expiration set fee deduction underflow: {removed}")
        removed.validate_state()
        return removed

    def is_empty(self) -> bool:
        """Whether the set holds no sectors (its power and pledge are then expected to be zero)."""
        return not self.on_time_sectors and not self.early_sectors

    def len(self) -> int:
        """Number of sectors."""
        return self.on_time_sectors.count() + self.early_sectors.count()

    def validate_state(self) -> None:
        """USR_ILLEGAL_STATE if a pledge, power or fee is negative."""
        if self.on_time_pledge.atto < 0:
            raise illegal_state("ExpirationSet left with negative pledge")
        if self.active_power.raw < 0:
            raise illegal_state("ExpirationSet left with negative raw active power")
        if self.active_power.qa < 0:
            raise illegal_state("ExpirationSet left with negative qa active power")
        if self.faulty_power.raw < 0:
            raise illegal_state("ExpirationSet left with negative raw faulty power")
        if self.faulty_power.qa < 0:
            raise illegal_state("ExpirationSet left with negative qa faulty power")
        if self.fee_deduction.atto < 0:
            raise illegal_state("ExpirationSet left with negative fee deduction")

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple (6 fields)."""
        return [
            encode_bitfield(self.on_time_sectors),
            encode_bitfield(self.early_sectors),
            self.on_time_pledge.to_bytes(),
            self.active_power.to_ipld(),
            self.faulty_power.to_ipld(),
            self.fee_deduction.to_bytes(),
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> ExpirationSet:
        """Parse the CBOR tuple (5 or 6 fields)."""
        f = fields(raw, 5 if isinstance(raw, list) and len(raw) == 5 else 6, "ExpirationSet")
        return cls(
            decode_bitfield(f[0], "ExpirationSet.on_time_sectors"),
            decode_bitfield(f[1], "ExpirationSet.early_sectors"),
            TokenAmount(as_bigint(f[2], "ExpirationSet.on_time_pledge")),
            PowerPair.from_ipld(f[3]),
            PowerPair.from_ipld(f[4]),
            TokenAmount(as_bigint(f[5], "ExpirationSet.fee_deduction")) if len(f) == 6 else ZERO,
        )


@dataclass(slots=True)
class SectorEpochSet:
    """Sectors of one quantized expiration epoch, with their summed power, pledge and fee."""

    epoch: ChainEpoch
    sectors: list[int]
    power: PowerPair
    pledge: TokenAmount
    daily_fee: TokenAmount


@dataclass(slots=True)
class _SectorExpirationSet:
    sector_epoch_set: SectorEpochSet
    expiration_set: ExpirationSet


def _sum_sectors(sector_size: int, sectors: Iterable[SectorOnChainInfo]) -> tuple[PowerPair, int, int]:
    """Summed power, pledge and daily fee (attoFIL) of sectors."""
    raw = qa = pledge = fee = 0
    for sector in sectors:
        power = power_for_sector(sector_size, sector)
        raw += power.raw
        qa += power.qa
        pledge += sector.initial_pledge.atto
        fee += sector.daily_fee.atto
    return PowerPair(raw, qa), pledge, fee


def group_new_sectors_by_declared_expiration(
    sector_size: int, sectors: Iterable[SectorOnChainInfo], quant: QuantSpec
) -> list[SectorEpochSet]:
    """Sectors grouped by quantized expiration, earliest first, each group in the given order."""
    by_expiration: dict[ChainEpoch, list[SectorOnChainInfo]] = {}
    for sector in sectors:
        by_expiration.setdefault(quant.quantize_up(sector.expiration), []).append(sector)
    groups = []
    for expiration in sorted(by_expiration):
        group = by_expiration[expiration]
        power, pledge, fee = _sum_sectors(sector_size, group)
        groups.append(
            SectorEpochSet(
                expiration, [s.sector_number for s in group], power, TokenAmount(pledge), TokenAmount(fee)
            )
        )
    return groups


def _group_expiration_set(
    sector_size: int,
    sectors: dict[int, SectorOnChainInfo],
    include_set: set[int],
    es: ExpirationSet,
    expiration: ChainEpoch,
) -> _SectorExpirationSet:
    """The sectors of ``include_set`` found on time in ``es`` (taken out of ``include_set``)."""
    found = sorted(n for n in include_set if n in es.on_time_sectors)
    include_set.difference_update(found)
    power, pledge, fee = _sum_sectors(sector_size, (sectors[n] for n in found))
    return _SectorExpirationSet(
        SectorEpochSet(expiration, found, power, TokenAmount(pledge), TokenAmount(fee)), es
    )


def _bitfield(values: Iterable[int]) -> BitField:
    with state_context("invalid sector numbers"):
        return BitField.from_indices(values)


class ExpirationQueue:
    """An AMT[quantized epoch] of expiration sets, working over the store until :meth:`flush`."""

    def __init__(self, amt: Amt, quant: QuantSpec) -> None:
        self.amt = amt
        self.quant = quant

    @classmethod
    def new(cls, store: Blockstore, root: CID, quant: QuantSpec) -> ExpirationQueue:
        """Load the queue at ``root``; epochs given to its methods are quantized up by ``quant``."""
        return cls(load_amt(store, root, "expiration queue"), quant)

    def flush(self) -> CID:
        """Write the changes; the new root."""
        with state_context("failed to flush expiration queue"):
            return self.amt.flush()

    def entries(self) -> Iterator[tuple[ChainEpoch, ExpirationSet]]:
        """Every (epoch, set), by ascending epoch."""
        with state_context("failed to iterate expiration queue"):
            for epoch, raw in self.amt.items():
                yield ChainEpoch(epoch), ExpirationSet.from_ipld(raw)

    def add_active_sectors(
        self, sectors: Iterable[SectorOnChainInfo], sector_size: int
    ) -> tuple[ExpirationQueue, BitField, PowerPair, TokenAmount, TokenAmount]:
        """Schedule non-faulty sectors at their quantized expirations; their numbers, power, pledge and
        daily fee."""
        total_power = PowerPair.zero()
        total_pledge = total_fee = ZERO
        numbers = []
        for group in group_new_sectors_by_declared_expiration(sector_size, sectors, self.quant):
            bitfield = _bitfield(group.sectors)
            self._add(
                group.epoch, bitfield, _EMPTY, group.power, PowerPair.zero(), group.pledge, group.daily_fee
            )
            numbers.append(bitfield)
            total_power += group.power
            total_pledge += group.pledge
            total_fee += group.daily_fee
        return self, BitField.multi_union(numbers), total_power, total_pledge, total_fee

    def reschedule_expirations(
        self, new_expiration: ChainEpoch, sectors: Sequence[SectorOnChainInfo], sector_size: int
    ) -> ExpirationQueue:
        """Move non-faulty sectors to expire on time at ``new_expiration`` (power and pledge unchanged)."""
        if not sectors:
            return self
        numbers, power, pledge, fee = self._remove_active_sectors(sectors, sector_size)
        self._add(new_expiration, numbers, _EMPTY, power, PowerPair.zero(), pledge, fee)
        return self

    def reschedule_as_faults(
        self, new_expiration: ChainEpoch, sectors: Sequence[SectorOnChainInfo], sector_size: int
    ) -> tuple[ExpirationQueue, PowerPair]:
        """Make non-faulty sectors faulty, moving those due after ``new_expiration`` to expire early then
        (their pledge leaves the queue); the power of all of them."""
        early_sectors: list[int] = []
        expiring_power = rescheduled_power = PowerPair.zero()
        rescheduled_fee = ZERO
        new_quantized = self.quant.quantize_up(new_expiration)
        for group in self._find_sectors_by_expiration(sector_size, sectors):
            ses, es = group.sector_epoch_set, group.expiration_set
            if ses.epoch <= new_quantized:
                # Expiring on time before the fault would end them: keep them here, their power faulty.
                es = replace(
                    es, active_power=es.active_power - ses.power, faulty_power=es.faulty_power + ses.power
                )
                expiring_power += ses.power
            else:
                es = replace(
                    es,
                    on_time_sectors=es.on_time_sectors - _bitfield(ses.sectors),
                    on_time_pledge=es.on_time_pledge - ses.pledge,
                    active_power=es.active_power - ses.power,
                    fee_deduction=es.fee_deduction - ses.daily_fee,
                )
                early_sectors.extend(ses.sectors)
                rescheduled_power += ses.power
                rescheduled_fee += ses.daily_fee
            self._must_update_or_delete(ses.epoch, es)
            es.validate_state()
        if early_sectors:
            self._add(
                new_expiration,
                _EMPTY,
                _bitfield(early_sectors),
                PowerPair.zero(),
                rescheduled_power,
                ZERO,
                rescheduled_fee,
            )
        return self, rescheduled_power + expiring_power

    def reschedule_all_as_faults(self, fault_expiration: ChainEpoch) -> ExpirationQueue:
        """Make every sector faulty, moving those due after ``fault_expiration`` to expire early then."""
        rescheduled_epochs: list[int] = []
        rescheduled_sectors: list[BitField] = []
        rescheduled_power = PowerPair.zero()
        rescheduled_fee = ZERO
        mutated: list[tuple[ChainEpoch, ExpirationSet]] = []
        quantized = self.quant.quantize_up(fault_expiration)
        for epoch, es in list(self.entries()):
            if epoch <= quantized:
                # All power is now faulty; pledge stays on time, and the fee stays with the entry.
                faulty = es.faulty_power + es.active_power
                mutated.append((epoch, replace(es, faulty_power=faulty, active_power=PowerPair.zero())))
            else:
                rescheduled_epochs.append(epoch)
                if es.early_sectors:
                    raise illegal_state("attempted to re-schedule early expirations to an earlier epoch")
                rescheduled_sectors.append(es.on_time_sectors)
                rescheduled_power += es.active_power + es.faulty_power
                rescheduled_fee += es.fee_deduction
        for epoch, es in mutated:
            self._must_update(epoch, es)
            es.validate_state()
        if not rescheduled_epochs:
            return self
        self._add(
            fault_expiration,
            _EMPTY,
            BitField.multi_union(rescheduled_sectors),
            PowerPair.zero(),
            rescheduled_power,
            ZERO,
            rescheduled_fee,
        )
        self._delete_all(rescheduled_epochs)
        return self

    def reschedule_recovered(
        self, sectors: Sequence[SectorOnChainInfo], sector_size: int
    ) -> tuple[ExpirationQueue, PowerPair]:
        """Make faulty sectors active again: those expiring early go back to their own expiration, those
        expiring on time stay; the recovered power."""
        remaining = {s.sector_number: s for s in sectors}
        rescheduled: list[SectorOnChainInfo] = []
        recovered_power = PowerPair.zero()
        # Changes wait until the walk is over: the AMT is not changed under its own iterator.
        updates: list[tuple[ChainEpoch, ExpirationSet]] = []
        emptied: list[int] = []
        for epoch, es in self.entries():
            faulty_delta = active_delta = PowerPair.zero()
            fee_delta = ZERO
            for number in sorted(n for n in remaining if n in es.on_time_sectors):
                power = power_for_sector(sector_size, remaining.pop(number))
                faulty_delta -= power
                active_delta += power
                recovered_power += power
            early_unset = sorted(n for n in remaining if n in es.early_sectors)
            for number in early_unset:
                sector = remaining.pop(number)
                power = power_for_sector(sector_size, sector)
                faulty_delta -= power
                fee_delta -= sector.daily_fee
                rescheduled.append(sector)
                recovered_power += power
            if early_unset or not faulty_delta.is_zero() or not active_delta.is_zero():
                es = ExpirationSet(
                    es.on_time_sectors,
                    es.early_sectors - _bitfield(early_unset),
                    es.on_time_pledge,
                    es.active_power + active_delta,
                    es.faulty_power + faulty_delta,
                    es.fee_deduction + fee_delta,
                )
                updates.append((epoch, es))
            es.validate_state()
            if es.is_empty():
                emptied.append(epoch)
            if not remaining:
                break
        for epoch, es in updates:
            self._must_update(epoch, es)
        self._delete_all(emptied)
        if remaining:
            raise illegal_state(f"sectors not found in expiration queue: {sorted(remaining)}")
        self.add_active_sectors(rescheduled, sector_size)
        return self, recovered_power

    def replace_sectors(
        self,
        old_sectors: Sequence[SectorOnChainInfo],
        new_sectors: Sequence[SectorOnChainInfo],
        sector_size: int,
    ) -> tuple[ExpirationQueue, BitField, BitField, PowerPair, TokenAmount, TokenAmount]:
        """Remove non-faulty ``old_sectors`` and add ``new_sectors``; old and new numbers, and the power,
        pledge and fee deltas (new minus old)."""
        old_numbers, old_power, old_pledge, old_fee = self._remove_active_sectors(old_sectors, sector_size)
        _, new_numbers, new_power, new_pledge, new_fee = self.add_active_sectors(new_sectors, sector_size)
        return (
            self,
            old_numbers,
            new_numbers,
            new_power - old_power,
            new_pledge - old_pledge,
            new_fee - old_fee,
        )

    def remove_sectors(
        self,
        policy: ActorPolicy,
        sectors: Sequence[SectorOnChainInfo],
        faults: BitField,
        recovering: BitField,
        sector_size: int,
    ) -> tuple[ExpirationQueue, ExpirationSet, PowerPair]:
        """Remove sectors, active or faulty, on time or early; what was removed and the recovering power
        among it."""
        remaining = {s.sector_number for s in sectors}
        if faults.count() > policy.addressed_sectors_max:
            raise illegal_state("too many faults to expand")
        if recovering.count() > policy.addressed_sectors_max:
            raise illegal_state("too many recoveries to expand")

        non_faulty = [s for s in sectors if s.sector_number not in faults]
        faulty = [s for s in sectors if s.sector_number in faults]
        remaining.difference_update(s.sector_number for s in non_faulty)

        # Non-faulty sectors always expire on time, so their entries are known.
        numbers, power, pledge, fee = self._remove_active_sectors(non_faulty, sector_size)
        on_time_removed = set(numbers)
        early_removed: set[int] = set()
        removed_pledge, removed_active, removed_faulty, removed_fee = (
            pledge.atto,
            power,
            PowerPair(),
            fee.atto,
        )
        recovering_power = PowerPair.zero()

        # Faulty sectors can be anywhere within the fault max age; the walk stops once all are found.
        # Changes wait until the walk is over: the AMT is not changed under its own iterator.
        updates: list[tuple[ChainEpoch, ExpirationSet]] = []
        emptied: list[int] = []
        for epoch, es in self.entries():
            if es.on_time_sectors.count() > ENTRY_SECTORS_MAX:
                raise illegal_state("too many on-time sectors to expand")
            if es.early_sectors.count() > ENTRY_SECTORS_MAX:
                raise illegal_state("too many early sectors to expand")
            on_time_unset: list[int] = []
            early_unset: list[int] = []
            es_pledge, es_active, es_faulty, es_fee = (
                es.on_time_pledge.atto,
                es.active_power,
                es.faulty_power,
                0,
            )
            for sector in faulty:
                number = sector.sector_number
                if number in es.on_time_sectors:
                    on_time_unset.append(number)
                    on_time_removed.add(number)
                    es_pledge -= sector.initial_pledge.atto
                    removed_pledge += sector.initial_pledge.atto
                elif number in es.early_sectors:
                    early_unset.append(number)
                    early_removed.add(number)
                else:
                    continue
                sector_power = power_for_sector(sector_size, sector)
                if number in faults:
                    es_faulty -= sector_power
                    removed_faulty += sector_power
                else:
                    es_active -= sector_power
                    removed_active += sector_power
                if number in recovering:
                    recovering_power += sector_power
                remaining.discard(number)
                removed_fee += sector.daily_fee.atto
                es_fee += sector.daily_fee.atto
            if on_time_unset or early_unset:
                es = ExpirationSet(
                    es.on_time_sectors - _bitfield(on_time_unset),
                    es.early_sectors - _bitfield(early_unset),
                    TokenAmount(es_pledge),
                    es_active,
                    es_faulty,
                    es.fee_deduction - TokenAmount(es_fee),
                )
                updates.append((epoch, es))
            es.validate_state()
            if es.is_empty():
                emptied.append(epoch)
            if not remaining:
                break
        for epoch, es in updates:
            self._must_update(epoch, es)
        self._delete_all(emptied)
        if remaining:
            raise illegal_state(f"sectors not found in expiration queue: {sorted(remaining)}")
        removed = ExpirationSet(
            _bitfield(on_time_removed),
            _bitfield(early_removed),
            TokenAmount(removed_pledge),
            removed_active,
            removed_faulty,
            TokenAmount(removed_fee),
        )
        return self, removed, recovering_power

    def pop_until(self, until: ChainEpoch) -> tuple[ExpirationQueue, ExpirationSet]:
        """Remove every entry at or before ``until``; their aggregate."""
        on_time: list[BitField] = []
        early: list[BitField] = []
        active = faulty = PowerPair.zero()
        pledge = fee = ZERO
        popped: list[int] = []
        for epoch, es in self.entries():
            if epoch > until:
                break
            popped.append(epoch)
            on_time.append(es.on_time_sectors)
            early.append(es.early_sectors)
            active += es.active_power
            faulty += es.faulty_power
            pledge += es.on_time_pledge
            fee += es.fee_deduction
        self._delete_all(popped)
        return self, ExpirationSet(
            BitField.multi_union(on_time), BitField.multi_union(early), pledge, active, faulty, fee
        )

    # -- internals ------------------------------------------------------------------------------

    def _add(
        self,
        raw_epoch: ChainEpoch,
        on_time_sectors: BitField,
        early_sectors: BitField,
        active_power: PowerPair,
        faulty_power: PowerPair,
        pledge: TokenAmount,
        daily_fee: TokenAmount,
    ) -> None:
        epoch = self.quant.quantize_up(raw_epoch)
        es = self._may_get(epoch).add(
            on_time_sectors, early_sectors, pledge, active_power, faulty_power, daily_fee
        )
        self._must_update(epoch, es)

    def _remove(
        self,
        raw_epoch: ChainEpoch,
        on_time_sectors: BitField,
        early_sectors: BitField,
        active_power: PowerPair,
        faulty_power: PowerPair,
        pledge: TokenAmount,
        fee_deduction: TokenAmount,
    ) -> None:
        epoch = self.quant.quantize_up(raw_epoch)
        with state_context(f"failed to lookup queue epoch {epoch}"):
            raw = self.amt.get(amt_index(epoch, "expiration queue"))
            es = None if raw is None else ExpirationSet.from_ipld(raw)
        if es is None:
            raise illegal_state(f"missing expected expiration set at epoch {epoch}")
        es = es.remove(on_time_sectors, early_sectors, pledge, active_power, faulty_power, fee_deduction)
        self._must_update_or_delete(epoch, es)

    def _remove_active_sectors(
        self, sectors: Sequence[SectorOnChainInfo], sector_size: int
    ) -> tuple[BitField, PowerPair, TokenAmount, TokenAmount]:
        numbers: list[int] = []
        power = PowerPair.zero()
        pledge = fee = ZERO
        for group in self._find_sectors_by_expiration(sector_size, sectors):
            ses = group.sector_epoch_set
            self._remove(
                ses.epoch,
                _bitfield(ses.sectors),
                _EMPTY,
                ses.power,
                PowerPair.zero(),
                ses.pledge,
                ses.daily_fee,
            )
            numbers.extend(ses.sectors)
            power += ses.power
            pledge += ses.pledge
            fee += ses.daily_fee
        return _bitfield(numbers), power, pledge, fee

    def _may_get(self, epoch: ChainEpoch) -> ExpirationSet:
        with state_context(f"failed to lookup queue epoch {epoch}"):
            raw = self.amt.get(amt_index(epoch, "expiration queue"))
            return ExpirationSet() if raw is None else ExpirationSet.from_ipld(raw)

    def _must_update(self, epoch: ChainEpoch, es: ExpirationSet) -> None:
        with state_context(f"failed to set queue epoch {epoch}"):
            self.amt.set(amt_index(epoch, "expiration queue"), es.to_ipld())

    def _must_update_or_delete(self, epoch: ChainEpoch, es: ExpirationSet) -> None:
        if es.is_empty():
            with state_context(f"failed to delete queue epoch {epoch}"):
                self.amt.delete(amt_index(epoch, "expiration queue"))
        else:
            self._must_update(epoch, es)

    def _delete_all(self, epochs: Iterable[int]) -> None:
        with state_context("failed to delete expiration queue entries"):
            for epoch in epochs:
                self.amt.delete(epoch)

    def _find_sectors_by_expiration(
        self, sector_size: int, sectors: Sequence[SectorOnChainInfo]
    ) -> list[_SectorExpirationSet]:
        """Sectors grouped by the entry they are on time in: first their declared (quantized) expiration,
        then, for rescheduled ones, the rest of the queue in order. Groups come earliest first."""
        declared = sorted({self.quant.quantize_up(s.expiration) for s in sectors})
        by_number = {s.sector_number: s for s in sectors}
        remaining = set(by_number)
        groups: list[_SectorExpirationSet] = []
        for expiration in declared:
            group = _group_expiration_set(
                sector_size, by_number, remaining, self._may_get(expiration), expiration
            )
            if group.sector_epoch_set.sectors:
                groups.append(group)
        if remaining:
            declared_set = set(declared)
            for epoch, es in self.entries():
                if epoch in declared_set:
                    continue
                # Grouping only ever finds active sectors, which are never early.
                for number in remaining:
                    if number in es.early_sectors:
                        raise illegal_state(
                            f"Invalid attempt to group sector {number} with an early expiration"
                        )
                group = _group_expiration_set(sector_size, by_number, remaining, es, epoch)
                if group.sector_epoch_set.sectors:
                    groups.append(group)
                if not remaining:
                    break
        if remaining:
            raise illegal_state("some sectors not found in expiration queue")
        groups.sort(key=lambda g: g.sector_epoch_set.epoch)
        return groups
