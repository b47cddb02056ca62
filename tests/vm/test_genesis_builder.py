"""The genesis builder: singletons as Lotus writes them, accounts, multisigs, invariants, bad configs."""

from __future__ import annotations

import pytest

from filnet.actors import manifest as names
from filnet.actors.account.state import AccountState
from filnet.actors.cron.state import CronState
from filnet.actors.multisig.state import MultisigState
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.errors import InvalidInput
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.vm.genesis import (
    BUTTERFLYNET_MANIFEST,
    MINING_RESERVE,
    GenesisAccount,
    GenesisConfig,
    GenesisMultisig,
    build_genesis,
)
from filnet.vm.invariants import check_state_invariants
from filnet.vm.state_tree import StateTree
from tests.vm.genesis import genesis
from tests.vm.harness import make_key

FIL = TokenAmount.from_fil


def _build(config: GenesisConfig) -> tuple[StateTree, CID]:
    store = MemoryBlockstore()
    root = build_genesis(store, config)
    tree = StateTree.load(store, root)
    assert check_state_invariants(tree).problems == ()
    return tree, root


def test_manifest_is_butterflynets() -> None:
    store, root = genesis("butterflynet")
    assert StateTree.load(store, root).manifest() == BUTTERFLYNET_MANIFEST


@pytest.mark.parametrize("actor_id", [0, 2, 10, 99])
def test_singletons_match_lotus_butterflynet_byte_for_byte(actor_id: int) -> None:
    """System (manifest link), reward (state and the 1.1 billion FIL reserve), EAM and burnt funds are what
    Lotus wrote; init and cron differ only by the accounts and miners a network has."""
    store, root = genesis("butterflynet")
    lotus = StateTree.load(store, root).get_actor(Address.new_id(actor_id))
    ours, _ = _build(GenesisConfig("butterflynet"))
    assert ours.get_actor(Address.new_id(actor_id)) == lotus


def test_singletons_and_network_name() -> None:
    tree, _ = _build(GenesisConfig("devnet"))
    found = {a.id: tree.actor_name(s) for a, s in tree.iter_actors()}
    assert found == {
        0: names.SYSTEM,
        1: names.INIT,
        2: names.REWARD,
        3: names.CRON,
        10: names.EAM,
        99: names.ACCOUNT,
    }
    assert tree.init_state().network_name == "devnet"
    assert tree.init_state().next_id == 100
    assert CronState.decode(tree.actor_state_block(Address.new_id(3))).entries == ()


def test_accounts_get_ids_in_order_and_balances() -> None:
    keys = [make_key(i) for i in range(3)]
    config = GenesisConfig("devnet", tuple(GenesisAccount(k.address, FIL(i + 1)) for i, k in enumerate(keys)))
    tree, _ = _build(config)
    for i, key in enumerate(keys):
        assert tree.lookup_id(key.address) == Address.new_id(100 + i)
        actor = tree.get_actor(key.address)
        assert actor is not None and actor.balance == FIL(i + 1)
        assert AccountState.decode(tree.store.get(actor.head)).address == key.address
    assert check_state_invariants(tree).total_balance == MINING_RESERVE + FIL(6)


def test_multisig_signers_resolve_and_new_signers_get_accounts() -> None:
    known, unknown = make_key(0), make_key(1)
    multisig = GenesisMultisig(
        (known.address, unknown.address), 2, FIL(10), vesting_start=5, vesting_duration=100
    )
    tree, _ = _build(GenesisConfig("devnet", (GenesisAccount(known.address, FIL(1)),), (multisig,)))
    assert tree.lookup_id(unknown.address) == Address.new_id(101)
    actor = tree.get_actor(Address.new_id(102))
    assert actor is not None and tree.actor_name(actor) == names.MULTISIG and actor.balance == FIL(10)
    state = MultisigState.decode(tree.store.get(actor.head))
    assert state.signers == (Address.new_id(100), Address.new_id(101))
    assert (state.num_approvals_threshold, state.initial_balance) == (2, FIL(10))
    assert (state.start_epoch, state.unlock_duration) == (5, 100)


def test_same_config_same_root() -> None:
    config = GenesisConfig("devnet", (GenesisAccount(make_key(0).address, FIL(1)),))
    assert _build(config)[1] == _build(config)[1]
    other = GenesisConfig("devnet2", config.accounts)
    assert _build(config)[1] != _build(other)[1]


@pytest.mark.parametrize(
    "config",
    [
        GenesisConfig(""),
        GenesisConfig("x", (GenesisAccount(Address.new_id(5), FIL(1)),)),
        GenesisConfig("x", (GenesisAccount(make_key(0).address, FIL(1)),) * 2),
        GenesisConfig("x", (GenesisAccount(make_key(0).address, TokenAmount(-1)),)),
        GenesisConfig("x", multisigs=(GenesisMultisig((make_key(0).address,), 2, FIL(1)),)),
        GenesisConfig("x", multisigs=(GenesisMultisig((make_key(0).address,) * 2, 1, FIL(1)),)),
        GenesisConfig("x", multisigs=(GenesisMultisig((Address.new_id(500),), 1, FIL(1)),)),
    ],
)
def test_invalid_configs(config: GenesisConfig) -> None:
    with pytest.raises(InvalidInput):
        build_genesis(MemoryBlockstore(), config)
