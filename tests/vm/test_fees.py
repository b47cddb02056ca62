"""The gas fee split, against Lotus's own tables (chain/vm/burn_test.go) and its invariants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.core.token import TokenAmount
from filnet.errors import InvalidInput
from filnet.vm.fees import compute_gas_outputs, gas_overestimation_burn


@pytest.mark.parametrize(
    ("used", "limit", "refund", "burn"),
    [
        (100, 200, 10, 90),
        (100, 150, 30, 20),
        (1000, 1300, 240, 60),
        (500, 700, 140, 60),
        (200, 200, 0, 0),
        (20000, 21000, 1000, 0),
        (0, 2000, 0, 2000),
        (500, 651, 121, 30),
        (500, 5000, 0, 4500),
        (7499 * 10**6, 7500 * 10**6, 10**6, 0),
        (7500 * 10**6 // 2, 7500 * 10**6, 375 * 10**6, 3375 * 10**6),
        (1, 7500 * 10**6, 0, 7500 * 10**6 - 1),
    ],
)
def test_overestimation_burn(used: int, limit: int, refund: int, burn: int) -> None:
    assert gas_overestimation_burn(used, limit) == (refund, burn)


@pytest.mark.parametrize(
    ("used", "limit", "fee_cap", "premium", "base_burn", "over_burn", "penalty", "tip", "refund"),
    [
        (100, 110, 11, 1, 1000, 0, 0, 110, 100),
        (100, 130, 11, 1, 1000, 60, 0, 130, 240),
        (100, 110, 10, 1, 1000, 0, 0, 0, 100),
        (100, 110, 6, 1, 600, 0, 400, 0, 60),
    ],
)
def test_gas_outputs(
    used: int,
    limit: int,
    fee_cap: int,
    premium: int,
    base_burn: int,
    over_burn: int,
    penalty: int,
    tip: int,
    refund: int,
) -> None:
    out = compute_gas_outputs(used, limit, TokenAmount(10), TokenAmount(fee_cap), TokenAmount(premium))
    assert (
        out.base_fee_burn,
        out.over_estimation_burn,
        out.miner_penalty,
        out.miner_tip,
        out.refund,
    ) == tuple(TokenAmount(x) for x in (base_burn, over_burn, penalty, tip, refund))


def test_without_network_fee_and_bad_input() -> None:
    out = compute_gas_outputs(
        100, 110, TokenAmount(10), TokenAmount(11), TokenAmount(1), charge_network_fee=False
    )
    assert out.base_fee_burn == TokenAmount(0) and out.refund == TokenAmount(110 * 11 - 110)
    with pytest.raises(InvalidInput):
        gas_overestimation_burn(11, 10)


@settings(deadline=None)
@given(
    st.integers(0, 10**10),
    st.integers(0, 10**10),
    st.integers(0, 10**12),
    st.integers(0, 10**12),
    st.integers(0, 10**12),
)
def test_the_escrow_is_always_fully_accounted_for(
    used: int, extra: int, base_fee: int, fee_cap: int, premium: int
) -> None:
    limit = used + extra
    out = compute_gas_outputs(used, limit, TokenAmount(base_fee), TokenAmount(fee_cap), TokenAmount(premium))
    escrow = limit * fee_cap
    paid = out.base_fee_burn + out.over_estimation_burn + out.miner_tip + out.refund
    assert paid == TokenAmount(escrow)
    assert (
        out.refund >= TokenAmount(0)
        and out.miner_tip >= TokenAmount(0)
        and out.miner_penalty >= TokenAmount(0)
    )
    assert out.gas_refund + out.gas_burned == limit - used
