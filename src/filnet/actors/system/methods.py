"""System actor method numbers (builtin-actors ``fil_actor_system::Method``)."""

from __future__ import annotations

from enum import IntEnum


class Method(IntEnum):
    """Methods of the system actor."""

    CONSTRUCTOR = 1
