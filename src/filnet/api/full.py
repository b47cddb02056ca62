"""The full node's API: Lotus's ``Filecoin.*`` methods over a :class:`~filnet.node.full.FullNode`.

Every method is declared here once, with Lotus's name, parameter list, permission and a doc line; its body
decodes Lotus JSON, calls the node and answers in Lotus's JSON shapes (``api/api_full.go``). Methods whose
parameters differ between API versions (``StateWaitMsg``, ``StateSearchMsg``) are declared once per version.
The miner and market state methods are in :mod:`filnet.api.state_methods`.
"""

from __future__ import annotations

import base64
import datetime
import math
from collections.abc import Callable
from typing import Any, Final

import trio

from filnet import __version__
from filnet.actors import manifest as names
from filnet.actors.miner.state import MinerState
from filnet.api.auth import PERMISSIONS, AuthError, create_token, verify_token
from filnet.api.registry import Registry
from filnet.api.state_methods import register_state_methods
from filnet.chain.block import BlockHeader
from filnet.chain.lotus_json import (
    JSONFieldError,
    address_from_json,
    address_to_json,
    bigint_to_json,
    bytes_from_json,
    bytes_to_json,
    cid_from_json,
    cid_to_json,
    int64_from_json,
    message_from_json,
    message_to_json,
    signature_from_json,
    signature_to_json,
    signed_message_from_json,
    signed_message_to_json,
    token_from_json,
    uint64_from_json,
)
from filnet.chain.message import Message, SignedMessage
from filnet.chain.randomness import ChainRandomness
from filnet.chain.tipset import TipSet, TipSetKey
from filnet.consensus import mining
from filnet.consensus.beacon import DEVNET_BEACON_SECRET, LOCAL_BEACON_NAME, BeaconSource, LocalBeacon
from filnet.consensus.drand import BeaconError, DrandNetwork
from filnet.consensus.winning import miner_has_min_power
from filnet.core.address import Address
from filnet.core.types import ChainEpoch
from filnet.crypto.keys import KeyType, PrivateKey, parse_key_type
from filnet.crypto.randomness import DomainSeparationTag
from filnet.crypto.signature import is_valid_signature
from filnet.errors import InvalidInput, NotFound
from filnet.ipld.cid import CID
from filnet.node.chain import MessageLookup
from filnet.node.full import FullNode
from filnet.vm.interpreter.apply import ApplyResult
from filnet.vm.receipt import Receipt
from filnet.vm.state_tree import ActorState

#: Lotus's API versions (``api.FullAPIVersion0`` 1.5.0 and ``FullAPIVersion1`` 2.3.0), as encoded integers.
API_VERSION: Final = {"v0": 0x010500, "v1": 0x020300}
#: How far back ``StateWaitMsg`` and ``StateSearchMsg`` look when the caller gives no limit (Lotus
#: ``LookbackNoLimit``).
LOOKBACK_NO_LIMIT: Final = -1


# -- JSON of the node's values ----------------------------------------------------------------------------


def receipt_to_json(receipt: Receipt) -> dict[str, Any]:
    """Lotus ``MessageReceipt`` JSON."""
    return {
        "ExitCode": int(receipt.exit_code),
        "Return": bytes_to_json(receipt.return_data),
        "GasUsed": receipt.gas_used,
        "EventsRoot": None if receipt.events_root is None else cid_to_json(receipt.events_root),
    }


def actor_to_json(actor: ActorState, network: str) -> dict[str, Any]:
    """Lotus ``types.Actor`` JSON."""
    return {
        "Code": cid_to_json(actor.code),
        "Head": cid_to_json(actor.head),
        "Nonce": actor.nonce,
        "Balance": bigint_to_json(actor.balance),
        "DelegatedAddress": None
        if actor.delegated_address is None
        else address_to_json(actor.delegated_address, network),
    }


def lookup_to_json(lookup: MessageLookup) -> dict[str, Any]:
    """Lotus ``api.MsgLookup`` JSON: the message, its receipt and the tipset that carries the receipt."""
    return {
        "Message": cid_to_json(lookup.replaced_by or lookup.message),
        "Receipt": receipt_to_json(lookup.receipt),
        "ReturnDec": None,
        "TipSet": lookup.executed_in.key.to_json(),
        "Height": lookup.executed_in.height,
    }


def _tsk(value: Any, field: str = "tsk") -> TipSetKey | None:
    key = TipSetKey.from_json(value, field)
    return key if key.cids else None


def _address(value: Any, field: str) -> Address:
    return address_from_json(value, field)


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise JSONFieldError(f"{field} must be true or false, got {value!r}")
    return value


