"""A fake-runtime harness for the storage market actor's tests (after builtin-actors' market ``harness.rs``).

The market runs on :class:`FakeRuntime` as f05 under mainnet's policy (the numbers of builtin-actors'
tests). Parties are accounts (owner 101, worker 103, client 104, control 200) and a miner (102). Clients
sign their proposals with real secp256k1 keys; the account's ``AuthenticateMessage`` is an expected send
whose result is what the account actor would answer (the signature checked for real). Each helper declares
the sends and events a call must make, runs it and checks the outcome; :func:`check_state` checks the
market's invariants against the actor's balance and the epoch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

import pytest

from filnet.actors import manifest
from filnet.actors.account.actor import AuthenticateMessageParams
from filnet.actors.account.methods import Method as AccountMethod
from filnet.actors.batch_return import BatchReturn
from filnet.actors.datacap.methods import Method as DatacapMethod
from filnet.actors.datacap.types import TransferFromParams, TransferFromReturn
from filnet.actors.market import emit
from filnet.actors.market.actor import (
    ACTOR,
    MINER_CONTROL_ADDRESSES_METHOD,
    MINER_IS_CONTROLLING_ADDRESS_EXPORTED,
    next_update_epoch,
)
from filnet.actors.market.invariants import check_state_invariants
from filnet.actors.market.methods import Method
from filnet.actors.market.state import (
    EPOCH_UNDEFINED,
    DealArray,
    DealMetaArray,
    DealProposal,
    DealState,
    MarketState,
    PendingDealAllocationsMap,
    PendingProposalsSet,
    ProviderSectorsMap,
    deal_get_payment_remaining,
)
from filnet.actors.market.types import (
    MARKET_NOTIFY_DEAL_METHOD,
    NO_ALLOCATION_ID,
    AddBalanceParams,
    BatchActivateDealsParams,
    BatchActivateDealsResult,
    ClientDealProposal,
    GetBalanceParams,
    GetBalanceReturn,
    MarketNotifyDealParams,
    OnMinerSectorsTerminateParams,
    PublishStorageDealsParams,
    PublishStorageDealsReturn,
    SectorDeals,
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
    PieceChange,
    SectorChanges,
    SectorContentChangedParams,
    SectorContentChangedReturn,
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
    STORAGE_MARKET_ACTOR,
    STORAGE_POWER_ACTOR,
    SYSTEM_ACTOR,
    VERIFIED_REGISTRY_ACTOR,
)
from filnet.actors.smoothing import FilterEstimate
from filnet.actors.verifreg.types import AllocationRequest, AllocationRequests, AllocationsResponse
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.bitfield import BitField
from filnet.ipld.cid import CID
from filnet.params.network import MAINNET
from filnet.piece.cid import piece_cid_v1
from filnet.vm.events import ActorEvent
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import SendResult
from filnet.vm.testing import FakeRuntime

OWNER_ID: Final = 101
PROVIDER_ID: Final = 102
WORKER_ID: Final = 103
CLIENT_ID: Final = 104
CONTROL_ID: Final = 200

OWNER_ADDR: Final = Address.new_id(OWNER_ID)
PROVIDER_ADDR: Final = Address.new_id(PROVIDER_ID)
WORKER_ADDR: Final = Address.new_id(WORKER_ID)
CLIENT_ADDR: Final = Address.new_id(CLIENT_ID)
CONTROL_ADDR: Final = Address.new_id(CONTROL_ID)

POLICY: Final = MAINNET.policy
#: 8 MiB V1 (builtin-actors' tests use StackedDRG8MiBV1).
SECTOR_TYPE: Final = 1
OK_TRUE: Final = SendResult(ExitCode.OK, dagcbor.encode(True))


@dataclass(frozen=True)
class MinerAddresses:
    """A provider's addresses."""

    owner: Address = OWNER_ADDR
    worker: Address = WORKER_ADDR
    provider: Address = PROVIDER_ADDR
    control: tuple[Address, ...] = (CONTROL_ADDR,)


# -- set-up ---------------------------------------------------------------------------------------------


def client_key(client: Address) -> PrivateKey:
    """The deterministic secp256k1 key of a test client."""
    return PrivateKey(KeyType.SECP256K1, hashlib.sha256(f"market client {client}".encode()).digest())


def add_client(rt: FakeRuntime, client: Address) -> None:
    """Make ``client`` an account whose key signs its proposals."""
    rt.add_actor(client, manifest.ACCOUNT, client_key(client).address)


DEFAULT_BALANCE: Final = TokenAmount.from_fil(10)
TEN_ATTO: Final = TokenAmount(10)


def setup(balance: TokenAmount = DEFAULT_BALANCE) -> FakeRuntime:
    """A constructed market holding ``balance``, with the standard accounts and miner."""
    rt = FakeRuntime(STORAGE_MARKET_ACTOR, policy=POLICY, balance=balance)
    rt.add_actor(OWNER_ADDR, manifest.ACCOUNT)
    rt.add_actor(WORKER_ADDR, manifest.ACCOUNT)
    rt.add_actor(CONTROL_ADDR, manifest.ACCOUNT)
    rt.add_actor(PROVIDER_ADDR, manifest.MINER)
    add_client(rt, CLIENT_ADDR)
    construct_and_verify(rt)
    return rt


