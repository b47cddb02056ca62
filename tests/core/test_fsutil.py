"""Atomic outputs and preallocation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from filnet.core.fsutil import atomic_output, atomic_write_bytes, preallocate


def test_atomic_output_appears_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with pytest.raises(RuntimeError), atomic_output(target) as f:
        f.write(b"half")
        raise RuntimeError("interrupted")
    assert os.listdir(tmp_path) == []
    atomic_write_bytes(target, b"whole")
    assert target.read_bytes() == b"whole"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_preallocate_reserves_real_blocks(tmp_path: Path) -> None:
    size = 1 << 20
    with open(tmp_path / "a", "wb") as f:
        preallocate(f, size)
    st = os.stat(tmp_path / "a")
    assert st.st_size == size
    # A sparse file of this size would hold no blocks; a reserved one holds at least its size.
    assert st.st_blocks * 512 >= size
    assert (tmp_path / "a").read_bytes() == bytes(size)
