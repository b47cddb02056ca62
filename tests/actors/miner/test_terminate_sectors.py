"""TerminateSectors and MaxTerminationFee (builtin-actors ``terminate_sectors_test.rs``)."""

from __future__ import annotations

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.monies import (
    TERM_FEE_MAX_FAULT_FEE_MULTIPLE_DENOM,
    TERM_FEE_MAX_FAULT_FEE_MULTIPLE_NUM,
    TERM_FEE_PLEDGE_MULTIPLE_DENOM,
    TERM_FEE_PLEDGE_MULTIPLE_NUM,
    pledge_penalty_for_continued_fault,
    pledge_penalty_for_termination,
)
from filnet.actors.miner.policy import qa_power_for_sector
from filnet.actors.miner.sectors import SectorOnChainInfo
from filnet.actors.miner.types import (
    CRON_EVENT_PROCESS_EARLY_TERMINATIONS,
    MaxTerminationFeeParams,
    MaxTerminationFeeReturn,
    TerminateSectorsParams,
    TerminationDeclaration,
)
from filnet.actors.singletons import SYSTEM_ACTOR
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.vm.exit_codes import ExitCode

from .harness import (
    BIG_BALANCE,
    BIG_REWARDS,
    DEFAULT_SECTOR_EXPIRATION,
    HarnessRuntime,
    MinerHarness,
    bitfield,
    expect_abort,
    make_activation_manifest,
    sector_commd_from_pieces,
    setup_proven,
    terminate_sectors,
)


def expected_fee(h: MinerHarness, rt: HarnessRuntime, sector: SectorOnChainInfo) -> TokenAmount:
    power = qa_power_for_sector(h.sector_size, sector)
    fault_fee = pledge_penalty_for_continued_fault(h.epoch_reward_smooth, h.epoch_qa_power_smooth, power)
    return pledge_penalty_for_termination(sector.initial_pledge, rt.curr_epoch - sector.activation, fault_fee)


def test_removes_sectors_with_correct_accounting() -> None:
    h, rt, sectors = setup_proven(1)
    sector = sectors[0]
    fee = expected_fee(h, rt, sector)
    assert fee.atto > 0
    ret = terminate_sectors(h, rt, [0], fee, -sector.initial_pledge)
    assert ret.done
    state = h.get_state(rt)
    assert state.initial_pledge == ZERO
    assert not state.early_terminations
    _, _, _, partition = h.find_sector(rt, 0)
    assert partition.terminated == bitfield(0)
    h.check_state(rt)


def test_fee_is_paid_from_vesting_funds_first() -> None:
    h, rt, sectors = setup_proven(1)
    h.apply_rewards(rt, BIG_REWARDS)
    sector = sectors[0]
    fee = expected_fee(h, rt, sector)
    terminate_sectors(h, rt, [0], fee, -sector.initial_pledge - fee)
    h.check_state(rt)


def _commit_with_data(h: MinerHarness, rt: HarnessRuntime) -> SectorOnChainInfo:
    epoch = rt.curr_epoch
    manifest = make_activation_manifest(h.next_sector_no, [(1024, 0, 0, 0)])
    expiration = (
        h.current_deadline(rt).period_end() + DEFAULT_SECTOR_EXPIRATION * rt.policy.wpost_proving_period
    )
    commd = sector_commd_from_pieces(h.seal_proof_type, manifest.pieces)
    params = h.make_pre_commit_params(manifest.sector_number, epoch - 1, expiration, (), commd)
    h.pre_commit_sector_batch_and_get(rt, [params], first=True)
    h.next_sector_no += 1
    h.advance_to_epoch_with_cron(rt, ChainEpoch(epoch + rt.policy.pre_commit_challenge_delay + 1))
    h.prove_commit_sectors3(rt, [manifest])
    sector = h.get_sector(rt, manifest.sector_number)
    h.advance_and_submit_posts(rt, [sector])
    return sector


