"""Block headers exactly as Lotus encodes them (``chain/types/blockheader.go``), and their JSON form.

A header is the CBOR tuple of 16 fields ``[Miner, Ticket, ElectionProof, BeaconEntries, WinPoStProof,
Parents, ParentWeight, Height, ParentStateRoot, ParentMessageReceipts, Messages, BLSAggregate, Timestamp,
BlockSig, ForkSignaling, ParentBaseFee]``; its CID is the blake2b-256 DAG-CBOR CID of those bytes. The
miner's worker signs the encoding of the header with ``BlockSig`` set to null (Lotus ``SigningBytes``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from filnet.chain.lotus_json import (
    JSONFieldError,
    address_from_json,
    address_to_json,
    bigint_from_json,
    bytes_from_json,
    bytes_to_json,
    cid_from_json,
    cid_to_json,
    int64_from_json,
    signature_from_json,
    signature_to_json,
    uint64_from_json,
)
from filnet.core.address import MAINNET, Address
from filnet.core.token import TokenAmount, decode_bigint, encode_bigint
from filnet.core.types import INT64_MAX, UINT64_MAX, ChainEpoch
from filnet.crypto.signature import Signature
from filnet.errors import DecodeError, InvalidInput
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.cid import CID
from filnet.proofs.onchain import PoStProof

HEADER_FIELDS: Final = 16
#: Upper bounds on hostile input (Lotus's cbor-gen limits: 8192 entries per array).
MAX_ARRAY: Final = 8192


@dataclass(frozen=True, slots=True)
class Ticket:
    """The VRF proof over the ticket randomness that makes a block's ticket (``[VRFProof]``)."""

    vrf_proof: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.vrf_proof]


@dataclass(frozen=True, slots=True)
class ElectionProof:
    """A miner's election: how many times it won this epoch and the VRF proof behind it."""

    win_count: int
    vrf_proof: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.win_count, self.vrf_proof]


@dataclass(frozen=True, slots=True)
class BeaconEntry:
    """A drand round and its signature."""

    round: int
    data: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.round, self.data]


