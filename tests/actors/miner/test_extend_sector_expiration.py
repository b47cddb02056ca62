"""ExtendSectorExpiration2 (builtin-actors ``extend_sector_expiration_test.rs``)."""

from __future__ import annotations

from dataclasses import replace

from filnet.actors.batch_return import BatchReturn
from filnet.actors.miner.actor import ACTOR
from filnet.actors.miner.methods import Method
from filnet.actors.miner.policy import daily_proof_fee, qa_power_for_sector
from filnet.actors.miner.sectors import PowerPair, SectorOnChainInfo
from filnet.actors.miner.types import ExpirationExtension2, ExtendSectorExpiration2Params, SectorClaim
from filnet.actors.singletons import VERIFIED_REGISTRY_ACTOR
from filnet.actors.verifreg.methods import Method as VerifregMethod
from filnet.actors.verifreg.state import Claim
from filnet.actors.verifreg.types import GetClaimsParams, GetClaimsReturn
from filnet.core.token import ZERO
from filnet.core.types import ActorID, ChainEpoch
from filnet.ipld.bitfield import BitField
from filnet.params.network import DEVNET_POLICY
from filnet.vm.exit_codes import ExitCode

from .harness import (
    BIG_BALANCE,
    CLIENT_ID,
    DEFAULT_SECTOR_EXPIRATION,
    HarnessRuntime,
    MinerHarness,
    bitfield,
    expect_abort,
    expect_update_power,
    make_activation_manifest,
    ok,
    sector_commd_from_pieces,
    setup_proven,
)

ARG = ExitCode.USR_ILLEGAL_ARGUMENT


def _extend(h: MinerHarness, rt: HarnessRuntime, params: ExtendSectorExpiration2Params) -> object:
    rt.set_caller(h.worker, "account")
    return rt.call(ACTOR, Method.EXTEND_SECTOR_EXPIRATION2, params.encode())


def _params(
    h: MinerHarness, rt: HarnessRuntime, sector: SectorOnChainInfo, new_expiration: int
) -> ExtendSectorExpiration2Params:
    dl_idx, p_idx, _, _ = h.find_sector(rt, sector.sector_number)
    return ExtendSectorExpiration2Params(
        (ExpirationExtension2(dl_idx, p_idx, bitfield(sector.sector_number), (), ChainEpoch(new_expiration)),)
    )


def test_rejects_negative_extensions() -> None:
    h, rt, sectors = setup_proven(1)
    params = _params(h, rt, sectors[0], sectors[0].expiration - rt.policy.wpost_proving_period)
    expect_abort(rt, ARG, lambda: _extend(h, rt, params), "cannot reduce sector 0 expiration")
    h.check_state(rt)


def test_rejects_extension_too_far_in_future() -> None:
    h, rt, sectors = setup_proven(1)
    far = rt.curr_epoch + rt.policy.max_sector_expiration_extension + rt.policy.wpost_proving_period
    params = _params(h, rt, sectors[0], far)
    expect_abort(
        rt,
        ARG,
        lambda: _extend(h, rt, params),
        f"cannot be more than {rt.policy.max_sector_expiration_extension} past current epoch",
    )


def test_rejects_extension_past_max_for_seal_proof() -> None:
    h = MinerHarness(offset=100, policy=replace(DEVNET_POLICY, sector_maximum_lifetime=2500))
    rt = h.new_runtime()
    rt.epoch = ChainEpoch(1)
    h.construct_and_verify(rt)
    rt.balance = BIG_BALANCE
    sector = h.commit_and_prove_sectors(rt, 1)[0]
    h.advance_and_submit_posts(rt, [sector])
    # Just within the lifetime is fine; a single epoch more is not.
    _extend(h, rt, _params(h, rt, sector, sector.activation + 2500))
    rt.verify()
    sector = h.get_sector(rt, 0)
    params = _params(h, rt, sector, sector.activation + 2501)
    expect_abort(rt, ARG, lambda: _extend(h, rt, params), "total sector lifetime")
    h.check_state(rt)


