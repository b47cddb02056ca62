"""Invariants of the account actor's state, checked after every test (builtin-actors ``testing.rs`` habit)."""

from __future__ import annotations

from filnet.actors.account.state import AccountState
from filnet.core.address import Address, Protocol
from filnet.ipld.blockstore import Blockstore

#: The burnt-funds account f099 is the one account whose "key" is its own ID address (Lotus genesis).
BURNT_FUNDS_ACTOR = Address.new_id(99)


def check_state_invariants(state: AccountState, store: Blockstore, id_address: Address) -> list[str]:
    """Violations of the account state's invariants: its address is a key address (f099 excepted)."""
    if state.address.protocol in (Protocol.SECP256K1, Protocol.BLS) or (
        id_address == BURNT_FUNDS_ACTOR and state.address == BURNT_FUNDS_ACTOR
    ):
        return []
    return [f"account {id_address} has non-key address {state.address}"]
