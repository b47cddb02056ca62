"""Params and returns of the storage miner actor's methods (builtin-actors ``fil_actor_miner::types``).

Every value is a CBOR tuple in the field order below, except the serde-transparent newtypes (named as such in
their docstrings), which are carried as their single field's value. Seal, PoSt and aggregate proof types are
the ``int`` of their registered enums, a piece size is a plain ``int`` (``PaddedPieceSize``), bitfields are
:class:`~filnet.ipld.bitfield.BitField` (RLE+ bytes on the wire) and raw CBOR payloads are ``bytes``.

The state records builtin-actors also defines in ``types.rs`` (``SectorPreCommitInfo``,
``SectorOnChainInfo``, ``SectorPreCommitOnChainInfo``, ``WorkerKeyChange``, ``BeneficiaryTerm``, …) live in
the state modules (:mod:`filnet.actors.miner.sectors`, :mod:`filnet.actors.miner.state`,
:mod:`filnet.actors.miner.beneficiary`) beside the tables that hold them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Final, Self

from filnet.actors.batch_return import BatchReturn
from filnet.actors.encoding import (
    CborTuple,
    Transparent,
    as_address,
    as_bigint,
    as_bitfield,
    as_bool,
    as_bytes,
    as_cid,
    as_epoch,
    as_int,
    as_list,
    as_token,
    as_uint,
    bigint,
    fields,
)
from filnet.actors.miner.beneficiary import BeneficiaryTerm, PendingBeneficiaryChange
from filnet.actors.miner.sectors import SectorPreCommitInfo
from filnet.actors.smoothing import FilterEstimate
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ActorID, ChainEpoch
from filnet.errors import DecodeError
from filnet.ipld.bitfield import BitField
from filnet.ipld.cid import CID
from filnet.proofs.onchain import PoStProof

#: Kinds of cron event a miner enrolls with the power actor (builtin-actors ``CronEvent``).
CRON_EVENT_WORKER_KEY_CHANGE: Final = 0
CRON_EVENT_PROVING_DEADLINE: Final = 1
CRON_EVENT_PROCESS_EARLY_TERMINATIONS: Final = 2

#: ``SectorLocation`` fields of a sector that is in no deadline or partition.
NO_DEADLINE: Final = -1
NO_PARTITION: Final = -1


def _addresses(raw: Any, what: str) -> tuple[Address, ...]:
    return tuple(as_address(a, what) for a in as_list(raw, what))


def _bytes_list(raw: Any, what: str) -> tuple[bytes, ...]:
    return tuple(as_bytes(b, what) for b in as_list(raw, what))


def _opt(raw: Any, parse: Any, what: str) -> Any:
    return None if raw is None else parse(raw, what)


# -- construction and control addresses --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MinerConstructorParams(CborTuple):
    """A new miner's owner, worker, control addresses, Window PoSt proof type, peer ID and multiaddrs."""

    owner: Address
    worker: Address
    control_addresses: tuple[Address, ...]
    window_post_proof_type: int
    peer_id: bytes
    multi_addresses: tuple[bytes, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            bytes(self.owner),
            bytes(self.worker),
            [bytes(a) for a in self.control_addresses],
            self.window_post_proof_type,
            self.peer_id,
            list(self.multi_addresses),
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> MinerConstructorParams:
        """Parse the CBOR tuple."""
        owner, worker, control, proof, peer, addrs = fields(raw, 6, "MinerConstructorParams")
        return cls(
            as_address(owner, "MinerConstructorParams.owner"),
            as_address(worker, "MinerConstructorParams.worker"),
            _addresses(control, "MinerConstructorParams.control_addresses"),
            as_int(proof, "MinerConstructorParams.window_post_proof_type"),
            as_bytes(peer, "MinerConstructorParams.peer_id"),
            _bytes_list(addrs, "MinerConstructorParams.multi_addresses"),
        )


@dataclass(frozen=True, slots=True)
class CronEventPayload(CborTuple):
    """The kind of cron event a miner asks to be called back for (one of the ``CRON_EVENT_*``)."""

    event_type: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.event_type]

    @classmethod
    def from_ipld(cls, raw: Any) -> CronEventPayload:
        """Parse the CBOR tuple."""
        (event_type,) = fields(raw, 1, "CronEventPayload")
        return cls(as_int(event_type, "CronEventPayload.event_type"))


@dataclass(frozen=True, slots=True)
class GetControlAddressesReturn(CborTuple):
    """A miner's owner, worker and control addresses."""

    owner: Address
    worker: Address
    control_addresses: tuple[Address, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.owner), bytes(self.worker), [bytes(a) for a in self.control_addresses]]

    @classmethod
    def from_ipld(cls, raw: Any) -> GetControlAddressesReturn:
        """Parse the CBOR tuple."""
        owner, worker, control = fields(raw, 3, "GetControlAddressesReturn")
        return cls(
            as_address(owner, "GetControlAddressesReturn.owner"),
            as_address(worker, "GetControlAddressesReturn.worker"),
            _addresses(control, "GetControlAddressesReturn.control_addresses"),
        )


@dataclass(frozen=True, slots=True)
class ChangeWorkerAddressParams(CborTuple):
    """The worker to switch to (after a delay) and the new control addresses (at once)."""

    new_worker: Address
    new_control_addresses: tuple[Address, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.new_worker), [bytes(a) for a in self.new_control_addresses]]

    @classmethod
    def from_ipld(cls, raw: Any) -> ChangeWorkerAddressParams:
        """Parse the CBOR tuple."""
        worker, control = fields(raw, 2, "ChangeWorkerAddressParams")
        return cls(
            as_address(worker, "ChangeWorkerAddressParams.new_worker"),
            _addresses(control, "ChangeWorkerAddressParams.new_control_addresses"),
        )


@dataclass(frozen=True, slots=True)
class ChangeOwnerAddressParams(Transparent):
    """The proposed (or confirming) owner (transparent: an address)."""

    new_owner: Address

    def to_ipld(self) -> Any:
        """The address bytes."""
        return bytes(self.new_owner)

    @classmethod
    def from_ipld(cls, raw: Any) -> ChangeOwnerAddressParams:
        """Parse the address."""
        return cls(as_address(raw, "ChangeOwnerAddressParams.new_owner"))


