"""The ``intacct`` command."""

from __future__ import annotations

import click

from intacct._version import __version__
from intacct.cli.doctor import doctor
from intacct.cli.emulator import emulator
from intacct.cli.explore import describe, objects, query
from intacct.cli.profiles import profiles
from intacct.cli.sync import sync
from intacct.logging import configure

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
