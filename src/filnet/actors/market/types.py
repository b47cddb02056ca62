"""Params and returns of the storage market actor's methods (builtin-actors ``fil_actor_market`` types).

Every value is a CBOR tuple in the field order below, except the serde-transparent newtypes (the balance
and deal-query params, :class:`WithdrawBalanceReturn`, the single-field getter returns and
:class:`SettleDealPaymentsParams`), which are carried as their single field's value. A piece size is a plain
``int`` (fvm_shared ``PaddedPieceSize``), a seal proof type the ``int`` of ``RegisteredSealProof``, a deal
label ``str | bytes`` (builtin-actors ``Label``, a CBOR text or byte string). :class:`DealProposal` and
:class:`DealState` live in :mod:`filnet.actors.market.state`, beside the tables that hold them.
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
    as_bitfield,
    as_bool,
    as_bytes,
    as_cid,
    as_epoch,
    as_int,
    as_list,
    as_token,
    as_uint,
    bigint,
    fields,
)
from filnet.actors.market.state import EX_DEAL_EXPIRED as EX_DEAL_EXPIRED
from filnet.actors.market.state import DealProposal
from filnet.core.address import Address
from filnet.core.frc42 import method_number
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.crypto.signature import Signature
from filnet.errors import DecodeError, InvalidInput
from filnet.ipld.bitfield import BitField
from filnet.ipld.cid import CID
from filnet.vm.exit_codes import FIRST_ACTOR_SPECIFIC_EXIT_CODE, ExitCode

#: The allocation ID of an activated deal that is not verified (builtin-actors ``NO_ALLOCATION_ID``).
NO_ALLOCATION_ID: Final = 0
#: A published deal that has not been activated yet.
EX_DEAL_NOT_ACTIVATED: Final = ExitCode(FIRST_ACTOR_SPECIFIC_EXIT_CODE + 1)
#: FRC-42 method a deal's client may implement to hear of each deal published for it.
MARKET_NOTIFY_DEAL_METHOD: Final = method_number("MarketNotifyDeal")


def as_label(raw: Any, what: str) -> str | bytes:
    """A deal label: a text or a byte string."""
    if not isinstance(raw, str | bytes):
        raise DecodeError(f"{what}: expected text or bytes, got {type(raw).__name__}")
    return raw


def _as_ids(raw: Any, what: str) -> tuple[int, ...]:
    return tuple(as_uint(v, what) for v in as_list(raw, what))


# -- escrow -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddBalanceParams(Transparent):
    """The party (client or provider) whose escrow receives the value sent (transparent: an address)."""

    provider_or_client: Address

    def to_ipld(self) -> Any:
        """The address bytes."""
        return bytes(self.provider_or_client)

    @classmethod
    def from_ipld(cls, raw: Any) -> AddBalanceParams:
        """Parse the address."""
        return cls(as_address(raw, "AddBalanceParams.provider_or_client"))


@dataclass(frozen=True, slots=True)
class WithdrawBalanceParams(CborTuple):
    """The party whose escrow to draw on and the most to withdraw."""

    provider_or_client: Address
    amount: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.provider_or_client), self.amount.to_bytes()]

    @classmethod
    def from_ipld(cls, raw: Any) -> WithdrawBalanceParams:
        """Parse the CBOR tuple."""
        party, amount = fields(raw, 2, "WithdrawBalanceParams")
        return cls(
            as_address(party, "WithdrawBalanceParams.provider_or_client"),
            as_token(amount, "WithdrawBalanceParams.amount"),
        )


@dataclass(frozen=True, slots=True)
class WithdrawBalanceReturn(Transparent):
    """What was withdrawn (transparent: a token amount)."""

    amount_withdrawn: TokenAmount

    def to_ipld(self) -> Any:
        """The amount's bytes."""
        return self.amount_withdrawn.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> WithdrawBalanceReturn:
        """Parse the amount."""
        return cls(as_token(raw, "WithdrawBalanceReturn.amount_withdrawn"))


@dataclass(frozen=True, slots=True)
class GetBalanceParams(Transparent):
    """The party whose escrow to read (transparent: an address)."""

    account: Address

    def to_ipld(self) -> Any:
        """The address bytes."""
        return bytes(self.account)

    @classmethod
    def from_ipld(cls, raw: Any) -> GetBalanceParams:
        """Parse the address."""
        return cls(as_address(raw, "GetBalanceParams.account"))


