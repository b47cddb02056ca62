"""Invariants of the miner actor's state (builtin-actors ``miner::testing``).

The checks follow builtin-actors': the info's addresses and proof type, the balances against the vesting
table and pledge, pre-commits against the allocated numbers and the clean-up queue, sectors against their
power base, and every deadline, partition, expiration queue and early-termination queue against the
sectors they hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from filnet.actors.miner.bitfield_queue import BitFieldQueue
from filnet.actors.miner.deadline import Deadline, WindowedPoSt
from filnet.actors.miner.expiration_queue import ExpirationQueue
from filnet.actors.miner.partition import Partition
from filnet.actors.miner.quantize import NO_QUANTIZATION, QuantSpec
from filnet.actors.miner.sectors import (
    SIMPLE_QA_POWER,
    PowerPair,
    SectorOnChainInfo,
    daily_fee_for_sectors,
    power_for_sectors,
)
from filnet.actors.miner.state import MinerInfo, MinerState, PreCommitMap
from filnet.core.address import Protocol
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import FilnetError
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import Blockstore
from filnet.params.network import ActorPolicy
from filnet.proofs.registry import SECTOR_SIZES, sector_shape

SectorsMap = dict[int, SectorOnChainInfo]
_EMPTY = BitField()


class _Acc:
    """Collects messages, each under the prefixes of the checks it came from."""

    def __init__(self, messages: list[str], prefix: str = "") -> None:
        self.messages = messages
        self.prefix = prefix

    def add(self, message: str) -> None:
        self.messages.append(self.prefix + message)

    def require(self, condition: bool, message: str) -> None:
        if not condition:
            self.add(message)

    def with_prefix(self, prefix: str) -> _Acc:
        return _Acc(self.messages, self.prefix + prefix)


@dataclass(slots=True)
class DataSummary:
    """A live sector carrying deal weight."""

    sector_start: ChainEpoch
    sector_expiration: ChainEpoch
    deal_weight: int
    verified_deal_weight: int
    legacy_qap: bool


@dataclass(slots=True)
class StateSummary:
    """Totals the power and market invariants cross-check."""

    live_power: PowerPair = field(default_factory=PowerPair)
    active_power: PowerPair = field(default_factory=PowerPair)
    faulty_power: PowerPair = field(default_factory=PowerPair)
    window_post_proof_type: int = -1
    deadline_cron_active: bool = False
    live_data_sectors: dict[int, DataSummary] = field(default_factory=dict)
    daily_fee: TokenAmount = ZERO


@dataclass(slots=True)
class _PartitionSummary:
    all_sectors: BitField
    live_sectors: BitField
    faulty_sectors: BitField
    recovering_sectors: BitField
    unproven_sectors: BitField
    terminated_sectors: BitField
    live_power: PowerPair
    active_power: PowerPair
    faulty_power: PowerPair
    recovering_power: PowerPair
    expiration_epochs: list[ChainEpoch]
    early_termination_count: int
    daily_fee: TokenAmount


@dataclass(slots=True)
class DeadlineStateSummary:
    """What one deadline's partitions add up to."""

    all_sectors: BitField = _EMPTY
    live_sectors: BitField = _EMPTY
    faulty_sectors: BitField = _EMPTY
    recovering_sectors: BitField = _EMPTY
    unproven_sectors: BitField = _EMPTY
    terminated_sectors: BitField = _EMPTY
    live_power: PowerPair = field(default_factory=PowerPair)
    active_power: PowerPair = field(default_factory=PowerPair)
    faulty_power: PowerPair = field(default_factory=PowerPair)
    daily_fee: TokenAmount = ZERO


def check_state_invariants(
    state: MinerState, store: Blockstore, balance: TokenAmount, policy: ActorPolicy
) -> list[str]:
    """Violations of the miner state's invariants (empty when sound)."""
    return check_miner_state(state, store, balance, policy)[1]


