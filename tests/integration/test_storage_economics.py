"""A storage provider's money through the real VM: extending a sector, withdrawing as owner and as a
beneficiary, block rewards from the reward actor (implicit ``AwardBlockReward``, and a whole tipset) and
their vesting, and a consensus fault proven by two real signed block headers.

Each test ends by flushing the state and checking every invariant and the total FIL supply.
"""

from __future__ import annotations

from dataclasses import replace

from filnet.actors.miner.beneficiary import BeneficiaryTerm, PendingBeneficiaryChange
from filnet.actors.miner.methods import Method as MinerMethod
from filnet.actors.miner.monies import consensus_fault_penalty, locked_reward_from_reward
from filnet.actors.miner.policy import reward_for_consensus_slash_report
from filnet.actors.miner.sectors import CompactCommD, SectorPreCommitInfo
from filnet.actors.miner.types import (
    ActiveBeneficiary,
    ChangeBeneficiaryParams,
    ExpirationExtension2,
    ExtendSectorExpiration2Params,
    GetAvailableBalanceReturn,
    GetBeneficiaryReturn,
    PreCommitSectorBatchParams2,
    ReportConsensusFaultParams,
    WithdrawBalanceParams,
    WithdrawBalanceReturn,
)
from filnet.actors.singletons import REWARD_ACTOR
from filnet.chain.block import BlockHeader
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld.bitfield import BitField
from filnet.vm.exit_codes import ExitCode
from filnet.vm.interpreter.apply import BURNT_FUNDS_ACTOR
from tests.integration.storage_world import (
    FIL,
    SEAL_PROOF,
    SECTOR_EXPIRATION,
    SECTOR_SIZE,
    StorageWorld,
    header_parent,
    onboard_deal_sector,
    sector_content,
)


def available(world: StorageWorld, miner: Address) -> TokenAmount:
    """The miner's GetAvailableBalance, asked by a message."""
    result = world.send_ok(world.keys.stranger, miner, MinerMethod.GET_AVAILABLE_BALANCE_EXPORTED)
    return GetAvailableBalanceReturn.decode(result.receipt.return_data).available_balance


def test_extend_sector_expiration_keeps_power_and_rescales_deal_weight() -> None:
    setup = onboard_deal_sector()
    world, miner = setup.world, setup.miner
    setup.keep_proving(40)
    old = world.sector(miner, 0)
    assert old is not None
    claim_before = world.claim(miner)
    new_expiration = ChainEpoch(2000)
    extension = ExtendSectorExpiration2Params(
        (
            ExpirationExtension2(
                setup.deadline, setup.partition, BitField.from_indices([0]), (), new_expiration
            ),
        )
    ).encode()
    refused = world.send(world.keys.stranger, miner, MinerMethod.EXTEND_SECTOR_EXPIRATION2, extension)
    assert refused.receipt.exit_code is ExitCode.USR_FORBIDDEN
    shorter = ExtendSectorExpiration2Params(
        (
            ExpirationExtension2(
                setup.deadline, setup.partition, BitField.from_indices([0]), (), ChainEpoch(900)
            ),
        )
    ).encode()
    reduced = world.send(world.keys.worker, miner, MinerMethod.EXTEND_SECTOR_EXPIRATION2, shorter)
    assert reduced.receipt.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT

    world.send_ok(world.keys.worker, miner, MinerMethod.EXTEND_SECTOR_EXPIRATION2, extension)
    new = world.sector(miner, 0)
    assert new is not None
    assert new.expiration == new_expiration
    assert new.power_base_epoch == world.epoch
    # the deal weight left is the old weight's share of the old term still to run
    assert new.deal_weight == old.deal_weight * (old.expiration - world.epoch) // (
        old.expiration - old.power_base_epoch
    )
    assert new.verified_deal_weight == 0
    assert (new.initial_pledge, new.daily_fee, new.activation) == (
        old.initial_pledge,
        old.daily_fee,
        old.activation,
    )
    assert world.claim(miner) == claim_before
    # the sector now expires with the partition's new expiration entry, not at the old one
    partition = world.partition(miner, setup.deadline, setup.partition)
    assert set(partition.sectors) == {0} and not partition.faults
    # keep it proven past the old expiration: it stays live
    setup.keep_proving(SECTOR_EXPIRATION + 50)
    claim = world.claim(miner)
    assert claim is not None and claim.raw_byte_power == SECTOR_SIZE
    assert not world.partition(miner, setup.deadline, setup.partition).terminated
    world.next_epoch()
    world.flush_and_check()


