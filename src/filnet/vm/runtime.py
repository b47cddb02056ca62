"""The narrow view of the VM that actor code sees (builtin-actors ``fil_actors_runtime::Runtime``).

An actor method is a plain function ``handler(rt, params) -> return bytes`` (see :mod:`filnet.vm.dispatch`);
everything it may do to the world goes through ``rt``: who called and with how much value, the epoch, its
own state (loaded, and committed through :meth:`Runtime.transaction`), sends to other actors, creating
actors, randomness, signature checks, hashing and gas. Failing is raising :class:`ActorError` with a
Filecoin exit code (:meth:`Runtime.abort` does that); the VM then rolls back everything the call changed.

Two implementations:

* ``filnet.vm.interpreter.invocation.InvocationRuntime``, the real one, over a state tree;
* :class:`filnet.vm.testing.FakeRuntime`, an in-memory fake for actor unit tests: the test sets caller,
  value, epoch, balance and state, expects the sends the actor will make (with canned results), and
  reads back the state and return value.

Addresses an actor receives from the runtime (``caller``, ``receiver``) are ID addresses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final, NoReturn, Protocol, Self, TypeVar

from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ActorID, ChainEpoch, MethodNum
from filnet.crypto.randomness import DomainSeparationTag
from filnet.crypto.signature import Signature
from filnet.errors import DecodeError
from filnet.ipld import dagcbor
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.params.network import ActorPolicy
from filnet.proofs.onchain import (
    AggregateSealVerifyProofAndInfos,
    PieceInfo,
    SealVerifyInfo,
    WindowPoStVerifyInfo,
)
from filnet.vm.events import ActorEvent
from filnet.vm.exit_codes import ActorError, ExitCode


class ActorStateCodec(Protocol):
    """An actor's typed state: DAG-CBOR bytes both ways (every ``actors/<name>/state.py`` class)."""

    def encode(self) -> bytes:
        """DAG-CBOR bytes."""
        ...

    @classmethod
    def decode(cls, data: bytes) -> Self:
        """Parse DAG-CBOR bytes."""
        ...


S = TypeVar("S", bound=ActorStateCodec)
R = TypeVar("R")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SendResult:
    """What an inner send came back with: the callee's exit code and its return bytes (empty on failure).

    A failed send has already been rolled back by the VM; the caller decides whether to abort too
    (builtin-actors ``extract_send_result``, here :meth:`SendResult.unwrap`).
    """

    exit_code: ExitCode
    return_data: bytes = b""

    @property
    def ok(self) -> bool:
        """Whether the callee succeeded."""
        return self.exit_code is ExitCode.OK

    def unwrap(self, what: str = "send") -> bytes:
        """The return bytes, or abort with the callee's exit code (a VM-only code becomes USR_UNSPECIFIED,
        since actors may not abort with system codes)."""
        if self.ok:
            return self.return_data
        raise ActorError(
            self.caller_exit_code,
            f"{what} failed with exit code {int(self.exit_code)} ({self.exit_code.name})",
        )

    @property
    def caller_exit_code(self) -> ExitCode:
        """The code a caller aborts with when it passes this failure on (builtin-actors ``From<SendError>``
        and ``ActorError::checked``): VM-only codes become user codes, since actors may not exit with them."""
        return _SEND_FAILURE_CODES.get(self.exit_code, self.exit_code)


_SEND_FAILURE_CODES: Final[dict[ExitCode, ExitCode]] = {
    # syscall errors of the send itself: the callee never ran
    ExitCode.SYS_INSUFFICIENT_FUNDS: ExitCode.USR_INSUFFICIENT_FUNDS,
    ExitCode.SYS_INVALID_RECEIVER: ExitCode.USR_UNSPECIFIED,
    # the callee misbehaved: no meaningful code to pass on
    ExitCode.SYS_MISSING_RETURN: ExitCode.USR_UNSPECIFIED,
    ExitCode.SYS_ILLEGAL_INSTRUCTION: ExitCode.USR_UNSPECIFIED,
    ExitCode.SYS_ILLEGAL_EXIT_CODE: ExitCode.USR_UNSPECIFIED,
    # any other VM code is unexpected from a send that returned
    ExitCode.SYS_SENDER_INVALID: ExitCode.USR_ASSERTION_FAILED,
    ExitCode.SYS_SENDER_STATE_INVALID: ExitCode.USR_ASSERTION_FAILED,
    ExitCode.SYS_OUT_OF_GAS: ExitCode.USR_ASSERTION_FAILED,
    ExitCode.SYS_ASSERTION_FAILED: ExitCode.USR_ASSERTION_FAILED,
}


