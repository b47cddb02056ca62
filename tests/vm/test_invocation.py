"""The real Runtime inside message execution, driven by a probe actor registered for one test.

The probe is registered under the ``evm`` name (an actor filnet does not implement yet) and created at
f0500; each of its methods exercises one runtime capability or misuse.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import pytest

from filnet.actors import manifest as names
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ActorID, ChainEpoch
from filnet.crypto.randomness import DomainSeparationTag
from filnet.crypto.signature import Signature
from filnet.errors import NotFound
from filnet.ipld import dagcbor
from filnet.ipld.cid import CID
from filnet.params import DEVNET
from filnet.piece.cid import piece_cid_v1
from filnet.proofs.onchain import PieceInfo, PoStProof, WindowPoStVerifyInfo
from filnet.vm import dispatch
from filnet.vm.dispatch import ActorCode
from filnet.vm.events import EventBuilder, load_events
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime
from tests.vm.harness import DEFAULT_FEE_CAP, START_BALANCE, World, make_key

PROBE = Address.new_id(500)
#: A piece CID of 4096 bytes: too big for a 2 KiB sector.
PROBE_PIECE = piece_cid_v1(bytes(32))


@dataclass(frozen=True)
class Counter:
    """The probe's state."""

    value: int

    def encode(self) -> bytes:
        return dagcbor.encode([self.value])

    @classmethod
    def decode(cls, data: bytes) -> Counter:
        return cls(dagcbor.decode(data)[0])


def _bump(rt: Runtime) -> None:
    rt.transaction(Counter, lambda s: (Counter(s.value + 1), None))


