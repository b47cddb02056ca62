"""The VRF of tickets and election proofs: a BLS signature of the draw, by the miner's worker key.

A proof is ``sign(worker_key, input)``; it is checked like any BLS signature, and the VRF output used by the
election (Lotus ``ElectionProof.ComputeWinCount``, ``Ticket.Less``) is blake2b-256 of the proof. BLS
signatures are unique per key and message, which is what makes them a VRF.
"""

from __future__ import annotations

import hashlib

from filnet.core.address import Address
from filnet.crypto import bls
from filnet.crypto.signature import InvalidSignature, Signature, SignatureType, verify_signature
from filnet.errors import InvalidInput


def prove(private_key: bytes, vrf_input: bytes) -> bytes:
    """The 96-byte VRF proof of ``vrf_input`` under a BLS private key (little-endian)."""
    return bls.sign(private_key, vrf_input)


def verify(worker: Address, vrf_input: bytes, proof: bytes) -> None:
    """Raise :class:`InvalidSignature` unless ``proof`` is ``worker``'s VRF proof of ``vrf_input``."""
    # Lotus's VerifyVRF checks the proof as an ordinary BLS signature by the worker's f3 address.
    try:
        signature = Signature(SignatureType.BLS, proof)
    except InvalidInput as e:
        raise InvalidSignature(f"invalid VRF proof: {e}") from None
    verify_signature(signature, worker, vrf_input)


def output(proof: bytes) -> bytes:
    """The VRF output: blake2b-256 of the proof."""
    return hashlib.blake2b(proof, digest_size=32).digest()