@dataclass(frozen=True, slots=True)
class ChangePeerIDParams(CborTuple):
    """The miner's new libp2p peer ID (its bytes)."""

    new_id: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.new_id]

    @classmethod
    def from_ipld(cls, raw: Any) -> ChangePeerIDParams:
        """Parse the CBOR tuple."""
        (new_id,) = fields(raw, 1, "ChangePeerIDParams")
        return cls(as_bytes(new_id, "ChangePeerIDParams.new_id"))


@dataclass(frozen=True, slots=True)
class ChangeMultiaddrsParams(CborTuple):
    """The miner's new multiaddrs (each its binary form)."""

    new_multi_addrs: tuple[bytes, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [list(self.new_multi_addrs)]

    @classmethod
    def from_ipld(cls, raw: Any) -> ChangeMultiaddrsParams:
        """Parse the CBOR tuple."""
        (addrs,) = fields(raw, 1, "ChangeMultiaddrsParams")
        return cls(_bytes_list(addrs, "ChangeMultiaddrsParams.new_multi_addrs"))


@dataclass(frozen=True, slots=True)
class InternalSectorSetupForPresealParams(CborTuple):
    """Genesis-time activation of preseal sectors, with the reward and power estimates to price them."""

    sectors: tuple[int, ...]
    reward_smoothed: FilterEstimate
    reward_baseline_power: int
    quality_adj_power_smoothed: FilterEstimate

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            list(self.sectors),
            self.reward_smoothed.to_ipld(),
            bigint(self.reward_baseline_power),
            self.quality_adj_power_smoothed.to_ipld(),
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> InternalSectorSetupForPresealParams:
        """Parse the CBOR tuple."""
        what = "InternalSectorSetupForPresealParams"
        sectors, reward, baseline, power = fields(raw, 4, what)
        return cls(
            tuple(as_uint(s, f"{what}.sectors") for s in as_list(sectors, f"{what}.sectors")),
            FilterEstimate.from_ipld(reward),
            as_bigint(baseline, f"{what}.reward_baseline_power"),
            FilterEstimate.from_ipld(power),
        )


@dataclass(frozen=True, slots=True)
class DeferredCronEventParams(CborTuple):
    """What the power actor passes back at a miner's cron event: the enrolled payload and this epoch's
    reward and power estimates."""

    event_payload: bytes
    reward_smoothed: FilterEstimate
    quality_adj_power_smoothed: FilterEstimate

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.event_payload, self.reward_smoothed.to_ipld(), self.quality_adj_power_smoothed.to_ipld()]

    @classmethod
    def from_ipld(cls, raw: Any) -> DeferredCronEventParams:
        """Parse the CBOR tuple."""
        payload, reward, power = fields(raw, 3, "DeferredCronEventParams")
        return cls(
            as_bytes(payload, "DeferredCronEventParams.event_payload"),
            FilterEstimate.from_ipld(reward),
            FilterEstimate.from_ipld(power),
        )


# -- Window PoSt ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PoStPartition(CborTuple):
    """A partition of a deadline being proven, and the sectors skipped that were not declared faulty."""

    index: int
    skipped: BitField = field(default_factory=BitField)

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.index, self.skipped.encode()]

    @classmethod
    def from_ipld(cls, raw: Any) -> PoStPartition:
        """Parse the CBOR tuple."""
        index, skipped = fields(raw, 2, "PoStPartition")
        return cls(as_uint(index, "PoStPartition.index"), as_bitfield(skipped, "PoStPartition.skipped"))


@dataclass(frozen=True, slots=True)
class SubmitWindowedPoStParams(CborTuple):
    """A Window PoSt: the deadline, its partitions, one proof per proof type, and the chain commitment
    (epoch and ticket randomness) that ties it to one fork."""

    deadline: int
    partitions: tuple[PoStPartition, ...]
    proofs: tuple[PoStProof, ...]
    chain_commit_epoch: ChainEpoch
    chain_commit_rand: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            self.deadline,
            [p.to_ipld() for p in self.partitions],
            [p.to_ipld() for p in self.proofs],
            self.chain_commit_epoch,
            self.chain_commit_rand,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> SubmitWindowedPoStParams:
        """Parse the CBOR tuple."""
        what = "SubmitWindowedPoStParams"
        deadline, partitions, proofs, epoch, rand = fields(raw, 5, what)
        return cls(
            as_uint(deadline, f"{what}.deadline"),
            tuple(PoStPartition.from_ipld(p) for p in as_list(partitions, f"{what}.partitions")),
            tuple(PoStProof.from_ipld(p) for p in as_list(proofs, f"{what}.proofs")),
            as_epoch(epoch, f"{what}.chain_commit_epoch"),
            as_bytes(rand, f"{what}.chain_commit_rand"),
        )


@dataclass(frozen=True, slots=True)
class DisputeWindowedPoStParams(CborTuple):
    """The deadline and the index of the optimistically accepted PoSt to dispute."""

    deadline: int
    post_index: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.deadline, self.post_index]

    @classmethod
    def from_ipld(cls, raw: Any) -> DisputeWindowedPoStParams:
        """Parse the CBOR tuple."""
        deadline, index = fields(raw, 2, "DisputeWindowedPoStParams")
        return cls(
            as_uint(deadline, "DisputeWindowedPoStParams.deadline"),
            as_uint(index, "DisputeWindowedPoStParams.post_index"),
        )


