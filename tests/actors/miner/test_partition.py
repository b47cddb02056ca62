"""Partitions (builtin-actors ``tests/miner_actor_test_partitions.rs``)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors.miner.bitfield_queue import BitFieldQueue
from filnet.actors.miner.expiration_queue import ExpirationQueue
from filnet.actors.miner.invariants import check_partition_state_invariants
from filnet.actors.miner.partition import Partition
from filnet.actors.miner.quantize import NO_QUANTIZATION, QuantSpec
from filnet.actors.miner.sectors import (
    PowerPair,
    SectorOnChainInfo,
    Sectors,
    daily_fee_for_sectors,
    power_for_sectors,
    select_sectors,
)
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.vm.exit_codes import ActorError, ExitCode
from tests.actors.miner import POLICY, bf, make_sector

SECTOR_SIZE = 32 << 30
QUANT = QuantSpec(ChainEpoch(4), ChainEpoch(1))


def sectors() -> list[SectorOnChainInfo]:
    return [
        make_sector(2, 1, 50, 60, 1000, 3000),
        make_sector(3, 2, 51, 61, 1001, 4000),
        make_sector(7, 3, 52, 62, 1002, 5000),
        make_sector(8, 4, 53, 63, 1003, 6000),
        make_sector(11, 5, 54, 64, 1004, 7000),
        make_sector(13, 6, 55, 65, 1005, 8000),
    ]


def sectors_arr(store: MemoryBlockstore, infos: Sequence[SectorOnChainInfo]) -> Sectors:
    return Sectors.new(store).store(infos)


def assert_partition_state(
    store: MemoryBlockstore,
    partition: Partition,
    infos: Sequence[SectorOnChainInfo],
    all_sectors: BitField,
    faults: BitField,
    recovering: BitField,
    terminations: BitField,
    unproven: BitField,
) -> None:
    assert partition.faults == faults
    assert partition.recoveries == recovering
    assert partition.terminated == terminations
    assert partition.unproven == unproven
    assert partition.sectors == all_sectors
    by_number = {s.sector_number: s for s in infos}
    assert check_partition_state_invariants(partition, store, QUANT, SECTOR_SIZE, by_number) == []


def assert_expiration_groups(
    store: MemoryBlockstore, partition: Partition, groups: Sequence[tuple[int, BitField]]
) -> None:
    queue = ExpirationQueue.new(store, partition.expirations_epochs, QUANT)
    for epoch, expected in groups:
        _, before = queue.pop_until(ChainEpoch(epoch - 1))
        assert before.is_empty()
        _, es = queue.pop_until(ChainEpoch(epoch))
        assert es.on_time_sectors | es.early_sectors == expected


def early_terminations(store: MemoryBlockstore, partition: Partition) -> dict[int, list[int]]:
    queue = BitFieldQueue.new(store, partition.early_terminated, NO_QUANTIZATION)
    return {epoch: list(values) for epoch, values in queue.entries()}


def setup_unproven() -> tuple[MemoryBlockstore, Partition]:
    store = MemoryBlockstore()
    partition, power, fee = Partition.new(store).add_sectors(store, False, sectors(), SECTOR_SIZE, QUANT)
    assert power == power_for_sectors(SECTOR_SIZE, sectors())
    assert fee == daily_fee_for_sectors(sectors())
    return store, partition


def setup_partition() -> tuple[MemoryBlockstore, Partition]:
    store, partition = setup_unproven()
    partition, power = partition.activate_unproven()
    assert power == power_for_sectors(SECTOR_SIZE, sectors())
    return store, partition


def test_adds_sectors_then_activates_unproven() -> None:
    _, partition = setup_unproven()
    partition, power = partition.activate_unproven()
    assert power == power_for_sectors(SECTOR_SIZE, sectors())
    assert not partition.unproven
    assert partition.unproven_power.is_zero()


def test_adds_sectors_and_reports_sector_stats() -> None:
    store, partition = setup_partition()
    assert_partition_state(store, partition, sectors(), bf(1, 2, 3, 4, 5, 6), bf(), bf(), bf(), bf())
    assert_expiration_groups(store, partition, [(5, bf(1, 2)), (9, bf(3, 4)), (13, bf(5, 6))])


def test_does_not_add_sectors_twice() -> None:
    store, partition = setup_partition()
    with pytest.raises(ActorError, match="not all added sectors are new") as e:
        partition.add_sectors(store, False, sectors(), SECTOR_SIZE, QUANT)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE


@pytest.mark.parametrize("proven", [True, False])
def test_adds_faults(proven: bool) -> None:
    store, partition = setup_unproven()
    if proven:
        partition, _ = partition.activate_unproven()
    arr = sectors_arr(store, sectors())
    faults = bf(4, 5)
    partition, _, power_delta, new_faulty = partition.record_faults(
        store, arr, faults, ChainEpoch(7), SECTOR_SIZE, QUANT
    )
    expected_faulty = power_for_sectors(SECTOR_SIZE, select_sectors(sectors(), faults))
    assert new_faulty == expected_faulty
    assert power_delta == (-expected_faulty if proven else PowerPair.zero())
    # faulty sectors are no longer unproven
    unproven = bf() if proven else bf(1, 2, 3, 6)
    assert_partition_state(store, partition, sectors(), bf(1, 2, 3, 4, 5, 6), faults, bf(), bf(), unproven)
    assert_expiration_groups(store, partition, [(5, bf(1, 2)), (9, bf(3, 4, 5)), (13, bf(6))])


def test_re_adding_faults_is_a_no_op() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    partition, _, power_delta, new_faulty = partition.record_faults(
        store, arr, bf(4, 5), ChainEpoch(7), SECTOR_SIZE, QUANT
    )
    expected = power_for_sectors(SECTOR_SIZE, select_sectors(sectors(), bf(4, 5)))
    assert new_faulty == expected
    assert power_delta == -expected
    partition, new_faults, power_delta, new_faulty = partition.record_faults(
        store, arr, bf(5, 6), ChainEpoch(3), SECTOR_SIZE, QUANT
    )
    assert new_faults == bf(6)
    expected = power_for_sectors(SECTOR_SIZE, select_sectors(sectors(), bf(6)))
    assert new_faulty == expected
    assert power_delta == -expected
    assert_partition_state(store, partition, sectors(), bf(1, 2, 3, 4, 5, 6), bf(4, 5, 6), bf(), bf(), bf())
    assert_expiration_groups(store, partition, [(5, bf(1, 2, 6)), (9, bf(3, 4, 5))])


def test_fails_to_add_faults_for_missing_sectors() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    with pytest.raises(ActorError, match="not all sectors are assigned to the partition") as e:
        partition.record_faults(store, arr, bf(99), ChainEpoch(7), SECTOR_SIZE, QUANT)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_adds_recoveries() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    partition, *_ = partition.record_faults(store, arr, bf(4, 5, 6), ChainEpoch(7), SECTOR_SIZE, QUANT)
    partition = partition.declare_faults_recovered(arr, SECTOR_SIZE, bf(4, 5))
    assert_partition_state(
        store, partition, sectors(), bf(1, 2, 3, 4, 5, 6), bf(4, 5, 6), bf(4, 5), bf(), bf()
    )


def test_remove_recoveries() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    partition, *_ = partition.record_faults(store, arr, bf(4, 5, 6), ChainEpoch(7), SECTOR_SIZE, QUANT)
    partition = partition.declare_faults_recovered(arr, SECTOR_SIZE, bf(4, 5))
    # declaring no faults does nothing
    partition, new_faults, _, _ = partition.record_faults(store, arr, bf(), ChainEpoch(7), SECTOR_SIZE, QUANT)
    assert not new_faults
    assert_partition_state(
        store, partition, sectors(), bf(1, 2, 3, 4, 5, 6), bf(4, 5, 6), bf(4, 5), bf(), bf()
    )
    # declaring 5 faulty again retracts its recovery
    partition, new_faults, _, _ = partition.record_faults(
        store, arr, bf(5), ChainEpoch(10), SECTOR_SIZE, QUANT
    )
    assert not new_faults
    assert_partition_state(store, partition, sectors(), bf(1, 2, 3, 4, 5, 6), bf(4, 5, 6), bf(4), bf(), bf())


def test_recovers_faults() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    partition, *_ = partition.record_faults(store, arr, bf(4, 5, 6), ChainEpoch(7), SECTOR_SIZE, QUANT)
    expected = power_for_sectors(SECTOR_SIZE, select_sectors(sectors(), bf(4, 5)))
    partition = partition.declare_faults_recovered(arr, SECTOR_SIZE, bf(4, 5))
    partition, recovered = partition.recover_faults(store, arr, SECTOR_SIZE, QUANT)
    assert recovered == expected
    assert_partition_state(store, partition, sectors(), bf(1, 2, 3, 4, 5, 6), bf(6), bf(), bf(), bf())
    # sector 6, still faulty, expires early
    assert_expiration_groups(store, partition, [(5, bf(1, 2)), (9, bf(3, 4, 6)), (13, bf(5))])


def test_faulty_power_recovered_exactly_once() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    partition, *_ = partition.record_faults(store, arr, bf(4, 5, 6), ChainEpoch(7), SECTOR_SIZE, QUANT)
    # 3 is not faulty, so it is skipped
    partition = partition.declare_faults_recovered(arr, SECTOR_SIZE, bf(3, 4, 5))
    partition = partition.declare_faults_recovered(arr, SECTOR_SIZE, bf(4, 5, 6))
    assert partition.recovering_power == power_for_sectors(
        SECTOR_SIZE, select_sectors(sectors(), bf(4, 5, 6))
    )


def test_missing_sectors_are_not_recovered() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    with pytest.raises(ActorError, match="not all sectors are assigned to the partition") as e:
        partition.declare_faults_recovered(arr, SECTOR_SIZE, bf(99))
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_replace_sectors() -> None:
    store, partition = setup_partition()
    old = sectors()[1:4]
    new = [
        make_sector(10, 2, 150, 260, 3000, 4000),
        make_sector(10, 7, 151, 261, 3001, 5000),
        make_sector(18, 8, 152, 262, 3002, 6000),
    ]
    partition, power_delta, pledge_delta, fee_delta = partition.replace_sectors(
        store, old, new, SECTOR_SIZE, QUANT
    )
    assert power_delta == power_for_sectors(SECTOR_SIZE, new) - power_for_sectors(SECTOR_SIZE, old)
    assert pledge_delta == TokenAmount(3000 + 3001 + 3002 - 1001 - 1002 - 1003)
    assert fee_delta == daily_fee_for_sectors(new) - daily_fee_for_sectors(old)
    everything = [*new, sectors()[0], *sectors()[4:]]
    assert_partition_state(store, partition, everything, bf(1, 2, 5, 6, 7, 8), bf(), bf(), bf(), bf())
    assert_expiration_groups(store, partition, [(5, bf(1)), (13, bf(2, 5, 6, 7)), (21, bf(8))])


def test_replace_sectors_errors_when_attempting_to_replace_inactive_sector() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    partition, *_ = partition.record_faults(store, arr, bf(2), ChainEpoch(7), SECTOR_SIZE, QUANT)
    with pytest.raises(ActorError, match="refusing to replace inactive sectors"):
        partition.replace_sectors(
            store, sectors()[1:4], [make_sector(10, 2, 150, 260, 3000, 4000)], SECTOR_SIZE, QUANT
        )


def test_replace_sectors_errors_when_attempting_to_replace_unproven_sector() -> None:
    store, partition = setup_unproven()
    with pytest.raises(ActorError, match="refusing to replace inactive sectors"):
        partition.replace_sectors(
            store, sectors()[1:4], [make_sector(10, 2, 150, 260, 3000, 4000)], SECTOR_SIZE, QUANT
        )


def test_terminate_sectors() -> None:
    store, partition = setup_partition()
    unproven = [make_sector(13, 7, 55, 65, 1006, 9000)]
    arr = sectors_arr(store, [*sectors(), *unproven])
    partition, power, fee = partition.add_sectors(store, False, unproven, SECTOR_SIZE, QUANT)
    assert power == power_for_sectors(SECTOR_SIZE, unproven)
    assert fee == TokenAmount(9000)
    partition, *_ = partition.record_faults(store, arr, bf(3, 4, 5, 6), ChainEpoch(7), SECTOR_SIZE, QUANT)
    partition = partition.declare_faults_recovered(arr, SECTOR_SIZE, bf(4, 5))
    terminations = bf(1, 3, 5, 7)
    partition, removed, removed_unproven = partition.terminate_sectors(
        POLICY, store, arr, ChainEpoch(3), terminations, SECTOR_SIZE, QUANT
    )
    assert removed.active_power == power_for_sectors(SECTOR_SIZE, select_sectors(sectors(), bf(1)))
    assert removed.faulty_power == power_for_sectors(SECTOR_SIZE, select_sectors(sectors(), bf(3, 5)))
    assert removed_unproven == power_for_sectors(SECTOR_SIZE, unproven)
    assert_partition_state(
        store,
        partition,
        [*sectors(), *unproven],
        bf(1, 2, 3, 4, 5, 6, 7),
        bf(4, 6),
        bf(4),
        terminations,
        bf(),
    )
    assert_expiration_groups(store, partition, [(5, bf(2)), (9, bf(4, 6))])
    assert early_terminations(store, partition) == {3: [1, 3, 5, 7]}


def test_terminate_non_existent_sectors() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    with pytest.raises(ActorError, match="can only terminate live sectors") as e:
        partition.terminate_sectors(POLICY, store, arr, ChainEpoch(3), bf(99), SECTOR_SIZE, QUANT)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_terminate_already_terminated_sector() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    partition, removed, unproven_power = partition.terminate_sectors(
        POLICY, store, arr, ChainEpoch(3), bf(1), SECTOR_SIZE, QUANT
    )
    assert removed.active_power == power_for_sectors(SECTOR_SIZE, sectors()[:1])
    assert removed.faulty_power.is_zero()
    assert unproven_power.is_zero()
    assert removed.len() == 1
    with pytest.raises(ActorError, match="can only terminate live sectors"):
        partition.terminate_sectors(POLICY, store, arr, ChainEpoch(3), bf(1), SECTOR_SIZE, QUANT)


def test_mark_terminated_sectors_as_faulty() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    partition, *_ = partition.terminate_sectors(POLICY, store, arr, ChainEpoch(3), bf(1), SECTOR_SIZE, QUANT)
    partition, new_faults, power_delta, faulty_power = partition.record_faults(
        store, arr, bf(1), ChainEpoch(5), SECTOR_SIZE, QUANT
    )
    assert not new_faults
    assert power_delta.is_zero()
    assert faulty_power.is_zero()


def test_pop_expiring_sectors() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    partition, *_ = partition.record_faults(store, arr, bf(4), ChainEpoch(2), SECTOR_SIZE, QUANT)
    partition, expired = partition.pop_expired_sectors(store, ChainEpoch(5), QUANT)
    assert expired.on_time_sectors == bf(1, 2)
    assert expired.early_sectors == bf(4)
    assert expired.on_time_pledge == TokenAmount(1000 + 1001)
    assert expired.active_power == power_for_sectors(SECTOR_SIZE, sectors()[:2])
    assert expired.faulty_power == power_for_sectors(SECTOR_SIZE, sectors()[3:4])
    assert_partition_state(store, partition, sectors(), bf(1, 2, 3, 4, 5, 6), bf(), bf(), bf(1, 2, 4), bf())
    assert_expiration_groups(store, partition, [(9, bf(3)), (13, bf(5, 6))])
    # only the early one is queued for a termination fee
    assert early_terminations(store, partition) == {5: [4]}


def test_pop_expiring_sectors_errors_if_a_recovery_exists() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    partition, *_ = partition.record_faults(store, arr, bf(5), ChainEpoch(2), SECTOR_SIZE, QUANT)
    partition = partition.declare_faults_recovered(arr, SECTOR_SIZE, bf(5))
    with pytest.raises(ActorError, match="unexpected recoveries while processing expirations"):
        partition.pop_expired_sectors(store, ChainEpoch(5), QUANT)


def test_pop_expiring_sectors_errors_if_unproven_sectors_exist() -> None:
    store, partition = setup_unproven()
    with pytest.raises(ActorError, match="cannot pop expired sectors from a partition with unproven sectors"):
        partition.pop_expired_sectors(store, ChainEpoch(5), QUANT)


def test_records_missing_post() -> None:
    store, partition = setup_partition()
    unproven = [make_sector(13, 7, 55, 65, 1006, 5000)]
    everything = [*sectors(), *unproven]
    arr = sectors_arr(store, sectors())
    partition, power, fee = partition.add_sectors(store, False, unproven, SECTOR_SIZE, QUANT)
    assert power == power_for_sectors(SECTOR_SIZE, unproven)
    assert fee == TokenAmount(5000)
    partition, *_ = partition.record_faults(store, arr, bf(4, 5, 6), ChainEpoch(7), SECTOR_SIZE, QUANT)
    partition = partition.declare_faults_recovered(arr, SECTOR_SIZE, bf(4, 5))
    partition, power_delta, penalized, _ = partition.record_missed_post(store, ChainEpoch(6), QUANT)
    # 6 was faulty all along: not penalized again
    assert penalized == power_for_sectors(SECTOR_SIZE, everything) - power_for_sectors(
        SECTOR_SIZE, everything[5:6]
    )
    # the power of 1-3 is lost (7 was never active)
    assert power_delta == -power_for_sectors(SECTOR_SIZE, everything[:3])
    all_numbers = bf(1, 2, 3, 4, 5, 6, 7)
    assert_partition_state(store, partition, everything, all_numbers, all_numbers, bf(), bf(), bf())
    assert_expiration_groups(store, partition, [(5, bf(1, 2)), (9, bf(3, 4, 5, 6, 7))])


def test_pops_early_terminations() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    partition, *_ = partition.record_faults(store, arr, bf(3, 4, 5, 6), ChainEpoch(7), SECTOR_SIZE, QUANT)
    partition = partition.declare_faults_recovered(arr, SECTOR_SIZE, bf(4, 5))
    partition, *_ = partition.terminate_sectors(
        POLICY, store, arr, ChainEpoch(3), bf(1, 3, 5), SECTOR_SIZE, QUANT
    )
    partition, result, has_more = partition.pop_early_terminations(store, 1)
    assert result.sectors[ChainEpoch(3)] == bf(1)
    assert result.partitions_processed == 1
    assert result.sectors_processed == 1
    assert has_more
    assert early_terminations(store, partition) == {3: [3, 5]}
    partition, result, has_more = partition.pop_early_terminations(store, 5)
    assert result.sectors[ChainEpoch(3)] == bf(3, 5)
    assert not has_more
    assert early_terminations(store, partition) == {}


def test_pop_early_terminations_across_epochs_stops_at_the_limit() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    partition, *_ = partition.terminate_sectors(
        POLICY, store, arr, ChainEpoch(3), bf(1, 2), SECTOR_SIZE, QUANT
    )
    partition, *_ = partition.terminate_sectors(
        POLICY, store, arr, ChainEpoch(4), bf(3, 4), SECTOR_SIZE, QUANT
    )
    partition, result, has_more = partition.pop_early_terminations(store, 2)
    assert dict(result.iter()) == {3: bf(1, 2)}
    assert has_more
    partition, result, has_more = partition.pop_early_terminations(store, 3)
    assert dict(result.iter()) == {4: bf(3, 4)}
    assert result.sectors_processed == 2
    assert not has_more


def test_records_skipped_faults() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    partition, *_ = partition.record_faults(store, arr, bf(4, 5), ChainEpoch(7), SECTOR_SIZE, QUANT)
    partition = partition.declare_faults_recovered(arr, SECTOR_SIZE, bf(4))
    partition, power_delta, new_fault_power, retracted, has_new = partition.record_skipped_faults(
        store, arr, SECTOR_SIZE, QUANT, ChainEpoch(7), bf(1, 4, 5)
    )
    assert has_new
    assert new_fault_power == power_for_sectors(SECTOR_SIZE, sectors()[:1])
    assert power_delta == -new_fault_power
    assert retracted == power_for_sectors(SECTOR_SIZE, sectors()[3:4])
    assert_partition_state(store, partition, sectors(), bf(1, 2, 3, 4, 5, 6), bf(1, 4, 5), bf(), bf(), bf())
    # nothing skipped: nothing changes
    same, *rest = partition.record_skipped_faults(store, arr, SECTOR_SIZE, QUANT, ChainEpoch(7), bf())
    assert same == partition
    assert rest == [PowerPair.zero(), PowerPair.zero(), PowerPair.zero(), False]
    with pytest.raises(ActorError, match="skipped faults contains sectors outside partition") as e:
        partition.record_skipped_faults(store, arr, SECTOR_SIZE, QUANT, ChainEpoch(7), bf(99))
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_reschedule_expirations_skips_faulty_and_terminated_sectors() -> None:
    store, partition = setup_partition()
    arr = sectors_arr(store, sectors())
    partition, *_ = partition.record_faults(store, arr, bf(5), ChainEpoch(7), SECTOR_SIZE, QUANT)
    partition, *_ = partition.terminate_sectors(POLICY, store, arr, ChainEpoch(3), bf(6), SECTOR_SIZE, QUANT)
    partition, moved = partition.reschedule_expirations(
        store, arr, ChainEpoch(2), bf(3, 5, 6, 99), SECTOR_SIZE, QUANT
    )
    assert [s.sector_number for s in moved] == [3]
    assert_expiration_groups(store, partition, [(5, bf(1, 2, 3)), (9, bf(4, 5))])


def test_max_sectors() -> None:
    store = MemoryBlockstore()
    partition_sectors = 2349
    many = [make_sector(i + 1, (i + 1) << 50, 50, 60, 1000, i * 1000) for i in range(partition_sectors)]
    numbers = BitField.from_indices(s.sector_number for s in many)
    partition, power, fee = Partition.new(store).add_sectors(store, False, many, SECTOR_SIZE, QUANT)
    assert power == power_for_sectors(SECTOR_SIZE, many)
    assert fee == daily_fee_for_sectors(many)
    assert_partition_state(store, partition, many, numbers, bf(), bf(), bf(), numbers)
    decoded = Partition.decode(partition.encode())
    assert decoded == partition
    assert_partition_state(store, decoded, many, numbers, bf(), bf(), bf(), numbers)


_bitfields = st.sets(st.integers(0, 1 << 40), max_size=12).map(BitField.from_indices)
_powers = st.builds(PowerPair, st.integers(-(1 << 70), 1 << 70), st.integers(-(1 << 70), 1 << 70))
_cids = st.binary(min_size=1, max_size=8).map(lambda b: CID.compute(0x71, b))


@settings(max_examples=50, deadline=None)
@given(
    st.builds(
        Partition,
        _bitfields,
        _bitfields,
        _bitfields,
        _bitfields,
        _bitfields,
        _cids,
        _cids,
        _powers,
        _powers,
        _powers,
        _powers,
    )
)
def test_partition_cbor_round_trip(partition: Partition) -> None:
    assert Partition.decode(partition.encode()) == partition


@settings(max_examples=50, deadline=None)
@given(_powers)
def test_power_pair_cbor_round_trip(power: PowerPair) -> None:
    assert PowerPair.decode(power.encode()) == power
    assert power + -power == PowerPair.zero()
