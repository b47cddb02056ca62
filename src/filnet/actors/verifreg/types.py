"""Params and returns of the verified registry's methods (builtin-actors ``fil_actor_verifreg::types``).

Every value is a CBOR tuple in the field order below, except the serde-transparent newtypes
(``ConstructorParams``, ``RemoveVerifierParams``, ``SectorClaimSummary``), which are their one field.
Addresses and BigInts (DataCap, an integer number of bytes) are byte strings; signatures are ``type ‖ data``
byte strings; piece sizes, sector numbers, actor, allocation and claim IDs are unsigned integers; epochs
signed integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from filnet.actors.batch_return import BatchReturn
from filnet.actors.encoding import (
    CborTuple,
    Transparent,
    as_address,
    as_bigint,
    as_bool,
    as_bytes,
    as_cid,
    as_int,
    as_list,
    as_uint,
    bigint,
    fields,
)
from filnet.actors.verifreg.state import Claim
from filnet.core.address import Address
from filnet.core.types import ActorID, ChainEpoch
from filnet.crypto.signature import Signature
from filnet.errors import DecodeError
from filnet.ipld.cid import CID

#: An allocation's ID (builtin-actors ``AllocationID``); a claim keeps its allocation's ID (``ClaimID``).
AllocationID = int
ClaimID = int
#: DataCap is an integer number of bytes (builtin-actors ``DataCap = StoragePower``).
DataCap = int

#: The prefix of the bytes a verifier signs to approve removing a client's DataCap.
SIGNATURE_DOMAIN_SEPARATION_REMOVE_DATA_CAP: Final = b"fil_removedatacap:"


def _ids(raw: Any, what: str) -> tuple[int, ...]:
    return tuple(as_uint(v, what) for v in as_list(raw, what))


def _signature(raw: Any, what: str) -> Signature:
    try:
        return Signature.from_bytes(as_bytes(raw, what))
    except DecodeError as e:
        raise DecodeError(f"{what}: {e.reason}") from None


# -- verifiers and clients ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConstructorParams(Transparent):
    """The root key, the only address that may add and remove verifiers (transparent: the address)."""

    root_key: Address

    def to_ipld(self) -> bytes:
        """The address bytes."""
        return bytes(self.root_key)

    @classmethod
    def from_ipld(cls, raw: Any) -> ConstructorParams:
        """Parse the address."""
        return cls(as_address(raw, "ConstructorParams.root_key"))


@dataclass(frozen=True, slots=True)
class VerifierParams(CborTuple):
    """An address and an amount of DataCap: a verifier and its allowance, or a client and its grant."""

    address: Address
    allowance: DataCap

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.address), bigint(self.allowance)]

    @classmethod
    def from_ipld(cls, raw: Any) -> VerifierParams:
        """Parse the CBOR tuple."""
        address, allowance = fields(raw, 2, "VerifierParams")
        return cls(
            as_address(address, "VerifierParams.address"), as_bigint(allowance, "VerifierParams.allowance")
        )


AddVerifierParams = VerifierParams
AddVerifiedClientParams = VerifierParams


@dataclass(frozen=True, slots=True)
class RemoveVerifierParams(Transparent):
    """The verifier to remove (transparent: the address)."""

    verifier: Address

    def to_ipld(self) -> bytes:
        """The address bytes."""
        return bytes(self.verifier)

    @classmethod
    def from_ipld(cls, raw: Any) -> RemoveVerifierParams:
        """Parse the address."""
        return cls(as_address(raw, "RemoveVerifierParams.verifier"))


# -- removing a client's DataCap --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RemoveDataCapRequest(CborTuple):
    """A verifier's signature over a :class:`RemoveDataCapProposal`."""

    verifier: Address
    signature: Signature

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.verifier), bytes(self.signature)]

    @classmethod
    def from_ipld(cls, raw: Any) -> RemoveDataCapRequest:
        """Parse the CBOR tuple."""
        verifier, signature = fields(raw, 2, "RemoveDataCapRequest")
        return cls(
            as_address(verifier, "RemoveDataCapRequest.verifier"),
            _signature(signature, "RemoveDataCapRequest.signature"),
        )


