"""The node repository: layout, API secret, endpoint files and the one-daemon lock."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from filnet.api.auth import verify_token
from filnet.crypto.keystore import Keystore
from filnet.errors import NotFound
from filnet.node.repo import CorruptRepo, NodeRepo, RepoConfig, RepoLocked, default_repo_path
from tests.vm.harness import make_key


def test_init_lays_out_the_repo_and_keeps_the_secret(tmp_path: Path) -> None:
    repo = NodeRepo(tmp_path / "node")
    assert not repo.exists()
    repo.init(RepoConfig("/ip4/127.0.0.1/tcp/0/http", "filnet-test"))
    assert repo.exists() and repo.chain_dir.is_dir() and repo.mpool_dir.is_dir()
    assert stat.S_IMODE(repo.keystore_dir.stat().st_mode) == 0o700
    assert repo.config() == RepoConfig("/ip4/127.0.0.1/tcp/0/http", "filnet-test")

    secret_file = repo.keystore_dir / "auth-jwt-private"
    record = json.loads(secret_file.read_text())
    assert record["Type"] == "jwt-hmac-secret" and stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = repo.jwt_secret()
    repo.init()  # again: nothing replaced
    assert repo.jwt_secret() == secret and repo.config().network == "filnet-test"

    token = repo.create_token("sign")
    assert verify_token(secret, token) == ["read", "write", "sign"]
    # wallet keys share the keystore directory without tripping over the secret
    keystore = Keystore.in_repo(repo.path)
    keystore.put(make_key(1))
    assert keystore.addresses() == [make_key(1).address]


def test_api_files_appear_while_running_and_go_on_clean_stop(tmp_path: Path) -> None:
    repo = NodeRepo(tmp_path)
    repo.init()
    with pytest.raises(NotFound, match="is the daemon running"):
        repo.api_info()
    token = repo.create_token("admin")
    repo.write_api("/ip4/127.0.0.1/tcp/4321/http", token)
    info = repo.api_info()
    assert (info.addr, info.token) == ("/ip4/127.0.0.1/tcp/4321/http", token)
    assert info.format() == f"FULLNODE_API_INFO={token}:/ip4/127.0.0.1/tcp/4321/http"
    assert stat.S_IMODE((tmp_path / "token").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "api").stat().st_mode) == 0o644
    repo.remove_api()
    assert not (tmp_path / "api").exists() and not (tmp_path / "token").exists()


def _probe(path: Path, code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60, check=True
    ).stdout


def test_a_second_process_cannot_take_a_locked_repo(tmp_path: Path) -> None:
    repo = NodeRepo(tmp_path)
    probe = (
        "import sys\n"
        "from filnet.node.repo import NodeRepo, RepoLocked\n"
        "try:\n"
        "    with NodeRepo(sys.argv[1]).locked():\n"
        "        print('took it')\n"
        "except RepoLocked as e:\n"
        "    print('locked:', e)\n"
    )
    with repo.locked():
        out = _probe(tmp_path, probe)
        assert out.startswith("locked:") and "repo.lock" in out
        # flock is per open file: a second holder in this process is refused too
        with pytest.raises(RepoLocked), NodeRepo(tmp_path).locked():
            pass
    assert _probe(tmp_path, probe).strip() == "took it"


def test_damaged_files_are_named(tmp_path: Path) -> None:
    repo = NodeRepo(tmp_path)
    repo.init()
    (tmp_path / "config.toml").write_text("[API\n")
    with pytest.raises(CorruptRepo, match=r"config\.toml"):
        repo.config()
    (repo.keystore_dir / "auth-jwt-private").write_text('{"Type": "bls", "PrivateKey": ""}')
    with pytest.raises(CorruptRepo, match="jwt-hmac-secret"):
        repo.jwt_secret()
    with pytest.raises(NotFound, match="not a filnet repository"):
        NodeRepo(tmp_path / "nothing").config()


def test_default_path_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FILNET_REPO", str(tmp_path / "r"))
    assert default_repo_path() == tmp_path / "r"
    monkeypatch.delenv("FILNET_REPO")
    assert default_repo_path() == Path(os.path.expanduser("~")) / ".filnet"
