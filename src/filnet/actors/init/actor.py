"""The init actor's methods (builtin-actors ``fil_actor_init``): assigning IDs and creating actors.

``Exec`` creates a multisig or payment channel for anyone (and a miner for the power actor): it derives a
fresh f2 address, maps it to the next ID, creates the actor and calls its constructor with the value it
received. ``Exec4``, for the Ethereum address manager only, also maps the new actor's f4 address and may
deploy over a placeholder already holding that f4 address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from filnet.actors import manifest
from filnet.actors.encoding import as_bytes, as_cid, as_str, fields
from filnet.actors.init.methods import Method
from filnet.actors.init.state import AddressMap, InitState
from filnet.core.address import Address
from filnet.core.types import ActorID
from filnet.errors import DecodeError, InvalidInput
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.vm.dispatch import ActorCode
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import Runtime, decode_params, encode_return

SYSTEM_ACTOR: Final = Address.new_id(0)
EAM_ACTOR: Final = Address.new_id(10)
CONSTRUCTOR: Final = 1
#: IDs below this are reserved for singleton actors (builtin-actors ``FIRST_NON_SINGLETON_ADDR``).
FIRST_NON_SINGLETON_ID: Final = 100


@dataclass(frozen=True, slots=True)
class ExecParams:
    """The code of the actor to create and its constructor's params."""

    code_cid: CID
    constructor_params: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.code_cid, self.constructor_params]

    @classmethod
    def from_ipld(cls, raw: Any) -> ExecParams:
        """Parse the CBOR tuple."""
        code, params = fields(raw, 2, "ExecParams")
        return cls(as_cid(code, "ExecParams.code_cid"), as_bytes(params, "ExecParams.constructor_params"))


@dataclass(frozen=True, slots=True)
class Exec4Params:
    """``ExecParams`` plus the subaddress of the new actor's f4 address in the caller's namespace."""

    code_cid: CID
    constructor_params: bytes
    subaddress: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.code_cid, self.constructor_params, self.subaddress]

    @classmethod
    def from_ipld(cls, raw: Any) -> Exec4Params:
        """Parse the CBOR tuple."""
        code, params, subaddress = fields(raw, 3, "Exec4Params")
        return cls(
            as_cid(code, "Exec4Params.code_cid"),
            as_bytes(params, "Exec4Params.constructor_params"),
            as_bytes(subaddress, "Exec4Params.subaddress"),
        )


@dataclass(frozen=True, slots=True)
class ExecReturn:
    """The new actor's ID address and its robust (f2) address."""

    id_address: Address
    robust_address: Address

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.id_address), bytes(self.robust_address)]

    @classmethod
    def from_ipld(cls, raw: Any) -> ExecReturn:
        """Parse the CBOR tuple."""
        id_address, robust = fields(raw, 2, "ExecReturn")
        return cls(
            Address.from_bytes(as_bytes(id_address, "ExecReturn.id_address")),
            Address.from_bytes(as_bytes(robust, "ExecReturn.robust_address")),
        )


def parse_constructor_params(raw: Any) -> str:
    """``ConstructorParams``: the CBOR tuple ``[network_name]``."""
    (name,) = fields(raw, 1, "init ConstructorParams")
    return as_str(name, "init ConstructorParams.network_name")


def constructor(rt: Runtime, raw: bytes) -> bytes:
    """Create the state: an empty address map, the first free ID and the network's name."""
    network_name = decode_params(raw, parse_constructor_params, "init Constructor")
    rt.validate_immediate_caller_is(SYSTEM_ACTOR)
    empty = AddressMap(rt.store).flush()
    rt.create_state(InitState(empty, ActorID(FIRST_NON_SINGLETON_ID), network_name))
    return b""


def can_exec(caller: str | None, code: str | None) -> bool:
    """Whether an actor named ``caller`` may create an actor named ``code`` through ``Exec``."""
    if code in (manifest.MULTISIG, manifest.PAYCH):
        return True
    return code == manifest.MINER and caller == manifest.POWER


