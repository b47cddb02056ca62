"""Proofs as the chain carries and checks them: one verify function per proof kind, behind one protocol.

Filecoin puts Groth16 SNARKs on chain; their parameters cannot be had here, so filnet's messages carry the
vanilla proofs of :mod:`filnet.proofs.porep` and :mod:`filnet.proofs.post` in DAG-CBOR instead. The inputs
the actors pass mirror fvm_shared's (``SealVerifyInfo``, ``AggregateSealVerifyProofAndInfos``,
``WindowPoStVerifyInfo``), so a succinct verifier can replace :class:`VanillaProofVerifier` without touching
any actor: the actors only ever call a :class:`ProofVerifier`.

On-chain proof bytes:

* seal (``ProveCommitSectors3`` ``sector_proofs``): :meth:`SealProof.to_bytes` of the sector;
* aggregate seal (``aggregate_proof``): DAG-CBOR ``[version, [seal proof bytes, …]]``, one per sector in the
  order of the infos;
* PoSt (``PoStProof.proof_bytes``): DAG-CBOR ``[version, [sector proof, …]]`` with each sector proof
  ``[sector number, comm_c, comm_r_last, [path, …]]``, one per distinct challenged sector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from filnet.errors import DecodeError, FilnetError, InvalidInput
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.cid import CID
from filnet.piece.cid import parse_piece_cid
from filnet.proofs import merkle
from filnet.proofs.pieces import Piece, comm_d_from_pieces
from filnet.proofs.porep import (
    SealProof,
    SealPublicInputs,
    expect_list,
    expect_node,
    expect_uint,
    path_from_ipld,
    path_to_ipld,
)
from filnet.proofs.porep import verify_seal as verify_vanilla_seal
from filnet.proofs.post import SectorProof, verify_sector, winning_sector_indices
from filnet.proofs.registry import PoStKind, RegisteredPoStProof, RegisteredSealProof
from filnet.proofs.replica import prover_id_bytes
from filnet.proofs.seal import unsealed_cid

POST_PROOF_VERSION: Final = 1
AGGREGATE_PROOF_VERSION: Final = 1
#: ``RegisteredAggregateProof::SnarkPackV2``, the only aggregate type builtin-actors accepts.
SNARK_PACK_V2: Final = 1
MAX_PROVEN_SECTORS: Final = 1 << 16


@dataclass(frozen=True, slots=True)
class PoStProof:
    """A PoSt as a message carries it: its registered type and proof bytes (a CBOR tuple on chain)."""

    post_proof: int
    proof_bytes: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple ``[post_proof, proof_bytes]``."""
        return [self.post_proof, self.proof_bytes]

    @classmethod
    def from_ipld(cls, raw: Any) -> PoStProof:
        """Parse the CBOR tuple."""
        if not isinstance(raw, list) or len(raw) != 2:
            raise DecodeError("PoStProof: expected a tuple of 2 fields")
        kind, data = raw
        if type(kind) is not int or not isinstance(data, bytes):
            raise DecodeError("PoStProof: expected [int, bytes]")
        return cls(kind, data)


@dataclass(frozen=True, slots=True)
class SectorInfo:
    """A sector a PoSt must cover: its seal proof type, number and CommR (fvm_shared ``SectorInfo``)."""

    proof: int
    sector_number: int
    sealed_cid: CID


@dataclass(frozen=True, slots=True)
class WindowPoStVerifyInfo:
    """What a WindowPoSt answers (fvm_shared ``WindowPoStVerifyInfo``); ``prover`` is the miner's actor ID."""

    randomness: bytes
    proofs: tuple[PoStProof, ...]
    challenged_sectors: tuple[SectorInfo, ...]
    prover: int


@dataclass(frozen=True, slots=True)
class WinningPoStVerifyInfo:
    """What a WinningPoSt answers: the sectors already drawn with :func:`winning_post_challenge`."""

    randomness: bytes
    proofs: tuple[PoStProof, ...]
    challenged_sectors: tuple[SectorInfo, ...]
    prover: int


@dataclass(frozen=True, slots=True)
class SealVerifyInfo:
    """What a seal proof answers (fvm_shared ``SealVerifyInfo``); ``miner`` is the actor ID."""

    registered_proof: int
    miner: int
    sector_number: int
    deal_ids: tuple[int, ...]
    randomness: bytes
    interactive_randomness: bytes
    proof: bytes
    sealed_cid: CID
    unsealed_cid: CID


@dataclass(frozen=True, slots=True)
class AggregateSealVerifyInfo:
    """One sector of an aggregate seal proof."""

    sector_number: int
    randomness: bytes
    interactive_randomness: bytes
    sealed_cid: CID
    unsealed_cid: CID


