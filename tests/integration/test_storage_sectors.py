"""Sector life through the real VM beyond the one-deal case: two deals in one sector (the VM computes CommD
from the pieces), a pre-commit that is never proven (its deposit burnt), a fault declared ahead of its
deadline (charged the fault fee at the deadline's end), and a verified sector extended with its claim.

Each test ends by flushing the state and checking every invariant and the total FIL supply.
"""

from __future__ import annotations

import pytest

from filnet.actors.miner.methods import Method as MinerMethod
from filnet.actors.miner.monies import pre_commit_deposit_for_power
from filnet.actors.miner.policy import qa_power_for_sector, qa_power_max
from filnet.actors.miner.types import (
    DataActivationNotification,
    DeclareFaultsParams,
    ExpirationExtension2,
    ExtendSectorExpiration2Params,
    FaultDeclaration,
    PieceActivationManifest,
    ProveCommitSectors3Params,
    SectorActivationManifest,
    SectorClaim,
    TerminateSectorsParams,
    TerminationDeclaration,
)
from filnet.actors.singletons import STORAGE_MARKET_ACTOR
from filnet.core.address import Address
from filnet.core.token import ZERO
from filnet.core.types import ChainEpoch
from filnet.ipld import dagcbor
from filnet.ipld.bitfield import BitField
from filnet.piece.cid import piece_cid_v1
from filnet.piece.commp_ref import commp
from filnet.proofs.pieces import Piece, comm_d_from_pieces
from filnet.proofs.porep import prove_seal
from filnet.vm.exit_codes import ExitCode
from tests.integration.storage_world import (
    CLIENT_ESCROW,
    DEAL_END,
    DEAL_PRICE,
    DEAL_START,
    PROVIDER_COLLATERAL,
    PROVIDER_ESCROW,
    SECTOR_EXPIRATION,
    SECTOR_SIZE,
    VERIFIED_END,
    VERIFIED_START,
    Sealed,
    StorageWorld,
    VerifiedSector,
    keep_proving,
    onboard_deal_sector,
    onboard_verified_sector,
    sector_content,
)
from tests.integration.test_storage_faults import deadline_fees

HALF = SECTOR_SIZE // 2
HALF_UNPADDED = HALF // 128 * 127


def test_two_deals_in_one_sector() -> None:
    world = StorageWorld()
    keys = world.keys
    miner = world.create_miner().id_address
    world.add_balance(keys.client, keys.client.address, CLIENT_ESCROW)
    world.add_balance(keys.owner, miner, PROVIDER_ESCROW)
    first, second = (
        sector_content("first half")[:HALF_UNPADDED],
        sector_content("second half")[:HALF_UNPADDED],
    )
    (commp_a, size_a), (commp_b, size_b) = commp(first), commp(second)
    assert size_a == size_b == HALF
    sealed = world.seal(miner, 0, first + second, world.epoch)
    # the sector's CommD is the tree over its two pieces
    assert (
        comm_d_from_pieces(SECTOR_SIZE, [Piece(commp_a, HALF), Piece(commp_b, HALF)]) == sealed.sector.comm_d
    )
    pieces = [(piece_cid_v1(commp_a), HALF), (piece_cid_v1(commp_b), HALF)]
    deals = [
        world.deal(
            keys.client,
            miner,
            piece,
            DEAL_START,
            DEAL_END,
            DEAL_PRICE,
            PROVIDER_COLLATERAL,
            ZERO,
            label=str(i),
        )
        for i, piece in enumerate(pieces)
    ]
    ids = world.publish(keys.worker, deals).ids
    manifests = tuple(
        PieceActivationManifest(
            cid, size, None, (DataActivationNotification(STORAGE_MARKET_ACTOR, dagcbor.encode(deal_id)),)
        )
        for (cid, size), deal_id in zip(pieces, ids, strict=True)
    )
    world.next_epoch()
    (onboarded,) = world.onboard(miner, [(0, first + second)], SECTOR_EXPIRATION, pieces={0: manifests})
    assert onboarded.sealed == sealed
    sector = world.sector(miner, 0)
    assert sector is not None
    activation = sector.activation
    assert sector.deal_weight == SECTOR_SIZE * (SECTOR_EXPIRATION - activation)  # both halves, whole term
    for deal_id in ids:
        deal_state = world.deal_state(deal_id)
        assert deal_state is not None and (deal_state.sector_number, deal_state.sector_start_epoch) == (
            0,
            activation,
        )
    deadline, partition = world.sector_location(miner, 0)
    world.advance_to_deadline(miner, deadline)
    world.window_post(miner, [sealed], [partition])
    world.next_epoch()
    world.award_block_reward(miner)  # keeps the network's pledge total positive (test_storage_faults)

    # Terminating the sector ends both deals: both providers' collaterals are burnt.
    keep_proving(world, miner, deadline, [sealed], 100)
    burnt = world.burnt()
    terminate = TerminateSectorsParams(
        (TerminationDeclaration(deadline, partition, BitField.from_indices([0])),)
    ).encode()
    result = world.send_ok(keys.worker, miner, MinerMethod.TERMINATE_SECTORS, terminate)
    gas = result.gas_outputs.base_fee_burn + result.gas_outputs.over_estimation_burn
    fee = world.burnt() - burnt - gas - PROVIDER_COLLATERAL * 2
    assert fee > ZERO
    assert [world.deal_state(d) for d in ids] == [None, None]
    paid = DEAL_PRICE * (world.epoch - DEAL_START) * 2
    assert world.escrow(keys.client.address) == CLIENT_ESCROW - paid
    assert world.escrow(miner) == PROVIDER_ESCROW + paid - PROVIDER_COLLATERAL * 2
    world.next_epoch()
    world.flush_and_check()


