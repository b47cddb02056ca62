"""File-system helpers: outputs are written to a temporary name and renamed only when complete."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from filnet.errors import StorageError


@contextlib.contextmanager
def atomic_output(
    path: str | os.PathLike[str], mode: int = 0o644, *, durable: bool = True
) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` for binary writing; on success fsync and rename it to ``path``.

    If the body raises, the temporary file is removed and ``path`` is left as it was. ``durable=False``
    skips both fsyncs (file and directory) for callers writing many small files, such as an unpack: the
    file still appears only when complete, but may not survive a crash.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        _fsync_dir(target.parent)


def preallocate(f: BinaryIO, size: int) -> None:
    """Give the open file ``f`` exactly ``size`` bytes of reserved disk space (zero-filled).

    Files that are then written through a memory mapping need this: on a sparse file, the kernel allocates
    blocks at the first write of each page, and if the disk is full then the process dies of SIGBUS instead of
    getting an error. Reserving up front turns that into a clean :class:`StorageError` here.
    """
    f.truncate(size)
    try:
        os.posix_fallocate(f.fileno(), 0, size)
    except OSError as e:
        if e.errno in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            return  # a file system without fallocate: the sparse file is the best we can do
        name = getattr(f, "name", "a file")
        raise StorageError(f"cannot reserve {size} bytes for {name}: {e.strerror}") from e


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_output(path, mode) as f:
        f.write(data)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory or ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
