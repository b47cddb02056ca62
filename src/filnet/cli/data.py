"""``filnet data``: turn files into content-addressed data that IPFS and Filecoin tools accept.

Commands: ``cid`` (root CID only), ``prep`` (import, write a CARv1, compute its piece CID), ``commp``
(piece CIDs of any file), ``verify``, ``ls``, ``cat`` and ``unpack`` (read a CAR back, verifying every block).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import click

from filnet.cli.common import emit_json, json_option, stderr_is_terminal
from filnet.errors import InvalidInput
from filnet.unixfs.profiles import DEFAULT_PROFILE, PROFILES, get_profile

#: Inputs smaller than this get no progress bar: it would only flicker.
PROGRESS_THRESHOLD = 32 << 20


def _input_size(path: Path) -> int:
    """Total bytes of regular files under ``path`` (for the progress bar)."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


@contextlib.contextmanager
def _progress(
    label: str, total_of: Callable[[], int], enabled: bool
) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on stderr when on a terminal and the input is large; yields an advance callback.

    ``total_of`` is only called when a bar could be drawn: sizing a big tree costs a walk over it.
    """
    if not enabled or not stderr_is_terminal() or (total := total_of()) < PROGRESS_THRESHOLD:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


class _TeeWriter:
    """A binary writer that also feeds every byte it writes to a hasher and counts them."""

    def __init__(
        self,
        out: BinaryIO,
        update: Callable[[bytes | bytearray | memoryview], None],
        on_write: Callable[[int], None] | None,
    ):
        self._out = out
        self._update = update
        self._on_write = on_write
        self.written = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._out.write(data)
        self._update(data)
        n = len(data)
        self.written += n
        if self._on_write is not None:
            self._on_write(n)
        return n

    def flush(self) -> None:
        self._out.flush()


def _open_car_store(car: Path) -> Any:
    from filnet.car.store import CarBlockstore

    # Every command reading through this store goes through the UnixFS exporter, which checks each block
    # against its CID as it loads it: a second check in the store would hash everything twice.
    return CarBlockstore(car, verify=False)


def _default_target(store: Any, target: str | None) -> str:
    """The CAR's first root when no target is given (an empty TARGET is an error, not "the root")."""
    if target is not None:
        return target
    roots = store.roots
    if not roots:
        raise InvalidInput("the CAR names no root; give a CID")
    return str(roots[0])


@click.group()
def data() -> None:
    """Prepare data for IPFS and Filecoin: CIDs, CAR files, piece CIDs."""


_profile_option = click.option(
    "--profile",
    default=DEFAULT_PROFILE,
    show_default=True,
    help=f"UnixFS import profile: {', '.join(PROFILES)}.",
)
# Kubo's `ipfs add --hidden` and ipfs-car's `--hidden`: both leave dot files out unless asked.
_hidden_option = click.option(
    "--hidden", is_flag=True, help="Include files and directories whose name starts with '.'."
)


@data.command("cid")
@click.argument("path", type=click.Path(path_type=Path))
@_profile_option
@_hidden_option
@json_option
def cid_cmd(path: Path, profile: str, hidden: bool, as_json: bool) -> None:
    """Print the root CID of PATH without storing anything (like `ipfs add --only-hash`)."""
    from filnet.unixfs.importer import DiscardSink, import_path

    prof = get_profile(profile)
    with _progress("hashing", lambda: _input_size(path), not as_json) as advance:
        result = import_path(path, DiscardSink(), prof, on_progress=advance, include_hidden=hidden)
    if as_json:
        emit_json({"root": str(result.root), "payload_size": result.size, "profile": prof.name})
    else:
        click.echo(str(result.root))


@data.command("prep")
@click.argument("path", type=click.Path(path_type=Path))
@_profile_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="CAR file to write [default: ./<name of PATH>.car].",
)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="CommP threads.")
@_hidden_option
@json_option
def prep_cmd(path: Path, profile: str, out: Path | None, workers: int, hidden: bool, as_json: bool) -> None:
    """Import PATH as UnixFS, write it as a CARv1 and compute the piece CID of that CAR."""
    from filnet.car.spool import SpoolBlockstore
    from filnet.car.v1 import write_car_v1
    from filnet.core.fsutil import atomic_output
    from filnet.piece.commp import BackgroundCommP
    from filnet.unixfs.importer import import_path

    prof = get_profile(profile)
    if not os.path.lexists(path):  # a dangling symlink is valid input: it is stored as a link
        raise InvalidInput(f"no such file or directory: {path}")
    # Named after PATH itself, not what a symlink points to (abspath folds "." and ".." without resolving).
    car_path = (
        out if out is not None else Path.cwd() / f"{os.path.basename(os.path.abspath(path)) or 'root'}.car"
    )
    if car_path.resolve() == path.resolve():
        raise InvalidInput("--out would overwrite the input")
    spool_dir = car_path.resolve().parent
    # CommP runs on its own thread(s) while this one reads the spool and writes the CAR.
    with SpoolBlockstore(directory=spool_dir) as spool, BackgroundCommP(workers=workers) as hasher:
        with _progress("importing", lambda: _input_size(path), not as_json) as advance:
            result = import_path(path, spool, prof, on_progress=advance, include_hidden=hidden)
        with (
            _progress("writing CAR", lambda: spool.size, not as_json) as advance,
            atomic_output(car_path) as raw,
        ):
            tee = _TeeWriter(raw, hasher.update, advance)
            write_car_v1(tee, [result.root], spool)  # type: ignore[arg-type]
            # Inside the atomic write: if the piece cannot be computed, no CAR appears.
            piece = hasher.digest()
    report = {
        "root": str(result.root),
        "car": str(car_path),
        "car_size": tee.written,
        "payload_size": result.size,
        "piece_cid": str(piece.piece_cid),
        "piece_cid_v2": str(piece.piece_cid_v2),
        "piece_size": piece.padded_size,
    }
    if as_json:
        emit_json(report)
    else:
        _print_table(report)


