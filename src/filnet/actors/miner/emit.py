"""Events the storage miner actor emits (FIP-0049; builtin-actors ``miner/src/emit.rs``).

Every event carries the sector number, indexed; activations and updates add the sector's unsealed CID
(null for a sector of zeros) and, per piece in order, its CID (indexed) and padded size.
"""

from __future__ import annotations

from collections.abc import Sequence

from filnet.ipld.cid import CID
from filnet.vm.events import EventBuilder
from filnet.vm.runtime import Runtime


def _with_sector_info(
    builder: EventBuilder, sector: int, unsealed_cid: CID | None, pieces: Sequence[tuple[CID, int]]
) -> EventBuilder:
    builder = builder.field_indexed("sector", sector).field_indexed("unsealed-cid", unsealed_cid)
    for cid, size in pieces:
        builder = builder.field_indexed("piece-cid", cid).field("piece-size", size)
    return builder


def sector_precommitted(rt: Runtime, sector: int) -> None:
    """A sector has been pre-committed."""
    rt.emit_event(EventBuilder().typ("sector-precommitted").field_indexed("sector", sector).build())


def sector_activated(
    rt: Runtime, sector: int, unsealed_cid: CID | None, pieces: Sequence[tuple[CID, int]]
) -> None:
    """A sector has been proven and activated with these pieces."""
    rt.emit_event(
        _with_sector_info(EventBuilder().typ("sector-activated"), sector, unsealed_cid, pieces).build()
    )


def sector_updated(
    rt: Runtime, sector: int, unsealed_cid: CID | None, pieces: Sequence[tuple[CID, int]]
) -> None:
    """A sector's content has been replaced (replica update)."""
    rt.emit_event(
        _with_sector_info(EventBuilder().typ("sector-updated"), sector, unsealed_cid, pieces).build()
    )


def sector_terminated(rt: Runtime, sector: int) -> None:
    """A sector has been terminated early and its fee paid."""
    rt.emit_event(EventBuilder().typ("sector-terminated").field_indexed("sector", sector).build())
