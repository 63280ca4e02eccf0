"""``intacct sync``: every selected object into a DuckDB file (or a Postgres schema),
incrementally."""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

import click
import platformdirs
from click.core import ParameterSource

from intacct.cli.connection import (
    configured_connection,
    one_line,
    open_connection,
    profile_option,
)
from intacct.cli.dryrun import show_estimate
from intacct.cli.hints import failure_hint, permission_hint
from intacct.cli.interrupts import exit_status, signal_of, stop_on_signals
from intacct.cli.notices import SMART_EVENT_TOKEN, notices_option, queue_path
from intacct.cli.profile_store import DESTINATION
from intacct.cli.waiting import wait_notice
from intacct.client import IntacctClient
from intacct.client.transport import InFlight
from intacct.config import ClientConfig
from intacct.destinations import describe
from intacct.destinations.locations import is_postgres, split_url
from intacct.errors import ConfigError, IntacctError
from intacct.logging import PROGRESS, counted, log_choice, log_options, say, warnings_shown_by
from intacct.notices import NoticeQueue
from intacct.replication import ReplicationSettings
from intacct.sync import (
    DEFAULT_OBJECTS,
    DestinationError,
    SyncInterrupted,
    SyncReport,
    SyncSettings,
    run_sync,
)
from intacct.sync.budget import Entitlement, monthly_budget, run_budget
from intacct.sync.display import (
    LogReporter,
    PlainReporter,
    QuietReporter,
    RichReporter,
    reporter_for,
    show_table,
    summary_table,
)
from intacct.sync.dryrun import estimate_sync
from intacct.sync.fivetran import HISTORY_SCHEMA, LAYOUTS, SCHEMA
from intacct.sync.follow import Follower, FollowSettings
from intacct.sync.job import vars_of

__all__ = ["sync"]

#: the DuckDB file a run writes when neither --db nor the profile says where
DEFAULT_DB = "intacct.duckdb"
#: a request of a run waits this long before a log is told (pages of wide objects take
#: several seconds; a silent gateway must not look like a hung job)
NOTICE_S = 10.0
#: the refusals (ConfigError's key) of an option's value, or of options given together
#: that cannot go together: a usage mistake, exit status 2, named by the option
_OPTIONS = {"layout": "--layout", "--db": "--db", "share": "--share", "objects": "--objects"}
#: the config keys options set when given (else a profile's or a variable's, named so):
#: the parameter of each
_SET_BY = {"entity_ids": "entities", "api": "api", "client_id": "api"}
#: --follow with nothing configured: the embedded emulator runs on a port of its own
#: that no receiver is told of, so no notice of it could ever arrive
NOTHING_TO_FOLLOW = (
    "--follow reads the notices of a configured connection (--profile NAME, the INTACCT_* "
    "variables or a default profile): the embedded emulator sends none; to try it "
    'offline, see "Try it offline" in docs/notices.md'
)
#: options that only go with --follow
_FOLLOWING = ("safety_minutes", "notices_path")


