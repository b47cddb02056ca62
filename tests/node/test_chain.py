"""The node's chain: accepting blocks, tipset expansion, executed states, message search, genesis import."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from filnet.car.v1 import CarV1Writer
from filnet.chain.block import BlockHeader, ElectionProof, Ticket
from filnet.chain.genesis import GenesisAccount, GenesisConfig, build_genesis
from filnet.chain.genesis_block import make_genesis_block
from filnet.chain.genesis_miners import GenesisMiner
from filnet.chain.message import Message, SignedMessage
from filnet.chain.preseal import PresealMiner, preseal
from filnet.chain.store import ChainStore
from filnet.chain.tipset import TipSet, store_block_messages
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch, MethodNum, Nonce
from filnet.crypto.keys import KeyType
from filnet.errors import InvalidInput
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.node.chain import NodeChain, key_address
from filnet.params import DEVNET
from filnet.proofs.registry import RegisteredSealProof
from filnet.vm.exit_codes import ExitCode
from tests.vm.harness import make_key

ALICE, BOB = make_key(1), make_key(2)
WORKER = make_key(11, KeyType.BLS)
MINER = Address.new_id(1000)
MINER2 = Address.new_id(1001)


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> PresealMiner:
    cache = tmp_path_factory.mktemp("parent-cache")
    return preseal(
        tmp_path_factory.mktemp("m1000"),
        MINER,
        WORKER,
        RegisteredSealProof.STACKED_DRG_2KIB_V1_1,
        1,
        cache,
        with_deals=False,
    )


def _genesis(store: MemoryBlockstore | ChainStore, miner: PresealMiner) -> BlockHeader:
    blocks = store.blocks if isinstance(store, ChainStore) else store
    accounts = (
        GenesisAccount(ALICE.address, TokenAmount.from_fil(10)),
        GenesisAccount(BOB.address, TokenAmount.from_fil(1)),
        GenesisAccount(WORKER.address, TokenAmount.from_fil(100)),
    )
    root = build_genesis(blocks, GenesisConfig("node", accounts, miners=(GenesisMiner(miner),)))
    return make_genesis_block(blocks, root, 1_700_000_000, "node", DEVNET)


def _send(nonce: int) -> SignedMessage:
    message = Message(
        to=BOB.address,
        sender=ALICE.address,
        nonce=Nonce(nonce),
        value=TokenAmount.from_fil(1),
        gas_limit=10_000_000,
        gas_fee_cap=TokenAmount(10_000),
        gas_premium=TokenAmount(1_000),
        method=MethodNum(0),
    )
    return SignedMessage(message, ALICE.sign(bytes(message.cid)))


def _block(
    chain: NodeChain, parent: TipSet, miner: Address, ticket: int, messages: list[SignedMessage]
) -> BlockHeader:
    meta = store_block_messages(chain.blocks, [], messages)
    state, receipts = chain.executed_state(parent)
    return replace(
        parent.blocks[0],
        miner=miner,
        ticket=Ticket(bytes([ticket]) * 32),
        election_proof=ElectionProof(1, b""),
        beacon_entries=(),
        parents=parent.cids,
        parent_weight=chain.weight(parent),
        height=ChainEpoch(parent.height + 1),
        parent_state_root=state,
        parent_message_receipts=receipts,
        parent_base_fee=chain.compute_base_fee(parent),
        messages=meta.cid,
        timestamp=parent.min_timestamp() + DEVNET.block_delay_seconds,
    )


def test_blocks_extend_the_chain_and_messages_are_found(tmp_path: Path, sealed: PresealMiner) -> None:
    store = ChainStore(tmp_path / "chain", map_size=1 << 28)
    store.set_genesis(_genesis(store, sealed))
    chain = NodeChain(store, DEVNET)
    genesis = chain.head()
    assert chain.network_name == "node"
    assert chain.executed_state(genesis) == (genesis.parent_state, genesis.parent_message_receipts)

    send = _send(0)
    first = _block(chain, genesis, MINER, 1, [send])
    change = chain.accept_block(first)
    assert change is not None and chain.head().cids == (first.cid,)
    # a second miner's block at the same height on the same parent joins the tipset
    second = _block(chain, genesis, MINER2, 2, [send])
    chain.accept_block(second)
    head = chain.head()
    assert set(head.cids) == {first.cid, second.cid}
    assert chain.weight(head) > chain.weight(TipSet.of([first]))
    assert len(chain.tipset_messages(head)) == 1  # the copy in the second block runs once

    # not found until a tipset above the including one exists (its blocks carry the receipt)
    assert chain.search_message(send.cid) is None
    child = _block(chain, head, MINER, 3, [])
    chain.accept_block(child)
    found = chain.search_message(send.cid)
    assert found is not None
    assert found.included_in.key == head.key and found.executed_in.cids == (child.cid,)
    assert found.receipt.exit_code is ExitCode.OK and found.replaced_by is None
    assert chain.get_message(send.cid) == send

    after = chain.parent_tree(chain.head())
    bob = after.get_actor(BOB.address)
    assert bob is not None and bob.balance == TokenAmount.from_fil(2)
    bob_id = after.lookup_id(BOB.address)
    assert bob_id is not None and key_address(after, bob_id) == BOB.address
    assert chain.resolve_to_key(bob_id, chain.head()) == BOB.address
    assert chain.circulating_supply(chain.head()).total == chain.total_supply

    # a restart reads the recorded states and the message index back
    store.close()
    reopened = NodeChain(ChainStore(tmp_path / "chain", map_size=1 << 28), DEVNET)
    assert reopened.head().cids == (child.cid,)
    again = reopened.search_message(send.cid)
    assert again is not None and again.executed_in.cids == (child.cid,)
    reopened.store.close()


def test_genesis_import_from_car(tmp_path: Path, sealed: PresealMiner) -> None:
    source = MemoryBlockstore()
    genesis = _genesis(source, sealed)
    car = tmp_path / "genesis.car"
    _write_all(car, genesis, source)
    store = ChainStore(tmp_path / "chain", map_size=1 << 28)
    imported = NodeChain.import_genesis(store, car)
    assert imported.cids == (genesis.cid,)
    assert NodeChain.import_genesis(store, car).cids == (genesis.cid,)  # idempotent
    other = MemoryBlockstore()
    for cid in source:
        other.put(cid, source.get(cid))
    different = make_genesis_block(other, genesis.parent_state_root, 1_700_000_001, "node", DEVNET)
    car2 = tmp_path / "other.car"
    _write_all(car2, different, other)
    with pytest.raises(InvalidInput, match="differs"):
        NodeChain.import_genesis(store, car2)
    store.close()


def _write_all(path: Path, root: BlockHeader, store: MemoryBlockstore) -> None:
    """Every block of ``store`` under ``root`` (actor code CIDs name no block, so no DAG walk)."""
    with path.open("wb") as out:
        writer = CarV1Writer(out, [root.cid])
        for cid in store:
            writer.put(cid, store.get(cid))
