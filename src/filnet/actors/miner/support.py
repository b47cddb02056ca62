"""What the miner's handlers share: calls to the reward, power, market and burnt-funds actors, caller and
parameter checks, and the balance invariant (builtin-actors' free functions at the end of
``miner/src/lib.rs``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Final, TypeVar

from filnet.actors import manifest
from filnet.actors.account.methods import Method as AccountMethod
from filnet.actors.encoding import as_address
from filnet.actors.market.methods import Method as MarketMethod
from filnet.actors.market.types import OnMinerSectorsTerminateParams
from filnet.actors.miner.notifications import ERR_BALANCE_INVARIANTS_BROKEN
from filnet.actors.miner.sectors import PowerPair
from filnet.actors.miner.state import MinerInfo, MinerState
from filnet.actors.miner.types import (
    CRON_EVENT_PROCESS_EARLY_TERMINATIONS,
    CronEventPayload,
)
from filnet.actors.power.methods import Method as PowerMethod
from filnet.actors.power.types import (
    CurrentTotalPowerReturn,
    EnrollCronEventParams,
    UpdateClaimedPowerParams,
    UpdatePledgeTotalParams,
)
from filnet.actors.reward.methods import Method as RewardMethod
from filnet.actors.reward.types import ThisEpochRewardReturn
from filnet.actors.shared import METHOD_SEND
from filnet.actors.singletons import (
    BURNT_FUNDS_ACTOR,
    REWARD_ACTOR,
    STORAGE_MARKET_ACTOR,
    STORAGE_POWER_ACTOR,
    SYSTEM_ACTOR,
)
from filnet.core.address import Address, Protocol
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import DecodeError
from filnet.ipld import dagcbor
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import Blockstore
from filnet.params.network import ActorPolicy
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime

T = TypeVar("T")

#: Length of randomness a PoSt commits to (fvm_shared ``RANDOMNESS_LENGTH``).
RANDOMNESS_LENGTH: Final = 32


@contextmanager
def recode(code: ExitCode, what: str) -> Iterator[None]:
    """Turn any ActorError raised inside into ``code`` with ``what`` prefixed (builtin-actors
    ``map_err(|e| actor_error!(code, "{what}: {e}"))``)."""
    try:
        yield
    except ActorError as e:
        raise ActorError(code, f"{what}: {e.reason}") from None


def decode_return(data: bytes, parse: Callable[[Any], T], what: str) -> T:
    """Parse a callee's return block; USR_SERIALIZATION when empty or malformed (``deserialize_block``)."""
    if not data:
        raise ActorError(ExitCode.USR_SERIALIZATION, f"{what}: unexpected empty return block")
    try:
        return parse(dagcbor.decode(data))
    except DecodeError as e:
        raise ActorError(ExitCode.USR_SERIALIZATION, f"{what}: malformed return: {e}") from None


def get_miner_info(store: Blockstore, state: MinerState) -> MinerInfo:
    """The miner's info (USR_NOT_FOUND or USR_ILLEGAL_STATE if it cannot be read)."""
    return state.get_info(store)


def control_addresses(info: MinerInfo) -> tuple[Address, ...]:
    """The addresses that may operate the miner: its control addresses, worker and owner."""
    return (*info.control_addresses, info.worker, info.owner)


def validate_control_caller(rt: Runtime, info: MinerInfo) -> None:
    """USR_FORBIDDEN unless the caller is a control address, the worker or the owner."""
    rt.validate_immediate_caller_is(*control_addresses(info))


def process_pending_worker(rt: Runtime, info: MinerInfo, state: MinerState) -> tuple[MinerState, MinerInfo]:
    """Make a scheduled worker change take effect once its epoch has come."""
    pending = info.pending_worker_key
    if pending is None or rt.curr_epoch < pending.effective_at:
        return state, info
    info = replace(info, worker=pending.new_worker, pending_worker_key=None)
    return state.save_info(rt.store, info), info


def consensus_fault_active(info: MinerInfo, curr_epoch: ChainEpoch) -> bool:
    """Whether the miner is still serving a consensus fault's ineligibility period."""
    return curr_epoch <= info.consensus_fault_elapsed


def check_balance_invariants(state: MinerState, balance: TokenAmount) -> None:
    """Abort with ``ERR_BALANCE_INVARIANTS_BROKEN`` when the state's funds do not fit the balance."""
    try:
        state.check_balance_invariants(balance)
    except ActorError as e:
        raise ActorError(ERR_BALANCE_INVARIANTS_BROKEN, f"balance invariants broken: {e.reason}") from None


def check_state_balance(rt: Runtime) -> None:
    """Reload the state and check its balance invariants."""
    check_balance_invariants(rt.state(MinerState), rt.current_balance)


def repay_debts_or_abort(rt: Runtime, state: MinerState) -> tuple[MinerState, TokenAmount]:
    """Repay all fee debt from unlocked funds (USR_INSUFFICIENT_FUNDS if they do not cover it); the fee
    to burn."""
    return state.repay_debts(rt.current_balance)


def check_control_addresses(policy: ActorPolicy, addresses: Sequence[Address]) -> None:
    """USR_ILLEGAL_ARGUMENT for more control addresses than the policy allows."""
    if len(addresses) > policy.max_control_addresses:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"control addresses length {len(addresses)} exceeds max control addresses length "
            f"{policy.max_control_addresses}",
        )


def check_valid_post_proof_type(policy: ActorPolicy, proof_type: int) -> None:
    """USR_ILLEGAL_ARGUMENT for a WindowPoSt proof type new miners may not use."""
    if proof_type not in policy.valid_post_proof_type:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"proof type {proof_type} not allowed for new miner actors"
        )


