"""Sealing a sector with Stacked DRG (PoRep), and unsealing it, with every output on disk.

The pipeline (storage-proofs-porep ``StackedDrg::replicate``):

1. tree_d: the sha254 binary tree over the Fr32-padded sector data; its root is CommD.
2. replica_id = sha256(prover_id ‖ sector number ‖ ticket ‖ CommD ‖ porep_id), truncated to 254 bits.
3. labels: ``layers`` layers of SDR labels over the graph of the proof type (parent cache on disk).
4. tree_c: Poseidon over each node's column of labels, then an arity-8 Poseidon tree; its root is comm_c.
5. the replica: data + last-layer label in Fr, node by node; tree_r_last is the arity-8 Poseidon tree over
   it (comm_r_last), and CommR = Poseidon(comm_c, comm_r_last).

Restartable: every output file appears only by an atomic rename once complete, and ``sector.json`` (the
public description of the sealed sector) is written last. Sealing again into the same directory reuses the
outputs already there, so a seal that was killed mid-way finishes with the same CommR. The inputs are
recorded first, so a directory is never reused for a different sector.
"""

from __future__ import annotations

import json
import mmap
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from filnet.core.fsutil import atomic_output, atomic_write_bytes, preallocate
from filnet.errors import FilnetError, IntegrityError, InvalidInput, NotFound
from filnet.ipld import codecs, multihash
from filnet.ipld.cid import CID
from filnet.piece import fr32
from filnet.proofs import labels as sdr_labels
from filnet.proofs import merkle, poseidon
from filnet.proofs.graph import StackedGraph
from filnet.proofs.parent_cache import ParentCache
from filnet.proofs.registry import NODE_SIZE, RegisteredSealProof
from filnet.proofs.replica import ReplicaIdInputs, decode_into, encode_into, replica_id

CHUNK_NODES: Final = 1 << 16
"""Nodes processed per step when streaming (2 MiB), so memory stays flat for any sector size."""

SECTOR_FILE: Final = "sector.json"
INPUTS_FILE: Final = "seal-inputs.json"
REPLICA_FILE: Final = "sealed.dat"
TREE_D_FILE: Final = "tree-d.dat"
TREE_C_PREFIX: Final = "tree-c"
TREE_R_LAST_PREFIX: Final = "tree-r-last"

Progress = Callable[[str, int, int], None]
"""Called with (phase, done, total); phases: tree_d, parent_cache, layer-<l>, tree_c, encode."""


def sealed_cid(comm_r: bytes) -> CID:
    """The CID of a CommR: fil-commitment-sealed, poseidon-bls12_381-a2-fc1 (go-fil-commcid)."""
    return CID.v1(codecs.FIL_COMMITMENT_SEALED, multihash.POSEIDON_BLS12_381_A2_FC1, comm_r)


def unsealed_cid(comm_d: bytes) -> CID:
    """The CID of a CommD: fil-commitment-unsealed, sha2-256-trunc254-padded (go-fil-commcid)."""
    return CID.v1(codecs.FIL_COMMITMENT_UNSEALED, multihash.SHA2_256_TRUNC254_PADDED, comm_d)


def layer_file(layer: int) -> str:
    """File name of a layer's labels."""
    return f"layer-{layer}.dat"


