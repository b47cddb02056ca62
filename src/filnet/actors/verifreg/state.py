"""Verified registry actor state (builtin-actors ``fil_actor_verifreg::State``), allocations and claims.

Layouts, by field count: 6 (actors v9+: ``[root_key, verifiers, remove_data_cap_proposal_ids, allocations,
next_allocation_id, claims]``), 4 (v7–v8: ``[root_key, verifiers, verified_clients,
remove_data_cap_proposal_ids]``) and 3 (v0–v6: ``[root_key, verifiers, verified_clients]``). Since v9 the
clients' DataCap lives in the datacap actor (f07).

Every map is a HAMT of bit width 5: ``verifiers`` (and ``verified_clients``) address -> BigInt allowance;
``allocations`` client actor ID -> HAMT allocation ID -> :class:`Allocation`; ``claims`` provider actor ID
-> HAMT claim ID -> :class:`Claim` (IDs as unsigned varint keys); ``remove_data_cap_proposal_ids``
verifier-and-client address pair -> the next removal proposal ID (a one-field tuple ``[id]``).

The operations (builtin-actors ``State`` methods) need the v9+ layout: each returns the updated state,
frozen; the two-level maps are worked on through :class:`MapMap` and saved back with ``save_allocs`` /
``save_claims``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Generic, TypeVar

from filnet.actors.encoding import (
    CborTuple,
    as_address,
    as_bigint,
    as_cid,
    as_int,
    as_uint,
    bigint,
    fields,
    uint_key,
    uint_of_key,
)
from filnet.core.address import MAINNET, Address
from filnet.core.types import ActorID, ChainEpoch
from filnet.errors import DecodeError, InvalidInput
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from filnet.vm.exit_codes import ActorError, ExitCode

HAMT_BIT_WIDTH: Final = 5
#: The registry's root key in Lotus genesis: the multisig at f080 (lotus ``genesis.RootVerifierID``).
ROOT_VERIFIER: Final = Address.new_id(80)
#: Allocation ID 0 means "no allocation", so numbering starts at 1.
FIRST_ALLOCATION_ID: Final = 1


@dataclass(frozen=True, slots=True)
class Allocation(CborTuple):
    """DataCap a client set aside for a provider to store a piece, with its term bounds and expiry."""

    client: ActorID
    provider: ActorID
    data: CID
    size: int
    term_min: ChainEpoch
    term_max: ChainEpoch
    expiration: ChainEpoch

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            self.client,
            self.provider,
            self.data,
            self.size,
            self.term_min,
            self.term_max,
            self.expiration,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> Allocation:
        """Parse the CBOR tuple."""
        f = fields(raw, 7, "Allocation")
        return cls(
            client=ActorID(as_uint(f[0], "Allocation.client")),
            provider=ActorID(as_uint(f[1], "Allocation.provider")),
            data=as_cid(f[2], "Allocation.data"),
            size=as_uint(f[3], "Allocation.size"),
            term_min=ChainEpoch(as_int(f[4], "Allocation.term_min")),
            term_max=ChainEpoch(as_int(f[5], "Allocation.term_max")),
            expiration=ChainEpoch(as_int(f[6], "Allocation.expiration")),
        )


@dataclass(frozen=True, slots=True)
class Claim(CborTuple):
    """An allocation a provider committed in a sector: it earns quality-adjusted power for its term."""

    provider: ActorID
    client: ActorID
    data: CID
    size: int
    term_min: ChainEpoch
    term_max: ChainEpoch
    term_start: ChainEpoch
    sector: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            self.provider,
            self.client,
            self.data,
            self.size,
            self.term_min,
            self.term_max,
            self.term_start,
            self.sector,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> Claim:
        """Parse the CBOR tuple."""
        f = fields(raw, 8, "Claim")
        return cls(
            provider=ActorID(as_uint(f[0], "Claim.provider")),
            client=ActorID(as_uint(f[1], "Claim.client")),
            data=as_cid(f[2], "Claim.data"),
            size=as_uint(f[3], "Claim.size"),
            term_min=ChainEpoch(as_int(f[4], "Claim.term_min")),
            term_max=ChainEpoch(as_int(f[5], "Claim.term_max")),
            term_start=ChainEpoch(as_int(f[6], "Claim.term_start")),
            sector=as_uint(f[7], "Claim.sector"),
        )


V = TypeVar("V", Allocation, Claim)


class MapMap(Generic[V]):
    """A working view of a two-level map: outer actor ID -> HAMT of inner ID -> value (builtin-actors
    ``MapMap``), both levels HAMTs of bit width 5 keyed by unsigned varints.

    Inner maps are loaded once and kept until :meth:`flush`, which writes each changed inner map under its
    outer key, drops the outer entries whose inner map became empty, and returns the new outer root.
    """

    def __init__(self, store: Blockstore, root: CID, value_type: type[V]) -> None:
        self.store = store
        self._outer = Hamt(store, root, HAMT_BIT_WIDTH)
        self._type: type[V] = value_type
        self._inner: dict[ActorID, Hamt] = {}

    def _load_inner(self, outer: ActorID) -> Hamt:
        inner = self._inner.get(outer)
        if inner is None:
            root = self._outer.get(uint_key(outer))
            if root is None:
                inner = Hamt(self.store, bit_width=HAMT_BIT_WIDTH)
            else:
                inner = Hamt(self.store, as_cid(root, f"verifreg inner map of f0{outer}"), HAMT_BIT_WIDTH)
            self._inner[outer] = inner
        return inner

    def _parse(self, raw: Any) -> V:
        value: V = self._type.from_ipld(raw)
        return value

    def get(self, outer: ActorID, inner: int) -> V | None:
        """The value under (outer, inner), or None."""
        raw = self._load_inner(outer).get(uint_key(inner))
        return None if raw is None else self._parse(raw)

    def put(self, outer: ActorID, inner: int, value: V) -> None:
        """Set (outer, inner) to ``value``, replacing any value there."""
        self._load_inner(outer).set(uint_key(inner), value.to_ipld())

    def put_if_absent(self, outer: ActorID, inner: int, value: V) -> bool:
        """Set (outer, inner) to ``value`` unless it holds one already; whether it was set."""
        hamt = self._load_inner(outer)
        key = uint_key(inner)
        if key in hamt:
            return False
        hamt.set(key, value.to_ipld())
        return True

    def put_many(self, outer: ActorID, values: Iterable[tuple[int, V]]) -> None:
        """Set many inner keys under one outer key."""
        hamt = self._load_inner(outer)
        for inner, value in values:
            hamt.set(uint_key(inner), value.to_ipld())

    def remove(self, outer: ActorID, inner: int) -> V | None:
        """Remove (outer, inner); the value it held, or None."""
        hamt = self._load_inner(outer)
        key = uint_key(inner)
        raw = hamt.get(key)
        if raw is None:
            return None
        hamt.delete(key)
        return self._parse(raw)

    def items_in(self, outer: ActorID) -> Iterator[tuple[int, V]]:
        """Every (inner ID, value) under one outer key, in HAMT order."""
        for key, raw in self._load_inner(outer).items():
            yield uint_of_key(key, f"verifreg inner map of f0{outer}"), self._parse(raw)

    def flush(self) -> CID:
        """Write the loaded inner maps into the outer map and return its new root."""
        for outer, hamt in self._inner.items():
            key = uint_key(outer)
            if next(hamt.items(), None) is None:
                self._outer.delete(key)
            else:
                self._outer.set(key, hamt.flush())
        return self._outer.flush()


AllocationsMap = MapMap[Allocation]
ClaimsMap = MapMap[Claim]


def get_allocation(allocations: AllocationsMap, client: ActorID, allocation_id: int) -> Allocation | None:
    """The client's allocation of that ID, or None."""
    return allocations.get(client, allocation_id)


