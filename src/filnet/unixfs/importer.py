"""UnixFS importer: files and directory trees to DAG-PB/raw blocks with the CIDs Kubo and Helia give.

Files are cut into fixed-size chunks and arranged in the balanced layout of go-unixfs
(``importer/balanced``) and ipfs-unixfs-importer (``layout/balanced``):

* Chunks become leaves: raw blocks, or UnixFS ``File`` nodes ``{Data: chunk, filesize}`` for dag-pb leaves.
  An empty file is one empty chunk.
* Leaves are grouped ``max_links`` at a time under ``File`` parents (``filesize`` plus one ``blocksizes``
  entry per child, links named ``""`` with Tsize = the child's cumulative size); parents are grouped the
  same way, level after level, until one node is left. The last group of a level may be short, even a
  single child, so every leaf sits at the same depth.
* A file of a single chunk is that leaf itself (the importers' ``reduceSingleLeafToSelf``).

The tree is built while reading: only the unfinished group of each level is kept, so memory does not grow
with the file. Directories list their entries sorted by UTF-8 name bytes and become HAMT shards past the
profile's threshold (:mod:`filnet.unixfs.profiles`, :mod:`filnet.unixfs.hamt`).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol, runtime_checkable

from filnet.errors import InvalidInput, StorageError
from filnet.ipld import codecs, dagpb, multihash
from filnet.ipld.cid import CID
from filnet.ipld.protobuf import encode_varint
from filnet.unixfs.data import directory_data, encode_data, file_data, symlink_data
from filnet.unixfs.hamt import DirLink, build_shard
from filnet.unixfs.profiles import Profile, ShardSizeEstimate

__all__ = [
    "BlockSink",
    "DirLink",
    "DiscardSink",
    "FileRangeSink",
    "ImportResult",
    "build_directory",
    "import_bytes",
    "import_path",
    "import_stream",
]


class BlockSink(Protocol):
    """Where an import puts its blocks (any :class:`~filnet.ipld.blockstore.Blockstore` is one)."""

    def put(self, cid: CID, data: bytes) -> None:
        """Keep one block."""
        ...


@runtime_checkable
class FileRangeSink(BlockSink, Protocol):
    """A sink that can keep a raw leaf as a reference to the file it was read from instead of its bytes.

    Such a sink must check the bytes against the CID when it reads them back: the file may have changed.
    """

    def put_file_range(self, cid: CID, path: str, offset: int, length: int) -> None:
        """Keep the raw block ``cid``: bytes ``[offset, offset + length)`` of the file at ``path``."""
        ...


class DiscardSink:
    """A sink that keeps nothing: computes CIDs only (``--only-hash``)."""

    def put(self, cid: CID, data: bytes) -> None:
        """Drop the block."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import produced."""

    root: CID
    #: Bytes of file content imported (symlink targets and directory nodes not counted).
    size: int
    #: Cumulative size of the DAG: every block's bytes, as the root's Tsize in a parent link would say.
    dag_size: int
    #: Blocks handed to the sink (a block repeated in the DAG is counted each time).
    blocks: int


