"""DAG-PB: the protobuf block format of UnixFS, byte for byte as Kubo and go-codec-dagpb write it.

Schema (ipld/specs ``block-layer/codecs/dag-pb.md``)::

    message PBLink { optional bytes Hash = 1; optional string Name = 2; optional uint64 Tsize = 3; }
    message PBNode { repeated PBLink Links = 2; optional bytes Data = 1; }

The canonical byte form writes every ``Links`` entry *before* ``Data`` (against protobuf's usual field-number
order, a historical quirk of go-merkledag kept by every implementation) and the fields of a link in the order
Hash, Name, Tsize. Decoding is strict as the spec demands: exactly that order, no unknown or repeated fields,
the right wire types, a valid CID in every ``Hash``, valid UTF-8 in every ``Name``. Varints must also be
minimal; that is stricter than protobuf but every encoder writes them so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from filnet.errors import DecodeError, InvalidInput, UnsupportedCodec
from filnet.ipld.cid import CID
from filnet.ipld.protobuf import (
    UINT64_LIMIT,
    WIRE_BYTES,
    WIRE_VARINT,
    Fields,
    encode_varint,
    read_field_key,
    read_length_delimited,
    read_varint,
)

# Field keys are ``field_number << 3 | wire_type``; all of ours fit one byte, so a key byte >= 0x80 is
# always either an unknown field (number >= 16) or a non-minimal key, both invalid.
_NODE_DATA: Final = 1 << 3 | WIRE_BYTES  # 0x0a
_NODE_LINKS: Final = 2 << 3 | WIRE_BYTES  # 0x12
_LINK_HASH: Final = 1 << 3 | WIRE_BYTES  # 0x0a
_LINK_NAME: Final = 2 << 3 | WIRE_BYTES  # 0x12
_LINK_TSIZE: Final = 3 << 3 | WIRE_VARINT  # 0x18

_NODE_FIELDS: Final = {1: ("Data", WIRE_BYTES), 2: ("Links", WIRE_BYTES)}
_LINK_FIELDS: Final = {1: ("Hash", WIRE_BYTES), 2: ("Name", WIRE_BYTES), 3: ("Tsize", WIRE_VARINT)}


@dataclass(frozen=True, slots=True)
class PBLink:
    """A named, sized link from a DAG-PB node to another block."""

    hash: CID
    name: str | None = None
    tsize: int | None = None


@dataclass(frozen=True, slots=True)
class PBNode:
    """A DAG-PB node: links (in the order given) and optional opaque data."""

    links: tuple[PBLink, ...] = ()
    data: bytes | None = None


# -- encoding ----------------------------------------------------------------------------------------


def _encode_link(link: PBLink, index: int) -> bytes:
    """The protobuf body of one PBLink (without its key and length)."""
    if not isinstance(link.hash, CID):
        raise InvalidInput(f"PBLink {index}: hash must be a CID, got {type(link.hash).__name__}")
    cid = bytes(link.hash)
    out = bytearray((_LINK_HASH,))
    out += encode_varint(len(cid))
    out += cid
    if link.name is not None:
        try:
            name = link.name.encode("utf-8")
        except (UnicodeEncodeError, AttributeError):
            raise InvalidInput(f"PBLink {index}: name {link.name!r} is not a valid UTF-8 string") from None
        out.append(_LINK_NAME)
        out += encode_varint(len(name))
        out += name
    if link.tsize is not None:
        tsize = link.tsize
        if not isinstance(tsize, int) or isinstance(tsize, bool) or not 0 <= tsize < UINT64_LIMIT:
            raise InvalidInput(f"PBLink {index}: tsize {tsize!r} is not an unsigned 64-bit integer")
        out.append(_LINK_TSIZE)
        out += encode_varint(tsize)
    return bytes(out)


def encode(node: PBNode) -> bytes:
    """The canonical DAG-PB bytes of ``node``: all links first, then the data."""
    out = bytearray()
    for index, link in enumerate(node.links):
        body = _encode_link(link, index)
        out.append(_NODE_LINKS)
        out += encode_varint(len(body))
        out += body
    if node.data is not None:
        if not isinstance(node.data, (bytes, bytearray, memoryview)):
            raise InvalidInput(f"PBNode data must be bytes, got {type(node.data).__name__}")
        out.append(_NODE_DATA)
        out += encode_varint(len(node.data))
        out += node.data
    return bytes(out)


# -- decoding ----------------------------------------------------------------------------------------


def _bad_key(buf: bytes, pos: int, end: int, fields: Fields, message: str) -> DecodeError:
    """The error for an unexpected field key at ``pos`` of a ``message``."""
    _, name, _, _ = read_field_key(buf, pos, end, fields, message)  # raises for unknown fields and wire types
    return DecodeError(f"{message}.{name} repeated or out of canonical order", pos)


def _decode_link(buf: bytes, pos: int, end: int) -> PBLink:
    """Decode the PBLink that spans ``buf[pos:end]``."""
    if pos >= end or buf[pos] != _LINK_HASH:
        if pos >= end:
            raise DecodeError("PBLink without Hash", pos)
        if buf[pos] in (_LINK_NAME, _LINK_TSIZE):
            raise DecodeError("PBLink field before Hash: Hash must come first", pos)
        raise _bad_key(buf, pos, end, _LINK_FIELDS, "PBLink")
    start, stop = read_length_delimited(buf, pos + 1, end, "PBLink.Hash")
    try:
        cid = CID.decode(buf[start:stop])
    except (DecodeError, UnsupportedCodec) as e:
        reason = e.reason if isinstance(e, DecodeError) else str(e)
        raise DecodeError(f"PBLink.Hash is not a valid CID: {reason}", start) from None
    pos = stop
    name = None
    if pos < end and buf[pos] == _LINK_NAME:
        start, stop = read_length_delimited(buf, pos + 1, end, "PBLink.Name")
        try:
            name = buf[start:stop].decode("utf-8")
        except UnicodeDecodeError as e:
            raise DecodeError("PBLink.Name is not valid UTF-8", start + e.start) from None
        pos = stop
    tsize = None
    if pos < end and buf[pos] == _LINK_TSIZE:
        tsize, pos = read_varint(buf, pos + 1, end)
    if pos != end:
        raise _bad_key(buf, pos, end, _LINK_FIELDS, "PBLink")
    return PBLink(cid, name, tsize)


def decode(data: bytes | memoryview) -> PBNode:
    """Decode canonical DAG-PB bytes; :class:`DecodeError` (with the offset) on anything else."""
    buf = bytes(data)
    end = len(buf)
    pos = 0
    links: list[PBLink] = []
    node_data: bytes | None = None
    while pos < end:
        key = buf[pos]
        if key == _NODE_LINKS and node_data is None:
            start, stop = read_length_delimited(buf, pos + 1, end, "PBNode.Links")
            links.append(_decode_link(buf, start, stop))
            pos = stop
        elif key == _NODE_DATA and node_data is None:
            start, stop = read_length_delimited(buf, pos + 1, end, "PBNode.Data")
            node_data = buf[start:stop]
            pos = stop
        else:
            if key == _NODE_LINKS:
                raise DecodeError("PBNode.Links after Data: links must come first", pos)
            raise _bad_key(buf, pos, end, _NODE_FIELDS, "PBNode")
    return PBNode(tuple(links), node_data)
