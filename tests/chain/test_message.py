"""Messages: every serialization vector to the same bytes, CIDs, signed messages, hostile CBOR."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.chain.lotus_json import message_from_json
from filnet.chain.message import MAX_TOKEN_AMOUNT, Message, SignedMessage
from filnet.core.address import Address, Protocol
from filnet.core.token import TokenAmount
from filnet.core.types import MethodNum, Nonce
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.crypto.signature import InvalidSignature, Signature, SignatureType
from filnet.errors import DecodeError, InvalidInput, UnsupportedCodec
from filnet.ipld import dagcbor
from filnet.ipld.cid import CID
from tests.conftest import load_json_vector

UNSIGNED = load_json_vector("filecoin/unsigned_messages.json")
SIGNING = load_json_vector("filecoin/message_signing.json")


def _message(**changes: Any) -> Message:
    fields: dict[str, Any] = {
        "to": Address.new_id(1000),
        "sender": Address.new_id(1001),
        "nonce": Nonce(3),
        "value": TokenAmount(10),
        "gas_limit": 1_000_000,
        "gas_fee_cap": TokenAmount(100),
        "gas_premium": TokenAmount(1),
        "method": MethodNum(0),
    }
    fields.update(changes)
    return Message(**fields)


@pytest.mark.parametrize("vector", UNSIGNED, ids=lambda v: v["hex_cbor"][:24])
def test_unsigned_message_vectors(vector: dict[str, Any]) -> None:
    raw = bytes.fromhex(vector["hex_cbor"])
    message = message_from_json(vector["message"])
    assert message.encode() == raw
    decoded = Message.decode(raw)
    assert decoded == message
    assert decoded.encode() == raw


@pytest.mark.parametrize("vector", SIGNING, ids=lambda v: v["Cid"])
def test_signing_vectors(vector: dict[str, Any]) -> None:
    message = message_from_json(vector["Unsigned"])
    assert str(message.cid) == vector["Cid"]
    assert message.signing_bytes().hex() == vector["CidHexBytes"]
    key = PrivateKey(KeyType.BLS, base64.b64decode(vector["PrivateKey"]))
    signature = key.sign(message.signing_bytes())
    assert base64.b64encode(signature.data).decode() == vector["Signature"]["Data"]
    signed = SignedMessage(message, signature)
    signed.verify()
    # Lotus: a BLS-signed message is known by its unsigned CID.
    assert signed.cid == message.cid
    assert SignedMessage.decode(signed.encode()) == signed


def test_secp256k1_signed_message_cid_covers_the_signature() -> None:
    key = PrivateKey.generate(KeyType.SECP256K1)
    message = _message(sender=key.address)
    signed = SignedMessage(message, key.sign(message.signing_bytes()))
    signed.verify()
    assert signed.cid != message.cid
    assert signed.cid == CID.parse(str(signed.cid))
    assert signed.cid.codec == 0x71 and signed.cid.hash_code == 0xB220
    forged = SignedMessage(_message(sender=key.address, nonce=Nonce(4)), signed.signature)
    with pytest.raises(InvalidSignature):
        forged.verify()


def test_cid_is_blake2b_dag_cbor_v1() -> None:
    cid = _message().cid
    assert (cid.version, cid.codec, cid.hash_code) == (1, 0x71, 0xB220)
    assert str(cid).startswith("bafy2bza")


@pytest.mark.parametrize(
    "changes",
    [
        {"nonce": -1},
        {"nonce": 1 << 64},
        {"method": 1 << 64},
        {"value": TokenAmount(MAX_TOKEN_AMOUNT)},
        {"value": TokenAmount(-1)},
        {"gas_fee_cap": TokenAmount(-5)},
        {"gas_limit": 1 << 63},
        {"gas_limit": True},
        {"value": 5},
        {"to": "f01000"},
        {"params": "text"},
        {"version": -1},
    ],
)
def test_invalid_fields(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        _message(**changes)


def _good_cbor() -> list[Any]:
    return dagcbor.decode(_message().encode())  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("index", "value"),
    [
        (0, -1),
        (1, b"\x09\x01"),  # unknown protocol
        (2, "f01000"),  # a string where bytes belong
        (3, -1),
        (4, b"\x02\x01"),  # bad BigInt sign
        (4, b"\x00\x00\x01"),  # non-canonical BigInt
        (5, 1 << 63),
        (6, 5),
        (8, -1),
        (9, None),
    ],
)
def test_invalid_cbor_fields(index: int, value: Any) -> None:
    obj = _good_cbor()
    obj[index] = value
    with pytest.raises(DecodeError):
        Message.decode(dagcbor.encode(obj))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        bytes.fromhex("80"),  # empty array
        bytes.fromhex("a0"),  # a map
        bytes.fromhex("8900"),  # truncated
        dagcbor.encode([0] * 11),
    ],
)
def test_cbor_that_is_not_a_message(raw: bytes) -> None:
    with pytest.raises(DecodeError):
        Message.decode(raw)


def test_signed_message_cbor_errors() -> None:
    message = _message()
    with pytest.raises(DecodeError):
        SignedMessage.decode(dagcbor.encode([message.to_cbor_obj()]))
    with pytest.raises(DecodeError):
        SignedMessage.decode(dagcbor.encode([message.to_cbor_obj(), "sig"]))
    with pytest.raises(DecodeError):
        SignedMessage.decode(dagcbor.encode([message.to_cbor_obj(), b"\x07abc"]))


addresses = st.one_of(
    st.integers(0, (1 << 63) - 1).map(Address.new_id),
    st.binary(min_size=20, max_size=20).map(lambda p: Address(Protocol.SECP256K1, p)),
    st.binary(min_size=48, max_size=48).map(Address.new_bls),
    st.binary(max_size=20).map(lambda s: Address.new_delegated(10, s)),
)
amounts = st.integers(0, MAX_TOKEN_AMOUNT - 1).map(TokenAmount)
messages = st.builds(
    Message,
    to=addresses,
    sender=addresses,
    nonce=st.integers(0, (1 << 64) - 1).map(Nonce),
    value=amounts,
    gas_limit=st.integers(-(1 << 63), (1 << 63) - 1),
    gas_fee_cap=amounts,
    gas_premium=amounts,
    method=st.integers(0, (1 << 64) - 1).map(MethodNum),
    params=st.binary(max_size=64),
    version=st.integers(0, (1 << 64) - 1),
)


@given(messages)
def test_message_round_trip(message: Message) -> None:
    raw = message.encode()
    assert Message.decode(raw) == message
    assert Message.decode(raw).encode() == raw


@given(messages, st.sampled_from(list(SignatureType)), st.binary(max_size=96))
def test_signed_message_round_trip(message: Message, kind: SignatureType, data: bytes) -> None:
    signed = SignedMessage(message, Signature(kind, data))
    raw = signed.encode()
    assert SignedMessage.decode(raw) == signed
    assert SignedMessage.decode(raw).encode() == raw


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_random_bytes_decode_or_raise(raw: bytes) -> None:
    try:
        message = Message.decode(raw)
    except DecodeError:
        return
    assert message.encode() == raw


@settings(max_examples=200)
@given(st.data())
def test_mutated_vectors_decode_or_raise(data: st.DataObject) -> None:
    raw = bytearray(bytes.fromhex(data.draw(st.sampled_from(UNSIGNED))["hex_cbor"]))
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        message = Message.decode(bytes(raw))
    except DecodeError:
        return
    assert message.encode() == bytes(raw)


def test_delegated_message_signatures_are_refused_clearly() -> None:
    key = PrivateKey.generate(KeyType.DELEGATED)
    message = _message(sender=key.address)
    signed = SignedMessage(message, key.sign(message.signing_bytes()))
    with pytest.raises(UnsupportedCodec, match="EVM"):
        signed.verify()
    assert signed.cid != message.cid  # only BLS-signed messages share the unsigned CID
