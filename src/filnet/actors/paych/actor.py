"""The payment channel actor's methods (builtin-actors ``fil_actor_paych::Actor``).

``from_`` funds the channel and hands ``to`` signed vouchers off chain; either party submits a voucher signed
by the other with UpdateChannelState. Each voucher names a lane and the total that lane has redeemed so far,
so only the newest voucher of a lane (highest nonce) matters and the channel owes ``to`` the sum over lanes
(``to_send``). Settle starts a delay (``SETTLE_DELAY``, or up to the highest ``min_settle_height`` a voucher
asked for); after it Collect pays ``to_send`` to ``to``, the rest back to ``from_``, and deletes the channel.
"""

from __future__ import annotations

from dataclasses import replace

from filnet.actors import manifest
from filnet.actors.account.actor import AuthenticateMessageParams
from filnet.actors.account.methods import Method as AccountMethod
from filnet.actors.paych.methods import Method
from filnet.actors.paych.state import LaneState, LaneStates, PaychState
from filnet.actors.paych.types import (
    ERR_CHANNEL_STATE_UPDATE_AFTER_SETTLED,
    MAX_LANE,
    MAX_SECRET_SIZE,
    SETTLE_DELAY,
    ConstructorParams,
    SignedVoucher,
    UpdateChannelStateParams,
)
from filnet.actors.shared import METHOD_SEND, resolve_to_actor_id
from filnet.core.address import Address, Protocol
from filnet.core.token import ZERO
from filnet.core.types import ChainEpoch
from filnet.crypto.signature import Signature
from filnet.errors import DecodeError
from filnet.ipld import dagcbor
from filnet.vm.dispatch import ActorCode
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime, decode_params, require_no_params


def constructor(rt: Runtime, raw: bytes) -> bytes:
    """Open a channel from ``from_`` to ``to`` (both resolved to existing actors); only init may."""
    params = decode_params(raw, ConstructorParams.from_ipld, "paych Constructor")
    rt.validate_immediate_caller_type(manifest.INIT)
    # builtin-actors resolves `to` first: with two unknown key addresses, `to`'s account is made first.
    to = resolve_to_actor_id(rt, params.to, check_existence=True)
    from_ = resolve_to_actor_id(rt, params.from_, check_existence=True)
    empty_lanes = LaneStates(rt.store).flush()
    rt.create_state(PaychState(from_, to, ZERO, ChainEpoch(0), ChainEpoch(0), empty_lanes))
    return b""


def update_channel_state(rt: Runtime, raw: bytes) -> bytes:
    """Redeem a voucher signed by the other party: its lane (and any lanes it merges) now owe its amount."""
    params = decode_params(raw, UpdateChannelStateParams.from_ipld, "paych UpdateChannelState")
    state = rt.state(PaychState)
    rt.validate_immediate_caller_is(state.from_, state.to)
    voucher = params.sv
    signer = state.to if rt.caller == state.from_ else state.from_
    signature = voucher.signature
    if signature is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "voucher has no signature")
    if state.settling_at != 0 and rt.curr_epoch >= state.settling_at:
        raise ActorError(
            ExitCode(ERR_CHANNEL_STATE_UPDATE_AFTER_SETTLED),
            "no vouchers can be processed after settling at epoch",
        )
    if len(params.secret) > MAX_SECRET_SIZE:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"secret must be at most {MAX_SECRET_SIZE} bytes long"
        )
    _authenticate(rt, signer, signature, voucher.signing_bytes())
    _check_voucher(rt, voucher, params.secret)
    if voucher.extra is not None:
        extra = voucher.extra
        rt.send(extra.actor, extra.method, extra.data, ZERO).unwrap("spend voucher verification failed")
    rt.transaction(PaychState, lambda current: (_redeem(rt, current, voucher), None))
    return b""


def settle(rt: Runtime, raw: bytes) -> bytes:
    """Start settling: Collect may run ``SETTLE_DELAY`` epochs from now (or from ``min_settle_height``)."""
    require_no_params(raw, "paych Settle")
    state = rt.state(PaychState)
    rt.validate_immediate_caller_is(state.from_, state.to)

    def start(current: PaychState) -> tuple[PaychState, None]:
        if current.settling_at != 0:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, "channel already settling")
        settling_at = max(ChainEpoch(rt.curr_epoch + SETTLE_DELAY), current.min_settle_height)
        return replace(current, settling_at=settling_at), None

    rt.transaction(PaychState, start)
    return b""


def collect(rt: Runtime, raw: bytes) -> bytes:
    """After settlement: pay ``to_send`` to ``to``, return the rest to ``from_`` and delete the channel."""
    require_no_params(raw, "paych Collect")
    state = rt.state(PaychState)
    rt.validate_immediate_caller_is(state.from_, state.to)
    if state.settling_at == 0 or rt.curr_epoch < state.settling_at:
        raise ActorError(ExitCode.USR_FORBIDDEN, "payment channel not settling or settled")
    rt.send(state.to, METHOD_SEND, b"", state.to_send).unwrap("failed to send funds to `to` address")
    rt.send(state.from_, METHOD_SEND, b"", rt.current_balance).unwrap(
        "failed to send funds to `from` address"
    )
    rt.delete_actor()
    return b""


