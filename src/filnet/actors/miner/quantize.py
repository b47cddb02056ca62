"""Epoch quantization: rounding epochs to a grid of ``unit`` shifted by ``offset`` (``quantize.rs``).

The miner's queues key their entries by quantized epochs so that sectors expiring close together share one
entry: a deadline's queues round up to the last epoch of the deadline's next window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from filnet.core.types import ChainEpoch


def _trunc_div(a: int, b: int) -> int:
    """Integer division rounding toward zero, as Rust's ``/`` on i64."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _trunc_rem(a: int, b: int) -> int:
    """Remainder with the sign of the dividend, as Rust's ``%`` on i64."""
    return a - b * _trunc_div(a, b)


@dataclass(frozen=True, slots=True)
class QuantSpec:
    """A quantization grid: multiples of ``unit`` shifted by ``offset % unit``."""

    unit: ChainEpoch
    offset: ChainEpoch

    def quantize_up(self, epoch: ChainEpoch) -> ChainEpoch:
        """The least grid epoch at or after ``epoch``."""
        offset = _trunc_rem(self.offset, self.unit)
        remainder = _trunc_rem(epoch - offset, self.unit)
        quotient = _trunc_div(epoch - offset, self.unit)
        # Truncating division already rounds a negative distance up (toward the grid point above).
        if remainder == 0 or epoch - offset < 0:
            return ChainEpoch(self.unit * quotient + offset)
        return ChainEpoch(self.unit * (quotient + 1) + offset)

    def quantize_down(self, epoch: ChainEpoch) -> ChainEpoch:
        """The greatest grid epoch at or before ``epoch``."""
        up = self.quantize_up(epoch)
        return up if up == epoch else ChainEpoch(up - self.unit)


#: The grid of every epoch: no quantization at all.
NO_QUANTIZATION: Final = QuantSpec(ChainEpoch(1), ChainEpoch(0))
