"""A verified (FIL+) deal end to end through the real VM: the root key's multisig adds a verifier, the
verifier grants DataCap to a client (minted by the datacap actor), the client's verified deal moves the
DataCap to the verified registry as an allocation, and the miner's real prove-commit claims it, giving the
sector ten times the quality-adjusted power of an unverified sector of the same size.

The test ends by flushing the state and checking every invariant (the registry against DataCap, the
market and the miners included) and the total FIL supply.
"""

from __future__ import annotations

from filnet.actors.datacap.methods import Method as DatacapMethod
from filnet.actors.datacap.state import GRANULARITY, DatacapState
from filnet.actors.datacap.token import get_balance
from filnet.actors.datacap.types import BalanceParams, BalanceReturn
from filnet.actors.miner.policy import daily_proof_fee, qa_power_for_sector
from filnet.actors.miner.types import VerifiedAllocationKey
from filnet.actors.multisig.methods import Method as MultisigMethod
from filnet.actors.multisig.types import ProposeParams, ProposeReturn
from filnet.actors.singletons import DATACAP_TOKEN_ACTOR, VERIFIED_REGISTRY_ACTOR
from filnet.actors.verifreg.methods import Method as VerifregMethod
from filnet.actors.verifreg.state import Allocation, Claim, VerifregState, allocations, claims
from filnet.actors.verifreg.types import AddVerifiedClientParams, AddVerifierParams
from filnet.chain.genesis import VERIFREG_ROOT
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch, MethodNum
from filnet.vm.exit_codes import ExitCode
from tests.integration.storage_world import (
    CLIENT_ESCROW,
    DEAL_PRICE,
    PROVIDER_ESCROW,
    SECTOR_EXPIRATION,
    SECTOR_SIZE,
    StorageWorld,
    keep_proving,
    sector_content,
)
from tests.integration.test_storage_deals import pledge_now

VERIFIER_ALLOWANCE = 1 << 20
CLIENT_ALLOWANCE = 1 << 16
#: A verified deal's allocation runs from its duration up to 300 epochs more (devnet's term buffer); the
#: sector, which cannot expire before epoch 912 when pre-committed at 2, must end within that term.
VERIFIED_START = 60
VERIFIED_END = 760


def datacap(world: StorageWorld) -> DatacapState:
    """The datacap actor's state."""
    state: DatacapState = world.state(DATACAP_TOKEN_ACTOR, DatacapState.decode)
    return state


def datacap_of(world: StorageWorld, address: Address) -> TokenAmount:
    """An address's DataCap tokens."""
    return get_balance(world.store, datacap(world).token, ActorID(world.id_of(address).id or 0))


def registry(world: StorageWorld) -> VerifregState:
    """The verified registry's state."""
    state: VerifregState = world.state(VERIFIED_REGISTRY_ACTOR, VerifregState.decode)
    return state


