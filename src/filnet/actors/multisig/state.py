"""Multisig actor state and its pending transactions (builtin-actors ``fil_actor_multisig``).

State: ``[signers, num_approvals_threshold, next_tx_id, initial_balance, start_epoch, unlock_duration,
pending_txs]``. ``pending_txs`` is a HAMT (bit width 5) keyed by the transaction ID as a signed (zigzag)
varint -- Go's ``binary.PutVarint`` and Rust's ``i64::encode_var_vec`` -- whose values are transactions
``[to, value, method, params, approved]``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, Final

from filnet.actors.encoding import (
    as_address,
    as_bigint,
    as_bytes,
    as_cid,
    as_int,
    as_list,
    as_uint,
    decode_block,
    fields,
)
from filnet.core.address import MAINNET, Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch, MethodNum
from filnet.errors import DecodeError
from filnet.ipld import dagcbor
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from filnet.vm.exit_codes import ActorError, ExitCode

PENDING_TXS_BIT_WIDTH: Final = 5


def txn_key(txn_id: int) -> bytes:
    """HAMT key of a transaction ID: zigzag varint of a signed 64-bit integer."""
    value = (txn_id << 1) ^ (txn_id >> 63)
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def txn_id_of_key(key: bytes) -> int:
    """Inverse of :func:`txn_key`; rejects non-minimal or oversized varints."""
    value = shift = 0
    for i, byte in enumerate(key):
        if i >= 10:
            break
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            if i + 1 != len(key) or (byte == 0 and i > 0) or value >> 64:
                break
            return (value >> 1) ^ -(value & 1)
    raise DecodeError(f"multisig transaction key {key.hex()} is not a minimal signed varint")


@dataclass(frozen=True, slots=True)
class Transaction:
    """A proposed send and the signers who approved it so far."""

    to: Address
    value: TokenAmount
    method: MethodNum
    params: bytes
    approved: tuple[Address, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            bytes(self.to),
            self.value.to_bytes(),
            self.method,
            self.params,
            [bytes(a) for a in self.approved],
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> Transaction:
        """Parse the CBOR tuple."""
        to, value, method, params, approved = fields(raw, 5, "Transaction")
        return cls(
            as_address(to, "Transaction.to"),
            TokenAmount(as_bigint(value, "Transaction.value")),
            MethodNum(as_uint(method, "Transaction.method")),
            as_bytes(params, "Transaction.params"),
            tuple(as_address(a, "Transaction.approved") for a in as_list(approved, "Transaction.approved")),
        )

    def proposal_hash(self) -> bytes:
        """blake2b-256 of ``[requester, to, value, method, params]``, the requester being the first approver
        (builtin-actors ``compute_proposal_hash``); Approve and Cancel may name a proposal by this hash."""
        requester = bytes(self.approved[0]) if self.approved else None
        data = dagcbor.encode([requester, bytes(self.to), self.value.to_bytes(), self.method, self.params])
        return hashlib.blake2b(data, digest_size=32).digest()

    def to_json(self) -> dict[str, Any]:
        """Lotus-style JSON."""
        return {
            "To": str(self.to),
            "Value": str(self.value.atto),
            "Method": self.method,
            "Params": self.params.hex(),
            "Approved": [str(a) for a in self.approved],
        }


@dataclass(frozen=True, slots=True)
class MultisigState:
    """Signers, threshold, the next transaction ID, the vesting schedule and the pending transactions."""

    signers: tuple[Address, ...]
    num_approvals_threshold: int
    next_tx_id: int
    initial_balance: TokenAmount
    start_epoch: ChainEpoch
    unlock_duration: ChainEpoch
    pending_txs: CID

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            [bytes(s) for s in self.signers],
            self.num_approvals_threshold,
            self.next_tx_id,
            self.initial_balance.to_bytes(),
            self.start_epoch,
            self.unlock_duration,
            self.pending_txs,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> MultisigState:
        """Parse the CBOR tuple."""
        f = fields(raw, 7, "MultisigState")
        return cls(
            signers=tuple(
                as_address(s, "MultisigState.signers") for s in as_list(f[0], "MultisigState.signers")
            ),
            num_approvals_threshold=as_uint(f[1], "MultisigState.num_approvals_threshold"),
            next_tx_id=as_int(f[2], "MultisigState.next_tx_id"),
            initial_balance=TokenAmount(as_bigint(f[3], "MultisigState.initial_balance")),
            start_epoch=ChainEpoch(as_int(f[4], "MultisigState.start_epoch")),
            unlock_duration=ChainEpoch(as_int(f[5], "MultisigState.unlock_duration")),
            pending_txs=as_cid(f[6], "MultisigState.pending_txs"),
        )

    def is_signer(self, address: Address) -> bool:
        """Whether ``address`` (an ID address) is a signer."""
        return address in self.signers

    def with_locked(
        self, start_epoch: ChainEpoch, unlock_duration: ChainEpoch, amount: TokenAmount
    ) -> MultisigState:
        """This state with a new vesting schedule (builtin-actors ``set_locked``)."""
        return replace(self, start_epoch=start_epoch, unlock_duration=unlock_duration, initial_balance=amount)

    def purge_approvals(self, store: Blockstore, signer: Address) -> MultisigState:
        """This state with ``signer``'s approvals removed; a transaction left with none is deleted."""
        txns = PendingTransactions(store, self.pending_txs)
        touched = [(txn_id, txn) for txn_id, txn in txns.items() if signer in txn.approved]
        for txn_id, txn in touched:
            approved = tuple(a for a in txn.approved if a != signer)
            if approved:
                txns.set(txn_id, replace(txn, approved=approved))
            else:
                txns.delete(txn_id)
        return replace(self, pending_txs=txns.flush())

    def amount_locked(self, elapsed: int) -> TokenAmount:
        """Balance still locked ``elapsed`` epochs after ``start_epoch``: linear vesting, rounded up."""
        if elapsed >= self.unlock_duration:
            return TokenAmount(0)
        if elapsed <= 0:
            return self.initial_balance
        remaining = self.unlock_duration - elapsed
        # ceil(initial * remaining / duration), as builtin-actors' div_ceil
        return TokenAmount(-((-self.initial_balance.atto * remaining) // self.unlock_duration))

    def check_available(self, balance: TokenAmount, amount: TokenAmount, epoch: ChainEpoch) -> None:
        """Raise :class:`ActorError` unless ``amount`` can leave a wallet holding ``balance`` at ``epoch``."""
        if amount.atto < 0:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"amount to spend {amount.atto} less than zero")
        if balance < amount:
            raise ActorError(
                ExitCode.USR_INSUFFICIENT_FUNDS,
                f"current balance {balance.atto} less than amount to spend {amount.atto}",
            )
        if not amount:
            return
        locked = self.amount_locked(epoch - self.start_epoch)
        if balance - amount < locked:
            raise ActorError(
                ExitCode.USR_INSUFFICIENT_FUNDS,
                f"balance {balance.atto} less {amount.atto} would fall below the locked {locked.atto}",
            )

    def encode(self) -> bytes:
        """DAG-CBOR bytes."""
        return dagcbor.encode(self.to_ipld())

    @classmethod
    def decode(cls, data: bytes) -> MultisigState:
        """Parse DAG-CBOR bytes."""
        return cls.from_ipld(decode_block(data, "MultisigState"))

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus-style JSON."""
        return {
            "Signers": [s.encode(network) for s in self.signers],
            "NumApprovalsThreshold": self.num_approvals_threshold,
            "NextTxnID": self.next_tx_id,
            "InitialBalance": str(self.initial_balance.atto),
            "StartEpoch": self.start_epoch,
            "UnlockDuration": self.unlock_duration,
            "PendingTxns": {"/": str(self.pending_txs)},
        }


class PendingTransactions:
    """The pending-transaction HAMT of a multisig."""

    def __init__(self, store: Blockstore, root: CID | None = None) -> None:
        self.hamt = Hamt(store, root, PENDING_TXS_BIT_WIDTH)

    def get(self, txn_id: int) -> Transaction | None:
        """The pending transaction ``txn_id``, or None."""
        raw = self.hamt.get(txn_key(txn_id))
        return None if raw is None else Transaction.from_ipld(raw)

    def set(self, txn_id: int, txn: Transaction) -> None:
        """Store transaction ``txn_id``."""
        self.hamt.set(txn_key(txn_id), txn.to_ipld())

    def delete(self, txn_id: int) -> bool:
        """Remove transaction ``txn_id``; whether it existed."""
        return self.hamt.delete(txn_key(txn_id))

    def items(self) -> Iterator[tuple[int, Transaction]]:
        """Every (ID, transaction), in HAMT order."""
        for key, raw in self.hamt.items():
            yield txn_id_of_key(key), Transaction.from_ipld(raw)

    def flush(self) -> CID:
        """Write changes; the new root."""
        return self.hamt.flush()
