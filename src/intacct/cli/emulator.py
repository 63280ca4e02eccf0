"""``intacct emulator serve``: the offline gateway with the demo tenant."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import click

from intacct.cli.emulator_control import clock, fault, latency, misconfigure, stats, webhooks
from intacct.cli.usage import Group
from intacct.emulator.app import BODY_TIMEOUT_S
from intacct.emulator.connections import HEAD_TIMEOUT_S
from intacct.emulator.demo import DEMO_COMPANIES
from intacct.emulator.faults import Faults
from intacct.emulator.fleet import MAX_FLEET, Fleet, parse_limits
from intacct.emulator.server import (
    MAX_CONNECTIONS,
    EmulatorServer,
    EmulatorStartError,
    check_address,
)
from intacct.emulator.state import DEFAULT_MAX_CONCURRENCY
from intacct.emulator.store import DEMO_APP, DEMO_SENDER, DEMO_USER

__all__ = ["emulator"]


@click.group(cls=Group)
def emulator() -> None:
    """An offline Intacct: the XML gateway and the REST API (SQLite-backed)."""


_SERVE_EPILOG = """Setup mistakes, as intacct doctor diagnoses them, in the running emulator (from
another shell; --undo puts each right again):

\b
  intacct emulator misconfigure not-subscribed         no Web Services
  intacct emulator misconfigure expired                demo company ended
  intacct emulator misconfigure sender-not-authorized  Sender ID unauthorized
  intacct emulator misconfigure not-web-services-user  not a Web Services user
  intacct emulator misconfigure role-without-module --module AP  role lacks AP
  (a wrong company id, user, password or entity needs no setup: give it)

\b
Time, speed and failures:
  intacct emulator clock --set 2027-11-07T08:50:00Z | --advance 3600 | --real
  intacct emulator latency --ms 300 --per-row-us 500
  intacct emulator fault 'status=503,times=2' | --clear
  intacct emulator stats

\b
Change notices (Intacct's triggers) to a receiver's URL, such as
`intacct notices serve`'s http://127.0.0.1:8080/intacct/notices:
  intacct emulator webhooks subscribe VENDOR URL
  intacct emulator webhooks list | remove ID
"""


@emulator.command(epilog=_SERVE_EPILOG)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8089, show_default=True, type=int, help="0 picks a free port.")
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file (kept between runs); default: in memory.",
)
@click.option(
    "--scale",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=0),
    help="About how many demo records to seed (ignored if --db already exists).",
)
@click.option(
    "--seed", "seed", default=0, show_default=True, type=int, help="Random seed of the demo data."
)
@click.option(
    "--latency-ms",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Base wait of every answer, in milliseconds (the real gateway's round trip).",
)
@click.option(
    "--latency-per-row-us",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Extra wait per returned record, in microseconds (big pages take longer).",
)
@click.option(
    "--fault", "faults", multiple=True, help="Fault rule, e.g. 'status=503,times=2' (repeatable)."
)
@click.option(
    "--max-concurrency",
    default=DEFAULT_MAX_CONCURRENCY,
    show_default=True,
    type=click.IntRange(min=0),
    help="Requests in flight per company before HTTP 429 / GW-0010 (0: no limit).",
)
@click.option(
    "--companies",
    default=0,
    show_default=True,
    type=click.IntRange(0, MAX_FLEET),
    help="More companies besides the demo tenant: FLEET0001 ... (same sender and users).",
)
@click.option(
    "--company-limits",
    default="",
    metavar="N,N,...",
    help="Requests in flight per fleet company, cycled over them (e.g. 2,4,8); "
    "default --max-concurrency.",
)
@click.option(
    "--company-scale",
    default=0,
    show_default=True,
    type=click.IntRange(0, 1_000_000),
    help="About how many records per fleet company (0: the smallest, ~2,500).",
)
@click.option(
    "--read-timeout",
    type=click.FloatRange(min=0.1),
    help=f"Seconds a request head may take to arrive, and then its body (default "
    f"{HEAD_TIMEOUT_S:g} and {BODY_TIMEOUT_S:g}): a slower client is dropped, so stalled "
    "connections cannot lock others out.",
)
@click.option(
    "--max-connections",
    default=MAX_CONNECTIONS,
    show_default=True,
    type=click.IntRange(min=2),
    help="Open connections served (HTTP 503 beyond; idle ones are closed first).",
)
def serve(
    host: str,
    port: int,
    db: Path | None,
    scale: int,
    seed: int,
    latency_ms: int,
    latency_per_row_us: int,
    faults: tuple[str, ...],
    max_concurrency: int,
    companies: int,
    company_limits: str,
    company_scale: int,
    read_timeout: float | None,
    max_connections: int,
) -> None:
    """Serve the XML gateway and the REST API until SIGINT/SIGTERM."""
    try:
        limits = parse_limits(company_limits)
        Fleet(companies, limits, company_scale)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--company-limits") from None
    try:
        Faults(list(faults), seed=seed)  # a bad spec is said before seeding, not after
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fault") from None
    try:
        check_address(host, port)  # a busy port is said before seeding, not after
        with _seeding(db, scale):
            server = EmulatorServer(
                host=host,
                port=port,
                db=db,
                scale=scale,
                seed=seed,
                faults=list(faults),
                max_concurrency=max_concurrency,
                latency_ms=latency_ms,
                latency_per_row_us=latency_per_row_us,
                companies=companies,
                company_limits=limits,
                company_scale=company_scale,
                head_timeout_s=read_timeout or HEAD_TIMEOUT_S,
                body_timeout_s=read_timeout or BODY_TIMEOUT_S,
                max_connections=max_connections,
            )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fault") from None
    except EmulatorStartError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        server.start()
    except EmulatorStartError as exc:
        server.stop()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Intacct emulator listening on {server.url}")
    click.echo(f"  sender id / password : {DEMO_SENDER[0]} / {DEMO_SENDER[1]}")
    click.echo(f"  user id / password   : {DEMO_USER[0]} / {DEMO_USER[1]}")
    click.echo(
        f"  company ids          : {', '.join(DEMO_COMPANIES)} (DEMO-ME entities: E100, E200)"
    )
    if companies:
        fleet = server.emulator.fleet.ids
        click.echo(f"  fleet companies      : {fleet[0]} ... {fleet[-1]} ({companies}, same users)")
    click.echo(f"  OAuth app id / secret: {DEMO_APP.client_id} / {DEMO_APP.client_secret}")
    click.echo(f"  REST API             : {server.rest_url()}")
    click.echo(f"  control API          : {server.url.split('/ia/')[0]}/_emulator/stats")
    sys.stdout.flush()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    stop.wait()
    server.stop()


@contextmanager
def _seeding(db: Path | None, scale: int) -> Iterator[None]:
    """Lines on standard error while the demo companies are seeded (seconds, at the
    default scale), so a silent start does not look hung; standard output's first line
    stays the listening line."""
    if db is not None and (db.exists() or not db.parent.is_dir()):  # nothing to seed
        yield
        return
    into = f" into {db}" if db is not None else ""
    click.echo(
        f"Seeding the demo companies {', '.join(DEMO_COMPANIES)} (about {scale:,} "
        f"records){into}...",
        err=True,
    )
    started = time.monotonic()
    yield
    click.echo(f"Seeded in {time.monotonic() - started:.1f} s.", err=True)


for _command in (misconfigure, clock, latency, fault, stats, webhooks):
    emulator.add_command(_command)
