"""FRC-42 method numbers."""

from __future__ import annotations

import pytest

from filnet.core.frc42 import FIRST_EXPORTED_METHOD, method_number
from filnet.errors import InvalidInput


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("Constructor", 1),
        ("InvokeEVM", 3844450837),
        ("AddBalance", 822473126),
        # Others from builtin-actors' FRC-42 exports.
        ("Receive", 3726118371),
        ("Transfer", 80475954),
    ],
)
def test_known_numbers(name: str, number: int) -> None:
    assert method_number(name) == number


def test_numbers_are_above_the_reserved_range() -> None:
    for name in ("A", "Name_2", "Name2", "GetBalance"):
        assert method_number(name) >= FIRST_EXPORTED_METHOD


@pytest.mark.parametrize(
    "name", ["", "lowercase", "_Leading", "1Name", "Has Space", "Näme", "Dash-ed", "Invalid|Method", "Name\n"]
)
def test_invalid_names(name: str) -> None:
    with pytest.raises(InvalidInput):
        method_number(name)
