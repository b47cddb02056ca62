"""Expiration sets and queues (builtin-actors ``tests/expiration_queue.rs``, ``expiration_queue/tests``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors.miner.expiration_queue import (
    ExpirationQueue,
    ExpirationSet,
    group_new_sectors_by_declared_expiration,
)
from filnet.actors.miner.quantize import NO_QUANTIZATION, QuantSpec
from filnet.actors.miner.sectors import PowerPair, power_for_sectors
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld.amt import Amt
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.vm.exit_codes import ActorError, ExitCode
from tests.actors.miner import POLICY, bf, make_sector

SECTOR_SIZE = 32 << 30


def power_pair(factor: int, shift: int) -> PowerPair:
    return PowerPair(factor * (1 << shift), factor * (1 << (shift + 1)))


def default_set() -> ExpirationSet:
    return ExpirationSet.empty().add(
        bf(5, 8, 9),
        bf(2, 3),
        TokenAmount(1000),
        PowerPair(1 << 13, 1 << 14),
        PowerPair(1 << 11, 1 << 12),
        TokenAmount(2000),
    )


def sectors() -> list:
    return [
        make_sector(2, 1, 50, 60, 1000, 3000),
        make_sector(3, 2, 51, 61, 1001, 4000),
        make_sector(7, 3, 52, 62, 1002, 5000),
        make_sector(8, 4, 53, 63, 1003, 6000),
        make_sector(11, 5, 54, 64, 1004, 7000),
        make_sector(13, 6, 55, 65, 1005, 8000),
    ]


def empty_queue(quant: QuantSpec = NO_QUANTIZATION) -> ExpirationQueue:
    store = MemoryBlockstore()
    return ExpirationQueue.new(store, Amt(store, bit_width=3).flush(), quant)


def require_no_expiration_groups_before(epoch: int, queue: ExpirationQueue) -> None:
    queue.flush()
    _, es = queue.pop_until(ChainEpoch(epoch - 1))
    assert es.is_empty()


# -- ExpirationSet ------------------------------------------------------------------------------------


def test_adds_sectors_and_power_to_empty_set() -> None:
    s = default_set()
    assert s.on_time_sectors == bf(5, 8, 9)
    assert s.early_sectors == bf(2, 3)
    assert s.on_time_pledge == TokenAmount(1000)
    assert s.active_power == PowerPair(1 << 13, 1 << 14)
    assert s.faulty_power == PowerPair(1 << 11, 1 << 12)
    assert s.fee_deduction == TokenAmount(2000)
    assert s.len() == 5


def test_adds_sectors_and_power_to_non_empty_set() -> None:
    s = default_set().add(
        bf(6, 7, 11), bf(1, 4), TokenAmount(300), power_pair(3, 13), power_pair(3, 11), TokenAmount(500)
    )
    assert s.on_time_sectors == bf(5, 6, 7, 8, 9, 11)
    assert s.early_sectors == bf(1, 2, 3, 4)
    assert s.on_time_pledge == TokenAmount(1300)
    assert s.active_power == power_pair(1, 15)
    assert s.faulty_power == power_pair(1, 13)


def test_removes_sectors_and_power_set() -> None:
    s = default_set().remove(
        bf(9), bf(2), TokenAmount(800), power_pair(3, 11), power_pair(3, 9), TokenAmount(1200)
    )
    assert s.on_time_sectors == bf(5, 8)
    assert s.early_sectors == bf(3)
    assert s.on_time_pledge == TokenAmount(200)
    assert s.active_power == power_pair(1, 11)
    assert s.faulty_power == power_pair(1, 9)
    assert s.fee_deduction == TokenAmount(800)


@pytest.mark.parametrize(
    ("pledge", "active", "faulty", "fee", "message"),
    [
        (1200, power_pair(3, 11), power_pair(3, 9), 800, "pledge underflow"),
        (800, power_pair(3, 11), power_pair(3, 9), 2200, "fee deduction underflow"),
        (200, power_pair(3, 12), power_pair(3, 9), 600, "power underflow"),
        (200, power_pair(3, 11), power_pair(3, 10), 700, "power underflow"),
    ],
)
def test_remove_fails_on_underflow(
    pledge: int, active: PowerPair, faulty: PowerPair, fee: int, message: str
) -> None:
    with pytest.raises(ActorError) as e:
        default_set().remove(bf(9), bf(2), TokenAmount(pledge), active, faulty, TokenAmount(fee))
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE
    assert message in e.value.reason


def test_remove_fails_to_remove_sectors_it_does_not_contain() -> None:
    s = default_set()
    with pytest.raises(ActorError, match="not contained"):
        s.remove(bf(12), bf(), ZERO, power_pair(3, 11), power_pair(3, 9), ZERO)
    # sector 8 is on time in the set, not early
    with pytest.raises(ActorError, match="not contained"):
        s.remove(bf(0), bf(8), ZERO, power_pair(3, 11), power_pair(3, 9), ZERO)


def test_set_is_empty_when_all_sectors_removed() -> None:
    s = ExpirationSet.empty()
    assert s.is_empty()
    assert s.len() == 0
    args = (
        bf(5, 8, 9),
        bf(2, 3),
        TokenAmount(1000),
        PowerPair(1 << 13, 1 << 14),
        PowerPair(1 << 11, 1 << 12),
    )
    s = s.add(*args, TokenAmount(2000))
    assert not s.is_empty()
    s = s.remove(*args, TokenAmount(2000))
    assert s.is_empty()
    assert s.len() == 0


def test_expiration_set_reads_the_five_field_layout() -> None:
    s = default_set()
    old = ExpirationSet.from_ipld(s.to_ipld()[:5])
    assert old.fee_deduction == ZERO
    assert old.on_time_sectors == s.on_time_sectors
    assert ExpirationSet.decode(s.encode()) == s
    assert len(s.to_ipld()) == 6


# -- grouping (expiration_queue/tests.rs) -------------------------------------------------------------


def test_groups_new_sectors_by_quantized_expiration() -> None:
    quant = QuantSpec(ChainEpoch(10), ChainEpoch(3))
    group = group_new_sectors_by_declared_expiration(
        2048, [make_sector(7, 1), make_sector(8, 2), make_sector(14, 3), make_sector(13, 4)], quant
    )
    assert [(g.epoch, g.sectors) for g in group] == [(13, [1, 2, 4]), (23, [3])]
    assert group[0].power == PowerPair(2048 * 3, 2048 * 3)
    assert group[1].power == PowerPair(2048, 2048)
    assert group[0].pledge == ZERO


def test_groups_no_sectors() -> None:
    assert group_new_sectors_by_declared_expiration(2048, [], NO_QUANTIZATION) == []


# -- ExpirationQueue ----------------------------------------------------------------------------------


def test_added_sectors_can_be_popped_off_queue() -> None:
    queue = empty_queue()
    _, numbers, power, pledge, fee = queue.add_active_sectors(sectors(), SECTOR_SIZE)
    assert numbers == bf(1, 2, 3, 4, 5, 6)
    assert power == power_for_sectors(SECTOR_SIZE, sectors())
    assert pledge == TokenAmount(6015)
    assert fee == TokenAmount(3000 + 4000 + 5000 + 6000 + 7000 + 8000)
    # No quantization: one entry per sector.
    assert len(queue.amt) == 6
    queue.flush()
    _, s = queue.pop_until(ChainEpoch(7))
    assert len(queue.amt) == 3
    assert s.on_time_sectors == bf(1, 2, 3)
    assert not s.early_sectors
    assert s.on_time_pledge == TokenAmount(3003)
    assert s.active_power == power_for_sectors(SECTOR_SIZE, sectors()[0:3])
    assert s.faulty_power == PowerPair.zero()
    _, s = queue.pop_until(ChainEpoch(20))
    assert s.on_time_sectors == bf(4, 5, 6)
    assert s.on_time_pledge == TokenAmount(3012)
    assert s.active_power == power_for_sectors(SECTOR_SIZE, sectors()[3:])
    assert s.fee_deduction == TokenAmount(6000 + 7000 + 8000)
    assert len(queue.amt) == 0


def test_quantizes_added_sectors_by_expiration() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(5), ChainEpoch(3)))
    _, numbers, power, pledge, _ = queue.add_active_sectors(sectors(), SECTOR_SIZE)
    assert numbers == bf(1, 2, 3, 4, 5, 6)
    assert power == power_for_sectors(SECTOR_SIZE, sectors())
    assert pledge == TokenAmount(6015)
    # grouped into sets expiring at 3, 8 and 13
    assert len(queue.amt) == 3
    steps = [(2, bf(), 3), (3, bf(1, 2), 2), (7, bf(), 2), (8, bf(3, 4), 1), (12, bf(), 1), (13, bf(5, 6), 0)]
    for until, expected, remaining in steps:
        _, s = queue.pop_until(ChainEpoch(until))
        assert s.on_time_sectors == expected
        assert len(queue.amt) == remaining
        queue.flush()


def test_reschedules_sectors_as_faults() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(4), ChainEpoch(1)))
    queue.add_active_sectors(sectors(), SECTOR_SIZE)
    queue.flush()
    # Fault the middle sectors at 6: 2 and 3.. expire on time first, 5 is moved early into the second set.
    _, power = queue.reschedule_as_faults(ChainEpoch(6), sectors()[1:5], SECTOR_SIZE)
    assert power == power_for_sectors(SECTOR_SIZE, sectors()[1:5])
    queue.flush()

    require_no_expiration_groups_before(5, queue)
    _, s = queue.pop_until(ChainEpoch(5))
    assert s.on_time_sectors == bf(1, 2)
    assert not s.early_sectors
    assert s.on_time_pledge == TokenAmount(2001)
    assert s.active_power == power_for_sectors(SECTOR_SIZE, sectors()[0:1])
    assert s.faulty_power == power_for_sectors(SECTOR_SIZE, sectors()[1:2])

    require_no_expiration_groups_before(9, queue)
    _, s = queue.pop_until(ChainEpoch(9))
    assert s.on_time_sectors == bf(3, 4)
    assert s.early_sectors == bf(5)
    # the early sector's pledge is not added
    assert s.on_time_pledge == TokenAmount(2005)
    assert s.active_power == PowerPair.zero()
    assert s.faulty_power == power_for_sectors(SECTOR_SIZE, sectors()[2:5])
    # the early sector's fee moved with it
    assert s.fee_deduction == TokenAmount(5000 + 6000 + 7000)

    require_no_expiration_groups_before(13, queue)
    _, s = queue.pop_until(ChainEpoch(13))
    assert s.on_time_sectors == bf(6)
    assert not s.early_sectors
    assert s.on_time_pledge == TokenAmount(1005)
    assert s.active_power == power_for_sectors(SECTOR_SIZE, sectors()[5:])
    assert s.faulty_power == PowerPair.zero()
    assert s.fee_deduction == TokenAmount(8000)


def test_reschedules_all_sectors_as_faults() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(4), ChainEpoch(1)))
    queue.add_active_sectors(sectors(), SECTOR_SIZE)
    queue.flush()
    queue.reschedule_all_as_faults(ChainEpoch(6))
    queue.flush()

    require_no_expiration_groups_before(5, queue)
    _, s = queue.pop_until(ChainEpoch(5))
    assert s.on_time_sectors == bf(1, 2)
    assert not s.early_sectors
    assert s.on_time_pledge == TokenAmount(2001)
    assert s.active_power == PowerPair.zero()
    assert s.faulty_power == power_for_sectors(SECTOR_SIZE, sectors()[0:2])

    require_no_expiration_groups_before(9, queue)
    _, s = queue.pop_until(ChainEpoch(9))
    assert s.on_time_sectors == bf(3, 4)
    assert s.early_sectors == bf(5, 6)
    assert s.on_time_pledge == TokenAmount(2005)
    assert s.active_power == PowerPair.zero()
    assert s.faulty_power == power_for_sectors(SECTOR_SIZE, sectors()[2:])

    require_no_expiration_groups_before(13, queue)
    _, s = queue.pop_until(ChainEpoch(13))
    assert s.is_empty()
    assert s.on_time_pledge == ZERO
    assert s.active_power == PowerPair.zero()
    assert s.faulty_power == PowerPair.zero()


def test_reschedule_all_as_faults_rejects_early_sectors_after_the_fault_expiration() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(4), ChainEpoch(1)))
    late = make_sector(21, 7, pledge=10)
    queue.add_active_sectors([*sectors(), late], SECTOR_SIZE)
    queue.reschedule_as_faults(ChainEpoch(10), [late], SECTOR_SIZE)
    # sector 7 now expires early at 13: moving everything to 6 would move an early set earlier
    with pytest.raises(ActorError, match="re-schedule early expirations") as e:
        queue.reschedule_all_as_faults(ChainEpoch(6))
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE


def test_reschedule_recover_restores_all_sector_stats() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(4), ChainEpoch(1)))
    queue.add_active_sectors(sectors(), SECTOR_SIZE)
    queue.flush()
    queue.reschedule_as_faults(ChainEpoch(6), sectors()[1:5], SECTOR_SIZE)
    queue.flush()
    _, recovered = queue.reschedule_recovered(sectors()[1:5], SECTOR_SIZE)
    assert recovered == power_for_sectors(SECTOR_SIZE, sectors()[1:5])

    require_no_expiration_groups_before(5, queue)
    _, s = queue.pop_until(ChainEpoch(5))
    assert s.on_time_sectors == bf(1, 2)
    assert s.on_time_pledge == TokenAmount(2001)
    assert s.active_power == power_for_sectors(SECTOR_SIZE, sectors()[0:2])
    assert s.faulty_power == PowerPair.zero()

    require_no_expiration_groups_before(9, queue)
    _, s = queue.pop_until(ChainEpoch(9))
    assert s.on_time_sectors == bf(3, 4)
    assert not s.early_sectors
    assert s.on_time_pledge == TokenAmount(2005)
    assert s.active_power == power_for_sectors(SECTOR_SIZE, sectors()[2:4])
    assert s.faulty_power == PowerPair.zero()
    assert s.fee_deduction == TokenAmount(5000 + 6000)

    require_no_expiration_groups_before(13, queue)
    _, s = queue.pop_until(ChainEpoch(13))
    assert s.on_time_sectors == bf(5, 6)
    assert s.on_time_pledge == TokenAmount(2009)
    assert s.active_power == power_for_sectors(SECTOR_SIZE, sectors()[4:])
    assert s.faulty_power == PowerPair.zero()
    assert s.fee_deduction == TokenAmount(7000 + 8000)


def test_reschedule_recovered_fails_for_sectors_not_in_the_queue() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(4), ChainEpoch(1)))
    queue.add_active_sectors(sectors()[:2], SECTOR_SIZE)
    with pytest.raises(ActorError, match="not found in expiration queue") as e:
        queue.reschedule_recovered(sectors()[2:3], SECTOR_SIZE)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE


def test_replaces_sectors_with_new_sectors() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(4), ChainEpoch(1)))
    s = sectors()
    queue.add_active_sectors([s[0], s[1], s[3], s[5]], SECTOR_SIZE)
    queue.flush()
    to_remove = [s[0], s[1], s[3]]
    to_add = [s[2], s[4]]
    _, removed, added, power_delta, pledge_delta, fee_delta = queue.replace_sectors(
        to_remove, to_add, SECTOR_SIZE
    )
    assert removed == bf(1, 2, 4)
    assert added == bf(3, 5)
    assert power_delta == power_for_sectors(SECTOR_SIZE, to_add) - power_for_sectors(SECTOR_SIZE, to_remove)
    assert pledge_delta == TokenAmount(1002 + 1004 - 1000 - 1001 - 1003)
    assert fee_delta == TokenAmount(5000 + 7000 - 3000 - 4000 - 6000)

    require_no_expiration_groups_before(9, queue)
    _, es = queue.pop_until(ChainEpoch(9))
    assert es.on_time_sectors == bf(3)
    assert es.on_time_pledge == TokenAmount(1002)
    assert es.active_power == power_for_sectors(SECTOR_SIZE, s[2:3])

    require_no_expiration_groups_before(13, queue)
    _, es = queue.pop_until(ChainEpoch(13))
    assert es.on_time_sectors == bf(5, 6)
    assert es.on_time_pledge == TokenAmount(2009)
    assert es.active_power == power_for_sectors(SECTOR_SIZE, s[4:])


def test_removes_sectors() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(4), ChainEpoch(1)))
    queue.add_active_sectors(sectors(), SECTOR_SIZE)
    queue.flush()
    # some sectors early, some faulty on time
    queue.reschedule_as_faults(ChainEpoch(6), sectors()[1:], SECTOR_SIZE)
    queue.flush()
    s = sectors()
    to_remove = [s[0], s[3], s[4], s[5]]
    _, removed, recovering_power = queue.remove_sectors(POLICY, to_remove, bf(4, 5, 6), bf(6), SECTOR_SIZE)
    assert removed.on_time_sectors == bf(1, 4)
    assert removed.early_sectors == bf(5, 6)
    assert removed.on_time_pledge == TokenAmount(1000 + 1003)
    assert removed.active_power == power_for_sectors(SECTOR_SIZE, s[0:1])
    assert removed.faulty_power == power_for_sectors(SECTOR_SIZE, s[3:6])
    assert removed.fee_deduction == TokenAmount(3000 + 6000 + 7000 + 8000)
    assert recovering_power == power_for_sectors(SECTOR_SIZE, s[5:6])

    require_no_expiration_groups_before(5, queue)
    _, es = queue.pop_until(ChainEpoch(5))
    assert es.on_time_sectors == bf(2)
    assert not es.early_sectors
    assert es.on_time_pledge == TokenAmount(1001)
    assert es.active_power == PowerPair.zero()
    assert es.faulty_power == power_for_sectors(SECTOR_SIZE, s[1:2])

    require_no_expiration_groups_before(9, queue)
    _, es = queue.pop_until(ChainEpoch(9))
    assert es.on_time_sectors == bf(3)
    assert not es.early_sectors
    assert es.on_time_pledge == TokenAmount(1002)
    assert es.active_power == PowerPair.zero()
    assert es.faulty_power == power_for_sectors(SECTOR_SIZE, s[2:3])
    assert es.fee_deduction == TokenAmount(5000)

    require_no_expiration_groups_before(20, queue)


def test_remove_sectors_fails_for_a_missing_sector_and_too_many_faults() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(4), ChainEpoch(1)))
    queue.add_active_sectors(sectors()[:3], SECTOR_SIZE)
    with pytest.raises(ActorError, match="not found in expiration queue"):
        queue.remove_sectors(POLICY, sectors()[3:4], bf(4), bf(), SECTOR_SIZE)
    with pytest.raises(ActorError, match="some sectors not found"):
        queue.remove_sectors(POLICY, sectors()[3:4], bf(), bf(), SECTOR_SIZE)
    too_many = BitField.from_ranges([(0, POLICY.addressed_sectors_max + 1)])
    with pytest.raises(ActorError, match="too many faults"):
        queue.remove_sectors(POLICY, sectors()[:1], too_many, bf(), SECTOR_SIZE)


def test_adding_no_sectors_leaves_the_queue_empty() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(4), ChainEpoch(1)))
    queue.add_active_sectors([], SECTOR_SIZE)
    assert len(queue.amt) == 0


def test_rescheduling_no_expirations_as_faults_leaves_the_queue_unchanged() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(4), ChainEpoch(1)))
    queue.add_active_sectors(sectors(), SECTOR_SIZE)
    length = len(queue.amt)
    # every sector already expires before 15
    queue.reschedule_as_faults(ChainEpoch(15), sectors(), SECTOR_SIZE)
    assert len(queue.amt) == length


def test_rescheduling_all_expirations_as_faults_keeps_the_length() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(4), ChainEpoch(1)))
    queue.add_active_sectors(sectors(), SECTOR_SIZE)
    length = len(queue.amt)
    queue.reschedule_all_as_faults(ChainEpoch(15))
    assert len(queue.amt) == length


def test_rescheduling_no_sectors_as_recovered_leaves_the_queue_empty() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(4), ChainEpoch(1)))
    queue.reschedule_recovered([], SECTOR_SIZE)
    assert len(queue.amt) == 0


def test_rescheduled_sectors_are_found_outside_their_declared_expiration() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(4), ChainEpoch(1)))
    queue.add_active_sectors(sectors(), SECTOR_SIZE)
    # move sector 6 (due at 13) to 5: removing it must find it there
    queue.reschedule_expirations(ChainEpoch(5), sectors()[5:], SECTOR_SIZE)
    _, removed, _ = queue.remove_sectors(POLICY, sectors()[5:], bf(), bf(), SECTOR_SIZE)
    assert removed.on_time_sectors == bf(6)
    _, es = queue.pop_until(ChainEpoch(5))
    assert es.on_time_sectors == bf(1, 2)


_powers = st.builds(PowerPair, st.integers(0, 1 << 70), st.integers(0, 1 << 70))
_bitfields = st.sets(st.integers(0, 10_000), max_size=20).map(BitField.from_indices)
_tokens = st.integers(0, 10**30).map(TokenAmount)


@settings(max_examples=50, deadline=None)
@given(st.builds(ExpirationSet, _bitfields, _bitfields, _tokens, _powers, _powers, _tokens))
def test_expiration_set_cbor_round_trip(es: ExpirationSet) -> None:
    assert ExpirationSet.decode(es.encode()) == es
