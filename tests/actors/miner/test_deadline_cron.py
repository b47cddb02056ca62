"""Deadline cron (builtin-actors ``deadline_cron.rs``): inactivity, vesting, expirations, fault detection."""

from __future__ import annotations

from dataclasses import replace

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.monies import pledge_penalty_for_continued_fault
from filnet.actors.miner.quantize import QuantSpec
from filnet.actors.miner.types import (
    CRON_EVENT_PROCESS_EARLY_TERMINATIONS,
    CronEventPayload,
    DeferredCronEventParams,
)
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.vm.exit_codes import ExitCode

from .harness import (
    BIG_BALANCE,
    BIG_REWARDS,
    CronConfig,
    MinerHarness,
    bitfield,
    daily_fee_for_sectors,
    expect_abort,
    immediately_vesting_funds,
    power_for_sectors,
    setup_proven,
)

PERIOD_OFFSET = 100


def test_cron_on_inactive_state() -> None:
    h = MinerHarness(offset=PERIOD_OFFSET)
    rt = h.new_runtime()
    rt.balance = BIG_BALANCE
    h.construct_and_verify(rt)
    state = h.get_state(rt)
    assert state.proving_period_start == PERIOD_OFFSET % 96 - 96
    assert not state.continue_deadline_cron()
    rt.epoch = h.deadline(rt).last()
    h.on_deadline_cron(rt, CronConfig(no_enrollment=True))
    h.check_state(rt)


def test_only_the_power_actor_may_call_and_payload_must_parse() -> None:
    h = MinerHarness()
    rt = h.new_runtime()
    h.construct_and_verify(rt)
    rt.set_caller(Address.new_id(555), "account")
    expect_abort(
        rt,
        ExitCode.USR_FORBIDDEN,
        lambda: rt.call(ACTOR, Method.ON_DEFERRED_CRON_EVENT, h.deferred_cron_params()),
    )
    rt.set_caller(Address.new_id(4), "storagepower")
    bad = DeferredCronEventParams(b"\x01", h.epoch_reward_smooth, h.epoch_qa_power_smooth).encode()
    expect_abort(rt, ExitCode.USR_ILLEGAL_STATE, lambda: rt.call(ACTOR, Method.ON_DEFERRED_CRON_EVENT, bad))
    # An unknown event type is ignored.
    unknown = DeferredCronEventParams(
        CronEventPayload(7).encode(), h.epoch_reward_smooth, h.epoch_qa_power_smooth
    )
    rt.call(ACTOR, Method.ON_DEFERRED_CRON_EVENT, unknown.encode())
    # An early-termination callback with nothing queued does nothing.
    rt.call(
        ACTOR, Method.ON_DEFERRED_CRON_EVENT, h.deferred_cron_params(CRON_EVENT_PROCESS_EARLY_TERMINATIONS)
    )
    rt.verify()


def test_vesting_on_cron() -> None:
    h, rt, _ = setup_proven(2, offset=PERIOD_OFFSET)
    h.apply_rewards(rt, BIG_REWARDS)
    rt.epoch = ChainEpoch(rt.curr_epoch + 30)
    h.apply_rewards(rt, BIG_REWARDS)
    state = h.get_state(rt)
    vest = rt.policy.reward_vesting
    quant = QuantSpec(ChainEpoch(vest.quantization), state.proving_period_start)

    def cron_at(epoch: int, should_vest: bool) -> None:
        state = h.get_state(rt)
        rt.epoch = ChainEpoch(epoch)
        vesting_now = immediately_vesting_funds(rt, state)
        next_info = state.deadline_info(rt.policy, ChainEpoch(epoch + 1))
        h.on_deadline_cron(rt, CronConfig(pledge_delta=-vesting_now, expected_enrollment=next_info.last()))
        new_locked = h.get_state(rt).locked_funds
        assert (vesting_now.atto > 0) == should_vest
        assert (new_locked != state.locked_funds) == should_vest

    epoch = quant.quantize_up(ChainEpoch(rt.curr_epoch + vest.quantization)) + 1
    cron_at(epoch, True)
    cron_at(epoch + vest.quantization - 10, False)
    cron_at(quant.quantize_up(ChainEpoch(epoch + vest.quantization - 10)) + 1, True)
    h.check_state(rt)


