"""The API client: finding the node as Lotus's commands do, calls and errors against a real server."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import trio

from filnet.api.apiinfo import ApiInfo
from filnet.api.client import ApiClient, NodeUnreachable, find_api
from filnet.api.errors import RpcError
from filnet.api.registry import Registry
from filnet.api.server import RpcServer, serve
from filnet.errors import NotFound
from filnet.node.repo import NodeRepo


@pytest.mark.trio
async def test_calls_reach_the_server_and_errors_come_back(nursery: trio.Nursery, tmp_path: Path) -> None:
    repo = NodeRepo(tmp_path)
    repo.init()
    registry = Registry()

    @registry.method("Filecoin.Version", perm="read", doc="The version.")
    async def version() -> dict[str, object]:
        return {"Version": "filnet", "APIVersion": 131840}

    @registry.method("Filecoin.WalletNew", perm="write", params=("type",), doc="A new key.")
    async def wallet_new(key_type: str) -> str:
        return f"t1-{key_type}"

    port = await nursery.start(serve, RpcServer(registry, repo.jwt_secret()), "127.0.0.1", 0)
    repo.write_api(f"/ip4/127.0.0.1/tcp/{port}/http", repo.create_token("admin"))

    def session() -> None:
        with ApiClient(find_api(tmp_path)) as client:
            assert client.call("Version")["APIVersion"] == 131840
            assert client.call("Filecoin.WalletNew", "secp256k1") == "t1-secp256k1"
            with pytest.raises(RpcError, match="wrong param count"):
                client.call("WalletNew")
        anonymous = ApiInfo(f"/ip4/127.0.0.1/tcp/{port}/http", None)
        with ApiClient(anonymous) as client, pytest.raises(RpcError, match="need 'write'"):
            client.call("WalletNew", "bls")
        with ApiClient(ApiInfo(anonymous.addr, "x.y.z")) as client, pytest.raises(RpcError, match="401"):
            client.call("Version")

    await trio.to_thread.run_sync(session)
    nursery.cancel_scope.cancel()


def test_find_api_prefers_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FULLNODE_API_INFO", "a.b.c:/ip4/127.0.0.1/tcp/1/http")
    assert find_api(tmp_path) == ApiInfo("/ip4/127.0.0.1/tcp/1/http", "a.b.c")
    monkeypatch.delenv("FULLNODE_API_INFO")
    with pytest.raises(NotFound, match="FULLNODE_API_INFO"):
        find_api(tmp_path)


def test_an_unreachable_node_is_one_clear_error() -> None:
    with socket.socket() as sock:  # bound but never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        client = ApiClient(ApiInfo(f"/ip4/127.0.0.1/tcp/{port}/http", None), timeout=5)
        with client, pytest.raises(NodeUnreachable, match="cannot reach the node"):
            client.call("Version")
