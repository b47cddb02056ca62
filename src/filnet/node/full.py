"""A full node: the chain, the message pool, gas estimation and the wallet behind the JSON-RPC API.

:class:`FullNode` owns what a ``filnet daemon`` holds open over its repository. Its methods are plain,
synchronous operations (the API's method bodies call them); the daemon runs them on its trio loop one at a
time, so the chain and the pool never see two writers.

Blocks come in through :meth:`FullNode.submit_block`: Expected Consensus validation first
(:func:`filnet.consensus.validation.validate_block`), then the chain's fork choice; a head change updates
the message pool and is handed to every head watcher (the API's ``ChainNotify`` channels).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from filnet.chain.block import BlockHeader
from filnet.chain.message import Message, SignedMessage
from filnet.chain.randomness import ChainRandomness
from filnet.chain.store import HeadChange
from filnet.chain.tipset import TipSet, TipSetKey
from filnet.consensus.validation import validate_block
from filnet.core.address import Address, Protocol
from filnet.core.token import TokenAmount
from filnet.core.types import Nonce
from filnet.crypto.keys import PrivateKey
from filnet.crypto.keystore import Keystore
from filnet.crypto.signature import Signature, SignatureType
from filnet.errors import NotFound
from filnet.mpool.gas import CallOutcome, GasEstimator
from filnet.mpool.pool import MessagePool
from filnet.node.chain import NodeChain
from filnet.node.identity import node_peer_id
from filnet.node.repo import NodeRepo
from filnet.vm.interpreter.apply import ApplyResult, apply_message, apply_signed_message, chain_length
from filnet.vm.interpreter.machine import Machine

log = logging.getLogger(__name__)

#: A head watcher gets every head change the node makes.
HeadWatcher = Callable[[HeadChange], None]


@dataclass(frozen=True, slots=True)
class CallResult:
    """A message applied off-chain on a tipset's state (Lotus ``InvocResult``)."""

    message: Message
    result: ApplyResult
    duration_ns: int


