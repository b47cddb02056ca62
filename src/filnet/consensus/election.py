"""Expected Consensus elections: ticket and election VRF inputs and the win count (Lotus ``ComputeWinCount``).

A miner's election proof is its worker's VRF proof over randomness drawn from the latest beacon entry; the
blake2b-256 of the proof, read as a Q.256 fraction in [0, 1), is compared against the upper tail of a
Poisson distribution with rate λ = BlocksPerEpoch · power / totalPower, all in Lotus's fixed-point
arithmetic (``chain/types/electionproof.go``), so every node counts the same number of wins.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

from filnet.chain.block import BeaconEntry, ElectionProof, Ticket
from filnet.core.address import Address
from filnet.core.types import ChainEpoch
from filnet.crypto import vrf
from filnet.crypto.randomness import DomainSeparationTag, draw_randomness
from filnet.errors import InvalidInput
from filnet.ipld import dagcbor

#: Expected winners per epoch (Lotus ``BlocksPerEpoch``, builtin ``ExpectedLeadersPerEpoch``).
BLOCKS_PER_EPOCH: Final = 5
#: The most wins one election can claim (Lotus ``MaxWinCount``).
MAX_WIN_COUNT: Final = 3 * BLOCKS_PER_EPOCH
#: Tickets are drawn for the epoch before the block's (Lotus ``TicketRandomnessLookback``).
TICKET_RANDOMNESS_LOOKBACK: Final = 1
#: Fixed-point precision of the election arithmetic (Q.256).
PRECISION: Final = 256


def _coefficients(values: Sequence[int]) -> tuple[int, ...]:
    # Lotus writes the constants in Q.128 and shifts them up to Q.256.
    return tuple(v << (PRECISION - 128) for v in values)


# Rational approximation of e^-x on [0, 5] (Lotus's expNumCoef / expDenoCoef), highest degree first.
_EXP_NUMERATOR: Final = _coefficients(
    (
        -648770010757830093818553637600,
        67469480939593786226847644286976,
        -3197587544499098424029388939001856,
        89244641121992890118377641805348864,
        -1579656163641440567800982336819953664,
        17685496037279256458459817590917169152,
        -115682590513835356866803355398940131328,
        340282366920938463463374607431768211456,
    )
)
_EXP_DENOMINATOR: Final = _coefficients(
    (
        1225524182432722209606361,
        114095592300906098243859450,
        5665570424063336070530214243,
        194450132448609991765137938448,
        5068267641632683791026134915072,
        104716890604972796896895427629056,
        1748338658439454459487681798864896,
        23704654329841312470660182937960448,
        259380097567996910282699886670381056,
        2250336698853390384720606936038375424,
        14978272436876548034486263159246028800,
        72144088983913131323343765784380833792,
        224599776407103106596571252037123047424,
        340282366920938463463374607431768211456,
    )
)


def _go_div(a: int, b: int) -> int:
    """Go's big.Int Div (Euclidean); every divisor here is positive, where it equals floor division."""
    return a // b


def _polyval(coefficients: Sequence[int], x: int) -> int:
    """Horner evaluation in Q.256 (Go's Rsh floors, as Python's >> does)."""
    result = coefficients[0]
    for c in coefficients[1:]:
        result = ((result * x) >> PRECISION) + c
    return result


def expneg(x: int) -> int:
    """e^-x in Q.256 for x in Q.256 (Lotus ``expneg``)."""
    numerator = _polyval(_EXP_NUMERATOR, x) << PRECISION
    return _go_div(numerator, _polyval(_EXP_DENOMINATOR, x))


def election_lambda(power: int, total_power: int) -> int:
    """λ = BlocksPerEpoch · power / totalPower in Q.256 (Lotus ``lambda``)."""
    if total_power <= 0:
        raise InvalidInput(f"total power must be positive, got {total_power}")
    return _go_div((power * BLOCKS_PER_EPOCH) << PRECISION, total_power)


