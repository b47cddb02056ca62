"""Filecoin signatures: a type byte and the signature bytes, and their verification against an address.

The byte form (inside CBOR, a byte string) is ``type ‖ data`` (go-state-types ``crypto.Signature``). Type 1
is a secp256k1 recoverable signature of blake2b-256(message), type 2 a BLS signature of the message itself,
type 3 (delegated) a secp256k1 signature of keccak-256(message) by an ``f410`` (Ethereum) account. For
messages, the data a delegated signature covers is the RLP of the equivalent Ethereum transaction, which the
EVM layer builds; verification here works on whatever bytes it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from filnet.core.address import EAM_NAMESPACE, Address, Protocol, address_hash
from filnet.crypto import bls, secp256k1
from filnet.crypto.keccak import keccak256
from filnet.errors import DecodeError, IntegrityError, InvalidInput, UnsupportedCodec

#: Longest serialized signature Lotus accepts (go-state-types ``SignatureMaxLength``).
SIGNATURE_MAX_LENGTH: Final = 200


class SignatureType(IntEnum):
    """The first byte of a serialized signature."""

    SECP256K1 = 1
    BLS = 2
    DELEGATED = 3


class InvalidSignature(IntegrityError):
    """A well-formed signature that does not verify for the claimed signer, or a malformed one."""


@dataclass(frozen=True, slots=True)
class Signature:
    """A typed signature."""

    type: SignatureType
    data: bytes

    def __post_init__(self) -> None:
        # Conversions only when needed: signing and decoding build many signatures of the right types.
        if type(self.type) is not SignatureType:
            try:
                object.__setattr__(self, "type", SignatureType(self.type))
            except ValueError:
                raise UnsupportedCodec(f"unknown signature type {self.type}") from None
        if type(self.data) is not bytes:
            object.__setattr__(self, "data", bytes(self.data))
        if len(self.data) + 1 > SIGNATURE_MAX_LENGTH:
            raise InvalidInput(f"signature of {len(self.data) + 1} bytes exceeds {SIGNATURE_MAX_LENGTH}")

    def __bytes__(self) -> bytes:
        return bytes((self.type,)) + self.data

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        """Parse ``type ‖ data``."""
        if not data:
            raise DecodeError("empty signature")
        if len(data) > SIGNATURE_MAX_LENGTH:
            raise DecodeError(f"signature of {len(data)} bytes exceeds {SIGNATURE_MAX_LENGTH}")
        if data[0] not in _TYPE_VALUES:
            raise DecodeError(f"unknown signature type {data[0]}", 0)
        return cls(SignatureType(data[0]), data[1:])


_TYPE_VALUES: Final = frozenset(int(t) for t in SignatureType)


def verify_signature(signature: Signature, signer: Address, message: bytes) -> None:
    """Raise :class:`InvalidSignature` unless ``signature`` is ``signer``'s over ``message``."""
    if signature.type is SignatureType.SECP256K1:
        _verify_secp256k1(signature.data, signer, message)
    elif signature.type is SignatureType.BLS:
        _verify_bls(signature.data, signer, message)
    else:
        _verify_delegated(signature.data, signer, message)


def is_valid_signature(signature: Signature, signer: Address, message: bytes) -> bool:
    """Whether :func:`verify_signature` accepts."""
    try:
        verify_signature(signature, signer, message)
    except InvalidSignature:
        return False
    return True


def _verify_secp256k1(data: bytes, signer: Address, message: bytes) -> None:
    """Recover the key and compare its f1 address with ``signer`` (Lotus ``sigs/secp``)."""
    if signer.protocol is not Protocol.SECP256K1:
        raise InvalidSignature(f"a secp256k1 signature cannot be made by {signer}: not an f1 address")
    try:
        public_key = secp256k1.recover(data, message)
    except InvalidInput as e:
        raise InvalidSignature(f"invalid secp256k1 signature: {e}") from None
    # Compare payloads rather than building an Address: this is the hot path of block validation.
    if address_hash(public_key) != signer.payload:
        raise InvalidSignature(
            f"secp256k1 signature was made by {Address.new_secp256k1(public_key)}, not {signer}"
        )


def _verify_bls(data: bytes, signer: Address, message: bytes) -> None:
    """Check a BLS signature against the public key in an f3 address."""
    if signer.protocol is not Protocol.BLS:
        raise InvalidSignature(f"a BLS signature cannot be made by {signer}: not an f3 address")
    try:
        valid = bls.verify(signer.payload, message, data)
    except InvalidInput as e:
        raise InvalidSignature(f"invalid BLS signature: {e}") from None
    if not valid:
        raise InvalidSignature(f"BLS signature does not verify for {signer}")


def eth_address(public_key: bytes) -> bytes:
    """The Ethereum address of an uncompressed secp256k1 public key: keccak-256 of x ‖ y, last 20 bytes."""
    return keccak256(public_key[1:])[12:]


def _verify_delegated(data: bytes, signer: Address, message: bytes) -> None:
    """Recover the key from keccak-256(message) and compare its f410 address (Lotus ``sigs/delegated``)."""
    if signer.protocol is not Protocol.DELEGATED or signer.namespace != EAM_NAMESPACE:
        raise InvalidSignature(f"a delegated signature cannot be made by {signer}: not an f410 address")
    try:
        public_key = secp256k1.recover_from_digest(data, keccak256(message))
    except InvalidInput as e:
        raise InvalidSignature(f"invalid delegated signature: {e}") from None
    recovered = Address.new_eth(eth_address(public_key))
    if recovered != signer:
        raise InvalidSignature(f"delegated signature was made by {recovered}, not {signer}")
