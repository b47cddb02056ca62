"""CommP: go-fil-commp-hashhash's vectors, zero commitments, and the fast hasher against the reference."""

from __future__ import annotations

import csv
import io
import itertools
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.errors import InvalidInput
from filnet.piece import commp, commp_ref
from filnet.piece.commp import (
    BATCH_BYTES,
    BackgroundCommP,
    CommP,
    commp_of_bytes,
    commp_of_stream,
    zero_commitment,
)
from tests.conftest import load_json_vector, vectors_dir

GORAND = Path(__file__).parent / "gorand"
#: Rows of random_gorand1337.csv checked by the default suite; the rest (up to 32 GiB) are slow.
GORAND_FAST_LIMIT = 4 << 20


def read_rows(name: str) -> list[tuple[int, int, str]]:
    """``(payload_size, padded_piece_size, piece_cid_v1)`` rows of ``vectors/commp/<name>``."""
    with open(vectors_dir() / "commp" / name, newline="") as f:
        return [(int(size), int(padded), cid) for size, padded, cid in csv.reader(f)]


@pytest.mark.parametrize(("name", "byte"), [("zero.csv", 0x00), ("0xCC.csv", 0xCC)])
def test_repeated_byte_vectors(name: str, byte: int, sha_path: str) -> None:
    rows = read_rows(name)
    assert len(rows) == 18
    for payload_size, padded_size, piece_cid in rows:
        payload = bytes([byte]) * payload_size
        info = commp_of_bytes(payload)
        assert (str(info.piece_cid), info.padded_size, info.payload_size) == (
            piece_cid,
            padded_size,
            payload_size,
        )
        assert commp_ref.commp(payload) == (info.commp, padded_size)


def test_zero_commitments_match_vectors() -> None:
    vector = load_json_vector("commp/zero_commitments.json")
    assert vector["zk"]
    for level, hex_root in vector["zk"].items():
        assert zero_commitment(int(level)).hex() == hex_root
    assert zero_commitment(0) == bytes(32)
    # Z_k is the CommP of an all-zero piece of 32 · 2^k bytes.
    assert commp_of_bytes(bytes(127 * 16)).commp == zero_commitment(6)


def check_gorand_rows(limit: int) -> None:
    """Stream Go's math/rand(1337) bytes once and check every row up to ``limit`` at its prefix."""
    rows = sorted(r for r in read_rows("random_gorand1337.csv") if r[0] <= limit)
    go = shutil.which("go")
    if go is None:
        message = "Go is not installed (apt-get install golang-go): cannot reproduce math/rand payloads"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    total = rows[-1][0]
    proc = subprocess.Popen([go, "run", ".", str(total)], cwd=GORAND, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    hasher, fed = CommP(), 0
    try:
        for payload_size, padded_size, piece_cid in rows:
            while fed < payload_size:
                chunk = proc.stdout.read(min(payload_size - fed, 4 << 20))
                assert chunk, f"gorand ended after {fed} bytes"
                hasher.update(chunk)
                fed += len(chunk)
            info = hasher.digest()
            assert (str(info.piece_cid), info.padded_size) == (piece_cid, padded_size), payload_size
    finally:
        proc.stdout.close()
        proc.wait()
    assert proc.returncode == 0
    assert len(rows) > 50


def test_gorand_vectors_small() -> None:
    check_gorand_rows(GORAND_FAST_LIMIT)


def test_gorand_without_go_fails_under_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Go is not installed"):
        check_gorand_rows(GORAND_FAST_LIMIT)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="Go is not installed"):
        check_gorand_rows(GORAND_FAST_LIMIT)


@pytest.mark.slow
def test_gorand_vectors_all() -> None:
    # Every row, up to a 32 GiB payload: one pass over the stream, a few minutes.
    check_gorand_rows(1 << 62)


def boundary_sizes() -> st.SearchStrategy[int]:
    """Payload sizes near 127 · 2^k, where the padded size doubles, and near whole quads."""
    near_power = st.builds(lambda k, d: max(65, 127 * (1 << k) + d), st.integers(0, 12), st.integers(-3, 3))
    near_quad = st.builds(lambda q, d: max(65, 127 * q + d), st.integers(1, 300), st.integers(-2, 2))
    return st.one_of(near_power, near_quad, st.integers(65, 70_000))


