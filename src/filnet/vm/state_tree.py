"""The state tree: every actor's code, state head, nonce and balance, keyed by ID address.

Layouts by state tree version (Lotus ``chain/state/statetree.go``, go-state-types ``builtin/vN``):

* version 0 (actors v0): the state root *is* the actors HAMT, whose pointers use the legacy map form;
* versions 1-4: the root is ``[version, actors, info]``; version 1 still has legacy HAMT pointers,
  versions 2+ the go-hamt-ipld v3 layout; actor entries are ``[code, head, nonce, balance]``;
* version 5 (nv18, FEVM): actor entries gain a fifth field, the delegated (f4) address or null.

The actors HAMT has bit width 5 and is keyed by the bytes of the ID address. Robust addresses resolve to
IDs through the init actor's address map.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from filnet.actors import manifest as names
from filnet.actors.encoding import as_bigint, as_cid, as_uint, decode_block, fields
from filnet.actors.init.state import AddressMap, InitState
from filnet.actors.manifest import Manifest
from filnet.actors.system.state import SystemState
from filnet.core.address import Address, Protocol
from filnet.core.token import TokenAmount
from filnet.errors import DecodeError, InvalidInput, NotFound
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt

LATEST_VERSION: Final = 5
ACTORS_HAMT_BIT_WIDTH: Final = 5
SYSTEM_ACTOR: Final = Address.new_id(0)
INIT_ACTOR: Final = Address.new_id(1)

# The empty tuple Lotus stores as the state root's info block (``StateInfo0``).
_EMPTY_INFO: Final = dagcbor.encode([])


@dataclass(frozen=True, slots=True)
class ActorState:
    """One actor: its code CID, the root of its state, its nonce and balance, and its f4 address if any."""

    code: CID
    head: CID
    nonce: int
    balance: TokenAmount
    delegated_address: Address | None = None

    def to_ipld(self, version: int) -> list[Any]:
        """The CBOR tuple for a state tree of ``version``."""
        entry: list[Any] = [self.code, self.head, self.nonce, self.balance.to_bytes()]
        if version >= 5:
            entry.append(None if self.delegated_address is None else bytes(self.delegated_address))
        elif self.delegated_address is not None:
            raise InvalidInput(f"state tree version {version} cannot hold a delegated address")
        return entry

    @classmethod
    def from_ipld(cls, raw: Any, version: int) -> ActorState:
        """Parse the CBOR tuple of a state tree of ``version``."""
        f = fields(raw, 5 if version >= 5 else 4, f"actor entry (state tree v{version})")
        delegated = None
        if version >= 5 and f[4] is not None:
            if not isinstance(f[4], bytes):
                raise DecodeError("actor entry: delegated address must be bytes or null")
            delegated = Address.from_bytes(f[4])
        return cls(
            code=as_cid(f[0], "actor entry code"),
            head=as_cid(f[1], "actor entry head"),
            nonce=as_uint(f[2], "actor entry nonce"),
            balance=TokenAmount(as_bigint(f[3], "actor entry balance")),
            delegated_address=delegated,
        )


@dataclass(frozen=True, slots=True)
class StateRoot:
    """The root of a state tree: its version, the actors HAMT and the info block (None in version 0)."""

    version: int
    actors: CID
    info: CID | None

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple (versions 1 and up)."""
        if self.version == 0:
            raise InvalidInput("a version 0 state root is the actors HAMT itself, not a tuple")
        return [self.version, self.actors, self.info]

    @classmethod
    def load(cls, store: Blockstore, cid: CID) -> StateRoot:
        """Read the state root at ``cid``, recognising the unversioned layout of version 0."""
        raw = decode_block(store.get(cid), f"state root {cid}")
        if isinstance(raw, list) and len(raw) == 3 and type(raw[0]) is int:
            version = raw[0]
            if not 1 <= version <= LATEST_VERSION:
                raise DecodeError(f"state root {cid}: unsupported state tree version {version}")
            return cls(version, as_cid(raw[1], "state root actors"), as_cid(raw[2], "state root info"))
        if isinstance(raw, list) and len(raw) == 2 and isinstance(raw[0], bytes):
            return cls(0, cid, None)
        raise DecodeError(f"state root {cid}: neither [version, actors, info] nor an actors HAMT node")