def test_withdraw_by_owner_then_by_a_beneficiary_within_its_quota() -> None:
    setup = onboard_deal_sector()
    world, miner, keys = setup.world, setup.miner, setup.world.keys
    world.next_epoch()
    owner, beneficiary = keys.owner.address, keys.beneficiary.address

    # The owner withdraws part of what is available, then asks for more than there is.
    free = available(world, miner)
    state = world.miner_state(miner)
    assert (
        free == world.balance(miner) - state.locked_funds - state.initial_pledge - state.pre_commit_deposits
    )
    before = world.balance(owner)
    result = world.send_ok(
        keys.owner, miner, MinerMethod.WITHDRAW_BALANCE, WithdrawBalanceParams(10 * FIL).encode()
    )
    assert WithdrawBalanceReturn.decode(result.receipt.return_data).amount_withdrawn == 10 * FIL
    assert world.balance(owner) == before + 10 * FIL - world.last_gas
    stranger = world.send(
        keys.stranger, miner, MinerMethod.WITHDRAW_BALANCE, WithdrawBalanceParams(FIL).encode()
    )
    assert stranger.receipt.exit_code is ExitCode.USR_FORBIDDEN
    before = world.balance(owner)
    result = world.send_ok(
        keys.owner, miner, MinerMethod.WITHDRAW_BALANCE, WithdrawBalanceParams(free).encode()
    )
    assert WithdrawBalanceReturn.decode(result.receipt.return_data).amount_withdrawn == free - 10 * FIL
    assert world.balance(owner) == before + free - 10 * FIL - world.last_gas
    assert available(world, miner) == ZERO

    # Refill, then hand 30 FIL of withdrawals to a beneficiary for 500 epochs.
    world.send_ok(keys.owner, miner, value=100 * FIL)
    quota, expiration = 30 * FIL, ChainEpoch(world.epoch + 500)
    change = ChangeBeneficiaryParams(beneficiary, quota, expiration).encode()
    world.send_ok(keys.owner, miner, MinerMethod.CHANGE_BENEFICIARY, change)
    owner_id, beneficiary_id = world.id_of(owner), world.id_of(beneficiary)
    info = world.miner_info(miner)
    assert info.beneficiary == owner_id
    assert info.pending_beneficiary_term == PendingBeneficiaryChange(
        beneficiary_id, quota, expiration, True, False
    )
    wrong = ChangeBeneficiaryParams(beneficiary, quota + FIL, expiration).encode()
    mismatch = world.send(keys.beneficiary, miner, MinerMethod.CHANGE_BENEFICIARY, wrong)
    assert mismatch.receipt.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    world.send_ok(keys.beneficiary, miner, MinerMethod.CHANGE_BENEFICIARY, change)
    got = world.send_ok(keys.stranger, miner, MinerMethod.GET_BENEFICIARY_EXPORTED)
    assert GetBeneficiaryReturn.decode(got.receipt.return_data) == GetBeneficiaryReturn(
        ActiveBeneficiary(beneficiary_id, BeneficiaryTerm(quota, ZERO, expiration)), None
    )

    # The beneficiary draws 12 FIL; the owner's withdrawal goes to the beneficiary too, capped by the quota.
    before = world.balance(beneficiary)
    result = world.send_ok(
        keys.beneficiary, miner, MinerMethod.WITHDRAW_BALANCE, WithdrawBalanceParams(12 * FIL).encode()
    )
    assert WithdrawBalanceReturn.decode(result.receipt.return_data).amount_withdrawn == 12 * FIL
    assert world.balance(beneficiary) == before + 12 * FIL - world.last_gas
    owner_before, before = world.balance(owner), world.balance(beneficiary)
    result = world.send_ok(
        keys.owner, miner, MinerMethod.WITHDRAW_BALANCE, WithdrawBalanceParams(50 * FIL).encode()
    )
    assert WithdrawBalanceReturn.decode(result.receipt.return_data).amount_withdrawn == quota - 12 * FIL
    assert world.balance(beneficiary) == before + quota - 12 * FIL
    assert world.balance(owner) == owner_before - world.last_gas
    assert world.miner_info(miner).beneficiary_term == BeneficiaryTerm(quota, quota, expiration)
    # the quota is used up: nothing more may leave
    used_up = world.send(
        keys.beneficiary, miner, MinerMethod.WITHDRAW_BALANCE, WithdrawBalanceParams(FIL).encode()
    )
    assert used_up.receipt.exit_code is ExitCode.USR_FORBIDDEN
    world.next_epoch()
    world.flush_and_check()