@dataclass(frozen=True)
class SealInputs:
    """Everything that determines a sealed sector besides its data."""

    proof: RegisteredSealProof
    prover_id: bytes
    sector_number: int
    ticket: bytes

    def __post_init__(self) -> None:
        if len(self.prover_id) != 32 or len(self.ticket) != 32:
            raise InvalidInput("prover id and ticket must be 32 bytes each")
        if not 0 <= self.sector_number < 1 << 64:
            raise InvalidInput(f"sector number {self.sector_number} is not a u64")

    def to_json(self) -> dict[str, Any]:
        """JSON form (hex strings)."""
        return {
            "proof": int(self.proof),
            "prover_id": self.prover_id.hex(),
            "sector_number": self.sector_number,
            "ticket": self.ticket.hex(),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> SealInputs:
        """Parse :meth:`to_json` output."""
        try:
            return cls(
                RegisteredSealProof(obj["proof"]),
                bytes.fromhex(obj["prover_id"]),
                int(obj["sector_number"]),
                bytes.fromhex(obj["ticket"]),
            )
        except (KeyError, ValueError, TypeError) as e:
            raise InvalidInput(f"malformed seal inputs: {e}") from None


@dataclass(frozen=True)
class SealedSector:
    """The public outcome of sealing: the inputs and every commitment (32 bytes each)."""

    inputs: SealInputs
    comm_d: bytes
    comm_c: bytes
    comm_r_last: bytes
    comm_r: bytes
    replica_id: bytes
    seconds: dict[str, float] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        """JSON form written to ``sector.json``."""
        return {
            **self.inputs.to_json(),
            "comm_d": self.comm_d.hex(),
            "comm_c": self.comm_c.hex(),
            "comm_r_last": self.comm_r_last.hex(),
            "comm_r": self.comm_r.hex(),
            "replica_id": self.replica_id.hex(),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> SealedSector:
        """Parse ``sector.json``; checks CommR = Poseidon(comm_c, comm_r_last)."""
        try:
            values = {
                k: bytes.fromhex(obj[k]) for k in ("comm_d", "comm_c", "comm_r_last", "comm_r", "replica_id")
            }
        except (KeyError, ValueError, TypeError) as e:
            raise InvalidInput(f"malformed sector description: {e}") from None
        if any(len(v) != 32 for v in values.values()):
            raise InvalidInput("sector description has a commitment that is not 32 bytes")
        sector = cls(
            SealInputs.from_json(obj),
            values["comm_d"],
            values["comm_c"],
            values["comm_r_last"],
            values["comm_r"],
            values["replica_id"],
        )
        if poseidon.hash_bytes([sector.comm_c, sector.comm_r_last]) != sector.comm_r:
            raise IntegrityError("sector description: comm_r is not Poseidon(comm_c, comm_r_last)")
        return sector


# ---------------------------------------------------------------------------------------------- data


def zero_sector(sector_size: int) -> Iterator[bytes]:
    """Fr32-padded chunks of an all-zero sector."""
    chunk = CHUNK_NODES * NODE_SIZE
    for offset in range(0, sector_size, chunk):
        yield bytes(min(chunk, sector_size - offset))


def padded_sector(unpadded: Iterable[bytes], sector_size: int) -> Iterator[bytes]:
    """Fr32-pad unpadded sector content (at most the sector's capacity), zero-filling the remainder."""
    capacity = sector_size // 128 * 127

    def filled() -> Iterator[bytes]:
        total = 0
        for chunk in unpadded:
            total += len(chunk)
            if total > capacity:
                raise InvalidInput(
                    f"sector content exceeds the {capacity} bytes a {sector_size}-byte sector holds"
                )
            yield chunk
        step = 127 * CHUNK_NODES // 4
        while total < capacity:
            n = min(step, capacity - total)
            total += n
            yield bytes(n)

    return fr32.pad_stream(filled())


def file_chunks(path: str | os.PathLike[str], size: int = 127 * (1 << 14)) -> Iterator[bytes]:
    """Read a file in chunks."""
    with open(path, "rb") as f:
        while chunk := f.read(size):
            yield chunk


# ---------------------------------------------------------------------------------------------- sealing


def _tree_paths(directory: Path, prefix: str, proof: RegisteredSealProof) -> list[Path]:
    """Base tree files of tree_c or tree_r_last."""
    return merkle.shaped_tree_paths(directory / prefix, merkle.sector_tree_shape(proof.sector_size))


def _open_shaped(paths: list[Path], proof: RegisteredSealProof) -> merkle.ShapedTree | None:
    """Open a finished shaped tree, or None when any file is missing."""
    if not all(p.exists() for p in paths):
        return None
    return merkle.ShapedTree.open(paths, merkle.sector_tree_shape(proof.sector_size))


def _record_inputs(directory: Path, inputs: SealInputs) -> None:
    """Write seal-inputs.json, or check that the one there matches (a restart of the same seal)."""
    path = directory / INPUTS_FILE
    if path.exists():
        try:
            existing = SealInputs.from_json(json.loads(path.read_text()))
        except (ValueError, FilnetError) as e:
            raise InvalidInput(f"{path} is unreadable: {e}") from None
        if existing != inputs:
            raise InvalidInput(f"{directory} already holds a seal of a different sector (see {INPUTS_FILE})")
        return
    atomic_write_bytes(path, json.dumps(inputs.to_json(), indent=2).encode())


def _build_tree_d(
    directory: Path, proof: RegisteredSealProof, data: Iterable[bytes], progress: Progress | None
) -> bytes:
    """Build tree_d from padded data chunks and return CommD.

    On a restart the tree is built again (it is cheap next to labelling) and must equal the one on disk:
    resuming a seal with different data would otherwise silently seal the old data.
    """
    path = directory / TREE_D_FILE
    target = path.with_name(TREE_D_FILE + ".check") if path.exists() else path
    nodes = proof.shape.nodes
    builder = merkle.TreeBuilder(target, merkle.TreeHasher.SHA254, 2, nodes)
    done = 0
    try:
        for chunk in data:
            builder.append(chunk)
            done += len(chunk) // NODE_SIZE
            if progress is not None:
                progress("tree_d", min(done, nodes), nodes)
        with builder.finish() as tree:
            comm_d = tree.root
    except BaseException:
        builder.abort()
        raise
    if target != path:
        target.unlink()
        with merkle.MerkleTree(path) as existing:
            if existing.root != comm_d:
                raise InvalidInput(f"{directory} holds a seal of different sector data (CommD differs)")
    return comm_d


def map_file(path: Path, size: int, stack: ExitStack) -> mmap.mmap:
    """Map a finished file read-only (closed with ``stack``), checking its size."""
    with open(path, "rb") as f:
        actual = os.fstat(f.fileno()).st_size
        if actual != size:
            raise IntegrityError(f"{path} has {actual} bytes, expected {size}")
        # The mapping stays valid after the file object is closed.
        return stack.enter_context(mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ))


def _label_layers(
    directory: Path, cache: ParentCache, rid: bytes, layers: int, progress: Progress | None
) -> None:
    """Compute every layer not yet on disk; each layer file appears whole or not at all."""
    size = cache.graph.nodes * NODE_SIZE
    for layer in range(1, layers + 1):
        path = directory / layer_file(layer)
        if path.exists():
            continue
        with ExitStack() as stack:
            previous = map_file(directory / layer_file(layer - 1), size, stack) if layer > 1 else None
            with atomic_output(path) as f:
                preallocate(f, size)
                with mmap.mmap(f.fileno(), size) as out:

                    def report(done: int, total: int, name: str = f"layer-{layer}") -> None:
                        if progress is not None:
                            progress(name, done, total)

                    if sdr_labels.native_available():
                        sdr_labels.compute_layer_native(out, cache.buffer, rid, layer, previous, report)
                    else:
                        out[:] = sdr_labels.compute_layer_reference(
                            cache,
                            cache.graph.nodes,
                            rid,
                            layer,
                            None if previous is None else bytes(previous),
                        )
                    out.flush()


def _build_tree_c(directory: Path, proof: RegisteredSealProof, progress: Progress | None) -> bytes:
    """tree_c over the columns of labels (or reuse it); return comm_c."""
    paths = _tree_paths(directory, TREE_C_PREFIX, proof)
    existing = _open_shaped(paths, proof)
    if existing is not None:
        with existing:
            return existing.root
    nodes, layers = proof.shape.nodes, proof.shape.layers
    with ExitStack() as stack:
        maps = [
            map_file(directory / layer_file(layer), nodes * NODE_SIZE, stack)
            for layer in range(1, layers + 1)
        ]

        def columns() -> Iterator[bytes]:
            for first in range(0, nodes, CHUNK_NODES):
                end = min(nodes, first + CHUNK_NODES)
                yield poseidon.hash_columns([m[first * NODE_SIZE : end * NODE_SIZE] for m in maps])
                for m in maps:
                    sdr_labels.release_pages(m, first * NODE_SIZE, (end - first) * NODE_SIZE)
                if progress is not None:
                    progress("tree_c", end, nodes)

        shape = merkle.sector_tree_shape(proof.sector_size)
        with merkle.build_shaped_tree(paths, merkle.TreeHasher.POSEIDON, shape, nodes, columns()) as tree:
            return tree.root


def _encode_replica(directory: Path, proof: RegisteredSealProof, progress: Progress | None) -> bytes:
    """Write the replica and tree_r_last (or reuse them); return comm_r_last."""
    paths = _tree_paths(directory, TREE_R_LAST_PREFIX, proof)
    replica_path = directory / REPLICA_FILE
    nodes = proof.shape.nodes
    # A replica of the wrong size was damaged after it was written (they only appear whole): encode it again.
    if replica_path.exists() and replica_path.stat().st_size == nodes * NODE_SIZE:
        existing = _open_shaped(paths, proof)
        if existing is not None:
            with existing:
                return existing.root
    layers = proof.shape.layers
    shape = merkle.sector_tree_shape(proof.sector_size)
    with ExitStack() as stack:
        key = map_file(directory / layer_file(layers), nodes * NODE_SIZE, stack)
        tree_d = stack.enter_context(merkle.MerkleTree(directory / TREE_D_FILE))
        # tree_r_last keeps no copy of its leaves: provers read them from the replica.
        builder = merkle.ShapedTreeBuilder(
            paths, merkle.TreeHasher.POSEIDON, shape, nodes, store_leaves=False
        )
        try:
            # The replica is renamed into place only after tree_r_last is complete: a replica file on disk
            # always has its tree beside it.
            with atomic_output(replica_path) as out:
                for first in range(0, nodes, CHUNK_NODES):
                    count = min(CHUNK_NODES, nodes - first)
                    chunk = bytearray(count * NODE_SIZE)
                    data = tree_d.nodes(0, first, count)
                    encode_into(chunk, data, key[first * NODE_SIZE : (first + count) * NODE_SIZE])
                    sdr_labels.release_pages(key, first * NODE_SIZE, count * NODE_SIZE)
                    out.write(chunk)
                    builder.append(chunk)
                    if progress is not None:
                        progress("encode", first + count, nodes)
                tree = builder.finish()
        except BaseException:
            builder.abort()
            raise
        with tree:
            return tree.root


def seal_sector(
    inputs: SealInputs,
    data: Iterable[bytes],
    directory: str | os.PathLike[str],
    parent_cache_dir: str | os.PathLike[str],
    progress: Progress | None = None,
) -> SealedSector:
    """Seal Fr32-padded sector ``data`` (chunks totalling the sector size) into ``directory``.

    Restarting after an interruption with the same inputs reuses whatever finished and gives the same CommR.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    _record_inputs(out, inputs)
    proof = inputs.proof
    start = time.perf_counter()
    comm_d = _build_tree_d(out, proof, data, progress)
    seconds = {"tree_d": time.perf_counter() - start}
    start = time.perf_counter()
    rid = replica_id(
        ReplicaIdInputs(inputs.prover_id, inputs.sector_number, inputs.ticket, comm_d, proof.porep_id)
    )
    graph = StackedGraph.for_proof(proof)

    def cache_progress(done: int, total: int) -> None:
        if progress is not None:
            progress("parent_cache", done, total)

    with ParentCache.open_or_generate(graph, parent_cache_dir, cache_progress) as cache:
        _label_layers(out, cache, rid, proof.shape.layers, progress)
    seconds["labels"] = time.perf_counter() - start
    start = time.perf_counter()
    comm_c = _build_tree_c(out, proof, progress)
    comm_r_last = _encode_replica(out, proof, progress)
    comm_r = poseidon.hash_bytes([comm_c, comm_r_last])
    seconds["trees"] = seconds.pop("tree_d") + time.perf_counter() - start
    sector = SealedSector(inputs, comm_d, comm_c, comm_r_last, comm_r, rid, seconds)
    atomic_write_bytes(out / SECTOR_FILE, json.dumps(sector.to_json(), indent=2).encode())
    return sector


def load_sealed(directory: str | os.PathLike[str]) -> SealedSector:
    """The sealed sector described in ``directory``; NotFound when sealing did not finish there."""
    path = Path(directory) / SECTOR_FILE
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise NotFound(f"{directory} holds no finished seal ({SECTOR_FILE} is missing)") from None
    try:
        obj = json.loads(text)
    except ValueError as e:
        raise InvalidInput(f"{path} is not valid JSON: {e}") from None
    return SealedSector.from_json(obj)


# ---------------------------------------------------------------------------------------------- unsealing


def unseal_range(
    directory: str | os.PathLike[str],
    parent_cache_dir: str | os.PathLike[str],
    offset: int = 0,
    length: int | None = None,
) -> bytes:
    """Decode ``length`` unpadded bytes from ``offset`` of a sealed sector's original content.

    The key (last layer's labels) is read from the directory when present, else regenerated from the replica
    id into a temporary layer set; the replica is decoded only over the Fr32 quads that cover the range.
    """
    out = Path(directory)
    sector = load_sealed(out)
    proof = sector.inputs.proof
    capacity = proof.shape.unpadded_size
    if length is None:
        length = capacity - offset
    if offset < 0 or length < 0 or offset + length > capacity:
        raise InvalidInput(f"range {offset}+{length} is outside the {capacity} bytes of the sector")
    if length == 0:
        return b""
    first_quad, end_quad = offset // 127, -(-(offset + length) // 127)
    first_node, end_node = first_quad * 4, end_quad * 4
    size = proof.shape.nodes * NODE_SIZE
    key_path = out / layer_file(proof.shape.layers)
    if not key_path.exists():
        graph = StackedGraph.for_proof(proof)
        with ParentCache.open_or_generate(graph, parent_cache_dir) as cache:
            _label_layers(out, cache, sector.replica_id, proof.shape.layers, None)
    with ExitStack() as stack:
        key = map_file(key_path, size, stack)
        replica = map_file(out / REPLICA_FILE, size, stack)
        span = slice(first_node * NODE_SIZE, end_node * NODE_SIZE)
        padded = bytearray(end_node * NODE_SIZE - first_node * NODE_SIZE)
        decode_into(padded, replica[span], key[span])
    data = fr32.unpad(padded)
    skip = offset - first_quad * 127
    return data[skip : skip + length]
