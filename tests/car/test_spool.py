"""SpoolBlockstore: an append-only temporary-file block store that feeds the CAR writer."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.car.reader import open_car
from filnet.car.spool import SpoolBlockstore
from filnet.car.v1 import write_car_v1
from filnet.errors import IntegrityError, StorageError
from filnet.ipld import codecs, dagpb
from filnet.ipld.blockstore import BlockNotFound, Blockstore, MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.unixfs.importer import FileRangeSink, import_path
from filnet.unixfs.profiles import PROFILES


def block(data: bytes) -> tuple[CID, bytes]:
    return CID.compute(codecs.RAW, data), data


def test_put_get_has_delete(tmp_path: Path) -> None:
    with SpoolBlockstore(tmp_path) as store:
        assert isinstance(store, Blockstore)
        a, b = block(b"a" * 100), block(b"b")
        store.put(*a)
        store.put(*a)  # idempotent: no second copy
        store.put(*b)
        assert store.size == 101 and len(store) == 2
        assert store.get(a[0]) == a[1] and store.get(b[0]) == b[1]
        assert store.has(a[0]) and a[0] in store and sorted(store) == sorted([a[0], b[0]])
        store.delete(a[0])
        store.delete(a[0])
        assert not store.has(a[0])
        with pytest.raises(BlockNotFound):
            store.get(a[0])
        # The file is anonymous: nothing of it shows in the directory.
        assert list(tmp_path.iterdir()) == []
    with pytest.raises(StorageError, match="closed"):
        store.put(*block(b"c"))
    assert len(store) == 0


def test_put_many_is_all_or_nothing(tmp_path: Path) -> None:
    def failing() -> Iterator[tuple[CID, bytes]]:
        yield block(b"one")
        yield block(b"two")
        raise OSError("source failed")

    with SpoolBlockstore(tmp_path) as store:
        store.put(*block(b"zero"))
        with pytest.raises(OSError, match="source failed"):
            store.put_many(failing())
        assert len(store) == 1 and store.size == 4
        store.put_many([block(b"one"), block(b"one"), block(b"two")])
        assert len(store) == 3 and store.size == 10


def test_leaves_first_import_becomes_a_root_first_car(tmp_path: Path) -> None:
    """The importer's order (leaves, then root) turned into the CAR order (root, then leaves)."""
    with SpoolBlockstore(tmp_path) as store:
        leaves = [block(os.urandom(1000)) for _ in range(20)]
        store.put_many(leaves)
        node = dagpb.PBNode(tuple(dagpb.PBLink(cid, "", len(data)) for cid, data in leaves))
        root_data = dagpb.encode(node)
        root = CID.compute(codecs.DAG_PB, root_data)
        store.put(root, root_data)
        out = io.BytesIO()
        stats = write_car_v1(out, [root], store)
        assert stats.blocks == 21
        car = [(b.cid, b.data) for b in open_car(io.BytesIO(out.getvalue())).blocks()]
        assert car == [(root, root_data), *leaves]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=20))
def test_behaves_like_a_dict(payloads: list[bytes]) -> None:
    with SpoolBlockstore() as store:
        model: dict[CID, bytes] = {}
        for i, data in enumerate(payloads):
            cid, _ = block(data)
            if i % 3 == 2:
                store.delete(cid)
                model.pop(cid, None)
            else:
                store.put(cid, data)
                model[cid] = data
        assert len(store) == len(model)
        assert {cid: store.get(cid) for cid in store} == model


def test_file_ranges_are_read_back_and_checked(tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(b"0123456789" * 10)
    cid = CID.compute(codecs.RAW, b"23456")
    with SpoolBlockstore(tmp_path) as store:
        assert isinstance(store, FileRangeSink)
        store.put_file_range(cid, str(src), 2, 5)
        store.put(cid, b"23456")  # already held: not copied again
        assert store.get(cid) == b"23456" and store.has(cid) and cid in store
        assert list(store) == [cid] and len(store) == 1 and store.size == 5
        src.write_bytes(b"0133456789" * 10)
        with pytest.raises(IntegrityError, match=r"changed since it was imported: bytes 2\.\.7"):
            store.get(cid)
        src.write_bytes(b"012")
        with pytest.raises(IntegrityError, match="changed since"):
            store.get(cid)
        src.unlink()
        store._close_source()  # a new read opens the file again
        with pytest.raises(StorageError, match="cannot read"):
            store.get(cid)
        store.delete(cid)
        assert not store.has(cid) and len(store) == 0


@pytest.mark.parametrize("profile", ["unixfs-v1-2025", "kubo-v0"])
def test_an_import_by_reference_writes_the_same_car(tmp_path: Path, profile: str) -> None:
    src = tmp_path / "tree"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "big.bin").write_bytes(os.urandom(PROFILES[profile].chunk_size * 2 + 77))
    (src / "small.txt").write_bytes(b"small")
    (src / "copy.txt").write_bytes(b"small")  # the same leaf twice: one section
    memory = MemoryBlockstore()
    expected = io.BytesIO()
    write_car_v1(expected, [import_path(src, memory, PROFILES[profile]).root], memory)
    with SpoolBlockstore(tmp_path) as spool:
        root = import_path(src, spool, PROFILES[profile]).root
        # Raw leaves are kept as references (only the dag-pb nodes are copied); dag-pb leaves are copied.
        assert (spool._end < 1000) == PROFILES[profile].raw_leaves
        got = io.BytesIO()
        write_car_v1(got, [root], spool)
    assert got.getvalue() == expected.getvalue()
