"""Keccak-256 as Ethereum uses it (the original Keccak padding, not NIST SHA3's), in plain Python.

Filecoin needs it for ``f410`` (Ethereum) accounts: an Ethereum address is the last 20 bytes of keccak-256 of
the 64-byte public key, and delegated signatures sign keccak-256 of the data. The Python standard library
only has SHA3 (the same permutation with a different padding byte), so the sponge is written out here;
tests check it against ``hashlib.sha3_256`` by switching the padding byte. Speed: a few thousand hashes of
short inputs per second, enough for signature checks.
"""

from __future__ import annotations

from typing import Final

_MASK: Final = (1 << 64) - 1
#: Bytes absorbed per permutation for a 256-bit digest: (1600 - 2·256) / 8.
RATE_256: Final = 136
KECCAK_PADDING: Final = 0x01
SHA3_PADDING: Final = 0x06


def _round_constants() -> tuple[int, ...]:
    """The 24 ι constants, from the degree-8 LFSR of the Keccak reference (x^8 + x^6 + x^5 + x^4 + 1)."""
    constants = []
    state = 1
    for _ in range(24):
        value = 0
        for j in range(7):
            if state & 1:
                value |= 1 << ((1 << j) - 1)
            state = ((state << 1) ^ 0x171) if state & 0x80 else (state << 1)
        constants.append(value)
    return tuple(constants)


def _rotation_offsets() -> tuple[int, ...]:
    """ρ offsets by lane index ``x + 5y``: triangular numbers along the walk (1, 0), (x, y) → (y, 2x + 3y)."""
    offsets = [0] * 25
    x, y = 1, 0
    for t in range(24):
        offsets[x + 5 * y] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return tuple(offsets)


_RC: Final = _round_constants()
_ROT: Final = _rotation_offsets()
# π: lane (x, y) moves to (y, 2x + 3y); precomputed as destination indices.
_PI: Final = tuple(y + 5 * ((2 * x + 3 * y) % 5) for y in range(5) for x in range(5))
_PI_SOURCES: Final = tuple(x + 5 * y for y in range(5) for x in range(5))


def _rotl(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (64 - shift))) & _MASK if shift else value


def keccak_f1600(lanes: list[int]) -> None:
    """Apply the 24-round Keccak-f[1600] permutation to 25 64-bit lanes (index ``x + 5y``) in place."""
    for rc in _RC:
        # θ: mix each column's parity into its neighbours.
        parity = [lanes[x] ^ lanes[x + 5] ^ lanes[x + 10] ^ lanes[x + 15] ^ lanes[x + 20] for x in range(5)]
        for x in range(5):
            d = parity[(x - 1) % 5] ^ _rotl(parity[(x + 1) % 5], 1)
            for y in range(0, 25, 5):
                lanes[x + y] ^= d
        # ρ and π: rotate each lane and move it.
        moved = [0] * 25
        for source, destination in zip(_PI_SOURCES, _PI, strict=True):
            moved[destination] = _rotl(lanes[source], _ROT[source])
        # χ: the only non-linear step, along rows.
        for y in range(0, 25, 5):
            row = moved[y : y + 5]
            for x in range(5):
                lanes[x + y] = row[x] ^ (~row[(x + 1) % 5] & _MASK & row[(x + 2) % 5])
        # ι
        lanes[0] ^= rc


def sponge_256(data: bytes, padding: int) -> bytes:
    """A 256-bit-output Keccak sponge with the given domain padding byte."""
    padded = bytearray(data)
    padded.append(padding)
    padded.extend(b"\x00" * (-len(padded) % RATE_256))
    padded[-1] |= 0x80
    lanes = [0] * 25
    for offset in range(0, len(padded), RATE_256):
        block = padded[offset : offset + RATE_256]
        for i in range(RATE_256 // 8):
            lanes[i] ^= int.from_bytes(block[8 * i : 8 * i + 8], "little")
        keccak_f1600(lanes)
    return b"".join(lane.to_bytes(8, "little") for lane in lanes[:4])


def keccak256(data: bytes) -> bytes:
    """Ethereum's keccak-256."""
    return sponge_256(data, KECCAK_PADDING)
