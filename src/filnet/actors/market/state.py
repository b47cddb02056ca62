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

import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
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
    int_key,
    int_of_key,
    uint_key,
    uint_of_key,
)
from filnet.actors.market.policy import collateral_penalty_for_deal_activation_missed
from filnet.core.address import MAINNET, Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import DecodeError, InvalidInput
from filnet.ipld import codecs, multihash
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from filnet.vm.exit_codes import FIRST_ACTOR_SPECIFIC_EXIT_CODE, ActorError, ExitCode

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

    def duration(self) -> ChainEpoch:
        """Epochs from start to end."""
        return ChainEpoch(self.end_epoch - self.start_epoch)

    def total_storage_fee(self) -> TokenAmount:
        """What the client pays over the whole deal."""
        return self.storage_price_per_epoch * self.duration()

    def client_balance_requirement(self) -> TokenAmount:
        """What the client must lock: its collateral and the whole storage fee."""
        return self.client_collateral + self.total_storage_fee()

    def provider_balance_requirement(self) -> TokenAmount:
        """What the provider must lock: its collateral."""
        return self.provider_collateral

    def cid(self) -> CID:
        """The proposal's CID: blake2b-256 of its DAG-CBOR, as the market computes it (``deal_cid``)."""
        return CID.compute(codecs.DAG_CBOR, self.encode(), multihash.BLAKE2B_256)

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """go-state-types JSON (Lotus ``StateMarketStorageDeal``); a byte-string label prints as ``""``."""
        return {
            "PieceCID": {"/": str(self.piece_cid)},
            "PieceSize": self.piece_size,
            "VerifiedDeal": self.verified_deal,
            "Client": self.client.encode(network),
            "Provider": self.provider.encode(network),
            "Label": self.label if isinstance(self.label, str) else "",
            "StartEpoch": self.start_epoch,
            "EndEpoch": self.end_epoch,
            "StoragePricePerEpoch": str(self.storage_price_per_epoch.atto),
            "ProviderCollateral": str(self.provider_collateral.atto),
            "ClientCollateral": str(self.client_collateral.atto),
        }


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

    def to_json(self) -> dict[str, Any]:
        """Lotus ``MarketDealState`` JSON (sector number 0 when the state predates it)."""
        return {
            "SectorNumber": self.sector_number or 0,
            "SectorStartEpoch": self.sector_start_epoch,
            "LastUpdatedEpoch": self.last_updated_epoch,
            "SlashEpoch": self.slash_epoch,
        }


