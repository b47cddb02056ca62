"""CarBlockstore: a read-only block store over CARv1 and CARv2 files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from filnet.car.files import save_car
from filnet.car.reader import open_car
from filnet.car.store import CarBlockstore
from filnet.car.v1 import write_car_v1
from filnet.car.v2 import PRAGMA, CarIndex, CarV2Header, write_car_v2
from filnet.errors import DecodeError, HashMismatch, InvalidInput, StorageError
from filnet.ipld import codecs
from filnet.ipld.blockstore import BlockNotFound, Blockstore
from filnet.ipld.cid import CID
from tests.car.dags import Dag, identity_raw


def make_dag() -> tuple[Dag, CID]:
    dag = Dag()
    leaves = [dag.raw(b"leaf %d" % i) for i in range(5)]
    root = dag.pb([dag.cbor({"l": leaves[:3], "i": identity_raw(b"inline")}), *leaves[3:]])
    return dag, root


@pytest.fixture(params=[1, 2])
def car_path(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Dag, CID]:
    dag, root = make_dag()
    path = tmp_path / "x.car"
    save_car(path, [root], dag.store, version=request.param)
    return path, dag, root


def test_reads_every_block(car_path: tuple[Path, Dag, CID]) -> None:
    path, dag, root = car_path
    with CarBlockstore(path) as store:
        assert isinstance(store, Blockstore)
        assert store.roots == (root,)
        assert len(store) == len(dag.store) == 7
        assert sorted(store) == sorted(dag.store)
        for cid in dag.store:
            assert store.has(cid) and cid in store
            assert store.get(cid) == dag.store.get(cid)


def test_absent_blocks_and_identity(car_path: tuple[Path, Dag, CID]) -> None:
    path, _, _ = car_path
    with CarBlockstore(path) as store:
        absent = CID.compute(codecs.RAW, b"absent")
        assert not store.has(absent)
        with pytest.raises(BlockNotFound):
            store.get(absent)
        # Same multihash, other codec: a different block (the index matches multihashes, the store CIDs).
        leaf = CID.compute(codecs.RAW, b"leaf 0")
        assert not store.has(CID.v1(codecs.DAG_CBOR, leaf.hash_code, leaf.digest))
        inline = identity_raw(b"inline")
        assert store.has(inline) and store.get(inline) == b"inline"


def test_read_only(car_path: tuple[Path, Dag, CID]) -> None:
    path, _, root = car_path
    with CarBlockstore(path) as store:
        with pytest.raises(InvalidInput, match="read-only"):
            store.put(root, b"")
        with pytest.raises(InvalidInput, match="read-only"):
            store.put_many([])
        with pytest.raises(InvalidInput, match="read-only"):
            store.delete(root)
    with pytest.raises(StorageError, match="closed"):
        store.get(root)


def test_tampered_block_fails_on_get(car_path: tuple[Path, Dag, CID]) -> None:
    path, _, _ = car_path
    data = bytearray(path.read_bytes())
    leaf = CID.compute(codecs.RAW, b"leaf 4")
    at = bytes(data).index(b"leaf 4")
    data[at] ^= 0x20
    path.write_bytes(bytes(data))
    with CarBlockstore(path) as store:
        with pytest.raises(HashMismatch, match=str(leaf)):
            store.get(leaf)
        assert store.get(CID.compute(codecs.RAW, b"leaf 3")) == b"leaf 3"
    # For readers that check every block themselves: the store hands the bytes over as they are.
    with CarBlockstore(path, verify=False) as store:
        assert store.get(leaf) == b"Leaf 4"


def payload_offsets(data: bytes) -> list[tuple[CID, int]]:
    """Each block's CID and section offset from the start of the CARv1 payload."""
    car = open_car(io.BytesIO(data))
    return [(block.cid, block.offset - car.data_offset) for block in car.blocks()]


def test_v2_index_is_used_and_checked(tmp_path: Path) -> None:
    dag, root = make_dag()
    out = io.BytesIO()
    _, header = write_car_v2(out, [root], dag.store)
    data = out.getvalue()
    sections = payload_offsets(data)
    # Point every index entry at the next section: lookups must notice the mismatch.
    shifted = CarIndex.build(
        (cid, sections[(i + 1) % len(sections)][1]) for i, (cid, _) in enumerate(sections)
    )
    path = tmp_path / "bad-index.car"
    path.write_bytes(data[: header.index_offset] + shifted.encode())
    with CarBlockstore(path) as store, pytest.raises(DecodeError, match="index entry"):
        store.get(sections[0][0])
    with CarBlockstore(path, use_index=False) as store:
        assert store.get(sections[0][0]) == dag.store.get(sections[0][0])


def test_compressed_cars_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="compressed"):
        CarBlockstore(tmp_path / "x.car.zst")


def test_go_car_style_padding_and_index(tmp_path: Path) -> None:
    """A CARv2 with padding before the payload, as go-car's read-write blockstore writes them."""
    dag, root = make_dag()
    v1 = io.BytesIO()
    write_car_v1(v1, [root], dag.store)
    payload = v1.getvalue()
    pad = 1000
    records = payload_offsets(payload)
    header = CarV2Header(51 + pad, len(payload), 51 + pad + len(payload) + 7)
    path = tmp_path / "padded.car"
    path.write_bytes(
        PRAGMA + header.encode() + bytes(pad) + payload + bytes(7) + CarIndex.build(records).encode()
    )
    with CarBlockstore(path) as store:
        assert all(store.get(cid) == dag.store.get(cid) for cid in dag.store)
        assert len(store) == 7


def test_v2_without_a_readable_index_is_scanned(tmp_path: Path) -> None:
    dag, root = make_dag()
    v1 = io.BytesIO()
    write_car_v1(v1, [root], dag.store)
    payload = v1.getvalue()
    for index in (b"", bytes([0x82, 0x08]) + b"an index format nobody reads"):
        header = CarV2Header(51, len(payload), 51 + len(payload) if index else 0)
        path = tmp_path / "x.car"
        path.write_bytes(PRAGMA + header.encode() + payload + index)
        with CarBlockstore(path) as store:
            assert len(store) == 7 and all(store.get(cid) == dag.store.get(cid) for cid in dag.store)