def get_claim(claims: ClaimsMap, provider: ActorID, claim_id: int) -> Claim | None:
    """The provider's claim of that ID, or None."""
    return claims.get(provider, claim_id)


@dataclass(frozen=True, slots=True)
class VerifregState(CborTuple):
    """The root key, verifiers, and (v9+) allocations and claims, or (before v9) verified clients.

    Fields a layout lacks are None: ``verified_clients`` from v9 on; ``allocations``,
    ``next_allocation_id`` and ``claims`` before v9; ``remove_data_cap_proposal_ids`` before v7.
    """

    root_key: Address
    verifiers: CID
    verified_clients: CID | None
    remove_data_cap_proposal_ids: CID | None
    allocations: CID | None
    next_allocation_id: int | None
    claims: CID | None

    def __post_init__(self) -> None:
        v9 = self.allocations is not None
        v9_complete = v9 == (self.next_allocation_id is not None) == (self.claims is not None)
        # v9+ dropped verified_clients and always has the removal map; v0-v6 lack the removal map.
        if (
            not v9_complete
            or v9 == (self.verified_clients is not None)
            or (v9 and self.remove_data_cap_proposal_ids is None)
        ):
            raise InvalidInput("VerifregState: fields from different actor versions' layouts")

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple (6, 4 or 3 fields, as read)."""
        if self.verified_clients is None:
            return [
                bytes(self.root_key),
                self.verifiers,
                self.remove_data_cap_proposal_ids,
                self.allocations,
                self.next_allocation_id,
                self.claims,
            ]
        removals = [] if self.remove_data_cap_proposal_ids is None else [self.remove_data_cap_proposal_ids]
        return [bytes(self.root_key), self.verifiers, self.verified_clients, *removals]

    @classmethod
    def from_ipld(cls, raw: Any) -> VerifregState:
        """Parse the CBOR tuple."""
        count = len(raw) if isinstance(raw, list) and len(raw) in (3, 4, 6) else 6
        f = fields(raw, count, "VerifregState")
        root_key = as_address(f[0], "VerifregState.root_key")
        verifiers = as_cid(f[1], "VerifregState.verifiers")
        if count == 6:
            return cls(
                root_key=root_key,
                verifiers=verifiers,
                verified_clients=None,
                remove_data_cap_proposal_ids=as_cid(f[2], "VerifregState.remove_data_cap_proposal_ids"),
                allocations=as_cid(f[3], "VerifregState.allocations"),
                next_allocation_id=as_uint(f[4], "VerifregState.next_allocation_id"),
                claims=as_cid(f[5], "VerifregState.claims"),
            )
        return cls(
            root_key=root_key,
            verifiers=verifiers,
            verified_clients=as_cid(f[2], "VerifregState.verified_clients"),
            remove_data_cap_proposal_ids=(
                as_cid(f[3], "VerifregState.remove_data_cap_proposal_ids") if count == 4 else None
            ),
            allocations=None,
            next_allocation_id=None,
            claims=None,
        )

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus-style JSON."""

        def link(cid: CID | None) -> dict[str, str] | None:
            return None if cid is None else {"/": str(cid)}

        return {
            "RootKey": self.root_key.encode(network),
            "Verifiers": link(self.verifiers),
            "VerifiedClients": link(self.verified_clients),
            "RemoveDataCapProposalIDs": link(self.remove_data_cap_proposal_ids),
            "Allocations": link(self.allocations),
            "NextAllocationId": self.next_allocation_id,
            "Claims": link(self.claims),
        }

    # -- operations (actors v9+ layout; builtin-actors ``State`` methods) ---------------------------------

    def _require_v9(self) -> tuple[CID, CID, int, CID]:
        """The removal-proposal, allocation and claim fields, which only the v9+ layout has."""
        if (
            self.remove_data_cap_proposal_ids is None
            or self.allocations is None
            or self.next_allocation_id is None
            or self.claims is None
        ):
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, "verified registry state predates actors v9")
        return self.remove_data_cap_proposal_ids, self.allocations, self.next_allocation_id, self.claims

    def load_verifiers(self, store: Blockstore) -> Hamt:
        """The verifiers map (address bytes -> BigInt allowance) as a working HAMT."""
        return Hamt(store, self.verifiers, HAMT_BIT_WIDTH)

    def get_verifier_cap(self, store: Blockstore, verifier: Address) -> int | None:
        """The verifier's remaining allowance, or None when it is not a verifier."""
        raw = self.load_verifiers(store).get(bytes(verifier))
        return None if raw is None else as_bigint(raw, f"allowance of verifier {verifier}")

    def put_verifier(self, store: Blockstore, verifier: Address, cap: int) -> VerifregState:
        """The state with ``verifier``'s allowance set to ``cap`` (added or overwritten)."""
        verifiers = self.load_verifiers(store)
        verifiers.set(bytes(verifier), bigint(cap))
        return replace(self, verifiers=verifiers.flush())

    def remove_verifier(self, store: Blockstore, verifier: Address) -> VerifregState:
        """The state without ``verifier``; USR_ILLEGAL_ARGUMENT when it is not a verifier."""
        verifiers = self.load_verifiers(store)
        if not verifiers.delete(bytes(verifier)):
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"verifier {verifier} not found")
        return replace(self, verifiers=verifiers.flush())

    def load_remove_data_cap_proposal_ids(self, store: Blockstore) -> Hamt:
        """The removal proposal IDs (verifier ‖ client address bytes -> ``[id]``) as a working HAMT."""
        root, _, _, _ = self._require_v9()
        return Hamt(store, root, HAMT_BIT_WIDTH)

    def save_remove_data_cap_proposal_ids(self, proposal_ids: Hamt) -> VerifregState:
        """The state with the flushed removal proposal IDs."""
        self._require_v9()
        return replace(self, remove_data_cap_proposal_ids=proposal_ids.flush())

    def load_allocs(self, store: Blockstore) -> AllocationsMap:
        """The allocations (client -> allocation ID -> allocation) as a working map."""
        _, root, _, _ = self._require_v9()
        return MapMap(store, root, Allocation)

    def save_allocs(self, allocs: AllocationsMap) -> VerifregState:
        """The state with the flushed allocations."""
        self._require_v9()
        return replace(self, allocations=allocs.flush())

    def insert_allocations(
        self, store: Blockstore, client: ActorID, new_allocs: Sequence[Allocation]
    ) -> tuple[VerifregState, list[int]]:
        """The state with ``new_allocs`` filed under ``client`` with consecutive new IDs, and those IDs."""
        _, _, first_id, _ = self._require_v9()
        if not new_allocs:
            return self, []
        ids = list(range(first_id, first_id + len(new_allocs)))
        allocs = self.load_allocs(store)
        allocs.put_many(client, zip(ids, new_allocs, strict=True))
        state = replace(self.save_allocs(allocs), next_allocation_id=first_id + len(new_allocs))
        return state, ids

    def load_claims(self, store: Blockstore) -> ClaimsMap:
        """The claims (provider -> claim ID -> claim) as a working map."""
        _, _, _, root = self._require_v9()
        return MapMap(store, root, Claim)

    def save_claims(self, claims: ClaimsMap) -> VerifregState:
        """The state with the flushed claims."""
        self._require_v9()
        return replace(self, claims=claims.flush())

    def put_claims(self, store: Blockstore, claims: Sequence[tuple[int, Claim]]) -> VerifregState:
        """The state with each (ID, claim) set under the claim's provider (replacing any claim there)."""
        if not claims:
            return self
        st_claims = self.load_claims(store)
        for claim_id, claim in claims:
            st_claims.put(claim.provider, claim_id, claim)
        return self.save_claims(st_claims)


