"""Window and Winning PoSt: challenge selection, proving from stored trees, faults by sector number."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.errors import InvalidInput
from filnet.proofs import merkle
from filnet.proofs.post import (
    PoStBundle,
    generate_window_post,
    generate_winning_post,
    leaf_challenges,
    post_randomness,
    sector_leaf_challenges,
    verify_post,
    verify_sector,
    winning_sector_indices,
)
from filnet.proofs.registry import ApiVersion, RegisteredPoStProof, RegisteredSealProof
from filnet.proofs.seal import REPLICA_FILE, TREE_R_LAST_PREFIX
from tests.proofs.conftest import seal_2k

WINDOW = RegisteredPoStProof.STACKED_DRG_WINDOW_2KIB_V1_1
WINDOW_V1 = RegisteredPoStProof.STACKED_DRG_WINDOW_2KIB_V1
WINNING = RegisteredPoStProof.STACKED_DRG_WINNING_2KIB_V1
RANDOMNESS = bytes(range(100, 132))


@pytest.fixture(scope="module")
def sectors(tmp_path_factory: pytest.TempPathFactory, parent_cache_dir: Path) -> list[Path]:
    out = []
    for number in (3, 4, 5):
        directory = tmp_path_factory.mktemp(f"post-sector-{number}")
        seal_2k(directory, parent_cache_dir, sector_number=number, content=bytes([number]) * 2032)
        out.append(directory)
    return out


def _copy(directory: Path, tmp_path: Path) -> Path:
    target = tmp_path / directory.name
    shutil.copytree(directory, target)
    return target


def test_randomness_is_masked_and_checked() -> None:
    """Byte 31's top two bits are cleared so the randomness is a field element.

    Checked against ref-fvm fvm/src/kernel/filecoin.rs (``verify_post``: ``randomness[31] &= 0x3f``,
    "necessary to be valid bls12 381 element") and rust-fil-proofs filecoin-proofs/src/api/util.rs
    (``as_safe_commitment`` rejects a value that is not one, so callers mask first).
    """
    assert post_randomness(bytes([0xFF]) * 32)[31] == 0x3F
    with pytest.raises(InvalidInput):
        post_randomness(bytes(31))


def test_challenges_in_range() -> None:
    """Sector selection: LE_u64(sha256(prover_id ‖ randomness ‖ u64 LE n)[0:8]) mod set size.

    Checked against rust-fil-proofs storage-proofs-post/src/fallback/vanilla.rs
    (``generate_sector_challenge``) and filecoin-proofs/src/constants.rs (``WINNING_POST_SECTOR_COUNT`` = 1).
    """
    prover, rand = bytes(range(32)), post_randomness(RANDOMNESS)
    assert winning_sector_indices(RANDOMNESS, prover, 7, 3) == [
        int.from_bytes(hashlib.sha256(prover + rand + n.to_bytes(8, "little")).digest()[:8], "little") % 7
        for n in range(3)
    ]
    leaves = leaf_challenges(RANDOMNESS, 9, 10, 64)
    assert len(leaves) == 10 and all(0 <= c < 64 for c in leaves)
    assert leaves != leaf_challenges(RANDOMNESS, 10, 10, 64)
    assert all(0 <= i < 3 for i in winning_sector_indices(RANDOMNESS, bytes(32), 3, 5))


def _spec_leaf(randomness: bytes, sector_number: int, index: int, nodes: int) -> int:
    """One leaf challenge written straight from the rule, independently of post.py."""
    masked = randomness[:31] + bytes([randomness[31] & 0x3F])
    digest = hashlib.sha256(
        masked + sector_number.to_bytes(8, "little") + index.to_bytes(8, "little")
    ).digest()
    return int.from_bytes(digest[:8], "little") % nodes


def test_leaf_challenge_index_per_api_version() -> None:
    """The challenge index hashed into leaf challenge n of the sector at ``position``.

    Checked against rust-fil-proofs storage-proofs-post/src/fallback/utils.rs (``get_challenge_index``:
    V1_0_0/V1_1_0 use sector_index * challenge_count + n, V1_2_0 uses n);
    storage-proofs-post/src/fallback/vanilla.rs (``generate_leaf_challenge_inner``: sha256(randomness ‖
    u64 LE sector id ‖ u64 LE index), first 8 bytes LE mod sector nodes; sector_index = partition *
    sectors per partition + i); filecoin-proofs/src/api/post_util.rs (generate_fallback_sector_challenges);
    rust-filecoin-proofs-api src/registry.rs (``RegisteredPoStProof::version``: Winning and Window V1 are
    V1_0_0; Window V1_2, which go-state-types numbers 10-14 and calls V1_1, is V1_2_0).
    """
    assert WINDOW.api_version is ApiVersion.V1_2_0
    assert WINDOW_V1.api_version is ApiVersion.V1_0_0 is WINNING.api_version
    for position in (0, 1, 2):
        assert sector_leaf_challenges(WINDOW, RANDOMNESS, 4, position) == [
            _spec_leaf(RANDOMNESS, 4, n, 64) for n in range(10)
        ]
        assert sector_leaf_challenges(WINDOW_V1, RANDOMNESS, 4, position) == [
            _spec_leaf(RANDOMNESS, 4, position * 10 + n, 64) for n in range(10)
        ]
    assert sector_leaf_challenges(WINNING, RANDOMNESS, 4, 0) == [
        _spec_leaf(RANDOMNESS, 4, n, 64) for n in range(66)
    ]


def test_window_v1_post_uses_sector_positions(sectors: list[Path]) -> None:
    """A pre-FIP-0061 WindowPoSt proves sector 4 at position 1: those paths do not verify at position 0."""
    bundle = generate_window_post(WINDOW_V1, RANDOMNESS, list(reversed(sectors)))
    assert [s.sector_number for s in bundle.sectors] == [3, 4, 5]
    assert verify_post(PoStBundle.from_bytes(bundle.to_bytes())).proven == (3, 4, 5)
    proof, comm_r = bundle.proofs[1], bundle.sectors[1].comm_r
    assert verify_sector(WINDOW_V1, RANDOMNESS, comm_r, proof, 1)
    assert not verify_sector(WINDOW_V1, RANDOMNESS, comm_r, proof, 0)
    alone = generate_window_post(WINDOW_V1, RANDOMNESS, [sectors[1]])
    assert alone.proofs[0].paths != proof.paths
    fixed = generate_window_post(WINDOW, RANDOMNESS, list(sectors))
    assert generate_window_post(WINDOW, RANDOMNESS, [sectors[1]]).proofs[0] == fixed.proofs[1]


def test_window_post_round_trip(sectors: list[Path]) -> None:
    bundle = generate_window_post(WINDOW, RANDOMNESS, list(sectors))
    assert not bundle.faults
    assert [p.sector_number for p in bundle.proofs] == [3, 4, 5]
    assert all(len(p.paths) == 10 for p in bundle.proofs)
    decoded = PoStBundle.from_bytes(bundle.to_bytes())
    result = verify_post(decoded)
    assert result.ok and result.proven == (3, 4, 5)


def test_winning_post_round_trip(sectors: list[Path]) -> None:
    bundle = generate_winning_post(WINNING, RANDOMNESS, list(sectors))
    assert len(bundle.proofs) == 1 and len(bundle.proofs[0].paths) == 66
    assert verify_post(PoStBundle.from_bytes(bundle.to_bytes())).ok


def test_invalid_faulty_sector_reported_by_number(sectors: list[Path], tmp_path: Path) -> None:
    broken = _copy(sectors[1], tmp_path)
    first = leaf_challenges(RANDOMNESS, 4, 10, 64)[0]
    data = bytearray((broken / REPLICA_FILE).read_bytes())
    data[first * 32 + 5] ^= 0x10
    (broken / REPLICA_FILE).write_bytes(bytes(data))
    missing = _copy(sectors[2], tmp_path)
    for path in merkle.shaped_tree_paths(missing / TREE_R_LAST_PREFIX, merkle.sector_tree_shape(2048)):
        path.unlink()
    bundle = generate_window_post(WINDOW, RANDOMNESS, [sectors[0], broken, missing])
    assert [p.sector_number for p in bundle.proofs] == [3]
    assert {f.sector_number for f in bundle.faults} == {4, 5}
    result = verify_post(bundle)
    assert result.proven == (3,)
    assert {f.sector_number for f in result.failures} == {4, 5}


def test_invalid_path_changed_fails_only_that_sector(sectors: list[Path]) -> None:
    bundle = generate_window_post(WINDOW, RANDOMNESS, list(sectors))
    proof = bundle.proofs[1]
    path = proof.paths[0]
    level = path.path[0]
    flipped = bytes([level.siblings[0][0] ^ 1]) + level.siblings[0][1:]
    bad_path = dataclasses.replace(
        path, path=(merkle.PathLevel((flipped, *level.siblings[1:]), level.position), *path.path[1:])
    )
    bad = dataclasses.replace(proof, paths=(bad_path, *proof.paths[1:]))
    result = verify_post(dataclasses.replace(bundle, proofs=(bundle.proofs[0], bad, bundle.proofs[2])))
    assert result.proven == (3, 5)
    assert [f.sector_number for f in result.failures] == [4]


def test_invalid_other_randomness_or_comm_r(sectors: list[Path]) -> None:
    bundle = generate_window_post(WINDOW, RANDOMNESS, list(sectors))
    assert not verify_post(dataclasses.replace(bundle, randomness=bytes(32))).ok
    expected = (dataclasses.replace(bundle.sectors[0], comm_r=bytes(32)), *bundle.sectors[1:])
    result = verify_post(bundle, expected)
    assert [f.sector_number for f in result.failures] == [3]


def test_invalid_inputs(sectors: list[Path]) -> None:
    with pytest.raises(InvalidInput):
        generate_window_post(WINDOW, bytes(31), list(sectors))
    with pytest.raises(InvalidInput):
        generate_window_post(WINNING, RANDOMNESS, list(sectors))
    wrong_size = RegisteredSealProof.STACKED_DRG_8MIB_V1_1.window_post
    bundle = generate_window_post(wrong_size, RANDOMNESS, [sectors[0]])
    assert [f.sector_number for f in bundle.faults] == [3]


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_bundle_decoder_rejects_random_bytes(raw: bytes) -> None:
    with pytest.raises(InvalidInput):
        PoStBundle.from_bytes(raw)


def test_invalid_truncated_tree_is_a_fault(sectors: list[Path], tmp_path: Path) -> None:
    truncated = _copy(sectors[0], tmp_path)
    (tree,) = merkle.shaped_tree_paths(truncated / TREE_R_LAST_PREFIX, merkle.sector_tree_shape(2048))
    tree.write_bytes(tree.read_bytes()[:-32])
    bundle = generate_window_post(WINDOW, RANDOMNESS, [truncated, sectors[1]])
    assert [f.sector_number for f in bundle.faults] == [3]
    assert verify_post(bundle).proven == (4,)
