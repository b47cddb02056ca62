"""PublishStorageDeals: successful publication, datacap allocations, batches and scheduling (builtin-actors
``market_actor_test.rs``)."""

from __future__ import annotations

from dataclasses import replace

from filnet.actors import manifest
from filnet.actors.account.actor import AuthenticateMessageParams
from filnet.actors.account.methods import Method as AccountMethod
from filnet.actors.datacap.methods import Method as DatacapMethod
from filnet.actors.datacap.types import TransferFromParams
from filnet.actors.market.methods import Method
from filnet.actors.market.policy import DEAL_MAX_LABEL_SIZE
from filnet.actors.market.state import DealOpsByEpoch
from filnet.actors.market.types import (
    AddBalanceParams,
    ClientDealProposal,
    PublishStorageDealsParams,
    PublishStorageDealsReturn,
)
from filnet.actors.singletons import DATACAP_TOKEN_ACTOR, VERIFIED_REGISTRY_ACTOR
from filnet.actors.verifreg.types import AllocationRequests
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld import dagcbor
from filnet.params.network import EPOCHS_IN_DAY
from filnet.vm.exit_codes import ExitCode
from filnet.vm.runtime import SendResult
from tests.actors.market import harness
from tests.actors.market.harness import (
    CLIENT_ADDR,
    CONTROL_ADDR,
    OWNER_ADDR,
    POLICY,
    PROVIDER_ADDR,
    WORKER_ADDR,
    MinerAddresses,
    aborts,
    activate_deals,
    add_client,
    add_participant_funds,
    add_provider_funds,
    assert_deals_not_activated,
    call,
    check_state,
    expect_get_control_addresses,
    generate_and_publish_deal,
    generate_deal_and_add_funds,
    generate_deal_proposal,
    get_balance,
    get_deal_proposal,
    get_deal_state,
    make_piece_cid,
    publish_deals,
    publish_deals_expect_abort,
    setup,
    sign,
    state,
)

END = 200 * EPOCHS_IN_DAY


def _count_at(ops: DealOpsByEpoch, epoch: int, interval: int) -> int:
    deals = ops.get(epoch)
    assert all(epoch % interval == d % interval for d in deals)
    return len(deals)


def test_deal_starts_on_interval_boundary() -> None:
    rt = setup()
    interval = 24  # mainnet's is far too long for publishing three intervals' worth of deals
    rt.policy_value = replace(POLICY, deal_updates_interval=interval)
    rt.epoch = ChainEpoch(1)
    for i in range(3 * interval):
        deal = generate_deal_and_add_funds(
            rt,
            CLIENT_ADDR,
            MinerAddresses(),
            interval,
            interval + END,
            piece_cid=make_piece_cid(str(i).encode()),
        )
        assert publish_deals(rt, MinerAddresses(), [deal]) == [i]
    ops = DealOpsByEpoch(rt.store, state(rt).deal_ops_by_epoch)
    # three deals in each epoch of the interval after the start, none before or after
    assert all(_count_at(ops, e, interval) == 3 for e in range(interval, 2 * interval))
    assert all(_count_at(ops, e, interval) == 0 for e in range(0, interval))
    assert all(_count_at(ops, e, interval) == 0 for e in range(2 * interval, 3 * interval))
    check_state(rt)


def test_deal_starts_partway_through_interval() -> None:
    rt = setup()
    interval, start = 24, 10
    rt.policy_value = replace(POLICY, deal_updates_interval=interval)
    rt.epoch = ChainEpoch(1)
    for i in range(start):
        deal = generate_deal_and_add_funds(
            rt, CLIENT_ADDR, MinerAddresses(), start, start + END, piece_cid=make_piece_cid(str(i).encode())
        )
        assert publish_deals(rt, MinerAddresses(), [deal]) == [i]
    ops = DealOpsByEpoch(rt.store, state(rt).deal_ops_by_epoch)
    # offsets below the start epoch's wait for the next interval
    assert all(_count_at(ops, e, interval) == 1 for e in range(interval, interval + start))
    assert all(_count_at(ops, e, interval) == 0 for e in range(0, interval))
    for i in range(start, start + 5):
        deal = generate_deal_and_add_funds(
            rt, CLIENT_ADDR, MinerAddresses(), start, start + END, piece_cid=make_piece_cid(str(i).encode())
        )
        publish_deals(rt, MinerAddresses(), [deal])
    ops = DealOpsByEpoch(rt.store, state(rt).deal_ops_by_epoch)
    assert all(_count_at(ops, e, interval) == 1 for e in range(start, start + 5))
    check_state(rt)


