"""AMT (go-amt-ipld v4 layout): behaviour, canonical form, strict decoding, Lotus genesis round trips."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.car.reader import load_car
from filnet.errors import DecodeError, InvalidInput, MissingBlock
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.amt import MAX_INDEX, Amt, AmtError
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from tests.vm.genesis import genesis_path


def build(items: Iterable[tuple[int, object]], bit_width: int = 3) -> tuple[Amt, CID]:
    amt = Amt(MemoryBlockstore(), bit_width=bit_width)
    for index, value in items:
        amt.set(index, value)
    return amt, amt.flush()


def put(store: MemoryBlockstore, raw: object) -> CID:
    data = dagcbor.encode(raw)
    cid = CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)
    store.put(cid, data)
    return cid


def test_empty_and_small_layouts() -> None:
    amt, root = build([])
    assert dagcbor.decode(amt.store.get(root)) == [3, 0, 0, [b"\x00", [], []]]
    amt, root = build([(0, "a"), (2, "c")])
    assert dagcbor.decode(amt.store.get(root)) == [3, 0, 2, [b"\x05", [], ["a", "c"]]]
    # bit width 5: a 4-byte bitmap, slot i at bit i % 8 of byte i // 8
    amt, root = build([(9, 1)], bit_width=5)
    assert dagcbor.decode(amt.store.get(root)) == [5, 0, 1, [b"\x00\x02\x00\x00", [], [1]]]


def test_height_grows_and_collapses() -> None:
    amt, root = build([(0, 0), (64, 64)])
    assert amt.height == 2  # 8^2 = 64 indices per slot at height 2
    raw = dagcbor.decode(amt.store.get(root))
    assert raw[:3] == [3, 2, 2] and raw[3][0] == b"\x03" and len(raw[3][1]) == 2
    assert amt.delete(64)
    assert amt.height == 0
    assert amt.flush() == build([(0, 0)])[1]
    # Setting a large index on an empty AMT adds height without empty nodes in between.
    amt, root = build([(1000, "x")])
    assert amt.height == 3 and amt.get(1000) == "x"
    assert amt.delete(1000) and amt.flush() == build([])[1]


def test_get_set_delete_iterate() -> None:
    amt, _ = build((i * 3, i) for i in range(300))
    assert len(amt) == 300
    assert amt.get(9) == 3 and amt.get(10) is None and amt.get(10, "d") == "d"
    assert 9 in amt and 10 not in amt and -1 not in amt
    assert [i for i, _ in amt.items()] == [i * 3 for i in range(300)]
    assert [i for i, _ in amt.items(start=850)] == [i * 3 for i in range(284, 300)]
    assert list(amt.values())[:3] == [0, 1, 2]
    assert not amt.delete(10) and not amt.delete(MAX_INDEX)
    amt.set(9, None)  # null is a value, not an absence
    assert 9 in amt and amt.get(9, "d") is None and len(amt) == 300
    for bad in (-1, MAX_INDEX + 1):
        with pytest.raises(InvalidInput):
            amt.set(bad, 1)


def test_max_index() -> None:
    amt, root = build([(MAX_INDEX, "last"), (0, "first")])
    reopened = Amt(amt.store, root)
    assert reopened.get(MAX_INDEX) == "last" and next(iter(reopened.items())) == (0, "first")


def test_flush_writes_only_changed_nodes() -> None:
    amt, root = build((i, i) for i in range(5000))
    before = len(amt.store)
    reopened = Amt(amt.store, root)
    assert reopened.flush() == root
    reopened.set(1234, "x")
    reopened.flush()
    assert len(amt.store) - before == reopened.height + 1  # one node per level, and the root


def test_missing_block_names_the_cid() -> None:
    amt, root = build((i, i) for i in range(100))
    store = MemoryBlockstore()
    store.put(root, amt.store.get(root))
    with pytest.raises(MissingBlock, match="AMT node bafy"):
        list(Amt(store, root).items())


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ([3, 0, 0], "bitWidth, height, count, node"),
        ([5, 0, 0, [b"\x00", [], []]], "bit width 5"),
        ([3, 0, -1, [b"\x00", [], []]], "out of range"),
        ([3, 65, 0, [b"\x00", [], []]], "out of range"),
        ([3, 22, 0, [b"\x00", [], []]], "beyond what 64-bit"),
        ([3, 0, 9, [b"\xff", [], [1] * 8]], "cannot hold 9"),
        ([3, 0, 1, [b"\x00\x00", [], []]], "bitmap has 2 bytes"),
        ([3, 0, 1, [b"\x01", [], [1, 2]]], "names 1 values"),
        ([3, 0, 1, [b"\x01", [], []]], "names slots but the node is empty"),
        ([3, 1, 0, [b"\x00", [], []]], "only the root of an empty AMT"),
        ([3, 1, 1, [b"\x01", [], [1]]], "values found above height 0"),
        ([3, 0, 1, [b"\x01", 1, []]], r"\[bytes, array, array\]"),
        ([3, 1, 1, [b"\x01", [b"x"], []]], "not a dag-cbor link"),
        ([True, 0, 0, [b"\x00", [], []]], "must be integers"),
    ],
)
def test_invalid_roots(raw: object, reason: str) -> None:
    store = MemoryBlockstore()
    cid = put(store, raw)
    with pytest.raises(AmtError, match=reason) as info:
        Amt(store, cid)
    assert str(cid) in str(info.value)


def test_invalid_children() -> None:
    store = MemoryBlockstore()
    leaf = put(store, [b"\x01", [], [1]])
    both = put(store, [b"\x01", [leaf], [1]])
    with pytest.raises(AmtError, match="both links and values"):
        list(Amt(store, put(store, [3, 1, 1, [b"\x01", [both], []]])).items())
    with pytest.raises(AmtError, match="links found at height 0"):
        list(Amt(store, put(store, [3, 1, 1, [b"\x01", [put(store, [b"\x01", [leaf], []])], []]])).items())
    with pytest.raises(AmtError, match="only the root"):
        list(Amt(store, put(store, [3, 1, 0, [b"\x01", [put(store, [b"\x00", [], []])], []]])).items())


# -- properties ---------------------------------------------------------------------------------

indices = st.one_of(st.integers(min_value=0, max_value=600), st.integers(min_value=0, max_value=MAX_INDEX))
operations = st.lists(st.tuples(st.sampled_from(["set", "delete"]), indices, st.integers(0, 9)), max_size=80)


@settings(max_examples=60, deadline=None)
@given(operations, st.sampled_from([1, 3, 6]))
def test_behaves_like_a_sparse_list(ops: list[tuple[str, int, int]], bit_width: int) -> None:
    store = MemoryBlockstore()
    amt = Amt(store, bit_width=bit_width)
    model: dict[int, int] = {}
    for i, (op, index, value) in enumerate(ops):
        if op == "set":
            amt.set(index, value)
            model[index] = value
        else:
            assert amt.delete(index) == (index in model)
            model.pop(index, None)
        if i % 13 == 0:
            amt = Amt(store, amt.flush(), bit_width=bit_width)
    assert list(amt.items()) == sorted(model.items())
    assert len(amt) == len(model)
    assert amt.flush() == build(sorted(model.items()), bit_width)[1]


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(indices, st.integers(0, 1000), max_size=60), st.randoms(use_true_random=False))
def test_root_is_independent_of_insertion_order(content: dict[int, int], rng: object) -> None:
    items = list(content.items())
    shuffled = items[:]
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert build(items)[1] == build(shuffled)[1]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80))
def test_decoder_fuzz_random_bytes(data: bytes) -> None:
    store = MemoryBlockstore()
    cid = CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)
    store.put(cid, data)
    with contextlib.suppress(DecodeError):
        list(Amt(store, cid).items())


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0), st.integers(min_value=0, max_value=7))
def test_decoder_fuzz_mutated_nodes(where: int, bit: int) -> None:
    source, root = build((i * 7, [i, b"v"]) for i in range(60))
    data = bytearray(source.store.get(root))
    data[where % len(data)] ^= 1 << bit
    store = MemoryBlockstore()
    for other in source.store:
        store.put(other, source.store.get(other))
    cid = CID.compute(codecs.DAG_CBOR, bytes(data), multihash.BLAKE2B_256)
    store.put(cid, bytes(data))
    with contextlib.suppress(DecodeError, MissingBlock):
        list(Amt(store, cid).items())


def test_legacy_root_layout() -> None:
    store = MemoryBlockstore()
    amt = Amt(store, legacy_root=True)
    root = amt.flush()
    assert dagcbor.decode(store.get(root)) == [0, 0, [b"\x00", [], []]]
    # Lotus's empty message/receipt AMT, the root of every empty block's receipts.
    assert str(root) == "bafy2bzacedswlcz5ddgqnyo3sak3jmhmkxashisnlpq6ujgyhe4mlobzpnhs6"
    for i in range(100):
        amt.set(i, [i])
    root = amt.flush()
    raw = dagcbor.decode(store.get(root))
    assert raw[:2] == [2, 100] and len(raw) == 3
    reloaded = Amt(store, root, legacy_root=True)
    assert [v for _, v in reloaded.items()] == [[i] for i in range(100)]
    with pytest.raises(AmtError, match="legacy layout"):
        Amt(store, put(store, [3, 0, 0, [b"\x00", [], []]]), legacy_root=True)
    with pytest.raises(AmtError, match=r"\[bitWidth, height, count, node\]"):
        Amt(store, root)
    with pytest.raises(InvalidInput):
        Amt(store, bit_width=5, legacy_root=True)


def test_genesis_block_message_and_receipt_amts() -> None:
    store = MemoryBlockstore()
    header = dagcbor.decode(store.get(load_car(genesis_path("butterflynet"), store).roots[0]))
    receipts, meta = header[9], dagcbor.decode(store.get(header[10]))
    for root in (receipts, *meta):
        assert len(Amt(store, root, legacy_root=True)) == 0
    assert Amt(MemoryBlockstore(), legacy_root=True).flush() == receipts