#: The state of a deal the market has no state for yet (Lotus ``EmptyDealState``).
EMPTY_DEAL_STATE: Final = DealState(0, EPOCH_UNDEFINED, EPOCH_UNDEFINED, EPOCH_UNDEFINED)


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

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
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

    # -- the operations of builtin-actors' ``State`` (each returns the updated state first) ----------------

    def get_total_locked(self) -> TokenAmount:
        """All collateral and storage fees locked in escrow."""
        return (
            self.total_client_locked_collateral
            + self.total_provider_locked_collateral
            + self.total_client_storage_fee
        )

    # deal states

    def find_deal_state(self, store: Blockstore, deal_id: int) -> DealState | None:
        """The state of an activated deal, or None."""
        return DealMetaArray(store, self.states).get(deal_id)

    def put_deal_states(
        self, store: Blockstore, new_deal_states: Sequence[tuple[int, DealState]]
    ) -> MarketState:
        """Store deal states (replacing any of the same IDs)."""
        states = DealMetaArray(store, self.states)
        for deal_id, deal_state in new_deal_states:
            states.set(deal_id, deal_state)
        return replace(self, states=states.flush())

    def remove_deal_state(self, store: Blockstore, deal_id: int) -> tuple[MarketState, DealState | None]:
        """Delete a deal's state; the state removed, if there was one."""
        states = DealMetaArray(store, self.states)
        removed = states.delete(deal_id)
        return replace(self, states=states.flush()), removed

    # proposals

    def get_proposal(self, store: Blockstore, deal_id: int) -> DealProposal:
        """A deal's proposal; EX_DEAL_EXPIRED if it was published and has gone, USR_NOT_FOUND if never."""
        return get_proposal(DealArray(store, self.proposals), deal_id, self.next_id)

    def find_proposal(self, store: Blockstore, deal_id: int) -> DealProposal | None:
        """A deal's proposal, or None."""
        return DealArray(store, self.proposals).get(deal_id)

    def remove_proposal(self, store: Blockstore, deal_id: int) -> tuple[MarketState, DealProposal | None]:
        """Delete a deal's proposal; the proposal removed, if there was one."""
        deals = DealArray(store, self.proposals)
        removed = deals.delete(deal_id)
        return replace(self, proposals=deals.flush()), removed

    def put_deal_proposals(
        self, store: Blockstore, new_deal_proposals: Sequence[tuple[int, DealProposal]]
    ) -> MarketState:
        """Store proposals under their deal IDs."""
        deals = DealArray(store, self.proposals)
        for deal_id, proposal in new_deal_proposals:
            deals.set(deal_id, proposal)
        return replace(self, proposals=deals.flush())

    def generate_storage_deal_id(self) -> tuple[MarketState, int]:
        """Take the next deal ID."""
        return replace(self, next_id=self.next_id + 1), self.next_id

    # pending verified allocations

    def put_pending_deal_allocation_ids(
        self, store: Blockstore, new_pending_deal_allocation_ids: Sequence[tuple[int, int]]
    ) -> MarketState:
        """Record the verified allocation made for each of these (not yet activated) deals."""
        pending = PendingDealAllocationsMap(store, self._pending_allocations_root())
        for deal_id, allocation_id in new_pending_deal_allocation_ids:
            pending.set(deal_id, allocation_id)
        return replace(self, pending_deal_allocation_ids=pending.flush())

    def get_pending_deal_allocation_ids(self, store: Blockstore, deal_ids: Sequence[int]) -> list[int]:
        """The allocation IDs of these deals; USR_NOT_FOUND when one has none."""
        pending = PendingDealAllocationsMap(store, self._pending_allocations_root())
        found: list[int] = []
        for deal_id in deal_ids:
            allocation_id = pending.get(deal_id)
            if allocation_id is None:
                raise ActorError(ExitCode.USR_NOT_FOUND, "no such deal proposal")
            found.append(allocation_id)
        return found

    def remove_pending_deal_allocation_id(
        self, store: Blockstore, deal_id: int
    ) -> tuple[MarketState, int | None]:
        """Forget a deal's pending allocation; the allocation ID removed, if any."""
        pending = PendingDealAllocationsMap(store, self._pending_allocations_root())
        removed = pending.delete(deal_id)
        return replace(self, pending_deal_allocation_ids=pending.flush()), removed

    def _pending_allocations_root(self) -> CID:
        if self.pending_deal_allocation_ids is None:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, "market state predates pending deal allocations")
        return self.pending_deal_allocation_ids

    # deal ops by epoch

    def put_deals_by_epoch(
        self, store: Blockstore, new_deals_by_epoch: Sequence[tuple[int, int]]
    ) -> MarketState:
        """Schedule each (epoch, deal ID) for cron processing."""
        ops = DealOpsByEpoch(store, self.deal_ops_by_epoch)
        for epoch, deal_id in new_deals_by_epoch:
            ops.put(epoch, deal_id)
        return replace(self, deal_ops_by_epoch=ops.flush())

    def put_batch_deals_by_epoch(
        self, store: Blockstore, new_deals_by_epoch: Mapping[int, Sequence[int]]
    ) -> MarketState:
        """Schedule deals for cron processing, grouped by epoch (in ascending epoch order)."""
        ops = DealOpsByEpoch(store, self.deal_ops_by_epoch)
        for epoch in sorted(new_deals_by_epoch):
            ops.put_many(epoch, new_deals_by_epoch[epoch])
        return replace(self, deal_ops_by_epoch=ops.flush())

    def get_deals_for_epoch(self, store: Blockstore, key: int) -> list[int]:
        """The deals scheduled at an epoch, in the set's (HAMT) order."""
        return DealOpsByEpoch(store, self.deal_ops_by_epoch).get(key)

    def remove_deals_by_epoch(self, store: Blockstore, epochs_to_remove: Sequence[int]) -> MarketState:
        """Drop the schedules of these epochs."""
        ops = DealOpsByEpoch(store, self.deal_ops_by_epoch)
        for epoch in epochs_to_remove:
            ops.remove_all(epoch)
        return replace(self, deal_ops_by_epoch=ops.flush())

    # escrow

    def add_balance_to_escrow_table(
        self, store: Blockstore, addr: Address, amount: TokenAmount
    ) -> MarketState:
        """Credit ``amount`` to a party's escrow."""
        escrow = _open_table(store, self.escrow_table, "escrow")
        escrow.add(addr, amount)
        return replace(self, escrow_table=escrow.root())

    def withdraw_balance_from_escrow_table(
        self, store: Blockstore, addr: Address, amount: TokenAmount
    ) -> tuple[MarketState, TokenAmount]:
        """Take up to ``amount`` of a party's unlocked escrow; the amount taken."""
        escrow = _open_table(store, self.escrow_table, "escrow")
        minimum = _open_table(store, self.locked_table, "locked").get(addr)
        taken = escrow.subtract_with_minimum(addr, amount, minimum)
        return replace(self, escrow_table=escrow.root()), taken

    def lock_balances_of_deals(self, store: Blockstore, proposals: Sequence[DealProposal]) -> MarketState:
        """Lock each new deal's client fee and collateral and its provider collateral, and count them, the
        tables loaded and written once; USR_INSUFFICIENT_FUNDS at the first lock an escrow cannot cover."""
        escrow = _open_table(store, self.escrow_table, "escrow")
        locked = _open_table(store, self.locked_table, "locked")
        client_collateral = storage_fee = provider_collateral = ZERO
        for proposal in proposals:
            for party, amount in (
                (proposal.client, proposal.client_balance_requirement()),
                (proposal.provider, proposal.provider_collateral),
            ):
                _lock(escrow, locked, party, amount)
            client_collateral = client_collateral + proposal.client_collateral
            storage_fee = storage_fee + proposal.total_storage_fee()
            provider_collateral = provider_collateral + proposal.provider_collateral
        return replace(
            self,
            locked_table=locked.root(),
            total_client_locked_collateral=self.total_client_locked_collateral + client_collateral,
            total_client_storage_fee=self.total_client_storage_fee + storage_fee,
            total_provider_locked_collateral=self.total_provider_locked_collateral + provider_collateral,
        )

    def unlock_balance(
        self, store: Blockstore, addr: Address, amount: TokenAmount, lock_reason: Reason
    ) -> MarketState:
        """Release ``amount`` of a party's locked escrow, taking it off the total ``lock_reason`` names."""
        if amount < ZERO:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"unlock negative amount: {amount.atto}")
        locked = _open_table(store, self.locked_table, "locked")
        locked.must_subtract(addr, amount)
        state = replace(self, locked_table=locked.root())
        if lock_reason is Reason.CLIENT_COLLATERAL:
            return replace(
                state, total_client_locked_collateral=state.total_client_locked_collateral - amount
            )
        if lock_reason is Reason.CLIENT_STORAGE_FEE:
            return replace(state, total_client_storage_fee=state.total_client_storage_fee - amount)
        return replace(
            state, total_provider_locked_collateral=state.total_provider_locked_collateral - amount
        )

    def transfer_balance(
        self, store: Blockstore, from_addr: Address, to_addr: Address, amount: TokenAmount
    ) -> MarketState:
        """Pay ``amount`` of the client's locked storage fee into the provider's (unlocked) escrow."""
        if amount < ZERO:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"transfer negative amount: {amount.atto}")
        escrow = _open_table(store, self.escrow_table, "escrow")
        escrow.must_subtract(from_addr, amount)
        state = self.unlock_balance(store, from_addr, amount, Reason.CLIENT_STORAGE_FEE)
        escrow.add(to_addr, amount)
        return replace(state, escrow_table=escrow.root())

    def slash_balance(
        self, store: Blockstore, addr: Address, amount: TokenAmount, lock_reason: Reason
    ) -> MarketState:
        """Remove ``amount`` of a party's locked escrow altogether (the caller burns it)."""
        if amount < ZERO:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"negative amount to slash: {amount.atto}")
        escrow = _open_table(store, self.escrow_table, "escrow")
        escrow.must_subtract(addr, amount)
        return replace(self, escrow_table=escrow.root()).unlock_balance(store, addr, amount, lock_reason)

    # pending proposals

    def put_pending_deals(self, store: Blockstore, new_pending_deals: Sequence[CID]) -> MarketState:
        """Mark proposal CIDs pending."""
        pending = PendingProposalsSet(store, self.pending_proposals)
        for key in new_pending_deals:
            pending.put(key)
        return replace(self, pending_proposals=pending.flush())

    def remove_pending_deal(self, store: Blockstore, key: CID) -> tuple[MarketState, bool]:
        """Unmark a proposal CID; whether it was pending."""
        pending = PendingProposalsSet(store, self.pending_proposals)
        removed = pending.delete(key)
        return replace(self, pending_proposals=pending.flush()), removed

    # provider sectors

    def put_sector_deal_ids(
        self, store: Blockstore, provider: int, sector_deal_ids: Sequence[tuple[int, Sequence[int]]]
    ) -> MarketState:
        """Add deal IDs to a provider's sectors (merged with those recorded, sorted, without repeats)."""
        providers = ProviderSectorsMap(store, self._provider_sectors_root())
        sectors = providers.sector_deals(provider)
        for sector_number, deals in sector_deal_ids:
            existing = sectors.get(sector_number) or ()
            sectors.set(sector_number, sorted(set(deals) | set(existing)))
        providers.save_sector_deals(provider, sectors)
        return replace(self, provider_sectors=providers.flush())

    def pop_sector_deal_ids(
        self, store: Blockstore, provider: int, sector_numbers: Iterable[int]
    ) -> tuple[MarketState, list[int]]:
        """Remove these sectors of a provider; the deal IDs they held, in sector order."""
        providers = ProviderSectorsMap(store, self._provider_sectors_root())
        sectors = providers.sector_deals(provider)
        popped: list[int] = []
        found = False
        for sector_number in sector_numbers:
            deals = sectors.delete(sector_number)
            if deals is not None:
                popped.extend(deals)
                found = True
        if not found:
            return self, popped
        providers.save_sector_deals(provider, sectors)
        return replace(self, provider_sectors=providers.flush()), popped

    def remove_sector_deal_ids(
        self, store: Blockstore, provider_sector_deal_ids: Mapping[int, Mapping[int, Sequence[int]]]
    ) -> MarketState:
        """Remove deal IDs from providers' sectors (a sector left empty goes; missing ones are ignored)."""
        providers = ProviderSectorsMap(store, self._provider_sectors_root())
        for provider in sorted(provider_sector_deal_ids):
            sectors = providers.sector_deals(provider)
            changed = False
            to_remove = provider_sector_deal_ids[provider]
            for sector_number in sorted(to_remove):
                existing = sectors.get(sector_number)
                if existing is None:
                    continue
                changed = True
                kept = [d for d in existing if d not in to_remove[sector_number]]
                if kept:
                    sectors.set(sector_number, kept)
                else:
                    sectors.delete(sector_number)
            if changed:
                providers.save_sector_deals(provider, sectors)
        return replace(self, provider_sectors=providers.flush())

    def _provider_sectors_root(self) -> CID:
        if self.provider_sectors is None:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, "market state predates provider sectors")
        return self.provider_sectors

    # deal life cycle

    def remove_completed_deal(self, store: Blockstore, deal_id: int) -> MarketState:
        """Delete a finished deal's state and proposal, both of which must exist."""
        state, removed_state = self.remove_deal_state(store, deal_id)
        if removed_state is None:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, "failed to delete deal state: does not exist")
        state, removed = state.remove_proposal(store, deal_id)
        if removed is None:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, "failed to delete deal proposal: does not exist")
        return state

    def get_active_deal_or_process_timeout(
        self, store: Blockstore, curr_epoch: ChainEpoch, deal_id: int, deal_proposal: DealProposal, dcid: CID
    ) -> tuple[MarketState, LoadDealState]:
        """A deal's state if it is active; if it never activated and its start epoch has come, clean it up
        (proposal, pending CID and allocation gone, provider collateral slashed) and say so."""
        deal_state = self.find_deal_state(store, deal_id)
        if deal_state is not None:
            return self, Loaded(deal_state)
        if curr_epoch < deal_proposal.start_epoch:
            return self, TooEarly()
        state, slashed = self.process_deal_init_timed_out(store, deal_proposal)
        state, deleted = state.remove_proposal(store, deal_id)
        if deleted is None:
            raise ActorError(
                ExitCode.USR_ILLEGAL_STATE, f"failed to delete deal {deal_id} proposal {dcid}: does not exist"
            )
        state, was_pending = state.remove_pending_deal(store, dcid)
        if not was_pending:
            raise ActorError(
                ExitCode.USR_ILLEGAL_STATE,
                f"failed to delete pending deal {deal_id}: cid {dcid} does not exist",
            )
        state, _ = state.remove_pending_deal_allocation_id(store, deal_id)
        return state, ProposalExpired(slashed)

    def process_deal_update(
        self, store: Blockstore, state: DealState, deal: DealProposal, deal_cid: CID, epoch: ChainEpoch
    ) -> tuple[MarketState, TokenAmount, TokenAmount, bool, bool]:
        """Settle an active deal up to ``epoch``: (state, slashed, payment, completed, remove).

        A deal marked for termination (slash epoch set, a transitional state) is paid to its slash epoch,
        its remaining fee and client collateral unlocked and its provider collateral slashed; a deal past
        its end is paid in full and its collaterals unlocked.
        """
        ever_updated = state.last_updated_epoch != EPOCH_UNDEFINED
        ever_slashed = state.slash_epoch != EPOCH_UNDEFINED
        current = self
        if not ever_updated:
            # settlement or cron may already have removed it, so a missing entry is fine
            current, _ = current.remove_pending_deal(store, deal_cid)
        if ever_updated and state.last_updated_epoch > epoch:
            raise ActorError(
                ExitCode.USR_ILLEGAL_STATE, f"deal updated at future epoch {state.last_updated_epoch}"
            )
        if deal.start_epoch > epoch:
            return current, ZERO, ZERO, False, False
        if ever_slashed:
            if epoch < state.slash_epoch:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_STATE,
                    f"current epoch less than deal slash epoch {state.slash_epoch}",
                )
            if state.slash_epoch > deal.end_epoch:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_STATE,
                    f"deal slash epoch {state.slash_epoch} after deal end {deal.end_epoch}",
                )
            payment_end_epoch = state.slash_epoch
        else:
            payment_end_epoch = min(deal.end_epoch, epoch)
        if ever_updated and state.last_updated_epoch > deal.start_epoch:
            payment_start_epoch = state.last_updated_epoch
        else:
            payment_start_epoch = deal.start_epoch
        elapsed_payment = deal.storage_price_per_epoch * (payment_end_epoch - payment_start_epoch)
        if elapsed_payment > ZERO:
            current = current.transfer_balance(store, deal.client, deal.provider, elapsed_payment)
        if ever_slashed:
            payment_remaining = deal_get_payment_remaining(deal, state.slash_epoch)
            current = current.unlock_balance(store, deal.client, payment_remaining, Reason.CLIENT_STORAGE_FEE)
            current = current.unlock_balance(
                store, deal.client, deal.client_collateral, Reason.CLIENT_COLLATERAL
            )
            slashed = deal.provider_collateral
            current = current.slash_balance(store, deal.provider, slashed, Reason.PROVIDER_COLLATERAL)
            return current, slashed, payment_remaining + elapsed_payment, False, True
        if epoch >= deal.end_epoch:
            current = current.process_deal_expired(store, deal, state)
            return current, ZERO, elapsed_payment, True, True
        return current, ZERO, elapsed_payment, False, False

    def process_slashed_deal(
        self, store: Blockstore, proposal: DealProposal, state: DealState
    ) -> tuple[MarketState, TokenAmount]:
        """Terminate a deal at its slash epoch: pay up to then, return the client's remaining fee and
        collateral, slash the provider's collateral; the amount slashed."""
        payment_start_epoch = max(proposal.start_epoch, state.last_updated_epoch)
        payment_end_epoch = min(proposal.end_epoch, state.slash_epoch)
        total_payment = proposal.storage_price_per_epoch * max(0, payment_end_epoch - payment_start_epoch)
        current = self
        if total_payment > ZERO:
            current = current.transfer_balance(store, proposal.client, proposal.provider, total_payment)
        payment_remaining = deal_get_payment_remaining(proposal, state.slash_epoch)
        current = current.unlock_balance(store, proposal.client, payment_remaining, Reason.CLIENT_STORAGE_FEE)
        current = current.unlock_balance(
            store, proposal.client, proposal.client_collateral, Reason.CLIENT_COLLATERAL
        )
        slashed = proposal.provider_collateral
        current = current.slash_balance(store, proposal.provider, slashed, Reason.PROVIDER_COLLATERAL)
        return current, slashed

    def process_deal_init_timed_out(
        self, store: Blockstore, deal: DealProposal
    ) -> tuple[MarketState, TokenAmount]:
        """A deal not activated by its start epoch: unlock the client's funds, slash the provider's
        penalty and unlock the rest of its collateral; the amount slashed."""
        current = self.unlock_balance(store, deal.client, deal.total_storage_fee(), Reason.CLIENT_STORAGE_FEE)
        current = current.unlock_balance(store, deal.client, deal.client_collateral, Reason.CLIENT_COLLATERAL)
        amount_slashed = collateral_penalty_for_deal_activation_missed(deal.provider_collateral)
        amount_remaining = deal.provider_balance_requirement() - amount_slashed
        current = current.slash_balance(store, deal.provider, amount_slashed, Reason.PROVIDER_COLLATERAL)
        current = current.unlock_balance(store, deal.provider, amount_remaining, Reason.PROVIDER_COLLATERAL)
        return current, amount_slashed

    def process_deal_expired(self, store: Blockstore, deal: DealProposal, state: DealState) -> MarketState:
        """A deal that ran its course: unlock both collaterals."""
        if state.sector_start_epoch == EPOCH_UNDEFINED:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, "start sector epoch undefined")
        current = self.unlock_balance(
            store, deal.provider, deal.provider_collateral, Reason.PROVIDER_COLLATERAL
        )
        return current.unlock_balance(store, deal.client, deal.client_collateral, Reason.CLIENT_COLLATERAL)


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