def test_simple_deal_from_worker_and_control_address() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(1)
    start = 1000
    deal1 = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), start, start + END)
    deal1_id = publish_deals(rt, MinerAddresses(), [deal1], ZERO, 1)[0]
    deal2 = replace(
        generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), start + 1, start + END + 1),
        verified_deal=True,
    )
    deal2_id = publish_deals(
        rt, MinerAddresses(), [deal2], TokenAmount.from_fil(deal2.piece_size), 1, caller=CONTROL_ADDR
    )[0]
    activate_deals(rt, start + END + 1, PROVIDER_ADDR, 1, 1, [deal1_id, deal2_id])
    assert get_deal_state(rt, deal1_id).sector_start_epoch == 1
    assert get_deal_state(rt, deal2_id).sector_start_epoch == 1
    check_state(rt)


def test_exported_method_publishes_too() -> None:
    rt = setup()
    deal = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), 10, 10 + END)
    assert publish_deals(rt, MinerAddresses(), [deal], method=Method.PUBLISH_STORAGE_DEALS_EXPORTED) == [0]
    check_state(rt)


def test_psd_restricted_correctly() -> None:
    rt = setup()
    deal = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), 10, 10 + END)
    rt.add_actor(WORKER_ADDR, manifest.EVM)  # the worker is a contract
    rt.set_caller(WORKER_ADDR, manifest.EVM)
    params = PublishStorageDealsParams((sign(deal),)).encode()
    error = aborts(ExitCode.USR_FORBIDDEN, rt, Method.PUBLISH_STORAGE_DEALS, params)
    assert "must be built-in" in error.reason
    assert publish_deals(rt, MinerAddresses(), [deal], method=Method.PUBLISH_STORAGE_DEALS_EXPORTED) == [0]
    check_state(rt)


def test_addresses_are_resolved_before_persisting_state_and_for_the_verified_registry() -> None:
    rt = setup()
    client_resolved, provider_resolved = Address.new_id(333), Address.new_id(112)
    client_key_address = Address.new_secp256k1(b"\x04" + bytes([90]) * 64)
    provider_bls = Address.new_bls(bytes([101]) * 48)
    add_client(rt, client_resolved)
    rt.robust[client_key_address] = client_resolved
    rt.add_actor(provider_resolved, manifest.MINER, provider_bls)
    rt.epoch = ChainEpoch(42)
    deal = replace(generate_deal_proposal(client_key_address, provider_bls, 42, 42 + END), verified_deal=True)
    # escrow added under the robust addresses lands under the IDs
    add_participant_funds(rt, client_key_address, deal.client_balance_requirement())
    assert get_balance(rt, client_resolved).balance == deal.client_balance_requirement()
    rt.set_caller(OWNER_ADDR, manifest.ACCOUNT)
    rt.value = deal.provider_collateral
    expect_get_control_addresses(rt, provider_resolved, OWNER_ADDR, WORKER_ADDR)
    call(rt, Method.ADD_BALANCE, AddBalanceParams(provider_bls).encode())
    rt.value = ZERO
    rt.balance = rt.balance + deal.client_balance_requirement() + deal.provider_collateral
    assert get_balance(rt, provider_resolved).balance == deal.provider_collateral

    # the client signs the proposal with its robust addresses; the market stores ID addresses
    signed = ClientDealProposal(deal, harness.client_key(client_resolved).sign(deal.encode()))
    normalized = replace(deal, client=client_resolved, provider=provider_resolved)
    rt.set_caller(WORKER_ADDR, manifest.ACCOUNT)
    harness.expect_publish_preamble(rt, provider_resolved, WORKER_ADDR)
    rt.expect_send(
        client_key_address,
        AccountMethod.AUTHENTICATE_MESSAGE_EXPORTED,
        dagcbor.encode(AuthenticateMessageParams(signed.client_signature.data, deal.encode()).to_ipld()),
        ZERO,
        harness.OK_TRUE,
    )
    harness.expect_datacap_balance(rt, client_resolved, TokenAmount.from_fil(2048))
    assert harness.expect_datacap_transfer(rt, client_resolved, [normalized], 1) == [1]
    harness.expect_notify(rt, normalized, 0)
    log = harness.EventLog(rt)
    log.expect("deal-published", 0, client_resolved.id, provider_resolved.id)
    params = PublishStorageDealsParams((signed,)).encode()
    ret = PublishStorageDealsReturn.decode(call(rt, Method.PUBLISH_STORAGE_DEALS, params))
    log.check()
    assert list(ret.ids) == [0]
    assert get_deal_proposal(rt, 0) == normalized
    assert harness.get_pending_deal_allocation(rt, 0) == 1
    check_state(rt)


