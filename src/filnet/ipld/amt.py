"""AMT in go-amt-ipld v4's layout: the sparse array behind Filecoin's ordered actor state.

The root block is the DAG-CBOR tuple ``[bit_width, height, count, node]`` and every node is
``[bitmap, [link, …], [value, …]]``. A node has ``2^bit_width`` slots; ``bitmap`` is ``max(1,
2^bit_width / 8)`` bytes with slot ``i`` at bit ``i % 8`` of byte ``i / 8``. Leaves (height 0) carry values,
inner nodes carry links to dag-cbor children, never both. Index ``i`` lives, at height ``h``, in slot
``i // width^h`` of the node, and the rest of the index is looked up in that child.

Block-level AMTs (a block's message lists and its receipts) still use go-amt-ipld v2's root,
``[height, count, node]``, whose bit width is always 3; ``legacy_root=True`` reads and writes that form
(the nodes are the same).

The form is canonical: the height is the least that holds the largest index (0 when empty), and no node is
empty except the root of an empty array. Nodes load lazily and stay cached; :meth:`Amt.flush` writes only
the nodes changed since the last flush, under blake2b-256 CIDs as Lotus writes state. Values are DAG-CBOR
data-model values.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from filnet.errors import DecodeError, InvalidInput, MissingBlock
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.blockstore import BlockNotFound, Blockstore
from filnet.ipld.cid import CID

DEFAULT_BIT_WIDTH: Final = 3
"""go-amt-ipld's default; builtin-actors picks 5 or 6 for some fields (see each actor's state)."""

MAX_INDEX: Final = (1 << 64) - 2
"""Largest index, so that the length ``MAX_INDEX + 1`` still fits a uint64 (go-amt-ipld ``MaxIndex``)."""

MAX_BIT_WIDTH: Final = 16
LEGACY_BIT_WIDTH: Final = 3
_UINT64_MAX: Final = (1 << 64) - 1


class AmtError(DecodeError):
    """A block that is not a valid AMT root or node."""


def bitmap_length(bit_width: int) -> int:
    """Bytes of a node's bitmap: one per eight slots, at least one."""
    return 1 if bit_width <= 3 else 1 << (bit_width - 3)


def nodes_for_height(bit_width: int, height: int) -> int:
    """Indices covered by one slot at ``height``: ``width^height``, saturating at 2^64 - 1 as Go does."""
    shift = bit_width * height
    return _UINT64_MAX if shift >= 64 else 1 << shift


#: A node's parse: its (slot, value) pairs and its (slot, child CID) pairs.
_ParsedNode = tuple[tuple[tuple[int, Any], ...], tuple[tuple[int, CID], ...]]
#: Parsed nodes by (CID, bit width, is a leaf) and parsed roots by (CID, bit width, legacy layout): blocks
#: are immutable, so a CID's parse never goes stale. Values are shared between loads, which only ever
#: replace them, never change them in place.
_PARSED_NODES: dict[tuple[CID, int, bool], _ParsedNode] = {}
_PARSED_ROOTS: dict[tuple[CID, int, bool], tuple[int, int, _ParsedNode]] = {}
_PARSED_LIMIT: Final = 16_384


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _PARSED_LIMIT:
        del cache[next(iter(cache))]
    cache[key] = value


def _parse_of(node: _Node) -> _ParsedNode:
    """The remembered form of a freshly decoded node (every link still unloaded)."""
    links = []
    for slot, link in node.links.items():
        assert link.cid is not None
        links.append((slot, link.cid))
    return tuple(node.values.items()), tuple(links)


def _node_of(parsed: _ParsedNode) -> _Node:
    """A fresh working node from a remembered parse."""
    values, links = parsed
    node = _Node()
    node.values = dict(values)
    node.links = {slot: _Link(cid=cid) for slot, cid in links}
    return node


class _Link:
    """A child: its CID as last written (``None`` while the cached node has unsaved changes) and cache."""

    __slots__ = ("cid", "node")

    def __init__(self, cid: CID | None = None, node: _Node | None = None) -> None:
        self.cid = cid
        self.node = node


