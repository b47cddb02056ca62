"""SubmitWindowedPoSt and DisputeWindowedPoSt (builtin-actors ``miner_actor_test_wpost.rs``)."""

from __future__ import annotations

from dataclasses import replace

from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.deadline import WindowedPoSt
from filnet.actors.miner.methods import Method
from filnet.actors.miner.monies import (
    BASE_PENALTY_FOR_DISPUTED_WINDOW_POST,
    pledge_penalty_for_invalid_windowpost,
)
from filnet.actors.miner.policy import BASE_REWARD_FOR_DISPUTED_WINDOW_POST
from filnet.actors.miner.types import DisputeWindowedPoStParams, PoStPartition, SubmitWindowedPoStParams
from filnet.actors.shared import METHOD_SEND
from filnet.core.address import Address
from filnet.core.types import ChainEpoch
from filnet.ipld.amt import Amt
from filnet.ipld.bitfield import BitField
from filnet.proofs.onchain import PoStProof, WindowPoStVerifyInfo
from filnet.vm.exit_codes import ExitCode

from .harness import (
    GOOD_POST_PROOF,
    CronConfig,
    HarnessRuntime,
    bitfield,
    daily_fee_for_sectors,
    expect_abort,
    expect_burn,
    expect_update_power,
    power_for_sector,
    setup_proven,
)

ARG = ExitCode.USR_ILLEGAL_ARGUMENT


def _submit(rt: HarnessRuntime, params: SubmitWindowedPoStParams) -> object:
    return rt.call(ACTOR, Method.SUBMIT_WINDOWED_POST, params.encode())


def _posts(rt: HarnessRuntime, root: object) -> list[WindowedPoSt]:
    from filnet.ipld.cid import CID

    assert isinstance(root, CID)
    return [WindowedPoSt.from_ipld(v) for v in Amt(rt.store, root, 2).values()]


def test_basic_post_and_dispute() -> None:
    h, rt, sectors = setup_proven(1)
    sector = sectors[0]
    power = power_for_sector(h.sector_size, sector)
    dl_idx, p_idx, deadline, _ = h.find_sector(rt, 0)
    # The first PoSt (in setup) was accepted; at the deadline's end its proof moved to the dispute snapshot.
    assert h.current_deadline(rt).index == (dl_idx + 1) % 48
    assert not deadline.partitions_posted
    posts = _posts(rt, deadline.optimistic_post_submissions_snapshot)
    assert len(posts) == 1 and set(posts[0].partitions) == {p_idx}
    assert posts[0].proofs == (PoStProof(h.window_post_proof_type, GOOD_POST_PROOF),)
    assert not _posts(rt, deadline.optimistic_post_submissions)

    # A failed dispute: the proof is valid.
    disputer = Address.new_id(1234)
    rt.set_caller(disputer, "account")
    h.expect_query_network_info(rt)
    params = DisputeWindowedPoStParams(dl_idx, 0).encode()
    expect_abort(
        rt, ARG, lambda: rt.call(ACTOR, Method.DISPUTE_WINDOWED_POST, params), "failed to dispute valid post"
    )
    checked = rt.verifier.checked[-1]
    assert isinstance(checked, WindowPoStVerifyInfo)
    assert checked.prover == 1000 and [s.sector_number for s in checked.challenged_sectors] == [0]

    # A successful dispute: the sector turns faulty, the miner pays, the disputer is rewarded.
    rt.verifier.valid.discard(GOOD_POST_PROOF)
    penalty = pledge_penalty_for_invalid_windowpost(h.epoch_reward_smooth, h.epoch_qa_power_smooth, power.qa)
    assert penalty.atto > BASE_PENALTY_FOR_DISPUTED_WINDOW_POST.atto
    h.expect_query_network_info(rt)
    expect_update_power(rt, -power)
    rt.expect_send(disputer, METHOD_SEND, b"", BASE_REWARD_FOR_DISPUTED_WINDOW_POST)
    expect_burn(rt, penalty)
    rt.call(ACTOR, Method.DISPUTE_WINDOWED_POST, params)
    rt.verify()
    partition = h.get_deadline(rt, dl_idx).load_partition(rt.store, p_idx)
    assert set(partition.faults) == {0}
    h.check_state(rt)

    # The PoSt cannot be disputed twice.
    h.expect_query_network_info(rt)
    expect_abort(rt, ARG, lambda: rt.call(ACTOR, Method.DISPUTE_WINDOWED_POST, params), "not found")


