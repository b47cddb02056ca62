"""Storage power actor state (builtin-actors ``fil_actor_power::State``) and its claim and cron maps.

Three layouts are in use on chains that still matter, told apart by their field count:

* 17 fields (actors v15+): the v2 layout plus ``ramp_start_epoch`` and ``ramp_duration_epochs`` (FIP-0081)
  after ``miner_above_min_power_count``;
* 15 fields (actors v2–v14);
* 16 fields (actors v0–v1): the v2 layout plus ``last_processed_cron_epoch`` after ``first_cron_epoch``.

``claims`` is a HAMT (bit width 5) from a miner's address bytes to its :class:`Claim`; ``cron_event_queue``
is a multimap: a HAMT (bit width 6) from an epoch (zigzag varint key) to an AMT (bit width 6) of
:class:`CronEvent` (actors v3+; v0–v2 used bit widths 5 and 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from filnet.actors.encoding import (
    CborTuple,
    as_address,
    as_bigint,
    as_bytes,
    as_cid,
    as_int,
    as_uint,
    bigint,
    fields,
    int_key,
    int_of_key,
)
from filnet.actors.smoothing import FilterEstimate
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import DecodeError, InvalidInput
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt

CLAIMS_BIT_WIDTH: Final = 5
CRON_QUEUE_HAMT_BIT_WIDTH: Final = 6
CRON_QUEUE_AMT_BIT_WIDTH: Final = 6
#: The smoothed network power a new network starts from: 750,000 GiB, growing 3,840 GiB an epoch
#: (120 ProveCommits of 32 GiB) -- builtin-actors ``INITIAL_QA_POWER_ESTIMATE_POSITION/VELOCITY``.
INITIAL_QA_POWER_ESTIMATE_POSITION: Final = 750_000 << 30
INITIAL_QA_POWER_ESTIMATE_VELOCITY: Final = 3_840 << 30


@dataclass(frozen=True, slots=True)
class Claim(CborTuple):
    """A miner's claimed power; ``window_post_proof_type`` is None in actors v0–v1 claims (two fields)."""

    window_post_proof_type: int | None
    raw_byte_power: int
    quality_adj_power: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        powers = [bigint(self.raw_byte_power), bigint(self.quality_adj_power)]
        return powers if self.window_post_proof_type is None else [self.window_post_proof_type, *powers]

    @classmethod
    def from_ipld(cls, raw: Any) -> Claim:
        """Parse the CBOR tuple."""
        f = fields(raw, 2 if isinstance(raw, list) and len(raw) == 2 else 3, "Claim")
        proof = None if len(f) == 2 else as_int(f[0], "Claim.window_post_proof_type")
        return cls(
            proof, as_bigint(f[-2], "Claim.raw_byte_power"), as_bigint(f[-1], "Claim.quality_adj_power")
        )

    def to_json(self) -> dict[str, Any]:
        """Lotus-style JSON."""
        return {
            "WindowPoStProofType": self.window_post_proof_type,
            "RawBytePower": str(self.raw_byte_power),
            "QualityAdjPower": str(self.quality_adj_power),
        }


@dataclass(frozen=True, slots=True)
class CronEvent(CborTuple):
    """A miner callback cron runs at an epoch, with the payload the miner enrolled."""

    miner: Address
    callback_payload: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.miner), self.callback_payload]

    @classmethod
    def from_ipld(cls, raw: Any) -> CronEvent:
        """Parse the CBOR tuple."""
        miner, payload = fields(raw, 2, "CronEvent")
        return cls(as_address(miner, "CronEvent.miner"), as_bytes(payload, "CronEvent.callback_payload"))


