"""The block producer: a client of the node's API, as lotus-miner's mining loop is.

For each epoch it waits until the epoch's block time, asks ``MinerGetBaseInfo`` on the current head, runs
the election and WinningPoSt locally (:func:`filnet.consensus.mining.mine_one`, with the worker key and the
sealed sectors of its repository), takes the messages ``MpoolSelect`` offers for its ticket, has the node
build and sign the block (``MinerCreateBlock``) and submits it (``SyncSubmitBlock``). An epoch it does not
win is a null round for it: it tries the next epoch on the same base.

The miner's repository holds ``miner.json`` (its address, and its sealed sectors by number) and a keystore
with the worker key; the node's wallet holds the worker key too, since the node signs the block.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from filnet.api.client import ApiClient
from filnet.chain.lotus_json import signed_message_from_json
from filnet.chain.tipset import TipSet
from filnet.consensus import mining
from filnet.core.address import Address
from filnet.core.fsutil import atomic_write_bytes
from filnet.core.types import ChainEpoch
from filnet.crypto.keystore import Keystore
from filnet.errors import FilnetError, InvalidInput, NotFound
from filnet.params.network import NetworkParams

log = logging.getLogger(__name__)

MINER_FILE: Final = "miner.json"


def ticket_quality(ticket_proof: bytes) -> float:
    """Lotus ``Ticket.Quality``: 1 minus the ticket's blake2b-256 digest as a fraction of 2^256."""
    digest = hashlib.blake2b(ticket_proof, digest_size=32).digest()
    return 1.0 - int.from_bytes(digest, "big") / float(1 << 256)


@dataclass(frozen=True, slots=True)
class MinerConfig:
    """What a miner's repository says about it."""

    miner: Address
    worker: Address
    #: Sealed sector directories by sector number.
    sectors: dict[int, Path]

    def save(self, repo: Path) -> None:
        """Write ``miner.json``."""
        data = {
            "Miner": str(self.miner),
            "Worker": str(self.worker),
            "Sectors": {str(n): str(p) for n, p in sorted(self.sectors.items())},
        }
        repo.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(repo / MINER_FILE, json.dumps(data, indent=1).encode())

    @classmethod
    def load(cls, repo: Path) -> MinerConfig:
        """Read ``miner.json``; NotFound or InvalidInput naming the file."""
        path = repo / MINER_FILE
        try:
            data = json.loads(path.read_text())
            return cls(
                Address.parse(data["Miner"]),
                Address.parse(data["Worker"]),
                {int(n): Path(p) for n, p in data["Sectors"].items()},
            )
        except FileNotFoundError:
            raise NotFound(f"{path} does not exist: {repo} is not a miner repository") from None
        except (ValueError, KeyError, TypeError, AttributeError, FilnetError) as e:
            raise InvalidInput(f"{path}: not a miner config ({e})") from None


class Miner:
    """One miner's loop over a node's API."""

    def __init__(
        self,
        api: ApiClient,
        params: NetworkParams,
        config: MinerConfig,
        worker_secret: bytes,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.api = api
        self.params = params
        self.config = config
        self.worker_secret = worker_secret
        self.clock = clock
        self.sleep = sleep
        self.network = params.address_prefix
        self.blocks_mined = 0

    @classmethod
    def from_repo(cls, api: ApiClient, params: NetworkParams, repo: Path) -> Miner:
        """The miner of a repository (``miner.json`` and the worker key in its keystore)."""
        config = MinerConfig.load(repo)
        key = Keystore(repo / "keystore").get(config.worker)
        return cls(api, params, config, key.secret)

    def head(self) -> TipSet:
        """The node's head."""
        return TipSet.from_json(self.api.call("ChainHead"))

    def mine_epoch(self, base: TipSet, epoch: ChainEpoch) -> dict[str, Any] | None:
        """Try to mine ``epoch`` on ``base``; the submitted block message, or None if not elected."""
        miner = self.config.miner.encode(self.network)
        info_json = self.api.call("MinerGetBaseInfo", miner, epoch, base.key.to_json())
        if info_json is None:
            return None
        info = mining.MinerBaseInfo.from_json(info_json)
        template = mining.mine_one(
            self.params, info, self.worker_secret, self.config.miner, base, epoch, self.config.sectors
        )
        if template is None:
            return None
        selected = self.api.call("MpoolSelect", base.key.to_json(), ticket_quality(template.ticket.vrf_proof))
        messages = tuple(signed_message_from_json(m, "MpoolSelect") for m in selected or [])
        template = replace(template, messages=messages)
        block = self.api.call("MinerCreateBlock", template.to_json(self.network))
        self.api.call("SyncSubmitBlock", block)
        self.blocks_mined += 1
        log.info("mined a block at epoch %d with %d messages", epoch, len(messages))
        return dict(block)

    def run(self, should_stop: Callable[[], bool]) -> None:
        """Mine until ``should_stop()``: each epoch once its time has come, on the head of that moment."""
        delay = self.params.block_delay_seconds
        last_tried: tuple[Any, int] | None = None
        while not should_stop():
            base = self.head()
            # The next epoch whose time has come (null rounds when the chain stalled), never a past try.
            epoch = ChainEpoch(base.height + 1)
            now = self.clock()
            elapsed = int((now - base.min_timestamp()) // delay)
            epoch = ChainEpoch(max(epoch, base.height + elapsed))
            if last_tried is not None and last_tried == (base.key, epoch):
                epoch = ChainEpoch(epoch + 1)
            due = (
                mining.next_block_timestamp(self.params, base, epoch) + self.params.propagation_delay_seconds
            )
            if due > now:
                self.sleep(min(due - now, 0.25))
                continue
            last_tried = (base.key, epoch)
            try:
                self.mine_epoch(base, epoch)
            except FilnetError as e:
                log.warning("mining epoch %d failed: %s", epoch, e)
                self.sleep(min(delay, 1.0))
