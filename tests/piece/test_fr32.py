"""Fr32 padding: the bit layout, round trips, native == reference, and hostile padded input."""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.errors import DecodeError, InvalidInput
from filnet.piece import _native, fr32

quads = st.integers(min_value=0, max_value=12).flatmap(
    lambda n: st.binary(min_size=127 * n, max_size=127 * n)
)


def test_all_ones_quad_gives_four_full_field_elements() -> None:
    # 1016 one bits split into four 254-bit chunks: each chunk is 2^254 - 1.
    assert fr32.pad(b"\xff" * 127) == (b"\xff" * 31 + b"\x3f") * 4


def test_single_bits_land_where_the_layout_says() -> None:
    # Bit 254 of the quad is bit 0 of chunk 1; bit 1015 (the last) is bit 253 of chunk 3.
    for bit in (0, 253, 254, 507, 508, 761, 762, 1015):
        quad = (1 << bit).to_bytes(127, "little")
        chunk, within = divmod(bit, 254)
        expected = bytearray(128)
        expected[32 * chunk : 32 * chunk + 32] = (1 << within).to_bytes(32, "little")
        assert fr32.pad(quad) == bytes(expected), bit
        assert fr32.pad_reference(quad) == bytes(expected), bit


@settings(max_examples=200, deadline=None)
@given(data=quads)
def test_native_pad_matches_reference_and_round_trips(data: bytes) -> None:
    padded = fr32.pad(data)
    assert padded == fr32.pad_reference(data)
    assert len(padded) == len(data) // 127 * 128
    assert fr32.unpad(padded) == data
    assert fr32.unpad_reference(padded) == data


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=1024))
def test_unpad_fuzz_native_agrees_with_reference(data: bytes) -> None:
    # Any bytes: both paths either give the same result or the same error at the same offset.
    def outcome(fn: object) -> tuple[str, object]:
        try:
            return "ok", fn(data)  # type: ignore[operator]
        except DecodeError as e:
            return "decode", e.offset
        except InvalidInput as e:
            return "invalid", str(e)

    assert outcome(fr32.unpad) == outcome(fr32.unpad_reference)


@settings(max_examples=100, deadline=None)
@given(data=quads.filter(len), where=st.data())
def test_unpad_rejects_a_set_top_bit_at_its_offset(data: bytes, where: st.DataObject) -> None:
    padded = bytearray(fr32.pad(data))
    chunk = where.draw(st.integers(0, len(padded) // 32 - 1))
    padded[32 * chunk + 31] |= where.draw(st.sampled_from([0x40, 0x80, 0xC0]))
    for unpad in (fr32.unpad, fr32.unpad_reference):
        with pytest.raises(DecodeError) as info:
            unpad(bytes(padded))
        assert info.value.offset == 32 * chunk + 31


def test_invalid_lengths_are_rejected() -> None:
    with pytest.raises(InvalidInput, match="multiple of 127"):
        fr32.pad(bytes(128))
    with pytest.raises(InvalidInput, match="multiple of 128"):
        fr32.unpad(bytes(127))
    with pytest.raises(ValueError):
        _native.fr32_pad(bytes(5))


@settings(max_examples=50, deadline=None)
@given(data=quads, cuts=st.lists(st.integers(0, 127 * 12), max_size=6))
def test_streaming_matches_whole(data: bytes, cuts: list[int]) -> None:
    points = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    pieces = [data[a:b] for a, b in itertools.pairwise(points)]
    padded = b"".join(fr32.pad_stream(pieces))
    assert padded == fr32.pad(data)
    back = b"".join(fr32.unpad_stream([padded[i : i + 100] for i in range(0, len(padded), 100)]))
    assert back == data


def test_streaming_rejects_a_partial_tail_and_reports_stream_offsets() -> None:
    with pytest.raises(InvalidInput, match="ends with 3 bytes"):
        list(fr32.pad_stream([bytes(127), bytes(3)]))
    padded = bytearray(fr32.pad(os.urandom(127 * 3)))
    padded[256 + 31] |= 0x80
    with pytest.raises(DecodeError) as info:
        list(fr32.unpad_stream([bytes(padded[:128]), bytes(padded[128:])]))
    assert info.value.offset == 256 + 31