class ConsensusFaultType(IntEnum):
    """The kinds of consensus fault a miner can be reported for (fvm_shared ``ConsensusFaultType``)."""

    DOUBLE_FORK_MINING = 1
    PARENT_GRINDING = 2
    TIME_OFFSET_MINING = 3


@dataclass(frozen=True, slots=True)
class ConsensusFault:
    """A verified consensus fault: the miner (ID address) who committed it, the epoch and the kind."""

    target: Address
    epoch: ChainEpoch
    fault_type: ConsensusFaultType


class ConsensusFaultChecker(Protocol):
    """Decides whether two block headers (and an optional third, for parent grinding) prove a fault.

    This needs the chain (headers, the miner's worker key as of the blocks' lookback state), so the node
    provides it to the VM; the VM only passes the actor's bytes through.
    """

    def __call__(self, header1: bytes, header2: bytes, extra: bytes) -> ConsensusFault | None:
        """The fault the headers prove, or None when they prove none (or are not valid headers)."""
        ...


class Runtime(Protocol):
    """What an actor method may see and do, and nothing else."""

    # -- the call ---------------------------------------------------------------------------------

    @property
    def caller(self) -> Address:
        """ID address of the immediate caller."""
        ...

    @property
    def receiver(self) -> Address:
        """ID address of the actor being called."""
        ...

    @property
    def value_received(self) -> TokenAmount:
        """Value sent with this call (already credited to the receiver's balance)."""
        ...

    @property
    def current_balance(self) -> TokenAmount:
        """The receiver's balance now."""
        ...

    @property
    def curr_epoch(self) -> ChainEpoch:
        """The epoch of the tipset being executed."""
        ...

    @property
    def origin(self) -> Address:
        """ID address of the account that sent the message being executed (for implicit messages: f00)."""
        ...

    @property
    def policy(self) -> ActorPolicy:
        """The network's actor policy (builtin-actors ``rt.policy()``)."""
        ...

    @property
    def total_fil_circ_supply(self) -> TokenAmount:
        """FIL in circulation at the start of this tipset (vested + mined - burnt - locked)."""
        ...

    @property
    def base_fee(self) -> TokenAmount:
        """The base fee of the tipset being executed."""
        ...

    def validate_immediate_caller_accept_any(self) -> None:
        """Declare that any caller may call this method."""
        ...

    def validate_immediate_caller_is(self, *addresses: Address) -> None:
        """Abort with USR_FORBIDDEN unless the caller is one of ``addresses`` (ID addresses)."""
        ...

    def validate_immediate_caller_type(self, *actor_names: str) -> None:
        """Abort with USR_FORBIDDEN unless the caller's code is one of ``actor_names`` (manifest names)."""
        ...

    # -- other actors -----------------------------------------------------------------------------

    def resolve_address(self, address: Address) -> Address | None:
        """The ID address of ``address``, or None when the init actor's map does not know it. An ID address
        comes back as it is, whether or not an actor lives there (FVM ``resolve_address``)."""
        ...

    def actor_name(self, address: Address) -> str | None:
        """The builtin-actor name (``account``, ``multisig``, …) of the actor at ``address``, or None."""
        ...

    def actor_balance(self, address: Address) -> TokenAmount | None:
        """The balance of the actor at ``address`` (any protocol), or None when there is none."""
        ...

    def lookup_delegated_address(self, id_address: Address) -> Address | None:
        """The f4 address of the actor at ``id_address``, or None when it has none (or does not exist)."""
        ...

    def builtin_actor_name(self, code: CID) -> str | None:
        """The builtin-actor name of a code CID in this network's manifest, or None."""
        ...

    def get_code_cid_for_type(self, actor_name: str) -> CID:
        """The code CID of builtin actor ``actor_name`` in this network's manifest (builtin-actors
        ``get_code_cid_for_type``: the power actor creates miners of this code)."""
        ...

    def send(
        self, to: Address, method: MethodNum | int, params: bytes = b"", value: TokenAmount | None = None
    ) -> SendResult:
        """Call ``method`` of ``to`` with ``value``; a failed callee is rolled back and reported in the
        result. Sending to a new f1/f3 address creates its account. Not allowed inside a transaction.
        Running out of gas is not reported here: it aborts the whole message."""
        ...

    # -- own state --------------------------------------------------------------------------------

    @property
    def store(self) -> Blockstore:
        """The block store of actor state (reads and writes are charged as gas)."""
        ...

    def create_state(self, state: ActorStateCodec) -> None:
        """Write the receiver's first state (constructors only; aborts if it already has one)."""
        ...

    def state(self, state_type: type[S]) -> S:
        """The receiver's state, read only."""
        ...

    def transaction(self, state_type: type[S], update: Callable[[S], tuple[S, R]]) -> R:
        """Load the state, run ``update`` on it and commit the state it returns; its second item is the
        result. If ``update`` raises, nothing is committed. ``update`` must not send."""
        ...

    # -- creating actors --------------------------------------------------------------------------

    def new_actor_address(self) -> Address:
        """A fresh f2 address for an actor this message creates (unique per origin, nonce and count)."""
        ...

    def create_actor(self, code: CID, actor_id: ActorID, delegated_address: Address | None = None) -> None:
        """Create an empty actor of ``code`` at ``actor_id`` (the init actor alone may do this)."""
        ...

    def delete_actor(self) -> None:
        """Delete the receiver, which must have sent away its whole balance first (USR_ILLEGAL_STATE if not).
        Not allowed inside a transaction."""
        ...

    # -- crypto, randomness, gas ------------------------------------------------------------------

    def verify_signature(self, signature: Signature, signer: Address, plaintext: bytes) -> bool:
        """Whether ``signature`` by ``signer`` (a key address, or an ID address of an account) is valid."""
        ...

    def hash_blake2b(self, data: bytes) -> bytes:
        """blake2b-256 of ``data``."""
        ...

    def get_randomness_from_tickets(
        self, tag: DomainSeparationTag, epoch: ChainEpoch, entropy: bytes
    ) -> bytes:
        """32 bytes drawn from the chain's ticket at ``epoch`` (at most the current epoch)."""
        ...

    def get_randomness_from_beacon(
        self, tag: DomainSeparationTag, epoch: ChainEpoch, entropy: bytes
    ) -> bytes:
        """32 bytes drawn from the beacon entry at ``epoch`` (at most the current epoch)."""
        ...

    def charge_gas(self, name: str, compute: int) -> None:
        """Charge ``compute`` gas for work the VM cannot see (aborts with SYS_OUT_OF_GAS past the limit)."""
        ...

    def emit_event(self, event: ActorEvent) -> None:
        """Record an event of the receiver (FIP-0049), dropped if this call fails; not in a transaction."""
        ...

    # -- proofs (one function per proof kind; see filnet.proofs.onchain) --------------------------

    def verify_seal(self, info: SealVerifyInfo) -> bool:
        """Whether a sector's seal proof holds (charged as gas)."""
        ...

    def batch_verify_seals(self, infos: Sequence[SealVerifyInfo]) -> list[bool]:
        """Each seal proof's validity, in order."""
        ...

    def verify_aggregate_seals(self, info: AggregateSealVerifyProofAndInfos) -> bool:
        """Whether an aggregate seal proof holds for all its sectors."""
        ...

    def verify_post(self, info: WindowPoStVerifyInfo) -> bool:
        """Whether a WindowPoSt proves every challenged sector."""
        ...

    def verify_consensus_fault(self, header1: bytes, header2: bytes, extra: bytes) -> ConsensusFault | None:
        """The consensus fault two block headers prove, or None."""
        ...

    def compute_unsealed_sector_cid(self, proof_type: int, pieces: Sequence[PieceInfo]) -> CID:
        """CommD of a sector of ``proof_type`` holding ``pieces`` (USR_ILLEGAL_ARGUMENT if invalid)."""
        ...

    def abort(self, exit_code: ExitCode, message: str) -> NoReturn:
        """Stop with ``exit_code`` (a user code, 16 or more); every change of this call is rolled back."""
        ...


