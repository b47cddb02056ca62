"""Genesis storage providers: pre-sealed sectors, active deals and power from epoch 0."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from filnet.actors import manifest as names
from filnet.actors.invariants import check_state_invariants
from filnet.actors.market.state import MarketState, deal_states, proposals
from filnet.actors.miner.state import MinerState
from filnet.actors.power.state import Claims, PowerState
from filnet.chain.genesis import GenesisAccount, GenesisConfig, build_genesis
from filnet.chain.genesis_miners import GenesisMiner, GenesisMinerError
from filnet.chain.preseal import PresealMiner, load_preseal, preseal
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.crypto.keys import KeyType
from filnet.errors import InvalidInput
from filnet.ipld import codecs, multihash
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.params import DEVNET
from filnet.proofs.registry import RegisteredSealProof
from filnet.vm.state_tree import StateTree
from tests.vm.harness import make_key

PROOF = RegisteredSealProof.STACKED_DRG_2KIB_V1_1
OWNER = make_key(10)
WORKER = make_key(11, KeyType.BLS)


@pytest.fixture(scope="module")
def presealed(tmp_path_factory: pytest.TempPathFactory) -> tuple[PresealMiner, PresealMiner]:
    cache = tmp_path_factory.mktemp("parent-cache")
    with_deals = preseal(
        tmp_path_factory.mktemp("m1000"), Address.new_id(1000), WORKER, PROOF, 2, cache, owner=OWNER.address
    )
    committed = preseal(
        tmp_path_factory.mktemp("m1001"), Address.new_id(1001), WORKER, PROOF, 1, cache, with_deals=False
    )
    return with_deals, committed


def config(*miners: PresealMiner) -> GenesisConfig:
    accounts = (
        GenesisAccount(OWNER.address, TokenAmount.from_fil(1000)),
        GenesisAccount(WORKER.address, TokenAmount.from_fil(1000)),
    )
    return GenesisConfig("genesis-miners", accounts, miners=tuple(GenesisMiner(m) for m in miners))


def test_preseal_manifest_round_trips(presealed: tuple[PresealMiner, PresealMiner], tmp_path: Path) -> None:
    first, _ = presealed
    assert PresealMiner.from_json(first.to_json()) == first
    with pytest.raises(InvalidInput, match="no preseal manifest"):
        load_preseal(tmp_path)


def test_presealed_miners_have_power_and_active_deals(presealed: tuple[PresealMiner, PresealMiner]) -> None:
    first, second = presealed
    store = MemoryBlockstore()
    tree = StateTree.load(store, build_genesis(store, config(first, second)))
    check = check_state_invariants(tree, DEVNET.policy)
    assert check.problems == ()

    for miner, sectors in ((first, 2), (second, 1)):
        actor = tree.get_actor(miner.miner)
        assert actor is not None and tree.actor_name(actor) == names.MINER
        state = MinerState.decode(store.get(actor.head))
        info = state.get_info(store)
        assert tree.lookup_id(WORKER.address) == info.worker
        assert state.initial_pledge.atto > 0
        claim = Claims(store, PowerState.decode(tree.actor_state_block(Address.new_id(4))).claims).get(
            miner.miner
        )
        assert claim is not None
        assert claim.raw_byte_power == claim.quality_adj_power == sectors * PROOF.sector_size

    power = PowerState.decode(tree.actor_state_block(Address.new_id(4)))
    assert power.total_raw_byte_power == 3 * PROOF.sector_size
    assert power.miner_count == 2
    market = MarketState.decode(tree.actor_state_block(Address.new_id(5)))
    deals = dict(proposals(store, market.proposals))
    assert [d.provider for d in deals.values()] == [first.miner, first.miner]
    states = dict(deal_states(store, market.states))
    assert sorted(s.sector_number for s in states.values()) == [0, 1]
    assert all(s.sector_start_epoch == 0 for s in states.values())


def test_invalid_preseal_for_another_miner_id(presealed: tuple[PresealMiner, PresealMiner]) -> None:
    _, second = presealed
    store = MemoryBlockstore()
    with pytest.raises(GenesisMinerError, match="pre-sealed for f01001"):
        build_genesis(store, config(second))


def test_invalid_miner_owner_not_a_genesis_account(presealed: tuple[PresealMiner, PresealMiner]) -> None:
    first, _ = presealed
    stranger = replace(first, owner=make_key(99).address)
    with pytest.raises(InvalidInput, match="is not a genesis account"):
        build_genesis(MemoryBlockstore(), config(stranger))


def _rewrite_power_claims(tree: StateTree, change: Callable[[Claims], None]) -> None:
    """Apply ``change`` to the power actor's claims, in place in ``tree``."""
    power_id = Address.new_id(4)
    actor = tree.get_actor(power_id)
    assert actor is not None
    state = PowerState.decode(tree.actor_state_block(power_id))
    claims = Claims(tree.store, state.claims)
    change(claims)
    data = replace(state, claims=claims.flush()).encode()
    head = CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)
    tree.store.put(head, data)
    tree.set_actor(power_id, replace(actor, head=head))


def test_miners_are_checked_against_their_power_claims(presealed: tuple[PresealMiner, PresealMiner]) -> None:
    first, second = presealed
    store = MemoryBlockstore()
    tree = StateTree.load(store, build_genesis(store, config(first, second)))

    def inflate(claims: Claims) -> None:
        claim = claims.get(first.miner)
        assert claim is not None
        claims.set(first.miner, replace(claim, raw_byte_power=claim.raw_byte_power + 1))

    _rewrite_power_claims(tree, inflate)
    problems = check_state_invariants(tree, DEVNET.policy).problems
    assert any(f"miner {first.miner} computed active power" in p for p in problems), problems

    _rewrite_power_claims(tree, lambda claims: claims.delete(second.miner) or None)
    problems = check_state_invariants(tree, DEVNET.policy).problems
    assert f"miner {second.miner} has no power claim" in problems, problems
