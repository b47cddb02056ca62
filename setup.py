"""Build the native fast paths (C extensions) that live beside their pure-Python references.

Every extension here has a pure-Python twin that gives identical results; tests compare the two.
"""

from setuptools import Extension, setup

_CFLAGS = ["-O3", "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fno-strict-aliasing"]

EXTENSIONS = [
    # SHA-256 (SHA-NI when the CPU has it, portable C otherwise) and the CommP sha254 tree.
    Extension(
        "filnet.piece._native",
        sources=["src/filnet/piece/_native.c"],
        extra_compile_args=_CFLAGS,
    ),
]

setup(ext_modules=EXTENSIONS)