@dataclass(frozen=True, slots=True)
class GetBalanceReturn(CborTuple):
    """A party's escrow and the part of it that is locked."""

    balance: TokenAmount
    locked: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.balance.to_bytes(), self.locked.to_bytes()]

    @classmethod
    def from_ipld(cls, raw: Any) -> GetBalanceReturn:
        """Parse the CBOR tuple."""
        balance, locked = fields(raw, 2, "GetBalanceReturn")
        return cls(as_token(balance, "GetBalanceReturn.balance"), as_token(locked, "GetBalanceReturn.locked"))


# -- publishing -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClientDealProposal(CborTuple):
    """A deal proposal and the client's signature over its DAG-CBOR bytes."""

    proposal: DealProposal
    client_signature: Signature

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple (the signature as its type byte then its data)."""
        return [self.proposal.to_ipld(), bytes(self.client_signature)]

    @classmethod
    def from_ipld(cls, raw: Any) -> ClientDealProposal:
        """Parse the CBOR tuple."""
        proposal, signature = fields(raw, 2, "ClientDealProposal")
        data = as_bytes(signature, "ClientDealProposal.client_signature")
        try:
            sig = Signature.from_bytes(data)
        except InvalidInput as e:
            raise DecodeError(f"ClientDealProposal.client_signature: {e}") from None
        return cls(DealProposal.from_ipld(proposal), sig)


@dataclass(frozen=True, slots=True)
class PublishStorageDealsParams(CborTuple):
    """Signed deals of one provider to publish."""

    deals: tuple[ClientDealProposal, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [[d.to_ipld() for d in self.deals]]

    @classmethod
    def from_ipld(cls, raw: Any) -> PublishStorageDealsParams:
        """Parse the CBOR tuple."""
        (deals,) = fields(raw, 1, "PublishStorageDealsParams")
        return cls(
            tuple(ClientDealProposal.from_ipld(d) for d in as_list(deals, "PublishStorageDealsParams.deals"))
        )


@dataclass(frozen=True, slots=True)
class PublishStorageDealsReturn(CborTuple):
    """The IDs given to the published deals and which input deals they were (indices into the params)."""

    ids: tuple[int, ...]
    valid_deals: BitField

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [list(self.ids), self.valid_deals.encode()]

    @classmethod
    def from_ipld(cls, raw: Any) -> PublishStorageDealsReturn:
        """Parse the CBOR tuple."""
        ids, valid = fields(raw, 2, "PublishStorageDealsReturn")
        return cls(
            _as_ids(ids, "PublishStorageDealsReturn.ids"),
            as_bitfield(valid, "PublishStorageDealsReturn.valid_deals"),
        )


@dataclass(frozen=True, slots=True)
class MarketNotifyDealParams(CborTuple):
    """What a client hears of a deal published for it: the proposal's DAG-CBOR bytes and the deal ID."""

    proposal: bytes
    deal_id: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.proposal, self.deal_id]

    @classmethod
    def from_ipld(cls, raw: Any) -> MarketNotifyDealParams:
        """Parse the CBOR tuple."""
        proposal, deal_id = fields(raw, 2, "MarketNotifyDealParams")
        return cls(
            as_bytes(proposal, "MarketNotifyDealParams.proposal"),
            as_uint(deal_id, "MarketNotifyDealParams.deal_id"),
        )


# -- activation -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SectorDeals(CborTuple):
    """The deals a miner means to put in one sector, with the sector's number, seal proof and expiry."""

    sector_number: int
    sector_type: int
    sector_expiry: ChainEpoch
    deal_ids: tuple[int, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.sector_number, self.sector_type, self.sector_expiry, list(self.deal_ids)]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorDeals:
        """Parse the CBOR tuple."""
        number, kind, expiry, deal_ids = fields(raw, 4, "SectorDeals")
        return cls(
            as_uint(number, "SectorDeals.sector_number"),
            as_int(kind, "SectorDeals.sector_type"),
            as_epoch(expiry, "SectorDeals.sector_expiry"),
            _as_ids(deal_ids, "SectorDeals.deal_ids"),
        )


