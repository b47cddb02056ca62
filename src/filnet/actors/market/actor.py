"""The storage market actor's methods (builtin-actors ``fil_actor_market::Actor``).

Clients and providers keep escrow here. A provider's worker or control address publishes deals its clients
signed; publishing locks the client's fee and collateral and the provider's collateral, and for a verified
deal moves the client's datacap to the verified registry as an allocation. The provider's miner activates
deals in sectors (``BatchActivateDeals`` or FIP-0076 ``SectorContentChanged``) before their start epoch, and
tells the market when sectors are terminated. Payments are settled on request (``SettleDealPayments``); cron
only cleans up deals never activated in time and settles deals scheduled before explicit settlement existed.

Events are emitted after the state transaction that causes them (a runtime may not emit inside one); a call
that fails drops them with the rest of its effects, so the order among events is the only thing that shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, TypeVar

from filnet.actors import manifest
from filnet.actors.account.actor import AuthenticateMessageParams
from filnet.actors.account.methods import Method as AccountMethod
from filnet.actors.batch_return import BatchReturnGen
from filnet.actors.datacap.methods import Method as DatacapMethod
from filnet.actors.datacap.types import TransferFromParams, TransferFromReturn
from filnet.actors.encoding import as_bool, as_token, as_uint
from filnet.actors.market import emit
from filnet.actors.market.methods import Method
from filnet.actors.market.policy import (
    DEAL_MAX_LABEL_SIZE,
    deal_client_collateral_bounds,
    deal_duration_bounds,
    deal_price_per_epoch_bounds,
    deal_provider_collateral_bounds,
)
from filnet.actors.market.state import (
    EPOCH_UNDEFINED,
    BalanceTable,
    DealArray,
    DealMetaArray,
    DealOpsByEpoch,
    DealProposal,
    DealState,
    MarketState,
    PendingDealAllocationsMap,
    PendingProposalsSet,
    ProposalExpired,
    TooEarly,
    empty_state,
    get_proposal,
)
from filnet.actors.market.types import (
    EX_DEAL_EXPIRED,
    EX_DEAL_NOT_ACTIVATED,
    MARKET_NOTIFY_DEAL_METHOD,
    NO_ALLOCATION_ID,
    ActivatedDeal,
    AddBalanceParams,
    BatchActivateDealsParams,
    BatchActivateDealsResult,
    ClientDealProposal,
    DealQueryParams,
    DealSettlementSummary,
    GetBalanceParams,
    GetBalanceReturn,
    GetDealActivationReturn,
    GetDealClientCollateralReturn,
    GetDealClientReturn,
    GetDealDataCommitmentReturn,
    GetDealLabelReturn,
    GetDealProviderCollateralReturn,
    GetDealProviderReturn,
    GetDealSectorReturn,
    GetDealTermReturn,
    GetDealTotalPriceReturn,
    GetDealVerifiedReturn,
    MarketNotifyDealParams,
    OnMinerSectorsTerminateParams,
    PublishStorageDealsParams,
    PublishStorageDealsReturn,
    SectorDealActivation,
    SettleDealPaymentsParams,
    SettleDealPaymentsReturn,
    VerifyDealsForActivationParams,
    VerifyDealsForActivationReturn,
    WithdrawBalanceParams,
    WithdrawBalanceReturn,
)
from filnet.actors.miner.types import (
    GetControlAddressesReturn,
    IsControllingAddressParam,
    IsControllingAddressReturn,
    PieceReturn,
    SectorContentChangedParams,
    SectorContentChangedReturn,
    SectorReturn,
)
from filnet.actors.power.methods import Method as PowerMethod
from filnet.actors.power.types import CurrentTotalPowerReturn
from filnet.actors.reward.methods import Method as RewardMethod
from filnet.actors.reward.types import ThisEpochRewardReturn
from filnet.actors.shared import METHOD_SEND
from filnet.actors.singletons import (
    BURNT_FUNDS_ACTOR,
    CRON_ACTOR,
    DATACAP_TOKEN_ACTOR,
    REWARD_ACTOR,
    STORAGE_POWER_ACTOR,
    SYSTEM_ACTOR,
    VERIFIED_REGISTRY_ACTOR,
)
from filnet.actors.verifreg.types import AllocationRequest, AllocationRequests, AllocationsResponse
from filnet.core.address import Address, Protocol
from filnet.core.frc42 import method_number
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch
from filnet.errors import DecodeError, FilnetError
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.bitfield import BitField
from filnet.ipld.cid import CID
from filnet.proofs.onchain import PieceInfo
from filnet.vm.dispatch import ActorCode, Handler
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime, decode_params, require_no_params

T = TypeVar("T")
A = TypeVar("A")

#: The miner methods the market calls (builtin-actors ``ext::miner``).
MINER_CONTROL_ADDRESSES_METHOD: Final = 2
MINER_IS_CONTROLLING_ADDRESS_EXPORTED: Final = method_number("IsControllingAddress")
#: Sector sizes of fvm_shared's seal proof types, which come in fives from 2 KiB to 64 GiB (V1, V1_1,
#: V1_1 synthetic PoRep, V1_2 NI-PoRep: 0-19).
_SEAL_SECTOR_SIZES: Final = (2 << 10, 8 << 20, 512 << 20, 32 << 30, 64 << 30)
_SEAL_PROOF_TYPES: Final = 20
#: Cron processes a span of this many epochs or fewer one epoch at a time, and a longer one (a market
#: whose cron has not run for a while) by the scheduled epochs in that span: the same deals, in the same
#: order, without a HAMT lookup for every empty epoch.
_CRON_EPOCH_SCAN_LIMIT: Final = 128


def _return_block(data: bytes, parse: Callable[[Any], T], what: str) -> T:
    """A send's return value (builtin-actors ``deserialize_block``): USR_ASSERTION_FAILED when there is
    none, USR_SERIALIZATION when it does not parse."""
    if not data:
        raise ActorError(ExitCode.USR_ASSERTION_FAILED, f"{what}: return expected")
    try:
        return parse(dagcbor.decode(data))
    except DecodeError as e:
        raise ActorError(ExitCode.USR_SERIALIZATION, f"{what}: {e}") from None


def _with_code(code: ExitCode, what: str, call: Callable[[Runtime, A], T], rt: Runtime, arg: A) -> T:
    """``call(rt, arg)``, any abort of which comes out with ``code`` instead (builtin-actors
    ``with_context_code``)."""
    try:
        return call(rt, arg)
    except ActorError as e:
        raise ActorError(code, f"{what}: {e.reason}") from None


def deal_cid(rt: Runtime, proposal: DealProposal) -> CID:
    """A proposal's CID, hashed by the runtime (blake2b-256 of its DAG-CBOR)."""
    return serialized_deal_cid(rt, proposal.encode())


