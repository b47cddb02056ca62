"""drand networks and the verification of their rounds, as Lotus's ``chain/beacon/drand`` relies on them.

A drand round is a BLS12-381 threshold signature by the network's group key over a digest of the round:

* ``pedersen-bls-chained`` (drand mainnet "default", and the older incentinet): public key in G1, signature
  in G2 over ``sha256(previous_signature || round)``; each round signs the one before it, so verifying a
  round needs the previous round's signature (round 1's "previous signature" is the group hash).
* ``pedersen-bls-unchained``: the same curves over ``sha256(round)``.
* ``bls-unchained-g1-rfc9380`` (quicknet, Filecoin's beacon since FIP-0063): public key in G2, signature in
  G1 over ``sha256(round)``, hashed to G1 with RFC 9380's G1 suite.

Rounds are 8-byte big-endian in the digests. In a Filecoin block a beacon entry's ``data`` is the round's
signature itself (Lotus ``BeaconEntry.Data``), so verifying an entry is one pairing check.
"""

from __future__ import annotations

import enum
import functools
import hashlib
from dataclasses import dataclass
from typing import Any, Final

from pyblst import BlstP1Element, BlstP2Element, final_verify, miller_loop

from filnet.chain.block import BeaconEntry
from filnet.errors import InvalidInput

#: Hash-to-curve tags: G2 for the pedersen schemes (the same suite as Filecoin's own BLS signatures), G1
#: for quicknet's RFC 9380 scheme.
DST_G2: Final = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_"
DST_G1: Final = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"
G1_POINT_LENGTH: Final = 48
G2_POINT_LENGTH: Final = 96
#: drand's beacon ID of its first network; chain hashes leave this ID out (drand ``Info.Hash``).
DEFAULT_BEACON_ID: Final = "default"

# The standard generators (compressed), from the BLS12-381 specification.
_G1_GENERATOR: Final = BlstP1Element.uncompress(
    bytes.fromhex(
        "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
    )
)
_G2_GENERATOR: Final = BlstP2Element.uncompress(
    bytes.fromhex(
        "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
        "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
    )
)


class BeaconError(InvalidInput):
    """A beacon entry or a block's beacon entries that break a rule; ``round`` names the round, when one."""

    def __init__(self, message: str, round: int | None = None) -> None:
        self.round = round
        super().__init__(message)


class DrandScheme(enum.StrEnum):
    """The signature schemes of drand networks (drand ``crypto.Scheme`` IDs)."""

    PEDERSEN_BLS_CHAINED = "pedersen-bls-chained"
    PEDERSEN_BLS_UNCHAINED = "pedersen-bls-unchained"
    BLS_UNCHAINED_G1_RFC9380 = "bls-unchained-g1-rfc9380"

    @property
    def is_chained(self) -> bool:
        """Whether each round signs the previous round's signature."""
        return self is DrandScheme.PEDERSEN_BLS_CHAINED

    @property
    def signature_on_g1(self) -> bool:
        """Whether signatures are G1 points (and public keys G2 points)."""
        return self is DrandScheme.BLS_UNCHAINED_G1_RFC9380

    @property
    def public_key_length(self) -> int:
        """Bytes of a compressed public key."""
        return G2_POINT_LENGTH if self.signature_on_g1 else G1_POINT_LENGTH

    @property
    def signature_length(self) -> int:
        """Bytes of a compressed signature."""
        return G1_POINT_LENGTH if self.signature_on_g1 else G2_POINT_LENGTH


