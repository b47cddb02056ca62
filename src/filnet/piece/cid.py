"""Piece CIDs: v1 (the commitment alone) and v2 (FRC-0069: the commitment with its tree height and padding).

* v1: CIDv1, codec ``fil-commitment-unsealed`` (0xf101), multihash ``sha2-256-trunc254-padded`` (0x1012),
  digest = CommP. Written ``baga6ea4sea…``. It says nothing about the piece's size.
* v2: CIDv1, codec ``raw`` (0x55), multihash ``fr32-sha256-trunc254-padbintree`` (0x1011), digest =
  ``uvarint(padding) ‖ u8(height) ‖ CommP``. Written ``bafkzcib…``. ``height`` is log2(padded size / 32);
  ``padding`` is the number of zero bytes appended to the payload to fill the tree's capacity
  (127 · 2^(height-2) bytes), so the payload size is recoverable.

FRC-0069 requires the tree to be the smallest that holds the payload: the padding is less than the payload
(less than half the capacity), except in the smallest tree (height 2, 127 bytes), which any payload of up to
127 bytes pads up to (its test case: an empty payload has padding 127). go-fil-commcid is stricter there
(payload at least 65 bytes when parsing, 127 when building); filnet follows the FRC.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from filnet.errors import DecodeError, InvalidInput
from filnet.ipld import codecs, multihash
from filnet.ipld.cid import CID
from filnet.ipld.varint import decode_uvarint, encode_uvarint
from filnet.piece import size

#: CommP (and any sha254 node) is 32 bytes.
COMMP_SIZE: Final = 32


class ParsedPieceCid(NamedTuple):
    """What a piece CID says: the commitment, and for v2 also the padded and payload sizes."""

    commp: bytes
    padded_size: int | None
    payload_size: int | None


def _check_commp(commp: bytes) -> bytes:
    """Return ``commp`` as bytes if it is a 32-byte sha254 node, else raise InvalidInput."""
    if len(commp) != COMMP_SIZE:
        raise InvalidInput(f"a piece commitment is 32 bytes, got {len(commp)}")
    if commp[31] & 0xC0:
        raise InvalidInput("a piece commitment has the top two bits of byte 31 cleared (sha254)")
    return bytes(commp)


def piece_cid_v1(commp: bytes) -> CID:
    """The v1 piece CID (``baga6ea4sea…``) of a CommP."""
    return CID.v1(codecs.FIL_COMMITMENT_UNSEALED, multihash.SHA2_256_TRUNC254_PADDED, _check_commp(commp))


def v2_height_and_padding(payload_size: int) -> tuple[int, int]:
    """FRC-0069 tree height and padding of a payload of ``payload_size`` bytes."""
    padded = size.padded_size_for(payload_size)
    return size.tree_height(padded), size.unpadded_size(padded) - payload_size


def piece_cid_v2(commp: bytes, payload_size: int) -> CID:
    """The v2 piece CID (``bafkzcib…``) of a CommP over ``payload_size`` payload bytes."""
    height, padding = v2_height_and_padding(payload_size)
    digest = encode_uvarint(padding) + bytes([height]) + _check_commp(commp)
    return CID.v1(codecs.RAW, multihash.FR32_SHA256_TRUNC254_PADBINTREE, digest)


def parse_piece_cid(value: str | CID) -> ParsedPieceCid:
    """Read a v1 or v2 piece CID (string or CID); sizes are None for v1, which does not carry them."""
    cid = CID.parse(value) if isinstance(value, str) else value
    if cid.version != 1:
        raise InvalidInput(f"{cid} is a CIDv0, not a piece CID")
    if cid.hash_code == multihash.SHA2_256_TRUNC254_PADDED:
        if cid.codec != codecs.FIL_COMMITMENT_UNSEALED:
            raise InvalidInput(
                f"v1 piece CID {cid} has codec {cid.codec_name}, expected fil-commitment-unsealed"
            )
        return ParsedPieceCid(_check_commp(cid.digest), None, None)
    if cid.hash_code == multihash.FR32_SHA256_TRUNC254_PADBINTREE:
        if cid.codec != codecs.RAW:
            raise InvalidInput(f"v2 piece CID {cid} has codec {cid.codec_name}, expected raw")
        return _parse_v2_digest(cid.digest)
    raise InvalidInput(
        f"{cid} is not a piece CID: multihash {cid.hash_name}, expected sha2-256-trunc254-padded (v1) "
        "or fr32-sha256-trunc254-padbintree (v2)"
    )


def _parse_v2_digest(digest: bytes) -> ParsedPieceCid:
    """Split and validate ``uvarint(padding) ‖ u8(height) ‖ root``."""
    padding, pos = decode_uvarint(digest, 0)
    if len(digest) - pos != 1 + COMMP_SIZE:
        raise DecodeError(
            f"v2 piece digest has {len(digest) - pos} bytes after the padding, expected 33", pos
        )
    height = digest[pos]
    if not size.MIN_TREE_HEIGHT <= height <= size.MAX_TREE_HEIGHT:
        raise DecodeError(
            f"v2 piece tree height {height} outside {size.MIN_TREE_HEIGHT}..{size.MAX_TREE_HEIGHT}", pos
        )
    padded = size.padded_size_of_height(height)
    capacity = size.unpadded_size(padded)
    # The smallest tree takes any payload up to its capacity; a larger one must be needed (padding < half).
    limit = capacity if height == size.MIN_TREE_HEIGHT else capacity // 2 - 1
    if padding > limit:
        raise DecodeError(
            f"v2 piece padding {padding} too large for a tree of height {height} (at most {limit})", 0
        )
    return ParsedPieceCid(_check_commp(digest[pos + 1 :]), padded, capacity - padding)


def piece_cid_v2_from_v1(cid_v1: str | CID, payload_size: int) -> CID:
    """The v2 piece CID of a v1 piece CID whose payload has ``payload_size`` bytes."""
    parsed = parse_piece_cid(cid_v1)
    if parsed.padded_size is not None:
        raise InvalidInput(f"{cid_v1} is already a v2 piece CID")
    return piece_cid_v2(parsed.commp, payload_size)


def piece_cid_v1_from_v2(cid_v2: str | CID) -> tuple[CID, int]:
    """The v1 piece CID and the payload size that a v2 piece CID carries."""
    parsed = parse_piece_cid(cid_v2)
    if parsed.payload_size is None:
        raise InvalidInput(f"{cid_v2} is a v1 piece CID, not v2")
    return piece_cid_v1(parsed.commp), parsed.payload_size
