"""`filnet wallet …` driven in-process: keys, defaults, signing, Lotus import/export, encryption."""

from __future__ import annotations

import base64
import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from filnet.core.address import Address
from filnet.crypto.keys import KeyType, PrivateKey
from tests.cli.cli_helpers import exit_code
from tests.conftest import load_json_vector

Run = Callable[..., tuple[int, str, str]]


def run_cli(
    *args: str, input: str | None = None, env: dict[str, str | None] | None = None
) -> tuple[int, str, str]:
    """Run ``filnet`` in-process with ``input`` on stdin; return (exit code, stdout, stderr)."""
    with CliRunner().isolation(input=input, env=env) as (out, err, _):
        code = exit_code(*args)
        return code, out.getvalue().decode(), err.getvalue().decode()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return tmp_path / "repo"


@pytest.fixture
def run(repo: Path) -> Run:
    """``filnet wallet --repo <repo> …`` without a passphrase in the environment."""

    def _run(*args: str, input: str | None = None, passphrase: str | None = None) -> tuple[int, str, str]:
        env = {"FILNET_PASSPHRASE": passphrase, "FILNET_REPO": None}
        return run_cli("wallet", "--repo", str(repo), *args, input=input, env=env)

    return _run


def test_new_list_default(run: Run, repo: Path) -> None:
    code, out, err = run("new")
    assert code == 0 and "warning" in err and "unencrypted" in err
    first = Address.parse(out.strip())
    code, out, _ = run("new", "bls")
    second = Address.parse(out.strip())
    assert (first.protocol, second.protocol) == (1, 3)

    code, out, _ = run("list")
    lines = out.splitlines()
    assert f"* {first}  secp256k1" in lines and f"  {second}  bls" in lines

    code, out, _ = run("default")
    assert out.strip() == str(first)  # the first key became the default
    assert run("default", str(second))[0] == 0
    code, out, _ = run("list", "--json")
    listed = {e["address"]: e for e in json.loads(out)}
    assert listed[str(second)]["default"] and not listed[str(first)]["default"]
    assert listed[str(second)]["type"] == "bls"

    keystore = repo / "keystore"
    assert stat.S_IMODE(keystore.stat().st_mode) == 0o700
    for path in keystore.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_sign_and_verify(run: Run) -> None:
    address = run("new")[1].strip()
    code, out, _ = run("sign", address, "cafe01")
    signature = out.strip()
    assert code == 0 and signature.startswith("01") and len(signature) == 132
    assert run("verify", address, "cafe01", signature)[1].strip() == "valid"
    code, out, err = run("verify", address, "cafe02", signature)
    assert code == 2 and out == "" and err.startswith("error: ") and err.count("\n") == 1
    assert run("verify", address, "zz", signature)[0] == 2
    assert run("verify", address, "cafe01", "07" + signature[2:])[0] == 2


def test_bls_sign_verify(run: Run) -> None:
    address = run("new", "bls")[1].strip()
    signature = run("sign", address, "00")[1].strip()
    assert signature.startswith("02") and len(signature) == 2 * 97
    assert run("verify", address, "00", signature)[0] == 0


def test_lotus_key_moves_in_and_out(run: Run, tmp_path: Path) -> None:
    vector = load_json_vector("filecoin/message_signing.json")[0]
    lotus_export = ('{"Type":"bls","PrivateKey":"' + vector["PrivateKey"] + '"}').encode().hex()
    key_file = tmp_path / "key.hex"
    key_file.write_text(lotus_export + "\n")
    code, out, _ = run("import", str(key_file))
    assert code == 0
    assert Address.parse(out.strip()) == Address.parse(vector["Unsigned"]["From"])
    code, out, _ = run("export", out.strip())
    assert out.strip() == lotus_export
    # From stdin, into a second keystore.
    code, out, _ = run_cli(
        "wallet",
        "--repo",
        str(tmp_path / "other"),
        "import",
        "-",
        input=lotus_export,
        env={"FILNET_PASSPHRASE": None},
    )
    assert code == 0 and Address.parse(out.strip()) == Address.parse(vector["Unsigned"]["From"])


