"""FRC-42 method numbers: exported actor methods are numbered by a hash of their name.

The number is the first 4-byte big-endian chunk of blake2b-512(``"1|" ‖ name``) that is at least 2**24 (lower
numbers are reserved); ``Constructor`` is always 1. Names must start with an upper-case ASCII letter and
continue with ASCII letters, digits and ``_`` (the reference ``frc42_dispatch`` checks exactly this; the
FRC's prose also allows a leading ``_``, the code does not).
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from filnet.core.types import MethodNum
from filnet.errors import InvalidInput

CONSTRUCTOR_METHOD: Final = MethodNum(1)
#: Numbers below this are reserved for the builtin actors' own methods.
FIRST_EXPORTED_METHOD: Final = 1 << 24
_NAME: Final = re.compile(r"[A-Z][A-Za-z0-9_]*")


def method_number(name: str) -> MethodNum:
    """The FRC-42 method number of ``name`` (e.g. ``InvokeEVM`` → 3844450837)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidInput(f"invalid FRC-42 method name {name!r}: ASCII letters, digits and _, capital first")
    if name == "Constructor":
        return CONSTRUCTOR_METHOD
    digest = hashlib.blake2b(b"1|" + name.encode("ascii"), digest_size=64).digest()
    for i in range(0, len(digest), 4):
        number = int.from_bytes(digest[i : i + 4], "big")
        if number >= FIRST_EXPORTED_METHOD:
            return MethodNum(number)
    # No name is known to hash to sixteen reserved chunks (odds about 2^-128); FRC-42 makes it an error.
    raise InvalidInput(f"FRC-42 method name {name!r} hashes to no usable number")
