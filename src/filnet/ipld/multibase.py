"""Multibase: the one-character prefixed text encodings of binary values.

Supported: base32 (``b``, the default for CIDv1), base32upper (``B``), base58btc (``z``, CIDv0's alphabet
without the prefix), base16 (``f``/``F``), base64 (``m``) and base64url (``u``), all without padding.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

from filnet.errors import DecodeError, UnsupportedCodec

B58_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX: Final = {c: i for i, c in enumerate(B58_ALPHABET)}
_HEX_LOWER: Final = frozenset("0123456789abcdef")
_HEX_UPPER: Final = frozenset("0123456789ABCDEF")

PREFIXES: Final = {
    "base32": "b",
    "base32upper": "B",
    "base58btc": "z",
    "base16": "f",
    "base16upper": "F",
    "base64": "m",
    "base64url": "u",
}


def b58encode(data: bytes) -> str:
    """Bitcoin-alphabet base58, leading zero bytes kept as '1'."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(B58_ALPHABET[r])
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`."""
    n = 0
    for i, c in enumerate(text):
        d = _B58_INDEX.get(c)
        if d is None:
            raise DecodeError(f"invalid base58 character {c!r}", i)
        n = n * 58 + d
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body


def _b32decode(text: str) -> bytes:
    pad = "=" * (-len(text) % 8)
    try:
        return base64.b32decode(text.upper() + pad)
    except (binascii.Error, ValueError) as e:
        raise DecodeError(f"invalid base32: {e}") from None


def _b64decode(text: str, altchars: bytes | None) -> bytes:
    pad = "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text + pad, altchars=altchars, validate=True)
    except (binascii.Error, ValueError) as e:
        raise DecodeError(f"invalid base64: {e}") from None


def encode(data: bytes, base: str = "base32") -> str:
    """Encode ``data`` with the multibase named ``base``, prefix included."""
    if base == "base32":
        return "b" + base64.b32encode(data).decode().rstrip("=").lower()
    if base == "base32upper":
        return "B" + base64.b32encode(data).decode().rstrip("=")
    if base == "base58btc":
        return "z" + b58encode(data)
    if base == "base16":
        return "f" + data.hex()
    if base == "base16upper":
        return "F" + data.hex().upper()
    if base == "base64":
        return "m" + base64.b64encode(data).decode().rstrip("=")
    if base == "base64url":
        return "u" + base64.urlsafe_b64encode(data).decode().rstrip("=")
    raise UnsupportedCodec(f"unsupported multibase {base!r}")


def decode(text: str) -> tuple[str, bytes]:
    """Decode a multibase string; return ``(base name, bytes)``."""
    if not text:
        raise DecodeError("empty multibase string")
    prefix, body = text[0], text[1:]
    if prefix == "b":
        if body != body.lower():
            raise DecodeError("base32 string with upper-case characters")
        return "base32", _b32decode(body)
    if prefix == "B":
        if body != body.upper():
            raise DecodeError("base32upper string with lower-case characters")
        return "base32upper", _b32decode(body)
    if prefix == "z":
        return "base58btc", b58decode(body)
    if prefix in "fF":
        # bytes.fromhex skips whitespace and takes either case; a multibase string has one spelling only.
        digits = _HEX_LOWER if prefix == "f" else _HEX_UPPER
        if not digits.issuperset(body):
            raise DecodeError(f"invalid base16: characters outside {''.join(sorted(digits))}")
        try:
            return ("base16" if prefix == "f" else "base16upper"), bytes.fromhex(body)
        except ValueError:
            raise DecodeError("invalid base16: odd number of digits") from None
    if prefix == "m":
        return "base64", _b64decode(body, None)
    if prefix == "u":
        return "base64url", _b64decode(body, b"-_")
    raise UnsupportedCodec(f"unsupported multibase prefix {prefix!r}")
