import pytest

from filnet.api.apiinfo import ApiInfo, parse_api_info, parse_api_info_multi
from filnet.errors import InvalidInput

TOK = "eyJhbGciOiJIUzI1NiJ9.eyJBbGxvdyI6WyJyZWFkIl19.sig_-x"


def test_token_and_addr() -> None:
    info = parse_api_info(f"{TOK}:/ip4/127.0.0.1/tcp/1234/http")
    assert info == ApiInfo("/ip4/127.0.0.1/tcp/1234/http", TOK)
    assert info.dial_url() == "http://127.0.0.1:1234/rpc/v1"
    assert info.dial_url("v0", websocket=True) == "ws://127.0.0.1:1234/rpc/v0"
    assert info.format() == f"FULLNODE_API_INFO={TOK}:/ip4/127.0.0.1/tcp/1234/http"
    assert info.auth_header() == {"Authorization": f"Bearer {TOK}"}


def test_address_only_forms() -> None:
    assert parse_api_info("/ip6/::1/tcp/99/http").dial_url() == "http://[::1]:99/rpc/v1"
    assert parse_api_info("http://h:1/").dial_url() == "http://h:1/rpc/v1"
    assert parse_api_info("/ip4/1.2.3.4/tcp/5/wss").dial_url(websocket=True) == "wss://1.2.3.4:5/rpc/v1"
    assert parse_api_info("/ip4/1.2.3.4/tcp/5").token is None


def test_multi_and_bad() -> None:
    infos = parse_api_info_multi(f"{TOK}:/ip4/1.1.1.1/tcp/1/http,/ip4/2.2.2.2/tcp/2/http")
    assert [i.token for i in infos] == [TOK, None]
    with pytest.raises(InvalidInput):
        parse_api_info("/ip4/1.2.3.4/udp/5").dial_url()
    with pytest.raises(InvalidInput):
        parse_api_info("nonsense").dial_url()