def _max_fee(spec: Any) -> Any:
    """The ``MaxFee`` of a ``MessageSendSpec`` (None: the node's default)."""
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise JSONFieldError("MessageSendSpec must be an object or null")
    value = spec.get("MaxFee")
    if value is None:
        return None
    fee = token_from_json(value, "MessageSendSpec.MaxFee")
    return None if fee.atto == 0 else fee


def _header(node: FullNode, value: Any, field: str) -> BlockHeader:
    cid = cid_from_json(value, field)
    try:
        return node.chain.store.get_header(cid)
    except NotFound:
        raise NotFound(f"block {cid} is not in the chain store") from None


def _parent(node: FullNode, value: Any) -> TipSet | None:
    """The parent tipset of the block ``value`` names (None for the genesis block)."""
    header = _header(node, value, "cid")
    return None if header.height == 0 else node.chain.load_tipset(TipSetKey(header.parents))


def _unsigned(message: Message | SignedMessage) -> Message:
    return message.message if isinstance(message, SignedMessage) else message


def invoc_result_to_json(
    message: Message, result: ApplyResult, duration_ns: int, network: str
) -> dict[str, Any]:
    """Lotus ``api.InvocResult`` JSON for an off-chain call."""
    gas = result.gas_outputs
    return {
        "MsgCid": cid_to_json(message.cid),
        "Msg": message_to_json(message, network),
        "MsgRct": receipt_to_json(result.receipt),
        "GasCost": {
            "Message": cid_to_json(message.cid),
            "GasUsed": str(result.receipt.gas_used),
            "BaseFeeBurn": bigint_to_json(gas.base_fee_burn),
            "OverEstimationBurn": bigint_to_json(gas.over_estimation_burn),
            "MinerPenalty": bigint_to_json(gas.miner_penalty),
            "MinerTip": bigint_to_json(gas.miner_tip),
            "Refund": bigint_to_json(gas.refund),
            "TotalCost": bigint_to_json(gas.base_fee_burn + gas.over_estimation_burn + gas.miner_tip),
        },
        "ExecutionTrace": {
            "Msg": {
                "From": address_to_json(message.sender, network),
                "To": address_to_json(message.to, network),
                "Value": bigint_to_json(message.value),
                "Method": message.method,
                "Params": bytes_to_json(message.params),
                "ParamsCodec": 0x51 if message.params else 0,
                "GasLimit": message.gas_limit,
                "ReadOnly": False,
            },
            "MsgRct": {
                "ExitCode": int(result.receipt.exit_code),
                "Return": bytes_to_json(result.receipt.return_data),
                "ReturnCodec": 0x51 if result.receipt.return_data else 0,
            },
            "InvokedActor": None,
            "GasCharges": None,
            "Subcalls": None,
        },
        "Error": result.failure,
        "Duration": duration_ns,
    }


def beacon_source_for(node: FullNode) -> BeaconSource:
    """Where the node gets the beacon entries of new epochs for its miners.

    A ``local`` beacon (the devnet's) is computed from its well-known secret; filnet has no drand HTTP
    client, so a network on drand cannot mine through this node and the source says so.
    """
    schedule_names = [name for _, name in node.params.beacon_schedule]
    if schedule_names == [LOCAL_BEACON_NAME]:
        local = LocalBeacon(
            DEVNET_BEACON_SECRET, node.chain.genesis_timestamp, node.params.block_delay_seconds
        )
        if local.network.public_key == node.params.local_beacon_public_key:
            return local.source

    def unavailable(network: DrandNetwork, round: int) -> Any:
        raise BeaconError(f"this node has no client for drand network {network.name} (round {round})", round)

    return unavailable


# -- the registry ------------------------------------------------------------------------------------------