def serialized_deal_cid(rt: Runtime, data: bytes) -> CID:
    """The CID of a serialized proposal."""
    return CID.v1(codecs.DAG_CBOR, multihash.BLAKE2B_256, rt.hash_blake2b(data))


def is_piece_cid(cid: CID) -> bool:
    """Whether ``cid`` is a v1 piece commitment (fil-commitment-unsealed, sha2-256-trunc254-padded)."""
    return (
        cid.version == 1
        and cid.codec == codecs.FIL_COMMITMENT_UNSEALED
        and cid.hash_code == multihash.SHA2_256_TRUNC254_PADDED
        and len(cid.digest) == 32
    )


def next_update_epoch(deal_id: int, interval: int, earliest: ChainEpoch) -> ChainEpoch:
    """The first epoch no sooner than ``earliest`` at which a deal is processed: each deal ID has a fixed
    offset (``deal_id % interval``) within every ``interval`` epochs, which spreads deals over the epochs."""
    offset = deal_id % interval
    shifted = earliest - offset
    # Rust's truncating division and remainder, as builtin-actors computes them
    quotient = abs(shifted) // interval * (1 if shifted >= 0 else -1)
    remainder = shifted - quotient * interval
    if remainder == 0 or shifted < 0:
        return ChainEpoch(interval * quotient + offset)
    return ChainEpoch(interval * (quotient + 1) + offset)


def _sector_size(sector_type: int) -> int:
    """The sector size of a seal proof type; USR_ILLEGAL_ARGUMENT for an unknown one."""
    if not 0 <= sector_type < _SEAL_PROOF_TYPES:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"sector size unknown: invalid proof type {sector_type}"
        )
    return _SEAL_SECTOR_SIZES[sector_type % len(_SEAL_SECTOR_SIZES)]


def _validate_piece_size(size: int) -> None:
    """fvm_shared ``PaddedPieceSize::validate``: at least 128 bytes and a power of two."""
    if size < 128:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, "proposal piece size is invalid: minimum piece size is 128 bytes"
        )
    if size & (size - 1):
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            "proposal piece size is invalid: padded piece size must be a power of 2",
        )


def _label_len(label: str | bytes) -> int:
    return len(label.encode()) if isinstance(label, str) else len(label)


def _id_of(address: Address) -> int:
    """The actor ID of an address stored normalised (proposals keep ID addresses)."""
    if address.protocol is not Protocol.ID:
        raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"stored address {address} is not an ID address")
    return address.id


# -- escrow ------------------------------------------------------------------------------------------


def constructor(rt: Runtime, raw: bytes) -> bytes:
    """Create the empty market (the system actor does, at genesis)."""
    require_no_params(raw, "market Constructor")
    rt.validate_immediate_caller_is(SYSTEM_ACTOR)
    rt.create_state(empty_state(rt.store))
    return b""


def add_balance(rt: Runtime, raw: bytes) -> bytes:
    """Credit the value sent to a client's or provider's escrow."""
    params = decode_params(raw, AddBalanceParams.from_ipld, "market AddBalance")
    value = rt.value_received
    if value <= ZERO:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"balance to add must be greater than zero was: {value.atto}"
        )
    rt.validate_immediate_caller_accept_any()
    nominal, _, _ = escrow_address(rt, params.provider_or_client)

    def credit(state: MarketState) -> tuple[MarketState, None]:
        return state.add_balance_to_escrow_table(rt.store, nominal, value), None

    rt.transaction(MarketState, credit)
    return b""


def withdraw_balance(rt: Runtime, raw: bytes) -> bytes:
    """Pay out up to the amount asked of a party's unlocked escrow: a client's to itself (only it may ask),
    a provider's to its owner (its owner or worker may ask)."""
    params = decode_params(raw, WithdrawBalanceParams.from_ipld, "market WithdrawBalance")
    if params.amount < ZERO:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"negative amount: {params.amount.atto}")
    nominal, recipient, approved = escrow_address(rt, params.provider_or_client)
    rt.validate_immediate_caller_is(*approved)

    def withdraw(state: MarketState) -> tuple[MarketState, TokenAmount]:
        return state.withdraw_balance_from_escrow_table(rt.store, nominal, params.amount)

    extracted = rt.transaction(MarketState, withdraw)
    rt.send(recipient, METHOD_SEND, b"", extracted).unwrap("market withdrawal")
    return WithdrawBalanceReturn(extracted).encode()


def get_balance(rt: Runtime, raw: bytes) -> bytes:
    """A party's escrow and the part of it locked."""
    params = decode_params(raw, GetBalanceParams.from_ipld, "market GetBalance")
    rt.validate_immediate_caller_accept_any()
    account = rt.resolve_address(params.account)
    if account is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"failed to resolve address {params.account}")
    state = rt.state(MarketState)
    balance = BalanceTable(rt.store, state.escrow_table).get(account)
    locked = BalanceTable(rt.store, state.locked_table).get(account)
    return GetBalanceReturn(balance, locked).encode()


def escrow_address(rt: Runtime, address: Address) -> tuple[Address, Address, list[Address]]:
    """The ID address a party's escrow is held under, where its withdrawals go, and who may withdraw: a
    miner's owner receives and its owner or worker may ask; any other actor is all three itself."""
    nominal = rt.resolve_address(address)
    if nominal is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"failed to resolve address {address}")
    name = rt.actor_name(nominal)
    if name is None:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"no code for address {nominal}")
    if name == manifest.MINER:
        owner, worker, _ = request_miner_control_addrs(rt, nominal)
        return nominal, owner, [owner, worker]
    return nominal, nominal, [nominal]


def request_miner_control_addrs(rt: Runtime, miner: Address) -> tuple[Address, Address, list[Address]]:
    """A miner's owner, worker and control addresses."""
    result = rt.send(miner, MINER_CONTROL_ADDRESSES_METHOD, b"", ZERO).unwrap("miner ControlAddresses")
    ret = _return_block(result, GetControlAddressesReturn.from_ipld, "miner ControlAddresses")
    return ret.owner, ret.worker, list(ret.control_addresses)


# -- publishing ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ValidDeal:
    """A deal that passed every check, normalised to ID addresses, with its bytes and CID."""

    proposal: DealProposal
    serialized_proposal: bytes
    cid: CID