def constructor(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    rt.create_state(Counter(0))
    return b""


def bump_then_fail(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    _bump(rt)
    raise ActorError(ExitCode.USR_ILLEGAL_STATE, "after bumping")


def bump_and_call(rt: Runtime, raw: bytes) -> bytes:
    """Bump, then call ``bump_then_fail`` on itself: the callee's bump is rolled back, ours stays."""
    rt.validate_immediate_caller_accept_any()
    _bump(rt)
    result = rt.send(rt.receiver, 2)
    return dagcbor.encode([int(result.exit_code), rt.state(Counter).value])


def send_in_transaction(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    rt.transaction(Counter, lambda s: (s, rt.send(rt.caller, 0)))
    return b""


def create_actor(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    rt.create_actor(dagcbor.decode(raw), ActorID(900))
    return b""


def validate_twice(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    rt.validate_immediate_caller_accept_any()
    return b""


def randomness(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    epoch = ChainEpoch(dagcbor.decode(raw))
    tickets = rt.get_randomness_from_tickets(DomainSeparationTag.SEAL_RANDOMNESS, epoch, b"e")
    beacon = rt.get_randomness_from_beacon(DomainSeparationTag.SEAL_RANDOMNESS, epoch, b"e")
    return dagcbor.encode([tickets, beacon])


def system_exit(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    rt.abort(ExitCode.SYS_INSUFFICIENT_FUNDS, "actors may not use system codes")


def verify(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    signer, signature, message = dagcbor.decode(raw)
    ok = rt.verify_signature(Signature.from_bytes(signature), Address.from_bytes(signer), message)
    return dagcbor.encode([ok, rt.hash_blake2b(message)])


def burn_gas(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    rt.charge_gas("probe", 10**12)
    return b""


def recurse(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    depth = dagcbor.decode(raw)
    result = rt.send(rt.receiver, 11, dagcbor.encode(depth + 1))
    return result.return_data if result.ok else dagcbor.encode([depth, int(result.exit_code)])


def delete_self(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    rt.send(rt.caller, 0, b"", rt.current_balance).unwrap()
    rt.delete_actor()
    return b""


def who(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_type(names.ACCOUNT)
    caller = rt.resolve_address(Address.from_bytes(raw))
    return dagcbor.encode(
        [
            bytes(rt.caller),
            bytes(rt.receiver),
            rt.value_received.to_bytes(),
            rt.curr_epoch,
            None if caller is None else bytes(caller),
            rt.actor_name(rt.caller),
        ]
    )


def emit(rt: Runtime, raw: bytes) -> bytes:
    """Emit an event, then call ``emit_and_fail`` on itself (whose event is dropped)."""
    rt.validate_immediate_caller_accept_any()
    rt.emit_event(EventBuilder().typ("probe").field("n", 1).build())
    result = rt.send(rt.receiver, 15)
    return dagcbor.encode(int(result.exit_code))


def emit_and_fail(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    rt.emit_event(EventBuilder().typ("dropped").build())
    raise ActorError(ExitCode.USR_ILLEGAL_STATE, "after emitting")


def externs(rt: Runtime, raw: bytes) -> bytes:
    """What the runtime says of the world outside the state, and its proof checks on garbage."""
    rt.validate_immediate_caller_accept_any()
    garbage_post = WindowPoStVerifyInfo(bytes(32), (PoStProof(10, b"x"),), (), 1000)
    return dagcbor.encode(
        [
            bytes(rt.origin),
            rt.policy.wpost_proving_period,
            rt.total_fil_circ_supply.to_bytes(),
            rt.base_fee.to_bytes(),
            None if (b := rt.actor_balance(rt.caller)) is None else b.to_bytes(),
            rt.actor_balance(Address.new_id(77777)),
            rt.lookup_delegated_address(rt.caller),
            rt.verify_post(garbage_post),
            rt.verify_consensus_fault(b"a", b"b", b""),
        ]
    )


def bad_unsealed_cid(rt: Runtime, raw: bytes) -> bytes:
    rt.validate_immediate_caller_accept_any()
    rt.compute_unsealed_sector_cid(5, [PieceInfo(4096, CID.parse(raw.decode()))])
    return b""


PROBE_CODE = ActorCode(
    names.EVM,
    {
        1: constructor,
        2: bump_then_fail,
        3: bump_and_call,
        4: send_in_transaction,
        5: create_actor,
        6: validate_twice,
        7: randomness,
        8: system_exit,
        9: verify,
        10: burn_gas,
        11: recurse,
        12: delete_self,
        13: who,
        14: emit,
        15: emit_and_fail,
        16: externs,
        17: bad_unsealed_cid,
    },
    restricted=False,  # as the real EVM actor: any caller may call it, itself included
)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setitem(dispatch._REGISTRY, names.EVM, PROBE_CODE)
    w = World([make_key(0), make_key(1)])
    machine = w.machine
    actor = machine.create_actor(PROBE, machine.code_of(names.EVM))
    machine.set_actor(PROBE, replace(actor, head=machine.put_block(Counter(0).encode())))
    return w


def _call(
    world: World, method: int, params: bytes = b"", value: int = 0, gas_limit: int = 50_000_000
) -> tuple[ExitCode, bytes]:
    result = world.apply(world.message(world.keys[0], PROBE, TokenAmount(value), method, params, gas_limit))
    return result.receipt.exit_code, result.receipt.return_data


def _counter(world: World) -> int:
    actor = world.machine.get_actor(PROBE)
    assert actor is not None
    return Counter.decode(world.store.get(actor.head)).value


def test_failed_call_rolls_back_its_state(world: World) -> None:
    assert _call(world, 2, value=5)[0] is ExitCode.USR_ILLEGAL_STATE
    assert _counter(world) == 0
    assert world.balance(PROBE) == TokenAmount(0)


def test_failed_inner_send_rolls_back_only_the_callee(world: World) -> None:
    code, ret = _call(world, 3)
    assert code is ExitCode.OK
    assert dagcbor.decode(ret) == [int(ExitCode.USR_ILLEGAL_STATE), 1]
    assert _counter(world) == 1


@pytest.mark.parametrize(
    "method, code",
    [
        (4, ExitCode.USR_ASSERTION_FAILED),  # send inside a transaction
        (5, ExitCode.USR_FORBIDDEN),  # only init creates actors
        (6, ExitCode.USR_ASSERTION_FAILED),  # caller validated twice
        (8, ExitCode.SYS_ILLEGAL_EXIT_CODE),  # an actor aborting with a system code
    ],
)
def test_runtime_misuse(world: World, method: int, code: ExitCode) -> None:
    params = dagcbor.encode(world.machine.code_of(names.MULTISIG)) if method == 5 else b""
    assert _call(world, method, params)[0] is code


def test_randomness_is_deterministic_and_never_from_the_future(world: World) -> None:
    code, ret = _call(world, 7, dagcbor.encode(1))
    assert code is ExitCode.OK
    tickets, beacon = dagcbor.decode(ret)
    assert len(tickets) == len(beacon) == 32 and tickets != beacon
    assert _call(world, 7, dagcbor.encode(1))[1] == ret
    assert _call(world, 7, dagcbor.encode(2))[0] is ExitCode.USR_ILLEGAL_ARGUMENT


def test_verify_signature_by_id_and_key_address(world: World) -> None:
    key = world.keys[1]
    signature = bytes(key.sign(b"payload"))
    for signer in (key.address, world.machine.resolve(key.address)):
        assert signer is not None
        code, ret = _call(world, 9, dagcbor.encode([bytes(signer), signature, b"payload"]))
        assert code is ExitCode.OK
        assert dagcbor.decode(ret) == [True, hashlib.blake2b(b"payload", digest_size=32).digest()]
    code, ret = _call(world, 9, dagcbor.encode([bytes(world.keys[0].address), signature, b"payload"]))
    assert dagcbor.decode(ret)[0] is False


def test_out_of_gas_inside_an_actor(world: World) -> None:
    code, _ = _call(world, 10, gas_limit=5_000_000)
    assert code is ExitCode.SYS_OUT_OF_GAS


def test_call_depth_is_limited(world: World) -> None:
    code, ret = _call(world, 11, dagcbor.encode(0), gas_limit=10_000_000_000)
    assert code is ExitCode.OK
    depth, inner = dagcbor.decode(ret)
    assert inner == int(ExitCode.SYS_ASSERTION_FAILED)
    assert depth == 99  # the message's own call is depth 1


def test_delete_actor_after_sending_its_balance_away(world: World) -> None:
    assert _call(world, 12, value=10)[0] is ExitCode.OK
    assert world.machine.get_actor(PROBE) is None
    world.flush_and_check()


def test_call_context(world: World) -> None:
    code, ret = _call(world, 13, bytes(world.keys[1].address), value=3)
    assert code is ExitCode.OK
    caller = world.machine.resolve(world.keys[0].address)
    assert dagcbor.decode(ret) == [
        bytes(caller),  # type: ignore[arg-type]
        bytes(PROBE),
        TokenAmount(3).to_bytes(),
        1,
        bytes(world.machine.resolve(world.keys[1].address)),  # type: ignore[arg-type]
        names.ACCOUNT,
    ]


def test_events_of_failed_calls_are_dropped(world: World) -> None:
    result = world.apply(world.message(world.keys[0], PROBE, method=14))
    assert result.receipt.exit_code is ExitCode.OK
    assert dagcbor.decode(result.receipt.return_data) == int(ExitCode.USR_ILLEGAL_STATE)
    assert result.receipt.events_root is not None
    events = load_events(world.store, result.receipt.events_root)
    assert [(e.emitter, e.event.event_type, e.event.value("n")) for e in events] == [(PROBE.id, "probe", 1)]
    failed = world.apply(world.message(world.keys[0], PROBE, method=15))
    assert failed.receipt.exit_code is ExitCode.USR_ILLEGAL_STATE
    assert failed.receipt.events_root is None


def test_runtime_view_of_the_world(world: World) -> None:
    code, ret = _call(world, 16, gas_limit=1_000_000_000)
    assert code is ExitCode.OK
    sender = world.machine.resolve(world.keys[0].address)
    assert sender is not None
    origin, period, supply, base_fee, balance, missing, delegated, post_ok, fault = dagcbor.decode(ret)
    assert origin == bytes(sender)
    assert period == DEVNET.policy.wpost_proving_period
    assert TokenAmount.from_bytes(supply) == world.machine.circulating_supply
    assert TokenAmount.from_bytes(base_fee) == world.machine.base_fee
    # inside the call the sender has prepaid gas_limit × fee cap
    assert TokenAmount.from_bytes(balance) == START_BALANCE - DEFAULT_FEE_CAP * 1_000_000_000
    assert (missing, delegated, post_ok, fault) == (None, None, False, None)


def test_invalid_pieces_for_an_unsealed_cid(world: World) -> None:
    code, _ = _call(world, 17, str(PROBE_PIECE).encode())
    assert code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_dispatch_registry() -> None:
    assert dispatch.actor_code(names.ACCOUNT).name == names.ACCOUNT
    with pytest.raises(NotFound, match="not implemented"):
        dispatch.actor_code(names.EAM)
    with pytest.raises(NotFound, match="no actor implementation"):
        dispatch.actor_code("nonsense")
