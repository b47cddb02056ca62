"""Sector numbers by deadline and partition (builtin-actors ``tests/sector_map_test.rs``)."""

from __future__ import annotations

import pytest

from filnet.actors.miner.sector_map import DeadlineSectorMap, PartitionSectorMap
from filnet.ipld.bitfield import BitField
from filnet.vm.exit_codes import ActorError, ExitCode
from tests.actors.miner import POLICY, bf

U64_MAX = (1 << 64) - 1


def make_map(deadlines: int, partitions: int) -> DeadlineSectorMap:
    m = DeadlineSectorMap.new()
    for d in range(deadlines):
        for p in range(partitions):
            m.add(POLICY, d, p, bf(d * partitions + p))
    return m


def sectors_at(m: DeadlineSectorMap, deadline: int, partition: int) -> BitField:
    return dict(dict(m.iter())[deadline].iter())[partition]


def test_deadline_sector_map() -> None:
    m = make_map(10, 5)
    copy = make_map(10, 5)
    for d, pm in m.iter():
        assert pm.partitions() == dict(copy.iter())[d].partitions()
        for p, sectors in pm.iter():
            assert sectors == sectors_at(copy, d, p) == bf(d * 5 + p)
    assert m.count() == (50, 50)
    for partitions, sectors in ((1, 1), (100, 1), (1, 100)):
        with pytest.raises(ActorError) as e:
            m.check(partitions, sectors)
        assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE
    m.check(50, 50)
    # merging a sector into an existing partition
    m.add_values(POLICY, 0, 0, [1000])
    assert sectors_at(m, 0, 0) == bf(0, 1000)
    with pytest.raises(ActorError, match="too many sectors"):
        m.check(50, 50)
    m.check(50, 51)


def test_invalid_deadline_is_rejected() -> None:
    with pytest.raises(ActorError, match="invalid deadline 48"):
        DeadlineSectorMap().add(POLICY, POLICY.wpost_period_deadlines, 0, bf(1))


def test_deadline_sector_map_values() -> None:
    m = DeadlineSectorMap.new().add_values(POLICY, 0, 1, [0, 1, 2, 3])
    assert sectors_at(m, 0, 1) == bf(0, 1, 2, 3)


def test_partition_sector_map_values() -> None:
    m = PartitionSectorMap().add_values(0, [0, 1, 2, 3])
    assert dict(m.iter())[0] == bf(0, 1, 2, 3)
    assert len(m) == 1
    assert not m.is_empty()


def test_deadline_sector_map_overflow() -> None:
    m = DeadlineSectorMap.new()
    for d in range(10):
        m.add(POLICY, d, 0, BitField.from_ranges([(0, U64_MAX)]))
    assert dict(m.iter())[0].count() == (1, U64_MAX)
    with pytest.raises(ActorError, match="overflow"):
        m.count()


def test_partition_sector_map_overflow() -> None:
    m = PartitionSectorMap()
    for p in range(2):
        m.add(p, BitField.from_ranges([(0, U64_MAX)]))
    with pytest.raises(ActorError, match="overflow"):
        m.count()


def test_empty_maps() -> None:
    assert DeadlineSectorMap.new().count() == (0, 0)
    assert list(DeadlineSectorMap.new().iter()) == []
    assert DeadlineSectorMap.new().deadlines() == []
    assert PartitionSectorMap().count() == (0, 0)
    assert list(PartitionSectorMap().iter()) == []
    assert PartitionSectorMap().partitions() == []
    assert PartitionSectorMap().is_empty()


def test_maps_iterate_in_index_order() -> None:
    m = DeadlineSectorMap.new()
    for i in reversed(range(1, 48)):
        m.add_values(POLICY, i, 0, [0])
    assert m.deadlines() == sorted(m.deadlines())
    assert [d for d, _ in m.iter()] == list(range(1, 48))
    pm = PartitionSectorMap()
    for i in reversed(range(1, 101)):
        pm.add_values(i, [0])
    assert pm.partitions() == list(range(1, 101))
