"""UnixFS exporter: paths, byte ranges, listings and unpacking from any block store.

Every block is checked against its CID as it is read (:class:`HashMismatch` names the CID); absent blocks
raise :class:`MissingBlock`, a DAG that links back to one of its ancestors :class:`CycleError`. Byte
ranges use the ``blocksizes`` of File nodes to fetch only the blocks that overlap the range.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from filnet.core.fsutil import atomic_output
from filnet.errors import (
    CycleError,
    DecodeError,
    IntegrityError,
    InvalidInput,
    MissingBlock,
    NotFound,
    UnsupportedCodec,
)
from filnet.ipld import codecs, dagpb, multihash
from filnet.ipld.blockstore import BlockNotFound, Blockstore
from filnet.ipld.cid import CID
from filnet.unixfs.data import DataType, UnixFSData, UnixTime, decode_data
from filnet.unixfs.hamt import HashBits, check_shard, fanout_bits, label_width

#: Deepest DAG followed. A balanced file 64 levels deep would hold more than 2**64 chunks, so only a
#: hostile DAG gets there; the limit keeps recursion bounded.
MAX_DEPTH: Final = 64


class EntryType(StrEnum):
    """What a UnixFS node is."""

    FILE = "file"
    DIRECTORY = "directory"
    RAW = "raw"
    SYMLINK = "symlink"
    HAMT_SHARD = "hamt-shard"

    @property
    def noun(self) -> str:
        """How messages name this kind of node."""
        return {"raw": "file (a raw block)", "hamt-shard": "sharded directory"}.get(self.value, self.value)


@dataclass(frozen=True, slots=True)
class Entry:
    """A file, directory or symlink as found in a DAG."""

    name: str
    cid: CID
    type: EntryType
    #: Content bytes for files and raw blocks, target length for symlinks, 0 for directories.
    size: int
    #: Symlink target; ``None`` for everything else.
    target: str | None = None
    mode: int | None = None
    mtime: UnixTime | None = None

    @property
    def is_directory(self) -> bool:
        """Whether this is a plain or sharded directory."""
        return self.type in (EntryType.DIRECTORY, EntryType.HAMT_SHARD)


@dataclass(frozen=True, slots=True)
class _Node:
    """A verified, decoded block: a raw leaf (``pb`` is None) or a dag-pb node with its UnixFS Data."""

    cid: CID
    raw: bytes | None
    pb: dagpb.PBNode | None
    unixfs: UnixFSData | None


def _load(store: Blockstore, cid: CID) -> _Node:
    """Fetch, verify and decode one block."""
    if cid.hash_code == multihash.IDENTITY:
        block = cid.digest
    else:
        try:
            block = store.get(cid)
        except BlockNotFound:
            raise MissingBlock(f"block {cid} is missing") from None
        cid.verify(block)
    if cid.codec == codecs.RAW:
        return _Node(cid, block, None, None)
    if cid.codec != codecs.DAG_PB:
        raise UnsupportedCodec(f"block {cid} is {cid.codec_name}, not a UnixFS codec (dag-pb or raw)")
    try:
        pb = dagpb.decode(block)
        if pb.data is None:
            raise DecodeError("dag-pb node without UnixFS Data")
        unixfs = decode_data(pb.data)
    except DecodeError as e:
        raise DecodeError(f"block {cid}: {e.reason}", e.offset) from None
    return _Node(cid, None, pb, unixfs)


def _entry(node: _Node, name: str) -> Entry:
    """Describe a loaded node."""
    if node.raw is not None:
        return Entry(name, node.cid, EntryType.RAW, len(node.raw))
    unixfs = node.unixfs
    assert unixfs is not None
    if unixfs.type in (DataType.FILE, DataType.RAW):
        return Entry(name, node.cid, EntryType.FILE, _file_size(node), mode=unixfs.mode, mtime=unixfs.mtime)
    if unixfs.type == DataType.DIRECTORY:
        return Entry(name, node.cid, EntryType.DIRECTORY, 0, mode=unixfs.mode, mtime=unixfs.mtime)
    if unixfs.type == DataType.HAMT_SHARD:
        check_shard(unixfs, node.cid)
        return Entry(name, node.cid, EntryType.HAMT_SHARD, 0, mode=unixfs.mode, mtime=unixfs.mtime)
    if unixfs.type == DataType.SYMLINK:
        target = _symlink_target(node)
        return Entry(
            name, node.cid, EntryType.SYMLINK, len(target.encode()), target, unixfs.mode, unixfs.mtime
        )
    raise UnsupportedCodec(f"block {node.cid} is a UnixFS {unixfs.type.name} node, which is not supported")


def _symlink_target(node: _Node) -> str:
    """The target of a Symlink node."""
    assert node.unixfs is not None
    try:
        return (node.unixfs.data or b"").decode("utf-8")
    except UnicodeDecodeError:
        raise IntegrityError(f"symlink {node.cid} has a target that is not UTF-8") from None


def _file_size(node: _Node) -> int:
    """Content bytes of a raw block or File node, checked against the node's own ``filesize``."""
    if node.raw is not None:
        return len(node.raw)
    assert node.pb is not None and node.unixfs is not None
    unixfs = node.unixfs
    if len(unixfs.blocksizes) != len(node.pb.links):
        raise IntegrityError(
            f"file node {node.cid} has {len(node.pb.links)} links but {len(unixfs.blocksizes)} blocksizes"
        )
    size = unixfs.content_size()
    if unixfs.filesize is not None and unixfs.filesize != size:
        raise IntegrityError(f"file node {node.cid} says filesize {unixfs.filesize} but holds {size} bytes")
    return size


