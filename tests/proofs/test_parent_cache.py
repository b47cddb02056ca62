"""The parent cache file: names and SHA-256 digests equal rust-fil-proofs' manifest."""

from __future__ import annotations

import hashlib
import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from filnet.errors import IntegrityError
from filnet.proofs.graph import StackedGraph
from filnet.proofs.parent_cache import (
    ENTRY_SIZE,
    ParentCache,
    cache_entries_reference,
    fill_cache_entries,
    generate_parent_cache,
    native_available,
    parent_cache_id,
    parent_cache_name,
)
from filnet.proofs.registry import RegisteredSealProof
from tests.conftest import load_json_vector


def _manifest() -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = load_json_vector("proofs/parent_cache.json")
    return data


def test_cache_ids_of_every_published_proof_are_in_the_manifest() -> None:
    manifest = _manifest()
    ids = {parent_cache_id(StackedGraph.for_proof(p)): p for p in RegisteredSealProof}
    assert set(ids) == set(manifest)
    for cache_id, proof in ids.items():
        assert manifest[cache_id]["sector_size"] == proof.sector_size


def _check_digest(proof: RegisteredSealProof, tmp_path: Path) -> None:
    graph = StackedGraph.for_proof(proof)
    path = tmp_path / parent_cache_name(graph)
    digest = generate_parent_cache(graph, path)
    assert digest == _manifest()[parent_cache_id(graph)]["digest"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind


@pytest.mark.parametrize(
    "proof",
    [
        RegisteredSealProof.STACKED_DRG_2KIB_V1,
        RegisteredSealProof.STACKED_DRG_2KIB_V1_1,
        RegisteredSealProof.STACKED_DRG_8MIB_V1,
        RegisteredSealProof.STACKED_DRG_8MIB_V1_1,
    ],
)
def test_parent_cache_digest(proof: RegisteredSealProof, tmp_path: Path) -> None:
    _check_digest(proof, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize(
    "proof", [RegisteredSealProof.STACKED_DRG_512MIB_V1, RegisteredSealProof.STACKED_DRG_512MIB_V1_1]
)
def test_parent_cache_digest_512mib(proof: RegisteredSealProof, tmp_path: Path) -> None:
    _check_digest(proof, tmp_path)


@pytest.mark.skipif(not native_available(), reason="native extension not built")
@pytest.mark.parametrize(
    "proof", [RegisteredSealProof.STACKED_DRG_8MIB_V1, RegisteredSealProof.STACKED_DRG_8MIB_V1_1]
)
def test_native_entries_equal_reference(proof: RegisteredSealProof) -> None:
    graph = StackedGraph.for_proof(proof)
    for first in (0, 1000, graph.nodes - 40):
        buf = bytearray(40 * ENTRY_SIZE)
        fill_cache_entries(graph, buf, first)
        assert bytes(buf) == cache_entries_reference(graph, first, 40)


def test_open_or_generate_reuses_and_reads(tmp_path: Path) -> None:
    graph = StackedGraph.for_proof(RegisteredSealProof.STACKED_DRG_2KIB_V1_1)
    with ParentCache.open_or_generate(graph, tmp_path) as cache:
        assert cache.parents(5) == tuple(graph.parents(5))
        digest = cache.digest()
    mtime = (tmp_path / parent_cache_name(graph)).stat().st_mtime_ns
    with ParentCache.open_or_generate(graph, tmp_path) as cache:
        assert cache.digest() == digest
    assert (tmp_path / parent_cache_name(graph)).stat().st_mtime_ns == mtime


def test_invalid_truncated_cache_is_rejected(tmp_path: Path) -> None:
    graph = StackedGraph.for_proof(RegisteredSealProof.STACKED_DRG_2KIB_V1)
    path = tmp_path / parent_cache_name(graph)
    generate_parent_cache(graph, path)
    path.write_bytes(path.read_bytes()[:-4])
    with pytest.raises(IntegrityError):
        ParentCache(graph, path)


def _generate_in_step(cache_dir: str, barrier: Any, queue: Any) -> None:
    """One process of the race below: wait at the first progress report until the other one is there too."""
    graph = StackedGraph.for_proof(RegisteredSealProof.STACKED_DRG_2KIB_V1_1)
    waited = []

    def progress(done: int, total: int) -> None:
        if not waited:
            waited.append(barrier.wait(timeout=60))

    with ParentCache.open_or_generate(graph, cache_dir, progress) as cache:
        queue.put((bool(waited), cache.digest()))


def test_two_processes_generating_one_cache_both_end_with_a_complete_file(tmp_path: Path) -> None:
    """Both find no cache, generate it at the same time, and each renames a whole file into place."""
    graph = StackedGraph.for_proof(RegisteredSealProof.STACKED_DRG_2KIB_V1_1)
    context = multiprocessing.get_context("spawn")
    barrier, queue = context.Barrier(2), context.Queue()
    args = (str(tmp_path), barrier, queue)
    workers = [context.Process(target=_generate_in_step, args=args) for _ in range(2)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    expected = _manifest()[parent_cache_id(graph)]["digest"]
    assert results == [(True, expected), (True, expected)]
    assert [p.name for p in tmp_path.iterdir()] == [parent_cache_name(graph)]
    assert hashlib.sha256((tmp_path / parent_cache_name(graph)).read_bytes()).hexdigest() == expected
