"""The ``intacct`` command."""

from __future__ import annotations

from typing import Any

import click

from intacct._version import __version__
from intacct.cli.doctor import doctor
from intacct.cli.emulator import emulator
from intacct.cli.explore import describe, objects, query
from intacct.cli.interrupts import exit_status
from intacct.cli.profiles import profiles
from intacct.cli.state import state
from intacct.cli.sync import sync
from intacct.logging import configure

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


class _Intacct(click.Group):
    """Ctrl-C in any command is exit status 130 and one line, not click's "Aborted!"
    and 1 (intacct sync says more, itself)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(exit_status(exc)) from None


@click.group(
    cls=_Intacct, epilog=_EXIT_STATUS, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="intacct")
def main() -> None:
    """Sage Intacct connector tools: `intacct sync` extracts a company into DuckDB;
    `intacct emulator serve` runs an offline gateway."""
    configure()  # warnings and errors, redacted; sync and doctor take -v/-q/--log-format


main.add_command(emulator)
main.add_command(sync)
main.add_command(profiles)
main.add_command(doctor)
main.add_command(objects)
main.add_command(describe)
main.add_command(query)
main.add_command(state)
