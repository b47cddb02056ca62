"""The multisig actor's methods on the fake runtime, after builtin-actors' ``multisig_actor_test.rs``."""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors.multisig.actor import ACTOR
from filnet.actors.multisig.invariants import check_state_invariants
from filnet.actors.multisig.methods import Method
from filnet.actors.multisig.state import MultisigState, PendingTransactions, Transaction
from filnet.actors.multisig.types import (
    SIGNERS_MAX,
    AddSignerParams,
    ApproveReturn,
    ChangeNumApprovalsThresholdParams,
    ConstructorParams,
    LockBalanceParams,
    ProposeParams,
    ProposeReturn,
    RemoveSignerParams,
    SwapSignerParams,
    TxnIDParams,
)
from filnet.core.address import Address, Protocol
from filnet.core.frc42 import method_number
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch, MethodNum
from filnet.errors import DecodeError
from filnet.ipld import dagcbor
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.hamt import Hamt
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import SendResult
from filnet.vm.testing import FakeRuntime

INIT = Address.new_id(1)
MSIG = Address.new_id(1000)
ANNE, BOB, CHARLIE, DARLENE = (Address.new_id(n) for n in (101, 102, 103, 104))
ANNE_KEY = Address.new_bls(bytes([0xA0]) + bytes(47))
NOBODY = Address.new_id(200)
RECIPIENT = Address.new_id(300)
SEND = MethodNum(0)


def atto(n: int) -> TokenAmount:
    """n attoFIL."""
    return TokenAmount(n)


def new_runtime(balance: int = 0) -> FakeRuntime:
    """A runtime for MSIG with the usual accounts known."""
    rt = FakeRuntime(MSIG, caller=INIT, caller_name="init", balance=atto(balance))
    for signer in (ANNE, BOB, CHARLIE, DARLENE, NOBODY):
        rt.add_actor(signer, "account")
    rt.add_actor(ANNE, "account", ANNE_KEY)
    rt.add_actor(RECIPIENT, "account")
    return rt


def construct(
    rt: FakeRuntime,
    signers: tuple[Address, ...],
    threshold: int,
    unlock_duration: int = 0,
    start_epoch: int = 0,
    value: int = 0,
) -> None:
    """Run the constructor as the init actor."""
    rt.set_caller(INIT, "init")
    rt.value = atto(value)
    params = ConstructorParams(signers, threshold, ChainEpoch(unlock_duration), ChainEpoch(start_epoch))
    assert rt.call(ACTOR, Method.CONSTRUCTOR, params.encode()) == b""
    rt.value = atto(0)
    check(rt)


def state(rt: FakeRuntime) -> MultisigState:
    """The multisig's state."""
    return rt.get_state(MultisigState)


def pending(rt: FakeRuntime) -> dict[int, Transaction]:
    """The pending transactions."""
    return dict(PendingTransactions(rt.store, state(rt).pending_txs).items())


def check(rt: FakeRuntime) -> None:
    """Assert the state invariants and that every expected send was made."""
    assert check_state_invariants(state(rt), rt.store) == []
    rt.verify()


def as_caller(rt: FakeRuntime, caller: Address, method: int, params: bytes) -> bytes:
    """Call ``method`` as ``caller``."""
    rt.set_caller(caller, "account")
    return rt.call(ACTOR, method, params)


def propose(
    rt: FakeRuntime, caller: Address, to: Address, value: int, method: int = 0, params: bytes = b""
) -> ProposeReturn:
    """Propose a send as ``caller``."""
    raw = as_caller(
        rt, caller, Method.PROPOSE, ProposeParams(to, atto(value), MethodNum(method), params).encode()
    )
    return ProposeReturn.decode(raw)


def approve(rt: FakeRuntime, caller: Address, txn_id: int, proposal_hash: bytes = b"") -> ApproveReturn:
    """Approve as ``caller``."""
    return ApproveReturn.decode(
        as_caller(rt, caller, Method.APPROVE, TxnIDParams(txn_id, proposal_hash).encode())
    )


def cancel(rt: FakeRuntime, caller: Address, txn_id: int, proposal_hash: bytes = b"") -> None:
    """Cancel as ``caller``."""
    assert as_caller(rt, caller, Method.CANCEL, TxnIDParams(txn_id, proposal_hash).encode()) == b""


def self_call(rt: FakeRuntime, method: Method, params: bytes) -> bytes:
    """Call as the multisig itself (as an approved proposal does)."""
    rt.set_caller(MSIG, "multisig")
    return rt.call(ACTOR, method, params)


def aborts(code: ExitCode, rt: FakeRuntime, fn: object, *args: object) -> None:
    """Assert that ``fn(rt, *args)`` aborts with ``code`` and leaves state and expectations as they were."""
    before = rt.head
    with pytest.raises(ActorError) as raised:
        fn(rt, *args)  # type: ignore[operator]
    assert raised.value.exit_code is code, raised.value
    assert rt.head == before
    check(rt)


class AccountCreatingRuntime(FakeRuntime):
    """As in the VM, a successful send to a key address without an actor creates its account."""

    next_id = 500

    def send(
        self, to: Address, method: MethodNum | int, params: bytes = b"", value: TokenAmount | None = None
    ) -> SendResult:
        """Send, then create the account."""
        result = super().send(to, method, params, value)
        if (
            result.ok
            and to.protocol in (Protocol.SECP256K1, Protocol.BLS)
            and self.resolve_address(to) is None
        ):
            self.add_actor(Address.new_id(self.next_id), "account", to)
            self.next_id += 1
        return result