# -- paths -----------------------------------------------------------------------------------------


def _split(target: str | CID) -> tuple[CID, list[str]]:
    """The root CID and the path segments of ``CID/a/b`` (``/ipfs/`` prefix and empty segments ignored)."""
    if isinstance(target, CID):
        return target, []
    text = target.strip()
    text = text.removeprefix("/ipfs/").removeprefix("ipfs://")
    parts = [part for part in text.split("/") if part]
    if not parts:
        raise InvalidInput(f"empty UnixFS path {target!r}")
    return CID.parse(parts[0]), parts[1:]


def _find_in_shard(store: Blockstore, shard: _Node, name: str) -> CID | None:
    """The CID named ``name`` in a HAMT shard, following the name's hash down the child shards."""
    hashes = HashBits(name.encode("utf-8"))
    node = shard
    seen: set[CID] = set()
    for depth in range(MAX_DEPTH):
        assert node.pb is not None and node.unixfs is not None
        fanout = check_shard(node.unixfs, node.cid)
        width = label_width(fanout)
        label = f"{hashes.index(depth, fanout_bits(fanout)):0{width}X}"
        for link in node.pb.links:
            link_name = link.name or ""
            if not link_name.startswith(label):
                continue
            if len(link_name) == width:
                if link.hash in seen or link.hash == shard.cid:
                    raise CycleError(f"HAMT shard {link.hash} links back to itself")
                seen.add(link.hash)
                node = _load(store, link.hash)
                if node.unixfs is None or node.unixfs.type != DataType.HAMT_SHARD:
                    raise IntegrityError(f"HAMT child {link.hash} is not a shard")
                break
            if link_name[width:] == name:
                return link.hash
        else:
            return None
    raise IntegrityError(f"HAMT under {shard.cid} is deeper than {MAX_DEPTH} levels")


def _child(store: Blockstore, directory: _Node, name: str) -> CID | None:
    """The CID of entry ``name`` in a plain or sharded directory, or ``None``."""
    assert directory.pb is not None and directory.unixfs is not None
    if directory.unixfs.type == DataType.HAMT_SHARD:
        return _find_in_shard(store, directory, name)
    for link in directory.pb.links:
        if link.name == name:
            return link.hash
    return None


def resolve(store: Blockstore, path: str | CID) -> CID:
    """The CID a path ``CID/dir/file`` names, walking directories and HAMT shards."""
    cid, segments = _split(path)
    walked = str(cid)
    for segment in segments:
        node = _load(store, cid)
        kind = _entry(node, segment).type
        if kind not in (EntryType.DIRECTORY, EntryType.HAMT_SHARD):
            raise NotFound(f"cannot resolve {segment!r}: {walked} is a {kind.noun}, not a directory")
        found = _child(store, node, segment)
        if found is None:
            raise NotFound(f"no entry {segment!r} in directory {walked}")
        cid = found
        walked += "/" + segment
    return cid


def _name_of(target: str | CID) -> str:
    """The name an exported root goes by: its last path segment, or its CID."""
    if isinstance(target, CID):
        return str(target)
    parts = [part for part in target.strip().split("/") if part]
    return parts[-1] if parts else str(target)


def stat(store: Blockstore, target: str | CID) -> Entry:
    """Type, size and CID of what ``target`` names."""
    cid = resolve(store, target)
    return _entry(_load(store, cid), _name_of(target))


