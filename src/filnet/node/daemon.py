"""``filnet daemon``: a full node on trio, serving Lotus's JSON-RPC API from its repository.

Start-up: take the repository lock, open the chain store (importing the genesis CAR on first start), open
the message pool, bind the API (port 0: the OS chooses), then publish ``api`` and ``token`` in the repository
as Lotus does. SIGINT, SIGTERM and ``Filecoin.Shutdown`` stop it cleanly: the API files are withdrawn and
the stores closed. Everything the chain store reported applied is in LMDB, so after kill -9 the node
restarts at the head it had.
"""

from __future__ import annotations

import logging
import signal
from dataclasses import dataclass, replace
from pathlib import Path

import trio

from filnet.api.full import full_node_registry
from filnet.api.server import RpcServer, serve
from filnet.chain.store import ChainStore
from filnet.errors import InvalidInput, NotFound
from filnet.node.chain import NodeChain
from filnet.node.full import FullNode
from filnet.node.repo import NodeRepo, RepoConfig
from filnet.params import network_params
from filnet.params.network import NetworkParams

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DaemonOptions:
    """What ``filnet daemon`` was asked for; None keeps the repository's setting."""

    repo: Path
    network: str | None = None
    genesis: Path | None = None
    api: str | None = None
    block_delay_seconds: int | None = None


def _listen(api: str) -> tuple[str, int]:
    """``HOST:PORT`` or an API multiaddr ``/ip4/HOST/tcp/PORT[/http]`` as host and port."""
    if api.startswith("/"):
        parts = api.strip("/").split("/")
        if len(parts) < 4 or parts[0] not in ("ip4", "ip6") or parts[2] != "tcp" or not parts[3].isdigit():
            raise InvalidInput(f"--api {api!r}: expected HOST:PORT or /ip4/HOST/tcp/PORT/http")
        return parts[1], int(parts[3])
    host, sep, port = api.rpartition(":")
    if not sep or not port.isdigit():
        raise InvalidInput(f"--api {api!r}: expected HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


def _multiaddr(host: str, port: int) -> str:
    return f"/{'ip6' if ':' in host else 'ip4'}/{host}/tcp/{port}/http"


def open_config(repo: NodeRepo, options: DaemonOptions) -> RepoConfig:
    """The repository's config with the command line's choices applied (and saved on first start)."""
    if not repo.exists():
        listen = options.api or "127.0.0.1:1234"
        host, port = _listen(listen)
        repo.init(
            RepoConfig(_multiaddr(host, port), options.network or "devnet", options.block_delay_seconds)
        )
    else:
        repo.init()
    config = repo.config()
    if options.network is not None and options.network != config.network:
        raise InvalidInput(
            f"repository {repo.path} belongs to network {config.network!r}, not {options.network!r}"
        )
    if options.api is not None:
        host, port = _listen(options.api)
        config = replace(config, listen_address=_multiaddr(host, port))
    if options.block_delay_seconds is not None:
        config = replace(config, block_delay_seconds=options.block_delay_seconds)
    return config


def chain_params(config: RepoConfig) -> NetworkParams:
    """The network profile of ``config`` with its block delay."""
    params = network_params(config.network)
    if config.block_delay_seconds is not None:
        params = replace(params, block_delay_seconds=config.block_delay_seconds)
    return params


def open_node(repo: NodeRepo, config: RepoConfig, genesis: Path | None) -> FullNode:
    """Open the chain (importing ``genesis`` when the store is new) and the node over it."""
    store = ChainStore(repo.chain_dir)
    try:
        try:
            store.genesis()
            if genesis is not None:
                NodeChain.import_genesis(store, genesis)  # refuses a different genesis
        except NotFound:
            if genesis is None:
                raise InvalidInput(
                    f"the chain in {repo.chain_dir} is empty: start the daemon once with --genesis FILE.car"
                ) from None
            NodeChain.import_genesis(store, genesis)
        chain = NodeChain(store, chain_params(config))
        chain.executed_state(chain.head())  # a damaged store fails here, at start-up, naming the object
        return FullNode(repo, chain)
    except BaseException:
        store.close()
        raise


async def run_daemon(
    options: DaemonOptions, *, task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED
) -> None:
    """Run the node until SIGINT, SIGTERM or ``Filecoin.Shutdown``; reports the API multiaddr when ready."""
    repo = NodeRepo(options.repo)
    with repo.locked():
        config = open_config(repo, options)
        node = open_node(repo, config, options.genesis)
        try:
            async with trio.open_nursery() as nursery:
                registry = full_node_registry(node, on_shutdown=nursery.cancel_scope.cancel)
                server = RpcServer(registry, repo.jwt_secret())
                host, port = _listen(config.listen_address)
                bound = await nursery.start(serve, server, host, port)
                address = _multiaddr(host, bound)
                repo.write_api(address, repo.create_token("admin"))
                log.info("filnet daemon: API at %s, head at height %d", address, node.chain.head().height)
                nursery.start_soon(_stop_on_signal, nursery.cancel_scope)
                task_status.started(address)
        finally:
            repo.remove_api()
            node.close()


async def _stop_on_signal(scope: trio.CancelScope) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            log.info("filnet daemon: %s, stopping", signal.Signals(signum).name)
            scope.cancel()
            return