def test_datacap_transfers_batched_per_client() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(42)
    client1, client2 = Address.new_id(900), Address.new_id(901)
    add_client(rt, client1)
    add_client(rt, client2)
    deals = [
        replace(generate_deal_and_add_funds(rt, client1, MinerAddresses(), 42, 42 + END), verified_deal=True),
        replace(
            generate_deal_and_add_funds(rt, client1, MinerAddresses(), 42, 42 + END + 1), verified_deal=True
        ),
        replace(generate_deal_and_add_funds(rt, client2, MinerAddresses(), 42, 42 + END), verified_deal=True),
    ]
    ids = publish_deals(rt, MinerAddresses(), deals, TokenAmount.from_fil(2048 * 10), 1)
    assert len(ids) == 3
    check_state(rt)


def test_datacap_transfer_drops_deal_when_cap_insufficient() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(42)
    client = Address.new_id(900)
    add_client(rt, client)
    deals = [
        replace(generate_deal_and_add_funds(rt, client, MinerAddresses(), 42, 42 + END), verified_deal=True),
        replace(
            generate_deal_and_add_funds(rt, client, MinerAddresses(), 42, 42 + END + 1), verified_deal=True
        ),
    ]
    assert len(publish_deals(rt, MinerAddresses(), deals, TokenAmount.from_fil(2048), 1)) == 1
    check_state(rt)


def test_verified_deal_without_any_datacap_is_the_only_one_so_publication_fails() -> None:
    rt = setup()
    deal = replace(
        generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), 42, 42 + END), verified_deal=True
    )
    rt.set_caller(WORKER_ADDR, manifest.ACCOUNT)
    signed = sign(deal)
    harness.expect_publish_preamble(rt, PROVIDER_ADDR, WORKER_ADDR)
    harness.expect_authenticate(rt, signed)
    harness.expect_datacap_balance(rt, CLIENT_ADDR, TokenAmount.from_fil(2047))
    aborts(
        ExitCode.USR_ILLEGAL_ARGUMENT,
        rt,
        Method.PUBLISH_STORAGE_DEALS,
        PublishStorageDealsParams((signed,)).encode(),
    )
    check_state(rt)


def test_failed_datacap_queries_abort_with_their_codes() -> None:
    rt = setup()
    deal = replace(
        generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), 42, 42 + END), verified_deal=True
    )
    signed = sign(deal)
    params = PublishStorageDealsParams((signed,)).encode()
    rt.set_caller(WORKER_ADDR, manifest.ACCOUNT)
    # a balance query that fails: USR_NOT_FOUND whatever the datacap actor said
    harness.expect_publish_preamble(rt, PROVIDER_ADDR, WORKER_ADDR)
    harness.expect_authenticate(rt, signed)
    rt.expect_send(
        DATACAP_TOKEN_ACTOR,
        DatacapMethod.BALANCE_EXPORTED,
        dagcbor.encode(bytes(CLIENT_ADDR)),
        ZERO,
        SendResult(ExitCode.USR_ILLEGAL_ARGUMENT),
    )
    aborts(ExitCode.USR_NOT_FOUND, rt, Method.PUBLISH_STORAGE_DEALS, params)
    # a transfer that fails: USR_ILLEGAL_STATE
    harness.expect_publish_preamble(rt, PROVIDER_ADDR, WORKER_ADDR)
    harness.expect_authenticate(rt, signed)
    harness.expect_datacap_balance(rt, CLIENT_ADDR, TokenAmount.from_fil(2048))
    request = AllocationRequests((harness.alloc_request(rt, deal),), ())
    transfer = TransferFromParams(
        from_=CLIENT_ADDR,
        to=VERIFIED_REGISTRY_ACTOR,
        amount=TokenAmount.from_fil(2048),
        operator_data=request.encode(),
    )
    rt.expect_send(
        DATACAP_TOKEN_ACTOR,
        DatacapMethod.TRANSFER_FROM_EXPORTED,
        transfer.encode(),
        ZERO,
        SendResult(ExitCode.USR_INSUFFICIENT_FUNDS),
    )
    aborts(ExitCode.USR_ILLEGAL_STATE, rt, Method.PUBLISH_STORAGE_DEALS, params)
    assert state(rt).next_id == 0
    check_state(rt)