@pytest.fixture
def rt() -> Iterator[FakeRuntime]:
    """A fresh runtime."""
    runtime = new_runtime()
    yield runtime


# -- constructor ------------------------------------------------------------------------------------


class TestConstructor:
    def test_simple_construction(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB, CHARLIE), 2)
        st = state(rt)
        assert st.signers == (ANNE, BOB, CHARLIE)
        assert st.num_approvals_threshold == 2
        assert (st.next_tx_id, st.initial_balance, st.start_epoch, st.unlock_duration) == (0, atto(0), 0, 0)
        assert st.pending_txs == Hamt(MemoryBlockstore()).flush()
        assert pending(rt) == {}

    def test_signers_resolve_to_id_addresses(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE_KEY, BOB), 2)
        assert state(rt).signers == (ANNE, BOB)

    def test_new_key_address_is_created_by_a_zero_send(self) -> None:
        rt = AccountCreatingRuntime(MSIG, caller=INIT, caller_name="init")
        rt.add_actor(BOB, "account")
        fresh = Address.new_secp256k1(b"\x04" + bytes([7]) * 64)
        rt.expect_send(fresh, SEND, b"", atto(0))
        construct(rt, (fresh, BOB), 1)
        assert state(rt).signers == (Address.new_id(500), BOB)

    def test_construction_with_vesting(self, rt: FakeRuntime) -> None:
        rt.epoch = ChainEpoch(1234)
        construct(rt, (ANNE, BOB, CHARLIE), 3, unlock_duration=100, start_epoch=1234, value=100)
        st = state(rt)
        assert (st.initial_balance, st.unlock_duration, st.start_epoch) == (atto(100), 100, 1234)

    def test_zero_unlock_duration_records_no_schedule(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE,), 1, unlock_duration=0, start_epoch=77, value=100)
        st = state(rt)
        assert (st.initial_balance, st.unlock_duration, st.start_epoch) == (atto(0), 0, 0)

    @pytest.mark.parametrize(
        ("signers", "threshold", "duration"),
        [
            ((), 1, 0),
            ((ANNE, BOB), 3, 0),
            ((ANNE, BOB), 0, 0),
            ((ANNE, BOB), 1, -1),
            ((ANNE, ANNE), 1, 0),
            ((ANNE, ANNE_KEY), 1, 0),
        ],
        ids=[
            "no-signers",
            "threshold-above-signers",
            "zero-threshold",
            "negative-duration",
            "dup",
            "dup-key",
        ],
    )
    def test_invalid_constructor_params(
        self, rt: FakeRuntime, signers: tuple[Address, ...], threshold: int, duration: int
    ) -> None:
        params = ConstructorParams(signers, threshold, ChainEpoch(duration))
        with pytest.raises(ActorError) as raised:
            rt.call(ACTOR, Method.CONSTRUCTOR, params.encode())
        assert raised.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
        assert rt.head is None

    def test_more_than_max_signers(self, rt: FakeRuntime) -> None:
        signers = tuple(Address.new_id(10_000 + i) for i in range(SIGNERS_MAX + 1))
        with pytest.raises(ActorError) as raised:
            rt.call(ACTOR, Method.CONSTRUCTOR, ConstructorParams(signers, 1).encode())
        assert raised.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT

    def test_max_signers_is_allowed(self, rt: FakeRuntime) -> None:
        signers = tuple(Address.new_id(10_000 + i) for i in range(SIGNERS_MAX))
        for signer in signers:
            rt.add_actor(signer, "account")
        construct(rt, signers, SIGNERS_MAX)
        assert len(state(rt).signers) == SIGNERS_MAX

    def test_unresolvable_signer(self, rt: FakeRuntime) -> None:
        unknown = Address.new_bls(bytes([1]) * 48)
        rt.expect_send(unknown, SEND, b"", atto(0))  # succeeds, yet no actor appears
        with pytest.raises(ActorError) as raised:
            rt.call(ACTOR, Method.CONSTRUCTOR, ConstructorParams((ANNE, unknown), 1).encode())
        assert raised.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
        rt.verify()

    def test_signer_whose_creation_fails(self, rt: FakeRuntime) -> None:
        unknown = Address.new_bls(bytes([1]) * 48)
        rt.expect_send(unknown, SEND, b"", atto(0), SendResult(ExitCode.USR_ILLEGAL_ARGUMENT))
        with pytest.raises(ActorError) as raised:
            rt.call(ACTOR, Method.CONSTRUCTOR, ConstructorParams((ANNE, unknown), 1).encode())
        assert raised.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT

    def test_signer_id_without_actor(self, rt: FakeRuntime) -> None:
        with pytest.raises(ActorError) as raised:
            rt.call(ACTOR, Method.CONSTRUCTOR, ConstructorParams((ANNE, Address.new_id(999)), 1).encode())
        assert raised.value.exit_code is ExitCode.USR_NOT_FOUND

    def test_only_init_may_construct(self, rt: FakeRuntime) -> None:
        rt.set_caller(ANNE, "account")
        with pytest.raises(ActorError) as raised:
            rt.call(ACTOR, Method.CONSTRUCTOR, ConstructorParams((ANNE,), 1).encode())
        assert raised.value.exit_code is ExitCode.USR_FORBIDDEN

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            (b"", ExitCode.USR_ILLEGAL_ARGUMENT),  # no params at all: builtin-actors' dispatch refuses
            (b"\x80", ExitCode.USR_SERIALIZATION),
            (dagcbor.encode([[], 1, 0]), ExitCode.USR_SERIALIZATION),
            (b"\xff", ExitCode.USR_SERIALIZATION),
        ],
    )
    def test_malformed_params(self, rt: FakeRuntime, raw: bytes, code: ExitCode) -> None:
        with pytest.raises(ActorError) as raised:
            rt.call(ACTOR, Method.CONSTRUCTOR, raw)
        assert raised.value.exit_code is code


