"""Merkle trees of sealing, with rust-fil-proofs' semantics (storage-proofs-core ``merkle``), stored on disk.

* Leaves are 32-byte field elements and are not hashed; a node is the hash of its ``arity`` children
  concatenated: ``sha254(left ‖ right)`` for the binary tree_d (CommD), neptune Poseidon with the Merkle
  domain tag for tree_c and tree_r_last (arity 8, and arity 2 for CommR-style pairs).
* tree_c's leaves are the column hashes of the layer labels (:func:`filnet.proofs.poseidon.hash_columns`,
  arity 2 or 11); tree_c then has the same shape as tree_r_last.
* Big sectors use *compound* shapes (``LCTree<H, U8, SUB, TOP>`` in filecoin-proofs ``constants.rs``): the
  leaves are split into contiguous base trees of arity 8, stored as separate files; the roots of
  ``sub_arity`` consecutive base trees hash into a sub-tree root, and ``top_arity`` sub-tree roots into the
  top root. :func:`sector_tree_shape` maps sector sizes to shapes.
* A tree file holds every level, so a prover reads a path without rebuilding anything: a 64-byte header
  (magic, version, hasher, arity, flags, leaf count, root, header checksum), then the levels bottom-up.
  A tree may leave its leaves out (flag ``EXTERNAL_LEAVES``) when another file already holds them in order:
  tree_r_last reads its leaves from the replica, as rust-fil-proofs does (its LevelCacheStore), so the
  replica is not stored twice. A truncated file is refused when opened; a corrupted node, or a leaf changed
  in the leaf file, is detected when a path through it is read (every level of the path is re-hashed
  against the stored parent). Unlike rust-fil-proofs, no rows above the leaves are discarded.
* An inclusion proof lists, per level, the sibling hashes and the position of the path node among its
  siblings (rust-fil-proofs ``InclusionPath``); :meth:`MerkleProof.verify` recomputes the root.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import os
import struct
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final

from filnet.errors import DecodeError, IntegrityError, InvalidInput, StorageError
from filnet.proofs import poseidon
from filnet.proofs.fr import FR_BYTES

NODE_BYTES: Final = FR_BYTES

#: Leaves hashed per chunk while building (8 MiB of leaves): large enough to amortise Python overhead,
#: small enough to keep memory flat for any sector size.
CHUNK_LEAVES: Final = 1 << 18

_MAGIC: Final = b"FILNETMT"
_VERSION: Final = 1
_HEADER = struct.Struct("<8sHBBIQ32s")  # magic, version, hasher, arity, flags, leaf count, root
HEADER_BYTES: Final = _HEADER.size + 8  # + the first 8 bytes of sha256(header fields)

EXTERNAL_LEAVES: Final = 1
"""Header flag: the file starts at level 1; the leaves are read from another file (the replica)."""


class TreeHasher(enum.IntEnum):
    """The node hash of a tree (the value is the byte stored in tree file headers)."""

    SHA254 = 1
    POSEIDON = 2


# ---------------------------------------------------------------------------------------------- hashing


def hash_level(hasher: TreeHasher, arity: int, children: bytes | bytearray | memoryview) -> bytes:
    """Hash a level: each consecutive group of ``arity`` 32-byte children becomes one 32-byte parent."""
    if hasher is TreeHasher.POSEIDON:
        return poseidon.hash_many(arity, children)
    if arity != 2:
        raise InvalidInput(f"sha254 trees are binary, not arity {arity}")
    if len(children) % (2 * NODE_BYTES):
        raise InvalidInput(f"level of {len(children)} bytes is not a whole number of node pairs")
    return _sha254_pairs()(children)


def levels_above(hasher: TreeHasher, arity: int, leaves: bytes | bytearray | memoryview) -> list[bytes]:
    """Every level above ``leaves`` (a power of ``arity`` many), bottom-up, ending with the root level."""
    count = len(leaves) // NODE_BYTES
    _check_arity(hasher, arity)
    if len(leaves) % NODE_BYTES or tree_height(count, arity) < 0:
        raise InvalidInput(f"{len(leaves)} bytes is not a power-of-{arity} number of 32-byte leaves")
    if hasher is TreeHasher.POSEIDON and count > 1:
        native = poseidon.native_tree_levels(arity, leaves)
        if native is not None:
            levels, offset = [], 0
            while count > 1:
                count //= arity
                levels.append(native[offset : offset + count * NODE_BYTES])
                offset += count * NODE_BYTES
            return levels
    levels = []
    level: bytes | bytearray | memoryview = leaves
    while len(level) > NODE_BYTES:
        level = hash_level(hasher, arity, level)
        levels.append(level)
    return levels


def tree_root(hasher: TreeHasher, arity: int, leaves: bytes | bytearray | memoryview) -> bytes:
    """The root of a single (non-compound) tree held in memory."""
    levels = levels_above(hasher, arity, leaves)
    return levels[-1] if levels else bytes(leaves)


def tree_height(leaf_count: int, arity: int) -> int:
    """Levels above the leaves of a tree with ``leaf_count`` leaves, or -1 when not a power of ``arity``."""
    if leaf_count < 1:
        return -1
    height = 0
    while leaf_count > 1:
        if leaf_count % arity:
            return -1
        leaf_count //= arity
        height += 1
    return height


def _check_arity(hasher: TreeHasher, arity: int) -> None:
    """Reject arities a hasher does not support."""
    if hasher is TreeHasher.SHA254 and arity != 2:
        raise InvalidInput(f"sha254 trees are binary, not arity {arity}")
    if hasher is TreeHasher.POSEIDON and arity not in poseidon.ARITIES:
        raise InvalidInput(f"unsupported Poseidon tree arity {arity}")


@functools.cache
def _sha254_pairs() -> Callable[[bytes | bytearray | memoryview], bytes]:
    """sha254 of each 64-byte pair: the shared native SHA-256 when built, hashlib otherwise."""
    try:
        from filnet.piece import _native
    except ImportError:
        return _sha254_pairs_hashlib
    return _native.sha254_pairs


def _sha254_pairs_hashlib(data: bytes | bytearray | memoryview) -> bytes:
    """sha254 of each 64-byte pair (portable fallback)."""
    view = memoryview(data)
    out = bytearray()
    for offset in range(0, len(view), 2 * NODE_BYTES):
        digest = bytearray(hashlib.sha256(view[offset : offset + 2 * NODE_BYTES]).digest())
        digest[31] &= 0x3F  # sha254: clear the top two bits so the node is a field element
        out += digest
    return bytes(out)


# ---------------------------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class TreeShape:
    """``LCTree<H, base, sub, top>``: base-tree arity, then the arities joining base roots (0 = absent)."""

    base_arity: int
    sub_arity: int = 0
    top_arity: int = 0

    @property
    def upper_arities(self) -> tuple[int, ...]:
        """Arities of the levels above the base trees, bottom-up."""
        return tuple(a for a in (self.sub_arity, self.top_arity) if a)

    @property
    def base_tree_count(self) -> int:
        """How many base trees (files) the leaves are split into."""
        count = 1
        for arity in self.upper_arities:
            count *= arity
        return count

    def base_leaf_count(self, leaf_count: int) -> int:
        """Leaves per base tree; raises InvalidInput when ``leaf_count`` does not fit the shape."""
        per_tree, rest = divmod(leaf_count, self.base_tree_count)
        if rest or tree_height(per_tree, self.base_arity) < 0:
            raise InvalidInput(f"{leaf_count} leaves do not fit the tree shape {self}")
        return per_tree


#: filecoin-proofs ``SectorShapeBase`` / ``Sub2`` / ``Sub8`` / ``Top2``.
SHAPE_BASE: Final = TreeShape(8)
SHAPE_SUB2: Final = TreeShape(8, 2)
SHAPE_SUB8: Final = TreeShape(8, 8)
SHAPE_TOP2: Final = TreeShape(8, 8, 2)

_KIB, _MIB, _GIB = 1 << 10, 1 << 20, 1 << 30
_SECTOR_SHAPES: Final = {
    2 * _KIB: SHAPE_BASE,
    4 * _KIB: SHAPE_SUB2,
    16 * _KIB: SHAPE_SUB8,
    32 * _KIB: SHAPE_TOP2,
    8 * _MIB: SHAPE_BASE,
    16 * _MIB: SHAPE_SUB2,
    512 * _MIB: SHAPE_BASE,
    1 * _GIB: SHAPE_SUB2,
    32 * _GIB: SHAPE_SUB8,
    64 * _GIB: SHAPE_TOP2,
}


def sector_tree_shape(sector_size: int) -> TreeShape:
    """The shape of tree_c and tree_r_last for a sector size (filecoin-proofs ``SectorShape*``)."""
    try:
        return _SECTOR_SHAPES[sector_size]
    except KeyError:
        raise InvalidInput(f"no tree shape for sector size {sector_size}") from None


# ---------------------------------------------------------------------------------------------- proofs


@dataclass(frozen=True)
class PathLevel:
    """One level of an inclusion path: the other children of the parent, and the path node's position."""

    siblings: tuple[bytes, ...]
    position: int

    @property
    def arity(self) -> int:
        """Children per parent at this level."""
        return len(self.siblings) + 1


