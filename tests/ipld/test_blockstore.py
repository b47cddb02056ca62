"""Every block store backend against the shared suite (tests/ipld/blockstore_suite.py)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest

from filnet.ipld.blockstore import Blockstore, MemoryBlockstore
from filnet.ipld.lmdbstore import LmdbBlockstore
from tests.ipld.blockstore_suite import BlockstoreSuite, StoreFactory, blockstore_machine

#: Small maps keep the tests' address space modest; the suite stores a few kilobytes.
TEST_MAP_SIZE = 1 << 24


class _ThrowawayLmdb(LmdbBlockstore):
    """An LMDB store in its own temporary directory, removed on close."""

    def __init__(self) -> None:
        super().__init__(tempfile.mkdtemp(prefix="filnet-lmdb-"), map_size=TEST_MAP_SIZE)

    def close(self) -> None:
        super().close()
        shutil.rmtree(self.path, ignore_errors=True)


BACKENDS = {"memory": MemoryBlockstore, "lmdb": _ThrowawayLmdb}


@pytest.fixture(params=sorted(BACKENDS))
def make_store(request: pytest.FixtureRequest) -> Iterator[StoreFactory]:
    opened: list[Blockstore] = []

    def make() -> Blockstore:
        store: Blockstore = BACKENDS[request.param]()
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


class TestBlockstore(BlockstoreSuite):
    pass


TestMemoryBlockstoreMachine = blockstore_machine(MemoryBlockstore).TestCase
TestLmdbBlockstoreMachine = blockstore_machine(_ThrowawayLmdb).TestCase
