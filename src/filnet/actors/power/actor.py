"""The storage power actor's methods (builtin-actors ``fil_actor_power``): miners' claims and the network.

``CreateMiner`` has the init actor create a miner (forwarding the value sent) and opens its empty claim;
miners then move their claimed power (``UpdateClaimedPower``) and locked pledge (``UpdatePledgeTotal``) and
enroll callbacks (``EnrollCronEvent``). At the end of every epoch cron calls ``OnEpochTickEnd``: the due
miner callbacks run in epoch order (a miner whose callback fails loses its claim), this epoch's totals are
frozen for the next epoch's messages (``CurrentTotalPower``), the smoothed QA power estimate moves on, and
the reward actor hears the network's raw-byte power (``UpdateNetworkKPI``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, Final, TypeVar

from filnet.actors import manifest
from filnet.actors.encoding import bigint
from filnet.actors.init.actor import ExecParams, ExecReturn
from filnet.actors.init.methods import Method as InitMethod
from filnet.actors.miner.methods import Method as MinerMethod
from filnet.actors.miner.types import DeferredCronEventParams, MinerConstructorParams
from filnet.actors.power.methods import Method
from filnet.actors.power.state import (
    Claim,
    CronEvent,
    CronQueue,
    PowerState,
    empty_state,
    load_cron_events,
    set_claim,
)
from filnet.actors.power.types import (
    CreateMinerParams,
    CreateMinerReturn,
    CurrentTotalPowerReturn,
    EnrollCronEventParams,
    MinerConsensusCountReturn,
    MinerCountReturn,
    MinerPowerParams,
    MinerPowerReturn,
    MinerRawPowerParams,
    MinerRawPowerReturn,
    NetworkRawPowerReturn,
    UpdateClaimedPowerParams,
    UpdatePledgeTotalParams,
)
from filnet.actors.reward.methods import Method as RewardMethod
from filnet.actors.reward.types import ThisEpochRewardReturn
from filnet.actors.singletons import CRON_ACTOR, INIT_ACTOR, REWARD_ACTOR, SYSTEM_ACTOR
from filnet.core.address import Address
from filnet.core.token import ZERO
from filnet.core.types import INT64_MAX, ActorID, ChainEpoch
from filnet.errors import DecodeError
from filnet.ipld import dagcbor
from filnet.vm.dispatch import ActorCode, Handler
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime, decode_params, require_no_params

T = TypeVar("T")

#: The power actor's own exit code for a miner over its ProveCommit budget (builtin-actors
#: ``ERR_TOO_MANY_PROVE_COMMITS``; no current method returns it).
ERR_TOO_MANY_PROVE_COMMITS: Final = ExitCode(32)
#: A tick whose span of due epochs is longer than this (cron has not run for a while, or an event was
#: enrolled far in the past) looks up only the epochs the queue holds instead of every epoch of the span:
#: the same events in the same order, without a HAMT lookup per empty epoch.
_CRON_EPOCH_SCAN_LIMIT: Final = 128


def _ramp(state: PowerState) -> tuple[ChainEpoch, int]:
    """The FIP-0081 ramp of a state in the actors v15+ layout, the only one these methods read and write
    (older layouts differ in fields and in the cron queue's bit widths: such a state needs a migration)."""
    if state.ramp_start_epoch is None or state.ramp_duration_epochs is None:
        raise ActorError(ExitCode.USR_ILLEGAL_STATE, "power state is not in the actors v15+ layout")
    return state.ramp_start_epoch, state.ramp_duration_epochs


def _current(state: PowerState) -> PowerState:
    """``state``, checked to be in the actors v15+ layout."""
    _ramp(state)
    return state


def _state(rt: Runtime) -> PowerState:
    """The receiver's state, read only."""
    return _current(rt.state(PowerState))


def _transaction(rt: Runtime, update: Callable[[PowerState], tuple[PowerState, T]]) -> T:
    """``rt.transaction`` over the power state in the current layout."""
    return rt.transaction(PowerState, lambda state: update(_current(state)))


def _return_block(data: bytes, parse: Callable[[Any], T], what: str) -> T:
    """A callee's return value (builtin-actors ``deserialize_block``): USR_ASSERTION_FAILED when there is
    none, USR_SERIALIZATION when it does not parse."""
    if not data:
        raise ActorError(ExitCode.USR_ASSERTION_FAILED, f"{what}: return expected")
    try:
        return parse(dagcbor.decode(data))
    except DecodeError as e:
        raise ActorError(ExitCode.USR_SERIALIZATION, f"{what}: {e}") from None


def _id_address(miner: ActorID) -> Address | None:
    """``f0<miner>``, or None for an ID no actor can have (above 2^63-1, which filnet's addresses do not
    represent; fvm_shared's do, and find no claim there either)."""
    return Address.new_id(miner) if miner <= INT64_MAX else None


# -- methods -----------------------------------------------------------------------------------------


def constructor(rt: Runtime, raw: bytes) -> bytes:
    """Create the empty state (system actor only)."""
    require_no_params(raw, "power Constructor")
    rt.validate_immediate_caller_is(SYSTEM_ACTOR)
    rt.create_state(empty_state(rt.store))
    return b""


def create_miner(rt: Runtime, raw: bytes) -> bytes:
    """Have the init actor create and construct a miner with the value sent, then open its claim."""
    params = decode_params(raw, CreateMinerParams.from_ipld, "power CreateMiner")
    rt.validate_immediate_caller_accept_any()
    constructor_params = MinerConstructorParams(
        owner=params.owner,
        worker=params.worker,
        control_addresses=(),
        window_post_proof_type=params.window_post_proof_type,
        peer_id=params.peer,
        multi_addresses=params.multiaddrs,
    )
    exec_params = ExecParams(rt.get_code_cid_for_type(manifest.MINER), constructor_params.encode())
    result = rt.send(INIT_ACTOR, InitMethod.EXEC, dagcbor.encode(exec_params.to_ipld()), rt.value_received)
    created = _return_block(result.unwrap("init Exec"), ExecReturn.from_ipld, "init Exec")
    proof = params.window_post_proof_type

    def open_claim(state: PowerState) -> tuple[PowerState, None]:
        claims = state.load_claims(rt.store)
        set_claim(claims, created.id_address, Claim(proof, 0, 0))
        state = replace(state, miner_count=state.miner_count + 1)
        try:
            state = state.update_stats_for_new_miner(rt.policy, proof)
        except ActorError as e:
            raise ActorError(
                ExitCode.USR_ILLEGAL_STATE,
                f"failed to update power stats for new miner {created.id_address}: {e.reason}",
            ) from None
        return state.save_claims(claims), None

    _transaction(rt, open_claim)
    return CreateMinerReturn(created.id_address, created.robust_address).encode()


def update_claimed_power(rt: Runtime, raw: bytes) -> bytes:
    """Add (or remove) raw-byte and quality-adjusted power to the calling miner's claim."""
    params = decode_params(raw, UpdateClaimedPowerParams.from_ipld, "power UpdateClaimedPower")
    rt.validate_immediate_caller_type(manifest.MINER)
    miner = rt.caller

    def update(state: PowerState) -> tuple[PowerState, None]:
        claims = state.load_claims(rt.store)
        state = state.add_to_claim(
            rt.policy, claims, miner, params.raw_byte_delta, params.quality_adjusted_delta
        )
        return state.save_claims(claims), None

    _transaction(rt, update)
    return b""


def enroll_cron_event(rt: Runtime, raw: bytes) -> bytes:
    """Have cron call the calling miner back with its payload at an epoch (or the next tick, if past)."""
    params = decode_params(raw, EnrollCronEventParams.from_ipld, "power EnrollCronEvent")
    rt.validate_immediate_caller_type(manifest.MINER)
    event = CronEvent(rt.caller, params.payload)
    # A large negative epoch would make the next tick walk every epoch from there.
    if params.event_epoch < 0:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"cron event epoch {params.event_epoch} cannot be less than zero"
        )

    def enroll(state: PowerState) -> tuple[PowerState, None]:
        events = state.load_cron_queue(rt.store)
        state = state.append_cron_event(events, params.event_epoch, event)
        return replace(state, cron_event_queue=events.root()), None

    _transaction(rt, enroll)
    return b""


