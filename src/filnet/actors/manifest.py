"""The builtin-actor manifest: which code CID is which actor.

Since actors v8 the system actor's state links to the manifest's data block, a list of ``[name, code CID]``
pairs (builtin-actors ``BuiltinActorManifest``). Before that, code CIDs were identity CIDs whose digest is
the text ``fil/<actors version>/<name>`` (raw codec, identity multihash), so the name is in the CID itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from filnet.actors.encoding import as_cid, as_list, as_str, decode_block
from filnet.errors import DecodeError
from filnet.ipld import multihash
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID

SYSTEM: Final = "system"
INIT: Final = "init"
CRON: Final = "cron"
ACCOUNT: Final = "account"
POWER: Final = "storagepower"
MINER: Final = "storageminer"
MARKET: Final = "storagemarket"
PAYCH: Final = "paymentchannel"
MULTISIG: Final = "multisig"
REWARD: Final = "reward"
VERIFREG: Final = "verifiedregistry"
DATACAP: Final = "datacap"
PLACEHOLDER: Final = "placeholder"
EVM: Final = "evm"
EAM: Final = "eam"
ETHACCOUNT: Final = "ethaccount"

UNKNOWN: Final = "unknown"


@dataclass(frozen=True, slots=True)
class Manifest:
    """Actor names and their code CIDs, in the manifest's own order."""

    entries: tuple[tuple[str, CID], ...]
    _by_code: Mapping[CID, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {code: name for name, code in self.entries})

    def name_of(self, code: CID) -> str | None:
        """The actor name of ``code``, or None when the manifest does not list it."""
        return self._by_code.get(code)

    def code_of(self, name: str) -> CID | None:
        """The code CID of actor ``name``, or None."""
        for entry_name, code in self.entries:
            if entry_name == name:
                return code
        return None

    def __iter__(self) -> Iterator[tuple[str, CID]]:
        return iter(self.entries)

    def to_ipld(self) -> list[Any]:
        """The manifest data block's data-model form."""
        return [[name, code] for name, code in self.entries]

    @classmethod
    def from_ipld(cls, raw: Any) -> Manifest:
        """Parse a manifest data block's value."""
        entries: list[tuple[str, CID]] = []
        for item in as_list(raw, "manifest"):
            pair = as_list(item, "manifest entry")
            if len(pair) != 2:
                raise DecodeError("manifest entry: expected [name, code CID]")
            entries.append((as_str(pair[0], "manifest name"), as_cid(pair[1], "manifest code")))
        return cls(tuple(entries))

    @classmethod
    def load(cls, store: Blockstore, data: CID) -> Manifest:
        """Load the manifest data block ``data``."""
        return cls.from_ipld(decode_block(store.get(data), f"manifest {data}"))


def identity_actor_name(code: CID) -> str | None:
    """The name inside an identity code CID (``fil/7/storageminer`` gives ``storageminer``), else None."""
    if code.hash_code != multihash.IDENTITY:
        return None
    try:
        text = code.digest.decode("ascii")
    except UnicodeDecodeError:
        return None
    parts = text.split("/")
    if len(parts) != 3 or parts[0] != "fil" or not parts[1].isdigit() or not parts[2]:
        return None
    return parts[2]


def actor_name(code: CID, manifest: Manifest | None) -> str:
    """An actor's name from the state's manifest or from an identity code CID; ``unknown`` otherwise."""
    if manifest is not None:
        name = manifest.name_of(code)
        if name is not None:
            return name
    return identity_actor_name(code) or UNKNOWN
