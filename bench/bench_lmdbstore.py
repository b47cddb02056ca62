"""The LMDB block store against the in-memory one, measured in the same run.

Run: .venv/bin/python bench/bench_lmdbstore.py
Figures are blocks per second and their ratio to MemoryBlockstore (a dict: the ceiling for any store).
Writes are batched with put_many (one durable transaction per batch), as the UnixFS importer and the CAR
reader do.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable

from filnet.ipld import codecs
from filnet.ipld.blockstore import Blockstore, MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.ipld.lmdbstore import LmdbBlockstore

BLOCKS = 20_000
BLOCK_SIZE = 1024
BATCH = 1_000


def _rate(count: int, fn: Callable[[], object]) -> float:
    """Items per second for ``fn`` handling ``count`` items."""
    start = time.perf_counter()
    fn()
    return count / (time.perf_counter() - start)


def _measure(store: Blockstore, blocks: list[tuple[CID, bytes]], order: list[CID]) -> dict[str, float]:
    """Write, random-read, has and iterate rates for one store."""

    def write() -> None:
        for i in range(0, len(blocks), BATCH):
            store.put_many(blocks[i : i + BATCH])

    def read() -> None:
        for cid in order:
            store.get(cid)

    def has() -> None:
        for cid in order:
            store.has(cid)

    return {
        f"put_many ({BATCH}/batch)": _rate(len(blocks), write),
        "get (random order)": _rate(len(order), read),
        "has (random order)": _rate(len(order), has),
        "iterate CIDs": _rate(len(blocks), lambda: sum(1 for _ in store)),
    }


def main() -> None:
    rng = random.Random(1)
    blocks = [
        (CID.compute(codecs.RAW, data), data) for data in (rng.randbytes(BLOCK_SIZE) for _ in range(BLOCKS))
    ]
    order = [cid for cid, _ in blocks]
    rng.shuffle(order)
    memory = _measure(MemoryBlockstore(), blocks, order)
    with tempfile.TemporaryDirectory() as tmp, LmdbBlockstore(tmp) as store:
        lmdb = _measure(store, blocks, order)
    print(f"{BLOCKS:,} blocks of {BLOCK_SIZE} bytes")
    print(f"{'operation':26} {'lmdb /s':>12} {'memory /s':>12} {'ratio':>6}")
    for op, rate in lmdb.items():
        print(f"{op:26} {rate:12,.0f} {memory[op]:12,.0f} {rate / memory[op]:6.2f}")


if __name__ == "__main__":
    main()
