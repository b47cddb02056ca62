"""Block stores: the ``Blockstore`` protocol and the in-memory backend.

A block store maps CIDs to block bytes. Keys are the full binary CID, so the same bytes under two codecs
are two blocks. Stores do not hash what they are given: callers that take blocks from outside verify them
first (see :meth:`filnet.ipld.cid.CID.verify`). The LMDB backend, the embedded default, lives in
:mod:`filnet.ipld.lmdbstore`; every backend passes the same test suite (``tests/ipld/blockstore_suite.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

from filnet.errors import NotFound
from filnet.ipld.cid import CID


class BlockNotFound(NotFound):
    """The store has no block under that CID."""

    def __init__(self, cid: CID) -> None:
        self.cid = cid
        super().__init__(f"block {cid} not found")


@runtime_checkable
class Blockstore(Protocol):
    """What every block store offers."""

    def get(self, cid: CID) -> bytes:
        """The block's bytes; raises :class:`BlockNotFound` when absent."""
        ...

    def put(self, cid: CID, data: bytes) -> None:
        """Store a block (idempotent)."""
        ...

    def put_many(self, blocks: Iterable[tuple[CID, bytes]]) -> None:
        """Store many blocks in one batch: all of them or, on failure, none."""
        ...

    def has(self, cid: CID) -> bool:
        """Whether the block is present."""
        ...

    def delete(self, cid: CID) -> None:
        """Remove a block; removing an absent block is not an error."""
        ...

    def __iter__(self) -> Iterator[CID]:
        """Every CID in the store, in no particular order."""
        ...

    def __len__(self) -> int:
        """Number of blocks."""
        ...

    def close(self) -> None:
        """Release resources; the store is unusable afterwards."""
        ...


class MemoryBlockstore:
    """A block store in a dict, for tests and for short-lived work."""

    def __init__(self) -> None:
        self._blocks: dict[bytes, tuple[CID, bytes]] = {}

    def get(self, cid: CID) -> bytes:
        entry = self._blocks.get(bytes(cid))
        if entry is None:
            raise BlockNotFound(cid)
        return entry[1]

    def put(self, cid: CID, data: bytes) -> None:
        self._blocks[bytes(cid)] = (cid, bytes(data))

    def put_many(self, blocks: Iterable[tuple[CID, bytes]]) -> None:
        staged = {bytes(cid): (cid, bytes(data)) for cid, data in blocks}
        self._blocks.update(staged)

    def has(self, cid: CID) -> bool:
        return bytes(cid) in self._blocks

    def delete(self, cid: CID) -> None:
        self._blocks.pop(bytes(cid), None)

    def __iter__(self) -> Iterator[CID]:
        return iter([cid for cid, _ in self._blocks.values()])

    def __len__(self) -> int:
        return len(self._blocks)

    def __contains__(self, cid: object) -> bool:
        return isinstance(cid, CID) and self.has(cid)

    def close(self) -> None:
        self._blocks.clear()
