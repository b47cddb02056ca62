"""The UnixFS Data protobuf: reference bytes, round trips and a fuzzed strict decoder."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.errors import DecodeError, InvalidInput
from filnet.unixfs.data import (
    DataType,
    UnixFSData,
    UnixTime,
    decode_data,
    directory_data,
    encode_data,
    file_data,
    hamt_shard_data,
    symlink_data,
)

# Bytes as go-unixfs / ipfs-unixfs write them (the empty directory and empty file are the Data fields of
# QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn and QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH).
REFERENCE = [
    (directory_data(), "0801"),
    (file_data(b""), "08021800"),
    (file_data(b"hello world\n"), "0802120c68656c6c6f20776f726c640a180c"),
    (file_data(b"", (262144, 100)), "080218e48010" + "2080801020" + "64"),
    (symlink_data(b"../target"), "0804" + "1209" + b"../target".hex()),
    (hamt_shard_data(b"\x01\x80", 256, 0x22), "0805" + "12020180" + "2822" + "308002"),
    (UnixFSData(DataType.FILE, filesize=0, mode=0o755), "08021800" + "38ed03"),
    (
        UnixFSData(DataType.DIRECTORY, mtime=UnixTime(-1, 5)),
        "0801" + "4210" + "08ffffffffffffffffff01" + "1505000000",
    ),
]


@pytest.mark.parametrize(("node", "hex_bytes"), REFERENCE)
def test_reference_encodings(node: UnixFSData, hex_bytes: str) -> None:
    assert encode_data(node).hex() == hex_bytes
    assert decode_data(bytes.fromhex(hex_bytes)) == node


def test_file_constructors_choose_fields_like_the_reference_writers() -> None:
    assert file_data(b"abc", (5,)).filesize == 8
    assert file_data(b"").data is None
    assert symlink_data(b"x").filesize is None
    assert hamt_shard_data(b"", 256, 0x22).data is None


def test_content_size_sums_data_and_blocksizes() -> None:
    assert decode_data(encode_data(file_data(b"xy", (3, 4)))).content_size() == 9


@pytest.mark.parametrize(
    ("hex_bytes", "offset", "reason"),
    [
        ("", 0, "required Type"),
        ("1200", 0, "required Type"),  # Data without Type
        ("0802" + "0801", 2, "repeated or out of field order"),
        ("0802" + "1800" + "1200", 4, "out of field order"),
        ("0806", 0, "unknown UnixFS Data.Type 6"),
        ("0802" + "4800", 2, "unknown UnixFS Data field 9"),
        ("0802" + "1a00", 2, "wire type 2"),
        ("0802" + "1205" + "6162", 3, "exceeds"),
        ("0802" + "1880", 3, "truncated varint"),
        ("0802" + "188000", 3, "non-minimal varint"),
        ("0802" + "18" + "ff" * 10 + "01", 3, "longer than 10 bytes"),
        ("0802" + "38" + "8080808010", 2, "exceeds 32 bits"),
        ("0801" + "4202" + "1501", 5, "truncated"),
        ("0801" + "4205" + "1500ca9a3b", 5, "not below 10^9"),
        ("0801" + "4200", 4, "without Seconds"),
        ("0801" + "42021800", 4, "unknown, repeated or out of order"),
    ],
)
def test_invalid_data_is_rejected_with_offset(hex_bytes: str, offset: int, reason: str) -> None:
    with pytest.raises(DecodeError) as e:
        decode_data(bytes.fromhex(hex_bytes))
    assert reason in str(e.value)
    assert e.value.offset == offset


def test_encode_rejects_out_of_range_values() -> None:
    with pytest.raises(InvalidInput, match="filesize"):
        encode_data(UnixFSData(DataType.FILE, filesize=-1))
    with pytest.raises(InvalidInput, match="mode"):
        encode_data(UnixFSData(DataType.FILE, mode=1 << 32))
    with pytest.raises(InvalidInput, match="nanoseconds"):
        encode_data(UnixFSData(DataType.FILE, mtime=UnixTime(0, 10**9)))


u64 = st.integers(0, (1 << 64) - 1)
nodes = st.builds(
    UnixFSData,
    type=st.sampled_from(DataType),
    data=st.none() | st.binary(min_size=0, max_size=64),
    filesize=st.none() | u64,
    blocksizes=st.lists(u64, max_size=5).map(tuple),
    hash_type=st.none() | u64,
    fanout=st.none() | u64,
    mode=st.none() | st.integers(0, (1 << 32) - 1),
    mtime=st.none()
    | st.builds(
        UnixTime, seconds=st.integers(-(1 << 63), (1 << 63) - 1), nanos=st.none() | st.integers(0, 10**9 - 1)
    ),
)


@given(nodes)
def test_round_trip(node: UnixFSData) -> None:
    assert decode_data(encode_data(node)) == node


@given(st.binary(max_size=80))
def test_random_bytes_decode_or_raise_decode_error(raw: bytes) -> None:
    try:
        node = decode_data(raw)
    except DecodeError:
        return
    assert encode_data(node) == raw  # strict decoding accepts only canonical bytes


@given(nodes, st.data())
def test_mutated_valid_data_decodes_canonically_or_raises(node: UnixFSData, data: st.DataObject) -> None:
    raw = bytearray(encode_data(node))
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    for candidate in (bytes(raw), bytes(raw[:cut])):
        try:
            decoded = decode_data(candidate)
        except DecodeError:
            continue
        assert encode_data(decoded) == candidate
