"""Payment channel state and its lanes (builtin-actors ``fil_actor_paych``).

State: ``[from, to, to_send, settling_at, min_settle_height, lane_states]``; ``lane_states`` is an AMT
(bit width 3, ``LANE_STATES_AMT_BITWIDTH``) of lanes ``[redeemed, nonce]`` indexed by lane ID.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from filnet.actors.encoding import as_address, as_bigint, as_cid, as_int, as_uint, decode_block, fields
from filnet.core.address import MAINNET, Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld import dagcbor
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID

LANE_STATES_AMT_BIT_WIDTH: Final = 3


@dataclass(frozen=True, slots=True)
class LaneState:
    """How much a lane has redeemed and the nonce of the last voucher applied to it."""

    redeemed: TokenAmount
    nonce: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.redeemed.to_bytes(), self.nonce]

    @classmethod
    def from_ipld(cls, raw: Any) -> LaneState:
        """Parse the CBOR tuple."""
        redeemed, nonce = fields(raw, 2, "LaneState")
        return cls(TokenAmount(as_bigint(redeemed, "LaneState.redeemed")), as_uint(nonce, "LaneState.nonce"))


@dataclass(frozen=True, slots=True)
class PaychState:
    """The two parties, the amount owed to ``to``, the settlement epochs and the lanes."""

    from_: Address
    to: Address
    to_send: TokenAmount
    settling_at: ChainEpoch
    min_settle_height: ChainEpoch
    lane_states: CID

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            bytes(self.from_),
            bytes(self.to),
            self.to_send.to_bytes(),
            self.settling_at,
            self.min_settle_height,
            self.lane_states,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> PaychState:
        """Parse the CBOR tuple."""
        f = fields(raw, 6, "PaychState")
        return cls(
            from_=as_address(f[0], "PaychState.from"),
            to=as_address(f[1], "PaychState.to"),
            to_send=TokenAmount(as_bigint(f[2], "PaychState.to_send")),
            settling_at=ChainEpoch(as_int(f[3], "PaychState.settling_at")),
            min_settle_height=ChainEpoch(as_int(f[4], "PaychState.min_settle_height")),
            lane_states=as_cid(f[5], "PaychState.lane_states"),
        )

    def encode(self) -> bytes:
        """DAG-CBOR bytes."""
        return dagcbor.encode(self.to_ipld())

    @classmethod
    def decode(cls, data: bytes) -> PaychState:
        """Parse DAG-CBOR bytes."""
        return cls.from_ipld(decode_block(data, "PaychState"))

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus-style JSON."""
        return {
            "From": self.from_.encode(network),
            "To": self.to.encode(network),
            "ToSend": str(self.to_send.atto),
            "SettlingAt": self.settling_at,
            "MinSettleHeight": self.min_settle_height,
            "LaneStates": {"/": str(self.lane_states)},
        }


class LaneStates:
    """The lane AMT of a payment channel."""

    def __init__(self, store: Blockstore, root: CID | None = None) -> None:
        self.amt = Amt(store, root, LANE_STATES_AMT_BIT_WIDTH)

    def get(self, lane: int) -> LaneState | None:
        """Lane ``lane``, or None."""
        raw = self.amt.get(lane)
        return None if raw is None else LaneState.from_ipld(raw)

    def set(self, lane: int, state: LaneState) -> None:
        """Store lane ``lane``."""
        self.amt.set(lane, state.to_ipld())

    def items(self) -> Iterator[tuple[int, LaneState]]:
        """Every (lane ID, lane), ascending."""
        for lane, raw in self.amt.items():
            yield lane, LaneState.from_ipld(raw)

    def flush(self) -> CID:
        """Write changes; the new root."""
        return self.amt.flush()
