"""SDR labels: known answers from rust-fil-proofs, and the native layers equal the pure reference."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from filnet.errors import InvalidInput
from filnet.proofs.graph import StackedGraph
from filnet.proofs.labels import (
    compute_layer_native,
    compute_layer_reference,
    create_label,
    label_prefix,
    native_available,
    parent_labels_of,
)
from filnet.proofs.parent_cache import ParentCache
from filnet.proofs.registry import ApiVersion, RegisteredSealProof

needs_native = pytest.mark.skipif(not native_available(), reason="native extension not built")


def _last_label(nodes: int, porep_id: bytes, version: ApiVersion, layers: int) -> bytes:
    graph = StackedGraph(nodes, porep_id, version)
    previous: bytearray | None = None
    for layer in range(1, layers + 1):
        previous = compute_layer_reference(graph, nodes, bytes([9]) * 32, layer, previous)
    assert previous is not None
    return bytes(previous[-32:])


def _fr_le(*limbs: int) -> bytes:
    return b"".join(limb.to_bytes(8, "little") for limb in limbs)


# storage-proofs-porep tests/stacked_vanilla.rs, test_stacked_porep_generate_labels: 11 layers over a
# 64-node graph (their `nodes_2k` is passed as a sector size), replica id [9; 32]; the last label of the last
# layer, as Fr::from_u64s_le limbs.
@pytest.mark.parametrize(
    ("porep_id", "version", "expected"),
    [
        (
            bytes(32),
            ApiVersion.V1_0_0,
            _fr_le(0xD3FAA96B9A0FBA04, 0xEA81A283D106485E, 0xE3D51B9AFA5AC2B3, 0x0462F4F4F1A68D37),
        ),
        (
            bytes([123]) * 32,
            ApiVersion.V1_1_0,
            _fr_le(0xABB3F38BB70DEFCF, 0x777A2E4D7769119F, 0x3448959D495490BC, 0x06021188C7A71CB5),
        ),
    ],
)
def test_labels_match_rust_fil_proofs(porep_id: bytes, version: ApiVersion, expected: bytes) -> None:
    assert _last_label(64, porep_id, version, 11) == expected


def test_labels_match_rust_fil_proofs_128_nodes() -> None:
    expected = _fr_le(0x22AB81CF68C4676D, 0x7A77A82FC7C9C189, 0xC6C03D32C1E42D23, 0x0F777C18CC2C55BD)
    assert _last_label(128, bytes([123]) * 32, ApiVersion.V1_1_0, 11) == expected


def test_node_zero_hashes_the_prefix_only() -> None:
    rid = bytes(range(32))
    digest = bytearray(hashlib.sha256(label_prefix(rid, 3, 0)).digest())
    digest[31] &= 0x3F
    assert create_label(rid, 3, 0, []) == bytes(digest)
    assert len(label_prefix(rid, 1, 7)) == 64


def test_invalid_parent_count() -> None:
    with pytest.raises(InvalidInput):
        create_label(bytes(32), 2, 5, [bytes(32)] * 6)
    with pytest.raises(InvalidInput):
        create_label(bytes(31), 1, 0, [])


@needs_native
@pytest.mark.parametrize(
    "proof", [RegisteredSealProof.STACKED_DRG_2KIB_V1, RegisteredSealProof.STACKED_DRG_2KIB_V1_1]
)
def test_native_layers_equal_reference(proof: RegisteredSealProof, tmp_path: Path) -> None:
    graph = StackedGraph.for_proof(proof)
    rid = bytes(range(31)) + b"\x1f"
    with ParentCache.open_or_generate(graph, tmp_path) as cache:
        previous_ref: bytearray | None = None
        previous_nat: bytearray | None = None
        for layer in (1, 2, 3):
            ref = compute_layer_reference(cache, graph.nodes, rid, layer, previous_ref)
            nat = bytearray(graph.nodes * 32)
            compute_layer_native(nat, cache.buffer, rid, layer, previous_nat)
            assert nat == ref
            previous_ref, previous_nat = ref, nat


@pytest.mark.slow
@needs_native
def test_native_8mib_layer_spot_checks(tmp_path: Path) -> None:
    graph = StackedGraph.for_proof(RegisteredSealProof.STACKED_DRG_8MIB_V1_1)
    rid = bytes([7]) * 31 + b"\x00"
    with ParentCache.open_or_generate(graph, tmp_path) as cache:
        layer1 = bytearray(graph.nodes * 32)
        compute_layer_native(layer1, cache.buffer, rid, 1, None)
        layer2 = bytearray(graph.nodes * 32)
        compute_layer_native(layer2, cache.buffer, rid, 2, layer1)
        for node in (0, 1, 2, 12345, graph.nodes - 1):
            for layer, current, previous in ((1, layer1, None), (2, layer2, layer1)):
                parents = cache.parents(node)
                parent_labels = parent_labels_of(node, layer, parents, current, previous)
                assert bytes(current[node * 32 : node * 32 + 32]) == create_label(
                    rid, layer, node, parent_labels
                )


@needs_native
def test_native_rejects_corrupt_cache_and_bad_sizes(tmp_path: Path) -> None:
    graph = StackedGraph.for_proof(RegisteredSealProof.STACKED_DRG_2KIB_V1_1)
    with ParentCache.open_or_generate(graph, tmp_path) as cache:
        corrupt = bytearray(cache.buffer)
    corrupt[10 * 56 : 10 * 56 + 4] = (50).to_bytes(4, "little")  # base parent after the node itself
    with pytest.raises(InvalidInput, match="parent"):
        compute_layer_native(bytearray(64 * 32), bytes(corrupt), bytes(32), 1, None)
    with pytest.raises(InvalidInput):
        compute_layer_native(bytearray(64 * 32), bytes(corrupt), bytes(32), 2, None)
