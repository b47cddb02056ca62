"""The miner state's invariants (builtin-actors ``miner::testing``): each check fires on the breakage it
names, and sound states pass."""

from __future__ import annotations

from dataclasses import replace

from filnet.actors.miner.bitfield_queue import BitFieldQueue
from filnet.actors.miner.expiration_queue import ExpirationQueue
from filnet.actors.miner.invariants import (
    check_deadline_state_invariants,
    check_miner_state,
    check_partition_state_invariants,
    check_state_invariants,
)
from filnet.actors.miner.partition import Partition
from filnet.actors.miner.quantize import NO_QUANTIZATION, QuantSpec
from filnet.actors.miner.sectors import PowerPair, Sectors, power_for_sectors
from filnet.actors.miner.state import WorkerKeyChange
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld.blockstore import MemoryBlockstore
from tests.actors.miner import POLICY, StateHarness, bf, make_sector

SIZE = 32 << 30
QUANT = QuantSpec(ChainEpoch(4), ChainEpoch(1))


def sectors() -> list:
    return [make_sector(5, 1, pledge=10, daily_fee=1), make_sector(9, 2, pledge=20, daily_fee=2)]


def proven_partition(store: MemoryBlockstore) -> Partition:
    partition, _, _ = Partition.new(store).add_sectors(store, False, sectors(), SIZE, QUANT)
    partition, _ = partition.activate_unproven()
    return partition


def by_number() -> dict:
    return {s.sector_number: s for s in sectors()}


def test_sound_partition_passes() -> None:
    store = MemoryBlockstore()
    assert check_partition_state_invariants(proven_partition(store), store, QUANT, SIZE, by_number()) == []


def test_partition_power_memos_are_checked() -> None:
    store = MemoryBlockstore()
    partition = replace(proven_partition(store), live_power=PowerPair(1, 1))
    problems = check_partition_state_invariants(partition, store, QUANT, SIZE, by_number())
    assert any(p.startswith("live power was") for p in problems)
    assert any(p.startswith("active power was") for p in problems)


def test_partition_bitfields_must_nest() -> None:
    store = MemoryBlockstore()
    partition = replace(proven_partition(store), recoveries=bf(1), terminated=bf(2))
    problems = check_partition_state_invariants(partition, store, QUANT, SIZE, by_number())
    assert any(p.startswith("faults do not contain recoveries") for p in problems)
    assert any(p.startswith("live does not equal all expirations") for p in problems)


def test_expiration_queue_entries_are_checked() -> None:
    store = MemoryBlockstore()
    partition = proven_partition(store)
    queue = ExpirationQueue.new(store, partition.expirations_epochs, QUANT)
    # move sector 2's entry to an unquantized epoch
    entries = dict(queue.entries())
    queue.amt.delete(9)
    queue.amt.set(10, entries[ChainEpoch(9)].to_ipld())
    broken = replace(partition, expirations_epochs=queue.flush())
    problems = check_partition_state_invariants(broken, store, QUANT, SIZE, by_number())
    assert any("expiration queue key 10 is not quantized" in p for p in problems)
    assert any("invalid expiration 10 for sector 2" in p for p in problems)


def test_early_termination_queue_must_hold_terminated_sectors() -> None:
    store = MemoryBlockstore()
    partition = proven_partition(store)
    queue = BitFieldQueue.new(store, partition.early_terminated, NO_QUANTIZATION).add_to_queue(
        ChainEpoch(3), bf(1)
    )
    broken = replace(partition, early_terminated=queue.flush())
    problems = check_partition_state_invariants(broken, store, QUANT, SIZE, by_number())
    assert any(p.startswith("terminated sectors missing early termination entry") for p in problems)


def test_missing_sectors_are_reported() -> None:
    store = MemoryBlockstore()
    problems = check_partition_state_invariants(proven_partition(store), store, QUANT, SIZE, {})
    assert any(p.startswith("live sectors missing from all sectors") for p in problems)