@dataclass(frozen=True, slots=True)
class PowerState(CborTuple):
    """Network power and pledge totals, the smoothed power estimate, miner counts, claims and cron queue.

    ``ramp_start_epoch``/``ramp_duration_epochs`` are None before actors v15; ``last_processed_cron_epoch``
    is set only in actors v0–v1 states. At most one of the two groups is present.
    """

    total_raw_byte_power: int
    total_bytes_committed: int
    total_quality_adj_power: int
    total_qa_bytes_committed: int
    total_pledge_collateral: TokenAmount
    this_epoch_raw_byte_power: int
    this_epoch_quality_adj_power: int
    this_epoch_pledge_collateral: TokenAmount
    this_epoch_qa_power_smoothed: FilterEstimate
    miner_count: int
    miner_above_min_power_count: int
    ramp_start_epoch: ChainEpoch | None
    ramp_duration_epochs: int | None
    cron_event_queue: CID
    first_cron_epoch: ChainEpoch
    last_processed_cron_epoch: ChainEpoch | None
    claims: CID
    proof_validation_batch: CID | None

    def __post_init__(self) -> None:
        ramp = (self.ramp_start_epoch is None, self.ramp_duration_epochs is None)
        if ramp[0] != ramp[1] or (not ramp[0] and self.last_processed_cron_epoch is not None):
            raise InvalidInput(
                "PowerState: the ramp fields (v15+) and last_processed_cron_epoch (v0) mix layouts"
            )

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple in the layout the state was read in (see the module docstring)."""
        ramp = [] if self.ramp_start_epoch is None else [self.ramp_start_epoch, self.ramp_duration_epochs]
        legacy = [] if self.last_processed_cron_epoch is None else [self.last_processed_cron_epoch]
        return [
            bigint(self.total_raw_byte_power),
            bigint(self.total_bytes_committed),
            bigint(self.total_quality_adj_power),
            bigint(self.total_qa_bytes_committed),
            self.total_pledge_collateral.to_bytes(),
            bigint(self.this_epoch_raw_byte_power),
            bigint(self.this_epoch_quality_adj_power),
            self.this_epoch_pledge_collateral.to_bytes(),
            self.this_epoch_qa_power_smoothed.to_ipld(),
            self.miner_count,
            self.miner_above_min_power_count,
            *ramp,
            self.cron_event_queue,
            self.first_cron_epoch,
            *legacy,
            self.claims,
            self.proof_validation_batch,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> PowerState:
        """Parse the CBOR tuple (15, 16 or 17 fields)."""
        count = len(raw) if isinstance(raw, list) and len(raw) in (15, 16, 17) else 17
        f = fields(raw, count, "PowerState")
        ramp = f[11:13] if count == 17 else None
        tail = f[13:] if count == 17 else f[11:]
        legacy = count == 16
        return cls(
            total_raw_byte_power=as_bigint(f[0], "PowerState.total_raw_byte_power"),
            total_bytes_committed=as_bigint(f[1], "PowerState.total_bytes_committed"),
            total_quality_adj_power=as_bigint(f[2], "PowerState.total_quality_adj_power"),
            total_qa_bytes_committed=as_bigint(f[3], "PowerState.total_qa_bytes_committed"),
            total_pledge_collateral=TokenAmount(as_bigint(f[4], "PowerState.total_pledge_collateral")),
            this_epoch_raw_byte_power=as_bigint(f[5], "PowerState.this_epoch_raw_byte_power"),
            this_epoch_quality_adj_power=as_bigint(f[6], "PowerState.this_epoch_quality_adj_power"),
            this_epoch_pledge_collateral=TokenAmount(
                as_bigint(f[7], "PowerState.this_epoch_pledge_collateral")
            ),
            this_epoch_qa_power_smoothed=FilterEstimate.from_ipld(f[8]),
            miner_count=as_int(f[9], "PowerState.miner_count"),
            miner_above_min_power_count=as_int(f[10], "PowerState.miner_above_min_power_count"),
            ramp_start_epoch=None
            if ramp is None
            else ChainEpoch(as_int(ramp[0], "PowerState.ramp_start_epoch")),
            ramp_duration_epochs=None
            if ramp is None
            else as_uint(ramp[1], "PowerState.ramp_duration_epochs"),
            cron_event_queue=as_cid(tail[0], "PowerState.cron_event_queue"),
            first_cron_epoch=ChainEpoch(as_int(tail[1], "PowerState.first_cron_epoch")),
            last_processed_cron_epoch=(
                ChainEpoch(as_int(tail[2], "PowerState.last_processed_cron_epoch")) if legacy else None
            ),
            claims=as_cid(tail[-2], "PowerState.claims"),
            proof_validation_batch=(
                None if tail[-1] is None else as_cid(tail[-1], "PowerState.proof_validation_batch")
            ),
        )

    def to_json(self) -> dict[str, Any]:
        """Lotus-style JSON (big numbers as decimal strings)."""
        smoothed = self.this_epoch_qa_power_smoothed
        out: dict[str, Any] = {
            "TotalRawBytePower": str(self.total_raw_byte_power),
            "TotalBytesCommitted": str(self.total_bytes_committed),
            "TotalQualityAdjPower": str(self.total_quality_adj_power),
            "TotalQABytesCommitted": str(self.total_qa_bytes_committed),
            "TotalPledgeCollateral": str(self.total_pledge_collateral.atto),
            "ThisEpochRawBytePower": str(self.this_epoch_raw_byte_power),
            "ThisEpochQualityAdjPower": str(self.this_epoch_quality_adj_power),
            "ThisEpochPledgeCollateral": str(self.this_epoch_pledge_collateral.atto),
            "ThisEpochQAPowerSmoothed": {
                "Position": str(smoothed.position),
                "Velocity": str(smoothed.velocity),
            },
            "MinerCount": self.miner_count,
            "MinerAboveMinPowerCount": self.miner_above_min_power_count,
            "RampStartEpoch": self.ramp_start_epoch,
            "RampDurationEpochs": self.ramp_duration_epochs,
            "CronEventQueue": {"/": str(self.cron_event_queue)},
            "FirstCronEpoch": self.first_cron_epoch,
            "Claims": {"/": str(self.claims)},
            "ProofValidationBatch": None
            if self.proof_validation_batch is None
            else {"/": str(self.proof_validation_batch)},
        }
        if self.last_processed_cron_epoch is not None:
            out["LastProcessedCronEpoch"] = self.last_processed_cron_epoch
        return out


def empty_state(store: Blockstore) -> PowerState:
    """The state of builtin-actors' ``State::new``: empty claims and cron queue, the initial estimate."""
    return PowerState(
        total_raw_byte_power=0,
        total_bytes_committed=0,
        total_quality_adj_power=0,
        total_qa_bytes_committed=0,
        total_pledge_collateral=ZERO,
        this_epoch_raw_byte_power=0,
        this_epoch_quality_adj_power=0,
        this_epoch_pledge_collateral=ZERO,
        this_epoch_qa_power_smoothed=FilterEstimate.from_q0(
            INITIAL_QA_POWER_ESTIMATE_POSITION, INITIAL_QA_POWER_ESTIMATE_VELOCITY
        ),
        miner_count=0,
        miner_above_min_power_count=0,
        ramp_start_epoch=ChainEpoch(0),
        ramp_duration_epochs=0,
        cron_event_queue=Hamt(store, bit_width=CRON_QUEUE_HAMT_BIT_WIDTH).flush(),
        first_cron_epoch=ChainEpoch(0),
        last_processed_cron_epoch=None,
        claims=Hamt(store, bit_width=CLAIMS_BIT_WIDTH).flush(),
        proof_validation_batch=None,
    )


