"""An append-only block store in a temporary file, for staging huge DAGs before writing them as a CAR.

The UnixFS importer emits leaves first and the root last, while a CAR must start with the root: blocks are
spooled here (data on disk, only ``CID -> (offset, length)`` in memory), then written in canonical order with
:func:`filnet.car.v1.write_car_v1`. The file is anonymous where the platform allows (unlinked from the start,
so nothing is left behind even after a crash) and is removed on close in any case.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from types import TracebackType

from filnet.errors import StorageError
from filnet.ipld.blockstore import BlockNotFound
from filnet.ipld.cid import CID


class SpoolBlockstore:
    """A :class:`filnet.ipld.blockstore.Blockstore` appending block data to a temporary file."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        try:
            # Held open for the store's lifetime and closed by close(): no context manager fits.
            self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115
        except OSError as e:
            raise StorageError(
                f"cannot create a spool file in {directory or tempfile.gettempdir()}: {e}"
            ) from e
        self._fd = self._file.fileno()
        self._where: dict[CID, tuple[int, int]] = {}
        self._end = 0
        self._closed = False

    @property
    def size(self) -> int:
        """Bytes of block data in the spool file (deleted blocks included: space is not reclaimed)."""
        return self._end

    def _append(self, data: bytes) -> int:
        """Write ``data`` at the end of the file; return where it starts."""
        self._check_open()
        offset = self._end
        view = memoryview(data)
        written = 0
        try:
            while written < len(view):
                written += os.pwrite(self._fd, view[written:], offset + written)
        except OSError as e:
            raise StorageError(f"cannot write to the spool file: {e}") from e
        self._end += len(data)
        return offset

    def put(self, cid: CID, data: bytes) -> None:
        if cid not in self._where:
            self._where[cid] = (self._append(data), len(data))

    def put_many(self, blocks: Iterable[tuple[CID, bytes]]) -> None:
        """Append all blocks, or none: on failure the file is cut back and the index left unchanged."""
        start = self._end
        staged: dict[CID, tuple[int, int]] = {}
        try:
            for cid, data in blocks:
                if cid not in self._where and cid not in staged:
                    staged[cid] = (self._append(data), len(data))
        except BaseException:
            self._end = start
            if not self._closed:
                os.ftruncate(self._fd, start)
            raise
        self._where.update(staged)

    def get(self, cid: CID) -> bytes:
        entry = self._where.get(cid)
        if entry is None:
            raise BlockNotFound(cid)
        self._check_open()
        offset, length = entry
        data = os.pread(self._fd, length, offset)
        if len(data) != length:
            raise StorageError(
                f"spool file is short: block {cid} at {offset} has {len(data)} of {length} bytes"
            )
        return data

    def has(self, cid: CID) -> bool:
        return cid in self._where

    def __contains__(self, cid: object) -> bool:
        return isinstance(cid, CID) and cid in self._where

    def delete(self, cid: CID) -> None:
        self._where.pop(cid, None)

    def __iter__(self) -> Iterator[CID]:
        return iter(list(self._where))

    def __len__(self) -> int:
        return len(self._where)

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("spool block store is closed")

    def close(self) -> None:
        """Remove the spool file and forget every block."""
        if not self._closed:
            self._closed = True
            self._file.close()
            self._where.clear()

    def __enter__(self) -> SpoolBlockstore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
