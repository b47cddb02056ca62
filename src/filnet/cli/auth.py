"""``filnet auth``: API tokens of a node repository, as ``lotus auth``.

The tokens are signed with the repository's own secret (``keystore/auth-jwt-private``), so these commands
work on the machine that holds the repository, whether or not its daemon is running (``api-info`` needs
the address the running daemon wrote).
"""

from __future__ import annotations

from pathlib import Path

import click

from filnet.api.apiinfo import ApiInfo
from filnet.api.auth import PERMISSIONS
from filnet.node.repo import NodeRepo, default_repo_path

_REPO = click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Node repository (default: $FILNET_REPO or ~/.filnet).",
)
_PERM = click.option(
    "--perm",
    type=click.Choice(PERMISSIONS),
    required=True,
    help="Permission to grant; the token also holds every permission below it.",
)


def _repo(path: Path | None) -> NodeRepo:
    repo = NodeRepo(path or default_repo_path())
    repo.config()  # NotFound with a clear message when this is not a repository
    return repo


@click.group()
def auth() -> None:
    """Create API tokens for a node."""


@auth.command("create-token")
@_PERM
@_REPO
def create_token(perm: str, repo: Path | None) -> None:
    """Print a token with PERM (and every permission below it)."""
    click.echo(_repo(repo).create_token(perm))


@auth.command("api-info")
@_PERM
@_REPO
def api_info(perm: str, repo: Path | None) -> None:
    """Print FULLNODE_API_INFO=TOKEN:MULTIADDR for the running daemon, as `lotus auth api-info`."""
    node = _repo(repo)
    address = node.api_info().addr
    click.echo(ApiInfo(address, node.create_token(perm)).format())
