"""A whole storage network in one VM: a genesis with funded keys, signed messages, epochs with cron, block
rewards, real 2 KiB sectors sealed and proven with filnet's vanilla proofs, and the invariant check.

The world is deterministic: the same genesis, the same randomness seed and the same messages give the same
state, so a sector sealed for the first miner created (its ID and seal ticket are fixed in advance) can be
reused by every scenario. Sealing is cached per test process (:data:`SEALER`).

Epochs: the machine sits at :attr:`StorageWorld.epoch`, whose cron has not run yet; messages apply at that
epoch, and :meth:`StorageWorld.advance_to` runs each epoch's cron (as the last implicit message of its
tipset) before moving on. Every epoch starts from the flushed parent state, from which the circulating
supply the actors see and the consensus-fault checker (worker keys of the lookback state) are computed.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from filnet.actors.account.state import AccountState
from filnet.actors.invariants import check_state_invariants
from filnet.actors.market.methods import Method as MarketMethod
from filnet.actors.market.state import (
    BalanceTable,
    DealProposal,
    DealState,
    MarketState,
    pending_deal_allocation_ids,
)
from filnet.actors.market.types import (
    AddBalanceParams,
    ClientDealProposal,
    PublishStorageDealsParams,
    PublishStorageDealsReturn,
)
from filnet.actors.miner.deadline import Deadline
from filnet.actors.miner.deadline_info import DeadlineInfo
from filnet.actors.miner.methods import Method as MinerMethod
from filnet.actors.miner.partition import Partition
from filnet.actors.miner.sectors import CompactCommD, SectorOnChainInfo, SectorPreCommitInfo
from filnet.actors.miner.state import MinerInfo, MinerState
from filnet.actors.miner.types import (
    DataActivationNotification,
    PieceActivationManifest,
    PoStPartition,
    PreCommitSectorBatchParams2,
    ProveCommitSectors3Params,
    SectorActivationManifest,
    SubmitWindowedPoStParams,
    VerifiedAllocationKey,
)
from filnet.actors.multisig.methods import Method as MultisigMethod
from filnet.actors.multisig.types import ProposeParams
from filnet.actors.power.methods import Method as PowerMethod
from filnet.actors.power.state import Claim, PowerState
from filnet.actors.power.types import CreateMinerParams, CreateMinerReturn
from filnet.actors.reward.state import RewardState
from filnet.actors.singletons import (
    BURNT_FUNDS_ACTOR,
    REWARD_ACTOR,
    STORAGE_MARKET_ACTOR,
    STORAGE_POWER_ACTOR,
    VERIFIED_REGISTRY_ACTOR,
)
from filnet.actors.verifreg.methods import Method as VerifregMethod
from filnet.actors.verifreg.types import VerifierParams
from filnet.chain.block import BlockHeader, ElectionProof, Ticket
from filnet.chain.genesis import VERIFREG_ROOT, GenesisAccount, GenesisConfig, GenesisMultisig, build_genesis
from filnet.chain.message import Message, SignedMessage
from filnet.chain.supply import circulating_supply
from filnet.consensus.fault import consensus_fault_checker, worker_keys_of
from filnet.core.address import Address
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch, MethodNum, Nonce
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.crypto.randomness import DomainSeparationTag
from filnet.crypto.signature import Signature, SignatureType
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.bitfield import BitField
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.params.network import DEVNET, ActorPolicy
from filnet.piece.cid import piece_cid_v1
from filnet.proofs.onchain import PoStProof, encode_post_proof
from filnet.proofs.porep import prove_seal
from filnet.proofs.post import generate_window_post
from filnet.proofs.registry import RegisteredPoStProof, RegisteredSealProof
from filnet.proofs.replica import prover_id_bytes
from filnet.proofs.seal import SealedSector, SealInputs, padded_sector, seal_sector, sealed_cid, unsealed_cid
from filnet.vm.exit_codes import ExitCode
from filnet.vm.interpreter.apply import (
    ApplyResult,
    apply_implicit_message,
    apply_signed_message,
    cron_message,
    reward_message,
)
from filnet.vm.interpreter.machine import Machine, SeededRandomness
from filnet.vm.interpreter.tipset import BlockMessages, TipsetResult, apply_tipset
from filnet.vm.state_tree import StateTree

FIL: Final = TokenAmount.from_fil(1)
BASE_FEE: Final = TokenAmount(100)
FEE_CAP: Final = TokenAmount(1_000)
GAS_PREMIUM: Final = TokenAmount(10)
#: Enough for a prove-commit or a PoSt with real proof verification (well below the block gas limit).
GAS_LIMIT: Final = 3_000_000_000
ACCOUNT_BALANCE: Final = TokenAmount.from_fil(10_000)
SEED: Final = b"filnet storage world"
SEAL_PROOF: Final = RegisteredSealProof.STACKED_DRG_2KIB_V1_1
POST_PROOF: Final = RegisteredPoStProof.STACKED_DRG_WINDOW_2KIB_V1_1
SECTOR_SIZE: Final = 2048
#: What a sealed 2 KiB sector holds before Fr32 padding.
UNPADDED_SIZE: Final = SECTOR_SIZE // 128 * 127
#: What an owner sends with CreateMiner: the creation deposit and funds for pre-commit deposits and pledge.
MINER_FUNDS: Final = TokenAmount.from_fil(200)
PEER_ID: Final = b"\x00\x24\x08\x01\x12\x20" + bytes(range(32))
MULTIADDR: Final = bytes.fromhex("047f000001060fa1")  # /ip4/127.0.0.1/tcp/4001


def make_key(name: str, key_type: KeyType = KeyType.SECP256K1) -> PrivateKey:
    """A deterministic key (a hash is below the secp256k1 order; BLS keys need a small top byte)."""
    secret = hashlib.sha256(f"filnet storage world key {name}".encode()).digest()
    if key_type is KeyType.BLS:
        secret = secret[:31] + b"\x00"
    return PrivateKey(key_type, secret)


@dataclass(frozen=True, slots=True)
class Keys:
    """The world's actors with keys: a storage provider's owner, BLS worker and control key; a client; the
    verified registry's root key signer, a verifier and a verified client; a beneficiary; a stranger."""

    owner: PrivateKey
    worker: PrivateKey
    control: PrivateKey
    client: PrivateKey
    root: PrivateKey
    verifier: PrivateKey
    verified_client: PrivateKey
    beneficiary: PrivateKey
    stranger: PrivateKey

    @classmethod
    def make(cls) -> Keys:
        """The fixed keys of every world."""
        return cls(
            owner=make_key("owner"),
            worker=make_key("worker", KeyType.BLS),
            control=make_key("control"),
            client=make_key("client"),
            root=make_key("root"),
            verifier=make_key("verifier"),
            verified_client=make_key("verified client"),
            beneficiary=make_key("beneficiary"),
            stranger=make_key("stranger"),
        )

    def all(self) -> tuple[PrivateKey, ...]:
        """Every key, in genesis order (their accounts get IDs 100, 101, … in this order)."""
        return (
            self.owner,
            self.worker,
            self.control,
            self.client,
            self.root,
            self.verifier,
            self.verified_client,
            self.beneficiary,
            self.stranger,
        )


