"""Message application: signed secp256k1 value transfers per second, against coincurve's key recoveries.

Run: .venv/bin/python bench/bench_vm.py [--messages N] [--accounts N]
A genesis funds 1,000 secp256k1 accounts; 10,000 transfers among them (signed before timing) are applied
with signature checks, gas, and the fee split, and the state is flushed at the end. The figure is messages
per second divided by coincurve public-key recoveries per second measured in the same run (each message
needs one recovery, so 1.0 would mean the VM costs nothing beyond its signature check). Target: ≥ 0.1.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time

import coincurve

from filnet.chain.genesis import GenesisAccount, GenesisConfig, build_genesis
from filnet.chain.message import Message, SignedMessage
from filnet.core.token import TokenAmount
from filnet.core.types import MethodNum, Nonce
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.vm.exit_codes import ExitCode
from filnet.vm.interpreter.apply import apply_signed_message
from filnet.vm.interpreter.machine import Machine, SeededRandomness

BASE_FEE = TokenAmount(100)


def recoveries_per_second(seconds: float = 1.0) -> float:
    """coincurve public-key recoveries per second (the baseline)."""
    key = coincurve.PrivateKey(hashlib.sha256(b"bench").digest())
    digest = hashlib.blake2b(b"message", digest_size=32).digest()
    signature = key.sign_recoverable(digest, hasher=None)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(200):
            coincurve.PublicKey.from_signature_and_message(signature, digest, hasher=None)
        count += 200
    return count / (time.perf_counter() - start)


def signed_transfers(keys: list[PrivateKey], count: int, seed: int = 1) -> list[SignedMessage]:
    """``count`` signed transfers between random pairs of ``keys``, nonces in order per sender."""
    rng = random.Random(seed)
    nonces = [0] * len(keys)
    messages = []
    for _ in range(count):
        sender, receiver = rng.sample(range(len(keys)), 2)
        message = Message(
            to=keys[receiver].address,
            sender=keys[sender].address,
            nonce=Nonce(nonces[sender]),
            value=TokenAmount(rng.randrange(1, 10**15)),
            gas_limit=1_000_000,
            gas_fee_cap=TokenAmount(1_000),
            gas_premium=TokenAmount(100),
            method=MethodNum(0),
        )
        nonces[sender] += 1
        messages.append(SignedMessage(message, keys[sender].sign(message.signing_bytes())))
    return messages


def main() -> None:
    """Print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=1_000)
    args = parser.parse_args()

    rng = random.Random(7)
    keys = [PrivateKey(KeyType.SECP256K1, rng.randbytes(31) + b"\x01") for _ in range(args.accounts)]
    accounts = tuple(GenesisAccount(k.address, TokenAmount.from_fil(1_000)) for k in keys)
    store = MemoryBlockstore()
    root = build_genesis(store, GenesisConfig("bench", accounts))
    messages = signed_transfers(keys, args.messages)

    baseline = recoveries_per_second()
    machine = Machine(store, root, 1, BASE_FEE, SeededRandomness(b"bench"))
    start = time.perf_counter()
    for signed in messages:
        result = apply_signed_message(machine, signed)
        if result.receipt.exit_code is not ExitCode.OK:
            raise SystemExit(f"transfer failed: {result.failure}")
    new_root = machine.flush()
    elapsed = time.perf_counter() - start
    rate = len(messages) / elapsed

    print(f"coincurve recoveries/s (baseline): {baseline:,.0f}")
    print(
        f"{len(messages):,} transfers among {len(keys):,} accounts + flush: "
        f"{elapsed:.2f} s, {rate:,.0f} msgs/s"
    )
    print(f"messages/s ÷ recoveries/s: {rate / baseline:.3f}   (target ≥ 0.1)   state root {new_root}")


if __name__ == "__main__":
    main()
