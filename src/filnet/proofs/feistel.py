"""The 3-round Feistel permutation that picks SDR expander parents (storage-proofs-core crypto/feistel.rs).

The domain ``[0, n)`` is embedded in the smallest even bit width 2h with 4^h >= n; each round maps
(L, R) -> (R, L xor F(R, k)) with F = the first 8 bytes (big-endian) of blake2b-512(R as u64 BE ‖ k as
u64 BE), masked to h bits. Outputs outside ``[0, n)`` are encrypted again (cycle walking) until they land
inside.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

ROUNDS = 3


@dataclass(frozen=True)
class FeistelParams:
    """Domain size, round keys and the half-width split of one Feistel permutation."""

    num_elements: int
    keys: tuple[int, ...]
    half_bits: int

    @classmethod
    def create(cls, num_elements: int, keys: tuple[int, ...]) -> FeistelParams:
        """Precompute the half width: the smallest h >= 1 with 4^h >= num_elements."""
        half_bits = 1
        while 4**half_bits < num_elements:
            half_bits += 1
        return cls(num_elements, keys[:ROUNDS], half_bits)

    @property
    def right_mask(self) -> int:
        """Mask of the right half."""
        return (1 << self.half_bits) - 1


def round_function(right: int, key: int, right_mask: int) -> int:
    """F(R, k): blake2b-512 over R and k as big-endian u64s, first 8 bytes big-endian, masked."""
    digest = hashlib.blake2b(right.to_bytes(8, "big") + key.to_bytes(8, "big")).digest()
    return int.from_bytes(digest[:8], "big") & right_mask


def encrypt(index: int, params: FeistelParams) -> int:
    """One pass of the Feistel network over the 2h-bit space."""
    mask = params.right_mask
    left, right = (index >> params.half_bits) & mask, index & mask
    for key in params.keys:
        left, right = right, left ^ round_function(right, key, mask)
    return (left << params.half_bits) | right


def decrypt(index: int, params: FeistelParams) -> int:
    """The inverse of :func:`encrypt`."""
    mask = params.right_mask
    left, right = (index >> params.half_bits) & mask, index & mask
    for key in reversed(params.keys):
        left, right = right ^ round_function(left, key, mask), left
    return (left << params.half_bits) | right


def permute(index: int, params: FeistelParams) -> int:
    """Map ``index`` in [0, n) to its image in [0, n), cycle-walking outside values."""
    u = encrypt(index, params)
    while u >= params.num_elements:
        u = encrypt(u, params)
    return u


def invert_permute(index: int, params: FeistelParams) -> int:
    """The inverse of :func:`permute`."""
    u = decrypt(index, params)
    while u >= params.num_elements:
        u = decrypt(u, params)
    return u
