"""Storage providers in a genesis: miners with pre-sealed, active sectors and power from epoch 0.

This follows Lotus's ``SetupStorageMiners`` (``chain/gen/genesis/miners.go``): the builtin actors do the
work, driven by implicit messages on a machine at epoch 0 with no FIL in circulation yet (so zero-price,
zero-collateral genesis deals are valid and pledge is the storage pledge alone):

1. the owner creates the miner through the power actor (IDs from f01000 up, in the order given: the
   sectors were sealed for exactly that prover ID);
2. the FIL sent with that message pays the new miner's creation deposit (FIP-0077) and the sectors'
   initial pledge;
3. the worker publishes the sectors' deals (proposed and signed by the worker as client);
4. the sectors' pre-commits are written into the miner's state, as no proof can be checked yet, and the
   miner's deadline cron is enrolled as a ``PreCommitSectorBatch2`` would;
5. the system actor calls the miner's ``InternalSectorSetupForPreseal``, which activates the deals and
   the sectors and locks the pledge as a ``ProveCommit`` would;
6. the new sectors count as proven (no WindowPoSt could have come first) and the miner claims their
   power, as Lotus does with ``UpdateClaimedPower`` and ``EraseAllUnproven``.

Afterwards the power actor's "this epoch" totals and smoothed estimate, and the reward actor's state, are
set from the power the genesis now holds, as Lotus does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from filnet.actors.init.state import InitState
from filnet.actors.market.methods import Method as MarketMethod
from filnet.actors.market.types import (
    ClientDealProposal,
    PublishStorageDealsParams,
    PublishStorageDealsReturn,
)
from filnet.actors.miner.bitfield_queue import put_cbor
from filnet.actors.miner.methods import Method as MinerMethod
from filnet.actors.miner.partition import PowerPair
from filnet.actors.miner.sectors import CompactCommD, SectorPreCommitInfo, SectorPreCommitOnChainInfo
from filnet.actors.miner.state import CollisionPolicy, MinerState
from filnet.actors.miner.types import (
    CRON_EVENT_PROVING_DEADLINE,
    CronEventPayload,
    InternalSectorSetupForPresealParams,
)
from filnet.actors.power.methods import Method as PowerMethod
from filnet.actors.power.state import PowerState
from filnet.actors.power.types import (
    CreateMinerParams,
    CreateMinerReturn,
    EnrollCronEventParams,
    UpdateClaimedPowerParams,
)
from filnet.actors.reward import logic as reward_logic
from filnet.actors.reward.state import RewardState
from filnet.actors.singletons import (
    INIT_ACTOR,
    REWARD_ACTOR,
    STORAGE_MARKET_ACTOR,
    STORAGE_POWER_ACTOR,
    SYSTEM_ACTOR,
)
from filnet.actors.smoothing import FilterEstimate
from filnet.chain.message import Message
from filnet.chain.preseal import PresealMiner
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch, MethodNum, Nonce
from filnet.errors import InvalidInput
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.params.network import ActorPolicy
from filnet.proofs.seal import sealed_cid, unsealed_cid
from filnet.vm.exit_codes import ExitCode
from filnet.vm.interpreter.apply import IMPLICIT_GAS_LIMIT, apply_implicit_message
from filnet.vm.interpreter.machine import Machine, SeededRandomness

#: The first miner's ID (Lotus ``genesis.MinerStart``).
MINER_START: Final = 1000
#: What an owner moves into its genesis miner for pledge unless told otherwise.
DEFAULT_MINER_FUNDS: Final = TokenAmount.from_fil(10)


@dataclass(frozen=True, slots=True)
class GenesisMiner:
    """A pre-sealed miner and the FIL its owner creates it with (creation deposit and sectors' pledge)."""

    preseal: PresealMiner
    funds: TokenAmount = DEFAULT_MINER_FUNDS


class GenesisMinerError(InvalidInput):
    """A genesis miner could not be set up (names the miner and the step)."""


def setup_storage_miners(
    store: Blockstore, state_root: CID, miners: Sequence[GenesisMiner], policy: ActorPolicy, network: str
) -> CID:
    """Add ``miners`` to the genesis state ``state_root``; the new state root."""
    machine = Machine(store, state_root, 0, ZERO, SeededRandomness(network.encode()), policy=policy)
    _reserve_miner_ids(machine, len(miners))
    nonce = 0
    for index, miner in enumerate(miners):
        expected = Address.new_id(MINER_START + index)
        if miner.preseal.miner != expected:
            raise GenesisMinerError(
                f"genesis miner {index} was pre-sealed for {miner.preseal.miner}, but will be {expected}"
            )
        nonce = _setup_miner(machine, miner, nonce)
    _update_network_power(machine)
    return machine.flush()


def _reserve_miner_ids(machine: Machine, count: int) -> None:
    """Make the init actor hand out f01000 next, as Lotus's genesis does (accounts sit below it)."""
    init = machine.get_actor(INIT_ACTOR)
    assert init is not None
    state = InitState.decode(machine.store.get(init.head))
    if state.next_id > MINER_START:
        raise GenesisMinerError(f"{state.next_id - 100} genesis accounts leave no room for miners at f01000")
    new = InitState(state.address_map, ActorID(MINER_START), state.network_name)
    machine.set_actor(INIT_ACTOR, replace(init, head=machine.put_block(new.encode())))


def _call(
    machine: Machine, sender: Address, to: Address, method: int, params: bytes, value: TokenAmount, nonce: int
) -> bytes:
    """Run one implicit message that must succeed."""
    message = Message(
        to=to,
        sender=sender,
        nonce=Nonce(nonce),
        value=value,
        gas_limit=IMPLICIT_GAS_LIMIT * 100,
        gas_fee_cap=ZERO,
        gas_premium=ZERO,
        method=MethodNum(int(method)),
        params=params,
    )
    result = apply_implicit_message(machine, message)
    if result.receipt.exit_code is not ExitCode.OK:
        raise GenesisMinerError(
            f"method {method} of {to} from {sender} failed: {result.receipt.exit_code.name}: {result.failure}"
        )
    return result.receipt.return_data


def _setup_miner(machine: Machine, miner: GenesisMiner, nonce: int) -> int:
    """Steps 1-5 for one miner; the next free implicit-message nonce."""
    pre = miner.preseal
    params = CreateMinerParams(pre.owner, pre.worker, int(pre.proof_type.window_post), pre.peer_id, ())
    created = CreateMinerReturn.decode(
        _call(
            machine,
            pre.owner,
            STORAGE_POWER_ACTOR,
            PowerMethod.CREATE_MINER,
            params.encode(),
            miner.funds,
            nonce,
        )
    )
    if created.id_address != pre.miner:
        raise GenesisMinerError(f"the miner for {pre.miner} was created at {created.id_address}")

    deals = [ClientDealProposal(s.deal, s.deal_signature) for s in pre.sectors if s.deal and s.deal_signature]
    deal_ids: list[int] = []
    if deals:
        publish = PublishStorageDealsParams(tuple(deals))
        ret = PublishStorageDealsReturn.decode(
            _call(
                machine,
                pre.worker,
                STORAGE_MARKET_ACTOR,
                MarketMethod.PUBLISH_STORAGE_DEALS,
                publish.encode(),
                ZERO,
                nonce + 2,
            )
        )
        if ret.valid_deals.count() != len(deals):
            raise GenesisMinerError(f"the market refused some of {pre.miner}'s genesis deals")
        deal_ids = list(ret.ids)

    precommits = []
    ids = iter(deal_ids)
    for sector in pre.sectors:
        info = SectorPreCommitInfo(
            seal_proof=int(sector.proof_type),
            sector_number=sector.sector_number,
            sealed_cid=sealed_cid(sector.comm_r),
            seal_rand_epoch=ChainEpoch(0),
            deal_ids=(next(ids),) if sector.deal is not None else (),
            expiration=sector.expiration,
            unsealed_cid=CompactCommD.of(unsealed_cid(sector.comm_d))
            if sector.deal is not None
            else CompactCommD(),
        )
        precommits.append(SectorPreCommitOnChainInfo(info, ZERO, ChainEpoch(0)))
    actor = machine.get_actor(pre.miner)
    assert actor is not None
    store = machine.store
    state = MinerState.decode(store.get(actor.head))
    state = state.allocate_sector_numbers(
        store, BitField.from_indices(s.sector_number for s in pre.sectors), CollisionPolicy.DenyCollisions
    )
    state = state.put_precommitted_sectors(store, precommits)
    enroll_cron = not state.deadline_cron_active
    state = replace(state, deadline_cron_active=True)
    machine.set_actor(pre.miner, replace(actor, head=put_cbor(store, state.to_ipld())))
    if enroll_cron:
        first_deadline_end = state.deadline_info(machine.policy, ChainEpoch(0)).last()
        enroll = EnrollCronEventParams(
            first_deadline_end, CronEventPayload(CRON_EVENT_PROVING_DEADLINE).encode()
        )
        _call(
            machine,
            pre.miner,
            STORAGE_POWER_ACTOR,
            PowerMethod.ENROLL_CRON_EVENT,
            enroll.encode(),
            ZERO,
            nonce + 1,
        )

    reward = _reward_state(machine)
    power = _power_state(machine)
    setup = InternalSectorSetupForPresealParams(
        tuple(s.sector_number for s in pre.sectors),
        reward.this_epoch_reward_smoothed,
        reward.this_epoch_baseline_power,
        power.this_epoch_qa_power_smoothed,
    )
    _call(
        machine,
        SYSTEM_ACTOR,
        pre.miner,
        MinerMethod.INTERNAL_SECTOR_SETUP_FOR_PRESEAL,
        setup.encode(),
        ZERO,
        nonce + 3,
    )
    power_added = _prove_all_sectors(machine, pre.miner)
    claim = UpdateClaimedPowerParams(power_added.raw, power_added.qa)
    _call(
        machine,
        pre.miner,
        STORAGE_POWER_ACTOR,
        PowerMethod.UPDATE_CLAIMED_POWER,
        claim.encode(),
        ZERO,
        nonce + 4,
    )
    return nonce + 5


def _prove_all_sectors(machine: Machine, miner: Address) -> PowerPair:
    """Mark every unproven sector of ``miner`` proven (Lotus ``EraseAllUnproven``); the power that adds."""
    store = machine.store
    actor = machine.get_actor(miner)
    assert actor is not None
    state = MinerState.decode(store.get(actor.head))
    deadlines = state.load_deadlines(store)
    total = PowerPair.zero()
    for index, deadline in list(deadlines.for_each(store)):
        partitions = deadline.partitions_amt(store)
        changed = False
        for partition_index, partition in list(deadline.for_each(store)):
            if not partition.unproven:
                continue
            proven, power = partition.activate_unproven()
            partitions.set(partition_index, proven.to_ipld())
            total = total + power
            changed = True
        if changed:
            deadline = replace(deadline, partitions=partitions.flush())
            deadlines = deadlines.update_deadline(machine.policy, store, index, deadline)
    state = state.save_deadlines(store, deadlines)
    machine.set_actor(miner, replace(actor, head=put_cbor(store, state.to_ipld())))
    return total


def _reward_state(machine: Machine) -> RewardState:
    actor = machine.get_actor(REWARD_ACTOR)
    assert actor is not None
    return RewardState.decode(machine.store.get(actor.head))


def _power_state(machine: Machine) -> PowerState:
    actor = machine.get_actor(STORAGE_POWER_ACTOR)
    assert actor is not None
    return PowerState.decode(machine.store.get(actor.head))


def _update_network_power(machine: Machine) -> None:
    """Set the power actor's current totals and estimate, and the reward actor's state, from the claims."""
    power = _power_state(machine)
    power = replace(
        power,
        this_epoch_raw_byte_power=power.total_raw_byte_power,
        this_epoch_quality_adj_power=power.total_quality_adj_power,
        this_epoch_pledge_collateral=power.total_pledge_collateral,
        this_epoch_qa_power_smoothed=FilterEstimate.from_q0(power.total_quality_adj_power, 0),
    )
    actor = machine.get_actor(STORAGE_POWER_ACTOR)
    assert actor is not None
    machine.set_actor(STORAGE_POWER_ACTOR, replace(actor, head=machine.put_block(power.encode())))
    reward_actor = machine.get_actor(REWARD_ACTOR)
    assert reward_actor is not None
    reward = reward_logic.initial_state(power.total_quality_adj_power)
    machine.set_actor(REWARD_ACTOR, replace(reward_actor, head=machine.put_block(reward.encode())))
