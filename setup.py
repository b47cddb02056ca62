"""Build the native fast paths (C extensions) that live beside their pure-Python references.

Every extension here has a pure-Python twin that gives identical results; tests compare the two.
"""

from setuptools import Extension, setup

_CFLAGS = ["-O3", "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fno-strict-aliasing"]

EXTENSIONS = [
    # SHA-256 (SHA-NI when the CPU has it, portable C otherwise) and the CommP sha254 tree.
    Extension(
        "filnet.piece._native",
        sources=["src/filnet/piece/_native.c", "src/filnet/native/sha256.c"],
        depends=["src/filnet/native/sha256.h"],
        extra_compile_args=_CFLAGS,
    ),
    # SDR: parent cache (ChaCha8 bucket sampling, blake2b Feistel) and layer labels.
    Extension(
        "filnet.proofs._sdr_native",
        sources=["src/filnet/proofs/_sdr_native.c", "src/filnet/native/sha256.c"],
        depends=["src/filnet/native/sha256.h"],
        extra_compile_args=_CFLAGS,
    ),
    # Poseidon over BLS12-381 Fr (Montgomery arithmetic, sparse partial rounds) for Merkle trees and tree_c.
    Extension(
        "filnet.proofs._poseidon_native",
        sources=["src/filnet/proofs/_poseidon_native.c"],
        extra_compile_args=_CFLAGS,
    ),
]

setup(ext_modules=EXTENSIONS)
