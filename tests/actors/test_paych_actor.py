"""The payment channel actor's methods on the fake runtime, after builtin-actors' ``paych_actor_test.rs``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors.account.actor import AuthenticateMessageParams
from filnet.actors.account.methods import Method as AccountMethod
from filnet.actors.paych.actor import ACTOR
from filnet.actors.paych.invariants import check_state_invariants
from filnet.actors.paych.methods import Method
from filnet.actors.paych.state import LaneState, LaneStates, PaychState
from filnet.actors.paych.types import (
    MAX_LANE,
    SETTLE_DELAY,
    ConstructorParams,
    Merge,
    ModVerifyParams,
    SignedVoucher,
    UpdateChannelStateParams,
)
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch, MethodNum
from filnet.crypto.signature import Signature, SignatureType
from filnet.ipld import dagcbor
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.runtime import SendResult
from filnet.vm.testing import FakeRuntime

INIT = Address.new_id(1)
PAYCH = Address.new_id(100)
PAYER = Address.new_id(101)
PAYEE = Address.new_id(102)
STRANGER = Address.new_id(103)
VERIFIER = Address.new_id(104)
PAYER_KEY = Address.new_bls(bytes([0xA1]) + bytes(47))
PAYEE_KEY = Address.new_bls(bytes([0xA2]) + bytes(47))
PAYCH_ROBUST = Address.new_actor(b"payment channel")
SEND = MethodNum(0)
SIG = Signature(SignatureType.BLS, b"doesn't matter")
TRUE = dagcbor.encode(True)
AUTHENTIC = SendResult(ExitCode.OK, TRUE)


def atto(n: int) -> TokenAmount:
    """n attoFIL."""
    return TokenAmount(n)


def new_runtime(balance: int = 9, epoch: int = 1) -> FakeRuntime:
    """A constructed channel from PAYER to PAYEE holding ``balance``."""
    rt = FakeRuntime(PAYCH, caller=INIT, caller_name="init", balance=atto(balance), epoch=epoch)
    rt.add_actor(PAYER, "account", PAYER_KEY)
    rt.add_actor(PAYEE, "account", PAYEE_KEY)
    rt.add_actor(STRANGER, "account")
    rt.add_actor(VERIFIER, "account")
    rt.robust[PAYCH_ROBUST] = PAYCH
    assert rt.call(ACTOR, Method.CONSTRUCTOR, ConstructorParams(PAYER, PAYEE).encode()) == b""
    check(rt)
    return rt


def state(rt: FakeRuntime) -> PaychState:
    """The channel's state."""
    return rt.get_state(PaychState)


def lanes(rt: FakeRuntime) -> dict[int, LaneState]:
    """The channel's lanes."""
    return dict(LaneStates(rt.store, state(rt).lane_states).items())


def check(rt: FakeRuntime) -> None:
    """Assert the state invariants and that every expected send was made."""
    if not rt.deleted:
        assert check_state_invariants(state(rt), rt.store, rt.balance) == []
    rt.verify()


def voucher(**fields: Any) -> SignedVoucher:
    """A signed voucher for PAYCH (lane 0, nonce 1, 1 attoFIL unless told otherwise)."""
    defaults: dict[str, Any] = {
        "channel_addr": PAYCH,
        "time_lock_min": ChainEpoch(1),
        "nonce": 1,
        "amount": atto(1),
        "signature": SIG,
    }
    defaults.update(fields)
    return SignedVoucher(**defaults)


def expect_authentication(rt: FakeRuntime, signer: Address, sv: SignedVoucher, result: SendResult) -> None:
    """Expect the channel to ask ``signer``'s account about the voucher's signature."""
    assert sv.signature is not None
    params = dagcbor.encode(AuthenticateMessageParams(sv.signature.data, sv.signing_bytes()).to_ipld())
    rt.expect_send(signer, AccountMethod.AUTHENTICATE_MESSAGE_EXPORTED, params, atto(0), result)


