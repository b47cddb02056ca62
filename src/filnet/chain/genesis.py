"""A genesis state builder: the singleton actors, funded accounts and multisigs, the network's name.

The builder writes actor states directly, as Lotus's ``genesis`` package does, rather than running their
constructors: a genesis is the state every node agrees to start from. Singletons live at their ID
addresses: system f00 (holding the builtin-actor manifest), init f01, reward f02 (holding the FIL still
to be mined), cron f03, storage power f04, storage market f05, verified registry f06, datacap f07, the
Ethereum address manager f010 and the burnt-funds account f099. Power, market, verified registry and datacap
start from the empty states builtin-actors' ``State::new`` writes (no miners, deals, verifiers or DataCap);
the registry's root key is the multisig Lotus puts at f080 (signers and threshold from
:attr:`GenesisConfig.verifreg_root_key`, by default Lotus's devnet key). Accounts get IDs from 100 up in the
order given, multisigs after them, then any root-key signer not yet known; a multisig signer that is not a
genesis account gets an empty account of its own first.

Cron runs the power actor's ``OnEpochTickEnd`` and the market's ``CronTick`` every epoch, as Lotus's
genesis registers them. Storage providers with pre-sealed sectors (:mod:`filnet.chain.preseal`) are added
last by :mod:`filnet.chain.genesis_miners`, so that they have power from epoch 0.

Code CIDs come from the butterflynet genesis's manifest (actors v16), so that tools mapping code CIDs to
actor names (Lotus, Boost, explorers) recognise filnet's actors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from filnet.actors import manifest as names
from filnet.actors.account.state import AccountState
from filnet.actors.cron.state import CronEntry, CronState
from filnet.actors.datacap import state as datacap
from filnet.actors.init.state import AddressMap, InitState
from filnet.actors.manifest import Manifest
from filnet.actors.market import state as market
from filnet.actors.market.methods import Method as MarketMethod
from filnet.actors.multisig.state import MultisigState, PendingTransactions
from filnet.actors.power import state as power
from filnet.actors.power.methods import Method as PowerMethod
from filnet.actors.reward import logic as reward_logic
from filnet.actors.singletons import (
    BURNT_FUNDS_ACTOR,
    CRON_ACTOR,
    DATACAP_TOKEN_ACTOR,
    EAM_ACTOR,
    INIT_ACTOR,
    REWARD_ACTOR,
    STORAGE_MARKET_ACTOR,
    STORAGE_POWER_ACTOR,
    SYSTEM_ACTOR,
    VERIFIED_REGISTRY_ACTOR,
)
from filnet.actors.system.state import SystemState
from filnet.actors.verifreg import state as verifreg
from filnet.chain.genesis_miners import GenesisMiner, setup_storage_miners
from filnet.core.address import Address, Protocol
from filnet.core.token import ZERO, TokenAmount
from filnet.core.types import ActorID, ChainEpoch, MethodNum
from filnet.errors import InvalidInput
from filnet.ipld import codecs, dagcbor, multihash
from filnet.ipld.blockstore import Blockstore
from filnet.ipld.cid import CID
from filnet.params.network import DEVNET, ActorPolicy
from filnet.vm.interpreter.machine import EMPTY_ARRAY_CID
from filnet.vm.state_tree import ActorState, StateTree

POWER_ACTOR: Final = STORAGE_POWER_ACTOR
MARKET_ACTOR: Final = STORAGE_MARKET_ACTOR
VERIFREG_ACTOR: Final = VERIFIED_REGISTRY_ACTOR
DATACAP_ACTOR: Final = DATACAP_TOKEN_ACTOR
#: Where Lotus's genesis puts the verified registry's root-key multisig (lotus ``genesis.RootVerifierID``).
VERIFREG_ROOT: Final = verifreg.ROOT_VERIFIER
FIRST_ACCOUNT_ID: Final = 100
#: What the reward actor starts with: all the FIL simple and baseline minting will ever pay (1.1 billion).
MINING_RESERVE: Final = TokenAmount(reward_logic.SIMPLE_TOTAL + reward_logic.BASELINE_TOTAL)

BUTTERFLYNET_CODES: Final[tuple[tuple[str, str], ...]] = (
    (names.SYSTEM, "bafk2bzacebiwv5xckqaesetmfyvvptoscnzy3mh3vdbwvmhz5mf5cn3idi3wc"),
    (names.INIT, "bafk2bzacebd5bwoxsktpxvmlbi4kzwkiqtte7axyxt2kew4fgrglyvy7sodrc"),
    (names.CRON, "bafk2bzacea4mconfwssrytrhiwngqhraay3hn2f2mmnzs3f6x7t6st6jjskg4"),
    (names.ACCOUNT, "bafk2bzacecsyxlh7dvr5zkwnrqm72mgwnserkt7moaut737tig3pbkgtnw62o"),
    (names.POWER, "bafk2bzacebye45hai3qedkqyr4r26ywupslx6hu5a2q6ewdg2tlxbf5fzes5y"),
    (names.MINER, "bafk2bzacech2msfuf6mnbde5r5mrggftzsyg4k7g7cegltqooyuo4pp7kusp4"),
    (names.MARKET, "bafk2bzaceblxfbbumzr2f5ehirtx2rgvgawebdxwra3okfpradd5os2kye5su"),
    (names.PAYCH, "bafk2bzacedrrz47xktsdmpysm42rptqzdt7lqtbsbvtatac2axead4bmlncvk"),
    (names.MULTISIG, "bafk2bzacea6lwslarfsjcwptiaca42cyccrehbowgstwkgnxh77qp5zda5jza"),
    (names.REWARD, "bafk2bzacearim4ftupnzlfz7h6feozr3yymtyacs4ahdwfjqjceilhdhzr2bm"),
    (names.VERIFREG, "bafk2bzacechruhdcrrx2ixvfu6daewg2s2iq2rrowv54fah53qjarmco7c3xa"),
    (names.DATACAP, "bafk2bzaceccqejcvj6ip5xpcqr3fosc5sgue4ro6gi63j55itd2hczzawotxg"),
    (names.PLACEHOLDER, "bafk2bzacedfvut2myeleyq67fljcrw4kkmn5pb5dpyozovj7jpoez5irnc3ro"),
    (names.EVM, "bafk2bzacedpxvlqericktqetgjkgsjsfaijwcbdcxqn2nmenxnlfrxirwgd7y"),
    (names.EAM, "bafk2bzaceabxund5zkqtgdwzjkcqnl25mjuzr3icodj7kgsvpt6oakcscb264"),
    (names.ETHACCOUNT, "bafk2bzacebmtjmyzm6f6w33vmoq6iwrffqh6jgtgexj4mpm74j6dqvwnq3576"),
)
"""The butterflynet genesis's manifest, in its own order (name, code CID)."""

