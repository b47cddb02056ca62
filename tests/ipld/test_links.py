"""block_links over every codec, and DAG-CBOR against thousands of real Lotus blocks."""

from __future__ import annotations

import io

import pytest
import zstandard

from filnet.errors import DecodeError, UnsupportedCodec
from filnet.ipld import codecs, dagcbor, dagpb, multihash
from filnet.ipld.cid import CID
from filnet.ipld.links import block_links, is_fetchable
from filnet.ipld.varint import decode_uvarint
from tests.conftest import vectors_dir


def _cid(i: int) -> CID:
    return CID.compute(codecs.RAW, bytes([i]))


def test_raw_block_has_no_links() -> None:
    data = dagcbor.encode([_cid(1)])  # bytes that would have links under another codec
    assert block_links(CID.compute(codecs.RAW, data), data) == []


def test_dag_pb_links_in_order() -> None:
    links = (dagpb.PBLink(_cid(2), "b"), dagpb.PBLink(_cid(1), "a", 5), dagpb.PBLink(_cid(2), "c"))
    data = dagpb.encode(dagpb.PBNode(links, b"\x08\x01"))
    assert block_links(CID.compute(codecs.DAG_PB, data, version=0), data) == [_cid(2), _cid(1), _cid(2)]


def test_dag_cbor_links_depth_first() -> None:
    data = dagcbor.encode({"a": [_cid(0), {"b": _cid(1)}], "bb": _cid(2), "c": [[[_cid(3)]]]})
    # Canonical key order: "a", "c", "bb".
    assert block_links(CID.compute(codecs.DAG_CBOR, data), data) == [_cid(0), _cid(1), _cid(3), _cid(2)]


def test_invalid_unknown_codec_names_codec_and_cid() -> None:
    cid = CID.compute(codecs.DAG_JSON, b"{}")
    with pytest.raises(UnsupportedCodec, match=f"dag-json.*|{cid}") as info:
        block_links(cid, b"{}")
    assert str(cid) in str(info.value) and "dag-json" in str(info.value)


@pytest.mark.parametrize("codec", [codecs.DAG_PB, codecs.DAG_CBOR])
def test_invalid_block_names_the_cid(codec: int) -> None:
    data = b"\xff\xff"
    cid = CID.compute(codec, data)
    with pytest.raises(DecodeError, match=str(cid)):
        block_links(cid, data)


def test_is_fetchable() -> None:
    assert is_fetchable(_cid(1))
    assert is_fetchable(CID.compute(codecs.DAG_PB, b"", version=0))
    assert not is_fetchable(CID.compute(codecs.RAW, b"fil/7/account", multihash.IDENTITY))
    assert not is_fetchable(CID.parse("baga6ea4seaqdsvqopmj2soyhujb72jza76t4wpq5fzifvm3ctz47iyytkewnubq"))
    assert not is_fetchable(CID.parse("bagboea4b5abcaqbp3pxn6fmbhqaspkbar5yjidsf55kypdq5i25z7zxo3ibzdeyd"))


# -- real data: Lotus genesis CARs -------------------------------------------------------------------


def _car_blocks(name: str) -> list[tuple[CID, bytes]]:
    """The blocks of a zstd-compressed CARv1 from the shared vectors (a minimal reader, for tests only)."""
    compressed = (vectors_dir() / "filecoin" / name).read_bytes()
    car = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(compressed)).read()
    header_len, pos = decode_uvarint(car)
    pos += header_len
    blocks = []
    while pos < len(car):
        section_len, start = decode_uvarint(car, pos)
        cid, data_start = CID.decode_prefix(car, start)
        pos = start + section_len
        blocks.append((cid, car[data_start:pos]))
    return blocks


#: Linked from every Lotus genesis header as its parent; encoded long ago with unsorted map keys.
GENESIS_TEMPLATE = CID.parse("bafyreiaqpwbbyjo4a42saasj36kkrpv4tsherf2e7bvezkert2a7dhonoi")


@pytest.mark.parametrize(
    "car",
    [
        "butterflynet-genesis.car.zst",
        "calibnet-genesis.car.zst",
        pytest.param("interopnet-genesis.car.zst", marks=pytest.mark.slow),
    ],
)
def test_lotus_genesis_blocks_decode_and_re_encode_identically(car: str) -> None:
    blocks = _car_blocks(car)
    assert len(blocks) > 1000
    present = {cid for cid, _ in blocks}
    non_canonical = []
    dangling = 0
    for cid, data in blocks:
        cid.verify(data)
        assert cid.codec in (codecs.DAG_CBOR, codecs.RAW)
        if cid.codec == codecs.DAG_CBOR:
            try:
                assert dagcbor.encode(dagcbor.decode(data)) == data
            except DecodeError:
                non_canonical.append(cid)
            assert block_links(cid, data) == dagcbor.scan_links(data)
        for link in block_links(cid, data):
            if link not in present and is_fetchable(link):
                dangling += 1
    assert non_canonical == [GENESIS_TEMPLATE]
    assert dangling == 0


def test_genesis_template_is_walked_leniently() -> None:
    [(cid, data)] = [(c, d) for c, d in _car_blocks("calibnet-genesis.car.zst") if c == GENESIS_TEMPLATE]
    with pytest.raises(DecodeError, match="map key ordering"):
        dagcbor.decode(data)
    assert block_links(cid, data) == []
