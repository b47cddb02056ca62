"""The Lotus genesis CARs of ../shared/vectors/filecoin, loaded once per test process."""

from __future__ import annotations

import functools
from typing import Final

from filnet.car.reader import load_car
from filnet.ipld import dagcbor
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from tests.conftest import vectors_dir

NETWORKS: Final = ("butterflynet", "interopnet", "calibnet")
STATE_VERSIONS: Final = {"butterflynet": 5, "interopnet": 4, "calibnet": 0}


def genesis_path(network: str) -> str:
    """Path of a network's genesis CAR."""
    return str(vectors_dir() / "filecoin" / f"{network}-genesis.car.zst")


@functools.cache
def genesis(network: str) -> tuple[MemoryBlockstore, CID]:
    """Every block of the genesis CAR (hash-verified) and its parent state root."""
    store = MemoryBlockstore()
    header = load_car(genesis_path(network), store)
    block_header = dagcbor.decode(store.get(header.roots[0]))
    return store, block_header[8]
