"""Verified registry actor method numbers (builtin-actors ``fil_actor_verifreg::Method``)."""

from __future__ import annotations

from enum import IntEnum

from filnet.core.frc42 import method_number


class Method(IntEnum):
    """Methods of the verified registry actor (5 and 6, UseBytes and RestoreBytes, are retired)."""

    CONSTRUCTOR = 1
    ADD_VERIFIER = 2
    REMOVE_VERIFIER = 3
    ADD_VERIFIED_CLIENT = 4
    REMOVE_VERIFIED_CLIENT_DATA_CAP = 7
    REMOVE_EXPIRED_ALLOCATIONS = 8
    CLAIM_ALLOCATIONS = 9
    GET_CLAIMS = 10
    EXTEND_CLAIM_TERMS = 11
    REMOVE_EXPIRED_CLAIMS = 12
    ADD_VERIFIED_CLIENT_EXPORTED = method_number("AddVerifiedClient")
    REMOVE_EXPIRED_ALLOCATIONS_EXPORTED = method_number("RemoveExpiredAllocations")
    GET_CLAIMS_EXPORTED = method_number("GetClaims")
    EXTEND_CLAIM_TERMS_EXPORTED = method_number("ExtendClaimTerms")
    REMOVE_EXPIRED_CLAIMS_EXPORTED = method_number("RemoveExpiredClaims")
    UNIVERSAL_RECEIVER_HOOK = method_number("Receive")
