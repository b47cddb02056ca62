"""Message application: transfers, account creation, every pre-validation failure, rollback, fees, implicit
messages. Every test ends by flushing the state and checking all invariants and the total FIL supply."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filnet.actors import manifest as names
from filnet.actors.init.actor import ExecParams, ExecReturn
from filnet.actors.init.methods import Method as InitMethod
from filnet.actors.invariants import check_state_invariants
from filnet.actors.multisig.types import ConstructorParams as MultisigConstructorParams
from filnet.actors.reward.state import RewardState
from filnet.chain.message import Message
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import MethodNum, Nonce
from filnet.crypto.keys import KeyType
from filnet.errors import InvalidInput, NotFound
from filnet.ipld import dagcbor
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.params import MAINNET
from filnet.vm.exit_codes import ExitCode
from filnet.vm.gas import CALICO
from filnet.vm.interpreter.apply import (
    BURNT_FUNDS_ACTOR,
    REWARD_ACTOR,
    ZERO_ADDRESS,
    ApplyResult,
    apply_implicit_message,
    apply_message,
    chain_length,
    cron_message,
    reward_message,
    validate_message_syntax,
)
from filnet.vm.interpreter.machine import Machine, SeededRandomness
from filnet.vm.state_tree import StateTree
from tests.vm.genesis import genesis
from tests.vm.harness import BASE_FEE, START_BALANCE, World, make_key

ONE_FIL = TokenAmount.from_fil(1)


@pytest.fixture
def world() -> World:
    return World([make_key(i) for i in range(3)] + [make_key(3, KeyType.BLS)])


def test_transfer_to_new_address_creates_account(world: World) -> None:
    alice, bob = world.keys[0], make_key(50)
    signed = world.message(alice, bob.address, ONE_FIL)
    result = world.apply(signed)
    assert result.receipt.exit_code is ExitCode.OK
    assert result.receipt.return_data == b""
    assert world.balance(bob.address) == ONE_FIL
    created = world.actor(bob.address)
    assert created is not None and world.machine.actor_name(created) == names.ACCOUNT
    out = result.gas_outputs
    assert out.base_fee_burn == BASE_FEE * result.receipt.gas_used
    paid = out.base_fee_burn + out.over_estimation_burn + out.miner_tip + out.refund
    assert paid == signed.message.gas_fee_cap * signed.message.gas_limit
    assert world.balance(alice.address) == START_BALANCE - ONE_FIL - (paid - out.refund)
    assert world.actor(alice.address).nonce == 1  # type: ignore[union-attr]
    world.flush_and_check()


def test_fee_split_goes_to_burnt_funds_and_reward(world: World) -> None:
    burnt, reward = world.balance(BURNT_FUNDS_ACTOR), world.balance(REWARD_ACTOR)
    result = world.apply(world.message(world.keys[0], world.keys[1].address, ONE_FIL))
    out = result.gas_outputs
    assert world.balance(BURNT_FUNDS_ACTOR) == burnt + out.base_fee_burn + out.over_estimation_burn
    assert world.balance(REWARD_ACTOR) == reward + out.miner_tip
    assert out.miner_tip == TokenAmount(10) * 50_000_000
    world.flush_and_check()


def test_transfer_to_existing_account_costs_less_than_creation(world: World) -> None:
    existing = world.apply(world.message(world.keys[0], world.keys[1].address, ONE_FIL))
    creating = world.apply(world.message(world.keys[0], make_key(51).address, ONE_FIL))
    assert existing.receipt.exit_code is creating.receipt.exit_code is ExitCode.OK
    assert existing.receipt.gas_used < creating.receipt.gas_used
    world.flush_and_check()


def test_bls_sender(world: World) -> None:
    result = world.apply(world.message(world.keys[3], world.keys[0].address, ONE_FIL))
    assert result.receipt.exit_code is ExitCode.OK
    assert world.balance(world.keys[0].address) == START_BALANCE + ONE_FIL
    world.flush_and_check()


def test_send_to_f4_creates_placeholder(world: World) -> None:
    target = Address.new_eth(bytes(range(20)))
    assert world.apply(world.message(world.keys[0], target, ONE_FIL)).receipt.exit_code is ExitCode.OK
    actor = world.actor(target)
    assert actor is not None and world.machine.actor_name(actor) == names.PLACEHOLDER
    assert actor.delegated_address == target and actor.balance == ONE_FIL
    world.flush_and_check()


def _assert_unchanged(world: World) -> None:
    """Pre-validation failures leave the state exactly as it was."""
    assert world.flush_and_check() == world.genesis


def test_invalid_signature(world: World) -> None:
    signed = world.message(world.keys[0], world.keys[1].address, ONE_FIL)
    forged = type(signed)(signed.message, world.keys[1].sign(signed.message.signing_bytes()))
    result = world.apply(forged)
    assert result.receipt.exit_code is ExitCode.SYS_SENDER_INVALID
    assert result.receipt.gas_used == 0
    assert result.miner_penalty == BASE_FEE * signed.message.gas_limit
    _assert_unchanged(world)


def test_invalid_nonce(world: World) -> None:
    result = world.apply(world.message(world.keys[0], world.keys[1].address, ONE_FIL, nonce=5))
    assert result.receipt.exit_code is ExitCode.SYS_SENDER_STATE_INVALID
    assert "nonce" in result.failure
    _assert_unchanged(world)


def test_invalid_balance_for_gas(world: World) -> None:
    fee_cap = TokenAmount(START_BALANCE.atto // 50_000_000 + 1)
    result = world.apply(world.message(world.keys[0], world.keys[1].address, fee_cap=fee_cap))
    assert result.receipt.exit_code is ExitCode.SYS_SENDER_STATE_INVALID
    _assert_unchanged(world)


def test_invalid_gas_limit_below_inclusion_cost(world: World) -> None:
    signed = world.message(world.keys[0], world.keys[1].address, ONE_FIL, gas_limit=1_000)
    result = world.apply(signed)
    assert result.receipt.exit_code is ExitCode.SYS_OUT_OF_GAS
    inclusion = CALICO.on_chain_message(chain_length(signed)).total
    assert result.miner_penalty == BASE_FEE * inclusion
    _assert_unchanged(world)


def test_invalid_unknown_sender(world: World) -> None:
    result = world.apply(world.message(make_key(60), world.keys[1].address, ONE_FIL))
    assert result.receipt.exit_code is ExitCode.SYS_SENDER_INVALID
    _assert_unchanged(world)


def _apply_unsigned(world: World, sender: Address, to: Address) -> ApplyResult:
    """Apply a 1 FIL transfer from ``sender`` at nonce 0 without a signature (as a BLS block message is)."""
    message = Message(
        to=to,
        sender=sender,
        nonce=Nonce(0),
        value=ONE_FIL,
        gas_limit=10_000_000,
        gas_fee_cap=TokenAmount(1_000),
        gas_premium=TokenAmount(0),
        method=MethodNum(0),
    )
    return apply_message(world.machine, message, len(message.encode()))


def test_invalid_sender_not_an_account(world: World) -> None:
    result = _apply_unsigned(world, REWARD_ACTOR, world.keys[0].address)
    assert result.receipt.exit_code is ExitCode.SYS_SENDER_INVALID
    _assert_unchanged(world)


def _assert_only_gas_and_nonce_changed(world: World, sender: Address, result_gas: TokenAmount) -> None:
    actor = world.actor(sender)
    assert actor is not None and actor.nonce == 1
    assert actor.balance == START_BALANCE - result_gas
    world.flush_and_check()


def test_insufficient_funds_for_value_keeps_gas_and_nonce(world: World) -> None:
    alice, stranger = world.keys[0], make_key(52)
    result = world.apply(world.message(alice, stranger.address, START_BALANCE))
    assert result.receipt.exit_code is ExitCode.SYS_INSUFFICIENT_FUNDS
    assert world.actor(stranger.address) is None  # its account creation was rolled back
    out = result.gas_outputs
    _assert_only_gas_and_nonce_changed(
        world, alice.address, out.base_fee_burn + out.over_estimation_burn + out.miner_tip
    )


def test_out_of_gas_rolls_back_the_call(world: World) -> None:
    alice, stranger = world.keys[0], make_key(53)
    signed = world.message(alice, stranger.address, ONE_FIL, gas_limit=1_000_000)
    result = world.apply(signed)
    assert result.receipt.exit_code is ExitCode.SYS_OUT_OF_GAS
    assert result.receipt.gas_used == 1_000_000
    assert world.actor(stranger.address) is None
    out = result.gas_outputs
    _assert_only_gas_and_nonce_changed(
        world, alice.address, out.base_fee_burn + out.over_estimation_burn + out.miner_tip
    )


def test_unknown_method(world: World) -> None:
    result = world.apply(world.message(world.keys[0], world.keys[1].address, ONE_FIL, method=99))
    assert result.receipt.exit_code is ExitCode.USR_UNHANDLED_MESSAGE
    assert world.balance(world.keys[1].address) == START_BALANCE  # the value went back with the rollback
    world.flush_and_check()


def test_malformed_params(world: World) -> None:
    from filnet.actors.account.methods import Method as AccountMethod

    method = int(AccountMethod.AUTHENTICATE_MESSAGE_EXPORTED)
    result = world.apply(world.message(world.keys[0], world.keys[1].address, method=method, params=b"\xff"))
    assert result.receipt.exit_code is ExitCode.USR_SERIALIZATION
    world.flush_and_check()


def test_send_to_missing_f2_address(world: World) -> None:
    target = Address.new_actor(b"nobody")
    result = world.apply(world.message(world.keys[0], target, ONE_FIL))
    assert result.receipt.exit_code is ExitCode.SYS_INVALID_RECEIVER
    world.flush_and_check()


def test_pubkey_address_returns_the_key(world: World) -> None:
    from filnet.actors.account.methods import Method as AccountMethod

    signed = world.message(world.keys[0], world.keys[1].address, method=int(AccountMethod.PUBKEY_ADDRESS))
    result = world.apply(signed)
    assert result.receipt.exit_code is ExitCode.OK
    assert dagcbor.decode(result.receipt.return_data) == bytes(world.keys[1].address)
    world.flush_and_check()


def test_exec_creates_a_multisig(world: World) -> None:
    multisig_code = world.machine.code_of(names.MULTISIG)
    signers = (world.keys[0].address, world.keys[1].address)
    constructor = dagcbor.encode(MultisigConstructorParams(signers, 2).to_ipld())
    params = dagcbor.encode(ExecParams(multisig_code, constructor).to_ipld())
    signed = world.message(
        world.keys[0], Address.new_id(1), ONE_FIL, method=int(InitMethod.EXEC), params=params
    )
    result = world.apply(signed)
    assert result.receipt.exit_code is ExitCode.OK, result.failure
    ret = ExecReturn.from_ipld(dagcbor.decode(result.receipt.return_data))
    # f0100-f0103 are the keys' accounts, f0104 the verified registry root key's signer
    assert ret.id_address == Address.new_id(105)
    assert world.machine.resolve(ret.robust_address) == ret.id_address
    created = world.actor(ret.id_address)
    assert created is not None and created.balance == ONE_FIL
    assert world.machine.actor_name(created) == names.MULTISIG
    world.flush_and_check()


def test_exec_refuses_accounts(world: World) -> None:
    params = dagcbor.encode(ExecParams(world.machine.code_of(names.ACCOUNT), b"").to_ipld())
    signed = world.message(world.keys[0], Address.new_id(1), method=int(InitMethod.EXEC), params=params)
    assert world.apply(signed).receipt.exit_code is ExitCode.USR_FORBIDDEN
    assert world.machine.init_state().next_id == 105
    world.flush_and_check()


def test_cron_tick_and_block_reward(world: World) -> None:
    assert apply_implicit_message(world.machine, cron_message(1)).receipt.exit_code is ExitCode.OK
    miner = world.keys[0].address  # an account: it cannot take ApplyRewards, so the reward is burnt
    burnt = world.balance(BURNT_FUNDS_ACTOR)
    reward = apply_implicit_message(
        world.machine, reward_message(1, miner, TokenAmount(0), TokenAmount(7), 5)
    )
    assert reward.receipt.exit_code is ExitCode.OK
    root = world.flush_and_check()
    tree = StateTree.load(world.store, root)
    state = RewardState.decode(tree.actor_state_block(REWARD_ACTOR))
    assert state.total_storage_power_reward == state.this_epoch_reward
    assert world.balance(BURNT_FUNDS_ACTOR) == burnt + state.this_epoch_reward + TokenAmount(7)


def test_same_messages_same_state_root() -> None:
    roots = []
    for _ in range(2):
        world = World([make_key(i) for i in range(2)])
        for value in (1, 2, 3):
            world.apply(
                world.message(world.keys[value % 2], make_key(70 + value).address, TokenAmount(value))
            )
        roots.append(world.flush_and_check())
    assert roots[0] == roots[1]


def test_validate_message_syntax() -> None:
    world = World([make_key(0)])
    good = world.message(world.keys[0], make_key(1).address, ONE_FIL).message
    validate_message_syntax(good, len(good.encode()), CALICO)
    with pytest.raises(InvalidInput, match="inclusion"):
        validate_message_syntax(good, 10**8, CALICO)
    bad = world.message(world.keys[0], make_key(1).address, gas_limit=20_000_000_000).message
    with pytest.raises(InvalidInput, match="block gas limit"):
        validate_message_syntax(bad, len(bad.encode()), CALICO)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2),  # sender
            st.integers(0, 4),  # receiver: 3 and 4 are new addresses
            st.integers(0, 2 * START_BALANCE.atto),  # value, sometimes more than the sender has
            st.sampled_from([0, 0, 0, 2, 99]),  # method: send, PubkeyAddress, unknown
            st.integers(-1, 1),  # nonce offset: only 0 is valid
            st.sampled_from([300_000, 2_000_000, 50_000_000]),  # gas limit: too little, tight, ample
        ),
        max_size=8,
    )
)
def test_random_messages_keep_supply_and_invariants(steps: list[tuple[int, int, int, int, int, int]]) -> None:
    world = World([make_key(i) for i in range(3)])
    targets = [k.address for k in world.keys] + [make_key(80).address, make_key(81).address]
    for sender, receiver, value, method, offset, gas_limit in steps:
        key = world.keys[sender]
        nonce = max(world.nonces.get(key.address, 0) + offset, 0)
        signed = world.message(
            key, targets[receiver], TokenAmount(value), method, gas_limit=gas_limit, nonce=nonce
        )
        before = world.actor(key.address)
        result = world.apply(signed)
        after = world.actor(key.address)
        assert before is not None and after is not None
        if result.receipt.gas_used == 0:
            assert after == before  # pre-validation failures change nothing
        else:
            assert after.nonce == before.nonce + 1
    world.flush_and_check()


class CopyingStore(MemoryBlockstore):
    """A fresh store over the shared, cached genesis blocks: writes never reach the cache."""

    def __init__(self, base: MemoryBlockstore) -> None:
        super().__init__()
        self.put_many((cid, base.get(cid)) for cid in base)


def _butterflynet_machine() -> tuple[Machine, CID]:
    store, root = genesis("butterflynet")
    return Machine(CopyingStore(store), root, 1, BASE_FEE, SeededRandomness(b"b")), root


def _from_f0100(to: Address, method: int = 0) -> Message:
    return Message(
        to=to,
        sender=Address.new_id(100),
        nonce=Nonce(0),
        value=ONE_FIL,
        gas_limit=50_000_000,
        gas_fee_cap=TokenAmount(1_000),
        gas_premium=TokenAmount(10),
        method=MethodNum(method),
    )


def test_transfer_on_lotus_butterflynet_genesis() -> None:
    machine, _ = _butterflynet_machine()
    message = _from_f0100(make_key(90).address)
    assert apply_message(machine, message, len(message.encode())).receipt.exit_code is ExitCode.OK
    tree = StateTree.load(machine.store, machine.flush())
    # Lotus-made genesis miners satisfy filnet's miner invariants under butterflynet's (mainnet) periods
    check = check_state_invariants(tree, MAINNET.policy)
    assert check.problems == ()
    assert check.total_balance == TokenAmount.from_fil(2_000_000_000)
    assert tree.get_actor(make_key(90).address).balance == ONE_FIL  # type: ignore[union-attr]


def test_calling_an_unimplemented_actor_leaves_the_state_untouched() -> None:
    machine, root = _butterflynet_machine()
    message = _from_f0100(Address.new_id(10), method=2)  # the Ethereum address manager: a later issue
    with pytest.raises(NotFound, match="eam"):
        apply_message(machine, message, len(message.encode()))
    assert machine.flush() == root


# -- semantics checked against Lotus and ref-fvm ----------------------------------------------------------


def test_self_transfer_beyond_balance_fails(world: World) -> None:
    """Lotus chain/vm/vm.go ``transfer`` (nv15+) and ref-fvm fvm/src/machine/default.rs ``transfer``: the
    balance is checked before a self-transfer becomes a no-op, so sending yourself more than you hold is
    SYS_INSUFFICIENT_FUNDS (the sender still pays for gas and uses its nonce)."""
    alice = world.keys[0]
    result = world.apply(world.message(alice, alice.address, START_BALANCE))
    assert result.receipt.exit_code is ExitCode.SYS_INSUFFICIENT_FUNDS
    out = result.gas_outputs
    _assert_only_gas_and_nonce_changed(
        world, alice.address, out.base_fee_burn + out.over_estimation_burn + out.miner_tip
    )


def test_self_transfer_within_balance_only_costs_gas(world: World) -> None:
    """ref-fvm fvm/src/machine/default.rs ``transfer``: from == to is a no-op once the balance covers it."""
    alice = world.keys[0]
    result = world.apply(world.message(alice, alice.address, ONE_FIL))
    assert result.receipt.exit_code is ExitCode.OK
    out = result.gas_outputs
    _assert_only_gas_and_nonce_changed(
        world, alice.address, out.base_fee_burn + out.over_estimation_burn + out.miner_tip
    )


def test_send_to_missing_id_address(world: World) -> None:
    """ref-fvm fvm/src/executor/default.rs: a syscall NotFound from the top-level send (an ID address with
    no actor cannot be created) maps to SYS_INVALID_RECEIVER; gas and nonce are still spent."""
    alice = world.keys[0]
    result = world.apply(world.message(alice, Address.new_id(4_000), ONE_FIL))
    assert result.receipt.exit_code is ExitCode.SYS_INVALID_RECEIVER
    assert result.receipt.gas_used > 0
    out = result.gas_outputs
    _assert_only_gas_and_nonce_changed(
        world, alice.address, out.base_fee_burn + out.over_estimation_burn + out.miner_tip
    )


def test_method_zero_to_a_non_account_actor_is_a_bare_transfer(world: World) -> None:
    """ref-fvm fvm/src/call_manager/default.rs ``call_actor_resolved``: METHOD_SEND returns after the value
    transfer without running the receiver's code, whatever actor it is (here the reward actor)."""
    before = world.balance(REWARD_ACTOR)
    result = world.apply(world.message(world.keys[0], REWARD_ACTOR, ONE_FIL))
    assert result.receipt.exit_code is ExitCode.OK
    assert world.balance(REWARD_ACTOR) == before + ONE_FIL + result.gas_outputs.miner_tip
    world.flush_and_check()