def map_addresses_to_id(
    state: InitState, store: Blockstore, robust: Address, delegated: Address | None
) -> tuple[InitState, tuple[ActorID, bool]]:
    """Map ``robust`` (and ``delegated``) to an ID: the f4's existing ID if it has one, else the next
    free ID. Returns the new state and (ID, whether the f4 address already had it)."""
    address_map = AddressMap(store, state.address_map)
    next_id = state.next_id
    existing = False
    existing_id = None if delegated is None else address_map.lookup(delegated)
    if existing_id is not None:
        actor_id, existing = existing_id, True
    else:
        actor_id, next_id = next_id, ActorID(next_id + 1)
        if delegated is not None:
            address_map.set(delegated, actor_id)
    if address_map.lookup(robust) is not None:
        raise ActorError(
            ExitCode.USR_FORBIDDEN, f"robust address {robust} is already allocated in the address map"
        )
    address_map.set(robust, actor_id)
    return InitState(address_map.flush(), next_id, state.network_name), (actor_id, existing)


def exec_actor(rt: Runtime, raw: bytes) -> bytes:
    """Create a multisig or payment channel (or a miner, for the power actor) and construct it."""
    params = decode_params(raw, ExecParams.from_ipld, "init Exec")
    rt.validate_immediate_caller_accept_any()
    code_name = rt.builtin_actor_name(params.code_cid)
    if not can_exec(rt.actor_name(rt.caller), code_name):
        raise ActorError(
            ExitCode.USR_FORBIDDEN,
            f"called type {rt.actor_name(rt.caller)} cannot exec actor type {code_name or params.code_cid}",
        )
    robust = rt.new_actor_address()
    actor_id, existing = rt.transaction(InitState, lambda s: map_addresses_to_id(s, rt.store, robust, None))
    if existing:
        raise ActorError(ExitCode.USR_FORBIDDEN, f"cannot exec over an existing actor {actor_id}")
    return _create_and_construct(rt, params.code_cid, actor_id, robust, None, params.constructor_params)


def exec4(rt: Runtime, raw: bytes) -> bytes:
    """Create an actor with an f4 address in the caller's (the EAM's) namespace."""
    params = decode_params(raw, Exec4Params.from_ipld, "init Exec4")
    rt.validate_immediate_caller_is(EAM_ACTOR)
    try:
        delegated = Address.new_delegated(rt.caller.id, params.subaddress)
    except (DecodeError, InvalidInput) as e:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"invalid delegated address: {e}") from None
    robust = rt.new_actor_address()
    actor_id, existing = rt.transaction(
        InitState, lambda s: map_addresses_to_id(s, rt.store, robust, delegated)
    )
    if existing:
        # The f4 address was funded before it was deployed: only such a placeholder may be replaced.
        name = rt.actor_name(Address.new_id(actor_id))
        if name != manifest.PLACEHOLDER:
            raise ActorError(
                ExitCode.USR_FORBIDDEN, f"cannot replace existing non-placeholder actor ({name})"
            )
    return _create_and_construct(rt, params.code_cid, actor_id, robust, delegated, params.constructor_params)


def _create_and_construct(
    rt: Runtime, code: CID, actor_id: ActorID, robust: Address, delegated: Address | None, params: bytes
) -> bytes:
    rt.create_actor(code, actor_id, delegated)
    id_address = Address.new_id(actor_id)
    rt.send(id_address, CONSTRUCTOR, params, rt.value_received).unwrap("constructor")
    return encode_return(ExecReturn(id_address, robust).to_ipld())


ACTOR = ActorCode(
    manifest.INIT,
    {
        Method.CONSTRUCTOR: constructor,
        Method.EXEC: exec_actor,
        Method.EXEC4: exec4,
        Method.EXEC_EXPORTED: exec_actor,
    },
)
