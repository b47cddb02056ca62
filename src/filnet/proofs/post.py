"""Proofs of Spacetime: WinningPoSt and WindowPoSt over sealed sectors (storage-proofs-post ``fallback``).

* Randomness is 32 bytes; like any Fr domain value its byte 31 has the top two bits cleared first.
* WinningPoSt picks sectors from the eligible set: index n of the set is
  LE_u64(sha256(prover_id ‖ randomness ‖ u64 LE(n))[0:8]) mod (set size).
* Leaf challenge n of a sector: LE_u64(sha256(randomness ‖ u64 LE(sector number) ‖ u64 LE(i))[0:8]) mod
  (sector nodes), where the challenge index i is n for the FIP-0061 WindowPoSt types (ids 10-14, proofs
  ApiVersion V1_2_0) and position × challenge count + n for the older ones (storage-proofs-post
  ``get_challenge_index``), position being the sector's index among the proven sectors sorted by number.
  WinningPoSt proves one sector, at position 0, so both rules agree there.
* A sector's vanilla proof holds comm_c, comm_r_last and a tree_r_last path per challenge; the verifier checks
  CommR = Poseidon(comm_c, comm_r_last) and every path.

A sector that cannot be proven (missing files, a replica that differs from its tree, a corrupt tree) is
reported as a fault by number; the other sectors are still proven.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from filnet.errors import DecodeError, FilnetError, InvalidInput
from filnet.ipld import dagcbor
from filnet.proofs import merkle, poseidon
from filnet.proofs.porep import (
    Verification,
    expect_header,
    expect_list,
    expect_node,
    expect_uint,
    path_from_ipld,
    path_to_ipld,
    tree_path_arities,
)
from filnet.proofs.registry import (
    NODE_SIZE,
    ApiVersion,
    PoStKind,
    RegisteredPoStProof,
    RegisteredSealProof,
)
from filnet.proofs.seal import REPLICA_FILE, TREE_R_LAST_PREFIX, load_sealed

BUNDLE_VERSION: Final = 1
MAX_SECTORS: Final = 1 << 16


def post_randomness(randomness: bytes) -> bytes:
    """Check the length and clear the top two bits of byte 31 (the value becomes a field element)."""
    if len(randomness) != 32:
        raise InvalidInput(f"PoSt randomness must be 32 bytes, got {len(randomness)}")
    out = bytearray(randomness)
    out[31] &= 0x3F
    return bytes(out)


def winning_sector_indices(randomness: bytes, prover_id: bytes, set_size: int, count: int) -> list[int]:
    """Indices into the eligible sector set challenged by a WinningPoSt."""
    if set_size < 1:
        raise InvalidInput("WinningPoSt needs at least one eligible sector")
    rand = post_randomness(randomness)
    out = []
    for n in range(count):
        digest = hashlib.sha256(prover_id + rand + n.to_bytes(8, "little")).digest()
        out.append(int.from_bytes(digest[:8], "little") % set_size)
    return out


def leaf_challenges(
    randomness: bytes, sector_number: int, count: int, nodes: int, first_index: int = 0
) -> list[int]:
    """The challenged leaves of one sector, for challenge indices ``first_index`` .. + count - 1."""
    prefix = post_randomness(randomness) + sector_number.to_bytes(8, "little")
    out = []
    for i in range(first_index, first_index + count):
        digest = hashlib.sha256(prefix + i.to_bytes(8, "little")).digest()
        out.append(int.from_bytes(digest[:8], "little") % nodes)
    return out


def first_challenge_index(post_type: RegisteredPoStProof, position: int) -> int:
    """The challenge index of a sector's first leaf challenge, given its position among the proven sectors."""
    if post_type.api_version is ApiVersion.V1_2_0:
        return 0
    return position * post_type.challenge_count


def sector_leaf_challenges(
    post_type: RegisteredPoStProof, randomness: bytes, sector_number: int, position: int
) -> list[int]:
    """The leaves ``post_type`` challenges in the sector at ``position`` (sorted by sector number)."""
    seal_type = RegisteredSealProof.for_sector(post_type.sector_size)
    return leaf_challenges(
        randomness,
        sector_number,
        post_type.challenge_count,
        seal_type.shape.nodes,
        first_challenge_index(post_type, position),
    )


