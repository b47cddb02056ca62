"""Proofs as the chain carries them: the vanilla verifier behind the actors, on a real sealed sector."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from filnet.errors import InvalidInput
from filnet.piece.cid import piece_cid_v1
from filnet.proofs.onchain import (
    SNARK_PACK_V2,
    VANILLA,
    AggregateSealVerifyInfo,
    AggregateSealVerifyProofAndInfos,
    PieceInfo,
    PoStProof,
    SealVerifyInfo,
    SectorInfo,
    WindowPoStVerifyInfo,
    WinningPoStVerifyInfo,
    compute_unsealed_sector_cid,
    decode_post_proof,
    encode_aggregate_seal_proof,
    encode_post_proof,
    winning_post_challenge,
)
from filnet.proofs.pieces import zero_commitment
from filnet.proofs.porep import SealProof, prove_seal
from filnet.proofs.post import prove_sector
from filnet.proofs.registry import RegisteredPoStProof, RegisteredSealProof
from filnet.proofs.seal import SealedSector, sealed_cid, unsealed_cid

MINER = 1000  # the prover id of tests/proofs/conftest.py's sealed sector
SEED = bytes([9]) * 32
RANDOMNESS = bytes([5]) * 32
WINDOW = RegisteredPoStProof.STACKED_DRG_WINDOW_2KIB_V1_1
WINNING = RegisteredPoStProof.STACKED_DRG_WINNING_2KIB_V1


@pytest.fixture(scope="module")
def seal_info(sealed_2k: tuple[Path, SealedSector]) -> SealVerifyInfo:
    directory, sector = sealed_2k
    proof = prove_seal(directory, SEED)
    return SealVerifyInfo(
        registered_proof=int(sector.inputs.proof),
        miner=MINER,
        sector_number=sector.inputs.sector_number,
        deal_ids=(),
        randomness=sector.inputs.ticket,
        interactive_randomness=SEED,
        proof=proof.to_bytes(),
        sealed_cid=sealed_cid(sector.comm_r),
        unsealed_cid=unsealed_cid(sector.comm_d),
    )


def test_seal_proof_verifies(seal_info: SealVerifyInfo) -> None:
    assert VANILLA.verify_seal(seal_info)


@pytest.mark.parametrize(
    "change",
    [
        {"interactive_randomness": bytes(32)},
        {"randomness": bytes(32)},
        {"miner": MINER + 1},
        {"sector_number": 8},
        {"registered_proof": int(RegisteredSealProof.STACKED_DRG_2KIB_V1)},
        {"registered_proof": 99},
        {"proof": b"garbage"},
        {"unsealed_cid": sealed_cid(bytes(32))},
    ],
)
def test_invalid_seal_proofs_fail(seal_info: SealVerifyInfo, change: dict[str, object]) -> None:
    assert not VANILLA.verify_seal(replace(seal_info, **change))  # type: ignore[arg-type]


def test_invalid_seal_proof_with_a_flipped_byte(seal_info: SealVerifyInfo) -> None:
    data = bytearray(seal_info.proof)
    data[len(data) // 2] ^= 1
    assert not VANILLA.verify_seal(replace(seal_info, proof=bytes(data)))


def aggregate_of(info: SealVerifyInfo, proofs: list[bytes] | None = None) -> AggregateSealVerifyProofAndInfos:
    one = AggregateSealVerifyInfo(
        info.sector_number, info.randomness, info.interactive_randomness, info.sealed_cid, info.unsealed_cid
    )
    raw = [SealProof.from_bytes(p) for p in (proofs or [info.proof])]
    return AggregateSealVerifyProofAndInfos(
        info.miner, info.registered_proof, SNARK_PACK_V2, encode_aggregate_seal_proof(raw), (one,)
    )


def test_aggregate_seal_proof(seal_info: SealVerifyInfo) -> None:
    good = aggregate_of(seal_info)
    assert VANILLA.verify_aggregate_seals(good)
    assert not VANILLA.verify_aggregate_seals(replace(good, aggregate_proof=0))
    assert not VANILLA.verify_aggregate_seals(aggregate_of(seal_info, [seal_info.proof, seal_info.proof]))
    assert not VANILLA.verify_aggregate_seals(replace(good, infos=()))
    assert not VANILLA.verify_aggregate_seals(replace(good, proof=b"\x00"))


@pytest.fixture(scope="module")
def post_info(sealed_2k: tuple[Path, SealedSector]) -> WindowPoStVerifyInfo:
    directory, sector = sealed_2k
    proof = prove_sector(WINDOW, RANDOMNESS, directory)
    decoded = decode_post_proof(encode_post_proof([proof]))
    assert [(p.sector_number, p.comm_c, p.comm_r_last, len(p.paths)) for p in decoded] == [
        (proof.sector_number, proof.comm_c, proof.comm_r_last, len(proof.paths))
    ]
    info = SectorInfo(int(sector.inputs.proof), sector.inputs.sector_number, sealed_cid(sector.comm_r))
    return WindowPoStVerifyInfo(
        RANDOMNESS, (PoStProof(int(WINDOW), encode_post_proof([proof])),), (info,), MINER
    )


def test_window_post_verifies(post_info: WindowPoStVerifyInfo) -> None:
    assert VANILLA.verify_window_post(post_info)
    # a faulty sector is stood in for by a good one: the same sector challenged twice still verifies
    doubled = replace(post_info, challenged_sectors=post_info.challenged_sectors * 2)
    assert VANILLA.verify_window_post(doubled)


def test_invalid_window_posts(post_info: WindowPoStVerifyInfo) -> None:
    sector = post_info.challenged_sectors[0]
    assert not VANILLA.verify_window_post(replace(post_info, randomness=bytes(32)))
    assert not VANILLA.verify_window_post(replace(post_info, proofs=()))
    assert not VANILLA.verify_window_post(replace(post_info, proofs=post_info.proofs * 2))
    assert not VANILLA.verify_window_post(replace(post_info, challenged_sectors=()))
    other = replace(sector, sector_number=sector.sector_number + 1)
    assert not VANILLA.verify_window_post(replace(post_info, challenged_sectors=(sector, other)))
    assert not VANILLA.verify_window_post(
        replace(post_info, challenged_sectors=(replace(sector, sealed_cid=sealed_cid(bytes(32))),))
    )
    wrong_kind = replace(post_info.proofs[0], post_proof=int(WINNING))
    assert not VANILLA.verify_window_post(replace(post_info, proofs=(wrong_kind,)))
    assert not VANILLA.verify_window_post(
        replace(post_info, proofs=(replace(post_info.proofs[0], proof_bytes=b"x"),))
    )


def test_winning_post(sealed_2k: tuple[Path, SealedSector]) -> None:
    directory, sector = sealed_2k
    assert winning_post_challenge(int(WINNING), MINER, RANDOMNESS, 1) == [0]
    proof = prove_sector(WINNING, RANDOMNESS, directory)
    info = SectorInfo(int(sector.inputs.proof), sector.inputs.sector_number, sealed_cid(sector.comm_r))
    winning = WinningPoStVerifyInfo(
        RANDOMNESS, (PoStProof(int(WINNING), encode_post_proof([proof])),), (info,), MINER
    )
    assert VANILLA.verify_winning_post(winning)
    assert not VANILLA.verify_winning_post(replace(winning, randomness=bytes(32)))
    with pytest.raises(InvalidInput):
        winning_post_challenge(int(WINDOW), MINER, RANDOMNESS, 1)


def test_unsealed_sector_cid_from_pieces(sealed_2k: tuple[Path, SealedSector]) -> None:
    _, sector = sealed_2k
    seal = int(RegisteredSealProof.STACKED_DRG_2KIB_V1_1)
    assert compute_unsealed_sector_cid(seal, []) == unsealed_cid(zero_commitment(2048))
    # the test sector's content fills it: it is one piece whose CommP is the sector's CommD
    assert compute_unsealed_sector_cid(seal, [PieceInfo(2048, piece_cid_v1(sector.comm_d))]) == unsealed_cid(
        sector.comm_d
    )
    half = PieceInfo(1024, piece_cid_v1(zero_commitment(1024)))
    assert compute_unsealed_sector_cid(seal, [half]) == unsealed_cid(zero_commitment(2048))
    with pytest.raises(InvalidInput):
        compute_unsealed_sector_cid(seal, [PieceInfo(2048, piece_cid_v1(sector.comm_d))] * 2)
    with pytest.raises(InvalidInput):
        compute_unsealed_sector_cid(99, [])
