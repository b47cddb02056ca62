"""JSON-RPC throughput of a running node: ``ChainHead`` and ``StateGetActor`` requests per second from 16
concurrent clients, as a ratio to a bare hypercorn endpoint (trio worker) answering a constant JSON-RPC result
to the same clients in the same run (issue goal ≥ 0.5).

Starts a one-provider devnet in a temporary directory (block time 4 s), and the baseline server in a
subprocess; both on 127.0.0.1 with ports the OS chooses.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from filnet.api.client import find_api
from filnet.node import devnet as dn

CLIENTS = 16
SECONDS = 3.0

_BASELINE = r"""
import sys, trio
from hypercorn.config import Config
from hypercorn.trio import serve
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def rpc(request):
    body = await request.json()
    return JSONResponse({"jsonrpc": "2.0", "id": body.get("id"), "result": {"Height": 1}})

async def main():
    config = Config()
    config.bind = ["127.0.0.1:0"]
    config.accesslog = None
    async with trio.open_nursery() as nursery:
        app = Starlette(routes=[Route("/rpc/v1", rpc, methods=["POST"])])
        binds = await nursery.start(serve, app, config)
        print(binds[0].rsplit(":", 1)[1], flush=True)

trio.run(main)
"""


def _rate(url: str, headers: dict[str, str], method: str, params: list[object]) -> float:
    """Requests per second from CLIENTS threads, each with its own connection, for SECONDS."""
    done = [0] * CLIENTS
    stop = time.monotonic() + SECONDS

    def client(i: int) -> None:
        with httpx.Client(headers=headers, timeout=10) as http:
            body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
            while time.monotonic() < stop:
                response = http.post(url, json=body)
                assert response.status_code == 200 and "result" in response.json(), response.text
                done[i] += 1

    start = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.monotonic() - start)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="filnet-bench-rpc-") as tmp:
        directory = Path(tmp) / "devnet"
        spec = dn.create_devnet(directory, providers=1, block_time=4)
        running = dn.start_devnet(directory)
        baseline = subprocess.Popen([sys.executable, "-c", _BASELINE], stdout=subprocess.PIPE, text=True)
        try:
            assert baseline.stdout is not None
            port = int(baseline.stdout.readline())
            info = find_api(dn.node_repo(directory))
            url, headers = info.dial_url(), info.auth_header()
            client = spec.client.encode("t")
            for method, params in (("Filecoin.ChainHead", []), ("Filecoin.StateGetActor", [client, None])):
                base = _rate(f"http://127.0.0.1:{port}/rpc/v1", {}, method, params)
                ours = _rate(url, headers, method, params)
                print(f"{method}: {ours:.0f} req/s, bare hypercorn {base:.0f} req/s: ratio {ours / base:.3f}")
        finally:
            baseline.terminate()
            baseline.wait()
            running.stop()


if __name__ == "__main__":
    main()
