"""The API's miner, market and verified-registry state methods, as Lotus answers them.

Each reads ``tsk``'s parent state (the state the tipset was mined on, as Lotus's ``StateManager.ParentState``)
and returns go-state-types JSON: sectors, pre-commits, deadlines and partitions (bitfields as go-bitfield's
run lengths), deals and escrow, collateral and pledge estimates (with Lotus's 110 % margin on minimum
collateral, pledge and deposit), DataCap. ``StateReadState`` prints any actor's typed state.
"""

from __future__ import annotations

from typing import Any, Final

from filnet.actors import manifest as names
from filnet.actors.datacap.state import GRANULARITY, DatacapState
from filnet.actors.encoding import as_bigint, uint_key
from filnet.actors.market.policy import deal_provider_collateral_bounds
from filnet.actors.market.state import EMPTY_DEAL_STATE, BalanceTable, DealArray, DealMetaArray, MarketState
from filnet.actors.miner.monies import initial_pledge_for_power, pre_commit_deposit_for_power
from filnet.actors.miner.partition import Partition
from filnet.actors.miner.policy import qa_power_for_weight, qa_power_max
from filnet.actors.miner.sectors import CompactCommD, SectorPreCommitInfo
from filnet.actors.miner.state import MinerState, PreCommitMap
from filnet.actors.power.state import PowerState
from filnet.actors.reward.state import RewardState
from filnet.actors.singletons import (
    DATACAP_TOKEN_ACTOR,
    REWARD_ACTOR,
    STORAGE_MARKET_ACTOR,
    STORAGE_POWER_ACTOR,
    VERIFIED_REGISTRY_ACTOR,
)
from filnet.actors.states import STATE_TYPES
from filnet.actors.verifreg.state import VerifregState
from filnet.api.registry import Registry
from filnet.chain.lotus_json import (
    JSONFieldError,
    address_from_json,
    bigint_to_json,
    bitfield_from_json,
    bitfield_to_json,
    cid_from_json,
    cid_to_json,
    int64_from_json,
    uint64_from_json,
)
from filnet.chain.tipset import TipSet, TipSetKey
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.errors import InvalidInput, NotFound
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.hamt import Hamt
from filnet.node.full import FullNode
from filnet.proofs.registry import RegisteredSealProof
from filnet.vm.state_tree import ActorState, StateTree

#: Lotus pads its pledge, deposit and minimum-collateral estimates by 10 % (``initialPledgeNum/Den``,
#: ``dealProviderCollateralNum/Den``) so a message built on them survives a few epochs of drift.
ESTIMATE_MARGIN: Final = (110, 100)


