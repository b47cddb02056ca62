"""Lotus API tokens: HS256 JWTs with payload ``{"Allow": [...]}`` (api/permissioned.go)."""

from __future__ import annotations

import secrets

import jwt

from filnet.errors import InvalidInput

# Lotus's permission ladder; a token created "up to" a permission holds it and every one below.
PERMISSIONS: tuple[str, ...] = ("read", "write", "sign", "admin")
JWT_KEY_NAME = "auth-jwt-private"
JWT_KEY_TYPE = "jwt-hmac-secret"


class AuthError(InvalidInput):
    """A token that is malformed, wrongly signed or lacks a permission."""


def new_secret() -> bytes:
    """A fresh 32-byte HMAC secret, as Lotus makes on repo init."""
    return secrets.token_bytes(32)


def perms_up_to(perm: str) -> list[str]:
    """Every permission up to and including ``perm`` (``admin`` gives all four)."""
    if perm not in PERMISSIONS:
        raise AuthError(f"unknown permission {perm!r}; expected one of {', '.join(PERMISSIONS)}")
    return list(PERMISSIONS[: PERMISSIONS.index(perm) + 1])


def create_token(secret: bytes, perms: list[str]) -> str:
    """Sign a token allowing ``perms``."""
    for p in perms:
        if p not in PERMISSIONS:
            raise AuthError(f"unknown permission {p!r}")
    return jwt.encode({"Allow": list(perms)}, secret, algorithm="HS256")


def verify_token(secret: bytes, token: str) -> list[str]:
    """The permissions a token grants; AuthError when it is not valid."""
    try:
        payload = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})
    except jwt.PyJWTError as exc:
        raise AuthError(f"JWT verification failed: {exc}") from exc
    allow = payload.get("Allow")
    if not isinstance(allow, list) or not all(isinstance(p, str) for p in allow):
        raise AuthError("JWT payload has no 'Allow' list of permissions")
    return [str(p) for p in allow]


def check_permission(method: str, need: str, have: list[str]) -> None:
    """Raise Lotus's refusal message when ``need`` is not among ``have``."""
    if need not in have:
        raise AuthError(f"missing permission to invoke '{method}' (need '{need}')")