# -- the outcomes and helpers of the deal life cycle ----------------------------------------------------

#: A deal that was published once but whose information is gone: cleaned up, or too late to activate.
EX_DEAL_EXPIRED: Final = ExitCode(FIRST_ACTOR_SPECIFIC_EXIT_CODE)


class Reason(Enum):
    """Which locked total an unlock or slash comes off (builtin-actors ``Reason``)."""

    CLIENT_COLLATERAL = "client collateral"
    CLIENT_STORAGE_FEE = "client storage fee"
    PROVIDER_COLLATERAL = "provider collateral"


@dataclass(frozen=True, slots=True)
class TooEarly:
    """The deal is not active and its start epoch has not come yet."""


@dataclass(frozen=True, slots=True)
class ProposalExpired:
    """The deal was never activated and has now been cleaned up; ``slashed`` is the provider's penalty."""

    slashed: TokenAmount


@dataclass(frozen=True, slots=True)
class Loaded:
    """The deal is active, in this state."""

    deal_state: DealState


#: What :meth:`MarketState.get_active_deal_or_process_timeout` finds (builtin-actors ``LoadDealState``).
LoadDealState = TooEarly | ProposalExpired | Loaded


def deal_get_payment_remaining(deal: DealProposal, slash_epoch: ChainEpoch) -> TokenAmount:
    """The storage fee a deal terminated at ``slash_epoch`` would still have paid (from the later of the
    slash and start epochs to its end)."""
    if slash_epoch > deal.end_epoch:
        raise ActorError(
            ExitCode.USR_ILLEGAL_STATE, f"deal slash epoch {slash_epoch} after end epoch {deal.end_epoch}"
        )
    duration_remaining = deal.end_epoch - max(slash_epoch, deal.start_epoch)
    if duration_remaining < 0:
        raise ActorError(
            ExitCode.USR_ILLEGAL_STATE, f"deal remaining duration negative: {duration_remaining}"
        )
    return deal.storage_price_per_epoch * duration_remaining


