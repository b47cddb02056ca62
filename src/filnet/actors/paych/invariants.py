"""Invariants of a payment channel's state, checked after every test (builtin-actors ``paych::testing``)."""

from __future__ import annotations

from filnet.actors.paych.state import LaneStates, PaychState
from filnet.core.address import Protocol
from filnet.core.token import TokenAmount
from filnet.errors import FilnetError
from filnet.ipld.blockstore import Blockstore


def check_state_invariants(state: PaychState, store: Blockstore, balance: TokenAmount) -> list[str]:
    """Every invariant ``state`` breaks given the channel's ``balance``, as messages (empty when sound)."""
    problems: list[str] = []
    if state.from_.protocol is not Protocol.ID:
        problems.append(f"from address is not ID address {state.from_}")
    if state.to.protocol is not Protocol.ID:
        problems.append(f"to address is not ID address {state.to}")
    # builtin-actors states this unconditionally, but a voucher may raise min_settle_height before Settle
    # while settling_at is still 0 (its own tests only check channels in that shape after settling)
    if state.settling_at != 0 and state.settling_at < state.min_settle_height:
        problems.append(
            f"channel is settling at epoch {state.settling_at} "
            f"before min settle height {state.min_settle_height}"
        )
    try:
        for lane_id, lane in LaneStates(store, state.lane_states).items():
            # builtin-actors asks for > 0, but a voucher of amount 0 legitimately makes a lane of 0
            if lane.redeemed.atto < 0:
                problems.append(f"lane {lane_id} redeemed is negative: {lane.redeemed}")
    except FilnetError as e:
        problems.append(f"error loading lanes: {e}")
    if balance < state.to_send:
        problems.append(f"channel has insufficient funds to send ({balance} < {state.to_send})")
    return problems