def check_miner_state(
    state: MinerState, store: Blockstore, balance: TokenAmount, policy: ActorPolicy
) -> tuple[StateSummary, list[str]]:
    """The state's summary and the violations of its invariants."""
    messages: list[str] = []
    acc = _Acc(messages)
    summary = StateSummary(deadline_cron_active=state.deadline_cron_active)
    try:
        info = state.get_info(store)
    except FilnetError as e:
        acc.add(f"error loading miner info: {e}")
        return summary, messages
    summary.window_post_proof_type = info.window_post_proof_type
    sector_size = info.sector_size
    _check_miner_info(info, acc)
    _check_miner_balances(policy, state, store, balance, acc)

    allocated: set[int] = set()
    try:
        allocated_bf = state.load_allocated_sector_numbers(store)
        if allocated_bf.count() > 1 << 30:
            acc.add("error expanding allocated sector bitfield")
        else:
            allocated = set(allocated_bf)
    except FilnetError as e:
        acc.add(f"error loading allocated sector bitfield: {e}")
    _check_precommits(policy, state, store, allocated, acc)

    all_sectors: SectorsMap = {}
    try:
        for sector in state.for_each_sector(store):
            number = sector.sector_number
            all_sectors[number] = sector
            acc.require(
                number in allocated, f"on chain sector's sector number has not been allocated {number}"
            )
            if sector.deal_weight or sector.verified_deal_weight:
                summary.live_data_sectors[number] = DataSummary(
                    sector.activation,
                    sector.expiration,
                    sector.deal_weight,
                    sector.verified_deal_weight,
                    not sector.flags & SIMPLE_QA_POWER,
                )
            acc.require(sector.activation <= sector.power_base_epoch, f"invalid power base for {number}")
            acc.require(
                sector.power_base_epoch < sector.expiration,
                f"power base epoch is not before the sector expiration {number}",
            )
    except FilnetError as e:
        acc.add(f"error iterating sectors: {e}")

    acc.require(
        state.current_deadline < policy.wpost_period_deadlines,
        f"current deadline index is greater than deadlines per period({policy.wpost_period_deadlines}): "
        f"{state.current_deadline}",
    )
    try:
        deadlines = state.load_deadlines(store)
        for idx, deadline in deadlines.for_each(store):
            quant = state.quant_spec_for_deadline(policy, idx)
            dl_summary = _check_deadline(
                deadline, store, quant, sector_size, all_sectors, acc.with_prefix(f"deadline {idx}: ")
            )
            summary.live_power += dl_summary.live_power
            summary.active_power += dl_summary.active_power
            summary.faulty_power += dl_summary.faulty_power
            summary.daily_fee += dl_summary.daily_fee
    except FilnetError as e:
        acc.add(f"error loading deadlines: {e}")
    return summary, messages


def _check_miner_info(info: MinerInfo, acc: _Acc) -> None:
    acc.require(info.owner.protocol is Protocol.ID, f"owner address {info.owner} is not an ID address")
    acc.require(info.worker.protocol is Protocol.ID, f"worker address {info.worker} is not an ID address")
    for address in info.control_addresses:
        acc.require(address.protocol is Protocol.ID, f"control address {address} is not an ID address")
    pending = info.pending_worker_key
    if pending is not None:
        acc.require(
            pending.new_worker.protocol is Protocol.ID,
            f"pending worker address {pending.new_worker} is not an ID address",
        )
        acc.require(
            pending.new_worker != info.worker,
            f"pending worker key {pending.new_worker} is same as existing worker {info.worker}",
        )
    if info.pending_owner_address is not None:
        acc.require(
            info.pending_owner_address.protocol is Protocol.ID,
            f"pending owner address {info.pending_owner_address} is not an ID address",
        )
        acc.require(
            info.pending_owner_address != info.owner,
            f"pending owner address {info.pending_owner_address} is same as existing owner {info.owner}",
        )
    proof = info.window_post_proof_type
    if not 0 <= proof <= 14:
        acc.add(f"invalid Window PoSt proof type {proof}")
        return
    sector_size = SECTOR_SIZES[proof % 5]
    acc.require(
        info.sector_size == sector_size,
        f"sector size {info.sector_size} is wrong for Window PoSt proof type {proof}: {sector_size}",
    )
    partition_sectors = sector_shape(sector_size).window_post_sector_count
    acc.require(
        info.window_post_partition_sectors == partition_sectors,
        f"miner partition sectors {info.window_post_partition_sectors} does not match partition sectors "
        f"{partition_sectors} for PoSt proof type {proof}",
    )


