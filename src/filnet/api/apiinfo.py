"""``FULLNODE_API_INFO`` values as Lotus parses and formats them (cli/util/apiinfo.go)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from filnet.errors import InvalidInput

# Lotus only treats the part before the first ':' as a token when it looks like a JWT (three dot-separated
# base64url parts); anything else is an address alone.
_WITH_TOKEN = re.compile(r"^[a-zA-Z0-9\-_]+?\.[a-zA-Z0-9\-_]+?\.([a-zA-Z0-9\-_]+)?:.+$")


@dataclass(frozen=True)
class ApiInfo:
    """One API endpoint: a multiaddr or URL and an optional token."""

    addr: str
    token: str | None = None

    def format(self, env: str = "FULLNODE_API_INFO") -> str:
        """The ``ENV=TOKEN:ADDR`` line ``lotus auth api-info`` prints."""
        return f"{env}={self.token or ''}:{self.addr}"

    def dial_url(self, version: str = "v1", websocket: bool = False) -> str:
        """The URL to call: ``http(s)://`` or ``ws(s)://host:port/rpc/<version>``."""
        if not self.addr.startswith("/"):
            if "://" not in self.addr:
                raise InvalidInput(f"API address {self.addr!r} is neither a multiaddr nor a URL")
            return self.addr.rstrip("/") + "/rpc/" + version
        parts = self.addr.strip("/").split("/")
        if len(parts) < 4 or parts[2] != "tcp":
            raise InvalidInput(f"API multiaddr {self.addr!r} is not /ip4|ip6|dns/HOST/tcp/PORT[/http]")
        family, host, port = parts[0], parts[1], parts[3]
        if family not in ("ip4", "ip6", "dns", "dns4", "dns6") or not port.isdigit():
            raise InvalidInput(f"API multiaddr {self.addr!r} has an unsupported host or port")
        hostport = f"[{host}]:{port}" if family == "ip6" else f"{host}:{port}"
        secure = "wss" in parts[4:] or "tls" in parts[4:] or "https" in parts[4:]
        scheme = ("wss" if secure else "ws") if websocket else ("https" if secure else "http")
        return f"{scheme}://{hostport}/rpc/{version}"

    def auth_header(self) -> dict[str, str]:
        """The ``Authorization: Bearer`` header, empty when there is no token."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def parse_api_info(value: str) -> ApiInfo:
    """Parse one ``TOKEN:MULTIADDR`` (or address-only) entry."""
    if _WITH_TOKEN.match(value):
        token, addr = value.split(":", 1)
        return ApiInfo(addr=addr, token=token)
    return ApiInfo(addr=value)


def parse_api_info_multi(value: str) -> list[ApiInfo]:
    """Parse a comma-separated list of entries."""
    return [parse_api_info(part.strip()) for part in value.split(",") if part.strip()]
