"""``filnet state inspect`` and ``filnet state get`` over the Lotus genesis CARs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zstandard

from tests.cli.cli_helpers import run_cli as run
from tests.vm.genesis import genesis, genesis_path


def test_inspect_butterflynet_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "state", "inspect", "--car", genesis_path("butterflynet"), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["state_version"] == 5
    assert result["total_balance"] == str(2_000_000_000 * 10**18)
    actors = {a["id"]: a for a in result["actors"]}
    assert len(actors) == 21
    assert actors["f090"] == {
        "id": "f090",
        "address": "f1vl2wgz6f4dg2zy57ulz3h7boh7bksnoetpyaz6y",
        "name": "account",
        "balance": str(897_000_000 * 10**18),
        "nonce": 0,
    }
    assert actors["f01003"]["name"] == "ethaccount" and actors["f01003"]["address"].startswith("f410f")
    assert actors["f01000"]["name"] == "storageminer" and actors["f01000"]["address"].startswith("f2")
    assert actors["f00"]["address"] is None
    assert [a["id"] for a in result["actors"]][:3] == ["f00", "f01", "f02"]  # by actor ID


@pytest.mark.parametrize(("network", "version"), [("interopnet", 4), ("calibnet", 0)])
def test_inspect_older_networks(capsys: pytest.CaptureFixture[str], network: str, version: int) -> None:
    code, out, _ = run(capsys, "state", "inspect", "--car", genesis_path(network), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["state_version"] == version
    names = {a["name"] for a in result["actors"]}
    assert {"system", "init", "storageminer", "account"} <= names and "unknown" not in names
    assert sum(int(a["balance"]) for a in result["actors"]) == int(result["total_balance"])


def test_inspect_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "state", "inspect", "--car", genesis_path("butterflynet"))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "state tree version 5, 21 actors, total balance 2000000000 FIL"
    row = next(line for line in lines if line.startswith("f090 "))
    assert "f1vl2wgz6f4dg2zy57ulz3h7boh7bksnoetpyaz6y" in row and row.endswith("897000000 FIL")


def test_inspect_with_a_state_root_and_a_plain_car(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # --root naming the state root instead of the block header, on an uncompressed copy of the CAR
    plain = tmp_path / "genesis.car"
    with open(genesis_path("interopnet"), "rb") as f:
        plain.write_bytes(zstandard.ZstdDecompressor().stream_reader(f).read())
    _, header_out, _ = run(capsys, "state", "inspect", "--car", str(plain), "--json")
    _, state_root = genesis("interopnet")
    code, out, _ = run(capsys, "state", "inspect", "--car", str(plain), "--root", str(state_root), "--json")
    assert code == 0 and json.loads(out) == json.loads(header_out)


def test_get_typed_and_untyped(capsys: pytest.CaptureFixture[str]) -> None:
    car = genesis_path("butterflynet")
    code, out, _ = run(
        capsys, "state", "get", "--car", car, "f1vl2wgz6f4dg2zy57ulz3h7boh7bksnoetpyaz6y", "--json"
    )
    assert code == 0
    result = json.loads(out)
    assert result["id"] == "f090" and result["name"] == "account" and result["state_typed"]
    assert result["state"] == {"Address": "f1vl2wgz6f4dg2zy57ulz3h7boh7bksnoetpyaz6y"}
    code, out, _ = run(capsys, "state", "get", "--car", car, "f01", "--json")
    assert json.loads(out)["state"]["NetworkName"] == "butterflynet"
    code, out, _ = run(capsys, "state", "get", "--car", car, "f04", "--json")
    assert code == 0 and json.loads(out)["state"]["MinerCount"] == 3
    code, out, _ = run(capsys, "state", "get", "--car", car, "f01000", "--json")
    result = json.loads(out)
    assert code == 0 and result["state_typed"] and result["name"] == "storageminer"
    assert set(result["state"]) >= {"Info", "Sectors", "Deadlines", "VestingFunds", "ProvingPeriodStart"}
    code, out, _ = run(capsys, "state", "get", "--car", car, "f02")
    assert code == 0 and "ThisEpochReward:" in out and "name:      reward" in out


def test_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    car = genesis_path("butterflynet")
    code, _, err = run(capsys, "state", "get", "--car", car, "f0999999")
    assert code == 2 and "no actor at f0999999" in err
    code, _, err = run(capsys, "state", "get", "--car", car, "not-an-address")
    assert code == 2 and err.startswith("error:")
    code, _, err = run(
        capsys,
        "state",
        "inspect",
        "--car",
        car,
        "--root",
        "bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfa",
    )
    assert code == 2 and "error:" in err
    broken = tmp_path / "broken.car"
    broken.write_bytes(b"\x01\x02\x03")
    code, _, err = run(capsys, "state", "inspect", "--car", str(broken))
    assert code == 2 and "error:" in err


def test_missing_block_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # A CAR holding only the state root: the actors HAMT is missing, and the error names its CID.
    from filnet.car.v1 import CarV1Writer

    store, state_root = genesis("butterflynet")
    path = tmp_path / "partial.car"
    with path.open("wb") as out:
        writer = CarV1Writer(out, [state_root])
        writer.put(state_root, store.get(state_root))
    code, _, err = run(capsys, "state", "inspect", "--car", str(path))
    assert code == 2 and "bafy2bzacecadrerb6glcmaizfojz66ncu5zumcxyzxjlasmieblf23o5pvpfm" in err