@dataclass(frozen=True, slots=True)
class BlockHeader:
    """A block header (Lotus ``types.BlockHeader``)."""

    miner: Address
    ticket: Ticket | None
    election_proof: ElectionProof | None
    beacon_entries: tuple[BeaconEntry, ...]
    win_post_proof: tuple[PoStProof, ...]
    parents: tuple[CID, ...]
    parent_weight: int
    height: ChainEpoch
    parent_state_root: CID
    parent_message_receipts: CID
    messages: CID
    bls_aggregate: Signature | None
    timestamp: int
    block_sig: Signature | None
    fork_signaling: int
    parent_base_fee: TokenAmount

    def __post_init__(self) -> None:
        if not 0 <= self.height <= INT64_MAX:
            raise InvalidInput(f"block height {self.height} out of range")
        if self.parent_weight < 0:
            raise InvalidInput("parent weight must not be negative")
        for name in ("timestamp", "fork_signaling"):
            if not 0 <= getattr(self, name) <= UINT64_MAX:
                raise InvalidInput(f"block {name} out of range")

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple of 16 fields."""
        return [
            bytes(self.miner),
            None if self.ticket is None else self.ticket.to_ipld(),
            None if self.election_proof is None else self.election_proof.to_ipld(),
            [e.to_ipld() for e in self.beacon_entries],
            [p.to_ipld() for p in self.win_post_proof],
            list(self.parents),
            encode_bigint(self.parent_weight),
            self.height,
            self.parent_state_root,
            self.parent_message_receipts,
            self.messages,
            None if self.bls_aggregate is None else bytes(self.bls_aggregate),
            self.timestamp,
            None if self.block_sig is None else bytes(self.block_sig),
            self.fork_signaling,
            self.parent_base_fee.to_bytes(),
        ]

    def encode(self) -> bytes:
        """The DAG-CBOR bytes."""
        return dagcbor.encode(self.to_ipld())

    @property
    def cid(self) -> CID:
        """The header's CID (DAG-CBOR, blake2b-256)."""
        return CID.compute(codecs.DAG_CBOR, self.encode(), multihash.BLAKE2B_256)

    def signing_bytes(self) -> bytes:
        """What the worker key signs: the encoding with ``BlockSig`` null."""
        return replace(self, block_sig=None).encode()

    @classmethod
    def from_ipld(cls, raw: Any) -> BlockHeader:
        """Parse the CBOR tuple; DecodeError naming the field that is wrong."""
        if not isinstance(raw, list) or len(raw) != HEADER_FIELDS:
            raise DecodeError(f"block header: expected a tuple of {HEADER_FIELDS} fields")
        (miner, ticket, election, beacons, posts, parents, weight, height, state, receipts, messages,
         bls, timestamp, sig, fork, base_fee) = raw  # fmt: skip
        try:
            return cls(
                miner=Address.from_bytes(_bytes(miner, "Miner")),
                ticket=None if ticket is None else Ticket(_bytes(_tuple(ticket, 1, "Ticket")[0], "Ticket")),
                election_proof=None if election is None else _election(election),
                beacon_entries=tuple(_beacon(e) for e in _array(beacons, "BeaconEntries")),
                win_post_proof=tuple(PoStProof.from_ipld(p) for p in _array(posts, "WinPoStProof")),
                parents=tuple(_cid(p, "Parents") for p in _array(parents, "Parents")),
                parent_weight=decode_bigint(_bytes(weight, "ParentWeight")),
                height=ChainEpoch(_uint(height, "Height", INT64_MAX)),
                parent_state_root=_cid(state, "ParentStateRoot"),
                parent_message_receipts=_cid(receipts, "ParentMessageReceipts"),
                messages=_cid(messages, "Messages"),
                bls_aggregate=None if bls is None else Signature.from_bytes(_bytes(bls, "BLSAggregate")),
                timestamp=_uint(timestamp, "Timestamp"),
                block_sig=None if sig is None else Signature.from_bytes(_bytes(sig, "BlockSig")),
                fork_signaling=_uint(fork, "ForkSignaling"),
                parent_base_fee=TokenAmount(decode_bigint(_bytes(base_fee, "ParentBaseFee"))),
            )
        except DecodeError:
            raise
        except InvalidInput as e:
            raise DecodeError(f"block header: {e}") from None

    @classmethod
    def decode(cls, data: bytes) -> BlockHeader:
        """Parse DAG-CBOR bytes."""
        return cls.from_ipld(dagcbor.decode(data))

    # -- Lotus JSON ---------------------------------------------------------------------------------

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus's JSON form (as ``ChainHead`` returns headers)."""
        return {
            "Miner": address_to_json(self.miner, network),
            "Ticket": None if self.ticket is None else {"VRFProof": bytes_to_json(self.ticket.vrf_proof)},
            "ElectionProof": None
            if self.election_proof is None
            else {
                "WinCount": self.election_proof.win_count,
                "VRFProof": bytes_to_json(self.election_proof.vrf_proof),
            },
            # cbor-gen leaves empty arrays nil, which Go's encoding/json writes as null
            "BeaconEntries": [{"Round": e.round, "Data": bytes_to_json(e.data)} for e in self.beacon_entries]
            or None,
            "WinPoStProof": [_post_to_json(p) for p in self.win_post_proof] or None,
            "Parents": [cid_to_json(c) for c in self.parents] or None,
            "ParentWeight": str(self.parent_weight),
            "Height": self.height,
            "ParentStateRoot": cid_to_json(self.parent_state_root),
            "ParentMessageReceipts": cid_to_json(self.parent_message_receipts),
            "Messages": cid_to_json(self.messages),
            "BLSAggregate": None if self.bls_aggregate is None else signature_to_json(self.bls_aggregate),
            "Timestamp": self.timestamp,
            "BlockSig": None if self.block_sig is None else signature_to_json(self.block_sig),
            "ForkSignaling": self.fork_signaling,
            "ParentBaseFee": str(self.parent_base_fee.atto),
        }

    @classmethod
    def from_json(cls, obj: Any) -> BlockHeader:
        """Parse Lotus's JSON form; JSONFieldError naming the bad field."""
        if not isinstance(obj, Mapping):
            raise JSONFieldError("a block header must be a JSON object")

        def field(name: str) -> Any:
            if name not in obj:
                raise JSONFieldError(f"block header: missing {name}")
            return obj[name]

        ticket, election = field("Ticket"), field("ElectionProof")
        return cls(
            miner=address_from_json(field("Miner"), "Miner"),
            ticket=None if ticket is None else Ticket(bytes_from_json(_key(ticket, "VRFProof"), "Ticket")),
            election_proof=None
            if election is None
            else ElectionProof(
                int64_from_json(_key(election, "WinCount"), "ElectionProof.WinCount"),
                bytes_from_json(_key(election, "VRFProof"), "ElectionProof.VRFProof"),
            ),
            beacon_entries=tuple(
                BeaconEntry(
                    uint64_from_json(_key(e, "Round"), "BeaconEntries.Round"),
                    bytes_from_json(_key(e, "Data"), "BeaconEntries.Data"),
                )
                for e in _json_list(field("BeaconEntries"), "BeaconEntries")
            ),
            win_post_proof=tuple(
                PoStProof(
                    int64_from_json(_key(p, "PoStProof"), "WinPoStProof.PoStProof"),
                    bytes_from_json(_key(p, "ProofBytes"), "WinPoStProof.ProofBytes"),
                )
                for p in _json_list(field("WinPoStProof"), "WinPoStProof")
            ),
            parents=tuple(cid_from_json(c, "Parents") for c in _json_list(field("Parents"), "Parents")),
            parent_weight=bigint_from_json(field("ParentWeight"), "ParentWeight"),
            height=ChainEpoch(int64_from_json(field("Height"), "Height")),
            parent_state_root=cid_from_json(field("ParentStateRoot"), "ParentStateRoot"),
            parent_message_receipts=cid_from_json(field("ParentMessageReceipts"), "ParentMessageReceipts"),
            messages=cid_from_json(field("Messages"), "Messages"),
            bls_aggregate=None
            if field("BLSAggregate") is None
            else signature_from_json(field("BLSAggregate"), "BLSAggregate"),
            timestamp=uint64_from_json(field("Timestamp"), "Timestamp"),
            block_sig=None
            if field("BlockSig") is None
            else signature_from_json(field("BlockSig"), "BlockSig"),
            fork_signaling=uint64_from_json(field("ForkSignaling"), "ForkSignaling"),
            parent_base_fee=TokenAmount(bigint_from_json(field("ParentBaseFee"), "ParentBaseFee")),
        )


