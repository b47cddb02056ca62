"""Sealing and unsealing 2 KiB sectors end to end; restart after an interruption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from filnet.errors import InvalidInput, NotFound
from filnet.proofs import poseidon
from filnet.proofs.merkle import HEADER_BYTES, MerkleTree
from filnet.proofs.porep import SealPublicInputs, prove_seal, verify_seal
from filnet.proofs.post import generate_window_post, verify_post
from filnet.proofs.registry import RegisteredSealProof
from filnet.proofs.replica import ReplicaIdInputs, prover_id_bytes, replica_id
from filnet.proofs.seal import (
    INPUTS_FILE,
    REPLICA_FILE,
    SECTOR_FILE,
    SealedSector,
    SealInputs,
    layer_file,
    load_sealed,
    padded_sector,
    seal_sector,
    unseal_range,
    zero_sector,
)
from tests.conftest import load_json_vector
from tests.proofs.conftest import SECTOR_2K_CONTENT, seal_2k


def test_zero_sector_comm_d_is_zero_commitment(tmp_path: Path, parent_cache_dir: Path) -> None:
    inputs = SealInputs(RegisteredSealProof.STACKED_DRG_2KIB_V1_1, prover_id_bytes(1000), 1, bytes(32))
    sector = seal_sector(inputs, zero_sector(2048), tmp_path, parent_cache_dir)
    # A zero 2 KiB sector's tree_d is the zero tree of height 6 (Z_6 also appears in lotus-bench output).
    assert sector.comm_d.hex() == load_json_vector("commp/zero_commitments.json")["zk"]["6"]
    assert unseal_range(tmp_path, parent_cache_dir) == bytes(2032)


def test_commitments_relate(sealed_2k: tuple[Path, SealedSector]) -> None:
    directory, sector = sealed_2k
    assert sector.comm_r == poseidon.hash_bytes([sector.comm_c, sector.comm_r_last])
    inputs = sector.inputs
    expected = replica_id(
        ReplicaIdInputs(
            inputs.prover_id, inputs.sector_number, inputs.ticket, sector.comm_d, inputs.proof.porep_id
        )
    )
    assert sector.replica_id == expected
    assert load_sealed(directory) == sector
    assert (directory / REPLICA_FILE).stat().st_size == 2048


def test_tree_r_last_keeps_no_copy_of_the_replica(sealed_2k: tuple[Path, SealedSector]) -> None:
    """Like rust-fil-proofs' LevelCacheStore, tree_r_last's leaves are read from the replica."""
    directory, sector = sealed_2k
    # 64 leaves, arity 8: levels 1 and 2 (8 + 1 nodes) after the header; tree_c keeps its 64 leaves too.
    assert (directory / "tree-r-last.dat").stat().st_size == HEADER_BYTES + 9 * 32
    assert (directory / "tree-c.dat").stat().st_size == HEADER_BYTES + 73 * 32
    with MerkleTree(directory / "tree-r-last.dat", directory / REPLICA_FILE) as tree:
        assert tree.root == sector.comm_r_last
        assert tree.leaf(5) == (directory / REPLICA_FILE).read_bytes()[160:192]


def test_unseal_whole_and_ranges(sealed_2k: tuple[Path, SealedSector], parent_cache_dir: Path) -> None:
    directory, _ = sealed_2k
    assert unseal_range(directory, parent_cache_dir) == SECTOR_2K_CONTENT
    for offset, length in ((0, 1), (126, 3), (127, 127), (1000, 500), (2031, 1), (5, 0)):
        assert (
            unseal_range(directory, parent_cache_dir, offset, length)
            == SECTOR_2K_CONTENT[offset : offset + length]
        )


def test_unseal_regenerates_missing_labels(sealed_copy: Callable[[], Path], parent_cache_dir: Path) -> None:
    directory = sealed_copy()
    for layer in (1, 2):
        (directory / layer_file(layer)).unlink()
    assert unseal_range(directory, parent_cache_dir, 100, 50) == SECTOR_2K_CONTENT[100:150]


@pytest.mark.parametrize(("offset", "length"), [(-1, 5), (0, 2033), (2000, 40)])
def test_invalid_unseal_range(
    sealed_2k: tuple[Path, SealedSector], parent_cache_dir: Path, offset: int, length: int
) -> None:
    with pytest.raises(InvalidInput):
        unseal_range(sealed_2k[0], parent_cache_dir, offset, length)


def test_seal_is_deterministic_and_versions_differ(
    tmp_path: Path, parent_cache_dir: Path, sealed_2k: tuple[Path, SealedSector]
) -> None:
    again = seal_2k(tmp_path / "again", parent_cache_dir)
    assert again == sealed_2k[1]
    v1 = seal_2k(tmp_path / "v1", parent_cache_dir, RegisteredSealProof.STACKED_DRG_2KIB_V1)
    assert v1.comm_d == again.comm_d
    assert v1.comm_r != again.comm_r


class _Killed(BaseException):
    """Stands for the process being killed at a given phase."""


@pytest.mark.parametrize("phase", ["layer-2", "tree_c", "encode"])
def test_interrupted_seal_restarts_to_the_same_comm_r(
    phase: str, tmp_path: Path, parent_cache_dir: Path, sealed_2k: tuple[Path, SealedSector]
) -> None:
    inputs = sealed_2k[1].inputs

    def kill(name: str, done: int, total: int) -> None:
        if name == phase:
            raise _Killed

    data = [SECTOR_2K_CONTENT]
    with pytest.raises(_Killed):
        seal_sector(inputs, padded_sector(data, 2048), tmp_path, parent_cache_dir, kill)
    # Nothing that marks a finished seal, and no replica that could be mistaken for one.
    assert not (tmp_path / SECTOR_FILE).exists()
    assert not (tmp_path / REPLICA_FILE).exists()
    with pytest.raises(NotFound):
        load_sealed(tmp_path)
    sector = seal_sector(inputs, padded_sector(data, 2048), tmp_path, parent_cache_dir)
    assert sector.comm_r == sealed_2k[1].comm_r
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_restart_encodes_a_truncated_replica_again(
    sealed_copy: Callable[[], Path], parent_cache_dir: Path, sealed_2k: tuple[Path, SealedSector]
) -> None:
    directory = sealed_copy()
    original = (directory / REPLICA_FILE).read_bytes()
    os.truncate(directory / REPLICA_FILE, 1000)
    sector = seal_2k(directory, parent_cache_dir)
    assert sector.comm_r == sealed_2k[1].comm_r
    assert (directory / REPLICA_FILE).read_bytes() == original


def test_invalid_reuse_of_directory_for_another_sector(tmp_path: Path, parent_cache_dir: Path) -> None:
    seal_2k(tmp_path, parent_cache_dir, sector_number=1)
    with pytest.raises(InvalidInput, match="different sector"):
        seal_2k(tmp_path, parent_cache_dir, sector_number=2)
    assert json.loads((tmp_path / INPUTS_FILE).read_text())["sector_number"] == 1


def test_invalid_restart_with_other_data(tmp_path: Path, parent_cache_dir: Path) -> None:
    seal_2k(tmp_path, parent_cache_dir)
    with pytest.raises(InvalidInput, match="different sector data"):
        seal_2k(tmp_path, parent_cache_dir, content=bytes(100))
    assert seal_2k(tmp_path, parent_cache_dir) == load_sealed(tmp_path)


def test_invalid_oversized_content(tmp_path: Path, parent_cache_dir: Path) -> None:
    with pytest.raises(InvalidInput, match="exceeds"):
        seal_2k(tmp_path, parent_cache_dir, content=bytes(2033))


def test_prover_id_is_id_address_payload() -> None:
    assert prover_id_bytes(1000) == bytes([0xE8, 0x07]) + bytes(30)
    assert prover_id_bytes(0) == bytes(32)


_KILL_SCRIPT = """
import os, signal, sys
from pathlib import Path
from tests.proofs.conftest import seal_2k

