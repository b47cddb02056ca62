"""The miner state and its info (builtin-actors ``state.rs``; ``tests/state_harness.rs``,
``sector_number_allocation.rs``, ``precommitted_sector_stores.rs``, ``sectors_stores_test.rs``,
``sector_assignment.rs`` and the state parts of ``repay_debts.rs`` and ``deadline_cron.rs``)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors.miner.beneficiary import BeneficiaryTerm, PendingBeneficiaryChange
from filnet.actors.miner.bitfield_queue import BitFieldQueue, put_cbor
from filnet.actors.miner.invariants import check_state_invariants
from filnet.actors.miner.sector_map import DeadlineSectorMap
from filnet.actors.miner.sectors import (
    MAX_SECTOR_NUMBER,
    PowerPair,
    SectorOnChainInfo,
    SectorPreCommitInfo,
    SectorPreCommitOnChainInfo,
    Sectors,
    power_for_sectors,
)
from filnet.actors.miner.state import (
    CollisionPolicy,
    MinerInfo,
    MinerState,
    WorkerKeyChange,
)
from filnet.actors.miner.types import PoStPartition
from filnet.actors.miner.vesting import VestingFund, VestingFunds
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch
from filnet.ipld.amt import Amt
from filnet.ipld.bitfield import BitField
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from filnet.vm.exit_codes import ActorError, ExitCode
from tests.actors.miner import POLICY, StateHarness, bf, make_sector, sealed_cid

T = TokenAmount
E = ChainEpoch


# -- MinerInfo ----------------------------------------------------------------------------------------


def test_miner_info_new() -> None:
    info = MinerInfo.new(ActorID(1), ActorID(2), [ActorID(3)], b"peer", [b"\x04\x7f"], 13)
    assert info.owner == info.beneficiary == Address.new_id(1)
    assert info.worker == Address.new_id(2)
    assert info.control_addresses == (Address.new_id(3),)
    assert info.sector_size == 32 << 30
    assert info.window_post_partition_sectors == 2349
    assert info.consensus_fault_elapsed == -1
    assert info.beneficiary_term == BeneficiaryTerm()
    assert info.pending_worker_key is None
    assert MinerInfo.new(ActorID(1), ActorID(2), [], b"", [], 14).window_post_partition_sectors == 2300
    for bad in (-1, 15, 99):
        with pytest.raises(ActorError) as e:
            MinerInfo.new(ActorID(1), ActorID(2), [], b"", [], bad)
        assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_miner_info_json_is_lotus_state_miner_info() -> None:
    peer = bytes.fromhex("0024080112203a0e4e4ac2ad9e1ac6e4ba9b3ae0e4ee7f44bb3da9fbb58c0d05f40c7dfa0d0b")
    info = replace(
        MinerInfo.new(ActorID(1000), ActorID(1001), [ActorID(1002)], peer, [b"\x04\x7f\x00\x00\x01"], 8),
        pending_worker_key=WorkerKeyChange(Address.new_id(1003), E(500)),
        pending_beneficiary_term=PendingBeneficiaryChange.new(Address.new_id(1004), T(5), E(900)),
    )
    j = info.to_json()
    assert list(j) == [
        "Owner",
        "Worker",
        "NewWorker",
        "ControlAddresses",
        "WorkerChangeEpoch",
        "PeerId",
        "Multiaddrs",
        "WindowPoStProofType",
        "SectorSize",
        "WindowPoStPartitionSectors",
        "ConsensusFaultElapsed",
        "PendingOwnerAddress",
        "Beneficiary",
        "BeneficiaryTerm",
        "PendingBeneficiaryTerm",
    ]
    assert j["NewWorker"] == str(Address.new_id(1003))
    assert j["WorkerChangeEpoch"] == 500
    assert j["PeerId"] is not None and j["PeerId"].startswith("12D3KooW")
    assert j["Multiaddrs"] == ["BH8AAAE="]
    assert j["BeneficiaryTerm"] == {"Quota": "0", "UsedQuota": "0", "Expiration": 0}
    assert j["PendingBeneficiaryTerm"]["NewQuota"] == "5"
    plain = MinerInfo.new(ActorID(1), ActorID(2), [], b"not a multihash", [], 8).to_json()
    assert plain["NewWorker"] == "<empty>"
    assert plain["WorkerChangeEpoch"] == -1
    assert plain["PeerId"] is None
    assert plain["ControlAddresses"] is None
    assert plain["Multiaddrs"] is None
    assert plain["PendingOwnerAddress"] is None


_ids = st.integers(0, 1 << 62).map(Address.new_id)
_epochs = st.integers(-(1 << 63), (1 << 63) - 1).map(ChainEpoch)
_tokens = st.integers(0, 10**30).map(TokenAmount)
_cids = st.binary(min_size=1, max_size=8).map(lambda b: CID.compute(0x71, b))


@settings(max_examples=50, deadline=None)
@given(
    st.builds(
        MinerInfo,
        owner=_ids,
        worker=_ids,
        control_addresses=st.lists(_ids, max_size=3).map(tuple),
        pending_worker_key=st.none() | st.builds(WorkerKeyChange, _ids, _epochs),
        peer_id=st.binary(max_size=40),
        multi_address=st.lists(st.binary(max_size=20), max_size=3).map(tuple),
        window_post_proof_type=st.integers(0, 14),
        sector_size=st.sampled_from([2048, 32 << 30]),
        window_post_partition_sectors=st.integers(0, 3000),
        consensus_fault_elapsed=_epochs,
        pending_owner_address=st.none() | _ids,
        beneficiary=_ids,
        beneficiary_term=st.builds(BeneficiaryTerm, _tokens, _tokens, _epochs),
        pending_beneficiary_term=st.none()
        | st.builds(PendingBeneficiaryChange, _ids, _tokens, _epochs, st.booleans(), st.booleans()),
    )
)
def test_miner_info_cbor_round_trip(info: MinerInfo) -> None:
    assert MinerInfo.decode(info.encode()) == info


@settings(max_examples=50, deadline=None)
@given(st.builds(WorkerKeyChange, _ids, _epochs))
def test_worker_key_change_cbor_round_trip(change: WorkerKeyChange) -> None:
    assert WorkerKeyChange.decode(change.encode()) == change


# -- the state's layout -------------------------------------------------------------------------------


def test_new_state_layout() -> None:
    h = StateHarness(7)
    s = h.st
    assert s.proving_period_start == 7
    assert s.current_deadline == 0
    assert not s.deadline_cron_active
    assert s.vesting_funds == VestingFunds()
    assert s.to_ipld()[3] is None  # no vesting table: null, not an empty link
    assert Hamt(h.store, s.pre_committed_sectors, 5).count() == 0
    assert Amt(h.store, s.pre_committed_sectors_cleanup, 6).flush() == s.pre_committed_sectors_cleanup
    assert Amt(h.store, s.sectors, 5).flush() == s.sectors
    assert s.load_allocated_sector_numbers(h.store) == BitField()
    deadlines = s.load_deadlines(h.store)
    assert len(deadlines.due) == 48
    assert len(set(deadlines.due)) == 1
    assert s.get_info(h.store).window_post_proof_type == 10
    assert MinerState.decode(s.encode()) == s
    assert check_state_invariants(s, h.store, ZERO, POLICY) == []


def test_state_json_uses_go_state_types_names() -> None:
    h = StateHarness(7)
    h.st, _ = h.st.add_locked_funds(h.store, E(10), T(10**18), POLICY.reward_vesting)
    j = h.st.to_json()
    assert list(j) == [
        "Info",
        "PreCommitDeposits",
        "LockedFunds",
        "VestingFunds",
        "FeeDebt",
        "InitialPledge",
        "PreCommittedSectors",
        "PreCommittedSectorsCleanUp",
        "AllocatedSectors",
        "Sectors",
        "ProvingPeriodStart",
        "CurrentDeadline",
        "Deadlines",
        "EarlyTerminations",
        "DeadlineCronActive",
    ]
    assert j["LockedFunds"] == str(10**18)
    assert j["VestingFunds"]["Head"]["Amount"] != "0"
    assert j["EarlyTerminations"] == [0]


def test_missing_info_is_not_found() -> None:
    h = StateHarness(0)
    broken = replace(h.st, info=CID.compute(0x71, b"missing"))
    with pytest.raises(ActorError) as e:
        broken.get_info(h.store)
    assert e.value.exit_code is ExitCode.USR_NOT_FOUND
    garbage = replace(h.st, info=put_cbor(h.store, [1, 2]))
    with pytest.raises(ActorError) as e:
        garbage.get_info(h.store)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE
    info = h.st.get_info(h.store)
    saved = h.st.save_info(h.store, replace(info, peer_id=b"new"))
    assert saved.get_info(h.store).peer_id == b"new"


@settings(max_examples=40, deadline=None)
@given(
    st.builds(
        MinerState,
        info=_cids,
        pre_commit_deposits=_tokens,
        locked_funds=_tokens,
        vesting_funds=st.just(VestingFunds())
        | st.builds(VestingFunds, st.builds(VestingFund, _epochs, _tokens), _cids),
        fee_debt=_tokens,
        initial_pledge=_tokens,
        pre_committed_sectors=_cids,
        pre_committed_sectors_cleanup=_cids,
        allocated_sectors=_cids,
        sectors=_cids,
        proving_period_start=_epochs,
        current_deadline=st.integers(0, 47),
        deadlines=_cids,
        early_terminations=st.sets(st.integers(0, 47)).map(BitField.from_indices),
        deadline_cron_active=st.booleans(),
    )
)
def test_state_cbor_round_trip(state: MinerState) -> None:
    assert MinerState.decode(state.encode()) == state


# -- sector numbers (sector_number_allocation.rs) ---------------------------------------------------


def allocate(h: StateHarness, *numbers: int) -> None:
    h.st = h.st.allocate_sector_numbers(h.store, bf(*numbers), CollisionPolicy.DenyCollisions)


def mask(h: StateHarness, numbers: BitField) -> None:
    h.st = h.st.allocate_sector_numbers(h.store, numbers, CollisionPolicy.AllowCollisions)


def test_batch_allocation() -> None:
    h = StateHarness(0)
    allocate(h, 1, 2, 3)
    allocate(h, 4, 5, 6)
    assert h.st.load_allocated_sector_numbers(h.store) == bf(1, 2, 3, 4, 5, 6)


def test_repeat_and_overlapping_allocation_rejected() -> None:
    h = StateHarness(0)
    allocate(h, 1, 2, 3)
    for numbers in ((1,), (3, 4, 5)):
        with pytest.raises(ActorError, match="already allocated") as e:
            allocate(h, *numbers)
        assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    assert h.st.load_allocated_sector_numbers(h.store) == bf(1, 2, 3)


def test_batch_masking() -> None:
    h = StateHarness(0)
    allocate(h, 1)
    mask(h, bf(0, 1, 2, 3))
    assert h.st.load_allocated_sector_numbers(h.store) == bf(0, 1, 2, 3)
    for n in (0, 3):
        with pytest.raises(ActorError):
            allocate(h, n)
    allocate(h, 4)
    assert h.st.load_allocated_sector_numbers(h.store) == bf(0, 1, 2, 3, 4)


def test_range_limits() -> None:
    h = StateHarness(0)
    allocate(h, 0)
    allocate(h, MAX_SECTOR_NUMBER)
    assert h.st.load_allocated_sector_numbers(h.store) == bf(0, MAX_SECTOR_NUMBER)
    h = StateHarness(0)
    mask(h, bf(0))
    mask(h, bf(MAX_SECTOR_NUMBER))
    assert h.st.load_allocated_sector_numbers(h.store) == bf(0, MAX_SECTOR_NUMBER)


def test_compaction_with_mask() -> None:
    h = StateHarness(0)
    # Widely spaced numbers fill the bitfield's 32 KiB quickly; start near the limit.
    mask(h, BitField.from_indices((i + 1) << 50 for i in range(3900)))
    number = 0
    for i in range(3900, 4000):
        number = (i + 1) << 50
        try:
            allocate(h, number)
        except ActorError as e:
            assert e.exit_code is ExitCode.USR_SERIALIZATION
            break
    else:
        pytest.fail("the allocated bitfield never reached its size limit")
    # masking a dense half of the range compacts the bitfield
    mask(h, BitField.from_ranges([(0, number // 2)]))
    allocate(h, number)


# -- pre-commits (precommitted_sector_stores.rs) -------------------------------------------------------


def precommit(n: int, tag: str, deposit: int = 1, epoch: int = 1) -> SectorPreCommitOnChainInfo:
    info = SectorPreCommitInfo(8, n, sealed_cid(tag), E(1), (), E(1))
    return SectorPreCommitOnChainInfo(info, T(deposit), E(epoch))


def test_precommits_put_get_and_delete() -> None:
    h = StateHarness(0)
    pc1, pc2, pc3, pc4 = precommit(1, "1"), precommit(2, "2"), precommit(3, "2"), precommit(4, "2")
    h.st = h.st.put_precommitted_sectors(h.store, [pc1])
    assert h.st.get_precommitted_sector(h.store, 1) == pc1
    h.st = h.st.put_precommitted_sectors(h.store, [pc2])
    h.st = h.st.put_precommitted_sectors(h.store, [pc3, pc4])
    assert h.st.get_precommitted_sector(h.store, 3) == pc3
    assert h.st.get_precommitted_sector(h.store, 4) == pc4
    h.st = h.st.delete_precommitted_sectors(h.store, [1])
    assert h.st.get_precommitted_sector(h.store, 1) is None
    assert h.st.get_precommitted_sector(h.store, 2) == pc2
    assert h.st.find_precommitted_sectors(h.store, [4, 1, 2]) == [pc4, pc2]
    assert h.st.get_precommitted_sectors(h.store, [2, 3]) == [pc2, pc3]
    # keys are the sector numbers' uvarints
    assert b"\x02" in Hamt(h.store, h.st.pre_committed_sectors, 5)


def test_precommit_errors() -> None:
    h = StateHarness(0)
    with pytest.raises(ActorError) as e:
        h.st.delete_precommitted_sectors(h.store, [1])
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE
    assert h.st.get_precommitted_sector(h.store, 1) is None
    h.st = h.st.put_precommitted_sectors(h.store, [precommit(1, "1")])
    with pytest.raises(ActorError, match="already pre-commited"):
        h.st.put_precommitted_sectors(h.store, [precommit(1, "1")])
    with pytest.raises(ActorError, match="already pre-commited"):
        h.st.put_precommitted_sectors(h.store, [precommit(2, "2"), precommit(2, "2")])
    with pytest.raises(ActorError) as e:
        h.st.get_precommitted_sectors(h.store, [1, 5])
    assert e.value.exit_code is ExitCode.USR_NOT_FOUND
    with pytest.raises(ActorError) as e:
        h.st.get_precommitted_sectors(h.store, [MAX_SECTOR_NUMBER + 1])
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_pre_commit_clean_up_burns_expired_deposits() -> None:
    h = StateHarness(0)
    h.st = h.st.put_precommitted_sectors(h.store, [precommit(1, "1", 10), precommit(2, "2", 20)])
    h.st = h.st.add_pre_commit_deposit(T(30))
    h.st = h.st.add_pre_commit_clean_ups(POLICY, h.store, [(E(5), 1), (E(65), 2), (E(65), 3)])
    queue = BitFieldQueue.new(
        h.store, h.st.pre_committed_sectors_cleanup, h.st.quant_spec_every_deadline(POLICY)
    )
    # quantized to deadline boundaries (every 60 epochs from the period start)
    assert {e: list(v) for e, v in queue.entries()} == {60: [1], 120: [2, 3]}
    h.st, burnt = h.st.cleanup_expired_pre_commits(POLICY, h.store, E(59))
    assert burnt == ZERO
    h.st, burnt = h.st.cleanup_expired_pre_commits(POLICY, h.store, E(120))
    # 3 was never pre-committed and is skipped
    assert burnt == T(30)
    assert h.st.pre_commit_deposits == ZERO
    assert h.st.get_precommitted_sector(h.store, 1) is None
    broken = replace(
        h.st.put_precommitted_sectors(h.store, [precommit(4, "4", 10)]), pre_commit_deposits=T(5)
    )
    broken = broken.add_pre_commit_clean_ups(POLICY, h.store, [(E(150), 4)])
    with pytest.raises(ActorError, match="negative deposits"):
        broken.cleanup_expired_pre_commits(POLICY, h.store, E(180))


# -- sectors (sectors_stores_test.rs) ------------------------------------------------------------------


def on_chain(n: int, tag: str, weight: int, activation: int) -> SectorOnChainInfo:
    return SectorOnChainInfo(
        sector_number=n,
        seal_proof=3,
        sealed_cid=sealed_cid(tag),
        activation=E(activation),
        power_base_epoch=E(activation),
        expiration=E(1),
        deal_weight=weight,
        verified_deal_weight=weight,
    )


def test_sectors_put_and_get() -> None:
    h = StateHarness(0)
    first, second = on_chain(1, "1", 1, 1), on_chain(1, "2", 2, 2)
    h.st = h.st.put_sectors(h.store, [first])
    assert h.st.has_sector_number(h.store, 1)
    assert h.st.get_sector(h.store, 1) == first
    h.st = h.st.put_sectors(h.store, [second])
    assert h.st.get_sector(h.store, 1) == second
    assert not h.st.has_sector_number(h.store, 2)


def test_iterate_multiple_sectors() -> None:
    h = StateHarness(0)
    numbers = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]
    for i, n in enumerate(reversed(numbers)):
        h.st = h.st.put_sectors(h.store, [on_chain(n, str(i), i, i)])
    assert [s.sector_number for s in h.st.for_each_sector(h.store)] == numbers
    assert [s.sector_number for s in h.st.load_sector_infos(h.store, bf(300, 100))] == [100, 300]


# -- funds ---------------------------------------------------------------------------------------------


def test_deposit_pledge_and_penalty_bookkeeping() -> None:
    h = StateHarness(0)
    s = h.st.add_pre_commit_deposit(T(10)).add_initial_pledge(T(20)).apply_penalty(T(5))
    assert (s.pre_commit_deposits, s.initial_pledge, s.fee_debt) == (T(10), T(20), T(5))
    assert s.continue_deadline_cron()
    for bad in (
        lambda: s.add_pre_commit_deposit(T(-11)),
        lambda: s.add_initial_pledge(T(-21)),
        lambda: s.apply_penalty(T(-1)),
    ):
        with pytest.raises(ActorError) as e:
            bad()
        assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE
    assert s.get_unlocked_balance(T(100)) == T(70)
    assert s.get_available_balance(T(100)) == T(65)
    with pytest.raises(ActorError, match="negative unlocked balance"):
        s.get_unlocked_balance(T(29))
    s.check_balance_invariants(T(30))
    with pytest.raises(ActorError, match="below minimum"):
        s.check_balance_invariants(T(29))
    assert not h.st.continue_deadline_cron()


def test_repay_debts() -> None:
    h = StateHarness(0)
    s = h.st.apply_penalty(T(40)).add_initial_pledge(T(10))
    with pytest.raises(ActorError) as e:
        s.repay_debts(T(49))
    assert e.value.exit_code is ExitCode.USR_INSUFFICIENT_FUNDS
    after, burnt = s.repay_debts(T(50))
    assert burnt == T(40)
    assert after.fee_debt == ZERO


def test_repay_partial_debt_from_vesting_then_balance() -> None:
    h = StateHarness(0)
    s, _ = h.st.add_locked_funds(h.store, E(10), T(300), POLICY.reward_vesting)
    s = s.apply_penalty(T(400))
    # balance 350: 300 locked, 50 unlocked
    s, to_burn, unlocked = s.repay_partial_debt_in_priority_order(h.store, E(10), T(350))
    assert unlocked == T(300)
    assert to_burn == T(350)
    assert s.fee_debt == T(50)
    assert s.locked_funds == ZERO
    # nothing left to draw on
    s, to_burn, unlocked = s.repay_partial_debt_in_priority_order(h.store, E(10), T(0))
    assert (to_burn, unlocked, s.fee_debt) == (ZERO, ZERO, T(50))


# -- deadlines -----------------------------------------------------------------------------------------

SIZE = 2048  # the harness's miner proves 2 KiB sectors
PARTITION = 2


def test_deadline_arithmetic_of_the_state() -> None:
    h = StateHarness(100)
    d = h.st.deadline_info(POLICY, E(100 + 3 * POLICY.wpost_challenge_window))
    assert d.index == 3
    assert d.period_start == 100
    assert h.st.recorded_deadline_info(POLICY, E(0)).index == 0
    assert h.st.current_proving_period_start(POLICY, E(99)) == 100 - POLICY.wpost_proving_period
    q = h.st.quant_spec_for_deadline(POLICY, 2)
    assert q.quantize_up(E(0)) == 100 + 3 * POLICY.wpost_challenge_window - 1
    assert h.st.quant_spec_every_deadline(POLICY).unit == POLICY.wpost_challenge_window


def test_assign_sectors_to_deadlines_stripes_partitions_over_open_deadlines() -> None:
    h = StateHarness(0)
    partition_sectors, partitions_per_deadline = 4, 3
    open_deadlines = POLICY.wpost_period_deadlines - 2
    count = partition_sectors * open_deadlines * partitions_per_deadline
    infos = [on_chain(i, str(i), 1, 0) for i in range(count)]
    h.st = h.st.assign_sectors_to_deadlines(
        POLICY, h.store, E(0), list(reversed(infos)), partition_sectors, 32 << 30
    )
    arr = Sectors.new(h.store).store(infos)
    for idx, deadline in h.st.load_deadlines(h.store).for_each(h.store):
        partitions = [p.sectors for _, p in deadline.for_each(h.store)]
        if idx < 2:
            # deadlines 0 and 1 cannot take sectors now
            assert partitions == []
            continue
        expected = [
            BitField.from_ranges([(start, start + partition_sectors)])
            for start in (((i * open_deadlines) + (idx - 2)) * partition_sectors for i in range(3))
        ]
        assert partitions == expected
        quant = h.st.quant_spec_for_deadline(POLICY, idx)
        posts = [PoStPartition(i) for i in range(3)]
        _, result = deadline.record_proven_sectors(h.store, arr, 32 << 30, quant, E(0), posts)
        everything = BitField.multi_union(expected)
        assert result.sectors == everything
        assert not result.ignored_sectors
        assert result.power_delta == power_for_sectors(32 << 30, [infos[n] for n in everything])


def test_assign_sectors_to_an_immutable_deadline_is_rejected() -> None:
    h = StateHarness(0)
    with pytest.raises(ActorError, match="must not be the current or next deadline") as e:
        h.st.assign_sectors_to_deadline(POLICY, h.store, E(0), [make_sector(500, 1)], PARTITION, SIZE, 1)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    with pytest.raises(ActorError) as e:
        h.st.assign_sectors_to_deadline(POLICY, h.store, E(0), [make_sector(500, 1)], PARTITION, SIZE, 48)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


class Miner:
    """A miner with four 2 KiB sectors (pledge 10, daily fee 1 each) in deadline 2, for cron tests."""

    def __init__(self, expiration: int) -> None:
        self.h = StateHarness(0)
        self.sectors = [
            replace(make_sector(expiration, n, pledge=10, daily_fee=1), seal_proof=5) for n in (1, 2, 3, 4)
        ]
        s = self.h.st.allocate_sector_numbers(self.h.store, bf(1, 2, 3, 4), CollisionPolicy.DenyCollisions)
        s = s.put_sectors(self.h.store, self.sectors)
        s = s.assign_sectors_to_deadline(POLICY, self.h.store, E(0), self.sectors, PARTITION, SIZE, 2)
        self.h.st = replace(s.add_initial_pledge(T(40)), deadline_cron_active=True)
        self.balance = T(40)

    def check(self) -> None:
        assert check_state_invariants(self.h.st, self.h.store, self.balance, POLICY) == []

    def prove(self) -> None:
        st, store = self.h.st, self.h.store
        deadlines = st.load_deadlines(store)
        deadline = deadlines.load_deadline(store, 2)
        quant = st.quant_spec_for_deadline(POLICY, 2)
        arr = Sectors.load(store, st.sectors)
        posts = [PoStPartition(0), PoStPartition(1)]
        deadline, _ = deadline.record_proven_sectors(store, arr, SIZE, quant, E(0), posts)
        self.h.st = st.save_deadlines(store, deadlines.update_deadline(POLICY, store, 2, deadline))

    def advance(self, epoch: int) -> object:
        self.h.st, result = self.h.st.advance_deadline(POLICY, self.h.store, E(epoch))
        return result


def test_advance_deadline_before_the_period_starts_changes_nothing() -> None:
    h = StateHarness(100)
    s, result = h.st.advance_deadline(POLICY, h.store, E(50))
    assert s == h.st
    assert result.power_delta.is_zero()
    assert result.pledge_delta == ZERO


def test_advance_deadline_proven_then_missed_then_expired() -> None:
    window, period = POLICY.wpost_challenge_window, POLICY.wpost_proving_period
    last = 3 * window - 1  # deadline 2's last epoch
    m = Miner(last + period)
    power = power_for_sectors(SIZE, m.sectors)
    m.check()
    # deadline 0 holds nothing
    r = m.advance(window - 1)
    assert m.h.st.current_deadline == 1
    assert r.live_power.is_zero()
    m.prove()
    r = m.advance(last)
    assert m.h.st.current_deadline == 3
    assert r.power_delta.is_zero()
    assert r.detected_faulty_power.is_zero()
    assert r.daily_fee == T(4)
    assert r.live_power == power
    m.check()
    # skip the PoSt of the next period: the sectors turn faulty and then expire on time
    r = m.advance(last + period)
    assert r.previously_faulty_power.is_zero()
    assert r.detected_faulty_power == power
    assert r.total_faulty_power == power
    assert r.power_delta == -power
    assert r.pledge_delta == T(-40)
    assert r.daily_fee == ZERO
    assert r.live_power.is_zero()
    assert m.h.st.initial_pledge == ZERO
    assert not m.h.st.early_terminations
    m.h.st = replace(m.h.st, deadline_cron_active=False)
    m.check()


def test_advance_deadline_unproven_sectors_fault_then_terminate_early() -> None:
    window, period = POLICY.wpost_challenge_window, POLICY.wpost_proving_period
    last = 3 * window - 1
    m = Miner(last + 100 * period)
    power = power_for_sectors(SIZE, m.sectors)
    # never proven: the unproven power was never active, so the power delta is zero
    r = m.advance(last)
    assert r.detected_faulty_power == power
    assert r.power_delta.is_zero()
    m.check()
    # faulty for fault_max_age: the sectors terminate early and wait for their fee
    fault_expiration = last + POLICY.fault_max_age
    r = m.advance(fault_expiration)
    assert r.previously_faulty_power == power
    assert r.detected_faulty_power.is_zero()
    assert r.power_delta.is_zero()
    # early terminations keep their pledge for the termination fee
    assert r.pledge_delta == ZERO
    assert m.h.st.early_terminations == bf(2)
    m.check()
    m.h.st, result, more = m.h.st.pop_early_terminations(POLICY, m.h.store, 10, 3)
    assert more
    assert result.sectors_processed == 3
    m.h.st, result, more = m.h.st.pop_early_terminations(POLICY, m.h.store, 10, 10)
    assert not more
    assert dict(result.iter()) == {fault_expiration: bf(4)}
    assert not m.h.st.early_terminations
    m.check()
    s, result, more = m.h.st.pop_early_terminations(POLICY, m.h.store, 10, 10)
    assert (s, result.is_empty(), more) == (m.h.st, True, False)


def test_sector_health_and_activity() -> None:
    m = Miner(10_000)
    st, store = m.h.st, m.h.store
    assert st.find_sector(store, 3) == (2, 1)
    # unproven: active only when proof is not required
    assert st.check_sector_active(store, 2, 0, 1, False)
    assert not st.check_sector_active(store, 2, 0, 1, True)
    m.prove()
    st = m.h.st
    assert st.check_sector_active(store, 2, 0, 1, True)
    st.check_sector_health(store, 2, 0, 1)
    with pytest.raises(ActorError) as e:
        st.check_sector_active(store, 2, 0, 3, True)
    assert e.value.exit_code is ExitCode.USR_NOT_FOUND
    with pytest.raises(ActorError) as e:
        st.check_sector_health(store, 2, 0, 3)
    assert e.value.exit_code is ExitCode.USR_NOT_FOUND
    with pytest.raises(ActorError) as e:
        st.check_sector_health(store, 2, 5, 3)
    assert e.value.exit_code is ExitCode.USR_NOT_FOUND
    # a faulty sector: inactive, and unhealthy with USR_FORBIDDEN
    deadlines = st.load_deadlines(store)
    deadline = deadlines.load_deadline(store, 2)
    from filnet.actors.miner.sector_map import PartitionSectorMap

    deadline, _ = deadline.record_faults(
        store,
        Sectors.load(store, st.sectors),
        SIZE,
        st.quant_spec_for_deadline(POLICY, 2),
        E(5000),
        PartitionSectorMap().add(0, bf(2)),
    )
    st = st.save_deadlines(store, deadlines.update_deadline(POLICY, store, 2, deadline))
    assert not st.check_sector_active(store, 2, 0, 2, False)
    with pytest.raises(ActorError) as e:
        st.check_sector_health(store, 2, 0, 2)
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN


def test_reschedule_sector_expirations_moves_to_the_next_deadline_end() -> None:
    m = Miner(10_000)
    m.prove()
    dsm = DeadlineSectorMap.new().add_values(POLICY, 2, 0, [1, 2]).add_values(POLICY, 2, 7, [9])
    m.h.st, moved = m.h.st.reschedule_sector_expirations(POLICY, m.h.store, E(0), SIZE, dsm)
    assert [s.sector_number for s in moved] == [1, 2]
    # sectors 1 and 2 now expire at deadline 2's next close (epoch 179)
    r = m.advance(3 * POLICY.wpost_challenge_window - 1)
    assert r.pledge_delta == T(-20)
    assert r.power_delta == -power_for_sectors(SIZE, m.sectors[:2])


def test_state_invariants_catch_broken_bookkeeping() -> None:
    m = Miner(10_000)
    m.check()
    broken = replace(m.h.st, deadline_cron_active=False, locked_funds=T(5))
    problems = check_state_invariants(broken, m.h.store, m.balance, POLICY)
    assert any("DeadlineCronActive" in p for p in problems)
    assert any("not sum of vesting table" in p for p in problems)
    assert any("less than sum of locked funds" in p for p in problems)
    unallocated = replace(m.h.st, allocated_sectors=put_cbor(m.h.store, BitField().encode()))
    assert any(
        "has not been allocated" in p
        for p in check_state_invariants(unallocated, m.h.store, m.balance, POLICY)
    )
    bad_deadline = replace(m.h.st, current_deadline=48)
    assert any(
        "current deadline index" in p
        for p in check_state_invariants(bad_deadline, m.h.store, m.balance, POLICY)
    )
    # a deadline whose memoized live power is wrong
    st, store = m.h.st, m.h.store
    deadlines = st.load_deadlines(store)
    deadline = replace(deadlines.load_deadline(store, 2), live_power=PowerPair(1, 1))
    wrong = st.save_deadlines(store, deadlines.update_deadline(POLICY, store, 2, deadline))
    assert any(
        p.startswith("deadline 2: deadline live power")
        for p in check_state_invariants(wrong, store, m.balance, POLICY)
    )
    missing_info = replace(m.h.st, info=CID.compute(0x71, b"nothing"))
    assert check_state_invariants(missing_info, store, m.balance, POLICY)[0].startswith(
        "error loading miner info"
    )
