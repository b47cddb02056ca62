"""The genesis builder: singletons as Lotus writes them, accounts, multisigs, invariants, bad configs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from filnet.actors import manifest as names
from filnet.actors.account.state import AccountState
from filnet.actors.cron.state import CronState
from filnet.actors.datacap import state as datacap
from filnet.actors.invariants import check_state_invariants
from filnet.actors.market import state as market
from filnet.actors.multisig.state import MultisigState
from filnet.actors.power import state as power
from filnet.actors.verifreg import state as verifreg
from filnet.chain.genesis import (
    BUTTERFLYNET_MANIFEST,
    CRON_ENTRIES,
    DEFAULT_VERIFREG_ROOT_KEY,
    MINING_RESERVE,
    GenesisAccount,
    GenesisConfig,
    GenesisMultisig,
    build_genesis,
)
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.errors import InvalidInput, NotFound
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.vm.state_tree import StateTree
from tests.vm.genesis import genesis
from tests.vm.harness import World, make_key

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
    Lotus wrote; init differs by the accounts a network has, cron by the two entries the builder omits."""
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
        4: names.POWER,
        5: names.MARKET,
        6: names.VERIFREG,
        7: names.DATACAP,
        10: names.EAM,
        80: names.MULTISIG,
        99: names.ACCOUNT,
        100: names.ACCOUNT,
    }
    assert tree.init_state().network_name == "devnet"
    assert tree.init_state().next_id == 101
    assert CronState.decode(tree.actor_state_block(Address.new_id(3))).entries == CRON_ENTRIES


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


def _lotus_state(actor_id: int) -> bytes:
    store, root = genesis("butterflynet")
    return StateTree.load(store, root).actor_state_block(Address.new_id(actor_id))


def test_storage_singletons_start_from_builtin_actors_empty_states() -> None:
    tree, _ = _build(GenesisConfig("devnet"))
    store = tree.store
    lotus = StateTree.load(*genesis("butterflynet"))
    for actor_id, name in ((4, names.POWER), (5, names.MARKET), (6, names.VERIFREG), (7, names.DATACAP)):
        actor = tree.get_actor(Address.new_id(actor_id))
        lotus_actor = lotus.get_actor(Address.new_id(actor_id))
        assert actor is not None and lotus_actor is not None
        assert actor.code == lotus_actor.code == BUTTERFLYNET_MANIFEST.code_of(name)
        assert (actor.balance, actor.nonce) == (ZERO, 0)
    expected = {
        4: power.empty_state(store).encode(),
        5: market.empty_state(store).encode(),
        6: verifreg.empty_state(store, Address.new_id(80)).encode(),
        7: datacap.empty_state(store, Address.new_id(6)).encode(),
    }
    for actor_id, data in expected.items():
        assert tree.actor_state_block(Address.new_id(actor_id)) == data


def test_storage_singletons_equal_lotus_butterflynet_but_for_its_preseal_miners() -> None:
    """Butterflynet's genesis has three preseal miners with 1,440 verified deals, so its power, market,
    verified registry and datacap blocks are not empty; set the fields those miners and deals filled back
    to their empty values and each block is byte for byte the builder's."""
    tree, _ = _build(GenesisConfig("devnet"))
    ours = {i: tree.actor_state_block(Address.new_id(i)) for i in (4, 5, 6, 7)}
    empty = power.empty_state(tree.store)
    lotus_power = power.PowerState.decode(_lotus_state(4))
    lotus_power = replace(
        lotus_power,
        total_raw_byte_power=0,
        total_bytes_committed=0,
        total_quality_adj_power=0,
        total_qa_bytes_committed=0,
        total_pledge_collateral=ZERO,
        this_epoch_raw_byte_power=0,
        this_epoch_quality_adj_power=0,
        miner_count=0,
        miner_above_min_power_count=0,
        cron_event_queue=empty.cron_event_queue,
        claims=empty.claims,
    )
    assert lotus_power.encode() == ours[4]
    empty_market = market.empty_state(tree.store)
    lotus_market = replace(
        market.MarketState.decode(_lotus_state(5)),
        proposals=empty_market.proposals,
        states=empty_market.states,
        pending_proposals=empty_market.pending_proposals,
        locked_table=empty_market.locked_table,
        next_id=0,
        deal_ops_by_epoch=empty_market.deal_ops_by_epoch,
        provider_sectors=empty_market.provider_sectors,
    )
    assert lotus_market.encode() == ours[5]
    lotus_verifreg = replace(
        verifreg.VerifregState.decode(_lotus_state(6)),
        verifiers=empty.claims,
        next_allocation_id=1,
        claims=empty.claims,
    )
    assert lotus_verifreg.encode() == ours[6]
    lotus_datacap = datacap.DatacapState.decode(_lotus_state(7))
    lotus_datacap = replace(lotus_datacap, token=replace(lotus_datacap.token, allowances=empty.claims))
    assert lotus_datacap.encode() == ours[7]