def _check_miner_balances(
    policy: ActorPolicy, state: MinerState, store: Blockstore, balance: TokenAmount, acc: _Acc
) -> None:
    acc.require(balance.atto >= 0, f"miner actor balance is less than zero: {balance.atto}")
    acc.require(
        state.locked_funds.atto >= 0, f"miner locked funds is less than zero: {state.locked_funds.atto}"
    )
    acc.require(
        state.pre_commit_deposits.atto >= 0,
        f"miner precommit deposit is less than zero: {state.pre_commit_deposits.atto}",
    )
    acc.require(
        state.initial_pledge.atto >= 0, f"miner initial pledge is less than zero: {state.initial_pledge.atto}"
    )
    acc.require(state.fee_debt.atto >= 0, f"miner fee debt is less than zero: {state.fee_debt.atto}")
    acc.require(
        (balance - state.locked_funds - state.pre_commit_deposits - state.initial_pledge).atto >= 0,
        f"miner balance {balance.atto} is less than sum of locked funds ({state.locked_funds.atto}), "
        f"precommit deposit ({state.pre_commit_deposits.atto}) "
        f"and initial pledge ({state.initial_pledge.atto})",
    )
    vesting_sum = ZERO
    try:
        quant = state.quant_spec_every_deadline(policy)
        for entry in state.vesting_funds.load(store):
            acc.require(entry.amount.atto > 0, f"non-positive amount in miner vesting table entry {entry}")
            vesting_sum += entry.amount
            quantized = quant.quantize_up(entry.epoch)
            acc.require(
                entry.epoch == quantized,
                f"vesting table entry has non-quantized epoch {entry.epoch} (should be {quantized})",
            )
    except FilnetError as e:
        acc.add(f"error loading vesting funds: {e}")
    acc.require(
        state.locked_funds == vesting_sum,
        f"locked funds {state.locked_funds.atto} is not sum of vesting table entries {vesting_sum.atto}",
    )
    if state.continue_deadline_cron():
        acc.require(state.deadline_cron_active, "DeadlineCronActive == false when IP+PCD+LF > 0")


def _check_precommits(
    policy: ActorPolicy, state: MinerState, store: Blockstore, allocated: set[int], acc: _Acc
) -> None:
    quant = state.quant_spec_every_deadline(policy)
    cleanup_epochs: dict[int, ChainEpoch] = {}
    try:
        queue = BitFieldQueue.new(store, state.pre_committed_sectors_cleanup, quant)
        for epoch, bitfield in queue.entries():
            acc.require(quant.quantize_up(epoch) == epoch, f"pre-commit expiration {epoch} is not quantized")
            for number in bitfield:
                cleanup_epochs[number] = epoch
    except FilnetError as e:
        acc.add(f"error iterating pre-commit clean-up queue: {e}")
    total = ZERO
    try:
        for precommit in PreCommitMap(store, state.pre_committed_sectors).items():
            number = precommit.info.sector_number
            acc.require(number in allocated, f"pre-commited sector number has not been allocated {number}")
            acc.require(
                number in cleanup_epochs, f"no clean-up epoch for pre-commit at {precommit.pre_commit_epoch}"
            )
            total += precommit.pre_commit_deposit
    except FilnetError as e:
        acc.add(f"error iterating pre-commited sectors: {e}")
    acc.require(
        state.pre_commit_deposits == total,
        f"sum of pre-commit deposits {total.atto} does not equal recorded pre-commit deposit "
        f"{state.pre_commit_deposits.atto}",
    )


