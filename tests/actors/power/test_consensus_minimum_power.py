"""The consensus minimum: per proof type, and whether a miner meets it (builtin-actors ``state.rs``
``consensus_miner_min_power`` and ``miner_nominal_power_meets_consensus_minimum``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from filnet.actors import manifest as names
from filnet.actors.power.methods import Method
from filnet.actors.power.policy import CONSENSUS_MINER_MIN_MINERS
from filnet.actors.power.state import consensus_miner_min_power
from filnet.actors.power.types import MinerRawPowerParams, MinerRawPowerReturn
from filnet.core.address import Address
from filnet.core.types import ActorID
from filnet.params.network import CALIBNET_POLICY, DEVNET_POLICY, MAINNET_POLICY
from filnet.vm.exit_codes import ActorError, ExitCode
from tests.actors.power.harness import (
    ACTOR,
    MINER1,
    MINER2,
    MINER3,
    MINER4,
    MINER5,
    OWNER,
    Harness,
    aborts,
    setup,
)

MINERS = (MINER1, MINER2, MINER3, MINER4, MINER5)


@pytest.mark.parametrize("proof", [*range(5), *range(10, 15)])
def test_min_power_of_every_supported_proof_type(proof: int) -> None:
    assert consensus_miner_min_power(MAINNET_POLICY, proof) == 10 << 40
    assert consensus_miner_min_power(CALIBNET_POLICY, proof) == 32 << 30
    assert consensus_miner_min_power(DEVNET_POLICY, proof) == 2048


@pytest.mark.parametrize("proof", [None, -1, 5, 6, 7, 8, 9, 15, 1 << 40])
def test_invalid_min_power_of_unsupported_proof_type(proof: int | None) -> None:
    with pytest.raises(ActorError) as e:
        consensus_miner_min_power(MAINNET_POLICY, proof)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE


def _raw_power(h: Harness, miner: Address) -> MinerRawPowerReturn:
    h.rt.set_caller(Address.new_id(4000), names.EVM)
    params = MinerRawPowerParams(ActorID(miner.id)).encode()
    return MinerRawPowerReturn.decode(h.rt.call(ACTOR, Method.MINER_RAW_POWER_EXPORTED, params))


def _meets(h: Harness, miner: Address) -> tuple[int, bool]:
    return h.state().miner_nominal_power_meets_consensus_minimum(h.rt.policy, h.rt.store, miner.id)


def test_below_the_minimum_miner_count_any_power_meets_it(h: Harness) -> None:
    for miner in MINERS[:2]:
        h.create_miner_basic(OWNER, OWNER, miner)
    assert _meets(h, MINER1) == (0, False)
    h.update_claimed_power(MINER1, 1, 1)
    assert _meets(h, MINER1) == (1, True)
    assert _raw_power(h, MINER1) == MinerRawPowerReturn(1, True)
    assert _raw_power(h, MINER2) == MinerRawPowerReturn(0, False)


def test_with_enough_miners_above_it_small_miners_do_not_meet_it(h: Harness) -> None:
    for miner in MINERS:
        h.create_miner_basic(OWNER, OWNER, miner)
    for miner in MINERS[:CONSENSUS_MINER_MIN_MINERS]:
        h.update_claimed_power(miner, h.power_unit, h.power_unit)
    h.update_claimed_power(MINER5, h.power_unit - 1, h.power_unit)
    assert _meets(h, MINER1) == (h.power_unit, True)
    assert _meets(h, MINER5) == (h.power_unit - 1, False)
    assert _raw_power(h, MINER5) == MinerRawPowerReturn(h.power_unit - 1, False)
    # At exactly the minimum a miner meets it.
    h.update_claimed_power(MINER5, 1, 0)
    assert _raw_power(h, MINER5) == MinerRawPowerReturn(h.power_unit, True)


def test_three_miners_above_it_is_not_enough(h: Harness) -> None:
    for miner in MINERS[:4]:
        h.create_miner_basic(OWNER, OWNER, miner)
    for miner in MINERS[:3]:
        h.update_claimed_power(miner, h.power_unit, h.power_unit)
    h.update_claimed_power(MINER4, 5, 5)
    assert _meets(h, MINER4) == (5, True)


def test_devnet_minimum() -> None:
    h = setup(DEVNET_POLICY)
    h.create_miner_basic(OWNER, OWNER, MINER1)
    h.update_claimed_power(MINER1, 2048, 2048)
    assert h.state().miner_above_min_power_count == 1
    assert _meets(h, MINER1) == (2048, True)
    h.check_state()


def test_invalid_meets_minimum_without_claim(h: Harness) -> None:
    with pytest.raises(ActorError) as e:
        _meets(h, MINER1)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    h.rt.set_caller(Address.new_id(4000), names.EVM)
    params = MinerRawPowerParams(ActorID(MINER1.id)).encode()
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, h, Method.MINER_RAW_POWER_EXPORTED, params, "no claim for actor")


def test_a_zero_minimum_makes_every_miner_meet_it() -> None:
    h = setup(replace(MAINNET_POLICY, minimum_consensus_power=0))
    for miner in MINERS:
        h.create_miner_basic(OWNER, OWNER, miner)
    assert h.state().miner_above_min_power_count == 5
    assert _meets(h, MINER3) == (0, True)
    h.check_state()
