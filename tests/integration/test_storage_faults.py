"""Faults and terminations through the real VM: a missed WindowPoSt detected by the deadline cron, the
continued fault fee, a declared recovery proven by a real PoSt, and an early termination with its fee and
its deal slashed. Fees are checked against the miner's money formulas (``miner/monies.py``).

Each test ends by flushing the state and checking every invariant and the total FIL supply.
"""

from __future__ import annotations

import pytest

from filnet.actors.miner.methods import Method as MinerMethod
from filnet.actors.miner.monies import (
    expected_reward_for_power,
    pledge_penalty_for_continued_fault,
    pledge_penalty_for_invalid_windowpost,
    pledge_penalty_for_termination,
)
from filnet.actors.miner.policy import BASE_REWARD_FOR_DISPUTED_WINDOW_POST, daily_proof_fee_payable
from filnet.actors.miner.types import (
    DeclareFaultsRecoveredParams,
    DisputeWindowedPoStParams,
    RecoveryDeclaration,
    TerminateSectorsParams,
    TerminateSectorsReturn,
    TerminationDeclaration,
)
from filnet.core.token import ZERO, TokenAmount
from filnet.ipld.bitfield import BitField
from filnet.params.network import EPOCHS_IN_DAY
from filnet.vm.exit_codes import ExitCode
from tests.integration.storage_world import (
    CLIENT_ESCROW,
    DEAL_PRICE,
    DEAL_START,
    PROVIDER_COLLATERAL,
    PROVIDER_ESCROW,
    SECTOR_EXPIRATION,
    SECTOR_SIZE,
    DealSector,
    StorageWorld,
    onboard_deal_sector,
    sector_content,
)


def deadline_fees(world: StorageWorld, setup: DealSector, faulty_qa: int) -> tuple[TokenAmount, TokenAmount]:
    """The continued fault fee of ``faulty_qa`` and the daily fee payable that the sector's deadline cron,
    run at this epoch, charges: from the estimates the power actor hands it (the states before its cron)."""
    reward, power = world.reward(), world.power()
    fault_fee = pledge_penalty_for_continued_fault(
        reward.this_epoch_reward_smoothed, power.this_epoch_qa_power_smoothed, faulty_qa
    )
    deadline = world.deadline_state(setup.miner, setup.deadline)
    day_reward = expected_reward_for_power(
        reward.this_epoch_reward_smoothed,
        power.this_epoch_qa_power_smoothed,
        deadline.live_power.qa,
        EPOCHS_IN_DAY,
    )
    return fault_fee, daily_proof_fee_payable(world.policy, deadline.daily_fee, day_reward)


def unvested_due(world: StorageWorld, setup: DealSector) -> TokenAmount:
    """Locked funds already due to vest by now (a deadline cron unlocks them)."""
    vesting = world.miner_state(setup.miner).vesting_funds.load(world.store)
    return sum((e.amount for e in vesting if e.epoch <= world.epoch), ZERO)


