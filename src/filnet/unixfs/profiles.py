"""Named UnixFS import profiles: every parameter that changes the CIDs of an import.

Sources:

* IPIP-499 "UnixFS CID Profiles" (ipfs/specs ``src/ipips/ipip-0499.md``) defines ``unixfs-v1-2025``
  (CIDv1, sha2-256, raw leaves, 1 MiB fixed-size chunks, balanced layout, 1024 links per node, HAMT fanout
  256, shard past 256 KiB measured as ``block-bytes``) and documents Kubo's legacy CIDv0 defaults as
  ``unixfs-v0-2015`` (dag-pb leaves, 256 KiB chunks, 174 links, shard past 256 KiB ``links-bytes``).
* Kubo/boxo ``ipld/unixfs/io/directory.go``: ``HAMTShardingSize = 256 KiB`` (Kubo's
  ``Import.UnixFSHAMTDirectorySizeThreshold``), ``DefaultShardWidth = 256``; a basic directory converts to a
  HAMT when its estimated size is strictly greater than the threshold. ``SizeEstimationLinks`` (Kubo's
  default) sums ``len(name) + len(cid bytes)`` over the links; ``SizeEstimationBlock`` is the exact
  serialized dag-pb block size.
* ipfs-unixfs-importer 17 (``src/index.ts``, ``constants.ts``, ``flat-to-shard.ts``): the same rules as
  ``shardSplitThresholdBytes = 262144`` and ``shardSplitStrategy`` (``links-bytes`` by default and for
  ``unixfs-v0-2015``, ``block-bytes`` for ``unixfs-v1-2025``), compared with ``>``.
* Shard keys are hashed with murmur3-x64-64 (multicodec 0x22), see :mod:`filnet.unixfs.murmur3`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from filnet.errors import InvalidInput
from filnet.ipld import multihash

#: multicodec ``murmur3-x64-64``: the ``hashType`` every UnixFS HAMT shard records.
MURMUR3_X64_64: Final = 0x22

KIB: Final = 1024
MIB: Final = 1024 * KIB


class Layout(StrEnum):
    """How file chunks are arranged under the root."""

    #: All leaves at the same depth, nodes filled left to right (go-unixfs ``balanced``; IPIP-499 name).
    BALANCED = "balanced"


class ShardSizeEstimate(StrEnum):
    """How a directory's size is measured against the HAMT threshold (IPIP-499 names)."""

    #: Sum of link name bytes and CID bytes (Kubo ``SizeEstimationLinks``, importer ``links-bytes``).
    LINKS_BYTES = "links-bytes"
    #: The exact size of the serialized directory block (Kubo ``SizeEstimationBlock``, ``block-bytes``).
    BLOCK_BYTES = "block-bytes"


@dataclass(frozen=True, slots=True)
class DirectoryRules:
    """When a directory becomes a HAMT shard and how that shard is built."""

    #: Shard when the estimated size is strictly greater than this many bytes.
    shard_threshold: int = 256 * KIB
    estimate: ShardSizeEstimate = ShardSizeEstimate.LINKS_BYTES
    fanout: int = 256
    hash_type: int = MURMUR3_X64_64


@dataclass(frozen=True, slots=True)
class Profile:
    """Every import parameter that changes the resulting CIDs."""

    name: str
    cid_version: int
    raw_leaves: bool
    chunk_size: int
    max_links: int
    layout: Layout
    directories: DirectoryRules
    hash_code: int = multihash.SHA2_256
    description: str = ""


PROFILES: Final[dict[str, Profile]] = {
    profile.name: profile
    for profile in (
        Profile(
            name="unixfs-v1-2025",
            cid_version=1,
            raw_leaves=True,
            chunk_size=1 * MIB,
            max_links=1024,
            layout=Layout.BALANCED,
            directories=DirectoryRules(estimate=ShardSizeEstimate.BLOCK_BYTES),
            description="IPIP-499 unixfs-v1-2025 (Helia, ipfs-car; Kubo --profile=unixfs-v1-2025)",
        ),
        Profile(
            name="v1-256k-174",
            cid_version=1,
            raw_leaves=True,
            chunk_size=256 * KIB,
            max_links=174,
            layout=Layout.BALANCED,
            directories=DirectoryRules(estimate=ShardSizeEstimate.LINKS_BYTES),
            description="ipfs add --cid-version=1 (Kubo), ipfs-unixfs-importer defaults",
        ),
        Profile(
            name="kubo-v0",
            cid_version=0,
            raw_leaves=False,
            chunk_size=256 * KIB,
            max_links=174,
            layout=Layout.BALANCED,
            directories=DirectoryRules(estimate=ShardSizeEstimate.LINKS_BYTES),
            description="ipfs add (Kubo defaults, IPIP-499 unixfs-v0-2015)",
        ),
    )
}

DEFAULT_PROFILE: Final = "unixfs-v1-2025"


def get_profile(name: str) -> Profile:
    """The profile called ``name``; :class:`InvalidInput` listing the valid names otherwise."""
    profile = PROFILES.get(name)
    if profile is None:
        raise InvalidInput(f"unknown UnixFS profile {name!r}; valid profiles: {', '.join(PROFILES)}")
    return profile
