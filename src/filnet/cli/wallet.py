"""``filnet wallet``: keys in the repository's keystore; signing and verifying; Lotus key import/export.

Keys live in ``<repo>/keystore`` (``--repo``, else ``FILNET_REPO``, else ``~/.filnet``). With a passphrase
(``FILNET_PASSPHRASE``, or typed at a prompt when on a terminal) new keys are encrypted at rest; without one
they are stored in clear and a warning says so. Prompts (passphrases, the confirmation of ``delete``) are
shown only when stdin is a terminal: scripts set ``FILNET_PASSPHRASE`` and pass ``--yes``. Every command
takes ``--json``. No command prints a private key except ``export``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

import click

from filnet.chain.lotus_json import signature_to_json
from filnet.cli.common import emit_json, json_option
from filnet.core.address import Address
from filnet.crypto.keys import KeyType, PrivateKey
from filnet.crypto.keystore import Keystore, KeystoreError
from filnet.crypto.signature import Signature, verify_signature
from filnet.errors import InvalidInput, NotFound

PASSPHRASE_ENV: Final = "FILNET_PASSPHRASE"
REPO_ENV: Final = "FILNET_REPO"
#: Largest key file ``import`` reads.
MAX_IMPORT_BYTES: Final = 4096


def stdin_is_terminal() -> bool:
    """Whether a person can answer prompts (never read passphrases or confirmations from a pipe)."""
    return sys.stdin.isatty()


def default_repo() -> Path:
    """``FILNET_REPO`` or ``~/.filnet``."""
    return Path(os.environ.get(REPO_ENV) or Path.home() / ".filnet")


@dataclass
class WalletContext:
    """The keystore and how to obtain its passphrase."""

    keystore: Keystore

    def passphrase_for_new_key(self) -> str | None:
        """The passphrase to encrypt a new key with; ``None`` (with a warning) to store it in clear."""
        passphrase = os.environ.get(PASSPHRASE_ENV)
        if passphrase is None and stdin_is_terminal():
            passphrase = click.prompt(
                "Passphrase to encrypt the key (empty: none)",
                default="",
                hide_input=True,
                confirmation_prompt=True,
                show_default=False,
                err=True,
            )
        if not passphrase:
            click.echo(
                f"warning: the key is stored unencrypted in {self.keystore.directory}; "
                f"set {PASSPHRASE_ENV} to encrypt keys at rest",
                err=True,
            )
            return None
        return passphrase

    def key(self, address: Address) -> PrivateKey:
        """The private key of ``address``, asking for its passphrase if it is encrypted."""
        entry = self.keystore.entry(address)
        passphrase = os.environ.get(PASSPHRASE_ENV)
        if entry.encrypted and passphrase is None and stdin_is_terminal():
            passphrase = click.prompt(f"Passphrase of {address}", hide_input=True, err=True)
        return self.keystore.get(address, passphrase)


def parse_address(text: str) -> Address:
    """An address argument."""
    return Address.parse(text.strip())


def parse_hex(text: str, what: str) -> bytes:
    """A hex argument (an optional ``0x`` prefix allowed)."""
    body = text.strip().removeprefix("0x")
    try:
        return bytes.fromhex(body)
    except ValueError:
        raise InvalidInput(f"{what} must be hex, got {text[:80]!r}") from None


@click.group()
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Repository directory (default: ${REPO_ENV} or ~/.filnet).",
)
@click.pass_context
def wallet(ctx: click.Context, repo: Path | None) -> None:
    """Manage keys: create, list, import/export (Lotus format), sign and verify."""
    ctx.obj = WalletContext(Keystore.in_repo(repo if repo is not None else default_repo()))


def store_key(obj: WalletContext, key: PrivateKey, as_json: bool) -> None:
    """Put ``key`` in the keystore (the default if there is none yet) and print its address."""
    if obj.keystore.has(key.address):
        # Checked before asking for a passphrase; ``put`` refuses too, should another process race us.
        raise KeystoreError(f"the keystore already holds {key.address}: nothing changed")
    passphrase = obj.passphrase_for_new_key()
    address = obj.keystore.put(key, passphrase)
    made_default = obj.keystore.default() is None
    if made_default:
        obj.keystore.set_default(address)
    if as_json:
        emit_json(
            {
                "address": str(address),
                "type": key.type.value,
                "default": made_default,
                "encrypted": passphrase is not None,
            }
        )
    else:
        click.echo(str(address))


@wallet.command("new")
@click.argument("key_type", type=click.Choice([t.value for t in KeyType]), default=KeyType.SECP256K1.value)
@json_option
@click.pass_obj
def new(obj: WalletContext, key_type: str, as_json: bool) -> None:
    """Create a key (secp256k1 by default) and print its address."""
    store_key(obj, PrivateKey.generate(key_type), as_json)


@wallet.command("list")
@json_option
@click.pass_obj
def list_keys(obj: WalletContext, as_json: bool) -> None:
    """List addresses with their key type; the default is marked with *."""
    default = obj.keystore.default()
    entries = obj.keystore.entries()
    if as_json:
        emit_json(
            [
                {
                    "address": str(e.address),
                    "type": e.type.value,
                    "default": e.address == default,
                    "encrypted": e.encrypted,
                }
                for e in entries
            ]
        )
        return
    for e in entries:
        mark = "*" if e.address == default else " "
        lock = "  (encrypted)" if e.encrypted else ""
        click.echo(f"{mark} {e.address}  {e.type.value}{lock}")


@wallet.command("default")
@click.argument("address", required=False)
@json_option
@click.pass_obj
def default_key(obj: WalletContext, address: str | None, as_json: bool) -> None:
    """Print the default address, or make ADDRESS the default."""
    if address is not None:
        obj.keystore.set_default(parse_address(address))
    current = obj.keystore.default()
    if current is None:
        raise NotFound("no default address: create a key with `filnet wallet new` or set one")
    if as_json:
        emit_json({"address": str(current)})
    elif address is None:
        click.echo(str(current))


@wallet.command("export")
@click.argument("address")
@json_option
@click.pass_obj
def export(obj: WalletContext, address: str, as_json: bool) -> None:
    """Print ADDRESS's private key in Lotus's format (hex of its KeyInfo JSON). Keep it secret.

    With --json, print the KeyInfo JSON itself ({"Type", "PrivateKey"}), which `import` also reads.
    """
    key = obj.key(parse_address(address))
    if as_json:
        emit_json(key.key_info())
    else:
        click.echo(key.export_lotus())


@wallet.command("import")
@click.argument("source", type=click.File("rb"), default="-")
@json_option
@click.pass_obj
def import_key(obj: WalletContext, source: BinaryIO, as_json: bool) -> None:
    """Import a key exported by Lotus or filnet (from FILE, or stdin with - or no argument)."""
    text = source.read(MAX_IMPORT_BYTES + 1)
    if len(text) > MAX_IMPORT_BYTES:
        raise InvalidInput(f"key input is longer than {MAX_IMPORT_BYTES} bytes: not a key export")
    store_key(obj, PrivateKey.import_lotus(text), as_json)


@wallet.command("delete")
@click.argument("address")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def delete(obj: WalletContext, address: str, yes: bool) -> None:
    """Delete ADDRESS's key from the keystore (export it first if you may need it)."""
    target = parse_address(address)
    obj.keystore.entry(target)  # fails clearly before asking if there is no such key
    if not yes and not stdin_is_terminal():
        # An answer read from a pipe is no one's consent; scripts say --yes explicitly.
        raise InvalidInput(f"not deleting the key of {target}: no terminal to confirm on; pass --yes")
    if not yes:
        click.confirm(f"Delete the key of {target}? It cannot be recovered", abort=True, err=True)
    obj.keystore.delete(target)
    click.echo(f"deleted {target}", err=True)


