"""Messages and signed messages: their DAG-CBOR tuples and CIDs, exactly as Lotus makes them.

A message is the CBOR array ``[Version, To, From, Nonce, Value, GasLimit, GasFeeCap, GasPremium, Method,
Params]`` (addresses and BigInts as byte strings, Params a byte string, empty when absent); a signed message
is ``[Message, Signature]``. CIDs are CIDv1, dag-cbor, blake2b-256. Signers sign the bytes of the message's
CID. A BLS-signed message is identified by its unsigned message's CID (its signature travels aggregated in
the block), every other signed message by the CID of its own encoding (Lotus ``SignedMessage.Cid``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from filnet.core.address import Address, AddressError
from filnet.core.token import TokenAmount
from filnet.core.types import INT64_MAX, INT64_MIN, UINT64_MAX, MethodNum, Nonce
from filnet.crypto.signature import Signature, SignatureType, verify_signature
from filnet.errors import DecodeError, InvalidInput, UnsupportedCodec
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.cid import CID

#: Message format version; Lotus accepts only 0.
MESSAGE_VERSION: Final = 0
#: Token amounts in a message must be below this (they are non-negative and a few dozen bytes at most).
MAX_TOKEN_AMOUNT: Final = 1 << 256
#: Field names in CBOR tuple order (also the Lotus JSON keys).
MESSAGE_FIELDS: Final = (
    "Version",
    "To",
    "From",
    "Nonce",
    "Value",
    "GasLimit",
    "GasFeeCap",
    "GasPremium",
    "Method",
    "Params",
)


def message_cid(encoded: bytes) -> CID:
    """The CID of a DAG-CBOR encoded message or signed message."""
    return CID.compute(codecs.DAG_CBOR, encoded, multihash.BLAKE2B_256)


def _check_uint(name: str, value: object, limit: int = UINT64_MAX) -> None:
    if type(value) is not int or not 0 <= value <= limit:
        raise InvalidInput(f"message {name} must be an integer in 0..{limit}, got {value!r}")


def _check_amount(name: str, value: object) -> None:
    if not isinstance(value, TokenAmount):
        raise InvalidInput(f"message {name} must be a TokenAmount, got {type(value).__name__}")
    if not 0 <= value.atto < MAX_TOKEN_AMOUNT:
        raise InvalidInput(f"message {name} must be in 0..2^256-1 attoFIL, got {value.atto}")


@dataclass(frozen=True, slots=True)
class Message:
    """An unsigned message (Lotus ``types.Message``)."""

    to: Address
    sender: Address
    nonce: Nonce
    value: TokenAmount
    gas_limit: int
    gas_fee_cap: TokenAmount
    gas_premium: TokenAmount
    method: MethodNum
    params: bytes = b""
    version: int = MESSAGE_VERSION

    def __post_init__(self) -> None:
        _check_uint("Version", self.version)
        for name, address in (("To", self.to), ("From", self.sender)):
            if not isinstance(address, Address):
                raise InvalidInput(f"message {name} must be an Address, got {type(address).__name__}")
        _check_uint("Nonce", self.nonce)
        _check_amount("Value", self.value)
        if type(self.gas_limit) is not int or not INT64_MIN <= self.gas_limit <= INT64_MAX:
            raise InvalidInput(f"message GasLimit must be a signed 64-bit integer, got {self.gas_limit!r}")
        _check_amount("GasFeeCap", self.gas_fee_cap)
        _check_amount("GasPremium", self.gas_premium)
        _check_uint("Method", self.method)
        if not isinstance(self.params, bytes | bytearray):
            raise InvalidInput(f"message Params must be bytes, got {type(self.params).__name__}")
        object.__setattr__(self, "params", bytes(self.params))

    def to_cbor_obj(self) -> list[Any]:
        """The DAG-CBOR data-model form: a 10-element list."""
        return [
            self.version,
            bytes(self.to),
            bytes(self.sender),
            self.nonce,
            self.value.to_bytes(),
            self.gas_limit,
            self.gas_fee_cap.to_bytes(),
            self.gas_premium.to_bytes(),
            self.method,
            self.params,
        ]

    def encode(self) -> bytes:
        """The DAG-CBOR bytes."""
        return dagcbor.encode(self.to_cbor_obj())

    @property
    def cid(self) -> CID:
        """CIDv1 dag-cbor blake2b-256 of the encoding."""
        return message_cid(self.encode())

    def signing_bytes(self) -> bytes:
        """What a wallet signs: the bytes of the message's CID."""
        return bytes(self.cid)

    @classmethod
    def from_cbor_obj(cls, obj: Any) -> Message:
        """Build a message from its decoded DAG-CBOR form, checking every field's type and range."""
        if type(obj) is not list or len(obj) != len(MESSAGE_FIELDS):
            got = f"a list of {len(obj)}" if type(obj) is list else type(obj).__name__
            raise DecodeError(f"a message is a CBOR array of {len(MESSAGE_FIELDS)} fields, got {got}")
        for index in (1, 2, 4, 6, 7, 9):
            if type(obj[index]) is not bytes:
                raise DecodeError(f"message {MESSAGE_FIELDS[index]} must be a CBOR byte string")
        try:
            return cls(
                version=obj[0],
                to=_address_field("To", obj[1]),
                sender=_address_field("From", obj[2]),
                nonce=obj[3],
                value=_amount_field("Value", obj[4]),
                gas_limit=obj[5],
                gas_fee_cap=_amount_field("GasFeeCap", obj[6]),
                gas_premium=_amount_field("GasPremium", obj[7]),
                method=obj[8],
                params=obj[9],
            )
        except DecodeError:
            raise
        except InvalidInput as e:
            raise DecodeError(str(e)) from None

    @classmethod
    def decode(cls, data: bytes) -> Message:
        """Parse the DAG-CBOR bytes of a message; they must be canonical (re-encoding gives them back)."""
        return cls.from_cbor_obj(dagcbor.decode(data))


