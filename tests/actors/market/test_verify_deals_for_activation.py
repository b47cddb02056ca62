"""VerifyDealsForActivation: checks before pre-commit and the unsealed CID of a sector's deals
(builtin-actors ``verify_deals_for_activation_test.rs``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from filnet.actors import manifest
from filnet.actors.market.methods import Method
from filnet.actors.market.types import (
    EX_DEAL_EXPIRED,
    NO_ALLOCATION_ID,
    ActivatedDeal,
    SectorDeals,
    VerifyDealsForActivationParams,
)
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.params.network import EPOCHS_IN_DAY
from filnet.proofs.onchain import PieceInfo, compute_unsealed_sector_cid
from filnet.vm.exit_codes import ExitCode
from tests.actors.market.harness import (
    CLIENT_ADDR,
    PROVIDER_ADDR,
    WORKER_ADDR,
    MinerAddresses,
    aborts,
    activate_deals,
    check_state,
    generate_and_publish_deal,
    generate_and_publish_verified_deal,
    generate_deal_and_add_funds,
    get_deal_proposal,
    make_piece_cid,
    publish_deals,
    setup,
    verify_deals_for_activation,
)

START = 10
END = START + 200 * EPOCHS_IN_DAY
CURR = 5
EXPIRY = END + 200
SECTOR = 7
KIB2_V1P1 = 5
MIB8_V1 = 1


def _sector(deal_ids: list[int], sector_type: int = KIB2_V1P1, expiry: int = EXPIRY) -> SectorDeals:
    return SectorDeals(SECTOR, sector_type, ChainEpoch(expiry), tuple(deal_ids))


def _params(*sectors: SectorDeals) -> bytes:
    return VerifyDealsForActivationParams(tuple(sectors)).encode()


def test_verify_deal_and_activate_to_get_deal_space_for_unverified_deal_proposal() -> None:
    rt = setup()
    deal_id, deal = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    ret = verify_deals_for_activation(rt, PROVIDER_ADDR, [_sector([deal_id])])
    # one piece filling a 2 KiB sector: the sector's CommD is the piece's commitment
    assert ret.unsealed_cids == (make_piece_cid(b"1"),)
    activation = activate_deals(rt, EXPIRY, PROVIDER_ADDR, CURR, SECTOR, [deal_id]).activations[0]
    assert activation.activated == (
        ActivatedDeal(CLIENT_ADDR.id, NO_ALLOCATION_ID, deal.piece_cid, deal.piece_size),
    )
    check_state(rt)


def test_verify_deal_and_activate_to_get_deal_space_for_verified_deal_proposal() -> None:
    rt = setup()
    deal_id = generate_and_publish_verified_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END, 1)
    deal = get_deal_proposal(rt, deal_id)
    ret = verify_deals_for_activation(rt, PROVIDER_ADDR, [_sector([deal_id])])
    assert ret.unsealed_cids == (make_piece_cid(b"1"),)
    activation = activate_deals(rt, EXPIRY, PROVIDER_ADDR, CURR, SECTOR, [deal_id]).activations[0]
    assert activation.activated == (ActivatedDeal(CLIENT_ADDR.id, 1, deal.piece_cid, deal.piece_size),)
    check_state(rt)


def test_verification_and_weights_for_verified_and_unverified_deals() -> None:
    rt = setup()
    deals = [
        replace(
            generate_deal_and_add_funds(
                rt, CLIENT_ADDR, MinerAddresses(), START, END + i, piece_cid=make_piece_cid(str(i).encode())
            ),
            verified_deal=i < 2,
        )
        for i in range(4)
    ]
    deal_ids = publish_deals(rt, MinerAddresses(), deals, TokenAmount.from_fil(2 * 2048), 1)
    assert len(deal_ids) == 4
    ret = verify_deals_for_activation(rt, PROVIDER_ADDR, [_sector(deal_ids, MIB8_V1)])
    pieces = [PieceInfo(d.piece_size, d.piece_cid) for d in deals]
    assert ret.unsealed_cids == (compute_unsealed_sector_cid(MIB8_V1, pieces),)
    activated = activate_deals(rt, EXPIRY, PROVIDER_ADDR, CURR, SECTOR, deal_ids).activations[0].activated
    assert [a.allocation_id for a in activated] == [1, 2, NO_ALLOCATION_ID, NO_ALLOCATION_ID]
    assert [(a.client, a.data, a.size) for a in activated] == [
        (CLIENT_ADDR.id, d.piece_cid, 2048) for d in deals
    ]
    check_state(rt)


def test_several_sectors_and_an_empty_one() -> None:
    rt = setup()
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    ret = verify_deals_for_activation(rt, PROVIDER_ADDR, [_sector([]), _sector([deal_id], MIB8_V1)])
    pieces = [PieceInfo(2048, make_piece_cid(b"1"))]
    assert ret.unsealed_cids == (None, compute_unsealed_sector_cid(MIB8_V1, pieces))
    # verification changes nothing
    assert verify_deals_for_activation(rt, PROVIDER_ADDR, [_sector([])]).unsealed_cids == (None,)
    check_state(rt)


def test_fail_when_caller_is_not_a_storage_miner_actor() -> None:
    rt = setup()
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    rt.set_caller(WORKER_ADDR, manifest.ACCOUNT)
    aborts(ExitCode.USR_FORBIDDEN, rt, Method.VERIFY_DEALS_FOR_ACTIVATION, _params(_sector([deal_id])))
    check_state(rt)


def test_fail_when_deal_proposal_is_not_found() -> None:
    rt = setup()
    rt.set_caller(PROVIDER_ADDR, manifest.MINER)
    aborts(ExitCode.USR_NOT_FOUND, rt, Method.VERIFY_DEALS_FOR_ACTIVATION, _params(_sector([1])))
    check_state(rt)


def test_fail_when_caller_is_not_the_provider() -> None:
    rt = setup()
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    rt.set_caller(Address.new_id(205), manifest.MINER)
    aborts(ExitCode.USR_FORBIDDEN, rt, Method.VERIFY_DEALS_FOR_ACTIVATION, _params(_sector([deal_id])))
    check_state(rt)


def test_fail_when_current_epoch_is_greater_than_proposal_start_epoch() -> None:
    rt = setup()
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    rt.epoch = ChainEpoch(START + 1)
    rt.set_caller(PROVIDER_ADDR, manifest.MINER)
    aborts(EX_DEAL_EXPIRED, rt, Method.VERIFY_DEALS_FOR_ACTIVATION, _params(_sector([deal_id])))
    check_state(rt)


def test_fail_when_deal_end_epoch_is_greater_than_sector_expiration() -> None:
    rt = setup()
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    rt.set_caller(PROVIDER_ADDR, manifest.MINER)
    params = _params(_sector([deal_id], expiry=END - 1))
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.VERIFY_DEALS_FOR_ACTIVATION, params)
    check_state(rt)


def test_fail_when_the_same_deal_id_is_passed_multiple_times() -> None:
    rt = setup()
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    rt.set_caller(PROVIDER_ADDR, manifest.MINER)
    params = _params(_sector([deal_id, deal_id], MIB8_V1))
    error = aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.VERIFY_DEALS_FOR_ACTIVATION, params)
    assert "duplicate deal" in error.reason
    check_state(rt)


@pytest.mark.parametrize("sector_type", [-1, 20, 99])
def test_fail_when_the_sector_type_is_unknown(sector_type: int) -> None:
    rt = setup()
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    rt.set_caller(PROVIDER_ADDR, manifest.MINER)
    params = _params(_sector([deal_id], sector_type))
    aborts(ExitCode.USR_ILLEGAL_ARGUMENT, rt, Method.VERIFY_DEALS_FOR_ACTIVATION, params)


def test_fail_when_deals_do_not_fit_the_sector() -> None:
    rt = setup()
    first, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    second, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END + 1)
    rt.set_caller(PROVIDER_ADDR, manifest.MINER)
    error = aborts(
        ExitCode.USR_ILLEGAL_ARGUMENT,
        rt,
        Method.VERIFY_DEALS_FOR_ACTIVATION,
        _params(_sector([first, second])),
    )
    assert "too large" in error.reason
    check_state(rt)


def test_expired_deal_id_is_ex_deal_expired() -> None:
    rt = setup()
    deal_id, _ = generate_and_publish_deal(rt, CLIENT_ADDR, MinerAddresses(), START, END)
    from tests.actors.market.harness import delete_deal_proposal

    delete_deal_proposal(rt, deal_id)
    rt.set_caller(PROVIDER_ADDR, manifest.MINER)
    aborts(EX_DEAL_EXPIRED, rt, Method.VERIFY_DEALS_FOR_ACTIVATION, _params(_sector([deal_id])))