def publish_storage_deals(rt: Runtime, raw: bytes) -> bytes:
    """Publish signed deals of one provider; invalid deals are dropped (USR_ILLEGAL_ARGUMENT if all are)."""
    params = decode_params(raw, PublishStorageDealsParams.from_ipld, "market PublishStorageDeals")
    rt.validate_immediate_caller_accept_any()
    if not params.deals:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "Empty deals parameter")

    # all deals should have the same provider, so its controllers are asked once
    provider_raw = params.deals[0].proposal.provider
    provider = rt.resolve_address(provider_raw)
    if provider is None:
        raise ActorError(ExitCode.USR_NOT_FOUND, f"failed to resolve provider address {provider_raw}")
    provider_name = rt.actor_name(provider)
    if provider_name is None:
        raise ActorError(ExitCode.USR_NOT_FOUND, f"no code ID for address {provider}")
    if provider_name != manifest.MINER:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "deal provider is not a storage miner actor")
    caller = rt.caller
    status = _return_block(
        rt.send(
            provider, MINER_IS_CONTROLLING_ADDRESS_EXPORTED, IsControllingAddressParam(caller).encode(), ZERO
        ).unwrap("miner IsControllingAddress"),
        IsControllingAddressReturn.from_ipld,
        "miner IsControllingAddress",
    )
    if not status.is_controlling:
        raise ActorError(
            ExitCode.USR_FORBIDDEN, f"caller {caller} is not worker or control address of provider {provider}"
        )

    baseline_power = request_current_baseline_power(rt)
    network_raw_power, _ = request_current_network_power(rt)
    # checked before the state is read: AuthenticateMessage may call back into the market
    validity = [_deal_is_valid(rt, deal, network_raw_power, baseline_power) for deal in params.deals]

    curr_epoch = rt.curr_epoch
    state = rt.state(MarketState)
    valid_deals: list[_ValidDeal] = []
    proposal_cids: set[CID] = set()
    total_client_lockup: dict[int, TokenAmount] = {}
    client_datacap_remaining: dict[int, TokenAmount] = {}
    client_alloc_reqs: dict[int, list[tuple[CID, AllocationRequest]]] = {}
    total_provider_lockup = ZERO
    valid_indices: list[int] = []

    # the state does not change during the checks: its tables are loaded once
    escrow = BalanceTable(rt.store, state.escrow_table)
    locked = BalanceTable(rt.store, state.locked_table)
    pending_proposals = PendingProposalsSet(rt.store, state.pending_proposals)

    def balance_covered(party: Address, amount_to_lock: TokenAmount) -> bool:
        return locked.get(party) + amount_to_lock <= escrow.get(party)

    for index, deal in enumerate(params.deals):
        if not validity[index]:
            continue
        proposal = deal.proposal
        if proposal.provider != provider and proposal.provider != provider_raw:
            continue  # a batch publishes deals of a single provider
        client = rt.resolve_address(proposal.client)
        if client is None:
            continue
        client_lockup = total_client_lockup.get(client.id, ZERO) + proposal.client_balance_requirement()
        if not balance_covered(client, client_lockup):
            continue
        provider_lockup = total_provider_lockup + proposal.provider_collateral
        if not balance_covered(provider, provider_lockup):
            continue
        # the proposal stored on chain (and its CID) uses ID addresses; the signature was over the original
        proposal = replace(proposal, provider=provider, client=client)
        serialized = proposal.encode()
        pcid = serialized_deal_cid(rt, serialized)
        if pcid in proposal_cids or pending_proposals.has(pcid):
            continue
        if proposal.verified_deal:
            remaining = client_datacap_remaining.get(client.id)
            if remaining is None:
                remaining = _with_code(
                    ExitCode.USR_NOT_FOUND,
                    f"failed to get datacap balance for client {client.id}",
                    balance_of,
                    rt,
                    client,
                )
            required = TokenAmount.from_fil(proposal.piece_size)
            if remaining < required:
                client_datacap_remaining[client.id] = remaining
                continue
            client_datacap_remaining[client.id] = remaining - required
            request = alloc_request_for_deal(proposal, rt, curr_epoch)
            client_alloc_reqs.setdefault(client.id, []).append((pcid, request))
        total_provider_lockup = provider_lockup
        total_client_lockup[client.id] = client_lockup
        proposal_cids.add(pcid)
        valid_deals.append(_ValidDeal(proposal, serialized, pcid))
        valid_indices.append(index)

    # one datacap transfer per client (in client ID order), each making that client's allocations
    deal_allocation_ids: dict[CID, int] = {}
    for client_id in sorted(client_alloc_reqs):
        cids_and_reqs = client_alloc_reqs[client_id]
        transfer = datacap_transfer_request(Address.new_id(client_id), [req for _, req in cids_and_reqs])
        alloc_ids = _with_code(
            ExitCode.USR_ILLEGAL_STATE,
            f"failed to transfer datacap from client {client_id}",
            transfer_from,
            rt,
            transfer,
        )
        if len(alloc_ids) != len(cids_and_reqs):
            raise ActorError(
                ExitCode.USR_ILLEGAL_STATE,
                f"datacap transfer returned {len(alloc_ids)} allocation IDs "
                f"for {len(cids_and_reqs)} requests",
            )
        for (cid, _), alloc_id in zip(cids_and_reqs, alloc_ids, strict=True):
            deal_allocation_ids[cid] = alloc_id

    if not valid_deals:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "All deal proposals invalid")

    def publish(state: MarketState) -> tuple[MarketState, list[int]]:
        pending: list[CID] = []
        proposals: list[tuple[int, DealProposal]] = []
        by_epoch: list[tuple[int, int]] = []
        allocations: list[tuple[int, int]] = []
        ids: list[int] = []
        state = state.lock_balances_of_deals(rt.store, [valid.proposal for valid in valid_deals])
        for valid in valid_deals:
            pending.append(valid.cid)
            state, deal_id = state.generate_storage_deal_id()
            proposals.append((deal_id, valid.proposal))
            alloc_id = deal_allocation_ids.get(valid.cid)
            if alloc_id is not None:
                allocations.append((deal_id, alloc_id))
            # a pseudo-random first processing epoch, so that no one can crowd many deals into one cron tick
            interval = rt.policy.deal_updates_interval
            by_epoch.append((next_update_epoch(deal_id, interval, valid.proposal.start_epoch), deal_id))
            ids.append(deal_id)
        state = state.put_pending_deals(rt.store, pending)
        state = state.put_deal_proposals(rt.store, proposals)
        state = state.put_pending_deal_allocation_ids(rt.store, allocations)
        state = state.put_deals_by_epoch(rt.store, by_epoch)
        return state, ids

    new_deal_ids = rt.transaction(MarketState, publish)

    # a client must hear of every deal made in its name, so a failed notification fails the publication
    for valid, deal_id in zip(valid_deals, new_deal_ids, strict=True):
        notify = MarketNotifyDealParams(valid.serialized_proposal, deal_id).encode()
        result = rt.send(valid.proposal.client, MARKET_NOTIFY_DEAL_METHOD, notify, ZERO)
        if not result.ok:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"failed to notify deal with proposal cid {valid.cid}: exit code {int(result.exit_code)}",
            )
        emit.deal_published(rt, valid.proposal.client.id, valid.proposal.provider.id, deal_id)

    return PublishStorageDealsReturn(tuple(new_deal_ids), BitField.from_indices(valid_indices)).encode()


