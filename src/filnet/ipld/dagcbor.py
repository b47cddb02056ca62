"""DAG-CBOR: strict, canonical CBOR with CIDs as tag 42, built on ``cbrrr``.

Data model (ipld/specs ``codecs/dag-cbor/spec.md``): ``None``, ``bool``, ``int`` in [-2**64, 2**64 - 1],
``bytes``, ``str``, lists, maps with string keys, and links (:class:`CID`, tag 42 over the binary CID with a
leading 0x00 byte). Floats are allowed only as they are in ``cbrrr`` and the spec: always written as 64-bit,
NaN and ±Infinity rejected, 16- and 32-bit floats rejected on decode. Filecoin data never holds floats.

What ``cbrrr`` already rejects on decode (each case is tested in ``tests/ipld/test_dagcbor.py``): non-minimal
integers and lengths, indefinite lengths, unsorted or duplicate map keys (length first, then bytewise),
non-string keys, tags other than 42, ``undefined`` and other simple values, half and single floats, NaN and
Infinity, tag-42 payloads that are not bytes or do not start with 0x00, lengths beyond the input. What this
module adds: invalid UTF-8, trailing bytes, links that are not valid CIDs (our own :class:`CID` parses them),
nesting deeper than :data:`MAX_DEPTH`, and one error type -- :class:`DecodeError` -- for all of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final, cast

from cbrrr import _cbrrr

from filnet.errors import DecodeError, InvalidInput, UnsupportedCodec
from filnet.ipld.cid import CID

#: Deepest nesting of lists and maps accepted on decode. Real IPLD data stays far below; the bound keeps
#: decoded values safe for recursive Python code (the interpreter's own limit is 1000 frames).
MAX_DEPTH: Final = 512
#: Every byte value except 0x80..0xbf, the initial bytes of list (major type 4) and map (5) heads.
_NOT_CONTAINER_HEADS: Final = bytes(b for b in range(256) if not 0x80 <= b < 0xC0)

# cbrrr's public ``decode_dag_cbor`` drops the number of bytes consumed, which we need to name the offset
# of trailing bytes; its C entry point returns ``(value, length)``. Pinned by ``cbrrr>=1.1,<2``.
# Its stub types the input as ``bytes``; memoryview works as well (any buffer does).
_decode_raw = cast(
    "Callable[[bytes | memoryview, Callable[[bytes], CID], bool], tuple[Any, int]]", _cbrrr.decode_dag_cbor
)
_encode_raw: Callable[[Any, type[CID], bool], bytes] = _cbrrr.encode_dag_cbor


class _LinkError(ValueError):
    """Raised through cbrrr's C code from :func:`_cid_from_link`; turned into :class:`DecodeError`."""


#: CIDs already built from their bytes: state blocks link the same code and head CIDs over and over.
_LINKS: dict[bytes, CID] = {}
_LINKS_LIMIT: Final = 65_536


def _cid_from_link(raw: bytes) -> CID:
    """Build a :class:`CID` from a tag-42 payload (cbrrr has already checked and stripped the 0x00)."""
    cid = _LINKS.get(raw)
    if cid is not None:
        return cid
    try:
        cid = CID.decode(raw)
    except (DecodeError, UnsupportedCodec) as e:
        reason = e.reason if isinstance(e, DecodeError) else str(e)
        raise _LinkError(f"tag 42 holds an invalid CID: {reason}") from None
    if len(_LINKS) >= _LINKS_LIMIT:
        _LINKS.clear()
    _LINKS[raw] = cid
    return cid


# -- encoding ----------------------------------------------------------------------------------------


def encode(obj: Any) -> bytes:
    """The canonical DAG-CBOR bytes of ``obj``; :class:`InvalidInput` if it is outside the data model."""
    try:
        return _encode_raw(obj, CID, False)
    except TypeError:
        # cbrrr takes exactly list/dict/str/int/bytes; accept the other natural Python forms (tuples for
        # CBOR tuples, int and str subclasses, bytearray) by normalizing once, only when needed.
        pass
    except (ValueError, UnicodeEncodeError) as e:
        raise InvalidInput(f"cannot encode as DAG-CBOR: {e}") from None
    try:
        normal = _normalize(obj, 0)
    except RecursionError:
        # Only when the caller's own stack is already deep: our depth bound keeps us well below the limit.
        raise InvalidInput("cannot encode as DAG-CBOR: nesting too deep") from None
    try:
        return _encode_raw(normal, CID, False)
    except (TypeError, ValueError, UnicodeEncodeError) as e:
        raise InvalidInput(f"cannot encode as DAG-CBOR: {e}") from None


def _normalize(obj: Any, depth: int) -> Any:
    """``obj`` rewritten with only the exact types cbrrr encodes; :class:`InvalidInput` on anything else."""
    if depth > MAX_DEPTH:
        raise InvalidInput(f"cannot encode as DAG-CBOR: nesting deeper than {MAX_DEPTH}")
    if obj is None or isinstance(obj, (bool, float, CID)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, str):
        return str(obj)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return bytes(obj)
    if isinstance(obj, (list, tuple)):
        items = []
        for item in obj:  # a loop, not a comprehension: one frame per level, not two
            items.append(_normalize(item, depth + 1))
        return items
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                raise InvalidInput(f"cannot encode as DAG-CBOR: map key {key!r} is not a string")
            out[str(key)] = _normalize(value, depth + 1)
        return out
    raise InvalidInput(f"cannot encode as DAG-CBOR: unsupported type {type(obj).__name__}")


