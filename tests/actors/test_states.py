"""Typed actor states: Lotus genesis states decode and re-encode byte for byte; their HAMTs/AMTs rebuild."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors.account.state import AccountState
from filnet.actors.cron.state import CronEntry, CronState
from filnet.actors.init.state import AddressMap, InitState
from filnet.actors.manifest import Manifest, actor_name, identity_actor_name
from filnet.actors.miner.state import MinerState
from filnet.actors.multisig.state import (
    MultisigState,
    PendingTransactions,
    Transaction,
    txn_id_of_key,
    txn_key,
)
from filnet.actors.paych.state import LaneState, LaneStates, PaychState
from filnet.actors.reward.state import RewardState
from filnet.actors.states import STATE_TYPES
from filnet.actors.system.state import SystemState
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ActorID, ChainEpoch, MethodNum
from filnet.errors import DecodeError
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from filnet.params import DEVNET
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.state_tree import StateTree
from tests.vm.genesis import NETWORKS, genesis

ALICE = Address.parse("f1vl2wgz6f4dg2zy57ulz3h7boh7bksnoetpyaz6y")
BOB = Address.new_id(101)


@pytest.mark.parametrize("network", NETWORKS)
def test_every_typed_genesis_state_round_trips(network: str) -> None:
    tree = StateTree.load(*genesis(network))
    typed: set[str] = set()
    for _, actor in tree.iter_actors():
        name = tree.actor_name(actor)
        state_type = STATE_TYPES.get(name)
        if state_type is None:
            continue
        data = tree.store.get(actor.head)
        assert state_type.decode(data).encode() == data, name
        typed.add(name)
    assert typed >= {"system", "init", "account", "cron", "reward", "multisig"}


def test_butterflynet_typed_values() -> None:
    tree = StateTree.load(*genesis("butterflynet"))

    def state_of(actor_id: int) -> bytes:
        return tree.actor_state_block(Address.new_id(actor_id))

    system = SystemState.decode(state_of(0))
    assert system.builtin_actors is not None
    manifest = Manifest.load(tree.store, system.builtin_actors)
    assert [name for name, _ in manifest][:4] == ["system", "init", "cron", "account"]
    init = InitState.decode(state_of(1))
    assert init.network_name == "butterflynet" and init.next_id == 1004
    cron = CronState.decode(state_of(3))
    assert cron.entries == (
        CronEntry(Address.new_id(4), MethodNum(5)),  # power: OnEpochTickEnd
        CronEntry(Address.new_id(5), MethodNum(9)),  # market: CronTick
    )
    reward = RewardState.decode(state_of(2))
    assert reward.epoch == 0 and reward.this_epoch_reward > TokenAmount(0)
    assert reward.simple_total is not None and reward.simple_total == TokenAmount.from_fil(330_000_000)
    multisig = MultisigState.decode(state_of(80))
    assert multisig.num_approvals_threshold == 1 and multisig.signers == (Address.new_id(103),)
    assert list(PendingTransactions(tree.store, multisig.pending_txs).items()) == []
    assert AccountState.decode(state_of(90)).address == ALICE
    assert AccountState.decode(state_of(99)).address == Address.new_id(99)  # the burnt-funds actor


@pytest.mark.parametrize("network", NETWORKS)
def test_init_address_map_rebuilds(network: str) -> None:
    tree = StateTree.load(*genesis(network))
    legacy = tree.version < 2
    source = AddressMap(tree.store, tree.init_state().address_map, legacy_pointers=legacy)
    entries = list(source.items())
    assert entries and all(a.protocol != 0 for a, _ in entries)
    fresh = AddressMap(MemoryBlockstore(), legacy_pointers=legacy)
    for address, actor_id in reversed(entries):
        fresh.set(address, actor_id)
    assert fresh.flush() == tree.init_state().address_map
    for address, actor_id in entries:
        assert source.lookup(address) == actor_id
        assert tree.get_actor(address) == tree.get_actor(Address.new_id(actor_id))


def test_legacy_reward_state_has_nine_fields() -> None:
    tree = StateTree.load(*genesis("calibnet"))
    data = tree.actor_state_block(Address.new_id(2))
    reward = RewardState.decode(data)
    assert reward.simple_total is None and reward.baseline_total is None
    assert reward.encode() == data


def test_manifest_and_identity_names() -> None:
    code = CID.v1(codecs.RAW, multihash.IDENTITY, b"fil/7/storageminer")
    assert identity_actor_name(code) == "storageminer"
    for bad in (b"fil/7", b"fil/x/account", b"other/7/account", b"fil/7/", b"\xff"):
        assert identity_actor_name(CID.v1(codecs.RAW, multihash.IDENTITY, bad)) is None
    hashed = CID.compute(codecs.RAW, b"wasm")
    assert identity_actor_name(hashed) is None
    manifest = Manifest((("account", hashed),))
    assert actor_name(hashed, manifest) == "account" and manifest.code_of("account") == hashed
    assert actor_name(code, manifest) == "storageminer"
    assert actor_name(CID.compute(codecs.RAW, b"other"), manifest) == "unknown"
    assert manifest.code_of("evm") is None and Manifest.from_ipld(manifest.to_ipld()) == manifest
    with pytest.raises(DecodeError, match="manifest entry"):
        Manifest.from_ipld([["account"]])


def test_multisig_transactions() -> None:
    # Transaction IDs are zigzag varints (Go binary.PutVarint): 0, -1, 1, -2, 2 … map to 0, 1, 2, 3, 4 …
    assert [txn_key(i) for i in (0, -1, 1, 63, 64, -65)] == [
        b"\x00",
        b"\x01",
        b"\x02",
        b"\x7e",
        b"\x80\x01",
        b"\x81\x01",
    ]
    for txn_id in (0, 1, -1, 2**63 - 1, -(2**63), 300):
        assert txn_id_of_key(txn_key(txn_id)) == txn_id
    for bad in (b"", b"\x80", b"\x80\x00", b"\x00\x00", b"\xff" * 11):
        with pytest.raises(DecodeError):
            txn_id_of_key(bad)
    store = MemoryBlockstore()
    pending = PendingTransactions(store)
    txn = Transaction(BOB, TokenAmount(5), MethodNum(0), b"", (ALICE,))
    pending.set(0, txn)
    pending.set(7, Transaction(ALICE, TokenAmount(1), MethodNum(2), b"\x01", ()))
    root = pending.flush()
    reloaded = PendingTransactions(store, root)
    assert reloaded.get(0) == txn and reloaded.get(1) is None
    assert sorted(i for i, _ in reloaded.items()) == [0, 7]
    assert reloaded.delete(7) and not reloaded.delete(7)
    state = MultisigState((ALICE, BOB), 2, 8, TokenAmount(100), ChainEpoch(10), ChainEpoch(200), root)
    assert MultisigState.decode(state.encode()) == state
    assert state.to_json()["NextTxnID"] == 8 and txn.to_json()["Approved"] == [str(ALICE)]


def test_payment_channel_state_and_lanes() -> None:
    store = MemoryBlockstore()
    lanes = LaneStates(store)
    lanes.set(0, LaneState(TokenAmount(10), 1))
    lanes.set(9, LaneState(TokenAmount(0), 4))
    root = lanes.flush()
    assert Amt(store, root, 3).bit_width == 3 and len(Amt(store, root, 3)) == 2
    reloaded = LaneStates(store, root)
    assert reloaded.get(9) == LaneState(TokenAmount(0), 4) and reloaded.get(1) is None
    assert [lane for lane, _ in reloaded.items()] == [0, 9]
    state = PaychState(ALICE, BOB, TokenAmount(3), ChainEpoch(0), ChainEpoch(0), root)
    data = state.encode()
    assert PaychState.decode(data) == state
    # [from, to, to_send, settling_at, min_settle_height, lane_states]
    assert data[:2] == b"\x86\x55" and state.to_json()["To"] == "f0101"


@pytest.mark.parametrize(
    ("state_type", "data", "reason"),
    [
        (InitState, b"\x83\x01\x02\x03", "expected a link"),
        (InitState, b"\x82\x01\x02", "tuple of 3 fields"),
        (AccountState, b"\x81\x41\x09", "AccountState.address"),
        (CronState, b"\x81\x81\x82\x42\x00\x04\x20", "unsigned 64-bit"),
        (SystemState, b"\x82\x01\x02", "0 or 1 fields"),
        (RewardState, b"\x80", "tuple of 11 fields"),
        (MultisigState, b"\x87\x80\x01\x00\x42\x00\x00\x00\x00\xf6", "non-canonical BigInt"),
        (PaychState, b"\xa0", "got dict"),
        (InitState, b"\x83", "InitState"),
    ],
)
def test_invalid_states(state_type: type, data: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        state_type.decode(data)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(STATE_TYPES)), st.binary(max_size=64))
def test_state_decoders_fuzz(name: str, data: bytes) -> None:
    try:
        value = STATE_TYPES[name].decode(data)
    except DecodeError:
        return
    assert value.encode() == data


def test_hamt_keys_of_the_address_map_are_address_bytes() -> None:
    store = MemoryBlockstore()
    address_map = AddressMap(store)
    address_map.set(ALICE, ActorID(90))
    root = address_map.flush()
    assert Hamt(store, root).get(bytes(ALICE)) == 90


def test_multisig_vesting() -> None:
    root = PendingTransactions(MemoryBlockstore()).flush()
    state = MultisigState((ALICE,), 1, 0, TokenAmount(1000), ChainEpoch(100), ChainEpoch(300), root)
    assert state.amount_locked(-5) == TokenAmount(1000) and state.amount_locked(0) == TokenAmount(1000)
    assert state.amount_locked(1) == TokenAmount(997)  # ceil(1000 * 299 / 300) = ceil(996.67)
    assert state.amount_locked(150) == TokenAmount(500)
    assert state.amount_locked(300) == TokenAmount(0) and state.amount_locked(10**6) == TokenAmount(0)
    # At epoch 250 (150 epochs in) 500 is locked: 500 of a 1000 balance may leave, 501 may not.
    state.check_available(TokenAmount(1000), TokenAmount(500), ChainEpoch(250))
    state.check_available(TokenAmount(1000), TokenAmount(0), ChainEpoch(0))
    with pytest.raises(ActorError) as info:
        state.check_available(TokenAmount(1000), TokenAmount(501), ChainEpoch(250))
    assert info.value.exit_code is ExitCode.USR_INSUFFICIENT_FUNDS
    with pytest.raises(ActorError) as info:
        state.check_available(TokenAmount(10), TokenAmount(11), ChainEpoch(1000))
    assert info.value.exit_code is ExitCode.USR_INSUFFICIENT_FUNDS
    with pytest.raises(ActorError) as info:
        state.check_available(TokenAmount(10), TokenAmount(-1), ChainEpoch(1000))
    assert info.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_multisig_proposal_hash() -> None:
    txn = Transaction(BOB, TokenAmount(5), MethodNum(0), b"", (ALICE, BOB))
    expected = hashlib.blake2b(
        dagcbor.encode([bytes(ALICE), bytes(BOB), TokenAmount(5).to_bytes(), 0, b""]), digest_size=32
    ).digest()
    assert txn.proposal_hash() == expected
    # Only the first approver (the proposer) is hashed, so later approvals do not change it.
    assert Transaction(BOB, TokenAmount(5), MethodNum(0), b"", (ALICE,)).proposal_hash() == expected
    unapproved = Transaction(BOB, TokenAmount(5), MethodNum(0), b"", ())
    assert unapproved.proposal_hash() != expected


@pytest.mark.parametrize("network", ["interopnet", "calibnet"])
def test_older_miner_layouts_are_read_but_never_run(network: str) -> None:
    tree = StateTree.load(*genesis(network))
    miners = [a for _, a in tree.iter_actors() if tree.actor_name(a) == "storageminer"]
    assert miners
    state = MinerState.decode(tree.store.get(miners[0].head))
    assert state.legacy_vesting_funds is not None
    assert state.to_json()["VestingFunds"] == {"/": str(state.legacy_vesting_funds)}
    with pytest.raises(ActorError) as e:
        state.add_locked_funds(tree.store, ChainEpoch(1), TokenAmount(1), DEVNET.policy.reward_vesting)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE
