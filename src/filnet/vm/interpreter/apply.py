"""Applying a message to the state: validation, gas payment, the call, the receipt and the fee split.

Filecoin's rules (FVM ``DefaultExecutor::execute_message``, Lotus ``ApplyMessage``):

1. Pre-validation. The inclusion cost (``OnChainMessage`` of the message's on-chain size) must fit in the
   gas limit, else ``SYS_OUT_OF_GAS`` and the block's miner pays ``base_fee × inclusion gas``. The sender
   must exist and be an account, an Ethereum account or a fresh EAM placeholder, which becomes an Ethereum
   account (``SYS_SENDER_INVALID``), the nonce must be the sender's next one and its
   balance must cover ``gas_limit × gas_fee_cap`` (``SYS_SENDER_STATE_INVALID``); on these failures the
   miner pays ``base_fee × gas_limit``. Nothing in the state changes and the receipt's gas used is 0.
2. The sender pays ``gas_limit × gas_fee_cap`` up front and its nonce goes up by one. Both stay, whatever
   happens next.
3. The call: value transfer and method, in a frame that is dropped entirely if it fails (any exit code but
   OK, out of gas included); a return value is charged per byte.
4. The fee split (:func:`filnet.vm.fees.compute_gas_outputs`): base fee and over-estimation burn go to the
   burnt-funds actor f099, the miner's tip to the reward actor f02 (which pays it to the miner in
   ``AwardBlockReward``), the rest back to the sender.

Implicit messages (the block reward, the cron tick) come from the system actor with a large gas limit; they
neither pay for gas nor touch a nonce.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from filnet.actors import manifest as names
from filnet.actors.reward.methods import Method as RewardMethod
from filnet.chain.message import Message, SignedMessage
from filnet.core.address import EAM_NAMESPACE, Address
from filnet.core.address import Protocol as AddressProtocol
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import MethodNum, Nonce
from filnet.crypto.signature import SignatureType, is_valid_signature
from filnet.errors import FilnetError, InvalidInput
from filnet.ipld import dagcbor
from filnet.ipld.cid import CID
from filnet.vm.events import events_root
from filnet.vm.exit_codes import ActorError, ExitCode
from filnet.vm.fees import GasOutputs, compute_gas_outputs
from filnet.vm.gas import GasCharge, PriceList
from filnet.vm.interpreter.invocation import SENDER_ACTORS, CallManager
from filnet.vm.interpreter.machine import Machine
from filnet.vm.receipt import Receipt
from filnet.vm.state_tree import SYSTEM_ACTOR, ActorState

BURNT_FUNDS_ACTOR: Final = Address.new_id(99)
REWARD_ACTOR: Final = Address.new_id(2)
CRON_ACTOR: Final = Address.new_id(3)
#: Gas a block's messages may use in total (Lotus ``build.BlockGasLimit``).
BLOCK_GAS_LIMIT: Final = 10_000_000_000
#: Gas limit of implicit messages (Lotus ``stmgr``: the reward message's ``1 << 30``; cron gets more).
IMPLICIT_GAS_LIMIT: Final = 1 << 30
CRON_GAS_LIMIT: Final = BLOCK_GAS_LIMIT * 10_000
CRON_EPOCH_TICK: Final = MethodNum(2)
#: All the FIL there will ever be (2 billion): no message may move more.
TOTAL_FILECOIN: Final = TokenAmount.from_fil(2_000_000_000)
#: The BLS address of the point at infinity (Lotus ``buildconstants.ZeroAddress``, ``f3yaaa…by2smx7a``):
#: no valid key has it, so messages to it are refused since network version 7.
ZERO_ADDRESS: Final = Address.new_bls(b"\xc0" + bytes(47))

_NO_GAS: Final = GasOutputs(ZERO, ZERO, ZERO, ZERO, ZERO, 0, 0)


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """A message's receipt, where its gas payment went, and why it failed (empty on success)."""

    receipt: Receipt
    gas_outputs: GasOutputs
    failure: str = ""

    @property
    def miner_penalty(self) -> TokenAmount:
        """What the block's miner owes for including this message."""
        return self.gas_outputs.miner_penalty

    @property
    def miner_tip(self) -> TokenAmount:
        """The block's miner's premium for this message."""
        return self.gas_outputs.miner_tip


def chain_length(message: Message | SignedMessage) -> int:
    """The on-chain size of a message: a BLS message travels unsigned, others with their signature."""
    if isinstance(message, SignedMessage) and message.signature.type is not SignatureType.BLS:
        return len(message.encode())
    unsigned = message.message if isinstance(message, SignedMessage) else message
    return len(unsigned.encode())


