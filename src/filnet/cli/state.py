"""``filnet state``: look inside a Filecoin state tree stored in a CAR (a genesis or a state snapshot).

``inspect`` lists every actor with its ID, robust address, builtin-actor name, balance and nonce; ``get``
prints one actor and its decoded state. The CAR's root may be a block header (its parent state root is used)
or a state root; ``--root`` picks another block of the CAR.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import click

from filnet.actors import manifest as names
from filnet.actors.account.state import AccountState
from filnet.actors.states import STATE_TYPES
from filnet.car.reader import load_car
from filnet.cli.common import emit_json, json_option
from filnet.core.address import Address, Protocol
from filnet.core.token import TokenAmount
from filnet.errors import DecodeError, InvalidInput, NotFound
from filnet.ipld import dagcbor
from filnet.ipld.blockstore import MemoryBlockstore
from filnet.ipld.cid import CID
from filnet.vm.state_tree import ActorState, StateTree

# Field 8 of a block header (Lotus ``types.BlockHeader``, 16 fields) is the parent state root.
_HEADER_FIELDS = 16
_HEADER_STATE_ROOT = 8


@click.group()
def state() -> None:
    """Inspect Filecoin state trees stored in CAR files."""


def _open_state(car: Path, root: str | None) -> StateTree:
    """Load the CAR into memory and open the state tree named by its root (or ``root``)."""
    store = MemoryBlockstore()
    header = load_car(car, store)
    if root is not None:
        cid = CID.parse(root)
    elif header.roots:
        cid = header.roots[0]
    else:
        raise InvalidInput(f"{car} has no root: pass --root")
    if not store.has(cid):
        raise NotFound(f"root {cid} is not in {car}")
    raw = dagcbor.decode(store.get(cid))
    if isinstance(raw, list) and len(raw) == _HEADER_FIELDS and isinstance(raw[_HEADER_STATE_ROOT], CID):
        cid = raw[_HEADER_STATE_ROOT]
    return StateTree.load(store, cid)


def _robust_addresses(tree: StateTree) -> dict[Address, Address]:
    """ID address → robust address, from the init actor's address map."""
    return {Address.new_id(actor_id): address for address, actor_id in tree.address_map().items()}


def _robust_address(
    tree: StateTree, id_address: Address, actor: ActorState, known: dict[Address, Address]
) -> Address | None:
    """The best robust address of an actor: its f4 address, its init-map entry, or an account's key."""
    if actor.delegated_address is not None:
        return actor.delegated_address
    if id_address in known:
        return known[id_address]
    if tree.actor_name(actor) == names.ACCOUNT:
        try:
            address = AccountState.decode(tree.store.get(actor.head)).address
        except DecodeError:
            return None
        return None if address.protocol is Protocol.ID else address
    return None


def _actor_id(address: Address) -> int:
    return int(address.id)


@state.command()
@click.option(
    "--car",
    "car",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CAR file (.car or .car.zst) holding a block header or a state root.",
)
@click.option(
    "--root", default=None, help="CID of the block header or state root to use (default: the CAR's root)."
)
@json_option
def inspect(car: Path, root: str | None, as_json: bool) -> None:
    """List every actor: ID, robust address, actor name, balance and nonce."""
    tree = _open_state(car, root)
    known = _robust_addresses(tree)
    rows: list[dict[str, Any]] = []
    total = TokenAmount(0)
    for id_address, actor in sorted(tree.iter_actors(), key=lambda item: _actor_id(item[0])):
        robust = _robust_address(tree, id_address, actor, known)
        total = total + actor.balance
        rows.append(
            {
                "id": str(id_address),
                "address": None if robust is None else str(robust),
                "name": tree.actor_name(actor),
                "balance": str(actor.balance.atto),
                "nonce": actor.nonce,
            }
        )
    if as_json:
        emit_json({"state_version": tree.version, "actors": rows, "total_balance": str(total.atto)})
        return
    click.echo(f"state tree version {tree.version}, {len(rows)} actors, total balance {total.format()}")
    width = max((len(r["address"] or "-") for r in rows), default=1)
    click.echo(f"{'ID':<10} {'ADDRESS':<{width}} {'NAME':<18} {'NONCE':>5}  BALANCE")
    for r in rows:
        balance = TokenAmount(int(r["balance"])).format()
        click.echo(f"{r['id']:<10} {r['address'] or '-':<{width}} {r['name']:<18} {r['nonce']:>5}  {balance}")