def _deal_is_valid(
    rt: Runtime, deal: ClientDealProposal, network_raw_power: int, baseline_power: int
) -> bool:
    """Whether a deal passes the checks that need no state (a failure only drops the deal)."""
    try:
        validate_deal(rt, deal, network_raw_power, baseline_power)
    except ActorError:
        return False
    return True


def validate_deal(rt: Runtime, deal: ClientDealProposal, network_raw_power: int, baseline_power: int) -> None:
    """Abort unless a deal is signed by its client and its terms are within bounds."""
    deal_proposal_is_internally_valid(rt, deal)
    proposal = deal.proposal
    label_size = _label_len(proposal.label)
    if label_size > DEAL_MAX_LABEL_SIZE:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"deal label can be at most {DEAL_MAX_LABEL_SIZE} bytes, is {label_size}",
        )
    _validate_piece_size(proposal.piece_size)
    if not is_piece_cid(proposal.piece_cid):
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "proposal PieceCID undefined")
    if proposal.end_epoch <= proposal.start_epoch:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "proposal end before proposal start")
    if rt.curr_epoch > proposal.start_epoch:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "Deal start epoch has already elapsed.")
    min_duration, max_duration = deal_duration_bounds(rt.policy, proposal.piece_size)
    if not min_duration <= proposal.duration() <= max_duration:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "Deal duration out of bounds.")
    min_price, max_price = deal_price_per_epoch_bounds(proposal.piece_size, proposal.duration())
    if not min_price <= proposal.storage_price_per_epoch <= max_price:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "Storage price out of bounds.")
    min_provider, max_provider = deal_provider_collateral_bounds(
        rt.policy, proposal.piece_size, network_raw_power, baseline_power, rt.total_fil_circ_supply
    )
    if not min_provider <= proposal.provider_collateral <= max_provider:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "Provider collateral out of bounds.")
    min_client, max_client = deal_client_collateral_bounds(proposal.piece_size, proposal.duration())
    if not min_client <= proposal.client_collateral <= max_client:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "Client collateral out of bounds.")


def deal_proposal_is_internally_valid(rt: Runtime, deal: ClientDealProposal) -> None:
    """Abort unless the client's account (FRC-42 ``AuthenticateMessage``) accepts the signature over the
    proposal's DAG-CBOR bytes."""
    params = AuthenticateMessageParams(deal.client_signature.data, deal.proposal.encode())
    result = rt.send(
        deal.proposal.client,
        AccountMethod.AUTHENTICATE_MESSAGE_EXPORTED,
        dagcbor.encode(params.to_ipld()),
        ZERO,
    )
    data = result.unwrap("proposal authentication failed")
    if not _return_block(data, lambda v: as_bool(v, "AuthenticateMessage return"), "proposal authentication"):
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "proposal authentication failed")


def request_current_baseline_power(rt: Runtime) -> int:
    """This epoch's baseline power, from the reward actor."""
    data = rt.send(REWARD_ACTOR, RewardMethod.THIS_EPOCH_REWARD, b"", ZERO).unwrap("reward ThisEpochReward")
    return _return_block(
        data, ThisEpochRewardReturn.from_ipld, "reward ThisEpochReward"
    ).this_epoch_baseline_power


def request_current_network_power(rt: Runtime) -> tuple[int, int]:
    """The network's raw and quality-adjusted power, from the power actor."""
    data = rt.send(STORAGE_POWER_ACTOR, PowerMethod.CURRENT_TOTAL_POWER, b"", ZERO).unwrap(
        "power CurrentTotalPower"
    )
    ret = _return_block(data, CurrentTotalPowerReturn.from_ipld, "power CurrentTotalPower")
    return ret.raw_byte_power, ret.quality_adj_power


def alloc_request_for_deal(deal: DealProposal, rt: Runtime, curr_epoch: ChainEpoch) -> AllocationRequest:
    """The verified allocation a deal asks for: its piece, terms from its duration up to the default
    buffer beyond (capped), expiring at its start (or the latest expiration allowed, if sooner)."""
    policy = rt.policy
    term_min = deal.end_epoch - deal.start_epoch
    term_max = min(
        term_min + policy.market_default_allocation_term_buffer, policy.maximum_verified_allocation_term
    )
    expiration = min(deal.start_epoch, curr_epoch + policy.maximum_verified_allocation_expiration)
    return AllocationRequest(
        provider=ActorID(_id_of(deal.provider)),
        data=deal.piece_cid,
        size=deal.piece_size,
        term_min=ChainEpoch(term_min),
        term_max=ChainEpoch(term_max),
        expiration=ChainEpoch(expiration),
    )


def datacap_transfer_request(client: Address, alloc_reqs: Sequence[AllocationRequest]) -> TransferFromParams:
    """The datacap transfer from a client to the verified registry paying for these allocations (one whole
    token per byte)."""
    required = sum(r.size for r in alloc_reqs)
    return TransferFromParams(
        from_=client,
        to=VERIFIED_REGISTRY_ACTOR,
        amount=TokenAmount.from_fil(required),
        operator_data=AllocationRequests(allocations=tuple(alloc_reqs), extensions=()).encode(),
    )


def transfer_from(rt: Runtime, params: TransferFromParams) -> list[int]:
    """Transfer datacap (the market is the operator); the IDs of the allocations the registry made."""
    data = rt.send(DATACAP_TOKEN_ACTOR, DatacapMethod.TRANSFER_FROM_EXPORTED, params.encode(), ZERO).unwrap(
        "datacap TransferFrom"
    )
    ret = _return_block(data, TransferFromReturn.from_ipld, "datacap TransferFrom")
    try:
        allocations = AllocationsResponse.decode(ret.recipient_data)
    except DecodeError as e:
        raise ActorError(ExitCode.USR_SERIALIZATION, f"allocations response: {e}") from None
    return list(allocations.new_allocations)


def balance_of(rt: Runtime, owner: Address) -> TokenAmount:
    """A party's datacap balance."""
    data = rt.send(
        DATACAP_TOKEN_ACTOR, DatacapMethod.BALANCE_EXPORTED, dagcbor.encode(bytes(owner)), ZERO
    ).unwrap(f"datacap balance of {owner}")
    return _return_block(data, lambda v: as_token(v, "datacap Balance return"), "datacap Balance")


# -- activation ------------------------------------------------------------------------------------------


def verify_deals_for_activation(rt: Runtime, raw: bytes) -> bytes:
    """Check that each sector's deals may be activated by the calling miner and fit, and compute the
    unsealed CID of each sector that has deals."""
    params = decode_params(raw, VerifyDealsForActivationParams.from_ipld, "market VerifyDealsForActivation")
    rt.validate_immediate_caller_type(manifest.MINER)
    miner = rt.caller
    curr_epoch = rt.curr_epoch
    state = rt.state(MarketState)
    proposals = DealArray(rt.store, state.proposals)
    unsealed_cids: list[CID | None] = []
    for sector in params.sectors:
        sector_proposals = _get_proposals(proposals, sector.deal_ids, state.next_id)
        sector_size = _sector_size(sector.sector_type)
        validate_deals_for_sector(sector_proposals, miner, sector.sector_expiry, curr_epoch, sector_size)
        if not sector.deal_ids:
            unsealed_cids.append(None)
        else:
            unsealed_cids.append(
                compute_data_commitment(rt, [p for _, p in sector_proposals], sector.sector_type)
            )
    return VerifyDealsForActivationReturn(tuple(unsealed_cids)).encode()