BUTTERFLYNET_MANIFEST: Final = Manifest(tuple((name, CID.parse(code)) for name, code in BUTTERFLYNET_CODES))


@dataclass(frozen=True, slots=True)
class GenesisAccount:
    """A key address (f1 or f3) and what it starts with."""

    address: Address
    balance: TokenAmount


@dataclass(frozen=True, slots=True)
class GenesisMultisig:
    """A multisig: its signers (key or ID addresses), threshold, balance and optional linear vesting."""

    signers: tuple[Address, ...]
    threshold: int
    balance: TokenAmount
    vesting_start: int = 0
    vesting_duration: int = 0


#: Lotus's devnet root key (``chain/gen`` ``DefaultVerifregRootkeyActor``): a 1-of-1 multisig of a test key.
DEFAULT_VERIFREG_ROOT_KEY: Final = GenesisMultisig(
    signers=(Address.parse("f1ceb34gnsc6qk5dt6n7xg6ycwzasjhbxm3iylkiy"),), threshold=1, balance=ZERO
)


@dataclass(frozen=True, slots=True)
class GenesisConfig:
    """Everything a genesis state depends on."""

    network_name: str
    accounts: tuple[GenesisAccount, ...] = ()
    multisigs: tuple[GenesisMultisig, ...] = ()
    mining_reserve: TokenAmount = MINING_RESERVE
    manifest: Manifest = field(default=BUTTERFLYNET_MANIFEST)
    #: The multisig at f080 that adds and removes verifiers (the verified registry's root key).
    verifreg_root_key: GenesisMultisig = DEFAULT_VERIFREG_ROOT_KEY
    #: Storage providers with pre-sealed sectors (their owners and workers must be genesis accounts).
    miners: tuple[GenesisMiner, ...] = ()
    #: The actor policy the miners are set up under (the network's).
    policy: ActorPolicy = DEVNET.policy


