"""Private keys of Lotus's wallet key types, their addresses, signing, and Lotus's key export format.

Lotus exports a key as the hex of the JSON ``{"Type": "bls"|"secp256k1"|"delegated", "PrivateKey": base64}``;
secp256k1 and delegated secrets are 32 big-endian bytes, BLS secrets 32 little-endian bytes (filecoin-ffi's
order). A delegated key is a secp256k1 key used as an Ethereum account: its address is ``f410f`` of the
Ethereum address and it signs keccak-256 of the data (Lotus ``sigs/delegated``).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from filnet.core.address import Address
from filnet.crypto import bls, secp256k1
from filnet.crypto.keccak import keccak256
from filnet.crypto.signature import Signature, SignatureType, eth_address
from filnet.errors import DecodeError, InvalidInput

#: Longest key export accepted (a key is 32 bytes; this bounds hostile input before any parsing).
MAX_EXPORT_LENGTH: Final = 4096


class KeyType(StrEnum):
    """Wallet key types, named as in Lotus's ``KeyInfo.Type``."""

    SECP256K1 = "secp256k1"
    BLS = "bls"
    DELEGATED = "delegated"


_SIGNATURE_TYPES: Final = {
    KeyType.SECP256K1: SignatureType.SECP256K1,
    KeyType.BLS: SignatureType.BLS,
    KeyType.DELEGATED: SignatureType.DELEGATED,
}


class _EthereumSigningKey:
    """A secp256k1 key that signs keccak-256 of the data, as Ethereum accounts do."""

    __slots__ = ("_key",)

    def __init__(self, secret: bytes) -> None:
        self._key = secp256k1.SigningKey(secret)

    def public_key(self) -> bytes:
        return self._key.public_key()

    def sign(self, message: bytes) -> bytes:
        return self._key.sign_digest(keccak256(message))


def _signer(kind: KeyType, secret: bytes) -> secp256k1.SigningKey | bls.SigningKey | _EthereumSigningKey:
    """The signing key of ``kind``; building it validates the secret (length, scalar range)."""
    if kind is KeyType.BLS:
        return bls.SigningKey(secret)
    if kind is KeyType.DELEGATED:
        return _EthereumSigningKey(secret)
    return secp256k1.SigningKey(secret)


@dataclass(frozen=True, slots=True)
class PrivateKey:
    """A private key and its type; the secret never appears in ``repr``."""

    type: KeyType
    secret: bytes = field(repr=False)
    _signer: secp256k1.SigningKey | bls.SigningKey | _EthereumSigningKey = field(
        init=False, repr=False, compare=False
    )
    _public_key: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        kind = parse_key_type(self.type)
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "secret", bytes(self.secret))
        signer = _signer(kind, self.secret)  # validated once here; signing reuses it
        object.__setattr__(self, "_signer", signer)
        object.__setattr__(self, "_public_key", signer.public_key())

    @classmethod
    def generate(cls, key_type: KeyType | str) -> PrivateKey:
        """A fresh random key of ``key_type``."""
        kind = parse_key_type(key_type)
        if kind is KeyType.BLS:
            return cls(kind, bls.generate_private_key())
        return cls(kind, secp256k1.generate_private_key())  # delegated keys are secp256k1 keys too

    def public_key(self) -> bytes:
        """65-byte uncompressed secp256k1 (or delegated) key, or 48-byte compressed BLS key."""
        return self._public_key

    @property
    def address(self) -> Address:
        """The f1, f3 or f410f address of this key."""
        if self.type is KeyType.BLS:
            return Address.new_bls(self.public_key())
        if self.type is KeyType.DELEGATED:
            return Address.new_eth(eth_address(self.public_key()))
        return Address.new_secp256k1(self.public_key())

    def sign(self, message: bytes) -> Signature:
        """Sign ``message``: secp256k1 its blake2b-256, delegated its keccak-256, BLS the bytes themselves."""
        return Signature(_SIGNATURE_TYPES[self.type], self._signer.sign(message))

    @property
    def signature_type(self) -> SignatureType:
        return _SIGNATURE_TYPES[self.type]

    def key_info(self) -> dict[str, str]:
        """Lotus's ``KeyInfo`` JSON object (holds the secret)."""
        return {"Type": self.type.value, "PrivateKey": base64.b64encode(self.secret).decode("ascii")}

    def export_lotus(self) -> str:
        """Lotus's ``wallet export`` text: hex of the compact ``KeyInfo`` JSON."""
        return json.dumps(self.key_info(), separators=(",", ":")).encode().hex()

    @classmethod
    def from_key_info(cls, info: Any) -> PrivateKey:
        """Parse Lotus's ``KeyInfo`` JSON object."""
        if not isinstance(info, dict) or not isinstance(info.get("Type"), str):
            raise DecodeError('a key must be a JSON object with a "Type" string and a "PrivateKey"')
        encoded = info.get("PrivateKey")
        if not isinstance(encoded, str):
            raise DecodeError('the key\'s "PrivateKey" must be a base64 string')
        try:
            secret = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise DecodeError('the key\'s "PrivateKey" is not valid base64') from None
        return cls(parse_key_type(info["Type"]), secret)

    @classmethod
    def import_lotus(cls, text: str | bytes) -> PrivateKey:
        """Parse a Lotus export: hex of the ``KeyInfo`` JSON, or that JSON itself."""
        if len(text) > MAX_EXPORT_LENGTH:
            raise DecodeError(f"key text of {len(text)} characters is too long to be a key")
        raw = text.decode("ascii", "replace") if isinstance(text, bytes) else text
        raw = raw.strip()
        if not raw.startswith("{"):
            try:
                raw = bytes.fromhex(raw).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                raise DecodeError("a key export must be hex of Lotus's KeyInfo JSON, or that JSON") from None
        try:
            info = json.loads(raw)
        except json.JSONDecodeError as e:
            raise DecodeError(f"a key export must hold Lotus's KeyInfo JSON: {e.msg}", e.pos) from None
        except (ValueError, RecursionError):  # oversized numbers, absurd nesting
            raise DecodeError("a key export must hold Lotus's KeyInfo JSON") from None
        return cls.from_key_info(info)


def parse_key_type(value: KeyType | str) -> KeyType:
    """A :class:`KeyType` from its Lotus name."""
    try:
        return KeyType(value)
    except ValueError:
        raise InvalidInput(f"unknown key type {value!r}: use 'secp256k1', 'bls' or 'delegated'") from None
