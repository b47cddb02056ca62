"""Sector numbers grouped by deadline and partition (builtin-actors ``sector_map.rs``).

Both maps are working values: ``add``/``add_values`` change the map in place and return it, so either
``m.add(...)`` or ``m = m.add(...)`` reads as the Rust does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from filnet.actors.miner.bitfield_queue import illegal_state, state_context
from filnet.ipld.bitfield import BitField
from filnet.params.network import ActorPolicy

_U64_MAX: Final = (1 << 64) - 1


class PartitionSectorMap:
    """Partition index -> sector numbers."""

    def __init__(self, entries: dict[int, BitField] | None = None) -> None:
        self._map: dict[int, BitField] = dict(entries or {})

    def add_values(self, partition_idx: int, sector_numbers: Iterable[int]) -> PartitionSectorMap:
        """Record individual sector numbers at a partition."""
        with state_context("invalid sector numbers"):
            bitfield = BitField.from_indices(sector_numbers)
        return self.add(partition_idx, bitfield)

    def add(self, partition_idx: int, sector_numbers: BitField) -> PartitionSectorMap:
        """Record sector numbers at a partition, merging with what is there."""
        old = self._map.get(partition_idx)
        self._map[partition_idx] = sector_numbers if old is None else old.union(sector_numbers)
        return self

    def count(self) -> tuple[int, int]:
        """(partitions, sectors) in the map; USR_ILLEGAL_STATE when the sector count overflows a u64."""
        sectors = sum(bf.count() for bf in self._map.values())
        if sectors > _U64_MAX:
            raise illegal_state("integer overflow when counting sectors")
        return len(self._map), sectors

    def partitions(self) -> list[int]:
        """The partition indices, ascending."""
        return sorted(self._map)

    def iter(self) -> Iterator[tuple[int, BitField]]:
        """(partition index, sectors), by ascending index."""
        for idx in sorted(self._map):
            yield idx, self._map[idx]

    def __iter__(self) -> Iterator[tuple[int, BitField]]:
        return self.iter()

    def __len__(self) -> int:
        return len(self._map)

    def is_empty(self) -> bool:
        """Whether no partition is recorded."""
        return not self._map

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartitionSectorMap) and self._map == other._map

    def __repr__(self) -> str:
        return f"PartitionSectorMap({dict(self.iter())!r})"


class DeadlineSectorMap:
    """Deadline index -> partition index -> sector numbers."""

    def __init__(self, entries: dict[int, PartitionSectorMap] | None = None) -> None:
        self._map: dict[int, PartitionSectorMap] = dict(entries or {})

    @classmethod
    def new(cls) -> DeadlineSectorMap:
        """An empty map."""
        return cls()

    def check(self, max_partitions: int, max_sectors: int) -> None:
        """USR_ILLEGAL_STATE (the Rust's plain error) if the map holds more partitions or sectors than
        allowed; callers re-code it as builtin-actors does."""
        partitions, sectors = self.count()
        if partitions > max_partitions:
            raise illegal_state(f"too many partitions {partitions}, max {max_partitions}")
        if sectors > max_sectors:
            raise illegal_state(f"too many sectors {sectors}, max {max_sectors}")

    def count(self) -> tuple[int, int]:
        """(partitions, sectors) over all deadlines; USR_ILLEGAL_STATE when a count overflows a u64."""
        partitions = sectors = 0
        for pm in self._map.values():
            p, s = pm.count()
            partitions += p
            sectors += s
            if sectors > _U64_MAX:
                raise illegal_state("integer overflow when counting sectors")
        return partitions, sectors

    def add(
        self, policy: ActorPolicy, deadline_idx: int, partition_idx: int, sector_numbers: BitField
    ) -> DeadlineSectorMap:
        """Record sector numbers at a deadline and partition; USR_ILLEGAL_STATE for a bad deadline."""
        if not 0 <= deadline_idx < policy.wpost_period_deadlines:
            raise illegal_state(f"invalid deadline {deadline_idx}")
        self._map.setdefault(deadline_idx, PartitionSectorMap()).add(partition_idx, sector_numbers)
        return self

    def add_values(
        self, policy: ActorPolicy, deadline_idx: int, partition_idx: int, sector_numbers: Iterable[int]
    ) -> DeadlineSectorMap:
        """Record individual sector numbers at a deadline and partition."""
        with state_context("invalid sector numbers"):
            bitfield = BitField.from_indices(sector_numbers)
        return self.add(policy, deadline_idx, partition_idx, bitfield)

    def deadlines(self) -> list[int]:
        """The deadline indices, ascending."""
        return sorted(self._map)

    def iter(self) -> Iterator[tuple[int, PartitionSectorMap]]:
        """(deadline index, partition map), by ascending index."""
        for idx in sorted(self._map):
            yield idx, self._map[idx]

    def __iter__(self) -> Iterator[tuple[int, PartitionSectorMap]]:
        return self.iter()

    def __len__(self) -> int:
        return len(self._map)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DeadlineSectorMap) and self._map == other._map