def test_invalid_submissions() -> None:
    h, rt, _ = setup_proven(1)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    # Into the next proving period's window of this deadline.
    info = h.advance_to_deadline(rt, dl_idx)
    good = h.make_post_params(rt, info, [PoStPartition(p_idx, BitField())])
    rt.set_caller(h.worker, "account")

    def fails(params: SubmitWindowedPoStParams, code: ExitCode, contains: str) -> None:
        expect_abort(rt, code, lambda: _submit(rt, params), contains)

    fails(replace(good, deadline=rt.policy.wpost_period_deadlines), ARG, "invalid deadline")
    fails(replace(good, deadline=(dl_idx + 1) % 48), ARG, "invalid deadline")
    fails(replace(good, proofs=()), ARG, "expected exactly one proof")
    fails(replace(good, proofs=good.proofs * 2), ARG, "expected exactly one proof")
    fails(replace(good, proofs=(PoStProof(13, b"x"),)), ARG, "not allowed")
    fails(replace(good, proofs=(PoStProof(11, b"x"),)), ARG, "expected proof of type")
    fails(
        replace(good, partitions=(PoStPartition(p_idx + 1, BitField()),)),
        ExitCode.USR_NOT_FOUND,
        "no such partition",
    )
    fails(
        replace(good, partitions=tuple(PoStPartition(i, BitField()) for i in range(4))),
        ARG,
        "too many partitions",
    )
    fails(replace(good, chain_commit_epoch=ChainEpoch(info.challenge - 1)), ARG, "to be after")
    fails(replace(good, chain_commit_epoch=rt.curr_epoch), ARG, "must be less than the current epoch")
    fails(replace(good, chain_commit_rand=bytes(33)), ARG, "at most 32 bytes")
    fails(replace(good, chain_commit_rand=bytes(32)), ARG, "randomness mismatched")
    big = PoStProof(h.window_post_proof_type, bytes(2 * 10 * (64 << 10) + 1))
    fails(replace(good, proofs=(big,)), ARG, "smaller than")
    rt.set_caller(Address.new_id(555), "account")
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: _submit(rt, good))
    h.check_state(rt)


def test_duplicate_proof_rejected() -> None:
    h, rt, _ = setup_proven(1)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    info = h.advance_to_deadline(rt, dl_idx)
    h.submit_window_post(rt, info, [PoStPartition(p_idx, BitField())])
    params = h.make_post_params(rt, info, [PoStPartition(p_idx, BitField())])
    rt.set_caller(h.worker, "account")
    expect_abort(rt, ARG, lambda: _submit(rt, params), "partition already proven")


def test_skipped_faults_adjust_power_and_skipping_all_is_rejected() -> None:
    h, rt, sectors = setup_proven(2)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    assert h.find_sector(rt, 1)[:2] == (dl_idx, p_idx)
    info = h.advance_to_deadline(rt, dl_idx)
    params = h.make_post_params(rt, info, [PoStPartition(p_idx, bitfield(0, 1))])
    rt.set_caller(h.worker, "account")
    expect_abort(rt, ARG, lambda: _submit(rt, params), "no active sectors")
    # Skipping a sector of another partition is an error.
    params = h.make_post_params(rt, info, [PoStPartition(p_idx, bitfield(7))])
    expect_abort(rt, ARG, lambda: _submit(rt, params), "skipped faults contains sectors outside partition")
    # Skipping one sector makes it faulty and removes its power.
    h.submit_window_post(
        rt,
        info,
        [PoStPartition(p_idx, bitfield(1))],
        expected_power_delta=-power_for_sector(2048, sectors[1]),
    )
    partition = h.get_deadline(rt, dl_idx).load_partition(rt.store, p_idx)
    assert set(partition.faults) == {1}
    h.check_state(rt)


def test_bad_recovery_post_fails_when_verified() -> None:
    h, rt, sectors = setup_proven(2)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    h.declare_faults(rt, sectors[:1])
    h.declare_recoveries(rt, dl_idx, p_idx, bitfield(0))
    info = h.advance_to_deadline(rt, dl_idx)
    params = h.make_post_params(rt, info, [PoStPartition(p_idx, BitField())], proof=b"bad proof")
    rt.set_caller(h.worker, "account")
    expect_abort(rt, ARG, lambda: _submit(rt, params), "invalid post was submitted")
    # The recovering PoSt is verified, with the faulty sector replaced by a good one.
    checked = rt.verifier.checked[-1]
    assert isinstance(checked, WindowPoStVerifyInfo)
    assert [s.sector_number for s in checked.challenged_sectors] == [0, 1]

    h.submit_window_post(rt, info, [PoStPartition(p_idx, BitField())], power_for_sector(2048, sectors[0]))
    partition = h.get_deadline(rt, dl_idx).load_partition(rt.store, p_idx)
    assert not partition.faults and not partition.recoveries
    h.check_state(rt)


def test_dispute_windows() -> None:
    h, rt, sectors = setup_proven(1)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    params = DisputeWindowedPoStParams(dl_idx, 0).encode()
    bad = DisputeWindowedPoStParams(48, 0).encode()
    disputer = Address.new_id(1234)
    rt.set_caller(disputer, "account")
    expect_abort(rt, ARG, lambda: rt.call(ACTOR, Method.DISPUTE_WINDOWED_POST, bad), "invalid deadline")
    # Not while the deadline's challenge window is open.
    info = h.advance_to_deadline(rt, dl_idx)
    rt.set_caller(disputer, "account")
    h.expect_query_network_info(rt)
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: rt.call(ACTOR, Method.DISPUTE_WINDOWED_POST, params))
    h.submit_window_post(rt, info, [PoStPartition(p_idx, BitField())])
    h.advance_deadline(rt, CronConfig(burnt_funds=daily_fee_for_sectors(sectors)))
    # Not once the dispute window after the close has passed.
    while h.current_deadline(rt).open < info.close + rt.policy.wpost_dispute_window:
        h.advance_deadline(rt)
    rt.set_caller(disputer, "account")
    h.expect_query_network_info(rt)
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: rt.call(ACTOR, Method.DISPUTE_WINDOWED_POST, params))
    h.check_state(rt)
