"""QA power and fee formulas of the miner (builtin-actors ``policy_test.rs``)."""

from __future__ import annotations

import pytest

from filnet.actors.miner.policy import (
    QUALITY_BASE_MULTIPLIER,
    SECTOR_QUALITY_PRECISION,
    VERIFIED_DEAL_WEIGHT_MULTIPLIER,
    daily_proof_fee,
    daily_proof_fee_adjust,
    daily_proof_fee_payable,
    max_prove_commit_duration,
    qa_power_for_weight,
    qa_power_max,
    quality_for_weight,
    seal_proof_sector_maximum_lifetime,
    sector_deals_max,
)
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.params.network import DEVNET_POLICY, EPOCHS_IN_DAY, MAINNET_POLICY

SIZES = (2 << 10, 8 << 20, 512 << 20, 32 << 30, 64 << 30)
DURATIONS = (1, 10, 1000, 1000 * EPOCHS_IN_DAY)
EMPTY_QUALITY = 1 << SECTOR_QUALITY_PRECISION
VERIFIED_QUALITY = EMPTY_QUALITY * (VERIFIED_DEAL_WEIGHT_MULTIPLIER // QUALITY_BASE_MULTIPLIER)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("duration", DURATIONS)
def test_quality_is_independent_of_size_and_duration(size: int, duration: int) -> None:
    full = size * duration
    assert quality_for_weight(size, ChainEpoch(duration), 0) == EMPTY_QUALITY
    assert quality_for_weight(size, ChainEpoch(duration), full) == VERIFIED_QUALITY
    assert (
        quality_for_weight(size, ChainEpoch(duration), full // 2)
        == EMPTY_QUALITY // 2 + VERIFIED_QUALITY // 2
    )


@pytest.mark.parametrize("verified_space", [0, 1, 1 << 10, 2 << 20, 5 << 20, 1 << 30, (2 << 35) - 1, 2 << 35])
def test_quality_scales_with_verified_weight_proportion(verified_space: int) -> None:
    size, duration = 64 << 30, 1_000_000
    verified_weight = verified_space * duration
    empty_weight = (size - verified_space) * duration
    expected = (empty_weight * EMPTY_QUALITY + verified_weight * VERIFIED_QUALITY) // (size * duration)
    assert quality_for_weight(size, ChainEpoch(duration), verified_weight) == expected


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("duration", DURATIONS)
def test_power_of_empty_and_verified_sectors(size: int, duration: int) -> None:
    assert qa_power_for_weight(size, ChainEpoch(duration), 0) == size
    assert qa_power_for_weight(size, ChainEpoch(duration), size * duration) == size * 10


def test_demonstrate_standard_sectors() -> None:
    duration = ChainEpoch(180 * EPOCHS_IN_DAY)
    for size in (32 << 30, 64 << 30):
        weight = size * duration
        assert qa_power_for_weight(size, duration, weight // 2) == size // 2 + 10 * size // 2
    assert qa_power_max(32 << 30) == 10 * (32 << 30)


def test_daily_proof_fee_calc() -> None:
    # 680M FIL circulating, 32 GiB of QA power: 3780793052776 attoFIL a day (builtin-actors' reference).
    supply = TokenAmount.from_fil(680_000_000)
    reference = 3780793052776
    for gib, expected in ((32, reference), (64, reference * 2), (320, reference * 10), (160, reference * 5)):
        fee = daily_proof_fee(MAINNET_POLICY, supply, gib << 30)
        assert abs(fee.atto - expected) <= 10


def test_daily_fee_adjust_and_payable_cap() -> None:
    fee = TokenAmount(1000)
    assert daily_proof_fee_adjust(fee, 10, 10) is fee
    assert daily_proof_fee_adjust(fee, 3, 1) == TokenAmount(333)
    assert daily_proof_fee_payable(MAINNET_POLICY, fee, TokenAmount(1000)) == TokenAmount(500)
    assert daily_proof_fee_payable(MAINNET_POLICY, fee, TokenAmount(5000)) == fee


def test_proof_type_durations_come_from_the_policy() -> None:
    p = DEVNET_POLICY
    assert max_prove_commit_duration(p, 5) == p.max_prove_commit_duration_v1p1 + p.pre_commit_challenge_delay
    assert max_prove_commit_duration(p, 0) == p.max_prove_commit_duration_v1 + p.pre_commit_challenge_delay
    assert max_prove_commit_duration(p, 15) is None
    assert seal_proof_sector_maximum_lifetime(p, 5) == p.sector_maximum_lifetime
    assert seal_proof_sector_maximum_lifetime(p, 2) == p.sector_maximum_lifetime_v1
    assert seal_proof_sector_maximum_lifetime(p, 20) is None
    assert sector_deals_max(MAINNET_POLICY, 2 << 10) == 256
    assert sector_deals_max(MAINNET_POLICY, 64 << 30) == 512
