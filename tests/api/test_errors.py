from filnet.api.errors import METHOD_NOT_FOUND, RpcError, method_not_found, wrong_param_count


def test_shapes_roundtrip() -> None:
    err = method_not_found("Filecoin.Nope")
    assert err.to_json() == {"code": METHOD_NOT_FOUND, "message": "method 'Filecoin.Nope' not found"}
    back = RpcError.from_json(err.to_json())
    assert (back.code, str(back)) == (METHOD_NOT_FOUND, "method 'Filecoin.Nope' not found")
    assert wrong_param_count("Filecoin.X", 2, 1).to_json()["code"] == -32602
    assert RpcError.from_json("junk").code == -32603