def _with_margin(amount: TokenAmount) -> TokenAmount:
    num, den = ESTIMATE_MARGIN
    return TokenAmount(amount.atto * num // den)


def precommit_info_from_json(value: Any, field: str = "pci") -> SectorPreCommitInfo:
    """A go-state-types ``SectorPreCommitInfo`` JSON object."""
    if not isinstance(value, dict):
        raise JSONFieldError(f"{field} must be a SectorPreCommitInfo object")

    def need(key: str) -> Any:
        if key not in value:
            raise JSONFieldError(f"{field}.{key} is missing")
        return value[key]

    deal_ids = value.get("DealIDs") or []
    if not isinstance(deal_ids, list):
        raise JSONFieldError(f"{field}.DealIDs must be a list of deal IDs")
    unsealed = value.get("UnsealedCid")
    return SectorPreCommitInfo(
        seal_proof=int64_from_json(need("SealProof"), f"{field}.SealProof"),
        sector_number=uint64_from_json(need("SectorNumber"), f"{field}.SectorNumber"),
        sealed_cid=cid_from_json(need("SealedCID"), f"{field}.SealedCID"),
        seal_rand_epoch=ChainEpoch(int64_from_json(need("SealRandEpoch"), f"{field}.SealRandEpoch")),
        deal_ids=tuple(uint64_from_json(d, f"{field}.DealIDs") for d in deal_ids),
        expiration=ChainEpoch(int64_from_json(need("Expiration"), f"{field}.Expiration")),
        unsealed_cid=CompactCommD(
            None if unsealed is None else cid_from_json(unsealed, f"{field}.UnsealedCid")
        ),
    )


def _sector_size(seal_proof: int) -> int:
    try:
        return RegisteredSealProof(seal_proof).sector_size
    except ValueError:
        raise InvalidInput(f"unknown seal proof {seal_proof}") from None


def _partition_json(partition: Partition) -> dict[str, Any]:
    """Lotus ``api.Partition``."""
    return {
        "AllSectors": bitfield_to_json(partition.sectors),
        "FaultySectors": bitfield_to_json(partition.faults),
        "RecoveringSectors": bitfield_to_json(partition.recoveries),
        "LiveSectors": bitfield_to_json(partition.live_sectors()),
        "ActiveSectors": bitfield_to_json(partition.active_sectors()),
    }


class _StateView:
    """Typed reads of one state tree."""

    def __init__(self, node: FullNode, ts: TipSet) -> None:
        self.node = node
        self.ts = ts
        self.tree: StateTree = node.chain.parent_tree(ts)
        self.store: Blockstore = node.chain.blocks

    def actor(self, address: Address, kind: str = "actor") -> ActorState:
        found = self.tree.get_actor(address)
        if found is None:
            raise NotFound(f"{kind} {address.encode(self.node.network)} not found")
        return found

    def miner(self, address: Address) -> tuple[ActorState, MinerState]:
        actor = self.actor(address, "miner")
        if self.tree.actor_name(actor) != names.MINER:
            raise InvalidInput(f"actor {address.encode(self.node.network)} is not a miner")
        return actor, MinerState.decode(self.store.get(actor.head))

    def market(self) -> MarketState:
        return MarketState.decode(self.store.get(self.actor(STORAGE_MARKET_ACTOR).head))

    def power(self) -> PowerState:
        return PowerState.decode(self.store.get(self.actor(STORAGE_POWER_ACTOR).head))

    def reward(self) -> RewardState:
        return RewardState.decode(self.store.get(self.actor(REWARD_ACTOR).head))

    def id_of(self, address: Address) -> Address:
        found = self.tree.lookup_id(address)
        if found is None:
            raise NotFound(f"actor not found: {address.encode(self.node.network)}")
        return found

    def all_partition_sectors(self, state: MinerState, pick: str) -> BitField:
        """The union over every partition of its ``pick`` set (Lotus ``miner.AllPartSectors``)."""
        parts = []
        for _, deadline in state.load_deadlines(self.store).for_each(self.store):
            for _, partition in deadline.for_each(self.store):
                if pick == "active":
                    parts.append(partition.active_sectors())
                elif pick == "faulty":
                    parts.append(partition.faults)
                else:
                    parts.append(partition.recoveries)
        return BitField.multi_union(parts)

    def sectors_json(self, state: MinerState, numbers: BitField | None) -> list[dict[str, Any]]:
        if numbers is None:
            return [s.to_json() for s in state.for_each_sector(self.store)]
        return [s.to_json() for s in state.load_sector_infos(self.store, numbers)]

    def verified_deal_weight(self, miner: Address, info: SectorPreCommitInfo) -> int:
        """The verified space-time of ``info``'s deals if activated now (``VerifyDealsForActivation``)."""
        market = self.market()
        weight = 0
        for deal_id in info.deal_ids:
            proposal = market.find_proposal(self.store, deal_id)
            if proposal is None:
                raise NotFound(f"deal {deal_id} not found")
            if proposal.provider != miner:
                raise InvalidInput(f"deal {deal_id} belongs to provider {proposal.provider}, not {miner}")
            if proposal.end_epoch > info.expiration:
                raise InvalidInput(f"deal {deal_id} ends at {proposal.end_epoch}, after the sector expires")
            if proposal.verified_deal:
                weight += proposal.piece_size * (proposal.end_epoch - self.ts.height)
        return weight

    def ramp(self, power: PowerState) -> tuple[int, int]:
        """Epochs since the FIP-0081 pledge ramp started and its duration (0, 0 when it has not)."""
        start = power.ramp_start_epoch
        if start is None or start <= 0:
            return 0, 0
        return self.ts.height - start, power.ramp_duration_epochs or 0


def register_state_methods(registry: Registry, node: FullNode) -> None:
    """Declare the miner, market and verified-registry state methods on ``registry``."""
    net = node.network

    def view(tsk: Any) -> _StateView:
        key = TipSetKey.from_json(tsk, "tsk")
        return _StateView(node, node.tipset(key if key.cids else None))

    def address(value: Any, field: str) -> Address:
        return address_from_json(value, field)

    # -- sectors --------------------------------------------------------------------------------------

    @registry.method(
        "Filecoin.StateMinerSectors",
        perm="read",
        params=("addr", "sectorNos", "tsk"),
        doc="A miner's sectors (those in sectorNos, or all when it is null).",
    )
    async def state_miner_sectors(addr: Any, sector_nos: Any, tsk: Any) -> Any:
        v = view(tsk)
        _, state = v.miner(address(addr, "addr"))
        numbers = None if sector_nos is None else bitfield_from_json(sector_nos, "sectorNos")
        return v.sectors_json(state, numbers)

    @registry.method(
        "Filecoin.StateMinerActiveSectors",
        perm="read",
        params=("maddr", "tsk"),
        doc="A miner's active sectors (proven, neither faulty nor terminated).",
    )
    async def state_miner_active_sectors(maddr: Any, tsk: Any) -> Any:
        v = view(tsk)
        _, state = v.miner(address(maddr, "maddr"))
        return v.sectors_json(state, v.all_partition_sectors(state, "active"))

    @registry.method(
        "Filecoin.StateSectorGetInfo",
        perm="read",
        params=("maddr", "n", "tsk"),
        doc="A sector's on-chain info, or null if the miner has no such sector.",
    )
    async def state_sector_get_info(maddr: Any, n: Any, tsk: Any) -> Any:
        v = view(tsk)
        _, state = v.miner(address(maddr, "maddr"))
        sector = state.get_sector(v.store, uint64_from_json(n, "n"))
        return None if sector is None else sector.to_json()

    @registry.method(
        "Filecoin.StateSectorPreCommitInfo",
        perm="read",
        params=("maddr", "n", "tsk"),
        doc="A sector's pre-commit, or null if it is not pre-committed.",
    )
    async def state_sector_precommit_info(maddr: Any, n: Any, tsk: Any) -> Any:
        v = view(tsk)
        _, state = v.miner(address(maddr, "maddr"))
        found = PreCommitMap(v.store, state.pre_committed_sectors).get(uint64_from_json(n, "n"))
        return None if found is None else found.to_json()

    # -- deadlines and partitions ---------------------------------------------------------------------

    @registry.method(
        "Filecoin.StateMinerDeadlines",
        perm="read",
        params=("m", "tsk"),
        doc="Each of a miner's deadlines: partitions posted, disputable proofs, daily fee.",
    )
    async def state_miner_deadlines(m: Any, tsk: Any) -> Any:
        v = view(tsk)
        _, state = v.miner(address(m, "m"))
        out = []
        for _, deadline in state.load_deadlines(v.store).for_each(v.store):
            disputable = len(deadline.optimistic_proofs_snapshot_amt(v.store))
            out.append(
                {
                    "PostSubmissions": bitfield_to_json(deadline.partitions_posted),
                    "DisputableProofCount": disputable,
                    "DailyFee": bigint_to_json(deadline.daily_fee),
                }
            )
        return out

    @registry.method(
        "Filecoin.StateMinerPartitions",
        perm="read",
        params=("m", "dlIdx", "tsk"),
        doc="The partitions of one of a miner's deadlines.",
    )
    async def state_miner_partitions(m: Any, dl_idx: Any, tsk: Any) -> Any:
        v = view(tsk)
        _, state = v.miner(address(m, "m"))
        index = uint64_from_json(dl_idx, "dlIdx")
        if index >= node.params.policy.wpost_period_deadlines:
            raise InvalidInput(
                f"deadline {index} out of range (0 … {node.params.policy.wpost_period_deadlines - 1})"
            )
        deadline = state.load_deadlines(v.store).load_deadline(v.store, index)
        return [_partition_json(p) for _, p in deadline.for_each(v.store)] or None

    @registry.method(
        "Filecoin.StateMinerProvingDeadline",
        perm="read",
        params=("addr", "tsk"),
        doc="The deadline the miner must prove next (at tsk's height).",
    )
    async def state_miner_proving_deadline(addr: Any, tsk: Any) -> Any:
        v = view(tsk)
        _, state = v.miner(address(addr, "addr"))
        return state.deadline_info(node.params.policy, v.ts.height).next_not_elapsed().to_json()

    @registry.method(
        "Filecoin.StateMinerFaults", perm="read", params=("addr", "tsk"), doc="A miner's faulty sectors."
    )
    async def state_miner_faults(addr: Any, tsk: Any) -> Any:
        v = view(tsk)
        _, state = v.miner(address(addr, "addr"))
        return bitfield_to_json(v.all_partition_sectors(state, "faulty"))

    @registry.method(
        "Filecoin.StateMinerRecoveries",
        perm="read",
        params=("addr", "tsk"),
        doc="A miner's faulty sectors declared recovering.",
    )
    async def state_miner_recoveries(addr: Any, tsk: Any) -> Any:
        v = view(tsk)
        _, state = v.miner(address(addr, "addr"))
        return bitfield_to_json(v.all_partition_sectors(state, "recovering"))

    # -- money ------------------------------------------------------------------------------------------

    @registry.method(
        "Filecoin.StateMinerAvailableBalance",
        perm="read",
        params=("maddr", "tsk"),
        doc="What a miner can withdraw: its unlocked balance plus funds vested by tsk's height.",
    )
    async def state_miner_available_balance(maddr: Any, tsk: Any) -> Any:
        v = view(tsk)
        actor, state = v.miner(address(maddr, "maddr"))
        vested = sum(f.amount.atto for f in state.vesting_funds.load(v.store) if f.epoch < v.ts.height)
        return bigint_to_json(state.get_available_balance(actor.balance).atto + vested)

    @registry.method(
        "Filecoin.StateMinerInitialPledgeCollateral",
        perm="read",
        params=("maddr", "pci", "tsk"),
        doc="The initial pledge a sector with this pre-commit would lock (plus Lotus's 10 % margin).",
    )
    async def state_miner_initial_pledge_collateral(maddr: Any, pci: Any, tsk: Any) -> Any:
        v = view(tsk)
        miner = v.id_of(address(maddr, "maddr"))
        info = precommit_info_from_json(pci)
        size = _sector_size(info.seal_proof)
        duration = ChainEpoch(info.expiration - v.ts.height)
        weight = qa_power_for_weight(size, duration, v.verified_deal_weight(miner, info))
        reward, power = v.reward(), v.power()
        since, ramp = v.ramp(power)
        pledge = initial_pledge_for_power(
            weight,
            reward.this_epoch_baseline_power,
            reward.this_epoch_reward_smoothed,
            power.this_epoch_qa_power_smoothed,
            node.chain.circulating_supply(v.ts).circulating,
            since,
            ramp,
        )
        return bigint_to_json(_with_margin(pledge))

    @registry.method(
        "Filecoin.StateMinerPreCommitDepositForPower",
        perm="read",
        params=("maddr", "pci", "tsk"),
        doc="The deposit pre-committing this sector would lock (at its largest power, plus 10 %).",
    )
    async def state_miner_precommit_deposit_for_power(maddr: Any, pci: Any, tsk: Any) -> Any:
        v = view(tsk)
        v.miner(address(maddr, "maddr"))
        info = precommit_info_from_json(pci)
        reward, power = v.reward(), v.power()
        deposit = pre_commit_deposit_for_power(
            reward.this_epoch_reward_smoothed,
            power.this_epoch_qa_power_smoothed,
            qa_power_max(_sector_size(info.seal_proof)),
        )
        return bigint_to_json(_with_margin(deposit))

    # -- market ---------------------------------------------------------------------------------------

    @registry.method(
        "Filecoin.StateMarketBalance",
        perm="read",
        params=("addr", "tsk"),
        doc="An address's escrow and locked funds in the storage market.",
    )
    async def state_market_balance(addr: Any, tsk: Any) -> Any:
        v = view(tsk)
        party = v.id_of(address(addr, "addr"))
        market = v.market()
        escrow = BalanceTable(v.store, market.escrow_table).get(party)
        locked = BalanceTable(v.store, market.locked_table).get(party)
        return {"Escrow": bigint_to_json(escrow), "Locked": bigint_to_json(locked)}

    @registry.method("Filecoin.StateMarketDeals", perm="read", params=("tsk",), doc="Every deal, by deal ID.")
    async def state_market_deals(tsk: Any) -> Any:
        v = view(tsk)
        market = v.market()
        states = DealMetaArray(v.store, market.states)
        out = {}
        for deal_id, proposal in DealArray(v.store, market.proposals).items():
            deal_state = states.get(deal_id) or EMPTY_DEAL_STATE
            out[str(deal_id)] = {"Proposal": proposal.to_json(net), "State": deal_state.to_json()}
        return out

    @registry.method(
        "Filecoin.StateMarketStorageDeal",
        perm="read",
        params=("dealId", "tsk"),
        doc="One deal's proposal and state.",
    )
    async def state_market_storage_deal(deal_id: Any, tsk: Any) -> Any:
        v = view(tsk)
        market = v.market()
        number = uint64_from_json(deal_id, "dealId")
        proposal = market.find_proposal(v.store, number)
        if proposal is None:
            raise NotFound(f"deal {number} not found")
        deal_state = market.find_deal_state(v.store, number) or EMPTY_DEAL_STATE
        return {"Proposal": proposal.to_json(net), "State": deal_state.to_json()}

    @registry.method(
        "Filecoin.StateDealProviderCollateralBounds",
        perm="read",
        params=("size", "verified", "tsk"),
        doc="The least (plus 10 %) and most collateral a provider may put up for a deal of this size.",
    )
    async def state_deal_provider_collateral_bounds(size: Any, verified: Any, tsk: Any) -> Any:
        v = view(tsk)
        piece_size = uint64_from_json(size, "size")
        if not isinstance(verified, bool):
            raise JSONFieldError(f"verified must be true or false, got {verified!r}")
        power, reward = v.power(), v.reward()
        low, high = deal_provider_collateral_bounds(
            node.params.policy,
            piece_size,
            power.total_raw_byte_power,
            reward.this_epoch_baseline_power,
            node.chain.circulating_supply(v.ts).circulating,
        )
        return {"Min": bigint_to_json(_with_margin(low)), "Max": bigint_to_json(high)}

    # -- verified registry ----------------------------------------------------------------------------

    @registry.method(
        "Filecoin.StateVerifiedClientStatus",
        perm="read",
        params=("addr", "tsk"),
        doc="A verified client's DataCap in bytes, or null if it has none.",
    )
    async def state_verified_client_status(addr: Any, tsk: Any) -> Any:
        v = view(tsk)
        client = v.id_of(address(addr, "addr"))
        datacap = DatacapState.decode(v.store.get(v.actor(DATACAP_TOKEN_ACTOR).head))
        token = datacap.token
        raw = Hamt(v.store, token.balances, token.hamt_bit_width).get(uint_key(client.id))
        if raw is None:
            return None
        return bigint_to_json(as_bigint(raw, "datacap balance") // GRANULARITY)

    @registry.method(
        "Filecoin.StateVerifierStatus",
        perm="read",
        params=("addr", "tsk"),
        doc="A verifier's remaining allowance in bytes, or null if it is not a verifier.",
    )
    async def state_verifier_status(addr: Any, tsk: Any) -> Any:
        v = view(tsk)
        verifier = v.id_of(address(addr, "addr"))
        registry_state = VerifregState.decode(v.store.get(v.actor(VERIFIED_REGISTRY_ACTOR).head))
        cap = registry_state.get_verifier_cap(v.store, verifier)
        return None if cap is None else bigint_to_json(cap)

    # -- any actor --------------------------------------------------------------------------------------

    @registry.method(
        "Filecoin.StateReadState",
        perm="read",
        params=("actor", "tsk"),
        doc="An actor's balance, code and decoded state.",
    )
    async def state_read_state(actor: Any, tsk: Any) -> Any:
        v = view(tsk)
        target = address(actor, "actor")
        found = v.actor(target)
        name = v.tree.actor_name(found)
        state_type = STATE_TYPES.get(name or "")
        if state_type is None:
            raise InvalidInput(
                f"actor {target.encode(net)} has code {found.code}, whose state filnet cannot decode"
            )
        return {
            "Balance": bigint_to_json(found.balance),
            "Code": cid_to_json(found.code),
            "State": state_type.decode(v.store.get(found.head)).to_json(net),
        }
