"""Wrapper overhead of filnet's signature code against coincurve and pyblst used directly, in the same run.

Each line: operations per second through filnet and through the library called directly with the same inputs
(bytes in, bytes out), their ratio, and the wrapper's cost as the median ratio of alternating timed pairs.
Run: ``.venv/bin/python bench/bench_crypto.py``.
"""

from __future__ import annotations

import functools
import hashlib
import operator
import statistics
import time
from collections.abc import Callable

import coincurve
from pyblst import BlstP1Element, BlstP2Element, final_verify, miller_loop

from filnet.crypto import bls
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.crypto.signature import verify_signature

DST = bls.DST
G1 = BlstP1Element.uncompress(bls.public_key((1).to_bytes(32, "little")))
MESSAGE = bytes(range(38))  # the size of a message CID


def timed(fn: Callable[[], object], count: int) -> float:
    """Seconds taken by ``count`` calls of ``fn``."""
    start = time.perf_counter()
    for _ in range(count):
        fn()
    return time.perf_counter() - start


def compare(
    name: str, ours: Callable[[], object], direct: Callable[[], object], count: int, pairs: int = 31
) -> None:
    """Time both in many short alternating pairs, so load bursts hit them alike.

    Rates come from each side's fastest batch; the wrapper cost is the median of the per-pair time ratios,
    which a burst of load during one batch cannot skew.
    """
    ours_times, direct_times = [], []
    for _ in range(pairs):
        direct_times.append(timed(direct, count))
        ours_times.append(timed(ours, count))
    ratios = sorted(o / d for o, d in zip(ours_times, direct_times, strict=True))
    cost = statistics.median(ratios) - 1
    ours_rate, direct_rate = count / min(ours_times), count / min(direct_times)
    print(
        f"{name:<32} filnet {ours_rate:>9,.0f}/s  direct {direct_rate:>9,.0f}/s  "
        f"ratio {ours_rate / direct_rate:.3f}  wrapper cost (median of pairs) {cost:+.1%}"
    )


def secp256k1_benches() -> None:
    key = PrivateKey.generate(KeyType.SECP256K1)
    secret, address = key.secret, key.address
    signature = key.sign(MESSAGE)

    native = coincurve.PrivateKey(secret)

    def direct_sign() -> bytes:
        digest = hashlib.blake2b(MESSAGE, digest_size=32).digest()
        return native.sign_recoverable(digest, hasher=None)

    def direct_verify() -> bool:
        digest = hashlib.blake2b(MESSAGE, digest_size=32).digest()
        pub = coincurve.PublicKey.from_signature_and_message(signature.data, digest, hasher=None)
        return hashlib.blake2b(pub.format(compressed=False), digest_size=20).digest() == address.payload

    compare("secp256k1 sign", lambda: key.sign(MESSAGE), direct_sign, 300)
    compare("secp256k1 verify", lambda: verify_signature(signature, address, MESSAGE), direct_verify, 300)


def bls_benches() -> None:
    key = PrivateKey.generate(KeyType.BLS)
    secret, address = key.secret, key.address
    signature = key.sign(MESSAGE)

    scalar = int.from_bytes(secret, "little")

    def direct_sign() -> bytes:
        return bytes(BlstP2Element.hash_to_group(MESSAGE, DST).scalar_mul(scalar).compress())

    def direct_verify() -> bool:
        pk = BlstP1Element.uncompress(address.payload)
        sig = BlstP2Element.uncompress(signature.data)
        return bool(
            final_verify(miller_loop(pk, BlstP2Element.hash_to_group(MESSAGE, DST)), miller_loop(G1, sig))
        )

    compare("bls sign", lambda: key.sign(MESSAGE), direct_sign, 30)
    compare("bls verify", lambda: verify_signature(signature, address, MESSAGE), direct_verify, 15)

    secrets = [bls.generate_private_key() for _ in range(100)]
    keys = [bls.public_key(s) for s in secrets]
    messages = [MESSAGE + i.to_bytes(2, "big") for i in range(100)]
    aggregate = bls.aggregate([bls.sign(s, m) for s, m in zip(secrets, messages, strict=True)])

    def direct_aggregate_verify() -> bool:
        sig = BlstP2Element.uncompress(aggregate)
        pairings = (
            miller_loop(BlstP1Element.uncompress(k), BlstP2Element.hash_to_group(m, DST))
            for k, m in zip(keys, messages, strict=True)
        )
        return bool(final_verify(functools.reduce(operator.mul, pairings), miller_loop(G1, sig)))

    assert bls.aggregate_verify(keys, messages, aggregate) and direct_aggregate_verify()
    compare(
        "bls aggregate-verify (100 msgs)",
        lambda: bls.aggregate_verify(keys, messages, aggregate),
        direct_aggregate_verify,
        1,
        pairs=15,
    )


def main() -> None:
    print("filnet crypto wrappers vs. the libraries called directly (same inputs, same run)")
    secp256k1_benches()
    bls_benches()


if __name__ == "__main__":
    main()
