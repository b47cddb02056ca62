"""Poseidon parameters as neptune (Strength::Standard) derives them: generated here, never pasted.

* Round constants come from the Grain LFSR of the Poseidon paper's reference script
  (``generate_parameters_grain.sage``), seeded with field type 1 (prime field), S-box id 1, field size 255,
  width t, R_F and R_P -- the arguments neptune passes to ``generate_constants`` (``round_constants.rs``,
  ``FIELD = 1``, ``SBOX = 1``).
* The MDS matrix is the Cauchy matrix ``M[i][j] = 1 / (x_i + y_j)`` with ``x_i = i`` and ``y_j = t + j``
  (neptune ``mds.rs``); it is symmetric, so row- and column-vector products agree.

Besides the plain parameters this module derives the *sparse* form that fast implementations use (the
Poseidon paper, appendix B; neptune's "optimized" constants): round constants moved after the S-box so that
each partial round adds one scalar, and each partial round's dense MDS factored into a sparse matrix, the
leftover dense factor folded into the last full round before the partial rounds. ``poseidon.permute_sparse``
evaluates that form in Python and the tests prove it equal to the plain permutation.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from filnet.errors import InvalidInput
from filnet.proofs.fr import FR_BITS, R, fr_inv

#: Full rounds (half before, half after the partial rounds) for every arity.
FULL_ROUNDS = 8

#: Partial rounds per arity for Strength::Standard (neptune ``round_numbers``, 128-bit security, x^5).
PARTIAL_ROUNDS: dict[int, int] = {2: 55, 4: 56, 8: 57, 11: 57}

#: The arities filnet supports (Filecoin uses 2, 8 and 11; 4 is neptune's other common shape).
ARITIES = tuple(sorted(PARTIAL_ROUNDS))

Matrix = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class SparseRound:
    """One partial round's sparse MDS: ``out[0] = row . x`` and ``out[i] = x[i] + column[i-1] * x[0]``."""

    row: tuple[int, ...]
    column: tuple[int, ...]


@dataclass(frozen=True)
class PoseidonParams:
    """Everything that defines Poseidon for one arity (width t = arity + 1)."""

    arity: int
    full_rounds: int
    partial_rounds: int
    round_constants: tuple[int, ...]  # (full_rounds + partial_rounds) * width, round by round
    mds: Matrix

    @property
    def width(self) -> int:
        """The state size t."""
        return self.arity + 1

    @property
    def merkle_tag(self) -> int:
        """neptune's HashType::MerkleTree domain tag, 2^arity - 1, placed in state[0]."""
        return (1 << self.arity) - 1

    def round_constant(self, round_index: int) -> tuple[int, ...]:
        """The t constants added at the start of round ``round_index`` in the plain form."""
        t = self.width
        return self.round_constants[round_index * t : (round_index + 1) * t]


@dataclass(frozen=True)
class SparseParams:
    """The optimized evaluation order (same permutation as the plain form).

    Evaluation: add ``first_constants``; each first-half full round: S-box all, add its ``full_post`` vector,
    multiply by ``mds`` (the last first-half round by ``pre_sparse`` instead); each partial round: S-box
    state[0], add its ``partial_post`` scalar to state[0], apply its sparse matrix; each second-half full
    round: S-box all, add ``full_post`` (all zero for the final round), multiply by ``mds``.
    """

    first_constants: tuple[int, ...]
    full_post: tuple[tuple[int, ...], ...]  # one vector per full round, first half then second half
    partial_post: tuple[int, ...]
    pre_sparse: Matrix
    sparse: tuple[SparseRound, ...]


def _grain_initial_register(width: int, full_rounds: int, partial_rounds: int) -> int:
    """The Grain LFSR's 80-bit starting register; bit i is state[i], state[0] the next to shift out."""
    init = (
        _bits(1, 2)  # field: prime field GF(p)
        # S-box id: neptune passes SBOX = 1 for x^5 although the reference script numbers x^alpha as 0;
        # a compatibility quirk that changes every constant.
        + _bits(1, 4)
        + _bits(FR_BITS, 12)
        + _bits(width, 12)
        + _bits(full_rounds, 10)
        + _bits(partial_rounds, 10)
        + [1] * 30
    )
    return sum(bit << i for i, bit in enumerate(init))


