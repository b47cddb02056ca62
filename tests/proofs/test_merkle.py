"""Merkle trees of sealing: roots, inclusion proofs, tree files, compound sector shapes, faults."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.errors import DecodeError, IntegrityError, InvalidInput, StorageError
from filnet.piece import commp_ref
from filnet.proofs import merkle, poseidon
from filnet.proofs.fr import R, fr_to_bytes
from filnet.proofs.merkle import (
    SHAPE_BASE,
    SHAPE_SUB2,
    SHAPE_SUB8,
    SHAPE_TOP2,
    MerkleProof,
    MerkleTree,
    PathLevel,
    ShapedTree,
    TreeBuilder,
    TreeHasher,
    TreeShape,
)

POSEIDON, SHA254 = TreeHasher.POSEIDON, TreeHasher.SHA254


def field_leaves(count: int, salt: int = 0) -> bytes:
    """Deterministic canonical leaves."""
    return b"".join(fr_to_bytes((i * 0x9E3779B97F4A7C15 + salt) % R) for i in range(count))


def node(data: bytes, i: int) -> bytes:
    return data[32 * i : 32 * i + 32]


def reference_root(hasher: TreeHasher, arity: int, leaves: bytes) -> bytes:
    """Root by the definitions (one hash per parent), independent of the batch paths."""
    level = [node(leaves, i) for i in range(len(leaves) // 32)]
    while len(level) > 1:
        groups = [level[i : i + arity] for i in range(0, len(level), arity)]
        if hasher is SHA254:
            level = [commp_ref.sha254(b"".join(g)) for g in groups]
        else:
            level = [
                fr_to_bytes(poseidon.poseidon_hash([int.from_bytes(x, "little") for x in g])) for g in groups
            ]
    return level[0]


# ------------------------------------------------------------------------------------------ roots and proofs


def test_sha254_tree_root_is_commp_tree_root(tmp_path: Path) -> None:
    leaves = field_leaves(256, salt=3)
    with merkle.build_tree(tmp_path / "d", SHA254, 2, leaves) as tree:
        assert tree.root == commp_ref.tree_root(leaves) == reference_root(SHA254, 2, leaves)
        assert tree.height == 8


def test_zero_sha254_tree_root_is_the_zero_commitment() -> None:
    assert merkle.tree_root(SHA254, 2, bytes(32 * 64)) == commp_ref.zero_commitment(6)


@pytest.mark.parametrize("arity", [2, 8])
def test_poseidon_tree_root_matches_definition(arity: int, tmp_path: Path) -> None:
    leaves = field_leaves(arity**2, salt=arity)
    with merkle.build_tree(tmp_path / "r", POSEIDON, arity, leaves) as tree:
        assert tree.root == reference_root(POSEIDON, arity, leaves)
        assert merkle.tree_root(POSEIDON, arity, leaves) == tree.root


@pytest.mark.parametrize(
    ("hasher", "arity", "count"), [(SHA254, 2, 32), (POSEIDON, 8, 64), (POSEIDON, 2, 16)]
)
def test_every_leaf_proves(hasher: TreeHasher, arity: int, count: int, tmp_path: Path) -> None:
    leaves = field_leaves(count, salt=7)
    with merkle.build_tree(tmp_path / "t", hasher, arity, leaves) as tree:
        for index in range(count):
            proof = tree.prove(index)
            assert proof.leaf == node(leaves, index) == tree.leaf(index)
            assert proof.index == index
            assert len(proof.path) == tree.height
            assert proof.verify() and proof.verify(tree.root, index)


def test_single_leaf_tree(tmp_path: Path) -> None:
    leaf = field_leaves(1, salt=9)
    with merkle.build_tree(tmp_path / "one", POSEIDON, 8, leaf) as tree:
        assert tree.root == leaf
        proof = tree.prove(0)
        assert proof.path == () and proof.verify()


def test_invalid_proofs_fail_verification(tmp_path: Path) -> None:
    leaves = field_leaves(64, salt=1)
    with merkle.build_tree(tmp_path / "t", POSEIDON, 8, leaves) as tree:
        proof = tree.prove(19)
    assert proof.verify()
    assert not proof.verify(index=20)
    assert not proof.verify(root=bytes(32))
    assert not MerkleProof(POSEIDON, node(leaves, 18), proof.root, proof.path).verify()
    level0 = proof.path[0]
    changed = PathLevel((bytes(32), *level0.siblings[1:]), level0.position)
    assert not MerkleProof(POSEIDON, proof.leaf, proof.root, (changed, *proof.path[1:])).verify()
    moved = PathLevel(level0.siblings, (level0.position + 1) % 8)
    assert not MerkleProof(POSEIDON, proof.leaf, proof.root, (moved, *proof.path[1:])).verify()
    outside = PathLevel(level0.siblings, 8)
    assert not MerkleProof(POSEIDON, proof.leaf, proof.root, (outside, *proof.path[1:])).verify()
    short = PathLevel(level0.siblings[:-1], level0.position)
    assert not MerkleProof(POSEIDON, proof.leaf, proof.root, (short, *proof.path[1:])).verify()
    noncanonical = R.to_bytes(32, "little")
    assert not MerkleProof(POSEIDON, noncanonical, proof.root, proof.path).verify()
    assert not MerkleProof(SHA254, proof.leaf, proof.root, proof.path).verify()


# ---------------------------------------------------------------------------------------------- building


@pytest.mark.parametrize(("hasher", "arity"), [(SHA254, 2), (POSEIDON, 8)])
def test_chunked_streaming_build_equals_one_shot(
    hasher: TreeHasher, arity: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaves = field_leaves(512, salt=5)
    with merkle.build_tree(tmp_path / "whole", hasher, arity, leaves) as whole:
        expected_root = whole.root
    monkeypatch.setattr(merkle, "CHUNK_LEAVES", arity * arity)  # several chunks and upper levels
    builder = TreeBuilder(tmp_path / "streamed", hasher, arity, 512)
    for start in range(0, len(leaves), 32 * 37):  # uneven pieces that straddle chunks
        builder.append(leaves[start : start + 32 * 37])
    with builder.finish() as streamed:
        assert streamed.root == expected_root
    assert (tmp_path / "streamed").read_bytes() == (tmp_path / "whole").read_bytes()


def test_unfinished_build_leaves_no_file(tmp_path: Path) -> None:
    builder = TreeBuilder(tmp_path / "t", POSEIDON, 8, 64)
    builder.append(field_leaves(8))
    with pytest.raises(InvalidInput):
        builder.finish()
    assert list(tmp_path.iterdir()) == []


def test_invalid_builder_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        TreeBuilder(tmp_path / "t", POSEIDON, 8, 63)
    with pytest.raises(InvalidInput):
        TreeBuilder(tmp_path / "t", SHA254, 8, 64)
    builder = TreeBuilder(tmp_path / "t", POSEIDON, 8, 8)
    with pytest.raises(InvalidInput):
        builder.append(bytes(33))
    with pytest.raises(InvalidInput):
        builder.append(field_leaves(9))
    builder.abort()
    assert list(tmp_path.iterdir()) == []


def test_invalid_noncanonical_poseidon_leaf_names_its_offset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(merkle, "CHUNK_LEAVES", 8)
    leaves = bytearray(field_leaves(64))
    leaves[32 * 21 : 32 * 22] = R.to_bytes(32, "little")
    with pytest.raises(DecodeError) as info:
        merkle.build_tree(tmp_path / "t", POSEIDON, 8, bytes(leaves))
    assert info.value.offset == 32 * 21
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------ tree file faults


@pytest.fixture
def tree_file(tmp_path: Path) -> Path:
    path = tmp_path / "tree.dat"
    merkle.build_tree(path, POSEIDON, 8, field_leaves(64, salt=11)).close()
    return path


def test_invalid_truncated_tree_file(tree_file: Path) -> None:
    size = tree_file.stat().st_size
    for cut in (size - 1, size - 32, 40, 0):
        os.truncate(tree_file, cut)
        with pytest.raises(DecodeError, match=r"tree file|header"):
            MerkleTree(tree_file)


def test_invalid_corrupted_header(tree_file: Path) -> None:
    data = bytearray(tree_file.read_bytes())
    data[20] ^= 1  # inside the leaf count
    tree_file.write_bytes(bytes(data))
    with pytest.raises(DecodeError, match="checksum"):
        MerkleTree(tree_file)
    tree_file.write_bytes(b"NOTATREE" + bytes(data[8:]))
    with pytest.raises(DecodeError, match="magic"):
        MerkleTree(tree_file)


def test_invalid_corrupted_node_is_found_on_the_paths_through_it(tree_file: Path) -> None:
    data = bytearray(tree_file.read_bytes())
    data[merkle.HEADER_BYTES + 32 * 13] ^= 0x01  # leaf 13
    tree_file.write_bytes(bytes(data))
    with MerkleTree(tree_file) as tree:
        assert tree.prove(40).verify()  # a path that avoids leaf 13's group still proves
        with pytest.raises(IntegrityError, match="level 0"):
            tree.prove(13)
        with pytest.raises(IntegrityError):
            tree.prove(8)  # leaf 13 is a sibling on this path


def test_missing_tree_file(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        MerkleTree(tmp_path / "absent.dat")


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_random_files_are_rejected_cleanly(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.dat"
        path.write_bytes(data)
        with pytest.raises((DecodeError, IntegrityError, InvalidInput)):
            MerkleTree(path)


# ---------------------------------------------------------------------------------------------- shapes


def test_sector_shapes_follow_filecoin_proofs() -> None:
    assert merkle.sector_tree_shape(2048) == SHAPE_BASE
    assert merkle.sector_tree_shape(8 << 20) == SHAPE_BASE
    assert merkle.sector_tree_shape(512 << 20) == SHAPE_BASE
    assert merkle.sector_tree_shape(32 << 30) == SHAPE_SUB8
    assert merkle.sector_tree_shape(64 << 30) == SHAPE_TOP2
    for size in (2048, 4096, 16384, 32768, 8 << 20, 16 << 20, 512 << 20, 1 << 30, 32 << 30, 64 << 30):
        shape = merkle.sector_tree_shape(size)
        assert shape.base_tree_count * shape.base_leaf_count(size // 32) == size // 32
    assert SHAPE_SUB8.base_tree_count == 8 and SHAPE_TOP2.base_tree_count == 16
    with pytest.raises(InvalidInput):
        merkle.sector_tree_shape(1 << 20)


@pytest.mark.parametrize(("shape", "size"), [(SHAPE_SUB2, 4096), (SHAPE_SUB8, 16384), (SHAPE_TOP2, 32768)])
def test_compound_tree_root_and_proofs(shape: TreeShape, size: int, tmp_path: Path) -> None:
    assert merkle.sector_tree_shape(size) == shape
    count = size // 32
    leaves = field_leaves(count, salt=13)
    paths = merkle.shaped_tree_paths(tmp_path / "tree-r-last", shape)
    assert len(paths) == shape.base_tree_count
    chunks = (leaves[i : i + 32 * 100] for i in range(0, len(leaves), 32 * 100))
    with merkle.build_shaped_tree(paths, POSEIDON, shape, count, chunks) as tree:
        per_tree = count // shape.base_tree_count
        base_roots = [
            reference_root(POSEIDON, 8, leaves[32 * per_tree * b : 32 * per_tree * (b + 1)])
            for b in range(shape.base_tree_count)
        ]
        level = base_roots
        for arity in shape.upper_arities:
            level = [
                reference_root(POSEIDON, arity, b"".join(level[i : i + arity]))
                for i in range(0, len(level), arity)
            ]
        assert tree.root == level[0]
        for index in (0, 1, per_tree - 1, per_tree, count // 2 + 5, count - 1):
            proof = tree.prove(index)
            assert proof.index == index and proof.leaf == node(leaves, index) == tree.leaf(index)
            assert [lvl.arity for lvl in proof.path][-len(shape.upper_arities) :] == list(shape.upper_arities)
            assert proof.verify(tree.root, index)
    with ShapedTree.open(paths, shape) as reopened:
        assert reopened.root == level[0]
    with pytest.raises(InvalidInput):
        ShapedTree.open(paths[:-1], shape)


def test_shaped_tree_with_one_base_tree_is_the_base_tree(tmp_path: Path) -> None:
    leaves = field_leaves(64, salt=2)
    paths = merkle.shaped_tree_paths(tmp_path / "tree-c", SHAPE_BASE)
    assert [p.name for p in paths] == ["tree-c.dat"]
    with merkle.build_shaped_tree(paths, POSEIDON, SHAPE_BASE, 64, [leaves]) as tree:
        assert tree.root == merkle.tree_root(POSEIDON, 8, leaves)


def test_invalid_shaped_build_with_too_few_leaves(tmp_path: Path) -> None:
    paths = merkle.shaped_tree_paths(tmp_path / "t", SHAPE_SUB2)
    with pytest.raises(InvalidInput):
        merkle.build_shaped_tree(paths, POSEIDON, SHAPE_SUB2, 128, [field_leaves(100)])
    assert not paths[1].exists()


def test_combine_roots_checks_count() -> None:
    with pytest.raises(InvalidInput):
        merkle.combine_roots(POSEIDON, SHAPE_SUB8, [bytes(32)] * 7)


# ---------------------------------------------------------------------------------------------- properties


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from([(SHA254, 2), (POSEIDON, 2), (POSEIDON, 8)]),
    st.integers(min_value=0, max_value=2),
    st.data(),
)
def test_tree_file_round_trip(params: tuple[TreeHasher, int], height: int, data: st.DataObject) -> None:
    import tempfile

    hasher, arity = params
    count = arity**height
    values = data.draw(st.lists(st.integers(min_value=0, max_value=R - 1), min_size=count, max_size=count))
    leaves = b"".join(fr_to_bytes(v) for v in values)
    with tempfile.TemporaryDirectory() as d:
        merkle.build_tree(Path(d) / "t", hasher, arity, leaves).close()
        with MerkleTree(Path(d) / "t") as tree:
            assert (tree.hasher, tree.arity, tree.leaf_count, tree.height) == (hasher, arity, count, height)
            assert tree.root == reference_root(hasher, arity, leaves)
            assert tree.nodes(0, 0, count) == leaves
            index = data.draw(st.integers(min_value=0, max_value=count - 1))
            assert tree.prove(index).verify(tree.root, index)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_fuzz_any_flipped_byte_is_detected(data: st.DataObject) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "t"
        merkle.build_tree(path, POSEIDON, 8, field_leaves(64, salt=17)).close()
        raw = bytearray(path.read_bytes())
        position = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
        raw[position] ^= data.draw(st.integers(min_value=1, max_value=255))
        path.write_bytes(bytes(raw))
        try:
            tree = MerkleTree(path)
        except (DecodeError, IntegrityError, InvalidInput):
            return
        with tree, pytest.raises(IntegrityError):
            for index in range(64):
                tree.prove(index)


@pytest.mark.parametrize(("shape", "size"), [(SHAPE_BASE, 2048), (SHAPE_SUB2, 4096), (SHAPE_TOP2, 32768)])
def test_tree_with_external_leaves_reads_them_from_the_leaf_file(
    shape: TreeShape, size: int, tmp_path: Path
) -> None:
    """tree_r_last's layout: no copy of the leaves, which come from the replica; the same proofs."""
    count = size // 32
    leaves = field_leaves(count, salt=21)
    replica = tmp_path / "sealed.dat"
    replica.write_bytes(leaves)
    kept = merkle.shaped_tree_paths(tmp_path / "kept", shape)
    lean = merkle.shaped_tree_paths(tmp_path / "lean", shape)
    merkle.build_shaped_tree(kept, POSEIDON, shape, count, [leaves]).close()
    builder = merkle.ShapedTreeBuilder(lean, POSEIDON, shape, count, store_leaves=False)
    builder.append(leaves)
    builder.finish().close()
    per_tree = count // shape.base_tree_count
    for full, short in zip(kept, lean, strict=True):
        assert full.stat().st_size - short.stat().st_size == per_tree * 32
    with ShapedTree.open(kept, shape) as reference, ShapedTree.open(lean, shape, replica) as tree:
        assert tree.root == reference.root
        for index in (0, 7, per_tree - 1, per_tree % count, count - 1):
            assert tree.leaf(index) == node(leaves, index)
            assert tree.prove(index) == reference.prove(index)
    with ShapedTree.open(lean, shape) as rootonly:
        assert rootonly.root == tree.root
        with pytest.raises(InvalidInput, match="keeps no leaves"):
            rootonly.prove(0)


def test_invalid_external_leaves_changed_or_short(tmp_path: Path) -> None:
    leaves = field_leaves(64, salt=22)
    replica = tmp_path / "sealed.dat"
    replica.write_bytes(leaves)
    builder = TreeBuilder(tmp_path / "lean.dat", POSEIDON, 8, 64, store_leaves=False)
    builder.append(leaves)
    builder.finish().close()
    changed = bytearray(leaves)
    changed[20 * 32] ^= 1
    replica.write_bytes(bytes(changed))
    with MerkleTree(tmp_path / "lean.dat", replica) as tree:
        assert tree.prove(3).verify(tree.root, 3)
        with pytest.raises(IntegrityError, match=r"sealed.dat is corrupted: nodes 16\.\.23"):
            tree.prove(20)
    replica.write_bytes(leaves[:-32])
    with pytest.raises(IntegrityError, match="too few"):
        MerkleTree(tmp_path / "lean.dat", replica)