def kill(phase, done, total):
    if phase == sys.argv[3]:
        os.kill(os.getpid(), signal.SIGKILL)

seal_2k(Path(sys.argv[1]), Path(sys.argv[2]), progress=kill)
"""


@pytest.mark.parametrize("phase", ["layer-1", "encode"])
def test_seal_killed_by_sigkill_restarts(
    phase: str, tmp_path: Path, parent_cache_dir: Path, sealed_2k: tuple[Path, SealedSector]
) -> None:
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-c", _KILL_SCRIPT, str(tmp_path), str(parent_cache_dir), phase],
        cwd=root,
        capture_output=True,
        check=False,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr.decode()
    assert not (tmp_path / SECTOR_FILE).exists() and not (tmp_path / REPLICA_FILE).exists()
    sector = seal_2k(tmp_path, parent_cache_dir)
    assert sector.comm_r == sealed_2k[1].comm_r


@pytest.mark.slow
@pytest.mark.parametrize(
    "proof",
    [
        RegisteredSealProof.STACKED_DRG_8MIB_V1_1,
        RegisteredSealProof.STACKED_DRG_8MIB_V1,
        RegisteredSealProof.STACKED_DRG_512MIB_V1_1,
        RegisteredSealProof.STACKED_DRG_512MIB_V1,
    ],
)
def test_large_seal_prove_verify_unseal(
    proof: RegisteredSealProof, tmp_path: Path, parent_cache_dir: Path
) -> None:
    content = bytes(range(256)) * 4096  # 1 MiB of content, the rest of the sector zero-filled
    inputs = SealInputs(proof, prover_id_bytes(1000), 9, bytes([5]) * 32)
    sector = seal_sector(inputs, padded_sector([content], proof.sector_size), tmp_path, parent_cache_dir)
    seed = bytes([6]) * 32
    assert verify_seal(SealPublicInputs.of(sector, seed), prove_seal(tmp_path, seed)).ok
    assert verify_post(generate_window_post(proof.window_post, seed, [tmp_path])).ok
    assert unseal_range(tmp_path, parent_cache_dir, 1000, 5000) == content[1000:6000]
    assert unseal_range(tmp_path, parent_cache_dir, len(content), 100) == bytes(100)