# -- propose ----------------------------------------------------------------------------------------


class TestPropose:
    def test_simple_propose(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2)
        ret = propose(rt, ANNE, RECIPIENT, 10, 5, b"\x82\x01\x02")
        assert ret == ProposeReturn(0, False, ExitCode.OK, b"")
        assert pending(rt) == {0: Transaction(RECIPIENT, atto(10), MethodNum(5), b"\x82\x01\x02", (ANNE,))}
        assert state(rt).next_tx_id == 1
        check(rt)

    def test_propose_with_threshold_met_sends(self) -> None:
        rt = new_runtime(balance=20)
        construct(rt, (ANNE, BOB), 1)
        rt.expect_send(RECIPIENT, 7, b"\x01", atto(10), SendResult(ExitCode.OK, b"\x43abc"))
        ret = propose(rt, ANNE, RECIPIENT, 10, 7, b"\x01")
        assert ret == ProposeReturn(0, True, ExitCode.OK, b"\x43abc")
        assert pending(rt) == {}
        assert rt.balance == atto(10)
        check(rt)

    def test_failed_send_is_reported_not_raised(self) -> None:
        rt = new_runtime(balance=20)
        construct(rt, (ANNE,), 1)
        rt.expect_send(RECIPIENT, 7, b"", atto(10), SendResult(ExitCode.USR_ILLEGAL_ARGUMENT))
        ret = propose(rt, ANNE, RECIPIENT, 10, 7)
        assert ret == ProposeReturn(0, True, ExitCode.USR_ILLEGAL_ARGUMENT, b"")
        assert pending(rt) == {}
        assert state(rt).next_tx_id == 1
        check(rt)

    @pytest.mark.parametrize(
        ("callee", "reported"),
        [
            (ExitCode.SYS_INVALID_RECEIVER, ExitCode.USR_UNSPECIFIED),
            (ExitCode.SYS_MISSING_RETURN, ExitCode.USR_UNSPECIFIED),
            (ExitCode.SYS_ASSERTION_FAILED, ExitCode.USR_ASSERTION_FAILED),
            (ExitCode(32), ExitCode(32)),
        ],
    )
    def test_system_exit_codes_of_a_send_become_user_codes(
        self, callee: ExitCode, reported: ExitCode
    ) -> None:
        rt = new_runtime(balance=20)
        construct(rt, (ANNE,), 1)
        rt.expect_send(RECIPIENT, 7, b"", atto(1), SendResult(callee))
        assert propose(rt, ANNE, RECIPIENT, 1, 7).code == reported
        check(rt)

    def test_threshold_met_but_insufficient_balance(self) -> None:
        rt = new_runtime(balance=5)
        construct(rt, (ANNE, BOB), 1)
        aborts(ExitCode.USR_INSUFFICIENT_FUNDS, rt, propose, ANNE, RECIPIENT, 10)
        assert pending(rt) == {} and state(rt).next_tx_id == 0

    def test_non_signer_cannot_propose(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2)
        aborts(ExitCode.USR_FORBIDDEN, rt, propose, NOBODY, RECIPIENT, 10)

    def test_negative_value(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2)
        aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, propose, ANNE, RECIPIENT, -1)

    def test_transaction_ids_increase(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2)
        assert [propose(rt, ANNE, RECIPIENT, i).txn_id for i in range(3)] == [0, 1, 2]
        assert sorted(pending(rt)) == [0, 1, 2]
        check(rt)


# -- vesting ----------------------------------------------------------------------------------------


