"""Streaming CAR reader: CARv1 and CARv2 from a path, a ``.zst`` path or any binary stream.

Blocks are read one section at a time and never all at once. Every length field is checked against the
configured maximum and, when the size of the input is known, against the bytes actually left, before
anything is allocated; every failure is a :class:`DecodeError` naming the byte offset.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Final, NamedTuple

import zstandard

from filnet.car.v1 import (
    MAX_HEADER_SIZE,
    MAX_SECTION_SIZE,
    SECTION_HEAD_SIZE,
    CarHeader,
    decode_header_block,
    is_identity,
    parse_section_head,
)
from filnet.car.v2 import (
    HEADER_SIZE,
    PRAGMA,
    PRAGMA_SIZE,
    CarIndex,
    CarV2Header,
    decode_index,
    decode_v2_header,
)
from filnet.errors import DecodeError, HashMismatch, InvalidInput, NotFound, StorageError, UnsupportedCodec
from filnet.ipld import multihash
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.ipld.varint import decode_uvarint

#: Reads from the underlying stream are made in chunks of at least this size.
_CHUNK: Final = 1 << 16
#: Batch size when loading a CAR into a block store.
_LOAD_BATCH: Final = 1024


class CarBlock(NamedTuple):
    """One block of a CAR and the file offset of its section (of the section's length varint)."""

    cid: CID
    data: bytes
    offset: int


@dataclass(frozen=True, slots=True)
class Section:
    """Where one section lies in the file: its start, and the start and length of its block data."""

    cid: CID
    offset: int
    data_offset: int
    data_length: int


def verify_block(cid: CID, data: bytes, offset: int) -> None:
    """Raise HashMismatch (naming the CID and the section's byte offset) unless ``data`` hashes to ``cid``."""
    hasher = multihash.HASHERS.get(cid.hash_code)
    if hasher is None:
        raise UnsupportedCodec(
            f"cannot verify block {cid} at byte offset {offset}: unsupported hash {cid.hash_name}"
        )
    if hasher(data) != cid.digest:
        raise HashMismatch(f"block {cid} at byte offset {offset} does not match its {cid.hash_name} digest")


class _Input:
    """Sequential, bounds-checked reads from a binary stream, tracking the absolute position."""

    def __init__(self, stream: BinaryIO, position: int, seekable: bool) -> None:
        self._stream = stream
        self._seekable = seekable
        self._buf = b""
        self._i = 0
        self.position = position

    def peek(self, n: int) -> bytes:
        """Up to ``n`` next bytes without consuming them (fewer only at the end of the stream)."""
        if len(self._buf) - self._i < n:
            parts = [self._buf[self._i :]]
            have = len(parts[0])
            while have < n:
                chunk = self._stream.read(max(n - have, _CHUNK))
                if not chunk:
                    break
                parts.append(chunk)
                have += len(chunk)
            self._buf = b"".join(parts)
            self._i = 0
        return self._buf[self._i : self._i + n]

    def read_exact(self, n: int, what: str) -> bytes:
        """Exactly ``n`` bytes; DecodeError at the current position when the stream ends first."""
        start = self.position
        available = len(self._buf) - self._i
        if n <= available:
            out = self._buf[self._i : self._i + n]
            self._i += n
        else:
            if self._seekable:
                # Drop the read-ahead and read straight from the file: one bytes object, no join (copy).
                self._stream.seek(start)
                parts, need = [], n
            else:
                parts, need = [self._buf[self._i :]], n - available
            self._buf, self._i = b"", 0
            while need:
                chunk = self._stream.read(need)
                if not chunk:
                    raise DecodeError(f"truncated {what}: {n - need} of {n} bytes", start)
                parts.append(chunk)
                need -= len(chunk)
            out = b"".join(parts)
        self.position += n
        return out

    def skip(self, n: int, what: str) -> None:
        """Advance ``n`` bytes; the caller has checked they exist when the size is known."""
        available = len(self._buf) - self._i
        if n <= available:
            self._i += n
            self.position += n
        elif self._seekable:
            self._buf, self._i = b"", 0
            self.position += n
            self._stream.seek(self.position)
        else:
            while n:
                step = min(n, 1 << 20)
                self.read_exact(step, what)
                n -= step

    def seek(self, position: int) -> None:
        """Move to an absolute position (seekable inputs only)."""
        self._buf, self._i = b"", 0
        self.position = position
        self._stream.seek(position)


class CarReader:
    """An open CAR: its version, header, roots, and an iterator over its blocks.

    Use :func:`open_car`. With a path or a seekable stream, :meth:`blocks` may be called again (it starts
    over); a plain stream (a ``.zst`` file, a pipe) is read once. One iteration at a time: the reader has
    one position. Close it, or use it as a context manager, to close a file it opened.
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        owns: bool,
        verify: bool = True,
        max_section_size: int = MAX_SECTION_SIZE,
        max_header_size: int = MAX_HEADER_SIZE,
        zero_length_as_eof: bool = False,
    ) -> None:
        self._stream = stream
        self._owns = owns
        self.verify = verify
        self.max_section_size = max_section_size
        self.zero_length_as_eof = zero_length_as_eof
        self._seekable = _is_seekable(stream)
        #: Size of the whole input in bytes; ``None`` for streams.
        self.file_size: int | None = _stream_size(stream) if self._seekable else None
        self._consumed = False
        try:
            self._input = _Input(stream, stream.tell() if self._seekable else 0, self._seekable)
            self._start = self._input.position
            header = self._read_header(self.file_size, max_header_size)
            self.v2_header: CarV2Header | None = None
            if header.version == 2:
                self.v2_header = self._read_v2_header()
                self._input.skip(self.v2_header.data_offset - PRAGMA_SIZE - HEADER_SIZE, "CARv2 padding")
                header = self._read_header(self.data_end, max_header_size)
                if header.version != 1:
                    raise DecodeError(
                        f"CARv2 data payload has a version {header.version} header, expected 1",
                        self.data_offset,
                    )
        except BaseException:
            self.close()
            raise
        self.header: CarHeader = header
        #: File offset of the first section.
        self.sections_offset = self._input.position

    # -- header ------------------------------------------------------------------------------------------

    @property
    def version(self) -> int:
        """1 or 2."""
        return 1 if self.v2_header is None else 2

    @property
    def roots(self) -> tuple[CID, ...]:
        return self.header.roots

    @property
    def data_offset(self) -> int:
        """File offset of the CARv1 payload (0 for a CARv1): index offsets count from here."""
        return self._start if self.v2_header is None else self._start + self.v2_header.data_offset

    @property
    def data_end(self) -> int | None:
        """File offset just past the CARv1 payload; ``None`` for a CARv1 stream of unknown size."""
        if self.v2_header is not None:
            return self._start + self.v2_header.data_end
        return self.file_size

    def _read_header(self, end: int | None, max_header_size: int) -> CarHeader:
        """The length-prefixed header block at the current position; its block must end by ``end``."""
        inp = self._input
        offset = inp.position
        head = inp.peek(9)
        if not head:
            raise DecodeError("empty input: no CAR header", offset)
        try:
            length, start = decode_uvarint(head, 0)
        except DecodeError as e:
            raise DecodeError(f"bad CAR header length: {e.reason}", offset) from None
        if length == 0:
            raise DecodeError("CAR header length is zero", offset)
        if length > max_header_size:
            raise DecodeError(f"CAR header length {length} exceeds the maximum of {max_header_size}", offset)
        if end is not None and offset + start + length > end:
            raise DecodeError(f"CAR header of {length} bytes runs past the end of the data ({end})", offset)
        raw = inp.read_exact(start + length, "CAR header")
        header = decode_header_block(raw[start:], offset + start)
        if header.version == 2:
            if offset != self._start or raw != PRAGMA:
                raise DecodeError("a version 2 CAR header must be exactly the CARv2 pragma", offset)
        elif header.version != 1:
            raise DecodeError(f"unsupported CAR version {header.version}", offset)
        return header

    def _read_v2_header(self) -> CarV2Header:
        """The CARv2 header after the pragma, checked against the file size when known."""
        size = None if self.file_size is None else self.file_size - self._start
        raw = self._input.peek(HEADER_SIZE)
        header = decode_v2_header(raw, size)
        self._input.skip(HEADER_SIZE, "CARv2 header")
        return header

    # -- sections ----------------------------------------------------------------------------------------

    def _rewind(self) -> None:
        """Position the input at the first section, or fail for a stream already read."""
        if self._consumed:
            if not self._seekable:
                raise InvalidInput("this CAR comes from a stream that was already read; open it again")
            self._input.seek(self.sections_offset)
        self._consumed = True

    def _next_head(self, end: int | None) -> tuple[int, CID, int] | None:
        """Parse the next section's head; ``None`` at the end of the data."""
        inp = self._input
        offset = inp.position
        if end is not None and offset >= end:
            return None
        head = inp.peek(SECTION_HEAD_SIZE)
        if not head:
            return None
        if end is not None and offset + len(head) > end:
            head = head[: end - offset]
        if head[0] == 0 and self.zero_length_as_eof:
            return None
        total, cid, head_size = parse_section_head(head, offset, self.max_section_size)
        if end is not None and offset + total > end:
            raise DecodeError(f"section of {total} bytes runs past the end of the data ({end})", offset)
        return total, cid, head_size

    def sections(self) -> Iterator[Section]:
        """Where each section lies, without reading (or verifying) block data."""
        self._rewind()
        end = self.data_end
        inp = self._input
        while (parsed := self._next_head(end)) is not None:
            total, cid, head_size = parsed
            offset = inp.position
            inp.skip(total, "block")
            yield Section(cid, offset, offset + head_size, total - head_size)

    def blocks(self) -> Iterator[CarBlock]:
        """Every block in file order as ``(cid, data, offset)``, hash-verified unless ``verify`` is off."""
        self._rewind()
        end = self.data_end
        inp = self._input
        while (parsed := self._next_head(end)) is not None:
            total, cid, head_size = parsed
            offset = inp.position
            inp.skip(head_size, "section")
            data = inp.read_exact(total - head_size, "block")
            if self.verify:
                verify_block(cid, data, offset)
            yield CarBlock(cid, data, offset)

    def __iter__(self) -> Iterator[CarBlock]:
        return self.blocks()

    # -- index -------------------------------------------------------------------------------------------

    def read_index(self) -> CarIndex | None:
        """The CARv2 index, decoded and validated; ``None`` for a CARv1 or a CARv2 without one.

        Needs a seekable input (the index sits at the end). The index payload runs to the end of the file,
        so its size is known before it is read.
        """
        if self.v2_header is None or not self.v2_header.has_index:
            return None
        if not self._seekable or self.file_size is None:
            raise InvalidInput("reading a CARv2 index needs a seekable input")
        position = self._start + self.v2_header.index_offset
        resume = self._input.position  # leave an iteration in progress undisturbed
        self._input.seek(position)
        data = self._input.read_exact(self.file_size - position, "CARv2 index")
        self._input.seek(resume)
        try:
            return decode_index(data, position, self.v2_header.data_size)
        except DecodeError as e:
            if e.offset is None:
                raise DecodeError(f"bad CARv2 index: {e.reason}", position) from None
            raise

    # -- lifetime ----------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the input if this reader opened it."""
        if self._owns:
            self._stream.close()

    def __enter__(self) -> CarReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_car(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    verify: bool = True,
    max_section_size: int = MAX_SECTION_SIZE,
    max_header_size: int = MAX_HEADER_SIZE,
    zero_length_as_eof: bool = False,
) -> CarReader:
    """Open a CAR (v1 or v2, told apart by the CARv2 pragma) from a path or a binary stream.

    A path ending in ``.zst`` is decompressed on the fly (streaming; read once). ``verify`` hashes every
    block against its CID. ``zero_length_as_eof`` ends the CAR at a zero-length section, as go-car's
    option of that name does for zero-padded files; by default such a section is an error.
    """
    options: dict[str, Any] = {
        "verify": verify,
        "max_section_size": max_section_size,
        "max_header_size": max_header_size,
        "zero_length_as_eof": zero_length_as_eof,
    }
    if isinstance(source, str | os.PathLike):
        return CarReader(open_car_file(source), owns=True, **options)
    return CarReader(source, owns=False, **options)


def open_car_file(path: str | os.PathLike[str]) -> BinaryIO:
    """Open a file for reading, decompressing a ``.zst`` one on the fly; a missing file is NotFound."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 -- handed to the caller, who closes it
    except FileNotFoundError:
        raise NotFound(f"no such file: {path}") from None
    except OSError as e:
        raise StorageError(f"cannot open {path}: {e.strerror}") from None
    if Path(path).suffix != ".zst":
        return raw
    return io.BufferedReader(_ZstdStream(raw), buffer_size=_CHUNK)


class _ZstdStream(io.RawIOBase):
    """A streaming zstd decompressor whose corrupt input raises DecodeError (zstandard's own error is not
    a filnet error). Positions in errors downstream count decompressed bytes."""

    def __init__(self, raw: BinaryIO) -> None:
        self._reader: Any = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            n: int = self._reader.readinto(buffer)
        except zstandard.ZstdError as e:
            raise DecodeError(f"corrupt zstd data: {e}") from None
        return n

    def close(self) -> None:
        self._reader.close()
        super().close()


def load_car(source: str | os.PathLike[str] | BinaryIO, store: Blockstore) -> CarHeader:
    """Read every block of a CAR (verified) into ``store``; return the CAR's (CARv1 payload) header."""
    with open_car(source) as car:
        batch: list[tuple[CID, bytes]] = []
        for cid, data, _ in car.blocks():
            if is_identity(cid):
                continue
            batch.append((cid, data))
            if len(batch) >= _LOAD_BATCH:
                store.put_many(batch)
                batch = []
        store.put_many(batch)
        return car.header


def _is_seekable(stream: BinaryIO) -> bool:
    """Whether ``stream`` supports seek and tell (a zstd reader has them, but only forward)."""
    if isinstance(stream, zstandard.ZstdDecompressionReader):
        return False
    try:
        return stream.seekable()
    except (AttributeError, ValueError, OSError):
        return False


def _stream_size(stream: BinaryIO) -> int:
    """Total size of a seekable stream, leaving its position unchanged."""
    here = stream.tell()
    size = stream.seek(0, io.SEEK_END)
    stream.seek(here)
    return size
