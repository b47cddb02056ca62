"""Poseidon: neptune's vectors, generated constants, the sparse form, and native == reference."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.errors import DecodeError, InvalidInput
from filnet.proofs import poseidon
from filnet.proofs.fr import R, fr_to_bytes
from filnet.proofs.poseidon_constants import (
    ARITIES,
    PARTIAL_ROUNDS,
    SparseParams,
    cauchy_mds,
    grain_round_constants,
    grain_round_constants_reference,
    mat_inv,
    mat_mul,
    poseidon_params,
)
from tests.conftest import load_json_vector

VECTORS = load_json_vector("proofs/poseidon.json")

# Values near the edges of the field, where reduction bugs hide.
EDGE = [0, 1, 2, R - 1, R - 2, (1 << 254) - 1, 1 << 254, R >> 1, (1 << 64) - 1, 1 << 192]
elements = st.one_of(st.integers(min_value=0, max_value=R - 1), st.sampled_from(EDGE))


@pytest.fixture
def pure_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Force the pure-Python path of the byte-level API."""
    monkeypatch.setattr(poseidon, "_native_for", lambda arity: None)
    yield


def native_required() -> None:
    if not poseidon.native_available():
        pytest.fail("filnet.proofs._poseidon_native is not built: run `python setup.py build_ext --inplace`")


def pack(values: list[int]) -> bytes:
    return b"".join(fr_to_bytes(v) for v in values)


# ---------------------------------------------------------------------------------------------- vectors


def test_vectors_file_agrees_with_our_parameters() -> None:
    assert int(VECTORS["field_modulus"], 16) == R
    assert {int(k): v for k, v in VECTORS["partial_rounds"].items()} == PARTIAL_ROUNDS


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: f"arity{v['arity']}")
def test_neptune_vector_reference(vector: dict[str, object]) -> None:
    inputs = vector["inputs"]
    assert isinstance(inputs, list)
    assert poseidon.poseidon_hash(inputs) == int(str(vector["output"]), 16)


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: f"arity{v['arity']}")
def test_neptune_vector_native(vector: dict[str, object]) -> None:
    native_required()
    inputs = vector["inputs"]
    assert isinstance(inputs, list)
    expected = fr_to_bytes(int(str(vector["output"]), 16))
    assert poseidon.hash_bytes([fr_to_bytes(x) for x in inputs]) == expected
    assert poseidon.hash_many(len(inputs), pack(inputs) * 3) == expected * 3


# ---------------------------------------------------------------------------------------------- constants


@pytest.mark.parametrize("arity", ARITIES)
def test_round_constants_are_field_elements_of_the_right_count(arity: int) -> None:
    p = poseidon_params(arity)
    assert p.width == arity + 1 and p.full_rounds == 8 and p.partial_rounds == PARTIAL_ROUNDS[arity]
    assert len(p.round_constants) == (8 + p.partial_rounds) * p.width
    assert all(0 <= c < R for c in p.round_constants)
    assert len(set(p.round_constants)) == len(p.round_constants)
    assert p.merkle_tag == (1 << arity) - 1


def test_grain_stream_depends_on_every_parameter() -> None:
    base = grain_round_constants(3, 8, 55)
    assert grain_round_constants(3, 8, 56)[:3] != base[:3]
    assert grain_round_constants(5, 8, 55)[:3] != base[:3]


@pytest.mark.parametrize("arity", ARITIES)
def test_mds_is_the_cauchy_matrix_and_invertible(arity: int) -> None:
    t = arity + 1
    m = cauchy_mds(t)
    assert all(m[i][j] * (i + j + t) % R == 1 for i in range(t) for j in range(t))
    identity = tuple(tuple(int(i == j) for j in range(t)) for i in range(t))
    assert mat_mul(m, mat_inv(m)) == identity


def test_unsupported_arity() -> None:
    with pytest.raises(InvalidInput):
        poseidon_params(3)
    with pytest.raises(InvalidInput):
        poseidon.poseidon_hash([1, 2, 3])
    with pytest.raises(InvalidInput):
        poseidon.hash_many(5, bytes(160))


