"""Typed signatures: byte/CBOR form and verification against addresses."""

from __future__ import annotations

import coincurve
import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.core.address import Address
from filnet.crypto import secp256k1
from filnet.crypto.keccak import keccak256
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.crypto.signature import (
    SIGNATURE_MAX_LENGTH,
    InvalidSignature,
    Signature,
    SignatureType,
    eth_address,
    is_valid_signature,
    verify_signature,
)
from filnet.errors import DecodeError
from filnet.ipld import dagcbor

SECP = PrivateKey(KeyType.SECP256K1, bytes.fromhex("2a" * 32))
BLS = PrivateKey(KeyType.BLS, bytes.fromhex("2a" * 31 + "00"))


def test_type_bytes() -> None:
    assert [int(t) for t in SignatureType] == [1, 2, 3]
    sig = SECP.sign(b"x")
    assert bytes(sig)[0] == 1 and len(bytes(sig)) == 66
    assert bytes(BLS.sign(b"x"))[0] == 2 and len(bytes(BLS.sign(b"x"))) == 97


def test_cbor_form_is_a_byte_string_of_type_and_data() -> None:
    sig = Signature(SignatureType.BLS, b"\x01\x02")
    assert dagcbor.encode(bytes(sig)).hex() == "43020102"
    assert Signature.from_bytes(dagcbor.decode(bytes.fromhex("43020102"))) == sig


@pytest.mark.parametrize("key", [SECP, BLS], ids=["secp256k1", "bls"])
def test_verify(key: PrivateKey) -> None:
    sig = key.sign(b"data")
    verify_signature(sig, key.address, b"data")
    assert not is_valid_signature(sig, key.address, b"other")
    other = PrivateKey.generate(key.type)
    assert not is_valid_signature(sig, other.address, b"data")


def test_signature_type_must_match_address_protocol() -> None:
    with pytest.raises(InvalidSignature, match="not an f3"):
        verify_signature(Signature(SignatureType.BLS, BLS.sign(b"d").data), SECP.address, b"d")
    with pytest.raises(InvalidSignature, match="not an f1"):
        verify_signature(SECP.sign(b"d"), Address.new_id(5), b"d")


@pytest.mark.parametrize("data", [b"", b"\x00" * 64, b"\x00" * 97])
def test_wrong_length_signatures_do_not_verify(data: bytes) -> None:
    with pytest.raises(InvalidSignature):
        verify_signature(Signature(SignatureType.SECP256K1, data), SECP.address, b"d")
    with pytest.raises(InvalidSignature):
        verify_signature(Signature(SignatureType.BLS, data), BLS.address, b"d")


ETH_KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")


def _delegated_signature(secret: bytes, message: bytes) -> Signature:
    """What Lotus's delegated signer makes: secp256k1 over keccak-256 of the data."""
    return Signature(
        SignatureType.DELEGATED,
        coincurve.PrivateKey(secret).sign_recoverable(keccak256(message), hasher=None),
    )


def test_eth_address_of_known_keys() -> None:
    # Private key 1 and the web3.js documentation key, with their well-known Ethereum addresses.
    assert (
        eth_address(secp256k1.public_key((1).to_bytes(32, "big"))).hex()
        == "7e5f4552091a69125d5dfcb7b8c2659029395bdf"
    )
    assert eth_address(secp256k1.public_key(ETH_KEY)).hex() == "2c7536e3605d9c16a7a3d7b1898e529396a65c23"


def test_delegated_signatures() -> None:
    signer = Address.new_eth(eth_address(secp256k1.public_key(ETH_KEY)))
    assert str(signer).startswith("f410f")
    sig = _delegated_signature(ETH_KEY, b"data")
    verify_signature(sig, signer, b"data")
    assert Signature.from_bytes(bytes(sig)) == sig
    with pytest.raises(InvalidSignature, match="made by f410f"):
        verify_signature(sig, signer, b"other")
    with pytest.raises(InvalidSignature, match="not an f410"):
        verify_signature(sig, SECP.address, b"data")
    with pytest.raises(InvalidSignature, match="not an f410"):
        verify_signature(sig, Address.new_delegated(32, bytes(20)), b"data")
    with pytest.raises(InvalidSignature):
        verify_signature(Signature(SignatureType.DELEGATED, sig.data[:64]), signer, b"data")


@pytest.mark.parametrize("raw", [b"", b"\x00\x01", b"\x04\x01", b"\x01" + b"\x00" * SIGNATURE_MAX_LENGTH])
def test_invalid_bytes(raw: bytes) -> None:
    with pytest.raises(DecodeError):
        Signature.from_bytes(raw)


@given(st.sampled_from(list(SignatureType)), st.binary(max_size=SIGNATURE_MAX_LENGTH - 1))
def test_bytes_round_trip(kind: SignatureType, data: bytes) -> None:
    sig = Signature(kind, data)
    assert Signature.from_bytes(bytes(sig)) == sig
    assert bytes(Signature.from_bytes(bytes(sig))) == bytes(sig)
