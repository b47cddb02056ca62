"""The storage market through the VM: deals published per second and the cost of the market's cron.

Run: .venv/bin/python bench/bench_market.py [--messages N] [--deals-per-message N] [--epochs N]
A devnet genesis funds 100 secp256k1 clients, a provider's owner and its BLS worker; the provider is made
with power CreateMiner (8 MiB sectors), both sides fund escrow with AddBalance, then the worker sends
``--messages`` PublishStorageDeals messages of ``--deals-per-message`` client-signed deals each (signed
before timing). Figure 1 is deals per second divided by coincurve secp256k1 signature verifications
per second measured in the same run: each deal costs one client-signature check, so 1.0 would mean the
market costs nothing beyond it. Goal: ≥ 0.3.

The deals are then activated by the miner (BatchActivateDeals, up to 256 deals a sector) and for
``--epochs`` epochs from their start the chain runs its cron tick and the provider settles every active
deal's payment (SettleDealPayments, which is how builtin-actors settles activated deals; cron only
retires their pending marks): figure 2 is the milliseconds per epoch for all of it, and settlements per
second against the same baseline.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time
from collections.abc import Sequence

import coincurve

from filnet.actors.market.methods import Method as MarketMethod
from filnet.actors.market.state import DealProposal, MarketState
from filnet.actors.market.types import (
    AddBalanceParams,
    BatchActivateDealsParams,
    BatchActivateDealsResult,
    ClientDealProposal,
    PublishStorageDealsParams,
    PublishStorageDealsReturn,
    SectorDeals,
    SettleDealPaymentsParams,
    SettleDealPaymentsReturn,
)
from filnet.actors.power.methods import Method as PowerMethod
from filnet.actors.power.types import CreateMinerParams, CreateMinerReturn
from filnet.actors.singletons import STORAGE_MARKET_ACTOR, STORAGE_POWER_ACTOR
from filnet.chain.genesis import GenesisAccount, GenesisConfig, build_genesis
from filnet.chain.message import Message, SignedMessage
from filnet.chain.supply import circulating_supply, total_supply
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ChainEpoch, MethodNum, Nonce
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.params.network import DEVNET
from filnet.piece.cid import piece_cid_v1
from filnet.vm.exit_codes import ExitCode
from filnet.vm.interpreter.apply import (
    ApplyResult,
    apply_implicit_message,
    apply_signed_message,
    cron_message,
)
from filnet.vm.interpreter.machine import Machine, SeededRandomness
from filnet.vm.state_tree import StateTree

BASE_FEE = TokenAmount(100)
SEAL_PROOF_8MIB = 6  # StackedDrg8MiBV1_1
WINDOW_POST_8MIB = 11  # StackedDrgWindow8MiBV1_1
SECTOR_SIZE = 8 << 20
PIECE_SIZE = 128
DEALS_PER_SECTOR = 256
CLIENTS = 100
FIL = TokenAmount.from_fil(1)
POLICY = DEVNET.policy


def verifications_per_second(seconds: float = 1.0) -> float:
    """coincurve secp256k1 signature verifications per second (the baseline)."""
    key = coincurve.PrivateKey(hashlib.sha256(b"bench").digest())
    public = key.public_key
    digest = hashlib.blake2b(b"message", digest_size=32).digest()
    signature = key.sign(digest, hasher=None)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(200):
            public.verify(signature, digest, hasher=None)
        count += 200
    return count / (time.perf_counter() - start)


class Chain:
    """A machine over a devnet genesis, with nonces kept per sender."""

    def __init__(self, accounts: Sequence[PrivateKey]) -> None:
        self.store = MemoryBlockstore()
        funded = tuple(GenesisAccount(k.address, TokenAmount.from_fil(1_000_000)) for k in accounts)
        root = build_genesis(self.store, GenesisConfig("bench-market", funded, policy=POLICY))
        self.total = total_supply(StateTree.load(self.store, root))
        self.machine = self._machine(root, 1)
        self.nonces: dict[Address, int] = {}

    def _machine(self, root: CID, epoch: int) -> Machine:
        supply = circulating_supply(
            StateTree.load(self.store, root), ChainEpoch(epoch), self.total
        ).circulating
        return Machine(
            self.store,
            root,
            epoch,
            BASE_FEE,
            SeededRandomness(b"bench"),
            policy=POLICY,
            circulating_supply=supply,
        )

    def at_epoch(self, epoch: int) -> None:
        """Flush and go on at ``epoch`` (as the next tipset's machine would)."""
        self.machine = self._machine(self.machine.flush(), epoch)

    def signed(
        self, key: PrivateKey, to: Address, method: int, params: bytes, value: TokenAmount
    ) -> SignedMessage:
        """A message from ``key`` with its next nonce."""
        nonce = self.nonces.get(key.address, 0)
        self.nonces[key.address] = nonce + 1
        message = Message(
            to=to,
            sender=key.address,
            nonce=Nonce(nonce),
            value=value,
            gas_limit=10_000_000_000,
            gas_fee_cap=TokenAmount(1_000),
            gas_premium=TokenAmount(100),
            method=MethodNum(int(method)),
            params=params,
        )
        return SignedMessage(message, key.sign(message.signing_bytes()))

    def apply(self, signed: SignedMessage) -> ApplyResult:
        """Apply a message that must succeed."""
        result = apply_signed_message(self.machine, signed)
        if result.receipt.exit_code is not ExitCode.OK:
            raise SystemExit(f"method {signed.message.method} failed: {result.failure}")
        return result

    def market(self) -> MarketState:
        """The market's state now."""
        actor = self.machine.get_actor(STORAGE_MARKET_ACTOR)
        assert actor is not None
        return MarketState.decode(self.store.get(actor.head))


def main() -> None:
    """Print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--deals-per-message", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    deal_count = args.messages * args.deals_per_message

    rng = random.Random(11)
    clients = [PrivateKey(KeyType.SECP256K1, rng.randbytes(31) + b"\x01") for _ in range(CLIENTS)]
    owner = PrivateKey(KeyType.SECP256K1, rng.randbytes(31) + b"\x01")
    worker = PrivateKey(KeyType.BLS, rng.randbytes(31) + b"\x00")
    chain = Chain([*clients, owner, worker])

    create = CreateMinerParams(owner.address, worker.address, WINDOW_POST_8MIB, b"bench-peer")
    result = chain.apply(
        chain.signed(owner, STORAGE_POWER_ACTOR, PowerMethod.CREATE_MINER, create.encode(), 1_000 * FIL)
    )
    miner = CreateMinerReturn.decode(result.receipt.return_data).id_address

    # Escrow: each client covers its deals' storage fees, the provider their collateral.
    price, collateral, duration = TokenAmount(1_000), TokenAmount(10**12), 200
    publish_epoch, start = 2, 2 + 60
    for client in clients:
        params = AddBalanceParams(client.address).encode()
        chain.apply(chain.signed(client, STORAGE_MARKET_ACTOR, MarketMethod.ADD_BALANCE, params, FIL))
    provider_funds = collateral * deal_count + FIL
    params = AddBalanceParams(miner).encode()
    chain.apply(chain.signed(owner, STORAGE_MARKET_ACTOR, MarketMethod.ADD_BALANCE, params, provider_funds))
    chain.at_epoch(publish_epoch)

    messages = []
    for m in range(args.messages):
        deals = []
        for d in range(args.deals_per_message):
            index = m * args.deals_per_message + d
            client = clients[index % CLIENTS]
            commp = hashlib.sha256(index.to_bytes(8, "big")).digest()[:31] + b"\x00"
            proposal = DealProposal(
                piece_cid=piece_cid_v1(commp),
                piece_size=PIECE_SIZE,
                verified_deal=False,
                client=client.address,
                provider=miner,
                label=f"deal {index}",
                start_epoch=ChainEpoch(start),
                end_epoch=ChainEpoch(start + duration),
                storage_price_per_epoch=price,
                provider_collateral=collateral,
                client_collateral=ZERO,
            )
            deals.append(ClientDealProposal(proposal, client.sign(proposal.encode())))
        params = PublishStorageDealsParams(tuple(deals)).encode()
        messages.append(
            chain.signed(worker, STORAGE_MARKET_ACTOR, MarketMethod.PUBLISH_STORAGE_DEALS, params, ZERO)
        )

    baseline = verifications_per_second()
    began = time.perf_counter()
    deal_ids: list[int] = []
    for signed in messages:
        published = PublishStorageDealsReturn.decode(chain.apply(signed).receipt.return_data)
        deal_ids.extend(published.ids)
    chain.at_epoch(publish_epoch + 1)
    publish_seconds = time.perf_counter() - began
    if len(deal_ids) != deal_count:
        raise SystemExit(f"published {len(deal_ids)} of {deal_count} deals")
    publish_rate = deal_count / publish_seconds

    # The miner activates its deals as ProveCommitSectors3 would, 256 to a sector.
    sectors = tuple(
        SectorDeals(
            n,
            SEAL_PROOF_8MIB,
            ChainEpoch(start + duration + 1_000),
            tuple(deal_ids[n * DEALS_PER_SECTOR : (n + 1) * DEALS_PER_SECTOR]),
        )
        for n in range((deal_count + DEALS_PER_SECTOR - 1) // DEALS_PER_SECTOR)
    )
    activate = Message(
        to=STORAGE_MARKET_ACTOR,
        sender=miner,
        nonce=Nonce(0),
        value=ZERO,
        gas_limit=10_000_000_000,
        gas_fee_cap=ZERO,
        gas_premium=ZERO,
        method=MethodNum(int(MarketMethod.BATCH_ACTIVATE_DEALS)),
        params=BatchActivateDealsParams(sectors, False).encode(),
    )
    began = time.perf_counter()
    activated = apply_implicit_message(chain.machine, activate)
    activate_seconds = time.perf_counter() - began
    if activated.receipt.exit_code is not ExitCode.OK:
        raise SystemExit(f"activation failed: {activated.failure}")
    results = BatchActivateDealsResult.decode(activated.receipt.return_data).activation_results
    if results.success_count != len(sectors):
        raise SystemExit(
            f"activation: {results.success_count} of {len(sectors)} sectors: {results.fail_codes}"
        )

    # From the deals' start, each epoch: the cron tick (on the first, it retires the pending marks of the
    # activated deals), then the provider settles every active deal's payment with SettleDealPayments (as
    # builtin-actors settles activated deals: explicitly, no longer in cron), 1,000 deals a message.
    batches = [deal_ids[n : n + 1_000] for n in range(0, len(deal_ids), 1_000)]
    settle_messages = [
        [
            chain.signed(
                owner,
                STORAGE_MARKET_ACTOR,
                MarketMethod.SETTLE_DEAL_PAYMENTS_EXPORTED,
                SettleDealPaymentsParams(BitField.from_indices(batch)).encode(),
                ZERO,
            )
            for batch in batches
        ]
        for _ in range(args.epochs)
    ]
    settlements, epoch_seconds = 0, 0.0
    for offset, epoch in enumerate(range(start, start + args.epochs)):
        chain.at_epoch(epoch)
        began = time.perf_counter()
        tick = apply_implicit_message(chain.machine, cron_message(epoch))
        if tick.receipt.exit_code is not ExitCode.OK:
            raise SystemExit(f"cron at epoch {epoch} failed: {tick.failure}")
        for signed in settle_messages[offset]:
            settled = SettleDealPaymentsReturn.decode(chain.apply(signed).receipt.return_data)
            settlements += settled.results.success_count
        chain.machine.flush()
        epoch_seconds += time.perf_counter() - began
    if settlements != deal_count * args.epochs:
        raise SystemExit(f"settled {settlements} deal payments, expected {deal_count * args.epochs}")
    settle_rate = settlements / epoch_seconds

    print(f"coincurve secp256k1 verifications/s (baseline): {baseline:,.0f}")
    print(
        f"{deal_count:,} deals in {args.messages} PublishStorageDeals messages from {CLIENTS} clients: "
        f"{publish_seconds:.2f} s, {publish_rate:,.0f} deals/s"
    )
    print(f"deals/s ÷ verifications/s: {publish_rate / baseline:.3f}   (goal ≥ 0.3)")
    print(f"BatchActivateDeals of {deal_count:,} deals in {len(sectors)} sectors: {activate_seconds:.2f} s")
    print(
        f"{args.epochs} epochs of cron and settlement of {deal_count:,} active deals: "
        f"{1000 * epoch_seconds / args.epochs:.0f} ms/epoch, {settle_rate:,.0f} settlements/s"
    )
    print(f"settlements/s ÷ verifications/s: {settle_rate / baseline:.3f}")


if __name__ == "__main__":
    main()
