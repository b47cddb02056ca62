"""Parameters and returns of the multisig actor's methods (builtin-actors ``fil_actor_multisig::types``).

Every value is a CBOR tuple in the field order below; addresses and BigInts are byte strings, ``params`` and
``ret`` are raw CBOR bytes carried in a byte string.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from filnet.actors.encoding import (
    CborTuple,
    as_address,
    as_bigint,
    as_bool,
    as_bytes,
    as_int,
    as_list,
    as_uint,
    fields,
)
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch, MethodNum

#: Most signers a multisig may have; larger groups nest multisigs (builtin-actors ``SIGNERS_MAX``).
SIGNERS_MAX: Final = 256
_NO_VESTING: Final = ChainEpoch(0)


@dataclass(frozen=True, slots=True)
class ConstructorParams(CborTuple):
    """Signers (any address kind; stored as ID addresses), threshold and optional vesting schedule."""

    signers: tuple[Address, ...]
    num_approvals_threshold: int
    unlock_duration: ChainEpoch = _NO_VESTING
    start_epoch: ChainEpoch = _NO_VESTING

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            [bytes(s) for s in self.signers],
            self.num_approvals_threshold,
            self.unlock_duration,
            self.start_epoch,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> ConstructorParams:
        """Parse the CBOR tuple."""
        signers, threshold, duration, start = fields(raw, 4, "ConstructorParams")
        return cls(
            tuple(as_address(s, "ConstructorParams.signers") for s in as_list(signers, "ConstructorParams")),
            as_uint(threshold, "ConstructorParams.num_approvals_threshold"),
            ChainEpoch(as_int(duration, "ConstructorParams.unlock_duration")),
            ChainEpoch(as_int(start, "ConstructorParams.start_epoch")),
        )


@dataclass(frozen=True, slots=True)
class ProposeParams(CborTuple):
    """A send to propose: recipient, value, method and its raw CBOR params."""

    to: Address
    value: TokenAmount
    method: MethodNum
    params: bytes = b""

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.to), self.value.to_bytes(), self.method, self.params]

    @classmethod
    def from_ipld(cls, raw: Any) -> ProposeParams:
        """Parse the CBOR tuple."""
        to, value, method, params = fields(raw, 4, "ProposeParams")
        return cls(
            as_address(to, "ProposeParams.to"),
            TokenAmount(as_bigint(value, "ProposeParams.value")),
            MethodNum(as_uint(method, "ProposeParams.method")),
            as_bytes(params, "ProposeParams.params"),
        )


@dataclass(frozen=True, slots=True)
class ApproveReturn(CborTuple):
    """Whether the transaction ran, and if so its exit code and return bytes."""

    applied: bool
    code: int
    ret: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.applied, self.code, self.ret]

    @classmethod
    def from_ipld(cls, raw: Any) -> ApproveReturn:
        """Parse the CBOR tuple."""
        applied, code, ret = fields(raw, 3, "ApproveReturn")
        return cls(
            as_bool(applied, "ApproveReturn.applied"),
            as_uint(code, "ApproveReturn.code"),
            as_bytes(ret, "ApproveReturn.ret"),
        )


@dataclass(frozen=True, slots=True)
class ProposeReturn(CborTuple):
    """The new transaction's ID, and whether it ran at once (threshold 1) with its exit code and return."""

    txn_id: int
    applied: bool
    code: int
    ret: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.txn_id, self.applied, self.code, self.ret]

    @classmethod
    def from_ipld(cls, raw: Any) -> ProposeReturn:
        """Parse the CBOR tuple."""
        txn_id, applied, code, ret = fields(raw, 4, "ProposeReturn")
        return cls(
            as_int(txn_id, "ProposeReturn.txn_id"),
            as_bool(applied, "ProposeReturn.applied"),
            as_uint(code, "ProposeReturn.code"),
            as_bytes(ret, "ProposeReturn.ret"),
        )


@dataclass(frozen=True, slots=True)
class TxnIDParams(CborTuple):
    """A pending transaction, optionally pinned by its proposal hash (empty: any)."""

    id: int
    proposal_hash: bytes = b""

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.id, self.proposal_hash]

    @classmethod
    def from_ipld(cls, raw: Any) -> TxnIDParams:
        """Parse the CBOR tuple."""
        txn_id, proposal_hash = fields(raw, 2, "TxnIDParams")
        return cls(as_int(txn_id, "TxnIDParams.id"), as_bytes(proposal_hash, "TxnIDParams.proposal_hash"))


@dataclass(frozen=True, slots=True)
class AddSignerParams(CborTuple):
    """A signer to add, and whether the threshold goes up by one with it."""

    signer: Address
    increase: bool

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.signer), self.increase]

    @classmethod
    def from_ipld(cls, raw: Any) -> AddSignerParams:
        """Parse the CBOR tuple."""
        signer, increase = fields(raw, 2, "AddSignerParams")
        return cls(
            as_address(signer, "AddSignerParams.signer"), as_bool(increase, "AddSignerParams.increase")
        )


@dataclass(frozen=True, slots=True)
class RemoveSignerParams(CborTuple):
    """A signer to remove, and whether the threshold goes down by one with it."""

    signer: Address
    decrease: bool

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.signer), self.decrease]

    @classmethod
    def from_ipld(cls, raw: Any) -> RemoveSignerParams:
        """Parse the CBOR tuple."""
        signer, decrease = fields(raw, 2, "RemoveSignerParams")
        return cls(
            as_address(signer, "RemoveSignerParams.signer"), as_bool(decrease, "RemoveSignerParams.decrease")
        )


@dataclass(frozen=True, slots=True)
class SwapSignerParams(CborTuple):
    """Replace signer ``from_`` by ``to``."""

    from_: Address
    to: Address

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.from_), bytes(self.to)]

    @classmethod
    def from_ipld(cls, raw: Any) -> SwapSignerParams:
        """Parse the CBOR tuple."""
        from_, to = fields(raw, 2, "SwapSignerParams")
        return cls(as_address(from_, "SwapSignerParams.from"), as_address(to, "SwapSignerParams.to"))


@dataclass(frozen=True, slots=True)
class ChangeNumApprovalsThresholdParams(CborTuple):
    """The new number of approvals a transaction needs."""

    new_threshold: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.new_threshold]

    @classmethod
    def from_ipld(cls, raw: Any) -> ChangeNumApprovalsThresholdParams:
        """Parse the CBOR tuple."""
        (threshold,) = fields(raw, 1, "ChangeNumApprovalsThresholdParams")
        return cls(as_uint(threshold, "ChangeNumApprovalsThresholdParams.new_threshold"))


@dataclass(frozen=True, slots=True)
class LockBalanceParams(CborTuple):
    """Vesting: ``amount`` unlocks linearly over ``unlock_duration`` epochs from ``start_epoch``."""

    start_epoch: ChainEpoch
    unlock_duration: ChainEpoch
    amount: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.start_epoch, self.unlock_duration, self.amount.to_bytes()]

    @classmethod
    def from_ipld(cls, raw: Any) -> LockBalanceParams:
        """Parse the CBOR tuple."""
        start, duration, amount = fields(raw, 3, "LockBalanceParams")
        return cls(
            ChainEpoch(as_int(start, "LockBalanceParams.start_epoch")),
            ChainEpoch(as_int(duration, "LockBalanceParams.unlock_duration")),
            TokenAmount(as_bigint(amount, "LockBalanceParams.amount")),
        )