@dataclass(frozen=True, slots=True)
class VerifyDealsForActivationParams(CborTuple):
    """Deals to check, grouped by sector."""

    sectors: tuple[SectorDeals, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [[s.to_ipld() for s in self.sectors]]

    @classmethod
    def from_ipld(cls, raw: Any) -> VerifyDealsForActivationParams:
        """Parse the CBOR tuple."""
        (sectors,) = fields(raw, 1, "VerifyDealsForActivationParams")
        what = "VerifyDealsForActivationParams.sectors"
        return cls(tuple(SectorDeals.from_ipld(s) for s in as_list(sectors, what)))


@dataclass(frozen=True, slots=True)
class VerifyDealsForActivationReturn(CborTuple):
    """Each sector's unsealed CID computed from its deals (None for a sector without deals)."""

    unsealed_cids: tuple[CID | None, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [list(self.unsealed_cids)]

    @classmethod
    def from_ipld(cls, raw: Any) -> VerifyDealsForActivationReturn:
        """Parse the CBOR tuple."""
        (cids,) = fields(raw, 1, "VerifyDealsForActivationReturn")
        what = "VerifyDealsForActivationReturn.unsealed_cids"
        return cls(tuple(None if c is None else as_cid(c, what) for c in as_list(cids, what)))


@dataclass(frozen=True, slots=True)
class BatchActivateDealsParams(CborTuple):
    """Deals to activate, grouped by sector (a sector's deals succeed or fail together), and whether to
    compute each sector's unsealed CID."""

    sectors: tuple[SectorDeals, ...]
    compute_cid: bool

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [[s.to_ipld() for s in self.sectors], self.compute_cid]

    @classmethod
    def from_ipld(cls, raw: Any) -> BatchActivateDealsParams:
        """Parse the CBOR tuple."""
        sectors, compute_cid = fields(raw, 2, "BatchActivateDealsParams")
        what = "BatchActivateDealsParams.sectors"
        return cls(
            tuple(SectorDeals.from_ipld(s) for s in as_list(sectors, what)),
            as_bool(compute_cid, "BatchActivateDealsParams.compute_cid"),
        )


@dataclass(frozen=True, slots=True)
class ActivatedDeal(CborTuple):
    """A deal just activated: its client, verified allocation (:data:`NO_ALLOCATION_ID` if none), piece."""

    client: int
    allocation_id: int
    data: CID
    size: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.client, self.allocation_id, self.data, self.size]

    @classmethod
    def from_ipld(cls, raw: Any) -> ActivatedDeal:
        """Parse the CBOR tuple."""
        client, allocation_id, data, size = fields(raw, 4, "ActivatedDeal")
        return cls(
            as_uint(client, "ActivatedDeal.client"),
            as_uint(allocation_id, "ActivatedDeal.allocation_id"),
            as_cid(data, "ActivatedDeal.data"),
            as_uint(size, "ActivatedDeal.size"),
        )


@dataclass(frozen=True, slots=True)
class SectorDealActivation(CborTuple):
    """The deals activated in one sector and, when asked for and there are deals, its unsealed CID."""

    activated: tuple[ActivatedDeal, ...]
    unsealed_cid: CID | None

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [[d.to_ipld() for d in self.activated], self.unsealed_cid]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorDealActivation:
        """Parse the CBOR tuple."""
        activated, cid = fields(raw, 2, "SectorDealActivation")
        what = "SectorDealActivation.activated"
        return cls(
            tuple(ActivatedDeal.from_ipld(d) for d in as_list(activated, what)),
            None if cid is None else as_cid(cid, "SectorDealActivation.unsealed_cid"),
        )


@dataclass(frozen=True, slots=True)
class BatchActivateDealsResult(CborTuple):
    """Which sector groups activated, and the activations of those that did (in order)."""

    activation_results: BatchReturn
    activations: tuple[SectorDealActivation, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.activation_results.to_ipld(), [a.to_ipld() for a in self.activations]]

    @classmethod
    def from_ipld(cls, raw: Any) -> BatchActivateDealsResult:
        """Parse the CBOR tuple."""
        results, activations = fields(raw, 2, "BatchActivateDealsResult")
        what = "BatchActivateDealsResult.activations"
        return cls(
            BatchReturn.from_ipld(results),
            tuple(SectorDealActivation.from_ipld(a) for a in as_list(activations, what)),
        )


@dataclass(frozen=True, slots=True)
class DealSpaces(CborTuple):
    """Unverified and verified deal space of a sector."""

    deal_space: int
    verified_deal_space: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bigint(self.deal_space), bigint(self.verified_deal_space)]

    @classmethod
    def from_ipld(cls, raw: Any) -> DealSpaces:
        """Parse the CBOR tuple."""
        space, verified = fields(raw, 2, "DealSpaces")
        return cls(
            as_bigint(space, "DealSpaces.deal_space"), as_bigint(verified, "DealSpaces.verified_deal_space")
        )


