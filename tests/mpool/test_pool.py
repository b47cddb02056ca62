"""The message pool against an in-memory chain: admission rules, replace-by-fee, head changes, restart."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from filnet.chain.block import BlockHeader, Ticket
from filnet.chain.genesis import GenesisAccount, GenesisConfig, build_genesis
from filnet.chain.genesis_block import make_genesis_block
from filnet.chain.message import Message, SignedMessage
from filnet.chain.tipset import TipSet, TipSetKey
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch, MethodNum, Nonce
from filnet.crypto.keys import PrivateKey
from filnet.errors import NotFound
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.mpool.errors import ErrInvalidSignature, ErrNonceTooLow, ErrNotEnoughFunds, ErrRBFTooLowPremium
from filnet.mpool.pool import MessagePool
from filnet.mpool.provider import ActorInfo
from filnet.params import DEVNET
from tests.vm.harness import make_key

ALICE, BOB = make_key(1), make_key(2)
FIL = TokenAmount.from_fil(1)


class _Chain:
    """Heads, actors and block messages held in dictionaries."""

    def __init__(self) -> None:
        store = MemoryBlockstore()
        root = build_genesis(store, GenesisConfig("mpool", (GenesisAccount(ALICE.address, FIL),)))
        self.genesis = TipSet.of([make_genesis_block(store, root, 0, "mpool", DEVNET)])
        self.current = self.genesis
        self.tipsets = {self.genesis.key: self.genesis}
        self.actors: dict[Address, ActorInfo] = {ALICE.address: ActorInfo(0, FIL)}
        self.block_messages: dict[BlockHeader, tuple[list[Message], list[SignedMessage]]] = {}

    def head(self) -> TipSet:
        return self.current

    def get_actor(self, address: Address, ts: TipSet) -> ActorInfo | None:
        return self.actors.get(address)

    def resolve_to_key(self, address: Address, ts: TipSet) -> Address | None:
        return address

    def compute_base_fee(self, ts: TipSet) -> TokenAmount:
        return TokenAmount(DEVNET.minimum_base_fee)

    def messages_for_block(self, block: BlockHeader) -> tuple[list[Message], list[SignedMessage]]:
        return self.block_messages.get(block, ([], []))

    def load_tipset(self, key: TipSetKey) -> TipSet:
        if key not in self.tipsets:
            raise NotFound(f"tipset {key}")
        return self.tipsets[key]

    def mine(self, secp: list[SignedMessage]) -> TipSet:
        block = replace(
            self.current.blocks[0],
            ticket=Ticket(bytes([len(self.tipsets)]) * 8),
            parents=self.current.cids,
            height=ChainEpoch(self.current.height + 1),
        )
        self.block_messages[block] = ([], secp)
        tipset = TipSet.of([block])
        self.tipsets[tipset.key] = tipset
        for m in secp:
            info = self.actors[m.message.sender]
            self.actors[m.message.sender] = ActorInfo(m.message.nonce + 1, info.balance)
        self.current = tipset
        return tipset


def _signed(key: PrivateKey, nonce: int, premium: int = 1_000, fee_cap: int = 2_000_000) -> SignedMessage:
    message = Message(
        to=BOB.address,
        sender=key.address,
        nonce=Nonce(nonce),
        value=TokenAmount(1),
        gas_limit=1_000_000,
        gas_fee_cap=TokenAmount(fee_cap),
        gas_premium=TokenAmount(premium),
        method=MethodNum(0),
    )
    return SignedMessage(message, key.sign(bytes(message.cid)))


def test_push_orders_nonces_and_rejects_what_lotus_rejects(tmp_path: Path) -> None:
    chain = _Chain()
    pool = MessagePool(chain, DEVNET, directory=tmp_path)
    first, second = _signed(ALICE, 0), _signed(ALICE, 1)
    pool.push(first, publish=False)
    pool.push(second, publish=False)
    assert pool.get_nonce(ALICE.address) == 2
    assert [m.cid for m in pool.pending()[0]] == [first.cid, second.cid]

    with pytest.raises(ErrRBFTooLowPremium):
        pool.push(_signed(ALICE, 1, premium=1_001), publish=False)
    replacement = _signed(ALICE, 1, premium=2_000)
    pool.push(replacement, publish=False)
    assert {m.cid for m in pool.pending()[0]} == {first.cid, replacement.cid}

    # as Lotus, the gas a message may burn must be covered (its value is the VM's business)
    with pytest.raises(ErrNotEnoughFunds):
        pool.push(_signed(ALICE, 2, fee_cap=FIL.atto), publish=False)
    forged = SignedMessage(_signed(ALICE, 2).message, BOB.sign(bytes(_signed(ALICE, 2).message.cid)))
    with pytest.raises(ErrInvalidSignature):
        pool.push(forged, publish=False)
    pool.close()

    # a restart keeps the local messages
    reopened = MessagePool(chain, DEVNET, directory=tmp_path)
    assert {m.cid for m in reopened.pending()[0]} == {first.cid, replacement.cid}
    reopened.close()


def test_head_changes_remove_included_messages_and_stale_nonces_are_refused() -> None:
    chain = _Chain()
    pool = MessagePool(chain, DEVNET)
    first, second = _signed(ALICE, 0), _signed(ALICE, 1)
    pool.push(first, publish=False)
    pool.push(second, publish=False)
    previous = chain.current
    applied = chain.mine([first])
    pool.head_change([], [applied])
    assert [m.cid for m in pool.pending()[0]] == [second.cid]
    assert pool.get_nonce(ALICE.address) == 2
    with pytest.raises(ErrNonceTooLow):
        pool.push(_signed(ALICE, 0, premium=5_000), publish=False)
    # reverting the tipset brings its message back
    chain.current = previous
    chain.actors[ALICE.address] = ActorInfo(0, FIL)
    pool.head_change([applied], [])
    assert {m.cid for m in pool.pending()[0]} == {first.cid, second.cid}


def test_selection_takes_pending_messages_in_nonce_order() -> None:
    chain = _Chain()
    pool = MessagePool(chain, DEVNET)
    messages = [_signed(ALICE, n, premium=1_000 + n) for n in range(5)]
    for m in messages:
        pool.push(m, publish=False)
    selected = pool.select_messages(chain.current, 1.0)
    assert [m.message.nonce for m in selected] == [0, 1, 2, 3, 4]