#: Lotus's genesis cron table: the power actor's tick, then the market's.
CRON_ENTRIES: Final = (
    CronEntry(STORAGE_POWER_ACTOR, MethodNum(int(PowerMethod.ON_EPOCH_TICK_END))),
    CronEntry(STORAGE_MARKET_ACTOR, MethodNum(int(MarketMethod.CRON_TICK))),
)


def build_genesis(store: Blockstore, config: GenesisConfig) -> CID:
    """Write a genesis state tree (version 5) for ``config`` into ``store``; its root CID."""
    _check_config(config)
    builder = _Builder(store, config.manifest)
    manifest_data = builder.put(dagcbor.encode(config.manifest.to_ipld()))
    builder.add(SYSTEM_ACTOR, names.SYSTEM, SystemState(manifest_data).encode())
    builder.add(REWARD_ACTOR, names.REWARD, reward_logic.initial_state(0).encode(), config.mining_reserve)
    builder.add(CRON_ACTOR, names.CRON, CronState(CRON_ENTRIES).encode())
    builder.add(POWER_ACTOR, names.POWER, power.empty_state(store).encode())
    builder.add(MARKET_ACTOR, names.MARKET, market.empty_state(store).encode())
    builder.add(VERIFREG_ACTOR, names.VERIFREG, verifreg.empty_state(store, VERIFREG_ROOT).encode())
    builder.add(DATACAP_ACTOR, names.DATACAP, datacap.empty_state(store, VERIFREG_ACTOR).encode())
    builder.add(EAM_ACTOR, names.EAM, None)
    builder.add(BURNT_FUNDS_ACTOR, names.ACCOUNT, AccountState(BURNT_FUNDS_ACTOR).encode())
    for account in config.accounts:
        builder.add_account(account.address, account.balance)
    for multisig in config.multisigs:
        builder.add_multisig(multisig)
    builder.add_multisig(config.verifreg_root_key, VERIFREG_ROOT)
    builder.add(INIT_ACTOR, names.INIT, builder.init_state(config.network_name).encode())
    root = builder.tree.flush()
    if config.miners:
        root = setup_storage_miners(store, root, config.miners, config.policy, config.network_name)
    return root


def _check_config(config: GenesisConfig) -> None:
    """Reject configurations no genesis can hold."""
    if not config.network_name:
        raise InvalidInput("a genesis needs a network name")
    seen: set[Address] = set()
    for account in config.accounts:
        if account.address.protocol not in (Protocol.SECP256K1, Protocol.BLS):
            raise InvalidInput(f"genesis account {account.address} is not an f1 or f3 address")
        if account.address in seen:
            raise InvalidInput(f"genesis account {account.address} is listed twice")
        if account.balance < ZERO:
            raise InvalidInput(f"genesis account {account.address} has a negative balance")
        seen.add(account.address)
    for multisig in (*config.multisigs, config.verifreg_root_key):
        if not 1 <= multisig.threshold <= len(multisig.signers):
            raise InvalidInput(
                f"multisig threshold {multisig.threshold} must be in 1..{len(multisig.signers)}"
            )
        if len(set(multisig.signers)) != len(multisig.signers):
            raise InvalidInput("a genesis multisig lists a signer twice")
        if multisig.balance < ZERO or multisig.vesting_duration < 0:
            raise InvalidInput("a genesis multisig has a negative balance or vesting duration")
    if config.manifest.code_of(names.ACCOUNT) is None:
        raise InvalidInput("the manifest has no account actor")
    for miner in config.miners:
        for role, key in (("owner", miner.preseal.owner), ("worker", miner.preseal.worker)):
            if key not in seen:
                raise InvalidInput(
                    f"genesis miner {miner.preseal.miner}: its {role} {key} is not a genesis account"
                )


