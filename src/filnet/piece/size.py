"""Piece sizes: payload (unpadded) bytes, Fr32-padded piece sizes and tree heights.

A piece's padded size is a power of two of at least 128 bytes; it holds ``padded * 127 / 128`` payload bytes
before Fr32 padding. Its CommP tree has 32-byte leaves, so its height is ``log2(padded / 32)``.
"""

from __future__ import annotations

from typing import Final

from filnet.errors import InvalidInput

#: Smallest padded piece: one Fr32 quad.
MIN_PADDED_SIZE: Final = 128
#: Height of the smallest piece's tree (128 bytes = 4 leaves).
MIN_TREE_HEIGHT: Final = 2
#: Largest tree height whose padded size (32 << height) fits an unsigned 64-bit integer; its payload
#: capacity (127 << (height - 2)) then also fits the uvarint of FRC-0069 (at most 2^63 - 1).
MAX_TREE_HEIGHT: Final = 58
#: Leaf (node) size of the CommP tree.
NODE_SIZE: Final = 32


def is_valid_padded_size(padded_size: int) -> bool:
    """True when ``padded_size`` is a power of two between 128 bytes and the largest supported tree."""
    return (
        MIN_PADDED_SIZE <= padded_size <= NODE_SIZE << MAX_TREE_HEIGHT
        and padded_size & (padded_size - 1) == 0
    )


def unpadded_size(padded_size: int) -> int:
    """Payload capacity of a piece of ``padded_size`` bytes (127 bytes per 128)."""
    if not is_valid_padded_size(padded_size):
        raise InvalidInput(f"padded piece size {padded_size} is not a power of two of at least 128 bytes")
    return padded_size // 128 * 127


def padded_size_for(payload_size: int) -> int:
    """The smallest padded piece size that holds ``payload_size`` bytes (at least 128)."""
    if payload_size < 0:
        raise InvalidInput(f"negative payload size {payload_size}")
    quads = max(1, -(-payload_size // 127))
    padded = 1 << (quads * 128 - 1).bit_length()
    if padded > NODE_SIZE << MAX_TREE_HEIGHT:
        raise InvalidInput(f"payload size {payload_size} exceeds the largest supported piece")
    return padded


def tree_height(padded_size: int) -> int:
    """Height of the CommP tree of a piece of ``padded_size`` bytes: log2(padded_size / 32)."""
    unpadded_size(padded_size)  # validates
    return padded_size.bit_length() - 1 - (NODE_SIZE.bit_length() - 1)


def padded_size_of_height(height: int) -> int:
    """Padded size of a piece whose tree has ``height`` levels above its 32-byte leaves."""
    if not MIN_TREE_HEIGHT <= height <= MAX_TREE_HEIGHT:
        raise InvalidInput(f"piece tree height {height} outside {MIN_TREE_HEIGHT}..{MAX_TREE_HEIGHT}")
    return NODE_SIZE << height