# -- pre-commit and prove-commit ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreCommitSectorBatchParams2(CborTuple):
    """The sectors to pre-commit in one message."""

    sectors: tuple[SectorPreCommitInfo, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [[s.to_ipld() for s in self.sectors]]

    @classmethod
    def from_ipld(cls, raw: Any) -> PreCommitSectorBatchParams2:
        """Parse the CBOR tuple."""
        (sectors,) = fields(raw, 1, "PreCommitSectorBatchParams2")
        return cls(
            tuple(
                SectorPreCommitInfo.from_ipld(s)
                for s in as_list(sectors, "PreCommitSectorBatchParams2.sectors")
            )
        )


@dataclass(frozen=True, slots=True)
class VerifiedAllocationKey(CborTuple):
    """A verified allocation to claim: its client's actor ID and the allocation ID."""

    client: ActorID
    id: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.client, self.id]

    @classmethod
    def from_ipld(cls, raw: Any) -> VerifiedAllocationKey:
        """Parse the CBOR tuple."""
        client, alloc = fields(raw, 2, "VerifiedAllocationKey")
        return cls(
            ActorID(as_uint(client, "VerifiedAllocationKey.client")),
            as_uint(alloc, "VerifiedAllocationKey.id"),
        )


@dataclass(frozen=True, slots=True)
class DataActivationNotification(CborTuple):
    """An actor to notify of a piece's activation, and the raw payload to send it."""

    address: Address
    payload: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.address), self.payload]

    @classmethod
    def from_ipld(cls, raw: Any) -> DataActivationNotification:
        """Parse the CBOR tuple."""
        address, payload = fields(raw, 2, "DataActivationNotification")
        return cls(
            as_address(address, "DataActivationNotification.address"),
            as_bytes(payload, "DataActivationNotification.payload"),
        )


@dataclass(frozen=True, slots=True)
class PieceActivationManifest(CborTuple):
    """One piece of a sector: its CommP and padded size, the allocation it claims, who to notify."""

    cid: CID
    size: int
    verified_allocation_key: VerifiedAllocationKey | None = None
    notify: tuple[DataActivationNotification, ...] = ()

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        key = self.verified_allocation_key
        return [
            self.cid,
            self.size,
            None if key is None else key.to_ipld(),
            [n.to_ipld() for n in self.notify],
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> PieceActivationManifest:
        """Parse the CBOR tuple."""
        what = "PieceActivationManifest"
        cid, size, key, notify = fields(raw, 4, what)
        return cls(
            as_cid(cid, f"{what}.cid"),
            as_uint(size, f"{what}.size"),
            None if key is None else VerifiedAllocationKey.from_ipld(key),
            tuple(DataActivationNotification.from_ipld(n) for n in as_list(notify, f"{what}.notify")),
        )


@dataclass(frozen=True, slots=True)
class SectorActivationManifest(CborTuple):
    """A sector to activate and all its pieces in order (the rest of the sector is zeros)."""

    sector_number: int
    pieces: tuple[PieceActivationManifest, ...] = ()

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.sector_number, [p.to_ipld() for p in self.pieces]]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorActivationManifest:
        """Parse the CBOR tuple."""
        number, pieces = fields(raw, 2, "SectorActivationManifest")
        return cls(
            as_uint(number, "SectorActivationManifest.sector_number"),
            tuple(
                PieceActivationManifest.from_ipld(p)
                for p in as_list(pieces, "SectorActivationManifest.pieces")
            ),
        )


@dataclass(frozen=True, slots=True)
class ProveCommitSectors3Params(CborTuple):
    """Sectors to prove with their manifests, and either one proof per sector or one aggregate proof."""

    sector_activations: tuple[SectorActivationManifest, ...]
    sector_proofs: tuple[bytes, ...]
    aggregate_proof: bytes
    aggregate_proof_type: int | None
    require_activation_success: bool
    require_notification_success: bool

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            [a.to_ipld() for a in self.sector_activations],
            list(self.sector_proofs),
            self.aggregate_proof,
            self.aggregate_proof_type,
            self.require_activation_success,
            self.require_notification_success,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> ProveCommitSectors3Params:
        """Parse the CBOR tuple."""
        what = "ProveCommitSectors3Params"
        activations, proofs, aggregate, aggregate_type, require_act, require_notif = fields(raw, 6, what)
        return cls(
            tuple(
                SectorActivationManifest.from_ipld(a)
                for a in as_list(activations, f"{what}.sector_activations")
            ),
            _bytes_list(proofs, f"{what}.sector_proofs"),
            as_bytes(aggregate, f"{what}.aggregate_proof"),
            _opt(aggregate_type, as_int, f"{what}.aggregate_proof_type"),
            as_bool(require_act, f"{what}.require_activation_success"),
            as_bool(require_notif, f"{what}.require_notification_success"),
        )


@dataclass(frozen=True, slots=True)
class ProveCommitSectors3Return(Transparent):
    """Which sector activations succeeded (transparent: a ``BatchReturn``)."""

    activation_results: BatchReturn

    def to_ipld(self) -> Any:
        """The batch return's tuple."""
        return self.activation_results.to_ipld()

    @classmethod
    def from_ipld(cls, raw: Any) -> ProveCommitSectors3Return:
        """Parse the batch return."""
        return cls(BatchReturn.from_ipld(raw))


