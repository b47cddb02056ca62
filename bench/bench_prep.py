"""`filnet data prep` end to end: throughput against hashlib.sha256 over the same file, and peak memory.

Run: ``.venv/bin/python bench/bench_prep.py [size_mib]`` (default 1024 MiB). A file of random bytes is
generated in a temporary directory, `filnet data prep` runs on it in a child process (import, spool, CARv1
written root-first, CommP over the CAR), and the child's peak resident memory is read from the kernel.
Target: peak memory under 256 MB for 1 GiB, whatever the file size.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MEMORY_LIMIT_MB = 256


def sha256_seconds(path: Path) -> float:
    """Time to read and hash the file with hashlib.sha256 (the baseline)."""
    start = time.perf_counter()
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 << 20):
            h.update(chunk)
    return time.perf_counter() - start


def main() -> None:
    size = (int(sys.argv[1]) if len(sys.argv) > 1 else 1024) << 20
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        src = Path(tmp) / "input.bin"
        with open(src, "wb") as f:
            for _ in range(size >> 20):
                f.write(os.urandom(1 << 20))
        baseline = sha256_seconds(src)
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "filnet.cli.main",
                "data",
                "prep",
                str(src),
                "--out",
                f"{tmp}/out.car",
                "--json",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = json.loads(proc.stdout)
    mib = size / (1 << 20)
    print(f"input {mib:.0f} MiB -> CAR {report['car_size']:,} bytes, piece {report['piece_cid']}")
    print(f"hashlib.sha256 read+hash: {mib / baseline:,.0f} MiB/s (baseline 1.00x)")
    print(f"filnet data prep:         {mib / elapsed:,.0f} MiB/s ({baseline / elapsed:.3f}x sha256)")
    verdict = "ok" if peak_mb < MEMORY_LIMIT_MB else "OVER LIMIT"
    print(f"peak memory of prep: {peak_mb:,.1f} MB (limit {MEMORY_LIMIT_MB} MB: {verdict})")


if __name__ == "__main__":
    main()
