"""Gas: the price of each VM operation and the meter that charges it to a message.

The price list is Lotus's pre-FVM ``pricelistV0`` as of the Calico upgrade (``chain/vm/gas.go``,
``gas_v0.go``): every charge has a compute part and a storage part, the storage part being bytes times
``storage_gas_multi``. Filecoin's FVM prices Wasm execution instead; filnet runs Python actors, so it keeps
the per-operation schedule that Filecoin used before (the message inclusion cost, which bounds the
smallest valid gas limit, is the same in both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from filnet.core.token import TokenAmount
from filnet.crypto.signature import SignatureType
from filnet.errors import InvalidInput
from filnet.vm.exit_codes import ActorError, ExitCode

METHOD_SEND: Final = 0


@dataclass(frozen=True, slots=True)
class GasCharge:
    """One charge: its name (for traces), compute gas and storage gas."""

    name: str
    compute: int
    storage: int = 0

    @property
    def total(self) -> int:
        """Gas charged: compute plus storage."""
        return self.compute + self.storage


@dataclass(frozen=True, slots=True)
class PriceList:
    """Gas prices of the VM's operations (field names follow Lotus's ``pricelistV0``)."""

    storage_gas_multi: int = 1300
    on_chain_message_compute_base: int = 38863
    on_chain_message_storage_base: int = 36
    on_chain_message_storage_per_byte: int = 1
    on_chain_return_value_per_byte: int = 1
    send_base: int = 29233
    send_transfer_funds: int = 27500
    send_transfer_only_premium: int = 159672
    send_invoke_method: int = -5377  # running actor code is cheaper than a plain transfer's bookkeeping
    ipld_get_base: int = 114617
    ipld_put_base: int = 353640
    ipld_put_per_byte: int = 1
    create_actor_compute: int = 1108454
    create_actor_storage: int = 36 + 40  # an actor entry plus its address-map entry
    delete_actor: int = -(36 + 40)
    verify_signature: dict[SignatureType, int] = field(
        default_factory=lambda: {
            SignatureType.BLS: 16598605,
            SignatureType.SECP256K1: 1637292,
            SignatureType.DELEGATED: 1637292,
        }
    )
    hashing_base: int = 31355
    compute_unsealed_sector_cid_base: int = 98647
    verify_seal_base: int = 2000
    #: WindowPoSt verification: a flat part and a part per challenged sector, by sector size
    #: (``verifyPostLookup``; the small test sizes take the 2 KiB row).
    verify_post_small: tuple[int, int] = (123861062, 9226981)
    verify_post_large: tuple[int, int] = (748593537, 85639)
    verify_consensus_fault: int = 495422

    def on_chain_message(self, size: int) -> GasCharge:
        """Including a message of ``size`` bytes (its signed form for secp256k1) in a block."""
        storage = (
            self.on_chain_message_storage_base + self.on_chain_message_storage_per_byte * size
        ) * self.storage_gas_multi
        return GasCharge("OnChainMessage", self.on_chain_message_compute_base, storage)

    def on_chain_return_value(self, size: int) -> GasCharge:
        """Storing a receipt's return value of ``size`` bytes."""
        return GasCharge(
            "OnChainReturnValue", 0, size * self.on_chain_return_value_per_byte * self.storage_gas_multi
        )

    def on_method_invocation(self, value: TokenAmount, method: int) -> GasCharge:
        """Sending a message or an inner send: dearer with value, dearest for a bare transfer."""
        gas = self.send_base
        if value:
            gas += self.send_transfer_funds
            if method == METHOD_SEND:
                gas += self.send_transfer_only_premium
        if method != METHOD_SEND:
            gas += self.send_invoke_method
        return GasCharge("OnMethodInvocation", gas)

    def on_ipld_get(self) -> GasCharge:
        """Reading one block of state."""
        return GasCharge("OnIpldGet", self.ipld_get_base)

    def on_ipld_put(self, size: int) -> GasCharge:
        """Writing one block of state of ``size`` bytes."""
        return GasCharge(
            "OnIpldPut", self.ipld_put_base, size * self.ipld_put_per_byte * self.storage_gas_multi
        )

    def on_create_actor(self) -> GasCharge:
        """Creating an actor."""
        return GasCharge(
            "OnCreateActor", self.create_actor_compute, self.create_actor_storage * self.storage_gas_multi
        )

    def on_delete_actor(self) -> GasCharge:
        """Deleting an actor (a refund of the creation's storage)."""
        return GasCharge("OnDeleteActor", 0, self.delete_actor * self.storage_gas_multi)

    def on_verify_signature(self, signature_type: SignatureType) -> GasCharge:
        """Verifying one signature."""
        cost = self.verify_signature.get(signature_type)
        if cost is None:
            raise InvalidInput(f"no gas price for signature type {signature_type}")
        return GasCharge("OnVerifySignature", cost)

    def on_hashing(self) -> GasCharge:
        """Hashing data (blake2b-256) for an actor."""
        return GasCharge("OnHashing", self.hashing_base)

    def on_compute_unsealed_sector_cid(self) -> GasCharge:
        """Computing a sector's CommD from its pieces."""
        return GasCharge("OnComputeUnsealedSectorCid", self.compute_unsealed_sector_cid_base)

    def on_verify_seal(self) -> GasCharge:
        """Verifying one seal proof."""
        return GasCharge("OnVerifySeal", self.verify_seal_base)

    def on_verify_post(self, sector_size: int, sectors: int) -> GasCharge:
        """Verifying a WindowPoSt over ``sectors`` challenged sectors of ``sector_size`` bytes."""
        flat, scale = self.verify_post_large if sector_size >= 32 << 30 else self.verify_post_small
        return GasCharge("OnVerifyPost", flat + scale * sectors)

    def on_verify_consensus_fault(self) -> GasCharge:
        """Checking a consensus fault report."""
        return GasCharge("OnVerifyConsensusFault", self.verify_consensus_fault)


CALICO: Final = PriceList()
"""The prices Filecoin used from the Calico upgrade until the FVM."""


class GasMeter:
    """Charges gas against a message's limit; running out aborts with ``SYS_OUT_OF_GAS``."""

    def __init__(self, limit: int) -> None:
        if limit < 0:
            raise InvalidInput(f"gas limit {limit} is negative")
        self.limit = limit
        self.used = 0
        self.trace: list[GasCharge] = []

    @property
    def remaining(self) -> int:
        """Gas left."""
        return self.limit - self.used

    def charge(self, charge: GasCharge) -> None:
        """Charge ``charge``; when it does not fit, use up the limit and abort."""
        self.trace.append(charge)
        if self.used + charge.total > self.limit:
            self.used = self.limit
            raise ActorError(
                ExitCode.SYS_OUT_OF_GAS, f"not enough gas for {charge.name}: {charge.total} needed"
            )
        self.used += charge.total
