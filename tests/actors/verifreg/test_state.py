"""The registry's state operations (builtin-actors verifreg ``state.rs`` and ``expiration.rs``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from filnet.actors.encoding import uint_key
from filnet.actors.verifreg.expiration import check_expired, expiration, find_expired
from filnet.actors.verifreg.state import Claim, MapMap, VerifregState, empty_state
from filnet.core.address import Address
from filnet.core.types import ActorID, ChainEpoch
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.hamt import Hamt
from filnet.vm.exit_codes import ActorError, ExitCode
from tests.actors.verifreg.harness import MIN_SIZE, MIN_TERM, make_alloc, make_claim

ROOT = Address.new_id(101)


def test_verifiers() -> None:
    store = MemoryBlockstore()
    st = empty_state(store, ROOT)
    verifier = Address.new_id(201)
    assert st.get_verifier_cap(store, verifier) is None
    st = st.put_verifier(store, verifier, 5)
    assert st.get_verifier_cap(store, verifier) == 5
    # A zero allowance still makes a verifier.
    st = st.put_verifier(store, verifier, 0)
    assert st.get_verifier_cap(store, verifier) == 0
    st = st.remove_verifier(store, verifier)
    assert st.get_verifier_cap(store, verifier) is None
    assert st == empty_state(store, ROOT)
    with pytest.raises(ActorError) as info:
        st.remove_verifier(store, verifier)
    assert info.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_insert_allocations_numbers_them_from_next_id() -> None:
    store = MemoryBlockstore()
    st = empty_state(store, ROOT)
    assert st.insert_allocations(store, ActorID(101), []) == (st, [])
    allocs = [make_alloc(str(i), ActorID(101), ActorID(301), MIN_SIZE) for i in range(3)]
    st, ids = st.insert_allocations(store, ActorID(101), allocs)
    assert ids == [1, 2, 3] and st.next_allocation_id == 4
    st, ids = st.insert_allocations(store, ActorID(101), allocs[:1])
    assert ids == [4]
    loaded = st.load_allocs(store)
    assert [loaded.get(ActorID(101), i) for i in (1, 2, 3, 4)] == [*allocs, allocs[0]]
    assert loaded.get(ActorID(102), 1) is None


def test_put_claims_files_under_each_provider() -> None:
    store = MemoryBlockstore()
    st = empty_state(store, ROOT)
    assert st.put_claims(store, []) is st
    claim_a = make_claim("a", ActorID(101), ActorID(301), MIN_SIZE, MIN_TERM, MIN_TERM, 0, 1)
    claim_b = make_claim("b", ActorID(101), ActorID(302), MIN_SIZE, MIN_TERM, MIN_TERM, 0, 2)
    st = st.put_claims(store, [(1, claim_a), (2, claim_b)])
    claims = st.load_claims(store)
    assert claims.get(ActorID(301), 1) == claim_a and claims.get(ActorID(302), 2) == claim_b
    assert claims.get(ActorID(301), 2) is None
    # Overwriting replaces.
    longer = replace(claim_a, term_max=ChainEpoch(MIN_TERM + 1))
    assert st.put_claims(store, [(1, longer)]).load_claims(store).get(ActorID(301), 1) == longer


def test_map_map_drops_emptied_inner_maps_and_is_canonical() -> None:
    store = MemoryBlockstore()
    empty = Hamt(store, bit_width=5).flush()
    claim = make_claim("a", ActorID(101), ActorID(301), MIN_SIZE, MIN_TERM, MIN_TERM, 0, 1)
    claims = MapMap(store, empty, Claim)
    assert claims.put_if_absent(ActorID(301), 7, claim)
    assert not claims.put_if_absent(ActorID(301), 7, claim)
    root = claims.flush()
    # The same content built by hand has the same root.
    inner = Hamt(store, bit_width=5)
    inner.set(uint_key(7), claim.to_ipld())
    outer = Hamt(store, bit_width=5)
    outer.set(uint_key(301), inner.flush())
    assert root == outer.flush()
    # Removing the last entry removes the provider's map; reading a missing provider adds nothing.
    reopened = MapMap(store, root, Claim)
    assert reopened.remove(ActorID(301), 7) == claim
    assert reopened.remove(ActorID(301), 7) is None
    assert reopened.get(ActorID(999), 1) is None
    assert reopened.flush() == empty


def test_operations_need_the_v9_layout() -> None:
    store = MemoryBlockstore()
    empty = Hamt(store, bit_width=5).flush()
    old = VerifregState(ROOT, empty, empty, empty, None, None, None)
    # Verifiers are in every layout; allocations and claims only from v9.
    assert old.put_verifier(store, Address.new_id(201), 1).get_verifier_cap(store, Address.new_id(201)) == 1
    for operation in (old.load_allocs, old.load_claims):
        with pytest.raises(ActorError) as info:
            operation(store)
        assert info.value.exit_code is ExitCode.USR_ILLEGAL_STATE


def test_expiration() -> None:
    store = MemoryBlockstore()
    st = empty_state(store, ROOT)
    alloc = make_alloc("1", ActorID(101), ActorID(301), MIN_SIZE)
    claim = make_claim("1", ActorID(101), ActorID(301), MIN_SIZE, MIN_TERM, MIN_TERM + 5, 10, 0)
    assert expiration(alloc) == 100
    assert expiration(claim) == 10 + MIN_TERM + 5
    st, ids = st.insert_allocations(store, ActorID(101), [alloc, replace(alloc, expiration=ChainEpoch(200))])
    assert ids == [1, 2]
    allocs = st.load_allocs(store)
    assert find_expired(allocs, ActorID(101), ChainEpoch(99)) == []
    assert find_expired(allocs, ActorID(101), ChainEpoch(100)) == [1]
    assert sorted(find_expired(allocs, ActorID(101), ChainEpoch(200))) == [1, 2]
    assert find_expired(allocs, ActorID(102), ChainEpoch(200)) == []
    codes = check_expired(allocs, [2, 1, 3], ActorID(101), ChainEpoch(100)).codes()
    assert codes == [ExitCode.USR_FORBIDDEN, ExitCode.OK, ExitCode.USR_NOT_FOUND]
