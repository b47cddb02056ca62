"""Invariants of the storage market actor's state (builtin-actors ``market::testing`` habit)."""

from __future__ import annotations

from filnet.actors.market.state import (
    MarketState,
    balance_table,
    deal_states,
    pending_proposals,
    proposals,
    provider_sectors,
)
from filnet.core.address import Protocol
from filnet.core.token import ZERO
from filnet.errors import FilnetError
from filnet.ipld.blockstore import Blockstore


def check_state_invariants(state: MarketState, store: Blockstore) -> list[str]:
    """Violations of the market state's invariants: deal IDs below ``next_id``, states only for proposed
    deals, no more pending proposals than proposals, locked never above escrow, non-negative totals, and
    sector deal lists naming proposed deals of that provider.

    The collections are read with the actors v13+ layout's bit widths, so those checks run only on states in
    that layout (13 fields).
    """
    problems: list[str] = []
    totals = {
        "total client locked collateral": state.total_client_locked_collateral,
        "total provider locked collateral": state.total_provider_locked_collateral,
        "total client storage fee": state.total_client_storage_fee,
    }
    problems.extend(f"negative {name}: {value}" for name, value in totals.items() if value < ZERO)
    if state.provider_sectors is None:
        return problems
    try:
        deals = dict(proposals(store, state.proposals))
        problems.extend(f"deal {i} is not below next ID {state.next_id}" for i in deals if i >= state.next_id)
        problems.extend(
            f"deal state {i} has no proposal" for i, _ in deal_states(store, state.states) if i not in deals
        )
        pending = sum(1 for _ in pending_proposals(store, state.pending_proposals))
        if pending > len(deals):
            problems.append(f"{pending} pending proposals but only {len(deals)} proposals")
        escrow = dict(balance_table(store, state.escrow_table))
        for address, locked in balance_table(store, state.locked_table):
            if locked < ZERO or locked > escrow.get(address, ZERO):
                problems.append(f"{address} has {locked} locked, escrow {escrow.get(address, ZERO)}")
        problems.extend(
            f"{address} has negative escrow {amount}" for address, amount in escrow.items() if amount < ZERO
        )
        for provider, sector, deal_ids in provider_sectors(store, state.provider_sectors):
            for deal_id in deal_ids:
                deal = deals.get(deal_id)
                if deal is None or deal.provider.protocol is not Protocol.ID or deal.provider.id != provider:
                    problems.append(
                        f"sector {sector} of f0{provider} lists deal {deal_id}, not one of its proposals"
                    )
    except FilnetError as e:
        problems.append(f"error loading market collections: {e}")
    return problems
