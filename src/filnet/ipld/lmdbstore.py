"""The embedded block store: one LMDB environment, binary CIDs as keys, block bytes as values.

LMDB is copy-on-write with one writer at a time and any number of lock-free readers; a committed
transaction is durable (fsync) and a crash never needs a recovery step. The memory map is reserved up front
(``map_size``, virtual address space, not disk) and cannot grow behind our back: when it is full, writes fail
with a :class:`StorageError` that says so, and the store can be reopened with a larger ``map_size``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Final

import lmdb

from filnet.errors import StorageError
from filnet.ipld.blockstore import BlockNotFound
from filnet.ipld.cid import CID

#: 16 GiB of address space: room for a devnet node's blocks without ever growing the map.
DEFAULT_MAP_SIZE: Final = 1 << 34


class LmdbBlockstore:
    """A :class:`filnet.ipld.blockstore.Blockstore` in an LMDB environment (a directory)."""

    def __init__(
        self, path: str | os.PathLike[str], map_size: int = DEFAULT_MAP_SIZE, readonly: bool = False
    ):
        self.path = Path(path)
        self.map_size = map_size
        try:
            if not readonly:
                self.path.mkdir(parents=True, exist_ok=True)
            # readahead=False: block reads are random, and OS read-ahead on a map larger than RAM only
            # evicts useful pages (the advice of LMDB's documentation for random access).
            self._env = lmdb.open(
                str(self.path), map_size=map_size, readonly=readonly, create=not readonly, readahead=False
            )
        except (lmdb.Error, OSError) as e:
            raise StorageError(f"cannot open block store at {self.path}: {e}") from None

    # -- reads ----------------------------------------------------------------------------------------

    def get(self, cid: CID) -> bytes:
        try:
            with self._env.begin() as txn:
                data: bytes | None = txn.get(bytes(cid))
        except lmdb.Error as e:
            raise self._error("read", e) from None
        if data is None:
            raise BlockNotFound(cid)
        return data

    def has(self, cid: CID) -> bool:
        try:
            # buffers=True: look at the value in place instead of copying it out of the map.
            with self._env.begin(buffers=True) as txn:
                return txn.get(bytes(cid)) is not None
        except lmdb.Error as e:
            raise self._error("read", e) from None

    def __contains__(self, cid: object) -> bool:
        return isinstance(cid, CID) and self.has(cid)

    def __iter__(self) -> Iterator[CID]:
        """Every CID, in binary-key order, from one read snapshot taken when iteration starts."""
        try:
            with self._env.begin() as txn:
                for key in txn.cursor().iternext(keys=True, values=False):
                    yield CID.decode(key)
        except lmdb.Error as e:
            raise self._error("read", e) from None

    def __len__(self) -> int:
        try:
            entries: int = self._env.stat()["entries"]
        except lmdb.Error as e:
            raise self._error("read", e) from None
        return entries

    # -- writes ---------------------------------------------------------------------------------------

    def put(self, cid: CID, data: bytes) -> None:
        try:
            with self._env.begin(write=True) as txn:
                txn.put(bytes(cid), data)
        except lmdb.Error as e:
            raise self._error("write", e) from None

    def put_many(self, blocks: Iterable[tuple[CID, bytes]]) -> None:
        """Store every block in one write transaction: if anything fails, including the iterable, none."""
        try:
            with self._env.begin(write=True) as txn:
                put = txn.put
                for cid, data in blocks:
                    put(bytes(cid), data)
        except lmdb.Error as e:
            raise self._error("write", e) from None

    def delete(self, cid: CID) -> None:
        try:
            with self._env.begin(write=True) as txn:
                txn.delete(bytes(cid))
        except lmdb.Error as e:
            raise self._error("write", e) from None

    # -- life cycle -----------------------------------------------------------------------------------

    def close(self) -> None:
        self._env.close()

    def __enter__(self) -> LmdbBlockstore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _error(self, action: str, e: lmdb.Error) -> StorageError:
        """A :class:`StorageError` that says what went wrong in words a user can act on."""
        if isinstance(e, lmdb.MapFullError):
            return StorageError(
                f"block store at {self.path} is full (map_size {self.map_size} bytes): "
                "reopen it with a larger map_size"
            )
        if isinstance(e, lmdb.ReadonlyError):
            return StorageError(f"block store at {self.path} is open read-only: cannot {action}")
        if isinstance(e, lmdb.BadValsizeError):
            return StorageError(f"block store at {self.path}: key or value size not supported by LMDB ({e})")
        return StorageError(f"block store at {self.path}: {action} failed: {e}")
