"""Randomness draws: the hash layout Lotus uses and the domain-separation tags."""

from __future__ import annotations

import hashlib
import struct

import pytest

from filnet.crypto.randomness import DomainSeparationTag, draw_randomness, draw_randomness_from_digest
from filnet.errors import InvalidInput


def test_tag_values_match_go_state_types() -> None:
    assert DomainSeparationTag.TICKET_PRODUCTION == 1
    assert DomainSeparationTag.ELECTION_PROOF_PRODUCTION == 2
    assert DomainSeparationTag.WINNING_POST_CHALLENGE_SEED == 3
    assert DomainSeparationTag.WINDOWED_POST_CHALLENGE_SEED == 4
    assert DomainSeparationTag.SEAL_RANDOMNESS == 5
    assert DomainSeparationTag.INTERACTIVE_SEAL_CHALLENGE_SEED == 6
    assert DomainSeparationTag.WINDOWED_POST_DEADLINE_ASSIGNMENT == 7
    assert DomainSeparationTag.MARKET_DEAL_CRON_SEED == 8
    assert DomainSeparationTag.POST_CHAIN_COMMIT == 9
    assert DomainSeparationTag.EVM_PREV_RANDAO == 10


def test_draw_layout() -> None:
    base, entropy = b"beacon entry", b"\x42\x00\x81"
    expected = hashlib.blake2b(
        b"\x00\x00\x00\x00\x00\x00\x00\x02"
        + hashlib.blake2b(base, digest_size=32).digest()
        + struct.pack(">q", 1234)
        + entropy,
        digest_size=32,
    ).digest()
    assert draw_randomness(base, DomainSeparationTag.ELECTION_PROOF_PRODUCTION, 1234, entropy) == expected


def test_draws_differ_by_tag_round_and_entropy() -> None:
    draws = {
        draw_randomness(b"b", DomainSeparationTag.TICKET_PRODUCTION, 1, b""),
        draw_randomness(b"b", DomainSeparationTag.SEAL_RANDOMNESS, 1, b""),
        draw_randomness(b"b", DomainSeparationTag.TICKET_PRODUCTION, 2, b""),
        draw_randomness(b"b", DomainSeparationTag.TICKET_PRODUCTION, 1, b"e"),
        draw_randomness(b"c", DomainSeparationTag.TICKET_PRODUCTION, 1, b""),
    }
    assert len(draws) == 5


def test_negative_round_is_twos_complement() -> None:
    digest = b"\x11" * 32
    expected = hashlib.blake2b(struct.pack(">q", 5) + digest + b"\xff" * 8, digest_size=32).digest()
    assert draw_randomness_from_digest(digest, 5, -1, b"") == expected


def test_draw_input_errors() -> None:
    with pytest.raises(InvalidInput):
        draw_randomness_from_digest(b"\x00" * 31, 1, 0, b"")
    with pytest.raises(InvalidInput):
        draw_randomness(b"", 1, 1 << 63, b"")
