"""ChangeMultiaddrs and GetMultiaddrs (builtin-actors ``miner_actor_test_peer_info.rs``)."""

from __future__ import annotations

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.types import ChangeMultiaddrsParams, GetMultiaddrsReturn
from filnet.core.address import Address
from filnet.vm.exit_codes import ExitCode

from .harness import MinerHarness, expect_abort

ADDRS = (bytes.fromhex("0403c0a80001061f90"), bytes.fromhex("04030a000001060fa0"))


def test_change_multiaddrs() -> None:
    h = MinerHarness()
    rt = h.new_runtime()
    h.construct_and_verify(rt)
    for method in (Method.CHANGE_MULTIADDRS, Method.CHANGE_MULTIADDRS_EXPORTED):
        rt.set_caller(h.control_addrs[0], "account")
        rt.call(ACTOR, method, ChangeMultiaddrsParams(ADDRS).encode())
        assert h.get_info(rt).multi_address == ADDRS
    rt.set_caller(Address.new_id(4444), "account")
    assert (
        GetMultiaddrsReturn.decode(rt.call(ACTOR, Method.GET_MULTIADDRS_EXPORTED, b"")).multi_addrs == ADDRS
    )
    # Clearing them is allowed.
    rt.set_caller(h.worker, "account")
    rt.call(ACTOR, Method.CHANGE_MULTIADDRS, ChangeMultiaddrsParams(()).encode())
    assert h.get_info(rt).multi_address == ()
    h.check_state(rt)


def test_change_multiaddrs_failures() -> None:
    h = MinerHarness()
    rt = h.new_runtime()
    h.construct_and_verify(rt)
    rt.set_caller(h.worker, "account")
    arg = ExitCode.USR_ILLEGAL_ARGUMENT
    empty = ChangeMultiaddrsParams((ADDRS[0], b"")).encode()
    expect_abort(rt, arg, lambda: rt.call(ACTOR, Method.CHANGE_MULTIADDRS, empty), "invalid empty multiaddr")
    big = ChangeMultiaddrsParams((bytes(rt.policy.max_multiaddr_data // 2 + 1),) * 2).encode()
    expect_abort(rt, arg, lambda: rt.call(ACTOR, Method.CHANGE_MULTIADDRS, big), "multiaddr size")
    rt.set_caller(Address.new_id(555), "account")
    params = ChangeMultiaddrsParams(ADDRS).encode()
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: rt.call(ACTOR, Method.CHANGE_MULTIADDRS, params))
