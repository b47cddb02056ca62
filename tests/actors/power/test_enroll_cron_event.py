"""EnrollCronEvent: miners' callbacks in the cron queue (builtin-actors ``power_actor_tests.rs``:
``enroll_cron_epoch_*``, ``fails_to_enroll_if_epoch_negative``)."""

from __future__ import annotations

from filnet.actors import manifest as names
from filnet.actors.power.methods import Method
from filnet.actors.power.state import CronEvent
from filnet.actors.power.types import EnrollCronEventParams
from filnet.core.address import Address
from filnet.core.types import ChainEpoch
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ExitCode
from tests.actors.power.harness import MINER, OWNER, Harness, aborts


def _enroll_and_check(h: Harness, epoch: int, miner: Address, payload: bytes) -> None:
    before = len(h.get_enrolled_cron_ticks(epoch))
    h.enroll_cron_event(epoch, miner, payload)
    events = h.get_enrolled_cron_ticks(epoch)
    assert len(events) == before + 1
    assert events[-1] == CronEvent(miner, payload)


def test_enroll_cron_epoch_multiple_events(h: Harness) -> None:
    miner2 = Address.new_id(501)
    h.create_miner_basic(OWNER, OWNER, MINER)
    h.create_miner_basic(OWNER, OWNER, miner2)
    _enroll_and_check(h, 1, MINER, dagcbor.encode(b"Cthulhu"))
    _enroll_and_check(h, 1, MINER, dagcbor.encode(b"Nyarlathotep"))
    _enroll_and_check(h, 2, miner2, dagcbor.encode(b"Azathoth"))
    assert [e.callback_payload for e in h.get_enrolled_cron_ticks(1)] == [
        dagcbor.encode(b"Cthulhu"),
        dagcbor.encode(b"Nyarlathotep"),
    ]


def test_enroll_cron_epoch_before_current_epoch(h: Harness) -> None:
    h.create_miner_basic(OWNER, OWNER, MINER)
    h.rt.epoch = ChainEpoch(5)
    _enroll_and_check(h, 2, MINER, dagcbor.encode(b"Cthulhu"))
    assert h.state().first_cron_epoch == 0
    _enroll_and_check(h, 1, MINER, dagcbor.encode(b"Azathoth"))
    assert h.state().first_cron_epoch == 0


def test_enroll_before_first_cron_epoch_lowers_it(h: Harness) -> None:
    h.create_miner_basic(OWNER, OWNER, MINER)
    h.on_epoch_tick_end(10, 0)
    assert h.state().first_cron_epoch == 11
    h.enroll_cron_event(20, MINER, b"")
    assert h.state().first_cron_epoch == 11
    h.enroll_cron_event(3, MINER, b"\x01")
    assert h.state().first_cron_epoch == 3


def test_enroll_for_a_miner_without_claim_is_accepted(h: Harness) -> None:
    # Only the caller's type is checked here; cron skips events of miners without a claim.
    h.enroll_cron_event(4, MINER, b"\x02")
    assert h.get_enrolled_cron_ticks(4) == [CronEvent(MINER, b"\x02")]


def test_invalid_enroll_cron_epoch_given_negative_epoch(h: Harness) -> None:
    h.create_miner_basic(OWNER, OWNER, MINER)
    h.rt.set_caller(MINER, names.MINER)
    for epoch in (-1, -2):
        params = EnrollCronEventParams(ChainEpoch(epoch), dagcbor.encode(b"Cthulhu")).encode()
        aborts(
            ExitCode.USR_ILLEGAL_ARGUMENT,
            h,
            Method.ENROLL_CRON_EVENT,
            params,
            f"epoch {epoch} cannot be less than zero",
        )
    assert list(h.state().load_cron_queue(h.rt.store).epochs()) == []


def test_invalid_enroll_by_non_miner(h: Harness) -> None:
    h.rt.set_caller(OWNER, names.ACCOUNT)
    params = EnrollCronEventParams(ChainEpoch(1), b"").encode()
    aborts(ExitCode.USR_FORBIDDEN, h, Method.ENROLL_CRON_EVENT, params)
    # The caller is checked before the epoch.
    negative = EnrollCronEventParams(ChainEpoch(-1), b"").encode()
    aborts(ExitCode.USR_FORBIDDEN, h, Method.ENROLL_CRON_EVENT, negative)


def test_invalid_enroll_params(h: Harness) -> None:
    h.rt.set_caller(MINER, names.MINER)
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, h, Method.ENROLL_CRON_EVENT)
    aborts(ExitCode.USR_SERIALIZATION, h, Method.ENROLL_CRON_EVENT, dagcbor.encode([1, "payload"]))
    aborts(ExitCode.USR_SERIALIZATION, h, Method.ENROLL_CRON_EVENT, dagcbor.encode([1 << 63, b""]))
