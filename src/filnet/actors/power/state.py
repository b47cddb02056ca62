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
from dataclasses import dataclass, replace
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
from filnet.actors.power.policy import CONSENSUS_MINER_MIN_MINERS
from filnet.actors.smoothing import FilterEstimate
from filnet.core.address import MAINNET, Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch
from filnet.errors import DecodeError, InvalidInput
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from filnet.params.network import ActorPolicy
from filnet.vm.exit_codes import ActorError, ExitCode

CLAIMS_BIT_WIDTH: Final = 5
CRON_QUEUE_HAMT_BIT_WIDTH: Final = 6
CRON_QUEUE_AMT_BIT_WIDTH: Final = 6
#: The smoothed network power a new network starts from: 750,000 GiB, growing 3,840 GiB an epoch
#: (120 ProveCommits of 32 GiB) -- builtin-actors ``INITIAL_QA_POWER_ESTIMATE_POSITION/VELOCITY``.
INITIAL_QA_POWER_ESTIMATE_POSITION: Final = 750_000 << 30
INITIAL_QA_POWER_ESTIMATE_VELOCITY: Final = 3_840 << 30
#: The PoSt proof types fvm_shared knows (Winning 0-4, Window V1_1 10-14), each with a consensus minimum.
_SUPPORTED_POST_PROOFS: Final = frozenset((*range(5), *range(10, 15)))


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

    miner_addr: Address
    callback_payload: bytes

    @property
    def miner(self) -> Address:
        """The miner to call back (``miner_addr``)."""
        return self.miner_addr

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.miner_addr), self.callback_payload]

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

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
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

    # -- operations (builtin-actors ``impl State``) ------------------------------------------------

    def into_total_locked(self) -> TokenAmount:
        """The pledge the power actor accounts as locked (for the circulating supply)."""
        return self.total_pledge_collateral

    def load_claims(self, store: Blockstore) -> Claims:
        """The claims map, loaded for reading or changing."""
        return Claims(store, self.claims)

    def save_claims(self, claims: Claims) -> PowerState:
        """The state with ``claims`` flushed as its claims map."""
        return replace(self, claims=claims.flush())

    def load_cron_queue(self, store: Blockstore) -> CronQueue:
        """The cron event queue, loaded for reading or changing (builtin-actors ``Multimap::from_root``)."""
        return CronQueue(store, self.cron_event_queue)

    def miner_nominal_power_meets_consensus_minimum(
        self, policy: ActorPolicy, store: Blockstore, miner: ActorID
    ) -> tuple[int, bool]:
        """A miner's raw-byte power and whether it may win blocks: at least the consensus minimum, or,
        while fewer than ``CONSENSUS_MINER_MIN_MINERS`` miners reach it, any power at all.

        USR_ILLEGAL_ARGUMENT when the miner has no claim.
        """
        claim = self.load_claims(store).get(Address.new_id(miner))
        if claim is None:
            raise ActorError(ExitCode.USR_ILLEGAL_ARGUMENT, f"no claim for actor: {miner}")
        nominal = claim.raw_byte_power
        minimum = _min_power(policy, claim.window_post_proof_type, "could not get miner min power")
        if nominal >= minimum:
            return nominal, True
        if self.miner_above_min_power_count >= CONSENSUS_MINER_MIN_MINERS:
            return nominal, False
        return nominal, nominal > 0

    def miner_power(self, store: Blockstore, miner: Address) -> Claim | None:
        """The claim of ``miner``, or None."""
        return self.load_claims(store).get(miner)

    def get_claim(self, store: Blockstore, miner: Address) -> Claim | None:
        """The claim of ``miner``, or None."""
        return self.load_claims(store).get(miner)

    def add_to_claim(
        self, policy: ActorPolicy, claims: Claims, miner: Address, power: int, qa_power: int
    ) -> PowerState:
        """Add ``power`` raw-byte and ``qa_power`` quality-adjusted power to the claim of ``miner`` (in
        ``claims``, not yet flushed), moving the network totals and the count of miners above the
        consensus minimum as the miner crosses it (the threshold looks at raw-byte power only).

        USR_NOT_FOUND without a claim; USR_ILLEGAL_STATE when a claim or the count would go negative.
        """
        old = claims.get(miner)
        if old is None:
            raise ActorError(ExitCode.USR_NOT_FOUND, f"no claim for actor {miner}")
        new = Claim(old.window_post_proof_type, old.raw_byte_power + power, old.quality_adj_power + qa_power)
        minimum = _min_power(policy, old.window_post_proof_type, "miner min power")
        prev_below = old.raw_byte_power < minimum
        still_below = new.raw_byte_power < minimum
        above = self.miner_above_min_power_count
        total_raw, total_qa = self.total_raw_byte_power, self.total_quality_adj_power
        if prev_below and not still_below:
            # Just reached the minimum: the whole claim starts counting.
            above += 1
            total_raw += new.raw_byte_power
            total_qa += new.quality_adj_power
        elif not prev_below and still_below:
            # Just fell below it: the whole former claim stops counting.
            above -= 1
            total_raw -= old.raw_byte_power
            total_qa -= old.quality_adj_power
        elif not prev_below and not still_below:
            total_raw += power
            total_qa += qa_power
        if new.raw_byte_power < 0:
            raise ActorError(
                ExitCode.USR_ILLEGAL_STATE, f"negative claimed raw byte power: {new.raw_byte_power}"
            )
        if new.quality_adj_power < 0:
            raise ActorError(
                ExitCode.USR_ILLEGAL_STATE,
                f"negative claimed quality adjusted power: {new.quality_adj_power}",
            )
        if above < 0:
            raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"negative amount of miners above minimum: {above}")
        set_claim(claims, miner, new)
        return replace(
            self,
            total_bytes_committed=self.total_bytes_committed + power,
            total_qa_bytes_committed=self.total_qa_bytes_committed + qa_power,
            total_raw_byte_power=total_raw,
            total_quality_adj_power=total_qa,
            miner_above_min_power_count=above,
        )

    def add_pledge_total(self, amount: TokenAmount) -> PowerState:
        """The state with ``amount`` added to the total pledge."""
        return replace(self, total_pledge_collateral=self.total_pledge_collateral + amount)

    def append_cron_event(self, events: CronQueue, epoch: ChainEpoch, event: CronEvent) -> PowerState:
        """Enroll ``event`` at ``epoch`` in ``events`` (not yet flushed); an epoch before the first cron
        epoch becomes the first, so that the next cron tick still runs it."""
        events.add(epoch, event)
        if epoch < self.first_cron_epoch:
            return replace(self, first_cron_epoch=epoch)
        return self

    def current_total_power(self) -> tuple[int, int]:
        """The network's (raw-byte, quality-adjusted) power: all committed power while fewer than
        ``CONSENSUS_MINER_MIN_MINERS`` miners reach the consensus minimum, else theirs alone."""
        if self.miner_above_min_power_count < CONSENSUS_MINER_MIN_MINERS:
            return self.total_bytes_committed, self.total_qa_bytes_committed
        return self.total_raw_byte_power, self.total_quality_adj_power

    def update_smoothed_estimate(self, delta: int) -> PowerState:
        """The state with the QA power estimate moved ``delta`` epochs on to this epoch's QA power."""
        estimate = self.this_epoch_qa_power_smoothed.next_estimate(self.this_epoch_quality_adj_power, delta)
        return replace(self, this_epoch_qa_power_smoothed=estimate)

    def update_stats_for_new_miner(self, policy: ActorPolicy, window_post_proof: int) -> PowerState:
        """Count a new miner above the minimum at once when the minimum for its proof type is zero.

        USR_ILLEGAL_STATE for an unsupported proof type.
        """
        if _min_power(policy, window_post_proof, "miner min power") <= 0:
            return replace(self, miner_above_min_power_count=self.miner_above_min_power_count + 1)
        return self

    def validate_miner_has_claim(self, store: Blockstore, miner_addr: Address) -> None:
        """USR_FORBIDDEN unless ``miner_addr`` has a claim."""
        if not self.load_claims(store).contains_key(miner_addr):
            raise ActorError(
                ExitCode.USR_FORBIDDEN, f"unknown miner {miner_addr} forbidden to interact with power actor"
            )

    def delete_claim(self, policy: ActorPolicy, claims: Claims, miner: Address) -> PowerState:
        """Take the whole claim of ``miner`` out of the totals and remove it from ``claims`` (nothing
        happens when it has none)."""
        claim = claims.get(miner)
        if claim is None:
            return self
        try:
            state = self.add_to_claim(policy, claims, miner, -claim.raw_byte_power, -claim.quality_adj_power)
        except ActorError as e:
            raise ActorError(e.exit_code, f"subtract miner power before deleting claim: {e.reason}") from None
        claims.delete(miner)
        return state


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
    """The claims HAMT: miner address -> :class:`Claim` (builtin-actors ``ClaimsMap``)."""

    def __init__(self, store: Blockstore, root: CID | None = None) -> None:
        self.hamt = Hamt(store, root, CLAIMS_BIT_WIDTH)

    def get(self, miner: Address) -> Claim | None:
        """The claim of ``miner``, or None."""
        raw = self.hamt.get(bytes(miner))
        return None if raw is None else Claim.from_ipld(raw)

    def contains_key(self, miner: Address) -> bool:
        """Whether ``miner`` has a claim."""
        return self.hamt.get(bytes(miner)) is not None

    def set(self, miner: Address, claim: Claim) -> None:
        """Put the claim of ``miner``."""
        self.hamt.set(bytes(miner), claim.to_ipld())

    def delete(self, miner: Address) -> bool:
        """Remove the claim of ``miner``; whether there was one."""
        return self.hamt.delete(bytes(miner))

    def flush(self) -> CID:
        """Write the changes; the new root."""
        return self.hamt.flush()

    def items(self) -> Iterator[tuple[Address, Claim]]:
        """Every (miner, claim), in HAMT order."""
        for key, raw in self.hamt.items():
            try:
                miner = Address.from_bytes(key)
            except DecodeError as e:
                raise DecodeError(f"power claims key {key.hex()}: {e.reason}") from None
            yield miner, Claim.from_ipld(raw)


