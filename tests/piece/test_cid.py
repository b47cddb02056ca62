"""Piece CIDs v1 and v2: FRC-0069's test cases, conversions, and rejection of everything else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.errors import InvalidInput
from filnet.ipld import codecs, multihash
from filnet.ipld.cid import CID
from filnet.ipld.varint import encode_uvarint
from filnet.piece import size
from filnet.piece.cid import (
    ParsedPieceCid,
    parse_piece_cid,
    piece_cid_v1,
    piece_cid_v1_from_v2,
    piece_cid_v2,
    piece_cid_v2_from_v1,
    v2_height_and_padding,
)
from filnet.piece.commp import zero_commitment

# FRC-0069 "Test Cases": (v1 CID, payload size, v2 CID, padding, height).
FRC_0069_CASES = [
    (
        "baga6ea4seaqes3nobte6ezpp4wqan2age2s5yxcatzotcvobhgcmv5wi2xh5mbi",
        127 * 4,
        "bafkzcibcaaces3nobte6ezpp4wqan2age2s5yxcatzotcvobhgcmv5wi2xh5mbi",
        0,
        4,
    ),
    (
        "baga6ea4seaqdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy",
        0,
        "bafkzcibcp4bdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy",
        127,
        2,
    ),
    (
        "baga6ea4seaqdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy",
        127,
        "bafkzcibcaabdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy",
        0,
        2,
    ),
    (
        "baga6ea4seaqgiktap34inmaex4wbs6cghlq5i2j2yd2bb2zndn5ep7ralzphkdy",
        128,
        "bafkzcibcpybwiktap34inmaex4wbs6cghlq5i2j2yd2bb2zndn5ep7ralzphkdy",
        126,
        3,
    ),
    (
        "baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq",
        (32 << 30) // 128 * 127,
        "bafkzcibcaapao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq",
        0,
        30,
    ),
    (
        "baga6ea4seaqomqafu276g53zko4k23xzh4h4uecjwicbmvhsuqi7o4bhthhm4aq",
        (64 << 30) // 128 * 127,
        "bafkzcibcaap6mqafu276g53zko4k23xzh4h4uecjwicbmvhsuqi7o4bhthhm4aq",
        0,
        31,
    ),
    (
        "baga6ea4seaqn42av3szurbbscwuu3zjssvfwbpsvbjf6y3tukvlgl2nf5rha6pa",
        127 * 8,
        "bafkzcibcaac542av3szurbbscwuu3zjssvfwbpsvbjf6y3tukvlgl2nf5rha6pa",
        0,
        5,
    ),
    (
        "baga6ea4seaqn42av3szurbbscwuu3zjssvfwbpsvbjf6y3tukvlgl2nf5rha6pa",
        128 * 4,
        "bafkzcibd7abqlxticxolgseegik2stpfgkkuwyf6kufex3doorkvmzpjuxwe4dz4",
        504,
        5,
    ),
    (
        "baga6ea4seaqn42av3szurbbscwuu3zjssvfwbpsvbjf6y3tukvlgl2nf5rha6pa",
        128 * 4 + 1,
        "bafkzcibd64bqlxticxolgseegik2stpfgkkuwyf6kufex3doorkvmzpjuxwe4dz4",
        503,
        5,
    ),
]

commitments = st.binary(min_size=32, max_size=32).map(lambda b: b[:31] + bytes([b[31] & 0x3F]))


@pytest.mark.parametrize(("v1", "payload_size", "v2", "padding", "height"), FRC_0069_CASES)
def test_frc_0069_cases(v1: str, payload_size: int, v2: str, padding: int, height: int) -> None:
    commp = parse_piece_cid(v1).commp
    assert str(piece_cid_v1(commp)) == v1
    assert str(piece_cid_v2(commp, payload_size)) == v2
    assert str(piece_cid_v2_from_v1(v1, payload_size)) == v2
    assert v2_height_and_padding(payload_size) == (height, padding)
    parsed = parse_piece_cid(v2)
    assert parsed == ParsedPieceCid(commp, 32 << height, payload_size)
    v1_again, size_again = piece_cid_v1_from_v2(CID.parse(v2))
    assert (str(v1_again), size_again) == (v1, payload_size)


def test_frc_0069_zero_pieces_are_zero_commitments() -> None:
    assert parse_piece_cid(FRC_0069_CASES[1][0]).commp == zero_commitment(2)
    assert parse_piece_cid(FRC_0069_CASES[4][0]).commp == zero_commitment(30)
    assert parse_piece_cid(FRC_0069_CASES[5][0]).commp == zero_commitment(31)


def test_v1_parse_has_no_sizes() -> None:
    parsed = parse_piece_cid(FRC_0069_CASES[0][0])
    assert (parsed.padded_size, parsed.payload_size) == (None, None)


@settings(max_examples=200, deadline=None)
@given(commp=commitments, payload_size=st.integers(0, (32 << size.MAX_TREE_HEIGHT) // 128 * 127))
def test_v2_round_trip(commp: bytes, payload_size: int) -> None:
    cid = piece_cid_v2(commp, payload_size)
    text = str(cid)
    assert text.startswith("bafkzcib")
    parsed = parse_piece_cid(text)
    assert parsed.commp == commp
    assert parsed.payload_size == payload_size
    assert parsed.padded_size == size.padded_size_for(payload_size)
    assert piece_cid_v1_from_v2(cid) == (piece_cid_v1(commp), payload_size)


def v2_cid(padding: int, height: int, root: bytes = bytes(32)) -> CID:
    """A v2 piece CID with arbitrary (possibly invalid) fields."""
    digest = encode_uvarint(padding) + bytes([height]) + root
    return CID.v1(codecs.RAW, multihash.FR32_SHA256_TRUNC254_PADBINTREE, digest)


def test_invalid_v2_padding_and_height() -> None:
    # Height 3 (254 bytes): padding must stay below 127 (else the payload fits a height-2 tree).
    assert parse_piece_cid(v2_cid(126, 3)).payload_size == 128
    with pytest.raises(InvalidInput, match="padding"):
        parse_piece_cid(v2_cid(127, 3))
    # Height 2 takes any payload of 0..127 bytes.
    assert parse_piece_cid(v2_cid(127, 2)).payload_size == 0
    with pytest.raises(InvalidInput, match="padding"):
        parse_piece_cid(v2_cid(128, 2))
    for height in (0, 1, size.MAX_TREE_HEIGHT + 1, 255):
        with pytest.raises(InvalidInput, match="height"):
            parse_piece_cid(v2_cid(0, height))


def test_invalid_codecs_hashes_and_commitments() -> None:
    root = bytes(32)
    with pytest.raises(InvalidInput, match="codec"):
        parse_piece_cid(CID.v1(codecs.RAW, multihash.SHA2_256_TRUNC254_PADDED, root))
    with pytest.raises(InvalidInput, match="codec"):
        parse_piece_cid(
            CID.v1(codecs.FIL_COMMITMENT_UNSEALED, multihash.FR32_SHA256_TRUNC254_PADBINTREE, root)
        )
    with pytest.raises(InvalidInput, match="not a piece CID"):
        parse_piece_cid(CID.compute(codecs.RAW, b"hello"))
    with pytest.raises(InvalidInput, match="CIDv0"):
        parse_piece_cid(CID.v0(root))
    with pytest.raises(InvalidInput, match="top two bits"):
        piece_cid_v1(b"\xff" * 32)
    with pytest.raises(InvalidInput, match="32 bytes"):
        piece_cid_v2(bytes(31), 100)
    with pytest.raises(InvalidInput, match="top two bits"):
        parse_piece_cid(v2_cid(0, 5, b"\xff" * 32))
    with pytest.raises(InvalidInput, match="already a v2"):
        piece_cid_v2_from_v1(v2_cid(0, 5), 1000)
    with pytest.raises(InvalidInput, match="v1 piece CID"):
        piece_cid_v1_from_v2(FRC_0069_CASES[0][0])
    with pytest.raises(InvalidInput):
        piece_cid_v2(bytes(32), -1)
    with pytest.raises(InvalidInput, match="largest"):
        piece_cid_v2(bytes(32), (32 << size.MAX_TREE_HEIGHT) // 128 * 127 + 1)


@settings(max_examples=300, deadline=None)
@given(digest=st.binary(max_size=45))
def test_parse_fuzz_v2_digests(digest: bytes) -> None:
    # Any digest bytes: a valid result or an InvalidInput, nothing else.
    cid = CID.v1(codecs.RAW, multihash.FR32_SHA256_TRUNC254_PADBINTREE, digest)
    try:
        parsed = parse_piece_cid(cid)
    except InvalidInput:
        return
    assert parsed.payload_size is not None
    assert piece_cid_v2(parsed.commp, parsed.payload_size) == cid


@settings(max_examples=200, deadline=None)
@given(commp=commitments, payload_size=st.integers(0, 1 << 40), data=st.data())
def test_parse_fuzz_mutated_strings(commp: bytes, payload_size: int, data: st.DataObject) -> None:
    text = str(piece_cid_v2(commp, payload_size))
    pos = data.draw(st.integers(1, len(text) - 1))
    mutated = text[:pos] + data.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz234567")) + text[pos + 1 :]
    try:
        parsed = parse_piece_cid(mutated)
    except InvalidInput:
        return
    # Whatever parsed must re-encode to the very CID that was read.
    if parsed.payload_size is None:
        assert piece_cid_v1(parsed.commp) == CID.parse(mutated)
    else:
        assert piece_cid_v2(parsed.commp, parsed.payload_size) == CID.parse(mutated)
