"""Commands that run or talk to a node: ``daemon``, ``miner``, ``devnet``, ``chain``, ``send``, ``mpool``.

Commands that talk to a node find it as Lotus's do: ``FULLNODE_API_INFO``, else the ``api`` and ``token``
files of the repository (``--repo``, ``$FILNET_REPO`` or ``~/.filnet``).
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from filnet.cli.common import emit_json, json_option
from filnet.errors import InvalidInput

_REPO = click.option(
    "--repo",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Node repository (default $FILNET_REPO or ~/.filnet).",
)


def _logging(verbose: bool = True) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _client(repo: Path | None) -> Any:
    from filnet.api.client import ApiClient, find_api

    return ApiClient(find_api(repo))


# -- daemon -------------------------------------------------------------------------------------------------


@click.command("daemon")
@_REPO
@click.option(
    "--network", default=None, help="Network profile of a new repository (devnet, calibnet, mainnet)."
)
@click.option("--genesis", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Genesis CAR.")
@click.option("--api", "api", default=None, help="Where the API listens: HOST:PORT (port 0: any free port).")
@click.option("--block-delay", type=click.IntRange(min=1), default=None, help="Seconds between epochs.")
def daemon(
    repo: Path | None, network: str | None, genesis: Path | None, api: str | None, block_delay: int | None
) -> None:
    """Run a full node with Lotus's JSON-RPC API until Ctrl-C or SIGTERM."""
    import trio

    from filnet.node.daemon import DaemonOptions, run_daemon
    from filnet.node.repo import default_repo_path

    _logging()
    options = DaemonOptions(repo or default_repo_path(), network, genesis, api, block_delay)
    trio.run(run_daemon, options)


# -- miner --------------------------------------------------------------------------------------------------


@click.group("miner")
def miner() -> None:
    """Block production for a miner with pre-sealed or proven sectors."""


@miner.command("run")
@click.option(
    "--repo",
    "miner_repo",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Miner repository.",
)
@click.option(
    "--node-repo",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The node's repository.",
)
def miner_run(miner_repo: Path, node_repo: Path | None) -> None:
    """Mine blocks through the node's API until Ctrl-C or SIGTERM."""
    from dataclasses import replace

    from filnet.api.client import ApiClient, find_api
    from filnet.node.miner import Miner
    from filnet.node.repo import NodeRepo, RepoConfig
    from filnet.params import network_params

    _logging()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    config = NodeRepo(node_repo).config() if node_repo is not None else RepoConfig()
    with ApiClient(find_api(node_repo)) as api:
        # The node says how long an epoch is; the repository (or devnet by default) names the profile.
        delay = int(api.call("Version")["BlockDelay"])
        params = replace(network_params(config.network), block_delay_seconds=delay)
        worker = Miner.from_repo(api, params, miner_repo)
        worker.sleep = stop.wait
        logging.getLogger(__name__).info("mining as %s", worker.config.miner.encode(params.address_prefix))
        worker.run(stop.is_set)


# -- devnet -------------------------------------------------------------------------------------------------


@click.group("devnet", invoke_without_command=True)
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("devnet"),
    show_default=True,
)
@click.option("--providers", type=click.IntRange(1, 16), default=1, show_default=True)
@click.option(
    "--block-time", type=click.IntRange(min=1), default=4, show_default=True, help="Seconds per epoch."
)
@click.option("--sector-size", type=click.Choice(["2KiB", "8MiB"]), default="2KiB", show_default=True)
@click.option(
    "--detach", is_flag=True, help="Return once the chain advances; stop with 'filnet devnet stop'."
)
@click.pass_context
def devnet(
    ctx: click.Context, directory: Path, providers: int, block_time: int, sector_size: str, detach: bool
) -> None:
    """Run a local network: a node and pre-sealed providers mining blocks."""
    if ctx.invoked_subcommand is not None:
        return
    from filnet.node import devnet as dn

    if (directory / "devnet.json").exists():
        spec = dn.DevnetSpec.load(directory)
        click.echo(f"resuming the devnet in {directory} ({spec.providers} provider(s))", err=True)
    else:
        spec = dn.create_devnet(
            directory,
            providers=providers,
            block_time=block_time,
            sector_size=sector_size,
            progress=lambda line: click.echo(line, err=True),
        )
    running = dn.start_devnet(directory)
    try:
        height = dn.wait_for_height(directory, 1, timeout=30.0 + 10 * spec.block_time)
        click.echo((directory / "api-info").read_text().strip())
        click.echo(f"client wallet {spec.client.encode('t')}: key in {directory / 'client.key'}")
        click.echo(f"the chain is at height {height}; logs in {directory}/*.log", err=True)
        if detach:
            return
        click.echo("running; Ctrl-C stops the devnet", err=True)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        while not stop.is_set():
            for proc in running.processes:
                if proc.poll() is not None:
                    raise dn.DevnetError(
                        f"a devnet process (pid {proc.pid}) exited with code {proc.returncode}"
                    )
            stop.wait(0.5)
    except BaseException:
        detach = False
        raise
    finally:
        if not detach:
            running.stop()


