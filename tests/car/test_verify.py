"""verify_car: hashes, duplicates, completeness, the CARv2 index; and the real butterflynet genesis CAR."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import zstandard

from filnet.car.files import save_car
from filnet.car.reader import open_car
from filnet.car.v1 import CarV1Writer
from filnet.car.v2 import FULLY_INDEXED, PRAGMA, CarIndex, CarV2Header
from filnet.car.verify import MissingLink, verify_car
from filnet.errors import DecodeError, HashMismatch, IntegrityError, MissingBlock
from filnet.ipld import codecs, dagcbor
from filnet.ipld.cid import CID
from tests.car.dags import Dag, car_bytes, identity_raw
from tests.conftest import vectors_dir


def sections(*blocks: tuple[CID, bytes], roots: list[CID]) -> bytes:
    out = io.BytesIO()
    writer = CarV1Writer(out, roots)
    for cid, data in blocks:
        writer.put(cid, data)
    return out.getvalue()


def test_complete_dag() -> None:
    dag = Dag()
    shared = dag.raw(b"shared")
    root = dag.cbor({"a": dag.pb([shared, dag.raw(b"x")]), "b": shared, "i": identity_raw(b"inline")})
    report = verify_car(io.BytesIO(car_bytes([root], dag.store)))
    assert report.complete and report.missing == ()
    assert (report.version, report.roots, report.blocks, report.duplicates) == (1, (root,), 4, 0)
    assert report.bytes == sum(len(dag.store.get(c)) for c in dag.store)
    assert (report.reachable, report.orphans, report.index_entries) == (4, 0, None)


def test_missing_blocks_duplicates_and_orphans() -> None:
    dag = Dag()
    leaf, gone, orphan = dag.raw(b"leaf"), dag.raw(b"gone"), dag.raw(b"orphan")
    inner = dag.cbor([gone])
    root = dag.cbor([leaf, inner])
    get = dag.store.get
    data = sections(
        (root, get(root)),
        (leaf, get(leaf)),
        (inner, get(inner)),
        (leaf, get(leaf)),
        (orphan, get(orphan)),
        roots=[root],
    )
    with pytest.raises(MissingBlock, match=str(gone)) as e:
        verify_car(io.BytesIO(data))
    assert str(inner) in str(e.value)
    report = verify_car(io.BytesIO(data), require_complete=False)
    assert not report.complete
    assert report.missing == (MissingLink(gone, inner),)
    assert (report.blocks, report.duplicates, report.reachable, report.orphans) == (5, 1, 3, 1)


def test_missing_root() -> None:
    dag = Dag()
    leaf = dag.raw(b"leaf")
    absent = CID.compute(codecs.RAW, b"absent")
    report = verify_car(io.BytesIO(sections((leaf, b"leaf"), roots=[absent])), require_complete=False)
    assert report.missing == (MissingLink(absent, None),) and report.orphans == 1


def test_bad_hash() -> None:
    cid = CID.compute(codecs.RAW, b"right")
    with pytest.raises(HashMismatch, match=str(cid)):
        verify_car(io.BytesIO(sections((cid, b"wrong"), roots=[cid])))


def test_links_through_identity_blocks_are_followed() -> None:
    dag = Dag()
    leaf = dag.raw(b"leaf")
    inline = CID.v1(codecs.DAG_CBOR, 0x00, dagcbor.encode([leaf]))
    root = dag.cbor({"inline": inline})
    assert verify_car(io.BytesIO(car_bytes([root], dag.store))).reachable == 2
    report = verify_car(
        io.BytesIO(sections((root, dag.store.get(root)), roots=[root])), require_complete=False
    )
    assert report.missing == (MissingLink(leaf, inline),)


def test_roots_may_repeat() -> None:
    dag = Dag()
    leaf = dag.raw(b"x")
    root = dag.cbor([leaf, leaf])
    report = verify_car(io.BytesIO(car_bytes([root, root, leaf], dag.store)))
    assert report.complete and report.roots == (root, root, leaf) and report.blocks == 2


def test_malformed_block_names_its_section() -> None:
    cid = CID.compute(codecs.DAG_CBOR, b"\xff")
    with pytest.raises(DecodeError, match="section at byte offset"):
        verify_car(io.BytesIO(sections((cid, b"\xff"), roots=[cid])))


def test_opaque_codecs_are_reported() -> None:
    json_block = b'{"a":1}'
    cid = CID.compute(codecs.DAG_JSON, json_block)
    report = verify_car(io.BytesIO(sections((cid, json_block), roots=[cid])))
    assert report.complete and report.opaque == (cid,)


def test_v2_index_is_checked(tmp_path: Path) -> None:
    dag = Dag()
    root = dag.cbor([dag.raw(b"a"), dag.raw(b"b")])
    path = tmp_path / "x.car"
    save_car(path, [root], dag.store, version=2)
    assert verify_car(path).index_entries == 3
    data = path.read_bytes()
    payload_end = 51 + int.from_bytes(data[35:43], "little")
    bad = CarIndex.build([(cid, 0) for cid in dag.store]).encode()
    path.write_bytes(data[:payload_end] + bad)
    with pytest.raises(IntegrityError, match="index"):
        verify_car(path)


def test_butterflynet_genesis() -> None:
    path = vectors_dir() / "filecoin" / "butterflynet-genesis.car.zst"
    with path.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as stream:
        car = open_car(stream)  # a plain stream: read once, every block hashed
        assert car.version == 1 and len(car.roots) == 1
        count = sum(1 for _ in car.blocks())
    assert count == 7171
    report = verify_car(path)
    assert report.complete and report.blocks == 7171 and report.reachable == 7171
    assert report.duplicates == 0 and report.orphans == 0
    assert str(report.roots[0]) == "bafy2bzacebt5wxzyrgizu2uunetxtkc6aom3ult236vviv2nseiwnquu6anha"
    # Miner and market state link to sector and piece commitments, which are not blocks: not missing.
    assert report.missing == ()


def test_fully_indexed_v2_counts_identity_entries(tmp_path: Path) -> None:
    inline = identity_raw(b"inline")
    dag = Dag()
    root = dag.cbor([inline])
    get = dag.store.get
    payload = sections((root, get(root)), (inline, b"inline"), roots=[root])
    records = [(block.cid, block.offset) for block in open_car(io.BytesIO(payload)).blocks()]
    index = CarIndex.build(records, include_identity=True)
    header = CarV2Header(51, len(payload), 51 + len(payload), FULLY_INDEXED)
    path = tmp_path / "full.car"
    path.write_bytes(PRAGMA + header.encode() + payload + index.encode())
    report = verify_car(path)
    assert report.index_entries == 2 and report.reachable == 2 and report.orphans == 0