def test_updates_expiration_with_valid_params() -> None:
    h, rt, sectors = setup_proven(1)
    old = sectors[0]
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    new_expiration = old.expiration + 42 * rt.policy.wpost_proving_period
    # The fee is fixed at activation: a changed circulating supply must not change it.
    rt.circulating_supply = rt.circulating_supply * 2
    _extend(h, rt, _params(h, rt, old, new_expiration))
    rt.verify()
    new = h.get_sector(rt, 0)
    assert new.expiration == new_expiration
    assert new.power_base_epoch == rt.curr_epoch
    assert new.daily_fee == old.daily_fee
    assert h.get_deadline(rt, dl_idx).daily_fee == new.daily_fee
    assert qa_power_for_sector(h.sector_size, new) == qa_power_for_sector(h.sector_size, old)
    partition = h.get_deadline(rt, dl_idx).load_partition(rt.store, p_idx)
    assert partition.sectors == bitfield(0)
    h.check_state(rt)


def test_zero_fee_sector_starts_paying_when_extended() -> None:
    h = MinerHarness(offset=100)
    rt = h.new_runtime()
    rt.epoch = ChainEpoch(1)
    h.construct_and_verify(rt)
    rt.balance = BIG_BALANCE
    # With no circulating supply the sector is activated with no daily fee (as sectors before FIP-0100).
    supply = rt.circulating_supply
    rt.circulating_supply = ZERO
    old = h.commit_and_prove_sectors(rt, 1)[0]
    h.advance_and_submit_posts(rt, [old])
    assert old.daily_fee == ZERO
    dl_idx, _, _, _ = h.find_sector(rt, 0)
    rt.circulating_supply = supply
    new_expiration = old.expiration + 10 * rt.policy.wpost_proving_period
    _extend(h, rt, _params(h, rt, old, new_expiration))
    rt.verify()
    expected = daily_proof_fee(rt.policy, supply, qa_power_for_sector(h.sector_size, old))
    assert expected.atto > 0
    assert h.get_sector(rt, 0).daily_fee == expected
    assert h.get_deadline(rt, dl_idx).daily_fee == expected
    h.check_state(rt)


def _commit_verified(h: MinerHarness, rt: HarnessRuntime, alloc: int) -> SectorOnChainInfo:
    epoch = rt.curr_epoch
    manifest = make_activation_manifest(h.next_sector_no, [(2048, CLIENT_ID, alloc, 0)])
    expiration = (
        h.current_deadline(rt).period_end() + DEFAULT_SECTOR_EXPIRATION * rt.policy.wpost_proving_period
    )
    commd = sector_commd_from_pieces(h.seal_proof_type, manifest.pieces)
    h.pre_commit_sector_batch_and_get(
        rt, [h.make_pre_commit_params(manifest.sector_number, epoch - 1, expiration, (), commd)], True
    )
    h.next_sector_no += 1
    h.advance_to_epoch_with_cron(rt, ChainEpoch(epoch + rt.policy.pre_commit_challenge_delay + 1))
    h.prove_commit_sectors3(rt, [manifest])
    sector = h.get_sector(rt, manifest.sector_number)
    h.advance_and_submit_posts(rt, [sector])
    return h.get_sector(rt, manifest.sector_number)


def _claim(
    h: MinerHarness, sector: SectorOnChainInfo, term_max: int, provider: int = 1000, number: int | None = None
) -> Claim:
    return Claim(
        ActorID(provider),
        ActorID(CLIENT_ID),
        sector.sealed_cid,  # any CID: the miner does not read the claim's data
        2048,
        ChainEpoch(0),
        ChainEpoch(term_max),
        sector.activation,
        sector.sector_number if number is None else number,
    )


def _expect_claims(rt: HarnessRuntime, ids: tuple[int, ...], claims: tuple[Claim, ...]) -> None:
    rt.expect_send(
        VERIFIED_REGISTRY_ACTOR,
        VerifregMethod.GET_CLAIMS,
        GetClaimsParams(ActorID(1000), ids).encode(),
        result=ok(
            GetClaimsReturn(
                BatchReturn.ok(len(claims))
                if len(claims) == len(ids)
                else BatchReturn.of(
                    [ExitCode.OK] * len(claims) + [ExitCode.USR_NOT_FOUND] * (len(ids) - len(claims))
                ),
                claims,
            ).encode()
        ),
    )


