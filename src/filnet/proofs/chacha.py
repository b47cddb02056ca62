"""ChaCha8 as a random number generator, with the semantics of Rust's ``rand_chacha::ChaCha8Rng``.

The SDR base graph draws its parents from ``ChaCha8Rng::from_seed(seed)`` and ``rng.gen::<u64>()``, so the
exact stream matters. ``from_seed`` uses the 32 seed bytes as the key (eight little-endian words), with a
64-bit block counter starting at 0 in words 12-13 and a zero stream id in words 14-15 (rand_chacha 0.3).
Each ``u64`` is two consecutive 32-bit output words, the low one first; rand_chacha buffers 64 words (4
blocks), so an aligned u64 never straddles a refill.
"""

from __future__ import annotations

import struct
from typing import Final

_MASK32: Final = 0xFFFFFFFF
_CONSTANTS: Final = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)  # "expand 32-byte k"
_ROUNDS: Final = 8


def _rotl(x: int, n: int) -> int:
    """Rotate a 32-bit word left."""
    return ((x << n) | (x >> (32 - n))) & _MASK32


def _quarter_round(s: list[int], a: int, b: int, c: int, d: int) -> None:
    """The ChaCha quarter round on words a, b, c, d of the state."""
    s[a] = (s[a] + s[b]) & _MASK32
    s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & _MASK32
    s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & _MASK32
    s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & _MASK32
    s[b] = _rotl(s[b] ^ s[c], 7)


def chacha_block(key: bytes, counter: int, rounds: int = _ROUNDS) -> list[int]:
    """The 16 output words of one ChaCha block (key, 64-bit counter, zero stream id)."""
    init = [*_CONSTANTS, *struct.unpack("<8I", key), counter & _MASK32, counter >> 32, 0, 0]
    s = list(init)
    for _ in range(rounds // 2):
        _quarter_round(s, 0, 4, 8, 12)
        _quarter_round(s, 1, 5, 9, 13)
        _quarter_round(s, 2, 6, 10, 14)
        _quarter_round(s, 3, 7, 11, 15)
        _quarter_round(s, 0, 5, 10, 15)
        _quarter_round(s, 1, 6, 11, 12)
        _quarter_round(s, 2, 7, 8, 13)
        _quarter_round(s, 3, 4, 9, 14)
    return [(x + y) & _MASK32 for x, y in zip(s, init, strict=True)]


class ChaCha8Rng:
    """A stream of u64 values equal to ``rand_chacha::ChaCha8Rng::from_seed(seed).gen::<u64>()`` calls."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != 32:
            raise ValueError(f"ChaCha8 seed must be 32 bytes, got {len(seed)}")
        self._key = bytes(seed)
        self._counter = 0
        self._words: list[int] = []
        self._index = 0

    def next_u32(self) -> int:
        """The next 32-bit output word."""
        if self._index == len(self._words):
            self._words = chacha_block(self._key, self._counter)
            self._counter += 1
            self._index = 0
        word = self._words[self._index]
        self._index += 1
        return word

    def next_u64(self) -> int:
        """The next u64: two words, low first."""
        low = self.next_u32()
        return low | (self.next_u32() << 32)
