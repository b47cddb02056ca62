"""The parse caches of HAMT and AMT nodes and the market's open balance tables change nothing but speed:
every block is still read from the store (so gas and missing blocks are as without them), and results and
root CIDs are those of fresh loads."""

from __future__ import annotations

from collections import Counter

import pytest

from filnet.actors.market import state as market
from filnet.actors.market.state import DealProposal, empty_state
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import MissingBlock
from filnet.ipld import amt, hamt
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from filnet.piece.cid import piece_cid_v1


class CountingStore(MemoryBlockstore):
    """Counts the reads of each block."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: Counter[CID] = Counter()

    def get(self, cid: CID) -> bytes:
        self.reads[cid] += 1
        return super().get(cid)


def _clear_caches() -> None:
    hamt._PARSED_NODES.clear()
    amt._PARSED_NODES.clear()
    amt._PARSED_ROOTS.clear()


def _read_all_hamt(store: CountingStore, root: CID) -> dict[bytes, object]:
    store.reads.clear()
    return dict(Hamt(store, root, 5).items())


def test_hamt_loads_read_every_block_warm_or_cold() -> None:
    store = CountingStore()
    table = Hamt(store, bit_width=5)
    for n in range(500):
        table.set(n.to_bytes(4, "big"), [n, b"value"] if n % 2 else n)
    root = table.flush()

    _clear_caches()
    cold = _read_all_hamt(store, root)
    cold_reads = store.reads.copy()
    warm = _read_all_hamt(store, root)
    assert warm == cold and len(cold) == 500
    assert store.reads == cold_reads and len(cold_reads) > 1


def test_hamt_remembered_on_write_is_what_a_fresh_load_gives() -> None:
    store = CountingStore()
    table = Hamt(store, bit_width=5)
    for n in range(300):
        table.set(n.to_bytes(4, "big"), n.to_bytes(2, "big"))
    root = table.flush()
    warm = _read_all_hamt(store, root)  # built from what the flush remembered
    warm_reads = store.reads.copy()
    _clear_caches()
    assert _read_all_hamt(store, root) == warm
    assert store.reads == warm_reads


def test_a_missing_block_is_noticed_even_when_its_parse_is_remembered() -> None:
    store = MemoryBlockstore()
    table = Hamt(store, bit_width=5)
    table.set(b"key", 1)
    root = table.flush()
    Hamt(store, root, 5).get(b"key")
    with pytest.raises(MissingBlock):
        Hamt(MemoryBlockstore(), root, 5)


def test_amt_loads_read_every_block_warm_or_cold() -> None:
    store = CountingStore()
    array = Amt(store, bit_width=3)
    for n in range(0, 2000, 7):
        array.set(n, [n, "x"])
    root = array.flush()

    _clear_caches()
    store.reads.clear()
    cold = list(Amt(store, root, bit_width=3).items())
    cold_reads = store.reads.copy()
    store.reads.clear()
    warm = list(Amt(store, root, bit_width=3).items())
    assert warm == cold and len(cold) == len(range(0, 2000, 7))
    assert store.reads == cold_reads
    with pytest.raises(MissingBlock):
        Amt(MemoryBlockstore(), root, bit_width=3)


def _escrow_steps(store: MemoryBlockstore, fresh: bool) -> list[CID]:
    """A run of escrow and lock operations; the escrow and locked roots after each."""
    state = empty_state(store)
    client, provider = Address.new_id(100), Address.new_id(1000)
    roots = []
    for n in range(1, 30):
        if fresh:
            market._OPEN_TABLES.clear()
        state = state.add_balance_to_escrow_table(store, client, TokenAmount(10_000 * n))
        state = state.add_balance_to_escrow_table(store, provider, TokenAmount(5_000))
        proposal = DealProposal(
            piece_cid_v1(bytes([n]) * 31 + b"\x00"),
            128,
            False,
            client,
            provider,
            "",
            ChainEpoch(10),
            ChainEpoch(200),
            TokenAmount(10),
            TokenAmount(100),
            TokenAmount(0),
        )
        state = state.lock_balances_of_deals(store, [proposal])
        if fresh:
            market._OPEN_TABLES.clear()
        state = state.transfer_balance(store, client, provider, TokenAmount(7))
        state, _ = state.withdraw_balance_from_escrow_table(store, provider, TokenAmount(3))
        roots += [state.escrow_table, state.locked_table]
    return roots


def test_market_tables_reused_give_the_roots_of_fresh_loads() -> None:
    reused = _escrow_steps(MemoryBlockstore(), fresh=False)
    assert reused == _escrow_steps(MemoryBlockstore(), fresh=True)