def test_publish_a_deal_after_activating_a_previous_deal_with_a_start_epoch_far_in_the_future() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(1)
    start = 1000
    deal1, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), start, start + END)
    activate_deals(rt, start + END, PROVIDER_ADDR, 1, 1, [deal1])
    assert get_deal_state(rt, deal1).sector_start_epoch == 1
    rt.epoch = ChainEpoch(2)
    deal2, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), start + 1, start + END + 1)
    activate_deals(rt, start + END + 1, PROVIDER_ADDR, 2, 2, [deal2])
    check_state(rt)


def test_publish_a_deal_with_enough_collateral_when_circulating_supply_is_positive() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(1)
    # with circulating supply equal to the baseline power the minimum collateral is size * 1%
    rt.circulating_supply = TokenAmount(1 << 50)
    minimum = TokenAmount(
        2048 * POLICY.prov_collateral_percent_supply_num // POLICY.prov_collateral_percent_supply_denom
    )
    deal = generate_deal_and_add_funds(
        rt, CLIENT_ADDR, MinerAddresses(), 1000, 1000 + END, provider_collateral=minimum
    )
    assert len(publish_deals(rt, MinerAddresses(), [deal], ZERO, 1)) == 1
    check_state(rt)


def test_publish_multiple_deals_for_different_clients_and_ensure_balances_are_correct() -> None:
    rt = setup()
    clients = [Address.new_id(n) for n in (900, 901, 902)]
    for client in clients:
        add_client(rt, client)
    deals = [generate_deal_and_add_funds(rt, c, MinerAddresses(), 42, 42 + END) for c in clients]
    assert len(publish_deals(rt, MinerAddresses(), deals, ZERO, 1)) == 3
    for client, deal in zip(clients, deals, strict=True):
        assert get_balance(rt, client).locked == deal.client_balance_requirement()
    provider_locked = sum((d.provider_collateral for d in deals), ZERO)
    assert get_balance(rt, PROVIDER_ADDR).locked == provider_locked
    st = state(rt)
    assert st.total_client_locked_collateral == sum((d.client_collateral for d in deals), ZERO)
    assert st.total_provider_locked_collateral == provider_locked
    assert st.total_client_storage_fee == sum((d.total_storage_fee() for d in deals), ZERO)

    more = [
        generate_deal_and_add_funds(rt, clients[2], MinerAddresses(), 1000, 1000 + END),
        generate_deal_and_add_funds(rt, clients[2], MinerAddresses(), 100, 100 + END),
    ]
    assert len(publish_deals(rt, MinerAddresses(), more, ZERO, 1)) == 2
    assert get_balance(rt, clients[2]).locked == sum(
        (d.client_balance_requirement() for d in (deals[2], *more)), ZERO
    )

    # a second provider
    provider2 = MinerAddresses(provider=Address.new_id(109))
    other = [
        generate_deal_and_add_funds(rt, clients[0], provider2, 20, 20 + END),
        generate_deal_and_add_funds(rt, clients[0], provider2, 25, 60 + END),
    ]
    assert len(publish_deals(rt, provider2, other, ZERO, 1)) == 2
    assert get_balance(rt, provider2.provider).locked == sum((d.provider_collateral for d in other), ZERO)
    st = state(rt)
    everything = [*deals, *more, *other]
    assert st.total_client_locked_collateral == sum((d.client_collateral for d in everything), ZERO)
    assert st.total_provider_locked_collateral == sum((d.provider_collateral for d in everything), ZERO)
    assert st.total_client_storage_fee == sum((d.total_storage_fee() for d in everything), ZERO)
    check_state(rt)


def test_activate_deals_multiple_times_with_different_providers() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(5)
    start, end = 10, 10 + END
    expiry = end + 100
    deal1 = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), start, end)[0]
    deal2 = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), start, end + 1)[0]
    deal3 = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), start, end + 2)[0]
    provider2 = MinerAddresses(provider=Address.new_id(401))
    deal4 = generate_and_publish_deal(rt, CLIENT_ADDR, provider2, start, end)[0]
    deal5 = generate_and_publish_deal(rt, CLIENT_ADDR, provider2, start, end + 1)[0]
    activate_deals(rt, expiry, PROVIDER_ADDR, 5, 1, [deal1, deal2])
    assert_deals_not_activated(rt, [deal3, deal4, deal5])
    activate_deals(rt, expiry, provider2.provider, 5, 1, [deal5])
    assert_deals_not_activated(rt, [deal3, deal4])
    activate_deals(rt, expiry, PROVIDER_ADDR, 5, 2, [deal3])
    assert_deals_not_activated(rt, [deal4])
    check_state(rt)


