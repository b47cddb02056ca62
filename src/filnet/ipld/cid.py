"""Content identifiers (CIDv0 and CIDv1): parse, format and compute.

A CIDv0 is a bare sha2-256 multihash of a dag-pb block, written in base58btc (``Qm…``). A CIDv1 is
``varint(1) ‖ varint(codec) ‖ multihash``, written with a multibase prefix (base32 ``b…`` by default).
"""

from __future__ import annotations

from typing import Final

from filnet.errors import DecodeError, HashMismatch, UnsupportedCodec
from filnet.ipld import codecs, multibase, multihash
from filnet.ipld.varint import decode_uvarint, encode_uvarint

_V0_PREFIX: Final = b"\x12\x20"
_V0_LENGTH: Final = 34

#: CIDv1 headers (the four varints before the digest) already validated, by their bytes, mapped to
#: ``(codec, hash code, digest length)``. A node meets a handful of distinct headers (Filecoin's
#: ``01 71 a0e402 20``, UnixFS's ``01 55 12 20`` ...), so decoding a CID is mostly a dict lookup. Whether
#: a header is valid depends on its bytes alone, which is what makes caching it sound.
_KNOWN_HEADERS: dict[bytes, tuple[int, int, int]] = {}
_MAX_KNOWN_HEADERS: Final = 256
_MAX_HEADER_BYTES: Final = 4 * 9


