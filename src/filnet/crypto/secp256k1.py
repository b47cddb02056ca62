"""secp256k1 keys and recoverable signatures as Filecoin uses them, on ``coincurve`` (libsecp256k1).

Filecoin signs the blake2b-256 digest of the signing bytes with RFC 6979 nonces and low-S normalization, and
sends the 65-byte recoverable form ``r ‖ s ‖ v`` (``v`` the recovery id). A signature is checked by
recovering the public key and comparing its f1 address with the signer's, as Lotus's ``sigs/secp`` does;
like Lotus (libsecp256k1's ``ecdsa_recover``) a high-S signature still recovers.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Final

import coincurve

from filnet.errors import InvalidInput

PRIVATE_KEY_LENGTH: Final = 32
PUBLIC_KEY_LENGTH: Final = 65
SIGNATURE_LENGTH: Final = 65
#: Order of the secp256k1 group; a private key is a scalar in 1..N-1.
CURVE_ORDER: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def digest(message: bytes) -> bytes:
    """blake2b-256 of the signing bytes: what is actually signed."""
    return hashlib.blake2b(message, digest_size=32).digest()


def _private_key(secret: bytes) -> coincurve.PrivateKey:
    """A coincurve key from 32 big-endian bytes; :class:`InvalidInput` if not a valid scalar."""
    if len(secret) != PRIVATE_KEY_LENGTH:
        raise InvalidInput(f"a secp256k1 private key has {PRIVATE_KEY_LENGTH} bytes, got {len(secret)}")
    if not 0 < int.from_bytes(secret, "big") < CURVE_ORDER:
        raise InvalidInput("a secp256k1 private key must be a scalar in 1..n-1")
    return coincurve.PrivateKey(secret)


def generate_private_key() -> bytes:
    """A fresh random private key (32 bytes, big-endian, as Lotus stores it)."""
    while True:
        secret = secrets.token_bytes(PRIVATE_KEY_LENGTH)
        if 0 < int.from_bytes(secret, "big") < CURVE_ORDER:
            return secret


class SigningKey:
    """A validated private key with its libsecp256k1 handle built once, for repeated signing."""

    __slots__ = ("_key",)

    def __init__(self, secret: bytes) -> None:
        self._key = _private_key(secret)

    def public_key(self) -> bytes:
        """The 65-byte uncompressed public key (``0x04 ‖ x ‖ y``)."""
        return bytes(self._key.public_key.format(compressed=False))

    def sign(self, message: bytes) -> bytes:
        """The 65-byte recoverable signature ``r ‖ s ‖ v`` of blake2b-256(``message``)."""
        return self.sign_digest(digest(message))

    def sign_digest(self, message_digest: bytes) -> bytes:
        """The 65-byte recoverable signature of a 32-byte digest (delegated keys sign keccak-256)."""
        if len(message_digest) != 32:
            raise InvalidInput(f"a secp256k1 signing digest has 32 bytes, got {len(message_digest)}")
        # hasher=None: coincurve would otherwise SHA-256 the digest again.
        return bytes(self._key.sign_recoverable(message_digest, hasher=None))


def public_key(secret: bytes) -> bytes:
    """The 65-byte uncompressed public key (``0x04 ‖ x ‖ y``) of a private key."""
    return SigningKey(secret).public_key()


def sign(secret: bytes, message: bytes) -> bytes:
    """The 65-byte recoverable signature ``r ‖ s ‖ v`` of blake2b-256(``message``)."""
    return SigningKey(secret).sign(message)


def recover(signature: bytes, message: bytes) -> bytes:
    """The uncompressed public key that made ``signature`` over ``message`` (signed as blake2b-256).

    Raises :class:`InvalidInput` when the signature is malformed or recovers no key.
    """
    return recover_from_digest(signature, digest(message))


def recover_from_digest(signature: bytes, message_digest: bytes) -> bytes:
    """The uncompressed public key that made the 65-byte ``signature`` over a 32-byte digest."""
    if len(signature) != SIGNATURE_LENGTH:
        raise InvalidInput(f"a secp256k1 signature has {SIGNATURE_LENGTH} bytes, got {len(signature)}")
    if signature[64] > 3:
        raise InvalidInput(f"secp256k1 recovery id must be 0..3, got {signature[64]}")
    try:
        key = coincurve.PublicKey.from_signature_and_message(signature, message_digest, hasher=None)
    except (ValueError, TypeError) as e:
        raise InvalidInput(f"secp256k1 signature recovers no public key: {e}") from None
    return bytes(key.format(compressed=False))
