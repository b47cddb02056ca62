"""Deadline arithmetic: where an epoch falls in a miner's proving period (builtin-actors ``deadline_info.rs``
and the free functions of ``deadlines.rs``).

A proving period of ``wpost_proving_period`` epochs is split into ``wpost_period_deadlines`` windows of
``wpost_challenge_window`` epochs; each deadline's challenge is drawn ``wpost_challenge_lookback`` epochs
before its window opens and faults for it must be declared ``fault_declaration_cutoff`` epochs before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from filnet.actors.miner.quantize import QuantSpec
from filnet.core.types import ChainEpoch
from filnet.params.network import ActorPolicy


@dataclass(frozen=True, slots=True)
class DeadlineInfo:
    """One deadline's window, challenge and fault cutoff, seen from ``current_epoch``."""

    #: Epoch at which this info was calculated.
    current_epoch: ChainEpoch
    #: First epoch of the proving period.
    period_start: ChainEpoch
    #: Deadline index, in [0, wpost_period_deadlines) (or past it: see :meth:`new`).
    index: int
    #: First epoch from which a proof may be submitted.
    open: ChainEpoch
    #: First epoch from which a proof may no longer be submitted.
    close: ChainEpoch
    #: Epoch at which the chain is sampled for the challenge.
    challenge: ChainEpoch
    #: First epoch at which a fault declaration is rejected.
    fault_cutoff: ChainEpoch
    w_post_period_deadlines: int
    w_post_proving_period: ChainEpoch
    w_post_challenge_window: ChainEpoch
    w_post_challenge_lookback: ChainEpoch
    fault_declaration_cutoff: ChainEpoch

    @classmethod
    def new(
        cls,
        period_start: ChainEpoch,
        deadline_idx: int,
        current_epoch: ChainEpoch,
        w_post_period_deadlines: int,
        w_post_proving_period: ChainEpoch,
        w_post_challenge_window: ChainEpoch,
        w_post_challenge_lookback: ChainEpoch,
        fault_declaration_cutoff: ChainEpoch,
    ) -> DeadlineInfo:
        """The info of deadline ``deadline_idx``; an index past the last names the empty window at the end
        of the period."""
        params = (
            w_post_period_deadlines,
            w_post_proving_period,
            w_post_challenge_window,
            w_post_challenge_lookback,
            fault_declaration_cutoff,
        )
        if deadline_idx < w_post_period_deadlines:
            opens = ChainEpoch(period_start + deadline_idx * w_post_challenge_window)
            return cls(
                current_epoch,
                period_start,
                deadline_idx,
                opens,
                ChainEpoch(opens + w_post_challenge_window),
                ChainEpoch(opens - w_post_challenge_lookback),
                ChainEpoch(opens - fault_declaration_cutoff),
                *params,
            )
        after_last = ChainEpoch(period_start + w_post_proving_period)
        return cls(
            current_epoch,
            period_start,
            deadline_idx,
            open=after_last,
            close=after_last,
            challenge=after_last,
            fault_cutoff=ChainEpoch(0),
            w_post_period_deadlines=w_post_period_deadlines,
            w_post_proving_period=w_post_proving_period,
            w_post_challenge_window=w_post_challenge_window,
            w_post_challenge_lookback=w_post_challenge_lookback,
            fault_declaration_cutoff=fault_declaration_cutoff,
        )

    def period_started(self) -> bool:
        """Whether the proving period has begun."""
        return self.current_epoch >= self.period_start

    def period_elapsed(self) -> bool:
        """Whether the proving period has ended."""
        return self.current_epoch >= self.next_period_start()

    def period_end(self) -> ChainEpoch:
        """The last epoch of the proving period."""
        return ChainEpoch(self.period_start + self.w_post_proving_period - 1)

    def next_period_start(self) -> ChainEpoch:
        """The first epoch of the next proving period."""
        return ChainEpoch(self.period_start + self.w_post_proving_period)

    def is_open(self) -> bool:
        """Whether the deadline's window is open."""
        return self.open <= self.current_epoch < self.close

    def has_elapsed(self) -> bool:
        """Whether the deadline's window has closed."""
        return self.current_epoch >= self.close

    def last(self) -> ChainEpoch:
        """The last epoch in which a proof may be submitted."""
        return ChainEpoch(self.close - 1)

    def next_open(self) -> ChainEpoch:
        """The epoch the following deadline opens."""
        return self.close

    def fault_cutoff_passed(self) -> bool:
        """Whether faults for this deadline can no longer be declared."""
        return self.current_epoch >= self.fault_cutoff

    def next_not_elapsed(self) -> DeadlineInfo:
        """This deadline in the first proving period in which it has not yet closed."""
        if not self.has_elapsed():
            return self
        gap = self.current_epoch - self.close
        delta_periods = 1 + gap // self.w_post_proving_period
        return DeadlineInfo.new(
            ChainEpoch(self.period_start + self.w_post_proving_period * delta_periods),
            self.index,
            self.current_epoch,
            self.w_post_period_deadlines,
            self.w_post_proving_period,
            self.w_post_challenge_window,
            self.w_post_challenge_lookback,
            self.fault_declaration_cutoff,
        )

    def quant_spec(self) -> QuantSpec:
        """Quantization to the last epoch of this deadline in each period."""
        return QuantSpec(self.w_post_proving_period, self.last())

    def to_json(self) -> dict[str, Any]:
        """Lotus ``StateMinerProvingDeadline`` JSON."""
        return {
            "CurrentEpoch": self.current_epoch,
            "PeriodStart": self.period_start,
            "Index": self.index,
            "Open": self.open,
            "Close": self.close,
            "Challenge": self.challenge,
            "FaultCutoff": self.fault_cutoff,
            "WPoStPeriodDeadlines": self.w_post_period_deadlines,
            "WPoStProvingPeriod": self.w_post_proving_period,
            "WPoStChallengeWindow": self.w_post_challenge_window,
            "WPoStChallengeLookback": self.w_post_challenge_lookback,
            "FaultDeclarationCutoff": self.fault_declaration_cutoff,
        }


