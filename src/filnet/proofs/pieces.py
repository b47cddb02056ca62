"""Sectors made of several pieces: where each piece goes, and CommD from the piece commitments alone.

Filecoin places pieces in order, each at an offset that is a multiple of its own padded size (a power of two);
the gaps before a piece and the rest of the sector are zero (lotus fills them with zero "filler" pieces). The
sector's tree_d root then follows from the piece commitments: filecoin-proofs ``compute_comm_d`` keeps a stack
of subtree roots, pads the top with zero subtrees until it can absorb the next piece, and joins equal-sized
neighbours with sha254. Tests check that this equals the tree_d root of the laid-out data.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from filnet.errors import InvalidInput
from filnet.proofs.registry import NODE_SIZE


@dataclass(frozen=True)
class Piece:
    """A piece's commitment (CommP) and padded size (a power of two, at least 128 bytes)."""

    commitment: bytes
    padded_size: int

    def __post_init__(self) -> None:
        if len(self.commitment) != 32:
            raise InvalidInput(f"piece commitment must be 32 bytes, got {len(self.commitment)}")
        size = self.padded_size
        if size < 128 or size & (size - 1):
            raise InvalidInput(f"padded piece size {size} is not a power of two of at least 128 bytes")


def sha254(data: bytes) -> bytes:
    """sha256 with the top two bits of byte 31 cleared."""
    digest = bytearray(hashlib.sha256(data).digest())
    digest[31] &= 0x3F
    return bytes(digest)


@functools.cache
def zero_commitment(padded_size: int) -> bytes:
    """The root of an all-zero tree over ``padded_size`` bytes (Z_k for 32·2^k bytes)."""
    if padded_size < NODE_SIZE or padded_size & (padded_size - 1):
        raise InvalidInput(f"{padded_size} is not a power-of-two size of at least 32 bytes")
    if padded_size == NODE_SIZE:
        return bytes(NODE_SIZE)
    child = zero_commitment(padded_size // 2)
    return sha254(child + child)


def piece_offsets(sector_size: int, sizes: Sequence[int]) -> list[int]:
    """Padded byte offset of each piece: the next multiple of its size after the previous piece."""
    offsets, end = [], 0
    for size in sizes:
        start = -(-end // size) * size
        offsets.append(start)
        end = start + size
    if end > sector_size:
        raise InvalidInput(f"pieces need {end} bytes with alignment, the sector holds {sector_size}")
    return offsets


def comm_d_from_pieces(sector_size: int, pieces: Sequence[Piece]) -> bytes:
    """CommD of a sector holding ``pieces`` in order, zero elsewhere (filecoin-proofs ``compute_comm_d``)."""
    piece_offsets(sector_size, [p.padded_size for p in pieces])  # raises when the pieces do not fit
    stack: list[tuple[bytes, int]] = []

    def shift_reduce(commitment: bytes, size: int) -> None:
        stack.append((commitment, size))
        while len(stack) > 1 and stack[-2][1] == stack[-1][1]:
            (left, n), (right, _) = stack.pop(-2), stack.pop()
            stack.append((sha254(left + right), 2 * n))

    for piece in pieces:
        while stack and stack[-1][1] < piece.padded_size:
            shift_reduce(zero_commitment(stack[-1][1]), stack[-1][1])
        shift_reduce(piece.commitment, piece.padded_size)
    if not stack:
        return zero_commitment(sector_size)
    # Zero-fill the rest of the sector (lotus adds filler pieces; compute_comm_d expects them).
    while len(stack) > 1 or stack[0][1] < sector_size:
        shift_reduce(zero_commitment(stack[-1][1]), stack[-1][1])
    return stack[0][0]


def sector_from_pieces(sector_size: int, pieces: Sequence[tuple[int, Iterable[bytes]]]) -> Iterator[bytes]:
    """Fr32-padded sector data: each (padded size, padded chunks) piece at its offset, zeros around."""
    offsets = piece_offsets(sector_size, [size for size, _ in pieces])
    position = 0
    for offset, (size, chunks) in zip(offsets, pieces, strict=True):
        if offset > position:
            yield bytes(offset - position)
        written = 0
        for chunk in chunks:
            written += len(chunk)
            if written > size:
                raise InvalidInput(f"piece at offset {offset} has more than its {size} padded bytes")
            yield bytes(chunk)
        if written != size:
            raise InvalidInput(f"piece at offset {offset} has {written} padded bytes, expected {size}")
        position = offset + size
    step = 1 << 20
    while position < sector_size:
        n = min(step, sector_size - position)
        yield bytes(n)
        position += n
