"""Allocations and claims: expiry, claiming, reading, extending (builtin-actors verifreg_actor_test.rs
``allocs_claims``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from filnet.actors import manifest
from filnet.actors.batch_return import FailCode
from filnet.actors.datacap.methods import Method as DatacapMethod
from filnet.actors.datacap.types import BurnParams, TransferParams
from filnet.actors.singletons import DATACAP_TOKEN_ACTOR
from filnet.actors.verifreg.methods import Method
from filnet.actors.verifreg.state import Claim
from filnet.actors.verifreg.types import (
    AllocationClaim,
    ClaimAllocationsParams,
    ClaimTerm,
    ExtendClaimTermsParams,
    GetClaimsParams,
    RemoveExpiredAllocationsParams,
    RemoveExpiredClaimsParams,
    SectorAllocationClaims,
)
from filnet.core.address import Address
from filnet.core.token import ZERO
from filnet.core.types import ActorID, ChainEpoch
from filnet.ipld.cid import CID
from filnet.ipld.hamt import Hamt
from filnet.vm.exit_codes import ExitCode
from filnet.vm.runtime import SendResult
from tests.actors.verifreg.harness import (
    MAX_TERM,
    MIN_SIZE,
    MIN_TERM,
    Harness,
    aborts,
    add_miner,
    assert_alloc_claimed,
    assert_allocation,
    assert_claim,
    call,
    expect_abort,
    make_alloc,
    make_claim,
    make_claim_reqs,
    new_harness,
    replace_state,
    state,
    tokens,
)

CLIENT1 = ActorID(101)
CLIENT2 = ActorID(102)
PROVIDER1 = ActorID(301)
PROVIDER2 = ActorID(302)
ALLOC_SIZE = MIN_SIZE
OK = ExitCode.OK
FORBIDDEN = ExitCode.USR_FORBIDDEN
NOT_FOUND = ExitCode.USR_NOT_FOUND


def test_expire_allocs() -> None:
    h = new_harness()
    rt = h.rt
    alloc1 = make_alloc("1", CLIENT1, PROVIDER1, ALLOC_SIZE)
    alloc2 = replace(make_alloc("2", CLIENT1, PROVIDER1, ALLOC_SIZE * 2), expiration=ChainEpoch(200))
    total_size = alloc1.size + alloc2.size
    id1 = h.create_alloc(alloc1)
    id2 = h.create_alloc(alloc2)
    with_allocs = state(rt)

    # Allocations that have not expired cannot be removed.
    ret = h.remove_expired_allocations(CLIENT1, [id1, id2], [])
    assert ret.considered == (1, 2)
    assert ret.results.codes() == [FORBIDDEN, FORBIDDEN]
    assert ret.datacap_recovered == 0

    # Nor can another client's.
    rt.epoch = ChainEpoch(200)
    ret = h.remove_expired_allocations(CLIENT2, [id1, id2], [])
    assert ret.considered == (1, 2)
    assert ret.results.codes() == [NOT_FOUND, NOT_FOUND]
    assert ret.datacap_recovered == 0

    # The first has expired.
    rt.epoch = ChainEpoch(100)
    ret = h.remove_expired_allocations(CLIENT1, [id1, id2], [(id1, alloc1)])
    assert ret.considered == (1, 2)
    assert ret.results.codes() == [OK, FORBIDDEN]
    assert ret.datacap_recovered == alloc1.size

    # Then the second (the first is no longer there).
    rt.epoch = ChainEpoch(200)
    ret = h.remove_expired_allocations(CLIENT1, [id1, id2], [(id2, alloc2)])
    assert ret.considered == (1, 2)
    assert ret.results.codes() == [NOT_FOUND, OK]
    assert ret.datacap_recovered == alloc2.size

    # Both at once.
    replace_state(rt, with_allocs)
    ret = h.remove_expired_allocations(CLIENT1, [id1, id2], [(id1, alloc1), (id2, alloc2)])
    assert ret.results.codes() == [OK, OK]
    assert ret.datacap_recovered == total_size

    # Only what was asked for.
    replace_state(rt, with_allocs)
    ret = h.remove_expired_allocations(CLIENT1, [id1], [(id1, alloc1)])
    assert ret.considered == (1,)
    assert ret.results.codes() == [OK]
    assert ret.datacap_recovered == alloc1.size

    # Asking for none removes the expired ones only.
    rt.epoch = ChainEpoch(0)
    replace_state(rt, with_allocs)
    ret = h.remove_expired_allocations(CLIENT1, [], [])
    assert ret.considered == ()
    assert ret.results.codes() == []
    assert ret.datacap_recovered == 0
    assert h.load_alloc(CLIENT1, id1) is not None and h.load_alloc(CLIENT1, id2) is not None

    rt.epoch = ChainEpoch(100)
    ret = h.remove_expired_allocations(CLIENT1, [], [(id1, alloc1)])
    assert ret.considered == (1,)
    assert ret.results.codes() == [OK]
    assert ret.datacap_recovered == alloc1.size
    assert h.load_alloc(CLIENT1, id1) is None and h.load_alloc(CLIENT1, id2) is not None

    rt.epoch = ChainEpoch(200)
    ret = h.remove_expired_allocations(CLIENT1, [], [(id2, alloc2)])
    assert ret.considered == (2,)
    assert ret.datacap_recovered == alloc2.size
    assert h.load_alloc(CLIENT1, id2) is None
    # The client's emptied inner map is dropped from the outer map.
    assert state(rt).allocations == Hamt(rt.store).flush()

    # Asking for none removes all the expired ones.
    replace_state(rt, with_allocs)
    ret = h.remove_expired_allocations(CLIENT1, [], [(id1, alloc1), (id2, alloc2)])
    assert ret.considered == (1, 2)
    assert ret.results.codes() == [OK, OK]
    assert ret.datacap_recovered == total_size
    h.check_state()


def test_expire_allocs_listed_twice_aborts() -> None:
    h = new_harness()
    alloc = make_alloc("1", CLIENT1, PROVIDER1, ALLOC_SIZE)
    alloc_id = h.create_alloc(alloc)
    h.rt.epoch = ChainEpoch(100)
    params = RemoveExpiredAllocationsParams(CLIENT1, (alloc_id, alloc_id))
    aborts(ExitCode.USR_ASSERTION_FAILED, h.rt, Method.REMOVE_EXPIRED_ALLOCATIONS, params.encode())
    assert h.load_alloc(CLIENT1, alloc_id) == alloc
    h.check_state()


def test_expire_allocs_transfer_failure_aborts() -> None:
    h = new_harness()
    alloc = make_alloc("1", CLIENT1, PROVIDER1, ALLOC_SIZE)
    alloc_id = h.create_alloc(alloc)
    h.rt.epoch = ChainEpoch(100)
    transfer = TransferParams(Address.new_id(CLIENT1), tokens(alloc.size), b"")
    h.rt.expect_send(
        DATACAP_TOKEN_ACTOR,
        DatacapMethod.TRANSFER_EXPORTED,
        transfer.encode(),
        ZERO,
        SendResult(ExitCode.USR_INSUFFICIENT_FUNDS),
    )
    params = RemoveExpiredAllocationsParams(CLIENT1, ())
    aborts(ExitCode.USR_INSUFFICIENT_FUNDS, h.rt, Method.REMOVE_EXPIRED_ALLOCATIONS, params.encode())
    assert h.load_alloc(CLIENT1, alloc_id) == alloc
    assert h.rt.events == []
    h.check_state()


def with_claim(group: SectorAllocationClaims, index: int, **changes: Any) -> SectorAllocationClaims:
    """The sector group with one of its allocation claims changed."""
    claims: list[AllocationClaim] = list(group.claims)
    claims[index] = replace(claims[index], **changes)
    return replace(group, claims=tuple(claims))


class TestClaimAllocs:
    """builtin-actors ``claim_allocs``: each block starts again from the same four allocations."""

    size = MIN_SIZE
    sector = 1000
    expiry = MIN_TERM

    @pytest.fixture(autouse=True)
    def allocations(self) -> None:
        self.h = new_harness()
        self.alloc1 = make_alloc("1", CLIENT1, PROVIDER1, self.size)
        self.alloc2 = make_alloc("2", CLIENT2, PROVIDER1, self.size)  # another client
        self.alloc3 = make_alloc("3", CLIENT1, PROVIDER1, self.size)
        self.alloc4 = make_alloc("4", CLIENT1, PROVIDER2, self.size)  # another provider
        self.id1 = self.h.create_alloc(self.alloc1)
        self.id2 = self.h.create_alloc(self.alloc2)
        self.id3 = self.h.create_alloc(self.alloc3)
        self.id4 = self.h.create_alloc(self.alloc4)
        self.h.check_state()

    def test_claim_two_in_one_sector(self) -> None:
        h, a1, a2 = self.h, self.alloc1, self.alloc2
        reqs = [make_claim_reqs(self.sector, self.expiry, [(self.id1, a1), (self.id2, a2)])]
        ret = h.claim_allocations(
            PROVIDER1, reqs, self.size * 2, False, [(self.id1, a1, self.sector), (self.id2, a2, self.sector)]
        )
        assert ret.sector_results.codes() == [OK]
        assert ret.sector_claims[0].claimed_space == 2 * self.size
        assert_alloc_claimed(h.rt, CLIENT1, PROVIDER1, self.id1, a1, 0, self.sector)
        assert_alloc_claimed(h.rt, CLIENT2, PROVIDER1, self.id2, a2, 0, self.sector)
        h.check_state()

    def test_wrong_client_not_found(self) -> None:
        h, a1, a2 = self.h, self.alloc1, self.alloc2
        # The second sector names the wrong client; the first succeeds regardless.
        reqs = [
            make_claim_reqs(self.sector, self.expiry, [(self.id1, a1)]),
            make_claim_reqs(self.sector, self.expiry, [(self.id2, a2)]),
        ]
        reqs[1] = with_claim(reqs[1], 0, client=CLIENT1)
        ret = h.claim_allocations(PROVIDER1, reqs, self.size, False, [(self.id1, a1, self.sector)])
        assert ret.sector_results.codes() == [OK, NOT_FOUND]
        assert ret.sector_claims[0].claimed_space == self.size
        assert_alloc_claimed(h.rt, CLIENT1, PROVIDER1, self.id1, a1, 0, self.sector)
        assert_allocation(h.rt, CLIENT2, 2, a2)
        h.check_state()

    def test_other_provider_forbidden(self) -> None:
        h = self.h
        reqs = [make_claim_reqs(self.sector, self.expiry, [(self.id4, self.alloc4)])]
        ret = h.claim_allocations(PROVIDER1, reqs, 0, False, [])
        assert ret.sector_results.codes() == [FORBIDDEN]
        assert ret.sector_claims == ()
        assert_allocation(h.rt, CLIENT1, self.id4, self.alloc4)
        h.check_state()

    def test_same_alloc_twice(self) -> None:
        h, a1 = self.h, self.alloc1
        # Twice in one sector aborts.
        reqs = [make_claim_reqs(self.sector, self.expiry, [(self.id1, a1), (self.id1, a1)])]
        with expect_abort(h.rt, ExitCode.USR_ILLEGAL_ARGUMENT, "already exists"):
            h.claim_allocations(PROVIDER1, reqs, self.size, False, [(self.id1, a1, self.sector)])
        assert_allocation(h.rt, CLIENT1, self.id1, a1)
        # In two sectors, the second finds it gone.
        reqs = [
            make_claim_reqs(self.sector, self.expiry, [(self.id1, a1)]),
            make_claim_reqs(self.sector, self.expiry, [(self.id1, a1)]),
        ]
        ret = h.claim_allocations(PROVIDER1, reqs, self.size, False, [(self.id1, a1, self.sector)])
        assert ret.sector_results.codes() == [OK, NOT_FOUND]
        assert ret.sector_claims[0].claimed_space == self.size
        assert_alloc_claimed(h.rt, CLIENT1, PROVIDER1, self.id1, a1, 0, self.sector)
        h.check_state()

    def test_mismatched_data_or_size(self) -> None:
        h = self.h
        reqs = [
            make_claim_reqs(self.sector, self.expiry, [(self.id1, self.alloc1)]),
            make_claim_reqs(self.sector, self.expiry, [(self.id2, self.alloc2)]),
        ]
        other = CID.parse("bafyreibjo4xmgaevkgud7mbifn3dzp4v4lyaui4yvqp3f2bqwtxcjrdqg4")
        reqs = [with_claim(reqs[0], 0, data=other), with_claim(reqs[1], 0, size=self.size + 1)]
        ret = h.claim_allocations(PROVIDER1, reqs, 0, False, [])
        assert ret.sector_results.codes() == [FORBIDDEN, FORBIDDEN]
        assert ret.sector_claims == ()
        h.check_state()

    def test_expired_allocation(self) -> None:
        h = self.h
        reqs = [make_claim_reqs(self.sector, self.expiry, [(self.id1, self.alloc1)])]
        h.rt.epoch = ChainEpoch(self.alloc1.expiration + 1)
        ret = h.claim_allocations(PROVIDER1, reqs, 0, False, [])
        assert ret.sector_results.codes() == [FORBIDDEN]
        assert ret.sector_claims == ()
        h.check_state()

    def test_sector_expiration_out_of_terms(self) -> None:
        h, a1 = self.h, self.alloc1
        for expiry in (a1.term_min - 1, a1.term_max + 1):
            reqs = [make_claim_reqs(self.sector, expiry, [(self.id1, a1)])]
            ret = h.claim_allocations(PROVIDER1, reqs, 0, False, [])
            assert ret.sector_results.codes() == [FORBIDDEN]
            assert ret.sector_claims == ()
        # Exactly at either bound is fine.
        for expiry, sector in ((a1.term_min, 1), (a1.term_max, 2)):
            alloc = make_alloc(f"bound {expiry}", CLIENT1, PROVIDER1, self.size)
            alloc_id = h.create_alloc(alloc)
            reqs = [make_claim_reqs(sector, expiry, [(alloc_id, alloc)])]
            ret = h.claim_allocations(PROVIDER1, reqs, self.size, False, [(alloc_id, alloc, sector)])
            assert ret.sector_results.codes() == [OK]
        h.check_state()

    def _one_bad_size(self, also_third: bool) -> list[SectorAllocationClaims]:
        """Two sector groups, the second claim of the first with a wrong (zero) size."""
        reqs = [
            make_claim_reqs(self.sector, self.expiry, [(self.id1, self.alloc1), (self.id2, self.alloc2)]),
            make_claim_reqs(self.sector, self.expiry, [(self.id3, self.alloc3)]),
        ]
        reqs[0] = with_claim(reqs[0], 1, size=0)
        if also_third:
            reqs[1] = with_claim(reqs[1], 0, size=0)
        return reqs

    def test_failure_aborts_only_its_sector(self) -> None:
        h = self.h
        reqs = self._one_bad_size(also_third=False)
        ret = h.claim_allocations(PROVIDER1, reqs, self.size, False, [(self.id3, self.alloc3, self.sector)])
        assert ret.sector_results.codes() == [FORBIDDEN, OK]
        assert ret.sector_claims[0].claimed_space == self.size
        assert_allocation(h.rt, CLIENT1, self.id1, self.alloc1)
        assert_allocation(h.rt, CLIENT2, self.id2, self.alloc2)
        assert_alloc_claimed(h.rt, CLIENT1, PROVIDER1, self.id3, self.alloc3, 0, self.sector)
        h.check_state()

    def test_every_sector_may_fail(self) -> None:
        h = self.h
        ret = h.claim_allocations(PROVIDER1, self._one_bad_size(also_third=True), 0, False, [])
        assert ret.sector_results.codes() == [FORBIDDEN, FORBIDDEN]
        assert ret.sector_claims == ()
        h.check_state()

    def test_all_or_nothing_aborts_everything(self) -> None:
        h = self.h
        before = h.rt.head
        with expect_abort(h.rt, ExitCode.USR_ILLEGAL_ARGUMENT, "all-or-nothing"):
            h.claim_allocations(
                PROVIDER1,
                self._one_bad_size(also_third=False),
                0,
                True,
                [(self.id3, self.alloc3, self.sector)],
            )
        assert h.rt.head == before
        assert h.rt.events == []
        h.check_state()

    def test_requires_miner_caller(self) -> None:
        h = self.h
        h.rt.set_caller(Address.new_id(CLIENT1), manifest.ACCOUNT)
        reqs = (make_claim_reqs(self.sector, self.expiry, [(self.id1, self.alloc1)]),)
        params = ClaimAllocationsParams(reqs, False)
        aborts(ExitCode.USR_FORBIDDEN, h.rt, Method.CLAIM_ALLOCATIONS, params.encode())
        h.check_state()

    def test_rejects_no_sectors(self) -> None:
        h = self.h
        add_miner(h.rt, PROVIDER1)
        h.rt.set_caller(Address.new_id(PROVIDER1), manifest.MINER)
        params = ClaimAllocationsParams((), False)
        aborts(ExitCode.USR_ILLEGAL_ARGUMENT, h.rt, Method.CLAIM_ALLOCATIONS, params.encode(), "no claims")
        h.check_state()

    def test_burn_failure_aborts(self) -> None:
        h = self.h
        add_miner(h.rt, PROVIDER1)
        h.rt.set_caller(Address.new_id(PROVIDER1), manifest.MINER)
        h.rt.expect_send(
            DATACAP_TOKEN_ACTOR,
            DatacapMethod.BURN_EXPORTED,
            BurnParams(tokens(self.size)).encode(),
            ZERO,
            SendResult(ExitCode.USR_INSUFFICIENT_FUNDS),
        )
        reqs = (make_claim_reqs(self.sector, self.expiry, [(self.id1, self.alloc1)]),)
        params = ClaimAllocationsParams(reqs, True)
        aborts(ExitCode.USR_INSUFFICIENT_FUNDS, h.rt, Method.CLAIM_ALLOCATIONS, params.encode())
        assert_allocation(h.rt, CLIENT1, self.id1, self.alloc1)
        h.check_state()


def _three_claims(h: Harness, max_term: int) -> tuple[list[int], list[Claim]]:
    """Two claims of PROVIDER1 and one of PROVIDER2, all CLIENT1's, from epoch 0."""
    claim1 = make_claim("1", CLIENT1, PROVIDER1, MIN_SIZE, MIN_TERM, max_term, 0, 0)
    claim2 = make_claim("2", CLIENT1, PROVIDER1, MIN_SIZE, MIN_TERM, max_term, 0, 0)
    claim3 = make_claim("3", CLIENT1, PROVIDER2, MIN_SIZE, MIN_TERM, max_term, 0, 0)
    return [h.create_claim(c) for c in (claim1, claim2, claim3)], [claim1, claim2, claim3]


