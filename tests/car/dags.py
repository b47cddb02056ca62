"""Hand-made DAGs for the CAR tests: a store plus builders for raw, DAG-CBOR and DAG-PB blocks."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from filnet.car.v1 import write_car_v1
from filnet.ipld import codecs, dagcbor, dagpb, multihash
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.ipld.links import block_links


class Dag:
    """A memory block store with helpers that build, store and return blocks' CIDs."""

    def __init__(self) -> None:
        self.store = MemoryBlockstore()

    def put(self, codec: int, data: bytes) -> CID:
        cid = CID.compute(codec, data)
        self.store.put(cid, data)
        return cid

    def raw(self, data: bytes) -> CID:
        return self.put(codecs.RAW, data)

    def cbor(self, obj: Any) -> CID:
        return self.put(codecs.DAG_CBOR, dagcbor.encode(obj))

    def pb(self, links: Sequence[CID], data: bytes = b"") -> CID:
        node = dagpb.PBNode(tuple(dagpb.PBLink(link, f"{i}", 1) for i, link in enumerate(links)), data)
        return self.put(codecs.DAG_PB, dagpb.encode(node))


def identity_raw(data: bytes) -> CID:
    """A raw block inlined in its identity CID."""
    return CID.v1(codecs.RAW, multihash.IDENTITY, data)


def reference_order(store: MemoryBlockstore, roots: Sequence[CID]) -> list[CID]:
    """The canonical order written the obvious (recursive) way: pre-order, first visit, identity skipped."""
    seen: set[CID] = set()
    order: list[CID] = []

    def walk(cid: CID) -> None:
        if cid in seen:
            return
        seen.add(cid)
        data = cid.digest if cid.hash_code == multihash.IDENTITY else store.get(cid)
        if cid.hash_code != multihash.IDENTITY:
            order.append(cid)
        for link in block_links(cid, data):
            walk(link)

    for root in roots:
        walk(root)
    return order


def car_bytes(roots: Sequence[CID], store: MemoryBlockstore) -> bytes:
    """A CARv1 of the DAGs under ``roots``, in memory."""
    out = io.BytesIO()
    write_car_v1(out, roots, store)
    return out.getvalue()


@st.composite
def random_dags(draw: st.DrawFn, max_nodes: int = 12) -> tuple[Dag, list[CID]]:
    """A random DAG of raw, DAG-CBOR and DAG-PB blocks (each links only to earlier ones) and its roots."""
    dag = Dag()
    cids: list[CID] = []
    for _ in range(draw(st.integers(1, max_nodes))):
        kind = draw(st.sampled_from(["raw", "cbor", "pb"])) if cids else "raw"
        payload = draw(st.binary(max_size=24))
        links = draw(st.lists(st.sampled_from(cids), max_size=4)) if cids else []
        if kind == "raw":
            cids.append(dag.raw(payload))
        elif kind == "cbor":
            cids.append(dag.cbor({"data": payload, "links": links, "first": links[0] if links else None}))
        else:
            cids.append(dag.pb(links, payload))
    roots = draw(st.lists(st.sampled_from(cids), min_size=1, max_size=3))
    return dag, roots