class _Builder:
    """The state tree under construction and the init actor's address map."""

    def __init__(self, store: Blockstore, manifest: Manifest) -> None:
        self.store = store
        self.manifest = manifest
        self.tree = StateTree.new(store)
        self.address_map = AddressMap(store)
        self.next_id = FIRST_ACCOUNT_ID

    def put(self, data: bytes) -> CID:
        """Store a DAG-CBOR block."""
        cid = CID.compute(codecs.DAG_CBOR, data, multihash.BLAKE2B_256)
        self.store.put(cid, data)
        return cid

    def add(self, id_address: Address, name: str, state: bytes | None, balance: TokenAmount = ZERO) -> None:
        """An actor of builtin ``name`` with a state block (None: the empty ``[]`` head)."""
        code = self.manifest.code_of(name)
        if code is None:
            raise InvalidInput(f"the manifest has no {name} actor")
        head = EMPTY_ARRAY_CID if state is None else self.put(state)
        if state is None:
            self.store.put(EMPTY_ARRAY_CID, dagcbor.encode([]))
        self.tree.set_actor(id_address, ActorState(code, head, 0, balance))

    def next_address(self) -> Address:
        """Take the next free ID."""
        address = Address.new_id(self.next_id)
        self.next_id += 1
        return address

    def add_account(self, address: Address, balance: TokenAmount) -> Address:
        """An account for a key address, mapped in the init actor."""
        id_address = self.next_address()
        self.address_map.set(address, id_address.id)
        self.add(id_address, names.ACCOUNT, AccountState(address).encode(), balance)
        return id_address

    def add_multisig(self, multisig: GenesisMultisig, id_address: Address | None = None) -> None:
        """A multisig at ``id_address`` (default: the next free ID, taken once its signers have theirs)."""
        signers = tuple(self.resolve_or_create(signer) for signer in multisig.signers)
        state = MultisigState(
            signers=signers,
            num_approvals_threshold=multisig.threshold,
            next_tx_id=0,
            initial_balance=ZERO,
            start_epoch=ChainEpoch(0),
            unlock_duration=ChainEpoch(0),
            pending_txs=PendingTransactions(self.store).flush(),
        )
        if multisig.vesting_duration:
            state = state.with_locked(
                ChainEpoch(multisig.vesting_start), ChainEpoch(multisig.vesting_duration), multisig.balance
            )
        address = self.next_address() if id_address is None else id_address
        self.add(address, names.MULTISIG, state.encode(), multisig.balance)

    def resolve_or_create(self, address: Address) -> Address:
        """The ID of a signer: itself if an ID, its account if known, else a new empty account."""
        if address.protocol is Protocol.ID:
            if self.tree.get_actor(address) is None:
                raise InvalidInput(f"multisig signer {address} does not exist")
            return address
        actor_id = self.address_map.lookup(address)
        if actor_id is not None:
            return Address.new_id(actor_id)
        if address.protocol not in (Protocol.SECP256K1, Protocol.BLS):
            raise InvalidInput(f"multisig signer {address} is neither an ID nor a key address")
        return self.add_account(address, ZERO)

    def init_state(self, network_name: str) -> InitState:
        """The init actor's state once every actor exists."""
        return InitState(self.address_map.flush(), ActorID(self.next_id), network_name)
