"""The power actor's constructor and dispatch (builtin-actors ``power_actor_tests.rs``: ``construct``)."""

from __future__ import annotations

from filnet.actors import manifest as names
from filnet.actors.power.actor import ACTOR
from filnet.actors.power.methods import Method
from filnet.actors.power.state import (
    INITIAL_QA_POWER_ESTIMATE_POSITION,
    INITIAL_QA_POWER_ESTIMATE_VELOCITY,
    empty_state,
)
from filnet.actors.smoothing import FilterEstimate
from filnet.core.address import Address
from filnet.core.token import ZERO
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.hamt import Hamt
from filnet.vm.exit_codes import ExitCode
from tests.actors.power.harness import Harness, aborts, new_harness

EMPTY_MAP = Hamt(MemoryBlockstore()).flush()


def test_construct() -> None:
    h = new_harness()
    h.construct()
    st = h.state()
    assert (st.total_raw_byte_power, st.total_bytes_committed) == (0, 0)
    assert (st.total_quality_adj_power, st.total_qa_bytes_committed) == (0, 0)
    assert st.total_pledge_collateral == st.this_epoch_pledge_collateral == ZERO
    assert (st.this_epoch_raw_byte_power, st.this_epoch_quality_adj_power) == (0, 0)
    assert st.this_epoch_qa_power_smoothed == FilterEstimate.from_q0(
        INITIAL_QA_POWER_ESTIMATE_POSITION, INITIAL_QA_POWER_ESTIMATE_VELOCITY
    )
    assert (st.first_cron_epoch, st.miner_count, st.miner_above_min_power_count) == (0, 0, 0)
    assert (st.ramp_start_epoch, st.ramp_duration_epochs) == (0, 0)
    assert st.claims == st.cron_event_queue == EMPTY_MAP
    assert st.proof_validation_batch is None
    # New states use builtin-actors HEAD's layout: 17 fields, with FIP-0081's ramp.
    assert len(st.to_ipld()) == 17
    assert st == empty_state(MemoryBlockstore())
    h.check_state()


def test_invalid_construct_by_non_system_caller() -> None:
    h = new_harness()
    h.rt.set_caller(Address.new_id(1000), names.ACCOUNT)
    aborts(ExitCode.USR_FORBIDDEN, h, Method.CONSTRUCTOR)
    assert h.rt.head is None


def test_invalid_construct_with_params() -> None:
    h = new_harness()
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, h, Method.CONSTRUCTOR, b"\x80")


def test_invalid_construct_twice(h: Harness) -> None:
    aborts(ExitCode.USR_ILLEGAL_STATE, h, Method.CONSTRUCTOR)


def test_invalid_unknown_method(h: Harness) -> None:
    h.rt.set_caller(Address.new_id(1000), names.ACCOUNT)
    aborts(ExitCode.USR_UNHANDLED_MESSAGE, h, 7, contains="invalid method: 7")
    aborts(ExitCode.USR_UNHANDLED_MESSAGE, h, 8)
    aborts(ExitCode.USR_UNHANDLED_MESSAGE, h, 1 << 30)


def test_invalid_internal_methods_from_non_builtin_callers(h: Harness) -> None:
    # Every method below the FRC-42 range, known or not, is kept from EVM contracts and unknown code.
    for name in (names.EVM, names.UNKNOWN):
        h.rt.set_caller(Address.new_id(2000 + len(name)), name)
        for method in (Method.CURRENT_TOTAL_POWER, Method.CREATE_MINER, 7):
            aborts(ExitCode.USR_FORBIDDEN, h, method, contains="must be built-in")
    # A caller the runtime knows nothing about has no code.
    h.rt._caller = Address.new_id(4321)
    aborts(ExitCode.USR_FORBIDDEN, h, Method.CURRENT_TOTAL_POWER, contains="no code for caller")


def test_method_numbers() -> None:
    assert [int(m) for m in Method][:7] == [1, 2, 3, 4, 5, 6, 9]
    exported = {
        Method.CREATE_MINER_EXPORTED: 1173380165,
        Method.NETWORK_RAW_POWER_EXPORTED: 931722534,
        Method.MINER_RAW_POWER_EXPORTED: 3753401894,
        Method.MINER_COUNT_EXPORTED: 1987646258,
        Method.MINER_CONSENSUS_COUNT_EXPORTED: 196739875,
        Method.MINER_POWER_EXPORTED: 36284446,
    }
    assert all(int(m) == n for m, n in exported.items())
    assert set(ACTOR.methods) == {int(m) for m in Method}
    assert ACTOR.name == names.POWER
