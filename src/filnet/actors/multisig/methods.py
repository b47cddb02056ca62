"""Multisig actor method numbers (builtin-actors ``fil_actor_multisig::Method``)."""

from __future__ import annotations

from enum import IntEnum

from filnet.core.frc42 import method_number


class Method(IntEnum):
    """Methods of the multisig actor."""

    CONSTRUCTOR = 1
    PROPOSE = 2
    APPROVE = 3
    CANCEL = 4
    ADD_SIGNER = 5
    REMOVE_SIGNER = 6
    SWAP_SIGNER = 7
    CHANGE_NUM_APPROVALS_THRESHOLD = 8
    LOCK_BALANCE = 9
    UNIVERSAL_RECEIVER_HOOK = method_number("Receive")
