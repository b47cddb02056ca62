"""ReportConsensusFault (builtin-actors ``report_consensus_fault.rs``)."""

from __future__ import annotations

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.monies import consensus_fault_penalty
from filnet.actors.miner.policy import reward_for_consensus_slash_report
from filnet.actors.miner.types import ReportConsensusFaultParams
from filnet.actors.reward.methods import Method as RewardMethod
from filnet.actors.reward.types import ThisEpochRewardReturn
from filnet.actors.shared import METHOD_SEND
from filnet.actors.singletons import REWARD_ACTOR
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ExitCode
from filnet.vm.runtime import ConsensusFault, ConsensusFaultType

from .harness import BIG_BALANCE, HarnessRuntime, MinerHarness, expect_abort, expect_burn, ok

REPORTER = Address.new_id(1234)
PARAMS = ReportConsensusFaultParams(b"h1", b"h2", b"").encode()


def setup() -> tuple[MinerHarness, HarnessRuntime]:
    h = MinerHarness(offset=100)
    rt = h.new_runtime()
    rt.epoch = ChainEpoch(1)
    h.construct_and_verify(rt)
    rt.balance = BIG_BALANCE
    rt.epoch = ChainEpoch(50)
    rt.add_actor(REPORTER, "account")
    return h, rt


def _expect_reward_query(h: MinerHarness, rt: HarnessRuntime) -> None:
    reward = ThisEpochRewardReturn(h.epoch_reward_smooth, h.baseline_power)
    rt.expect_send(REWARD_ACTOR, RewardMethod.THIS_EPOCH_REWARD, result=ok(dagcbor.encode(reward.to_ipld())))


def report(h: MinerHarness, rt: HarnessRuntime, fault_epoch: int) -> None:
    rt.consensus_fault = ConsensusFault(
        h.receiver, ChainEpoch(fault_epoch), ConsensusFaultType.DOUBLE_FORK_MINING
    )
    rt.set_caller(REPORTER, "account")
    _expect_reward_query(h, rt)
    this_epoch_reward = TokenAmount(h.epoch_reward_smooth.estimate())
    penalty = consensus_fault_penalty(this_epoch_reward)
    reward = reward_for_consensus_slash_report(this_epoch_reward)
    rt.expect_send(REPORTER, METHOD_SEND, b"", reward)
    expect_burn(rt, penalty - reward)
    rt.call(ACTOR, Method.REPORT_CONSENSUS_FAULT, PARAMS)
    rt.verify()


def test_invalid_report_rejected() -> None:
    _, rt = setup()
    rt.set_caller(REPORTER, "account")
    rt.consensus_fault = None
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        lambda: rt.call(ACTOR, Method.REPORT_CONSENSUS_FAULT, PARAMS),
        "No consensus fault",
    )


def test_mistargeted_and_future_reports_rejected() -> None:
    h, rt = setup()
    rt.set_caller(REPORTER, "account")
    rt.consensus_fault = ConsensusFault(
        Address.new_id(1001), ChainEpoch(49), ConsensusFaultType.PARENT_GRINDING
    )
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        lambda: rt.call(ACTOR, Method.REPORT_CONSENSUS_FAULT, PARAMS),
        "reported to miner",
    )
    rt.consensus_fault = ConsensusFault(h.receiver, ChainEpoch(50), ConsensusFaultType.TIME_OFFSET_MINING)
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        lambda: rt.call(ACTOR, Method.REPORT_CONSENSUS_FAULT, PARAMS),
        "ahead of current",
    )


def test_report_consensus_fault_pays_reward_and_charges_fee_and_sets_elapsed() -> None:
    h, rt = setup()
    assert h.get_info(rt).consensus_fault_elapsed == -1
    report(h, rt, 49)
    assert h.get_info(rt).consensus_fault_elapsed == 50 + rt.policy.consensus_fault_ineligibility_duration
    h.check_state(rt)


def test_double_report_of_consensus_fault_fails() -> None:
    h, rt = setup()
    report(h, rt, 49)
    elapsed = h.get_info(rt).consensus_fault_elapsed
    # A fault before the end of the last exclusion period is too old.
    rt.epoch = ChainEpoch(elapsed + 10)
    rt.consensus_fault = ConsensusFault(
        h.receiver, ChainEpoch(elapsed - 1), ConsensusFaultType.DOUBLE_FORK_MINING
    )
    rt.set_caller(REPORTER, "account")
    _expect_reward_query(h, rt)
    expect_abort(
        rt, ExitCode.USR_FORBIDDEN, lambda: rt.call(ACTOR, Method.REPORT_CONSENSUS_FAULT, PARAMS), "too old"
    )
    # A later fault is reported anew.
    report(h, rt, elapsed + 1)
    assert (
        h.get_info(rt).consensus_fault_elapsed
        == rt.curr_epoch + rt.policy.consensus_fault_ineligibility_duration
    )
