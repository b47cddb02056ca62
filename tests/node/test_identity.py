"""The node's libp2p identity: an Ed25519 peer ID kept in the repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from filnet.errors import IntegrityError
from filnet.ipld.multibase import b58decode
from filnet.node.identity import HOST_KEY_NAME, node_peer_id, peer_id_of


def test_peer_id_is_stable_and_has_the_ed25519_form(tmp_path: Path) -> None:
    first = node_peer_id(tmp_path)
    assert first.startswith("12D3KooW") and len(first) == 52
    assert node_peer_id(tmp_path) == first
    record = json.loads((tmp_path / HOST_KEY_NAME).read_text())
    assert record["Type"] == "libp2p-host"
    # Identity multihash (0x00, length 36) of the protobuf PublicKey {Type: Ed25519, Data: 32 bytes}.
    key = bytes(range(32))
    assert b58decode(peer_id_of(key)) == bytes([0x00, 36, 0x08, 0x01, 0x12, 32]) + key


def test_a_damaged_host_key_is_refused(tmp_path: Path) -> None:
    node_peer_id(tmp_path)
    (tmp_path / HOST_KEY_NAME).write_text('{"Type": "libp2p-host", "PrivateKey": "AAAA"}')
    with pytest.raises(IntegrityError, match="not a libp2p Ed25519 private key"):
        node_peer_id(tmp_path)