def update(
    rt: FakeRuntime,
    sv: SignedVoucher,
    secret: bytes = b"",
    caller: Address = PAYEE,
    auth: SendResult | None = AUTHENTIC,
) -> None:
    """Submit ``sv`` as ``caller``, the other party authenticating it with ``auth`` (None: not asked)."""
    rt.set_caller(caller, "account")
    if auth is not None:
        expect_authentication(rt, PAYER if caller == PAYEE else PAYEE, sv, auth)
    params = UpdateChannelStateParams(sv, secret).encode()
    assert rt.call(ACTOR, Method.UPDATE_CHANNEL_STATE, params) == b""


def fails(code: ExitCode, rt: FakeRuntime, fn: Any, *args: Any, **kwargs: Any) -> None:
    """Assert ``fn(rt, ...)`` aborts with ``code``, leaving state as it was and the expected sends made."""
    before = rt.head
    with pytest.raises(ActorError) as raised:
        fn(rt, *args, **kwargs)
    assert raised.value.exit_code is code, raised.value
    assert rt.head == before
    rt.expected_sends.clear()  # an abort may come before the sends the helper announced
    check(rt)


def call(rt: FakeRuntime, caller: Address, method: int, raw: bytes = b"") -> bytes:
    """Call ``method`` as ``caller``."""
    rt.set_caller(caller, "account")
    return rt.call(ACTOR, method, raw)


# -- constructor ------------------------------------------------------------------------------------


class TestConstructor:
    def test_construct(self) -> None:
        rt = new_runtime()
        st = state(rt)
        assert (st.from_, st.to, st.to_send, st.settling_at, st.min_settle_height) == (
            PAYER,
            PAYEE,
            atto(0),
            0,
            0,
        )
        assert st.lane_states == Amt(MemoryBlockstore(), bit_width=3).flush()
        assert lanes(rt) == {}

    def test_resolves_key_addresses(self) -> None:
        rt = FakeRuntime(PAYCH, caller=INIT, caller_name="init")
        rt.add_actor(PAYER, "account", PAYER_KEY)
        rt.add_actor(PAYEE, "account", PAYEE_KEY)
        rt.call(ACTOR, Method.CONSTRUCTOR, ConstructorParams(PAYER_KEY, PAYEE_KEY).encode())
        assert (state(rt).from_, state(rt).to) == (PAYER, PAYEE)
        check(rt)

    def test_only_init_may_construct(self) -> None:
        rt = FakeRuntime(PAYCH, caller=PAYER, caller_name="account")
        rt.add_actor(PAYEE, "account")
        with pytest.raises(ActorError) as raised:
            rt.call(ACTOR, Method.CONSTRUCTOR, ConstructorParams(PAYER, PAYEE).encode())
        assert raised.value.exit_code is ExitCode.USR_FORBIDDEN

    def test_target_without_actor(self) -> None:
        # `to` is resolved first: its missing actor is reported before `from`'s unknown key address
        rt = FakeRuntime(PAYCH, caller=INIT, caller_name="init")
        params = ConstructorParams(Address.new_secp256k1(b"\x04" + bytes([2]) * 64), Address.new_id(999))
        with pytest.raises(ActorError) as raised:
            rt.call(ACTOR, Method.CONSTRUCTOR, params.encode())
        assert raised.value.exit_code is ExitCode.USR_NOT_FOUND

    @pytest.mark.parametrize("unresolvable", ["from", "to"])
    def test_unresolvable_party(self, unresolvable: str) -> None:
        rt = FakeRuntime(PAYCH, caller=INIT, caller_name="init")
        rt.add_actor(PAYER, "account")
        rt.add_actor(PAYEE, "account")
        unknown = Address.new_bls(bytes([111]) * 48)
        params = (
            ConstructorParams(unknown, PAYEE) if unresolvable == "from" else ConstructorParams(PAYER, unknown)
        )
        rt.expect_send(unknown, SEND, b"", atto(0))  # the zero send succeeds, yet makes no actor
        with pytest.raises(ActorError) as raised:
            rt.call(ACTOR, Method.CONSTRUCTOR, params.encode())
        assert raised.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
        rt.verify()

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            (b"", ExitCode.USR_ILLEGAL_ARGUMENT),
            (b"\x81\x42\x00\x01", ExitCode.USR_SERIALIZATION),
            (b"\x82\x41\x09\x42\x00\x01", ExitCode.USR_SERIALIZATION),
            (b"\x1f", ExitCode.USR_SERIALIZATION),
        ],
    )
    def test_malformed_params(self, raw: bytes, code: ExitCode) -> None:
        rt = FakeRuntime(PAYCH, caller=INIT, caller_name="init")
        with pytest.raises(ActorError) as raised:
            rt.call(ACTOR, Method.CONSTRUCTOR, raw)
        assert raised.value.exit_code is code


