"""The demonstration behind ``make run``: the data commands on a sample this module generates.

Every step runs the real ``filnet`` command in a subprocess and shows its command line and output, then
checks the result (e.g. that unpacked files equal the originals), so a broken build fails loudly here too.
"""

from __future__ import annotations

import filecmp
import json
import os
import random
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

console = Console(soft_wrap=True)


class DemoFailure(Exception):
    """A demonstration step did not give what it should."""


#: Environment of the demonstration's commands (a private wallet repo, set by :func:`run`).
ENV: dict[str, str] = {}


def filnet(*args: str, expect_exit: int = 0, show: bool = True) -> str:
    """Run ``filnet ARGS`` and return its stdout; fail when its exit code differs from ``expect_exit``."""
    cmd = [sys.executable, "-m", "filnet.cli.main", *args]
    console.print(f"[bold cyan]$ filnet {shlex.join(args)}[/]", highlight=False)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env={**os.environ, **ENV})
    out = proc.stdout
    if show and out:
        lines = out.rstrip("\n").splitlines()
        for line in lines[:25]:
            console.print(f"  {line}", markup=False, highlight=False)
        if len(lines) > 25:
            console.print(f"  … {len(lines) - 25} more lines", style="dim")
    if proc.stderr:
        console.print(f"  [yellow]{proc.stderr.strip()}[/]", highlight=False)
    if proc.returncode != expect_exit:
        raise DemoFailure(f"`filnet {shlex.join(args)}` exited {proc.returncode}, expected {expect_exit}")
    return out


def make_sample(root: Path) -> Path:
    """A small directory tree: text, 12 MiB of pseudo-random bytes, zeros, and a folder of many files."""
    rng = random.Random(2026)
    sample = root / "sample"
    (sample / "photos").mkdir(parents=True, exist_ok=True)
    (sample / "notes").mkdir(exist_ok=True)
    (sample / "README.txt").write_text("filnet demo: content-addressed data, byte-compatible with IPFS.\n")
    (sample / "photos" / "big.bin").write_bytes(rng.randbytes(12 << 20))
    (sample / "photos" / "zeros.bin").write_bytes(bytes(3 << 20))
    for i in range(200):
        (sample / "notes" / f"note-{i:03}.txt").write_text(f"note {i}\n" * (i + 1))
    return sample


def step(title: str) -> None:
    console.rule(f"[bold]{title}")


