"""The JSON-RPC 2.0 server over HTTP POST, behaving as Lotus's (go-jsonrpc behind its auth handler).

- ``/rpc/v0`` and ``/rpc/v1`` serve the registry's methods of that version; single calls and batches.
- Auth: ``Authorization: Bearer <jwt>`` or ``?token=``. A token that does not verify gets HTTP 401 with an
  empty body, as Lotus's auth handler answers; a request without a token may call ``read`` methods only,
  and a call that needs more is refused with Lotus's message naming the method and the permission.
- Errors as go-jsonrpc: unreadable or oversized bodies are parse errors (-32700, id null), an unknown
  method -32601, a wrong parameter count -32602, an error raised by a method body code 1 with its text.
- ``/health/livez`` and ``/health/readyz`` answer as Lotus's (200, or 503 when not ready).

Served by hypercorn's trio worker, so the API shares the node's event loop.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, Final

import trio
from hypercorn.config import Config
from hypercorn.trio import serve as hypercorn_serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from filnet.api.auth import AuthError, check_permission, verify_token
from filnet.api.errors import (
    APPLICATION_ERROR,
    INVALID_REQUEST,
    PARSE_ERROR,
    RpcError,
    method_not_found,
    wrong_param_count,
)
from filnet.api.registry import VERSIONS, Registry
from filnet.errors import FilnetError

log = logging.getLogger(__name__)

#: go-jsonrpc's default request size limit.
MAX_REQUEST_SIZE: Final = 100 << 20
#: What a request without a token may do (Lotus ``api.DefaultPerms``).
DEFAULT_PERMS: Final = ("read",)


class RpcServer:
    """The registry's methods as a Starlette app."""

    def __init__(
        self,
        registry: Registry,
        secret: bytes,
        *,
        ready: Callable[[], bool] = lambda: True,
        max_request_size: int = MAX_REQUEST_SIZE,
    ) -> None:
        self.registry = registry
        self.secret = secret
        self.ready = ready
        self.max_request_size = max_request_size
        routes = [Route(f"/rpc/{v}", self._endpoint(v), methods=["POST"]) for v in VERSIONS]
        routes.append(Route("/health/livez", self._livez, methods=["GET"]))
        routes.append(Route("/health/readyz", self._readyz, methods=["GET"]))
        self.app = Starlette(routes=routes)

    # -- HTTP ---------------------------------------------------------------------------------------

    def _endpoint(self, version: str) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            perms = self._permissions(request)
            if perms is None:
                return Response(status_code=401)
            body = await self._read_body(request)
            if isinstance(body, RpcError):
                return JSONResponse(_error_response(None, body))
            try:
                payload = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                return JSONResponse(_error_response(None, RpcError(PARSE_ERROR, "Parse error")))
            if isinstance(payload, list):
                if not payload:
                    return JSONResponse(_error_response(None, RpcError(INVALID_REQUEST, "empty batch")))
                answers = [await self._call(version, item, perms) for item in payload]
                replies = [a for a in answers if a is not None]
                return JSONResponse(replies) if replies else Response(status_code=200)
            answer = await self._call(version, payload, perms)
            return JSONResponse(answer) if answer is not None else Response(status_code=200)

        return endpoint

    def _permissions(self, request: Request) -> list[str] | None:
        """The caller's permissions; None for a token that does not verify (HTTP 401)."""
        header = request.headers.get("authorization", "")
        if not header:
            query = request.query_params.get("token", "")
            header = f"Bearer {query}" if query else ""
        if not header:
            return list(DEFAULT_PERMS)
        if not header.startswith("Bearer "):
            log.warning("missing Bearer prefix in auth header")
            return None
        try:
            return verify_token(self.secret, header.removeprefix("Bearer "))
        except AuthError as e:
            log.warning("JWT verification failed (from %s): %s", request.client, e)
            return None

    async def _read_body(self, request: Request) -> bytes | RpcError:
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_request_size:
                return RpcError(PARSE_ERROR, f"request bigger than maximum {self.max_request_size} allowed")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _livez(self, request: Request) -> Response:
        return PlainTextResponse("")

    async def _readyz(self, request: Request) -> Response:
        return PlainTextResponse("") if self.ready() else PlainTextResponse("not ready", status_code=503)

    # -- JSON-RPC -----------------------------------------------------------------------------------

    async def _call(self, version: str, request: Any, perms: list[str]) -> dict[str, Any] | None:
        """The response to one request object; None for a notification."""
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            return _error_response(None, RpcError(INVALID_REQUEST, "invalid request: expected a method name"))
        request_id = request.get("id")
        is_notification = "id" not in request
        name: str = request["method"]
        if name == "rpc.discover":
            name = "Filecoin.Discover"
        spec = self.registry.get(version, name)
        if spec is None:
            return _error_response(request_id, method_not_found(request["method"]))
        params = request.get("params", [])
        if params is None:
            params = []
        if not isinstance(params, list):
            return _error_response(
                request_id, RpcError(PARSE_ERROR, "unmarshaling param array: not an array")
            )
        if len(params) != len(spec.params):
            return _error_response(request_id, wrong_param_count(name, len(params), len(spec.params)))
        try:
            check_permission(name, spec.perm, perms)
            result = await spec.handler(*params)
        except FilnetError as e:
            log.info("error in RPC call to %r: %s", name, e)
            return (
                None if is_notification else _error_response(request_id, RpcError(APPLICATION_ERROR, str(e)))
            )
        except trio.Cancelled:
            raise
        except Exception as e:  # a bug in a method body must not take the server down
            log.exception("fatal error calling %r", name)
            return (
                None
                if is_notification
                else _error_response(
                    request_id, RpcError(APPLICATION_ERROR, f"fatal error calling '{name}': {e}")
                )
            )
        if is_notification:
            return None
        return {"jsonrpc": "2.0", "id": request_id, "result": result}


def _error_response(request_id: Any, error: RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": error.to_json()}


async def serve(
    server: RpcServer,
    host: str,
    port: int,
    *,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve until cancelled; report the bound port (``port`` 0: the OS chooses) through ``task_status``."""
    config = Config()
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.accesslog = None
    config.errorlog = log
    config.graceful_timeout = 1.0

    async def started(*, task_status: trio.TaskStatus[list[str]]) -> None:
        await hypercorn_serve(server.app, config, task_status=task_status)  # type: ignore[arg-type]

    async with trio.open_nursery() as nursery:
        binds = await nursery.start(started)
        task_status.started(int(binds[0].rsplit(":", 1)[1]))
