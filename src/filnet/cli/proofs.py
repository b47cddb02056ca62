"""``filnet proofs``: seal sectors (Stacked DRG PoRep), verify seal proofs, unseal, and Window/Winning PoSt.

A sealing directory holds the replica (``sealed.dat``), the trees, the labels, ``sector.json`` (public
description, written last) and, once proven, ``proof.cbor`` with ``commit.json`` (the seed and proof size).
Verification failures print the reason and exit with code 1.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from filnet.cli.common import emit_json, json_option, stderr_is_terminal
from filnet.core.fsutil import atomic_write_bytes
from filnet.errors import DecodeError, InvalidInput, NotFound
from filnet.proofs import porep, post
from filnet.proofs.registry import (
    ApiVersion,
    PoStKind,
    RegisteredSealProof,
    format_sector_size,
    parse_sector_size,
)
from filnet.proofs.replica import prover_id_bytes
from filnet.proofs.seal import (
    Progress,
    SealedSector,
    SealInputs,
    file_chunks,
    load_sealed,
    padded_sector,
    seal_sector,
    sealed_cid,
    unseal_range,
    unsealed_cid,
    zero_sector,
)

PROOF_FILE = "proof.cbor"
COMMIT_FILE = "commit.json"
DEFAULT_PARENT_CACHE = Path.home() / ".filnet" / "parent-cache"

_VERSIONS = {"v1": ApiVersion.V1_0_0, "v1_1": ApiVersion.V1_1_0}

parent_cache_option = click.option(
    "--parent-cache",
    "parent_cache",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_PARENT_CACHE,
    show_default=True,
    help="Directory of SDR parent cache files (shared with every seal of the same size).",
)


def _hex32(value: str, what: str) -> bytes:
    try:
        raw = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        raise InvalidInput(f"{what} is not hex: {value!r}") from None
    if len(raw) != 32:
        raise InvalidInput(f"{what} must be 32 bytes (64 hex digits), got {len(raw)}")
    return raw


def _commit_seed(directory: Path) -> bytes:
    """The interactive seed recorded in a sealing directory's commit.json."""
    path = directory / COMMIT_FILE
    try:
        commit = json.loads(path.read_text())
    except FileNotFoundError:
        raise NotFound(f"{directory} holds no seal proof ({COMMIT_FILE} is missing)") from None
    except ValueError as e:
        raise InvalidInput(f"{path} is not valid JSON: {e}") from None
    seed = commit.get("seed") if isinstance(commit, dict) else None
    if not isinstance(seed, str):
        raise InvalidInput(f'{path} has no "seed" string')
    return _hex32(seed, f"seed in {path}")


@contextlib.contextmanager
def _progress_bars() -> Iterator[Progress | None]:
    """A rich progress bar per sealing phase on stderr, only on a terminal."""
    if not stderr_is_terminal():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:>12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bars:
        tasks: dict[str, Any] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bars.add_task(phase, total=total)
            bars.update(tasks[phase], completed=done, total=total)

        yield update


def _sector_json(sector: SealedSector) -> dict[str, Any]:
    return {
        "sector_size": sector.inputs.proof.sector_size,
        "proof_type": sector.inputs.proof.name,
        "sector_number": sector.inputs.sector_number,
        "comm_d": str(unsealed_cid(sector.comm_d)),
        "comm_r": str(sealed_cid(sector.comm_r)),
        "comm_d_hex": sector.comm_d.hex(),
        "comm_r_hex": sector.comm_r.hex(),
        "replica_id_hex": sector.replica_id.hex(),
    }


@click.group()
def proofs() -> None:
    """Seal sectors, prove and verify storage (PoRep, Window/Winning PoSt)."""


