"""Keccak-256: known digests, and the same sponge with SHA3's padding against hashlib."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.crypto.keccak import RATE_256, SHA3_PADDING, keccak256, sponge_256


@pytest.mark.parametrize(
    ("data", "digest"),
    [
        (b"", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),
        (b"abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"),
        # The Solidity selector of transfer(address,uint256) is the first 4 bytes: a9059cbb.
        (b"transfer(address,uint256)", "a9059cbb2ab09eb219583f4a59a5d0623ade346d962bcd4e46b11da047c9049b"),
    ],
)
def test_known_digests(data: bytes, digest: str) -> None:
    assert keccak256(data).hex() == digest


@pytest.mark.parametrize("size", [0, 1, RATE_256 - 1, RATE_256, RATE_256 + 1, 2 * RATE_256, 500])
def test_sha3_padding_matches_hashlib_at_block_edges(size: int) -> None:
    data = bytes(i % 251 for i in range(size))
    assert sponge_256(data, SHA3_PADDING) == hashlib.sha3_256(data).digest()


@settings(max_examples=25)
@given(st.binary(max_size=400))
def test_sha3_padding_matches_hashlib(data: bytes) -> None:
    assert sponge_256(data, SHA3_PADDING) == hashlib.sha3_256(data).digest()
