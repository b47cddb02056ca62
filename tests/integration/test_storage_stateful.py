"""A stateful hypothesis test of the storage network: from a miner holding one proven deal sector, random
market deposits and withdrawals, deal publications (never activated, so they time out and slash their
provider's collateral), settlements, block rewards, miner withdrawals, fault recoveries and epoch advances
with the sector proven or left to fault, each through signed messages and cron.

After every step: every actor's invariants and the cross-actor checks hold, the total FIL is unchanged, and
the market holds exactly what was deposited, less what was withdrawn and what timed-out deals slashed.
"""

from __future__ import annotations

import functools

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from filnet.actors.market.methods import Method as MarketMethod
from filnet.actors.market.policy import deal_provider_collateral_bounds
from filnet.actors.market.state import DealProposal
from filnet.actors.market.types import (
    PublishStorageDealsParams,
    PublishStorageDealsReturn,
    SettleDealPaymentsParams,
    WithdrawBalanceParams,
    WithdrawBalanceReturn,
)
from filnet.actors.miner.methods import Method as MinerMethod
from filnet.actors.miner.proving import declaration_deadline_info
from filnet.actors.miner.types import DeclareFaultsRecoveredParams, RecoveryDeclaration
from filnet.actors.miner.types import WithdrawBalanceParams as MinerWithdrawParams
from filnet.actors.singletons import STORAGE_MARKET_ACTOR
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.crypto.keys import PrivateKey
from filnet.ipld.bitfield import BitField
from filnet.vm.exit_codes import ExitCode
from tests.integration.storage_world import SECTOR_SIZE, DealSector, StorageWorld, onboard_deal_sector

AMOUNTS = st.integers(1, 40).map(lambda n: TokenAmount(n * 10**17))
PARTIES = st.sampled_from(["client", "provider"])
#: The last epoch the machine runs to. The creation deposit and the block reward of the template both
#: finish vesting at about 2900 (devnet vests over 2880 epochs): from then on the network's pledge total
#: is below zero by the deposit (builtin-actors never adds it, but subtracts its vesting; see
#: ``test_storage_faults``), and any pledge release makes the miner's cron fail.
HORIZON = 2800


@functools.cache
def _template() -> DealSector:
    """The standard scenario, built once per process and forked for every example.

    The miner has won a block: its vesting reward keeps the network's pledge total above its sector's
    pledge. Without it, a lone miner's pledge total falls below that once its creation deposit starts
    vesting (builtin-actors behaviour, see ``test_storage_faults``), and the sector's expiration would make
    its deadline cron fail and the power actor drop the miner."""
    setup = onboard_deal_sector()
    setup.world.next_epoch()
    setup.world.award_block_reward(setup.miner)
    return setup


