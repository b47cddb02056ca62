"""What only the LMDB backend has: a directory that persists, a fixed map, read-only opening."""

from __future__ import annotations

from pathlib import Path

import lmdb
import pytest

from filnet.errors import StorageError
from filnet.ipld import codecs, multihash
from filnet.ipld.cid import CID
from filnet.ipld.lmdbstore import LmdbBlockstore


def _block(i: int, size: int = 100) -> tuple[CID, bytes]:
    data = i.to_bytes(4, "big") * (size // 4)
    return CID.compute(codecs.RAW, data), data


def test_blocks_persist_across_reopen(tmp_path: Path) -> None:
    with LmdbBlockstore(tmp_path / "store", map_size=1 << 22) as store:
        store.put_many(_block(i) for i in range(20))
    with LmdbBlockstore(tmp_path / "store", map_size=1 << 22) as store:
        assert len(store) == 20
        cid, data = _block(7)
        assert store.get(cid) == data


def test_keys_are_binary_cids(tmp_path: Path) -> None:
    cid, data = _block(1)
    with LmdbBlockstore(tmp_path, map_size=1 << 22) as store:
        store.put(cid, data)
    env = lmdb.open(str(tmp_path), readonly=True)
    try:
        with env.begin() as txn:
            assert list(txn.cursor()) == [(bytes(cid), data)]
    finally:
        env.close()


def test_read_only_store_reads_and_refuses_writes(tmp_path: Path) -> None:
    cid, data = _block(1)
    with LmdbBlockstore(tmp_path, map_size=1 << 22) as store:
        store.put(cid, data)
    with LmdbBlockstore(tmp_path, readonly=True) as store:
        assert store.get(cid) == data
        for write in (
            lambda: store.put(*_block(2)),
            lambda: store.put_many([_block(2)]),
            lambda: store.delete(cid),
        ):
            with pytest.raises(StorageError, match="read-only"):
                write()
        assert list(store) == [cid]


def test_invalid_open_read_only_of_missing_store(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="cannot open block store"):
        LmdbBlockstore(tmp_path / "missing", readonly=True)


def test_invalid_open_where_a_file_is(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"not a directory")
    with pytest.raises(StorageError, match="cannot open block store"):
        LmdbBlockstore(tmp_path / "file" / "store")


def test_full_map_is_a_storage_error_and_the_batch_is_not_written(tmp_path: Path) -> None:
    with LmdbBlockstore(tmp_path, map_size=1 << 20) as store:
        store.put(*_block(0))
        with pytest.raises(StorageError, match=r"is full \(map_size 1048576 bytes\)"):
            store.put_many(_block(i, 4000) for i in range(1, 1000))
        assert len(store) == 1
        assert list(store) == [_block(0)[0]]
        with pytest.raises(StorageError, match="is full"):
            store.put(*_block(1, 2 << 20))
        store.put(*_block(1))  # a small block still fits
        assert len(store) == 2


def test_closed_store_raises_storage_error(tmp_path: Path) -> None:
    store = LmdbBlockstore(tmp_path, map_size=1 << 22)
    store.close()
    cid, data = _block(1)
    for operation in (
        lambda: store.get(cid),
        lambda: store.put(cid, data),
        lambda: len(store),
        lambda: list(store),
    ):
        with pytest.raises(StorageError):
            operation()


def test_invalid_key_beyond_lmdb_limit(tmp_path: Path) -> None:
    # LMDB keys are at most 511 bytes; a CID with a 1,000-byte digest is representable but not storable.
    cid = CID.v1(codecs.RAW, 0x300000, b"\x01" * 1000)
    assert cid.hash_code != multihash.SHA2_256
    with LmdbBlockstore(tmp_path, map_size=1 << 22) as store, pytest.raises(StorageError, match="size"):
        store.put(cid, b"x")


def test_iteration_is_a_snapshot(tmp_path: Path) -> None:
    with LmdbBlockstore(tmp_path, map_size=1 << 22) as store:
        store.put_many(_block(i) for i in range(10))
        seen = []
        for cid in store:
            seen.append(cid)
            store.put(*_block(100 + len(seen)))  # writes during iteration do not show up in it
        assert len(seen) == 10
        assert len(store) == 20
