"""Deadlines (builtin-actors ``tests/deadline_state_test.rs``)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors.miner.deadline import Deadline, Deadlines, DisputeInfo, WindowedPoSt
from filnet.actors.miner.invariants import DeadlineStateSummary, check_deadline_state_invariants
from filnet.actors.miner.partition import Partition
from filnet.actors.miner.quantize import QuantSpec
from filnet.actors.miner.sector_map import PartitionSectorMap
from filnet.actors.miner.sectors import (
    PowerPair,
    SectorOnChainInfo,
    Sectors,
    daily_fee_for_sectors,
    power_for_sectors,
    select_sectors,
)
from filnet.actors.miner.termination import TerminationResult
from filnet.actors.miner.types import PoStPartition
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.proofs.onchain import PoStProof
from filnet.vm.exit_codes import ActorError, ExitCode
from tests.actors.miner import POLICY, bf, make_sector

SECTOR_SIZE = 32 << 30
QUANT = QuantSpec(ChainEpoch(4), ChainEpoch(1))
PARTITION_SIZE = 4
EMPTY = BitField()
PARTITIONS = [bf(1, 2, 3, 4), bf(5, 6, 7, 8), bf(9)]
PARTITIONS_WITH_10 = [bf(1, 2, 3, 4), bf(5, 6, 7, 8), bf(9, 10)]


def sectors() -> list[SectorOnChainInfo]:
    return [
        make_sector(2, 1, 50, 60, 1000, 1000),
        make_sector(3, 2, 51, 61, 1001, 2000),
        make_sector(7, 3, 52, 62, 1002, 3000),
        make_sector(8, 4, 53, 63, 1003, 4000),
        make_sector(8, 5, 54, 64, 1004, 5000),
        make_sector(11, 6, 55, 65, 1005, 6000),
        make_sector(13, 7, 56, 66, 1006, 7000),
        make_sector(8, 8, 57, 67, 1007, 8000),
        make_sector(8, 9, 58, 68, 1008, 9000),
    ]


def extra_sectors() -> list[SectorOnChainInfo]:
    return [make_sector(8, 10, 58, 68, 1008, 9000)]


def all_sectors() -> list[SectorOnChainInfo]:
    return sectors() + extra_sectors()


def sector_power(*numbers: int) -> PowerPair:
    return power_for_sectors(SECTOR_SIZE, select_sectors(all_sectors(), bf(*numbers)))


def sectors_arr(store: MemoryBlockstore, infos: Sequence[SectorOnChainInfo]) -> Sectors:
    return Sectors.new(store).store(infos)


def pmap(entries: dict[int, BitField]) -> PartitionSectorMap:
    m = PartitionSectorMap()
    for idx, numbers in entries.items():
        m.add(idx, numbers)
    return m


def assert_deadline(
    store: MemoryBlockstore,
    deadline: Deadline,
    partitions: Sequence[BitField],
    infos: Sequence[SectorOnChainInfo] | None = None,
    faults: BitField = EMPTY,
    recovering: BitField = EMPTY,
    terminations: BitField = EMPTY,
    unproven: BitField = EMPTY,
    posts: BitField = EMPTY,
) -> DeadlineStateSummary:
    by_number = {s.sector_number: s for s in (all_sectors() if infos is None else infos)}
    summary, problems = check_deadline_state_invariants(deadline, store, QUANT, SECTOR_SIZE, by_number)
    assert problems == []
    assert summary.faulty_sectors == faults
    assert summary.recovering_sectors == recovering
    assert summary.terminated_sectors == terminations
    assert summary.unproven_sectors == unproven
    assert deadline.partitions_posted == posts
    found = [p.sectors for _, p in deadline.for_each(store)]
    assert found == list(partitions)
    return summary


def add_sectors(store: MemoryBlockstore, prove: bool) -> Deadline:
    """Partition 0: sectors 1-4, partition 1: 5-8, partition 2: 9; proven if ``prove``."""
    deadline, power, fee = Deadline.new(store).add_sectors(
        store, PARTITION_SIZE, False, True, sectors(), SECTOR_SIZE, QUANT
    )
    assert power == power_for_sectors(SECTOR_SIZE, sectors())
    assert fee == daily_fee_for_sectors(sectors())
    assert_deadline(store, deadline, PARTITIONS, sectors(), unproven=bf(*range(1, 10)))
    if not prove:
        return deadline
    arr = sectors_arr(store, sectors())
    posts = [PoStPartition(0), PoStPartition(1), PoStPartition(2)]
    deadline, result = deadline.record_proven_sectors(store, arr, SECTOR_SIZE, QUANT, ChainEpoch(0), posts)
    assert result.power_delta == power_for_sectors(SECTOR_SIZE, sectors())
    deadline, faulty, recovery = deadline.process_deadline_end(store, QUANT, ChainEpoch(0), arr.flush())
    assert faulty.is_zero()
    assert recovery.is_zero()
    assert_deadline(store, deadline, PARTITIONS, sectors())
    return deadline


def terminate(
    store: MemoryBlockstore, deadline: Deadline, entries: dict[int, BitField]
) -> tuple[Deadline, PowerPair]:
    arr = sectors_arr(store, sectors())
    return deadline.terminate_sectors(POLICY, store, arr, ChainEpoch(15), pmap(entries), SECTOR_SIZE, QUANT)


def add_then_terminate(store: MemoryBlockstore, prove: bool) -> Deadline:
    """Then terminate 1 and 3 (partition 0) and 6 (partition 1) at epoch 15."""
    deadline = add_sectors(store, prove)
    deadline, removed = terminate(store, deadline, {0: bf(1, 3), 1: bf(6)})
    assert removed == (sector_power(1, 3, 6) if prove else PowerPair.zero())
    unproven = bf() if prove else bf(2, 4, 5, 7, 8, 9)
    assert_deadline(store, deadline, PARTITIONS, sectors(), terminations=bf(1, 3, 6), unproven=unproven)
    return deadline


def add_then_terminate_then_pop_early(store: MemoryBlockstore) -> Deadline:
    deadline = add_then_terminate(store, True)
    deadline, result, has_more = deadline.pop_early_terminations(store, 100, 100)
    assert not has_more
    assert result.partitions_processed == 2
    assert result.sectors_processed == 3
    assert result.sectors == {15: bf(1, 3, 6)}
    # popping does not change the terminated sectors
    assert_deadline(store, deadline, PARTITIONS, sectors(), terminations=bf(1, 3, 6))
    return deadline


def add_then_terminate_then_remove_partition(store: MemoryBlockstore) -> Deadline:
    deadline = add_then_terminate_then_pop_early(store)
    arr = sectors_arr(store, sectors())
    deadline, dead = deadline.compact_partitions(store, arr, SECTOR_SIZE, PARTITION_SIZE, bf(0), QUANT)
    assert dead == bf(1, 3)
    assert_deadline(store, deadline, [bf(5, 6, 7, 8), bf(2, 4, 9)], sectors(), terminations=bf(6))
    return deadline


def add_then_mark_faulty(store: MemoryBlockstore, prove: bool) -> Deadline:
    """Then make 1, 5 and 6 faulty until 9: 5 expires on time at 9, 6 early."""
    deadline = add_sectors(store, prove)
    arr = sectors_arr(store, sectors())
    deadline, power_delta = deadline.record_faults(
        store, arr, SECTOR_SIZE, QUANT, ChainEpoch(9), pmap({0: bf(1), 1: bf(5, 6)})
    )
    assert power_delta == (-sector_power(1, 5, 6) if prove else PowerPair.zero())
    unproven = bf() if prove else bf(2, 3, 4, 7, 8, 9)
    assert_deadline(store, deadline, PARTITIONS, sectors(), faults=bf(1, 5, 6), unproven=unproven)
    return deadline


def test_new_deadline_layout() -> None:
    store = MemoryBlockstore()
    deadline = Deadline.new(store)
    assert deadline.partitions == deadline.partitions_snapshot
    assert deadline.optimistic_post_submissions == deadline.optimistic_post_submissions_snapshot
    assert deadline.partitions_amt(store).bit_width == 3
    assert deadline.optimistic_proofs_amt(store).bit_width == 2
    assert Deadline.decode(deadline.encode()) == deadline
    assert len(deadline.to_ipld()) == 13
    assert not deadline.is_live()


@pytest.mark.parametrize("prove", [False, True])
def test_adds_sectors(prove: bool) -> None:
    deadline = add_sectors(MemoryBlockstore(), prove)
    assert deadline.live_sectors == deadline.total_sectors == 9
    assert deadline.daily_fee == daily_fee_for_sectors(sectors())
    assert deadline.is_live()


@pytest.mark.parametrize("prove", [False, True])
def test_terminates_sectors(prove: bool) -> None:
    deadline = add_then_terminate(MemoryBlockstore(), prove)
    assert deadline.live_sectors == 6
    assert deadline.early_terminations == bf(0, 1)
    assert deadline.daily_fee == daily_fee_for_sectors(select_sectors(sectors(), bf(2, 4, 5, 7, 8, 9)))


def test_pops_early_terminations() -> None:
    add_then_terminate_then_pop_early(MemoryBlockstore())


def test_removes_partitions() -> None:
    deadline = add_then_terminate_then_remove_partition(MemoryBlockstore())
    assert deadline.total_sectors == 7
    assert deadline.live_sectors == 6


@pytest.mark.parametrize("prove", [True, False])
def test_marks_faulty(prove: bool) -> None:
    add_then_mark_faulty(MemoryBlockstore(), prove)


def test_cannot_remove_partitions_with_early_terminations() -> None:
    store = MemoryBlockstore()
    deadline = add_then_terminate(store, False)
    with pytest.raises(ActorError, match="early terminations") as e:
        deadline.compact_partitions(
            store, sectors_arr(store, sectors()), SECTOR_SIZE, PARTITION_SIZE, bf(0), QUANT
        )
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_can_pop_early_terminations_in_multiple_steps() -> None:
    store = MemoryBlockstore()
    deadline = add_then_terminate(store, True)
    result = TerminationResult.new()
    for expect_more in (True, True, False):
        deadline, partial, has_more = deadline.pop_early_terminations(store, 2, 1)
        assert has_more is expect_more
        result += partial
    assert result.partitions_processed == 3
    assert result.sectors_processed == 3
    assert result.sectors == {15: bf(1, 3, 6)}
    assert_deadline(store, deadline, PARTITIONS, sectors(), terminations=bf(1, 3, 6))


def test_cannot_remove_missing_partition() -> None:
    store = MemoryBlockstore()
    deadline = add_then_terminate_then_remove_partition(store)
    with pytest.raises(ActorError, match="out of range") as e:
        deadline.compact_partitions(
            store, sectors_arr(store, sectors()), SECTOR_SIZE, PARTITION_SIZE, bf(2), QUANT
        )
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    with pytest.raises(ActorError, match="exceeds total") as e:
        deadline.compact_partitions(
            store, sectors_arr(store, sectors()), SECTOR_SIZE, PARTITION_SIZE, bf(0, 1, 2), QUANT
        )
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_removing_no_partitions_does_nothing() -> None:
    store = MemoryBlockstore()
    deadline = add_then_terminate_then_pop_early(store)
    same, dead = deadline.compact_partitions(
        store, sectors_arr(store, sectors()), SECTOR_SIZE, PARTITION_SIZE, bf(), QUANT
    )
    assert not dead
    assert same == deadline
    assert_deadline(store, deadline, PARTITIONS, sectors(), terminations=bf(1, 3, 6))


def test_fails_to_remove_partitions_with_faulty_sectors() -> None:
    store = MemoryBlockstore()
    deadline = add_then_mark_faulty(store, False)
    with pytest.raises(ActorError, match="has faults") as e:
        deadline.compact_partitions(
            store, sectors_arr(store, sectors()), SECTOR_SIZE, PARTITION_SIZE, bf(1), QUANT
        )
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_fails_to_remove_partitions_with_unproven_sectors() -> None:
    store = MemoryBlockstore()
    deadline = add_sectors(store, False)
    with pytest.raises(ActorError, match="has unproven sectors") as e:
        deadline.compact_partitions(
            store, sectors_arr(store, sectors()), SECTOR_SIZE, PARTITION_SIZE, bf(2), QUANT
        )
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_terminate_proven_and_faulty() -> None:
    store = MemoryBlockstore()
    deadline = add_then_mark_faulty(store, True)
    deadline, removed = terminate(store, deadline, {0: bf(1, 3), 1: bf(6)})
    # 3 was active, 1 and 6 faulty
    assert removed == sector_power(3)
    assert_deadline(store, deadline, PARTITIONS, sectors(), terminations=bf(1, 3, 6), faults=bf(5))


def test_terminate_unproven_and_faulty() -> None:
    store = MemoryBlockstore()
    deadline = add_then_mark_faulty(store, False)
    deadline, removed = terminate(store, deadline, {0: bf(1, 3), 1: bf(6)})
    assert removed.is_zero()
    assert_deadline(
        store,
        deadline,
        PARTITIONS,
        sectors(),
        terminations=bf(1, 3, 6),
        faults=bf(5),
        unproven=bf(2, 4, 7, 8, 9),
    )


def test_fails_to_terminate_missing_sector() -> None:
    store = MemoryBlockstore()
    deadline = add_then_mark_faulty(store, False)
    with pytest.raises(ActorError) as e:
        terminate(store, deadline, {0: bf(6)})
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_fails_to_terminate_missing_partition() -> None:
    store = MemoryBlockstore()
    deadline = add_then_mark_faulty(store, False)
    with pytest.raises(ActorError) as e:
        terminate(store, deadline, {4: bf(6)})
    assert e.value.exit_code is ExitCode.USR_NOT_FOUND


def test_fails_to_terminate_already_terminated_sector() -> None:
    store = MemoryBlockstore()
    deadline = add_then_terminate(store, False)
    with pytest.raises(ActorError) as e:
        terminate(store, deadline, {0: bf(1, 2)})
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_faulty_sectors_expire() -> None:
    store = MemoryBlockstore()
    deadline = add_then_mark_faulty(store, True)
    deadline, expired = deadline.pop_expired_sectors(store, ChainEpoch(9), QUANT)
    # everything but 7 has expired
    assert expired.on_time_sectors == bf(1, 2, 3, 4, 5, 8, 9)
    assert expired.early_sectors == bf(6)
    assert_deadline(store, deadline, PARTITIONS, sectors(), terminations=bf(1, 2, 3, 4, 5, 6, 8, 9))
    assert deadline.live_sectors == 1
    assert deadline.early_terminations == bf(1)
    deadline, result, has_more = deadline.pop_early_terminations(store, 100, 100)
    assert not has_more
    assert result.partitions_processed == 1
    assert result.sectors_processed == 1
    assert result.sectors == {9: bf(6)}
    assert_deadline(store, deadline, PARTITIONS, sectors(), terminations=bf(1, 2, 3, 4, 5, 6, 8, 9))


def test_pop_expired_sectors_with_nothing_due_changes_nothing() -> None:
    store = MemoryBlockstore()
    deadline = add_sectors(store, True)
    same, expired = deadline.pop_expired_sectors(store, ChainEpoch(1), QUANT)
    assert expired.is_empty()
    assert same == deadline


def test_cannot_pop_expired_sectors_before_proving() -> None:
    store = MemoryBlockstore()
    deadline = add_sectors(store, False)
    with pytest.raises(ActorError, match="cannot pop expired sectors from a partition with unproven sectors"):
        deadline.pop_expired_sectors(store, ChainEpoch(9), QUANT)


def add_extra(store: MemoryBlockstore, deadline: Deadline) -> Deadline:
    deadline, power, fee = deadline.add_sectors(
        store, PARTITION_SIZE, False, True, extra_sectors(), SECTOR_SIZE, QUANT
    )
    assert power == power_for_sectors(SECTOR_SIZE, extra_sectors())
    assert fee == daily_fee_for_sectors(extra_sectors())
    return deadline


def test_post_all_the_things() -> None:
    store = MemoryBlockstore()
    deadline = add_extra(store, add_sectors(store, True))
    arr = sectors_arr(store, all_sectors())
    deadline, result = deadline.record_proven_sectors(
        store, arr, SECTOR_SIZE, QUANT, ChainEpoch(13), [PoStPartition(0), PoStPartition(1)]
    )
    assert result.sectors == bf(1, 2, 3, 4, 5, 6, 7, 8)
    assert not result.ignored_sectors
    assert result.new_faulty_power.is_zero()
    assert result.retracted_recovery_power.is_zero()
    assert result.recovered_power.is_zero()
    assert result.partitions == bf(0, 1)
    assert_deadline(store, deadline, PARTITIONS_WITH_10, posts=bf(0, 1), unproven=bf(10))

    deadline, result = deadline.record_proven_sectors(
        store, arr, SECTOR_SIZE, QUANT, ChainEpoch(13), [PoStPartition(2)]
    )
    assert result.sectors == bf(9, 10)
    assert not result.ignored_sectors
    # sector 10 is activated
    assert result.power_delta == sector_power(10)
    assert_deadline(store, deadline, PARTITIONS_WITH_10, posts=bf(0, 1, 2))

    deadline, power_delta, penalized = deadline.process_deadline_end(
        store, QUANT, ChainEpoch(13), arr.flush()
    )
    assert power_delta.is_zero()
    assert penalized.is_zero()
    assert_deadline(store, deadline, PARTITIONS_WITH_10)


def test_post_with_unproven_faults_recoveries_and_retracted_recoveries() -> None:
    store = MemoryBlockstore()
    deadline = add_extra(store, add_then_mark_faulty(store, True))
    arr = sectors_arr(store, all_sectors())
    deadline = deadline.declare_faults_recovered(store, arr, SECTOR_SIZE, pmap({0: bf(1), 1: bf(6)}))
    assert_deadline(
        store, deadline, PARTITIONS_WITH_10, recovering=bf(1, 6), faults=bf(1, 5, 6), unproven=bf(10)
    )

    # prove partitions 0 and 1, skipping 1 and 7
    deadline, result = deadline.record_proven_sectors(
        store, arr, SECTOR_SIZE, QUANT, ChainEpoch(13), [PoStPartition(0, bf(1)), PoStPartition(1, bf(7))]
    )
    # 1 failed to recover, 5 stays faulty, 7 is newly faulty, 6 recovered
    assert result.sectors == bf(1, 2, 3, 4, 5, 6, 7, 8)
    assert result.ignored_sectors == bf(1, 5, 7)
    assert result.new_faulty_power == sector_power(7)
    assert result.retracted_recovery_power == sector_power(1)
    assert result.recovered_power == sector_power(6)
    assert result.power_delta.is_zero()
    assert_deadline(store, deadline, PARTITIONS_WITH_10, posts=bf(0, 1), faults=bf(1, 5, 7), unproven=bf(10))

    deadline, power_delta, penalized = deadline.process_deadline_end(
        store, QUANT, ChainEpoch(13), arr.flush()
    )
    # partition 2 was not proven: 9 loses its power, 9 and 10 are penalized
    assert power_delta == -sector_power(9)
    assert penalized == sector_power(9, 10)
    assert_deadline(store, deadline, PARTITIONS_WITH_10, faults=bf(1, 5, 7, 9, 10))


def test_post_with_skipped_unproven() -> None:
    store = MemoryBlockstore()
    deadline = add_extra(store, add_sectors(store, True))
    arr = sectors_arr(store, all_sectors())
    posts = [PoStPartition(0), PoStPartition(1), PoStPartition(2, bf(10))]
    deadline, result = deadline.record_proven_sectors(store, arr, SECTOR_SIZE, QUANT, ChainEpoch(13), posts)
    assert result.sectors == bf(*range(1, 11))
    assert result.ignored_sectors == bf(10)
    assert result.new_faulty_power == sector_power(10)
    assert result.power_delta.is_zero()
    assert result.retracted_recovery_power.is_zero()
    assert result.recovered_power.is_zero()
    assert_deadline(store, deadline, PARTITIONS_WITH_10, posts=bf(0, 1, 2), faults=bf(10))
    deadline, power_delta, penalized = deadline.process_deadline_end(
        store, QUANT, ChainEpoch(13), arr.flush()
    )
    assert power_delta.is_zero()
    assert penalized.is_zero()
    assert_deadline(store, deadline, PARTITIONS_WITH_10, faults=bf(10))


def test_post_missing_partition() -> None:
    store = MemoryBlockstore()
    deadline = add_extra(store, add_sectors(store, True))
    arr = sectors_arr(store, all_sectors())
    with pytest.raises(ActorError) as e:
        deadline.record_proven_sectors(
            store, arr, SECTOR_SIZE, QUANT, ChainEpoch(13), [PoStPartition(0), PoStPartition(3)]
        )
    assert e.value.exit_code is ExitCode.USR_NOT_FOUND


def test_post_partition_twice() -> None:
    store = MemoryBlockstore()
    deadline = add_extra(store, add_sectors(store, True))
    arr = sectors_arr(store, all_sectors())
    with pytest.raises(ActorError, match="duplicate partitions proven") as e:
        deadline.record_proven_sectors(
            store, arr, SECTOR_SIZE, QUANT, ChainEpoch(13), [PoStPartition(0), PoStPartition(0)]
        )
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    deadline, _ = deadline.record_proven_sectors(
        store, arr, SECTOR_SIZE, QUANT, ChainEpoch(13), [PoStPartition(0)]
    )
    with pytest.raises(ActorError, match="partition already proven") as e:
        deadline.record_proven_sectors(store, arr, SECTOR_SIZE, QUANT, ChainEpoch(13), [PoStPartition(0)])
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_retract_recoveries() -> None:
    store = MemoryBlockstore()
    deadline = add_then_mark_faulty(store, True)
    arr = sectors_arr(store, sectors())
    deadline = deadline.declare_faults_recovered(store, arr, SECTOR_SIZE, pmap({0: bf(1), 1: bf(6)}))
    deadline, power_delta = deadline.record_faults(
        store, arr, SECTOR_SIZE, QUANT, ChainEpoch(13), pmap({0: bf(1)})
    )
    # only a retraction: no new fault
    assert power_delta.is_zero()
    assert_deadline(store, deadline, PARTITIONS, sectors(), recovering=bf(6), faults=bf(1, 5, 6))
    posts = [PoStPartition(0), PoStPartition(1), PoStPartition(2)]
    deadline, result = deadline.record_proven_sectors(store, arr, SECTOR_SIZE, QUANT, ChainEpoch(13), posts)
    assert result.sectors == bf(*range(1, 10))
    assert result.ignored_sectors == bf(1, 5)
    assert result.new_faulty_power.is_zero()
    assert result.retracted_recovery_power.is_zero()
    assert result.recovered_power == sector_power(6)
    assert_deadline(store, deadline, PARTITIONS, sectors(), posts=bf(0, 1, 2), faults=bf(1, 5))
    deadline, new_faulty, failed_recovery = deadline.process_deadline_end(
        store, QUANT, ChainEpoch(13), arr.flush()
    )
    assert new_faulty.is_zero()
    assert failed_recovery.is_zero()
    assert_deadline(store, deadline, PARTITIONS, faults=bf(1, 5))


def test_cannot_declare_faults_in_missing_partitions() -> None:
    store = MemoryBlockstore()
    deadline = add_sectors(store, True)
    arr = sectors_arr(store, sectors())
    with pytest.raises(ActorError) as e:
        deadline.record_faults(store, arr, SECTOR_SIZE, QUANT, ChainEpoch(17), pmap({0: bf(1), 4: bf(6)}))
    assert e.value.exit_code is ExitCode.USR_NOT_FOUND


def test_cannot_declare_faults_recovered_in_missing_partitions() -> None:
    store = MemoryBlockstore()
    deadline = add_then_mark_faulty(store, True)
    arr = sectors_arr(store, sectors())
    with pytest.raises(ActorError) as e:
        deadline.declare_faults_recovered(store, arr, SECTOR_SIZE, pmap({0: bf(1), 4: bf(6)}))
    assert e.value.exit_code is ExitCode.USR_NOT_FOUND


# -- optimistic PoSts and disputes ---------------------------------------------------------------------


def test_optimistic_posts_move_to_the_snapshot_and_can_be_taken_once() -> None:
    store = MemoryBlockstore()
    deadline = add_sectors(store, True)
    arr = sectors_arr(store, sectors())
    proof = PoStProof(13, b"proof")
    posts = [PoStPartition(0), PoStPartition(1), PoStPartition(2)]
    deadline, _ = deadline.record_proven_sectors(store, arr, SECTOR_SIZE, QUANT, ChainEpoch(13), posts)
    deadline = deadline.record_post_proofs(store, bf(0, 1), [proof])
    deadline = deadline.record_post_proofs(store, bf(2), [proof])
    assert deadline.is_live()
    deadline, _, _ = deadline.process_deadline_end(store, QUANT, ChainEpoch(13), arr.flush())
    # a proof can be disputed, so the sectors were snapshotted
    assert deadline.sectors_snapshot == arr.flush()
    deadline, partitions, proofs = deadline.take_post_proofs(store, 1)
    assert partitions == bf(2)
    assert proofs == [proof]
    with pytest.raises(ActorError, match="proof 1 not found") as e:
        deadline.take_post_proofs(store, 1)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    info = deadline.load_partitions_for_dispute(store, bf(0, 1))
    assert isinstance(info, DisputeInfo)
    assert info.all_sector_nos == bf(*range(1, 9))
    assert not info.ignored_sector_nos
    assert dict(info.disputed_sectors.iter()) == {0: bf(1, 2, 3, 4), 1: bf(5, 6, 7, 8)}
    assert info.disputed_power == sector_power(*range(1, 9))
    with pytest.raises(ActorError, match="failed to find partition 7"):
        deadline.load_partitions_for_dispute(store, bf(7))
    assert deadline.load_partition_snapshot(store, 2).sectors == bf(9)
    with pytest.raises(ActorError) as e:
        deadline.load_partition_snapshot(store, 5)
    assert e.value.exit_code is ExitCode.USR_NOT_FOUND


def test_without_optimistic_posts_the_sectors_snapshot_is_empty() -> None:
    store = MemoryBlockstore()
    deadline = add_sectors(store, True)
    assert Sectors.load(store, deadline.sectors_snapshot).amt.bit_width == 5
    assert len(Sectors.load(store, deadline.sectors_snapshot).amt) == 0


def test_reschedule_sector_expirations_skips_missing_partitions() -> None:
    store = MemoryBlockstore()
    deadline = add_sectors(store, True)
    arr = sectors_arr(store, sectors())
    deadline, moved = deadline.reschedule_sector_expirations(
        store, arr, ChainEpoch(5), pmap({1: bf(6, 7), 9: bf(1)}), SECTOR_SIZE, QUANT
    )
    assert [s.sector_number for s in moved] == [6, 7]
    deadline, expired = deadline.pop_expired_sectors(store, ChainEpoch(5), QUANT)
    assert expired.on_time_sectors == bf(1, 2, 6, 7)


def test_load_partition_errors() -> None:
    store = MemoryBlockstore()
    deadline = add_sectors(store, True)
    assert deadline.load_partition(store, 1).sectors == bf(5, 6, 7, 8)
    with pytest.raises(ActorError, match="no partition 3") as e:
        deadline.load_partition(store, 3)
    assert e.value.exit_code is ExitCode.USR_NOT_FOUND


def test_deadlines_load_update_and_find() -> None:
    store = MemoryBlockstore()
    empty = Deadline.new(store)
    from filnet.actors.miner.bitfield_queue import put_cbor

    deadlines = Deadlines.new(POLICY, put_cbor(store, empty.to_ipld()))
    assert len(deadlines.due) == POLICY.wpost_period_deadlines
    deadlines = deadlines.update_deadline(POLICY, store, 7, add_sectors(store, True))
    assert deadlines.find_sector(store, 6) == (7, 1)
    with pytest.raises(ActorError, match="not due at any deadline") as e:
        deadlines.find_sector(store, 99)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE
    with pytest.raises(ActorError) as e:
        deadlines.load_deadline(store, 48)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    with pytest.raises(ActorError) as e:
        deadlines.update_deadline(POLICY, store, 48, empty)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE
    # a deadline whose block is missing is an illegal argument, as fvm's get_cbor gives None
    missing = Deadlines((CID.compute(0x71, b"nothing"),))
    with pytest.raises(ActorError) as e:
        missing.load_deadline(store, 0)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    assert Deadlines.decode(deadlines.encode()) == deadlines


_cids = st.binary(min_size=1, max_size=8).map(lambda b: CID.compute(0x71, b))
_bitfields = st.sets(st.integers(0, 3000), max_size=10).map(BitField.from_indices)
_powers = st.builds(PowerPair, st.integers(0, 1 << 70), st.integers(0, 1 << 70))


@settings(max_examples=40, deadline=None)
@given(
    st.builds(
        Deadline,
        _cids,
        _cids,
        _bitfields,
        _bitfields,
        st.integers(0, 1 << 63),
        st.integers(0, 1 << 63),
        _powers,
        _cids,
        _cids,
        _cids,
        _cids,
        _powers,
        st.integers(0, 10**30).map(TokenAmount),
    )
)
def test_deadline_cbor_round_trip(deadline: Deadline) -> None:
    assert Deadline.decode(deadline.encode()) == deadline


@settings(max_examples=40, deadline=None)
@given(
    _bitfields,
    st.lists(st.builds(PoStProof, st.integers(0, 20), st.binary(max_size=40)), max_size=3),
)
def test_windowed_post_cbor_round_trip(partitions: BitField, proofs: list[PoStProof]) -> None:
    post = WindowedPoSt(partitions, tuple(proofs))
    assert WindowedPoSt.decode(post.encode()) == post


def test_partition_is_exported_for_snapshots() -> None:
    assert Partition.decode(Partition.new(MemoryBlockstore()).encode()).live_power.is_zero()
