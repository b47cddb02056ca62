"""Crash-safe storage of the pool's local messages: one SQLite file (Lotus: ``/mpool/local``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from filnet.chain.message import SignedMessage
from filnet.errors import DecodeError, StorageError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS local_messages (
    cid BLOB PRIMARY KEY,
    sender BLOB NOT NULL,
    nonce INTEGER NOT NULL,
    data BLOB NOT NULL
)
"""


class LocalMessageStore:
    """Signed local messages keyed by CID, each write committed before it returns."""

    FILE_NAME = "mpool-local.sqlite"

    def __init__(self, directory: Path) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(directory / self.FILE_NAME, isolation_level=None)
            # WAL with full sync: a committed put survives a crash, a torn write is rolled back.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as e:
            raise StorageError(f"cannot open the local message store in {directory}: {e}") from e

    def put(self, message: SignedMessage) -> None:
        """Store ``message`` (replacing an identical CID)."""
        m = message.message
        self._exec(
            "INSERT OR REPLACE INTO local_messages (cid, sender, nonce, data) VALUES (?, ?, ?, ?)",
            (bytes(message.cid), bytes(m.sender), m.nonce, message.encode()),
        )

    def delete(self, message: SignedMessage) -> None:
        """Forget ``message`` if stored."""
        self._exec("DELETE FROM local_messages WHERE cid = ?", (bytes(message.cid),))

    def all(self) -> list[SignedMessage]:
        """Every stored message, by sender then nonce."""
        try:
            rows = self._db.execute("SELECT data FROM local_messages ORDER BY sender, nonce").fetchall()
        except sqlite3.Error as e:
            raise StorageError(f"cannot read the local message store: {e}") from e
        out: list[SignedMessage] = []
        for (data,) in rows:
            try:
                out.append(SignedMessage.decode(bytes(data)))
            except DecodeError as e:
                raise StorageError(f"corrupt local message in the store: {e}") from e
        return out

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def _exec(self, sql: str, args: tuple[object, ...]) -> None:
        try:
            self._db.execute(sql, args)
        except sqlite3.Error as e:
            raise StorageError(f"local message store write failed: {e}") from e
