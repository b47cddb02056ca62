"""Deadline arithmetic (builtin-actors ``tests/deadlines.rs`` and ``internal_tests.rs``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from filnet.actors.miner.deadline_info import (
    DeadlineInfo,
    deadline_available_for_compaction,
    deadline_available_for_optimistic_post_dispute,
    deadline_is_mutable,
    new_deadline_info,
    new_deadline_info_from_offset_and_epoch,
    quant_spec_for_deadline,
)
from filnet.core.types import ChainEpoch
from filnet.params.network import DEVNET_POLICY, EPOCHS_IN_DAY, ActorPolicy
from tests.actors.miner import POLICY

E = ChainEpoch


def test_quantization_spec_rounds_to_the_next_deadline() -> None:
    period_start = E(2)
    curr = E(period_start + POLICY.wpost_proving_period)
    d = new_deadline_info(POLICY, period_start, 10, curr)
    assert d.next_not_elapsed().last() == d.quant_spec().quantize_up(curr)
    assert quant_spec_for_deadline(POLICY, d) == d.quant_spec()


@pytest.mark.parametrize("p", [POLICY, DEVNET_POLICY], ids=["mainnet", "devnet"])
def test_next_not_elapsed(p: ActorPolicy) -> None:
    duration = p.wpost_proving_period // p.wpost_period_deadlines
    period_start = 12345
    # Every deadline, from just before it opens to two periods later (mainnet: a sample of epochs).
    step = 1 if p is DEVNET_POLICY else 37
    for idx in range(p.wpost_period_deadlines):
        opens = period_start + idx * duration
        for curr in range(opens - 1, opens + duration + 2 * p.wpost_proving_period, step):
            d = new_deadline_info(p, E(period_start), idx, E(curr))
            expected = d
            while expected.has_elapsed():
                expected = new_deadline_info(
                    p, expected.next_period_start(), expected.index, expected.current_epoch
                )
            assert d.next_not_elapsed() == expected
            if curr < opens + duration:
                assert not d.has_elapsed()
                assert d.next_not_elapsed() == d


def test_offset_and_epoch_invariant_checking() -> None:
    pp = 1972
    for epoch in (4, 2_000, 400_000, 5_000_000):
        a = new_deadline_info_from_offset_and_epoch(POLICY, E(pp), E(epoch))
        b = new_deadline_info_from_offset_and_epoch(POLICY, E(pp + EPOCHS_IN_DAY * 3), E(epoch))
        c = new_deadline_info_from_offset_and_epoch(POLICY, E(pp + EPOCHS_IN_DAY * 1_000_000), E(epoch))
        assert a == b == c


def test_sanity_checks() -> None:
    offset = 7
    start = EPOCHS_IN_DAY * 103 + offset
    window = POLICY.wpost_challenge_window
    cases = [
        (0, 0, start),
        (window - 1, 0, start),
        (window, 1, start),
        (40 * window, 40, start),
        (40 * window - 1, 39, start),
        (40 * window + 1, 40, start),
        (POLICY.wpost_period_deadlines * window - 1, POLICY.wpost_period_deadlines - 1, start),
        (POLICY.wpost_period_deadlines * window, 0, start + POLICY.wpost_proving_period),
    ]
    for delta, index, period_start in cases:
        d = new_deadline_info_from_offset_and_epoch(POLICY, E(offset), E(start + delta))
        assert d.index == index
        assert d.period_start == period_start


def test_current_proving_period_start_from_offsets() -> None:
    """internal_tests.rs ``test_current_proving_period_start``, through the offset-and-epoch form."""
    period = POLICY.wpost_proving_period

    def start(curr: int, offset: int) -> int:
        return new_deadline_info_from_offset_and_epoch(POLICY, E(offset), E(curr)).period_start

    assert start(0, 0) == 0
    assert start(0, 1) == -period + 1
    assert start(0, 10) == -period + 10
    assert start(0, period - 1) == -1
    assert start(1, 0) == 0
    assert start(1, 1) == 1
    assert start(1, 2) == -period + 2
    assert start(123, 122) == 122
    assert start(123, 123) == 123
    assert start(123, 124) == -period + 124
    assert start(period - 1, period - 1) == period - 1
    assert start(period, 0) == period
    assert start(period, 1) == 1
    assert start(period + 234, 234) == period + 234
    assert start(period + 234, 235) == 235


def test_deadline_fields_and_past_the_last_index() -> None:
    d = new_deadline_info(POLICY, E(100), 2, E(150))
    window = POLICY.wpost_challenge_window
    assert d.open == 100 + 2 * window
    assert d.close == d.open + window
    assert d.challenge == d.open - POLICY.wpost_challenge_lookback
    assert d.fault_cutoff == d.open - POLICY.fault_declaration_cutoff
    assert d.last() == d.close - 1
    assert d.next_open() == d.close
    assert d.period_started()
    assert not d.period_elapsed()
    assert d.period_end() == 100 + POLICY.wpost_proving_period - 1
    assert not d.is_open()
    assert d.fault_cutoff_passed() is (d.fault_cutoff <= 150)
    after = new_deadline_info(POLICY, E(100), POLICY.wpost_period_deadlines, E(150))
    end = 100 + POLICY.wpost_proving_period
    assert (after.open, after.close, after.challenge, after.fault_cutoff) == (end, end, end, 0)
    assert isinstance(replace(d), DeadlineInfo)
    assert d.to_json()["WPoStChallengeWindow"] == window
    assert set(d.to_json()) == {
        "CurrentEpoch",
        "PeriodStart",
        "Index",
        "Open",
        "Close",
        "Challenge",
        "FaultCutoff",
        "WPoStPeriodDeadlines",
        "WPoStProvingPeriod",
        "WPoStChallengeWindow",
        "WPoStChallengeLookback",
        "FaultDeclarationCutoff",
    }


def test_mutability_dispute_and_compaction_windows() -> None:
    window = POLICY.wpost_challenge_window
    period = POLICY.wpost_proving_period
    # at the start of the period deadline 0 is open and deadline 1 is next: neither is mutable
    assert not deadline_is_mutable(POLICY, E(0), 0, E(0))
    assert not deadline_is_mutable(POLICY, E(0), 1, E(0))
    assert deadline_is_mutable(POLICY, E(0), 2, E(0))
    # one epoch before deadline 2 becomes "next", it is still mutable
    assert deadline_is_mutable(POLICY, E(0), 2, E(window - 1))
    assert not deadline_is_mutable(POLICY, E(0), 2, E(window))
    # once deadline 0 closes, its proofs may be disputed for the dispute window
    assert not deadline_available_for_optimistic_post_dispute(POLICY, E(0), 0, E(window - 1))
    assert deadline_available_for_optimistic_post_dispute(POLICY, E(0), 0, E(window))
    last_dispute = window + POLICY.wpost_dispute_window - 1
    assert deadline_available_for_optimistic_post_dispute(POLICY, E(0), 0, E(last_dispute))
    assert not deadline_available_for_optimistic_post_dispute(POLICY, E(0), 0, E(last_dispute + 1))
    # nothing to dispute before the first period starts
    assert not deadline_available_for_optimistic_post_dispute(POLICY, E(10), 0, E(5))
    # compaction: mutable and past the dispute window
    assert not deadline_available_for_compaction(POLICY, E(0), 0, E(window))
    assert deadline_available_for_compaction(POLICY, E(0), 0, E(last_dispute + 1))
    assert not deadline_available_for_compaction(POLICY, E(0), 0, E(period - window))
