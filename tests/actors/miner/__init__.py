"""Tests of the miner actor's state layer, after builtin-actors' ``actors/miner/tests``; shared builders."""

from __future__ import annotations

import hashlib

from filnet.actors.miner.sectors import SectorOnChainInfo
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld import codecs, multihash
from filnet.ipld.bitfield import BitField
from filnet.ipld.cid import CID
from filnet.params.network import MAINNET_POLICY, ActorPolicy

#: builtin-actors' ``Policy::default()`` is mainnet's.
POLICY: ActorPolicy = MAINNET_POLICY


def bf(*values: int) -> BitField:
    """A bitfield of ``values``."""
    return BitField.from_indices(values)


def sealed_cid(tag: str) -> CID:
    """A CommR-shaped CID derived from ``tag`` (builtin-actors' tests fake the Poseidon digest)."""
    digest = hashlib.sha256(tag.encode()).digest()
    return CID.v1(codecs.FIL_COMMITMENT_SEALED, multihash.POSEIDON_BLS12_381_A2_FC1, digest)


def make_sector(
    expiration: int,
    sector_number: int,
    deal_weight: int = 0,
    verified_deal_weight: int = 0,
    pledge: int = 0,
    daily_fee: int = 0,
) -> SectorOnChainInfo:
    """builtin-actors' ``test_sector``: a sector with these values and defaults elsewhere."""
    return SectorOnChainInfo(
        sector_number=sector_number,
        seal_proof=8,
        sealed_cid=sealed_cid(f"sealed-{sector_number}"),
        expiration=ChainEpoch(expiration),
        deal_weight=deal_weight,
        verified_deal_weight=verified_deal_weight,
        initial_pledge=TokenAmount(pledge),
        daily_fee=TokenAmount(daily_fee),
    )


class StateHarness:
    """builtin-actors' ``StateHarness``: a fresh miner state over a memory store, mutated in place."""

    def __init__(self, period_boundary: int, policy: ActorPolicy = POLICY) -> None:
        from filnet.actors.miner.bitfield_queue import put_cbor
        from filnet.actors.miner.state import MinerInfo, MinerState
        from filnet.core.types import ActorID
        from filnet.ipld.blockstore import MemoryBlockstore

        self.policy = policy
        self.store = MemoryBlockstore()
        info = MinerInfo.new(ActorID(1), ActorID(2), [], b"peer", [b"foobar", b"imafilminer"], 10)
        info_cid = put_cbor(self.store, info.to_ipld())
        self.st = MinerState.new(policy, self.store, info_cid, ChainEpoch(period_boundary), 0)

    def vesting_funds_store_empty(self) -> bool:
        """Whether the vesting table shows no entry."""
        return not self.st.vesting_funds.load(self.store)
