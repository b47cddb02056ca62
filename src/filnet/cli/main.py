"""Entry point of the ``filnet`` command.

Every error that filnet raises on purpose (:class:`filnet.errors.FilnetError`), and every file-system error
about a path the user named, is printed as one line on stderr with exit code 2; no traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from filnet import __version__
from filnet.errors import FilnetError

#: Command groups by name, as (module, attribute): imported only when used, so that each command starts
#: without loading the others' dependencies (proofs, the VM, crypto libraries).
COMMAND_GROUPS: dict[str, tuple[str, str]] = {
    "auth": ("filnet.cli.auth", "auth"),
    "chain": ("filnet.cli.node", "chain"),
    "daemon": ("filnet.cli.node", "daemon"),
    "devnet": ("filnet.cli.node", "devnet"),
    "miner": ("filnet.cli.node", "miner"),
    "mpool": ("filnet.cli.node", "mpool"),
    "send": ("filnet.cli.node", "send"),
    "data": ("filnet.cli.data", "data"),
    "message": ("filnet.cli.message", "message"),
    "proofs": ("filnet.cli.proofs", "proofs"),
    "state": ("filnet.cli.state", "state"),
    "wallet": ("filnet.cli.wallet", "wallet"),
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMAND_GROUPS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMAND_GROUPS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, attribute = target
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="filnet")
def cli() -> None:
    """filnet: content addressing, storage deals and proofs, byte-compatible with IPFS and Filecoin."""


def _describe_os_error(e: OSError) -> str:
    reason = e.strerror or str(e)
    return f"{e.filename}: {reason}" if e.filename else reason


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn expected errors into one line and exit code 2."""
    try:
        cli.main(args=argv, prog_name="filnet", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.exceptions.NoArgsIsHelpError as e:
        e.show()  # a bare group name: the help text is what was asked for
        sys.exit(2)
    except click.UsageError as e:
        # Click's own rendering takes four lines (usage, hint, blank, error): keep the one-line promise.
        hint = f" (see '{e.ctx.command_path} --help')" if e.ctx is not None else ""
        message = " ".join(e.format_message().split())
        click.echo(f"error: {message}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as e:
        e.show()
        sys.exit(2 if e.exit_code in (1, 2) else e.exit_code)
    except FilnetError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    except OSError as e:
        if isinstance(e, BrokenPipeError):
            sys.exit(1)
        click.echo(f"error: {_describe_os_error(e)}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
