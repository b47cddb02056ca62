"""Actor events (FIP-0049): what actors emit during a message, and the AMT a receipt's ``events_root`` names.

An event is a list of entries ``[flags, key, codec, value]`` (fvm_shared ``Entry``; ``ActorEvent`` is the
list itself). The VM stamps each with the emitting actor's ID (``StampedEvent`` ``[emitter, entries]``) and,
when a message emitted any, stores them in order in an AMT of bit width 5 whose root goes into the receipt.
Events of a call that fails are dropped with the rest of its changes.

Builtin actors fill events with :class:`EventBuilder` as builtin-actors' ``EventBuilder`` does: a ``$type``
entry first, then named fields, every value DAG-CBOR (codec 0x51, IPLD CBOR) encoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Self

from filnet.actors.encoding import as_bytes, as_int, as_list, as_str, as_uint, fields
from filnet.ipld import dagcbor
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID

FLAG_INDEXED_KEY: Final = 0b01
FLAG_INDEXED_VALUE: Final = 0b10
FLAG_INDEXED_ALL: Final = FLAG_INDEXED_KEY | FLAG_INDEXED_VALUE
#: Codec of event values (builtin-actors ``IPLD_CBOR``).
IPLD_CBOR: Final = 0x51
EVENTS_AMT_BIT_WIDTH: Final = 5
EVENT_TYPE_KEY: Final = "$type"


@dataclass(frozen=True, slots=True)
class EventEntry:
    """One key/value of an event."""

    flags: int
    key: str
    codec: int
    value: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.flags, self.key, self.codec, self.value]

    @classmethod
    def from_ipld(cls, raw: Any) -> EventEntry:
        """Parse the CBOR tuple."""
        flags, key, codec, value = fields(raw, 4, "EventEntry")
        return cls(
            as_uint(flags, "EventEntry.flags"),
            as_str(key, "EventEntry.key"),
            as_uint(codec, "EventEntry.codec"),
            as_bytes(value, "EventEntry.value"),
        )


@dataclass(frozen=True, slots=True)
class ActorEvent:
    """An event as an actor emits it."""

    entries: tuple[EventEntry, ...]

    def to_ipld(self) -> list[Any]:
        """The list of entries (``ActorEvent`` is transparent)."""
        return [e.to_ipld() for e in self.entries]

    @classmethod
    def from_ipld(cls, raw: Any) -> ActorEvent:
        """Parse the list of entries."""
        return cls(tuple(EventEntry.from_ipld(e) for e in as_list(raw, "ActorEvent")))

    @property
    def event_type(self) -> str | None:
        """The decoded ``$type`` entry, if the event has one."""
        for entry in self.entries:
            if entry.key == EVENT_TYPE_KEY and entry.codec == IPLD_CBOR:
                value = dagcbor.decode(entry.value)
                return value if isinstance(value, str) else None
        return None

    def value(self, key: str) -> Any:
        """The decoded value of the first entry named ``key`` (KeyError if none)."""
        for entry in self.entries:
            if entry.key == key:
                return dagcbor.decode(entry.value)
        raise KeyError(key)


@dataclass(frozen=True, slots=True)
class StampedEvent:
    """An event and the ID of the actor that emitted it, as committed on chain."""

    emitter: int
    event: ActorEvent

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.emitter, self.event.to_ipld()]

    @classmethod
    def from_ipld(cls, raw: Any) -> StampedEvent:
        """Parse the CBOR tuple."""
        emitter, event = fields(raw, 2, "StampedEvent")
        return cls(as_int(emitter, "StampedEvent.emitter"), ActorEvent.from_ipld(event))


class EventBuilder:
    """Accumulates the entries of one event (builtin-actors ``EventBuilder``)."""

    def __init__(self) -> None:
        self._entries: list[EventEntry] = []

    def typ(self, name: str) -> Self:
        """The event's ``$type``, key and value indexed."""
        return self._push(EVENT_TYPE_KEY, name, FLAG_INDEXED_ALL)

    def field(self, key: str, value: Any) -> Self:
        """A field whose key is indexed (``value`` in its DAG-CBOR data-model form)."""
        return self._push(key, value, FLAG_INDEXED_KEY)

    def field_indexed(self, key: str, value: Any) -> Self:
        """A field whose key and value are indexed."""
        return self._push(key, value, FLAG_INDEXED_ALL)

    def build(self) -> ActorEvent:
        """The event."""
        return ActorEvent(tuple(self._entries))

    def _push(self, key: str, value: Any, flags: int) -> Self:
        self._entries.append(EventEntry(flags, key, IPLD_CBOR, dagcbor.encode(value)))
        return self


def events_root(store: Blockstore, events: Sequence[StampedEvent]) -> CID | None:
    """The AMT of ``events`` in emission order, or None when there are none (receipt ``events_root``)."""
    if not events:
        return None
    array = Amt(store, bit_width=EVENTS_AMT_BIT_WIDTH)
    for index, event in enumerate(events):
        array.set(index, event.to_ipld())
    return array.flush()


def load_events(store: Blockstore, root: CID) -> list[StampedEvent]:
    """The events of a receipt's ``events_root``, in order."""
    return [StampedEvent.from_ipld(raw) for raw in Amt(store, root, EVENTS_AMT_BIT_WIDTH).values()]
