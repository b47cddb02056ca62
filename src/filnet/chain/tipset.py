"""Tipsets, tipset keys and message meta, as Lotus builds them (``chain/types/tipset.go``, ``tipset_key.go``).

A tipset is the set of blocks of one height that share their parents; its blocks are ordered by the
blake2b-256 digest of their ticket's VRF proof (ties by the bytes of the block CID), and its key is the
list of their CIDs in that order. The key's bytes are the CIDs' bytes concatenated; its CID (used as
randomness entropy and in the chain store) is the blake2b-256 DAG-CBOR CID of those bytes as one CBOR
byte string.

A block's ``Messages`` field is the CID of its ``MsgMeta`` ``[BlsMessages, SecpkMessages]``: two AMTs
(go-amt-ipld v2 roots, as Lotus's ``ComputeMsgMeta`` writes them) of the messages' CIDs in block order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from filnet.chain.block import BlockHeader
from filnet.chain.lotus_json import cid_from_json, cid_to_json
from filnet.chain.message import Message, SignedMessage
from filnet.core.types import ChainEpoch
from filnet.errors import DecodeError, InvalidInput
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID


@dataclass(frozen=True, slots=True)
class TipSetKey:
    """The CIDs of a tipset's blocks in tipset order; the empty key names no tipset."""

    cids: tuple[CID, ...] = ()

    def to_bytes(self) -> bytes:
        """The CIDs' bytes concatenated (Lotus ``TipSetKey.Bytes``)."""
        return b"".join(bytes(c) for c in self.cids)

    @classmethod
    def from_bytes(cls, data: bytes) -> TipSetKey:
        """Parse concatenated CIDs; DecodeError if a CID is malformed."""
        cids: list[CID] = []
        offset = 0
        while offset < len(data):
            cid, offset = CID.decode_prefix(data, offset)
            cids.append(cid)
        return cls(tuple(cids))

    def encode(self) -> bytes:
        """The key as one DAG-CBOR byte string (Lotus ``TipSetKey.MarshalCBOR``)."""
        return dagcbor.encode(self.to_bytes())

    @property
    def cid(self) -> CID:
        """The blake2b-256 DAG-CBOR CID of :meth:`encode`."""
        return CID.compute(codecs.DAG_CBOR, self.encode(), multihash.BLAKE2B_256)

    def is_empty(self) -> bool:
        """True for the key of no tipset."""
        return not self.cids

    def to_json(self) -> list[dict[str, str]]:
        """Lotus JSON: a list of ``{"/": cid}``."""
        return [cid_to_json(c) for c in self.cids]

    @classmethod
    def from_json(cls, value: Any, field: str = "TipSetKey") -> TipSetKey:
        """Parse Lotus JSON (a list of CIDs; null is the empty key)."""
        if value is None:
            return cls()
        if not isinstance(value, list):
            raise InvalidInput(f"{field}: expected a list of CIDs")
        return cls(tuple(cid_from_json(item, field) for item in value))

    def __str__(self) -> str:
        return "{" + ",".join(str(c) for c in self.cids) + "}"


def ticket_digest(header: BlockHeader) -> bytes:
    """blake2b-256 of the block's ticket VRF proof: what tipset order and the min ticket compare."""
    if header.ticket is None:
        raise InvalidInput(f"block {header.cid} has no ticket")
    return hashlib.blake2b(header.ticket.vrf_proof, digest_size=32).digest()


def _order(header: BlockHeader) -> tuple[bytes, bytes]:
    return ticket_digest(header), bytes(header.cid)


