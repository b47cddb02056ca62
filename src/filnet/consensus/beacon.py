"""The chain's randomness beacon: which drand network serves an epoch, and the beacon rules of a block.

This is Lotus's ``chain/beacon/beacon.go`` and the round arithmetic of ``chain/beacon/drand/drand.go``:

* a :class:`BeaconSchedule` maps epochs to drand networks (Lotus ``DrandSchedule``, e.g. mainnet moved from
  incentinet to drand mainnet at epoch 51000 and to quicknet at the Phoenix upgrade);
* an epoch's beacon round is the latest round due by the time of the epoch's parent (Lotus
  ``MaxBeaconRoundForEpoch``, its post-nv16 rule);
* a block carries the rounds of the epochs from its parent's (exclusive) to its own (inclusive), verified
  against the previous entry on its chain (Lotus ``ValidateBlockValues``, ``BeaconEntriesForBlock``).

:class:`LocalBeacon` is the devnet's own beacon: a single known key signing rounds in quicknet's scheme, so
a devnet runs offline with a beacon that the same code verifies.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from pyblst import BlstP1Element, BlstP2Element

from filnet.chain.block import BeaconEntry
from filnet.consensus.drand import (
    DRAND_NETWORKS,
    DST_G1,
    BeaconError,
    DrandNetwork,
    DrandScheme,
    drand_chain_hash,
    round_digest,
    verify_entry,
)
from filnet.crypto.bls import CURVE_ORDER
from filnet.errors import InvalidInput
from filnet.params.network import NetworkParams

__all__ = [
    "DEVNET_BEACON_SECRET",
    "DEVNET_BEACON_SEED",
    "LOCAL_BEACON_NAME",
    "BeaconError",
    "BeaconSchedule",
    "BeaconSource",
    "LocalBeacon",
    "beacon_entries_for_block",
    "beacon_schedule_for_network",
    "local_beacon_public_key",
    "local_network",
    "max_beacon_round_for_epoch",
    "validate_block_beacon_entries",
]

BeaconSource = Callable[[DrandNetwork, int], BeaconEntry]
"""Fetches the entry of a round of a drand network (an HTTP or gossip client, or a :class:`LocalBeacon`)."""

#: The name under which a network's parameters refer to its local beacon.
LOCAL_BEACON_NAME: Final = "local"


@dataclass(frozen=True, slots=True)
class BeaconSchedule:
    """The drand network of each epoch: ``(first epoch, network)`` points in ascending order."""

    points: tuple[tuple[int, DrandNetwork], ...]

    def __post_init__(self) -> None:
        if not self.points:
            raise InvalidInput("a beacon schedule needs at least one network")
        starts = [start for start, _ in self.points]
        if any(b <= a for a, b in itertools.pairwise(starts)):
            raise InvalidInput(f"beacon schedule epochs must strictly increase, got {starts}")

    def index_for_epoch(self, epoch: int) -> int:
        """The position of the point that serves ``epoch`` (Lotus ``BeaconForEpoch``)."""
        for i in range(len(self.points) - 1, -1, -1):
            if epoch >= self.points[i][0]:
                return i
        # Lotus serves epochs before the first point with the first network.
        return 0

    def network_for_epoch(self, epoch: int) -> DrandNetwork:
        """The drand network that serves ``epoch``."""
        return self.points[self.index_for_epoch(epoch)][1]


def _check_chain_times(genesis_timestamp: int, block_delay: int) -> None:
    if genesis_timestamp <= 0:
        # Lotus refuses a zero genesis time outright (NewDrandBeacon).
        raise InvalidInput(f"the chain's genesis timestamp must be positive, not {genesis_timestamp}")
    if block_delay <= 0:
        raise InvalidInput(f"the block delay must be positive, not {block_delay}")


def _max_round(network: DrandNetwork, epoch: int, genesis_timestamp: int, block_delay: int) -> int:
    """The latest round of ``network`` due by the timestamp of the epoch before ``epoch``."""
    # Lotus takes the time of the parent epoch, so that the round exists when the block is made.
    latest = epoch * block_delay + genesis_timestamp - block_delay
    if latest < 0:
        raise InvalidInput(f"epoch {epoch} falls before the Unix epoch")
    if latest < network.genesis_time:
        return 1
    # Round 1 is due at the network's genesis, hence the +1 (Lotus maxBeaconRoundV2, network version 16+).
    return (latest - network.genesis_time) // network.period + 1


def max_beacon_round_for_epoch(
    schedule: BeaconSchedule, epoch: int, genesis_timestamp: int, block_delay: int
) -> int:
    """The beacon round a block at ``epoch`` must end with (Lotus ``MaxBeaconRoundForEpoch``)."""
    _check_chain_times(genesis_timestamp, block_delay)
    if epoch < 0:
        raise InvalidInput(f"epoch {epoch} is negative")
    return _max_round(schedule.network_for_epoch(epoch), epoch, genesis_timestamp, block_delay)


def _check_epochs(epoch: int, parent_epoch: int) -> None:
    if parent_epoch < 0 or epoch <= parent_epoch:
        raise InvalidInput(f"a block at epoch {epoch} cannot have a parent at epoch {parent_epoch}")


def validate_block_beacon_entries(
    schedule: BeaconSchedule,
    genesis_timestamp: int,
    block_delay: int,
    epoch: int,
    parent_epoch: int,
    entries: Sequence[BeaconEntry],
    previous_entry: BeaconEntry,
) -> None:
    """Check a block's beacon entries against the chain's last entry; :class:`BeaconError` naming the rule.

    ``previous_entry`` is the latest beacon entry on the block's chain before it (the genesis entry, round 0,
    at the start). The rules and their order are Lotus's ``ValidateBlockValues``.
    """
    _check_chain_times(genesis_timestamp, block_delay)
    _check_epochs(epoch, parent_epoch)
    parent_index = schedule.index_for_epoch(parent_epoch)
    current_index = schedule.index_for_epoch(epoch)
    network = schedule.points[current_index][1]

    # Where a chained network takes over, a block carries two of its rounds, the second signing the first.
    # Lotus checks only that signature here (neither the first entry's round nor the second's position in
    # time), and so must we to accept the same blocks.
    if parent_index != current_index and network.is_chained:
        if len(entries) != 2:
            raise BeaconError(
                f"a block at the switch to drand network {network.name} (epoch {epoch}) needs two beacon "
                f"entries, got {len(entries)}"
            )
        verify_entry(network, entries[1], entries[0])
        return

    max_round = _max_round(network, epoch, genesis_timestamp, block_delay)
    if max_round == previous_entry.round:
        if entries:
            raise BeaconError(
                f"a block at epoch {epoch} needs no beacon entry (round {max_round} is already on chain), "
                f"got {len(entries)}"
            )
        return
    if not entries:
        raise BeaconError(f"a block at epoch {epoch} needs beacon entries up to round {max_round}, got none")

    # Lotus skips checking a chained network's entries that follow the genesis entry.
    if network.is_chained and previous_entry.round == 0:
        return

    last = entries[-1]
    if last.round != max_round:
        raise BeaconError(
            f"the last beacon entry of a block at epoch {epoch} must be round {max_round}, got {last.round}",
            last.round,
        )

    if network.is_chained:
        # The signatures enforce this too (each signs its predecessor); checked first for a clearer error.
        expected = previous_entry.round + 1
        for entry in entries:
            if entry.round != expected:
                raise BeaconError(
                    f"beacon entries of chained drand network {network.name} must be consecutive: expected "
                    f"round {expected}, got {entry.round}",
                    entry.round,
                )
            expected += 1
    else:
        # An unchained block carries exactly the round of each epoch after its parent, as mined.
        for i, entry in enumerate(entries):
            for_epoch = parent_epoch + i + 1
            wanted = _max_round(network, for_epoch, genesis_timestamp, block_delay)
            if entry.round != wanted:
                raise BeaconError(
                    f"beacon entry {i} of a block at epoch {epoch} must be round {wanted} (for epoch "
                    f"{for_epoch}), got {entry.round}",
                    entry.round,
                )

    previous = previous_entry
    for entry in entries:
        verify_entry(network, entry, previous)
        previous = entry


def beacon_entries_for_block(
    source: BeaconSource,
    schedule: BeaconSchedule,
    genesis_timestamp: int,
    block_delay: int,
    epoch: int,
    parent_epoch: int,
    previous_entry: BeaconEntry,
) -> tuple[BeaconEntry, ...]:
    """The beacon entries a new block at ``epoch`` carries (Lotus ``BeaconEntriesForBlock``).

    ``source`` supplies (and, for a remote network, verifies) each round; the result passes
    :func:`validate_block_beacon_entries` when the source's entries are genuine.
    """
    _check_chain_times(genesis_timestamp, block_delay)
    _check_epochs(epoch, parent_epoch)
    parent_index = schedule.index_for_epoch(parent_epoch)
    current_index = schedule.index_for_epoch(epoch)
    network = schedule.points[current_index][1]

    def fetch(round: int) -> BeaconEntry:
        entry = source(network, round)
        if entry.round != round:
            raise BeaconError(
                f"the beacon source gave round {entry.round} of {network.name} for round {round}", round
            )
        return entry

    max_round = _max_round(network, epoch, genesis_timestamp, block_delay)
    if parent_index != current_index and network.is_chained:
        return (fetch(max_round - 1), fetch(max_round))
    if max_round == previous_entry.round:
        return ()
    # One round per epoch since the parent, oldest first; null rounds add theirs.
    return tuple(
        fetch(_max_round(network, e, genesis_timestamp, block_delay))
        for e in range(parent_epoch + 1, epoch + 1)
    )


#: The seed of the devnet's well-known beacon key. The devnet beacon is not secret: anyone can produce its
#: rounds, as anyone can mine a devnet block; it exists so a devnet runs without reaching drand.
DEVNET_BEACON_SEED: Final = b"filnet devnet beacon v1"
#: The devnet beacon's secret key: SHA-256 of the seed reduced mod r, as a 32-byte little-endian scalar
#: (filnet's, Lotus's and filecoin-ffi's byte order for BLS private keys).
DEVNET_BEACON_SECRET: Final = (
    int.from_bytes(hashlib.sha256(DEVNET_BEACON_SEED).digest(), "big") % CURVE_ORDER
).to_bytes(32, "little")

_G2_GENERATOR: Final = BlstP2Element.uncompress(
    bytes.fromhex(
        "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
        "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
    )
)


def local_beacon_public_key(secret_key: bytes) -> bytes:
    """The compressed G2 public key of a local beacon's 32-byte little-endian secret key."""
    return bytes(_G2_GENERATOR.scalar_mul(_secret_scalar(secret_key)).compress())


