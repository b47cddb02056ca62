"""Validating a block under Expected Consensus, as Lotus's ``FilecoinEC.ValidateBlock`` does.

The checks are those of ``chain/consensus/filcns/filecoin.go`` (``blockSanityChecks``, ``ValidateBlock``,
``VerifyWinningPoStProof``) and ``chain/consensus/common.go`` (``CommonBlkChecks``, ``checkBlockMessages``),
plus the message-count limit Lotus applies to every block it receives. Lotus runs them concurrently and
reports every failure; here they run in a fixed order and the first failure is raised as
:class:`InvalidBlock`, whose ``rule`` names the check (one name per check, listed in :data:`RULES`).

The order puts the cheap header checks first, and checks the beacon entries before the draws that use
them (election, ticket, WinningPoSt), so that a block breaking one rule is reported under that rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from filnet.actors.miner.state import MinerState
from filnet.actors.power.state import PowerState
from filnet.actors.singletons import STORAGE_POWER_ACTOR
from filnet.chain.block import BlockHeader
from filnet.chain.message import Message, SignedMessage
from filnet.chain.tipset import TipSet, TipSetKey, store_block_messages
from filnet.consensus.beacon import BeaconSchedule, validate_block_beacon_entries
from filnet.consensus.drand import BeaconError
from filnet.consensus.election import (
    compute_win_count,
    election_vrf_input,
    randomness_beacon,
    ticket_vrf_input,
    winning_post_randomness,
)
from filnet.consensus.mining import (
    ConsensusChain,
    latest_beacon_entry,
    lookback_tipset,
    miner_worker_key,
    parent_base_fee,
    resolve_key_address,
)
from filnet.consensus.weight import SMOKE_HEIGHT
from filnet.consensus.winning import miner_eligible_to_mine, sectors_for_winning_post
from filnet.core.address import Address
from filnet.core.address import Protocol as AddressProtocol
from filnet.crypto import bls, vrf
from filnet.crypto.signature import InvalidSignature, SignatureType, is_valid_signature
from filnet.errors import FilnetError, InvalidInput, NotFound
from filnet.ipld.blockstore import Blockstore, MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.params.network import NetworkParams
from filnet.proofs.onchain import VANILLA, ProofVerifier, WinningPoStVerifyInfo
from filnet.vm.gas import PriceList
from filnet.vm.interpreter.apply import chain_length, may_send, validate_message_syntax
from filnet.vm.state_tree import StateTree

__all__ = ["ALLOWABLE_CLOCK_DRIFT_SECONDS", "RULES", "InvalidBlock", "validate_block"]

#: How far ahead of the local clock a block's timestamp may be (Lotus ``AllowableClockDriftSecs``).
ALLOWABLE_CLOCK_DRIFT_SECONDS: Final = 1

#: Every rule name :class:`InvalidBlock` can carry, in the order the checks run.
RULES: Final = (
    "missing_election_proof",
    "missing_ticket",
    "missing_signature",
    "missing_bls_aggregate",
    "miner_not_id",
    "parent_unknown",
    "height",
    "timestamp",
    "future",
    "miner_unknown",
    "parent_weight",
    "block_signature",
    "not_winner",
    "miner_ineligible",
    "beacon_entries",
    "election_vrf",
    "win_count",
    "ticket_vrf",
    "winning_post",
    "message_count",
    "bls_aggregate",
    "secp_signature_type",
    "message_gas_limit",
    "message_syntax",
    "block_gas_limit",
    "sender_not_account",
    "nonce",
    "secp_signature",
    "messages_cid",
    "parent_base_fee",
    "parent_state_root",
    "parent_receipts",
)


class InvalidBlock(InvalidInput):
    """A block that breaks a consensus rule; ``rule`` is one of :data:`RULES`."""

    def __init__(self, rule: str, message: str) -> None:
        assert rule in RULES, rule
        self.rule = rule
        super().__init__(f"invalid block ({rule}): {message}")


def _power_state(store: Blockstore, state_root: CID) -> PowerState:
    return PowerState.decode(StateTree.load(store, state_root).actor_state_block(STORAGE_POWER_ACTOR))


def _check_sanity(header: BlockHeader) -> None:
    """Lotus ``blockSanityChecks``."""
    if header.election_proof is None:
        raise InvalidBlock("missing_election_proof", "a block needs an election proof")
    if header.ticket is None:
        raise InvalidBlock("missing_ticket", "a block needs a ticket")
    if header.block_sig is None:
        raise InvalidBlock("missing_signature", "a block needs its worker's signature")
    if header.bls_aggregate is None:
        raise InvalidBlock("missing_bls_aggregate", "a block needs a BLS aggregate signature")
    if header.miner.protocol is not AddressProtocol.ID:
        raise InvalidBlock("miner_not_id", f"the block's miner {header.miner} is not an ID address")


def _check_times(params: NetworkParams, header: BlockHeader, parent: TipSet, now: float) -> None:
    if header.height <= parent.height:
        raise InvalidBlock(
            "height", f"block height {header.height} is not above its parent's {parent.height}"
        )
    expected = parent.min_timestamp() + params.block_delay_seconds * (header.height - parent.height)
    if header.timestamp != expected:
        raise InvalidBlock("timestamp", f"block timestamp {header.timestamp} is not {expected}")
    if header.timestamp > now + ALLOWABLE_CLOCK_DRIFT_SECONDS:
        raise InvalidBlock("future", f"block timestamp {header.timestamp} is in the future (now {now:.0f})")


def _check_election(
    store: Blockstore,
    chain: ConsensusChain,
    params: NetworkParams,
    schedule: BeaconSchedule,
    genesis_timestamp: int,
    header: BlockHeader,
    parent: TipSet,
    proofs: ProofVerifier,
) -> None:
    """The miner, its worker's signature, the election, the beacon, the ticket and the WinningPoSt."""
    miner = header.miner
    # Lotus minerIsValid: the miner has a power claim in the state the parent's blocks name.
    if _power_state(store, parent.parent_state).miner_power(store, miner) is None:
        raise InvalidBlock("miner_unknown", f"miner {miner} has no power claim at the parent")
    weight = chain.weight(parent)
    if header.parent_weight != weight:
        raise InvalidBlock(
            "parent_weight", f"parent weight {header.parent_weight} differs from the computed {weight}"
        )
    lookback_ts, lookback_root = lookback_tipset(chain, params, parent, header.height)
    try:
        worker = miner_worker_key(store, lookback_root, miner)
    except (NotFound, InvalidInput) as e:
        raise InvalidBlock("miner_unknown", f"no worker key for {miner} at the lookback: {e}") from None

    assert header.block_sig is not None and header.election_proof is not None and header.ticket is not None
    if not is_valid_signature(header.block_sig, worker, header.signing_bytes()):
        raise InvalidBlock("block_signature", f"the block is not signed by the worker {worker}")

    election = header.election_proof
    if election.win_count < 1:
        raise InvalidBlock("not_winner", f"the block claims {election.win_count} wins")
    if not miner_eligible_to_mine(
        store, params.policy, miner, parent.height, parent.parent_state, lookback_ts.parent_state
    ):
        raise InvalidBlock("miner_ineligible", f"miner {miner} is not eligible to mine on {parent}")

    previous = latest_beacon_entry(chain, parent)
    try:
        validate_block_beacon_entries(
            schedule,
            genesis_timestamp,
            params.block_delay_seconds,
            header.height,
            parent.height,
            header.beacon_entries,
            previous,
        )
    except BeaconError as e:
        raise InvalidBlock("beacon_entries", str(e)) from None
    beacon = randomness_beacon(header.beacon_entries, previous)

    try:
        vrf.verify(worker, election_vrf_input(beacon, miner, header.height), election.vrf_proof)
    except InvalidSignature as e:
        raise InvalidBlock("election_vrf", f"the election proof is not the worker's VRF: {e}") from None
    power = _power_state(store, lookback_root)
    claim = power.miner_power(store, miner)
    wins = compute_win_count(
        election.vrf_proof, 0 if claim is None else claim.quality_adj_power, power.total_quality_adj_power
    )
    if election.win_count != wins:
        raise InvalidBlock("win_count", f"the block claims {election.win_count} wins, the proof gives {wins}")

    min_ticket = parent.min_ticket_block().ticket
    assert min_ticket is not None  # TipSet refuses blocks without tickets
    chain_entropy = min_ticket.vrf_proof if header.height > SMOKE_HEIGHT.get(params.name, -1) else None
    try:
        vrf.verify(
            worker, ticket_vrf_input(beacon, miner, header.height, chain_entropy), header.ticket.vrf_proof
        )
    except InvalidSignature as e:
        raise InvalidBlock("ticket_vrf", f"the ticket is not the worker's VRF: {e}") from None

    randomness = winning_post_randomness(beacon, miner, header.height)
    tree = StateTree.load(store, lookback_root)
    miner_state = MinerState.decode(tree.actor_state_block(miner))
    sectors = sectors_for_winning_post(store, miner, miner_state, randomness)
    info = WinningPoStVerifyInfo(randomness, header.win_post_proof, sectors, int(miner.id))
    if not proofs.verify_winning_post(info):
        raise InvalidBlock(
            "winning_post", f"the WinningPoSt does not prove sectors {[s.sector_number for s in sectors]}"
        )


