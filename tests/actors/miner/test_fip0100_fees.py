"""FIP-0100 daily fees (builtin-actors ``daily_fees_test.rs``)."""

from __future__ import annotations

from filnet.actors.miner.monies import expected_reward_for_power
from filnet.actors.miner.policy import daily_proof_fee, qa_power_for_sector
from filnet.actors.miner.types import PoStPartition
from filnet.actors.smoothing import FilterEstimate
from filnet.core.token import ZERO, TokenAmount
from filnet.ipld.bitfield import BitField
from filnet.params.network import EPOCHS_IN_DAY

from .harness import CronConfig, daily_fee_for_sectors, setup_proven


def test_fee_is_set_at_activation_from_circulating_supply() -> None:
    h, rt, sectors = setup_proven(2)
    for sector in sectors:
        qa = qa_power_for_sector(h.sector_size, sector)
        assert sector.daily_fee == daily_proof_fee(rt.policy, h.circulating_supply, qa)
        assert sector.daily_fee.atto > 0
    _, _, deadline, _ = h.find_sector(rt, 0)
    assert deadline.daily_fee == daily_fee_for_sectors(sectors)
    h.check_state(rt)


def test_fee_paid_at_deadline_then_goes_into_debt() -> None:
    h, rt, sectors = setup_proven(1)
    fee = daily_fee_for_sectors(sectors)
    before = rt.balance
    h.advance_and_submit_posts(rt, sectors)
    assert rt.balance == before - fee
    # Just enough for one more fee.
    state = h.get_state(rt)
    rt.balance = state.initial_pledge + fee
    h.advance_and_submit_posts(rt, sectors)
    assert rt.balance == state.initial_pledge
    assert h.get_state(rt).fee_debt == ZERO
    # Nothing left: the fee becomes debt.
    h.advance_and_submit_posts(rt, sectors)
    assert h.get_state(rt).fee_debt == fee
    h.check_state(rt)


def test_fee_capped_by_expected_reward() -> None:
    h, rt, sectors = setup_proven(1)
    fee = daily_fee_for_sectors(sectors)
    # A much lower reward: half the sector's expected day reward is below its fee.
    low = FilterEstimate.from_q0(20_000_000_000, 0)
    h.epoch_reward_smooth = low
    qa = qa_power_for_sector(h.sector_size, sectors[0])
    day_reward = expected_reward_for_power(low, h.epoch_qa_power_smooth, qa, EPOCHS_IN_DAY)
    cap = TokenAmount(day_reward.atto // rt.policy.daily_fee_block_reward_cap_denom)
    assert ZERO < cap < fee
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    info = h.advance_to_deadline(rt, dl_idx)
    h.submit_window_post(rt, info, [PoStPartition(p_idx, BitField())])
    h.advance_deadline(rt, CronConfig(burnt_funds=cap))
    assert h.get_state(rt).fee_debt == ZERO
    h.check_state(rt)
