"""CAR files on disk: write a DAG atomically, wrap a CARv1 into an indexed CARv2, extract the CARv1 back.

Every output goes through :func:`filnet.core.fsutil.atomic_output`: a temporary name, renamed only when the
file is complete, so a failed write never leaves a partial CAR behind.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import BinaryIO

from filnet.car.reader import CarReader
from filnet.car.v1 import CarStats, write_car_v1
from filnet.car.v2 import PRAGMA, CarIndex, v2_header_for_payload, write_car_v2
from filnet.core.fsutil import atomic_output
from filnet.errors import InvalidInput
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID

_COPY_CHUNK = 1 << 20


def save_car(
    path: str | os.PathLike[str],
    roots: Sequence[CID],
    store: Blockstore,
    *,
    version: int = 1,
    verify: bool = False,
) -> CarStats:
    """Write the DAGs under ``roots`` to ``path`` as a CARv1 or an indexed CARv2, in canonical order."""
    if version not in (1, 2):
        raise InvalidInput(f"cannot write CAR version {version}")
    with atomic_output(path) as out:
        if version == 1:
            return write_car_v1(out, roots, store, verify=verify)
        stats, _ = write_car_v2(out, roots, store, verify=verify)
        return stats


def wrap_v1(src: BinaryIO, out: BinaryIO, *, verify: bool = True) -> CarIndex:
    """Copy the CARv1 in seekable ``src`` to ``out`` as a CARv2 with a MultihashIndexSorted index.

    Byte for byte what go-car's ``WrapV1`` writes: pragma, header, the CARv1 unchanged, the index. Unlike
    go-car, the input is checked to be a well-formed CARv1 first (and its blocks hashed unless ``verify``
    is off).
    """
    car = CarReader(src, owns=False, verify=verify)
    if car.version != 1:
        raise InvalidInput("the input is already a CARv2")
    if car.file_size is None:
        raise InvalidInput("wrapping a CARv1 needs a seekable input")
    start = car.data_offset
    blocks = car.blocks() if verify else car.sections()
    index = CarIndex.build((block.cid, block.offset - start) for block in blocks)
    size = car.file_size - start
    out.write(PRAGMA + v2_header_for_payload(size).encode())
    src.seek(start)
    _copy(src, out, size)
    out.write(index.encode())
    return index


def wrap_v1_file(
    src: str | os.PathLike[str], dst: str | os.PathLike[str], *, verify: bool = True
) -> CarIndex:
    """:func:`wrap_v1` from path to path (atomically)."""
    with open(src, "rb") as f, atomic_output(dst) as out:
        return wrap_v1(f, out, verify=verify)


def extract_v1_file(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    """Write the CARv1 payload of the CARv2 at ``src`` to ``dst``, unchanged (padding and index dropped)."""
    with open(src, "rb") as f, atomic_output(dst) as out:
        car = CarReader(f, owns=False, verify=False)
        if car.v2_header is None:
            raise InvalidInput(f"{src} is already a CARv1")
        f.seek(car.data_offset)
        _copy(f, out, car.v2_header.data_size)


def _copy(src: BinaryIO, out: BinaryIO, size: int) -> None:
    """Copy exactly ``size`` bytes."""
    left = size
    while left:
        chunk = src.read(min(left, _COPY_CHUNK))
        if not chunk:
            raise InvalidInput(f"input ended {left} bytes early while copying")
        out.write(chunk)
        left -= len(chunk)
