"""The node's libp2p identity: an Ed25519 key kept in the repository, and the peer ID it gives.

The key is stored as Lotus stores its host key: a KeyInfo ``{"Type": "libp2p-host", "PrivateKey": b64}`` in
``keystore/libp2p-host``, the private key in libp2p's protobuf form (``KeyType`` Ed25519, 64 bytes: the seed
then the public key). The peer ID is the identity multihash of the protobuf public key, printed in base58
(``12D3KooW…``), as every libp2p implementation derives it for Ed25519 keys.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from filnet.core.fsutil import atomic_write_bytes
from filnet.errors import IntegrityError
from filnet.ipld.multibase import b58encode

HOST_KEY_NAME: Final = "libp2p-host"
_ED25519: Final = 1  # libp2p crypto.pb KeyType


def _protobuf(key_type: int, data: bytes) -> bytes:
    # message PublicKey/PrivateKey { required KeyType Type = 1; required bytes Data = 2; }
    return bytes([0x08, key_type, 0x12, len(data)]) + data


def peer_id_of(public_key: bytes) -> str:
    """The peer ID of an Ed25519 public key (identity multihash of its protobuf encoding, base58)."""
    encoded = _protobuf(_ED25519, public_key)
    return b58encode(bytes([0x00, len(encoded)]) + encoded)


def host_key(keystore_dir: Path) -> Ed25519PrivateKey:
    """The repository's host key, created on first use; IntegrityError for a damaged key file."""
    path = keystore_dir / HOST_KEY_NAME
    try:
        record = json.loads(path.read_bytes())
    except FileNotFoundError:
        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        data = base64.b64encode(_protobuf(_ED25519, seed + public)).decode()
        keystore_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, json.dumps({"Type": HOST_KEY_NAME, "PrivateKey": data}).encode(), mode=0o600)
        return key
    except (ValueError, UnicodeDecodeError):
        raise IntegrityError(f"{path}: not a JSON key record") from None
    try:
        raw = base64.b64decode(record["PrivateKey"], validate=True)
    except (KeyError, TypeError, binascii.Error):
        raise IntegrityError(f"{path}: PrivateKey is missing or not base64") from None
    if len(raw) != 68 or raw[:4] != bytes([0x08, _ED25519, 0x12, 64]):
        raise IntegrityError(f"{path}: not a libp2p Ed25519 private key")
    key = Ed25519PrivateKey.from_private_bytes(raw[4:36])
    if key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) != raw[36:]:
        raise IntegrityError(f"{path}: the public half does not match the private key")
    return key


def node_peer_id(keystore_dir: Path) -> str:
    """The peer ID of the repository's host key."""
    public = host_key(keystore_dir).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return peer_id_of(public)
