"""ChangePeerID and GetPeerID (builtin-actors ``change_peer_id_test.rs`` and
``miner_actor_test_peer_info.rs``)."""

from __future__ import annotations

import pytest

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.types import ChangePeerIDParams, GetPeerIDReturn
from filnet.core.address import Address
from filnet.vm.exit_codes import ExitCode

from .harness import HarnessRuntime, MinerHarness, expect_abort


def setup() -> tuple[MinerHarness, HarnessRuntime]:
    h = MinerHarness()
    rt = h.new_runtime()
    h.construct_and_verify(rt)
    return h, rt


@pytest.mark.parametrize("method", [Method.CHANGE_PEER_ID, Method.CHANGE_PEER_ID_EXPORTED])
def test_successfully_change_peer_id(method: int) -> None:
    h, rt = setup()
    for caller in (h.worker, h.owner, h.control_addrs[1]):
        peer = b"peer-" + bytes(caller)
        rt.set_caller(caller, "account")
        rt.call(ACTOR, method, ChangePeerIDParams(peer).encode())
        assert h.get_info(rt).peer_id == peer
        rt.set_caller(Address.new_id(4444), "evm")
        assert GetPeerIDReturn.decode(rt.call(ACTOR, Method.GET_PEER_ID_EXPORTED, b"")).peer_id == peer
    h.check_state(rt)


def test_change_peer_id_failures() -> None:
    h, rt = setup()
    rt.set_caller(h.worker, "account")
    too_long = ChangePeerIDParams(bytes(rt.policy.max_peer_id_length + 1)).encode()
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        lambda: rt.call(ACTOR, Method.CHANGE_PEER_ID, too_long),
        "peer ID size",
    )
    # The maximum length is allowed.
    rt.call(ACTOR, Method.CHANGE_PEER_ID, ChangePeerIDParams(bytes(rt.policy.max_peer_id_length)).encode())
    rt.set_caller(Address.new_id(555), "account")
    params = ChangePeerIDParams(b"x").encode()
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: rt.call(ACTOR, Method.CHANGE_PEER_ID, params))
    rt.set_caller(h.worker, "account")
    expect_abort(rt, ExitCode.USR_SERIALIZATION, lambda: rt.call(ACTOR, Method.CHANGE_PEER_ID, b"\x81\x01"))
    expect_abort(rt, ExitCode.USR_ILLEGAL_ARGUMENT, lambda: rt.call(ACTOR, Method.CHANGE_PEER_ID, b""))
