"""The keystore: file layout and modes, encryption at rest, tampering, atomic writes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from filnet.core.address import Address
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.crypto.keystore import (
    CorruptKeyFile,
    KeyLocked,
    Keystore,
    KeystoreError,
    WrongPassphrase,
)
from filnet.errors import NotFound

# A cheap scrypt cost keeps the tests fast; the format records it, so reading does not depend on it.
FAST_N = 1 << 10


@pytest.fixture
def store(tmp_path: Path) -> Keystore:
    return Keystore.in_repo(tmp_path / "repo", scrypt_n=FAST_N)


@pytest.mark.parametrize("kind", list(KeyType))
def test_plain_key_round_trip_and_modes(store: Keystore, kind: KeyType) -> None:
    key = PrivateKey.generate(kind)
    address = store.put(key)
    assert store.get(address) == key
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    path = store.directory / f"{address}.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.addresses() == [address]
    entry = store.entry(address)
    assert (entry.type, entry.encrypted) == (kind, False)
    assert [p.name for p in store.directory.iterdir()] == [path.name]  # no temporary file left


def test_encrypted_key(store: Keystore) -> None:
    key = PrivateKey.generate(KeyType.BLS)
    address = store.put(key, "correct horse")
    text = (store.directory / f"{address}.key").read_text()
    assert key.secret.hex() not in text and "private_key" not in text
    assert store.entry(address).encrypted
    assert store.get(address, "correct horse") == key
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        store.get(address, "battery staple")
    with pytest.raises(KeyLocked, match="FILNET_PASSPHRASE"):
        store.get(address)


def _edit(store: Keystore, address: Address, change: dict[str, object]) -> None:
    path = store.directory / f"{address}.key"
    record = json.loads(path.read_text())
    for key, value in change.items():
        if key.startswith("encryption."):
            record["encryption"][key.split(".", 1)[1]] = value
        else:
            record[key] = value
    path.write_text(json.dumps(record))


def test_tampered_ciphertext_is_detected(store: Keystore) -> None:
    address = store.put(PrivateKey.generate(KeyType.SECP256K1), "pw")
    record = json.loads((store.directory / f"{address}.key").read_text())
    ciphertext = record["encryption"]["ciphertext"]
    flipped = ("B" if ciphertext[0] == "A" else "A") + ciphertext[1:]
    _edit(store, address, {"encryption.ciphertext": flipped})
    with pytest.raises(WrongPassphrase, match="tampered"):
        store.get(address, "pw")


def test_swapped_type_is_detected(store: Keystore) -> None:
    # The header is bound to the ciphertext: changing it breaks decryption.
    address = store.put(PrivateKey.generate(KeyType.SECP256K1), "pw")
    _edit(store, address, {"type": "bls"})
    with pytest.raises(WrongPassphrase):
        store.get(address, "pw")


def test_swapped_plain_file_is_detected(store: Keystore) -> None:
    a = store.put(PrivateKey.generate(KeyType.SECP256K1))
    b = store.put(PrivateKey.generate(KeyType.SECP256K1))
    (store.directory / f"{a}.key").write_bytes((store.directory / f"{b}.key").read_bytes())
    with pytest.raises(CorruptKeyFile):
        store.get(a)


@pytest.mark.parametrize(
    "change",
    [
        {"version": 2},
        {"address": "not an address"},
        {"private_key": "***"},
        {"encryption": {"kdf": "pbkdf2"}},
    ],
)
def test_corrupt_files(store: Keystore, change: dict[str, object]) -> None:
    address = store.put(PrivateKey.generate(KeyType.SECP256K1))
    _edit(store, address, change)
    with pytest.raises(CorruptKeyFile):
        store.get(address, "pw")


def test_hostile_scrypt_parameters_are_refused(store: Keystore) -> None:
    address = store.put(PrivateKey.generate(KeyType.SECP256K1), "pw")
    _edit(store, address, {"encryption.n": 1 << 30})
    with pytest.raises(CorruptKeyFile, match="scrypt"):
        store.get(address, "pw")


def test_not_json(store: Keystore) -> None:
    address = store.put(PrivateKey.generate(KeyType.SECP256K1))
    (store.directory / f"{address}.key").write_bytes(b"\x00garbage")
    with pytest.raises(CorruptKeyFile):
        store.get(address)


def test_default_and_delete(store: Keystore) -> None:
    assert store.default() is None
    a = store.put(PrivateKey.generate(KeyType.SECP256K1))
    b = store.put(PrivateKey.generate(KeyType.BLS))
    store.set_default(b)
    assert store.default() == b
    store.delete(b)
    assert store.default() is None
    assert store.addresses() == [a]
    with pytest.raises(NotFound):
        store.delete(b)
    with pytest.raises(NotFound):
        store.get(b)
    with pytest.raises(NotFound):
        store.set_default(b)


def test_existing_key_is_not_overwritten(store: Keystore) -> None:
    key = PrivateKey.generate(KeyType.SECP256K1)
    store.put(key)
    with pytest.raises(KeystoreError, match="already"):
        store.put(key, "pw")
    assert not store.entry(key.address).encrypted


def test_failed_write_leaves_nothing(store: Keystore, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError):
        store.put(PrivateKey.generate(KeyType.SECP256K1))
    monkeypatch.undo()
    assert list(store.directory.iterdir()) == []


def test_key_files_readable_by_others_are_refused(store: Keystore) -> None:
    address = store.put(PrivateKey.generate(KeyType.SECP256K1))
    path = store.directory / f"{address}.key"
    path.chmod(0o644)
    with pytest.raises(KeystoreError, match="chmod 600"):
        store.get(address)
    path.chmod(0o600)
    assert store.get(address).address == address
