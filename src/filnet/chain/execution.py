"""Executing a tipset on its parent state, as Lotus's ``TipSetState`` does.

A tipset's blocks carry the state their parent tipset produced (``ParentStateRoot``); running the tipset's
own messages on it, at the tipset's epoch with the base fee its headers carry and randomness drawn from the
chain ending at it, gives the state and receipts its children will name. The genesis tipset is not
executed: its result is its own parent state and receipts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from filnet.chain.randomness import ChainRandomness, TipsetLookup
from filnet.chain.supply import circulating_supply
from filnet.chain.tipset import TipSet, load_block_messages
from filnet.core.address import Address
from filnet.core.token import TokenAmount
from filnet.core.types import ChainEpoch
from filnet.ipld.blockstore import Blockstore
from filnet.params.network import NetworkParams
from filnet.proofs.onchain import VANILLA, ProofVerifier
from filnet.vm.interpreter.machine import Machine
from filnet.vm.interpreter.tipset import BlockMessages, TipsetResult, apply_tipset
from filnet.vm.state_tree import StateTree


def block_messages(store: Blockstore, tipset: TipSet) -> list[BlockMessages]:
    """Each block's miner, win count and messages (BLS first, then secp, as Lotus orders them)."""
    out: list[BlockMessages] = []
    for block in tipset.blocks:
        bls, secp = load_block_messages(store, block.messages)
        win_count = block.election_proof.win_count if block.election_proof is not None else 0
        out.append(BlockMessages(block.miner, win_count, (*bls, *secp)))
    return out


def execute_tipset(
    store: Blockstore,
    chain: TipsetLookup,
    tipset: TipSet,
    params: NetworkParams,
    total_supply: TokenAmount,
    beacon_round: Callable[[ChainEpoch], int],
    *,
    proofs: ProofVerifier = VANILLA,
    vesting_multisigs: Sequence[Address] = (),
) -> TipsetResult:
    """Run ``tipset``'s messages on its parent state; the new state root and the receipts."""
    if tipset.height == 0:
        return TipsetResult(tipset.parent_state, (), tipset.parent_message_receipts)
    parent = chain.load_tipset(tipset.parents)
    supply = circulating_supply(
        StateTree.load(store, tipset.parent_state), tipset.height, total_supply, vesting_multisigs
    )
    machine = Machine(
        store,
        tipset.parent_state,
        tipset.height,
        tipset.blocks[0].parent_base_fee,
        ChainRandomness(chain, tipset, beacon_round),
        policy=params.policy,
        circulating_supply=supply.circulating,
        proofs=proofs,
    )
    return apply_tipset(machine, parent.height, block_messages(store, tipset))
