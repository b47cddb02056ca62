"""Multisig and payment channel flows as signed messages through the real VM, with real voucher signatures.

Each test ends by flushing the state and checking every invariant and the total FIL supply.
"""

from __future__ import annotations

import pytest

from filnet.actors import manifest as names
from filnet.actors.init.actor import ExecParams, ExecReturn
from filnet.actors.init.methods import Method as InitMethod
from filnet.actors.multisig.methods import Method as MultisigMethod
from filnet.actors.multisig.state import MultisigState, PendingTransactions
from filnet.actors.multisig.types import (
    AddSignerParams,
    ApproveReturn,
    ProposeParams,
    ProposeReturn,
    TxnIDParams,
)
from filnet.actors.multisig.types import ConstructorParams as MultisigConstructorParams
from filnet.actors.paych.methods import Method as PaychMethod
from filnet.actors.paych.state import LaneState, LaneStates, PaychState
from filnet.actors.paych.types import SETTLE_DELAY, SignedVoucher, UpdateChannelStateParams
from filnet.actors.paych.types import ConstructorParams as PaychConstructorParams
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch, MethodNum
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ExitCode
from filnet.vm.interpreter.apply import ApplyResult
from filnet.vm.interpreter.machine import Machine, SeededRandomness
from tests.vm.harness import BASE_FEE, World, make_key

INIT = Address.new_id(1)
FIL = TokenAmount.from_fil(1)


@pytest.fixture
def world() -> World:
    return World([make_key(0), make_key(1), make_key(2), make_key(3, KeyType.BLS)])


def sender_cost(result: ApplyResult) -> TokenAmount:
    """What the sender paid for gas."""
    out = result.gas_outputs
    return out.base_fee_burn + out.over_estimation_burn + out.miner_tip


def exec_actor(
    world: World, key: PrivateKey, name: str, constructor: bytes, value: TokenAmount
) -> ExecReturn:
    """Create an actor through the init actor; its addresses."""
    params = ExecParams(world.machine.code_of(name), constructor)
    result = world.apply(
        world.message(key, INIT, value, int(InitMethod.EXEC), dagcbor.encode(params.to_ipld()))
    )
    assert result.receipt.exit_code is ExitCode.OK, result.failure
    return ExecReturn.from_ipld(dagcbor.decode(result.receipt.return_data))


def test_multisig_proposal_approved_by_a_second_signer(world: World) -> None:
    anne, _, recipient, bls = world.keys
    constructor = MultisigConstructorParams((anne.address, bls.address), 2).encode()
    msig = exec_actor(world, anne, names.MULTISIG, constructor, 10 * FIL)
    state = MultisigState.decode(world.store.get(world.actor(msig.id_address).head))  # type: ignore[union-attr]
    assert state.signers == tuple(world.machine.resolve(k.address) for k in (anne, bls))

    propose = ProposeParams(recipient.address, 3 * FIL, MethodNum(0))
    result = world.apply(
        world.message(anne, msig.robust_address, method=int(MultisigMethod.PROPOSE), params=propose.encode())
    )
    assert result.receipt.exit_code is ExitCode.OK, result.failure
    assert ProposeReturn.decode(result.receipt.return_data) == ProposeReturn(0, False, ExitCode.OK, b"")

    state = MultisigState.decode(world.store.get(world.actor(msig.id_address).head))  # type: ignore[union-attr]
    ((txn_id, txn),) = PendingTransactions(world.store, state.pending_txs).items()
    before = world.balance(recipient.address)
    approve = TxnIDParams(txn_id, txn.proposal_hash())
    result = world.apply(
        world.message(bls, msig.id_address, method=int(MultisigMethod.APPROVE), params=approve.encode())
    )
    assert result.receipt.exit_code is ExitCode.OK, result.failure
    assert ApproveReturn.decode(result.receipt.return_data) == ApproveReturn(True, ExitCode.OK, b"")
    assert world.balance(recipient.address) == before + 3 * FIL
    assert world.balance(msig.id_address) == 7 * FIL
    world.flush_and_check()


def test_multisig_refuses_a_stranger(world: World) -> None:
    anne, bob, stranger, _ = world.keys
    msig = exec_actor(
        world, anne, names.MULTISIG, MultisigConstructorParams((anne.address, bob.address), 1).encode(), FIL
    )
    propose = ProposeParams(stranger.address, FIL, MethodNum(0))
    result = world.apply(
        world.message(stranger, msig.id_address, method=int(MultisigMethod.PROPOSE), params=propose.encode())
    )
    assert result.receipt.exit_code is ExitCode.USR_FORBIDDEN
    assert world.balance(msig.id_address) == FIL
    world.flush_and_check()