@dataclass(frozen=True)
class TipSet:
    """Blocks of one height with the same parents, in tipset order (build with :meth:`of`)."""

    blocks: tuple[BlockHeader, ...]

    def __post_init__(self) -> None:
        if not self.blocks:
            raise InvalidInput("a tipset needs at least one block")
        first = self.blocks[0]
        seen: set[CID] = set()
        for block in self.blocks:
            if block.ticket is None:
                raise InvalidInput(f"block {block.cid} has no ticket")
            if block.height != first.height:
                raise InvalidInput("cannot create a tipset with mismatching heights")
            if block.parents != first.parents:
                raise InvalidInput("cannot create a tipset with mismatching parents")
            if block.cid in seen:
                raise InvalidInput(f"block {block.cid} appears twice in the tipset")
            seen.add(block.cid)
        if list(self.blocks) != sorted(self.blocks, key=_order):
            raise InvalidInput("tipset blocks are not in ticket order (use TipSet.of)")

    @classmethod
    def of(cls, blocks: Iterable[BlockHeader]) -> TipSet:
        """The tipset of ``blocks`` in any order (Lotus ``NewTipSet``)."""
        return cls(tuple(sorted(blocks, key=_order)))

    @cached_property
    def key(self) -> TipSetKey:
        """The key: block CIDs in tipset order."""
        return TipSetKey(tuple(b.cid for b in self.blocks))

    @property
    def cids(self) -> tuple[CID, ...]:
        """The block CIDs in tipset order."""
        return self.key.cids

    @property
    def height(self) -> ChainEpoch:
        """The tipset's epoch."""
        return self.blocks[0].height

    @property
    def parents(self) -> TipSetKey:
        """The key of the parent tipset."""
        return TipSetKey(self.blocks[0].parents)

    @property
    def parent_state(self) -> CID:
        """The state root the parent tipset's messages produced."""
        return self.blocks[0].parent_state_root

    @property
    def parent_message_receipts(self) -> CID:
        """The receipts AMT of the parent tipset's messages."""
        return self.blocks[0].parent_message_receipts

    @property
    def parent_weight(self) -> int:
        """The chain weight up to and including the parent tipset."""
        return self.blocks[0].parent_weight

    def min_ticket_block(self) -> BlockHeader:
        """The block with the smallest ticket (the first in tipset order)."""
        return self.blocks[0]

    def min_timestamp(self) -> int:
        """The smallest block timestamp."""
        return min(b.timestamp for b in self.blocks)

    def contains(self, cid: CID) -> bool:
        """True if a block with this CID is in the tipset."""
        return cid in self.key.cids

    def is_child_of(self, parent: TipSet) -> bool:
        """True if this tipset's parents are ``parent`` and it is higher."""
        return self.parents == parent.key and self.height > parent.height

    def to_json(self, network: str) -> dict[str, Any]:
        """Lotus JSON ``{"Cids", "Blocks", "Height"}``."""
        return {
            "Cids": self.key.to_json(),
            "Blocks": [b.to_json(network) for b in self.blocks],
            "Height": self.height,
        }

    @classmethod
    def from_json(cls, obj: Any) -> TipSet:
        """Parse Lotus JSON (the blocks decide; ``Cids`` and ``Height`` must agree with them)."""
        if not isinstance(obj, dict) or not isinstance(obj.get("Blocks"), list):
            raise InvalidInput("tipset: expected an object with Blocks")
        tipset = cls.of(BlockHeader.from_json(b) for b in obj["Blocks"])
        if "Cids" in obj and TipSetKey.from_json(obj["Cids"], "Cids") != tipset.key:
            raise InvalidInput("tipset: Cids do not match its blocks")
        if "Height" in obj and obj["Height"] != tipset.height:
            raise InvalidInput("tipset: Height does not match its blocks")
        return tipset

    def __str__(self) -> str:
        return f"{self.key}@{self.height}"


@dataclass(frozen=True, slots=True)
class MsgMeta:
    """A block's message lists: the AMT roots of its BLS and secp message CIDs (Lotus ``MsgMeta``)."""

    bls_messages: CID
    secpk_messages: CID

    def encode(self) -> bytes:
        """DAG-CBOR ``[BlsMessages, SecpkMessages]``."""
        return dagcbor.encode([self.bls_messages, self.secpk_messages])

    @property
    def cid(self) -> CID:
        """The CID a block header carries in ``Messages``."""
        return CID.compute(codecs.DAG_CBOR, self.encode(), multihash.BLAKE2B_256)

    @classmethod
    def decode(cls, data: bytes) -> MsgMeta:
        """Parse the DAG-CBOR tuple."""
        raw = dagcbor.decode(data)
        if not isinstance(raw, list) or len(raw) != 2 or not all(isinstance(c, CID) for c in raw):
            raise DecodeError("message meta: expected a tuple of two CIDs")
        return cls(raw[0], raw[1])


def cid_array(store: Blockstore, cids: Sequence[CID]) -> CID:
    """Write ``cids`` in order as a go-amt-ipld v2 array; its root CID."""
    array = Amt(store, legacy_root=True)
    for index, cid in enumerate(cids):
        array.set(index, cid)
    return array.flush()


def read_cid_array(store: Blockstore, root: CID) -> list[CID]:
    """The CIDs of an array written by :func:`cid_array`, in order; DecodeError on any other value."""
    out: list[CID] = []
    for index, value in Amt(store, root, legacy_root=True).items():
        if index != len(out) or not isinstance(value, CID):
            raise DecodeError(f"message list {root}: entry {index} is not a CID in sequence")
        out.append(value)
    return out


def store_block_messages(store: Blockstore, bls: Sequence[Message], secp: Sequence[SignedMessage]) -> MsgMeta:
    """Write a block's messages and both CID arrays into ``store``; the block's message meta (written too)."""
    blocks: list[tuple[CID, bytes]] = [(m.cid, m.encode()) for m in bls]
    blocks.extend((m.cid, m.encode()) for m in secp)
    store.put_many(blocks)
    meta = MsgMeta(cid_array(store, [m.cid for m in bls]), cid_array(store, [m.cid for m in secp]))
    store.put(meta.cid, meta.encode())
    return meta


def load_block_messages(store: Blockstore, messages: CID) -> tuple[list[Message], list[SignedMessage]]:
    """A block's BLS and secp messages from its ``Messages`` CID (BlockNotFound if any is missing)."""
    meta = MsgMeta.decode(store.get(messages))
    bls = [Message.decode(store.get(c)) for c in read_cid_array(store, meta.bls_messages)]
    secp = [SignedMessage.decode(store.get(c)) for c in read_cid_array(store, meta.secpk_messages)]
    return bls, secp