@dataclass(frozen=True, slots=True)
class SectorDataSpec(CborTuple):
    """The deals of a sector and its seal proof type."""

    deal_ids: tuple[int, ...]
    sector_type: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [list(self.deal_ids), self.sector_type]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorDataSpec:
        """Parse the CBOR tuple."""
        deal_ids, kind = fields(raw, 2, "SectorDataSpec")
        return cls(_as_ids(deal_ids, "SectorDataSpec.deal_ids"), as_int(kind, "SectorDataSpec.sector_type"))


@dataclass(frozen=True, slots=True)
class OnMinerSectorsTerminateParams(CborTuple):
    """The epoch a miner's sectors were terminated at, and their numbers."""

    epoch: ChainEpoch
    sectors: BitField

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.epoch, self.sectors.encode()]

    @classmethod
    def from_ipld(cls, raw: Any) -> OnMinerSectorsTerminateParams:
        """Parse the CBOR tuple."""
        epoch, sectors = fields(raw, 2, "OnMinerSectorsTerminateParams")
        return cls(
            as_epoch(epoch, "OnMinerSectorsTerminateParams.epoch"),
            as_bitfield(sectors, "OnMinerSectorsTerminateParams.sectors"),
        )


# -- getters --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DealQueryParams(Transparent):
    """The deal a getter asks about (transparent: a deal ID)."""

    id: int

    def to_ipld(self) -> Any:
        """The deal ID."""
        return self.id

    @classmethod
    def from_ipld(cls, raw: Any) -> DealQueryParams:
        """Parse the deal ID."""
        return cls(as_uint(raw, "DealQueryParams.id"))


GetDealDataCommitmentParams = DealQueryParams
GetDealClientParams = DealQueryParams
GetDealProviderParams = DealQueryParams
GetDealLabelParams = DealQueryParams
GetDealTermParams = DealQueryParams
GetDealTotalPriceParams = DealQueryParams
GetDealClientCollateralParams = DealQueryParams
GetDealProviderCollateralParams = DealQueryParams
GetDealVerifiedParams = DealQueryParams
GetDealActivationParams = DealQueryParams
GetDealSectorParams = DealQueryParams


@dataclass(frozen=True, slots=True)
class GetDealDataCommitmentReturn(CborTuple):
    """A deal's piece CID and padded size."""

    data: CID
    size: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.data, self.size]

    @classmethod
    def from_ipld(cls, raw: Any) -> GetDealDataCommitmentReturn:
        """Parse the CBOR tuple."""
        data, size = fields(raw, 2, "GetDealDataCommitmentReturn")
        return cls(
            as_cid(data, "GetDealDataCommitmentReturn.data"),
            as_uint(size, "GetDealDataCommitmentReturn.size"),
        )


@dataclass(frozen=True, slots=True)
class GetDealClientReturn(Transparent):
    """A deal's client (transparent: an actor ID)."""

    client: int

    def to_ipld(self) -> Any:
        """The actor ID."""
        return self.client

    @classmethod
    def from_ipld(cls, raw: Any) -> GetDealClientReturn:
        """Parse the actor ID."""
        return cls(as_uint(raw, "GetDealClientReturn.client"))


@dataclass(frozen=True, slots=True)
class GetDealProviderReturn(Transparent):
    """A deal's provider (transparent: an actor ID)."""

    provider: int

    def to_ipld(self) -> Any:
        """The actor ID."""
        return self.provider

    @classmethod
    def from_ipld(cls, raw: Any) -> GetDealProviderReturn:
        """Parse the actor ID."""
        return cls(as_uint(raw, "GetDealProviderReturn.provider"))


@dataclass(frozen=True, slots=True)
class GetDealLabelReturn(Transparent):
    """A deal's label (transparent: text or bytes)."""

    label: str | bytes

    def to_ipld(self) -> Any:
        """The label."""
        return self.label

    @classmethod
    def from_ipld(cls, raw: Any) -> GetDealLabelReturn:
        """Parse the label."""
        return cls(as_label(raw, "GetDealLabelReturn.label"))


@dataclass(frozen=True, slots=True)
class GetDealTermReturn(CborTuple):
    """A deal's first epoch (inclusive) and its duration in epochs."""

    start: ChainEpoch
    duration: ChainEpoch

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.start, self.duration]

    @classmethod
    def from_ipld(cls, raw: Any) -> GetDealTermReturn:
        """Parse the CBOR tuple."""
        start, duration = fields(raw, 2, "GetDealTermReturn")
        return cls(
            as_epoch(start, "GetDealTermReturn.start"), as_epoch(duration, "GetDealTermReturn.duration")
        )


