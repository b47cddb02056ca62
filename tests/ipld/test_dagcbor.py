"""DAG-CBOR: byte-identical to an independent reference encoder, strict on every non-canonical form."""

from __future__ import annotations

import math
import struct
from typing import Any

import cbrrr
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.errors import DecodeError, InvalidInput
from filnet.ipld import codecs, dagcbor
from filnet.ipld.cid import CID
from tests.conftest import load_json_vector
from tests.ipld.strategies import cids

# -- an independent reference encoder (RFC 8949 §4.2.1 + the DAG-CBOR spec), deliberately naive ----------


def ref_head(major: int, n: int) -> bytes:
    """The shortest CBOR head of ``major`` type carrying argument ``n``."""
    if n < 24:
        return bytes([major << 5 | n])
    for info, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * width):
            return bytes([major << 5 | info]) + n.to_bytes(width, "big")
    raise ValueError(n)


def ref_encode(v: Any) -> bytes:
    """Canonical DAG-CBOR of ``v`` by the book."""
    if v is None:
        return b"\xf6"
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if isinstance(v, int):
        return ref_head(0, v) if v >= 0 else ref_head(1, -1 - v)
    if isinstance(v, float):
        return b"\xfb" + struct.pack(">d", v)
    if isinstance(v, bytes):
        return ref_head(2, len(v)) + v
    if isinstance(v, str):
        raw = v.encode()
        return ref_head(3, len(raw)) + raw
    if isinstance(v, (list, tuple)):
        return ref_head(4, len(v)) + b"".join(ref_encode(x) for x in v)
    if isinstance(v, dict):
        # Keys sort by the length of their encoding first, then bytewise.
        keys = sorted(v, key=lambda k: (len(k.encode()), k.encode()))
        return ref_head(5, len(v)) + b"".join(ref_encode(k) + ref_encode(v[k]) for k in keys)
    if isinstance(v, CID):
        return ref_head(6, 42) + ref_encode(b"\x00" + bytes(v))
    raise TypeError(type(v))


