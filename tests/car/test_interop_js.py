"""CAR files cross-checked with @ipld/car and ipfs-car running under Node.

* a CAR `filnet data prep` writes is read by @ipld/car: the same roots, the same blocks in the same order;
* a CAR @ipld/car writes is read, verified and found complete by filnet;
* `ipfs-car pack DIR` gives the root CID of `filnet data cid DIR` (profile ``unixfs-v1-2025``: CIDv1, raw
  leaves, 1 MiB chunks, 1024 links), and `filnet data cat` reads its files back from ipfs-car's CAR;
* `ipfs-car unpack` (which verifies every block) restores our CAR to the tree it was made from.

`make test` installs the pinned packages of ``interop/package.json``; without them these tests skip on a
developer machine and fail under CI.
"""

from __future__ import annotations

import contextlib
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from filnet.car import CarBlockstore, open_car, verify_car
from filnet.unixfs import exporter
from tests.node_interop import INTEROP_DIR, require_node_packages

SCRIPT = Path(__file__).resolve().parent / "js" / "car.mjs"
IPFS_CAR = INTEROP_DIR / "node_modules" / ".bin" / "ipfs-car"
pytestmark = require_node_packages("@ipld/car", "ipfs-car")


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the CAR script beside a link to the installed node_modules."""
    base = tmp_path_factory.mktemp("js")
    shutil.copy(SCRIPT, base / "car.mjs")
    (base / "node_modules").symlink_to(INTEROP_DIR / "node_modules")
    return base


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Files of several sizes (one spanning two 1 MiB chunks) in nested directories, none empty."""
    rng = random.Random(2)
    root = tmp_path_factory.mktemp("tree") / "photos"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "hello.txt").write_bytes(b"hello world\n")
    (root / "sub" / "big.bin").write_bytes(rng.randbytes((1 << 20) + 12_345))
    (root / "sub" / "deeper" / "small.bin").write_bytes(rng.randbytes(300))
    (root / "zero").write_bytes(b"")
    (root / "\u00e9t\u00e9.txt").write_bytes(b"summer\n")
    return root


def filnet(*args: str) -> str:
    """Run the `filnet` command in a child process; return its stdout (bytes decoded as Latin-1)."""
    done = subprocess.run(
        [sys.executable, "-m", "filnet.cli.main", *args], capture_output=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode("latin-1")


def ipld_car(runner: Path, *args: str) -> dict[str, Any]:
    """What @ipld/car says of a CAR: roots and ``[cid, length, hash matches]`` per block, in file order."""
    out = subprocess.run(
        ["node", str(runner / "car.mjs"), *args], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def test_ipld_car_reads_our_car_block_for_block(runner: Path, tree: Path, tmp_path: Path) -> None:
    car = tmp_path / "photos.car"
    report = json.loads(filnet("data", "prep", str(tree), "--out", str(car), "--json"))
    with open_car(car) as reader:
        ours = [[str(b.cid), len(b.data), True] for b in reader.blocks()]
    theirs = ipld_car(runner, "read", str(car))
    assert theirs["roots"] == [report["root"]]
    assert theirs["blocks"] == ours
    assert len(ours) > 5


@pytest.mark.parametrize("seed,count", [(1, 0), (7, 5), (42, 40)])
def test_we_read_and_verify_a_car_ipld_car_wrote(runner: Path, tmp_path: Path, seed: int, count: int) -> None:
    car = tmp_path / "js.car"
    theirs = ipld_car(runner, "write", str(car), str(seed), str(count))
    with open_car(car) as reader:
        assert [str(r) for r in reader.roots] == theirs["roots"]
        assert [[str(b.cid), len(b.data), True] for b in reader.blocks()] == theirs["blocks"]
    report = verify_car(car)
    assert report.complete and report.orphans == 0
    assert report.blocks == count + 1


def test_ipfs_car_pack_matches_the_default_profile(tree: Path, tmp_path: Path) -> None:
    car = tmp_path / "ipfs-car.car"
    # ipfs-car wraps its input in a directory by default; for a directory that wrapper's only entry is
    # the directory's own contents, so the root is the directory's CID (ipfs-car skips empty directories
    # and symlinks, hence none in the tree).
    subprocess.run(
        [str(IPFS_CAR), "pack", str(tree), "--output", str(car)], capture_output=True, check=True, timeout=60
    )
    roots = subprocess.run(
        [str(IPFS_CAR), "roots", str(car)], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    ours = filnet("data", "cid", str(tree), "--profile", "unixfs-v1-2025").strip()
    assert roots == [ours]
    big = (tree / "sub" / "big.bin").read_bytes()
    assert filnet("data", "cat", str(car), f"{ours}/sub/big.bin").encode("latin-1") == big
    middle = filnet("data", "cat", str(car), f"{ours}/sub/big.bin", "--offset", "1048570", "--length", "20")
    assert middle.encode("latin-1") == big[1_048_570:1_048_590]
    assert json.loads(filnet("data", "verify", str(car), "--json"))["complete"] is True


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_ipfs_car_unpacks_our_car(tree: Path, tmp_path: Path) -> None:
    car = tmp_path / "photos.car"
    filnet("data", "prep", str(tree), "--out", str(car))
    out = tmp_path / "unpacked"
    subprocess.run(
        [str(IPFS_CAR), "unpack", str(car), "--output", str(out)], capture_output=True, check=True, timeout=60
    )
    assert read_tree(out) == read_tree(tree)


def test_ipfs_car_shards_a_big_directory_as_we_do(tmp_path: Path) -> None:
    """3,200 entries of about 90 bytes each: past the 256 KiB block threshold, so a HAMT shard for both."""
    tree = tmp_path / "many"
    tree.mkdir()
    for i in range(3200):
        (tree / f"entry-with-a-rather-long-name-{i:05d}.txt").write_bytes(str(i).encode())
    car = tmp_path / "many.car"
    subprocess.run(
        [str(IPFS_CAR), "pack", str(tree), "--output", str(car)], capture_output=True, check=True, timeout=60
    )
    ours = filnet("data", "cid", str(tree)).strip()
    assert json.loads(filnet("data", "verify", str(car), "--json"))["roots"] == [ours]
    with contextlib.closing(CarBlockstore(car)) as store:
        assert exporter.stat(store, ours).type == exporter.EntryType.HAMT_SHARD
    assert len(json.loads(filnet("data", "ls", str(car), ours, "--json"))) == 3200
    assert filnet("data", "cat", str(car), f"{ours}/entry-with-a-rather-long-name-01234.txt") == "1234"
