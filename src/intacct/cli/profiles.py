"""``intacct profiles``: named connections in ``profiles.toml`` (see
:mod:`intacct.cli.profile_store` for the file and where secrets live)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from intacct.cli.connection import cli_errors
from intacct.cli.profile_store import DESTINATION, SECRETS, ProfileStore
from intacct.config import ClientConfig, Key, Surface, key_named, keys_on, names_on
from intacct.config.parsers import Choice, Flag, Integer, Seconds
from intacct.destinations import describe
from intacct.errors import ConfigError
from intacct.replication import ReplicationSettings

__all__ = ["profiles"]

F = TypeVar("F", bound=Callable[..., Any])


def _key_options(command: F) -> F:
    """An option per profile key, in the table's order (intacct.config.keys): its doc
    line as help, its parser's choices or bounds as its type; a required key is prompted
    for, and a secret also takes the variable to read it from (``--<key>-env``)."""
    for key in reversed(keys_on(Surface.PROFILE)):
        flag = "--" + key.name.replace("_", "-")
        if key.secret:
            said = f"Take the {key.name.replace('_', ' ')} from this variable."
            command = click.option(f"{flag}-env", help=said)(command)
        command = click.option(flag, **_option(key))(command)
    return command


def _option(key: Key) -> dict[str, Any]:
    parser = key.parser
    prompt = key.always_required and not key.secret
    option: dict[str, Any] = {"help": key.doc, "prompt": prompt}
    if isinstance(parser, Choice):
        option["type"] = click.Choice(parser.choices)
    elif isinstance(parser, Integer):
        option["type"] = click.IntRange(parser.low, parser.high)
    elif isinstance(parser, Seconds):
        option["type"] = click.FloatRange(0, parser.high, min_open=True)
    elif isinstance(parser, Flag):
        option["type"] = bool
    if key.offered is not None:
        option.update(default=key.offered, show_default=True)
    return option


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
@_key_options
@click.option("--default", "make_default", is_flag=True, help="Make it the default profile.")
def add(name: str, make_default: bool, **values: Any) -> None:
    """Add (or replace) the profile NAME. Passwords go to the OS keyring when one works,
    else into the file, readable only by you."""
    for secret in SECRETS:
        needed = key_named(secret).needed(values)
        if needed and not values.get(secret) and not values.get(f"{secret}_env"):
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
    ClientConfig.from_mapping(trial, allow=names_on(Surface.PROFILE))
    ReplicationSettings.from_mapping(trial)