def poisson_icdf(lam: int, terms: int) -> list[int]:
    """The Poisson upper-tail values 1 − CDF(k) for k = 0..terms in Q.256 (Lotus ``newPoiss``/``next``)."""
    pmf = expneg(lam)
    icdf = (1 << PRECISION) - pmf
    out = [icdf]
    for k in range(1, terms + 1):
        pmf = (_go_div(pmf, k) * lam) >> PRECISION
        icdf -= pmf
        out.append(icdf)
    return out


def compute_win_count(vrf_proof: bytes, miner_power: int, total_power: int) -> int:
    """How many times an election proof wins with this power (Lotus ``ElectionProof.ComputeWinCount``)."""
    lhs = int.from_bytes(hashlib.blake2b(vrf_proof, digest_size=32).digest(), "big")
    lam = election_lambda(miner_power, total_power)
    pmf = expneg(lam)
    rhs = (1 << PRECISION) - pmf
    wins = 0
    while lhs < rhs and wins < MAX_WIN_COUNT:
        wins += 1
        pmf = (_go_div(pmf, wins) * lam) >> PRECISION
        rhs -= pmf
    return wins


# -- VRF inputs ------------------------------------------------------------------------------------------


def randomness_beacon(entries: Sequence[BeaconEntry], previous_entry: BeaconEntry) -> BeaconEntry:
    """The beacon entry a block draws from: its last entry, else the chain's latest before it."""
    return entries[-1] if entries else previous_entry


def miner_entropy(miner: Address) -> bytes:
    """The miner address as CBOR (a byte string), the entropy of election draws (Lotus ``MarshalCBOR``)."""
    return dagcbor.encode(bytes(miner))


def ticket_vrf_input(
    beacon: BeaconEntry, miner: Address, epoch: ChainEpoch | int, parent_min_ticket: bytes | None
) -> bytes:
    """The randomness a block's ticket signs (Lotus ``ComputeVRF`` input for tickets).

    ``parent_min_ticket`` is the VRF proof of the parent tipset's smallest ticket; Lotus appends it to the
    entropy after the Smoke upgrade (from genesis on test networks) and omits it before (pass None).
    """
    entropy = miner_entropy(miner) + (parent_min_ticket or b"")
    return draw_randomness(
        beacon.data, DomainSeparationTag.TICKET_PRODUCTION, epoch - TICKET_RANDOMNESS_LOOKBACK, entropy
    )


def election_vrf_input(beacon: BeaconEntry, miner: Address, epoch: ChainEpoch | int) -> bytes:
    """The randomness a block's election proof signs."""
    return draw_randomness(
        beacon.data, DomainSeparationTag.ELECTION_PROOF_PRODUCTION, epoch, miner_entropy(miner)
    )


def winning_post_randomness(beacon: BeaconEntry, miner: Address, epoch: ChainEpoch | int) -> bytes:
    """The WinningPoSt challenge seed of a block (Lotus ``VerifyWinningPoStProof`` / miner ``mineOne``)."""
    return draw_randomness(
        beacon.data, DomainSeparationTag.WINNING_POST_CHALLENGE_SEED, epoch, miner_entropy(miner)
    )


# -- proofs by the worker key ----------------------------------------------------------------------------


def make_ticket(
    worker_private_key: bytes,
    beacon: BeaconEntry,
    miner: Address,
    epoch: ChainEpoch | int,
    parent_min_ticket: bytes | None,
) -> Ticket:
    """The ticket a miner's BLS worker key makes for a block at ``epoch``."""
    return Ticket(vrf.prove(worker_private_key, ticket_vrf_input(beacon, miner, epoch, parent_min_ticket)))


def is_round_winner(
    worker_private_key: bytes,
    beacon: BeaconEntry,
    miner: Address,
    epoch: ChainEpoch | int,
    miner_power: int,
    total_power: int,
) -> ElectionProof | None:
    """The miner's election proof if it wins at ``epoch``, else None (Lotus ``IsRoundWinner``)."""
    proof = vrf.prove(worker_private_key, election_vrf_input(beacon, miner, epoch))
    wins = compute_win_count(proof, miner_power, total_power)
    return ElectionProof(wins, proof) if wins > 0 else None
