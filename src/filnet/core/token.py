"""Token amounts in attoFIL and Filecoin's BigInt byte encoding.

1 FIL = 10**18 attoFIL. Amounts are exact integers: parsing and formatting go through decimal strings, never
floats. The BigInt byte form (go-state-types ``big.Int``) is empty for zero, otherwise a sign byte (0 for
positive, 1 for negative) followed by the big-endian magnitude without leading zeros; inside CBOR it is a
byte string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from filnet.errors import DecodeError, InvalidInput

ATTO_PER_FIL: Final = 10**18
#: Lotus refuses serialized BigInts longer than this (go-state-types ``BigIntMaxSerializedLen``).
BIGINT_MAX_SERIALIZED_LENGTH: Final = 128

#: Unit suffixes that Lotus's ``types.ParseFIL`` accepts (any case), and their power of ten in attoFIL.
UNITS: Final[dict[str, int]] = {"": 18, "fil": 18, "attofil": 0, "afil": 0}
_UNIT_NAMES: Final[dict[int, str]] = {18: "FIL", 0: "attoFIL"}
#: Longest number part accepted by :meth:`TokenAmount.parse` (Lotus ``ParseFIL``: 50 characters).
MAX_AMOUNT_DIGITS: Final = 50
#: The number part of an amount: what Go's ``big.Rat.SetString`` reads as a decimal ("1.5", "-.5", "2.").
_DECIMAL: Final = re.compile(r"(-?)([0-9]*)(?:\.([0-9]*))?")


def encode_bigint(value: int) -> bytes:
    """Filecoin BigInt bytes of ``value``: empty for zero, else sign byte ‖ big-endian magnitude."""
    if value == 0:
        return b""
    magnitude = abs(value)
    return (b"\x01" if value < 0 else b"\x00") + magnitude.to_bytes((magnitude.bit_length() + 7) // 8, "big")


def decode_bigint(data: bytes) -> int:
    """Inverse of :func:`encode_bigint`; rejects non-canonical forms so that re-encoding gives ``data``."""
    if not data:
        return 0
    if len(data) > BIGINT_MAX_SERIALIZED_LENGTH:
        raise DecodeError(f"BigInt of {len(data)} bytes exceeds {BIGINT_MAX_SERIALIZED_LENGTH}")
    sign = data[0]
    if sign not in (0, 1):
        raise DecodeError(f"BigInt sign byte must be 0 or 1, got {sign}", 0)
    if len(data) == 1 or data[1] == 0:
        raise DecodeError("non-canonical BigInt: zero must be empty and the magnitude has no leading zero", 1)
    magnitude = int.from_bytes(data[1:], "big")
    return -magnitude if sign else magnitude


@dataclass(frozen=True, slots=True, order=True)
class TokenAmount:
    """An exact amount of FIL, held in attoFIL (may be negative, as balances deltas are)."""

    atto: int

    def __post_init__(self) -> None:
        if type(self.atto) is not int:
            raise InvalidInput(f"a token amount is an integer of attoFIL, got {type(self.atto).__name__}")

    @classmethod
    def from_fil(cls, fil: int) -> TokenAmount:
        """A whole number of FIL."""
        return cls(fil * ATTO_PER_FIL)

    @classmethod
    def parse(cls, text: str) -> TokenAmount:
        """Parse ``"1.5 FIL"``, ``"1.5"``, ``"500 attoFIL"`` or ``"500afil"`` as Lotus's ``ParseFIL`` does."""
        return cls(_parse_amount(text))

    @classmethod
    def from_bytes(cls, data: bytes) -> TokenAmount:
        """Decode the BigInt byte form."""
        return cls(decode_bigint(data))

    def to_bytes(self) -> bytes:
        """The BigInt byte form."""
        return encode_bigint(self.atto)

    def format(self, unit: str = "FIL") -> str:
        """``"1.5 FIL"``, ``"0.000000000000000001 FIL"`` (as Lotus prints FIL) or ``"500 attoFIL"``."""
        exponent = UNITS.get(unit.lower()) if unit else None
        if exponent is None:
            raise InvalidInput(f"unknown unit {unit!r}: use one of {', '.join(_UNIT_NAMES.values())}")
        whole, frac = divmod(abs(self.atto), 10**exponent)
        sign = "-" if self.atto < 0 else ""
        digits = f"{frac:0{exponent}d}".rstrip("0") if exponent else ""
        return f"{sign}{whole}{'.' + digits if digits else ''} {_UNIT_NAMES[exponent]}"

    def __str__(self) -> str:
        return self.format()

    def __int__(self) -> int:
        return self.atto

    def __bool__(self) -> bool:
        return self.atto != 0

    def __add__(self, other: TokenAmount) -> TokenAmount:
        if not isinstance(other, TokenAmount):
            return NotImplemented
        return TokenAmount(self.atto + other.atto)

    def __sub__(self, other: TokenAmount) -> TokenAmount:
        if not isinstance(other, TokenAmount):
            return NotImplemented
        return TokenAmount(self.atto - other.atto)

    def __neg__(self) -> TokenAmount:
        return TokenAmount(-self.atto)

    def __mul__(self, factor: int) -> TokenAmount:
        if type(factor) is not int:
            return NotImplemented
        return TokenAmount(self.atto * factor)

    __rmul__ = __mul__

    def __floordiv__(self, divisor: int) -> TokenAmount:
        """Division rounding toward zero, as Go's ``big.Int.Quo`` (Lotus ``big.Div``) does."""
        if type(divisor) is not int:
            return NotImplemented
        if divisor == 0:
            raise InvalidInput("division of a token amount by zero")
        quotient = abs(self.atto) // abs(divisor)
        return TokenAmount(quotient if (self.atto < 0) == (divisor < 0) else -quotient)


