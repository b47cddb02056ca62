"""CommP, the readable reference: Fr32-pad everything, then hash a binary sha254 tree level by level.

CommP (a piece commitment) is the root of a binary Merkle tree whose leaves are the 32-byte chunks of the
Fr32-padded payload, zero-padded to the piece's padded size, and whose nodes are
``sha254(left ‖ right)``: SHA-256 with the two top bits of byte 31 cleared (so the node is a BLS12-381
field element). Leaves are not hashed. (go-fil-commp-hashhash, rust-fil-proofs ``generate_piece_commitment``.)

This module holds the whole padded piece in memory: it is the definition the fast streaming hasher in
:mod:`filnet.piece.commp` is tested against, and its ``subtree_root`` is that hasher's fallback when the
native extension is not built.
"""

from __future__ import annotations

import hashlib
from typing import Final

from filnet.errors import InvalidInput
from filnet.piece import fr32, size

#: Bytes of the smallest payload CommP is defined for. go-fil-commp-hashhash refuses shorter inputs
#: ("commP is not defined for inputs shorter than 65 bytes"), as does @web3-storage/data-segment.
MIN_PAYLOAD_SIZE: Final = 65


def sha254(data: bytes) -> bytes:
    """SHA-256 of ``data`` with the two most significant bits of the last byte cleared."""
    digest = bytearray(hashlib.sha256(data).digest())
    digest[31] &= 0x3F
    return bytes(digest)


def _zero_commitments(levels: int) -> tuple[bytes, ...]:
    """Z0 = 32 zero bytes, Z(k+1) = sha254(Zk ‖ Zk): the roots of all-zero subtrees."""
    zs = [bytes(32)]
    for _ in range(levels):
        zs.append(sha254(zs[-1] + zs[-1]))
    return tuple(zs)


_ZEROS: Final = _zero_commitments(size.MAX_TREE_HEIGHT)


def zero_commitment(level: int) -> bytes:
    """Root of the all-zero subtree of height ``level`` (covering 32 · 2^level padded bytes)."""
    if not 0 <= level <= size.MAX_TREE_HEIGHT:
        raise InvalidInput(f"zero commitment level {level} outside 0..{size.MAX_TREE_HEIGHT}")
    return _ZEROS[level]


def tree_root(leaves: bytes) -> bytes:
    """Root of the sha254 tree over ``leaves`` (32-byte nodes, a power of two of them)."""
    level = [leaves[i : i + 32] for i in range(0, len(leaves), 32)]
    while len(level) > 1:
        level = [sha254(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def commp(payload: bytes) -> tuple[bytes, int]:
    """CommP and padded piece size of ``payload`` (at least 65 bytes)."""
    if len(payload) < MIN_PAYLOAD_SIZE:
        raise InvalidInput(f"CommP is not defined for payloads shorter than 65 bytes, got {len(payload)}")
    padded_size = size.padded_size_for(len(payload))
    whole_quads = payload + bytes(-len(payload) % fr32.QUAD_IN)
    leaves = fr32.pad_reference(whole_quads)
    return tree_root(leaves + bytes(padded_size - len(leaves))), padded_size


def subtree_root(data: bytes | bytearray | memoryview) -> bytes:
    """Root of the aligned CommP subtree over ``data`` (127 · 2^k bytes)."""
    quads = len(data) // fr32.QUAD_IN
    if quads == 0 or len(data) % fr32.QUAD_IN or quads & (quads - 1):
        raise InvalidInput(f"subtree input length {len(data)} is not 127 * 2^k")
    return tree_root(fr32.pad_reference(bytes(data)))