def check_peer_info(policy: ActorPolicy, peer_id: bytes, multiaddrs: Sequence[bytes]) -> None:
    """USR_ILLEGAL_ARGUMENT for a peer ID too long, an empty multiaddr or too much multiaddr data."""
    if len(peer_id) > policy.max_peer_id_length:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"peer ID size of {len(peer_id)} exceeds maximum size of {policy.max_peer_id_length}",
        )
    total = 0
    for multiaddr in multiaddrs:
        if not multiaddr:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "invalid empty multiaddr")
        total += len(multiaddr)
    if total > policy.max_multiaddr_data:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"multiaddr size of {total} exceeds maximum of {policy.max_multiaddr_data}",
        )


def resolve_control_address(rt: Runtime, address: Address) -> Address:
    """The ID address of a control address; USR_ILLEGAL_ARGUMENT if it does not resolve."""
    resolved = rt.resolve_address(address)
    if resolved is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"unable to resolve control address: {address}")
    return resolved


def resolve_worker_address(rt: Runtime, raw: Address) -> Address:
    """The ID address of an account actor with a BLS key (the worker signs blocks with BLS VRFs)."""
    resolved = rt.resolve_address(raw)
    if resolved is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"unable to resolve address: {raw}")
    name = rt.actor_name(resolved)
    if name is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"no code for address: {resolved}")
    if name != manifest.ACCOUNT:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"worker actor type must be an account, was {name}")
    if raw.protocol is not Protocol.BLS:
        data = rt.send(resolved, AccountMethod.PUBKEY_ADDRESS, b"", ZERO).unwrap("account PubkeyAddress")
        pub_key = decode_return(
            data, lambda raw_value: as_address(raw_value, "pubkey address"), "PubkeyAddress"
        )
        if pub_key.protocol is not Protocol.BLS:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"worker account {resolved} must have BLS pubkey, was {pub_key.protocol.name}",
            )
    return resolved


# -- calls to other actors --------------------------------------------------------------------------


def request_current_epoch_block_reward(rt: Runtime) -> ThisEpochRewardReturn:
    """The reward actor's smoothed reward estimate and baseline power."""
    data = rt.send(REWARD_ACTOR, RewardMethod.THIS_EPOCH_REWARD, b"", ZERO).unwrap(
        "failed to check epoch reward"
    )
    return decode_return(data, ThisEpochRewardReturn.from_ipld, "ThisEpochReward")


def request_current_total_power(rt: Runtime) -> CurrentTotalPowerReturn:
    """The power actor's network totals and smoothed QA power."""
    data = rt.send(STORAGE_POWER_ACTOR, PowerMethod.CURRENT_TOTAL_POWER, b"", ZERO).unwrap(
        "failed to check current power"
    )
    return decode_return(data, CurrentTotalPowerReturn.from_ipld, "CurrentTotalPower")


def request_update_power(rt: Runtime, delta: PowerPair) -> None:
    """Tell the power actor the miner's claimed power changed by ``delta`` (nothing sent for zero)."""
    if delta.is_zero():
        return
    params = UpdateClaimedPowerParams(delta.raw, delta.qa)
    rt.send(STORAGE_POWER_ACTOR, PowerMethod.UPDATE_CLAIMED_POWER, params.encode(), ZERO).unwrap(
        f"failed to update power with {delta}"
    )


def notify_pledge_changed(rt: Runtime, pledge_delta: TokenAmount) -> None:
    """Tell the power actor the miner's locked pledge changed (nothing sent for zero)."""
    if pledge_delta:
        rt.send(
            STORAGE_POWER_ACTOR,
            PowerMethod.UPDATE_PLEDGE_TOTAL,
            UpdatePledgeTotalParams(pledge_delta).encode(),
            ZERO,
        ).unwrap("failed to update pledge total")


def burn_funds(rt: Runtime, amount: TokenAmount) -> None:
    """Send ``amount`` to the burnt-funds actor (nothing sent unless positive)."""
    if amount.atto > 0:
        rt.send(BURNT_FUNDS_ACTOR, METHOD_SEND, b"", amount).unwrap("failed to burn funds")


def enroll_cron_event(rt: Runtime, event_epoch: ChainEpoch, payload: CronEventPayload) -> None:
    """Ask the power actor to call the miner back at ``event_epoch`` with ``payload``."""
    params = EnrollCronEventParams(event_epoch, payload.encode())
    rt.send(STORAGE_POWER_ACTOR, PowerMethod.ENROLL_CRON_EVENT, params.encode(), ZERO).unwrap(
        "failed to enroll cron event"
    )


def schedule_early_termination_work(rt: Runtime) -> None:
    """Ask for a cron callback next epoch to process more early terminations."""
    enroll_cron_event(
        rt, ChainEpoch(rt.curr_epoch + 1), CronEventPayload(CRON_EVENT_PROCESS_EARLY_TERMINATIONS)
    )


def request_terminate_deals(rt: Runtime, epoch: ChainEpoch, sectors: BitField) -> None:
    """Tell the market the deals of ``sectors`` ended at ``epoch``. From cron (origin: the system actor) a
    failure is swallowed, so that a broken market cannot freeze the miner's cron too."""
    if not sectors:
        return
    params = OnMinerSectorsTerminateParams(epoch, sectors)
    result = rt.send(STORAGE_MARKET_ACTOR, MarketMethod.ON_MINER_SECTORS_TERMINATE, params.encode(), ZERO)
    if rt.origin != SYSTEM_ACTOR:
        result.unwrap("failed to terminate deals")
