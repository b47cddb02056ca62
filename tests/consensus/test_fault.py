"""Consensus fault verification: each kind of fault, and every reason a report is refused."""

from __future__ import annotations

from dataclasses import replace

import pytest

from filnet.chain.block import BlockHeader
from filnet.consensus.fault import verify_consensus_fault
from filnet.core.address import Address
from filnet.core.types import ChainEpoch
from filnet.crypto.keys import PrivateKey
from filnet.ipld.cid import CID
from filnet.vm.runtime import ConsensusFault, ConsensusFaultType
from tests.chain.test_block import make_header

MINER = Address.new_id(1000)
WORKER = PrivateKey.generate("bls")
OTHER = PrivateKey.generate("bls")
P1 = CID.parse("bafy2bzaceayprgulanz222ihtw6lyww572ntjxhjgimjpbxfbu7limxn4o5jy")
P2 = CID.parse("bafy2bzacebjchdd5cxaqbqnz5p4esvaycde6hqwyn2bgkewgyqlnemmpzvew2")


def signed(header: BlockHeader, key: PrivateKey = WORKER) -> BlockHeader:
    return replace(header, block_sig=key.sign(header.signing_bytes()))


def worker_key_at(miner: Address, epoch: ChainEpoch) -> Address | None:
    return WORKER.address if miner == MINER else None


def check(
    a: BlockHeader, b: BlockHeader, extra: BlockHeader | None = None, epoch: int = 20
) -> ConsensusFault | None:
    return verify_consensus_fault(
        a.encode(),
        b.encode(),
        b"" if extra is None else extra.encode(),
        current_epoch=ChainEpoch(epoch),
        chain_finality=30,
        worker_key_at=worker_key_at,
    )


def test_double_fork_mining() -> None:
    a = signed(make_header(miner=MINER, height=ChainEpoch(10), parents=(P1,)))
    b = signed(make_header(miner=MINER, height=ChainEpoch(10), parents=(P2,)))
    assert check(a, b) == ConsensusFault(MINER, ChainEpoch(10), ConsensusFaultType.DOUBLE_FORK_MINING)


def test_time_offset_mining() -> None:
    a = signed(make_header(miner=MINER, height=ChainEpoch(10), parents=(P1,)))
    b = signed(make_header(miner=MINER, height=ChainEpoch(12), parents=(P1,)))
    assert check(a, b) == ConsensusFault(MINER, ChainEpoch(12), ConsensusFaultType.TIME_OFFSET_MINING)


def test_parent_grinding() -> None:
    a = signed(make_header(miner=MINER, height=ChainEpoch(10), parents=(P1,)))
    c = make_header(miner=Address.new_id(2000), height=ChainEpoch(10), parents=(P1,), timestamp=5)
    b = signed(make_header(miner=MINER, height=ChainEpoch(11), parents=(c.cid,)))
    assert check(a, b, c) == ConsensusFault(MINER, ChainEpoch(11), ConsensusFaultType.PARENT_GRINDING)


def test_invalid_parent_grinding_when_the_first_block_was_included() -> None:
    a = signed(make_header(miner=MINER, height=ChainEpoch(10), parents=(P1,)))
    c = make_header(miner=Address.new_id(2000), height=ChainEpoch(10), parents=(P1,), timestamp=5)
    b = signed(make_header(miner=MINER, height=ChainEpoch(11), parents=(a.cid, c.cid)))
    assert check(a, b, c) is None


@pytest.mark.parametrize("case", ["identical", "other miner", "wrong order", "no relation", "garbage"])
def test_invalid_reports(case: str) -> None:
    a = signed(make_header(miner=MINER, height=ChainEpoch(10), parents=(P1,)))
    b = signed(make_header(miner=MINER, height=ChainEpoch(10), parents=(P2,)))
    if case == "identical":
        assert check(a, a) is None
    elif case == "other miner":
        assert check(a, signed(replace(b, miner=Address.new_id(2000)))) is None
    elif case == "wrong order":
        assert check(signed(replace(a, height=ChainEpoch(11))), b) is None
    elif case == "no relation":
        assert check(a, signed(replace(b, height=ChainEpoch(12)))) is None
    else:
        assert (
            verify_consensus_fault(
                b"\x01",
                a.encode(),
                b"",
                current_epoch=ChainEpoch(20),
                chain_finality=30,
                worker_key_at=worker_key_at,
            )
            is None
        )


def test_invalid_signature_by_another_key() -> None:
    a = signed(make_header(miner=MINER, height=ChainEpoch(10), parents=(P1,)))
    b = signed(make_header(miner=MINER, height=ChainEpoch(10), parents=(P2,)), OTHER)
    assert check(a, b) is None
    assert check(a, replace(b, block_sig=None)) is None


def test_invalid_blocks_older_than_finality() -> None:
    a = signed(make_header(miner=MINER, height=ChainEpoch(10), parents=(P1,)))
    b = signed(make_header(miner=MINER, height=ChainEpoch(10), parents=(P2,)))
    assert check(a, b, epoch=40) is not None
    assert check(a, b, epoch=41) is None
