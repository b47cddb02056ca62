"""DeclareFaults (builtin-actors ``declare_faults.rs``, with the failure paths of ``DeclareFaults``)."""

from __future__ import annotations

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.monies import pledge_penalty_for_continued_fault
from filnet.actors.miner.types import DeclareFaultsParams, FaultDeclaration
from filnet.core.address import Address
from filnet.core.types import ChainEpoch
from filnet.vm.exit_codes import ExitCode

from .harness import (
    BIG_REWARDS,
    CronConfig,
    HarnessRuntime,
    MinerHarness,
    bitfield,
    daily_fee_for_sectors,
    expect_abort,
    power_for_sectors,
    setup_proven,
)

ARG = ExitCode.USR_ILLEGAL_ARGUMENT


def test_declare_fault_pays_fee_at_window_post() -> None:
    h, rt, sectors = setup_proven(1)
    power = power_for_sectors(h.sector_size, sectors)
    # Plenty of vesting funds, so that penalties come from them.
    h.apply_rewards(rt, BIG_REWARDS)
    dl_idx, _, _, _ = h.find_sector(rt, 0)
    h.declare_faults(rt, sectors)
    assert h.get_deadline(rt, dl_idx).faulty_power == power
    info = h.current_deadline(rt)
    while info.index != dl_idx:
        info = h.advance_deadline(rt)
    # Faulty at the deadline's end: the fault fee, with no further power change.
    penalty = pledge_penalty_for_continued_fault(h.epoch_reward_smooth, h.epoch_qa_power_smooth, power.qa)
    burnt = daily_fee_for_sectors(sectors) + penalty
    h.advance_deadline(rt, CronConfig(pledge_delta=-burnt, burnt_funds=burnt))
    h.check_state(rt)


def _declare(h: MinerHarness, rt: HarnessRuntime, params: DeclareFaultsParams) -> object:
    rt.set_caller(h.worker, "account")
    return rt.call(ACTOR, Method.DECLARE_FAULTS, params.encode())


def test_declaration_failures() -> None:
    h, rt, _ = setup_proven(2)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)

    def fails(params: DeclareFaultsParams, code: ExitCode, contains: str) -> None:
        expect_abort(rt, code, lambda: _declare(h, rt, params), contains)

    fails(DeclareFaultsParams((FaultDeclaration(48, 0, bitfield(0)),)), ARG, "failed to process deadline 48")
    fails(DeclareFaultsParams((FaultDeclaration(dl_idx, p_idx, bitfield(5)),)), ARG, "not all sectors")
    fails(
        DeclareFaultsParams((FaultDeclaration(dl_idx, p_idx + 3, bitfield(0)),)), ExitCode.USR_NOT_FOUND, ""
    )
    many = tuple(
        FaultDeclaration(dl_idx, i, bitfield(0)) for i in range(rt.policy.addressed_partitions_max + 1)
    )
    fails(DeclareFaultsParams(many), ARG, "cannot process requested parameters")
    rt.set_caller(Address.new_id(555), "account")
    params = DeclareFaultsParams((FaultDeclaration(dl_idx, p_idx, bitfield(0)),)).encode()
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: rt.call(ACTOR, Method.DECLARE_FAULTS, params))

    # Past the fault cutoff of the deadline's coming window.
    info = h.advance_to_deadline(rt, (dl_idx - 1) % 48)
    rt.epoch = ChainEpoch(info.close + 1)
    late = h.get_state(rt).deadline_info(rt.policy, rt.curr_epoch)
    assert late.index == dl_idx
    fails(DeclareFaultsParams((FaultDeclaration(dl_idx, p_idx, bitfield(0)),)), ARG, "late fault or recovery")
    h.check_state(rt)


def test_declaring_an_already_faulty_sector_changes_nothing() -> None:
    h, rt, sectors = setup_proven(2)
    h.declare_faults(rt, sectors[:1])
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    before = h.get_deadline(rt, dl_idx).faulty_power
    _declare(h, rt, DeclareFaultsParams((FaultDeclaration(dl_idx, p_idx, bitfield(0)),)))
    rt.verify()
    assert h.get_deadline(rt, dl_idx).faulty_power == before
    h.check_state(rt)
