"""ProveCommitSectors3 (builtin-actors ``prove_commit_sector_3_test.rs`` and
``prove_commit_sector_3_failures_test.rs``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from filnet.actors.batch_return import BatchReturn
from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.notifications import ERR_NOTIFICATION_RECEIVER_ABORTED, ERR_NOTIFICATION_REJECTED
from filnet.actors.miner.sectors import SectorPreCommitInfo
from filnet.actors.miner.types import ProveCommitSectors3Params, SectorActivationManifest
from filnet.core.token import ZERO
from filnet.core.types import ChainEpoch
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ExitCode

from .harness import (
    BIG_BALANCE,
    CLIENT_ID,
    DEFAULT_SECTOR_EXPIRATION,
    HarnessRuntime,
    MinerHarness,
    ProveCommitConfig,
    expect_abort,
    make_activation_manifest,
    sector_commd_from_pieces,
)

OK = ExitCode.OK
ARG = ExitCode.USR_ILLEGAL_ARGUMENT


def setup_basic() -> tuple[MinerHarness, HarnessRuntime]:
    h = MinerHarness()
    rt = h.new_runtime()
    rt.epoch = ChainEpoch(20)
    h.construct_and_verify(rt)
    rt.balance = BIG_BALANCE
    return h, rt


def precommit_sectors(
    h: MinerHarness, rt: HarnessRuntime, manifests: Sequence[SectorActivationManifest], first: bool = True
) -> list[SectorPreCommitInfo]:
    """Pre-commit the manifests' sectors with the CommD of their pieces, then wait out the delay."""
    epoch = rt.curr_epoch
    expiration = (
        h.current_deadline(rt).period_end() + DEFAULT_SECTOR_EXPIRATION * rt.policy.wpost_proving_period
    )
    precommits = [
        h.make_pre_commit_params(
            m.sector_number, epoch - 1, expiration, (), sector_commd_from_pieces(h.seal_proof_type, m.pieces)
        )
        for m in manifests
    ]
    h.pre_commit_sector_batch_and_get(rt, precommits, first)
    rt.epoch = ChainEpoch(epoch + rt.policy.pre_commit_challenge_delay + 1)
    return precommits


def four_sectors() -> list[SectorActivationManifest]:
    return [
        make_activation_manifest(0, [(2048, 0, 0, 0)]),  # no allocation nor deal
        make_activation_manifest(1, [(2048, CLIENT_ID, 1000, 0)]),  # an allocation
        make_activation_manifest(2, [(2048, 0, 0, 2000)]),  # a deal
        make_activation_manifest(3, [(2048, CLIENT_ID, 1001, 2001)]),  # both
    ]


def verify_weights(h: MinerHarness, rt: HarnessRuntime, number: int, unverified: int, verified: int) -> None:
    sector = h.get_sector(rt, number)
    duration = sector.expiration - sector.activation
    assert sector.deal_weight == unverified * duration
    assert sector.verified_deal_weight == verified * duration


def test_commit_batch() -> None:
    h, rt = setup_basic()
    manifests = four_sectors()
    precommit_sectors(h, rt, manifests)
    events = len(rt.events)
    result = h.prove_commit_sectors3(rt, manifests)
    assert result.activation_results == BatchReturn.ok(4)
    verify_weights(h, rt, 0, 2048, 0)
    verify_weights(h, rt, 1, 0, 2048)
    verify_weights(h, rt, 2, 2048, 0)
    verify_weights(h, rt, 3, 0, 2048)
    activated = [e.event for e in rt.events[events:]]
    assert [e.event_type for e in activated] == ["sector-activated"] * 4
    assert activated[1].value("piece-cid") == manifests[1].pieces[0].cid
    assert activated[1].value("piece-size") == 2048
    assert (
        activated[1].value("unsealed-cid")
        == sector_commd_from_pieces(h.seal_proof_type, manifests[1].pieces).cid
    )
    state = h.get_state(rt)
    assert state.pre_commit_deposits == ZERO
    assert state.initial_pledge.atto > 0
    h.check_state(rt)


def test_multiple_pieces_and_notifications_in_sector() -> None:
    h, rt = setup_basic()
    manifests = [
        make_activation_manifest(0, [(1024, 0, 0, 0), (1024, CLIENT_ID, 1000, 0)]),
        make_activation_manifest(1, [(512, 0, 0, 2000), (512, CLIENT_ID, 1001, 2001), (1024, 0, 0, 2002)]),
    ]
    precommit_sectors(h, rt, manifests)
    h.prove_commit_sectors3(rt, manifests)
    verify_weights(h, rt, 0, 1024, 1024)
    verify_weights(h, rt, 1, 1536, 512)
    h.check_state(rt)


