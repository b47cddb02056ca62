"""CARv2: header, MultihashIndexSorted layout (as go-car writes it), writer, wrap and extract."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.car.files import extract_v1_file, save_car, wrap_v1_file
from filnet.car.reader import open_car
from filnet.car.v2 import (
    FULLY_INDEXED,
    INDEX_SORTED,
    MULTIHASH_INDEX_SORTED,
    PRAGMA,
    CarIndex,
    CarV2Header,
    decode_index,
    decode_v2_header,
    write_car_v2,
)
from filnet.errors import DecodeError, InvalidInput, UnsupportedCodec
from filnet.ipld import codecs, multihash
from filnet.ipld.cid import CID
from tests.car.dags import Dag, car_bytes, identity_raw, random_dags


def test_pragma_is_a_version_2_car_header() -> None:
    assert bytes([0x0A, 0xA1, 0x67]) + b"version" + bytes([0x02]) == PRAGMA


def test_header_layout() -> None:
    header = CarV2Header(data_offset=51, data_size=300, index_offset=351, characteristics=FULLY_INDEXED)
    raw = header.encode()
    assert raw == bytes([0x80]) + bytes(15) + struct.pack("<QQQ", 51, 300, 351)
    assert decode_v2_header(raw, 1000) == header
    assert header.fully_indexed and header.has_index and header.data_end == 351
    assert not CarV2Header(51, 1).has_index


def sha(data: bytes) -> CID:
    return CID.compute(codecs.RAW, data)


def blake(data: bytes) -> CID:
    return CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)


def test_multihash_index_sorted_bytes_by_hand() -> None:
    a, b, c = sha(b"a"), sha(b"b"), blake(b"c")
    index = CarIndex.build([(a, 100), (b, 59), (c, 7), (identity_raw(b"x"), 3)])
    first, second = sorted([(a.digest, 100), (b.digest, 59)])

    def record(digest: bytes, offset: int) -> bytes:
        return digest + struct.pack("<Q", offset)

    expected = (
        bytes([0x81, 0x08])  # varint 0x0401
        + struct.pack("<i", 2)  # two multihash codes, ascending: sha2-256 (0x12), blake2b-256 (0xb220)
        + struct.pack("<Q", 0x12)
        + struct.pack("<i", 1)  # one width
        + struct.pack("<I", 40)
        + struct.pack("<q", 80)  # byte length of the records (go-car), not their count
        + record(*first)
        + record(*second)
        + struct.pack("<Q", 0xB220)
        + struct.pack("<i", 1)
        + struct.pack("<I", 40)
        + struct.pack("<q", 40)
        + record(c.digest, 7)
    )
    assert index.encode() == expected
    assert len(index) == 3  # the identity CID is not indexed
    assert decode_index(expected) == index
    assert index.offsets(a) == [100] and index.offsets(c) == [7]
    assert index.offsets(CID.compute(codecs.DAG_CBOR, b"a")) == [100]  # keyed by multihash only
    assert index.offsets(sha(b"absent")) == []
    assert index.offsets(CID.compute(codecs.RAW, b"c", multihash.BLAKE2B_256)) == [7]


def test_index_sorted_keys_on_digests_alone() -> None:
    a, c = sha(b"a"), blake(b"c")
    index = CarIndex.build([(a, 1), (c, 2)], INDEX_SORTED)
    raw = index.encode()
    assert raw[:2] == bytes([0x80, 0x08]) and struct.unpack_from("<iIq", raw, 2) == (1, 40, 80)
    decoded = decode_index(raw)
    assert decoded.codec == INDEX_SORTED
    assert decoded.offsets(a) == [1] and decoded.offsets(c) == [2]


def test_duplicates_and_widths() -> None:
    a = sha(b"a")
    short = CID.v1(codecs.RAW, 0x16, bytes(range(20)))  # sha3-256 code with an unusual 20-byte digest
    index = CarIndex.build([(a, 9), (a, 4), (short, 1)])
    assert index.offsets(a) == [4, 9]
    assert [(b.code, b.width) for b in index.buckets] == [(0x12, 40), (0x16, 28)]
    assert decode_index(index.encode()) == index


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=8), st.integers(0, 1 << 40)), max_size=30))
def test_index_round_trip(entries: list[tuple[bytes, int]]) -> None:
    records = [(sha(data) if i % 2 else blake(data), offset) for i, (data, offset) in enumerate(entries)]
    index = CarIndex.build(records)
    assert decode_index(index.encode()) == index
    for cid, offset in records:
        assert offset in index.offsets(cid)


def corrupt(raw: bytes, at: int, value: bytes) -> bytes:
    return raw[:at] + value + raw[at + len(value) :]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda raw: corrupt(raw, 2, struct.pack("<i", -1)), "does not fit"),
        (lambda raw: corrupt(raw, 2, struct.pack("<i", 1 << 30)), "does not fit"),
        (lambda raw: corrupt(raw, 14, struct.pack("<i", 1 << 20)), "does not fit"),
        (lambda raw: corrupt(raw, 18, struct.pack("<I", 7)), "below 8"),
        (lambda raw: corrupt(raw, 18, struct.pack("<I", 50)), "whole 50-byte records"),
        (lambda raw: corrupt(raw, 18, struct.pack("<I", 30)), "22-byte sha2-256 digests"),
        (lambda raw: corrupt(raw, 22, struct.pack("<q", 1 << 40)), "does not hold"),
        (lambda raw: corrupt(raw, 22, struct.pack("<q", -40)), "does not hold"),
        (lambda raw: raw[:-1], "does not hold|truncated"),
        (lambda raw: raw + b"\x00", "trailing bytes"),
        (lambda raw: raw[:30] + raw[70:110] + raw[30:70] + raw[110:], "out of order"),
    ],
)
def test_invalid_indexes(edit: object, message: str) -> None:
    # varint codec [0, 2), #codes [2, 6), code [6, 14), #widths [14, 18), width [18, 22), length [22, 30),
    # then three 40-byte records.
    raw = CarIndex.build([(sha(b"a"), 1), (sha(b"b"), 2), (sha(b"c"), 3)]).encode()
    assert len(raw) == 150 and decode_index(raw).codec == MULTIHASH_INDEX_SORTED
    assert callable(edit)
    with pytest.raises(DecodeError, match=message):
        decode_index(edit(raw))


def test_index_offsets_must_lie_in_the_payload() -> None:
    raw = CarIndex.build([(sha(b"a"), 500)]).encode()
    assert len(decode_index(raw, data_size=501)) == 1
    with pytest.raises(DecodeError, match="past the data payload"):
        decode_index(raw, data_size=500)


def test_unknown_index_codec() -> None:
    with pytest.raises(UnsupportedCodec):
        decode_index(bytes([0x82, 0x08]))
    with pytest.raises(UnsupportedCodec):
        CarIndex.build([], 0x0402)


def v2_of(dag: Dag, roots: list[CID]) -> bytes:
    out = io.BytesIO()
    write_car_v2(out, roots, dag.store)
    return out.getvalue()


@settings(max_examples=30, deadline=None)
@given(random_dags())
def test_v2_write_read_and_look_up(case: tuple[Dag, list[CID]]) -> None:
    dag, roots = case
    v1 = car_bytes(roots, dag.store)
    data = v2_of(dag, roots)
    # Pragma, header, the same CARv1 unchanged, then the index: go-car's WrapV1 layout.
    assert data[:11] == PRAGMA
    assert data[51 : 51 + len(v1)] == v1
    assert decode_v2_header(data[11:51], len(data)) == CarV2Header(51, len(v1), 51 + len(v1))
    car = open_car(io.BytesIO(data))
    index = car.read_index()
    assert index is not None and index.codec == MULTIHASH_INDEX_SORTED
    for block in car.blocks():
        assert block.offset - car.data_offset in index.offsets(block.cid)
    assert data[51 + len(v1) :] == index.encode()


def test_write_v2_needs_a_seekable_output() -> None:
    dag = Dag()
    root = dag.raw(b"x")

    class Pipe(io.RawIOBase):
        def writable(self) -> bool:
            return True

    with pytest.raises(InvalidInput, match="seekable"):
        write_car_v2(Pipe(), [root], dag.store)  # type: ignore[arg-type]


def test_files_wrap_extract_and_save(tmp_path: Path) -> None:
    dag = Dag()
    root = dag.cbor({"a": dag.raw(b"a"), "b": dag.pb([dag.raw(b"b")])})
    v1, v2, wrapped, back = (tmp_path / n for n in ("a.car", "b.car", "c.car", "d.car"))
    stats = save_car(v1, [root], dag.store)
    assert stats.blocks == 4 and v1.read_bytes() == car_bytes([root], dag.store)
    save_car(v2, [root], dag.store, version=2)
    assert v2.read_bytes() == v2_of(dag, [root])
    wrap_v1_file(v1, wrapped)
    assert wrapped.read_bytes() == v2.read_bytes()
    extract_v1_file(wrapped, back)
    assert back.read_bytes() == v1.read_bytes()
    with pytest.raises(InvalidInput, match="already a CARv2"):
        wrap_v1_file(v2, tmp_path / "e.car")
    with pytest.raises(InvalidInput, match="already a CARv1"):
        extract_v1_file(v1, tmp_path / "f.car")
    with pytest.raises(InvalidInput):
        save_car(tmp_path / "g.car", [root], dag.store, version=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.car", "b.car", "c.car", "d.car"]