def on_epoch_tick_end(rt: Runtime, raw: bytes) -> bytes:
    """Run the miners' due callbacks, freeze this epoch's totals, move the smoothed QA power estimate on
    and report the network's raw-byte power to the reward actor (cron only)."""
    require_no_params(raw, "power OnEpochTickEnd")
    rt.validate_immediate_caller_is(CRON_ACTOR)
    result = rt.send(REWARD_ACTOR, RewardMethod.THIS_EPOCH_REWARD, b"", ZERO)
    reward = _return_block(
        result.unwrap("failed to check epoch baseline power"),
        ThisEpochRewardReturn.from_ipld,
        "reward ThisEpochReward",
    )
    process_deferred_cron_events(rt, reward)

    def freeze(state: PowerState) -> tuple[PowerState, int]:
        raw_power, qa_power = state.current_total_power()
        state = replace(
            state,
            this_epoch_pledge_collateral=state.total_pledge_collateral,
            this_epoch_quality_adj_power=qa_power,
            this_epoch_raw_byte_power=raw_power,
        )
        # Cron runs every epoch (null rounds run no cron but also see no messages), so one epoch passed.
        state = state.update_smoothed_estimate(1)
        return state, state.this_epoch_raw_byte_power

    this_epoch_raw_byte_power = _transaction(rt, freeze)
    rt.send(
        REWARD_ACTOR, RewardMethod.UPDATE_NETWORK_KPI, dagcbor.encode(bigint(this_epoch_raw_byte_power)), ZERO
    ).unwrap("failed to update network KPI with reward actor")
    return b""


