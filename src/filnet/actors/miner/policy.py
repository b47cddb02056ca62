"""The storage miner's policy formulas (builtin-actors ``miner/src/policy.rs``).

Quality-adjusted power, proof-type rules, sector lifetimes and the FIP-0100 daily fee. Values a network may
change (proving durations, sector lifetimes, the fee multipliers) come from the :class:`ActorPolicy`;
builtin-actors hard-codes some of them per proof type, filnet keeps them in the policy (see
:mod:`filnet.params.network`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld import codecs, multihash
from filnet.ipld.cid import CID
from filnet.params.network import EXPECTED_LEADERS_PER_EPOCH, ActorPolicy
from filnet.proofs.registry import SECTOR_SIZES, WINDOW_POST_CHALLENGE_COUNT, sector_shape

if TYPE_CHECKING:
    # sectors.py imports this module lazily for qa_power_for_sector; the type is only needed for hints.
    from filnet.actors.miner.sectors import PowerPair, SectorOnChainInfo

#: Bits of fixed-point precision of sector quality.
SECTOR_QUALITY_PRECISION: Final = 20
#: Quality multiplier of committed capacity and unverified deals.
QUALITY_BASE_MULTIPLIER: Final = 10
#: Quality multiplier of verified (FIL+) data.
VERIFIED_DEAL_WEIGHT_MULTIPLIER: Final = 100
#: A consensus fault reporter earns the epoch reward / (expected leaders × this share).
CONSENSUS_FAULT_REPORTER_DEFAULT_SHARE: Final = 4
#: Reward for a successful WindowPoSt dispute (builtin-actors ``BASE_REWARD_FOR_DISPUTED_WINDOW_POST``).
BASE_REWARD_FOR_DISPUTED_WINDOW_POST: Final = TokenAmount.from_fil(4)

# Registered seal proof ids: V1 (retired) 0-4, V1_1 5-9, V1_1 Synthetic PoRep 10-14, V1_2 NI-PoRep 15-19.
_SEAL_V1: Final = range(0, 5)
_SEAL_V1P1_AND_SYNTHETIC: Final = range(5, 15)
_SEAL_V1P1_AND_LATER: Final = range(5, 20)

#: Bytes of filnet's vanilla proof allowed per challenge answered. builtin-actors bounds proofs by their
#: SNARK sizes (192 bytes per partition); filnet carries vanilla proofs (Merkle paths and columns, about
#: 10 KiB per challenge for 2 KiB sectors), so it bounds them by challenges with room for the largest trees.
VANILLA_PROOF_BYTES_PER_CHALLENGE: Final = 64 << 10


def load_partitions_sectors_max(policy: ActorPolicy, partition_sector_count: int) -> int:
    """The most partitions one call may load when it loads all their sector infos."""
    return min(policy.addressed_sectors_max // partition_sector_count, policy.addressed_partitions_max)


def is_sealed_sector(c: CID) -> bool:
    """Whether ``c`` has the form of a CommR (a Poseidon sealed-sector commitment)."""
    return (
        c.version == 1
        and c.codec == codecs.FIL_COMMITMENT_SEALED
        and c.hash_code == multihash.POSEIDON_BLS12_381_A2_FC1
        and len(c.digest) == 32
    )


def can_pre_commit_seal_proof(policy: ActorPolicy, proof: int) -> bool:
    """Whether new sectors may be pre-committed with seal proof ``proof``."""
    return proof in policy.valid_pre_commit_proof_type


def can_prove_commit_ni_seal_proof(policy: ActorPolicy, proof: int) -> bool:
    """Whether sectors may be committed non-interactively with seal proof ``proof``."""
    return proof in policy.valid_prove_commit_ni_proof_type


def can_extend_seal_proof_type(proof: int) -> bool:
    """Whether sectors of seal proof ``proof`` may be extended (every type may, as in builtin-actors)."""
    return True


def max_prove_commit_duration(policy: ActorPolicy, proof: int) -> ChainEpoch | None:
    """The longest a pre-commit may wait for its proof, or None for a proof type with no limit set."""
    if proof in _SEAL_V1:
        return ChainEpoch(policy.max_prove_commit_duration_v1 + policy.pre_commit_challenge_delay)
    if proof in _SEAL_V1P1_AND_SYNTHETIC:
        return ChainEpoch(policy.max_prove_commit_duration_v1p1 + policy.pre_commit_challenge_delay)
    return None


def seal_proof_sector_maximum_lifetime(policy: ActorPolicy, proof: int) -> ChainEpoch | None:
    """The longest a sector of seal proof ``proof`` may live, or None for an unknown proof type."""
    if proof in _SEAL_V1:
        return ChainEpoch(policy.sector_maximum_lifetime_v1)
    if proof in _SEAL_V1P1_AND_LATER:
        return ChainEpoch(policy.sector_maximum_lifetime)
    return None


def registered_window_post_proof(seal_proof: int) -> int | None:
    """The WindowPoSt proof type of sectors sealed with ``seal_proof`` (V1_1 of the same size, as
    fvm_shared maps every seal proof version), or None for an unknown seal proof."""
    if 0 <= seal_proof < 20:
        return 10 + seal_proof % 5
    return None


def seal_proof_size_max(seal_proof: int) -> int | None:
    """The largest on-chain (vanilla) seal proof of one sector, or None for an unknown seal proof."""
    if not 0 <= seal_proof < 20:
        return None
    shape = sector_shape(SECTOR_SIZES[seal_proof % 5])
    return shape.porep_challenges * VANILLA_PROOF_BYTES_PER_CHALLENGE


def window_post_proof_size_max(post_proof: int) -> int | None:
    """The largest on-chain (vanilla) WindowPoSt proof of one partition, or None for an unknown type."""
    if not 5 <= post_proof < 15:
        return None
    shape = sector_shape(SECTOR_SIZES[post_proof % 5])
    return shape.window_post_sector_count * WINDOW_POST_CHALLENGE_COUNT * VANILLA_PROOF_BYTES_PER_CHALLENGE


def quality_for_weight(size: int, duration: ChainEpoch, verified_weight: int) -> int:
    """A sector's quality (Q.20 fixed point): the space-time weighted mean of the base and verified
    multipliers over the base multiplier."""
    sector_space_time = size * duration
    weighted_base_space_time = (sector_space_time - verified_weight) * QUALITY_BASE_MULTIPLIER
    weighted_verified_space_time = verified_weight * VERIFIED_DEAL_WEIGHT_MULTIPLIER
    weighted_sum = weighted_base_space_time + weighted_verified_space_time
    scaled_up = weighted_sum << SECTOR_QUALITY_PRECISION
    return (scaled_up // sector_space_time) // QUALITY_BASE_MULTIPLIER


def qa_power_max(size: int) -> int:
    """The largest QA power a sector of ``size`` can have (all verified data)."""
    return (size * VERIFIED_DEAL_WEIGHT_MULTIPLIER) // QUALITY_BASE_MULTIPLIER


def qa_power_for_weight(size: int, duration: ChainEpoch, verified_weight: int) -> int:
    """The QA power of a sector of ``size`` and ``duration`` holding ``verified_weight`` of FIL+ data."""
    quality = quality_for_weight(size, duration, verified_weight)
    return (size * quality) >> SECTOR_QUALITY_PRECISION


def qa_power_for_sector(size: int, sector: SectorOnChainInfo) -> int:
    """The QA power of a sector, over its life from its power base epoch."""
    duration = ChainEpoch(sector.expiration - sector.power_base_epoch)
    return qa_power_for_weight(size, duration, sector.verified_deal_weight)


def raw_power_for_sector(size: int) -> int:
    """The raw-byte power of a sector: its size."""
    return size


def sector_deals_max(policy: ActorPolicy, size: int) -> int:
    """The most deals one sector of ``size`` may hold."""
    return max(256, size // policy.deal_limit_denominator)


def reward_for_consensus_slash_report(epoch_reward: TokenAmount) -> TokenAmount:
    """What the reporter of a consensus fault earns."""
    return TokenAmount(
        epoch_reward.atto // (EXPECTED_LEADERS_PER_EPOCH * CONSENSUS_FAULT_REPORTER_DEFAULT_SHARE)
    )


def reward_for_disputed_window_post(proof_type: int, disputed_power: PowerPair) -> TokenAmount:
    """What a successful WindowPoSt disputer earns (a flat base today, whatever the power)."""
    return BASE_REWARD_FOR_DISPUTED_WINDOW_POST


def daily_proof_fee(policy: ActorPolicy, circulating_supply: TokenAmount, qa_power: int) -> TokenAmount:
    """The FIP-0100 daily fee of ``qa_power``: a fixed fraction of circulating supply per byte."""
    num = policy.daily_fee_circulating_supply_qap_multiplier_num * circulating_supply.atto * qa_power
    return TokenAmount(num // policy.daily_fee_circulating_supply_qap_multiplier_denom)


def daily_proof_fee_adjust(daily_fee: TokenAmount, old_qa_power: int, new_qa_power: int) -> TokenAmount:
    """A daily fee scaled by the change of a sector's QA power."""
    if old_qa_power == new_qa_power:
        return daily_fee
    return TokenAmount((daily_fee.atto * new_qa_power) // old_qa_power)


def daily_proof_fee_payable(
    policy: ActorPolicy, daily_fee: TokenAmount, estimated_day_reward: TokenAmount
) -> TokenAmount:
    """The daily fee actually charged: capped at a fraction of the sectors' expected day reward."""
    cap = TokenAmount(estimated_day_reward.atto // policy.daily_fee_block_reward_cap_denom)
    return min(cap, daily_fee)
