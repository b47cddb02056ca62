"""Block headers against Lotus's serialization vectors: CBOR bytes, CIDs and JSON both ways."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.chain.block import BeaconEntry, BlockHeader, ElectionProof, Ticket
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.crypto.keys import PrivateKey
from filnet.crypto.signature import Signature, SignatureType, is_valid_signature
from filnet.errors import DecodeError, InvalidInput
from filnet.ipld import dagcbor
from filnet.ipld.cid import CID
from filnet.proofs.onchain import PoStProof
from tests.conftest import load_json_vector

VECTORS: list[dict[str, Any]] = load_json_vector("filecoin/block_headers.json")
LINK = CID.parse("bafy2bzaceayprgulanz222ihtw6lyww572ntjxhjgimjpbxfbu7limxn4o5jy")


@pytest.mark.parametrize("vector", VECTORS, ids=[v["cid"][-8:] for v in VECTORS])
def test_header_vectors_encode_decode_and_hash_as_lotus(vector: dict[str, Any]) -> None:
    raw = bytes.fromhex(vector["cbor_hex"])
    header = BlockHeader.decode(raw)
    assert header.encode() == raw
    assert str(header.cid) == vector["cid"]
    assert BlockHeader.from_json(vector["block"]) == header
    network = vector["block"]["Miner"][0]
    assert header.to_json(network) == vector["block"]


def make_header(**changes: Any) -> BlockHeader:
    header = BlockHeader(
        miner=Address.new_id(1000),
        ticket=Ticket(b"\x01" * 96),
        election_proof=ElectionProof(1, b"\x02" * 96),
        beacon_entries=(BeaconEntry(7, b"\x03" * 96),),
        win_post_proof=(PoStProof(0, b"proof"),),
        parents=(LINK,),
        parent_weight=100,
        height=ChainEpoch(5),
        parent_state_root=LINK,
        parent_message_receipts=LINK,
        messages=LINK,
        bls_aggregate=Signature(SignatureType.BLS, b"\xc0" + bytes(95)),
        timestamp=1_700_000_000,
        block_sig=None,
        fork_signaling=0,
        parent_base_fee=TokenAmount(100),
    )
    return replace(header, **changes)


def test_signing_bytes_leave_out_the_signature_only() -> None:
    key = PrivateKey.generate("bls")
    unsigned = make_header()
    signed = replace(unsigned, block_sig=key.sign(unsigned.signing_bytes()))
    assert signed.signing_bytes() == unsigned.encode()
    assert signed.block_sig is not None
    assert is_valid_signature(signed.block_sig, key.address, signed.signing_bytes())
    assert signed.cid != unsigned.cid


def test_empty_arrays_are_null_in_json_as_lotus_writes_them() -> None:
    header = make_header(beacon_entries=(), win_post_proof=(), parents=(), ticket=None, election_proof=None)
    doc = header.to_json()
    assert doc["BeaconEntries"] is None and doc["WinPoStProof"] is None and doc["Parents"] is None
    assert BlockHeader.from_json(doc) == header
    assert BlockHeader.decode(header.encode()) == header


@pytest.mark.parametrize(
    "index, value",
    [(0, "not bytes"), (1, [1, 2]), (2, [1]), (3, {}), (6, 5), (7, -1), (8, b"x"), (12, -5), (15, 7)],
)
def test_invalid_header_fields_are_decode_errors(index: int, value: Any) -> None:
    raw = make_header().to_ipld()
    raw[index] = value
    with pytest.raises(DecodeError):
        BlockHeader.decode(dagcbor.encode(raw))


def test_invalid_header_field_count() -> None:
    with pytest.raises(DecodeError):
        BlockHeader.decode(dagcbor.encode(make_header().to_ipld()[:15]))


def test_invalid_header_values_are_rejected_at_construction() -> None:
    with pytest.raises(InvalidInput):
        make_header(height=ChainEpoch(-1))
    with pytest.raises(InvalidInput):
        make_header(parent_weight=-1)


@settings(max_examples=50)
@given(
    st.integers(0, 2**40),
    st.integers(0, 2**63 - 1),
    st.binary(max_size=100),
    st.integers(0, 2**64 - 1),
    st.lists(st.integers(0, 2**20), max_size=3),
)
def test_headers_round_trip(
    height: int, weight: int, ticket: bytes, timestamp: int, rounds: list[int]
) -> None:
    header = make_header(
        height=ChainEpoch(height),
        parent_weight=weight,
        ticket=Ticket(ticket),
        timestamp=timestamp,
        beacon_entries=tuple(BeaconEntry(r, b"d") for r in rounds),
    )
    assert BlockHeader.decode(header.encode()) == header
    assert BlockHeader.from_json(header.to_json()) == header