def construct_and_verify(rt: FakeRuntime) -> None:
    """Run the constructor as the system actor."""
    rt.set_caller(SYSTEM_ACTOR, manifest.SYSTEM)
    assert rt.call(ACTOR, Method.CONSTRUCTOR) == b""
    rt.verify()


def state(rt: FakeRuntime) -> MarketState:
    """The market's state."""
    return rt.get_state(MarketState)


def replace_state(rt: FakeRuntime, new_state: MarketState) -> None:
    """Overwrite the market's state (for tests that set up states the methods cannot reach)."""
    data = new_state.encode()
    cid = CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)
    rt.store.put(cid, data)
    rt.head = cid


def check_state(rt: FakeRuntime) -> None:
    """The market's invariants hold."""
    assert check_state_invariants(state(rt), rt.store, rt.balance, rt.epoch) == []


def aborts(code: ExitCode, rt: FakeRuntime, method: int, params: bytes = b"") -> ActorError:
    """Call ``method`` and expect it to abort with ``code``; all expected sends must have been made."""
    with pytest.raises(ActorError) as info:
        rt.call(ACTOR, method, params)
    assert info.value.exit_code == code, info.value.reason
    rt.verify()
    rt.expected_sends.clear()
    return info.value


def call(rt: FakeRuntime, method: int, params: bytes = b"") -> bytes:
    """Call ``method`` and check every expected send was made."""
    ret = rt.call(ACTOR, method, params)
    rt.verify()
    return ret


# -- events -----------------------------------------------------------------------------------------------


