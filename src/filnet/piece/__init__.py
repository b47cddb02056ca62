"""Filecoin pieces: Fr32 padding, CommP and piece CIDs (v1 and FRC-0069 v2)."""

from filnet.piece.cid import (
    ParsedPieceCid,
    parse_piece_cid,
    piece_cid_v1,
    piece_cid_v1_from_v2,
    piece_cid_v2,
    piece_cid_v2_from_v1,
)
from filnet.piece.commp import CommP, PieceInfo, commp_of_bytes, commp_of_stream, zero_commitment

__all__ = [
    "CommP",
    "ParsedPieceCid",
    "PieceInfo",
    "commp_of_bytes",
    "commp_of_stream",
    "parse_piece_cid",
    "piece_cid_v1",
    "piece_cid_v1_from_v2",
    "piece_cid_v2",
    "piece_cid_v2_from_v1",
    "zero_commitment",
]
