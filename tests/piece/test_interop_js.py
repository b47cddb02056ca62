"""Piece CIDs (v1 and FRC-0069 v2) cross-checked with @web3-storage/data-segment running under Node.

`make test` installs the pinned packages of ``interop/package.json``; without them these tests skip on a
developer machine and fail under CI.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

from filnet.piece.commp import commp_of_bytes
from tests.node_interop import INTEROP_DIR, require_node_packages

pytestmark = require_node_packages("@web3-storage/data-segment")

#: Sizes around the Fr32 quad (127 bytes) and tree-size boundaries, plus a few odd ones.
SIZES = [
    65,
    96,
    126,
    127,
    128,
    253,
    254,
    255,
    1000,
    2032,
    4064,
    127 * 64,
    127 * 64 + 1,
    65_535,
    1 << 20,
    3_000_001,
]


def data_segment_cids(paths: list[Path]) -> dict[str, dict[str, object]]:
    """What data-segment says of each file, by path."""
    out = subprocess.run(
        ["node", str(INTEROP_DIR / "piece-cids.mjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        cwd=INTEROP_DIR,
        timeout=120,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    return {str(row["path"]): row for row in rows}


def test_piece_cids_match_data_segment(tmp_path: Path) -> None:
    rng = random.Random(42)
    payloads = {}
    for size in SIZES:
        for kind, data in (("random", rng.randbytes(size)), ("zeros", bytes(size))):
            path = tmp_path / f"{kind}-{size}.bin"
            path.write_bytes(data)
            payloads[str(path)] = data
    theirs = data_segment_cids([Path(p) for p in payloads])
    assert set(theirs) == set(payloads)
    for path, data in payloads.items():
        ours = commp_of_bytes(data)
        expected = theirs[path]
        assert str(ours.piece_cid) == expected["piece_cid"], path
        assert str(ours.piece_cid_v2) == expected["piece_cid_v2"], path
        assert ours.padded_size == expected["piece_size"], path