@click.command()
@profile_option
@click.option(
    "--objects",
    help="Comma-separated objects (VENDOR,APBILL,...), or 'all'; default: the accounting "
    "lists, AP/AR documents with their lines, journal entries and the trial balance.",
)
@click.option(
    "--db",
    "db_path",
    help="The DuckDB file (created if missing); a Postgres database: "
    "postgresql://USER@HOST:PORT/DB[?schema=NAME] (schema intacct by default; the password "
    "from PGPASSWORD or ~/.pgpass); or dlt:<destination>[?dataset=NAME&pages_per_load=N] "
    "for a warehouse through dlt (pip install 'intacct-connector[dlt]'). Default: the "
    f"profile's destination, else {DEFAULT_DB}.",
)
@click.option("--full-refresh", is_flag=True, help="Read the objects whole again.")
@click.option(
    "--api",
    type=click.Choice(["auto", "xml", "rest"]),
    help="Which API reads the objects both serve: auto (default: REST where it holds every "
    "field and costs fewer API transactions, else XML; --dry-run says which), xml, or rest "
    "(needs the OAuth app: client_id, client_secret; fields REST lacks stay empty). "
    "One state for both: switching goes on where the last run stopped.",
)
@click.option("--entities", help="Entity ids (E100,E200) or 'all': each read in its own session.")
@click.option(
    "--unified",
    is_flag=True,
    help="Also hotglue's unified tables (Accounts, Vendors, Bills...), built from the objects.",
)
@click.option(
    "--layout",
    type=click.Choice(LAYOUTS, case_sensitive=False),
    help="'fivetran': also the tables Fivetran's connector writes (gl_detail, ap_bill...) as "
    "views in schema sage_intacct, for Fivetran's dbt_sage_intacct package (DuckDB only); "
    "remembered by the database for later runs. 'none': drop them.",
)
@click.option(
    "--history/--no-history",
    default=None,
    help="Also keep every version of the objects' records read (each object's "
    "<table>_history: valid_from, valid_to, is_current, is_deleted); remembered by the "
    "database for later runs. --no-history stops keeping it (the tables stay).",
)
@click.option(
    "--budget",
    type=click.IntRange(min=0),
    help="At most this many API transactions (as Intacct bills them) for the run: the "
    "request that would go beyond is not sent; every page stored before stays and the next "
    "run goes on from there.",
)
@click.option(
    "--entitlement",
    type=click.IntRange(min=0),
    help="The company's API transactions a month (its Intacct entitlement): with --share, "
    "the run may bill at most entitlement x share less what this connector's runs recorded "
    "in the destination billed this month (UTC).",
)
@click.option(
    "--share",
    type=click.FloatRange(0, 1),
    help="This connector's share of --entitlement (0-1; default 1).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Tell, per object, the records and API transactions the run would take (one "
    "batched count request); read nothing, write nothing.",
)
@click.option(
    "--follow",
    is_flag=True,
    help="After the run, follow the company's change notices (intacct notices serve "
    "receives them): each burst is read incrementally within seconds, every object again "
    "every --safety-minutes. Ctrl-C stops.",
)
@click.option(
    "--snapshot",
    help="A DuckDB file to publish a copy of --db in after each run that stored a page (one "
    "rename: readers see the last run's data or the new one), for readers that keep a "
    "connection open; default: the profile's snapshot, else none.",
)
@notices_option
@click.option(
    "--safety-minutes",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="With --follow: the whole incremental read this often, whatever the notices said.",
)
@click.pass_context
@stop_on_signals(
    "Stopped at once: the database keeps every page stored before (a page being written "
    "was not committed). Run intacct sync again to go on from there."
)
def sync(
    ctx: click.Context,
    profile: str | None,
    objects: str | None,
    db_path: str | None,
    full_refresh: bool,
    api: str | None,
    entities: str | None,
    unified: bool,
    layout: str | None,
    history: bool | None,
    budget: int | None,
    entitlement: int | None,
    share: float | None,
    dry_run: bool,
    follow: bool,
    snapshot: str | None,
    notices_path: str | None,
    safety_minutes: float,
) -> None:
    """Extract Intacct objects into a DuckDB database or a Postgres schema, incrementally
    (the main job)."""
    verbosity, log_format = log_choice(ctx)
    _check_options(ctx, follow, dry_run)
    if follow and configured_connection(profile) is None:
        raise click.UsageError(NOTHING_TO_FOLLOW)
    given, db_path = db_path, db_path or DEFAULT_DB
    config: dict[str, Any] = {}
    try:
        with warnings_shown_by(_say_warning), open_connection(profile, announce=say) as connection:
            config = dict(connection.config)
            # --db wins over the profile's (or INTACCT_DESTINATION's) destination
            db_path = given or config.pop(DESTINATION, None) or DEFAULT_DB
            config.pop(DESTINATION, None)
            config.pop(SMART_EVENT_TOKEN, None)  # the receiver's (intacct notices serve)
            if entities:
                config["entity_ids"] = entities
            if api:
                config["api"] = api
            # settled here, once: the profile's page size and concurrency too
            client_config = ClientConfig.from_mapping(
                config, allow=ReplicationSettings.KEYS | SyncSettings.KEYS
            )
            settings = SyncSettings.from_mapping(
                config, client_config, objects=_names(objects), full_refresh=full_refresh,
                unified=unified, layout=layout, snapshot=snapshot, history=history,
                metadata_cache=Path(platformdirs.user_cache_dir("intacct-connector")),
            )  # fmt: skip
            in_flight = InFlight()
            if share is not None and entitlement is None:
                raise ConfigError("share", "--share is a share of --entitlement; give both")
            if entitlement is not None and not dry_run:
                monthly = monthly_budget(db_path, Entitlement(entitlement, share or 1.0))
                say(f"Budget: {monthly.describe()}.")
                budget = run_budget(budget, monthly)
            oauth = connection.oauth(client_config)
            with (
                IntacctClient(
                    client_config, in_flight=in_flight, budget=budget, oauth=oauth
                ) as client,
                # a live display on a terminal shows the run is alive; a log gets a line
                wait_notice(in_flight, after_s=NOTICE_S, live=False),
            ):
                if dry_run:
                    show_estimate(estimate_sync(client, db_path, settings), describe(db_path))
                    return
                report = _run(client, db_path, verbosity, log_format, settings)
                if follow:
                    _finish(
                        report, describe(db_path), log_format, str(config.get("user_id")), profile
                    )
                    following = Following(db_path, queue_path(notices_path), safety_minutes * 60)
                    _follow(client, settings, str(config.get("company_id")), following)
                    return
    except IntacctError as exc:
        mistake, hint = _usage_mistake(exc, ctx), failure_hint(exc, config, profile)
        if mistake is not None:
            raise click.UsageError(f"{mistake.rstrip('.')}. {hint}" if hint else mistake) from None
        said = one_line(exc)
        raise click.ClickException(f"{said.rstrip('.')}. {hint}" if hint else said) from None
    except DestinationError as exc:
        raise click.ClickException(str(exc)) from None
    except SyncInterrupted as exc:
        _interrupted(exc, describe(db_path), None if exc.report.removed else _kept(exc.report))
    except KeyboardInterrupt as exc:  # before the run began: nothing was stored
        _interrupted(exc, describe(db_path), None)
    where = describe(db_path) + _quoting(db_path)
    _finish(report, where, log_format, str(config.get("user_id")), profile)