def get_proposal(proposals: DealArray, deal_id: int, next_id: int) -> DealProposal:
    """A deal's proposal; EX_DEAL_EXPIRED for an ID once used and since cleaned up, USR_NOT_FOUND for one
    never published."""
    found = proposals.get(deal_id)
    if found is not None:
        return found
    if deal_id < next_id:
        raise ActorError(EX_DEAL_EXPIRED, f"deal {deal_id} expired")
    raise ActorError(ExitCode.USR_NOT_FOUND, f"no such deal {deal_id}")


# -- typed views of the collections (mutable working objects; ``flush``/``root`` gives the new root) ----


class DealArray:
    """The proposals AMT: deal ID -> :class:`DealProposal`."""

    def __init__(self, store: Blockstore, root: CID | None = None) -> None:
        self._amt = Amt(store, root, PROPOSALS_AMT_BIT_WIDTH)

    def get(self, deal_id: int) -> DealProposal | None:
        """A proposal, or None."""
        raw = self._amt.get(deal_id)
        return None if raw is None else DealProposal.from_ipld(raw)

    def set(self, deal_id: int, proposal: DealProposal) -> None:
        """Store a proposal."""
        self._amt.set(deal_id, proposal.to_ipld())

    def delete(self, deal_id: int) -> DealProposal | None:
        """Remove a proposal; the one removed, if any."""
        found = self.get(deal_id)
        if found is not None:
            self._amt.delete(deal_id)
        return found

    def items(self) -> Iterator[tuple[int, DealProposal]]:
        """Every (deal ID, proposal), ascending."""
        for deal_id, raw in self._amt.items():
            yield deal_id, DealProposal.from_ipld(raw)

    def flush(self) -> CID:
        """Write changes; the root."""
        return self._amt.flush()


