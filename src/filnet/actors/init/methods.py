"""Init actor method numbers (builtin-actors ``fil_actor_init::Method``)."""

from __future__ import annotations

from enum import IntEnum

from filnet.core.frc42 import method_number


class Method(IntEnum):
    """Methods of the init actor."""

    CONSTRUCTOR = 1
    EXEC = 2
    EXEC4 = 3
    EXEC_EXPORTED = method_number("Exec")
