"""Where an ``intacct`` command gets its connection; first match wins:

1. ``--profile NAME`` (a missing or broken profile is an error, never a fall-through);
2. the ``INTACCT_*`` environment variables, once any connection variable
   (:data:`CONNECTION_KEYS`: ``INTACCT_API_URL``, ``INTACCT_SENDER_ID``,
   ``INTACCT_ENTITY_ID``, ``INTACCT_TIMEZONE``...) is set; then the required ones must
   be, or the error names those missing (a lone ``INTACCT_API_URL`` never falls back to
   a profile or the demo company);
3. the default profile;
4. nothing configured: the embedded emulator with the demo company, its SQLite file kept
   in the user's cache directory so that a second run sees the same data; except for
   ``intacct notices serve``, which refuses (:func:`configured_connection`): no delivery
   can be signed for an emulator of its own on a port nobody knows.

The other settings (``INTACCT_TIMEOUT_S``, ``INTACCT_MAX_CONCURRENCY``,
``INTACCT_PAGE_SIZE``, ``INTACCT_MAX_RETRIES``, ``INTACCT_START_DATE``,
``INTACCT_LOOKBACK_MINUTES``, ``INTACCT_ENTITY_IDS``, ``INTACCT_DESTINATION``...) apply
on top of whichever connection is used.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
import platformdirs

from intacct.cli.profile_store import ProfileStore
from intacct.cli.profile_tokens import profile_oauth
from intacct.cli.waiting import wait_notice
from intacct.client import IntacctClient
from intacct.client.gateway import OAuth
from intacct.client.oauth import TokenStore
from intacct.client.retry import RetryPolicy, default_checkers, retryable_status
from intacct.client.transport import InFlight
from intacct.config import ClientConfig, Key, Owner, Surface, check_variable_names, keys_on
from intacct.errors import ConfigError, GatewayError, IntacctError, ResponseFormatError

__all__ = [
    "CONNECTION_KEYS",
    "INTERACTIVE_TIMEOUT_S",
    "Connection",
    "cli_errors",
    "configured_connection",
    "embedded_db_path",
    "html_answer",
    "interactive_client",
    "interactive_config",
    "one_line",
    "open_connection",
    "profile_option",
]

#: every key an INTACCT_* variable may set (the table's: intacct.config.keys)
_ENV = keys_on(Surface.ENV)
#: the keys that make a connection (whose company, as whom, where); any of them set as
#: INTACCT_* says "this environment configures the connection"
_CONNECTION = tuple(k for k in _ENV if k.owner is Owner.CONNECTION)
CONNECTION_KEYS = tuple(k.name for k in _CONNECTION)
#: the embedded demo company's size: every object, a few thousand transactions
EMBEDDED_SCALE = 10_000
#: a command a person waits for (doctor, objects, describe, query) gives up on a request
#: after this many seconds unless ``timeout_s`` is set; ``intacct sync`` keeps the
#: client's 300 s (a page of a wide object can take minutes to come)
INTERACTIVE_TIMEOUT_S = 60.0

F = TypeVar("F", bound=Callable[..., Any])
#: a connection's keys the client does not take: the engine's and ``intacct sync``'s
_NOT_CLIENT = frozenset(k.name for k in _ENV if not k.client)


@dataclass(frozen=True)
class Connection:
    config: dict[str, Any]  # the client's config keys (docs/ARCHITECTURE.md)
    source: str  # where it came from, for people
    embedded: bool
    #: a profile's OAuth tokens (saved consent: used, and rotated ones saved)
    tokens: TokenStore | None = None
    profile: str | None = None  # the profile's name, when it is one

    def oauth(self, config: ClientConfig) -> OAuth | None:
        """What the client for ``config`` signs in to the REST API with (None: the
        client's own default, the app's client credentials for the command)."""
        return profile_oauth(config, self.tokens)


def profile_option(function: F) -> F:
    """``--profile NAME`` (also ``INTACCT_PROFILE``)."""
    return click.option(
        "--profile",
        envvar="INTACCT_PROFILE",
        help="A named connection (intacct profiles list); default: INTACCT_* variables, "
        "the default profile, or the embedded demo emulator.",
    )(function)


@contextmanager
def cli_errors() -> Iterator[None]:
    """The connector's errors become one line on stderr and exit status 1 (their texts
    never hold a secret)."""
    try:
        yield
    except GatewayError as exc:
        said = "; ".join(str(e) for e in exc.errors) or str(exc)
        where = f" ({exc.function})" if exc.function else ""
        raise click.ClickException(f"Intacct refused the request{where}: {said}") from None
    except IntacctError as exc:
        raise click.ClickException(one_line(exc)) from None


def one_line(exc: IntacctError) -> str:
    """What to tell a person: the error's text, or for an HTML page where the gateway's
    XML should be, what answered (:func:`html_answer`) and what to check."""
    said = html_answer(exc)
    if said is None:
        return str(exc)
    return f"{said}; check api_url" if said.startswith("not an") else said


def html_answer(exc: IntacctError) -> str | None:
    """For an HTML page in place of the gateway's XML: ``not an Intacct gateway (HTTP
    501, HTML page "...")``, or for a 5xx a proxy or CDN gives, that the gateway is
    unavailable; None for any other error."""
    if not isinstance(exc, ResponseFormatError) or exc.html_title is None:
        return None
    page = f'HTML page "{exc.html_title}"' if exc.html_title else "HTML"
    if retryable_status(exc.http_status) and exc.http_status != 429:
        return (
            f"the gateway is unavailable (HTTP {exc.http_status}, {page}): a proxy or CDN "
            "in front of it answered; try again later"
        )
    return f"not an Intacct gateway (HTTP {exc.http_status}, {page})"


def interactive_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The client's keys of ``config``, with :data:`INTERACTIVE_TIMEOUT_S` as the
    deadline unless ``timeout_s`` is set."""
    out = {k: v for k, v in config.items() if k not in _NOT_CLIENT}
    out.setdefault("timeout_s", INTERACTIVE_TIMEOUT_S)
    return out