@dataclass(frozen=True, slots=True)
class SectorUpdateManifest(CborTuple):
    """One sector of a replica update: its location, new CommR and pieces (ProveReplicaUpdates3)."""

    sector: int
    deadline: int
    partition: int
    new_sealed_cid: CID
    pieces: tuple[PieceActivationManifest, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            self.sector,
            self.deadline,
            self.partition,
            self.new_sealed_cid,
            [p.to_ipld() for p in self.pieces],
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorUpdateManifest:
        """Parse the CBOR tuple."""
        what = "SectorUpdateManifest"
        sector, deadline, partition, sealed, pieces = fields(raw, 5, what)
        return cls(
            as_uint(sector, f"{what}.sector"),
            as_uint(deadline, f"{what}.deadline"),
            as_uint(partition, f"{what}.partition"),
            as_cid(sealed, f"{what}.new_sealed_cid"),
            tuple(PieceActivationManifest.from_ipld(p) for p in as_list(pieces, f"{what}.pieces")),
        )


@dataclass(frozen=True, slots=True)
class ProveReplicaUpdates3Params(CborTuple):
    """Replica updates with their proofs (builtin-actors' wire form; filnet does not implement the method)."""

    sector_updates: tuple[SectorUpdateManifest, ...]
    sector_proofs: tuple[bytes, ...]
    aggregate_proof: bytes
    update_proofs_type: int
    aggregate_proof_type: int | None
    require_activation_success: bool
    require_notification_success: bool

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            [u.to_ipld() for u in self.sector_updates],
            list(self.sector_proofs),
            self.aggregate_proof,
            self.update_proofs_type,
            self.aggregate_proof_type,
            self.require_activation_success,
            self.require_notification_success,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> ProveReplicaUpdates3Params:
        """Parse the CBOR tuple."""
        what = "ProveReplicaUpdates3Params"
        updates, proofs, aggregate, update_type, aggregate_type, require_act, require_notif = fields(
            raw, 7, what
        )
        return cls(
            tuple(SectorUpdateManifest.from_ipld(u) for u in as_list(updates, f"{what}.sector_updates")),
            _bytes_list(proofs, f"{what}.sector_proofs"),
            as_bytes(aggregate, f"{what}.aggregate_proof"),
            as_int(update_type, f"{what}.update_proofs_type"),
            _opt(aggregate_type, as_int, f"{what}.aggregate_proof_type"),
            as_bool(require_act, f"{what}.require_activation_success"),
            as_bool(require_notif, f"{what}.require_notification_success"),
        )


@dataclass(frozen=True, slots=True)
class ProveReplicaUpdates3Return(Transparent):
    """Which replica updates succeeded (transparent: a ``BatchReturn``)."""

    activation_results: BatchReturn

    def to_ipld(self) -> Any:
        """The batch return's tuple."""
        return self.activation_results.to_ipld()

    @classmethod
    def from_ipld(cls, raw: Any) -> ProveReplicaUpdates3Return:
        """Parse the batch return."""
        return cls(BatchReturn.from_ipld(raw))


@dataclass(frozen=True, slots=True)
class SectorNIActivationInfo(CborTuple):
    """One sector of a non-interactive PoRep commitment (ProveCommitSectorsNI)."""

    sealing_number: int
    sealer_id: ActorID
    sealed_cid: CID
    sector_number: int
    seal_rand_epoch: ChainEpoch
    expiration: ChainEpoch

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            self.sealing_number,
            self.sealer_id,
            self.sealed_cid,
            self.sector_number,
            self.seal_rand_epoch,
            self.expiration,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorNIActivationInfo:
        """Parse the CBOR tuple."""
        what = "SectorNIActivationInfo"
        sealing, sealer, sealed, number, rand_epoch, expiration = fields(raw, 6, what)
        return cls(
            as_uint(sealing, f"{what}.sealing_number"),
            ActorID(as_uint(sealer, f"{what}.sealer_id")),
            as_cid(sealed, f"{what}.sealed_cid"),
            as_uint(number, f"{what}.sector_number"),
            as_epoch(rand_epoch, f"{what}.seal_rand_epoch"),
            as_epoch(expiration, f"{what}.expiration"),
        )


@dataclass(frozen=True, slots=True)
class ProveCommitSectorsNIParams(CborTuple):
    """A non-interactive PoRep batch (builtin-actors' wire form; filnet does not implement the method)."""

    sectors: tuple[SectorNIActivationInfo, ...]
    aggregate_proof: bytes
    seal_proof_type: int
    aggregate_proof_type: int
    proving_deadline: int
    require_activation_success: bool

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            [s.to_ipld() for s in self.sectors],
            self.aggregate_proof,
            self.seal_proof_type,
            self.aggregate_proof_type,
            self.proving_deadline,
            self.require_activation_success,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> ProveCommitSectorsNIParams:
        """Parse the CBOR tuple."""
        what = "ProveCommitSectorsNIParams"
        sectors, proof, seal_type, aggregate_type, deadline, require = fields(raw, 6, what)
        return cls(
            tuple(SectorNIActivationInfo.from_ipld(s) for s in as_list(sectors, f"{what}.sectors")),
            as_bytes(proof, f"{what}.aggregate_proof"),
            as_int(seal_type, f"{what}.seal_proof_type"),
            as_int(aggregate_type, f"{what}.aggregate_proof_type"),
            as_uint(deadline, f"{what}.proving_deadline"),
            as_bool(require, f"{what}.require_activation_success"),
        )


@dataclass(frozen=True, slots=True)
class ProveCommitSectorsNIReturn(Transparent):
    """Which NI-PoRep activations succeeded (transparent: a ``BatchReturn``)."""

    activation_results: BatchReturn

    def to_ipld(self) -> Any:
        """The batch return's tuple."""
        return self.activation_results.to_ipld()

    @classmethod
    def from_ipld(cls, raw: Any) -> ProveCommitSectorsNIReturn:
        """Parse the batch return."""
        return cls(BatchReturn.from_ipld(raw))


@dataclass(frozen=True, slots=True)
class CheckSectorProvenParams(CborTuple):
    """The sector whose proof to check."""

    sector_number: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.sector_number]

    @classmethod
    def from_ipld(cls, raw: Any) -> CheckSectorProvenParams:
        """Parse the CBOR tuple."""
        (number,) = fields(raw, 1, "CheckSectorProvenParams")
        return cls(as_uint(number, "CheckSectorProvenParams.sector_number"))


# -- extension, termination, faults, compaction ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SectorClaim(CborTuple):
    """A sector with verified claims: the claims kept through the extension and those dropped."""

    sector_number: int
    maintain_claims: tuple[int, ...]
    drop_claims: tuple[int, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.sector_number, list(self.maintain_claims), list(self.drop_claims)]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorClaim:
        """Parse the CBOR tuple."""
        number, maintain, drop = fields(raw, 3, "SectorClaim")
        return cls(
            as_uint(number, "SectorClaim.sector_number"),
            tuple(as_uint(c, "SectorClaim.maintain_claims") for c in as_list(maintain, "SectorClaim")),
            tuple(as_uint(c, "SectorClaim.drop_claims") for c in as_list(drop, "SectorClaim")),
        )