class FullNode:
    """The node's chain, pool, estimator and wallet, over an opened (and locked) repository."""

    def __init__(self, repo: NodeRepo, chain: NodeChain) -> None:
        self.repo = repo
        self.chain = chain
        self.params = chain.params
        self.network = chain.params.address_prefix
        self.wallet = Keystore(repo.keystore_dir)
        self.mpool = MessagePool(chain, chain.params, directory=repo.mpool_dir)
        self.gas = GasEstimator(self.mpool, self.call_with_gas)
        self.start_time = time.time()
        self.session = str(uuid.uuid4())
        self.peer_id = node_peer_id(repo.keystore_dir)
        self._watchers: list[HeadWatcher] = []
        #: Messages in the blocks accepted since start (``SyncState.VMApplied``).
        self.vm_applied = 0

    def close(self) -> None:
        """Release the pool's and the chain store's files."""
        self.mpool.close()
        self.chain.store.close()

    # -- head changes ---------------------------------------------------------------------------------

    def watch_head(self, watcher: HeadWatcher) -> Callable[[], None]:
        """Call ``watcher`` on every head change; returns the function that stops it."""
        self._watchers.append(watcher)
        return lambda: self._watchers.remove(watcher) if watcher in self._watchers else None

    def submit_block(
        self,
        header: BlockHeader,
        bls_messages: Sequence[Message],
        secp_messages: Sequence[SignedMessage],
        *,
        now: float | None = None,
    ) -> HeadChange | None:
        """Validate a block with its messages and add it to the chain (InvalidBlock names a broken rule)."""
        validate_block(
            self.chain.blocks,
            self.chain,
            self.params,
            self.chain.schedule,
            self.chain.genesis_timestamp,
            header,
            bls_messages,
            secp_messages,
            now=time.time() if now is None else now,
            proofs=self.chain.proofs,
        )
        change = self.chain.accept_block(header)
        self.vm_applied += len(bls_messages) + len(secp_messages)
        if change is not None:
            self.mpool.head_change(change.revert, change.apply)
            for watcher in list(self._watchers):
                try:
                    watcher(change)
                except Exception:  # a watcher's failure must not undo the head change
                    log.exception("head watcher failed")
        return change

    # -- tipsets --------------------------------------------------------------------------------------

    def tipset(self, key: TipSetKey | None) -> TipSet:
        """The tipset of ``key``; the head for an empty or missing key (as Lotus's API treats it)."""
        if key is None or not key.cids:
            return self.chain.head()
        return self.chain.load_tipset(key)

    # -- calling messages off-chain -------------------------------------------------------------------

    def _machine(self, ts: TipSet) -> Machine:
        """A machine on ``ts``'s executed state at the next epoch (Lotus ``callInternal``)."""
        state_root, _ = self.chain.executed_state(ts)
        return Machine(
            self.chain.blocks,
            state_root,
            ts.height + 1,
            ts.blocks[0].parent_base_fee,
            ChainRandomness(self.chain, ts, self.chain.beacon_round),
            policy=self.params.policy,
            circulating_supply=self.chain.circulating_supply(ts).circulating,
            proofs=self.chain.proofs,
        )

    def call_with_gas(self, message: Message, prior: Sequence[SignedMessage], ts: TipSet) -> CallOutcome:
        """Apply ``prior``, then ``message`` with the sender's nonce, on ``ts`` (Lotus ``CallWithGas``)."""
        machine = self._machine(ts)
        for pending in prior:
            apply_signed_message(machine, pending)
        trial = replace(message, nonce=_sender_nonce(machine, message))
        # A secp message is signed on chain: count its 65-byte signature in the size, as Lotus does.
        size = chain_length(trial)
        if trial.sender.protocol is Protocol.SECP256K1:
            size = chain_length(SignedMessage(trial, Signature(SignatureType.SECP256K1, bytes(65))))
        outcome = apply_message(machine, trial, size)
        return CallOutcome(int(outcome.receipt.exit_code), outcome.receipt.gas_used, outcome.failure)

    def call(self, message: Message, ts: TipSet) -> CallResult:
        """Apply ``message`` on ``ts``'s state without charging its sender (Lotus ``StateCall``)."""
        started = time.perf_counter_ns()
        machine = self._machine(ts)
        trial = replace(
            message,
            nonce=_sender_nonce(machine, message),
            gas_limit=self.params.block_gas_limit if message.gas_limit == 0 else message.gas_limit,
            gas_fee_cap=TokenAmount(0),
            gas_premium=TokenAmount(0),
        )
        outcome = apply_message(machine, trial, chain_length(trial))
        return CallResult(trial, outcome, time.perf_counter_ns() - started)

    # -- the wallet -----------------------------------------------------------------------------------

    def key(self, address: Address) -> PrivateKey:
        """The wallet's key for ``address`` (an ID address is resolved to its account key)."""
        key_address = address
        if address.protocol is Protocol.ID:
            resolved = self.chain.resolve_to_key(address, self.chain.head())
            if resolved is None:
                raise NotFound(f"address {address.encode(self.network)} has no key address")
            key_address = resolved
        if not self.wallet.has(key_address):
            raise NotFound(f"key not found for {key_address.encode(self.network)}")
        return self.wallet.get(key_address)

    def sign_message(self, message: Message) -> SignedMessage:
        """``message`` signed by its sender's key in the wallet."""
        key = self.key(message.sender)
        return SignedMessage(message, key.sign(message.signing_bytes()))

    def push_message(self, message: Message, max_fee: TokenAmount | None = None) -> SignedMessage:
        """Estimate, number, sign and push a message from a wallet address (Lotus ``MpoolPushMessage``)."""
        if message.sender.protocol is not Protocol.ID and not self.wallet.has(message.sender):
            raise NotFound(f"key not found for {message.sender.encode(self.network)}")
        return self.gas.push_message(message, self.sign_message, max_fee)

    # -- reads the API serves -------------------------------------------------------------------------

    def lookup_id(self, address: Address, ts: TipSet) -> Address:
        """The ID address of ``address`` in ``ts``'s parent state."""
        found = self.chain.parent_tree(ts).lookup_id(address)
        if found is None:
            raise NotFound(f"actor not found: {address.encode(self.network)}")
        return found


def _sender_nonce(machine: Machine, message: Message) -> Nonce:
    """The nonce the sender has in ``machine`` (the message's own if the sender does not exist yet)."""
    sender_id = machine.tree.lookup_id(message.sender)
    sender = machine.get_actor(sender_id) if sender_id is not None else None
    return Nonce(sender.nonce) if sender is not None else message.nonce
