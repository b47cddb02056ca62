"""The node's view of its chain: executed states, block acceptance, fork choice and the reads the API serves.

:class:`NodeChain` sits on a :class:`~filnet.chain.store.ChainStore`. It executes tipsets on demand (each
result is recorded, so a restart does not execute them again), accepts blocks after Expected Consensus
validation, groups blocks of one height and parent set into the widest tipset it knows (as Lotus's
tipset expansion does), and takes the heaviest tipset as its head. It is also the chain the message pool
and the consensus code read (``MpoolChain``, ``ConsensusChain``).

State reads follow Lotus: ``State*`` methods read a tipset's *parent* state (what its blocks name); the
executed state of a tipset is what its children will name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from filnet.actors.power.state import PowerState
from filnet.actors.singletons import STORAGE_POWER_ACTOR
from filnet.car.reader import load_car
from filnet.chain.block import BeaconEntry, BlockHeader
from filnet.chain.execution import execute_tipset
from filnet.chain.message import Message, SignedMessage
from filnet.chain.store import ChainStore, HeadChange
from filnet.chain.supply import CirculatingSupply, circulating_supply, total_supply
from filnet.chain.tipset import TipSet, TipSetKey, load_block_messages
from filnet.consensus import mining
from filnet.consensus.beacon import (
    BeaconSchedule,
    beacon_schedule_for_network,
    max_beacon_round_for_epoch,
)
from filnet.consensus.weight import tipset_weight
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import InvalidInput, NotFound
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.mpool.provider import ActorInfo
from filnet.params.network import NetworkParams
from filnet.proofs.onchain import VANILLA, ProofVerifier
from filnet.vm.receipt import Receipt
from filnet.vm.state_tree import ActorState, StateTree

log = logging.getLogger(__name__)

#: Blocks of heights this far below the head are no longer kept for tipset expansion.
_EXPANSION_WINDOW = 8


@dataclass(frozen=True, slots=True)
class MessageLookup:
    """Where a message ran: the tipset that included it, the one that executed it, and its receipt."""

    message: CID
    included_in: TipSet
    #: The first tipset above ``included_in``: its blocks carry the receipt (Lotus ``MsgLookup.TipSet``).
    executed_in: TipSet
    receipt: Receipt
    #: The message's CID when a replacement (same sender and nonce) ran instead of it.
    replaced_by: CID | None = None


class NodeChain:
    """A chain store with the consensus rules and execution a full node applies to it."""

    def __init__(
        self,
        store: ChainStore,
        params: NetworkParams,
        *,
        proofs: ProofVerifier = VANILLA,
        vesting_multisigs: Sequence[Address] = (),
    ) -> None:
        self.store = store
        self.blocks: Blockstore = store.blocks
        self.params = params
        self.proofs = proofs
        self.vesting_multisigs = tuple(vesting_multisigs)
        self.genesis = store.genesis()
        self.genesis_block = self.genesis.blocks[0]
        self.genesis_timestamp = self.genesis_block.timestamp
        tree = StateTree.load(self.blocks, self.genesis.parent_state)
        self.network_name = tree.init_state().network_name
        self.total_supply = total_supply(tree)
        self.schedule: BeaconSchedule = beacon_schedule_for_network(params, self.genesis_timestamp)
        self._candidates: dict[tuple[int, TipSetKey], dict[CID, BlockHeader]] = {}

    # -- opening ----------------------------------------------------------------------------------------

    @staticmethod
    def import_genesis(store: ChainStore, car: str | Path) -> TipSet:
        """Load a genesis CAR (root: the genesis block) into ``store`` and start the chain from it."""
        header = load_car(car, store.blocks)
        if len(header.roots) != 1:
            raise InvalidInput(f"{car}: a genesis CAR has one root, not {len(header.roots)}")
        genesis = store.get_header(header.roots[0])
        if genesis.height != 0:
            raise InvalidInput(f"{car}: the root block is at height {genesis.height}, not a genesis")
        try:
            existing = store.genesis()
        except NotFound:
            return store.set_genesis(genesis)
        if existing.cids != (header.roots[0],):
            raise InvalidInput(
                f"{car}: genesis {header.roots[0]} differs from this chain's genesis {existing.cids[0]}"
            )
        return existing

    # -- the chain as consensus and the message pool read it --------------------------------------------

    def head(self) -> TipSet:
        """The heaviest tipset."""
        return self.store.head()

    def load_tipset(self, key: TipSetKey) -> TipSet:
        """The tipset of ``key`` (NotFound if unknown)."""
        return self.store.load_tipset(key)

    def tipset_by_height(self, height: ChainEpoch, head: TipSet, prev: bool) -> TipSet:
        """The tipset at ``height`` on the chain ending at ``head`` (null rounds: before or after)."""
        return self.store.tipset_by_height(height, head, prev)

    def weight(self, ts: TipSet) -> int:
        """The recorded chain weight of ``ts``."""
        return self.store.weight(ts)

    def beacon_round(self, epoch: ChainEpoch) -> int:
        """The drand round whose entry belongs to ``epoch``."""
        return max_beacon_round_for_epoch(
            self.schedule, epoch, self.genesis_timestamp, self.params.block_delay_seconds
        )

    def executed_state(self, ts: TipSet) -> tuple[CID, CID]:
        """The state root and receipts root after ``ts``'s messages (executing it the first time)."""
        recorded = self.store.tipset_state(ts)
        if recorded is not None:
            return recorded
        result = execute_tipset(
            self.blocks,
            self,
            ts,
            self.params,
            self.total_supply,
            self.beacon_round,
            proofs=self.proofs,
            vesting_multisigs=self.vesting_multisigs,
        )
        self.store.set_tipset_state(ts, result.state_root, result.receipts_root)
        self.store.index_messages(ts, [m.cid for m in self.tipset_messages(ts)])
        return result.state_root, result.receipts_root

    def messages_for_block(self, block: BlockHeader) -> tuple[list[Message], list[SignedMessage]]:
        """A block's BLS messages (unsigned) and signed messages."""
        return load_block_messages(self.blocks, block.messages)

    def tipset_messages(self, ts: TipSet) -> list[Message | SignedMessage]:
        """The messages ``ts`` executes, in order, each once (BLS then signed, block by block)."""
        seen: set[CID] = set()
        out: list[Message | SignedMessage] = []
        for block in ts.blocks:
            bls, secp = self.messages_for_block(block)
            both: list[Message | SignedMessage] = [*bls, *secp]
            for message in both:
                if message.cid not in seen:
                    seen.add(message.cid)
                    out.append(message)
        return out

    def compute_base_fee(self, ts: TipSet) -> TokenAmount:
        """The base fee of a block mined on ``ts`` (Lotus ``ChainComputeBaseFee``)."""
        return mining.parent_base_fee(self.blocks, self.params, ts)

    def parent_tree(self, ts: TipSet) -> StateTree:
        """The state ``ts``'s blocks name (before its messages)."""
        return StateTree.load(self.blocks, ts.parent_state)

    def executed_tree(self, ts: TipSet) -> StateTree:
        """The state after ``ts``'s messages."""
        return StateTree.load(self.blocks, self.executed_state(ts)[0])

    def get_actor(self, address: Address, ts: TipSet) -> ActorInfo | None:
        """The actor at ``ts``'s parent state, for the message pool."""
        actor = self.parent_tree(ts).get_actor(address)
        return None if actor is None else ActorInfo(actor.nonce, actor.balance)

    def actor_at(self, address: Address, ts: TipSet) -> ActorState | None:
        """The full actor record at ``ts``'s parent state."""
        return self.parent_tree(ts).get_actor(address)

    def resolve_to_key(self, address: Address, ts: TipSet) -> Address | None:
        """The key address of an account (or ``address`` itself if it is a key address)."""
        return key_address(self.parent_tree(ts), address)

    def circulating_supply(self, ts: TipSet) -> CirculatingSupply:
        """The supply figures of ``ts``'s parent state (Lotus ``StateVMCirculatingSupplyInternal``)."""
        return circulating_supply(self.parent_tree(ts), ts.height, self.total_supply, self.vesting_multisigs)

    def total_power(self, ts: TipSet) -> PowerState:
        """The power actor's state at ``ts``'s parent state."""
        tree = self.parent_tree(ts)
        actor = tree.get_actor(STORAGE_POWER_ACTOR)
        if actor is None:
            raise NotFound("the state has no power actor")
        return PowerState.decode(self.blocks.get(actor.head))

    def latest_beacon_entry(self, ts: TipSet) -> BeaconEntry:
        """The newest beacon entry in ``ts`` or the tipsets below it (Lotus ``GetLatestBeaconEntry``)."""
        return mining.latest_beacon_entry(self, ts)

    # -- accepting blocks ----------------------------------------------------------------------------------

    def expected_weight(self, ts: TipSet) -> int:
        """The weight of ``ts`` from its parent's weight, its parent state's power and its win counts."""
        power = self.total_power(ts)
        wins = [b.election_proof.win_count if b.election_proof is not None else 0 for b in ts.blocks]
        return tipset_weight(ts.parent_weight, power.total_quality_adj_power, wins)

    def accept_block(self, header: BlockHeader) -> HeadChange | None:
        """Record a validated block (its messages already stored), extend its tipset, maybe take it as head.

        The caller validates ``header`` first (:func:`filnet.consensus.validation.validate_block`).
        """
        parents = TipSetKey(header.parents)
        parent = self.load_tipset(parents)
        self.store.put_header(header)
        group = self._candidates.setdefault((header.height, parents), {})
        group[header.cid] = header
        # The widest tipset of blocks at this height on this parent; a block from another miner at the
        # same height joins the tipset as Lotus's tipset expansion does.
        blocks = _one_per_miner(group.values())
        ts = TipSet.of(blocks)
        self.store.put_tipset(ts, self.expected_weight(ts))
        self.executed_state(ts)
        change = self.store.maybe_take_heavier(ts)
        self._forget_below(max(parent.height, header.height - _EXPANSION_WINDOW))
        if change is not None:
            log.info("new head at height %d: %s", ts.height, ts.key)
        return change

    def _forget_below(self, height: int) -> None:
        for key in [k for k in self._candidates if k[0] < height]:
            del self._candidates[key]

    # -- messages and receipts ----------------------------------------------------------------------------

    def receipts(self, ts: TipSet) -> list[Receipt]:
        """The receipts of ``ts``'s executed messages, in order."""
        _, root = self.executed_state(ts)
        array = Amt(self.blocks, root, legacy_root=True)
        return [Receipt.from_ipld(raw) for _, raw in array.items()]

    def get_message(self, cid: CID) -> Message | SignedMessage:
        """A stored message (signed, or unsigned BLS) by CID."""
        try:
            data = self.blocks.get(cid)
        except NotFound:
            raise NotFound(f"message {cid} is not in the chain store") from None
        try:
            return SignedMessage.decode(data)
        except InvalidInput:
            return Message.decode(data)

    def search_message(
        self,
        cid: CID,
        *,
        head: TipSet | None = None,
        limit: int | None = None,
        allow_replaced: bool = True,
    ) -> MessageLookup | None:
        """Find where message ``cid`` ran on the chain ending at ``head`` (Lotus ``SearchForMessage``).

        Looks at most ``limit`` epochs back (all the way with None); None if it is not on that chain (yet).
        """
        head = head or self.head()
        wanted = self.get_message(cid)
        unsigned = wanted.message if isinstance(wanted, SignedMessage) else wanted
        indexed = self.store.message_tipset(cid)
        if indexed is not None:
            try:
                ts = self.load_tipset(indexed)
                if ts.height < head.height and self.tipset_by_height(ts.height, head, True).key == ts.key:
                    found = self._lookup_in(ts, head, unsigned, allow_replaced)
                    if found is not None:
                        return found
            except NotFound:
                pass
        # Search back while the sender's nonce says the message can still be below us.
        current = head
        floor = 0 if limit is None else max(0, head.height - limit)
        while current.height > floor:
            parent = self.load_tipset(current.parents)
            actor = self.actor_at(unsigned.sender, current)
            if actor is not None and actor.nonce <= unsigned.nonce:
                return None
            found = self._lookup_in(parent, head, unsigned, allow_replaced)
            if found is not None:
                return found
            current = parent
        return None

    def _lookup_in(
        self, ts: TipSet, head: TipSet, wanted: Message, allow_replaced: bool
    ) -> MessageLookup | None:
        """The lookup of ``wanted`` if ``ts`` executed it (or a replacement of it) and a child exists."""
        if ts.height >= head.height:
            return None
        for index, message in enumerate(self.tipset_messages(ts)):
            unsigned = message.message if isinstance(message, SignedMessage) else message
            same = unsigned.cid == wanted.cid or message.cid == wanted.cid
            replaced = (
                allow_replaced
                and not same
                and unsigned.sender == wanted.sender
                and unsigned.nonce == wanted.nonce
            )
            if same or replaced:
                child = self.tipset_by_height(ChainEpoch(ts.height + 1), head, False)
                receipt = self.receipts(ts)[index]
                return MessageLookup(
                    message.cid, ts, child, receipt, replaced_by=message.cid if replaced else None
                )
        return None


def key_address(tree: StateTree, address: Address) -> Address | None:
    """The key (f1/f3/f4) address behind ``address`` in ``tree``, or None if it has none."""
    try:
        return mining.resolve_key_address(tree, address)
    except (NotFound, InvalidInput):
        return None


def _one_per_miner(blocks: Iterable[BlockHeader]) -> list[BlockHeader]:
    """At most one block per miner (the first seen): two blocks of one miner at one height are a fault."""
    out: dict[Address, BlockHeader] = {}
    for block in blocks:
        out.setdefault(block.miner, block)
    return list(out.values())
