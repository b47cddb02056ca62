"""Lotus JSON: the vectors' JSON forms both ways, field errors that name the field, generic helpers."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.chain import lotus_json as lj
from filnet.chain.message import Message, SignedMessage
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.crypto.signature import Signature, SignatureType
from filnet.ipld.cid import CID
from tests.chain.test_message import messages
from tests.conftest import load_json_vector

UNSIGNED = load_json_vector("filecoin/unsigned_messages.json")
SIGNING = load_json_vector("filecoin/message_signing.json")
BASE = UNSIGNED[0]["message"]


@pytest.mark.parametrize("vector", UNSIGNED, ids=lambda v: v["hex_cbor"][:24])
def test_vector_json_round_trips(vector: dict[str, Any]) -> None:
    message = lj.message_from_json(vector["message"])
    out = lj.message_to_json(message, network="t")
    assert out.pop("CID") == {"/": str(message.cid)}
    assert out == vector["message"]


@pytest.mark.parametrize("vector", SIGNING, ids=lambda v: v["Cid"])
def test_signed_json(vector: dict[str, Any]) -> None:
    message = lj.message_from_json(vector["Unsigned"])
    signed = SignedMessage(message, lj.signature_from_json(vector["Signature"]))
    out = lj.signed_message_to_json(signed, network="t")
    assert out["CID"] == {"/": vector["Cid"]}
    assert out["Signature"] == vector["Signature"]
    assert out["Message"]["CID"] == {"/": vector["Cid"]}
    assert lj.signed_message_from_json(json.loads(json.dumps(out))) == signed


def test_cid_field_is_ignored_on_input() -> None:
    obj = dict(BASE, CID={"/": "bafy2bzacedhl5cowfmp7hq2ke3irf7indry55px44cbbjthazwvpm7ktf676w"})
    assert lj.message_from_json(obj) == lj.message_from_json(BASE)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("Nonce", -1, "Nonce"),
        ("Nonce", 1 << 64, "Nonce"),
        ("Nonce", "5", "Nonce"),
        ("Nonce", 5.0, "Nonce"),
        ("Nonce", True, "Nonce"),
        ("Value", str(1 << 256), "Value"),
        ("Value", "-1", "Value"),
        ("Value", 5, "Value"),
        ("Value", "1.5", "Value"),
        ("Value", "9" * 1000, "Value"),
        ("Method", 1 << 64, "Method"),
        ("Method", -1, "Method"),
        ("GasLimit", 1 << 63, "GasLimit"),
        ("GasFeeCap", "", "GasFeeCap"),
        ("To", "f9xyz", "To"),
        ("From", 1234, "From"),
        ("Params", "not base64!", "Params"),
        ("Params", 12, "Params"),
        ("Version", -1, "Version"),
    ],
)
def test_field_errors_name_the_field(field: str, value: Any, match: str) -> None:
    obj = copy.deepcopy(BASE)
    obj[field] = value
    with pytest.raises(lj.JSONFieldError, match=match):
        lj.message_from_json(obj)


@pytest.mark.parametrize("field", list(BASE))
def test_missing_field(field: str) -> None:
    obj = {k: v for k, v in BASE.items() if k != field}
    with pytest.raises(lj.JSONFieldError, match=f"lacks the field '{field}'"):
        lj.message_from_json(obj)


def test_not_an_object() -> None:
    with pytest.raises(lj.JSONFieldError):
        lj.message_from_json([1, 2])
    with pytest.raises(lj.JSONFieldError):
        lj.signed_message_from_json({"Message": BASE})
    with pytest.raises(lj.JSONFieldError):
        lj.signature_from_json({"Type": 9, "Data": ""})


def test_generic_helpers() -> None:
    cid = CID.parse("bafy2bzacedhl5cowfmp7hq2ke3irf7indry55px44cbbjthazwvpm7ktf676w")
    assert lj.cid_from_json(lj.cid_to_json(cid)) == cid
    for bad in ({"/": "nope"}, {"/": 1}, "bafy", {"/": str(cid), "x": 1}):
        with pytest.raises(lj.JSONFieldError):
            lj.cid_from_json(bad)
    assert lj.bytes_to_json(b"") is None and lj.bytes_from_json(None, "f") == b""
    assert lj.bytes_from_json(lj.bytes_to_json(b"\x00\xff"), "f") == b"\x00\xff"
    assert lj.bigint_from_json("-12", "f") == -12 and lj.bigint_to_json(-12) == "-12"
    assert lj.int64_from_json(-5, "f") == -5


def test_bigints_take_a_sign_as_go_does() -> None:
    # go-state-types big.Int.UnmarshalJSON uses SetString(s, 10), which accepts "+5" and "-5".
    assert lj.bigint_from_json("+5", "f") == 5
    for bad in ("++5", "+", "-", "5+", " 5", "0x5", "5.0", "1e3"):
        with pytest.raises(lj.JSONFieldError):
            lj.bigint_from_json(bad, "f")


def test_out_of_range_values_name_the_field_once() -> None:
    with pytest.raises(lj.JSONFieldError) as error:
        lj.message_from_json(dict(BASE, Value="-1"))
    assert str(error.value).startswith("message: Value must be in 0..2^256-1")


def test_signed_secp_message_json() -> None:
    key = PrivateKey.generate(KeyType.SECP256K1)
    message = lj.message_from_json(dict(BASE, From=str(key.address)))
    signed = SignedMessage(message, key.sign(message.signing_bytes()))
    out = lj.signed_message_to_json(signed)
    assert out["CID"] == {"/": str(signed.cid)} != out["Message"]["CID"]
    assert out["Signature"]["Type"] == 1
    lj.signed_message_from_json(out).verify()


@given(st.sampled_from(list(SignatureType)), st.binary(max_size=100))
def test_signature_json_round_trip(kind: SignatureType, data: bytes) -> None:
    sig = Signature(kind, data)
    assert lj.signature_from_json(json.loads(json.dumps(lj.signature_to_json(sig)))) == sig


@given(messages, st.sampled_from(["f", "t"]))
def test_message_json_round_trip(message: Message, network: str) -> None:
    obj = json.loads(json.dumps(lj.message_to_json(message, network)))
    assert lj.message_from_json(obj) == message
    assert lj.message_to_json(lj.message_from_json(obj), network) == obj