def validate_message_syntax(message: Message, size: int, prices: PriceList) -> None:
    """The checks a message must pass to be included in a block at all (Lotus ``ValidForBlockInclusion``)."""
    if message.version != 0:
        raise InvalidInput(f"message version {message.version} is not 0")
    if message.to == ZERO_ADDRESS:
        raise InvalidInput(f"message recipient {message.to} is the zero address")
    if message.value > TOTAL_FILECOIN:
        raise InvalidInput(f"message value {message.value} exceeds the total FIL supply")
    if message.gas_premium > message.gas_fee_cap:
        raise InvalidInput(f"gas premium {message.gas_premium} exceeds the fee cap {message.gas_fee_cap}")
    if message.gas_limit > BLOCK_GAS_LIMIT:
        raise InvalidInput(f"gas limit {message.gas_limit} exceeds the block gas limit {BLOCK_GAS_LIMIT}")
    if message.gas_limit <= 0:
        raise InvalidInput(f"gas limit {message.gas_limit} must be positive")
    inclusion = prices.on_chain_message(size).total
    if message.gas_limit < inclusion:
        raise InvalidInput(f"gas limit {message.gas_limit} is below the inclusion cost {inclusion}")


def apply_signed_message(machine: Machine, signed: SignedMessage) -> ApplyResult:
    """Check the sender's signature, then apply the message.

    A bad signature makes the whole block invalid in Filecoin; applied here it fails pre-validation with
    ``SYS_SENDER_INVALID`` and changes nothing, so a caller replaying messages off-chain gets a receipt.
    """
    message = signed.message
    key = machine.key_address(message.sender)
    valid = False
    if key is not None:
        try:
            valid = is_valid_signature(signed.signature, key, message.signing_bytes())
        except FilnetError:
            valid = False
    if not valid:
        return _prevalidation_failure(
            ExitCode.SYS_SENDER_INVALID,
            machine.base_fee * max(message.gas_limit, 0),
            f"invalid signature by {message.sender}",
        )
    return apply_message(machine, message, chain_length(signed))


def apply_message(machine: Machine, message: Message, size: int) -> ApplyResult:
    """Apply an explicit message of on-chain ``size`` bytes whose signature was already checked."""
    prices = machine.prices
    inclusion = prices.on_chain_message(size)
    if inclusion.total > message.gas_limit:
        return _prevalidation_failure(
            ExitCode.SYS_OUT_OF_GAS,
            machine.base_fee * inclusion.total,
            f"out of gas: inclusion costs {inclusion.total} > limit {message.gas_limit}",
        )
    penalty = machine.base_fee * message.gas_limit
    sender_id = machine.resolve(message.sender)
    sender = None if sender_id is None else machine.get_actor(sender_id)
    if sender_id is None or sender is None:
        return _prevalidation_failure(ExitCode.SYS_SENDER_INVALID, penalty, f"no sender {message.sender}")
    sender_code = _sender_code(machine, sender)
    if sender_code is None:
        return _prevalidation_failure(
            ExitCode.SYS_SENDER_INVALID, penalty, f"sender {message.sender} is not an account"
        )
    if message.nonce != sender.nonce:
        return _prevalidation_failure(
            ExitCode.SYS_SENDER_STATE_INVALID,
            penalty,
            f"nonce {message.nonce} of {message.sender} is not its next nonce {sender.nonce}",
        )
    gas_cost = message.gas_fee_cap * message.gas_limit
    if sender.balance < gas_cost:
        return _prevalidation_failure(
            ExitCode.SYS_SENDER_STATE_INVALID,
            penalty,
            f"{message.sender} has {sender.balance.atto} attoFIL, gas costs up to {gas_cost.atto}",
        )
    machine.begin()
    try:
        result = _execute(machine, message, sender_id, replace(sender, code=sender_code), inclusion)
    except BaseException:
        # Not a message failure but a broken node (a missing block, an actor filnet lacks): the error
        # propagates and the state is left as it was before the message.
        machine.rollback()
        raise
    machine.commit()
    return result


def may_send(name: str, sender: ActorState) -> bool:
    """Whether an actor of builtin type ``name`` may send a message (FVM ``preflight_message``, Lotus
    ``IsValidForSending``).

    Accounts and Ethereum accounts may; so may a placeholder (an f4 address in the EAM's namespace that
    received funds) with nonce 0, which becomes an Ethereum account with its first message.
    """
    if name in SENDER_ACTORS:
        return True
    delegated = sender.delegated_address
    return (
        name == names.PLACEHOLDER
        and sender.nonce == 0
        and delegated is not None
        and delegated.protocol is AddressProtocol.DELEGATED
        and delegated.namespace == EAM_NAMESPACE
    )


