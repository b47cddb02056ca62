"""The chain store on LMDB: headers and messages, tipset weights and computed states, the head.

Two LMDB environments under one directory: ``blocks/`` (every block: headers, messages, state; a
:class:`~filnet.ipld.lmdbstore.LmdbBlockstore`) and ``meta/`` (named tables: the head, the canonical tipset
of each height, each tipset's weight and the result of executing it). Blocks are written, durably, before
any record that refers to them, and a head change (the head and the height index) is one transaction, so
a crash at any moment leaves the old head or the new one, each complete.

Fork choice is Lotus's: the heaviest tipset wins; between equal weights, the one whose smallest ticket is
smaller (``breakWeightTie``). A head change tells subscribers which tipsets were reverted (newest first)
and which applied (oldest first), as Lotus's ``ReorgOps``.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import lmdb

from filnet.chain.block import BlockHeader
from filnet.chain.tipset import TipSet, TipSetKey, ticket_digest
from filnet.core.types import ChainEpoch
from filnet.errors import FilnetError, InvalidInput, NotFound, StorageError
from filnet.ipld.blockstore import BlockNotFound
from filnet.ipld.cid import CID
from filnet.ipld.lmdbstore import DEFAULT_MAP_SIZE, LmdbBlockstore

_HEAD_KEY: Final = b"head"
_GENESIS_KEY: Final = b"genesis"
_META_MAP_SIZE: Final = 1 << 30


class CorruptChainStore(FilnetError):
    """The store's records point at data that is missing or damaged."""


@dataclass(frozen=True, slots=True)
class HeadChange:
    """What a head change reverted (newest first) and applied (oldest first)."""

    revert: tuple[TipSet, ...]
    apply: tuple[TipSet, ...]


HeadSubscriber = Callable[[HeadChange], None]


def _height_key(height: int) -> bytes:
    return struct.pack(">Q", height)


