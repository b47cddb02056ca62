"""The message pool: pending messages per sender, validated on add, updated on head changes.

Behaviour follows Lotus ``chain/messagepool/messagepool.go`` (add and push, nonce tracking, replace by
fee, head changes), ``pruning.go`` and ``repub.go``. Senders are keyed by their key address so that a
message from an ID address and one from its key address share one nonce sequence. The pool holds no
lock and runs no task: the node calls it from one trio task (or under its own lock), delivers head
changes, and calls :meth:`MessagePool.prune` and :meth:`MessagePool.republish` on its own schedule.
"""

from __future__ import annotations

import logging
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from filnet.chain.block import BlockHeader
from filnet.chain.message import Message, SignedMessage
from filnet.chain.tipset import TipSet, TipSetKey
from filnet.core.address import Address, Protocol
from filnet.core.token import TokenAmount
from filnet.crypto.signature import Signature, SignatureType, verify_signature
from filnet.errors import FilnetError
from filnet.ipld.cid import CID
from filnet.mpool import errors as E
from filnet.mpool.config import (
    BASE_FEE_LOWER_BOUND_FACTOR,
    BASE_FEE_LOWER_BOUND_FACTOR_CONSERVATIVE,
    MAX_ACTOR_PENDING_MESSAGES,
    MAX_MESSAGE_SIZE,
    MAX_NONCE_GAP,
    MAX_UNTRUSTED_ACTOR_PENDING_MESSAGES,
    MIN_GAS,
    REPUBLISH_MESSAGE_LIMIT,
    MpoolConfig,
    base_fee_lower_bound,
    compute_min_rbf,
)
from filnet.mpool.provider import ActorInfo, MpoolChain
from filnet.mpool.selection import MsgChain, PendingMessages, create_message_chains, select_messages
from filnet.mpool.store import LocalMessageStore
from filnet.params.network import NetworkParams
from filnet.vm.gas import PriceList
from filnet.vm.interpreter.apply import TOTAL_FILECOIN, chain_length, validate_message_syntax

log = logging.getLogger(__name__)

#: Bounds of the pool's caches (Lotus sizes its LRUs similarly).
_BLS_SIG_CACHE_SIZE = 40000
_SIG_VALID_CACHE_SIZE = 32000
_STATE_NONCE_CACHE_SIZE = 32768

Publish = Callable[[SignedMessage], None]


def required_funds(message: Message) -> int:
    """What the sender must hold for the message's gas: fee cap × gas limit (Lotus ``RequiredFunds``)."""
    return message.gas_fee_cap.atto * message.gas_limit