def test_get_claims() -> None:
    h = new_harness()
    (id1, id2, id3), (claim1, claim2, _) = _three_claims(h, MIN_TERM + 1000)
    h.rt.set_caller(Address.new_id(CLIENT1), manifest.ACCOUNT)
    # Several.
    ret = h.get_claims(PROVIDER1, [id1, id2])
    assert ret.batch_info.success_count == 2
    assert ret.claims == (claim1, claim2)
    # The wrong provider.
    ret = h.get_claims(PROVIDER1, [id3])
    assert ret.batch_info.success_count == 0
    assert ret.batch_info.codes() == [NOT_FOUND]
    # A mixed bag.
    ret = h.get_claims(PROVIDER1, [id1, id3, id2])
    assert ret.batch_info.success_count == 2
    assert ret.claims == (claim1, claim2)
    assert ret.batch_info.fail_codes == (FailCode(1, NOT_FOUND),)
    h.check_state()


def test_extend_claims_basic() -> None:
    h = new_harness()
    max_term = MIN_TERM + 1000
    (id1, id2, id3), (claim1, claim2, claim3) = _three_claims(h, max_term)
    params = ExtendClaimTermsParams(
        (
            ClaimTerm(PROVIDER1, id1, ChainEpoch(max_term + 1)),
            ClaimTerm(PROVIDER1, id2, ChainEpoch(max_term + 2)),
            ClaimTerm(PROVIDER2, id3, ChainEpoch(max_term + 3)),
        )
    )
    h.rt.set_caller(Address.new_id(CLIENT1), manifest.ACCOUNT)
    ret = h.extend_claim_terms(params, [(id1, claim1), (id2, claim2), (id3, claim3)])
    assert ret.codes() == [OK, OK, OK]
    for provider, claim_id, claim, extra in (
        (PROVIDER1, id1, claim1, 1),
        (PROVIDER1, id2, claim2, 2),
        (PROVIDER2, id3, claim3, 3),
    ):
        assert_claim(h.rt, provider, claim_id, replace(claim, term_max=ChainEpoch(max_term + extra)))
    h.check_state()


