"""The builtin singleton actors' ID addresses (builtin-actors ``runtime/src/builtin/singletons.rs``)."""

from __future__ import annotations

from typing import Final

from filnet.core.address import Address

SYSTEM_ACTOR: Final = Address.new_id(0)
INIT_ACTOR: Final = Address.new_id(1)
REWARD_ACTOR: Final = Address.new_id(2)
CRON_ACTOR: Final = Address.new_id(3)
STORAGE_POWER_ACTOR: Final = Address.new_id(4)
STORAGE_MARKET_ACTOR: Final = Address.new_id(5)
VERIFIED_REGISTRY_ACTOR: Final = Address.new_id(6)
DATACAP_TOKEN_ACTOR: Final = Address.new_id(7)
EAM_ACTOR: Final = Address.new_id(10)
BURNT_FUNDS_ACTOR: Final = Address.new_id(99)
