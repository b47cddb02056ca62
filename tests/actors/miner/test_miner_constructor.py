"""Construction of the miner (builtin-actors ``miner_actor_test_construction.rs``)."""

from __future__ import annotations

import pytest

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.state import MinerState
from filnet.actors.miner.types import MinerConstructorParams
from filnet.actors.singletons import INIT_ACTOR
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.vm.exit_codes import ActorError, ExitCode

from .harness import MinerHarness


def test_simple_construction() -> None:
    h = MinerHarness(offset=100)
    rt = h.new_runtime()
    rt.epoch = ChainEpoch(200)
    h.construct_and_verify(rt)
    state = h.get_state(rt)
    info = h.get_info(rt)
    assert info.owner == h.owner and info.worker == h.worker
    assert info.control_addresses == h.control_addrs
    assert info.peer_id == b"\x00" and info.multi_address == ()
    assert info.window_post_proof_type == h.window_post_proof_type
    assert info.sector_size == 2048 and info.window_post_partition_sectors == 2
    assert info.beneficiary == h.owner
    assert state.pre_commit_deposits == ZERO and state.initial_pledge == ZERO
    # Offset 100 of a 96-epoch period is 4; at epoch 200 the period started at 196.
    assert state.proving_period_start == 196
    assert state.current_deadline == 2
    assert not state.deadline_cron_active
    h.check_state(rt)


def test_construction_locks_the_creation_deposit() -> None:
    h = MinerHarness()
    rt = h.new_runtime()
    rt.circulating_supply = h.circulating_supply
    deposit = h.create_miner_deposit(rt)
    assert deposit.atto > 0
    rt.balance = deposit
    rt.set_caller(INIT_ACTOR, "init")
    h.expect_create_miner_queries(rt)
    rt.call(ACTOR, Method.CONSTRUCTOR, h.constructor_params().encode())
    rt.verify()
    state = rt.get_state(MinerState)
    assert state.locked_funds == deposit
    funds = state.vesting_funds.load(rt.store)
    # Devnet vests over 2880 epochs in steps of 60.
    assert len(funds) == 48
    # (The invariants want deadline cron running while funds are locked; builtin-actors' harness drops the
    # deposit before checking them, as construct_and_verify does.)


def test_fails_with_insufficient_balance_for_the_deposit() -> None:
    h = MinerHarness()
    rt = h.new_runtime()
    rt.circulating_supply = h.circulating_supply
    rt.balance = h.create_miner_deposit(rt) - TokenAmount(1)
    rt.set_caller(INIT_ACTOR, "init")
    h.expect_create_miner_queries(rt)
    rt.expected_sends.pop()  # the worker is not looked up
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.CONSTRUCTOR, h.constructor_params().encode())
    assert e.value.exit_code is ExitCode.USR_INSUFFICIENT_FUNDS


def _construct_fails(h: MinerHarness, params: MinerConstructorParams, code: ExitCode, sends: int = 0) -> None:
    rt = h.new_runtime()
    rt.circulating_supply = h.circulating_supply
    rt.balance = h.create_miner_deposit(rt)
    rt.set_caller(INIT_ACTOR, "init")
    if sends:
        h.expect_create_miner_queries(rt)
        for _ in range(3 - sends):
            rt.expected_sends.pop()
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.CONSTRUCTOR, params.encode())
    assert e.value.exit_code is code


def test_control_addresses_are_resolved_during_construction() -> None:
    h = MinerHarness()
    rt = h.new_runtime()
    robust = Address.new_actor(b"control")
    rt.add_actor(Address.new_id(501), "account", robust)
    params = MinerConstructorParams(h.owner, h.worker, (robust,), h.window_post_proof_type, b"\x00", ())
    rt.circulating_supply = h.circulating_supply
    rt.balance = h.create_miner_deposit(rt)
    rt.set_caller(INIT_ACTOR, "init")
    h.expect_create_miner_queries(rt)
    rt.call(ACTOR, Method.CONSTRUCTOR, params.encode())
    assert h.get_info(rt).control_addresses == (Address.new_id(501),)


