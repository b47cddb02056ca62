"""Calls between actors within one message: gas, value transfer, implicit account creation, dispatch.

A :class:`CallManager` runs one message's call tree against a :class:`Machine`; each call gets an
:class:`InvocationRuntime`, the real :class:`~filnet.vm.runtime.Runtime`. The order of a call follows the
pre-FVM Lotus VM (``chain/vm/vm.go`` ``send``) whose price list filnet uses: charge the invocation, resolve
(or create) the receiver, transfer the value, then run the method unless it is 0 (a bare transfer).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Final

from filnet.actors import manifest as names
from filnet.core.address import Address
from filnet.core.address import Protocol as AddressProtocol
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch, MethodNum
from filnet.crypto.randomness import DomainSeparationTag
from filnet.crypto.signature import Signature, is_valid_signature
from filnet.errors import FilnetError, NotFound
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.params.network import ActorPolicy
from filnet.proofs.onchain import (
    AggregateSealVerifyProofAndInfos,
    PieceInfo,
    SealVerifyInfo,
    WindowPoStVerifyInfo,
    compute_unsealed_sector_cid,
)
from filnet.proofs.registry import RegisteredSealProof
from filnet.vm import dispatch
from filnet.vm.actor_address import new_actor_address
from filnet.vm.events import ActorEvent, StampedEvent
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.gas import METHOD_SEND, GasCharge, GasMeter
from filnet.vm.interpreter.machine import EMPTY_ARRAY_CID, Machine
from filnet.vm.runtime import ActorStateCodec, ConsensusFault, RuntimeChecks, S, SendResult
from filnet.vm.state_tree import INIT_ACTOR, SYSTEM_ACTOR, ActorState

CONSTRUCTOR: Final = MethodNum(1)
#: Deepest nesting of sends. The FVM allows 1025; Python's own stack allows about this many frames of the
#: ~6 Python calls one send takes before reaching its default recursion limit.
MAX_CALL_DEPTH: Final = 100
#: Actors that may send messages from outside the chain as they are (FVM ``preflight_message``; a placeholder
#: may too, and becomes an Ethereum account by doing so: ``apply._sender_code``).
SENDER_ACTORS: Final = frozenset({names.ACCOUNT, names.ETHACCOUNT})


class GasStore:
    """A block store that charges gas for every read and write an actor makes (``OnIpldGet/Put``)."""

    def __init__(self, inner: Blockstore, calls: CallManager) -> None:
        self._inner = inner
        self._calls = calls

    def get(self, cid: CID) -> bytes:
        """Read a block (charged)."""
        self._calls.charge(self._calls.machine.prices.on_ipld_get())
        return self._inner.get(cid)

    def put(self, cid: CID, data: bytes) -> None:
        """Write a block (charged by size)."""
        self._calls.charge(self._calls.machine.prices.on_ipld_put(len(data)))
        self._inner.put(cid, data)

    def put_many(self, blocks: Iterable[tuple[CID, bytes]]) -> None:
        """Write several blocks (each charged)."""
        for cid, data in blocks:
            self.put(cid, data)

    def has(self, cid: CID) -> bool:
        """Whether the block exists (charged as a read)."""
        self._calls.charge(self._calls.machine.prices.on_ipld_get())
        return self._inner.has(cid)

    def delete(self, cid: CID) -> None:
        """Actors never delete blocks; state is garbage collected outside the VM."""
        raise ActorError(ExitCode.USR_FORBIDDEN, f"actors cannot delete block {cid}")

    def __iter__(self) -> Iterator[CID]:
        raise ActorError(ExitCode.USR_FORBIDDEN, "actors cannot list the block store")

    def __len__(self) -> int:
        raise ActorError(ExitCode.USR_FORBIDDEN, "actors cannot count the block store")

    def close(self) -> None:
        """Nothing to close: the machine owns the store."""


class CallManager:
    """One message's call tree: its gas meter, its origin, and the actors it created."""

    def __init__(
        self,
        machine: Machine,
        gas_limit: int,
        origin: Address,
        origin_nonce: int,
        origin_id: Address | None = None,
    ) -> None:
        self.machine = machine
        self.meter = GasMeter(gas_limit)
        #: The robust address new actors' f2 addresses derive from, and the sender's ID address.
        self.origin = origin
        self.origin_id = origin_id if origin_id is not None else origin
        self.origin_nonce = origin_nonce
        self.actors_created = 0
        self.depth = 0
        self.store = GasStore(machine.store, self)
        #: Events emitted by calls that have not failed, in order.
        self.events: list[StampedEvent] = []

    def charge(self, charge: GasCharge) -> None:
        """Charge gas against the message's limit (SYS_OUT_OF_GAS past it)."""
        self.meter.charge(charge)

    def send(
        self, caller: Address, to: Address, method: MethodNum | int, params: bytes, value: TokenAmount
    ) -> bytes:
        """Run a call in its own frame: its changes are kept if it returns and dropped if it raises."""
        if self.depth >= MAX_CALL_DEPTH:
            raise ActorError(ExitCode.SYS_ASSERTION_FAILED, f"call depth exceeds {MAX_CALL_DEPTH}")
        self.meter.charge(self.machine.prices.on_method_invocation(value, method))
        self.machine.begin()
        self.depth += 1
        events = len(self.events)
        try:
            result = self._send(caller, to, int(method), params, value)
        except BaseException:
            self.machine.rollback()
            del self.events[events:]
            raise
        finally:
            self.depth -= 1
        self.machine.commit()
        return result

    def _send(self, caller: Address, to: Address, method: int, params: bytes, value: TokenAmount) -> bytes:
        receiver = self.machine.resolve(to)
        if receiver is None:
            receiver = self.create_implicit_actor(to)
        actor = self.machine.get_actor(receiver)
        if actor is None:
            raise ActorError(ExitCode.SYS_INVALID_RECEIVER, f"no actor at {to}")
        if value:
            self.machine.transfer(caller, receiver, value)
        if method == METHOD_SEND:
            return b""
        name = self.machine.actor_name(actor)
        try:
            code = dispatch.actor_code(name)
        except NotFound as e:
            # The FVM treats an actor whose code it cannot run as fatal (``call_manager`` aborts with "actor
            # not found"), not as a message failure: no receipt, the node stops. Name who and what.
            where = f"method {method} of {name} actor {receiver} (code {actor.code})"
            raise dispatch.FatalVMError(f"cannot run {where}: {e}") from None
        rt = InvocationRuntime(self, caller, receiver, value)
        try:
            return code.invoke(rt, method, params)
        except ActorError as e:
            if e.exit_code is ExitCode.SYS_OUT_OF_GAS:
                raise
            if e.exit_code.is_system:
                # Actors may only abort with user codes (FVM: SYS_ILLEGAL_EXIT_CODE otherwise).
                raise ActorError(
                    ExitCode.SYS_ILLEGAL_EXIT_CODE, f"{name} actor aborted with {e.exit_code.name}"
                ) from e
            raise

    def create_implicit_actor(self, address: Address) -> Address:
        """Create the actor of a new f1/f3 (account) or EAM f4 (placeholder) address on first send."""
        if not self.machine.can_create_implicitly(address):
            raise ActorError(ExitCode.SYS_INVALID_RECEIVER, f"no actor at {address}, and none can be created")
        self.meter.charge(self.machine.prices.on_create_actor())
        id_address = self.machine.register_address(address)
        if address.protocol is AddressProtocol.DELEGATED:
            self.machine.create_actor(id_address, self.machine.code_of(names.PLACEHOLDER), address)
            return id_address
        self.machine.create_actor(id_address, self.machine.code_of(names.ACCOUNT))
        # The account's constructor runs as a call from the system actor with the key address as params
        # (its ConstructorParams is a transparent newtype: the address bytes in a CBOR byte string).
        self.send(SYSTEM_ACTOR, id_address, CONSTRUCTOR, dagcbor.encode(bytes(address)), ZERO)
        return id_address

    def next_actor_address(self) -> Address:
        """The f2 address of the next actor this message creates."""
        if self.origin.protocol is AddressProtocol.ID:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"origin {self.origin} has no robust address")
        address = new_actor_address(self.origin, self.origin_nonce, self.actors_created)
        self.actors_created += 1
        return address


