"""Invariants of a whole state tree: every typed actor state's own invariants, and the tree's bookkeeping.

Checked after every VM test (builtin-actors ``check_state_invariants``): each actor with a typed state must
satisfy its package's ``invariants.check_state_invariants``; every robust address in the init actor's map
must point to an ID the init actor allocated; nonces and balances are never negative. The total balance is
returned too, so tests can check that no message created or destroyed FIL.
"""

from __future__ import annotations

from dataclasses import dataclass

from filnet.actors import manifest as names
from filnet.actors.account import invariants as account
from filnet.actors.account.state import AccountState
from filnet.actors.cron import invariants as cron
from filnet.actors.cron.state import CronState
from filnet.actors.datacap import invariants as datacap
from filnet.actors.datacap.state import DatacapState
from filnet.actors.init import invariants as init
from filnet.actors.init.state import InitState
from filnet.actors.market import invariants as market
from filnet.actors.market.state import MarketState
from filnet.actors.miner import invariants as miner
from filnet.actors.miner.state import MinerState
from filnet.actors.multisig import invariants as multisig
from filnet.actors.multisig.state import MultisigState
from filnet.actors.paych import invariants as paych
from filnet.actors.paych.state import PaychState
from filnet.actors.power import invariants as power
from filnet.actors.power.state import PowerState
from filnet.actors.reward import invariants as reward
from filnet.actors.reward.state import RewardState
from filnet.actors.system import invariants as system
from filnet.actors.system.state import SystemState
from filnet.actors.verifreg import invariants as verifreg
from filnet.actors.verifreg.state import VerifregState
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.params.network import DEVNET, ActorPolicy
from filnet.vm.state_tree import ActorState, StateTree


@dataclass(frozen=True, slots=True)
class StateCheck:
    """The problems found (empty when the state is sound) and the sum of all balances."""

    problems: tuple[str, ...]
    total_balance: TokenAmount


def check_state_invariants(tree: StateTree, policy: ActorPolicy = DEVNET.policy) -> StateCheck:
    """Check every actor of ``tree`` (miners against the network's ``policy``) and the init actor's map."""
    problems: list[str] = []
    total = ZERO
    for id_address, actor in tree.iter_actors():
        total = total + actor.balance
        if actor.balance < ZERO or actor.nonce < 0:
            problems.append(f"{id_address}: negative balance or nonce")
        problems.extend(f"{id_address}: {p}" for p in _check_actor(tree, id_address, actor, policy))
    # A deleted actor (a collected payment channel) keeps its address-map entry, as in Filecoin: entries
    # need not point at a live actor, only at an ID the init actor has handed out.
    next_id = tree.init_state().next_id
    for address, actor_id in tree.address_map().items():
        if actor_id >= next_id:
            problems.append(
                f"address map sends {address} to f0{actor_id}, not yet allocated (next {next_id})"
            )
    return StateCheck(tuple(problems), total)


def _check_actor(tree: StateTree, id_address: Address, actor: ActorState, policy: ActorPolicy) -> list[str]:
    """The invariants of one actor's typed state, for the actors filnet types."""
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
        return power.check_state_invariants(PowerState.decode(data), store)
    if name == names.MINER:
        return miner.check_state_invariants(MinerState.decode(data), store, actor.balance, policy)
    if name == names.MARKET:
        return market.check_state_invariants(MarketState.decode(data), store)
    if name == names.VERIFREG:
        return verifreg.check_state_invariants(VerifregState.decode(data), store)
    if name == names.DATACAP:
        return datacap.check_state_invariants(DatacapState.decode(data), store)
    return []
