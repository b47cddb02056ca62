"""A storage provider from CreateMiner to a finished deal, through the real VM: signed messages, a real
sealed 2 KiB sector and real seal and WindowPoSt proofs, every figure checked against its formula.

Each test ends by flushing the state and checking every invariant and the total FIL supply.
"""

from __future__ import annotations

from filnet.actors.market.actor import next_update_epoch
from filnet.actors.market.methods import Method as MarketMethod
from filnet.actors.market.state import DealState
from filnet.actors.market.types import (
    ClientDealProposal,
    DealSettlementSummary,
    GetBalanceParams,
    GetBalanceReturn,
    PublishStorageDealsParams,
    SettleDealPaymentsParams,
    SettleDealPaymentsReturn,
    WithdrawBalanceParams,
    WithdrawBalanceReturn,
)
from filnet.actors.miner.methods import Method as MinerMethod
from filnet.actors.miner.monies import initial_pledge_for_power, pre_commit_deposit_for_power
from filnet.actors.miner.policy import daily_proof_fee, qa_power_max
from filnet.actors.miner.types import (
    ChangePeerIDParams,
    ChangeWorkerAddressParams,
    GetControlAddressesReturn,
    GetPeerIDReturn,
    ProveCommitSectors3Return,
)
from filnet.actors.power.methods import Method as PowerMethod
from filnet.actors.power.types import CreateMinerParams
from filnet.actors.singletons import STORAGE_MARKET_ACTOR, STORAGE_POWER_ACTOR
from filnet.core.address import Address, Protocol
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld.bitfield import BitField
from filnet.vm.exit_codes import ExitCode
from tests.integration.storage_world import (
    CLIENT_COLLATERAL,
    CLIENT_ESCROW,
    DEAL_CONTENT,
    DEAL_END,
    DEAL_PRICE,
    DEAL_START,
    FIRST_MINER,
    MINER_FUNDS,
    MULTIADDR,
    PEER_ID,
    POST_PROOF,
    PROVIDER_COLLATERAL,
    PROVIDER_ESCROW,
    SECTOR_EXPIRATION,
    SECTOR_SIZE,
    StorageWorld,
    keep_proving,
    onboard_deal_sector,
)


def pledge_now(world: StorageWorld, qa_power: int) -> TokenAmount:
    """The initial pledge of ``qa_power`` at this epoch's reward, power and circulating supply."""
    reward, power = world.reward(), world.power()
    assert power.ramp_start_epoch is not None and power.ramp_duration_epochs is not None
    return initial_pledge_for_power(
        qa_power,
        reward.this_epoch_baseline_power,
        reward.this_epoch_reward_smoothed,
        power.this_epoch_qa_power_smoothed,
        world.machine.circulating_supply,
        world.epoch - power.ramp_start_epoch,
        power.ramp_duration_epochs,
    )


def market_balance(world: StorageWorld, address: Address) -> GetBalanceReturn:
    """The market's GetBalance answer, asked by a message."""
    params = GetBalanceParams(address).encode()
    result = world.send_ok(
        world.keys.stranger, STORAGE_MARKET_ACTOR, MarketMethod.GET_BALANCE_EXPORTED, params
    )
    return GetBalanceReturn.decode(result.receipt.return_data)


def settle(world: StorageWorld, deal_id: int) -> SettleDealPaymentsReturn:
    """SettleDealPayments of one deal, asked by a stranger (anyone may)."""
    params = SettleDealPaymentsParams(BitField.from_indices([deal_id])).encode()
    result = world.send_ok(
        world.keys.stranger, STORAGE_MARKET_ACTOR, MarketMethod.SETTLE_DEAL_PAYMENTS_EXPORTED, params
    )
    return SettleDealPaymentsReturn.decode(result.receipt.return_data)


