"""Which Python code runs an actor: a registry from builtin-actor names to method tables.

Each actor package ``filnet.actors.<package>`` provides a module ``actor.py`` with a module-level
``ACTOR = ActorCode(name, {method number: handler, …})``; the registry imports it the first time the VM
calls an actor of that name, so new actors plug in by adding their package and a line to ``PACKAGES``
(or by :func:`register` in tests) without touching the VM. Code CIDs map to names through the state's
builtin-actor manifest.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from filnet.actors import manifest
from filnet.core.frc42 import FIRST_EXPORTED_METHOD
from filnet.core.types import MethodNum
from filnet.errors import FilnetError, NotFound
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime

Handler = Callable[[Runtime, bytes], bytes]
"""An actor method: the runtime and the raw CBOR params (empty when none) to the raw return bytes."""
FallbackHandler = Callable[[Runtime, int, bytes], bytes]
"""Runs a method number an actor has no handler for: the runtime, the method number and the raw params."""

PACKAGES: Final[Mapping[str, str]] = {
    manifest.SYSTEM: "system",
    manifest.INIT: "init",
    manifest.CRON: "cron",
    manifest.ACCOUNT: "account",
    manifest.REWARD: "reward",
    manifest.MULTISIG: "multisig",
    manifest.PAYCH: "paych",
    manifest.POWER: "power",
    manifest.MINER: "miner",
    manifest.MARKET: "market",
    manifest.VERIFREG: "verifreg",
    manifest.DATACAP: "datacap",
    manifest.PLACEHOLDER: "placeholder",
    manifest.EVM: "evm",
    manifest.EAM: "eam",
    manifest.ETHACCOUNT: "ethaccount",
}
"""Builtin-actor name -> package under ``filnet.actors``."""


class FatalVMError(NotFound):
    """The VM cannot go on (an actor whose code filnet cannot run): never turned into an exit code."""


def restrict_internal_api(rt: Runtime, method: int) -> None:
    """USR_FORBIDDEN when a method below the FRC-42 range is called by anything but a builtin actor other
    than an EVM contract (builtin-actors ``restrict_internal_api``, which its dispatch runs first)."""
    if method >= FIRST_EXPORTED_METHOD:
        return
    name = rt.actor_name(rt.caller)
    if name is None:
        raise ActorError(ExitCode.USR_FORBIDDEN, f"no code for caller {rt.caller} of method {method}")
    if name in (manifest.EVM, manifest.UNKNOWN):
        raise ActorError(ExitCode.USR_FORBIDDEN, f"caller {rt.caller} of method {method} must be built-in")


@dataclass(frozen=True, slots=True)
class ActorCode:
    """An actor implementation: its manifest name and its handlers by method number.

    Invoking a method first restricts the internal API (methods below the FRC-42 range) to builtin
    callers, unless ``restricted`` is off (the EVM and EAM actors), then runs the handler. A handler that
    fails on broken state with some other :class:`FilnetError` (a block that does not decode, a collection
    that does not load) aborts with USR_ILLEGAL_STATE, as builtin-actors maps such errors, so nothing but
    an :class:`ActorError` (or a :class:`FatalVMError`) ever leaves an actor.
    """

    name: str
    methods: Mapping[int, Handler]
    #: Runs methods the table lacks (builtin-actors' ``fallback``: e.g. multisig accepts any FRC-42 method).
    fallback: FallbackHandler | None = None
    restricted: bool = True

    def invoke(self, rt: Runtime, method: MethodNum | int, params: bytes) -> bytes:
        """Run ``method``; USR_UNHANDLED_MESSAGE when the actor has no such method and no fallback."""
        number = int(method)
        if self.restricted:
            restrict_internal_api(rt, number)
        handler = self.methods.get(number)
        try:
            if handler is None:
                if self.fallback is not None:
                    return self.fallback(rt, number, params)
                raise ActorError(
                    ExitCode.USR_UNHANDLED_MESSAGE, f"invalid method: {number} ({self.name} actor)"
                )
            return handler(rt, params)
        except (ActorError, FatalVMError):
            raise
        except FilnetError as e:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"{self.name} method {number}: {e}") from e


_REGISTRY: dict[str, ActorCode] = {}


def register(code: ActorCode) -> None:
    """Make ``code`` the implementation of actors named ``code.name`` (replacing any other)."""
    _REGISTRY[code.name] = code


def actor_code(name: str) -> ActorCode:
    """The implementation of the actor named ``name``, importing its package's ``actor`` module on first use.

    Raises :class:`NotFound` when filnet has no implementation of that actor.
    """
    code = _REGISTRY.get(name)
    if code is not None:
        return code
    package = PACKAGES.get(name)
    if package is None:
        raise NotFound(f"no actor implementation named {name!r}")
    try:
        module = importlib.import_module(f"filnet.actors.{package}.actor")
    except ModuleNotFoundError as e:
        if e.name != f"filnet.actors.{package}.actor" and e.name != f"filnet.actors.{package}":
            raise
        raise NotFound(f"the {name} actor is not implemented (no filnet.actors.{package}.actor)") from None
    found = getattr(module, "ACTOR", None)
    if not isinstance(found, ActorCode) or found.name != name:
        raise NotFound(f"filnet.actors.{package}.actor does not define ACTOR = ActorCode({name!r}, …)")
    _REGISTRY[name] = found
    return found