@dataclass(frozen=True, slots=True)
class GetDealTotalPriceReturn(Transparent):
    """What the client pays the provider over the whole deal (transparent: a token amount)."""

    total_price: TokenAmount

    def to_ipld(self) -> Any:
        """The amount's bytes."""
        return self.total_price.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> GetDealTotalPriceReturn:
        """Parse the amount."""
        return cls(as_token(raw, "GetDealTotalPriceReturn.total_price"))


@dataclass(frozen=True, slots=True)
class GetDealClientCollateralReturn(Transparent):
    """A deal's client collateral (transparent: a token amount)."""

    collateral: TokenAmount

    def to_ipld(self) -> Any:
        """The amount's bytes."""
        return self.collateral.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> GetDealClientCollateralReturn:
        """Parse the amount."""
        return cls(as_token(raw, "GetDealClientCollateralReturn.collateral"))


@dataclass(frozen=True, slots=True)
class GetDealProviderCollateralReturn(Transparent):
    """A deal's provider collateral (transparent: a token amount)."""

    collateral: TokenAmount

    def to_ipld(self) -> Any:
        """The amount's bytes."""
        return self.collateral.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> GetDealProviderCollateralReturn:
        """Parse the amount."""
        return cls(as_token(raw, "GetDealProviderCollateralReturn.collateral"))


@dataclass(frozen=True, slots=True)
class GetDealVerifiedReturn(Transparent):
    """Whether a deal is verified (transparent: a boolean)."""

    verified: bool

    def to_ipld(self) -> Any:
        """The flag."""
        return self.verified

    @classmethod
    def from_ipld(cls, raw: Any) -> GetDealVerifiedReturn:
        """Parse the flag."""
        return cls(as_bool(raw, "GetDealVerifiedReturn.verified"))


@dataclass(frozen=True, slots=True)
class GetDealActivationReturn(CborTuple):
    """The epoch a deal was activated at and the epoch it was terminated at (-1 for not yet)."""

    activated: ChainEpoch
    terminated: ChainEpoch

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.activated, self.terminated]

    @classmethod
    def from_ipld(cls, raw: Any) -> GetDealActivationReturn:
        """Parse the CBOR tuple."""
        activated, terminated = fields(raw, 2, "GetDealActivationReturn")
        return cls(
            as_epoch(activated, "GetDealActivationReturn.activated"),
            as_epoch(terminated, "GetDealActivationReturn.terminated"),
        )


@dataclass(frozen=True, slots=True)
class GetDealSectorReturn(Transparent):
    """The provider's sector holding a deal (transparent: a sector number)."""

    sector: int

    def to_ipld(self) -> Any:
        """The sector number."""
        return self.sector

    @classmethod
    def from_ipld(cls, raw: Any) -> GetDealSectorReturn:
        """Parse the sector number."""
        return cls(as_uint(raw, "GetDealSectorReturn.sector"))


# -- settlement -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SettleDealPaymentsParams(Transparent):
    """The deals to settle (transparent: a bitfield of deal IDs)."""

    deal_ids: BitField

    def to_ipld(self) -> Any:
        """The bitfield's bytes."""
        return self.deal_ids.encode()

    @classmethod
    def from_ipld(cls, raw: Any) -> SettleDealPaymentsParams:
        """Parse the bitfield."""
        return cls(as_bitfield(raw, "SettleDealPaymentsParams.deal_ids"))


@dataclass(frozen=True, slots=True)
class DealSettlementSummary(CborTuple):
    """The payment a settlement moved from client to provider, and whether the deal is now finished."""

    payment: TokenAmount
    completed: bool

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.payment.to_bytes(), self.completed]

    @classmethod
    def from_ipld(cls, raw: Any) -> DealSettlementSummary:
        """Parse the CBOR tuple."""
        payment, completed = fields(raw, 2, "DealSettlementSummary")
        return cls(
            as_token(payment, "DealSettlementSummary.payment"),
            as_bool(completed, "DealSettlementSummary.completed"),
        )


@dataclass(frozen=True, slots=True)
class SettleDealPaymentsReturn(CborTuple):
    """Each deal's outcome, and the settlements of those that succeeded (in order)."""

    results: BatchReturn
    settlements: tuple[DealSettlementSummary, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.results.to_ipld(), [s.to_ipld() for s in self.settlements]]

    @classmethod
    def from_ipld(cls, raw: Any) -> SettleDealPaymentsReturn:
        """Parse the CBOR tuple."""
        results, settlements = fields(raw, 2, "SettleDealPaymentsReturn")
        what = "SettleDealPaymentsReturn.settlements"
        return cls(
            BatchReturn.from_ipld(results),
            tuple(DealSettlementSummary.from_ipld(s) for s in as_list(settlements, what)),
        )
