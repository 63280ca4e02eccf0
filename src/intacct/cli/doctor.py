"""``intacct doctor``: which Intacct setup step a connection is missing, one line each."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import click

from intacct.cli.connection import cli_errors, interactive_config, open_connection, profile_option
from intacct.cli.doctor_checks import DEFAULT_OBJECTS, FAIL, UNKNOWN, Check, run_checks
from intacct.cli.doctor_rest import app_checks, oauth_checks
from intacct.cli.waiting import wait_notice
from intacct.client.oauth import TokenStore
from intacct.client.transport import InFlight
from intacct.logging import counted, log_choice, log_options, say

__all__ = ["doctor"]

#: the verdicts ``-q`` shows: what is wrong, and what it leaves unknown
PROBLEMS = (FAIL, UNKNOWN)


@click.command()
@profile_option
@click.option(
    "--objects",
    help=f"Comma-separated objects to test read access to; default: {', '.join(DEFAULT_OBJECTS)}.",
)
@click.pass_context
def doctor(ctx: click.Context, profile: str | None, objects: str | None) -> None:
    """Check a connection step by step: gateway, Sender ID, subscription, authorization,
    user, entity, and read access (auth_type oauth: the REST API, the app, its
    authorization, the grant, the XML session through REST); every failure says where
    to fix it in Intacct."""
    verbosity, log_format = log_choice(ctx)
    show = _Lines(quiet=verbosity < 0, as_json=log_format == "json")
    names = [o.strip().upper() for o in objects.split(",") if o.strip()] if objects else []
    failures = 0
    in_flight = InFlight()
    with cli_errors(), open_connection(profile, announce=_note) as connection:
        show.connection(connection.source)
        config = interactive_config(connection.config)
        chosen = names or DEFAULT_OBJECTS
        checks = (
            oauth_checks(config, chosen, tokens=connection.tokens,
                         profile=connection.profile, in_flight=in_flight)
            if config.get("auth_type") == "oauth"
            else _with_app(config, chosen, connection.tokens, connection.profile, in_flight)
        )  # fmt: skip
        with wait_notice(in_flight):
            for check in checks:
                show.check(check)
                failures += check.verdict == FAIL
    show.verdict(failures)
    if failures:
        sys.exit(1)


log_options(doctor)


def _with_app(
    config: Mapping[str, Any],
    objects: Sequence[str],
    tokens: TokenStore | None,
    profile: str | None,
    in_flight: InFlight,
) -> Iterator[Check]:
    """A profile signing in with a password: the gateway's checks, then its OAuth app's
    where it has one (REST-only objects and ``api rest`` go through it)."""
    yield from run_checks(config, objects, in_flight=in_flight)
    if config.get("client_id"):
        yield from app_checks(config, tokens=tokens, profile=profile, in_flight=in_flight)


class _Lines:
    """Doctor's output: a line per check on stdout (``-q``: problems only), or one JSON
    object each with ``--log-format json``; the verdict last."""

    def __init__(self, *, quiet: bool, as_json: bool) -> None:
        self.quiet, self.as_json = quiet, as_json

    def connection(self, source: str) -> None:
        if not self.quiet:
            self._out({"connection": source}, f"Connection: {source}")

    def check(self, check: Check) -> None:
        if self.quiet and check.verdict not in PROBLEMS:
            return
        detail = f": {check.detail}" if check.detail else ""
        fields = {"check": check.name, "verdict": check.verdict, "detail": check.detail}
        self._out(fields, f"{check.verdict:<7} {check.name}{detail}")

    def verdict(self, failures: int) -> None:
        said = f"{counted(failures, 'check')} failed." if failures else "All checks passed."
        if self.as_json:
            self._out({"summary": said, "failed": failures}, said)
        else:
            click.echo(said, err=bool(failures))

    def _out(self, fields: Mapping[str, object], text: str) -> None:
        click.echo(json.dumps(fields) if self.as_json else text)


def _note(text: str) -> None:
    say(text)  # -q silences it, --log-format json makes it a record
