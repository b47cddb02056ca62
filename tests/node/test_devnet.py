"""A devnet in real processes: the node daemon and a miner on loopback, a send through the API, a restart."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from filnet.api.apiinfo import ApiInfo
from filnet.api.client import ApiClient, find_api
from filnet.api.errors import RpcError
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.node import devnet as dn


@pytest.fixture
def devnet_dir(tmp_path: Path):  # type: ignore[no-untyped-def]
    directory = tmp_path / "devnet"
    dn.create_devnet(directory, providers=1, block_time=1)
    yield directory
    pids = directory / "devnet.pids"
    if pids.exists():
        dn.stop_devnet(directory)


def test_devnet_mines_sends_and_resumes(devnet_dir: Path) -> None:
    running = dn.start_devnet(devnet_dir)
    try:
        assert dn.wait_for_height(devnet_dir, 2, timeout=60) >= 2
        info_line = (devnet_dir / "api-info").read_text().strip()
        assert info_line.startswith("FULLNODE_API_INFO=") and "/ip4/127.0.0.1/tcp/" in info_line
        client_key = PrivateKey.import_lotus((devnet_dir / "client.key").read_text().strip())
        receiver = PrivateKey.generate(KeyType.SECP256K1).address.encode("t")
        with ApiClient(find_api(dn.node_repo(devnet_dir)), timeout=30) as api:
            assert api.call("StateNetworkName") == dn.NETWORK_NAME
            assert api.call("Version")["BlockDelay"] == 1
            assert api.call("WalletDefaultAddress") == client_key.address.encode("t")
            head = api.call("ChainHead")
            block = api.call("ChainGetBlock", head["Cids"][0])
            assert block["Miner"] == "t01000"
            message = {
                "Version": 0,
                "To": receiver,
                "From": client_key.address.encode("t"),
                "Nonce": 0,
                "Value": str(10**18),
                "GasLimit": 0,
                "GasFeeCap": "0",
                "GasPremium": "0",
                "Method": 0,
                "Params": None,
            }
            signed = api.call("MpoolPushMessage", message, None)
            lookup = api.call("StateWaitMsg", signed["CID"], 1, -1, True)
            assert lookup["Receipt"]["ExitCode"] == 0
            assert api.call("WalletBalance", receiver) == str(10**18)
            assert api.call("StateSearchMsg", None, signed["CID"], -1, True)["Height"] == lookup["Height"]
            assert api.call("MpoolGetNonce", client_key.address.encode("t")) == 1
            with (
                ApiClient(ApiInfo(api.info.addr), timeout=5) as anonymous,
                pytest.raises(RpcError) as refused,
            ):
                anonymous.call("MpoolPushMessage", message, None)
            assert "need 'sign'" in str(refused.value)
            height = int(api.call("ChainHead")["Height"])
    finally:
        running.stop()
    assert not (devnet_dir / "node-1" / "api").exists()  # a clean stop withdraws the API files
    # Re-running on the directory resumes the same chain.
    running = dn.start_devnet(devnet_dir)
    try:
        assert dn.wait_for_height(devnet_dir, height + 1, timeout=60) > height
        with ApiClient(find_api(dn.node_repo(devnet_dir)), timeout=30) as api:
            assert api.call("WalletBalance", receiver) == str(10**18)
    finally:
        running.stop()


def test_daemon_restarts_after_kill_9(devnet_dir: Path) -> None:
    running = dn.start_devnet(devnet_dir)
    try:
        height = dn.wait_for_height(devnet_dir, 2, timeout=60)
        os.kill(running.processes[0].pid, signal.SIGKILL)
        running.processes[0].wait()
    finally:
        running.stop()
    running = dn.start_devnet(devnet_dir)
    try:
        assert dn.wait_for_height(devnet_dir, height + 1, timeout=60) > height
    finally:
        running.stop()