def _get_proposals(
    proposals: DealArray, deal_ids: Sequence[int], next_id: int
) -> list[tuple[int, DealProposal]]:
    """The proposals of a sector's deals; USR_ILLEGAL_ARGUMENT for a repeated deal."""
    found: list[tuple[int, DealProposal]] = []
    seen: set[int] = set()
    for deal_id in deal_ids:
        if deal_id in seen:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"duplicate deal ID {deal_id} in sector")
        seen.add(deal_id)
        found.append((deal_id, get_proposal(proposals, deal_id, next_id)))
    return found


def compute_data_commitment(rt: Runtime, proposals: Sequence[DealProposal], sector_type: int) -> CID:
    """The unsealed CID of a sector holding these deals' pieces in order."""
    pieces = [PieceInfo(size=p.piece_size, cid=p.piece_cid) for p in proposals]
    return rt.compute_unsealed_sector_cid(sector_type, pieces)


def validate_deals_for_sector(
    proposals: Sequence[tuple[int, DealProposal]],
    miner: Address,
    sector_expiry: ChainEpoch,
    sector_activation: ChainEpoch,
    sector_size: int | None,
) -> None:
    """Abort unless every deal may be activated now by ``miner`` and together they fit in the sector."""
    total = 0
    for deal_id, proposal in proposals:
        try:
            validate_deal_can_activate(proposal, miner, sector_expiry, sector_activation)
        except ActorError as e:
            raise ActorError(e.exit_code, f"cannot activate deal {deal_id}: {e.reason}") from None
        total += proposal.piece_size
    if sector_size is not None and total > sector_size:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"deals too large to fit in sector {total} > {sector_size}"
        )


def validate_deal_can_activate(
    proposal: DealProposal, miner: Address, sector_expiration: ChainEpoch, curr_epoch: ChainEpoch
) -> None:
    """Abort unless ``miner`` is the deal's provider, its start has not passed and it ends by the sector's
    expiration."""
    if proposal.provider != miner:
        raise ActorError(
            ExitCode.USR_FORBIDDEN, f"proposal has provider {proposal.provider}, must be {miner}"
        )
    if curr_epoch > proposal.start_epoch:
        # the code of a proposal already cleaned up from state
        raise ActorError(
            EX_DEAL_EXPIRED,
            f"proposal start epoch {proposal.start_epoch} has already elapsed at {curr_epoch}",
        )
    if proposal.end_epoch > sector_expiration:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            f"proposal expiration {proposal.end_epoch} exceeds sector expiration {sector_expiration}",
        )


@dataclass
class _Activation:
    """The collections an activation reads, loaded once, and what it changes."""

    proposals: DealArray
    states: DealMetaArray
    pending: PendingProposalsSet
    allocations: PendingDealAllocationsMap


def _preactivate_deal(
    rt: Runtime,
    deal_id: int,
    tables: _Activation,
    provider: Address,
    sector_commitment: ChainEpoch,
    curr_epoch: ChainEpoch,
    next_id: int,
) -> DealProposal | ActorError:
    """The proposal of a deal ready to activate, or why it is not (an error returned fails this deal;
    one raised aborts the call)."""
    try:
        proposal = get_proposal(tables.proposals, deal_id, next_id)
    except ActorError as e:
        if e.exit_code in (ExitCode.USR_NOT_FOUND, EX_DEAL_EXPIRED):
            return e
        raise
    try:
        validate_deal_can_activate(proposal, provider, sector_commitment, curr_epoch)
    except ActorError as e:
        return ActorError(e.exit_code, f"cannot activate deal {deal_id}: {e.reason}")
    if tables.states.get(deal_id) is not None:
        return ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"deal {deal_id} already activated")
    # a proposal with no state must still be pending: the set is what stops a deal being published twice
    dcid = deal_cid(rt, proposal)
    if not tables.pending.has(dcid):
        return ActorError(ExitCode.USR_ILLEGAL_STATE, f"deal {dcid} is not in pending set")
    return proposal


def _load_activation(rt: Runtime, state: MarketState) -> _Activation:
    if state.pending_deal_allocation_ids is None:
        raise ActorError(ExitCode.USR_ILLEGAL_STATE, "market state predates pending deal allocations")
    return _Activation(
        DealArray(rt.store, state.proposals),
        DealMetaArray(rt.store, state.states),
        PendingProposalsSet(rt.store, state.pending_proposals),
        PendingDealAllocationsMap(rt.store, state.pending_deal_allocation_ids),
    )


def _new_deal_state(sector_number: int, curr_epoch: ChainEpoch) -> DealState:
    return DealState(sector_number, curr_epoch, EPOCH_UNDEFINED, EPOCH_UNDEFINED)


def batch_activate_deals(rt: Runtime, raw: bytes) -> bytes:
    """Activate deals grouped by sector: a sector's deals all activate or none do, independently of the
    other sectors; optionally compute each sector's unsealed CID."""
    params = decode_params(raw, BatchActivateDealsParams.from_ipld, "market BatchActivateDeals")
    rt.validate_immediate_caller_type(manifest.MINER)
    miner = rt.caller
    curr_epoch = rt.curr_epoch
    events: list[tuple[int, DealProposal]] = []

    def activate(state: MarketState) -> tuple[MarketState, BatchActivateDealsResult]:
        tables = _load_activation(rt, state)
        deal_states: list[tuple[int, DealState]] = []
        batch = BatchReturnGen(len(params.sectors))
        activations: list[SectorDealActivation] = []
        activated_deals: set[int] = set()
        sectors_deals: list[tuple[int, Sequence[int]]] = []
        for sector in params.sectors:
            if len(set(sector.deal_ids)) != len(sector.deal_ids):
                batch.add_fail(ExitCode.USR_ILLEGAL_ARGUMENT)
                continue
            validated = _validate_sector_deals(
                rt,
                sector.deal_ids,
                tables,
                miner,
                sector.sector_expiry,
                curr_epoch,
                state.next_id,
                activated_deals,
            )
            if isinstance(validated, ExitCode):
                batch.add_fail(validated)
                continue
            # every deal of the sector is good: from here on nothing may fail but the whole call
            activated: list[ActivatedDeal] = []
            for deal_id, proposal in zip(sector.deal_ids, validated, strict=True):
                activated_deals.add(deal_id)
                alloc_id = tables.allocations.delete(deal_id)
                activated.append(
                    ActivatedDeal(
                        _id_of(proposal.client),
                        NO_ALLOCATION_ID if alloc_id is None else alloc_id,
                        proposal.piece_cid,
                        proposal.piece_size,
                    )
                )
                deal_states.append((deal_id, _new_deal_state(sector.sector_number, curr_epoch)))
            unsealed = None
            if params.compute_cid and sector.deal_ids:
                unsealed = compute_data_commitment(rt, validated, sector.sector_type)
            sectors_deals.append((sector.sector_number, sector.deal_ids))
            activations.append(SectorDealActivation(tuple(activated), unsealed))
            events.extend(zip(sector.deal_ids, validated, strict=True))
            batch.add_success()
        state = state.put_deal_states(rt.store, deal_states)
        state = state.put_sector_deal_ids(rt.store, _id_of(miner), sectors_deals)
        state = replace(state, pending_deal_allocation_ids=tables.allocations.flush())
        return state, BatchActivateDealsResult(batch.generate(), tuple(activations))

    result = rt.transaction(MarketState, activate)
    for deal_id, proposal in events:
        emit.deal_activated(rt, deal_id, _id_of(proposal.client), _id_of(proposal.provider))
    return result.encode()