def test_create_miner_through_the_power_actor() -> None:
    world = StorageWorld()
    keys = world.keys
    miners_before = world.power().miner_count
    owner_before = world.balance(keys.owner.address)
    # FIP-0077: the creation deposit is the pledge of a tenth of the minimum consensus power.
    expected_deposit = pledge_now(world, world.policy.create_miner_deposit_power)

    # Too little FIL for the deposit: the constructor refuses and nothing is created.
    params = CreateMinerParams(
        keys.owner.address, keys.worker.address, int(POST_PROOF), PEER_ID, (MULTIADDR,)
    )
    short = world.send(
        keys.owner, STORAGE_POWER_ACTOR, PowerMethod.CREATE_MINER, params.encode(), TokenAmount(1)
    )
    assert short.receipt.exit_code is ExitCode.USR_INSUFFICIENT_FUNDS
    short_gas = world.last_gas
    assert world.machine.get_actor(FIRST_MINER) is None

    created = world.create_miner()
    assert created.id_address == FIRST_MINER
    assert created.robust_address.protocol is Protocol.ACTOR
    assert world.machine.resolve(created.robust_address) == FIRST_MINER
    miner = created.id_address
    assert world.balance(keys.owner.address) == owner_before - MINER_FUNDS - short_gas - world.last_gas

    info = world.miner_info(miner)
    assert info.owner == world.id_of(keys.owner.address)
    assert info.worker == world.id_of(keys.worker.address)
    assert world.key_of(info.worker) == keys.worker.address  # the BLS key behind the worker account
    assert info.control_addresses == ()
    assert info.peer_id == PEER_ID
    assert info.multi_address == (MULTIADDR,)
    assert info.window_post_proof_type == int(POST_PROOF)
    assert info.sector_size == SECTOR_SIZE
    assert info.window_post_partition_sectors == 2
    assert info.beneficiary == info.owner
    assert info.consensus_fault_elapsed == -1
    state = world.miner_state(miner)
    assert world.balance(miner) == MINER_FUNDS
    assert state.locked_funds == expected_deposit
    assert expected_deposit > ZERO
    assert state.initial_pledge == ZERO
    assert state.pre_commit_deposits == ZERO
    assert not state.deadline_cron_active

    assert world.power().miner_count == miners_before + 1
    claim = world.claim(miner)
    assert claim is not None
    assert (claim.window_post_proof_type, claim.raw_byte_power, claim.quality_adj_power) == (
        int(POST_PROOF),
        0,
        0,
    )

    # The owner adds a control address (the worker stays, so that takes effect at once).
    control_id = world.id_of(keys.control.address)
    change = ChangeWorkerAddressParams(keys.worker.address, (keys.control.address,))
    refused = world.send(keys.worker, miner, MinerMethod.CHANGE_WORKER_ADDRESS, change.encode())
    assert refused.receipt.exit_code is ExitCode.USR_FORBIDDEN
    world.send_ok(keys.owner, miner, MinerMethod.CHANGE_WORKER_ADDRESS, change.encode())
    got = world.send_ok(keys.stranger, miner, MinerMethod.CONTROL_ADDRESSES)
    assert GetControlAddressesReturn.decode(got.receipt.return_data) == GetControlAddressesReturn(
        info.owner, info.worker, (control_id,)
    )
    assert world.miner_info(miner).pending_worker_key is None

    # A control address may change the peer ID; a stranger may not.
    new_peer = PEER_ID[:-1] + b"\xff"
    change_peer = ChangePeerIDParams(new_peer).encode()
    forbidden = world.send(keys.stranger, miner, MinerMethod.CHANGE_PEER_ID, change_peer)
    assert forbidden.receipt.exit_code is ExitCode.USR_FORBIDDEN
    world.send_ok(keys.control, miner, MinerMethod.CHANGE_PEER_ID, change_peer)
    peer = world.send_ok(keys.stranger, miner, MinerMethod.GET_PEER_ID_EXPORTED)
    assert GetPeerIDReturn.decode(peer.receipt.return_data).peer_id == new_peer
    world.next_epoch()

    # builtin-actors locks the creation deposit without enrolling the deadline cron, which its own state
    # check reports (its integration tests wipe the deposit after CreateMiner to hide it); the first
    # pre-commit enrolls the cron and the state is sound again.
    assert world.problems() == (f"{miner}: DeadlineCronActive == false when IP+PCD+LF > 0",)
    sealed = world.seal(miner, 0, DEAL_CONTENT, world.epoch - 1)
    world.precommit(miner, [(0, sealed)], world.epoch - 1, SECTOR_EXPIRATION)
    assert world.miner_state(miner).deadline_cron_active
    world.next_epoch()
    world.flush_and_check()


