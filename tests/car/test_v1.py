"""CARv1: header bytes, section framing, and the canonical depth-first writer."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings

from filnet.car.reader import open_car
from filnet.car.v1 import (
    CarHeader,
    CarV1Writer,
    decode_header_block,
    parse_section_head,
    write_car_v1,
)
from filnet.errors import CycleError, DecodeError, HashMismatch, InvalidInput, MissingBlock, UnsupportedCodec
from filnet.ipld import codecs, dagcbor
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.ipld.varint import encode_uvarint
from tests.car.dags import Dag, car_bytes, identity_raw, random_dags, reference_order


def written_order(data: bytes) -> list[CID]:
    return [block.cid for block in open_car(io.BytesIO(data)).blocks()]


def test_header_bytes_by_hand() -> None:
    root = CID.compute(codecs.DAG_CBOR, b"\xa0")
    # DAG-CBOR map, keys in canonical (length-first) order: "roots" then "version".
    block = (
        bytes.fromhex("a265")
        + b"roots"
        + bytes.fromhex("81d82a582500")
        + bytes(root)
        + bytes.fromhex("67")
        + b"version"
        + bytes.fromhex("01")
    )
    assert len(block) == 0x3A
    assert CarHeader(1, (root,)).encode() == b"\x3a" + block
    # The well-known first bytes of a CARv1 with one sha2-256 dag-cbor root.
    assert CarHeader(1, (root,)).encode().startswith(bytes.fromhex("3aa265726f6f7473"))
    assert decode_header_block(block, 1) == CarHeader(1, (root,))


def test_small_car_by_hand() -> None:
    dag = Dag()
    leaf = dag.raw(b"hello")
    root = dag.cbor({"link": leaf})
    root_data = bytes.fromhex("a164") + b"link" + bytes.fromhex("d82a582500") + bytes(leaf)
    assert dag.store.get(root) == root_data
    expected = (
        CarHeader(1, (root,)).encode()
        + encode_uvarint(36 + len(root_data))
        + bytes(root)
        + root_data
        + encode_uvarint(36 + 5)
        + bytes(leaf)
        + b"hello"
    )
    assert car_bytes([root], dag.store) == expected


def test_invalid_header_blocks() -> None:
    root = CID.compute(codecs.RAW, b"x")
    with pytest.raises(DecodeError, match="not valid DAG-CBOR"):
        decode_header_block(b"\xa2\xff", 3)
    with pytest.raises(DecodeError, match="expected a map"):
        decode_header_block(dagcbor.encode([1]), 0)
    with pytest.raises(DecodeError, match="unexpected keys"):
        decode_header_block(dagcbor.encode({"roots": [root], "version": 1, "x": 1}), 0)
    with pytest.raises(DecodeError, match="integer 'version'"):
        decode_header_block(dagcbor.encode({"roots": [root], "version": "1"}), 0)
    with pytest.raises(DecodeError, match="list of CIDs"):
        decode_header_block(dagcbor.encode({"roots": [b"x"], "version": 1}), 0)
    with pytest.raises(DecodeError, match="list of CIDs"):
        decode_header_block(dagcbor.encode({"version": 1}), 0)
    assert decode_header_block(dagcbor.encode({"version": 2}), 0) == CarHeader(2, ())


def test_parse_section_head() -> None:
    cid = CID.compute(codecs.RAW, b"abc")
    head = encode_uvarint(len(bytes(cid)) + 3) + bytes(cid) + b"abc"
    assert parse_section_head(head, 100, 1 << 20) == (len(head), cid, 1 + len(bytes(cid)))
    with pytest.raises(DecodeError, match="zero-length section") as e:
        parse_section_head(b"\x00", 100, 1 << 20)
    assert e.value.offset == 100
    with pytest.raises(DecodeError, match="exceeds the maximum"):
        parse_section_head(encode_uvarint(1 << 40), 0, 1 << 20)
    with pytest.raises(DecodeError, match="bad section length"):
        parse_section_head(b"\xff\xff", 0, 1 << 20)
    with pytest.raises(DecodeError, match="bad CID"):
        parse_section_head(b"\x05\x02\x55\x12\x20\x00", 0, 1 << 20)


def test_writer_offsets_and_stats() -> None:
    a, b = CID.compute(codecs.RAW, b"a"), CID.compute(codecs.RAW, b"bb")
    out = io.BytesIO()
    writer = CarV1Writer(out, [a])
    first = writer.put(a, b"a")
    second = writer.put(b, b"bb")
    header_size = len(CarHeader(1, (a,)).encode())
    assert first == header_size
    assert second == first + 1 + 36 + 1
    stats = writer.stats()
    assert (stats.blocks, stats.block_bytes, stats.size) == (2, 3, len(out.getvalue()))
    assert [blk.offset for blk in open_car(io.BytesIO(out.getvalue())).blocks()] == [first, second]


def test_writer_needs_a_root_and_refuses_oversized_sections() -> None:
    with pytest.raises(InvalidInput, match="at least one root"):
        CarV1Writer(io.BytesIO(), [])
    cid = CID.compute(codecs.RAW, b"x")
    with pytest.raises(InvalidInput, match="too large"):
        CarV1Writer(io.BytesIO(), [cid]).put(cid, bytes(8 << 20))


def test_canonical_order_with_shared_blocks() -> None:
    dag = Dag()
    shared = dag.raw(b"shared")
    a1, a2, b1 = dag.raw(b"a1"), dag.raw(b"a2"), dag.raw(b"b1")
    a = dag.pb([a1, shared, a2])
    b = dag.cbor({"x": [b1, shared], "y": {"again": a1}})
    root = dag.pb([a, b, shared])
    # Pre-order, links in codec order, each block at its first visit only.
    assert written_order(car_bytes([root], dag.store)) == [root, a, a1, shared, a2, b, b1]


def test_multiple_roots_in_order_and_overlapping() -> None:
    dag = Dag()
    leaf = dag.raw(b"leaf")
    one = dag.cbor([leaf])
    two = dag.cbor({"both": [one, leaf]})
    assert written_order(car_bytes([one, two, leaf], dag.store)) == [one, leaf, two]
    assert written_order(car_bytes([two, one], dag.store)) == [two, one, leaf]


def test_identity_cids_are_followed_but_not_written() -> None:
    dag = Dag()
    leaf = dag.raw(b"behind an identity block")
    inline = CID.v1(codecs.DAG_CBOR, 0x00, dagcbor.encode([leaf]))
    root = dag.cbor([identity_raw(b"inline"), inline])
    assert written_order(car_bytes([root], dag.store)) == [root, leaf]


def test_missing_block_names_cid_and_parent() -> None:
    dag = Dag()
    absent = CID.compute(codecs.RAW, b"absent")
    parent = dag.cbor([absent])
    root = dag.pb([parent])
    with pytest.raises(MissingBlock) as e:
        car_bytes([root], dag.store)
    assert str(absent) in str(e.value) and str(parent) in str(e.value)
    with pytest.raises(MissingBlock, match="a root"):
        car_bytes([absent], dag.store)


def test_cycle_from_a_lying_store_is_detected() -> None:
    store = MemoryBlockstore()
    a = CID.compute(codecs.DAG_CBOR, b"a")
    b = CID.compute(codecs.DAG_CBOR, b"b")
    store.put(a, dagcbor.encode([b]))
    store.put(b, dagcbor.encode({"back": a}))
    with pytest.raises(CycleError, match="cycle"):
        car_bytes([a], store)
    store.put(a, dagcbor.encode([a]))
    with pytest.raises(CycleError):
        car_bytes([a], store)


def test_diamond_is_not_a_cycle() -> None:
    dag = Dag()
    bottom = dag.raw(b"bottom")
    left, right = dag.cbor({"l": bottom}), dag.cbor({"r": bottom})
    top = dag.cbor([left, right, bottom])
    assert written_order(car_bytes([top], dag.store)) == [top, left, bottom, right]


def test_deep_chain_needs_no_recursion() -> None:
    dag = Dag()
    node = dag.raw(b"end")
    chain = [node]
    for i in range(3000):
        node = dag.cbor({"i": i, "next": node})
        chain.append(node)
    assert written_order(car_bytes([node], dag.store)) == chain[::-1]


def test_verify_option_catches_a_bad_store() -> None:
    store = MemoryBlockstore()
    cid = CID.compute(codecs.RAW, b"right")
    store.put(cid, b"wrong")
    write_car_v1(io.BytesIO(), [cid], store)  # stores are trusted by default
    with pytest.raises(HashMismatch, match=str(cid)):
        write_car_v1(io.BytesIO(), [cid], store, verify=True)


def test_unknown_codec_cannot_be_walked() -> None:
    store = MemoryBlockstore()
    cid = CID.compute(codecs.DAG_JSON, b"{}")
    store.put(cid, b"{}")
    with pytest.raises(UnsupportedCodec):
        write_car_v1(io.BytesIO(), [cid], store)


def test_commitment_links_are_not_followed() -> None:
    dag = Dag()
    comm_d = CID.v1(codecs.FIL_COMMITMENT_UNSEALED, 0x1012, bytes(32))
    root = dag.cbor({"piece": comm_d})
    assert written_order(car_bytes([root], dag.store)) == [root]


def test_noncanonical_dag_cbor_links_are_followed() -> None:
    dag = Dag()
    leaf = dag.raw(b"leaf")
    # {"bb": 1, "a": link}: keys out of canonical (length-first) order, as in Lotus genesis templates.
    block = bytes.fromhex("a262") + b"bb" + b"\x01" + bytes.fromhex("61") + b"a"
    block += bytes.fromhex("d82a582500") + bytes(leaf)
    root = dag.put(codecs.DAG_CBOR, block)
    assert written_order(car_bytes([root], dag.store)) == [root, leaf]


@settings(max_examples=60, deadline=None)
@given(random_dags())
def test_random_dags_round_trip_in_canonical_order(case: tuple[Dag, list[CID]]) -> None:
    dag, roots = case
    data = car_bytes(roots, dag.store)
    car = open_car(io.BytesIO(data))
    assert car.roots == tuple(roots)
    blocks = list(car.blocks())
    assert [b.cid for b in blocks] == reference_order(dag.store, roots)
    assert all(dag.store.get(b.cid) == b.data for b in blocks)
