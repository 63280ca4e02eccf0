"""``intacct notices``: Intacct's change notices. ``serve`` runs the webhook receiver
(:mod:`intacct.notices.receiver`) for the connection's OAuth app; ``pull`` pulls the
trigger event queue instead (:mod:`intacct.notices.pull`); ``status`` says what the
queue holds. ``intacct sync --follow`` reads what they announce."""

from __future__ import annotations

import threading
from pathlib import Path

import click
import platformdirs

from intacct.cli.connection import one_line, open_connection, profile_option
from intacct.client import IntacctClient
from intacct.config import ClientConfig
from intacct.errors import ConfigError, IntacctError
from intacct.logging import say
from intacct.notices import NoticeQueue
from intacct.notices.pull import pull_until
from intacct.replication import ReplicationSettings

__all__ = ["notices", "notices_option", "queue_path"]


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


@click.group()
def notices() -> None:
    """Intacct's change notices (webhook deliveries): receive them, see what is pending."""


@notices.command()
@profile_option
@notices_option
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
def serve(profile: str | None, notices_path: str | None, host: str, port: int) -> None:
    """Receive Intacct's webhook deliveries at POST /intacct/notices: each verified with
    the OAuth app's client secret and kept in the queue before it is answered."""
    import uvicorn  # the web server, loaded only for this command

    from intacct.notices.receiver import NOTICES_PATH, receiver_app

    try:
        with open_connection(profile, announce=say) as connection:
            client_id = str(connection.config.get("client_id") or "")
            secret = str(connection.config.get("client_secret") or "")
            if not client_id or not secret:
                raise ConfigError(
                    "client_id", "deliveries are verified with the OAuth app's client_id "
                    "and client_secret: give both (a profile, INTACCT_CLIENT_ID/_SECRET)",
                )  # fmt: skip
            path = queue_path(notices_path)
            with NoticeQueue(path) as queue:
                app = receiver_app(queue, {client_id: secret})
                say(
                    f"Receiving Intacct's notices for app {client_id} at "
                    f"http://{host}:{port}{NOTICES_PATH}; kept in {path}. Ctrl-C stops."
                )
                uvicorn.run(app, host=host, port=port, log_level="warning")
    except IntacctError as exc:
        raise click.ClickException(one_line(exc)) from None


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
            config = ClientConfig.from_mapping(connection.config, allow=ReplicationSettings.KEYS)
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
            f"{path}: {counts['kept']:,} notice(s) kept, {counts['pending']:,} pending, "
            f"{counts['consumed']:,} read"
        )
        for company in queue.companies():
            dirty = queue.pending(company)
            if dirty is not None:
                click.echo(f"  {company}: {len(dirty.keys)} pending, of {', '.join(dirty.objects)}")
