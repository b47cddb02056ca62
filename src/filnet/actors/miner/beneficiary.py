"""A miner's beneficiary term and a proposed change of beneficiary (builtin-actors ``beneficiary.rs``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from filnet.actors.encoding import CborTuple, as_address, as_bigint, as_bool, as_int, fields
from filnet.core.address import MAINNET, Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch

_EPOCH_ZERO: Final = ChainEpoch(0)


@dataclass(frozen=True, slots=True)
class BeneficiaryTerm(CborTuple):
    """How much the beneficiary may withdraw in total, how much it has, and until when."""

    quota: TokenAmount = ZERO
    used_quota: TokenAmount = ZERO
    expiration: ChainEpoch = _EPOCH_ZERO

    @classmethod
    def new(cls, quota: TokenAmount, used_quota: TokenAmount, expiration: ChainEpoch) -> BeneficiaryTerm:
        """A term with these values."""
        return cls(quota, used_quota, expiration)

    def available(self, cur: ChainEpoch) -> TokenAmount:
        """What is left to withdraw at ``cur``: zero once expired or used up."""
        if self.expiration > cur:
            return max(self.quota - self.used_quota, ZERO)
        return ZERO

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [self.quota.to_bytes(), self.used_quota.to_bytes(), self.expiration]

    @classmethod
    def from_ipld(cls, raw: Any) -> BeneficiaryTerm:
        """Parse the CBOR tuple."""
        quota, used, expiration = fields(raw, 3, "BeneficiaryTerm")
        return cls(
            TokenAmount(as_bigint(quota, "BeneficiaryTerm.quota")),
            TokenAmount(as_bigint(used, "BeneficiaryTerm.used_quota")),
            ChainEpoch(as_int(expiration, "BeneficiaryTerm.expiration")),
        )

    def to_json(self) -> dict[str, Any]:
        """Lotus JSON."""
        return {
            "Quota": str(self.quota.atto),
            "UsedQuota": str(self.used_quota.atto),
            "Expiration": self.expiration,
        }


@dataclass(frozen=True, slots=True)
class PendingBeneficiaryChange(CborTuple):
    """A proposed new beneficiary and term, with the approvals it has collected."""

    new_beneficiary: Address
    new_quota: TokenAmount
    new_expiration: ChainEpoch
    approved_by_beneficiary: bool = False
    approved_by_nominee: bool = False

    @classmethod
    def new(
        cls, new_beneficiary: Address, new_quota: TokenAmount, new_expiration: ChainEpoch
    ) -> PendingBeneficiaryChange:
        """A proposal approved by nobody yet."""
        return cls(new_beneficiary, new_quota, new_expiration, False, False)

    def to_ipld(self) -> list[Any]:
        """The CBOR tuple."""
        return [
            bytes(self.new_beneficiary),
            self.new_quota.to_bytes(),
            self.new_expiration,
            self.approved_by_beneficiary,
            self.approved_by_nominee,
        ]

    @classmethod
    def from_ipld(cls, raw: Any) -> PendingBeneficiaryChange:
        """Parse the CBOR tuple."""
        f = fields(raw, 5, "PendingBeneficiaryChange")
        return cls(
            as_address(f[0], "PendingBeneficiaryChange.new_beneficiary"),
            TokenAmount(as_bigint(f[1], "PendingBeneficiaryChange.new_quota")),
            ChainEpoch(as_int(f[2], "PendingBeneficiaryChange.new_expiration")),
            as_bool(f[3], "PendingBeneficiaryChange.approved_by_beneficiary"),
            as_bool(f[4], "PendingBeneficiaryChange.approved_by_nominee"),
        )

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus JSON (addresses with ``network``'s prefix)."""
        return {
            "NewBeneficiary": self.new_beneficiary.encode(network),
            "NewQuota": str(self.new_quota.atto),
            "NewExpiration": self.new_expiration,
            "ApprovedByBeneficiary": self.approved_by_beneficiary,
            "ApprovedByNominee": self.approved_by_nominee,
        }
