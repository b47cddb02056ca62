"""SDR layer labels, as storage-proofs-porep's ``create_label`` (layer 1) and ``create_label_exp`` (later).

label_l[v] = sha256(replica_id ‖ u32 BE(l) ‖ u64 BE(v) ‖ 20 zero bytes ‖ 37 parent labels) with the top two
bits of byte 31 cleared. The 37 parent labels are the parents' labels repeated cyclically: the 6 base parents
(from the same layer) in layer 1; the 6 base parents and then the 8 expander parents (from the previous layer)
in the later layers. Node 0 has no parents: its label hashes the 64-byte prefix alone.

:func:`create_label` is the readable reference (the verifier uses it too); :func:`compute_layer_native` runs
the C code and is tested to give identical layers.
"""

from __future__ import annotations

import hashlib
import mmap
from collections.abc import Callable, Sequence
from typing import Final, Protocol

from filnet.errors import InvalidInput
from filnet.proofs.graph import BASE_DEGREE, DEGREE
from filnet.proofs.registry import NODE_SIZE

try:
    from filnet.proofs import _sdr_native  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - exercised only where the extension is not built
    _sdr_native = None

PARENT_LABELS: Final = 37
"""Parent labels hashed per label: with the 64-byte prefix, 1248 bytes (20 SHA-256 blocks with padding)."""

_CHUNK_NODES: Final = 1 << 15
CACHE_ENTRY_SIZE: Final = DEGREE * 4


class ParentSource(Protocol):
    """Anything that gives a node's 14 parents (6 base then 8 expander): a graph or a parent cache."""

    def parents(self, node: int) -> Sequence[int]: ...


def label_prefix(replica_id: bytes, layer: int, node: int) -> bytes:
    """The first 64 bytes hashed: replica_id ‖ u32 BE(layer) ‖ u64 BE(node) ‖ 20 zero bytes."""
    return replica_id + layer.to_bytes(4, "big") + node.to_bytes(8, "big") + bytes(20)


def create_label(replica_id: bytes, layer: int, node: int, parent_labels: Sequence[bytes]) -> bytes:
    """The label of ``node`` in ``layer`` from its parents' labels (6 in layer 1, 14 later, 0 for node 0)."""
    if len(replica_id) != 32:
        raise InvalidInput(f"replica id must be 32 bytes, got {len(replica_id)}")
    expected = 0 if node == 0 else (BASE_DEGREE if layer == 1 else DEGREE)
    if len(parent_labels) != expected:
        raise InvalidInput(
            f"node {node} of layer {layer} needs {expected} parent labels, got {len(parent_labels)}"
        )
    h = hashlib.sha256(label_prefix(replica_id, layer, node))
    for k in range(PARENT_LABELS if expected else 0):
        h.update(parent_labels[k % expected])
    digest = bytearray(h.digest())
    digest[31] &= 0x3F
    return bytes(digest)


def parent_labels_of(
    node: int,
    layer: int,
    parents: Sequence[int],
    current: bytes | bytearray,
    previous: bytes | bytearray | None,
) -> list[bytes]:
    """Collect a node's parent labels: base parents from ``current``, expander parents from ``previous``."""
    if node == 0:
        return []
    out = [bytes(current[p * NODE_SIZE : (p + 1) * NODE_SIZE]) for p in parents[:BASE_DEGREE]]
    if layer > 1:
        if previous is None:
            raise InvalidInput(f"layer {layer} needs the previous layer's labels")
        out += [bytes(previous[p * NODE_SIZE : (p + 1) * NODE_SIZE]) for p in parents[BASE_DEGREE:DEGREE]]
    return out


def compute_layer_reference(
    source: ParentSource, nodes: int, replica_id: bytes, layer: int, previous: bytes | bytearray | None
) -> bytearray:
    """All labels of one layer, in pure Python (the readable reference)."""
    labels = bytearray(nodes * NODE_SIZE)
    for node in range(nodes):
        parents = source.parents(node)
        label = create_label(
            replica_id, layer, node, parent_labels_of(node, layer, parents, labels, previous)
        )
        labels[node * NODE_SIZE : (node + 1) * NODE_SIZE] = label
    return labels


def release_pages(mapping: mmap.mmap, start: int, length: int) -> None:
    """Unmap the whole pages of ``mapping[start:start+length]`` from resident memory (file data is kept)."""
    first = -(-start // mmap.PAGESIZE) * mmap.PAGESIZE
    end = min(
        (start + length) // mmap.PAGESIZE * mmap.PAGESIZE, len(mapping) // mmap.PAGESIZE * mmap.PAGESIZE
    )
    if end > first and hasattr(mmap, "MADV_DONTNEED"):
        mapping.madvise(mmap.MADV_DONTNEED, first, end - first)


def native_available() -> bool:
    """Whether the C fast path is built."""
    return _sdr_native is not None


def compute_layer_native(
    out: bytearray | memoryview | mmap.mmap,
    cache: bytes | memoryview | mmap.mmap,
    replica_id: bytes,
    layer: int,
    previous: bytes | bytearray | memoryview | mmap.mmap | None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Fill ``out`` (the whole layer) with labels using the native code and a raw parent cache buffer."""
    if _sdr_native is None:
        raise InvalidInput("the native SDR extension is not built (run setup.py build_ext --inplace)")
    nodes = len(out) // NODE_SIZE
    prev = previous if previous is not None else b""
    for first in range(0, nodes, _CHUNK_NODES):
        count = min(_CHUNK_NODES, nodes - first)
        try:
            _sdr_native.label_layer(out, prev, cache, replica_id, layer, first, count)
        except ValueError as e:
            raise InvalidInput(f"layer {layer}, nodes {first}..{first + count - 1}: {e}") from None
        if isinstance(cache, mmap.mmap):
            # The cache is read once, in order: drop the entries done from this process's resident memory
            # (they stay in the page cache), which keeps a 512 MiB seal's peak memory about 1 GB lower.
            release_pages(cache, first * CACHE_ENTRY_SIZE, count * CACHE_ENTRY_SIZE)
        if progress is not None:
            progress(first + count, nodes)
