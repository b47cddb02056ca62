"""f2 addresses of created actors, checked against the miners Lotus created in the butterflynet genesis."""

from __future__ import annotations

import pytest

from filnet.core.address import Address, Protocol
from filnet.errors import InvalidInput
from filnet.vm.actor_address import new_actor_address
from filnet.vm.state_tree import StateTree
from tests.vm.genesis import genesis

MINER_OWNERS = {
    1000: "f3vx46rgxleuqvfaiuu677dpgna2bycnudu6kufpudsgwjft53t6d52hcpykyczpjsnbc3ntchiuzmxodmxnma",
    1001: "f3vgr3qpebdxwqdchbgwhpnuupujut3lbabrfyxeycc7xdlprpxmq4jfd2dq55qxm76nfxbbute7h4udy34olq",
    1002: "f3rrdo2ybzsfho2e5kq7mztfubmpgvxx3gl5urbj2477qdbv5p4ps22hnc4urvgbseopwb4iopcg7ovqugjbxa",
}


def test_genesis_miner_addresses() -> None:
    tree = StateTree.load(*genesis("butterflynet"))
    robust = {actor_id: address for address, actor_id in tree.address_map().items()}
    for miner_id, owner in MINER_OWNERS.items():
        # Each genesis miner is the first actor created by its owner's first message (nonce 0).
        derived = new_actor_address(Address.parse(owner), 0, 0)
        assert derived.protocol is Protocol.ACTOR
        assert derived == robust[miner_id]


def test_inputs() -> None:
    owner = Address.parse(MINER_OWNERS[1000])
    assert new_actor_address(owner, 0, 1) != new_actor_address(owner, 0, 0) != new_actor_address(owner, 1, 0)
    with pytest.raises(InvalidInput):
        new_actor_address(Address.new_id(100), 0, 0)
    with pytest.raises(InvalidInput):
        new_actor_address(owner, -1, 0)
    with pytest.raises(InvalidInput):
        new_actor_address(owner, 0, 1 << 64)
