"""CAR (Content Addressable aRchive) files: CARv1 and CARv2.

* :mod:`filnet.car.v1` -- header, sections, canonical depth-first writer (:func:`write_car_v1`).
* :mod:`filnet.car.v2` -- CARv2 header, MultihashIndexSorted index, indexed writer (:func:`write_car_v2`).
* :mod:`filnet.car.reader` -- streaming, verifying reader for v1, v2 and ``.zst`` (:func:`open_car`).
* :mod:`filnet.car.store` -- read-only block store over a CAR file (:class:`CarBlockstore`).
* :mod:`filnet.car.spool` -- temporary-file block store for staging huge imports (:class:`SpoolBlockstore`).
* :mod:`filnet.car.verify` -- whole-file verification (:func:`verify_car`).
* :mod:`filnet.car.files` -- atomic file outputs, v1/v2 conversion (:func:`save_car`, :func:`wrap_v1_file`).
"""

from filnet.car.files import extract_v1_file, save_car, wrap_v1, wrap_v1_file
from filnet.car.reader import CarBlock, CarReader, Section, load_car, open_car, open_car_file
from filnet.car.spool import SpoolBlockstore
from filnet.car.store import CarBlockstore
from filnet.car.v1 import CarHeader, CarStats, CarV1Writer, write_car_v1
from filnet.car.v2 import CarIndex, CarV2Header, write_car_v2
from filnet.car.verify import CarReport, MissingLink, verify_car

__all__ = [
    "CarBlock",
    "CarBlockstore",
    "CarHeader",
    "CarIndex",
    "CarReader",
    "CarReport",
    "CarStats",
    "CarV1Writer",
    "CarV2Header",
    "MissingLink",
    "Section",
    "SpoolBlockstore",
    "extract_v1_file",
    "load_car",
    "open_car",
    "open_car_file",
    "save_car",
    "verify_car",
    "wrap_v1",
    "wrap_v1_file",
    "write_car_v1",
    "write_car_v2",
]