# -- the rules every runtime enforces ---------------------------------------------------------------


class _Checked(Protocol):
    """What :class:`RuntimeChecks` needs of the runtime it is mixed into."""

    _validated: bool
    _in_transaction: bool

    @property
    def caller(self) -> Address: ...

    @property
    def curr_epoch(self) -> ChainEpoch: ...

    def actor_name(self, address: Address) -> str | None: ...

    def state(self, state_type: type[S]) -> S: ...

    def _commit(self, state: ActorStateCodec) -> None: ...


class RuntimeChecks:
    """The rules of a call that do not depend on what stands behind the runtime, in one place so that the
    VM's runtime and the unit-test fake enforce them alike: the caller is validated exactly once, nothing is
    sent or deleted inside a state transaction, no randomness comes from the future, no gas charge is
    negative. A runtime mixing this in sets ``_caller`` and ``_receiver`` and provides ``curr_epoch``,
    ``actor_name``, ``state`` and ``_commit`` (write the receiver's new state)."""

    _caller: Address
    _receiver: Address
    _validated: bool = False
    _in_transaction: bool = False

    @property
    def caller(self) -> Address:
        """ID address of the immediate caller."""
        return self._caller

    @property
    def receiver(self) -> Address:
        """ID address of the actor being called."""
        return self._receiver

    def validate_immediate_caller_accept_any(self: _Checked) -> None:
        """Any caller may call."""
        _validate_once(self)

    def validate_immediate_caller_is(self: _Checked, *addresses: Address) -> None:
        """USR_FORBIDDEN unless the caller is one of ``addresses``."""
        _validate_once(self)
        if self.caller not in addresses:
            raise ActorError(ExitCode.USR_FORBIDDEN, f"caller {self.caller} is not one of {list(addresses)}")

    def validate_immediate_caller_type(self: _Checked, *actor_names: str) -> None:
        """USR_FORBIDDEN unless the caller's actor is one of ``actor_names``."""
        _validate_once(self)
        name = self.actor_name(self.caller)
        if name not in actor_names:
            raise ActorError(
                ExitCode.USR_FORBIDDEN, f"caller {self.caller} ({name}) is not of type {list(actor_names)}"
            )

    def transaction(self: _Checked, state_type: type[S], update: Callable[[S], tuple[S, R]]) -> R:
        """Load the receiver's state, update it (no sends meanwhile) and commit it."""
        current = self.state(state_type)
        self._in_transaction = True
        try:
            new_state, result = update(current)
        finally:
            self._in_transaction = False
        self._commit(new_state)
        return result

    def abort(self, exit_code: ExitCode, message: str) -> NoReturn:
        """Stop with ``exit_code``."""
        raise ActorError(exit_code, message)

    def _check_outside_transaction(self: _Checked, what: str) -> None:
        if self._in_transaction:
            raise ActorError(ExitCode.USR_ASSERTION_FAILED, f"{what} inside a state transaction")

    def _check_randomness_epoch(self: _Checked, epoch: ChainEpoch) -> None:
        if epoch > self.curr_epoch:
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"randomness from future epoch {epoch} (current {self.curr_epoch})",
            )

    @staticmethod
    def _check_gas_charge(name: str, compute: int) -> None:
        if compute < 0:
            raise ActorError(ExitCode.USR_ASSERTION_FAILED, f"negative gas charge {compute} for {name}")


