"""Invariants of the init actor's state, checked after every test (builtin-actors ``testing.rs`` habit)."""

from __future__ import annotations

from filnet.actors.init.actor import FIRST_NON_SINGLETON_ID
from filnet.actors.init.state import AddressMap, InitState
from filnet.core.address import Address, Protocol
from filnet.core.types import ActorID
from filnet.ipld.blockstore import Blockstore


def check_state_invariants(state: InitState, store: Blockstore) -> list[str]:
    """Violations of the init state's invariants: every mapped address is robust (not f0) and maps to an
    ID below ``next_id``; no two robust addresses of one kind share an ID; the network has a name."""
    problems: list[str] = []
    if not state.network_name:
        problems.append("init state has an empty network name")
    if state.next_id < FIRST_NON_SINGLETON_ID:
        problems.append(f"next ID {state.next_id} is below {FIRST_NON_SINGLETON_ID}")
    seen: dict[tuple[ActorID, bool], Address] = {}
    for address, actor_id in AddressMap(store, state.address_map).items():
        if address.protocol is Protocol.ID:
            problems.append(f"ID address {address} is in the address map")
        if actor_id >= state.next_id:
            problems.append(f"{address} maps to {actor_id}, not below next ID {state.next_id}")
        key = (actor_id, address.protocol is Protocol.DELEGATED)
        if key in seen:
            problems.append(f"{address} and {seen[key]} both map to {actor_id}")
        seen[key] = address
    return problems