class StateTree:
    """The actors of one state root, loaded lazily and changed in memory until :meth:`flush`."""

    def __init__(self, store: Blockstore, root: StateRoot) -> None:
        self.store = store
        self.root = root
        self.version = root.version
        self.actors = Hamt(store, root.actors, ACTORS_HAMT_BIT_WIDTH, legacy_pointers=root.version < 2)
        self._manifest: Manifest | None = None
        self._manifest_loaded = False

    @classmethod
    def load(cls, store: Blockstore, cid: CID) -> StateTree:
        """The state tree whose root block is ``cid``."""
        return cls(store, StateRoot.load(store, cid))

    @classmethod
    def new(cls, store: Blockstore, version: int = LATEST_VERSION) -> StateTree:
        """An empty state tree of ``version`` (2 or later: the layouts filnet writes)."""
        if not 2 <= version <= LATEST_VERSION:
            raise InvalidInput(f"new state trees are version 2..{LATEST_VERSION}, not {version}")
        info = CID.compute(codecs.DAG_CBOR, _EMPTY_INFO, multihash.BLAKE2B_256)
        store.put(info, _EMPTY_INFO)
        empty = Hamt(store, None, ACTORS_HAMT_BIT_WIDTH).flush()
        return cls(store, StateRoot(version, empty, info))

    # -- actors ---------------------------------------------------------------------------------

    def get_actor(self, address: Address) -> ActorState | None:
        """The actor at ``address`` (robust addresses resolve through the init actor), or None."""
        id_address = self.lookup_id(address)
        if id_address is None:
            return None
        raw = self.actors.get(bytes(id_address))
        return None if raw is None else ActorState.from_ipld(raw, self.version)

    def set_actor(self, id_address: Address, actor: ActorState) -> None:
        """Store ``actor`` under an ID address."""
        if id_address.protocol is not Protocol.ID:
            raise InvalidInput(f"actors are stored under ID addresses, not {id_address}")
        self.actors.set(bytes(id_address), actor.to_ipld(self.version))

    def delete_actor(self, id_address: Address) -> bool:
        """Remove the actor at an ID address; whether it existed."""
        return self.actors.delete(bytes(id_address))

    def iter_actors(self) -> Iterator[tuple[Address, ActorState]]:
        """Every (ID address, actor), in HAMT order."""
        for key, raw in self.actors.items():
            yield Address.from_bytes(key), ActorState.from_ipld(raw, self.version)

    def lookup_id(self, address: Address) -> Address | None:
        """The ID address of ``address``: itself for ID addresses, else through the init actor's map."""
        if address.protocol is Protocol.ID:
            return address
        actor_id = self.address_map().lookup(address)
        return None if actor_id is None else Address.new_id(actor_id)

    # -- builtin actors -------------------------------------------------------------------------

    def actor_state_block(self, address: Address) -> bytes:
        """The head block of an actor's state."""
        actor = self.get_actor(address)
        if actor is None:
            raise NotFound(f"no actor at {address}")
        return self.store.get(actor.head)

    def init_state(self) -> InitState:
        """The init actor's state."""
        return InitState.decode(self.actor_state_block(INIT_ACTOR))

    def address_map(self) -> AddressMap:
        """The init actor's address → ID map."""
        return AddressMap(self.store, self.init_state().address_map, legacy_pointers=self.version < 2)

    def manifest(self) -> Manifest | None:
        """The builtin-actor manifest the system actor points to (actors v8+), else None (also when the
        tree has no system actor)."""
        if not self._manifest_loaded:
            actor = self.get_actor(SYSTEM_ACTOR)
            if actor is not None:
                system = SystemState.decode(self.store.get(actor.head))
                if system.builtin_actors is not None:
                    self._manifest = Manifest.load(self.store, system.builtin_actors)
            self._manifest_loaded = True
        return self._manifest

    def actor_name(self, actor: ActorState) -> str:
        """The builtin-actor name of an actor's code."""
        return names.actor_name(actor.code, self.manifest())

    # -- writing --------------------------------------------------------------------------------

    def flush(self) -> CID:
        """Write the changed actors and a new root block; the root CID."""
        actors = self.actors.flush()
        if self.version == 0:
            self.root = StateRoot(0, actors, None)
            return actors
        self.root = StateRoot(self.version, actors, self.root.info)
        data = dagcbor.encode(self.root.to_ipld())
        cid = CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)
        self.store.put(cid, data)
        return cid
