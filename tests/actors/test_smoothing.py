"""Alpha-beta filter and ratio integration in Q.128, as the reward and power actors compute them."""

from __future__ import annotations

import math

import pytest

from filnet.actors.reward import logic
from filnet.actors.smoothing import PRECISION, FilterEstimate, extrapolated_cum_sum_of_ratio, ln

Q = 1 << PRECISION


@pytest.mark.parametrize("x", [1.0, math.e, 100e18, 2e22, 0.0006, 1e-10, 1.5, 3.0])
def test_ln(x: float) -> None:
    assert math.isclose(ln(int(x * Q)) / Q, math.log(x), rel_tol=1e-9, abs_tol=1e-9)
    assert abs(ln(Q)) < 2**10  # the rational approximation is off by ~1e-36 at 1


def test_filter_step_matches_builtin_actors() -> None:
    # A reward-filter step (delta 3 after two null rounds) from builtin-actors' "rounding_issue" test.
    before = FilterEstimate(
        12340768897043811082913117521041414330876498465539749838848,
        -37396269384748225153347462373739139597454335279104,
    )
    after = before.next_estimate(36266252337034982540, 3)
    assert after.position == 12340768782449774548722755900999027209659079673176744001536
    assert after.velocity == -37396515542149801792802995707072472930787668612438
    assert FilterEstimate.from_ipld(after.to_ipld()) == after


def test_estimate_and_extrapolate() -> None:
    estimate = FilterEstimate.from_q0(100, -3)
    assert estimate.estimate() == 100
    assert estimate.extrapolate(10) >> (2 * PRECISION) == 70
    # A constant observation pulls the estimate towards it.
    still = FilterEstimate.from_q0(100, 0)
    moved = still.next_estimate(200, 1)
    assert still.position < moved.position < FilterEstimate.from_q0(200, 0).position and moved.velocity > 0


def trapezoid(numerator: FilterEstimate, denominator: FilterEstimate, t0: int, delta: int) -> int:
    """The ratio integrated step by step (trapezoid rule), in Q.128."""
    total = 0
    for i in range(delta):
        eps = numerator.extrapolate(t0 + i) // (denominator.extrapolate(t0 + i) >> PRECISION)
        total += eps if i in (0, delta - 1) else 2 * eps
    return total // 2


def test_cum_sum_of_ratio() -> None:
    four_million = FilterEstimate.from_q0(4_000_000, 0)
    one = FilterEstimate.from_q0(1, 0)
    assert extrapolated_cum_sum_of_ratio(1000, 0, four_million, one) >> PRECISION == 4 * 10**9
    assert extrapolated_cum_sum_of_ratio(1000, 10**15, four_million, one) >> PRECISION == 4 * 10**9
    half = extrapolated_cum_sum_of_ratio(
        100, 0, FilterEstimate.from_q0(10**12, 0), FilterEstimate.from_q0(200 * 10**12, 0)
    )
    assert (half * (10_000 << PRECISION)) >> (2 * PRECISION) == 5000
    for numerator, denominator, delta in [
        (FilterEstimate.from_q0(111, 12), FilterEstimate.from_q0(3456, 8), 10_000),
        (FilterEstimate.from_q0(1_000_000, -100), FilterEstimate.from_q0(70_000, 1000), 20_000),
    ]:
        analytic = extrapolated_cum_sum_of_ratio(delta, 0, numerator, denominator)
        iterative = trapezoid(numerator, denominator, 0, delta)
        assert abs(analytic - iterative) * 10**6 // analytic < 350  # under 350 parts per million


def test_update_network_kpi() -> None:
    start = logic.initial_state(0)
    one = logic.update_network_kpi(start, 0, 1)
    assert one.epoch == 1 and one.this_epoch_reward_smoothed != start.this_epoch_reward_smoothed
    # Two null rounds: three epochs pass, the filter sees one observation three epochs on.
    three = logic.update_network_kpi(start, 0, 3)
    manual = logic.update_to_next_epoch(logic.update_to_next_epoch(start, 0), 0)
    manual = logic.update_smoothed_estimates(logic.update_to_next_epoch_with_reward(manual, 0), 3)
    assert three == manual and three.epoch == 3
