"""Alpha-beta filters: the smoothed estimates the reward and power actors keep (builtin-actors
``fil_actors_runtime::builtin::reward::smooth``).

An estimate is a position and a velocity in Q.128 fixed point. Each epoch the filter predicts the position
from the velocity, then corrects both by a fraction (``alpha``, ``beta``) of the residual against the
observation. ``extrapolated_cum_sum_of_ratio`` integrates the ratio of two such linear estimates over a
window (used for pledge and reward projections). As everywhere in Q.128 code, shifts and divisions floor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from filnet.actors.encoding import as_bigint, bigint, fields

PRECISION: Final = 128

DEFAULT_ALPHA: Final = 314760000000000000000000000000000000  # 9.25e-4 in Q.128
DEFAULT_BETA: Final = 96640100000000000000000000000000  # 2.84e-7 in Q.128
_LN_2: Final = 235865763225513294137944142764154484399
# Below this squared denominator velocity the ratio is integrated as if the denominator were constant.
_EPSILON: Final = 302231454903657293676544

# Rational approximation of ln(x) on [1, 2] (Q.128 coefficients, highest degree first).
_LN_NUMERATOR: Final = (
    261417938209272870992496419296200268025,
    7266615505142943436908456158054846846897,
    32458783941900493142649393804518050491988,
    17078670566130897220338060387082146864806,
    -35150353308172866634071793531642638290419,
    -20351202052858059355702509232125230498980,
    -1563932590352680681114104005183375350999,
)
_LN_DENOMINATOR: Final = (
    49928077726659937662124949977867279384,
    2508163877009111928787629628566491583994,
    21757751789594546643737445330202599887121,
    53400635271583923415775576342898617051826,
    41248834748603606604000911015235164348839,
    9015227820322455780436733526367238305537,
    340282366920938463463374607431768211456,
)


def poly_val(coefficients: tuple[int, ...], x: int) -> int:
    """Horner evaluation of a Q.128 polynomial at Q.128 ``x``."""
    result = 0
    for coefficient in coefficients:
        result = ((result * x) >> PRECISION) + coefficient
    return result


def ln(z: int) -> int:
    """Natural log of a positive Q.128 number, in Q.128: ``k·ln 2 + ln(z / 2^k)``, ``z / 2^k`` in [1, 2)."""
    k = z.bit_length() - 1 - PRECISION
    x = z >> k if k > 0 else z << -k
    return k * _LN_2 + (poly_val(_LN_NUMERATOR, x) << PRECISION) // poly_val(_LN_DENOMINATOR, x)


@dataclass(frozen=True, slots=True)
class FilterEstimate:
    """Position and velocity of an alpha-beta filter, both in Q.128 (CBOR: a tuple of two BigInts)."""

    position: int
    velocity: int

    @classmethod
    def from_q0(cls, position: int, velocity: int) -> FilterEstimate:
        """An estimate from whole-unit position and velocity."""
        return cls(position << PRECISION, velocity << PRECISION)

    def estimate(self) -> int:
        """The position in whole units."""
        return self.position >> PRECISION

    def extrapolate(self, delta: int) -> int:
        """The position ``delta`` epochs ahead, in Q.256."""
        return self.velocity * (delta << PRECISION) + (self.position << PRECISION)

    def next_estimate(
        self, observation: int, epoch_delta: int, alpha: int = DEFAULT_ALPHA, beta: int = DEFAULT_BETA
    ) -> FilterEstimate:
        """The estimate after observing ``observation`` (whole units) ``epoch_delta`` epochs later."""
        delta_t = epoch_delta << PRECISION
        position = ((delta_t * self.velocity) >> PRECISION) + self.position
        residual = (observation << PRECISION) - position
        position += (alpha * residual) >> PRECISION
        velocity = (residual * beta) // delta_t + self.velocity
        return FilterEstimate(position, velocity)

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bigint(self.position), bigint(self.velocity)]

    @classmethod
    def from_ipld(cls, raw: Any) -> FilterEstimate:
        """Parse the CBOR tuple."""
        position, velocity = fields(raw, 2, "FilterEstimate")
        return cls(
            as_bigint(position, "FilterEstimate.position"), as_bigint(velocity, "FilterEstimate.velocity")
        )


def extrapolated_cum_sum_of_ratio(
    delta: int, relative_start: int, numerator: FilterEstimate, denominator: FilterEstimate
) -> int:
    """∫ numerator(t) / denominator(t) dt over ``[relative_start, relative_start + delta)``, in Q.128."""
    delta_t = delta << PRECISION
    t0 = relative_start << PRECISION
    x1, v1 = numerator.position, numerator.velocity
    x2, v2 = denominator.position, denominator.velocity
    squared_v2 = (v2 * v2) >> PRECISION
    if squared_v2 > _EPSILON:
        # Closed form with a linearly changing denominator: logarithms of its values at both ends.
        x2a = ((v2 * t0) >> PRECISION) + x2
        x2b = ((v2 * delta_t) >> PRECISION) + x2a
        ln_a, ln_b = ln(x2a), ln(x2b)
        m1 = ((ln_b - ln_a) * x1 * v2) >> PRECISION
        m2 = (((ln_a - ln_b) * x2 + v2 * delta_t) * v1) >> PRECISION
        return (m2 + m1) // squared_v2
    # Nearly constant denominator: the numerator at the window's midpoint times its length, over it.
    midpoint = ((v1 * (t0 + (delta_t >> 1))) >> PRECISION) + x1
    return (midpoint * delta_t) // x2
