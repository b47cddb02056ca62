"""The ``h`` fixture: a constructed power actor whose invariants are checked after the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.actors.power.harness import Harness, setup


@pytest.fixture
def h() -> Iterator[Harness]:
    harness = setup()
    yield harness
    harness.rt.verify()
    harness.check_state()
