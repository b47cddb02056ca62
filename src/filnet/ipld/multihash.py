"""Multihash: a hash function code, the digest length, then the digest.

Codes are those of the multicodec table. Functions filnet can compute are in :data:`HASHERS`; the
Filecoin commitment codes (``sha2-256-trunc254-padded``, ``fr32-sha256-trunc254-padbintree``,
``poseidon-bls12_381-a2-fc1``) are *named* here but computed by ``filnet.piece`` and ``filnet.proofs``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from filnet.errors import DecodeError, HashMismatch, UnsupportedCodec
from filnet.ipld.varint import decode_uvarint, encode_uvarint

IDENTITY: Final = 0x00
SHA2_256: Final = 0x12
BLAKE2B_256: Final = 0xB220
FR32_SHA256_TRUNC254_PADBINTREE: Final = 0x1011
SHA2_256_TRUNC254_PADDED: Final = 0x1012
POSEIDON_BLS12_381_A2_FC1: Final = 0xB401

NAMES: Final[dict[int, str]] = {
    IDENTITY: "identity",
    SHA2_256: "sha2-256",
    BLAKE2B_256: "blake2b-256",
    FR32_SHA256_TRUNC254_PADBINTREE: "fr32-sha256-trunc254-padbintree",
    SHA2_256_TRUNC254_PADDED: "sha2-256-trunc254-padded",
    POSEIDON_BLS12_381_A2_FC1: "poseidon-bls12_381-a2-fc1",
}
CODES: Final[dict[str, int]] = {name: code for code, name in NAMES.items()}

#: Largest identity digest accepted; identity CIDs inline data and must stay small.
MAX_IDENTITY_DIGEST: Final = 128
#: Largest digest of any kind accepted on decode (guards against absurd length fields).
MAX_DIGEST: Final = 1024


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _blake2b_256(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def _identity(data: bytes) -> bytes:
    return bytes(data)


HASHERS: Final[dict[int, Callable[[bytes], bytes]]] = {
    SHA2_256: _sha256,
    BLAKE2B_256: _blake2b_256,
    IDENTITY: _identity,
}

#: Fixed digest lengths; a decoded multihash of one of these codes must have this length.
DIGEST_SIZES: Final[dict[int, int]] = {
    SHA2_256: 32,
    BLAKE2B_256: 32,
    SHA2_256_TRUNC254_PADDED: 32,
    POSEIDON_BLS12_381_A2_FC1: 32,
}


def name_of(code: int) -> str:
    """The multicodec name of a hash code, or its hex form when unknown."""
    return NAMES.get(code, f"0x{code:x}")


def compute(code: int, data: bytes) -> bytes:
    """Digest of ``data`` with the hash function ``code``."""
    fn = HASHERS.get(code)
    if fn is None:
        raise UnsupportedCodec(f"cannot compute multihash {name_of(code)}")
    return fn(data)


@dataclass(frozen=True, slots=True)
class Multihash:
    """A decoded multihash."""

    code: int
    digest: bytes

    def __bytes__(self) -> bytes:
        return encode(self.code, self.digest)

    @property
    def name(self) -> str:
        return name_of(self.code)

    def verify(self, data: bytes) -> None:
        """Raise :class:`HashMismatch` unless ``data`` hashes to this digest."""
        if compute(self.code, data) != self.digest:
            raise HashMismatch(f"data does not match its {self.name} digest")


def encode(code: int, digest: bytes) -> bytes:
    """Binary multihash of ``digest`` under hash ``code``."""
    return encode_uvarint(code) + encode_uvarint(len(digest)) + digest


def decode(data: bytes | memoryview, offset: int = 0) -> tuple[Multihash, int]:
    """Decode a multihash at ``offset``; return it and the offset after it."""
    code, pos = decode_uvarint(data, offset)
    size, pos = decode_uvarint(data, pos)
    expected = DIGEST_SIZES.get(code)
    if expected is not None and size != expected:
        raise DecodeError(f"{name_of(code)} digest of {size} bytes, expected {expected}", offset)
    if code == IDENTITY and size > MAX_IDENTITY_DIGEST:
        raise DecodeError(f"identity digest of {size} bytes exceeds {MAX_IDENTITY_DIGEST}", offset)
    if size > MAX_DIGEST:
        raise DecodeError(f"digest length {size} exceeds {MAX_DIGEST}", offset)
    end = pos + size
    if end > len(data):
        raise DecodeError("truncated multihash digest", offset)
    return Multihash(code, bytes(data[pos:end])), end
