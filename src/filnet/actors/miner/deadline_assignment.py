"""Choosing deadlines for new sectors (builtin-actors ``deadline_assignment.rs``).

Each sector goes to the mutable deadline that, after taking it, would have (1) the fewest partitions once
compacted, (2) the fewest partitions as is, (3) a partition already open, (4) among open ones the fullest,
(5) the fewest live sectors, and (6) the lowest index.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from filnet.actors.miner.bitfield_queue import illegal_state
from filnet.actors.miner.sectors import SectorOnChainInfo
from filnet.params.network import ActorPolicy
from filnet.vm.exit_codes import ActorError, ExitCode


class _SectorCounts(Protocol):
    """What assignment needs of a deadline."""

    @property
    def live_sectors(self) -> int: ...

    @property
    def total_sectors(self) -> int: ...


def _div_rounding_up(dividend: int, divisor: int) -> int:
    return -(-dividend // divisor)


@dataclass(slots=True)
class _DeadlineAssignmentInfo:
    index: int
    live_sectors: int
    total_sectors: int

    def order_key(self, partition_size: int) -> tuple[int, int, bool, int, int, int]:
        """The Rust ``cmp`` as a sort key: smaller is preferred."""
        full = self.total_sectors % partition_size == 0
        return (
            _div_rounding_up(self.live_sectors + 1, partition_size),
            _div_rounding_up(self.total_sectors + 1, partition_size),
            full,
            # Between two open partitions prefer the fuller; between two full ones this ties.
            0 if full else -self.total_sectors,
            self.live_sectors,
            self.index,
        )


def assign_deadlines(
    policy: ActorPolicy,
    max_partitions: int,
    partition_size: int,
    deadlines: Sequence[_SectorCounts | None],
    sectors: Sequence[SectorOnChainInfo],
) -> list[list[SectorOnChainInfo]]:
    """The sectors assigned to each deadline index (None deadlines are not eligible)."""
    infos = [
        _DeadlineAssignmentInfo(index, dl.live_sectors, dl.total_sectors)
        for index, dl in enumerate(deadlines)
        if dl is not None
    ]
    if not infos:
        # builtin-actors asserts this; a panic aborts the message with USR_ASSERTION_FAILED.
        raise ActorError(ExitCode.USR_ASSERTION_FAILED, "no deadline is open to new sectors")
    heap = [(info.order_key(partition_size), info.index, info) for info in infos]
    heapq.heapify(heap)
    changes: list[list[SectorOnChainInfo]] = [[] for _ in range(policy.wpost_period_deadlines)]
    for sector in sectors:
        _, _, info = heap[0]
        if info.total_sectors >= partition_size * max_partitions:
            raise illegal_state(f"max partitions limit {max_partitions} reached for all deadlines")
        changes[info.index].append(sector)
        info.live_sectors += 1
        info.total_sectors += 1
        heapq.heapreplace(heap, (info.order_key(partition_size), info.index, info))
    return changes
