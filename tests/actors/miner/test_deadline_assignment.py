"""Assigning new sectors to deadlines (builtin-actors ``tests/deadline_assignment.rs``)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from filnet.actors.miner.deadline_assignment import assign_deadlines
from filnet.vm.exit_codes import ActorError, ExitCode
from tests.actors.miner import POLICY, make_sector


@dataclass(frozen=True)
class Counts:
    live_sectors: int
    total_sectors: int


def spec(live: int, dead: int) -> Counts:
    return Counts(live, live + dead)


CASES = [
    # even assignment and striping
    (10, [(spec(0, 0), [0, 1, 2, 3, 8, 9]), (spec(0, 0), [4, 5, 6, 7])]),
    # fill the non-full partition first
    (5, [(spec(0, 0), [3, 4]), None, None, (spec(1, 0), [0, 1, 2])]),
    # fewest live partitions after compaction
    (1, [(spec(8, 0), []), (spec(7, 5), [0])]),
    # same partitions after compaction: fewest before
    (1, [(spec(4, 4), []), (spec(4, 0), [0])]),
    # several open partitions: the fullest
    (1, [(spec(1, 0), []), (spec(2, 0), [0])]),
    # dead sectors count
    (1, [(spec(1, 0), []), (spec(0, 2), [0])]),
    (1, [(spec(0, 1), []), (spec(0, 2), [0])]),
    # equally full: fewest live sectors
    (1, [(spec(1, 1), []), (spec(0, 2), [0])]),
]


@pytest.mark.parametrize(("count", "deadlines"), CASES)
def test_deadline_assignment(count: int, deadlines: list[tuple[Counts, list[int]] | None]) -> None:
    sectors = [make_sector(100, i) for i in range(count)]
    assignment = assign_deadlines(POLICY, 100, 4, [d[0] if d else None for d in deadlines], sectors)
    assert len(assignment) == POLICY.wpost_period_deadlines
    for idx, assigned in enumerate(assignment):
        entry = deadlines[idx] if idx < len(deadlines) else None
        expected = entry[1] if entry else []
        assert [s.sector_number for s in assigned] == expected


def test_fails_if_all_deadlines_hit_their_max_partitions_before_assigning_all() -> None:
    # each deadline takes 5 partitions of 5 sectors: 48 * 25 = 1200 sectors in all
    deadlines = [Counts(0, 0)] * POLICY.wpost_period_deadlines
    with pytest.raises(ActorError, match="max partitions limit 5 reached") as e:
        assign_deadlines(POLICY, 5, 5, deadlines, [make_sector(100, i) for i in range(1201)])
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE


def test_succeeds_if_all_deadlines_hit_their_max_partitions_but_assignment_is_complete() -> None:
    deadlines = [Counts(0, 0)] * POLICY.wpost_period_deadlines
    assignment = assign_deadlines(POLICY, 5, 5, deadlines, [make_sector(100, i) for i in range(1200)])
    assert all(len(a) == 25 for a in assignment)


def test_fails_if_some_deadlines_have_sectors_and_all_hit_the_limit() -> None:
    deadlines = [Counts(1, 2)] * POLICY.wpost_period_deadlines
    # room for 1200 - 2 * 48 = 1104
    with pytest.raises(ActorError):
        assign_deadlines(POLICY, 5, 5, deadlines, [make_sector(100, i) for i in range(1105)])
    assign_deadlines(POLICY, 5, 5, deadlines, [make_sector(100, i) for i in range(1104)])


def test_no_eligible_deadline_is_an_assertion_failure() -> None:
    with pytest.raises(ActorError) as e:
        assign_deadlines(POLICY, 5, 5, [None] * 48, [make_sector(100, 1)])
    assert e.value.exit_code is ExitCode.USR_ASSERTION_FAILED
