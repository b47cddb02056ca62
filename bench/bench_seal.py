"""Sealing wall time and WindowPoSt proving/verification per sector, against a same-run SHA-256 baseline.

Each figure is printed in seconds and as a ratio to one hashlib.sha256 pass over the same number of bytes
(the sector), measured in the same run; the issue's targets are 2 KiB < 1 s, 8 MiB < 30 s, 512 MiB < 10 min
(peak memory < 2 GB). The parent cache is generated first and not counted (it is shared by every seal of a
size). Run: ``.venv/bin/python bench/bench_seal.py [--sizes 2KiB,8MiB] [--sectors 2]``; 512MiB takes minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import tempfile
import time
from pathlib import Path

from filnet.proofs.graph import StackedGraph
from filnet.proofs.parent_cache import ParentCache
from filnet.proofs.post import generate_window_post, verify_post
from filnet.proofs.registry import RegisteredSealProof, parse_sector_size
from filnet.proofs.seal import SealInputs, seal_sector, zero_sector


def sha256_seconds(size: int) -> float:
    """Best of three hashlib.sha256 passes over ``size`` bytes."""
    data = bytes(size)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        hashlib.sha256(data).digest()
        best = min(best, time.perf_counter() - start)
    return best


def bench_size(size: int, sectors: int, root: Path) -> None:
    """Seal ``sectors`` zero sectors of ``size``, then prove and verify a WindowPoSt over them."""
    proof = RegisteredSealProof.for_sector(size)
    cache_dir = root / "parent-cache"
    with ParentCache.open_or_generate(StackedGraph.for_proof(proof), cache_dir):
        pass
    baseline = sha256_seconds(size)
    directories = []
    for number in range(sectors):
        directory = root / f"{proof.name}-{number}"
        inputs = SealInputs(proof, bytes(32), number, bytes([number + 1]) * 32)
        start = time.perf_counter()
        sector = seal_sector(inputs, zero_sector(size), directory, cache_dir)
        seconds = time.perf_counter() - start
        directories.append(directory)
        parts = ", ".join(f"{k} {v:.2f} s" for k, v in sector.seconds.items())
        ratio = seconds / baseline
        print(f"seal {size:>10} B sector {number}: {seconds:8.2f} s ({parts}) = {ratio:,.0f} × sha256")
    start = time.perf_counter()
    bundle = generate_window_post(proof.window_post, bytes(range(32)), list(directories))
    prove = (time.perf_counter() - start) / sectors
    start = time.perf_counter()
    result = verify_post(bundle)
    verify = (time.perf_counter() - start) / sectors
    assert result.ok, result.failures
    print(f"window post {size:>10} B: prove {prove * 1e3:.1f} ms/sector = {prove / baseline:.3g} × sha256")
    print(f"window post {size:>10} B: verify {verify * 1e3:.1f} ms/sector = {verify / baseline:.3g} × sha256")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2KiB,8MiB", help="comma-separated sector sizes")
    parser.add_argument("--sectors", type=int, default=2, help="sectors sealed per size (WindowPoSt set)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for text in args.sizes.split(","):
            bench_size(parse_sector_size(text), args.sectors, Path(tmp))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
