"""The genesis header: Lotus's layout over a filnet genesis state."""

from __future__ import annotations

from filnet.actors.singletons import SYSTEM_ACTOR
from filnet.chain.block import BlockHeader
from filnet.chain.genesis import GenesisAccount, GenesisConfig, build_genesis
from filnet.chain.genesis_block import FILECOIN_GENESIS_CID, make_genesis_block
from filnet.chain.tipset import TipSet, load_block_messages
from filnet.core.token import TokenAmount
from filnet.ipld.amt import Amt
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.params import DEVNET
from tests.vm.harness import make_key

#: The empty message meta every Lotus block without messages carries.
EMPTY_MSG_META = CID.parse("bafy2bzacecmda75ovposbdateg7eyhwij65zklgyijgcjwynlklmqazpwlhba")


def _genesis(name: str) -> tuple[MemoryBlockstore, BlockHeader]:
    store = MemoryBlockstore()
    account = GenesisAccount(make_key(1).address, TokenAmount.from_fil(10))
    root = build_genesis(store, GenesisConfig(name, (account,)))
    return store, make_genesis_block(store, root, 1_700_000_000, name, DEVNET)


def test_genesis_header_links_the_2017_block_and_empty_messages() -> None:
    store, header = _genesis("filnet-test")
    # the CID Lotus checks its embedded 2017 block against
    assert str(FILECOIN_GENESIS_CID) == "bafyreiaqpwbbyjo4a42saasj36kkrpv4tsherf2e7bvezkert2a7dhonoi"
    assert store.has(FILECOIN_GENESIS_CID)
    assert header.parents == (FILECOIN_GENESIS_CID,)
    assert header.miner == SYSTEM_ACTOR and header.height == 0 and header.parent_weight == 0
    assert header.messages == EMPTY_MSG_META
    assert load_block_messages(store, header.messages) == ([], [])
    assert len(Amt(store, header.parent_message_receipts, legacy_root=True)) == 0
    assert [(e.round, e.data) for e in header.beacon_entries] == [(0, bytes(32))]
    assert header.parent_base_fee == TokenAmount(DEVNET.initial_base_fee)
    assert BlockHeader.decode(store.get(header.cid)) == header
    assert TipSet.of([header]).height == 0


def test_genesis_is_reproducible_per_network_name() -> None:
    _, first = _genesis("net-a")
    _, again = _genesis("net-a")
    _, other = _genesis("net-b")
    assert first.cid == again.cid
    assert first.ticket != other.ticket and first.cid != other.cid
