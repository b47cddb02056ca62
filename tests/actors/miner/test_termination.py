"""Termination results (builtin-actors ``tests/termination_test.rs``)."""

from __future__ import annotations

from filnet.actors.miner.termination import TerminationResult
from filnet.core.types import ChainEpoch
from tests.actors.miner import bf


def test_adds_results_merging_epochs() -> None:
    a = TerminationResult({ChainEpoch(1): bf(1, 2), ChainEpoch(3): bf(5)}, 1, 3)
    b = TerminationResult({ChainEpoch(1): bf(3), ChainEpoch(2): bf(4)}, 2, 2)
    total = a + b
    assert total.partitions_processed == 3
    assert total.sectors_processed == 5
    assert list(total.iter()) == [(1, bf(1, 2, 3)), (2, bf(4)), (3, bf(5))]
    # the operands are unchanged
    assert a.sectors == {1: bf(1, 2), 3: bf(5)}


def test_below_limit() -> None:
    result = TerminationResult({}, 2, 5)
    assert not result.below_limit(2, 10)
    assert not result.below_limit(3, 5)
    assert result.below_limit(3, 6)


def test_is_empty() -> None:
    assert TerminationResult.new().is_empty()
    assert TerminationResult({}, 1, 0).is_empty()
    assert not TerminationResult({ChainEpoch(1): bf(1)}, 1, 1).is_empty()