def test_no_command_prints_a_private_key_unless_exporting(run: Run, repo: Path) -> None:
    outputs = []
    for kind in ("secp256k1", "bls"):
        _, out, err = run("new", kind)
        address = out.strip()
        outputs += [out, err]
        outputs += (
            run("list")[1:] + run("list", "--json")[1:] + run("sign", address, "ab")[1:] + run("default")[1:]
        )
        secret = PrivateKey.import_lotus(run("export", address)[1]).secret
        for text in outputs:
            assert secret.hex() not in text
            assert base64.b64encode(secret).decode() not in text


def test_encrypted_keys(run: Run, repo: Path) -> None:
    code, out, err = run("new", passphrase="s3cret")
    assert code == 0 and "warning" not in err
    address = out.strip()
    text = next((repo / "keystore").glob("*.key")).read_text()
    assert "private_key" not in text and "ciphertext" in text
    assert "encrypted" in run("list")[1]
    assert run("sign", address, "ab", passphrase="s3cret")[0] == 0
    code, _, err = run("export", address)
    assert code == 2 and "FILNET_PASSPHRASE" in err
    code, _, err = run("export", address, passphrase="wrong")
    assert code == 2 and "wrong passphrase" in err
    assert PrivateKey.import_lotus(run("export", address, passphrase="s3cret")[1]).type is KeyType.SECP256K1


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend stdin is a terminal, so that prompts are shown (and answered from ``input``)."""
    monkeypatch.setattr("filnet.cli.wallet.stdin_is_terminal", lambda: True)


def test_delete_asks_for_confirmation(run: Run, repo: Path, terminal: None) -> None:
    address = run("new", passphrase="")[1].strip()
    code, _, err = run("delete", address, input="n\n")
    assert code == 1 and "aborted" in err
    assert run("export", address)[0] == 0
    assert run("delete", address, input="y\n")[0] == 0
    assert run("export", address)[0] == 2
    other = run("new", passphrase="")[1].strip()
    assert run("delete", "--yes", other)[0] == 0
    assert list((repo / "keystore").glob("*.key")) == []
    code, _, err = run("delete", "--yes", other)
    assert code == 2 and "no key" in err


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not hex",
        "7b7d",
        '{"Type":"bls","PrivateKey":"AAAA"}',
        '{"Type":"secp256k1","PrivateKey":"/////w=="}',
    ],
)
def test_bad_imports_write_nothing(run: Run, repo: Path, text: str) -> None:
    code, out, err = run("import", "-", input=text)
    assert code == 2 and out == "" and err.startswith("error: ")
    assert not (repo / "keystore").exists() or list((repo / "keystore").iterdir()) == []


def test_delete_without_a_terminal_needs_yes(run: Run) -> None:
    address = run("new")[1].strip()
    for stdin in (None, "y\n"):  # a pipe is no one's consent, not even a piped "y"
        code, out, err = run("delete", address, input=stdin)
        assert code == 2 and out == "" and "--yes" in err and err.count("\n") == 1
    assert run("export", address)[0] == 0
    assert run("delete", "--yes", address)[0] == 0


def test_importing_a_key_twice_is_an_error(run: Run) -> None:
    export = PrivateKey.generate(KeyType.SECP256K1).export_lotus()
    assert run("import", input=export)[0] == 0
    code, _, err = run("import", input=export)
    # Refused before any passphrase question or unencrypted-key warning.
    assert code == 2 and "already" in err and "warning" not in err and err.count("\n") == 1


def test_passphrase_is_asked_on_a_terminal_only(run: Run, repo: Path, terminal: None) -> None:
    code, out, err = run("new", input="pw\npw\n")
    assert code == 0 and "Passphrase" in err and "warning" not in err
    address = out.strip()
    assert json.loads(run("list", "--json")[1])[0]["encrypted"] is True
    code, out, err = run("sign", address, "00", input="pw\n")
    assert code == 0 and out.startswith("01") and f"Passphrase of {address}" in err
    code, _, err = run("sign", address, "00", input="wrong\n")
    assert code == 2 and "wrong passphrase" in err


def test_no_prompt_without_a_terminal(run: Run) -> None:
    code, _, err = run("new", input="pw\npw\n")
    assert code == 0 and "Passphrase" not in err and "unencrypted" in err
    assert json.loads(run("list", "--json")[1])[0]["encrypted"] is False


def test_json_output_of_every_command(run: Run, tmp_path: Path) -> None:
    code, out, _ = run("new", "bls", "--json")
    created = json.loads(out)
    assert code == 0 and created["type"] == "bls" and created["default"] is True
    assert created["encrypted"] is False
    address = created["address"]
    assert json.loads(run("default", "--json")[1]) == {"address": address}
    info = json.loads(run("export", address, "--json")[1])
    assert info["Type"] == "bls" and PrivateKey.from_key_info(info).address == Address.parse(address)
    signed = json.loads(run("sign", address, "cafe", "--json")[1])
    assert signed["Type"] == 2 and len(base64.b64decode(signed["Data"])) == 96
    signature = "02" + base64.b64decode(signed["Data"]).hex()
    verdict = json.loads(run("verify", address, "cafe", signature, "--json")[1])
    assert verdict == {"valid": True, "address": address, "type": "bls"}
    code, out, err = run("verify", address, "cafd", signature, "--json")
    assert code == 2 and out == "" and err.startswith("error: ")
    # The KeyInfo JSON that `export --json` prints imports as well, into another repository.
    (tmp_path / "key.json").write_text(json.dumps(info))
    code, out, _ = run_cli(
        "wallet", "--repo", str(tmp_path / "other"), "import", "--json", str(tmp_path / "key.json")
    )
    assert code == 0 and json.loads(out)["address"] == address
    other = run("new", "--json")[1]
    assert json.loads(other)["default"] is False
    changed = json.loads(run("default", json.loads(other)["address"], "--json")[1])
    assert changed == {"address": json.loads(other)["address"]}


def test_bls_export_imports_back_to_the_same_address(run: Run, tmp_path: Path) -> None:
    address = run("new", "bls")[1].strip()
    export = run("export", address)[1]
    env: dict[str, str | None] = {"FILNET_PASSPHRASE": None}
    code, out, _ = run_cli("wallet", "--repo", str(tmp_path / "b"), "import", input=export, env=env)
    assert code == 0 and out.strip() == address


def test_leftover_temporary_files_are_ignored(run: Run, repo: Path) -> None:
    address = run("new")[1].strip()
    # What a crash between mkstemp and rename leaves behind (core.fsutil.atomic_output's naming).
    (repo / "keystore" / f".{address}.key.x1y2z3.part").write_bytes(b'{"version": 1, "add')
    code, out, _ = run("list", "--json")
    assert code == 0 and [e["address"] for e in json.loads(out)] == [address]


def test_bad_addresses_and_missing_keys(run: Run) -> None:
    code, _, err = run("export", "f1nope")
    assert code == 2 and err.startswith("error: ")
    code, _, err = run("sign", str(Address.new_id(5)), "00")
    assert code == 2 and "no key" in err
    code, _, err = run("default")
    assert code == 2 and "no default" in err


def test_repo_from_environment(tmp_path: Path) -> None:
    env = {"FILNET_REPO": str(tmp_path / "envrepo"), "FILNET_PASSPHRASE": None}
    code, out, _ = run_cli("wallet", "new", env=env)
    assert code == 0
    assert (tmp_path / "envrepo" / "keystore" / f"{out.strip()}.key").is_file()


def test_repo_option_beats_the_environment(tmp_path: Path) -> None:
    env = {"FILNET_REPO": str(tmp_path / "envrepo"), "FILNET_PASSPHRASE": None}
    code, out, _ = run_cli("wallet", "--repo", str(tmp_path / "optrepo"), "new", env=env)
    assert code == 0
    assert (tmp_path / "optrepo" / "keystore" / f"{out.strip()}.key").is_file()
    assert not (tmp_path / "envrepo").exists()


def test_delegated_keys(run: Run) -> None:
    code, out, _ = run("new", "delegated")
    address = out.strip()
    assert code == 0 and address.startswith("f410f")
    signature = run("sign", address, "cafe")[1].strip()
    assert signature.startswith("03") and len(signature) == 2 * 66
    assert run("verify", address, "cafe", signature)[1].strip() == "valid"
    assert run("verify", address, "cafd", signature)[0] == 2
