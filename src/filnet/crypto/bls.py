"""BLS12-381 signatures in Filecoin's scheme, on ``pyblst`` (the blst library).

Filecoin uses the "minimal-pubkey-size" basic scheme of draft-irtf-cfrg-bls-signature: public keys are
compressed G1 points (48 bytes), signatures compressed G2 points (96 bytes), messages hashed to G2 with
:data:`DST`. Private keys are 32-byte scalars stored **little-endian**, as filecoin-ffi and Lotus store them.
Every decoded point is checked to be on the curve and in the prime-order subgroup (blst does both on
decompression); the point at infinity is refused as a public key.
"""

from __future__ import annotations

import functools
import operator
import secrets
from collections.abc import Sequence
from typing import Final

from pyblst import BlstP1Element, BlstP2Element, final_verify, miller_loop

from filnet.errors import InvalidInput

PRIVATE_KEY_LENGTH: Final = 32
PUBLIC_KEY_LENGTH: Final = 48
SIGNATURE_LENGTH: Final = 96
#: Hash-to-curve domain separation tag of the basic scheme (ciphersuite BLS_SIG_..._NUL_).
DST: Final = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_"
#: Order r of the G1/G2 subgroups; a private key is a scalar in 1..r-1.
CURVE_ORDER: Final = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001

# The standard generator of G1 (compressed), from the BLS12-381 specification.
_G1: Final = BlstP1Element.uncompress(
    bytes.fromhex(
        "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
    )
)
_G1_INFINITY: Final = BlstP1Element()


def _scalar(private_key: bytes) -> int:
    """The scalar of a little-endian private key; :class:`InvalidInput` unless it is in 1..r-1."""
    if len(private_key) != PRIVATE_KEY_LENGTH:
        raise InvalidInput(f"a BLS private key has {PRIVATE_KEY_LENGTH} bytes, got {len(private_key)}")
    scalar = int.from_bytes(private_key, "little")
    if not 0 < scalar < CURVE_ORDER:
        raise InvalidInput("a BLS private key must be a scalar in 1..r-1 (little-endian)")
    return scalar


def _public_point(public_key: bytes) -> BlstP1Element:
    """Decompress and check a public key."""
    if len(public_key) != PUBLIC_KEY_LENGTH:
        raise InvalidInput(f"a BLS public key has {PUBLIC_KEY_LENGTH} bytes, got {len(public_key)}")
    try:
        point = BlstP1Element.uncompress(public_key)
    except ValueError as e:  # blst's BAD_ENCODING, POINT_NOT_ON_CURVE, POINT_NOT_IN_GROUP
        raise InvalidInput(f"invalid BLS public key: {e}") from None
    if point == _G1_INFINITY:
        raise InvalidInput("invalid BLS public key: the point at infinity")
    return point


def _signature_point(signature: bytes) -> BlstP2Element:
    """Decompress and check a signature."""
    if len(signature) != SIGNATURE_LENGTH:
        raise InvalidInput(f"a BLS signature has {SIGNATURE_LENGTH} bytes, got {len(signature)}")
    try:
        return BlstP2Element.uncompress(signature)
    except ValueError as e:  # as in _public_point
        raise InvalidInput(f"invalid BLS signature: {e}") from None


def generate_private_key() -> bytes:
    """A fresh random private key, little-endian."""
    # 64 random bytes reduced mod r: the bias is below 2^-250.
    scalar = 0
    while scalar == 0:
        scalar = int.from_bytes(secrets.token_bytes(64), "little") % CURVE_ORDER
    return scalar.to_bytes(PRIVATE_KEY_LENGTH, "little")


class SigningKey:
    """A validated private key (its scalar decoded once), for repeated signing."""

    __slots__ = ("_scalar",)

    def __init__(self, private_key: bytes) -> None:
        self._scalar = _scalar(private_key)

    def public_key(self) -> bytes:
        """The 48-byte compressed G1 public key ``sk · g1``."""
        return bytes(_G1.scalar_mul(self._scalar).compress())

    def sign(self, message: bytes) -> bytes:
        """The 96-byte signature ``sk · H(message)``."""
        return bytes(BlstP2Element.hash_to_group(message, DST).scalar_mul(self._scalar).compress())


def public_key(private_key: bytes) -> bytes:
    """The 48-byte compressed G1 public key."""
    return SigningKey(private_key).public_key()


def sign(private_key: bytes, message: bytes) -> bytes:
    """The 96-byte signature ``sk · H(message)``."""
    return SigningKey(private_key).sign(message)


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``public_key``'s over ``message``: e(pk, H(m)) == e(g1, sig).

    Malformed keys or signatures raise :class:`InvalidInput`.
    """
    pk = _public_point(public_key)
    sig = _signature_point(signature)
    return bool(
        final_verify(miller_loop(pk, BlstP2Element.hash_to_group(message, DST)), miller_loop(_G1, sig))
    )


def aggregate(signatures: Sequence[bytes]) -> bytes:
    """The sum of the signatures (the empty aggregate is the point at infinity)."""
    total = BlstP2Element()
    for signature in signatures:
        total = total + _signature_point(signature)
    return bytes(total.compress())


def aggregate_verify(public_keys: Sequence[bytes], messages: Sequence[bytes], signature: bytes) -> bool:
    """Whether ``signature`` aggregates each key's signature of its message: ∏ e(pk_i, H(m_i)) == e(g1, sig).

    The basic scheme is only secure for distinct messages, so duplicates raise :class:`InvalidInput` (as
    filecoin-ffi's ``verify_messages`` refuses them).
    """
    if len(public_keys) != len(messages):
        raise InvalidInput(f"{len(public_keys)} public keys for {len(messages)} messages")
    if not messages:
        raise InvalidInput("aggregate verification needs at least one message")
    if len(set(messages)) != len(messages):
        raise InvalidInput("aggregate verification needs distinct messages")
    sig = _signature_point(signature)
    pairings = (
        miller_loop(_public_point(key), BlstP2Element.hash_to_group(message, DST))
        for key, message in zip(public_keys, messages, strict=True)
    )
    return bool(final_verify(functools.reduce(operator.mul, pairings), miller_loop(_G1, sig)))