@dataclass
class EventLog:
    """Collects the events a call is expected to emit and checks them against what it emitted."""

    rt: FakeRuntime
    start: int = 0
    expected: list[ActorEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.start = len(self.rt.events)

    def expect(self, kind: str, deal_id: int, client: int, provider: int) -> None:
        """Expect a deal event."""
        self.expected.append(emit.deal_event(kind, deal_id, client, provider))

    def check(self) -> None:
        """The events emitted since this log began are exactly the expected ones."""
        emitted = [e.event for e in self.rt.events[self.start :]]
        assert all(e.emitter == STORAGE_MARKET_ACTOR.id for e in self.rt.events[self.start :])
        assert emitted == self.expected


def expect_deal_event(log: EventLog, kind: str, deal_id: int, deal: DealProposal) -> None:
    """Expect an event about ``deal``."""
    log.expect(kind, deal_id, deal.client.id, deal.provider.id)


# -- escrow -----------------------------------------------------------------------------------------------


def get_balance(rt: FakeRuntime, addr: Address) -> GetBalanceReturn:
    """GetBalance, as an EVM contract would call it."""
    rt.set_caller(Address.new_id(1234), manifest.EVM)
    return GetBalanceReturn.decode(call(rt, Method.GET_BALANCE_EXPORTED, GetBalanceParams(addr).encode()))


def expect_get_control_addresses(
    rt: FakeRuntime, provider: Address, owner: Address, worker: Address, controls: Sequence[Address] = ()
) -> None:
    """Expect the market to ask the miner for its control addresses."""
    ret = GetControlAddressesReturn(owner, worker, tuple(controls))
    rt.expect_send(provider, MINER_CONTROL_ADDRESSES_METHOD, b"", ZERO, SendResult(ExitCode.OK, ret.encode()))


def expect_provider_is_control_address(
    rt: FakeRuntime, provider: Address, caller: Address, is_controlling: bool
) -> None:
    """Expect the market to ask the miner whether ``caller`` controls it."""
    rt.expect_send(
        provider,
        MINER_IS_CONTROLLING_ADDRESS_EXPORTED,
        IsControllingAddressParam(caller).encode(),
        ZERO,
        SendResult(ExitCode.OK, IsControllingAddressReturn(is_controlling).encode()),
    )


def add_provider_funds(
    rt: FakeRuntime, amount: TokenAmount, addrs: MinerAddresses = MinerAddresses()
) -> None:
    """The owner adds ``amount`` to the provider's escrow."""
    rt.add_actor(addrs.provider, manifest.MINER)
    rt.set_caller(addrs.owner, manifest.ACCOUNT)
    rt.value = amount
    expect_get_control_addresses(rt, addrs.provider, addrs.owner, addrs.worker)
    assert call(rt, Method.ADD_BALANCE, AddBalanceParams(addrs.provider).encode()) == b""
    rt.value = ZERO
    rt.balance = rt.balance + amount


def add_participant_funds(rt: FakeRuntime, addr: Address, amount: TokenAmount) -> None:
    """A client adds ``amount`` to its own escrow."""
    rt.set_caller(addr, manifest.ACCOUNT)
    rt.value = amount
    assert call(rt, Method.ADD_BALANCE, AddBalanceParams(addr).encode()) == b""
    rt.value = ZERO
    rt.balance = rt.balance + amount


def withdraw_provider_balance(
    rt: FakeRuntime,
    withdraw_amount: TokenAmount,
    expected_send: TokenAmount,
    addrs: MinerAddresses = MinerAddresses(),
) -> None:
    """The worker withdraws provider escrow, which goes to the owner."""
    rt.set_caller(addrs.worker, manifest.ACCOUNT)
    expect_get_control_addresses(rt, addrs.provider, addrs.owner, addrs.worker)
    rt.expect_send(addrs.owner, METHOD_SEND, b"", expected_send)
    params = WithdrawBalanceParams(addrs.provider, withdraw_amount)
    ret = WithdrawBalanceReturn.decode(call(rt, Method.WITHDRAW_BALANCE, params.encode()))
    assert ret.amount_withdrawn == expected_send


def withdraw_client_balance(
    rt: FakeRuntime, withdraw_amount: TokenAmount, expected_send: TokenAmount, client: Address
) -> None:
    """A client withdraws its escrow."""
    rt.set_caller(client, manifest.ACCOUNT)
    rt.expect_send(client, METHOD_SEND, b"", expected_send)
    params = WithdrawBalanceParams(client, withdraw_amount)
    ret = WithdrawBalanceReturn.decode(call(rt, Method.WITHDRAW_BALANCE, params.encode()))
    assert ret.amount_withdrawn == expected_send


def assert_account_zero(rt: FakeRuntime, addr: Address) -> None:
    """A party has neither escrow nor locked funds."""
    account = get_balance(rt, addr)
    assert account.balance == ZERO and account.locked == ZERO


# -- deals ------------------------------------------------------------------------------------------------


def make_piece_cid(data: bytes) -> CID:
    """A piece CID of a fake commitment derived from ``data``."""
    digest = bytearray(hashlib.sha256(data).digest())
    digest[31] &= 0x3F
    return piece_cid_v1(bytes(digest))


def generate_deal_proposal(
    client: Address,
    provider: Address,
    start_epoch: int,
    end_epoch: int,
    client_collateral: TokenAmount = TEN_ATTO,
    provider_collateral: TokenAmount = TEN_ATTO,
    piece_cid: CID | None = None,
    piece_size: int = 2048,
) -> DealProposal:
    """An unverified 2 KiB deal at 10 attoFIL per epoch."""
    return DealProposal(
        piece_cid=piece_cid or make_piece_cid(b"1"),
        piece_size=piece_size,
        verified_deal=False,
        client=client,
        provider=provider,
        label="label",
        start_epoch=ChainEpoch(start_epoch),
        end_epoch=ChainEpoch(end_epoch),
        storage_price_per_epoch=TokenAmount(10),
        provider_collateral=provider_collateral,
        client_collateral=client_collateral,
    )


def generate_deal_and_add_funds(
    rt: FakeRuntime,
    client: Address,
    addrs: MinerAddresses,
    start_epoch: int,
    end_epoch: int,
    **kwargs: object,
) -> DealProposal:
    """A deal whose client and provider have exactly the escrow it needs."""
    deal = generate_deal_proposal(client, addrs.provider, start_epoch, end_epoch, **kwargs)  # type: ignore[arg-type]
    add_provider_funds(rt, deal.provider_collateral, addrs)
    add_participant_funds(rt, client, deal.client_balance_requirement())
    return deal


def sign(deal: DealProposal) -> ClientDealProposal:
    """The deal signed by its client's key."""
    return ClientDealProposal(deal, client_key(deal.client).sign(deal.encode()))


def expect_authenticate(rt: FakeRuntime, signed: ClientDealProposal) -> None:
    """Expect the market to ask the client's account to authenticate the proposal, answered as the account
    actor would: true for a good signature, USR_ILLEGAL_ARGUMENT for a bad one, and no receiver at all for
    a client that is not an actor."""
    deal = signed.proposal
    message = deal.encode()
    params = AuthenticateMessageParams(signed.client_signature.data, message)
    if rt.actor_name(deal.client) is None:
        result = SendResult(ExitCode.SYS_INVALID_RECEIVER)
    elif rt.verify_signature(signed.client_signature, deal.client, message):
        result = OK_TRUE
    else:
        result = SendResult(ExitCode.USR_ILLEGAL_ARGUMENT)
    rt.expect_send(
        deal.client,
        AccountMethod.AUTHENTICATE_MESSAGE_EXPORTED,
        dagcbor.encode(params.to_ipld()),
        ZERO,
        result,
    )


REWARD: Final = TokenAmount.from_fil(10)
NETWORK_POWER: Final = 1 << 50


def expect_query_network_info(rt: FakeRuntime, raw_power: int = 0, baseline: int = NETWORK_POWER) -> None:
    """Expect the market to read the baseline power from reward and the network power from power."""
    reward = ThisEpochRewardReturn(FilterEstimate.from_q0(REWARD.atto, 0), baseline)
    power = CurrentTotalPowerReturn(
        raw_byte_power=raw_power,
        quality_adj_power=NETWORK_POWER,
        pledge_collateral=ZERO,
        quality_adj_power_smoothed=FilterEstimate.from_q0(REWARD.atto, 0),
        ramp_start_epoch=ChainEpoch(0),
        ramp_duration_epochs=0,
    )
    rt.expect_send(
        REWARD_ACTOR,
        RewardMethod.THIS_EPOCH_REWARD,
        b"",
        ZERO,
        SendResult(ExitCode.OK, dagcbor.encode(reward.to_ipld())),
    )
    rt.expect_send(
        STORAGE_POWER_ACTOR,
        PowerMethod.CURRENT_TOTAL_POWER,
        b"",
        ZERO,
        SendResult(ExitCode.OK, power.encode()),
    )


def expect_publish_preamble(rt: FakeRuntime, provider: Address, caller: Address) -> None:
    """Expect the controller check and the network queries every publication starts with."""
    expect_provider_is_control_address(rt, provider, caller, True)
    expect_query_network_info(rt)


def alloc_request(rt: FakeRuntime, deal: DealProposal) -> AllocationRequest:
    """The allocation the market requests for a verified deal published now."""
    term_min = deal.end_epoch - deal.start_epoch
    term_max = min(
        term_min + POLICY.market_default_allocation_term_buffer, POLICY.maximum_verified_allocation_term
    )
    expiration = min(deal.start_epoch, rt.epoch + POLICY.maximum_verified_allocation_expiration)
    return AllocationRequest(
        provider=ActorID(deal.provider.id),
        data=deal.piece_cid,
        size=deal.piece_size,
        term_min=ChainEpoch(term_min),
        term_max=ChainEpoch(term_max),
        expiration=ChainEpoch(expiration),
    )


def expect_datacap_balance(rt: FakeRuntime, client: Address, balance: TokenAmount) -> None:
    """Expect the market to read a client's datacap balance."""
    rt.expect_send(
        DATACAP_TOKEN_ACTOR,
        DatacapMethod.BALANCE_EXPORTED,
        dagcbor.encode(bytes(client)),
        ZERO,
        SendResult(ExitCode.OK, dagcbor.encode(balance.to_bytes())),
    )


def expect_datacap_transfer(
    rt: FakeRuntime, client: Address, deals: Sequence[DealProposal], first_allocation_id: int
) -> list[int]:
    """Expect the market to transfer a client's datacap to the verified registry for these deals; the
    allocation IDs the registry answers with."""
    requests = AllocationRequests(tuple(alloc_request(rt, d) for d in deals), ())
    amount = TokenAmount.from_fil(sum(d.piece_size for d in deals))
    params = TransferFromParams(
        from_=client, to=VERIFIED_REGISTRY_ACTOR, amount=amount, operator_data=requests.encode()
    )
    ids = list(range(first_allocation_id, first_allocation_id + len(deals)))
    response = AllocationsResponse(BatchReturn.ok(len(deals)), BatchReturn.empty(), tuple(ids))
    ret = TransferFromReturn(
        from_balance=ZERO, to_balance=amount, allowance=ZERO, recipient_data=response.encode()
    )
    rt.expect_send(
        DATACAP_TOKEN_ACTOR,
        DatacapMethod.TRANSFER_FROM_EXPORTED,
        params.encode(),
        ZERO,
        SendResult(ExitCode.OK, ret.encode()),
    )
    return ids


def expect_notify(
    rt: FakeRuntime, deal: DealProposal, deal_id: int, result: SendResult | None = None
) -> None:
    """Expect the market to notify the client of its published deal."""
    params = MarketNotifyDealParams(deal.encode(), deal_id).encode()
    rt.expect_send(deal.client, MARKET_NOTIFY_DEAL_METHOD, params, ZERO, result)


def publish_deals(
    rt: FakeRuntime,
    addrs: MinerAddresses,
    deals: Sequence[DealProposal],
    client_datacap_balance: TokenAmount = ZERO,
    next_allocation_id: int = NO_ALLOCATION_ID,
    *,
    caller: Address | None = None,
    invalid: Collection[int] = (),
    method: int = Method.PUBLISH_STORAGE_DEALS,
) -> list[int]:
    """Publish ``deals`` (ID addresses, signed by their clients) as the worker (or ``caller``). The deals at
    the ``invalid`` indices are expected to be dropped by the state checks, and so are verified deals
    beyond a client's datacap. Checks the stored proposals, allocations, events and the valid-deals
    bitfield; the new deal IDs."""
    next_deal_id = state(rt).next_id
    caller = caller or addrs.worker
    rt.set_caller(caller, manifest.ACCOUNT)
    expect_publish_preamble(rt, addrs.provider, caller)
    signed = [sign(d) for d in deals]
    for s in signed:
        expect_authenticate(rt, s)
    verified: dict[int, list[DealProposal]] = {}
    consumed: dict[int, TokenAmount] = {}
    valid: list[tuple[int, DealProposal]] = []
    for index, deal in enumerate(deals):
        if index in invalid:
            continue
        if deal.verified_deal:
            if deal.client.id not in consumed:
                expect_datacap_balance(rt, deal.client, client_datacap_balance)
                consumed[deal.client.id] = ZERO
                verified[deal.client.id] = []
            need = TokenAmount.from_fil(deal.piece_size)
            if need > client_datacap_balance - consumed[deal.client.id]:
                continue
            consumed[deal.client.id] = consumed[deal.client.id] + need
            verified[deal.client.id].append(deal)
        valid.append((index, deal))
    alloc_id = next_allocation_id
    allocations: dict[DealProposal, int] = {}
    for client in sorted(verified):
        if not verified[client]:
            continue
        ids = expect_datacap_transfer(rt, Address.new_id(client), verified[client], alloc_id)
        allocations.update(zip(verified[client], ids, strict=True))
        alloc_id += len(ids)
    log = EventLog(rt)
    for offset, (_, deal) in enumerate(valid):
        expect_notify(rt, deal, next_deal_id + offset)
        expect_deal_event(log, "deal-published", next_deal_id + offset, deal)
    params = PublishStorageDealsParams(tuple(signed))
    ret = PublishStorageDealsReturn.decode(call(rt, method, params.encode()))
    log.check()
    assert list(ret.ids) == list(range(next_deal_id, next_deal_id + len(valid)))
    assert list(ret.valid_deals) == [index for index, _ in valid]
    for deal_id, (_, deal) in zip(ret.ids, valid, strict=True):
        assert get_deal_proposal(rt, deal_id) == deal
        assert get_pending_deal_allocation(rt, deal_id) == allocations.get(deal, NO_ALLOCATION_ID)
    return list(ret.ids)


def publish_deals_expect_abort(
    rt: FakeRuntime,
    addrs: MinerAddresses,
    deal: DealProposal,
    code: ExitCode,
    signed: ClientDealProposal | None = None,
) -> None:
    """Publish one deal as the worker and expect an abort with ``code`` after its authentication."""
    signed = signed or sign(deal)
    rt.set_caller(addrs.worker, manifest.ACCOUNT)
    expect_publish_preamble(rt, addrs.provider, addrs.worker)
    expect_authenticate(rt, signed)
    aborts(code, rt, Method.PUBLISH_STORAGE_DEALS, PublishStorageDealsParams((signed,)).encode())


def generate_and_publish_deal(
    rt: FakeRuntime, client: Address, addrs: MinerAddresses, start_epoch: int, end_epoch: int
) -> tuple[int, DealProposal]:
    """Fund and publish one unverified deal."""
    deal = generate_deal_and_add_funds(rt, client, addrs, start_epoch, end_epoch)
    return publish_deals(rt, addrs, [deal])[0], deal


def generate_and_publish_verified_deal(
    rt: FakeRuntime, client: Address, addrs: MinerAddresses, start_epoch: int, end_epoch: int, next_alloc: int
) -> int:
    """Fund and publish one verified deal (the client has exactly the datacap it needs)."""
    deal = replace(generate_deal_and_add_funds(rt, client, addrs, start_epoch, end_epoch), verified_deal=True)
    return publish_deals(rt, addrs, [deal], TokenAmount.from_fil(deal.piece_size), next_alloc)[0]


# -- activation -------------------------------------------------------------------------------------------


def batch_activate_deals_raw(
    rt: FakeRuntime,
    provider: Address,
    sectors: Sequence[SectorDeals],
    compute_cid: bool,
    expected_activated: Iterable[int],
) -> BatchActivateDealsResult:
    """BatchActivateDeals as ``provider``, expecting a deal-activated event for each deal listed."""
    rt.set_caller(provider, manifest.MINER)
    log = EventLog(rt)
    for deal_id in expected_activated:
        expect_deal_event(log, "deal-activated", deal_id, get_deal_proposal(rt, deal_id))
    params = BatchActivateDealsParams(tuple(sectors), compute_cid)
    ret = BatchActivateDealsResult.decode(call(rt, Method.BATCH_ACTIVATE_DEALS, params.encode()))
    log.check()
    return ret


def activate_deals(
    rt: FakeRuntime,
    sector_expiry: int,
    provider: Address,
    current_epoch: int,
    sector_number: int,
    deal_ids: Sequence[int],
    expected_activations: Sequence[int] | None = None,
) -> BatchActivateDealsResult:
    """Activate one sector of deals at ``current_epoch``."""
    rt.epoch = ChainEpoch(current_epoch)
    sector = SectorDeals(sector_number, SECTOR_TYPE, ChainEpoch(sector_expiry), tuple(deal_ids))
    expected = deal_ids if expected_activations is None else expected_activations
    ret = batch_activate_deals_raw(rt, provider, [sector], False, expected)
    if ret.activation_results.all_ok():
        for deal_id in deal_ids:
            assert get_deal_state(rt, deal_id).sector_start_epoch == current_epoch
    return ret


def activate_deals_legacy(
    rt: FakeRuntime,
    sector_expiry: int,
    provider: Address,
    current_epoch: int,
    sector_number: int,
    deal_ids: Sequence[int],
) -> BatchActivateDealsResult:
    """Activate one sector of deals, then make them legacy (cron-settled) deals updated now."""
    ret = activate_deals(rt, sector_expiry, provider, current_epoch, sector_number, deal_ids)
    for deal_id in deal_ids:
        simulate_legacy_deal(rt, deal_id, current_epoch)
    return ret


def assert_deals_not_marked_terminated(rt: FakeRuntime, deal_ids: Sequence[int]) -> None:
    """These deals have states without a slash epoch."""
    assert all(get_deal_state(rt, d).slash_epoch == EPOCH_UNDEFINED for d in deal_ids)


def batch_activate_deals(
    rt: FakeRuntime, provider: Address, sectors: Sequence[tuple[int, int, Sequence[int]]], compute_cid: bool
) -> BatchActivateDealsResult:
    """Activate several sectors (number, expiry, deal IDs), all of which must succeed."""
    sector_deals = [SectorDeals(n, SECTOR_TYPE, ChainEpoch(e), tuple(ids)) for n, e, ids in sectors]
    ret = batch_activate_deals_raw(
        rt, provider, sector_deals, compute_cid, [d for _, _, ids in sectors for d in ids]
    )
    assert ret.activation_results.all_ok()
    return ret


def simulate_legacy_deal(rt: FakeRuntime, deal_id: int, start_epoch: int) -> None:
    """Make an activated deal look like one activated before explicit settlement: updated at its start and
    no longer pending, so cron settles it."""
    st = state(rt)
    st, deal_state = st.remove_deal_state(rt.store, deal_id)
    assert deal_state is not None
    st = st.put_deal_states(
        rt.store, [(deal_id, replace(deal_state, last_updated_epoch=ChainEpoch(start_epoch)))]
    )
    proposal = st.find_proposal(rt.store, deal_id)
    assert proposal is not None
    st, _ = st.remove_pending_deal(rt.store, proposal.cid())
    replace_state(rt, st)


def publish_and_activate_deal(
    rt: FakeRuntime,
    client: Address,
    addrs: MinerAddresses,
    sector_number: int,
    start_epoch: int,
    end_epoch: int,
    current_epoch: int,
    sector_expiry: int,
) -> tuple[int, DealProposal]:
    """Fund, publish and activate one unverified deal."""
    deal_id, deal = generate_and_publish_deal(rt, client, addrs, start_epoch, end_epoch)
    activate_deals(rt, sector_expiry, addrs.provider, current_epoch, sector_number, [deal_id])
    return deal_id, deal


def publish_and_activate_deal_legacy(
    rt: FakeRuntime,
    client: Address,
    addrs: MinerAddresses,
    sector_number: int,
    start_epoch: int,
    end_epoch: int,
    current_epoch: int,
    sector_expiry: int,
) -> tuple[int, DealProposal]:
    """As :func:`publish_and_activate_deal`, then made a legacy (cron-settled) deal."""
    deal_id, deal = publish_and_activate_deal(
        rt, client, addrs, sector_number, start_epoch, end_epoch, current_epoch, sector_expiry
    )
    simulate_legacy_deal(rt, deal_id, start_epoch)
    return deal_id, deal


def verify_deals_for_activation(
    rt: FakeRuntime, provider: Address, sectors: Sequence[SectorDeals]
) -> VerifyDealsForActivationReturn:
    """VerifyDealsForActivation as ``provider``."""
    rt.set_caller(provider, manifest.MINER)
    params = VerifyDealsForActivationParams(tuple(sectors))
    return VerifyDealsForActivationReturn.decode(
        call(rt, Method.VERIFY_DEALS_FOR_ACTIVATION, params.encode())
    )


def piece_info_from_deal(deal_id: int, deal: DealProposal) -> PieceChange:
    """The piece change a miner reports for a deal's piece."""
    return PieceChange(deal.piece_cid, deal.piece_size, dagcbor.encode(deal_id))


def sector_content_changed(
    rt: FakeRuntime, provider: Address, sectors: Sequence[SectorChanges]
) -> SectorContentChangedReturn:
    """SectorContentChanged as ``provider``."""
    rt.set_caller(provider, manifest.MINER)
    params = SectorContentChangedParams(tuple(sectors))
    return SectorContentChangedReturn.decode(call(rt, Method.SECTOR_CONTENT_CHANGED, params.encode()))


# -- reading state ----------------------------------------------------------------------------------------


def find_deal_proposal(rt: FakeRuntime, deal_id: int) -> DealProposal | None:
    """A stored proposal, or None."""
    return DealArray(rt.store, state(rt).proposals).get(deal_id)


def get_deal_proposal(rt: FakeRuntime, deal_id: int) -> DealProposal:
    """A stored proposal."""
    found = find_deal_proposal(rt, deal_id)
    assert found is not None, f"no proposal {deal_id}"
    return found


def find_deal_state(rt: FakeRuntime, deal_id: int) -> DealState | None:
    """A stored deal state, or None."""
    return DealMetaArray(rt.store, state(rt).states).get(deal_id)


def get_deal_state(rt: FakeRuntime, deal_id: int) -> DealState:
    """A stored deal state."""
    found = find_deal_state(rt, deal_id)
    assert found is not None, f"no state for deal {deal_id}"
    return found


def get_pending_deal_allocation(rt: FakeRuntime, deal_id: int) -> int:
    """A deal's pending allocation ID (NO_ALLOCATION_ID if none)."""
    root = state(rt).pending_deal_allocation_ids
    assert root is not None
    found = PendingDealAllocationsMap(rt.store, root).get(deal_id)
    return NO_ALLOCATION_ID if found is None else found


def get_sector_deal_ids(rt: FakeRuntime, provider: int, sector_numbers: Sequence[int]) -> list[int] | None:
    """The deal IDs recorded for a provider's sectors (None when there are none)."""
    root = state(rt).provider_sectors
    assert root is not None
    sectors = ProviderSectorsMap(rt.store, root).sector_deals(provider)
    found: list[int] = []
    for number in sector_numbers:
        deals = sectors.get(number)
        if deals is not None:
            assert deals
            found.extend(deals)
    return found or None


def update_last_updated(rt: FakeRuntime, deal_id: int, new_last_updated: int) -> None:
    """Set a deal state's last-updated epoch."""
    s = get_deal_state(rt, deal_id)
    replace_state(
        rt,
        state(rt).put_deal_states(
            rt.store, [(deal_id, replace(s, last_updated_epoch=ChainEpoch(new_last_updated)))]
        ),
    )


def delete_deal_proposal(rt: FakeRuntime, deal_id: int) -> None:
    """Remove a proposal behind the actor's back."""
    st, _ = state(rt).remove_proposal(rt.store, deal_id)
    replace_state(rt, st)


def is_pending(rt: FakeRuntime, deal: DealProposal) -> bool:
    """Whether the proposal's CID is in the pending set."""
    return PendingProposalsSet(rt.store, state(rt).pending_proposals).has(deal.cid())


def assert_deals_not_activated(rt: FakeRuntime, deal_ids: Sequence[int]) -> None:
    """None of these deals has a state."""
    assert all(find_deal_state(rt, d) is None for d in deal_ids)


def assert_deal_deleted(
    rt: FakeRuntime, deal_id: int, deal: DealProposal, sector_number: int, empty_sector_deals: bool = True
) -> None:
    """A deal is gone: proposal, state, pending CID and its sector mapping entry."""
    assert find_deal_proposal(rt, deal_id) is None
    assert find_deal_state(rt, deal_id) is None
    assert not is_pending(rt, deal)
    deals = get_sector_deal_ids(rt, deal.provider.id, [sector_number])
    if empty_sector_deals:
        assert deals is None
    else:
        assert deals is not None and deal_id not in deals


def process_epoch(start_epoch: int, deal_id: int) -> ChainEpoch:
    """The first epoch cron processes a deal published with this start."""
    return next_update_epoch(deal_id, POLICY.deal_updates_interval, ChainEpoch(start_epoch))


# -- cron, settlement, termination ------------------------------------------------------------------------


def cron_tick(rt: FakeRuntime, log: EventLog | None = None) -> None:
    """CronTick as the cron actor (checking ``log``'s events, if given)."""
    rt.set_caller(CRON_ACTOR, manifest.CRON)
    log = log or EventLog(rt)
    assert call(rt, Method.CRON_TICK) == b""
    log.check()


def expect_burn(rt: FakeRuntime, amount: TokenAmount) -> None:
    """Expect the market to burn ``amount``."""
    rt.expect_send(BURNT_FUNDS_ACTOR, METHOD_SEND, b"", amount)


def _expected_settlement(
    rt: FakeRuntime, current_epoch: int, deal_id: int
) -> tuple[DealProposal, TokenAmount, TokenAmount, bool, DealState]:
    """(deal, payment, slashed, expired) for settling a deal now, as the harness computes them."""
    s = get_deal_state(rt, deal_id)
    d = get_deal_proposal(rt, deal_id)
    slashed = ZERO
    payment_end = d.end_epoch
    if s.slash_epoch != EPOCH_UNDEFINED:
        expect_burn(rt, d.provider_collateral)
        slashed = d.provider_collateral
        payment_end = max(s.slash_epoch, d.start_epoch)
    elif current_epoch < payment_end:
        payment_end = ChainEpoch(current_epoch)
    payment_start = d.start_epoch if s.last_updated_epoch == EPOCH_UNDEFINED else s.last_updated_epoch
    payment = d.storage_price_per_epoch * (payment_end - payment_start)
    return d, payment, slashed, payment_end == d.end_epoch, s


def cron_tick_and_assert_balances(
    rt: FakeRuntime, client: Address, provider: Address, current_epoch: int, deal_id: int
) -> tuple[TokenAmount, TokenAmount]:
    """Cron at ``current_epoch`` settles a legacy deal; check escrow and locked amounts; (paid, slashed)."""
    rt.epoch = ChainEpoch(current_epoch)
    c, p = get_balance(rt, client), get_balance(rt, provider)
    d, payment, slashed, expired, s = _expected_settlement(rt, current_epoch, deal_id)
    log = EventLog(rt)
    if expired:
        expect_deal_event(log, "deal-completed", deal_id, d)
    cron_tick(rt, log)
    _assert_settled_balances(
        rt, client, provider, c, p, payment, slashed, expired or s.slash_epoch != EPOCH_UNDEFINED
    )
    return payment, slashed


def _assert_settled_balances(
    rt: FakeRuntime,
    client: Address,
    provider: Address,
    c: GetBalanceReturn,
    p: GetBalanceReturn,
    payment: TokenAmount,
    slashed: TokenAmount,
    finished: bool,
) -> None:
    client_after, provider_after = get_balance(rt, client), get_balance(rt, provider)
    assert client_after.balance == c.balance - payment
    assert provider_after.balance == p.balance + payment - slashed
    assert client_after.locked == (ZERO if finished else c.locked - payment)
    assert provider_after.locked == (ZERO if finished else p.locked)


def settle_deal_payments(
    rt: FakeRuntime,
    caller: Address,
    deal_ids: Sequence[int],
    completed: Sequence[int] = (),
    terminated: Sequence[int] = (),
) -> SettleDealPaymentsReturn:
    """SettleDealPayments as ``caller``, expecting deal-completed then deal-terminated events as listed (in
    deal order within each kind)."""
    rt.set_caller(caller, manifest.ACCOUNT)
    log = EventLog(rt)
    for deal_id in sorted(set(completed) | set(terminated)):
        kind = "deal-completed" if deal_id in completed else "deal-terminated"
        expect_deal_event(log, kind, deal_id, get_deal_proposal(rt, deal_id))
    params = SettleDealPaymentsParams(BitField.from_indices(deal_ids))
    ret = SettleDealPaymentsReturn.decode(call(rt, Method.SETTLE_DEAL_PAYMENTS_EXPORTED, params.encode()))
    log.check()
    return ret


def settle_deal_payments_and_assert_balances(
    rt: FakeRuntime, client: Address, provider: Address, current_epoch: int, deal_id: int
) -> tuple[TokenAmount, TokenAmount]:
    """Settle one deal at ``current_epoch`` as its provider; check escrow and locked amounts."""
    rt.epoch = ChainEpoch(current_epoch)
    c, p = get_balance(rt, client), get_balance(rt, provider)
    _, payment, slashed, expired, s = _expected_settlement(rt, current_epoch, deal_id)
    settle_deal_payments(rt, provider, [deal_id], completed=[deal_id] if expired else [])
    _assert_settled_balances(
        rt, client, provider, c, p, payment, slashed, expired or s.slash_epoch != EPOCH_UNDEFINED
    )
    return payment, slashed


def settle_deal_payments_no_change(
    rt: FakeRuntime, caller: Address, client: Address, provider: Address, deal_ids: Sequence[int]
) -> None:
    """Settlement moves nothing."""
    before = (state(rt).deal_ops_by_epoch, get_balance(rt, client), get_balance(rt, provider))
    settle_deal_payments(rt, caller, deal_ids)
    assert (state(rt).deal_ops_by_epoch, get_balance(rt, client), get_balance(rt, provider)) == before


def cron_tick_no_change(rt: FakeRuntime, client: Address, provider: Address) -> None:
    """Cron moves nothing and leaves the schedule as it was."""
    before = (state(rt).deal_ops_by_epoch, get_balance(rt, client), get_balance(rt, provider))
    cron_tick(rt)
    assert (state(rt).deal_ops_by_epoch, get_balance(rt, client), get_balance(rt, provider)) == before


def terminate_deals_raw(
    rt: FakeRuntime, miner: Address, sectors: Sequence[int], terminated: Sequence[int]
) -> bytes:
    """OnMinerSectorsTerminate at the current epoch, expecting deal-terminated events for ``terminated``."""
    rt.set_caller(miner, manifest.MINER)
    log = EventLog(rt)
    for deal_id in terminated:
        expect_deal_event(log, "deal-terminated", deal_id, get_deal_proposal(rt, deal_id))
    params = OnMinerSectorsTerminateParams(rt.epoch, BitField.from_indices(sectors))
    ret = call(rt, Method.ON_MINER_SECTORS_TERMINATE, params.encode())
    log.check()
    return ret


def terminate_deals(
    rt: FakeRuntime, miner: Address, sectors: Sequence[int], terminated: Sequence[int]
) -> None:
    """Terminate sectors, expecting the burn of the collateral of the deals not yet ended."""
    total = ZERO
    for deal_id in get_sector_deal_ids(rt, miner.id, sectors) or []:
        d = find_deal_proposal(rt, deal_id)
        if d is not None and rt.epoch < d.end_epoch:
            total = total + d.provider_collateral
    if total > ZERO:
        expect_burn(rt, total)
    assert terminate_deals_raw(rt, miner, sectors, terminated) == b""


def terminate_deals_and_assert_balances(
    rt: FakeRuntime, client: Address, provider: Address, sectors: Sequence[int], terminated: Sequence[int]
) -> tuple[TokenAmount, TokenAmount]:
    """Terminate sectors (all deals of one client) and check the balances; (paid, slashed)."""
    deal_ids = get_sector_deal_ids(rt, provider.id, sectors)
    assert deal_ids is not None
    infos = [(get_deal_state(rt, d), p) for d in deal_ids if (p := find_deal_proposal(rt, d)) is not None]
    total_payment = total_slashed = payment_remaining = client_unlocked = ZERO
    for s, d in infos:
        if rt.epoch < d.end_epoch:
            start = (
                d.start_epoch
                if s.last_updated_epoch == EPOCH_UNDEFINED
                else max(s.last_updated_epoch, d.start_epoch)
            )
            total_payment = total_payment + d.storage_price_per_epoch * max(0, rt.epoch - start)
            payment_remaining = payment_remaining + deal_get_payment_remaining(d, rt.epoch)
            client_unlocked = client_unlocked + d.client_collateral
            total_slashed = total_slashed + d.provider_collateral
    client_before, provider_before = get_balance(rt, client), get_balance(rt, provider)
    terminate_deals(rt, provider, sectors, terminated)
    client_after, provider_after = get_balance(rt, client), get_balance(rt, provider)
    assert client_after.balance == client_before.balance - total_payment
    assert client_after.locked == client_before.locked - total_payment - payment_remaining - client_unlocked
    assert provider_after.balance == provider_before.balance + total_payment - total_slashed
    assert provider_after.locked == provider_before.locked - total_slashed
    return total_payment, total_slashed


def terminate_deals_no_change(
    rt: FakeRuntime, client: Address, provider: Address, sectors: Sequence[int], terminated: Sequence[int]
) -> None:
    """Termination moves nothing."""
    before = (state(rt).deal_ops_by_epoch, get_balance(rt, client), get_balance(rt, provider))
    terminate_deals(rt, provider, sectors, terminated)
    assert (state(rt).deal_ops_by_epoch, get_balance(rt, client), get_balance(rt, provider)) == before