KEYS: Final = Keys.make()
#: The ID the first miner created in a world gets: the first ID after the genesis accounts.
FIRST_MINER: Final = Address.new_id(100 + len(KEYS.all()))


# -- sealing -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sealed:
    """A sealed sector on disk and its commitments."""

    directory: Path
    sector: SealedSector

    @property
    def piece_cid(self) -> CID:
        """The piece CID of the sector's whole content (one 2 KiB piece)."""
        return piece_cid_v1(self.sector.comm_d)

    @property
    def sealed_cid(self) -> CID:
        """CommR as a CID."""
        return sealed_cid(self.sector.comm_r)

    @property
    def unsealed_cid(self) -> CID:
        """CommD as a CID."""
        return unsealed_cid(self.sector.comm_d)


class Sealer:
    """Seals sectors once per test process: the same inputs give the same sealed sector, so it is kept."""

    def __init__(self) -> None:
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._sealed: dict[tuple[int, int, bytes, bytes], Sealed] = {}

    def _root(self) -> Path:
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="filnet-storage-world-")
        return Path(self._dir.name)

    def seal(self, miner: Address, number: int, ticket: bytes, content: bytes) -> Sealed:
        """Sector ``number`` of ``miner`` holding ``content`` (at most 2032 bytes), sealed with ``ticket``."""
        assert miner.id is not None
        key = (miner.id, number, ticket, content)
        if key not in self._sealed:
            root = self._root()
            name = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
            inputs = SealInputs(SEAL_PROOF, prover_id_bytes(miner.id), number, ticket)
            sector = seal_sector(
                inputs, padded_sector([content], SECTOR_SIZE), root / name, root / "parent-cache"
            )
            self._sealed[key] = Sealed(root / name, sector)
        return self._sealed[key]


SEALER: Final = Sealer()


def sector_content(label: str) -> bytes:
    """Deterministic pseudo-random content filling a 2 KiB sector."""
    out = b""
    counter = 0
    while len(out) < UNPADDED_SIZE:
        out += hashlib.blake2b(f"{label}/{counter}".encode(), digest_size=64).digest()
        counter += 1
    return out[:UNPADDED_SIZE]


# -- the world -----------------------------------------------------------------------------------------


def gas_cost(result: ApplyResult) -> TokenAmount:
    """What the sender of a message paid for gas."""
    out = result.gas_outputs
    return out.base_fee_burn + out.over_estimation_burn + out.miner_tip


