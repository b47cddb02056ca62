"""Randomness draws as Filecoin defines them (Lotus ``chain/rand``, go-state-types ``crypto``).

A draw hashes, with blake2b-256: the domain-separation tag as a big-endian int64, the blake2b-256 digest of
the randomness base (a ticket's VRF proof or a beacon entry), the round as a big-endian int64, then the
caller's entropy.
"""

from __future__ import annotations

import hashlib
import struct
from enum import IntEnum

from filnet.core.types import INT64_MAX, INT64_MIN, ChainEpoch
from filnet.errors import InvalidInput


class DomainSeparationTag(IntEnum):
    """Who a draw is for, so two uses of the same base never share randomness (go-state-types values)."""

    TICKET_PRODUCTION = 1
    ELECTION_PROOF_PRODUCTION = 2
    WINNING_POST_CHALLENGE_SEED = 3
    WINDOWED_POST_CHALLENGE_SEED = 4
    SEAL_RANDOMNESS = 5
    INTERACTIVE_SEAL_CHALLENGE_SEED = 6
    WINDOWED_POST_DEADLINE_ASSIGNMENT = 7
    MARKET_DEAL_CRON_SEED = 8
    POST_CHAIN_COMMIT = 9
    EVM_PREV_RANDAO = 10


def _blake2b_256(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def draw_randomness_from_digest(
    digest: bytes, tag: DomainSeparationTag | int, round: ChainEpoch | int, entropy: bytes
) -> bytes:
    """blake2b-256(int64be(tag) ‖ digest ‖ int64be(round) ‖ entropy)."""
    if len(digest) != 32:
        raise InvalidInput(f"a randomness digest has 32 bytes, got {len(digest)}")
    if not INT64_MIN <= tag <= INT64_MAX or not INT64_MIN <= round <= INT64_MAX:
        raise InvalidInput("domain tag and round must fit in a signed 64-bit integer")
    return _blake2b_256(struct.pack(">q", tag) + digest + struct.pack(">q", round) + entropy)


def draw_randomness(
    base: bytes, tag: DomainSeparationTag | int, round: ChainEpoch | int, entropy: bytes
) -> bytes:
    """A 32-byte draw from the randomness ``base`` (hashed first, as Lotus's ``DrawRandomnessFromBase``)."""
    return draw_randomness_from_digest(_blake2b_256(base), tag, round, entropy)
