"""The typed actor states filnet knows, by actor name, behind one small protocol."""

from __future__ import annotations

from typing import Any, Final, Protocol

from filnet.actors import manifest
from filnet.actors.account.state import AccountState
from filnet.actors.cron.state import CronState
from filnet.actors.datacap.state import DatacapState
from filnet.actors.init.state import InitState
from filnet.actors.market.state import MarketState
from filnet.actors.miner.state import MinerState
from filnet.actors.multisig.state import MultisigState
from filnet.actors.paych.state import PaychState
from filnet.actors.power.state import PowerState
from filnet.actors.reward.state import RewardState
from filnet.actors.system.state import SystemState
from filnet.actors.verifreg.state import VerifregState
from filnet.core.address import MAINNET


class ActorStateValue(Protocol):
    """What every typed actor state offers."""

    def encode(self) -> bytes:
        """DAG-CBOR bytes."""
        ...

    def to_json(self, network: str = MAINNET) -> dict[str, Any]:
        """Lotus-style JSON, addresses printed with ``network``'s prefix."""
        ...


class ActorStateType(Protocol):
    """A typed actor state class."""

    def decode(self, data: bytes) -> ActorStateValue:
        """Parse DAG-CBOR bytes."""
        ...


STATE_TYPES: Final[dict[str, ActorStateType]] = {
    manifest.SYSTEM: SystemState,
    manifest.INIT: InitState,
    manifest.ACCOUNT: AccountState,
    manifest.CRON: CronState,
    manifest.REWARD: RewardState,
    manifest.MULTISIG: MultisigState,
    manifest.PAYCH: PaychState,
    manifest.POWER: PowerState,
    manifest.MARKET: MarketState,
    manifest.MINER: MinerState,
    manifest.VERIFREG: VerifregState,
    manifest.DATACAP: DatacapState,
}
"""Actor name -> state type, for the actors whose state filnet types so far."""
