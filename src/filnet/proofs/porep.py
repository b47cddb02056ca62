"""Interactive PoRep: challenges, vanilla seal proofs, their DAG-CBOR form, and the independent verifier.

Challenges (storage-proofs-porep ``InteractiveChallenges::derive``): challenge j of the sector is
LE_int(sha256(replica_id ‖ seed ‖ u32 LE(j))) mod (N − 1) + 1, so node 0 is never challenged.

A vanilla proof answers each challenge c with what rust-fil-proofs' ``Proof`` holds: the tree_d path of data
node c (to CommD), the tree_r_last path of replica node c (to comm_r_last), and column proofs (all layers'
labels of a node plus its tree_c path to comm_c) for c and for its 6 base and 8 expander parents. From those
the verifier recomputes every layer's label of c and checks the encoding replica[c] = data[c] + label_L[c].
We do not compress with SNARKs: the verifier checks this vanilla proof in full, from public inputs only.
"""

from __future__ import annotations

import hashlib
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

from filnet.errors import DecodeError, FilnetError, InvalidInput
from filnet.ipld import dagcbor
from filnet.proofs import merkle, poseidon
from filnet.proofs.fr import R
from filnet.proofs.graph import BASE_DEGREE, DEGREE, StackedGraph
from filnet.proofs.labels import create_label
from filnet.proofs.registry import NODE_SIZE, RegisteredPoStProof, RegisteredSealProof
from filnet.proofs.replica import ReplicaIdInputs, replica_id
from filnet.proofs.seal import (
    REPLICA_FILE,
    TREE_C_PREFIX,
    TREE_D_FILE,
    TREE_R_LAST_PREFIX,
    SealedSector,
    layer_file,
    load_sealed,
    map_file,
)

PROOF_VERSION: Final = 1
"""Version of the serialized vanilla seal proof layout below."""

_Registered = TypeVar("_Registered", RegisteredSealProof, RegisteredPoStProof)