def full_node_registry(node: FullNode, *, on_shutdown: Callable[[], None] | None = None) -> Registry:
    """Every method of the full node's API, bound to ``node``."""
    registry = Registry()
    net = node.network
    chain = node.chain
    head_changed = _HeadSignal(node)
    beacon_source = beacon_source_for(node)

    def ts_of(value: Any) -> TipSet:
        return node.tipset(_tsk(value))

    # -- common ---------------------------------------------------------------------------------------

    def version_method(api: str) -> Callable[[], Any]:
        async def version() -> Any:
            return {
                "Version": f"{__version__}+filnet",
                "APIVersion": API_VERSION[api],
                "BlockDelay": node.params.block_delay_seconds,
            }

        return version

    for api in ("v0", "v1"):
        registry.add(
            "Filecoin.Version",
            version_method(api),
            perm="read",
            doc="The node's version, API version and block delay in seconds.",
            versions=(api,),
        )

    @registry.method("Filecoin.Discover", perm="read", doc="The API's methods (OpenRPC), as rpc.discover.")
    async def discover() -> Any:
        return registry.discover("v1")

    @registry.method("Filecoin.Session", perm="read", doc="A UUID that changes when the node restarts.")
    async def session() -> Any:
        return node.session

    @registry.method("Filecoin.StartTime", perm="read", doc="When the node started (RFC 3339).")
    async def start_time() -> Any:
        return (
            datetime.datetime.fromtimestamp(node.start_time, datetime.UTC).isoformat().replace("+00:00", "Z")
        )

    @registry.method("Filecoin.Shutdown", perm="admin", doc="Stop the daemon cleanly.")
    async def shutdown() -> Any:
        if on_shutdown is None:
            raise InvalidInput("this API is not served by a daemon that can shut down")
        on_shutdown()
        return None

    @registry.method(
        "Filecoin.AuthNew", perm="admin", params=("perms",), doc="A new token with these permissions."
    )
    async def auth_new(perms: Any) -> Any:
        if not isinstance(perms, list) or not all(isinstance(p, str) for p in perms):
            raise JSONFieldError("perms must be a list of permission names")
        for p in perms:
            if p not in PERMISSIONS:
                raise AuthError(f"unknown permission {p!r}; expected one of {', '.join(PERMISSIONS)}")
        token = create_token(node.repo.jwt_secret(), perms)
        return base64.b64encode(token.encode()).decode()

    @registry.method("Filecoin.AuthVerify", perm="read", params=("token",), doc="A token's permissions.")
    async def auth_verify(token: Any) -> Any:
        if not isinstance(token, str):
            raise JSONFieldError("token must be a string")
        return verify_token(node.repo.jwt_secret(), token)

    # -- chain ----------------------------------------------------------------------------------------

    @registry.method("Filecoin.ChainHead", perm="read", doc="The heaviest tipset.")
    async def chain_head() -> Any:
        return chain.head().to_json(net)

    @registry.method("Filecoin.ChainGetGenesis", perm="read", doc="The genesis tipset.")
    async def chain_get_genesis() -> Any:
        return chain.genesis.to_json(net)

    @registry.method("Filecoin.ChainGetTipSet", perm="read", params=("tsk",), doc="A tipset by key.")
    async def chain_get_tipset(tsk: Any) -> Any:
        return ts_of(tsk).to_json(net)

    @registry.method(
        "Filecoin.ChainGetTipSetByHeight",
        perm="read",
        params=("height", "tsk"),
        doc="The tipset at a height on the chain ending at tsk (the one before a null round).",
    )
    async def chain_get_tipset_by_height(height: Any, tsk: Any) -> Any:
        epoch = ChainEpoch(int64_from_json(height, "height"))
        head = ts_of(tsk)
        if epoch > head.height:
            raise InvalidInput(
                f"looking for tipset with height greater than start point: {epoch} > {head.height}"
            )
        if epoch < 0:
            raise InvalidInput(f"height {epoch} is negative")
        return chain.tipset_by_height(epoch, head, True).to_json(net)

    @registry.method("Filecoin.ChainGetBlock", perm="read", params=("cid",), doc="A block header by CID.")
    async def chain_get_block(cid: Any) -> Any:
        return _header(node, cid, "cid").to_json(net)

    @registry.method(
        "Filecoin.ChainGetBlockMessages", perm="read", params=("cid",), doc="A block's BLS and secp messages."
    )
    async def chain_get_block_messages(cid: Any) -> Any:
        bls, secp = chain.messages_for_block(_header(node, cid, "cid"))
        cids = [m.cid for m in bls] + [s.cid for s in secp]
        return {
            "BlsMessages": [message_to_json(m, net) for m in bls],
            "SecpkMessages": [signed_message_to_json(s, net) for s in secp],
            "Cids": [cid_to_json(c) for c in cids],
        }

    @registry.method(
        "Filecoin.ChainGetParentMessages",
        perm="read",
        params=("cid",),
        doc="The messages the block's parent tipset executed, in order.",
    )
    async def chain_get_parent_messages(cid: Any) -> Any:
        parent = _parent(node, cid)
        if parent is None:
            return []
        return [
            {"Cid": cid_to_json(m.cid), "Message": message_to_json(_unsigned(m), net)}
            for m in chain.tipset_messages(parent)
        ]

    @registry.method(
        "Filecoin.ChainGetParentReceipts",
        perm="read",
        params=("cid",),
        doc="The receipts of the messages the block's parent tipset executed.",
    )
    async def chain_get_parent_receipts(cid: Any) -> Any:
        parent = _parent(node, cid)
        return [] if parent is None else [receipt_to_json(r) for r in chain.receipts(parent)]

    @registry.method("Filecoin.ChainGetMessage", perm="read", params=("cid",), doc="A message by CID.")
    async def chain_get_message(cid: Any) -> Any:
        return message_to_json(_unsigned(chain.get_message(cid_from_json(cid, "cid"))), net)

    @registry.method("Filecoin.ChainReadObj", perm="read", params=("cid",), doc="A block's raw bytes.")
    async def chain_read_obj(cid: Any) -> Any:
        c = cid_from_json(cid, "cid")
        try:
            return base64.b64encode(chain.blocks.get(c)).decode()
        except NotFound:
            raise NotFound(f"blockstore: block not found: {c}") from None

    @registry.method("Filecoin.ChainHasObj", perm="read", params=("cid",), doc="Whether a block is stored.")
    async def chain_has_obj(cid: Any) -> Any:
        return chain.blocks.has(cid_from_json(cid, "cid"))

    # -- message pool and gas -------------------------------------------------------------------------

    @registry.method("Filecoin.MpoolPush", perm="write", params=("smsg",), doc="Add a signed message.")
    async def mpool_push(smsg: Any) -> Any:
        return cid_to_json(node.mpool.push(signed_message_from_json(smsg, "smsg")))

    @registry.method(
        "Filecoin.MpoolPushMessage",
        perm="sign",
        params=("msg", "spec"),
        doc="Estimate gas, number, sign with the wallet and push a message.",
    )
    async def mpool_push_message(msg: Any, spec: Any) -> Any:
        signed = node.push_message(message_from_json(msg, "msg"), _max_fee(spec))
        return signed_message_to_json(signed, net)

    @registry.method(
        "Filecoin.MpoolGetNonce", perm="read", params=("addr",), doc="The next nonce of an address."
    )
    async def mpool_get_nonce(addr: Any) -> Any:
        return node.mpool.get_nonce(_address(addr, "addr"))

    @registry.method("Filecoin.MpoolPending", perm="read", params=("tsk",), doc="The pending messages.")
    async def mpool_pending(tsk: Any) -> Any:
        ts_of(tsk)  # an unknown tipset is an error; pending messages are those on the pool's head
        pending, _ = node.mpool.pending()
        return [signed_message_to_json(m, net) for m in pending]

    @registry.method(
        "Filecoin.MpoolSelect",
        perm="read",
        params=("tsk", "ticketQuality"),
        doc="The messages a block on tsk would carry, for a ticket of this quality.",
    )
    async def mpool_select(tsk: Any, ticket_quality: Any) -> Any:
        if not isinstance(ticket_quality, int | float) or isinstance(ticket_quality, bool):
            raise JSONFieldError("ticketQuality must be a number")
        if not math.isfinite(ticket_quality):
            raise JSONFieldError("ticketQuality must be finite")
        selected = node.mpool.select_messages(ts_of(tsk), float(ticket_quality))
        return [signed_message_to_json(m, net) for m in selected]

    @registry.method(
        "Filecoin.GasEstimateMessageGas",
        perm="read",
        params=("msg", "spec", "tsk"),
        doc="Fill a message's zero gas limit, premium and fee cap.",
    )
    async def gas_estimate_message_gas(msg: Any, spec: Any, tsk: Any) -> Any:
        maximize = isinstance(spec, dict) and spec.get("MaximizeFeeCap") is True
        estimated = node.gas.estimate_message_gas(
            message_from_json(msg, "msg"), _max_fee(spec), maximize_fee_cap=maximize, ts=ts_of(tsk)
        )
        return message_to_json(estimated, net)

    @registry.method(
        "Filecoin.GasEstimateFeeCap",
        perm="read",
        params=("msg", "maxqueueblks", "tsk"),
        doc="A fee cap that survives maxqueueblks rises of the base fee.",
    )
    async def gas_estimate_fee_cap(msg: Any, max_queue_blocks: Any, tsk: Any) -> Any:
        blocks = int64_from_json(max_queue_blocks, "maxqueueblks")
        return bigint_to_json(node.gas.estimate_fee_cap(message_from_json(msg, "msg"), blocks, ts_of(tsk)))

    @registry.method(
        "Filecoin.GasEstimateGasPremium",
        perm="read",
        params=("nblocksincl", "sender", "gaslimit", "tsk"),
        doc="A premium likely to get a message in within nblocksincl epochs.",
    )
    async def gas_estimate_gas_premium(nblocks: Any, sender: Any, gas_limit: Any, tsk: Any) -> Any:
        _address(sender, "sender")
        int64_from_json(gas_limit, "gaslimit")
        n = uint64_from_json(nblocks, "nblocksincl")
        return bigint_to_json(node.gas.estimate_gas_premium(n, ts_of(tsk)))

    @registry.method(
        "Filecoin.GasEstimateGasLimit",
        perm="read",
        params=("msg", "tsk"),
        doc="The gas a message uses after its sender's pending messages.",
    )
    async def gas_estimate_gas_limit(msg: Any, tsk: Any) -> Any:
        return node.gas.estimate_gas_limit(message_from_json(msg, "msg"), ts_of(tsk))

    # -- state ----------------------------------------------------------------------------------------

    @registry.method("Filecoin.StateNetworkName", perm="read", doc="The network's name in its genesis.")
    async def state_network_name() -> Any:
        return chain.network_name

    @registry.method(
        "Filecoin.StateNetworkVersion", perm="read", params=("tsk",), doc="The network version at tsk."
    )
    async def state_network_version(tsk: Any) -> Any:
        ts_of(tsk)
        return node.params.network_version

    @registry.method(
        "Filecoin.StateGetActor", perm="read", params=("actor", "tsk"), doc="An actor at tsk's parent state."
    )
    async def state_get_actor(actor: Any, tsk: Any) -> Any:
        address = _address(actor, "actor")
        found = chain.actor_at(address, ts_of(tsk))
        if found is None:
            raise NotFound(f"resolution lookup failed ({address.encode(net)}): actor not found")
        return actor_to_json(found, net)

    @registry.method(
        "Filecoin.StateLookupID", perm="read", params=("addr", "tsk"), doc="The ID address of an address."
    )
    async def state_lookup_id(addr: Any, tsk: Any) -> Any:
        return node.lookup_id(_address(addr, "addr"), ts_of(tsk)).encode(net)

    @registry.method(
        "Filecoin.StateAccountKey",
        perm="read",
        params=("addr", "tsk"),
        doc="The key address of an account.",
    )
    async def state_account_key(addr: Any, tsk: Any) -> Any:
        address = _address(addr, "addr")
        key = chain.resolve_to_key(address, ts_of(tsk))
        if key is None:
            raise NotFound(f"address {address.encode(net)} has no key address")
        return key.encode(net)

    @registry.method("Filecoin.StateListActors", perm="read", params=("tsk",), doc="Every actor's address.")
    async def state_list_actors(tsk: Any) -> Any:
        return [a.encode(net) for a, _ in chain.parent_tree(ts_of(tsk)).iter_actors()]

    @registry.method(
        "Filecoin.StateListMiners", perm="read", params=("tsk",), doc="Every miner with a claim."
    )
    async def state_list_miners(tsk: Any) -> Any:
        ts = ts_of(tsk)
        claims = chain.total_power(ts).load_claims(chain.blocks)
        return [m.encode(net) for m, _ in claims.items()]

    @registry.method(
        "Filecoin.StateMinerInfo",
        perm="read",
        params=("actor", "tsk"),
        doc="A miner's info (owner, worker...).",
    )
    async def state_miner_info(actor: Any, tsk: Any) -> Any:
        ts = ts_of(tsk)
        address = _address(actor, "actor")
        tree = chain.parent_tree(ts)
        found = tree.get_actor(address)
        if found is None or tree.actor_name(found) != names.MINER:
            raise NotFound(f"miner {address.encode(net)} does not exist")
        return MinerState.decode(chain.blocks.get(found.head)).get_info(chain.blocks).to_json(net)

    @registry.method(
        "Filecoin.StateMinerPower",
        perm="read",
        params=("actor", "tsk"),
        doc="A miner's power claim, the network's total, and whether it meets the minimum.",
    )
    async def state_miner_power(actor: Any, tsk: Any) -> Any:
        ts = ts_of(tsk)
        address = node.lookup_id(_address(actor, "actor"), ts)
        power = chain.total_power(ts)
        claim = power.miner_power(chain.blocks, address)
        return {
            "MinerPower": {
                "RawBytePower": bigint_to_json(claim.raw_byte_power if claim else 0),
                "QualityAdjPower": bigint_to_json(claim.quality_adj_power if claim else 0),
            },
            "TotalPower": {
                "RawBytePower": bigint_to_json(power.total_raw_byte_power),
                "QualityAdjPower": bigint_to_json(power.total_quality_adj_power),
            },
            "HasMinPower": miner_has_min_power(chain.blocks, node.params.policy, ts.parent_state, address),
        }

    @registry.method(
        "Filecoin.StateCirculatingSupply", perm="read", params=("tsk",), doc="FIL in circulation at tsk."
    )
    async def state_circulating_supply(tsk: Any) -> Any:
        return bigint_to_json(chain.circulating_supply(ts_of(tsk)).circulating)

    @registry.method(
        "Filecoin.StateVMCirculatingSupplyInternal",
        perm="read",
        params=("tsk",),
        doc="The parts of the circulating supply, as the VM computes them.",
    )
    async def state_vm_circulating_supply(tsk: Any) -> Any:
        supply = chain.circulating_supply(ts_of(tsk))
        mined = supply.total - supply.unmined
        return {
            "FilVested": bigint_to_json(supply.vesting),
            "FilMined": bigint_to_json(mined),
            "FilBurnt": bigint_to_json(supply.burnt),
            "FilLocked": bigint_to_json(supply.locked),
            "FilCirculating": bigint_to_json(supply.circulating),
            "FilReserveDisbursed": bigint_to_json(0),
        }

    @registry.method(
        "Filecoin.StateGetBeaconEntry", perm="read", params=("epoch",), doc="The beacon entry of an epoch."
    )
    async def state_get_beacon_entry(epoch: Any) -> Any:
        e = ChainEpoch(int64_from_json(epoch, "epoch"))
        head = chain.head()
        while e > head.height:
            await head_changed.wait()
            head = chain.head()
        entry = ChainRandomness(chain, head, chain.beacon_round).beacon_entry(e)
        return mining.beacon_entry_to_json(entry)

    def randomness_method(kind: str) -> Any:
        async def get_randomness(personalization: Any, rand_epoch: Any, entropy: Any, tsk: Any) -> Any:
            tag = DomainSeparationTag(int64_from_json(personalization, "personalization"))
            epoch = ChainEpoch(int64_from_json(rand_epoch, "randEpoch"))
            data = bytes_from_json(entropy, "entropy")
            source = ChainRandomness(chain, ts_of(tsk), chain.beacon_round)
            draw = source.ticket_randomness if kind == "Tickets" else source.beacon_randomness
            return base64.b64encode(draw(tag, epoch, data)).decode()

        return get_randomness

    for kind in ("Tickets", "Beacon"):
        registry.add(
            f"Filecoin.StateGetRandomnessFrom{kind}",
            randomness_method(kind),
            perm="read",
            params=("personalization", "randEpoch", "entropy", "tsk"),
            doc=f"A draw of randomness from the chain's {kind.lower()} at an epoch.",
        )

    @registry.method(
        "Filecoin.StateCall",
        perm="read",
        params=("msg", "tsk"),
        doc="Apply a message on tsk's state without a chain change.",
    )
    async def state_call(msg: Any, tsk: Any) -> Any:
        result = node.call(message_from_json(msg, "msg"), ts_of(tsk))
        return invoc_result_to_json(result.message, result.result, result.duration_ns, net)

    async def state_wait_msg(cid: Any, confidence: Any, *rest: Any) -> Any:
        # v1 adds (limit, allowReplaced) to v0's (cid, confidence).
        c = cid_from_json(cid, "cid")
        want = uint64_from_json(confidence, "confidence")
        limit = int64_from_json(rest[0], "limit") if rest else LOOKBACK_NO_LIMIT
        allow_replaced = _bool(rest[1], "allowReplaced") if rest else True
        while True:
            head = chain.head()
            try:
                lookup = chain.search_message(
                    c, head=head, limit=None if limit < 0 else limit, allow_replaced=allow_replaced
                )
            except NotFound:  # not on chain yet (pending in the pool, or not seen): wait for it
                lookup = None
            if lookup is not None and head.height - lookup.executed_in.height >= want:
                return lookup_to_json(lookup)
            await head_changed.wait()

    registry.add(
        "Filecoin.StateWaitMsg",
        state_wait_msg,
        perm="read",
        params=("cid", "confidence", "limit", "allowReplaced"),
        doc="Wait until a message has run and has confidence epochs on top; its receipt.",
        versions=("v1",),
    )
    registry.add(
        "Filecoin.StateWaitMsg",
        state_wait_msg,
        perm="read",
        params=("cid", "confidence"),
        doc="Wait until a message has run and has confidence epochs on top; its receipt.",
        versions=("v0",),
    )

    async def search(tsk: Any, cid: Any, limit: Any, allow_replaced: Any) -> Any:
        c = cid_from_json(cid, "cid")
        head = ts_of(tsk)
        lim = int64_from_json(limit, "limit")
        chain.get_message(c)
        lookup = chain.search_message(
            c,
            head=head,
            limit=None if lim < 0 else lim,
            allow_replaced=_bool(allow_replaced, "allowReplaced"),
        )
        return None if lookup is None else lookup_to_json(lookup)

    async def search_v0(cid: Any) -> Any:
        return await search(None, cid, LOOKBACK_NO_LIMIT, True)

    registry.add(
        "Filecoin.StateSearchMsg",
        search,
        perm="read",
        params=("tsk", "msg", "limit", "allowReplaced"),
        doc="Where a message ran on the chain ending at tsk, or null.",
        versions=("v1",),
    )
    registry.add(
        "Filecoin.StateSearchMsg",
        search_v0,
        perm="read",
        params=("msg",),
        doc="Where a message ran on the chain, or null.",
        versions=("v0",),
    )

    # -- wallet ---------------------------------------------------------------------------------------

    @registry.method("Filecoin.WalletNew", perm="write", params=("type",), doc="A new key of this type.")
    async def wallet_new(key_type: Any) -> Any:
        kind = parse_key_type(_key_type_name(key_type))
        address = node.wallet.put(PrivateKey.generate(kind))
        if node.wallet.default() is None:
            node.wallet.set_default(address)
        return address.encode(net)

    @registry.method("Filecoin.WalletList", perm="write", doc="The wallet's addresses.")
    async def wallet_list() -> Any:
        return [a.encode(net) for a in node.wallet.addresses()]

    @registry.method(
        "Filecoin.WalletHas", perm="write", params=("addr",), doc="Whether the wallet has a key."
    )
    async def wallet_has(addr: Any) -> Any:
        return node.wallet.has(_address(addr, "addr"))

    @registry.method("Filecoin.WalletBalance", perm="read", params=("addr",), doc="An address's balance.")
    async def wallet_balance(addr: Any) -> Any:
        actor = chain.executed_tree(chain.head()).get_actor(_address(addr, "addr"))
        return bigint_to_json(0 if actor is None else actor.balance)

    @registry.method(
        "Filecoin.WalletSign", perm="sign", params=("addr", "data"), doc="Sign bytes with a key."
    )
    async def wallet_sign(addr: Any, data: Any) -> Any:
        key = node.key(_address(addr, "addr"))
        return signature_to_json(key.sign(bytes_from_json(data, "data")))

    @registry.method(
        "Filecoin.WalletSignMessage", perm="sign", params=("addr", "msg"), doc="Sign a message with a key."
    )
    async def wallet_sign_message(addr: Any, msg: Any) -> Any:
        message = message_from_json(msg, "msg")
        key = node.key(_address(addr, "addr"))
        return signed_message_to_json(SignedMessage(message, key.sign(message.signing_bytes())), net)

    @registry.method(
        "Filecoin.WalletVerify",
        perm="read",
        params=("addr", "data", "sig"),
        doc="Whether a signature over data is the address's.",
    )
    async def wallet_verify(addr: Any, data: Any, sig: Any) -> Any:
        return is_valid_signature(
            signature_from_json(sig, "sig"), _address(addr, "addr"), bytes_from_json(data, "data")
        )

    @registry.method("Filecoin.WalletDefaultAddress", perm="write", doc="The wallet's default address.")
    async def wallet_default_address() -> Any:
        address = node.wallet.default()
        return None if address is None else address.encode(net)

    @registry.method(
        "Filecoin.WalletSetDefault", perm="write", params=("addr",), doc="Make an address the default."
    )
    async def wallet_set_default(addr: Any) -> Any:
        node.wallet.set_default(_address(addr, "addr"))
        return None

    @registry.method("Filecoin.WalletExport", perm="admin", params=("addr",), doc="A key as Lotus's KeyInfo.")
    async def wallet_export(addr: Any) -> Any:
        return node.key(_address(addr, "addr")).key_info()

    @registry.method("Filecoin.WalletImport", perm="admin", params=("ki",), doc="Import a Lotus KeyInfo.")
    async def wallet_import(ki: Any) -> Any:
        return node.wallet.put(PrivateKey.from_key_info(ki)).encode(net)

    @registry.method("Filecoin.WalletDelete", perm="admin", params=("addr",), doc="Remove a key.")
    async def wallet_delete(addr: Any) -> Any:
        node.wallet.delete(_address(addr, "addr"))
        return None

    # -- mining ---------------------------------------------------------------------------------------

    @registry.method(
        "Filecoin.MinerGetBaseInfo",
        perm="read",
        params=("maddr", "epoch", "tsk"),
        doc="What a miner needs to mine at epoch on tsk, or null.",
    )
    async def miner_get_base_info(maddr: Any, epoch: Any, tsk: Any) -> Any:
        info = mining.miner_base_info(
            chain.blocks,
            chain,
            node.params,
            chain.schedule,
            beacon_source,
            chain.genesis_timestamp,
            _address(maddr, "maddr"),
            ChainEpoch(int64_from_json(epoch, "epoch")),
            ts_of(tsk),
        )
        return None if info is None else info.to_json(net)

    @registry.method(
        "Filecoin.MinerCreateBlock",
        perm="write",
        params=("bt",),
        doc="Make and sign a block from a template.",
    )
    async def miner_create_block(bt: Any) -> Any:
        template = mining.BlockTemplate.from_json(bt)
        header, bls, secp = mining.create_block(
            chain.blocks, chain, node.params, template, _worker_signer(node)
        )
        return {
            "Header": header.to_json(net),
            "BlsMessages": [cid_to_json(m.cid) for m in bls],
            "SecpkMessages": [cid_to_json(m.cid) for m in secp],
        }

    @registry.method(
        "Filecoin.SyncSubmitBlock",
        perm="write",
        params=("blk",),
        doc="Validate a block and add it to the chain.",
    )
    async def sync_submit_block(blk: Any) -> Any:
        if not isinstance(blk, dict):
            raise JSONFieldError("blk must be a BlockMsg object")
        header = BlockHeader.from_json(blk.get("Header"))
        bls = [_stored_message(node, c, "BlsMessages", signed=False) for c in _cid_list(blk, "BlsMessages")]
        secp = [
            _stored_message(node, c, "SecpkMessages", signed=True) for c in _cid_list(blk, "SecpkMessages")
        ]
        node.submit_block(header, bls, secp)  # type: ignore[arg-type]
        return None

    @registry.method("Filecoin.SyncState", perm="read", doc="The node's sync progress.")
    async def sync_state() -> Any:
        head = chain.head()
        return {
            "ActiveSyncs": [
                {
                    "WorkerID": 0,
                    "Base": None,
                    "Target": head.to_json(net),
                    "Stage": 5,  # api.StageSyncComplete: a single node is always synced to its own head
                    "Height": head.height,
                    "Start": None,
                    "End": None,
                    "Message": "",
                }
            ],
            "VMApplied": node.vm_applied,
        }

    # -- network --------------------------------------------------------------------------------------

    @registry.method("Filecoin.ID", perm="read", doc="The node's libp2p peer ID.")
    async def node_id() -> Any:
        return node.peer_id

    @registry.method("Filecoin.NetPeers", perm="read", doc="The peers the node is connected to.")
    async def net_peers() -> Any:
        return []

    @registry.method("Filecoin.NetAddrsListen", perm="read", doc="The node's peer ID and listen addresses.")
    async def net_addrs_listen() -> Any:
        return {"ID": node.peer_id, "Addrs": []}

    register_state_methods(registry, node)
    return registry


