"""The BLS12-381 scalar field Fr: the field of Poseidon, of Filecoin's commitments and of its Merkle nodes.

Elements are plain ``int`` values in ``[0, R)``. On disk and on the wire they are 32 bytes, little-endian, as
Filecoin stores them (``Fr::to_repr`` in bellperson/blstrs). Reading bytes is strict: a value >= R is not a
field element and raises :class:`DecodeError` rather than being silently reduced, because a prover who could
pick between x and x + R for the same element could forge paths.
"""

from __future__ import annotations

from collections.abc import Iterator

from filnet.errors import DecodeError, InvalidInput

#: The order of the BLS12-381 scalar field (the group order r of G1 and G2).
R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001

#: Bytes of one encoded field element.
FR_BYTES = 32

#: Bits of R (255); the top bit of byte 31 is therefore always zero in a canonical encoding.
FR_BITS = R.bit_length()


def fr_add(a: int, b: int) -> int:
    """a + b in Fr."""
    return (a + b) % R


def fr_sub(a: int, b: int) -> int:
    """a - b in Fr."""
    return (a - b) % R


def fr_mul(a: int, b: int) -> int:
    """a * b in Fr."""
    return (a * b) % R


def fr_pow(a: int, e: int) -> int:
    """a ** e in Fr (e >= 0)."""
    return pow(a, e, R)


def fr_inv(a: int) -> int:
    """The multiplicative inverse of a non-zero element."""
    if a % R == 0:
        raise InvalidInput("zero has no inverse in Fr")
    return pow(a, -1, R)


def fr_to_bytes(a: int) -> bytes:
    """The 32-byte little-endian encoding of a field element."""
    if not 0 <= a < R:
        raise InvalidInput(f"{a:#x} is not a field element (must be in [0, r))")
    return a.to_bytes(FR_BYTES, "little")


def fr_from_bytes(data: bytes | bytearray | memoryview, offset: int = 0) -> int:
    """Read one canonical field element from ``data[offset:offset + 32]``; a value >= r is a DecodeError."""
    if offset < 0 or len(data) - offset < FR_BYTES:
        raise DecodeError(
            f"a field element needs {FR_BYTES} bytes, {max(0, len(data) - offset)} remain", offset
        )
    value = int.from_bytes(data[offset : offset + FR_BYTES], "little")
    if value >= R:
        raise DecodeError("32-byte value is not a canonical field element (>= r)", offset)
    return value


def fr_iter(data: bytes | bytearray | memoryview) -> Iterator[int]:
    """Read a whole buffer of concatenated canonical field elements."""
    if len(data) % FR_BYTES:
        raise DecodeError(
            f"length {len(data)} is not a multiple of {FR_BYTES}", len(data) - len(data) % FR_BYTES
        )
    for offset in range(0, len(data), FR_BYTES):
        yield fr_from_bytes(data, offset)


def first_noncanonical(data: bytes | bytearray | memoryview) -> int:
    """Byte offset of the first 32-byte element >= r in ``data``, or -1 when every element is canonical."""
    view = memoryview(data)
    # Only byte 31 decides in almost every case: r's top byte is 0x73, so smaller top bytes are canonical.
    for offset in range(FR_BYTES - 1, len(view), FR_BYTES):
        top = view[offset]
        if top > 0x73 or (top == 0x73 and int.from_bytes(view[offset - 31 : offset + 1], "little") >= R):
            return offset - (FR_BYTES - 1)
    return -1


def check_canonical(data: bytes | bytearray | memoryview) -> None:
    """Raise DecodeError (with the byte offset) unless ``data`` is a whole run of canonical elements."""
    if len(data) % FR_BYTES:
        raise DecodeError(
            f"length {len(data)} is not a multiple of {FR_BYTES}", len(data) - len(data) % FR_BYTES
        )
    bad = first_noncanonical(data)
    if bad >= 0:
        raise DecodeError("32-byte value is not a canonical field element (>= r)", bad)
