"""DeclareFaultsRecovered (builtin-actors ``declare_recoveries.rs``)."""

from __future__ import annotations

from dataclasses import replace

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.monies import pledge_penalty_for_continued_fault
from filnet.actors.miner.types import DeclareFaultsRecoveredParams, RecoveryDeclaration
from filnet.core.address import Address
from filnet.core.token import ZERO
from filnet.core.types import ChainEpoch
from filnet.vm.exit_codes import ExitCode

from .harness import (
    CronConfig,
    bitfield,
    daily_fee_for_sectors,
    expect_abort,
    power_for_sectors,
    setup_proven,
)


def test_recovery_happy_path() -> None:
    h, rt, sectors = setup_proven(1)
    h.declare_faults(rt, sectors)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    h.declare_recoveries(rt, dl_idx, p_idx, bitfield(0))
    partition = h.get_deadline(rt, dl_idx).load_partition(rt.store, p_idx)
    assert partition.faults == partition.recoveries == bitfield(0)
    h.check_state(rt)


def test_recovery_must_pay_back_fee_debt() -> None:
    h, rt, sectors = setup_proven(1)
    daily_fee = daily_fee_for_sectors(sectors)
    state = h.get_state(rt)
    # Just enough to pay the day's fee: the fault fee becomes debt.
    rt.balance = state.pre_commit_deposits + state.initial_pledge + state.locked_funds + daily_fee
    h.declare_faults(rt, sectors)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    h.advance_to_deadline(rt, dl_idx)
    power = power_for_sectors(h.sector_size, sectors)
    ff = pledge_penalty_for_continued_fault(h.epoch_reward_smooth, h.epoch_qa_power_smooth, power.qa)
    h.advance_deadline(rt, CronConfig(burnt_funds=daily_fee))
    state = h.get_state(rt)
    assert state.fee_debt == ff

    rt.set_caller(h.worker, "account")
    params = DeclareFaultsRecoveredParams((RecoveryDeclaration(dl_idx, p_idx, bitfield(0)),)).encode()
    expect_abort(
        rt,
        ExitCode.USR_INSUFFICIENT_FUNDS,
        lambda: rt.call(ACTOR, Method.DECLARE_FAULTS_RECOVERED, params),
        "unlocked balance can not repay fee debt",
    )
    rt.balance = ff + state.initial_pledge + state.locked_funds + state.pre_commit_deposits
    h.declare_recoveries(rt, dl_idx, p_idx, bitfield(0), fee_debt_burnt=ff)
    partition = h.get_deadline(rt, dl_idx).load_partition(rt.store, p_idx)
    assert partition.faults == partition.recoveries
    assert h.get_state(rt).fee_debt == ZERO
    h.check_state(rt)


def test_recovery_fails_during_active_consensus_fault() -> None:
    h, rt, sectors = setup_proven(1)
    h.declare_faults(rt, sectors)
    state = h.get_state(rt)
    info = state.get_info(rt.store)
    elapsed = ChainEpoch(rt.curr_epoch + 100)
    h.put_state(rt, state.save_info(rt.store, replace(info, consensus_fault_elapsed=elapsed)))
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    rt.set_caller(h.worker, "account")
    params = DeclareFaultsRecoveredParams((RecoveryDeclaration(dl_idx, p_idx, bitfield(0)),)).encode()
    expect_abort(
        rt,
        ExitCode.USR_FORBIDDEN,
        lambda: rt.call(ACTOR, Method.DECLARE_FAULTS_RECOVERED, params),
        "recovery not allowed during active consensus fault",
    )


def test_recovery_declaration_failures() -> None:
    h, rt, sectors = setup_proven(2)
    h.declare_faults(rt, sectors[:1])
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)

    def fails(
        decl: RecoveryDeclaration, code: ExitCode, contains: str, caller: Address | None = None
    ) -> None:
        rt.set_caller(caller or h.worker, "account")
        params = DeclareFaultsRecoveredParams((decl,)).encode()
        expect_abort(rt, code, lambda: rt.call(ACTOR, Method.DECLARE_FAULTS_RECOVERED, params), contains)

    fails(RecoveryDeclaration(dl_idx, p_idx, bitfield(9)), ExitCode.USR_ILLEGAL_ARGUMENT, "not all sectors")
    fails(RecoveryDeclaration(dl_idx, p_idx, bitfield(0)), ExitCode.USR_FORBIDDEN, "", Address.new_id(555))
    fails(RecoveryDeclaration(48, p_idx, bitfield(0)), ExitCode.USR_ILLEGAL_ARGUMENT, "failed to process")
    # Recovering a sector that is not faulty is a no-op.
    h.declare_recoveries(rt, dl_idx, p_idx, bitfield(1))
    partition = h.get_deadline(rt, dl_idx).load_partition(rt.store, p_idx)
    assert not partition.recoveries
    h.check_state(rt)
