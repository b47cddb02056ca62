"""An in-memory :class:`~filnet.vm.runtime.Runtime` for actor unit tests (builtin-actors ``MockRuntime``).

The test sets who calls with what value, the epoch and the receiver's balance, registers the other actors
the receiver may ask about (:meth:`FakeRuntime.add_actor`), declares each send the actor is expected to make
with the result it gets back (:meth:`FakeRuntime.expect_send`), then runs a method with
:meth:`FakeRuntime.call`. A call that aborts leaves state and balance as they were, like the VM's rollback;
a call must validate its caller, and it must make exactly the expected sends (:meth:`FakeRuntime.verify`).

Signatures are checked for real (ID signers resolve through :meth:`FakeRuntime.add_actor`'s key address);
randomness is drawn from a fixed per-test seed. Proofs go to :attr:`FakeRuntime.proofs`, the real vanilla
verifier unless a test puts a :class:`FakeProofVerifier` there; consensus fault reports to
:attr:`FakeRuntime.consensus_fault` (None: no fault proven). Emitted events collect in
:attr:`FakeRuntime.events` (dropped for a call that aborts).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from filnet.actors.manifest import identity_actor_name
from filnet.core.address import Address, Protocol
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch, MethodNum
from filnet.crypto.randomness import DomainSeparationTag, draw_randomness
from filnet.crypto.signature import Signature, is_valid_signature
from filnet.errors import FilnetError
from filnet.ipld import codecs, multihash
from filnet.ipld.blockstore import Blockstore, MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.params.network import DEVNET, ActorPolicy
from filnet.proofs.onchain import (
    VANILLA,
    AggregateSealVerifyProofAndInfos,
    PieceInfo,
    ProofVerifier,
    SealVerifyInfo,
    WindowPoStVerifyInfo,
    WinningPoStVerifyInfo,
    compute_unsealed_sector_cid,
)
from filnet.vm.actor_address import new_actor_address
from filnet.vm.dispatch import ActorCode
from filnet.vm.events import ActorEvent, StampedEvent
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import ActorStateCodec, ConsensusFault, RuntimeChecks, S, SendResult

SYSTEM_ACTOR = Address.new_id(0)


class FakeRuntimeError(AssertionError):
    """The actor did something the test did not expect (an unexpected send, no caller validation, …)."""


@dataclass(frozen=True, slots=True)
class ExpectedSend:
    """A send the actor must make, and what it gets back."""

    to: Address
    method: int
    params: bytes
    value: TokenAmount
    result: SendResult


@dataclass
class FakeProofVerifier:
    """A proof verifier for unit tests: a proof holds when its bytes are in ``valid`` (every check it is
    asked is recorded in ``checked``), so actor logic can be tested without sealing sectors."""

    valid: set[bytes] = field(default_factory=set)
    checked: list[object] = field(default_factory=list)

    def verify_seal(self, info: SealVerifyInfo) -> bool:
        """Whether the seal proof bytes were declared valid."""
        self.checked.append(info)
        return info.proof in self.valid

    def verify_aggregate_seals(self, info: AggregateSealVerifyProofAndInfos) -> bool:
        """Whether the aggregate proof bytes were declared valid."""
        self.checked.append(info)
        return info.proof in self.valid

    def verify_window_post(self, info: WindowPoStVerifyInfo) -> bool:
        """Whether every PoSt proof's bytes were declared valid."""
        self.checked.append(info)
        return bool(info.proofs) and all(p.proof_bytes in self.valid for p in info.proofs)

    def verify_winning_post(self, info: WinningPoStVerifyInfo) -> bool:
        """Whether every PoSt proof's bytes were declared valid."""
        self.checked.append(info)
        return bool(info.proofs) and all(p.proof_bytes in self.valid for p in info.proofs)


@dataclass(frozen=True, slots=True)
class FakeActor:
    """Another actor the receiver may look at: its name and, for accounts, its key address."""

    name: str
    key_address: Address | None = None