@dataclass(frozen=True)
class MerkleProof:
    """An inclusion proof of ``leaf`` under ``root``; levels run from the leaf up."""

    hasher: TreeHasher
    leaf: bytes
    root: bytes
    path: tuple[PathLevel, ...]

    @property
    def index(self) -> int:
        """The leaf index the path proves: the positions as a mixed-radix number, lowest level first."""
        index, scale = 0, 1
        for level in self.path:
            index += level.position * scale
            scale *= level.arity
        return index

    def compute_root(self) -> bytes:
        """Hash from the leaf up along the path; raises InvalidInput when the proof is malformed."""
        node = _node_bytes(self.leaf, "leaf")
        for height, level in enumerate(self.path):
            if not 0 <= level.position < level.arity:
                raise InvalidInput(
                    f"path level {height}: position {level.position} outside arity {level.arity}"
                )
            siblings = [_node_bytes(s, f"path level {height} sibling") for s in level.siblings]
            siblings.insert(level.position, node)
            node = hash_level(self.hasher, level.arity, b"".join(siblings))
        return node

    def verify(self, root: bytes | None = None, index: int | None = None) -> bool:
        """True when the path leads to ``root`` (default: the proof's own) and, if given, proves ``index``."""
        if index is not None and index != self.index:
            return False
        try:
            return self.compute_root() == (self.root if root is None else root)
        except InvalidInput:
            return False


