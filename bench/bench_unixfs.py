"""UnixFS import throughput against hashlib.sha256 over the same bytes, measured in the same run.

Run: ``.venv/bin/python bench/bench_unixfs.py [size_mib]`` (default 256 MiB). Blocks go to a DiscardSink
(``--only-hash``), so the figure is chunking + hashing + DAG building; the target for the default
profile is >= 0.6x sha256.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import time

from filnet.unixfs.importer import DiscardSink, import_stream
from filnet.unixfs.profiles import DEFAULT_PROFILE, PROFILES

TARGET = 0.6


def best_of(runs: int, fn: object) -> float:
    """The fastest of ``runs`` timings of ``fn()`` in seconds."""
    assert callable(fn)
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    size = int(sys.argv[1]) << 20 if len(sys.argv) > 1 else 256 << 20
    data = os.urandom(size)
    baseline = best_of(3, lambda: hashlib.sha256(data).digest())
    mib = size / (1 << 20)
    print(f"hashlib.sha256 over {mib:.0f} MiB: {mib / baseline:,.0f} MiB/s (baseline 1.00x)")
    for name in (DEFAULT_PROFILE, *(p for p in PROFILES if p != DEFAULT_PROFILE)):
        profile = PROFILES[name]
        elapsed = best_of(3, lambda profile=profile: import_stream(io.BytesIO(data), DiscardSink(), profile))
        ratio = baseline / elapsed
        note = (
            f"  (target >= {TARGET}x: {'met' if ratio >= TARGET else 'MISSED'})"
            if name == DEFAULT_PROFILE
            else ""
        )
        print(f"import {name:<15} {mib / elapsed:,.0f} MiB/s  {ratio:.2f}x sha256{note}")


if __name__ == "__main__":
    main()
