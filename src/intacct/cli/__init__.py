"""The ``intacct`` command."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from typing import Any

import click

from intacct._collector import collect_less
from intacct._version import __version__
from intacct.cli.interrupts import exit_status
from intacct.cli.usage import Group, asks_json, json_error
from intacct.logging import configure, log_format, say

__all__ = ["main"]


_EXIT_STATUS = """\b
Exit status:
  0    done
  1    failed: one line on stderr says why (for sync: an object failed, the
       others are stored)
  2    usage: an unknown option or a bad value
  130  stopped by Ctrl-C (SIGINT); 143: by SIGTERM. intacct sync keeps the
       pages stored before, records the run as interrupted and goes on from
       there next time
"""


#: where the group keeps the command line as given (ctx.meta)
_ARGS = "intacct.args"
#: each command's module, imported when the command is asked for: `intacct sync`
#: against a gateway does not load the emulator's web server (starlette, uvicorn), nor
#: the other commands' renderers (~25 MB of memory and 0.2 s of start-up)
COMMANDS = {
    "emulator": "intacct.cli.emulator",
    "sync": "intacct.cli.sync",
    "profiles": "intacct.cli.profiles",
    "doctor": "intacct.cli.doctor",
    "objects": "intacct.cli.explore",
    "describe": "intacct.cli.explore",
    "query": "intacct.cli.explore",
    "state": "intacct.cli.state",
    "notices": "intacct.cli.notices",
}


class _Intacct(Group):
    """Ctrl-C in any command is exit status 130 and one line, not click's "Aborted!"
    and 1 (intacct sync says more, itself). Commands are loaded on first use
    (:data:`COMMANDS`). With ``--log-format json`` anywhere on the command line, the
    line that ends a failed command is a JSON record, a usage mistake's too."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        command = getattr(importlib.import_module(module), cmd_name)
        assert isinstance(command, click.Command)
        return command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = ctx.meta[_ARGS] = list(args)  # for a usage mistake (click eats args)
        try:
            return super().parse_args(ctx, args)
        except click.ClickException as exc:
            _fail(exc, given)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            say("Interrupted.", logging.ERROR)
            raise click.exceptions.Exit(exit_status(exc)) from None
        except click.ClickException as exc:
            _fail(exc, ctx.meta.get(_ARGS, ()))
            raise  # click's "Error: ..." (and usage) lines


def _fail(exc: click.ClickException, args: Sequence[str]) -> None:
    """With ``--log-format json`` (read or only given), the error as a JSON record
    and the exit; else nothing (click says it as text)."""
    if log_format() == "json" or asks_json(args):
        json_error(exc)
        raise click.exceptions.Exit(exc.exit_code) from None


@click.group(
    cls=_Intacct, epilog=_EXIT_STATUS, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="intacct")
def main() -> None:
    """Sage Intacct connector tools: `intacct sync` copies a company into DuckDB, Postgres
    or dlt; `intacct emulator serve` runs an offline Intacct (XML gateway and REST API)."""
    collect_less()
    configure()  # warnings and errors, redacted; sync and doctor take -v/-q/--log-format
