"""The FIL in circulation at a tipset: what the VM gives actors as ``total_fil_circ_supply``.

Lotus computes it once per tipset from the parent state (``GetVMCirculatingSupply``):
vested + mined + reserve disbursed − burnt − locked. filnet's genesis has no pre-mainnet vesting tables
or reserve actor, so the same quantity reads: all FIL that exists (the VM conserves it, so it is fixed at
genesis) less what the reward actor has not yet paid out, what was burnt (f099), what is locked as pledge
(the power actor's total) or as deal collateral and fees (the market's totals), and what genesis multisigs
still lock by vesting. Miners' vesting block rewards count as mined, as in Lotus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from filnet.actors import manifest as names
from filnet.actors.market.state import MarketState
from filnet.actors.multisig.state import MultisigState
from filnet.actors.power.state import PowerState
from filnet.actors.singletons import (
    BURNT_FUNDS_ACTOR,
    REWARD_ACTOR,
    STORAGE_MARKET_ACTOR,
    STORAGE_POWER_ACTOR,
)
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.vm.state_tree import StateTree


@dataclass(frozen=True, slots=True)
class CirculatingSupply:
    """The parts of the circulating supply (Lotus ``CirculatingSupply``'s fields, where filnet has them)."""

    total: TokenAmount
    unmined: TokenAmount
    burnt: TokenAmount
    locked: TokenAmount
    vesting: TokenAmount

    @property
    def circulating(self) -> TokenAmount:
        """FIL free to move: never negative."""
        value = self.total - self.unmined - self.burnt - self.locked - self.vesting
        return value if value > ZERO else ZERO


def total_supply(tree: StateTree) -> TokenAmount:
    """The sum of every actor's balance (constant from genesis on: compute it once and keep it)."""
    total = ZERO
    for _, actor in tree.iter_actors():
        total = total + actor.balance
    return total


def circulating_supply(
    tree: StateTree,
    epoch: ChainEpoch,
    total: TokenAmount,
    vesting_multisigs: Sequence[Address] = (),
) -> CirculatingSupply:
    """The circulating supply of the state ``tree`` (a tipset's parent state) for execution at ``epoch``."""

    def balance(address: Address) -> TokenAmount:
        actor = tree.get_actor(address)
        return ZERO if actor is None else actor.balance

    locked = ZERO
    power = tree.get_actor(STORAGE_POWER_ACTOR)
    if power is not None:
        locked = locked + PowerState.decode(tree.store.get(power.head)).total_pledge_collateral
    market = tree.get_actor(STORAGE_MARKET_ACTOR)
    if market is not None:
        m = MarketState.decode(tree.store.get(market.head))
        locked = (
            locked
            + m.total_client_locked_collateral
            + m.total_provider_locked_collateral
            + m.total_client_storage_fee
        )
    vesting = ZERO
    for address in vesting_multisigs:
        actor = tree.get_actor(address)
        if actor is None or tree.actor_name(actor) != names.MULTISIG:
            continue
        state = MultisigState.decode(tree.store.get(actor.head))
        still = state.amount_locked(epoch - state.start_epoch)
        vesting = vesting + (still if still < actor.balance else actor.balance)
    return CirculatingSupply(total, balance(REWARD_ACTOR), balance(BURNT_FUNDS_ACTOR), locked, vesting)
