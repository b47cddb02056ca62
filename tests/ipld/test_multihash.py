"""Multihash: encode/decode, digest-length rules, verification."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.errors import DecodeError, HashMismatch, UnsupportedCodec
from filnet.ipld import multihash
from filnet.ipld.multihash import Multihash


def test_sha2_256_of_empty_input() -> None:
    digest = multihash.compute(multihash.SHA2_256, b"")
    assert digest == hashlib.sha256(b"").digest()
    encoded = multihash.encode(multihash.SHA2_256, digest)
    assert encoded.hex() == "1220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_blake2b_256_is_filecoins_hash() -> None:
    # Filecoin names blocks with blake2b-256: code 0xb220, a two-byte varint.
    digest = multihash.compute(multihash.BLAKE2B_256, b"abc")
    assert digest == hashlib.blake2b(b"abc", digest_size=32).digest()
    assert multihash.encode(multihash.BLAKE2B_256, digest)[:3].hex() == "a0e402"


def test_identity_is_the_data() -> None:
    assert multihash.compute(multihash.IDENTITY, b"fil/7/account") == b"fil/7/account"
    assert multihash.encode(multihash.IDENTITY, b"ab").hex() == "00026162"


@given(st.sampled_from(sorted(multihash.HASHERS)), st.binary(max_size=100), st.binary(max_size=4))
def test_round_trip(code: int, data: bytes, after: bytes) -> None:
    digest = multihash.compute(code, data)
    encoded = multihash.encode(code, digest)
    mh, end = multihash.decode(encoded + after)
    assert mh == Multihash(code, digest) and end == len(encoded)
    assert bytes(mh) == encoded
    mh.verify(data)


def test_verify_rejects_other_data() -> None:
    mh = Multihash(multihash.SHA2_256, multihash.compute(multihash.SHA2_256, b"a"))
    with pytest.raises(HashMismatch, match="sha2-256"):
        mh.verify(b"b")


def test_names() -> None:
    assert Multihash(multihash.BLAKE2B_256, b"").name == "blake2b-256"
    assert multihash.name_of(0x1012) == "sha2-256-trunc254-padded"
    assert multihash.name_of(0x9999) == "0x9999"


def test_invalid_compute_of_commitment_hash() -> None:
    with pytest.raises(UnsupportedCodec, match="poseidon-bls12_381-a2-fc1"):
        multihash.compute(multihash.POSEIDON_BLS12_381_A2_FC1, b"")


@pytest.mark.parametrize(
    ("encoded", "fragment"),
    [
        ("", "truncated varint"),
        ("12", "truncated varint"),
        ("1220" + "00" * 31, "truncated multihash digest"),
        ("1221" + "00" * 33, "sha2-256 digest of 33 bytes, expected 32"),
        ("a0e40210" + "00" * 16, "blake2b-256 digest of 16 bytes"),
        ("0081" + "01" + "00" * 129, "identity digest of 129 bytes exceeds 128"),
        ("55" + "8108" + "00" * 1025, "digest length 1025 exceeds 1024"),
        ("55ffffffffffffffff7f", "digest length 9223372036854775807 exceeds 1024"),
    ],
)
def test_invalid_decode(encoded: str, fragment: str) -> None:
    with pytest.raises(DecodeError, match=fragment):
        multihash.decode(bytes.fromhex(encoded))


@given(st.binary(max_size=40))
def test_fuzz_decode_raises_only_decode_error(data: bytes) -> None:
    try:
        mh, end = multihash.decode(data)
    except DecodeError:
        return
    assert bytes(mh) == data[:end]