# -- UpdateChannelState: the first voucher of a lane ------------------------------------------------


class TestCreateLane:
    def test_succeeds(self) -> None:
        rt = new_runtime()
        update(rt, voucher())
        assert lanes(rt) == {0: LaneState(atto(1), 1)}
        assert state(rt).to_send == atto(1)
        check(rt)

    def test_channel_given_by_robust_address(self) -> None:
        rt = new_runtime()
        update(rt, voucher(channel_addr=PAYCH_ROBUST))
        assert lanes(rt) == {0: LaneState(atto(1), 1)}
        check(rt)

    def test_payer_submits_a_voucher_signed_by_the_payee(self) -> None:
        rt = new_runtime()
        update(rt, voucher(), caller=PAYER)  # `update` expects PAYEE to be asked
        assert state(rt).to_send == atto(1)
        check(rt)

    @pytest.mark.parametrize(
        ("fields", "epoch"),
        [
            ({"channel_addr": Address.new_id(210)}, 1),
            ({"channel_addr": Address.new_bls(bytes([1]) * 48)}, 1),
            ({"amount": atto(-1)}, 1),
            ({"amount": atto(10)}, 1),
            ({"time_lock_min": ChainEpoch(10)}, 1),
            ({"time_lock_max": ChainEpoch(5)}, 10),
        ],
        ids=["other-channel", "unresolvable-channel", "negative", "over-balance", "too-early", "expired"],
    )
    def test_invalid_voucher(self, fields: dict[str, Any], epoch: int) -> None:
        rt = new_runtime(epoch=epoch)
        fails(ExitCode.USR_ILLEGAL_ARGUMENT, rt, update, voucher(**fields))
        assert lanes(rt) == {}

    def test_unsigned_voucher(self) -> None:
        rt = new_runtime()
        fails(ExitCode.USR_ILLEGAL_ARGUMENT, rt, update, voucher(signature=None), auth=None)

    def test_signature_refused_by_the_signer(self) -> None:
        rt = new_runtime()
        fails(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            rt,
            update,
            voucher(),
            auth=SendResult(ExitCode.USR_ILLEGAL_ARGUMENT),
        )

    def test_signer_answering_false(self) -> None:
        rt = new_runtime()
        false = SendResult(ExitCode.OK, dagcbor.encode(False))
        fails(ExitCode.USR_ILLEGAL_ARGUMENT, rt, update, voucher(), auth=false)

    @pytest.mark.parametrize(
        ("answer", "code"),
        [
            (b"\xff", ExitCode.USR_SERIALIZATION),
            (dagcbor.encode(1), ExitCode.USR_SERIALIZATION),
            (b"", ExitCode.USR_ASSERTION_FAILED),
        ],
        ids=["malformed", "not-a-bool", "nothing"],
    )
    def test_signer_answering_garbage(self, answer: bytes, code: ExitCode) -> None:
        rt = new_runtime()
        fails(code, rt, update, voucher(), auth=SendResult(ExitCode.OK, answer))

    def test_stranger_cannot_submit(self) -> None:
        rt = new_runtime()
        fails(ExitCode.USR_FORBIDDEN, rt, update, voucher(), caller=STRANGER, auth=None)

    def test_secret_too_long(self) -> None:
        rt = new_runtime()
        fails(ExitCode.USR_ILLEGAL_ARGUMENT, rt, update, voucher(), secret=bytes(257), auth=None)

    def test_lane_id_limit(self) -> None:
        rt = new_runtime()
        fails(ExitCode.USR_ILLEGAL_ARGUMENT, rt, update, voucher(lane=MAX_LANE + 1))
        update(rt, voucher(lane=MAX_LANE))
        assert lanes(rt) == {MAX_LANE: LaneState(atto(1), 1)}
        check(rt)

    @pytest.mark.parametrize("raw", [b"", b"\x82\x80\x40", dagcbor.encode([[0] * 11, b""])])
    def test_malformed_params(self, raw: bytes) -> None:
        rt = new_runtime()
        with pytest.raises(ActorError) as raised:
            call(rt, PAYEE, Method.UPDATE_CHANNEL_STATE, raw)
        assert raised.value.exit_code in (ExitCode.USR_SERIALIZATION, ExitCode.USR_ILLEGAL_ARGUMENT)
        check(rt)


