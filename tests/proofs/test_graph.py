"""The SDR graph pieces: ChaCha8, the Feistel permutation, base and expander parents."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.errors import InvalidInput
from filnet.proofs import feistel
from filnet.proofs.chacha import ChaCha8Rng, chacha_block
from filnet.proofs.graph import BASE_DEGREE, EXP_DEGREE, StackedGraph
from filnet.proofs.registry import ApiVersion, RegisteredSealProof


def test_chacha20_zero_key_block() -> None:
    # The well-known ChaCha20 keystream for an all-zero key and nonce (block 0).
    out = struct.pack("<16I", *chacha_block(bytes(32), 0, rounds=20))
    assert out[:32].hex() == "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"


def test_chacha8_zero_key_block() -> None:
    # draft-strombergson-chacha-test-vectors, TC1 with 8 rounds.
    out = struct.pack("<16I", *chacha_block(bytes(32), 0))
    assert out[:32].hex() == "3e00ef2f895f40d67f5bb8e81f09a5a12c840ec3ce9a7f3b181be188ef711a1e"


def test_chacha8_rng_reads_words_low_first_across_blocks() -> None:
    key = bytes(range(32))
    words = chacha_block(key, 0) + chacha_block(key, 1)
    rng = ChaCha8Rng(key)
    got = [rng.next_u64() for _ in range(16)]
    assert got == [words[2 * i] | words[2 * i + 1] << 32 for i in range(16)]


@settings(max_examples=30, deadline=None)
@given(n=st.integers(min_value=2, max_value=5000), keys=st.tuples(*[st.integers(0, 2**64 - 1)] * 3))
def test_feistel_permute_is_inverted(n: int, keys: tuple[int, int, int]) -> None:
    params = feistel.FeistelParams.create(n, keys)
    for index in (0, n // 2, n - 1):
        image = feistel.permute(index, params)
        assert 0 <= image < n
        assert feistel.invert_permute(image, params) == index


def test_feistel_is_a_permutation() -> None:
    params = feistel.FeistelParams.create(1000, (1, 2, 3))
    assert sorted(feistel.permute(i, params) for i in range(1000)) == list(range(1000))


@pytest.mark.parametrize(
    "proof", [RegisteredSealProof.STACKED_DRG_2KIB_V1, RegisteredSealProof.STACKED_DRG_2KIB_V1_1]
)
def test_parents_shape(proof: RegisteredSealProof) -> None:
    graph = StackedGraph.for_proof(proof)
    assert graph.parents(0) == [0] * BASE_DEGREE + graph.expander_parents(0)
    assert graph.base_parents(1) == [0] * BASE_DEGREE
    for node in range(2, graph.nodes):
        base = graph.base_parents(node)
        assert len(base) == BASE_DEGREE and all(0 <= p < node for p in base)
        # The immediate predecessor is the last parent in V1 and the first from V1_1 on.
        assert base[-1 if proof.api_version is ApiVersion.V1_0_0 else 0] == node - 1
        exp = graph.expander_parents(node)
        assert len(exp) == EXP_DEGREE and all(0 <= p < graph.nodes for p in exp)


def test_graph_identifier_names_size_and_hasher() -> None:
    graph = StackedGraph.for_proof(RegisteredSealProof.STACKED_DRG_2KIB_V1_1)
    assert graph.identifier == (
        "stacked_graph::StackedGraph{expansion_degree: 8 base_graph: "
        "drgraph::BucketGraph{size: 64; degree: 6; hasher: poseidon_hasher} }"
    )


def test_invalid_graph() -> None:
    with pytest.raises(InvalidInput):
        StackedGraph(64, bytes(31), ApiVersion.V1_1_0)
    with pytest.raises(InvalidInput):
        StackedGraph(1, bytes(32), ApiVersion.V1_1_0)
