"""Running the ``filnet`` command in-process for tests."""

from __future__ import annotations

import pytest

from filnet.cli.main import main


def exit_code(*args: str) -> int:
    """Run the CLI in-process and return its exit code."""
    try:
        main(list(args))
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    code = exit_code(*args)
    out, err = capsys.readouterr()
    return code, out, err
