"""The miner's vesting table (builtin-actors ``vesting_state.rs``).

Locked rewards vest in steps; the table is a list of (epoch, amount) in epoch order, funds vesting the
epoch *after* their entry's epoch. In state it is ``null`` when empty, otherwise ``[head, tail]``: the
next entry inline and a link to the list of the others, so that most epochs touch only the head.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from filnet.actors.encoding import CborTuple, as_bigint, as_cid, as_int, as_list, fields
from filnet.actors.miner.bitfield_queue import get_cbor, put_cbor, state_context
from filnet.actors.miner.quantize import QuantSpec
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.params.network import VestSpec


@dataclass(frozen=True, slots=True)
class VestingFund(CborTuple):
    """Funds that vest after ``epoch``."""

    epoch: ChainEpoch
    amount: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.epoch, self.amount.to_bytes()]

    @classmethod
    def from_ipld(cls, raw: Any) -> VestingFund:
        """Parse the CBOR tuple."""
        epoch, amount = fields(raw, 2, "VestingFund")
        return cls(
            ChainEpoch(as_int(epoch, "VestingFund.epoch")),
            TokenAmount(as_bigint(amount, "VestingFund.amount")),
        )

    def to_json(self) -> dict[str, Any]:
        """go-state-types JSON."""
        return {"Epoch": self.epoch, "Amount": str(self.amount.atto)}


def _take_vested(
    funds: list[VestingFund], current_epoch: ChainEpoch
) -> tuple[TokenAmount, list[VestingFund]]:
    """The sum of the leading entries vested by ``current_epoch``, and the entries after them."""
    taken = 0
    i = 0
    while i < len(funds) and funds[i].epoch < current_epoch:
        taken += funds[i].amount.atto
        i += 1
    return TokenAmount(taken), funds[i:]


def _merge(old: Sequence[VestingFund], new: Iterable[VestingFund]) -> list[VestingFund]:
    """Merge two epoch-ordered schedules, summing entries of equal epochs pairwise (itertools'
    ``merge_join_by``)."""
    out: list[VestingFund] = []
    new_list = list(new)
    i = j = 0
    while i < len(old) and j < len(new_list):
        a, b = old[i], new_list[j]
        if a.epoch < b.epoch:
            out.append(a)
            i += 1
        elif a.epoch > b.epoch:
            out.append(b)
            j += 1
        else:
            out.append(VestingFund(a.epoch, a.amount + b.amount))
            i += 1
            j += 1
    out.extend(old[i:])
    out.extend(new_list[j:])
    return out


@dataclass(frozen=True, slots=True)
class VestingFunds:
    """The vesting table: None when empty, else its first entry and the CID of the rest."""

    head: VestingFund | None = None
    tail: CID | None = None

    @classmethod
    def new(cls) -> VestingFunds:
        """An empty table."""
        return cls()

    def to_ipld(self) -> list[Any] | None:
        """``null`` or ``[head, tail]``."""
        if self.head is None or self.tail is None:
            return None
        return [self.head.to_ipld(), self.tail]

    @classmethod
    def from_ipld(cls, raw: Any) -> VestingFunds:
        """Parse ``null`` or ``[head, tail]``."""
        if raw is None:
            return cls()
        head, tail = fields(raw, 2, "VestingFunds")
        return cls(VestingFund.from_ipld(head), as_cid(tail, "VestingFunds.tail"))

    def to_json(self) -> dict[str, Any] | None:
        """go-state-types JSON (``*VestingFunds``)."""
        if self.head is None or self.tail is None:
            return None
        return {"Head": self.head.to_json(), "Tail": {"/": str(self.tail)}}

    def load(self, store: Blockstore) -> list[VestingFund]:
        """The whole table; a head drawn down to zero is not shown."""
        if self.head is None or self.tail is None:
            return []
        raw = get_cbor(store, self.tail, "vesting funds")
        with state_context("failed to load the vesting funds"):
            funds = [VestingFund.from_ipld(f) for f in as_list(raw, "vesting funds")]
        if self.head.amount.atto > 0:
            funds.insert(0, self.head)
        return funds

    @staticmethod
    def _save(store: Blockstore, funds: Sequence[VestingFund]) -> VestingFunds:
        if not funds:
            return VestingFunds()
        tail = put_cbor(store, [f.to_ipld() for f in funds[1:]])
        return VestingFunds(funds[0], tail)

    def can_vest(self, current_epoch: ChainEpoch) -> bool:
        """Whether the head has vested by ``current_epoch``."""
        return self.head is not None and self.head.epoch < current_epoch

    def unlock_vested_funds(
        self, store: Blockstore, current_epoch: ChainEpoch
    ) -> tuple[VestingFunds, TokenAmount]:
        """Remove what has vested by ``current_epoch``; the table after and the amount unlocked."""
        if not self.can_vest(current_epoch):
            return self, ZERO
        unlocked, rest = _take_vested(self.load(store), current_epoch)
        return self._save(store, rest), unlocked

    def add_locked_funds(
        self,
        store: Blockstore,
        current_epoch: ChainEpoch,
        vesting_sum: TokenAmount,
        proving_period_start: ChainEpoch,
        spec: VestSpec,
    ) -> tuple[VestingFunds, TokenAmount]:
        """Lock ``vesting_sum`` on ``spec``'s schedule and unlock what has already vested; the table after
        and the amount unlocked."""
        # Entries are quantized to the proving period's offset, and funds vest the epoch after theirs.
        vest_begin = current_epoch + spec.initial_delay
        quant = QuantSpec(ChainEpoch(spec.quantization), proving_period_start)
        new_funds: list[VestingFund] = []
        vested_so_far = 0
        epoch = vest_begin
        while vested_so_far < vesting_sum.atto:
            epoch += spec.step_duration
            vest_epoch = quant.quantize_up(ChainEpoch(epoch))
            elapsed = vest_epoch - vest_begin
            if elapsed < spec.vest_period:
                target = vesting_sum.atto * elapsed // spec.vest_period
            else:
                target = vesting_sum.atto
            new_funds.append(VestingFund(vest_epoch, TokenAmount(target - vested_so_far)))
            vested_so_far = target
        combined = _merge(self.load(store), new_funds)
        unlocked, rest = _take_vested(combined, current_epoch)
        return self._save(store, rest), unlocked

    def unlock_vested_and_unvested_funds(
        self, store: Blockstore, current_epoch: ChainEpoch, target: TokenAmount
    ) -> tuple[VestingFunds, TokenAmount, TokenAmount]:
        """Unlock everything vested, then up to ``target`` of the unvested funds, soonest first; the table
        after, the vested amount and the unvested amount unlocked."""
        if self.head is None or self.tail is None:
            return self, ZERO, ZERO
        # Fast path: the head alone covers the target and has not vested.
        if self.head.epoch >= current_epoch and self.head.amount >= target:
            head = VestingFund(self.head.epoch, self.head.amount - target)
            return VestingFunds(head, self.tail), ZERO, target
        remaining = target.atto
        vested = unvested = 0
        funds = self.load(store)
        i = 0
        while i < len(funds):
            fund = funds[i]
            i += 1
            if fund.epoch < current_epoch:
                vested += fund.amount.atto
                continue
            if fund.amount.atto < remaining:
                remaining -= fund.amount.atto
                unvested += fund.amount.atto
                continue
            unvested += remaining
            i -= 1
            funds[i] = VestingFund(fund.epoch, TokenAmount(fund.amount.atto - remaining))
            break
        return self._save(store, funds[i:]), TokenAmount(vested), TokenAmount(unvested)
