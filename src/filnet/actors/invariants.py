"""Invariants of a whole state tree: every typed actor state's own invariants, and the tree's bookkeeping.

Checked after every VM test (builtin-actors ``state/src/check.rs``): each actor with a typed state must
satisfy its package's ``invariants.check_state_invariants``; every robust address in the init actor's map
must point to an ID the init actor allocated; nonces and balances are never negative. Then the actors are
checked against each other: each miner's active power against its power claim and its deadline cron
against the power actor's queue, each active deal's provider among the miners, the registry's datacap
balance against its pending allocations, the market's pending allocations against the registry's, and the
registry's claims against the miners' sectors. The total balance is returned too, so tests can check that
no message created or destroyed FIL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from filnet.actors import manifest as names
from filnet.actors.account import invariants as account
from filnet.actors.account.state import AccountState
from filnet.actors.cron import invariants as cron
from filnet.actors.cron.state import CronState
from filnet.actors.datacap import invariants as datacap
from filnet.actors.datacap import state as datacap_state
from filnet.actors.datacap.state import DatacapState
from filnet.actors.init import invariants as init
from filnet.actors.init.state import InitState
from filnet.actors.market import invariants as market
from filnet.actors.market import state as market_state
from filnet.actors.market.state import EPOCH_UNDEFINED, MarketState
from filnet.actors.miner import invariants as miner
from filnet.actors.miner.sectors import PowerPair
from filnet.actors.miner.state import MinerState
from filnet.actors.miner.types import (
    CRON_EVENT_PROCESS_EARLY_TERMINATIONS,
    CRON_EVENT_PROVING_DEADLINE,
    CronEventPayload,
)
from filnet.actors.multisig import invariants as multisig
from filnet.actors.multisig.state import MultisigState
from filnet.actors.paych import invariants as paych
from filnet.actors.paych.state import PaychState
from filnet.actors.power import invariants as power
from filnet.actors.power.state import PowerState
from filnet.actors.reward import invariants as reward
from filnet.actors.reward.state import RewardState
from filnet.actors.singletons import VERIFIED_REGISTRY_ACTOR
from filnet.actors.system import invariants as system
from filnet.actors.system.state import SystemState
from filnet.actors.verifreg import invariants as verifreg
from filnet.actors.verifreg import state as verifreg_state
from filnet.actors.verifreg.state import VerifregState
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.errors import FilnetError
from filnet.params.network import DEVNET, ActorPolicy
from filnet.vm.state_tree import ActorState, StateTree


@dataclass(frozen=True, slots=True)
class StateCheck:
    """The problems found (empty when the state is sound) and the sum of all balances."""

    problems: tuple[str, ...]
    total_balance: TokenAmount


def check_state_invariants(tree: StateTree, policy: ActorPolicy = DEVNET.policy) -> StateCheck:
    """Check every actor of ``tree`` (miners against the network's ``policy``), the init actor's map, and
    the storage actors against each other."""
    problems: list[str] = []
    total = ZERO
    seen = _Summaries()
    for id_address, actor in tree.iter_actors():
        total = total + actor.balance
        if actor.balance < ZERO or actor.nonce < 0:
            problems.append(f"{id_address}: negative balance or nonce")
        found = _check_actor(tree, id_address, actor, policy, seen)
        problems.extend(f"{id_address}: {p}" for p in found)
    # A deleted actor (a collected payment channel) keeps its address-map entry, as in Filecoin: entries
    # need not point at a live actor, only at an ID the init actor has handed out.
    next_id = tree.init_state().next_id
    for address, actor_id in tree.address_map().items():
        if actor_id >= next_id:
            problems.append(
                f"address map sends {address} to f0{actor_id}, not yet allocated (next {next_id})"
            )
    try:
        problems.extend(_cross_checks(tree, seen))
    except FilnetError as e:
        problems.append(f"cross-actor checks: a state does not load: {e}")
    return StateCheck(tuple(problems), total)


@dataclass(slots=True)
class _Summaries:
    """What the per-actor checks learnt that the cross-actor checks need."""

    miners: dict[Address, miner.StateSummary] = field(default_factory=dict)
    power: power.StateSummary | None = None
    market: MarketState | None = None
    verifreg: VerifregState | None = None
    datacap: DatacapState | None = None


def _cross_checks(tree: StateTree, seen: _Summaries) -> list[str]:
    """builtin-actors' checks of the storage actors against each other."""
    problems: list[str] = []
    if seen.power is not None:
        _check_miners_against_power(seen.miners, seen.power, problems)
    if seen.market is not None:
        _check_deals_against_miners(tree, seen.market, seen.miners, problems)
    if seen.verifreg is not None and seen.verifreg.allocations is not None:
        if seen.datacap is not None:
            _check_verifreg_against_datacap(tree, seen.verifreg, seen.datacap, problems)
        if seen.market is not None:
            _check_market_against_verifreg(tree, seen.market, seen.verifreg, problems)
        _check_verifreg_against_miners(tree, seen.verifreg, seen.miners, problems)
    return problems


def _check_miners_against_power(
    miners: dict[Address, miner.StateSummary], summary: power.StateSummary, problems: list[str]
) -> None:
    """Each miner's active power is its claim, and its deadline cron is enrolled exactly when active."""
    for address, miner_summary in miners.items():
        claim = summary.claims.get(address)
        if claim is None:
            problems.append(f"miner {address} has no power claim")
        else:
            claimed = PowerPair(claim.raw_byte_power, claim.quality_adj_power)
            if miner_summary.active_power != claimed:
                problems.append(
                    f"miner {address} computed active power {miner_summary.active_power} does not match "
                    f"claim {claimed}"
                )
            if miner_summary.window_post_proof_type != claim.window_post_proof_type:
                problems.append(
                    f"miner {address} PoSt proof type {miner_summary.window_post_proof_type} does not match "
                    f"claim proof type {claim.window_post_proof_type}"
                )
        proving_period_crons = 0
        for event in summary.crons.get(address, []):
            try:
                kind = CronEventPayload.decode(event.payload).event_type
            except FilnetError as e:
                problems.append(f"miner {address} cron at epoch {event.epoch} has a corrupt payload: {e}")
                continue
            if kind not in (CRON_EVENT_PROCESS_EARLY_TERMINATIONS, CRON_EVENT_PROVING_DEADLINE):
                problems.append(f"miner {address} has unexpected cron event type {kind}")
            proving_period_crons += kind == CRON_EVENT_PROVING_DEADLINE
        if proving_period_crons > 1:
            problems.append(f"miner {address} has {proving_period_crons} proving period crons")
        if (proving_period_crons > 0) != miner_summary.deadline_cron_active:
            problems.append(
                f"miner {address} has deadline_cron_active {miner_summary.deadline_cron_active} but "
                f"{proving_period_crons} proving period crons"
            )


def _check_deals_against_miners(
    tree: StateTree, market: MarketState, miners: dict[Address, miner.StateSummary], problems: list[str]
) -> None:
    """Every activated deal's provider is a miner."""
    store = tree.store
    activated = {
        deal_id
        for deal_id, state in market_state.deal_states(store, market.states)
        if state.sector_start_epoch != EPOCH_UNDEFINED
    }
    for deal_id, proposal in market_state.proposals(store, market.proposals):
        if deal_id in activated and _id_address(tree, proposal.provider) not in miners:
            problems.append(f"provider {proposal.provider} for deal {deal_id} not found among miners")


def _check_verifreg_against_datacap(
    tree: StateTree, registry: VerifregState, token: DatacapState, problems: list[str]
) -> None:
    """Verifiers hold no datacap, and the registry holds exactly the datacap of its pending allocations."""
    store = tree.store
    holders = dict(datacap_state.balances(store, token.token))
    for verifier, _ in verifreg_state.data_caps(store, registry.verifiers):
        verifier_id = _id_address(tree, verifier)
        if verifier_id is not None and verifier_id.id in holders:
            problems.append(f"verifier {verifier} is also a datacap token holder")
    assert registry.allocations is not None
    pending = sum(a.size for _, _, a in verifreg_state.allocations(store, registry.allocations))
    held = holders.get(VERIFIED_REGISTRY_ACTOR.id, ZERO)
    if held != TokenAmount.from_fil(pending):
        problems.append(
            f"verifreg datacap balance {held.atto} does not match pending allocation size {pending}"
        )


def _check_market_against_verifreg(
    tree: StateTree, market: MarketState, registry: VerifregState, problems: list[str]
) -> None:
    """Every pending deal allocation exists, for the deal's provider and piece."""
    if market.pending_deal_allocation_ids is None:
        return
    store = tree.store
    assert registry.allocations is not None
    allocations = {i: a for _, i, a in verifreg_state.allocations(store, registry.allocations)}
    deals = dict(market_state.proposals(store, market.proposals))
    for deal_id, allocation_id in market_state.pending_deal_allocation_ids(
        store, market.pending_deal_allocation_ids
    ):
        allocation = allocations.get(allocation_id)
        if allocation is None:
            problems.append(f"allocation {allocation_id} not found for pending deal {deal_id}")
            continue
        proposal = deals.get(deal_id)
        if proposal is None:
            problems.append(f"market's pending allocation {allocation_id} names missing deal {deal_id}")
            continue
        provider = _id_address(tree, proposal.provider)
        if provider is None or provider.id != allocation.provider:
            problems.append(
                f"mismatched providers f0{allocation.provider} {proposal.provider} on allocation "
                f"{allocation_id} and deal {deal_id}"
            )
        if proposal.piece_cid != allocation.data:
            problems.append(
                f"mismatched piece CIDs {proposal.piece_cid} {allocation.data} on allocation "
                f"{allocation_id} and deal {deal_id}"
            )


def _check_verifreg_against_miners(
    tree: StateTree, registry: VerifregState, miners: dict[Address, miner.StateSummary], problems: list[str]
) -> None:
    """Each claim's provider is a miner; a live sector holding claims lies within their terms and carries
    their verified weight."""
    if registry.claims is None:
        return
    weights: dict[tuple[Address, int], int] = {}
    for _, claim_id, claim in verifreg_state.claims(tree.store, registry.claims):
        address = Address.new_id(claim.provider)
        summary = miners.get(address)
        if summary is None:
            problems.append(f"claim provider {address} is not found in miner summaries")
            continue
        sector = summary.live_data_sectors.get(claim.sector)
        if sector is None:
            continue  # terminated and cleaned up
        if sector.sector_start > claim.term_start:
            problems.append(
                f"claim {claim_id} sector start {sector.sector_start} is after claim term start "
                f"{claim.term_start} for miner {address}"
            )
        # a legacy-QAP sector may be extended past its claims' terms
        if not sector.legacy_qap:
            if sector.sector_expiration < claim.term_start + claim.term_min:
                problems.append(
                    f"claim {claim_id} sector expiration {sector.sector_expiration} is before claim min "
                    f"term {claim.term_start + claim.term_min} for miner {address}"
                )
            if sector.sector_expiration > claim.term_start + claim.term_max:
                problems.append(
                    f"claim {claim_id} sector expiration {sector.sector_expiration} is after claim max "
                    f"term {claim.term_start + claim.term_max} for miner {address}"
                )
        key = (address, claim.sector)
        weights[key] = weights.get(key, 0) + claim.size * (sector.sector_expiration - claim.term_start)
    for (address, number), weight in weights.items():
        sector = miners[address].live_data_sectors[number]
        if sector.verified_deal_weight != weight:
            problems.append(
                f"sector {number} verified weight {sector.verified_deal_weight} does not match claims of "
                f"{weight} for miner {address}"
            )


def _id_address(tree: StateTree, address: Address) -> Address | None:
    """The ID address of ``address`` in ``tree`` (None when it names no actor)."""
    return tree.lookup_id(address)


def _check_actor(
    tree: StateTree, id_address: Address, actor: ActorState, policy: ActorPolicy, seen: _Summaries
) -> list[str]:
    """The invariants of one actor's typed state, for the actors filnet types; ``seen`` gathers what the
    cross-actor checks need."""
    store = tree.store
    name = tree.actor_name(actor)
    data = store.get(actor.head)
    if name == names.SYSTEM:
        return system.check_state_invariants(SystemState.decode(data), store)
    if name == names.INIT:
        return init.check_state_invariants(InitState.decode(data), store)
    if name == names.ACCOUNT:
        return account.check_state_invariants(AccountState.decode(data), store, id_address)
    if name == names.CRON:
        return cron.check_state_invariants(CronState.decode(data), store)
    if name == names.REWARD:
        return reward.check_state_invariants(RewardState.decode(data), store)
    if name == names.MULTISIG:
        return multisig.check_state_invariants(MultisigState.decode(data), store)
    if name == names.PAYCH:
        return paych.check_state_invariants(PaychState.decode(data), store, actor.balance)
    if name == names.POWER:
        seen.power, found = power.check_state_summary(PowerState.decode(data), store)
        return found
    if name == names.MINER:
        summary, found = miner.check_miner_state(MinerState.decode(data), store, actor.balance, policy)
        seen.miners[id_address] = summary
        return found
    if name == names.MARKET:
        seen.market = MarketState.decode(data)
        return market.check_state_invariants(seen.market, store, actor.balance)
    if name == names.VERIFREG:
        seen.verifreg = VerifregState.decode(data)
        return verifreg.check_state_invariants(seen.verifreg, store, policy)
    if name == names.DATACAP:
        seen.datacap = DatacapState.decode(data)
        return datacap.check_state_invariants(seen.datacap, store)
    return []
