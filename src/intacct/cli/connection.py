"""Where an ``intacct`` command gets its connection; first match wins:

1. ``--profile NAME`` (a missing or broken profile is an error, never a fall-through);
2. the ``INTACCT_*`` environment variables, once any of ``INTACCT_SENDER_ID``,
   ``INTACCT_COMPANY_ID`` or ``INTACCT_USER_ID`` is set (then the required ones must be);
3. the default profile;
4. nothing configured: the embedded emulator with the demo company, its SQLite file kept
   in the user's cache directory so that a second run sees the same data.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

import click
import platformdirs

from intacct.cli.profile_store import ProfileStore
from intacct.config import ClientConfig
from intacct.errors import ConfigError, GatewayError, IntacctError
from intacct.replication import ReplicationSettings

__all__ = [
    "Connection",
    "cli_errors",
    "embedded_db_path",
    "open_connection",
    "profile_option",
]

#: variables that say "this environment configures a connection"
_TRIGGERS = ("INTACCT_SENDER_ID", "INTACCT_COMPANY_ID", "INTACCT_USER_ID")
_REQUIRED = (
    "INTACCT_SENDER_ID",
    "INTACCT_SENDER_PASSWORD",
    "INTACCT_COMPANY_ID",
    "INTACCT_USER_ID",
    "INTACCT_USER_PASSWORD",
)
#: the embedded demo company's size: every object, a few thousand transactions
EMBEDDED_SCALE = 10_000

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Connection:
    config: dict[str, Any]  # the client's config keys (docs/ARCHITECTURE.md)
    source: str  # where it came from, for people
    embedded: bool


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
        raise click.ClickException(str(exc)) from None


def embedded_db_path() -> Path:
    return Path(platformdirs.user_cache_dir("intacct-connector")) / "emulator-demo.sqlite"


@contextmanager
def open_connection(
    profile: str | None, *, announce: Callable[[str], None] | None = None
) -> Iterator[Connection]:
    """The connection by the precedence of the module docstring; the embedded emulator,
    when it is the one, runs until the block ends."""
    store = ProfileStore()
    if profile:
        yield Connection(store.config(profile), f"profile {profile!r}", False)
        return
    environment = _from_environment()
    if environment is not None:
        yield Connection(environment, "environment (INTACCT_*)", False)
        return
    default = store.default()
    if default is not None:
        yield Connection(store.config(default), f"default profile {default!r}", False)
        return
    with _embedded(announce) as connection:
        yield connection


def _from_environment() -> dict[str, Any] | None:
    if not any(os.environ.get(name) for name in _TRIGGERS):
        return None
    missing = [name for name in _REQUIRED if not os.environ.get(name)]
    if missing:
        raise ConfigError(
            "environment",
            f"INTACCT_* variables configure a connection but {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set",
        )
    ClientConfig.from_env()  # a typo in a variable name is an error naming it
    keys = [f.name for f in fields(ClientConfig)] + sorted(ReplicationSettings.KEYS)
    values = {key: os.environ.get(f"INTACCT_{key.upper()}") for key in keys}
    return {key: value for key, value in values.items() if value}


@contextmanager
def _embedded(announce: Callable[[str], None] | None) -> Iterator[Connection]:
    from intacct.emulator.demo import client_config, data_fingerprint
    from intacct.emulator.server import EmulatorServer

    path = embedded_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp, fingerprint = path.with_name(path.name + ".version"), data_fingerprint()
    stale = path.exists() and _read(stamp) != fingerprint
    if stale:  # seeded by another version: other fields, other values
        for old in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            old.unlink(missing_ok=True)
    if announce is not None and not path.exists():
        again = " again: it was seeded by another version" if stale else " (once)"
        announce(f"Seeding the demo company into {path}{again}...")
    server = EmulatorServer(port=0, db=path, scale=EMBEDDED_SCALE, seed=0).start()
    stamp.write_text(fingerprint + "\n", encoding="utf-8")
    try:
        if announce is not None:
            announce(
                "No connection configured: using the embedded emulator with the demo "
                f"company DEMO at {server.url} (set INTACCT_* variables or run "
                "`intacct profiles add NAME` to use your own company)"
            )
        yield Connection(client_config(server.url), "embedded emulator (demo company DEMO)", True)
    finally:
        server.stop()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
