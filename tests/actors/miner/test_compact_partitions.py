"""CompactPartitions (builtin-actors ``compact_partitions_test.rs``)."""

from __future__ import annotations

from dataclasses import replace

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.monies import pledge_penalty_for_continued_fault, pledge_penalty_for_termination
from filnet.actors.miner.policy import qa_power_for_sector
from filnet.actors.miner.sectors import SectorOnChainInfo
from filnet.actors.miner.types import CompactPartitionsParams, PoStPartition
from filnet.core.address import Address
from filnet.core.types import ChainEpoch
from filnet.ipld.bitfield import BitField
from filnet.vm.exit_codes import ExitCode

from .harness import (
    BIG_BALANCE,
    CronConfig,
    HarnessRuntime,
    MinerHarness,
    bitfield,
    daily_fee_for_sectors,
    expect_abort,
    setup_proven,
    terminate_sectors,
)

PERIOD_OFFSET = 100


def _compact(h: MinerHarness, rt: HarnessRuntime, deadline: int, partitions: BitField) -> object:
    rt.set_caller(h.worker, "account")
    return rt.call(ACTOR, Method.COMPACT_PARTITIONS, CompactPartitionsParams(deadline, partitions).encode())


def _setup() -> tuple[MinerHarness, HarnessRuntime]:
    h = MinerHarness(offset=PERIOD_OFFSET)
    rt = h.new_runtime()
    rt.epoch = ChainEpoch(1)
    h.construct_and_verify(rt)
    rt.balance = BIG_BALANCE
    return h, rt


def test_compacting_removes_dead_sectors_and_retains_live_ones() -> None:
    h, rt, sectors = setup_proven(2, offset=PERIOD_OFFSET)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    dead = sectors[0]
    fault_fee = pledge_penalty_for_continued_fault(
        h.epoch_reward_smooth, h.epoch_qa_power_smooth, qa_power_for_sector(h.sector_size, dead)
    )
    fee = pledge_penalty_for_termination(dead.initial_pledge, rt.curr_epoch - dead.activation, fault_fee)
    terminate_sectors(h, rt, [0], fee, -dead.initial_pledge)
    # Wait out the dispute window (proving the live sector as its deadline comes).
    target = rt.curr_epoch + rt.policy.wpost_dispute_window
    while h.current_deadline(rt).last() < target:
        info = h.current_deadline(rt)
        if info.index == dl_idx:
            h.submit_window_post(rt, info, [PoStPartition(p_idx, BitField())])
            h.advance_deadline(rt, _fee(sectors[1:]))
        else:
            h.advance_deadline(rt)
    info = h.current_deadline(rt)
    assert info.index not in (dl_idx, (dl_idx - 1) % 48)
    _compact(h, rt, dl_idx, bitfield(p_idx))
    rt.verify()
    state = h.get_state(rt)
    assert state.get_sector(rt.store, 0) is None
    assert state.get_sector(rt.store, 1) is not None
    partition = h.get_deadline(rt, dl_idx).load_partition(rt.store, 0)
    assert partition.sectors == bitfield(1) and not partition.terminated
    h.check_state(rt)


def _fee(sectors: list[SectorOnChainInfo]) -> CronConfig:
    return CronConfig(burnt_funds=daily_fee_for_sectors(sectors))


def test_fail_to_compact_partitions_with_faults_or_unproven_sectors() -> None:
    h, rt, sectors = setup_proven(2, offset=PERIOD_OFFSET)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    h.declare_faults(rt, sectors[:1])
    target = rt.curr_epoch + rt.policy.wpost_dispute_window
    rt.epoch = ChainEpoch(target)
    state = h.get_state(rt)
    info = state.deadline_info(rt.policy, rt.curr_epoch)
    h.put_state(rt, replace(state, current_deadline=info.index, proving_period_start=info.period_start))
    expect_abort(
        rt, ExitCode.USR_ILLEGAL_ARGUMENT, lambda: _compact(h, rt, dl_idx, bitfield(p_idx)), "faults"
    )


def test_deadline_windows() -> None:
    h, rt = _setup()
    rt.epoch = ChainEpoch(PERIOD_OFFSET)
    current = h.current_deadline(rt).index
    assert current == 0
    forbidden = ExitCode.USR_FORBIDDEN
    expect_abort(rt, forbidden, lambda: _compact(h, rt, 0, BitField()))
    expect_abort(rt, forbidden, lambda: _compact(h, rt, 1, BitField()))
    _compact(h, rt, 2, BitField())
    # The deadline proven last in the previous period is still in its dispute window.
    expect_abort(rt, forbidden, lambda: _compact(h, rt, 47, BitField()))
    dispute_end = PERIOD_OFFSET + rt.policy.wpost_challenge_window + rt.policy.wpost_dispute_window - 1
    rt.epoch = ChainEpoch(dispute_end)
    expect_abort(rt, forbidden, lambda: _compact(h, rt, 0, BitField()))
    rt.epoch = ChainEpoch(dispute_end + 1)
    _compact(h, rt, 0, BitField())
    expect_abort(
        rt, ExitCode.USR_ILLEGAL_ARGUMENT, lambda: _compact(h, rt, 48, BitField()), "invalid deadline"
    )
    # Deadline 40 last closed more than a dispute window ago and is not due soon.
    too_many = BitField.from_ranges([(0, rt.policy.addressed_partitions_max + 1)])
    expect_abort(
        rt, ExitCode.USR_ILLEGAL_ARGUMENT, lambda: _compact(h, rt, 40, too_many), "too many partitions"
    )
    rt.set_caller(Address.new_id(555), "account")
    params = CompactPartitionsParams(40, BitField()).encode()
    expect_abort(rt, forbidden, lambda: rt.call(ACTOR, Method.COMPACT_PARTITIONS, params))
    h.check_state(rt)