@wallet.command("sign")
@click.argument("address")
@click.argument("hex_data", metavar="HEX")
@json_option
@click.pass_obj
def sign(obj: WalletContext, address: str, hex_data: str, as_json: bool) -> None:
    """Sign the bytes HEX with ADDRESS's key; print the signature as hex (type byte, then signature).

    With --json, print Lotus's signature JSON ({"Type": 1|2|3, "Data": base64}).
    """
    data = parse_hex(hex_data, "data")
    signature = obj.key(parse_address(address)).sign(data)
    if as_json:
        emit_json(signature_to_json(signature))
    else:
        click.echo(bytes(signature).hex())


@wallet.command("verify")
@click.argument("address")
@click.argument("hex_data", metavar="HEX")
@click.argument("signature_hex", metavar="SIGNATURE")
@json_option
def verify(address: str, hex_data: str, signature_hex: str, as_json: bool) -> None:
    """Check that SIGNATURE (hex, as `sign` prints it) is ADDRESS's over the bytes HEX.

    An invalid signature is an error (exit code 2), with --json too.
    """
    signature = Signature.from_bytes(parse_hex(signature_hex, "signature"))
    signer = parse_address(address)
    verify_signature(signature, signer, parse_hex(hex_data, "data"))
    if as_json:
        emit_json({"valid": True, "address": str(signer), "type": signature.type.name.lower()})
    else:
        click.echo("valid")