log_options(sync)


def _check_options(ctx: click.Context, follow: bool, dry_run: bool) -> None:
    """Options that do not go with the others given are refused (exit status 2):
    ignored, they would look applied."""
    if follow and dry_run:
        raise click.UsageError("--follow reads and writes; --dry-run neither: give one of them")
    if not follow:
        for name in _FOLLOWING:
            if ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT):
                flag = next(o for p in ctx.command.params if p.name == name for o in p.opts)
                raise click.UsageError(f"{flag} goes with --follow")


def _usage_mistake(exc: IntacctError, ctx: click.Context) -> str | None:
    """A ConfigError about an option, said of the option: one of :data:`_OPTIONS`, or
    the one that gave the key its value (--entities, --api; --api rest without the
    OAuth app's client_id)."""
    if not isinstance(exc, ConfigError):
        return None
    option = _OPTIONS.get(exc.key)
    parameter = _SET_BY.get(exc.key)
    if parameter and ctx.params.get(parameter):
        option = f"--{parameter}"
    return None if option is None else f"{option}: {exc.problem}"


def _say_warning(text: str) -> None:
    """A library's warning outside the run's live lines, as a line of the command's."""
    say(f"warning: {text}", logging.WARNING)


def _names(objects: str | None) -> list[str] | None:
    """``--objects``' comma list."""
    return [o.strip() for o in objects.split(",") if o.strip()] if objects else None


def _run(
    client: IntacctClient,
    db_path: str,
    verbosity: int,
    log_format: str,
    settings: SyncSettings,
) -> SyncReport:
    reporter: PlainReporter | RichReporter | LogReporter
    if verbosity < 0:
        reporter = QuietReporter()
    elif log_format == "json":
        reporter = LogReporter()
    else:
        reporter = reporter_for(sys.stderr)
    if isinstance(reporter, RichReporter):
        reporter.requests_sent = lambda: client.requests_sent
    try:
        with warnings_shown_by(lambda text: reporter.warning("", text)):
            report = run_sync(client, db_path, reporter, settings)
    except KeyboardInterrupt:  # SyncInterrupted too: the live lines must not say done
        reporter.stop("interrupted")
        raise
    except BaseException:
        reporter.stop("failed")
        raise
    reporter.stop()
    return report


@dataclass(frozen=True, slots=True)
class Following:
    """Where ``--follow`` writes, which queue it reads, how often it reads everything."""

    db_path: str
    queue: Path
    safety_s: float


def _follow(
    client: IntacctClient, settings: SyncSettings, company: str, where: Following
) -> NoReturn:
    """Read what the notices announce until Ctrl-C or SIGTERM (exit 130 or 143)."""
    stop = threading.Event()

    def run(objects: tuple[str, ...] | None) -> SyncReport:
        chosen = settings if objects is None else replace(settings, objects=objects)
        return run_sync(client, where.db_path, QuietReporter(), chosen)

    selected = None if settings.objects == ("all",) else settings.objects or DEFAULT_OBJECTS
    with NoticeQueue(where.queue) as queue:
        say(f"Following {company}'s notices in {where.queue} (Ctrl-C stops).")
        follower = Follower(
            queue, company, selected, run, FollowSettings(safety_every_s=where.safety_s),
            stop=stop, said=say,
        )  # fmt: skip
        try:
            follower.follow()
        except KeyboardInterrupt as exc:
            say(
                f"Stopped following after {follower.runs} run(s): every run's pages are "
                f"stored in {describe(where.db_path)}; notices not yet read stay queued.",
                logging.WARNING,
            )
            sys.exit(exit_status(exc))
    raise AssertionError("follow() returns only when stopped")  # pragma: no cover


