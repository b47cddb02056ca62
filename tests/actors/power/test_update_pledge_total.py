"""UpdatePledgeTotal: miners with a claim only, never a negative total (builtin-actors
``power_actor_tests.rs``: ``given_no_miner_claim_update_pledge_total_should_abort``)."""

from __future__ import annotations

from filnet.actors import manifest as names
from filnet.actors.power.methods import Method
from filnet.actors.power.types import UpdatePledgeTotalParams
from filnet.core.token import TokenAmount
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ExitCode
from tests.actors.power.harness import MINER, MINER1, MINER2, OWNER, Harness, aborts

MILLION = UpdatePledgeTotalParams(TokenAmount(1_000_000)).encode()


def test_given_no_miner_claim_update_pledge_total_should_abort(h: Harness) -> None:
    h.create_miner_basic(OWNER, OWNER, MINER)
    h.delete_claim(MINER)
    # The claim is gone behind the actor's back; the count it kept is what remains.
    h.expected_problems = ["0 claims but miner count 1"]
    h.rt.set_caller(MINER, names.MINER)
    aborts(ExitCode.USR_FORBIDDEN, h, Method.UPDATE_PLEDGE_TOTAL, MILLION, contains="unknown miner")


def test_update_pledge_total_adds_up_across_miners(h: Harness) -> None:
    h.create_miner_basic(OWNER, OWNER, MINER1)
    h.create_miner_basic(OWNER, OWNER, MINER2)
    h.update_pledge_total(MINER1, TokenAmount(1_000))
    h.update_pledge_total(MINER2, TokenAmount(500))
    h.update_pledge_total(MINER1, TokenAmount(-1_200))
    h.expect_total_pledge_eager(TokenAmount(300))
    # The frozen value moves only at the next tick.
    assert h.current_power_total().pledge_collateral == TokenAmount(0)


def test_invalid_negative_total_pledge(h: Harness) -> None:
    h.create_miner_basic(OWNER, OWNER, MINER1)
    h.update_pledge_total(MINER1, TokenAmount(10))
    h.rt.set_caller(MINER1, names.MINER)
    minus = UpdatePledgeTotalParams(TokenAmount(-11)).encode()
    aborts(
        ExitCode.USR_ILLEGAL_STATE, h, Method.UPDATE_PLEDGE_TOTAL, minus, "negative total pledge collateral"
    )
    h.expect_total_pledge_eager(TokenAmount(10))


def test_invalid_update_pledge_total_by_non_miner(h: Harness) -> None:
    h.create_miner_basic(OWNER, OWNER, MINER1)
    h.rt.set_caller(OWNER, names.ACCOUNT)
    aborts(ExitCode.USR_FORBIDDEN, h, Method.UPDATE_PLEDGE_TOTAL, MILLION)


def test_invalid_update_pledge_total_params(h: Harness) -> None:
    h.create_miner_basic(OWNER, OWNER, MINER1)
    h.rt.set_caller(MINER1, names.MINER)
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, h, Method.UPDATE_PLEDGE_TOTAL)
    # Transparent: a bare BigInt, not a tuple.
    aborts(ExitCode.USR_SERIALIZATION, h, Method.UPDATE_PLEDGE_TOTAL, dagcbor.encode([b"\x00\x01"]))
    assert UpdatePledgeTotalParams.decode(MILLION).pledge_delta == TokenAmount(1_000_000)
    assert dagcbor.decode(MILLION) == b"\x00\x0f\x42\x40"