@proofs.command()
@click.option(
    "--sector-size", required=True, help="2KiB, 8MiB or 512MiB (32GiB/64GiB accepted, beyond this machine)."
)
@click.option("--input", "input_path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--zero", is_flag=True, help="Seal an all-zero sector.")
@click.option("--prover-id", type=int, required=True, help="Miner actor id (the f0 number).")
@click.option("--sector-number", type=int, required=True)
@click.option("--ticket", required=True, help="32-byte sealing ticket (hex).")
@click.option("--seed", required=True, help="32-byte interactive seed (hex) for the seal proof.")
@click.option("--proof-version", type=click.Choice(sorted(_VERSIONS)), default="v1_1", show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@parent_cache_option
@json_option
def seal(
    sector_size: str,
    input_path: Path | None,
    zero: bool,
    prover_id: int,
    sector_number: int,
    ticket: str,
    seed: str,
    proof_version: str,
    out_dir: Path,
    parent_cache: Path,
    as_json: bool,
) -> None:
    """Seal a sector into --out: replica, trees, labels and the vanilla seal proof.

    --input is the unpadded sector content (2,032 bytes for 2KiB; shorter input is zero-filled).
    Running the same command again after an interruption resumes and gives the same CommR.
    """
    if (input_path is None) == (not zero):
        raise click.UsageError("give exactly one of --input FILE and --zero")
    size = parse_sector_size(sector_size)
    proof_type = RegisteredSealProof.for_sector(size, _VERSIONS[proof_version])
    seed_bytes = _hex32(seed, "--seed")
    inputs = SealInputs(proof_type, prover_id_bytes(prover_id), sector_number, _hex32(ticket, "--ticket"))
    data = zero_sector(size) if input_path is None else padded_sector(file_chunks(input_path), size)
    with _progress_bars() as progress:
        sector = seal_sector(inputs, data, out_dir, parent_cache, progress)
    start = time.perf_counter()
    proof = porep.prove_seal(out_dir, seed_bytes)
    encoded = proof.to_bytes()
    proof_seconds = time.perf_counter() - start
    atomic_write_bytes(out_dir / PROOF_FILE, encoded)
    atomic_write_bytes(
        out_dir / COMMIT_FILE, json.dumps({"seed": seed_bytes.hex(), "proof_bytes": len(encoded)}).encode()
    )
    result = {
        **_sector_json(sector),
        "proof_bytes": len(encoded),
        "seconds": {
            "labels": round(sector.seconds.get("labels", 0.0), 3),
            "trees": round(sector.seconds.get("trees", 0.0), 3),
            "proof": round(proof_seconds, 3),
        },
    }
    if as_json:
        emit_json(result)
        return
    click.echo(f"sealed {format_sector_size(size)} sector {sector_number} into {out_dir}")
    click.echo(f"comm_d  {result['comm_d']}")
    click.echo(f"comm_r  {result['comm_r']}")
    click.echo(f"proof   {len(encoded)} bytes ({PROOF_FILE})")


@proofs.command("verify-seal")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path), required=False)
@click.option("--proof", "proof_path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--proof-type", type=int, help="Registered seal proof id (with explicit public inputs).")
@click.option("--comm-r", help="CommR (hex).")
@click.option("--comm-d", help="CommD (hex).")
@click.option("--prover-id", type=int)
@click.option("--sector-number", type=int)
@click.option("--ticket")
@click.option("--seed")
@json_option
def verify_seal(
    directory: Path | None,
    proof_path: Path | None,
    proof_type: int | None,
    comm_r: str | None,
    comm_d: str | None,
    prover_id: int | None,
    sector_number: int | None,
    ticket: str | None,
    seed: str | None,
    as_json: bool,
) -> None:
    """Verify a seal proof: from a sealing DIRECTORY, or from explicit public inputs and --proof FILE."""
    if directory is not None:
        sector = load_sealed(directory)
        public = porep.SealPublicInputs.of(sector, _commit_seed(directory))
        proof_file = proof_path or directory / PROOF_FILE
    else:
        given = (proof_path, proof_type, comm_r, comm_d, prover_id, sector_number, ticket, seed)
        if any(v is None for v in given):
            raise click.UsageError(
                "without DIRECTORY give --proof, --proof-type, --comm-r, --comm-d, --prover-id, "
                "--sector-number, --ticket and --seed"
            )
        assert proof_path is not None and proof_type is not None and prover_id is not None
        assert comm_r is not None and comm_d is not None and sector_number is not None
        assert ticket is not None and seed is not None
        try:
            ptype = RegisteredSealProof(proof_type)
        except ValueError:
            raise InvalidInput(f"unknown seal proof type {proof_type}") from None
        public = porep.SealPublicInputs(
            ptype,
            _hex32(comm_r, "--comm-r"),
            _hex32(comm_d, "--comm-d"),
            prover_id_bytes(prover_id),
            sector_number,
            _hex32(ticket, "--ticket"),
            _hex32(seed, "--seed"),
        )
        proof_file = proof_path
    start = time.perf_counter()
    try:
        proof = porep.SealProof.from_bytes(proof_file.read_bytes())
    except DecodeError as e:
        raise DecodeError(f"{proof_file}: {e.reason}", e.offset) from None
    result = porep.verify_seal(public, proof)
    seconds = time.perf_counter() - start
    if as_json:
        emit_json({"valid": result.ok, "reason": result.reason, "seconds": round(seconds, 3)})
    else:
        click.echo("valid" if result.ok else f"invalid: {result.reason}")
    if not result.ok:
        sys.exit(1)


