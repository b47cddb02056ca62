"""Epoch quantization (builtin-actors ``quantize.rs``; cases after specs-actors' ``quantize_test.go``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors.miner.quantize import NO_QUANTIZATION, QuantSpec
from filnet.core.types import ChainEpoch


@pytest.mark.parametrize(
    ("unit", "offset", "epoch", "up", "down"),
    [
        (10, 0, 0, 0, 0),
        (10, 0, 1, 10, 0),
        (10, 0, 9, 10, 0),
        (10, 0, 10, 10, 10),
        (10, 0, 11, 20, 10),
        (10, 3, 0, 3, -7),
        (10, 3, 3, 3, 3),
        (10, 3, 4, 13, 3),
        (10, 3, 13, 13, 13),
        (10, 13, 4, 13, 3),  # the offset counts modulo the unit
        (10, -7, 4, 13, 3),
        (10, 3, -1, 3, -7),
        (10, 3, -7, -7, -7),
        (10, 3, -8, -7, -17),
        (10, -3, -1, 7, -3),
        (10, -3, -5, -3, -13),
        (1, 0, 42, 42, 42),
    ],
)
def test_quantizes_up_and_down(unit: int, offset: int, epoch: int, up: int, down: int) -> None:
    q = QuantSpec(ChainEpoch(unit), ChainEpoch(offset))
    assert q.quantize_up(ChainEpoch(epoch)) == up
    assert q.quantize_down(ChainEpoch(epoch)) == down


def test_no_quantization_is_the_identity() -> None:
    for epoch in (-5, 0, 1, 12345):
        assert NO_QUANTIZATION.quantize_up(ChainEpoch(epoch)) == epoch
        assert NO_QUANTIZATION.quantize_down(ChainEpoch(epoch)) == epoch


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10_000), st.integers(-(10**9), 10**9), st.integers(-(10**9), 10**9))
def test_quantize_up_is_the_least_grid_point_not_below(unit: int, offset: int, epoch: int) -> None:
    q = QuantSpec(ChainEpoch(unit), ChainEpoch(offset))
    up = q.quantize_up(ChainEpoch(epoch))
    assert up >= epoch
    assert up - epoch < unit
    # grid points are congruent to offset mod unit with Rust's truncating remainder of the offset
    assert (up - offset) % unit == 0
    down = q.quantize_down(ChainEpoch(epoch))
    assert down <= epoch
    assert epoch - down < unit
    assert (down - offset) % unit == 0