def empty_state(store: Blockstore, root_key: Address) -> VerifregState:
    """The state builtin-actors' ``State::new`` writes: empty maps, allocation IDs from 1."""
    empty = Hamt(store, bit_width=HAMT_BIT_WIDTH).flush()
    return VerifregState(
        root_key=root_key,
        verifiers=empty,
        verified_clients=None,
        remove_data_cap_proposal_ids=empty,
        allocations=empty,
        next_allocation_id=FIRST_ALLOCATION_ID,
        claims=empty,
    )


def data_caps(store: Blockstore, root: CID) -> Iterator[tuple[Address, int]]:
    """Every (address, DataCap allowance) of the verifiers (or verified clients) map, in HAMT order."""
    for key, raw in Hamt(store, root, HAMT_BIT_WIDTH).items():
        try:
            address = Address.from_bytes(key)
        except DecodeError as e:
            raise DecodeError(f"verifreg data cap key {key.hex()}: {e.reason}") from None
        yield address, as_bigint(raw, f"data cap of {address}")


_T = TypeVar("_T", Allocation, Claim)


def _nested(store: Blockstore, root: CID, what: str, parse: type[_T]) -> Iterator[tuple[ActorID, int, _T]]:
    """Every (outer actor ID, inner ID, value) of a two-level ID-keyed map."""
    for key, inner in Hamt(store, root, HAMT_BIT_WIDTH).items():
        actor = ActorID(uint_of_key(key, f"verifreg {what}"))
        for inner_key, raw in Hamt(
            store, as_cid(inner, f"verifreg {what} of f0{actor}"), HAMT_BIT_WIDTH
        ).items():
            yield actor, uint_of_key(inner_key, f"verifreg {what} of f0{actor}"), parse.from_ipld(raw)


def allocations(store: Blockstore, root: CID) -> Iterator[tuple[ActorID, int, Allocation]]:
    """Every (client, allocation ID, allocation), in HAMT order."""
    return _nested(store, root, "allocations", Allocation)


def claims(store: Blockstore, root: CID) -> Iterator[tuple[ActorID, int, Claim]]:
    """Every (provider, claim ID, claim), in HAMT order."""
    return _nested(store, root, "claims", Claim)
