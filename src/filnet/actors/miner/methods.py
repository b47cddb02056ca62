"""Storage miner actor method numbers (builtin-actors ``fil_actor_miner::Method``)."""

from __future__ import annotations

from enum import IntEnum
from typing import Final

from filnet.core.frc42 import method_number
from filnet.core.types import MethodNum

#: The FIP-0076 notification a miner sends to the actors its pieces name (the market handles it).
SECTOR_CONTENT_CHANGED: Final = MethodNum(method_number("SectorContentChanged"))


class Method(IntEnum):
    """Methods of the storage miner actor.

    Retired numbers: 6 PreCommitSector, 7 ProveCommitSector, 8 ExtendSectorExpiration, 25
    PreCommitSectorBatch, 26 ProveCommitAggregate, 27 ProveReplicaUpdates, 29 ProveReplicaUpdates2, 33
    MovePartitions.
    """

    CONSTRUCTOR = 1
    CONTROL_ADDRESSES = 2
    CHANGE_WORKER_ADDRESS = 3
    CHANGE_PEER_ID = 4
    SUBMIT_WINDOWED_POST = 5
    TERMINATE_SECTORS = 9
    DECLARE_FAULTS = 10
    DECLARE_FAULTS_RECOVERED = 11
    ON_DEFERRED_CRON_EVENT = 12
    CHECK_SECTOR_PROVEN = 13
    APPLY_REWARDS = 14
    REPORT_CONSENSUS_FAULT = 15
    WITHDRAW_BALANCE = 16
    INTERNAL_SECTOR_SETUP_FOR_PRESEAL = 17
    CHANGE_MULTIADDRS = 18
    COMPACT_PARTITIONS = 19
    COMPACT_SECTOR_NUMBERS = 20
    CONFIRM_CHANGE_WORKER_ADDRESS = 21
    REPAY_DEBT = 22
    CHANGE_OWNER_ADDRESS = 23
    DISPUTE_WINDOWED_POST = 24
    PRE_COMMIT_SECTOR_BATCH2 = 28
    CHANGE_BENEFICIARY = 30
    GET_BENEFICIARY = 31
    EXTEND_SECTOR_EXPIRATION2 = 32
    PROVE_COMMIT_SECTORS3 = 34
    PROVE_REPLICA_UPDATES3 = 35
    PROVE_COMMIT_SECTORS_NI = 36
    CHANGE_WORKER_ADDRESS_EXPORTED = method_number("ChangeWorkerAddress")
    CHANGE_PEER_ID_EXPORTED = method_number("ChangePeerID")
    WITHDRAW_BALANCE_EXPORTED = method_number("WithdrawBalance")
    CHANGE_MULTIADDRS_EXPORTED = method_number("ChangeMultiaddrs")
    CONFIRM_CHANGE_WORKER_ADDRESS_EXPORTED = method_number("ConfirmChangeWorkerAddress")
    REPAY_DEBT_EXPORTED = method_number("RepayDebt")
    CHANGE_OWNER_ADDRESS_EXPORTED = method_number("ChangeOwnerAddress")
    CHANGE_BENEFICIARY_EXPORTED = method_number("ChangeBeneficiary")
    GET_BENEFICIARY_EXPORTED = method_number("GetBeneficiary")
    GET_OWNER_EXPORTED = method_number("GetOwner")
    IS_CONTROLLING_ADDRESS_EXPORTED = method_number("IsControllingAddress")
    GET_SECTOR_SIZE_EXPORTED = method_number("GetSectorSize")
    GET_AVAILABLE_BALANCE_EXPORTED = method_number("GetAvailableBalance")
    GET_VESTING_FUNDS_EXPORTED = method_number("GetVestingFunds")
    GET_PEER_ID_EXPORTED = method_number("GetPeerID")
    GET_MULTIADDRS_EXPORTED = method_number("GetMultiaddrs")
    MAX_TERMINATION_FEE_EXPORTED = method_number("MaxTerminationFee")
    INITIAL_PLEDGE_EXPORTED = method_number("InitialPledge")
    GENERATE_SECTOR_LOCATION_EXPORTED = method_number("GenerateSectorLocation")
    VALIDATE_SECTOR_STATUS_EXPORTED = method_number("ValidateSectorStatus")
    GET_NOMINAL_SECTOR_EXPIRATION_EXPORTED = method_number("GetNominalSectorExpiration")