leaves = (
    st.none()
    | st.booleans()
    | st.integers(-(1 << 64), (1 << 64) - 1)
    | st.integers(-30, 30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.binary(max_size=40)
    | st.text(max_size=20)
    | cids
)
#: Values up to 30 leaves take milliseconds each, but a loaded machine can stretch one past hypothesis's
#: default 200 ms deadline; these tests check results, not time.
no_deadline = settings(deadline=None)

values = st.recursive(
    leaves,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@no_deadline
@given(values)
def test_encode_matches_reference_and_round_trips(value: Any) -> None:
    block = dagcbor.encode(value)
    assert block == ref_encode(value)
    decoded = dagcbor.decode(block)
    assert dagcbor.encode(decoded) == block
    assert decoded == value


@no_deadline
@given(values)
def test_decoded_links_are_filnet_cids(value: Any) -> None:
    decoded = dagcbor.decode(dagcbor.encode(value))
    assert all(type(link) is CID for link in dagcbor.iter_links(decoded))
    # The same links; their order may differ, since a decoded map is in canonical key order.
    assert sorted(dagcbor.iter_links(decoded)) == sorted(dagcbor.iter_links(value))


def test_known_encodings() -> None:
    cid = CID.parse("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")
    assert dagcbor.encode(cid).hex() == "d82a58250001551220" + cid.digest.hex()
    assert dagcbor.encode({"b": 1, "aa": 2, "a": 3}).hex() == "a3616103616201626161" + "02"
    assert dagcbor.encode([(1 << 64) - 1, -(1 << 64)]).hex() == "821bffffffffffffffff3bffffffffffffffff"
    assert dagcbor.encode(1.5).hex() == "fb3ff8000000000000"
    assert dagcbor.encode([None, True, False, b"", ""]).hex() == "85f6f5f44060"


def test_cross_codec_fixture_array_2() -> None:
    # ipld/ipld specs/codecs/dag-cbor/fixtures/cross-codec: "array-2".
    assert dagcbor.encode([2]) == bytes.fromhex("8102")
    assert str(CID.compute(codecs.DAG_CBOR, b"\x81\x02")) == (
        "bafyreihdb57fdysx5h35urvxz64ros7zvywshber7id6t6c6fek37jgyfe"
    )


def test_tuples_and_python_subtypes_encode_as_their_base_types() -> None:
    import enum

    class Method(enum.IntEnum):
        SEND = 0

    class Key(str):
        pass

    value = (1, (b"x", bytearray(b"y"), memoryview(b"z")), {Key("k"): Method.SEND})
    assert dagcbor.encode(value) == dagcbor.encode([1, [b"x", b"y", b"z"], {"k": 0}])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1 << 64, "integer out of range"),
        (-(1 << 64) - 1, "integer out of range"),
        ({1: "x"}, "map key 1 is not a string"),
        ({"a": {b"k": 1}}, "map key b'k' is not a string"),
        (float("nan"), "NaN"),
        (float("inf"), "Infinit"),
        ({1, 2}, "unsupported type set"),
        ([object()], "unsupported type object"),
        ("\udc80", "surrogates not allowed"),
    ],
)
def test_invalid_encode(value: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        dagcbor.encode(value)


def test_invalid_encode_of_deep_tuples() -> None:
    value: Any = ()
    for _ in range(dagcbor.MAX_DEPTH + 5):
        value = (value,)
    with pytest.raises(InvalidInput, match="nesting deeper"):
        dagcbor.encode(value)


def test_iter_links_is_depth_first_in_order() -> None:
    a, b, c, d = (CID.compute(codecs.RAW, bytes([i])) for i in range(4))
    value = {"x": [a, {"y": b, "zz": [c]}], "w": None, "yy": d}
    # Map order is the decoded (canonical) key order: "x", then "yy".
    assert list(dagcbor.iter_links(dagcbor.decode(dagcbor.encode(value)))) == [a, b, c, d]
    assert list(dagcbor.iter_links(a)) == [a]
    assert list(dagcbor.iter_links([1, "s", b"b"])) == []


# -- Filecoin data from Lotus ------------------------------------------------------------------------


def test_lotus_unsigned_messages_round_trip() -> None:
    for case in load_json_vector("filecoin/unsigned_messages.json"):
        block = bytes.fromhex(case["hex_cbor"])
        value = dagcbor.decode(block)
        assert isinstance(value, list) and len(value) == 10
        assert value[0] == case["message"]["Version"]
        assert value[3] == case["message"]["Nonce"]
        assert dagcbor.encode(value) == block


def test_lotus_block_headers_round_trip() -> None:
    for case in load_json_vector("filecoin/block_headers.json"):
        block = bytes.fromhex(case["cbor_hex"])
        value = dagcbor.decode(block)
        assert dagcbor.encode(value) == block
        assert str(CID.compute(codecs.DAG_CBOR, block, 0xB220)) == case["cid"]
        parents = value[5]
        assert [str(p) for p in parents] == [p["/"] for p in case["block"]["Parents"]]


# -- strictness: every non-canonical form is a DecodeError -------------------------------------------


def _rejected(block: bytes, fragment: str | None = None) -> DecodeError:
    with pytest.raises(DecodeError, match=fragment) as info:
        dagcbor.decode(block)
    return info.value


#: Bytes after the initial byte for additional information 24..27.
_WIDTHS = {24: 1, 25: 2, 26: 4, 27: 8}
#: Arguments below these fit a shorter head, so writing them with that additional information is non-minimal.
_SHORTER_BELOW = {24: 24, 25: 1 << 8, 26: 1 << 16, 27: 1 << 32}


def _item_with_head(major: int, n: int, info: int) -> bytes:
    """A data item of ``major`` whose head carries ``n`` with additional info ``info``, then valid content."""
    head = bytes([major << 5 | info]) + n.to_bytes(_WIDTHS[info], "big")
    if major == 2 or major == 4:
        return head + b"\x00" * n
    if major == 3:
        return head + b"a" * n
    if major == 5:
        return head + b"".join(ref_encode(f"{i:02}") + b"\x00" for i in range(n))  # sorted keys "00", "01"...
    return head


@given(st.sampled_from([0, 1, 2, 3, 4, 5]), st.sampled_from([24, 25, 26, 27]), st.data())
def test_invalid_non_minimal_heads(major: int, info: int, data: st.DataObject) -> None:
    limit = _SHORTER_BELOW[info] if major < 2 else min(_SHORTER_BELOW[info], 40)
    n = data.draw(st.integers(0, limit - 1))
    assert (
        dagcbor.decode(ref_head(major, n) + _item_with_head(major, n, info)[1 + _WIDTHS[info] :]) is not None
    )
    _rejected(_item_with_head(major, n, info), "minimal")


def test_invalid_non_minimal_tag_42() -> None:
    cid = CID.compute(codecs.RAW, b"")
    _rejected(b"\xd9\x00\x2a" + ref_encode(b"\x00" + bytes(cid)), "minimal")


@pytest.mark.parametrize(
    "block_hex",
    [
        "5f4100ff",  # indefinite byte string
        "7f6161ff",  # indefinite text string
        "9f00ff",  # indefinite array
        "bf616100ff",  # indefinite map
        "ff",  # lone break
        "1c",
        "1d",
        "1e",  # reserved additional information 28..30
    ],
)
def test_invalid_indefinite_and_reserved(block_hex: str) -> None:
    _rejected(bytes.fromhex(block_hex))


@given(st.dictionaries(st.text(max_size=6), st.integers(0, 5), min_size=2, max_size=6), st.data())
def test_invalid_unsorted_map_keys(mapping: dict[str, int], data: st.DataObject) -> None:
    canonical = sorted(mapping, key=lambda k: (len(k.encode()), k.encode()))
    order = data.draw(st.permutations(canonical))
    if order == canonical:
        order.reverse()
    block = ref_head(5, len(order)) + b"".join(ref_encode(k) + ref_encode(mapping[k]) for k in order)
    _rejected(block, "map key")


@given(st.text(max_size=6), st.integers(0, 5))
def test_invalid_duplicate_map_keys(key: str, value: int) -> None:
    _rejected(b"\xa2" + (ref_encode(key) + ref_encode(value)) * 2, "map key")


@pytest.mark.parametrize("key_hex", ["01", "20", "4161", "f6", "80", "a0", "fb3ff0000000000000"])
def test_invalid_non_string_map_keys(key_hex: str) -> None:
    _rejected(b"\xa1" + bytes.fromhex(key_hex) + b"\x00")


@no_deadline
@given(values, st.binary(min_size=1, max_size=8))
def test_invalid_trailing_bytes(value: Any, suffix: bytes) -> None:
    block = ref_encode(value)
    error = _rejected(block + suffix, "trailing bytes")
    assert error.offset == len(block)


@given(st.integers(0, (1 << 64) - 1).filter(lambda t: t != 42))
def test_invalid_tags_other_than_42(tag: int) -> None:
    _rejected(ref_head(6, tag) + b"\x00")


@pytest.mark.parametrize(
    "block_hex",
    [
        "f93c00",  # half float 1.0
        "fa3f800000",  # single float 1.0
        "fb7ff8000000000000",  # NaN
        "fb7ff8000000000001",  # NaN with payload
        "fbfff0000000000000",  # -Infinity
        "fb7ff0000000000000",  # +Infinity
        "f7",  # undefined
        "e0",  # simple value 0
        "f3",  # simple value 19
        "f800",  # simple value, 1-byte form
        "f8ff",
    ],
)
def test_invalid_floats_and_simple_values(block_hex: str) -> None:
    _rejected(bytes.fromhex(block_hex))


@pytest.mark.parametrize(
    ("block_hex", "fragment"),
    [
        ("d82a00", None),  # payload not bytes
        ("d82a6100", None),  # payload a string
        ("d82a40", "CID"),  # empty payload
        ("d82a4101", "CID"),  # no 0x00 prefix
        ("d82a58250101551220" + "00" * 32, "CID"),  # 0x01 instead of 0x00
        ("d82a4100", "invalid CID"),  # 0x00 and nothing else
        ("d82a450001551200", "invalid CID"),  # sha2-256 digest of 0 bytes
        ("d82a450002551200", "invalid CID"),  # CID version 2
        ("d82a58240001551220" + "00" * 31, "invalid CID"),  # truncated digest
        ("d82a58260001551220" + "00" * 33, "invalid CID"),  # byte after the CID
        ("d82ad82a4100", None),  # nested tag
    ],
)
def test_invalid_links(block_hex: str, fragment: str | None) -> None:
    _rejected(bytes.fromhex(block_hex), fragment)


def test_cidv0_links_decode() -> None:
    cid = CID.parse("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH")
    block = dagcbor.encode([cid])
    assert dagcbor.decode(block) == [cid]
    assert block == ref_encode([cid])


@pytest.mark.parametrize("block_hex", ["62c328", "61ff", "63eda080", "a161ff00"])
def test_invalid_utf8(block_hex: str) -> None:
    _rejected(bytes.fromhex(block_hex), "UTF-8")


@no_deadline
@given(values)
def test_invalid_truncations(value: Any) -> None:
    block = ref_encode(value)
    for end in range(len(block)):
        _rejected(block[:end])


def test_invalid_deep_nesting() -> None:
    _rejected(b"\x81" * (dagcbor.MAX_DEPTH + 1) + b"\x00", "nesting")
    _rejected(b"\xa1\x61a" * (dagcbor.MAX_DEPTH + 1) + b"\x00", "nesting")
    # 200,000 levels: still a clean DecodeError, no RecursionError or crash.
    _rejected(b"\x81" * 200_000 + b"\x00", "nesting")


def test_invalid_deep_nesting_behind_a_long_string() -> None:
    # Enough bytes to pass the cheap bound on length alone; the head count still triggers the walk.
    filler = ref_encode("x" * 2000)
    _rejected(b"\x82" + filler + b"\x81" * (dagcbor.MAX_DEPTH + 1) + b"\x00", "nesting")


def test_nesting_at_the_limit_decodes() -> None:
    value = dagcbor.decode(b"\x81" * dagcbor.MAX_DEPTH + b"\x00")
    depth = 0
    while isinstance(value, list):
        value, depth = value[0], depth + 1
    assert depth == dagcbor.MAX_DEPTH


def test_invalid_lengths_beyond_input_allocate_nothing() -> None:
    for head in ("5b", "7b", "9b", "bb"):
        _rejected(bytes.fromhex(head + "ffffffffffffffff"))


# -- fuzzing -------------------------------------------------------------------------------------------


def _assert_canonical_or_rejected(block: bytes) -> None:
    """Strict decoding accepts only canonical blocks: whatever decodes re-encodes to the same bytes."""
    try:
        value = dagcbor.decode(block)
    except DecodeError:
        return
    assert dagcbor.encode(value) == block


@given(st.binary(max_size=64))
def test_fuzz_random_bytes(block: bytes) -> None:
    _assert_canonical_or_rejected(block)


@no_deadline
@given(values, st.data())
def test_fuzz_mutated_blocks(value: Any, data: st.DataObject) -> None:
    block = bytearray(ref_encode(value))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(block)))
        kind = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        if kind == "flip" and at < len(block):
            block[at] ^= data.draw(st.integers(1, 255))
        elif kind == "insert":
            block[at:at] = data.draw(st.binary(min_size=1, max_size=2))
        else:
            del block[at : at + 1]
    _assert_canonical_or_rejected(bytes(block))


