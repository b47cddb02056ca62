"""End-to-end tests of `filnet proofs …`: seal, verify, unseal, PoSt, and their failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from filnet.cli.main import main

TICKET = "11" * 32
SEED = "22" * 32
RANDOMNESS = "33" * 32


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    code = 0
    try:
        main(list(args))
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _seal(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, *source: str) -> dict[str, object]:
    code, out, err = run_cli(
        capsys,
        "proofs", "seal", "--sector-size", "2KiB", *source, "--prover-id", "1000", "--sector-number",
        str(len(name)), "--ticket", TICKET, "--seed", SEED, "--out", str(tmp_path / name),
        "--parent-cache", str(tmp_path / "cache"), "--json",
    )  # fmt: skip
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    return result


def test_seal_verify_unseal(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    content = bytes(range(256)) * 5
    (tmp_path / "in.bin").write_bytes(content)
    result = _seal(capsys, tmp_path, "s", "--input", str(tmp_path / "in.bin"))
    assert str(result["comm_d"]).startswith("baga6ea4seaq")
    assert str(result["comm_r"]).startswith("bagboea4b5abc")
    assert len(str(result["comm_r_hex"])) == 64 and len(str(result["replica_id_hex"])) == 64
    assert isinstance(result["proof_bytes"], int) and result["proof_bytes"] > 0
    assert set(result["seconds"]) == {"labels", "trees", "proof"}  # type: ignore[arg-type]
    assert run_cli(capsys, "proofs", "verify-seal", str(tmp_path / "s"))[:2] == (0, "valid\n")
    code, _, _ = run_cli(
        capsys, "proofs", "unseal", str(tmp_path / "s"), "--out", str(tmp_path / "out.bin"),
        "--offset", "100", "--length", "1000", "--parent-cache", str(tmp_path / "cache"),
    )  # fmt: skip
    assert code == 0
    assert (tmp_path / "out.bin").read_bytes() == content[100:1100]


def test_verify_seal_from_explicit_inputs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = _seal(capsys, tmp_path, "z", "--zero")
    base = [
        "proofs", "verify-seal", "--proof", str(tmp_path / "z" / "proof.cbor"), "--proof-type", "5",
        "--comm-r", str(result["comm_r_hex"]), "--comm-d", str(result["comm_d_hex"]), "--prover-id", "1000",
        "--sector-number", "1", "--ticket", TICKET,
    ]  # fmt: skip
    assert run_cli(capsys, *base, "--seed", SEED)[0] == 0
    code, out, _ = run_cli(capsys, *base, "--seed", "44" * 32, "--json")
    assert code == 1 and json.loads(out)["valid"] is False


def test_window_and_winning_post(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _seal(capsys, tmp_path, "a", "--zero")
    _seal(capsys, tmp_path, "bb", "--zero")
    sectors = ["--sectors", str(tmp_path / "a"), "--sectors", str(tmp_path / "bb")]
    for kind in ("window", "winning"):
        proof_file = str(tmp_path / f"{kind}.post")
        code, out, err = run_cli(
            capsys,
            "proofs",
            f"{kind}-post",
            *sectors,
            "--randomness",
            RANDOMNESS,
            "--out",
            proof_file,
            "--json",
        )
        assert code == 0, err
        assert json.loads(out)["faults"] == []
        code, out, _ = run_cli(capsys, "proofs", f"verify-{kind}-post", proof_file, "--json")
        assert code == 0 and json.loads(out)["valid"] is True
    # A replica damaged on disk: the sector is reported by number, the other one is still proven.
    replica = tmp_path / "bb" / "sealed.dat"
    replica.write_bytes(bytes(2048))
    code, out, _ = run_cli(
        capsys,
        "proofs",
        "window-post",
        *sectors,
        "--randomness",
        RANDOMNESS,
        "--out",
        str(tmp_path / "w2"),
        "--json",
    )
    assert code == 1
    report = json.loads(out)
    assert report["proven"] == [1] and [f["sector_number"] for f in report["faults"]] == [2]
    code, out, _ = run_cli(capsys, "proofs", "verify-window-post", str(tmp_path / "w2"))
    assert code == 1 and "sector 2:" in out


@pytest.mark.parametrize(
    "args",
    [
        ["--sector-size", "4KiB", "--zero"],
        ["--sector-size", "2KiB"],
        ["--sector-size", "2KiB", "--zero", "--ticket", "00"],
    ],
)
def test_invalid_seal_arguments(capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]) -> None:
    defaults = {"--ticket": TICKET, "--seed": SEED, "--prover-id": "1", "--sector-number": "1"}
    extra = [x for k, v in defaults.items() if k not in args for x in (k, v)]
    code, _, err = run_cli(capsys, "proofs", "seal", *args, *extra, "--out", str(tmp_path / "x"))
    assert code == 2 and err


def test_invalid_randomness_and_proof_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _seal(capsys, tmp_path, "a", "--zero")
    code, _, err = run_cli(
        capsys,
        "proofs",
        "window-post",
        "--sectors",
        str(tmp_path / "a"),
        "--randomness",
        "33",
        "--out",
        str(tmp_path / "w"),
    )
    assert code == 2 and "32 bytes" in err
    (tmp_path / "junk.post").write_bytes(b"\x85\x01")
    code, _, err = run_cli(capsys, "proofs", "verify-window-post", str(tmp_path / "junk.post"))
    assert code == 2 and err.startswith("error:")