class CronQueue:
    """The cron event queue (actors v3+ bit widths): a HAMT from epoch to an AMT of the
    :class:`CronEvent` enrolled for it, in enrollment order (builtin-actors ``Multimap``)."""

    def __init__(self, store: Blockstore, root: CID | None = None) -> None:
        self.store = store
        self.hamt = Hamt(store, root, CRON_QUEUE_HAMT_BIT_WIDTH)

    def _events(self, epoch: ChainEpoch) -> Amt | None:
        raw = self.hamt.get(epoch_key(epoch))
        if raw is None:
            return None
        return Amt(self.store, as_cid(raw, f"power cron queue at epoch {epoch}"), CRON_QUEUE_AMT_BIT_WIDTH)

    def add(self, epoch: ChainEpoch, event: CronEvent) -> None:
        """Append ``event`` to those of ``epoch``."""
        events = self._events(epoch) or Amt(self.store, bit_width=CRON_QUEUE_AMT_BIT_WIDTH)
        events.set(len(events), event.to_ipld())
        self.hamt.set(epoch_key(epoch), events.flush())

    def events_at(self, epoch: ChainEpoch) -> list[CronEvent]:
        """The events of ``epoch``, in enrollment order."""
        events = self._events(epoch)
        return [] if events is None else [CronEvent.from_ipld(raw) for raw in events.values()]

    def epochs(self) -> Iterator[ChainEpoch]:
        """Every epoch with events, in HAMT order."""
        for key in self.hamt:
            yield ChainEpoch(int_of_key(key, "power cron queue"))

    def remove_all(self, epoch: ChainEpoch) -> None:
        """Drop every event of ``epoch``."""
        self.hamt.delete(epoch_key(epoch))

    def root(self) -> CID:
        """Write the changes; the new root."""
        return self.hamt.flush()