# -- UpdateChannelState: redeeming further vouchers -------------------------------------------------


class TestRedeem:
    def test_redeem_increases_to_send_by_the_difference(self) -> None:
        rt = new_runtime(balance=100)
        update(rt, voucher(amount=atto(10)))
        update(rt, voucher(amount=atto(25), nonce=2))
        assert lanes(rt) == {0: LaneState(atto(25), 2)}
        assert state(rt).to_send == atto(25)
        check(rt)

    def test_redeem_on_the_right_lane(self) -> None:
        rt = new_runtime(balance=100)
        update(rt, voucher(lane=0, amount=atto(10)))
        update(rt, voucher(lane=1, amount=atto(20)))
        update(rt, voucher(lane=1, amount=atto(30), nonce=5))
        assert lanes(rt) == {0: LaneState(atto(10), 1), 1: LaneState(atto(30), 5)}
        assert state(rt).to_send == atto(40)
        check(rt)

    def test_lower_amount_with_a_newer_nonce_lowers_to_send(self) -> None:
        rt = new_runtime(balance=100)
        update(rt, voucher(amount=atto(10)))
        update(rt, voucher(amount=atto(4), nonce=2))
        assert state(rt).to_send == atto(4)
        check(rt)

    @pytest.mark.parametrize("nonce", [0, 1])
    def test_nonce_reuse(self, nonce: int) -> None:
        rt = new_runtime(balance=100)
        update(rt, voucher(amount=atto(10)))
        fails(ExitCode.USR_ILLEGAL_ARGUMENT, rt, update, voucher(amount=atto(20), nonce=nonce))
        assert lanes(rt) == {0: LaneState(atto(10), 1)}


class TestMerge:
    def channel(self) -> FakeRuntime:
        """Lanes 0, 1, 2 redeemed 1, 2, 3 at nonce 1."""
        rt = new_runtime(balance=100)
        for lane in range(3):
            update(rt, voucher(lane=lane, amount=atto(lane + 1)))
        assert state(rt).to_send == atto(6)
        return rt

    def test_merge(self) -> None:
        rt = self.channel()
        # lane 0 to 10 in all, taking over lane 1's 2: 10 - (1 + 2) = 7 more owed
        update(rt, voucher(lane=0, nonce=2, amount=atto(10), merges=(Merge(1, 2),)))
        assert lanes(rt) == {0: LaneState(atto(10), 2), 1: LaneState(atto(2), 2), 2: LaneState(atto(3), 1)}
        assert state(rt).to_send == atto(13)
        check(rt)

    @pytest.mark.parametrize(
        ("lane", "nonce", "amount", "merges"),
        [
            (0, 2, 10, (Merge(0, 2),)),  # into its own lane
            (0, 1, 10, (Merge(1, 2),)),  # outdated voucher nonce
            (0, 2, 10, (Merge(1, 1),)),  # outdated merge nonce
            (0, 2, 10, (Merge(1, 2), Merge(1, 2))),  # ... which the first merge made outdated
            (0, 2, 10, (Merge(999, 2),)),  # no such lane
            (0, 2, 10, (Merge(MAX_LANE + 1, 2),)),  # beyond the lane limit
            (0, 2, 200, (Merge(1, 2),)),  # more than the channel holds
        ],
    )
    def test_invalid_merge(self, lane: int, nonce: int, amount: int, merges: tuple[Merge, ...]) -> None:
        rt = self.channel()
        before = lanes(rt)
        sv = voucher(lane=lane, nonce=nonce, amount=atto(amount), merges=merges)
        fails(ExitCode.USR_ILLEGAL_ARGUMENT, rt, update, sv)
        assert lanes(rt) == before

    def test_merging_twice_cannot_make_to_send_negative(self) -> None:
        rt = self.channel()
        update(rt, voucher(lane=0, nonce=2, amount=atto(3), merges=(Merge(1, 2),)))
        assert state(rt).to_send == atto(6)
        # lane 1's 2 now counts within lane 0's 3: merging both again would take 3 + 2 + 3 off 6
        sv = voucher(lane=2, nonce=2, amount=atto(0), merges=(Merge(0, 3), Merge(1, 3)))
        fails(ExitCode.USR_ILLEGAL_ARGUMENT, rt, update, sv)