class ChainStore:
    """Tipsets, their weights and states, and the head, in ``path``."""

    def __init__(self, path: str | os.PathLike[str], map_size: int = DEFAULT_MAP_SIZE) -> None:
        self.path = Path(path)
        self.blocks = LmdbBlockstore(self.path / "blocks", map_size=map_size)
        try:
            (self.path / "meta").mkdir(parents=True, exist_ok=True)
            self._env = lmdb.open(str(self.path / "meta"), map_size=_META_MAP_SIZE, max_dbs=8)
            self._meta = self._env.open_db(b"meta")
            self._heights = self._env.open_db(b"heights")
            self._weights = self._env.open_db(b"weights")
            self._states = self._env.open_db(b"states")
            self._messages = self._env.open_db(b"messages")
        except (lmdb.Error, OSError) as e:
            raise StorageError(f"cannot open the chain store at {self.path}: {e}") from None
        self._subscribers: list[HeadSubscriber] = []
        self._tipsets: dict[TipSetKey, TipSet] = {}
        self._head = self._load_head()

    def close(self) -> None:
        """Close both environments."""
        self._env.close()
        self.blocks.close()

    # -- headers and tipsets --------------------------------------------------------------------------

    def put_header(self, header: BlockHeader) -> CID:
        """Store a block header; its CID."""
        cid = header.cid
        self.blocks.put(cid, header.encode())
        return cid

    def get_header(self, cid: CID) -> BlockHeader:
        """The header with this CID (NotFound if absent)."""
        try:
            return BlockHeader.decode(self.blocks.get(cid))
        except BlockNotFound:
            raise NotFound(f"block header {cid} is not in the chain store") from None

    def load_tipset(self, key: TipSetKey) -> TipSet:
        """The tipset of these block CIDs (NotFound if a header is missing)."""
        cached = self._tipsets.get(key)
        if cached is not None:
            return cached
        if key.is_empty():
            raise NotFound("the empty tipset key names no tipset")
        tipset = TipSet.of(self.get_header(c) for c in key.cids)
        if tipset.key != key:
            raise InvalidInput(f"tipset key {key} is not in ticket order")
        self._tipsets[key] = tipset
        return tipset

    def put_tipset(self, tipset: TipSet, weight: int) -> None:
        """Record a tipset (its headers are stored too) with its chain weight (computed by consensus)."""
        for block in tipset.blocks:
            self.put_header(block)
        with self._write() as txn:
            txn.put(tipset.key.to_bytes(), str(weight).encode(), db=self._weights)
        self._tipsets[tipset.key] = tipset

    def weight(self, tipset: TipSet) -> int:
        """The recorded weight of a tipset (NotFound if never recorded)."""
        with self._env.begin() as txn:
            raw = txn.get(tipset.key.to_bytes(), db=self._weights)
        if raw is None:
            raise NotFound(f"no weight recorded for tipset {tipset}")
        return int(raw)

    def set_tipset_state(self, tipset: TipSet, state_root: CID, receipts_root: CID) -> None:
        """Record the state and receipts that executing ``tipset`` produced (both must be stored)."""
        for cid in (state_root, receipts_root):
            if not self.blocks.has(cid):
                raise InvalidInput(f"cannot record a state of {tipset}: block {cid} is not stored")
        with self._write() as txn:
            txn.put(tipset.key.to_bytes(), bytes(state_root) + bytes(receipts_root), db=self._states)

    def tipset_state(self, tipset: TipSet) -> tuple[CID, CID] | None:
        """The (state root, receipts root) recorded for ``tipset``, if executed."""
        with self._env.begin() as txn:
            raw = txn.get(tipset.key.to_bytes(), db=self._states)
        if raw is None:
            return None
        state, offset = CID.decode_prefix(raw)
        receipts, _ = CID.decode_prefix(raw, offset)
        return state, receipts

    # -- the message index ---------------------------------------------------------------------------

    def index_messages(self, tipset: TipSet, cids: Sequence[CID]) -> None:
        """Record that ``tipset`` includes the messages ``cids`` (the latest tipset recorded wins)."""
        key = tipset.key.to_bytes()
        with self._write() as txn:
            for cid in cids:
                txn.put(bytes(cid), key, db=self._messages)

    def message_tipset(self, cid: CID) -> TipSetKey | None:
        """The tipset last recorded as including message ``cid``, if any (it may be off the head's chain)."""
        with self._env.begin() as txn:
            raw = txn.get(bytes(cid), db=self._messages)
        return None if raw is None else TipSetKey.from_bytes(raw)

    # -- genesis and head -------------------------------------------------------------------------

    def set_genesis(self, genesis: BlockHeader) -> TipSet:
        """Start the chain at ``genesis`` (its state and what it links to must be in :attr:`blocks`)."""
        if genesis.height != 0:
            raise InvalidInput(f"a genesis block has height 0, not {genesis.height}")
        tipset = TipSet.of([genesis])
        self.put_tipset(tipset, genesis.parent_weight)
        # Lotus: the genesis tipset's "execution" is its own parent state and receipts.
        self.set_tipset_state(tipset, genesis.parent_state_root, genesis.parent_message_receipts)
        with self._write() as txn:
            txn.put(_GENESIS_KEY, tipset.key.to_bytes(), db=self._meta)
        if self._head is None:
            self.set_head(tipset)
        return tipset

    def genesis(self) -> TipSet:
        """The genesis tipset (NotFound before :meth:`set_genesis`)."""
        with self._env.begin() as txn:
            raw = txn.get(_GENESIS_KEY, db=self._meta)
        if raw is None:
            raise NotFound(f"the chain store at {self.path} has no genesis")
        return self.load_tipset(TipSetKey.from_bytes(raw))

    def head(self) -> TipSet:
        """The current head (NotFound before a genesis is set)."""
        if self._head is None:
            raise NotFound(f"the chain store at {self.path} has no head")
        return self._head

    def subscribe(self, subscriber: HeadSubscriber) -> Callable[[], None]:
        """Call ``subscriber`` on every head change; returns the function that unsubscribes it."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def is_heavier(self, candidate: TipSet, than: TipSet) -> bool:
        """Lotus's fork choice between two tipsets with recorded weights."""
        a, b = self.weight(candidate), self.weight(than)
        if a != b:
            return a > b
        # breakWeightTie: the smaller of the two smallest tickets wins
        return ticket_digest(candidate.min_ticket_block()) < ticket_digest(than.min_ticket_block())

    def maybe_take_heavier(self, tipset: TipSet) -> HeadChange | None:
        """Make ``tipset`` the head if it beats the current one; the change, or None."""
        if self._head is not None and (
            tipset.key == self._head.key or not self.is_heavier(tipset, self._head)
        ):
            return None
        return self.set_head(tipset)

    def set_head(self, tipset: TipSet) -> HeadChange:
        """Make ``tipset`` the head (it needs a weight and a computed state); notify subscribers."""
        self.weight(tipset)
        if self.tipset_state(tipset) is None:
            raise InvalidInput(f"tipset {tipset} has not been executed: it cannot become the head")
        old = self._head
        revert, apply = self.reorg_ops(old, tipset) if old is not None else ((), self._chain_back_to(tipset))
        with self._write() as txn:
            for reverted in revert:
                txn.delete(_height_key(reverted.height), db=self._heights)
            for applied in apply:
                txn.put(_height_key(applied.height), applied.key.to_bytes(), db=self._heights)
            txn.put(_HEAD_KEY, tipset.key.to_bytes(), db=self._meta)
        self._head = tipset
        change = HeadChange(tuple(revert), tuple(apply))
        for subscriber in list(self._subscribers):
            subscriber(change)
        return change

    def reorg_ops(self, old: TipSet, new: TipSet) -> tuple[tuple[TipSet, ...], tuple[TipSet, ...]]:
        """Tipsets to revert (newest first) and apply (oldest first) to go from ``old`` to ``new``."""
        revert: list[TipSet] = []
        apply: list[TipSet] = []
        left, right = old, new
        while left.key != right.key:
            if left.height >= right.height:
                revert.append(left)
                left = self._parent(left)
            else:
                apply.append(right)
                right = self._parent(right)
        return tuple(revert), tuple(reversed(apply))

    # -- lookups along the head's chain ---------------------------------------------------------------

    def tipset_by_height(self, height: ChainEpoch, head: TipSet | None = None, prev: bool = True) -> TipSet:
        """The tipset at ``height`` on the chain ending at ``head`` (the current head by default); for a
        null round the tipset before it (``prev``) or after it (Lotus ``GetTipsetByHeight``)."""
        head = head or self.head()
        if height > head.height:
            raise InvalidInput(f"height {height} is above the tipset {head} at {head.height}")
        if height < 0:
            raise InvalidInput(f"height {height} is negative")
        if self._head is not None and head.key == self._head.key:
            with self._env.begin() as txn:
                cursor = txn.cursor(db=self._heights)
                # the canonical tipset at or above the height, and the one below it
                if cursor.set_range(_height_key(height)):
                    at_or_after = self.load_tipset(TipSetKey.from_bytes(cursor.value()))
                    if at_or_after.height == height or not prev:
                        return at_or_after
                    return self._parent(at_or_after)
        tipset, after = head, head
        while tipset.height > height:
            after = tipset
            tipset = self._parent(tipset)
        return tipset if tipset.height == height or prev else after

    def _parent(self, tipset: TipSet) -> TipSet:
        if tipset.height == 0:
            raise NotFound(f"the genesis tipset {tipset} has no parent tipset")
        return self.load_tipset(tipset.parents)

    def _chain_back_to(self, tipset: TipSet) -> tuple[TipSet, ...]:
        """The chain from genesis up to ``tipset``, oldest first."""
        chain = [tipset]
        while chain[-1].height > 0:
            chain.append(self._parent(chain[-1]))
        return tuple(reversed(chain))

    # -- internals ------------------------------------------------------------------------------------

    def _write(self) -> lmdb.Transaction:
        return self._env.begin(write=True)

    def _load_head(self) -> TipSet | None:
        with self._env.begin() as txn:
            raw = txn.get(_HEAD_KEY, db=self._meta)
        if raw is None:
            return None
        key = TipSetKey.from_bytes(raw)
        try:
            tipset = self.load_tipset(key)
        except NotFound as e:
            raise CorruptChainStore(f"chain store at {self.path}: the head {key} is damaged: {e}") from None
        state = self.tipset_state(tipset)
        if state is None:
            raise CorruptChainStore(f"chain store at {self.path}: the head {key} has no recorded state")
        for cid in state:
            if not self.blocks.has(cid):
                raise CorruptChainStore(
                    f"chain store at {self.path}: block {cid} of the head's state is missing"
                )
        return tipset
