"""Params and returns of the storage power actor's methods (builtin-actors ``fil_actor_power::types``).

Every value is a CBOR tuple in the field order below, except the serde-transparent newtypes
(:class:`UpdatePledgeTotalParams`, :class:`NetworkRawPowerReturn`, :class:`MinerRawPowerParams`,
:class:`MinerPowerParams`, :class:`MinerCountReturn`, :class:`MinerConsensusCountReturn`), which are carried
as their single field's value. Storage power is a plain ``int`` (a BigInt on the wire); a PoSt proof type
is the ``int`` of fvm_shared's ``RegisteredPoStProof`` (any i64 decodes; unknown ones are rejected where
they are used).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from filnet.actors.encoding import (
    CborTuple,
    Transparent,
    as_address,
    as_bigint,
    as_bool,
    as_bytes,
    as_int,
    as_list,
    as_uint,
    bigint,
    fields,
)
from filnet.actors.smoothing import FilterEstimate
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ActorID, ChainEpoch

#: How a sector ended (builtin-actors ``SectorTermination``): all its deals expired.
SECTOR_TERMINATION_EXPIRED: Final = 0
#: The miner terminated it before its expiration.
SECTOR_TERMINATION_MANUAL: Final = 1
#: It stayed faulty too long.
SECTOR_TERMINATION_FAULTY: Final = 3


@dataclass(frozen=True, slots=True)
class CreateMinerParams(CborTuple):
    """The new miner's owner and worker, its Window PoSt proof type, libp2p peer ID and multiaddrs."""

    owner: Address
    worker: Address
    window_post_proof_type: int
    peer: bytes
    multiaddrs: tuple[bytes, ...] = ()

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            bytes(self.owner),
            bytes(self.worker),
            self.window_post_proof_type,
            self.peer,
            list(self.multiaddrs),
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> CreateMinerParams:
        """Parse the CBOR tuple."""
        owner, worker, proof, peer, multiaddrs = fields(raw, 5, "CreateMinerParams")
        return cls(
            as_address(owner, "CreateMinerParams.owner"),
            as_address(worker, "CreateMinerParams.worker"),
            as_int(proof, "CreateMinerParams.window_post_proof_type"),
            as_bytes(peer, "CreateMinerParams.peer"),
            tuple(
                as_bytes(m, "CreateMinerParams.multiaddrs")
                for m in as_list(multiaddrs, "CreateMinerParams.multiaddrs")
            ),
        )


@dataclass(frozen=True, slots=True)
class CreateMinerReturn(CborTuple):
    """The new miner's ID address and its reorg-safe robust (f2) address."""

    id_address: Address
    robust_address: Address

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.id_address), bytes(self.robust_address)]

    @classmethod
    def from_ipld(cls, raw: Any) -> CreateMinerReturn:
        """Parse the CBOR tuple."""
        id_address, robust = fields(raw, 2, "CreateMinerReturn")
        return cls(
            as_address(id_address, "CreateMinerReturn.id_address"),
            as_address(robust, "CreateMinerReturn.robust_address"),
        )


@dataclass(frozen=True, slots=True)
class UpdateClaimedPowerParams(CborTuple):
    """Raw-byte and quality-adjusted power to add to the calling miner's claim (negative to remove)."""

    raw_byte_delta: int
    quality_adjusted_delta: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bigint(self.raw_byte_delta), bigint(self.quality_adjusted_delta)]

    @classmethod
    def from_ipld(cls, raw: Any) -> UpdateClaimedPowerParams:
        """Parse the CBOR tuple."""
        raw_delta, qa_delta = fields(raw, 2, "UpdateClaimedPowerParams")
        return cls(
            as_bigint(raw_delta, "UpdateClaimedPowerParams.raw_byte_delta"),
            as_bigint(qa_delta, "UpdateClaimedPowerParams.quality_adjusted_delta"),
        )


@dataclass(frozen=True, slots=True)
class EnrollCronEventParams(CborTuple):
    """The epoch at which cron calls the miner back, and the payload it passes back (raw CBOR bytes)."""

    event_epoch: ChainEpoch
    payload: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.event_epoch, self.payload]

    @classmethod
    def from_ipld(cls, raw: Any) -> EnrollCronEventParams:
        """Parse the CBOR tuple."""
        epoch, payload = fields(raw, 2, "EnrollCronEventParams")
        return cls(
            ChainEpoch(as_int(epoch, "EnrollCronEventParams.event_epoch")),
            as_bytes(payload, "EnrollCronEventParams.payload"),
        )


@dataclass(frozen=True, slots=True)
class UpdatePledgeTotalParams(Transparent):
    """The change of the calling miner's locked pledge (transparent: a BigInt)."""

    pledge_delta: TokenAmount

    def to_ipld(self) -> bytes:
        """The BigInt bytes."""
        return self.pledge_delta.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> UpdatePledgeTotalParams:
        """Parse the BigInt bytes."""
        return cls(TokenAmount(as_bigint(raw, "UpdatePledgeTotalParams.pledge_delta")))