def _valid_sender(tree: StateTree, sender: Address) -> bool:
    """Lotus ``IsValidForSending`` (network version 18 on), the VM's own sender rule."""
    actor = tree.get_actor(sender)
    return actor is not None and may_send(tree.actor_name(actor), actor)


def _bls_public_key(tree: StateTree, sender: Address) -> bytes:
    key = resolve_key_address(tree, sender)
    if key.protocol is not AddressProtocol.BLS:
        raise InvalidInput(f"sender {sender} has no BLS key")
    return key.payload


def _check_messages(
    store: Blockstore,
    chain: ConsensusChain,
    params: NetworkParams,
    header: BlockHeader,
    parent: TipSet,
    bls_messages: Sequence[Message],
    secp_messages: Sequence[SignedMessage],
) -> None:
    """Lotus ``checkBlockMessages``, after the message-count limit."""
    count = len(bls_messages) + len(secp_messages)
    if count > params.block_message_limit:
        raise InvalidBlock("message_count", f"{count} messages exceed the limit {params.block_message_limit}")

    # BLS senders' keys as of the parent (Lotus GetBlsPublicKey at the base tipset).
    parent_tree = StateTree.load(store, parent.parent_state)
    if bls_messages:
        assert header.bls_aggregate is not None
        try:
            keys = [_bls_public_key(parent_tree, m.sender) for m in bls_messages]
            valid = header.bls_aggregate.type is SignatureType.BLS and bls.aggregate_verify(
                keys, [m.signing_bytes() for m in bls_messages], header.bls_aggregate.data
            )
        except FilnetError as e:
            raise InvalidBlock("bls_aggregate", f"cannot check the BLS aggregate: {e}") from None
        if not valid:
            raise InvalidBlock("bls_aggregate", "the BLS aggregate signature does not verify")

    for i, signed in enumerate(secp_messages):
        if signed.signature.type not in (SignatureType.SECP256K1, SignatureType.DELEGATED):
            raise InvalidBlock(
                "secp_signature_type", f"signed message {i} has a {signed.signature.type.name} signature"
            )

    state = StateTree.load(store, chain.executed_state(parent)[0])
    prices = PriceList()
    nonces: dict[Address, int] = {}
    total_gas = 0

    def check(message: Message, size: int, where: str) -> None:
        nonlocal total_gas
        if message.gas_limit > params.block_gas_limit:
            raise InvalidBlock(
                "message_gas_limit",
                f"{where}: gas limit {message.gas_limit} exceeds the block limit {params.block_gas_limit}",
            )
        try:
            validate_message_syntax(message, size, prices)
        except InvalidInput as e:
            raise InvalidBlock("message_syntax", f"{where}: {e}") from None
        total_gas += message.gas_limit
        if total_gas > params.block_gas_limit:
            raise InvalidBlock(
                "block_gas_limit", f"{where}: the block's gas limits exceed {params.block_gas_limit}"
            )
        sender = state.lookup_id(message.sender)
        if sender is None:
            raise InvalidBlock("sender_not_account", f"{where}: sender {message.sender} does not exist")
        if sender not in nonces:
            if not _valid_sender(state, sender):
                raise InvalidBlock(
                    "sender_not_account", f"{where}: sender {message.sender} is not an account"
                )
            actor = state.get_actor(sender)
            assert actor is not None
            nonces[sender] = actor.nonce
        if message.nonce != nonces[sender]:
            raise InvalidBlock("nonce", f"{where}: nonce {message.nonce}, expected {nonces[sender]}")
        nonces[sender] += 1

    for i, message in enumerate(bls_messages):
        check(message, chain_length(message), f"BLS message {i}")
    for i, signed in enumerate(secp_messages):
        check(signed.message, chain_length(signed), f"signed message {i}")
        # Lotus resolves the key at the parent, falling back to the computed state.
        try:
            key = resolve_key_address(parent_tree, signed.message.sender)
        except FilnetError:
            try:
                key = resolve_key_address(state, signed.message.sender)
            except FilnetError as e:
                raise InvalidBlock("secp_signature", f"signed message {i}: {e}") from None
        if not is_valid_signature(signed.signature, key, signed.message.signing_bytes()):
            raise InvalidBlock("secp_signature", f"signed message {i} is not signed by {key}")

    # The meta is built aside and written to the store only once it matches (Lotus's temporary store).
    meta = store_block_messages(MemoryBlockstore(), bls_messages, secp_messages)
    if meta.cid != header.messages:
        raise InvalidBlock(
            "messages_cid", f"the messages make meta {meta.cid}, the header names {header.messages}"
        )
    store_block_messages(store, bls_messages, secp_messages)