def _select_sectors_map(sectors: SectorsMap, include: BitField) -> tuple[list[SectorOnChainInfo], list[int]]:
    """The sectors of ``include`` found in ``sectors``, and the numbers missing."""
    found, missing = [], []
    for number in include:
        sector = sectors.get(number)
        if sector is None:
            missing.append(number)
        else:
            found.append(sector)
    return found, missing


def _require_contains_all(superset: BitField, subset: BitField, acc: _Acc, message: str) -> None:
    if not superset.contains_all(subset):
        acc.add(f"{message}: {subset}, {superset}")


def _require_contains_none(superset: BitField, subset: BitField, acc: _Acc, message: str) -> None:
    if superset.contains_any(subset):
        acc.add(f"{message}: {subset}, {superset}")


def _require_equal(first: BitField, second: BitField, acc: _Acc, message: str) -> None:
    _require_contains_all(first, second, acc, message)
    _require_contains_all(second, first, acc, message)


def _check_partition(
    partition: Partition,
    store: Blockstore,
    quant: QuantSpec,
    sector_size: int,
    sectors: SectorsMap,
    acc: _Acc,
) -> _PartitionSummary:
    live = partition.live_sectors()
    active = partition.active_sectors()
    _require_contains_all(live, active, acc, "live does not contain active")
    _require_contains_all(live, partition.faults, acc, "live does not contain faults")
    _require_contains_all(live, partition.unproven, acc, "live does not contain unproven")
    _require_contains_none(active, partition.faults, acc, "active includes faults")
    _require_contains_none(active, partition.unproven, acc, "active includes unproven")
    _require_contains_all(partition.faults, partition.recoveries, acc, "faults do not contain recoveries")
    _require_contains_none(live, partition.terminated, acc, "live includes terminations")
    _require_contains_none(partition.faults, partition.unproven, acc, "unproven includes faults")
    _require_contains_all(partition.sectors, partition.terminated, acc, "sectors do not contain terminations")

    live_power = faulty_power = unproven_power = PowerPair.zero()
    daily_fee = ZERO
    live_sectors, missing = _select_sectors_map(sectors, live)
    if not missing:
        live_power = power_for_sectors(sector_size, live_sectors)
        acc.require(
            partition.live_power == live_power,
            f"live power was {partition.live_power}, expected {live_power}",
        )
        daily_fee = daily_fee_for_sectors(live_sectors)
    else:
        acc.add(f"live sectors missing from all sectors: {missing}")
    unproven_sectors, missing = _select_sectors_map(sectors, partition.unproven)
    if not missing:
        unproven_power = power_for_sectors(sector_size, unproven_sectors)
        acc.require(
            partition.unproven_power == unproven_power,
            f"unproven power power was {partition.unproven_power}, expected {unproven_power}",
        )
    else:
        acc.add(f"unproven sectors missing from all sectors: {missing}")
    faulty_sectors, missing = _select_sectors_map(sectors, partition.faults)
    if not missing:
        faulty_power = power_for_sectors(sector_size, faulty_sectors)
        acc.require(
            partition.faulty_power == faulty_power,
            f"faulty power power was {partition.faulty_power}, expected {faulty_power}",
        )
    else:
        acc.add(f"faulty sectors missing from all sectors: {missing}")
    recovering_sectors, missing = _select_sectors_map(sectors, partition.recoveries)
    if not missing:
        recovering_power = power_for_sectors(sector_size, recovering_sectors)
        acc.require(
            partition.recovering_power == recovering_power,
            f"recovering power power was {partition.recovering_power}, expected {recovering_power}",
        )
    else:
        acc.add(f"recovering sectors missing from all sectors: {missing}")
    active_power = live_power - faulty_power - unproven_power
    acc.require(
        partition.active_power() == active_power,
        f"active power was {active_power}, expected {partition.active_power()}",
    )

    expiration_epochs: list[ChainEpoch] = []
    live_map = {s.sector_number: s for s in live_sectors}
    try:
        queue = ExpirationQueue.new(store, partition.expirations_epochs, quant)
        on_time, early, fee_deduction, expiration_epochs = _check_expiration_queue(
            queue, live_map, partition.faults, quant, sector_size, acc
        )
        _require_equal(live, on_time | early, acc, "live does not equal all expirations")
        acc.require(
            fee_deduction == daily_fee,
            f"total fee deductions {fee_deduction.atto} does not equal daily fee {daily_fee.atto}",
        )
    except FilnetError as e:
        acc.add(f"error loading expiration_queue: {e}")

    early_termination_count = 0
    try:
        early_queue = BitFieldQueue.new(store, partition.early_terminated, NO_QUANTIZATION)
        early_termination_count = _check_early_termination_queue(early_queue, partition.terminated, acc)
    except FilnetError as e:
        acc.add(f"error loading early termination queue: {e}")

    return _PartitionSummary(
        partition.sectors,
        live,
        partition.faults,
        partition.recoveries,
        partition.unproven,
        partition.terminated,
        live_power,
        active_power,
        partition.faulty_power,
        partition.recovering_power,
        expiration_epochs,
        early_termination_count,
        daily_fee,
    )


