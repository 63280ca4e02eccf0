"""``intacct profiles``: named connections in ``profiles.toml`` (see
:mod:`intacct.cli.profile_store` for the file and where secrets live)."""

from __future__ import annotations

from typing import Any

import click

from intacct.cli.connection import cli_errors
from intacct.cli.profile_store import DESTINATION, SECRETS, ProfileStore
from intacct.config import DEFAULT_API_URL, ClientConfig
from intacct.destinations import describe
from intacct.errors import ConfigError
from intacct.replication import ReplicationSettings

__all__ = ["profiles"]


@click.group()
def profiles() -> None:
    """Named connections (sandbox, production, ...) for every `intacct` command."""


@profiles.command("list")
def list_profiles() -> None:
    """The profiles, the default marked with *."""
    store = ProfileStore()
    with cli_errors():
        names, default = store.names(), store.default()
        if not names:
            click.echo(f"No profiles in {store.path}; add one with `intacct profiles add NAME`.")
            return
        for name in names:
            profile = store.raw(name)
            marker = "*" if name == default else " "
            company = profile.get("company_id", "?")
            entity = f"/{profile['entity_id']}" if profile.get("entity_id") else ""
            click.echo(f"{marker} {name}  {profile.get('user_id', '?')}@{company}{entity}")


@profiles.command("add")
@click.argument("name")
@click.option("--api-url", default=DEFAULT_API_URL, show_default=True)
@click.option("--sender-id", prompt=True, help="The Web Services Sender ID.")
@click.option("--sender-password", help="Prompted (hidden) when neither it nor -env is given.")
@click.option("--sender-password-env", help="Take the sender password from this variable.")
@click.option("--company-id", prompt=True, help="As in Company > Setup > Company information.")
@click.option("--user-id", prompt=True, help="A Web Services user of the company.")
@click.option("--user-password", help="Prompted (hidden) when neither it nor -env is given.")
@click.option("--user-password-env", help="Take the user password from this variable.")
@click.option("--entity-id", default="", help="An entity's Location ID; empty: top level.")
@click.option(
    "--timezone",
    default="",
    help="The Web Services user's IANA time zone (America/Los_Angeles): needed where it "
    "has daylight saving time, so timestamps decode right all year.",
)
@click.option("--auth-type", type=click.Choice(["session", "login"]), help="Default: session.")
@click.option("--dtd-version", type=click.Choice(["3.0", "2.1"]), help="Default: 3.0.")
@click.option(
    "--page-size",
    type=click.IntRange(1, 2000),
    help="Records per page; intacct sync reads 2000 (query's largest) unless set.",
)
@click.option(
    "--max-concurrency",
    type=click.IntRange(1, 64),
    help="Requests in flight for the company (default 2: Intacct's base tier).",
)
@click.option(
    "--timeout-s",
    type=click.FloatRange(0, 3600, min_open=True),
    help="Each try's whole answer (default 300: a wide page streams for minutes).",
)
@click.option(
    "--first-byte-timeout-s",
    type=click.FloatRange(0, 3600, min_open=True),
    help="A silent gateway, every try of a request together (default 60).",
)
@click.option("--max-retries", type=click.IntRange(0, 20), help="Default 5.")
@click.option("--start-date", help="A first sync reads what changed since then (ISO 8601).")
@click.option("--lookback-minutes", type=click.IntRange(min=0), help="Late writes: default 120.")
@click.option("--entity-ids", help="Entities to read, each in its own session: E100,E200 or all.")
@click.option("--unified-schema", type=bool, help="Also hotglue's unified tables (true/false).")
@click.option(
    "--destination",
    help="Where intacct sync writes unless --db is given: a DuckDB path or "
    "postgresql://USER@HOST/DB[?schema=NAME] (the password from PGPASSWORD or ~/.pgpass).",
)
@click.option("--default", "make_default", is_flag=True, help="Make it the default profile.")
def add(name: str, make_default: bool, **values: Any) -> None:
    """Add (or replace) the profile NAME. Passwords go to the OS keyring when one works,
    else into the file, readable only by you."""
    for secret in SECRETS:
        if not values.get(secret) and not values.get(f"{secret}_env"):
            label = secret.replace("_", " ").capitalize()
            values[secret] = click.prompt(label, hide_input=True)
    store = ProfileStore()
    with cli_errors():
        _validate(values)
        where = store.add(name, values, default=make_default)
        default = store.default() == name
    suffix = " (the default)" if default else ""
    click.echo(f"Saved profile {name!r}{suffix} in {store.path}; passwords: {where}.")


@profiles.command("show")
@click.argument("name")
def show(name: str) -> None:
    """The profile's settings; for passwords only where they come from."""
    store = ProfileStore()
    with cli_errors():
        profile = store.raw(name)
        click.echo(f"{name}{' (default)' if store.default() == name else ''} in {store.path}")
        for key, value in sorted(profile.items()):
            if key not in SECRETS and not key.endswith("_env"):
                click.echo(f"  {key} = {describe(value) if key == DESTINATION else value}")
        for secret in SECRETS:
            click.echo(f"  {secret}: {_secret_source(store, name, secret)}")


@profiles.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Remove the profile NAME and its keyring entries."""
    store = ProfileStore()
    with cli_errors():
        store.remove(name)
    click.echo(f"Removed profile {name!r} from {store.path}.")


def _secret_source(store: ProfileStore, name: str, secret: str) -> str:
    try:
        return f"from {store.source_of(name, secret)}"
    except ConfigError as exc:  # e.g. the variable it names is not set: say so
        return f"unavailable: {exc.problem}"


def _validate(values: dict[str, Any]) -> None:
    """The profile must make a valid client config (secrets from variables may be unset
    now: placeholders stand in for them)."""
    trial = {k: v for k, v in values.items() if not k.endswith("_env")}
    for secret in SECRETS:
        trial[secret] = trial.get(secret) or "set-later"
    ClientConfig.from_mapping(trial, allow=ReplicationSettings.KEYS | {DESTINATION})
    ReplicationSettings.from_mapping(trial)
