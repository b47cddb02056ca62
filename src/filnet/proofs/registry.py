"""Registered proof types: the seal (PoRep) and PoSt proof ids and the parameters each one fixes.

Ids and parameters follow filecoin-proofs-api's ``RegisteredSealProof`` / ``RegisteredPoStProof`` and
filecoin-proofs' ``constants.rs`` (layers, challenge counts, partitions, PoSt sector counts). The proof id is
what goes into the porep_id, so it changes the SDR graph and with it every label and CommR.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Final

from filnet.errors import InvalidInput

NODE_SIZE: Final = 32
"""Bytes per SDR node (one BLS12-381 field element)."""

KIB: Final = 1 << 10
MIB: Final = 1 << 20
GIB: Final = 1 << 30

SECTOR_SIZES: Final = (2 * KIB, 8 * MIB, 512 * MIB, 32 * GIB, 64 * GIB)
"""The published sector sizes, in the order of their proof ids."""

WINNING_POST_CHALLENGE_COUNT: Final = 66
WINNING_POST_SECTOR_COUNT: Final = 1
WINDOW_POST_CHALLENGE_COUNT: Final = 10
MAX_CHALLENGES_PER_PARTITION: Final = 18


class ApiVersion(enum.Enum):
    """storage-proofs-core ``ApiVersion``.

    Seal proofs: the SDR graph generation, V1_0_0 (proof ids 0-4) or V1_1_0 (ids 5-9). PoSt proofs: V1_0_0,
    or V1_2_0 for the WindowPoSt types of FIP-0061 (ids 10-14), whose leaf challenges no longer depend on
    the sector's position among the proven sectors.
    """

    V1_0_0 = "1.0.0"
    V1_1_0 = "1.1.0"
    V1_2_0 = "1.2.0"


@dataclass(frozen=True)
class SectorShape:
    """What a sector size fixes, independent of the proof version."""

    sector_size: int
    layers: int
    porep_challenges: int
    porep_partitions: int
    window_post_sector_count: int

    @property
    def nodes(self) -> int:
        """Number of 32-byte nodes in the sector."""
        return self.sector_size // NODE_SIZE

    @property
    def unpadded_size(self) -> int:
        """User bytes a sector holds (Fr32 padding keeps 127 of every 128 bytes)."""
        return self.sector_size // 128 * 127


# filecoin-proofs constants.rs: LAYERS, POREP_PARTITIONS, WINDOW_POST_SECTOR_COUNT and
# get_porep_interactive_minimum_challenges for the published sizes.
_SHAPES: Final = {
    2 * KIB: SectorShape(2 * KIB, 2, 2, 1, 2),
    8 * MIB: SectorShape(8 * MIB, 2, 2, 1, 2),
    512 * MIB: SectorShape(512 * MIB, 2, 2, 1, 2),
    32 * GIB: SectorShape(32 * GIB, 11, 176, 10, 2349),
    64 * GIB: SectorShape(64 * GIB, 11, 176, 10, 2300),
}


def sector_shape(sector_size: int) -> SectorShape:
    """The shape of a published sector size; InvalidInput for any other size."""
    try:
        return _SHAPES[sector_size]
    except KeyError:
        sizes = ", ".join(format_sector_size(s) for s in SECTOR_SIZES)
        raise InvalidInput(f"unsupported sector size {sector_size} (supported: {sizes})") from None


_SIZE_RE: Final = re.compile(r"^\s*(\d+)\s*(B|KiB|MiB|GiB)?\s*$", re.IGNORECASE)
_UNITS: Final = {"b": 1, "kib": KIB, "mib": MIB, "gib": GIB}


def parse_sector_size(text: str) -> int:
    """Parse ``2KiB``, ``8MiB``, ``512MiB``, ``32GiB``, ``64GiB`` or a byte count of a published size."""
    m = _SIZE_RE.match(text)
    if m is None:
        raise InvalidInput(f"cannot parse sector size {text!r} (expected e.g. 2KiB, 8MiB, 512MiB)")
    size = int(m.group(1)) * _UNITS[(m.group(2) or "b").lower()]
    sector_shape(size)
    return size


def format_sector_size(size: int) -> str:
    """``2048`` -> ``2KiB``."""
    for unit, factor in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size}B"


class RegisteredSealProof(enum.IntEnum):
    """Interactive Stacked-DRG PoRep proof types (filecoin-proofs-api numbering)."""

    STACKED_DRG_2KIB_V1 = 0
    STACKED_DRG_8MIB_V1 = 1
    STACKED_DRG_512MIB_V1 = 2
    STACKED_DRG_32GIB_V1 = 3
    STACKED_DRG_64GIB_V1 = 4
    STACKED_DRG_2KIB_V1_1 = 5
    STACKED_DRG_8MIB_V1_1 = 6
    STACKED_DRG_512MIB_V1_1 = 7
    STACKED_DRG_32GIB_V1_1 = 8
    STACKED_DRG_64GIB_V1_1 = 9

    @classmethod
    def for_sector(cls, sector_size: int, api_version: ApiVersion = ApiVersion.V1_1_0) -> RegisteredSealProof:
        """The seal proof type of a sector size and graph version."""
        sector_shape(sector_size)
        if api_version is ApiVersion.V1_2_0:
            raise InvalidInput("interactive seal proofs exist for API versions 1.0.0 and 1.1.0 only")
        base = 0 if api_version is ApiVersion.V1_0_0 else 5
        return cls(base + SECTOR_SIZES.index(sector_size))

    @property
    def api_version(self) -> ApiVersion:
        """V1_0_0 for ids 0-4, V1_1_0 for ids 5-9."""
        return ApiVersion.V1_0_0 if self.value < 5 else ApiVersion.V1_1_0

    @property
    def sector_size(self) -> int:
        """Sector size in bytes."""
        return SECTOR_SIZES[self.value % 5]

    @property
    def shape(self) -> SectorShape:
        """Layers, challenge counts and partitions of this proof's sector size."""
        return _SHAPES[self.sector_size]

    @property
    def porep_id(self) -> bytes:
        """u64 LE(proof id) ‖ u64 LE(nonce 0) ‖ 16 zero bytes (filecoin-proofs-api ``porep_id``)."""
        return self.value.to_bytes(8, "little") + bytes(24)

    @property
    def window_post(self) -> RegisteredPoStProof:
        """The WindowPoSt type (V1_1, FIP-0061) used with sectors sealed by this proof."""
        return RegisteredPoStProof(10 + self.value % 5)

    @property
    def winning_post(self) -> RegisteredPoStProof:
        """The WinningPoSt type used with sectors sealed by this proof."""
        return RegisteredPoStProof(self.value % 5)