# -- decoding ----------------------------------------------------------------------------------------


def decode(data: bytes | memoryview) -> Any:
    """Decode one strict DAG-CBOR value spanning all of ``data``; links come back as :class:`CID`."""
    try:
        value, length = _decode_raw(data, _cid_from_link, False)
    except _LinkError as e:
        raise DecodeError(str(e)) from None
    except UnicodeDecodeError as e:
        raise DecodeError(f"invalid DAG-CBOR: string is not valid UTF-8 ({e.reason})") from None
    except (ValueError, TypeError, OverflowError) as e:  # CbrrrDecodeError is a ValueError
        raise DecodeError(f"invalid DAG-CBOR: {e}") from None
    if length != len(data):
        raise DecodeError(f"{len(data) - length} trailing bytes after the DAG-CBOR value", length)
    # Nesting depth is at most the number of list and map heads, and so at most the number of bytes that
    # could start one, counted anywhere (strings included). Counting them is one C-speed pass that spares
    # nearly every real block the walk in Python; blocks no longer than MAX_DEPTH skip even the count.
    if length > MAX_DEPTH and len(bytes(data).translate(None, _NOT_CONTAINER_HEADS)) > MAX_DEPTH:
        _check_depth(value)
    return value


def _check_depth(value: Any) -> None:
    """Raise :class:`DecodeError` if lists and maps in ``value`` nest deeper than :data:`MAX_DEPTH`."""
    if type(value) is not list and type(value) is not dict:
        return
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise DecodeError(f"DAG-CBOR nesting deeper than {MAX_DEPTH}")
        children = node.values() if type(node) is dict else node
        for child in children:
            if type(child) is list or type(child) is dict:
                stack.append((child, depth + 1))


def iter_links(obj: Any) -> Iterator[CID]:
    """Every :class:`CID` inside ``obj``, depth-first: lists in order, maps in their (decoded) key order."""
    stack: list[Any] = [obj]
    while stack:
        node = stack.pop()
        if isinstance(node, CID):
            yield node
        elif isinstance(node, (list, tuple)):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            stack.extend(reversed(node.values()))


# -- lenient link scanning ---------------------------------------------------------------------------

_TAG_CID: Final = 42
_INDEFINITE: Final = 31


def scan_links(data: bytes | memoryview) -> list[CID]:
    """The links of one well-formed CBOR item that need not be canonical DAG-CBOR, in byte order.

    Real Filecoin DAGs hold such blocks: every Lotus genesis links to the "genesis template" block
    ``bafyreiaqpwbbyjo4a42saasj36kkrpv4tsherf2e7bvezkert2a7dhonoi``, whose map keys are unsorted. Lotus walks
    them with cbor-gen's ``ScanForLinks``; this does the same: any key order and integer width, any tag
    (only 42 is a link), but definite lengths, tag-42 payloads that are 0x00-prefixed valid CIDs, and no
    trailing bytes. It never builds values, so lengths are only compared with what is left of the input.
    """
    buf = bytes(data)
    end = len(buf)
    links: list[CID] = []
    pos = 0
    remaining = 1  # items still to read; arrays and maps add their members
    while remaining:
        remaining -= 1
        start = pos
        major, arg, pos = _read_head(buf, pos, end)
        if major == 2 or major == 3:
            if arg > end - pos:
                raise DecodeError(f"string length {arg} exceeds the {end - pos} bytes left", start)
            pos += arg
        elif major == 4:
            remaining += arg
        elif major == 5:
            remaining += 2 * arg
        elif major == 6:
            if arg != _TAG_CID:
                remaining += 1  # the tagged item follows
                continue
            payload_at = pos
            major, arg, pos = _read_head(buf, pos, end)
            if major != 2 or arg > end - pos or arg == 0 or buf[pos] != 0:
                raise DecodeError("tag 42 must hold a byte string: 0x00 then a binary CID", payload_at)
            try:
                links.append(CID.decode(buf[pos + 1 : pos + arg]))
            except (DecodeError, UnsupportedCodec) as e:
                reason = e.reason if isinstance(e, DecodeError) else str(e)
                raise DecodeError(f"tag 42 holds an invalid CID: {reason}", payload_at) from None
            pos += arg
        # Majors 0, 1 and 7 (integers, floats, simple values) carry everything in their head.
    if pos != end:
        raise DecodeError(f"{end - pos} trailing bytes after the CBOR item", pos)
    return links


def _read_head(buf: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """A CBOR head at ``pos``: ``(major type, argument, offset after the head)``; definite lengths only."""
    if pos >= end:
        raise DecodeError("truncated CBOR item", pos)
    initial = buf[pos]
    major, info = initial >> 5, initial & 0x1F
    if info < 24:
        return major, info, pos + 1
    if info > 27:
        what = "indefinite length" if info == _INDEFINITE else f"reserved additional information {info}"
        raise DecodeError(f"CBOR {what} is not allowed", pos)
    width = 1 << (info - 24)
    if pos + 1 + width > end:
        raise DecodeError("truncated CBOR head", pos)
    return major, int.from_bytes(buf[pos + 1 : pos + 1 + width], "big"), pos + 1 + width