# -- file content ----------------------------------------------------------------------------------


def _read(
    store: Blockstore, node: _Node, start: int, stop: int, ancestors: tuple[CID, ...]
) -> Iterator[bytes]:
    """Content bytes ``[start, stop)`` of a file node, fetching only the children that overlap."""
    if node.raw is not None:
        if start < stop:
            yield node.raw[start:stop]
        return
    assert node.pb is not None and node.unixfs is not None
    if node.unixfs.type not in (DataType.FILE, DataType.RAW):
        raise IntegrityError(f"file DAG node {node.cid} is a {node.unixfs.type.name}, not file content")
    # The caller has checked with _file_size that blocksizes and links pair up.
    if len(ancestors) >= MAX_DEPTH:
        raise IntegrityError(f"file DAG under {ancestors[0]} is deeper than {MAX_DEPTH} levels")
    data = node.unixfs.data or b""
    if start < len(data) and start < stop:
        yield data[start:stop]
    offset = len(data)
    ancestors = (*ancestors, node.cid)
    for link, size in zip(node.pb.links, node.unixfs.blocksizes, strict=True):
        end = offset + size
        if end > start and offset < stop:
            if link.hash in ancestors:
                raise CycleError(f"file DAG node {link.hash} links back to itself")
            child = _load(store, link.hash)
            actual = _file_size(child)
            if actual != size:
                raise IntegrityError(f"child {link.hash} holds {actual} bytes, its parent says {size}")
            yield from _read(store, child, max(start - offset, 0), min(stop, end) - offset, ancestors)
        offset = end
        if offset >= stop:
            return


