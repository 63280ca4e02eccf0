"""``intacct profiles``: named connections in ``profiles.toml`` (see
:mod:`intacct.cli.profile_store` for the file and where secrets live)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from intacct.cli.connection import cli_errors, interactive_client, interactive_config
from intacct.cli.consent import DEFAULT_REDIRECT_URI, consent
from intacct.cli.profile_store import DESTINATION, SECRETS, ProfileStore
from intacct.cli.usage import Group
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
    option: dict[str, Any] = {"help": key.doc}  # prompted in add: an existing profile's kept
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


@click.group(cls=Group)
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
        width = max(map(len, names))  # the names in a column of their own
        for name in names:
            profile = store.raw(name)
            marker = "*" if name == default else " "
            company = profile.get("company_id", "?")
            entity = f"/{profile['entity_id']}" if profile.get("entity_id") else ""
            who = f"{profile.get('user_id', '?')}@{company}{entity}"
            click.echo(f"{marker} {name:<{width}}  {who}")


@profiles.command("add")
@click.argument("name")
@_key_options
@click.option("--default", "make_default", is_flag=True, help="Make it the default profile.")
@click.option(
    "--consent",
    is_flag=True,
    help="auth_type oauth: a person signs in and allows the app; its tokens are saved for "
    "the profile (only NAME given: consent again for an existing profile).",
)
@click.option(
    "--paste",
    is_flag=True,
    help="With --consent: no browser or listener here; paste the address the browser was sent to.",
)
@click.option(
    "--redirect-uri",
    default=DEFAULT_REDIRECT_URI,
    show_default=True,
    help="With --consent: the app's registered redirect URI (a loopback one is listened "
    "on, on a free port when it names none).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Sign in once now (auth_type oauth: the app's client credentials give a token).",
)
@click.pass_context
def add(
    ctx: click.Context,
    /,
    name: str,
    make_default: bool,
    consent: bool,
    paste: bool,
    redirect_uri: str,
    check: bool,
    **values: Any,
) -> None:
    """Add (or replace) the profile NAME. Passwords go to the OS keyring when one works,
    else into the file, readable only by you; so do the tokens --consent saves."""
    if paste and not consent:
        raise click.UsageError("--paste goes with --consent")
    store = ProfileStore()
    with cli_errors():
        again = consent and not _given(ctx, values) and name in store.names()
    if not again:
        _prompt(values)
        if consent and values.get("auth_type") != "oauth":
            raise click.UsageError("--consent is for an OAuth app: add --auth-type oauth")
        with cli_errors():
            _validate(values)
            existed = name in store.names()
            where = store.add(name, values, default=make_default)
            default = store.default() == name
        suffix = " (the default)" if default else ""
        # a profile of that name is replaced whole: said, so a typo'd NAME is noticed
        saved = "Replaced the earlier" if existed else "Saved"
        click.echo(f"{saved} profile {name!r}{suffix} in {store.path}; passwords: {where}.")
    if consent:
        _consent(store, name, paste, redirect_uri)
    elif check:
        _check(name)


def _given(ctx: click.Context, values: dict[str, Any]) -> bool:
    """Whether any key's option was given (not its default)."""
    unset = (None, ParameterSource.DEFAULT)
    return any(ctx.get_parameter_source(option) not in unset for option in values)


def _prompt(values: dict[str, Any]) -> None:
    """Ask for what the profile needs and was not given (secrets hidden)."""
    for key in keys_on(Surface.PROFILE):
        if values.get(key.name) or not key.needed(values):
            continue
        label = key.name.replace("_", " ").capitalize()
        if not key.secret:
            values[key.name] = click.prompt(label)
        elif not values.get(f"{key.name}_env"):
            values[key.name] = click.prompt(label, hide_input=True)


def _consent(store: ProfileStore, name: str, paste: bool, redirect_uri: str) -> None:
    tokens = store.tokens(name)
    with cli_errors():
        config = ClientConfig.from_mapping(interactive_config(store.config(name)))
        if config.auth_type != "oauth":
            raise click.UsageError(f"profile {name!r} has no OAuth app (auth_type oauth)")
        consent(config, tokens, paste=paste, redirect_uri=redirect_uri)
    click.echo(f"Consent given: profile {name!r} signs in with it; tokens: {tokens.where()}.")


def _check(name: str) -> None:
    try:
        with interactive_client(name) as client:
            client.sign_in()
    except click.ClickException as exc:
        said = f"{exc.message} (the profile is saved; intacct doctor --profile {name} tells why)"
        raise click.ClickException(said) from None
    click.echo(f"Checked: profile {name!r} signs in.")


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
            click.echo(f"  {secret}: {_secret_source(store, name, secret, profile)}")
        click.echo(f"  OAuth tokens: {store.tokens(name).where()}")


@profiles.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Remove the profile NAME, its keyring entries and its saved tokens."""
    store = ProfileStore()
    with cli_errors():
        store.remove(name)
    click.echo(f"Removed profile {name!r} from {store.path}.")


def _secret_source(store: ProfileStore, name: str, secret: str, profile: dict[str, Any]) -> str:
    """Where the secret comes from; or that it is not set, and whether the profile
    needs it to sign in (a user password with an OAuth app does not)."""
    try:
        source = store.source_of(name, secret)
    except ConfigError as exc:  # e.g. the variable it names is not set: say so
        return f"unavailable: {exc.problem}"
    if source is not None:
        return f"from {source}"
    if key_named(secret).needed(profile):
        return "not set, yet needed to sign in"
    return "not set"


def _validate(values: dict[str, Any]) -> None:
    """The profile must make a valid client config (secrets from variables may be unset
    now: placeholders stand in for them)."""
    trial = {k: v for k, v in values.items() if not k.endswith("_env")}
    for secret in SECRETS:
        trial[secret] = trial.get(secret) or "set-later"
    ClientConfig.from_mapping(trial, allow=names_on(Surface.PROFILE))
    ReplicationSettings.from_mapping(trial)
