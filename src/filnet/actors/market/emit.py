"""Events the storage market actor emits (FIP-0049; builtin-actors ``market/src/emit.rs``).

Each is a ``$type`` and the deal's ID, client and provider actor IDs, every entry indexed by key and value.
"""

from __future__ import annotations

from filnet.vm.events import ActorEvent, EventBuilder
from filnet.vm.runtime import Runtime


def deal_event(kind: str, deal_id: int, client: int, provider: int) -> ActorEvent:
    """The event of type ``kind`` about one deal."""
    return (
        EventBuilder()
        .typ(kind)
        .field_indexed("id", deal_id)
        .field_indexed("client", client)
        .field_indexed("provider", provider)
        .build()
    )


def deal_published(rt: Runtime, client: int, provider: int, deal_id: int) -> None:
    """A deal has been published."""
    rt.emit_event(deal_event("deal-published", deal_id, client, provider))


def deal_activated(rt: Runtime, deal_id: int, client: int, provider: int) -> None:
    """A deal has been activated in a sector."""
    rt.emit_event(deal_event("deal-activated", deal_id, client, provider))


def deal_terminated(rt: Runtime, deal_id: int, client: int, provider: int) -> None:
    """A deal has been terminated before its end."""
    rt.emit_event(deal_event("deal-terminated", deal_id, client, provider))


def deal_completed(rt: Runtime, deal_id: int, client: int, provider: int) -> None:
    """A deal has run to its end and been settled."""
    rt.emit_event(deal_event("deal-completed", deal_id, client, provider))