class TestExtra:
    EXTRA = ModVerifyParams(VERIFIER, MethodNum(7), b"\x83\x01\x02\x03")

    def test_extra_call_succeeds(self) -> None:
        rt = new_runtime()
        sv = voucher(extra=self.EXTRA)
        rt.set_caller(PAYEE, "account")
        expect_authentication(rt, PAYER, sv, SendResult(ExitCode.OK, TRUE))
        rt.expect_send(VERIFIER, 7, self.EXTRA.data, atto(0))
        rt.call(ACTOR, Method.UPDATE_CHANNEL_STATE, UpdateChannelStateParams(sv).encode())
        assert state(rt).to_send == atto(1)
        check(rt)

    def test_extra_call_fails(self) -> None:
        rt = new_runtime()
        sv = voucher(extra=self.EXTRA)
        rt.set_caller(PAYEE, "account")
        expect_authentication(rt, PAYER, sv, SendResult(ExitCode.OK, TRUE))
        rt.expect_send(VERIFIER, 7, self.EXTRA.data, atto(0), SendResult(ExitCode.USR_UNSPECIFIED))
        with pytest.raises(ActorError) as raised:
            rt.call(ACTOR, Method.UPDATE_CHANNEL_STATE, UpdateChannelStateParams(sv).encode())
        assert raised.value.exit_code is ExitCode.USR_UNSPECIFIED
        assert lanes(rt) == {}
        check(rt)


class TestSecret:
    SECRET = b"Profesr"

    def test_correct_secret(self) -> None:
        rt = new_runtime()
        secret_hash = rt.hash_blake2b(self.SECRET)
        update(rt, voucher(secret_hash=secret_hash), secret=self.SECRET)
        assert state(rt).to_send == atto(1)
        check(rt)

    def test_incorrect_secret(self) -> None:
        rt = new_runtime()
        secret_hash = rt.hash_blake2b(self.SECRET)
        fails(ExitCode.USR_ILLEGAL_ARGUMENT, rt, update, voucher(secret_hash=secret_hash), secret=b"Profess")
        fails(ExitCode.USR_ILLEGAL_ARGUMENT, rt, update, voucher(secret_hash=secret_hash))


# -- settling ---------------------------------------------------------------------------------------


class TestSettle:
    def test_settle_starts_the_delay(self) -> None:
        rt = new_runtime(epoch=10)
        assert call(rt, PAYER, Method.SETTLE) == b""
        assert state(rt).settling_at == 10 + SETTLE_DELAY
        check(rt)

    def test_settle_twice(self) -> None:
        rt = new_runtime(epoch=10)
        call(rt, PAYEE, Method.SETTLE)
        fails(ExitCode.USR_ILLEGAL_STATE, rt, call, PAYER, Method.SETTLE)

    def test_settle_waits_for_min_settle_height(self) -> None:
        rt = new_runtime(epoch=10)
        update(rt, voucher(min_settle_height=ChainEpoch(5000)))
        assert (state(rt).settling_at, state(rt).min_settle_height) == (0, 5000)
        call(rt, PAYER, Method.SETTLE)
        assert state(rt).settling_at == 5000
        check(rt)

    def test_voucher_pushes_settlement_later(self) -> None:
        rt = new_runtime(epoch=10)
        call(rt, PAYER, Method.SETTLE)
        update(rt, voucher(min_settle_height=ChainEpoch(10 + SETTLE_DELAY + 100)))
        assert state(rt).settling_at == 10 + SETTLE_DELAY + 100
        # a lower min settle height never brings it forward
        update(rt, voucher(nonce=2, min_settle_height=ChainEpoch(20)))
        assert (state(rt).settling_at, state(rt).min_settle_height) == (10 + SETTLE_DELAY + 100,) * 2
        check(rt)

    def test_no_voucher_after_settling(self) -> None:
        rt = new_runtime(epoch=10)
        call(rt, PAYER, Method.SETTLE)
        rt.epoch = ChainEpoch(10 + SETTLE_DELAY)
        fails(ExitCode(32), rt, update, voucher(), auth=None)

    def test_stranger_cannot_settle(self) -> None:
        rt = new_runtime()
        fails(ExitCode.USR_FORBIDDEN, rt, call, STRANGER, Method.SETTLE)

    def test_settle_takes_no_params(self) -> None:
        rt = new_runtime()
        fails(ExitCode.USR_ILLEGAL_ARGUMENT, rt, call, PAYER, Method.SETTLE, b"\x80")