@pytest.mark.parametrize("aggregate", [False, True])
def test_expired_precommit_dropped(aggregate: bool) -> None:
    h, rt = setup_basic()
    early = [make_activation_manifest(n, [(2048, 0, 0, 0)]) for n in range(2)]
    precommit_sectors(h, rt, early)
    late = [make_activation_manifest(n, [(2048, 0, 0, 0)]) for n in range(2, 4 if not aggregate else 6)]
    # The first pre-commits expire while the later ones wait.
    rt.epoch = ChainEpoch(rt.curr_epoch + rt.policy.max_prove_commit_duration_v1p1 - 5)
    precommit_sectors(h, rt, late, first=False)
    manifests = early + late
    result = h.prove_commit_sectors3(
        rt, manifests, False, False, aggregate, ProveCommitConfig(validation_failure={0, 1})
    )
    assert result.activation_results == BatchReturn.of([ARG, ARG] + [OK] * len(late))
    assert h.get_state(rt).get_sector(rt.store, 0) is None
    assert h.get_state(rt).get_sector(rt.store, 2) is not None


def test_invalid_proof_dropped() -> None:
    h, rt = setup_basic()
    manifests = four_sectors()
    precommit_sectors(h, rt, manifests)
    result = h.prove_commit_sectors3(rt, manifests, False, False, cfg=ProveCommitConfig(proof_failure={1}))
    assert result.activation_results == BatchReturn.of([OK, ARG, OK, OK])
    h.check_state(rt)


def test_invalid_claim_dropped() -> None:
    h, rt = setup_basic()
    manifests = four_sectors()
    precommit_sectors(h, rt, manifests)
    result = h.prove_commit_sectors3(rt, manifests, False, False, cfg=ProveCommitConfig(claim_failure={3}))
    assert result.activation_results == BatchReturn.of([OK, OK, OK, ARG])
    h.check_state(rt)


def test_aborted_and_rejected_notifications_are_ignored_unless_required() -> None:
    h, rt = setup_basic()
    manifests = four_sectors()
    precommit_sectors(h, rt, manifests)
    cfg = ProveCommitConfig(notification_result=ExitCode.USR_ILLEGAL_ARGUMENT)
    result = h.prove_commit_sectors3(rt, manifests[:2], False, False, cfg=cfg)
    assert result.activation_results.all_ok()
    result = h.prove_commit_sectors3(
        rt, manifests[2:], False, False, cfg=ProveCommitConfig(notification_rejected=True)
    )
    assert result.activation_results.all_ok()
    h.check_state(rt)


def test_aggregate_proof_partial_success() -> None:
    h, rt = setup_basic()
    manifests = [make_activation_manifest(n, [(2048, CLIENT_ID, 1000 + n, 0)]) for n in range(5)]
    precommit_sectors(h, rt, manifests)
    result = h.prove_commit_sectors3(rt, manifests, False, False, True, ProveCommitConfig(claim_failure={2}))
    assert result.activation_results == BatchReturn.of([OK, OK, ARG, OK, OK])
    assert h.get_state(rt).get_sector(rt.store, 2) is None
    h.check_state(rt)


# -- failures -----------------------------------------------------------------------------------------


def _call(rt: HarnessRuntime, params: ProveCommitSectors3Params) -> object:
    return rt.call(ACTOR, Method.PROVE_COMMIT_SECTORS3, params.encode())


def _basic_params(manifests: Sequence[SectorActivationManifest]) -> ProveCommitSectors3Params:
    proofs = tuple(b"seal-proof-%d" % m.sector_number for m in manifests)
    return ProveCommitSectors3Params(tuple(manifests), proofs, b"", None, True, True)


def _failing(
    h: MinerHarness, rt: HarnessRuntime, params: ProveCommitSectors3Params, code: ExitCode, contains: str
) -> None:
    rt.set_caller(h.worker, "account")
    expect_abort(rt, code, lambda: _call(rt, params), contains)
    h.check_state(rt)


def test_rejects_bad_params() -> None:
    h, rt = setup_basic()
    manifests = four_sectors()
    precommit_sectors(h, rt, manifests)
    params = _basic_params(manifests)
    rt.set_caller(h.owner.__class__.new_id(555), "account")
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: _call(rt, params))
    _failing(h, rt, replace(params, sector_proofs=()), ARG, "exactly one of sector proofs or aggregate proof")
    _failing(
        h, rt, replace(params, aggregate_proof=b"x"), ARG, "exactly one of sector proofs or aggregate proof"
    )
    _failing(h, rt, replace(params, sector_proofs=params.sector_proofs[:3]), ARG, "mismatched lengths")
    _failing(h, rt, replace(params, aggregate_proof_type=1), ARG, "aggregate proof type must be null")
    aggregate = replace(params, sector_proofs=(), aggregate_proof=b"x")
    _failing(h, rt, replace(aggregate, aggregate_proof_type=None), ARG, "SnarkPackV2")
    _failing(h, rt, replace(aggregate, aggregate_proof_type=0), ARG, "SnarkPackV2")
    _failing(
        h,
        rt,
        replace(aggregate, sector_activations=tuple(manifests[:3]), aggregate_proof_type=1),
        ARG,
        "too few sectors",
    )
    too_big = bytes(rt.policy.max_aggregated_proof_size + 4 * 2 * (64 << 10) + 65)
    _failing(
        h, rt, replace(aggregate, aggregate_proof=too_big, aggregate_proof_type=1), ARG, "exceeds max size"
    )
    _failing(h, rt, replace(params, sector_proofs=(bytes(2 * (64 << 10) + 1),) * 4), ARG, "exceeds max")
    unknown = replace(params, sector_activations=(make_activation_manifest(9, []),), sector_proofs=(b"p",))
    _failing(h, rt, unknown, ExitCode.USR_NOT_FOUND, "not found")
    out_of_range = replace(unknown, sector_activations=(make_activation_manifest(1 << 63, []),))
    _failing(h, rt, out_of_range, ARG, "sector number greater than maximum")


