"""Finding expired allocations and claims (builtin-actors ``verifreg/src/expiration.rs``).

An allocation expires at its ``expiration`` epoch (unclaimed by then, its DataCap may go back to the
client); a claim at ``term_start + term_max`` (after which it earns no power and may be removed). Both are
removable from that epoch on.
"""

from __future__ import annotations

from collections.abc import Sequence

from filnet.actors.batch_return import BatchReturn, BatchReturnGen
from filnet.actors.verifreg.state import Allocation, Claim, MapMap, V
from filnet.core.types import ActorID, ChainEpoch
from filnet.vm.exit_codes import ExitCode


def expiration(record: Allocation | Claim) -> ChainEpoch:
    """The epoch from which an allocation or claim may be removed."""
    if isinstance(record, Allocation):
        return record.expiration
    return ChainEpoch(record.term_start + record.term_max)


def find_expired(collection: MapMap[V], owner: ActorID, curr_epoch: ChainEpoch) -> list[int]:
    """The IDs of the owner's records that have expired by ``curr_epoch``, in HAMT order."""
    return [item_id for item_id, record in collection.items_in(owner) if curr_epoch >= expiration(record)]


def check_expired(
    collection: MapMap[V], candidates: Sequence[int], owner: ActorID, curr_epoch: ChainEpoch
) -> BatchReturn:
    """One result per candidate ID: OK when the owner's record has expired, USR_FORBIDDEN when it has
    not yet, USR_NOT_FOUND when the owner has no record of that ID."""
    results = BatchReturnGen(len(candidates))
    for item_id in candidates:
        record = collection.get(owner, item_id)
        if record is None:
            results.add_fail(ExitCode.USR_NOT_FOUND)
        elif curr_epoch >= expiration(record):
            results.add_success()
        else:
            results.add_fail(ExitCode.USR_FORBIDDEN)
    return results.generate()
