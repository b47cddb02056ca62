"""The miner, market and verified-registry state methods over a real devnet genesis (two pre-sealed sectors
with their deals), called in-process through the registry the daemon serves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trio

from filnet.actors.market.policy import deal_provider_collateral_bounds
from filnet.actors.miner.state import MinerState
from filnet.api.full import full_node_registry
from filnet.api.registry import Registry
from filnet.chain.lotus_json import JSONFieldError, bitfield_from_json, bitfield_to_json
from filnet.chain.preseal import PresealMiner, load_preseal
from filnet.core.address import Address
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.errors import InvalidInput, NotFound
from filnet.ipld.bitfield import BitField
from filnet.node import devnet as dn
from filnet.node.daemon import DaemonOptions, open_config, open_node
from filnet.node.full import FullNode
from filnet.node.repo import NodeRepo
from filnet.proofs.seal import sealed_cid

MINER = "t01000"


class Api:
    def __init__(self, node: FullNode, registry: Registry, preseal: PresealMiner) -> None:
        self.node = node
        self.registry = registry
        self.preseal = preseal

    def __call__(self, name: str, *params: Any) -> Any:
        spec = self.registry.get("v1", f"Filecoin.{name}")
        assert spec is not None, name
        assert len(params) == len(spec.params)
        return trio.run(spec.handler, *params)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    directory: Path = tmp_path_factory.mktemp("devnet")
    dn.create_devnet(directory, providers=1, block_time=1)
    repo = NodeRepo(dn.node_repo(directory))
    node = open_node(repo, open_config(repo, DaemonOptions(repo.path)), directory / "genesis.car")
    try:
        yield Api(node, full_node_registry(node), load_preseal(dn.provider_repo(directory, 1) / "sealed"))
    finally:
        node.close()


def test_bitfield_json_is_go_bitfields_run_lengths() -> None:
    assert bitfield_to_json(BitField()) == [0]
    assert bitfield_to_json(BitField.from_indices([0, 1])) == [0, 2]
    assert bitfield_to_json(BitField.from_indices([2, 3, 5])) == [2, 2, 1, 1]
    assert bitfield_to_json(BitField.from_indices([0, 1, 5])) == [0, 2, 3, 1]
    for runs in ([0], [0, 2], [2, 2, 1, 1], [5, 1, 10, 3]):
        assert bitfield_to_json(bitfield_from_json(runs, "f")) == runs
    with pytest.raises(JSONFieldError, match=r"f\[1\]"):
        bitfield_from_json([1, -2], "f")
    with pytest.raises(JSONFieldError, match="run lengths"):
        bitfield_from_json("[0, 1]", "f")


def test_sectors_are_the_presealed_ones(api: Api) -> None:
    sectors = api("StateMinerSectors", MINER, None, None)
    assert [s["SectorNumber"] for s in sectors] == [s.sector_number for s in api.preseal.sectors]
    assert [s["SealedCID"]["/"] for s in sectors] == [str(sealed_cid(s.comm_r)) for s in api.preseal.sectors]
    assert all(s["SealProof"] == int(api.preseal.proof_type) for s in sectors)
    assert all(s["Expiration"] == api.preseal.sectors[0].expiration for s in sectors)
    assert api("StateMinerActiveSectors", MINER, None) == sectors
    only_second = api("StateMinerSectors", MINER, [1, 1], None)
    assert only_second == [sectors[1]]
    assert api("StateSectorGetInfo", MINER, 1, None) == sectors[1]
    assert api("StateSectorGetInfo", MINER, 99, None) is None
    assert api("StateSectorPreCommitInfo", MINER, 0, None) is None


def test_deadlines_partitions_and_faults(api: Api) -> None:
    deadlines = api("StateMinerDeadlines", MINER, None)
    assert len(deadlines) == api.node.params.policy.wpost_period_deadlines
    assert all(d == {"PostSubmissions": [0], "DisputableProofCount": 0, "DailyFee": "0"} for d in deadlines)
    with_sectors = {}
    for index in range(len(deadlines)):
        partitions = api("StateMinerPartitions", MINER, index, None)
        if partitions:
            with_sectors[index] = partitions
    assert len(with_sectors) == 1  # both pre-sealed sectors share a partition
    (partitions,) = with_sectors.values()
    assert partitions == [
        {
            "AllSectors": [0, 2],
            "FaultySectors": [0],
            "RecoveringSectors": [0],
            "LiveSectors": [0, 2],
            "ActiveSectors": [0, 2],
        }
    ]
    assert api("StateMinerFaults", MINER, None) == [0]
    assert api("StateMinerRecoveries", MINER, None) == [0]
    with pytest.raises(InvalidInput, match="deadline 48 out of range"):
        api("StateMinerPartitions", MINER, 48, None)


def test_proving_deadline_is_the_actors_next_open_deadline(api: Api) -> None:
    got = api("StateMinerProvingDeadline", MINER, None)
    head = api.node.chain.head()
    actor = api.node.chain.actor_at(Address.parse(MINER), head)
    assert actor is not None
    state = MinerState.decode(api.node.chain.blocks.get(actor.head))
    expected = state.deadline_info(api.node.params.policy, head.height).next_not_elapsed()
    assert got == expected.to_json()
    assert got["Open"] <= got["CurrentEpoch"] + got["WPoStChallengeWindow"] * got["WPoStPeriodDeadlines"]
    assert got["Close"] - got["Open"] == got["WPoStChallengeWindow"]


def test_market_deals_match_the_preseal(api: Api) -> None:
    deals = api("StateMarketDeals", None)
    assert sorted(deals) == ["0", "1"]
    for deal_id, sector in zip(("0", "1"), api.preseal.sectors, strict=True):
        assert sector.deal is not None
        proposal = deals[deal_id]["Proposal"]
        assert proposal["PieceCID"] == {"/": str(sector.deal.piece_cid)}
        assert proposal["PieceSize"] == 2048
        assert proposal["Provider"] == MINER
        assert proposal["Client"].startswith("t0")
        assert proposal["EndEpoch"] == sector.expiration
        assert deals[deal_id]["State"]["SectorStartEpoch"] == 0
        assert deals[deal_id]["State"]["SlashEpoch"] == -1
        assert api("StateMarketStorageDeal", int(deal_id), None) == deals[deal_id]
    with pytest.raises(NotFound, match="deal 7 not found"):
        api("StateMarketStorageDeal", 7, None)
    client = deals["0"]["Proposal"]["Client"]
    assert api("StateMarketBalance", client, None) == {"Escrow": "0", "Locked": "0"}
    with pytest.raises(NotFound, match="actor not found"):
        api("StateMarketBalance", PrivateKey.generate(KeyType.SECP256K1).address.encode("t"), None)


def test_collateral_bounds_pledge_and_deposit(api: Api) -> None:
    head = api.node.chain.head()
    power = api.node.chain.total_power(head)
    reward = api("StateReadState", "t02", None)["State"]
    low, _ = deal_provider_collateral_bounds(
        api.node.params.policy,
        2048,
        power.total_raw_byte_power,
        int(reward["ThisEpochBaselinePower"]),
        api.node.chain.circulating_supply(head).circulating,
    )
    bounds = api("StateDealProviderCollateralBounds", 2048, False, None)
    assert bounds["Min"] == str(low.atto * 110 // 100)
    assert int(bounds["Max"]) == 2_000_000_000 * 10**18
    with pytest.raises(JSONFieldError, match="verified"):
        api("StateDealProviderCollateralBounds", 2048, "no", None)

    sector = api("StateSectorGetInfo", MINER, 0, None)
    pci = {
        "SealProof": sector["SealProof"],
        "SectorNumber": 2,
        "SealedCID": sector["SealedCID"],
        "SealRandEpoch": 0,
        "DealIDs": None,
        "Expiration": 600_000,
        "UnsealedCid": None,
    }
    pledge = int(api("StateMinerInitialPledgeCollateral", MINER, pci, None))
    deposit = int(api("StateMinerPreCommitDepositForPower", MINER, pci, None))
    assert pledge > 0 and deposit > 0
    # a longer commitment of the same power does not lower the pledge
    longer = int(api("StateMinerInitialPledgeCollateral", MINER, {**pci, "Expiration": 900_000}, None))
    assert longer >= pledge
    with pytest.raises(NotFound, match="deal 5 not found"):
        api("StateMinerInitialPledgeCollateral", MINER, {**pci, "DealIDs": [5]}, None)
    with pytest.raises(InvalidInput, match="deal 0 ends at 1000000"):
        api("StateMinerInitialPledgeCollateral", MINER, {**pci, "DealIDs": [0]}, None)
    with pytest.raises(JSONFieldError, match=r"pci\.SealedCID is missing"):
        api("StateMinerPreCommitDepositForPower", MINER, {"SealProof": 5, "SectorNumber": 2}, None)
    with pytest.raises(InvalidInput, match="unknown seal proof 999"):
        api("StateMinerPreCommitDepositForPower", MINER, {**pci, "SealProof": 999}, None)


def test_available_balance_and_read_state(api: Api) -> None:
    miner = api("StateReadState", MINER, None)
    available = int(api("StateMinerAvailableBalance", MINER, None))
    state = miner["State"]
    locked = int(state["LockedFunds"]) + int(state["InitialPledge"]) + int(state["PreCommitDeposits"])
    assert available == int(miner["Balance"]) - locked - int(state["FeeDebt"])
    owner = api("StateMinerInfo", MINER, None)["Owner"]
    account = api("StateReadState", owner, None)
    assert account["State"]["Address"].startswith("t1")  # addresses print with the network's prefix
    assert account["Code"] == api("StateGetActor", owner, None)["Code"]


def test_verified_registry_and_bad_actors(api: Api) -> None:
    assert api("StateVerifiedClientStatus", MINER, None) is None
    assert api("StateVerifierStatus", MINER, None) is None
    with pytest.raises(InvalidInput, match="t02 is not a miner"):
        api("StateMinerSectors", "t02", None, None)
    with pytest.raises(NotFound, match="miner t05555 not found"):
        api("StateMinerDeadlines", "t05555", None)
