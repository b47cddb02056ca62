"""Per-item results of a batch method (builtin-actors ``runtime/src/util/batch_return.rs``).

A :class:`BatchReturn` counts the items that succeeded and lists, in index order, the ones that failed with
their exit codes; it is the CBOR tuple ``[success_count, [[idx, code], …]]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from filnet.actors.encoding import CborTuple, as_list, as_uint, fields
from filnet.errors import DecodeError, InvalidInput
from filnet.vm.exit_codes import ExitCode

_U32_MAX = 0xFFFFFFFF
T = TypeVar("T")


def _as_exit_code(raw: Any, what: str) -> ExitCode:
    """An exit code field (a u32 that names an exit code)."""
    value = as_uint(raw, what)
    if value > _U32_MAX:
        raise DecodeError(f"{what}: exit code {value} does not fit in 32 bits")
    try:
        return ExitCode(value)
    except ValueError:
        raise DecodeError(f"{what}: {value} is not an exit code") from None


@dataclass(frozen=True, slots=True)
class FailCode(CborTuple):
    """The index of a failed item and the code it failed with."""

    idx: int
    code: ExitCode

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.idx, int(self.code)]

    @classmethod
    def from_ipld(cls, raw: Any) -> FailCode:
        """Parse the CBOR tuple."""
        idx, code = fields(raw, 2, "FailCode")
        index = as_uint(idx, "FailCode.idx")
        if index > _U32_MAX:
            raise DecodeError(f"FailCode.idx: {index} does not fit in 32 bits")
        return cls(index, _as_exit_code(code, "FailCode.code"))


@dataclass(frozen=True, slots=True)
class BatchReturn(CborTuple):
    """How many items of a batch succeeded, and each failure's index and exit code (in index order)."""

    success_count: int = 0
    fail_codes: tuple[FailCode, ...] = ()

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.success_count, [f.to_ipld() for f in self.fail_codes]]

    @classmethod
    def from_ipld(cls, raw: Any) -> BatchReturn:
        """Parse the CBOR tuple."""
        count, fails = fields(raw, 2, "BatchReturn")
        success_count = as_uint(count, "BatchReturn.success_count")
        if success_count > _U32_MAX:
            raise DecodeError(f"BatchReturn.success_count: {success_count} does not fit in 32 bits")
        return cls(
            success_count,
            tuple(FailCode.from_ipld(f) for f in as_list(fails, "BatchReturn.fail_codes")),
        )

    @classmethod
    def empty(cls) -> BatchReturn:
        """The result of an empty batch."""
        return cls(0, ())

    @classmethod
    def ok(cls, n: int) -> BatchReturn:
        """``n`` items, all successful."""
        return cls(n, ())

    @classmethod
    def of(cls, codes: Sequence[ExitCode]) -> BatchReturn:
        """The batch result of one exit code per item."""
        gen = BatchReturnGen(len(codes))
        for code in codes:
            gen.add(code)
        return gen.generate()

    def size(self) -> int:
        """The number of items in the batch."""
        return self.success_count + len(self.fail_codes)

    def all_ok(self) -> bool:
        """Whether no item failed."""
        return not self.fail_codes

    def codes(self) -> list[ExitCode]:
        """The exit code of every item (OK for successes), in order."""
        result: list[ExitCode] = []
        for fail in self.fail_codes:
            result.extend([ExitCode.OK] * (fail.idx - len(result)))
            result.append(fail.code)
        result.extend([ExitCode.OK] * (self.size() - len(result)))
        return result

    def successes(self, items: Sequence[T]) -> list[T]:
        """The items at the successful indices (``items`` must have the batch's size)."""
        if len(items) != self.size():
            raise InvalidInput(f"items length {len(items)} does not match batch size {self.size()}")
        failed = {f.idx for f in self.fail_codes}
        return [item for index, item in enumerate(items) if index not in failed]

    def __str__(self) -> str:
        summary = f"Batch successes {self.success_count} / {self.size()}"
        if self.all_ok():
            return summary
        failing = ", ".join(f"code={int(f.code)} at idx={f.idx}" for f in self.fail_codes)
        return f"{summary}, Batch failing: [{failing}]"


def stack(batch_returns: Sequence[BatchReturn]) -> BatchReturn:
    """The result of batches applied one after another, each to the previous one's successes: a later
    batch's failure indices count only the items that were still successful (builtin-actors ``stack``)."""
    if not batch_returns:
        return BatchReturn.empty()
    base = batch_returns[0]
    for nxt in batch_returns[1:]:
        if base.success_count != nxt.size():
            raise InvalidInput(
                f"can't stack batch of {nxt.size()} on batch with {base.success_count} successes"
            )
        success_indices = [i for i, code in enumerate(base.codes()) if code is ExitCode.OK]
        new_fails = [FailCode(success_indices[f.idx], f.code) for f in nxt.fail_codes]
        merged = sorted((*base.fail_codes, *new_fails), key=lambda f: f.idx)
        base = BatchReturn(nxt.success_count, tuple(merged))
    return base


@dataclass
class BatchReturnGen:
    """Builds a :class:`BatchReturn` one item result at a time."""

    expect_count: int
    success_count: int = 0
    fail_codes: list[FailCode] = field(default_factory=list)

    def add_success(self) -> BatchReturnGen:
        """Record a successful item."""
        return self.add_successes(1)

    def add_successes(self, count: int) -> BatchReturnGen:
        """Record ``count`` successful items."""
        self.success_count += count
        return self

    def add_fail(self, code: ExitCode) -> BatchReturnGen:
        """Record a failed item."""
        self.fail_codes.append(FailCode(self.success_count + len(self.fail_codes), code))
        return self

    def add(self, code: ExitCode) -> BatchReturnGen:
        """Record an item's exit code."""
        return self.add_success() if code is ExitCode.OK else self.add_fail(code)

    def add_all(self, codes: Iterable[ExitCode]) -> BatchReturnGen:
        """Record several items' exit codes."""
        for code in codes:
            self.add(code)
        return self

    def generate(self) -> BatchReturn:
        """The batch result; every expected item must have been recorded."""
        processed = self.success_count + len(self.fail_codes)
        if processed != self.expect_count:
            raise InvalidInput(f"mismatched batch size {self.expect_count} and processed count {processed}")
        return BatchReturn(self.success_count, tuple(self.fail_codes))