@devnet.command("stop")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("devnet"),
    show_default=True,
)
def devnet_stop(directory: Path) -> None:
    """Stop a devnet started with --detach."""
    from filnet.node.devnet import stop_devnet

    pids = stop_devnet(directory)
    click.echo(f"stopped {len(pids)} process(es)")


# -- chain, send, mpool -------------------------------------------------------------------------------------


@click.group("chain")
def chain() -> None:
    """Read the node's chain."""


@chain.command("head")
@_REPO
@json_option
def chain_head(repo: Path | None, as_json: bool) -> None:
    """The head tipset's block CIDs (and height)."""
    with _client(repo) as api:
        head = api.call("ChainHead")
    if as_json:
        emit_json(head)
        return
    for cid in head["Cids"]:
        click.echo(cid["/"])
    click.echo(f"height {head['Height']}", err=True)


@chain.command("get-block")
@click.argument("cid")
@_REPO
def chain_get_block(cid: str, repo: Path | None) -> None:
    """A block header as Lotus JSON."""
    with _client(repo) as api:
        emit_json(api.call("ChainGetBlock", {"/": cid}))


@chain.command("get-message")
@click.argument("cid")
@_REPO
def chain_get_message(cid: str, repo: Path | None) -> None:
    """A message as Lotus JSON."""
    with _client(repo) as api:
        emit_json(api.call("ChainGetMessage", {"/": cid}))


@click.command("send")
@click.argument("target")
@click.argument("amount")
@click.option("--from", "sender", default=None, help="Sender (default: the node wallet's default address).")
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until the message has run.")
@_REPO
@json_option
def send(target: str, amount: str, sender: str | None, wait: bool, repo: Path | None, as_json: bool) -> None:
    """Send AMOUNT FIL to TARGET from the node's wallet (as 'lotus send')."""
    from filnet.core.address import Address
    from filnet.core.token import TokenAmount

    Address.parse(target)
    atto = TokenAmount.parse(amount).atto
    if atto < 0:
        raise InvalidInput(f"amount {amount!r} is negative")
    with _client(repo) as api:
        source = sender or api.call("WalletDefaultAddress")
        if not source:
            raise InvalidInput("the node's wallet has no default address: pass --from")
        message = {
            "Version": 0,
            "To": target,
            "From": source,
            "Nonce": 0,
            "Value": str(atto),
            "GasLimit": 0,
            "GasFeeCap": "0",
            "GasPremium": "0",
            "Method": 0,
            "Params": None,
        }
        signed = api.call("MpoolPushMessage", message, None)
        cid = signed["CID"]["/"]
        lookup = api.call("StateWaitMsg", {"/": cid}, 1, -1, True) if wait else None
    if as_json:
        emit_json({"CID": cid, "Lookup": lookup})
        return
    click.echo(cid)
    if lookup is not None:
        code = lookup["Receipt"]["ExitCode"]
        click.echo(f"executed at height {lookup['Height']} with exit code {code}", err=True)


@click.group("mpool")
def mpool() -> None:
    """The node's message pool."""


@mpool.command("pending")
@_REPO
def mpool_pending(repo: Path | None) -> None:
    """Pending messages as Lotus JSON, one per line."""
    with _client(repo) as api:
        for message in api.call("MpoolPending", None):
            click.echo(json.dumps(message, separators=(",", ":")))
