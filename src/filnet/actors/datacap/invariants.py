"""Invariants of the datacap actor's state (builtin-actors ``fil_actor_datacap::testing`` over frc46_token's
``TokenState::check_invariants``)."""

from __future__ import annotations

from filnet.actors.datacap.state import GRANULARITY, DatacapState
from filnet.actors.encoding import as_bigint, as_cid, uint_of_key
from filnet.core.address import Protocol
from filnet.core.token import ZERO, TokenAmount
from filnet.errors import FilnetError
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.hamt import Hamt


def check_state_invariants(state: DatacapState, store: Blockstore) -> list[str]:
    """Violations of the token's invariants: an ID governor; a non-negative supply equal to the sum of the
    balances; balances positive (zero ones are deleted) and whole multiples of the granularity; allowances
    positive, never to oneself, and no empty per-owner allowance map."""
    problems: list[str] = []
    if state.governor.protocol is not Protocol.ID:
        problems.append(f"governor {state.governor} is not an ID address")
    token = state.token
    if token.supply < ZERO:
        problems.append(f"total supply {token.supply} is negative")
    try:
        total = ZERO
        for key, raw in Hamt(store, token.balances, token.hamt_bit_width).items():
            owner = uint_of_key(key, "datacap balance")
            balance = TokenAmount(as_bigint(raw, f"datacap balance of f0{owner}"))
            total = total + balance
            if balance < ZERO:
                problems.append(f"f0{owner} has negative balance {balance}")
            if balance == ZERO:
                problems.append(f"f0{owner} has an explicit zero balance (it should have been removed)")
            if balance.atto % GRANULARITY:
                problems.append(f"f0{owner} has balance {balance}, not a multiple of the granularity")
        if total != token.supply:
            problems.append(f"balances sum to {total}, supply is {token.supply}")
    except FilnetError as e:
        problems.append(f"error loading balances: {e}")
    try:
        for key, inner in Hamt(store, token.allowances, token.hamt_bit_width).items():
            owner = uint_of_key(key, "datacap allowance")
            operators = Hamt(store, as_cid(inner, f"allowances of f0{owner}"), token.hamt_bit_width)
            empty = True
            for operator_key, raw in operators.items():
                empty = False
                operator = uint_of_key(operator_key, f"datacap allowances of f0{owner}")
                allowance = TokenAmount(as_bigint(raw, f"allowance of f0{owner} to f0{operator}"))
                if owner == operator or allowance <= ZERO:
                    problems.append(f"allowance {allowance} of f0{owner} to f0{operator}")
            if empty:
                problems.append(f"stored an allowance map for f0{owner} though it specifies no allowances")
    except FilnetError as e:
        problems.append(f"error loading allowances: {e}")
    return problems