@pytest.mark.parametrize("rewards", [True, False], ids=["fee-from-vesting", "fee-from-balance"])
def test_missed_window_post_fault_fee_and_recovery(rewards: bool) -> None:
    setup = onboard_deal_sector()
    world, miner = setup.world, setup.miner
    policy = world.policy
    first = world.deadline(miner)
    assert first.index == setup.deadline
    if rewards:
        # Block rewards vest, and the vesting funds pay penalties first.
        for _ in range(3):
            world.next_epoch()
            world.award_block_reward(miner)
    period, window = policy.wpost_proving_period, policy.wpost_challenge_window

    # Skip the sector's next window: the deadline's cron (at its last epoch) detects the missed PoSt.
    second_last = first.open + period + window - 1
    world.advance_to(second_last)
    claim = world.claim(miner)
    assert claim is not None and claim.raw_byte_power == SECTOR_SIZE
    fault_fee, daily = deadline_fees(world, setup, 0)
    assert fault_fee == ZERO  # nothing was faulty before: a newly detected fault pays no fee
    burnt = world.burnt()
    world.next_epoch()
    partition = world.partition(miner, setup.deadline, setup.partition)
    assert set(partition.faults) == {0}
    assert partition.faulty_power.qa == SECTOR_SIZE
    claim = world.claim(miner)
    assert claim is not None and (claim.raw_byte_power, claim.quality_adj_power) == (0, 0)
    assert world.burnt() - burnt == daily
    assert world.miner_state(miner).fee_debt == ZERO

    # Still faulty at the next window: the continued fault fee, 3.51 days of the sector's expected reward.
    third_last = second_last + period
    world.advance_to(third_last)
    fault_fee, daily = deadline_fees(world, setup, SECTOR_SIZE)
    penalty = fault_fee + daily
    assert fault_fee > ZERO
    assert unvested_due(world, setup) == ZERO  # so this cron unlocks nothing
    state = world.miner_state(miner)
    locked, balance, burnt = state.locked_funds, world.balance(miner), world.burnt()
    world.next_epoch()
    state = world.miner_state(miner)
    assert world.burnt() - burnt == penalty
    assert world.balance(miner) == balance - penalty
    assert state.fee_debt == ZERO
    if rewards:
        assert locked > penalty
        assert state.locked_funds == locked - penalty  # all of it from vesting funds
    else:
        assert locked < penalty
        assert state.locked_funds == ZERO  # the vesting deposit went first, the balance paid the rest

    # Declare the recovery before the next window's fault cutoff; the PoSt that proves it restores power.
    fourth = world.deadline(miner)
    declare = DeclareFaultsRecoveredParams(
        (RecoveryDeclaration(setup.deadline, setup.partition, BitField.from_indices([0])),)
    ).encode()
    refused = world.send(world.keys.stranger, miner, MinerMethod.DECLARE_FAULTS_RECOVERED, declare)
    assert refused.receipt.exit_code is ExitCode.USR_FORBIDDEN
    world.send_ok(world.keys.worker, miner, MinerMethod.DECLARE_FAULTS_RECOVERED, declare)
    partition = world.partition(miner, setup.deadline, setup.partition)
    assert set(partition.recoveries) == {0}
    assert partition.recovering_power.qa == SECTOR_SIZE
    claim = world.claim(miner)
    assert claim is not None and claim.raw_byte_power == 0
    info = world.advance_to_deadline(miner, setup.deadline)
    assert info.open == fourth.open + period - (fourth.index - setup.deadline) * window
    world.window_post(miner, [setup.sealed])
    claim = world.claim(miner)
    assert claim is not None and (claim.raw_byte_power, claim.quality_adj_power) == (SECTOR_SIZE, SECTOR_SIZE)
    partition = world.partition(miner, setup.deadline, setup.partition)
    assert not partition.faults and not partition.recoveries

    # Recovered: this window's cron charges the daily fee only.
    world.advance_to(info.last())
    fault_fee, daily = deadline_fees(world, setup, 0)
    burnt = world.burnt()
    world.next_epoch()
    assert world.burnt() - burnt == daily
    world.flush_and_check()