def test_cannot_publish_the_same_deal_twice_before_a_cron_tick() -> None:
    rt = setup()
    generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), 50, 50 + END)
    again = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), 50, 50 + END)
    publish_deals_expect_abort(rt, MinerAddresses(), again, ExitCode.USR_ILLEGAL_ARGUMENT)
    check_state(rt)


def test_duplicate_in_one_batch_publishes_once() -> None:
    rt = setup()
    deal = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), 50, 50 + END)
    add_participant_funds(rt, CLIENT_ADDR, deal.client_balance_requirement())
    add_provider_funds(rt, deal.provider_collateral)
    assert publish_deals(rt, MinerAddresses(), [deal, deal], invalid={1}) == [0]
    check_state(rt)


def test_max_deal_label_size() -> None:
    rt = setup()
    funds = TokenAmount(20_000_000)
    add_provider_funds(rt, funds)
    add_participant_funds(rt, CLIENT_ADDR, funds)
    deal = replace(
        generate_deal_proposal(CLIENT_ADDR, PROVIDER_ADDR, 1, END), label="s" * DEAL_MAX_LABEL_SIZE
    )
    assert len(publish_deals(rt, MinerAddresses(), [deal])) == 1
    # a label's size is its UTF-8 bytes: 128 two-byte characters are 256 bytes
    assert len(publish_deals(rt, MinerAddresses(), [replace(deal, label="é" * 128)])) == 1
    assert len(publish_deals(rt, MinerAddresses(), [replace(deal, label=b"b" * DEAL_MAX_LABEL_SIZE)])) == 1
    too_long = replace(deal, label="s" * (DEAL_MAX_LABEL_SIZE + 1))
    publish_deals_expect_abort(rt, MinerAddresses(), too_long, ExitCode.USR_ILLEGAL_ARGUMENT)
    check_state(rt)


def test_insufficient_client_balance_in_a_batch() -> None:
    rt = setup()
    deal1 = generate_deal_proposal(
        CLIENT_ADDR, PROVIDER_ADDR, 10, 10 + END, client_collateral=TokenAmount(20)
    )
    deal2 = generate_deal_proposal(
        CLIENT_ADDR, PROVIDER_ADDR, 10, 10 + END, client_collateral=TokenAmount(10)
    )
    add_provider_funds(rt, deal1.provider_collateral + deal2.provider_collateral)
    # enough for the second deal, not the first
    add_participant_funds(rt, CLIENT_ADDR, deal2.client_balance_requirement())
    assert publish_deals(rt, MinerAddresses(), [deal1, deal2], invalid={0}) == [0]
    assert get_balance(rt, CLIENT_ADDR).locked == deal2.client_balance_requirement()
    assert get_balance(rt, PROVIDER_ADDR).locked == deal2.provider_collateral
    check_state(rt)


def test_insufficient_provider_balance_in_a_batch() -> None:
    rt = setup()
    deal1 = generate_deal_proposal(
        CLIENT_ADDR, PROVIDER_ADDR, 10, 10 + END, provider_collateral=TokenAmount(20)
    )
    deal2 = generate_deal_proposal(
        CLIENT_ADDR, PROVIDER_ADDR, 10, 10 + END, provider_collateral=TokenAmount(10)
    )
    add_provider_funds(rt, deal2.provider_collateral)
    add_participant_funds(
        rt, CLIENT_ADDR, deal1.client_balance_requirement() + deal2.client_balance_requirement()
    )
    assert publish_deals(rt, MinerAddresses(), [deal1, deal2], invalid={0}) == [0]
    assert get_balance(rt, PROVIDER_ADDR).locked == deal2.provider_collateral
    check_state(rt)


def test_a_client_lockup_accumulates_over_its_deals_in_a_batch() -> None:
    rt = setup()
    deal1 = generate_deal_proposal(CLIENT_ADDR, PROVIDER_ADDR, 10, 10 + END)
    deal2 = generate_deal_proposal(CLIENT_ADDR, PROVIDER_ADDR, 11, 11 + END)
    add_provider_funds(rt, deal1.provider_collateral + deal2.provider_collateral)
    add_participant_funds(rt, CLIENT_ADDR, deal1.client_balance_requirement())
    # each deal alone is covered, but not both: the second is dropped
    assert publish_deals(rt, MinerAddresses(), [deal1, deal2], invalid={1}) == [0]
    check_state(rt)
