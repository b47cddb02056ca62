"""The system actor's methods (builtin-actors ``fil_actor_system``): only its constructor.

The system actor is the sender of implicit messages and holds the builtin-actor manifest; the genesis
builder writes its state directly with the manifest's data CID.
"""

from __future__ import annotations

from filnet.actors import manifest
from filnet.actors.system.methods import Method
from filnet.actors.system.state import SystemState
from filnet.core.address import Address
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.cid import CID
from filnet.vm.dispatch import ActorCode
from filnet.vm.runtime import Runtime, require_no_params

SYSTEM_ACTOR = Address.new_id(0)


def constructor(rt: Runtime, raw: bytes) -> bytes:
    """Create the state with an empty manifest (builtin-actors ``State::new``)."""
    require_no_params(raw, "system Constructor")
    rt.validate_immediate_caller_is(SYSTEM_ACTOR)
    data = dagcbor.encode([])
    cid = CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)
    rt.store.put(cid, data)
    rt.create_state(SystemState(cid))
    return b""


ACTOR = ActorCode(manifest.SYSTEM, {Method.CONSTRUCTOR: constructor})
