"""Invariants of the storage power actor's state (builtin-actors ``power::testing``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from filnet.actors.power.state import Claim, Claims, PowerState, consensus_miner_min_power, cron_events
from filnet.core.address import Address, Protocol
from filnet.core.types import ChainEpoch
from filnet.errors import FilnetError
from filnet.ipld.blockstore import Blockstore
from filnet.params.network import ActorPolicy
from filnet.vm.exit_codes import ActorError


@dataclass(frozen=True, slots=True)
class MinerCronEvent:
    """One enrolled callback of a miner: its epoch and payload."""

    epoch: ChainEpoch
    payload: bytes


@dataclass(frozen=True, slots=True)
class StateSummary:
    """What other actors' invariants compare against: each miner's enrolled callbacks and its claim."""

    crons: dict[Address, list[MinerCronEvent]] = field(default_factory=dict)
    claims: dict[Address, Claim] = field(default_factory=dict)


def check_state_invariants(
    state: PowerState, store: Blockstore, policy: ActorPolicy | None = None
) -> list[str]:
    """Violations of the power state's invariants (see :func:`check_state_summary`)."""
    return check_state_summary(state, store, policy)[1]


def check_state_summary(
    state: PowerState, store: Blockstore, policy: ActorPolicy | None = None
) -> tuple[StateSummary, list[str]]:
    """The state's summary and the violations of its invariants: non-negative totals ordered as raw ≤
    quality-adjusted and counted ≤ committed, counts in range, one claim per miner, committed totals equal
    to the claims' sums, no cron event before the first cron epoch, no proof batch (FIP-0084). With the
    network's ``policy``, also the totals and count of miners above the consensus minimum.

    The claim and cron checks read the collections with the actors v15+ layout's bit widths, so they run
    only on states in that layout.
    """
    problems: list[str] = []
    summary = StateSummary()
    totals = {
        "total raw byte power": state.total_raw_byte_power,
        "total bytes committed": state.total_bytes_committed,
        "total quality-adjusted power": state.total_quality_adj_power,
        "total QA bytes committed": state.total_qa_bytes_committed,
        "total pledge collateral": state.total_pledge_collateral.atto,
    }
    problems.extend(f"negative {name}: {value}" for name, value in totals.items() if value < 0)
    ordered = [
        ("total raw power", state.total_raw_byte_power, "total QA power", state.total_quality_adj_power),
        (
            "committed raw power",
            state.total_bytes_committed,
            "committed QA power",
            state.total_qa_bytes_committed,
        ),
        ("total raw power", state.total_raw_byte_power, "committed raw power", state.total_bytes_committed),
        (
            "total QA power",
            state.total_quality_adj_power,
            "committed QA power",
            state.total_qa_bytes_committed,
        ),
    ]
    problems.extend(f"{small} {a} is greater than {large} {b}" for small, a, large, b in ordered if a > b)
    if not 0 <= state.miner_above_min_power_count <= state.miner_count:
        problems.append(
            f"miners above minimum power {state.miner_above_min_power_count} not in 0..{state.miner_count}"
        )
    if state.proof_validation_batch is not None:
        problems.append("proof validation batch should be empty after FIP-0084")
    if state.ramp_start_epoch is None:
        return summary, problems
    _check_cron_queue(state, store, summary, problems)
    _check_claims(state, store, policy, summary, problems)
    return summary, problems


def _check_cron_queue(
    state: PowerState, store: Blockstore, summary: StateSummary, problems: list[str]
) -> None:
    try:
        for epoch, events in cron_events(store, state.cron_event_queue):
            if epoch < state.first_cron_epoch:
                problems.append(
                    f"cron events at epoch {epoch}, before first cron epoch {state.first_cron_epoch}"
                )
            for e in events:
                if e.miner_addr.protocol is not Protocol.ID:
                    problems.append(f"cron event at epoch {epoch} for non-ID address {e.miner_addr}")
                summary.crons.setdefault(e.miner_addr, []).append(MinerCronEvent(epoch, e.callback_payload))
    except FilnetError as e:
        problems.append(f"error loading power cron queue: {e}")


def _check_claims(
    state: PowerState,
    store: Blockstore,
    policy: ActorPolicy | None,
    summary: StateSummary,
    problems: list[str],
) -> None:
    try:
        claims = list(Claims(store, state.claims).items())
    except FilnetError as e:
        problems.append(f"error loading power claims: {e}")
        return
    if len(claims) != state.miner_count:
        problems.append(f"{len(claims)} claims but miner count {state.miner_count}")
    above_count, above_raw, above_qa = 0, 0, 0
    for miner, claim in claims:
        summary.claims[miner] = claim
        if miner.protocol is not Protocol.ID:
            problems.append(f"claim key {miner} is not an ID address")
        if claim.raw_byte_power < 0 or claim.quality_adj_power < 0:
            problems.append(f"claim of {miner} has negative power")
        if policy is None:
            continue
        try:
            minimum = consensus_miner_min_power(policy, claim.window_post_proof_type)
        except ActorError as e:
            problems.append(f"could not get consensus miner min power for miner {miner}: {e.reason}")
            continue
        if claim.raw_byte_power >= minimum:
            above_count += 1
            above_raw += claim.raw_byte_power
            above_qa += claim.quality_adj_power
    raw = sum(claim.raw_byte_power for _, claim in claims)
    quality = sum(claim.quality_adj_power for _, claim in claims)
    if raw != state.total_bytes_committed:
        problems.append(f"claims sum to {raw} raw bytes, state commits {state.total_bytes_committed}")
    if quality != state.total_qa_bytes_committed:
        problems.append(f"claims sum to {quality} QA bytes, state commits {state.total_qa_bytes_committed}")
    if policy is None:
        return
    if above_count != state.miner_above_min_power_count:
        problems.append(
            f"claims with sufficient power {above_count} do not match miner_above_min_power_count "
            f"{state.miner_above_min_power_count}"
        )
    if above_raw != state.total_raw_byte_power:
        problems.append(
            f"recorded raw power {state.total_raw_byte_power} does not match raw power in claims {above_raw}"
        )
    if above_qa != state.total_quality_adj_power:
        problems.append(
            f"recorded QA power {state.total_quality_adj_power} does not match QA power in claims {above_qa}"
        )
