"""Network parameters: the builtin actors' policy and the chain's constants, one frozen value per network.

:class:`ActorPolicy` holds what builtin-actors keeps in its runtime ``Policy`` (``runtime/src/runtime/
policy.rs``) plus the durations its actors hard-code per network through Cargo features or constants
(deal duration bounds, maximum prove-commit duration, reward vesting). Actors read it as ``rt.policy``.
:class:`NetworkParams` adds what the chain and the node need (block time, address prefix, chain ID, gas
limits) and names the network.

The three profiles:

* ``mainnet``: builtin-actors' defaults with the ``mainnet`` bundle's features (32 GiB and 64 GiB sectors,
  10 TiB minimum power), Lotus's mainnet build constants.
* ``calibnet``: the same policy with the ``calibrationnet`` features (32 GiB minimum power), Lotus's
  calibnet constants.
* ``devnet``: the ``devnet`` bundle's features (2 KiB and 8 MiB sectors, ``small-deals``,
  ``short-precommit``, ``min-power-2k``) and, unlike Lotus's 2k devnet, waiting times scaled down to
  1-second epochs so that a sector goes from pre-commit to its first WindowPoSt in under two minutes: a
  proving period of 96 epochs (48 deadlines of 2 epochs, so the miner state keeps Filecoin's shape), a
  30-epoch finality, deals from 120 epochs, payments settled every 20 epochs. Economic formulas (pledge
  and fee projections in days of 2,880 epochs) are Filecoin's own on every network.

Only the interactive seal proofs that :mod:`filnet.proofs` produces are valid for new sectors on devnet
(V1_1 of 2 KiB and 8 MiB); mainnet and calibnet list builtin-actors' sets, Synthetic PoRep included.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from filnet.errors import InvalidInput

#: Epochs in a day, hour and year at Filecoin's 30-second epochs (builtin-actors ``network.rs``); the actors'
#: economic formulas (pledge, fees, reward projections) are written in these units on every network.
EPOCH_DURATION_SECONDS: Final = 30
EPOCHS_IN_HOUR: Final = 3600 // EPOCH_DURATION_SECONDS
EPOCHS_IN_DAY: Final = 86400 // EPOCH_DURATION_SECONDS
EPOCHS_IN_YEAR: Final = 31556925 // EPOCH_DURATION_SECONDS
#: Expected blocks per epoch under Expected Consensus (builtin-actors ``EXPECTED_LEADERS_PER_EPOCH``).
EXPECTED_LEADERS_PER_EPOCH: Final = 5


@dataclass(frozen=True, slots=True)
class VestSpec:
    """A linear vesting schedule (builtin-actors miner ``VestSpec``)."""

    #: Delay before any amount starts vesting.
    initial_delay: int
    #: Period over which the total vests, after the initial delay.
    vest_period: int
    #: Epochs between successive vesting steps.
    step_duration: int
    #: Granularity of the vesting table's epochs.
    quantization: int


@dataclass(frozen=True, slots=True)
class ActorPolicy:
    """Everything the builtin actors' behaviour depends on that differs between networks.

    Field names and meanings follow builtin-actors' ``Policy``; the fields after ``minimum_consensus_power``
    are constants builtin-actors hard-codes (its values for mainnet), gathered here so a network can
    change them.
    """

    # -- miner --------------------------------------------------------------------------------------
    max_aggregated_sectors: int
    min_aggregated_sectors: int
    max_aggregated_proof_size: int
    max_replica_update_proof_size: int
    #: How long expired pre-commits stay in state before cron cleans them up.
    expired_pre_commit_clean_up_delay: int
    #: The period over which all of a miner's active sectors are challenged.
    wpost_proving_period: int
    #: The duration of a deadline's challenge window.
    wpost_challenge_window: int
    #: Non-overlapping PoSt deadlines in each proving period (``period = window × deadlines``).
    wpost_period_deadlines: int
    #: How far back a WindowPoSt may commit to the chain.
    wpost_max_chain_commit_age: int
    #: After a deadline closes, how long its PoSts may be disputed.
    wpost_dispute_window: int
    sectors_max: int
    max_partitions_per_deadline: int
    max_control_addresses: int
    max_peer_id_length: int
    max_multiaddr_data: int
    addressed_partitions_max: int
    addressed_sectors_max: int
    posted_partitions_max: int
    #: How old a pre-commit's seal randomness (ticket) may be.
    max_pre_commit_randomness_lookback: int
    #: Epochs between a pre-commit and the interactive PoRep challenge.
    pre_commit_challenge_delay: int
    max_aggregated_sectors_ni: int
    min_aggregated_sectors_ni: int
    max_prove_commit_ni_randomness_lookback: int
    #: Registered seal proof ids a non-interactive PoRep may use.
    valid_prove_commit_ni_proof_type: frozenset[int]
    #: How long before a deadline's window opens its challenge is drawn.
    wpost_challenge_lookback: int
    #: Faults for a deadline must be declared at least this long before its window opens.
    fault_declaration_cutoff: int
    #: A sector faulty this long is terminated.
    fault_max_age: int
    worker_key_change_delay: int
    #: A sector must expire at least this long after it is committed.
    min_sector_expiration: int
    #: A sector's expiration may be at most this far past the current epoch.
    max_sector_expiration_extension: int
    deal_limit_denominator: int
    consensus_fault_ineligibility_duration: int
    new_sectors_per_period_max: int
    chain_finality: int
    #: Registered WindowPoSt proof ids new miners may use.
    valid_post_proof_type: frozenset[int]
    #: Registered seal proof ids new sectors may use.
    valid_pre_commit_proof_type: frozenset[int]
    daily_fee_circulating_supply_qap_multiplier_num: int
    daily_fee_circulating_supply_qap_multiplier_denom: int
    daily_fee_block_reward_cap_denom: int

    # -- verified registry --------------------------------------------------------------------------
    minimum_verified_allocation_size: int
    minimum_verified_allocation_term: int
    maximum_verified_allocation_term: int
    maximum_verified_allocation_expiration: int
    end_of_life_claim_drop_period: int

    # -- market -------------------------------------------------------------------------------------
    #: Epochs between two cron settlements of an active deal.
    deal_updates_interval: int
    prov_collateral_percent_supply_num: int
    prov_collateral_percent_supply_denom: int
    market_default_allocation_term_buffer: int

    # -- power --------------------------------------------------------------------------------------
    #: Quality-adjusted power a miner needs to take part in leader election.
    minimum_consensus_power: int

    # -- constants builtin-actors hard-codes, per network here ---------------------------------------
    #: Market ``deal_duration_bounds``: shortest and longest deal (epochs).
    deal_min_duration: int
    deal_max_duration: int
    #: Miner ``max_prove_commit_duration`` for V1_1 and Synthetic PoRep proofs, without the challenge delay.
    max_prove_commit_duration_v1p1: int
    #: Miner ``max_prove_commit_duration`` for the retired V1 proofs, without the challenge delay.
    max_prove_commit_duration_v1: int
    #: Miner ``seal_proof_sector_maximum_lifetime`` for V1_1 and later proofs, and for V1.
    sector_maximum_lifetime: int
    sector_maximum_lifetime_v1: int
    #: Miner ``REWARD_VESTING_SPEC``: how block rewards vest.
    reward_vesting: VestSpec

    def __post_init__(self) -> None:
        problems = policy_problems(self)
        if problems:
            raise InvalidInput("inconsistent actor policy: " + "; ".join(problems))

    @property
    def create_miner_deposit_power(self) -> int:
        """Power whose pledge a new miner deposits (builtin-actors ``CREATE_MINER_DEPOSIT_POWER``)."""
        return self.minimum_consensus_power // 10


def policy_problems(policy: ActorPolicy) -> list[str]:
    """The relations between policy values that builtin-actors assumes, each one broken as a sentence."""
    p = policy
    problems = []
    if p.wpost_proving_period != p.wpost_challenge_window * p.wpost_period_deadlines:
        problems.append("the proving period must be the challenge window times the deadlines")
    if p.fault_declaration_cutoff < p.wpost_challenge_lookback:
        problems.append("faults must be declared before the challenge is drawn (cutoff >= lookback)")
    if p.wpost_challenge_lookback <= 0 or p.wpost_challenge_window <= 0:
        problems.append("challenge window and lookback must be positive")
    if p.fault_declaration_cutoff + p.wpost_challenge_window > p.wpost_proving_period:
        problems.append("a fault cutoff and a window must fit in one proving period")
    if p.wpost_max_chain_commit_age < p.wpost_challenge_window:
        problems.append("a PoSt may commit to the chain as far back as its challenge window")
    if p.deal_min_duration > p.deal_max_duration or p.deal_min_duration <= 0:
        problems.append("deal duration bounds must be positive and ordered")
    if p.min_sector_expiration > p.max_sector_expiration_extension:
        problems.append("the minimum sector expiration exceeds the maximum extension")
    if p.minimum_verified_allocation_term > p.maximum_verified_allocation_term:
        problems.append("verified allocation terms must be ordered")
    if p.min_aggregated_sectors > p.max_aggregated_sectors:
        problems.append("aggregation bounds must be ordered")
    if not p.valid_pre_commit_proof_type or not p.valid_post_proof_type:
        problems.append("a network needs at least one seal and one PoSt proof type")
    vest = p.reward_vesting
    if vest.vest_period <= 0 or vest.step_duration <= 0 or vest.quantization <= 0:
        problems.append("reward vesting periods must be positive")
    return problems


@dataclass(frozen=True, slots=True)
class NetworkParams:
    """A network: its actor policy and the chain constants the node uses."""

    #: Profile name (``mainnet``, ``calibnet``, ``devnet``); a genesis carries its own network name.
    name: str
    policy: ActorPolicy
    #: Seconds between epochs (Lotus ``BlockDelaySecs``).
    block_delay_seconds: int
    #: How long a miner waits for blocks of its epoch before mining on (Lotus ``PropagationDelaySecs``).
    propagation_delay_seconds: int
    #: ``f`` on mainnet, ``t`` on test networks (Lotus ``SetAddressNetwork``).
    address_prefix: str
    #: The Ethereum chain ID of the FEVM (Lotus ``Eip155ChainId``).
    eip155_chain_id: int
    block_gas_limit: int
    block_message_limit: int
    #: The genesis base fee and the floor it never falls below (attoFIL).
    initial_base_fee: int
    minimum_base_fee: int
    #: Epochs after which a message counts as settled in ``StateWaitMsg`` (Lotus ``MessageConfidence``).
    message_confidence: int
    #: The randomness beacon from each epoch on (Lotus ``DrandSchedule``), by name: drand's ``incentinet``,
    #: ``mainnet`` or ``quicknet``, or ``local``, the devnet's own beacon (filnet.consensus.beacon).
    beacon_schedule: tuple[tuple[int, str], ...] = ((0, "quicknet"),)
    #: The ``local`` beacon's public key (compressed G2): on devnet, that of filnet.consensus.beacon's
    #: well-known ``DEVNET_BEACON_SECRET``.
    local_beacon_public_key: bytes = b""
    #: The network version whose rules filnet's VM and actors follow (``StateNetworkVersion``); Lotus's
    #: devnets start at version 28 (``GenesisNetworkVersion``).
    network_version: int = 28

    def __post_init__(self) -> None:
        if self.address_prefix not in ("f", "t"):
            raise InvalidInput(f"address prefix must be 'f' or 't', not {self.address_prefix!r}")
        if self.block_delay_seconds <= 0:
            raise InvalidInput("block delay must be positive")


# Registered proof ids (go-state-types abi): seal V1_1 of 2 KiB..64 GiB are 5..9, their Synthetic PoRep
# variants 10..14, NI-PoRep 15..19; WindowPoSt V1_1 of 2 KiB..64 GiB are 10..14.
_SEAL_32G_64G: Final = frozenset({8, 9, 13, 14})
_POST_32G_64G: Final = frozenset({13, 14})
_NI_32G_64G: Final = frozenset({18, 19})

MAINNET_POLICY: Final = ActorPolicy(
    max_aggregated_sectors=819,
    min_aggregated_sectors=4,
    max_aggregated_proof_size=81960,
    max_replica_update_proof_size=4096,
    expired_pre_commit_clean_up_delay=8 * EPOCHS_IN_HOUR,
    wpost_proving_period=EPOCHS_IN_DAY,
    wpost_challenge_window=30 * 60 // EPOCH_DURATION_SECONDS,
    wpost_period_deadlines=48,
    wpost_max_chain_commit_age=30 * 60 // EPOCH_DURATION_SECONDS,
    wpost_dispute_window=2 * 900,
    sectors_max=32 << 20,
    max_partitions_per_deadline=3000,
    max_control_addresses=10,
    max_peer_id_length=128,
    max_multiaddr_data=1024,
    addressed_partitions_max=3000,
    addressed_sectors_max=25_000,
    posted_partitions_max=3,
    max_pre_commit_randomness_lookback=EPOCHS_IN_DAY + 900,
    pre_commit_challenge_delay=150,
    max_aggregated_sectors_ni=65,
    min_aggregated_sectors_ni=1,
    max_prove_commit_ni_randomness_lookback=180 * EPOCHS_IN_DAY,
    valid_prove_commit_ni_proof_type=_NI_32G_64G,
    wpost_challenge_lookback=20,
    fault_declaration_cutoff=20 + 50,
    fault_max_age=EPOCHS_IN_DAY * 42,
    worker_key_change_delay=900,
    min_sector_expiration=180 * EPOCHS_IN_DAY,
    max_sector_expiration_extension=1278 * EPOCHS_IN_DAY,
    deal_limit_denominator=134217728,
    consensus_fault_ineligibility_duration=900,
    new_sectors_per_period_max=128 << 10,
    chain_finality=900,
    valid_post_proof_type=_POST_32G_64G,
    valid_pre_commit_proof_type=_SEAL_32G_64G,
    daily_fee_circulating_supply_qap_multiplier_num=161817,
    daily_fee_circulating_supply_qap_multiplier_denom=10**30,
    daily_fee_block_reward_cap_denom=2,
    minimum_verified_allocation_size=1 << 20,
    minimum_verified_allocation_term=180 * EPOCHS_IN_DAY,
    maximum_verified_allocation_term=5 * EPOCHS_IN_YEAR,
    maximum_verified_allocation_expiration=60 * EPOCHS_IN_DAY,
    end_of_life_claim_drop_period=30 * EPOCHS_IN_DAY,
    deal_updates_interval=30 * EPOCHS_IN_DAY,
    prov_collateral_percent_supply_num=1,
    prov_collateral_percent_supply_denom=100,
    market_default_allocation_term_buffer=90 * EPOCHS_IN_DAY,
    minimum_consensus_power=10 << 40,
    deal_min_duration=180 * EPOCHS_IN_DAY,
    deal_max_duration=1278 * EPOCHS_IN_DAY,
    max_prove_commit_duration_v1p1=30 * EPOCHS_IN_DAY,
    max_prove_commit_duration_v1=EPOCHS_IN_DAY,
    sector_maximum_lifetime=5 * EPOCHS_IN_YEAR,
    sector_maximum_lifetime_v1=540 * EPOCHS_IN_DAY,
    reward_vesting=VestSpec(
        initial_delay=0,
        vest_period=180 * EPOCHS_IN_DAY,
        step_duration=EPOCHS_IN_DAY,
        quantization=12 * EPOCHS_IN_HOUR,
    ),
)

#: builtin-actors' ``calibrationnet`` features: mainnet's, with a 32 GiB minimum power.
CALIBNET_POLICY: Final = replace(MAINNET_POLICY, minimum_consensus_power=32 << 30)

#: Devnet: the ``devnet`` bundle's features, with waiting times scaled to 1-second epochs (module docstring).
_DEVNET_WINDOW: Final = 2
_DEVNET_FINALITY: Final = 30
_DEVNET_PERIOD: Final = _DEVNET_WINDOW * 48
DEVNET_POLICY: Final = replace(
    MAINNET_POLICY,
    expired_pre_commit_clean_up_delay=120,
    wpost_proving_period=_DEVNET_PERIOD,
    wpost_challenge_window=_DEVNET_WINDOW,
    wpost_max_chain_commit_age=_DEVNET_WINDOW,
    wpost_dispute_window=2 * _DEVNET_FINALITY,
    max_pre_commit_randomness_lookback=600 + _DEVNET_FINALITY,
    pre_commit_challenge_delay=10,
    valid_prove_commit_ni_proof_type=frozenset(),
    wpost_challenge_lookback=2,
    fault_declaration_cutoff=4,
    fault_max_age=_DEVNET_PERIOD * 42,
    worker_key_change_delay=_DEVNET_FINALITY,
    min_sector_expiration=300,
    consensus_fault_ineligibility_duration=_DEVNET_FINALITY,
    chain_finality=_DEVNET_FINALITY,
    valid_post_proof_type=frozenset({10, 11}),
    valid_pre_commit_proof_type=frozenset({5, 6}),
    minimum_verified_allocation_size=256,
    minimum_verified_allocation_term=120,
    maximum_verified_allocation_expiration=1800,
    end_of_life_claim_drop_period=60,
    deal_updates_interval=20,
    market_default_allocation_term_buffer=300,
    minimum_consensus_power=2 << 10,
    deal_min_duration=120,
    max_prove_commit_duration_v1p1=600,
    max_prove_commit_duration_v1=600,
    reward_vesting=VestSpec(initial_delay=0, vest_period=2880, step_duration=60, quantization=60),
)

MAINNET: Final = NetworkParams(
    name="mainnet",
    policy=MAINNET_POLICY,
    block_delay_seconds=30,
    propagation_delay_seconds=10,
    address_prefix="f",
    eip155_chain_id=314,
    block_gas_limit=10_000_000_000,
    block_message_limit=10_000,
    initial_base_fee=100_000_000,
    minimum_base_fee=100,
    message_confidence=5,
    # Lotus params_mainnet.go: UpgradeSmokeHeight 51000, UpgradePhoenixHeight 3855480.
    beacon_schedule=((0, "incentinet"), (51000, "mainnet"), (3855480, "quicknet")),
)
CALIBNET: Final = NetworkParams(
    name="calibnet",
    policy=CALIBNET_POLICY,
    block_delay_seconds=30,
    propagation_delay_seconds=10,
    address_prefix="t",
    eip155_chain_id=314159,
    block_gas_limit=10_000_000_000,
    block_message_limit=10_000,
    initial_base_fee=100_000_000,
    minimum_base_fee=100,
    message_confidence=5,
    # Lotus params_calibnet.go: UpgradePhoenixHeight 1428094.
    beacon_schedule=((0, "mainnet"), (1428094, "quicknet")),
)
DEVNET: Final = NetworkParams(
    name="devnet",
    policy=DEVNET_POLICY,
    block_delay_seconds=1,
    propagation_delay_seconds=0,
    address_prefix="t",
    eip155_chain_id=31415926,
    block_gas_limit=10_000_000_000,
    block_message_limit=10_000,
    initial_base_fee=100_000_000,
    minimum_base_fee=100,
    message_confidence=1,
    beacon_schedule=((0, "local"),),
    local_beacon_public_key=bytes.fromhex(
        "aa6c74ec439a3591af6ebb240b1b56f78c2d5653bb2e938313a81602fcb2cfe5557e562d4e7c6cc5d3363f7d76aac72a"
        "16e5739e80d110adee932b89e8dcba6c2e5cf2032f20ccc54316d632d88805af8f614a5bdd6b01c7ee332e21b55336fb"
    ),
)

PROFILES: Final[dict[str, NetworkParams]] = {p.name: p for p in (MAINNET, CALIBNET, DEVNET)}


def network_params(name: str) -> NetworkParams:
    """The profile called ``name``; InvalidInput naming the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise InvalidInput(f"unknown network {name!r} (known: {', '.join(PROFILES)})") from None