def _authenticate(rt: Runtime, signer: Address, signature: Signature, message: bytes) -> None:
    """Ask ``signer``'s actor whether ``signature`` over ``message`` is its own (builtin-actors sends
    ``AuthenticateMessage``, so any actor that can vouch for a signature may be a party)."""
    params = dagcbor.encode(AuthenticateMessageParams(signature.data, message).to_ipld())
    ret = rt.send(signer, AccountMethod.AUTHENTICATE_MESSAGE_EXPORTED, params, ZERO).unwrap(
        "proposal authentication failed"
    )
    # builtin-actors' deserialize_block: no return is an assertion failure, anything but a bool malformed
    if not ret:
        raise ActorError(ExitCode.USR_ASSERTION_FAILED, "AuthenticateMessage returned nothing")
    try:
        authentic = dagcbor.decode(ret)
    except DecodeError as e:
        raise ActorError(
            ExitCode.USR_SERIALIZATION, f"AuthenticateMessage returned malformed data: {e}"
        ) from None
    if not isinstance(authentic, bool):
        raise ActorError(
            ExitCode.USR_SERIALIZATION, f"AuthenticateMessage returned {authentic!r}, not a bool"
        )
    if not authentic:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "voucher sig authentication failed")


def _check_voucher(rt: Runtime, voucher: SignedVoucher, secret: bytes) -> None:
    """The checks that need no lane: channel address, time locks, amount sign and secret."""
    channel = (
        voucher.channel_addr
        if voucher.channel_addr.protocol is Protocol.ID
        else rt.resolve_address(voucher.channel_addr)
    )
    if channel is None:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"voucher payment channel address {voucher.channel_addr} does not resolve to an ID address",
        )
    if channel != rt.receiver:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"voucher payment channel address {channel} does not match receiver {rt.receiver}",
        )
    if rt.curr_epoch < voucher.time_lock_min:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "cannot use this voucher yet")
    if voucher.time_lock_max != 0 and rt.curr_epoch > voucher.time_lock_max:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "this voucher has expired")
    if voucher.amount.atto < 0:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"voucher amount must be non-negative, was {voucher.amount.atto}"
        )
    if voucher.secret_hash and rt.hash_blake2b(secret) != voucher.secret_hash:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "incorrect secret")


def _find_lane(lanes: LaneStates, lane: int) -> LaneState | None:
    """Lane ``lane``, or None; lane IDs stop at 2^63-1."""
    if lane > MAX_LANE:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "maximum lane ID is 2^63-1")
    return lanes.get(lane)


def _redeem(rt: Runtime, state: PaychState, voucher: SignedVoucher) -> PaychState:
    """The state after applying ``voucher`` to its lane and merged lanes (builtin-actors' steps 1-5)."""
    lanes = LaneStates(rt.store, state.lane_states)
    lane = _find_lane(lanes, voucher.lane)
    if lane is not None and lane.nonce >= voucher.nonce:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"voucher has an outdated nonce, existing: {lane.nonce}, voucher: {voucher.nonce}, cannot redeem",
        )
    redeemed = lane.redeemed if lane is not None else ZERO
    # 1. what merged lanes already redeemed counts towards this voucher's total; they move to the new nonces
    redeemed_from_others = ZERO
    for merge in voucher.merges:
        if merge.lane == voucher.lane:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "voucher cannot merge lanes into its own lane")
        other = _find_lane(lanes, merge.lane)
        if other is None:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, f"voucher specifies invalid merge lane {merge.lane}"
            )
        if other.nonce >= merge.nonce:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, "merged lane in voucher has outdated nonce, cannot redeem"
            )
        redeemed_from_others += other.redeemed
        lanes.set(merge.lane, LaneState(other.redeemed, merge.nonce))
    # 2-3. the voucher's amount is a running total: only what is new adds to what the channel owes
    to_send = state.to_send + voucher.amount - redeemed_from_others - redeemed
    # 4. the channel can neither owe less than nothing nor more than it holds
    if to_send.atto < 0:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "voucher would leave channel balance negative")
    if to_send > rt.current_balance:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "not enough funds in channel to cover voucher")
    settling_at, min_settle_height = state.settling_at, state.min_settle_height
    # a voucher may push settlement later, never earlier
    if voucher.min_settle_height != 0:
        if settling_at != 0 and settling_at < voucher.min_settle_height:
            settling_at = voucher.min_settle_height
        min_settle_height = max(min_settle_height, voucher.min_settle_height)
    lanes.set(voucher.lane, LaneState(voucher.amount, voucher.nonce))
    return replace(
        state,
        to_send=to_send,
        settling_at=settling_at,
        min_settle_height=min_settle_height,
        lane_states=lanes.flush(),
    )


ACTOR = ActorCode(
    manifest.PAYCH,
    {
        Method.CONSTRUCTOR: constructor,
        Method.UPDATE_CHANNEL_STATE: update_channel_state,
        Method.SETTLE: settle,
        Method.COLLECT: collect,
    },
)
