"""Shared fixtures of the proofs tests: one parent-cache directory and sealed 2 KiB sectors per session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from filnet.proofs.registry import RegisteredSealProof
from filnet.proofs.seal import Progress, SealedSector, SealInputs, padded_sector, seal_sector

SECTOR_2K_CONTENT = bytes((i * 7 + 3) % 251 for i in range(2032))


@pytest.fixture(scope="session")
def parent_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("parent-cache")


def seal_2k(
    directory: Path,
    cache_dir: Path,
    proof: RegisteredSealProof = RegisteredSealProof.STACKED_DRG_2KIB_V1_1,
    sector_number: int = 7,
    content: bytes = SECTOR_2K_CONTENT,
    progress: Progress | None = None,
) -> SealedSector:
    """Seal a 2 KiB sector of ``content`` into ``directory``."""
    inputs = SealInputs(proof, bytes([0xE8, 0x07]) + bytes(30), sector_number, bytes(range(32)))
    return seal_sector(inputs, padded_sector([content], proof.sector_size), directory, cache_dir, progress)


@pytest.fixture(scope="session")
def sealed_2k(tmp_path_factory: pytest.TempPathFactory, parent_cache_dir: Path) -> tuple[Path, SealedSector]:
    """A 2 KiB V1_1 sector sealed once per session (tests must not modify it: copy it first)."""
    directory = tmp_path_factory.mktemp("sealed-2k")
    return directory, seal_2k(directory, parent_cache_dir)


@pytest.fixture
def sealed_copy(sealed_2k: tuple[Path, SealedSector], tmp_path: Path) -> Callable[[], Path]:
    """Make a private copy of the session's sealed sector (for tests that damage files)."""

    def copy() -> Path:
        target = tmp_path / f"sector-{len(os.listdir(tmp_path))}"
        shutil.copytree(sealed_2k[0], target)
        return target

    return copy
