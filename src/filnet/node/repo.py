"""A node's repository directory, laid out as Lotus's fsrepo (``node/repo/fsrepo.go``).

::

    <repo>/
      api              the API multiaddr while a daemon runs (0644), e.g. /ip4/127.0.0.1/tcp/1234/http
      token            an admin JWT for that API (0600)
      config.toml      settings ([API] ListenAddress, [Chain] Network)
      keystore/        wallet keys (filnet.crypto.keystore) and ``auth-jwt-private``, the API token secret
                       stored as Lotus stores it: a KeyInfo ``{"Type": "jwt-hmac-secret", "PrivateKey": b64}``
      chain/           the chain store
      mpool/           the message pool's local messages
      repo.lock        held (flock) by the one daemon using the repo

The default repository is ``$FILNET_REPO`` or ``~/.filnet``.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from filnet.api.apiinfo import ApiInfo
from filnet.api.auth import JWT_KEY_NAME, JWT_KEY_TYPE, create_token, new_secret, perms_up_to
from filnet.core.fsutil import atomic_write_bytes
from filnet.errors import FilnetError, IntegrityError, NotFound

REPO_ENV: Final = "FILNET_REPO"
DEFAULT_API_ADDRESS: Final = "/ip4/127.0.0.1/tcp/1234/http"
API_FILE: Final = "api"
TOKEN_FILE: Final = "token"
CONFIG_FILE: Final = "config.toml"
LOCK_FILE: Final = "repo.lock"


class RepoLocked(FilnetError):
    """Another process holds the repository."""


class CorruptRepo(IntegrityError):
    """A repository file that is not what filnet writes."""


def default_repo_path() -> Path:
    """``$FILNET_REPO``, else ``~/.filnet``."""
    configured = os.environ.get(REPO_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".filnet"


@dataclass(frozen=True, slots=True)
class RepoConfig:
    """What ``config.toml`` holds."""

    listen_address: str = DEFAULT_API_ADDRESS
    network: str = "devnet"
    #: Seconds between epochs when the chain's differ from its network profile's (a devnet's choice).
    block_delay_seconds: int | None = None

    def to_toml(self) -> str:
        """The file's text."""
        text = (
            f"[API]\nListenAddress = {json.dumps(self.listen_address)}\n\n"
            f"[Chain]\nNetwork = {json.dumps(self.network)}\n"
        )
        if self.block_delay_seconds is not None:
            text += f"BlockDelaySecs = {self.block_delay_seconds}\n"
        return text

    @classmethod
    def from_toml(cls, text: str, where: Path) -> RepoConfig:
        """Parse the file; CorruptRepo naming the file and the problem."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise CorruptRepo(f"{where}: {e}") from None
        api, chain = data.get("API", {}), data.get("Chain", {})
        listen = api.get("ListenAddress", DEFAULT_API_ADDRESS)
        network = chain.get("Network", "devnet")
        if not isinstance(listen, str) or not isinstance(network, str):
            raise CorruptRepo(f"{where}: API.ListenAddress and Chain.Network must be strings")
        delay = chain.get("BlockDelaySecs")
        if delay is not None and (not isinstance(delay, int) or isinstance(delay, bool) or delay <= 0):
            raise CorruptRepo(f"{where}: Chain.BlockDelaySecs must be a positive integer")
        return cls(listen, network, delay)


class NodeRepo:
    """One node's repository directory."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock_fd: int | None = None

    # -- layout -----------------------------------------------------------------------------------

    @property
    def keystore_dir(self) -> Path:
        """Wallet keys and the API secret."""
        return self.path / "keystore"

    @property
    def chain_dir(self) -> Path:
        """The chain store's directory."""
        return self.path / "chain"

    @property
    def mpool_dir(self) -> Path:
        """The message pool's directory."""
        return self.path / "mpool"

    def exists(self) -> bool:
        """True once :meth:`init` has run here."""
        return (self.path / CONFIG_FILE).is_file()

    def init(self, config: RepoConfig | None = None) -> None:
        """Create the layout, the config and the API secret where missing (existing files are kept)."""
        self.path.mkdir(parents=True, exist_ok=True)
        for directory in (self.keystore_dir, self.chain_dir, self.mpool_dir):
            directory.mkdir(exist_ok=True)
        self.keystore_dir.chmod(0o700)
        if not self.exists():
            atomic_write_bytes(self.path / CONFIG_FILE, (config or RepoConfig()).to_toml().encode())
        self.jwt_secret()

    def config(self) -> RepoConfig:
        """The repository's config (NotFound if it was never initialised)."""
        path = self.path / CONFIG_FILE
        try:
            return RepoConfig.from_toml(path.read_text(), path)
        except FileNotFoundError:
            raise NotFound(f"{self.path} is not a filnet repository (no {CONFIG_FILE})") from None

    # -- the API secret and tokens --------------------------------------------------------------

    def jwt_secret(self) -> bytes:
        """The HS256 secret of this node's API tokens, created on first use."""
        path = self.keystore_dir / JWT_KEY_NAME
        try:
            record = json.loads(path.read_bytes())
        except FileNotFoundError:
            self.keystore_dir.mkdir(parents=True, exist_ok=True)
            secret = new_secret()
            info = {"Type": JWT_KEY_TYPE, "PrivateKey": base64.b64encode(secret).decode()}
            atomic_write_bytes(path, json.dumps(info).encode(), mode=0o600)
            return secret
        except (ValueError, UnicodeDecodeError):
            raise CorruptRepo(f"{path}: not a JSON key record") from None
        if not isinstance(record, dict) or record.get("Type") != JWT_KEY_TYPE:
            raise CorruptRepo(f"{path}: expected a {JWT_KEY_TYPE} key")
        try:
            secret = base64.b64decode(record.get("PrivateKey", ""), validate=True)
        except (binascii.Error, TypeError):
            raise CorruptRepo(f"{path}: PrivateKey is not base64") from None
        if len(secret) < 32:
            raise CorruptRepo(f"{path}: the secret is {len(secret)} bytes, expected at least 32")
        return secret

    def create_token(self, perm: str) -> str:
        """A token allowing ``perm`` and every permission below it (as ``lotus auth create-token``)."""
        return create_token(self.jwt_secret(), perms_up_to(perm))

    # -- the running daemon's endpoint ------------------------------------------------------------

    def write_api(self, multiaddr: str, token: str) -> None:
        """Publish where the API listens and an admin token for it."""
        atomic_write_bytes(self.path / TOKEN_FILE, token.encode(), mode=0o600)
        atomic_write_bytes(self.path / API_FILE, multiaddr.encode(), mode=0o644)

    def remove_api(self) -> None:
        """Withdraw the endpoint (a clean stop)."""
        for name in (API_FILE, TOKEN_FILE):
            (self.path / name).unlink(missing_ok=True)

    def api_info(self) -> ApiInfo:
        """The running daemon's address and token (NotFound when no daemon has published them)."""
        try:
            address = (self.path / API_FILE).read_text().strip()
        except FileNotFoundError:
            raise NotFound(f"no API file in {self.path}: is the daemon running?") from None
        try:
            token: str | None = (self.path / TOKEN_FILE).read_text().strip() or None
        except FileNotFoundError:
            token = None
        return ApiInfo(address, token)

    # -- one daemon per repository --------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[NodeRepo]:
        """Hold the repository lock for the duration (RepoLocked if another process has it)."""
        self.path.mkdir(parents=True, exist_ok=True)
        path = self.path / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RepoLocked(f"repository {self.path} is in use: another process holds {path}") from None
        self._lock_fd = fd
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            yield self
        finally:
            self._lock_fd = None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
