"""The world a tipset's messages run against: the state tree behind a layered cache of actor changes.

Every call frame pushes a layer of actor changes; a frame that succeeds merges its layer into its
caller's, one that fails drops it, which rolls back everything it did (blocks it wrote stay in the store,
unreachable, as in the FVM's buffered store before its flush). :meth:`Machine.flush` writes the surviving
changes to the state tree and returns the new state root.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final, Protocol

from filnet.actors import manifest as names
from filnet.actors.account.state import AccountState
from filnet.actors.init.state import AddressMap, InitState
from filnet.actors.manifest import Manifest
from filnet.core.address import EAM_NAMESPACE, Address
from filnet.core.address import Protocol as AddressProtocol
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch
from filnet.crypto.randomness import DomainSeparationTag, draw_randomness
from filnet.errors import InvalidInput, NotFound
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.params.network import DEVNET, ActorPolicy
from filnet.proofs.onchain import VANILLA, ProofVerifier
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.gas import CALICO, PriceList
from filnet.vm.runtime import ConsensusFault, ConsensusFaultChecker
from filnet.vm.state_tree import INIT_ACTOR, ActorState, StateTree

#: dag-cbor ``[]`` (blake2b-256): the head of actors without state of their own (placeholder, EAM).
EMPTY_ARRAY: Final = dagcbor.encode([])
EMPTY_ARRAY_CID: Final = CID.compute(codecs.DAG_CBOR, EMPTY_ARRAY, multihash.BLAKE2B_256)


class RandomnessSource(Protocol):
    """Where the chain's randomness comes from (tickets and beacon entries of the tipsets below)."""

    def ticket_randomness(self, tag: DomainSeparationTag, epoch: ChainEpoch, entropy: bytes) -> bytes:
        """A draw from the ticket at ``epoch``."""
        ...

    def beacon_randomness(self, tag: DomainSeparationTag, epoch: ChainEpoch, entropy: bytes) -> bytes:
        """A draw from the beacon entry at ``epoch``."""
        ...


@dataclass(frozen=True, slots=True)
class SeededRandomness:
    """Randomness drawn from one fixed seed, for tests and tools that replay messages off-chain."""

    seed: bytes

    def ticket_randomness(self, tag: DomainSeparationTag, epoch: ChainEpoch, entropy: bytes) -> bytes:
        """A draw from the seed's ticket stream."""
        return draw_randomness(self.seed + b"/ticket", tag, epoch, entropy)

    def beacon_randomness(self, tag: DomainSeparationTag, epoch: ChainEpoch, entropy: bytes) -> bytes:
        """A draw from the seed's beacon stream."""
        return draw_randomness(self.seed + b"/beacon", tag, epoch, entropy)


def no_consensus_faults(header1: bytes, header2: bytes, extra: bytes) -> ConsensusFault | None:
    """The checker of a machine that has no chain to check fault reports against: none is ever proven."""
    return None


