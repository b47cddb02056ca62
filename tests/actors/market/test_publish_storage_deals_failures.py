"""PublishStorageDeals rejections, each with its exit code (builtin-actors
``publish_storage_deals_failures.rs``).

A deal that fails a check is dropped; a publication of one bad deal therefore fails with
USR_ILLEGAL_ARGUMENT ("All deal proposals invalid"), which is what most cases here check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from filnet.actors import manifest
from filnet.actors.market.methods import Method
from filnet.actors.market.policy import TOTAL_FILECOIN, deal_provider_collateral_bounds
from filnet.actors.market.state import DealProposal
from filnet.actors.market.types import ClientDealProposal, PublishStorageDealsParams
from filnet.actors.reward.methods import Method as RewardMethod
from filnet.actors.singletons import REWARD_ACTOR
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld import codecs, dagcbor
from filnet.ipld.cid import CID
from filnet.params.network import DEVNET, EPOCHS_IN_DAY
from filnet.vm.exit_codes import ExitCode
from filnet.vm.runtime import SendResult
from filnet.vm.testing import FakeRuntime
from tests.actors.market.harness import (
    CLIENT_ADDR,
    POLICY,
    PROVIDER_ADDR,
    WORKER_ADDR,
    EventLog,
    MinerAddresses,
    aborts,
    add_participant_funds,
    add_provider_funds,
    call,
    check_state,
    client_key,
    expect_authenticate,
    expect_deal_event,
    expect_notify,
    expect_provider_is_control_address,
    expect_publish_preamble,
    expect_query_network_info,
    generate_deal_and_add_funds,
    generate_deal_proposal,
    publish_deals,
    publish_deals_expect_abort,
    setup,
    sign,
    state,
)

START = 10
END = START + 200 * EPOCHS_IN_DAY
Mutation = Callable[[FakeRuntime, DealProposal], DealProposal]


def _assert_deal_failure(
    mutate: Mutation,
    add_funds: bool = True,
    sig_valid: bool = True,
    code: ExitCode = ExitCode.USR_ILLEGAL_ARGUMENT,
) -> None:
    rt = setup()
    if add_funds:
        deal = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    else:
        deal = generate_deal_proposal(CLIENT_ADDR, PROVIDER_ADDR, START, END)
    rt.epoch = ChainEpoch(5)
    deal = mutate(rt, deal)
    signed = sign(deal)
    if not sig_valid:
        signed = ClientDealProposal(deal, client_key(CLIENT_ADDR).sign(b"something else"))
    publish_deals_expect_abort(rt, MinerAddresses(), deal, code, signed)
    check_state(rt)


def _set(**changes: object) -> Mutation:
    return lambda _rt, d: replace(d, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(
            _set(start_epoch=ChainEpoch(10), end_epoch=ChainEpoch(9)), id="deal_end_after_deal_start"
        ),
        pytest.param(_set(start_epoch=ChainEpoch(10), end_epoch=ChainEpoch(10)), id="deal_end_equals_start"),
        pytest.param(
            lambda rt, d: replace(d, start_epoch=ChainEpoch(rt.epoch - 1)), id="current_epoch_past_start"
        ),
        pytest.param(
            _set(start_epoch=ChainEpoch(10), end_epoch=ChainEpoch(10 + 1278 * EPOCHS_IN_DAY + 1)),
            id="duration_greater_than_max",
        ),
        pytest.param(
            _set(start_epoch=ChainEpoch(10), end_epoch=ChainEpoch(10 + 180 * EPOCHS_IN_DAY - 1)),
            id="duration_less_than_min",
        ),
        pytest.param(_set(storage_price_per_epoch=TokenAmount(-1)), id="negative_price_per_epoch"),
        pytest.param(
            _set(storage_price_per_epoch=TOTAL_FILECOIN + TokenAmount(1)), id="price_above_total_filecoin"
        ),
        pytest.param(_set(provider_collateral=TokenAmount(-1)), id="negative_provider_collateral"),
        pytest.param(
            _set(provider_collateral=TOTAL_FILECOIN + TokenAmount(1)), id="provider_collateral_above_max"
        ),
        pytest.param(_set(client_collateral=TokenAmount(-1)), id="negative_client_collateral"),
        pytest.param(
            _set(client_collateral=TOTAL_FILECOIN + TokenAmount(1)), id="client_collateral_above_max"
        ),
        pytest.param(_set(client=Address.new_id(1)), id="client_address_does_not_exist"),
        pytest.param(_set(client=Address.new_bls(bytes([1]) * 48)), id="unable_to_resolve_client_address"),
        pytest.param(_set(piece_cid=CID.compute(codecs.DAG_CBOR, b"not a piece")), id="bad_piece_cid"),
        pytest.param(_set(piece_size=0), id="zero_piece_size"),
        pytest.param(_set(piece_size=64), id="piece_size_less_than_128_bytes"),
        pytest.param(_set(piece_size=254), id="piece_size_is_not_a_power_of_2"),
        pytest.param(_set(label="s" * 257), id="label_too_long"),
    ],
)
def test_invalid_deal_terms(mutate: Mutation) -> None:
    _assert_deal_failure(mutate)


def test_signature_is_invalid() -> None:
    _assert_deal_failure(lambda _rt, d: d, sig_valid=False)


def test_signature_by_another_key_is_invalid() -> None:
    rt = setup()
    deal = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    forged = ClientDealProposal(deal, client_key(Address.new_id(4242)).sign(deal.encode()))
    publish_deals_expect_abort(rt, MinerAddresses(), deal, ExitCode.USR_ILLEGAL_ARGUMENT, forged)
    check_state(rt)


def test_authentication_answering_false_or_nothing_drops_the_deal() -> None:
    rt = setup()
    deal = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    signed = sign(deal)
    params = PublishStorageDealsParams((signed,)).encode()
    for answer in (dagcbor.encode(False), b"", dagcbor.encode("yes")):
        rt.set_caller(WORKER_ADDR, manifest.ACCOUNT)
        expect_publish_preamble(rt, PROVIDER_ADDR, WORKER_ADDR)
        expect_authenticate(rt, signed)
        expected = rt.expected_sends.pop()
        rt.expect_send(expected.to, expected.method, expected.params, ZERO, SendResult(ExitCode.OK, answer))
        aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.PUBLISH_STORAGE_DEALS, params)
    check_state(rt)


def test_provider_collateral_less_than_bound() -> None:
    supply = TokenAmount(1 << 50)
    minimum, _ = deal_provider_collateral_bounds(POLICY, 2048, 0, 1 << 50, supply)
    assert minimum == TokenAmount(20)

    def below(rt: FakeRuntime, d: DealProposal) -> DealProposal:
        rt.circulating_supply = supply
        add_provider_funds(rt, TokenAmount(1000))
        return replace(d, provider_collateral=minimum - TokenAmount(1))

    _assert_deal_failure(below)
    # at the bound it publishes
    rt = setup()
    rt.circulating_supply = supply
    deal = generate_deal_and_add_funds(
        rt, CLIENT_ADDR, MinerAddresses(), START, END, provider_collateral=minimum
    )
    assert publish_deals(rt, MinerAddresses(), [deal]) == [0]


def test_provider_collateral_bound_uses_the_larger_of_raw_and_baseline_power() -> None:
    supply = TokenAmount(1 << 50)
    by_raw, _ = deal_provider_collateral_bounds(POLICY, 2048, 1 << 51, 1 << 50, supply)
    by_baseline, _ = deal_provider_collateral_bounds(POLICY, 2048, 1 << 49, 1 << 50, supply)
    tiny_network, _ = deal_provider_collateral_bounds(POLICY, 2048, 0, 0, supply)
    assert (by_raw, by_baseline) == (TokenAmount(10), TokenAmount(20))
    assert tiny_network == TokenAmount((1 << 50) // 100)
    rt = setup()
    rt.circulating_supply = supply
    deal = generate_deal_and_add_funds(
        rt, CLIENT_ADDR, MinerAddresses(), START, END, provider_collateral=by_raw
    )
    signed = sign(deal)
    rt.set_caller(WORKER_ADDR, manifest.ACCOUNT)
    expect_provider_is_control_address(rt, PROVIDER_ADDR, WORKER_ADDR, True)
    expect_query_network_info(rt, raw_power=1 << 51)
    expect_authenticate(rt, signed)
    expect_notify(rt, deal, 0)
    log = EventLog(rt)
    expect_deal_event(log, "deal-published", 0, deal)
    call(rt, Method.PUBLISH_STORAGE_DEALS, PublishStorageDealsParams((signed,)).encode())
    log.check()
    check_state(rt)


def test_duration_bounds_come_from_the_network_policy() -> None:
    rt = setup()
    rt.policy_value = DEVNET.policy
    short = DEVNET.policy.deal_min_duration
    deal = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), START, START + short)
    assert publish_deals(rt, MinerAddresses(), [deal]) == [0]
    too_short = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), START, START + short - 1)
    publish_deals_expect_abort(rt, MinerAddresses(), too_short, ExitCode.USR_ILLEGAL_ARGUMENT)
    check_state(rt)


@pytest.mark.parametrize("client_short", [True, False])
def test_party_does_not_have_enough_balance_for_collateral(client_short: bool) -> None:
    def fund(rt: FakeRuntime, d: DealProposal) -> DealProposal:
        short = TokenAmount(1)
        add_participant_funds(
            rt, CLIENT_ADDR, d.client_balance_requirement() - (short if client_short else ZERO)
        )
        add_provider_funds(rt, d.provider_collateral - (ZERO if client_short else short))
        return d

    _assert_deal_failure(fund, add_funds=False)


@pytest.mark.parametrize("fund_client", [True, False])
def test_no_entry_in_the_escrow_table(fund_client: bool) -> None:
    def fund(rt: FakeRuntime, d: DealProposal) -> DealProposal:
        if fund_client:
            add_participant_funds(rt, CLIENT_ADDR, d.client_balance_requirement())
        else:
            add_provider_funds(rt, d.provider_collateral)
        return d

    _assert_deal_failure(fund, add_funds=False)


def test_fail_when_client_has_some_funds_but_not_enough_for_a_deal() -> None:
    rt = setup()
    add_participant_funds(rt, CLIENT_ADDR, TokenAmount(100))
    deal = generate_deal_proposal(CLIENT_ADDR, PROVIDER_ADDR, 42, 42 + 200 * EPOCHS_IN_DAY)
    assert TokenAmount(100) < deal.client_balance_requirement()
    add_provider_funds(rt, deal.provider_collateral)
    publish_deals_expect_abort(rt, MinerAddresses(), deal, ExitCode.USR_ILLEGAL_ARGUMENT)
    check_state(rt)


def test_fail_when_provider_has_some_funds_but_not_enough_for_a_deal() -> None:
    rt = setup()
    add_provider_funds(rt, TokenAmount(1))
    deal = generate_deal_proposal(CLIENT_ADDR, PROVIDER_ADDR, START, END)
    add_participant_funds(rt, CLIENT_ADDR, deal.client_balance_requirement())
    publish_deals_expect_abort(rt, MinerAddresses(), deal, ExitCode.USR_ILLEGAL_ARGUMENT)
    check_state(rt)


def test_deals_of_other_providers_are_dropped() -> None:
    rt = setup()
    deal1 = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    other = MinerAddresses(provider=Address.new_id(1000))
    deal2 = generate_deal_and_add_funds(rt, CLIENT_ADDR, other, 1, END)
    assert publish_deals(rt, MinerAddresses(), [deal1, deal2], invalid={1}) == [0]
    check_state(rt)


def test_fail_when_no_deals_in_params() -> None:
    rt = setup()
    rt.set_caller(WORKER_ADDR, manifest.ACCOUNT)
    aborts(
        ExitCode.USR_ILLEGAL_ARGUMENT,
        rt,
        Method.PUBLISH_STORAGE_DEALS,
        PublishStorageDealsParams(()).encode(),
    )
    check_state(rt)


def test_fail_to_resolve_provider_address() -> None:
    rt = setup()
    deal = replace(
        generate_deal_proposal(CLIENT_ADDR, PROVIDER_ADDR, START, END),
        provider=Address.new_bls(bytes([100]) * 48),
    )
    rt.set_caller(WORKER_ADDR, manifest.ACCOUNT)
    aborts(
        ExitCode.USR_NOT_FOUND,
        rt,
        Method.PUBLISH_STORAGE_DEALS,
        PublishStorageDealsParams((sign(deal),)).encode(),
    )
    # an ID address resolves, but no actor lives there
    deal = replace(deal, provider=Address.new_id(5050))
    aborts(
        ExitCode.USR_NOT_FOUND,
        rt,
        Method.PUBLISH_STORAGE_DEALS,
        PublishStorageDealsParams((sign(deal),)).encode(),
    )
    check_state(rt)


def test_caller_is_not_the_worker_or_a_control_address_of_the_miner() -> None:
    rt = setup()
    deal = generate_deal_proposal(CLIENT_ADDR, PROVIDER_ADDR, START, END)
    stranger = Address.new_id(999)
    rt.set_caller(stranger, manifest.ACCOUNT)
    expect_provider_is_control_address(rt, PROVIDER_ADDR, stranger, False)
    aborts(
        ExitCode.USR_FORBIDDEN,
        rt,
        Method.PUBLISH_STORAGE_DEALS,
        PublishStorageDealsParams((sign(deal),)).encode(),
    )
    check_state(rt)


def test_fails_if_provider_is_not_a_storage_miner_actor() -> None:
    rt = setup()
    power_like = Address.new_id(505)
    rt.add_actor(power_like, manifest.POWER)
    deal = generate_deal_proposal(CLIENT_ADDR, power_like, 1, 5)
    rt.set_caller(WORKER_ADDR, manifest.ACCOUNT)
    aborts(
        ExitCode.USR_ILLEGAL_ARGUMENT,
        rt,
        Method.PUBLISH_STORAGE_DEALS,
        PublishStorageDealsParams((sign(deal),)).encode(),
    )
    check_state(rt)


def test_failed_queries_pass_their_codes_on() -> None:
    rt = setup()
    deal = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    params = PublishStorageDealsParams((sign(deal),)).encode()
    rt.set_caller(WORKER_ADDR, manifest.ACCOUNT)
    expect_provider_is_control_address(rt, PROVIDER_ADDR, WORKER_ADDR, True)
    rt.expect_send(
        REWARD_ACTOR, RewardMethod.THIS_EPOCH_REWARD, b"", ZERO, SendResult(ExitCode.USR_ILLEGAL_STATE)
    )
    aborts(ExitCode.USR_ILLEGAL_STATE, rt, Method.PUBLISH_STORAGE_DEALS, params)
    # a reward answer that does not parse, or is missing
    for answer, code in (
        (dagcbor.encode([1]), ExitCode.USR_SERIALIZATION),
        (b"", ExitCode.USR_ASSERTION_FAILED),
    ):
        expect_provider_is_control_address(rt, PROVIDER_ADDR, WORKER_ADDR, True)
        rt.expect_send(
            REWARD_ACTOR, RewardMethod.THIS_EPOCH_REWARD, b"", ZERO, SendResult(ExitCode.OK, answer)
        )
        aborts(code, rt, Method.PUBLISH_STORAGE_DEALS, params)
    check_state(rt)


def test_fails_if_notify_deal_fails() -> None:
    rt = setup()
    deal = generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), 42, 200 * EPOCHS_IN_DAY)
    signed = sign(deal)
    rt.set_caller(WORKER_ADDR, manifest.ACCOUNT)
    expect_publish_preamble(rt, PROVIDER_ADDR, WORKER_ADDR)
    expect_authenticate(rt, signed)
    # whatever the failure, the publication fails
    expect_notify(rt, deal, 0, SendResult(ExitCode.USR_INSUFFICIENT_FUNDS))
    aborts(
        ExitCode.USR_ILLEGAL_ARGUMENT,
        rt,
        Method.PUBLISH_STORAGE_DEALS,
        PublishStorageDealsParams((signed,)).encode(),
    )
    assert state(rt).next_id == 0 and rt.events == []
    check_state(rt)


def test_malformed_params() -> None:
    rt = setup()
    rt.set_caller(WORKER_ADDR, manifest.ACCOUNT)
    deal = generate_deal_proposal(CLIENT_ADDR, PROVIDER_ADDR, START, END)
    bad_signature = [[deal.to_ipld(), b"\x09bogus"]]
    aborts(ExitCode.USR_SERIALIZATION, rt, Method.PUBLISH_STORAGE_DEALS, dagcbor.encode([bad_signature]))
    bad_label = deal.to_ipld()
    bad_label[5] = 7
    aborts(
        ExitCode.USR_SERIALIZATION,
        rt,
        Method.PUBLISH_STORAGE_DEALS,
        dagcbor.encode([[[bad_label, bytes(sign(deal).client_signature)]]]),
    )
    check_state(rt)