@data.command("commp")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Hashing threads.")
@json_option
def commp_cmd(file: Path, workers: int, as_json: bool) -> None:
    """Compute the piece CIDs (v1 and v2) of FILE as its bytes stand."""
    from filnet.piece.commp import CommP

    hasher = CommP(workers=workers)
    chunk = 4 << 20
    with open(file, "rb") as f, _progress("commp", lambda: file.stat().st_size, not as_json) as advance:
        while block := f.read(chunk):
            hasher.update(block)
            if advance is not None:
                advance(len(block))
    piece = hasher.digest()
    report = {
        "piece_cid": str(piece.piece_cid),
        "piece_cid_v2": str(piece.piece_cid_v2),
        "payload_size": piece.payload_size,
        "piece_size": piece.padded_size,
    }
    if as_json:
        emit_json(report)
    else:
        _print_table(report)


@data.command("verify")
@click.argument("car", type=click.Path(path_type=Path, dir_okay=False))
@json_option
def verify_cmd(car: Path, as_json: bool) -> None:
    """Check every block's hash and that the DAG under each root is complete."""
    from filnet.car.verify import verify_car

    report = verify_car(car)
    summary = {
        "car": str(car),
        "version": report.version,
        "roots": [str(r) for r in report.roots],
        "blocks": report.blocks,
        "block_bytes": report.bytes,
        "duplicates": report.duplicates,
        "reachable": report.reachable,
        "orphans": report.orphans,
        "complete": report.complete,
    }
    if as_json:
        emit_json(summary)
    else:
        click.echo(
            f"ok: CARv{report.version}, {report.blocks} blocks ({report.bytes} bytes), "
            f"every hash matches, DAG complete from {len(report.roots)} root(s)"
        )


@data.command("ls")
@click.argument("car", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("target", required=False)
@json_option
def ls_cmd(car: Path, target: str | None, as_json: bool) -> None:
    """List a directory inside CAR (TARGET is CID[/path]; default: the CAR's root)."""
    from filnet.unixfs import exporter

    with contextlib.closing(_open_car_store(car)) as store:
        entries = exporter.ls(store, _default_target(store, target))
    if as_json:
        emit_json([{"name": e.name, "cid": str(e.cid), "type": str(e.type), "size": e.size} for e in entries])
        return
    for e in entries:
        kind = "/" if e.type == "directory" else ""
        click.echo(f"{e.cid}  {e.size:>12}  {e.name}{kind}")


@data.command("cat")
@click.argument("car", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("target", required=False)
@click.option("--offset", default=0, type=click.IntRange(min=0), help="First byte to read.")
@click.option("--length", default=None, type=click.IntRange(min=0), help="Number of bytes to read.")
def cat_cmd(car: Path, target: str | None, offset: int, length: int | None) -> None:
    """Write a file from CAR to stdout (TARGET is CID[/path]; default: the CAR's root)."""
    from filnet.unixfs import exporter

    out = sys.stdout.buffer
    with contextlib.closing(_open_car_store(car)) as store:
        for chunk in exporter.cat(store, _default_target(store, target), offset=offset, length=length):
            out.write(chunk)
    out.flush()


@data.command("unpack")
@click.argument("car", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("target", required=False)
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Where to write.")
@json_option
def unpack_cmd(car: Path, target: str | None, out_dir: Path, as_json: bool) -> None:
    """Write the files and directories under TARGET (default: the CAR's root) into --out."""
    from filnet.unixfs import exporter

    with contextlib.closing(_open_car_store(car)) as store:
        root = _default_target(store, target)
        exporter.unpack(store, root, out_dir)
    if as_json:
        emit_json({"root": root, "out": str(out_dir)})
    else:
        click.echo(f"unpacked {root} into {out_dir}")


def _print_table(report: dict[str, Any]) -> None:
    width = max(len(k) for k in report)
    for key, value in report.items():
        click.echo(f"{key:<{width}}  {value}")