# ---------------------------------------------------------------------------------------------- equivalences


@pytest.mark.parametrize("arity", ARITIES)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_sparse_form_equals_plain_permutation(arity: int, data: st.DataObject) -> None:
    state = data.draw(st.lists(elements, min_size=arity + 1, max_size=arity + 1))
    assert poseidon.permute_sparse(state) == poseidon.permute(state)


@pytest.mark.parametrize("arity", ARITIES)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_native_equals_reference(arity: int, data: st.DataObject) -> None:
    native_required()
    groups = data.draw(st.lists(st.lists(elements, min_size=arity, max_size=arity), min_size=1, max_size=3))
    expected = b"".join(fr_to_bytes(poseidon.poseidon_hash(g)) for g in groups)
    assert poseidon.hash_many(arity, pack([x for g in groups for x in g])) == expected


@pytest.mark.parametrize("arity", ARITIES)
def test_pure_byte_path_equals_reference(arity: int, pure_only: None) -> None:
    values = [EDGE[i % len(EDGE)] for i in range(2 * arity)]
    expected = pack([poseidon.poseidon_hash(values[:arity]), poseidon.poseidon_hash(values[arity:])])
    assert poseidon.hash_many(arity, pack(values)) == expected


@pytest.mark.parametrize("arity", [2, 8])
def test_native_tree_levels_equal_level_by_level_hashing(arity: int) -> None:
    native_required()
    leaves = pack([(i * 0x9E3779B97F4A7C15 + 1) % R for i in range(arity**3)])
    levels = poseidon.native_tree_levels(arity, leaves)
    level, expected = leaves, b""
    while len(level) > 32:
        level = poseidon.hash_many(arity, level)
        expected += level
    assert levels == expected


@pytest.mark.parametrize("height", [2, 11])
def test_hash_columns_hashes_each_column(height: int) -> None:
    nodes = 3
    layers = [pack([(7 * layer + 1000 * i) % R for i in range(nodes)]) for layer in range(height)]
    expected = b"".join(
        fr_to_bytes(poseidon.poseidon_hash([(7 * layer + 1000 * i) % R for layer in range(height)]))
        for i in range(nodes)
    )
    assert poseidon.hash_columns(layers) == expected


def test_hash_columns_pure_path(pure_only: None) -> None:
    layers = [pack([1, 2]), pack([3, R - 1])]
    expected = pack([poseidon.poseidon_hash([1, 3]), poseidon.poseidon_hash([2, R - 1])])
    assert poseidon.hash_columns(layers) == expected


# ---------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("use_native", [True, False])
def test_invalid_noncanonical_input_names_its_offset(
    use_native: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if use_native:
        native_required()
    else:
        monkeypatch.setattr(poseidon, "_native_for", lambda arity: None)
    data = pack([1, 2, 3]) + R.to_bytes(32, "little") + pack([5, 6, 7, 8])
    with pytest.raises(DecodeError) as info:
        poseidon.hash_many(8, data)
    assert info.value.offset == 96
    with pytest.raises(DecodeError) as info:
        poseidon.hash_columns([pack([1, 2]), pack([3]) + (R + 5).to_bytes(32, "little")])
    assert info.value.offset == 32


def test_invalid_lengths() -> None:
    with pytest.raises(InvalidInput):
        poseidon.hash_many(2, bytes(65))
    with pytest.raises(InvalidInput):
        poseidon.hash_bytes([bytes(32), bytes(31)])
    with pytest.raises(InvalidInput):
        poseidon.hash_columns([bytes(32), bytes(64)])
    with pytest.raises(InvalidInput):
        poseidon.poseidon_hash([R, 0])


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(ARITIES))
def test_fuzz_random_bytes_never_crash(data: bytes, arity: int) -> None:
    try:
        out = poseidon.hash_many(arity, data)
    except (DecodeError, InvalidInput):
        return
    assert len(out) * arity == len(data)


# ---------------------------------------------------------------------------------------------- native paths


