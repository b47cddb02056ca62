"""HAMT and AMT throughput: inserts, lookups, flush, blocks written.

Run: ``.venv/bin/python bench/bench_hamt.py`` (100,000 entries) or ``--full`` (1,000,000 entries, the size
the issue asks about; takes a few minutes). Every rate is also given as a ratio against a baseline measured
in the same run: Python dict inserts of the same keys, and sha256 key hashes per second (a HAMT insert
cannot beat one hash of its key). Times are process CPU time, so that other work on a shared machine does
not skew the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable

from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.hamt import Hamt


def timed(fn: Callable[[], object]) -> float:
    """CPU seconds taken by ``fn``."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="use 1,000,000 entries")
    parser.add_argument("-n", type=int, default=None, help="number of entries")
    args = parser.parse_args()
    n = args.n or (1_000_000 if args.full else 100_000)
    keys = [i.to_bytes(8, "big") for i in range(n)]

    baseline: dict[bytes, int] = {}
    dict_rate = n / timed(lambda: [baseline.__setitem__(k, i) for i, k in enumerate(keys)])
    sha_rate = n / timed(lambda: [hashlib.sha256(k).digest() for k in keys])

    store = MemoryBlockstore()
    hamt = Hamt(store)
    insert_rate = n / timed(lambda: [hamt.set(k, i) for i, k in enumerate(keys)])
    flush_s = timed(hamt.flush)
    blocks = len(store)
    root = hamt.flush()
    cold = Hamt(store, root)
    lookup_cold = n / timed(lambda: [cold.get(k) for k in keys])
    lookup_warm = n / timed(lambda: [cold.get(k) for k in keys])
    cold.set(keys[n // 2], "changed")
    before = len(store)
    reflush_s = timed(cold.flush)
    rewritten = len(store) - before

    amt_store = MemoryBlockstore()
    amt = Amt(amt_store, bit_width=5)
    amt_insert = n / timed(lambda: [amt.set(i, i) for i in range(n)])
    amt_flush_s = timed(amt.flush)

    print(f"entries: {n:,}")
    print(f"baseline: dict inserts {dict_rate:,.0f}/s, sha256 key hashes {sha_rate:,.0f}/s")
    ratios = f"{insert_rate / dict_rate:.4f} x dict, {insert_rate / sha_rate:.4f} x sha256"
    print(f"HAMT inserts: {insert_rate:,.0f}/s = {ratios}")
    print(f"HAMT lookups (cold, loading nodes): {lookup_cold:,.0f}/s = {lookup_cold / dict_rate:.4f} x dict")
    print(f"HAMT lookups (warm cache): {lookup_warm:,.0f}/s = {lookup_warm / dict_rate:.4f} x dict")
    print(f"HAMT flush: {flush_s:.2f} s, {blocks:,} blocks written ({blocks / flush_s:,.0f} blocks/s)")
    print(f"HAMT flush after one change: {reflush_s * 1000:.2f} ms, {rewritten} blocks written")
    amt_ratio = amt_insert / dict_rate
    print(
        f"AMT (bit width 5) inserts: {amt_insert:,.0f}/s = {amt_ratio:.4f} x dict; flush {amt_flush_s:.2f} s"
    )


if __name__ == "__main__":
    main()
