"""Addresses: every go-address vector, rejection of malformed strings and bytes, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.core.address import (
    MAX_SUBADDRESS_LENGTH,
    Address,
    AddressError,
    InvalidChecksum,
    InvalidEncoding,
    InvalidLength,
    InvalidPayload,
    Protocol,
    UnknownNetwork,
    UnknownProtocol,
)
from filnet.errors import InvalidInput
from filnet.ipld import dagcbor
from tests.conftest import load_json_vector

VECTORS = load_json_vector("filecoin/addresses.json")


def _check_both_networks(address: Address, vector: dict[str, str]) -> None:
    assert address.encode("t") == vector["testnet"]
    assert address.encode("f") == vector["mainnet"] == str(address)
    assert Address.parse(vector["testnet"]) == address
    assert Address.parse(vector["mainnet"]) == address
    assert Address.from_bytes(bytes(address)) == address


@pytest.mark.parametrize("vector", VECTORS["id"], ids=lambda v: v["mainnet"])
def test_id_vectors(vector: dict[str, object]) -> None:
    address = Address.new_id(int(vector["id"]))  # type: ignore[call-overload]
    _check_both_networks(address, vector)  # type: ignore[arg-type]
    assert address.id == vector["id"]


@pytest.mark.parametrize("vector", VECTORS["secp256k1"], ids=lambda v: v["mainnet"])
def test_secp256k1_vectors(vector: dict[str, str]) -> None:
    address = Address.new_secp256k1(bytes.fromhex(vector["uncompressed_pubkey_hex"]))
    assert address.protocol is Protocol.SECP256K1
    _check_both_networks(address, vector)


@pytest.mark.parametrize("vector", VECTORS["actor"], ids=lambda v: v["mainnet"])
def test_actor_vectors(vector: dict[str, str]) -> None:
    _check_both_networks(Address.new_actor(bytes.fromhex(vector["actor_data_hex"])), vector)


@pytest.mark.parametrize("vector", VECTORS["bls"], ids=lambda v: v["mainnet"])
def test_bls_vectors(vector: dict[str, str]) -> None:
    address = Address.new_bls(bytes.fromhex(vector["bls_pubkey_hex"]))
    assert address.payload.hex() == vector["bls_pubkey_hex"]
    _check_both_networks(address, vector)


@pytest.mark.parametrize("vector", VECTORS["delegated"], ids=lambda v: v["mainnet"])
def test_delegated_vectors(vector: dict[str, object]) -> None:
    sub = bytes.fromhex(str(vector["subaddress_hex"]))
    address = Address.new_delegated(int(vector["namespace"]), sub)  # type: ignore[call-overload]
    assert str(address) == vector["mainnet"]
    assert Address.parse(str(vector["mainnet"])) == address
    assert address.namespace == vector["namespace"]
    assert address.subaddress == sub
    assert Address.from_bytes(bytes(address)) == address


@pytest.mark.parametrize("text", VECTORS["valid_strings_extra"])
def test_extra_valid_strings(text: str) -> None:
    assert str(Address.parse(text)) == text


# Each invalid go-address string with the specific error it must raise.
EXPECTED_INVALID = {
    "Q2gfvuyh7v2sx3patm5k23wdzmhyhtmqctasbr23y": UnknownNetwork,
    "t5gfvuyh7v2sx3patm5k23wdzmhyhtmqctasbr23y": UnknownProtocol,
    "t2gfvuyh7v2sx3patm5k23wdzmhyhtmqctasbr24y": InvalidChecksum,
    "t0banananananannnnnnnnn": InvalidLength,  # 21 characters: go-address checks the length first
    "t0banananananannnnnnn": InvalidPayload,
    "t2gfvuyh7v2sx3patm1k23wdzmhyhtmqctasbr24y": InvalidEncoding,
    "t2gfvuyh7v2sx3paTm1k23wdzmhyhtmqctasbr24y": InvalidEncoding,
    "t2": InvalidLength,
    "t1234q": InvalidLength,
    "t": InvalidLength,
    "t0": InvalidLength,
    "f1xpbyy4tkdx5si2bgo37dubc2xwv6fum5tk57mid": InvalidEncoding,
}


def test_every_invalid_vector_has_an_expected_error() -> None:
    assert set(VECTORS["invalid_strings"]) == set(EXPECTED_INVALID)


@pytest.mark.parametrize("text", VECTORS["invalid_strings"])
def test_invalid_strings(text: str) -> None:
    with pytest.raises(EXPECTED_INVALID[text]):
        Address.parse(text)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("f09223372036854775808", InvalidPayload),  # 2^63
        ("f099999999999999999999", InvalidLength),
        ("f0-1", InvalidPayload),
        ("f0+1", InvalidPayload),
        ("f0１", InvalidPayload),  # non-ASCII digit
        ("f410", InvalidPayload),  # no 'f' separator
        ("f4f" + "a" * 10, InvalidPayload),  # empty namespace
        ("f410f" + "a" * 8, InvalidChecksum),
        ("x1" + "a" * 39, UnknownNetwork),
        ("f1" + "a" * 200, InvalidLength),
        ("f3" + "a" * 20, InvalidLength),  # BLS payload too short
        ("f1aaaaaaaaa", InvalidEncoding),  # 9 chars: not a whole number of bytes
    ],
)
def test_invalid_more_strings(text: str, error: type[AddressError]) -> None:
    with pytest.raises(error):
        Address.parse(text)


def test_leading_zeros_are_read_as_go_address_reads_them() -> None:
    # go-address parses IDs and namespaces with strconv.ParseUint(s, 10, 63): "007" is 7.
    assert Address.parse("f0007") == Address.new_id(7)
    assert str(Address.parse("t000")) == "f00"
    eth = Address.new_eth(bytes(range(20)))
    assert Address.parse(str(eth).replace("f410f", "f40010f", 1)) == eth
    with pytest.raises(InvalidLength):
        Address.parse("f0" + "0" * 19 + "7")  # 20 digits: longer than any int64


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"", InvalidLength),
        (b"\x00", InvalidLength),
        (b"\x05\x01", UnknownProtocol),
        (b"\x00\x80", InvalidPayload),  # truncated varint
        (b"\x00\x80\x00", InvalidPayload),  # non-minimal varint
        (b"\x00\x01\x02", InvalidPayload),  # bytes after the varint
        (b"\x00" + b"\xff" * 9 + b"\x01", InvalidPayload),  # above 2^63
        (b"\x01" + b"\x00" * 19, InvalidLength),
        (b"\x02" + b"\x00" * 21, InvalidLength),
        (b"\x03" + b"\x00" * 47, InvalidLength),
        (b"\x04\x00" + b"\x00" * (MAX_SUBADDRESS_LENGTH + 1), InvalidLength),
        (b"\x04\xff", InvalidPayload),  # hanging namespace varint
    ],
)
def test_invalid_bytes(raw: bytes, error: type[AddressError]) -> None:
    with pytest.raises(error):
        Address.from_bytes(raw)


def test_constructor_errors() -> None:
    with pytest.raises(InvalidPayload):
        Address.new_id(-1)
    with pytest.raises(InvalidPayload):
        Address.new_id(1 << 63)
    with pytest.raises(InvalidLength):
        Address.new_secp256k1(b"\x02" + b"\x00" * 32)  # compressed keys are not what Filecoin hashes
    with pytest.raises(InvalidLength):
        Address.new_eth(b"\x00" * 19)
    with pytest.raises(InvalidInput):
        _ = Address.new_bls(b"\x00" * 48).id
    with pytest.raises(UnknownNetwork):
        Address.new_id(1).encode("x")


def test_eth_address_is_f410() -> None:
    address = Address.new_eth(bytes(range(20)))
    assert str(address).startswith("f410f")
    assert address.subaddress == bytes(range(20))


def test_cbor_form_is_a_byte_string() -> None:
    address = Address.new_id(1024)
    assert dagcbor.encode(bytes(address)) == bytes.fromhex("43008008")
    assert Address.from_bytes(dagcbor.decode(bytes.fromhex("43008008"))) == address


addresses = st.one_of(
    st.integers(0, (1 << 63) - 1).map(Address.new_id),
    st.binary(min_size=20, max_size=20).map(lambda p: Address(Protocol.SECP256K1, p)),
    st.binary(min_size=20, max_size=20).map(lambda p: Address(Protocol.ACTOR, p)),
    st.binary(min_size=48, max_size=48).map(Address.new_bls),
    st.builds(
        Address.new_delegated,
        st.integers(0, (1 << 63) - 1),
        st.binary(max_size=MAX_SUBADDRESS_LENGTH),
    ),
)


@given(addresses, st.sampled_from(["f", "t"]))
def test_string_round_trip(address: Address, network: str) -> None:
    text = address.encode(network)
    assert Address.parse(text) == address
    assert Address.parse(text).encode(network) == text


@given(addresses)
def test_bytes_round_trip(address: Address) -> None:
    assert Address.from_bytes(bytes(address)) == address
    assert bytes(Address.from_bytes(bytes(address))) == bytes(address)


@given(st.binary(max_size=80))
def test_random_bytes_parse_or_raise_address_error(raw: bytes) -> None:
    try:
        address = Address.from_bytes(raw)
    except AddressError:
        return
    assert bytes(address) == raw


@given(st.text(max_size=130))
def test_random_strings_parse_or_raise_address_error(text: str) -> None:
    try:
        address = Address.parse(text)
    except AddressError:
        return
    assert address.encode(text[0]) == text


@given(addresses, st.data())
def test_mutated_strings_are_rejected_or_canonical(address: Address, data: st.DataObject) -> None:
    text = str(address)
    i = data.draw(st.integers(0, len(text) - 1))
    c = data.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz234567019fT"))
    mutated = text[:i] + c + text[i + 1 :]
    try:
        parsed = Address.parse(mutated)
    except AddressError:
        return
    if mutated[1] == "0" and mutated[2:3] == "0" and len(mutated) > 3:
        # ID addresses with leading zeros parse, as in go-address (f000 is f00): not canonical, same ID
        assert parsed == Address.new_id(int(mutated[2:]))
        return
    assert parsed.encode(mutated[0]) == mutated
