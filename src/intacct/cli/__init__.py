"""The ``intacct`` command."""

from __future__ import annotations

import click

from intacct._version import __version__
from intacct.cli.doctor import doctor
from intacct.cli.emulator import emulator
from intacct.cli.explore import describe, objects, query
from intacct.cli.profiles import profiles
from intacct.cli.sync import sync

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


@click.group(epilog=_EXIT_STATUS)
@click.version_option(__version__, prog_name="intacct")
def main() -> None:
    """Sage Intacct connector tools: `intacct sync` extracts a company into DuckDB;
    `intacct emulator serve` runs an offline gateway."""


main.add_command(emulator)
main.add_command(sync)
main.add_command(profiles)
main.add_command(doctor)
main.add_command(objects)
main.add_command(describe)
main.add_command(query)