def drand_chain_hash(
    period: int, genesis_time: int, public_key: bytes, group_hash: bytes, beacon_id: str
) -> str:
    """The hex chain hash that names a drand network (drand ``chain.Info.Hash``)."""
    h = hashlib.sha256()
    h.update(period.to_bytes(4, "big"))
    h.update(genesis_time.to_bytes(8, "big", signed=True))
    h.update(public_key)
    h.update(group_hash)
    # drand adds the beacon ID only for networks other than its first, so old chain hashes stay valid.
    if beacon_id not in ("", DEFAULT_BEACON_ID):
        h.update(beacon_id.encode())
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class DrandNetwork:
    """A drand network's chain info: what a node needs to verify its rounds and place them in time."""

    #: A short name for logs and configuration (``mainnet``, ``quicknet``, ``local``).
    name: str
    #: The network's chain hash (hex), checked against the other fields.
    chain_hash: str
    #: The group's public key, compressed (G1 for the pedersen schemes, G2 for quicknet).
    public_key: bytes
    #: Unix time (s) of round 1.
    genesis_time: int
    #: Seconds between rounds.
    period: int
    scheme: DrandScheme
    #: The hash of the group file at genesis (drand ``groupHash``): round 1's previous signature.
    group_hash: bytes
    #: drand's beacon ID (``default`` for the first network).
    beacon_id: str = DEFAULT_BEACON_ID

    def __post_init__(self) -> None:
        if self.period <= 0:
            raise InvalidInput(f"drand network {self.name}: the period must be positive, not {self.period}")
        if self.genesis_time <= 0:
            raise InvalidInput(f"drand network {self.name}: the genesis time must be positive")
        _public_key_point(self.scheme, self.public_key)  # raises on a key that does not decode
        expected = drand_chain_hash(
            self.period, self.genesis_time, self.public_key, self.group_hash, self.beacon_id
        )
        if self.chain_hash != expected:
            raise InvalidInput(
                f"drand network {self.name}: chain hash {self.chain_hash} does not match its info "
                f"({expected})"
            )

    @property
    def is_chained(self) -> bool:
        """Whether verifying a round needs the previous one (Lotus ``IsChained``)."""
        return self.scheme.is_chained

    def round_time(self, round: int) -> int:
        """Unix time (s) at which ``round`` is due (drand ``TimeOfRound``; round 1 at genesis)."""
        if round < 1:
            raise InvalidInput(f"drand rounds start at 1, not {round}")
        return self.genesis_time + (round - 1) * self.period

    def genesis_entry(self) -> BeaconEntry:
        """Round 0, whose signature is the group hash: the entry before round 1 of a chained network."""
        return BeaconEntry(0, self.group_hash)


@functools.lru_cache(maxsize=64)
def _public_key_point(scheme: DrandScheme, public_key: bytes) -> Any:
    """The decompressed, subgroup-checked public key; InvalidInput if it is not a proper point."""
    if len(public_key) != scheme.public_key_length:
        raise InvalidInput(
            f"a {scheme} public key has {scheme.public_key_length} bytes, got {len(public_key)}"
        )
    group: Any = BlstP2Element if scheme.signature_on_g1 else BlstP1Element
    try:
        point = group.uncompress(public_key)
    except ValueError as e:  # blst: bad encoding, not on the curve, not in the subgroup
        raise InvalidInput(f"invalid {scheme} public key: {e}") from None
    if point == group():
        raise InvalidInput(f"invalid {scheme} public key: the point at infinity")
    return point


def round_digest(scheme: DrandScheme, round: int, previous_signature: bytes) -> bytes:
    """The 32-byte digest a round's signature signs (drand ``DigestBeacon``)."""
    if not 0 <= round < 1 << 64:
        raise InvalidInput(f"a drand round is a 64-bit unsigned integer, not {round}")
    prefix = previous_signature if scheme.is_chained else b""
    return hashlib.sha256(prefix + round.to_bytes(8, "big")).digest()


