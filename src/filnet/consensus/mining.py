"""Making an Expected Consensus block, as Lotus's miner and ``MinerCreateBlock`` do it.

The steps, in Lotus's order (``miner/miner.go`` ``mineOne``):

1. the node gives the miner its :class:`MinerBaseInfo` for the next epoch on a parent tipset (Lotus
   ``stmgr.MinerGetBaseInfo``): power at the WinningPoSt lookback, the sectors to prove, the worker key, the
   beacon entries the block carries and whether the miner may mine at all;
2. the miner draws its ticket and runs the election with its worker key, and if it wins, proves the sectors
   (:func:`mine_one`), giving a :class:`BlockTemplate`;
3. the node fills in what the parent's execution decides — state and receipts roots, weight, base fee —
   stores the messages and has the worker sign the header (:func:`create_block`, Lotus ``CreateBlock``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Protocol

from filnet.actors import manifest as names
from filnet.actors.account.state import AccountState
from filnet.actors.miner.state import MinerState
from filnet.actors.power.state import PowerState
from filnet.actors.singletons import STORAGE_POWER_ACTOR
from filnet.chain.block import BeaconEntry, BlockHeader, ElectionProof, Ticket
from filnet.chain.lotus_json import (
    JSONFieldError,
    address_from_json,
    address_to_json,
    bigint_from_json,
    bigint_to_json,
    bytes_from_json,
    bytes_to_json,
    cid_from_json,
    cid_to_json,
    int64_from_json,
    signed_message_from_json,
    signed_message_to_json,
    uint64_from_json,
)
from filnet.chain.message import Message, SignedMessage
from filnet.chain.tipset import TipSet, TipSetKey, load_block_messages, store_block_messages
from filnet.consensus.beacon import BeaconSchedule, BeaconSource, beacon_entries_for_block
from filnet.consensus.election import (
    is_round_winner,
    make_ticket,
    randomness_beacon,
    winning_post_randomness,
)
from filnet.consensus.weight import SMOKE_HEIGHT, FeeMessage, compute_base_fee
from filnet.consensus.winning import miner_eligible_to_mine, sectors_for_winning_post
from filnet.core.address import MAINNET, Address
from filnet.core.address import Protocol as AddressProtocol
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.crypto import bls
from filnet.crypto.signature import Signature, SignatureType
from filnet.errors import InvalidInput, NotFound
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.params.network import NetworkParams
from filnet.proofs.onchain import PoStProof, SectorInfo, encode_post_proof
from filnet.proofs.post import prove_sector
from filnet.proofs.registry import PoStKind, RegisteredPoStProof, RegisteredSealProof
from filnet.vm.state_tree import StateTree

__all__ = [
    "BlockTemplate",
    "ConsensusChain",
    "ExtendedSectorInfo",
    "MinerBaseInfo",
    "create_block",
    "latest_beacon_entry",
    "lookback_state",
    "lookback_tipset",
    "mine_one",
    "miner_base_info",
    "miner_worker_key",
    "next_block_timestamp",
    "parent_base_fee",
    "resolve_key_address",
    "winning_post_type_for_seal",
]

#: How many tipsets back Lotus looks for the latest beacon entry (``GetLatestBeaconEntry``).
LATEST_BEACON_SEARCH_DEPTH: Final = 20


class ConsensusChain(Protocol):
    """The chain access block production and validation need (the node's chain implements it)."""

    def load_tipset(self, key: TipSetKey) -> TipSet:
        """The tipset with this key (NotFound if unknown)."""
        ...

    def tipset_by_height(self, height: ChainEpoch, head: TipSet, prev: bool) -> TipSet:
        """The tipset at ``height`` on the chain ending at ``head``; for a null round the one before
        (``prev``) or after it."""
        ...

    def executed_state(self, ts: TipSet) -> tuple[CID, CID]:
        """(state root, receipts root) after ``ts``'s messages."""
        ...

    def weight(self, ts: TipSet) -> int:
        """The chain weight of ``ts``."""
        ...


# -- JSON helpers ------------------------------------------------------------------------------------


def _field(obj: Any, name: str, where: str) -> Any:
    if not isinstance(obj, Mapping):
        raise JSONFieldError(f"{where} must be a JSON object")
    if name not in obj:
        raise JSONFieldError(f"{where}: missing {name}")
    return obj[name]


def _list(value: Any, where: str) -> list[Any]:
    """A Go slice: null is empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise JSONFieldError(f"{where} must be an array or null")
    return value


def beacon_entry_to_json(entry: BeaconEntry) -> dict[str, Any]:
    """Lotus ``types.BeaconEntry`` JSON."""
    return {"Round": entry.round, "Data": bytes_to_json(entry.data)}


def beacon_entry_from_json(obj: Any, where: str = "BeaconEntry") -> BeaconEntry:
    """Parse ``{"Round", "Data"}``."""
    return BeaconEntry(
        uint64_from_json(_field(obj, "Round", where), f"{where}.Round"),
        bytes_from_json(_field(obj, "Data", where), f"{where}.Data"),
    )


def _beacon_entries_to_json(entries: Sequence[BeaconEntry]) -> list[dict[str, Any]] | None:
    # Lotus's BeaconEntriesForBlock returns a nil slice when no round is due: JSON null.
    return [beacon_entry_to_json(e) for e in entries] or None


def _post_proof_to_json(proof: PoStProof) -> dict[str, Any]:
    return {"PoStProof": proof.post_proof, "ProofBytes": bytes_to_json(proof.proof_bytes)}


def _post_proof_from_json(obj: Any, where: str) -> PoStProof:
    return PoStProof(
        int64_from_json(_field(obj, "PoStProof", where), f"{where}.PoStProof"),
        bytes_from_json(_field(obj, "ProofBytes", where), f"{where}.ProofBytes"),
    )


def _bool_from_json(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise JSONFieldError(f"{where} must be true or false")
    return value


# -- base info -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExtendedSectorInfo:
    """A sector a WinningPoSt proves (go-state-types ``builtin.ExtendedSectorInfo``).

    ``proof``, ``sector_number`` and ``sealed_cid`` are those of :class:`~filnet.proofs.onchain.SectorInfo`;
    ``sector_key`` is the CommR before a snap-deal update, if any.
    """

    proof: int
    sector_number: int
    sector_key: CID | None
    sealed_cid: CID

    def sector_info(self) -> SectorInfo:
        """The plain sector info a PoSt verifier takes."""
        return SectorInfo(self.proof, self.sector_number, self.sealed_cid)

    def to_json(self) -> dict[str, Any]:
        """Lotus JSON ``{"SealProof", "SectorNumber", "SectorKey", "SealedCID"}``."""
        return {
            "SealProof": self.proof,
            "SectorNumber": self.sector_number,
            "SectorKey": None if self.sector_key is None else cid_to_json(self.sector_key),
            "SealedCID": cid_to_json(self.sealed_cid),
        }

    @classmethod
    def from_json(cls, obj: Any, where: str = "Sectors") -> ExtendedSectorInfo:
        """Parse Lotus JSON."""
        key = _field(obj, "SectorKey", where)
        return cls(
            int64_from_json(_field(obj, "SealProof", where), f"{where}.SealProof"),
            uint64_from_json(_field(obj, "SectorNumber", where), f"{where}.SectorNumber"),
            None if key is None else cid_from_json(key, f"{where}.SectorKey"),
            cid_from_json(_field(obj, "SealedCID", where), f"{where}.SealedCID"),
        )


@dataclass(frozen=True, slots=True)
class MinerBaseInfo:
    """What a miner needs to mine on a tipset (Lotus ``api.MiningBaseInfo``); powers are QA power."""

    miner_power: int
    network_power: int
    sectors: tuple[ExtendedSectorInfo, ...]
    worker_key: Address
    sector_size: int
    prev_beacon_entry: BeaconEntry
    beacon_entries: tuple[BeaconEntry, ...]
    eligible_for_mining: bool

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus JSON, as ``MinerGetBaseInfo`` returns it."""
        return {
            "MinerPower": bigint_to_json(self.miner_power),
            "NetworkPower": bigint_to_json(self.network_power),
            "Sectors": [s.to_json() for s in self.sectors] or None,
            "WorkerKey": address_to_json(self.worker_key, network),
            "SectorSize": self.sector_size,
            "PrevBeaconEntry": beacon_entry_to_json(self.prev_beacon_entry),
            "BeaconEntries": _beacon_entries_to_json(self.beacon_entries),
            "EligibleForMining": self.eligible_for_mining,
        }

    @classmethod
    def from_json(cls, obj: Any) -> MinerBaseInfo:
        """Parse Lotus JSON; JSONFieldError naming the bad field."""
        where = "MiningBaseInfo"
        return cls(
            miner_power=bigint_from_json(_field(obj, "MinerPower", where), "MinerPower"),
            network_power=bigint_from_json(_field(obj, "NetworkPower", where), "NetworkPower"),
            sectors=tuple(
                ExtendedSectorInfo.from_json(s) for s in _list(_field(obj, "Sectors", where), "Sectors")
            ),
            worker_key=address_from_json(_field(obj, "WorkerKey", where), "WorkerKey"),
            sector_size=uint64_from_json(_field(obj, "SectorSize", where), "SectorSize"),
            prev_beacon_entry=beacon_entry_from_json(
                _field(obj, "PrevBeaconEntry", where), "PrevBeaconEntry"
            ),
            beacon_entries=tuple(
                beacon_entry_from_json(e, "BeaconEntries")
                for e in _list(_field(obj, "BeaconEntries", where), "BeaconEntries")
            ),
            eligible_for_mining=_bool_from_json(_field(obj, "EligibleForMining", where), "EligibleForMining"),
        )


def latest_beacon_entry(chain: ConsensusChain, ts: TipSet) -> BeaconEntry:
    """The last beacon entry of the first block of ``ts`` or of up to 19 tipsets below it (Lotus
    ``GetLatestBeaconEntry``); the genesis block carries one. NotFound when there is none."""
    current = ts
    for _ in range(LATEST_BEACON_SEARCH_DEPTH):
        entries = current.blocks[0].beacon_entries
        if entries:
            return entries[-1]
        if current.height == 0:
            raise NotFound(f"no beacon entry between {ts} and the genesis block")
        current = chain.load_tipset(current.parents)
    raise NotFound(f"no beacon entry in the {LATEST_BEACON_SEARCH_DEPTH} tipsets ending at {ts}")


def lookback_tipset(
    chain: ConsensusChain, params: NetworkParams, ts: TipSet, round: ChainEpoch | int
) -> tuple[TipSet, CID]:
    """The WinningPoSt lookback tipset of a block at ``round`` on ``ts`` and the state it ends with
    (Lotus ``GetLookbackTipSetForRound``; the lookback is ChainFinality from network version 4 on)."""
    lookback = params.policy.chain_finality
    lookback_round = round - lookback if round > lookback else 0
    if lookback_round >= ts.height:
        # More null rounds than the lookback: only legitimate on the genesis itself.
        if ts.height == 0:
            return ts, chain.executed_state(ts)[0]
        raise InvalidInput(f"lookback height {lookback_round} is at or after base height {ts.height}")
    after = chain.tipset_by_height(ChainEpoch(lookback_round + 1), ts, False)
    if lookback_round > after.height:
        raise InvalidInput(f"no tipset after the lookback height {lookback_round} on the chain of {ts}")
    # The state after the lookback tipset's messages is what the next non-null tipset names.
    return chain.load_tipset(after.parents), after.parent_state


def lookback_state(chain: ConsensusChain, params: NetworkParams, ts: TipSet, round: ChainEpoch | int) -> CID:
    """The state root a block at ``round`` on ``ts`` reads its WinningPoSt and worker key from."""
    return lookback_tipset(chain, params, ts, round)[1]


def resolve_key_address(tree: StateTree, address: Address) -> Address:
    """The key address of an account (Lotus ``ResolveToDeterministicAddr``); NotFound otherwise."""
    if address.protocol in (AddressProtocol.SECP256K1, AddressProtocol.BLS, AddressProtocol.DELEGATED):
        return address
    actor = tree.get_actor(address)
    if actor is None:
        raise NotFound(f"no actor {address} to resolve to a key address")
    if tree.actor_name(actor) == names.ACCOUNT:
        return AccountState.decode(tree.store.get(actor.head)).address
    if actor.delegated_address is not None:
        return actor.delegated_address
    raise InvalidInput(f"actor {address} has no key address")


def _miner_state(tree: StateTree, miner: Address) -> MinerState:
    actor = tree.get_actor(miner)
    if actor is None:
        raise NotFound(f"miner {miner} does not exist")
    if tree.actor_name(actor) != names.MINER:
        raise InvalidInput(f"actor {miner} is not a miner")
    return MinerState.decode(tree.store.get(actor.head))


def _power_state(tree: StateTree) -> PowerState:
    return PowerState.decode(tree.actor_state_block(STORAGE_POWER_ACTOR))


def miner_worker_key(store: Blockstore, state_root: CID, miner: Address) -> Address:
    """The key address of the miner's worker in ``state_root`` (Lotus ``GetMinerWorkerRaw``)."""
    tree = StateTree.load(store, state_root)
    return resolve_key_address(tree, _miner_state(tree, miner).get_info(store).worker)


def miner_base_info(
    store: Blockstore,
    chain: ConsensusChain,
    params: NetworkParams,
    schedule: BeaconSchedule,
    beacon_source: BeaconSource,
    genesis_timestamp: int,
    miner: Address,
    epoch: ChainEpoch | int,
    parent: TipSet,
) -> MinerBaseInfo | None:
    """The base info of ``miner`` for a block at ``epoch`` on ``parent`` (Lotus ``MinerGetBaseInfo``).

    None when the miner is not yet in the lookback state or has no sector to prove there; NotFound when it
    does not exist at ``parent`` either.
    """
    prev = latest_beacon_entry(chain, parent)
    entries = beacon_entries_for_block(
        beacon_source, schedule, genesis_timestamp, params.block_delay_seconds, epoch, parent.height, prev
    )
    beacon = randomness_beacon(entries, prev)
    lookback_ts, lookback_root = lookback_tipset(chain, params, parent, epoch)
    tree = StateTree.load(store, lookback_root)
    if tree.get_actor(miner) is None:
        if StateTree.load(store, parent.parent_state).get_actor(miner) is None:
            raise NotFound(f"miner {miner} does not exist at {parent}")
        return None
    state = _miner_state(tree, miner)
    randomness = winning_post_randomness(beacon, miner, epoch)
    sectors = sectors_for_winning_post(store, miner, state, randomness)
    if not sectors:
        return None
    extended = []
    for sector in sectors:
        on_chain = state.get_sector(store, sector.sector_number)
        key = None if on_chain is None else on_chain.sector_key_cid
        extended.append(ExtendedSectorInfo(sector.proof, sector.sector_number, key, sector.sealed_cid))
    power = _power_state(tree)
    claim = power.miner_power(store, miner)
    info = state.get_info(store)
    # Lotus resolves the worker at the parent's own state, computing it only if that fails.
    try:
        worker = resolve_key_address(StateTree.load(store, parent.parent_state), info.worker)
    except (NotFound, InvalidInput):
        worker = resolve_key_address(StateTree.load(store, chain.executed_state(parent)[0]), info.worker)
    eligible = miner_eligible_to_mine(
        store, params.policy, miner, parent.height, parent.parent_state, lookback_ts.parent_state
    )
    return MinerBaseInfo(
        miner_power=0 if claim is None else claim.quality_adj_power,
        network_power=power.total_quality_adj_power,
        sectors=tuple(extended),
        worker_key=worker,
        sector_size=info.sector_size,
        prev_beacon_entry=prev,
        beacon_entries=entries,
        eligible_for_mining=eligible,
    )


# -- the block template ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlockTemplate:
    """What a miner asks the node to make a block of (Lotus ``api.BlockTemplate``).

    ``messages`` are signed messages in block order; BLS-signed ones go into the block unsigned, their
    signatures aggregated.
    """

    miner: Address
    parents: TipSetKey
    ticket: Ticket
    eproof: ElectionProof
    beacon_values: tuple[BeaconEntry, ...]
    messages: tuple[SignedMessage, ...]
    epoch: ChainEpoch
    timestamp: int
    winning_post_proof: tuple[PoStProof, ...]

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus JSON, as ``MinerCreateBlock`` takes it."""
        return {
            "Miner": address_to_json(self.miner, network),
            "Parents": self.parents.to_json(),
            "Ticket": {"VRFProof": bytes_to_json(self.ticket.vrf_proof)},
            "Eproof": {"WinCount": self.eproof.win_count, "VRFProof": bytes_to_json(self.eproof.vrf_proof)},
            "BeaconValues": _beacon_entries_to_json(self.beacon_values),
            "Messages": [signed_message_to_json(m, network) for m in self.messages],
            "Epoch": self.epoch,
            "Timestamp": self.timestamp,
            "WinningPoStProof": [_post_proof_to_json(p) for p in self.winning_post_proof] or None,
        }

    @classmethod
    def from_json(cls, obj: Any) -> BlockTemplate:
        """Parse Lotus JSON; JSONFieldError naming the bad field."""
        where = "BlockTemplate"
        ticket = _field(obj, "Ticket", where)
        eproof = _field(obj, "Eproof", where)
        if ticket is None or eproof is None:
            raise JSONFieldError("BlockTemplate: a block needs a Ticket and an Eproof")
        messages = _list(_field(obj, "Messages", where), "Messages")
        return cls(
            miner=address_from_json(_field(obj, "Miner", where), "Miner"),
            parents=TipSetKey.from_json(_field(obj, "Parents", where), "Parents"),
            ticket=Ticket(bytes_from_json(_field(ticket, "VRFProof", "Ticket"), "Ticket.VRFProof")),
            eproof=ElectionProof(
                int64_from_json(_field(eproof, "WinCount", "Eproof"), "Eproof.WinCount"),
                bytes_from_json(_field(eproof, "VRFProof", "Eproof"), "Eproof.VRFProof"),
            ),
            beacon_values=tuple(
                beacon_entry_from_json(e, "BeaconValues")
                for e in _list(_field(obj, "BeaconValues", where), "BeaconValues")
            ),
            messages=tuple(signed_message_from_json(m, f"Messages[{i}]") for i, m in enumerate(messages)),
            epoch=ChainEpoch(int64_from_json(_field(obj, "Epoch", where), "Epoch")),
            timestamp=uint64_from_json(_field(obj, "Timestamp", where), "Timestamp"),
            winning_post_proof=tuple(
                _post_proof_from_json(p, "WinningPoStProof")
                for p in _list(_field(obj, "WinningPoStProof", where), "WinningPoStProof")
            ),
        )


def _fee_messages(store: Blockstore, block: BlockHeader) -> list[FeeMessage]:
    bls_messages, secp_messages = load_block_messages(store, block.messages)
    out = [
        FeeMessage(m.sender, m.nonce, m.gas_limit, m.gas_fee_cap.atto, m.gas_premium.atto, bytes(m.cid))
        for m in bls_messages
    ]
    for s in secp_messages:
        m = s.message
        # Lotus deduplicates signed messages by their signed CID (pre-FireHorse rule).
        out.append(
            FeeMessage(m.sender, m.nonce, m.gas_limit, m.gas_fee_cap.atto, m.gas_premium.atto, bytes(s.cid))
        )
    return out


def parent_base_fee(store: Blockstore, params: NetworkParams, parent: TipSet) -> TokenAmount:
    """The base fee a block on ``parent`` carries (Lotus ``ChainStore.ComputeBaseFee``)."""
    fee = compute_base_fee(
        parent.blocks[0].parent_base_fee.atto,
        parent.height,
        [_fee_messages(store, b) for b in parent.blocks],
        params,
    )
    return TokenAmount(fee)


def next_block_timestamp(params: NetworkParams, parent: TipSet, epoch: ChainEpoch | int) -> int:
    """The timestamp of a block at ``epoch`` on ``parent``: one block delay per epoch past its parent."""
    if epoch <= parent.height:
        raise InvalidInput(f"a block at epoch {epoch} cannot be mined on a tipset at {parent.height}")
    return parent.min_timestamp() + params.block_delay_seconds * (epoch - parent.height)


def _split_messages(
    messages: Sequence[SignedMessage],
) -> tuple[list[Message], list[Signature], list[SignedMessage]]:
    bls_messages: list[Message] = []
    bls_signatures: list[Signature] = []
    secp_messages: list[SignedMessage] = []
    for m in messages:
        if m.signature.type is SignatureType.BLS:
            bls_messages.append(m.message)
            bls_signatures.append(m.signature)
        elif m.signature.type in (SignatureType.SECP256K1, SignatureType.DELEGATED):
            secp_messages.append(m)
        else:  # pragma: no cover - Signature admits only the three types
            raise InvalidInput(f"unknown signature type {m.signature.type}")
    return bls_messages, bls_signatures, secp_messages


def create_block(
    store: Blockstore,
    chain: ConsensusChain,
    params: NetworkParams,
    template: BlockTemplate,
    sign: Callable[[Address, bytes], Signature],
) -> tuple[BlockHeader, list[Message], list[SignedMessage]]:
    """The signed block of ``template`` and its BLS and secp messages (Lotus ``FilecoinEC.CreateBlock``).

    The messages and message meta are written to ``store``; ``sign(worker, data)`` signs as the miner's
    worker key (resolved in the lookback state, as Lotus ``CreateBlock`` does).
    """
    parent = chain.load_tipset(template.parents)
    _, lookback_root = lookback_tipset(chain, params, parent, template.epoch)
    worker = miner_worker_key(store, lookback_root, template.miner)
    state_root, receipts_root = chain.executed_state(parent)
    bls_messages, bls_signatures, secp_messages = _split_messages(template.messages)
    meta = store_block_messages(store, bls_messages, secp_messages)
    aggregate = Signature(SignatureType.BLS, bls.aggregate([s.data for s in bls_signatures]))
    header = BlockHeader(
        miner=template.miner,
        ticket=template.ticket,
        election_proof=template.eproof,
        beacon_entries=template.beacon_values,
        win_post_proof=template.winning_post_proof,
        parents=template.parents.cids,
        parent_weight=chain.weight(parent),
        height=template.epoch,
        parent_state_root=state_root,
        parent_message_receipts=receipts_root,
        messages=meta.cid,
        bls_aggregate=aggregate,
        timestamp=template.timestamp,
        block_sig=None,
        fork_signaling=0,
        parent_base_fee=parent_base_fee(store, params, parent),
    )
    signed = replace(header, block_sig=sign(worker, header.signing_bytes()))
    return signed, bls_messages, secp_messages


# -- the miner's side ----------------------------------------------------------------------------------


def winning_post_type_for_seal(seal_proof: int) -> RegisteredPoStProof:
    """The WinningPoSt type of a seal proof's sector size (Lotus ``RegisteredWinningPoStProof``)."""
    try:
        size = RegisteredSealProof(seal_proof).sector_size
    except ValueError:
        raise InvalidInput(f"unknown seal proof type {seal_proof}") from None
    for candidate in RegisteredPoStProof:
        if candidate.kind is PoStKind.WINNING and candidate.sector_size == size:
            return candidate
    raise InvalidInput(f"no WinningPoSt type for sectors of {size} bytes")  # pragma: no cover


def mine_one(
    params: NetworkParams,
    base_info: MinerBaseInfo,
    worker_private_key: bytes,
    miner: Address,
    parent: TipSet,
    epoch: ChainEpoch | int,
    sector_dirs: Mapping[int, str | os.PathLike[str]],
) -> BlockTemplate | None:
    """A miner's attempt at ``epoch`` on ``parent`` (Lotus ``mineOne`` up to ``MinerCreateBlock``).

    Draws the ticket, runs the election and, when it wins, proves ``base_info.sectors`` from their sealed
    directories (by sector number); the template has no messages (the caller adds the selected ones with
    :func:`dataclasses.replace`). None when the miner is not eligible or not elected.
    """
    if not base_info.eligible_for_mining:
        return None
    beacon = randomness_beacon(base_info.beacon_entries, base_info.prev_beacon_entry)
    min_ticket = parent.min_ticket_block().ticket
    assert min_ticket is not None  # TipSet refuses blocks without tickets
    # After the Smoke upgrade (from genesis on test networks) the ticket also signs the parent's min ticket.
    chain_entropy = min_ticket.vrf_proof if epoch > SMOKE_HEIGHT.get(params.name, -1) else None
    ticket = make_ticket(worker_private_key, beacon, miner, epoch, chain_entropy)
    winner = is_round_winner(
        worker_private_key, beacon, miner, epoch, base_info.miner_power, base_info.network_power
    )
    if winner is None:
        return None
    if not base_info.sectors:
        raise InvalidInput("a winning miner needs sectors to prove")
    randomness = winning_post_randomness(beacon, miner, epoch)
    post_type = winning_post_type_for_seal(base_info.sectors[0].proof)
    proofs = []
    for position, sector in enumerate(base_info.sectors):
        directory = sector_dirs.get(sector.sector_number)
        if directory is None:
            raise NotFound(f"no sealed directory for sector {sector.sector_number} of {miner}")
        proofs.append(prove_sector(post_type, randomness, directory, position))
    return BlockTemplate(
        miner=miner,
        parents=parent.key,
        ticket=ticket,
        eproof=winner,
        beacon_values=base_info.beacon_entries,
        messages=(),
        epoch=ChainEpoch(epoch),
        timestamp=next_block_timestamp(params, parent, epoch),
        winning_post_proof=(PoStProof(int(post_type), encode_post_proof(proofs)),),
    )