class MessageFailed(AssertionError):
    """A message that had to succeed did not."""


@dataclass(frozen=True, slots=True)
class Onboarded:
    """A sector proven into a miner: its number and sealed data."""

    number: int
    sealed: Sealed


class StorageWorld:
    """A genesis with the :data:`KEYS` funded, a machine over it, and the helpers scenarios share."""

    def __init__(self, policy: ActorPolicy = DEVNET.policy) -> None:
        self.policy = policy
        self.keys = KEYS
        self.store = MemoryBlockstore()
        accounts = tuple(GenesisAccount(k.address, ACCOUNT_BALANCE) for k in self.keys.all())
        config = GenesisConfig(
            "storage-world",
            accounts,
            verifreg_root_key=GenesisMultisig((self.keys.root.address,), 1, ZERO),
            policy=policy,
        )
        genesis = build_genesis(self.store, config)
        check = check_state_invariants(StateTree.load(self.store, genesis), policy)
        assert check.problems == ()
        self.total = check.total_balance
        self.randomness = SeededRandomness(SEED)
        self.machine = Machine(self.store, genesis, 0, BASE_FEE, self.randomness, policy=policy)
        self._begin_epoch(ChainEpoch(1))
        #: The last message applied.
        self.last: ApplyResult | None = None

    def fork(self) -> StorageWorld:
        """An independent copy of this world: its own store and machine, at the same epoch."""
        root = self.machine.flush()
        other = object.__new__(StorageWorld)
        other.policy, other.keys, other.total, other.randomness = (
            self.policy,
            self.keys,
            self.total,
            self.randomness,
        )
        other.store = MemoryBlockstore()
        other.store.put_many((cid, self.store.get(cid)) for cid in self.store)
        other.machine = Machine(other.store, root, self.epoch, BASE_FEE, self.randomness, policy=self.policy)
        other._begin_epoch(self.epoch)
        other.last = None
        return other

    # -- epochs ------------------------------------------------------------------------------------

    @property
    def epoch(self) -> ChainEpoch:
        """The epoch messages apply at now (its cron has not run yet)."""
        return self.machine.epoch

    def _begin_epoch(self, epoch: ChainEpoch) -> None:
        """Open ``epoch`` on the flushed parent state: its circulating supply and fault checker."""
        root = self.machine.flush()
        tree = StateTree.load(self.store, root)
        self.machine.epoch = epoch
        self.machine.circulating_supply = circulating_supply(tree, epoch, self.total).circulating
        self.machine.consensus_faults = consensus_fault_checker(
            epoch, self.policy.chain_finality, worker_keys_of(tree)
        )

    def cron(self) -> ApplyResult:
        """Run this epoch's cron tick (it must succeed)."""
        result = apply_implicit_message(self.machine, cron_message(self.epoch))
        if result.receipt.exit_code is not ExitCode.OK:
            raise MessageFailed(f"cron at {self.epoch}: {result.receipt.exit_code.name} {result.failure}")
        return result

    def advance_to(self, epoch: int) -> None:
        """Run cron for every epoch from now to ``epoch`` - 1 and open ``epoch``."""
        assert epoch >= self.epoch, f"cannot go back from {self.epoch} to {epoch}"
        while self.epoch < epoch:
            self.cron()
            self._begin_epoch(ChainEpoch(self.epoch + 1))

    def next_epoch(self) -> None:
        """Run this epoch's cron and open the next one."""
        self.advance_to(self.epoch + 1)

    def award_block_reward(
        self, miner: Address, win_count: int = 1, penalty: TokenAmount = ZERO, gas_reward: TokenAmount = ZERO
    ) -> ApplyResult:
        """The reward actor's implicit ``AwardBlockReward`` for a block ``miner`` mined this epoch."""
        message = reward_message(self.epoch, miner, penalty, gas_reward, win_count)
        result = apply_implicit_message(self.machine, message)
        if result.receipt.exit_code is not ExitCode.OK:
            raise MessageFailed(f"block reward: {result.receipt.exit_code.name} {result.failure}")
        return result

    def mine_tipset(self, miner: Address, messages: Sequence[SignedMessage] = ()) -> TipsetResult:
        """Apply a one-block tipset at this epoch (messages, block reward, cron) and open the next epoch."""
        result = apply_tipset(self.machine, self.epoch - 1, [BlockMessages(miner, 1, tuple(messages))])
        self._begin_epoch(ChainEpoch(self.epoch + 1))
        return result

    def problems(self) -> tuple[str, ...]:
        """Flush; the invariant violations of the whole state (each actor's, and the storage actors'
        against each other), after checking the FIL supply."""
        root = self.machine.flush()
        check = check_state_invariants(StateTree.load(self.store, root), self.policy)
        assert check.total_balance == self.total
        return check.problems

    def flush_and_check(self) -> CID:
        """Flush, check every invariant and that no FIL was created or destroyed; the new state root."""
        problems = self.problems()
        assert problems == (), problems
        return self.machine.flush()

    # -- messages ----------------------------------------------------------------------------------

    def nonce(self, address: Address) -> int:
        """The next nonce of an account (0 before it exists)."""
        id_address = self.machine.resolve(address)
        actor = None if id_address is None else self.machine.get_actor(id_address)
        return 0 if actor is None else actor.nonce

    def message(
        self,
        key: PrivateKey,
        to: Address,
        method: int = 0,
        params: bytes = b"",
        value: TokenAmount = ZERO,
        gas_limit: int = GAS_LIMIT,
        nonce: int | None = None,
    ) -> SignedMessage:
        """A message signed by ``key`` with its next nonce (unless given)."""
        message = Message(
            to=to,
            sender=key.address,
            nonce=Nonce(self.nonce(key.address) if nonce is None else nonce),
            value=value,
            gas_limit=gas_limit,
            gas_fee_cap=FEE_CAP,
            gas_premium=GAS_PREMIUM,
            method=MethodNum(int(method)),
            params=params,
        )
        return SignedMessage(message, key.sign(message.signing_bytes()))

    def send(
        self,
        key: PrivateKey,
        to: Address,
        method: int = 0,
        params: bytes = b"",
        value: TokenAmount = ZERO,
        gas_limit: int = GAS_LIMIT,
    ) -> ApplyResult:
        """Sign and apply a message at this epoch (kept as :attr:`last`)."""
        self.last = apply_signed_message(
            self.machine, self.message(key, to, method, params, value, gas_limit)
        )
        return self.last

    @property
    def last_gas(self) -> TokenAmount:
        """What the sender of the last message paid for gas."""
        assert self.last is not None
        return gas_cost(self.last)

    def send_ok(
        self,
        key: PrivateKey,
        to: Address,
        method: int = 0,
        params: bytes = b"",
        value: TokenAmount = ZERO,
        gas_limit: int = GAS_LIMIT,
    ) -> ApplyResult:
        """A message that must succeed."""
        result = self.send(key, to, method, params, value, gas_limit)
        if result.receipt.exit_code is not ExitCode.OK:
            raise MessageFailed(
                f"method {method} of {to} from {key.address} at {self.epoch}: "
                f"{result.receipt.exit_code.name}: {result.failure}"
            )
        return result

    # -- state -------------------------------------------------------------------------------------

    def id_of(self, address: Address) -> Address:
        """The ID address of an existing actor."""
        id_address = self.machine.resolve(address)
        assert id_address is not None, f"no actor {address}"
        return id_address

    def balance(self, address: Address) -> TokenAmount:
        """An actor's balance (0 when it does not exist)."""
        id_address = self.machine.resolve(address)
        actor = None if id_address is None else self.machine.get_actor(id_address)
        return ZERO if actor is None else actor.balance

    def state(self, address: Address, decode: Any) -> Any:
        """An actor's state block decoded by ``decode``."""
        actor = self.machine.get_actor(self.id_of(address))
        assert actor is not None
        return decode(self.store.get(actor.head))

    def miner_state(self, miner: Address) -> MinerState:
        """A miner's state."""
        state: MinerState = self.state(miner, MinerState.decode)
        return state

    def miner_info(self, miner: Address) -> MinerInfo:
        """A miner's info."""
        return self.miner_state(miner).get_info(self.store)

    def sector(self, miner: Address, number: int) -> SectorOnChainInfo | None:
        """A miner's sector, if it has it."""
        return self.miner_state(miner).get_sector(self.store, number)

    def market(self) -> MarketState:
        """The market's state."""
        state: MarketState = self.state(STORAGE_MARKET_ACTOR, MarketState.decode)
        return state

    def power(self) -> PowerState:
        """The power actor's state."""
        state: PowerState = self.state(STORAGE_POWER_ACTOR, PowerState.decode)
        return state

    def reward(self) -> RewardState:
        """The reward actor's state."""
        state: RewardState = self.state(REWARD_ACTOR, RewardState.decode)
        return state

    def claim(self, miner: Address) -> Claim | None:
        """A miner's power claim."""
        return self.power().get_claim(self.store, miner)

    def escrow(self, address: Address) -> TokenAmount:
        """An address's market escrow balance."""
        return BalanceTable(self.store, self.market().escrow_table).get(self.id_of(address))

    def locked(self, address: Address) -> TokenAmount:
        """An address's locked market funds."""
        return BalanceTable(self.store, self.market().locked_table).get(self.id_of(address))

    def deal_state(self, deal_id: int) -> DealState | None:
        """An activated deal's state."""
        return self.market().find_deal_state(self.store, deal_id)

    def burnt(self) -> TokenAmount:
        """What the burnt-funds actor holds."""
        return self.balance(BURNT_FUNDS_ACTOR)

    def key_of(self, address: Address) -> Address:
        """The key address behind an account."""
        account: AccountState = self.state(address, AccountState.decode)
        return account.address

    # -- randomness --------------------------------------------------------------------------------

    def seal_ticket(self, miner: Address, epoch: int) -> bytes:
        """The seal ticket a miner's pre-commit at ``epoch`` draws (entropy: the miner's address in CBOR)."""
        return self.randomness.ticket_randomness(
            DomainSeparationTag.SEAL_RANDOMNESS, ChainEpoch(epoch), dagcbor.encode(bytes(miner))
        )

    def seal_seed(self, miner: Address, epoch: int) -> bytes:
        """The interactive PoRep seed of a pre-commit whose challenge is at ``epoch``."""
        return self.randomness.beacon_randomness(
            DomainSeparationTag.INTERACTIVE_SEAL_CHALLENGE_SEED,
            ChainEpoch(epoch),
            dagcbor.encode(bytes(miner)),
        )

    def post_randomness(self, miner: Address, epoch: int) -> bytes:
        """The WindowPoSt challenge of a deadline challenged at ``epoch``."""
        return self.randomness.beacon_randomness(
            DomainSeparationTag.WINDOWED_POST_CHALLENGE_SEED, ChainEpoch(epoch), dagcbor.encode(bytes(miner))
        )

    def chain_commit_rand(self, epoch: int) -> bytes:
        """The ticket a PoSt committing to the chain at ``epoch`` quotes."""
        return self.randomness.ticket_randomness(
            DomainSeparationTag.POST_CHAIN_COMMIT, ChainEpoch(epoch), b""
        )

    # -- storage provider flows --------------------------------------------------------------------

    def create_miner(
        self,
        owner: PrivateKey | None = None,
        worker: PrivateKey | None = None,
        value: TokenAmount = MINER_FUNDS,
        peer_id: bytes = PEER_ID,
        multiaddrs: tuple[bytes, ...] = (MULTIADDR,),
    ) -> CreateMinerReturn:
        """CreateMiner through the power actor, sent by the owner with ``value``."""
        owner = owner or self.keys.owner
        worker = worker or self.keys.worker
        params = CreateMinerParams(owner.address, worker.address, int(POST_PROOF), peer_id, multiaddrs)
        result = self.send_ok(
            owner, STORAGE_POWER_ACTOR, PowerMethod.CREATE_MINER, params.encode(), value=value
        )
        return CreateMinerReturn.decode(result.receipt.return_data)

    def add_balance(self, key: PrivateKey, for_address: Address, amount: TokenAmount) -> ApplyResult:
        """Market AddBalance for ``for_address``, paid by ``key``."""
        return self.send_ok(
            key,
            STORAGE_MARKET_ACTOR,
            MarketMethod.ADD_BALANCE,
            AddBalanceParams(for_address).encode(),
            value=amount,
        )

    def deal(
        self,
        client: PrivateKey,
        provider: Address,
        piece: Sealed | tuple[CID, int],
        start: int,
        end: int,
        price: TokenAmount,
        provider_collateral: TokenAmount,
        client_collateral: TokenAmount,
        verified: bool = False,
        label: str = "",
    ) -> ClientDealProposal:
        """A proposal of ``piece`` (a whole sealed sector, or a piece CID and padded size) signed by the
        client (secp256k1 over its DAG-CBOR)."""
        piece_cid, piece_size = (piece.piece_cid, SECTOR_SIZE) if isinstance(piece, Sealed) else piece
        proposal = DealProposal(
            piece_cid=piece_cid,
            piece_size=piece_size,
            verified_deal=verified,
            client=client.address,
            provider=provider,
            label=label,
            start_epoch=ChainEpoch(start),
            end_epoch=ChainEpoch(end),
            storage_price_per_epoch=price,
            provider_collateral=provider_collateral,
            client_collateral=client_collateral,
        )
        return ClientDealProposal(proposal, client.sign(proposal.encode()))

    def publish(self, worker: PrivateKey, deals: Sequence[ClientDealProposal]) -> PublishStorageDealsReturn:
        """PublishStorageDeals sent by the provider's worker."""
        params = PublishStorageDealsParams(tuple(deals))
        result = self.send_ok(
            worker, STORAGE_MARKET_ACTOR, MarketMethod.PUBLISH_STORAGE_DEALS, params.encode()
        )
        return PublishStorageDealsReturn.decode(result.receipt.return_data)

    def seal(self, miner: Address, number: int, content: bytes, seal_rand_epoch: int) -> Sealed:
        """Seal (or reuse) sector ``number`` of ``miner`` with the ticket of ``seal_rand_epoch``."""
        return SEALER.seal(miner, number, self.seal_ticket(miner, seal_rand_epoch), content)

    def precommit(
        self,
        miner: Address,
        sectors: Sequence[tuple[int, Sealed]],
        seal_rand_epoch: int,
        expiration: int,
        worker: PrivateKey | None = None,
    ) -> ApplyResult:
        """PreCommitSectorBatch2 of sealed sectors: CommD, no deal IDs (ProveCommitSectors3 activates)."""
        infos = tuple(
            SectorPreCommitInfo(
                seal_proof=int(SEAL_PROOF),
                sector_number=number,
                sealed_cid=sealed.sealed_cid,
                seal_rand_epoch=ChainEpoch(seal_rand_epoch),
                deal_ids=(),
                expiration=ChainEpoch(expiration),
                unsealed_cid=CompactCommD.of(sealed.unsealed_cid),
            )
            for number, sealed in sectors
        )
        return self.send_ok(
            worker or self.keys.worker,
            miner,
            MinerMethod.PRE_COMMIT_SECTOR_BATCH2,
            PreCommitSectorBatchParams2(infos).encode(),
        )

    def prove_commit(
        self,
        miner: Address,
        sectors: Sequence[tuple[int, Sealed]],
        deal_ids: dict[int, int] | None = None,
        allocations: dict[int, VerifiedAllocationKey] | None = None,
        worker: PrivateKey | None = None,
        pieces: dict[int, tuple[PieceActivationManifest, ...]] | None = None,
    ) -> ApplyResult:
        """ProveCommitSectors3 with real seal proofs. A sector holds one piece, its whole content, which
        notifies the market of its deal (by sector number in ``deal_ids``) and claims its verified allocation
        (in ``allocations``), unless ``pieces`` gives its manifests."""
        deal_ids = deal_ids or {}
        allocations = allocations or {}
        pieces = pieces or {}
        state = self.miner_state(miner)
        manifests = []
        proofs = []
        for number, sealed in sectors:
            precommit = state.get_precommitted_sector(self.store, number)
            assert precommit is not None, f"sector {number} is not pre-committed"
            seed_epoch = precommit.pre_commit_epoch + self.policy.pre_commit_challenge_delay
            proofs.append(prove_seal(sealed.directory, self.seal_seed(miner, seed_epoch)).to_bytes())
            notify: tuple[DataActivationNotification, ...] = ()
            if number in deal_ids:
                payload = dagcbor.encode(deal_ids[number])
                notify = (DataActivationNotification(STORAGE_MARKET_ACTOR, payload),)
            piece = PieceActivationManifest(sealed.piece_cid, SECTOR_SIZE, allocations.get(number), notify)
            manifests.append(SectorActivationManifest(number, pieces.get(number, (piece,))))
        params = ProveCommitSectors3Params(tuple(manifests), tuple(proofs), b"", None, True, True)
        return self.send_ok(
            worker or self.keys.worker, miner, MinerMethod.PROVE_COMMIT_SECTORS3, params.encode()
        )

    def onboard(
        self,
        miner: Address,
        sectors: Sequence[tuple[int, bytes]],
        expiration: int,
        deal_ids: dict[int, int] | None = None,
        allocations: dict[int, VerifiedAllocationKey] | None = None,
        pieces: dict[int, tuple[PieceActivationManifest, ...]] | None = None,
    ) -> list[Onboarded]:
        """Seal, pre-commit (ticket of the previous epoch), wait out the challenge delay and prove-commit."""
        seal_rand_epoch = self.epoch - 1
        sealed = [(n, self.seal(miner, n, content, seal_rand_epoch)) for n, content in sectors]
        self.precommit(miner, sealed, seal_rand_epoch, expiration)
        self.advance_to(self.epoch + self.policy.pre_commit_challenge_delay + 1)
        self.prove_commit(miner, sealed, deal_ids, allocations, pieces=pieces)
        return [Onboarded(n, s) for n, s in sealed]

    # -- WindowPoSt --------------------------------------------------------------------------------

    def deadline(self, miner: Address) -> DeadlineInfo:
        """The miner's current deadline."""
        return self.miner_state(miner).deadline_info(self.policy, self.epoch)

    def advance_to_deadline(self, miner: Address, index: int) -> DeadlineInfo:
        """Advance (with cron) to the first epoch at which deadline ``index`` is open."""
        while True:
            info = self.deadline(miner)
            if not info.is_open():
                self.advance_to(max(info.open, self.epoch + 1))
            elif info.index == index:
                return info
            else:
                self.advance_to(info.close)

    def window_post(
        self,
        miner: Address,
        sealed: Sequence[Sealed],
        partitions: Sequence[int] = (0,),
        corrupt: bool = False,
    ) -> ApplyResult:
        """SubmitWindowedPoSt for the current deadline with a real PoSt over ``sealed`` (the partitions'
        sectors to prove, in sector-number order); ``corrupt`` flips a bit of one of its hashes."""
        info = self.deadline(miner)
        randomness = self.post_randomness(miner, info.challenge)
        bundle = generate_window_post(POST_PROOF, randomness, [s.directory for s in sealed])
        assert not bundle.faults
        proof = bytearray(encode_post_proof(bundle.proofs))
        if corrupt:
            proof[-5] ^= 1
        params = SubmitWindowedPoStParams(
            info.index,
            tuple(PoStPartition(p, BitField()) for p in partitions),
            (PoStProof(int(POST_PROOF), bytes(proof)),),
            info.challenge,
            self.chain_commit_rand(info.challenge),
        )
        return self.send_ok(self.keys.worker, miner, MinerMethod.SUBMIT_WINDOWED_POST, params.encode())

    def deadline_state(self, miner: Address, index: int) -> Deadline:
        """A miner's deadline ``index``."""
        return self.miner_state(miner).load_deadlines(self.store).load_deadline(self.store, index)

    def partition(self, miner: Address, deadline: int, index: int) -> Partition:
        """Partition ``index`` of a miner's deadline."""
        return self.deadline_state(miner, deadline).load_partition(self.store, index)

    def sector_location(self, miner: Address, number: int) -> tuple[int, int]:
        """The deadline and partition of a sector."""
        return self.miner_state(miner).find_sector(self.store, number)

    # -- block headers -----------------------------------------------------------------------------

    def block_header(
        self, miner: Address, height: int, parents: tuple[CID, ...], timestamp: int = 0
    ) -> bytes:
        """A block header by ``miner`` signed by its worker key (the world's BLS worker)."""
        link = CID.compute(codecs.DAG_CBOR, dagcbor.encode([]), multihash.BLAKE2B_256)
        header = BlockHeader(
            miner=miner,
            ticket=Ticket(b"\x01" * 96),
            election_proof=ElectionProof(1, b"\x02" * 96),
            beacon_entries=(),
            win_post_proof=(),
            parents=parents,
            parent_weight=100,
            height=ChainEpoch(height),
            parent_state_root=link,
            parent_message_receipts=link,
            messages=link,
            bls_aggregate=Signature(SignatureType.BLS, b"\xc0" + bytes(95)),
            timestamp=1_700_000_000 + timestamp,
            block_sig=None,
            fork_signaling=0,
            parent_base_fee=BASE_FEE,
        )
        return replace(header, block_sig=self.keys.worker.sign(header.signing_bytes())).encode()


