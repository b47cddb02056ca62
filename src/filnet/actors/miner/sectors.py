"""Sector records and the sectors AMT of a miner (builtin-actors ``sectors.rs``, ``commd.rs`` and the sector
types of ``types.rs``).

The sectors AMT (bit width 5, :data:`SECTORS_AMT_BITWIDTH`) maps a sector number to its
:class:`SectorOnChainInfo`; pre-commits live in a HAMT keyed by the sector number's uvarint (``state.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from filnet.actors.encoding import (
    CborTuple,
    as_bigint,
    as_cid,
    as_int,
    as_list,
    as_uint,
    bigint,
    fields,
)
from filnet.actors.miner.bitfield_queue import illegal_state, load_amt, state_context
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import DecodeError
from filnet.ipld import codecs, multihash
from filnet.ipld.amt import Amt
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.proofs.pieces import zero_commitment
from filnet.proofs.registry import SECTOR_SIZES
from filnet.vm.exit_codes import ActorError, ExitCode

SECTORS_AMT_BITWIDTH: Final = 5
_EPOCH_ZERO: Final = ChainEpoch(0)
#: Largest sector number a miner may use (builtin-actors ``MAX_SECTOR_NUMBER``, ``i64::MAX``).
MAX_SECTOR_NUMBER: Final = (1 << 63) - 1
#: ``SectorOnChainInfoFlags::SIMPLE_QA_POWER``: the sector's QA power follows FIP-0045.
SIMPLE_QA_POWER: Final = 0x1
#: Registered seal proof ids (go-state-types abi): V1 0-4, V1_1 5-9, Synthetic PoRep 10-14, NI-PoRep 15-19,
#: each group in the order 2KiB, 8MiB, 512MiB, 32GiB, 64GiB.
_SEAL_PROOF_IDS: Final = range(20)


def _opt_token(raw: Any, what: str) -> TokenAmount | None:
    return None if raw is None else TokenAmount(as_bigint(raw, what))


def _opt_token_ipld(value: TokenAmount | None) -> bytes | None:
    return None if value is None else value.to_bytes()


def _opt_cid(raw: Any, what: str) -> CID | None:
    return None if raw is None else as_cid(raw, what)


def _cid_json(cid: CID | None) -> dict[str, str] | None:
    return None if cid is None else {"/": str(cid)}


def _opt_token_json(value: TokenAmount | None) -> str | None:
    return None if value is None else str(value.atto)


def is_unsealed_sector(c: CID) -> bool:
    """Whether ``c`` has the form of a CommD (builtin-actors ``is_unsealed_sector``)."""
    return (
        c.version == 1
        and c.codec == codecs.FIL_COMMITMENT_UNSEALED
        and c.hash_code == multihash.SHA2_256_TRUNC254_PADDED
        and len(c.digest) == 32
    )


def zero_commd(seal_proof: int) -> CID:
    """CommD of a sector of zeros for ``seal_proof``'s size; USR_ILLEGAL_ARGUMENT for an unknown proof."""
    if seal_proof not in _SEAL_PROOF_IDS:
        raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "unknown SealProof")
    digest = zero_commitment(SECTOR_SIZES[seal_proof % 5])
    return CID.v1(codecs.FIL_COMMITMENT_UNSEALED, multihash.SHA2_256_TRUNC254_PADDED, digest)