class _Writer:
    """Hashes blocks into CIDs of the profile's shape and hands them to the sink.

    Blocks arrive as pieces (a leaf is header, chunk view, trailer) so that the chunk is hashed straight
    from the read buffer; it is copied into a ``bytes`` block only when the sink keeps blocks.
    """

    __slots__ = ("_keep", "_profile", "_ranges", "_sha256", "blocks", "sink")

    def __init__(self, sink: BlockSink, profile: Profile) -> None:
        self.sink = sink
        self.blocks = 0
        self._profile = profile
        self._sha256 = profile.hash_code == multihash.SHA2_256
        self._keep = not isinstance(sink, DiscardSink)
        self._ranges = sink if isinstance(sink, FileRangeSink) else None

    def _digest(self, pieces: tuple[bytes | memoryview, ...]) -> bytes:
        """The profile's hash of the concatenation of ``pieces``."""
        if self._sha256:
            # hashlib uses SHA-NI when the CPU has it and hashes memoryviews without copying them.
            hasher = hashlib.sha256()
            for piece in pieces:
                hasher.update(piece)
            return hasher.digest()
        return multihash.compute(self._profile.hash_code, b"".join(pieces))

    def _store(self, codec: int, version: int, pieces: tuple[bytes | memoryview, ...]) -> CID:
        """Name the block made of ``pieces`` and give it to the sink (if the sink keeps blocks)."""
        digest = self._digest(pieces)
        cid = CID.v0(digest) if version == 0 else CID.v1(codec, self._profile.hash_code, digest)
        if self._keep:
            only = pieces[0] if len(pieces) == 1 else None
            self.sink.put(cid, only if isinstance(only, bytes) else b"".join(pieces))
        self.blocks += 1
        return cid

    def raw(self, *pieces: bytes | memoryview) -> CID:
        """Store a raw leaf; raw blocks always get CIDv1 (CIDv0 can only name dag-pb)."""
        return self._store(codecs.RAW, 1, pieces)

    def raw_from_file(self, chunk: bytes | memoryview, source: _Source) -> CID:
        """Store a raw leaf read from ``source``: by reference if the sink takes references, else by value."""
        if self._ranges is None:
            return self.raw(chunk)
        cid = CID.v1(codecs.RAW, self._profile.hash_code, self._digest((chunk,)))
        self._ranges.put_file_range(cid, source.path, source.offset, len(chunk))
        self.blocks += 1
        return cid

    def node(self, *pieces: bytes | memoryview) -> CID:
        """Store a dag-pb block under the profile's CID version."""
        return self._store(codecs.DAG_PB, self._profile.cid_version, pieces)


@dataclass(frozen=True, slots=True)
class _Source:
    """Where a chunk was read from: a file's path and the chunk's offset in it."""

    path: str
    offset: int


@dataclass(frozen=True, slots=True)
class _Subtree:
    """A finished part of a file: its root, cumulative block bytes and content bytes."""

    cid: CID
    tsize: int
    content: int


def file_leaf_parts(size: int) -> tuple[bytes, bytes]:
    """What goes before and after a ``size``-byte chunk in its dag-pb leaf.

    The leaf is ``PBNode{Data: UnixFS File{Data: chunk, filesize}}``; header ‖ chunk ‖ trailer gives the
    same bytes as ``dagpb.encode(PBNode(data=encode_data(file_data(chunk))))`` (tested) without copying
    the chunk into intermediate messages.
    """
    if size == 0:
        inner_head, tail = b"\x08\x02", b"\x18\x00"
    else:
        inner_head, tail = b"\x08\x02\x12" + encode_varint(size), b"\x18" + encode_varint(size)
    inner_len = len(inner_head) + size + len(tail)
    return b"\x0a" + encode_varint(inner_len) + inner_head, tail


class _FileBuilder:
    """Streams chunks into a balanced tree, keeping one unfinished group of children per level."""

    __slots__ = ("_counts", "_levels", "_max_links", "_raw_leaves", "_writer", "size")

    def __init__(self, writer: _Writer, profile: Profile) -> None:
        self._writer = writer
        self._max_links = profile.max_links
        self._raw_leaves = profile.raw_leaves
        self._levels: list[list[_Subtree]] = [[]]
        # Nodes ever placed on each level: a level that only ever received one node holds the root.
        self._counts: list[int] = [0]
        self.size = 0

    def add_chunk(self, chunk: bytes | memoryview, path: str | None = None) -> None:
        """Add the next chunk as a leaf (``chunk`` is only read during the call; ``path`` is the file it
        comes from, if any, so that a raw leaf can be kept by reference)."""
        n = len(chunk)
        if self._raw_leaves:
            if path is not None:
                leaf = _Subtree(self._writer.raw_from_file(chunk, _Source(path, self.size)), n, n)
            else:
                leaf = _Subtree(self._writer.raw(chunk), n, n)
        else:
            head, tail = file_leaf_parts(n)
            leaf = _Subtree(self._writer.node(head, chunk, tail), len(head) + n + len(tail), n)
        self.size += n
        self._place(0, leaf)

    def _place(self, level: int, node: _Subtree) -> None:
        """Put ``node`` on ``level``; a full group becomes a parent one level up."""
        while True:
            if level == len(self._levels):
                self._levels.append([])
                self._counts.append(0)
            group = self._levels[level]
            group.append(node)
            self._counts[level] += 1
            if len(group) < self._max_links:
                return
            self._levels[level] = []
            node = self._parent(group)
            level += 1

    def _parent(self, children: list[_Subtree]) -> _Subtree:
        """Write a File node over ``children``."""
        sizes = tuple(child.content for child in children)
        links = tuple(dagpb.PBLink(child.cid, "", child.tsize) for child in children)
        block = dagpb.encode(dagpb.PBNode(links, encode_data(file_data(b"", sizes))))
        tsize = len(block) + sum(child.tsize for child in children)
        return _Subtree(self._writer.node(block), tsize, sum(sizes))

    def finish(self) -> _Subtree:
        """Close every short group, bottom up, until the level holding the root is reached."""
        if self._counts[0] == 0:
            self.add_chunk(b"")
        level = 0
        while True:
            group = self._levels[level]
            if self._counts[level] == 1:
                return group[0]
            if group:
                self._levels[level] = []
                self._place(level + 1, self._parent(group))
            level += 1


