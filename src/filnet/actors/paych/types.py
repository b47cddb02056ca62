"""Vouchers, parameters and constants of the payment channel actor (builtin-actors ``paych::types``).

A voucher is the CBOR tuple ``[ChannelAddr, TimeLockMin, TimeLockMax, SecretHash, Extra, Lane, Nonce, Amount,
MinSettleHeight, Merges, Signature]`` (Lotus ``paych.SignedVoucher``; ``SecretHash`` was ``SecretPreimage``
before actors v2 but kept its place). ``Extra`` is ``[Actor, Method, Data]`` or null, each merge is
``[Lane, Nonce]``, the signature is its ``type ‖ data`` bytes or null. The signer signs the same tuple with a
null signature, so a signed voucher's signing bytes do not depend on its signature.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from typing import Any, Final

from filnet.actors.encoding import (
    CborTuple,
    as_address,
    as_bigint,
    as_bytes,
    as_int,
    as_list,
    as_uint,
    fields,
)
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import INT64_MAX, ChainEpoch, MethodNum
from filnet.crypto.signature import Signature
from filnet.errors import DecodeError

#: Epochs of 30 s in an hour (builtin-actors ``EPOCHS_IN_HOUR``).
EPOCHS_IN_HOUR: Final = 120
#: Epochs between Settle and the first epoch Collect may pay out (builtin-actors ``SETTLE_DELAY``).
SETTLE_DELAY: Final = ChainEpoch(EPOCHS_IN_HOUR * 12)
#: Longest secret UpdateChannelState accepts (builtin-actors ``MAX_SECRET_SIZE``).
MAX_SECRET_SIZE: Final = 256
#: Highest lane ID: lanes are u64 in the voucher but i64 in the AMT index of older actors (``MAX_LANE``).
MAX_LANE: Final = INT64_MAX
#: Actor-specific exit code for a voucher submitted once the channel has settled
#: (builtin-actors ``ERR_CHANNEL_STATE_UPDATE_AFTER_SETTLED``).
ERR_CHANNEL_STATE_UPDATE_AFTER_SETTLED: Final = 32

_EPOCH_ZERO: Final = ChainEpoch(0)
_ZERO: Final = TokenAmount(0)


@dataclass(frozen=True, slots=True)
class ConstructorParams(CborTuple):
    """The payer (``from_``) and payee (``to``); both must be account actors."""

    from_: Address
    to: Address

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.from_), bytes(self.to)]

    @classmethod
    def from_ipld(cls, raw: Any) -> ConstructorParams:
        """Parse the CBOR tuple."""
        from_, to = fields(raw, 2, "ConstructorParams")
        return cls(as_address(from_, "ConstructorParams.from"), as_address(to, "ConstructorParams.to"))


@dataclass(frozen=True, slots=True)
class Merge:
    """Another lane folded into the voucher's lane, with the nonce it moves to."""

    lane: int
    nonce: int

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.lane, self.nonce]

    @classmethod
    def from_ipld(cls, raw: Any) -> Merge:
        """Parse the CBOR tuple."""
        lane, nonce = fields(raw, 2, "Merge")
        return cls(as_uint(lane, "Merge.lane"), as_uint(nonce, "Merge.nonce"))


@dataclass(frozen=True, slots=True)
class ModVerifyParams:
    """A call the channel makes before redeeming: it must succeed for the voucher to count."""

    actor: Address
    method: MethodNum
    data: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [bytes(self.actor), self.method, self.data]

    @classmethod
    def from_ipld(cls, raw: Any) -> ModVerifyParams:
        """Parse the CBOR tuple."""
        actor, method, data = fields(raw, 3, "ModVerifyParams")
        return cls(
            as_address(actor, "ModVerifyParams.actor"),
            MethodNum(as_uint(method, "ModVerifyParams.method")),
            as_bytes(data, "ModVerifyParams.data"),
        )


@dataclass(frozen=True, slots=True)
class PaymentVerifyParams(CborTuple):
    """What a verifying actor named by ``Extra`` receives in Lotus's convention: extra data and a proof."""

    extra: bytes
    proof: bytes

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.extra, self.proof]

    @classmethod
    def from_ipld(cls, raw: Any) -> PaymentVerifyParams:
        """Parse the CBOR tuple."""
        extra, proof = fields(raw, 2, "PaymentVerifyParams")
        return cls(as_bytes(extra, "PaymentVerifyParams.extra"), as_bytes(proof, "PaymentVerifyParams.proof"))


