"""A test harness for the miner actor over the fake runtime (builtin-actors ``actors/miner/tests/util.rs``,
``ActorHarness``).

The harness owns one miner (ID 1000) with an owner, a worker with a BLS key and three control addresses,
sealing 2 KiB V1_1 sectors on the devnet policy. Each helper sets the caller, declares the sends the actor
must make with canned answers (reward and power queries, pledge and power updates, burns, cron
enrolments), runs the method and checks the sends were made. Expected amounts come from the tests (or
from the pure formulas of :mod:`filnet.actors.miner.monies`), never from the actor under test.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

from filnet.actors.account.methods import Method as AccountMethod
from filnet.actors.batch_return import BatchReturn
from filnet.actors.market.methods import Method as MarketMethod
from filnet.actors.market.types import (
    OnMinerSectorsTerminateParams,
    SectorDeals,
    VerifyDealsForActivationParams,
    VerifyDealsForActivationReturn,
)
from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.bitfield_queue import put_cbor
from filnet.actors.miner.deadline import Deadline
from filnet.actors.miner.deadline_info import DeadlineInfo, new_deadline_info_from_offset_and_epoch
from filnet.actors.miner.invariants import check_state_invariants
from filnet.actors.miner.methods import SECTOR_CONTENT_CHANGED, Method
from filnet.actors.miner.monies import initial_pledge_for_power, locked_reward_from_reward
from filnet.actors.miner.partition import Partition
from filnet.actors.miner.policy import qa_power_for_weight
from filnet.actors.miner.sectors import (
    CompactCommD,
    PowerPair,
    SectorOnChainInfo,
    SectorPreCommitInfo,
    SectorPreCommitOnChainInfo,
)
from filnet.actors.miner.state import MinerInfo, MinerState
from filnet.actors.miner.types import (
    CRON_EVENT_PROVING_DEADLINE,
    ApplyRewardParams,
    CronEventPayload,
    DataActivationNotification,
    DeclareFaultsParams,
    DeclareFaultsRecoveredParams,
    DeferredCronEventParams,
    FaultDeclaration,
    MinerConstructorParams,
    PieceActivationManifest,
    PieceChange,
    PieceReturn,
    PoStPartition,
    PreCommitSectorBatchParams2,
    ProveCommitSectors3Params,
    ProveCommitSectors3Return,
    RecoveryDeclaration,
    SectorActivationManifest,
    SectorChanges,
    SectorContentChangedParams,
    SectorContentChangedReturn,
    SectorReturn,
    SubmitWindowedPoStParams,
    TerminateSectorsParams,
    TerminateSectorsReturn,
    TerminationDeclaration,
    VerifiedAllocationKey,
)
from filnet.actors.miner.vesting import VestingFunds
from filnet.actors.power.methods import Method as PowerMethod
from filnet.actors.power.types import (
    CurrentTotalPowerReturn,
    EnrollCronEventParams,
    UpdateClaimedPowerParams,
    UpdatePledgeTotalParams,
)
from filnet.actors.reward.methods import Method as RewardMethod
from filnet.actors.reward.types import ThisEpochRewardReturn
from filnet.actors.shared import METHOD_SEND
from filnet.actors.singletons import (
    BURNT_FUNDS_ACTOR,
    INIT_ACTOR,
    REWARD_ACTOR,
    STORAGE_MARKET_ACTOR,
    STORAGE_POWER_ACTOR,
    VERIFIED_REGISTRY_ACTOR,
)
from filnet.actors.smoothing import FilterEstimate
from filnet.actors.verifreg.methods import Method as VerifregMethod
from filnet.actors.verifreg.types import (
    AllocationClaim,
    ClaimAllocationsParams,
    ClaimAllocationsReturn,
    SectorAllocationClaims,
    SectorClaimSummary,
)
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch
from filnet.crypto.randomness import DomainSeparationTag
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.bitfield import BitField
from filnet.ipld.cid import CID
from filnet.params.network import DEVNET_POLICY, ActorPolicy
from filnet.proofs.onchain import PieceInfo, PoStProof, compute_unsealed_sector_cid
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import SendResult
from filnet.vm.testing import FakeProofVerifier, FakeRuntime

RECEIVER_ID = 1000
SEAL_PROOF = 5  # StackedDrg2KiBV1_1
POST_PROOF = 10  # StackedDrgWindow2KiBV1_1
SECTOR_SIZE = 2048
#: Proving periods a harness sector lives past the end of the current one (well over devnet's minimum).
DEFAULT_SECTOR_EXPIRATION = 20
BIG_BALANCE = TokenAmount.from_fil(1_000_000)
BIG_REWARDS = TokenAmount.from_fil(1_000)
GOOD_POST_PROOF = b"proof1"
EPOCH_ZERO: Final = ChainEpoch(0)
RECEIVER: Final = Address.new_id(RECEIVER_ID)
OWNER: Final = Address.new_id(100)
WORKER: Final = Address.new_id(101)
WORKER_KEY: Final = Address.new_bls(b"\x01" * 48)
CONTROL_ADDRS: Final = (Address.new_id(999), Address.new_id(998), Address.new_id(997))
NETWORK_PLEDGE: Final = TokenAmount.from_fil(10_000)
EPOCH_REWARD_SMOOTH: Final = FilterEstimate.from_q0(TokenAmount.from_fil(10).atto, 0)
EPOCH_QA_POWER_SMOOTH: Final = FilterEstimate.from_q0(1 << 50, 0)
CIRCULATING_SUPPLY: Final = TokenAmount.from_fil(500_000)


def seal_proof_bytes(sector_number: int) -> bytes:
    """The fake seal proof bytes of a sector (declared valid in the harness's verifier)."""
    return b"seal-proof-%d" % sector_number


def make_sealed_cid(data: bytes) -> CID:
    """A CommR-shaped CID (the digest is a hash of ``data``, not a real Poseidon commitment)."""
    digest = hashlib.sha256(data).digest()
    return CID.v1(codecs.FIL_COMMITMENT_SEALED, multihash.POSEIDON_BLS12_381_A2_FC1, digest)


def make_piece_cid(data: bytes) -> CID:
    """A piece-commitment-shaped CID whose digest is a field element (top bits cleared)."""
    digest = bytearray(hashlib.sha256(data).digest())
    digest[31] &= 0x3F
    return CID.v1(codecs.FIL_COMMITMENT_UNSEALED, multihash.SHA2_256_TRUNC254_PADDED, bytes(digest))


def bitfield(*bits: int) -> BitField:
    """A bitfield of these bits."""
    return BitField.from_indices(bits)


class HarnessRuntime(FakeRuntime):
    """The fake runtime with a fixed hash, so that the miner's proving period offset is the harness's."""

    def __init__(self, receiver: Address, offset: int, policy: ActorPolicy) -> None:
        super().__init__(receiver, policy=policy, proofs=FakeProofVerifier())
        self.offset = offset

    def hash_blake2b(self, data: bytes) -> bytes:
        """A digest whose first eight bytes are the offset (builtin-actors ``fixed_hasher``)."""
        return self.offset.to_bytes(8, "big") + bytes(24)

    @property
    def verifier(self) -> FakeProofVerifier:
        """The fake proof verifier."""
        assert isinstance(self.proofs, FakeProofVerifier)
        return self.proofs


@dataclass
class CronConfig:
    """What a deadline cron is expected to do."""

    no_enrollment: bool = False
    expected_enrollment: ChainEpoch = EPOCH_ZERO
    power_delta: PowerPair | None = None
    pledge_delta: TokenAmount = ZERO
    burnt_funds: TokenAmount = ZERO


@dataclass
class ProveCommitConfig:
    """Failures to simulate in a ProveCommitSectors3 call (indices into the activations)."""

    validation_failure: set[int] = field(default_factory=set)
    proof_failure: set[int] = field(default_factory=set)
    claim_failure: set[int] = field(default_factory=set)
    notification_result: ExitCode = ExitCode.OK
    notification_rejected: bool = False
    caller: Address | None = None


@dataclass
class MinerHarness:
    """One miner under test and the network figures its queries answer with."""

    offset: int = 0
    policy: ActorPolicy = DEVNET_POLICY
    receiver: Address = RECEIVER
    owner: Address = OWNER
    worker: Address = WORKER
    worker_key: Address = WORKER_KEY
    control_addrs: tuple[Address, ...] = CONTROL_ADDRS
    seal_proof_type: int = SEAL_PROOF
    window_post_proof_type: int = POST_PROOF
    sector_size: int = SECTOR_SIZE
    partition_size: int = 2
    next_sector_no: int = 0
    network_pledge: TokenAmount = NETWORK_PLEDGE
    network_raw_power: int = 1 << 50
    network_qa_power: int = 1 << 50
    baseline_power: int = 1 << 50
    epoch_reward_smooth: FilterEstimate = EPOCH_REWARD_SMOOTH
    epoch_qa_power_smooth: FilterEstimate = EPOCH_QA_POWER_SMOOTH
    circulating_supply: TokenAmount = CIRCULATING_SUPPLY

    # -- set-up -------------------------------------------------------------------------------------

    def new_runtime(self) -> HarnessRuntime:
        """A runtime for the miner, with its owner, worker and control addresses known as accounts."""
        rt = HarnessRuntime(self.receiver, self.offset, self.policy)
        rt.add_actor(self.owner, "account")
        rt.add_actor(self.worker, "account", self.worker_key)
        for address in self.control_addrs:
            rt.add_actor(address, "account")
        return rt

    def caller_addrs(self) -> tuple[Address, ...]:
        """The addresses allowed to operate the miner."""
        return (*self.control_addrs, self.worker, self.owner)

    def create_miner_deposit(self, rt: FakeRuntime) -> TokenAmount:
        """The creation deposit (FIP-0077) with the harness's figures and an empty power actor."""
        return initial_pledge_for_power(
            rt.policy.create_miner_deposit_power,
            self.baseline_power,
            self.epoch_reward_smooth,
            FilterEstimate(0, 0),
            rt.circulating_supply,
            rt.curr_epoch,
            0,
        )

    def constructor_params(self) -> MinerConstructorParams:
        """The harness miner's constructor params."""
        return MinerConstructorParams(
            self.owner, self.worker, self.control_addrs, self.window_post_proof_type, b"\x00", ()
        )

    def expect_create_miner_queries(self, rt: FakeRuntime, worker_key: Address | None = None) -> None:
        """The sends of a constructor: the two deposit queries, then the worker's key lookup."""
        reward = ThisEpochRewardReturn(self.epoch_reward_smooth, self.baseline_power)
        rt.expect_send(
            REWARD_ACTOR, RewardMethod.THIS_EPOCH_REWARD, result=ok(dagcbor.encode(reward.to_ipld()))
        )
        empty_power = CurrentTotalPowerReturn(0, 0, ZERO, FilterEstimate(0, 0), ChainEpoch(0), 0)
        rt.expect_send(STORAGE_POWER_ACTOR, PowerMethod.CURRENT_TOTAL_POWER, result=ok(empty_power.encode()))
        rt.expect_send(
            self.worker,
            AccountMethod.PUBKEY_ADDRESS,
            result=ok(dagcbor.encode(bytes(worker_key or self.worker_key))),
        )

    def construct_and_verify(self, rt: HarnessRuntime) -> None:
        """Construct the miner, check the creation deposit was locked, then drop it (as builtin-actors'
        harness does) so that tests start from empty funds."""
        rt.circulating_supply = self.circulating_supply
        deposit = self.create_miner_deposit(rt)
        rt.balance = rt.balance + deposit
        rt.set_caller(INIT_ACTOR, "init")
        self.expect_create_miner_queries(rt)
        assert rt.call(ACTOR, Method.CONSTRUCTOR, self.constructor_params().encode()) == b""
        rt.verify()
        state = self.get_state(rt)
        assert state.locked_funds == deposit
        assert sum((f.amount for f in state.vesting_funds.load(rt.store)), ZERO) == deposit
        self.put_state(rt, replace(state, vesting_funds=VestingFunds.new(), locked_funds=ZERO))
        rt.balance = rt.balance - deposit

    # -- state ----------------------------------------------------------------------------------------

    def get_state(self, rt: FakeRuntime) -> MinerState:
        """The miner's state."""
        return rt.get_state(MinerState)

    def put_state(self, rt: FakeRuntime, state: MinerState) -> None:
        """Replace the miner's state."""
        rt.head = put_cbor(rt.store, state.to_ipld())

    def get_info(self, rt: FakeRuntime) -> MinerInfo:
        """The miner's info."""
        return self.get_state(rt).get_info(rt.store)

    def check_state(self, rt: FakeRuntime) -> None:
        """Assert the state invariants hold."""
        problems = check_state_invariants(self.get_state(rt), rt.store, rt.balance, rt.policy)
        assert problems == [], problems

    def deadline(self, rt: FakeRuntime) -> DeadlineInfo:
        """The deadline the state records as current."""
        return self.get_state(rt).recorded_deadline_info(rt.policy, rt.curr_epoch)

    def current_deadline(self, rt: FakeRuntime) -> DeadlineInfo:
        """The deadline the current epoch falls in."""
        return self.get_state(rt).deadline_info(rt.policy, rt.curr_epoch)

    def get_deadline(self, rt: FakeRuntime, idx: int) -> Deadline:
        """Deadline ``idx``."""
        return self.get_state(rt).load_deadlines(rt.store).load_deadline(rt.store, idx)

    def get_sector(self, rt: FakeRuntime, number: int) -> SectorOnChainInfo:
        """A sector that must exist."""
        sector = self.get_state(rt).get_sector(rt.store, number)
        assert sector is not None
        return sector

    def get_precommit(self, rt: FakeRuntime, number: int) -> SectorPreCommitOnChainInfo:
        """A pre-commit that must exist."""
        precommit = self.get_state(rt).get_precommitted_sector(rt.store, number)
        assert precommit is not None
        return precommit

    def find_sector(self, rt: FakeRuntime, number: int) -> tuple[int, int, Deadline, Partition]:
        """A sector's deadline and partition indices and their states."""
        state = self.get_state(rt)
        dl_idx, p_idx = state.find_sector(rt.store, number)
        deadline = state.load_deadlines(rt.store).load_deadline(rt.store, dl_idx)
        return dl_idx, p_idx, deadline, deadline.load_partition(rt.store, p_idx)

    # -- expectations ---------------------------------------------------------------------------------

    def expect_query_network_info(self, rt: FakeRuntime) -> None:
        """The reward and power queries of pledge computations."""
        reward = ThisEpochRewardReturn(self.epoch_reward_smooth, self.baseline_power)
        power = CurrentTotalPowerReturn(
            self.network_raw_power,
            self.network_qa_power,
            self.network_pledge,
            self.epoch_qa_power_smooth,
            ChainEpoch(0),
            0,
        )
        rt.expect_send(
            REWARD_ACTOR, RewardMethod.THIS_EPOCH_REWARD, result=ok(dagcbor.encode(reward.to_ipld()))
        )
        rt.expect_send(STORAGE_POWER_ACTOR, PowerMethod.CURRENT_TOTAL_POWER, result=ok(power.encode()))

    def initial_pledge_for_power(self, rt: FakeRuntime, qa: int) -> TokenAmount:
        """The pledge of ``qa`` with the harness's figures."""
        return initial_pledge_for_power(
            qa,
            self.baseline_power,
            self.epoch_reward_smooth,
            self.epoch_qa_power_smooth,
            rt.circulating_supply,
            rt.curr_epoch,
            0,
        )

    def deferred_cron_params(self, event_type: int = CRON_EVENT_PROVING_DEADLINE) -> bytes:
        """The power actor's cron callback params."""
        payload = CronEventPayload(event_type).encode()
        return DeferredCronEventParams(payload, self.epoch_reward_smooth, self.epoch_qa_power_smooth).encode()

    # -- pre-commit and prove-commit ------------------------------------------------------------------

    def make_pre_commit_params(
        self,
        sector_no: int,
        challenge: int,
        expiration: int,
        deal_ids: Sequence[int] = (),
        unsealed_cid: CompactCommD | None = None,
    ) -> SectorPreCommitInfo:
        """A pre-commit of one of the harness's sectors."""
        return SectorPreCommitInfo(
            self.seal_proof_type,
            sector_no,
            make_sealed_cid(b"commr-%d" % sector_no),
            ChainEpoch(challenge),
            tuple(deal_ids),
            ChainEpoch(expiration),
            unsealed_cid or CompactCommD.empty(),
        )

    def pre_commit_sector_batch(
        self, rt: FakeRuntime, sectors: Sequence[SectorPreCommitInfo], first: bool = False
    ) -> bytes:
        """Pre-commit a batch as the worker (raises the actor's error)."""
        rt.set_caller(self.worker, "account")
        self.expect_query_network_info(rt)
        if any(s.deal_ids for s in sectors):
            # The market answers with the CommD each sector declared.
            deals = tuple(
                SectorDeals(s.sector_number, s.seal_proof, s.expiration, s.deal_ids) for s in sectors
            )
            answer = VerifyDealsForActivationReturn(tuple(s.unsealed_cid.cid for s in sectors))
            rt.expect_send(
                STORAGE_MARKET_ACTOR,
                MarketMethod.VERIFY_DEALS_FOR_ACTIVATION,
                VerifyDealsForActivationParams(deals).encode(),
                result=ok(answer.encode()),
            )
        state = self.get_state(rt)
        if state.fee_debt.atto > 0:
            expect_burn(rt, state.fee_debt)
        if first:
            dl = new_deadline_info_from_offset_and_epoch(rt.policy, state.proving_period_start, rt.curr_epoch)
            expect_enroll_deadline_cron(rt, dl.last())
        return rt.call(
            ACTOR, Method.PRE_COMMIT_SECTOR_BATCH2, PreCommitSectorBatchParams2(tuple(sectors)).encode()
        )

    def pre_commit_sector_batch_and_get(
        self, rt: FakeRuntime, sectors: Sequence[SectorPreCommitInfo], first: bool = False
    ) -> list[SectorPreCommitOnChainInfo]:
        """Pre-commit a batch, check the sends and return the pre-commits stored."""
        events = len(rt.events)
        assert self.pre_commit_sector_batch(rt, sectors, first) == b""
        rt.verify()
        emitted = [e.event for e in rt.events[events:]]
        assert [e.event_type for e in emitted] == ["sector-precommitted"] * len(sectors)
        assert sorted(e.value("sector") for e in emitted) == sorted(s.sector_number for s in sectors)
        return [self.get_precommit(rt, s.sector_number) for s in sectors]

    def prove_commit_sectors3(
        self,
        rt: FakeRuntime,
        activations: Sequence[SectorActivationManifest],
        require_activation_success: bool = True,
        require_notification_success: bool = True,
        aggregate: bool = False,
        cfg: ProveCommitConfig | None = None,
    ) -> ProveCommitSectors3Return:
        """Prove pre-committed sectors as the worker with fake proofs, expecting the claims, pledge update
        and market notifications builtin-actors' harness expects (raises the actor's error)."""
        cfg = cfg or ProveCommitConfig()
        assert isinstance(rt.proofs, FakeProofVerifier)
        rt.set_caller(cfg.caller or self.worker, "account")
        failed_proofs = cfg.proof_failure
        if aggregate:
            proof = b"aggregate-proof"
            if not failed_proofs:
                rt.proofs.valid.add(proof)
            params = ProveCommitSectors3Params(
                tuple(activations), (), proof, 1, require_activation_success, require_notification_success
            )
        else:
            proofs = tuple(seal_proof_bytes(a.sector_number) for a in activations)
            for i, p in enumerate(proofs):
                if i in failed_proofs:
                    rt.proofs.valid.discard(p)
                else:
                    rt.proofs.valid.add(p)
            params = ProveCommitSectors3Params(
                tuple(activations),
                proofs,
                b"",
                None,
                require_activation_success,
                require_notification_success,
            )
        claims: list[SectorAllocationClaims] = []
        claimed: list[SectorClaimSummary] = []
        notifications: list[SectorChanges] = []
        expected_pledge = ZERO
        for i, activation in enumerate(activations):
            if i in cfg.validation_failure or i in failed_proofs:
                continue
            precommit = self.get_precommit(rt, activation.sector_number)
            sector_claims = claims_from_pieces(activation.pieces)
            claims.append(
                SectorAllocationClaims(activation.sector_number, precommit.info.expiration, sector_claims)
            )
            if i in cfg.claim_failure:
                continue
            claimed.append(SectorClaimSummary(sum(c.size for c in sector_claims)))
            changes = notifications_from_pieces(activation.pieces)
            if changes:
                notifications.append(
                    SectorChanges(activation.sector_number, precommit.info.expiration, changes)
                )
            duration = ChainEpoch(precommit.info.expiration - rt.curr_epoch)
            verified = (
                sum(p.size for p in activation.pieces if p.verified_allocation_key is not None) * duration
            )
            expected_pledge += self.initial_pledge_for_power(
                rt, qa_power_for_weight(self.sector_size, duration, verified)
            )
        if any(c.claims for c in claims):
            results = BatchReturn.of(
                [
                    ExitCode.USR_ILLEGAL_ARGUMENT if i in cfg.claim_failure else ExitCode.OK
                    for i in range(len(claims))
                ]
            )
            code = (
                ExitCode.USR_ILLEGAL_ARGUMENT
                if cfg.claim_failure and require_activation_success
                else ExitCode.OK
            )
            rt.expect_send(
                VERIFIED_REGISTRY_ACTOR,
                VerifregMethod.CLAIM_ALLOCATIONS,
                ClaimAllocationsParams(tuple(claims), require_activation_success).encode(),
                result=SendResult(
                    code,
                    ClaimAllocationsReturn(results, tuple(claimed)).encode() if code.is_success else b"",
                ),
            )
        self.expect_query_network_info(rt)
        expect_update_pledge(rt, expected_pledge)
        if notifications:
            response = SectorContentChangedReturn(
                tuple(
                    SectorReturn(tuple(PieceReturn(not cfg.notification_rejected) for _ in n.added))
                    for n in notifications
                )
            )
            ok_result = cfg.notification_result.is_success
            rt.expect_send(
                STORAGE_MARKET_ACTOR,
                SECTOR_CONTENT_CHANGED,
                SectorContentChangedParams(tuple(notifications)).encode(),
                result=SendResult(cfg.notification_result, response.encode() if ok_result else b""),
            )
        ret = ProveCommitSectors3Return.decode(rt.call(ACTOR, Method.PROVE_COMMIT_SECTORS3, params.encode()))
        rt.verify()
        assert ret.activation_results.size() == len(activations)
        return ret

    def commit_and_prove_sectors(
        self,
        rt: FakeRuntime,
        count: int,
        lifetime_periods: int = DEFAULT_SECTOR_EXPIRATION,
        first: bool = True,
    ) -> list[SectorOnChainInfo]:
        """Pre-commit ``count`` empty sectors one at a time, wait out the challenge delay (running deadline
        cron) and prove each; the sector infos."""
        precommit_epoch = rt.curr_epoch
        deadline = self.current_deadline(rt)
        expiration = deadline.period_end() + lifetime_periods * rt.policy.wpost_proving_period
        precommits = []
        for i in range(count):
            number = self.next_sector_no
            params = self.make_pre_commit_params(number, precommit_epoch - 1, expiration)
            precommits.extend(self.pre_commit_sector_batch_and_get(rt, [params], first and i == 0))
            self.next_sector_no += 1
        self.advance_to_epoch_with_cron(
            rt, ChainEpoch(precommit_epoch + rt.policy.pre_commit_challenge_delay + 1)
        )
        for pc in precommits:
            self.prove_commit_sectors3(rt, [SectorActivationManifest(pc.info.sector_number, ())])
        return [self.get_sector(rt, pc.info.sector_number) for pc in precommits]

    # -- deadline cron --------------------------------------------------------------------------------

    def on_deadline_cron(self, rt: FakeRuntime, cfg: CronConfig) -> None:
        """Run the deadline cron callback as the power actor, expecting ``cfg``."""
        expect_update_power(rt, cfg.power_delta or PowerPair.zero())
        expect_burn(rt, cfg.burnt_funds)
        expect_update_pledge(rt, cfg.pledge_delta)
        if not cfg.no_enrollment:
            expect_enroll_deadline_cron(rt, cfg.expected_enrollment)
        rt.set_caller(STORAGE_POWER_ACTOR, "storagepower")
        assert rt.call(ACTOR, Method.ON_DEFERRED_CRON_EVENT, self.deferred_cron_params()) == b""
        rt.verify()

    def advance_deadline(self, rt: FakeRuntime, cfg: CronConfig | None = None) -> DeadlineInfo:
        """Move to the last epoch of the current deadline, run cron there (if it is active), then move to
        the next deadline's opening; that deadline."""
        cfg = cfg or CronConfig()
        state = self.get_state(rt)
        deadline = new_deadline_info_from_offset_and_epoch(
            rt.policy, state.proving_period_start, rt.curr_epoch
        )
        if state.deadline_cron_active:
            rt.epoch = deadline.last()
            cfg.pledge_delta = cfg.pledge_delta - immediately_vesting_funds(rt, state)
            cfg.expected_enrollment = ChainEpoch(deadline.last() + rt.policy.wpost_challenge_window)
            self.on_deadline_cron(rt, cfg)
        rt.epoch = deadline.next_open()
        return self.get_state(rt).deadline_info(rt.policy, rt.curr_epoch)

    def advance_to_epoch_with_cron(self, rt: FakeRuntime, epoch: ChainEpoch) -> None:
        """Run every deadline cron up to ``epoch``, then set it."""
        deadline = self.current_deadline(rt)
        while deadline.last() < epoch:
            self.advance_deadline(rt)
            deadline = self.current_deadline(rt)
        rt.epoch = epoch

    def advance_to_deadline(self, rt: FakeRuntime, idx: int) -> DeadlineInfo:
        """Advance (with cron) until deadline ``idx`` is current."""
        info = self.current_deadline(rt)
        while info.index != idx:
            info = self.advance_deadline(rt)
        return info

    # -- proving --------------------------------------------------------------------------------------

    def chain_commit_rand(self, rt: FakeRuntime, epoch: ChainEpoch) -> bytes:
        """The ticket randomness a PoSt committed at ``epoch`` must quote."""
        return rt.get_randomness_from_tickets(DomainSeparationTag.POST_CHAIN_COMMIT, epoch, b"")

    def make_post_params(
        self,
        rt: FakeRuntime,
        deadline: DeadlineInfo,
        partitions: Sequence[PoStPartition],
        proof: bytes = GOOD_POST_PROOF,
    ) -> SubmitWindowedPoStParams:
        """A PoSt of ``partitions`` committed at the deadline's challenge epoch."""
        return SubmitWindowedPoStParams(
            deadline.index,
            tuple(partitions),
            (PoStProof(self.window_post_proof_type, proof),),
            deadline.challenge,
            self.chain_commit_rand(rt, deadline.challenge),
        )

    def submit_window_post(
        self,
        rt: HarnessRuntime,
        deadline: DeadlineInfo,
        partitions: Sequence[PoStPartition],
        expected_power_delta: PowerPair | None = None,
        proof: bytes = GOOD_POST_PROOF,
    ) -> None:
        """Submit a PoSt as the worker (the fake verifier accepts ``GOOD_POST_PROOF``)."""
        if isinstance(rt.proofs, FakeProofVerifier):
            rt.proofs.valid.add(GOOD_POST_PROOF)
        rt.set_caller(self.worker, "account")
        if expected_power_delta is not None:
            expect_update_power(rt, expected_power_delta)
        params = self.make_post_params(rt, deadline, partitions, proof)
        assert rt.call(ACTOR, Method.SUBMIT_WINDOWED_POST, params.encode()) == b""
        rt.verify()

    def advance_and_submit_posts(self, rt: HarnessRuntime, sectors: Sequence[SectorOnChainInfo]) -> None:
        """Advance through deadlines, proving the partitions holding ``sectors`` (skipping their other live
        sectors) as each deadline comes and paying each deadline's daily fee, until all are proven."""
        state = self.get_state(rt)
        by_deadline: dict[int, list[SectorOnChainInfo]] = {}
        for sector in sectors:
            dl_idx, _ = state.find_sector(rt.store, sector.sector_number)
            by_deadline.setdefault(dl_idx, []).append(sector)
        info = self.current_deadline(rt)
        while by_deadline:
            daily_fee = ZERO
            dl_sectors = by_deadline.pop(info.index, None)
            if dl_sectors is not None:
                numbers = BitField.from_indices(s.sector_number for s in dl_sectors)
                daily_fee = sum((s.daily_fee for s in dl_sectors), ZERO)
                all_sectors = {s.sector_number: s for s in self.get_state(rt).for_each_sector(rt.store)}
                partitions: list[PoStPartition] = []
                power_delta = PowerPair.zero()
                for p_idx, partition in self.get_deadline(rt, info.index).for_each(rt.store):
                    live = partition.live_sectors()
                    to_prove = live & numbers
                    if not to_prove:
                        continue
                    to_skip = (live - to_prove) - (partition.faults - partition.recoveries)
                    skipped_proven = to_skip - partition.unproven
                    new_proven = partition.unproven - to_skip
                    power_delta = power_delta - power_for_sectors(
                        self.sector_size, [all_sectors[n] for n in skipped_proven]
                    )
                    power_delta = power_delta + power_for_sectors(
                        self.sector_size, [all_sectors[n] for n in new_proven]
                    )
                    partitions.append(PoStPartition(p_idx, to_skip))
                self.submit_window_post(rt, info, partitions, power_delta)
            state = self.get_state(rt)
            unvested = sum(
                (f.amount for f in state.vesting_funds.load(rt.store) if f.epoch >= rt.curr_epoch), ZERO
            )
            available = rt.balance - state.initial_pledge
            burnt = max(ZERO, min(daily_fee, available))
            info = self.advance_deadline(
                rt, CronConfig(burnt_funds=burnt, pledge_delta=-min(unvested, daily_fee))
            )

    def declare_faults(self, rt: FakeRuntime, sectors: Sequence[SectorOnChainInfo]) -> PowerPair:
        """Declare sectors faulty as the worker; the power lost."""
        declarations: dict[tuple[int, int], list[int]] = {}
        for s in sectors:
            dl_idx, p_idx, _, _ = self.find_sector(rt, s.sector_number)
            declarations.setdefault((dl_idx, p_idx), []).append(s.sector_number)
        params = DeclareFaultsParams(
            tuple(
                FaultDeclaration(d, p, BitField.from_indices(n)) for (d, p), n in sorted(declarations.items())
            )
        )
        power = -power_for_sectors(self.sector_size, sectors)
        rt.set_caller(self.worker, "account")
        expect_update_power(rt, power)
        assert rt.call(ACTOR, Method.DECLARE_FAULTS, params.encode()) == b""
        rt.verify()
        return power

    def declare_recoveries(
        self,
        rt: FakeRuntime,
        deadline: int,
        partition: int,
        sectors: BitField,
        fee_debt_burnt: TokenAmount = ZERO,
    ) -> None:
        """Declare faulty sectors recovered as the worker."""
        rt.set_caller(self.worker, "account")
        expect_burn(rt, fee_debt_burnt)
        params = DeclareFaultsRecoveredParams((RecoveryDeclaration(deadline, partition, sectors),))
        assert rt.call(ACTOR, Method.DECLARE_FAULTS_RECOVERED, params.encode()) == b""
        rt.verify()

    def apply_rewards(
        self,
        rt: FakeRuntime,
        amount: TokenAmount,
        penalty: TokenAmount = ZERO,
        pledge_delta: TokenAmount | None = None,
        burnt: TokenAmount = ZERO,
    ) -> None:
        """Pay a block reward (and penalty) as the reward actor, expecting ``pledge_delta`` (by default
        the vesting three quarters less what vested by now) and ``burnt``."""
        rt.balance = rt.balance + amount
        rt.set_caller(REWARD_ACTOR, "reward")
        if pledge_delta is None:
            locked, _ = locked_reward_from_reward(rt.policy, amount)
            pledge_delta = locked - immediately_vesting_funds(rt, self.get_state(rt))
        expect_update_pledge(rt, pledge_delta)
        expect_burn(rt, burnt)
        assert rt.call(ACTOR, Method.APPLY_REWARDS, ApplyRewardParams(amount, penalty).encode()) == b""
        rt.verify()


# -- free helpers -------------------------------------------------------------------------------------


def ok(data: bytes = b"") -> SendResult:
    """A successful send result returning ``data``."""
    return SendResult(ExitCode.OK, data)


def expect_burn(rt: FakeRuntime, amount: TokenAmount) -> None:
    """Expect ``amount`` sent to the burnt-funds actor (nothing when zero)."""
    if amount.atto:
        rt.expect_send(BURNT_FUNDS_ACTOR, METHOD_SEND, b"", amount)


def expect_update_pledge(rt: FakeRuntime, delta: TokenAmount) -> None:
    """Expect a pledge update (nothing when zero)."""
    if delta.atto:
        rt.expect_send(
            STORAGE_POWER_ACTOR, PowerMethod.UPDATE_PLEDGE_TOTAL, UpdatePledgeTotalParams(delta).encode()
        )


def expect_update_power(rt: FakeRuntime, delta: PowerPair) -> None:
    """Expect a claimed power update (nothing when zero)."""
    if not delta.is_zero():
        params = UpdateClaimedPowerParams(delta.raw, delta.qa)
        rt.expect_send(STORAGE_POWER_ACTOR, PowerMethod.UPDATE_CLAIMED_POWER, params.encode())


def expect_enroll_deadline_cron(rt: FakeRuntime, epoch: ChainEpoch) -> None:
    """Expect the miner to enroll a deadline cron callback at ``epoch``."""
    params = EnrollCronEventParams(epoch, CronEventPayload(CRON_EVENT_PROVING_DEADLINE).encode())
    rt.expect_send(STORAGE_POWER_ACTOR, PowerMethod.ENROLL_CRON_EVENT, params.encode())


def immediately_vesting_funds(rt: FakeRuntime, state: MinerState) -> TokenAmount:
    """Vesting funds whose epoch has passed."""
    return sum((f.amount for f in state.vesting_funds.load(rt.store) if f.epoch < rt.curr_epoch), ZERO)


def power_for_sector(sector_size: int, sector: SectorOnChainInfo) -> PowerPair:
    """Raw and QA power of a sector (independently of the state module)."""
    qa = qa_power_for_weight(
        sector_size, ChainEpoch(sector.expiration - sector.power_base_epoch), sector.verified_deal_weight
    )
    return PowerPair(sector_size, qa)


def power_for_sectors(sector_size: int, sectors: Iterable[SectorOnChainInfo]) -> PowerPair:
    """Summed power of sectors."""
    total = PowerPair.zero()
    for s in sectors:
        total = total + power_for_sector(sector_size, s)
    return total


def claims_from_pieces(pieces: Sequence[PieceActivationManifest]) -> tuple[AllocationClaim, ...]:
    """The allocation claims of the pieces that name one."""
    return tuple(
        AllocationClaim(
            ActorID(p.verified_allocation_key.client), p.verified_allocation_key.id, p.cid, p.size
        )
        for p in pieces
        if p.verified_allocation_key is not None
    )


def notifications_from_pieces(pieces: Sequence[PieceActivationManifest]) -> tuple[PieceChange, ...]:
    """The changes the pieces notify (all to the market in these tests)."""
    return tuple(PieceChange(p.cid, p.size, n.payload) for p in pieces for n in p.notify)


def expect_abort(
    rt: FakeRuntime, code: ExitCode, call: Callable[[], object], contains: str = ""
) -> ActorError:
    """Run ``call``, which must abort with ``code`` (and a message containing ``contains``); forget the
    sends the harness expected after the abort."""
    try:
        call()
    except ActorError as e:
        assert e.exit_code is code, f"expected {code.name}, got {e}"
        assert contains in e.reason, f"{contains!r} not in {e.reason!r}"
        rt.expected_sends.clear()
        return e
    raise AssertionError(f"expected abort with {code.name}")


CLIENT_ID = 1500


def make_piece_manifest(
    sector: int, seq: int, size: int, client: int, alloc: int, deal: int
) -> PieceActivationManifest:
    """A piece of ``size``, claiming allocation ``alloc`` of ``client`` (0: none) and notifying the market
    of ``deal`` (0: none)."""
    key = VerifiedAllocationKey(ActorID(client), alloc) if alloc else None
    notify = (DataActivationNotification(STORAGE_MARKET_ACTOR, dagcbor.encode(deal)),) if deal else ()
    return PieceActivationManifest(make_piece_cid(b"piece-%d-%d-%d" % (sector, seq, size)), size, key, notify)


def make_activation_manifest(
    sector: int, specs: Sequence[tuple[int, int, int, int]]
) -> SectorActivationManifest:
    """A sector's manifest from ``(size, client, allocation, deal)`` piece specs."""
    return SectorActivationManifest(
        sector, tuple(make_piece_manifest(sector, i, *spec) for i, spec in enumerate(specs))
    )


def sector_commd_from_pieces(seal_proof: int, pieces: Sequence[PieceActivationManifest]) -> CompactCommD:
    """The CommD the FVM computes for these pieces (zero when there are none)."""
    if not pieces:
        return CompactCommD.empty()
    return CompactCommD.of(
        compute_unsealed_sector_cid(seal_proof, [PieceInfo(p.size, p.cid) for p in pieces])
    )


def setup_proven(
    count: int = 1, offset: int = 100
) -> tuple[MinerHarness, HarnessRuntime, list[SectorOnChainInfo]]:
    """A constructed miner holding ``count`` sectors committed and proven by their first WindowPoSt."""
    h = MinerHarness(offset=offset)
    rt = h.new_runtime()
    rt.epoch = ChainEpoch(1)
    h.construct_and_verify(rt)
    rt.balance = BIG_BALANCE
    sectors = h.commit_and_prove_sectors(rt, count)
    h.advance_and_submit_posts(rt, sectors)
    return h, rt, [h.get_sector(rt, s.sector_number) for s in sectors]


def daily_fee_for_sectors(sectors: Iterable[SectorOnChainInfo]) -> TokenAmount:
    """The summed daily fee of sectors."""
    return sum((s.daily_fee for s in sectors), ZERO)


def terminate_sectors(
    h: MinerHarness,
    rt: FakeRuntime,
    numbers: Sequence[int],
    expected_fee: TokenAmount,
    pledge_delta: TokenAmount,
    market_result: ExitCode = ExitCode.OK,
) -> TerminateSectorsReturn:
    """Terminate sectors as the worker, expecting the fee burnt, the pledge update, the market told of the
    sectors with data, and the power of the active ones removed."""
    rt.set_caller(h.worker, "account")
    infos = [h.get_sector(rt, n) for n in numbers]
    active = []
    declarations: dict[tuple[int, int], list[int]] = {}
    for info in infos:
        dl_idx, p_idx, _, partition = h.find_sector(rt, info.sector_number)
        declarations.setdefault((dl_idx, p_idx), []).append(info.sector_number)
        n = info.sector_number
        if n not in partition.terminated and n not in partition.faults and n not in partition.unproven:
            active.append(info)
    h.expect_query_network_info(rt)
    expect_burn(rt, expected_fee)
    expect_update_pledge(rt, pledge_delta)
    with_data = [i.sector_number for i in infos if i.deal_weight > 0 or i.verified_deal_weight > 0]
    if with_data:
        params = OnMinerSectorsTerminateParams(rt.curr_epoch, BitField.from_indices(with_data))
        rt.expect_send(
            STORAGE_MARKET_ACTOR,
            MarketMethod.ON_MINER_SECTORS_TERMINATE,
            params.encode(),
            result=SendResult(market_result),
        )
    if active and market_result.is_success:
        expect_update_power(rt, -power_for_sectors(h.sector_size, active))
    terminations = tuple(
        TerminationDeclaration(d, p, BitField.from_indices(ns)) for (d, p), ns in sorted(declarations.items())
    )
    events = len(rt.events)
    ret = TerminateSectorsReturn.decode(
        rt.call(ACTOR, Method.TERMINATE_SECTORS, TerminateSectorsParams(terminations).encode())
    )
    rt.verify()
    emitted = [e.event for e in rt.events[events:]]
    assert [(e.event_type, e.value("sector")) for e in emitted] == [("sector-terminated", n) for n in numbers]
    return ret
