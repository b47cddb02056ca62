"""Invariants of the storage power actor's state (builtin-actors ``power::testing``)."""

from __future__ import annotations

from filnet.actors.power.state import Claims, PowerState, cron_events
from filnet.core.address import Protocol
from filnet.errors import FilnetError
from filnet.ipld.blockstore import Blockstore


def check_state_invariants(state: PowerState, store: Blockstore) -> list[str]:
    """Violations of the power state's invariants: non-negative totals and counts, one claim per counted
    miner, committed totals equal to the claims' sums, and no cron event before the first cron epoch.

    The claim and cron checks read the collections with the actors v15+ layout's bit widths, so they run
    only on states in that layout.
    """
    problems: list[str] = []
    totals = {
        "total raw byte power": state.total_raw_byte_power,
        "total bytes committed": state.total_bytes_committed,
        "total quality-adjusted power": state.total_quality_adj_power,
        "total QA bytes committed": state.total_qa_bytes_committed,
        "total pledge collateral": state.total_pledge_collateral.atto,
    }
    problems.extend(f"negative {name}: {value}" for name, value in totals.items() if value < 0)
    if not 0 <= state.miner_above_min_power_count <= state.miner_count:
        problems.append(
            f"miners above minimum power {state.miner_above_min_power_count} not in 0..{state.miner_count}"
        )
    if state.ramp_start_epoch is None:
        return problems
    try:
        claims = list(Claims(store, state.claims).items())
        if len(claims) != state.miner_count:
            problems.append(f"{len(claims)} claims but miner count {state.miner_count}")
        for miner, claim in claims:
            if miner.protocol is not Protocol.ID:
                problems.append(f"claim key {miner} is not an ID address")
            if claim.raw_byte_power < 0 or claim.quality_adj_power < 0:
                problems.append(f"claim of {miner} has negative power")
        raw = sum(claim.raw_byte_power for _, claim in claims)
        quality = sum(claim.quality_adj_power for _, claim in claims)
        if raw != state.total_bytes_committed:
            problems.append(f"claims sum to {raw} raw bytes, state commits {state.total_bytes_committed}")
        if quality != state.total_qa_bytes_committed:
            problems.append(
                f"claims sum to {quality} QA bytes, state commits {state.total_qa_bytes_committed}"
            )
        for epoch, events in cron_events(store, state.cron_event_queue):
            if epoch < state.first_cron_epoch:
                problems.append(
                    f"cron events at epoch {epoch}, before first cron epoch {state.first_cron_epoch}"
                )
            problems.extend(
                f"cron event at epoch {epoch} for non-ID address {e.miner}"
                for e in events
                if e.miner.protocol is not Protocol.ID
            )
    except FilnetError as e:
        problems.append(f"error loading power collections: {e}")
    return problems
