"""Datacap and FRC-46 params/returns: CBOR round trips, exact encodings, hostile bytes rejected."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors.datacap import types as t
from filnet.actors.encoding import CborTuple, Transparent
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ActorID
from filnet.errors import DecodeError
from filnet.ipld import dagcbor

ids = st.integers(0, 2**63 - 1).map(Address.new_id)
actor_ids = st.integers(0, 2**63 - 1).map(ActorID)
amounts = st.integers(-(10**40), 10**40).map(TokenAmount)
data = st.binary(max_size=40)

VALUES: list[st.SearchStrategy[Any]] = [
    st.builds(t.ConstructorParams, ids),
    st.builds(t.NameReturn, st.text(max_size=10)),
    st.builds(t.SymbolReturn, st.text(max_size=10)),
    st.builds(t.GranularityReturn, st.integers(0, 2**64 - 1)),
    st.builds(t.TotalSupplyReturn, amounts),
    st.builds(t.BalanceParams, ids),
    st.builds(t.BalanceReturn, amounts),
    st.builds(t.GetAllowanceReturn, amounts),
    st.builds(t.IncreaseAllowanceReturn, amounts),
    st.builds(t.DecreaseAllowanceReturn, amounts),
    st.builds(t.RevokeAllowanceReturn, amounts),
    st.builds(t.MintParams, ids, amounts, st.lists(ids, max_size=3).map(tuple)),
    st.builds(t.DestroyParams, ids, amounts),
    st.builds(t.MintReturn, amounts, amounts, data),
    st.builds(t.TransferParams, ids, amounts, data),
    st.builds(t.TransferReturn, amounts, amounts, data),
    st.builds(t.TransferFromParams, ids, ids, amounts, data),
    st.builds(t.TransferFromReturn, amounts, amounts, amounts, data),
    st.builds(t.IncreaseAllowanceParams, ids, amounts),
    st.builds(t.DecreaseAllowanceParams, ids, amounts),
    st.builds(t.RevokeAllowanceParams, ids),
    st.builds(t.GetAllowanceParams, ids, ids),
    st.builds(t.BurnParams, amounts),
    st.builds(t.BurnReturn, amounts),
    st.builds(t.BurnFromParams, ids, amounts),
    st.builds(t.BurnFromReturn, amounts, amounts),
    st.builds(t.FRC46TokenReceived, actor_ids, actor_ids, actor_ids, amounts, data, data),
    st.builds(t.UniversalReceiverParams, st.integers(0, 2**32 - 1), data),
]


@settings(max_examples=150)
@given(st.one_of(*VALUES))
def test_every_type_round_trips(value: CborTuple | Transparent) -> None:
    encoded = value.encode()
    assert type(value).decode(encoded) == value


def test_constants() -> None:
    assert t.TOKEN_PRECISION == 10**18
    assert t.FRC46_TOKEN_TYPE == 2233613279


def test_exact_encodings() -> None:
    alice, bob = Address.new_id(101), Address.new_id(102)
    one = TokenAmount(10**18)
    # transparent newtypes are the bare value
    assert dagcbor.decode(t.BalanceParams(alice).encode()) == bytes(alice)
    assert dagcbor.decode(t.BalanceReturn(one).encode()) == one.to_bytes()
    assert t.GranularityReturn(10**18).encode() == dagcbor.encode(10**18)
    assert t.NameReturn("DataCap").encode() == b"\x67DataCap"
    assert t.ConstructorParams(Address.new_id(6)).encode() == dagcbor.encode(b"\x00\x06")
    # one-field tuples stay arrays (no serde(transparent) on them in frc46)
    assert dagcbor.decode(t.BurnParams(one).encode()) == [one.to_bytes()]
    assert dagcbor.decode(t.BurnReturn(one).encode()) == [one.to_bytes()]
    assert dagcbor.decode(t.RevokeAllowanceParams(bob).encode()) == [bytes(bob)]
    assert dagcbor.decode(t.MintParams(alice, one, (bob,)).encode()) == [
        bytes(alice),
        one.to_bytes(),
        [bytes(bob)],
    ]
    received = t.FRC46TokenReceived(ActorID(7), ActorID(101), ActorID(6), one, b"op", b"")
    assert dagcbor.decode(received.encode()) == [7, 101, 6, one.to_bytes(), b"op", b""]
    hook = t.UniversalReceiverParams(t.FRC46_TOKEN_TYPE, received.encode())
    # the payload is the encoded FRC46TokenReceived carried as a byte string
    assert hook.encode() == b"\x82\x1a\x85\x22\x3b\xdf" + dagcbor.encode(received.encode())


@pytest.mark.parametrize(
    ("cls", "raw"),
    [
        (t.MintParams, [b"\x00\x01", b""]),
        (t.MintParams, [b"\x00\x01", b"", b"\x00\x02"]),
        (t.MintParams, [b"\x00\x01", b"", [b"\x09"]]),
        (t.TransferParams, [b"\x00\x01", b"\x02\x01", b""]),
        (t.TransferParams, [b"\x00\x01", b"", "text"]),
        (t.BurnParams, b""),
        (t.BurnParams, [1]),
        (t.FRC46TokenReceived, [-1, 1, 1, b"", b"", b""]),
        (t.UniversalReceiverParams, [2**32, b""]),
        (t.UniversalReceiverParams, [1, "x"]),
        (t.GranularityReturn, -1),
        (t.NameReturn, b"DataCap"),
        (t.BalanceParams, 5),
    ],
)
def test_malformed_values_raise_decode_error(cls: type[CborTuple], raw: Any) -> None:
    with pytest.raises(DecodeError):
        cls.decode(dagcbor.encode(raw))