@dataclass(frozen=True, slots=True)
class RemoveDataCapParams(CborTuple):
    """The client, how much DataCap to take away, and two verifiers' signed approvals."""

    verified_client_to_remove: Address
    data_cap_amount_to_remove: DataCap
    verifier_request_1: RemoveDataCapRequest
    verifier_request_2: RemoveDataCapRequest

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            bytes(self.verified_client_to_remove),
            bigint(self.data_cap_amount_to_remove),
            self.verifier_request_1.to_ipld(),
            self.verifier_request_2.to_ipld(),
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> RemoveDataCapParams:
        """Parse the CBOR tuple."""
        client, amount, request_1, request_2 = fields(raw, 4, "RemoveDataCapParams")
        return cls(
            as_address(client, "RemoveDataCapParams.verified_client_to_remove"),
            as_bigint(amount, "RemoveDataCapParams.data_cap_amount_to_remove"),
            RemoveDataCapRequest.from_ipld(request_1),
            RemoveDataCapRequest.from_ipld(request_2),
        )


@dataclass(frozen=True, slots=True)
class RemoveDataCapReturn(CborTuple):
    """The client (ID address) and the DataCap actually removed."""

    verified_client: Address
    data_cap_removed: DataCap

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.verified_client), bigint(self.data_cap_removed)]

    @classmethod
    def from_ipld(cls, raw: Any) -> RemoveDataCapReturn:
        """Parse the CBOR tuple."""
        client, removed = fields(raw, 2, "RemoveDataCapReturn")
        return cls(
            as_address(client, "RemoveDataCapReturn.verified_client"),
            as_bigint(removed, "RemoveDataCapReturn.data_cap_removed"),
        )


@dataclass(frozen=True, slots=True)
class RemoveDataCapProposalID(CborTuple):
    """The sequence number of a verifier's removal proposals for one client (a one-field tuple)."""

    id: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.id]

    @classmethod
    def from_ipld(cls, raw: Any) -> RemoveDataCapProposalID:
        """Parse the CBOR tuple."""
        (proposal_id,) = fields(raw, 1, "RemoveDataCapProposalID")
        return cls(as_uint(proposal_id, "RemoveDataCapProposalID.id"))


@dataclass(frozen=True, slots=True)
class RemoveDataCapProposal(CborTuple):
    """What a verifier signs (after :data:`SIGNATURE_DOMAIN_SEPARATION_REMOVE_DATA_CAP`) to approve a
    removal: the client, the amount and the verifier's current proposal ID for that client."""

    verified_client: Address
    data_cap_amount: DataCap
    removal_proposal_id: RemoveDataCapProposalID

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.verified_client), bigint(self.data_cap_amount), self.removal_proposal_id.to_ipld()]

    @classmethod
    def from_ipld(cls, raw: Any) -> RemoveDataCapProposal:
        """Parse the CBOR tuple."""
        client, amount, proposal_id = fields(raw, 3, "RemoveDataCapProposal")
        return cls(
            as_address(client, "RemoveDataCapProposal.verified_client"),
            as_bigint(amount, "RemoveDataCapProposal.data_cap_amount"),
            RemoveDataCapProposalID.from_ipld(proposal_id),
        )


def addr_pair_key(first: Address, second: Address) -> bytes:
    """The HAMT key of a (verifier, client) pair: both addresses' bytes, concatenated
    (builtin-actors ``AddrPairKey``)."""
    return bytes(first) + bytes(second)


# -- allocations ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RemoveExpiredAllocationsParams(CborTuple):
    """The client whose expired allocations to remove, and which (empty: every expired one)."""

    client: ActorID
    allocation_ids: tuple[AllocationID, ...] = ()

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.client, list(self.allocation_ids)]

    @classmethod
    def from_ipld(cls, raw: Any) -> RemoveExpiredAllocationsParams:
        """Parse the CBOR tuple."""
        client, ids = fields(raw, 2, "RemoveExpiredAllocationsParams")
        return cls(
            ActorID(as_uint(client, "RemoveExpiredAllocationsParams.client")),
            _ids(ids, "RemoveExpiredAllocationsParams.allocation_ids"),
        )