def _validate_sector_deals(
    rt: Runtime,
    deal_ids: Sequence[int],
    tables: _Activation,
    miner: Address,
    sector_expiry: ChainEpoch,
    curr_epoch: ChainEpoch,
    next_id: int,
    activated_deals: set[int],
) -> list[DealProposal] | ExitCode:
    """The proposals of a sector's deals, all ready to activate, or the code the first bad one fails with
    (a deal already activated by this call counts as bad)."""
    validated: list[DealProposal] = []
    for deal_id in deal_ids:
        if deal_id in activated_deals:
            return ExitCode.USR_ILLEGAL_ARGUMENT
        found = _preactivate_deal(rt, deal_id, tables, miner, sector_expiry, curr_epoch, next_id)
        if isinstance(found, ActorError):
            return found.exit_code
        validated.append(found)
    return validated


def sector_content_changed(rt: Runtime, raw: bytes) -> bytes:
    """Activate the deals named by pieces a miner has put in sectors (FIP-0076): each piece's payload is a
    deal ID, and each piece is accepted or not on its own."""
    params = decode_params(raw, SectorContentChangedParams.from_ipld, "market SectorContentChanged")
    rt.validate_immediate_caller_type(manifest.MINER)
    miner = rt.caller
    curr_epoch = rt.curr_epoch
    events: list[tuple[int, DealProposal]] = []

    def activate(state: MarketState) -> tuple[MarketState, SectorContentChangedReturn]:
        tables = _load_activation(rt, state)
        deal_states: list[tuple[int, DealState]] = []
        activated_deals: set[int] = set()
        sectors_deals: list[tuple[int, Sequence[int]]] = []
        sectors_ret: list[SectorReturn] = []
        for sector in params.sectors:
            sector_deal_ids: list[int] = []
            pieces_ret: list[PieceReturn] = []
            for piece in sector.added:
                deal_id = _payload_deal_id(piece.payload)
                accepted = False
                if deal_id is not None and deal_id not in activated_deals:
                    found = _preactivate_deal(
                        rt, deal_id, tables, miner, sector.minimum_commitment_epoch, curr_epoch, state.next_id
                    )
                    if (
                        isinstance(found, DealProposal)
                        and piece.data == found.piece_cid
                        and piece.size == found.piece_size
                    ):
                        activated_deals.add(deal_id)
                        events.append((deal_id, found))
                        tables.allocations.delete(deal_id)
                        deal_states.append((deal_id, _new_deal_state(sector.sector, curr_epoch)))
                        sector_deal_ids.append(deal_id)
                        accepted = True
                pieces_ret.append(PieceReturn(accepted=accepted))
            sectors_deals.append((sector.sector, sector_deal_ids))
            sectors_ret.append(SectorReturn(added=tuple(pieces_ret)))
        state = state.put_deal_states(rt.store, deal_states)
        state = state.put_sector_deal_ids(rt.store, _id_of(miner), sectors_deals)
        state = replace(state, pending_deal_allocation_ids=tables.allocations.flush())
        return state, SectorContentChangedReturn(sectors=tuple(sectors_ret))

    result = rt.transaction(MarketState, activate)
    for deal_id, proposal in events:
        emit.deal_activated(rt, deal_id, _id_of(proposal.client), _id_of(proposal.provider))
    return result.encode()


def _payload_deal_id(payload: bytes) -> int | None:
    """The deal ID a piece's payload carries (a CBOR unsigned integer), or None if it carries none."""
    try:
        return as_uint(dagcbor.decode(payload), "piece payload deal ID")
    except DecodeError:
        return None


# -- termination, cron, settlement ----------------------------------------------------------------------


def on_miner_sectors_terminate(rt: Runtime, raw: bytes) -> bytes:
    """Terminate the deals of a miner's terminated sectors: pay the provider up to the termination epoch,
    return the client's remaining fee and collateral, and burn the provider's collateral. Deals already
    past their end are left for settlement."""
    params = decode_params(raw, OnMinerSectorsTerminateParams.from_ipld, "market OnMinerSectorsTerminate")
    rt.validate_immediate_caller_type(manifest.MINER)
    miner = rt.caller
    events: list[tuple[int, DealProposal]] = []

    def terminate(state: MarketState) -> tuple[MarketState, TokenAmount]:
        proposals = DealArray(rt.store, state.proposals)
        states = DealMetaArray(rt.store, state.states)
        # the sector -> deals entries all go now; the deal states carry their sector numbers
        state, deal_ids = state.pop_sector_deal_ids(rt.store, _id_of(miner), iter(params.sectors))
        total_slashed = ZERO
        for deal_id in deal_ids:
            deal = proposals.get(deal_id)
            if deal is None:
                continue  # expired and cleaned up before the sector was terminated
            if deal.provider != miner:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_STATE,
                    f"caller {miner} is not the provider {deal.provider} of deal {deal_id}",
                )
            if deal.end_epoch <= params.epoch:
                continue  # expired: not slashed
            deal_state = states.get(deal_id)
            if deal_state is None:
                raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"no state for deal {deal_id}")
            if deal_state.last_updated_epoch == EPOCH_UNDEFINED:
                # never processed, so its proposal may still be pending
                state, _ = state.remove_pending_deal(rt.store, deal_cid(rt, deal))
            deal_state = replace(deal_state, slash_epoch=params.epoch)
            state, slashed = state.process_slashed_deal(rt.store, deal, deal_state)
            total_slashed = total_slashed + slashed
            state = state.remove_completed_deal(rt.store, deal_id)
            events.append((deal_id, deal))
        return state, total_slashed

    burn_amount = rt.transaction(MarketState, terminate)
    for deal_id, deal in events:
        emit.deal_terminated(rt, deal_id, _id_of(deal.client), _id_of(deal.provider))
    if burn_amount > ZERO:
        rt.send(BURNT_FUNDS_ACTOR, METHOD_SEND, b"", burn_amount).unwrap("burn of slashed collateral")
    return b""


