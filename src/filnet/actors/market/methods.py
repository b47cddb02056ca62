"""Storage market actor method numbers (builtin-actors ``fil_actor_market::Method``)."""

from __future__ import annotations

from enum import IntEnum

from filnet.core.frc42 import method_number


class Method(IntEnum):
    """Methods of the storage market actor (8, ComputeDataCommitment, is retired)."""

    CONSTRUCTOR = 1
    ADD_BALANCE = 2
    WITHDRAW_BALANCE = 3
    PUBLISH_STORAGE_DEALS = 4
    VERIFY_DEALS_FOR_ACTIVATION = 5
    BATCH_ACTIVATE_DEALS = 6
    ON_MINER_SECTORS_TERMINATE = 7
    CRON_TICK = 9
    ADD_BALANCE_EXPORTED = method_number("AddBalance")
    WITHDRAW_BALANCE_EXPORTED = method_number("WithdrawBalance")
    PUBLISH_STORAGE_DEALS_EXPORTED = method_number("PublishStorageDeals")
    GET_BALANCE_EXPORTED = method_number("GetBalance")
    GET_DEAL_DATA_COMMITMENT_EXPORTED = method_number("GetDealDataCommitment")
    GET_DEAL_CLIENT_EXPORTED = method_number("GetDealClient")
    GET_DEAL_PROVIDER_EXPORTED = method_number("GetDealProvider")
    GET_DEAL_LABEL_EXPORTED = method_number("GetDealLabel")
    GET_DEAL_TERM_EXPORTED = method_number("GetDealTerm")
    GET_DEAL_TOTAL_PRICE_EXPORTED = method_number("GetDealTotalPrice")
    GET_DEAL_CLIENT_COLLATERAL_EXPORTED = method_number("GetDealClientCollateral")
    GET_DEAL_PROVIDER_COLLATERAL_EXPORTED = method_number("GetDealProviderCollateral")
    GET_DEAL_VERIFIED_EXPORTED = method_number("GetDealVerified")
    GET_DEAL_ACTIVATION_EXPORTED = method_number("GetDealActivation")
    GET_DEAL_SECTOR_EXPORTED = method_number("GetDealSector")
    SETTLE_DEAL_PAYMENTS_EXPORTED = method_number("SettleDealPayments")
    # The miner actor's SectorContentChanged notification (FIP-0076), which the market receives.
    SECTOR_CONTENT_CHANGED = method_number("SectorContentChanged")
