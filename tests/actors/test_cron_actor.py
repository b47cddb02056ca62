"""The cron actor: constructor and EpochTick, including failing entries; invariants after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from filnet.actors.cron.actor import ACTOR
from filnet.actors.cron.invariants import check_state_invariants
from filnet.actors.cron.methods import Method
from filnet.actors.cron.state import CronEntry, CronState
from filnet.core.address import Address
from filnet.core.types import MethodNum
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import SendResult
from filnet.vm.testing import FakeRuntime

CRON = Address.new_id(3)
POWER, MARKET = Address.new_id(4), Address.new_id(5)
ENTRIES = (CronEntry(POWER, MethodNum(5)), CronEntry(MARKET, MethodNum(9)))


def _params(entries: tuple[CronEntry, ...]) -> bytes:
    return dagcbor.encode([[e.to_ipld() for e in entries]])


@pytest.fixture
def rt() -> Iterator[FakeRuntime]:
    runtime = FakeRuntime(CRON)
    runtime.call(ACTOR, Method.CONSTRUCTOR, _params(ENTRIES))
    yield runtime
    runtime.verify()
    assert check_state_invariants(runtime.get_state(CronState), runtime.store) == []


def test_constructor_stores_entries(rt: FakeRuntime) -> None:
    assert rt.get_state(CronState).entries == ENTRIES


def test_constructor_only_by_system() -> None:
    runtime = FakeRuntime(CRON, caller=Address.new_id(100), caller_name="account")
    with pytest.raises(ActorError) as e:
        runtime.call(ACTOR, Method.CONSTRUCTOR, _params(ENTRIES))
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN


@pytest.mark.parametrize(
    "params", [dagcbor.encode([]), dagcbor.encode([[[b"\x00\x04"]]]), dagcbor.encode([5])]
)
def test_constructor_malformed_params(params: bytes) -> None:
    with pytest.raises(ActorError) as e:
        FakeRuntime(CRON).call(ACTOR, Method.CONSTRUCTOR, params)
    assert e.value.exit_code is ExitCode.USR_SERIALIZATION


def test_epoch_tick_calls_every_entry_in_order(rt: FakeRuntime) -> None:
    rt.expect_send(POWER, 5)
    rt.expect_send(MARKET, 9)
    assert rt.call(ACTOR, Method.EPOCH_TICK) == b""


def test_epoch_tick_goes_on_after_a_failing_entry(rt: FakeRuntime) -> None:
    rt.expect_send(POWER, 5, result=SendResult(ExitCode.USR_ILLEGAL_STATE))
    rt.expect_send(MARKET, 9)
    assert rt.call(ACTOR, Method.EPOCH_TICK) == b""


def test_epoch_tick_only_by_system(rt: FakeRuntime) -> None:
    rt.set_caller(Address.new_id(100), "account")
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.EPOCH_TICK)
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN


def test_epoch_tick_takes_no_params(rt: FakeRuntime) -> None:
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.EPOCH_TICK, dagcbor.encode(1))
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_invariants_flag_robust_receivers_and_method_zero() -> None:
    bad = CronState((CronEntry(Address.new_actor(b"x"), MethodNum(0)),))
    assert len(check_state_invariants(bad, FakeRuntime(CRON).store)) == 2
