"""ChangeBeneficiary and GetBeneficiary (builtin-actors ``change_beneficiary_test.rs``, FIP-0029)."""

from __future__ import annotations

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.beneficiary import BeneficiaryTerm
from filnet.actors.miner.methods import Method
from filnet.actors.miner.types import ChangeBeneficiaryParams, GetBeneficiaryReturn
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.vm.exit_codes import ExitCode

from .harness import HarnessRuntime, MinerHarness, expect_abort

FIRST = Address.new_id(3001)
SECOND = Address.new_id(3002)


def setup() -> tuple[MinerHarness, HarnessRuntime]:
    h = MinerHarness()
    rt = h.new_runtime()
    h.construct_and_verify(rt)
    for a in (FIRST, SECOND):
        rt.add_actor(a, "account")
    return h, rt


def change(rt: HarnessRuntime, caller: Address, to: Address, quota: int, expiration: int) -> object:
    rt.set_caller(caller, "account")
    params = ChangeBeneficiaryParams(to, TokenAmount(quota), ChainEpoch(expiration)).encode()
    return rt.call(ACTOR, Method.CHANGE_BENEFICIARY, params)


def get(rt: HarnessRuntime, method: int = Method.GET_BENEFICIARY) -> GetBeneficiaryReturn:
    rt.set_caller(Address.new_id(4444), "account")
    return GetBeneficiaryReturn.decode(rt.call(ACTOR, method, b""))


def test_change_owner_to_another_address_in_two_messages() -> None:
    h, rt = setup()
    change(rt, h.owner, FIRST, 100, 200)
    proposed = get(rt).proposed
    assert proposed is not None and proposed.new_beneficiary == FIRST
    # The owner's term has nothing left, so the current beneficiary's approval is implied.
    assert proposed.approved_by_beneficiary and not proposed.approved_by_nominee
    change(rt, FIRST, FIRST, 100, 200)
    ret = get(rt, Method.GET_BENEFICIARY_EXPORTED)
    assert ret.proposed is None
    assert ret.active.beneficiary == FIRST
    assert ret.active.term == BeneficiaryTerm(TokenAmount(100), ZERO, ChainEpoch(200))
    h.check_state(rt)


def test_change_from_another_beneficiary_needs_three_messages() -> None:
    h, rt = setup()
    change(rt, h.owner, FIRST, 100, 200)
    change(rt, FIRST, FIRST, 100, 200)
    change(rt, h.owner, SECOND, 101, 201)
    proposed = get(rt).proposed
    assert proposed is not None and not proposed.approved_by_beneficiary and not proposed.approved_by_nominee
    change(rt, SECOND, SECOND, 101, 201)
    assert get(rt).active.beneficiary == FIRST
    change(rt, FIRST, SECOND, 101, 201)
    ret = get(rt)
    assert ret.proposed is None and ret.active.beneficiary == SECOND
    assert ret.active.term == BeneficiaryTerm(TokenAmount(101), ZERO, ChainEpoch(201))


def test_expired_beneficiary_need_not_approve() -> None:
    h, rt = setup()
    change(rt, h.owner, FIRST, 100, 200)
    change(rt, FIRST, FIRST, 100, 200)
    rt.epoch = ChainEpoch(201)
    change(rt, h.owner, SECOND, 1001, 3)
    change(rt, SECOND, SECOND, 1001, 3)
    assert get(rt).active.beneficiary == SECOND


def test_owner_can_revoke_and_change_back_to_itself() -> None:
    h, rt = setup()
    change(rt, h.owner, FIRST, 100, 200)
    # Proposing the owner (still the beneficiary) revokes the unapproved proposal at once.
    change(rt, h.owner, h.owner, 0, 0)
    assert get(rt).proposed is None
    change(rt, h.owner, FIRST, 100, 200)
    change(rt, FIRST, FIRST, 100, 200)
    # Back to the owner: the beneficiary and the owner (as nominee) approve.
    change(rt, h.owner, h.owner, 0, 0)
    change(rt, FIRST, h.owner, 0, 0)
    ret = get(rt)
    assert ret.active.beneficiary == h.owner and ret.proposed is None
    h.check_state(rt)


def test_invalid_proposals_and_approvals() -> None:
    h, rt = setup()
    arg, forbidden = ExitCode.USR_ILLEGAL_ARGUMENT, ExitCode.USR_FORBIDDEN
    expect_abort(rt, forbidden, lambda: change(rt, FIRST, FIRST, 100, 200), "No changeBeneficiary proposal")
    expect_abort(rt, arg, lambda: change(rt, h.owner, FIRST, 0, 200), "must bigger than zero")
    expect_abort(rt, arg, lambda: change(rt, h.owner, h.owner, 1, 0), "must be zero")
    expect_abort(rt, arg, lambda: change(rt, h.owner, h.owner, 0, 1), "must be zero")
    expect_abort(rt, arg, lambda: change(rt, h.owner, Address.new_actor(b"x"), 1, 1), "unable to resolve")
    change(rt, h.owner, FIRST, 100, 200)
    expect_abort(rt, forbidden, lambda: change(rt, SECOND, FIRST, 100, 200), "neither proposal beneficiary")
    expect_abort(rt, arg, lambda: change(rt, FIRST, SECOND, 100, 200), "address must be equal")
    expect_abort(rt, arg, lambda: change(rt, FIRST, FIRST, 101, 200), "quota must be equal")
    expect_abort(rt, arg, lambda: change(rt, FIRST, FIRST, 100, 201), "expire date must be equal")


def test_get_beneficiary_correctly_restricted() -> None:
    h, rt = setup()
    rt.set_caller(Address.new_id(5555), "evm")
    expect_abort(
        rt, ExitCode.USR_FORBIDDEN, lambda: rt.call(ACTOR, Method.GET_BENEFICIARY, b""), "must be built-in"
    )
    ret = GetBeneficiaryReturn.decode(rt.call(ACTOR, Method.GET_BENEFICIARY_EXPORTED, b""))
    assert ret.active.beneficiary == h.owner and ret.active.term == BeneficiaryTerm()
