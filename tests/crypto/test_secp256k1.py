"""secp256k1: Filecoin's digest, recoverable 65-byte low-S signatures, recovery."""

from __future__ import annotations

import hashlib

import coincurve
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.core.address import Address
from filnet.crypto import secp256k1
from filnet.errors import InvalidInput

SECRET = bytes.fromhex("1b" * 32)


def test_sign_is_deterministic_low_s_and_recoverable() -> None:
    sig = secp256k1.sign(SECRET, b"message")
    assert len(sig) == 65 and sig[64] in (0, 1)
    assert sig == secp256k1.sign(SECRET, b"message")  # RFC 6979
    s = int.from_bytes(sig[32:64], "big")
    assert s <= secp256k1.CURVE_ORDER // 2
    assert secp256k1.recover(sig, b"message") == secp256k1.public_key(SECRET)


def test_signs_the_blake2b_digest() -> None:
    # Cross-check against coincurve used directly on blake2b-256 of the message.
    digest = hashlib.blake2b(b"message", digest_size=32).digest()
    direct = coincurve.PrivateKey(SECRET).sign_recoverable(digest, hasher=None)
    assert secp256k1.sign(SECRET, b"message") == direct


def test_recovering_another_message_gives_another_key() -> None:
    sig = secp256k1.sign(SECRET, b"message")
    assert secp256k1.recover(sig, b"other") != secp256k1.public_key(SECRET)


def test_high_s_still_recovers_like_lotus() -> None:
    sig = secp256k1.sign(SECRET, b"m")
    s = int.from_bytes(sig[32:64], "big")
    flipped = sig[:32] + (secp256k1.CURVE_ORDER - s).to_bytes(32, "big") + bytes([sig[64] ^ 1])
    assert secp256k1.recover(flipped, b"m") == secp256k1.public_key(SECRET)


@pytest.mark.parametrize(
    "secret", [b"", b"\x01" * 31, b"\x01" * 33, b"\x00" * 32, secp256k1.CURVE_ORDER.to_bytes(32, "big")]
)
def test_invalid_private_keys(secret: bytes) -> None:
    with pytest.raises(InvalidInput):
        secp256k1.sign(secret, b"m")
    with pytest.raises(InvalidInput):
        secp256k1.public_key(secret)


@pytest.mark.parametrize("sig", [b"", b"\x00" * 64, b"\x00" * 66, b"\x00" * 64 + b"\x04", b"\x00" * 65])
def test_malformed_signatures(sig: bytes) -> None:
    with pytest.raises(InvalidInput):
        secp256k1.recover(sig, b"m")


def test_generated_keys_are_valid() -> None:
    secret = secp256k1.generate_private_key()
    assert len(secret) == 32
    Address.new_secp256k1(secp256k1.public_key(secret))


@settings(max_examples=30)
@given(st.binary(min_size=65, max_size=65), st.binary(max_size=64))
def test_random_signatures_recover_or_raise(sig: bytes, message: bytes) -> None:
    try:
        key = secp256k1.recover(sig, message)
    except InvalidInput:
        return
    assert len(key) == 65 and key[0] == 4