def _cron_epochs(ops: DealOpsByEpoch, last_cron: ChainEpoch, curr_epoch: ChainEpoch) -> Iterator[int]:
    """The epochs after ``last_cron`` up to ``curr_epoch`` that may hold scheduled deals, ascending."""
    if curr_epoch - last_cron <= _CRON_EPOCH_SCAN_LIMIT:
        yield from range(last_cron + 1, curr_epoch + 1)
    else:
        yield from sorted(e for e in ops.epochs() if last_cron < e <= curr_epoch)


def cron_tick(rt: Runtime, raw: bytes) -> bytes:
    """Process the deals scheduled up to this epoch: clean up and slash those never activated by their
    start, drop the pending marks of those activated, and settle (and reschedule) legacy deals."""
    require_no_params(raw, "market CronTick")
    rt.validate_immediate_caller_is(CRON_ACTOR)
    curr_epoch = rt.curr_epoch
    events: list[tuple[str, int, DealProposal]] = []

    def tick(state: MarketState) -> tuple[MarketState, TokenAmount]:
        amount_slashed = ZERO
        to_remove: dict[int, dict[int, list[int]]] = {}
        rescheduled: dict[int, list[int]] = {}
        epochs_done: list[int] = []
        ops = DealOpsByEpoch(rt.store, state.deal_ops_by_epoch)
        for epoch in _cron_epochs(ops, state.last_cron, curr_epoch):
            for deal_id in ops.get(epoch):
                proposal = state.find_proposal(rt.store, deal_id)
                if proposal is None:
                    continue  # settled or terminated before this tick came
                dcid = deal_cid(rt, proposal)
                state, loaded = state.get_active_deal_or_process_timeout(
                    rt.store, curr_epoch, deal_id, proposal, dcid
                )
                if isinstance(loaded, ProposalExpired):
                    amount_slashed = amount_slashed + loaded.slashed
                    continue
                if isinstance(loaded, TooEarly):
                    raise ActorError(
                        ExitCode.USR_ILLEGAL_STATE,
                        f"deal {deal_id} processed before start epoch {proposal.start_epoch}",
                    )
                deal_state = loaded.deal_state
                if deal_state.last_updated_epoch == EPOCH_UNDEFINED:
                    state, removed = state.remove_pending_deal(rt.store, dcid)
                    if not removed:
                        raise ActorError(
                            ExitCode.USR_ILLEGAL_STATE, "failed to delete pending proposal: does not exist"
                        )
                    # activated deals are settled explicitly, not by cron
                    continue
                # legacy deals, scheduled before explicit settlement, are still settled here
                state, slash_amount, _, completed, remove = state.process_deal_update(
                    rt.store, deal_state, proposal, dcid, curr_epoch
                )
                if remove:
                    amount_slashed = amount_slashed + slash_amount
                    state = state.remove_completed_deal(rt.store, deal_id)
                    sector = deal_state.sector_number or 0
                    to_remove.setdefault(_id_of(proposal.provider), {}).setdefault(sector, []).append(deal_id)
                    if not completed:
                        events.append(("deal-terminated", deal_id, proposal))
                else:
                    if slash_amount:
                        raise ActorError(
                            ExitCode.USR_ILLEGAL_STATE, f"continuing deal {deal_id} should not be slashed"
                        )
                    state = state.put_deal_states(
                        rt.store, [(deal_id, replace(deal_state, last_updated_epoch=curr_epoch))]
                    )
                    # the next update is at this deal's offset, not at its start or end, for the same spread
                    next_epoch = next_update_epoch(
                        deal_id, rt.policy.deal_updates_interval, ChainEpoch(curr_epoch + 1)
                    )
                    rescheduled.setdefault(next_epoch, []).append(deal_id)
                if completed:
                    events.append(("deal-completed", deal_id, proposal))
            epochs_done.append(epoch)
        # the sectors may hold other deals, so only these deals leave the sector mapping
        state = state.remove_sector_deal_ids(rt.store, to_remove)
        state = state.remove_deals_by_epoch(rt.store, epochs_done)
        state = state.put_batch_deals_by_epoch(rt.store, rescheduled)
        return replace(state, last_cron=curr_epoch), amount_slashed

    amount_slashed = rt.transaction(MarketState, tick)
    for kind, deal_id, proposal in events:
        rt.emit_event(emit.deal_event(kind, deal_id, _id_of(proposal.client), _id_of(proposal.provider)))
    if amount_slashed:
        rt.send(BURNT_FUNDS_ACTOR, METHOD_SEND, b"", amount_slashed).unwrap("burn of slashed collateral")
    return b""


def settle_deal_payments(rt: Runtime, raw: bytes) -> bytes:
    """Pay providers for their deals up to now (anyone may ask); finished deals are cleaned up, deals never
    activated in time are cleaned up and their providers slashed."""
    params = decode_params(raw, SettleDealPaymentsParams.from_ipld, "market SettleDealPayments")
    rt.validate_immediate_caller_accept_any()
    curr_epoch = rt.curr_epoch
    batch = BatchReturnGen(params.deal_ids.count())
    settlements: list[DealSettlementSummary] = []
    events: list[tuple[str, int, DealProposal]] = []

    def settle(state: MarketState) -> tuple[MarketState, TokenAmount]:
        total_slashed = ZERO
        new_deal_states: list[tuple[int, DealState]] = []
        to_remove: dict[int, dict[int, list[int]]] = {}
        for deal_id in params.deal_ids:
            try:
                proposal = state.get_proposal(rt.store, deal_id)
            except FilnetError:
                batch.add_fail(EX_DEAL_EXPIRED)
                continue
            dcid = deal_cid(rt, proposal)
            try:
                state, loaded = state.get_active_deal_or_process_timeout(
                    rt.store, curr_epoch, deal_id, proposal, dcid
                )
            except ActorError as e:
                batch.add_fail(e.exit_code)
                continue
            if isinstance(loaded, TooEarly):
                # not active yet: a settlement of nothing
                settlements.append(DealSettlementSummary(ZERO, False))
                batch.add_success()
                continue
            if isinstance(loaded, ProposalExpired):
                total_slashed = total_slashed + loaded.slashed
                batch.add_fail(EX_DEAL_EXPIRED)
                continue
            deal_state = loaded.deal_state
            if deal_state.slash_epoch != EPOCH_UNDEFINED:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT,
                    f"deal {deal_id} is marked for termination and cannot be settled",
                )
            try:
                state, _, payment, completed, remove = state.process_deal_update(
                    rt.store, deal_state, proposal, dcid, curr_epoch
                )
            except ActorError as e:
                batch.add_fail(e.exit_code)
                continue
            if remove:
                state = state.remove_completed_deal(rt.store, deal_id)
                sector = deal_state.sector_number or 0
                to_remove.setdefault(_id_of(proposal.provider), {}).setdefault(sector, []).append(deal_id)
                if not completed:
                    events.append(("deal-terminated", deal_id, proposal))
            else:
                new_deal_states.append((deal_id, replace(deal_state, last_updated_epoch=curr_epoch)))
            settlements.append(DealSettlementSummary(payment, remove))
            batch.add_success()
            if completed:
                events.append(("deal-completed", deal_id, proposal))
        state = state.put_deal_states(rt.store, new_deal_states)
        state = state.remove_sector_deal_ids(rt.store, to_remove)
        return state, total_slashed

    total_slashed = rt.transaction(MarketState, settle)
    for kind, deal_id, proposal in events:
        rt.emit_event(emit.deal_event(kind, deal_id, _id_of(proposal.client), _id_of(proposal.provider)))
    if total_slashed:
        rt.send(BURNT_FUNDS_ACTOR, METHOD_SEND, b"", total_slashed).unwrap("burn of slashed collateral")
    return SettleDealPaymentsReturn(batch.generate(), tuple(settlements)).encode()