class DealMetaArray:
    """The deal states AMT: deal ID -> :class:`DealState`."""

    def __init__(self, store: Blockstore, root: CID | None = None) -> None:
        self._amt = Amt(store, root, STATES_AMT_BIT_WIDTH)

    def get(self, deal_id: int) -> DealState | None:
        """A deal state, or None."""
        raw = self._amt.get(deal_id)
        return None if raw is None else DealState.from_ipld(raw)

    def set(self, deal_id: int, deal_state: DealState) -> None:
        """Store a deal state."""
        self._amt.set(deal_id, deal_state.to_ipld())

    def delete(self, deal_id: int) -> DealState | None:
        """Remove a deal state; the one removed, if any."""
        found = self.get(deal_id)
        if found is not None:
            self._amt.delete(deal_id)
        return found

    def items(self) -> Iterator[tuple[int, DealState]]:
        """Every (deal ID, state), ascending."""
        for deal_id, raw in self._amt.items():
            yield deal_id, DealState.from_ipld(raw)

    def flush(self) -> CID:
        """Write changes; the root."""
        return self._amt.flush()


def _lock(escrow: BalanceTable, locked: BalanceTable, addr: Address, amount: TokenAmount) -> None:
    """Lock ``amount`` more of a party's escrow in ``locked``; USR_INSUFFICIENT_FUNDS beyond its escrow."""
    if amount < ZERO:
        raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"cannot lock negative amount {amount.atto}")
    balance = escrow.get(addr)
    previous = locked.get(addr)
    if previous + amount > balance:
        raise ActorError(
            ExitCode.USR_INSUFFICIENT_FUNDS,
            f"not enough balance to lock for addr {addr}: escrow balance {balance.atto} < prev locked "
            f"{previous.atto} + amount {amount.atto}",
        )
    locked.add(addr, amount)


