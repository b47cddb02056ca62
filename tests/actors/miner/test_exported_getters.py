"""The FRC-42 getters, CheckSectorProven and the sector location methods (builtin-actors
``exported_getters.rs``, ``check_sector_proven_test.rs``, ``sector_status_test.rs`` and
``initial_pledge.rs``)."""

from __future__ import annotations

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.types import (
    NO_DEADLINE,
    NO_PARTITION,
    CheckSectorProvenParams,
    GenerateSectorLocationParams,
    GenerateSectorLocationReturn,
    GetAvailableBalanceReturn,
    GetControlAddressesReturn,
    GetNominalSectorExpirationReturn,
    GetOwnerReturn,
    GetSectorSizeReturn,
    GetVestingFundsReturn,
    InitialPledgeReturn,
    IsControllingAddressParam,
    IsControllingAddressReturn,
    SectorLocation,
    SectorStatusCode,
    ValidateSectorStatusParams,
    ValidateSectorStatusReturn,
)
from filnet.core.address import Address
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ExitCode

from .harness import BIG_REWARDS, HarnessRuntime, expect_abort, setup_proven

CONTRACT = Address.new_id(7777)


def _get(rt: HarnessRuntime, method: int, params: bytes = b"") -> bytes:
    rt.set_caller(CONTRACT, "evm")
    return rt.call(ACTOR, method, params)


def test_info_getters() -> None:
    h, rt, _ = setup_proven(1)
    assert GetOwnerReturn.decode(_get(rt, Method.GET_OWNER_EXPORTED)) == GetOwnerReturn(h.owner, None)
    assert GetSectorSizeReturn.decode(_get(rt, Method.GET_SECTOR_SIZE_EXPORTED)).sector_size == 2048
    for address, expected in (
        (h.owner, True),
        (h.worker, True),
        (h.control_addrs[2], True),
        (CONTRACT, False),
    ):
        ret = _get(rt, Method.IS_CONTROLLING_ADDRESS_EXPORTED, IsControllingAddressParam(address).encode())
        assert IsControllingAddressReturn.decode(ret).is_controlling is expected
    unknown = IsControllingAddressParam(Address.new_actor(b"nobody")).encode()
    assert not IsControllingAddressReturn.decode(
        _get(rt, Method.IS_CONTROLLING_ADDRESS_EXPORTED, unknown)
    ).is_controlling
    # ControlAddresses is not exported: built-in callers only.
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: _get(rt, Method.CONTROL_ADDRESSES))
    rt.set_caller(Address.new_id(5), "storagemarket")
    addresses = GetControlAddressesReturn.decode(rt.call(ACTOR, Method.CONTROL_ADDRESSES, b""))
    assert addresses == GetControlAddressesReturn(h.owner, h.worker, h.control_addrs)


def test_balance_getters() -> None:
    h, rt, _ = setup_proven(1)
    state = h.get_state(rt)
    available = GetAvailableBalanceReturn.decode(
        _get(rt, Method.GET_AVAILABLE_BALANCE_EXPORTED)
    ).available_balance
    assert available == rt.balance - state.initial_pledge - state.locked_funds - state.pre_commit_deposits
    pledge = InitialPledgeReturn.decode(_get(rt, Method.INITIAL_PLEDGE_EXPORTED)).initial_pledge
    assert pledge == state.initial_pledge and pledge.atto > 0
    assert GetVestingFundsReturn.decode(_get(rt, Method.GET_VESTING_FUNDS_EXPORTED)).vesting_funds == ()
    h.apply_rewards(rt, BIG_REWARDS)
    funds = GetVestingFundsReturn.decode(_get(rt, Method.GET_VESTING_FUNDS_EXPORTED)).vesting_funds
    assert [(f.epoch, f.amount) for f in h.get_state(rt).vesting_funds.load(rt.store)] == list(funds)