@dataclass(frozen=True)
class PublicSector:
    """A sector as the chain knows it: number and CommR."""

    sector_number: int
    comm_r: bytes


@dataclass(frozen=True)
class SectorProof:
    """The vanilla PoSt proof of one sector."""

    sector_number: int
    comm_c: bytes
    comm_r_last: bytes
    paths: tuple[merkle.MerkleProof, ...]


@dataclass(frozen=True)
class Fault:
    """A sector that could not be proven, and why."""

    sector_number: int
    reason: str


@dataclass(frozen=True)
class PoStBundle:
    """A PoSt with the public inputs it answers: what ``filnet proofs window-post`` writes."""

    post_type: RegisteredPoStProof
    randomness: bytes
    prover_id: bytes
    sectors: tuple[PublicSector, ...]  # the challenged set (WindowPoSt) or the eligible set (WinningPoSt)
    proofs: tuple[SectorProof, ...]
    faults: tuple[Fault, ...]

    def to_bytes(self) -> bytes:
        """DAG-CBOR encoding."""
        return dagcbor.encode(
            [
                BUNDLE_VERSION,
                int(self.post_type),
                self.randomness,
                self.prover_id,
                [[s.sector_number, s.comm_r] for s in self.sectors],
                [
                    [p.sector_number, p.comm_c, p.comm_r_last, [path_to_ipld(x) for x in p.paths]]
                    for p in self.proofs
                ],
                [[f.sector_number, f.reason] for f in self.faults],
            ]
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> PoStBundle:
        """Decode :meth:`to_bytes` output; DecodeError on anything malformed."""
        return _bundle_from_ipld(dagcbor.decode(data))


# ---------------------------------------------------------------------------------------------- proving


def prove_sector(
    post_type: RegisteredPoStProof, randomness: bytes, directory: str | os.PathLike[str], position: int = 0
) -> SectorProof:
    """The PoSt proof of the sector sealed in ``directory``, at ``position`` among the proven sectors.

    Raises a FilnetError/OSError when it cannot.
    """
    out = Path(directory)
    sector = load_sealed(out)
    proof_type = sector.inputs.proof
    if proof_type.sector_size != post_type.sector_size:
        raise InvalidInput(f"sector of {proof_type.sector_size} bytes cannot be proven with {post_type.name}")
    shape = merkle.sector_tree_shape(proof_type.sector_size)
    replica = out / REPLICA_FILE
    if replica.stat().st_size != proof_type.shape.nodes * NODE_SIZE:
        raise InvalidInput(f"{replica} has the wrong size")
    challenges = sector_leaf_challenges(post_type, randomness, sector.inputs.sector_number, position)
    with merkle.ShapedTree.open(
        merkle.shaped_tree_paths(out / TREE_R_LAST_PREFIX, shape), shape, replica
    ) as tree:
        if tree.root != sector.comm_r_last:
            raise InvalidInput("tree_r_last root differs from the sealed sector's comm_r_last")
        # Each path re-hashes the challenged leaf group, read from the replica, against tree_r_last's level 1:
        # a changed replica byte makes proving the sector fail.
        paths = tuple(tree.prove(c) for c in challenges)
    return SectorProof(sector.inputs.sector_number, sector.comm_c, sector.comm_r_last, paths)


def _check_post_type(post_type: RegisteredPoStProof, kind: PoStKind) -> None:
    if post_type.kind is not kind:
        raise InvalidInput(f"{post_type.name} is not a {kind.value} PoSt type")


def generate_window_post(
    post_type: RegisteredPoStProof, randomness: bytes, directories: list[str | os.PathLike[str]]
) -> PoStBundle:
    """Prove every sector in ``directories``; sectors that cannot be proven become faults.

    Sectors are proven in order of their numbers (filecoin-proofs keys them in a BTreeMap), which fixes each
    one's position for the pre-FIP-0061 challenge rule.
    """
    _check_post_type(post_type, PoStKind.WINDOW)
    post_randomness(randomness)
    sealed = []
    for directory in directories:
        try:
            sealed.append((load_sealed(directory), directory))
        except (FilnetError, OSError) as e:
            raise InvalidInput(f"{directory}: not a sealed sector ({e})") from None
    if not sealed:
        raise InvalidInput("WindowPoSt needs at least one sector")
    sealed.sort(key=lambda item: item[0].inputs.sector_number)
    prover = sealed[0][0].inputs.prover_id
    sectors: list[PublicSector] = []
    proofs, faults = [], []
    for position, (sector, directory) in enumerate(sealed):
        if sector.inputs.prover_id != prover:
            raise InvalidInput(f"{directory}: sector of another prover")
        number = sector.inputs.sector_number
        if sectors and sectors[-1].sector_number == number:
            raise InvalidInput(f"{directory}: sector {number} is given twice")
        sectors.append(PublicSector(number, sector.comm_r))
        try:
            proofs.append(prove_sector(post_type, randomness, directory, position))
        except (FilnetError, OSError) as e:
            faults.append(Fault(number, str(e)))
    return PoStBundle(post_type, randomness, prover, tuple(sectors), tuple(proofs), tuple(faults))


def generate_winning_post(
    post_type: RegisteredPoStProof, randomness: bytes, directories: list[str | os.PathLike[str]]
) -> PoStBundle:
    """Prove the sectors a WinningPoSt challenges among the eligible ``directories`` (sorted by number)."""
    _check_post_type(post_type, PoStKind.WINNING)
    sealed = []
    for directory in directories:
        try:
            sealed.append((load_sealed(directory), directory))
        except (FilnetError, OSError) as e:
            raise InvalidInput(f"{directory}: not a sealed sector ({e})") from None
    if not sealed:
        raise InvalidInput("WinningPoSt needs at least one eligible sector")
    sealed.sort(key=lambda item: item[0].inputs.sector_number)
    prover = sealed[0][0].inputs.prover_id
    if any(s.inputs.prover_id != prover for s, _ in sealed):
        raise InvalidInput("eligible sectors belong to different provers")
    sectors = tuple(PublicSector(s.inputs.sector_number, s.comm_r) for s, _ in sealed)
    proofs, faults = [], []
    chosen = winning_sector_indices(randomness, prover, len(sealed), post_type.sector_count)
    for position, index in enumerate(dict.fromkeys(chosen)):
        sector, directory = sealed[index]
        try:
            proofs.append(prove_sector(post_type, randomness, directory, position))
        except (FilnetError, OSError) as e:
            faults.append(Fault(sector.inputs.sector_number, str(e)))
    return PoStBundle(post_type, randomness, prover, sectors, tuple(proofs), tuple(faults))


# ---------------------------------------------------------------------------------------------- verifying


@dataclass(frozen=True)
class PoStVerification:
    """Per-sector outcome: the sectors proven and the failures by sector number."""

    proven: tuple[int, ...]
    failures: tuple[Fault, ...]

    @property
    def ok(self) -> bool:
        """True when every required sector is proven."""
        return not self.failures

    def __bool__(self) -> bool:
        return self.ok


def verify_sector(
    post_type: RegisteredPoStProof, randomness: bytes, comm_r: bytes, proof: SectorProof, position: int = 0
) -> Verification:
    """Check one sector's proof against its CommR (``position``: its index among the proven sectors)."""
    try:
        seal_type = RegisteredSealProof.for_sector(post_type.sector_size)
        if poseidon.hash_bytes([proof.comm_c, proof.comm_r_last]) != comm_r:
            return Verification(False, "comm_r is not Poseidon(comm_c, comm_r_last)")
        challenges = sector_leaf_challenges(post_type, randomness, proof.sector_number, position)
        if len(proof.paths) != len(challenges):
            return Verification(False, f"{len(proof.paths)} paths for {len(challenges)} challenges")
        arities = tree_path_arities(seal_type)
        for c, path in zip(challenges, proof.paths, strict=True):
            if tuple(level.arity for level in path.path) != arities:
                return Verification(False, f"path of leaf {c} does not have the tree's shape")
            if not path.verify(root=proof.comm_r_last, index=c):
                return Verification(False, f"path of leaf {c} does not lead to comm_r_last")
    except FilnetError as e:
        return Verification(False, f"malformed proof: {e}")
    return Verification(True)


def verify_post(bundle: PoStBundle, expected: tuple[PublicSector, ...] | None = None) -> PoStVerification:
    """Verify a PoSt bundle; each required sector is proven or listed as a failure with the reason.

    ``expected`` is the sector set from the verifier's own view of the chain; by default the bundle's.
    """
    sectors = bundle.sectors if expected is None else expected
    comm_rs = {s.sector_number: s.comm_r for s in sectors}
    ordered = sorted(comm_rs)
    if bundle.post_type.kind is PoStKind.WINNING:
        indices = winning_sector_indices(
            bundle.randomness, bundle.prover_id, len(ordered), bundle.post_type.sector_count
        )
        # The challenged sectors are proven as their own list: the first one sits at position 0.
        required = list(dict.fromkeys(ordered[i] for i in indices))
    else:
        required = ordered
    by_number = {p.sector_number: p for p in bundle.proofs}
    declared = {f.sector_number: f.reason for f in bundle.faults}
    proven, failures = [], []
    for position, number in enumerate(required):
        proof = by_number.get(number)
        if proof is None:
            failures.append(Fault(number, declared.get(number, "no proof for this sector")))
            continue
        result = verify_sector(bundle.post_type, bundle.randomness, comm_rs[number], proof, position)
        if result:
            proven.append(number)
        else:
            failures.append(Fault(number, result.reason))
    return PoStVerification(tuple(proven), tuple(failures))


def _bundle_from_ipld(value: Any) -> PoStBundle:
    version, ptype, randomness, prover_id, sectors_raw, proofs_raw, faults_raw = expect_list(value, "PoSt", 7)
    post_type = expect_header(version, ptype, BUNDLE_VERSION, RegisteredPoStProof, "PoSt")
    sectors = []
    for i, raw in enumerate(expect_list(sectors_raw, "PoSt sectors", max_length=MAX_SECTORS)):
        number, comm_r = expect_list(raw, f"sector {i}", 2)
        sectors.append(
            PublicSector(expect_uint(number, f"sector {i} number"), expect_node(comm_r, f"sector {i} comm_r"))
        )
    if len({s.sector_number for s in sectors}) != len(sectors):
        raise DecodeError("PoSt: a sector is listed twice")
    proofs = []
    for i, raw in enumerate(expect_list(proofs_raw, "PoSt proofs", max_length=MAX_SECTORS)):
        what = f"sector proof {i}"
        number, comm_c, comm_r_last, paths = expect_list(raw, what, 4)
        proofs.append(
            SectorProof(
                expect_uint(number, f"{what} number"),
                expect_node(comm_c, f"{what} comm_c"),
                expect_node(comm_r_last, f"{what} comm_r_last"),
                tuple(
                    path_from_ipld(p, merkle.TreeHasher.POSEIDON, f"{what} path {k}")
                    for k, p in enumerate(expect_list(paths, f"{what} paths", max_length=1024))
                ),
            )
        )
    faults = []
    for i, raw in enumerate(expect_list(faults_raw, "PoSt faults", max_length=MAX_SECTORS)):
        number, reason = expect_list(raw, f"fault {i}", 2)
        if not isinstance(reason, str):
            raise DecodeError(f"fault {i}: reason must be a string")
        faults.append(Fault(expect_uint(number, f"fault {i} number"), reason))
    return PoStBundle(
        post_type,
        expect_node(randomness, "PoSt randomness"),
        expect_node(prover_id, "prover id"),
        tuple(sectors),
        tuple(proofs),
        tuple(faults),
    )