def _read_chunks(stream: BinaryIO, size: int) -> Iterator[memoryview]:
    """Fixed-size chunks of ``stream`` (the last may be short), each a view of one reused buffer that is
    valid until the next chunk is read."""
    readinto = getattr(stream, "readinto", None)
    if readinto is None:
        yield from _read_chunks(io.BufferedReader(_ReadAdapter(stream)), size)
        return
    buffer = bytearray(size)
    view = memoryview(buffer)
    while True:
        filled = 0
        while filled < size:
            n = readinto(view[filled:])
            if not n:
                break
            filled += n
        if filled == size:
            yield view
            continue
        if filled:
            yield view[:filled]
        return


class _ReadAdapter(io.RawIOBase):
    """A raw stream over an object that only has ``read``."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _import_file(
    stream: BinaryIO,
    writer: _Writer,
    profile: Profile,
    on_progress: Callable[[int], None] | None,
    path: str | None = None,
) -> _Subtree:
    """Import one file's bytes (read from the file at ``path``, when there is one)."""
    builder = _FileBuilder(writer, profile)
    for chunk in _read_chunks(stream, profile.chunk_size):
        builder.add_chunk(chunk, path)
        if on_progress is not None:
            on_progress(len(chunk))
    return builder.finish()


def import_stream(
    stream: BinaryIO, sink: BlockSink, profile: Profile, on_progress: Callable[[int], None] | None = None
) -> ImportResult:
    """Import a file's bytes from ``stream``; ``on_progress(n)`` is told of each ``n`` bytes imported."""
    writer = _Writer(sink, profile)
    root = _import_file(stream, writer, profile, on_progress)
    return ImportResult(root.cid, root.content, root.tsize, writer.blocks)


def import_bytes(data: bytes, sink: BlockSink, profile: Profile) -> ImportResult:
    """Import a file held in memory."""
    return import_stream(io.BytesIO(data), sink, profile)


# -- directories -----------------------------------------------------------------------------------


def _check_name(name: str) -> bytes:
    """The UTF-8 bytes of a directory entry name; :class:`InvalidInput` for names no directory can hold."""
    if not name or name in (".", "..") or "/" in name or "\x00" in name:
        raise InvalidInput(f"invalid directory entry name {name!r}")
    try:
        return name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"directory entry name {name!r} is not valid UTF-8") from None


def _directory(links: Iterable[DirLink], writer: _Writer, profile: Profile) -> tuple[CID, int]:
    """Write a directory over ``links``: one node, or a HAMT shard past the profile's threshold."""
    keyed = sorted(((_check_name(link.name), link) for link in links), key=lambda pair: pair[0])
    for (a, _), (b, _) in itertools.pairwise(keyed):
        if a == b:
            raise InvalidInput(f"duplicate directory entry name {a.decode()!r}")
    ordered = [link for _, link in keyed]
    rules = profile.directories
    pb_links = tuple(dagpb.PBLink(link.cid, link.name, link.tsize) for link in ordered)
    block = dagpb.encode(dagpb.PBNode(pb_links, encode_data(directory_data())))
    if rules.estimate is ShardSizeEstimate.BLOCK_BYTES:
        estimate = len(block)
    else:
        estimate = sum(len(name) + len(bytes(link.cid)) for name, link in keyed)
    if estimate > rules.shard_threshold:
        return build_shard(ordered, rules.fanout, writer.node)
    tsize = len(block) + sum(link.tsize for link in ordered)
    return writer.node(block), tsize


