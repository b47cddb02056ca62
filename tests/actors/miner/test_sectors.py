"""Sector records and the sectors AMT (builtin-actors ``tests/sectors.rs``, ``commd.rs``, ``types.rs``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors.miner.sectors import (
    MAX_SECTOR_NUMBER,
    CompactCommD,
    SectorOnChainInfo,
    SectorPreCommitInfo,
    SectorPreCommitOnChainInfo,
    Sectors,
    is_unsealed_sector,
    select_sectors,
    zero_commd,
)
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import DecodeError
from filnet.ipld import codecs, multihash
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.vm.exit_codes import ActorError, ExitCode
from tests.actors.miner import bf, sealed_cid


def sector(i: int, activation: int = 0) -> SectorOnChainInfo:
    return SectorOnChainInfo(
        sector_number=i, seal_proof=8, sealed_cid=sealed_cid(f"commR-{i}"), activation=ChainEpoch(activation)
    )


def setup() -> Sectors:
    return Sectors.new(MemoryBlockstore()).store([sector(0), sector(1), sector(5)])


def test_loads_sectors() -> None:
    sectors = setup()
    assert sectors.load_sectors(bf(0, 5)) == [sector(0), sector(5)]
    with pytest.raises(ActorError) as e:
        sectors.load_sectors(bf(0, 3))
    assert e.value.exit_code is ExitCode.USR_NOT_FOUND


def test_stores_sectors() -> None:
    sectors = setup()
    sectors.store([sector(3), sector(1, activation=1)])
    loaded = sectors.load_sectors(bf(0, 1, 3, 5))
    assert loaded == [sector(0), sector(1, activation=1), sector(3), sector(5)]
    # and through a flushed reload
    again = Sectors.load(sectors.amt.store, sectors.flush())
    assert again.load_sectors(bf(0, 1, 3, 5)) == loaded
    assert [s.sector_number for s in again.items()] == [0, 1, 3, 5]


def test_loads_and_stores_no_sectors() -> None:
    sectors = setup()
    assert sectors.load_sectors(bf()) == []
    sectors.store([])


def test_gets_sectors() -> None:
    sectors = setup()
    assert sectors.get(0) == sector(0)
    assert sectors.get(3) is None
    assert sectors.get(MAX_SECTOR_NUMBER + 1) is None


def test_must_get() -> None:
    sectors = setup()
    assert sectors.must_get(0) == sector(0)
    with pytest.raises(ActorError) as e:
        sectors.must_get(3)
    assert e.value.exit_code is ExitCode.USR_NOT_FOUND


def test_loads_for_proof_with_replacement() -> None:
    assert setup().load_for_proof(bf(0, 1), bf(0)) == [sector(1), sector(1)]


def test_loads_for_proof_without_replacement() -> None:
    assert setup().load_for_proof(bf(0, 1), bf()) == [sector(0), sector(1)]


def test_empty_proof_and_no_non_faulty_sectors() -> None:
    assert setup().load_for_proof(bf(), bf()) == []
    assert setup().load_for_proof(bf(1), bf(1)) == []


def test_delete_nonexistent_value_returns_an_error() -> None:
    sectors = setup()
    with pytest.raises(ActorError) as e:
        sectors.delete_sectors(bf(100))
    assert e.value.exit_code is ExitCode.USR_NOT_FOUND
    with pytest.raises(ActorError):
        sectors.delete_sectors(bf(0, 100))
    sectors.delete_sectors(bf(1))
    assert sectors.get(1) is None


def test_storing_a_sector_number_past_the_maximum_is_an_illegal_state() -> None:
    with pytest.raises(ActorError) as e:
        Sectors.new(MemoryBlockstore()).store([sector(MAX_SECTOR_NUMBER + 1)])
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_STATE


def test_select_sectors() -> None:
    infos = [sector(0), sector(1), sector(5)]
    assert select_sectors(infos, bf(1, 5)) == infos[1:]
    with pytest.raises(ActorError, match="failed to find 1 expected sectors"):
        select_sectors(infos, bf(2, 5))


def test_zero_commd_of_every_sector_size() -> None:
    # the 2KiB and 32GiB zero CommDs builtin-actors hard-codes
    assert list(zero_commd(5).digest[:4]) == [252, 126, 146, 130]
    assert str(zero_commd(8)) == "baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq"
    for proof in range(20):
        assert zero_commd(proof) == zero_commd(proof % 5 + 5)
        assert is_unsealed_sector(zero_commd(proof))
    with pytest.raises(ActorError) as e:
        zero_commd(20)
    assert e.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT


def test_compact_commd() -> None:
    data = CID.v1(codecs.FIL_COMMITMENT_UNSEALED, multihash.SHA2_256_TRUNC254_PADDED, bytes(range(32)))
    assert CompactCommD.empty().is_zero()
    assert CompactCommD.empty().get_cid(8) == zero_commd(8)
    assert CompactCommD.of(data).get_cid(8) == data
    assert CompactCommD.new(None) == CompactCommD.empty()
    assert CompactCommD.of(data).unwrap_nonzero_cid() == data
    with pytest.raises(ActorError) as e:
        CompactCommD.empty().unwrap_nonzero_cid()
    assert e.value.exit_code is ExitCode.USR_ASSERTION_FAILED
    assert not is_unsealed_sector(sealed_cid("x"))


def test_sector_on_chain_info_reads_the_pre_fip_0100_layout() -> None:
    info = SectorOnChainInfo(
        sector_number=7, seal_proof=8, sealed_cid=sealed_cid("7"), daily_fee=TokenAmount(42), flags=1
    )
    assert len(info.to_ipld()) == 16
    old = SectorOnChainInfo.from_ipld(info.to_ipld()[:15])
    assert old.daily_fee == ZERO
    assert old.flags == 1
    with pytest.raises(DecodeError):
        SectorOnChainInfo.from_ipld(info.to_ipld()[:14])
    too_big_flags = info.to_ipld()
    too_big_flags[14] = 1 << 32
    with pytest.raises(DecodeError):
        SectorOnChainInfo.from_ipld(too_big_flags)


def test_sector_json_keys() -> None:
    info = sector(3)
    assert info.to_json()["SealedCID"] == {"/": str(info.sealed_cid)}
    assert info.to_json()["SectorKeyCID"] is None
    assert info.to_json()["DailyFee"] == "0"
    # go-state-types tags DeprecatedDealIDs json:"-"
    assert "DeprecatedDealIDs" not in info.to_json()


_cids = st.binary(min_size=1, max_size=8).map(lambda b: CID.compute(0x71, b))
_tokens = st.integers(0, 10**30).map(TokenAmount)
_epochs = st.integers(-(1 << 63), (1 << 63) - 1).map(ChainEpoch)
_u64 = st.integers(0, (1 << 64) - 1)


@settings(max_examples=60, deadline=None)
@given(
    st.builds(
        SectorOnChainInfo,
        sector_number=_u64,
        seal_proof=st.integers(0, 19),
        sealed_cid=_cids,
        deprecated_deal_ids=st.lists(_u64, max_size=4).map(tuple),
        activation=_epochs,
        expiration=_epochs,
        deal_weight=st.integers(0, 1 << 100),
        verified_deal_weight=st.integers(0, 1 << 100),
        initial_pledge=_tokens,
        expected_day_reward=st.none() | _tokens,
        expected_storage_pledge=st.none() | _tokens,
        power_base_epoch=_epochs,
        replaced_day_reward=st.none() | _tokens,
        sector_key_cid=st.none() | _cids,
        flags=st.integers(0, (1 << 32) - 1),
        daily_fee=_tokens,
    )
)
def test_sector_on_chain_info_cbor_round_trip(info: SectorOnChainInfo) -> None:
    assert SectorOnChainInfo.decode(info.encode()) == info


@settings(max_examples=60, deadline=None)
@given(
    st.builds(
        SectorPreCommitInfo,
        seal_proof=st.integers(0, 19),
        sector_number=_u64,
        sealed_cid=_cids,
        seal_rand_epoch=_epochs,
        deal_ids=st.lists(_u64, max_size=4).map(tuple),
        expiration=_epochs,
        unsealed_cid=st.builds(CompactCommD, st.none() | _cids),
    ),
    _tokens,
    _epochs,
)
def test_precommit_cbor_round_trip(
    info: SectorPreCommitInfo, deposit: TokenAmount, epoch: ChainEpoch
) -> None:
    assert SectorPreCommitInfo.decode(info.encode()) == info
    on_chain = SectorPreCommitOnChainInfo(info, deposit, epoch)
    assert SectorPreCommitOnChainInfo.decode(on_chain.encode()) == on_chain
    assert on_chain.to_json()["Info"]["SectorNumber"] == info.sector_number


def test_bitfield_helper_is_a_bitfield() -> None:
    assert isinstance(bf(1), BitField)
