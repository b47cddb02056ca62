"""Deal payments over a deal's life and the locked totals they move (builtin-actors
``market_actor_test.rs``: locked fund tracking, synchronous termination; ``deal_api_test.rs``)."""

from __future__ import annotations

from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.params.network import EPOCHS_IN_DAY
from filnet.vm.testing import FakeRuntime
from tests.actors.market.harness import (
    CLIENT_ADDR,
    CONTROL_ADDR,
    OWNER_ADDR,
    PROVIDER_ADDR,
    WORKER_ADDR,
    MinerAddresses,
    activate_deals,
    add_client,
    assert_deal_deleted,
    check_state,
    cron_tick,
    expect_burn,
    generate_and_publish_deal,
    get_balance,
    is_pending,
    process_epoch,
    publish_and_activate_deal,
    settle_deal_payments,
    settle_deal_payments_and_assert_balances,
    setup,
    state,
    terminate_deals,
)

START = 50
END = START + 200 * EPOCHS_IN_DAY


def _assert_locked(
    rt: FakeRuntime, storage_fee: TokenAmount, provider: TokenAmount, client: TokenAmount
) -> None:
    st = state(rt)
    assert st.total_client_storage_fee == storage_fee
    assert st.total_provider_locked_collateral == provider
    assert st.total_client_locked_collateral == client


def test_payments_through_a_deals_life() -> None:
    rt = setup()
    deal_id, deal = publish_and_activate_deal(rt, CLIENT_ADDR, MinerAddresses(), 7, START, END, 0, END)
    price = deal.storage_price_per_epoch
    assert settle_deal_payments_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, START + 10, deal_id) == (
        price * 10,
        ZERO,
    )
    # anyone may settle; a second settlement in the same epoch pays nothing
    ret = settle_deal_payments(rt, Address.new_id(4321), [deal_id])
    assert ret.settlements[0].payment == ZERO
    assert settle_deal_payments_and_assert_balances(
        rt, CLIENT_ADDR, PROVIDER_ADDR, START + 1000, deal_id
    ) == (
        price * 990,
        ZERO,
    )
    paid, _ = settle_deal_payments_and_assert_balances(rt, CLIENT_ADDR, PROVIDER_ADDR, END + 7, deal_id)
    assert paid == price * (END - START - 1000)
    assert_deal_deleted(rt, deal_id, deal, 7)
    assert get_balance(rt, CLIENT_ADDR).balance == deal.client_collateral
    assert get_balance(rt, PROVIDER_ADDR).balance == deal.provider_collateral + deal.total_storage_fee()
    check_state(rt)


def test_locked_fund_tracking_states() -> None:
    rt = setup()
    providers = [
        MinerAddresses(OWNER_ADDR, WORKER_ADDR, Address.new_id(n), (CONTROL_ADDR,)) for n in (201, 202, 203)
    ]
    clients = [Address.new_id(n) for n in (104, 105, 106)]
    for client in clients:
        add_client(rt, client)
    start = 2880
    end = start + 200 * EPOCHS_IN_DAY
    _assert_locked(rt, ZERO, ZERO, ZERO)
    published = [
        generate_and_publish_deal(rt, c, m, start, end) for c, m in zip(clients, providers, strict=True)
    ]
    (id1, d1), (id2, d2), (id3, d3) = published
    csf = d1.total_storage_fee() + d2.total_storage_fee() + d3.total_storage_fee()
    plc = d1.provider_collateral + d2.provider_collateral + d3.provider_collateral
    clc = d1.client_collateral + d2.client_collateral + d3.client_collateral
    _assert_locked(rt, csf, plc, clc)
    # activation changes nothing; the providers use the same sector number
    curr = start - 1
    activate_deals(rt, end + 400, providers[0].provider, curr, 7, [id1])
    activate_deals(rt, end + 400, providers[1].provider, curr, 7, [id2])
    _assert_locked(rt, csf, plc, clc)
    # payments for deals 1 and 2; deal 3 times out
    curr += 100
    rt.epoch = ChainEpoch(curr)
    expect_burn(rt, d3.provider_collateral)
    settle_deal_payments(rt, OWNER_ADDR, [id1, id2, id3])
    csf = csf - d1.storage_price_per_epoch * (2 * (curr - start)) - d3.total_storage_fee()
    plc = plc - d3.provider_collateral
    clc = clc - d3.client_collateral
    _assert_locked(rt, csf, plc, clc)
    last = curr
    curr += 100
    rt.epoch = ChainEpoch(curr)
    settle_deal_payments(rt, OWNER_ADDR, [id1, id2, id3])
    csf = csf - d1.storage_price_per_epoch * (2 * (curr - last))
    _assert_locked(rt, csf, plc, clc)
    rt.epoch = ChainEpoch(curr + 1)
    terminate_deals(rt, providers[0].provider, [7], [id1])
    rt.epoch = ChainEpoch(end)
    settle_deal_payments(rt, OWNER_ADDR, [id1, id2, id3], completed=[id2])
    _assert_locked(rt, ZERO, ZERO, ZERO)
    check_state(rt)


def test_terminating_a_deal_removes_proposal_synchronously() -> None:
    rt = setup()
    deal_id, deal = publish_and_activate_deal(rt, CLIENT_ADDR, MinerAddresses(), 7, START, END, 0, END + 100)
    terminate_deals(rt, PROVIDER_ADDR, [7], [deal_id])
    assert_deal_deleted(rt, deal_id, deal, 7)
    assert not is_pending(rt, deal)
    check_state(rt)
    # the next tick removes the dangling deal op
    rt.epoch = process_epoch(START, deal_id)
    cron_tick(rt)
    assert state(rt).get_deals_for_epoch(rt.store, rt.epoch) == []
    check_state(rt)


def test_invariants_catch_broken_escrow_and_deal_tables() -> None:
    from dataclasses import replace

    from filnet.actors.market.invariants import check_state_invariants
    from filnet.actors.market.state import BalanceTable
    from tests.actors.market.harness import replace_state

    rt = setup()
    deal_id, deal = publish_and_activate_deal(rt, CLIENT_ADDR, MinerAddresses(), 7, START, END, 0, END + 100)
    st = state(rt)
    locked = BalanceTable(rt.store, st.locked_table)
    locked.add(CLIENT_ADDR, TokenAmount(1))
    broken = replace(st, locked_table=locked.root())
    problems = check_state_invariants(broken, rt.store, rt.balance, rt.epoch)
    assert any("greater than escrow amount" in p for p in problems)
    assert any("does not sum to" in p for p in problems)
    # an actor balance below escrow
    problems = check_state_invariants(st, rt.store, TokenAmount(1), rt.epoch)
    assert any("greater than actor balance" in p for p in problems)
    # a deal activated but missing from its sector
    replace_state(rt, st.remove_sector_deal_ids(rt.store, {PROVIDER_ADDR.id: {7: [deal_id]}}))
    problems = check_state_invariants(state(rt), rt.store, rt.balance, rt.epoch)
    assert problems == [f"active deal {deal_id} not found in provider sector deals"]
    # a not yet started deal without a deal op
    replace_state(rt, st.remove_deals_by_epoch(rt.store, [process_epoch(START, deal_id)]))
    problems = check_state_invariants(state(rt), rt.store, rt.balance, rt.epoch)
    assert problems == [f"missing deal ops for proposals: [{deal_id}]"]
    assert deal.start_epoch > rt.epoch
