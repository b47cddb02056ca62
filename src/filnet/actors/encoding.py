"""Checked conversions from decoded DAG-CBOR values to the typed fields of actor state.

Actor states are CBOR tuples (arrays with a fixed field order, as builtin-actors' ``tuple`` serde and
Lotus's cbor-gen write them). These helpers raise :class:`DecodeError` naming the type and field that is
wrong, so a hostile or corrupt state never surfaces as an IndexError or a TypeError.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Final, Self

from filnet.core.address import Address
from filnet.core.token import TokenAmount, decode_bigint, encode_bigint
from filnet.core.types import ChainEpoch
from filnet.errors import DecodeError, InvalidInput
from filnet.ipld import dagcbor
from filnet.ipld.bitfield import BitField
from filnet.ipld.cid import CID
from filnet.ipld.varint import decode_uvarint, encode_uvarint

INT64_MIN: Final = -(1 << 63)
INT64_MAX: Final = (1 << 63) - 1
UINT64_MAX: Final = (1 << 64) - 1


def fields(raw: Any, count: int, what: str) -> list[Any]:
    """The elements of a CBOR tuple of exactly ``count`` fields."""
    if not isinstance(raw, list) or len(raw) != count:
        got = f"{len(raw)} fields" if isinstance(raw, list) else type(raw).__name__
        raise DecodeError(f"{what}: expected a tuple of {count} fields, got {got}")
    return raw


def decode_block(data: bytes, what: str) -> Any:
    """Decode a state block, naming the type on failure."""
    try:
        return dagcbor.decode(data)
    except DecodeError as e:
        raise DecodeError(f"{what}: {e.reason}") from None


def as_uint(raw: Any, what: str) -> int:
    """An unsigned 64-bit integer field."""
    if type(raw) is not int or not 0 <= raw <= UINT64_MAX:
        raise DecodeError(f"{what}: expected an unsigned 64-bit integer, got {raw!r}")
    return raw


def as_int(raw: Any, what: str) -> int:
    """A signed 64-bit integer field (epochs, transaction IDs)."""
    if type(raw) is not int or not INT64_MIN <= raw <= INT64_MAX:
        raise DecodeError(f"{what}: expected a signed 64-bit integer, got {raw!r}")
    return raw


def as_bytes(raw: Any, what: str) -> bytes:
    """A byte-string field."""
    if not isinstance(raw, bytes):
        raise DecodeError(f"{what}: expected bytes, got {type(raw).__name__}")
    return raw


def as_str(raw: Any, what: str) -> str:
    """A text-string field."""
    if not isinstance(raw, str):
        raise DecodeError(f"{what}: expected a string, got {type(raw).__name__}")
    return raw


def as_cid(raw: Any, what: str) -> CID:
    """A link field."""
    if not isinstance(raw, CID):
        raise DecodeError(f"{what}: expected a link, got {type(raw).__name__}")
    return raw


def as_list(raw: Any, what: str) -> list[Any]:
    """An array field."""
    if not isinstance(raw, list):
        raise DecodeError(f"{what}: expected an array, got {type(raw).__name__}")
    return raw


def as_bigint(raw: Any, what: str) -> int:
    """A Filecoin BigInt field (bytes: empty for zero, sign byte then big-endian magnitude)."""
    try:
        return decode_bigint(as_bytes(raw, what))
    except DecodeError as e:
        raise DecodeError(f"{what}: {e.reason}") from None


def bigint(value: int) -> bytes:
    """The BigInt byte form of ``value``."""
    return encode_bigint(value)


def as_address(raw: Any, what: str) -> Address:
    """An address field (its byte form in a CBOR byte string)."""
    try:
        return Address.from_bytes(as_bytes(raw, what))
    except DecodeError as e:
        raise DecodeError(f"{what}: {e.reason}") from None


def as_bool(raw: Any, what: str) -> bool:
    """A boolean field."""
    if not isinstance(raw, bool):
        raise DecodeError(f"{what}: expected a boolean, got {type(raw).__name__}")
    return raw


def as_token(raw: Any, what: str) -> TokenAmount:
    """A token amount field (BigInt bytes)."""
    return TokenAmount(as_bigint(raw, what))


def as_epoch(raw: Any, what: str) -> ChainEpoch:
    """An epoch field."""
    return ChainEpoch(as_int(raw, what))


def as_bitfield(raw: Any, what: str) -> BitField:
    """A bitfield field (its RLE+ bytes)."""
    try:
        return BitField.decode(as_bytes(raw, what))
    except InvalidInput as e:
        raise DecodeError(f"{what}: {e}") from None


class CborTuple(ABC):
    """Base of dataclasses carried as CBOR tuples: ``encode``/``decode`` from ``to_ipld``/``from_ipld``."""

    __slots__ = ()

    @classmethod
    @abstractmethod
    def from_ipld(cls, raw: Any) -> Self:
        """Parse the CBOR tuple."""

    @abstractmethod
    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""

    @classmethod
    def decode(cls, data: bytes) -> Self:
        """Parse DAG-CBOR bytes, naming the type on failure."""
        return cls.from_ipld(decode_block(data, cls.__name__))

    def encode(self) -> bytes:
        """DAG-CBOR bytes."""
        return dagcbor.encode(self.to_ipld())


def uint_key(value: int) -> bytes:
    """HAMT key of an unsigned integer (actor, deal, allocation IDs): its minimal unsigned varint."""
    return encode_uvarint(value)


def uint_of_key(key: bytes, what: str) -> int:
    """Inverse of :func:`uint_key`; the whole key must be one minimal varint."""
    try:
        value, end = decode_uvarint(key)
    except DecodeError as e:
        raise DecodeError(f"{what} key {key.hex()}: {e.reason}") from None
    if end != len(key):
        raise DecodeError(f"{what} key {key.hex()}: trailing bytes after the varint")
    return value


def int_key(value: int) -> bytes:
    """HAMT key of a signed integer (epochs): zigzag then unsigned varint, as Rust's ``i64::encode_var``."""
    return encode_uvarint((value << 1) ^ (value >> 63))


def int_of_key(key: bytes, what: str) -> int:
    """Inverse of :func:`int_key`."""
    zigzag = uint_of_key(key, what)
    return (zigzag >> 1) ^ -(zigzag & 1)


class Transparent(ABC):
    """Base of serde-transparent newtypes: the CBOR value is the one field's value, not a tuple."""

    __slots__ = ()

    @abstractmethod
    def to_ipld(self) -> Any:
        """The single field's data-model value."""

    @classmethod
    @abstractmethod
    def from_ipld(cls, raw: Any) -> Self:
        """Parse the single field's value."""

    @classmethod
    def decode(cls, data: bytes) -> Self:
        """Parse DAG-CBOR bytes, naming the type on failure."""
        return cls.from_ipld(decode_block(data, cls.__name__))

    def encode(self) -> bytes:
        """DAG-CBOR bytes."""
        return dagcbor.encode(self.to_ipld())
