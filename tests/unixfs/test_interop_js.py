"""Cross-checks against the real ipfs-unixfs-importer (Helia's importer) running under Node.

`make test` installs the pinned JavaScript packages of ``interop/package.json`` into ``interop/node_modules``
(or point ``FILNET_UNIXFS_INTEROP`` at another directory holding that ``node_modules``). Without them the
tests skip on a developer machine and fail under CI, where they must run.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from filnet.unixfs.importer import DirLink, DiscardSink, build_directory, import_bytes, import_path
from filnet.unixfs.profiles import PROFILES
from tests.node_interop import require_node_packages
from tests.unixfs.trees import Tree, js_entries, pattern, sharded_tree, small_tree, write_tree

REPO = Path(__file__).resolve().parents[2]
INTEROP_DIR = Path(os.environ.get("FILNET_UNIXFS_INTEROP", REPO / "interop"))
SCRIPT = Path(__file__).parent / "js" / "import.mjs"

#: ipfs-unixfs-importer options that reproduce each profile.
JS_OPTIONS: dict[str, dict[str, Any]] = {
    "unixfs-v1-2025": {"profile": "unixfs-v1-2025"},
    "v1-256k-174": {},
    "kubo-v0": {"profile": "unixfs-v0-2015"},
}

pytestmark = require_node_packages("ipfs-unixfs-importer", "blockstore-core", interop_dir=INTEROP_DIR)


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the import script beside a link to the installed node_modules."""
    base = tmp_path_factory.mktemp("js")
    shutil.copy(SCRIPT, base / "import.mjs")
    (base / "node_modules").symlink_to(INTEROP_DIR / "node_modules")
    return base


def js_import(
    runner: Path, options: dict[str, Any], entries: list[dict[str, str]]
) -> dict[str, dict[str, Any]]:
    """Every entry ipfs-unixfs-importer yields, by path."""
    spec = json.dumps({"options": options, "entries": entries})
    out = subprocess.run(
        ["node", str(runner / "import.mjs")],
        input=spec,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    return {entry["path"]: entry for entry in json.loads(out)}


@pytest.mark.parametrize("profile", sorted(JS_OPTIONS))
@pytest.mark.parametrize("tree_name", ["small", "sharded"])
def test_directory_trees_match(runner: Path, tmp_path: Path, profile: str, tree_name: str) -> None:
    tree: Tree = small_tree() if tree_name == "small" else sharded_tree()
    write_tree(tmp_path, tree)
    ours = import_path(tmp_path, DiscardSink(), PROFILES[profile])
    theirs = js_import(runner, JS_OPTIONS[profile], js_entries(tree, "root"))["root"]
    assert (str(ours.root), ours.dag_size) == (theirs["cid"], theirs["size"])


@pytest.mark.parametrize(
    ("profile", "cid_version", "raw_leaves"), [("v1-256k-174", 1, True), ("kubo-v0", 0, False)]
)
def test_file_layouts_match(runner: Path, profile: str, cid_version: int, raw_leaves: bool) -> None:
    sizes = [*range(0, 60), 63, 64, 65, 127, 128, 129, 200, 343, 344, 345, 1000]
    options = {"cidVersion": cid_version, "rawLeaves": raw_leaves, "chunkSize": 7, "maxChildrenPerNode": 3}
    theirs = js_import(runner, options, [{"path": f"f/{n}", "hex": pattern(n, n).hex()} for n in sizes])
    ours_profile = dataclasses.replace(PROFILES[profile], chunk_size=7, max_links=3)
    for n in sizes:
        result = import_bytes(pattern(n, n), DiscardSink(), ours_profile)
        assert (str(result.root), result.dag_size) == (theirs[f"f/{n}"]["cid"], theirs[f"f/{n}"]["size"]), n


@pytest.mark.parametrize(
    ("profile", "count", "name_length"),
    [
        ("v1-256k-174", 4096, 28),  # links-bytes: 4096 x (28 + 36-byte CIDv1) = 256 KiB
        ("kubo-v0", 4096, 30),  # links-bytes: 4096 x (30 + 34-byte CIDv0) = 256 KiB
        ("unixfs-v1-2025", 4369, 16),  # block-bytes: 4 + 4369 x 60-byte links = 256 KiB
    ],
)
def test_shard_threshold_boundary_matches(runner: Path, profile: str, count: int, name_length: int) -> None:
    names = [f"{i:06d}".ljust(name_length, "x") for i in range(count)]
    leaf = import_bytes(b"x", DiscardSink(), PROFILES[profile])
    for extra in ("", "y"):
        names[0] += extra
        entries = [{"path": f"d/{name}", "hex": "78"} for name in names]
        theirs = js_import(runner, JS_OPTIONS[profile], entries)["d"]
        links = [DirLink(name, leaf.root, leaf.dag_size) for name in names]
        ours = build_directory(links, DiscardSink(), PROFILES[profile])
        assert (str(ours.root), ours.dag_size) == (theirs["cid"], theirs["size"]), extra
