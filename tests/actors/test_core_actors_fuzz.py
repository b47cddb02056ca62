"""Hostile params for every method of the core actors: an ActorError with a user exit code, nothing else;
and round trips of their params and return types."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors import manifest as names
from filnet.actors.account import actor as account
from filnet.actors.cron import actor as cron
from filnet.actors.init import actor as init
from filnet.actors.reward import actor as reward
from filnet.actors.system import actor as system
from filnet.chain.genesis import MINING_RESERVE
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.cid import CID
from filnet.vm.dispatch import ActorCode
from filnet.vm.exit_codes import ActorError
from filnet.vm.testing import FakeRuntime
from tests.vm.harness import make_key

SYSTEM = Address.new_id(0)
KEY = make_key(1)


def _runtime(code: ActorCode) -> FakeRuntime:
    """A constructed actor of ``code``, ready for calls from the system actor."""
    receiver = {names.INIT: 1, names.REWARD: 2, names.CRON: 3}.get(code.name, 100)
    rt = FakeRuntime(Address.new_id(receiver), balance=MINING_RESERVE)
    constructor_params = {
        names.SYSTEM: b"",
        names.INIT: dagcbor.encode(["fuzz"]),
        names.ACCOUNT: dagcbor.encode(bytes(KEY.address)),
        names.CRON: dagcbor.encode([[]]),
        names.REWARD: dagcbor.encode(b""),
    }[code.name]
    rt.call(code, 1, constructor_params)
    return rt


ACTORS = [system.ACTOR, init.ACTOR, account.ACTOR, cron.ACTOR, reward.ACTOR]
cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64 - 1)
    | st.binary(max_size=40)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=5),
    max_leaves=12,
)


@settings(max_examples=150)
@given(st.sampled_from(ACTORS), st.data(), st.one_of(st.binary(max_size=80), cbor_values.map(dagcbor.encode)))
def test_hostile_params_only_abort(code: ActorCode, data: st.DataObject, params: bytes) -> None:
    rt = _runtime(code)
    method = data.draw(st.sampled_from(sorted(code.methods)))
    try:
        rt.call(code, method, params)
    except ActorError as e:
        assert not e.exit_code.is_system
    rt.verify()


cids = st.binary(max_size=8).map(lambda b: CID.compute(codecs.RAW, b, multihash.BLAKE2B_256))
id_addresses = st.integers(0, 2**40).map(Address.new_id)
amounts = st.integers(-(2**100), 2**100).map(TokenAmount)


@given(cids, st.binary(max_size=30))
def test_exec_params_round_trip(code: CID, params: bytes) -> None:
    value = init.ExecParams(code, params)
    assert init.ExecParams.from_ipld(dagcbor.decode(dagcbor.encode(value.to_ipld()))) == value


@given(cids, st.binary(max_size=30), st.binary(max_size=54))
def test_exec4_params_round_trip(code: CID, params: bytes, subaddress: bytes) -> None:
    value = init.Exec4Params(code, params, subaddress)
    assert init.Exec4Params.from_ipld(dagcbor.decode(dagcbor.encode(value.to_ipld()))) == value


@given(id_addresses, id_addresses)
def test_exec_return_round_trip(id_address: Address, robust: Address) -> None:
    value = init.ExecReturn(id_address, robust)
    assert init.ExecReturn.from_ipld(dagcbor.decode(dagcbor.encode(value.to_ipld()))) == value


@given(id_addresses, amounts, amounts, st.integers(-(2**63), 2**63 - 1))
def test_award_block_reward_params_round_trip(
    miner: Address, penalty: TokenAmount, gas: TokenAmount, wins: int
) -> None:
    value = reward.AwardBlockRewardParams(miner, penalty, gas, wins)
    decoded = reward.AwardBlockRewardParams.from_ipld(dagcbor.decode(dagcbor.encode(value.to_ipld())))
    assert decoded == value


@given(st.binary(max_size=100), st.binary(max_size=100))
def test_authenticate_message_params_round_trip(signature: bytes, message: bytes) -> None:
    value = account.AuthenticateMessageParams(signature, message)
    decoded = account.AuthenticateMessageParams.from_ipld(dagcbor.decode(dagcbor.encode(value.to_ipld())))
    assert decoded == value
