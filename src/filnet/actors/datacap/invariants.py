"""Invariants of the datacap actor's state (frc46_token ``TokenState::check_invariants`` habit)."""

from __future__ import annotations

from filnet.actors.datacap.state import DatacapState, allowances, balances
from filnet.core.address import Protocol
from filnet.core.token import ZERO, TokenAmount
from filnet.errors import FilnetError
from filnet.ipld.blockstore import Blockstore


def check_state_invariants(state: DatacapState, store: Blockstore) -> list[str]:
    """Violations of the token's invariants: an ID governor, a supply equal to the sum of the balances, no
    negative balance, and only positive allowances (zero ones are deleted), never to oneself."""
    problems: list[str] = []
    if state.governor.protocol is not Protocol.ID:
        problems.append(f"governor {state.governor} is not an ID address")
    try:
        total = ZERO
        for owner, balance in balances(store, state.token):
            total = total + balance
            if balance < ZERO:
                problems.append(f"f0{owner} has negative balance {balance}")
        if total != state.token.supply:
            problems.append(f"balances sum to {total}, supply is {state.token.supply}")
        for owner, operator, allowance in allowances(store, state.token):
            if allowance <= TokenAmount(0) or owner == operator:
                problems.append(f"allowance {allowance} of f0{owner} to f0{operator}")
    except FilnetError as e:
        problems.append(f"error loading token maps: {e}")
    return problems