@state.command()
@click.option(
    "--car",
    "car",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CAR file (.car or .car.zst) holding a block header or a state root.",
)
@click.option(
    "--root", default=None, help="CID of the block header or state root to use (default: the CAR's root)."
)
@click.argument("actor")
@json_option
def get(car: Path, root: str | None, actor: str, as_json: bool) -> None:
    """Print one actor (by ID or robust address) and its decoded state."""
    tree = _open_state(car, root)
    address = Address.parse(actor)
    entry = tree.get_actor(address)
    id_address = tree.lookup_id(address)
    if entry is None or id_address is None:
        raise NotFound(f"no actor at {address} in this state")
    name = tree.actor_name(entry)
    head = tree.store.get(entry.head)
    state_type = STATE_TYPES.get(name)
    typed = state_type is not None
    decoded = state_type.decode(head).to_json() if state_type is not None else _dag_json(dagcbor.decode(head))
    robust = _robust_address(tree, id_address, entry, _robust_addresses(tree))
    out = {
        "id": str(id_address),
        "address": None if robust is None else str(robust),
        "name": name,
        "code": str(entry.code),
        "head": str(entry.head),
        "nonce": entry.nonce,
        "balance": str(entry.balance.atto),
        "delegated_address": None if entry.delegated_address is None else str(entry.delegated_address),
        "state": decoded,
        "state_typed": typed,
    }
    if as_json:
        emit_json(out)
        return
    for key in ("id", "address", "name", "code", "head", "nonce"):
        click.echo(f"{key + ':':<10} {out[key] if out[key] is not None else '-'}")
    click.echo(f"{'balance:':<10} {entry.balance.format()}")
    if entry.delegated_address is not None:
        click.echo(f"{'f4:':<10} {entry.delegated_address}")
    click.echo("state:" if typed else "state (untyped DAG-JSON):")
    _echo_tree(decoded, 1)


def _dag_json(value: Any) -> Any:
    """A decoded DAG-CBOR value in DAG-JSON's shape: links ``{"/": cid}``, bytes ``{"/": {"bytes": b64}}``."""
    if isinstance(value, CID):
        return {"/": str(value)}
    if isinstance(value, bytes):
        return {"/": {"bytes": base64.b64encode(value).decode().rstrip("=")}}
    if isinstance(value, list):
        return [_dag_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _dag_json(v) for k, v in value.items()}
    return value


def _echo_tree(value: Any, depth: int) -> None:
    """Print a JSON-like value as an indented outline."""
    pad = "  " * depth
    if isinstance(value, dict) and not (len(value) == 1 and "/" in value):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item and not (isinstance(item, dict) and "/" in item):
                click.echo(f"{pad}{key}:")
                _echo_tree(item, depth + 1)
            else:
                click.echo(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item and not (isinstance(item, dict) and "/" in item):
                click.echo(f"{pad}-")
                _echo_tree(item, depth + 1)
            else:
                click.echo(f"{pad}- {_scalar(item)}")
    else:
        click.echo(f"{pad}{_scalar(value)}")


def _scalar(value: Any) -> str:
    """One value on one line."""
    if isinstance(value, dict) and "/" in value:
        inner = value["/"]
        return f"bytes:{inner['bytes']}" if isinstance(inner, dict) else str(inner)
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[]"
    if isinstance(value, dict):
        return "{}"
    return str(value)
