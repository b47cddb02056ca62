"""A stateful hypothesis test of the whole VM: random value transfers, multisig proposals and approvals, and
payment channel updates, settlements and collections over several epochs, with the block reward and the cron
tick applied between epochs.

After every step: the total FIL is unchanged, every state invariant holds, each receipt's gas used is within
its gas limit, a message that passed pre-validation raised its sender's nonce by exactly one (and one that did
not changed nothing), and flushing then reloading the state gives back the same root.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from filnet.actors import manifest as names
from filnet.actors.init.actor import ExecParams, ExecReturn
from filnet.actors.init.methods import Method as InitMethod
from filnet.actors.invariants import check_state_invariants
from filnet.actors.multisig.methods import Method as MultisigMethod
from filnet.actors.multisig.state import MultisigState, PendingTransactions
from filnet.actors.multisig.types import ConstructorParams as MultisigConstructorParams
from filnet.actors.multisig.types import ProposeParams, TxnIDParams
from filnet.actors.paych.methods import Method as PaychMethod
from filnet.actors.paych.types import (
    ERR_CHANNEL_STATE_UPDATE_AFTER_SETTLED,
    SETTLE_DELAY,
    SignedVoucher,
    UpdateChannelStateParams,
)
from filnet.actors.paych.types import ConstructorParams as PaychConstructorParams
from filnet.chain.message import SignedMessage
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch, MethodNum
from filnet.crypto.keys import PrivateKey
from filnet.ipld import dagcbor
from filnet.vm.exit_codes import ExitCode
from filnet.vm.interpreter.apply import apply_implicit_message, cron_message, reward_message
from filnet.vm.interpreter.machine import Machine, SeededRandomness
from filnet.vm.state_tree import SYSTEM_ACTOR, StateTree
from tests.vm.harness import BASE_FEE, World, make_key

INIT = Address.new_id(1)
FIL = TokenAmount.from_fil(1)
#: Gas limits: ample, and tight enough that creating actors or running a method runs out of gas.
GAS_LIMITS = st.sampled_from([50_000_000, 50_000_000, 3_000_000])
AMOUNTS = st.integers(0, 30).map(lambda n: TokenAmount(n * FIL.atto // 10))


@dataclass
class Channel:
    """A payment channel the test opened: the next voucher nonce, and the epoch its settlement ends."""

    id_address: Address
    payer: PrivateKey
    payee: PrivateKey
    next_nonce: int = 1
    settling_at: int | None = None


@dataclass
class Multisig:
    """A multisig the test created and its signers."""

    id_address: Address
    signers: tuple[PrivateKey, ...]


class VmStateMachine(RuleBasedStateMachine):
    """Random messages over several epochs against one world; every step is checked."""

    def __init__(self) -> None:
        super().__init__()
        self.world = World([make_key(i) for i in range(4)])
        self.outsiders = [make_key(90).address, make_key(91).address]
        self.multisigs: list[Multisig] = []
        self.channels: list[Channel] = []

    # -- helpers ------------------------------------------------------------------------------------

    def send(
        self,
        key: PrivateKey,
        to: Address,
        value: TokenAmount = ZERO,
        method: int = 0,
        params: bytes = b"",
        gas_limit: int = 50_000_000,
    ) -> tuple[ExitCode, bytes]:
        """Apply one signed message and check its receipt, gas and nonce rules; (exit code, return)."""
        signed: SignedMessage = self.world.message(key, to, value, method, params, gas_limit=gas_limit)
        before = self.world.actor(key.address)
        result = self.world.apply(signed)
        after = self.world.actor(key.address)
        assert before is not None and after is not None
        receipt = result.receipt
        assert 0 <= receipt.gas_used <= gas_limit
        if receipt.gas_used == 0:
            assert receipt.exit_code.is_system and after == before  # pre-validation failed: nothing changed
        else:
            assert after.nonce == before.nonce + 1
        if receipt.exit_code is not ExitCode.OK:
            assert receipt.return_data == b""
        return receipt.exit_code, receipt.return_data

    def key(self, index: int) -> PrivateKey:
        """One of the world's funded keys."""
        return self.world.keys[index % len(self.world.keys)]

    def exec_actor(
        self, key: PrivateKey, name: str, constructor: bytes, value: TokenAmount, gas: int
    ) -> Address | None:
        """Create an actor through the init actor; its ID address, or None if the message failed."""
        params = ExecParams(self.world.machine.code_of(name), constructor)
        code, ret = self.send(key, INIT, value, int(InitMethod.EXEC), dagcbor.encode(params.to_ipld()), gas)
        if code is not ExitCode.OK:
            return None
        return ExecReturn.from_ipld(dagcbor.decode(ret)).id_address

    # -- rules --------------------------------------------------------------------------------------

    @rule(sender=st.integers(0, 3), receiver=st.integers(0, 5), value=AMOUNTS, gas=GAS_LIMITS)
    def transfer(self, sender: int, receiver: int, value: TokenAmount, gas: int) -> None:
        """A value transfer to a funded key, to itself, or to a new address (creating its account)."""
        targets = [k.address for k in self.world.keys] + self.outsiders
        self.send(self.key(sender), targets[receiver], value, gas_limit=gas)

    @rule(creator=st.integers(0, 3), others=st.integers(0, 3), threshold=st.integers(1, 3), value=AMOUNTS)
    def create_multisig(self, creator: int, others: int, threshold: int, value: TokenAmount) -> None:
        """A multisig of the creator and another key (the threshold may exceed the signers: refused)."""
        signers = tuple(
            {
                self.key(creator).address: self.key(creator),
                self.key(others).address: self.key(others),
            }.values()
        )
        constructor = MultisigConstructorParams(tuple(k.address for k in signers), threshold).encode()
        created = self.exec_actor(self.key(creator), names.MULTISIG, constructor, value, 50_000_000)
        if threshold > len(signers):
            assert created is None
        elif created is not None:
            self.multisigs.append(Multisig(created, signers))

    @precondition(lambda self: self.multisigs)
    @rule(which=st.integers(0, 99), proposer=st.integers(0, 3), receiver=st.integers(0, 5), value=AMOUNTS)
    def propose(self, which: int, proposer: int, receiver: int, value: TokenAmount) -> None:
        """A proposal to pay someone, by a signer or a stranger (USR_FORBIDDEN)."""
        msig = self.multisigs[which % len(self.multisigs)]
        targets = [k.address for k in self.world.keys] + self.outsiders
        params = ProposeParams(targets[receiver], value, MethodNum(0)).encode()
        key = self.key(proposer)
        code, _ = self.send(key, msig.id_address, method=int(MultisigMethod.PROPOSE), params=params)
        if key not in msig.signers:
            assert code is ExitCode.USR_FORBIDDEN

    @precondition(lambda self: self.multisigs)
    @rule(which=st.integers(0, 99), approver=st.integers(0, 3), cancel=st.booleans())
    def approve_or_cancel(self, which: int, approver: int, cancel: bool) -> None:
        """Approve (or cancel) the first pending transaction of a multisig."""
        msig = self.multisigs[which % len(self.multisigs)]
        actor = self.world.actor(msig.id_address)
        assert actor is not None
        state = MultisigState.decode(self.world.store.get(actor.head))
        pending = list(PendingTransactions(self.world.store, state.pending_txs).items())
        if not pending:
            return
        txn_id, txn = pending[0]
        method = MultisigMethod.CANCEL if cancel else MultisigMethod.APPROVE
        params = TxnIDParams(txn_id, txn.proposal_hash()).encode()
        self.send(self.key(approver), msig.id_address, method=int(method), params=params)

    @rule(payer=st.integers(0, 3), payee=st.integers(0, 3), value=AMOUNTS, gas=GAS_LIMITS)
    def create_channel(self, payer: int, payee: int, value: TokenAmount, gas: int) -> None:
        """A payment channel between two keys."""
        from_key, to_key = self.key(payer), self.key(payee)
        constructor = PaychConstructorParams(from_key.address, to_key.address).encode()
        created = self.exec_actor(from_key, names.PAYCH, constructor, value, gas)
        if created is not None:
            self.channels.append(Channel(created, from_key, to_key))

    @precondition(lambda self: self.channels)
    @rule(which=st.integers(0, 99), lane=st.integers(0, 2), amount=AMOUNTS, forged=st.booleans())
    def update_channel(self, which: int, lane: int, amount: TokenAmount, forged: bool) -> None:
        """The payee redeems a voucher signed by the payer (or by the payee itself: refused)."""
        channel = self.channels[which % len(self.channels)]
        voucher = SignedVoucher(channel.id_address, lane=lane, nonce=channel.next_nonce, amount=amount)
        signer = channel.payee if forged else channel.payer
        channel.next_nonce += 1
        params = UpdateChannelStateParams(
            voucher.with_signature(signer.sign(voucher.signing_bytes()))
        ).encode()
        code, _ = self.send(
            channel.payee, channel.id_address, method=int(PaychMethod.UPDATE_CHANNEL_STATE), params=params
        )
        settled = channel.settling_at is not None and self.world.machine.epoch >= channel.settling_at
        if settled:
            assert int(code) == ERR_CHANNEL_STATE_UPDATE_AFTER_SETTLED
        elif forged and channel.payer != channel.payee:
            assert code is ExitCode.USR_ILLEGAL_ARGUMENT

    @precondition(lambda self: self.channels)
    @rule(which=st.integers(0, 99), by_payee=st.booleans())
    def settle(self, which: int, by_payee: bool) -> None:
        """Either party starts the settlement (once: a second Settle is USR_ILLEGAL_STATE)."""
        channel = self.channels[which % len(self.channels)]
        key = channel.payee if by_payee else channel.payer
        code, _ = self.send(key, channel.id_address, method=int(PaychMethod.SETTLE))
        if channel.settling_at is not None:
            assert code is ExitCode.USR_ILLEGAL_STATE
        elif code is ExitCode.OK:
            channel.settling_at = int(self.world.machine.epoch) + SETTLE_DELAY

    @precondition(lambda self: self.channels)
    @rule(which=st.integers(0, 99), by_payee=st.booleans())
    def collect(self, which: int, by_payee: bool) -> None:
        """Collect a channel: refused before its settlement ends; after it, both parties are paid and the
        channel is deleted."""
        settled = [c for c in self.channels if c.settling_at is not None] or self.channels
        channel = settled[which % len(settled)]
        key = channel.payee if by_payee else channel.payer
        code, _ = self.send(key, channel.id_address, method=int(PaychMethod.COLLECT))
        if channel.settling_at is None or self.world.machine.epoch < channel.settling_at:
            assert code is ExitCode.USR_FORBIDDEN
        else:
            assert code is ExitCode.OK
            assert self.world.actor(channel.id_address) is None
            self.channels.remove(channel)

    @rule(jump=st.sampled_from([1, 1, 3, SETTLE_DELAY + 1]), miner=st.integers(0, 3))
    def next_epoch(self, jump: int, miner: int) -> None:
        """End the epoch with a block reward and the cron tick, then move on (null rounds are skipped)."""
        machine = self.world.machine
        epoch = int(machine.epoch)
        award = reward_message(epoch, self.key(miner).address, TokenAmount(0), TokenAmount(0), 1)
        system_before = machine.get_actor(SYSTEM_ACTOR)
        for implicit in (award, cron_message(epoch)):
            receipt = apply_implicit_message(machine, implicit).receipt
            assert receipt.exit_code is ExitCode.OK
            assert receipt.gas_used <= implicit.gas_limit
        # implicit messages carry the epoch as their nonce but neither check nor raise the system actor's
        assert machine.get_actor(SYSTEM_ACTOR) == system_before
        self.reload(ChainEpoch(epoch + jump))

    # -- checks after every step --------------------------------------------------------------------

    def reload(self, epoch: ChainEpoch) -> None:
        """Flush, reload the state into a fresh machine at ``epoch``, and check the root is unchanged."""
        root = self.world.machine.flush()
        machine = Machine(self.world.store, root, epoch, BASE_FEE, SeededRandomness(b"vmtest"))
        assert machine.flush() == root
        self.world.machine = machine

    @invariant()
    def state_is_sound(self) -> None:
        """Every invariant holds, no FIL appeared or vanished, and a reload changes nothing."""
        self.reload(self.world.machine.epoch)
        check = check_state_invariants(StateTree.load(self.world.store, self.world.machine.flush()))
        assert check.problems == ()
        assert check.total_balance == self.world.total


VmStateMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_vm_state_machine = VmStateMachine.TestCase