def test_terminate_sector_burns_the_fee_and_slashes_the_deal() -> None:
    setup = onboard_deal_sector()
    world, miner, keys = setup.world, setup.miner, setup.world.keys
    # A block reward: its vesting part counts in the network's pledge total (see the test below).
    world.next_epoch()
    world.award_block_reward(miner)
    setup.keep_proving(120)
    sector = world.sector(miner, 0)
    assert sector is not None
    client = keys.client.address
    terminate = TerminateSectorsParams(
        (TerminationDeclaration(setup.deadline, setup.partition, BitField.from_indices([0])),)
    ).encode()
    refused = world.send(keys.stranger, miner, MinerMethod.TERMINATE_SECTORS, terminate)
    assert refused.receipt.exit_code is ExitCode.USR_FORBIDDEN

    # The fee: FIP-0098's share of the initial pledge for the sector's age, at least 105% of the fault fee
    # at today's reward and network power estimates.
    reward, power = world.reward(), world.power()
    fault_fee = pledge_penalty_for_continued_fault(
        reward.this_epoch_reward_smoothed, power.this_epoch_qa_power_smoothed, SECTOR_SIZE
    )
    fee = pledge_penalty_for_termination(sector.initial_pledge, world.epoch - sector.activation, fault_fee)
    assert fee == TokenAmount(fault_fee.atto * 105 // 100)  # the fault-fee floor binds for a young sector
    burnt, balance = world.burnt(), world.balance(miner)
    locked = world.miner_state(miner).locked_funds
    pledge_total = world.power().total_pledge_collateral

    result = world.send_ok(keys.worker, miner, MinerMethod.TERMINATE_SECTORS, terminate)
    assert TerminateSectorsReturn.decode(result.receipt.return_data).done
    gas_burnt = result.gas_outputs.base_fee_burn + result.gas_outputs.over_estimation_burn
    # the miner's fee and the provider's whole deal collateral are burnt
    assert world.burnt() - burnt == fee + PROVIDER_COLLATERAL + gas_burnt
    assert world.balance(miner) == balance - fee

    state = world.miner_state(miner)
    assert state.initial_pledge == ZERO
    assert state.fee_debt == ZERO
    assert state.locked_funds == locked - fee  # paid from vesting funds first
    assert state.early_terminations == BitField()
    partition = world.partition(miner, setup.deadline, setup.partition)
    assert set(partition.terminated) == {0}
    claim = world.claim(miner)
    assert claim is not None and (claim.raw_byte_power, claim.quality_adj_power) == (0, 0)
    assert world.power().total_pledge_collateral == pledge_total - sector.initial_pledge - fee

    # The deal: paid up to the termination, the client's fee and collateral unlocked, the provider's
    # collateral slashed, the deal gone.
    paid = DEAL_PRICE * (world.epoch - DEAL_START)
    assert world.deal_state(setup.deal_id) is None
    assert world.market().find_proposal(world.store, setup.deal_id) is None
    assert world.escrow(client) == CLIENT_ESCROW - paid
    assert world.locked(client) == ZERO
    assert world.escrow(miner) == PROVIDER_ESCROW + paid - PROVIDER_COLLATERAL
    assert world.locked(miner) == ZERO
    market = world.market()
    assert (market.total_client_storage_fee, market.total_provider_locked_collateral) == (ZERO, ZERO)

    # A terminated sector cannot be terminated again.
    again = world.send(keys.worker, miner, MinerMethod.TERMINATE_SECTORS, terminate)
    assert again.receipt.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    world.next_epoch()
    world.flush_and_check()


def test_a_lone_miner_cannot_terminate_once_its_creation_deposit_vests() -> None:
    """builtin-actors behaviour, matched: the FIP-0077 creation deposit is locked in the vesting table
    without telling the power actor, but each vested step is reported as a negative pledge change. In a
    network whose only pledge is this miner's, the total falls below the sector's initial pledge, so
    releasing that pledge on termination would make it negative, and the power actor refuses."""
    setup = onboard_deal_sector()
    world, miner = setup.world, setup.miner
    setup.keep_proving(120)
    state = world.miner_state(miner)
    total = world.power().total_pledge_collateral
    vested = world.power().total_pledge_collateral - state.initial_pledge
    assert vested < ZERO  # the part of the deposit already vested, subtracted but never added
    terminate = TerminateSectorsParams(
        (TerminationDeclaration(setup.deadline, setup.partition, BitField.from_indices([0])),)
    ).encode()
    result = world.send(world.keys.worker, miner, MinerMethod.TERMINATE_SECTORS, terminate)
    assert result.receipt.exit_code is ExitCode.USR_ILLEGAL_STATE
    assert "failed to update pledge total" in result.failure
    assert world.power().total_pledge_collateral == total
    assert world.sector(miner, 0) is not None
    assert not world.partition(miner, setup.deadline, setup.partition).terminated
    world.next_epoch()
    world.flush_and_check()


def test_a_lone_miner_is_dropped_by_the_power_actor_when_its_sector_expires() -> None:
    """The same builtin-actors accounting, at a sector's normal expiration: releasing its pledge would take
    the network's pledge total below zero, so the deadline cron's UpdatePledgeTotal fails, the whole
    callback is rolled back, and the power actor, as builtin-actors' does for a failed miner callback,
    deletes the miner's claim and drops its cron. The miner is left with its sector and its pledge, its
    ``deadline_cron_active`` flag set and no cron: builtin-actors' own state check reports that too."""
    setup = onboard_deal_sector()
    world, miner = setup.world, setup.miner
    setup.keep_proving(SECTOR_EXPIRATION - 20)
    claim = world.claim(miner)
    assert claim is not None and claim.raw_byte_power == SECTOR_SIZE
    miners = world.power().miner_count
    state = world.miner_state(miner)
    assert world.power().total_pledge_collateral < state.initial_pledge

    # the sector expires at the end of its deadline's first window after epoch 1000
    setup.keep_proving(SECTOR_EXPIRATION + world.policy.wpost_proving_period)
    world.advance_to(world.epoch + world.policy.wpost_proving_period)
    assert world.claim(miner) is None
    assert world.power().miner_count == miners - 1
    state = world.miner_state(miner)
    assert state.initial_pledge == world.sector(miner, 0).initial_pledge  # type: ignore[union-attr]
    assert not world.partition(miner, setup.deadline, setup.partition).terminated
    assert state.deadline_cron_active
    assert world.problems() == (
        f"miner {miner} has no power claim",
        f"miner {miner} has deadline_cron_active True but 0 proving period crons",
    )


def test_window_post_disputes_are_checked_with_the_real_verifier() -> None:
    """A PoSt that recovers no power is accepted optimistically and checked only if disputed: disputing
    the real one fails; a corrupted one is accepted, then disputed, which faults the sector and charges the
    invalid-PoSt penalty, of which the disputer gets its reward."""
    setup = onboard_deal_sector()
    world, miner, keys = setup.world, setup.miner, setup.world.keys
    dispute = DisputeWindowedPoStParams(setup.deadline, 0).encode()
    first = world.deadline(miner)
    world.advance_to(first.close)  # disputes open once the challenge window has closed
    valid = world.send(keys.stranger, miner, MinerMethod.DISPUTE_WINDOWED_POST, dispute)
    assert valid.receipt.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    assert "failed to dispute valid post" in valid.failure

    world.advance_to_deadline(miner, setup.deadline)
    world.window_post(miner, [setup.sealed], corrupt=True)  # accepted: nothing is being recovered
    claim = world.claim(miner)
    assert claim is not None and claim.raw_byte_power == SECTOR_SIZE
    world.advance_to(world.deadline(miner).close)

    reward, power = world.reward(), world.power()
    penalty = pledge_penalty_for_invalid_windowpost(
        reward.this_epoch_reward_smoothed, power.this_epoch_qa_power_smoothed, SECTOR_SIZE
    )
    disputer_reward = BASE_REWARD_FOR_DISPUTED_WINDOW_POST
    burnt, balance = world.burnt(), world.balance(miner)
    disputer = world.balance(keys.stranger.address)
    result = world.send_ok(keys.stranger, miner, MinerMethod.DISPUTE_WINDOWED_POST, dispute)
    gas_burnt = result.gas_outputs.base_fee_burn + result.gas_outputs.over_estimation_burn
    assert world.balance(miner) == balance - penalty - disputer_reward
    assert world.burnt() == burnt + penalty + gas_burnt
    assert world.balance(keys.stranger.address) == disputer + disputer_reward - world.last_gas
    assert set(world.partition(miner, setup.deadline, setup.partition).faults) == {0}
    claim = world.claim(miner)
    assert claim is not None and (claim.raw_byte_power, claim.quality_adj_power) == (0, 0)
    # a proof can be disputed once
    again = world.send(keys.stranger, miner, MinerMethod.DISPUTE_WINDOWED_POST, dispute)
    assert again.receipt.exit_code is not ExitCode.OK
    world.next_epoch()
    world.flush_and_check()


def test_a_new_miner_in_a_network_without_pledge_is_dropped_at_its_first_vesting_step() -> None:
    """The same accounting at its starkest: in a network with no pledge yet (a fresh devnet), a miner that
    has only pre-committed reports the first vested step of its creation deposit as a negative pledge
    change; the power actor refuses to go below zero, the deadline cron fails and the miner loses its
    claim and its cron, with its pre-commit still pending."""
    world = StorageWorld()
    miner = world.create_miner().id_address
    world.next_epoch()
    sealed = world.seal(miner, 0, sector_content("pending"), world.epoch - 1)
    world.precommit(miner, [(0, sealed)], world.epoch - 1, SECTOR_EXPIRATION)
    assert world.power().total_pledge_collateral == ZERO
    first_step = world.miner_state(miner).vesting_funds.load(world.store)[0].epoch
    world.advance_to(first_step - 1)
    assert world.claim(miner) is not None
    world.advance_to(first_step + world.policy.wpost_proving_period)
    assert world.claim(miner) is None
    state = world.miner_state(miner)
    assert state.deadline_cron_active and state.get_precommitted_sector(world.store, 0) is not None
    assert world.problems() == (
        f"miner {miner} has no power claim",
        f"miner {miner} has deadline_cron_active True but 0 proving period crons",
    )
