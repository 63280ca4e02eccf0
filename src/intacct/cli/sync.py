"""``intacct sync``: every selected object into a DuckDB file, incrementally."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from intacct.cli.connection import open_connection, profile_option
from intacct.client import IntacctClient
from intacct.errors import IntacctError
from intacct.replication import ReplicationSettings
from intacct.sync import SyncDatabaseError, SyncReport, run_sync
from intacct.sync.display import RichReporter, reporter_for, summary_table
from intacct.sync.fivetran import LAYOUTS, SCHEMA

__all__ = ["sync"]


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
    default="intacct.duckdb",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The DuckDB file (created if missing).",
)
@click.option("--full-refresh", is_flag=True, help="Read the objects whole again.")
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
    "views in schema sage_intacct, for Fivetran's dbt_sage_intacct package; remembered by "
    "the database for later runs. 'none': drop them.",
)
def sync(
    profile: str | None,
    objects: str | None,
    db_path: Path,
    full_refresh: bool,
    entities: str | None,
    unified: bool,
    layout: str | None,
) -> None:
    """Extract Intacct objects into a DuckDB database, incrementally (the main job)."""
    err = Console(stderr=True)
    try:
        with open_connection(profile, announce=lambda text: err.print(text)) as connection:
            config = dict(connection.config)
            if entities:
                config["entity_ids"] = entities
            settings = {k: config.pop(k) for k in list(config) if k in ReplicationSettings.KEYS}
            reporter = reporter_for(sys.stderr)
            with IntacctClient.from_mapping(config) as client:
                if isinstance(reporter, RichReporter):
                    reporter.requests_sent = lambda: client.requests_sent
                try:
                    report = run_sync(
                        client,
                        db_path,
                        reporter,
                        objects=[o.strip() for o in objects.split(",") if o.strip()]
                        if objects
                        else None,
                        full_refresh=full_refresh,
                        settings=settings,
                        unified=unified,
                        layout=layout.lower() if layout else None,
                    )
                finally:
                    reporter.stop()
    except (IntacctError, SyncDatabaseError) as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        err.print(
            f"Interrupted: {db_path} holds every page stored so far; "
            "run intacct sync again to go on from there."
        )
        sys.exit(130)
    _finish(report, db_path)


def _finish(report: SyncReport, db_path: Path) -> None:
    out = Console()
    if not out.is_terminal:
        out = Console(width=160)  # a pipe or a log: no wrapping of the table
    out.print(summary_table(report))
    if report.unified:
        tables = ", ".join(f"{name} ({rows:,})" for name, rows in report.unified.items())
        click.echo(f"Unified tables: {tables}", err=True)
    if report.layout is not None:
        _say_layout(report)
    if report.layout_dropped:
        click.echo(f"Fivetran layout dropped: {', '.join(report.layout_dropped)}", err=True)
    if report.columns_added:
        added = "; ".join(f"{o}: {', '.join(c)}" for o, c in report.columns_added.items())
        click.echo(f"New columns: {added}", err=True)
    if report.failed:
        names = ", ".join(o.object for o in report.failed)
        click.echo(f"{len(report.failed)} object(s) failed: {names}", err=True)
        sys.exit(1)
    click.echo(f"Done: {db_path}", err=True)


def _say_layout(report: SyncReport) -> None:
    layout = report.layout
    assert layout is not None
    views = ", ".join(f"{name} ({rows:,})" for name, rows in layout.views.items())
    click.echo(f"Fivetran layout, schema {SCHEMA}: {views}", err=True)
    for name, why in layout.missing.items():
        click.echo(f"  no {SCHEMA}.{name}: {why}", err=True)
