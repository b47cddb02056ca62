"""DAG-PB encode and decode against hashing the same block with sha2-256, measured in the same run.

Run: .venv/bin/python bench/bench_dagpb.py
A ratio of 1.00 means the codec handles a block as fast as hashlib.sha256 hashes it; reading a block back
costs one hash (its CID check) plus one decode, so the ratio says how much decoding adds.
"""

from __future__ import annotations

import hashlib

from _timing import compare
from filnet.ipld import codecs, dagpb
from filnet.ipld.cid import CID


def _nodes() -> dict[str, dagpb.PBNode]:
    """A UnixFS file root with 174 unnamed links, a directory of 100 named links, a leaf with 256 KiB."""
    leaves = [CID.compute(codecs.RAW, i.to_bytes(4, "big")) for i in range(174)]
    file_root = dagpb.PBNode(
        tuple(dagpb.PBLink(cid, "", 262_144) for cid in leaves),
        b"\x08\x02\x18\x80\x80\xae\x16" + b"\x20\x80\x80\x10" * 174,
    )
    directory = dagpb.PBNode(
        tuple(dagpb.PBLink(cid, f"file-{i:04}.bin", 1_000 + i) for i, cid in enumerate(leaves[:100])),
        b"\x08\x01",
    )
    leaf = dagpb.PBNode((), b"\x08\x02\x12\x80\x80\x10" + bytes(262_144) + b"\x18\x80\x80\x10")
    return {
        "file root (174 links)": file_root,
        "directory (100 named links)": directory,
        "leaf (256 KiB data)": leaf,
    }


def main() -> None:
    print(f"{'node':28} {'op':7} {'dagpb ops/s':>12} {'sha256 ops/s':>13} {'ratio':>6}")
    for name, node in _nodes().items():
        block = dagpb.encode(node)
        assert dagpb.decode(block) == node

        def sha256(b: bytes = block) -> bytes:
            return hashlib.sha256(b).digest()

        for op, fn in (
            ("encode", lambda n=node: dagpb.encode(n)),
            ("decode", lambda b=block: dagpb.decode(b)),
        ):
            rate, baseline = compare(fn, sha256)
            print(f"{name:28} {op:7} {rate:12,.0f} {baseline:13,.0f} {rate / baseline:6.2f}")


if __name__ == "__main__":
    main()
