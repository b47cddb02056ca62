"""Storage market actor state (builtin-actors ``fil_actor_market::State``) and its deal tables.

Layouts, by field count: 13 (actors v13+: ``pending_deal_allocation_ids`` since v9, ``provider_sectors`` since
v13), 12 (v9–v12) and 11 (v0–v8). The collections and their bit widths (actors v3+):

* ``proposals``: AMT (5) deal ID -> :class:`DealProposal`; ``states``: AMT (6) deal ID -> :class:`DealState`;
* ``pending_proposals``: HAMT (5) set of proposal CIDs (key: the CID's bytes, value: null);
* ``escrow_table``, ``locked_table``: balance tables, HAMT (6) address -> BigInt;
* ``deal_ops_by_epoch``: HAMT (5) epoch (zigzag varint) -> HAMT (5) set of deal IDs (varint keys);
* ``pending_deal_allocation_ids``: HAMT (5) deal ID -> verified-registry allocation ID;
* ``provider_sectors``: HAMT (5) provider actor ID -> HAMT (5) sector number -> [deal ID, …].
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from filnet.actors.encoding import (
    CborTuple,
    as_address,
    as_bigint,
    as_bool,
    as_cid,
    as_int,
    as_list,
    as_uint,
    fields,
    int_of_key,
    uint_of_key,
)
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import DecodeError, InvalidInput
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt

PROPOSALS_AMT_BIT_WIDTH: Final = 5
STATES_AMT_BIT_WIDTH: Final = 6
BALANCE_TABLE_BIT_WIDTH: Final = 6
#: Pending proposals, deal ops by epoch, pending allocation IDs and provider sectors (each level).
HAMT_BIT_WIDTH: Final = 5
#: ``last_cron`` of a market whose cron never ran (builtin-actors ``EPOCH_UNDEFINED``).
EPOCH_UNDEFINED: Final = ChainEpoch(-1)


@dataclass(frozen=True, slots=True)
class DealProposal(CborTuple):
    """A deal as client and provider signed it. ``label`` is text or bytes (a CBOR union since actors v8)."""

    piece_cid: CID
    piece_size: int
    verified_deal: bool
    client: Address
    provider: Address
    label: str | bytes
    start_epoch: ChainEpoch
    end_epoch: ChainEpoch
    storage_price_per_epoch: TokenAmount
    provider_collateral: TokenAmount
    client_collateral: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            self.piece_cid,
            self.piece_size,
            self.verified_deal,
            bytes(self.client),
            bytes(self.provider),
            self.label,
            self.start_epoch,
            self.end_epoch,
            self.storage_price_per_epoch.to_bytes(),
            self.provider_collateral.to_bytes(),
            self.client_collateral.to_bytes(),
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> DealProposal:
        """Parse the CBOR tuple."""
        f = fields(raw, 11, "DealProposal")
        if not isinstance(f[5], str | bytes):
            raise DecodeError(f"DealProposal.label: expected text or bytes, got {type(f[5]).__name__}")
        return cls(
            piece_cid=as_cid(f[0], "DealProposal.piece_cid"),
            piece_size=as_uint(f[1], "DealProposal.piece_size"),
            verified_deal=as_bool(f[2], "DealProposal.verified_deal"),
            client=as_address(f[3], "DealProposal.client"),
            provider=as_address(f[4], "DealProposal.provider"),
            label=f[5],
            start_epoch=ChainEpoch(as_int(f[6], "DealProposal.start_epoch")),
            end_epoch=ChainEpoch(as_int(f[7], "DealProposal.end_epoch")),
            storage_price_per_epoch=TokenAmount(as_bigint(f[8], "DealProposal.storage_price_per_epoch")),
            provider_collateral=TokenAmount(as_bigint(f[9], "DealProposal.provider_collateral")),
            client_collateral=TokenAmount(as_bigint(f[10], "DealProposal.client_collateral")),
        )


@dataclass(frozen=True, slots=True)
class DealState(CborTuple):
    """Where a deal stands; ``sector_number`` is None in states before actors v13 (three fields)."""

    sector_number: int | None
    sector_start_epoch: ChainEpoch
    last_updated_epoch: ChainEpoch
    slash_epoch: ChainEpoch

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        epochs = [self.sector_start_epoch, self.last_updated_epoch, self.slash_epoch]
        return epochs if self.sector_number is None else [self.sector_number, *epochs]

    @classmethod
    def from_ipld(cls, raw: Any) -> DealState:
        """Parse the CBOR tuple."""
        f = fields(raw, 3 if isinstance(raw, list) and len(raw) == 3 else 4, "DealState")
        return cls(
            sector_number=None if len(f) == 3 else as_uint(f[0], "DealState.sector_number"),
            sector_start_epoch=ChainEpoch(as_int(f[-3], "DealState.sector_start_epoch")),
            last_updated_epoch=ChainEpoch(as_int(f[-2], "DealState.last_updated_epoch")),
            slash_epoch=ChainEpoch(as_int(f[-1], "DealState.slash_epoch")),
        )


@dataclass(frozen=True, slots=True)
class MarketState(CborTuple):
    """Deal tables, escrow, the next deal ID, the cron cursor and locked totals (see the module docstring).

    ``pending_deal_allocation_ids`` is None before actors v9 and ``provider_sectors`` before actors v13.
    """

    proposals: CID
    states: CID
    pending_proposals: CID
    escrow_table: CID
    locked_table: CID
    next_id: int
    deal_ops_by_epoch: CID
    last_cron: ChainEpoch
    total_client_locked_collateral: TokenAmount
    total_provider_locked_collateral: TokenAmount
    total_client_storage_fee: TokenAmount
    pending_deal_allocation_ids: CID | None
    provider_sectors: CID | None

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple (11, 12 or 13 fields, as read)."""
        later = [c for c in (self.pending_deal_allocation_ids, self.provider_sectors) if c is not None]
        return [
            self.proposals,
            self.states,
            self.pending_proposals,
            self.escrow_table,
            self.locked_table,
            self.next_id,
            self.deal_ops_by_epoch,
            self.last_cron,
            self.total_client_locked_collateral.to_bytes(),
            self.total_provider_locked_collateral.to_bytes(),
            self.total_client_storage_fee.to_bytes(),
            *later,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> MarketState:
        """Parse the CBOR tuple."""
        count = len(raw) if isinstance(raw, list) and len(raw) in (11, 12, 13) else 13
        f = fields(raw, count, "MarketState")
        return cls(
            proposals=as_cid(f[0], "MarketState.proposals"),
            states=as_cid(f[1], "MarketState.states"),
            pending_proposals=as_cid(f[2], "MarketState.pending_proposals"),
            escrow_table=as_cid(f[3], "MarketState.escrow_table"),
            locked_table=as_cid(f[4], "MarketState.locked_table"),
            next_id=as_uint(f[5], "MarketState.next_id"),
            deal_ops_by_epoch=as_cid(f[6], "MarketState.deal_ops_by_epoch"),
            last_cron=ChainEpoch(as_int(f[7], "MarketState.last_cron")),
            total_client_locked_collateral=TokenAmount(
                as_bigint(f[8], "MarketState.total_client_locked_collateral")
            ),
            total_provider_locked_collateral=TokenAmount(
                as_bigint(f[9], "MarketState.total_provider_locked_collateral")
            ),
            total_client_storage_fee=TokenAmount(as_bigint(f[10], "MarketState.total_client_storage_fee")),
            pending_deal_allocation_ids=(
                as_cid(f[11], "MarketState.pending_deal_allocation_ids") if count >= 12 else None
            ),
            provider_sectors=as_cid(f[12], "MarketState.provider_sectors") if count == 13 else None,
        )

    def to_json(self) -> dict[str, Any]:
        """Lotus-style JSON."""

        def link(cid: CID | None) -> dict[str, str] | None:
            return None if cid is None else {"/": str(cid)}

        return {
            "Proposals": link(self.proposals),
            "States": link(self.states),
            "PendingProposals": link(self.pending_proposals),
            "EscrowTable": link(self.escrow_table),
            "LockedTable": link(self.locked_table),
            "NextID": self.next_id,
            "DealOpsByEpoch": link(self.deal_ops_by_epoch),
            "LastCron": self.last_cron,
            "TotalClientLockedCollateral": str(self.total_client_locked_collateral.atto),
            "TotalProviderLockedCollateral": str(self.total_provider_locked_collateral.atto),
            "TotalClientStorageFee": str(self.total_client_storage_fee.atto),
            "PendingDealAllocationIds": link(self.pending_deal_allocation_ids),
            "ProviderSectors": link(self.provider_sectors),
        }


def empty_state(store: Blockstore) -> MarketState:
    """The state builtin-actors' ``State::new`` writes: every table empty, no deals, cron never run."""
    empty_map = Hamt(store, bit_width=HAMT_BIT_WIDTH).flush()
    return MarketState(
        proposals=Amt(store, bit_width=PROPOSALS_AMT_BIT_WIDTH).flush(),
        states=Amt(store, bit_width=STATES_AMT_BIT_WIDTH).flush(),
        pending_proposals=empty_map,
        escrow_table=Hamt(store, bit_width=BALANCE_TABLE_BIT_WIDTH).flush(),
        locked_table=Hamt(store, bit_width=BALANCE_TABLE_BIT_WIDTH).flush(),
        next_id=0,
        deal_ops_by_epoch=empty_map,
        last_cron=EPOCH_UNDEFINED,
        total_client_locked_collateral=ZERO,
        total_provider_locked_collateral=ZERO,
        total_client_storage_fee=ZERO,
        pending_deal_allocation_ids=empty_map,
        provider_sectors=empty_map,
    )


def proposals(store: Blockstore, root: CID) -> Iterator[tuple[int, DealProposal]]:
    """Every (deal ID, proposal), ascending."""
    for deal_id, raw in Amt(store, root, PROPOSALS_AMT_BIT_WIDTH).items():
        yield deal_id, DealProposal.from_ipld(raw)


def deal_states(store: Blockstore, root: CID) -> Iterator[tuple[int, DealState]]:
    """Every (deal ID, deal state), ascending."""
    for deal_id, raw in Amt(store, root, STATES_AMT_BIT_WIDTH).items():
        yield deal_id, DealState.from_ipld(raw)


def balance_table(store: Blockstore, root: CID) -> Iterator[tuple[Address, TokenAmount]]:
    """Every (address, amount) of an escrow or locked table, in HAMT order."""
    for key, raw in Hamt(store, root, BALANCE_TABLE_BIT_WIDTH).items():
        try:
            address = Address.from_bytes(key)
        except DecodeError as e:
            raise DecodeError(f"market balance table key {key.hex()}: {e.reason}") from None
        yield address, TokenAmount(as_bigint(raw, f"market balance of {address}"))


def pending_proposals(store: Blockstore, root: CID) -> Iterator[CID]:
    """The CIDs of the pending proposals, in HAMT order."""
    for key in Hamt(store, root, HAMT_BIT_WIDTH):
        try:
            yield CID.decode(key)
        except InvalidInput as e:
            raise DecodeError(f"market pending proposal key {key.hex()}: {e}") from None


def deal_ops_by_epoch(store: Blockstore, root: CID) -> Iterator[tuple[ChainEpoch, frozenset[int]]]:
    """Every (epoch, deal IDs cron processes then), in HAMT order."""
    for key, inner in Hamt(store, root, HAMT_BIT_WIDTH).items():
        epoch = ChainEpoch(int_of_key(key, "market deal ops"))
        deals = Hamt(store, as_cid(inner, f"market deal ops at epoch {epoch}"), HAMT_BIT_WIDTH)
        yield epoch, frozenset(uint_of_key(k, "market deal ops set") for k in deals)


def pending_deal_allocation_ids(store: Blockstore, root: CID) -> Iterator[tuple[int, int]]:
    """Every (deal ID, verified-registry allocation ID) of deals not yet activated, in HAMT order."""
    for key, raw in Hamt(store, root, HAMT_BIT_WIDTH).items():
        deal_id = uint_of_key(key, "market pending allocation")
        yield deal_id, as_uint(raw, f"allocation ID of deal {deal_id}")


def provider_sectors(store: Blockstore, root: CID) -> Iterator[tuple[int, int, tuple[int, ...]]]:
    """Every (provider actor ID, sector number, deal IDs in that sector), in HAMT order."""
    for key, inner in Hamt(store, root, HAMT_BIT_WIDTH).items():
        provider = uint_of_key(key, "market provider sectors")
        sectors = Hamt(store, as_cid(inner, f"market sectors of f0{provider}"), HAMT_BIT_WIDTH)
        for sector_key, raw in sectors.items():
            sector = uint_of_key(sector_key, f"market sectors of f0{provider}")
            what = f"deals of f0{provider} sector {sector}"
            yield provider, sector, tuple(as_uint(d, what) for d in as_list(raw, what))