def _post_to_json(proof: PoStProof) -> dict[str, Any]:
    return {"PoStProof": proof.post_proof, "ProofBytes": bytes_to_json(proof.proof_bytes)}


# -- checked CBOR field readers -----------------------------------------------------------------------


def _bytes(raw: Any, what: str) -> bytes:
    if not isinstance(raw, bytes):
        raise DecodeError(f"block header {what}: expected bytes")
    return raw


def _uint(raw: Any, what: str, limit: int = UINT64_MAX) -> int:
    if type(raw) is not int or not 0 <= raw <= limit:
        raise DecodeError(f"block header {what}: expected an unsigned integer")
    return raw


def _cid(raw: Any, what: str) -> CID:
    if not isinstance(raw, CID):
        raise DecodeError(f"block header {what}: expected a link")
    return raw


def _array(raw: Any, what: str) -> list[Any]:
    if not isinstance(raw, list) or len(raw) > MAX_ARRAY:
        raise DecodeError(f"block header {what}: expected an array of at most {MAX_ARRAY}")
    return raw


def _tuple(raw: Any, count: int, what: str) -> list[Any]:
    if not isinstance(raw, list) or len(raw) != count:
        raise DecodeError(f"block header {what}: expected a tuple of {count}")
    return raw


def _election(raw: Any) -> ElectionProof:
    win_count, proof = _tuple(raw, 2, "ElectionProof")
    if type(win_count) is not int or not -(1 << 63) <= win_count <= INT64_MAX:
        raise DecodeError("block header ElectionProof.WinCount: expected an integer")
    return ElectionProof(win_count, _bytes(proof, "ElectionProof.VRFProof"))


def _beacon(raw: Any) -> BeaconEntry:
    round_, data = _tuple(raw, 2, "BeaconEntry")
    return BeaconEntry(_uint(round_, "BeaconEntry.Round"), _bytes(data, "BeaconEntry.Data"))


def _key(obj: Any, key: str) -> Any:
    if not isinstance(obj, Mapping) or key not in obj:
        raise JSONFieldError(f"block header: missing {key}")
    return obj[key]


def _json_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise JSONFieldError(f"block header {what} must be an array")
    return value
