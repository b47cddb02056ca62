"""The test suite every :class:`filnet.ipld.blockstore.Blockstore` backend must pass.

Use it from a ``test_*.py`` module: subclass :class:`BlockstoreSuite` beside a ``make_store`` fixture that
returns a factory of fresh, empty stores (the fixture closes them), and build a stateful test with
:func:`blockstore_machine`, which checks a backend against a dict model step by step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from filnet.errors import NotFound
from filnet.ipld import codecs
from filnet.ipld.blockstore import BlockNotFound, Blockstore
from filnet.ipld.cid import CID
from tests.ipld.strategies import cids

StoreFactory = Callable[[], Blockstore]


def block(data: bytes, codec: int = codecs.RAW) -> tuple[CID, bytes]:
    """A (CID, bytes) pair for ``data``."""
    return CID.compute(codec, data), data


class _Boom(Exception):
    pass


def _failing(blocks: list[tuple[CID, bytes]]) -> Iterator[tuple[CID, bytes]]:
    """Yield ``blocks``, then fail: a batch whose source breaks half way."""
    yield from blocks
    raise _Boom("source failed")


class BlockstoreSuite:
    """Behaviour shared by all backends; each test gets fresh stores from ``make_store``."""

    def test_is_a_blockstore(self, make_store: StoreFactory) -> None:
        assert isinstance(make_store(), Blockstore)

    def test_empty_store(self, make_store: StoreFactory) -> None:
        store = make_store()
        cid, _ = block(b"absent")
        assert len(store) == 0
        assert list(store) == []
        assert not store.has(cid)

    def test_get_of_absent_block_raises_block_not_found(self, make_store: StoreFactory) -> None:
        store = make_store()
        cid, _ = block(b"absent")
        with pytest.raises(BlockNotFound, match=str(cid)) as info:
            store.get(cid)
        assert info.value.cid == cid
        assert isinstance(info.value, NotFound)

    def test_put_then_get(self, make_store: StoreFactory) -> None:
        store = make_store()
        cid, data = block(b"hello")
        store.put(cid, data)
        got = store.get(cid)
        assert got == data and type(got) is bytes
        assert store.has(cid)
        assert len(store) == 1
        assert list(store) == [cid]

    def test_put_is_idempotent(self, make_store: StoreFactory) -> None:
        store = make_store()
        cid, data = block(b"twice")
        store.put(cid, data)
        store.put(cid, data)
        assert len(store) == 1 and store.get(cid) == data

    def test_empty_block(self, make_store: StoreFactory) -> None:
        store = make_store()
        cid, data = block(b"")
        store.put(cid, data)
        assert store.get(cid) == b""

    def test_same_bytes_under_two_codecs_are_two_blocks(self, make_store: StoreFactory) -> None:
        store = make_store()
        raw = block(b"\xa0", codecs.RAW)
        cbor = block(b"\xa0", codecs.DAG_CBOR)
        store.put_many([raw, cbor])
        assert len(store) == 2
        assert set(store) == {raw[0], cbor[0]}

    def test_cid_versions_are_kept_apart_and_returned_as_given(self, make_store: StoreFactory) -> None:
        store = make_store()
        v0 = CID.compute(codecs.DAG_PB, b"\x0a\x00", version=0)
        store.put(v0, b"\x0a\x00")
        assert not store.has(v0.to_v1())
        [back] = list(store)
        assert back == v0 and back.version == 0

    def test_delete(self, make_store: StoreFactory) -> None:
        store = make_store()
        a, b = block(b"a"), block(b"b")
        store.put_many([a, b])
        store.delete(a[0])
        assert not store.has(a[0]) and store.has(b[0])
        assert len(store) == 1
        store.delete(a[0])  # absent: not an error
        with pytest.raises(BlockNotFound):
            store.get(a[0])

    def test_put_many_from_a_generator(self, make_store: StoreFactory) -> None:
        store = make_store()
        store.put_many(block(bytes([i]) * i) for i in range(50))
        assert len(store) == 50
        assert store.get(block(b"\x07" * 7)[0]) == b"\x07" * 7

    def test_put_many_with_nothing(self, make_store: StoreFactory) -> None:
        store = make_store()
        store.put_many([])
        assert len(store) == 0

    def test_failing_put_many_leaves_store_unchanged(self, make_store: StoreFactory) -> None:
        store = make_store()
        kept = block(b"kept")
        store.put(*kept)
        batch = [block(bytes([i])) for i in range(10)] + [kept]
        with pytest.raises(_Boom):
            store.put_many(_failing(batch))
        assert len(store) == 1
        assert list(store) == [kept[0]]
        assert not any(store.has(cid) for cid, _ in batch[:-1])

    def test_iteration_lists_every_block_once(self, make_store: StoreFactory) -> None:
        store = make_store()
        blocks = [block(str(i).encode()) for i in range(100)]
        store.put_many(blocks)
        listed = list(store)
        assert len(listed) == 100
        assert set(listed) == {cid for cid, _ in blocks}


def blockstore_machine(open_store: Callable[[], Blockstore]) -> type[RuleBasedStateMachine]:
    """A state machine running random operations on ``open_store()`` and on a dict, comparing them."""

    class BlockstoreMachine(RuleBasedStateMachine):
        keys = Bundle("keys")

        def __init__(self) -> None:
            super().__init__()
            self.store = open_store()
            self.model: dict[CID, bytes] = {}

        @rule(target=keys, cid=cids)
        def new_key(self, cid: CID) -> CID:
            return cid

        @rule(cid=keys, data=st.binary(max_size=300))
        def put(self, cid: CID, data: bytes) -> None:
            self.store.put(cid, data)
            self.model[cid] = data

        @rule(batch=st.lists(st.tuples(keys, st.binary(max_size=100)), max_size=5))
        def put_many(self, batch: list[tuple[CID, bytes]]) -> None:
            self.store.put_many(batch)
            self.model.update(batch)

        @rule(batch=st.lists(st.tuples(keys, st.binary(max_size=100)), max_size=5))
        def failing_put_many(self, batch: list[tuple[CID, bytes]]) -> None:
            with pytest.raises(_Boom):
                self.store.put_many(_failing(batch))

        @rule(cid=keys)
        def delete(self, cid: CID) -> None:
            self.store.delete(cid)
            self.model.pop(cid, None)

        @rule(cid=keys)
        def get(self, cid: CID) -> None:
            if cid in self.model:
                assert self.store.get(cid) == self.model[cid]
            else:
                with pytest.raises(BlockNotFound):
                    self.store.get(cid)

        @rule(cid=keys)
        def has(self, cid: CID) -> None:
            assert self.store.has(cid) == (cid in self.model)

        @invariant()
        def same_size(self) -> None:
            assert len(self.store) == len(self.model)

        @rule()
        def same_keys(self) -> None:
            assert sorted(self.store) == sorted(self.model)

        def teardown(self) -> None:
            self.store.close()

    BlockstoreMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=20, deadline=None)
    return BlockstoreMachine
