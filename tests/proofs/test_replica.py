"""Replica ids and the field encoding of data nodes: native and reference agree, decoding inverts encoding."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.errors import DecodeError, InvalidInput
from filnet.proofs.fr import R
from filnet.proofs.replica import (
    ReplicaIdInputs,
    decode_into,
    decode_reference,
    encode_into,
    encode_reference,
    replica_id,
)

field_nodes = st.lists(st.integers(0, R - 1), min_size=1, max_size=16).map(
    lambda xs: b"".join(x.to_bytes(32, "little") for x in xs)
)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_native_encoding_equals_reference_and_inverts(data: st.DataObject) -> None:
    a = data.draw(field_nodes)
    b = data.draw(st.lists(st.integers(0, R - 1), min_size=len(a) // 32, max_size=len(a) // 32))
    key = b"".join(x.to_bytes(32, "little") for x in b)
    out = bytearray(len(a))
    encode_into(out, a, key)
    assert bytes(out) == encode_reference(a, key)
    back = bytearray(len(a))
    decode_into(back, bytes(out), key)
    assert bytes(back) == a == decode_reference(bytes(out), key)


def test_encoding_wraps_modulo_r() -> None:
    top = (R - 1).to_bytes(32, "little")
    two = (2).to_bytes(32, "little")
    out = bytearray(32)
    encode_into(out, top, two)
    assert int.from_bytes(out, "little") == 1


def test_invalid_non_field_node() -> None:
    bad = b"\xff" * 32
    with pytest.raises(DecodeError):
        encode_into(bytearray(64), bytes(32) + bad, bytes(64))
    with pytest.raises(DecodeError):
        encode_reference(bad, bytes(32))
    with pytest.raises(InvalidInput):
        encode_into(bytearray(32), bytes(32), bytes(64))


def test_replica_id_layout() -> None:
    inputs = ReplicaIdInputs(
        bytes([1]) * 32, 0x0102030405060708, bytes([2]) * 32, bytes([3]) * 32, bytes([4]) * 32
    )
    # The sector number is big-endian here (storage-proofs-porep generate_replica_id).
    raw = bytearray(
        hashlib.sha256(
            bytes([1]) * 32
            + bytes.fromhex("0102030405060708")
            + bytes([2]) * 32
            + bytes([3]) * 32
            + bytes([4]) * 32
        ).digest()
    )
    raw[31] &= 0x3F
    assert replica_id(inputs) == bytes(raw)
    with pytest.raises(InvalidInput):
        ReplicaIdInputs(bytes(31), 1, bytes(32), bytes(32), bytes(32))
    with pytest.raises(InvalidInput):
        ReplicaIdInputs(bytes(32), -1, bytes(32), bytes(32), bytes(32))
