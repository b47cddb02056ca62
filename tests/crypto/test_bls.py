"""BLS: Lotus key byte order, the vectors' signatures, subgroup checks, aggregation; checked with blspy."""

from __future__ import annotations

import base64
import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.crypto import bls
from filnet.errors import InvalidInput
from tests.conftest import load_json_vector

# The independent implementation these tests cross-check against; it has wheels up to CPython 3.12 only.
blspy = pytest.importorskip("blspy", reason="blspy (the independent BLS cross-check) has no wheel here")

SIGNING = load_json_vector("filecoin/message_signing.json")


@pytest.mark.parametrize("vector", SIGNING, ids=lambda v: v["Cid"])
def test_message_signing_vectors(vector: dict[str, object]) -> None:
    secret = base64.b64decode(str(vector["PrivateKey"]))
    message = bytes.fromhex(str(vector["CidHexBytes"]))
    expected = base64.b64decode(vector["Signature"]["Data"])  # type: ignore[index]
    assert bls.sign(secret, message) == expected
    assert bls.verify(bls.public_key(secret), message, expected)


def test_agrees_with_blspy() -> None:
    secret = bls.generate_private_key()
    # blspy takes the scalar big-endian; Lotus (and bls.py) store it little-endian.
    theirs = blspy.PrivateKey.from_bytes(secret[::-1])
    assert bls.public_key(secret) == bytes(theirs.get_g1())
    assert bls.sign(secret, b"abc") == bytes(blspy.BasicSchemeMPL.sign(theirs, b"abc"))


def test_verify_rejects_wrong_message_and_key() -> None:
    a, b = bls.generate_private_key(), bls.generate_private_key()
    sig = bls.sign(a, b"m")
    assert bls.verify(bls.public_key(a), b"m", sig)
    assert not bls.verify(bls.public_key(a), b"n", sig)
    assert not bls.verify(bls.public_key(b), b"m", sig)


def _non_subgroup_g1() -> bytes:
    """A compressed point on the G1 curve but outside the prime-order subgroup (the cofactor is not 1)."""
    p = 0x1A0111EA397FE69A4B1BA7B6434BACD764774B84F38512BF6730D2A0F6B0F6241EABFFFEB153FFFFB9FEFFFFFFFFAAAB
    for x in range(1, 1000):
        y2 = (x**3 + 4) % p
        if pow(y2, (p - 1) // 2, p) == 1:  # x is on the curve
            raw = bytearray(x.to_bytes(48, "big"))
            raw[0] |= 0x80
            return bytes(raw)
    raise AssertionError("no curve point found")


def test_points_outside_the_subgroup_are_rejected() -> None:
    with pytest.raises(InvalidInput, match="BLS public key"):
        bls.verify(_non_subgroup_g1(), b"m", bls.sign(bls.generate_private_key(), b"m"))


@pytest.mark.parametrize(
    ("public_key", "signature"),
    [
        (b"\x00" * 47, b"\x00" * 96),
        (b"\xc0" + b"\x00" * 47, None),  # the point at infinity
        (b"\x80" + b"\xff" * 47, None),  # x beyond the field
        (None, b"\x00" * 95),
        (None, b"\x80" + b"\xff" * 95),
    ],
)
def test_malformed_points(public_key: bytes | None, signature: bytes | None) -> None:
    secret = bls.generate_private_key()
    with pytest.raises(InvalidInput):
        bls.verify(public_key or bls.public_key(secret), b"m", signature or bls.sign(secret, b"m"))


@pytest.mark.parametrize(
    "secret", [b"\x00" * 32, b"\x01" * 31, bls.CURVE_ORDER.to_bytes(32, "little"), b"\xff" * 32]
)
def test_invalid_private_keys(secret: bytes) -> None:
    with pytest.raises(InvalidInput):
        bls.public_key(secret)


def test_aggregate_and_aggregate_verify() -> None:
    secrets = [bls.generate_private_key() for _ in range(4)]
    messages = [b"msg-%d" % i for i in range(4)]
    keys = [bls.public_key(s) for s in secrets]
    aggregate = bls.aggregate([bls.sign(s, m) for s, m in zip(secrets, messages, strict=True)])
    assert bls.aggregate_verify(keys, messages, aggregate)
    assert not bls.aggregate_verify(keys, [*messages[:3], b"other"], aggregate)
    assert not bls.aggregate_verify(keys[::-1], messages, aggregate)
    expected = blspy.BasicSchemeMPL.aggregate(
        [blspy.G2Element.from_bytes(bls.sign(s, m)) for s, m in zip(secrets, messages, strict=True)]
    )
    assert aggregate == bytes(expected)


def test_aggregate_verify_input_errors() -> None:
    secret = bls.generate_private_key()
    sig = bls.sign(secret, b"m")
    with pytest.raises(InvalidInput, match="distinct"):
        bls.aggregate_verify([bls.public_key(secret)] * 2, [b"m", b"m"], bls.aggregate([sig, sig]))
    with pytest.raises(InvalidInput):
        bls.aggregate_verify([], [], sig)
    with pytest.raises(InvalidInput):
        bls.aggregate_verify([bls.public_key(secret)], [b"m", b"n"], sig)


@settings(max_examples=40)
@given(st.binary(min_size=48, max_size=48), st.binary(min_size=96, max_size=96))
def test_random_points_are_refused_or_fail_verification(public_key: bytes, signature: bytes) -> None:
    with contextlib.suppress(InvalidInput):
        assert not bls.verify(public_key, b"m", signature)