#: The escrow and locked tables last written in each store, by role: a table whose root was just written
#: is what loading that root would give, so the next operation on the same table in the same store (within
#: one message in the VM, whose gas-charging store lives as long as the message) goes on with it instead of
#: reading its blocks again. Keyed by the store, so what a message reads never depends on an earlier one.
_OPEN_TABLES: weakref.WeakKeyDictionary[Blockstore, dict[str, BalanceTable]] = weakref.WeakKeyDictionary()


def _open_table(store: Blockstore, root: CID, role: str) -> BalanceTable:
    """The balance table at ``root``: the one last written there for ``role`` if it is still unchanged."""
    try:
        tables = _OPEN_TABLES.setdefault(store, {})
    except TypeError:  # a store that cannot be weakly referenced: no reuse
        return BalanceTable(store, root)
    table = tables.get(role)
    if table is not None and table.written_root() == root:
        return table
    table = BalanceTable(store, root)
    table.on_write = lambda t: tables.__setitem__(role, t)
    return table


class BalanceTable:
    """An escrow or locked table: address -> token amount (builtin-actors ``BalanceTable``)."""

    def __init__(self, store: Blockstore, root: CID | None = None) -> None:
        self._hamt = Hamt(store, root, BALANCE_TABLE_BIT_WIDTH)
        self._amounts: dict[Address, TokenAmount] = {}
        #: Called with the table each time its root is written.
        self.on_write: Callable[[BalanceTable], None] | None = None

    def get(self, key: Address) -> TokenAmount:
        """A party's amount (zero if absent)."""
        amount = self._amounts.get(key)
        if amount is None:
            raw = self._hamt.get(bytes(key))
            amount = ZERO if raw is None else TokenAmount(as_bigint(raw, "market balance"))
            self._amounts[key] = amount
        return amount

    def add(self, key: Address, value: TokenAmount) -> None:
        """Add (or, negative, take) ``value``; USR_ILLEGAL_ARGUMENT if the balance would go negative."""
        previous = self.get(key)
        total = previous + value
        if total < ZERO:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"negative balance for {key} adding {value.atto} to {previous.atto}",
            )
        # builtin-actors deletes an entry that falls to zero, but stores a zero added to an absent one
        if total == ZERO and previous != ZERO:
            self._hamt.delete(bytes(key))
        else:
            self._hamt.set(bytes(key), total.to_bytes())
        self._amounts[key] = total

    def subtract_with_minimum(self, key: Address, req: TokenAmount, floor: TokenAmount) -> TokenAmount:
        """Take up to ``req`` without going below ``floor``; the amount taken."""
        available = max(ZERO, self.get(key) - floor)
        taken = min(available, req)
        if taken > ZERO:
            self.add(key, -taken)
        return taken

    def must_subtract(self, key: Address, req: TokenAmount) -> None:
        """Take exactly ``req``; USR_ILLEGAL_ARGUMENT if the balance is smaller."""
        previous = self.get(key)
        if req > previous:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"negative balance for {key} subtracting {req.atto} from {previous.atto}",
            )
        self.add(key, -req)

    def items(self) -> Iterator[tuple[Address, TokenAmount]]:
        """Every (address, amount)."""
        for key, raw in self._hamt.items():
            try:
                address = Address.from_bytes(key)
            except DecodeError as e:
                raise DecodeError(f"market balance table key {key.hex()}: {e.reason}") from None
            yield address, TokenAmount(as_bigint(raw, f"market balance of {address}"))

    def total(self) -> TokenAmount:
        """The sum of all balances."""
        total = ZERO
        for _, amount in self.items():
            total = total + amount
        return total

    def root(self) -> CID:
        """Write changes; the root."""
        root = self._hamt.flush()
        if self.on_write is not None:
            self.on_write(self)
        return root

    def written_root(self) -> CID | None:
        """The root as last written or loaded, if nothing has changed since (else None)."""
        return self._hamt.clean_root()