def build_directory(links: Iterable[DirLink], sink: BlockSink, profile: Profile) -> ImportResult:
    """Write a directory (plain or sharded) over already imported entries; ``size`` is reported as 0."""
    writer = _Writer(sink, profile)
    cid, tsize = _directory(links, writer, profile)
    return ImportResult(cid, 0, tsize, writer.blocks)


def _symlink(target: str, writer: _Writer) -> DirLink:
    """A Symlink node for ``target`` (as a nameless link)."""
    block = dagpb.encode(dagpb.PBNode((), encode_data(symlink_data(os.fsencode(target)))))
    return DirLink("", writer.node(block), len(block))


@dataclass(slots=True)
class _DirFrame:
    """A directory being imported: its entries still to visit and the links made so far."""

    name: str
    entries: list[os.DirEntry[str]]
    links: list[DirLink]
    next: int = 0


def _scan(path: str, name: str, include_hidden: bool) -> _DirFrame:
    """Open a directory for import, entries sorted by UTF-8 name bytes (the order links end up in)."""
    try:
        with os.scandir(path) as it:
            entries = [e for e in it if include_hidden or not e.name.startswith(".")]
    except OSError as e:
        raise StorageError(f"cannot list directory {path}: {e.strerror}") from None
    for entry in entries:
        try:
            entry.name.encode("utf-8")
        except UnicodeEncodeError:
            # Shown as bytes: the str form would print Python's surrogate escapes (\udcff), not the name.
            raise InvalidInput(
                f"file name {os.fsencode(entry.path)!r} is not valid UTF-8 (UnixFS names are UTF-8 strings)"
            ) from None
    entries.sort(key=lambda e: e.name.encode("utf-8"))
    return _DirFrame(name, entries, [])


def import_path(
    path: str | os.PathLike[str],
    sink: BlockSink,
    profile: Profile,
    on_progress: Callable[[int], None] | None = None,
    *,
    include_hidden: bool = False,
) -> ImportResult:
    """Import a file or a directory tree.

    As ``ipfs add -r`` does by default (and IPIP-499 profiles say): symbolic links are stored as UnixFS
    Symlink nodes holding their target, never followed (``path`` itself included); entries whose name
    starts with ``.`` are left out unless ``include_hidden``; empty directories are kept. Other file types
    (sockets, devices, FIFOs) are refused with :class:`InvalidInput`. ``on_progress(n)`` is told of each
    ``n`` bytes of file content imported. A :class:`FileRangeSink` receives raw leaves as references to the
    files they were read from (absolute paths).
    """
    top = os.fspath(path)
    writer = _Writer(sink, profile)
    if os.path.islink(top):
        link = _symlink(os.readlink(top), writer)
        return ImportResult(link.cid, 0, link.tsize, writer.blocks)
    if not os.path.isdir(top):
        file = _open_file(top)
        with file:
            tree = _import_file(file, writer, profile, on_progress, os.path.abspath(top))
        return ImportResult(tree.cid, tree.content, tree.tsize, writer.blocks)
    done = 0
    stack = [_scan(top, "", include_hidden)]
    while True:
        frame = stack[-1]
        if frame.next < len(frame.entries):
            entry = frame.entries[frame.next]
            frame.next += 1
            if entry.is_symlink():
                link = _symlink(os.readlink(entry.path), writer)
                frame.links.append(DirLink(entry.name, link.cid, link.tsize))
            elif entry.is_dir(follow_symlinks=False):
                stack.append(_scan(entry.path, entry.name, include_hidden))
            elif entry.is_file(follow_symlinks=False):
                with _open_file(entry.path) as file:
                    tree = _import_file(file, writer, profile, on_progress, os.path.abspath(entry.path))
                done += tree.content
                frame.links.append(DirLink(entry.name, tree.cid, tree.tsize))
            else:
                raise InvalidInput(f"cannot import {entry.path}: not a regular file, directory or symlink")
            continue
        stack.pop()
        cid, tsize = _directory(frame.links, writer, profile)
        if not stack:
            return ImportResult(cid, done, tsize, writer.blocks)
        stack[-1].links.append(DirLink(frame.name, cid, tsize))


def _open_file(path: str) -> BinaryIO:
    """Open a file unbuffered (``readinto`` then reads straight into the chunk buffer)."""
    try:
        return open(path, "rb", buffering=0)
    except OSError as e:
        raise StorageError(f"cannot read {path}: {e.strerror}") from None