class _Node:
    """An AMT node in memory: present slots of a leaf (``values``) or of an inner node (``links``)."""

    __slots__ = ("links", "values")

    def __init__(self) -> None:
        self.links: dict[int, _Link] = {}
        self.values: dict[int, Any] = {}

    def is_empty(self) -> bool:
        """Whether no slot is present."""
        return not self.links and not self.values

    def to_ipld(self, bit_width: int) -> list[Any]:
        """The node as a DAG-CBOR data-model value; every child must already be linked."""
        bitmap = 0
        links: list[CID] = []
        values: list[Any] = []
        for slot in sorted(self.links):
            cid = self.links[slot].cid
            assert cid is not None, "flush children before encoding their parent"
            links.append(cid)
            bitmap |= 1 << slot
        for slot in sorted(self.values):
            values.append(self.values[slot])
            bitmap |= 1 << slot
        return [bitmap.to_bytes(bitmap_length(bit_width), "little"), links, values]


def decode_node(raw: Any, where: object, bit_width: int, allow_empty: bool, expect_leaf: bool) -> _Node:
    """Validate one decoded node (go-amt-ipld's ``newNode`` checks); ``where`` names it in errors."""
    if not isinstance(raw, list) or len(raw) != 3:
        raise AmtError(f"AMT node {where}: expected a 3-element array")
    raw_bitmap, raw_links, raw_values = raw
    if (
        not isinstance(raw_bitmap, bytes)
        or not isinstance(raw_links, list)
        or not isinstance(raw_values, list)
    ):
        raise AmtError(f"AMT node {where}: expected [bytes, array, array]")
    if len(raw_bitmap) != bitmap_length(bit_width):
        raise AmtError(
            f"AMT node {where}: bitmap has {len(raw_bitmap)} bytes, expected {bitmap_length(bit_width)}"
        )
    if raw_links and raw_values:
        raise AmtError(f"AMT node {where}: has both links and values")
    bitmap = int.from_bytes(raw_bitmap, "little")
    if bitmap >> (1 << bit_width):
        raise AmtError(f"AMT node {where}: bitmap has bits beyond width {1 << bit_width}")
    slots = [i for i in range(1 << bit_width) if bitmap >> i & 1]
    node = _Node()
    if raw_values:
        if not expect_leaf:
            raise AmtError(f"AMT node {where}: values found above height 0")
        if len(slots) != len(raw_values):
            raise AmtError(f"AMT node {where}: bitmap names {len(slots)} values, found {len(raw_values)}")
        node.values = dict(zip(slots, raw_values, strict=True))
    elif raw_links:
        if expect_leaf:
            raise AmtError(f"AMT node {where}: links found at height 0")
        if len(slots) != len(raw_links):
            raise AmtError(f"AMT node {where}: bitmap names {len(slots)} links, found {len(raw_links)}")
        for slot, link in zip(slots, raw_links, strict=True):
            if not isinstance(link, CID) or link.codec != codecs.DAG_CBOR:
                raise AmtError(f"AMT node {where}: child {link!r} is not a dag-cbor link")
            node.links[slot] = _Link(cid=link)
    elif bitmap:
        raise AmtError(f"AMT node {where}: bitmap names slots but the node is empty")
    elif not allow_empty:
        raise AmtError(f"AMT node {where}: only the root of an empty AMT may be empty")
    return node


