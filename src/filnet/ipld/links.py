"""The links out of a block, whatever its codec: what DAG walkers (the CAR writer and verifier) follow."""

from __future__ import annotations

from typing import Final

from filnet.errors import DecodeError, UnsupportedCodec
from filnet.ipld import codecs, dagcbor, dagpb, multihash
from filnet.ipld.cid import CID

#: Codecs whose CIDs name Filecoin commitments (CommD/piece and CommR roots), never blocks of a store.
COMMITMENT_CODECS: Final = frozenset({codecs.FIL_COMMITMENT_UNSEALED, codecs.FIL_COMMITMENT_SEALED})


def block_links(cid: CID, data: bytes) -> list[CID]:
    """The CIDs block ``data`` (named by ``cid``) links to, in the order its codec writes them."""
    codec = cid.codec
    if codec == codecs.RAW:
        return []
    try:
        if codec == codecs.DAG_PB:
            return [link.hash for link in dagpb.decode(data).links]
        if codec == codecs.DAG_CBOR:
            return _dag_cbor_links(data)
    except DecodeError as e:
        raise DecodeError(f"block {cid} is not valid {cid.codec_name}: {e.reason}", e.offset) from None
    raise UnsupportedCodec(f"cannot read links of block {cid}: unsupported codec {codecs.name_of(codec)}")


def _dag_cbor_links(data: bytes) -> list[CID]:
    """Links of a DAG-CBOR block; well-formed but non-canonical CBOR is scanned as Lotus does."""
    try:
        value = dagcbor.decode(data)
    except DecodeError:
        # Every Lotus genesis links to one such block (see dagcbor.scan_links); a DAG walker must get
        # through it. Malformed CBOR still fails, in the scanner, with an offset.
        return dagcbor.scan_links(data)
    return list(dagcbor.iter_links(value))


def is_fetchable(cid: CID) -> bool:
    """Whether a DAG walker should look ``cid`` up as a block.

    Not for identity CIDs (the data is inside the CID: actor code CIDs such as ``fil/7/account``) nor for
    commitment CIDs (miner and market state link sector and piece commitments with tag 42). Lotus's chain
    export skips both the same way.
    """
    return cid.hash_code != multihash.IDENTITY and cid.codec not in COMMITMENT_CODECS