def cat(store: Blockstore, target: str | CID, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
    """Stream the bytes ``[offset, offset + length)`` of a file (to its end when ``length`` is None)."""
    cid = resolve(store, target)
    node = _load(store, cid)
    entry = _entry(node, _name_of(target))
    if entry.type not in (EntryType.FILE, EntryType.RAW):
        raise InvalidInput(f"{target} is a {entry.type.noun}, not a file")
    if offset < 0 or (length is not None and length < 0):
        raise InvalidInput(f"negative offset {offset} or length {length}")
    if offset > entry.size:
        raise InvalidInput(f"offset {offset} is past the end of {target} ({entry.size} bytes)")
    stop = entry.size if length is None else offset + length
    if stop > entry.size:
        raise InvalidInput(f"range {offset}+{length} is past the end of {target} ({entry.size} bytes)")
    return _read(store, node, offset, stop, ())


# -- directories -----------------------------------------------------------------------------------


def _shard_links(store: Blockstore, shard: _Node, ancestors: tuple[CID, ...]) -> Iterator[tuple[str, CID]]:
    """Every ``(name, cid)`` entry of a HAMT shard tree, in shard order."""
    assert shard.pb is not None and shard.unixfs is not None
    width = label_width(check_shard(shard.unixfs, shard.cid))
    if len(ancestors) >= MAX_DEPTH:
        raise IntegrityError(f"HAMT under {ancestors[0]} is deeper than {MAX_DEPTH} levels")
    ancestors = (*ancestors, shard.cid)
    for link in shard.pb.links:
        name = link.name or ""
        if len(name) < width:
            raise IntegrityError(f"HAMT shard {shard.cid} has a link named {name!r} without a slot label")
        if len(name) > width:
            yield name[width:], link.hash
            continue
        if link.hash in ancestors:
            raise CycleError(f"HAMT shard {link.hash} links back to itself")
        child = _load(store, link.hash)
        if child.unixfs is None or child.unixfs.type != DataType.HAMT_SHARD:
            raise IntegrityError(f"HAMT child {link.hash} is not a shard")
        yield from _shard_links(store, child, ancestors)


def _dir_links(store: Blockstore, node: _Node) -> Iterator[tuple[str, CID]]:
    """Every ``(name, cid)`` entry of a plain or sharded directory."""
    assert node.pb is not None and node.unixfs is not None
    if node.unixfs.type == DataType.HAMT_SHARD:
        yield from _shard_links(store, node, ())
        return
    for link in node.pb.links:
        yield link.name or "", link.hash


def _directory(store: Blockstore, target: str | CID) -> _Node:
    """The directory node ``target`` names; :class:`InvalidInput` if it is something else."""
    node = _load(store, resolve(store, target))
    kind = _entry(node, "").type
    if kind not in (EntryType.DIRECTORY, EntryType.HAMT_SHARD):
        raise InvalidInput(f"{target} is a {kind.noun}, not a directory")
    return node


def ls(store: Blockstore, target: str | CID) -> list[Entry]:
    """The entries of a directory (plain or sharded), in stored order, each with its type and size."""
    node = _directory(store, target)
    return [_entry(_load(store, cid), name) for name, cid in _dir_links(store, node)]


def _check_entry_name(name: str, where: CID) -> None:
    """Refuse names that would escape or confuse a path: empty, ``.``, ``..``, or holding ``/`` or NUL."""
    if not name or name in (".", "..") or "/" in name or "\x00" in name:
        raise IntegrityError(f"directory {where} has an unsafe entry name {name!r}")


def walk(store: Blockstore, target: str | CID) -> Iterator[tuple[str, Entry]]:
    """Every entry under ``target``, depth first, with its ``/``-joined path; the root first, as ``""``."""
    root_cid = resolve(store, target)
    root = _load(store, root_cid)
    yield "", _entry(root, _name_of(target))
    if root.unixfs is None or root.unixfs.type not in (DataType.DIRECTORY, DataType.HAMT_SHARD):
        return
    # Explicit stack of (path, directory node, ancestors): directory trees may be deep.
    stack: list[tuple[str, _Node, frozenset[CID]]] = [("", root, frozenset((root_cid,)))]
    while stack:
        prefix, directory, ancestors = stack.pop()
        children: list[tuple[str, _Node, Entry]] = []
        seen: set[str] = set()
        for name, cid in _dir_links(store, directory):
            _check_entry_name(name, directory.cid)
            if name in seen:
                raise IntegrityError(f"directory {directory.cid} has two entries named {name!r}")
            seen.add(name)
            if cid in ancestors:
                raise CycleError(f"directory {cid} contains itself (via {prefix + name!r})")
            node = _load(store, cid)
            children.append((prefix + name, node, _entry(node, name)))
        for path, _, entry in children:
            yield path, entry
        for path, node, entry in reversed(children):
            if entry.is_directory:
                stack.append((path + "/", node, ancestors | {node.cid}))


def _make_dir(path: Path) -> None:
    """Create a directory, refusing to reuse anything that is not a real directory (e.g. a symlink)."""
    try:
        path.mkdir()
    except FileExistsError:
        if path.is_symlink() or not path.is_dir():
            raise IntegrityError(f"cannot create directory {path}: something else is there") from None


def _check_replaceable(dest: Path) -> None:
    """Refuse to replace a real directory with a file or symlink (files and symlinks are replaced)."""
    if dest.is_dir() and not dest.is_symlink():
        raise IntegrityError(f"cannot write {dest}: a directory is there")


def _place_symlink(target: str, dest: Path) -> None:
    """Create a symlink at ``dest`` under a temporary name, then rename it over whatever file is there."""
    tmp = dest.with_name(f".{dest.name}.{os.urandom(6).hex()}.part")
    os.symlink(target, tmp)
    try:
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def unpack(store: Blockstore, target: str | CID, out_dir: Path) -> None:
    """Write what ``target`` names under ``out_dir``: a directory's entries into it, a file as one file.

    ``out_dir`` may exist: its directories are reused, and files and symlinks of the same name are replaced.
    Each file or symlink is written under a temporary name and renamed over the old one, so an existing
    symlink is replaced, never written through. Entry names that could escape ``out_dir`` (``..``, ``/``,
    NUL) are refused with :class:`IntegrityError` before anything is written for them, as is a file where
    a directory stands or the reverse.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    root_name = _name_of(target)
    for path, entry in walk(store, target):
        if path == "":
            if entry.is_directory:
                continue
            _check_entry_name(root_name, entry.cid)
            path = root_name
        dest = out_dir / path
        if entry.is_directory:
            _make_dir(dest)
            continue
        _check_replaceable(dest)
        if entry.type == EntryType.SYMLINK:
            assert entry.target is not None
            _place_symlink(entry.target, dest)
            continue
        mode = 0o644 if entry.mode is None else entry.mode & 0o777
        # No fsync per file (neither tar nor `ipfs get` does one): thousands of small files would take
        # minutes. Each file still appears under its name only once complete.
        with atomic_output(dest, mode, durable=False) as f:
            for chunk in cat(store, entry.cid):
                f.write(chunk)
        if entry.mtime is not None:
            os.utime(dest, (entry.mtime.seconds, entry.mtime.seconds))