class Claims:
    """The claims HAMT: miner address -> :class:`Claim`."""

    def __init__(self, store: Blockstore, root: CID | None = None) -> None:
        self.hamt = Hamt(store, root, CLAIMS_BIT_WIDTH)

    def get(self, miner: Address) -> Claim | None:
        """The claim of ``miner``, or None."""
        raw = self.hamt.get(bytes(miner))
        return None if raw is None else Claim.from_ipld(raw)

    def items(self) -> Iterator[tuple[Address, Claim]]:
        """Every (miner, claim), in HAMT order."""
        for key, raw in self.hamt.items():
            try:
                miner = Address.from_bytes(key)
            except DecodeError as e:
                raise DecodeError(f"power claims key {key.hex()}: {e.reason}") from None
            yield miner, Claim.from_ipld(raw)


def cron_events(store: Blockstore, root: CID) -> Iterator[tuple[ChainEpoch, list[CronEvent]]]:
    """Every (epoch, events enrolled for it) of a cron event queue (actors v3+ bit widths), in HAMT order."""
    for key, events in Hamt(store, root, CRON_QUEUE_HAMT_BIT_WIDTH).items():
        epoch = ChainEpoch(int_of_key(key, "power cron queue"))
        amt = Amt(store, as_cid(events, f"power cron queue at epoch {epoch}"), CRON_QUEUE_AMT_BIT_WIDTH)
        yield epoch, [CronEvent.from_ipld(raw) for raw in amt.values()]


def cron_queue_key(epoch: ChainEpoch) -> bytes:
    """The cron queue's HAMT key of ``epoch``."""
    return int_key(epoch)