def test_extension_with_claims() -> None:
    h = MinerHarness(offset=100)
    rt = h.new_runtime()
    rt.epoch = ChainEpoch(1)
    h.construct_and_verify(rt)
    rt.balance = BIG_BALANCE
    sector = _commit_verified(h, rt, 77)
    assert sector.verified_deal_weight == 2048 * (sector.expiration - sector.activation)
    dl_idx, p_idx, _, _ = h.find_sector(rt, 0)
    new_expiration = ChainEpoch(sector.expiration + 10 * rt.policy.wpost_proving_period)
    with_claims = ExpirationExtension2(
        dl_idx, p_idx, BitField(), (SectorClaim(0, (77,), ()),), new_expiration
    )
    params = ExtendSectorExpiration2Params((with_claims,))
    long_term = new_expiration - sector.activation + 1

    # A sector with verified data must account for its claims.
    plain = ExtendSectorExpiration2Params(
        (replace(with_claims, sectors=bitfield(0), sectors_with_claims=()),)
    )
    expect_abort(rt, ARG, lambda: _extend(h, rt, plain), "claim missing from declaration")
    # The claim must allow the extension.
    _expect_claims(rt, (77,), (_claim(h, sector, long_term - 10),))
    expect_abort(rt, ExitCode.USR_FORBIDDEN, lambda: _extend(h, rt, params), "claim only allows extension")
    # The claim must be this miner's, for this sector, and exist.
    _expect_claims(rt, (77,), (_claim(h, sector, long_term, provider=2000),))
    expect_abort(rt, ARG, lambda: _extend(h, rt, params), "expected claim provider")
    _expect_claims(rt, (77,), (_claim(h, sector, long_term, number=5),))
    expect_abort(rt, ARG, lambda: _extend(h, rt, params), "expected claim sector number")
    _expect_claims(rt, (77,), ())
    expect_abort(rt, ARG, lambda: _extend(h, rt, params), "invalid claims")
    # Dropping a claim long before the end of the sector's life is forbidden.
    drop = replace(with_claims, sectors_with_claims=(SectorClaim(0, (), (77,)),))
    _expect_claims(rt, (77,), (_claim(h, sector, long_term),))
    expect_abort(
        rt,
        ExitCode.USR_FORBIDDEN,
        lambda: _extend(h, rt, ExtendSectorExpiration2Params((drop,))),
        "drop claims",
    )

    _expect_claims(rt, (77,), (_claim(h, sector, long_term),))
    _extend(h, rt, params)
    rt.verify()
    new = h.get_sector(rt, 0)
    assert new.expiration == new_expiration
    assert new.verified_deal_weight == 2048 * (new_expiration - rt.curr_epoch)
    h.check_state(rt)

    # Near its end, the sector may drop the claim: its power falls to raw.
    rt.epoch = ChainEpoch(new.expiration - rt.policy.end_of_life_claim_drop_period + 1)
    state = h.get_state(rt)
    info = state.deadline_info(rt.policy, rt.curr_epoch)
    h.put_state(rt, replace(state, proving_period_start=info.period_start, current_deadline=info.index))
    later = ChainEpoch(new.expiration + rt.policy.wpost_proving_period)
    drop = ExpirationExtension2(dl_idx, p_idx, BitField(), (SectorClaim(0, (), (77,)),), later)
    _expect_claims(rt, (77,), (_claim(h, new, later - new.activation + 10),))
    old_qa = qa_power_for_sector(h.sector_size, new)
    expect_update_power(rt, PowerPair(0, 2048 - old_qa))
    _extend(h, rt, ExtendSectorExpiration2Params((drop,)))
    rt.verify()
    assert h.get_sector(rt, 0).verified_deal_weight == 0
    h.check_state(rt)
