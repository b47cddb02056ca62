"""CommP of a stream in bounded memory, on the native fast path and optionally on several threads.

The stream is cut into *batches* of 127 · 2^13 bytes (about 1 MiB); the native ``commp_subtree`` Fr32-pads
a batch and returns the root of its aligned subtree (2^15 leaves), with the GIL released, so Python's cost is
per batch, not per node. Batch roots and the smaller subtrees of the stream's tail are merged as in any
streaming Merkle tree: one pending left node per level. ``digest`` pads the remainder with zero subtrees.
:mod:`filnet.piece.commp_ref` is the readable definition this module is tested against.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import BinaryIO, Final

from filnet.errors import InvalidInput
from filnet.ipld.cid import CID
from filnet.piece import cid, commp_ref, size
from filnet.piece.commp_ref import MIN_PAYLOAD_SIZE, sha254, zero_commitment
from filnet.piece.fr32 import QUAD_IN

__all__ = [
    "MAX_PAYLOAD_SIZE",
    "MIN_PAYLOAD_SIZE",
    "BackgroundCommP",
    "CommP",
    "PieceInfo",
    "commp_of_bytes",
    "commp_of_stream",
    "zero_commitment",
]

#: Largest payload accepted: a 64 GiB piece, Filecoin's largest sector (go-fil-commp-hashhash's limit).
MAX_PAYLOAD_SIZE: Final = (64 << 30) // 128 * 127
#: Quads per batch handed to the native code (2^13 quads = 2^15 leaves, 1 MiB padded).
BATCH_QUADS: Final = 1 << 13
BATCH_BYTES: Final = BATCH_QUADS * QUAD_IN
#: Tree level of a batch root (its subtree has 4 · BATCH_QUADS leaves).
_BATCH_LEVEL: Final = (4 * BATCH_QUADS).bit_length() - 1
#: Batches read at a time by commp_of_stream (4 MiB, or one per worker if more).
_READ_BATCHES: Final = 4

_subtree_root: Callable[[bytes | bytearray | memoryview], bytes]
try:
    from filnet.piece import _native

    _subtree_root = _native.commp_subtree
except ImportError:  # pragma: no cover - the extension is built by `make install`
    _subtree_root = commp_ref.subtree_root


@dataclass(frozen=True, slots=True)
class PieceInfo:
    """A piece's commitment with its payload (unpadded) size and padded piece size."""

    commp: bytes
    payload_size: int
    padded_size: int

    @property
    def piece_cid(self) -> CID:
        """The v1 piece CID (``baga6ea4sea…``)."""
        return cid.piece_cid_v1(self.commp)

    @property
    def piece_cid_v2(self) -> CID:
        """The FRC-0069 v2 piece CID (``bafkzcib…``), which also carries the payload size."""
        return cid.piece_cid_v2(self.commp, self.payload_size)

    @property
    def height(self) -> int:
        """Height of the CommP tree: log2(padded size / 32)."""
        return size.tree_height(self.padded_size)

    @property
    def padding(self) -> int:
        """Zero bytes appended to the payload to fill the tree (FRC-0069)."""
        return size.unpadded_size(self.padded_size) - self.payload_size


@cache
def _executor(workers: int) -> ThreadPoolExecutor:
    """One shared pool per worker count: native hashing releases the GIL, so threads run in parallel."""
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="commp")


def _push(stack: list[bytes | None], node: bytes, level: int) -> None:
    """Add the root of the next aligned subtree at ``level``, merging with pending left siblings."""
    while level < len(stack) and stack[level] is not None:
        left = stack[level]
        assert left is not None
        node = sha254(left + node)
        stack[level] = None
        level += 1
    stack.extend([None] * (level + 1 - len(stack)))
    stack[level] = node


def _fold(stack: list[bytes | None], height: int) -> bytes:
    """Root of a tree of ``height`` from its pending nodes, completing every right edge with zero subtrees."""
    node: bytes | None = None
    for level in range(height):
        left = stack[level] if level < len(stack) else None
        if node is None and left is None:
            continue
        if node is None:
            assert left is not None
            node = sha254(left + zero_commitment(level))
        else:
            node = sha254(left + node if left is not None else node + zero_commitment(level))
    if node is None:
        # The payload filled the tree exactly: its root is the one pending node, at the top.
        top = stack[height] if height < len(stack) else None
        assert top is not None
        return top
    return node