class TestVesting:
    START = 1000
    DURATION = 10

    def vesting(self, balance: int = 100, locked: int = 100) -> FakeRuntime:
        rt = new_runtime(balance=balance)
        rt.epoch = ChainEpoch(self.START)
        construct(rt, (ANNE, BOB), 2, self.DURATION, self.START, value=locked)
        return rt

    def test_full_vesting(self) -> None:
        rt = self.vesting()
        propose(rt, ANNE, RECIPIENT, 100)
        aborts(ExitCode.USR_INSUFFICIENT_FUNDS, rt, approve, BOB, 0)
        rt.epoch = ChainEpoch(self.START + self.DURATION)
        rt.expect_send(RECIPIENT, SEND, b"", atto(100))
        assert approve(rt, BOB, 0) == ApproveReturn(True, ExitCode.OK, b"")
        check(rt)

    def test_partial_vesting_half_at_half_time(self) -> None:
        rt = self.vesting()
        rt.epoch = ChainEpoch(self.START + self.DURATION // 2)
        propose(rt, ANNE, RECIPIENT, 50)
        rt.expect_send(RECIPIENT, SEND, b"", atto(50))
        assert approve(rt, BOB, 0).applied
        check(rt)

    def test_cannot_vest_more_than_unlocked(self) -> None:
        rt = self.vesting()
        rt.epoch = ChainEpoch(self.START + self.DURATION // 2)
        propose(rt, ANNE, RECIPIENT, 51)
        aborts(ExitCode.USR_INSUFFICIENT_FUNDS, rt, approve, BOB, 0)
        assert 0 in pending(rt)

    def test_propose_and_autoapprove_above_locked_fails(self) -> None:
        rt = new_runtime(balance=100)
        rt.epoch = ChainEpoch(self.START)
        construct(rt, (ANNE,), 1, self.DURATION, self.START, value=100)
        aborts(ExitCode.USR_INSUFFICIENT_FUNDS, rt, propose, ANNE, RECIPIENT, 1)

    def test_locked_amount_rounds_up(self) -> None:
        # 100 over 3 epochs, one epoch in: ceil(100 * 2 / 3) = 67 stay locked, so 33 may go, not 34
        rt = new_runtime(balance=100)
        construct(rt, (ANNE, BOB), 2, 3, 0, value=100)
        rt.epoch = ChainEpoch(1)
        propose(rt, ANNE, RECIPIENT, 34)
        aborts(ExitCode.USR_INSUFFICIENT_FUNDS, rt, approve, BOB, 0)
        propose(rt, ANNE, RECIPIENT, 33)
        rt.expect_send(RECIPIENT, SEND, b"", atto(33))
        assert approve(rt, BOB, 1).applied
        check(rt)

    def test_sending_zero_while_everything_is_locked(self) -> None:
        rt = self.vesting()
        propose(rt, ANNE, RECIPIENT, 0, 3)
        rt.expect_send(RECIPIENT, 3, b"", atto(0))
        assert approve(rt, BOB, 0).applied
        check(rt)

    def test_sending_zero_when_lockup_exceeds_balance(self) -> None:
        rt = self.vesting(balance=10, locked=100)
        propose(rt, ANNE, RECIPIENT, 0)
        rt.expect_send(RECIPIENT, SEND, b"", atto(0))
        assert approve(rt, BOB, 0).applied
        check(rt)


# -- approve ----------------------------------------------------------------------------------------


class TestApprove:
    def setup(self, threshold: int = 2, balance: int = 100) -> FakeRuntime:
        rt = new_runtime(balance=balance)
        construct(rt, (ANNE, BOB, CHARLIE), threshold)
        propose(rt, ANNE, RECIPIENT, 10, 4, b"\x80")
        return rt

    def test_approve_runs_the_transaction(self) -> None:
        rt = self.setup()
        rt.expect_send(RECIPIENT, 4, b"\x80", atto(10), SendResult(ExitCode.OK, b"\xf5"))
        assert approve(rt, BOB, 0) == ApproveReturn(True, ExitCode.OK, b"\xf5")
        assert pending(rt) == {}
        assert rt.balance == atto(90)
        check(rt)

    def test_approve_below_threshold_records(self) -> None:
        rt = self.setup(threshold=3)
        assert approve(rt, BOB, 0) == ApproveReturn(False, ExitCode.OK, b"")
        assert pending(rt)[0].approved == (ANNE, BOB)
        check(rt)

    def test_proposal_hash_pins_the_transaction(self) -> None:
        rt = self.setup()
        txn = pending(rt)[0]
        aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, approve, BOB, 0, b"\x00" * 32)
        rt.expect_send(RECIPIENT, 4, b"\x80", atto(10))
        assert approve(rt, BOB, 0, txn.proposal_hash()).applied
        check(rt)

    def test_proposal_hash_is_blake2b_of_the_requester_tuple(self) -> None:
        rt = self.setup()
        # [requester, to, value, method, params] (builtin-actors ProposalHashData)
        expected_cbor = dagcbor.encode([bytes(ANNE), bytes(RECIPIENT), b"\x00\x0a", 4, b"\x80"])
        assert pending(rt)[0].proposal_hash() == hashlib.blake2b(expected_cbor, digest_size=32).digest()

    def test_approve_twice(self) -> None:
        rt = self.setup(threshold=3)
        aborts(ExitCode.USR_FORBIDDEN, rt, approve, ANNE, 0)
        approve(rt, BOB, 0)
        aborts(ExitCode.USR_FORBIDDEN, rt, approve, BOB, 0)

    def test_approve_missing_transaction(self) -> None:
        rt = self.setup()
        aborts(ExitCode.USR_NOT_FOUND, rt, approve, BOB, 1)

    def test_non_signer_cannot_approve(self) -> None:
        rt = self.setup()
        aborts(ExitCode.USR_FORBIDDEN, rt, approve, NOBODY, 0)

    def test_insufficient_balance(self) -> None:
        rt = self.setup(balance=5)
        aborts(ExitCode.USR_INSUFFICIENT_FUNDS, rt, approve, BOB, 0)
        assert pending(rt)[0].approved == (ANNE,)

    def test_failed_send_is_reported(self) -> None:
        rt = self.setup()
        rt.expect_send(RECIPIENT, 4, b"\x80", atto(10), SendResult(ExitCode.USR_FORBIDDEN))
        assert approve(rt, BOB, 0) == ApproveReturn(True, ExitCode.USR_FORBIDDEN, b"")
        assert pending(rt) == {}
        check(rt)

    def test_lowered_threshold_lets_a_past_approver_execute(self) -> None:
        rt = self.setup(threshold=3)
        approve(rt, BOB, 0)
        self_call(rt, Method.CHANGE_NUM_APPROVALS_THRESHOLD, ChangeNumApprovalsThresholdParams(2).encode())
        # the threshold is already met: BOB's repeated approval runs the transaction, not FORBIDDEN
        rt.expect_send(RECIPIENT, 4, b"\x80", atto(10))
        assert approve(rt, BOB, 0).applied
        assert pending(rt) == {}
        check(rt)

    def test_lowered_threshold_still_refuses_non_signers(self) -> None:
        rt = self.setup(threshold=3)
        approve(rt, BOB, 0)
        self_call(rt, Method.CHANGE_NUM_APPROVALS_THRESHOLD, ChangeNumApprovalsThresholdParams(2).encode())
        with pytest.raises(ActorError) as raised:
            approve(rt, NOBODY, 0)
        assert raised.value.exit_code is ExitCode.USR_FORBIDDEN
        # (the pending transaction meets the lowered threshold: invariants hold again once it runs)
        rt.expect_send(RECIPIENT, 4, b"\x80", atto(10))
        assert approve(rt, ANNE, 0).applied
        check(rt)


# -- cancel -----------------------------------------------------------------------------------------


class TestCancel:
    def setup(self) -> FakeRuntime:
        rt = new_runtime(balance=100)
        construct(rt, (ANNE, BOB, CHARLIE), 2)
        propose(rt, ANNE, RECIPIENT, 10)
        return rt

    def test_proposer_cancels(self) -> None:
        rt = self.setup()
        cancel(rt, ANNE, 0, pending(rt)[0].proposal_hash())
        assert pending(rt) == {}
        check(rt)

    def test_bad_hash(self) -> None:
        rt = self.setup()
        aborts(ExitCode.USR_ILLEGAL_STATE, rt, cancel, ANNE, 0, b"\x01" * 32)
        assert 0 in pending(rt)

    def test_other_signer_cannot_cancel(self) -> None:
        rt = self.setup()
        aborts(ExitCode.USR_FORBIDDEN, rt, cancel, BOB, 0)

    def test_non_signer_cannot_cancel(self) -> None:
        rt = self.setup()
        aborts(ExitCode.USR_FORBIDDEN, rt, cancel, NOBODY, 0)

    def test_missing_transaction(self) -> None:
        rt = self.setup()
        aborts(ExitCode.USR_NOT_FOUND, rt, cancel, ANNE, 7)

    def test_next_approver_owns_a_transaction_whose_proposer_left(self) -> None:
        rt = new_runtime(balance=100)
        construct(rt, (ANNE, BOB, CHARLIE), 3)
        propose(rt, ANNE, RECIPIENT, 10)
        approve(rt, BOB, 0)
        self_call(rt, Method.REMOVE_SIGNER, RemoveSignerParams(ANNE, True).encode())
        assert pending(rt)[0].approved == (BOB,)
        aborts(ExitCode.USR_FORBIDDEN, rt, cancel, CHARLIE, 0)
        cancel(rt, BOB, 0)
        assert pending(rt) == {}
        check(rt)


# -- signer management ------------------------------------------------------------------------------


class TestAddSigner:
    def test_add_signer(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2)
        self_call(rt, Method.ADD_SIGNER, AddSignerParams(CHARLIE, False).encode())
        assert (state(rt).signers, state(rt).num_approvals_threshold) == ((ANNE, BOB, CHARLIE), 2)
        self_call(rt, Method.ADD_SIGNER, AddSignerParams(DARLENE, True).encode())
        assert (state(rt).signers, state(rt).num_approvals_threshold) == ((ANNE, BOB, CHARLIE, DARLENE), 3)
        check(rt)

    def test_add_signer_by_key_address(self, rt: FakeRuntime) -> None:
        construct(rt, (BOB,), 1)
        self_call(rt, Method.ADD_SIGNER, AddSignerParams(ANNE_KEY, False).encode())
        assert state(rt).signers == (BOB, ANNE)
        check(rt)

    def test_only_the_multisig_may_add(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2)
        aborts(
            ExitCode.USR_FORBIDDEN,
            rt,
            as_caller,
            ANNE,
            Method.ADD_SIGNER,
            AddSignerParams(CHARLIE, False).encode(),
        )

    def test_existing_signer(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2)
        aborts(
            ExitCode.USR_FORBIDDEN,
            rt,
            self_call,
            Method.ADD_SIGNER,
            AddSignerParams(ANNE_KEY, False).encode(),
        )

    def test_missing_actor(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2)
        params = AddSignerParams(Address.new_id(999), False).encode()
        aborts(ExitCode.USR_NOT_FOUND, rt, self_call, Method.ADD_SIGNER, params)

    def test_signer_limit(self, rt: FakeRuntime) -> None:
        signers = tuple(Address.new_id(10_000 + i) for i in range(SIGNERS_MAX))
        for signer in signers:
            rt.add_actor(signer, "account")
        construct(rt, signers, 1)
        aborts(
            ExitCode.USR_FORBIDDEN, rt, self_call, Method.ADD_SIGNER, AddSignerParams(ANNE, False).encode()
        )


class TestRemoveSigner:
    @pytest.mark.parametrize(
        ("signers", "threshold", "remove", "decrease", "expected_signers", "expected_threshold"),
        [
            ((ANNE, BOB, CHARLIE), 2, CHARLIE, False, (ANNE, BOB), 2),
            ((ANNE, BOB, CHARLIE), 2, BOB, True, (ANNE, CHARLIE), 1),
            ((ANNE, BOB, CHARLIE), 3, ANNE, True, (BOB, CHARLIE), 2),
            ((ANNE, BOB), 1, ANNE, False, (BOB,), 1),
        ],
    )
    def test_remove(
        self,
        rt: FakeRuntime,
        signers: tuple[Address, ...],
        threshold: int,
        remove: Address,
        decrease: bool,
        expected_signers: tuple[Address, ...],
        expected_threshold: int,
    ) -> None:
        construct(rt, signers, threshold)
        self_call(rt, Method.REMOVE_SIGNER, RemoveSignerParams(remove, decrease).encode())
        assert (state(rt).signers, state(rt).num_approvals_threshold) == (
            expected_signers,
            expected_threshold,
        )
        check(rt)

    @pytest.mark.parametrize(
        ("signers", "threshold", "remove", "decrease", "code"),
        [
            ((ANNE, BOB, CHARLIE), 3, CHARLIE, False, ExitCode.USR_ILLEGAL_ARGUMENT),
            ((ANNE, BOB), 1, ANNE, True, ExitCode.USR_ILLEGAL_ARGUMENT),
            ((ANNE,), 1, ANNE, False, ExitCode.USR_FORBIDDEN),
            ((ANNE, BOB), 1, CHARLIE, False, ExitCode.USR_FORBIDDEN),
        ],
        ids=["below-threshold", "threshold-to-zero", "only-signer", "not-a-signer"],
    )
    def test_invalid_remove(
        self,
        rt: FakeRuntime,
        signers: tuple[Address, ...],
        threshold: int,
        remove: Address,
        decrease: bool,
        code: ExitCode,
    ) -> None:
        construct(rt, signers, threshold)
        aborts(code, rt, self_call, Method.REMOVE_SIGNER, RemoveSignerParams(remove, decrease).encode())

    def test_only_the_multisig_may_remove(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 1)
        params = RemoveSignerParams(BOB, False).encode()
        aborts(ExitCode.USR_FORBIDDEN, rt, as_caller, ANNE, Method.REMOVE_SIGNER, params)

    def test_removal_purges_approvals_and_solo_proposals(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB, CHARLIE), 3)
        propose(rt, ANNE, RECIPIENT, 1)  # 0: ANNE alone
        propose(rt, BOB, RECIPIENT, 2)  # 1: BOB, then ANNE
        approve(rt, ANNE, 1)
        propose(rt, CHARLIE, RECIPIENT, 3)  # 2: CHARLIE alone
        self_call(rt, Method.REMOVE_SIGNER, RemoveSignerParams(ANNE, True).encode())
        txns = pending(rt)
        assert sorted(txns) == [1, 2]
        assert txns[1].approved == (BOB,)
        assert txns[2].approved == (CHARLIE,)
        check(rt)


