"""Cron processes a deal at its pseudo-random processing epoch, not its start epoch (builtin-actors
``random_cron_epoch_during_publish.rs``)."""

from __future__ import annotations

from filnet.actors.market.state import DealOpsByEpoch
from filnet.actors.market.types import EX_DEAL_EXPIRED
from filnet.core.types import ChainEpoch
from filnet.params.network import EPOCHS_IN_DAY
from tests.actors.market.harness import (
    CLIENT_ADDR,
    PROVIDER_ADDR,
    MinerAddresses,
    activate_deals,
    assert_deal_deleted,
    check_state,
    cron_tick,
    cron_tick_and_assert_balances,
    cron_tick_no_change,
    expect_burn,
    generate_and_publish_deal,
    is_pending,
    process_epoch,
    publish_and_activate_deal_legacy,
    setup,
    state,
)

START = 50
END = START + 200 * EPOCHS_IN_DAY
EXPIRY = END + 1
SECTOR = 7


def test_cron_processing_happens_at_processing_epoch_not_start_epoch() -> None:
    rt = setup()
    deal_id, deal = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    activate_deals(rt, EXPIRY, PROVIDER_ADDR, START - 1, SECTOR, [deal_id])
    rt.epoch = ChainEpoch(START)
    cron_tick_no_change(rt, CLIENT_ADDR, PROVIDER_ADDR)
    assert is_pending(rt, deal)
    rt.epoch = process_epoch(START, deal_id)
    cron_tick(rt)
    ops = DealOpsByEpoch(rt.store, state(rt).deal_ops_by_epoch)
    assert all(deal_id not in ops.get(epoch) for epoch in ops.epochs())
    assert not is_pending(rt, deal)
    check_state(rt)


def test_deal_is_processed_after_its_end_epoch_should_expire_correctly() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(START - 1)
    deal_id, deal = publish_and_activate_deal_legacy(
        rt, CLIENT_ADDR, MinerAddresses(), SECTOR, START, END, START - 1, EXPIRY
    )
    pay, slashed = cron_tick_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, END + 100, deal_id)
    assert slashed.atto == 0 and pay == deal.storage_price_per_epoch * (END - START)
    assert_deal_deleted(rt, deal_id, deal, SECTOR)
    check_state(rt)


def test_activation_after_deal_start_epoch_but_before_it_is_processed_fails() -> None:
    rt = setup()
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    res = activate_deals(rt, EXPIRY, PROVIDER_ADDR, START + 1, SECTOR, [deal_id], expected_activations=[])
    assert res.activation_results.codes() == [EX_DEAL_EXPIRED]
    check_state(rt)


def test_cron_processing_of_deal_after_missed_activation_should_fail_and_slash() -> None:
    rt = setup()
    deal_id, deal = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    rt.epoch = process_epoch(START, deal_id)
    expect_burn(rt, deal.provider_collateral)
    cron_tick(rt)
    assert_deal_deleted(rt, deal_id, deal, SECTOR)
    check_state(rt)