def new_deadline_info(
    policy: ActorPolicy, proving_period_start: ChainEpoch, deadline_idx: int, current_epoch: ChainEpoch
) -> DeadlineInfo:
    """The info of a deadline of the proving period starting at ``proving_period_start``."""
    return DeadlineInfo.new(
        proving_period_start,
        deadline_idx,
        current_epoch,
        policy.wpost_period_deadlines,
        ChainEpoch(policy.wpost_proving_period),
        ChainEpoch(policy.wpost_challenge_window),
        ChainEpoch(policy.wpost_challenge_lookback),
        ChainEpoch(policy.fault_declaration_cutoff),
    )


def deadline_is_mutable(
    policy: ActorPolicy, proving_period_start: ChainEpoch, deadline_idx: int, current_epoch: ChainEpoch
) -> bool:
    """Whether the deadline may change now: at least a window before its next opening."""
    info = new_deadline_info(policy, proving_period_start, deadline_idx, current_epoch).next_not_elapsed()
    return current_epoch < info.open - policy.wpost_challenge_window


def quant_spec_for_deadline(policy: ActorPolicy, di: DeadlineInfo) -> QuantSpec:
    """Quantization to the deadline's last epoch in each proving period."""
    return QuantSpec(ChainEpoch(policy.wpost_proving_period), di.last())


def deadline_available_for_optimistic_post_dispute(
    policy: ActorPolicy, proving_period_start: ChainEpoch, deadline_idx: int, current_epoch: ChainEpoch
) -> bool:
    """Whether the deadline's optimistically accepted PoSts may be disputed now: not while its window is
    open, and not once the dispute window after its last close has passed."""
    if proving_period_start > current_epoch:
        return False
    info = new_deadline_info(policy, proving_period_start, deadline_idx, current_epoch).next_not_elapsed()
    return (
        not info.is_open()
        and current_epoch < (info.close - policy.wpost_proving_period) + policy.wpost_dispute_window
    )


def deadline_available_for_compaction(
    policy: ActorPolicy, proving_period_start: ChainEpoch, deadline_idx: int, current_epoch: ChainEpoch
) -> bool:
    """Whether the deadline's partitions may be compacted now: mutable and past its dispute window."""
    return deadline_is_mutable(
        policy, proving_period_start, deadline_idx, current_epoch
    ) and not deadline_available_for_optimistic_post_dispute(
        policy, proving_period_start, deadline_idx, current_epoch
    )


def new_deadline_info_from_offset_and_epoch(
    policy: ActorPolicy, period_start_seed: ChainEpoch, current_epoch: ChainEpoch
) -> DeadlineInfo:
    """The current deadline from the epoch and the period offset alone (right even without deadline cron)."""
    quant = QuantSpec(ChainEpoch(policy.wpost_proving_period), period_start_seed)
    current_period_start = quant.quantize_down(current_epoch)
    index = (current_epoch - current_period_start) // policy.wpost_challenge_window
    return new_deadline_info(policy, current_period_start, index, current_epoch)
