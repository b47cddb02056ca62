"""CARv1: the header, the section framing, and the canonical depth-first writer.

Layout (ipld specs ``transport/car/carv1``)::

    varint(len(header)) ‖ header          header = DAG-CBOR {"roots": [CID, ...], "version": 1}
    varint(len(cid) + len(data)) ‖ cid ‖ data      one section per block, repeated

Limits follow go-car (``v2/internal/carv1``): a header is at most 32 MiB and a section at most 8 MiB by
default. Readers check every length against these limits and against the bytes actually left before reading.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Final

from filnet.car.dag import depth_first, read_links
from filnet.errors import DecodeError, InvalidInput, MissingBlock, UnsupportedCodec
from filnet.ipld import dagcbor, multihash
from filnet.ipld.blockstore import BlockNotFound, Blockstore
from filnet.ipld.cid import CID
from filnet.ipld.varint import decode_uvarint, encode_uvarint

#: go-car's DefaultMaxAllowedHeaderSize: largest CARv1 header block read.
MAX_HEADER_SIZE: Final = 32 << 20
#: go-car's DefaultMaxAllowedSectionSize: largest section (CID + block) read or written. IPLD blocks should
#: stay under 2 MiB; the margin lets real-world CARs with larger blocks through.
MAX_SECTION_SIZE: Final = 8 << 20
#: Longest binary CID: version, codec and hash code varints (9 bytes each at most), the digest length varint
#: and a digest of at most :data:`filnet.ipld.multihash.MAX_DIGEST` bytes.
MAX_CID_SIZE: Final = 1 + 9 + 9 + 9 + multihash.MAX_DIGEST
#: Bytes that always hold a section's length varint and its whole CID (when the section is that long).
SECTION_HEAD_SIZE: Final = 9 + MAX_CID_SIZE


@dataclass(frozen=True, slots=True)
class CarHeader:
    """The header of a CARv1 (or of a CARv1 payload inside a CARv2)."""

    version: int
    roots: tuple[CID, ...]

    def encode(self) -> bytes:
        """The header as a length-prefixed DAG-CBOR block, as it starts a CAR."""
        block = dagcbor.encode({"roots": list(self.roots), "version": self.version})
        return encode_uvarint(len(block)) + block


def decode_header_block(block: bytes, offset: int) -> CarHeader:
    """Decode a header block (without its length prefix) that starts at byte ``offset`` of the file.

    The header must be a map of exactly ``roots`` (a list of CIDs) and ``version`` (an integer); ``roots``
    may only be left out when the version is not 1 (the CARv2 pragma is ``{"version": 2}``). Like js-car
    and unlike go-car, an empty ``roots`` list is accepted on read; writers require at least one root.
    """
    try:
        value = dagcbor.decode(block)
    except DecodeError as e:
        raise DecodeError(f"CAR header is not valid DAG-CBOR: {e.reason}", offset) from None
    if not isinstance(value, dict):
        raise DecodeError(f"CAR header is a {type(value).__name__}, expected a map", offset)
    extra = set(value) - {"roots", "version"}
    if extra:
        raise DecodeError(f"CAR header has unexpected keys {sorted(extra)}", offset)
    version = value.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise DecodeError("CAR header has no integer 'version'", offset)
    roots = value.get("roots")
    if roots is None and version != 1:
        return CarHeader(version, ())
    if not isinstance(roots, list) or not all(isinstance(root, CID) for root in roots):
        raise DecodeError("CAR header 'roots' is not a list of CIDs", offset)
    return CarHeader(version, tuple(roots))


def parse_section_head(head: bytes | memoryview, offset: int, max_section_size: int) -> tuple[int, CID, int]:
    """Parse a section's length varint and CID from its first bytes (``head``, found at byte ``offset``).

    Returns ``(size of the whole section with its varint, CID, size of varint and CID)``. ``head`` must hold
    the varint and the whole CID (:data:`SECTION_HEAD_SIZE` bytes, or fewer at the end of the data); the
    caller checks that the section fits in what is left of the data.
    """
    try:
        length, start = decode_uvarint(head, 0)
    except DecodeError as e:
        raise DecodeError(f"bad section length: {e.reason}", offset) from None
    if length == 0:
        raise DecodeError("zero-length section", offset)
    if length > max_section_size:
        raise DecodeError(f"section length {length} exceeds the maximum of {max_section_size} bytes", offset)
    try:
        cid, end = CID.decode_prefix(head[: start + length], start)
    except DecodeError as e:
        raise DecodeError(f"bad CID in section: {e.reason}", offset + start) from None
    except UnsupportedCodec as e:
        raise DecodeError(f"bad CID in section: {e}", offset + start) from None
    return start + length, cid, end


@dataclass(frozen=True, slots=True)
class CarStats:
    """What a writer wrote."""

    roots: tuple[CID, ...]
    blocks: int
    block_bytes: int
    size: int


class CarV1Writer:
    """Writes a CARv1 section by section, in the order blocks are given.

    The writer trusts its caller: it neither hashes blocks nor removes duplicates. Offsets it returns count
    from the first byte of the CARv1 (of the payload, inside a CARv2), as CARv2 indexes record them.
    """

    def __init__(self, out: BinaryIO, roots: Sequence[CID]) -> None:
        if not roots:
            raise InvalidInput("a CAR needs at least one root")
        self._out = out
        self.header = CarHeader(1, tuple(roots))
        encoded = self.header.encode()
        out.write(encoded)
        self.size = len(encoded)
        self.blocks = 0
        self.block_bytes = 0

    def put(self, cid: CID, data: bytes) -> int:
        """Append one block; return the offset of its section (of the section's length varint)."""
        raw = bytes(cid)
        length = len(raw) + len(data)
        if length > MAX_SECTION_SIZE:
            raise InvalidInput(
                f"block {cid} of {len(data)} bytes is too large for a CAR section "
                f"(at most {MAX_SECTION_SIZE} bytes with its CID)"
            )
        offset = self.size
        prefix = encode_uvarint(length)
        self._out.write(prefix + raw)
        self._out.write(data)
        self.size += len(prefix) + length
        self.blocks += 1
        self.block_bytes += len(data)
        return offset

    def stats(self) -> CarStats:
        """Counts so far."""
        return CarStats(self.header.roots, self.blocks, self.block_bytes, self.size)


def is_identity(cid: CID) -> bool:
    """Whether ``cid`` inlines its block in an identity multihash."""
    return cid.hash_code == multihash.IDENTITY


def load_block(store: Blockstore, cid: CID, parent: CID | None) -> bytes:
    """The block ``cid`` from ``store`` (an identity CID's own digest); MissingBlock names the parent."""
    if is_identity(cid):
        return cid.digest
    try:
        return store.get(cid)
    except BlockNotFound:
        where = "a root" if parent is None else f"linked from {parent}"
        raise MissingBlock(f"block {cid} ({where}) is not in the store") from None


def write_dag(
    writer: CarV1Writer,
    store: Blockstore,
    *,
    verify: bool = False,
    on_section: Callable[[CID, int], None] | None = None,
) -> None:
    """Write the DAGs under the writer's roots in canonical order; ``on_section`` sees each (CID, offset).

    Order: depth-first pre-order from each root in turn, links in the order their codec lists them, each
    block written at its first visit only (the "filecoin-deterministic" order of the CARv1 spec, the order
    of go-car's ``WriteCar``). Identity CIDs are followed (their inline block may hold links) but not written
    as sections, as go-car v2 writers do by default (``StoreIdentityCIDs`` off) and the CARv2 spec asks of
    indexes. ``verify`` hashes every block against its CID; stores are trusted by default, as the blockstore
    contract says their content was verified on the way in.
    """

    def visit(cid: CID, parent: CID | None) -> list[CID]:
        data = load_block(store, cid, parent)
        if not is_identity(cid):
            if verify:
                cid.verify(data)
            offset = writer.put(cid, data)
            if on_section is not None:
                on_section(cid, offset)
        return read_links(cid, data)

    depth_first(writer.header.roots, visit)


def write_car_v1(out: BinaryIO, roots: Sequence[CID], store: Blockstore, *, verify: bool = False) -> CarStats:
    """Write the DAGs under ``roots`` as a CARv1 in canonical order (see :func:`write_dag`)."""
    writer = CarV1Writer(out, roots)
    write_dag(writer, store, verify=verify)
    return writer.stats()