@dataclass(frozen=True, slots=True)
class RemoveExpiredAllocationsReturn(CborTuple):
    """The allocation IDs considered, the result for each, and the DataCap returned to the client."""

    considered: tuple[AllocationID, ...]
    results: BatchReturn
    datacap_recovered: DataCap

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [list(self.considered), self.results.to_ipld(), bigint(self.datacap_recovered)]

    @classmethod
    def from_ipld(cls, raw: Any) -> RemoveExpiredAllocationsReturn:
        """Parse the CBOR tuple."""
        considered, results, recovered = fields(raw, 3, "RemoveExpiredAllocationsReturn")
        return cls(
            _ids(considered, "RemoveExpiredAllocationsReturn.considered"),
            BatchReturn.from_ipld(results),
            as_bigint(recovered, "RemoveExpiredAllocationsReturn.datacap_recovered"),
        )


@dataclass(frozen=True, slots=True)
class AllocationClaim(CborTuple):
    """A provider's claim of one allocation for a piece it put in a sector."""

    client: ActorID
    allocation_id: AllocationID
    data: CID
    size: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.client, self.allocation_id, self.data, self.size]

    @classmethod
    def from_ipld(cls, raw: Any) -> AllocationClaim:
        """Parse the CBOR tuple."""
        client, allocation_id, data, size = fields(raw, 4, "AllocationClaim")
        return cls(
            ActorID(as_uint(client, "AllocationClaim.client")),
            as_uint(allocation_id, "AllocationClaim.allocation_id"),
            as_cid(data, "AllocationClaim.data"),
            as_uint(size, "AllocationClaim.size"),
        )


@dataclass(frozen=True, slots=True)
class SectorAllocationClaims(CborTuple):
    """The allocations claimed for one sector, and the sector's expiration."""

    sector: int
    expiry: ChainEpoch
    claims: tuple[AllocationClaim, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.sector, self.expiry, [c.to_ipld() for c in self.claims]]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorAllocationClaims:
        """Parse the CBOR tuple."""
        sector, expiry, claims = fields(raw, 3, "SectorAllocationClaims")
        return cls(
            as_uint(sector, "SectorAllocationClaims.sector"),
            ChainEpoch(as_int(expiry, "SectorAllocationClaims.expiry")),
            tuple(AllocationClaim.from_ipld(c) for c in as_list(claims, "SectorAllocationClaims.claims")),
        )


@dataclass(frozen=True, slots=True)
class ClaimAllocationsParams(CborTuple):
    """Allocations to claim, grouped by sector; with ``all_or_nothing`` any failure aborts the call, else a
    failed claim fails only its sector's group."""

    sectors: tuple[SectorAllocationClaims, ...]
    all_or_nothing: bool

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [[s.to_ipld() for s in self.sectors], self.all_or_nothing]

    @classmethod
    def from_ipld(cls, raw: Any) -> ClaimAllocationsParams:
        """Parse the CBOR tuple."""
        sectors, all_or_nothing = fields(raw, 2, "ClaimAllocationsParams")
        return cls(
            tuple(
                SectorAllocationClaims.from_ipld(s)
                for s in as_list(sectors, "ClaimAllocationsParams.sectors")
            ),
            as_bool(all_or_nothing, "ClaimAllocationsParams.all_or_nothing"),
        )


@dataclass(frozen=True, slots=True)
class SectorClaimSummary(Transparent):
    """The space claimed in one successful sector group (transparent: the BigInt)."""

    claimed_space: int

    def to_ipld(self) -> bytes:
        """The BigInt bytes."""
        return bigint(self.claimed_space)

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorClaimSummary:
        """Parse the BigInt."""
        return cls(as_bigint(raw, "SectorClaimSummary.claimed_space"))


