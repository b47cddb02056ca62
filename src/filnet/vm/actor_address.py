"""Robust (f2) addresses of newly created actors.

The VM derives an actor's f2 address from the message that created it: the origin's robust (key) address
as a CBOR byte string, then the origin's nonce and the number of actors the message created before this one,
each as a big-endian uint64 (Lotus ``vm.Runtime.NewActorAddress``, FVM ``next_actor_address``). The f2
payload is blake2b-160 of those bytes.
"""

from __future__ import annotations

from filnet.core.address import Address, Protocol
from filnet.errors import InvalidInput
from filnet.ipld import dagcbor


def new_actor_address(origin: Address, nonce: int, actors_created: int) -> Address:
    """The f2 address of the ``actors_created``-th actor created by ``origin``'s message ``nonce``."""
    if origin.protocol is Protocol.ID:
        raise InvalidInput(f"actor addresses derive from the origin's robust address, not {origin}")
    for name, value in (("nonce", nonce), ("actors_created", actors_created)):
        if not 0 <= value < 1 << 64:
            raise InvalidInput(f"{name} {value} is outside 0..2^64-1")
    seed = dagcbor.encode(bytes(origin)) + nonce.to_bytes(8, "big") + actors_created.to_bytes(8, "big")
    return Address.new_actor(seed)