@dataclass(frozen=True, slots=True)
class CompactCommD:
    """A CommD where None stands for the sector of zeros (serde-transparent ``Option<Cid>``)."""

    cid: CID | None = None

    @classmethod
    def new(cls, commd: CID | None) -> CompactCommD:
        """Wrap an optional CID."""
        return cls(commd)

    @classmethod
    def empty(cls) -> CompactCommD:
        """The zero-data CommD."""
        return cls(None)

    @classmethod
    def of(cls, c: CID) -> CompactCommD:
        """A CommD of some data."""
        return cls(c)

    def is_zero(self) -> bool:
        """Whether this stands for zero data."""
        return self.cid is None

    def get_cid(self, seal_proof: int) -> CID:
        """The full CommD: the CID, or the zero CommD of the proof's sector size."""
        return self.cid if self.cid is not None else zero_commd(seal_proof)

    def unwrap_nonzero_cid(self) -> CID:
        """The CID; USR_ASSERTION_FAILED when this is the zero CommD (Rust panics)."""
        if self.cid is None:
            raise ActorError(ExitCode.USR_ASSERTION_FAILED, "zero commd")
        return self.cid

    def to_ipld(self) -> CID | None:
        """A link or null."""
        return self.cid

    @classmethod
    def from_ipld(cls, raw: Any) -> CompactCommD:
        """Parse a link or null."""
        return cls(_opt_cid(raw, "CompactCommD"))


@dataclass(frozen=True, slots=True)
class SectorPreCommitInfo(CborTuple):
    """What a miner pre-commits for a sector: proof type, number, CommR, seal randomness epoch, deals,
    expiration and CommD."""

    seal_proof: int
    sector_number: int
    sealed_cid: CID
    seal_rand_epoch: ChainEpoch
    deal_ids: tuple[int, ...]
    expiration: ChainEpoch
    unsealed_cid: CompactCommD = field(default_factory=CompactCommD)

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            self.seal_proof,
            self.sector_number,
            self.sealed_cid,
            self.seal_rand_epoch,
            list(self.deal_ids),
            self.expiration,
            self.unsealed_cid.to_ipld(),
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorPreCommitInfo:
        """Parse the CBOR tuple."""
        f = fields(raw, 7, "SectorPreCommitInfo")
        return cls(
            seal_proof=as_int(f[0], "SectorPreCommitInfo.seal_proof"),
            sector_number=as_uint(f[1], "SectorPreCommitInfo.sector_number"),
            sealed_cid=as_cid(f[2], "SectorPreCommitInfo.sealed_cid"),
            seal_rand_epoch=ChainEpoch(as_int(f[3], "SectorPreCommitInfo.seal_rand_epoch")),
            deal_ids=tuple(
                as_uint(d, "SectorPreCommitInfo.deal_ids") for d in as_list(f[4], "SectorPreCommitInfo")
            ),
            expiration=ChainEpoch(as_int(f[5], "SectorPreCommitInfo.expiration")),
            unsealed_cid=CompactCommD.from_ipld(f[6]),
        )

    def to_json(self) -> dict[str, Any]:
        """go-state-types JSON."""
        return {
            "SealProof": self.seal_proof,
            "SectorNumber": self.sector_number,
            "SealedCID": _cid_json(self.sealed_cid),
            "SealRandEpoch": self.seal_rand_epoch,
            "DealIDs": list(self.deal_ids),
            "Expiration": self.expiration,
            "UnsealedCid": _cid_json(self.unsealed_cid.cid),
        }


@dataclass(frozen=True, slots=True)
class SectorPreCommitOnChainInfo(CborTuple):
    """A pre-commit as stored: the info, the deposit it locked and the epoch it landed."""

    info: SectorPreCommitInfo
    pre_commit_deposit: TokenAmount
    pre_commit_epoch: ChainEpoch

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.info.to_ipld(), self.pre_commit_deposit.to_bytes(), self.pre_commit_epoch]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorPreCommitOnChainInfo:
        """Parse the CBOR tuple."""
        info, deposit, epoch = fields(raw, 3, "SectorPreCommitOnChainInfo")
        return cls(
            SectorPreCommitInfo.from_ipld(info),
            TokenAmount(as_bigint(deposit, "SectorPreCommitOnChainInfo.pre_commit_deposit")),
            ChainEpoch(as_int(epoch, "SectorPreCommitOnChainInfo.pre_commit_epoch")),
        )

    def to_json(self) -> dict[str, Any]:
        """go-state-types JSON."""
        return {
            "Info": self.info.to_json(),
            "PreCommitDeposit": str(self.pre_commit_deposit.atto),
            "PreCommitEpoch": self.pre_commit_epoch,
        }


