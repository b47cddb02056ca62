"""CAR write and read+verify throughput as ratios of hashlib.sha256 throughput over the same block bytes.

The DAG: ``--mib`` raw blocks of 1 MiB under one DAG-PB root. Writing walks the DAG and copies every
block to a file (no hashing by default: stores are trusted); ``save_car`` also fsyncs, so its figure is the
disk's. Reading parses every section and hashes every block, so SHA-256 itself (ratio 1.0) is its ceiling.
The DAG is held in a MemoryBlockstore, so the figures are the CAR code's and the file system's.

Run: .venv/bin/python bench/bench_car.py [--mib N] [--repeats N]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from filnet.car import CarBlockstore, open_car, save_car, verify_car, write_car_v1
from filnet.ipld import codecs, dagpb
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID

BLOCK = 1 << 20


def build_dag(count: int) -> tuple[MemoryBlockstore, CID, list[CID]]:
    """``count`` random 1 MiB raw blocks under one DAG-PB root: the store, the root and the leaves."""
    store = MemoryBlockstore()
    leaves = []
    for _ in range(count):
        data = os.urandom(BLOCK)
        cid = CID.compute(codecs.RAW, data)
        store.put(cid, data)
        leaves.append(cid)
    root_data = dagpb.encode(dagpb.PBNode(tuple(dagpb.PBLink(cid, "", BLOCK) for cid in leaves)))
    root = CID.compute(codecs.DAG_PB, root_data)
    store.put(root, root_data)
    return store, root, leaves


def best_pair(baseline: Callable[[], object], fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Fastest of ``repeats`` timed calls of each, alternated so both see the same load on a busy machine."""
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for i, f in enumerate((baseline, fn)):
            start = time.perf_counter()
            f()
            best[i] = min(best[i], time.perf_counter() - start)
    return best[0], best[1]


def read_all(path: Path) -> int:
    """Read and hash-verify every block; return the block count."""
    with open_car(path) as car:
        return sum(1 for _ in car.blocks())


def get_all(path: Path, cids: list[CID]) -> None:
    """Random access: every block fetched by CID (verified) through a CarBlockstore."""
    with CarBlockstore(path) as store:
        for cid in cids:
            store.get(cid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mib", type=int, default=256, help="DAG size in MiB of 1 MiB raw blocks (default 256)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    store, root, leaves = build_dag(args.mib)
    nbytes = args.mib * BLOCK
    mib_s = lambda seconds: nbytes / seconds / (1 << 20)  # noqa: E731

    def sha256_all() -> None:
        for cid in leaves:
            hashlib.sha256(store.get(cid)).digest()

    print(f"DAG: {args.mib} raw blocks of 1 MiB under one dag-pb root ({nbytes / (1 << 20):.0f} MiB)")
    print(
        "each row: best of --repeats runs, alternated with hashlib.sha256 over the same blocks (the baseline)"
    )
    print(f"{'':42s} {'MiB/s':>8s}   {'sha256 MiB/s':>12s}   ratio")

    with tempfile.TemporaryDirectory(prefix="bench-car-") as tmp:
        v1, v2 = Path(tmp) / "dag.car", Path(tmp) / "dag-v2.car"

        def write_plain() -> None:
            with v1.open("wb") as out:
                write_car_v1(out, [root], store)

        rows: list[tuple[str, Callable[[], object]]] = [
            ("write CARv1 to an open file (no fsync)", write_plain),
            ("save_car v1 (atomic: fsync + rename)", lambda: save_car(v1, [root], store)),
            ("save_car v1, verify=True", lambda: save_car(v1, [root], store, verify=True)),
            ("save_car v2 (with index)", lambda: save_car(v2, [root], store, version=2)),
            ("read + verify CARv1 (open_car)", lambda: read_all(v1)),
            ("read + verify CARv2 (open_car)", lambda: read_all(v2)),
            ("verify_car (hashes + DAG walk)", lambda: verify_car(v1)),
            ("CarBlockstore.get every block, v2 index", lambda: get_all(v2, leaves)),
        ]
        for name, fn in rows:
            base, seconds = best_pair(sha256_all, fn, args.repeats)
            print(f"{name:42s} {mib_s(seconds):8.1f}   {mib_s(base):12.1f}   {base / seconds:5.2f}")
        assert read_all(v1) == args.mib + 1


if __name__ == "__main__":
    main()