class PendingProposalsSet:
    """The set of pending proposal CIDs (HAMT keyed by the CID's bytes, null values)."""

    def __init__(self, store: Blockstore, root: CID | None = None) -> None:
        self._hamt = Hamt(store, root, HAMT_BIT_WIDTH)

    def has(self, key: CID) -> bool:
        """Whether ``key`` is in the set."""
        return bytes(key) in self._hamt

    def put(self, key: CID) -> None:
        """Add ``key``."""
        self._hamt.set(bytes(key), None)

    def delete(self, key: CID) -> bool:
        """Remove ``key``; whether it was there."""
        return self._hamt.delete(bytes(key))

    def flush(self) -> CID:
        """Write changes; the root."""
        return self._hamt.flush()


class DealOpsByEpoch:
    """Deal IDs scheduled for cron by epoch: a HAMT of epoch -> root of a HAMT set of deal IDs.

    The sets changed since the last :meth:`flush` stay open in memory, so scheduling many deals at one
    epoch writes that epoch's set once.
    """

    def __init__(self, store: Blockstore, root: CID | None = None) -> None:
        self._store = store
        self._hamt = Hamt(store, root, HAMT_BIT_WIDTH)
        self._changed: dict[int, Hamt] = {}

    def _inner(self, epoch: int) -> Hamt | None:
        changed = self._changed.get(epoch)
        if changed is not None:
            return changed
        raw = self._hamt.get(int_key(epoch))
        if raw is None:
            return None
        return Hamt(self._store, as_cid(raw, f"market deal ops at epoch {epoch}"), HAMT_BIT_WIDTH)

    def get(self, epoch: int) -> list[int]:
        """The deal IDs scheduled at ``epoch``, in the set's order."""
        inner = self._inner(epoch)
        return [] if inner is None else [uint_of_key(k, "market deal ops set") for k in inner]

    def put(self, epoch: int, deal_id: int) -> None:
        """Schedule one deal."""
        self.put_many(epoch, (deal_id,))

    def put_many(self, epoch: int, deal_ids: Iterable[int]) -> None:
        """Schedule deals at ``epoch``."""
        inner = self._inner(epoch) or Hamt(self._store, bit_width=HAMT_BIT_WIDTH)
        for deal_id in deal_ids:
            inner.set(uint_key(deal_id), None)
        self._changed[epoch] = inner

    def remove_all(self, epoch: int) -> None:
        """Drop everything scheduled at ``epoch``."""
        self._changed.pop(epoch, None)
        self._hamt.delete(int_key(epoch))

    def epochs(self) -> Iterator[ChainEpoch]:
        """The epochs that have a schedule, in HAMT order."""
        self._write_changed()
        for key in self._hamt:
            yield ChainEpoch(int_of_key(key, "market deal ops"))

    def _write_changed(self) -> None:
        for epoch, inner in self._changed.items():
            self._hamt.set(int_key(epoch), inner.flush())
        self._changed.clear()

    def flush(self) -> CID:
        """Write changes; the root."""
        self._write_changed()
        return self._hamt.flush()


