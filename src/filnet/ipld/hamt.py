"""HAMT in go-hamt-ipld v3's layout: the key/value map behind Filecoin's state tree and actor states.

Each node is the DAG-CBOR tuple ``[bitfield, [pointer, …]]`` where ``bitfield`` is the big-endian, minimal
byte form of an integer whose bit ``i`` says slot ``i`` (of ``2^bit_width``) is present, and the pointers of
present slots follow in slot order. A pointer is either a link to a child node (a CID) or a bucket: a list of
one to :data:`BUCKET_SIZE` ``[key, value]`` pairs sorted by key bytes.

A key's slot at depth ``d`` is the ``d``-th group of ``bit_width`` bits of ``sha256(key)``, read from the
most significant bit of the first byte. The form is canonical (CHAMP): a slot holds a bucket when at most
:data:`BUCKET_SIZE` keys share its hash prefix and a child node otherwise, so the root CID depends only on
the content, never on the order of the operations that built it.

State trees before version 2 (actors v0 and v2, go-hamt-ipld before v3) wrote each pointer as a one-entry map,
``{"0": link}`` or ``{"1": bucket}``; ``legacy_pointers=True`` reads and writes that form.

Nodes load lazily from the block store and stay cached; :meth:`Hamt.flush` writes only the nodes changed
since the last flush, under blake2b-256 CIDs as Lotus writes state (``cid_hash`` changes that). Values are
DAG-CBOR data-model values (see :mod:`filnet.ipld.dagcbor`); typed maps convert on top of this one.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Iterator
from typing import Any, Final

from filnet.errors import DecodeError, InvalidInput, MissingBlock
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.blockstore import BlockNotFound, Blockstore
from filnet.ipld.cid import CID

BUCKET_SIZE: Final = 3
"""Entries a bucket holds before it is split into a child node (go-hamt-ipld v3's ``bucketSize``)."""

DEFAULT_BIT_WIDTH: Final = 5
"""Filecoin's HAMTs all use 32-way nodes (builtin-actors ``HAMT_BIT_WIDTH``)."""

_HASH_BITS: Final = 256
_LEGACY_LINK: Final = "0"
_LEGACY_BUCKET: Final = "1"
#: Parsed HAMT nodes by (CID, bit width, is root, legacy pointers): the slot bitmap and, per slot, a child
#: link or a bucket of (key, value) pairs. Blocks are immutable, so a CID's parse never goes stale; the
#: values are shared between loads, which only ever replace them, never change them in place.
_ParsedNode = tuple[int, tuple["CID | tuple[tuple[bytes, Any], ...]", ...]]
_PARSED_NODES: dict[tuple[CID, int, bool, bool], _ParsedNode] = {}
_PARSED_NODES_LIMIT: Final = 16_384

HashFunction = Callable[[bytes], bytes]


def _entry_key(entry: tuple[bytes, Any]) -> bytes:
    """Buckets are sorted by key bytes."""
    return entry[0]


def sha256_key(key: bytes) -> bytes:
    """Filecoin's HAMT key hash."""
    return hashlib.sha256(key).digest()


class HamtError(DecodeError):
    """A block that is not a valid HAMT node."""


#: Value types that cannot change in place, whose nodes may be remembered as they are written.
_SCALARS: Final = frozenset({bytes, int, str, bool, type(None), CID})


def _remember(key: tuple[CID, int, bool, bool], parsed: _ParsedNode) -> None:
    if len(_PARSED_NODES) >= _PARSED_NODES_LIMIT:
        del _PARSED_NODES[next(iter(_PARSED_NODES))]
    _PARSED_NODES[key] = parsed


def _parse_of(node: _Node) -> _ParsedNode:
    """The remembered form of a node whose children are all linked."""
    parsed: list[CID | tuple[tuple[bytes, Any], ...]] = []
    for pointer in node.pointers:
        if not isinstance(pointer, _Pointer):
            parsed.append(pointer)
        elif pointer.kvs is None:
            assert pointer.link is not None
            parsed.append(pointer.link)
        else:
            parsed.append(tuple(pointer.kvs))
    return node.bitmap, tuple(parsed)


class _Pointer:
    """One present slot: a bucket of sorted ``(key, value)`` pairs, or a child node (linked and/or cached).

    ``link`` is the child's CID as last written; it is ``None`` while the cached child has unsaved changes.
    """

    __slots__ = ("kvs", "link", "node")

    def __init__(
        self,
        kvs: list[tuple[bytes, Any]] | None = None,
        link: CID | None = None,
        node: _Node | None = None,
    ) -> None:
        self.kvs = kvs
        self.link = link
        self.node = node


#: A slot as loaded and not yet touched: the child's CID or the bucket's entries, exactly as parsed (shared
#: with the parse cache, so never changed in place); :meth:`_Node.pointer` turns it into a working pointer.
_Raw = CID | tuple[tuple[bytes, Any], ...]


class _Node:
    """A HAMT node in memory: the slot bitmap and the pointers of the present slots, in slot order.

    Loading a node costs one list copy: its slots stay in their parsed form until a read descends into a
    child or a write changes a bucket, and only those slots become :class:`_Pointer` objects.
    """

    __slots__ = ("bitmap", "pointers")

    def __init__(self, bitmap: int = 0, pointers: list[_Pointer | _Raw] | None = None) -> None:
        self.bitmap = bitmap
        self.pointers: list[_Pointer | _Raw] = pointers if pointers is not None else []

    def position(self, slot: int) -> int:
        """Index in ``pointers`` of ``slot`` (a popcount of the lower bits)."""
        return (self.bitmap & ((1 << slot) - 1)).bit_count()

    def pointer(self, position: int) -> _Pointer:
        """The working pointer at ``position``, made from its parsed form on first use."""
        entry = self.pointers[position]
        if type(entry) is _Pointer:
            return entry
        made = _Pointer(link=entry) if type(entry) is CID else _Pointer(kvs=list(entry))  # type: ignore[arg-type]
        self.pointers[position] = made
        return made

    def to_ipld(self, legacy_pointers: bool) -> list[Any]:
        """The node as a DAG-CBOR data-model value; every child must already be linked."""
        encoded: list[Any] = []
        for pointer in self.pointers:
            raw: Any
            if type(pointer) is not _Pointer:
                is_link = type(pointer) is CID
                raw = pointer if is_link else [[k, v] for k, v in pointer]  # type: ignore[union-attr]
            elif pointer.kvs is not None:
                is_link = False
                raw = [[k, v] for k, v in pointer.kvs]
            else:
                assert pointer.link is not None, "flush children before encoding their parent"
                is_link = True
                raw = pointer.link
            if legacy_pointers:
                raw = {_LEGACY_LINK if is_link else _LEGACY_BUCKET: raw}
            encoded.append(raw)
        return [self.bitmap.to_bytes((self.bitmap.bit_length() + 7) // 8, "big"), encoded]


def decode_node(data: bytes, cid: CID, bit_width: int, is_root: bool, legacy_pointers: bool = False) -> _Node:
    """Decode and validate one HAMT node (go-hamt-ipld's ``loadNode`` checks, plus a minimal bitfield)."""
    try:
        value = dagcbor.decode(data)
    except DecodeError as e:
        raise HamtError(f"HAMT node {cid}: {e.reason}") from None
    if not isinstance(value, list) or len(value) != 2:
        raise HamtError(f"HAMT node {cid}: expected a 2-element array")
    raw_bitmap, raw_pointers = value
    if not isinstance(raw_bitmap, bytes) or not isinstance(raw_pointers, list):
        raise HamtError(f"HAMT node {cid}: expected [bytes, array]")
    if raw_bitmap[:1] == b"\x00":
        raise HamtError(f"HAMT node {cid}: bitfield has a leading zero byte")
    bitmap = int.from_bytes(raw_bitmap, "big")
    if bitmap >> (1 << bit_width):
        raise HamtError(f"HAMT node {cid}: bitfield has bits beyond width {1 << bit_width}")
    if bitmap.bit_count() != len(raw_pointers):
        raise HamtError(
            f"HAMT node {cid}: bitfield names {bitmap.bit_count()} slots but there are {len(raw_pointers)}"
        )
    pointers: list[_Pointer | _Raw] = []
    links = direct_kvs = 0
    for raw in raw_pointers:
        if legacy_pointers:
            raw = _unwrap_legacy(raw, cid)
        if isinstance(raw, CID):
            if raw.codec != codecs.DAG_CBOR:
                raise HamtError(f"HAMT node {cid}: child link {raw} is not dag-cbor")
            pointers.append(_Pointer(link=raw))
            links += 1
            continue
        if not isinstance(raw, list) or not 1 <= len(raw) <= BUCKET_SIZE:
            raise HamtError(f"HAMT node {cid}: a pointer must be a link or a bucket of 1..{BUCKET_SIZE}")
        kvs: list[tuple[bytes, Any]] = []
        for kv in raw:
            if not isinstance(kv, list) or len(kv) != 2 or not isinstance(kv[0], bytes):
                raise HamtError(f"HAMT node {cid}: bucket entry is not [bytes, value]")
            if kvs and kvs[-1][0] >= kv[0]:
                raise HamtError(f"HAMT node {cid}: bucket keys are not strictly sorted")
            kvs.append((kv[0], kv[1]))
        pointers.append(_Pointer(kvs=kvs))
        direct_kvs += len(kvs)
    if not is_root:
        if not pointers:
            raise HamtError(f"HAMT node {cid}: only the root may be empty")
        if links == 0 and direct_kvs <= BUCKET_SIZE:
            raise HamtError(f"HAMT node {cid}: not canonical, its {direct_kvs} entries fit a bucket")
    return _Node(bitmap, pointers)


def _unwrap_legacy(raw: Any, cid: CID) -> Any:
    """The link or bucket inside a pre-v3 pointer map."""
    if isinstance(raw, dict) and len(raw) == 1:
        if isinstance(raw.get(_LEGACY_LINK), CID):
            return raw[_LEGACY_LINK]
        if isinstance(raw.get(_LEGACY_BUCKET), list):
            return raw[_LEGACY_BUCKET]
    raise HamtError(f'HAMT node {cid}: a legacy pointer must be {{"0": link}} or {{"1": bucket}}')


class Hamt:
    """A mutable view of a HAMT over a block store.

    ``Hamt(store)`` is empty; ``Hamt(store, root)`` loads lazily from ``root``. Changes stay in memory until
    :meth:`flush`, which writes the changed nodes and returns the new root CID.
    """

    def __init__(
        self,
        store: Blockstore,
        root: CID | None = None,
        bit_width: int = DEFAULT_BIT_WIDTH,
        hash_function: HashFunction = sha256_key,
        legacy_pointers: bool = False,
        cid_hash: int = multihash.BLAKE2B_256,
    ) -> None:
        if not 1 <= bit_width <= 8:
            raise InvalidInput(f"HAMT bit width must be 1..8, got {bit_width}")
        self.store = store
        self.bit_width = bit_width
        self._hash = hash_function
        self.legacy_pointers = legacy_pointers
        self.cid_hash = cid_hash
        self._mask = (1 << bit_width) - 1
        self._max_depth = _HASH_BITS // bit_width
        self._root_cid = root
        self._root = self._load(root, is_root=True) if root is not None else _Node()
        self._dirty = root is None

    # -- reading --------------------------------------------------------------------------------

    def get(self, key: bytes, default: Any = None) -> Any:
        """The value under ``key``, or ``default``."""
        digest = self._digest(key)
        node = self._root
        bit_width, mask = self.bit_width, self._mask
        shift = _HASH_BITS
        for _ in range(self._max_depth):
            shift -= bit_width
            bit = 1 << ((digest >> shift) & mask)
            if not node.bitmap & bit:
                return default
            position = (node.bitmap & (bit - 1)).bit_count()
            entry = node.pointers[position]
            if type(entry) is tuple:
                kvs: Any = entry  # an untouched bucket: read it as parsed
            else:
                pointer = entry if type(entry) is _Pointer else node.pointer(position)
                kvs = pointer.kvs
                if kvs is None:
                    node = pointer.node or self._child(pointer)
                    continue
            for k, v in kvs:
                if k == key:
                    return v
            return default
        return default

    def __contains__(self, key: object) -> bool:
        sentinel = object()
        return isinstance(key, bytes) and self.get(key, sentinel) is not sentinel

    def items(self) -> Iterator[tuple[bytes, Any]]:
        """Every ``(key, value)`` in the HAMT's order (by hash, then key)."""
        # (node, next position) pairs; children are loaded once and kept, as reads and writes do
        stack: list[tuple[_Node, int]] = [(self._root, 0)]
        while stack:
            node, position = stack[-1]
            if position == len(node.pointers):
                stack.pop()
                continue
            stack[-1] = (node, position + 1)
            entry = node.pointers[position]
            if type(entry) is tuple:
                yield from entry
                continue
            pointer = node.pointer(position)
            if pointer.kvs is not None:
                yield from pointer.kvs
            elif len(stack) >= self._max_depth:
                raise HamtError(
                    f"HAMT node {pointer.link}: deeper than the {self._max_depth} levels a hash allows"
                )
            else:
                stack.append((self._child(pointer), 0))

    def keys(self) -> Iterator[bytes]:
        """Every key, in the HAMT's order."""
        for key, _ in self.items():
            yield key

    def __iter__(self) -> Iterator[bytes]:
        return self.keys()

    def count(self) -> int:
        """Number of entries (walks, and so loads, the whole HAMT)."""
        return sum(1 for _ in self.items())

    # -- writing --------------------------------------------------------------------------------

    def set(self, key: bytes, value: Any) -> None:
        """Insert or replace the value under ``key``."""
        if not isinstance(key, bytes):
            raise InvalidInput(f"HAMT keys are bytes, got {type(key).__name__}")
        if self._set(self._root, self._digest(key), 0, key, value):
            self._dirty = True

    def __setitem__(self, key: bytes, value: Any) -> None:
        self.set(key, value)

    def delete(self, key: bytes) -> bool:
        """Remove ``key``; whether it was present."""
        removed = self._delete(self._root, self._digest(key), 0, key)
        if removed:
            self._dirty = True
        return removed

    def clean_root(self) -> CID | None:
        """The root CID as last loaded or flushed, when nothing has changed since; else None."""
        return None if self._dirty else self._root_cid

    def flush(self) -> CID:
        """Write every changed node (children first) and return the root CID."""
        if not self._dirty and self._root_cid is not None:
            return self._root_cid
        blocks: list[tuple[CID, bytes]] = []
        self._root_cid = self._write(self._root, blocks)
        self.store.put_many(blocks)
        self._dirty = False
        return self._root_cid

    # -- internals ------------------------------------------------------------------------------

    def _digest(self, key: bytes) -> int:
        """The key's hash as a big-endian integer, so slots are plain shifts."""
        digest = self._hash(key)
        if len(digest) * 8 != _HASH_BITS:
            raise InvalidInput(f"HAMT hash function must give {_HASH_BITS} bits")
        return int.from_bytes(digest, "big")

    def _slot(self, digest: int, depth: int) -> int:
        """The slot of a key at ``depth``: the depth-th bit group from the most significant end."""
        return (digest >> (_HASH_BITS - self.bit_width * (depth + 1))) & self._mask

    def _load(self, cid: CID, is_root: bool) -> _Node:
        """Fetch and validate a node block.

        The block is always read from the store (a gas-metered store charges for it, and a missing block
        must be noticed); only its decoding and validation are remembered, by CID, in a bounded cache of
        parsed nodes from which each load builds fresh working pointers.
        """
        try:
            data = self.store.get(cid)
        except BlockNotFound:
            raise MissingBlock(f"HAMT node {cid} is missing from the block store") from None
        key = (cid, self.bit_width, is_root, self.legacy_pointers)
        parsed = _PARSED_NODES.get(key)
        if parsed is None:
            node = decode_node(data, cid, self.bit_width, is_root, self.legacy_pointers)
            _remember(key, _parse_of(node))
            return node
        bitmap, pointers = parsed
        return _Node(bitmap, list(pointers))

    def _child(self, pointer: _Pointer) -> _Node:
        """The child node behind a link pointer, loaded once and cached."""
        if pointer.node is None:
            assert pointer.link is not None
            pointer.node = self._load(pointer.link, is_root=False)
        return pointer.node

    def _set(self, node: _Node, digest: int, depth: int, key: bytes, value: Any) -> bool:
        """Insert below ``node`` (at ``depth``); whether anything changed.

        Iterative on the hot path: slots are the digest's bit groups from the most significant end.
        """
        bit_width, mask = self.bit_width, self._mask
        shift = _HASH_BITS - bit_width * depth
        path: list[_Pointer] = []
        while True:
            if depth >= self._max_depth:
                raise InvalidInput("HAMT ran out of hash bits: too many colliding keys")
            shift -= bit_width
            bit = 1 << ((digest >> shift) & mask)
            position = (node.bitmap & (bit - 1)).bit_count()
            if not node.bitmap & bit:
                node.bitmap |= bit
                node.pointers.insert(position, _Pointer(kvs=[(key, value)]))
                break
            pointer = node.pointer(position)
            kvs = pointer.kvs
            if kvs is None:
                path.append(pointer)
                node = pointer.node or self._child(pointer)
                depth += 1
                continue
            if not self._set_in_bucket(node, position, kvs, digest, depth, key, value):
                return False
            break
        for pointer in path:
            pointer.link = None  # the child changed: its old CID is stale
        return True

    def _set_in_bucket(
        self,
        node: _Node,
        position: int,
        kvs: list[tuple[bytes, Any]],
        digest: int,
        depth: int,
        key: bytes,
        value: Any,
    ) -> bool:
        """Insert into the bucket at ``position``, splitting it into a child node when full."""
        for i, (k, v) in enumerate(kvs):
            if k == key:
                if v == value and type(v) is type(value):
                    return False
                kvs[i] = (key, value)
                return True
        if len(kvs) < BUCKET_SIZE:
            bisect.insort(kvs, (key, value), key=_entry_key)
            return True
        # A full bucket becomes a child node holding its entries plus the new one.
        child = _Node()
        for k, v in [*kvs, (key, value)]:
            self._set(child, self._digest(k) if k != key else digest, depth + 1, k, v)
        node.pointers[position] = _Pointer(node=child)
        return True

    def _delete(self, node: _Node, digest: int, depth: int, key: bytes) -> bool:
        """Remove ``key`` below ``node``, collapsing children that fit a bucket; whether it was present."""
        if depth >= self._max_depth:
            return False
        slot = self._slot(digest, depth)
        if not node.bitmap >> slot & 1:
            return False
        position = node.position(slot)
        pointer = node.pointer(position)
        if pointer.kvs is None:
            child = self._child(pointer)
            if not self._delete(child, digest, depth + 1, key):
                return False
            pointer.link = None
            self._collapse(node, position, child)
            return True
        for i, (k, _) in enumerate(pointer.kvs):
            if k == key:
                del pointer.kvs[i]
                if not pointer.kvs:
                    node.bitmap &= ~(1 << slot)
                    del node.pointers[position]
                return True
        return False

    def _collapse(self, node: _Node, position: int, child: _Node) -> None:
        """Replace a child that no longer justifies a node by a bucket (go-hamt-ipld's ``cleanChild``)."""
        entries: list[tuple[bytes, Any]] = []
        for entry in child.pointers:
            if type(entry) is tuple:
                entries.extend(entry)
            elif type(entry) is _Pointer and entry.kvs is not None:
                entries.extend(entry.kvs)
            else:
                return  # a grandchild node stays
        if len(entries) > BUCKET_SIZE:
            return
        entries.sort(key=lambda kv: kv[0])
        node.pointers[position] = _Pointer(kvs=entries)

    def _write(self, node: _Node, blocks: list[tuple[CID, bytes]], is_root: bool = True) -> CID:
        """Encode ``node`` after its changed children; collect the new blocks.

        A node whose values are all immutable scalars is remembered as parsed under its new CID, so the
        next load of what was just written skips decoding it.
        """
        scalars = True
        for pointer in node.pointers:
            if type(pointer) is not _Pointer:
                if scalars and type(pointer) is tuple:
                    scalars = all(type(v) in _SCALARS for _, v in pointer)
            elif pointer.kvs is None:
                if pointer.link is None:
                    assert pointer.node is not None
                    pointer.link = self._write(pointer.node, blocks, is_root=False)
            elif scalars:
                scalars = all(type(v) in _SCALARS for _, v in pointer.kvs)
        data = dagcbor.encode(node.to_ipld(self.legacy_pointers))
        cid = CID.compute(codecs.DAG_CBOR, data, self.cid_hash)
        blocks.append((cid, data))
        if scalars:
            _remember((cid, self.bit_width, is_root, self.legacy_pointers), _parse_of(node))
        return cid
