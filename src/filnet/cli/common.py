"""Shared pieces of the command line: JSON output, progress bars and the ``--json`` option."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def json_option(fn: F) -> F:
    """Add ``--json`` (machine-readable output on stdout) to a command."""
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(fn)


def emit_json(value: Any) -> None:
    """Print ``value`` as indented JSON on stdout."""
    click.echo(json.dumps(value, indent=2, sort_keys=False))


def stderr_is_terminal() -> bool:
    """Whether progress output should be drawn (only on an interactive terminal)."""
    return sys.stderr.isatty()
