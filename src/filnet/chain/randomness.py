"""The chain's randomness as seen from one tipset, as Lotus's ``chain/rand`` draws it (network version ≥ 14).

Ticket ("chain") randomness for an epoch comes from the tipset at that epoch on the chain below the
reference tipset, or the first tipset after it when the epoch was a null round: the blake2b-256 of its
smallest ticket's VRF proof is the digest of the draw. Beacon randomness for an epoch is the
blake2b-256 of the beacon entry for the drand round that epoch maps to, looked for in the first block of
that tipset and up to 20 of its ancestors. Both feed ``draw_randomness_from_digest`` with the domain
separation tag, the epoch and the caller's entropy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from filnet.chain.block import BeaconEntry
from filnet.chain.tipset import TipSet, TipSetKey
from filnet.core.types import ChainEpoch
from filnet.crypto.randomness import DomainSeparationTag, draw_randomness_from_digest
from filnet.errors import InvalidInput, NotFound

#: How far back Lotus looks for the beacon entry of a round (``getBeaconEntryV3``).
BEACON_SEARCH_DEPTH: Final = 20


class TipsetLookup(Protocol):
    """What randomness reads from the chain store."""

    def load_tipset(self, key: TipSetKey) -> TipSet:
        """The tipset with this key (NotFound if absent)."""
        ...

    def tipset_by_height(self, height: ChainEpoch, head: TipSet, prev: bool) -> TipSet:
        """The tipset at ``height`` on the chain ending at ``head``; for a null round the one before
        (``prev``) or after it."""
        ...


class RandomnessFromTheFuture(InvalidInput):
    """A draw for an epoch above the reference tipset."""


@dataclass(frozen=True)
class ChainRandomness:
    """Randomness drawn from the chain below ``head`` (a ``RandomnessSource`` for the VM).

    ``beacon_round`` maps a Filecoin epoch to the drand round whose entry belongs to it (the beacon
    schedule's ``MaxBeaconRoundForEpoch``).
    """

    chain: TipsetLookup
    head: TipSet
    beacon_round: Callable[[ChainEpoch], int]

    def _tipset_at(self, epoch: ChainEpoch) -> TipSet:
        if epoch > self.head.height:
            raise RandomnessFromTheFuture(
                f"cannot draw randomness for epoch {epoch} above tipset height {self.head.height}"
            )
        return self.chain.tipset_by_height(ChainEpoch(max(epoch, 0)), self.head, False)

    def ticket_digest(self, epoch: ChainEpoch) -> bytes:
        """blake2b-256 of the smallest ticket of the tipset at ``epoch`` (Lotus ``GetChainRandomness``)."""
        block = self._tipset_at(epoch).min_ticket_block()
        assert block.ticket is not None  # TipSet refuses blocks without tickets
        return hashlib.blake2b(block.ticket.vrf_proof, digest_size=32).digest()

    def beacon_entry(self, epoch: ChainEpoch) -> BeaconEntry:
        """The beacon entry of ``epoch``'s drand round (Lotus ``GetBeaconEntry``, v3)."""
        tipset = self._tipset_at(epoch)
        wanted = self.beacon_round(ChainEpoch(max(epoch, 0)))
        for _ in range(BEACON_SEARCH_DEPTH):
            for entry in tipset.blocks[0].beacon_entries:
                if entry.round == wanted:
                    return entry
            if tipset.height == 0:  # genesis: its parent is the 2017 block, not a tipset
                break
            tipset = self.chain.load_tipset(tipset.parents)
        raise NotFound(f"no beacon entry for round {wanted} (epoch {epoch}) in the chain below {self.head}")

    def ticket_randomness(self, tag: DomainSeparationTag, epoch: ChainEpoch, entropy: bytes) -> bytes:
        """A draw from the chain's tickets (``DrawChainRandomness``)."""
        return draw_randomness_from_digest(self.ticket_digest(epoch), tag, epoch, entropy)

    def beacon_randomness(self, tag: DomainSeparationTag, epoch: ChainEpoch, entropy: bytes) -> bytes:
        """A draw from the beacon (``DrawBeaconRandomness``)."""
        digest = hashlib.blake2b(self.beacon_entry(epoch).data, digest_size=32).digest()
        return draw_randomness_from_digest(digest, tag, epoch, entropy)
