"""Token amounts: exact parsing and formatting, the BigInt byte codec, arithmetic."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.core.token import ATTO_PER_FIL, TokenAmount, decode_bigint, encode_bigint
from filnet.errors import DecodeError, InvalidInput


@pytest.mark.parametrize(
    ("text", "atto"),
    [
        ("1.5 FIL", 1_500_000_000_000_000_000),
        ("0.000000000000000001 FIL", 1),
        ("500 attoFIL", 500),
        ("500attofil", 500),
        ("1.5", 1_500_000_000_000_000_000),
        ("2 fil", 2 * ATTO_PER_FIL),
        ("500 aFIL", 500),
        ("500AFIL", 500),
        ("-0.5 FIL", -500_000_000_000_000_000),
        ("-.5", -500_000_000_000_000_000),
        (".25 FIL", 250_000_000_000_000_000),
        ("2.", 2 * ATTO_PER_FIL),
        ("7 FIL  ", 7 * ATTO_PER_FIL),
        ("7\tfil\n", 7 * ATTO_PER_FIL),
        ("007", 7 * ATTO_PER_FIL),
        ("-0", 0),
        ("1.000000000000000000 FIL", ATTO_PER_FIL),
        ("123456789012345678901234567890 attoFIL", 123456789012345678901234567890),
    ],
)
def test_parse(text: str, atto: int) -> None:
    assert TokenAmount.parse(text).atto == atto


@pytest.mark.parametrize(
    "text",
    [
        "",
        "FIL",
        "1.5.2 FIL",
        "1e18 attoFIL",
        "0.0000000000000000001 FIL",
        "1.5 attoFIL",
        "1 BTC",
        "abc",
        "--1",
        ". FIL",
        "1,5",
        # What Lotus's ParseFIL refuses too: a plus sign, leading space, exponents, other SI units,
        # numbers longer than 50 characters, a lone sign or dot.
        "+1 FIL",
        " 1 FIL",
        "1e3 FIL",
        "1E3",
        "3 nanoFIL",
        "1.25 milliFIL",
        "1 F IL",
        "1" * 51,
        "-",
        "-.",
        ".",
        "0x10",
        "1/2",
        "٣ FIL",
    ],
)
def test_invalid_parse(text: str) -> None:
    with pytest.raises(InvalidInput):
        TokenAmount.parse(text)


def test_parse_refuses_huge_input() -> None:
    with pytest.raises(InvalidInput):
        TokenAmount.parse("9" * 10_000)


@pytest.mark.parametrize(
    ("atto", "text"),
    [
        (1_500_000_000_000_000_000, "1.5 FIL"),
        (1, "0.000000000000000001 FIL"),
        (0, "0 FIL"),
        (ATTO_PER_FIL * 2, "2 FIL"),
        (-1, "-0.000000000000000001 FIL"),
    ],
)
def test_format(atto: int, text: str) -> None:
    assert str(TokenAmount(atto)) == text


def test_format_other_units() -> None:
    assert TokenAmount(500).format("attoFIL") == "500 attoFIL"
    assert TokenAmount(-7).format("aFIL") == "-7 attoFIL"
    for unit in ("gwei", "nanoFIL", ""):
        with pytest.raises(InvalidInput):
            TokenAmount(1).format(unit)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [(0, ""), (1, "0001"), (-1, "0101"), (255, "00ff"), (256, "000100"), (-(10**18), "010de0b6b3a7640000")],
)
def test_bigint_bytes(value: int, encoded: str) -> None:
    assert encode_bigint(value).hex() == encoded
    assert decode_bigint(bytes.fromhex(encoded)) == value


@pytest.mark.parametrize("encoded", ["00", "01", "0200", "000001", "01007f", "00" + "ff" * 128])
def test_invalid_bigint_bytes(encoded: str) -> None:
    with pytest.raises(DecodeError):
        decode_bigint(bytes.fromhex(encoded))


def test_arithmetic() -> None:
    a, b = TokenAmount(7), TokenAmount(3)
    assert a + b == TokenAmount(10)
    assert a - b == TokenAmount(4)
    assert -a == TokenAmount(-7)
    assert a * 2 == 2 * a == TokenAmount(14)
    assert TokenAmount(-7) // 2 == TokenAmount(-3)  # rounds toward zero like Go's big.Int.Quo
    assert a > b and b < a and TokenAmount(0) == TokenAmount(0)
    assert not TokenAmount(0) and TokenAmount(1)
    assert TokenAmount.from_fil(2).atto == 2 * ATTO_PER_FIL
    with pytest.raises(InvalidInput):
        TokenAmount(1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        _ = a // 0


@given(st.integers(-(1 << 300), 1 << 300))
def test_bigint_round_trip(value: int) -> None:
    raw = encode_bigint(value)
    assert decode_bigint(raw) == value
    assert encode_bigint(decode_bigint(raw)) == raw


# 10**30 attoFIL is far above all FIL in existence and keeps the FIL form within ParseFIL's 50 characters.
@given(st.integers(-(10**30), 10**30), st.sampled_from(["FIL", "attoFIL", "afil"]))
def test_string_round_trip(atto: int, unit: str) -> None:
    amount = TokenAmount(atto)
    assert TokenAmount.parse(amount.format(unit)) == amount


@given(st.binary(max_size=140))
def test_random_bigint_bytes_decode_or_raise(raw: bytes) -> None:
    try:
        value = decode_bigint(raw)
    except DecodeError:
        return
    assert encode_bigint(value) == raw


@given(
    st.sampled_from(["", "-"]),
    st.text("0123456789", max_size=25),
    st.one_of(st.none(), st.text("0123456789", max_size=25)),
    st.sampled_from(["", " ", "  ", "\t"]),
    st.sampled_from(["", "FIL", "fil", "Fil", "attoFIL", "ATTOFIL", "afil", "aFIL"]),
    st.sampled_from(["", " ", "\n"]),
)
def test_parse_matches_an_exact_rational_model(
    sign: str, whole: str, frac: str | None, gap: str, unit: str, tail: str
) -> None:
    """ParseFIL's rule: the number times 10**18 (FIL) or 1 (attoFIL) must be a whole number of attoFIL."""
    number = sign + whole + ("" if frac is None else "." + frac)
    text = number + (gap + unit if unit else gap) + tail
    digits = whole + (frac or "")
    if not digits:
        with pytest.raises(InvalidInput):
            TokenAmount.parse(text)
        return
    value = Fraction(int(whole or "0")) + (Fraction(int(frac), 10 ** len(frac)) if frac else 0)
    value *= (-1 if sign else 1) * (1 if unit.lower() in ("attofil", "afil") else ATTO_PER_FIL)
    if len(number) > 50 or value.denominator != 1:
        with pytest.raises(InvalidInput):
            TokenAmount.parse(text)
    else:
        assert TokenAmount.parse(text).atto == value


@given(st.text(max_size=60))
def test_random_amount_strings_parse_or_raise(text: str) -> None:
    try:
        amount = TokenAmount.parse(text)
    except InvalidInput:
        return
    assert TokenAmount.parse(amount.format("attoFIL")) == amount
