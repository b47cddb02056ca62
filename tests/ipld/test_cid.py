"""CIDs: parse and format in every base, known CIDs, binary decoding strictness."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.errors import DecodeError, HashMismatch, InvalidInput, UnsupportedCodec
from filnet.ipld import codecs, dagpb, multibase, multihash
from filnet.ipld.cid import CID
from tests.ipld.strategies import cids, cids_v1

EMPTY_SHA256 = hashlib.sha256(b"").digest()
#: Kubo's CID of an empty file: a dag-pb node whose data is UnixFS {Type: File, filesize: 0}.
EMPTY_FILE_V0 = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
#: The raw block of zero bytes.
EMPTY_RAW_V1 = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"


def test_known_cidv0_is_kubos_empty_file() -> None:
    block = dagpb.encode(dagpb.PBNode(data=b"\x08\x02\x18\x00"))
    cid = CID.parse(EMPTY_FILE_V0)
    assert cid == CID.compute(codecs.DAG_PB, block, version=0)
    assert (cid.version, cid.codec, cid.hash_code) == (0, codecs.DAG_PB, multihash.SHA2_256)
    assert bytes(cid) == b"\x12\x20" + cid.digest
    assert str(cid) == EMPTY_FILE_V0
    cid.verify(block)


def test_known_cidv1_is_the_empty_raw_block() -> None:
    cid = CID.parse(EMPTY_RAW_V1)
    assert cid == CID.compute(codecs.RAW, b"") == CID.v1(codecs.RAW, multihash.SHA2_256, EMPTY_SHA256)
    assert bytes(cid).hex() == "01551220" + EMPTY_SHA256.hex()
    assert cid.codec_name == "raw" and cid.hash_name == "sha2-256"


def test_v0_and_v1_of_the_same_content() -> None:
    v0 = CID.parse(EMPTY_FILE_V0)
    v1 = v0.to_v1()
    assert v1 != v0 and v1.version == 1 and v1.digest == v0.digest
    assert str(v1).startswith("bafybei")  # dag-pb + sha2-256 in base32
    assert CID.parse(str(v1)) == v1
    assert v1.to_v1() is v1


@pytest.mark.parametrize(
    ("base", "text"),
    [
        ("base32", EMPTY_RAW_V1),
        ("base32upper", EMPTY_RAW_V1.upper()),
        ("base16", "f01551220" + EMPTY_SHA256.hex()),
        ("base16upper", "F01551220" + EMPTY_SHA256.hex().upper()),
        ("base58btc", "z" + multibase.b58encode(bytes.fromhex("01551220") + EMPTY_SHA256)),
        ("base64", "mAVUSIOOwxEKY/BwUmvv0yJlvuSQnrkHkZJuTTKSVmRt4UrhV"),
        ("base64url", "uAVUSIOOwxEKY_BwUmvv0yJlvuSQnrkHkZJuTTKSVmRt4UrhV"),
    ],
)
def test_formats_in_every_base(base: str, text: str) -> None:
    cid = CID.parse(EMPTY_RAW_V1)
    assert cid.encode(base) == text
    assert CID.parse(text) == cid


@given(cids_v1, st.sampled_from(sorted(multibase.PREFIXES)))
def test_v1_string_round_trip(cid: CID, base: str) -> None:
    assert CID.parse(cid.encode(base)) == cid


@given(cids)
def test_binary_round_trip(cid: CID) -> None:
    assert CID.decode(bytes(cid)) == cid
    assert CID.decode(memoryview(bytes(cid))) == cid
    assert CID.parse(str(cid)) == cid
    assert hash(CID.decode(bytes(cid))) == hash(cid)
    assert pickle.loads(pickle.dumps(cid)) == cid


@given(cids, st.binary(max_size=8), st.binary(max_size=8))
def test_decode_prefix_in_a_buffer(cid: CID, before: bytes, after: bytes) -> None:
    buf = before + bytes(cid) + after
    assert CID.decode_prefix(buf, len(before)) == (cid, len(before) + len(bytes(cid)))


def test_immutable() -> None:
    cid = CID.parse(EMPTY_RAW_V1)
    with pytest.raises(AttributeError):
        cid.codec = codecs.DAG_CBOR  # type: ignore[misc]


def test_ordering_is_by_bytes() -> None:
    a, b = CID.compute(codecs.RAW, b"a"), CID.compute(codecs.RAW, b"b")
    assert sorted([a, b]) == sorted([b, a])
    assert (a < b) == (bytes(a) < bytes(b))


def test_verify() -> None:
    cid = CID.compute(codecs.DAG_CBOR, b"\xa0", multihash.BLAKE2B_256)
    cid.verify(b"\xa0")
    with pytest.raises(HashMismatch, match=str(cid)):
        cid.verify(b"\x80")
    commitment = CID.parse("baga6ea4seaqdsvqopmj2soyhujb72jza76t4wpq5fzifvm3ctz47iyytkewnubq")
    with pytest.raises(UnsupportedCodec, match="sha2-256-trunc254-padded"):
        commitment.verify(b"")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty CID string"),
        ("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQ0", "invalid CIDv0"),  # '0' is not base58
        ("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQ", "invalid CID"),  # one character short
        ("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk", "invalid CID"),  # truncated
        ("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykuaa", "trailing bytes"),
        ("Bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", "lower-case"),
        ("xafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", "unsupported multibase prefix"),
        ("f02551220" + "00" * 32, "unsupported CID version 2"),
        ("f1220" + EMPTY_SHA256.hex(), "must be written in bare base58"),
        ("z" + EMPTY_FILE_V0, "invalid CID"),
    ],
)
def test_invalid_strings(text: str, fragment: str) -> None:
    with pytest.raises(DecodeError, match=fragment):
        CID.parse(text)


@pytest.mark.parametrize(
    ("encoded", "fragment"),
    [
        ("", "truncated varint"),
        ("1220" + "00" * 31, "truncated CIDv0"),
        ("00", "unsupported CID version 0"),
        ("02", "unsupported CID version 2"),
        ("01", "truncated varint"),
        ("0155", "truncated varint"),
        ("01551220" + "00" * 31, "truncated multihash digest"),
        ("01551221" + "00" * 33, "digest of 33 bytes"),
        ("015512200" + "0" * 63 + "00", "trailing bytes"),
        ("0180005512" + "20" + "00" * 32, "non-minimal varint"),
    ],
)
def test_invalid_binary(encoded: str, fragment: str) -> None:
    with pytest.raises(DecodeError, match=fragment):
        CID.decode(bytes.fromhex(encoded))


def test_invalid_construction() -> None:
    with pytest.raises(UnsupportedCodec, match="CIDv0"):
        CID(0, codecs.RAW, multihash.SHA2_256, EMPTY_SHA256)
    with pytest.raises(UnsupportedCodec, match="version 3"):
        CID(3, codecs.RAW, multihash.SHA2_256, EMPTY_SHA256)
    with pytest.raises(InvalidInput, match="out of range"):
        CID.v1(1 << 63, multihash.SHA2_256, EMPTY_SHA256)


@given(st.binary(max_size=48))
def test_fuzz_decode_random_bytes(data: bytes) -> None:
    try:
        cid = CID.decode(data)
    except DecodeError:
        return
    assert bytes(cid) == data  # strict: only the canonical form decodes


@given(cids, st.data())
def test_fuzz_decode_mutated_cids(cid: CID, data: st.DataObject) -> None:
    raw = bytearray(bytes(cid))
    at = data.draw(st.integers(0, len(raw) - 1))
    raw[at] ^= data.draw(st.integers(1, 255))
    try:
        decoded = CID.decode(bytes(raw))
    except DecodeError:
        return
    assert bytes(decoded) == bytes(raw)


@given(st.text(max_size=60))
def test_fuzz_parse_raises_only_decode_error(text: str) -> None:
    try:
        cid = CID.parse(text)
    except DecodeError:
        return
    assert isinstance(cid, CID)


# -- the decoding fast path (known headers) against the full parse -------------------------------------


def _outcome(decode: Callable[[], tuple[CID, int]]) -> tuple[object, ...]:
    """Everything observable about a decode: the CID's fields and end offset, or that it failed."""
    try:
        cid, end = decode()
    except DecodeError:
        return ("rejected",)
    return (cid.version, cid.codec, cid.hash_code, cid.digest, bytes(cid), type(cid.digest), end)


@given(cids_v1, st.binary(max_size=4), st.data())
def test_fast_path_matches_full_parse(cid: CID, after: bytes, data: st.DataObject) -> None:
    CID.decode(bytes(cid))  # teaches the cache this CID's header
    buf = bytes(cid) + after
    cut = data.draw(st.integers(0, len(buf)))
    for candidate in (buf, buf[:cut]):
        assert _outcome(lambda c=candidate: CID.decode_prefix(c)) == _outcome(
            lambda c=candidate: CID._parse_v1(c, 0)
        )
        view = memoryview(candidate)
        assert _outcome(lambda v=view: CID.decode_prefix(v)) == _outcome(
            lambda c=candidate: CID._parse_v1(c, 0)
        )


def test_fast_path_result_equals_constructed_cid() -> None:
    cid = CID.compute(codecs.DAG_CBOR, b"x", multihash.BLAKE2B_256)
    first, second = CID.decode(bytes(cid)), CID.decode(bytes(cid))
    for decoded in (first, second):
        assert decoded == cid and hash(decoded) == hash(cid)
        assert (decoded.version, decoded.codec, decoded.hash_code, decoded.digest) == (
            1,
            0x71,
            0xB220,
            cid.digest,
        )
        assert str(decoded) == str(cid)
