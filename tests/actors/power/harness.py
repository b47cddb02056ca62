"""The storage power actor on the fake runtime (builtin-actors ``power/tests/harness``).

:class:`Harness` drives one power actor: construction, miners created through the init actor, claimed
power and pledge updates, cron enrollment and the end-of-epoch tick, each with the sends builtin-actors'
harness expects. The ``h`` fixture (``conftest.py``) checks the state's invariants after every test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import pytest

from filnet.actors import manifest as names
from filnet.actors.encoding import bigint
from filnet.actors.init.actor import ExecParams, ExecReturn
from filnet.actors.init.methods import Method as InitMethod
from filnet.actors.miner.methods import Method as MinerMethod
from filnet.actors.miner.types import DeferredCronEventParams, MinerConstructorParams
from filnet.actors.power.actor import ACTOR
from filnet.actors.power.invariants import check_state_invariants
from filnet.actors.power.methods import Method
from filnet.actors.power.state import Claim, CronEvent, PowerState, consensus_miner_min_power
from filnet.actors.power.types import (
    CreateMinerParams,
    CreateMinerReturn,
    CurrentTotalPowerReturn,
    EnrollCronEventParams,
    MinerConsensusCountReturn,
    MinerCountReturn,
    UpdateClaimedPowerParams,
    UpdatePledgeTotalParams,
)
from filnet.actors.reward.methods import Method as RewardMethod
from filnet.actors.reward.types import ThisEpochRewardReturn
from filnet.actors.singletons import CRON_ACTOR, INIT_ACTOR, REWARD_ACTOR, STORAGE_POWER_ACTOR, SYSTEM_ACTOR
from filnet.actors.smoothing import FilterEstimate
from filnet.chain.genesis import BUTTERFLYNET_MANIFEST
from filnet.core.address import Address
from filnet.core.token import ATTO_PER_FIL, ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld import dagcbor
from filnet.ipld.cid import CID
from filnet.params.network import MAINNET_POLICY, ActorPolicy
from filnet.proofs.registry import RegisteredPoStProof
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import SendResult
from filnet.vm.testing import FakeRuntime

OWNER: Final = Address.new_id(101)
MINER: Final = Address.new_id(201)
ROBUST: Final = Address.new_actor(b"actor")
MINER1, MINER2, MINER3, MINER4, MINER5 = (Address.new_id(n) for n in range(111, 116))
#: fvm_shared's Window PoSt V1_1 proof types (13 is 32 GiB, 10 is 2 KiB).
WINDOW_POST_32GIB: Final = int(RegisteredPoStProof.STACKED_DRG_WINDOW_32GIB_V1_1)
WINDOW_POST_2KIB: Final = int(RegisteredPoStProof.STACKED_DRG_WINDOW_2KIB_V1_1)
WINNING_POST_2KIB: Final = int(RegisteredPoStProof.STACKED_DRG_WINNING_2KIB_V1)
MINER_CODE: Final[CID] = dict(BUTTERFLYNET_MANIFEST)[names.MINER]


def encode_power(power: int) -> bytes:
    """The CBOR of a BigInt param (``BigIntSer``), as UpdateNetworkKPI takes it."""
    return dagcbor.encode(bigint(power))


@dataclass
class Harness:
    """One power actor under test, with builtin-actors' harness defaults (10 FIL reward estimate, 2^50
    baseline, 32 GiB Window PoSt, ``Policy::default()``'s 10 TiB consensus minimum)."""

    rt: FakeRuntime
    window_post_proof: int = WINDOW_POST_32GIB
    this_epoch_baseline_power: int = 1 << 50
    this_epoch_reward_smoothed: FilterEstimate = field(
        default_factory=lambda: FilterEstimate.from_q0(10 * ATTO_PER_FIL, 0)
    )
    miner_seq: int = 0
    #: Invariant violations a test means to leave behind (a builtin-actors quirk it reproduces).
    expected_problems: list[str] = field(default_factory=list)

    # -- set-up -------------------------------------------------------------------------------------

    def construct(self) -> None:
        """Run the constructor as the system actor."""
        self.rt.set_caller(SYSTEM_ACTOR, names.SYSTEM)
        self.rt.call(ACTOR, Method.CONSTRUCTOR)
        self.rt.verify()

    @property
    def power_unit(self) -> int:
        """The consensus minimum of the harness's proof type."""
        return consensus_miner_min_power(self.rt.policy, self.window_post_proof)

    def state(self) -> PowerState:
        """The current state."""
        return self.rt.get_state(PowerState)

    def replace_state(self, state: PowerState) -> None:
        """Overwrite the state (builtin-actors ``replace_state``)."""
        self.rt.head = None
        self.rt.create_state(state)

    def check_state(self) -> None:
        """The invariants hold (but for :attr:`expected_problems`)."""
        problems = check_state_invariants(self.state(), self.rt.store, self.rt.policy)
        assert problems == self.expected_problems

    # -- miners -------------------------------------------------------------------------------------

    def expect_create_miner(
        self,
        owner: Address,
        worker: Address,
        peer: bytes,
        multiaddrs: tuple[bytes, ...],
        proof: int,
        value: TokenAmount,
        result: SendResult,
    ) -> None:
        """Expect the init actor's Exec of a miner with these constructor params."""
        constructor = MinerConstructorParams(owner, worker, (), proof, peer, multiaddrs)
        exec_params = ExecParams(MINER_CODE, constructor.encode())
        self.rt.expect_send(INIT_ACTOR, InitMethod.EXEC, dagcbor.encode(exec_params.to_ipld()), value, result)

    def create_miner(
        self,
        owner: Address,
        worker: Address,
        miner: Address,
        robust: Address,
        peer: bytes,
        multiaddrs: tuple[bytes, ...],
        proof: int,
        value: TokenAmount,
        method: int = Method.CREATE_MINER,
        caller_name: str = names.ACCOUNT,
    ) -> CreateMinerReturn:
        """Create a miner as ``owner``; the init actor answers with ``miner`` and ``robust``."""
        self.rt.set_caller(owner, caller_name)
        self.rt.value = value
        self.rt.balance = value
        created = ExecReturn(miner, robust)
        self.expect_create_miner(
            owner,
            worker,
            peer,
            multiaddrs,
            proof,
            value,
            SendResult(ExitCode.OK, dagcbor.encode(created.to_ipld())),
        )
        params = CreateMinerParams(owner, worker, proof, peer, multiaddrs)
        ret = CreateMinerReturn.decode(self.rt.call(ACTOR, method, params.encode()))
        self.rt.verify()
        self.rt.value = ZERO
        return ret

    def create_miner_basic(self, owner: Address, worker: Address, miner: Address) -> None:
        """Create a miner with the harness's proof type, a sequence-numbered peer ID and no value."""
        label = str(self.miner_seq).encode()
        self.miner_seq += 1
        self.create_miner(
            owner, worker, miner, Address.new_actor(label), label, (), self.window_post_proof, ZERO
        )

    def list_miners(self) -> list[Address]:
        """The miners with a claim."""
        return [miner for miner, _ in self.state().load_claims(self.rt.store).items()]

    def get_claim(self, miner: Address) -> Claim | None:
        """The claim of ``miner``."""
        return self.state().get_claim(self.rt.store, miner)

    def delete_claim(self, miner: Address) -> None:
        """Remove a claim behind the actor's back (builtin-actors' harness does, to test unknown miners)."""
        state = self.state()
        claims = state.load_claims(self.rt.store)
        assert claims.delete(miner)
        self.replace_state(state.save_claims(claims))

    # -- miner calls --------------------------------------------------------------------------------

    def update_claimed_power(self, miner: Address, raw_delta: int, qa_delta: int) -> None:
        """Move ``miner``'s claim by the deltas, as the miner."""
        before = self.get_claim(miner)
        assert before is not None
        self.rt.set_caller(miner, names.MINER)
        self.rt.call(
            ACTOR, Method.UPDATE_CLAIMED_POWER, UpdateClaimedPowerParams(raw_delta, qa_delta).encode()
        )
        self.rt.verify()
        after = self.get_claim(miner)
        assert after is not None
        assert after.raw_byte_power == before.raw_byte_power + raw_delta
        assert after.quality_adj_power == before.quality_adj_power + qa_delta

    def update_pledge_total(self, miner: Address, delta: TokenAmount) -> None:
        """Move the total pledge by ``delta``, as ``miner``."""
        before = self.state().total_pledge_collateral
        self.rt.set_caller(miner, names.MINER)
        self.rt.call(ACTOR, Method.UPDATE_PLEDGE_TOTAL, UpdatePledgeTotalParams(delta).encode())
        self.rt.verify()
        assert self.state().total_pledge_collateral == before + delta

    def enroll_cron_event(self, epoch: int, miner: Address, payload: bytes) -> None:
        """Enroll a callback at ``epoch``, as ``miner``."""
        self.rt.set_caller(miner, names.MINER)
        params = EnrollCronEventParams(ChainEpoch(epoch), payload)
        self.rt.call(ACTOR, Method.ENROLL_CRON_EVENT, params.encode())
        self.rt.verify()

    def get_enrolled_cron_ticks(self, epoch: int) -> list[CronEvent]:
        """The callbacks enrolled at ``epoch``."""
        return self.state().load_cron_queue(self.rt.store).events_at(ChainEpoch(epoch))

    # -- getters ------------------------------------------------------------------------------------

    def miner_count(self) -> int:
        """The exported MinerCount."""
        return MinerCountReturn.decode(self.rt.call(ACTOR, Method.MINER_COUNT_EXPORTED)).miner_count

    def current_power_total(self) -> CurrentTotalPowerReturn:
        """CurrentTotalPower."""
        return CurrentTotalPowerReturn.decode(self.rt.call(ACTOR, Method.CURRENT_TOTAL_POWER))

    def expect_total_power_eager(self, raw: int, qa: int) -> None:
        """The state's current total power (not the frozen one) is this."""
        assert self.state().current_total_power() == (raw, qa)

    def expect_total_pledge_eager(self, pledge: TokenAmount) -> None:
        """The state's total pledge is this."""
        assert self.state().total_pledge_collateral == pledge

    def expect_miners_above_min_power(self, count: int) -> None:
        """The exported MinerConsensusCount is ``count``."""
        ret = MinerConsensusCountReturn.decode(self.rt.call(ACTOR, Method.MINER_CONSENSUS_COUNT_EXPORTED))
        assert ret.miner_consensus_count == count

    # -- cron ---------------------------------------------------------------------------------------

    def expect_query_network_info(self) -> None:
        """Expect the reward actor's ThisEpochReward, answered with the harness's reward and baseline."""
        reward = ThisEpochRewardReturn(self.this_epoch_reward_smoothed, self.this_epoch_baseline_power)
        self.rt.expect_send(
            REWARD_ACTOR,
            RewardMethod.THIS_EPOCH_REWARD,
            b"",
            ZERO,
            SendResult(ExitCode.OK, dagcbor.encode(reward.to_ipld())),
        )

    def expect_deferred_cron(self, miner: Address, payload: bytes, exit_code: ExitCode = ExitCode.OK) -> None:
        """Expect ``miner``'s OnDeferredCronEvent with ``payload`` and the estimates as they stand now."""
        params = DeferredCronEventParams(
            payload, self.this_epoch_reward_smoothed, self.state().this_epoch_qa_power_smoothed
        )
        self.rt.expect_send(
            miner, MinerMethod.ON_DEFERRED_CRON_EVENT, params.encode(), ZERO, SendResult(exit_code)
        )

    def expect_update_network_kpi(self, raw_power: int, exit_code: ExitCode = ExitCode.OK) -> None:
        """Expect the reward actor's UpdateNetworkKPI with ``raw_power``."""
        self.rt.expect_send(
            REWARD_ACTOR,
            RewardMethod.UPDATE_NETWORK_KPI,
            encode_power(raw_power),
            ZERO,
            SendResult(exit_code),
        )

    def call_tick(self, epoch: int) -> None:
        """Run OnEpochTickEnd as cron at ``epoch`` (the sends expected already)."""
        self.rt.epoch = ChainEpoch(epoch)
        self.rt.set_caller(CRON_ACTOR, names.CRON)
        self.rt.call(ACTOR, Method.ON_EPOCH_TICK_END)
        self.rt.verify()

    def on_epoch_tick_end(self, epoch: int, expected_raw_power: int) -> None:
        """A tick with no callbacks due: the reward query, then the KPI update with this raw power."""
        self.expect_query_network_info()
        self.expect_update_network_kpi(expected_raw_power)
        self.call_tick(epoch)
        assert self.state().proof_validation_batch is None


def new_harness(policy: ActorPolicy = MAINNET_POLICY) -> Harness:
    """A harness over a fresh runtime (not yet constructed); the miner code is butterflynet's."""
    rt = FakeRuntime(STORAGE_POWER_ACTOR, policy=policy)
    rt.code_names = {code: name for name, code in BUTTERFLYNET_MANIFEST}
    return Harness(rt)


def setup(policy: ActorPolicy = MAINNET_POLICY) -> Harness:
    """A constructed power actor."""
    h = new_harness(policy)
    h.construct()
    return h


def aborts(code: ExitCode, h: Harness, method: int, params: bytes = b"", contains: str = "") -> ActorError:
    """Call ``method`` and check it aborts with ``code`` (and a message containing ``contains``)."""
    with pytest.raises(ActorError) as e:
        h.rt.call(ACTOR, method, params)
    assert e.value.exit_code is code, e.value
    assert contains in e.value.reason
    return e.value