@proofs.command()
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--offset", type=int, default=0, show_default=True, help="First unpadded byte.")
@click.option("--length", type=int, default=None, help="Bytes to decode (default: to the end).")
@parent_cache_option
def unseal(directory: Path, out_file: Path, offset: int, length: int | None, parent_cache: Path) -> None:
    """Decode a sealed sector (or a byte range of it) back to the original content."""
    data = unseal_range(directory, parent_cache, offset, length)
    atomic_write_bytes(out_file, data)
    click.echo(f"wrote {len(data)} bytes to {out_file}", err=True)


def _post_command(kind: PoStKind) -> click.Command:
    @click.command(f"{kind.value}-post")
    @click.option(
        "--sectors",
        "directories",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        multiple=True,
        required=True,
        help="Sealing directory of a sector (repeat the option; all sectors of one size).",
    )
    @click.option("--randomness", required=True, help="32-byte chain randomness (hex).")
    @click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @json_option
    def command(directories: tuple[Path, ...], randomness: str, out_file: Path, as_json: bool) -> None:
        rand = _hex32(randomness, "--randomness")
        seal_type = load_sealed(directories[0]).inputs.proof
        start = time.perf_counter()
        if kind is PoStKind.WINDOW:
            bundle = post.generate_window_post(seal_type.window_post, rand, list(directories))
        else:
            bundle = post.generate_winning_post(seal_type.winning_post, rand, list(directories))
        seconds = time.perf_counter() - start
        encoded = bundle.to_bytes()
        atomic_write_bytes(out_file, encoded)
        faults = [{"sector_number": f.sector_number, "reason": f.reason} for f in bundle.faults]
        if as_json:
            emit_json(
                {
                    "proven": [p.sector_number for p in bundle.proofs],
                    "faults": faults,
                    "proof_bytes": len(encoded),
                    "seconds": round(seconds, 3),
                }
            )
        else:
            click.echo(f"proved {len(bundle.proofs)} sector(s), {len(encoded)} bytes -> {out_file}")
            for f in bundle.faults:
                click.echo(f"fault: sector {f.sector_number}: {f.reason}")
        if bundle.faults:
            sys.exit(1)

    command.__doc__ = (
        f"Generate a {kind.value.capitalize()}PoSt over sealed sectors; faults are listed by number."
    )
    return command


def _verify_post_command(kind: PoStKind) -> click.Command:
    @click.command(f"verify-{kind.value}-post")
    @click.argument("proof_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
    @json_option
    def command(proof_file: Path, as_json: bool) -> None:
        try:
            bundle = post.PoStBundle.from_bytes(proof_file.read_bytes())
        except DecodeError as e:
            raise DecodeError(f"{proof_file}: {e.reason}", e.offset) from None
        if bundle.post_type.kind is not kind:
            raise InvalidInput(f"{proof_file} holds a {bundle.post_type.kind.value} PoSt")
        start = time.perf_counter()
        result = post.verify_post(bundle)
        seconds = time.perf_counter() - start
        failures = [{"sector_number": f.sector_number, "reason": f.reason} for f in result.failures]
        if as_json:
            emit_json(
                {
                    "valid": result.ok,
                    "proven": list(result.proven),
                    "failures": failures,
                    "seconds": round(seconds, 3),
                }
            )
        else:
            click.echo("valid" if result.ok else "invalid")
            for f in result.failures:
                click.echo(f"sector {f.sector_number}: {f.reason}")
        if not result.ok:
            sys.exit(1)

    command.__doc__ = f"Verify a {kind.value.capitalize()}PoSt file; failing sectors are listed by number."
    return command


for _kind in (PoStKind.WINDOW, PoStKind.WINNING):
    proofs.add_command(_post_command(_kind))
    proofs.add_command(_verify_post_command(_kind))