class StorageStateMachine(RuleBasedStateMachine):
    """Random storage-market and miner activity against one world; every step is checked."""

    def __init__(self) -> None:
        super().__init__()
        self.setup = _template().fork()
        self.world: StorageWorld = self.setup.world
        self.market_balance = self.world.balance(STORAGE_MARKET_ACTOR)
        #: Deals published here, not yet timed out: their provider collateral is slashed when they do.
        self.pending: dict[int, DealProposal] = {}
        self.deals: list[int] = [self.setup.deal_id]
        self.labels = 0

    def _party(self, who: str) -> tuple[PrivateKey, Address]:
        """Who signs for a party's market balance, and whose balance it is."""
        keys = self.world.keys
        return (keys.owner, self.setup.miner) if who == "provider" else (keys.client, keys.client.address)

    @rule(who=PARTIES, amount=AMOUNTS)
    def add_balance(self, who: str, amount: TokenAmount) -> None:
        signer, target = self._party(who)
        before = self.world.escrow(target)
        self.world.add_balance(signer, target, amount)
        assert self.world.escrow(target) == before + amount
        self.market_balance += amount

    @rule(who=PARTIES, amount=AMOUNTS)
    def withdraw(self, who: str, amount: TokenAmount) -> None:
        world = self.world
        signer, target = self._party(who)
        free = world.escrow(target) - world.locked(target)
        before = world.balance(signer.address)
        params = WithdrawBalanceParams(target, amount).encode()
        result = world.send_ok(signer, STORAGE_MARKET_ACTOR, MarketMethod.WITHDRAW_BALANCE, params)
        taken = WithdrawBalanceReturn.decode(result.receipt.return_data).amount_withdrawn
        assert taken == min(amount, free)
        assert world.balance(signer.address) == before + taken - world.last_gas
        self.market_balance -= taken

    @rule(
        start=st.integers(5, 30),
        duration=st.integers(120, 300),
        price=st.integers(0, 10**15),
        # mostly above the minimum provider collateral (about 10^6 attoFIL here), sometimes not
        collateral=st.one_of(st.integers(0, 10**5), st.integers(10**15, 2 * 10**18)),
    )
    def publish(self, start: int, duration: int, price: int, collateral: int) -> None:
        world, keys, miner = self.world, self.world.keys, self.setup.miner
        self.labels += 1
        # The standard piece again, which no new sector will hold: the deal times out at its start.
        deal = world.deal(
            keys.client,
            miner,
            self.setup.sealed,
            world.epoch + start,
            world.epoch + start + duration,
            TokenAmount(price),
            TokenAmount(collateral),
            ZERO,
            label=f"deal {self.labels}",
        )
        client = keys.client.address
        reward, power = world.reward(), world.power()
        minimum, _ = deal_provider_collateral_bounds(
            world.policy,
            SECTOR_SIZE,
            power.this_epoch_raw_byte_power,
            reward.this_epoch_baseline_power,
            world.machine.circulating_supply,
        )
        proposal = deal.proposal
        refusals = {
            "client funds": world.escrow(client) - world.locked(client)
            < proposal.client_balance_requirement(),
            "provider funds": world.escrow(miner) - world.locked(miner)
            < proposal.provider_balance_requirement(),
            "collateral": proposal.provider_collateral < minimum,
        }
        valid = not any(refusals.values())
        event(f"publish refused for {sorted(k for k, v in refusals.items() if v)}")
        params = PublishStorageDealsParams((deal,)).encode()
        result = world.send(keys.worker, STORAGE_MARKET_ACTOR, MarketMethod.PUBLISH_STORAGE_DEALS, params)
        if not valid:
            assert result.receipt.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT, result.failure
            return
        assert result.receipt.exit_code is ExitCode.OK, result.failure
        (deal_id,) = PublishStorageDealsReturn.decode(result.receipt.return_data).ids
        self.pending[deal_id] = deal.proposal
        self.deals.append(deal_id)

    @rule(data=st.data())
    def settle(self, data: st.DataObject) -> None:
        deal_id = data.draw(st.sampled_from(self.deals))
        params = SettleDealPaymentsParams(BitField.from_indices([deal_id])).encode()
        self.world.send_ok(
            self.world.keys.stranger, STORAGE_MARKET_ACTOR, MarketMethod.SETTLE_DEAL_PAYMENTS_EXPORTED, params
        )

    @rule()
    def block_reward(self) -> None:
        before = self.world.balance(self.setup.miner)
        self.world.award_block_reward(self.setup.miner)
        assert self.world.balance(self.setup.miner) > before

    @rule(amount=AMOUNTS)
    def withdraw_from_miner(self, amount: TokenAmount) -> None:
        world, miner = self.world, self.setup.miner
        state = world.miner_state(miner)
        free = state.get_available_balance(world.balance(miner))
        params = MinerWithdrawParams(amount).encode()
        result = world.send(world.keys.owner, miner, MinerMethod.WITHDRAW_BALANCE, params)
        event(f"miner withdrawal with debt={free < ZERO}")
        if free < ZERO:
            assert result.receipt.exit_code is ExitCode.USR_INSUFFICIENT_FUNDS, result.failure
        else:
            assert result.receipt.exit_code is ExitCode.OK, result.failure

    @rule()
    def declare_recovery(self) -> None:
        setup, world = self.setup, self.world
        partition = world.partition(setup.miner, setup.deadline, setup.partition)
        if not partition.faults or partition.recoveries:
            return
        params = DeclareFaultsRecoveredParams(
            (RecoveryDeclaration(setup.deadline, setup.partition, BitField.from_indices([0])),)
        ).encode()
        state = world.miner_state(setup.miner)
        target = declaration_deadline_info(
            world.policy,
            state.current_proving_period_start(world.policy, world.epoch),
            setup.deadline,
            world.epoch,
        )
        result = world.send(world.keys.worker, setup.miner, MinerMethod.DECLARE_FAULTS_RECOVERED, params)
        late = target.fault_cutoff_passed()
        event(f"recovery declared late={late}")
        if late:
            # within the fault cutoff of the deadline's next window: too late to declare for it
            assert result.receipt.exit_code is ExitCode.USR_ILLEGAL_ARGUMENT, result.failure
            return
        assert result.receipt.exit_code is ExitCode.OK, result.failure
        assert set(world.partition(setup.miner, setup.deadline, setup.partition).recoveries) == {0}

    @rule(periods=st.integers(1, 4), prove=st.booleans())
    def advance_periods(self, periods: int, prove: bool) -> None:
        """Whole proving periods at once: deal ends, fault fees, and the sector's expiration at epoch 1000."""
        self.advance(periods * self.world.policy.wpost_proving_period, prove)

    @rule(epochs=st.integers(1, 100), prove=st.booleans())
    def advance(self, epochs: int, prove: bool) -> None:
        """Run cron through ``epochs`` epochs, proving the sector at its windows (unless ``prove`` is off or
        it is faulty and not declared recovered)."""
        setup, world = self.setup, self.world
        target = min(world.epoch + epochs, HORIZON)
        while world.epoch < target:
            info = world.deadline(setup.miner)
            partition = world.partition(setup.miner, setup.deadline, setup.partition)
            provable = bool(partition.live_sectors()) and not (partition.faults - partition.recoveries)
            posted = setup.partition in world.deadline_state(setup.miner, setup.deadline).partitions_posted
            if prove and provable and info.index == setup.deadline and info.is_open() and not posted:
                world.window_post(setup.miner, [setup.sealed])
            world.next_epoch()
        partition = world.partition(setup.miner, setup.deadline, setup.partition)
        event(
            f"sector after advancing: faulty={bool(partition.faults)} terminated={bool(partition.terminated)}"
        )

    @invariant()
    def sound(self) -> None:
        world = self.world
        world.flush_and_check()
        # a deal that timed out lost its provider's whole collateral (burnt)
        for deal_id, proposal in list(self.pending.items()):
            if world.market().find_proposal(world.store, deal_id) is None:
                assert world.epoch > proposal.start_epoch or proposal.start_epoch == world.epoch
                self.market_balance -= proposal.provider_collateral
                del self.pending[deal_id]
                event("a deal timed out")
        assert world.balance(STORAGE_MARKET_ACTOR) == self.market_balance
        for address in (world.keys.client.address, self.setup.miner):
            assert ZERO <= world.locked(address) <= world.escrow(address)


StorageStateMachine.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_storage_state_machine = StorageStateMachine.TestCase
