"""Shared test fixtures: the path to the shared test vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"


def vectors_dir() -> Path:
    """``../shared/vectors`` beside the repository; fail loudly (never skip) when it is missing."""
    if not VECTORS.is_dir():
        pytest.fail(f"test vectors not found at {VECTORS}: clone the repo beside ../shared", pytrace=False)
    return VECTORS


def load_json_vector(relative: str) -> Any:
    """Load ``../shared/vectors/<relative>`` as JSON."""
    return json.loads((vectors_dir() / relative).read_text())


@pytest.fixture(scope="session")
def vectors() -> Path:
    return vectors_dir()