@dataclass(frozen=True, slots=True)
class ExpirationExtension2(CborTuple):
    """Sectors of one partition to extend to ``new_expiration``: those without claims, and those with."""

    deadline: int
    partition: int
    sectors: BitField
    sectors_with_claims: tuple[SectorClaim, ...]
    new_expiration: ChainEpoch

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            self.deadline,
            self.partition,
            self.sectors.encode(),
            [s.to_ipld() for s in self.sectors_with_claims],
            self.new_expiration,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> ExpirationExtension2:
        """Parse the CBOR tuple."""
        what = "ExpirationExtension2"
        deadline, partition, sectors, claims, expiration = fields(raw, 5, what)
        return cls(
            as_uint(deadline, f"{what}.deadline"),
            as_uint(partition, f"{what}.partition"),
            as_bitfield(sectors, f"{what}.sectors"),
            tuple(SectorClaim.from_ipld(c) for c in as_list(claims, f"{what}.sectors_with_claims")),
            as_epoch(expiration, f"{what}.new_expiration"),
        )


@dataclass(frozen=True, slots=True)
class ExtendSectorExpiration2Params(CborTuple):
    """The extensions to make, partition by partition."""

    extensions: tuple[ExpirationExtension2, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [[e.to_ipld() for e in self.extensions]]

    @classmethod
    def from_ipld(cls, raw: Any) -> ExtendSectorExpiration2Params:
        """Parse the CBOR tuple."""
        (extensions,) = fields(raw, 1, "ExtendSectorExpiration2Params")
        return cls(
            tuple(
                ExpirationExtension2.from_ipld(e)
                for e in as_list(extensions, "ExtendSectorExpiration2Params.extensions")
            )
        )


@dataclass(frozen=True, slots=True)
class _PartitionSectors(CborTuple):
    """Base of the ``{deadline, partition, sectors}`` declarations."""

    deadline: int
    partition: int
    sectors: BitField

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.deadline, self.partition, self.sectors.encode()]

    @classmethod
    def from_ipld(cls, raw: Any) -> Self:
        """Parse the CBOR tuple."""
        what = cls.__name__
        deadline, partition, sectors = fields(raw, 3, what)
        return cls(
            as_uint(deadline, f"{what}.deadline"),
            as_uint(partition, f"{what}.partition"),
            as_bitfield(sectors, f"{what}.sectors"),
        )


@dataclass(frozen=True, slots=True)
class TerminationDeclaration(_PartitionSectors):
    """Sectors of one partition to terminate early."""


@dataclass(frozen=True, slots=True)
class FaultDeclaration(_PartitionSectors):
    """Sectors of one partition declared faulty."""


@dataclass(frozen=True, slots=True)
class RecoveryDeclaration(_PartitionSectors):
    """Faulty sectors of one partition declared recovered."""


@dataclass(frozen=True, slots=True)
class TerminateSectorsParams(CborTuple):
    """The sectors to terminate, partition by partition."""

    terminations: tuple[TerminationDeclaration, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [[t.to_ipld() for t in self.terminations]]

    @classmethod
    def from_ipld(cls, raw: Any) -> TerminateSectorsParams:
        """Parse the CBOR tuple."""
        (terminations,) = fields(raw, 1, "TerminateSectorsParams")
        return cls(
            tuple(
                TerminationDeclaration.from_ipld(t)
                for t in as_list(terminations, "TerminateSectorsParams.terminations")
            )
        )


@dataclass(frozen=True, slots=True)
class TerminateSectorsReturn(CborTuple):
    """Whether all pending early-termination work is done (if not, call again to finish it)."""

    done: bool

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.done]

    @classmethod
    def from_ipld(cls, raw: Any) -> TerminateSectorsReturn:
        """Parse the CBOR tuple."""
        (done,) = fields(raw, 1, "TerminateSectorsReturn")
        return cls(as_bool(done, "TerminateSectorsReturn.done"))


@dataclass(frozen=True, slots=True)
class DeclareFaultsParams(CborTuple):
    """The sectors declared faulty, partition by partition."""

    faults: tuple[FaultDeclaration, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [[f.to_ipld() for f in self.faults]]

    @classmethod
    def from_ipld(cls, raw: Any) -> DeclareFaultsParams:
        """Parse the CBOR tuple."""
        (faults,) = fields(raw, 1, "DeclareFaultsParams")
        return cls(
            tuple(FaultDeclaration.from_ipld(f) for f in as_list(faults, "DeclareFaultsParams.faults"))
        )


@dataclass(frozen=True, slots=True)
class DeclareFaultsRecoveredParams(CborTuple):
    """The faulty sectors declared recovered, partition by partition."""

    recoveries: tuple[RecoveryDeclaration, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [[r.to_ipld() for r in self.recoveries]]

    @classmethod
    def from_ipld(cls, raw: Any) -> DeclareFaultsRecoveredParams:
        """Parse the CBOR tuple."""
        (recoveries,) = fields(raw, 1, "DeclareFaultsRecoveredParams")
        return cls(
            tuple(
                RecoveryDeclaration.from_ipld(r)
                for r in as_list(recoveries, "DeclareFaultsRecoveredParams.recoveries")
            )
        )


@dataclass(frozen=True, slots=True)
class CompactPartitionsParams(CborTuple):
    """A deadline and the partitions of it to compact."""

    deadline: int
    partitions: BitField

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.deadline, self.partitions.encode()]

    @classmethod
    def from_ipld(cls, raw: Any) -> CompactPartitionsParams:
        """Parse the CBOR tuple."""
        deadline, partitions = fields(raw, 2, "CompactPartitionsParams")
        return cls(
            as_uint(deadline, "CompactPartitionsParams.deadline"),
            as_bitfield(partitions, "CompactPartitionsParams.partitions"),
        )


@dataclass(frozen=True, slots=True)
class CompactSectorNumbersParams(CborTuple):
    """Sector numbers to mark as allocated, so that they can never be used."""

    mask_sector_numbers: BitField

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.mask_sector_numbers.encode()]

    @classmethod
    def from_ipld(cls, raw: Any) -> CompactSectorNumbersParams:
        """Parse the CBOR tuple."""
        (mask,) = fields(raw, 1, "CompactSectorNumbersParams")
        return cls(as_bitfield(mask, "CompactSectorNumbersParams.mask_sector_numbers"))


