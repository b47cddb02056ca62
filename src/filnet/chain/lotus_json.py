"""Lotus's JSON forms, for the command line now and the JSON-RPC API later.

Conventions of Lotus (Go's ``encoding/json`` over go-state-types): CIDs are ``{"/": "<cid string>"}``; BigInts
(token amounts) are decimal strings; byte strings are standard base64 with padding, ``null`` when empty;
addresses are strings; int64/uint64 fields are JSON numbers. Readers check every type and range and name
the offending field; writers take the network prefix (``f`` or ``t``) to print addresses with.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, Final

from filnet.chain.message import MESSAGE_FIELDS, Message, SignedMessage
from filnet.core.address import MAINNET, Address, AddressError
from filnet.core.token import TokenAmount
from filnet.core.types import INT64_MAX, INT64_MIN, UINT64_MAX, MethodNum, Nonce
from filnet.crypto.signature import Signature, SignatureType
from filnet.errors import InvalidInput
from filnet.ipld.bitfield import BitField
from filnet.ipld.cid import CID

#: Longest decimal string accepted for a BigInt (far above 2**256; bounds int() on hostile input).
MAX_BIGINT_DIGITS: Final = 100
#: Most runs accepted in a bitfield's JSON (what an actor's 32 KiB encoded limit can hold, roughly).
MAX_BITFIELD_RUNS: Final = 1 << 16


class JSONFieldError(InvalidInput):
    """A JSON value that is missing or has the wrong type or range; names the field."""


# -- generic values ------------------------------------------------------------------------------


def cid_to_json(cid: CID) -> dict[str, str]:
    """``{"/": "bafy…"}``."""
    return {"/": str(cid)}


def cid_from_json(value: Any, field: str = "CID") -> CID:
    """Inverse of :func:`cid_to_json`."""
    if not isinstance(value, dict) or set(value) != {"/"} or not isinstance(value["/"], str):
        raise JSONFieldError(f'{field} must be a CID object {{"/": "<cid>"}}, got {value!r}')
    try:
        return CID.parse(value["/"])
    except InvalidInput as e:
        raise JSONFieldError(f"{field}: {e}") from None


def bigint_to_json(value: int | TokenAmount) -> str:
    """A BigInt as a decimal string."""
    return str(int(value))


def bigint_from_json(value: Any, field: str) -> int:
    """A BigInt from its decimal string, with an optional sign as Go's ``big.Int.SetString(s, 10)`` allows."""
    if not isinstance(value, str):
        raise JSONFieldError(f"{field} must be a decimal string, got {value!r}")
    digits = value[1:] if value[:1] in ("-", "+") else value
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > MAX_BIGINT_DIGITS:
        raise JSONFieldError(f"{field} must be a decimal integer string, got {value[:MAX_BIGINT_DIGITS]!r}")
    return int(value)


def token_from_json(value: Any, field: str) -> TokenAmount:
    """A token amount (attoFIL) from its decimal string."""
    return TokenAmount(bigint_from_json(value, field))


def bytes_to_json(data: bytes) -> str | None:
    """Standard base64, ``None`` (JSON ``null``) for empty bytes as Go prints a nil slice."""
    return base64.b64encode(data).decode("ascii") if data else None