@dataclass(frozen=True, slots=True)
class AggregateSealVerifyProofAndInfos:
    """An aggregate seal proof and the sectors it covers (fvm_shared, same name)."""

    miner: int
    seal_proof: int
    aggregate_proof: int
    proof: bytes
    infos: tuple[AggregateSealVerifyInfo, ...]


@dataclass(frozen=True, slots=True)
class PieceInfo:
    """A piece of a sector: its padded size and piece CID (fvm_shared ``PieceInfo``)."""

    size: int
    cid: CID


class ProofVerifier(Protocol):
    """The proof checks the actors rely on; each answers True only for a proof that holds."""

    def verify_seal(self, info: SealVerifyInfo) -> bool:
        """Whether a sector's seal proof holds."""
        ...

    def verify_aggregate_seals(self, info: AggregateSealVerifyProofAndInfos) -> bool:
        """Whether an aggregate seal proof holds for every sector it names."""
        ...

    def verify_window_post(self, info: WindowPoStVerifyInfo) -> bool:
        """Whether a WindowPoSt proves every challenged sector."""
        ...

    def verify_winning_post(self, info: WinningPoStVerifyInfo) -> bool:
        """Whether a WinningPoSt proves every drawn sector."""
        ...


# ---------------------------------------------------------------------------------------------- encoding


def encode_post_proof(proofs: Sequence[SectorProof]) -> bytes:
    """The ``proof_bytes`` of a PoSt made of these vanilla sector proofs."""
    return dagcbor.encode(
        [
            POST_PROOF_VERSION,
            [[p.sector_number, p.comm_c, p.comm_r_last, [path_to_ipld(x) for x in p.paths]] for p in proofs],
        ]
    )


