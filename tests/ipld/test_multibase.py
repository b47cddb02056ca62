"""Multibase: every supported base against an independent reference, and clear errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.errors import DecodeError, UnsupportedCodec
from filnet.ipld import multibase

BASES = sorted(multibase.PREFIXES)


def _ref_b58(data: bytes) -> str:
    """Base58btc by long division over the bytes (a different algorithm from the module's)."""
    digits: list[int] = []
    for byte in data:
        carry = byte
        for i in range(len(digits)):
            carry += digits[i] << 8
            digits[i], carry = carry % 58, carry // 58
        while carry:
            digits.append(carry % 58)
            carry //= 58
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(multibase.B58_ALPHABET[d] for d in reversed(digits))


@given(st.binary(max_size=80), st.sampled_from(BASES))
def test_round_trip(data: bytes, base: str) -> None:
    text = multibase.encode(data, base)
    assert text[0] == multibase.PREFIXES[base]
    assert multibase.decode(text) == (base, data)


@given(st.binary(max_size=80))
def test_base58btc_matches_reference(data: bytes) -> None:
    assert multibase.b58encode(data) == _ref_b58(data)
    assert multibase.b58decode(_ref_b58(data)) == data


@pytest.mark.parametrize(
    ("base", "data", "text"),
    [
        # Test vectors of the multibase spec (multiformats/multibase tests/basic.csv, "yes mani !").
        ("base16", b"yes mani !", "f796573206d616e692021"),
        ("base16upper", b"yes mani !", "F796573206D616E692021"),
        ("base32", b"yes mani !", "bpfsxgidnmfxgsibb"),
        ("base32upper", b"yes mani !", "BPFSXGIDNMFXGSIBB"),
        ("base58btc", b"yes mani !", "z7paNL19xttacUY"),
        ("base64", b"yes mani !", "meWVzIG1hbmkgIQ"),
        ("base64url", b"yes mani !", "ueWVzIG1hbmkgIQ"),
        ("base58btc", b"\x00\x00yes mani !", "z117paNL19xttacUY"),
        ("base16", b"", "f"),
    ],
)
def test_spec_vectors(base: str, data: bytes, text: str) -> None:
    assert multibase.encode(data, base) == text
    assert multibase.decode(text) == (base, data)


@pytest.mark.parametrize(
    ("text", "error", "fragment"),
    [
        ("", DecodeError, "empty"),
        ("q123", UnsupportedCodec, "prefix 'q'"),
        ("bPFSX", DecodeError, "upper-case"),
        ("Bpfsx", DecodeError, "lower-case"),
        ("b1", DecodeError, "base32"),
        ("z0", DecodeError, "base58 character '0'"),
        ("zIl", DecodeError, "base58 character 'I'"),
        ("fzz", DecodeError, "base16"),
        ("f0", DecodeError, "odd number of digits"),
        ("f0A", DecodeError, "base16: characters outside 0123456789abcdef"),
        ("F0a", DecodeError, "base16: characters outside"),
        ("f0a 0b", DecodeError, "base16: characters outside"),
        ("m***", DecodeError, "base64"),
        ("mA", DecodeError, "base64"),
    ],
)
def test_invalid_decode(text: str, error: type[Exception], fragment: str) -> None:
    with pytest.raises(error, match=fragment):
        multibase.decode(text)


def test_invalid_encode_base() -> None:
    with pytest.raises(UnsupportedCodec, match="base36"):
        multibase.encode(b"x", "base36")


@given(st.text(max_size=30))
def test_fuzz_decode_raises_only_filnet_errors(text: str) -> None:
    try:
        base, data = multibase.decode(text)
    except (DecodeError, UnsupportedCodec):
        return
    assert base in multibase.PREFIXES and isinstance(data, bytes)
