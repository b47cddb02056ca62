"""Queues of sector numbers by epoch (builtin-actors ``bitfield_queue.rs``), and the store helpers the miner's
state modules share.

A :class:`BitFieldQueue` is an AMT from a quantized epoch to the RLE+ bitfield of the values due then; the
miner keeps one for expired pre-commit clean-up and one per partition for early terminations.

The helpers turn every failure to read or write state (a missing block, a malformed node, a bad bitfield)
into ``USR_ILLEGAL_STATE``, the code builtin-actors' handlers give such failures.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from filnet.actors.encoding import as_bytes, decode_block
from filnet.actors.miner.quantize import QuantSpec
from filnet.core.types import ChainEpoch
from filnet.errors import FilnetError
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.amt import Amt
from filnet.ipld.bitfield import MAX_ENCODED_SIZE, BitField
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.vm.exit_codes import ActorError, ExitCode


@contextmanager
def state_context(what: str) -> Iterator[None]:
    """Re-raise a store, decode or bitfield failure inside the block as USR_ILLEGAL_STATE about ``what``."""
    try:
        yield
    except ActorError:
        raise
    except FilnetError as e:
        raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"{what}: {e}") from None


def illegal_state(message: str) -> ActorError:
    """The error of a state that does not hold together (Rust ``anyhow!`` caught as USR_ILLEGAL_STATE)."""
    return ActorError(ExitCode.USR_ILLEGAL_STATE, message)


def put_cbor(store: Blockstore, value: Any) -> CID:
    """Write a DAG-CBOR value under its blake2b-256 CID (fvm ``put_cbor`` with ``Code::Blake2b256``)."""
    data = dagcbor.encode(value)
    cid = CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)
    store.put(cid, data)
    return cid


def get_cbor(store: Blockstore, cid: CID, what: str) -> Any:
    """Read and decode the block ``cid``; USR_ILLEGAL_STATE if it is missing or malformed."""
    with state_context(f"failed to load {what} {cid}"):
        return decode_block(store.get(cid), what)


def load_amt(store: Blockstore, root: CID, what: str) -> Amt:
    """Load an AMT at whatever bit width its root records (fvm ``Amt::load``)."""
    raw = get_cbor(store, root, what)
    bit_width = raw[0] if isinstance(raw, list) and raw and type(raw[0]) is int else None
    if bit_width is None or not 1 <= bit_width <= 16:
        raise illegal_state(f"failed to load {what} {root}: not an AMT root")
    with state_context(f"failed to load {what} {root}"):
        return Amt(store, root, bit_width)


def new_amt(store: Blockstore, bit_width: int) -> CID:
    """Root of a new empty AMT of ``bit_width`` (fvm ``Array::new_with_bit_width(..).flush()``)."""
    return Amt(store, bit_width=bit_width).flush()


def amt_index(epoch: int, what: str) -> int:
    """An epoch as an AMT index; a negative one is an illegal state (Rust ``u64::try_from``)."""
    if epoch < 0:
        raise illegal_state(f"{what}: epoch {epoch} is negative")
    return epoch


def encode_bitfield(bitfield: BitField) -> bytes:
    """The RLE+ bytes of a bitfield; USR_SERIALIZATION past fvm_ipld_bitfield's 32 KiB limit, the code
    builtin-actors gives an encoding failure."""
    data = bitfield.encode()
    if len(data) > MAX_ENCODED_SIZE:
        raise ActorError(
            ExitCode.USR_SERIALIZATION,
            f"bitfield of {len(data)} bytes exceeds the {MAX_ENCODED_SIZE}-byte limit",
        )
    return data


def decode_bitfield(raw: Any, what: str) -> BitField:
    """An RLE+ bitfield carried as a CBOR byte string."""
    return BitField.decode(as_bytes(raw, what))


class BitFieldQueue:
    """An AMT[quantized epoch] of bitfields, working over the store until :meth:`flush`."""

    def __init__(self, amt: Amt, quant: QuantSpec) -> None:
        self.amt = amt
        self.quant = quant

    @classmethod
    def new(cls, store: Blockstore, root: CID, quant: QuantSpec) -> BitFieldQueue:
        """Load the queue at ``root``."""
        return cls(load_amt(store, root, "bitfield queue"), quant)

    def flush(self) -> CID:
        """Write the changes; the new root."""
        with state_context("failed to flush bitfield queue"):
            return self.amt.flush()

    def entries(self) -> Iterator[tuple[ChainEpoch, BitField]]:
        """Every (epoch, bitfield), by ascending epoch."""
        with state_context("failed to iterate bitfield queue"):
            for epoch, raw in self.amt.items():
                yield ChainEpoch(epoch), decode_bitfield(raw, "bitfield queue entry")

    def get(self, epoch: int) -> BitField:
        """The bitfield at an exact (already quantized) epoch, empty when absent."""
        with state_context(f"failed to lookup queue epoch {epoch}"):
            raw = self.amt.get(amt_index(epoch, "bitfield queue"))
            return BitField() if raw is None else decode_bitfield(raw, "bitfield queue entry")

    def add_to_queue(self, raw_epoch: ChainEpoch, values: BitField) -> BitFieldQueue:
        """Add ``values`` to the entry of ``raw_epoch`` quantized up."""
        if not values:
            return self
        epoch = amt_index(self.quant.quantize_up(raw_epoch), "bitfield queue")
        bitfield = self.get(epoch)
        with state_context(f"failed to set queue epoch {epoch}"):
            self.amt.set(epoch, encode_bitfield(bitfield.union(values)))
        return self

    def add_to_queue_values(self, epoch: ChainEpoch, values: Iterable[int]) -> BitFieldQueue:
        """Add individual values to the entry of ``epoch`` quantized up."""
        with state_context("invalid bitfield values"):
            bitfield = BitField.from_indices(values)
        return self.add_to_queue(epoch, bitfield)

    def cut(self, to_cut: BitField) -> BitFieldQueue:
        """Cut ``to_cut`` out of every entry (shifting higher values down), dropping entries left empty."""
        with state_context("failed to cut from bitfield queue"):
            for epoch, bitfield in list(self.entries()):
                remaining = bitfield.cut(to_cut)
                if remaining:
                    self.amt.set(epoch, encode_bitfield(remaining))
                else:
                    self.amt.delete(epoch)
        return self

    def add_many_to_queue_values(self, values: Iterable[tuple[ChainEpoch, int]]) -> BitFieldQueue:
        """Add (epoch, value) pairs, one update per distinct quantized epoch."""
        grouped: dict[ChainEpoch, set[int]] = {}
        for raw_epoch, value in values:
            grouped.setdefault(self.quant.quantize_up(raw_epoch), set()).add(value)
        for epoch in sorted(grouped):
            self.add_to_queue_values(epoch, grouped[epoch])
        return self

    def pop_until(self, until: ChainEpoch) -> tuple[BitFieldQueue, BitField, bool]:
        """Remove every entry at or before ``until``; their union, and whether anything was removed."""
        popped: list[BitField] = []
        keys: list[int] = []
        for epoch, bitfield in self.entries():
            if epoch > until:
                break
            keys.append(epoch)
            popped.append(bitfield)
        if not keys:
            return self, BitField(), False
        with state_context("failed to pop from bitfield queue"):
            for key in keys:
                self.amt.delete(key)
        return self, BitField.multi_union(popped), True
