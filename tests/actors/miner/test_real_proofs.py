"""The real proof path: 2 KiB sectors sealed by :mod:`filnet.proofs.seal`, pre-committed, proven with a
vanilla seal proof (singly and aggregated), then WindowPoSt-proven and disputed, all checked by the
vanilla verifier (no fake proofs)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.commitment import receiver_entropy
from filnet.actors.miner.methods import Method
from filnet.actors.miner.sectors import CompactCommD, SectorPreCommitInfo
from filnet.actors.miner.types import (
    DisputeWindowedPoStParams,
    PieceActivationManifest,
    PoStPartition,
    ProveCommitSectors3Params,
    SectorActivationManifest,
)
from filnet.core.token import ZERO
from filnet.core.types import ChainEpoch
from filnet.crypto.randomness import DomainSeparationTag
from filnet.ipld.bitfield import BitField
from filnet.piece.cid import piece_cid_v1
from filnet.proofs.onchain import VANILLA, encode_aggregate_seal_proof, encode_post_proof
from filnet.proofs.porep import prove_seal
from filnet.proofs.post import generate_window_post
from filnet.proofs.registry import RegisteredPoStProof, RegisteredSealProof
from filnet.proofs.replica import prover_id_bytes
from filnet.proofs.seal import SealedSector, SealInputs, padded_sector, seal_sector, sealed_cid, unsealed_cid
from filnet.vm.exit_codes import ActorError, ExitCode

from .harness import (
    BIG_BALANCE,
    RECEIVER_ID,
    CronConfig,
    HarnessRuntime,
    MinerHarness,
    expect_update_pledge,
    expect_update_power,
    power_for_sector,
)

PRECOMMIT_EPOCH = 30
SEAL_RAND_EPOCH = PRECOMMIT_EPOCH - 1
SECTORS = (0, 1, 2, 3)
SEAL = RegisteredSealProof.STACKED_DRG_2KIB_V1_1
POST = RegisteredPoStProof.STACKED_DRG_WINDOW_2KIB_V1_1


def _runtime(h: MinerHarness, epoch: int) -> HarnessRuntime:
    rt = h.new_runtime()
    rt.proofs = VANILLA
    rt.epoch = ChainEpoch(epoch)
    return rt


def _content(number: int) -> bytes:
    return bytes((i * 13 + number * 7 + 1) % 251 for i in range(2032))


@pytest.fixture(scope="session")
def sealed_sectors(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, SealedSector]]:
    """Sectors 0-3 of miner 1000 sealed once per session with the ticket the fake runtime will draw."""
    root = tmp_path_factory.mktemp("miner-sealed")
    cache = root / "parent-cache"
    rt = _runtime(MinerHarness(), PRECOMMIT_EPOCH)
    ticket = rt.get_randomness_from_tickets(
        DomainSeparationTag.SEAL_RANDOMNESS, ChainEpoch(SEAL_RAND_EPOCH), receiver_entropy(rt)
    )
    sealed = {}
    for number in SECTORS:
        inputs = SealInputs(SEAL, prover_id_bytes(RECEIVER_ID), number, ticket)
        directory = root / f"sector-{number}"
        sealed[number] = (
            directory,
            seal_sector(inputs, padded_sector([_content(number)], 2048), directory, cache),
        )
    return sealed


def _precommit(h: MinerHarness, sector: SealedSector, number: int, expiration: int) -> SectorPreCommitInfo:
    params = h.make_pre_commit_params(
        number, SEAL_RAND_EPOCH, expiration, (), CompactCommD.of(unsealed_cid(sector.comm_d))
    )
    return replace(params, sealed_cid=sealed_cid(sector.comm_r))


def _onboard(
    h: MinerHarness, sealed: dict[int, tuple[Path, SealedSector]], numbers: tuple[int, ...], aggregate: bool
) -> HarnessRuntime:
    rt = _runtime(h, 1)
    h.construct_and_verify(rt)
    rt.balance = BIG_BALANCE
    rt.epoch = ChainEpoch(PRECOMMIT_EPOCH)
    expiration = h.current_deadline(rt).period_end() + 20 * rt.policy.wpost_proving_period
    precommits = [_precommit(h, sealed[n][1], n, expiration) for n in numbers]
    h.pre_commit_sector_batch_and_get(rt, precommits, first=True)
    h.advance_to_epoch_with_cron(rt, ChainEpoch(PRECOMMIT_EPOCH + rt.policy.pre_commit_challenge_delay + 1))

    seed = rt.get_randomness_from_beacon(
        DomainSeparationTag.INTERACTIVE_SEAL_CHALLENGE_SEED,
        ChainEpoch(PRECOMMIT_EPOCH + rt.policy.pre_commit_challenge_delay),
        receiver_entropy(rt),
    )
    proofs = [prove_seal(sealed[n][0], seed) for n in numbers]
    activations = tuple(
        SectorActivationManifest(n, (PieceActivationManifest(piece_cid_v1(sealed[n][1].comm_d), 2048),))
        for n in numbers
    )
    if aggregate:
        params = ProveCommitSectors3Params(
            activations, (), encode_aggregate_seal_proof(proofs), 1, True, True
        )
    else:
        params = ProveCommitSectors3Params(
            activations, tuple(p.to_bytes() for p in proofs), b"", None, True, True
        )
    rt.set_caller(h.worker, "account")
    h.expect_query_network_info(rt)
    expect_update_pledge(rt, h.initial_pledge_for_power(rt, 2048) * len(numbers))
    rt.call(ACTOR, Method.PROVE_COMMIT_SECTORS3, params.encode())
    rt.verify()
    return rt


def _window_post(
    rt: HarnessRuntime,
    h: MinerHarness,
    sealed: dict[int, tuple[Path, SealedSector]],
    numbers: list[int],
    challenge: int,
) -> bytes:
    randomness = rt.get_randomness_from_beacon(
        DomainSeparationTag.WINDOWED_POST_CHALLENGE_SEED, ChainEpoch(challenge), receiver_entropy(rt)
    )
    bundle = generate_window_post(POST, randomness, [sealed[n][0] for n in numbers])
    assert not bundle.faults
    return encode_post_proof(bundle.proofs)


def test_prove_commit_with_real_seal_proofs_then_window_post(
    sealed_sectors: dict[int, tuple[Path, SealedSector]],
) -> None:
    h = MinerHarness()
    rt = _onboard(h, sealed_sectors, (0, 1), aggregate=False)
    sector = h.get_sector(rt, 0)
    assert sector.sealed_cid == sealed_cid(sealed_sectors[0][1].comm_r)
    assert sector.deal_weight == 2048 * (sector.expiration - sector.activation)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    assert h.find_sector(rt, 1)[:2] == (dl_idx, p_idx)

    info = h.advance_to_deadline(rt, dl_idx)
    proof = _window_post(rt, h, sealed_sectors, [0, 1], info.challenge)
    power = power_for_sector(2048, sector) + power_for_sector(2048, h.get_sector(rt, 1))
    rt.set_caller(h.worker, "account")
    expect_update_power(rt, power)
    params = h.make_post_params(rt, info, [PoStPartition(p_idx, BitField())], proof)
    rt.call(ACTOR, Method.SUBMIT_WINDOWED_POST, params.encode())
    rt.verify()
    h.check_state(rt)

    # Disputing the PoSt runs the real verifier, which finds it valid.
    h.advance_deadline(rt, _fee_cron(h, rt, [0, 1]))
    rt.set_caller(h.owner, "account")
    h.expect_query_network_info(rt)
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.DISPUTE_WINDOWED_POST, DisputeWindowedPoStParams(dl_idx, 0).encode())
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    assert "failed to dispute valid post" in e.value.reason


def _fee_cron(h: MinerHarness, rt: HarnessRuntime, numbers: list[int]) -> CronConfig:
    fee = sum((h.get_sector(rt, n).daily_fee for n in numbers), ZERO)
    return CronConfig(burnt_funds=fee)


def test_aggregate_real_seal_proof_and_recovery_post_is_verified(
    sealed_sectors: dict[int, tuple[Path, SealedSector]],
) -> None:
    h = MinerHarness()
    rt = _onboard(h, sealed_sectors, SECTORS, aggregate=True)
    sectors = [h.get_sector(rt, n) for n in SECTORS]
    h.advance_and_submit_posts(rt, sectors)
    h.check_state(rt)

    # Fault and recover sector 0: the next PoSt of its partition recovers power, so it is verified now.
    dl_idx, p_idx, _, partition = h.find_sector(rt, 0)
    h.declare_faults(rt, [sectors[0]])
    h.declare_recoveries(rt, dl_idx, p_idx, BitField.from_indices([0]))
    info = h.advance_to_deadline(rt, dl_idx)
    members = sorted(partition.sectors)
    proof = _window_post(rt, h, sealed_sectors, members, info.challenge)

    bad = bytearray(proof)
    bad[-5] ^= 1
    rt.set_caller(h.worker, "account")
    params = h.make_post_params(rt, info, [PoStPartition(p_idx, BitField())], bytes(bad))
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.SUBMIT_WINDOWED_POST, params.encode())
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT

    expect_update_power(rt, power_for_sector(2048, sectors[0]))
    params = h.make_post_params(rt, info, [PoStPartition(p_idx, BitField())], proof)
    rt.call(ACTOR, Method.SUBMIT_WINDOWED_POST, params.encode())
    rt.verify()
    assert not h.get_deadline(rt, dl_idx).load_partition(rt.store, p_idx).faults
    h.check_state(rt)


def test_a_wrong_seal_proof_is_rejected(sealed_sectors: dict[int, tuple[Path, SealedSector]]) -> None:
    h = MinerHarness()
    rt = _runtime(h, 1)
    h.construct_and_verify(rt)
    rt.balance = BIG_BALANCE
    rt.epoch = ChainEpoch(PRECOMMIT_EPOCH)
    expiration = h.current_deadline(rt).period_end() + 20 * rt.policy.wpost_proving_period
    s0 = sealed_sectors[0][1]
    h.pre_commit_sector_batch_and_get(rt, [_precommit(h, s0, 0, expiration)], first=True)
    h.advance_to_epoch_with_cron(rt, ChainEpoch(PRECOMMIT_EPOCH + rt.policy.pre_commit_challenge_delay + 1))
    # A proof for another seed does not hold.
    proof = prove_seal(sealed_sectors[0][0], bytes(32))
    activation = SectorActivationManifest(0, (PieceActivationManifest(piece_cid_v1(s0.comm_d), 2048),))
    params = ProveCommitSectors3Params((activation,), (proof.to_bytes(),), b"", None, False, False)
    rt.set_caller(h.worker, "account")
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.PROVE_COMMIT_SECTORS3, params.encode())
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    assert "no valid proofs" in e.value.reason
