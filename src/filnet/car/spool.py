"""An append-only block store in a temporary file, for staging huge DAGs before writing them as a CAR.

The UnixFS importer emits leaves first and the root last, while a CAR must start with the root: blocks are
spooled here (data on disk, only ``CID -> (offset, length)`` in memory), then written in canonical order with
:func:`filnet.car.v1.write_car_v1`. The file is anonymous where the platform allows (unlinked from the start,
so nothing is left behind even after a crash) and is removed on close in any case.

Raw leaves read from files need not be copied at all: the importer hands them over as references
(:meth:`SpoolBlockstore.put_file_range`, like Kubo's filestore), which halves the bytes written by
``filnet data prep``. Such a block is read back from its file and hashed against its CID on every ``get``,
so a file changed in the meantime is an :class:`IntegrityError`, never a wrong block.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from types import TracebackType

from filnet.errors import HashMismatch, IntegrityError, StorageError
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
        #: Blocks kept by reference: ``CID -> (path, offset, length)``.
        self._refs: dict[CID, tuple[str, int, int]] = {}
        self._ref_bytes = 0
        #: The source file last read, held open: the CAR writer reads a file's leaves one after another.
        self._source: tuple[str, int] | None = None
        self._closed = False

    @property
    def size(self) -> int:
        """Bytes of block data put, in the spool file or by reference (deleted blocks included)."""
        return self._end + self._ref_bytes

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
        if cid not in self:
            self._where[cid] = (self._append(data), len(data))

    def put_file_range(self, cid: CID, path: str, offset: int, length: int) -> None:
        """Keep ``cid`` as a reference to bytes ``[offset, offset + length)`` of the file at ``path``."""
        self._check_open()
        if cid not in self:
            self._refs[cid] = (path, offset, length)
            self._ref_bytes += length

    def put_many(self, blocks: Iterable[tuple[CID, bytes]]) -> None:
        """Append all blocks, or none: on failure the file is cut back and the index left unchanged."""
        start = self._end
        staged: dict[CID, tuple[int, int]] = {}
        try:
            for cid, data in blocks:
                if cid not in self and cid not in staged:
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
            ref = self._refs.get(cid)
            if ref is None:
                raise BlockNotFound(cid)
            return self._read_ref(cid, *ref)
        self._check_open()
        offset, length = entry
        data = os.pread(self._fd, length, offset)
        if len(data) != length:
            raise StorageError(
                f"spool file is short: block {cid} at {offset} has {len(data)} of {length} bytes"
            )
        return data

    def _read_ref(self, cid: CID, path: str, offset: int, length: int) -> bytes:
        """Read a block kept by reference and check it still is the block ``cid`` names."""
        self._check_open()
        try:
            data = os.pread(self._source_fd(path), length, offset)
        except OSError as e:
            raise StorageError(f"cannot read {path} again for block {cid}: {e.strerror}") from None
        changed = len(data) != length
        if not changed:
            try:
                cid.verify(data)
            except HashMismatch:
                changed = True
        if changed:
            raise IntegrityError(
                f"{path} changed since it was imported: bytes {offset}..{offset + length} are no longer "
                f"block {cid}"
            )
        return data

    def _source_fd(self, path: str) -> int:
        """A descriptor open on ``path``, reusing the one of the previous read when it is the same file."""
        if self._source is not None and self._source[0] == path:
            return self._source[1]
        self._close_source()
        fd = os.open(path, os.O_RDONLY)
        self._source = (path, fd)
        return fd

    def _close_source(self) -> None:
        if self._source is not None:
            os.close(self._source[1])
            self._source = None

    def has(self, cid: CID) -> bool:
        return cid in self._where or cid in self._refs

    def __contains__(self, cid: object) -> bool:
        return isinstance(cid, CID) and (cid in self._where or cid in self._refs)

    def delete(self, cid: CID) -> None:
        self._where.pop(cid, None)
        self._refs.pop(cid, None)

    def __iter__(self) -> Iterator[CID]:
        return iter([*self._where, *self._refs])

    def __len__(self) -> int:
        return len(self._where) + len(self._refs)

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("spool block store is closed")

    def close(self) -> None:
        """Remove the spool file and forget every block."""
        if not self._closed:
            self._closed = True
            self._close_source()
            self._file.close()
            self._where.clear()
            self._refs.clear()

    def __enter__(self) -> SpoolBlockstore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
