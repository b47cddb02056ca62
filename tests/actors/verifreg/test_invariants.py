"""The registry's state invariants (builtin-actors verifreg ``testing.rs``) catch each violation."""

from __future__ import annotations

from dataclasses import replace

from filnet.actors.encoding import bigint
from filnet.actors.verifreg.invariants import check_state, check_state_invariants
from filnet.actors.verifreg.state import VerifregState
from filnet.core.address import Address
from filnet.core.types import ActorID, ChainEpoch
from filnet.ipld import codecs, multihash
from filnet.ipld.cid import CID
from tests.actors.verifreg.harness import (
    MAX_EXPIRATION,
    MAX_TERM,
    MIN_SIZE,
    MIN_TERM,
    POLICY,
    Harness,
    make_alloc,
    make_claim,
    new_harness,
    state,
)


def _problems(h: Harness, epoch: int = 0) -> list[str]:
    return check_state_invariants(state(h.rt), h.rt.store, POLICY, ChainEpoch(epoch))


def test_sound_state_and_summary() -> None:
    h = new_harness()
    h.add_verifier(Address.new_id(201), MIN_SIZE)
    alloc_id = h.create_alloc(make_alloc("1", ActorID(101), ActorID(301), MIN_SIZE))
    claim_id = h.create_claim(make_claim("2", ActorID(101), ActorID(301), MIN_SIZE, MIN_TERM, MIN_TERM, 0, 7))
    summary, problems = check_state(state(h.rt), h.rt.store, POLICY, ChainEpoch(0))
    assert problems == []
    assert summary.verifiers == {Address.new_id(201): MIN_SIZE}
    assert set(summary.allocations) == {alloc_id} and set(summary.claims) == {claim_id}


def test_allocation_violations() -> None:
    h = new_harness()
    bad = replace(
        make_alloc("1", ActorID(101), ActorID(301), MIN_SIZE - 1),
        term_min=ChainEpoch(MIN_TERM - 1),
        term_max=ChainEpoch(MAX_TERM + 1),
        expiration=ChainEpoch(MAX_EXPIRATION + 1),
    )
    h.create_alloc(bad)
    assert _problems(h) == [
        "allocation 1 size 1048575 too small",
        "allocation 1 term min 518399 too small",
        "allocation 1 term max 5259486 too large",
        "allocation 1 expiration 172801 too far from now 0",
    ]
    # Without a policy or an epoch only the structural checks apply.
    assert check_state_invariants(state(h.rt), h.rt.store) == []
    inverted = replace(
        make_alloc("2", ActorID(101), ActorID(301), MIN_SIZE), term_min=ChainEpoch(MIN_TERM * 3)
    )
    h.create_alloc(inverted)
    assert f"allocation 2 term min {MIN_TERM * 3} exceeds max {MIN_TERM * 2}" in _problems(h)


def test_claim_violations() -> None:
    h = new_harness()
    h.create_claim(
        make_claim("1", ActorID(101), ActorID(301), MIN_SIZE - 1, MIN_TERM - 1, MIN_TERM - 2, 5, 0)
    )
    assert _problems(h, epoch=4) == [
        "claim 1 term min 518399 exceeds max 518398",
        f"claim 1 size 1048575 below minimum {MIN_SIZE}",
        f"claim 1 term min 518399 below minimum {MIN_TERM}",
        "claim 1 term start 5 after now 4",
    ]
    # A claim's maximum term may exceed the policy's: paid extensions lengthen it.
    h = new_harness()
    h.create_claim(make_claim("1", ActorID(101), ActorID(301), MIN_SIZE, MIN_TERM, MAX_TERM * 2, 0, 0))
    assert _problems(h) == []


def test_ids_and_filing() -> None:
    h = new_harness()
    h.create_alloc(make_alloc("1", ActorID(101), ActorID(301), MIN_SIZE))
    st = state(h.rt)
    assert "allocation ID 1 is not in 1..0" in check_state_invariants(
        replace(st, next_allocation_id=1), h.rt.store, POLICY
    )
    # An allocation filed under another client.
    allocs = st.load_allocs(h.rt.store)
    allocs.put(ActorID(102), 1, make_alloc("1", ActorID(101), ActorID(301), MIN_SIZE))
    misfiled = st.save_allocs(allocs)
    assert "allocation 1 of f0101 is filed under f0102" in check_state_invariants(misfiled, h.rt.store)


def test_verifier_violations_and_broken_maps() -> None:
    h = new_harness()
    st = state(h.rt)
    verifiers = st.load_verifiers(h.rt.store)
    key = Address.new_actor(b"not an id")
    verifiers.set(bytes(key), bigint(-1))
    broken = replace(st, verifiers=verifiers.flush())
    assert check_state_invariants(broken, h.rt.store) == [
        f"verifier {key} is not an ID address",
        f"verifier {key} has negative allowance -1",
    ]
    missing = CID.compute(codecs.DAG_CBOR, b"missing", multihash.BLAKE2B_256)
    problems = check_state_invariants(replace(st, claims=missing), h.rt.store)
    assert len(problems) == 1 and problems[0].startswith("error loading claims")
    assert isinstance(st, VerifregState)