@dataclass
class _MsgSet:
    """One sender's pending messages (Lotus ``msgSet``)."""

    next_nonce: int
    msgs: dict[int, SignedMessage] = field(default_factory=dict)
    required_funds: int = 0

    def add(self, m: SignedMessage, strict: bool, untrusted: bool) -> bool:
        """Insert or replace by fee; True if the pool grew by one message."""
        nonce = m.message.nonce
        next_nonce = self.next_nonce
        max_gap = 0 if untrusted else MAX_NONCE_GAP
        limit = MAX_UNTRUSTED_ACTOR_PENDING_MESSAGES if untrusted else MAX_ACTOR_PENDING_MESSAGES
        gap = False
        if nonce == next_nonce:
            next_nonce += 1
            while next_nonce in self.msgs:
                next_nonce += 1
        elif strict and nonce > next_nonce + max_gap:
            raise E.ErrNonceGap(
                f"unfulfilled nonce gap: message nonce {nonce} is too far from the expected nonce "
                f"{next_nonce}"
            )
        elif nonce > next_nonce:
            gap = True

        existing = self.msgs.get(nonce)
        if existing is not None:
            if strict and gap:
                raise E.ErrNonceGap(
                    f"unfulfilled nonce gap: rejecting replace by fee at nonce {nonce} "
                    f"(expected nonce {next_nonce})"
                )
            if m.cid == existing.cid:
                raise E.ErrExistingNonce(
                    f"message from {m.message.sender} with nonce {nonce} already in mpool"
                )
            min_premium = compute_min_rbf(existing.message.gas_premium)
            if m.message.gas_premium < min_premium:
                raise E.ErrRBFTooLowPremium(
                    f"replace by fee has too low GasPremium: message from {m.message.sender} with nonce "
                    f"{nonce} already in mpool, increase GasPremium to {min_premium.atto} from "
                    f"{m.message.gas_premium.atto} to trigger replace by fee"
                )
            self.required_funds -= required_funds(existing.message)
        elif len(self.msgs) >= limit:
            raise E.ErrTooManyPendingMessages(
                f"too many pending messages for actor {m.message.sender} (limit {limit})"
            )
        self.next_nonce = next_nonce
        self.msgs[nonce] = m
        self.required_funds += required_funds(m.message)
        return existing is None

    def rm(self, nonce: int, applied: bool) -> None:
        """Remove the message at ``nonce``: included in a block (``applied``) or pruned."""
        m = self.msgs.pop(nonce, None)
        if m is None:
            if applied and nonce >= self.next_nonce:
                # A message we never saw was applied: skip past it and any gap it fills.
                self.next_nonce = nonce + 1
                while self.next_nonce in self.msgs:
                    self.next_nonce += 1
            return
        self.required_funds -= required_funds(m.message)
        if applied:
            if nonce >= self.next_nonce:
                self.next_nonce = nonce + 1
            return
        # Pruned: the nonce sequence now stops here.
        if nonce < self.next_nonce:
            self.next_nonce = nonce

    def required_funds_without(self, nonce: int) -> int:
        """Required funds of the pending messages other than the one at ``nonce``."""
        m = self.msgs.get(nonce)
        return self.required_funds - (required_funds(m.message) if m is not None else 0)

    def sorted(self) -> list[SignedMessage]:
        """The messages in nonce order."""
        return [self.msgs[n] for n in sorted(self.msgs)]