def _secret_scalar(secret_key: bytes) -> int:
    if len(secret_key) != 32:
        raise InvalidInput(f"a beacon secret key has 32 bytes, got {len(secret_key)}")
    scalar = int.from_bytes(secret_key, "little")
    if not 0 < scalar < CURVE_ORDER:
        raise InvalidInput("a beacon secret key must be a scalar in 1..r-1 (little-endian)")
    return scalar


def local_network(public_key: bytes, genesis_time: int, period: int) -> DrandNetwork:
    """The chain info of a local beacon with ``public_key``, its round 1 due at ``genesis_time``."""
    # No group file behind a single key: the group hash is a hash of the key, so round 1 still has a
    # well-defined "previous signature" and the chain hash follows drand's formula.
    group_hash = hashlib.sha256(public_key).digest()
    return DrandNetwork(
        name=LOCAL_BEACON_NAME,
        chain_hash=drand_chain_hash(period, genesis_time, public_key, group_hash, LOCAL_BEACON_NAME),
        public_key=public_key,
        genesis_time=genesis_time,
        period=period,
        scheme=DrandScheme.BLS_UNCHAINED_G1_RFC9380,
        group_hash=group_hash,
        beacon_id=LOCAL_BEACON_NAME,
    )


@dataclass(frozen=True)
class LocalBeacon:
    """A one-key beacon signing each round in quicknet's scheme (Lotus's 2k devnet uses quicknet too)."""

    #: 32-byte little-endian BLS scalar.
    secret_key: bytes
    #: Unix time (s) of round 1.
    genesis_time: int
    #: Seconds between rounds.
    period: int

    def __post_init__(self) -> None:
        _secret_scalar(self.secret_key)
        # Builds (and so checks) the network up front.
        _ = self.network

    @functools.cached_property
    def network(self) -> DrandNetwork:
        """The chain info under which this beacon's entries verify."""
        return local_network(local_beacon_public_key(self.secret_key), self.genesis_time, self.period)

    def entry(self, round: int) -> BeaconEntry:
        """The entry of ``round``: the G1 signature of ``sha256(round)``."""
        if round < 1:
            raise InvalidInput(f"beacon rounds start at 1, not {round}")
        digest = round_digest(DrandScheme.BLS_UNCHAINED_G1_RFC9380, round, b"")
        point = BlstP1Element.hash_to_group(digest, DST_G1).scalar_mul(_secret_scalar(self.secret_key))
        return BeaconEntry(round, bytes(point.compress()))

    def source(self, network: DrandNetwork, round: int) -> BeaconEntry:
        """A :data:`BeaconSource` serving this beacon's network; :class:`BeaconError` for any other."""
        if network != self.network:
            raise BeaconError(
                f"the local beacon cannot serve round {round} of drand network {network.name}", round
            )
        return self.entry(round)


def beacon_schedule_for_network(params: NetworkParams, genesis_timestamp: int) -> BeaconSchedule:
    """The beacon schedule ``params`` names, for a chain whose genesis block has ``genesis_timestamp``.

    A ``local`` beacon has ``params.local_beacon_public_key``, its round 1 at the chain's genesis and one
    round per block delay.
    """
    points = []
    for start, name in params.beacon_schedule:
        if name == LOCAL_BEACON_NAME:
            if not params.local_beacon_public_key:
                raise InvalidInput(f"network {params.name} names a local beacon but gives no public key")
            network = local_network(
                params.local_beacon_public_key, genesis_timestamp, params.block_delay_seconds
            )
        else:
            try:
                network = DRAND_NETWORKS[name]
            except KeyError:
                raise InvalidInput(
                    f"network {params.name} names an unknown beacon {name!r} "
                    f"(known: {', '.join([*DRAND_NETWORKS, LOCAL_BEACON_NAME])})"
                ) from None
        points.append((start, network))
    return BeaconSchedule(tuple(points))
