"""Which sectors a miner proves in a WinningPoSt (Lotus ``stmgr.GetSectorsForWinningPoSt``).

The candidates are the active sectors of every partition of the miner in the lookback state, in sector
number order; the challenge picks indices into that list from the block's WinningPoSt randomness.
"""

from __future__ import annotations

from filnet.actors.miner.state import MinerState
from filnet.actors.power.state import PowerState
from filnet.actors.singletons import STORAGE_POWER_ACTOR
from filnet.core.address import Address
from filnet.core.types import ChainEpoch
from filnet.errors import InvalidInput
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.params.network import ActorPolicy
from filnet.proofs.onchain import SectorInfo, winning_post_challenge
from filnet.proofs.registry import PoStKind, RegisteredPoStProof
from filnet.vm.state_tree import StateTree


def winning_post_type(window_post_proof_type: int) -> RegisteredPoStProof:
    """The WinningPoSt type of the same sector size as a miner's WindowPoSt type."""
    try:
        window = RegisteredPoStProof(window_post_proof_type)
    except ValueError:
        raise InvalidInput(f"unknown PoSt proof type {window_post_proof_type}") from None
    for candidate in RegisteredPoStProof:
        if candidate.kind is PoStKind.WINNING and candidate.sector_size == window.sector_size:
            return candidate
    raise InvalidInput(f"no WinningPoSt type for {window.name}")  # pragma: no cover - every size has one


def active_sectors(store: Blockstore, state: MinerState) -> BitField:
    """The union of the active sectors of all the miner's partitions."""
    out = BitField.from_indices(())
    for _, deadline in state.load_deadlines(store).for_each(store):
        for _, partition in deadline.for_each(store):
            out = out.union(partition.active_sectors())
    return out


def sectors_for_winning_post(
    store: Blockstore, miner: Address, state: MinerState, randomness: bytes
) -> tuple[SectorInfo, ...]:
    """The sectors a WinningPoSt of ``miner`` must prove for ``randomness`` (empty with no active sector)."""
    proving = sorted(active_sectors(store, state))
    if not proving:
        return ()
    info = state.get_info(store)
    post_type = winning_post_type(info.window_post_proof_type)
    prover = miner.id
    indices = winning_post_challenge(int(post_type), prover, randomness, len(proving))
    chosen = sorted({proving[i] for i in indices})
    out = []
    for number in chosen:
        sector = state.get_sector(store, number)
        if sector is None:
            raise InvalidInput(f"miner {miner} has no sector {number} on chain")
        out.append(SectorInfo(sector.seal_proof, sector.sector_number, sector.sealed_cid))
    return tuple(out)


def _load_states(store: Blockstore, state_root: CID, miner: Address) -> tuple[PowerState, MinerState] | None:
    tree = StateTree.load(store, state_root)
    if tree.get_actor(miner) is None:
        return None
    power = PowerState.decode(tree.actor_state_block(STORAGE_POWER_ACTOR))
    return power, MinerState.decode(tree.actor_state_block(miner))


def miner_has_min_power(store: Blockstore, policy: ActorPolicy, state_root: CID, miner: Address) -> bool:
    """True if the miner meets the consensus minimum power in ``state_root`` (Lotus ``minerHasMinPower``)."""
    loaded = _load_states(store, state_root, miner)
    if loaded is None or loaded[0].miner_power(store, miner) is None:
        return False
    _, ok = loaded[0].miner_nominal_power_meets_consensus_minimum(policy, store, miner.id)
    return ok


def miner_eligible_to_mine(
    store: Blockstore,
    policy: ActorPolicy,
    miner: Address,
    parent_height: ChainEpoch | int,
    parent_state_root: CID,
    lookback_state_root: CID,
) -> bool:
    """Lotus ``MinerEligibleToMine``: minimum power at the lookback, and at the parent a positive claim, no
    fee debt and no consensus fault still in force.

    ``parent_state_root`` and ``lookback_state_root`` are the states the parent and lookback tipsets
    carry (their ``ParentStateRoot``, as Lotus's ``LoadActor(ts)`` reads).
    """
    if not miner_has_min_power(store, policy, lookback_state_root, miner):
        return False
    loaded = _load_states(store, parent_state_root, miner)
    if loaded is None:
        return False
    power, state = loaded
    claim = power.miner_power(store, miner)
    if claim is None or claim.quality_adj_power <= 0:
        return False
    if state.fee_debt.atto != 0:
        return False
    return parent_height > state.get_info(store).consensus_fault_elapsed
