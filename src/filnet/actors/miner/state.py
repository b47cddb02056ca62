"""The storage miner actor's state (builtin-actors ``state.rs``): static info, funds, pre-commits, sectors,
deadlines and vesting, with every operation the actor performs on them.
"""

from __future__ import annotations

import base64
import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from filnet.actors.encoding import (
    CborTuple,
    as_address,
    as_bigint,
    as_bool,
    as_bytes,
    as_cid,
    as_int,
    as_list,
    as_uint,
    decode_block,
    fields,
    uint_key,
)
from filnet.actors.miner.beneficiary import BeneficiaryTerm, PendingBeneficiaryChange
from filnet.actors.miner.bitfield_queue import (
    BitFieldQueue,
    decode_bitfield,
    encode_bitfield,
    get_cbor,
    illegal_state,
    new_amt,
    put_cbor,
    state_context,
)
from filnet.actors.miner.deadline import Deadline, Deadlines
from filnet.actors.miner.deadline_assignment import assign_deadlines
from filnet.actors.miner.deadline_info import (
    DeadlineInfo,
    deadline_is_mutable,
    new_deadline_info,
    new_deadline_info_from_offset_and_epoch,
    quant_spec_for_deadline,
)
from filnet.actors.miner.quantize import QuantSpec
from filnet.actors.miner.sector_map import DeadlineSectorMap
from filnet.actors.miner.sectors import (
    MAX_SECTOR_NUMBER,
    SECTORS_AMT_BITWIDTH,
    PowerPair,
    SectorOnChainInfo,
    SectorPreCommitOnChainInfo,
    Sectors,
)
from filnet.actors.miner.termination import TerminationResult
from filnet.actors.miner.vesting import VestingFunds
from filnet.chain.lotus_json import bitfield_to_json
from filnet.core.address import MAINNET, Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch
from filnet.errors import DecodeError, NotFound
from filnet.ipld import multihash
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from filnet.ipld.multibase import b58encode
from filnet.params.network import ActorPolicy, VestSpec
from filnet.proofs.registry import SECTOR_SIZES, sector_shape
from filnet.vm.exit_codes import ActorError, ExitCode

#: ``EPOCH_UNDEFINED``: no consensus fault has been reported.
EPOCH_UNDEFINED: Final = ChainEpoch(-1)
#: The pre-commit HAMT (sector number uvarint -> SectorPreCommitOnChainInfo) is 32-way (``HAMT_BIT_WIDTH``).
PRECOMMIT_HAMT_BITWIDTH: Final = 5
#: The pre-commit clean-up queue (epoch -> sector numbers) is an AMT of bit width 6.
PRECOMMIT_EXPIRY_AMT_BITWIDTH: Final = 6


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _peer_id_json(peer_id: bytes) -> str | None:
    """The base58 peer ID Lotus prints; None unless the bytes are one multihash (``peer.IDFromBytes``)."""
    try:
        _, end = multihash.decode(peer_id)
    except DecodeError:
        return None
    return b58encode(peer_id) if end == len(peer_id) else None


@dataclass(frozen=True, slots=True)
class WorkerKeyChange(CborTuple):
    """A pending change of worker key, effective at an epoch."""

    new_worker: Address
    effective_at: ChainEpoch

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.new_worker), self.effective_at]

    @classmethod
    def from_ipld(cls, raw: Any) -> WorkerKeyChange:
        """Parse the CBOR tuple."""
        worker, epoch = fields(raw, 2, "WorkerKeyChange")
        return cls(
            as_address(worker, "WorkerKeyChange.new_worker"),
            ChainEpoch(as_int(epoch, "WorkerKeyChange.effective_at")),
        )

    def to_json(self) -> dict[str, Any]:
        """go-state-types JSON."""
        return {"NewWorker": str(self.new_worker), "EffectiveAt": self.effective_at}


def _post_proof_sector_size(proof: int) -> int:
    """``RegisteredPoStProof::sector_size`` for the ids fvm knows (0-14)."""
    if not 0 <= proof <= 14:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"invalid sector size: unsupported proof type: {proof}"
        )
    return SECTOR_SIZES[proof % 5]


def _post_proof_partition_sectors(proof: int) -> int:
    """``RegisteredPoStProof::window_post_partition_sectors`` for the ids fvm knows (0-14)."""
    if not 0 <= proof <= 14:
        raise ActorError(
            ExitCode.USR_ILLEGAL_ARGUMENT, f"invalid partition sectors: unsupported proof type: {proof}"
        )
    return sector_shape(SECTOR_SIZES[proof % 5]).window_post_sector_count


