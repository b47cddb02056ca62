"""Invariants of the cron actor's state, checked after every test (builtin-actors ``testing.rs`` habit)."""

from __future__ import annotations

from filnet.actors.cron.state import CronState
from filnet.core.address import Protocol
from filnet.ipld.blockstore import Blockstore


def check_state_invariants(state: CronState, store: Blockstore) -> list[str]:
    """Violations of the cron state's invariants: entries call ID addresses, never method 0 (a send)."""
    problems = []
    for entry in state.entries:
        if entry.receiver.protocol is not Protocol.ID:
            problems.append(f"cron entry receiver {entry.receiver} is not an ID address")
        if entry.method_num == 0:
            problems.append(f"cron entry for {entry.receiver} calls method 0")
    return problems
