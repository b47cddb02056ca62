"""Ticket and beacon randomness drawn from a chain, as Lotus's chain/rand does."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from filnet.chain.block import BeaconEntry, Ticket
from filnet.chain.genesis import GenesisAccount, GenesisConfig, build_genesis
from filnet.chain.genesis_block import make_genesis_block
from filnet.chain.randomness import ChainRandomness, RandomnessFromTheFuture
from filnet.chain.tipset import TipSet, TipSetKey
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.crypto.randomness import DomainSeparationTag, draw_randomness_from_digest
from filnet.errors import NotFound
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.params import DEVNET
from tests.vm.harness import make_key


class _Chain:
    """Tipsets in memory, by key; heights looked up by walking parents as the chain store does."""

    def __init__(self) -> None:
        self.tipsets: dict[TipSetKey, TipSet] = {}

    def add(self, tipset: TipSet) -> TipSet:
        self.tipsets[tipset.key] = tipset
        return tipset

    def load_tipset(self, key: TipSetKey) -> TipSet:
        try:
            return self.tipsets[key]
        except KeyError:
            raise NotFound(f"tipset {key}") from None

    def tipset_by_height(self, height: ChainEpoch, head: TipSet, prev: bool) -> TipSet:
        after = head
        tipset = head
        while tipset.height > height:
            after = tipset
            tipset = self.load_tipset(tipset.parents)
        if tipset.height == height or prev:
            return tipset
        return after


def _blocks_on(parent: TipSet, height: int, tickets: list[bytes], entries: tuple[BeaconEntry, ...]) -> TipSet:
    base = parent.blocks[0]
    return TipSet.of(
        replace(
            base,
            miner=make_key(i + 1).address,
            ticket=Ticket(t),
            parents=parent.cids,
            height=ChainEpoch(height),
            beacon_entries=entries,
        )
        for i, t in enumerate(tickets)
    )


@pytest.fixture(scope="module")
def chain() -> tuple[_Chain, list[TipSet]]:
    store = MemoryBlockstore()
    root = build_genesis(store, GenesisConfig("rand", (GenesisAccount(make_key(1).address, TokenAmount(1)),)))
    genesis = TipSet.of([make_genesis_block(store, root, 0, "rand", DEVNET)])
    c = _Chain()
    c.add(genesis)
    one = c.add(_blocks_on(genesis, 1, [b"a" * 8, b"b" * 8], (BeaconEntry(1, b"round-1"),)))
    # epoch 2 is a null round: the tipset at 3 carries the beacon entries of rounds 2 and 3
    three = c.add(_blocks_on(one, 3, [b"c" * 8], (BeaconEntry(2, b"round-2"), BeaconEntry(3, b"round-3"))))
    four = c.add(_blocks_on(three, 4, [b"d" * 8], ()))  # no new entry: search goes back
    return c, [genesis, one, three, four]


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def test_ticket_randomness_uses_the_min_ticket_and_the_tipset_after_a_null_round(
    chain: tuple[_Chain, list[TipSet]],
) -> None:
    c, (*_, four) = chain
    rand = ChainRandomness(c, four, lambda epoch: int(epoch))
    min_ticket = min((b"a" * 8, b"b" * 8), key=_digest)
    assert rand.ticket_digest(ChainEpoch(1)) == _digest(min_ticket)
    assert rand.ticket_digest(ChainEpoch(2)) == _digest(b"c" * 8)  # null round: the next tipset
    tag, entropy = DomainSeparationTag.SEAL_RANDOMNESS, b"entropy"
    assert rand.ticket_randomness(tag, ChainEpoch(1), entropy) == draw_randomness_from_digest(
        _digest(min_ticket), tag, 1, entropy
    )
    with pytest.raises(RandomnessFromTheFuture):
        rand.ticket_randomness(tag, ChainEpoch(5), entropy)


def test_beacon_randomness_finds_the_round_of_the_epoch(chain: tuple[_Chain, list[TipSet]]) -> None:
    c, (*_, four) = chain
    rand = ChainRandomness(c, four, lambda epoch: int(epoch))
    assert rand.beacon_entry(ChainEpoch(2)).data == b"round-2"
    assert rand.beacon_entry(ChainEpoch(3)).data == b"round-3"
    tag = DomainSeparationTag.INTERACTIVE_SEAL_CHALLENGE_SEED
    assert rand.beacon_randomness(tag, ChainEpoch(1), b"x") == draw_randomness_from_digest(
        _digest(b"round-1"), tag, 1, b"x"
    )
    with pytest.raises(NotFound, match="round 4"):
        rand.beacon_entry(ChainEpoch(4))
