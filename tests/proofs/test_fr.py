"""BLS12-381 Fr helpers: strict little-endian encoding and arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.errors import DecodeError, InvalidInput
from filnet.proofs.fr import (
    FR_BITS,
    R,
    check_canonical,
    first_noncanonical,
    fr_add,
    fr_from_bytes,
    fr_inv,
    fr_iter,
    fr_mul,
    fr_sub,
    fr_to_bytes,
)

elements = st.integers(min_value=0, max_value=R - 1)
near_r = st.integers(min_value=R - 3, max_value=R + 3)


def test_modulus_is_the_bls12_381_scalar_field() -> None:
    assert FR_BITS == 255
    # r - 1 is divisible by 2^32 (BLS12-381 two-adicity) and 7 is a quadratic non-residue (blstrs generator).
    assert (R - 1) % (1 << 32) == 0
    assert pow(7, (R - 1) // 2, R) == R - 1


@given(elements)
def test_bytes_round_trip(a: int) -> None:
    encoded = fr_to_bytes(a)
    assert len(encoded) == 32
    assert encoded == a.to_bytes(32, "little")
    assert fr_from_bytes(encoded) == a


@given(near_r)
def test_values_at_or_above_r_are_rejected(a: int) -> None:
    raw = b"\x00" * 32 + a.to_bytes(32, "little")
    if a < R:
        assert fr_from_bytes(raw, 32) == a
        check_canonical(raw)
    else:
        with pytest.raises(DecodeError) as info:
            fr_from_bytes(raw, 32)
        assert info.value.offset == 32
        with pytest.raises(DecodeError) as info:
            check_canonical(raw)
        assert info.value.offset == 32
        with pytest.raises(InvalidInput):
            fr_to_bytes(a)


def test_short_input_is_a_decode_error() -> None:
    with pytest.raises(DecodeError) as info:
        fr_from_bytes(bytes(40), 16)
    assert info.value.offset == 16
    with pytest.raises(DecodeError):
        check_canonical(bytes(33))
    with pytest.raises(DecodeError):
        list(fr_iter(bytes(31)))


@given(st.lists(st.binary(min_size=32, max_size=32), max_size=8))
def test_first_noncanonical_matches_a_plain_scan(chunks: list[bytes]) -> None:
    data = b"".join(chunks)
    expected = next((32 * i for i, c in enumerate(chunks) if int.from_bytes(c, "little") >= R), -1)
    assert first_noncanonical(data) == expected


@given(elements, elements)
def test_field_arithmetic(a: int, b: int) -> None:
    assert fr_sub(fr_add(a, b), b) == a
    assert fr_mul(a, b) == a * b % R
    if a:
        assert fr_mul(a, fr_inv(a)) == 1


def test_zero_has_no_inverse() -> None:
    with pytest.raises(InvalidInput):
        fr_inv(0)


def test_fr_iter_reads_every_element() -> None:
    values = [0, 1, R - 1, 12345]
    assert list(fr_iter(b"".join(fr_to_bytes(v) for v in values))) == values