def _check_expiration_queue(
    queue: ExpirationQueue,
    live_sectors: SectorsMap,
    faults: BitField,
    quant: QuantSpec,
    sector_size: int,
    acc: _Acc,
) -> tuple[BitField, BitField, TokenAmount, list[ChainEpoch]]:
    """Check each entry against the live sectors; the union of on-time and early sectors, the summed fee
    deductions and the entry epochs."""
    seen: set[int] = set()
    on_time: list[BitField] = []
    early: list[BitField] = []
    epochs: list[ChainEpoch] = []
    fee_deductions = ZERO
    for epoch, es in queue.entries():
        eacc = acc.with_prefix(f"expiration epoch {epoch}: ")
        quant_up = quant.quantize_up(epoch)
        eacc.require(quant_up == epoch, f"expiration queue key {epoch} is not quantized, expected {quant_up}")
        epochs.append(epoch)
        on_time_pledge = ZERO
        total_fee = ZERO
        for number in es.on_time_sectors:
            if number in seen:
                eacc.add(f"sector {number} in expiration queue twice")
            seen.add(number)
            sector = live_sectors.get(number)
            if sector is None:
                eacc.add(f"on time expiration sector {number} isn't live")
                continue
            target = quant.quantize_up(sector.expiration)
            eacc.require(
                epoch == target, f"invalid expiration {epoch} for sector {number}, expected {target}"
            )
            on_time_pledge += sector.initial_pledge
            total_fee += sector.daily_fee
        for number in es.early_sectors:
            if number in seen:
                eacc.add(f"sector {number} in expiration queue twice")
            seen.add(number)
            eacc.require(number in faults, f"sector {number} expiring early but not faulty")
            sector = live_sectors.get(number)
            if sector is None:
                eacc.add(f"on time expiration sector {number} isn't live")
                continue
            target = quant.quantize_up(sector.expiration)
            eacc.require(
                epoch < target, f"invalid early expiration {epoch} for sector {number}, expected < {target}"
            )
            total_fee += sector.daily_fee
        everything = es.on_time_sectors | es.early_sectors
        active_sectors, missing = _select_sectors_map(live_sectors, everything - faults)
        eacc.require(not missing, f"active sectors missing from live: {missing}")
        faulty_sectors, missing = _select_sectors_map(live_sectors, everything & faults)
        eacc.require(not missing, f"faulty sectors missing from live: {missing}")
        active_power = power_for_sectors(sector_size, active_sectors)
        eacc.require(
            es.active_power == active_power,
            f"active power recorded {es.active_power} doesn't match computed {active_power}",
        )
        faulty_power = power_for_sectors(sector_size, faulty_sectors)
        eacc.require(
            es.faulty_power == faulty_power,
            f"faulty power recorded {es.faulty_power} doesn't match computed {faulty_power}",
        )
        eacc.require(
            es.on_time_pledge == on_time_pledge,
            f"on time pledge recorded {es.on_time_pledge.atto} doesn't match computed: {on_time_pledge.atto}",
        )
        eacc.require(
            es.fee_deduction == total_fee,
            f"fee deduction recorded {es.fee_deduction.atto} doesn't match computed: {total_fee.atto}",
        )
        on_time.append(es.on_time_sectors)
        early.append(es.early_sectors)
        fee_deductions += es.fee_deduction
    return BitField.multi_union(on_time), BitField.multi_union(early), fee_deductions, epochs