class PoStKind(enum.Enum):
    """Winning (block election) or Window (periodic storage) proof of spacetime."""

    WINNING = "winning"
    WINDOW = "window"


class RegisteredPoStProof(enum.IntEnum):
    """PoSt proof types (filecoin-proofs-api numbering; window V1_1 is FIP-0061's fixed challenge rule)."""

    STACKED_DRG_WINNING_2KIB_V1 = 0
    STACKED_DRG_WINNING_8MIB_V1 = 1
    STACKED_DRG_WINNING_512MIB_V1 = 2
    STACKED_DRG_WINNING_32GIB_V1 = 3
    STACKED_DRG_WINNING_64GIB_V1 = 4
    STACKED_DRG_WINDOW_2KIB_V1 = 5
    STACKED_DRG_WINDOW_8MIB_V1 = 6
    STACKED_DRG_WINDOW_512MIB_V1 = 7
    STACKED_DRG_WINDOW_32GIB_V1 = 8
    STACKED_DRG_WINDOW_64GIB_V1 = 9
    STACKED_DRG_WINDOW_2KIB_V1_1 = 10
    STACKED_DRG_WINDOW_8MIB_V1_1 = 11
    STACKED_DRG_WINDOW_512MIB_V1_1 = 12
    STACKED_DRG_WINDOW_32GIB_V1_1 = 13
    STACKED_DRG_WINDOW_64GIB_V1_1 = 14

    @property
    def kind(self) -> PoStKind:
        """Winning for ids 0-4, Window otherwise."""
        return PoStKind.WINNING if self.value < 5 else PoStKind.WINDOW

    @property
    def sector_size(self) -> int:
        """Sector size in bytes."""
        return SECTOR_SIZES[self.value % 5]

    @property
    def api_version(self) -> ApiVersion:
        """V1_2_0 for the FIP-0061 WindowPoSt types (ids 10-14), V1_0_0 for the others (proofs-api)."""
        return ApiVersion.V1_2_0 if self.value >= 10 else ApiVersion.V1_0_0

    @property
    def challenge_count(self) -> int:
        """Leaf challenges per sector."""
        return WINNING_POST_CHALLENGE_COUNT if self.kind is PoStKind.WINNING else WINDOW_POST_CHALLENGE_COUNT

    @property
    def sector_count(self) -> int:
        """Sectors per partition (per proof for WinningPoSt)."""
        if self.kind is PoStKind.WINNING:
            return WINNING_POST_SECTOR_COUNT
        return _SHAPES[self.sector_size].window_post_sector_count