def grain_bits(width: int, full_rounds: int, partial_rounds: int) -> Iterator[int]:
    """The Grain LFSR's filtered bit stream for these parameters (Poseidon reference script)."""
    register = _grain_initial_register(width, full_rounds, partial_rounds)

    def step() -> int:
        nonlocal register
        bit = (
            (register >> 62)
            ^ (register >> 51)
            ^ (register >> 38)
            ^ (register >> 23)
            ^ (register >> 13)
            ^ register
        ) & 1
        register = (register >> 1) | (bit << 79)
        return bit

    for _ in range(160):
        step()
    while True:
        # Bits come in pairs: the second is emitted only when the first is 1.
        if step():
            yield step()
        else:
            step()


def grain_round_constants_reference(width: int, full_rounds: int, partial_rounds: int) -> tuple[int, ...]:
    """(R_F + R_P) * t round constants: 255-bit big-endian draws from the Grain stream, rejected if >= r."""
    bits = grain_bits(width, full_rounds, partial_rounds)
    constants: list[int] = []
    while len(constants) < (full_rounds + partial_rounds) * width:
        value = 0
        for _ in range(FR_BITS):
            value = (value << 1) | next(bits)
        if value < R:
            constants.append(value)
    return tuple(constants)


#: New LFSR bits computable at once: bit n+80 needs bits n+62 and below, so 18 bits follow from one register.
_GRAIN_BLOCK: Final = 80 - 62


