"""A JSON-RPC client of a node's API, found as Lotus's commands find theirs.

``FULLNODE_API_INFO`` (``TOKEN:MULTIADDR``, first entry) wins; otherwise the ``api`` and ``token`` files of
the node repository (``--repo``, ``$FILNET_REPO`` or ``~/.filnet``).
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any, Final

import httpx

from filnet.api.apiinfo import ApiInfo, parse_api_info_multi
from filnet.api.errors import RpcError
from filnet.errors import FilnetError, NotFound

API_INFO_ENV: Final = "FULLNODE_API_INFO"


class NodeUnreachable(FilnetError):
    """The node's API did not answer."""


def find_api(repo: str | os.PathLike[str] | None = None) -> ApiInfo:
    """The node to talk to: ``$FULLNODE_API_INFO``, else the repository's ``api`` and ``token`` files."""
    configured = os.environ.get(API_INFO_ENV, "").strip()
    if configured:
        return parse_api_info_multi(configured)[0]
    from filnet.node.repo import NodeRepo, default_repo_path  # the repo layout lives with the node

    path = Path(repo) if repo is not None else default_repo_path()
    try:
        return NodeRepo(path).api_info()
    except NotFound:
        raise NotFound(
            f"no node found: set {API_INFO_ENV} or start a daemon on the repository {path}"
        ) from None


class ApiClient:
    """Calls ``Filecoin.*`` methods over HTTP POST; errors come back as :class:`RpcError`."""

    def __init__(self, info: ApiInfo, *, version: str = "v1", timeout: float = 30.0) -> None:
        self.info = info
        self.url = info.dial_url(version)
        self._http = httpx.Client(headers=info.auth_header(), timeout=timeout)
        self._ids = itertools.count(1)

    def call(self, method: str, *params: Any) -> Any:
        """Call ``method`` (``Filecoin.`` is added to a bare name) with positional JSON params."""
        name = method if "." in method else f"Filecoin.{method}"
        request = {"jsonrpc": "2.0", "id": next(self._ids), "method": name, "params": list(params)}
        try:
            response = self._http.post(self.url, json=request)
        except httpx.HTTPError as e:
            raise NodeUnreachable(f"cannot reach the node at {self.url}: {e}") from None
        if response.status_code == 401:
            raise RpcError(401, f"the node at {self.url} refused the API token (401)")
        if response.status_code != 200:
            raise NodeUnreachable(f"the node at {self.url} answered HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise NodeUnreachable(
                f"the node at {self.url} answered with something that is not JSON"
            ) from None
        if not isinstance(answer, dict):
            raise NodeUnreachable(f"the node at {self.url} answered with a malformed JSON-RPC response")
        if "error" in answer:
            raise RpcError.from_json(answer["error"])
        return answer.get("result")

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