def test_reject_too_soon_and_expired() -> None:
    h, rt = setup_basic()
    manifests = four_sectors()
    precommit_sectors(h, rt, manifests)
    params = _basic_params(manifests)
    now = rt.curr_epoch
    rt.epoch = ChainEpoch(now - 1)
    _failing(h, rt, params, ExitCode.USR_FORBIDDEN, "too early to prove sector")
    rt.epoch = ChainEpoch(now + rt.policy.max_prove_commit_duration_v1p1 + 10)
    _failing(h, rt, params, ARG, "invalid pre-commit 0 while requiring activation success")
    _failing(h, rt, replace(params, require_activation_success=False), ARG, "no valid precommits specified")


def test_reject_proof_and_claim_failures() -> None:
    h, rt = setup_basic()
    manifests = four_sectors()
    precommit_sectors(h, rt, manifests)
    params = replace(_basic_params(manifests), require_activation_success=False)
    # No proof is valid.
    _failing(h, rt, params, ARG, "no valid proofs specified")
    rt.verifier.valid.update(params.sector_proofs[1:])
    _failing(h, rt, replace(params, require_activation_success=True), ARG, "invalid proof for sector 0")
    aggregate = replace(params, sector_proofs=(), aggregate_proof=b"bad", aggregate_proof_type=1)
    _failing(h, rt, aggregate, ARG, "aggregate seal verify failed")


def test_reject_mismatched_commd() -> None:
    h, rt = setup_basic()
    manifests = four_sectors()
    precommit_sectors(h, rt, manifests)
    rt.verifier.valid.update(b"seal-proof-%d" % n for n in range(4))
    # Sector 0 claims other pieces than it pre-committed.
    changed = [make_activation_manifest(0, [(1024, 0, 0, 0), (1024, 0, 0, 0)]), *manifests[1:]]
    _failing(h, rt, _basic_params(changed), ARG, "unsealed CID does not match pieces")


def test_required_claim_and_notification_failures_abort() -> None:
    h, rt = setup_basic()
    manifests = four_sectors()
    precommit_sectors(h, rt, manifests)
    expect_abort(
        rt,
        ARG,
        lambda: h.prove_commit_sectors3(rt, manifests, True, False, cfg=ProveCommitConfig(claim_failure={1})),
    )
    expect_abort(
        rt,
        ERR_NOTIFICATION_RECEIVER_ABORTED,
        lambda: h.prove_commit_sectors3(
            rt, manifests, True, True, cfg=ProveCommitConfig(notification_result=ARG)
        ),
    )
    expect_abort(
        rt,
        ERR_NOTIFICATION_REJECTED,
        lambda: h.prove_commit_sectors3(
            rt, manifests, True, True, cfg=ProveCommitConfig(notification_rejected=True)
        ),
        "rejected",
    )
    # Nothing was activated.
    assert h.get_state(rt).get_sector(rt.store, 0) is None
    h.check_state(rt)
    assert dagcbor.decode(manifests[2].pieces[0].notify[0].payload) == 2000


def test_reject_precommit_deals() -> None:
    h, rt = setup_basic()
    epoch = rt.curr_epoch
    expiration = (
        h.current_deadline(rt).period_end() + DEFAULT_SECTOR_EXPIRATION * rt.policy.wpost_proving_period
    )
    manifest = make_activation_manifest(0, [(2048, 0, 0, 0)])
    commd = sector_commd_from_pieces(h.seal_proof_type, manifest.pieces)
    h.pre_commit_sector_batch_and_get(
        rt, [h.make_pre_commit_params(0, epoch - 1, expiration, (1,), commd)], True
    )
    rt.epoch = ChainEpoch(epoch + rt.policy.pre_commit_challenge_delay + 1)
    _failing(h, rt, _basic_params([manifest]), ARG, "invalid pre-commit 0")
