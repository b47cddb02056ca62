"""`filnet message …`: encode, cid and offline sign of Lotus-JSON messages; one subprocess error test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from filnet.chain.lotus_json import signed_message_from_json
from filnet.crypto.keys import KeyType, PrivateKey
from tests.cli.test_wallet import run_cli
from tests.conftest import load_json_vector

UNSIGNED = load_json_vector("filecoin/unsigned_messages.json")
SIGNING = load_json_vector("filecoin/message_signing.json")
NO_PASSPHRASE: dict[str, str | None] = {"FILNET_PASSPHRASE": None, "FILNET_REPO": None}


def _write(tmp_path: Path, obj: Any, name: str = "msg.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(obj))
    return path


@pytest.mark.parametrize("index", [0, 7, 20])
def test_encode_matches_vector(tmp_path: Path, index: int) -> None:
    vector = UNSIGNED[index]
    code, out, err = run_cli("message", "encode", str(_write(tmp_path, vector["message"])))
    assert code == 0, err
    assert out.strip() == vector["hex_cbor"]


def test_cid_matches_vector(tmp_path: Path) -> None:
    vector = SIGNING[0]
    code, out, _ = run_cli("message", "cid", str(_write(tmp_path, vector["Unsigned"])))
    assert code == 0 and out.strip() == vector["Cid"]


def test_encode_and_cid_as_json(tmp_path: Path) -> None:
    vector = SIGNING[0]
    path = str(_write(tmp_path, vector["Unsigned"]))
    code, out, _ = run_cli("message", "cid", "--json", path)
    assert code == 0 and json.loads(out) == {"CID": {"/": vector["Cid"]}}
    code, out, _ = run_cli("message", "encode", "--json", path)
    encoded = json.loads(out)
    assert code == 0 and encoded["CID"] == {"/": vector["Cid"]}
    assert encoded["CBOR"] == run_cli("message", "encode", path)[1].strip()


@pytest.mark.parametrize("vector", SIGNING, ids=lambda v: v["Cid"])
def test_sign_with_an_imported_lotus_key(tmp_path: Path, vector: dict[str, Any]) -> None:
    repo = str(tmp_path / "repo")
    export = ('{"Type":"bls","PrivateKey":"' + vector["PrivateKey"] + '"}').encode().hex()
    assert run_cli("wallet", "--repo", repo, "import", input=export, env=NO_PASSPHRASE)[0] == 0
    sender = vector["Unsigned"]["From"]
    msg = _write(tmp_path, vector["Unsigned"])
    code, out, err = run_cli("message", "sign", "--repo", repo, "--from", sender, str(msg), env=NO_PASSPHRASE)
    assert code == 0, err
    signed = json.loads(out)
    assert signed["Signature"] == vector["Signature"]
    assert signed["CID"] == {"/": vector["Cid"]}
    assert signed["Message"]["From"] == sender  # printed on the input's network (t)
    signed_message_from_json(signed).verify()


def sign_with_new_key(tmp_path: Path, kind: KeyType) -> tuple[int, str, str]:
    """Import a fresh ``kind`` key and run ``message sign`` with it on a message it sends."""
    repo = str(tmp_path / "repo")
    key = PrivateKey.generate(kind)
    run_cli("wallet", "--repo", repo, "import", input=key.export_lotus(), env=NO_PASSPHRASE)
    msg = _write(tmp_path, dict(SIGNING[0]["Unsigned"], From=str(key.address)))
    return run_cli("message", "sign", "--repo", repo, "--from", str(key.address), str(msg), env=NO_PASSPHRASE)


def test_sign_secp256k1(tmp_path: Path) -> None:
    code, out, _ = sign_with_new_key(tmp_path, KeyType.SECP256K1)
    assert code == 0
    signed = signed_message_from_json(json.loads(out))
    signed.verify()
    assert json.loads(out)["CID"] == {"/": str(signed.cid)}


def test_sign_refuses_another_sender(tmp_path: Path) -> None:
    key = PrivateKey.generate(KeyType.SECP256K1)
    msg = _write(tmp_path, SIGNING[0]["Unsigned"])
    code, out, err = run_cli(
        "message", "sign", "--repo", str(tmp_path), "--from", str(key.address), str(msg), env=NO_PASSPHRASE
    )
    assert code == 2 and out == "" and "is not the message's From" in err


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"Nonce": -1}, "Nonce"),
        ({"Value": str(1 << 256)}, "Value"),
        ({"Method": 1 << 64}, "Method"),
        ({"To": "f1bad"}, "To"),
        ({"GasLimit": "1000"}, "GasLimit"),
    ],
)
def test_bad_fields(tmp_path: Path, change: dict[str, Any], match: str) -> None:
    msg = _write(tmp_path, dict(SIGNING[0]["Unsigned"], **change))
    code, out, err = run_cli("message", "encode", str(msg))
    assert code == 2 and out == "" and match in err and err.count("\n") == 1


def test_missing_field_and_not_json(tmp_path: Path) -> None:
    obj = {k: v for k, v in SIGNING[0]["Unsigned"].items() if k != "GasPremium"}
    code, _, err = run_cli("message", "cid", str(_write(tmp_path, obj)))
    assert code == 2 and "GasPremium" in err
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\x8a\x00")  # CBOR, not JSON
    code, _, err = run_cli("message", "cid", str(bad))
    assert code == 2 and "not valid JSON" in err


def test_installed_entry_point_reports_one_line_and_exit_2(tmp_path: Path) -> None:
    msg = _write(tmp_path, dict(SIGNING[0]["Unsigned"], Nonce=-5))
    proc = subprocess.run(
        [sys.executable, "-m", "filnet.cli.main", "message", "encode", str(msg)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1 and "Nonce" in proc.stderr


def test_decode_round_trips_encode(tmp_path: Path) -> None:
    vector = UNSIGNED[3]
    code, out, _ = run_cli("message", "decode", vector["hex_cbor"], "--network", "t")
    assert code == 0
    decoded = json.loads(out)
    assert decoded.pop("CID")["/"].startswith("bafy2bza")
    assert decoded == vector["message"]


@pytest.mark.parametrize("text", ["zz", "80", "a0", "8a00", "8200" + "00"])
def test_decode_rejects_cbor_that_is_not_a_message(text: str) -> None:
    code, out, err = run_cli("message", "decode", text)
    assert code == 2 and out == "" and err.startswith("error: ") and err.count("\n") == 1


@pytest.mark.parametrize("content", ["[" * 100_000, '{"Nonce": ' + "1" * 5000 + "}", "\xff"])
def test_hostile_json_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "hostile.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape") if content != "\xff" else b"\xff")
    code, out, err = run_cli("message", "encode", str(path))
    assert code == 2 and out == "" and "not valid JSON" in err and err.count("\n") == 1


def test_sign_refuses_delegated_senders(tmp_path: Path) -> None:
    code, out, err = sign_with_new_key(tmp_path, KeyType.DELEGATED)
    assert code == 2 and out == "" and "f410" in err
