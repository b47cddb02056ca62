"""Unsigned varints: minimal encoding, the 9-byte (63-bit) cap, truncation."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.errors import DecodeError, InvalidInput
from filnet.ipld.varint import MAX_VARINT, decode_uvarint, encode_uvarint, read_uvarint


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, "00"),
        (1, "01"),
        (127, "7f"),
        (128, "8001"),
        (255, "ff01"),
        (300, "ac02"),
        (16384, "808001"),
        (MAX_VARINT, "ffffffffffffffff7f"),
    ],
)
def test_known_encodings(value: int, encoded: str) -> None:
    assert encode_uvarint(value).hex() == encoded
    assert decode_uvarint(bytes.fromhex(encoded)) == (value, len(encoded) // 2)
    assert read_uvarint(io.BytesIO(bytes.fromhex(encoded))) == value


@given(st.integers(0, MAX_VARINT), st.binary(max_size=4), st.binary(max_size=4))
def test_round_trip_at_an_offset(value: int, before: bytes, after: bytes) -> None:
    encoded = encode_uvarint(value)
    assert decode_uvarint(before + encoded + after, len(before)) == (value, len(before) + len(encoded))
    assert decode_uvarint(memoryview(encoded)) == (value, len(encoded))
    stream = io.BytesIO(encoded + after)
    assert read_uvarint(stream) == value
    assert stream.tell() == len(encoded)


@pytest.mark.parametrize("value", [-1, MAX_VARINT + 1, 1 << 64])
def test_invalid_encode_out_of_range(value: int) -> None:
    with pytest.raises(InvalidInput, match="out of range"):
        encode_uvarint(value)


@pytest.mark.parametrize(
    ("encoded", "fragment", "offset"),
    [
        ("", "truncated", 0),
        ("80", "truncated", 0),
        ("ff80", "truncated", 0),
        ("8000", "non-minimal", 0),
        ("ff8000", "non-minimal", 0),
        ("808080808080808000", "non-minimal", 0),
        ("ffffffffffffffff80", "longer than 9 bytes", 0),
        ("ffffffffffffffffff01", "longer than 9 bytes", 0),
    ],
)
def test_invalid_decode(encoded: str, fragment: str, offset: int) -> None:
    with pytest.raises(DecodeError, match=fragment) as info:
        decode_uvarint(bytes.fromhex(encoded))
    assert info.value.offset == offset
    if encoded:
        with pytest.raises(DecodeError, match=fragment):
            read_uvarint(io.BytesIO(bytes.fromhex(encoded)))


def test_error_offset_names_where_the_varint_starts() -> None:
    with pytest.raises(DecodeError) as info:
        decode_uvarint(b"\x01\x02\x80", 2)
    assert info.value.offset == 2


def test_read_at_clean_end_of_stream_is_none() -> None:
    assert read_uvarint(io.BytesIO(b"")) is None


@given(st.binary(max_size=12))
def test_fuzz_decode_raises_only_decode_error(data: bytes) -> None:
    try:
        value, end = decode_uvarint(data)
    except DecodeError:
        return
    assert encode_uvarint(value) == data[:end]  # whatever decodes was minimal
