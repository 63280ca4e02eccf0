"""``intacct state``: where each object of a destination stands, and forgetting it.

``show`` reads the run state ``intacct sync`` stored with its last page (opened
read-only: it works while nothing else writes, and changes nothing); ``reset`` forgets
the state of some objects (or all), so that the next run reads them whole again. Rows
already stored stay: the re-read upserts them, so nothing is duplicated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from intacct.cli.usage import Group
from intacct.client.pagination import PageToken
from intacct.destinations import DestinationError, describe, open_destination, saved_state
from intacct.errors import IntacctError
from intacct.logging import counted
from intacct.replication import RunState
from intacct.sync.job import forget_objects

__all__ = ["state"]

_DB = click.option(
    "--db",
    "db_path",
    default="intacct.duckdb",
    show_default=True,
    help="The DuckDB file or postgresql:// URL intacct sync writes.",
)
_OBJECTS = click.option("--objects", help="Comma-separated objects (VENDOR,APBILL,...).")


@click.group(cls=Group)
def state() -> None:
    """Show or reset where intacct sync goes on from, per object and entity."""


@state.command()
@_DB
@_OBJECTS
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def show(db_path: str, objects: str | None, fmt: str) -> None:
    """Per object and entity: read up to which change, first read's progress, deletes."""
    saved = _saved(db_path)
    streams = _selected(saved, objects)
    if fmt == "json":
        click.echo(json.dumps({**saved, "streams": streams}, indent=2, sort_keys=True))
        return
    table = Table("object", "entity", "read up to (UTC)", "first read", "deletes from (UTC)")
    for column in table.columns:
        column.no_wrap = True
    for name, by_entity in sorted(streams.items()):
        for entity, stream in sorted(by_entity.items()):
            table.add_row(name, entity or "(top level)", *_describe(stream))
    out = Console()
    Console(width=max(out.width, 120) if not out.is_terminal else None).print(table)


@state.command()
@_DB
@_OBJECTS
@click.option("--all", "everything", is_flag=True, help="Forget every object's state.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reset(db_path: str, objects: str | None, everything: bool, yes: bool) -> None:
    """Forget the state of --objects (or --all): the next run reads them whole again;
    the rows stored stay and are upserted, never duplicated."""
    if bool(objects) == everything:
        raise click.UsageError("say which state to forget: --objects A,B or --all")
    saved = _saved(db_path)
    names = sorted(saved["streams"]) if everything else sorted(_selected(saved, objects))
    if not yes:
        click.confirm(
            f"Forget the state of {', '.join(names)} in {describe(db_path)}? The next intacct sync "
            "reads them whole again (API transactions)",
            abort=True,
        )
    try:
        database = open_destination(db_path)
        try:
            database.save_state(forget_objects(saved, names))
        finally:
            database.close()
    except DestinationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Forgot the state of {counted(len(names), 'object')}: {', '.join(names)}.")


def _saved(db_path: str) -> dict[str, Any]:
    """The stored state, checked; a clear error when there is none."""
    try:
        saved = saved_state(db_path)
        RunState.from_dict(saved)
    except (DestinationError, IntacctError) as exc:
        raise click.ClickException(str(exc)) from None
    if not saved or not saved.get("streams"):
        raise click.ClickException(
            f"{describe(db_path)} has no sync state yet (run intacct sync first)"
        )
    return dict(saved)


def _selected(saved: Mapping[str, Any], objects: str | None) -> dict[str, Any]:
    """The state's streams for ``objects`` (every one when None); an object the state
    does not have is an error naming the ones it has."""
    streams: dict[str, Any] = saved["streams"]
    if not objects:
        return dict(streams)
    by_upper = {name.upper(): name for name in streams}
    wanted = [o.strip().upper() for o in objects.split(",") if o.strip()]
    missing = [o for o in wanted if o not in by_upper]
    if missing:
        raise click.ClickException(
            f"no state for {', '.join(missing)}; the state has {', '.join(sorted(streams))}"
        )
    return {by_upper[o]: streams[by_upper[o]] for o in wanted}


def _describe(stream: Mapping[str, Any]) -> Sequence[str]:
    """One stream's row: its bookmark, its first read's ranges, its deletes bookmark."""
    token = stream.get("token")
    if token:
        parsed = PageToken.parse(token)
        when = parsed.modified.strftime("%Y-%m-%d %H:%M:%S") if parsed.modified else "-"
        upto = f"{when} #{parsed.recordno}"
    elif stream.get("month"):
        upto = f"month {stream['month']}"
    else:
        upto = "-"
    ranges = stream.get("ranges")
    if ranges:
        first = f"{sum(r['done'] for r in ranges)}/{len(ranges)} ranges"
    elif stream.get("complete"):
        first = "whole table, done"
    else:
        first = "done" if token or stream.get("month") else "not started"
    deletes = (stream.get("deletes") or {}).get("ACCESSTIME", "-")
    return upto, first, deletes[:19].replace("T", " ")
