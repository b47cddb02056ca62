"""SectorContentChanged (FIP-0076): a miner's notification of pieces added to sectors activates the deals
they name, each piece on its own (builtin-actors ``sector_content_changed.rs``)."""

from __future__ import annotations

from dataclasses import replace

from filnet.actors import manifest
from filnet.actors.market.methods import Method
from filnet.actors.market.state import DealProposal
from filnet.actors.miner.types import PieceChange, PieceReturn, SectorChanges, SectorContentChangedParams
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld import codecs, dagcbor
from filnet.ipld.cid import CID
from filnet.params.network import EPOCHS_IN_DAY
from filnet.vm.exit_codes import ExitCode
from filnet.vm.testing import FakeRuntime
from tests.actors.market.harness import (
    CLIENT_ADDR,
    PROVIDER_ADDR,
    PROVIDER_ID,
    EventLog,
    MinerAddresses,
    aborts,
    check_state,
    expect_deal_event,
    find_deal_state,
    generate_deal_and_add_funds,
    get_deal_state,
    get_pending_deal_allocation,
    get_sector_deal_ids,
    piece_info_from_deal,
    publish_deals,
    sector_content_changed,
    setup,
)

START = 10
END = START + 200 * EPOCHS_IN_DAY
COMMITMENT = ChainEpoch(END + 10)
ACCEPTED, REJECTED = PieceReturn(True), PieceReturn(False)


def _create_deals(rt: FakeRuntime, count: int) -> list[DealProposal]:
    return [
        generate_deal_and_add_funds(rt, CLIENT_ADDR, MinerAddresses(), START, END + i) for i in range(count)
    ]


def _pieces(deal_ids: list[int], deals: list[DealProposal]) -> list[PieceChange]:
    return [piece_info_from_deal(i, d) for i, d in zip(deal_ids, deals, strict=True)]


def _changes(sector: int, pieces: list[PieceChange]) -> SectorChanges:
    return SectorChanges(sector, COMMITMENT, tuple(pieces))


def _expect_activated(rt: FakeRuntime, deal_ids: list[int], deals: dict[int, DealProposal]) -> EventLog:
    log = EventLog(rt)
    for deal_id in deal_ids:
        expect_deal_event(log, "deal-activated", deal_id, deals[deal_id])
    return log


def test_empty_params() -> None:
    rt = setup()
    assert sector_content_changed(rt, PROVIDER_ADDR, []).sectors == ()
    ret = sector_content_changed(rt, PROVIDER_ADDR, [_changes(1, [])])
    assert len(ret.sectors) == 1 and ret.sectors[0].added == ()
    check_state(rt)


def test_simple_one_sector() -> None:
    rt = setup()
    rt.epoch = ChainEpoch(START)
    deals = _create_deals(rt, 3)
    deals[2] = replace(deals[2], verified_deal=True)
    deal_ids = publish_deals(rt, MinerAddresses(), deals, TokenAmount.from_fil(2048), 1)
    pieces = list(reversed(_pieces(deal_ids, deals)))
    log = _expect_activated(rt, list(reversed(deal_ids)), dict(zip(deal_ids, deals, strict=True)))
    ret = sector_content_changed(rt, PROVIDER_ADDR, [_changes(7, pieces)])
    log.check()
    assert ret.sectors[0].added == (ACCEPTED,) * 3
    assert get_sector_deal_ids(rt, PROVIDER_ID, [7]) == deal_ids
    for deal_id in deal_ids:
        s = get_deal_state(rt, deal_id)
        assert (s.sector_number, s.sector_start_epoch) == (7, START)
    # the verified deal's pending allocation is consumed
    assert get_pending_deal_allocation(rt, deal_ids[2]) == 0
    check_state(rt)


def test_simple_multiple_sectors() -> None:
    rt = setup()
    deals = _create_deals(rt, 3)
    deal_ids = publish_deals(rt, MinerAddresses(), deals)
    pieces = _pieces(deal_ids, deals)
    # the same sector may come twice
    changes = [_changes(1, pieces[0:1]), _changes(1, pieces[1:2]), _changes(2, pieces[2:3])]
    log = _expect_activated(rt, deal_ids, dict(zip(deal_ids, deals, strict=True)))
    ret = sector_content_changed(rt, PROVIDER_ADDR, changes)
    log.check()
    assert [s.added for s in ret.sectors] == [(ACCEPTED,)] * 3
    assert get_sector_deal_ids(rt, PROVIDER_ID, [1]) == deal_ids[0:2]
    assert get_sector_deal_ids(rt, PROVIDER_ID, [2]) == deal_ids[2:3]
    check_state(rt)


def test_new_deal_existing_sector() -> None:
    rt = setup()
    deals = _create_deals(rt, 3)
    deal_ids = publish_deals(rt, MinerAddresses(), deals)
    pieces = _pieces(deal_ids, deals)
    sector_content_changed(rt, PROVIDER_ADDR, [_changes(1, pieces[1:3])])
    sector_content_changed(rt, PROVIDER_ADDR, [_changes(1, pieces[0:1])])
    assert get_sector_deal_ids(rt, PROVIDER_ID, [1]) == deal_ids
    check_state(rt)


