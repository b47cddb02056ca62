"""Helpers the builtin actors share (builtin-actors ``runtime/src/builtin/shared.rs``)."""

from __future__ import annotations

from typing import Final

from filnet.core.address import Address, Protocol
from filnet.core.frc42 import FIRST_EXPORTED_METHOD
from filnet.core.token import ZERO
from filnet.core.types import MethodNum
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime

#: Method 0: a plain value transfer, which every actor accepts without running code.
METHOD_SEND: Final = MethodNum(0)


def resolve_to_actor_id(rt: Runtime, address: Address, check_existence: bool) -> Address:
    """The ID address of ``address``; a key address with no actor yet gets its account made by a zero send.

    With ``check_existence``, USR_NOT_FOUND unless an actor lives there (an ID address resolves to itself
    whether or not it exists, as in the FVM).
    """
    resolved = address if address.protocol is Protocol.ID else rt.resolve_address(address)
    if resolved is None:
        rt.send(address, METHOD_SEND, b"", ZERO).unwrap(f"failed to send zero balance to address {address}")
        resolved = rt.resolve_address(address)
        if resolved is None:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, f"failed to resolve or initialize address {address}"
            )
    if check_existence and rt.actor_name(resolved) is None:
        raise ActorError(ExitCode.USR_NOT_FOUND, f"no code for address {address}")
    return resolved


def accept_exported_methods(rt: Runtime, method: int, raw: bytes) -> bytes:
    """The fallback of actors that accept any FRC-42 exported method (token notifications and the like)
    and do nothing; lower method numbers they lack are USR_UNHANDLED_MESSAGE (builtin-actors ``fallback``
    of the account, ethaccount and multisig actors)."""
    rt.validate_immediate_caller_accept_any()
    if method >= FIRST_EXPORTED_METHOD:
        return b""
    raise ActorError(ExitCode.USR_UNHANDLED_MESSAGE, f"invalid method: {method}")