def test_placeholder_sender_becomes_an_eth_account() -> None:
    """ref-fvm fvm/src/executor/default.rs ``preflight_message``: a placeholder whose f4 address is in the
    EAM's namespace may send its first message (nonce 0) and is an Ethereum account from then on."""
    world = World([make_key(0)])
    eth = Address.new_eth(bytes(range(20)))
    assert world.apply(world.message(world.keys[0], eth, 10 * ONE_FIL)).receipt.exit_code is ExitCode.OK
    result = _apply_unsigned(world, eth, world.keys[0].address)
    assert result.receipt.exit_code is ExitCode.OK, result.failure
    actor = world.actor(eth)
    assert actor is not None and actor.nonce == 1 and actor.delegated_address == eth
    assert world.machine.actor_name(actor) == names.ETHACCOUNT
    world.flush_and_check()


def test_return_value_is_charged_inside_the_call_frame() -> None:
    """Lotus chain/vm/vm.go ``ApplyMessage``: ``OnChainReturnValue`` is charged after the send; running
    out of gas there is SYS_OUT_OF_GAS with no return value, the whole limit used, the changes dropped."""
    from filnet.actors.account.methods import Method as AccountMethod

    method = int(AccountMethod.PUBKEY_ADDRESS)
    ample = World([make_key(0), make_key(1)])
    ok = ample.apply(ample.message(ample.keys[0], ample.keys[1].address, ONE_FIL, method=method))
    assert ok.receipt.exit_code is ExitCode.OK and ok.receipt.return_data
    return_charge = CALICO.on_chain_return_value(len(ok.receipt.return_data)).total
    assert return_charge > 0

    tight = World([make_key(0), make_key(1)])
    limit = ok.receipt.gas_used - 1
    short = tight.apply(
        tight.message(tight.keys[0], tight.keys[1].address, ONE_FIL, method=method, gas_limit=limit)
    )
    assert short.receipt.exit_code is ExitCode.SYS_OUT_OF_GAS
    assert short.receipt.return_data == b"" and short.receipt.gas_used == limit
    assert tight.balance(tight.keys[1].address) == START_BALANCE  # the value transfer was rolled back


