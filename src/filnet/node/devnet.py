"""``filnet devnet``: a local network of one node and N genesis providers, each its own process.

Layout of the directory ``D``::

    D/devnet.json        what the network was made with (re-running on D resumes it)
    D/genesis.car        the genesis block and state
    D/node-1/            the node's repository (its wallet holds the client and the providers' workers)
    D/provider-K/        provider K's miner repository: miner.json, keystore (owner, worker), sealed/
    D/api-info           FULLNODE_API_INFO=<admin token>:<API multiaddr>
    D/client.key         the funded client wallet's key in Lotus's hex export format
    D/devnet.pids        the processes a detached devnet runs

The genesis gives every provider two pre-sealed sectors (proven, with power from epoch 0) and funds the
client; the node runs ``filnet daemon`` and every provider ``filnet miner run`` against it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from filnet.api.apiinfo import ApiInfo
from filnet.api.client import ApiClient, find_api
from filnet.car.v1 import CarV1Writer
from filnet.chain.genesis import GenesisAccount, GenesisConfig, build_genesis
from filnet.chain.genesis_block import make_genesis_block
from filnet.chain.genesis_miners import GenesisMiner
from filnet.chain.preseal import preseal
from filnet.core.address import Address
from filnet.core.fsutil import atomic_write_bytes
from filnet.core.token import TokenAmount
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.crypto.keystore import Keystore
from filnet.errors import FilnetError, InvalidInput, NotFound
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.node.miner import MinerConfig
from filnet.node.repo import NodeRepo, RepoConfig
from filnet.params import DEVNET
from filnet.proofs.registry import RegisteredSealProof

log = logging.getLogger(__name__)

SECTOR_SIZES: Final = {
    "2KiB": RegisteredSealProof.STACKED_DRG_2KIB_V1_1,
    "8MiB": RegisteredSealProof.STACKED_DRG_8MIB_V1_1,
}
PRESEALED_SECTORS: Final = 2
FIRST_MINER_ID: Final = 1000
CLIENT_FUNDS: Final = TokenAmount.from_fil(100_000)
PROVIDER_ACCOUNT_FUNDS: Final = TokenAmount.from_fil(10_000)
NETWORK_NAME: Final = "filnet-devnet"
#: How long start-up may take before the devnet gives up (sealing is done by then; this is the daemon).
START_TIMEOUT: Final = 120.0


class DevnetError(FilnetError):
    """The devnet could not be created, started or stopped."""


@dataclass(frozen=True, slots=True)
class DevnetSpec:
    """What a devnet directory was created with."""

    providers: int
    block_time: int
    sector_size: str
    client: Address

    def to_json(self) -> dict[str, object]:
        return {
            "Providers": self.providers,
            "BlockTime": self.block_time,
            "SectorSize": self.sector_size,
            "Client": self.client.encode("t"),
        }

    @classmethod
    def load(cls, directory: Path) -> DevnetSpec:
        path = directory / "devnet.json"
        try:
            data = json.loads(path.read_text())
            return cls(
                int(data["Providers"]),
                int(data["BlockTime"]),
                str(data["SectorSize"]),
                Address.parse(data["Client"]),
            )
        except FileNotFoundError:
            raise NotFound(f"{directory} holds no devnet (no devnet.json)") from None
        except (ValueError, KeyError, TypeError, FilnetError) as e:
            raise DevnetError(f"{path}: not a devnet description ({e})") from None


def node_repo(directory: Path) -> Path:
    return directory / "node-1"


def provider_repo(directory: Path, index: int) -> Path:
    return directory / f"provider-{index}"


def create_devnet(
    directory: Path,
    *,
    providers: int = 1,
    block_time: int = 4,
    sector_size: str = "2KiB",
    genesis_time: int | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> DevnetSpec:
    """Build the genesis, the node's repository and the providers' repositories in ``directory``."""
    if providers < 1:
        raise InvalidInput("a devnet needs at least one provider")
    if block_time < 1:
        raise InvalidInput("--block-time must be at least 1 second")
    proof = SECTOR_SIZES.get(sector_size)
    if proof is None:
        raise InvalidInput(f"--sector-size {sector_size!r}: expected one of {', '.join(SECTOR_SIZES)}")
    directory.mkdir(parents=True, exist_ok=True)
    client = PrivateKey.generate(KeyType.SECP256K1)
    accounts = [GenesisAccount(client.address, CLIENT_FUNDS)]
    miners = []
    provider_keys: list[tuple[PrivateKey, PrivateKey]] = []
    for index in range(1, providers + 1):
        owner = PrivateKey.generate(KeyType.SECP256K1)
        worker = PrivateKey.generate(KeyType.BLS)
        miner = Address.new_id(FIRST_MINER_ID + index - 1)
        repo = provider_repo(directory, index)
        progress(
            f"sealing {PRESEALED_SECTORS} {sector_size} sectors for provider {index} ({miner.encode('t')})"
        )
        sealed = preseal(
            repo / "sealed",
            miner,
            worker,
            proof,
            PRESEALED_SECTORS,
            directory / "parent-cache",
            owner=owner.address,
        )
        accounts += [
            GenesisAccount(owner.address, PROVIDER_ACCOUNT_FUNDS),
            GenesisAccount(worker.address, PROVIDER_ACCOUNT_FUNDS),
        ]
        miners.append(GenesisMiner(sealed))
        keystore = Keystore(repo / "keystore")
        for key in (owner, worker):
            keystore.put(key)
        MinerConfig(
            miner,
            worker.address,
            {s.sector_number: repo / "sealed" / f"sector-{s.sector_number}" for s in sealed.sectors},
        ).save(repo)
        provider_keys.append((owner, worker))

    progress("building the genesis")
    store = MemoryBlockstore()
    state = build_genesis(store, GenesisConfig(NETWORK_NAME, tuple(accounts), miners=tuple(miners)))
    timestamp = int(time.time()) if genesis_time is None else genesis_time
    header = make_genesis_block(store, state, timestamp, NETWORK_NAME, DEVNET)
    # Every block of the genesis store: the state links builtin-actor code CIDs whose bytecode no filnet
    # node needs, so a walk from the root would stop at them.
    with open(directory / "genesis.car.tmp", "wb") as out:
        writer = CarV1Writer(out, [header.cid])
        for cid in store:
            writer.put(cid, store.get(cid))
    os.replace(directory / "genesis.car.tmp", directory / "genesis.car")

    node = NodeRepo(node_repo(directory))
    node.init(RepoConfig("/ip4/127.0.0.1/tcp/0/http", DEVNET.name, block_time))
    wallet = Keystore(node.keystore_dir)
    wallet.put(client)
    wallet.set_default(client.address)
    for _, worker in provider_keys:
        wallet.put(worker)
    atomic_write_bytes(directory / "client.key", (client.export_lotus() + "\n").encode(), mode=0o600)
    spec = DevnetSpec(providers, block_time, sector_size, client.address)
    atomic_write_bytes(directory / "devnet.json", json.dumps(spec.to_json(), indent=1).encode())
    return spec


def _filnet(*args: str) -> list[str]:
    return [sys.executable, "-m", "filnet.cli.main", *args]


@dataclass
class Devnet:
    """The running processes of a devnet."""

    directory: Path
    spec: DevnetSpec
    processes: list[subprocess.Popen[bytes]]

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM every process (miners first), then SIGKILL what is still there after ``timeout``."""
        for proc in reversed(self.processes):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in reversed(self.processes):
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        (self.directory / "devnet.pids").unlink(missing_ok=True)