class FakeRuntime(RuntimeChecks):
    """A runtime over a memory block store, for calling one actor's methods directly."""

    def __init__(
        self,
        receiver: Address,
        *,
        caller: Address = SYSTEM_ACTOR,
        caller_name: str = "system",
        value: TokenAmount = ZERO,
        balance: TokenAmount = ZERO,
        epoch: int = 0,
        origin: Address | None = None,
        store: Blockstore | None = None,
        policy: ActorPolicy = DEVNET.policy,
        proofs: ProofVerifier = VANILLA,
    ) -> None:
        self._receiver = receiver
        self._caller = caller
        self.value = value
        self.balance = balance
        self.epoch = ChainEpoch(epoch)
        #: The robust address new actors' f2 addresses derive from, and the origin's ID address.
        self.origin_robust = origin or Address.new_secp256k1(b"\x04" + bytes(64))
        self.origin_id = caller
        self.policy_value = policy
        self.proofs = proofs
        self.circulating_supply = ZERO
        self.base_fee_value = TokenAmount(100)
        self.consensus_fault: ConsensusFault | None = None
        self.balances: dict[Address, TokenAmount] = {}
        self.delegated: dict[Address, Address] = {}
        self.events: list[StampedEvent] = []
        self._store: Blockstore = store if store is not None else MemoryBlockstore()
        self.head: CID | None = None
        self.actors: dict[Address, FakeActor] = {caller: FakeActor(caller_name)}
        self.robust: dict[Address, Address] = {}
        self.code_names: dict[CID, str] = {}
        self.expected_sends: deque[ExpectedSend] = deque()
        self.created_actors: list[tuple[CID, ActorID, Address | None]] = []
        self.gas_charged: list[tuple[str, int]] = []
        self.randomness_seed = b"filnet fake runtime"
        self.actors_created = 0
        self.deleted = False
        self._validated = False
        self._in_transaction = False

    # -- test set-up ------------------------------------------------------------------------------

    def set_caller(self, caller: Address, name: str) -> None:
        """Make ``caller`` (an ID address of actor ``name``) the next caller."""
        self._caller = caller
        self.actors.setdefault(caller, FakeActor(name))

    def add_actor(self, id_address: Address, name: str, robust: Address | None = None) -> None:
        """Make an actor known: its ID, its name and its robust (for accounts: key) address."""
        key = robust if robust is not None and robust.protocol in (Protocol.SECP256K1, Protocol.BLS) else None
        self.actors[id_address] = FakeActor(name, key)
        if robust is not None:
            self.robust[robust] = id_address

    def expect_send(
        self,
        to: Address,
        method: MethodNum | int,
        params: bytes = b"",
        value: TokenAmount = ZERO,
        result: SendResult | None = None,
    ) -> None:
        """Expect the next send to be this one; it returns ``result`` (success with no data by default)."""
        self.expected_sends.append(
            ExpectedSend(to, int(method), params, value, result or SendResult(ExitCode.OK))
        )

    def call(self, code: ActorCode, method: MethodNum | int, params: bytes = b"") -> bytes:
        """Run a method of ``code`` as the receiver; on abort, restore state and balance and re-raise."""
        head, balance, created, deleted = self.head, self.balance, len(self.created_actors), self.deleted
        events = len(self.events)
        self._validated = False
        try:
            result = code.invoke(self, method, params)
        except ActorError:
            self.head, self.balance, self.deleted = head, balance, deleted
            del self.created_actors[created:]
            del self.events[events:]
            raise
        if not self._validated:
            raise FakeRuntimeError(f"{code.name} method {method} did not validate its caller")
        return result

    def verify(self) -> None:
        """Fail when expected sends were not made."""
        if self.expected_sends:
            raise FakeRuntimeError(f"expected sends not made: {list(self.expected_sends)}")

    def get_state(self, state_type: type[S]) -> S:
        """The receiver's current state, for assertions."""
        if self.head is None:
            raise FakeRuntimeError("the actor has no state yet")
        return state_type.decode(self._store.get(self.head))

    # -- Runtime ----------------------------------------------------------------------------------

    @property
    def value_received(self) -> TokenAmount:
        """Value sent with this call."""
        return self.value

    @property
    def current_balance(self) -> TokenAmount:
        """The receiver's balance."""
        return self.balance

    @property
    def curr_epoch(self) -> ChainEpoch:
        """The current epoch."""
        return self.epoch

    @property
    def origin(self) -> Address:
        """ID address of the message's sender (:attr:`origin_id`; by default the first caller)."""
        return self.origin_id

    @property
    def policy(self) -> ActorPolicy:
        """The policy given at construction (devnet's by default)."""
        return self.policy_value

    @property
    def total_fil_circ_supply(self) -> TokenAmount:
        """:attr:`circulating_supply`."""
        return self.circulating_supply

    @property
    def base_fee(self) -> TokenAmount:
        """:attr:`base_fee_value`."""
        return self.base_fee_value

    def resolve_address(self, address: Address) -> Address | None:
        """An ID address as it is; a robust one through the addresses :meth:`add_actor` made known."""
        if address.protocol is Protocol.ID:
            return address
        return self.robust.get(address)

    def actor_name(self, address: Address) -> str | None:
        """The name of a known actor."""
        resolved = self.resolve_address(address)
        actor = None if resolved is None else self.actors.get(resolved)
        return None if actor is None else actor.name

    def actor_balance(self, address: Address) -> TokenAmount | None:
        """The receiver's balance, or one set in :attr:`balances` (known actors without one have 0)."""
        resolved = self.resolve_address(address)
        if resolved is None:
            return None
        if resolved == self._receiver:
            return self.balance
        if resolved in self.balances:
            return self.balances[resolved]
        return ZERO if resolved in self.actors else None

    def lookup_delegated_address(self, id_address: Address) -> Address | None:
        """The f4 address registered in :attr:`delegated`."""
        return self.delegated.get(id_address)

    def builtin_actor_name(self, code: CID) -> str | None:
        """The name of ``code``: from :attr:`code_names`, else from an identity CID ``fil/<v>/<name>``."""
        return self.code_names.get(code) or identity_actor_name(code)

    def get_code_cid_for_type(self, actor_name: str) -> CID:
        """The code of ``actor_name`` in :attr:`code_names`, else the identity CID ``fil/16/<name>``."""
        for code, name in self.code_names.items():
            if name == actor_name:
                return code
        return CID.v1(codecs.RAW, multihash.IDENTITY, f"fil/16/{actor_name}".encode())

    def send(
        self, to: Address, method: MethodNum | int, params: bytes = b"", value: TokenAmount | None = None
    ) -> SendResult:
        """Match the send against the next expectation and return its result."""
        self._check_outside_transaction("send")
        amount = value if value is not None else ZERO
        if amount > self.balance:
            return SendResult(ExitCode.SYS_INSUFFICIENT_FUNDS)
        if not self.expected_sends:
            raise FakeRuntimeError(f"unexpected send to {to} method {method} value {amount}")
        expected = self.expected_sends.popleft()
        made = ExpectedSend(to, int(method), params, amount, expected.result)
        if made != expected:
            raise FakeRuntimeError(f"send {made} does not match the expected {expected}")
        if expected.result.ok:
            self.balance = self.balance - amount
        return expected.result

    @property
    def store(self) -> Blockstore:
        """The memory block store."""
        return self._store

    def create_state(self, state: ActorStateCodec) -> None:
        """Write the first state."""
        if self.head is not None:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, "state already constructed")
        self.head = self._put(state.encode())

    def state(self, state_type: type[S]) -> S:
        """The receiver's state."""
        if self.head is None:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, "actor has no state")
        return state_type.decode(self._store.get(self.head))

    def new_actor_address(self) -> Address:
        """An f2 address from the origin, a fixed nonce and the count of addresses made so far."""
        address = new_actor_address(self.origin_robust, 0, self.actors_created)
        self.actors_created += 1
        return address

    def create_actor(self, code: CID, actor_id: ActorID, delegated_address: Address | None = None) -> None:
        """Record the creation."""
        self.created_actors.append((code, actor_id, delegated_address))
        self.actors[Address.new_id(actor_id)] = FakeActor("created")

    def delete_actor(self) -> None:
        """Record the deletion; USR_ILLEGAL_STATE while the receiver still holds funds."""
        self._check_outside_transaction("delete_actor")
        if self.balance:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"cannot delete an actor holding {self.balance}")
        self.deleted = True

    def verify_signature(self, signature: Signature, signer: Address, plaintext: bytes) -> bool:
        """Check the signature for real, resolving an ID signer to its key address."""
        key = signer
        if signer.protocol is Protocol.ID:
            actor = self.actors.get(signer)
            if actor is None or actor.key_address is None:
                return False
            key = actor.key_address
        try:
            return is_valid_signature(signature, key, plaintext)
        except FilnetError:
            return False

    def hash_blake2b(self, data: bytes) -> bytes:
        """blake2b-256."""
        return hashlib.blake2b(data, digest_size=32).digest()

    def get_randomness_from_tickets(
        self, tag: DomainSeparationTag, epoch: ChainEpoch, entropy: bytes
    ) -> bytes:
        """A draw from the fixed seed."""
        self._check_randomness_epoch(epoch)
        return draw_randomness(self.randomness_seed + b"/tickets", tag, epoch, entropy)

    def get_randomness_from_beacon(
        self, tag: DomainSeparationTag, epoch: ChainEpoch, entropy: bytes
    ) -> bytes:
        """A draw from the fixed seed."""
        self._check_randomness_epoch(epoch)
        return draw_randomness(self.randomness_seed + b"/beacon", tag, epoch, entropy)

    def charge_gas(self, name: str, compute: int) -> None:
        """Record the charge."""
        self._check_gas_charge(name, compute)
        self.gas_charged.append((name, compute))

    def emit_event(self, event: ActorEvent) -> None:
        """Record the event (dropped if the call aborts)."""
        self._check_outside_transaction("emit_event")
        if not event.entries:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "an event needs at least one entry")
        self.events.append(StampedEvent(self._receiver.id, event))

    def verify_seal(self, info: SealVerifyInfo) -> bool:
        """Ask :attr:`proofs`."""
        return self.proofs.verify_seal(info)

    def batch_verify_seals(self, infos: Sequence[SealVerifyInfo]) -> list[bool]:
        """Ask :attr:`proofs` for each."""
        return [self.proofs.verify_seal(info) for info in infos]

    def verify_aggregate_seals(self, info: AggregateSealVerifyProofAndInfos) -> bool:
        """Ask :attr:`proofs`."""
        return self.proofs.verify_aggregate_seals(info)

    def verify_post(self, info: WindowPoStVerifyInfo) -> bool:
        """Ask :attr:`proofs`."""
        return self.proofs.verify_window_post(info)

    def verify_consensus_fault(self, header1: bytes, header2: bytes, extra: bytes) -> ConsensusFault | None:
        """:attr:`consensus_fault`, whatever the headers."""
        return self.consensus_fault

    def compute_unsealed_sector_cid(self, proof_type: int, pieces: Sequence[PieceInfo]) -> CID:
        """CommD computed for real."""
        try:
            return compute_unsealed_sector_cid(proof_type, pieces)
        except FilnetError as e:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT, f"cannot compute unsealed sector CID: {e}"
            ) from None

    # -- internals --------------------------------------------------------------------------------

    def _commit(self, state: ActorStateCodec) -> None:
        self.head = self._put(state.encode())

    def _put(self, data: bytes) -> CID:
        cid = CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)
        self._store.put(cid, data)
        return cid