def _check_early_termination_queue(queue: BitFieldQueue, terminated: BitField, acc: _Acc) -> int:
    """Each sector at most once, all of them terminated; how many there are."""
    seen: set[int] = set()
    for epoch, bitfield in queue.entries():
        eacc = acc.with_prefix(f"early termination epoch {epoch}: ")
        for number in bitfield:
            eacc.require(number not in seen, f"sector {number} in early termination queue twice")
            seen.add(number)
    _require_contains_all(
        terminated, BitField.from_indices(seen), acc, "terminated sectors missing early termination entry"
    )
    return len(seen)


def check_partition_state_invariants(
    partition: Partition, store: Blockstore, quant: QuantSpec, sector_size: int, sectors: SectorsMap
) -> list[str]:
    """Violations of one partition's invariants, given every sector of the miner by number."""
    messages: list[str] = []
    _check_partition(partition, store, quant, sector_size, sectors, _Acc(messages))
    return messages


def check_deadline_state_invariants(
    deadline: Deadline, store: Blockstore, quant: QuantSpec, sector_size: int, sectors: SectorsMap
) -> tuple[DeadlineStateSummary, list[str]]:
    """What one deadline's partitions add up to, and the violations of its invariants."""
    messages: list[str] = []
    summary = _check_deadline(deadline, store, quant, sector_size, sectors, _Acc(messages))
    return summary, messages


