"""A fake-runtime harness for the datacap actor's tests (after builtin-actors' datacap ``tests/harness``).

The datacap actor runs on :class:`FakeRuntime` as f07 governed by the verified registry (f06). Holders are
accounts ALICE (101), BOB (102) and CARLA (103). Each helper declares the receiver hook send a call must
make (its canned result defaults to success), runs the call and checks the sends were made;
:func:`check_state` checks the actor's invariants.
"""

from __future__ import annotations

from typing import Final

from filnet.actors import manifest
from filnet.actors.datacap import token as frc46
from filnet.actors.datacap.actor import ACTOR, RECEIVER_HOOK_METHOD_NUM
from filnet.actors.datacap.invariants import check_state_invariants
from filnet.actors.datacap.methods import Method
from filnet.actors.datacap.state import DatacapState
from filnet.actors.datacap.types import (
    FRC46_TOKEN_TYPE,
    BalanceParams,
    BalanceReturn,
    BurnReturn,
    ConstructorParams,
    DestroyParams,
    FRC46TokenReceived,
    MintParams,
    MintReturn,
    TransferFromParams,
    TransferFromReturn,
    TransferParams,
    TransferReturn,
    UniversalReceiverParams,
)
from filnet.actors.singletons import DATACAP_TOKEN_ACTOR, SYSTEM_ACTOR, VERIFIED_REGISTRY_ACTOR
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID
from filnet.vm.exit_codes import ExitCode
from filnet.vm.runtime import SendResult
from filnet.vm.testing import FakeRuntime

GOVERNOR: Final = VERIFIED_REGISTRY_ACTOR
ALICE: Final = Address.new_id(101)
BOB: Final = Address.new_id(102)
CARLA: Final = Address.new_id(103)
#: A key address that resolves to ALICE.
ALICE_KEY: Final = Address.new_secp256k1(b"\x04" + b"\x11" * 64)
#: A key address no actor has.
NOBODY_KEY: Final = Address.new_secp256k1(b"\x04" + b"\x22" * 64)
ONE: Final = TokenAmount(10**18)
OK: Final = SendResult(ExitCode.OK)


def new_runtime() -> FakeRuntime:
    """A fake runtime for f07 with the holders known as accounts (ALICE also by her key address)."""
    rt = FakeRuntime(DATACAP_TOKEN_ACTOR)
    rt.add_actor(GOVERNOR, manifest.VERIFREG)
    rt.add_actor(ALICE, manifest.ACCOUNT, ALICE_KEY)
    for holder in (BOB, CARLA):
        rt.add_actor(holder, manifest.ACCOUNT)
    return rt


def construct(rt: FakeRuntime, governor: Address = GOVERNOR) -> None:
    """Run the constructor as the system actor."""
    rt.set_caller(SYSTEM_ACTOR, manifest.SYSTEM)
    assert rt.call(ACTOR, Method.CONSTRUCTOR, ConstructorParams(governor).encode()) == b""
    rt.verify()


def make_harness() -> FakeRuntime:
    """A constructed datacap actor."""
    rt = new_runtime()
    construct(rt)
    return rt


def state(rt: FakeRuntime) -> DatacapState:
    """The actor's state."""
    return rt.get_state(DatacapState)


def check_state(rt: FakeRuntime) -> None:
    """The actor's invariants hold."""
    assert check_state_invariants(state(rt), rt.store) == []


def expect_hook(
    rt: FakeRuntime,
    to: Address,
    received: FRC46TokenReceived,
    result: SendResult = OK,
) -> None:
    """Expect the FRC-46 receiver hook on ``to`` with ``received`` as payload."""
    params = UniversalReceiverParams(FRC46_TOKEN_TYPE, received.encode())
    rt.expect_send(to, RECEIVER_HOOK_METHOD_NUM, params.encode(), ZERO, result)


