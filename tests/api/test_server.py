"""The JSON-RPC server on a real socket: dispatch, permissions, Lotus's error codes, bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import trio

from filnet.api.auth import create_token, perms_up_to
from filnet.api.registry import Registry
from filnet.api.server import RpcServer, serve
from filnet.errors import InvalidInput

SECRET = b"s" * 32


def _registry() -> Registry:
    registry = Registry()

    @registry.method("Filecoin.Echo", perm="read", params=("value",), doc="Return the value.")
    async def echo(value: Any) -> Any:
        return value

    @registry.method("Filecoin.Spend", perm="sign", doc="A method that needs the sign permission.")
    async def spend() -> str:
        return "spent"

    @registry.method("Filecoin.Fail", perm="read", doc="Always fails.", versions=("v1",))
    async def fail() -> None:
        raise InvalidInput("bad address 'x'")

    @registry.method("Filecoin.Crash", perm="read", doc="A bug in a method body.")
    async def crash() -> None:
        raise ZeroDivisionError("boom")

    registry.add(
        "Filecoin.Discover", _discover(registry), perm="read", doc="Describe the API.", versions=("v1",)
    )
    return registry


def _discover(registry: Registry) -> Any:
    async def discover() -> dict[str, Any]:
        return registry.discover("v1")

    return discover


@pytest.fixture
async def client(nursery: trio.Nursery) -> AsyncIterator[httpx.AsyncClient]:
    server = RpcServer(_registry(), SECRET, max_request_size=4096)
    port = await nursery.start(serve, server, "127.0.0.1", 0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        yield http
    nursery.cancel_scope.cancel()


async def _rpc(
    http: httpx.AsyncClient, method: str, *params: Any, token: str | None = None
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": list(params)}
    response = await http.post("/rpc/v1", json=body, headers=headers)
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.trio
async def test_calls_and_permissions(client: httpx.AsyncClient) -> None:
    assert await _rpc(client, "Filecoin.Echo", {"/": "x"}) == {
        "jsonrpc": "2.0",
        "id": 7,
        "result": {"/": "x"},
    }
    refused = await _rpc(client, "Filecoin.Spend")
    assert refused["error"] == {
        "code": 1,
        "message": "missing permission to invoke 'Filecoin.Spend' (need 'sign')",
    }
    allowed = await _rpc(client, "Filecoin.Spend", token=create_token(SECRET, perms_up_to("sign")))
    assert allowed["result"] == "spent"
    by_query = await client.post(
        "/rpc/v1",
        params={"token": create_token(SECRET, perms_up_to("admin"))},
        json={"jsonrpc": "2.0", "id": 1, "method": "Filecoin.Spend", "params": []},
    )
    assert by_query.json()["result"] == "spent"
    # garbage, a token signed with another secret, no Bearer: 401 as Lotus's auth handler; still serving
    for header in ("Bearer x.y.z", "Bearer " + create_token(b"o" * 32, ["admin"]), "Basic abc"):
        rejected = await client.post("/rpc/v1", json={}, headers={"Authorization": header})
        assert rejected.status_code == 401 and rejected.content == b""
    assert (await _rpc(client, "Filecoin.Echo", 1))["result"] == 1


@pytest.mark.trio
async def test_errors_have_go_jsonrpc_codes_and_messages(client: httpx.AsyncClient) -> None:
    assert (await _rpc(client, "Filecoin.Nope"))["error"] == {
        "code": -32601,
        "message": "method 'Filecoin.Nope' not found",
    }
    assert (await _rpc(client, "Filecoin.Echo"))["error"] == {
        "code": -32602,
        "message": "wrong param count (method 'Filecoin.Echo'): 0 != 1",
    }
    assert (await _rpc(client, "Filecoin.Fail"))["error"] == {"code": 1, "message": "bad address 'x'"}
    crashed = await _rpc(client, "Filecoin.Crash")
    assert (
        crashed["error"]["code"] == 1
        and "fatal error calling 'Filecoin.Crash'" in crashed["error"]["message"]
    )
    # v0 does not serve a v1-only method
    v0 = await client.post(
        "/rpc/v0", json={"jsonrpc": "2.0", "id": 1, "method": "Filecoin.Fail", "params": []}
    )
    assert v0.json()["error"]["code"] == -32601

    malformed = await client.post("/rpc/v1", content=b"{not json")
    assert malformed.json() == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32700, "message": "Parse error"},
    }
    oversized = await client.post("/rpc/v1", content=b"[" + b" " * 5000 + b"]")
    assert oversized.json()["error"] == {
        "code": -32700,
        "message": "request bigger than maximum 4096 allowed",
    }
    not_a_list = await client.post(
        "/rpc/v1", json={"jsonrpc": "2.0", "id": 2, "method": "Filecoin.Echo", "params": 5}
    )
    assert not_a_list.json()["error"]["code"] == -32700
    assert (await client.post("/rpc/v1", json=[])).json()["error"]["code"] == -32600
    assert (await client.post("/rpc/v1", json={"id": 3})).json()["error"]["code"] == -32600
    assert (await _rpc(client, "Filecoin.Echo", "still up"))["result"] == "still up"


@pytest.mark.trio
async def test_batches_notifications_discovery_and_health(client: httpx.AsyncClient) -> None:
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "Filecoin.Echo", "params": ["a"]},
        {"jsonrpc": "2.0", "method": "Filecoin.Echo", "params": ["notification"]},
        {"jsonrpc": "2.0", "id": 2, "method": "Filecoin.Nope", "params": []},
    ]
    replies = (await client.post("/rpc/v1", json=batch)).json()
    assert [r["id"] for r in replies] == [1, 2] and replies[0]["result"] == "a"
    assert replies[1]["error"]["code"] == -32601
    notified = await client.post("/rpc/v1", json={"jsonrpc": "2.0", "method": "Filecoin.Echo", "params": [1]})
    assert notified.status_code == 200 and notified.content == b""

    doc = (await _rpc(client, "rpc.discover"))["result"]
    names = [m["name"] for m in doc["methods"]]
    assert "Filecoin.Echo" in names and "Filecoin.Discover" in names
    assert next(m for m in doc["methods"] if m["name"] == "Filecoin.Spend")["x-permission"] == "sign"

    assert (await client.get("/health/livez")).status_code == 200
    assert (await client.get("/health/readyz")).status_code == 200


def test_registry_refuses_bad_declarations() -> None:
    registry = _registry()

    async def body() -> None:
        return None

    with pytest.raises(InvalidInput, match="declared twice"):
        registry.add("Filecoin.Echo", body, perm="read", doc="again")
    with pytest.raises(InvalidInput, match="unknown permission"):
        registry.add("Filecoin.X", body, perm="root", doc="x")
    with pytest.raises(InvalidInput, match="doc"):
        registry.add("Filecoin.Y", body, perm="read", doc="")
