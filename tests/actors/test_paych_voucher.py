"""Payment channel vouchers and params: their CBOR form, signing bytes and Lotus's text form."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filnet.actors.account.actor import ACTOR as ACCOUNT
from filnet.actors.account.actor import AuthenticateMessageParams
from filnet.actors.account.methods import Method as AccountMethod
from filnet.actors.account.state import AccountState
from filnet.actors.paych.types import (
    ConstructorParams,
    Merge,
    ModVerifyParams,
    PaymentVerifyParams,
    SignedVoucher,
    UpdateChannelStateParams,
)
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch, MethodNum
from filnet.crypto.keys import PrivateKey
from filnet.crypto.signature import Signature, SignatureType, is_valid_signature
from filnet.errors import DecodeError
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.testing import FakeRuntime

CHANNEL = Address.new_id(100)

addresses = st.builds(Address.new_id, st.integers(0, (1 << 63) - 1)) | st.builds(
    Address.new_actor, st.binary(min_size=1, max_size=30)
)
uint64 = st.integers(0, (1 << 64) - 1)
epochs = st.integers(-(1 << 63), (1 << 63) - 1).map(ChainEpoch)
signatures = st.builds(Signature, st.sampled_from(list(SignatureType)), st.binary(max_size=96)) | st.none()
vouchers = st.builds(
    SignedVoucher,
    channel_addr=addresses,
    time_lock_min=epochs,
    time_lock_max=epochs,
    secret_hash=st.binary(max_size=32),
    extra=st.none() | st.builds(ModVerifyParams, addresses, uint64.map(MethodNum), st.binary(max_size=20)),
    lane=uint64,
    nonce=uint64,
    amount=st.builds(TokenAmount, st.integers(-(1 << 100), 1 << 100)),
    min_settle_height=epochs,
    merges=st.lists(st.builds(Merge, uint64, uint64), max_size=3).map(tuple),
    signature=signatures,
)


def test_known_encoding() -> None:
    # [f0100, 1, 0, h'', null, 0, 1, BigInt 1, 0, [], null], as cbor-gen writes Lotus's SignedVoucher
    sv = SignedVoucher(CHANNEL, time_lock_min=ChainEpoch(1), nonce=1, amount=TokenAmount(1))
    assert sv.encode().hex() == "8b420064010040f600014200010080f6"
    assert SignedVoucher.decode(sv.encode()) == sv


def test_known_encoding_with_extra_merges_and_signature() -> None:
    sv = SignedVoucher(
        CHANNEL,
        secret_hash=b"\xaa",
        extra=ModVerifyParams(Address.new_id(5), MethodNum(2), b"\x01"),
        lane=7,
        merges=(Merge(1, 2),),
        signature=Signature(SignatureType.SECP256K1, b"\x55"),
    )
    expected = "8b420064000041aa834200050241010700400081820102420155"
    assert sv.encode().hex() == expected


@given(vouchers)
def test_voucher_round_trip(sv: SignedVoucher) -> None:
    assert SignedVoucher.decode(sv.encode()) == sv
    assert SignedVoucher.from_string(sv.to_string()) == sv


@given(vouchers, signatures)
def test_signing_bytes_ignore_the_signature(sv: SignedVoucher, signature: Signature | None) -> None:
    signing = sv.signing_bytes()
    assert dagcbor.decode(signing)[10] is None
    if signature is not None:
        assert sv.with_signature(signature).signing_bytes() == signing
    unsigned = SignedVoucher.decode(signing)
    assert unsigned.signature is None and unsigned.encode() == signing


@given(vouchers, st.binary(max_size=300))
def test_update_params_round_trip(sv: SignedVoucher, secret: bytes) -> None:
    params = UpdateChannelStateParams(sv, secret)
    assert UpdateChannelStateParams.decode(params.encode()) == params


@given(addresses, addresses, st.binary(max_size=20), st.binary(max_size=20))
def test_other_params_round_trip(a: Address, b: Address, extra: bytes, proof: bytes) -> None:
    assert ConstructorParams.decode(ConstructorParams(a, b).encode()) == ConstructorParams(a, b)
    verify = PaymentVerifyParams(extra, proof)
    assert PaymentVerifyParams.decode(verify.encode()) == verify


@given(st.binary(max_size=80))
def test_random_bytes_fail_cleanly(data: bytes) -> None:
    for kind in (SignedVoucher, UpdateChannelStateParams, ConstructorParams, PaymentVerifyParams):
        with contextlib.suppress(DecodeError):
            kind.decode(data)


@given(vouchers, st.data())
def test_mutated_vouchers_fail_cleanly(sv: SignedVoucher, data: st.DataObject) -> None:
    encoded = bytearray(sv.encode())
    for _ in range(data.draw(st.integers(1, 3))):
        encoded[data.draw(st.integers(0, len(encoded) - 1))] = data.draw(st.integers(0, 255))
    try:
        decoded = SignedVoucher.decode(bytes(encoded))
    except DecodeError:
        return
    assert SignedVoucher.decode(decoded.encode()) == decoded


@pytest.mark.parametrize(
    "raw",
    [
        dagcbor.encode([b"\x00\x64"] + [0] * 10),  # 11 fields of the wrong kinds
        dagcbor.encode([b"\x00\x64", 0, 0, b"", None, 0, 0, b"", 0, [], b""]),  # empty signature
        dagcbor.encode([b"\x00\x64", 0, 0, b"", None, 0, 0, b"", 0, [], b"\x09ab"]),  # unknown sig type
        dagcbor.encode([b"\x00\x64", 0, 0, b"", None, -1, 0, b"", 0, [], None]),  # negative lane
        dagcbor.encode([b"\x00\x64", 0, 0, b"", [b"\x00\x01"], 0, 0, b"", 0, [], None]),  # short extra
        dagcbor.encode([b"\x00\x64", 0, 0, b"", None, 0, 0, b"\x00", 0, [], None]),  # non-canonical amount
        dagcbor.encode([b"\x00\x64", 0, 0, b"", None, 0, 0, b"", 0, [[1]], None]),  # short merge
        dagcbor.encode([b"\x00\x64", 0, 0, b"", None, 0, 0, b"", 0, [], None, 0]),  # 12 fields
    ],
)
def test_invalid_vouchers(raw: bytes) -> None:
    with pytest.raises(DecodeError):
        SignedVoucher.decode(raw)


def test_text_form_is_unpadded_base64url() -> None:
    sv = SignedVoucher(CHANNEL, time_lock_min=ChainEpoch(1), nonce=1, amount=TokenAmount(1))
    text = sv.to_string()
    assert text == "i0IAZAEAQPYAAUIAAQCA9g"
    assert SignedVoucher.from_string(text) == sv
    for bad in (text + "==", text[:-1] + "+", text + "!", "i0IAZAEAQPYAAUIAAQCA9", ""):
        with pytest.raises(DecodeError):
            SignedVoucher.from_string(bad)


@pytest.mark.parametrize("key_type", ["secp256k1", "bls"])
def test_a_signed_voucher_authenticates_with_the_payers_account(key_type: str) -> None:
    # The payer's wallet signs the signing bytes; the payer's account actor vouches for it when the
    # channel sends AuthenticateMessage with the signature's bytes (no type byte) and those signing bytes.
    payer = PrivateKey.generate(key_type)
    sv = SignedVoucher(CHANNEL, lane=3, nonce=9, amount=TokenAmount(10**18))
    signed = sv.with_signature(payer.sign(sv.signing_bytes()))
    assert signed.signature is not None
    assert is_valid_signature(signed.signature, payer.address, signed.signing_bytes())

    account = Address.new_id(101)
    rt = FakeRuntime(account, caller=CHANNEL, caller_name="paymentchannel")
    rt.add_actor(account, "account", payer.address)
    rt.create_state(AccountState(payer.address))
    params = AuthenticateMessageParams(signed.signature.data, signed.signing_bytes())
    method = AccountMethod.AUTHENTICATE_MESSAGE_EXPORTED
    assert dagcbor.decode(rt.call(ACCOUNT, method, dagcbor.encode(params.to_ipld()))) is True

    tampered = AuthenticateMessageParams(signed.signature.data, sv.with_signature(signed.signature).encode())
    with pytest.raises(ActorError) as raised:
        rt.call(ACCOUNT, method, dagcbor.encode(tampered.to_ipld()))
    assert raised.value.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