def mint(
    rt: FakeRuntime,
    to: Address,
    amount: TokenAmount,
    operators: tuple[Address, ...] = (),
    hook: SendResult | None = OK,
    to_id: ActorID | None = None,
) -> MintReturn:
    """The governor mints to ``to`` (whose hook answers ``hook``; None: no hook expected)."""
    if hook is not None:
        recipient = to_id if to_id is not None else to.id
        expect_hook(rt, to, FRC46TokenReceived(ActorID(7), recipient, ActorID(6), amount, b"", b""), hook)
    rt.set_caller(GOVERNOR, manifest.VERIFREG)
    ret = MintReturn.decode(rt.call(ACTOR, Method.MINT_EXPORTED, MintParams(to, amount, operators).encode()))
    rt.verify()
    return ret


def destroy(rt: FakeRuntime, owner: Address, amount: TokenAmount) -> BurnReturn:
    """The governor destroys ``owner``'s tokens."""
    rt.set_caller(GOVERNOR, manifest.VERIFREG)
    ret = BurnReturn.decode(rt.call(ACTOR, Method.DESTROY_EXPORTED, DestroyParams(owner, amount).encode()))
    rt.verify()
    return ret


def transfer(
    rt: FakeRuntime,
    from_: Address,
    to: Address,
    amount: TokenAmount,
    operator_data: bytes = b"",
    hook: SendResult = OK,
) -> TransferReturn:
    """``from_`` transfers to ``to`` (an ID address)."""
    rt.set_caller(from_, manifest.VERIFREG if from_ == GOVERNOR else manifest.ACCOUNT)
    expect_hook(rt, to, FRC46TokenReceived(from_.id, to.id, from_.id, amount, operator_data, b""), hook)
    params = TransferParams(to, amount, operator_data)
    ret = TransferReturn.decode(rt.call(ACTOR, Method.TRANSFER_EXPORTED, params.encode()))
    rt.verify()
    return ret


def transfer_from(
    rt: FakeRuntime,
    operator: Address,
    from_: Address,
    to: Address,
    amount: TokenAmount,
    operator_data: bytes = b"",
    hook: SendResult = OK,
) -> TransferFromReturn:
    """``operator`` transfers ``from_``'s tokens to ``to`` (ID addresses)."""
    rt.set_caller(operator, manifest.MARKET if operator == Address.new_id(5) else manifest.ACCOUNT)
    expect_hook(rt, to, FRC46TokenReceived(from_.id, to.id, operator.id, amount, operator_data, b""), hook)
    params = TransferFromParams(from_, to, amount, operator_data)
    ret = TransferFromReturn.decode(rt.call(ACTOR, Method.TRANSFER_FROM_EXPORTED, params.encode()))
    rt.verify()
    return ret


def call_as(rt: FakeRuntime, caller: Address, method: Method, params: bytes = b"") -> bytes:
    """Call ``method`` as ``caller`` (an account unless it is the governor), expecting no send."""
    rt.set_caller(caller, manifest.VERIFREG if caller == GOVERNOR else manifest.ACCOUNT)
    ret = rt.call(ACTOR, method, params)
    rt.verify()
    return ret


def get_balance(rt: FakeRuntime, address: Address) -> TokenAmount:
    """``address``'s balance through the Balance method."""
    ret = call_as(rt, CARLA, Method.BALANCE_EXPORTED, BalanceParams(address).encode())
    return BalanceReturn.decode(ret).balance


def get_supply(rt: FakeRuntime) -> TokenAmount:
    """The supply, from state."""
    return state(rt).token.supply


def get_allowance_between(rt: FakeRuntime, owner: Address, operator: Address) -> TokenAmount:
    """An allowance, from state."""
    return get_allowance_between_ids(rt, owner.id, operator.id)


def get_allowance_between_ids(rt: FakeRuntime, owner: ActorID, operator: ActorID) -> TokenAmount:
    """An allowance between actor IDs, from state."""
    return frc46.get_allowance_between(rt.store, state(rt).token, owner, operator)