@dataclass(frozen=True, slots=True)
class MinerInfo(CborTuple):
    """What rarely changes about a miner: its addresses, network identity, proof type and beneficiary."""

    owner: Address
    worker: Address
    control_addresses: tuple[Address, ...]
    pending_worker_key: WorkerKeyChange | None
    peer_id: bytes
    multi_address: tuple[bytes, ...]
    window_post_proof_type: int
    sector_size: int
    window_post_partition_sectors: int
    consensus_fault_elapsed: ChainEpoch
    pending_owner_address: Address | None
    beneficiary: Address
    beneficiary_term: BeneficiaryTerm
    pending_beneficiary_term: PendingBeneficiaryChange | None

    @classmethod
    def new(
        cls,
        owner: ActorID,
        worker: ActorID,
        control_addresses: list[ActorID] | tuple[ActorID, ...],
        peer_id: bytes,
        multi_address: list[bytes] | tuple[bytes, ...],
        window_post_proof_type: int,
    ) -> MinerInfo:
        """A new miner's info; USR_ILLEGAL_ARGUMENT for a proof type of no known sector size."""
        sector_size = _post_proof_sector_size(window_post_proof_type)
        partition_sectors = _post_proof_partition_sectors(window_post_proof_type)
        return cls(
            owner=Address.new_id(owner),
            worker=Address.new_id(worker),
            control_addresses=tuple(Address.new_id(a) for a in control_addresses),
            pending_worker_key=None,
            peer_id=bytes(peer_id),
            multi_address=tuple(bytes(m) for m in multi_address),
            window_post_proof_type=window_post_proof_type,
            sector_size=sector_size,
            window_post_partition_sectors=partition_sectors,
            consensus_fault_elapsed=EPOCH_UNDEFINED,
            pending_owner_address=None,
            beneficiary=Address.new_id(owner),
            beneficiary_term=BeneficiaryTerm(),
            pending_beneficiary_term=None,
        )

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            bytes(self.owner),
            bytes(self.worker),
            [bytes(a) for a in self.control_addresses],
            None if self.pending_worker_key is None else self.pending_worker_key.to_ipld(),
            self.peer_id,
            list(self.multi_address),
            self.window_post_proof_type,
            self.sector_size,
            self.window_post_partition_sectors,
            self.consensus_fault_elapsed,
            None if self.pending_owner_address is None else bytes(self.pending_owner_address),
            bytes(self.beneficiary),
            self.beneficiary_term.to_ipld(),
            None if self.pending_beneficiary_term is None else self.pending_beneficiary_term.to_ipld(),
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> MinerInfo:
        """Parse the CBOR tuple."""
        w = "MinerInfo"
        f = fields(raw, 14, w)
        return cls(
            owner=as_address(f[0], f"{w}.owner"),
            worker=as_address(f[1], f"{w}.worker"),
            control_addresses=tuple(
                as_address(a, f"{w}.control_addresses") for a in as_list(f[2], f"{w}.control_addresses")
            ),
            pending_worker_key=None if f[3] is None else WorkerKeyChange.from_ipld(f[3]),
            peer_id=as_bytes(f[4], f"{w}.peer_id"),
            multi_address=tuple(
                as_bytes(m, f"{w}.multi_address") for m in as_list(f[5], f"{w}.multi_address")
            ),
            window_post_proof_type=as_int(f[6], f"{w}.window_post_proof_type"),
            sector_size=as_uint(f[7], f"{w}.sector_size"),
            window_post_partition_sectors=as_uint(f[8], f"{w}.window_post_partition_sectors"),
            consensus_fault_elapsed=ChainEpoch(as_int(f[9], f"{w}.consensus_fault_elapsed")),
            pending_owner_address=None if f[10] is None else as_address(f[10], f"{w}.pending_owner_address"),
            beneficiary=as_address(f[11], f"{w}.beneficiary"),
            beneficiary_term=BeneficiaryTerm.from_ipld(f[12]),
            pending_beneficiary_term=None if f[13] is None else PendingBeneficiaryChange.from_ipld(f[13]),
        )

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus ``StateMinerInfo`` JSON (``api.MinerInfo``: the pending worker key flattened into
        ``NewWorker``/``WorkerChangeEpoch``, the peer ID in base58, multiaddrs in base64, addresses with
        ``network``'s prefix)."""
        pending = self.pending_worker_key
        return {
            "Owner": self.owner.encode(network),
            "Worker": self.worker.encode(network),
            "NewWorker": "<empty>" if pending is None else pending.new_worker.encode(network),
            "ControlAddresses": [a.encode(network) for a in self.control_addresses] or None,
            "WorkerChangeEpoch": -1 if pending is None else pending.effective_at,
            "PeerId": _peer_id_json(self.peer_id),
            "Multiaddrs": [_b64(m) for m in self.multi_address] or None,
            "WindowPoStProofType": self.window_post_proof_type,
            "SectorSize": self.sector_size,
            "WindowPoStPartitionSectors": self.window_post_partition_sectors,
            "ConsensusFaultElapsed": self.consensus_fault_elapsed,
            "PendingOwnerAddress": None
            if self.pending_owner_address is None
            else self.pending_owner_address.encode(network),
            "Beneficiary": self.beneficiary.encode(network),
            "BeneficiaryTerm": self.beneficiary_term.to_json(),
            "PendingBeneficiaryTerm": (
                None
                if self.pending_beneficiary_term is None
                else self.pending_beneficiary_term.to_json(network)
            ),
        }


class CollisionPolicy(enum.Enum):
    """Whether allocating an already allocated sector number is an error."""

    AllowCollisions = "allow"
    DenyCollisions = "deny"


class PreCommitMap:
    """The pre-commit HAMT: sector number (uvarint key) -> :class:`SectorPreCommitOnChainInfo`."""

    def __init__(self, store: Blockstore, root: CID | None = None) -> None:
        with state_context("failed to load precommits"):
            self.hamt = Hamt(store, root, PRECOMMIT_HAMT_BITWIDTH)

    def get(self, sector_number: int) -> SectorPreCommitOnChainInfo | None:
        """The pre-commit of a sector, or None."""
        with state_context(f"failed to load precommit {sector_number}"):
            raw = self.hamt.get(uint_key(sector_number))
            return None if raw is None else SectorPreCommitOnChainInfo.from_ipld(raw)

    def set_if_absent(self, sector_number: int, info: SectorPreCommitOnChainInfo) -> bool:
        """Store a pre-commit unless the sector has one; whether it was stored."""
        key = uint_key(sector_number)
        with state_context(f"storing precommit for {sector_number}"):
            if key in self.hamt:
                return False
            self.hamt.set(key, info.to_ipld())
        return True

    def delete(self, sector_number: int) -> bool:
        """Remove a sector's pre-commit; whether it had one."""
        with state_context(f"failed to delete precommit {sector_number}"):
            return self.hamt.delete(uint_key(sector_number))

    def items(self) -> Iterator[SectorPreCommitOnChainInfo]:
        """Every pre-commit, in HAMT order."""
        with state_context("failed to iterate precommits"):
            for _, raw in self.hamt.items():
                yield SectorPreCommitOnChainInfo.from_ipld(raw)

    def flush(self) -> CID:
        """Write the changes; the new root."""
        with state_context("failed to flush precommits"):
            return self.hamt.flush()


@dataclass(frozen=True, slots=True)
class AdvanceDeadlineResult:
    """What closing a deadline changed."""

    pledge_delta: TokenAmount
    power_delta: PowerPair
    #: Faulty power before the deadline closed (recovering power included).
    previously_faulty_power: PowerPair
    #: Power of new faults and failed recoveries.
    detected_faulty_power: PowerPair
    #: Faulty power after detecting faults, before expirations (failed recoveries count once).
    total_faulty_power: PowerPair
    #: Daily fee payable for the deadline's sectors.
    daily_fee: TokenAmount
    #: All non-terminated power of the deadline (active, faulty and unproven).
    live_power: PowerPair


def _zero_advance(previously_faulty: PowerPair, total_faulty: PowerPair) -> AdvanceDeadlineResult:
    zero = PowerPair.zero()
    return AdvanceDeadlineResult(ZERO, zero, previously_faulty, zero, total_faulty, ZERO, zero)


def _recode(code: ExitCode, what: str, error: ActorError) -> ActorError:
    """An error re-coded as builtin-actors' ``with_context_code`` does on an ``anyhow`` result."""
    return ActorError(code, f"{what}: {error.reason}")


@dataclass(frozen=True, slots=True)
class MinerState(CborTuple):
    """The miner actor's state (builtin-actors ``State``).

    Balance = pre-commit deposits + locked funds + initial pledge + what is available (which is negative
    while the miner is in debt).

    States written by actors v2-v15 link their vesting table from a block of its own instead of holding it
    inline; such a state decodes (and re-encodes identically) with that link in ``legacy_vesting_funds``,
    and filnet refuses to change its funds (USR_ILLEGAL_STATE): it reads older miners, it runs current ones.
    Actors v0-v1 wrote 13 fields, without ``fee_debt`` and ``deadline_cron_active`` (read as zero and false).
    """

    #: CID of the :class:`MinerInfo`.
    info: CID
    pre_commit_deposits: TokenAmount
    #: Rewards and added funds locked in the vesting table.
    locked_funds: TokenAmount
    vesting_funds: VestingFunds
    #: Unpaid fees and penalties.
    fee_debt: TokenAmount
    #: Sum of the initial pledge of every active sector.
    initial_pledge: TokenAmount
    #: HAMT of pre-committed, not yet proven sectors.
    pre_committed_sectors: CID
    #: AMT[epoch] of bitfields: pre-commits to clean up once expired.
    pre_committed_sectors_cleanup: CID
    #: CID of the bitfield of every sector number ever allocated (never reused).
    allocated_sectors: CID
    #: AMT[sector number] of :class:`SectorOnChainInfo` (entries leave when partitions are compacted).
    sectors: CID
    #: First epoch of the current proving period.
    proving_period_start: ChainEpoch
    #: Index of the deadline not yet closed.
    current_deadline: int
    #: CID of the :class:`Deadlines`.
    deadlines: CID
    #: Deadlines with early terminations whose fees are unpaid.
    early_terminations: BitField
    deadline_cron_active: bool
    #: The vesting table's link in states of actors v0-v15 (None in the current, inline layout).
    legacy_vesting_funds: CID | None = None
    #: The 13-field layout of actors v0-v1 (no fee debt, no cron flag).
    actors_v0: bool = False

    @classmethod
    def new(
        cls,
        policy: ActorPolicy,
        store: Blockstore,
        info_cid: CID,
        period_start: ChainEpoch,
        deadline_idx: int,
    ) -> MinerState:
        """The state of a new miner: no funds, sectors or pre-commits."""
        with state_context("failed to construct miner state"):
            precommits = PreCommitMap(store).flush()
            cleanup = new_amt(store, PRECOMMIT_EXPIRY_AMT_BITWIDTH)
            sectors = new_amt(store, SECTORS_AMT_BITWIDTH)
            allocated = put_cbor(store, BitField().encode())
            empty_deadline = put_cbor(store, Deadline.new(store).to_ipld())
            deadlines = put_cbor(store, Deadlines.new(policy, empty_deadline).to_ipld())
        return cls(
            info=info_cid,
            pre_commit_deposits=ZERO,
            locked_funds=ZERO,
            vesting_funds=VestingFunds.new(),
            fee_debt=ZERO,
            initial_pledge=ZERO,
            pre_committed_sectors=precommits,
            pre_committed_sectors_cleanup=cleanup,
            allocated_sectors=allocated,
            sectors=sectors,
            proving_period_start=period_start,
            current_deadline=deadline_idx,
            deadlines=deadlines,
            early_terminations=BitField(),
            deadline_cron_active=False,
        )

    def _current_vesting(self) -> VestingFunds:
        """The inline vesting table; USR_ILLEGAL_STATE for a state in the older, linked layout."""
        if self.legacy_vesting_funds is not None:
            raise illegal_state("the miner state links its vesting table (actors v2-v15 layout)")
        return self.vesting_funds

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple (in the layout it was read in)."""
        if self.actors_v0:
            return [
                self.info,
                self.pre_commit_deposits.to_bytes(),
                self.locked_funds.to_bytes(),
                self.legacy_vesting_funds,
                self.initial_pledge.to_bytes(),
                self.pre_committed_sectors,
                self.pre_committed_sectors_cleanup,
                self.allocated_sectors,
                self.sectors,
                self.proving_period_start,
                self.current_deadline,
                self.deadlines,
                encode_bitfield(self.early_terminations),
            ]
        return [
            self.info,
            self.pre_commit_deposits.to_bytes(),
            self.locked_funds.to_bytes(),
            self.vesting_funds.to_ipld() if self.legacy_vesting_funds is None else self.legacy_vesting_funds,
            self.fee_debt.to_bytes(),
            self.initial_pledge.to_bytes(),
            self.pre_committed_sectors,
            self.pre_committed_sectors_cleanup,
            self.allocated_sectors,
            self.sectors,
            self.proving_period_start,
            self.current_deadline,
            self.deadlines,
            encode_bitfield(self.early_terminations),
            self.deadline_cron_active,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> MinerState:
        """Parse the CBOR tuple."""
        w = "MinerState"
        if isinstance(raw, list) and len(raw) == 13:
            f = raw
            return cls(
                info=as_cid(f[0], f"{w}.info"),
                pre_commit_deposits=TokenAmount(as_bigint(f[1], f"{w}.pre_commit_deposits")),
                locked_funds=TokenAmount(as_bigint(f[2], f"{w}.locked_funds")),
                vesting_funds=VestingFunds.new(),
                fee_debt=ZERO,
                initial_pledge=TokenAmount(as_bigint(f[4], f"{w}.initial_pledge")),
                pre_committed_sectors=as_cid(f[5], f"{w}.pre_committed_sectors"),
                pre_committed_sectors_cleanup=as_cid(f[6], f"{w}.pre_committed_sectors_expiry"),
                allocated_sectors=as_cid(f[7], f"{w}.allocated_sectors"),
                sectors=as_cid(f[8], f"{w}.sectors"),
                proving_period_start=ChainEpoch(as_int(f[9], f"{w}.proving_period_start")),
                current_deadline=as_uint(f[10], f"{w}.current_deadline"),
                deadlines=as_cid(f[11], f"{w}.deadlines"),
                early_terminations=decode_bitfield(f[12], f"{w}.early_terminations"),
                deadline_cron_active=False,
                legacy_vesting_funds=as_cid(f[3], f"{w}.vesting_funds"),
                actors_v0=True,
            )
        f = fields(raw, 15, w)
        return cls(
            info=as_cid(f[0], f"{w}.info"),
            pre_commit_deposits=TokenAmount(as_bigint(f[1], f"{w}.pre_commit_deposits")),
            locked_funds=TokenAmount(as_bigint(f[2], f"{w}.locked_funds")),
            vesting_funds=VestingFunds.new() if isinstance(f[3], CID) else VestingFunds.from_ipld(f[3]),
            fee_debt=TokenAmount(as_bigint(f[4], f"{w}.fee_debt")),
            initial_pledge=TokenAmount(as_bigint(f[5], f"{w}.initial_pledge")),
            pre_committed_sectors=as_cid(f[6], f"{w}.pre_committed_sectors"),
            pre_committed_sectors_cleanup=as_cid(f[7], f"{w}.pre_committed_sectors_cleanup"),
            allocated_sectors=as_cid(f[8], f"{w}.allocated_sectors"),
            sectors=as_cid(f[9], f"{w}.sectors"),
            proving_period_start=ChainEpoch(as_int(f[10], f"{w}.proving_period_start")),
            current_deadline=as_uint(f[11], f"{w}.current_deadline"),
            deadlines=as_cid(f[12], f"{w}.deadlines"),
            early_terminations=decode_bitfield(f[13], f"{w}.early_terminations"),
            deadline_cron_active=as_bool(f[14], f"{w}.deadline_cron_active"),
            legacy_vesting_funds=f[3] if isinstance(f[3], CID) else None,
        )

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """go-state-types JSON (miner ``State``)."""
        return {
            "Info": {"/": str(self.info)},
            "PreCommitDeposits": str(self.pre_commit_deposits.atto),
            "LockedFunds": str(self.locked_funds.atto),
            "VestingFunds": self.vesting_funds.to_json()
            if self.legacy_vesting_funds is None
            else {"/": str(self.legacy_vesting_funds)},
            "FeeDebt": str(self.fee_debt.atto),
            "InitialPledge": str(self.initial_pledge.atto),
            "PreCommittedSectors": {"/": str(self.pre_committed_sectors)},
            "PreCommittedSectorsCleanUp": {"/": str(self.pre_committed_sectors_cleanup)},
            "AllocatedSectors": {"/": str(self.allocated_sectors)},
            "Sectors": {"/": str(self.sectors)},
            "ProvingPeriodStart": self.proving_period_start,
            "CurrentDeadline": self.current_deadline,
            "Deadlines": {"/": str(self.deadlines)},
            "EarlyTerminations": bitfield_to_json(self.early_terminations),
            "DeadlineCronActive": self.deadline_cron_active,
        }

    # -- info ---------------------------------------------------------------------------------------

    def get_info(self, store: Blockstore) -> MinerInfo:
        """The miner's info; USR_NOT_FOUND if its block is missing, USR_ILLEGAL_STATE if malformed."""
        try:
            data = store.get(self.info)
        except NotFound:
            raise ActorError(ExitCode.USR_NOT_FOUND, "failed to get miner info") from None
        with state_context("failed to get miner info"):
            return MinerInfo.from_ipld(decode_block(data, "MinerInfo"))

    def save_info(self, store: Blockstore, info: MinerInfo) -> MinerState:
        """This state with ``info`` stored as its info."""
        return replace(self, info=put_cbor(store, info.to_ipld()))

    # -- deadlines arithmetic -----------------------------------------------------------------------

    def deadline_info(self, policy: ActorPolicy, current_epoch: ChainEpoch) -> DeadlineInfo:
        """The deadline ``current_epoch`` falls in, from the period offset (right even without cron)."""
        return new_deadline_info_from_offset_and_epoch(policy, self.proving_period_start, current_epoch)

    def recorded_deadline_info(self, policy: ActorPolicy, current_epoch: ChainEpoch) -> DeadlineInfo:
        """The deadline the state records as current (stale when deadline cron is not running)."""
        return new_deadline_info(policy, self.proving_period_start, self.current_deadline, current_epoch)

    def current_proving_period_start(self, policy: ActorPolicy, current_epoch: ChainEpoch) -> ChainEpoch:
        """The start of the proving period ``current_epoch`` falls in."""
        return self.deadline_info(policy, current_epoch).period_start

    def quant_spec_for_deadline(self, policy: ActorPolicy, deadline_idx: int) -> QuantSpec:
        """Quantization to the last epoch of deadline ``deadline_idx`` in each period."""
        return new_deadline_info(policy, self.proving_period_start, deadline_idx, ChainEpoch(0)).quant_spec()

    def quant_spec_every_deadline(self, policy: ActorPolicy) -> QuantSpec:
        """Quantization to deadline boundaries (for pre-commit expiry)."""
        return QuantSpec(ChainEpoch(policy.wpost_challenge_window), self.proving_period_start)

    # -- sector numbers and pre-commits ---------------------------------------------------------------

    def load_allocated_sector_numbers(self, store: Blockstore) -> BitField:
        """The bitfield of allocated sector numbers."""
        raw = get_cbor(store, self.allocated_sectors, "allocated sectors bitfield")
        with state_context("failed to load allocated sectors bitfield"):
            return decode_bitfield(raw, "allocated sectors")

    def allocate_sector_numbers(
        self, store: Blockstore, sector_numbers: BitField, policy: CollisionPolicy
    ) -> MinerState:
        """Mark sector numbers allocated; with DenyCollisions, USR_ILLEGAL_ARGUMENT if any already was."""
        prior = self.load_allocated_sector_numbers(store)
        if policy is not CollisionPolicy.AllowCollisions:
            collisions = prior & sector_numbers
            if collisions:
                raise ActorError(
                    ExitCode.USR_ILLEGAL_ARGUMENT, f"sector numbers {collisions} already allocated"
                )
        return replace(self, allocated_sectors=put_cbor(store, encode_bitfield(prior | sector_numbers)))

    def put_precommitted_sectors(
        self, store: Blockstore, precommits: Sequence[SectorPreCommitOnChainInfo]
    ) -> MinerState:
        """Store pre-commits; USR_ILLEGAL_STATE if a sector already has one."""
        precommitted = PreCommitMap(store, self.pre_committed_sectors)
        for precommit in precommits:
            number = precommit.info.sector_number
            if not precommitted.set_if_absent(number, precommit):
                raise illegal_state(f"sector {number} already pre-commited")
        return replace(self, pre_committed_sectors=precommitted.flush())

    def get_precommitted_sector(
        self, store: Blockstore, sector_num: int
    ) -> SectorPreCommitOnChainInfo | None:
        """A sector's pre-commit, or None."""
        return PreCommitMap(store, self.pre_committed_sectors).get(sector_num)

    def find_precommitted_sectors(
        self, store: Blockstore, sector_numbers: Iterable[int]
    ) -> list[SectorPreCommitOnChainInfo]:
        """The pre-commits of the sectors that have one, in the order asked."""
        precommitted = PreCommitMap(store, self.pre_committed_sectors)
        found = (precommitted.get(n) for n in sector_numbers)
        return [info for info in found if info is not None]

    def get_precommitted_sectors(
        self, store: Blockstore, sector_nos: Iterable[int]
    ) -> list[SectorPreCommitOnChainInfo]:
        """The pre-commits of the sectors, each required: USR_ILLEGAL_ARGUMENT for a number past the
        maximum, USR_NOT_FOUND for one not pre-committed."""
        precommitted = PreCommitMap(store, self.pre_committed_sectors)
        infos = []
        for number in sector_nos:
            if number > MAX_SECTOR_NUMBER:
                raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, "sector number greater than maximum")
            info = precommitted.get(number)
            if info is None:
                raise ActorError(ExitCode.USR_NOT_FOUND, f"sector {number} not found")
            infos.append(info)
        return infos

    def delete_precommitted_sectors(self, store: Blockstore, sector_nums: Iterable[int]) -> MinerState:
        """Remove pre-commits; USR_ILLEGAL_STATE if a sector has none."""
        precommitted = PreCommitMap(store, self.pre_committed_sectors)
        for number in sector_nums:
            if not precommitted.delete(number):
                raise illegal_state(f"sector {number} not pre-committed")
        return replace(self, pre_committed_sectors=precommitted.flush())

    def add_pre_commit_clean_ups(
        self, policy: ActorPolicy, store: Blockstore, cleanup_events: Iterable[tuple[ChainEpoch, int]]
    ) -> MinerState:
        """Queue (epoch, sector number) pre-commit clean-ups."""
        queue = BitFieldQueue.new(
            store, self.pre_committed_sectors_cleanup, self.quant_spec_every_deadline(policy)
        )
        queue.add_many_to_queue_values(cleanup_events)
        return replace(self, pre_committed_sectors_cleanup=queue.flush())

    def cleanup_expired_pre_commits(
        self, policy: ActorPolicy, store: Blockstore, current_epoch: ChainEpoch
    ) -> tuple[MinerState, TokenAmount]:
        """Delete the pre-commits expired by ``current_epoch``; the state after and the deposit to burn."""
        queue = BitFieldQueue.new(
            store, self.pre_committed_sectors_cleanup, self.quant_spec_every_deadline(policy)
        )
        _, sectors, modified = queue.pop_until(current_epoch)
        state = replace(self, pre_committed_sectors_cleanup=queue.flush()) if modified else self
        precommitted = PreCommitMap(store, state.pre_committed_sectors)
        to_delete: list[int] = []
        deposit_to_burn = ZERO
        for number in sectors:
            precommit = precommitted.get(number)
            if precommit is None:
                continue  # already proven or deleted
            to_delete.append(number)
            deposit_to_burn += precommit.pre_commit_deposit
        if to_delete:
            state = state.delete_precommitted_sectors(store, to_delete)
        deposits = state.pre_commit_deposits - deposit_to_burn
        if deposits.atto < 0:
            raise illegal_state(f"pre-commit clean up caused negative deposits: {deposits.atto}")
        return replace(state, pre_commit_deposits=deposits), deposit_to_burn

    # -- sectors ------------------------------------------------------------------------------------

    def load_sectors(self, store: Blockstore) -> Sectors:
        """The sectors AMT as a working :class:`Sectors`."""
        return Sectors.load(store, self.sectors)

    def has_sector_number(self, store: Blockstore, sector_num: int) -> bool:
        """Whether the sectors AMT holds the sector."""
        return self.load_sectors(store).get(sector_num) is not None

    def put_sectors(self, store: Blockstore, new_sectors: Sequence[SectorOnChainInfo]) -> MinerState:
        """Store sector infos."""
        sectors = self.load_sectors(store)
        sectors.store(new_sectors)
        return replace(self, sectors=sectors.flush())

    def get_sector(self, store: Blockstore, sector_num: int) -> SectorOnChainInfo | None:
        """A sector's info, or None."""
        return self.load_sectors(store).get(sector_num)

    def for_each_sector(self, store: Blockstore) -> Iterator[SectorOnChainInfo]:
        """Every sector, by number."""
        return self.load_sectors(store).items()

    def find_sector(self, store: Blockstore, sector_number: int) -> tuple[int, int]:
        """The (deadline, partition) of a sector."""
        return self.load_deadlines(store).find_sector(store, sector_number)

    def load_sector_infos(self, store: Blockstore, sectors: BitField) -> list[SectorOnChainInfo]:
        """The infos of ``sectors``; USR_NOT_FOUND if one is missing."""
        return self.load_sectors(store).load_sectors(sectors)

    def reschedule_sector_expirations(
        self,
        policy: ActorPolicy,
        store: Blockstore,
        current_epoch: ChainEpoch,
        sector_size: int,
        deadline_sectors: DeadlineSectorMap,
    ) -> tuple[MinerState, list[SectorOnChainInfo]]:
        """Make sectors expire at the end of their deadline's next window (skipping any not found, faulty or
        terminated); the infos of those moved."""
        deadlines = self.load_deadlines(store)
        sectors = self.load_sectors(store)
        all_replaced: list[SectorOnChainInfo] = []
        period_start = self.current_proving_period_start(policy, current_epoch)
        for deadline_idx, partition_sectors in deadline_sectors.iter():
            info = new_deadline_info(policy, period_start, deadline_idx, current_epoch).next_not_elapsed()
            deadline = deadlines.load_deadline(store, deadline_idx)
            deadline, replaced = deadline.reschedule_sector_expirations(
                store, sectors, info.last(), partition_sectors, sector_size, info.quant_spec()
            )
            all_replaced.extend(replaced)
            deadlines = deadlines.update_deadline(policy, store, deadline_idx, deadline)
        return self.save_deadlines(store, deadlines), all_replaced

    def assign_sectors_to_deadlines(
        self,
        policy: ActorPolicy,
        store: Blockstore,
        current_epoch: ChainEpoch,
        sectors: Sequence[SectorOnChainInfo],
        partition_size: int,
        sector_size: int,
    ) -> MinerState:
        """Spread new (unproven) sectors over the deadlines that may change now."""
        deadlines = self.load_deadlines(store)
        ordered = sorted(sectors, key=lambda info: info.sector_number)
        period_start = self.current_proving_period_start(policy, current_epoch)
        mutable: list[Deadline | None] = [
            deadline if deadline_is_mutable(policy, period_start, idx, current_epoch) else None
            for idx, deadline in deadlines.for_each(store)
        ]
        mutable.extend([None] * (policy.wpost_period_deadlines - len(mutable)))
        assignment = assign_deadlines(
            policy, policy.max_partitions_per_deadline, partition_size, mutable, ordered
        )
        for deadline_idx, deadline_sectors in enumerate(assignment):
            if not deadline_sectors:
                continue
            deadline = mutable[deadline_idx]
            if deadline is None:
                raise illegal_state(f"sectors assigned to immutable deadline {deadline_idx}")
            quant = self.quant_spec_for_deadline(policy, deadline_idx)
            # Not proven yet, so the power is not active; new sectors bring new fees.
            deadline, _, _ = deadline.add_sectors(
                store, partition_size, False, True, deadline_sectors, sector_size, quant
            )
            deadlines = deadlines.update_deadline(policy, store, deadline_idx, deadline)
        return self.save_deadlines(store, deadlines)

    def assign_sectors_to_deadline(
        self,
        policy: ActorPolicy,
        store: Blockstore,
        current_epoch: ChainEpoch,
        sectors: Sequence[SectorOnChainInfo],
        partition_size: int,
        sector_size: int,
        deadline_idx: int,
    ) -> MinerState:
        """Add new (unproven) sectors to one deadline, which must not be the current or next one."""
        deadlines = self.load_deadlines(store)
        deadline = deadlines.load_deadline(store, deadline_idx)
        ordered = sorted(sectors, key=lambda info: info.sector_number)
        period_start = self.current_proving_period_start(policy, current_epoch)
        if not deadline_is_mutable(policy, period_start, deadline_idx, current_epoch):
            raise ActorError(
                ExitCode.USR_ILLEGAL_ARGUMENT,
                f"proving deadline {deadline_idx} must not be the current or next deadline ",
            )
        quant = self.quant_spec_for_deadline(policy, deadline_idx)
        try:
            deadline, _, _ = deadline.add_sectors(
                store, partition_size, False, True, ordered, sector_size, quant
            )
        except ActorError as e:
            raise _recode(
                ExitCode.USR_ILLEGAL_STATE, f"failed to add sectors to deadline {deadline_idx}", e
            ) from None
        try:
            deadlines = deadlines.update_deadline(policy, store, deadline_idx, deadline)
        except ActorError as e:
            raise _recode(
                ExitCode.USR_ILLEGAL_STATE, f"failed to update deadline {deadline_idx}", e
            ) from None
        return self.save_deadlines(store, deadlines)

    def pop_early_terminations(
        self, policy: ActorPolicy, store: Blockstore, max_partitions: int, max_sectors: int
    ) -> tuple[MinerState, TerminationResult, bool]:
        """Take up to the limits of early terminations from all deadlines; them, and whether more remain."""
        if not self.early_terminations:
            return self, TerminationResult.new(), False
        deadlines = self.load_deadlines(store)
        result = TerminationResult.new()
        to_unset: list[int] = []
        for deadline_idx in self.early_terminations:
            deadline = deadlines.load_deadline(store, deadline_idx)
            deadline, deadline_result, more = deadline.pop_early_terminations(
                store, max_partitions - result.partitions_processed, max_sectors - result.sectors_processed
            )
            result += deadline_result
            if not more:
                to_unset.append(deadline_idx)
            deadlines = deadlines.update_deadline(policy, store, deadline_idx, deadline)
            if not result.below_limit(max_partitions, max_sectors):
                break
        early_terminations = self.early_terminations - BitField.from_indices(to_unset)
        state = replace(self, early_terminations=early_terminations).save_deadlines(store, deadlines)
        return state, result, bool(early_terminations)

    def check_sector_active(
        self,
        store: Blockstore,
        deadline_idx: int,
        partition_idx: int,
        sector_number: int,
        require_proven: bool,
    ) -> bool:
        """Whether the sector is live and not faulty (and proven, if required); USR_NOT_FOUND if it is not
        in the partition."""
        partition = (
            self.load_deadlines(store).load_deadline(store, deadline_idx).load_partition(store, partition_idx)
        )
        if sector_number not in partition.sectors:
            raise ActorError(
                ExitCode.USR_NOT_FOUND,
                f"sector {sector_number} not a member of partition {partition_idx}, deadline {deadline_idx}",
            )
        if sector_number in partition.faults or sector_number in partition.terminated:
            return False
        return not (require_proven and sector_number in partition.unproven)

    def check_sector_health(
        self, store: Blockstore, deadline_idx: int, partition_idx: int, sector_number: int
    ) -> None:
        """USR_NOT_FOUND unless the sector is in the partition and not terminated, USR_FORBIDDEN if faulty."""
        partition = (
            self.load_deadlines(store).load_deadline(store, deadline_idx).load_partition(store, partition_idx)
        )
        where = f"partition {partition_idx}, deadline {deadline_idx}"
        if sector_number not in partition.sectors:
            raise ActorError(ExitCode.USR_NOT_FOUND, f"sector {sector_number} not a member of {where}")
        if sector_number in partition.faults:
            raise ActorError(ExitCode.USR_FORBIDDEN, f"sector {sector_number} not a member of {where}")
        if sector_number in partition.terminated:
            raise ActorError(ExitCode.USR_NOT_FOUND, f"sector {sector_number} not of {where} is terminated")

    def load_deadlines(self, store: Blockstore) -> Deadlines:
        """The deadlines; USR_ILLEGAL_STATE if they cannot be read."""
        raw = get_cbor(store, self.deadlines, "deadlines")
        with state_context("failed to load deadlines"):
            return Deadlines.from_ipld(raw)

    def save_deadlines(self, store: Blockstore, deadlines: Deadlines) -> MinerState:
        """This state with ``deadlines`` stored."""
        return replace(self, deadlines=put_cbor(store, deadlines.to_ipld()))

    def continue_deadline_cron(self) -> bool:
        """Whether deadline cron must keep running: something is deposited, pledged or locked."""
        return bool(self.pre_commit_deposits) or bool(self.initial_pledge) or bool(self.locked_funds)

    # -- funds and vesting --------------------------------------------------------------------------

    def add_pre_commit_deposit(self, amount: TokenAmount) -> MinerState:
        """Change the pre-commit deposits by ``amount``; USR_ILLEGAL_STATE if they would go negative."""
        total = self.pre_commit_deposits + amount
        if total.atto < 0:
            raise illegal_state(
                f"negative pre-commit deposit {total.atto} after adding {amount.atto} to prior "
                f"{self.pre_commit_deposits.atto}"
            )
        return replace(self, pre_commit_deposits=total)

    def add_initial_pledge(self, amount: TokenAmount) -> MinerState:
        """Change the initial pledge by ``amount``; USR_ILLEGAL_STATE if it would go negative."""
        total = self.initial_pledge + amount
        if total.atto < 0:
            raise illegal_state(
                f"negative initial pledge requirement {total.atto} after adding {amount.atto} to prior "
                f"{self.initial_pledge.atto}"
            )
        return replace(self, initial_pledge=total)

    def apply_penalty(self, penalty: TokenAmount) -> MinerState:
        """Add ``penalty`` to the fee debt; USR_ILLEGAL_STATE for a negative one."""
        if penalty.atto < 0:
            raise illegal_state(f"applying negative penalty {penalty.atto} not allowed")
        return replace(self, fee_debt=self.fee_debt + penalty)

    def add_locked_funds(
        self, store: Blockstore, current_epoch: ChainEpoch, vesting_sum: TokenAmount, spec: VestSpec
    ) -> tuple[MinerState, TokenAmount]:
        """Unlock what has vested, then lock ``vesting_sum`` on ``spec``'s schedule; the amount unlocked."""
        if vesting_sum.atto < 0:
            raise illegal_state(f"negative vesting sum {vesting_sum.atto}")
        vesting, unlocked = self._current_vesting().add_locked_funds(
            store, current_epoch, vesting_sum, self.proving_period_start, spec
        )
        locked = self.locked_funds - unlocked
        if locked.atto < 0:
            raise illegal_state(f"negative locked funds {locked.atto} after unlocking {unlocked.atto}")
        return replace(self, vesting_funds=vesting, locked_funds=locked + vesting_sum), unlocked

    def repay_partial_debt_in_priority_order(
        self, store: Blockstore, current_epoch: ChainEpoch, curr_balance: TokenAmount
    ) -> tuple[MinerState, TokenAmount, TokenAmount]:
        """Repay as much fee debt as vesting and unlocked funds allow; the fee to burn and the total
        unlocked from the vesting table. Remaining debt stays recorded."""
        state, from_vesting, total_unlocked = self.unlock_vested_and_unvested_funds(
            store, current_epoch, self.fee_debt
        )
        if from_vesting > state.fee_debt:
            raise illegal_state("should never unlock more than the debt we need to repay")
        unlocked_balance = state.get_unlocked_balance(curr_balance)
        to_burn = min(unlocked_balance, state.fee_debt)
        return replace(state, fee_debt=state.fee_debt - to_burn), to_burn, total_unlocked

    def repay_debts(self, curr_balance: TokenAmount) -> tuple[MinerState, TokenAmount]:
        """Repay all fee debt from unlocked funds; the amount to burn. USR_INSUFFICIENT_FUNDS if they do not
        cover it."""
        unlocked_balance = self.get_unlocked_balance(curr_balance)
        if unlocked_balance < self.fee_debt:
            raise ActorError(
                ExitCode.USR_INSUFFICIENT_FUNDS,
                f"unlocked balance can not repay fee debt ({unlocked_balance.atto} < {self.fee_debt.atto})",
            )
        return replace(self, fee_debt=ZERO), self.fee_debt

    def unlock_vested_and_unvested_funds(
        self, store: Blockstore, current_epoch: ChainEpoch, target: TokenAmount
    ) -> tuple[MinerState, TokenAmount, TokenAmount]:
        """Unlock all vested funds, then up to ``target`` of unvested funds (soonest first); the unvested
        amount unlocked and the total unlocked."""
        if not target or not self.locked_funds:
            return self, ZERO, ZERO
        vesting, vested, unvested = self._current_vesting().unlock_vested_and_unvested_funds(
            store, current_epoch, target
        )
        total = vested + unvested
        locked = self.locked_funds - total
        if locked.atto < 0:
            raise illegal_state(f"negative locked funds {locked.atto} after unlocking {total.atto}")
        return replace(self, vesting_funds=vesting, locked_funds=locked), unvested, total

    def unlock_vested_funds(
        self, store: Blockstore, current_epoch: ChainEpoch
    ) -> tuple[MinerState, TokenAmount]:
        """Unlock every fund vested by ``current_epoch``; the amount unlocked."""
        if not self.locked_funds:
            return self, ZERO
        vesting, unlocked = self._current_vesting().unlock_vested_funds(store, current_epoch)
        locked = self.locked_funds - unlocked
        if locked.atto < 0:
            raise illegal_state(f"vesting cause locked funds to become negative: {locked.atto}")
        return replace(self, vesting_funds=vesting, locked_funds=locked), unlocked

    def get_unlocked_balance(self, actor_balance: TokenAmount) -> TokenAmount:
        """Balance not locked, deposited or pledged; USR_ILLEGAL_STATE if negative."""
        unlocked = actor_balance - self.locked_funds - self.pre_commit_deposits - self.initial_pledge
        if unlocked.atto < 0:
            raise illegal_state(f"negative unlocked balance {unlocked.atto}")
        return unlocked

    def get_available_balance(self, actor_balance: TokenAmount) -> TokenAmount:
        """Unlocked balance less fee debt (negative while in debt)."""
        return self.get_unlocked_balance(actor_balance) - self.fee_debt

    def check_balance_invariants(self, balance: TokenAmount) -> None:
        """USR_ILLEGAL_STATE if an amount is negative or the balance is below deposits, locked funds and
        pledge."""
        for name, amount in (
            ("pre-commit deposit", self.pre_commit_deposits),
            ("locked funds", self.locked_funds),
            ("initial pledge", self.initial_pledge),
            ("fee debt", self.fee_debt),
        ):
            if amount.atto < 0:
                raise illegal_state(f"{name} is negative: {amount.atto}")
        min_balance = self.pre_commit_deposits + self.locked_funds + self.initial_pledge
        if balance < min_balance:
            raise illegal_state(f"balance {balance.atto} below minimum {min_balance.atto}")

    # -- deadline cron ------------------------------------------------------------------------------

    def advance_deadline(
        self, policy: ActorPolicy, store: Blockstore, current_epoch: ChainEpoch
    ) -> tuple[MinerState, AdvanceDeadlineResult]:
        """Close the deadline ``current_epoch`` falls in: detect missed PoSts, expire sectors, move to the
        next deadline (and period)."""
        dl_info = self.deadline_info(policy, current_epoch)
        if not dl_info.period_started():
            zero = PowerPair.zero()
            return self, _zero_advance(zero, zero)
        current_deadline = (dl_info.index + 1) % policy.wpost_period_deadlines
        period_start = self.proving_period_start
        if current_deadline == 0:
            period_start = ChainEpoch(dl_info.period_start + policy.wpost_proving_period)
        state = replace(self, current_deadline=current_deadline, proving_period_start=period_start)

        deadlines = state.load_deadlines(store)
        deadline = deadlines.load_deadline(store, dl_info.index)
        previously_faulty_power = deadline.faulty_power
        if not deadline.is_live():
            return state, _zero_advance(previously_faulty_power, deadline.faulty_power)

        quant = quant_spec_for_deadline(policy, dl_info)
        # Partitions not proven this window are faulty until fault_max_age after its close.
        fault_expiration = ChainEpoch(dl_info.last() + policy.fault_max_age)
        deadline, power_delta, detected_faulty_power = deadline.process_deadline_end(
            store, quant, fault_expiration, state.sectors
        )
        # Faulty power after new faults are detected, before the faulty sectors expiring now leave.
        total_faulty_power = deadline.faulty_power
        deadline, expired = deadline.pop_expired_sectors(store, dl_info.last(), quant)

        # Pledge of sectors expiring on time is released; that of early ones stays for the termination fee.
        pledge_delta = -expired.on_time_pledge
        state = state.add_initial_pledge(-expired.on_time_pledge)
        # Faulty power was already lost, so only the active power expiring changes power.
        power_delta -= expired.active_power
        if expired.early_sectors:
            state = replace(
                state, early_terminations=state.early_terminations | BitField.from_indices([dl_info.index])
            )
        deadlines = deadlines.update_deadline(policy, store, dl_info.index, deadline)
        state = state.save_deadlines(store, deadlines)
        result = AdvanceDeadlineResult(
            pledge_delta=pledge_delta,
            power_delta=power_delta,
            previously_faulty_power=previously_faulty_power,
            detected_faulty_power=detected_faulty_power,
            total_faulty_power=total_faulty_power,
            daily_fee=deadline.daily_fee,
            live_power=deadline.live_power,
        )
        return state, result