@dataclass(frozen=True, slots=True)
class SectorOnChainInfo(CborTuple):
    """A proven sector as stored in the sectors AMT.

    ``daily_fee`` (FIP-0100) is the 16th field; sectors written before FIP-0100 have 15 and read as a zero
    fee. It is always written.
    """

    sector_number: int
    seal_proof: int
    sealed_cid: CID
    deprecated_deal_ids: tuple[int, ...] = ()
    activation: ChainEpoch = _EPOCH_ZERO
    expiration: ChainEpoch = _EPOCH_ZERO
    deal_weight: int = 0
    verified_deal_weight: int = 0
    initial_pledge: TokenAmount = ZERO
    expected_day_reward: TokenAmount | None = None
    expected_storage_pledge: TokenAmount | None = None
    power_base_epoch: ChainEpoch = _EPOCH_ZERO
    replaced_day_reward: TokenAmount | None = None
    sector_key_cid: CID | None = None
    flags: int = 0
    daily_fee: TokenAmount = ZERO

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple (16 fields)."""
        return [
            self.sector_number,
            self.seal_proof,
            self.sealed_cid,
            list(self.deprecated_deal_ids),
            self.activation,
            self.expiration,
            bigint(self.deal_weight),
            bigint(self.verified_deal_weight),
            self.initial_pledge.to_bytes(),
            _opt_token_ipld(self.expected_day_reward),
            _opt_token_ipld(self.expected_storage_pledge),
            self.power_base_epoch,
            _opt_token_ipld(self.replaced_day_reward),
            self.sector_key_cid,
            self.flags,
            self.daily_fee.to_bytes(),
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> SectorOnChainInfo:
        """Parse the CBOR tuple (15 or 16 fields)."""
        w = "SectorOnChainInfo"
        f = fields(raw, 15 if isinstance(raw, list) and len(raw) == 15 else 16, w)
        flags = as_uint(f[14], f"{w}.flags")
        if flags >> 32:
            raise DecodeError(f"{w}.flags: {flags} does not fit a u32")
        return cls(
            sector_number=as_uint(f[0], f"{w}.sector_number"),
            seal_proof=as_int(f[1], f"{w}.seal_proof"),
            sealed_cid=as_cid(f[2], f"{w}.sealed_cid"),
            deprecated_deal_ids=tuple(
                as_uint(d, f"{w}.deprecated_deal_ids") for d in as_list(f[3], f"{w}.deprecated_deal_ids")
            ),
            activation=ChainEpoch(as_int(f[4], f"{w}.activation")),
            expiration=ChainEpoch(as_int(f[5], f"{w}.expiration")),
            deal_weight=as_bigint(f[6], f"{w}.deal_weight"),
            verified_deal_weight=as_bigint(f[7], f"{w}.verified_deal_weight"),
            initial_pledge=TokenAmount(as_bigint(f[8], f"{w}.initial_pledge")),
            expected_day_reward=_opt_token(f[9], f"{w}.expected_day_reward"),
            expected_storage_pledge=_opt_token(f[10], f"{w}.expected_storage_pledge"),
            power_base_epoch=ChainEpoch(as_int(f[11], f"{w}.power_base_epoch")),
            replaced_day_reward=_opt_token(f[12], f"{w}.replaced_day_reward"),
            sector_key_cid=_opt_cid(f[13], f"{w}.sector_key_cid"),
            flags=flags,
            daily_fee=TokenAmount(as_bigint(f[15], f"{w}.daily_fee")) if len(f) == 16 else ZERO,
        )

    def to_json(self) -> dict[str, Any]:
        """go-state-types JSON (Lotus ``StateSectorGetInfo``); the deprecated deal IDs are not shown."""
        return {
            "SectorNumber": self.sector_number,
            "SealProof": self.seal_proof,
            "SealedCID": _cid_json(self.sealed_cid),
            "Activation": self.activation,
            "Expiration": self.expiration,
            "DealWeight": str(self.deal_weight),
            "VerifiedDealWeight": str(self.verified_deal_weight),
            "InitialPledge": str(self.initial_pledge.atto),
            "ExpectedDayReward": _opt_token_json(self.expected_day_reward),
            "ExpectedStoragePledge": _opt_token_json(self.expected_storage_pledge),
            "PowerBaseEpoch": self.power_base_epoch,
            "ReplacedDayReward": _opt_token_json(self.replaced_day_reward),
            "SectorKeyCID": _cid_json(self.sector_key_cid),
            "Flags": self.flags,
            "DailyFee": str(self.daily_fee.atto),
        }


@dataclass(frozen=True, slots=True)
class PowerPair(CborTuple):
    """Raw-byte and quality-adjusted power, added and subtracted together."""

    raw: int = 0
    qa: int = 0

    @classmethod
    def new(cls, raw: int, qa: int) -> PowerPair:
        """A pair of these powers."""
        return cls(raw, qa)

    @classmethod
    def zero(cls) -> PowerPair:
        """No power."""
        return cls(0, 0)

    def is_zero(self) -> bool:
        """Whether both powers are zero."""
        return self.raw == 0 and self.qa == 0

    def __add__(self, other: PowerPair) -> PowerPair:
        return PowerPair(self.raw + other.raw, self.qa + other.qa)

    def __sub__(self, other: PowerPair) -> PowerPair:
        return PowerPair(self.raw - other.raw, self.qa - other.qa)

    def __neg__(self) -> PowerPair:
        return PowerPair(-self.raw, -self.qa)

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple of two BigInts."""
        return [bigint(self.raw), bigint(self.qa)]

    @classmethod
    def from_ipld(cls, raw: Any) -> PowerPair:
        """Parse the CBOR tuple."""
        r, q = fields(raw, 2, "PowerPair")
        return cls(as_bigint(r, "PowerPair.raw"), as_bigint(q, "PowerPair.qa"))

    def to_json(self) -> dict[str, Any]:
        """go-state-types JSON."""
        return {"Raw": str(self.raw), "QA": str(self.qa)}


