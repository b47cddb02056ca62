"""The SDR parent cache file, byte for byte as rust-fil-proofs writes it (stacked/vanilla/cache.rs).

The file holds, for every node in order, its 14 parents as u32 little-endian: 6 base then 8 expander. Its name
is ``v28-sdr-parent-<hex sha256(hasher name ‖ graph identifier ‖ feistel keys as u64 LE ‖ entries as u32
LE)>.cache``, so a cache generated here can be shared with Lotus and the other way round.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import struct
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final

from filnet.core.fsutil import atomic_output, preallocate
from filnet.errors import IntegrityError, InvalidInput
from filnet.proofs.graph import DEGREE, HASHER_NAME, StackedGraph
from filnet.proofs.registry import ApiVersion

try:
    from filnet.proofs import _sdr_native  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - exercised only where the extension is not built
    _sdr_native = None

PARAMETER_CACHE_VERSION: Final = 28
"""storage-proofs-core parameter_cache.rs ``VERSION``, the ``v28`` of the file name."""

ENTRY_SIZE: Final = DEGREE * 4
_CHUNK_NODES: Final = 1 << 16
_ENTRY: Final = struct.Struct(f"<{DEGREE}I")

Progress = Callable[[int, int], None]
"""Called with (nodes done, total nodes)."""


def native_available() -> bool:
    """Whether the C fast path is built."""
    return _sdr_native is not None


def parent_cache_id(graph: StackedGraph) -> str:
    """The cache id (the file stem), which keys rust-fil-proofs' parent_cache.json manifest."""
    h = hashlib.sha256()
    h.update(HASHER_NAME.encode())
    h.update(graph.identifier.encode())
    for key in graph.keys:
        h.update(key.to_bytes(8, "little"))
    h.update(graph.nodes.to_bytes(4, "little"))
    return f"v{PARAMETER_CACHE_VERSION}-sdr-parent-{h.hexdigest()}"


def parent_cache_name(graph: StackedGraph) -> str:
    """The file name of the graph's parent cache."""
    return parent_cache_id(graph) + ".cache"


def cache_entries_reference(graph: StackedGraph, first: int, count: int) -> bytes:
    """Cache entries of nodes ``first .. first+count-1`` from the pure-Python graph."""
    return b"".join(_ENTRY.pack(*graph.parents(v)) for v in range(first, first + count))


def fill_cache_entries(graph: StackedGraph, buffer: memoryview | bytearray, first: int) -> None:
    """Write the entries of the nodes from ``first`` on into ``buffer`` (native when built)."""
    if len(buffer) % ENTRY_SIZE:
        raise InvalidInput(f"buffer length {len(buffer)} is not a multiple of {ENTRY_SIZE}")
    count = len(buffer) // ENTRY_SIZE
    if _sdr_native is None:
        buffer[:] = cache_entries_reference(graph, first, count)
        return
    k0, k1, k2, _ = graph.keys
    v1_1 = graph.api_version is not ApiVersion.V1_0_0
    _sdr_native.fill_parent_cache(buffer, graph.nodes, first, graph.seed, k0, k1, k2, v1_1)


def generate_parent_cache(
    graph: StackedGraph, path: str | os.PathLike[str], progress: Progress | None = None, threads: int = 2
) -> str:
    """Write the whole cache to ``path`` atomically; return its SHA-256 digest (hex)."""
    size = graph.nodes * ENTRY_SIZE
    with atomic_output(path) as f:
        preallocate(f, size)
        with mmap.mmap(f.fileno(), size) as mm:
            _fill_in_chunks(graph, mm, progress, threads)
            mm.flush()
            digest = hashlib.sha256(mm).hexdigest()
    return digest


def _fill_in_chunks(graph: StackedGraph, mm: mmap.mmap, progress: Progress | None, threads: int) -> None:
    """Fill a mapped cache file chunk by chunk, on ``threads`` threads (the native code drops the GIL)."""
    chunks = [(n, min(_CHUNK_NODES, graph.nodes - n)) for n in range(0, graph.nodes, _CHUNK_NODES)]
    with memoryview(mm) as view:

        def fill(chunk: tuple[int, int]) -> int:
            first, count = chunk
            with view[first * ENTRY_SIZE : (first + count) * ENTRY_SIZE] as part:
                fill_cache_entries(graph, part, first)
            return count

        done = 0
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            for count in pool.map(fill, chunks):
                done += count
                if progress is not None:
                    progress(done, graph.nodes)


class ParentCache:
    """A parent cache file opened read-only (memory-mapped)."""

    def __init__(self, graph: StackedGraph, path: str | os.PathLike[str]) -> None:
        self.graph = graph
        self.path = Path(path)
        expected = graph.nodes * ENTRY_SIZE
        actual = self.path.stat().st_size
        if actual != expected:
            raise IntegrityError(f"parent cache {self.path} has {actual} bytes, expected {expected}")
        with open(self.path, "rb") as f:
            self._mmap = mmap.mmap(f.fileno(), expected, access=mmap.ACCESS_READ)

    @classmethod
    def open_or_generate(
        cls, graph: StackedGraph, cache_dir: str | os.PathLike[str], progress: Progress | None = None
    ) -> ParentCache:
        """Open the graph's cache in ``cache_dir``, generating it first if absent.

        The file is only ever created by an atomic rename, so an existing file of the right size is complete.
        """
        directory = Path(cache_dir)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / parent_cache_name(graph)
        if not path.exists():
            generate_parent_cache(graph, path, progress)
        return cls(graph, path)

    @property
    def buffer(self) -> mmap.mmap:
        """The raw entries, read-only (for the native label code)."""
        return self._mmap

    def parents(self, node: int) -> tuple[int, ...]:
        """The 14 parents of ``node``."""
        if not 0 <= node < self.graph.nodes:
            raise InvalidInput(f"node {node} outside the graph of {self.graph.nodes} nodes")
        return _ENTRY.unpack_from(self._mmap, node * ENTRY_SIZE)

    def digest(self) -> str:
        """SHA-256 of the whole file (hex), the consistency digest rust-fil-proofs checks."""
        return hashlib.sha256(self._mmap).hexdigest()

    def close(self) -> None:
        """Unmap the file."""
        self._mmap.close()

    def __enter__(self) -> ParentCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