class PendingDealAllocationsMap:
    """Deal ID -> verified-registry allocation ID, for verified deals not yet activated."""

    def __init__(self, store: Blockstore, root: CID | None = None) -> None:
        self._hamt = Hamt(store, root, HAMT_BIT_WIDTH)

    def get(self, deal_id: int) -> int | None:
        """A deal's allocation ID, or None."""
        raw = self._hamt.get(uint_key(deal_id))
        return None if raw is None else as_uint(raw, f"allocation ID of deal {deal_id}")

    def set(self, deal_id: int, allocation_id: int) -> None:
        """Record a deal's allocation ID."""
        self._hamt.set(uint_key(deal_id), allocation_id)

    def delete(self, deal_id: int) -> int | None:
        """Remove a deal's entry; its allocation ID, if it had one."""
        found = self.get(deal_id)
        if found is not None:
            self._hamt.delete(uint_key(deal_id))
        return found

    def items(self) -> Iterator[tuple[int, int]]:
        """Every (deal ID, allocation ID)."""
        for key, raw in self._hamt.items():
            deal_id = uint_of_key(key, "market pending allocation")
            yield deal_id, as_uint(raw, f"allocation ID of deal {deal_id}")

    def flush(self) -> CID:
        """Write changes; the root."""
        return self._hamt.flush()


class SectorDealsMap:
    """One provider's sectors: sector number -> the deal IDs in it."""

    def __init__(self, store: Blockstore, root: CID | None = None) -> None:
        self._hamt = Hamt(store, root, HAMT_BIT_WIDTH)

    def get(self, sector_number: int) -> list[int] | None:
        """A sector's deal IDs, or None."""
        raw = self._hamt.get(uint_key(sector_number))
        if raw is None:
            return None
        what = f"deals of sector {sector_number}"
        return [as_uint(d, what) for d in as_list(raw, what)]

    def set(self, sector_number: int, deal_ids: Sequence[int]) -> None:
        """Record a sector's deal IDs."""
        self._hamt.set(uint_key(sector_number), list(deal_ids))

    def delete(self, sector_number: int) -> list[int] | None:
        """Remove a sector; its deal IDs, if it had an entry."""
        found = self.get(sector_number)
        if found is not None:
            self._hamt.delete(uint_key(sector_number))
        return found

    def is_empty(self) -> bool:
        """Whether no sector is recorded."""
        return next(iter(self._hamt), None) is None

    def items(self) -> Iterator[tuple[int, list[int]]]:
        """Every (sector number, deal IDs)."""
        for key, raw in self._hamt.items():
            sector = uint_of_key(key, "market sector deals")
            what = f"deals of sector {sector}"
            yield sector, [as_uint(d, what) for d in as_list(raw, what)]

    def flush(self) -> CID:
        """Write changes; the root."""
        return self._hamt.flush()


class ProviderSectorsMap:
    """Provider actor ID -> root of its :class:`SectorDealsMap`."""

    def __init__(self, store: Blockstore, root: CID | None = None) -> None:
        self._store = store
        self._hamt = Hamt(store, root, HAMT_BIT_WIDTH)

    def sector_deals(self, provider: int) -> SectorDealsMap:
        """A provider's sectors (empty if it has none); builtin-actors ``load_provider_sector_deals``."""
        raw = self._hamt.get(uint_key(provider))
        if raw is None:
            return SectorDealsMap(self._store)
        return SectorDealsMap(self._store, as_cid(raw, f"market sectors of f0{provider}"))

    def save_sector_deals(self, provider: int, sector_deals: SectorDealsMap) -> None:
        """Store a provider's sectors, dropping the provider when it has none left."""
        if sector_deals.is_empty():
            self._hamt.delete(uint_key(provider))
        else:
            self._hamt.set(uint_key(provider), sector_deals.flush())

    def providers(self) -> Iterator[int]:
        """The providers with sectors recorded."""
        for key in self._hamt:
            yield uint_of_key(key, "market provider sectors")

    def flush(self) -> CID:
        """Write changes; the root."""
        return self._hamt.flush()