def test_unverified_deal_from_publication_to_expiry() -> None:
    world = StorageWorld()
    keys = world.keys
    miner = world.create_miner().id_address
    client = keys.client.address
    world.add_balance(keys.client, client, CLIENT_ESCROW)
    world.add_balance(keys.owner, miner, PROVIDER_ESCROW)
    assert market_balance(world, client) == GetBalanceReturn(CLIENT_ESCROW, ZERO)
    assert market_balance(world, miner) == GetBalanceReturn(PROVIDER_ESCROW, ZERO)

    sealed = world.seal(miner, 0, DEAL_CONTENT, world.epoch)
    deal = world.deal(
        keys.client, miner, sealed, DEAL_START, DEAL_END, DEAL_PRICE, PROVIDER_COLLATERAL, CLIENT_COLLATERAL
    )
    # A proposal signed by anyone but the client is dropped; with no valid deal left, the message fails.
    forged = ClientDealProposal(deal.proposal, keys.stranger.sign(deal.proposal.encode()))
    bad = world.send(
        keys.worker,
        STORAGE_MARKET_ACTOR,
        MarketMethod.PUBLISH_STORAGE_DEALS,
        PublishStorageDealsParams((forged,)).encode(),
    )
    assert bad.receipt.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    # Only the provider's worker or control addresses may publish.
    by_client = world.send(
        keys.client,
        STORAGE_MARKET_ACTOR,
        MarketMethod.PUBLISH_STORAGE_DEALS,
        PublishStorageDealsParams((deal,)).encode(),
    )
    assert by_client.receipt.exit_code is ExitCode.USR_FORBIDDEN

    published = world.publish(keys.worker, [deal])
    assert published.valid_deals == BitField.from_indices([0])
    (deal_id,) = published.ids
    total_fee = DEAL_PRICE * (DEAL_END - DEAL_START)
    assert market_balance(world, client) == GetBalanceReturn(CLIENT_ESCROW, total_fee + CLIENT_COLLATERAL)
    assert market_balance(world, miner) == GetBalanceReturn(PROVIDER_ESCROW, PROVIDER_COLLATERAL)
    market = world.market()
    assert market.total_client_storage_fee == total_fee
    assert market.total_client_locked_collateral == CLIENT_COLLATERAL
    assert market.total_provider_locked_collateral == PROVIDER_COLLATERAL
    assert world.deal_state(deal_id) is None

    # Pre-commit with the ticket of epoch 1; the deposit is 20 days of expected reward of the sector's
    # largest possible QA power (before any power exists, a single epoch's smoothed reward).
    world.next_epoch()
    reward, power = world.reward(), world.power()
    deposit = pre_commit_deposit_for_power(
        reward.this_epoch_reward_smoothed, power.this_epoch_qa_power_smoothed, qa_power_max(SECTOR_SIZE)
    )
    balance_before = world.balance(miner)
    world.precommit(miner, [(0, sealed)], 1, SECTOR_EXPIRATION)
    precommit_epoch = world.epoch
    state = world.miner_state(miner)
    assert state.pre_commit_deposits == deposit
    assert state.deadline_cron_active
    precommit = state.get_precommitted_sector(world.store, 0)
    assert precommit is not None
    assert precommit.pre_commit_deposit == deposit
    assert precommit.pre_commit_epoch == precommit_epoch
    assert precommit.info.unsealed_cid.cid == sealed.unsealed_cid

    # The interactive seed is drawn at the pre-commit epoch plus the challenge delay.
    world.advance_to(precommit_epoch + world.policy.pre_commit_challenge_delay + 1)
    activation = world.epoch
    expected_pledge = pledge_now(world, SECTOR_SIZE)
    result = world.prove_commit(miner, [(0, sealed)], deal_ids={0: deal_id})
    activations = ProveCommitSectors3Return.decode(result.receipt.return_data).activation_results
    assert (activations.success_count, activations.fail_codes) == (1, ())
    assert world.deal_state(deal_id) == DealState(0, activation, ChainEpoch(-1), ChainEpoch(-1))

    sector = world.sector(miner, 0)
    assert sector is not None
    assert sector.activation == activation
    assert sector.expiration == SECTOR_EXPIRATION
    assert sector.sealed_cid == sealed.sealed_cid
    assert sector.deal_weight == SECTOR_SIZE * (SECTOR_EXPIRATION - activation)
    assert sector.verified_deal_weight == 0
    assert sector.initial_pledge == expected_pledge
    # The pledge is capped at 1 FIL per 32 GiB here: a one-sector network makes the formula's share huge.
    assert expected_pledge == TokenAmount(10**18 // (32 << 30) * SECTOR_SIZE)
    assert sector.daily_fee == daily_proof_fee(world.policy, world.machine.circulating_supply, SECTOR_SIZE)
    state = world.miner_state(miner)
    assert state.pre_commit_deposits == ZERO  # returned on activation
    assert state.initial_pledge == expected_pledge
    assert world.balance(miner) == balance_before
    # No power until the first WindowPoSt.
    claim = world.claim(miner)
    assert claim is not None and (claim.raw_byte_power, claim.quality_adj_power) == (0, 0)

    deadline, partition = world.sector_location(miner, 0)
    info = world.advance_to_deadline(miner, deadline)
    assert info.index == deadline
    world.window_post(miner, [sealed], [partition])
    claim = world.claim(miner)
    assert claim is not None and (claim.raw_byte_power, claim.quality_adj_power) == (SECTOR_SIZE, SECTOR_SIZE)
    world.next_epoch()  # the power actor's cron moves the network totals
    power = world.power()
    assert (power.this_epoch_raw_byte_power, power.this_epoch_quality_adj_power) == (SECTOR_SIZE, SECTOR_SIZE)
    assert power.total_pledge_collateral >= expected_pledge

    # Payments accrue from the deal's start: price × epochs elapsed, moved from client to provider.
    keep_proving(world, miner, deadline, [sealed], 100)
    first = settle(world, deal_id)
    paid = DEAL_PRICE * (100 - DEAL_START)
    assert first.settlements == (DealSettlementSummary(paid, False),)
    assert market_balance(world, miner) == GetBalanceReturn(PROVIDER_ESCROW + paid, PROVIDER_COLLATERAL)
    assert market_balance(world, client) == GetBalanceReturn(
        CLIENT_ESCROW - paid, total_fee - paid + CLIENT_COLLATERAL
    )
    assert world.market().total_client_storage_fee == total_fee - paid
    deal_state = world.deal_state(deal_id)
    assert deal_state is not None and deal_state.last_updated_epoch == 100

    # After its end the last settlement pays the rest, completes the deal and unlocks both collaterals.
    keep_proving(world, miner, deadline, [sealed], DEAL_END + 10)
    last = settle(world, deal_id)
    assert last.settlements == (DealSettlementSummary(DEAL_PRICE * (DEAL_END - 100), True),)
    assert world.deal_state(deal_id) is None
    assert world.market().find_proposal(world.store, deal_id) is None
    assert market_balance(world, miner) == GetBalanceReturn(PROVIDER_ESCROW + total_fee, ZERO)
    assert market_balance(world, client) == GetBalanceReturn(CLIENT_ESCROW - total_fee, ZERO)
    market = world.market()
    assert (
        market.total_client_storage_fee,
        market.total_client_locked_collateral,
        market.total_provider_locked_collateral,
    ) == (ZERO, ZERO, ZERO)
    # A deal that is gone cannot be settled again.
    again = settle(world, deal_id)
    assert again.results.success_count == 0

    # The provider's earnings go to the owner; the client takes back what is left.
    owner_before = world.balance(keys.owner.address)
    withdraw = WithdrawBalanceParams(miner, PROVIDER_ESCROW + total_fee).encode()
    stranger = world.send(keys.stranger, STORAGE_MARKET_ACTOR, MarketMethod.WITHDRAW_BALANCE, withdraw)
    assert stranger.receipt.exit_code is ExitCode.USR_FORBIDDEN
    result = world.send_ok(keys.owner, STORAGE_MARKET_ACTOR, MarketMethod.WITHDRAW_BALANCE, withdraw)
    assert (
        WithdrawBalanceReturn.decode(result.receipt.return_data).amount_withdrawn
        == PROVIDER_ESCROW + total_fee
    )
    assert world.balance(keys.owner.address) == owner_before + PROVIDER_ESCROW + total_fee - world.last_gas
    client_before = world.balance(client)
    world.send_ok(
        keys.client,
        STORAGE_MARKET_ACTOR,
        MarketMethod.WITHDRAW_BALANCE,
        WithdrawBalanceParams(client, CLIENT_ESCROW).encode(),
    )
    assert world.balance(client) == client_before + CLIENT_ESCROW - total_fee - world.last_gas
    assert market_balance(world, client) == GetBalanceReturn(ZERO, ZERO)

    # The sector outlives its deal and keeps its power while proven.
    claim = world.claim(miner)
    assert claim is not None and claim.raw_byte_power == SECTOR_SIZE
    world.next_epoch()
    world.flush_and_check()


def test_a_deal_settled_before_its_start_is_then_paid_by_cron() -> None:
    """builtin-actors leaves activated deals to explicit settlement, but a settlement before the deal's start
    marks it updated, so the market's cron takes it for a legacy deal: from its start it pays it every
    ``deal_updates_interval`` epochs (at the deal's offset) until the end, and completes it."""
    setup = onboard_deal_sector()
    world, miner, deal_id = setup.world, setup.miner, setup.deal_id
    client = world.keys.client.address
    world.next_epoch()
    assert world.epoch < DEAL_START
    early = settle(world, deal_id)
    assert early.settlements == (DealSettlementSummary(ZERO, False),)
    deal_state = world.deal_state(deal_id)
    assert deal_state is not None and deal_state.last_updated_epoch == world.epoch

    interval = world.policy.deal_updates_interval
    # the deal was scheduled at its start; each cron pass moves it to the next epoch of its offset
    updates = [DEAL_START]
    while updates[-1] < DEAL_END:
        updates.append(next_update_epoch(deal_id, interval, ChainEpoch(updates[-1] + 1)))
    assert updates[:3] == [60, 80, 100]
    for epoch in updates[1:]:
        setup.keep_proving(epoch + 1)  # past the cron of ``epoch``
        if epoch >= DEAL_END:
            break
        paid = DEAL_PRICE * (epoch - DEAL_START)
        assert world.escrow(miner) == PROVIDER_ESCROW + paid, epoch
        assert world.escrow(client) == CLIENT_ESCROW - paid
        deal_state = world.deal_state(deal_id)
        assert deal_state is not None and deal_state.last_updated_epoch == epoch
    # the pass after the end pays the rest and completes the deal, with no settlement call
    total_fee = DEAL_PRICE * (DEAL_END - DEAL_START)
    assert world.deal_state(deal_id) is None
    assert market_balance(world, miner) == GetBalanceReturn(PROVIDER_ESCROW + total_fee, ZERO)
    assert market_balance(world, client) == GetBalanceReturn(CLIENT_ESCROW - total_fee, ZERO)
    world.next_epoch()
    world.flush_and_check()
