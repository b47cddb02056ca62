"""Check a whole CAR: header, every block's hash, duplicates, the CARv2 index, and DAG completeness.

One streaming pass reads every block (so ``.zst`` CARs work too) and keeps only each block's links; the DAG
is then walked from the roots over those links. Memory grows with the number of blocks and links, never
with block data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import BinaryIO

from filnet.car.dag import depth_first, read_links
from filnet.car.reader import CarReader, open_car
from filnet.car.v1 import is_identity
from filnet.car.v2 import CarIndex
from filnet.errors import DecodeError, IntegrityError, MissingBlock, UnsupportedCodec
from filnet.ipld.cid import CID

_NO_LINKS: tuple[CID, ...] = ()


@dataclass(frozen=True, slots=True)
class MissingLink:
    """A block the DAG needs but the CAR lacks, and the block that links to it (``None`` for a root)."""

    cid: CID
    parent: CID | None


@dataclass(frozen=True, slots=True)
class CarReport:
    """What :func:`verify_car` found."""

    version: int
    roots: tuple[CID, ...]
    #: Sections read (duplicates included).
    blocks: int
    #: Block data bytes in all sections.
    bytes: int
    #: Sections repeating a CID seen earlier in the file.
    duplicates: int
    #: Distinct stored blocks reachable from the roots.
    reachable: int
    #: Distinct stored blocks not reachable from any root.
    orphans: int
    #: Linked blocks absent from the CAR, in walk order.
    missing: tuple[MissingLink, ...]
    #: Reachable blocks whose codec filnet cannot read links from: their subgraphs were not checked.
    opaque: tuple[CID, ...]
    #: Entries of the CARv2 index, which was checked against the sections; ``None`` without one.
    index_entries: int | None

    @property
    def complete(self) -> bool:
        """Every link followed from the roots leads to a block present in the CAR."""
        return not self.missing


def verify_car(source: str | os.PathLike[str] | BinaryIO, *, require_complete: bool = True) -> CarReport:
    """Verify the CAR at ``source`` (a path, ``.zst`` path or stream) and report on it.

    Raises DecodeError for malformed framing or blocks, HashMismatch for a block that does not match its
    CID, CycleError for a DAG that links back to an ancestor, IntegrityError for a CARv2 index that does not
    match the sections, and, with ``require_complete``, MissingBlock naming the first absent block and its
    parent.
    """
    with open_car(source) as car:
        seen = _read_blocks(car)
        version, roots = car.version, car.roots
    missing, reached = _walk(roots, seen)
    if require_complete and missing:
        first = missing[0]
        where = "a root" if first.parent is None else f"linked from {first.parent}"
        raise MissingBlock(
            f"block {first.cid} ({where}) is not in the CAR"
            + (f"; {len(missing)} blocks missing in all" if len(missing) > 1 else "")
        )
    return CarReport(
        version=version,
        roots=roots,
        blocks=seen.count,
        bytes=seen.size,
        duplicates=seen.duplicates,
        reachable=len(reached),
        orphans=len(seen.links) - len(reached),
        missing=tuple(missing),
        opaque=tuple(cid for cid in seen.links if cid in seen.opaque and cid in reached),
        index_entries=seen.index_entries,
    )


@dataclass(slots=True)
class _Seen:
    """What one pass over the sections collects: each distinct block's links, and counts."""

    links: dict[CID, tuple[CID, ...]] = field(default_factory=dict)
    opaque: set[CID] = field(default_factory=set)
    count: int = 0
    size: int = 0
    duplicates: int = 0
    index_entries: int | None = None

    def links_of(self, cid: CID, data: bytes, offset: int | None) -> tuple[CID, ...]:
        """The block's links; a codec we cannot read marks the block opaque (no links followed)."""
        try:
            links = read_links(cid, data)
        except UnsupportedCodec:
            self.opaque.add(cid)
            return _NO_LINKS
        except DecodeError as e:
            if offset is None:
                raise
            raise DecodeError(f"section at byte offset {offset}: {e.reason}", offset) from None
        return tuple(links) or _NO_LINKS


def _read_blocks(car: CarReader) -> _Seen:
    """Read (and hash) every block, keeping links and counts; check a CARv2 index against the sections."""
    seen = _Seen()
    v2 = car.v2_header
    indexed = v2 is not None and v2.has_index and car.file_size is not None
    records: list[tuple[CID, int]] = []
    for cid, data, offset in car.blocks():
        seen.count += 1
        seen.size += len(data)
        if indexed:
            records.append((cid, offset - car.data_offset))
        if cid in seen.links:
            seen.duplicates += 1
        else:
            seen.links[cid] = seen.links_of(cid, data, offset)
    if indexed and v2 is not None:
        seen.index_entries = _check_index(car.read_index(), records, v2.fully_indexed)
    return seen


def _walk(roots: tuple[CID, ...], seen: _Seen) -> tuple[list[MissingLink], set[CID]]:
    """Walk the DAG from the roots over the links read; return the missing links and the blocks reached."""
    missing: list[MissingLink] = []
    reached: set[CID] = set()

    def visit(cid: CID, parent: CID | None) -> tuple[CID, ...]:
        links = seen.links.get(cid)
        if links is None and is_identity(cid):
            # The block is in the CID itself: present even when the CAR does not store it.
            return seen.links_of(cid, cid.digest, None)
        if links is None:
            missing.append(MissingLink(cid, parent))
            return _NO_LINKS
        reached.add(cid)
        return links

    depth_first(roots, visit)
    return missing, reached


def _check_index(index: CarIndex | None, records: list[tuple[CID, int]], with_identity: bool) -> int | None:
    """Compare a CARv2 index with the one its sections give; return its entry count."""
    if index is None:
        return None
    expected = CarIndex.build(records, index.codec, include_identity=with_identity)
    if sorted(index.entries(), key=_entry_key) != sorted(expected.entries(), key=_entry_key):
        raise IntegrityError(
            f"CARv2 index ({len(index)} entries) does not match the data payload's sections "
            f"({len(expected)} expected)"
        )
    return len(index)


def _entry_key(entry: tuple[int | None, bytes, int]) -> tuple[int, bytes, int]:
    code, digest, offset = entry
    return (code or 0, digest, offset)
