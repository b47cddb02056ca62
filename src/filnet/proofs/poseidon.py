"""Poseidon over BLS12-381 Fr, bit-compatible with neptune (Strength::Standard, HashType::MerkleTree).

The hash of ``arity`` field elements x_1..x_arity starts from the state ``[2^arity - 1, x_1, .., x_arity]``,
runs the permutation (4 full rounds, R_P partial rounds, 4 full rounds; each round: add constants, x^5
S-box, MDS) and returns state[1]. Filecoin uses arity 2 (CommR = H(comm_c, comm_r_last)), 8 (tree_r_last and
tree_c nodes) and 11 or 2 (tree_c columns).

Two ways to compute it:

* :func:`permute` / :func:`poseidon_hash` -- the readable reference (plain rounds, Python ints);
* :func:`hash_many` / :func:`hash_columns` -- batch APIs over 32-byte little-endian elements that run in the
  native extension ``filnet.proofs._poseidon_native`` (Montgomery arithmetic, sparse partial rounds) when it
  is built and fall back to the reference otherwise. Tests prove both give identical outputs.

Every byte-level entry point is strict: an input element >= r raises :class:`DecodeError` naming its byte
offset, in both paths (nothing is reduced silently).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Protocol

from filnet.errors import DecodeError, InvalidInput
from filnet.proofs.fr import FR_BYTES, R, check_canonical, fr_from_bytes, fr_to_bytes
from filnet.proofs.poseidon_constants import ARITIES, poseidon_params, sparse_params

__all__ = [
    "ARITIES",
    "backend",
    "force_portable",
    "hash_bytes",
    "hash_columns",
    "hash_many",
    "native_available",
    "native_tree_levels",
    "permute",
    "permute_sparse",
    "poseidon_hash",
]


def _sbox(x: int) -> int:
    """x^5 in Fr."""
    return pow(x, 5, R)


def permute(state: Sequence[int]) -> tuple[int, ...]:
    """The Poseidon permutation of a width-(arity + 1) state, plain form (reference)."""
    p = poseidon_params(len(state) - 1)
    half = p.full_rounds // 2
    x = list(state)
    for k in range(p.full_rounds + p.partial_rounds):
        x = [(a + c) % R for a, c in zip(x, p.round_constant(k), strict=True)]
        if half <= k < half + p.partial_rounds:
            x[0] = _sbox(x[0])
        else:
            x = [_sbox(a) for a in x]
        x = [sum(m * a for m, a in zip(row, x, strict=True)) % R for row in p.mds]
    return tuple(x)


def permute_sparse(state: Sequence[int]) -> tuple[int, ...]:
    """The same permutation evaluated in the optimized order the native code uses (see SparseParams)."""
    arity = len(state) - 1
    p, s = poseidon_params(arity), sparse_params(arity)
    half = p.full_rounds // 2

    def full_round(x: list[int], post: tuple[int, ...], matrix: tuple[tuple[int, ...], ...]) -> list[int]:
        x = [(_sbox(a) + c) % R for a, c in zip(x, post, strict=True)]
        return [sum(m * a for m, a in zip(row, x, strict=True)) % R for row in matrix]

    x = [(a + c) % R for a, c in zip(state, s.first_constants, strict=True)]
    for k in range(half):
        x = full_round(x, s.full_post[k], s.pre_sparse if k == half - 1 else p.mds)
    for scalar, sparse in zip(s.partial_post, s.sparse, strict=True):
        x0 = (_sbox(x[0]) + scalar) % R
        x = [
            sum(m * a for m, a in zip(sparse.row, [x0, *x[1:]], strict=True)) % R,
            *((a + c * x0) % R for a, c in zip(x[1:], sparse.column, strict=True)),
        ]
    for k in range(half, p.full_rounds):
        x = full_round(x, s.full_post[k], p.mds)
    return tuple(x)


class _NativeModule(Protocol):
    """The functions of ``filnet.proofs._poseidon_native`` this module calls."""

    def load_constants(
        self,
        arity: int,
        full_rounds: int,
        partial_rounds: int,
        first: bytes,
        full_post: bytes,
        partial_post: bytes,
        mds: bytes,
        pre_sparse: bytes,
        sparse: bytes,
        /,
    ) -> None: ...

    def hash_many(self, arity: int, data: bytes | bytearray | memoryview, threads: int, /) -> bytes: ...

    def tree_levels(self, arity: int, leaves: bytes | bytearray | memoryview, threads: int, /) -> bytes: ...

    def hash_columns(
        self, arity: int, layers: tuple[bytes | bytearray | memoryview, ...], threads: int, /
    ) -> bytes: ...

    def uses_adx(self) -> bool: ...

    def force_portable(self, force: bool, /) -> None: ...


def poseidon_hash(elements: Sequence[int]) -> int:
    """neptune's Merkle-tree Poseidon hash of ``arity`` field elements (reference)."""
    arity = len(elements)
    if arity not in ARITIES:
        raise InvalidInput(f"unsupported Poseidon arity {arity} (supported: {', '.join(map(str, ARITIES))})")
    for i, e in enumerate(elements):
        if not 0 <= e < R:
            raise InvalidInput(f"Poseidon input {i} is not a field element: {e:#x}")
    return permute([(1 << arity) - 1, *elements])[1]


def hash_bytes(elements: Sequence[bytes]) -> bytes:
    """Poseidon of 32-byte little-endian elements as 32 bytes (CommR = hash_bytes([comm_c, comm_r_last]))."""
    data = b"".join(elements)
    if len(data) != FR_BYTES * len(elements):
        raise InvalidInput("every Poseidon input must be exactly 32 bytes")
    return hash_many(len(elements), data)


