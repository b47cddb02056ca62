"""Invariants of the system actor's state, checked after every test (builtin-actors ``testing.rs`` habit)."""

from __future__ import annotations

from filnet.actors.system.state import SystemState
from filnet.ipld.blockstore import Blockstore


def check_state_invariants(state: SystemState, store: Blockstore) -> list[str]:
    """Violations of the system state's invariants: the manifest link must be present and loadable."""
    if state.builtin_actors is None:
        return ["system state has no builtin-actor manifest"]
    if not store.has(state.builtin_actors):
        return [f"manifest block {state.builtin_actors} is missing"]
    return []
