"""Entry point of the ``filnet`` command.

Every error that filnet raises on purpose (:class:`filnet.errors.FilnetError`), and every file-system error
about a path the user named, is printed as one line on stderr with exit code 2; no traceback.
"""

from __future__ import annotations

import sys

import click

from filnet import __version__
from filnet.errors import FilnetError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="filnet")
def cli() -> None:
    """filnet: content addressing, storage deals and proofs, byte-compatible with IPFS and Filecoin."""


def _register() -> None:
    from filnet.cli.data import data
    from filnet.cli.message import message
    from filnet.cli.proofs import proofs
    from filnet.cli.state import state
    from filnet.cli.wallet import wallet

    cli.add_command(data)
    cli.add_command(message)
    cli.add_command(proofs)
    cli.add_command(state)
    cli.add_command(wallet)


def _describe_os_error(e: OSError) -> str:
    where = f": {e.filename}" if e.filename else ""
    return f"{e.strerror or e}{where}"


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn expected errors into one line and exit code 2."""
    _register()
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
