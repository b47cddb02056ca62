"""Gas prices (Lotus's Calico price list) and the gas meter."""

from __future__ import annotations

import pytest

from filnet.core.token import TokenAmount
from filnet.crypto.signature import SignatureType
from filnet.errors import InvalidInput
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.gas import CALICO, GasCharge, GasMeter


def test_prices() -> None:
    # A 100-byte message: 38863 compute + (36 + 100) * 1300 storage.
    assert CALICO.on_chain_message(100).total == 38863 + 136 * 1300
    assert CALICO.on_chain_return_value(10).total == 13000
    assert CALICO.on_method_invocation(TokenAmount(0), 0).total == 29233
    assert CALICO.on_method_invocation(TokenAmount(1), 0).total == 29233 + 27500 + 159672
    assert CALICO.on_method_invocation(TokenAmount(1), 2).total == 29233 + 27500 - 5377
    assert CALICO.on_method_invocation(TokenAmount(0), 2).total == 29233 - 5377
    assert CALICO.on_ipld_get().total == 114617
    assert CALICO.on_ipld_put(50).total == 353640 + 50 * 1300
    assert CALICO.on_create_actor().total == 1108454 + 76 * 1300
    assert CALICO.on_delete_actor().total == -76 * 1300
    assert CALICO.on_verify_signature(SignatureType.SECP256K1).total == 1637292
    assert CALICO.on_verify_signature(SignatureType.BLS).total == 16598605
    assert CALICO.on_hashing().total == 31355


def test_meter() -> None:
    meter = GasMeter(1000)
    meter.charge(GasCharge("a", 600, 100))
    assert (meter.used, meter.remaining) == (700, 300)
    with pytest.raises(ActorError) as info:
        meter.charge(GasCharge("b", 301))
    assert info.value.exit_code is ExitCode.SYS_OUT_OF_GAS
    assert meter.used == 1000 and [c.name for c in meter.trace] == ["a", "b"]
    with pytest.raises(InvalidInput):
        GasMeter(-1)