@dataclass(frozen=True, slots=True)
class CurrentTotalPowerReturn(CborTuple):
    """The network's power and pledge as of the last cron tick, the smoothed QA power estimate and the
    FIP-0081 pledge ramp (its start epoch and length)."""

    raw_byte_power: int
    quality_adj_power: int
    pledge_collateral: TokenAmount
    quality_adj_power_smoothed: FilterEstimate
    ramp_start_epoch: ChainEpoch
    ramp_duration_epochs: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            bigint(self.raw_byte_power),
            bigint(self.quality_adj_power),
            self.pledge_collateral.to_bytes(),
            self.quality_adj_power_smoothed.to_ipld(),
            self.ramp_start_epoch,
            self.ramp_duration_epochs,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> CurrentTotalPowerReturn:
        """Parse the CBOR tuple."""
        f = fields(raw, 6, "CurrentTotalPowerReturn")
        return cls(
            as_bigint(f[0], "CurrentTotalPowerReturn.raw_byte_power"),
            as_bigint(f[1], "CurrentTotalPowerReturn.quality_adj_power"),
            TokenAmount(as_bigint(f[2], "CurrentTotalPowerReturn.pledge_collateral")),
            FilterEstimate.from_ipld(f[3]),
            ChainEpoch(as_int(f[4], "CurrentTotalPowerReturn.ramp_start_epoch")),
            as_uint(f[5], "CurrentTotalPowerReturn.ramp_duration_epochs"),
        )


@dataclass(frozen=True, slots=True)
class NetworkRawPowerReturn(Transparent):
    """The network's raw-byte power as of the last cron tick (transparent: a BigInt)."""

    raw_byte_power: int

    def to_ipld(self) -> bytes:
        """The BigInt bytes."""
        return bigint(self.raw_byte_power)

    @classmethod
    def from_ipld(cls, raw: Any) -> NetworkRawPowerReturn:
        """Parse the BigInt bytes."""
        return cls(as_bigint(raw, "NetworkRawPowerReturn.raw_byte_power"))


@dataclass(frozen=True, slots=True)
class MinerRawPowerParams(Transparent):
    """The miner asked about (transparent: its actor ID)."""

    miner: ActorID

    def to_ipld(self) -> int:
        """The actor ID."""
        return self.miner

    @classmethod
    def from_ipld(cls, raw: Any) -> MinerRawPowerParams:
        """Parse the actor ID."""
        return cls(ActorID(as_uint(raw, "MinerRawPowerParams.miner")))


@dataclass(frozen=True, slots=True)
class MinerRawPowerReturn(CborTuple):
    """A miner's raw-byte power and whether it meets the consensus minimum."""

    raw_byte_power: int
    meets_consensus_minimum: bool

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bigint(self.raw_byte_power), self.meets_consensus_minimum]

    @classmethod
    def from_ipld(cls, raw: Any) -> MinerRawPowerReturn:
        """Parse the CBOR tuple."""
        power, meets = fields(raw, 2, "MinerRawPowerReturn")
        return cls(
            as_bigint(power, "MinerRawPowerReturn.raw_byte_power"),
            as_bool(meets, "MinerRawPowerReturn.meets_consensus_minimum"),
        )


@dataclass(frozen=True, slots=True)
class MinerPowerParams(Transparent):
    """The miner asked about (transparent: its actor ID)."""

    miner: ActorID

    def to_ipld(self) -> int:
        """The actor ID."""
        return self.miner

    @classmethod
    def from_ipld(cls, raw: Any) -> MinerPowerParams:
        """Parse the actor ID."""
        return cls(ActorID(as_uint(raw, "MinerPowerParams.miner")))


@dataclass(frozen=True, slots=True)
class MinerPowerReturn(CborTuple):
    """A miner's claimed raw-byte and quality-adjusted power."""

    raw_byte_power: int
    quality_adj_power: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bigint(self.raw_byte_power), bigint(self.quality_adj_power)]

    @classmethod
    def from_ipld(cls, raw: Any) -> MinerPowerReturn:
        """Parse the CBOR tuple."""
        raw_power, quality = fields(raw, 2, "MinerPowerReturn")
        return cls(
            as_bigint(raw_power, "MinerPowerReturn.raw_byte_power"),
            as_bigint(quality, "MinerPowerReturn.quality_adj_power"),
        )


@dataclass(frozen=True, slots=True)
class MinerCountReturn(Transparent):
    """How many miners have a claim (transparent: an i64)."""

    miner_count: int

    def to_ipld(self) -> int:
        """The count."""
        return self.miner_count

    @classmethod
    def from_ipld(cls, raw: Any) -> MinerCountReturn:
        """Parse the count."""
        return cls(as_int(raw, "MinerCountReturn.miner_count"))


@dataclass(frozen=True, slots=True)
class MinerConsensusCountReturn(Transparent):
    """How many miners meet the consensus minimum power (transparent: an i64)."""

    miner_consensus_count: int

    def to_ipld(self) -> int:
        """The count."""
        return self.miner_consensus_count

    @classmethod
    def from_ipld(cls, raw: Any) -> MinerConsensusCountReturn:
        """Parse the count."""
        return cls(as_int(raw, "MinerConsensusCountReturn.miner_consensus_count"))
