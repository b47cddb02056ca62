"""What a pass over early terminations produced (builtin-actors ``termination.rs``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from filnet.core.types import ChainEpoch
from filnet.ipld.bitfield import BitField


@dataclass(frozen=True, slots=True)
class TerminationResult:
    """Terminated sectors by termination epoch, and how many partitions and sectors were processed."""

    sectors: dict[ChainEpoch, BitField] = field(default_factory=dict)
    partitions_processed: int = 0
    sectors_processed: int = 0

    @classmethod
    def new(cls) -> TerminationResult:
        """Nothing processed."""
        return cls()

    def __add__(self, rhs: TerminationResult) -> TerminationResult:
        """Both results together, sectors of the same epoch merged (Rust ``+=``)."""
        merged = dict(self.sectors)
        for epoch, sectors in rhs.sectors.items():
            merged[epoch] = merged[epoch].union(sectors) if epoch in merged else sectors
        return TerminationResult(
            merged,
            self.partitions_processed + rhs.partitions_processed,
            self.sectors_processed + rhs.sectors_processed,
        )

    def below_limit(self, partition_limit: int, sector_limit: int) -> bool:
        """Whether both counts are still under their limits."""
        return self.partitions_processed < partition_limit and self.sectors_processed < sector_limit

    def is_empty(self) -> bool:
        """Whether no sector was processed."""
        return self.sectors_processed == 0

    def iter(self) -> Iterator[tuple[ChainEpoch, BitField]]:
        """(epoch, sectors), by ascending epoch."""
        for epoch in sorted(self.sectors):
            yield epoch, self.sectors[epoch]
