"""HAMT shard building: slot bits, collisions into child shards, labels and the bitfield."""

from __future__ import annotations

import itertools

from filnet.ipld import codecs, dagpb
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.unixfs.data import DataType, decode_data
from filnet.unixfs.hamt import DirLink, HashBits, build_shard, fanout_bits, label_width
from filnet.unixfs.murmur3 import murmur3_x64_64


def test_slot_bits_are_read_most_significant_first() -> None:
    digest = murmur3_x64_64(b"name")
    bits = HashBits(b"name")
    assert [bits.index(d, 8) for d in range(8)] == list(digest)
    assert bits.index(0, 4) == digest[0] >> 4 and bits.index(1, 4) == digest[0] & 0xF
    # Past 64 bits the stream continues with murmur3 of name ‖ 0x01 (hamt-sharding's InfiniteHash).
    assert bits.index(8, 8) == murmur3_x64_64(b"name\x01")[0]


def test_labels_and_fanout() -> None:
    assert (label_width(256), label_width(16), label_width(4096)) == (2, 1, 3)
    assert fanout_bits(256) == 8


def test_colliding_names_share_a_child_shard() -> None:
    # Find two names whose hashes share the first byte: they must sit in one child shard under that slot.
    names = (f"n{i}" for i in itertools.count())
    by_slot: dict[int, str] = {}
    for name in names:
        slot = murmur3_x64_64(name.encode())[0]
        if slot in by_slot:
            pair = (by_slot[slot], name)
            break
        by_slot[slot] = name
    store = MemoryBlockstore()
    target = CID.compute(codecs.RAW, b"")

    def put(block: bytes) -> CID:
        cid = CID.compute(codecs.DAG_PB, block)
        store.put(cid, block)
        return cid

    root, _ = build_shard([DirLink(n, target, 0) for n in (*pair, "other")], 256, put)
    node = dagpb.decode(store.get(root))
    data = decode_data(node.data or b"")
    assert data.type == DataType.HAMT_SHARD and (data.fanout, data.hash_type) == (256, 0x22)
    labels = [link.name or "" for link in node.links]
    assert f"{slot:02X}" in labels and labels == sorted(labels)
    child = dagpb.decode(store.get(next(link.hash for link in node.links if link.name == f"{slot:02X}")))
    assert sorted((link.name or "")[2:] for link in child.links) == sorted(pair)
    used = {int((link.name or "")[:2], 16) for link in node.links}
    assert int.from_bytes(data.data or b"", "big") == sum(1 << s for s in used)