# -- funds --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportConsensusFaultParams(CborTuple):
    """The two block headers (and an optional extra one) that prove a consensus fault."""

    header1: bytes
    header2: bytes
    header_extra: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.header1, self.header2, self.header_extra]

    @classmethod
    def from_ipld(cls, raw: Any) -> ReportConsensusFaultParams:
        """Parse the CBOR tuple."""
        h1, h2, extra = fields(raw, 3, "ReportConsensusFaultParams")
        return cls(
            as_bytes(h1, "ReportConsensusFaultParams.header1"),
            as_bytes(h2, "ReportConsensusFaultParams.header2"),
            as_bytes(extra, "ReportConsensusFaultParams.header_extra"),
        )


@dataclass(frozen=True, slots=True)
class WithdrawBalanceParams(CborTuple):
    """How much available balance to withdraw (at most what is available)."""

    amount_requested: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.amount_requested.to_bytes()]

    @classmethod
    def from_ipld(cls, raw: Any) -> WithdrawBalanceParams:
        """Parse the CBOR tuple."""
        (amount,) = fields(raw, 1, "WithdrawBalanceParams")
        return cls(as_token(amount, "WithdrawBalanceParams.amount_requested"))


@dataclass(frozen=True, slots=True)
class WithdrawBalanceReturn(Transparent):
    """What was withdrawn (transparent: a token amount)."""

    amount_withdrawn: TokenAmount

    def to_ipld(self) -> Any:
        """The amount's bytes."""
        return self.amount_withdrawn.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> WithdrawBalanceReturn:
        """Parse the amount."""
        return cls(as_token(raw, "WithdrawBalanceReturn.amount_withdrawn"))


@dataclass(frozen=True, slots=True)
class ApplyRewardParams(CborTuple):
    """A block reward paid to the miner and the penalty to take from it."""

    reward: TokenAmount
    penalty: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.reward.to_bytes(), self.penalty.to_bytes()]

    @classmethod
    def from_ipld(cls, raw: Any) -> ApplyRewardParams:
        """Parse the CBOR tuple."""
        reward, penalty = fields(raw, 2, "ApplyRewardParams")
        return cls(
            as_token(reward, "ApplyRewardParams.reward"), as_token(penalty, "ApplyRewardParams.penalty")
        )


@dataclass(frozen=True, slots=True)
class ChangeBeneficiaryParams(CborTuple):
    """A proposed (or approving) beneficiary, its quota and the term's expiration."""

    new_beneficiary: Address
    new_quota: TokenAmount
    new_expiration: ChainEpoch

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.new_beneficiary), self.new_quota.to_bytes(), self.new_expiration]

    @classmethod
    def from_ipld(cls, raw: Any) -> ChangeBeneficiaryParams:
        """Parse the CBOR tuple."""
        beneficiary, quota, expiration = fields(raw, 3, "ChangeBeneficiaryParams")
        return cls(
            as_address(beneficiary, "ChangeBeneficiaryParams.new_beneficiary"),
            as_token(quota, "ChangeBeneficiaryParams.new_quota"),
            as_epoch(expiration, "ChangeBeneficiaryParams.new_expiration"),
        )


@dataclass(frozen=True, slots=True)
class ActiveBeneficiary(CborTuple):
    """The current beneficiary and its term."""

    beneficiary: Address
    term: BeneficiaryTerm

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.beneficiary), self.term.to_ipld()]

    @classmethod
    def from_ipld(cls, raw: Any) -> ActiveBeneficiary:
        """Parse the CBOR tuple."""
        beneficiary, term = fields(raw, 2, "ActiveBeneficiary")
        return cls(as_address(beneficiary, "ActiveBeneficiary.beneficiary"), BeneficiaryTerm.from_ipld(term))


@dataclass(frozen=True, slots=True)
class GetBeneficiaryReturn(CborTuple):
    """The active beneficiary and the change proposed, if any."""

    active: ActiveBeneficiary
    proposed: PendingBeneficiaryChange | None

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.active.to_ipld(), None if self.proposed is None else self.proposed.to_ipld()]

    @classmethod
    def from_ipld(cls, raw: Any) -> GetBeneficiaryReturn:
        """Parse the CBOR tuple."""
        active, proposed = fields(raw, 2, "GetBeneficiaryReturn")
        return cls(
            ActiveBeneficiary.from_ipld(active),
            None if proposed is None else PendingBeneficiaryChange.from_ipld(proposed),
        )


# -- exported getters ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GetOwnerReturn(CborTuple):
    """The owner and the proposed new owner, if any."""

    owner: Address
    proposed: Address | None

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.owner), None if self.proposed is None else bytes(self.proposed)]

    @classmethod
    def from_ipld(cls, raw: Any) -> GetOwnerReturn:
        """Parse the CBOR tuple."""
        owner, proposed = fields(raw, 2, "GetOwnerReturn")
        return cls(
            as_address(owner, "GetOwnerReturn.owner"), _opt(proposed, as_address, "GetOwnerReturn.proposed")
        )


@dataclass(frozen=True, slots=True)
class IsControllingAddressParam(Transparent):
    """The address to check (transparent: an address)."""

    address: Address

    def to_ipld(self) -> Any:
        """The address bytes."""
        return bytes(self.address)

    @classmethod
    def from_ipld(cls, raw: Any) -> IsControllingAddressParam:
        """Parse the address."""
        return cls(as_address(raw, "IsControllingAddressParam.address"))