def power_for_sector(sector_size: int, sector: SectorOnChainInfo) -> PowerPair:
    """The raw and QA power of one sector (builtin-actors ``power_for_sector``)."""
    # Imported here: the miner's policy module imports this one for SectorOnChainInfo and PowerPair.
    from filnet.actors.miner.policy import qa_power_for_sector

    return PowerPair(sector_size, qa_power_for_sector(sector_size, sector))


def power_for_sectors(sector_size: int, sectors: Sequence[SectorOnChainInfo]) -> PowerPair:
    """The summed raw and QA power of sectors (builtin-actors ``power_for_sectors``)."""
    from filnet.actors.miner.policy import qa_power_for_sector

    qa = sum(qa_power_for_sector(sector_size, s) for s in sectors)
    return PowerPair(sector_size * len(sectors), qa)


def daily_fee_for_sectors(sectors: Sequence[SectorOnChainInfo]) -> TokenAmount:
    """The summed daily fee of sectors (builtin-actors ``daily_fee_for_sectors``)."""
    return TokenAmount(sum(s.daily_fee.atto for s in sectors))


class Sectors:
    """The sectors AMT of a miner, working over the store until :meth:`flush`."""

    def __init__(self, amt: Amt) -> None:
        self.amt = amt

    @classmethod
    def load(cls, store: Blockstore, root: CID) -> Sectors:
        """Load the AMT at ``root``."""
        return cls(load_amt(store, root, "sectors"))

    @classmethod
    def new(cls, store: Blockstore) -> Sectors:
        """An empty sectors AMT."""
        return cls(Amt(store, bit_width=SECTORS_AMT_BITWIDTH))

    def flush(self) -> CID:
        """Write the changes; the new root."""
        with state_context("failed to persist sectors"):
            return self.amt.flush()

    def get(self, sector_number: int) -> SectorOnChainInfo | None:
        """The sector's info, or None."""
        with state_context(f"failed to get sector {sector_number}"):
            if not 0 <= sector_number <= MAX_SECTOR_NUMBER:
                return None
            raw = self.amt.get(sector_number)
            return None if raw is None else SectorOnChainInfo.from_ipld(raw)

    def must_get(self, sector_number: int) -> SectorOnChainInfo:
        """The sector's info; USR_NOT_FOUND when absent."""
        info = self.get(sector_number)
        if info is None:
            raise ActorError(ExitCode.USR_NOT_FOUND, f"sector {sector_number} not found")
        return info

    def load_sectors(self, sector_numbers: BitField) -> list[SectorOnChainInfo]:
        """The infos of ``sector_numbers`` in ascending order; USR_NOT_FOUND if one is missing."""
        infos = []
        for sector_number in sector_numbers:
            info = self.get(sector_number)
            if info is None:
                raise ActorError(ExitCode.USR_NOT_FOUND, f"sector not found: {sector_number}")
            infos.append(info)
        return infos

    def items(self) -> Iterator[SectorOnChainInfo]:
        """Every sector, by ascending number."""
        with state_context("failed to iterate sectors"):
            for _, raw in self.amt.items():
                yield SectorOnChainInfo.from_ipld(raw)

    def delete_sectors(self, sector_numbers: BitField) -> Sectors:
        """Remove the sectors; USR_NOT_FOUND if one is missing."""
        for sector_number in sector_numbers:
            with state_context(f"failed to delete sector {sector_number}"):
                deleted = sector_number <= MAX_SECTOR_NUMBER and self.amt.delete(sector_number)
            if not deleted:
                raise ActorError(ExitCode.USR_NOT_FOUND, f"sector not found: {sector_number}")
        return self

    def store(self, infos: Sequence[SectorOnChainInfo]) -> Sectors:
        """Insert or replace the infos."""
        for info in infos:
            if info.sector_number > MAX_SECTOR_NUMBER:
                raise illegal_state(f"sector number {info.sector_number} out of range")
            with state_context(f"failed to store sector {info.sector_number}"):
                self.amt.set(info.sector_number, info.to_ipld())
        return self

    def load_for_proof(self, proven_sectors: BitField, expected_faults: BitField) -> list[SectorOnChainInfo]:
        """Infos of the sectors to prove, the first non-faulty one standing in for each expected fault."""
        non_faults = proven_sectors - expected_faults
        if not non_faults:
            return []
        return self.load_with_fault_max(proven_sectors, expected_faults, non_faults.first())

    def load_with_fault_max(
        self, sectors: BitField, faults: BitField, fault_stand_in: int
    ) -> list[SectorOnChainInfo]:
        """Infos of ``sectors``, with ``fault_stand_in``'s info in place of each faulty one."""
        stand_in = self.must_get(fault_stand_in)
        return [stand_in if number in faults else self.must_get(number) for number in sectors]


def select_sectors(sectors: Sequence[SectorOnChainInfo], bitfield: BitField) -> list[SectorOnChainInfo]:
    """The infos among ``sectors`` whose numbers are in ``bitfield``; USR_ILLEGAL_STATE if one is missing."""
    wanted = set(bitfield)
    included = []
    for info in sectors:
        if info.sector_number in wanted:
            wanted.discard(info.sector_number)
            included.append(info)
    if wanted:
        raise illegal_state(f"failed to find {len(wanted)} expected sectors")
    return included