def _node_bytes(value: bytes, what: str) -> bytes:
    """Check a node is 32 bytes."""
    if len(value) != NODE_BYTES:
        raise InvalidInput(f"{what} must be {NODE_BYTES} bytes, got {len(value)}")
    return value


# ---------------------------------------------------------------------------------------------- tree files


def _layout(leaf_count: int, arity: int, stored_from: int = 0) -> tuple[int, ...]:
    """Node offset (in nodes, after the header) of each level, bottom-up, plus the total node count.

    Levels below ``stored_from`` are not in the file (their offsets are meaningless).
    """
    offsets, offset, width, level = [], 0, leaf_count, 0
    while True:
        offsets.append(offset)
        if level >= stored_from:
            offset += width
        if width == 1:
            break
        width //= arity
        level += 1
    return (*offsets, offset)


def _encode_header(hasher: TreeHasher, arity: int, flags: int, leaf_count: int, root: bytes) -> bytes:
    """The 64-byte header of a tree file."""
    fields = _HEADER.pack(_MAGIC, _VERSION, int(hasher), arity, flags, leaf_count, root)
    return fields + hashlib.sha256(fields).digest()[:8]


class MerkleTree:
    """A single (base) tree stored in one file, opened read-only. Use as a context manager or call close().

    A tree whose leaves are kept elsewhere (``EXTERNAL_LEAVES``) reads them from ``leaves``, where this tree
    covers leaf-count nodes from node ``part * leaf count`` on (``part``: its index among base trees). Opened
    without ``leaves``, such a tree gives its upper levels and root only.
    """

    def __init__(
        self, path: str | os.PathLike[str], leaves: str | os.PathLike[str] | None = None, part: int = 0
    ) -> None:
        self.path = Path(path)
        self.leaves_path: Path | None = None
        self._leaf_fd, self._leaf_offset = -1, 0
        try:
            self._fd = os.open(self.path, os.O_RDONLY)
        except OSError as e:
            raise StorageError(f"cannot open tree file {self.path}: {e.strerror}") from e
        try:
            self._read_header()
            if self.external_leaves and leaves is not None:
                self._open_leaves(Path(leaves), part)
        except BaseException:
            self.close()
            raise

    def _open_leaves(self, leaves: Path, part: int) -> None:
        """Open the file holding this tree's leaves and check it is long enough."""
        self.leaves_path = leaves
        self._leaf_offset = part * self.leaf_count * NODE_BYTES
        try:
            self._leaf_fd = os.open(leaves, os.O_RDONLY)
        except OSError as e:
            raise StorageError(f"cannot open the leaves of {self.path} ({leaves}): {e.strerror}") from e
        size = os.fstat(self._leaf_fd).st_size
        if size < self._leaf_offset + self.leaf_count * NODE_BYTES:
            raise IntegrityError(
                f"{leaves} has {size} bytes, too few for the {self.leaf_count} leaves of {self.path}"
            )

    def _read_header(self) -> None:
        """Parse and check the header and the file size."""
        raw = os.pread(self._fd, HEADER_BYTES, 0)
        if len(raw) < HEADER_BYTES:
            raise DecodeError(
                f"tree file {self.path} is shorter than its {HEADER_BYTES}-byte header", len(raw)
            )
        magic, version, hasher, arity, flags, leaf_count, root = _HEADER.unpack_from(raw)
        if magic != _MAGIC:
            raise DecodeError(f"{self.path} is not a filnet tree file (bad magic)", 0)
        if raw[_HEADER.size :] != hashlib.sha256(raw[: _HEADER.size]).digest()[:8]:
            raise DecodeError(
                f"tree file {self.path} has a corrupted header (checksum mismatch)", _HEADER.size
            )
        if version != _VERSION:
            raise DecodeError(f"tree file {self.path} has unsupported version {version}", 8)
        try:
            self.hasher = TreeHasher(hasher)
        except ValueError:
            raise DecodeError(f"tree file {self.path} names unknown hasher {hasher}", 10) from None
        _check_arity(self.hasher, arity)
        self.arity: int = arity
        self.height = tree_height(leaf_count, arity)
        if self.height < 0:
            raise DecodeError(f"tree file {self.path}: {leaf_count} leaves is not a power of {arity}", 16)
        if flags & ~EXTERNAL_LEAVES:
            raise DecodeError(f"tree file {self.path} has unknown flags {flags:#x}", 12)
        self.external_leaves: bool = bool(flags & EXTERNAL_LEAVES) and self.height > 0
        self.leaf_count: int = leaf_count
        self.root: bytes = root
        self._offsets = _layout(leaf_count, arity, stored_from=1 if self.external_leaves else 0)
        expected = HEADER_BYTES + self._offsets[-1] * NODE_BYTES
        actual = os.fstat(self._fd).st_size
        if actual != expected:
            raise DecodeError(
                f"tree file {self.path} is {actual} bytes, its header implies {expected}", actual
            )
        if self.node(self.height, 0) != root:
            raise IntegrityError(f"tree file {self.path}: stored root level differs from the header's root")

    def node(self, level: int, index: int) -> bytes:
        """The node at ``index`` of ``level`` (0 = leaves)."""
        return self.nodes(level, index, 1)

    def nodes(self, level: int, start: int, count: int) -> bytes:
        """``count`` consecutive nodes of ``level`` from ``start``."""
        width = self.leaf_count // self.arity**level if 0 <= level <= self.height else 0
        if not (start >= 0 and count >= 0 and start + count <= width):
            raise InvalidInput(f"nodes {start}..{start + count} are outside level {level} of {self.path}")
        if level == 0 and self.external_leaves:
            if self._leaf_fd < 0:
                raise InvalidInput(f"{self.path} keeps no leaves: open it with the file that holds them")
            fd, name, offset = self._leaf_fd, self.leaves_path, self._leaf_offset + start * NODE_BYTES
        else:
            fd, name = self._fd, self.path
            offset = HEADER_BYTES + (self._offsets[level] + start) * NODE_BYTES
        data = os.pread(fd, count * NODE_BYTES, offset)
        if len(data) != count * NODE_BYTES:
            raise StorageError(f"{name} was truncated while reading (offset {offset})")
        return data

    def leaf(self, index: int) -> bytes:
        """Leaf ``index``."""
        return self.node(0, index)

    def prove(self, index: int) -> MerkleProof:
        """The inclusion proof of leaf ``index``, each level checked against the stored parent."""
        if not 0 <= index < self.leaf_count:
            raise InvalidInput(f"leaf index {index} outside a tree of {self.leaf_count} leaves ({self.path})")
        path = []
        leaf = self.leaf(index)
        for level in range(self.height):
            position = index % self.arity
            group = self.nodes(level, index - position, self.arity)
            parent = self.node(level + 1, index // self.arity)
            nodes = f"nodes {index - position}..{index - position + self.arity - 1}"
            if level == 0 and self.external_leaves:
                what = f"{self.leaves_path} is corrupted: {nodes} (leaves of {self.path.name})"
            else:
                what = f"tree file {self.path} is corrupted: level {level} {nodes}"
            try:
                matches = hash_level(self.hasher, self.arity, group) == parent
            except DecodeError as e:
                raise IntegrityError(f"{what}: {e.reason}") from None
            if not matches:
                raise IntegrityError(f"{what} do not hash to their stored parent")
            siblings = [
                group[i * NODE_BYTES : (i + 1) * NODE_BYTES] for i in range(self.arity) if i != position
            ]
            path.append(PathLevel(tuple(siblings), position))
            index //= self.arity
        return MerkleProof(self.hasher, leaf, self.root, tuple(path))

    def close(self) -> None:
        """Release the file descriptors."""
        for fd in (self._fd, self._leaf_fd):
            if fd >= 0:
                os.close(fd)
        self._fd = self._leaf_fd = -1

    def __enter__(self) -> MerkleTree:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class TreeBuilder:
    """Write a tree file from leaves streamed in order, holding only one chunk of leaves in memory.

    The file appears at ``path`` only when :meth:`finish` succeeds (it is written under a temporary name and
    renamed), so an interrupted build never leaves a file that looks complete.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        hasher: TreeHasher,
        arity: int,
        leaf_count: int,
        store_leaves: bool = True,
    ) -> None:
        _check_arity(hasher, arity)
        self.height = tree_height(leaf_count, arity)
        if self.height < 0:
            raise InvalidInput(
                f"a tree of arity {arity} needs a power-of-{arity} leaf count, not {leaf_count}"
            )
        self.path, self.hasher, self.arity, self.leaf_count = Path(path), hasher, arity, leaf_count
        self._flags = 0 if store_leaves or self.height == 0 else EXTERNAL_LEAVES
        self._offsets = _layout(leaf_count, arity, stored_from=1 if self._flags else 0)
        chunk = 1
        while chunk * arity <= min(leaf_count, CHUNK_LEAVES):
            chunk *= arity
        self._chunk_leaves = chunk
        self._chunk_height = tree_height(chunk, arity)
        self._pending = bytearray()
        self._received = 0
        self._chunk_roots: list[bytes] = []
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
        self._tmp = Path(tmp)
        self._file = os.fdopen(fd, "r+b")

    def append(self, leaves: bytes | bytearray | memoryview) -> None:
        """Add the next leaves (a whole number of 32-byte nodes)."""
        if len(leaves) % NODE_BYTES:
            raise InvalidInput(f"leaf data of {len(leaves)} bytes is not a whole number of 32-byte leaves")
        if self._received + len(leaves) // NODE_BYTES > self.leaf_count:
            raise InvalidInput(f"more than the {self.leaf_count} leaves declared for {self.path}")
        self._received += len(leaves) // NODE_BYTES
        chunk_bytes = self._chunk_leaves * NODE_BYTES
        view = memoryview(leaves).cast("B")
        if self._pending:
            take = min(len(view), chunk_bytes - len(self._pending))
            self._pending += view[:take]
            view = view[take:]
            if len(self._pending) < chunk_bytes:
                return
            self._write_chunk(memoryview(self._pending))
            self._pending.clear()
        # Whole chunks straight from the caller's buffer (no copy); keep only the tail.
        while len(view) >= chunk_bytes:
            self._write_chunk(view[:chunk_bytes])
            view = view[chunk_bytes:]
        self._pending += view

    def _write_chunk(self, leaves: memoryview) -> None:
        """Hash one chunk's subtree and write each of its levels at its place in the file."""
        index = len(self._chunk_roots)
        try:
            levels = levels_above(self.hasher, self.arity, leaves)
        except DecodeError as e:
            base = index * self._chunk_leaves * NODE_BYTES
            raise DecodeError(
                f"{self.path}: {e.reason}", None if e.offset is None else base + e.offset
            ) from None
        chunk_levels: list[bytes | memoryview] = [leaves, *levels]
        for level, data in enumerate(chunk_levels):
            if level == 0 and self._flags & EXTERNAL_LEAVES:
                continue
            width = self._chunk_leaves // self.arity**level
            self._file.seek(HEADER_BYTES + (self._offsets[level] + index * width) * NODE_BYTES)
            self._file.write(data)
        self._chunk_roots.append(bytes(levels[-1]) if levels else bytes(leaves))

    def finish(self) -> MerkleTree:
        """Write the levels above the chunks and the header, publish the file, and open it."""
        try:
            if self._received != self.leaf_count:
                raise InvalidInput(f"{self.path}: got {self._received} of {self.leaf_count} leaves")
            roots = b"".join(self._chunk_roots)
            upper = levels_above(self.hasher, self.arity, roots)
            for level, data in enumerate(upper, start=self._chunk_height + 1):
                self._file.seek(HEADER_BYTES + self._offsets[level] * NODE_BYTES)
                self._file.write(data)
            root = upper[-1] if upper else roots
            self._file.seek(0)
            self._file.write(_encode_header(self.hasher, self.arity, self._flags, self.leaf_count, root))
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self.abort()
            raise
        return MerkleTree(self.path)

    def abort(self) -> None:
        """Discard the partial file."""
        self._file.close()
        self._tmp.unlink(missing_ok=True)


def build_tree(
    path: str | os.PathLike[str], hasher: TreeHasher, arity: int, leaves: bytes | bytearray | memoryview
) -> MerkleTree:
    """Write a tree over in-memory leaves to ``path`` and open it."""
    builder = TreeBuilder(path, hasher, arity, len(leaves) // NODE_BYTES)
    try:
        builder.append(leaves)
    except BaseException:
        builder.abort()
        raise
    return builder.finish()


# ---------------------------------------------------------------------------------------------- shaped trees


def combine_roots(hasher: TreeHasher, shape: TreeShape, base_roots: Sequence[bytes]) -> bytes:
    """The root of a shaped tree from its base-tree roots."""
    if len(base_roots) != shape.base_tree_count:
        raise InvalidInput(
            f"shape {shape} has {shape.base_tree_count} base trees, got {len(base_roots)} roots"
        )
    level = b"".join(_node_bytes(r, "base root") for r in base_roots)
    for arity in shape.upper_arities:
        level = hash_level(hasher, arity, level)
    return level


class ShapedTree:
    """A tree of a sector shape: one or more base tree files joined by the sub/top levels."""

    def __init__(self, trees: Sequence[MerkleTree], shape: TreeShape) -> None:
        if len(trees) != shape.base_tree_count or not trees:
            raise InvalidInput(f"shape {shape} needs {shape.base_tree_count} base trees, got {len(trees)}")
        first = trees[0]
        for tree in trees:
            if (tree.hasher, tree.arity, tree.leaf_count) != (
                first.hasher,
                shape.base_arity,
                first.leaf_count,
            ):
                raise InvalidInput(f"base tree {tree.path} does not match shape {shape} or its siblings")
        self.trees, self.shape, self.hasher = tuple(trees), shape, first.hasher
        self.base_leaf_count = first.leaf_count
        self.leaf_count = first.leaf_count * len(trees)
        self.root = combine_roots(self.hasher, shape, [t.root for t in trees])

    @classmethod
    def open(
        cls,
        paths: Sequence[str | os.PathLike[str]],
        shape: TreeShape,
        leaves: str | os.PathLike[str] | None = None,
    ) -> ShapedTree:
        """Open the base tree files of a shaped tree (in base-tree order).

        Leaves kept out of the files are read from ``leaves``, where base tree i covers the i-th run of nodes.
        """
        trees: list[MerkleTree] = []
        try:
            for part, path in enumerate(paths):
                trees.append(MerkleTree(path, leaves, part))
            return cls(trees, shape)
        except BaseException:
            for tree in trees:
                tree.close()
            raise

    def leaf(self, index: int) -> bytes:
        """Leaf ``index`` of the whole tree."""
        base, offset = self._locate(index)
        return self.trees[base].leaf(offset)

    def prove(self, index: int) -> MerkleProof:
        """The inclusion proof of leaf ``index``: the base-tree path, then the sub and top levels."""
        base, offset = self._locate(index)
        proof = self.trees[base].prove(offset)
        path = list(proof.path)
        level = [t.root for t in self.trees]
        position = base
        for arity in self.shape.upper_arities:
            start = position - position % arity
            siblings = tuple(level[i] for i in range(start, start + arity) if i != position)
            path.append(PathLevel(siblings, position % arity))
            joined = hash_level(self.hasher, arity, b"".join(level))
            level = [joined[i : i + NODE_BYTES] for i in range(0, len(joined), NODE_BYTES)]
            position //= arity
        return MerkleProof(self.hasher, proof.leaf, self.root, tuple(path))

    def _locate(self, index: int) -> tuple[int, int]:
        """(base tree, leaf within it) of a leaf index."""
        if not 0 <= index < self.leaf_count:
            raise InvalidInput(f"leaf index {index} outside a tree of {self.leaf_count} leaves")
        return divmod(index, self.base_leaf_count)

    def close(self) -> None:
        """Close every base tree file."""
        for tree in self.trees:
            tree.close()

    def __enter__(self) -> ShapedTree:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def shaped_tree_paths(prefix: str | os.PathLike[str], shape: TreeShape) -> list[Path]:
    """File names for a shaped tree's base trees: ``<prefix>.dat``, or ``<prefix>-<i>.dat`` when split."""
    prefix = Path(prefix)
    if shape.base_tree_count == 1:
        return [prefix.with_name(prefix.name + ".dat")]
    return [prefix.with_name(f"{prefix.name}-{i}.dat") for i in range(shape.base_tree_count)]


class ShapedTreeBuilder:
    """Stream leaves into the base tree files of a shaped tree (leaves fill base tree 0 first)."""

    def __init__(
        self,
        paths: Sequence[str | os.PathLike[str]],
        hasher: TreeHasher,
        shape: TreeShape,
        leaf_count: int,
        store_leaves: bool = True,
    ) -> None:
        if len(paths) != shape.base_tree_count:
            raise InvalidInput(f"shape {shape} needs {shape.base_tree_count} file paths, got {len(paths)}")
        self.shape, self.hasher, self.store_leaves = shape, hasher, store_leaves
        self._per_tree = shape.base_leaf_count(leaf_count)
        self._paths = [Path(p) for p in paths]
        self._done: list[MerkleTree] = []
        self._current: TreeBuilder | None = None
        self._filled = 0

    def append(self, leaves: bytes | bytearray | memoryview) -> None:
        """Add the next leaves, in order."""
        view = memoryview(leaves)
        while len(view):
            if self._current is None:
                if len(self._done) == len(self._paths):
                    raise InvalidInput("more leaves than the shaped tree holds")
                path = self._paths[len(self._done)]
                self._current, self._filled = (
                    TreeBuilder(path, self.hasher, self.shape.base_arity, self._per_tree, self.store_leaves),
                    0,
                )
            take = min(len(view), (self._per_tree - self._filled) * NODE_BYTES)
            self._current.append(view[:take])
            self._filled += take // NODE_BYTES
            view = view[take:]
            if self._filled == self._per_tree:
                builder, self._current = self._current, None
                self._done.append(builder.finish())

    def finish(self) -> ShapedTree:
        """Check every base tree was completed and open the shaped tree."""
        if self._current is not None or len(self._done) != len(self._paths):
            self.abort()
            raise InvalidInput(
                f"shaped tree got too few leaves ({len(self._done)} of {len(self._paths)} trees)"
            )
        return ShapedTree(self._done, self.shape)

    def abort(self) -> None:
        """Discard the partial base tree (completed ones stay: they are whole and valid)."""
        if self._current is not None:
            self._current.abort()
            self._current = None
        for tree in self._done:
            tree.close()


def build_shaped_tree(
    paths: Sequence[str | os.PathLike[str]],
    hasher: TreeHasher,
    shape: TreeShape,
    leaf_count: int,
    chunks: Iterable[bytes | bytearray | memoryview],
) -> ShapedTree:
    """Build a shaped tree from leaf chunks (in order) into ``paths`` and open it."""
    builder = ShapedTreeBuilder(paths, hasher, shape, leaf_count)
    try:
        for chunk in chunks:
            builder.append(chunk)
    except BaseException:
        builder.abort()
        raise
    return builder.finish()
