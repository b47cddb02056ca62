"""The streaming reader: v1/v2 detection, verification, and clear errors on hostile input."""

from __future__ import annotations

import contextlib
import io
import struct
from pathlib import Path

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filnet.car.reader import CarBlock, load_car, open_car
from filnet.car.v1 import CarHeader
from filnet.car.v2 import PRAGMA, write_car_v2
from filnet.errors import DecodeError, FilnetError, HashMismatch, InvalidInput, NotFound
from filnet.ipld import codecs, dagcbor
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.ipld.varint import decode_uvarint, encode_uvarint
from tests.car.dags import Dag, car_bytes


def small_dag() -> tuple[Dag, CID]:
    dag = Dag()
    leaves = [dag.raw(bytes([i]) * (i + 1)) for i in range(3)]
    root = dag.pb([dag.cbor({"l": leaves[:2]}), leaves[2]], b"root")
    return dag, root


def small_car() -> bytes:
    dag, root = small_dag()
    return car_bytes([root], dag.store)


def small_car_v2() -> bytes:
    dag, root = small_dag()
    out = io.BytesIO()
    write_car_v2(out, [root], dag.store)
    return out.getvalue()


class Unseekable(io.RawIOBase):
    """A pipe-like stream: reads only, returning at most 7 bytes at a time."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(min(len(buffer), 7))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def read_all(data: bytes) -> list[CarBlock]:
    return list(open_car(io.BytesIO(data)).blocks())


def test_reads_v1_with_offsets() -> None:
    data = small_car()
    car = open_car(io.BytesIO(data))
    assert car.version == 1 and car.v2_header is None and car.data_offset == 0
    blocks = list(car.blocks())
    assert len(blocks) == 5
    for block in blocks:
        block.cid.verify(block.data)
        length, start = decode_uvarint(data, block.offset)
        assert data[start : start + length] == bytes(block.cid) + block.data
    assert list(car.blocks()) == blocks  # a seekable input can be read again
    assert [s.cid for s in car.sections()] == [b.cid for b in blocks]
    assert all(
        data[s.data_offset : s.data_offset + s.data_length] == b.data
        for s, b in zip(car.sections(), blocks, strict=True)
    )


def test_reads_v2_and_its_header() -> None:
    data = small_car_v2()
    car = open_car(io.BytesIO(data))
    assert car.version == 2 and car.v2_header is not None
    assert car.data_offset == 51
    assert [b.cid for b in car.blocks()] == [b.cid for b in read_all(small_car())]
    assert car.header == CarHeader(1, car.roots)


def test_unseekable_stream_is_read_once() -> None:
    data = small_car_v2()
    car = open_car(io.BufferedReader(Unseekable(data)))
    assert len(list(car.blocks())) == 5
    with pytest.raises(InvalidInput, match="already read"):
        list(car.blocks())


def test_zst_path_streams(tmp_path: Path) -> None:
    path = tmp_path / "x.car.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(small_car()))
    with open_car(path) as car:
        assert car.file_size is None
        assert [b.cid for b in car.blocks()] == [b.cid for b in read_all(small_car())]


def test_load_car_into_a_store() -> None:
    store = MemoryBlockstore()
    header = load_car(io.BytesIO(small_car()), store)
    assert len(store) == 5 and header.roots[0] in store


def test_hash_mismatch_names_cid_and_offset() -> None:
    data = bytearray(small_car())
    last = read_all(bytes(data))[-1]
    data[-1] ^= 1
    with pytest.raises(HashMismatch) as e:
        read_all(bytes(data))
    assert str(last.cid) in str(e.value) and f"offset {last.offset}" in str(e.value)
    assert len(list(open_car(io.BytesIO(bytes(data)), verify=False).blocks())) == 5


def test_every_truncation_is_a_decode_error_or_a_whole_prefix() -> None:
    data = small_car()
    blocks = read_all(data)
    # A CARv1 has no length: a cut between two sections is a valid, shorter CAR. Any other cut must fail.
    boundaries = {block.offset: i for i, block in enumerate(blocks)}
    for cut in range(len(data)):
        if cut in boundaries:
            assert read_all(data[:cut]) == blocks[: boundaries[cut]]
            continue
        with pytest.raises(DecodeError):
            read_all(data[:cut])
        with pytest.raises(DecodeError):
            list(open_car(io.BufferedReader(Unseekable(data[:cut]))).blocks())


def test_every_truncation_of_a_v2_is_a_decode_error() -> None:
    data = small_car_v2()
    payload_end = 51 + len(small_car())
    # A CARv2 records its payload size: every cut inside the payload is detected.
    for cut in range(payload_end):
        with pytest.raises(DecodeError):
            read_all(data[:cut])


def header(*roots: CID) -> bytes:
    return CarHeader(1, roots).encode()


ROOT = CID.compute(codecs.RAW, b"r")


@pytest.mark.parametrize(
    ("data", "message", "offset"),
    [
        (b"", "no CAR header", 0),
        (b"\x00", "header length is zero", 0),
        (b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "bad CAR header length", 0),
        (encode_uvarint(64 << 20) + b"\xa0", "exceeds the maximum", 0),
        (b"\x30\xa0", "runs past the end", 0),
        (b"\x01\xa0", "unexpected keys|integer 'version'", 1),
        (b"\x02\xa2\x00", "not valid DAG-CBOR", 1),
        (CarHeader(3, (ROOT,)).encode(), "unsupported CAR version 3", 0),
        (CarHeader(2, (ROOT,)).encode(), "must be exactly the CARv2 pragma", 0),
        (header(ROOT) + b"\x00", "zero-length section", len(header(ROOT))),
        (header(ROOT) + encode_uvarint(9 << 20), "exceeds the maximum", len(header(ROOT))),
        (header(ROOT) + b"\x80\x80", "bad section length", len(header(ROOT))),
        (header(ROOT) + b"\x30" + bytes(ROOT), "runs past the end", len(header(ROOT))),
        (header(ROOT) + b"\x03\x01\x55\x12", "bad CID", len(header(ROOT)) + 1),
    ],
)
def test_invalid_inputs(data: bytes, message: str, offset: int) -> None:
    with pytest.raises(DecodeError, match=message) as e:
        read_all(data)
    assert e.value.offset == offset


def test_zero_length_section_as_eof_option() -> None:
    data = small_car() + bytes(100)
    with pytest.raises(DecodeError, match="zero-length"):
        read_all(data)
    assert len(list(open_car(io.BytesIO(data), zero_length_as_eof=True).blocks())) == 5


def v2_with(data_offset: int, data_size: int, index_offset: int, tail: bytes) -> bytes:
    return PRAGMA + struct.pack("<16sQQQ", bytes(16), data_offset, data_size, index_offset) + tail


@pytest.mark.parametrize(
    ("data_offset", "data_size", "index_offset", "message"),
    [
        (10, 5, 0, "inside the pragma and header"),
        (51, 0, 0, "data size is zero"),
        (51, 10_000, 0, "runs past the end of the file"),
        (1 << 63, 1, 0, "runs past the end of the file"),
        (51, 20, 60, "before the end of the data"),
        (51, 20, 10_000, "past the end of the file"),
    ],
)
def test_invalid_v2_headers(data_offset: int, data_size: int, index_offset: int, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        open_car(io.BytesIO(v2_with(data_offset, data_size, index_offset, small_car())))


def test_v2_payload_must_be_a_v1() -> None:
    inner = PRAGMA
    with pytest.raises(DecodeError, match=r"pragma|version 2"):
        open_car(io.BytesIO(v2_with(51, len(inner), 0, inner)))
    with pytest.raises(DecodeError, match="truncated CARv2 header"):
        open_car(io.BytesIO(PRAGMA + bytes(20)))


def test_v2_section_may_not_cross_the_data_end() -> None:
    v1 = small_car()
    data = v2_with(51, len(v1) - 3, 0, v1)
    with pytest.raises(DecodeError, match="runs past the end of the data"):
        read_all(data)


def test_v2_with_padding_and_trailing_bytes_reads_only_the_payload() -> None:
    v1 = small_car()
    data = v2_with(51 + 13, len(v1), 0, bytes(13) + v1 + b"garbage after the payload")
    assert [b.cid for b in read_all(data)] == [b.cid for b in read_all(v1)]
    assert read_all(data)[0].offset == 51 + 13 + len(header(*open_car(io.BytesIO(v1)).roots))


def mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for where, value in edits:
        if out:
            out[where % len(out)] = value
    return bytes(out)


def exhaust(data: bytes) -> None:
    """Open and read everything, including a CARv2 index; only filnet errors may escape."""
    with contextlib.suppress(FilnetError), open_car(io.BytesIO(data)) as car:
        for _ in car.blocks():
            pass
        car.read_index()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(data: bytes) -> None:
    exhaust(data)
    exhaust(PRAGMA + data)
    exhaust(header(ROOT) + data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), min_size=1, max_size=4))
def test_fuzz_mutated_cars(edits: list[tuple[int, int]]) -> None:
    exhaust(mutate(small_car(), edits))
    exhaust(mutate(small_car_v2(), edits))


def test_roots_may_be_empty_on_read() -> None:
    block = dagcbor.encode({"roots": [], "version": 1})
    car = open_car(io.BytesIO(encode_uvarint(len(block)) + block))
    assert car.roots == () and list(car.blocks()) == []


def test_identity_sections_are_checked_like_any_block() -> None:
    inline = CID.v1(codecs.RAW, 0x00, b"inline")
    good = header(inline) + encode_uvarint(len(bytes(inline)) + 6) + bytes(inline) + b"inline"
    assert [(b.cid, b.data) for b in read_all(good)] == [(inline, b"inline")]
    bad = header(inline) + encode_uvarint(len(bytes(inline)) + 6) + bytes(inline) + b"other!"
    with pytest.raises(HashMismatch):
        read_all(bad)


def test_a_car_in_the_middle_of_a_stream() -> None:
    v1, v2 = small_car(), small_car_v2()
    for data in (v1, v2):
        stream = io.BytesIO(b"prefix" + data)
        stream.seek(6)
        car = open_car(stream)
        blocks = list(car.blocks())
        assert [b.cid for b in blocks] == [b.cid for b in read_all(v1)]
        assert all(stream.getvalue()[b.offset] == data[b.offset - 6] for b in blocks)
    with pytest.raises(DecodeError):
        open_car(io.BytesIO(b"prefix" + v2))


def test_sections_of_an_unseekable_stream() -> None:
    data = small_car()
    car = open_car(io.BufferedReader(Unseekable(data)))
    sections = list(car.sections())
    assert [(s.cid, s.offset) for s in sections] == [(b.cid, b.offset) for b in read_all(data)]


def test_corrupt_or_truncated_zst(tmp_path: Path) -> None:
    compressed = zstandard.ZstdCompressor().compress(small_car())
    path = tmp_path / "x.car.zst"
    for broken in (compressed[:-9], compressed[:20] + bytes(20) + compressed[40:], b"not zstd at all"):
        path.write_bytes(broken)
        with pytest.raises(DecodeError):
            list(open_car(path).blocks())


def test_missing_file() -> None:
    with pytest.raises(NotFound, match="no such file"):
        open_car("/nonexistent/x.car")


def test_reading_the_index_mid_iteration_does_not_disturb_it() -> None:
    car = open_car(io.BytesIO(small_car_v2()))
    blocks = car.blocks()
    first = next(blocks)
    index = car.read_index()
    assert index is not None and len(index) == 5
    assert [first, *blocks] == read_all(small_car_v2())
