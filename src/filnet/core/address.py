"""Filecoin addresses: protocols 0 (ID) to 4 (delegated), their byte, string and CBOR forms.

Byte form: ``protocol ‖ payload``. String form: network letter (``f`` mainnet, ``t`` testnets), protocol
digit, then either the decimal ID (protocol 0), or ``base32(payload ‖ checksum)`` (protocols 1-3), or
``namespace 'f' base32(subaddress ‖ checksum)`` (protocol 4); base32 is RFC 4648 lower case without padding,
and the checksum is blake2b with a 4-byte digest over ``protocol ‖ payload``. The CBOR form is a byte string
holding the byte form. Rules follow go-state-types/go-address.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from filnet.core.types import ActorID
from filnet.errors import DecodeError, InvalidInput
from filnet.ipld.varint import MAX_VARINT, decode_uvarint, encode_uvarint


class Protocol(IntEnum):
    """The first byte of an address."""

    ID = 0
    SECP256K1 = 1
    ACTOR = 2
    BLS = 3
    DELEGATED = 4


MAINNET: Final = "f"
TESTNET: Final = "t"
NETWORKS: Final = (MAINNET, TESTNET)

#: blake2b-160 of a secp256k1 public key or of actor-creation data.
PAYLOAD_HASH_LENGTH: Final = 20
CHECKSUM_LENGTH: Final = 4
BLS_PUBLIC_KEY_LENGTH: Final = 48
MAX_SUBADDRESS_LENGTH: Final = 54
#: Digits of 2**63 - 1, the largest ID and delegated namespace.
MAX_INT64_DIGITS: Final = 19
#: "f4" + namespace + "f" + base32 of a 54-byte subaddress and its checksum (go-state-types: 115).
MAX_ADDRESS_STRING_LENGTH: Final = 2 + MAX_INT64_DIGITS + 1 + 93
#: Ethereum Address Manager namespace: ``f410f…`` addresses wrap 20-byte Ethereum addresses.
EAM_NAMESPACE: Final = 10

_B32_ALPHABET: Final = frozenset("abcdefghijklmnopqrstuvwxyz234567")
_B32_VALUES: Final = {c: i for i, c in enumerate("abcdefghijklmnopqrstuvwxyz234567")}
# Base32 text lengths (mod 8) that no byte string encodes to, and the unused low bits of the last character.
_B32_BAD_LENGTHS: Final = frozenset({1, 3, 6})
_B32_SPARE_BITS: Final = {0: 0, 2: 2, 4: 4, 5: 1, 7: 3}


class AddressError(DecodeError):
    """A malformed address (string, bytes or arguments)."""


class UnknownNetwork(AddressError):
    """The string does not start with ``f`` or ``t``."""


class UnknownProtocol(AddressError):
    """The protocol is not one of 0-4."""


class InvalidLength(AddressError):
    """The address or its payload has the wrong length."""


class InvalidPayload(AddressError):
    """The payload is malformed for its protocol (a bad ID, varint or subaddress)."""


class InvalidEncoding(AddressError):
    """The base32 part is not canonical lower-case unpadded base32."""


class InvalidChecksum(AddressError):
    """The checksum does not match the protocol and payload."""


def address_hash(data: bytes) -> bytes:
    """blake2b-160, the payload of f1 and f2 addresses."""
    return hashlib.blake2b(data, digest_size=PAYLOAD_HASH_LENGTH).digest()


def checksum(data: bytes) -> bytes:
    """blake2b-32 over ``protocol ‖ payload``."""
    return hashlib.blake2b(data, digest_size=CHECKSUM_LENGTH).digest()


@dataclass(frozen=True, slots=True)
class Address:
    """A validated Filecoin address; equal addresses have equal bytes."""

    protocol: Protocol
    payload: bytes

    def __post_init__(self) -> None:
        # Conversions only when needed: state code builds many addresses that already have the right types.
        if type(self.protocol) is not Protocol:
            if self.protocol not in _PROTOCOL_VALUES:
                raise UnknownProtocol(f"unknown address protocol {self.protocol}")
            object.__setattr__(self, "protocol", Protocol(self.protocol))
        if type(self.payload) is not bytes:
            object.__setattr__(self, "payload", bytes(self.payload))
        _validate_payload(self.protocol, self.payload)

    def __hash__(self) -> int:
        # Addresses key the VM's actor caches: hash the plain int of the protocol, not the enum member
        # (whose hash is a Python-level call), consistent with the generated __eq__ on both fields.
        return hash((int(self.protocol), self.payload))

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def new_id(cls, actor_id: int) -> Address:
        """``f0<actor_id>``."""
        if not 0 <= actor_id <= MAX_VARINT:
            raise InvalidPayload(f"actor ID {actor_id} is outside 0..2^63-1")
        return cls(Protocol.ID, encode_uvarint(actor_id))

    @classmethod
    def new_secp256k1(cls, public_key: bytes) -> Address:
        """``f1…`` of a secp256k1 public key (Filecoin hashes the 65-byte uncompressed form)."""
        if len(public_key) != 65 or public_key[0] != 0x04:
            raise InvalidLength(
                f"a secp256k1 address needs the 65-byte uncompressed public key, got {len(public_key)} bytes"
            )
        return cls(Protocol.SECP256K1, address_hash(public_key))

    @classmethod
    def new_actor(cls, data: bytes) -> Address:
        """``f2…`` of actor-creation data."""
        return cls(Protocol.ACTOR, address_hash(data))

    @classmethod
    def new_bls(cls, public_key: bytes) -> Address:
        """``f3…`` of a 48-byte compressed BLS G1 public key."""
        return cls(Protocol.BLS, public_key)

    @classmethod
    def new_delegated(cls, namespace: int, subaddress: bytes) -> Address:
        """``f4<namespace>f…``: a subaddress owned by the address manager actor ``f0<namespace>``."""
        if not 0 <= namespace <= MAX_VARINT:
            raise InvalidPayload(f"delegated namespace {namespace} is outside 0..2^63-1")
        return cls(Protocol.DELEGATED, encode_uvarint(namespace) + bytes(subaddress))

    @classmethod
    def new_eth(cls, eth_address: bytes) -> Address:
        """``f410f…`` of a 20-byte Ethereum address."""
        if len(eth_address) != 20:
            raise InvalidLength(f"an Ethereum address has 20 bytes, got {len(eth_address)}")
        return cls.new_delegated(EAM_NAMESPACE, eth_address)

    @classmethod
    def from_bytes(cls, data: bytes) -> Address:
        """Parse the byte form ``protocol ‖ payload`` (also the content of the CBOR byte string)."""
        if len(data) < 2:
            raise InvalidLength(f"an address needs at least 2 bytes, got {len(data)}")
        if data[0] not in _PROTOCOL_VALUES:
            raise UnknownProtocol(f"unknown address protocol {data[0]}")
        return cls(Protocol(data[0]), data[1:])

    @classmethod
    def parse(cls, text: str) -> Address:
        """Parse the string form, mainnet (``f…``) or testnet (``t…``)."""
        return _decode_string(text)

    # -- views ----------------------------------------------------------------------------------

    def __bytes__(self) -> bytes:
        return bytes((self.protocol,)) + self.payload

    def encode(self, network: str = MAINNET) -> str:
        """The string form on ``network`` (``"f"`` or ``"t"``)."""
        if network not in NETWORKS:
            raise UnknownNetwork(f"unknown network prefix {network!r}: use 'f' or 't'")
        head = f"{network}{int(self.protocol)}"
        if self.protocol is Protocol.ID:
            return f"{head}{self.id}"
        cksum = checksum(bytes(self))
        if self.protocol is Protocol.DELEGATED:
            return f"{head}{self.namespace}f{_b32encode(self.subaddress + cksum)}"
        return head + _b32encode(self.payload + cksum)

    def __str__(self) -> str:
        return self.encode(MAINNET)

    def __repr__(self) -> str:
        return f"Address({self.encode()!r})"

    @property
    def id(self) -> ActorID:
        """The actor ID of an ID address."""
        if self.protocol is not Protocol.ID:
            raise InvalidInput(f"{self} is not an ID address")
        return ActorID(decode_uvarint(self.payload)[0])

    @property
    def namespace(self) -> int:
        """The address-manager actor ID of a delegated address."""
        if self.protocol is not Protocol.DELEGATED:
            raise InvalidInput(f"{self} is not a delegated address")
        return decode_uvarint(self.payload)[0]

    @property
    def subaddress(self) -> bytes:
        """The namespace-specific part of a delegated address."""
        if self.protocol is not Protocol.DELEGATED:
            raise InvalidInput(f"{self} is not a delegated address")
        return self.payload[decode_uvarint(self.payload)[1] :]


_PROTOCOL_VALUES: Final = frozenset(int(p) for p in Protocol)


def _validate_payload(protocol: Protocol, payload: bytes) -> None:
    """Raise unless ``payload`` is well formed for ``protocol``."""
    if protocol is Protocol.ID:
        try:
            _, end = decode_uvarint(payload)
        except DecodeError as e:
            raise InvalidPayload(f"ID address payload is not a valid varint below 2^63: {e.reason}") from None
        if end != len(payload):
            raise InvalidPayload(f"ID address payload has {len(payload) - end} bytes after its varint")
    elif protocol in (Protocol.SECP256K1, Protocol.ACTOR):
        if len(payload) != PAYLOAD_HASH_LENGTH:
            raise InvalidLength(
                f"protocol {int(protocol)} payload must be {PAYLOAD_HASH_LENGTH} bytes, got {len(payload)}"
            )
    elif protocol is Protocol.BLS:
        if len(payload) != BLS_PUBLIC_KEY_LENGTH:
            raise InvalidLength(
                f"BLS address payload must be {BLS_PUBLIC_KEY_LENGTH} bytes, got {len(payload)}"
            )
    else:
        try:
            _, end = decode_uvarint(payload)
        except DecodeError as e:
            raise InvalidPayload(f"delegated address namespace is not a valid varint: {e.reason}") from None
        if len(payload) - end > MAX_SUBADDRESS_LENGTH:
            raise InvalidLength(
                f"delegated subaddress of {len(payload) - end} bytes exceeds {MAX_SUBADDRESS_LENGTH}"
            )


def _b32encode(data: bytes) -> str:
    """Lower-case RFC 4648 base32 without padding."""
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def _b32decode(text: str) -> bytes:
    """Inverse of :func:`_b32encode`; rejects upper case, padding and non-zero spare bits."""
    for i, c in enumerate(text):
        if c not in _B32_ALPHABET:
            raise InvalidEncoding(f"invalid base32 character {c!r} at position {i}")
    if len(text) % 8 in _B32_BAD_LENGTHS:
        raise InvalidEncoding(f"base32 text of {len(text)} characters cannot be a whole number of bytes")
    spare = _B32_SPARE_BITS[len(text) % 8]
    if text and _B32_VALUES[text[-1]] & ((1 << spare) - 1):
        raise InvalidEncoding("non-canonical base32: the unused bits of the last character are not zero")
    return base64.b32decode(text.upper() + "=" * (-len(text) % 8))


def _parse_decimal(text: str, what: str) -> int:
    """A non-negative decimal below 2**63, as go-address reads it: ``strconv.ParseUint(text, 10, 63)``.

    So no sign, but leading zeros are accepted (``f0007`` is ``f07``), as in Lotus, Rust's fvm_shared
    and Glif's filecoin-address; the string form printed back is canonical.
    """
    if len(text) > MAX_INT64_DIGITS:
        raise InvalidLength(f"{what} {text[:40]!r} has more than {MAX_INT64_DIGITS} digits")
    if not text or not text.isascii() or not text.isdigit():
        raise InvalidPayload(f"{what} {text!r} is not a decimal number")
    value = int(text)
    if value > MAX_VARINT:
        raise InvalidPayload(f"{what} {text} exceeds 2^63-1")
    return value


def _decode_string(text: str) -> Address:
    """Parse an address string (see the module docstring)."""
    if not isinstance(text, str):
        raise AddressError(f"an address string is needed, got {type(text).__name__}")
    if len(text) < 3 or len(text) > MAX_ADDRESS_STRING_LENGTH:
        raise InvalidLength(f"address {text[:MAX_ADDRESS_STRING_LENGTH]!r} has invalid length {len(text)}")
    if text[0] not in NETWORKS:
        raise UnknownNetwork(f"address {text!r} does not start with a network prefix 'f' or 't'")
    if text[1] not in "01234":
        raise UnknownProtocol(f"address {text!r} has unknown protocol {text[1]!r}")
    protocol = Protocol(int(text[1]))
    raw = text[2:]
    if protocol is Protocol.ID:
        return Address.new_id(_parse_decimal(raw, "ID"))
    prefix = bytes((protocol,))
    if protocol is Protocol.DELEGATED:
        sep = raw.find("f")
        if sep < 0:
            raise InvalidPayload(f"delegated address {text!r} lacks the 'f' after its namespace")
        namespace = _parse_decimal(raw[:sep], "delegated namespace")
        prefix += encode_uvarint(namespace)
        raw = raw[sep + 1 :]
    data = _b32decode(raw)
    if len(data) < CHECKSUM_LENGTH:
        raise InvalidLength(f"address {text!r} is too short to hold a checksum")
    payload, cksum = data[:-CHECKSUM_LENGTH], data[-CHECKSUM_LENGTH:]
    address = Address.from_bytes(prefix + payload)
    if checksum(prefix + payload) != cksum:
        raise InvalidChecksum(f"address {text!r} has a wrong checksum")
    return address