def bytes_from_json(value: Any, field: str) -> bytes:
    """Bytes from base64 (``null`` is empty)."""
    if value is None:
        return b""
    if not isinstance(value, str):
        raise JSONFieldError(f"{field} must be a base64 string or null, got {value!r}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise JSONFieldError(f"{field} is not valid base64") from None


def bitfield_to_json(bitfield: BitField) -> list[int]:
    """go-bitfield's JSON: the run lengths, alternating, starting with a run of zeros; ``[0]`` when empty."""
    if not bitfield:
        return [0]
    runs = [length for _, length in bitfield.runs()]
    if bitfield.first() == 0:
        runs.insert(0, 0)
    return runs


def bitfield_from_json(value: Any, field: str) -> BitField:
    """The bitfield of go-bitfield's JSON run lengths (zeros first)."""
    if not isinstance(value, list) or len(value) > MAX_BITFIELD_RUNS:
        raise JSONFieldError(f"{field} must be a list of at most {MAX_BITFIELD_RUNS} run lengths")
    ranges = []
    position = 0
    for index, run in enumerate(value):
        length = uint64_from_json(run, f"{field}[{index}]")
        if index % 2:
            ranges.append((position, position + length))
        position += length
    try:
        return BitField.from_ranges(ranges)
    except InvalidInput as error:
        raise JSONFieldError(f"{field}: {error}") from None


def address_to_json(address: Address, network: str = MAINNET) -> str:
    """The address string on ``network``."""
    return address.encode(network)


def address_from_json(value: Any, field: str) -> Address:
    """An address from its string."""
    if not isinstance(value, str):
        raise JSONFieldError(f"{field} must be an address string, got {value!r}")
    try:
        return Address.parse(value)
    except AddressError as e:
        raise JSONFieldError(f"{field}: {e}") from None


def int_from_json(value: Any, field: str, low: int, high: int) -> int:
    """An integer JSON number in ``low..high`` (booleans and floats refused)."""
    if type(value) is not int or not low <= value <= high:
        raise JSONFieldError(f"{field} must be an integer in {low}..{high}, got {value!r}")
    return value


def uint64_from_json(value: Any, field: str) -> int:
    """An unsigned 64-bit JSON number."""
    return int_from_json(value, field, 0, UINT64_MAX)


def int64_from_json(value: Any, field: str) -> int:
    """A signed 64-bit JSON number."""
    return int_from_json(value, field, INT64_MIN, INT64_MAX)


def _require(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise JSONFieldError(f"{where} lacks the field {key!r}")
    return obj[key]


# -- messages ------------------------------------------------------------------------------------


def message_to_json(message: Message, network: str = MAINNET, with_cid: bool = True) -> dict[str, Any]:
    """Lotus's message JSON, with its ``CID`` field unless ``with_cid`` is false."""
    out: dict[str, Any] = {
        "Version": message.version,
        "To": address_to_json(message.to, network),
        "From": address_to_json(message.sender, network),
        "Nonce": message.nonce,
        "Value": bigint_to_json(message.value),
        "GasLimit": message.gas_limit,
        "GasFeeCap": bigint_to_json(message.gas_fee_cap),
        "GasPremium": bigint_to_json(message.gas_premium),
        "Method": message.method,
        "Params": bytes_to_json(message.params),
    }
    if with_cid:
        out["CID"] = cid_to_json(message.cid)
    return out


def message_from_json(obj: Any, where: str = "message") -> Message:
    """Parse Lotus's message JSON. Every field is required; a ``CID`` field is ignored, as Lotus does."""
    if not isinstance(obj, dict):
        raise JSONFieldError(f"{where} must be a JSON object, got {type(obj).__name__}")
    values = {key: _require(obj, key, where) for key in MESSAGE_FIELDS}
    try:
        return Message(
            version=uint64_from_json(values["Version"], f"{where}.Version"),
            to=address_from_json(values["To"], f"{where}.To"),
            sender=address_from_json(values["From"], f"{where}.From"),
            nonce=Nonce(uint64_from_json(values["Nonce"], f"{where}.Nonce")),
            value=token_from_json(values["Value"], f"{where}.Value"),
            gas_limit=int64_from_json(values["GasLimit"], f"{where}.GasLimit"),
            gas_fee_cap=token_from_json(values["GasFeeCap"], f"{where}.GasFeeCap"),
            gas_premium=token_from_json(values["GasPremium"], f"{where}.GasPremium"),
            method=MethodNum(uint64_from_json(values["Method"], f"{where}.Method")),
            params=bytes_from_json(values["Params"], f"{where}.Params"),
        )
    except JSONFieldError:
        raise
    except InvalidInput as e:
        # The message's own checks say "message Value must be …": name the JSON object instead.
        raise JSONFieldError(f"{where}: {str(e).removeprefix('message ')}") from None


def signature_to_json(signature: Signature) -> dict[str, Any]:
    """``{"Type": 1|2|3, "Data": base64}``."""
    return {"Type": int(signature.type), "Data": base64.b64encode(signature.data).decode("ascii")}


def signature_from_json(obj: Any, where: str = "Signature") -> Signature:
    """Inverse of :func:`signature_to_json`."""
    if not isinstance(obj, dict):
        raise JSONFieldError(f"{where} must be a JSON object, got {type(obj).__name__}")
    kind = int_from_json(_require(obj, "Type", where), f"{where}.Type", 1, len(SignatureType))
    data = bytes_from_json(_require(obj, "Data", where), f"{where}.Data")
    try:
        return Signature(SignatureType(kind), data)
    except InvalidInput as e:
        raise JSONFieldError(f"{where}: {e}") from None


def signed_message_to_json(signed: SignedMessage, network: str = MAINNET) -> dict[str, Any]:
    """Lotus's signed-message JSON: ``Message`` (with its own ``CID``), ``Signature`` and ``CID``."""
    return {
        "Message": message_to_json(signed.message, network),
        "Signature": signature_to_json(signed.signature),
        "CID": cid_to_json(signed.cid),
    }


def signed_message_from_json(obj: Any, where: str = "signed message") -> SignedMessage:
    """Parse Lotus's signed-message JSON (a ``CID`` field is ignored)."""
    if not isinstance(obj, dict):
        raise JSONFieldError(f"{where} must be a JSON object, got {type(obj).__name__}")
    message = message_from_json(_require(obj, "Message", where), f"{where}.Message")
    return SignedMessage(
        message, signature_from_json(_require(obj, "Signature", where), f"{where}.Signature")
    )


__all__ = [
    "JSONFieldError",
    "address_from_json",
    "address_to_json",
    "bigint_from_json",
    "bigint_to_json",
    "bytes_from_json",
    "bytes_to_json",
    "cid_from_json",
    "cid_to_json",
    "int64_from_json",
    "message_from_json",
    "message_to_json",
    "signature_from_json",
    "signature_to_json",
    "signed_message_from_json",
    "signed_message_to_json",
    "token_from_json",
    "uint64_from_json",
]