def hash_many(arity: int, data: bytes | bytearray | memoryview, threads: int = 0) -> bytes:
    """Hash n consecutive groups of ``arity`` elements (n * arity * 32 bytes) into n * 32 bytes.

    ``threads`` bounds the native worker threads for large batches (0: one per CPU).
    """
    _check_shape(arity, len(data), arity)
    native = _native_for(arity)
    if native is not None:
        try:
            return native.hash_many(arity, data, threads)
        except ValueError as e:
            raise _noncanonical(e) from None
    check_canonical(data)
    step = arity * FR_BYTES
    return b"".join(
        fr_to_bytes(poseidon_hash([fr_from_bytes(data, o + i * FR_BYTES) for i in range(arity)]))
        for o in range(0, len(data), step)
    )


def hash_columns(layers: Sequence[bytes | bytearray | memoryview], threads: int = 0) -> bytes:
    """tree_c leaves: for each node i, Poseidon over (layers[0][i], .., layers[L-1][i]) (L = 2 or 11)."""
    arity = len(layers)
    if arity not in ARITIES:
        raise InvalidInput(f"unsupported column height {arity} (supported: {', '.join(map(str, ARITIES))})")
    size = len(layers[0])
    if any(len(layer) != size for layer in layers):
        raise InvalidInput("all layers of a column batch must have the same length")
    _check_shape(arity, size * arity, arity)
    native = _native_for(arity)
    if native is not None:
        try:
            return native.hash_columns(arity, tuple(layers), threads)
        except ValueError as e:
            raise _noncanonical(e) from None
    views = [memoryview(layer) for layer in layers]
    for index, layer in enumerate(views):
        try:
            check_canonical(layer)
        except DecodeError as e:
            raise DecodeError(f"layer {index} holds a non-canonical field element (>= r)", e.offset) from None
    return b"".join(
        fr_to_bytes(poseidon_hash([fr_from_bytes(layer, o) for layer in views]))
        for o in range(0, size, FR_BYTES)
    )


def native_tree_levels(arity: int, leaves: bytes | bytearray | memoryview, threads: int = 0) -> bytes | None:
    """All levels above ``leaves`` (arity^k elements) concatenated bottom-up, computed natively in one call.

    None when the extension is not built (callers then hash level by level with :func:`hash_many`).
    """
    _check_shape(arity, len(leaves), 1)
    count = len(leaves) // FR_BYTES
    while count > 1 and count % arity == 0:
        count //= arity
    if count != 1 or len(leaves) < arity * FR_BYTES:
        raise InvalidInput(f"a tree of arity {arity} needs arity^k leaves (k >= 1), got {len(leaves)} bytes")
    native = _native_for(arity)
    if native is None:
        return None
    try:
        return native.tree_levels(arity, leaves, threads)
    except ValueError as e:
        raise _noncanonical(e) from None


def native_available() -> bool:
    """True when the C fast path is built and importable."""
    return _native_module() is not None


def backend() -> str:
    """Which path hashes bytes: "native-adx" (BMI2/ADX multiplication), "native-portable" or "python"."""
    native = _native_module()
    if native is None:
        return "python"
    return "native-adx" if native.uses_adx() else "native-portable"


def force_portable(force: bool) -> None:
    """Make the native code use its portable multiplication (True) or choose by CPU again (False).

    For tests and benchmarks; do not call while another thread is hashing.
    """
    native = _native_module()
    if native is not None:
        native.force_portable(force)


def _check_shape(arity: int, length: int, group: int) -> None:
    """Reject unsupported arities and lengths that are not whole groups of elements."""
    if arity not in ARITIES:
        raise InvalidInput(f"unsupported Poseidon arity {arity} (supported: {', '.join(map(str, ARITIES))})")
    if length % (group * FR_BYTES):
        raise InvalidInput(f"input length {length} is not a multiple of {group} x 32 bytes")


def _noncanonical(error: ValueError) -> DecodeError:
    """The native module reports a bad element as ValueError(message, byte_offset)."""
    offset = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], int) else None
    return DecodeError(str(error.args[0]), offset)


@functools.cache
def _native_module() -> _NativeModule | None:
    """The C extension, or None when it is not built."""
    try:
        from filnet.proofs import _poseidon_native
    except ImportError:
        return None
    return _poseidon_native


_LOADED: set[int] = set()
_LOAD_LOCK = threading.Lock()


def _native_for(arity: int) -> _NativeModule | None:
    """The C extension with ``arity``'s sparse constants loaded (converted to Montgomery form once).

    Loading happens once per arity, under a lock: the C code frees an arity's old tables when they are loaded
    again, which would pull them from under another thread hashing with that arity (it runs without the GIL).
    """
    native = _native_module()
    if native is None or arity in _LOADED:
        return native
    with _LOAD_LOCK:
        if arity in _LOADED:
            return native
        p, s = poseidon_params(arity), sparse_params(arity)

        def pack(values: Sequence[int]) -> bytes:
            return b"".join(fr_to_bytes(v) for v in values)

        native.load_constants(
            arity,
            p.full_rounds,
            p.partial_rounds,
            pack(s.first_constants),
            pack([c for post in s.full_post for c in post]),
            pack(s.partial_post),
            pack([m for row in p.mds for m in row]),
            pack([m for row in s.pre_sparse for m in row]),
            pack([c for sparse in s.sparse for c in (*sparse.row, *sparse.column)]),
        )
        _LOADED.add(arity)
    return native
