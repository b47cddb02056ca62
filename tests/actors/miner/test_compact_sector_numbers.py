"""CompactSectorNumbers (builtin-actors ``compact_sector_numbers_tests.rs``)."""

from __future__ import annotations

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.sectors import MAX_SECTOR_NUMBER
from filnet.actors.miner.types import CompactSectorNumbersParams, PreCommitSectorBatchParams2
from filnet.core.address import Address
from filnet.core.types import ChainEpoch
from filnet.ipld.bitfield import BitField
from filnet.vm.exit_codes import ExitCode

from .harness import (
    BIG_BALANCE,
    DEFAULT_SECTOR_EXPIRATION,
    HarnessRuntime,
    MinerHarness,
    bitfield,
    expect_abort,
)


def setup() -> tuple[MinerHarness, HarnessRuntime]:
    h = MinerHarness(offset=100)
    rt = h.new_runtime()
    rt.epoch = ChainEpoch(1)
    h.construct_and_verify(rt)
    rt.balance = BIG_BALANCE
    rt.epoch = ChainEpoch(50)
    return h, rt


def compact(rt: HarnessRuntime, caller: Address, mask: BitField) -> object:
    rt.set_caller(caller, "account")
    return rt.call(ACTOR, Method.COMPACT_SECTOR_NUMBERS, CompactSectorNumbersParams(mask).encode())


def test_compact_sector_numbers_then_fail_to_pre_commit() -> None:
    h, rt = setup()
    expiration = (
        h.current_deadline(rt).period_end() + DEFAULT_SECTOR_EXPIRATION * rt.policy.wpost_proving_period
    )
    for caller in (h.owner, h.worker, h.control_addrs[0]):
        compact(rt, caller, bitfield(int(caller.id) % 50 + 100))
    compact(rt, h.worker, BitField.from_ranges([(10, 20)]))
    state = h.get_state(rt)
    assert set(range(10, 20)) <= set(state.load_allocated_sector_numbers(rt.store))
    # A masked number cannot be pre-committed.
    rt.set_caller(h.worker, "account")
    h.expect_query_network_info(rt)
    params = PreCommitSectorBatchParams2((h.make_pre_commit_params(15, 49, expiration),)).encode()
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        lambda: rt.call(ACTOR, Method.PRE_COMMIT_SECTOR_BATCH2, params),
        "already allocated",
    )
    h.pre_commit_sector_batch_and_get(rt, [h.make_pre_commit_params(20, 49, expiration)], first=True)
    # Masking allocated numbers again is allowed.
    compact(rt, h.worker, BitField.from_ranges([(0, 30)]))
    h.check_state(rt)


def test_compact_sector_numbers_failures() -> None:
    h, rt = setup()
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: compact(rt, Address.new_id(555), bitfield(1)))
    expect_abort(
        rt, ExitCode.USR_ILLEGAL_ARGUMENT, lambda: compact(rt, h.worker, BitField()), "invalid mask bitfield"
    )
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        lambda: compact(rt, h.worker, bitfield(MAX_SECTOR_NUMBER + 1)),
        "exceeded max sector number",
    )
