"""PreCommitSectorBatch2 (builtin-actors ``miner_actor_test_precommit_batch.rs`` and the pre-commit parts
of ``miner_actor_test_commitment.rs``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from filnet.actors.market.methods import Method as MarketMethod
from filnet.actors.market.types import (
    SectorDeals,
    VerifyDealsForActivationParams,
    VerifyDealsForActivationReturn,
)
from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.monies import pre_commit_deposit_for_power
from filnet.actors.miner.policy import qa_power_max
from filnet.actors.miner.sectors import CompactCommD, SectorPreCommitInfo
from filnet.actors.miner.types import PreCommitSectorBatchParams2
from filnet.actors.singletons import STORAGE_MARKET_ACTOR
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.vm.exit_codes import ExitCode

from .harness import (
    BIG_BALANCE,
    DEFAULT_SECTOR_EXPIRATION,
    CronConfig,
    HarnessRuntime,
    MinerHarness,
    expect_abort,
    make_piece_cid,
    make_sealed_cid,
    ok,
)

PRECOMMIT_EPOCH = ChainEpoch(100)


def setup(balance: TokenAmount = BIG_BALANCE) -> tuple[MinerHarness, HarnessRuntime]:
    h = MinerHarness(offset=10)
    rt = h.new_runtime()
    rt.epoch = ChainEpoch(1)
    h.construct_and_verify(rt)
    rt.balance = balance
    rt.epoch = PRECOMMIT_EPOCH
    return h, rt


def expiration(h: MinerHarness, rt: HarnessRuntime, periods: int = DEFAULT_SECTOR_EXPIRATION) -> int:
    return h.current_deadline(rt).period_end() + periods * rt.policy.wpost_proving_period


def deposit(h: MinerHarness) -> TokenAmount:
    return pre_commit_deposit_for_power(
        h.epoch_reward_smooth, h.epoch_qa_power_smooth, qa_power_max(h.sector_size)
    )


@pytest.mark.parametrize("count", [1, 4, 32])
def test_simple_batch(count: int) -> None:
    h, rt = setup()
    exp = expiration(h, rt)
    sectors = [h.make_pre_commit_params(n, PRECOMMIT_EPOCH - 1, exp) for n in range(count)]
    precommits = h.pre_commit_sector_batch_and_get(rt, sectors, first=True)
    state = h.get_state(rt)
    assert state.pre_commit_deposits == deposit(h) * count
    assert state.deadline_cron_active
    for pc, params in zip(precommits, sectors, strict=True):
        assert pc.info == params
        assert pc.pre_commit_epoch == PRECOMMIT_EPOCH
        assert pc.pre_commit_deposit == deposit(h)
    assert set(state.load_allocated_sector_numbers(rt.store)) == set(range(count))
    h.check_state(rt)

    # A second batch does not enroll cron again.
    more = [h.make_pre_commit_params(count + n, PRECOMMIT_EPOCH - 1, exp) for n in range(2)]
    h.pre_commit_sector_batch_and_get(rt, more)
    assert h.get_state(rt).pre_commit_deposits == deposit(h) * (count + 2)
    h.check_state(rt)


def test_empty_batch() -> None:
    h, rt = setup()
    rt.set_caller(h.worker, "account")
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        lambda: rt.call(ACTOR, Method.PRE_COMMIT_SECTOR_BATCH2, PreCommitSectorBatchParams2(()).encode()),
        "batch empty",
    )


def test_insufficient_balance() -> None:
    h, rt = setup(balance=TokenAmount(1))
    sectors = [h.make_pre_commit_params(n, PRECOMMIT_EPOCH - 1, expiration(h, rt)) for n in range(2)]
    expect_abort(
        rt,
        ExitCode.USR_INSUFFICIENT_FUNDS,
        lambda: h.pre_commit_sector_batch(rt, sectors, True),
        "insufficient funds",
    )
    assert h.get_state(rt).pre_commit_deposits == ZERO


def test_one_bad_apple_ruins_batch() -> None:
    h, rt = setup()
    exp = expiration(h, rt)
    good = h.make_pre_commit_params(0, PRECOMMIT_EPOCH - 1, exp)
    bad = h.make_pre_commit_params(1, PRECOMMIT_EPOCH - 1, PRECOMMIT_EPOCH)
    rt.set_caller(h.worker, "account")
    params = PreCommitSectorBatchParams2((good, bad)).encode()
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        lambda: rt.call(ACTOR, Method.PRE_COMMIT_SECTOR_BATCH2, params),
        "expiration",
    )


def test_duplicate_sector_rejects_batch() -> None:
    h, rt = setup()
    exp = expiration(h, rt)
    s = h.make_pre_commit_params(3, PRECOMMIT_EPOCH - 1, exp)
    rt.set_caller(h.worker, "account")
    params = PreCommitSectorBatchParams2((s, s)).encode()
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        lambda: rt.call(ACTOR, Method.PRE_COMMIT_SECTOR_BATCH2, params),
        "duplicate sector number 3",
    )


def _invalid(
    h: MinerHarness, rt: HarnessRuntime, sector: SectorPreCommitInfo, code: ExitCode, contains: str
) -> None:
    rt.set_caller(h.worker, "account")
    params = PreCommitSectorBatchParams2((sector,)).encode()
    expect_abort(rt, code, lambda: rt.call(ACTOR, Method.PRE_COMMIT_SECTOR_BATCH2, params), contains)


def test_invalid_pre_commit_rejected() -> None:
    h, rt = setup()
    exp = expiration(h, rt)
    base = h.make_pre_commit_params(0, PRECOMMIT_EPOCH - 1, exp)
    h.pre_commit_sector_batch_and_get(rt, [base], first=True)
    arg = ExitCode.USR_ILLEGAL_ARGUMENT

    # Sector number already allocated (pre-committed): checked in the state transaction.
    rt.set_caller(h.worker, "account")
    h.expect_query_network_info(rt)
    params = PreCommitSectorBatchParams2((base,)).encode()
    expect_abort(
        rt, arg, lambda: rt.call(ACTOR, Method.PRE_COMMIT_SECTOR_BATCH2, params), "already allocated"
    )

    s = replace(base, sector_number=1)
    _invalid(h, rt, replace(s, seal_proof=8), arg, "unsupported seal proof type")
    _invalid(h, rt, replace(s, seal_proof=0), arg, "unsupported seal proof type")
    _invalid(h, rt, replace(s, sector_number=1 << 63), arg, "out of range")
    _invalid(h, rt, replace(s, sealed_cid=make_piece_cid(b"x")), arg, "sealed CID had wrong prefix")
    _invalid(
        h,
        rt,
        replace(s, unsealed_cid=CompactCommD.of(make_sealed_cid(b"x"))),
        arg,
        "unsealed CID had wrong prefix",
    )
    _invalid(h, rt, replace(s, seal_rand_epoch=PRECOMMIT_EPOCH), arg, "must be before now")
    too_old = PRECOMMIT_EPOCH - rt.policy.max_pre_commit_randomness_lookback - 1
    rt.epoch = ChainEpoch(rt.policy.max_pre_commit_randomness_lookback + 200)
    _invalid(h, rt, replace(s, seal_rand_epoch=ChainEpoch(max(0, too_old + 199))), arg, "too old")
    rt.epoch = PRECOMMIT_EPOCH
    _invalid(h, rt, replace(s, expiration=ChainEpoch(PRECOMMIT_EPOCH - 1)), arg, "must be after activation")
    # Expiration must be the minimum lifetime after the latest permitted activation.
    msd = rt.policy.max_prove_commit_duration_v1p1 + rt.policy.pre_commit_challenge_delay
    short = ChainEpoch(PRECOMMIT_EPOCH + msd + rt.policy.min_sector_expiration - 1)
    _invalid(h, rt, replace(s, expiration=short), arg, "must exceed")
    far = ChainEpoch(PRECOMMIT_EPOCH + rt.policy.max_sector_expiration_extension + 1)
    _invalid(h, rt, replace(s, expiration=far), arg, "cannot be more than")
    h.check_state(rt)


def test_seal_proof_must_match_the_window_post_proof_type() -> None:
    h, rt = setup()
    # 8 MiB V1_1 is a valid pre-commit proof on devnet, but not this 2 KiB miner's.
    s = replace(h.make_pre_commit_params(0, PRECOMMIT_EPOCH - 1, expiration(h, rt)), seal_proof=6)
    rt.set_caller(h.worker, "account")
    h.expect_query_network_info(rt)
    params = PreCommitSectorBatchParams2((s,)).encode()
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        lambda: rt.call(ACTOR, Method.PRE_COMMIT_SECTOR_BATCH2, params),
        "must match miner Window PoSt proof type",
    )


def test_only_control_addresses_may_pre_commit() -> None:
    h, rt = setup()
    s = h.make_pre_commit_params(0, PRECOMMIT_EPOCH - 1, expiration(h, rt))
    stranger = h.owner.__class__.new_id(555)
    rt.set_caller(stranger, "account")
    h.expect_query_network_info(rt)
    params = PreCommitSectorBatchParams2((s,)).encode()
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: rt.call(ACTOR, Method.PRE_COMMIT_SECTOR_BATCH2, params))
    for caller in (h.owner, h.control_addrs[0]):
        rt.set_caller(caller, "account")
        h.expect_query_network_info(rt)


def test_pre_commit_forbidden_during_consensus_fault() -> None:
    h, rt = setup()
    state = h.get_state(rt)
    info = state.get_info(rt.store)
    h.put_state(
        rt, state.save_info(rt.store, replace(info, consensus_fault_elapsed=ChainEpoch(PRECOMMIT_EPOCH + 10)))
    )
    s = h.make_pre_commit_params(0, PRECOMMIT_EPOCH - 1, expiration(h, rt))
    rt.set_caller(h.worker, "account")
    h.expect_query_network_info(rt)
    params = PreCommitSectorBatchParams2((s,)).encode()
    expect_abort(
        rt,
        ExitCode.USR_FORBIDDEN,
        lambda: rt.call(ACTOR, Method.PRE_COMMIT_SECTOR_BATCH2, params),
        "consensus fault",
    )


def test_precommit_pays_back_fee_debt() -> None:
    h, rt = setup()
    state = h.get_state(rt)
    debt = TokenAmount.from_fil(3)
    h.put_state(rt, replace(state, fee_debt=debt))
    s = h.make_pre_commit_params(0, PRECOMMIT_EPOCH - 1, expiration(h, rt))
    h.pre_commit_sector_batch_and_get(rt, [s], first=True)
    assert h.get_state(rt).fee_debt == ZERO
    h.check_state(rt)


def test_deals_are_verified_with_the_market_and_commd_must_match() -> None:
    h, rt = setup()
    exp = expiration(h, rt)
    commd = make_piece_cid(b"sector-commd")
    s = h.make_pre_commit_params(0, PRECOMMIT_EPOCH - 1, exp, (7, 8), CompactCommD.of(commd))
    verify = VerifyDealsForActivationParams((SectorDeals(0, s.seal_proof, s.expiration, (7, 8)),)).encode()

    # The market computes a different CommD: rejected.
    rt.set_caller(h.worker, "account")
    h.expect_query_network_info(rt)
    other = VerifyDealsForActivationReturn((make_piece_cid(b"other"),)).encode()
    rt.expect_send(STORAGE_MARKET_ACTOR, MarketMethod.VERIFY_DEALS_FOR_ACTIVATION, verify, result=ok(other))
    params = PreCommitSectorBatchParams2((s,)).encode()
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        lambda: rt.call(ACTOR, Method.PRE_COMMIT_SECTOR_BATCH2, params),
        "CommDs not equal",
    )

    h.pre_commit_sector_batch_and_get(rt, [s], first=True)
    assert h.get_precommit(rt, 0).info.deal_ids == (7, 8)


def test_too_many_deals() -> None:
    h, rt = setup()
    deals = tuple(range(257))
    s = h.make_pre_commit_params(0, PRECOMMIT_EPOCH - 1, expiration(h, rt), deals)
    rt.set_caller(h.worker, "account")
    h.expect_query_network_info(rt)
    verify = VerifyDealsForActivationParams((SectorDeals(0, s.seal_proof, s.expiration, deals),)).encode()
    rt.expect_send(
        STORAGE_MARKET_ACTOR,
        MarketMethod.VERIFY_DEALS_FOR_ACTIVATION,
        verify,
        result=ok(VerifyDealsForActivationReturn((None,)).encode()),
    )
    params = PreCommitSectorBatchParams2((s,)).encode()
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        lambda: rt.call(ACTOR, Method.PRE_COMMIT_SECTOR_BATCH2, params),
        "too many deals",
    )


def test_precommit_does_not_vest_funds_and_cleans_up_expired_precommits() -> None:
    h, rt = setup()
    s = h.make_pre_commit_params(0, PRECOMMIT_EPOCH - 1, expiration(h, rt))
    h.pre_commit_sector_batch_and_get(rt, [s], first=True)
    # Never proven: the clean-up burns the deposit once the proof is overdue and the delay has passed.
    policy = rt.policy
    cleanup = PRECOMMIT_EPOCH + policy.max_prove_commit_duration_v1p1 + policy.pre_commit_challenge_delay
    cleanup += policy.expired_pre_commit_clean_up_delay
    while True:
        dl = h.current_deadline(rt)
        if dl.last() >= cleanup:
            break
        h.advance_deadline(rt)
    rt.epoch = dl.last()
    h.on_deadline_cron(rt, CronConfig(burnt_funds=deposit(h), no_enrollment=True))
    state = h.get_state(rt)
    assert state.pre_commit_deposits == ZERO
    assert state.get_precommitted_sector(rt.store, 0) is None
    assert not state.deadline_cron_active
    assert set(state.load_allocated_sector_numbers(rt.store)) == {0}
    h.check_state(rt)