def test_verifreg_root_key_is_lotus_devnet_multisig_at_f080() -> None:
    tree, _ = _build(GenesisConfig("devnet", (GenesisAccount(make_key(0).address, FIL(1)),)))
    state = verifreg.VerifregState.decode(tree.actor_state_block(Address.new_id(6)))
    assert state.root_key == Address.new_id(80)
    root = MultisigState.decode(tree.actor_state_block(Address.new_id(80)))
    (signer,) = DEFAULT_VERIFREG_ROOT_KEY.signers
    assert str(signer) == "f1ceb34gnsc6qk5dt6n7xg6ycwzasjhbxm3iylkiy"
    # The signer is not a genesis account, so it gets the next ID after the accounts.
    assert tree.lookup_id(signer) == Address.new_id(101)
    assert (root.signers, root.num_approvals_threshold) == ((Address.new_id(101),), 1)


def test_verifreg_root_key_as_butterflynet_configures_it() -> None:
    """With butterflynet's three genesis clients (f0100-f0102) and its root key signer, the f080 multisig
    and the signer's account are Lotus's byte for byte."""
    store, root = genesis("butterflynet")
    lotus = StateTree.load(store, root)
    clients = {int(actor_id): address for address, actor_id in lotus.address_map().items()}
    balances = {int(a.id): actor.balance for a, actor in lotus.iter_actors()}
    accounts = tuple(GenesisAccount(clients[i], balances[i]) for i in (100, 101, 102))
    root_key = GenesisMultisig((clients[103],), 1, ZERO)
    tree, _ = _build(GenesisConfig("butterflynet", accounts, verifreg_root_key=root_key))
    for actor_id in (80, 100, 101, 102, 103):
        assert tree.get_actor(Address.new_id(actor_id)) == lotus.get_actor(Address.new_id(actor_id))


def test_value_sent_to_a_storage_singleton_is_a_plain_transfer() -> None:
    key = make_key(0)
    world = World([key])
    result = world.apply(world.message(key, Address.new_id(5), value=FIL(2)))
    assert result.receipt.exit_code == 0
    assert world.balance(Address.new_id(5)) == FIL(2)
    world.flush_and_check()


def test_calling_a_method_of_an_unimplemented_actor_is_fatal_and_named() -> None:
    """The FVM aborts (a fatal error, no receipt) when it cannot run an actor's code; so does filnet, naming
    the actor, its code and the method, and leaving the state as it was."""
    key = make_key(0)
    world = World([key])
    before = world.machine.flush()
    with pytest.raises(NotFound) as raised:
        world.apply(world.message(key, Address.new_id(10), method=2))
    message = str(raised.value)
    assert "method 2 of eam actor f010" in message
    assert str(BUTTERFLYNET_MANIFEST.code_of(names.EAM)) in message
    assert world.machine.flush() == before


def test_invalid_root_key_config() -> None:
    with pytest.raises(InvalidInput):
        build_genesis(MemoryBlockstore(), GenesisConfig("x", verifreg_root_key=GenesisMultisig((), 1, ZERO)))
