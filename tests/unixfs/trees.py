"""Deterministic file trees shared by the UnixFS tests (and their JS interop twin)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Union

#: A tree: name -> file bytes or a sub-tree.
Tree = dict[str, Union[bytes, "Tree"]]


def pattern(length: int, salt: int = 0) -> bytes:
    """``length`` bytes where byte i is (i + salt) % 251 (the shared vectors' pattern when salt is 0)."""
    period = bytes((i + salt) % 251 for i in range(251))
    return (period * (length // 251 + 1))[:length]


def small_tree() -> Tree:
    """Files of several sizes, an empty file, an empty directory, nesting and non-ASCII names."""
    return {
        "hello.txt": b"hello world\n",
        "empty": b"",
        "bigger.bin": pattern(300_000, 7),
        "sub": {"a": b"a", "é-ü-名前.txt": pattern(1000, 3), "deeper": {"z": pattern(70_000, 1)}},
        "empty-dir": {},
        "Zebra": b"upper case sorts first",
    }


def sharded_tree(count: int = 5000) -> Tree:
    """``count`` small files whose names are long enough to push every profile past its HAMT threshold."""
    return {f"entry-{i:05d}-with-a-longer-name.txt": f"entry {i}\n".encode() for i in range(count)}


def write_tree(root: Path, tree: Tree) -> None:
    """Create ``tree`` under the existing directory ``root``."""
    for name, value in tree.items():
        path = root / name
        if isinstance(value, dict):
            path.mkdir()
            write_tree(path, value)
        else:
            path.write_bytes(value)


def read_tree(root: Path) -> Tree:
    """Read a directory back into a tree (symlinks are not expected)."""
    tree: Tree = {}
    for entry in os.scandir(root):
        path = Path(entry.path)
        tree[entry.name] = read_tree(path) if entry.is_dir() else path.read_bytes()
    return tree


def js_entries(tree: Tree, prefix: str) -> list[dict[str, str]]:
    """The tree as ipfs-unixfs-importer candidates under directory ``prefix``."""
    out: list[dict[str, str]] = [{"path": prefix}] if not tree else []
    for name, value in tree.items():
        path = f"{prefix}/{name}"
        if isinstance(value, dict):
            out.extend(js_entries(value, path))
        else:
            out.append({"path": path, "hex": value.hex()})
    return out