def test_piece_must_match_deal() -> None:
    rt = setup()
    deals = _create_deals(rt, 2)
    deal_ids = publish_deals(rt, MinerAddresses(), deals)
    pieces = _pieces(deal_ids, deals)
    other = CID.compute(codecs.RAW, bytes([1, 2, 3, 4]))
    pieces[0] = replace(pieces[0], data=other)
    pieces[1] = replace(pieces[1], size=1234)
    pieces.append(PieceChange(other, 1234, dagcbor.encode(1234)))
    log = EventLog(rt)
    ret = sector_content_changed(rt, PROVIDER_ADDR, [_changes(1, pieces)])
    log.check()
    assert ret.sectors[0].added == (REJECTED,) * 3
    assert all(find_deal_state(rt, d) is None for d in deal_ids)
    check_state(rt)


def test_invalid_deal_id_rejected() -> None:
    rt = setup()
    deals = _create_deals(rt, 1)
    deal_ids = publish_deals(rt, MinerAddresses(), deals)
    piece = _pieces(deal_ids, deals)[0]
    for payload in (piece.payload + bytes([123]), b"", dagcbor.encode(-1), dagcbor.encode("0")):
        ret = sector_content_changed(rt, PROVIDER_ADDR, [_changes(1, [replace(piece, payload=payload)])])
        assert ret.sectors[0].added == (REJECTED,)
    check_state(rt)


def test_failures_isolated() -> None:
    rt = setup()
    deals = _create_deals(rt, 4)
    deal_ids = publish_deals(rt, MinerAddresses(), deals)
    pieces = _pieces(deal_ids, deals)
    pieces[1] = replace(pieces[1], size=1234)
    pieces[2] = replace(pieces[2], size=1234)
    changes = [_changes(1, pieces[0:2]), _changes(2, pieces[2:3]), _changes(3, pieces[3:4])]
    log = _expect_activated(rt, [deal_ids[0], deal_ids[3]], dict(zip(deal_ids, deals, strict=True)))
    ret = sector_content_changed(rt, PROVIDER_ADDR, changes)
    log.check()
    assert [s.added for s in ret.sectors] == [(ACCEPTED, REJECTED), (REJECTED,), (ACCEPTED,)]
    assert get_sector_deal_ids(rt, PROVIDER_ID, [1]) == deal_ids[0:1]
    assert get_sector_deal_ids(rt, PROVIDER_ID, [3]) == deal_ids[3:4]
    check_state(rt)


def test_rejects_duplicates_in_same_sector() -> None:
    rt = setup()
    deals = _create_deals(rt, 2)
    deal_ids = publish_deals(rt, MinerAddresses(), deals)
    pieces = _pieces(deal_ids, deals)
    ret = sector_content_changed(rt, PROVIDER_ADDR, [_changes(1, [pieces[0], pieces[0], pieces[1]])])
    assert ret.sectors[0].added == (ACCEPTED, REJECTED, ACCEPTED)
    assert get_sector_deal_ids(rt, PROVIDER_ID, [1]) == deal_ids
    assert get_sector_deal_ids(rt, PROVIDER_ID, [2]) is None
    check_state(rt)


def test_rejects_duplicates_across_sectors() -> None:
    rt = setup()
    deals = _create_deals(rt, 3)
    deal_ids = publish_deals(rt, MinerAddresses(), deals)
    p = _pieces(deal_ids, deals)
    changes = [_changes(1, [p[0]]), _changes(1, [p[0], p[1]]), _changes(2, [p[0], p[1], p[2]])]
    ret = sector_content_changed(rt, PROVIDER_ADDR, changes)
    assert [s.added for s in ret.sectors] == [
        (ACCEPTED,),
        (REJECTED, ACCEPTED),
        (REJECTED, REJECTED, ACCEPTED),
    ]
    assert get_sector_deal_ids(rt, PROVIDER_ID, [1]) == deal_ids[0:2]
    assert get_sector_deal_ids(rt, PROVIDER_ID, [2]) == deal_ids[2:3]
    check_state(rt)


def test_deal_ending_after_the_minimum_commitment_is_rejected() -> None:
    rt = setup()
    deals = _create_deals(rt, 1)
    deal_ids = publish_deals(rt, MinerAddresses(), deals)
    short = SectorChanges(1, ChainEpoch(END - 1), tuple(_pieces(deal_ids, deals)))
    assert sector_content_changed(rt, PROVIDER_ADDR, [short]).sectors[0].added == (REJECTED,)
    check_state(rt)


def test_require_miner_caller() -> None:
    rt = setup()
    rt.set_caller(Address.new_id(555), manifest.ACCOUNT)
    aborts(ExitCode.USR_FORBIDDEN, rt, Method.SECTOR_CONTENT_CHANGED, SectorContentChangedParams(()).encode())
    check_state(rt)
