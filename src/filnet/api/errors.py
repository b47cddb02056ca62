"""JSON-RPC error codes and shapes as filecoin-project/go-jsonrpc produces them."""

from __future__ import annotations

from typing import Any

from filnet.errors import FilnetError

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
# go-jsonrpc reports an error returned by a method body with code 1 and the error's text.
APPLICATION_ERROR = 1


class RpcError(FilnetError):
    """A JSON-RPC error: ``code`` and the server's ``message`` (and optional ``data``)."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        self.code = code
        self.rpc_message = message
        self.data = data
        super().__init__(message)

    def to_json(self) -> dict[str, Any]:
        """The ``error`` member of a response."""
        out: dict[str, Any] = {"code": self.code, "message": self.rpc_message}
        if self.data is not None:
            out["data"] = self.data
        return out

    @classmethod
    def from_json(cls, obj: Any) -> RpcError:
        """Rebuild from a response's ``error`` member (tolerating odd shapes)."""
        if not isinstance(obj, dict):
            return cls(INTERNAL_ERROR, f"malformed JSON-RPC error: {obj!r}")
        code = obj.get("code")
        return cls(
            code if isinstance(code, int) else INTERNAL_ERROR, str(obj.get("message", "")), obj.get("data")
        )


def method_not_found(method: str) -> RpcError:
    """go-jsonrpc's message for an unknown method."""
    return RpcError(METHOD_NOT_FOUND, f"method '{method}' not found")


def wrong_param_count(method: str, got: int, want: int) -> RpcError:
    """go-jsonrpc's message for a call with the wrong number of parameters."""
    return RpcError(INVALID_PARAMS, f"wrong param count (method '{method}'): {got} != {want}")