def test_sector_expires() -> None:
    h, rt, sectors = setup_proven(1, offset=PERIOD_OFFSET)
    active_power = power_for_sectors(h.sector_size, sectors)
    state = h.get_state(rt)
    initial_pledge = state.initial_pledge
    dl_idx, _, _, _ = h.find_sector(rt, 0)
    expiration = state.quant_spec_for_deadline(rt.policy, dl_idx).quantize_up(sectors[0].expiration)
    period = rt.policy.wpost_proving_period
    remaining = (expiration - state.proving_period_start) // period + 1
    h.put_state(
        rt,
        replace(
            state,
            proving_period_start=ChainEpoch(state.proving_period_start + remaining * period),
            current_deadline=dl_idx,
        ),
    )
    rt.epoch = expiration
    # Skipped forward without PoSts, the sector is detected faulty (no fee) and then expires.
    h.advance_deadline(
        rt, CronConfig(no_enrollment=True, power_delta=-active_power, pledge_delta=-initial_pledge)
    )
    state = h.get_state(rt)
    assert not state.deadline_cron_active
    assert state.initial_pledge == TokenAmount(0)
    h.check_state(rt)


def test_sector_expires_and_repays_fee_debt() -> None:
    h, rt, sectors = setup_proven(1, offset=PERIOD_OFFSET)
    active_power = power_for_sectors(h.sector_size, sectors)
    state = h.get_state(rt)
    initial_pledge = state.initial_pledge
    dl_idx, _, _, _ = h.find_sector(rt, 0)
    expiration = state.quant_spec_for_deadline(rt.policy, dl_idx).quantize_up(sectors[0].expiration)
    period = rt.policy.wpost_proving_period
    remaining = (expiration - state.proving_period_start) // period + 1
    state = replace(
        state,
        proving_period_start=ChainEpoch(state.proving_period_start + remaining * period),
        current_deadline=dl_idx,
        fee_debt=TokenAmount.from_fil(400),
    )
    h.put_state(rt, state)
    rt.balance = state.initial_pledge
    rt.epoch = expiration
    # The released pledge pays the debt.
    h.advance_deadline(
        rt,
        CronConfig(
            no_enrollment=True,
            power_delta=-active_power,
            burnt_funds=initial_pledge,
            pledge_delta=-initial_pledge,
        ),
    )
    assert not h.get_state(rt).deadline_cron_active
    h.check_state(rt)


def test_detects_and_penalizes_faults() -> None:
    h, rt, active = setup_proven(2, offset=PERIOD_OFFSET)
    active_power = power_for_sectors(h.sector_size, active)
    h.apply_rewards(rt, BIG_REWARDS)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    assert h.find_sector(rt, 1)[:2] == (dl_idx, p_idx)
    h.advance_to_deadline(rt, dl_idx)
    # The deadline ends without a PoSt: its sectors become faulty; no fault fee yet.
    fee = daily_fee_for_sectors(active)
    h.advance_deadline(rt, CronConfig(burnt_funds=fee, pledge_delta=-fee, power_delta=-active_power))
    assert h.get_deadline(rt, dl_idx).faulty_power == active_power
    for _ in range(3):
        h.advance_deadline(rt)
    h.declare_recoveries(rt, dl_idx, p_idx, bitfield(1))
    h.advance_to_deadline(rt, dl_idx)
    # Unrecovered faults, and the failed recovery, pay the fault fee; power does not change again.
    penalty = pledge_penalty_for_continued_fault(
        h.epoch_reward_smooth, h.epoch_qa_power_smooth, active_power.qa
    )
    h.advance_deadline(rt, CronConfig(burnt_funds=fee + penalty, pledge_delta=-(fee + penalty)))
    partition = h.get_deadline(rt, dl_idx).load_partition(rt.store, p_idx)
    assert h.get_deadline(rt, dl_idx).faulty_power == active_power
    assert not partition.recoveries and partition.faults == bitfield(0, 1)
    h.check_state(rt)