def _grain_raw_bits(register: int, count: int) -> tuple[str, int]:
    """``count`` (a multiple of 18) raw LFSR bits as a '0'/'1' string, oldest first; and the new register."""
    out = []
    mask = (1 << _GRAIN_BLOCK) - 1
    for _ in range(count // _GRAIN_BLOCK):
        new = (
            register ^ register >> 13 ^ register >> 23 ^ register >> 38 ^ register >> 51 ^ register >> 62
        ) & mask
        register = register >> _GRAIN_BLOCK | new << 62
        out.append(format(new, "018b")[::-1])
    return "".join(out), register


def grain_round_constants(width: int, full_rounds: int, partial_rounds: int) -> tuple[int, ...]:
    """The constants of :func:`grain_round_constants_reference`, computed 18 LFSR bits per step.

    Same stream, same pair filter (keep the second bit of a pair whose first bit is 1), same 255-bit
    big-endian draws with rejection; only the bookkeeping is done on strings of bits instead of one bit at a
    time, which makes it about ten times faster.
    """
    register = _grain_initial_register(width, full_rounds, partial_rounds)
    raw, register = _grain_raw_bits(register, 9 * _GRAIN_BLOCK)
    raw = raw[160:]  # the reference script discards the first 160 bits
    needed = (full_rounds + partial_rounds) * width
    constants: list[int] = []
    pending = ""
    while len(constants) < needed:
        chunk, register = _grain_raw_bits(register, 256 * _GRAIN_BLOCK)
        raw += chunk
        usable = len(raw) & ~1
        pending += "".join(y for x, y in zip(raw[0:usable:2], raw[1:usable:2], strict=True) if x == "1")
        raw = raw[usable:]
        while len(pending) >= FR_BITS and len(constants) < needed:
            value = int(pending[:FR_BITS], 2)
            pending = pending[FR_BITS:]
            if value < R:
                constants.append(value)
    return tuple(constants)


def cauchy_mds(width: int) -> Matrix:
    """neptune's MDS matrix: M[i][j] = 1 / (i + (t + j)) in Fr."""
    return tuple(tuple(fr_inv(i + width + j) for j in range(width)) for i in range(width))


@functools.cache
def poseidon_params(arity: int) -> PoseidonParams:
    """The Strength::Standard parameters for ``arity`` (2, 4, 8 or 11); computed once per process."""
    if arity not in PARTIAL_ROUNDS:
        raise InvalidInput(f"unsupported Poseidon arity {arity} (supported: {', '.join(map(str, ARITIES))})")
    width = arity + 1
    partial = PARTIAL_ROUNDS[arity]
    return PoseidonParams(
        arity=arity,
        full_rounds=FULL_ROUNDS,
        partial_rounds=partial,
        round_constants=grain_round_constants(width, FULL_ROUNDS, partial),
        mds=cauchy_mds(width),
    )


@functools.cache
def sparse_params(arity: int) -> SparseParams:
    """Derive the optimized form of ``poseidon_params(arity)`` (see the module docstring)."""
    p = poseidon_params(arity)
    t, half, partial = p.width, p.full_rounds // 2, p.partial_rounds
    m, m_inv = p.mds, mat_inv(p.mds)
    last = p.full_rounds + partial - 1

    # Constants: adding c_{k+1} before round k+1's S-box equals adding M^-1 c_{k+1} after round k's S-box.
    # In partial rounds only element 0 must stay after the S-box; the rest commutes with the S-box and moves
    # back one more round. Walk the partial rounds backwards collecting those scalars.
    acc = p.round_constant(half + partial)
    scalars: list[int] = []
    for k in range(half + partial - 1, half - 1, -1):
        inverted = mat_vec(m_inv, acc)
        scalars.append(inverted[0])
        acc = vec_add(p.round_constant(k), (0, *inverted[1:]))
    scalars.reverse()
    full_post: list[tuple[int, ...]] = [mat_vec(m_inv, p.round_constant(k + 1)) for k in range(half - 1)]
    full_post.append(mat_vec(m_inv, acc))
    for k in range(half + partial, last + 1):
        full_post.append(mat_vec(m_inv, p.round_constant(k + 1)) if k < last else (0,) * t)

    # Matrices: a partial round's matrix A = A'' A' with A' = diag(1, B) (B = A without row/column 0) and
    # A'' = [[a00, a^T B^-1], [b, I]] sparse. A' commutes with the partial S-box and its scalar add, so it
    # moves into the previous round (A' M), finally into the last first-half full round: pre_sparse = A' M.
    sparse: list[SparseRound] = []
    current = m
    for _ in range(partial):
        b_inv = mat_inv(tuple(row[1:] for row in current[1:]))
        a_row = current[0][1:]
        row_times_b_inv = tuple(sum(a_row[i] * b_inv[i][j] for i in range(t - 1)) % R for j in range(t - 1))
        sparse.append(
            SparseRound(row=(current[0][0], *row_times_b_inv), column=tuple(row[0] for row in current[1:]))
        )
        a_prime = tuple(
            tuple(1 if i == j == 0 else 0 if i == 0 or j == 0 else current[i][j] for j in range(t))
            for i in range(t)
        )
        current = mat_mul(a_prime, m)
    sparse.reverse()
    return SparseParams(
        first_constants=p.round_constant(0),
        full_post=tuple(full_post),
        partial_post=tuple(scalars),
        pre_sparse=current,
        sparse=tuple(sparse),
    )


def mat_vec(m: Matrix, v: tuple[int, ...]) -> tuple[int, ...]:
    """M v in Fr."""
    return tuple(sum(a * b for a, b in zip(row, v, strict=True)) % R for row in m)


def vec_add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """a + b element-wise in Fr."""
    return tuple((x + y) % R for x, y in zip(a, b, strict=True))


def mat_mul(a: Matrix, b: Matrix) -> Matrix:
    """A B in Fr."""
    columns = list(zip(*b, strict=True))
    return tuple(tuple(sum(x * y for x, y in zip(row, col, strict=True)) % R for col in columns) for row in a)


def mat_inv(m: Matrix) -> Matrix:
    """The inverse of a square matrix over Fr (Gauss-Jordan); raises InvalidInput when singular."""
    n = len(m)
    rows = [[*row, *(1 if i == j else 0 for j in range(n))] for i, row in enumerate(m)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if rows[r][col] % R), None)
        if pivot is None:
            raise InvalidInput("matrix is singular over Fr")
        rows[col], rows[pivot] = rows[pivot], rows[col]
        scale = fr_inv(rows[col][col])
        rows[col] = [x * scale % R for x in rows[col]]
        for r in range(n):
            if r != col and rows[r][col]:
                factor = rows[r][col]
                rows[r] = [(x - factor * y) % R for x, y in zip(rows[r], rows[col], strict=True)]
    return tuple(tuple(row[n:]) for row in rows)


def _bits(value: int, width: int) -> list[int]:
    """``value`` as ``width`` bits, most significant first."""
    return [(value >> (width - 1 - i)) & 1 for i in range(width)]