def process_deferred_cron_events(rt: Runtime, reward: ThisEpochRewardReturn) -> None:
    """Call back every miner with a claim whose events are due (all epochs up to this one, in epoch and
    enrollment order), clearing them from the queue; a miner whose callback fails loses its claim."""
    epoch = rt.curr_epoch
    # The miners see the QA power estimate as it stood before this tick.
    before = _state(rt)

    def take_due_events(state: PowerState) -> tuple[PowerState, list[CronEvent]]:
        events = state.load_cron_queue(rt.store)
        claims = state.load_claims(rt.store)
        due: list[CronEvent] = []
        for at in _due_epochs(state, events, epoch):
            batch = load_cron_events(events, at)
            if not batch:
                continue
            # Events of miners without a claim (gone after a failed callback) are dropped unrun.
            due.extend(e for e in batch if claims.contains_key(e.miner_addr))
            events.remove_all(at)
        return replace(state, first_cron_epoch=ChainEpoch(epoch + 1), cron_event_queue=events.root()), due

    due = _transaction(rt, take_due_events)
    failed: list[Address] = []
    for event in due:
        params = DeferredCronEventParams(
            event_payload=event.callback_payload,
            reward_smoothed=reward.this_epoch_reward_smoothed,
            quality_adj_power_smoothed=before.this_epoch_qa_power_smoothed,
        )
        sent = rt.send(event.miner_addr, MinerMethod.ON_DEFERRED_CRON_EVENT, params.encode(), ZERO)
        # A failed callback does not stop the others; its event is gone and the miner loses its power
        # (its actor is left as it is: frozen).
        if not sent.ok:
            failed.append(event.miner_addr)
    if not failed:
        return

    def remove_failed_claims(state: PowerState) -> tuple[PowerState, None]:
        claims = state.load_claims(rt.store)
        for miner in failed:
            try:
                state = state.delete_claim(rt.policy, claims, miner)
            except ActorError:
                # builtin-actors logs this and goes on with the next miner.
                continue
            # Counted down even when the claim was already gone (a miner failing twice in one tick), as
            # builtin-actors does.
            state = replace(state, miner_count=state.miner_count - 1)
        return state.save_claims(claims), None

    _transaction(rt, remove_failed_claims)


def _due_epochs(state: PowerState, events: CronQueue, epoch: ChainEpoch) -> list[ChainEpoch]:
    """The epochs from the first cron epoch to ``epoch`` whose events a tick runs, ascending: the whole
    span, or for a long one only the epochs in the queue (the rest hold nothing)."""
    first = state.first_cron_epoch
    if epoch - first <= _CRON_EPOCH_SCAN_LIMIT:
        return [ChainEpoch(at) for at in range(first, epoch + 1)]
    return sorted(at for at in events.epochs() if first <= at <= epoch)


def update_pledge_total(rt: Runtime, raw: bytes) -> bytes:
    """Add the calling miner's change of locked pledge to the network total."""
    params = decode_params(raw, UpdatePledgeTotalParams.from_ipld, "power UpdatePledgeTotal")
    rt.validate_immediate_caller_type(manifest.MINER)
    miner = rt.caller

    def update(state: PowerState) -> tuple[PowerState, None]:
        state.validate_miner_has_claim(rt.store, miner)
        state = state.add_pledge_total(params.pledge_delta)
        if state.total_pledge_collateral.atto < 0:
            raise ActorError(
                ExitCode.USR_ILLEGAL_STATE,
                f"negative total pledge collateral {state.total_pledge_collateral}",
            )
        return state, None

    _transaction(rt, update)
    return b""


