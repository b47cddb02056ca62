"""Distinct integer types of the Filecoin protocol, so a nonce is never passed where an epoch is expected."""

from __future__ import annotations

from typing import Final, NewType

#: A chain height (Lotus ``abi.ChainEpoch``, a signed 64-bit integer).
ChainEpoch = NewType("ChainEpoch", int)
#: The number behind an ID address ``f0<n>`` (Lotus ``abi.ActorID``, below 2**63).
ActorID = NewType("ActorID", int)
#: An actor method number (Lotus ``abi.MethodNum``, an unsigned 64-bit integer).
MethodNum = NewType("MethodNum", int)
#: A message sequence number of an account (unsigned 64-bit).
Nonce = NewType("Nonce", int)

INT64_MIN: Final = -(1 << 63)
INT64_MAX: Final = (1 << 63) - 1
UINT64_MAX: Final = (1 << 64) - 1
