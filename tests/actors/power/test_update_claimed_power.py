"""UpdateClaimedPower: miners only, a claim needed, no negative claims (builtin-actors
``power_actor_tests.rs``: ``claimed_power_*``)."""

from __future__ import annotations

from filnet.actors import manifest as names
from filnet.actors.power.methods import Method
from filnet.actors.power.types import UpdateClaimedPowerParams
from filnet.actors.singletons import STORAGE_MARKET_ACTOR, SYSTEM_ACTOR
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ExitCode
from tests.actors.power.harness import MINER, MINER1, OWNER, Harness, aborts

PARAMS = UpdateClaimedPowerParams(100, 200).encode()


def test_claimed_power_given_caller_is_not_storage_miner_should_fail(h: Harness) -> None:
    h.create_miner_basic(OWNER, OWNER, MINER)
    for caller, name in (
        (SYSTEM_ACTOR, names.SYSTEM),
        (OWNER, names.ACCOUNT),
        (STORAGE_MARKET_ACTOR, names.MARKET),
    ):
        h.rt.set_caller(caller, name)
        aborts(ExitCode.USR_FORBIDDEN, h, Method.UPDATE_CLAIMED_POWER, PARAMS)
    claim = h.get_claim(MINER)
    assert claim is not None and claim.raw_byte_power == 0


def test_claimed_power_given_claim_does_not_exist_should_fail(h: Harness) -> None:
    h.rt.set_caller(MINER, names.MINER)
    aborts(ExitCode.USR_NOT_FOUND, h, Method.UPDATE_CLAIMED_POWER, PARAMS, contains="no claim for actor")


def test_claimed_power_is_externally_available(h: Harness) -> None:
    h.create_miner_basic(OWNER, OWNER, MINER1)
    h.update_claimed_power(MINER1, h.power_unit, h.power_unit)
    claim = h.get_claim(MINER1)
    assert claim is not None
    assert (claim.raw_byte_power, claim.quality_adj_power) == (h.power_unit, h.power_unit)


def test_invalid_claim_would_go_negative(h: Harness) -> None:
    h.create_miner_basic(OWNER, OWNER, MINER1)
    h.update_claimed_power(MINER1, 100, 200)
    before = h.state()
    h.rt.set_caller(MINER1, names.MINER)
    raw_negative = UpdateClaimedPowerParams(-101, 0).encode()
    aborts(
        ExitCode.USR_ILLEGAL_STATE,
        h,
        Method.UPDATE_CLAIMED_POWER,
        raw_negative,
        "negative claimed raw byte power",
    )
    qa_negative = UpdateClaimedPowerParams(0, -201).encode()
    aborts(ExitCode.USR_ILLEGAL_STATE, h, Method.UPDATE_CLAIMED_POWER, qa_negative, "quality adjusted power")
    assert h.state() == before


def test_claim_can_return_to_zero(h: Harness) -> None:
    h.create_miner_basic(OWNER, OWNER, MINER1)
    h.update_claimed_power(MINER1, h.power_unit, 3 * h.power_unit)
    h.update_claimed_power(MINER1, -h.power_unit, -3 * h.power_unit)
    st = h.state()
    assert (st.total_bytes_committed, st.total_qa_bytes_committed, st.miner_above_min_power_count) == (
        0,
        0,
        0,
    )


def test_invalid_update_claimed_power_params(h: Harness) -> None:
    h.create_miner_basic(OWNER, OWNER, MINER1)
    h.rt.set_caller(MINER1, names.MINER)
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, h, Method.UPDATE_CLAIMED_POWER)
    aborts(ExitCode.USR_SERIALIZATION, h, Method.UPDATE_CLAIMED_POWER, dagcbor.encode([1, 2]))
    aborts(ExitCode.USR_SERIALIZATION, h, Method.UPDATE_CLAIMED_POWER, dagcbor.encode([b"\x00\x01"]))