def current_total_power(rt: Runtime, raw: bytes) -> bytes:
    """The totals frozen at the last tick (the same for every message of an epoch), the smoothed QA power
    estimate and the FIP-0081 pledge ramp."""
    require_no_params(raw, "power CurrentTotalPower")
    rt.validate_immediate_caller_accept_any()
    state = rt.state(PowerState)
    ramp_start, ramp_duration = _ramp(state)
    return CurrentTotalPowerReturn(
        raw_byte_power=state.this_epoch_raw_byte_power,
        quality_adj_power=state.this_epoch_quality_adj_power,
        pledge_collateral=state.this_epoch_pledge_collateral,
        quality_adj_power_smoothed=state.this_epoch_qa_power_smoothed,
        ramp_start_epoch=ramp_start,
        ramp_duration_epochs=ramp_duration,
    ).encode()


def network_raw_power(rt: Runtime, raw: bytes) -> bytes:
    """The network's raw-byte power as of the last tick (of miners above the consensus minimum, or of
    all while too few are)."""
    require_no_params(raw, "power NetworkRawPower")
    rt.validate_immediate_caller_accept_any()
    return NetworkRawPowerReturn(_state(rt).this_epoch_raw_byte_power).encode()


def miner_raw_power(rt: Runtime, raw: bytes) -> bytes:
    """A miner's raw-byte power now and whether it meets the consensus minimum (USR_ILLEGAL_ARGUMENT
    when it has no claim)."""
    params = decode_params(raw, MinerRawPowerParams.from_ipld, "power MinerRawPower")
    rt.validate_immediate_caller_accept_any()
    state = _state(rt)
    if _id_address(params.miner) is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"no claim for actor: {params.miner}")
    power, meets = state.miner_nominal_power_meets_consensus_minimum(rt.policy, rt.store, params.miner)
    return MinerRawPowerReturn(power, meets).encode()


def miner_count(rt: Runtime, raw: bytes) -> bytes:
    """How many miners have a claim, whatever their power."""
    require_no_params(raw, "power MinerCount")
    rt.validate_immediate_caller_accept_any()
    return MinerCountReturn(_state(rt).miner_count).encode()


def miner_consensus_count(rt: Runtime, raw: bytes) -> bytes:
    """How many miners meet the consensus minimum power."""
    require_no_params(raw, "power MinerConsensusCount")
    rt.validate_immediate_caller_accept_any()
    return MinerConsensusCountReturn(_state(rt).miner_above_min_power_count).encode()


def miner_power(rt: Runtime, raw: bytes) -> bytes:
    """A miner's claimed raw-byte and quality-adjusted power (USR_NOT_FOUND without a claim)."""
    params = decode_params(raw, MinerPowerParams.from_ipld, "power MinerPower")
    rt.validate_immediate_caller_accept_any()
    state = _state(rt)
    address = _id_address(params.miner)
    claim = None if address is None else state.miner_power(rt.store, address)
    if claim is None:
        raise ActorError(ExitCode.USR_NOT_FOUND, "miner not found")
    return MinerPowerReturn(claim.raw_byte_power, claim.quality_adj_power).encode()


_HANDLERS: Final[dict[Method, Handler]] = {
    Method.CONSTRUCTOR: constructor,
    Method.CREATE_MINER: create_miner,
    Method.UPDATE_CLAIMED_POWER: update_claimed_power,
    Method.ENROLL_CRON_EVENT: enroll_cron_event,
    Method.ON_EPOCH_TICK_END: on_epoch_tick_end,
    Method.UPDATE_PLEDGE_TOTAL: update_pledge_total,
    Method.CURRENT_TOTAL_POWER: current_total_power,
    Method.CREATE_MINER_EXPORTED: create_miner,
    Method.NETWORK_RAW_POWER_EXPORTED: network_raw_power,
    Method.MINER_RAW_POWER_EXPORTED: miner_raw_power,
    Method.MINER_COUNT_EXPORTED: miner_count,
    Method.MINER_CONSENSUS_COUNT_EXPORTED: miner_consensus_count,
    Method.MINER_POWER_EXPORTED: miner_power,
}

ACTOR = ActorCode(manifest.POWER, {int(method): handler for method, handler in _HANDLERS.items()})
