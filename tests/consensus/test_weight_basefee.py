"""Chain weight and base fee, against Lotus's basefee_test and weight formula."""

from __future__ import annotations

from dataclasses import replace

import pytest

from filnet.consensus import weight
from filnet.core.address import Address
from filnet.errors import InvalidInput
from filnet.params import DEVNET
from filnet.params.network import MAINNET

LIMIT = MAINNET.block_gas_limit
TARGET = LIMIT // 2


@pytest.mark.parametrize(
    ("base_fee", "used", "blocks", "pre_smoke", "post_smoke"),
    [
        (100_000_000, 0, 1, 87_500_000, 87_500_000),
        (100_000_000, 0, 5, 87_500_000, 87_500_000),
        (100_000_000, TARGET, 1, 103_125_000, 100_000_000),
        (100_000_000, TARGET * 2, 2, 103_125_000, 100_000_000),
        (100_000_000, LIMIT * 2, 2, 112_500_000, 112_500_000),
        (100_000_000, LIMIT * 15 // 10, 2, 110_937_500, 106_250_000),
    ],
)
def test_base_fee_matches_lotus(
    base_fee: int, used: int, blocks: int, pre_smoke: int, post_smoke: int
) -> None:
    smoke = weight.SMOKE_HEIGHT["mainnet"]
    assert weight.compute_next_base_fee(base_fee, used, blocks, smoke - 1, MAINNET) == pre_smoke
    assert weight.compute_next_base_fee(base_fee, used, blocks, smoke + 1, MAINNET) == post_smoke


def test_base_fee_never_below_minimum() -> None:
    assert weight.compute_next_base_fee(100, 0, 1, 100_000, MAINNET) == MAINNET.minimum_base_fee


@pytest.mark.parametrize(
    ("premiums", "limits", "expected"),
    [
        ([], [], 0),
        ([123, 100], [5_999_999_999, 2_000_000_000], 0),
        ([123, 0], [5_999_999_999, 2_000_000_001], 0),
        ([123, 100], [5_999_999_999, 2_000_000_001], 100),
        ([123, 100], [7_999_999_999, 2_000_000_001], 100),
        ([123, 100], [8_000_000_000, 2_000_000_000], 123),
        ([123, 100], [8_000_000_000, 9_000_000_000], 123),
        (
            [100, 200, 300, 400, 500, 600, 700],
            [4e9, 1e9, 2e9, 1e9, 2e9, 2e9, 3e9],
            400,
        ),
    ],
)
def test_weighted_quick_select_matches_lotus(premiums: list[int], limits: list[float], expected: int) -> None:
    index = LIMIT * 80 // 100 - 1
    assert weight.weighted_premium_percentile(premiums, [int(x) for x in limits], index) == expected


def _msg(sender: int, nonce: int, limit: int, premium: int, cap: int = 10**9) -> weight.FeeMessage:
    return weight.FeeMessage(Address.new_id(sender), nonce, limit, cap, premium, bytes([sender, nonce]))


def test_premium_base_fee_dedups_sender_nonce_across_blocks() -> None:
    base = 100_000_000
    block = [_msg(100, 0, 9_000_000_000, 10**8)]
    # The same message in two blocks counts once; its premium exceeds 2*maxAdj so the fee rises by 1/8.
    assert weight.compute_base_fee(base, 10, [block, block], DEVNET) == base + base // 8
    assert weight.compute_base_fee(base, 10, [[]], DEVNET) == base - base // 8


def test_utilization_base_fee_dedups_cids() -> None:
    pre = replace(DEVNET, name="mainnet")
    block = [_msg(100, 0, TARGET, 0)]
    assert weight.compute_base_fee(100_000_000, 100_000, [block, block], pre) == (
        weight.compute_next_base_fee(100_000_000, TARGET, 2, 100_000, pre)
    )
    with pytest.raises(InvalidInput):
        weight.compute_base_fee(1, 1, [], DEVNET)


def test_weight_formula() -> None:
    # log2(2048) = 11: 11*256 plus 11*256*wins/(5*2)
    assert weight.tipset_weight(1000, 2048, [1, 2]) == 1000 + 11 * 256 + (11 * 256 * 3) // 10
    assert weight.tipset_weight(0, 2049, []) == 11 * 256
    with pytest.raises(InvalidInput):
        weight.tipset_weight(0, 0, [1])
