"""UnixFS HAMT-sharded directories: building them and finding names in them.

The layout is go-unixfs ``hamt`` and ipfs-unixfs-importer ``dir-sharded`` (the two agree byte for byte):

* A shard has ``fanout`` slots (256). An entry's slot at depth ``d`` is the ``d``-th group of
  ``log2(fanout)`` bits of the murmur3-x64-64 hash of its UTF-8 name, read most significant bit first.
* A slot holds one entry or one child shard. When two names want the same slot, a child shard one level
  deeper takes both; the structure depends only on the set of names, never on insertion order.
* Links are written in slot order. An entry's link is named by the slot as upper-case hex padded to the
  width of ``fanout - 1`` (two digits for 256) followed by the entry name; a child shard's link is named
  by the slot alone. Tsize is the subtree's cumulative size.
* The node's Data is ``Type=HAMTShard, Data=bitfield, hashType=0x22, fanout``: the bitfield has bit ``i``
  set when slot ``i`` is used, written as a big-endian integer with leading zero bytes trimmed (go-bitfield
  ``Bytes()``; the importer reverses its little-endian bitfield to the same bytes).
* If 64 hash bits are not enough to separate names, more are drawn from murmur3 of ``name ‖ byte(i)`` for
  i = 1, 2, … (hamt-sharding ``InfiniteHash``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from filnet.errors import DecodeError, UnsupportedCodec
from filnet.ipld import dagpb
from filnet.ipld.cid import CID
from filnet.unixfs.data import UnixFSData, encode_data, hamt_shard_data
from filnet.unixfs.murmur3 import murmur3_x64_64
from filnet.unixfs.profiles import MURMUR3_X64_64

#: murmur3 rounds with an appended counter byte: the counter is one byte, so 256 rounds at most.
_MAX_HASH_ROUNDS: Final = 256


@dataclass(frozen=True, slots=True)
class DirLink:
    """One directory entry as a link: name, target and cumulative size of the target's DAG."""

    name: str
    cid: CID
    tsize: int


class HashBits:
    """The endless bit string a name is placed by: murmur3-x64-64 of the name, then of name ‖ i."""

    __slots__ = ("_key", "_stream")

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._stream = murmur3_x64_64(key)

    def index(self, depth: int, bits: int) -> int:
        """The ``bits``-wide slot number at ``depth`` (bits ``depth*bits`` .. ``(depth+1)*bits - 1``)."""
        end = (depth + 1) * bits
        need = (end + 7) // 8
        while len(self._stream) < need:
            round_ = len(self._stream) // 8
            if round_ >= _MAX_HASH_ROUNDS:
                raise DecodeError(f"HAMT deeper than {_MAX_HASH_ROUNDS * 64 // bits} levels")
            self._stream += murmur3_x64_64(self._key + bytes((round_,)))
        window = int.from_bytes(self._stream[:need], "big")
        return (window >> (need * 8 - end)) & ((1 << bits) - 1)


def fanout_bits(fanout: int) -> int:
    """log2 of a shard fanout; :class:`UnsupportedCodec` unless it is a power of two multiple of 8."""
    if fanout < 8 or fanout & (fanout - 1) or fanout > 1 << 16:
        raise UnsupportedCodec(f"HAMT fanout {fanout} is not a power of two between 8 and 65536")
    return fanout.bit_length() - 1


def label_width(fanout: int) -> int:
    """Hex digits of a slot label: the width of ``fanout - 1`` (2 for 256)."""
    return len(f"{fanout - 1:X}")


def check_shard(node: UnixFSData, where: CID) -> int:
    """Validate a shard node's parameters; return its fanout."""
    if node.hash_type != MURMUR3_X64_64:
        raise UnsupportedCodec(f"HAMT shard {where} uses hash 0x{node.hash_type or 0:x}, not murmur3-x64-64")
    if node.fanout is None:
        raise DecodeError(f"HAMT shard {where} has no fanout")
    fanout_bits(node.fanout)
    return node.fanout


# -- building --------------------------------------------------------------------------------------


class _Bucket:
    """One shard under construction: slot number -> entry or child shard."""

    __slots__ = ("slots",)

    def __init__(self) -> None:
        self.slots: dict[int, _Bucket | tuple[DirLink, HashBits]] = {}


def _insert(bucket: _Bucket, entry: tuple[DirLink, HashBits], depth: int, bits: int) -> None:
    """Place ``entry`` in ``bucket`` at ``depth``, pushing a colliding entry into a new child shard."""
    while True:
        slot = entry[1].index(depth, bits)
        current = bucket.slots.get(slot)
        if current is None:
            bucket.slots[slot] = entry
            return
        if isinstance(current, tuple):
            child = _Bucket()
            child.slots[current[1].index(depth + 1, bits)] = current
            bucket.slots[slot] = child
            current = child
        bucket, depth = current, depth + 1


def build_shard(links: Sequence[DirLink], fanout: int, put_node: Callable[[bytes], CID]) -> tuple[CID, int]:
    """Write the HAMT shard tree of ``links`` (unique names) through ``put_node``; return root and Tsize."""
    bits = fanout_bits(fanout)
    root = _Bucket()
    for link in links:
        _insert(root, (link, HashBits(link.name.encode("utf-8"))), 0, bits)
    return _write_bucket(root, fanout, label_width(fanout), put_node)


def _write_bucket(
    bucket: _Bucket, fanout: int, width: int, put_node: Callable[[bytes], CID]
) -> tuple[CID, int]:
    """Write ``bucket`` after its child shards; return its CID and cumulative size."""
    links: list[dagpb.PBLink] = []
    bitfield = 0
    for slot in sorted(bucket.slots):
        bitfield |= 1 << slot
        label = f"{slot:0{width}X}"
        item = bucket.slots[slot]
        if isinstance(item, _Bucket):
            cid, tsize = _write_bucket(item, fanout, width, put_node)
            links.append(dagpb.PBLink(cid, label, tsize))
        else:
            entry = item[0]
            links.append(dagpb.PBLink(entry.cid, label + entry.name, entry.tsize))
    data = hamt_shard_data(bitfield.to_bytes((bitfield.bit_length() + 7) // 8, "big"), fanout, MURMUR3_X64_64)
    block = dagpb.encode(dagpb.PBNode(tuple(links), encode_data(data)))
    return put_node(block), len(block) + sum(link.tsize or 0 for link in links)
