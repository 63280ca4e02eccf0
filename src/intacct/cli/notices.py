"""``intacct notices``: Intacct's change notices. ``serve`` runs the receiver
(:mod:`intacct.notices.receiver`) of webhooks for the connection's OAuth app and of
Smart Event posts carrying its ``smart_event_token``; ``pull`` pulls the trigger event
queue instead (:mod:`intacct.notices.pull`); ``status`` says what the queue holds.
``intacct sync --follow`` reads what they announce."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import platformdirs

from intacct.cli.connection import (
    configured_connection,
    interactive_config,
    one_line,
    open_connection,
    profile_option,
)
from intacct.cli.usage import Group
from intacct.client import IntacctClient
from intacct.config import ClientConfig, Owner, Surface, names_on, read
from intacct.errors import ConfigError, IntacctError
from intacct.logging import counted, log_options, register_secrets, say
from intacct.notices import NoticeQueue
from intacct.notices.pull import pull_until

__all__ = ["SMART_EVENT_TOKEN", "notices", "notices_option", "queue_path"]

#: the receiver's key (intacct.config.keys, owner NOTICES): the token Smart Event posts
#: carry; no client reads it
SMART_EVENT_TOKEN = "smart_event_token"  # noqa: S105 (the key's name)
#: every key a connection may hold (a profile's, INTACCT_*): the client takes its own
_CONNECTION_KEYS = names_on(Surface.PROFILE) | names_on(Surface.ENV)


def queue_path(given: str | None) -> Path:
    """The queue file: ``given``, else ``notices.sqlite`` in the user data directory
    (``~/.local/share/intacct-connector/`` on Linux), where receiver and follower meet."""
    return (
        Path(given)
        if given
        else Path(platformdirs.user_data_dir("intacct-connector")) / ("notices.sqlite")
    )


notices_option = click.option(
    "--notices",
    "notices_path",
    help="The queue of received notices (default: notices.sqlite in the user data "
    "directory, where intacct notices serve keeps them).",
)


@click.group(cls=Group)
def notices() -> None:
    """Intacct's change notices (webhooks, Smart Event posts, the event queue): receive
    them, see what is pending."""


#: what ``serve`` says when no connection is configured (it never uses the embedded
#: emulator: no delivery can be signed for an emulator on a port nobody knows)
NOT_CONFIGURED = (
    "no connection configured: the receiver verifies deliveries with the OAuth app and "
    "the api_url of the connection `intacct sync --follow` uses; give --profile NAME, "
    "set the INTACCT_* variables, or make a profile the default (intacct profiles add "
    'NAME --default); to try it against `intacct emulator serve`, see "Try it offline" '
    "in docs/notices.md"
)


def _url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise click.BadParameter(f"{value!r} is no http(s) URL", ctx, param)
    return value


@notices.command()
@profile_option
@notices_option
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="The port to listen on (0: a free one, said at start).")  # fmt: skip
@click.option(
    "--issuer",
    metavar="URL",
    callback=_url,
    help="The iss every webhook token must name; default: the REST API beside the "
    "connection's api_url (http://127.0.0.1:8089/ia/api/v1 for `intacct emulator serve`), "
    "not checked with Intacct's default gateway.",
)
def serve(
    profile: str | None, notices_path: str | None, host: str, port: int, issuer: str | None
) -> None:
    """Receive Intacct's change notices, each kept in the queue before it is
    answered; either kind, or both:

    \b
      POST /intacct/notices       webhooks, verified with the OAuth app's
                                  client_id and client_secret
      POST /intacct/smart-events  Smart Event posts, checked against your
                                  smart_event_token (INTACCT_SMART_EVENT_TOKEN
                                  or the profile's)

    The connection is the one `intacct sync --follow` takes (--profile, the INTACCT_*
    variables, the default profile), never the embedded emulator. Each delivery kept is
    a line on standard error, each refused one too (with why).

    Each Smart Event (an HTTP post, on one object and event) posts this body, with
    your token and the event it fires on (create, update or delete):

    \b
    {"token": "<your token>", "companyId": "<COMPANY>", "object": "VENDOR",
     "event": "update", "key": "{!VENDOR.RECORDNO!}",
     "modified": "{!VENDOR.WHENMODIFIED!}"}
    """
    import uvicorn  # the web server, loaded only for this command

    from intacct.notices.receiver import receiver_app

    try:
        connection = configured_connection(profile)
        if connection is None:
            raise click.UsageError(NOT_CONFIGURED)  # as sync --follow says it: exit 2
        secrets = _apps(connection.config)
        token = read(connection.config, Owner.NOTICES)[SMART_EVENT_TOKEN]
        if not secrets and not token:
            raise ConfigError(
                "client_id", "give the OAuth app's client_id and client_secret (webhooks), "
                "a smart_event_token (Smart Events), or both (a profile, "
                "INTACCT_CLIENT_ID/_SECRET, INTACCT_SMART_EVENT_TOKEN)",
            )  # fmt: skip
        register_secrets([token])  # blanked out of every log line of ours
        verified = _issuer(connection.config, issuer)
        path = queue_path(notices_path)
        with _listening(host, port) as sock, NoticeQueue(path) as queue:
            app = receiver_app(queue, secrets, issuer=verified.url, smart_event_token=token)
            bound = sock.getsockname()[1]
            base = f"http://{f'[{host}]' if ':' in host else host}:{bound}"
            say(_receiving(base, connection.source, secrets, verified, bool(token), path))
            config = uvicorn.Config(app, log_level="warning", lifespan="off")
            uvicorn.Server(config).run(sockets=[sock])
    except IntacctError as exc:
        raise click.ClickException(one_line(exc)) from None


# a line per delivery kept or refused by default; -q: errors only; --log-format json
log_options(serve, default=logging.INFO)


@contextmanager
def _listening(host: str, port: int) -> Iterator[socket.socket]:
    """The receiver's socket, bound here so that a port in use is one line (uvicorn
    would log its own and exit) and port 0's pick is known before the start-up line."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    with sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind((host, port))
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise click.ClickException(
                f"cannot listen on {host}:{port} ({reason}): another receiver may be "
                "running there; stop it, or give another --port"
            ) from None
        yield sock


