import pytest

from filnet.api.auth import AuthError, check_permission, create_token, new_secret, perms_up_to, verify_token


def test_roundtrip_and_ladder() -> None:
    secret = new_secret()
    assert len(secret) == 32
    tok = create_token(secret, perms_up_to("admin"))
    assert verify_token(secret, tok) == ["read", "write", "sign", "admin"]
    assert perms_up_to("write") == ["read", "write"]


def test_refusals() -> None:
    secret = new_secret()
    tok = create_token(secret, ["read"])
    with pytest.raises(AuthError, match="JWT"):
        verify_token(new_secret(), tok)
    with pytest.raises(
        AuthError, match=r"missing permission to invoke 'Filecoin.MpoolPush' \(need 'write'\)"
    ):
        check_permission("Filecoin.MpoolPush", "write", ["read"])
    with pytest.raises(AuthError):
        perms_up_to("root")
    check_permission("Filecoin.ChainHead", "read", ["read"])