def start_devnet(directory: Path, *, log_dir: Path | None = None) -> Devnet:
    """Start the node and the providers' miners of an existing devnet; returns once the API answers."""
    spec = DevnetSpec.load(directory)
    pids_file = directory / "devnet.pids"
    if pids_file.exists():
        alive = [pid for pid in _read_pids(pids_file) if _alive(pid)]
        if alive:
            raise DevnetError(f"the devnet in {directory} is already running (pids {alive}); stop it first")
        pids_file.unlink()
    logs = log_dir or directory
    repo = NodeRepo(node_repo(directory))
    repo.remove_api()
    processes: list[subprocess.Popen[bytes]] = []
    devnet = Devnet(directory, spec, processes)
    try:
        with open(logs / "node-1.log", "ab") as out:
            processes.append(
                subprocess.Popen(
                    _filnet("daemon", "--repo", str(repo.path), "--genesis", str(directory / "genesis.car")),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        info = _wait_for_api(repo, processes[0])
        atomic_write_bytes(directory / "api-info", (info.format() + "\n").encode(), mode=0o600)
        for index in range(1, spec.providers + 1):
            with open(logs / f"provider-{index}.log", "ab") as out:
                processes.append(
                    subprocess.Popen(
                        _filnet(
                            "miner",
                            "run",
                            "--repo",
                            str(provider_repo(directory, index)),
                            "--node-repo",
                            str(repo.path),
                        ),
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        atomic_write_bytes(pids_file, "".join(f"{p.pid}\n" for p in processes).encode())
    except BaseException:
        devnet.stop()
        raise
    return devnet


def _wait_for_api(repo: NodeRepo, daemon: subprocess.Popen[bytes]) -> ApiInfo:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise DevnetError(
                f"the node exited with code {daemon.returncode}; see {repo.path.parent}/node-1.log"
            )
        try:
            info = repo.api_info()
            with ApiClient(info, timeout=5.0) as client:
                client.call("Version")
            return info
        except FilnetError:  # no api file yet, or the API not answering yet
            time.sleep(0.1)
    raise DevnetError(f"the node did not answer within {START_TIMEOUT:.0f} s")


def wait_for_height(directory: Path, height: int, timeout: float) -> int:
    """Wait until the node's head reaches ``height``; the head's height (DevnetError on timeout)."""
    deadline = time.monotonic() + timeout
    with ApiClient(find_api(node_repo(directory)), timeout=5.0) as client:
        while True:
            current = int(client.call("ChainHead")["Height"])
            if current >= height:
                return current
            if time.monotonic() > deadline:
                raise DevnetError(f"the chain is at height {current}, not {height}, after {timeout:.0f} s")
            time.sleep(0.2)


def _read_pids(path: Path) -> list[int]:
    try:
        return [int(line) for line in path.read_text().split() if line.strip()]
    except (OSError, ValueError):
        return []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_devnet(directory: Path, timeout: float = 15.0) -> list[int]:
    """Stop a detached devnet by its pids file; the pids it stopped."""
    path = directory / "devnet.pids"
    pids = _read_pids(path)
    if not pids:
        raise NotFound(f"no running devnet in {directory} (no devnet.pids)")
    for pid in reversed(pids):
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for pid in pids:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    path.unlink(missing_ok=True)
    return pids