def test_block_rewards_vest_and_pay_penalties() -> None:
    setup = onboard_deal_sector()
    world, miner = setup.world, setup.miner
    world.next_epoch()
    reward_state = world.reward()
    epoch_reward = reward_state.this_epoch_reward
    state = world.miner_state(miner)
    balance, locked, reward_balance = world.balance(miner), state.locked_funds, world.balance(REWARD_ACTOR)
    pledge_total = world.power().total_pledge_collateral

    # Two winning tickets and 1000 attoFIL of tips: the reward actor pays win_count/5 of the epoch's reward.
    tips = TokenAmount(1000)
    world.award_block_reward(miner, win_count=2, gas_reward=tips)
    block_reward = TokenAmount(epoch_reward.atto * 2 // 5)
    paid = block_reward + tips
    to_lock, spec = locked_reward_from_reward(world.policy, paid)
    assert to_lock == TokenAmount(paid.atto * 3 // 4)
    assert world.balance(miner) == balance + paid
    assert world.balance(REWARD_ACTOR) == reward_balance - paid
    assert world.reward().total_storage_power_reward == reward_state.total_storage_power_reward + block_reward
    state = world.miner_state(miner)
    assert state.locked_funds == locked + to_lock
    assert world.power().total_pledge_collateral == pledge_total + to_lock
    # the locked part vests linearly in steps over the vesting period
    entries = state.vesting_funds.load(world.store)
    assert sum((e.amount for e in entries), ZERO) == state.locked_funds
    assert entries[-1].epoch >= world.epoch + spec.vest_period - spec.quantization

    # A block penalty (three times what the block's messages cost its miner) comes out of vesting funds.
    penalty = TokenAmount(10**12)
    balance, locked, burnt = world.balance(miner), state.locked_funds, world.burnt()
    world.award_block_reward(miner, win_count=1, penalty=penalty)
    block_reward = TokenAmount(epoch_reward.atto // 5)
    to_lock, _ = locked_reward_from_reward(world.policy, block_reward)
    assert world.burnt() == burnt + penalty * 3
    assert world.balance(miner) == balance + block_reward - penalty * 3
    assert world.miner_state(miner).locked_funds == locked + to_lock - penalty * 3

    # Vesting: by a step past the first entry, a deadline cron has unlocked it into the available balance.
    first = entries[0]
    setup.keep_proving(
        first.epoch + 2 * world.policy.wpost_challenge_window + world.policy.wpost_proving_period
    )
    state = world.miner_state(miner)
    remaining = state.vesting_funds.load(world.store)
    assert all(e.epoch > first.epoch for e in remaining)
    assert state.locked_funds < locked + to_lock - penalty * 3
    world.next_epoch()
    world.flush_and_check()


def test_a_tipset_mined_by_the_miner_pays_it_the_block_reward_and_the_tips() -> None:
    setup = onboard_deal_sector()
    world, miner, keys = setup.world, setup.miner, setup.world.keys
    world.advance_to(20)  # an epoch whose cron charges the miner nothing (its sector's deadline ended at 18)
    epoch_reward = world.reward().this_epoch_reward
    balance, locked = world.balance(miner), world.miner_state(miner).locked_funds
    message = world.message(keys.client, keys.stranger.address, value=FIL, gas_limit=1_000_000)
    result = world.mine_tipset(miner, [message])
    assert [r.exit_code for r in result.receipts] == [ExitCode.OK]
    tip = TokenAmount(1_000_000 * 10)  # the gas premium of 10 attoFIL per unit of the limit
    paid = TokenAmount(epoch_reward.atto // 5) + tip
    assert world.balance(miner) - balance == paid
    to_lock, _ = locked_reward_from_reward(world.policy, paid)
    assert world.miner_state(miner).locked_funds == locked + to_lock
    assert world.balance(BURNT_FUNDS_ACTOR) > ZERO
    world.flush_and_check()


def test_consensus_fault_reported_with_two_signed_headers() -> None:
    setup = onboard_deal_sector()
    world, miner, keys = setup.world, setup.miner, setup.world.keys
    world.next_epoch()
    world.award_block_reward(miner)  # vesting funds, from which the penalty is paid first
    world.next_epoch()
    height = world.epoch - 1
    # Double-fork mining: two blocks at one height on different parents, both signed by the worker.
    first = world.block_header(miner, height, (header_parent("a"),))
    second = world.block_header(miner, height, (header_parent("b"),))
    forged = world.block_header(miner, height, (header_parent("c"),))
    # a header signed by another key proves nothing
    decoded = BlockHeader.decode(forged)
    forged = replace(decoded, block_sig=keys.stranger.sign(decoded.signing_bytes())).encode()
    bad = world.send(
        keys.stranger,
        miner,
        MinerMethod.REPORT_CONSENSUS_FAULT,
        ReportConsensusFaultParams(first, forged, b"").encode(),
    )
    assert bad.receipt.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT

    estimate = TokenAmount(world.reward().this_epoch_reward_smoothed.estimate())
    penalty = consensus_fault_penalty(estimate)
    slasher_reward = reward_for_consensus_slash_report(estimate)
    assert penalty == TokenAmount(estimate.atto * 5 // 5)
    assert slasher_reward == TokenAmount(estimate.atto // 20)
    state = world.miner_state(miner)
    balance, locked, burnt = world.balance(miner), state.locked_funds, world.burnt()
    reporter_before = world.balance(keys.stranger.address)
    report = ReportConsensusFaultParams(first, second, b"").encode()
    result = world.send_ok(keys.stranger, miner, MinerMethod.REPORT_CONSENSUS_FAULT, report)
    gas_burnt = result.gas_outputs.base_fee_burn + result.gas_outputs.over_estimation_burn
    assert world.balance(keys.stranger.address) == reporter_before + slasher_reward - world.last_gas
    assert world.burnt() == burnt + penalty - slasher_reward + gas_burnt
    assert world.balance(miner) == balance - penalty
    state = world.miner_state(miner)
    assert locked < penalty  # the vesting funds went first, then the balance
    assert state.locked_funds == ZERO
    assert state.fee_debt == ZERO
    info = world.miner_info(miner)
    assert info.consensus_fault_elapsed == world.epoch + world.policy.consensus_fault_ineligibility_duration

    # The same fault cannot be reported twice, and the miner may not pre-commit while excluded.
    again = world.send(keys.stranger, miner, MinerMethod.REPORT_CONSENSUS_FAULT, report)
    assert again.receipt.exit_code is ExitCode.USR_FORBIDDEN
    sealed = world.seal(miner, 1, sector_content("during the fault"), world.epoch - 1)
    precommit = PreCommitSectorBatchParams2(
        (
            SectorPreCommitInfo(
                int(SEAL_PROOF),
                1,
                sealed.sealed_cid,
                ChainEpoch(world.epoch - 1),
                (),
                ChainEpoch(world.epoch + 1000),
                CompactCommD.of(sealed.unsealed_cid),
            ),
        )
    ).encode()
    excluded = world.send(keys.worker, miner, MinerMethod.PRE_COMMIT_SECTOR_BATCH2, precommit)
    assert excluded.receipt.exit_code is ExitCode.USR_FORBIDDEN
    world.next_epoch()
    world.flush_and_check()