# -- lenient link scanning ---------------------------------------------------------------------------


@no_deadline
@given(values)
def test_scan_links_agrees_with_decode_on_canonical_blocks(value: Any) -> None:
    block = dagcbor.encode(value)
    assert dagcbor.scan_links(block) == list(dagcbor.iter_links(dagcbor.decode(block)))


def test_scan_links_accepts_what_lotus_scans() -> None:
    cid = CID.compute(codecs.RAW, b"x")
    link = ref_encode(cid)
    unsorted = b"\xa2" + ref_encode("bb") + link + ref_encode("a") + b"\x00"
    non_minimal = b"\x98\x02" + link + b"\x19\x00\x01"
    other_tag = b"\xc2" + b"\x81" + link  # a tag other than 42 wrapping an item with a link
    float32 = b"\x82\xfa\x3f\x80\x00\x00" + link
    int_keys = b"\xa1\x01" + link
    for block in (unsorted, non_minimal, other_tag, float32, int_keys):
        with pytest.raises(DecodeError):
            dagcbor.decode(block)
        assert dagcbor.scan_links(block) == [cid]


@pytest.mark.parametrize(
    ("block_hex", "fragment", "offset"),
    [
        ("", "truncated CBOR item", 0),
        ("82f6", "truncated CBOR item", 2),
        ("9f00ff", "indefinite length", 0),
        ("1c", "reserved additional information 28", 0),
        ("1a0000", "truncated CBOR head", 0),
        ("43aabb", "length 3 exceeds the 2 bytes left", 0),
        ("d82a00", "tag 42 must hold a byte string", 2),
        ("d82a4101", "tag 42 must hold a byte string", 2),
        ("d82a40", "tag 42 must hold a byte string", 2),
        ("d82a450001551200", "invalid CID", 2),
        ("f6f6", "1 trailing bytes", 1),
        ("9bffffffffffffffff00", "truncated CBOR item", 10),
    ],
)
def test_invalid_scan_links(block_hex: str, fragment: str, offset: int) -> None:
    with pytest.raises(DecodeError, match=fragment) as info:
        dagcbor.scan_links(bytes.fromhex(block_hex))
    assert info.value.offset == offset


@given(st.binary(max_size=64))
def test_fuzz_scan_links_random_bytes(block: bytes) -> None:
    try:
        links = dagcbor.scan_links(block)
    except DecodeError:
        return
    assert all(isinstance(link, CID) for link in links)


def test_wrapper_agrees_with_raw_cbrrr() -> None:
    value = {"to": b"\x00\x01", "nonce": 7, "params": [1, "x", None]}
    assert dagcbor.encode(value) == cbrrr.encode_dag_cbor(value)
    assert not math.isnan(dagcbor.decode(dagcbor.encode(0.1)))
