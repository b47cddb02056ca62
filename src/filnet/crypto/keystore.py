"""The wallet's keystore: one JSON file per key in a private directory, optionally encrypted at rest.

Layout: ``<repo>/keystore/`` (mode 0700) holds ``<address>.key`` files (mode 0600) and a ``default`` file
naming the default address. A key file records its address and key type in clear, so keys can be listed
without the passphrase, and holds the secret either in clear (base64) or encrypted: scrypt derives a 256-bit
key from the passphrase and a random salt, and AES-256-GCM seals the secret with the address and type as
associated data, so a wrong passphrase, an edited header and a swapped file are all detected. Every write
goes to a temporary file that is fsynced and renamed, so a crash never leaves a half-written key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from filnet.core.address import Address, AddressError
from filnet.core.fsutil import atomic_write_bytes
from filnet.crypto.keys import KeyType, PrivateKey, parse_key_type
from filnet.errors import FilnetError, IntegrityError, InvalidInput, NotFound, StorageError

FORMAT_VERSION: Final = 1
KEY_SUFFIX: Final = ".key"
DEFAULT_FILE: Final = "default"
#: scrypt cost for new keys: about 0.15 s and 32 MiB on a laptop core.
DEFAULT_SCRYPT_N: Final = 1 << 15
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
#: Largest scrypt memory (128·n·r bytes) a key file may ask for; a hostile file cannot exhaust memory.
MAX_SCRYPT_MEMORY: Final = 256 << 20
#: Largest key file read (a key file is a few hundred bytes).
MAX_KEY_FILE: Final = 64 << 10


class KeystoreError(FilnetError):
    """A key cannot be stored or read."""


class KeyLocked(KeystoreError):
    """The key is encrypted and no passphrase was given."""


class WrongPassphrase(KeystoreError, IntegrityError):
    """The passphrase does not open the key, or the key file was tampered with."""


class CorruptKeyFile(KeystoreError, IntegrityError):
    """A key file that is not what filnet wrote."""


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """What a key file says in clear: address, type, whether the secret is encrypted."""

    address: Address
    type: KeyType
    encrypted: bool


class Keystore:
    """Keys of one repository, in ``<repo>/keystore``."""

    def __init__(self, directory: str | os.PathLike[str], scrypt_n: int = DEFAULT_SCRYPT_N) -> None:
        self.directory = Path(directory)
        self.scrypt_n = scrypt_n

    @classmethod
    def in_repo(cls, repo: str | os.PathLike[str], scrypt_n: int = DEFAULT_SCRYPT_N) -> Keystore:
        """The keystore of the repository directory ``repo``."""
        return cls(Path(repo) / "keystore", scrypt_n)

    # -- reading --------------------------------------------------------------------------------

    def entries(self) -> list[KeyEntry]:
        """Every key's clear header, sorted by address string."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob(f"*{KEY_SUFFIX}")):
            found.append(self._entry(path, self._read(path)))
        return found

    def addresses(self) -> list[Address]:
        """Addresses of every key."""
        return [entry.address for entry in self.entries()]

    def has(self, address: Address) -> bool:
        """Whether the keystore holds ``address``'s key."""
        return self._path(address).is_file()

    def entry(self, address: Address) -> KeyEntry:
        """The clear header of ``address``'s key."""
        path = self._path(address)
        return self._entry(path, self._read(path))

    def get(self, address: Address, passphrase: str | None = None) -> PrivateKey:
        """The private key of ``address``; encrypted keys need their ``passphrase``."""
        path = self._path(address)
        record = self._read(path)
        entry = self._entry(path, record)
        secret = self._open_secret(entry, record, passphrase)
        try:
            key = PrivateKey(entry.type, secret)
        except InvalidInput as e:
            raise CorruptKeyFile(f"key file {path} holds an invalid {entry.type} key: {e}") from None
        if key.address != address:
            raise CorruptKeyFile(f"key file {path} does not hold the key of {address}")
        return key

    def default(self) -> Address | None:
        """The default address, if one is set and its key is present."""
        path = self.directory / DEFAULT_FILE
        try:
            text = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as e:
            raise StorageError(f"cannot read {path}: {e}") from None
        try:
            address = Address.parse(text)
        except AddressError as e:
            raise CorruptKeyFile(f"{path} does not name an address: {e}") from None
        return address if self.has(address) else None

    # -- writing --------------------------------------------------------------------------------

    def put(self, key: PrivateKey, passphrase: str | None = None) -> Address:
        """Store ``key`` (encrypted when ``passphrase`` is non-empty); refuse to overwrite an existing key."""
        address = key.address
        path = self._path(address)
        if path.exists():
            raise KeystoreError(f"the keystore already holds {address}")
        record: dict[str, Any] = {
            "version": FORMAT_VERSION,
            "address": str(address),
            "type": key.type.value,
        }
        if passphrase:
            record["encryption"] = self._seal(key, passphrase)
        else:
            record["private_key"] = base64.b64encode(key.secret).decode("ascii")
        self._ensure_directory()
        atomic_write_bytes(path, json.dumps(record, indent=1).encode() + b"\n", mode=0o600)
        return address

    def delete(self, address: Address) -> None:
        """Remove ``address``'s key (and the default mark if it was the default)."""
        path = self._path(address)
        if not path.is_file():
            raise NotFound(f"no key for {address} in {self.directory}")
        was_default = self.default() == address
        path.unlink()
        if was_default:
            with contextlib.suppress(FileNotFoundError):
                (self.directory / DEFAULT_FILE).unlink()

    def set_default(self, address: Address) -> None:
        """Make ``address`` (whose key must be present) the default."""
        if not self.has(address):
            raise NotFound(f"no key for {address} in {self.directory}")
        atomic_write_bytes(self.directory / DEFAULT_FILE, f"{address}\n".encode(), mode=0o600)

    # -- internals ------------------------------------------------------------------------------

    def _path(self, address: Address) -> Path:
        return self.directory / f"{address}{KEY_SUFFIX}"

    def _ensure_directory(self) -> None:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.directory, 0o700)
        except OSError as e:
            raise StorageError(f"cannot create keystore {self.directory}: {e.strerror or e}") from None

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            with path.open("rb") as f:
                mode = stat.S_IMODE(os.fstat(f.fileno()).st_mode)
                raw = f.read(MAX_KEY_FILE + 1)
        except FileNotFoundError:
            raise NotFound(f"no key for {path.name.removesuffix(KEY_SUFFIX)} in {self.directory}") from None
        except OSError as e:
            raise StorageError(f"cannot read key file {path}: {e.strerror or e}") from None
        if mode & 0o077:
            # As Lotus's keystore does: a key others can read may already be compromised.
            raise KeystoreError(f"key file {path} has mode {mode:04o}, readable by others: `chmod 600` it")
        if len(raw) > MAX_KEY_FILE:
            raise CorruptKeyFile(f"key file {path} is too large")
        try:
            record = json.loads(raw)
        except (ValueError, RecursionError):  # bad JSON or UTF-8, oversized numbers, absurd nesting
            raise CorruptKeyFile(f"key file {path} is not valid JSON") from None
        if not isinstance(record, dict) or record.get("version") != FORMAT_VERSION:
            raise CorruptKeyFile(f"key file {path} is not a version-{FORMAT_VERSION} filnet key")
        return record

    def _entry(self, path: Path, record: dict[str, Any]) -> KeyEntry:
        address_text, type_text = record.get("address"), record.get("type")
        if not isinstance(address_text, str) or not isinstance(type_text, str):
            raise CorruptKeyFile(f"key file {path} lacks its address or key type")
        try:
            address = Address.parse(address_text)
            key_type = parse_key_type(type_text)
        except FilnetError as e:
            raise CorruptKeyFile(f"key file {path} has a bad header: {e}") from None
        if path.name != f"{address}{KEY_SUFFIX}":
            raise CorruptKeyFile(f"key file {path} holds the key of {address}")
        encrypted = "encryption" in record
        if encrypted == ("private_key" in record):
            raise CorruptKeyFile(f"key file {path} must hold either 'private_key' or 'encryption'")
        return KeyEntry(address, key_type, encrypted)

    def _seal(self, key: PrivateKey, passphrase: str) -> dict[str, Any]:
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        kek = _derive(passphrase, salt, self.scrypt_n, SCRYPT_R, SCRYPT_P)
        sealed = AESGCM(kek).encrypt(nonce, key.secret, _associated_data(key.address, key.type))
        return {
            "kdf": "scrypt",
            "n": self.scrypt_n,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": base64.b64encode(salt).decode("ascii"),
            "cipher": "aes-256-gcm",
            "nonce": base64.b64encode(nonce).decode("ascii"),
            "ciphertext": base64.b64encode(sealed).decode("ascii"),
        }

    def _open_secret(self, entry: KeyEntry, record: dict[str, Any], passphrase: str | None) -> bytes:
        where = self._path(entry.address)
        if not entry.encrypted:
            return _b64_field(record, "private_key", where)
        params = record["encryption"]
        if not isinstance(params, dict) or (params.get("kdf"), params.get("cipher")) != (
            "scrypt",
            "aes-256-gcm",
        ):
            raise CorruptKeyFile(f"key file {where} uses an unknown encryption")
        if not passphrase:
            raise KeyLocked(
                f"the key of {entry.address} is encrypted: set FILNET_PASSPHRASE (or type it on a terminal)"
            )
        n, r, p = params.get("n"), params.get("r"), params.get("p")
        if not (type(n) is int and type(r) is int and type(p) is int) or min(n, r, p) < 1:
            raise CorruptKeyFile(f"key file {where} has invalid scrypt parameters")
        if n & (n - 1) or n < 2 or 128 * n * r > MAX_SCRYPT_MEMORY or p > 16:
            raise CorruptKeyFile(f"key file {where} asks for scrypt parameters outside the allowed range")
        salt = _b64_field(params, "salt", where)
        nonce = _b64_field(params, "nonce", where)
        if len(nonce) != 12 or len(salt) < 16:
            raise CorruptKeyFile(f"key file {where} has a bad salt or nonce")
        kek = _derive(passphrase, salt, n, r, p)
        try:
            return AESGCM(kek).decrypt(
                nonce, _b64_field(params, "ciphertext", where), _associated_data(entry.address, entry.type)
            )
        except InvalidTag:
            raise WrongPassphrase(
                f"cannot decrypt the key of {entry.address}: wrong passphrase or tampered key file"
            ) from None


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    """The 256-bit key-encryption key."""
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _associated_data(address: Address, key_type: KeyType) -> bytes:
    """Binds a ciphertext to its key's address and type."""
    return f"filnet-key-v{FORMAT_VERSION}|{address}|{key_type.value}".encode()


def _b64_field(record: dict[str, Any], name: str, where: Path) -> bytes:
    value = record.get(name)
    if not isinstance(value, str):
        raise CorruptKeyFile(f"key file {where} lacks {name!r}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise CorruptKeyFile(f"key file {where} has invalid base64 in {name!r}") from None