def _sender_code(machine: Machine, sender: ActorState) -> CID | None:
    """The code the sender runs under once its message is accepted, or None if it may not send at all."""
    name = machine.actor_name(sender)
    if not may_send(name, sender):
        return None
    return sender.code if name in SENDER_ACTORS else machine.code_of(names.ETHACCOUNT)


def _execute(
    machine: Machine, message: Message, sender_id: Address, sender: ActorState, inclusion: GasCharge
) -> ApplyResult:
    """Steps 2-4 for a message that passed pre-validation: pay, call, split the fee."""
    gas_cost = message.gas_fee_cap * message.gas_limit
    machine.set_actor(sender_id, replace(sender, nonce=sender.nonce + 1, balance=sender.balance - gas_cost))
    # New actors' f2 addresses derive from the sender's robust address: its key, or its f4 address.
    origin = machine.key_address(sender_id) or sender.delegated_address or message.sender
    calls = CallManager(machine, message.gas_limit, origin, message.nonce, sender_id)
    calls.meter.charge(inclusion)
    exit_code, return_data, failure = _invoke(calls, sender_id, message)
    events = events_root(machine.store, calls.events)

    gas_used = calls.meter.used
    outputs = compute_gas_outputs(
        gas_used, message.gas_limit, machine.base_fee, message.gas_fee_cap, message.gas_premium
    )
    machine.add_balance(BURNT_FUNDS_ACTOR, outputs.base_fee_burn + outputs.over_estimation_burn)
    machine.add_balance(REWARD_ACTOR, outputs.miner_tip)
    machine.add_balance(sender_id, outputs.refund)
    return ApplyResult(Receipt(exit_code, return_data, gas_used, events), outputs, failure)


def apply_implicit_message(machine: Machine, message: Message) -> ApplyResult:
    """Apply a system message (block reward, cron tick): no gas payment, no nonce, no fee split."""
    sender_id = machine.resolve(message.sender)
    if sender_id is None or machine.get_actor(sender_id) is None:
        raise InvalidInput(f"implicit message from missing actor {message.sender}")
    calls = CallManager(machine, message.gas_limit, message.sender, message.nonce, sender_id)
    exit_code, return_data, failure = _invoke(calls, sender_id, message)
    receipt = Receipt(exit_code, return_data, calls.meter.used, events_root(machine.store, calls.events))
    return ApplyResult(receipt, _NO_GAS, failure)


def reward_message(
    epoch: int, miner: Address, penalty: TokenAmount, gas_reward: TokenAmount, win_count: int
) -> Message:
    """The implicit ``AwardBlockReward`` message for one block of a tipset."""
    params = dagcbor.encode([bytes(miner), penalty.to_bytes(), gas_reward.to_bytes(), win_count])
    return Message(
        to=REWARD_ACTOR,
        sender=SYSTEM_ACTOR,
        nonce=Nonce(epoch),
        value=ZERO,
        gas_limit=IMPLICIT_GAS_LIMIT,
        gas_fee_cap=ZERO,
        gas_premium=ZERO,
        method=MethodNum(int(RewardMethod.AWARD_BLOCK_REWARD)),
        params=params,
    )


def cron_message(epoch: int) -> Message:
    """The implicit ``EpochTick`` message that ends every epoch."""
    return Message(
        to=CRON_ACTOR,
        sender=SYSTEM_ACTOR,
        nonce=Nonce(epoch),
        value=ZERO,
        gas_limit=CRON_GAS_LIMIT,
        gas_fee_cap=ZERO,
        gas_premium=ZERO,
        method=CRON_EPOCH_TICK,
    )


def _invoke(calls: CallManager, sender_id: Address, message: Message) -> tuple[ExitCode, bytes, str]:
    """Run the message's call and charge its return value; (exit code, return bytes, failure)."""
    machine = calls.machine
    machine.begin()
    try:
        return_data = calls.send(sender_id, message.to, message.method, message.params, message.value)
        calls.meter.charge(machine.prices.on_chain_return_value(len(return_data)))
    except ActorError as e:
        machine.rollback()
        calls.events.clear()  # a failed message leaves no events, whichever call failed
        return e.exit_code, b"", e.reason
    except BaseException:
        machine.rollback()
        raise
    machine.commit()
    return ExitCode.OK, return_data, ""


def _prevalidation_failure(exit_code: ExitCode, penalty: TokenAmount, failure: str) -> ApplyResult:
    return ApplyResult(Receipt(exit_code, b"", 0), replace(_NO_GAS, miner_penalty=penalty), failure)
