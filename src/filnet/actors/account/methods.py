"""Account actor method numbers (builtin-actors ``fil_actor_account::Method``)."""

from __future__ import annotations

from enum import IntEnum

from filnet.core.frc42 import method_number


class Method(IntEnum):
    """Methods of the account actor."""

    CONSTRUCTOR = 1
    PUBKEY_ADDRESS = 2
    AUTHENTICATE_MESSAGE_EXPORTED = method_number("AuthenticateMessage")
    # No ``Receive`` since v11: the actor's fallback accepts every exported method.
