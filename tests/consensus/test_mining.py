"""Block production on a devnet with one pre-sealed 2 KiB miner: base info, templates, block creation."""

from __future__ import annotations

from dataclasses import replace

import pytest

from filnet.actors.miner.state import MinerState
from filnet.actors.power.state import PowerState
from filnet.actors.singletons import STORAGE_POWER_ACTOR
from filnet.chain.block import BeaconEntry, BlockHeader
from filnet.chain.tipset import TipSet, load_block_messages
from filnet.consensus import mining
from filnet.consensus.election import compute_win_count, winning_post_randomness
from filnet.consensus.weight import tipset_weight
from filnet.core.address import Address
from filnet.core.types import ChainEpoch
from filnet.crypto import bls
from filnet.crypto.signature import SignatureType, verify_signature
from filnet.errors import InvalidInput, NotFound
from filnet.params import DEVNET
from filnet.proofs.onchain import VANILLA, WinningPoStVerifyInfo
from filnet.proofs.registry import RegisteredPoStProof
from filnet.vm.state_tree import StateTree
from tests.consensus.chain_fixture import (
    BLS_SENDER,
    GENESIS_TIMESTAMP,
    MINER,
    OWNER,
    WORKER,
    Block,
    DevChain,
    build_chain,
    message,
)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> DevChain:
    return build_chain(tmp_path_factory.mktemp("mining"))


@pytest.fixture(scope="module")
def first_block(dev: DevChain) -> Block:
    """The block of epoch 1 with one secp message (the owner's) and one BLS message."""
    secp = message(OWNER, 0)
    bls_message = message(BLS_SENDER, 0)
    return dev.make_block(dev.genesis, 1, [secp, bls_message])


def _power(dev: DevChain, state_root) -> PowerState:  # type: ignore[no-untyped-def]
    tree = StateTree.load(dev.store.blocks, state_root)
    return PowerState.decode(tree.actor_state_block(STORAGE_POWER_ACTOR))


def test_base_info_at_epoch_1_has_the_miners_power_and_sectors(dev: DevChain) -> None:
    info = dev.base_info(dev.genesis, 1)
    assert info is not None
    power = _power(dev, dev.genesis.parent_state)
    claim = power.miner_power(dev.store.blocks, MINER)
    assert claim is not None and claim.quality_adj_power > 0
    assert info.miner_power == claim.quality_adj_power == info.network_power
    assert info.network_power == power.total_quality_adj_power
    assert info.worker_key == WORKER.address
    assert info.sector_size == 2048
    assert info.eligible_for_mining
    # The genesis block's entry, then round 1 for epoch 1.
    assert info.prev_beacon_entry == BeaconEntry(0, bytes(32))
    assert [e.round for e in info.beacon_entries] == [1]
    assert info.beacon_entries[0] == dev.beacon.entry(1)
    # One challenged sector out of the two pre-sealed ones, with its on-chain CommR.
    assert len(info.sectors) == 1
    sector = info.sectors[0]
    state = MinerState.decode(
        StateTree.load(dev.store.blocks, dev.genesis.parent_state).actor_state_block(MINER)
    )
    on_chain = state.get_sector(dev.store.blocks, sector.sector_number)
    assert on_chain is not None and on_chain.sealed_cid == sector.sealed_cid
    assert sector.proof == int(dev.miner.proof_type) and sector.sector_key is None


def test_base_info_json_round_trip(dev: DevChain) -> None:
    info = dev.base_info(dev.genesis, 1)
    assert info is not None
    obj = info.to_json("t")
    assert obj["WorkerKey"].startswith("t3")
    assert obj["MinerPower"] == str(info.miner_power)
    assert obj["PrevBeaconEntry"] == {"Round": 0, "Data": "A" * 43 + "="}
    assert set(obj["Sectors"][0]) == {"SealProof", "SectorNumber", "SectorKey", "SealedCID"}
    assert obj["Sectors"][0]["SectorKey"] is None
    assert mining.MinerBaseInfo.from_json(obj) == info
    # Go's nil slices: no entries due is null, and null parses back to no entries.
    empty = replace(info, beacon_entries=())
    assert empty.to_json()["BeaconEntries"] is None
    assert mining.MinerBaseInfo.from_json(empty.to_json()) == empty


