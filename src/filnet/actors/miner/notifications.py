"""FIP-0076 notifications of new sector content to the actors a piece names (builtin-actors
``miner/src/notifications.rs``).

The pieces of all activated sectors are regrouped by the actor to notify, and each actor gets one
``SectorContentChanged`` call listing its sectors in number order and, per sector, its pieces in order.
A notification's failure or rejection aborts the whole call only when the caller required success.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from filnet.actors.miner.methods import SECTOR_CONTENT_CHANGED
from filnet.actors.miner.types import (
    PieceActivationManifest,
    PieceChange,
    SectorChanges,
    SectorContentChangedParams,
    SectorContentChangedReturn,
)
from filnet.core.address import Address, Protocol
from filnet.core.token import ZERO
from filnet.core.types import ChainEpoch
from filnet.errors import DecodeError
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime

#: Miner-specific exit codes (builtin-actors ``ERR_*`` of ``miner/src/lib.rs``).
ERR_BALANCE_INVARIANTS_BROKEN: Final = ExitCode(1000)
ERR_NOTIFICATION_SEND_FAILED: Final = ExitCode(1001)
ERR_NOTIFICATION_RECEIVER_ABORTED: Final = ExitCode(1002)
ERR_NOTIFICATION_RESPONSE_INVALID: Final = ExitCode(1003)
ERR_NOTIFICATION_REJECTED: Final = ExitCode(1004)

# Send failures that mean the receiver never ran (the FVM's SendError rather than an exit code).
_SEND_ERRORS: Final = frozenset({ExitCode.SYS_INSUFFICIENT_FUNDS, ExitCode.SYS_INVALID_RECEIVER})


@dataclass(frozen=True, slots=True)
class ActivationNotifications:
    """One activated sector: its number, expiration and the pieces whose notifications to send."""

    sector_number: int
    sector_expiration: ChainEpoch
    pieces: Sequence[PieceActivationManifest]


def notify_data_consumers(
    rt: Runtime, activations: Sequence[ActivationNotifications], require_success: bool
) -> None:
    """Send one ``SectorContentChanged`` to each actor named by a piece; with ``require_success``, abort
    if one fails, answers malformed or rejects a piece."""
    by_notifee: dict[Address, dict[int, list[PieceChange]]] = {}
    expirations = {a.sector_number: a.sector_expiration for a in activations}
    for activation in activations:
        for piece in activation.pieces:
            for note in piece.notify:
                sectors = by_notifee.setdefault(note.address, {})
                sectors.setdefault(activation.sector_number, []).append(
                    PieceChange(piece.cid, piece.size, note.payload)
                )
    # builtin-actors iterates a BTreeMap: notifees in Address order, sectors by number.
    for notifee in sorted(by_notifee, key=address_order):
        payloads = by_notifee[notifee]
        changes = tuple(
            SectorChanges(number, expirations[number], tuple(pieces))
            for number, pieces in sorted(payloads.items())
        )
        response = _send_notification(rt, notifee, SectorContentChangedParams(changes))
        if require_success:
            if isinstance(response, ActorError):
                raise response
            _validate_notification_response(notifee, changes, response)


def address_order(address: Address) -> tuple[int, int, int, bytes]:
    """The sort key of Rust's derived ``Ord`` on fvm_shared ``Address``: protocol first, then an ID by value,
    a key or actor hash by bytes, a delegated address by namespace, subaddress length and subaddress."""
    protocol = int(address.protocol)
    if address.protocol is Protocol.ID:
        return (protocol, address.id, 0, b"")
    if address.protocol is Protocol.DELEGATED:
        sub = address.subaddress
        return (protocol, address.namespace, len(sub), sub)
    return (protocol, 0, 0, bytes(address)[1:])


def _send_notification(
    rt: Runtime, notifee: Address, params: SectorContentChangedParams
) -> SectorContentChangedReturn | ActorError:
    result = rt.send(notifee, SECTOR_CONTENT_CHANGED, params.encode(), ZERO)
    if result.exit_code in _SEND_ERRORS:
        return ActorError(ERR_NOTIFICATION_SEND_FAILED, f"send error {result.exit_code.name}")
    if not result.ok:
        return ActorError(ERR_NOTIFICATION_RECEIVER_ABORTED, f"receiver aborted with {int(result.exit_code)}")
    if not result.return_data:
        return ActorError(ERR_NOTIFICATION_RESPONSE_INVALID, "no return data")
    try:
        return SectorContentChangedReturn.decode(result.return_data)
    except DecodeError as e:
        return ActorError(ERR_NOTIFICATION_RESPONSE_INVALID, f"invalid return data serialization: {e}")


def _validate_notification_response(
    notifee: Address, request: Sequence[SectorChanges], response: SectorContentChangedReturn
) -> None:
    if len(response.sectors) != len(request):
        raise ActorError(ERR_NOTIFICATION_RESPONSE_INVALID, "sector change response mismatched sectors")
    for sreq, sresp in zip(request, response.sectors, strict=True):
        if len(sresp.added) != len(sreq.added):
            raise ActorError(
                ERR_NOTIFICATION_RESPONSE_INVALID,
                f"sector change response mismatched pieces for sector {sreq.sector}",
            )
        for nreq, nresp in zip(sreq.added, sresp.added, strict=True):
            if not nresp.accepted:
                raise ActorError(
                    ERR_NOTIFICATION_REJECTED,
                    f"sector change rejected by {notifee} for sector {sreq.sector} piece {nreq.data} "
                    f"payload {nreq.payload.hex()}",
                )