class Amt:
    """A mutable view of an AMT over a block store.

    ``Amt(store)`` is empty; ``Amt(store, root)`` loads lazily from ``root`` (whose bit width must equal
    ``bit_width``). Changes stay in memory until :meth:`flush`.
    """

    def __init__(
        self,
        store: Blockstore,
        root: CID | None = None,
        bit_width: int = DEFAULT_BIT_WIDTH,
        cid_hash: int = multihash.BLAKE2B_256,
        legacy_root: bool = False,
    ) -> None:
        if not 1 <= bit_width <= MAX_BIT_WIDTH:
            raise InvalidInput(f"AMT bit width must be 1..{MAX_BIT_WIDTH}, got {bit_width}")
        if legacy_root and bit_width != LEGACY_BIT_WIDTH:
            raise InvalidInput(f"legacy AMTs have bit width {LEGACY_BIT_WIDTH}, not {bit_width}")
        self.legacy_root = legacy_root
        self.store = store
        self.bit_width = bit_width
        self.cid_hash = cid_hash
        self.height = 0
        self._count = 0
        self._root = _Node()
        self._root_cid = root
        self._dirty = root is None
        if root is not None:
            self._load_root(root)

    # -- reading --------------------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of entries, as recorded in the root."""
        return self._count

    def get(self, index: int, default: Any = None) -> Any:
        """The value at ``index``, or ``default``."""
        self._check_index(index)
        if index >= nodes_for_height(self.bit_width, self.height + 1):
            return default
        node = self._root
        for height in range(self.height, 0, -1):
            span = nodes_for_height(self.bit_width, height)
            link = node.links.get(index // span)
            if link is None:
                return default
            node = self._child(link, height - 1)
            index %= span
        return node.values.get(index, default)

    def __contains__(self, index: object) -> bool:
        sentinel = object()
        return (
            isinstance(index, int) and 0 <= index <= MAX_INDEX and self.get(index, sentinel) is not sentinel
        )

    def items(self, start: int = 0) -> Iterator[tuple[int, Any]]:
        """Every ``(index, value)`` with ``index >= start``, ascending."""
        yield from self._items(self._root, self.height, 0, start)

    def values(self) -> Iterator[Any]:
        """Every value, by ascending index."""
        for _, value in self.items():
            yield value

    # -- writing --------------------------------------------------------------------------------

    def set(self, index: int, value: Any) -> None:
        """Insert or replace the value at ``index``."""
        self._check_index(index)
        while index >= nodes_for_height(self.bit_width, self.height + 1):
            # Grow: the old root becomes slot 0 of a new root (only when it holds something).
            if not self._root.is_empty():
                grown = _Node()
                grown.links[0] = _Link(node=self._root)
                self._root = grown
            self.height += 1
        node = self._root
        path: list[_Link] = []
        for height in range(self.height, 0, -1):
            span = nodes_for_height(self.bit_width, height)
            slot = index // span
            link = node.links.get(slot)
            if link is None:
                link = node.links[slot] = _Link(node=_Node())
            path.append(link)
            node = self._child(link, height - 1)
            index %= span
        added = index not in node.values
        node.values[index] = value
        for link in path:
            link.cid = None
        self._count += added
        self._dirty = True

    def __setitem__(self, index: int, value: Any) -> None:
        self.set(index, value)

    def delete(self, index: int) -> bool:
        """Remove the value at ``index``; whether it was present."""
        self._check_index(index)
        if index >= nodes_for_height(self.bit_width, self.height + 1):
            return False
        if not self._delete(self._root, self.height, index):
            return False
        self._collapse()
        self._count -= 1
        self._dirty = True
        return True

    def flush(self) -> CID:
        """Write every changed node (children first) and the root; return the root CID."""
        if not self._dirty and self._root_cid is not None:
            return self._root_cid
        blocks: list[tuple[CID, bytes]] = []
        node = self._encode_node(self._root, blocks)
        header = (
            [self.height, self._count] if self.legacy_root else [self.bit_width, self.height, self._count]
        )
        data = dagcbor.encode([*header, node])
        self._root_cid = CID.compute(codecs.DAG_CBOR, data, self.cid_hash)
        blocks.append((self._root_cid, data))
        self.store.put_many(blocks)
        self._dirty = False
        return self._root_cid

    # -- internals ------------------------------------------------------------------------------

    def _check_index(self, index: int) -> None:
        if not 0 <= index <= MAX_INDEX:
            raise InvalidInput(f"AMT index {index} is outside 0..2^64-2")

    def _read(self, cid: CID) -> bytes:
        """Read a block (always from the store: a gas-metered store charges for it, and a missing block
        must be noticed, even when its parse is remembered)."""
        try:
            return self.store.get(cid)
        except BlockNotFound:
            raise MissingBlock(f"AMT node {cid} is missing from the block store") from None

    def _fetch(self, cid: CID) -> Any:
        """Fetch and decode a block."""
        data = self._read(cid)
        try:
            return dagcbor.decode(data)
        except DecodeError as e:
            raise AmtError(f"AMT node {cid}: {e.reason}") from None

    def _load_root(self, cid: CID) -> None:
        """Load and check the root block (go-amt-ipld's ``LoadAMT``), or rebuild it from its parse."""
        key = (cid, self.bit_width, self.legacy_root)
        parsed = _PARSED_ROOTS.get(key)
        if parsed is not None:
            self._read(cid)
            self.height, self._count, node = parsed
            self._root = _node_of(node)
            return
        self._parse_root(cid)
        _remember(_PARSED_ROOTS, key, (self.height, self._count, _parse_of(self._root)))

    def _parse_root(self, cid: CID) -> None:
        raw = self._fetch(cid)
        if self.legacy_root:
            if not isinstance(raw, list) or len(raw) != 3:
                raise AmtError(f"AMT root {cid}: expected [height, count, node] (legacy layout)")
            raw = [LEGACY_BIT_WIDTH, *raw]
        if not isinstance(raw, list) or len(raw) != 4:
            raise AmtError(f"AMT root {cid}: expected [bitWidth, height, count, node]")
        bit_width, height, count, node = raw
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (bit_width, height, count)):
            raise AmtError(f"AMT root {cid}: bitWidth, height and count must be integers")
        if bit_width != self.bit_width:
            raise AmtError(f"AMT root {cid}: bit width {bit_width}, expected {self.bit_width}")
        if not 0 <= height <= 64 or count < 0:
            raise AmtError(f"AMT root {cid}: height {height} or count {count} out of range")
        if height > 0 and nodes_for_height(bit_width, height) == _UINT64_MAX:
            raise AmtError(f"AMT root {cid}: height {height} is beyond what 64-bit indices need")
        if nodes_for_height(bit_width, height + 1) < count:
            raise AmtError(f"AMT root {cid}: height {height} cannot hold {count} entries")
        self._root = decode_node(node, cid, bit_width, allow_empty=height == 0, expect_leaf=height == 0)
        self.height = height
        self._count = count

    def _child(self, link: _Link, height: int) -> _Node:
        """The node behind ``link`` at ``height``, loaded once and cached."""
        if link.node is None:
            assert link.cid is not None
            key = (link.cid, self.bit_width, height == 0)
            parsed = _PARSED_NODES.get(key)
            if parsed is not None:
                self._read(link.cid)
                link.node = _node_of(parsed)
            else:
                raw = self._fetch(link.cid)
                link.node = decode_node(
                    raw, link.cid, self.bit_width, allow_empty=False, expect_leaf=height == 0
                )
                _remember(_PARSED_NODES, key, _parse_of(link.node))
        return link.node

    def _items(self, node: _Node, height: int, offset: int, start: int) -> Iterator[tuple[int, Any]]:
        """Entries below ``node`` whose index is at least ``start``."""
        if height == 0:
            for slot in sorted(node.values):
                if offset + slot >= start:
                    yield offset + slot, node.values[slot]
            return
        span = nodes_for_height(self.bit_width, height)
        for slot in sorted(node.links):
            base = offset + slot * span
            if base + span <= start:
                continue
            yield from self._items(self._child(node.links[slot], height - 1), height - 1, base, start)

    def _delete(self, node: _Node, height: int, index: int) -> bool:
        """Remove ``index`` below ``node``, dropping children that become empty."""
        if height == 0:
            return node.values.pop(index, _ABSENT) is not _ABSENT
        span = nodes_for_height(self.bit_width, height)
        slot = index // span
        link = node.links.get(slot)
        if link is None:
            return False
        child = self._child(link, height - 1)
        if not self._delete(child, height - 1, index % span):
            return False
        if child.is_empty():
            del node.links[slot]
        else:
            link.cid = None
        return True

    def _collapse(self) -> None:
        """Lower the height while the root only uses slot 0 (go-amt-ipld's ``collapse``)."""
        while self.height > 0:
            if not self._root.links:
                self.height = 0
                return
            if set(self._root.links) != {0}:
                return
            self._root = self._child(self._root.links[0], self.height - 1)
            self.height -= 1

    def _encode_node(self, node: _Node, blocks: list[tuple[CID, bytes]]) -> list[Any]:
        """Write the changed children of ``node`` and return its data-model form."""
        for link in node.links.values():
            if link.cid is None:
                assert link.node is not None
                data = dagcbor.encode(self._encode_node(link.node, blocks))
                link.cid = CID.compute(codecs.DAG_CBOR, data, self.cid_hash)
                blocks.append((link.cid, data))
        return node.to_ipld(self.bit_width)


_ABSENT: Final = object()