class CID:
    """An immutable content identifier.

    Equality and hashing use the binary form, so two CIDs are equal exactly when their bytes are.
    """

    __slots__ = ("_bytes", "codec", "digest", "hash_code", "version")

    version: int
    codec: int
    hash_code: int
    digest: bytes
    _bytes: bytes

    def __init__(self, version: int, codec: int, hash_code: int, digest: bytes) -> None:
        if version == 0:
            if codec != codecs.DAG_PB or hash_code != multihash.SHA2_256 or len(digest) != 32:
                raise UnsupportedCodec("a CIDv0 must be a dag-pb block with a 32-byte sha2-256 digest")
            raw = _V0_PREFIX + digest
        elif version == 1:
            raw = encode_uvarint(1) + encode_uvarint(codec) + multihash.encode(hash_code, digest)
        else:
            raise UnsupportedCodec(f"unsupported CID version {version}")
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "codec", codec)
        object.__setattr__(self, "hash_code", hash_code)
        object.__setattr__(self, "digest", bytes(digest))
        object.__setattr__(self, "_bytes", raw)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("CID is immutable")

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def v1(cls, codec: int, hash_code: int, digest: bytes) -> CID:
        """A CIDv1."""
        return cls(1, codec, hash_code, digest)

    @classmethod
    def v0(cls, digest: bytes) -> CID:
        """A CIDv0 of a sha2-256 digest of a dag-pb block."""
        return cls(0, codecs.DAG_PB, multihash.SHA2_256, digest)

    @classmethod
    def compute(cls, codec: int, data: bytes, hash_code: int = multihash.SHA2_256, version: int = 1) -> CID:
        """The CID of block ``data`` under ``codec``, hashed with ``hash_code``."""
        return cls(version, codec, hash_code, multihash.compute(hash_code, data))

    @classmethod
    def decode(cls, data: bytes | memoryview) -> CID:
        """Parse a binary CID that spans all of ``data``."""
        cid, end = cls.decode_prefix(data, 0)
        if end != len(data):
            raise DecodeError(f"{len(data) - end} trailing bytes after CID", end)
        return cid

    @classmethod
    def decode_prefix(cls, data: bytes | memoryview, offset: int = 0) -> tuple[CID, int]:
        """Parse a binary CID at ``offset``; return it and the offset after it."""
        if data[offset : offset + 2] == _V0_PREFIX:
            end = offset + _V0_LENGTH
            if end > len(data):
                raise DecodeError("truncated CIDv0", offset)
            raw = bytes(data[offset:end])
            return cls._from_parts(0, codecs.DAG_PB, multihash.SHA2_256, raw[2:], raw), end
        header_end = _v1_header_end(data, offset)
        known = _KNOWN_HEADERS.get(bytes(data[offset:header_end])) if header_end else None
        if known is not None:
            # Fast path, same result as the full parse (tests/ipld/test_cid.py compares the two).
            codec, hash_code, size = known
            end = header_end + size
            if end <= len(data):
                raw = bytes(data[offset:end])
                return cls._from_parts(1, codec, hash_code, raw[header_end - offset :], raw), end
        return cls._parse_v1(data, offset)

    @classmethod
    def _parse_v1(cls, data: bytes | memoryview, offset: int) -> tuple[CID, int]:
        """The full parse of a CIDv1 behind :meth:`decode_prefix`; remembers each valid header it meets."""
        version, pos = decode_uvarint(data, offset)
        if version != 1:
            raise DecodeError(f"unsupported CID version {version}", offset)
        codec, pos = decode_uvarint(data, pos)
        mh, end = multihash.decode(data, pos)
        cid = cls(1, codec, mh.code, mh.digest)
        if len(_KNOWN_HEADERS) < _MAX_KNOWN_HEADERS:
            _KNOWN_HEADERS[cid._bytes[: len(cid._bytes) - len(mh.digest)]] = (codec, mh.code, len(mh.digest))
        return cid, end

    @classmethod
    def _from_parts(cls, version: int, codec: int, hash_code: int, digest: bytes, raw: bytes) -> CID:
        """A CID from validated parts and their canonical binary form, without encoding it again."""
        cid = object.__new__(cls)
        object.__setattr__(cid, "version", version)
        object.__setattr__(cid, "codec", codec)
        object.__setattr__(cid, "hash_code", hash_code)
        object.__setattr__(cid, "digest", digest)
        object.__setattr__(cid, "_bytes", raw)
        return cid

    @classmethod
    def parse(cls, text: str) -> CID:
        """Parse a CID from its string form (``Qm…`` base58 CIDv0 or a multibase CIDv1)."""
        text = text.strip()
        if len(text) == 46 and text.startswith("Qm"):
            try:
                raw = multibase.b58decode(text)
            except DecodeError:
                raise DecodeError(f"invalid CIDv0 {text!r}") from None
            return cls.decode(raw)
        if not text:
            raise DecodeError("empty CID string")
        try:
            _, raw = multibase.decode(text)
            cid = cls.decode(raw)
        except (DecodeError, UnsupportedCodec) as e:
            raise DecodeError(f"invalid CID {text!r}: {e}") from None
        if cid.version == 0:
            raise DecodeError(f"invalid CID {text!r}: a CIDv0 must be written in bare base58")
        return cid

    # -- views ----------------------------------------------------------------------------------

    def __bytes__(self) -> bytes:
        return self._bytes

    @property
    def multihash(self) -> bytes:
        """The binary multihash part."""
        return multihash.encode(self.hash_code, self.digest)

    @property
    def codec_name(self) -> str:
        return codecs.name_of(self.codec)

    @property
    def hash_name(self) -> str:
        return multihash.name_of(self.hash_code)

    def encode(self, base: str = "base32") -> str:
        """String form: base58 for CIDv0, the named multibase for CIDv1."""
        if self.version == 0:
            return multibase.b58encode(self._bytes)
        return multibase.encode(self._bytes, base)

    def to_v1(self) -> CID:
        """The same content as a CIDv1."""
        return self if self.version == 1 else CID(1, self.codec, self.hash_code, self.digest)

    def verify(self, data: bytes) -> None:
        """Raise :class:`filnet.errors.HashMismatch` unless ``data`` is the block this CID names."""
        try:
            multihash.Multihash(self.hash_code, self.digest).verify(data)
        except UnsupportedCodec:
            raise UnsupportedCodec(f"cannot verify {self}: unsupported hash {self.hash_name}") from None
        except HashMismatch:
            raise HashMismatch(f"block {self} does not match its {self.hash_name} digest") from None

    def __str__(self) -> str:
        return self.encode()

    def __repr__(self) -> str:
        return f"CID({self.encode()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CID) and other._bytes == self._bytes

    def __hash__(self) -> int:
        return hash(self._bytes)

    def __lt__(self, other: CID) -> bool:
        return self._bytes < other._bytes

    def __reduce__(self) -> tuple[object, tuple[int, int, int, bytes]]:
        return (CID, (self.version, self.codec, self.hash_code, self.digest))


def _v1_header_end(data: bytes | memoryview, offset: int) -> int:
    """Offset just past the first four varints at ``offset`` (a CIDv1 header), or 0 if there are not four."""
    count = 0
    for pos in range(offset, min(len(data), offset + _MAX_HEADER_BYTES)):
        if data[pos] < 0x80:
            count += 1
            if count == 4:
                return pos + 1
    return 0