def test_payment_channel_from_open_to_collect(world: World) -> None:
    payer, payee, forger, _ = world.keys
    channel = exec_actor(
        world, payer, names.PAYCH, PaychConstructorParams(payer.address, payee.address).encode(), 5 * FIL
    )
    state = PaychState.decode(world.store.get(world.actor(channel.id_address).head))  # type: ignore[union-attr]
    assert (state.from_, state.to) == (
        world.machine.resolve(payer.address),
        world.machine.resolve(payee.address),
    )

    def submit(sv: SignedVoucher) -> ApplyResult:
        params = UpdateChannelStateParams(sv).encode()
        return world.apply(
            world.message(
                payee, channel.robust_address, method=int(PaychMethod.UPDATE_CHANNEL_STATE), params=params
            )
        )

    voucher = SignedVoucher(channel.robust_address, lane=0, nonce=1, amount=2 * FIL)
    forged = submit(voucher.with_signature(forger.sign(voucher.signing_bytes())))
    assert forged.receipt.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT
    result = submit(voucher.with_signature(payer.sign(voucher.signing_bytes())))
    assert result.receipt.exit_code is ExitCode.OK, result.failure
    state = PaychState.decode(world.store.get(world.actor(channel.id_address).head))  # type: ignore[union-attr]
    assert state.to_send == 2 * FIL
    assert dict(LaneStates(world.store, state.lane_states).items()) == {0: LaneState(2 * FIL, 1)}

    settle = world.apply(world.message(payee, channel.id_address, method=int(PaychMethod.SETTLE)))
    assert settle.receipt.exit_code is ExitCode.OK, settle.failure
    early = world.apply(world.message(payee, channel.id_address, method=int(PaychMethod.COLLECT)))
    assert early.receipt.exit_code is ExitCode.USR_FORBIDDEN

    # move past the settlement delay
    root = world.flush_and_check()
    world.machine = Machine(world.store, root, 1 + SETTLE_DELAY, BASE_FEE, SeededRandomness(b"vmtest"))
    payer_before, payee_before = world.balance(payer.address), world.balance(payee.address)
    collect = world.apply(world.message(payee, channel.id_address, method=int(PaychMethod.COLLECT)))
    assert collect.receipt.exit_code is ExitCode.OK, collect.failure
    assert world.balance(payer.address) == payer_before + 3 * FIL
    assert world.balance(payee.address) == payee_before + 2 * FIL - sender_cost(collect)
    assert world.actor(channel.id_address) is None
    world.flush_and_check()


def test_payment_channel_voucher_after_settling_gets_exit_code_32(world: World) -> None:
    payer, payee, _, _ = world.keys
    channel = exec_actor(
        world, payer, names.PAYCH, PaychConstructorParams(payer.address, payee.address).encode(), FIL
    )
    assert (
        world.apply(
            world.message(payer, channel.id_address, method=int(PaychMethod.SETTLE))
        ).receipt.exit_code
        is ExitCode.OK
    )
    root = world.flush_and_check()
    world.machine = Machine(
        world.store, root, ChainEpoch(1 + SETTLE_DELAY), BASE_FEE, SeededRandomness(b"vmtest")
    )
    voucher = SignedVoucher(channel.id_address, nonce=1, amount=TokenAmount(1))
    params = UpdateChannelStateParams(voucher.with_signature(payer.sign(voucher.signing_bytes()))).encode()
    result = world.apply(
        world.message(payee, channel.id_address, method=int(PaychMethod.UPDATE_CHANNEL_STATE), params=params)
    )
    assert int(result.receipt.exit_code) == 32
    world.flush_and_check()


def test_multisig_manages_its_signers_through_a_proposal_to_itself(world: World) -> None:
    anne, bob, _, _ = world.keys
    msig = exec_actor(
        world, anne, names.MULTISIG, MultisigConstructorParams((anne.address,), 1).encode(), FIL
    )
    inner = AddSignerParams(bob.address, True).encode()
    propose = ProposeParams(msig.robust_address, TokenAmount(0), MethodNum(MultisigMethod.ADD_SIGNER), inner)
    result = world.apply(
        world.message(anne, msig.id_address, method=int(MultisigMethod.PROPOSE), params=propose.encode())
    )
    assert result.receipt.exit_code is ExitCode.OK, result.failure
    assert ProposeReturn.decode(result.receipt.return_data) == ProposeReturn(0, True, ExitCode.OK, b"")
    state = MultisigState.decode(world.store.get(world.actor(msig.id_address).head))  # type: ignore[union-attr]
    assert state.signers == (world.machine.resolve(anne.address), world.machine.resolve(bob.address))
    assert state.num_approvals_threshold == 2

    # a signer calling AddSigner directly is refused: only the multisig may
    direct = world.apply(
        world.message(bob, msig.id_address, method=int(MultisigMethod.ADD_SIGNER), params=inner)
    )
    assert direct.receipt.exit_code is ExitCode.USR_FORBIDDEN
    world.flush_and_check()
