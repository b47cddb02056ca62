"""Exit codes of message execution, with Filecoin's numbers (fvm_shared ``ExitCode``).

Codes below 16 belong to the VM: an actor that aborts with one of them is itself an error
(``SYS_ILLEGAL_EXIT_CODE``). Codes from 16 up are the actors' own calling convention. 3 and 8 are reserved:
before the FVM they meant "invalid method" and "forbidden", which actors now report as
``USR_UNHANDLED_MESSAGE`` and ``USR_FORBIDDEN``.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

from filnet.errors import FilnetError

FIRST_USER_EXIT_CODE: Final = 16
#: Codes from here up mean what each actor says they mean (builtin-actors ``FIRST_ACTOR_SPECIFIC_EXIT_CODE``).
FIRST_ACTOR_SPECIFIC_EXIT_CODE: Final = 32


class ExitCode(IntEnum):
    """Why a message (or an inner send) stopped; ``OK`` is success."""

    OK = 0
    SYS_SENDER_INVALID = 1
    SYS_SENDER_STATE_INVALID = 2
    SYS_ILLEGAL_INSTRUCTION = 4
    SYS_INVALID_RECEIVER = 5
    SYS_INSUFFICIENT_FUNDS = 6
    SYS_OUT_OF_GAS = 7
    SYS_ILLEGAL_EXIT_CODE = 9
    SYS_ASSERTION_FAILED = 10
    SYS_MISSING_RETURN = 11

    USR_ILLEGAL_ARGUMENT = 16
    USR_NOT_FOUND = 17
    USR_FORBIDDEN = 18
    USR_INSUFFICIENT_FUNDS = 19
    USR_ILLEGAL_STATE = 20
    USR_SERIALIZATION = 21
    USR_UNHANDLED_MESSAGE = 22
    USR_UNSPECIFIED = 23
    USR_ASSERTION_FAILED = 24

    @classmethod
    def _missing_(cls, value: object) -> ExitCode | None:
        """Actor-specific codes (32 and up, u32) are members too, named ``ACTOR_<n>``, made on first use."""
        if type(value) is not int or not FIRST_ACTOR_SPECIFIC_EXIT_CODE <= value <= 0xFFFFFFFF:
            return None
        member = int.__new__(cls, value)
        member._name_ = f"ACTOR_{value}"
        member._value_ = value
        # cache it so that ExitCode(n) is ExitCode(n), as for the named members
        return cls._value2member_map_.setdefault(value, member)  # type: ignore[return-value]

    @property
    def is_success(self) -> bool:
        """Whether this is ``OK``."""
        return self is ExitCode.OK

    @property
    def is_system(self) -> bool:
        """Whether only the VM may produce this code (``OK`` included, as in fvm_shared)."""
        return self < FIRST_USER_EXIT_CODE


class ActorError(FilnetError):
    """An actor aborted: the exit code it aborted with and why."""

    def __init__(self, exit_code: ExitCode, message: str) -> None:
        self.exit_code = exit_code
        self.reason = message
        super().__init__(f"{exit_code.name} ({int(exit_code)}): {message}")