@dataclass(frozen=True, slots=True)
class SignedMessage:
    """A message and its sender's signature (Lotus ``types.SignedMessage``)."""

    message: Message
    signature: Signature

    def to_cbor_obj(self) -> list[Any]:
        """The DAG-CBOR data-model form: ``[message, signature bytes]``."""
        return [self.message.to_cbor_obj(), bytes(self.signature)]

    def encode(self) -> bytes:
        """The DAG-CBOR bytes."""
        return dagcbor.encode(self.to_cbor_obj())

    @property
    def cid(self) -> CID:
        """The unsigned message's CID for BLS signatures, else the CID of this encoding."""
        if self.signature.type is SignatureType.BLS:
            return self.message.cid
        return message_cid(self.encode())

    def verify(self) -> None:
        """Raise :class:`filnet.crypto.signature.InvalidSignature` unless the sender signed the message.

        The sender must be a key address (f1, f3); an ID sender needs the state tree to resolve it.
        """
        if self.signature.type is SignatureType.DELEGATED:
            # Lotus checks these over the RLP of the equivalent Ethereum transaction, not the CID bytes.
            raise UnsupportedCodec(
                "verifying f410 (delegated) message signatures needs the EVM transaction form"
            )
        verify_signature(self.signature, self.message.sender, self.message.signing_bytes())

    @classmethod
    def from_cbor_obj(cls, obj: Any) -> SignedMessage:
        """Build a signed message from its decoded DAG-CBOR form."""
        if type(obj) is not list or len(obj) != 2:
            raise DecodeError("a signed message is a CBOR array of [message, signature]")
        if type(obj[1]) is not bytes:
            raise DecodeError("a signed message's signature must be a CBOR byte string")
        return cls(Message.from_cbor_obj(obj[0]), Signature.from_bytes(obj[1]))

    @classmethod
    def decode(cls, data: bytes) -> SignedMessage:
        """Parse the DAG-CBOR bytes of a signed message."""
        return cls.from_cbor_obj(dagcbor.decode(data))


def _address_field(name: str, raw: bytes) -> Address:
    try:
        return Address.from_bytes(raw)
    except AddressError as e:
        raise DecodeError(f"message {name}: {e}") from None


def _amount_field(name: str, raw: bytes) -> TokenAmount:
    try:
        return TokenAmount.from_bytes(raw)
    except DecodeError as e:
        raise DecodeError(f"message {name}: {e}") from None
