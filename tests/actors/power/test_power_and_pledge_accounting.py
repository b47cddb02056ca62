"""Claimed power and pledge totals around the consensus minimum (builtin-actors ``power_actor_tests.rs``:
``power_and_pledge_accounted_below_threshold``, ``power_accounting_crossing_threshold``, …)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors.power.policy import CONSENSUS_MINER_MIN_MINERS
from filnet.core.token import ZERO, TokenAmount
from tests.actors.power.harness import MINER1, MINER2, MINER3, MINER4, MINER5, OWNER, Harness, setup

SMALL = 1_000_000


def _create(h: Harness, *miners: object) -> None:
    for miner in miners:
        h.create_miner_basic(OWNER, OWNER, miner)  # type: ignore[arg-type]


def test_power_and_pledge_accounted_below_threshold(h: Harness) -> None:
    assert CONSENSUS_MINER_MIN_MINERS == 4
    _create(h, MINER1, MINER2)
    ret = h.current_power_total()
    assert (ret.raw_byte_power, ret.quality_adj_power, ret.pledge_collateral) == (0, 0, ZERO)

    h.update_claimed_power(MINER1, SMALL, 2 * SMALL)
    h.expect_total_power_eager(SMALL, 2 * SMALL)
    h.update_claimed_power(MINER2, SMALL, SMALL)
    h.update_pledge_total(MINER1, TokenAmount(1_000_000))
    h.expect_total_power_eager(2 * SMALL, 3 * SMALL)
    h.expect_total_pledge_eager(TokenAmount(1_000_000))

    claim1, claim2 = h.get_claim(MINER1), h.get_claim(MINER2)
    assert claim1 is not None and (claim1.raw_byte_power, claim1.quality_adj_power) == (SMALL, 2 * SMALL)
    assert claim2 is not None and (claim2.raw_byte_power, claim2.quality_adj_power) == (SMALL, SMALL)

    h.update_claimed_power(MINER2, -SMALL, -SMALL)
    h.update_pledge_total(MINER2, TokenAmount(-100_000))
    h.expect_total_power_eager(SMALL, 2 * SMALL)
    h.expect_total_pledge_eager(TokenAmount(900_000))
    claim2 = h.get_claim(MINER2)
    assert claim2 is not None and (claim2.raw_byte_power, claim2.quality_adj_power) == (0, 0)
    # Nothing is frozen until cron runs.
    assert h.current_power_total().raw_byte_power == 0


def test_power_accounting_crossing_threshold(h: Harness) -> None:
    unit = h.power_unit
    assert unit > SMALL
    _create(h, MINER1, MINER2, MINER3, MINER4, MINER5)
    # QA power is 10x raw power, to show the threshold looks at raw power alone.
    h.update_claimed_power(MINER1, SMALL, 10 * SMALL)
    h.update_claimed_power(MINER2, SMALL, 10 * SMALL)
    for miner in (MINER3, MINER4, MINER5):
        h.update_claimed_power(miner, unit, 10 * unit)

    # Below the minimum miner count, small miners' power counts.
    below = 2 * SMALL + 3 * unit
    h.expect_total_power_eager(below, 10 * below)

    # With four miners above the minimum, it does not.
    delta = unit - SMALL
    h.update_claimed_power(MINER2, delta, 10 * delta)
    h.expect_total_power_eager(4 * unit, 40 * unit)
    h.expect_miners_above_min_power(4)

    # Back to three above the minimum: everyone's power counts again.
    h.update_claimed_power(MINER4, -delta, -10 * delta)
    h.expect_total_power_eager(below, 10 * below)


def test_all_of_one_miners_power_disappears_when_that_miner_dips_below_min_power_threshold(
    h: Harness,
) -> None:
    unit = h.power_unit
    _create(h, MINER1, MINER2, MINER3, MINER4, MINER5)
    for miner in (MINER1, MINER2, MINER3, MINER4, MINER5):
        h.update_claimed_power(miner, unit, unit)
    h.expect_total_power_eager(5 * unit, 5 * unit)
    h.update_claimed_power(MINER4, -SMALL, -SMALL)
    h.expect_total_power_eager(4 * unit, 4 * unit)


def test_power_gets_added_when_miner_crosses_min_power_but_not_before(h: Harness) -> None:
    unit = h.power_unit
    _create(h, MINER1, MINER2, MINER3, MINER4)
    for miner in (MINER1, MINER2, MINER3, MINER4):
        h.update_claimed_power(miner, unit, unit)
    h.expect_miners_above_min_power(4)
    h.expect_total_power_eager(4 * unit, 4 * unit)

    _create(h, MINER5)
    half = unit // 2
    h.update_claimed_power(MINER5, half, half)
    h.expect_miners_above_min_power(4)
    h.expect_total_power_eager(4 * unit, 4 * unit)

    just_below = unit - half - 1
    h.update_claimed_power(MINER5, just_below, just_below)
    h.expect_miners_above_min_power(4)
    h.expect_total_power_eager(4 * unit, 4 * unit)

    # At the minimum the whole claim counts.
    h.update_claimed_power(MINER5, 1, 1)
    h.expect_miners_above_min_power(5)
    h.expect_total_power_eager(5 * unit, 5 * unit)


def test_threshold_only_depends_on_raw_power_not_qa_power(h: Harness) -> None:
    unit = h.power_unit
    half = unit // 2
    _create(h, MINER1, MINER2, MINER3, MINER4)
    for miner in (MINER1, MINER2, MINER3):
        h.update_claimed_power(miner, half, unit)
    h.expect_miners_above_min_power(0)
    for miner in (MINER1, MINER2, MINER3):
        h.update_claimed_power(miner, half, unit)
    h.expect_miners_above_min_power(3)


def test_qa_power_is_above_threshold_before_and_after_update(h: Harness) -> None:
    unit = h.power_unit
    _create(h, MINER1)
    h.update_claimed_power(MINER1, 3 * unit, 3 * unit)
    st = h.state()
    assert (st.total_quality_adj_power, st.total_raw_byte_power) == (3 * unit, 3 * unit)
    h.update_claimed_power(MINER1, unit, unit)
    st = h.state()
    assert (st.total_quality_adj_power, st.total_raw_byte_power) == (4 * unit, 4 * unit)


MINERS = (MINER1, MINER2, MINER3, MINER4, MINER5)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(-3, 3), st.integers(0, 3)), max_size=25))
def test_random_updates_keep_the_totals_consistent(steps: list[tuple[int, int, int]]) -> None:
    h = setup()
    _create(h, *MINERS)
    unit = h.power_unit
    claimed = [0] * len(MINERS)
    for index, sign, extra in steps:
        # Steps of half a unit so that miners cross the minimum both ways; never below zero.
        raw_delta = max(sign * unit // 2, -claimed[index])
        claimed[index] += raw_delta
        # QA power grows by a multiple of raw power and shrinks by as much, so QA never falls below raw.
        qa_delta = raw_delta * (1 + extra) if raw_delta > 0 else raw_delta
        h.update_claimed_power(MINERS[index], raw_delta, qa_delta)
        h.check_state()
    above = [c for c in claimed if c >= unit]
    assert h.state().miner_above_min_power_count == len(above)
    raw, _ = h.state().current_total_power()
    assert raw == (sum(claimed) if len(above) < CONSENSUS_MINER_MIN_MINERS else sum(above))