def test_verified_deal_has_ten_times_the_power_of_an_unverified_one() -> None:
    world = StorageWorld()
    keys = world.keys
    verifier, client = keys.verifier.address, keys.verified_client.address

    # Only the root key adds verifiers: its signer proposes the call through the f080 multisig.
    add = AddVerifierParams(verifier, VERIFIER_ALLOWANCE).encode()
    direct = world.send(keys.root, VERIFIED_REGISTRY_ACTOR, VerifregMethod.ADD_VERIFIER, add)
    assert direct.receipt.exit_code is ExitCode.USR_FORBIDDEN
    propose = ProposeParams(
        VERIFIED_REGISTRY_ACTOR, ZERO, MethodNum(VerifregMethod.ADD_VERIFIER), add
    ).encode()
    result = world.send_ok(keys.root, VERIFREG_ROOT, MultisigMethod.PROPOSE, propose)
    assert ProposeReturn.decode(result.receipt.return_data) == ProposeReturn(0, True, ExitCode.OK, b"")
    verifier_id = world.id_of(verifier)
    assert registry(world).get_verifier_cap(world.store, verifier_id) == VERIFIER_ALLOWANCE

    # The verifier grants DataCap out of its allowance: the datacap actor mints it to the client.
    grant = AddVerifiedClientParams(client, CLIENT_ALLOWANCE).encode()
    stranger = world.send(
        keys.stranger, VERIFIED_REGISTRY_ACTOR, VerifregMethod.ADD_VERIFIED_CLIENT_EXPORTED, grant
    )
    assert stranger.receipt.exit_code is ExitCode.USR_NOT_FOUND
    world.send_ok(keys.verifier, VERIFIED_REGISTRY_ACTOR, VerifregMethod.ADD_VERIFIED_CLIENT_EXPORTED, grant)
    assert registry(world).get_verifier_cap(world.store, verifier_id) == VERIFIER_ALLOWANCE - CLIENT_ALLOWANCE
    assert datacap_of(world, client) == TokenAmount(CLIENT_ALLOWANCE * GRANULARITY)
    assert datacap(world).token.supply == TokenAmount(CLIENT_ALLOWANCE * GRANULARITY)
    asked = world.send_ok(
        keys.stranger, DATACAP_TOKEN_ACTOR, DatacapMethod.BALANCE_EXPORTED, BalanceParams(client).encode()
    )
    assert BalanceReturn.decode(asked.receipt.return_data).balance == TokenAmount(
        CLIENT_ALLOWANCE * GRANULARITY
    )

    # One miner, two deals of one 2 KiB piece each: one verified, one not, with the same terms.
    miner = world.create_miner().id_address
    world.add_balance(keys.verified_client, client, CLIENT_ESCROW)
    world.add_balance(keys.client, keys.client.address, CLIENT_ESCROW)
    world.add_balance(keys.owner, miner, PROVIDER_ESCROW)
    verified_sealed = world.seal(miner, 1, sector_content("verified piece"), world.epoch)
    plain_sealed = world.seal(miner, 2, sector_content("plain piece"), world.epoch)
    collateral = TokenAmount(10**17)
    verified_deal = world.deal(
        keys.verified_client,
        miner,
        verified_sealed,
        VERIFIED_START,
        VERIFIED_END,
        DEAL_PRICE,
        collateral,
        ZERO,
        verified=True,
    )
    plain_deal = world.deal(
        keys.client, miner, plain_sealed, VERIFIED_START, VERIFIED_END, DEAL_PRICE, collateral, ZERO
    )
    verified_id, plain_id = world.publish(keys.worker, [verified_deal, plain_deal]).ids

    # Publishing moved the deal's DataCap to the registry as an allocation for this provider.
    client_id, miner_id = ActorID(world.id_of(client).id or 0), ActorID(miner.id or 0)
    assert datacap_of(world, client) == TokenAmount((CLIENT_ALLOWANCE - SECTOR_SIZE) * GRANULARITY)
    assert datacap_of(world, VERIFIED_REGISTRY_ACTOR) == TokenAmount(SECTOR_SIZE * GRANULARITY)
    state = registry(world)
    assert state.allocations is not None
    ((owner, allocation_id, allocation),) = list(allocations(world.store, state.allocations))
    duration = VERIFIED_END - VERIFIED_START
    assert owner == client_id
    assert allocation == Allocation(
        client_id,
        miner_id,
        verified_sealed.piece_cid,
        SECTOR_SIZE,
        ChainEpoch(duration),
        ChainEpoch(duration + world.policy.market_default_allocation_term_buffer),
        ChainEpoch(VERIFIED_START),
    )

    # Prove both sectors in one batch; the verified piece claims its allocation.
    world.next_epoch()
    activation = world.epoch + world.policy.pre_commit_challenge_delay + 1
    verified_pledge = pledge_now(world, 10 * SECTOR_SIZE)
    plain_pledge = pledge_now(world, SECTOR_SIZE)
    world.onboard(
        miner,
        [(1, sector_content("verified piece")), (2, sector_content("plain piece"))],
        SECTOR_EXPIRATION,
        deal_ids={1: verified_id, 2: plain_id},
        allocations={1: VerifiedAllocationKey(client_id, allocation_id)},
    )
    assert world.epoch == activation
    for deal_id, number in ((verified_id, 1), (plain_id, 2)):
        deal_state = world.deal_state(deal_id)
        assert deal_state is not None and (deal_state.sector_number, deal_state.sector_start_epoch) == (
            number,
            activation,
        )

    # The allocation became a claim and its DataCap was burnt.
    state = registry(world)
    assert state.allocations is not None and state.claims is not None
    assert list(allocations(world.store, state.allocations)) == []
    assert list(claims(world.store, state.claims)) == [
        (
            miner_id,
            allocation_id,
            Claim(
                miner_id,
                client_id,
                verified_sealed.piece_cid,
                SECTOR_SIZE,
                allocation.term_min,
                allocation.term_max,
                ChainEpoch(activation),
                1,
            ),
        )
    ]
    assert datacap_of(world, VERIFIED_REGISTRY_ACTOR) == ZERO
    assert datacap(world).token.supply == TokenAmount((CLIENT_ALLOWANCE - SECTOR_SIZE) * GRANULARITY)

    # Same size, same term: the verified sector has ten times the QA power, and pledges ten times as much.
    verified, plain = world.sector(miner, 1), world.sector(miner, 2)
    assert verified is not None and plain is not None
    lifetime = SECTOR_EXPIRATION - activation
    assert (verified.deal_weight, verified.verified_deal_weight) == (0, SECTOR_SIZE * lifetime)
    assert (plain.deal_weight, plain.verified_deal_weight) == (SECTOR_SIZE * lifetime, 0)
    assert qa_power_for_sector(SECTOR_SIZE, plain) == SECTOR_SIZE
    assert qa_power_for_sector(SECTOR_SIZE, verified) == 10 * SECTOR_SIZE
    assert (verified.initial_pledge, plain.initial_pledge) == (verified_pledge, plain_pledge)
    assert verified.initial_pledge == plain.initial_pledge * 10  # both at the per-byte cap of QA power
    supply = world.machine.circulating_supply
    assert verified.daily_fee == daily_proof_fee(world.policy, supply, 10 * SECTOR_SIZE)
    assert plain.daily_fee == daily_proof_fee(world.policy, supply, SECTOR_SIZE)

    # One WindowPoSt over the partition holding both brings their power: 2 × 2 KiB raw, 11 × 2 KiB QA.
    (deadline, partition), other = world.sector_location(miner, 1), world.sector_location(miner, 2)
    assert other == (deadline, partition)
    world.advance_to_deadline(miner, deadline)
    world.window_post(miner, [verified_sealed, plain_sealed], [partition])
    claim = world.claim(miner)
    assert claim is not None
    assert (claim.raw_byte_power, claim.quality_adj_power) == (2 * SECTOR_SIZE, 11 * SECTOR_SIZE)
    keep_proving(world, miner, deadline, [verified_sealed, plain_sealed], world.epoch + 100)
    assert world.power().this_epoch_quality_adj_power == 11 * SECTOR_SIZE
    world.flush_and_check()