def header_parent(label: str) -> CID:
    """A made-up parent block CID."""
    return CID.compute(codecs.DAG_CBOR, dagcbor.encode(label), multihash.BLAKE2B_256)


# -- the standard scenario: one miner, one client, one deal in one proven sector -----------------------

#: The standard deal: 200 epochs from epoch 60 at 0.001 FIL an epoch, 1 FIL provider and 0.5 FIL client
#: collateral, in sector 0 of the first miner, which expires at epoch 1000.
DEAL_START: Final = 60
DEAL_END: Final = 260
DEAL_PRICE: Final = TokenAmount(10**15)
PROVIDER_COLLATERAL: Final = FIL
CLIENT_COLLATERAL: Final = TokenAmount(FIL.atto // 2)
CLIENT_ESCROW: Final = TokenAmount.from_fil(10)
PROVIDER_ESCROW: Final = TokenAmount.from_fil(5)
SECTOR_EXPIRATION: Final = 1000
DEAL_CONTENT: Final = sector_content("the standard deal")


@dataclass
class DealSector:
    """A world whose first miner holds the standard deal in sector 0, proven by one WindowPoSt."""

    world: StorageWorld
    miner: Address
    deal_id: int
    proposal: DealProposal
    sealed: Sealed
    deadline: int
    partition: int

    def fork(self) -> DealSector:
        """The same scenario in an independent copy of the world."""
        return replace(self, world=self.world.fork())

    def keep_proving(self, until: int) -> None:
        """Advance to ``until``, submitting a WindowPoSt at every opening of the sector's deadline."""
        keep_proving(self.world, self.miner, self.deadline, [self.sealed], until)


def keep_proving(
    world: StorageWorld, miner: Address, deadline: int, sealed: list[Sealed], until: int
) -> None:
    """Advance to ``until``, proving ``sealed`` (partition 0 of ``deadline``) at each of its windows."""
    while True:
        info = world.deadline(miner)
        opens = info.open + ((deadline - info.index) % world.policy.wpost_period_deadlines) * (
            world.policy.wpost_challenge_window
        )
        if info.index == deadline and info.is_open() and not _proven(world, miner, deadline):
            opens = world.epoch
        elif opens <= world.epoch:
            opens += world.policy.wpost_proving_period
        if opens >= until:
            world.advance_to(until)
            return
        world.advance_to(opens)
        info = world.deadline(miner)
        assert info.index == deadline and info.is_open()
        world.window_post(miner, sealed)


def _proven(world: StorageWorld, miner: Address, deadline: int) -> bool:
    """Whether partition 0 of ``deadline`` was proven in the current window."""
    return 0 in world.deadline_state(miner, deadline).partitions_posted


def onboard_deal_sector(world: StorageWorld | None = None) -> DealSector:
    """The standard scenario up to the sector's first WindowPoSt (at epoch 17, deadline 0)."""
    world = world or StorageWorld()
    keys = world.keys
    miner = world.create_miner().id_address
    world.add_balance(keys.client, keys.client.address, CLIENT_ESCROW)
    world.add_balance(keys.owner, miner, PROVIDER_ESCROW)
    sealed = world.seal(miner, 0, DEAL_CONTENT, world.epoch)
    deal = world.deal(
        keys.client, miner, sealed, DEAL_START, DEAL_END, DEAL_PRICE, PROVIDER_COLLATERAL, CLIENT_COLLATERAL
    )
    (deal_id,) = world.publish(keys.worker, [deal]).ids
    world.next_epoch()
    (onboarded,) = world.onboard(miner, [(0, DEAL_CONTENT)], SECTOR_EXPIRATION, deal_ids={0: deal_id})
    assert onboarded.sealed == sealed
    deadline, partition = world.sector_location(miner, 0)
    world.advance_to_deadline(miner, deadline)
    world.window_post(miner, [sealed])
    return DealSector(world, miner, deal_id, deal.proposal, sealed, deadline, partition)


# -- a verified deal --------------------------------------------------------------------------------

VERIFIER_ALLOWANCE: Final = 1 << 20
CLIENT_ALLOWANCE: Final = 1 << 16
#: A verified deal's allocation runs from its duration up to 300 epochs more (devnet's term buffer); the
#: sector, which cannot expire before epoch 912 when pre-committed at 2, must end within that term.
VERIFIED_START: Final = 60
VERIFIED_END: Final = 760
VERIFIED_CONTENT: Final = sector_content("verified piece")


def grant_datacap(world: StorageWorld) -> None:
    """The root key (its multisig at f080) makes the verifier a verifier; it grants the verified client
    :data:`CLIENT_ALLOWANCE` bytes of DataCap."""
    keys = world.keys
    add = VerifierParams(keys.verifier.address, VERIFIER_ALLOWANCE).encode()
    propose = ProposeParams(
        VERIFIED_REGISTRY_ACTOR, ZERO, MethodNum(VerifregMethod.ADD_VERIFIER), add
    ).encode()
    world.send_ok(keys.root, VERIFREG_ROOT, MultisigMethod.PROPOSE, propose)
    grant = VerifierParams(keys.verified_client.address, CLIENT_ALLOWANCE).encode()
    world.send_ok(keys.verifier, VERIFIED_REGISTRY_ACTOR, VerifregMethod.ADD_VERIFIED_CLIENT_EXPORTED, grant)


@dataclass
class VerifiedSector:
    """A world whose first miner holds a verified deal in sector 1, proven by one WindowPoSt."""

    world: StorageWorld
    miner: Address
    deal_id: int
    claim_id: int
    sealed: Sealed
    deadline: int
    partition: int


def onboard_verified_sector(world: StorageWorld | None = None) -> VerifiedSector:
    """DataCap granted, a verified deal published, its allocation claimed by a proven sector 1."""
    world = world or StorageWorld()
    keys = world.keys
    grant_datacap(world)
    miner = world.create_miner().id_address
    world.add_balance(keys.verified_client, keys.verified_client.address, CLIENT_ESCROW)
    world.add_balance(keys.owner, miner, PROVIDER_ESCROW)
    sealed = world.seal(miner, 1, VERIFIED_CONTENT, world.epoch)
    deal = world.deal(
        keys.verified_client,
        miner,
        sealed,
        VERIFIED_START,
        VERIFIED_END,
        DEAL_PRICE,
        PROVIDER_COLLATERAL,
        ZERO,
        verified=True,
    )
    (deal_id,) = world.publish(keys.worker, [deal]).ids
    market = world.market()
    assert market.pending_deal_allocation_ids is not None
    pending = dict(pending_deal_allocation_ids(world.store, market.pending_deal_allocation_ids))
    allocation_id = pending[deal_id]
    client = ActorID(world.id_of(keys.verified_client.address).id or 0)
    world.next_epoch()
    world.onboard(
        miner,
        [(1, VERIFIED_CONTENT)],
        SECTOR_EXPIRATION,
        deal_ids={1: deal_id},
        allocations={1: VerifiedAllocationKey(client, allocation_id)},
    )
    deadline, partition = world.sector_location(miner, 1)
    world.advance_to_deadline(miner, deadline)
    world.window_post(miner, [sealed], [partition])
    # a claim keeps its allocation's ID
    return VerifiedSector(world, miner, deal_id, allocation_id, sealed, deadline, partition)