def test_bls_messages_are_charged_for_their_unsigned_size(world: World) -> None:
    """Lotus chain/types/signedmessage.go ``ChainLength``: a BLS message goes on chain without its signature
    (aggregated in the block), a secp256k1 one with it; inclusion gas follows that size."""
    secp = world.message(world.keys[0], world.keys[1].address, ONE_FIL)
    bls = world.message(world.keys[3], world.keys[1].address, ONE_FIL)
    assert chain_length(secp) == len(secp.encode()) > len(secp.message.encode())
    assert chain_length(bls) == len(bls.message.encode())


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"to": ZERO_ADDRESS}, "zero address"),
        ({"gas_limit": 0}, "must be positive"),
        ({"gas_limit": -1}, "must be positive"),
    ],
)
def test_invalid_message_syntax_as_lotus(overrides: dict[str, object], reason: str) -> None:
    """Lotus chain/types/message.go ``ValidForBlockInclusion``: the BLS zero address is no recipient (nv7+)
    and the gas limit must be positive, whatever the inclusion cost."""
    world = World([make_key(0)])
    good = world.message(world.keys[0], make_key(1).address, ONE_FIL).message
    bad = replace(good, **overrides)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=reason):
        validate_message_syntax(bad, 0, CALICO)
    assert str(ZERO_ADDRESS).endswith("by2smx7a")