def test_a_pre_commit_never_proven_loses_its_deposit() -> None:
    setup = onboard_deal_sector()
    world, miner, keys = setup.world, setup.miner, setup.world.keys
    world.next_epoch()
    sealed = world.seal(miner, 2, sector_content("never proven"), world.epoch - 1)
    reward, power = world.reward(), world.power()
    deposit = pre_commit_deposit_for_power(
        reward.this_epoch_reward_smoothed, power.this_epoch_qa_power_smoothed, qa_power_max(SECTOR_SIZE)
    )
    world.precommit(miner, [(2, sealed)], world.epoch - 1, SECTOR_EXPIRATION + 100)
    precommit_epoch = world.epoch
    assert world.miner_state(miner).pre_commit_deposits == deposit
    # The proof is due within the challenge delay and the maximum prove-commit duration; past that the
    # proof is refused, and the clean-up (a delay later, at a deadline's end) burns the deposit.
    policy = world.policy
    expires = precommit_epoch + policy.pre_commit_challenge_delay + policy.max_prove_commit_duration_v1p1
    setup.keep_proving(expires + 1)
    late = world.send(
        keys.worker, miner, MinerMethod.PROVE_COMMIT_SECTORS3, _prove_params(world, miner, sealed)
    )
    assert late.receipt.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    clean_up = expires + policy.expired_pre_commit_clean_up_delay
    setup.keep_proving(clean_up - 1)
    assert world.miner_state(miner).pre_commit_deposits == deposit
    burnt = world.burnt()
    balance = world.balance(miner)
    # the clean-up epoch is rounded up to a deadline's end (sector 0's deadline does not end meanwhile)
    end = clean_up + 2 * policy.wpost_challenge_window
    assert all((e - setup.deadline * 2 - 18) % policy.wpost_proving_period for e in range(clean_up - 1, end))
    setup.keep_proving(end)
    state = world.miner_state(miner)
    assert state.pre_commit_deposits == ZERO
    assert state.get_precommitted_sector(world.store, 2) is None
    assert world.burnt() - burnt == deposit
    assert world.balance(miner) == balance - deposit
    world.next_epoch()
    world.flush_and_check()


def _prove_params(world: StorageWorld, miner: Address, sealed: Sealed) -> bytes:
    """ProveCommitSectors3 params for sector 2 with a real proof against its (expired) pre-commit."""
    precommit = world.miner_state(miner).get_precommitted_sector(world.store, 2)
    assert precommit is not None
    seed = world.seal_seed(miner, precommit.pre_commit_epoch + world.policy.pre_commit_challenge_delay)
    proof = prove_seal(sealed.directory, seed).to_bytes()
    manifest = SectorActivationManifest(2, (PieceActivationManifest(sealed.piece_cid, SECTOR_SIZE),))
    return ProveCommitSectors3Params((manifest,), (proof,), b"", None, True, True).encode()


