"""Timing shared by the per-call benchmarks: ours against a baseline, in alternating batches."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

ROUNDS = 9


def _batch_size(fn: Callable[[], Any], seconds: float = 0.02) -> int:
    """How many calls of ``fn`` take about ``seconds``."""
    batch = 1
    while True:
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        if time.perf_counter() - start > seconds:
            return batch
        batch *= 2


def _timed(fn: Callable[[], Any], batch: int) -> float:
    """Calls per second over one batch."""
    start = time.perf_counter()
    for _ in range(batch):
        fn()
    return batch / (time.perf_counter() - start)


def compare(ours: Callable[[], Any], baseline: Callable[[], Any]) -> tuple[float, float]:
    """Best calls per second of each, timed in alternating batches so machine load hits both alike."""
    batch = _batch_size(baseline)
    best_ours = best_base = 0.0
    for _ in range(ROUNDS):
        best_base = max(best_base, _timed(baseline, batch))
        best_ours = max(best_ours, _timed(ours, batch))
    return best_ours, best_base