def test_fails_if_control_address_is_not_resolvable() -> None:
    h = MinerHarness()
    params = MinerConstructorParams(
        h.owner, h.worker, (Address.new_actor(b"nobody"),), h.window_post_proof_type, b"\x00", ()
    )
    _construct_fails(h, params, ExitCode.USR_ILLEGAL_ARGUMENT, sends=3)


def test_test_construction_with_invalid_peer_id_and_multiaddrs() -> None:
    h = MinerHarness()
    long_peer = bytes(h.policy.max_peer_id_length + 1)
    params = MinerConstructorParams(h.owner, h.worker, (), h.window_post_proof_type, long_peer, ())
    _construct_fails(h, params, ExitCode.USR_ILLEGAL_ARGUMENT)
    params = MinerConstructorParams(h.owner, h.worker, (), h.window_post_proof_type, b"\x00", (b"",))
    _construct_fails(h, params, ExitCode.USR_ILLEGAL_ARGUMENT)
    big = (b"\x01" * (h.policy.max_multiaddr_data // 2 + 1),) * 2
    params = MinerConstructorParams(h.owner, h.worker, (), h.window_post_proof_type, b"\x00", big)
    _construct_fails(h, params, ExitCode.USR_ILLEGAL_ARGUMENT)


def test_fails_with_too_many_control_addresses_or_bad_proof_type() -> None:
    h = MinerHarness()
    many = tuple(Address.new_id(2000 + i) for i in range(h.policy.max_control_addresses + 1))
    params = MinerConstructorParams(h.owner, h.worker, many, h.window_post_proof_type, b"\x00", ())
    _construct_fails(h, params, ExitCode.USR_ILLEGAL_ARGUMENT)
    params = MinerConstructorParams(h.owner, h.worker, (), 13, b"\x00", ())  # 32 GiB: not on devnet
    _construct_fails(h, params, ExitCode.USR_ILLEGAL_ARGUMENT)


def test_worker_must_be_an_account_with_a_bls_key() -> None:
    h = MinerHarness()
    secp = Address.new_secp256k1(b"\x04" + bytes(64))
    rt = h.new_runtime()
    rt.circulating_supply = h.circulating_supply
    rt.balance = h.create_miner_deposit(rt)
    rt.set_caller(INIT_ACTOR, "init")
    h.expect_create_miner_queries(rt, worker_key=secp)
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.CONSTRUCTOR, h.constructor_params().encode())
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT

    rt = h.new_runtime()
    rt.add_actor(h.worker, "multisig")
    rt.circulating_supply = h.circulating_supply
    rt.balance = h.create_miner_deposit(rt)
    rt.set_caller(INIT_ACTOR, "init")
    h.expect_create_miner_queries(rt)
    rt.expected_sends.pop()
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.CONSTRUCTOR, h.constructor_params().encode())
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_only_the_init_actor_may_construct() -> None:
    h = MinerHarness()
    rt = h.new_runtime()
    rt.set_caller(h.owner, "account")
    with pytest.raises(ActorError) as e:
        rt.call(ACTOR, Method.CONSTRUCTOR, h.constructor_params().encode())
    assert e.value.exit_code is ExitCode.USR_FORBIDDEN


def test_unimplemented_methods_are_unhandled() -> None:
    h = MinerHarness()
    rt = h.new_runtime()
    h.construct_and_verify(rt)
    for method in (
        Method.PROVE_REPLICA_UPDATES3,
        Method.PROVE_COMMIT_SECTORS_NI,
        6,
        7,
        8,
        25,
        26,
        27,
        29,
        33,
    ):
        with pytest.raises(ActorError) as e:
            rt.call(ACTOR, method, b"")
        assert e.value.exit_code is ExitCode.USR_UNHANDLED_MESSAGE
