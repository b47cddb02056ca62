"""Tipset keys, tipset ordering and validation, message meta and block message storage."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from filnet.chain.block import BlockHeader, ElectionProof, Ticket
from filnet.chain.message import Message
from filnet.chain.tipset import (
    MsgMeta,
    TipSet,
    TipSetKey,
    load_block_messages,
    store_block_messages,
    ticket_digest,
)
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch, MethodNum, Nonce
from filnet.errors import InvalidInput
from filnet.ipld import codecs, multihash
from filnet.ipld.blockstore import BlockNotFound, MemoryBlockstore
from filnet.ipld.cid import CID

STATE = CID.compute(codecs.DAG_CBOR, b"\xa0", multihash.BLAKE2B_256)
PARENT = CID.compute(codecs.DAG_CBOR, b"\x80", multihash.BLAKE2B_256)


def header(miner: int, proof: bytes, height: int = 1, parents: tuple[CID, ...] = (PARENT,)) -> BlockHeader:
    return BlockHeader(
        miner=Address.new_id(miner),
        ticket=Ticket(proof),
        election_proof=ElectionProof(1, b"e"),
        beacon_entries=(),
        win_post_proof=(),
        parents=parents,
        parent_weight=10,
        height=ChainEpoch(height),
        parent_state_root=STATE,
        parent_message_receipts=STATE,
        messages=STATE,
        bls_aggregate=None,
        timestamp=100 + miner,
        block_sig=None,
        fork_signaling=0,
        parent_base_fee=TokenAmount(100),
    )


def message(nonce: int) -> Message:
    return Message(
        to=Address.new_id(200),
        sender=Address.new_id(100),
        nonce=Nonce(nonce),
        value=TokenAmount(1),
        gas_limit=1000,
        gas_fee_cap=TokenAmount(10),
        gas_premium=TokenAmount(1),
        method=MethodNum(0),
    )


def test_tipset_orders_blocks_by_ticket_digest() -> None:
    blocks = [header(1000 + i, bytes([i]) * 32) for i in range(4)]
    tipset = TipSet.of(reversed(blocks))
    digests = [
        hashlib.blake2b(b.ticket.vrf_proof, digest_size=32).digest() for b in tipset.blocks if b.ticket
    ]
    assert digests == sorted(digests)
    assert tipset.min_ticket_block() == tipset.blocks[0]
    assert ticket_digest(tipset.blocks[0]) == digests[0]
    assert tipset.key.cids == tuple(b.cid for b in tipset.blocks)
    assert tipset.height == 1 and tipset.parents == TipSetKey((PARENT,))
    assert tipset.min_timestamp() == 1100
    assert TipSet.of(blocks) == tipset


def test_tipset_key_bytes_and_json_round_trip() -> None:
    tipset = TipSet.of(header(1000 + i, bytes([i + 1]) * 32) for i in range(3))
    key = tipset.key
    assert TipSetKey.from_bytes(key.to_bytes()) == key
    assert TipSetKey.from_json(key.to_json()) == key
    assert TipSetKey.from_json(None).is_empty()
    assert key.cid == CID.compute(codecs.DAG_CBOR, key.encode(), multihash.BLAKE2B_256)
    assert key.encode()[0] >> 5 == 2  # one CBOR byte string


def test_invalid_tipsets_are_rejected() -> None:
    a = header(1000, b"a" * 32)
    with pytest.raises(InvalidInput, match="at least one block"):
        TipSet(())
    with pytest.raises(InvalidInput, match="heights"):
        TipSet.of([a, header(1001, b"b" * 32, height=2)])
    with pytest.raises(InvalidInput, match="parents"):
        TipSet.of([a, header(1001, b"b" * 32, parents=(STATE,))])
    with pytest.raises(InvalidInput, match="twice"):
        TipSet.of([a, a])
    with pytest.raises(InvalidInput, match="no ticket"):
        TipSet.of([replace(a, ticket=None)])
    ordered = TipSet.of([a, header(1001, b"b" * 32)])
    with pytest.raises(InvalidInput, match="ticket order"):
        TipSet(tuple(reversed(ordered.blocks)))


def test_tipset_json_round_trip() -> None:
    tipset = TipSet.of(header(1000 + i, bytes([i + 7]) * 32) for i in range(2))
    assert TipSet.from_json(tipset.to_json("f")) == tipset
    bad = tipset.to_json("f") | {"Height": 5}
    with pytest.raises(InvalidInput, match="Height"):
        TipSet.from_json(bad)


def test_block_messages_round_trip_through_a_store() -> None:
    store = MemoryBlockstore()
    bls = [message(n) for n in range(3)]
    meta = store_block_messages(store, bls, [])
    assert MsgMeta.decode(store.get(meta.cid)) == meta
    loaded_bls, loaded_secp = load_block_messages(store, meta.cid)
    assert loaded_bls == bls and loaded_secp == []
    empty = store_block_messages(store, [], [])
    assert empty.bls_messages == empty.secpk_messages
    store.delete(bls[1].cid)
    with pytest.raises(BlockNotFound):
        load_block_messages(store, meta.cid)