class TestSwapSigner:
    def test_swap(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB, CHARLIE), 2)
        self_call(rt, Method.SWAP_SIGNER, SwapSignerParams(ANNE, DARLENE).encode())
        assert state(rt).signers == (BOB, CHARLIE, DARLENE)
        check(rt)

    def test_swap_by_key_address(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2)
        self_call(rt, Method.SWAP_SIGNER, SwapSignerParams(ANNE_KEY, CHARLIE).encode())
        assert state(rt).signers == (BOB, CHARLIE)
        check(rt)

    @pytest.mark.parametrize(
        ("old", "new", "code"),
        [
            (DARLENE, CHARLIE, ExitCode.USR_FORBIDDEN),
            (ANNE, BOB, ExitCode.USR_ILLEGAL_ARGUMENT),
            (ANNE, Address.new_id(999), ExitCode.USR_NOT_FOUND),
        ],
        ids=["old-not-signer", "new-already-signer", "new-missing"],
    )
    def test_invalid_swap(self, rt: FakeRuntime, old: Address, new: Address, code: ExitCode) -> None:
        construct(rt, (ANNE, BOB), 2)
        aborts(code, rt, self_call, Method.SWAP_SIGNER, SwapSignerParams(old, new).encode())

    def test_only_the_multisig_may_swap(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2)
        params = SwapSignerParams(ANNE, CHARLIE).encode()
        aborts(ExitCode.USR_FORBIDDEN, rt, as_caller, ANNE, Method.SWAP_SIGNER, params)

    def test_swap_purges_approvals_and_solo_proposals(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB, CHARLIE), 3)
        propose(rt, ANNE, RECIPIENT, 1)
        propose(rt, BOB, RECIPIENT, 2)
        approve(rt, ANNE, 1)
        self_call(rt, Method.SWAP_SIGNER, SwapSignerParams(ANNE, DARLENE).encode())
        txns = pending(rt)
        assert list(txns) == [1]
        assert txns[1].approved == (BOB,)
        check(rt)


