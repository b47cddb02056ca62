"""The one policy for tests that run real JavaScript implementations under Node.

`make test` installs the pinned packages of ``interop/package.json`` into ``interop/node_modules``. Without
node or those packages, interop tests skip on a developer machine and fail under CI (``CI`` set), where
they must run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

INTEROP_DIR = Path(__file__).resolve().parents[1] / "interop"


def require_node_packages(*packages: str, interop_dir: Path = INTEROP_DIR) -> list[pytest.MarkDecorator]:
    """The ``pytestmark`` of an interop test module needing ``packages`` (names as in node_modules)."""
    modules = interop_dir / "node_modules"
    missing = shutil.which("node") is None or not all((modules / p).exists() for p in packages)
    why = (
        f"node or {', '.join(packages)} not installed in {interop_dir} (run `make test`, which installs them)"
    )
    if missing and os.environ.get("CI"):
        pytest.fail(f"interop tests cannot run under CI: {why}", pytrace=False)
    return [pytest.mark.interop, pytest.mark.skipif(missing, reason=why)]
