"""Storage power actor method numbers (builtin-actors ``fil_actor_power::Method``)."""

from __future__ import annotations

from enum import IntEnum

from filnet.core.frc42 import method_number


class Method(IntEnum):
    """Methods of the storage power actor (7 OnConsensusFault and 8 SubmitPoRepForBulkVerify are retired)."""

    CONSTRUCTOR = 1
    CREATE_MINER = 2
    UPDATE_CLAIMED_POWER = 3
    ENROLL_CRON_EVENT = 4
    ON_EPOCH_TICK_END = 5
    UPDATE_PLEDGE_TOTAL = 6
    CURRENT_TOTAL_POWER = 9
    CREATE_MINER_EXPORTED = method_number("CreateMiner")
    NETWORK_RAW_POWER_EXPORTED = method_number("NetworkRawPower")
    MINER_RAW_POWER_EXPORTED = method_number("MinerRawPower")
    MINER_COUNT_EXPORTED = method_number("MinerCount")
    MINER_CONSENSUS_COUNT_EXPORTED = method_number("MinerConsensusCount")
    MINER_POWER_EXPORTED = method_number("MinerPower")
