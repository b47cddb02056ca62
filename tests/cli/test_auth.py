"""`filnet auth …`: tokens and the FULLNODE_API_INFO line of a node repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from filnet.api.auth import verify_token
from filnet.node.repo import NodeRepo
from tests.cli.cli_helpers import run_cli


def test_create_token_and_api_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = NodeRepo(tmp_path)
    repo.init()
    code, out, _ = run_cli(capsys, "auth", "create-token", "--perm", "write", "--repo", str(tmp_path))
    assert code == 0 and verify_token(repo.jwt_secret(), out.strip()) == ["read", "write"]

    code, _, err = run_cli(capsys, "auth", "api-info", "--perm", "admin", "--repo", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "is the daemon running" in err

    repo.write_api("/ip4/127.0.0.1/tcp/1234/http", repo.create_token("admin"))
    code, out, _ = run_cli(capsys, "auth", "api-info", "--perm", "sign", "--repo", str(tmp_path))
    assert code == 0 and out.startswith("FULLNODE_API_INFO=")
    token, address = out.strip().removeprefix("FULLNODE_API_INFO=").split(":", 1)
    assert address == "/ip4/127.0.0.1/tcp/1234/http"
    assert verify_token(repo.jwt_secret(), token) == ["read", "write", "sign"]


def test_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "none")
    code, _, err = run_cli(capsys, "auth", "create-token", "--perm", "write", "--repo", missing)
    assert code == 2 and err.count("\n") == 1 and "not a filnet repository" in err
    code, _, err = run_cli(capsys, "auth", "create-token", "--perm", "root", "--repo", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "root" in err
