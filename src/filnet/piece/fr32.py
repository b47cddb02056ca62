"""Fr32 padding: 127 bytes of data become 128 bytes made of four BLS12-381 field elements.

Read a 127-byte *quad* as one little-endian integer N of 1016 bits; output chunk k (k = 0..3) is bits
[254k, 254k + 254) of N written as 32 little-endian bytes. Each chunk's two top bits are therefore zero, so
it is below 2^254 and a valid field element (rust-fil-proofs ``fr32``, go-fil-commp-hashhash).

``pad``/``unpad`` use the native fast path when it is built; ``pad_reference``/``unpad_reference`` are the
readable definitions it is tested against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Final

from filnet.errors import DecodeError, InvalidInput

_Convert = Callable[[bytes | bytearray | memoryview], bytes]
_native_pad: _Convert | None
_native_unpad: _Convert | None
try:
    from filnet.piece import _native

    _native_pad, _native_unpad = _native.fr32_pad, _native.fr32_unpad
except ImportError:  # pragma: no cover - the extension is built by `make install`
    _native_pad = _native_unpad = None

#: Unpadded bytes per quad.
QUAD_IN: Final = 127
#: Padded bytes per quad (four 32-byte chunks).
QUAD_OUT: Final = 128
_CHUNK_BITS: Final = 254
_CHUNK_MASK: Final = (1 << _CHUNK_BITS) - 1


def pad_quad(quad: bytes) -> bytes:
    """The 128 padded bytes of one 127-byte quad."""
    n = int.from_bytes(quad, "little")
    return b"".join(((n >> (_CHUNK_BITS * k)) & _CHUNK_MASK).to_bytes(32, "little") for k in range(4))


def unpad_quad(padded: bytes, offset: int = 0) -> bytes:
    """The 127 data bytes of one padded quad; ``offset`` (the quad's position) locates errors."""
    n = 0
    for k in range(4):
        chunk = padded[32 * k : 32 * k + 32]
        if chunk[31] & 0xC0:
            raise DecodeError("Fr32 chunk has its top two bits set", offset + 32 * k + 31)
        n |= int.from_bytes(chunk, "little") << (_CHUNK_BITS * k)
    return n.to_bytes(QUAD_IN, "little")


def pad_reference(data: bytes) -> bytes:
    """Fr32-pad ``data`` (a whole number of quads), one quad at a time."""
    _check_length(len(data), QUAD_IN, "Fr32 input")
    return b"".join(pad_quad(data[i : i + QUAD_IN]) for i in range(0, len(data), QUAD_IN))


def unpad_reference(data: bytes) -> bytes:
    """Undo Fr32 padding of ``data`` (a whole number of padded quads), one quad at a time."""
    _check_length(len(data), QUAD_OUT, "Fr32 padded input")
    return b"".join(unpad_quad(data[i : i + QUAD_OUT], i) for i in range(0, len(data), QUAD_OUT))


def pad(data: bytes | bytearray | memoryview) -> bytes:
    """Fr32-pad ``data``, whose length must be a multiple of 127."""
    _check_length(len(data), QUAD_IN, "Fr32 input")
    if _native_pad is None:
        return pad_reference(bytes(data))
    return _native_pad(data)


def unpad(data: bytes | bytearray | memoryview) -> bytes:
    """Undo Fr32 padding; the length must be a multiple of 128 and every chunk below 2^254."""
    _check_length(len(data), QUAD_OUT, "Fr32 padded input")
    if _native_unpad is None:
        return unpad_reference(bytes(data))
    try:
        return _native_unpad(data)
    except ValueError as e:
        message, offset = e.args
        raise DecodeError(message, offset) from None


def pad_stream(chunks: Iterable[bytes | bytearray | memoryview]) -> Iterator[bytes]:
    """Fr32-pad a stream given as byte chunks of any sizes; the total must be a multiple of 127."""
    return _restream(chunks, QUAD_IN, pad, "Fr32 input")


def unpad_stream(chunks: Iterable[bytes | bytearray | memoryview]) -> Iterator[bytes]:
    """Undo Fr32 padding of a stream of byte chunks; the total must be a multiple of 128."""
    return _restream(chunks, QUAD_OUT, unpad, "Fr32 padded input")


def _restream(
    chunks: Iterable[bytes | bytearray | memoryview],
    unit: int,
    convert: Callable[[bytes | bytearray | memoryview], bytes],
    what: str,
) -> Iterator[bytes]:
    """Regroup ``chunks`` into whole units, convert each group, keep the remainder for the next chunk."""
    carry = bytearray()
    consumed = 0
    for chunk in chunks:
        carry += chunk
        whole = len(carry) - len(carry) % unit
        if whole:
            block = bytes(carry[:whole])
            del carry[:whole]
            try:
                yield convert(block)
            except DecodeError as e:
                raise DecodeError(e.reason, None if e.offset is None else consumed + e.offset) from None
            consumed += whole
    if carry:
        raise InvalidInput(f"{what} ends with {len(carry)} bytes, not a whole {unit}-byte unit")


def _check_length(length: int, unit: int, what: str) -> None:
    """Raise InvalidInput unless ``length`` is a whole number of ``unit``-byte units."""
    if length % unit:
        raise InvalidInput(f"{what} length {length} is not a multiple of {unit}")
