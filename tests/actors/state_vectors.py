"""Helpers for the storage actors' state tests: Lotus genesis states, HAMT/AMT rebuilds, decoder fuzzing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from filnet.core.address import Address
from filnet.errors import InvalidInput
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import Blockstore, MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from filnet.vm.state_tree import StateTree
from tests.vm.genesis import genesis


def lotus_state(network: str, actor_id: int) -> tuple[Blockstore, bytes]:
    """The genesis block store of ``network`` and the state block of actor ``f0<actor_id>``."""
    store, root = genesis(network)
    return store, StateTree.load(store, root).actor_state_block(Address.new_id(actor_id))


def rebuild_hamt(store: Blockstore, root: CID, bit_width: int) -> tuple[CID, list[tuple[bytes, Any]]]:
    """The root of a fresh HAMT of ``root``'s entries (inserted in reverse order), and the entries."""
    entries = list(Hamt(store, root, bit_width).items())
    fresh = Hamt(MemoryBlockstore(), bit_width=bit_width)
    for key, value in reversed(entries):
        fresh.set(key, value)
    return fresh.flush(), entries


def rebuild_amt(store: Blockstore, root: CID, bit_width: int) -> tuple[CID, list[tuple[int, Any]]]:
    """The root of a fresh AMT of ``root``'s entries (inserted in reverse order), and the entries."""
    entries = list(Amt(store, root, bit_width).items())
    fresh = Amt(MemoryBlockstore(), bit_width=bit_width)
    for index, value in reversed(entries):
        fresh.set(index, value)
    return fresh.flush(), entries


def mutated(valid: bytes) -> st.SearchStrategy[bytes]:
    """``valid`` with a byte replaced, a byte dropped or the tail cut."""
    return st.one_of(
        st.tuples(st.integers(0, len(valid) - 1), st.integers(0, 255)).map(
            lambda p: valid[: p[0]] + bytes([p[1]]) + valid[p[0] + 1 :]
        ),
        st.integers(0, len(valid) - 1).map(lambda i: valid[:i] + valid[i + 1 :]),
        st.integers(0, len(valid) - 1).map(lambda i: valid[:i]),
    )


def check_decode(decode: Callable[[bytes], Any], data: bytes) -> None:
    """Decoding ``data`` either fails with a filnet error or gives a value that re-encodes to ``data``."""
    try:
        value = decode(data)
    except InvalidInput:
        return
    assert value.encode() == data