def test_deadline_memos_and_queues_are_checked() -> None:
    from filnet.actors.miner.deadline import Deadline

    store = MemoryBlockstore()
    deadline, _, _ = Deadline.new(store).add_sectors(store, 4, True, True, sectors(), SIZE, QUANT)
    summary, problems = check_deadline_state_invariants(deadline, store, QUANT, SIZE, by_number())
    assert problems == []
    assert summary.live_power == power_for_sectors(SIZE, sectors())
    assert summary.daily_fee == TokenAmount(3)
    broken = replace(deadline, live_sectors=5, daily_fee=TokenAmount(7), early_terminations=bf(0))
    _, problems = check_deadline_state_invariants(broken, store, QUANT, SIZE, by_number())
    assert any(p.startswith("deadline live sectors 5") for p in problems)
    assert any(p.startswith("deadline daily fee") for p in problems)
    assert any(p.startswith("deadline early terminations doesn't match") for p in problems)
    no_queue = replace(
        deadline,
        expirations_epochs=BitFieldQueue.new(store, deadline.expirations_epochs, QUANT).cut(bf(0)).flush(),
    )
    _, problems = check_deadline_state_invariants(no_queue, store, QUANT, SIZE, by_number())
    assert any("expected to find partition expiration entry" in p for p in problems)


def test_miner_info_is_checked() -> None:
    h = StateHarness(0)
    info = h.st.get_info(h.store)
    bad = replace(
        info,
        owner=Address.new_actor(b"x"),
        pending_worker_key=WorkerKeyChange(info.worker, ChainEpoch(5)),
        pending_owner_address=Address.new_actor(b"x"),
        sector_size=1,
    )
    problems = check_state_invariants(h.st.save_info(h.store, bad), h.store, TokenAmount(0), POLICY)
    assert any("is not an ID address" in p for p in problems)
    assert any("is same as existing worker" in p for p in problems)
    assert any("is same as existing owner" in p for p in problems)
    assert any(p.startswith("sector size 1 is wrong") for p in problems)


def test_precommits_need_deposits_allocation_and_clean_up() -> None:
    from filnet.actors.miner.sectors import SectorPreCommitInfo, SectorPreCommitOnChainInfo
    from tests.actors.miner import sealed_cid

    h = StateHarness(0)
    info = SectorPreCommitInfo(8, 3, sealed_cid("3"), ChainEpoch(1), (), ChainEpoch(1))
    st = h.st.put_precommitted_sectors(
        h.store, [SectorPreCommitOnChainInfo(info, TokenAmount(5), ChainEpoch(1))]
    )
    problems = check_state_invariants(st, h.store, TokenAmount(0), POLICY)
    assert any("pre-commited sector number has not been allocated 3" in p for p in problems)
    assert any("no clean-up epoch for pre-commit" in p for p in problems)
    assert any("sum of pre-commit deposits 5" in p for p in problems)


def test_summary_reports_power_and_data_sectors() -> None:
    h = StateHarness(0)
    sector = replace(make_sector(100_000, 1, deal_weight=5), seal_proof=5)
    st = h.st.put_sectors(h.store, [sector])
    st = st.allocate_sector_numbers(
        h.store, bf(1), __import__("filnet.actors.miner.state", fromlist=["x"]).CollisionPolicy.DenyCollisions
    )
    st = st.assign_sectors_to_deadline(POLICY, h.store, ChainEpoch(0), [sector], 2, 2048, 5)
    summary, problems = check_miner_state(st, h.store, TokenAmount(0), POLICY)
    assert problems == []
    assert summary.live_power == power_for_sectors(2048, [sector])
    assert summary.active_power.is_zero()  # still unproven
    assert summary.window_post_proof_type == 10
    assert list(summary.live_data_sectors) == [1]
    assert summary.live_data_sectors[1].legacy_qap
    assert Sectors.load(h.store, st.sectors).get(1) == sector
