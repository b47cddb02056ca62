"""The Lotus genesis CARs: every state block decodes, and every HAMT and AMT in them rebuilds to Lotus's CIDs.

The walk starts at each actor's state head and follows every link. A block shaped like an AMT root
(``[bitWidth, height, count, node]``) or a HAMT node (``[bitfield, [pointers]]``) is loaded, its entries
are read and a fresh structure is built from those entries alone (in reverse order); its root must be the
CID Lotus wrote. HAMT bit widths are not stored in the nodes: the width builtin-actors uses for the field
(5 almost everywhere, 6 for the power and market cron queues, 3 for the datacap token) is the one that
reproduces the root.
"""

from __future__ import annotations

from typing import Any

import pytest

from filnet.errors import DecodeError
from filnet.ipld import codecs, dagcbor
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from filnet.vm.state_tree import StateTree
from tests.vm.genesis import NETWORKS, genesis

HAMT_BIT_WIDTHS = (5, 6, 3)


def looks_like_amt(raw: Any) -> bool:
    return (
        isinstance(raw, list)
        and len(raw) == 4
        and all(type(x) is int for x in raw[:3])
        and isinstance(raw[3], list)
        and len(raw[3]) == 3
        and isinstance(raw[3][0], bytes)
    )


def looks_like_hamt(raw: Any) -> bool:
    def pointer(p: Any) -> bool:
        return isinstance(p, CID) or (
            isinstance(p, list)
            and all(isinstance(kv, list) and len(kv) == 2 and isinstance(kv[0], bytes) for kv in p)
        )

    return (
        isinstance(raw, list)
        and len(raw) == 2
        and isinstance(raw[0], bytes)
        and isinstance(raw[1], list)
        and all(pointer(p) for p in raw[1])
    )


def rebuild_amt(store: MemoryBlockstore, cid: CID, bit_width: int) -> tuple[bool, list[Any]]:
    source = Amt(store, cid, bit_width)
    entries = list(source.items())
    assert len(entries) == len(source)
    fresh = Amt(MemoryBlockstore(), None, bit_width)
    for index, value in reversed(entries):
        fresh.set(index, value)
    return fresh.flush() == cid, [v for _, v in entries]


def rebuild_hamt(store: MemoryBlockstore, cid: CID) -> tuple[int | None, list[Any]]:
    for bit_width in HAMT_BIT_WIDTHS:
        try:
            entries = list(Hamt(store, cid, bit_width).items())
        except DecodeError:
            continue
        fresh = Hamt(MemoryBlockstore(), None, bit_width)
        for key, value in reversed(entries):
            fresh.set(key, value)
        if fresh.flush() == cid:
            return bit_width, [v for _, v in entries]
    return None, []


def walk(network: str) -> dict[str, list[tuple[str, int | None, bool]]]:
    """Every HAMT/AMT below the actors' states: actor name -> [(kind, bit width, rebuilt)]."""
    store, root = genesis(network)
    tree = StateTree.load(store, root)
    found: dict[str, list[tuple[str, int | None, bool]]] = {}
    seen: set[CID] = set()
    for _, actor in tree.iter_actors():
        name = tree.actor_name(actor)
        stack = [actor.head]
        while stack:
            cid = stack.pop()
            if cid in seen or cid.codec != codecs.DAG_CBOR:
                continue
            seen.add(cid)
            raw = dagcbor.decode(store.get(cid))
            children: list[Any] = [raw]
            if looks_like_amt(raw):
                ok, children = rebuild_amt(store, cid, raw[0])
                found.setdefault(name, []).append(("amt", raw[0], ok))
            elif looks_like_hamt(raw):
                bit_width, children = rebuild_hamt(store, cid)
                found.setdefault(name, []).append(("hamt", bit_width, bit_width is not None))
            for child in children:
                stack.extend(dagcbor.iter_links(child))
    return found


@pytest.mark.parametrize("network", NETWORKS)
def test_every_state_block_is_present_and_canonical(network: str) -> None:
    store, root = genesis(network)
    seen: set[CID] = set()
    stack = [root]
    while stack:
        cid = stack.pop()
        if cid in seen or cid.codec != codecs.DAG_CBOR:
            continue  # code CIDs of old networks are raw identity CIDs
        seen.add(cid)
        data = store.get(cid)  # raises if Lotus's CAR missed a block
        value = dagcbor.decode(data)
        assert dagcbor.encode(value) == data  # canonical: re-encodes to the same bytes
        stack.extend(dagcbor.iter_links(value))
    # The rest of the CAR: actor Wasm bundles (raw blocks), the block header, its genesis-metadata parent
    # (a Go-ordered, non-canonical map) and the empty message and receipt roots.
    outside = [cid for cid in store if cid not in seen and cid.codec != codecs.RAW]
    assert len(seen) > 1000 and len(outside) <= 4


def test_butterflynet_every_hamt_and_amt_rebuilds() -> None:
    found = walk("butterflynet")
    failures = [(name, kind, bw) for name, items in found.items() for kind, bw, ok in items if not ok]
    assert failures == []
    kinds = {(name, kind, bw) for name, items in found.items() for kind, bw, _ in items}
    # The structures the typed states and the storage actors use, with builtin-actors' bit widths.
    assert {
        ("init", "hamt", 5),
        ("storagepower", "hamt", 5),
        ("storagepower", "hamt", 6),
        ("storagepower", "amt", 6),
        ("storagemarket", "amt", 5),
        ("storagemarket", "amt", 6),
        ("storagemarket", "hamt", 5),
        ("storageminer", "amt", 3),
        ("storageminer", "amt", 4),
        ("storageminer", "amt", 5),
        ("verifiedregistry", "hamt", 5),
        ("datacap", "hamt", 3),
    } <= kinds
    assert sum(len(items) for items in found.values()) > 2400


@pytest.mark.slow
@pytest.mark.parametrize("network", ["interopnet"])
def test_older_genesis_every_hamt_and_amt_rebuilds(network: str) -> None:
    found = walk(network)
    assert [(n, k, bw) for n, items in found.items() for k, bw, ok in items if not ok] == []