@pytest.fixture
def portable_multiplication() -> Iterator[None]:
    poseidon.force_portable(True)
    yield
    poseidon.force_portable(False)


@pytest.mark.parametrize("arity", ARITIES)
def test_portable_and_adx_multiplication_agree(arity: int) -> None:
    native_required()
    data = pack([(EDGE[i % len(EDGE)] + (i << 200)) % R for i in range(64 * arity)])
    automatic = poseidon.hash_many(arity, data)
    poseidon.force_portable(True)
    try:
        assert poseidon.backend() == "native-portable"
        portable = poseidon.hash_many(arity, data)
    finally:
        poseidon.force_portable(False)
    assert portable == automatic
    assert automatic[:32] == fr_to_bytes(
        poseidon.poseidon_hash([int.from_bytes(data[32 * i : 32 * i + 32], "little") for i in range(arity)])
    )


def test_vector_with_portable_multiplication(portable_multiplication: None) -> None:
    native_required()
    vector = VECTORS["vectors"][0]
    assert poseidon.hash_many(2, pack(vector["inputs"])) == fr_to_bytes(int(vector["output"], 16))


def test_threads_split_batches_identically_and_report_the_first_bad_element() -> None:
    native_required()
    groups = 4 * 256 + 3  # enough for four worker slices
    data = bytearray(pack([(i * 0x9E3779B97F4A7C15) % R for i in range(2 * groups)]))
    single = poseidon.hash_many(2, bytes(data), threads=1)
    assert poseidon.hash_many(2, bytes(data), threads=4) == single
    layers = [bytes(data[: 32 * groups]), bytes(data[32 * groups :])]
    assert poseidon.hash_columns(layers, threads=4) == poseidon.hash_columns(layers, threads=1)
    for offset in (32 * (2 * groups - 1), 32 * 700, 32 * 5):  # last, middle and first slices
        data[offset : offset + 32] = R.to_bytes(32, "little")
    with pytest.raises(DecodeError) as info:
        poseidon.hash_many(2, bytes(data), threads=4)
    assert info.value.offset == 32 * 5


def test_invalid_tree_level_shapes() -> None:
    for count in (0, 1, 3, 12):
        with pytest.raises(InvalidInput):
            poseidon.native_tree_levels(2 if count == 3 else 8, pack(list(range(count))))


def test_pure_hash_columns_names_the_bad_layer(pure_only: None) -> None:
    with pytest.raises(DecodeError, match="layer 1") as info:
        poseidon.hash_columns([pack([1, 2]), pack([3]) + R.to_bytes(32, "little")])
    assert info.value.offset == 32


@pytest.mark.parametrize("arity", ARITIES)
def test_fast_grain_constants_equal_the_bitwise_reference(arity: int) -> None:
    width, partial = arity + 1, PARTIAL_ROUNDS[arity]
    assert grain_round_constants(width, 8, partial) == grain_round_constants_reference(width, 8, partial)


def test_constants_are_loaded_once_when_threads_race(monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads that first use an arity together load its constants once (a reload frees tables in use)."""
    native_required()
    native = poseidon._native_module()
    assert native is not None
    loads: list[int] = []
    real_load, real_sparse = native.load_constants, poseidon.sparse_params

    def counting_load(arity: int, *args: object) -> None:
        loads.append(arity)
        real_load(arity, *args)  # type: ignore[arg-type]

    def slow_sparse(arity: int) -> SparseParams:
        time.sleep(0.05)  # widen the window between "not loaded yet" and the load itself
        return real_sparse(arity)

    monkeypatch.setattr(native, "load_constants", counting_load)
    monkeypatch.setattr(poseidon, "sparse_params", slow_sparse)
    monkeypatch.setattr(poseidon, "_LOADED", set())
    data = pack([1, 2, 3, 4, 5, 6, 7, 8])
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: poseidon.hash_many(8, data), range(4)))
    assert loads == [8]
    assert results == [fr_to_bytes(poseidon.poseidon_hash([1, 2, 3, 4, 5, 6, 7, 8]))] * 4
