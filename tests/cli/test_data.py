"""End-to-end tests of `filnet data …`: real files in, real CARs out, outputs checked against each other."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.cli_helpers import exit_code, run_cli


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    (root / "sub").mkdir(parents=True)
    (root / "hello.txt").write_bytes(b"hello world\n")
    (root / "sub" / "data.bin").write_bytes(bytes(i % 251 for i in range(3_000_000)))
    (root / "sub" / "empty").write_bytes(b"")
    return root


def test_cid_of_a_file_matches_the_unixfs_vector(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "hello.txt"
    f.write_bytes(b"hello world\n")
    # `ipfs add --only-hash` of "hello world\n" (Kubo default profile).
    code, out, _ = run_cli(capsys, "data", "cid", str(f), "--profile", "kubo-v0")
    assert code == 0
    assert out.strip() == "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"


def test_prep_writes_a_car_whose_commp_and_contents_check_out(
    capsys: pytest.CaptureFixture[str], sample: Path, tmp_path: Path
) -> None:
    car = tmp_path / "out.car"
    code, out, err = run_cli(capsys, "data", "prep", str(sample), "--out", str(car), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert set(report) == {
        "root",
        "car",
        "car_size",
        "payload_size",
        "piece_cid",
        "piece_cid_v2",
        "piece_size",
    }
    assert report["car_size"] == car.stat().st_size
    assert report["payload_size"] == 12 + 3_000_000
    assert report["piece_cid"].startswith("baga6ea4sea")
    assert report["piece_cid_v2"].startswith("bafkzcib")
    assert report["piece_size"] >= car.stat().st_size * 128 // 127

    code, out, _ = run_cli(capsys, "data", "cid", str(sample), "--json")
    assert json.loads(out)["root"] == report["root"]

    code, out, _ = run_cli(capsys, "data", "commp", str(car), "--json")
    commp = json.loads(out)
    assert commp["piece_cid"] == report["piece_cid"]
    assert commp["piece_cid_v2"] == report["piece_cid_v2"]
    assert commp["payload_size"] == report["car_size"]

    code, out, _ = run_cli(capsys, "data", "verify", str(car), "--json")
    assert code == 0 and json.loads(out)["complete"] is True

    code, out, _ = run_cli(capsys, "data", "ls", str(car), "--json")
    names = sorted(e["name"] for e in json.loads(out))
    assert names == ["hello.txt", "sub"]

    code, out, _ = run_cli(capsys, "data", "ls", str(car), f"{report['root']}/sub", "--json")
    assert {e["name"]: e["size"] for e in json.loads(out)} == {"data.bin": 3_000_000, "empty": 0}

    dest = tmp_path / "unpacked"
    code, _, err = run_cli(capsys, "data", "unpack", str(car), "--out", str(dest))
    assert code == 0, err
    assert (dest / "hello.txt").read_bytes() == b"hello world\n"
    assert (dest / "sub" / "data.bin").read_bytes() == (sample / "sub" / "data.bin").read_bytes()
    assert (dest / "sub" / "empty").read_bytes() == b""


def test_cat_reads_ranges_and_rejects_a_length_past_the_end(
    capsysbinary: pytest.CaptureFixture[bytes], sample: Path, tmp_path: Path
) -> None:
    car = tmp_path / "out.car"
    assert exit_code("data", "prep", str(sample), "--out", str(car), "--json") == 0
    root = json.loads(capsysbinary.readouterr().out)["root"]
    data = (sample / "sub" / "data.bin").read_bytes()

    assert (
        exit_code("data", "cat", str(car), f"{root}/sub/data.bin", "--offset", "1048570", "--length", "20")
        == 0
    )
    assert capsysbinary.readouterr().out == data[1048570:1048590]

    assert (
        exit_code("data", "cat", str(car), f"{root}/sub/data.bin", "--offset", "2999990", "--length", "20")
        == 2
    )
    err = capsysbinary.readouterr().err.decode()
    assert err.count("\n") == 1 and "3000000" in err


def test_a_corrupt_car_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], sample: Path, tmp_path: Path
) -> None:
    car = tmp_path / "out.car"
    run_cli(capsys, "data", "prep", str(sample / "sub"), "--out", str(car))
    blob = bytearray(car.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    bad = tmp_path / "bad.car"
    bad.write_bytes(bytes(blob))
    code, out, err = run_cli(capsys, "data", "verify", str(bad))
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1

    truncated = tmp_path / "truncated.car"
    truncated.write_bytes(car.read_bytes()[:-100])
    code, _, err = run_cli(capsys, "data", "verify", str(truncated))
    assert code == 2 and "offset" in err


def test_cat_and_unpack_name_a_tampered_block(
    capsysbinary: pytest.CaptureFixture[bytes], sample: Path, tmp_path: Path
) -> None:
    car = tmp_path / "out.car"
    assert exit_code("data", "prep", str(sample), "--out", str(car), "--json") == 0
    root = json.loads(capsysbinary.readouterr().out)["root"]
    blob = bytearray(car.read_bytes())
    blob[blob.index(b"hello world\n")] ^= 0x01  # inside the raw leaf of hello.txt
    car.write_bytes(bytes(blob))
    commands = [("cat", str(car), f"{root}/hello.txt"), ("unpack", str(car), "--out", str(tmp_path / "out"))]
    for args in commands:
        assert exit_code("data", *args) == 2
        captured = capsysbinary.readouterr()
        assert b"hello world" not in captured.out
        err = captured.err.decode()
        assert err.count("\n") == 1 and "does not match" in err
    assert exit_code("data", "cat", str(car), f"{root}/sub/data.bin", "--length", "10") == 0


def test_prep_leaves_no_partial_output_when_the_input_is_missing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_car = tmp_path / "never.car"
    code, _, err = run_cli(capsys, "data", "prep", str(tmp_path / "nope"), "--out", str(out_car))
    assert code == 2 and "nope" in err
    assert not out_car.exists()
    assert os.listdir(tmp_path) == []


def test_unknown_profile_is_named(capsys: pytest.CaptureFixture[str], sample: Path) -> None:
    code, _, err = run_cli(capsys, "data", "cid", str(sample), "--profile", "fast")
    assert code == 2 and "'fast'" in err and "unixfs-v1-2025" in err


def test_the_console_entry_point_prints_one_line_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "garbage.car"
    bad.write_bytes(b"\xff\x00garbage")
    proc = subprocess.run(
        [sys.executable, "-m", "filnet.cli.main", "data", "verify", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_hidden_files_are_left_out_unless_asked(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plain, dotted = tmp_path / "plain", tmp_path / "dotted"
    for root in (plain, dotted):
        root.mkdir()
        (root / "a.txt").write_bytes(b"a")
    (dotted / ".secret").write_bytes(b"s")
    (dotted / ".git").mkdir()
    cids = {}
    for name, root, *flags in (("plain", plain), ("dotted", dotted), ("hidden", dotted, "--hidden")):
        code, out, err = run_cli(capsys, "data", "cid", str(root), *flags)
        assert code == 0, err
        cids[name] = out.strip()
    assert cids["plain"] == cids["dotted"] != cids["hidden"]
    car = tmp_path / "h.car"
    code, out, _ = run_cli(capsys, "data", "prep", str(dotted), "--hidden", "--out", str(car), "--json")
    assert code == 0 and json.loads(out)["root"] == cids["hidden"]
    code, out, _ = run_cli(capsys, "data", "ls", str(car), "--json")
    assert [e["name"] for e in json.loads(out)] == [".git", ".secret", "a.txt"]


def test_progress_is_drawn_only_on_a_terminal_and_never_with_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from filnet.cli import data as data_cli
    from filnet.unixfs import importer

    big = tmp_path / "big.bin"
    big.write_bytes(bytes(200_000))
    monkeypatch.setattr(data_cli, "PROGRESS_THRESHOLD", 100_000)
    sized: list[Path] = []
    real_input_size = data_cli._input_size
    monkeypatch.setattr(data_cli, "_input_size", lambda p: sized.append(p) or real_input_size(p))
    advanced: list[int] = []
    real_import_path = importer.import_path

    def import_path(*args: Any, on_progress: Any = None, **kwargs: Any) -> importer.ImportResult:
        def counted(n: int) -> None:
            advanced.append(n)
            on_progress(n)

        return real_import_path(*args, on_progress=counted if on_progress else None, **kwargs)

    monkeypatch.setattr(importer, "import_path", import_path)
    for terminal, flags, drawn in ((False, (), False), (True, ("--json",), False), (True, (), True)):
        monkeypatch.setattr(data_cli, "stderr_is_terminal", lambda t=terminal: t)
        sized.clear()
        advanced.clear()
        code, _, err = run_cli(capsys, "data", "cid", str(big), *flags)
        assert code == 0, err
        assert bool(sized) == drawn  # the input is only sized when a bar can be drawn
        assert sum(advanced) == (200_000 if drawn else 0)


@pytest.mark.parametrize("profile", ["unixfs-v1-2025", "v1-256k-174", "kubo-v0"])
@pytest.mark.parametrize("kind", ["empty file", "empty dir", "nested empty dirs", "one byte", "symlink"])
def test_prep_of_the_smallest_inputs_gives_a_car_commp_accepts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, profile: str, kind: str
) -> None:
    """The smallest CAR prep writes (header and one section) is still over the 65 bytes CommP needs."""
    src = tmp_path / "in"
    if kind == "empty file":
        src.write_bytes(b"")
    elif kind == "one byte":
        src.write_bytes(b"x")
    elif kind == "symlink":
        os.symlink("nowhere", src)
    else:
        (src / "a" / "b" if kind == "nested empty dirs" else src).mkdir(parents=True)
    car = tmp_path / "out.car"
    code, out, err = run_cli(
        capsys, "data", "prep", str(src), "--profile", profile, "--out", str(car), "--json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["car_size"] == car.stat().st_size >= 65
    assert report["piece_size"] == (128 if kind != "nested empty dirs" else 512)
    code, out, err = run_cli(capsys, "data", "verify", str(car), "--json")
    assert code == 0 and json.loads(out)["roots"] == [report["root"]], err


def test_prep_names_the_car_after_the_path_given_not_a_symlink_target(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "target.txt").write_bytes(b"x" * 100)
    os.symlink("target.txt", tmp_path / "link")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "data", "prep", "link", "--json")
    assert code == 0, err
    assert json.loads(out)["car"] == str(tmp_path / "link.car") and (tmp_path / "link.car").is_file()


def test_a_missing_file_is_named_first(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "absent.bin"
    code, out, err = run_cli(capsys, "data", "commp", str(missing))
    assert (code, out) == (2, "")
    assert err == f"error: {missing}: No such file or directory\n"
