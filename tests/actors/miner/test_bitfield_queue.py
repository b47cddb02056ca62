"""Bitfield queues and the store helpers (builtin-actors ``tests/miner_actor_test_bitfield_queue.rs``)."""

from __future__ import annotations

import pytest

from filnet.actors.miner.bitfield_queue import BitFieldQueue, get_cbor, load_amt, put_cbor
from filnet.actors.miner.quantize import NO_QUANTIZATION, QuantSpec
from filnet.core.types import ChainEpoch
from filnet.ipld.amt import Amt
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.vm.exit_codes import ActorError, ExitCode
from tests.actors.miner import bf


def empty_queue(quant: QuantSpec = NO_QUANTIZATION, bit_width: int = 3) -> BitFieldQueue:
    store = MemoryBlockstore()
    return BitFieldQueue.new(store, Amt(store, bit_width=bit_width).flush(), quant)


def contents(queue: BitFieldQueue) -> dict[int, list[int]]:
    """The queue as {epoch: values}, read back through a flushed reload (what the chain would see)."""
    reloaded = BitFieldQueue.new(queue.amt.store, queue.flush(), queue.quant)
    return {epoch: list(values) for epoch, values in reloaded.entries()}


def test_adds_values_to_empty_queue() -> None:
    queue = empty_queue().add_to_queue_values(ChainEpoch(42), [1, 2, 3, 4])
    assert contents(queue) == {42: [1, 2, 3, 4]}


def test_adds_bitfield_to_empty_queue() -> None:
    queue = empty_queue().add_to_queue(ChainEpoch(42), bf(1, 2, 3, 4))
    assert contents(queue) == {42: [1, 2, 3, 4]}


def test_quantizes_added_epochs_according_to_quantization_spec() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(5), ChainEpoch(3)))
    for value in (0, 2, 3, 4, 7, 8, 9):
        queue.add_to_queue_values(ChainEpoch(value), [value])
    assert contents(queue) == {3: [0, 2, 3], 8: [4, 7, 8], 13: [9]}


def test_merges_values_within_same_epoch() -> None:
    queue = (
        empty_queue().add_to_queue_values(ChainEpoch(42), [1, 3]).add_to_queue_values(ChainEpoch(42), [2, 4])
    )
    assert contents(queue) == {42: [1, 2, 3, 4]}


def test_adds_values_to_different_epochs() -> None:
    queue = (
        empty_queue().add_to_queue_values(ChainEpoch(42), [1, 3]).add_to_queue_values(ChainEpoch(93), [2, 4])
    )
    assert contents(queue) == {42: [1, 3], 93: [2, 4]}


def test_add_many_groups_by_quantized_epoch() -> None:
    queue = empty_queue(QuantSpec(ChainEpoch(5), ChainEpoch(3)))
    queue.add_many_to_queue_values(
        [(ChainEpoch(9), 2), (ChainEpoch(4), 1), (ChainEpoch(8), 1), (ChainEpoch(2), 7)]
    )
    assert contents(queue) == {3: [7], 8: [1], 13: [2]}


def test_pop_until_from_empty_queue_returns_empty_bitfield() -> None:
    _, popped, modified = empty_queue().pop_until(ChainEpoch(42))
    assert popped.count() == 0
    assert not modified


def test_pop_until_does_nothing_if_until_parameter_before_first_value() -> None:
    queue = (
        empty_queue().add_to_queue_values(ChainEpoch(42), [1, 3]).add_to_queue_values(ChainEpoch(93), [2, 4])
    )
    _, popped, modified = queue.pop_until(ChainEpoch(41))
    assert not popped
    assert not modified
    assert contents(queue) == {42: [1, 3], 93: [2, 4]}


def test_pop_until_removes_and_returns_entries_before_and_including_target_epoch() -> None:
    queue = empty_queue()
    for epoch, values in ((42, [1, 3]), (93, [5]), (94, [6, 7, 8]), (204, [2, 4])):
        queue.add_to_queue_values(ChainEpoch(epoch), values)
    _, popped, modified = queue.pop_until(ChainEpoch(93))
    assert modified
    assert list(popped) == [1, 3, 5]
    assert contents(queue) == {94: [6, 7, 8], 204: [2, 4]}
    _, popped, modified = queue.pop_until(ChainEpoch(93))
    assert not modified
    assert not popped
    _, popped, modified = queue.pop_until(ChainEpoch(204))
    assert modified
    assert list(popped) == [2, 4, 6, 7, 8]
    assert contents(queue) == {}


def test_cuts_elements() -> None:
    queue = empty_queue()
    queue.add_to_queue_values(ChainEpoch(42), [1, 2, 3, 4, 99]).add_to_queue_values(ChainEpoch(93), [5, 6])
    queue.cut(bf(2, 4, 5, 6))
    # 3 shifts down to 2 and 99 to 95; the second entry is left empty and removed
    assert contents(queue) == {42: [1, 2, 95]}


def test_adds_empty_bitfield_to_queue() -> None:
    queue = empty_queue().add_to_queue(ChainEpoch(42), BitField())
    assert contents(queue) == {}


def test_negative_epochs_are_an_illegal_state() -> None:
    with pytest.raises(ActorError) as e:
        empty_queue().add_to_queue_values(ChainEpoch(-5), [1])
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE


def test_queue_loads_whatever_bit_width_its_root_has() -> None:
    queue = empty_queue(bit_width=6).add_to_queue_values(ChainEpoch(1000), [9])
    reloaded = BitFieldQueue.new(queue.amt.store, queue.flush(), NO_QUANTIZATION)
    assert reloaded.amt.bit_width == 6
    assert list(reloaded.get(1000)) == [9]


def test_missing_and_malformed_roots_are_an_illegal_state() -> None:
    store = MemoryBlockstore()
    missing = CID.compute(0x71, b"\xa0")
    with pytest.raises(ActorError) as e:
        load_amt(store, missing, "queue")
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE
    not_an_amt = put_cbor(store, [b"x"])
    with pytest.raises(ActorError) as e:
        load_amt(store, not_an_amt, "queue")
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE
    assert get_cbor(store, not_an_amt, "value") == [b"x"]
