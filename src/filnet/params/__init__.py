"""Network profiles: every policy value a chain depends on, chosen once at start-up and passed in explicitly.

``mainnet``, ``calibnet`` and ``devnet`` are frozen :class:`NetworkParams` values (see :mod:`.network`);
nothing here is read from the environment or a build flag.
"""

from __future__ import annotations

from filnet.params.network import (
    CALIBNET,
    DEVNET,
    MAINNET,
    PROFILES,
    ActorPolicy,
    NetworkParams,
    VestSpec,
    network_params,
)

__all__ = [
    "CALIBNET",
    "DEVNET",
    "MAINNET",
    "PROFILES",
    "ActorPolicy",
    "NetworkParams",
    "VestSpec",
    "network_params",
]
