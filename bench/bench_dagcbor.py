"""DAG-CBOR: filnet's strict wrapper against raw cbrrr, measured in the same run.

Run: .venv/bin/python bench/bench_dagcbor.py
Each line gives our throughput and its ratio to raw cbrrr on the same value (1.00 = no overhead).
"""

from __future__ import annotations

from typing import Any

import cbrrr

from _timing import compare
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.cid import CID


def _values() -> dict[str, Any]:
    """A Filecoin message (a CBOR tuple), a small state map with links, and a HAMT-node-like block."""
    link = CID.compute(codecs.DAG_CBOR, b"state", multihash.BLAKE2B_256)
    message = [
        0,
        b"\x00\xe8\x07",  # to: f01000
        b"\x01" + bytes(range(20)),  # from: an f1 address
        42,
        b"\x00\x0d\xe0\xb6\xb3\xa7\x64\x00\x00",  # value: 1 FIL as a Filecoin big integer
        10_000_000,
        b"\x00\x01\x86\xa0",
        b"\x00\x01\x86\xa0",
        0,
        b"",
    ]
    state = {"Code": link, "Head": link, "Nonce": 7, "Balance": b"\x00\x0d\xe0\xb6\xb3\xa7\x64\x00\x00"}
    hamt_node = [b"\xff\xff\xff\xff", [[[bytes([i]) * 8, [link, i, b"\x00\x01"]]] for i in range(32)]]
    return {
        "message (10-tuple)": message,
        "actor state (map, 2 links)": state,
        "HAMT node (32 links)": hamt_node,
    }


def main() -> None:
    print(f"{'value':30} {'op':7} {'filnet ops/s':>13} {'cbrrr ops/s':>12} {'ratio':>6}")
    for name, value in _values().items():
        block = dagcbor.encode(value)
        assert block == cbrrr.encode_dag_cbor(value, cid_type=CID)
        for op, ours, theirs in (
            (
                "encode",
                lambda v=value: dagcbor.encode(v),
                lambda v=value: cbrrr.encode_dag_cbor(v, cid_type=CID),
            ),
            (
                "decode",
                lambda b=block: dagcbor.decode(b),
                lambda b=block: cbrrr.decode_dag_cbor(b, cid_ctor=CID.decode),
            ),
        ):
            rate, baseline = compare(ours, theirs)
            print(f"{name:30} {op:7} {rate:13,.0f} {baseline:12,.0f} {rate / baseline:6.2f}")


if __name__ == "__main__":
    main()
