"""The FakeRuntime actor tests rely on: it must catch the mistakes the real VM would."""

from __future__ import annotations

import pytest

from filnet.actors.account.state import AccountState
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.crypto.randomness import DomainSeparationTag
from filnet.vm.dispatch import ActorCode
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime, SendResult
from filnet.vm.testing import FakeRuntime, FakeRuntimeError
from tests.vm.harness import make_key

ME = Address.new_id(100)
OTHER = Address.new_id(101)


def _send_one(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    return bytes([rt.send(OTHER, 7, raw, TokenAmount(5)).exit_code])


def _no_validation(rt: Runtime, raw: bytes) -> bytes:
    return b""


def _write_then_abort(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    rt.create_state(AccountState(make_key(0).address))
    rt.abort(ExitCode.USR_ILLEGAL_STATE, "after writing")


CODE = ActorCode("probe", {2: _send_one, 3: _no_validation, 4: _write_then_abort})


def test_expected_send_returns_its_result_and_moves_value() -> None:
    rt = FakeRuntime(ME, balance=TokenAmount(10))
    rt.expect_send(OTHER, 7, b"p", TokenAmount(5), SendResult(ExitCode.OK, b"r"))
    assert rt.call(CODE, 2, b"p") == bytes([0])
    assert rt.balance == TokenAmount(5)
    rt.verify()


def test_failed_send_keeps_the_value() -> None:
    rt = FakeRuntime(ME, balance=TokenAmount(10))
    rt.expect_send(OTHER, 7, b"p", TokenAmount(5), SendResult(ExitCode.USR_FORBIDDEN))
    assert rt.call(CODE, 2, b"p") == bytes([ExitCode.USR_FORBIDDEN])
    assert rt.balance == TokenAmount(10)


def test_send_beyond_balance_fails_like_the_vm() -> None:
    rt = FakeRuntime(ME, balance=TokenAmount(1))
    assert rt.call(CODE, 2, b"p") == bytes([ExitCode.SYS_INSUFFICIENT_FUNDS])


def test_unexpected_or_mismatched_sends_fail_the_test() -> None:
    rt = FakeRuntime(ME, balance=TokenAmount(10))
    with pytest.raises(FakeRuntimeError, match="unexpected send"):
        rt.call(CODE, 2, b"p")
    rt.expect_send(OTHER, 7, b"other params", TokenAmount(5))
    with pytest.raises(FakeRuntimeError, match="does not match"):
        rt.call(CODE, 2, b"p")


def test_missing_sends_and_caller_validation_fail_the_test() -> None:
    rt = FakeRuntime(ME)
    rt.expect_send(OTHER, 7)
    with pytest.raises(FakeRuntimeError, match="expected sends not made"):
        rt.verify()
    with pytest.raises(FakeRuntimeError, match="did not validate"):
        rt.call(CODE, 3)


def test_abort_rolls_back_state() -> None:
    rt = FakeRuntime(ME)
    with pytest.raises(ActorError):
        rt.call(CODE, 4)
    assert rt.head is None


def _future_randomness(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    return rt.get_randomness_from_beacon(
        DomainSeparationTag.SEAL_RANDOMNESS, ChainEpoch(rt.curr_epoch + 1), b""
    )


def _negative_gas(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    rt.charge_gas("refund", -1)
    return b""


def _validate_twice(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    rt.validate_immediate_caller_is(rt.caller)
    return b""


RULES = ActorCode("rules", {2: _future_randomness, 3: _negative_gas, 4: _validate_twice})


@pytest.mark.parametrize(
    ("method", "code"),
    [
        (2, ExitCode.USR_ILLEGAL_ARGUMENT),
        (3, ExitCode.USR_ASSERTION_FAILED),
        (4, ExitCode.USR_ASSERTION_FAILED),
    ],
)
def test_fake_enforces_the_vm_rules(method: int, code: ExitCode) -> None:
    """The fake shares the VM runtime's call rules (``filnet.vm.runtime.RuntimeChecks``): randomness from a
    future epoch, a negative gas charge and a second caller validation abort with the VM's exit codes."""
    with pytest.raises(ActorError) as e:
        FakeRuntime(ME, epoch=10).call(RULES, method)
    assert e.value.exit_code is code