class MessagePool:
    """Pending messages, validated as Lotus's message pool validates them."""

    def __init__(
        self,
        chain: MpoolChain,
        params: NetworkParams,
        *,
        config: MpoolConfig | None = None,
        directory: Path | None = None,
        publish: Publish | None = None,
        prices: PriceList | None = None,
    ) -> None:
        """Open the pool at the chain's head, reloading the local messages stored under ``directory``."""
        self.chain = chain
        self.params = params
        self.config = config or MpoolConfig()
        self.prices = prices or PriceList()
        self._publish = publish
        self._cur_ts = chain.head()
        self._pending: dict[Address, _MsgSet] = {}
        self._local_addrs: set[Address] = set()
        self._size = 0
        self._republished: set[CID] = set()
        self._bls_sigs: OrderedDict[CID, Signature] = OrderedDict()
        self._sig_valid: OrderedDict[bytes, None] = OrderedDict()
        self._state_nonces: OrderedDict[tuple[TipSetKey, Address], int] = OrderedDict()
        self._key_cache: dict[Address, Address] = {}
        self._last_prune: float | None = None
        #: Problems met while reloading local messages (other than nonces already used on chain).
        self.load_errors: list[FilnetError] = []
        self._store = LocalMessageStore(directory) if directory is not None else None
        if self._store is not None:
            self._load_local()

    # -- queries --------------------------------------------------------------------------------------

    @property
    def head(self) -> TipSet:
        """The tipset the pool's state is relative to."""
        return self._cur_ts

    @property
    def size(self) -> int:
        """How many messages are pending."""
        return self._size

    def get_nonce(self, address: Address) -> int:
        """The next nonce for ``address``: its state nonce advanced past its contiguous pending messages."""
        state_nonce = self._state_nonce(address, self._cur_ts)
        mset = self._pending.get(self._resolve(address))
        if mset is None or state_nonce > mset.next_nonce:
            return state_nonce
        return mset.next_nonce

    def pending(self) -> tuple[list[SignedMessage], TipSet]:
        """Every pending message, each sender's in nonce order, and the pool's head (Lotus ``Pending``)."""
        out: list[SignedMessage] = []
        for mset in self._pending.values():
            out.extend(mset.sorted())
        return out, self._cur_ts

    def pending_for(self, address: Address) -> list[SignedMessage]:
        """The pending messages of one sender in nonce order (Lotus ``PendingFor``)."""
        mset = self._pending.get(self._resolve(address))
        return mset.sorted() if mset is not None else []

    def is_local(self, address: Address) -> bool:
        """Whether ``address`` has pushed messages through this node."""
        return self._resolve(address) in self._local_addrs

    def resolve_key(self, address: Address) -> Address:
        """The key address the pool files ``address``'s messages under (itself unless an ID address)."""
        return self._resolve(address)

    def actor(self, address: Address) -> ActorInfo | None:
        """The sender's nonce after the pool's head and its balance, as selection sees them."""
        return self._actor_after(address, self._cur_ts)

    def recover_sig(self, message: Message) -> SignedMessage | None:
        """A BLS message with the signature it came with, if the pool saw it."""
        sig = self._bls_sigs.get(message.cid)
        return SignedMessage(message, sig) if sig is not None else None

    # -- adding ---------------------------------------------------------------------------------------

    def add(self, m: SignedMessage) -> None:
        """Add a message received from the network (Lotus ``Add``): strict nonce-gap rule, not persisted."""
        self._check_message(m)
        self._add_ts(m, self._cur_ts, local=False, untrusted=False)

    def push(self, m: SignedMessage, publish: bool = True) -> CID:
        """Add a local message, persist it and publish it if it can be included soon (Lotus ``Push``)."""
        self._check_message(m)
        ok = self._add_ts(m, self._cur_ts, local=True, untrusted=False)
        if ok and publish and self._publish is not None:
            self._publish(m)
        return m.cid

    def push_untrusted(self, m: SignedMessage) -> CID:
        """Push for a gateway (Lotus ``PushUntrusted``): at most 100 pending messages and no nonce gap."""
        self._check_message(m)
        ok = self._add_ts(m, self._cur_ts, local=True, untrusted=True)
        if ok and self._publish is not None:
            self._publish(m)
        return m.cid

    def _check_message(self, m: SignedMessage) -> None:
        """Checks that need no state (Lotus ``checkMessage``)."""
        size = len(m.encode())
        if size > MAX_MESSAGE_SIZE:
            raise E.ErrMessageTooBig(f"mpool message too large ({size}B > {MAX_MESSAGE_SIZE}B)")
        msg = m.message
        if msg.value >= TOTAL_FILECOIN:
            raise E.ErrMessageValueTooHigh(
                f"cannot send more filecoin than will ever exist (value {msg.value.atto} attoFIL)"
            )
        self._validate_for_block(msg, chain_length(m))
        if msg.gas_fee_cap.atto < self.params.minimum_base_fee:
            raise E.ErrGasFeeCapTooLow(
                f"gas fee cap too low: {msg.gas_fee_cap.atto} < minimum base fee "
                f"{self.params.minimum_base_fee}"
            )
        self._verify_signature(m)

    def _validate_for_block(self, msg: Message, size: int) -> None:
        try:
            validate_message_syntax(msg, size, self.prices)
        except FilnetError as e:
            raise E.ErrInvalidMessage(f"message will not be included in a block: {e}") from e
        if msg.gas_limit > self.params.block_gas_limit:
            raise E.ErrInvalidMessage(
                f"message will not be included in a block: gas limit {msg.gas_limit} exceeds the block "
                f"gas limit {self.params.block_gas_limit}"
            )

    def _verify_signature(self, m: SignedMessage) -> None:
        sig = m.signature
        # Lotus's cache key: the CID for secp256k1; CID and signature for BLS (whose CID omits it).
        key = bytes(m.cid) + (sig.data if sig.type is SignatureType.BLS else b"")
        if key in self._sig_valid:
            self._sig_valid.move_to_end(key)
            return
        signer = self._resolve(m.message.sender)
        if signer.protocol is Protocol.ID:
            raise E.ErrInvalidSignature(
                f"signature verification failed: sender {m.message.sender} has no key address"
            )
        try:
            verify_signature(sig, signer, m.message.signing_bytes())
        except FilnetError as e:
            raise E.ErrInvalidSignature(f"signature verification failed: {e}") from e
        self._sig_valid[key] = None
        if len(self._sig_valid) > _SIG_VALID_CACHE_SIZE:
            self._sig_valid.popitem(last=False)

    def _add_ts(self, m: SignedMessage, ts: TipSet, *, local: bool, untrusted: bool) -> bool:
        """State checks, then insert (Lotus ``addTs``); True if the message may be published now."""
        msg = m.message
        state_nonce = self._state_nonce(msg.sender, ts)
        if state_nonce > msg.nonce:
            raise E.ErrNonceTooLow(
                f"message nonce too low: minimum expected nonce is {state_nonce}, got {msg.nonce}"
            )
        publish = self._verify_before_add(m, ts, local)
        self._check_balance(m, ts)
        self._add_locked(m, strict=not local, untrusted=untrusted)
        if local:
            self._add_local(m)
        return publish

    def _verify_before_add(self, m: SignedMessage, ts: TipSet, local: bool) -> bool:
        """Inclusion checks and the 20-block fee cap bound (Lotus ``verifyMsgBeforeAdd``)."""
        self._validate_for_block(m.message, chain_length(m))
        base_fee = ts.blocks[0].parent_base_fee
        bound = base_fee_lower_bound(
            base_fee, BASE_FEE_LOWER_BOUND_FACTOR_CONSERVATIVE, self.params.minimum_base_fee
        )
        if m.message.gas_fee_cap < bound:
            if local:
                # Kept and republished later, once the base fee has fallen.
                log.warning(
                    "local message %s not published now: fee cap %d below the lower bound %d",
                    m.cid,
                    m.message.gas_fee_cap.atto,
                    bound.atto,
                )
                return False
            raise E.ErrSoftValidationFailure(
                f"validation failure: GasFeeCap {m.message.gas_fee_cap.atto} doesn't meet the base fee lower "
                f"bound {bound.atto} for inclusion in the next 20 blocks"
            )
        return local

    def _check_balance(self, m: SignedMessage, ts: TipSet) -> None:
        """The sender must fund this message's gas, and that of its other pending messages (Lotus)."""
        actor = self.chain.get_actor(m.message.sender, ts)
        if actor is None:
            raise E.ErrInvalidSender(f"sender actor {m.message.sender} not found at {ts.key}")
        required = required_funds(m.message)
        balance = actor.balance.atto
        if balance < required:
            raise E.ErrNotEnoughFunds(
                f"not enough funds to execute transaction (required: {TokenAmount(required)}, "
                f"balance: {actor.balance})"
            )
        mset = self._pending.get(self._resolve(m.message.sender))
        if mset is not None:
            required += mset.required_funds_without(m.message.nonce)
        if balance < required:
            raise E.ErrSoftValidationFailure(
                f"validation failure: not enough funds including pending messages (required: "
                f"{TokenAmount(required)}, balance: {actor.balance})"
            )

    def _add_locked(self, m: SignedMessage, *, strict: bool, untrusted: bool) -> None:
        if m.signature.type is SignatureType.BLS:
            self._bls_sigs[m.cid] = m.signature
            if len(self._bls_sigs) > _BLS_SIG_CACHE_SIZE:
                self._bls_sigs.popitem(last=False)
        sender = self._resolve(m.message.sender)
        mset = self._pending.get(sender)
        created = mset is None
        if mset is None:
            mset = _MsgSet(self._state_nonce(m.message.sender, self._cur_ts))
        previous = mset.msgs.get(m.message.nonce)
        grew = mset.add(m, strict, untrusted)
        if created:
            self._pending[sender] = mset
        if grew:
            self._size += 1
        elif previous is not None and self._store is not None and sender in self._local_addrs:
            self._store.delete(previous)

    def _add_local(self, m: SignedMessage) -> None:
        self._local_addrs.add(self._resolve(m.message.sender))
        if self._store is not None:
            self._store.put(m)

    def _add_skip_checks(self, m: SignedMessage) -> None:
        self._add_locked(m, strict=False, untrusted=False)

    # -- removal and head changes ---------------------------------------------------------------------

    def remove(self, sender: Address, nonce: int, applied: bool) -> None:
        """Drop the pending message of ``sender`` at ``nonce``: included on chain or pruned."""
        key = self._resolve(sender)
        mset = self._pending.get(key)
        if mset is None:
            return
        m = mset.msgs.get(nonce)
        if m is not None:
            self._size -= 1
            if self._store is not None and key in self._local_addrs:
                self._store.delete(m)
        mset.rm(nonce, applied)
        if not mset.msgs:
            del self._pending[key]

    def head_change(self, revert: Sequence[TipSet], apply: Sequence[TipSet]) -> bool:
        """Follow the chain from the pool's head: ``revert`` newest first, then ``apply`` oldest first.

        Messages of applied tipsets leave the pool; those of reverted tipsets not re-included come back.
        Returns True when a message of the last republish was included (the node should republish now).
        """
        readd: dict[Address, dict[int, SignedMessage]] = {}
        repub = False
        for ts in revert:
            self._cur_ts = self.chain.load_tipset(ts.parents)
            for m in self._messages_for_blocks(ts.blocks):
                readd.setdefault(self._resolve(m.message.sender), {})[m.message.nonce] = m
        for ts in apply:
            self._cur_ts = ts
            for block in ts.blocks:
                bls, secp = self.chain.messages_for_block(block)
                included: list[tuple[Address, int, CID]] = [
                    (s.message.sender, s.message.nonce, s.cid) for s in secp
                ]
                included += [(u.sender, u.nonce, u.cid) for u in bls]
                for sender, nonce, cid in included:
                    key = self._resolve(sender)
                    waiting = readd.get(key)
                    if waiting is not None and nonce in waiting:
                        del waiting[nonce]
                    else:
                        self.remove(sender, nonce, applied=True)
                    if cid in self._republished:
                        repub = True
        for key, msgs in readd.items():
            for nonce in sorted(msgs):
                m = msgs[nonce]
                try:
                    self._add_skip_checks(m)
                except E.MpoolError as e:
                    log.debug("reverted message %s not re-added: %s", m.cid, e)
                    continue
                if key in self._local_addrs and self._store is not None:
                    self._store.put(m)
        return repub

    def _messages_for_blocks(self, blocks: Sequence[BlockHeader]) -> list[SignedMessage]:
        out: list[SignedMessage] = []
        for block in blocks:
            bls, secp = self.chain.messages_for_block(block)
            out.extend(secp)
            for message in bls:
                # A BLS message's signature is aggregated in the block: only a copy we saw can return.
                signed = self.recover_sig(message)
                if signed is not None:
                    out.append(signed)
        return out

    def clear(self, local: bool) -> None:
        """Drop pending messages: all (and the stored local ones) if ``local``, else only non-local ones."""
        if local:
            if self._store is not None:
                for key in self._local_addrs:
                    mset = self._pending.get(key)
                    for m in mset.msgs.values() if mset is not None else ():
                        self._store.delete(m)
            self._pending.clear()
            self._republished.clear()
        else:
            for key in [k for k in self._pending if k not in self._local_addrs]:
                del self._pending[key]
        self._size = sum(len(s.msgs) for s in self._pending.values())

    # -- selection, pruning, republishing -------------------------------------------------------------

    def select_messages(
        self, ts: TipSet, ticket_quality: float, rng: random.Random | None = None
    ) -> list[SignedMessage]:
        """The messages for a block mined on ``ts`` with a ticket of ``ticket_quality`` (Lotus)."""
        if self._size > self.config.size_limit_high:
            self._prune_messages(self._cur_ts)
        pending = self._pending_at(ts)
        base_fee = self.chain.compute_base_fee(ts)
        priority = [self._resolve(a) for a in self.config.priority_addrs]
        return select_messages(
            pending,
            lambda a: self._actor_after(a, ts),
            base_fee,
            ticket_quality,
            block_gas_limit=self.params.block_gas_limit,
            block_message_limit=self.params.block_message_limit,
            priority_addrs=priority,
            prices=self.prices,
            rng=rng,
        )

    def prune(self, now: float | None = None) -> bool:
        """Prune if above the high-water mark and the cooldown has passed (Lotus ``pruneExcessMessages``)."""
        if self._size < self.config.size_limit_high:
            return False
        now = time.monotonic() if now is None else now
        if self._last_prune is not None and now - self._last_prune < self.config.prune_cooldown_seconds:
            return False
        self._last_prune = now
        self._prune_messages(self._cur_ts)
        return True

    def _prune_messages(self, ts: TipSet) -> None:
        """Keep local and priority senders, then the best chains up to the low-water mark (Lotus)."""
        base_fee = base_fee_lower_bound(
            self.chain.compute_base_fee(ts), BASE_FEE_LOWER_BOUND_FACTOR, self.params.minimum_base_fee
        )
        protected = {self._resolve(a) for a in self.config.priority_addrs} | self._local_addrs
        keep_count = 0
        candidates: dict[CID, SignedMessage] = {}
        chains: list[MsgChain] = []
        for actor in sorted(self._pending, key=bytes):
            mset = self._pending[actor]
            if actor in protected:
                keep_count += len(mset.msgs)
                continue
            for m in mset.msgs.values():
                candidates[m.message.cid] = m
            chains.extend(self._chains(actor, mset.msgs, base_fee, ts))
        chains.sort(key=lambda c: (-c.gas_perf, -c.gas_reward))
        low = self.config.size_limit_low
        done = False
        for chain in chains:
            for m in chain.msgs:
                if keep_count >= low:
                    done = True
                    break
                candidates.pop(m.message.cid, None)
                keep_count += 1
            if done:
                break
        for m in candidates.values():
            self.remove(m.message.sender, m.message.nonce, applied=False)

    def republish(self) -> list[SignedMessage]:
        """Rebroadcast the best local messages includable soon (Lotus ``republishPendingMessages``)."""
        ts = self._cur_ts
        base_fee = self.chain.compute_base_fee(ts)
        bound = base_fee_lower_bound(base_fee, BASE_FEE_LOWER_BOUND_FACTOR, self.params.minimum_base_fee)
        self._republished = set()
        chains: list[MsgChain] = []
        for actor in sorted(self._local_addrs, key=bytes):
            mset = self._pending.get(actor)
            if mset is not None and mset.msgs:
                chains.extend(self._chains(actor, mset.msgs, bound, ts))
        chains.sort(key=lambda c: (-c.gas_perf, -c.gas_reward))
        gas_limit = self.params.block_gas_limit
        msgs: list[SignedMessage] = []
        i = 0
        while i < len(chains):
            chain = chains[i]
            if len(msgs) > REPUBLISH_MESSAGE_LIMIT or gas_limit <= MIN_GAS:
                break
            if not chain.valid:
                i += 1
                continue
            if chain.gas_limit <= gas_limit:
                taken = True
                for m in chain.msgs:
                    if m.message.gas_fee_cap < bound:
                        # This and the sender's later messages cannot be included soon.
                        chain.invalidate()
                        taken = False
                        break
                    gas_limit -= m.message.gas_limit
                    msgs.append(m)
                if taken:
                    i += 1
                continue
            chain.trim(gas_limit, REPUBLISH_MESSAGE_LIMIT, base_fee, self.params.block_gas_limit)
            for j in range(i, len(chains) - 1):
                if chains[j].before(chains[j + 1]):
                    break
                chains[j], chains[j + 1] = chains[j + 1], chains[j]
        msgs = msgs[:REPUBLISH_MESSAGE_LIMIT]
        for m in msgs:
            if self._publish is not None:
                self._publish(m)
            self._republished.add(m.cid)
        return msgs

    # -- state helpers --------------------------------------------------------------------------------

    def _chains(
        self, actor: Address, mset: dict[int, SignedMessage], base_fee: TokenAmount, ts: TipSet
    ) -> list[MsgChain]:
        return create_message_chains(
            mset,
            self._actor_after(actor, ts),
            base_fee,
            self.prices,
            self.params.block_gas_limit,
            self.params.block_message_limit,
        )

    def _actor_after(self, address: Address, ts: TipSet) -> ActorInfo | None:
        """The sender's nonce after ``ts``'s messages and its balance as the chain reports it."""
        actor = self.chain.get_actor(address, ts)
        if actor is None:
            return None
        return ActorInfo(self._state_nonce(address, ts), actor.balance)

    def _pending_at(self, ts: TipSet) -> PendingMessages:
        """Pending messages as they would be with ``ts`` as head (Lotus ``getPendingMessages``)."""
        result: PendingMessages = {a: dict(s.msgs) for a, s in self._pending.items()}
        if ts.key == self._cur_ts.key:
            return result
        revert, apply = self._reorg_ops(self._cur_ts, ts)
        for old in revert:
            for m in self._messages_for_blocks(old.blocks):
                result.setdefault(self._resolve(m.message.sender), {})[m.message.nonce] = m
        for new in apply:
            for block in new.blocks:
                bls, secp = self.chain.messages_for_block(block)
                for sender, nonce in [(s.message.sender, s.message.nonce) for s in secp] + [
                    (u.sender, u.nonce) for u in bls
                ]:
                    mset = result.get(self._resolve(sender))
                    if mset is not None:
                        mset.pop(nonce, None)
        return result

    def _reorg_ops(self, old: TipSet, new: TipSet) -> tuple[list[TipSet], list[TipSet]]:
        """Tipsets to revert from ``old`` (newest first) and apply to reach ``new`` (oldest first)."""
        revert: list[TipSet] = []
        apply: list[TipSet] = []
        left, right = old, new
        while left.key != right.key:
            if left.height > right.height:
                revert.append(left)
                left = self.chain.load_tipset(left.parents)
            else:
                apply.append(right)
                right = self.chain.load_tipset(right.parents)
        apply.reverse()
        return revert, apply

    def _resolve(self, address: Address) -> Address:
        if address.protocol is not Protocol.ID:
            return address
        cached = self._key_cache.get(address)
        if cached is not None:
            return cached
        key = self.chain.resolve_to_key(address, self._cur_ts)
        if key is None:
            return address
        self._key_cache[address] = key
        return key

    def _state_nonce(self, address: Address, ts: TipSet) -> int:
        """The sender's nonce after ``ts``: its parent-state nonce advanced past its messages in ``ts``."""
        cache_key = (ts.key, address)
        cached = self._state_nonces.get(cache_key)
        if cached is not None:
            return cached
        actor = self.chain.get_actor(address, ts)
        if actor is None:
            raise E.ErrSoftValidationFailure(
                f"validation failure: failed to look up actor state nonce: actor {address} not found"
            )
        nonce = actor.nonce
        key = self._resolve(address)
        seen: set[CID] = set()
        for block in ts.blocks:
            bls, secp = self.chain.messages_for_block(block)
            for message in [*bls, *(s.message for s in secp)]:
                if message.cid in seen:
                    continue
                seen.add(message.cid)
                if self._resolve(message.sender) == key:
                    nonce = max(nonce, message.nonce + 1)
        self._state_nonces[cache_key] = nonce
        if len(self._state_nonces) > _STATE_NONCE_CACHE_SIZE:
            self._state_nonces.popitem(last=False)
        return nonce

    # -- persistence ----------------------------------------------------------------------------------

    def _load_local(self) -> None:
        """Re-add the stored local messages (Lotus ``loadLocal`` / ``addLoaded``)."""
        assert self._store is not None
        for m in self._store.all():
            try:
                self._check_message(m)
                state_nonce = self._state_nonce(m.message.sender, self._cur_ts)
                if state_nonce > m.message.nonce:
                    # Already on chain: forget it (Lotus leaves this as a to-do and keeps it).
                    self._store.delete(m)
                    continue
                self._verify_before_add(m, self._cur_ts, local=True)
                self._check_balance(m, self._cur_ts)
                self._add_locked(m, strict=False, untrusted=False)
            except E.MpoolError as e:
                log.error("local message %s not reloaded: %s", m.cid, e)
                self.load_errors.append(e)
            self._local_addrs.add(self._resolve(m.message.sender))

    def close(self) -> None:
        """Close the local message store."""
        if self._store is not None:
            self._store.close()