class TestChangeThreshold:
    @pytest.mark.parametrize("new", [1, 2, 3])
    def test_change(self, rt: FakeRuntime, new: int) -> None:
        construct(rt, (ANNE, BOB, CHARLIE), 2)
        self_call(rt, Method.CHANGE_NUM_APPROVALS_THRESHOLD, ChangeNumApprovalsThresholdParams(new).encode())
        assert state(rt).num_approvals_threshold == new
        check(rt)

    @pytest.mark.parametrize("new", [0, 4])
    def test_invalid_threshold(self, rt: FakeRuntime, new: int) -> None:
        construct(rt, (ANNE, BOB, CHARLIE), 2)
        params = ChangeNumApprovalsThresholdParams(new).encode()
        aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, self_call, Method.CHANGE_NUM_APPROVALS_THRESHOLD, params)

    def test_only_the_multisig_may_change(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2)
        params = ChangeNumApprovalsThresholdParams(1).encode()
        aborts(ExitCode.USR_FORBIDDEN, rt, as_caller, ANNE, Method.CHANGE_NUM_APPROVALS_THRESHOLD, params)


class TestLockBalance:
    def lock(self, rt: FakeRuntime, start: int, duration: int, amount: int) -> None:
        self_call(
            rt,
            Method.LOCK_BALANCE,
            LockBalanceParams(ChainEpoch(start), ChainEpoch(duration), atto(amount)).encode(),
        )

    def test_retroactive_vesting(self) -> None:
        rt = new_runtime(balance=100)
        construct(rt, (ANNE, BOB), 2)
        rt.epoch = ChainEpoch(200)
        self.lock(rt, 0, 100, 100)  # started long ago: already fully vested
        st = state(rt)
        assert (st.start_epoch, st.unlock_duration, st.initial_balance) == (0, 100, atto(100))
        propose(rt, ANNE, RECIPIENT, 100)
        rt.expect_send(RECIPIENT, SEND, b"", atto(100))
        assert approve(rt, BOB, 0).applied
        check(rt)

    def test_prospective_vesting(self) -> None:
        rt = new_runtime(balance=100)
        construct(rt, (ANNE, BOB), 2)
        self.lock(rt, 10, 10, 100)
        rt.epoch = ChainEpoch(5)  # before the start: all locked
        propose(rt, ANNE, RECIPIENT, 1)
        aborts(ExitCode.USR_INSUFFICIENT_FUNDS, rt, approve, BOB, 0)
        rt.epoch = ChainEpoch(15)  # half way
        rt.expect_send(RECIPIENT, SEND, b"", atto(1))
        assert approve(rt, BOB, 0).applied
        check(rt)

    def test_cannot_alter_vesting(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2)
        self.lock(rt, 0, 100, 10)
        aborts(ExitCode.USR_FORBIDDEN, rt, self.lock, 0, 200, 10)

    def test_cannot_alter_vesting_from_constructor(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2, unlock_duration=10, value=100)
        aborts(ExitCode.USR_FORBIDDEN, rt, self.lock, 0, 200, 10)

    @pytest.mark.parametrize(("duration", "amount"), [(0, 10), (-1, 10), (10, -1)])
    def test_preconditions(self, rt: FakeRuntime, duration: int, amount: int) -> None:
        construct(rt, (ANNE, BOB), 2)
        aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, self.lock, 0, duration, amount)

    def test_zero_amount_is_allowed(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2)
        self.lock(rt, 0, 10, 0)
        assert state(rt).unlock_duration == 10
        check(rt)

    def test_only_the_multisig_may_lock(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE, BOB), 2)
        params = LockBalanceParams(ChainEpoch(0), ChainEpoch(10), atto(1)).encode()
        aborts(ExitCode.USR_FORBIDDEN, rt, as_caller, ANNE, Method.LOCK_BALANCE, params)


