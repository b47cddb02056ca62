"""Hostile params for every method of the storage actors, through the real VM, from every kind of caller:
each call ends in a receipt (any exit code), never in a Python exception out of an actor (which the VM
would treat as a node failure)."""

from __future__ import annotations

import random
from enum import IntEnum

import pytest

from filnet.actors.datacap.methods import Method as DatacapMethod
from filnet.actors.market.methods import Method as MarketMethod
from filnet.actors.miner.methods import Method as MinerMethod
from filnet.actors.power.methods import Method as PowerMethod
from filnet.actors.singletons import (
    CRON_ACTOR,
    DATACAP_TOKEN_ACTOR,
    STORAGE_MARKET_ACTOR,
    STORAGE_POWER_ACTOR,
    SYSTEM_ACTOR,
    VERIFIED_REGISTRY_ACTOR,
)
from filnet.actors.verifreg.methods import Method as VerifregMethod
from filnet.chain.message import Message
from filnet.core.address import Address
from filnet.core.token import ZERO
from filnet.core.types import MethodNum, Nonce
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ExitCode
from filnet.vm.interpreter.apply import apply_implicit_message
from tests.integration.storage_world import StorageWorld


def _hostile_params(rng: random.Random, address: Address) -> list[bytes]:
    """Malformed and plausible-looking parameter blocks."""
    blobs = [
        b"",
        rng.randbytes(rng.randrange(1, 40)),
        dagcbor.encode([]),
        dagcbor.encode(0),
        dagcbor.encode([bytes(address)]),
        dagcbor.encode([bytes(address), b"\x00\x01", 7, [], -1]),
        dagcbor.encode([[0, bytes(address), 2**63, b""], [], True]),
        dagcbor.encode({"a": [1, 2, 3]}),
    ]
    return blobs


@pytest.mark.parametrize(
    ("target", "methods"),
    [
        ("miner", MinerMethod),
        ("power", PowerMethod),
        ("market", MarketMethod),
        ("verifreg", VerifregMethod),
        ("datacap", DatacapMethod),
    ],
)
def test_hostile_params_never_escape_an_actor(target: str, methods: type[IntEnum]) -> None:
    world = StorageWorld()
    miner = world.create_miner().id_address
    receiver = {
        "miner": miner,
        "power": STORAGE_POWER_ACTOR,
        "market": STORAGE_MARKET_ACTOR,
        "verifreg": VERIFIED_REGISTRY_ACTOR,
        "datacap": DATACAP_TOKEN_ACTOR,
    }[target]
    account = world.machine.resolve(world.keys.owner.address)
    assert account is not None
    callers = (account, SYSTEM_ACTOR, CRON_ACTOR, STORAGE_POWER_ACTOR, STORAGE_MARKET_ACTOR, miner)
    rng = random.Random(target)
    codes: set[ExitCode] = set()
    for method in methods:
        if int(method) == 1:
            continue  # constructors only run from the system or init actor at creation
        for caller in callers:
            for params in _hostile_params(rng, miner):
                message = Message(
                    to=receiver,
                    sender=caller,
                    nonce=Nonce(0),
                    value=ZERO,
                    gas_limit=10_000_000_000,
                    gas_fee_cap=ZERO,
                    gas_premium=ZERO,
                    method=MethodNum(int(method)),
                    params=params,
                )
                world.machine.begin()
                result = apply_implicit_message(world.machine, message)
                world.machine.rollback()  # keep each call independent of the ones before
                codes.add(result.receipt.exit_code)
    # The params reached the decoders (and, past them, other checks), not only a caller check.
    assert ExitCode.USR_SERIALIZATION in codes and len(codes) >= 2, codes
