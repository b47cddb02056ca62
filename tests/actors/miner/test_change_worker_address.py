"""ChangeWorkerAddress and ConfirmChangeWorkerAddress (builtin-actors ``change_worker_address_test.rs``
and ``confirm_update_worker_key_test.rs``)."""

from __future__ import annotations

from filnet.actors.account.methods import Method as AccountMethod
from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.types import ChangeWorkerAddressParams
from filnet.core.address import Address
from filnet.core.token import ZERO
from filnet.core.types import ChainEpoch
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ExitCode

from .harness import HarnessRuntime, MinerHarness, expect_abort, ok

NEW_WORKER = Address.new_id(999_999)
NEW_KEY = Address.new_bls(b"\x02" * 48)


def setup() -> tuple[MinerHarness, HarnessRuntime]:
    h = MinerHarness()
    rt = h.new_runtime()
    rt.epoch = ChainEpoch(100)
    h.construct_and_verify(rt)
    rt.add_actor(NEW_WORKER, "account")
    return h, rt


def change_worker(
    h: MinerHarness,
    rt: HarnessRuntime,
    worker: Address,
    controls: tuple[Address, ...],
    key: Address = NEW_KEY,
) -> object:
    rt.set_caller(h.owner, "account")
    if worker.protocol.name == "ID":
        rt.expect_send(worker, AccountMethod.PUBKEY_ADDRESS, result=ok(dagcbor.encode(bytes(key))))
    ret = rt.call(ACTOR, Method.CHANGE_WORKER_ADDRESS, ChangeWorkerAddressParams(worker, controls).encode())
    rt.verify()
    return ret


def confirm(h: MinerHarness, rt: HarnessRuntime, caller: Address | None = None) -> object:
    rt.set_caller(caller or h.owner, "account")
    return rt.call(ACTOR, Method.CONFIRM_CHANGE_WORKER_ADDRESS, b"")


def test_successfully_change_only_the_worker_address() -> None:
    h, rt = setup()
    change_worker(h, rt, NEW_WORKER, h.control_addrs)
    info = h.get_info(rt)
    assert info.worker == h.worker
    assert info.pending_worker_key is not None
    effective = rt.curr_epoch + rt.policy.worker_key_change_delay
    assert (
        info.pending_worker_key.new_worker == NEW_WORKER and info.pending_worker_key.effective_at == effective
    )
    # Too early: nothing changes.
    rt.epoch = ChainEpoch(effective - 1)
    confirm(h, rt)
    assert h.get_info(rt).worker == h.worker
    rt.epoch = ChainEpoch(effective)
    confirm(h, rt)
    info = h.get_info(rt)
    assert info.worker == NEW_WORKER and info.pending_worker_key is None
    h.check_state(rt)


def test_change_cannot_be_overridden() -> None:
    h, rt = setup()
    change_worker(h, rt, NEW_WORKER, ())
    other = Address.new_id(999_998)
    rt.add_actor(other, "account")
    rt.epoch = ChainEpoch(rt.curr_epoch + 1)
    change_worker(h, rt, other, ())
    pending = h.get_info(rt).pending_worker_key
    assert pending is not None and pending.new_worker == NEW_WORKER


def test_change_and_clear_control_addresses() -> None:
    h, rt = setup()
    robust = Address.new_actor(b"control")
    rt.add_actor(Address.new_id(501), "account", robust)
    change_worker(h, rt, h.worker, (robust, Address.new_id(502)))
    info = h.get_info(rt)
    assert info.control_addresses == (Address.new_id(501), Address.new_id(502))
    assert info.pending_worker_key is None
    change_worker(h, rt, h.worker, ())
    assert h.get_info(rt).control_addresses == ()


def test_failures() -> None:
    h, rt = setup()
    arg = ExitCode.USR_ILLEGAL_ARGUMENT

    def fails(
        worker: Address, controls: tuple[Address, ...], code: ExitCode, key: Address | None = None
    ) -> None:
        rt.set_caller(h.owner, "account")
        if key is not None:
            rt.expect_send(worker, AccountMethod.PUBKEY_ADDRESS, result=ok(dagcbor.encode(bytes(key))))
        params = ChangeWorkerAddressParams(worker, controls).encode()
        expect_abort(rt, code, lambda: rt.call(ACTOR, Method.CHANGE_WORKER_ADDRESS, params))

    many = tuple(Address.new_id(600 + i) for i in range(rt.policy.max_control_addresses + 1))
    fails(NEW_WORKER, many, arg)
    fails(NEW_WORKER, (Address.new_actor(b"nobody"),), arg, NEW_KEY)
    fails(Address.new_actor(b"nobody"), (), arg)
    fails(NEW_WORKER, (), arg, Address.new_id(7))
    fails(NEW_WORKER, (), arg, Address.new_secp256k1(b"\x04" + bytes(64)))
    fails(Address.new_id(777), (), arg)  # no code
    rt.add_actor(Address.new_id(778), "multisig")
    fails(Address.new_id(778), (), arg)
    # Only the owner.
    rt.set_caller(h.worker, "account")
    rt.expect_send(NEW_WORKER, AccountMethod.PUBKEY_ADDRESS, result=ok(dagcbor.encode(bytes(NEW_KEY))))
    params = ChangeWorkerAddressParams(NEW_WORKER, ()).encode()
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: rt.call(ACTOR, Method.CHANGE_WORKER_ADDRESS, params))
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: confirm(h, rt, h.worker))
    h.check_state(rt)


def test_deadline_cron_applies_the_worker_change() -> None:
    from .harness import BIG_BALANCE, CronConfig

    h, rt = setup()
    rt.balance = BIG_BALANCE
    rt.circulating_supply = ZERO  # no daily fees to account for
    h.commit_and_prove_sectors(rt, 1)
    change_worker(h, rt, NEW_WORKER, ())
    pending = h.get_info(rt).pending_worker_key
    assert pending is not None
    while True:
        last = h.current_deadline(rt).last()
        h.advance_deadline(rt, CronConfig())
        assert (h.get_info(rt).worker == NEW_WORKER) == (last >= pending.effective_at)
        if last >= pending.effective_at:
            break