def test_base_info_of_unknown_miner(dev: DevChain) -> None:
    with pytest.raises(NotFound):
        mining.miner_base_info(
            dev.store.blocks,
            dev.chain,
            dev.params,
            dev.schedule,
            dev.beacon.source,
            GENESIS_TIMESTAMP,
            Address.new_id(1999),
            1,
            dev.genesis,
        )


def test_latest_beacon_entry_and_lookback_at_genesis(dev: DevChain) -> None:
    assert mining.latest_beacon_entry(dev.chain, dev.genesis) == BeaconEntry(0, bytes(32))
    ts, root = mining.lookback_tipset(dev.chain, dev.params, dev.genesis, 1)
    assert ts.key == dev.genesis.key and root == dev.genesis.parent_state
    assert mining.lookback_state(dev.chain, dev.params, dev.genesis, 500) == dev.genesis.parent_state


def test_template_proves_the_base_info_sectors(dev: DevChain) -> None:
    info = dev.base_info(dev.genesis, 1)
    template = dev.template(dev.genesis, 1)
    assert info is not None and template is not None
    assert template.miner == MINER and template.parents == dev.genesis.key and template.epoch == 1
    assert template.timestamp == GENESIS_TIMESTAMP + 1
    assert template.beacon_values == info.beacon_entries
    assert template.eproof.win_count == compute_win_count(
        template.eproof.vrf_proof, info.miner_power, info.network_power
    )
    assert template.eproof.win_count >= 1
    (proof,) = template.winning_post_proof
    assert proof.post_proof == int(RegisteredPoStProof.STACKED_DRG_WINNING_2KIB_V1)
    randomness = winning_post_randomness(info.beacon_entries[-1], MINER, 1)
    verify = WinningPoStVerifyInfo(randomness, (proof,), tuple(s.sector_info() for s in info.sectors), 1000)
    assert VANILLA.verify_winning_post(verify)
    # Another epoch's randomness does not verify the same proof.
    other = winning_post_randomness(info.beacon_entries[-1], MINER, 2)
    assert not VANILLA.verify_winning_post(replace(verify, randomness=other))


def test_template_json_round_trip(dev: DevChain) -> None:
    template = dev.template(dev.genesis, 1)
    assert template is not None
    with_messages = replace(template, messages=(message(OWNER, 0), message(BLS_SENDER, 0)))
    obj = with_messages.to_json("t")
    assert set(obj) == {
        "Miner",
        "Parents",
        "Ticket",
        "Eproof",
        "BeaconValues",
        "Messages",
        "Epoch",
        "Timestamp",
        "WinningPoStProof",
    }
    assert obj["Miner"] == "t01000"
    assert obj["Eproof"]["WinCount"] == template.eproof.win_count
    assert mining.BlockTemplate.from_json(obj) == with_messages
    assert mining.BlockTemplate.from_json(template.to_json()) == template


