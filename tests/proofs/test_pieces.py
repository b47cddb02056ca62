"""Sectors of several pieces: alignment, and CommD from piece commitments equals the tree_d root."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.errors import InvalidInput
from filnet.piece import fr32
from filnet.piece.commp import commp_of_bytes
from filnet.proofs import merkle
from filnet.proofs.pieces import Piece, comm_d_from_pieces, piece_offsets, sector_from_pieces, zero_commitment
from tests.conftest import load_json_vector


def _piece(payload: bytes) -> tuple[Piece, bytes]:
    info = commp_of_bytes(payload)
    unpadded = info.padded_size // 128 * 127
    return Piece(info.commp, info.padded_size), fr32.pad(payload + bytes(unpadded - len(payload)))


def test_zero_commitments_match_vectors() -> None:
    zk = load_json_vector("commp/zero_commitments.json")["zk"]
    for k, value in zk.items():
        assert zero_commitment(32 << int(k)).hex() == value
    assert comm_d_from_pieces(2048, []).hex() == zk["6"]


def test_offsets_are_aligned() -> None:
    assert piece_offsets(2048, [256, 512, 128, 128]) == [0, 512, 1024, 1152]
    assert piece_offsets(2048, [128, 1024]) == [0, 1024]
    with pytest.raises(InvalidInput):
        piece_offsets(2048, [128, 1024, 1024])


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([128, 256, 512, 1024]), st.integers(0, 255)), min_size=1, max_size=5)
)
def test_comm_d_from_pieces_equals_tree_d_root(spec: list[tuple[int, int]]) -> None:
    pieces = []
    for size, fill in spec:
        payload = bytes([fill]) * (size // 128 * 127 - 1)
        pieces.append(_piece(payload))
    sizes = [p.padded_size for p, _ in pieces]
    try:
        piece_offsets(2048, sizes)
    except InvalidInput:
        return
    data = b"".join(sector_from_pieces(2048, [(p.padded_size, [d]) for p, d in pieces]))
    assert len(data) == 2048
    root = merkle.tree_root(merkle.TreeHasher.SHA254, 2, data)
    assert comm_d_from_pieces(2048, [p for p, _ in pieces]) == root


def test_invalid_pieces() -> None:
    with pytest.raises(InvalidInput):
        Piece(bytes(32), 100)
    with pytest.raises(InvalidInput):
        Piece(bytes(31), 128)
    with pytest.raises(InvalidInput):
        list(sector_from_pieces(2048, [(256, [bytes(128)])]))