def test_extend_claims_edge_cases() -> None:
    h = new_harness()
    max_term = MIN_TERM + 1000
    claim = make_claim("1", CLIENT1, PROVIDER1, MIN_SIZE, MIN_TERM, max_term, 0, 0)

    def extend(provider: ActorID, term_max: int, caller: ActorID, expect_updated: bool) -> list[ExitCode]:
        claim_id = h.create_claim(claim)
        params = ExtendClaimTermsParams((ClaimTerm(provider, claim_id, ChainEpoch(term_max)),))
        h.rt.set_caller(Address.new_id(caller), manifest.ACCOUNT)
        return h.extend_claim_terms(params, [(claim_id, claim)] if expect_updated else []).codes()

    # A no-op extension succeeds.
    assert extend(PROVIDER1, max_term, CLIENT1, True) == [OK]
    # Another client is forbidden.
    assert extend(PROVIDER1, max_term, CLIENT2, False) == [FORBIDDEN]
    # The wrong provider finds nothing.
    assert extend(PROVIDER2, max_term, CLIENT1, False) == [NOT_FOUND]
    # Beyond the policy's maximum term.
    assert extend(PROVIDER1, MAX_TERM + 1, CLIENT1, False) == [ExitCode.USR_ILLEGAL_ARGUMENT]
    # Shorter.
    assert extend(PROVIDER1, max_term - 1, CLIENT1, False) == [ExitCode.USR_ILLEGAL_ARGUMENT]
    # An expired claim may still be extended (up to the policy's maximum).
    h.rt.epoch = ChainEpoch(max_term + 1)
    assert extend(PROVIDER1, MAX_TERM, CLIENT1, True) == [OK]
    h.check_state()


