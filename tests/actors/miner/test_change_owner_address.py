"""ChangeOwnerAddress (builtin-actors ``change_owner_address_test.rs``)."""

from __future__ import annotations

from dataclasses import replace

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.beneficiary import BeneficiaryTerm, PendingBeneficiaryChange
from filnet.actors.miner.methods import Method
from filnet.actors.miner.types import ChangeOwnerAddressParams
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.vm.exit_codes import ExitCode

from .harness import HarnessRuntime, MinerHarness, expect_abort

NEW_OWNER = Address.new_id(201)
OTHER = Address.new_id(202)


def setup() -> tuple[MinerHarness, HarnessRuntime]:
    h = MinerHarness()
    rt = h.new_runtime()
    h.construct_and_verify(rt)
    for a in (NEW_OWNER, OTHER):
        rt.add_actor(a, "account")
    return h, rt


def change(
    rt: HarnessRuntime, caller: Address, new: Address, method: int = Method.CHANGE_OWNER_ADDRESS
) -> object:
    rt.set_caller(caller, "account")
    return rt.call(ACTOR, method, ChangeOwnerAddressParams(new).encode())


def test_successful_change() -> None:
    h, rt = setup()
    change(rt, h.owner, NEW_OWNER)
    info = h.get_info(rt)
    assert info.owner == h.owner and info.pending_owner_address == NEW_OWNER
    change(rt, NEW_OWNER, NEW_OWNER, Method.CHANGE_OWNER_ADDRESS_EXPORTED)
    info = h.get_info(rt)
    assert info.owner == NEW_OWNER and info.pending_owner_address is None
    # The beneficiary was the owner, so it follows.
    assert info.beneficiary == NEW_OWNER
    h.check_state(rt)


def test_keeps_other_beneficiary_and_drops_pending_beneficiary_change() -> None:
    h, rt = setup()
    state = h.get_state(rt)
    pending = PendingBeneficiaryChange(OTHER, TokenAmount(5), ChainEpoch(100))
    info = replace(
        state.get_info(rt.store),
        beneficiary=OTHER,
        beneficiary_term=BeneficiaryTerm(TokenAmount(10), TokenAmount(0), ChainEpoch(100)),
        pending_beneficiary_term=pending,
    )
    h.put_state(rt, state.save_info(rt.store, info))
    change(rt, h.owner, NEW_OWNER)
    change(rt, NEW_OWNER, NEW_OWNER)
    info = h.get_info(rt)
    assert info.owner == NEW_OWNER and info.beneficiary == OTHER and info.pending_beneficiary_term is None


def test_proposed_must_be_an_id_address() -> None:
    h, rt = setup()
    robust = Address.new_secp256k1(b"\x04" + bytes(64))
    expect_abort(rt, ExitCode.USR_ILLEGAL_ARGUMENT, lambda: change(rt, h.owner, robust), "ID address")


def test_withdraw_proposal_and_restrictions() -> None:
    h, rt = setup()
    # Only the owner may propose.
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: change(rt, h.worker, NEW_OWNER))
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: change(rt, NEW_OWNER, NEW_OWNER))
    change(rt, h.owner, NEW_OWNER)
    # Only the owner may change the proposal, only the nominee may confirm, and only itself.
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: change(rt, OTHER, OTHER))
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: change(rt, h.worker, NEW_OWNER))
    expect_abort(
        rt, ExitCode.USR_ILLEGAL_ARGUMENT, lambda: change(rt, NEW_OWNER, OTHER), "expected confirmation"
    )
    change(rt, h.owner, OTHER)
    assert h.get_info(rt).pending_owner_address == OTHER
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: change(rt, NEW_OWNER, NEW_OWNER))
    # Proposing the owner itself withdraws the proposal.
    change(rt, h.owner, h.owner)
    assert h.get_info(rt).pending_owner_address is None
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: change(rt, OTHER, OTHER))
    assert h.get_info(rt).owner == h.owner
    h.check_state(rt)