def challenges_per_partition(proof: RegisteredSealProof) -> int:
    """ceil(minimum challenges / partitions), as filecoin-proofs ``select_challenges`` settles it."""
    shape = proof.shape
    return -(-shape.porep_challenges // shape.porep_partitions)


def interactive_challenges(proof: RegisteredSealProof, rid: bytes, seed: bytes) -> list[int]:
    """Every challenged node of a sector, partition by partition."""
    if len(seed) != 32:
        raise InvalidInput(f"seed must be 32 bytes, got {len(seed)}")
    nodes = proof.shape.nodes
    total = challenges_per_partition(proof) * proof.shape.porep_partitions
    out = []
    for j in range(total):
        digest = hashlib.sha256(rid + seed + j.to_bytes(4, "little")).digest()
        out.append(int.from_bytes(digest, "little") % (nodes - 1) + 1)
    return out


# ---------------------------------------------------------------------------------------------- proof types


@dataclass(frozen=True)
class ColumnProof:
    """A node's labels in every layer (layer 1 first) and the tree_c path of their Poseidon hash."""

    node: int
    column: tuple[bytes, ...]
    path: merkle.MerkleProof


@dataclass(frozen=True)
class ChallengeProof:
    """The answer to one challenge."""

    challenge: int
    data_path: merkle.MerkleProof
    replica_path: merkle.MerkleProof
    column: ColumnProof
    parents: tuple[ColumnProof, ...]  # 6 base parents, then 8 expander parents


@dataclass(frozen=True)
class SealProof:
    """A vanilla interactive seal proof."""

    proof: RegisteredSealProof
    comm_c: bytes
    comm_r_last: bytes
    challenges: tuple[ChallengeProof, ...]

    def to_bytes(self) -> bytes:
        """DAG-CBOR encoding."""
        return dagcbor.encode(_seal_proof_to_ipld(self))

    @classmethod
    def from_bytes(cls, data: bytes) -> SealProof:
        """Decode :meth:`to_bytes` output; DecodeError on anything malformed."""
        return _seal_proof_from_ipld(dagcbor.decode(data))


@dataclass(frozen=True)
class SealPublicInputs:
    """What a verifier knows: the proof type, commitments, the replica id inputs and the seed."""

    proof: RegisteredSealProof
    comm_r: bytes
    comm_d: bytes
    prover_id: bytes
    sector_number: int
    ticket: bytes
    seed: bytes

    @classmethod
    def of(cls, sector: SealedSector, seed: bytes) -> SealPublicInputs:
        """The public inputs of a sealed sector and seed."""
        i = sector.inputs
        return cls(i.proof, sector.comm_r, sector.comm_d, i.prover_id, i.sector_number, i.ticket, seed)

    def replica_id(self) -> bytes:
        """The replica id these inputs commit to."""
        return replica_id(
            ReplicaIdInputs(self.prover_id, self.sector_number, self.ticket, self.comm_d, self.proof.porep_id)
        )


@dataclass(frozen=True)
class Verification:
    """The outcome of verifying a proof: ``ok``, or the reason it failed."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


# ---------------------------------------------------------------------------------------------- proving


class _SectorFiles:
    """The files of a sealed sector needed to answer challenges, opened together."""

    def __init__(self, directory: Path, sector: SealedSector, stack: ExitStack) -> None:
        proof = sector.inputs.proof
        shape = merkle.sector_tree_shape(proof.sector_size)
        size = proof.shape.nodes * NODE_SIZE
        self.tree_d = stack.enter_context(merkle.MerkleTree(directory / TREE_D_FILE))
        self.tree_c = stack.enter_context(
            merkle.ShapedTree.open(merkle.shaped_tree_paths(directory / TREE_C_PREFIX, shape), shape)
        )
        self.tree_r = stack.enter_context(
            merkle.ShapedTree.open(
                merkle.shaped_tree_paths(directory / TREE_R_LAST_PREFIX, shape),
                shape,
                directory / REPLICA_FILE,
            )
        )
        self.layers = []
        for layer in range(1, proof.shape.layers + 1):
            self.layers.append(map_file(directory / layer_file(layer), size, stack))
        if (self.tree_c.root, self.tree_r.root) != (sector.comm_c, sector.comm_r_last):
            raise InvalidInput(
                f"{directory}: tree roots differ from the commitments in the sector description"
            )
        if self.tree_d.root != sector.comm_d:
            raise InvalidInput(f"{directory}: tree_d root differs from comm_d")

    def column(self, node: int) -> ColumnProof:
        """The column proof of ``node``."""
        labels = tuple(bytes(m[node * NODE_SIZE : (node + 1) * NODE_SIZE]) for m in self.layers)
        path = self.tree_c.prove(node)
        if path.leaf != poseidon.hash_columns([bytes(x) for x in labels]):
            raise InvalidInput(f"labels of node {node} do not hash to its tree_c leaf (corrupt layer files)")
        return ColumnProof(node, labels, path)


def prove_seal(directory: str | Path, seed: bytes) -> SealProof:
    """The vanilla seal proof of the sector sealed in ``directory`` for ``seed``."""
    out = Path(directory)
    sector = load_sealed(out)
    proof = sector.inputs.proof
    graph = StackedGraph.for_proof(proof)
    answers = []
    with ExitStack() as stack:
        files = _SectorFiles(out, sector, stack)
        for c in interactive_challenges(proof, sector.replica_id, seed):
            # tree_r_last reads node c and its siblings from the replica and re-hashes them against its
            # stored level 1: a changed replica byte fails here (IntegrityError), not in the verifier.
            parents = tuple(files.column(p) for p in graph.parents(c))
            answers.append(
                ChallengeProof(c, files.tree_d.prove(c), files.tree_r.prove(c), files.column(c), parents)
            )
    return SealProof(proof, sector.comm_c, sector.comm_r_last, tuple(answers))


# ---------------------------------------------------------------------------------------------- verifying


class _Reject(Exception):
    """Internal: verification failed for the given reason."""


def _check_path(
    path: merkle.MerkleProof, root: bytes, index: int, arities: tuple[int, ...], what: str
) -> None:
    """A path of the expected shape that proves leaf ``index`` under ``root``."""
    if tuple(level.arity for level in path.path) != arities:
        raise _Reject(f"{what}: path shape does not match the tree")
    if not path.verify(root=root, index=index):
        raise _Reject(f"{what}: path does not lead to the committed root for node {index}")


def tree_path_arities(proof: RegisteredSealProof) -> tuple[int, ...]:
    """Arities of tree_c / tree_r_last paths, leaf level first."""
    shape = merkle.sector_tree_shape(proof.sector_size)
    base = merkle.tree_height(proof.shape.nodes // shape.base_tree_count, shape.base_arity)
    return (shape.base_arity,) * base + shape.upper_arities


def _check_column(col: ColumnProof, node: int, layers: int, comm_c: bytes, arities: tuple[int, ...]) -> None:
    """A column of the right node and height that hashes to its leaf under comm_c."""
    if col.node != node:
        raise _Reject(f"column proof for node {col.node} where node {node} was expected")
    if len(col.column) != layers or any(len(x) != NODE_SIZE for x in col.column):
        raise _Reject(f"column of node {node} does not hold {layers} labels of 32 bytes")
    try:
        leaf = poseidon.hash_columns(list(col.column))
    except FilnetError:
        raise _Reject(f"column of node {node} holds a value that is not a field element") from None
    if leaf != col.path.leaf:
        raise _Reject(f"column of node {node} does not hash to its tree_c leaf")
    _check_path(col.path, comm_c, node, arities, f"tree_c path of node {node}")


def _check_challenge(
    public: SealPublicInputs,
    proof: SealProof,
    graph: StackedGraph,
    rid: bytes,
    c: int,
    answer: ChallengeProof,
) -> None:
    """Every check of one challenge; raises _Reject with the reason."""
    ptype = public.proof
    layers, nodes = ptype.shape.layers, ptype.shape.nodes
    arities = tree_path_arities(ptype)
    if answer.challenge != c:
        raise _Reject(f"proof answers node {answer.challenge}, the challenge is node {c}")
    _check_path(answer.data_path, public.comm_d, c, (2,) * (nodes.bit_length() - 1), "tree_d path")
    _check_path(answer.replica_path, proof.comm_r_last, c, arities, "tree_r_last path")
    _check_column(answer.column, c, layers, proof.comm_c, arities)
    expected_parents = graph.parents(c)
    if len(answer.parents) != DEGREE:
        raise _Reject(f"challenge {c}: {len(answer.parents)} parent columns, expected {DEGREE}")
    for parent, col in zip(expected_parents, answer.parents, strict=True):
        _check_column(col, parent, layers, proof.comm_c, arities)
    for layer in range(1, layers + 1):
        base = [col.column[layer - 1] for col in answer.parents[:BASE_DEGREE]]
        exp = [col.column[layer - 2] for col in answer.parents[BASE_DEGREE:]] if layer > 1 else []
        if create_label(rid, layer, c, base + exp) != answer.column.column[layer - 1]:
            raise _Reject(f"challenge {c}: layer {layer} label does not follow from its parents")
    data = int.from_bytes(answer.data_path.leaf, "little")
    key = int.from_bytes(answer.column.column[layers - 1], "little")
    if data >= R or (data + key) % R != int.from_bytes(answer.replica_path.leaf, "little"):
        raise _Reject(f"challenge {c}: replica node is not the encoding of the data node")


def verify_seal(public: SealPublicInputs, proof: SealProof) -> Verification:
    """Verify a vanilla seal proof against public inputs only; never raises on a bad proof."""
    try:
        if proof.proof is not public.proof:
            raise _Reject(f"proof is for {proof.proof.name}, the sector is {public.proof.name}")
        if len(public.seed) != 32:
            raise _Reject(f"seed must be 32 bytes, got {len(public.seed)}")
        if poseidon.hash_bytes([proof.comm_c, proof.comm_r_last]) != public.comm_r:
            raise _Reject("comm_r is not Poseidon(comm_c, comm_r_last)")
        rid = public.replica_id()
        challenges = interactive_challenges(public.proof, rid, public.seed)
        if len(proof.challenges) != len(challenges):
            raise _Reject(f"proof answers {len(proof.challenges)} challenges, {len(challenges)} are required")
        graph = StackedGraph.for_proof(public.proof)
        for c, answer in zip(challenges, proof.challenges, strict=True):
            _check_challenge(public, proof, graph, rid, c, answer)
    except _Reject as e:
        return Verification(False, str(e))
    except FilnetError as e:
        return Verification(False, f"malformed proof: {e}")
    return Verification(True)


# ---------------------------------------------------------------------------------------------- DAG-CBOR

# Layouts (lists, in this order):
#   SealProof      [version, proof type, comm_c, comm_r_last, [ChallengeProof...]]
#   ChallengeProof [challenge, data path, replica path, ColumnProof, [ColumnProof x 14]]
#   ColumnProof    [node, [label per layer], path]
#   path           [leaf, [[[sibling...], position] per level, leaf level first]]
# Roots are not serialized: the verifier holds them. Hashers follow from the tree a path belongs to.

MAX_CHALLENGES: Final = 4096
MAX_PATH_LEVELS: Final = 64
MAX_LAYERS: Final = 16


def path_to_ipld(path: merkle.MerkleProof) -> list[Any]:
    """A Merkle path as a DAG-CBOR value."""
    return [path.leaf, [[list(level.siblings), level.position] for level in path.path]]


def _seal_proof_to_ipld(proof: SealProof) -> list[Any]:
    def column(col: ColumnProof) -> list[Any]:
        return [col.node, list(col.column), path_to_ipld(col.path)]

    challenges = [
        [
            a.challenge,
            path_to_ipld(a.data_path),
            path_to_ipld(a.replica_path),
            column(a.column),
            [column(p) for p in a.parents],
        ]
        for a in proof.challenges
    ]
    return [PROOF_VERSION, int(proof.proof), proof.comm_c, proof.comm_r_last, challenges]


def expect_list(value: Any, what: str, length: int | None = None, max_length: int | None = None) -> list[Any]:
    """``value`` as a list (of ``length`` items, or at most ``max_length``), else DecodeError."""
    if not isinstance(value, list):
        raise DecodeError(f"{what}: expected a list")
    if length is not None and len(value) != length:
        raise DecodeError(f"{what}: expected {length} items, got {len(value)}")
    if max_length is not None and len(value) > max_length:
        raise DecodeError(f"{what}: more than {max_length} items")
    return value


def expect_node(value: Any, what: str) -> bytes:
    """A 32-byte node."""
    if not isinstance(value, bytes) or len(value) != NODE_SIZE:
        raise DecodeError(f"{what}: expected 32 bytes")
    return value


def expect_uint(value: Any, what: str, limit: int = 1 << 64) -> int:
    """A non-negative integer below ``limit``."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < limit:
        raise DecodeError(f"{what}: expected an integer in [0, {limit})")
    return value


def expect_header(
    raw_version: Any, raw_type: Any, version: int, kind: type[_Registered], what: str
) -> _Registered:
    """Check a serialized proof's layout ``version`` and return its registered proof type of ``kind``."""
    if raw_version != version:
        raise DecodeError(f"{what}: unsupported version {raw_version!r}")
    try:
        return kind(expect_uint(raw_type, f"{what} type", 1 << 16))
    except ValueError:
        raise DecodeError(f"{what}: unknown proof type {raw_type}") from None


def path_from_ipld(value: Any, hasher: merkle.TreeHasher, what: str) -> merkle.MerkleProof:
    """Parse :func:`path_to_ipld` output (the root is left empty: verifiers compare against their own)."""
    leaf_raw, levels_raw = expect_list(value, what, 2)
    levels = []
    for i, level in enumerate(expect_list(levels_raw, f"{what} levels", max_length=MAX_PATH_LEVELS)):
        siblings_raw, position = expect_list(level, f"{what} level {i}", 2)
        siblings = tuple(
            expect_node(s, f"{what} level {i} sibling")
            for s in expect_list(siblings_raw, f"{what} level {i} siblings", max_length=15)
        )
        levels.append(merkle.PathLevel(siblings, expect_uint(position, f"{what} level {i} position", 16)))
    return merkle.MerkleProof(hasher, expect_node(leaf_raw, f"{what} leaf"), b"", tuple(levels))


def _column_from_ipld(value: Any, what: str) -> ColumnProof:
    node, labels, path = expect_list(value, what, 3)
    column = tuple(
        expect_node(x, f"{what} label") for x in expect_list(labels, f"{what} labels", max_length=MAX_LAYERS)
    )
    return ColumnProof(
        expect_uint(node, f"{what} node", 1 << 32),
        column,
        path_from_ipld(path, merkle.TreeHasher.POSEIDON, what),
    )


def _seal_proof_from_ipld(value: Any) -> SealProof:
    version, ptype, comm_c, comm_r_last, challenges_raw = expect_list(value, "seal proof", 5)
    proof_type = expect_header(version, ptype, PROOF_VERSION, RegisteredSealProof, "seal proof")
    challenges = []
    for i, raw in enumerate(expect_list(challenges_raw, "challenges", max_length=MAX_CHALLENGES)):
        what = f"challenge {i}"
        c, data_path, replica_path, column, parents = expect_list(raw, what, 5)
        challenges.append(
            ChallengeProof(
                expect_uint(c, f"{what} node", 1 << 32),
                path_from_ipld(data_path, merkle.TreeHasher.SHA254, f"{what} tree_d path"),
                path_from_ipld(replica_path, merkle.TreeHasher.POSEIDON, f"{what} tree_r_last path"),
                _column_from_ipld(column, f"{what} column"),
                tuple(
                    _column_from_ipld(p, f"{what} parent {k}")
                    for k, p in enumerate(expect_list(parents, f"{what} parents", DEGREE))
                ),
            )
        )
    return SealProof(
        proof_type, expect_node(comm_c, "comm_c"), expect_node(comm_r_last, "comm_r_last"), tuple(challenges)
    )