def validate_block(
    store: Blockstore,
    chain: ConsensusChain,
    params: NetworkParams,
    schedule: BeaconSchedule,
    genesis_timestamp: int,
    header: BlockHeader,
    bls_messages: Sequence[Message],
    secp_messages: Sequence[SignedMessage],
    *,
    now: float,
    proofs: ProofVerifier = VANILLA,
) -> None:
    """Raise :class:`InvalidBlock` unless ``header`` with these messages is a valid block (Lotus
    ``ValidateBlock``); ``now`` is the local Unix time. On success the messages are in ``store``."""
    _check_sanity(header)
    try:
        parent = chain.load_tipset(TipSetKey(header.parents))
    except (NotFound, InvalidInput) as e:
        raise InvalidBlock("parent_unknown", f"cannot load the parent tipset: {e}") from None
    _check_times(params, header, parent, now)
    _check_election(store, chain, params, schedule, genesis_timestamp, header, parent, proofs)
    _check_messages(store, chain, params, header, parent, bls_messages, secp_messages)
    base_fee = parent_base_fee(store, params, parent)
    if header.parent_base_fee != base_fee:
        raise InvalidBlock(
            "parent_base_fee", f"parent base fee {header.parent_base_fee.atto} is not {base_fee.atto}"
        )
    state_root, receipts_root = chain.executed_state(parent)
    if header.parent_state_root != state_root:
        raise InvalidBlock(
            "parent_state_root", f"parent state {header.parent_state_root} is not the computed {state_root}"
        )
    if header.parent_message_receipts != receipts_root:
        raise InvalidBlock(
            "parent_receipts",
            f"parent receipts {header.parent_message_receipts} are not the computed {receipts_root}",
        )
