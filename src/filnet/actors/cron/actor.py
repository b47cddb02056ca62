"""The cron actor's methods (builtin-actors ``fil_actor_cron``).

At the end of every epoch the system actor calls ``EpochTick``, which calls each registered entry in order
with no params and no value. A failing entry does not stop the others (its changes are rolled back by the
VM); running out of gas aborts the tick.
"""

from __future__ import annotations

from typing import Any

from filnet.actors import manifest
from filnet.actors.cron.methods import Method
from filnet.actors.cron.state import CronEntry, CronState
from filnet.actors.encoding import as_list, fields
from filnet.core.address import Address
from filnet.vm.dispatch import ActorCode
from filnet.vm.runtime import Runtime, decode_params, require_no_params

SYSTEM_ACTOR = Address.new_id(0)


def parse_constructor_params(raw: Any) -> tuple[CronEntry, ...]:
    """``ConstructorParams``: the CBOR tuple ``[[entry, …]]``."""
    (entries,) = fields(raw, 1, "cron ConstructorParams")
    return tuple(CronEntry.from_ipld(entry) for entry in as_list(entries, "cron ConstructorParams.entries"))


def constructor(rt: Runtime, raw: bytes) -> bytes:
    """Create the state with the entries cron will call."""
    entries = decode_params(raw, parse_constructor_params, "cron Constructor")
    rt.validate_immediate_caller_is(SYSTEM_ACTOR)
    rt.create_state(CronState(entries))
    return b""


def epoch_tick(rt: Runtime, raw: bytes) -> bytes:
    """Call every entry; their failures are ignored."""
    require_no_params(raw, "cron EpochTick")
    rt.validate_immediate_caller_is(SYSTEM_ACTOR)
    for entry in rt.state(CronState).entries:
        rt.send(entry.receiver, entry.method_num)
    return b""


ACTOR = ActorCode(manifest.CRON, {Method.CONSTRUCTOR: constructor, Method.EPOCH_TICK: epoch_tick})