def test_a_declared_fault_pays_the_fault_fee_at_its_deadline() -> None:
    """Declared ahead of its deadline, a fault loses its power at once and counts as already faulty when the
    deadline ends, so it pays the fault fee there (a fault first detected by a missed PoSt pays nothing at
    detection; builtin-actors ``advance_deadline`` takes the faulty power before detecting new faults)."""
    setup = onboard_deal_sector()
    world, miner = setup.world, setup.miner
    world.advance_to(40)
    declare = DeclareFaultsParams(
        (FaultDeclaration(setup.deadline, setup.partition, BitField.from_indices([0])),)
    ).encode()
    world.send_ok(world.keys.worker, miner, MinerMethod.DECLARE_FAULTS, declare)
    claim = world.claim(miner)
    assert claim is not None and (claim.raw_byte_power, claim.quality_adj_power) == (0, 0)
    assert set(world.partition(miner, setup.deadline, setup.partition).faults) == {0}
    info = world.advance_to_deadline(miner, setup.deadline)
    world.advance_to(info.last())
    fault_fee, daily = deadline_fees(world, setup, SECTOR_SIZE)
    assert fault_fee > ZERO
    burnt = world.burnt()
    world.next_epoch()
    assert world.burnt() - burnt == fault_fee + daily
    assert world.miner_state(miner).fee_debt == ZERO
    world.flush_and_check()


def extend_verified_sector() -> tuple[VerifiedSector, str]:
    """A verified sector extended to its claim's maximum term; the state check's (false) report on it."""
    setup = onboard_verified_sector()
    world, miner = setup.world, setup.miner
    world.advance_to(40)
    old = world.sector(miner, 1)
    assert old is not None
    assert qa_power_for_sector(SECTOR_SIZE, old) == 10 * SECTOR_SIZE
    claim_before = world.claim(miner)
    # the claim's term ends at its start (the activation) plus its maximum term
    term_max = VERIFIED_END - VERIFIED_START + world.policy.market_default_allocation_term_buffer
    term_end = old.activation + term_max

    def extend(new_expiration: int, with_claim: bool = True) -> ExtendSectorExpiration2Params:
        claims = (SectorClaim(1, (setup.claim_id,), ()),) if with_claim else ()
        sectors = BitField() if with_claim else BitField.from_indices([1])
        return ExtendSectorExpiration2Params(
            (
                ExpirationExtension2(
                    setup.deadline, setup.partition, sectors, claims, ChainEpoch(new_expiration)
                ),
            )
        )

    # A verified sector must declare its claims; the claim caps the new expiration.
    undeclared = world.send(
        world.keys.worker, miner, MinerMethod.EXTEND_SECTOR_EXPIRATION2, extend(term_end, False).encode()
    )
    assert undeclared.receipt.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    too_far = world.send(
        world.keys.worker, miner, MinerMethod.EXTEND_SECTOR_EXPIRATION2, extend(term_end + 1).encode()
    )
    assert too_far.receipt.exit_code is ExitCode.USR_FORBIDDEN

    world.send_ok(world.keys.worker, miner, MinerMethod.EXTEND_SECTOR_EXPIRATION2, extend(term_end).encode())
    new = world.sector(miner, 1)
    assert new is not None
    assert (new.expiration, new.power_base_epoch) == (term_end, world.epoch)
    assert new.verified_deal_weight == SECTOR_SIZE * (term_end - world.epoch)
    assert qa_power_for_sector(SECTOR_SIZE, new) == 10 * SECTOR_SIZE
    assert (new.initial_pledge, new.daily_fee) == (old.initial_pledge, old.daily_fee)
    assert world.claim(miner) == claim_before
    world.next_epoch()
    # builtin-actors' state check (``state/src/check.rs`` check_verifreg_against_miners, mirrored by
    # filnet.actors.invariants) expects a claim's sector to weigh claim size × (expiration − claim term
    # start), but an extended sector weighs its space × (expiration − new power base epoch): the check
    # reports every extended verified sector. See the xfail test below.
    weight = SECTOR_SIZE * (term_end - old.activation)
    report = f"sector 1 verified weight {new.verified_deal_weight} does not match claims of {weight}"
    return setup, f"{report} for miner {miner}"


def test_a_verified_sector_is_extended_within_its_claim() -> None:
    setup, report = extend_verified_sector()
    assert setup.world.problems() == (report,)


@pytest.mark.xfail(
    strict=True,
    reason="state-check false positive inherited from builtin-actors check.rs: the expected verified weight "
    "of a claimed sector uses claim.term_start, not the sector's power_base_epoch (which an extension moves)",
)
def test_the_state_check_accepts_an_extended_verified_sector() -> None:
    setup, _ = extend_verified_sector()
    setup.world.flush_and_check()
