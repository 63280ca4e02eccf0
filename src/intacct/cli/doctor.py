"""``intacct doctor``: which Intacct setup step a connection is missing, one line each."""

from __future__ import annotations

import sys

import click

from intacct.cli.connection import cli_errors, interactive_config, open_connection, profile_option
from intacct.cli.doctor_checks import DEFAULT_OBJECTS, FAIL, Check, run_checks
from intacct.cli.waiting import wait_notice
from intacct.config import ClientConfig
from intacct.logging import log_options, say
from intacct.transport import InFlight

__all__ = ["doctor"]


@click.command()
@profile_option
@click.option(
    "--objects",
    help=f"Comma-separated objects to test read access to; default: {','.join(DEFAULT_OBJECTS)}.",
)
def doctor(profile: str | None, objects: str | None) -> None:
    """Check a connection step by step: gateway, Sender ID, subscription, authorization,
    user, entity, and read access; every failure says where to fix it in Intacct."""
    names = [o.strip().upper() for o in objects.split(",") if o.strip()] if objects else []
    failures = 0
    in_flight = InFlight()
    with cli_errors(), open_connection(profile, announce=_note) as connection:
        click.echo(f"Connection: {connection.source}")
        config = interactive_config(connection.config)
        with wait_notice(in_flight, ClientConfig.from_mapping(config).timeout_s):
            for check in run_checks(config, names or DEFAULT_OBJECTS, in_flight=in_flight):
                click.echo(_line(check))
                failures += check.verdict == FAIL
    if failures:
        click.echo(f"{failures} check(s) failed.", err=True)
        sys.exit(1)
    click.echo("All checks passed.")


log_options(doctor)


def _line(check: Check) -> str:
    detail = f": {check.detail}" if check.detail else ""
    return f"{check.verdict:<7} {check.name}{detail}"


def _note(text: str) -> None:
    say(text)  # -q silences it, --log-format json makes it a record