@dataclass(frozen=True, slots=True)
class ClaimAllocationsReturn(CborTuple):
    """The result of each sector group, and the space claimed by each successful one (in order)."""

    sector_results: BatchReturn
    sector_claims: tuple[SectorClaimSummary, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.sector_results.to_ipld(), [c.to_ipld() for c in self.sector_claims]]

    @classmethod
    def from_ipld(cls, raw: Any) -> ClaimAllocationsReturn:
        """Parse the CBOR tuple."""
        results, claims = fields(raw, 2, "ClaimAllocationsReturn")
        return cls(
            BatchReturn.from_ipld(results),
            tuple(
                SectorClaimSummary.from_ipld(c)
                for c in as_list(claims, "ClaimAllocationsReturn.sector_claims")
            ),
        )


# -- claims -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimTerm(CborTuple):
    """A new maximum term for a provider's claim."""

    provider: ActorID
    claim_id: ClaimID
    term_max: ChainEpoch

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.provider, self.claim_id, self.term_max]

    @classmethod
    def from_ipld(cls, raw: Any) -> ClaimTerm:
        """Parse the CBOR tuple."""
        provider, claim_id, term_max = fields(raw, 3, "ClaimTerm")
        return cls(
            ActorID(as_uint(provider, "ClaimTerm.provider")),
            as_uint(claim_id, "ClaimTerm.claim_id"),
            ChainEpoch(as_int(term_max, "ClaimTerm.term_max")),
        )


@dataclass(frozen=True, slots=True)
class ExtendClaimTermsParams(CborTuple):
    """Claims whose maximum term their client extends."""

    terms: tuple[ClaimTerm, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [[t.to_ipld() for t in self.terms]]

    @classmethod
    def from_ipld(cls, raw: Any) -> ExtendClaimTermsParams:
        """Parse the CBOR tuple."""
        (terms,) = fields(raw, 1, "ExtendClaimTermsParams")
        return cls(tuple(ClaimTerm.from_ipld(t) for t in as_list(terms, "ExtendClaimTermsParams.terms")))


ExtendClaimTermsReturn = BatchReturn


@dataclass(frozen=True, slots=True)
class GetClaimsParams(CborTuple):
    """A provider and some of its claim IDs."""

    provider: ActorID
    claim_ids: tuple[ClaimID, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.provider, list(self.claim_ids)]

    @classmethod
    def from_ipld(cls, raw: Any) -> GetClaimsParams:
        """Parse the CBOR tuple."""
        provider, ids = fields(raw, 2, "GetClaimsParams")
        return cls(
            ActorID(as_uint(provider, "GetClaimsParams.provider")), _ids(ids, "GetClaimsParams.claim_ids")
        )


@dataclass(frozen=True, slots=True)
class GetClaimsReturn(CborTuple):
    """Which requested claims were found, and those claims (in request order)."""

    batch_info: BatchReturn
    claims: tuple[Claim, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.batch_info.to_ipld(), [c.to_ipld() for c in self.claims]]

    @classmethod
    def from_ipld(cls, raw: Any) -> GetClaimsReturn:
        """Parse the CBOR tuple."""
        info, claims = fields(raw, 2, "GetClaimsReturn")
        return cls(
            BatchReturn.from_ipld(info),
            tuple(Claim.from_ipld(c) for c in as_list(claims, "GetClaimsReturn.claims")),
        )


@dataclass(frozen=True, slots=True)
class RemoveExpiredClaimsParams(CborTuple):
    """The provider whose expired claims to remove (any caller may ask), and which (empty: every one)."""

    provider: ActorID
    claim_ids: tuple[ClaimID, ...] = ()

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.provider, list(self.claim_ids)]

    @classmethod
    def from_ipld(cls, raw: Any) -> RemoveExpiredClaimsParams:
        """Parse the CBOR tuple."""
        provider, ids = fields(raw, 2, "RemoveExpiredClaimsParams")
        return cls(
            ActorID(as_uint(provider, "RemoveExpiredClaimsParams.provider")),
            _ids(ids, "RemoveExpiredClaimsParams.claim_ids"),
        )


