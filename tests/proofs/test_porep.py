"""Interactive PoRep: challenges, vanilla proofs, DAG-CBOR round trips and the verifier's rejections."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filnet.errors import FilnetError, IntegrityError, InvalidInput
from filnet.proofs import merkle
from filnet.proofs.porep import (
    SealProof,
    SealPublicInputs,
    interactive_challenges,
    prove_seal,
    verify_seal,
)
from filnet.proofs.registry import RegisteredSealProof
from filnet.proofs.seal import REPLICA_FILE, TREE_D_FILE, SealedSector, layer_file, load_sealed
from tests.proofs.conftest import seal_2k

SEED = bytes([0x42]) * 32

Sealed = tuple[Path, SealedSector]


@pytest.fixture(scope="module")
def proven(sealed_2k: Sealed) -> tuple[SealPublicInputs, SealProof]:
    directory, sector = sealed_2k
    return SealPublicInputs.of(sector, SEED), prove_seal(directory, SEED)


def test_challenges_in_range_and_deterministic() -> None:
    proof = RegisteredSealProof.STACKED_DRG_2KIB_V1_1
    challenges = interactive_challenges(proof, bytes(32), SEED)
    assert len(challenges) == 2
    assert all(1 <= c < 64 for c in challenges)
    assert challenges == interactive_challenges(proof, bytes(32), SEED)
    big = interactive_challenges(RegisteredSealProof.STACKED_DRG_32GIB_V1_1, bytes(32), SEED)
    assert len(big) == 180  # 10 partitions of ceil(176 / 10) = 18
    with pytest.raises(InvalidInput):
        interactive_challenges(proof, bytes(32), bytes(31))


def test_challenges_follow_the_rule_partition_by_partition() -> None:
    """Challenge j = LE(sha256(replica_id ‖ seed ‖ u32 LE(j))) mod (N - 1) + 1, j = k * per_partition + i.

    Checked against rust-fil-proofs storage-proofs-porep/src/stacked/vanilla/challenges.rs
    (``InteractiveChallenges::derive``, ``bigint_to_challenge``), filecoin-proofs/src/constants.rs
    (``get_porep_interactive_minimum_challenges``: 2 for the small sizes, 176 for 32/64 GiB;
    ``POREP_PARTITIONS``: 1 and 10) and filecoin-proofs/src/types/porep_config.rs (challenges per partition =
    ceil(minimum / partitions), so 32 GiB answers 10 x 18 = 180 challenges).
    """
    rid = bytes(range(32))
    for proof, nodes, total in (
        (RegisteredSealProof.STACKED_DRG_2KIB_V1_1, 64, 2),
        (RegisteredSealProof.STACKED_DRG_512MIB_V1, 1 << 24, 2),
        (RegisteredSealProof.STACKED_DRG_32GIB_V1_1, 1 << 30, 180),
    ):
        expected = [
            int.from_bytes(hashlib.sha256(rid + SEED + j.to_bytes(4, "little")).digest(), "little")
            % (nodes - 1)
            + 1
            for j in range(total)
        ]
        assert interactive_challenges(proof, rid, SEED) == expected


def test_prove_and_verify(proven: tuple[SealPublicInputs, SealProof]) -> None:
    """The verifier does every check of rust's, each covered by a test_invalid_* below.

    Checked against rust-fil-proofs storage-proofs-porep/src/stacked/vanilla/proof_scheme.rs
    (``verify_all_partitions``: CommR = H(comm_c, comm_r_last), the challenge count, one comm_c and
    comm_r_last) and params.rs (``Proof::verify``: the tree_d path proves the challenge under comm_d;
    ``ReplicaColumnProof::verify``: columns of the node and its 6 base and 8 expander parents under comm_c;
    ``verify_final_replica_layer``; ``verify_labels``: each layer's label from the parents' labels; the
    encoding key is the last layer's label and replica = data + key; ``generate_replica_id`` recomputed
    from the public inputs).
    """
    public, proof = proven
    assert verify_seal(public, proof).ok
    assert len(proof.challenges) == 2
    assert all(len(c.parents) == 14 for c in proof.challenges)


def test_dag_cbor_round_trip(proven: tuple[SealPublicInputs, SealProof]) -> None:
    public, proof = proven
    data = proof.to_bytes()
    decoded = SealProof.from_bytes(data)
    assert verify_seal(public, decoded).ok
    assert decoded.to_bytes() == data
    # 2 challenges x 15 columns of 2 labels and a 2-level arity-8 path, plus the data and replica paths.
    assert 15_000 < len(data) < 25_000


def test_v1_sector_proves_and_verifies(tmp_path: Path, parent_cache_dir: Path) -> None:
    sector = seal_2k(tmp_path, parent_cache_dir, RegisteredSealProof.STACKED_DRG_2KIB_V1)
    assert verify_seal(SealPublicInputs.of(sector, SEED), prove_seal(tmp_path, SEED)).ok


def test_invalid_other_seed(proven: tuple[SealPublicInputs, SealProof]) -> None:
    public, proof = proven
    result = verify_seal(dataclasses.replace(public, seed=bytes(32)), proof)
    assert not result.ok and "challenge" in result.reason


def test_invalid_other_sector(proven: tuple[SealPublicInputs, SealProof]) -> None:
    public, proof = proven
    assert not verify_seal(dataclasses.replace(public, sector_number=8), proof).ok
    assert not verify_seal(dataclasses.replace(public, comm_d=bytes(32)), proof).ok
    other_type = dataclasses.replace(public, proof=RegisteredSealProof.STACKED_DRG_2KIB_V1)
    assert "proof is for" in verify_seal(other_type, proof).reason
    assert "comm_r" in verify_seal(dataclasses.replace(public, comm_r=bytes(32)), proof).reason


def _replace_challenge(proof: SealProof, **changes: Any) -> SealProof:
    first = dataclasses.replace(proof.challenges[0], **changes)
    return dataclasses.replace(proof, challenges=(first, *proof.challenges[1:]))


def _flip(node: bytes) -> bytes:
    return bytes([node[0] ^ 1]) + node[1:]


def test_invalid_path_element_changed(proven: tuple[SealPublicInputs, SealProof]) -> None:
    public, proof = proven
    path = proof.challenges[0].data_path
    level = path.path[3]
    bad_level = merkle.PathLevel((_flip(level.siblings[0]),), level.position)
    bad_path = dataclasses.replace(path, path=(*path.path[:3], bad_level, *path.path[4:]))
    result = verify_seal(public, _replace_challenge(proof, data_path=bad_path))
    assert not result.ok and "tree_d" in result.reason


def test_invalid_label_changed(proven: tuple[SealPublicInputs, SealProof]) -> None:
    public, proof = proven
    column = proof.challenges[0].column
    bad = dataclasses.replace(column, column=(column.column[0], _flip(column.column[1])))
    result = verify_seal(public, _replace_challenge(proof, column=bad))
    assert not result.ok and "column" in result.reason


def test_invalid_parent_swapped(proven: tuple[SealPublicInputs, SealProof]) -> None:
    public, proof = proven
    parents = proof.challenges[0].parents
    swapped = (parents[7], *parents[1:7], parents[0], *parents[8:])
    assert parents[0].node != parents[7].node
    assert not verify_seal(public, _replace_challenge(proof, parents=swapped)).ok


def test_invalid_replica_leaf_changed(proven: tuple[SealPublicInputs, SealProof]) -> None:
    public, proof = proven
    path = proof.challenges[0].replica_path
    assert not verify_seal(
        public, _replace_challenge(proof, replica_path=dataclasses.replace(path, leaf=_flip(path.leaf)))
    ).ok


def test_invalid_missing_challenge(proven: tuple[SealPublicInputs, SealProof]) -> None:
    public, proof = proven
    result = verify_seal(public, dataclasses.replace(proof, challenges=proof.challenges[:1]))
    assert not result.ok and "challenges" in result.reason


def test_invalid_replica_byte_flipped_on_disk(sealed_copy: Callable[[], Path]) -> None:
    directory = sealed_copy()
    data = bytearray((directory / REPLICA_FILE).read_bytes())
    for c in interactive_challenges(RegisteredSealProof.STACKED_DRG_2KIB_V1_1, _rid(directory), SEED):
        data[c * 32] ^= 1
    (directory / REPLICA_FILE).write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match=f"{REPLICA_FILE} is corrupted: nodes"):
        prove_seal(directory, SEED)


def _rid(directory: Path) -> bytes:
    return load_sealed(directory).replica_id


def test_invalid_truncated_tree_file(sealed_copy: Callable[[], Path]) -> None:
    directory = sealed_copy()
    path = directory / TREE_D_FILE
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(FilnetError):
        prove_seal(directory, SEED)


def test_invalid_corrupt_layer_file(sealed_copy: Callable[[], Path]) -> None:
    directory = sealed_copy()
    path = directory / layer_file(2)
    path.write_bytes(bytes(path.stat().st_size))
    with pytest.raises(InvalidInput, match="labels"):
        prove_seal(directory, SEED)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_decoder_never_crashes_on_mutations(
    proven: tuple[SealPublicInputs, SealProof], data: st.DataObject
) -> None:
    public, proof = proven
    raw = bytearray(proof.to_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    try:
        decoded = SealProof.from_bytes(bytes(raw[:cut]) if data.draw(st.booleans()) else bytes(raw))
    except InvalidInput:
        return
    result = verify_seal(public, decoded)
    assert isinstance(result.ok, bool)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_decoder_rejects_random_bytes(raw: bytes) -> None:
    with pytest.raises(InvalidInput):
        SealProof.from_bytes(raw)
