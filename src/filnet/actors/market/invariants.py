"""Invariants of the storage market actor's state (builtin-actors ``market/src/testing.rs``).

Deal IDs are below ``next_id`` and proposals hold ID addresses; every deal state, pending allocation,
pending proposal CID and provider-sector entry belongs to a proposal; deal states' epochs are ordered
(activation, then update and slash, none in the future); every active deal is in its provider's sector
mapping and no slashed one is; locked amounts never exceed escrow and add up to the three locked totals;
escrow covers the proposals' collateral and is covered by the actor's balance; every proposal not yet
started is scheduled for cron.

The checks that need the actor's balance or the current epoch run only when they are given. The deal
tables are read with the actors v13+ layout, so only the totals are checked on older states.
"""

from __future__ import annotations

from filnet.actors.market.state import (
    EPOCH_UNDEFINED,
    BalanceTable,
    DealArray,
    DealMetaArray,
    DealOpsByEpoch,
    DealProposal,
    DealState,
    MarketState,
    PendingDealAllocationsMap,
    ProviderSectorsMap,
    pending_proposals,
)
from filnet.core.address import Protocol
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import FilnetError
from filnet.ipld.blockstore import Blockstore


def check_state_invariants(
    state: MarketState,
    store: Blockstore,
    balance: TokenAmount | None = None,
    current_epoch: ChainEpoch | None = None,
) -> list[str]:
    """Violations of the market state's invariants (see the module docstring); empty when it is sound."""
    problems: list[str] = []
    totals = {
        "total client locked collateral": state.total_client_locked_collateral,
        "total provider locked collateral": state.total_provider_locked_collateral,
        "total client storage fee": state.total_client_storage_fee,
    }
    problems.extend(f"negative {name}: {value}" for name, value in totals.items() if value < ZERO)
    if state.provider_sectors is None or state.pending_deal_allocation_ids is None:
        return problems
    try:
        deals = _check_deal_tables(state, store, current_epoch, problems)
        _check_balances(state, store, balance, deals, problems)
    except FilnetError as e:
        problems.append(f"error loading market collections: {e}")
    return problems


def _check_deal_tables(
    state: MarketState, store: Blockstore, current_epoch: ChainEpoch | None, problems: list[str]
) -> dict[int, DealProposal]:
    """Check proposals, allocations, deal states, sector mappings, pending proposals and deal ops."""
    deals = dict(DealArray(store, state.proposals).items())
    for deal_id, deal in deals.items():
        if deal_id >= state.next_id:
            problems.append(f"deal {deal_id} is not below next ID {state.next_id}")
        if deal.client.protocol is not Protocol.ID:
            problems.append(f"client address for deal {deal_id} is not an ID address")
        if deal.provider.protocol is not Protocol.ID:
            problems.append(f"provider address for deal {deal_id} is not an ID address")

    assert state.pending_deal_allocation_ids is not None and state.provider_sectors is not None
    allocated: set[int] = set()
    for deal_id, _ in PendingDealAllocationsMap(store, state.pending_deal_allocation_ids).items():
        allocated.add(deal_id)
        if deal_id not in deals:
            problems.append(f"pending deal allocation {deal_id} not found in proposals")

    states = dict(DealMetaArray(store, state.states).items())
    for deal_id, s in states.items():
        if s.sector_start_epoch < 0:
            problems.append(f"deal {deal_id} state start epoch undefined: {s}")
        updated, slashed = s.last_updated_epoch, s.slash_epoch
        if updated != EPOCH_UNDEFINED and updated < s.sector_start_epoch:
            problems.append(f"deal {deal_id} state last updated before sector start: {s}")
        if slashed != EPOCH_UNDEFINED and slashed < s.sector_start_epoch:
            problems.append(f"deal {deal_id} state slashed before sector start: {s}")
        if current_epoch is not None:
            if updated != EPOCH_UNDEFINED and updated > current_epoch:
                problems.append(f"deal {deal_id} last updated epoch {updated} after current {current_epoch}")
            if slashed != EPOCH_UNDEFINED and slashed > current_epoch:
                problems.append(f"deal {deal_id} state slashed after current epoch {current_epoch}: {s}")
        if deal_id not in deals:
            problems.append(f"deal state {deal_id} has no proposal")
        if deal_id in allocated:
            problems.append(f"deal {deal_id} has pending allocation")

    providers = ProviderSectorsMap(store, state.provider_sectors)
    mapped: set[tuple[int, int, int]] = set()
    for provider in providers.providers():
        for sector, deal_ids in providers.sector_deals(provider).items():
            for deal_id in deal_ids:
                mapped.add((provider, sector, deal_id))
                problems.extend(_check_mapped_deal(deals, states, provider, sector, deal_id))
    # every active deal that has not expired is mapped (expired ones stay mapped until settled)
    for deal_id, s in states.items():
        active = deals.get(deal_id)
        if active is None or s.sector_start_epoch < 0 or s.slash_epoch != EPOCH_UNDEFINED:
            continue
        if current_epoch is not None and active.end_epoch <= current_epoch:
            continue
        key = (active.provider.id, s.sector_number or 0, deal_id)
        if active.provider.protocol is Protocol.ID and key not in mapped:
            problems.append(f"active deal {deal_id} not found in provider sector deals")

    proposal_cids = {deal.cid() for deal in deals.values()}
    for cid in pending_proposals(store, state.pending_proposals):
        if cid not in proposal_cids:
            problems.append(f"pending proposal with cid {cid} not found within proposals")

    if current_epoch is not None:
        expected_ops = {deal_id for deal_id, deal in deals.items() if deal.start_epoch >= current_epoch}
        ops = DealOpsByEpoch(store, state.deal_ops_by_epoch)
        for epoch in ops.epochs():
            expected_ops.difference_update(ops.get(epoch))
        if expected_ops:
            problems.append(f"missing deal ops for proposals: {sorted(expected_ops)}")
    return deals