def decode_post_proof(data: bytes) -> tuple[SectorProof, ...]:
    """Parse :func:`encode_post_proof` output; DecodeError on anything malformed."""
    raw = expect_list(dagcbor.decode(data), "PoSt proof", 2)
    if raw[0] != POST_PROOF_VERSION:
        raise DecodeError(f"PoSt proof: unknown version {raw[0]!r}")
    out = []
    for i, item in enumerate(expect_list(raw[1], "PoSt sector proofs", max_length=MAX_PROVEN_SECTORS)):
        what = f"sector proof {i}"
        number, comm_c, comm_r_last, paths = expect_list(item, what, 4)
        out.append(
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
    return tuple(out)


def encode_aggregate_seal_proof(proofs: Sequence[SealProof]) -> bytes:
    """The ``aggregate_proof`` bytes of several sectors' seal proofs, in the order of their infos."""
    return dagcbor.encode([AGGREGATE_PROOF_VERSION, [p.to_bytes() for p in proofs]])


def decode_aggregate_seal_proof(data: bytes) -> tuple[bytes, ...]:
    """The per-sector seal proof bytes of an aggregate; DecodeError when malformed."""
    raw = expect_list(dagcbor.decode(data), "aggregate seal proof", 2)
    if raw[0] != AGGREGATE_PROOF_VERSION:
        raise DecodeError(f"aggregate seal proof: unknown version {raw[0]!r}")
    items = expect_list(raw[1], "aggregate seal proofs", max_length=MAX_PROVEN_SECTORS)
    if not all(isinstance(item, bytes) for item in items):
        raise DecodeError("aggregate seal proof: every entry must be bytes")
    return tuple(items)


# ---------------------------------------------------------------------------------------------- helpers


def commitment_of(cid: CID, codec: int, hash_code: int, what: str) -> bytes:
    """The 32-byte commitment inside a sealed or unsealed sector CID; InvalidInput for any other CID."""
    if cid.version != 1 or cid.codec != codec or cid.hash_code != hash_code or len(cid.digest) != 32:
        raise InvalidInput(f"{cid} is not a {what} CID")
    return cid.digest


def comm_r_of(cid: CID) -> bytes:
    """CommR from a sealed sector CID."""
    return commitment_of(
        cid, codecs.FIL_COMMITMENT_SEALED, multihash.POSEIDON_BLS12_381_A2_FC1, "sealed sector"
    )


def comm_d_of(cid: CID) -> bytes:
    """CommD from an unsealed sector CID."""
    return commitment_of(
        cid, codecs.FIL_COMMITMENT_UNSEALED, multihash.SHA2_256_TRUNC254_PADDED, "unsealed sector"
    )


def compute_unsealed_sector_cid(proof_type: int, pieces: Sequence[PieceInfo]) -> CID:
    """CommD of a sector of ``proof_type`` holding ``pieces`` in order (zero-filled elsewhere) as a CID.

    InvalidInput for an unknown proof type, a piece CID that is not a piece commitment, or pieces that do
    not fit (the FVM's ``compute_unsealed_sector_cid`` syscall).
    """
    seal = _seal_type(proof_type)
    parsed = [Piece(parse_piece_cid(p.cid).commp, p.size) for p in pieces]
    return unsealed_cid(comm_d_from_pieces(seal.sector_size, parsed))


def winning_post_challenge(post_proof: int, prover: int, randomness: bytes, eligible: int) -> list[int]:
    """Indices into the eligible sectors (sorted by number) a WinningPoSt must prove, deduplicated."""
    post_type = _post_type(post_proof)
    if post_type.kind is not PoStKind.WINNING:
        raise InvalidInput(f"{post_type.name} is not a WinningPoSt type")
    chosen = winning_sector_indices(randomness, prover_id_bytes(prover), eligible, post_type.sector_count)
    return list(dict.fromkeys(chosen))


def _seal_type(value: int) -> RegisteredSealProof:
    try:
        return RegisteredSealProof(value)
    except ValueError:
        raise InvalidInput(f"filnet cannot verify seal proof type {value}") from None


def _post_type(value: int) -> RegisteredPoStProof:
    try:
        return RegisteredPoStProof(value)
    except ValueError:
        raise InvalidInput(f"filnet cannot verify PoSt proof type {value}") from None


def _verify_seal_bytes(
    seal: RegisteredSealProof,
    miner: int,
    number: int,
    ticket: bytes,
    seed: bytes,
    proof: bytes,
    comm_r: CID,
    comm_d: CID,
) -> bool:
    public = SealPublicInputs(
        seal, comm_r_of(comm_r), comm_d_of(comm_d), prover_id_bytes(miner), number, ticket, seed
    )
    return verify_vanilla_seal(public, SealProof.from_bytes(proof)).ok


def _verify_post(
    kind: PoStKind, randomness: bytes, proofs: tuple[PoStProof, ...], sectors: tuple[SectorInfo, ...]
) -> bool:
    if len(proofs) != 1 or not sectors:
        return False
    post_type = _post_type(proofs[0].post_proof)
    if post_type.kind is not kind:
        return False
    by_number = {p.sector_number: p for p in decode_post_proof(proofs[0].proof_bytes)}
    # A declared-faulty sector is stood in for by a good one, so the same sector may be challenged twice.
    distinct = {s.sector_number: s for s in sectors}
    ordered = (
        sorted(distinct) if kind is PoStKind.WINDOW else list(dict.fromkeys(s.sector_number for s in sectors))
    )
    if set(by_number) != set(ordered):
        return False
    for position, number in enumerate(ordered):
        info = distinct[number]
        if _seal_type(info.proof).sector_size != post_type.sector_size:
            return False
        result = verify_sector(post_type, randomness, comm_r_of(info.sealed_cid), by_number[number], position)
        if not result.ok:
            return False
    return True


class VanillaProofVerifier:
    """Checks filnet's vanilla proofs in full from public inputs; any malformed input is a failed proof."""

    def verify_seal(self, info: SealVerifyInfo) -> bool:
        """Whether the sector's seal proof holds."""
        try:
            return _verify_seal_bytes(
                _seal_type(info.registered_proof),
                info.miner,
                info.sector_number,
                info.randomness,
                info.interactive_randomness,
                info.proof,
                info.sealed_cid,
                info.unsealed_cid,
            )
        except FilnetError:
            return False

    def verify_aggregate_seals(self, info: AggregateSealVerifyProofAndInfos) -> bool:
        """Whether every sector's proof inside the aggregate holds."""
        try:
            if info.aggregate_proof != SNARK_PACK_V2 or not info.infos:
                return False
            seal = _seal_type(info.seal_proof)
            proofs = decode_aggregate_seal_proof(info.proof)
            if len(proofs) != len(info.infos):
                return False
            return all(
                _verify_seal_bytes(
                    seal,
                    info.miner,
                    s.sector_number,
                    s.randomness,
                    s.interactive_randomness,
                    proof,
                    s.sealed_cid,
                    s.unsealed_cid,
                )
                for s, proof in zip(info.infos, proofs, strict=True)
            )
        except FilnetError:
            return False

    def verify_window_post(self, info: WindowPoStVerifyInfo) -> bool:
        """Whether the PoSt proves every challenged sector."""
        try:
            return _verify_post(PoStKind.WINDOW, info.randomness, info.proofs, info.challenged_sectors)
        except FilnetError:
            return False

    def verify_winning_post(self, info: WinningPoStVerifyInfo) -> bool:
        """Whether the PoSt proves every drawn sector."""
        try:
            return _verify_post(PoStKind.WINNING, info.randomness, info.proofs, info.challenged_sectors)
        except FilnetError:
            return False


VANILLA: Final = VanillaProofVerifier()
"""The verifier every filnet machine uses."""
