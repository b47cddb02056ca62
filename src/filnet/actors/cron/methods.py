"""Cron actor method numbers (builtin-actors ``fil_actor_cron::Method``)."""

from __future__ import annotations

from enum import IntEnum


class Method(IntEnum):
    """Methods of the cron actor."""

    CONSTRUCTOR = 1
    EPOCH_TICK = 2