def _setup() -> tuple[MinerHarness, HarnessRuntime]:
    h = MinerHarness(offset=100)
    rt = h.new_runtime()
    rt.epoch = ChainEpoch(1)
    h.construct_and_verify(rt)
    rt.balance = BIG_BALANCE
    return h, rt


def test_removes_sector_with_data_and_tells_the_market() -> None:
    h, rt = _setup()
    sector = _commit_with_data(h, rt)
    assert sector.deal_weight > 0
    terminate_sectors(h, rt, [sector.sector_number], expected_fee(h, rt, sector), -sector.initial_pledge)
    h.check_state(rt)


def test_owner_cannot_terminate_if_market_fails_but_cron_can() -> None:
    h, rt = _setup()
    sector = _commit_with_data(h, rt)
    rt.origin_id = h.worker
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_STATE,
        lambda: terminate_sectors(
            h, rt, [0], expected_fee(h, rt, sector), -sector.initial_pledge, ExitCode.USR_ILLEGAL_STATE
        ),
    )
    h.check_state(rt)


def test_cannot_terminate_a_sector_when_the_challenge_window_is_open() -> None:
    h, rt, _ = setup_proven(1)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    h.advance_to_deadline(rt, dl_idx)
    rt.set_caller(h.worker, "account")
    params = TerminateSectorsParams((TerminationDeclaration(dl_idx, p_idx, bitfield(0)),)).encode()
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        lambda: rt.call(ACTOR, Method.TERMINATE_SECTORS, params),
        "cannot terminate sectors in immutable deadline",
    )
    rt.set_caller(Address.new_id(555), "account")
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: rt.call(ACTOR, Method.TERMINATE_SECTORS, params))
    too_many = TerminateSectorsParams(
        tuple(
            TerminationDeclaration(dl_idx, i, bitfield(0))
            for i in range(rt.policy.addressed_partitions_max + 1)
        )
    ).encode()
    expect_abort(
        rt, ExitCode.USR_ILLEGAL_ARGUMENT, lambda: rt.call(ACTOR, Method.TERMINATE_SECTORS, too_many)
    )


def test_system_can_process_terminations_even_if_market_fails() -> None:
    h, rt = _setup()
    _commit_with_data(h, rt)
    rt.origin_id = SYSTEM_ACTOR
    rt.set_caller(Address.new_id(4), "storagepower")
    # Nothing queued: the callback does nothing.
    rt.call(
        ACTOR, Method.ON_DEFERRED_CRON_EVENT, h.deferred_cron_params(CRON_EVENT_PROCESS_EARLY_TERMINATIONS)
    )
    rt.verify()
    h.check_state(rt)


def test_max_termination_fee_returns_correct_results() -> None:
    h, rt, sectors = setup_proven(1)
    sector = sectors[0]
    pledge = sector.initial_pledge
    qa = qa_power_for_sector(h.sector_size, sector)
    cases = [
        (0, TokenAmount((pledge.atto * TERM_FEE_PLEDGE_MULTIPLE_NUM) // TERM_FEE_PLEDGE_MULTIPLE_DENOM)),
        (
            qa * 10**6,
            TokenAmount(
                pledge_penalty_for_continued_fault(
                    h.epoch_reward_smooth, h.epoch_qa_power_smooth, qa * 10**6
                ).atto
                * TERM_FEE_MAX_FAULT_FEE_MULTIPLE_NUM
                // TERM_FEE_MAX_FAULT_FEE_MULTIPLE_DENOM
            ),
        ),
    ]
    for power, expected in cases:
        h.expect_query_network_info(rt)
        rt.set_caller(Address.new_id(555), "account")
        ret = rt.call(
            ACTOR, Method.MAX_TERMINATION_FEE_EXPORTED, MaxTerminationFeeParams(power, pledge).encode()
        )
        rt.verify()
        assert MaxTerminationFeeReturn.decode(ret).max_fee == expected
