"""The one error root of filnet and its main branches.

Every error filnet raises on purpose derives from :class:`FilnetError`. The command line prints such an
error as one line and exits with code 2; anything else is a bug.

Branches:

* :class:`InvalidInput` -- the caller gave something malformed or unsupported (bad bytes, bad arguments).
  :class:`DecodeError` adds *where* in the input the problem is (a byte offset).
* :class:`IntegrityError` -- data is well formed but wrong: a block whose hash does not match its CID, a DAG
  with a missing block or a cycle.
* :class:`NotFound` -- a block, path or key that was asked for is not there.
* :class:`StorageError` -- an operational failure of a store or the file system.
"""

from __future__ import annotations


class FilnetError(Exception):
    """Root of every error filnet raises on purpose."""


class InvalidInput(FilnetError, ValueError):
    """Input that is malformed, out of range or unsupported."""


class DecodeError(InvalidInput):
    """Bytes that do not decode; ``offset`` says where, when known."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        self.offset = offset
        self.reason = message
        super().__init__(message if offset is None else f"{message} (at byte offset {offset})")


class UnsupportedCodec(InvalidInput):
    """A multicodec, multihash or multibase code that filnet does not handle."""


class IntegrityError(FilnetError):
    """Well-formed data that fails verification."""


class HashMismatch(IntegrityError):
    """A block's bytes do not hash to the digest its CID names."""


class MissingBlock(IntegrityError):
    """A DAG links to a block that is not available."""


class CycleError(IntegrityError):
    """A DAG links back to one of its own ancestors."""


class NotFound(FilnetError, LookupError):
    """A block, path, actor or key that was asked for does not exist."""


class StorageError(FilnetError):
    """An operational failure of a store or of the file system."""
