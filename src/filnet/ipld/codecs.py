"""Multicodec codes for the IPLD codecs and Filecoin commitments filnet deals with."""

from __future__ import annotations

from typing import Final

RAW: Final = 0x55
DAG_PB: Final = 0x70
DAG_CBOR: Final = 0x71
LIBP2P_KEY: Final = 0x72
DAG_JSON: Final = 0x0129
FIL_COMMITMENT_UNSEALED: Final = 0xF101
FIL_COMMITMENT_SEALED: Final = 0xF102

NAMES: Final[dict[int, str]] = {
    RAW: "raw",
    DAG_PB: "dag-pb",
    DAG_CBOR: "dag-cbor",
    LIBP2P_KEY: "libp2p-key",
    DAG_JSON: "dag-json",
    FIL_COMMITMENT_UNSEALED: "fil-commitment-unsealed",
    FIL_COMMITMENT_SEALED: "fil-commitment-sealed",
}
CODES: Final[dict[str, int]] = {name: code for code, name in NAMES.items()}


def name_of(code: int) -> str:
    """The multicodec name of ``code``, or its hex form when unknown."""
    return NAMES.get(code, f"0x{code:x}")