# -- other methods ----------------------------------------------------------------------------------


class TestOtherMethods:
    def test_token_receiver_hook(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE,), 1)
        params = dagcbor.encode([1234, b"payload"])
        assert as_caller(rt, NOBODY, Method.UNIVERSAL_RECEIVER_HOOK, params) == b""
        aborts(ExitCode.USR_SERIALIZATION, rt, as_caller, NOBODY, Method.UNIVERSAL_RECEIVER_HOOK, b"\x80")
        too_big = dagcbor.encode([1 << 32, b""])
        aborts(ExitCode.USR_SERIALIZATION, rt, as_caller, NOBODY, Method.UNIVERSAL_RECEIVER_HOOK, too_big)

    def test_frc42_methods_are_accepted(self, rt: FakeRuntime) -> None:
        construct(rt, (ANNE,), 1)
        assert as_caller(rt, NOBODY, method_number("SomeNotification"), b"\xa0") == b""

    @pytest.mark.parametrize("method", [10, 1000, (1 << 24) - 1])
    def test_unknown_low_methods(self, rt: FakeRuntime, method: int) -> None:
        construct(rt, (ANNE,), 1)
        aborts(ExitCode.USR_UNHANDLED_MESSAGE, rt, as_caller, NOBODY, method, b"")

    @pytest.mark.parametrize(
        "method",
        [
            Method.PROPOSE,
            Method.APPROVE,
            Method.CANCEL,
            Method.ADD_SIGNER,
            Method.REMOVE_SIGNER,
            Method.SWAP_SIGNER,
            Method.CHANGE_NUM_APPROVALS_THRESHOLD,
            Method.LOCK_BALANCE,
        ],
    )
    def test_malformed_params(self, rt: FakeRuntime, method: Method) -> None:
        construct(rt, (ANNE,), 1)
        aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, self_call, method, b"")
        for raw in (b"\xf6", dagcbor.encode([1, 2, 3, 4, 5, 6, 7])):
            aborts(ExitCode.USR_SERIALIZATION, rt, self_call, method, raw)


# -- codecs -----------------------------------------------------------------------------------------

addresses = st.builds(Address.new_id, st.integers(0, (1 << 63) - 1)) | st.builds(
    Address.new_actor, st.binary(min_size=1, max_size=40)
)
amounts = st.builds(TokenAmount, st.integers(-(1 << 128), 1 << 128))
epochs = st.integers(-(1 << 63), (1 << 63) - 1).map(ChainEpoch)
uint64 = st.integers(0, (1 << 64) - 1)