def verify_entry(network: DrandNetwork, entry: BeaconEntry, previous: BeaconEntry | None) -> None:
    """Check that ``entry`` is ``network``'s signature of its round; :class:`BeaconError` otherwise.

    A chained network needs ``previous``, the entry of the round before (only its signature is used, as in
    Lotus's ``VerifyEntry``, which takes the previous signature alone); unchained networks ignore it.
    """
    scheme = network.scheme
    if scheme.is_chained and previous is None:
        raise BeaconError(
            f"beacon round {entry.round} of chained drand network {network.name} needs the previous entry",
            entry.round,
        )
    if len(entry.data) != scheme.signature_length:
        raise BeaconError(
            f"beacon round {entry.round}: a {scheme} signature has {scheme.signature_length} bytes, "
            f"got {len(entry.data)}",
            entry.round,
        )
    if not 0 <= entry.round < 1 << 64:
        raise BeaconError(f"beacon round {entry.round} is not a 64-bit unsigned integer", entry.round)
    digest = round_digest(scheme, entry.round, previous.data if previous is not None else b"")
    public_key = _public_key_point(scheme, network.public_key)
    try:
        if scheme.signature_on_g1:
            signature = BlstP1Element.uncompress(entry.data)
            # e(sig, g2) == e(H(m), pk)
            valid = final_verify(
                miller_loop(signature, _G2_GENERATOR),
                miller_loop(BlstP1Element.hash_to_group(digest, DST_G1), public_key),
            )
        else:
            signature = BlstP2Element.uncompress(entry.data)
            # e(pk, H(m)) == e(g1, sig)
            valid = final_verify(
                miller_loop(public_key, BlstP2Element.hash_to_group(digest, DST_G2)),
                miller_loop(_G1_GENERATOR, signature),
            )
    except ValueError as e:  # the signature does not decode to a point of the subgroup
        raise BeaconError(f"beacon round {entry.round}: malformed signature ({e})", entry.round) from None
    if not valid:
        raise BeaconError(
            f"beacon round {entry.round}: signature is not drand network {network.name}'s", entry.round
        )


# Chain info of the drand networks Filecoin has used (Lotus ``build/buildconstants/drand.go``).

#: drand's first League of Entropy network, Filecoin mainnet's beacon from epoch 51000 (``DrandMainnet``).
DRAND_MAINNET: Final = DrandNetwork(
    name="mainnet",
    chain_hash="8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce",
    public_key=bytes.fromhex(
        "868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529eeda66c7293784a9402801af31"
    ),
    genesis_time=1595431050,
    period=30,
    scheme=DrandScheme.PEDERSEN_BLS_CHAINED,
    group_hash=bytes.fromhex("176f93498eac9ca337150b46d21dd58673ea4e3581185f869672e59fa4cb390a"),
)
#: The network of Filecoin mainnet's first 51000 epochs (Lotus ``DrandIncentinet``, kept to verify them).
DRAND_INCENTINET: Final = DrandNetwork(
    name="incentinet",
    chain_hash="80c8b872c714f4c00fdd3daa465d5514049f457f01f85a4caf68cdcd394ba039",
    public_key=bytes.fromhex(
        "8cad0c72c606ab27d36ee06de1d5b2db1faf92e447025ca37575ab3a8aac2eaae83192f846fc9e158bc738423753d000"
    ),
    genesis_time=1595873820,
    period=30,
    scheme=DrandScheme.PEDERSEN_BLS_CHAINED,
    group_hash=bytes.fromhex("d9406aaed487f7af71851b4399448e311f2328923d454e971536c05398ce2d9b"),
)
#: drand quicknet (3-second unchained rounds), Filecoin's beacon since Phoenix (Lotus ``DrandQuicknet``).
DRAND_QUICKNET: Final = DrandNetwork(
    name="quicknet",
    chain_hash="52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    public_key=bytes.fromhex(
        "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c"
        "8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb"
        "5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
    ),
    genesis_time=1692803367,
    period=3,
    scheme=DrandScheme.BLS_UNCHAINED_G1_RFC9380,
    group_hash=bytes.fromhex("f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e"),
    beacon_id="quicknet",
)

#: The drand networks a :class:`~filnet.params.network.NetworkParams` beacon schedule may name.
DRAND_NETWORKS: Final[dict[str, DrandNetwork]] = {
    n.name: n for n in (DRAND_INCENTINET, DRAND_MAINNET, DRAND_QUICKNET)
}
