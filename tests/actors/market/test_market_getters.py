"""The exported getters (builtin-actors ``deal_api_test.rs``): what a contract can read about a deal and an
escrow account, and the codes for deals not published, not activated and gone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from filnet.actors import manifest
from filnet.actors.market.methods import Method
from filnet.actors.market.state import EPOCH_UNDEFINED
from filnet.actors.market.types import (
    EX_DEAL_EXPIRED,
    EX_DEAL_NOT_ACTIVATED,
    DealQueryParams,
    GetBalanceParams,
    GetBalanceReturn,
    GetDealActivationReturn,
    GetDealClientCollateralReturn,
    GetDealClientReturn,
    GetDealDataCommitmentReturn,
    GetDealLabelReturn,
    GetDealProviderCollateralReturn,
    GetDealProviderReturn,
    GetDealSectorReturn,
    GetDealTermReturn,
    GetDealTotalPriceReturn,
    GetDealVerifiedReturn,
)
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld import dagcbor
from filnet.params.network import EPOCHS_IN_DAY
from filnet.vm.exit_codes import ExitCode
from filnet.vm.testing import FakeRuntime
from tests.actors.market.harness import (
    CLIENT_ADDR,
    PROVIDER_ADDR,
    MinerAddresses,
    aborts,
    activate_deals,
    call,
    check_state,
    generate_and_publish_deal,
    generate_deal_and_add_funds,
    get_balance,
    publish_deals,
    setup,
    terminate_deals,
)

CALLER = Address.new_id(1234)


def query(rt: FakeRuntime, method: int, deal_id: int, parse: Callable[[bytes], Any]) -> Any:
    """A getter called by an EVM contract."""
    rt.set_caller(CALLER, manifest.EVM)
    return parse(call(rt, method, DealQueryParams(deal_id).encode()))


def query_fails(rt: FakeRuntime, method: int, deal_id: int, code: ExitCode) -> str:
    """A getter that must fail with ``code``; its message."""
    rt.set_caller(CALLER, manifest.EVM)
    return aborts(code, rt, method, DealQueryParams(deal_id).encode()).reason


PROPOSAL_GETTERS = [
    Method.GET_DEAL_DATA_COMMITMENT_EXPORTED,
    Method.GET_DEAL_CLIENT_EXPORTED,
    Method.GET_DEAL_PROVIDER_EXPORTED,
    Method.GET_DEAL_LABEL_EXPORTED,
    Method.GET_DEAL_TERM_EXPORTED,
    Method.GET_DEAL_TOTAL_PRICE_EXPORTED,
    Method.GET_DEAL_CLIENT_COLLATERAL_EXPORTED,
    Method.GET_DEAL_PROVIDER_COLLATERAL_EXPORTED,
    Method.GET_DEAL_VERIFIED_EXPORTED,
]


def test_proposal_data() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(1)
    start, end = 1000, 1000 + 200 * EPOCHS_IN_DAY
    deal = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), start, end)
    (deal_id,) = publish_deals(rt, MinerAddresses(), [deal])
    data = query(rt, Method.GET_DEAL_DATA_COMMITMENT_EXPORTED, deal_id, GetDealDataCommitmentReturn.decode)
    assert (data.data, data.size) == (deal.piece_cid, deal.piece_size)
    assert (
        query(rt, Method.GET_DEAL_CLIENT_EXPORTED, deal_id, GetDealClientReturn.decode).client
        == CLIENT_ADDR.id
    )
    provider = query(rt, Method.GET_DEAL_PROVIDER_EXPORTED, deal_id, GetDealProviderReturn.decode)
    assert provider.provider == PROVIDER_ADDR.id
    assert query(rt, Method.GET_DEAL_LABEL_EXPORTED, deal_id, GetDealLabelReturn.decode).label == deal.label
    term = query(rt, Method.GET_DEAL_TERM_EXPORTED, deal_id, GetDealTermReturn.decode)
    assert (term.start, term.duration) == (start, end - start)
    price = query(rt, Method.GET_DEAL_TOTAL_PRICE_EXPORTED, deal_id, GetDealTotalPriceReturn.decode)
    assert price.total_price == deal.total_storage_fee()
    client_collateral = query(
        rt, Method.GET_DEAL_CLIENT_COLLATERAL_EXPORTED, deal_id, GetDealClientCollateralReturn.decode
    )
    assert client_collateral.collateral == deal.client_collateral
    provider_collateral = query(
        rt, Method.GET_DEAL_PROVIDER_COLLATERAL_EXPORTED, deal_id, GetDealProviderCollateralReturn.decode
    )
    assert provider_collateral.collateral == deal.provider_collateral
    assert (
        query(rt, Method.GET_DEAL_VERIFIED_EXPORTED, deal_id, GetDealVerifiedReturn.decode).verified is False
    )
    check_state(rt)


def test_returns_are_transparent_values() -> None:
    rt = setup()
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), 10, 10 + 200 * EPOCHS_IN_DAY)
    rt.set_caller(CALLER, manifest.EVM)
    params = DealQueryParams(deal_id).encode()
    assert params == dagcbor.encode(deal_id)
    assert dagcbor.decode(call(rt, Method.GET_DEAL_CLIENT_EXPORTED, params)) == CLIENT_ADDR.id
    assert dagcbor.decode(call(rt, Method.GET_DEAL_LABEL_EXPORTED, params)) == "label"
    assert dagcbor.decode(call(rt, Method.GET_DEAL_TERM_EXPORTED, params)) == [10, 200 * EPOCHS_IN_DAY]


def test_activation() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(1)
    start, end = 10, 10 + 180 * EPOCHS_IN_DAY
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), start, end)
    activation = query(rt, Method.GET_DEAL_ACTIVATION_EXPORTED, deal_id, GetDealActivationReturn.decode)
    assert (activation.activated, activation.terminated) == (EPOCH_UNDEFINED, EPOCH_UNDEFINED)
    query_fails(rt, Method.GET_DEAL_SECTOR_EXPORTED, deal_id, EX_DEAL_NOT_ACTIVATED)

    activate_epoch = start - 2
    activate_deals(rt, end + 1, PROVIDER_ADDR, activate_epoch, 7, [deal_id])
    activation = query(rt, Method.GET_DEAL_ACTIVATION_EXPORTED, deal_id, GetDealActivationReturn.decode)
    assert (activation.activated, activation.terminated) == (activate_epoch, EPOCH_UNDEFINED)
    assert query(
        rt, Method.GET_DEAL_SECTOR_EXPORTED, deal_id, GetDealSectorReturn.decode
    ) == GetDealSectorReturn(7)

    rt.epoch = ChainEpoch(activate_epoch + 100)
    terminate_deals(rt, PROVIDER_ADDR, [7], [deal_id])
    reason = query_fails(rt, Method.GET_DEAL_ACTIVATION_EXPORTED, deal_id, EX_DEAL_EXPIRED)
    assert f"deal {deal_id} expired" in reason
    query_fails(rt, Method.GET_DEAL_SECTOR_EXPORTED, deal_id, EX_DEAL_EXPIRED)
    query_fails(rt, Method.GET_DEAL_ACTIVATION_EXPORTED, deal_id + 1, ExitCode.USR_NOT_FOUND)
    query_fails(rt, Method.GET_DEAL_SECTOR_EXPORTED, deal_id + 1, ExitCode.USR_NOT_FOUND)
    check_state(rt)


@pytest.mark.parametrize("method", PROPOSAL_GETTERS)
def test_getters_of_deals_not_published_or_gone(method: int) -> None:
    rt = setup()
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), 10, 10 + 200 * EPOCHS_IN_DAY)
    activate_deals(rt, 20 + 200 * EPOCHS_IN_DAY, PROVIDER_ADDR, 5, 7, [deal_id])
    query_fails(rt, method, deal_id + 1, ExitCode.USR_NOT_FOUND)
    rt.epoch = ChainEpoch(20)
    terminate_deals(rt, PROVIDER_ADDR, [7], [deal_id])
    query_fails(rt, method, deal_id, EX_DEAL_EXPIRED)
    rt.set_caller(CALLER, manifest.EVM)
    aborts(ExitCode.USR_SERIALIZATION, rt, method, dagcbor.encode("0"))
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, method, b"")
    check_state(rt)


def test_get_balance() -> None:
    rt = setup()
    _, deal = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), 10, 10 + 200 * EPOCHS_IN_DAY)
    assert get_balance(rt, CLIENT_ADDR) == GetBalanceReturn(
        deal.client_balance_requirement(), deal.client_balance_requirement()
    )
    assert get_balance(rt, Address.new_id(4444)) == GetBalanceReturn(TokenAmount(0), TokenAmount(0))
    rt.set_caller(CALLER, manifest.EVM)
    unknown = Address.new_bls(bytes([5]) * 48)
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.GET_BALANCE_EXPORTED, GetBalanceParams(unknown).encode())
    check_state(rt)


def test_internal_methods_are_not_callable_by_contracts() -> None:
    rt = setup()
    rt.set_caller(CALLER, manifest.EVM)
    for method in (
        Method.WITHDRAW_BALANCE,
        Method.CRON_TICK,
        Method.BATCH_ACTIVATE_DEALS,
        Method.CONSTRUCTOR,
    ):
        assert "must be built-in" in aborts(ExitCode.USR_FORBIDDEN, rt, method, b"").reason
    # an unknown method
    rt.set_caller(CLIENT_ADDR, manifest.ACCOUNT)
    aborts(ExitCode.USR_UNHANDLED_MESSAGE, rt, 8)
    check_state(rt)
