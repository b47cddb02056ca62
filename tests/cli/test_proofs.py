"""End-to-end tests of `filnet proofs …`: seal, verify, unseal, PoSt, and their failures."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest

from filnet.proofs import merkle, porep
from tests.cli.cli_helpers import run_cli

TICKET = "11" * 32
SEED = "22" * 32
RANDOMNESS = "33" * 32


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


def _one_line(text: str) -> str:
    """The single line a failing command prints (the CLI's promise: no traceback, one line per problem)."""
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def _flip_first_sibling(path: Path) -> None:
    """Change one path element (challenge 0's first tree_d sibling) of a stored seal proof."""
    proof = porep.SealProof.from_bytes(path.read_bytes())
    answer = proof.challenges[0]
    level = answer.data_path.path[0]
    sibling = bytes([level.siblings[0][0] ^ 1]) + level.siblings[0][1:]
    data_path = dataclasses.replace(
        answer.data_path, path=(merkle.PathLevel((sibling,), level.position), *answer.data_path.path[1:])
    )
    changed = dataclasses.replace(answer, data_path=data_path)
    path.write_bytes(dataclasses.replace(proof, challenges=(changed, *proof.challenges[1:])).to_bytes())


def test_invalid_faults_of_issue_4_via_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Each damage gives exit 1 (verification failed, with the reason) or 2 (unusable input), on one line."""
    _seal(capsys, tmp_path, "a", "--zero")
    _seal(capsys, tmp_path, "bb", "--zero")

    def damaged(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(tmp_path / "a", target)
        return target

    # A proof with one path element changed.
    changed = damaged("changed")
    _flip_first_sibling(changed / "proof.cbor")
    code, out, _ = run_cli(capsys, "proofs", "verify-seal", str(changed))
    assert code == 1 and _one_line(out).startswith("invalid: ") and "tree_d path" in out
    # A proof for another sector (same seed and data, other sector number).
    other = damaged("other")
    shutil.copy(tmp_path / "bb" / "proof.cbor", other / "proof.cbor")
    code, out, _ = run_cli(capsys, "proofs", "verify-seal", str(other))
    assert code == 1 and _one_line(out).startswith("invalid: ")
    # A truncated or unreadable proof file, a damaged commit.json.
    truncated_proof = damaged("truncated-proof")
    os.truncate(truncated_proof / "proof.cbor", 100)
    code, _, err = run_cli(capsys, "proofs", "verify-seal", str(truncated_proof))
    assert code == 2 and "proof.cbor" in _one_line(err)
    for text in ("{bad", "{}", "[1]"):
        commit = damaged(f"commit-{len(text)}")
        (commit / "commit.json").write_text(text)
        code, _, err = run_cli(capsys, "proofs", "verify-seal", str(commit))
        assert code == 2 and "commit.json" in _one_line(err)
    # A truncated tree file: PoSt reports the sector as faulty.
    tree = damaged("tree")
    os.truncate(tree / "tree-r-last.dat", 1000)
    code, out, _ = run_cli(
        capsys, "proofs", "window-post", "--sectors", str(tree), "--randomness", RANDOMNESS,
        "--out", str(tmp_path / "tree.post"),
    )  # fmt: skip
    assert code == 1 and "fault: sector 1: " in out
    code, out, _ = run_cli(capsys, "proofs", "verify-window-post", str(tmp_path / "tree.post"))
    assert code == 1 and out.splitlines()[1].startswith("sector 1: ")
    # Unsealing needs the replica whole.
    os.truncate(tree / "sealed.dat", 1000)
    code, _, err = run_cli(
        capsys, "proofs", "unseal", str(tree), "--out", str(tmp_path / "u"),
        "--parent-cache", str(tmp_path / "cache"),
    )  # fmt: skip
    assert code == 2 and "sealed.dat" in _one_line(err)
    # A PoSt file damaged on disk.
    (tmp_path / "short.post").write_bytes((tmp_path / "tree.post").read_bytes()[:50])
    code, _, err = run_cli(capsys, "proofs", "verify-window-post", str(tmp_path / "short.post"))
    assert code == 2 and "short.post" in _one_line(err)
    # A truncated replica: sealing again restores it and the sector proves again.
    replica = damaged("r")  # _seal numbers a sector by the length of its name: "r" is sector 1 like "a"
    os.truncate(replica / "sealed.dat", 1000)
    _seal(capsys, tmp_path, "r", "--zero")
    assert (replica / "sealed.dat").read_bytes() == (tmp_path / "a" / "sealed.dat").read_bytes()