@contextmanager
def interactive_client(
    profile: str | None, *, announce: Callable[[str], None] | None = None
) -> Iterator[IntacctClient]:
    """The connection's client for a command a person waits for: each request gives up
    after ``timeout_s`` (default :data:`INTERACTIVE_TIMEOUT_S`) and is not sent again
    after that, and a line on stderr tells while the gateway is silent. The
    connector's errors are one line (:func:`cli_errors`)."""
    with cli_errors(), open_connection(profile, announce=announce) as connection:
        config = ClientConfig.from_mapping(interactive_config(connection.config))
        retry = RetryPolicy(
            max_attempts=config.max_retries + 1, checkers=default_checkers(timeouts=False)
        )
        in_flight = InFlight()
        oauth = connection.oauth(config)
        with (
            wait_notice(in_flight),
            IntacctClient(config, retry=retry, in_flight=in_flight, oauth=oauth) as client,
        ):
            yield client


def embedded_db_path() -> Path:
    return Path(platformdirs.user_cache_dir("intacct-connector")) / "emulator-demo.sqlite"


def configured_connection(profile: str | None) -> Connection | None:
    """The connection rules 1 to 3 of the module docstring give; None when nothing is
    configured (a command that must not fall back to the embedded emulator says what
    to configure)."""
    check_variable_names(os.environ)
    settings = _settings()
    store = ProfileStore()
    if profile:
        missing = store.unknown(profile)
        if missing is not None:  # a bad value of an option: a usage mistake, exit 2
            raise click.BadParameter(missing, param_hint="'--profile'")
        config = {**store.config(profile), **settings}
        return Connection(config, f"profile {profile!r}", False, store.tokens(profile), profile)
    environment = _from_environment()
    if environment is not None:
        return Connection({**environment, **settings}, "environment (INTACCT_*)", False)
    default = store.default()
    if default is not None:
        config = {**store.config(default), **settings}
        return Connection(config, f"default profile {default!r}", False, store.tokens(default),
                          default)  # fmt: skip
    return None


@contextmanager
def open_connection(
    profile: str | None, *, announce: Callable[[str], None] | None = None
) -> Iterator[Connection]:
    """The connection by the precedence of the module docstring; the embedded emulator,
    when it is the one, runs until the block ends."""
    configured = configured_connection(profile)
    if configured is not None:
        yield configured
        return
    with _embedded(announce) as connection:
        yield Connection({**connection.config, **_settings()}, connection.source, True)


def _settings() -> dict[str, str]:
    """The other settings' variables, applied on top of whichever connection is used."""
    return _variables(k for k in _ENV if k not in _CONNECTION)


def _variables(keys: Iterable[Key]) -> dict[str, str]:
    values = {key.name: os.environ.get(key.variable) for key in keys}
    return {name: value for name, value in values.items() if value}


def _from_environment() -> dict[str, Any] | None:
    """The connection the INTACCT_* variables make, None if none of its variables is
    set; some set and a required one not is an error naming both."""
    connection = _variables(_CONNECTION)
    if not connection:
        return None
    missing = [k.variable for k in _ENV if k.needed(connection) and not connection.get(k.name)]
    if missing:
        given = [k.variable for k in _CONNECTION if k.name in connection]
        one_given, one_missing = len(given) == 1, len(missing) == 1
        raise ConfigError(
            "environment",
            f"{_names(given)} {'is' if one_given else 'are'} set, so the INTACCT_* "
            f"variables configure the connection, but {_names(missing)} "
            f"{'is' if one_missing else 'are'} not; set {'it' if one_missing else 'them'} "
            f"too, or unset {'it' if one_given else 'those'} to use a profile "
            "(intacct profiles list) or the embedded demo emulator",
        )
    return connection


def _names(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


@contextmanager
def _embedded(announce: Callable[[str], None] | None) -> Iterator[Connection]:
    from intacct.emulator.demo import app_config, client_config, data_fingerprint
    from intacct.emulator.server import EmulatorServer

    path = embedded_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp, fingerprint = path.with_name(path.name + ".version"), data_fingerprint()
    stale = path.exists() and _read(stamp) != fingerprint
    if stale:  # seeded by another version: other fields, other values
        for old in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            old.unlink(missing_ok=True)
    seeding = not path.exists()
    if announce is not None and seeding:
        again = " again: it was seeded by another version" if stale else " (once)"
        announce(f"Seeding the demo companies into {path}{again}...")
    started = time.monotonic()
    server = EmulatorServer(port=0, db=path, scale=EMBEDDED_SCALE, seed=0).start()
    if announce is not None and seeding:
        announce(f"Seeded in {time.monotonic() - started:.1f} s.")
    stamp.write_text(fingerprint + "\n", encoding="utf-8")
    try:
        if announce is not None:
            announce(
                "No connection configured: using the embedded emulator with the demo "
                f"company DEMO at {server.url} (set INTACCT_* variables or run "
                "`intacct profiles add NAME` to use your own company)"
            )
        # with the demo OAuth app: --api rest and auto work on the demo as on a company
        config = {**client_config(server.url), **app_config()}
        yield Connection(config, "embedded emulator (demo company DEMO)", True)
    finally:
        server.stop()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
