"""A devnet chain with one pre-sealed 2 KiB miner (BLS worker) in a ChainStore, for consensus tests.

The ``ConsensusChain`` the tests use is the node's :class:`~filnet.node.chain.NodeChain`.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from filnet.chain.block import BlockHeader
from filnet.chain.genesis import GenesisAccount, GenesisConfig, build_genesis
from filnet.chain.genesis_block import make_genesis_block
from filnet.chain.genesis_miners import GenesisMiner
from filnet.chain.message import Message, SignedMessage
from filnet.chain.preseal import PresealMiner, preseal
from filnet.chain.store import ChainStore
from filnet.chain.tipset import TipSet
from filnet.consensus import mining
from filnet.consensus.beacon import (
    DEVNET_BEACON_SECRET,
    BeaconSchedule,
    LocalBeacon,
    beacon_schedule_for_network,
)
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import MethodNum, Nonce
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.crypto.signature import Signature
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.node.chain import NodeChain
from filnet.params import DEVNET
from filnet.params.network import NetworkParams
from filnet.proofs.registry import RegisteredSealProof
from tests.vm.harness import make_key

PROOF = RegisteredSealProof.STACKED_DRG_2KIB_V1_1
OWNER = make_key(10)
WORKER = make_key(11, KeyType.BLS)
#: A BLS account that sends messages (the worker is one too).
BLS_SENDER = make_key(12, KeyType.BLS)
RECEIVER = make_key(13)
MINER = Address.new_id(1000)
GENESIS_TIMESTAMP = 1_700_000_000
NETWORK_NAME = "consensus"
KEYS = {k.address: k for k in (OWNER, WORKER, BLS_SENDER, RECEIVER)}


#: A made block: its header, BLS messages and secp messages.
Block = tuple[BlockHeader, list[Message], list[SignedMessage]]


def sign(address: Address, data: bytes) -> Signature:
    """The test wallet."""
    return KEYS[address].sign(data)


@dataclass
class DevChain:
    """The chain, its beacon and the miner's material."""

    store: ChainStore
    chain: NodeChain
    params: NetworkParams
    schedule: BeaconSchedule
    beacon: LocalBeacon
    miner: PresealMiner
    sector_dirs: dict[int, Path]
    genesis: TipSet

    def base_info(self, parent: TipSet, epoch: int) -> mining.MinerBaseInfo | None:
        """The miner's base info for ``epoch`` on ``parent``."""
        return mining.miner_base_info(
            self.store.blocks,
            self.chain,
            self.params,
            self.schedule,
            self.beacon.source,
            GENESIS_TIMESTAMP,
            MINER,
            epoch,
            parent,
        )

    def template(self, parent: TipSet, epoch: int) -> mining.BlockTemplate | None:
        """The miner's block template for ``epoch`` on ``parent``, None if it did not win."""
        info = self.base_info(parent, epoch)
        assert info is not None
        return mining.mine_one(self.params, info, WORKER.secret, MINER, parent, epoch, self.sector_dirs)

    def make_block(
        self, parent: TipSet, epoch: int, messages: Sequence[SignedMessage] = ()
    ) -> tuple[BlockHeader, list[Message], list[SignedMessage]]:
        """A block the miner wins at ``epoch`` on ``parent`` with ``messages`` (asserts that it wins)."""
        template = self.template(parent, epoch)
        assert template is not None, f"the only miner lost at epoch {epoch}"
        template = replace(template, messages=tuple(messages))
        return mining.create_block(self.store.blocks, self.chain, self.params, template, sign)


@functools.cache
def _sealed_root() -> Path:
    # Sealing is deterministic and restartable: every chain of a test run shares the sealed sectors.
    return Path(tempfile.mkdtemp(prefix="filnet-consensus-preseal-"))


def build_chain(root: Path, edit_state: Callable[[Blockstore, CID], CID] | None = None) -> DevChain:
    """A new chain store under ``root`` over the genesis with the pre-sealed miner; ``edit_state`` may
    change the genesis state (it returns the new root)."""
    sealed = _sealed_root()
    miner = preseal(sealed / "m1000", MINER, WORKER, PROOF, 2, sealed / "parent-cache", owner=OWNER.address)
    accounts = tuple(
        GenesisAccount(k.address, TokenAmount.from_fil(1000)) for k in (OWNER, WORKER, BLS_SENDER, RECEIVER)
    )
    store = ChainStore(root / "chain")
    state = build_genesis(store.blocks, GenesisConfig(NETWORK_NAME, accounts, miners=(GenesisMiner(miner),)))
    if edit_state is not None:
        state = edit_state(store.blocks, state)
    header = make_genesis_block(store.blocks, state, GENESIS_TIMESTAMP, NETWORK_NAME, DEVNET)
    genesis = store.set_genesis(header)
    schedule = beacon_schedule_for_network(DEVNET, GENESIS_TIMESTAMP)
    beacon = LocalBeacon(DEVNET_BEACON_SECRET, GENESIS_TIMESTAMP, DEVNET.block_delay_seconds)
    sector_dirs = {s.sector_number: sealed / "m1000" / f"sector-{s.sector_number}" for s in miner.sectors}
    return DevChain(store, NodeChain(store, DEVNET), DEVNET, schedule, beacon, miner, sector_dirs, genesis)


def message(sender: PrivateKey, nonce: int, value: int = 1, gas_limit: int = 20_000_000) -> SignedMessage:
    """A signed transfer from ``sender`` to the receiver."""
    m = Message(
        to=RECEIVER.address,
        sender=sender.address,
        nonce=Nonce(nonce),
        value=TokenAmount(value),
        gas_limit=gas_limit,
        gas_fee_cap=TokenAmount(200_000_000),
        gas_premium=TokenAmount(1_000),
        method=MethodNum(0),
    )
    return SignedMessage(m, sender.sign(m.signing_bytes()))