@dataclass(frozen=True, slots=True)
class IsControllingAddressReturn(Transparent):
    """Whether the address is the owner, worker or a control address (transparent: a bool)."""

    is_controlling: bool

    def to_ipld(self) -> Any:
        """The bool."""
        return self.is_controlling

    @classmethod
    def from_ipld(cls, raw: Any) -> IsControllingAddressReturn:
        """Parse the bool."""
        return cls(as_bool(raw, "IsControllingAddressReturn.is_controlling"))


@dataclass(frozen=True, slots=True)
class GetSectorSizeReturn(Transparent):
    """The miner's sector size in bytes (transparent: an integer)."""

    sector_size: int

    def to_ipld(self) -> Any:
        """The integer."""
        return self.sector_size

    @classmethod
    def from_ipld(cls, raw: Any) -> GetSectorSizeReturn:
        """Parse the integer."""
        return cls(as_uint(raw, "GetSectorSizeReturn.sector_size"))


@dataclass(frozen=True, slots=True)
class GetAvailableBalanceReturn(Transparent):
    """The balance neither locked nor owed (transparent: a token amount)."""

    available_balance: TokenAmount

    def to_ipld(self) -> Any:
        """The amount's bytes."""
        return self.available_balance.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> GetAvailableBalanceReturn:
        """Parse the amount."""
        return cls(as_token(raw, "GetAvailableBalanceReturn.available_balance"))


@dataclass(frozen=True, slots=True)
class GetVestingFundsReturn(CborTuple):
    """The vesting schedule: ``(epoch, amount)`` pairs."""

    vesting_funds: tuple[tuple[ChainEpoch, TokenAmount], ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [[[epoch, amount.to_bytes()] for epoch, amount in self.vesting_funds]]

    @classmethod
    def from_ipld(cls, raw: Any) -> GetVestingFundsReturn:
        """Parse the CBOR tuple."""
        (funds,) = fields(raw, 1, "GetVestingFundsReturn")
        pairs: list[tuple[ChainEpoch, TokenAmount]] = []
        for entry in as_list(funds, "GetVestingFundsReturn.vesting_funds"):
            epoch, amount = fields(entry, 2, "GetVestingFundsReturn.vesting_funds")
            pairs.append(
                (
                    as_epoch(epoch, "GetVestingFundsReturn.epoch"),
                    as_token(amount, "GetVestingFundsReturn.amount"),
                )
            )
        return cls(tuple(pairs))


@dataclass(frozen=True, slots=True)
class GetPeerIDReturn(CborTuple):
    """The miner's libp2p peer ID."""

    peer_id: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.peer_id]

    @classmethod
    def from_ipld(cls, raw: Any) -> GetPeerIDReturn:
        """Parse the CBOR tuple."""
        (peer,) = fields(raw, 1, "GetPeerIDReturn")
        return cls(as_bytes(peer, "GetPeerIDReturn.peer_id"))


@dataclass(frozen=True, slots=True)
class GetMultiaddrsReturn(CborTuple):
    """The miner's multiaddrs."""

    multi_addrs: tuple[bytes, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [list(self.multi_addrs)]

    @classmethod
    def from_ipld(cls, raw: Any) -> GetMultiaddrsReturn:
        """Parse the CBOR tuple."""
        (addrs,) = fields(raw, 1, "GetMultiaddrsReturn")
        return cls(_bytes_list(addrs, "GetMultiaddrsReturn.multi_addrs"))


@dataclass(frozen=True, slots=True)
class MaxTerminationFeeParams(CborTuple):
    """A sector's quality-adjusted power and initial pledge, to price its largest termination fee."""

    power: int
    initial_pledge: TokenAmount

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bigint(self.power), self.initial_pledge.to_bytes()]

    @classmethod
    def from_ipld(cls, raw: Any) -> MaxTerminationFeeParams:
        """Parse the CBOR tuple."""
        power, pledge = fields(raw, 2, "MaxTerminationFeeParams")
        return cls(
            as_bigint(power, "MaxTerminationFeeParams.power"),
            as_token(pledge, "MaxTerminationFeeParams.initial_pledge"),
        )


@dataclass(frozen=True, slots=True)
class MaxTerminationFeeReturn(Transparent):
    """The largest termination fee (transparent: a token amount)."""

    max_fee: TokenAmount

    def to_ipld(self) -> Any:
        """The amount's bytes."""
        return self.max_fee.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> MaxTerminationFeeReturn:
        """Parse the amount."""
        return cls(as_token(raw, "MaxTerminationFeeReturn.max_fee"))


@dataclass(frozen=True, slots=True)
class InitialPledgeReturn(Transparent):
    """The miner's total initial pledge (transparent: a token amount)."""

    initial_pledge: TokenAmount

    def to_ipld(self) -> Any:
        """The amount's bytes."""
        return self.initial_pledge.to_bytes()

    @classmethod
    def from_ipld(cls, raw: Any) -> InitialPledgeReturn:
        """Parse the amount."""
        return cls(as_token(raw, "InitialPledgeReturn.initial_pledge"))


class SectorStatusCode(IntEnum):
    """A sector's status as ``GenerateSectorLocation`` reports it (a u8 on the wire)."""

    DEAD = 0
    ACTIVE = 1
    FAULTY = 2


def as_status_code(raw: Any, what: str) -> SectorStatusCode:
    """A ``SectorStatusCode`` field."""
    value = as_uint(raw, what)
    try:
        return SectorStatusCode(value)
    except ValueError:
        raise DecodeError(f"{what}: unknown sector status {value}") from None


@dataclass(frozen=True, slots=True)
class SectorLocation(CborTuple):
    """Where a sector lives: deadline and partition indices, or ``NO_DEADLINE``/``NO_PARTITION``."""

    deadline: int
    partition: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.deadline, self.partition]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorLocation:
        """Parse the CBOR tuple."""
        deadline, partition = fields(raw, 2, "SectorLocation")
        return cls(as_int(deadline, "SectorLocation.deadline"), as_int(partition, "SectorLocation.partition"))