def _check_deadline(
    deadline: Deadline,
    store: Blockstore,
    quant: QuantSpec,
    sector_size: int,
    sectors: SectorsMap,
    acc: _Acc,
) -> DeadlineStateSummary:
    """Check a deadline against its partitions and the sectors; what its partitions add up to."""
    try:
        partitions = list(deadline.for_each(store))
    except FilnetError as e:
        acc.add(f"error loading partitions: {e}")
        return DeadlineStateSummary()
    all_sectors = BitField()
    live: list[BitField] = []
    faulty: list[BitField] = []
    recovering: list[BitField] = []
    unproven: list[BitField] = []
    terminated: list[BitField] = []
    live_power = active_power = faulty_power = PowerPair.zero()
    daily_fees = ZERO
    with_expirations: dict[ChainEpoch, list[int]] = {}
    with_early_terminations: list[int] = []
    for count, (index, partition) in enumerate(partitions):
        acc.require(index == count, f"Non-sequential partitions, expected index {count}, found {index}")
        pacc = acc.with_prefix(f"partition {index}")
        summary = _check_partition(partition, store, quant, sector_size, sectors, pacc)
        pacc.require(
            not all_sectors.contains_any(summary.all_sectors), f"duplicate sector in partition {index}"
        )
        for epoch in summary.expiration_epochs:
            with_expirations.setdefault(epoch, []).append(index)
        if summary.early_termination_count > 0:
            with_early_terminations.append(index)
        all_sectors = all_sectors | summary.all_sectors
        live.append(summary.live_sectors)
        faulty.append(summary.faulty_sectors)
        recovering.append(summary.recovering_sectors)
        unproven.append(summary.unproven_sectors)
        terminated.append(summary.terminated_sectors)
        live_power += summary.live_power
        active_power += summary.active_power
        faulty_power += summary.faulty_power
        daily_fees += summary.daily_fee
    partition_count = len(partitions)

    if deadline.partitions_posted:
        last_proof = deadline.partitions_posted.last()
        acc.require(
            partition_count > last_proof,
            f"expected at least {last_proof + 1} partitions, found {partition_count}",
        )
        acc.require(
            deadline.live_sectors > 0, "expected at least one live sector when partitions have been proven"
        )

    snapshot_indices: set[int] | None = None
    try:
        snapshot_indices = set()
        for i, raw in deadline.partitions_snapshot_amt(store).items():
            snapshot = Partition.from_ipld(raw)
            sacc = acc.with_prefix(f"partition snapshot {i}")
            snapshot_indices.add(i)
            sacc.require(snapshot.recovering_power.is_zero(), "snapshot partition has recovering power")
            sacc.require(not snapshot.recoveries, "snapshot partition has pending recoveries")
            sacc.require(snapshot.unproven_power.is_zero(), "snapshot partition has unproven power")
            sacc.require(not snapshot.unproven, "snapshot partition has unproven sectors")
    except FilnetError as e:
        acc.add(f"error iterating partitions snapshot: {e}")
        snapshot_indices = None
    try:
        proofs = [
            WindowedPoSt.from_ipld(raw) for _, raw in deadline.optimistic_proofs_snapshot_amt(store).items()
        ]
        if snapshot_indices is not None:
            for proof in proofs:
                for p in proof.partitions:
                    acc.require(
                        p in snapshot_indices,
                        f"failed to find partition {p} for recorded proof in the snapshot",
                    )
    except FilnetError as e:
        acc.add(f"error loading proofs snapshot: {e}")

    live_sectors = BitField.multi_union(live)
    acc.require(
        deadline.live_sectors == live_sectors.count(),
        f"deadline live sectors {deadline.live_sectors} != partitions count {live_sectors.count()}",
    )
    acc.require(
        deadline.total_sectors == all_sectors.count(),
        f"deadline total sectors {deadline.total_sectors} != partitions count {all_sectors.count()}",
    )
    acc.require(
        deadline.faulty_power == faulty_power,
        f"deadline faulty power {deadline.faulty_power} != partitions total {faulty_power}",
    )
    acc.require(
        deadline.live_power == live_power,
        f"deadline live power {deadline.live_power} != partitions total {live_power}",
    )
    try:
        queue = BitFieldQueue.new(store, deadline.expirations_epochs, quant)
        for epoch, indices in with_expirations.items():
            entry = queue.get(epoch) if epoch >= 0 else BitField()
            if not entry:
                acc.add(f"expected to find partition expiration entry at epoch {epoch}")
                continue
            for p in indices:
                acc.require(
                    p in entry,
                    f"expected partition {p} to be present in deadline expiration queue at epoch {epoch}",
                )
    except FilnetError as e:
        acc.add(f"error loading expiration queue: {e}")
    _require_equal(
        BitField.from_indices(with_early_terminations),
        deadline.early_terminations,
        acc,
        "deadline early terminations doesn't match expected partitions",
    )
    live_fee = daily_fee_for_sectors(_present(sectors, live_sectors))
    acc.require(
        deadline.daily_fee == live_fee,
        f"deadline daily fee {deadline.daily_fee.atto} != sum of live sectors daily fees {live_fee.atto}",
    )
    return DeadlineStateSummary(
        all_sectors,
        live_sectors,
        BitField.multi_union(faulty),
        BitField.multi_union(recovering),
        BitField.multi_union(unproven),
        BitField.multi_union(terminated),
        live_power,
        active_power,
        faulty_power,
        daily_fees,
    )


def _present(sectors: SectorsMap, numbers: Iterable[int]) -> list[SectorOnChainInfo]:
    """The sectors found among ``numbers`` (missing ones are reported by the partition checks)."""
    return [sectors[n] for n in numbers if n in sectors]
