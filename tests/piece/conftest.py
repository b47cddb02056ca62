"""Fixtures of the piece tests: run native code on every SHA-256 path this CPU has."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from filnet.piece import _native

SHA256_IMPLS = ["auto", "portable", "avx2", "shani"]


@pytest.fixture(params=SHA256_IMPLS)
def sha_path(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test once per SHA-256 implementation (skipping those this CPU lacks), then restore auto."""
    wanted = str(request.param)
    chosen = _native.select_sha256(wanted)
    try:
        if wanted != "auto" and chosen != wanted:
            pytest.skip(f"this CPU has no {wanted} SHA-256 path")
        yield chosen
    finally:
        _native.select_sha256("auto")
