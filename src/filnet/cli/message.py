"""``filnet message``: encode, decode, identify and sign messages in Lotus's JSON form (offline)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, BinaryIO, Final

import click

from filnet.chain.lotus_json import cid_to_json, message_from_json, message_to_json, signed_message_to_json
from filnet.chain.message import Message, SignedMessage
from filnet.cli.common import emit_json, json_option
from filnet.cli.wallet import REPO_ENV, WalletContext, default_repo, parse_address, parse_hex
from filnet.core.address import MAINNET, NETWORKS
from filnet.crypto.keys import KeyType
from filnet.crypto.keystore import Keystore
from filnet.errors import InvalidInput, UnsupportedCodec

#: Largest message JSON read (a message is at most a few hundred KiB of params).
MAX_MESSAGE_JSON: Final = 8 << 20


def _load_json(source: BinaryIO) -> Any:
    raw = source.read(MAX_MESSAGE_JSON + 1)
    if len(raw) > MAX_MESSAGE_JSON:
        raise InvalidInput(f"message JSON is larger than {MAX_MESSAGE_JSON} bytes")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as e:  # bad JSON or UTF-8, numbers over 4300 digits, deep nesting
        reason = "nested too deeply" if isinstance(e, RecursionError) else str(e)
        raise InvalidInput(f"{source.name} is not valid JSON: {reason}") from None


def _network_of(obj: Any) -> str:
    """Print addresses on the network the input used (its ``From`` prefix), mainnet otherwise."""
    sender = obj.get("From") if isinstance(obj, dict) else None
    return sender[0] if isinstance(sender, str) and sender[:1] in NETWORKS else MAINNET


def _load_message(source: BinaryIO) -> tuple[Message, str]:
    obj = _load_json(source)
    return message_from_json(obj), _network_of(obj)


@click.group()
def message() -> None:
    """Work with messages in Lotus's JSON form: CBOR bytes, CID, offline signing."""


@message.command("encode")
@click.argument("source", metavar="MSG.json", type=click.File("rb"))
@json_option
def encode(source: BinaryIO, as_json: bool) -> None:
    """Print the message's DAG-CBOR bytes as hex (with --json: {"CBOR": hex, "CID": {"/": cid}})."""
    msg = _load_message(source)[0]
    if as_json:
        emit_json({"CBOR": msg.encode().hex(), "CID": cid_to_json(msg.cid)})
    else:
        click.echo(msg.encode().hex())


@message.command("cid")
@click.argument("source", metavar="MSG.json", type=click.File("rb"))
@json_option
def cid(source: BinaryIO, as_json: bool) -> None:
    """Print the message's CID (with --json: {"CID": {"/": cid}})."""
    msg_cid = _load_message(source)[0].cid
    if as_json:
        emit_json({"CID": cid_to_json(msg_cid)})
    else:
        click.echo(str(msg_cid))


@message.command("decode")
@click.argument("hex_cbor", metavar="HEX")
@click.option("--network", type=click.Choice(NETWORKS), default=MAINNET, help="Address prefix to print.")
def decode(hex_cbor: str, network: str) -> None:
    """Print the Lotus JSON (with its CID) of a message given as hex DAG-CBOR (as `encode` prints it)."""
    emit_json(message_to_json(Message.decode(parse_hex(hex_cbor, "message CBOR")), network))


@message.command("sign")
@click.option("--from", "sender", required=True, help="Address whose key signs; must be the message's From.")
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Repository directory (default: ${REPO_ENV} or ~/.filnet).",
)
@click.argument("source", metavar="MSG.json", type=click.File("rb"))
def sign(sender: str, repo: Path | None, source: BinaryIO) -> None:
    """Sign the message offline; print the signed message's Lotus JSON with its CID."""
    msg, network = _load_message(source)
    signer = parse_address(sender)
    if signer != msg.sender:
        raise InvalidInput(f"--from {signer} is not the message's From {msg.sender.encode(network)}")
    context = WalletContext(Keystore.in_repo(repo if repo is not None else default_repo()))
    key = context.key(signer)
    if key.type is KeyType.DELEGATED:
        # Lotus signs these over the RLP of the equivalent Ethereum transaction, not the CID bytes.
        raise UnsupportedCodec(
            "signing messages from f410 (delegated) accounts needs the EVM transaction form"
        )
    signature = key.sign(msg.signing_bytes())
    emit_json(signed_message_to_json(SignedMessage(msg, signature), network))