class Machine:
    """A state tree opened for execution at one epoch, with everything outside the state it depends on.

    ``policy`` is the network's actor policy (devnet's unless given), ``circulating_supply`` the FIL in
    circulation at the start of the tipset (computed by the chain from the parent state, as Lotus's
    ``CircSupplyCalc``), ``proofs`` the proof verifier and ``consensus_faults`` the chain's consensus fault
    checker.
    """

    def __init__(
        self,
        store: Blockstore,
        state_root: CID,
        epoch: int,
        base_fee: TokenAmount,
        randomness: RandomnessSource,
        prices: PriceList = CALICO,
        *,
        policy: ActorPolicy = DEVNET.policy,
        circulating_supply: TokenAmount = ZERO,
        proofs: ProofVerifier = VANILLA,
        consensus_faults: ConsensusFaultChecker = no_consensus_faults,
    ) -> None:
        self.store = store
        self.tree = StateTree.load(store, state_root)
        if self.tree.version < 5:
            raise InvalidInput(f"filnet executes messages on state tree version 5, not {self.tree.version}")
        manifest = self.tree.manifest()
        if manifest is None:
            raise InvalidInput(f"state {state_root} has no builtin-actor manifest")
        self.manifest: Manifest = manifest
        self.epoch = ChainEpoch(epoch)
        self.base_fee = base_fee
        self.randomness = randomness
        self.prices = prices
        self.policy = policy
        self.circulating_supply = circulating_supply
        self.proofs = proofs
        self.consensus_faults = consensus_faults
        self._layers: list[dict[Address, ActorState | None]] = [{}]
        self._read_cache: dict[Address, ActorState | None] = {}
        self._address_map_head: CID | None = None
        self._address_map: AddressMap | None = None
        self._resolved: dict[Address, ActorID | None] = {}

    # -- actors through the layers ----------------------------------------------------------------

    def get_actor(self, id_address: Address) -> ActorState | None:
        """The actor at an ID address as the current frame sees it."""
        for layer in reversed(self._layers):
            if id_address in layer:
                return layer[id_address]
        if id_address not in self._read_cache:
            self._read_cache[id_address] = self.tree.get_actor(id_address)
        return self._read_cache[id_address]

    def set_actor(self, id_address: Address, actor: ActorState) -> None:
        """Change an actor in the current frame."""
        self._layers[-1][id_address] = actor

    def delete_actor(self, id_address: Address) -> None:
        """Remove an actor in the current frame."""
        self._layers[-1][id_address] = None

    def begin(self) -> None:
        """Open a frame."""
        self._layers.append({})

    def commit(self) -> None:
        """Merge the innermost frame into its caller's."""
        top = self._layers.pop()
        self._layers[-1].update(top)

    def rollback(self) -> None:
        """Drop the innermost frame's changes."""
        self._layers.pop()

    def flush(self) -> CID:
        """Write every change into the state tree; the new state root."""
        if len(self._layers) != 1:
            raise InvalidInput("cannot flush while a message is executing")
        for id_address, actor in self._layers[0].items():
            if actor is None:
                self.tree.delete_actor(id_address)
            else:
                self.tree.set_actor(id_address, actor)
            self._read_cache[id_address] = actor
        self._layers = [{}]
        return self.tree.flush()

    # -- names, addresses, balances ---------------------------------------------------------------

    def actor_name(self, actor: ActorState) -> str:
        """The builtin-actor name of ``actor``'s code."""
        return names.actor_name(actor.code, self.manifest)

    def code_of(self, name: str) -> CID:
        """The code CID of builtin actor ``name`` in this state's manifest."""
        code = self.manifest.code_of(name)
        if code is None:
            raise NotFound(f"the manifest has no {name} actor")
        return code

    def init_state(self) -> InitState:
        """The init actor's current state."""
        init = self.get_actor(INIT_ACTOR)
        if init is None:
            raise NotFound("the state has no init actor")
        return InitState.decode(self.store.get(init.head))

    def resolve(self, address: Address) -> Address | None:
        """The ID address of ``address`` as the current frame sees it, or None."""
        if address.protocol is AddressProtocol.ID:
            return address
        init = self.get_actor(INIT_ACTOR)
        if init is None:
            return None
        if init.head != self._address_map_head:
            # The cache is valid for one init head; a rollback or a new mapping changes the head.
            state = InitState.decode(self.store.get(init.head))
            self._address_map = AddressMap(self.store, state.address_map)
            self._address_map_head = init.head
            self._resolved = {}
        if address not in self._resolved:
            assert self._address_map is not None
            self._resolved[address] = self._address_map.lookup(address)
        actor_id = self._resolved[address]
        return None if actor_id is None else Address.new_id(actor_id)

    def key_address(self, address: Address) -> Address | None:
        """The f1/f3 key address behind an account (or ``address`` itself when it is one), else None."""
        if address.protocol in (AddressProtocol.SECP256K1, AddressProtocol.BLS):
            return address
        id_address = self.resolve(address)
        actor = None if id_address is None else self.get_actor(id_address)
        if actor is None or self.actor_name(actor) != names.ACCOUNT:
            return None
        return AccountState.decode(self.store.get(actor.head)).address

    def transfer(self, sender: Address, receiver: Address, amount: TokenAmount) -> None:
        """Move ``amount`` between two existing actors (ID addresses); SYS_INSUFFICIENT_FUNDS if short."""
        if amount < ZERO:
            raise ActorError(ExitCode.SYS_ASSERTION_FAILED, f"negative transfer of {amount}")
        if not amount:
            return
        source = self.get_actor(sender)
        target = self.get_actor(receiver)
        if source is None or target is None:
            missing = sender if source is None else receiver
            raise ActorError(ExitCode.SYS_ASSERTION_FAILED, f"transfer with missing actor {missing}")
        if source.balance < amount:
            raise ActorError(
                ExitCode.SYS_INSUFFICIENT_FUNDS,
                f"{sender} has {source.balance.atto} attoFIL, cannot send {amount.atto}",
            )
        # The balance check comes before the self-transfer no-op, so sending yourself more than you hold
        # fails (Lotus ``vm.transfer`` from network version 15, FVM ``DefaultMachine::transfer``).
        if sender == receiver:
            return
        self.set_actor(sender, replace(source, balance=source.balance - amount))
        self.set_actor(receiver, replace(target, balance=target.balance + amount))

    def add_balance(self, id_address: Address, amount: TokenAmount) -> None:
        """Credit (or, negative, debit) an actor; the caller guarantees the balance stays non-negative."""
        actor = self.get_actor(id_address)
        if actor is None:
            raise NotFound(f"no actor at {id_address}")
        self.set_actor(id_address, replace(actor, balance=actor.balance + amount))

    # -- creating actors --------------------------------------------------------------------------

    def register_address(self, address: Address) -> Address:
        """Give ``address`` the next actor ID in the init actor's map (FVM ``register_new_address``)."""
        init = self.get_actor(INIT_ACTOR)
        if init is None:
            raise NotFound("the state has no init actor")
        state = InitState.decode(self.store.get(init.head))
        address_map = AddressMap(self.store, state.address_map)
        address_map.set(address, state.next_id)
        new_state = InitState(address_map.flush(), ActorID(state.next_id + 1), state.network_name)
        self.set_actor(INIT_ACTOR, replace(init, head=self.put_block(new_state.encode())))
        return Address.new_id(state.next_id)

    def create_actor(
        self, id_address: Address, code: CID, delegated_address: Address | None = None
    ) -> ActorState:
        """A new actor of ``code`` at ``id_address`` with no state yet (head ``[]``) and no balance."""
        actor = ActorState(code, EMPTY_ARRAY_CID, 0, ZERO, delegated_address)
        self.set_actor(id_address, actor)
        return actor

    def can_create_implicitly(self, address: Address) -> bool:
        """Whether a send to ``address`` may create its actor: f1/f3 accounts, f4 placeholders in the
        EAM's namespace (FVM ``send_resolved``: other f4 namespaces and f2 addresses cannot)."""
        if address.protocol in (AddressProtocol.SECP256K1, AddressProtocol.BLS):
            return True
        return address.protocol is AddressProtocol.DELEGATED and address.namespace == EAM_NAMESPACE

    def put_block(self, data: bytes) -> CID:
        """Store a DAG-CBOR block; its CID."""
        cid = CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)
        self.store.put(cid, data)
        return cid