def _apps(config: Mapping[str, Any]) -> dict[str, str]:
    """The OAuth app webhooks are verified with: {client_id: client_secret}, or {} when
    neither is given; one without the other is a mistake."""
    client_id = str(config.get("client_id") or "")
    secret = str(config.get("client_secret") or "")
    if bool(client_id) != bool(secret):
        missing = "client_secret" if client_id else "client_id"
        raise ConfigError(missing, "webhooks are verified with the OAuth app's client_id "
                          "and client_secret: give both")  # fmt: skip
    return {client_id: secret} if client_id else {}


@dataclass(frozen=True, slots=True)
class _Issuer:
    """The ``iss`` webhook tokens must name (None: not checked) and where it came from."""

    url: str | None
    why: str


def _issuer(config: Mapping[str, Any], given: str | None) -> _Issuer:
    """``--issuer``; else the REST API beside the connection's ``api_url`` when it gives
    one (the emulator's, a sandbox's); else unchecked, with Intacct's default [U: Sage
    does not publish the claim, so production is not refused on a guess]."""
    if given:
        return _Issuer(given.rstrip("/"), "--issuer")
    if not config.get("api_url"):
        return _Issuer(None, "Intacct's default api_url")
    url = ClientConfig.from_mapping(interactive_config(config)).rest_url
    return _Issuer(url, "the REST API beside its api_url")


def _receiving(
    base: str,
    source: str,
    secrets: Mapping[str, str],
    issuer: _Issuer,
    smart_events: bool,
    path: Path,
) -> str:
    """The start-up line: what is verified against which connection, where."""
    from intacct.notices.receiver import NOTICES_PATH, SMART_EVENTS_PATH

    issued = (
        f"their tokens issued by {issuer.url} ({issuer.why})"
        if issuer.url
        else f"their issuer not checked ({issuer.why})"
    )
    served = [f"webhooks for app {app} at {base}{NOTICES_PATH}, {issued}" for app in secrets]
    if smart_events:
        served.append(f"Smart Events at {base}{SMART_EVENTS_PATH}")
    return (
        f"Receiving Intacct's notices for {source}: {'; '.join(served)}; kept in {path}. "
        "Ctrl-C stops."
    )


@notices.command()
@profile_option
@notices_option
@click.option("--every-s", default=5.0, show_default=True, type=click.FloatRange(min=0.5),
              help="Seconds between leases when the queue is empty.")  # fmt: skip
def pull(profile: str | None, notices_path: str | None, every_s: float) -> None:
    """Pull the company's trigger event queue (for a company that cannot expose a webhook
    endpoint): each event kept in the queue, then acknowledged. Ctrl-C stops."""
    stop = threading.Event()
    try:
        with open_connection(profile, announce=say) as connection:
            config = ClientConfig.from_mapping(connection.config, allow=_CONNECTION_KEYS)
            if not config.client_id:
                raise ConfigError("client_id", "the event queue is the REST API's: give the "
                                  "OAuth app's client_id and client_secret")  # fmt: skip
            path = queue_path(notices_path)
            with (
                IntacctClient(config, oauth=connection.oauth(config)) as client,
                NoticeQueue(path) as queue,
            ):
                say(f"Pulling {config.company_id}'s event queue into {path}. Ctrl-C stops.")
                pull_until(client.rest, queue, config.client_id, stop, every_s)
    except IntacctError as exc:
        raise click.ClickException(one_line(exc)) from None


@notices.command()
@notices_option
def status(notices_path: str | None) -> None:
    """What the queue holds: notices kept, pending, and the pending per company."""
    path = queue_path(notices_path)
    if not path.exists():
        raise click.ClickException(f"no notices received yet: {path} does not exist")
    with NoticeQueue(path) as queue:
        counts = queue.counts()
        click.echo(
            f"{path}: {counted(counts['kept'], 'notice')} kept, {counts['pending']:,} pending, "
            f"{counts['consumed']:,} read"
        )
        for company in queue.companies():
            dirty = queue.pending(company)
            if dirty is not None:
                click.echo(f"  {company}: {len(dirty.keys)} pending, of {', '.join(dirty.objects)}")
