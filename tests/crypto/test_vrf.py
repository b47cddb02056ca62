"""The VRF of tickets and election proofs: BLS signatures of randomness draws by the worker key."""

from __future__ import annotations

import hashlib

import pytest

from filnet.core.address import Address
from filnet.crypto import bls, vrf
from filnet.crypto.randomness import DomainSeparationTag, draw_randomness
from filnet.crypto.signature import InvalidSignature


def test_vrf_prove_verify_output() -> None:
    secret = bls.generate_private_key()
    worker = Address.new_bls(bls.public_key(secret))
    vrf_input = draw_randomness(b"beacon", DomainSeparationTag.TICKET_PRODUCTION, 10, bytes(worker))
    proof = vrf.prove(secret, vrf_input)
    vrf.verify(worker, vrf_input, proof)
    assert vrf.output(proof) == hashlib.blake2b(proof, digest_size=32).digest()
    assert proof == vrf.prove(secret, vrf_input)  # unique: a VRF
    with pytest.raises(InvalidSignature):
        vrf.verify(worker, vrf_input + b"x", proof)
    with pytest.raises(InvalidSignature):
        vrf.verify(Address.new_id(1000), vrf_input, proof)
    with pytest.raises(InvalidSignature):
        vrf.verify(worker, vrf_input, proof[:-1])


def test_oversized_proof_is_an_invalid_signature() -> None:
    worker = Address.new_bls(bls.public_key(bls.generate_private_key()))
    with pytest.raises(InvalidSignature):
        vrf.verify(worker, b"input", bytes(10_000))
