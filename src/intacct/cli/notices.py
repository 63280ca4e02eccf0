"""``intacct notices``: Intacct's change notices. ``serve`` runs the webhook receiver
(:mod:`intacct.notices.receiver`) for the connection's OAuth app; ``status`` says what
the queue holds. ``intacct sync --follow`` reads what they announce."""

from __future__ import annotations

from pathlib import Path

import click
import platformdirs

from intacct.cli.connection import one_line, open_connection, profile_option
from intacct.errors import ConfigError, IntacctError
from intacct.logging import say
from intacct.notices import NoticeQueue

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
