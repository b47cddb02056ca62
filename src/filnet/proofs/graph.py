"""The SDR graph: bucket-sampled base parents (degree 6) and Feistel expander parents (degree 8).

Follows storage-proofs-core ``drgraph.rs`` (BucketGraph) and storage-proofs-porep ``stacked/vanilla/graph.rs``
(StackedGraph). The porep_id seeds both halves, so every registered proof type has its own graph.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Final

from filnet.errors import InvalidInput
from filnet.proofs import feistel
from filnet.proofs.chacha import ChaCha8Rng
from filnet.proofs.registry import ApiVersion, RegisteredSealProof

BASE_DEGREE: Final = 6
EXP_DEGREE: Final = 8
DEGREE: Final = BASE_DEGREE + EXP_DEGREE

DRSAMPLE_DST: Final = b"Filecoin_DRSample"
FEISTEL_DST: Final = b"Filecoin_Feistel"
HASHER_NAME: Final = "poseidon_hasher"
"""``PoseidonHasher::name()``: the tree hasher of every registered SDR proof, part of the graph identifier."""


def porep_domain_seed(tag: bytes, porep_id: bytes) -> bytes:
    """sha256(domain separation tag ‖ porep_id)."""
    return hashlib.sha256(tag + porep_id).digest()


def drg_seed(porep_id: bytes) -> bytes:
    """The 28-byte seed of the base graph; bytes 28..32 of each node's ChaCha key hold the node index."""
    return porep_domain_seed(DRSAMPLE_DST, porep_id)[:28]


def feistel_keys(porep_id: bytes) -> tuple[int, int, int, int]:
    """The four u64 LE words of sha256("Filecoin_Feistel" ‖ porep_id); the permutation uses three."""
    raw = porep_domain_seed(FEISTEL_DST, porep_id)
    k = [int.from_bytes(raw[i : i + 8], "little") for i in range(0, 32, 8)]
    return k[0], k[1], k[2], k[3]


@dataclass(frozen=True)
class StackedGraph:
    """The SDR graph of one sector size and porep_id."""

    nodes: int
    porep_id: bytes
    api_version: ApiVersion
    seed: bytes = field(init=False)
    keys: tuple[int, int, int, int] = field(init=False)
    feistel_params: feistel.FeistelParams = field(init=False)

    def __post_init__(self) -> None:
        if not 2 <= self.nodes <= 0xFFFFFFFF:
            raise InvalidInput(f"SDR graph needs 2..2^32-1 nodes, got {self.nodes}")
        if len(self.porep_id) != 32:
            raise InvalidInput(f"porep_id must be 32 bytes, got {len(self.porep_id)}")
        object.__setattr__(self, "seed", drg_seed(self.porep_id))
        object.__setattr__(self, "keys", feistel_keys(self.porep_id))
        params = feistel.FeistelParams.create(self.nodes * EXP_DEGREE, self.keys)
        object.__setattr__(self, "feistel_params", params)

    @classmethod
    def for_proof(cls, proof: RegisteredSealProof) -> StackedGraph:
        """The graph a registered seal proof type uses."""
        return cls(proof.shape.nodes, proof.porep_id, proof.api_version)

    @property
    def identifier(self) -> str:
        """``ParameterSetMetadata::identifier`` of the StackedGraph (hashed into the parent cache name)."""
        base = f"drgraph::BucketGraph{{size: {self.nodes}; degree: {BASE_DEGREE}; hasher: {HASHER_NAME}}}"
        return f"stacked_graph::StackedGraph{{expansion_degree: {EXP_DEGREE} base_graph: {base} }}"

    def base_parents(self, node: int) -> list[int]:
        """The 6 base parents of ``node`` (BucketGraph::parents)."""
        if node < 2:
            # Node 0 refers to itself, node 1 only to node 0.
            return [0] * BASE_DEGREE
        rng = ChaCha8Rng(self.seed + node.to_bytes(4, "little"))
        m_prime = BASE_DEGREE - 1
        meta = node * m_prime
        # ceil(log2(meta)) as rust computes it through f64; exact for meta < 2^53 (checked in new()).
        n_buckets = math.ceil(math.log2(meta))
        sampled = []
        for _ in range(m_prime):
            bucket = rng.next_u64() % n_buckets + 1
            largest = min(meta, 1 << bucket)
            smallest = max(2, largest >> 1)
            distance = smallest + rng.next_u64() % (largest - smallest + 1)
            parent = (meta - distance) // m_prime
            sampled.append(node - 1 if parent == node else parent)
        # The immediate predecessor is always a parent: last in V1_0_0, first from V1_1_0 on.
        if self.api_version is ApiVersion.V1_0_0:
            return [*sampled, node - 1]
        return [node - 1, *sampled]

    def expander_parents(self, node: int) -> list[int]:
        """The 8 expander parents of ``node``: permute(8·node + i) / 8 (StackedGraph::correspondent)."""
        out = []
        for i in range(EXP_DEGREE):
            transformed = feistel.permute(node * EXP_DEGREE + i, self.feistel_params)
            if self.api_version is ApiVersion.V1_0_0:
                # V1_0_0 truncates to u32 before dividing (the 64 GiB "pathology" of graph.rs).
                transformed &= 0xFFFFFFFF
            out.append(transformed // EXP_DEGREE)
        return out

    def parents(self, node: int) -> list[int]:
        """All 14 parents: 6 base then 8 expander, the order of a parent cache entry."""
        return self.base_parents(node) + self.expander_parents(node)