def _check_mapped_deal(
    deals: dict[int, DealProposal], states: dict[int, DealState], provider: int, sector: int, deal_id: int
) -> list[str]:
    """Problems of one provider-sector entry: its deal must be that provider's, in that sector, unslashed."""
    deal = deals.get(deal_id)
    if deal is None:
        return [f"provider sector deal {deal_id} not found in proposals"]
    problems: list[str] = []
    if deal.provider.protocol is not Protocol.ID or deal.provider.id != provider:
        problems.append(
            f"provider sector deal {deal_id} provider {provider} does not match proposal provider "
            f"{deal.provider}"
        )
    deal_state = states.get(deal_id)
    if (deal_state.sector_number if deal_state is not None else 0) != sector:
        problems.append(f"provider sector deal {deal_id} sector {sector} does not match its state")
    if deal_state is not None and deal_state.slash_epoch != EPOCH_UNDEFINED:
        problems.append(f"provider sector deal {deal_id} is slashed")
    return problems


def _check_balances(
    state: MarketState,
    store: Blockstore,
    balance: TokenAmount | None,
    deals: dict[int, DealProposal],
    problems: list[str],
) -> None:
    """Check the escrow and locked tables against each other, the totals, the proposals and the balance."""
    escrow_table = BalanceTable(store, state.escrow_table)
    escrow = dict(escrow_table.items())
    problems.extend(
        f"{address} has negative escrow {amount}" for address, amount in escrow.items() if amount < ZERO
    )
    locked_total = ZERO
    for address, locked in BalanceTable(store, state.locked_table).items():
        locked_total = locked_total + locked
        if locked < ZERO or locked > escrow.get(address, ZERO):
            problems.append(
                f"locked funds for {address}, {locked}, greater than escrow amount, "
                f"{escrow.get(address, ZERO)}"
            )
    if locked_total != state.get_total_locked():
        problems.append(
            f"locked total, {locked_total}, does not sum to provider locked, "
            f"{state.total_provider_locked_collateral}, client locked, "
            f"{state.total_client_locked_collateral}, "
            f"and client storage fee, {state.total_client_storage_fee}"
        )
    escrow_total = escrow_table.total()
    if balance is not None and escrow_total > balance:
        problems.append(f"escrow total, {escrow_total}, greater than actor balance, {balance}")
    collateral = ZERO
    for deal in deals.values():
        collateral = collateral + deal.client_collateral + deal.provider_collateral
    if escrow_total < collateral:
        problems.append(f"escrow total, {escrow_total}, less than sum of proposal collateral, {collateral}")
