"""WinningPoSt sector selection and miner eligibility on a real genesis with a pre-sealed 2 KiB miner."""

from __future__ import annotations

import pytest

from filnet.actors.miner.state import MinerState
from filnet.chain.block import BeaconEntry
from filnet.chain.genesis import GenesisAccount, GenesisConfig, build_genesis
from filnet.chain.genesis_miners import GenesisMiner
from filnet.chain.preseal import PresealMiner, preseal
from filnet.consensus import election, winning
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.crypto.keys import KeyType
from filnet.errors import InvalidInput
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.params import DEVNET
from filnet.proofs.registry import RegisteredPoStProof, RegisteredSealProof
from filnet.vm.state_tree import StateTree
from tests.vm.harness import make_key

PROOF = RegisteredSealProof.STACKED_DRG_2KIB_V1_1
OWNER = make_key(10)
WORKER = make_key(11, KeyType.BLS)
MINER = Address.new_id(1000)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[MemoryBlockstore, CID, PresealMiner]:
    cache = tmp_path_factory.mktemp("parent-cache")
    miner = preseal(tmp_path_factory.mktemp("m1000"), MINER, WORKER, PROOF, 2, cache, owner=OWNER.address)
    accounts = (
        GenesisAccount(OWNER.address, TokenAmount.from_fil(1000)),
        GenesisAccount(WORKER.address, TokenAmount.from_fil(1000)),
    )
    store = MemoryBlockstore()
    root = build_genesis(store, GenesisConfig("consensus", accounts, miners=(GenesisMiner(miner),)))
    return store, root, miner


def test_winning_post_type_matches_sector_size() -> None:
    window = RegisteredPoStProof.STACKED_DRG_WINDOW_2KIB_V1_1
    assert winning.winning_post_type(int(window)) is RegisteredPoStProof.STACKED_DRG_WINNING_2KIB_V1
    with pytest.raises(InvalidInput):
        winning.winning_post_type(999)


def test_sectors_for_winning_post_are_active_presealed_sectors(
    chain: tuple[MemoryBlockstore, CID, PresealMiner],
) -> None:
    store, root, miner = chain
    tree = StateTree.load(store, root)
    state = MinerState.decode(tree.actor_state_block(MINER))
    assert sorted(winning.active_sectors(store, state)) == sorted(s.sector_number for s in miner.sectors)
    picked = set()
    for epoch in range(1, 9):
        rand = election.winning_post_randomness(BeaconEntry(epoch, b"beacon"), MINER, epoch)
        sectors = winning.sectors_for_winning_post(store, MINER, state, rand)
        assert len(sectors) == 1
        assert sectors[0].proof == int(PROOF)
        picked.add(sectors[0].sector_number)
    # Different randomness reaches both sectors.
    assert picked == {0, 1}


def test_genesis_miner_is_eligible(chain: tuple[MemoryBlockstore, CID, PresealMiner]) -> None:
    store, root, _ = chain
    assert winning.miner_eligible_to_mine(store, DEVNET.policy, MINER, 0, root, root)
    assert not winning.miner_eligible_to_mine(store, DEVNET.policy, Address.new_id(1001), 0, root, root)
    assert not winning.miner_has_min_power(store, DEVNET.policy, root, Address.new_id(1001))