# -- helpers that need the node ------------------------------------------------------------------------------


class _HeadSignal:
    """An awaitable that fires on each head change (for methods that wait for the chain)."""

    def __init__(self, node: FullNode) -> None:
        self._event = trio.Event()
        node.watch_head(self._fire)

    def _fire(self, _change: object) -> None:
        event, self._event = self._event, trio.Event()
        event.set()

    async def wait(self) -> None:
        await self._event.wait()


def _key_type_name(value: Any) -> str:
    if not isinstance(value, str):
        raise JSONFieldError("type must be a key type name")
    # Lotus's CLI says "secp256k1"; its KeyType constants are "secp256k1", "bls" and "delegated".
    return {"secp256k1": KeyType.SECP256K1.value, "bls": KeyType.BLS.value}.get(value, value)


def _worker_signer(node: FullNode) -> Callable[[Address, bytes], Any]:
    def sign(address: Address, data: bytes) -> Any:
        return node.key(address).sign(data)

    return sign


def _cid_list(obj: dict[str, Any], field: str) -> list[CID]:
    value = obj.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise JSONFieldError(f"{field} must be a list of CIDs")
    return [cid_from_json(v, field) for v in value]


def _stored_message(node: FullNode, cid: CID, field: str, *, signed: bool) -> Message | SignedMessage:
    message = node.chain.get_message(cid)
    if isinstance(message, SignedMessage) != signed:
        raise InvalidInput(f"{field}: {cid} is not a {'signed' if signed else 'BLS'} message")
    return message
