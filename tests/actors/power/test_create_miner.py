"""CreateMiner: the init actor's Exec of a miner, the new claim, failures (builtin-actors
``power_actor_tests.rs``: ``create_miner*``, ``new_miner_updates_miner_above_min_power_count``)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors import manifest as names
from filnet.actors.power.methods import Method
from filnet.actors.power.types import CreateMinerParams, CreateMinerReturn
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.ipld import dagcbor
from filnet.params.network import MAINNET_POLICY
from filnet.vm.exit_codes import ExitCode
from filnet.vm.runtime import SendResult
from tests.actors.power.harness import (
    MINER,
    OWNER,
    ROBUST,
    WINDOW_POST_2KIB,
    WINDOW_POST_32GIB,
    WINNING_POST_2KIB,
    Harness,
    aborts,
    setup,
)

PEER = b"miner"
MULTIADDRS = (b"multiaddr",)
EVM_CALLER = Address.new_id(5000)


def _params(proof: int = WINDOW_POST_32GIB) -> bytes:
    return CreateMinerParams(OWNER, OWNER, proof, PEER, MULTIADDRS).encode()


def test_create_miner(h: Harness) -> None:
    ret = h.create_miner(OWNER, OWNER, MINER, ROBUST, PEER, MULTIADDRS, WINDOW_POST_32GIB, TokenAmount(10))
    assert ret == CreateMinerReturn(MINER, ROBUST)
    # The value went on to the init actor, and with it to the new miner.
    assert h.rt.balance == ZERO
    claim = h.get_claim(MINER)
    assert claim is not None
    assert (claim.window_post_proof_type, claim.raw_byte_power, claim.quality_adj_power) == (
        WINDOW_POST_32GIB,
        0,
        0,
    )
    st = h.state()
    assert h.list_miners() == [MINER]
    assert (st.miner_count, st.miner_above_min_power_count) == (1, 0)
    assert (st.total_quality_adj_power, st.total_raw_byte_power) == (0, 0)
    assert (st.total_bytes_committed, st.total_qa_bytes_committed) == (0, 0)
    assert st.total_pledge_collateral == ZERO
    assert h.get_enrolled_cron_ticks(0) == [] and list(st.load_cron_queue(h.rt.store).epochs()) == []


def test_create_miner_given_send_to_init_actor_fails_should_fail(h: Harness) -> None:
    before = h.state()
    h.rt.set_caller(OWNER, names.ACCOUNT)
    h.rt.value = h.rt.balance = TokenAmount(10)
    h.expect_create_miner(
        OWNER,
        OWNER,
        PEER,
        MULTIADDRS,
        WINDOW_POST_32GIB,
        TokenAmount(10),
        SendResult(ExitCode.USR_INSUFFICIENT_FUNDS),
    )
    aborts(ExitCode.USR_INSUFFICIENT_FUNDS, h, Method.CREATE_MINER, _params())
    h.rt.verify()
    assert h.state() == before


def test_create_miner_restricted_correctly(h: Harness) -> None:
    h.rt.set_caller(EVM_CALLER, names.EVM)
    h.rt.value = h.rt.balance = TokenAmount(320)
    # An EVM contract cannot call the internal method...
    aborts(
        ExitCode.USR_FORBIDDEN,
        h,
        Method.CREATE_MINER,
        _params(WINNING_POST_2KIB),
        contains="must be built-in",
    )
    # ...but it can call the exported one.
    ret = h.create_miner(
        EVM_CALLER,
        OWNER,
        MINER,
        ROBUST,
        PEER,
        MULTIADDRS,
        WINNING_POST_2KIB,
        TokenAmount(320),
        Method.CREATE_MINER_EXPORTED,
        names.EVM,
    )
    assert ret == CreateMinerReturn(MINER, ROBUST)
    assert h.list_miners() == [MINER]


@pytest.mark.parametrize("proof", [WINDOW_POST_2KIB, WINDOW_POST_32GIB])
def test_new_miner_updates_miner_above_min_power_count(proof: int) -> None:
    h = setup()
    h.window_post_proof = proof
    h.create_miner_basic(OWNER, OWNER, Address.new_id(111))
    h.expect_miners_above_min_power(0)
    h.check_state()


def test_new_miner_counts_above_a_zero_minimum_at_once() -> None:
    h = setup(replace(MAINNET_POLICY, minimum_consensus_power=0))
    h.create_miner_basic(OWNER, OWNER, Address.new_id(111))
    h.expect_miners_above_min_power(1)
    h.check_state()


@pytest.mark.parametrize("proof", [5, 8, 9, 15, -1])
def test_invalid_create_miner_with_unsupported_proof_type(h: Harness, proof: int) -> None:
    # The miner constructor would refuse it; if it did not, the power actor still does (retired Window
    # V1 PoSt, unknown numbers).
    before = h.state()
    h.rt.set_caller(OWNER, names.ACCOUNT)
    created = SendResult(ExitCode.OK, dagcbor.encode([bytes(MINER), bytes(ROBUST)]))
    h.expect_create_miner(OWNER, OWNER, PEER, MULTIADDRS, proof, ZERO, created)
    e = aborts(ExitCode.USR_ILLEGAL_STATE, h, Method.CREATE_MINER, _params(proof))
    assert (
        "failed to update power stats for new miner" in e.reason
        and f"unsupported proof type: {proof}" in e.reason
    )
    h.rt.verify()
    assert h.state() == before


def test_invalid_create_miner_params(h: Harness) -> None:
    h.rt.set_caller(OWNER, names.ACCOUNT)
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, h, Method.CREATE_MINER)
    aborts(ExitCode.USR_SERIALIZATION, h, Method.CREATE_MINER, dagcbor.encode([b"x", 1]))
    bad_multiaddr = [bytes(OWNER), bytes(OWNER), WINDOW_POST_32GIB, PEER, ["not bytes"]]
    aborts(ExitCode.USR_SERIALIZATION, h, Method.CREATE_MINER, dagcbor.encode(bad_multiaddr))


@pytest.mark.parametrize(
    ("returned", "code"),
    [(b"", ExitCode.USR_ASSERTION_FAILED), (dagcbor.encode([b"\x00"]), ExitCode.USR_SERIALIZATION)],
)
def test_invalid_init_return(h: Harness, returned: bytes, code: ExitCode) -> None:
    h.rt.set_caller(OWNER, names.ACCOUNT)
    h.expect_create_miner(
        OWNER, OWNER, PEER, MULTIADDRS, WINDOW_POST_32GIB, ZERO, SendResult(ExitCode.OK, returned)
    )
    aborts(code, h, Method.CREATE_MINER, _params())
    h.rt.verify()
    assert h.list_miners() == []


def test_many_miners_are_counted(h: Harness) -> None:
    miners = [Address.new_id(1000 + i) for i in range(20)]
    for miner in miners:
        h.create_miner_basic(OWNER, OWNER, miner)
    assert sorted(h.list_miners(), key=lambda a: a.id) == miners
    assert h.miner_count() == 20


@settings(max_examples=50)
@given(
    st.integers(0, 1 << 62),
    st.integers(0, 1 << 62),
    st.integers(-(1 << 63), (1 << 63) - 1),
    st.binary(max_size=40),
    st.lists(st.binary(max_size=20), max_size=3),
)
def test_create_miner_params_round_trip(
    owner: int, worker: int, proof: int, peer: bytes, addrs: list[bytes]
) -> None:
    params = CreateMinerParams(Address.new_id(owner), Address.new_id(worker), proof, peer, tuple(addrs))
    assert CreateMinerParams.decode(params.encode()) == params
    ret = CreateMinerReturn(Address.new_id(owner), ROBUST)
    assert CreateMinerReturn.decode(ret.encode()) == ret
