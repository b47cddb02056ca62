"""The API's methods, each declared once: Lotus name, parameters, permission, versions and doc.

A method body is an async callable taking the call's positional JSON parameters (already counted against
the declaration) and returning a JSON value; it decodes its parameters with ``filnet.chain.lotus_json``
and raises ``FilnetError`` subclasses for bad input, which the server returns as application errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from filnet.api.auth import PERMISSIONS
from filnet.errors import InvalidInput

Handler = Callable[..., Awaitable[Any]]
#: The API versions a method may be served under (``/rpc/v0``, ``/rpc/v1``).
VERSIONS: Final = ("v0", "v1")


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """One API method."""

    name: str
    perm: str
    params: tuple[str, ...]
    doc: str
    handler: Handler
    versions: frozenset[str]


class Registry:
    """Methods by version and name."""

    def __init__(self) -> None:
        self._methods: dict[str, dict[str, MethodSpec]] = {v: {} for v in VERSIONS}

    def add(
        self,
        name: str,
        handler: Handler,
        *,
        perm: str,
        params: tuple[str, ...] = (),
        doc: str,
        versions: tuple[str, ...] = VERSIONS,
    ) -> MethodSpec:
        """Declare ``name`` (e.g. ``Filecoin.ChainHead``); InvalidInput on a duplicate or bad declaration."""
        if perm not in PERMISSIONS:
            raise InvalidInput(f"method {name}: unknown permission {perm!r}")
        if not doc:
            raise InvalidInput(f"method {name}: a doc line is required")
        spec = MethodSpec(name, perm, params, doc, handler, frozenset(versions))
        for version in versions:
            table = self._methods.get(version)
            if table is None:
                raise InvalidInput(f"method {name}: unknown API version {version!r}")
            if name in table:
                raise InvalidInput(f"method {name} is declared twice in {version}")
            table[name] = spec
        return spec

    def method(
        self,
        name: str,
        *,
        perm: str,
        params: tuple[str, ...] = (),
        doc: str,
        versions: tuple[str, ...] = VERSIONS,
    ) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add`."""

        def register(handler: Handler) -> Handler:
            self.add(name, handler, perm=perm, params=params, doc=doc, versions=versions)
            return handler

        return register

    def get(self, version: str, name: str) -> MethodSpec | None:
        """The method ``name`` of ``version``, if served."""
        return self._methods.get(version, {}).get(name)

    def specs(self, version: str) -> Iterator[MethodSpec]:
        """Every method of ``version``, by name."""
        table = self._methods.get(version, {})
        for name in sorted(table):
            yield table[name]

    def discover(self, version: str) -> dict[str, Any]:
        """An OpenRPC-style description of ``version`` (what ``rpc.discover`` returns)."""
        return {
            "openrpc": "1.2.6",
            "info": {"title": "filnet", "version": version},
            "methods": [
                {
                    "name": spec.name,
                    "description": spec.doc,
                    "params": [{"name": p} for p in spec.params],
                    "x-permission": spec.perm,
                }
                for spec in self.specs(version)
            ],
        }
