"""InternalSectorSetupForPreseal: genesis activation of pre-committed sectors and their market deals."""

from __future__ import annotations

from filnet.actors.batch_return import BatchReturn
from filnet.actors.market.methods import Method as MarketMethod
from filnet.actors.market.types import (
    ActivatedDeal,
    BatchActivateDealsParams,
    BatchActivateDealsResult,
    SectorDealActivation,
    SectorDeals,
)
from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.policy import qa_power_for_weight
from filnet.actors.miner.sectors import CompactCommD
from filnet.actors.miner.types import InternalSectorSetupForPresealParams
from filnet.actors.singletons import STORAGE_MARKET_ACTOR, SYSTEM_ACTOR
from filnet.core.types import ChainEpoch
from filnet.vm.exit_codes import ExitCode

from .harness import (
    BIG_BALANCE,
    DEFAULT_SECTOR_EXPIRATION,
    MinerHarness,
    expect_abort,
    expect_update_pledge,
    make_piece_cid,
    ok,
)


def test_preseal_activates_precommitted_sectors_with_deals() -> None:
    h = MinerHarness(offset=100)
    rt = h.new_runtime()
    rt.epoch = ChainEpoch(1)
    h.construct_and_verify(rt)
    rt.balance = BIG_BALANCE
    rt.epoch = ChainEpoch(20)
    expiration = (
        h.current_deadline(rt).period_end() + DEFAULT_SECTOR_EXPIRATION * rt.policy.wpost_proving_period
    )
    commd = make_piece_cid(b"commd")
    with_deal = h.make_pre_commit_params(0, 19, expiration, (5,), CompactCommD.of(commd))
    empty = h.make_pre_commit_params(1, 19, expiration)
    h.pre_commit_sector_batch_and_get(rt, [with_deal, empty], first=True)
    piece = make_piece_cid(b"piece")

    params = InternalSectorSetupForPresealParams(
        (0, 1, 7), h.epoch_reward_smooth, h.baseline_power, h.epoch_qa_power_smooth
    )
    rt.set_caller(h.owner, "account")
    expect_abort(
        rt,
        ExitCode.USR_FORBIDDEN,
        lambda: rt.call(ACTOR, Method.INTERNAL_SECTOR_SETUP_FOR_PRESEAL, params.encode()),
    )

    rt.set_caller(SYSTEM_ACTOR, "system")
    activate = BatchActivateDealsParams(
        (
            SectorDeals(0, h.seal_proof_type, with_deal.expiration, (5,)),
            SectorDeals(1, h.seal_proof_type, empty.expiration, ()),
        ),
        False,
    )
    result = BatchActivateDealsResult(
        BatchReturn.ok(2),
        (SectorDealActivation((ActivatedDeal(1500, 0, piece, 1024),), None), SectorDealActivation((), None)),
    )
    rt.expect_send(
        STORAGE_MARKET_ACTOR, MarketMethod.BATCH_ACTIVATE_DEALS, activate.encode(), result=ok(result.encode())
    )
    duration = ChainEpoch(expiration - rt.curr_epoch)
    pledge = h.initial_pledge_for_power(rt, qa_power_for_weight(h.sector_size, duration, 0)) * 2
    expect_update_pledge(rt, pledge)
    events = len(rt.events)
    # Sector 7 has no pre-commit and is skipped.
    rt.call(ACTOR, Method.INTERNAL_SECTOR_SETUP_FOR_PRESEAL, params.encode())
    rt.verify()
    sector = h.get_sector(rt, 0)
    assert sector.deal_weight == 1024 * duration and sector.verified_deal_weight == 0
    assert h.get_sector(rt, 1).deal_weight == 0
    emitted = [e.event for e in rt.events[events:]]
    assert [e.event_type for e in emitted] == ["sector-activated"] * 2
    assert emitted[0].value("unsealed-cid") == commd and emitted[0].value("piece-cid") == piece
    h.check_state(rt)
