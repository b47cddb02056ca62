"""Pre-sealed sectors for a genesis, as ``lotus-seed pre-seal`` makes them.

A genesis whose providers hold power from epoch 0 needs sectors sealed before the chain exists: the miner's
ID is fixed in advance (f01000, f01001, … in the order the genesis lists its miners), each sector is sealed
for that prover with a fixed ticket, and either stays committed capacity (zeros) or carries one deal over
its whole content, proposed by the miner's worker key as client at price zero (as lotus-seed does). The
sectors stay in ``DIR/sector-<n>/`` for the provider to prove; ``DIR/preseal.json`` describes them for
:func:`load_preseal` and the genesis builder.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from filnet.actors.market.state import DealProposal
from filnet.chain.lotus_json import signature_from_json, signature_to_json
from filnet.core.address import Address
from filnet.core.fsutil import atomic_write_bytes
from filnet.core.token import ZERO
from filnet.core.types import ChainEpoch
from filnet.crypto.keys import PrivateKey
from filnet.crypto.signature import Signature
from filnet.errors import InvalidInput
from filnet.piece.cid import piece_cid_v1
from filnet.proofs.registry import RegisteredSealProof
from filnet.proofs.replica import prover_id_bytes
from filnet.proofs.seal import SealInputs, padded_sector, seal_sector, zero_sector

MANIFEST: Final = "preseal.json"
#: The ticket preseal sectors are sealed with: there is no chain to draw one from yet.
PRESEAL_TICKET: Final = bytes(32)
MANIFEST_VERSION: Final = 1
#: Sector (and deal) expiration of pre-sealed sectors unless told otherwise.
DEFAULT_EXPIRATION: Final = ChainEpoch(1_000_000)


@dataclass(frozen=True, slots=True)
class PresealSector:
    """A sealed sector and, unless it is committed capacity, the deal over its content."""

    sector_number: int
    proof_type: RegisteredSealProof
    comm_r: bytes
    comm_d: bytes
    #: The sector's committed expiration (its deal's end epoch when it has one).
    expiration: ChainEpoch
    deal: DealProposal | None = None
    deal_signature: Signature | None = None

    def __post_init__(self) -> None:
        if (self.deal is None) != (self.deal_signature is None):
            raise InvalidInput(f"preseal sector {self.sector_number}: a deal needs its client's signature")


@dataclass(frozen=True, slots=True)
class PresealMiner:
    """A miner's pre-sealed sectors: the ID it must get at genesis, its keys and its sectors."""

    miner: Address
    owner: Address
    worker: Address
    proof_type: RegisteredSealProof
    sectors: tuple[PresealSector, ...]
    peer_id: bytes = b""

    def to_json(self) -> dict[str, Any]:
        """The manifest's JSON form."""
        return {
            "Version": MANIFEST_VERSION,
            "ID": str(self.miner),
            "Owner": str(self.owner),
            "Worker": str(self.worker),
            "PeerId": self.peer_id.hex(),
            "ProofType": int(self.proof_type),
            "SectorSize": self.proof_type.sector_size,
            "Sectors": [
                {
                    "SectorID": s.sector_number,
                    "CommR": s.comm_r.hex(),
                    "CommD": s.comm_d.hex(),
                    "Expiration": s.expiration,
                    "Deal": None if s.deal is None else s.deal.encode().hex(),
                    "DealSignature": None
                    if s.deal_signature is None
                    else signature_to_json(s.deal_signature),
                }
                for s in self.sectors
            ],
        }

    @classmethod
    def from_json(cls, obj: Any) -> PresealMiner:
        """Parse :meth:`to_json` output; InvalidInput naming what is wrong."""
        try:
            if obj["Version"] != MANIFEST_VERSION:
                raise InvalidInput(f"preseal manifest version {obj['Version']!r} is not {MANIFEST_VERSION}")
            proof = RegisteredSealProof(obj["ProofType"])
            sectors = tuple(
                PresealSector(
                    int(s["SectorID"]),
                    proof,
                    bytes.fromhex(s["CommR"]),
                    bytes.fromhex(s["CommD"]),
                    ChainEpoch(int(s["Expiration"])),
                    None if s["Deal"] is None else DealProposal.decode(bytes.fromhex(s["Deal"])),
                    None if s["DealSignature"] is None else signature_from_json(s["DealSignature"]),
                )
                for s in obj["Sectors"]
            )
            return cls(
                Address.parse(obj["ID"]),
                Address.parse(obj["Owner"]),
                Address.parse(obj["Worker"]),
                proof,
                sectors,
                bytes.fromhex(obj["PeerId"]),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise InvalidInput(f"malformed preseal manifest: {e}") from None


def sector_content(miner: Address, sector_number: int, size: int) -> Iterator[bytes]:
    """Deterministic pseudo-random unpadded content of a deal sector (blake2b in counter mode)."""
    seed = f"filnet preseal {miner} {sector_number}".encode()
    produced, counter = 0, 0
    while produced < size:
        block = hashlib.blake2b(seed + counter.to_bytes(8, "little"), digest_size=64).digest()
        take = min(len(block), size - produced)
        yield block[:take]
        produced += take
        counter += 1


def preseal(
    directory: str | Path,
    miner: Address,
    worker_key: PrivateKey,
    proof_type: RegisteredSealProof,
    count: int,
    parent_cache_dir: str | Path,
    *,
    owner: Address | None = None,
    with_deals: bool = True,
    expiration: ChainEpoch = DEFAULT_EXPIRATION,
    first_sector: int = 0,
    peer_id: bytes = b"",
) -> PresealMiner:
    """Seal ``count`` sectors for ``miner`` (an f0 address) into ``directory`` and write its manifest.

    Sealing is restartable: running again with the same arguments reuses finished work.
    """
    if miner.id is None:
        raise InvalidInput(f"preseal needs the miner's ID address, not {miner}")
    if count < 1:
        raise InvalidInput("preseal needs at least one sector")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    size = proof_type.sector_size
    sectors = []
    for number in range(first_sector, first_sector + count):
        inputs = SealInputs(proof_type, prover_id_bytes(miner.id), number, PRESEAL_TICKET)
        data = (
            padded_sector(sector_content(miner, number, proof_type.shape.unpadded_size), size)
            if with_deals
            else zero_sector(size)
        )
        sealed = seal_sector(inputs, data, out / f"sector-{number}", parent_cache_dir)
        deal = signature = None
        if with_deals:
            deal = DealProposal(
                piece_cid=piece_cid_v1(sealed.comm_d),
                piece_size=size,
                verified_deal=False,
                client=worker_key.address,
                provider=miner,
                label="",
                start_epoch=ChainEpoch(0),
                end_epoch=expiration,
                storage_price_per_epoch=ZERO,
                provider_collateral=ZERO,
                client_collateral=ZERO,
            )
            signature = worker_key.sign(deal.encode())
        sectors.append(
            PresealSector(number, proof_type, sealed.comm_r, sealed.comm_d, expiration, deal, signature)
        )
    result = PresealMiner(
        miner, owner or worker_key.address, worker_key.address, proof_type, tuple(sectors), peer_id
    )
    atomic_write_bytes(out / MANIFEST, json.dumps(result.to_json(), indent=1).encode())
    return result


def load_preseal(directory: str | Path) -> PresealMiner:
    """The miner described by ``directory/preseal.json``."""
    path = Path(directory) / MANIFEST
    try:
        return PresealMiner.from_json(json.loads(path.read_text()))
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no preseal manifest") from None
    except json.JSONDecodeError as e:
        raise InvalidInput(f"{path}: not JSON ({e})") from None
