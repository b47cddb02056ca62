"""A read-only block store over a CAR file (v1 or v2).

Opening scans the sections once (reading CIDs, skipping block data) to build an in-memory map from CID to
where its data lies; a CARv2 with an index is not scanned: lookups go through the index, and each hit is
checked against the CID in the section it points at. Every block read is hash-verified. Identity CIDs are
answered from the CID itself, as go-car's read-only blockstore does, and are not listed by iteration.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

from filnet.car.reader import CarReader, Section, verify_block
from filnet.car.v1 import MAX_SECTION_SIZE, SECTION_HEAD_SIZE, is_identity, parse_section_head
from filnet.car.v2 import CarIndex
from filnet.errors import DecodeError, InvalidInput, NotFound, StorageError, UnsupportedCodec
from filnet.ipld.blockstore import BlockNotFound
from filnet.ipld.cid import CID


class CarBlockstore:
    """A read-only :class:`filnet.ipld.blockstore.Blockstore` backed by a CAR file.

    ``get`` checks each block against its CID unless ``verify=False``, which is for readers that check every
    block themselves (the UnixFS exporter does), so that no block is hashed twice.
    """

    def __init__(self, path: str | os.PathLike[str], *, use_index: bool = True, verify: bool = True) -> None:
        self.path = Path(path)
        self._verify = verify
        if self.path.suffix == ".zst":
            raise InvalidInput(f"{self.path}: a compressed CAR has no random access; decompress it first")
        try:
            self._fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            raise NotFound(f"no such file: {self.path}") from None
        except OSError as e:
            raise StorageError(f"cannot open {self.path}: {e.strerror}") from None
        self._closed = False
        try:
            with open(self._fd, "rb", closefd=False) as f:
                f.seek(0)
                car = CarReader(f, owns=False, verify=False)
                self.version = car.version
                self.roots = car.roots
                self._data_offset = car.data_offset
                self._data_end = car.data_end if car.data_end is not None else 0
                self._index: CarIndex | None = None
                if use_index:
                    try:
                        self._index = car.read_index()
                    except UnsupportedCodec:
                        self._index = None  # an index format we do not read: scan instead
                self._sections: dict[CID, Section] | None = None
                if self._index is None:
                    self._sections = _scan(car)
        except BaseException:
            os.close(self._fd)
            raise

    # -- reads -------------------------------------------------------------------------------------------

    def _find(self, cid: CID) -> Section | None:
        """Where the block ``cid`` lies, or ``None``."""
        if self._sections is not None:
            return self._sections.get(cid)
        assert self._index is not None
        for offset in self._index.offsets(cid):
            section = self._section_at(self._data_offset + offset)
            if section.cid.hash_code != cid.hash_code or section.cid.digest != cid.digest:
                raise DecodeError(
                    f"CARv2 index entry for {cid} points at a section holding {section.cid}", section.offset
                )
            if section.cid == cid:
                return section
        return None

    def _section_at(self, offset: int) -> Section:
        """Parse the section at file ``offset``, checking it lies inside the data payload."""
        head = self._pread(min(SECTION_HEAD_SIZE, self._data_end - offset), offset)
        total, cid, head_size = parse_section_head(head, offset, MAX_SECTION_SIZE)
        if offset + total > self._data_end:
            raise DecodeError(
                f"section of {total} bytes runs past the end of the data ({self._data_end})", offset
            )
        return Section(cid, offset, offset + head_size, total - head_size)

    def _pread(self, size: int, offset: int) -> bytes:
        """Exactly ``size`` bytes at ``offset``."""
        if self._closed:
            raise StorageError(f"CAR block store {self.path} is closed")
        data = os.pread(self._fd, size, offset)
        if len(data) != size:
            raise DecodeError(f"{self.path} changed on disk: read {len(data)} of {size} bytes", offset)
        return data

    def get(self, cid: CID) -> bytes:
        if is_identity(cid):
            return cid.digest
        section = self._find(cid)
        if section is None:
            raise BlockNotFound(cid)
        data = self._pread(section.data_length, section.data_offset)
        if self._verify:
            verify_block(cid, data, section.offset)
        return data

    def has(self, cid: CID) -> bool:
        return is_identity(cid) or self._find(cid) is not None

    def __contains__(self, cid: object) -> bool:
        return isinstance(cid, CID) and self.has(cid)

    def _all_sections(self) -> dict[CID, Section]:
        """The CID map, scanned on first need when an index made the scan unnecessary so far."""
        if self._sections is None:
            with open(self._fd, "rb", closefd=False) as f:
                f.seek(0)  # the descriptor is shared; reads elsewhere use pread and leave the position
                self._sections = _scan(CarReader(f, owns=False, verify=False))
        return self._sections

    def __iter__(self) -> Iterator[CID]:
        return iter(list(self._all_sections()))

    def __len__(self) -> int:
        return len(self._all_sections())

    # -- writes are refused ------------------------------------------------------------------------------

    def put(self, cid: CID, data: bytes) -> None:
        raise InvalidInput(f"CAR block store {self.path} is read-only")

    def put_many(self, blocks: Iterable[tuple[CID, bytes]]) -> None:
        raise InvalidInput(f"CAR block store {self.path} is read-only")

    def delete(self, cid: CID) -> None:
        raise InvalidInput(f"CAR block store {self.path} is read-only")

    # -- lifetime ----------------------------------------------------------------------------------------

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            os.close(self._fd)

    def __enter__(self) -> CarBlockstore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _scan(car: CarReader) -> dict[CID, Section]:
    """Map every non-identity CID to its first section."""
    sections: dict[CID, Section] = {}
    for section in car.sections():
        if not is_identity(section.cid):
            sections.setdefault(section.cid, section)
    return sections