PARAMS = st.one_of(
    st.builds(ConstructorParams, st.lists(addresses, max_size=4).map(tuple), uint64, epochs, epochs),
    st.builds(ProposeParams, addresses, amounts, uint64.map(MethodNum), st.binary(max_size=40)),
    st.builds(ProposeReturn, epochs, st.booleans(), st.integers(0, 0xFFFFFFFF), st.binary(max_size=40)),
    st.builds(ApproveReturn, st.booleans(), st.integers(0, 0xFFFFFFFF), st.binary(max_size=40)),
    st.builds(TxnIDParams, epochs, st.binary(max_size=40)),
    st.builds(AddSignerParams, addresses, st.booleans()),
    st.builds(RemoveSignerParams, addresses, st.booleans()),
    st.builds(SwapSignerParams, addresses, addresses),
    st.builds(ChangeNumApprovalsThresholdParams, uint64),
    st.builds(LockBalanceParams, epochs, epochs, amounts),
)
TYPES = (
    ConstructorParams,
    ProposeParams,
    ProposeReturn,
    ApproveReturn,
    TxnIDParams,
    AddSignerParams,
    RemoveSignerParams,
    SwapSignerParams,
    ChangeNumApprovalsThresholdParams,
    LockBalanceParams,
)


@given(PARAMS)
def test_params_round_trip(value: ConstructorParams) -> None:
    encoded = value.encode()
    assert type(value).decode(encoded) == value
    assert dagcbor.encode(dagcbor.decode(encoded)) == encoded


@given(st.binary(max_size=64), st.sampled_from(TYPES))
def test_decoding_random_bytes_fails_cleanly(data: bytes, kind: type[ConstructorParams]) -> None:
    with contextlib.suppress(DecodeError):
        kind.decode(data)


@given(PARAMS, st.data())
def test_decoding_mutated_params_fails_cleanly(value: ConstructorParams, data: st.DataObject) -> None:
    encoded = bytearray(value.encode())
    position = data.draw(st.integers(0, len(encoded) - 1))
    encoded[position] = data.draw(st.integers(0, 255))
    try:
        decoded = type(value).decode(bytes(encoded))
    except DecodeError:
        return
    assert type(value).decode(decoded.encode()) == decoded


def test_known_encoding() -> None:
    # ProposeParams{to: f0101, value: 10 attoFIL, method: 0, params: []} as Lotus/cbor-gen writes it
    params = ProposeParams(ANNE, atto(10), MethodNum(0), b"")
    assert params.encode().hex() == "844200654200" + "0a" + "00" + "40"


# -- random operation sequences ---------------------------------------------------------------------


class AcceptingRuntime(FakeRuntime):
    """A fake whose sends all succeed (recorded in ``sent``), for random operation sequences."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[tuple[Address, TokenAmount]] = []

    def send(
        self, to: Address, method: MethodNum | int, params: bytes = b"", value: TokenAmount | None = None
    ) -> SendResult:
        """Accept the send."""
        amount = value if value is not None else atto(0)
        if amount > self.balance:
            return SendResult(ExitCode.SYS_INSUFFICIENT_FUNDS)
        self.balance = self.balance - amount
        self.sent.append((to, amount))
        return SendResult(ExitCode.OK)


PEOPLE = (ANNE, BOB, CHARLIE, DARLENE, NOBODY)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("propose"), st.sampled_from(PEOPLE), st.integers(0, 60)),
        st.tuples(st.just("approve"), st.sampled_from(PEOPLE), st.integers(0, 6)),
        st.tuples(st.just("cancel"), st.sampled_from(PEOPLE), st.integers(0, 6)),
        st.tuples(st.just("add"), st.sampled_from(PEOPLE), st.booleans()),
        st.tuples(st.just("remove"), st.sampled_from(PEOPLE), st.just(False)),
    ),
    max_size=25,
)
USER_CODES = {
    ExitCode.USR_ILLEGAL_ARGUMENT,
    ExitCode.USR_NOT_FOUND,
    ExitCode.USR_FORBIDDEN,
    ExitCode.USR_INSUFFICIENT_FUNDS,
    ExitCode.USR_ILLEGAL_STATE,
}


@settings(max_examples=60, deadline=None)
@given(OPERATIONS)
def test_random_operations_keep_the_invariants(operations: list[tuple[str, Address, Any]]) -> None:
    rt = AcceptingRuntime(MSIG, caller=INIT, caller_name="init", balance=atto(100))
    for person in PEOPLE:
        rt.add_actor(person, "account")
    construct(rt, (ANNE, BOB, CHARLIE), 2)
    for op, who, arg in operations:
        try:
            if op == "propose":
                ret = propose(rt, who, RECIPIENT, arg)
                assert ret.applied == (ret.txn_id not in pending(rt))
            elif op == "approve":
                ret2 = approve(rt, who, arg)
                assert ret2.applied == (arg not in pending(rt))
            elif op == "cancel":
                cancel(rt, who, arg)
                assert arg not in pending(rt)
            elif op == "add":
                self_call(rt, Method.ADD_SIGNER, AddSignerParams(who, arg).encode())
            else:
                self_call(rt, Method.REMOVE_SIGNER, RemoveSignerParams(who, arg).encode())
        except ActorError as e:
            assert e.exit_code in USER_CODES, e
        assert check_state_invariants(state(rt), rt.store) == []
        assert rt.balance.atto + sum(v.atto for _, v in rt.sent) == 100


@given(st.integers(0, 1 << 100), st.integers(1, 10**6), st.integers(-(10**6), 2 * 10**6))
def test_amount_locked_is_the_ceiling_of_the_linear_schedule(
    initial: int, duration: int, elapsed: int
) -> None:
    vesting = MultisigState(
        (ANNE,), 1, 0, atto(initial), ChainEpoch(0), ChainEpoch(duration), Hamt(MemoryBlockstore()).flush()
    )
    locked = vesting.amount_locked(elapsed).atto
    remaining = min(max(duration - elapsed, 0), duration)
    assert locked == math.ceil(Fraction(initial * remaining, duration))
    assert vesting.amount_locked(elapsed + 1).atto <= locked