class InvocationRuntime(RuntimeChecks):
    """The runtime of one call: what the receiving actor may see and do."""

    def __init__(self, calls: CallManager, caller: Address, receiver: Address, value: TokenAmount) -> None:
        self._calls = calls
        self._machine = calls.machine
        self._caller = caller
        self._receiver = receiver
        self._value = value
        self._validated = False
        self._in_transaction = False

    @property
    def value_received(self) -> TokenAmount:
        """Value sent with this call."""
        return self._value

    @property
    def current_balance(self) -> TokenAmount:
        """The receiver's balance now."""
        return self._own_actor().balance

    @property
    def curr_epoch(self) -> ChainEpoch:
        """The epoch being executed."""
        return self._machine.epoch

    @property
    def origin(self) -> Address:
        """ID address of the message's sender."""
        return self._calls.origin_id

    @property
    def policy(self) -> ActorPolicy:
        """The network's actor policy."""
        return self._machine.policy

    @property
    def total_fil_circ_supply(self) -> TokenAmount:
        """FIL in circulation at the start of the tipset."""
        return self._machine.circulating_supply

    @property
    def base_fee(self) -> TokenAmount:
        """The tipset's base fee."""
        return self._machine.base_fee

    def resolve_address(self, address: Address) -> Address | None:
        """The ID address of ``address`` (itself for an ID address), through the init actor's map."""
        return self._machine.resolve(address)

    def actor_name(self, address: Address) -> str | None:
        """The builtin-actor name of the actor at ``address``."""
        id_address = self._machine.resolve(address)
        actor = None if id_address is None else self._machine.get_actor(id_address)
        return None if actor is None else self._machine.actor_name(actor)

    def builtin_actor_name(self, code: CID) -> str | None:
        """The name of ``code`` in the state's manifest."""
        return self._machine.manifest.name_of(code)

    def get_code_cid_for_type(self, actor_name: str) -> CID:
        """The code of ``actor_name`` in the state's manifest (every manifest lists every builtin actor)."""
        code = self._machine.manifest.code_of(actor_name)
        if code is None:
            raise ActorError(ExitCode.USR_ASSERTION_FAILED, f"the manifest has no {actor_name} actor")
        return code

    def actor_balance(self, address: Address) -> TokenAmount | None:
        """The balance of the actor at ``address``."""
        id_address = self._machine.resolve(address)
        actor = None if id_address is None else self._machine.get_actor(id_address)
        return None if actor is None else actor.balance

    def lookup_delegated_address(self, id_address: Address) -> Address | None:
        """The f4 address of the actor at ``id_address``."""
        actor = self._machine.get_actor(id_address) if id_address.protocol is AddressProtocol.ID else None
        return None if actor is None else actor.delegated_address

    def send(
        self, to: Address, method: MethodNum | int, params: bytes = b"", value: TokenAmount | None = None
    ) -> SendResult:
        """Call another actor; failures come back as the result's exit code, out of gas aborts."""
        self._check_outside_transaction("send")
        amount = ZERO if value is None else value
        try:
            return SendResult(ExitCode.OK, self._calls.send(self._receiver, to, method, params, amount))
        except ActorError as e:
            if e.exit_code is ExitCode.SYS_OUT_OF_GAS:
                raise
            return SendResult(e.exit_code)

    @property
    def store(self) -> Blockstore:
        """The gas-charging block store."""
        return self._calls.store

    def create_state(self, state: ActorStateCodec) -> None:
        """Write the first state (the actor's head is still ``[]``)."""
        if self._own_actor().head != EMPTY_ARRAY_CID:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"{self._receiver} already has state")
        self._commit(state)

    def state(self, state_type: type[S]) -> S:
        """The receiver's state."""
        return state_type.decode(self.store.get(self._own_actor().head))

    def new_actor_address(self) -> Address:
        """A fresh f2 address."""
        return self._calls.next_actor_address()

    def create_actor(self, code: CID, actor_id: ActorID, delegated_address: Address | None = None) -> None:
        """Create an empty actor (init actor only; the ID must be free or a placeholder's)."""
        if self._receiver != INIT_ACTOR:
            raise ActorError(ExitCode.USR_FORBIDDEN, f"{self._receiver} is not the init actor")
        if self._machine.manifest.name_of(code) in (None, names.SYSTEM, names.INIT, names.PLACEHOLDER):
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"cannot create an actor of code {code}")
        id_address = Address.new_id(actor_id)
        existing = self._machine.get_actor(id_address)
        balance = ZERO
        if existing is not None:
            if self._machine.actor_name(existing) != names.PLACEHOLDER:
                raise ActorError(ExitCode.USR_FORBIDDEN, f"an actor already exists at {id_address}")
            balance = existing.balance
        self._calls.charge(self._machine.prices.on_create_actor())
        actor = self._machine.create_actor(id_address, code, delegated_address)
        self._machine.set_actor(id_address, replace(actor, balance=balance))

    def delete_actor(self) -> None:
        """Delete the receiver once its balance is zero (FVM ``self_destruct`` without burning)."""
        self._check_outside_transaction("delete_actor")
        balance = self._own_actor().balance
        if balance:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"cannot delete {self._receiver} holding {balance}")
        self._calls.charge(self._machine.prices.on_delete_actor())
        self._machine.delete_actor(self._receiver)

    def verify_signature(self, signature: Signature, signer: Address, plaintext: bytes) -> bool:
        """Check a signature by a key address or an account's ID address."""
        self._calls.charge(self._machine.prices.on_verify_signature(signature.type))
        key = self._machine.key_address(signer)
        if key is None:
            return False
        try:
            return is_valid_signature(signature, key, plaintext)
        except FilnetError:
            return False

    def hash_blake2b(self, data: bytes) -> bytes:
        """blake2b-256."""
        self._calls.charge(self._machine.prices.on_hashing())
        return hashlib.blake2b(data, digest_size=32).digest()

    def get_randomness_from_tickets(
        self, tag: DomainSeparationTag, epoch: ChainEpoch, entropy: bytes
    ) -> bytes:
        """A draw from the ticket chain."""
        self._check_randomness_epoch(epoch)
        return self._machine.randomness.ticket_randomness(tag, epoch, entropy)

    def get_randomness_from_beacon(
        self, tag: DomainSeparationTag, epoch: ChainEpoch, entropy: bytes
    ) -> bytes:
        """A draw from the beacon."""
        self._check_randomness_epoch(epoch)
        return self._machine.randomness.beacon_randomness(tag, epoch, entropy)

    def charge_gas(self, name: str, compute: int) -> None:
        """Charge gas the VM cannot see."""
        self._check_gas_charge(name, compute)
        self._calls.charge(GasCharge(name, compute))

    def emit_event(self, event: ActorEvent) -> None:
        """Record an event of the receiver."""
        self._check_outside_transaction("emit_event")
        if not event.entries:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "an event needs at least one entry")
        self._calls.events.append(StampedEvent(self._receiver.id, event))

    def verify_seal(self, info: SealVerifyInfo) -> bool:
        """Check one seal proof."""
        self._calls.charge(self._machine.prices.on_verify_seal())
        return self._machine.proofs.verify_seal(info)

    def batch_verify_seals(self, infos: Sequence[SealVerifyInfo]) -> list[bool]:
        """Check several seal proofs."""
        return [self.verify_seal(info) for info in infos]

    def verify_aggregate_seals(self, info: AggregateSealVerifyProofAndInfos) -> bool:
        """Check an aggregate seal proof."""
        for _ in info.infos:
            self._calls.charge(self._machine.prices.on_verify_seal())
        return self._machine.proofs.verify_aggregate_seals(info)

    def verify_post(self, info: WindowPoStVerifyInfo) -> bool:
        """Check a WindowPoSt."""
        size = 0
        if info.challenged_sectors:
            try:
                size = RegisteredSealProof(info.challenged_sectors[0].proof).sector_size
            except ValueError:
                size = 0
        self._calls.charge(self._machine.prices.on_verify_post(size, len(info.challenged_sectors)))
        return self._machine.proofs.verify_window_post(info)

    def verify_consensus_fault(self, header1: bytes, header2: bytes, extra: bytes) -> ConsensusFault | None:
        """Ask the chain whether the headers prove a consensus fault."""
        self._calls.charge(self._machine.prices.on_verify_consensus_fault())
        return self._machine.consensus_faults(header1, header2, extra)

    def compute_unsealed_sector_cid(self, proof_type: int, pieces: Sequence[PieceInfo]) -> CID:
        """CommD of a sector holding ``pieces``."""
        self._calls.charge(self._machine.prices.on_compute_unsealed_sector_cid())
        try:
            return compute_unsealed_sector_cid(proof_type, pieces)
        except FilnetError as e:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, f"cannot compute unsealed sector CID: {e}"
            ) from None

    # -- internals --------------------------------------------------------------------------------

    def _own_actor(self) -> ActorState:
        actor = self._machine.get_actor(self._receiver)
        if actor is None:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"actor {self._receiver} was deleted")
        return actor

    def _commit(self, state: ActorStateCodec) -> None:
        data = state.encode()
        cid = CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)
        self.store.put(cid, data)
        self._machine.set_actor(self._receiver, replace(self._own_actor(), head=cid))
