"""A small world for VM tests: a genesis with funded keys, signing helpers, and the invariant check."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from filnet.actors.invariants import check_state_invariants
from filnet.chain.genesis import GenesisAccount, GenesisConfig, GenesisMultisig, build_genesis
from filnet.chain.message import Message, SignedMessage
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import MethodNum, Nonce
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.vm.interpreter.apply import ApplyResult, apply_signed_message
from filnet.vm.interpreter.machine import Machine, SeededRandomness
from filnet.vm.state_tree import ActorState, StateTree

BASE_FEE = TokenAmount(100)
START_BALANCE = TokenAmount.from_fil(1_000)
DEFAULT_FEE_CAP = TokenAmount(1_000)


def make_key(index: int, key_type: KeyType = KeyType.SECP256K1) -> PrivateKey:
    """A deterministic key (secp256k1 secrets must be below the group order: the hash is fine)."""
    secret = hashlib.sha256(f"filnet vm test key {index}".encode()).digest()
    if key_type is KeyType.BLS:
        secret = secret[:31] + b"\x00"
    return PrivateKey(key_type, secret)


@dataclass
class World:
    """A store, a genesis and a machine at epoch 1 over it."""

    keys: list[PrivateKey]
    multisigs: tuple[GenesisMultisig, ...] = ()
    store: MemoryBlockstore = field(default_factory=MemoryBlockstore)

    def __post_init__(self) -> None:
        accounts = tuple(GenesisAccount(k.address, START_BALANCE) for k in self.keys)
        self.genesis = build_genesis(self.store, GenesisConfig("vmtest", accounts, self.multisigs))
        self.total = check_state_invariants(StateTree.load(self.store, self.genesis)).total_balance
        self.machine = Machine(self.store, self.genesis, 1, BASE_FEE, SeededRandomness(b"vmtest"))
        self.nonces: dict[Address, int] = {}

    def message(
        self,
        key: PrivateKey,
        to: Address,
        value: TokenAmount = ZERO,
        method: int = 0,
        params: bytes = b"",
        gas_limit: int = 50_000_000,
        nonce: int | None = None,
        fee_cap: TokenAmount = DEFAULT_FEE_CAP,
    ) -> SignedMessage:
        """A message signed by ``key``, with its next nonce unless one is given."""
        sender = key.address
        message = Message(
            to=to,
            sender=sender,
            nonce=Nonce(self.nonces.get(sender, 0) if nonce is None else nonce),
            value=value,
            gas_limit=gas_limit,
            gas_fee_cap=fee_cap,
            gas_premium=TokenAmount(10),
            method=MethodNum(method),
            params=params,
        )
        return SignedMessage(message, key.sign(message.signing_bytes()))

    def apply(self, signed: SignedMessage) -> ApplyResult:
        """Apply a signed message; track the sender's nonce when the VM bumped it."""
        before = self.actor(signed.message.sender)
        result = apply_signed_message(self.machine, signed)
        after = self.actor(signed.message.sender)
        if before is not None and after is not None and after.nonce != before.nonce:
            self.nonces[signed.message.sender] = after.nonce
        return result

    def actor(self, address: Address) -> ActorState | None:
        """An actor as the machine sees it now."""
        id_address = self.machine.resolve(address)
        return None if id_address is None else self.machine.get_actor(id_address)

    def balance(self, address: Address) -> TokenAmount:
        """An actor's balance (0 when absent)."""
        actor = self.actor(address)
        return TokenAmount(0) if actor is None else actor.balance

    def flush_and_check(self) -> CID:
        """Flush, check every invariant and that the total balance did not change; the new root."""
        root = self.machine.flush()
        check = check_state_invariants(StateTree.load(self.store, root))
        assert check.problems == ()
        assert check.total_balance == self.total
        return root
