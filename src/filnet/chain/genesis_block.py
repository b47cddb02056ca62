"""The genesis block header over a genesis state, as Lotus's ``MakeGenesisBlock`` builds it.

Its parent is the Filecoin genesis block of 2017 (a CBOR map naming the network and its token, CID
``bafyreiaqpwbbyjo4a42saasj36kkrpv4tsherf2e7bvezkert2a7dhonoi``), which every Filecoin chain links to;
its miner is the system actor ``f00``; its messages are two empty arrays; its ticket is 32 bytes of
randomness (filnet derives them from the network name, so that rebuilding a genesis gives the same CID);
its election proof is empty, its one beacon entry is round 0 with 32 zero bytes, and its base fee is the
network's initial base fee.
"""

from __future__ import annotations

import hashlib
from typing import Final

from filnet.actors.singletons import SYSTEM_ACTOR
from filnet.chain.block import BeaconEntry, BlockHeader, ElectionProof, Ticket
from filnet.chain.tipset import cid_array, store_block_messages
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld import codecs, multihash
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.params.network import NetworkParams


def _text(value: str) -> bytes:
    data = value.encode()
    assert len(data) < 256
    return (bytes([0x60 + len(data)]) if len(data) < 24 else bytes([0x78, len(data)])) + data


def _map(entries: list[tuple[str, bytes]]) -> bytes:
    # The 2017 block is a CBOR map in its authors' key order (not DAG-CBOR's canonical order), so it is
    # written out field by field: its CID depends on these exact bytes.
    return bytes([0xA0 + len(entries)]) + b"".join(_text(k) + v for k, v in entries)


#: The Filecoin genesis block of 2017 that every chain's genesis header names as its parent.
FILECOIN_GENESIS_BLOCK: Final = _map(
    [
        ("Datetime", _text("2017-05-05 01:27:51")),
        ("Network", _text("Filecoin")),
        ("Token", _text("Filecoin")),
        (
            "TokenAmounts",
            _map(
                [
                    ("TotalSupply", _text("2,000,000,000")),
                    ("Miners", _text("1,400,000,000")),
                    (
                        "ProtocolLabs",
                        _map(
                            [
                                ("Development", _text("300,000,000")),
                                ("Fundraising", _text("200,000,000")),
                                ("Foundation", _text("100,000,000")),
                            ]
                        ),
                    ),
                ]
            ),
        ),
        ("Message", _text("This is the Genesis Block of the Filecoin Decentralized Storage Network.")),
    ]
)
FILECOIN_GENESIS_CID: Final = CID.compute(codecs.DAG_CBOR, FILECOIN_GENESIS_BLOCK, multihash.SHA2_256)


def genesis_ticket(network_name: str) -> Ticket:
    """The genesis ticket filnet uses: 32 bytes derived from the network name."""
    return Ticket(hashlib.sha256(b"filnet genesis ticket/" + network_name.encode()).digest())


def make_genesis_block(
    store: Blockstore, state_root: CID, timestamp: int, network_name: str, params: NetworkParams
) -> BlockHeader:
    """Write the genesis header over ``state_root`` (and what it links to) into ``store``; return it."""
    store.put(FILECOIN_GENESIS_CID, FILECOIN_GENESIS_BLOCK)
    meta = store_block_messages(store, [], [])
    header = BlockHeader(
        miner=SYSTEM_ACTOR,
        ticket=genesis_ticket(network_name),
        election_proof=ElectionProof(0, b""),
        beacon_entries=(BeaconEntry(0, bytes(32)),),
        win_post_proof=(),
        parents=(FILECOIN_GENESIS_CID,),
        parent_weight=0,
        height=ChainEpoch(0),
        parent_state_root=state_root,
        parent_message_receipts=cid_array(store, []),
        messages=meta.cid,
        bls_aggregate=None,
        timestamp=timestamp,
        block_sig=None,
        fork_signaling=0,
        parent_base_fee=TokenAmount(params.initial_base_fee),
    )
    store.put(header.cid, header.encode())
    return header
