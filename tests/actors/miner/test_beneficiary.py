"""Beneficiary terms and pending changes (builtin-actors ``beneficiary.rs``)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors.miner.beneficiary import BeneficiaryTerm, PendingBeneficiaryChange
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch

T = TokenAmount
E = ChainEpoch


def test_available_quota() -> None:
    term = BeneficiaryTerm.new(T(100), T(30), E(50))
    assert term.available(E(49)) == T(70)
    # expired at its expiration epoch
    assert term.available(E(50)) == ZERO
    # overdrawn terms never go negative
    assert BeneficiaryTerm.new(T(10), T(30), E(50)).available(E(0)) == ZERO
    assert BeneficiaryTerm() == BeneficiaryTerm(ZERO, ZERO, E(0))


def test_pending_change_starts_unapproved() -> None:
    change = PendingBeneficiaryChange.new(Address.new_id(9), T(5), E(77))
    assert not change.approved_by_beneficiary
    assert not change.approved_by_nominee
    assert change.to_json() == {
        "NewBeneficiary": str(Address.new_id(9)),
        "NewQuota": "5",
        "NewExpiration": 77,
        "ApprovedByBeneficiary": False,
        "ApprovedByNominee": False,
    }


_tokens = st.integers(0, 10**30).map(TokenAmount)
_epochs = st.integers(-(1 << 63), (1 << 63) - 1).map(ChainEpoch)


@settings(max_examples=50, deadline=None)
@given(st.builds(BeneficiaryTerm, _tokens, _tokens, _epochs))
def test_term_cbor_round_trip(term: BeneficiaryTerm) -> None:
    assert BeneficiaryTerm.decode(term.encode()) == term


@settings(max_examples=50, deadline=None)
@given(
    st.builds(
        PendingBeneficiaryChange,
        st.integers(0, 1 << 62).map(Address.new_id),
        _tokens,
        _epochs,
        st.booleans(),
        st.booleans(),
    )
)
def test_pending_change_cbor_round_trip(change: PendingBeneficiaryChange) -> None:
    assert PendingBeneficiaryChange.decode(change.encode()) == change
