"""The ``intacct`` command."""

from __future__ import annotations

import importlib
import logging
from typing import Any

import click

from intacct._version import __version__
from intacct.cli.interrupts import exit_status
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


class _Intacct(click.Group):
    """Ctrl-C in any command is exit status 130 and one line, not click's "Aborted!"
    and 1 (intacct sync says more, itself). Commands are loaded on first use
    (:data:`COMMANDS`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        command = getattr(importlib.import_module(module), cmd_name)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            say("Interrupted.", logging.ERROR)
            raise click.exceptions.Exit(exit_status(exc)) from None
        except click.ClickException as exc:
            if log_format() != "json":
                raise  # click's "Error: ..." (and usage) lines
            _json_error(exc)
            raise click.exceptions.Exit(exc.exit_code) from None


def _json_error(exc: click.ClickException) -> None:
    """With ``--log-format json``, the line that ends a failed command is a record too."""
    text = exc.format_message()
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        text += f" ({exc.ctx.command_path} -h for help)"
    fields = {"exit_status": exc.exit_code}
    logging.getLogger("intacct.cli").error(text, extra={"fields": fields})


@click.group(
    cls=_Intacct, epilog=_EXIT_STATUS, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="intacct")
def main() -> None:
    """Sage Intacct connector tools: `intacct sync` extracts a company into DuckDB;
    `intacct emulator serve` runs an offline gateway."""
    configure()  # warnings and errors, redacted; sync and doctor take -v/-q/--log-format
