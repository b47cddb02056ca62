"""Payment channel actor method numbers (builtin-actors ``fil_actor_paych::Method``)."""

from __future__ import annotations

from enum import IntEnum


class Method(IntEnum):
    """Methods of the payment channel actor."""

    CONSTRUCTOR = 1
    UPDATE_CHANNEL_STATE = 2
    SETTLE = 3
    COLLECT = 4