# -- getters ---------------------------------------------------------------------------------------------


def _query(rt: Runtime, raw: bytes, what: str) -> tuple[MarketState, int]:
    params = decode_params(raw, DealQueryParams.from_ipld, f"market {what}")
    rt.validate_immediate_caller_accept_any()
    return rt.state(MarketState), params.id


def _proposal_getter(what: str, answer: Callable[[DealProposal], bytes]) -> Handler:
    """A getter of one thing about a published deal (USR_NOT_FOUND or EX_DEAL_EXPIRED when there is none)."""

    def get(rt: Runtime, raw: bytes) -> bytes:
        state, deal_id = _query(rt, raw, what)
        return answer(state.get_proposal(rt.store, deal_id))

    get.__doc__ = f"market {what}."
    return get


def get_deal_activation(rt: Runtime, raw: bytes) -> bytes:
    """When a deal was activated and terminated (-1 for not yet); EX_DEAL_EXPIRED once it is gone or
    marked for termination."""
    state, deal_id = _query(rt, raw, "GetDealActivation")
    found = state.find_deal_state(rt.store, deal_id)
    if found is None:
        state.get_proposal(rt.store, deal_id)  # passes on USR_NOT_FOUND or EX_DEAL_EXPIRED
        return GetDealActivationReturn(EPOCH_UNDEFINED, EPOCH_UNDEFINED).encode()
    if found.slash_epoch != EPOCH_UNDEFINED:
        raise ActorError(EX_DEAL_EXPIRED, f"deal {deal_id} expired")
    return GetDealActivationReturn(found.sector_start_epoch, found.slash_epoch).encode()


def get_deal_sector(rt: Runtime, raw: bytes) -> bytes:
    """The sector holding an activated deal; EX_DEAL_NOT_ACTIVATED before activation, EX_DEAL_EXPIRED once
    it is gone or marked for termination."""
    state, deal_id = _query(rt, raw, "GetDealSector")
    found = state.find_deal_state(rt.store, deal_id)
    if found is None:
        state.get_proposal(rt.store, deal_id)
        raise ActorError(EX_DEAL_NOT_ACTIVATED, f"deal {deal_id} not yet activated")
    if found.slash_epoch != EPOCH_UNDEFINED:
        raise ActorError(EX_DEAL_EXPIRED, f"deal {deal_id} expired")
    return GetDealSectorReturn(found.sector_number or 0).encode()


ACTOR = ActorCode(
    manifest.MARKET,
    {
        int(method): handler
        for method, handler in {
            Method.CONSTRUCTOR: constructor,
            Method.ADD_BALANCE: add_balance,
            Method.ADD_BALANCE_EXPORTED: add_balance,
            Method.WITHDRAW_BALANCE: withdraw_balance,
            Method.WITHDRAW_BALANCE_EXPORTED: withdraw_balance,
            Method.PUBLISH_STORAGE_DEALS: publish_storage_deals,
            Method.PUBLISH_STORAGE_DEALS_EXPORTED: publish_storage_deals,
            Method.VERIFY_DEALS_FOR_ACTIVATION: verify_deals_for_activation,
            Method.BATCH_ACTIVATE_DEALS: batch_activate_deals,
            Method.ON_MINER_SECTORS_TERMINATE: on_miner_sectors_terminate,
            Method.CRON_TICK: cron_tick,
            Method.GET_BALANCE_EXPORTED: get_balance,
            Method.GET_DEAL_DATA_COMMITMENT_EXPORTED: _proposal_getter(
                "GetDealDataCommitment",
                lambda p: GetDealDataCommitmentReturn(p.piece_cid, p.piece_size).encode(),
            ),
            Method.GET_DEAL_CLIENT_EXPORTED: _proposal_getter(
                "GetDealClient", lambda p: GetDealClientReturn(_id_of(p.client)).encode()
            ),
            Method.GET_DEAL_PROVIDER_EXPORTED: _proposal_getter(
                "GetDealProvider", lambda p: GetDealProviderReturn(_id_of(p.provider)).encode()
            ),
            Method.GET_DEAL_LABEL_EXPORTED: _proposal_getter(
                "GetDealLabel", lambda p: GetDealLabelReturn(p.label).encode()
            ),
            Method.GET_DEAL_TERM_EXPORTED: _proposal_getter(
                "GetDealTerm", lambda p: GetDealTermReturn(p.start_epoch, p.duration()).encode()
            ),
            Method.GET_DEAL_TOTAL_PRICE_EXPORTED: _proposal_getter(
                "GetDealTotalPrice", lambda p: GetDealTotalPriceReturn(p.total_storage_fee()).encode()
            ),
            Method.GET_DEAL_CLIENT_COLLATERAL_EXPORTED: _proposal_getter(
                "GetDealClientCollateral",
                lambda p: GetDealClientCollateralReturn(p.client_collateral).encode(),
            ),
            Method.GET_DEAL_PROVIDER_COLLATERAL_EXPORTED: _proposal_getter(
                "GetDealProviderCollateral",
                lambda p: GetDealProviderCollateralReturn(p.provider_collateral).encode(),
            ),
            Method.GET_DEAL_VERIFIED_EXPORTED: _proposal_getter(
                "GetDealVerified", lambda p: GetDealVerifiedReturn(p.verified_deal).encode()
            ),
            Method.GET_DEAL_ACTIVATION_EXPORTED: get_deal_activation,
            Method.GET_DEAL_SECTOR_EXPORTED: get_deal_sector,
            Method.SETTLE_DEAL_PAYMENTS_EXPORTED: settle_deal_payments,
            Method.SECTOR_CONTENT_CHANGED: sector_content_changed,
        }.items()
    },
)