class TestCollect:
    def settled(self) -> FakeRuntime:
        """A channel of 100 owing 30 to PAYEE, settled and past its settling epoch."""
        rt = new_runtime(balance=100, epoch=10)
        update(rt, voucher(amount=atto(30)))
        call(rt, PAYER, Method.SETTLE)
        rt.epoch = ChainEpoch(state(rt).settling_at)
        return rt

    def test_collect_pays_both_and_deletes(self) -> None:
        rt = self.settled()
        rt.expect_send(PAYEE, SEND, b"", atto(30))
        rt.expect_send(PAYER, SEND, b"", atto(70))
        assert call(rt, PAYEE, Method.COLLECT) == b""
        assert rt.deleted and rt.balance == atto(0)
        check(rt)

    def test_not_settling(self) -> None:
        rt = new_runtime()
        fails(ExitCode.USR_FORBIDDEN, rt, call, PAYER, Method.COLLECT)

    def test_before_settling_at(self) -> None:
        rt = self.settled()
        rt.epoch = ChainEpoch(rt.epoch - 1)
        fails(ExitCode.USR_FORBIDDEN, rt, call, PAYER, Method.COLLECT)
        assert not rt.deleted

    def test_stranger_cannot_collect(self) -> None:
        rt = self.settled()
        fails(ExitCode.USR_FORBIDDEN, rt, call, STRANGER, Method.COLLECT)

    def test_failed_payment_aborts(self) -> None:
        rt = self.settled()
        rt.expect_send(PAYEE, SEND, b"", atto(30), SendResult(ExitCode.USR_FORBIDDEN))
        fails(ExitCode.USR_FORBIDDEN, rt, call, PAYEE, Method.COLLECT)
        assert not rt.deleted and rt.balance == atto(100)

    def test_collect_takes_no_params(self) -> None:
        rt = self.settled()
        fails(ExitCode.USR_ILLEGAL_ARGUMENT, rt, call, PAYER, Method.COLLECT, b"\x80")


def test_unknown_method() -> None:
    rt = new_runtime()
    fails(ExitCode.USR_UNHANDLED_MESSAGE, rt, call, PAYER, 5)


def test_state_is_unchanged_by_a_failed_voucher_after_a_good_one() -> None:
    rt = new_runtime(balance=50)
    update(rt, voucher(amount=atto(20)))
    good = replace(state(rt))
    fails(ExitCode.USR_ILLEGAL_ARGUMENT, rt, update, voucher(amount=atto(60), nonce=2))
    assert state(rt) == good


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5), st.integers(0, 40)), max_size=20))
def test_random_vouchers_keep_the_invariants(vouchers: list[tuple[int, int, int]]) -> None:
    rt = new_runtime(balance=100)
    for lane, nonce, amount in vouchers:
        before = lanes(rt).get(lane)
        try:
            update(rt, voucher(lane=lane, nonce=nonce, amount=atto(amount)))
        except ActorError as e:
            assert e.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT, e
            rt.expected_sends.clear()
        else:
            assert before is None or before.nonce < nonce
            assert lanes(rt)[lane] == LaneState(atto(amount), nonce)
        check(rt)
        # without merges, the channel owes exactly what its lanes redeemed
        assert state(rt).to_send.atto == sum(ls.redeemed.atto for ls in lanes(rt).values()) <= 100
