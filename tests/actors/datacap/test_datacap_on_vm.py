"""The datacap actor (f07) through the real VM: signed messages from genesis accounts."""

from __future__ import annotations

import pytest

from filnet.actors.datacap.methods import Method
from filnet.actors.datacap.types import (
    BalanceParams,
    BalanceReturn,
    GetAllowanceParams,
    GetAllowanceReturn,
    GranularityReturn,
    MintParams,
    NameReturn,
    TotalSupplyReturn,
    TransferParams,
)
from filnet.actors.singletons import DATACAP_TOKEN_ACTOR, VERIFIED_REGISTRY_ACTOR
from filnet.core.token import ZERO, TokenAmount
from filnet.vm.exit_codes import ExitCode
from tests.vm.harness import World, make_key


@pytest.fixture
def world() -> World:
    return World([make_key(0), make_key(1)])


def test_getters_through_the_vm(world: World) -> None:
    anne, bob = world.keys

    def call(method: Method, params: bytes = b"") -> bytes:
        result = world.apply(world.message(anne, DATACAP_TOKEN_ACTOR, method=int(method), params=params))
        assert result.receipt.exit_code is ExitCode.OK, result.failure
        return result.receipt.return_data

    assert NameReturn.decode(call(Method.NAME_EXPORTED)).name == "DataCap"
    assert GranularityReturn.decode(call(Method.GRANULARITY_EXPORTED)).granularity == 10**18
    assert TotalSupplyReturn.decode(call(Method.TOTAL_SUPPLY_EXPORTED)).supply == ZERO
    # by key address, resolved by the VM's init actor map
    assert (
        BalanceReturn.decode(call(Method.BALANCE_EXPORTED, BalanceParams(bob.address).encode())).balance
        == ZERO
    )
    params = GetAllowanceParams(anne.address, VERIFIED_REGISTRY_ACTOR).encode()
    assert GetAllowanceReturn.decode(call(Method.ALLOWANCE_EXPORTED, params)).allowance == ZERO
    world.flush_and_check()


def test_accounts_cannot_mint_or_transfer_freely(world: World) -> None:
    anne, bob = world.keys
    mint = MintParams(anne.address, TokenAmount(10**18), ()).encode()
    result = world.apply(
        world.message(anne, DATACAP_TOKEN_ACTOR, method=int(Method.MINT_EXPORTED), params=mint)
    )
    assert result.receipt.exit_code is ExitCode.USR_FORBIDDEN
    transfer = TransferParams(bob.address, ZERO, b"").encode()
    result = world.apply(
        world.message(anne, DATACAP_TOKEN_ACTOR, method=int(Method.TRANSFER_EXPORTED), params=transfer)
    )
    assert result.receipt.exit_code is ExitCode.USR_FORBIDDEN
    world.flush_and_check()
