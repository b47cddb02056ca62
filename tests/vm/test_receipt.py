"""Receipts: DAG-CBOR round trips and a decoder that fails cleanly on hostile bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.errors import DecodeError
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.cid import CID
from filnet.vm.exit_codes import ExitCode
from filnet.vm.receipt import Receipt

receipts = st.builds(
    Receipt,
    st.sampled_from(list(ExitCode)),
    st.binary(max_size=64),
    st.integers(0, 2**63 - 1),
    st.one_of(
        st.none(), st.binary(max_size=16).map(lambda b: CID.compute(codecs.RAW, b, multihash.BLAKE2B_256))
    ),
)


def _decode_or_reject(data: bytes) -> None:
    """Hostile bytes either decode to a receipt that re-encodes to them exactly, or raise DecodeError."""
    try:
        receipt = Receipt.decode(data)
    except DecodeError:
        return
    assert receipt.encode() == data


@given(receipts)
def test_round_trip(receipt: Receipt) -> None:
    data = receipt.encode()
    assert Receipt.decode(data) == receipt
    assert dagcbor.decode(data)[0] == int(receipt.exit_code)


def test_layout() -> None:
    assert Receipt(ExitCode.OK, b"", 7).encode() == bytes([0x84, 0x00, 0x40, 0x07, 0xF6])


@given(st.binary(max_size=64))
def test_decode_random_bytes(data: bytes) -> None:
    _decode_or_reject(data)


@given(receipts, st.integers(0, 200), st.integers(0, 255))
def test_decode_mutated(receipt: Receipt, position: int, byte: int) -> None:
    data = bytearray(receipt.encode())
    data[position % len(data)] = byte
    _decode_or_reject(bytes(data))


def test_unknown_exit_code() -> None:
    with pytest.raises(DecodeError, match="exit code 3"):
        Receipt.decode(dagcbor.encode([3, b"", 0, None]))