@dataclass(frozen=True, slots=True)
class RemoveExpiredClaimsReturn(CborTuple):
    """The claim IDs considered and the result for each."""

    considered: tuple[ClaimID, ...]
    results: BatchReturn

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [list(self.considered), self.results.to_ipld()]

    @classmethod
    def from_ipld(cls, raw: Any) -> RemoveExpiredClaimsReturn:
        """Parse the CBOR tuple."""
        considered, results = fields(raw, 2, "RemoveExpiredClaimsReturn")
        return cls(_ids(considered, "RemoveExpiredClaimsReturn.considered"), BatchReturn.from_ipld(results))


# -- the receiver hook's payload ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AllocationRequest(CborTuple):
    """A request, paid in DataCap, to allocate space for a piece with a provider (fields as
    :class:`~filnet.actors.verifreg.state.Allocation`)."""

    provider: ActorID
    data: CID
    size: int
    term_min: ChainEpoch
    term_max: ChainEpoch
    expiration: ChainEpoch

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.provider, self.data, self.size, self.term_min, self.term_max, self.expiration]

    @classmethod
    def from_ipld(cls, raw: Any) -> AllocationRequest:
        """Parse the CBOR tuple."""
        provider, data, size, term_min, term_max, expiration = fields(raw, 6, "AllocationRequest")
        return cls(
            ActorID(as_uint(provider, "AllocationRequest.provider")),
            as_cid(data, "AllocationRequest.data"),
            as_uint(size, "AllocationRequest.size"),
            ChainEpoch(as_int(term_min, "AllocationRequest.term_min")),
            ChainEpoch(as_int(term_max, "AllocationRequest.term_max")),
            ChainEpoch(as_int(expiration, "AllocationRequest.expiration")),
        )


@dataclass(frozen=True, slots=True)
class ClaimExtensionRequest(CborTuple):
    """A request, paid in DataCap, to extend the maximum term of an existing claim."""

    provider: ActorID
    claim: ClaimID
    term_max: ChainEpoch

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.provider, self.claim, self.term_max]

    @classmethod
    def from_ipld(cls, raw: Any) -> ClaimExtensionRequest:
        """Parse the CBOR tuple."""
        provider, claim, term_max = fields(raw, 3, "ClaimExtensionRequest")
        return cls(
            ActorID(as_uint(provider, "ClaimExtensionRequest.provider")),
            as_uint(claim, "ClaimExtensionRequest.claim"),
            ChainEpoch(as_int(term_max, "ClaimExtensionRequest.term_max")),
        )


@dataclass(frozen=True, slots=True)
class AllocationRequests(CborTuple):
    """The operator data of a DataCap transfer to the registry: allocations and claim extensions to make;
    the client is the sender of the DataCap."""

    allocations: tuple[AllocationRequest, ...] = ()
    extensions: tuple[ClaimExtensionRequest, ...] = ()

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [[a.to_ipld() for a in self.allocations], [e.to_ipld() for e in self.extensions]]

    @classmethod
    def from_ipld(cls, raw: Any) -> AllocationRequests:
        """Parse the CBOR tuple."""
        allocations, extensions = fields(raw, 2, "AllocationRequests")
        return cls(
            tuple(
                AllocationRequest.from_ipld(a) for a in as_list(allocations, "AllocationRequests.allocations")
            ),
            tuple(
                ClaimExtensionRequest.from_ipld(e)
                for e in as_list(extensions, "AllocationRequests.extensions")
            ),
        )


@dataclass(frozen=True, slots=True)
class AllocationsResponse(CborTuple):
    """The registry's answer to a DataCap transfer (the transfer's recipient data): the result of each
    allocation and extension request, and the IDs of the new allocations."""

    allocation_results: BatchReturn
    extension_results: BatchReturn
    new_allocations: tuple[AllocationID, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            self.allocation_results.to_ipld(),
            self.extension_results.to_ipld(),
            list(self.new_allocations),
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> AllocationsResponse:
        """Parse the CBOR tuple."""
        allocation_results, extension_results, new_allocations = fields(raw, 3, "AllocationsResponse")
        return cls(
            BatchReturn.from_ipld(allocation_results),
            BatchReturn.from_ipld(extension_results),
            _ids(new_allocations, "AllocationsResponse.new_allocations"),
        )
