"""Executing a tipset from the chain store: messages of every block on the parent state, then cron."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from filnet.chain.block import ElectionProof, Ticket
from filnet.chain.execution import execute_tipset
from filnet.chain.genesis import GenesisAccount, GenesisConfig, build_genesis
from filnet.chain.genesis_block import make_genesis_block
from filnet.chain.message import Message, SignedMessage
from filnet.chain.store import ChainStore
from filnet.chain.supply import total_supply
from filnet.chain.tipset import TipSet, store_block_messages
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch, MethodNum, Nonce
from filnet.params import DEVNET
from filnet.vm.exit_codes import ExitCode
from filnet.vm.state_tree import StateTree
from tests.vm.harness import make_key

ALICE, BOB = make_key(1), make_key(2)


def test_a_tipset_of_two_blocks_runs_each_message_once(tmp_path: Path) -> None:
    store = ChainStore(tmp_path, map_size=1 << 26)
    accounts = (
        GenesisAccount(ALICE.address, TokenAmount.from_fil(10)),
        GenesisAccount(BOB.address, TokenAmount.from_fil(1)),
    )
    root = build_genesis(store.blocks, GenesisConfig("exec", accounts))
    genesis = store.set_genesis(make_genesis_block(store.blocks, root, 0, "exec", DEVNET))
    supply = total_supply(StateTree.load(store.blocks, root))

    message = Message(
        to=BOB.address,
        sender=ALICE.address,
        nonce=Nonce(0),
        value=TokenAmount.from_fil(2),
        gas_limit=10_000_000,
        gas_fee_cap=TokenAmount(10_000),
        gas_premium=TokenAmount(1_000),
        method=MethodNum(0),
    )
    signed = SignedMessage(message, ALICE.sign(bytes(message.cid)))
    meta = store_block_messages(store.blocks, [], [signed])
    bob_id = StateTree.load(store.blocks, root).lookup_id(BOB.address)
    assert bob_id is not None
    blocks = [
        replace(
            genesis.blocks[0],
            miner=bob_id,  # an account as miner: its block reward is burnt, as builtin-actors does
            ticket=Ticket(bytes([i]) * 32),
            election_proof=ElectionProof(1, b""),
            parents=genesis.cids,
            height=ChainEpoch(2),  # epoch 1 is a null round: cron runs for it too
            messages=meta.cid,
        )
        for i in range(2)
    ]
    tipset = TipSet.of(blocks)
    store.put_tipset(tipset, 1)

    result = execute_tipset(store.blocks, store, tipset, DEVNET, supply, lambda epoch: int(epoch))
    assert [r.exit_code for r in result.receipts] == [ExitCode.OK]  # the second block's copy is skipped
    after = StateTree.load(store.blocks, result.state_root)
    alice, bob = after.get_actor(ALICE.address), after.get_actor(bob_id)
    assert alice is not None and bob is not None
    assert bob.balance == TokenAmount.from_fil(3) and alice.nonce == 1
    assert alice.balance < TokenAmount.from_fil(8)  # gas paid
    again = execute_tipset(store.blocks, store, tipset, DEVNET, supply, lambda epoch: int(epoch))
    assert (again.state_root, again.receipts_root) == (result.state_root, result.receipts_root)

    store.set_tipset_state(tipset, result.state_root, result.receipts_root)
    assert store.maybe_take_heavier(tipset) is not None
    # the genesis tipset's result is its own parent state
    genesis_result = execute_tipset(store.blocks, store, genesis, DEVNET, supply, lambda epoch: int(epoch))
    assert genesis_result.state_root == root
    store.close()