@settings(max_examples=120, deadline=None)
@given(size=boundary_sizes(), seed=st.binary(min_size=8, max_size=8))
def test_fast_path_matches_reference(size: int, seed: bytes) -> None:
    payload = (seed * (size // 8 + 1))[:size]
    assert commp_of_bytes(payload).commp == commp_ref.commp(payload)[0]


@settings(max_examples=40, deadline=None)
@given(size=boundary_sizes(), cuts=st.lists(st.integers(0, 70_000), max_size=8))
def test_any_update_split_gives_the_same_commp(size: int, cuts: list[int]) -> None:
    payload = os.urandom(size)
    points = sorted({0, size, *(c for c in cuts if c <= size)})
    hasher = CommP()
    for a, b in itertools.pairwise(points):
        hasher.update(payload[a:b])
    assert hasher.digest().commp == commp_ref.commp(payload)[0]


def test_batches_and_tail_on_every_path(sha_path: str) -> None:
    # Two whole native batches, then a tail of 7 quads and a partial quad: 3 batch-sized subtrees, then
    # tail subtrees of 4, 2 and 1 quads plus one zero-filled quad.
    payload = os.urandom(2 * BATCH_BYTES + 7 * 127 + 50)
    info = commp_of_bytes(payload)
    assert (info.commp, info.padded_size) == commp_ref.commp(payload)
    assert info.padded_size == 4 << 20


def test_subtree_native_matches_reference(sha_path: str) -> None:
    for quads in (1, 2, 4, 128, 256, 1024):
        data = os.urandom(127 * quads)
        assert commp._subtree_root(data) == commp_ref.subtree_root(data)


def test_workers_give_identical_results() -> None:
    payload = os.urandom(5 * BATCH_BYTES + 12345)
    expected = commp_of_bytes(payload)
    hasher = CommP(workers=2)
    for i in range(0, len(payload), 300_000):
        hasher.update(payload[i : i + 300_000])
    assert hasher.digest() == expected
    assert commp_of_stream(io.BytesIO(payload), workers=3) == expected


def test_digest_does_not_change_the_hasher() -> None:
    payload = os.urandom(3000)
    hasher = CommP()
    hasher.update(payload[:1000])
    first = hasher.digest()
    assert hasher.digest() == first
    hasher.update(payload[1000:])
    assert hasher.digest() == commp_of_bytes(payload)
    assert first == commp_of_bytes(payload[:1000])


def test_payloads_below_65_bytes_are_refused() -> None:
    with pytest.raises(InvalidInput, match="65 bytes"):
        commp_of_bytes(bytes(64))
    with pytest.raises(InvalidInput, match="65 bytes"):
        commp_ref.commp(bytes(64))
    assert commp_of_bytes(bytes(65)).padded_size == 128


def test_invalid_arguments() -> None:
    with pytest.raises(InvalidInput):
        CommP(workers=0)
    with pytest.raises(InvalidInput):
        zero_commitment(-1)
    with pytest.raises(InvalidInput):
        commp_ref.subtree_root(bytes(127 * 3))
    hasher = CommP()
    hasher._size = commp.MAX_PAYLOAD_SIZE
    with pytest.raises(InvalidInput, match="largest piece"):
        hasher.update(b"x")


def test_piece_info_properties() -> None:
    # FRC-0069: 127 zero bytes, 127 ones, 127 twos, 127 threes and 4 more zeros: 504 bytes of padding in a
    # 1 KiB piece (height 5).
    payload = b"".join(bytes([i]) * 127 for i in range(4)) + bytes(4)
    info = commp_of_bytes(payload)
    assert str(info.piece_cid) == "baga6ea4seaqn42av3szurbbscwuu3zjssvfwbpsvbjf6y3tukvlgl2nf5rha6pa"
    assert str(info.piece_cid_v2) == "bafkzcibd7abqlxticxolgseegik2stpfgkkuwyf6kufex3doorkvmzpjuxwe4dz4"
    assert (info.padded_size, info.height, info.padding) == (1024, 5, 504)


@settings(max_examples=15, deadline=None)
@given(
    size=st.integers(65, 3 * BATCH_BYTES + 1000),
    cuts=st.lists(st.integers(0, 3 * BATCH_BYTES + 1000), max_size=12),
    workers=st.integers(1, 3),
)
def test_background_commp_matches_commp(size: int, cuts: list[int], workers: int) -> None:
    payload = os.urandom(size)
    points = sorted({0, size, *(c for c in cuts if c <= size)})
    with BackgroundCommP(workers=workers, max_queued=2) as hasher:
        for a, b in itertools.pairwise(points):
            # Mixed buffer types: anything but bytes is copied, as the caller may reuse its buffer.
            hasher.update(bytearray(payload[a:b]) if a % 2 else payload[a:b])
        assert hasher.digest() == commp_of_bytes(payload)
        assert hasher.digest() == commp_of_bytes(payload)  # repeatable


def test_background_commp_raises_the_threads_error(monkeypatch: pytest.MonkeyPatch) -> None:
    hasher = BackgroundCommP()

    def fail(data: object) -> None:
        raise InvalidInput("payload exceeds the largest piece")

    monkeypatch.setattr(hasher._hasher, "update", fail)
    hasher.update(os.urandom(5 * BATCH_BYTES))  # a whole run: queued, fails in the thread
    with pytest.raises(InvalidInput, match="largest piece"):
        hasher.digest()
    hasher.close()
    assert not hasher._thread.is_alive()


def test_background_commp_close_stops_an_abandoned_hasher() -> None:
    with BackgroundCommP(max_queued=1) as hasher:
        for _ in range(4):
            hasher.update(os.urandom(4 * BATCH_BYTES))
    assert not hasher._thread.is_alive()
    with pytest.raises(InvalidInput, match="after digest"):
        done = BackgroundCommP()
        done.update(bytes(100))
        done.digest()
        done.update(b"x")