def test_expire_claims() -> None:
    h = new_harness()
    rt = h.rt
    # Expires at term_min + 100; the second 100 epochs later.
    claim1 = make_claim("1", CLIENT1, PROVIDER1, ALLOC_SIZE, MIN_TERM, MIN_TERM + 100, 0, 0)
    claim2 = make_claim("2", CLIENT1, PROVIDER1, ALLOC_SIZE * 2, MIN_TERM, MIN_TERM, 200, 0)
    id1 = h.create_claim(claim1)
    id2 = h.create_claim(claim2)
    with_claims = state(rt)

    rt.epoch = ChainEpoch(MIN_TERM + 99)
    ret = h.remove_expired_claims(PROVIDER1, [id1, id2], [])
    assert ret.considered == (1, 2)
    assert ret.results.codes() == [FORBIDDEN, FORBIDDEN]

    rt.epoch = ChainEpoch(MIN_TERM + 100)
    ret = h.remove_expired_claims(PROVIDER1, [id1, id2], [(id1, claim1)])
    assert ret.results.codes() == [OK, FORBIDDEN]

    rt.epoch = ChainEpoch(MIN_TERM + 200)
    ret = h.remove_expired_claims(PROVIDER1, [id1, id2], [(id2, claim2)])
    assert ret.results.codes() == [NOT_FOUND, OK]

    # Asking for none removes the expired ones only.
    rt.epoch = ChainEpoch(MIN_TERM)
    replace_state(rt, with_claims)
    ret = h.remove_expired_claims(PROVIDER1, [], [])
    assert ret.considered == ()
    assert ret.results.codes() == []
    assert h.load_claim(PROVIDER1, id1) is not None and h.load_claim(PROVIDER1, id2) is not None

    rt.epoch = ChainEpoch(MIN_TERM + 200)
    ret = h.remove_expired_claims(PROVIDER1, [], [(id1, claim1), (id2, claim2)])
    assert ret.considered == (1, 2)
    assert ret.results.codes() == [OK, OK]
    assert h.load_claim(PROVIDER1, id1) is None and h.load_claim(PROVIDER1, id2) is None
    h.check_state()


