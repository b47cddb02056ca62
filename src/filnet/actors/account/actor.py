"""The account actor's methods (builtin-actors ``fil_actor_account``).

An account is created by the VM on the first send to a new f1/f3 address; its state is that key address.
``AuthenticateMessage`` (FRC-42 exported) lets other actors, such as payment channels, check a signature
made by the account's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from filnet.actors import manifest
from filnet.actors.account.methods import Method
from filnet.actors.account.state import AccountState
from filnet.actors.encoding import as_address, as_bytes, fields
from filnet.actors.shared import accept_exported_methods
from filnet.core.address import Address, Protocol
from filnet.crypto.signature import Signature, SignatureType
from filnet.errors import FilnetError
from filnet.vm.dispatch import ActorCode
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime, decode_params, encode_return, require_no_params

SYSTEM_ACTOR = Address.new_id(0)

_SIGNATURE_TYPES = {Protocol.SECP256K1: SignatureType.SECP256K1, Protocol.BLS: SignatureType.BLS}


@dataclass(frozen=True, slots=True)
class AuthenticateMessageParams:
    """A signature (without its type byte) and the message it signs."""

    signature: bytes
    message: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.signature, self.message]

    @classmethod
    def from_ipld(cls, raw: Any) -> AuthenticateMessageParams:
        """Parse the CBOR tuple."""
        signature, message = fields(raw, 2, "AuthenticateMessageParams")
        return cls(
            as_bytes(signature, "AuthenticateMessageParams.signature"),
            as_bytes(message, "AuthenticateMessageParams.message"),
        )


def constructor(rt: Runtime, raw: bytes) -> bytes:
    """Create the account of a key address (the params are the address, a transparent newtype)."""
    address = decode_params(raw, lambda v: as_address(v, "account ConstructorParams"), "account Constructor")
    rt.validate_immediate_caller_is(SYSTEM_ACTOR)
    if address.protocol not in _SIGNATURE_TYPES:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"address must use BLS or SECP protocol, got {address}"
        )
    rt.create_state(AccountState(address))
    return b""


def pubkey_address(rt: Runtime, raw: bytes) -> bytes:
    """The account's key address."""
    require_no_params(raw, "account PubkeyAddress")
    rt.validate_immediate_caller_accept_any()
    return encode_return(bytes(rt.state(AccountState).address))


def authenticate_message(rt: Runtime, raw: bytes) -> bytes:
    """Return true if the account's key signed the message, else abort with USR_ILLEGAL_ARGUMENT."""
    params = decode_params(raw, AuthenticateMessageParams.from_ipld, "account AuthenticateMessage")
    rt.validate_immediate_caller_accept_any()
    address = rt.state(AccountState).address
    signature_type = _SIGNATURE_TYPES.get(address.protocol)
    if signature_type is None:
        raise ActorError(
            ExitCode.USR_ILLEGAL_STATE, f"account address must use BLS or SECP protocol, got {address}"
        )
    try:
        signature = Signature(signature_type, params.signature)
    except FilnetError as e:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"malformed signature: {e}") from None
    if not rt.verify_signature(signature, address, params.message):
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "signature verification failed")
    return encode_return(True)


# Since builtin-actors v11 the account has no receiver hook of its own: its ``fallback`` accepts every FRC-42
# exported method, ``Receive`` (FRC-46 token notifications) among them.
ACTOR = ActorCode(
    manifest.ACCOUNT,
    {
        Method.CONSTRUCTOR: constructor,
        Method.PUBKEY_ADDRESS: pubkey_address,
        Method.AUTHENTICATE_MESSAGE_EXPORTED: authenticate_message,
    },
    accept_exported_methods,
)
