"""Registered proof types: ids, sector shapes and the porep_id."""

from __future__ import annotations

import pytest

from filnet.errors import InvalidInput
from filnet.proofs.registry import (
    GIB,
    KIB,
    MIB,
    ApiVersion,
    PoStKind,
    RegisteredPoStProof,
    RegisteredSealProof,
    format_sector_size,
    parse_sector_size,
    sector_shape,
)


def test_seal_proof_ids_follow_filecoin_numbering() -> None:
    assert int(RegisteredSealProof.STACKED_DRG_2KIB_V1) == 0
    assert int(RegisteredSealProof.STACKED_DRG_64GIB_V1_1) == 9
    assert (
        RegisteredSealProof.for_sector(8 * MIB, ApiVersion.V1_0_0) is RegisteredSealProof.STACKED_DRG_8MIB_V1
    )
    assert RegisteredSealProof.for_sector(32 * GIB) is RegisteredSealProof.STACKED_DRG_32GIB_V1_1


def test_api_version_and_sizes() -> None:
    for proof in RegisteredSealProof:
        assert proof.api_version is (ApiVersion.V1_0_0 if proof < 5 else ApiVersion.V1_1_0)
        assert RegisteredSealProof.for_sector(proof.sector_size, proof.api_version) is proof


def test_porep_id_layout() -> None:
    porep_id = RegisteredSealProof.STACKED_DRG_2KIB_V1_1.porep_id
    assert porep_id == bytes([5]) + bytes(31)
    assert len(RegisteredSealProof.STACKED_DRG_64GIB_V1.porep_id) == 32


def test_shapes_match_filecoin_proofs_constants() -> None:
    """Every published size against rust-fil-proofs filecoin-proofs/src/constants.rs.

    Checked: ``LAYERS`` (2 up to 1 GiB, 11 for 32/64 GiB), ``POREP_PARTITIONS`` (1, 10),
    ``get_porep_interactive_minimum_challenges`` (2, 176), ``WINDOW_POST_SECTOR_COUNT`` (2 for small sizes,
    2349 for 32 GiB, 2300 for 64 GiB), ``WINNING_POST_CHALLENGE_COUNT`` 66, ``WINNING_POST_SECTOR_COUNT`` 1,
    ``WINDOW_POST_CHALLENGE_COUNT`` 10; proof ids against rust-filecoin-proofs-api src/registry.rs.
    """
    table = {
        2 * KIB: (2, 1, 2, 2),
        8 * MIB: (2, 1, 2, 2),
        512 * MIB: (2, 1, 2, 2),
        32 * GIB: (11, 10, 176, 2349),
        64 * GIB: (11, 10, 176, 2300),
    }
    for size, (layers, partitions, challenges, window_sectors) in table.items():
        shape = sector_shape(size)
        assert (shape.layers, shape.porep_partitions, shape.porep_challenges) == (
            layers,
            partitions,
            challenges,
        )
        assert shape.window_post_sector_count == window_sectors
    for post in RegisteredPoStProof:
        assert post.challenge_count == (66 if post.kind is PoStKind.WINNING else 10)
        assert post.sector_count == (1 if post.kind is PoStKind.WINNING else table[post.sector_size][3])
    with pytest.raises(InvalidInput):
        RegisteredSealProof.for_sector(2 * KIB, ApiVersion.V1_2_0)


def test_shapes_relate_to_each_other() -> None:
    for size in (2 * KIB, 8 * MIB, 512 * MIB):
        shape = sector_shape(size)
        assert (shape.layers, shape.porep_challenges, shape.porep_partitions) == (2, 2, 1)
        assert shape.nodes * 32 == size
    big = sector_shape(32 * GIB)
    assert (big.layers, big.porep_challenges, big.porep_partitions) == (11, 176, 10)
    # Challenges split evenly over partitions and stay within the per-partition maximum of 18.
    assert (
        big.porep_challenges % big.porep_partitions == 0 or big.porep_challenges // big.porep_partitions < 18
    )
    assert sector_shape(2 * KIB).unpadded_size == 2032


def test_post_proofs() -> None:
    winning = RegisteredPoStProof.STACKED_DRG_WINNING_2KIB_V1
    window = RegisteredSealProof.STACKED_DRG_32GIB_V1_1.window_post
    assert winning.kind is PoStKind.WINNING and winning.challenge_count == 66 and winning.sector_count == 1
    assert window is RegisteredPoStProof.STACKED_DRG_WINDOW_32GIB_V1_1
    assert window.kind is PoStKind.WINDOW and window.challenge_count == 10 and window.sector_count == 2349
    assert RegisteredSealProof.STACKED_DRG_2KIB_V1.winning_post is winning


def test_parse_sector_size() -> None:
    assert parse_sector_size("2KiB") == 2048
    assert parse_sector_size("512mib") == 512 * MIB
    assert parse_sector_size("8388608") == 8 * MIB
    assert format_sector_size(64 * GIB) == "64GiB"


@pytest.mark.parametrize("text", ["4KiB", "1GiB", "two", "", "-2KiB", "2 KB"])
def test_invalid_sector_size(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_sector_size(text)
