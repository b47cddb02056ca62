"""`filnet data` on hostile input (mutated CARs, malformed CIDs, odd paths): exit 0 or 2, one line."""

from __future__ import annotations

import io
import json
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filnet.car import SpoolBlockstore, save_car
from filnet.cli.main import main
from filnet.unixfs.importer import import_path
from filnet.unixfs.profiles import PROFILES


def run(*args: str) -> tuple[int, bytes, str]:
    """Run the CLI in-process with stdout and stderr captured as bytes (``data cat`` writes to
    ``sys.stdout.buffer``); any exception other than SystemExit escapes and fails the test."""
    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdout, sys.stderr
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    code = 0
    try:
        main(list(args))
    except SystemExit as e:
        code = int(e.code or 0)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        captured = out.getvalue(), err.getvalue().decode("utf-8", "replace")
        sys.stdout, sys.stderr = saved
    return code, *captured


def _small_car(profile: str, chunk_dir: Path) -> Path:
    """A CAR of a directory holding a two-chunk file, a tiny file and a symlink: every kind of node."""
    src = chunk_dir / "src"
    (src / "sub").mkdir(parents=True)
    size = PROFILES[profile].chunk_size + 100
    (src / "sub" / "two-chunks.bin").write_bytes(bytes(i % 253 for i in range(size)))
    (src / "a.txt").write_bytes(b"abc\n")
    (src / "link").symlink_to("a.txt")
    car = chunk_dir / "small.car"
    with SpoolBlockstore() as spool:
        result = import_path(src, spool, PROFILES[profile])
        save_car(car, [result.root], spool)
    return car


@pytest.fixture(scope="module")
def small_cars(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {name: _small_car(name, tmp_path_factory.mktemp(name)) for name in ("kubo-v0", "unixfs-v1-2025")}


def _mutate(data: bytes, kind: str, at: int, value: int) -> bytes:
    """Truncate, flip a byte, delete a byte or insert one at ``at`` (taken modulo the size)."""
    at %= len(data)
    if kind == "truncate":
        return data[:at]
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ (value or 1)]) + data[at + 1 :]
    if kind == "delete":
        return data[:at] + data[at + 1 :]
    return data[:at] + bytes([value]) + data[at:]


def _assert_clean(code: int, err: str) -> None:
    assert code in (0, 2), err
    assert "Traceback" not in err
    assert len(err.splitlines()) <= 1, err
    if code == 2:
        assert err.startswith("error: "), err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    profile=st.sampled_from(["kubo-v0", "unixfs-v1-2025"]),
    kind=st.sampled_from(["truncate", "flip", "delete", "insert"]),
    at=st.integers(min_value=0, max_value=1 << 24),
    value=st.integers(min_value=0, max_value=255),
    command=st.sampled_from(["verify", "ls", "cat", "unpack"]),
)
def test_a_mutated_car_exits_0_or_2_with_one_line(
    small_cars: dict[str, Path], profile: str, kind: str, at: int, value: int, command: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        car = Path(tmp) / "m.car"
        car.write_bytes(_mutate(small_cars[profile].read_bytes(), kind, at, value))
        args = {
            "verify": ["data", "verify", str(car), "--json"],
            "ls": ["data", "ls", str(car), "--json"],
            "cat": ["data", "cat", str(car), "x/sub/two-chunks.bin"],
            "unpack": ["data", "unpack", str(car), "--out", str(Path(tmp) / "out")],
        }[command]
        if command == "cat":
            # The root CID may itself be mutated: read it back from the mutated CAR when possible.
            code, out, _ = run("data", "verify", str(car), "--json")
            args[3] = (json.loads(out)["roots"][0] if code == 0 else "x") + "/sub/two-chunks.bin"
        code, _, err = run(*args)
        _assert_clean(code, err)


@pytest.mark.parametrize("kind", ["truncate", "flip"])
def test_every_offset_of_a_small_car_is_handled(
    small_cars: dict[str, Path], tmp_path: Path, kind: str
) -> None:
    """Exhaustive over the header and the first sections, where the varints and CIDs live."""
    data = small_cars["kubo-v0"].read_bytes()
    car = tmp_path / "m.car"
    failures = 0
    for at in range(min(len(data), 400)):
        car.write_bytes(_mutate(data, kind, at, 0x80))
        code, _, err = run("data", "verify", str(car))
        _assert_clean(code, err)
        failures += code == 2
    assert failures > 300  # nearly every mutation of the first sections is caught


@pytest.mark.parametrize(
    "target",
    [
        "bafyfoo",
        "Qm",
        "zzzz",
        "/ipfs/",
        "/ipfs//",
        "ipfs://",
        "/",
        "b" + "a" * 500,
        "\udcff",
    ],
)
def test_malformed_targets_are_one_line_errors(
    small_cars: dict[str, Path], tmp_path: Path, target: str
) -> None:
    car = small_cars["unixfs-v1-2025"]
    for command in ("ls", "cat"):
        code, _, err = run("data", command, str(car), target)
        assert code == 2, (command, target)
        _assert_clean(code, err)


def test_paths_with_prefix_empty_segments_and_trailing_slash_resolve(
    small_cars: dict[str, Path], tmp_path: Path
) -> None:
    car = small_cars["unixfs-v1-2025"]
    root = json.loads(run("data", "verify", str(car), "--json")[1])["roots"][0]
    for target in (f"{root}/a.txt", f"/ipfs/{root}/a.txt", f"{root}//a.txt", f"ipfs://{root}/a.txt/"):
        assert run("data", "cat", str(car), target)[:2] == (0, b"abc\n"), target
    code, _, err = run("data", "cat", str(car), "")
    assert code == 2 and "empty" in err


def test_unreadable_car_path_is_one_line(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.car", tmp_path):
        code, _, err = run("data", "verify", str(path))
        _assert_clean(code, err)
        assert code == 2
