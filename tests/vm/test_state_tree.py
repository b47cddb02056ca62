"""The state tree over Lotus genesis states: versions, actor entries, address resolution, rebuilt roots."""

from __future__ import annotations

import pytest

from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.errors import DecodeError, InvalidInput, NotFound
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from filnet.vm.state_tree import ActorState, StateRoot, StateTree
from tests.vm.genesis import NETWORKS, STATE_VERSIONS, genesis

F090 = Address.parse("f1vl2wgz6f4dg2zy57ulz3h7boh7bksnoetpyaz6y")


@pytest.mark.parametrize("network", NETWORKS)
def test_versions_and_actor_entries_round_trip(network: str) -> None:
    store, root = genesis(network)
    tree = StateTree.load(store, root)
    assert tree.version == STATE_VERSIONS[network]
    raw_entries = dict(Hamt(store, tree.root.actors, legacy_pointers=tree.version < 2).items())
    actors = dict(tree.iter_actors())
    assert len(actors) == len(raw_entries) > 15
    for address, actor in actors.items():
        assert actor.to_ipld(tree.version) == raw_entries[bytes(address)]
    total = sum((a.balance for a in actors.values()), TokenAmount(0))
    assert total == TokenAmount.from_fil(2_000_000_000)  # Filecoin's fixed supply, all of it at genesis
    assert {tree.actor_name(a) for a in actors.values()} >= {"system", "init", "reward", "cron", "account"}


@pytest.mark.parametrize("network", ["butterflynet", "interopnet"])
def test_rebuilding_the_state_root_from_its_actors(network: str) -> None:
    store, root = genesis(network)
    source = StateTree.load(store, root)
    fresh = StateTree.new(MemoryBlockstore(), version=source.version)
    assert fresh.root.info == source.root.info  # Lotus's info block is the empty tuple too
    for address, actor in reversed(list(source.iter_actors())):
        fresh.set_actor(address, actor)
    assert fresh.flush() == root


def test_resolution_through_the_init_actor() -> None:
    store, root = genesis("butterflynet")
    tree = StateTree.load(store, root)
    assert tree.lookup_id(F090) == Address.new_id(90)
    assert tree.lookup_id(Address.new_id(12345)) == Address.new_id(12345)
    by_id = tree.get_actor(Address.new_id(90))
    assert by_id is not None and tree.get_actor(F090) == by_id
    assert by_id.balance == TokenAmount.from_fil(897_000_000)
    assert tree.get_actor(Address.parse("f1abjxfbp274xpdqcpuaykwkfb43omjotacm2p3za")) is None
    assert tree.init_state().network_name == "butterflynet"
    eth = tree.get_actor(Address.new_id(1003))
    assert eth is not None and eth.delegated_address is not None and eth.delegated_address.namespace == 10


def test_manifest_names_and_identity_codes() -> None:
    tree = StateTree.load(*genesis("butterflynet"))
    manifest = tree.manifest()
    assert manifest is not None and len(manifest.entries) == 16
    assert manifest.code_of("account") == tree.get_actor(Address.new_id(90)).code  # type: ignore[union-attr]
    old = StateTree.load(*genesis("interopnet"))
    assert old.manifest() is None
    miner = old.get_actor(Address.new_id(1000))
    assert miner is not None and miner.code.hash_code == multihash.IDENTITY
    assert old.actor_name(miner) == "storageminer"


def test_write_reload_and_delete() -> None:
    store = MemoryBlockstore()
    tree = StateTree.new(store)
    head = CID.compute(codecs.DAG_CBOR, dagcbor.encode([]), multihash.BLAKE2B_256)
    code = CID.v1(codecs.RAW, multihash.IDENTITY, b"fil/16/account")
    actor = ActorState(code, head, 3, TokenAmount(10), Address.new_eth(b"\x01" * 20))
    tree.set_actor(Address.new_id(100), actor)
    root = tree.flush()
    reloaded = StateTree.load(store, root)
    assert reloaded.get_actor(Address.new_id(100)) == actor
    assert reloaded.actor_name(actor) == "account"
    assert reloaded.delete_actor(Address.new_id(100)) and not reloaded.delete_actor(Address.new_id(100))
    assert reloaded.flush() == StateTree.new(MemoryBlockstore()).flush()


def test_invalid_inputs() -> None:
    tree = StateTree.new(MemoryBlockstore(), version=4)
    head = CID.compute(codecs.DAG_CBOR, b"\x80", multihash.BLAKE2B_256)
    with pytest.raises(InvalidInput, match="ID addresses"):
        tree.set_actor(
            Address.parse("f1vl2wgz6f4dg2zy57ulz3h7boh7bksnoetpyaz6y"),
            ActorState(head, head, 0, TokenAmount(0)),
        )
    with pytest.raises(InvalidInput, match="cannot hold a delegated address"):
        tree.set_actor(
            Address.new_id(5), ActorState(head, head, 0, TokenAmount(0), Address.new_eth(b"\x02" * 20))
        )
    with pytest.raises(InvalidInput):
        StateTree.new(MemoryBlockstore(), version=1)
    with pytest.raises(NotFound, match="no actor at f01"):
        tree.init_state()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ([9, None, None], "unsupported state tree version 9"),
        ({"a": 1}, "neither"),
        ([5, b"x", b"y"], "expected a link"),
    ],
)
def test_invalid_state_roots(raw: object, reason: str) -> None:
    store = MemoryBlockstore()
    data = dagcbor.encode(raw)
    cid = CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)
    store.put(cid, data)
    with pytest.raises(DecodeError, match=reason):
        StateRoot.load(store, cid)


@pytest.mark.parametrize(
    ("raw", "version", "reason"),
    [
        ([1, 2, 3], 5, "tuple of 5 fields"),
        ([None, None, 0, b""], 4, "expected a link"),
    ],
)
def test_invalid_actor_entries(raw: list[object], version: int, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        ActorState.from_ipld(raw, version)