def run(workdir: Path) -> None:
    """Run every demonstration step in ``workdir``."""
    sample = make_sample(workdir)
    car = workdir / "sample.car"

    step("1. Root CID of a directory, for each import profile (like `ipfs add --only-hash`)")
    for profile in ("unixfs-v1-2025", "v1-256k-174", "kubo-v0"):
        filnet("data", "cid", str(sample), "--profile", profile)

    step("2. Prepare the directory for a Filecoin deal: UnixFS DAG → CARv1 → piece CID")
    prep: dict[str, Any] = json.loads(filnet("data", "prep", str(sample), "--out", str(car), "--json"))

    step("3. Verify the CAR: every block's hash and the DAG's completeness")
    filnet("data", "verify", str(car))

    step("4. List the root directory and a sub-directory inside the CAR")
    filnet("data", "ls", str(car))
    filnet("data", "ls", str(car), f"{prep['root']}/photos")

    step("5. Read a file, and a byte range of another, straight out of the CAR")
    filnet("data", "cat", str(car), f"{prep['root']}/README.txt")
    ranged = subprocess.run(
        [
            *(sys.executable, "-m", "filnet.cli.main", "data", "cat", str(car)),
            *(f"{prep['root']}/photos/big.bin", "--offset", "5000000", "--length", "64"),
        ],
        capture_output=True,
        check=True,
    ).stdout
    expected = (sample / "photos" / "big.bin").read_bytes()[5_000_000:5_000_064]
    if ranged != expected:
        raise DemoFailure("byte range read from the CAR differs from the original file")
    console.print("  bytes 5,000,000–5,000,063 of photos/big.bin match the original ✓")

    step("6. Unpack the CAR and compare with the original tree")
    out = workdir / "unpacked"
    filnet("data", "unpack", str(car), "--out", str(out))
    if not _same_tree(sample, out):
        raise DemoFailure("unpacked tree differs from the original")
    console.print("  unpacked tree is identical to the original ✓")

    step("7. The piece CID of the CAR on its own equals what `prep` reported")
    commp = json.loads(filnet("data", "commp", str(car), "--json"))
    if commp["piece_cid"] != prep["piece_cid"]:
        raise DemoFailure("commp of the CAR differs from prep's piece CID")
    console.print("  piece CIDs agree ✓")

    step("8. A wallet: keys encrypted at rest, an offline-signed message in Lotus's JSON form")
    ENV.update(FILNET_REPO=str(workdir / "repo"), FILNET_PASSPHRASE="demo passphrase, not a secret")
    sender = filnet("wallet", "new").strip()
    filnet("wallet", "new", "bls")
    filnet("wallet", "list")
    message = {
        "Version": 0,
        "To": "f01234",
        "From": sender,
        "Nonce": 0,
        "Value": "1500000000000000000",
        "GasLimit": 1000000,
        "GasFeeCap": "100000",
        "GasPremium": "1000",
        "Method": 0,
        "Params": None,
    }
    msg_file = workdir / "message.json"
    msg_file.write_text(json.dumps(message, indent=2))
    filnet("message", "cid", str(msg_file))
    filnet("message", "encode", str(msg_file))
    signed = json.loads(filnet("message", "sign", "--from", sender, str(msg_file)))
    console.print(f"  signed by {sender}: CID {signed['CID']['/']}", highlight=False)

    # `make run` runs from the repository root, beside which ../shared holds a real Lotus genesis.
    genesis = Path.cwd().parent / "shared" / "vectors" / "filecoin" / "butterflynet-genesis.car.zst"
    if genesis.exists():
        step("9. The state tree of a real Lotus genesis (butterflynet)")
        filnet("state", "inspect", "--car", str(genesis))
        filnet("state", "get", "--car", str(genesis), "f02")

    step("10. Seal a 2 KiB sector (Stacked DRG), verify its proof, unseal it, prove it with WindowPoSt")
    sector_data = workdir / "sector.bin"
    sector_data.write_bytes(random.Random(7).randbytes(2032))
    cache = str(workdir / "parent-cache")
    sealed = json.loads(
        filnet(
            *("proofs", "seal", "--sector-size", "2KiB", "--input", str(sector_data), "--prover-id", "1000"),
            *("--sector-number", "1", "--ticket", "11" * 32, "--seed", "22" * 32),
            *("--out", str(workdir / "sector1"), "--parent-cache", cache, "--json"),
        )
    )
    filnet("proofs", "verify-seal", str(workdir / "sector1"))
    filnet(
        "proofs",
        "unseal",
        str(workdir / "sector1"),
        "--out",
        str(workdir / "unsealed.bin"),
        "--parent-cache",
        cache,
    )
    if (workdir / "unsealed.bin").read_bytes() != sector_data.read_bytes():
        raise DemoFailure("unsealed sector differs from the original data")
    console.print(f"  CommR {sealed['comm_r']}: unsealed bytes equal the original ✓", highlight=False)
    post = str(workdir / "window.post")
    filnet(
        "proofs",
        "window-post",
        "--sectors",
        str(workdir / "sector1"),
        "--randomness",
        "33" * 32,
        "--out",
        post,
    )
    filnet("proofs", "verify-window-post", post)

    step("11. Bad input gets one clear line and exit code 2")
    corrupt = workdir / "corrupt.car"
    blob = bytearray(car.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    corrupt.write_bytes(bytes(blob))
    filnet("data", "verify", str(corrupt), expect_exit=2)
    filnet("data", "cat", str(car), f"{prep['root']}/missing.txt", expect_exit=2)

    devnet_tour(workdir / "devnet")
    console.rule("[bold green]demo finished: every check passed")


def devnet_tour(directory: Path) -> None:
    """A local network: start it, watch the head, send FIL from the client wallet, inspect the provider."""
    step("A local Filecoin network: one node, one provider with pre-sealed sectors")
    out = filnet("devnet", "--dir", str(directory), "--block-time", "2", "--detach")
    info = out.strip().splitlines()[0]
    if not info.startswith("FULLNODE_API_INFO="):
        raise DemoFailure(f"devnet printed no API info: {out!r}")
    ENV["FULLNODE_API_INFO"] = info.split("=", 1)[1]
    try:
        filnet("chain", "head")
        receiver = "t1d2xrzcslx7xlbbylc5c3d5lvandqw4iwl6epxba"
        step("Send 1.5 FIL from the funded client wallet and wait until it runs")
        filnet("send", receiver, "1.5")
        block = json.loads(filnet("chain", "head", "--json", show=False))["Cids"][0]["/"]
        header = json.loads(filnet("chain", "get-block", block, show=False))
        if header["Miner"] != "t01000":
            raise DemoFailure(f"the head block was mined by {header['Miner']}, not the provider t01000")
        console.print(f"the head block {block} was mined by the provider {header['Miner']}")
    finally:
        filnet("devnet", "stop", "--dir", str(directory))
        ENV.pop("FULLNODE_API_INFO", None)
    console.print(f"run it yourself: .venv/bin/filnet devnet --dir {directory} (Ctrl-C stops it)")


def _same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    if mismatch or errors:
        return False
    return all(_same_tree(a / d, b / d) for d in cmp.common_dirs)


def main() -> None:
    """Entry point of ``python -m filnet.demo``: works in ./demo (recreated each run)."""
    import shutil

    workdir = Path.cwd() / "demo"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir()
    try:
        run(workdir)
    except DemoFailure as e:
        console.print(f"[bold red]demo failed:[/] {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()