def test_expire_claims_listed_twice_aborts() -> None:
    h = new_harness()
    claim = make_claim("1", CLIENT1, PROVIDER1, ALLOC_SIZE, MIN_TERM, MIN_TERM, 0, 0)
    claim_id = h.create_claim(claim)
    h.rt.epoch = ChainEpoch(MIN_TERM)
    params = RemoveExpiredClaimsParams(PROVIDER1, (claim_id, claim_id))
    aborts(ExitCode.USR_ASSERTION_FAILED, h.rt, Method.REMOVE_EXPIRED_CLAIMS, params.encode())
    assert h.load_claim(PROVIDER1, claim_id) == claim
    h.check_state()


def test_claims_restricted_correctly() -> None:
    h = new_harness()
    contract = Address.new_id(CLIENT1)
    h.rt.add_actor(contract, manifest.EVM)
    h.rt.set_caller(contract, manifest.EVM)
    params = ExtendClaimTermsParams(())
    # A contract may not call the internal method numbers ...
    aborts(ExitCode.USR_FORBIDDEN, h.rt, Method.EXTEND_CLAIM_TERMS, params.encode(), "must be built-in")
    get = GetClaimsParams(PROVIDER1, ())
    aborts(ExitCode.USR_FORBIDDEN, h.rt, Method.GET_CLAIMS, get.encode(), "must be built-in")
    # ... but may call the exported ones.
    assert h.extend_claim_terms(params, [], Method.EXTEND_CLAIM_TERMS_EXPORTED).codes() == []
    assert h.get_claims(PROVIDER1, [], Method.GET_CLAIMS_EXPORTED).claims == ()
    remove = RemoveExpiredClaimsParams(PROVIDER1, ())
    call(h.rt, Method.REMOVE_EXPIRED_CLAIMS_EXPORTED, remove.encode())
    h.check_state()