def _signature(raw: Any) -> Signature | None:
    """The nullable signature field."""
    if raw is None:
        return None
    data = as_bytes(raw, "SignedVoucher.signature")
    try:
        return Signature.from_bytes(data)
    except DecodeError as e:
        raise DecodeError(f"SignedVoucher.signature: {e.reason}") from None


@dataclass(frozen=True, slots=True)
class SignedVoucher(CborTuple):
    """A promise from one party of a channel: lane ``lane`` has redeemed ``amount`` in all at ``nonce``."""

    channel_addr: Address
    time_lock_min: ChainEpoch = _EPOCH_ZERO
    time_lock_max: ChainEpoch = _EPOCH_ZERO
    secret_hash: bytes = b""
    extra: ModVerifyParams | None = None
    lane: int = 0
    nonce: int = 0
    amount: TokenAmount = _ZERO
    min_settle_height: ChainEpoch = _EPOCH_ZERO
    merges: tuple[Merge, ...] = ()
    signature: Signature | None = None

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            bytes(self.channel_addr),
            self.time_lock_min,
            self.time_lock_max,
            self.secret_hash,
            None if self.extra is None else self.extra.to_ipld(),
            self.lane,
            self.nonce,
            self.amount.to_bytes(),
            self.min_settle_height,
            [m.to_ipld() for m in self.merges],
            None if self.signature is None else bytes(self.signature),
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> SignedVoucher:
        """Parse the CBOR tuple."""
        f = fields(raw, 11, "SignedVoucher")
        return cls(
            channel_addr=as_address(f[0], "SignedVoucher.channel_addr"),
            time_lock_min=ChainEpoch(as_int(f[1], "SignedVoucher.time_lock_min")),
            time_lock_max=ChainEpoch(as_int(f[2], "SignedVoucher.time_lock_max")),
            secret_hash=as_bytes(f[3], "SignedVoucher.secret_hash"),
            extra=None if f[4] is None else ModVerifyParams.from_ipld(f[4]),
            lane=as_uint(f[5], "SignedVoucher.lane"),
            nonce=as_uint(f[6], "SignedVoucher.nonce"),
            amount=TokenAmount(as_bigint(f[7], "SignedVoucher.amount")),
            min_settle_height=ChainEpoch(as_int(f[8], "SignedVoucher.min_settle_height")),
            merges=tuple(Merge.from_ipld(m) for m in as_list(f[9], "SignedVoucher.merges")),
            signature=_signature(f[10]),
        )

    def signing_bytes(self) -> bytes:
        """What the payer signs: the voucher's CBOR with a null signature (Lotus ``SigningBytes``)."""
        return replace(self, signature=None).encode()

    def with_signature(self, signature: Signature) -> SignedVoucher:
        """This voucher carrying ``signature``."""
        return replace(self, signature=signature)

    def to_string(self) -> str:
        """Lotus's text form of a voucher: unpadded base64url of its CBOR (``EncodedString``)."""
        return base64.urlsafe_b64encode(self.encode()).rstrip(b"=").decode("ascii")

    @classmethod
    def from_string(cls, text: str) -> SignedVoucher:
        """Parse Lotus's text form (``DecodeSignedVoucher``)."""
        if "=" in text:
            raise DecodeError("voucher string must be unpadded base64url")
        try:
            data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise DecodeError("voucher string is not unpadded base64url") from None
        return cls.decode(data)


@dataclass(frozen=True, slots=True)
class UpdateChannelStateParams(CborTuple):
    """A voucher to redeem and the secret whose blake2b-256 its ``secret_hash`` names (empty if none)."""

    sv: SignedVoucher
    secret: bytes = b""

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.sv.to_ipld(), self.secret]

    @classmethod
    def from_ipld(cls, raw: Any) -> UpdateChannelStateParams:
        """Parse the CBOR tuple."""
        sv, secret = fields(raw, 2, "UpdateChannelStateParams")
        return cls(SignedVoucher.from_ipld(sv), as_bytes(secret, "UpdateChannelStateParams.secret"))
