"""Circulating supply: genesis FIL less unmined, burnt, locked and still-vesting FIL."""

from __future__ import annotations

from filnet.chain.genesis import MINING_RESERVE, GenesisAccount, GenesisConfig, GenesisMultisig, build_genesis
from filnet.chain.supply import circulating_supply, total_supply
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.vm.state_tree import StateTree
from tests.vm.harness import make_key


def test_genesis_supply_is_what_accounts_hold() -> None:
    store = MemoryBlockstore()
    alice, bob = make_key(1).address, make_key(2).address
    msig = GenesisMultisig((alice,), 1, TokenAmount.from_fil(100), vesting_start=0, vesting_duration=100)
    config = GenesisConfig(
        "supply",
        (GenesisAccount(alice, TokenAmount.from_fil(10)), GenesisAccount(bob, TokenAmount.from_fil(5))),
        (msig,),
    )
    tree = StateTree.load(store, build_genesis(store, config))
    total = total_supply(tree)
    assert total == MINING_RESERVE + TokenAmount.from_fil(115)
    msig_address = Address.new_id(102)
    plain = circulating_supply(tree, ChainEpoch(0), total)
    assert plain.unmined == MINING_RESERVE and plain.burnt == ZERO and plain.locked == ZERO
    assert plain.circulating == TokenAmount.from_fil(115)
    at_start = circulating_supply(tree, ChainEpoch(0), total, [msig_address])
    assert at_start.circulating == TokenAmount.from_fil(15)
    halfway = circulating_supply(tree, ChainEpoch(50), total, [msig_address])
    assert halfway.circulating == TokenAmount.from_fil(65)
    done = circulating_supply(tree, ChainEpoch(100), total, [msig_address])
    assert done.circulating == TokenAmount.from_fil(115)