def _validate_once(rt: _Checked) -> None:
    """Builtin-actors' runtimes abort when a method validates its caller twice."""
    if rt._validated:
        raise ActorError(ExitCode.USR_ASSERTION_FAILED, "caller validated twice")
    rt._validated = True


# -- helpers for handlers ---------------------------------------------------------------------------


def decode_params(raw: bytes, parse: Callable[[Any], T], what: str) -> T:
    """Parse a method's CBOR params with ``parse`` (a ``from_ipld``); USR_SERIALIZATION when malformed,
    USR_ILLEGAL_ARGUMENT when absent (builtin-actors ``dispatch``: "method expects arguments")."""
    if not raw:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"{what}: params are missing")
    try:
        return parse(dagcbor.decode(raw))
    except DecodeError as e:
        raise ActorError(ExitCode.USR_SERIALIZATION, f"{what}: malformed params: {e}") from None


def require_no_params(raw: bytes, what: str) -> None:
    """Abort with USR_ILLEGAL_ARGUMENT when a method that takes no params got some (builtin-actors
    ``dispatch``: "method expects no arguments")."""
    if raw:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"{what} takes no params, got {len(raw)} bytes")


def encode_return(value: Any) -> bytes:
    """The DAG-CBOR bytes of a return value's data-model form."""
    return dagcbor.encode(value)
