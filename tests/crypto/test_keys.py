"""Private keys: addresses, Lotus export format both ways, bad keys."""

from __future__ import annotations

import base64
import json

import pytest

from filnet.core.address import Address
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.crypto.signature import SignatureType, verify_signature
from filnet.errors import DecodeError, InvalidInput
from tests.conftest import load_json_vector

SIGNING = load_json_vector("filecoin/message_signing.json")


@pytest.mark.parametrize("vector", SIGNING, ids=lambda v: v["Cid"])
def test_bls_key_address_from_vector(vector: dict[str, object]) -> None:
    key = PrivateKey(KeyType.BLS, base64.b64decode(str(vector["PrivateKey"])))
    assert key.address.encode("t") == vector["Unsigned"]["From"]  # type: ignore[index]


def test_lotus_export_format() -> None:
    vector = SIGNING[0]
    # Exactly what `lotus wallet export` prints for this key: hex of Go's compact KeyInfo JSON.
    lotus = ('{"Type":"bls","PrivateKey":"' + vector["PrivateKey"] + '"}').encode().hex()
    key = PrivateKey.import_lotus(lotus)
    assert key.export_lotus() == lotus
    assert PrivateKey.import_lotus(bytes.fromhex(lotus).decode()) == key  # the bare JSON is accepted too
    assert PrivateKey.import_lotus(lotus + "\n") == key


@pytest.mark.parametrize("kind", list(KeyType))
def test_export_import_round_trip(kind: KeyType) -> None:
    key = PrivateKey.generate(kind)
    assert PrivateKey.import_lotus(key.export_lotus()) == key
    assert json.loads(bytes.fromhex(key.export_lotus()))["Type"] == kind.value


def test_secret_is_not_in_repr() -> None:
    key = PrivateKey.generate(KeyType.SECP256K1)
    assert key.secret.hex() not in repr(key)
    assert base64.b64encode(key.secret).decode() not in repr(key)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("zz", DecodeError),
        ("7b7d", DecodeError),  # {}
        ('{"Type":"bls"}', DecodeError),
        ('{"Type":"bls","PrivateKey":"***"}', DecodeError),
        ('{"Type":"rsa","PrivateKey":"AAAA"}', InvalidInput),
        ('{"Type":"delegated","PrivateKey":"AAAA"}', InvalidInput),
        ('{"Type":"secp256k1","PrivateKey":"AAAA"}', InvalidInput),  # 3 bytes
        ('{"Type":"bls","PrivateKey":"' + base64.b64encode(b"\xff" * 32).decode() + '"}', InvalidInput),
        ("ab" * 5000, DecodeError),
    ],
)
def test_bad_imports(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        PrivateKey.import_lotus(text)


@pytest.mark.parametrize("text", ["[" * 4000, '{"Type": ' + "9" * 4000 + "}"])
def test_hostile_key_json(text: str) -> None:
    with pytest.raises(DecodeError):
        PrivateKey.import_lotus(text)


def test_delegated_key_is_an_ethereum_account() -> None:
    # The web3.js documentation key and its Ethereum address.
    secret = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
    key = PrivateKey(KeyType.DELEGATED, secret)
    assert key.address == Address.new_eth(bytes.fromhex("2c7536e3605d9c16a7a3d7b1898e529396a65c23"))
    signature = key.sign(b"data")
    assert signature.type is SignatureType.DELEGATED and len(signature.data) == 65
    verify_signature(signature, key.address, b"data")
    assert PrivateKey.import_lotus(key.export_lotus()) == key