class CommP:
    """A streaming CommP hasher: ``update`` with payload bytes, then ``digest`` (repeatable)."""

    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise InvalidInput(f"workers must be at least 1, got {workers}")
        self._workers = workers
        self._group = workers * BATCH_BYTES
        self._pending = bytearray()
        self._stack: list[bytes | None] = []
        self._size = 0

    @property
    def payload_size(self) -> int:
        """Payload bytes hashed so far."""
        return self._size

    def update(self, data: bytes | bytearray | memoryview) -> None:
        """Add payload bytes."""
        view = memoryview(data).cast("B")
        if self._size + len(view) > MAX_PAYLOAD_SIZE:
            raise InvalidInput(
                f"payload exceeds the largest piece ({MAX_PAYLOAD_SIZE} bytes of a 64 GiB piece)"
            )
        self._size += len(view)
        pos = 0
        if self._pending:
            pos = min(len(view), self._group - len(self._pending))
            self._pending += view[:pos]
            if len(self._pending) < self._group:
                return
            # Batches are views of the pending buffer (slicing the bytearray itself would copy each one);
            # every view is gone when _hash_batches returns, so the buffer can be cleared.
            with memoryview(self._pending) as pending:
                self._hash_batches(pending)
            self._pending.clear()
        # Whole groups straight from the caller's buffer: no copy.
        whole = pos + (len(view) - pos) // self._group * self._group
        if whole > pos:
            self._hash_batches(view[pos:whole])
        self._pending += view[whole:]

    def _hash_batches(self, data: bytes | bytearray | memoryview) -> None:
        """Hash whole batches of ``data`` (on the worker threads if several) and push their roots in order."""
        batches = [data[i : i + BATCH_BYTES] for i in range(0, len(data), BATCH_BYTES)]
        if self._workers > 1 and len(batches) > 1:
            roots = list(_executor(self._workers).map(_subtree_root, batches))
        else:
            roots = [_subtree_root(b) for b in batches]
        for root in roots:
            _push(self._stack, root, _BATCH_LEVEL)

    def digest(self) -> PieceInfo:
        """CommP and sizes of the payload so far; the hasher is unchanged and can keep taking updates."""
        if self._size < MIN_PAYLOAD_SIZE:
            raise InvalidInput(f"CommP is not defined for payloads shorter than 65 bytes, got {self._size}")
        stack = list(self._stack)
        tail = memoryview(bytes(self._pending))
        # Whole batches first; then the remaining quads (fewer than a batch) as aligned subtrees, largest
        # first, so each starts at a multiple of its own size; then the last partial quad, zero-filled.
        offset = len(tail) // BATCH_BYTES * BATCH_BYTES
        for batch in range(0, offset, BATCH_BYTES):
            _push(stack, _subtree_root(tail[batch : batch + BATCH_BYTES]), _BATCH_LEVEL)
        # A subtree of 2^k quads has 2^(k+2) leaves, so its root sits at level k + 2.
        quads = (len(tail) - offset) // QUAD_IN
        for k in reversed(range(quads.bit_length())):
            if quads >> k & 1:
                end = offset + QUAD_IN * (1 << k)
                _push(stack, _subtree_root(tail[offset:end]), k + 2)
                offset = end
        if offset < len(tail):
            last = bytes(tail[offset:]) + bytes(QUAD_IN - (len(tail) - offset))
            _push(stack, _subtree_root(last), 2)
        padded = size.padded_size_for(self._size)
        return PieceInfo(_fold(stack, size.tree_height(padded)), self._size, padded)


class BackgroundCommP:
    """A :class:`CommP` fed on a thread of its own, so the caller's I/O overlaps the hashing.

    ``update`` gathers small writes into runs of about a batch group, then queues them (at most
    ``max_queued`` runs, which bounds memory); the thread hashes them in order with the GIL released. An error
    in the thread surfaces at the next ``update`` or at ``digest``. Use it as a context manager (or call
    ``close``) so that an abandoned hasher stops its thread.
    """

    def __init__(self, workers: int = 1, max_queued: int = 8) -> None:
        self._hasher = CommP(workers)
        self._run = max(workers, _READ_BATCHES) * BATCH_BYTES
        self._small: list[bytes] = []
        self._small_size = 0
        self._queue: queue.Queue[list[bytes] | None] = queue.Queue(maxsize=max_queued)
        self._error: BaseException | None = None
        self._result: PieceInfo | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._hash_queued, name="commp-feed", daemon=True)
        self._thread.start()

    def _hash_queued(self) -> None:
        """The thread: hash queued runs until the end marker (after an error or close: only drain)."""
        while (chunks := self._queue.get()) is not None:
            if self._error is None and not self._closed:
                try:
                    for chunk in chunks:
                        self._hasher.update(chunk)
                except BaseException as e:  # handed to the caller's thread
                    self._error = e

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    def update(self, data: bytes | bytearray | memoryview) -> None:
        """Queue payload bytes (copied unless ``bytes``: the caller may reuse its buffer)."""
        self._check()
        if self._result is not None:
            raise InvalidInput("BackgroundCommP takes no updates after digest")
        chunk = data if isinstance(data, bytes) else bytes(data)
        self._small.append(chunk)
        self._small_size += len(chunk)
        if self._small_size >= self._run:
            self._flush()

    def _flush(self) -> None:
        """Queue the gathered writes as one run (a list: CommP.update copies only unaligned bytes)."""
        if self._small:
            self._queue.put(self._small)
            self._small = []
            self._small_size = 0

    def digest(self) -> PieceInfo:
        """Wait for every queued byte to be hashed; CommP and sizes of everything given to ``update``."""
        if self._result is None:
            self._flush()
            self._queue.put(None)
            self._thread.join()
            self._check()
            self._result = self._hasher.digest()
        return self._result

    def close(self) -> None:
        """Stop the thread, dropping whatever is still queued (``digest`` has already waited for it)."""
        if self._thread.is_alive():
            self._closed = True
            self._queue.put(None)
            self._thread.join()

    def __enter__(self) -> BackgroundCommP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def commp_of_stream(stream: BinaryIO, workers: int = 1) -> PieceInfo:
    """CommP of everything ``stream`` yields, read a few whole batches at a time."""
    hasher = CommP(workers)
    read_size = max(_READ_BATCHES, workers) * BATCH_BYTES
    while chunk := stream.read(read_size):
        hasher.update(chunk)
    return hasher.digest()


def commp_of_bytes(data: bytes | bytearray | memoryview) -> PieceInfo:
    """CommP of an in-memory payload."""
    hasher = CommP()
    hasher.update(data)
    return hasher.digest()