def test_created_block_fields(dev: DevChain, first_block: Block) -> None:
    header, bls_messages, secp_messages = first_block
    assert header.height == 1 and header.miner == MINER
    assert header.parents == dev.genesis.cids
    # The genesis "executes" to its own state; its weight is what the store recorded for it (0).
    assert header.parent_state_root == dev.genesis.parent_state
    assert header.parent_message_receipts == dev.genesis.parent_message_receipts
    assert header.parent_weight == dev.chain.weight(dev.genesis) == 0
    # The genesis has no messages: the premium rule lowers the initial base fee by 1/8 (rounded up).
    initial = DEVNET.initial_base_fee
    assert header.parent_base_fee.atto == initial - (initial + 7) // 8
    # One message of each kind, stored with the meta the header names.
    assert [m.sender for m in bls_messages] == [BLS_SENDER.address]
    assert [m.message.sender for m in secp_messages] == [OWNER.address]
    assert secp_messages[0].signature.type is SignatureType.SECP256K1
    assert load_block_messages(dev.store.blocks, header.messages) == (bls_messages, secp_messages)
    # The BLS aggregate is the BLS message's signature (one message).
    assert header.bls_aggregate is not None and header.bls_aggregate.type is SignatureType.BLS
    assert header.bls_aggregate.data == BLS_SENDER.sign(bls_messages[0].signing_bytes()).data
    assert bls.aggregate_verify(
        [BLS_SENDER.public_key()], [bls_messages[0].signing_bytes()], header.bls_aggregate.data
    )
    # Signed by the worker; the encoding decodes to the same header.
    assert header.block_sig is not None
    verify_signature(header.block_sig, WORKER.address, header.signing_bytes())
    assert BlockHeader.decode(header.encode()) == header
    assert BlockHeader.from_json(header.to_json("t")) == header


def test_chain_of_blocks_only_miner_always_wins(dev: DevChain, first_block: Block) -> None:
    header, _, _ = first_block
    dev.chain.accept_block(header)
    ts = dev.chain.head()
    # The messages ran: the next block names the executed state and its receipts.
    state_root, receipts_root = dev.chain.executed_state(ts)
    assert state_root != dev.genesis.parent_state
    tree = StateTree.load(dev.store.blocks, state_root)
    owner = tree.get_actor(OWNER.address)
    sender = tree.get_actor(BLS_SENDER.address)
    assert owner is not None and owner.nonce == 1
    assert sender is not None and sender.nonce == 1
    for epoch in range(2, 6):
        block, bls_messages, secp_messages = dev.make_block(ts, epoch, [message(OWNER, epoch - 1)])
        assert (block.parent_state_root, block.parent_message_receipts) == dev.chain.executed_state(ts)
        power = _power(dev, ts.parent_state).total_quality_adj_power
        assert block.parent_weight == tipset_weight(
            ts.parent_weight, power, [b.election_proof.win_count for b in ts.blocks if b.election_proof]
        )
        assert block.parent_weight == dev.chain.weight(ts) > ts.parent_weight
        assert block.parent_base_fee == mining.parent_base_fee(dev.store.blocks, dev.params, ts)
        assert block.timestamp == GENESIS_TIMESTAMP + epoch
        assert not bls_messages and len(secp_messages) == 1
        # No BLS message: the aggregate is the point at infinity, as Lotus writes it.
        assert block.bls_aggregate is not None and block.bls_aggregate.data == bytes([0xC0]) + bytes(95)
        dev.chain.accept_block(block)
        ts = dev.chain.head()
    assert ts.height == 5
    # Epoch 2's block names epoch 1's receipts: both messages succeeded.
    block2 = dev.store.tipset_by_height(ChainEpoch(2)).blocks[0]
    assert block2.parent_message_receipts == receipts_root


def test_null_round_template(dev: DevChain, first_block: Block) -> None:
    parent = TipSet.of([first_block[0]])
    template = dev.template(parent, 3)
    info = dev.base_info(parent, 3)
    assert info is not None
    # A null round at epoch 2: the block carries the beacon rounds of both epochs.
    assert [e.round for e in info.beacon_entries] == [2, 3]
    assert template is not None
    assert template.beacon_values == info.beacon_entries
    assert template.timestamp == GENESIS_TIMESTAMP + 3


def test_next_block_timestamp_refuses_old_epochs(dev: DevChain) -> None:
    with pytest.raises(InvalidInput):
        mining.next_block_timestamp(dev.params, dev.genesis, 0)