ZERO: Final = TokenAmount(0)


def _parse_amount(text: str) -> int:
    """attoFIL of an amount string, by the rules of Lotus's ``types.ParseFIL``.

    The number is the longest prefix of ``-.0123456789``; the rest, trimmed and lower-cased, must be empty,
    ``fil``, ``attofil`` or ``afil``. So ``"1.5 FIL"``, ``"1.5fil"``, ``".5"``, ``"2."`` and ``"-1 FIL"`` are
    accepted; ``"+1"``, ``" 1"`` (leading space), ``"1e3 FIL"``, ``"3 nanoFIL"`` and anything finer than
    1 attoFIL (``"0.0000000000000000001 FIL"``, ``"1.5 attoFIL"``) are not.
    """
    if not isinstance(text, str):
        raise InvalidInput(f"an amount string is needed, got {type(text).__name__}")
    number = text[: len(text) - len(text.lstrip("-.0123456789"))]
    suffix = text[len(number) :]
    exponent = UNITS.get(suffix.strip().lower())
    if exponent is None:
        raise InvalidInput(f"unrecognized unit {suffix[:20]!r} in amount {text[:80]!r}: use FIL or attoFIL")
    if len(number) > MAX_AMOUNT_DIGITS:
        raise InvalidInput(f"amount number of {len(number)} characters exceeds {MAX_AMOUNT_DIGITS}")
    match = _DECIMAL.fullmatch(number)
    if match is None or not (match[2] or match[3]):
        raise InvalidInput(f"invalid amount {text!r}: expected a decimal number and an optional unit")
    sign, whole, frac = match[1], match[2], (match[3] or "").rstrip("0")
    if len(frac) > exponent:
        unit = "attoFIL" if exponent == 0 else "FIL"
        raise InvalidInput(f"amount {text!r} is finer than 1 attoFIL ({unit} takes {exponent} decimals)")
    atto: int = int(whole or "0") * 10**exponent + int(frac.ljust(exponent, "0") or "0")
    return -atto if sign else atto