def _kept(report: SyncReport) -> str:
    """What this run stored: its pages, and the records in them (a full refresh's
    unchanged ones too)."""
    pages = sum(o.pages for o in report.objects)
    if not pages:
        return "no page of this run"
    stored = counted(sum(o.stored for o in report.objects), "record")
    objects = counted(sum(1 for o in report.objects if o.pages), "object")
    return f"{stored} in {counted(pages, 'whole page')} of {objects}"


def _interrupted(exc: KeyboardInterrupt, db_path: str, kept: str | None) -> NoReturn:
    """One line on stderr, exit 130 (Ctrl-C) or 143 (SIGTERM); no summary. ``kept``
    None: the run wrote nothing (it stopped before its first page)."""
    name = signal_of(exc).name
    if kept is None:
        said = f"Interrupted ({name}) before a page was stored: nothing was written to {db_path}."
    else:
        said = (
            f"Interrupted ({name}): {db_path} keeps what was stored before ({kept}); the run "
            "is recorded as interrupted in _intacct_runs. Run intacct sync again to go on "
            "from there."
        )
    say(said, logging.WARNING)
    sys.exit(exit_status(exc))


def _quoting(db_path: str) -> str:
    """How to name a Postgres table in SQL: Intacct's upper-case names, quoted (unquoted,
    Postgres folds ``intacct.GLENTRY`` to ``intacct.glentry``, which does not exist)."""
    if not is_postgres(db_path):
        return ""
    schema = split_url(db_path)[1]
    example = f'SELECT count(*) FROM {schema}."GLENTRY"'  # noqa: S608 (a line to read)
    return f"; tables keep Intacct's upper-case names, quoted: {example}"


def _finish(report: SyncReport, db_path: str, fmt: str, user: str, profile: str | None) -> None:
    show_table(summary_table(report))
    if fmt == "json":
        logging.getLogger(PROGRESS).info(
            "sync finished",
            extra={"fields": {
                "requests": report.requests, "transactions": report.transactions,
                "question": report.question, "seconds": round(report.seconds, 3),
                "objects": [vars_of(o) for o in report.objects],
            }},
        )  # fmt: skip
    if report.unified:
        tables = ", ".join(f"{name} ({rows:,})" for name, rows in report.unified.items())
        say(f"Unified tables: {tables}")
    if report.layout is not None:
        _say_layout(report)
    if report.layout_dropped:
        say(f"Fivetran layout dropped: {', '.join(report.layout_dropped)}")
    if report.columns_added:
        added = "; ".join(f"{o}: {', '.join(c)}" for o, c in report.columns_added.items())
        say(f"New columns: {added}")
    if report.budget:
        say(
            f"Stopped: {report.budget}. Every page stored before stays; intacct sync goes "
            "on from there next time.",
            logging.ERROR,
        )
    if report.failed:
        for failed in report.failed:
            say(f"{failed.object} failed: {failed.error}", logging.ERROR)
        names = ", ".join(o.object for o in report.failed)
        say(f"{counted(len(report.failed), 'object')} failed: {names}", logging.ERROR)
        denied = [o.object for o in report.failed if o.denied]
        if denied:
            say(permission_hint(denied, user, profile), logging.ERROR)
    if report.failed or report.budget:
        sys.exit(1)
    say(f"Done: {db_path}")


def _say_layout(report: SyncReport) -> None:
    layout = report.layout
    assert layout is not None
    views = ", ".join(f"{name} ({rows:,})" for name, rows in layout.views.items())
    say(f"Fivetran layout, schema {SCHEMA}: {views}")
    for name, why in layout.missing.items():
        say(f"  no {SCHEMA}.{name}: {why}")
    if layout.history:
        kept = ", ".join(f"{name} ({rows:,})" for name, rows in layout.history.items())
        say(f"  history mode, schema {HISTORY_SCHEMA}: {kept}")
    if layout.not_read:
        say(
            f"  not read this run (--objects named others; a run without --objects reads "
            f"them): {', '.join(layout.not_read)}"
        )
