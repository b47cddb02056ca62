"""DAG-PB: byte-exact against the IPLD cross-codec fixtures and Kubo, strict on everything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.errors import DecodeError, InvalidInput
from filnet.ipld import codecs, dagpb
from filnet.ipld.cid import CID
from filnet.ipld.dagpb import PBLink, PBNode
from tests.ipld.strategies import cids

# (name, block hex, CIDv1) from ipld/ipld specs/codecs/dag-pb/fixtures/cross-codec (go-codec-dagpb output).
CROSS_CODEC_FIXTURES = [
    ("dagpb_empty", "", "bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"),
    ("dagpb_Data_zero", "0a00", "bafybeiaqfni3s5s2k2r6rgpxz4hohdsskh44ka5tk6ztbjerqpvxwfkwaq"),
    ("dagpb_Data_some", "0a050001020304", "bafybeibazl2z4vqp2tmwcfag6wirmtpnomxknqcgrauj7m2yisrz3qjbom"),
    ("dagpb_simple_forms_1", "0a03010203", "bafybeia2qk4u55f2qj7zimmtpulejgz7urp7rzs44cvledcaj42gltkk3u"),
    (
        "dagpb_Links_Hash_some",
        "120b0a09015500050001020304",
        "bafybeia53f5n75ituvc3yupuf7tdnxf6fqetrmo2alc6g6iljkmk7ys5mm",
    ),
    (
        "dagpb_Links_Hash_some_Name_some",
        "12160a090155000500010203041209736f6d65206e616d65",
        "bafybeifq4hcxma3kjljrpxtunnljtc6tvbkgsy3vldyfpfbx2lij76niyu",
    ),
    (
        "dagpb_Links_Hash_some_Name_zero",
        "120d0a090155000500010203041200",
        "bafybeie7fstnkm4yshfwnmpp7d3mlh4f4okmk7a54d6c3ffr755q7qzk44",
    ),
    (
        "dagpb_Links_Hash_some_Tsize_some",
        "12140a0901550005000102030418ffffffffffffff0f",
        "bafybeiezymjvhwfuharanxmzxwuomzjjuzqjewjolr4phaiyp6l7qfwo64",
    ),
    (
        "dagpb_Links_Hash_some_Tsize_zero",
        "120d0a090155000500010203041800",
        "bafybeichjs5otecmbvwh5azdr4jc45mp2qcofh2fr54wjdxhz4znahod2i",
    ),
    (
        "dagpb_1link",
        "12240a2212207521fe19c374a97759226dc5c0c8e674e73950e81b211f7dd3b6b30883a08a51",
        "bafybeihyivpglm6o6wrafbe36fp5l67abmewk7i2eob5wacdbhz7as5obe",
    ),
    (
        "dagpb_2link+data",
        "12340a2212208ab7a6c5e74737878ac73863cb76739d15d4666de44e5756bf55a2f9e9ab5f431209736f6d65206c696e6b"
        "1880c2d72f12370a2212208ab7a6c5e74737878ac73863cb76739d15d4666de44e5756bf55a2f9e9ab5f44120f736f6d65"
        "206f74686572206c696e6b18080a09736f6d652064617461",
        "bafybeibh647pmxyksmdm24uad6b5f7tx4dhvilzbg2fiqgzll4yek7g7y4",
    ),
    (
        "dagpb_4namedlinks+data",
        "12390a221220b4397c02da5513563d33eef894bf68f2ccdf1bdfc14a976956ab3d1c72f735a0120e617564696f5f6f6e6c"
        "792e6d346118cda88f0b12310a221220025c13fcd1a885df444f64a4a82a26aea867b1148c68cb671e83589f9711493212"
        "08636861742e74787418e40712340a2212205d44a305b9b328ab80451d0daa72a12a7bf2763c5f8bbe327597a31ee40d1e"
        "48120c706c61796261636b2e6d3375187412360a2212202539ed6e85f2a6f9097db9d76cffd49bf3042eb2e3e8e9af4a3c"
        "e842d49dea22120a7a6f6f6d5f302e6d70341897fb8592010a020801",
        "bafybeigcsevw74ssldzfwhiijzmg7a35lssfmjkuoj2t5qs5u5aztj47tq",
    ),
    (
        "dagpb_simple_forms_2",
        "120b0a0901550005000102030412100a09015500050001020304120362617212100a090155000500010203041203666f6f",
        "bafybeiahfgovhod2uvww72vwdgatl5r6qkoeegg7at2bghiokupfphqcku",
    ),
]

# The raw+identity CID of bytes 00 01 02 03 04 that the fixtures link to.
A_CID = CID.decode(bytes([1, 0x55, 0, 5, 0, 1, 2, 3, 4]))


@pytest.mark.parametrize(
    ("name", "block_hex", "cid"), CROSS_CODEC_FIXTURES, ids=[f[0] for f in CROSS_CODEC_FIXTURES]
)
def test_cross_codec_fixture_round_trips_byte_for_byte(name: str, block_hex: str, cid: str) -> None:
    block = bytes.fromhex(block_hex)
    assert str(CID.compute(codecs.DAG_PB, block)) == cid
    assert dagpb.encode(dagpb.decode(block)) == block


def test_fixture_structures() -> None:
    assert dagpb.decode(b"") == PBNode()
    assert dagpb.decode(bytes.fromhex("0a00")) == PBNode((), b"")
    assert dagpb.decode(bytes.fromhex("120d0a090155000500010203041200")) == PBNode((PBLink(A_CID, ""),))
    assert dagpb.decode(bytes.fromhex("12140a0901550005000102030418ffffffffffffff0f")) == PBNode(
        (PBLink(A_CID, None, (1 << 53) - 1),)  # JavaScript Number.MAX_SAFE_INTEGER
    )
    node = dagpb.decode(bytes.fromhex(CROSS_CODEC_FIXTURES[11][1]))
    assert [link.name for link in node.links] == ["audio_only.m4a", "chat.txt", "playback.m3u", "zoom_0.mp4"]
    assert node.links[1].tsize == 996
    assert node.data == b"\x08\x01"


def test_kubo_hello_world_file() -> None:
    # `echo "hello world" | ipfs add` (Kubo, CIDv0): UnixFS File node with the data inline.
    unixfs = b"\x08\x02\x12\x0chello world\n\x18\x0c"
    block = dagpb.encode(PBNode(data=unixfs))
    assert block == b"\x0a\x12" + unixfs
    assert (
        str(CID.compute(codecs.DAG_PB, block, version=0)) == "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
    )


def test_kubo_empty_directory() -> None:
    block = dagpb.encode(PBNode(data=b"\x08\x01"))
    assert (
        str(CID.compute(codecs.DAG_PB, block, version=0)) == "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"
    )


def test_links_are_written_before_data_and_fields_in_order() -> None:
    link = PBLink(A_CID, "a", 3)
    # Links (key 0x12) before Data (0x0a); inside the link Hash (0x0a), Name (0x12), Tsize (0x18).
    expected = bytes.fromhex("12100a0901550005000102030412016118030a0101")
    assert dagpb.encode(PBNode((link,), b"\x01")) == expected


def test_empty_name_is_written_and_none_is_not() -> None:
    with_empty = dagpb.encode(PBNode((PBLink(A_CID, ""),)))
    without = dagpb.encode(PBNode((PBLink(A_CID),)))
    assert with_empty == bytes.fromhex("120d0a090155000500010203041200")
    assert without == bytes.fromhex("120b0a09015500050001020304")


def test_decode_accepts_memoryview() -> None:
    block = bytes.fromhex(CROSS_CODEC_FIXTURES[10][1])
    assert dagpb.decode(memoryview(block)) == dagpb.decode(block)


def test_max_tsize_round_trips() -> None:
    node = PBNode((PBLink(A_CID, None, (1 << 64) - 1),))
    assert dagpb.decode(dagpb.encode(node)) == node


@pytest.mark.parametrize(
    ("node", "message"),
    [
        (PBNode((PBLink(A_CID, None, -1),)), "tsize -1"),
        (PBNode((PBLink(A_CID, None, 1 << 64),)), "not an unsigned 64-bit"),
        (PBNode((PBLink(A_CID, "\udc80"),)), "not a valid UTF-8"),
        (PBNode((PBLink(b"\x01" * 4),)), "must be a CID"),  # type: ignore[arg-type]
        (PBNode((), "text"), "data must be bytes, got str"),  # type: ignore[arg-type]
    ],
)
def test_invalid_encode(node: PBNode, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        dagpb.encode(node)


# (block hex, error fragment, offset). Each is rejected by the DAG-PB spec's strict decoding rules.
INVALID_BLOCKS = [
    ("0a0208010a00", "Data repeated", 4),
    ("0a020801120b0a09015500050001020304", "Links after Data", 4),
    ("08", "PBNode.Data has wire type 0", 0),
    ("1a00", "unknown PBNode field 3", 0),
    ("8a00", "non-minimal varint", 0),
    ("ff01", "unknown PBNode field 31", 0),
    ("0a", "truncated varint", 1),
    ("0a05000102", "length 5 exceeds the 3 bytes left", 1),
    ("0a8000", "non-minimal varint", 1),
    ("0affffffffffffffffffff01", "longer than 10 bytes", 1),
    ("1200", "PBLink without Hash", 2),
    ("12021200", "Hash must come first", 2),
    ("12021800", "Hash must come first", 2),
    ("120b0a09015500050001020304120d", "length 13 exceeds the 0 bytes left", 14),
    ("12020a00", "not a valid CID", 4),
    ("12060a0401550001", "not a valid CID", 4),
    ("120d0a090155000500010203040a00", "PBLink.Hash repeated", 13),
    ("12100a090155000500010203041200120161", "PBLink.Name repeated", 15),
    ("120f0a0901550005000102030418001800", "PBLink.Tsize repeated", 15),
    ("120f0a0901550005000102030418001200", "PBLink.Name repeated or out of canonical order", 15),
    ("120d0a090155000500010203041000", "PBLink.Name has wire type 0", 13),
    ("120d0a090155000500010203041a00", "PBLink.Tsize has wire type 2", 13),
    ("120d0a090155000500010203042200", "unknown PBLink field 4", 13),
    ("120e0a09015500050001020304120180", "not valid UTF-8", 15),
    ("120d0a0901550005000102030418ff", "truncated varint", 14),
    ("12160a0901550005000102030418ffffffffffffffffff02", "exceeds 64 bits", 14),
]


@pytest.mark.parametrize(("block_hex", "fragment", "offset"), INVALID_BLOCKS)
def test_invalid_block(block_hex: str, fragment: str, offset: int) -> None:
    with pytest.raises(DecodeError, match=fragment) as info:
        dagpb.decode(bytes.fromhex(block_hex))
    assert info.value.offset == offset


# -- properties ---------------------------------------------------------------------------------------

links = st.builds(
    PBLink,
    cids,
    st.none() | st.text(max_size=20),
    st.none() | st.integers(min_value=0, max_value=(1 << 64) - 1),
)
nodes = st.builds(PBNode, st.lists(links, max_size=6).map(tuple), st.none() | st.binary(max_size=64))


@given(nodes)
def test_round_trip(node: PBNode) -> None:
    block = dagpb.encode(node)
    assert dagpb.decode(block) == node
    assert dagpb.encode(dagpb.decode(block)) == block


@given(st.binary(max_size=200))
def test_fuzz_random_bytes_decode_or_raise_decode_error(data: bytes) -> None:
    _assert_canonical_or_rejected(data)


@given(nodes, st.data())
def test_fuzz_mutated_blocks_decode_canonically_or_raise(node: PBNode, data: st.DataObject) -> None:
    block = bytearray(dagpb.encode(node))
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = data.draw(st.integers(0, len(block)))
        if kind == "flip" and at < len(block):
            block[at] ^= data.draw(st.integers(1, 255))
        elif kind == "insert":
            block[at:at] = data.draw(st.binary(min_size=1, max_size=3))
        elif kind == "delete":
            del block[at : at + 1]
        else:
            del block[at:]
    _assert_canonical_or_rejected(bytes(block))


def _assert_canonical_or_rejected(block: bytes) -> None:
    """A strict decoder accepts only canonical blocks: whatever it accepts re-encodes to the same bytes."""
    try:
        node = dagpb.decode(block)
    except DecodeError as e:
        assert e.offset is None or 0 <= e.offset <= len(block)
        return
    assert dagpb.encode(node) == block