@dataclass(frozen=True, slots=True)
class GenerateSectorLocationParams(CborTuple):
    """The sector to locate."""

    sector_number: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.sector_number]

    @classmethod
    def from_ipld(cls, raw: Any) -> GenerateSectorLocationParams:
        """Parse the CBOR tuple."""
        (number,) = fields(raw, 1, "GenerateSectorLocationParams")
        return cls(as_uint(number, "GenerateSectorLocationParams.sector_number"))


@dataclass(frozen=True, slots=True)
class GenerateSectorLocationReturn(CborTuple):
    """A sector's status and its CBOR-encoded :class:`SectorLocation` (empty when dead)."""

    status: SectorStatusCode
    aux_data: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [int(self.status), self.aux_data]

    @classmethod
    def from_ipld(cls, raw: Any) -> GenerateSectorLocationReturn:
        """Parse the CBOR tuple."""
        status, aux = fields(raw, 2, "GenerateSectorLocationReturn")
        return cls(
            as_status_code(status, "GenerateSectorLocationReturn.status"),
            as_bytes(aux, "GenerateSectorLocationReturn.aux_data"),
        )


@dataclass(frozen=True, slots=True)
class ValidateSectorStatusParams(CborTuple):
    """A sector, the status claimed for it and the location data ``GenerateSectorLocation`` gave."""

    sector_number: int
    status: SectorStatusCode
    aux_data: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.sector_number, int(self.status), self.aux_data]

    @classmethod
    def from_ipld(cls, raw: Any) -> ValidateSectorStatusParams:
        """Parse the CBOR tuple."""
        number, status, aux = fields(raw, 3, "ValidateSectorStatusParams")
        return cls(
            as_uint(number, "ValidateSectorStatusParams.sector_number"),
            as_status_code(status, "ValidateSectorStatusParams.status"),
            as_bytes(aux, "ValidateSectorStatusParams.aux_data"),
        )


@dataclass(frozen=True, slots=True)
class ValidateSectorStatusReturn(Transparent):
    """Whether the claimed status holds (transparent: a bool)."""

    valid: bool

    def to_ipld(self) -> Any:
        """The bool."""
        return self.valid

    @classmethod
    def from_ipld(cls, raw: Any) -> ValidateSectorStatusReturn:
        """Parse the bool."""
        return cls(as_bool(raw, "ValidateSectorStatusReturn.valid"))


@dataclass(frozen=True, slots=True)
class GetNominalSectorExpirationReturn(Transparent):
    """A sector's scheduled expiration (transparent: an epoch)."""

    expiration: ChainEpoch

    def to_ipld(self) -> Any:
        """The epoch."""
        return self.expiration

    @classmethod
    def from_ipld(cls, raw: Any) -> GetNominalSectorExpirationReturn:
        """Parse the epoch."""
        return cls(as_epoch(raw, "GetNominalSectorExpirationReturn.expiration"))


# -- FIP-0076 sector content notifications ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PieceChange(CborTuple):
    """A piece committed to a sector, with a receiver-specific payload (the market's: a deal ID)."""

    data: CID
    size: int
    payload: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.data, self.size, self.payload]

    @classmethod
    def from_ipld(cls, raw: Any) -> PieceChange:
        """Parse the CBOR tuple."""
        data, size, payload = fields(raw, 3, "PieceChange")
        return cls(
            as_cid(data, "PieceChange.data"),
            as_uint(size, "PieceChange.size"),
            as_bytes(payload, "PieceChange.payload"),
        )


@dataclass(frozen=True, slots=True)
class SectorChanges(CborTuple):
    """Pieces added to one sector, and the epoch until which the data is committed at least."""

    sector: int
    minimum_commitment_epoch: ChainEpoch
    added: tuple[PieceChange, ...]

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.sector, self.minimum_commitment_epoch, [p.to_ipld() for p in self.added]]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorChanges:
        """Parse the CBOR tuple."""
        sector, epoch, added = fields(raw, 3, "SectorChanges")
        return cls(
            as_uint(sector, "SectorChanges.sector"),
            as_epoch(epoch, "SectorChanges.minimum_commitment_epoch"),
            tuple(PieceChange.from_ipld(p) for p in as_list(added, "SectorChanges.added")),
        )


@dataclass(frozen=True, slots=True)
class SectorContentChangedParams(Transparent):
    """The sectors whose content changed (transparent: a list of :class:`SectorChanges`)."""

    sectors: tuple[SectorChanges, ...]

    def to_ipld(self) -> Any:
        """The list."""
        return [s.to_ipld() for s in self.sectors]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorContentChangedParams:
        """Parse the list."""
        return cls(
            tuple(SectorChanges.from_ipld(s) for s in as_list(raw, "SectorContentChangedParams.sectors"))
        )


@dataclass(frozen=True, slots=True)
class PieceReturn(Transparent):
    """Whether the receiver accepted one piece (transparent: a bool)."""

    accepted: bool

    def to_ipld(self) -> Any:
        """The bool."""
        return self.accepted

    @classmethod
    def from_ipld(cls, raw: Any) -> PieceReturn:
        """Parse the bool."""
        return cls(as_bool(raw, "PieceReturn.accepted"))


@dataclass(frozen=True, slots=True)
class SectorReturn(Transparent):
    """One result per piece of a notified sector (transparent: a list of :class:`PieceReturn`)."""

    added: tuple[PieceReturn, ...]

    def to_ipld(self) -> Any:
        """The list."""
        return [p.to_ipld() for p in self.added]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorReturn:
        """Parse the list."""
        return cls(tuple(PieceReturn.from_ipld(p) for p in as_list(raw, "SectorReturn.added")))


@dataclass(frozen=True, slots=True)
class SectorContentChangedReturn(Transparent):
    """One result per notified sector, in order (transparent: a list of :class:`SectorReturn`)."""

    sectors: tuple[SectorReturn, ...]

    def to_ipld(self) -> Any:
        """The list."""
        return [s.to_ipld() for s in self.sectors]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorContentChangedReturn:
        """Parse the list."""
        return cls(
            tuple(SectorReturn.from_ipld(s) for s in as_list(raw, "SectorContentChangedReturn.sectors"))
        )
