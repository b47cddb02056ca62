"""The named import profiles and their relations to the shared vectors."""

from __future__ import annotations

import pytest

from filnet.errors import InvalidInput
from filnet.unixfs.profiles import DEFAULT_PROFILE, PROFILES, ShardSizeEstimate, get_profile
from tests.conftest import load_json_vector


def test_default_profile_is_unixfs_v1_2025() -> None:
    assert DEFAULT_PROFILE == "unixfs-v1-2025"
    profile = get_profile(DEFAULT_PROFILE)
    assert (profile.cid_version, profile.raw_leaves, profile.chunk_size, profile.max_links) == (
        1,
        True,
        1 << 20,
        1024,
    )
    assert profile.directories.estimate is ShardSizeEstimate.BLOCK_BYTES


def test_profiles_match_the_vector_descriptions() -> None:
    described = load_json_vector("unixfs/files.json")["profiles"]
    assert set(described) == set(PROFILES)
    for name, spec in described.items():
        profile = PROFILES[name]
        assert profile.cid_version == spec["cid_version"]
        assert profile.raw_leaves == spec["raw_leaves"]
        assert profile.chunk_size == spec["chunk_size"]
        assert profile.max_links == spec["max_links"]
        assert profile.layout.value == spec["layout"]


def test_directory_rules_are_kubo_and_helia_defaults() -> None:
    for profile in PROFILES.values():
        rules = profile.directories
        assert (rules.shard_threshold, rules.fanout, rules.hash_type) == (262_144, 256, 0x22)
    assert PROFILES["kubo-v0"].directories.estimate is ShardSizeEstimate.LINKS_BYTES
    assert PROFILES["v1-256k-174"].directories.estimate is ShardSizeEstimate.LINKS_BYTES


def test_invalid_profile_name_lists_valid_ones() -> None:
    with pytest.raises(InvalidInput) as e:
        get_profile("kubo-v2")
    for name in PROFILES:
        assert name in str(e.value)
