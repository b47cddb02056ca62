"""MurmurHash3 x64 128-bit (Austin Appleby's ``MurmurHash3_x64_128``), the hash of UnixFS HAMT shards.

UnixFS shards hash entry names with multicodec ``murmur3-x64-64`` (0x22): the first 64-bit half ``h1`` of
the 128-bit result, written big-endian. go-unixfs gets it from ``spaolacci/murmur3``'s ``New64().Sum``;
ipfs-unixfs-importer takes the first 8 bytes of ``@multiformats/murmur3``'s ``murmur3128`` (also ``h1``
big-endian, which it reverses only because its bit reader walks a buffer from the end). Pure Python: it
hashes short names, never file content.
"""

from __future__ import annotations

from typing import Final

_MASK64: Final = (1 << 64) - 1
_C1: Final = 0x87C37B91114253D5
_C2: Final = 0x4CF5AD432745937F


def _rotl64(x: int, r: int) -> int:
    """Rotate a 64-bit value left by ``r`` bits."""
    return ((x << r) | (x >> (64 - r))) & _MASK64


def _fmix64(k: int) -> int:
    """The finalisation mix that forces every input bit to avalanche."""
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & _MASK64
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & _MASK64
    k ^= k >> 33
    return k


def murmur3_x64_128(data: bytes, seed: int = 0) -> tuple[int, int]:
    """The two 64-bit halves ``(h1, h2)`` of MurmurHash3_x64_128 of ``data``."""
    h1 = h2 = seed & 0xFFFFFFFF
    length = len(data)
    nblocks = length // 16
    for i in range(nblocks):
        # Blocks are read as two little-endian 64-bit words, as the reference does on x86-64.
        k1 = int.from_bytes(data[16 * i : 16 * i + 8], "little")
        k2 = int.from_bytes(data[16 * i + 8 : 16 * i + 16], "little")
        k1 = (_rotl64((k1 * _C1) & _MASK64, 31) * _C2) & _MASK64
        h1 ^= k1
        h1 = (((_rotl64(h1, 27) + h2) & _MASK64) * 5 + 0x52DCE729) & _MASK64
        k2 = (_rotl64((k2 * _C2) & _MASK64, 33) * _C1) & _MASK64
        h2 ^= k2
        h2 = (((_rotl64(h2, 31) + h1) & _MASK64) * 5 + 0x38495AB5) & _MASK64
    tail = data[16 * nblocks :]
    if len(tail) > 8:
        k2 = int.from_bytes(tail[8:], "little")
        h2 ^= (_rotl64((k2 * _C2) & _MASK64, 33) * _C1) & _MASK64
    if tail:
        k1 = int.from_bytes(tail[:8], "little")
        h1 ^= (_rotl64((k1 * _C1) & _MASK64, 31) * _C2) & _MASK64
    h1 ^= length
    h2 ^= length
    h1 = (h1 + h2) & _MASK64
    h2 = (h2 + h1) & _MASK64
    h1 = _fmix64(h1)
    h2 = _fmix64(h2)
    h1 = (h1 + h2) & _MASK64
    h2 = (h2 + h1) & _MASK64
    return h1, h2


def murmur3_x64_64(data: bytes) -> bytes:
    """The 8-byte ``murmur3-x64-64`` digest UnixFS shards use: ``h1`` of the 128-bit hash, big-endian."""
    return murmur3_x64_128(data)[0].to_bytes(8, "big")