def load_cron_events(events: CronQueue, epoch: ChainEpoch) -> list[CronEvent]:
    """The events enrolled at ``epoch``, in enrollment order."""
    return events.events_at(epoch)


def set_claim(claims: Claims, miner: Address, claim: Claim) -> None:
    """Put a claim; USR_ILLEGAL_STATE when either of its powers is negative."""
    if claim.raw_byte_power < 0:
        raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"negative claim raw power {claim.raw_byte_power}")
    if claim.quality_adj_power < 0:
        raise ActorError(
            ExitCode.USR_ILLEGAL_STATE, f"negative claim quality-adjusted power {claim.quality_adj_power}"
        )
    claims.set(miner, claim)


def consensus_miner_min_power(policy: ActorPolicy, window_post_proof_type: int | None) -> int:
    """The raw-byte power a miner with this PoSt proof type needs to win blocks (the network's
    ``minimum_consensus_power`` for every supported type). USR_ILLEGAL_STATE for a type fvm_shared does not
    know (Window V1 PoSt, 5-9, was retired; v0-v1 claims have no type)."""
    if window_post_proof_type not in _SUPPORTED_POST_PROOFS:
        raise ActorError(ExitCode.USR_ILLEGAL_STATE, f"unsupported proof type: {window_post_proof_type}")
    return policy.minimum_consensus_power


def _min_power(policy: ActorPolicy, proof: int | None, what: str) -> int:
    try:
        return consensus_miner_min_power(policy, proof)
    except ActorError as e:
        raise ActorError(e.exit_code, f"{what}: {e.reason}") from None


def cron_events(store: Blockstore, root: CID) -> Iterator[tuple[ChainEpoch, list[CronEvent]]]:
    """Every (epoch, events enrolled for it) of a cron event queue (actors v3+ bit widths), in HAMT order."""
    for key, events in Hamt(store, root, CRON_QUEUE_HAMT_BIT_WIDTH).items():
        epoch = ChainEpoch(int_of_key(key, "power cron queue"))
        amt = Amt(store, as_cid(events, f"power cron queue at epoch {epoch}"), CRON_QUEUE_AMT_BIT_WIDTH)
        yield epoch, [CronEvent.from_ipld(raw) for raw in amt.values()]


def epoch_key(epoch: ChainEpoch) -> bytes:
    """The cron queue's HAMT key of ``epoch``: its zigzag varint (Rust ``i64::encode_var_vec``)."""
    return int_key(epoch)


def cron_queue_key(epoch: ChainEpoch) -> bytes:
    """The cron queue's HAMT key of ``epoch`` (:func:`epoch_key`)."""
    return epoch_key(epoch)