def test_check_sector_proven_and_nominal_expiration() -> None:
    _, rt, sectors = setup_proven(1)
    rt.set_caller(Address.new_id(5), "storagemarket")
    rt.call(ACTOR, Method.CHECK_SECTOR_PROVEN, CheckSectorProvenParams(0).encode())
    expect_abort(
        rt,
        ExitCode.USR_NOT_FOUND,
        lambda: rt.call(ACTOR, Method.CHECK_SECTOR_PROVEN, CheckSectorProvenParams(1).encode()),
    )
    too_big = CheckSectorProvenParams(1 << 63).encode()
    expect_abort(
        rt, ExitCode.USR_ILLEGAL_ARGUMENT, lambda: rt.call(ACTOR, Method.CHECK_SECTOR_PROVEN, too_big)
    )
    ret = _get(rt, Method.GET_NOMINAL_SECTOR_EXPIRATION_EXPORTED, dagcbor.encode(0))
    assert GetNominalSectorExpirationReturn.decode(ret).expiration == sectors[0].expiration
    expect_abort(
        rt,
        ExitCode.USR_NOT_FOUND,
        lambda: _get(rt, Method.GET_NOMINAL_SECTOR_EXPIRATION_EXPORTED, dagcbor.encode(9)),
    )


def _locate(rt: HarnessRuntime, number: int) -> GenerateSectorLocationReturn:
    params = GenerateSectorLocationParams(number).encode()
    return GenerateSectorLocationReturn.decode(_get(rt, Method.GENERATE_SECTOR_LOCATION_EXPORTED, params))


def _valid(rt: HarnessRuntime, number: int, status: SectorStatusCode, aux: bytes) -> bool:
    params = ValidateSectorStatusParams(number, status, aux).encode()
    return ValidateSectorStatusReturn.decode(_get(rt, Method.VALIDATE_SECTOR_STATUS_EXPORTED, params)).valid


def test_sector_location_and_status() -> None:
    h, rt, sectors = setup_proven(2)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    located = _locate(rt, 0)
    assert located.status is SectorStatusCode.ACTIVE
    assert SectorLocation.decode(located.aux_data) == SectorLocation(dl_idx, p_idx)
    assert _valid(rt, 0, SectorStatusCode.ACTIVE, located.aux_data)
    assert not _valid(rt, 0, SectorStatusCode.FAULTY, located.aux_data)
    assert not _valid(rt, 0, SectorStatusCode.DEAD, located.aux_data)

    h.declare_faults(rt, sectors[:1])
    assert _locate(rt, 0).status is SectorStatusCode.FAULTY
    assert _valid(rt, 0, SectorStatusCode.FAULTY, located.aux_data)

    missing = _locate(rt, 50)
    assert missing.status is SectorStatusCode.DEAD
    assert SectorLocation.decode(missing.aux_data) == SectorLocation(NO_DEADLINE, NO_PARTITION)
    assert _valid(rt, 50, SectorStatusCode.DEAD, missing.aux_data)
    assert not _valid(rt, 50, SectorStatusCode.ACTIVE, missing.aux_data)
    expect_abort(rt, ExitCode.USR_NOT_FOUND, lambda: _valid(rt, 0, SectorStatusCode.DEAD, missing.aux_data))
    mixed = SectorLocation(NO_DEADLINE, 0).encode()
    expect_abort(
        rt, ExitCode.USR_ILLEGAL_ARGUMENT, lambda: _valid(rt, 0, SectorStatusCode.DEAD, mixed), "both be NO"
    )
    expect_abort(
        rt,
        ExitCode.USR_ILLEGAL_ARGUMENT,
        lambda: _valid(rt, 0, SectorStatusCode.DEAD, b"\x01"),
        "invalid aux_data",
    )
    other = SectorLocation((dl_idx + 1) % 48, 0).encode()
    expect_abort(rt, ExitCode.USR_NOT_FOUND, lambda: _valid(rt, 0, SectorStatusCode.ACTIVE, other))


def test_negative_location_indices_are_huge_unsigned_ones() -> None:
    h, rt, _ = setup_proven(1)
    dl_idx, _, _, _ = h.find_sector(rt, 0)
    active = SectorStatusCode.ACTIVE
    bad_deadline = SectorLocation(-5, 0).encode()
    expect_abort(
        rt, ExitCode.USR_ILLEGAL_ARGUMENT, lambda: _valid(rt, 0, active, bad_deadline), "invalid deadline"
    )
    mixed = SectorLocation(dl_idx, -1).encode()
    expect_abort(rt, ExitCode.USR_ILLEGAL_ARGUMENT, lambda: _valid(rt, 0, active, mixed), "both be NO")
    absent = SectorLocation(dl_idx, -2).encode()
    expect_abort(rt, ExitCode.USR_NOT_FOUND, lambda: _valid(rt, 0, active, absent), "no partition")
