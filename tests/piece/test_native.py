"""The shared native SHA-256 (src/filnet/native/sha256.c) on every path, checked against hashlib."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.piece import _native, commp_ref
from filnet.piece.commp_ref import sha254
from tests.piece.conftest import SHA256_IMPLS


def test_sha256_matches_hashlib_at_every_padding_boundary(sha_path: str) -> None:
    # Lengths 0..200 cover one and two final padding blocks (the switch is at 56 bytes mod 64).
    data = os.urandom(300)
    for length in range(201):
        assert _native.sha256(data[:length]) == hashlib.sha256(data[:length]).digest(), length


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=5000))
def test_sha256_matches_hashlib_random(data: bytes) -> None:
    for impl in SHA256_IMPLS:
        _native.select_sha256(impl)
        try:
            assert _native.sha256(data) == hashlib.sha256(data).digest()
        finally:
            _native.select_sha256("auto")


def test_sha254_pairs_matches_reference(sha_path: str) -> None:
    # Counts around the lane widths: SHA-NI hashes 2 nodes at a time, AVX2 8, each with a remainder.
    for count in range(0, 20):
        data = os.urandom(64 * count)
        expected = b"".join(sha254(data[i : i + 64]) for i in range(0, len(data), 64))
        assert _native.sha254_pairs(data) == expected


def test_sha254_clears_the_top_two_bits(sha_path: str) -> None:
    nodes = _native.sha254_pairs(os.urandom(64 * 256))
    assert all(nodes[i + 31] & 0xC0 == 0 for i in range(0, len(nodes), 32))


def test_sha254_in_place_reduction(sha_path: str) -> None:
    # commp_subtree reduces each tree level in place (fil_sha254_64_many with out == in).
    data = os.urandom(127 * 64)
    assert _native.commp_subtree(data) == commp_ref.subtree_root(data)


def test_select_sha256() -> None:
    try:
        assert _native.select_sha256("portable") == "portable"
        assert _native.sha256_impl() == "portable"
        assert _native.select_sha256("auto") in ("portable", "avx2", "shani")
        with pytest.raises(ValueError, match="unknown SHA-256 implementation"):
            _native.select_sha256("sha3")
    finally:
        _native.select_sha256("auto")


def test_environment_variable_forces_portable_path() -> None:
    code = "from filnet.piece import _native; print(_native.sha256_impl())"
    env = {**os.environ, "FILNET_SHA256_PORTABLE": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "portable"


def test_rejects_misaligned_inputs() -> None:
    with pytest.raises(ValueError):
        _native.sha254_pairs(bytes(63))
    with pytest.raises(ValueError):
        _native.commp_subtree(bytes(127 * 3))
    with pytest.raises(ValueError):
        _native.commp_subtree(b"")
