"""The LMDB chain store: tipsets, weights, states, fork choice, reorgs, heights, restart, corruption."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from filnet.chain.block import BlockHeader, Ticket
from filnet.chain.genesis import GenesisAccount, GenesisConfig, build_genesis
from filnet.chain.genesis_block import make_genesis_block
from filnet.chain.store import ChainStore, CorruptChainStore, HeadChange
from filnet.chain.tipset import TipSet, cid_array, ticket_digest
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import InvalidInput
from filnet.params import DEVNET
from tests.vm.harness import make_key


def _open(path: Path) -> tuple[ChainStore, TipSet]:
    store = ChainStore(path, map_size=1 << 26)
    config = GenesisConfig("store-test", (GenesisAccount(make_key(1).address, TokenAmount(10)),))
    root = build_genesis(store.blocks, config)
    return store, store.set_genesis(make_genesis_block(store.blocks, root, 0, "store-test", DEVNET))


def _child(
    store: ChainStore, parent: TipSet, height: int, tag: bytes, weight: int, miners: int = 1
) -> TipSet:
    base: BlockHeader = parent.blocks[0]
    tipset = TipSet.of(
        replace(
            base,
            miner=make_key(10 + i).address,
            ticket=Ticket(hashlib.sha256(tag + bytes([i])).digest()),
            parents=parent.cids,
            height=ChainEpoch(height),
            parent_weight=store.weight(parent),
        )
        for i in range(miners)
    )
    store.put_tipset(tipset, weight)
    # an executed tipset: its state is its parent's (no messages), receipts an empty array
    store.set_tipset_state(tipset, base.parent_state_root, cid_array(store.blocks, []))
    return tipset


def test_head_follows_weight_with_reorgs_and_notifications(tmp_path: Path) -> None:
    store, genesis = _open(tmp_path)
    changes: list[HeadChange] = []
    store.subscribe(changes.append)
    a1 = _child(store, genesis, 1, b"a1", 10, miners=2)
    a2 = _child(store, a1, 2, b"a2", 20)
    assert store.maybe_take_heavier(a1) is not None and store.maybe_take_heavier(a2) is not None
    assert store.head() == a2 and changes[-1] == HeadChange((), (a2,))
    # a fork from a1 with a null round at 2, heavier at 3
    b3 = _child(store, a1, 3, b"b3", 25)
    assert store.maybe_take_heavier(b3) == HeadChange((a2,), (b3,))
    assert store.head() == b3
    # lighter tipsets do not move the head
    lighter = _child(store, a2, 3, b"lighter", 21)
    assert store.maybe_take_heavier(lighter) is None and store.head() == b3
    assert store.tipset_by_height(ChainEpoch(2)) == a1  # null round on the head's chain: the one before
    assert store.tipset_by_height(ChainEpoch(2), prev=False) == b3
    assert store.tipset_by_height(ChainEpoch(2), head=lighter) == a2
    assert store.tipset_by_height(ChainEpoch(0)) == genesis
    assert store.load_tipset(a1.key) == a1 and len(a1.blocks) == 2


def test_equal_weights_break_on_the_smaller_ticket(tmp_path: Path) -> None:
    store, genesis = _open(tmp_path)
    x = _child(store, genesis, 1, b"x", 10)
    y = _child(store, genesis, 1, b"y", 10)
    first, second = sorted([x, y], key=lambda t: ticket_digest(t.blocks[0]))
    store.maybe_take_heavier(second)
    assert store.maybe_take_heavier(first) is not None and store.head() == first
    assert store.maybe_take_heavier(second) is None


def test_restart_resumes_the_head_and_refuses_unexecuted_tipsets(tmp_path: Path) -> None:
    store, genesis = _open(tmp_path)
    a1 = _child(store, genesis, 1, b"a1", 10)
    store.set_head(a1)
    unexecuted = TipSet.of([replace(a1.blocks[0], height=ChainEpoch(2), parents=a1.cids)])
    store.put_tipset(unexecuted, 11)
    with pytest.raises(InvalidInput, match="not been executed"):
        store.set_head(unexecuted)
    store.close()
    reopened = ChainStore(tmp_path, map_size=1 << 26)
    assert reopened.head() == a1 and reopened.genesis() == genesis
    assert reopened.tipset_by_height(ChainEpoch(1)) == a1
    reopened.close()


def test_a_damaged_head_is_named_at_start(tmp_path: Path) -> None:
    store, genesis = _open(tmp_path)
    a1 = _child(store, genesis, 1, b"a1", 10)
    store.set_head(a1)
    store.blocks.delete(a1.cids[0])
    store.close()
    with pytest.raises(CorruptChainStore, match=str(a1.cids[0])):
        ChainStore(tmp_path, map_size=1 << 26)
    shutil.rmtree(tmp_path)


_WRITER = """
import sys
from pathlib import Path
from tests.chain.test_store import _child, _open
from filnet.chain.store import ChainStore
from filnet.errors import NotFound

path = Path(sys.argv[1])
store = ChainStore(path, map_size=1 << 26)
try:
    head = store.head()
except NotFound:
    store.close()
    store, head = _open(path)
for _ in range(10_000):
    head = _child(store, head, head.height + 1, str(head.height).encode(), store.weight(head) + 1)
    store.set_head(head)
    print(head.height, flush=True)
"""


def test_kill_9_never_loses_a_reported_head(tmp_path: Path) -> None:
    import random
    import subprocess
    import sys

    rng = random.Random(9)
    root = Path(__file__).resolve().parents[2]
    reported = 0
    for _ in range(3):
        writer = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=root
        )
        try:
            assert writer.stdout is not None
            target = reported + rng.randint(1, 15)
            for line in writer.stdout:  # bounded: the writer stops after 10,000 tipsets
                reported = int(line)
                if reported >= target:
                    break
        finally:
            writer.kill()  # SIGKILL, mid-write
            writer.wait(timeout=30)
        store = ChainStore(tmp_path, map_size=1 << 26)
        head = store.head()
        assert head.height >= reported and store.tipset_state(head) is not None
        assert store.tipset_by_height(ChainEpoch(reported)).height == reported
        store.close()
