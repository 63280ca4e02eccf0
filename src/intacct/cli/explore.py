"""``intacct objects``, ``intacct describe OBJECT`` and ``intacct query OBJECT``: a look
at a company from the shell, through the same connection as every command."""

from __future__ import annotations

import csv
import itertools
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

from intacct.cli.connection import interactive_client, profile_option
from intacct.client import IntacctClient
from intacct.metadata import ObjectModel
from intacct.protocol import functions as fn

__all__ = ["describe", "objects", "query"]


@contextmanager
def _client(profile: str | None) -> Iterator[IntacctClient]:
    with interactive_client(profile, announce=_note) as client:
        yield client


@click.command()
@profile_option
def objects(profile: str | None) -> None:
    """The company's objects: name and label (one `inspect` of '*')."""
    with _client(profile) as client:
        found = []
        for record in client.call(fn.Inspect("*")).records:
            name = record.attributes.get("typename", "")
            if record.tag == "type" and name:
                found.append((name, (record.text or "").strip()))
    _table(["Object", "Label"], sorted(found))
    _note(f"{len(found)} objects")


@click.command()
@profile_option
@click.argument("object_name", metavar="OBJECT")
def describe(profile: str | None, object_name: str) -> None:
    """OBJECT's fields (type, required, read-only, valid values) and relationships."""
    with _client(profile) as client:
        model = client.lookup(object_name.upper())
    _describe(model)


def _describe(model: ObjectModel) -> None:
    title = f"{model.name}: {model.label}" if model.label else model.name
    click.echo(title)
    rows = [
        (
            f.name,
            f.data_type or f.type,
            "yes" if f.required else "",
            "yes" if f.read_only else "",
            ", ".join(f.valid_values),
        )
        for f in model.fields
    ]
    _table(["Field", "Type", "Required", "Read-only", "Valid values"], rows)
    if model.relationships:
        click.echo("Relationships")
        related = [(r.path, r.object_name, r.type, r.related_by) for r in model.relationships]
        _table(["Path", "Object", "Type", "Related by"], related)


@click.command()
@profile_option
@click.argument("object_name", metavar="OBJECT")
@click.option("--fields", help="Comma-separated fields; default: every field ('*').")
@click.option("--where", default="", help="A readByQuery condition, e.g. \"STATUS = 'T'\".")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    help="At most this many records (0: every record); no page beyond it is read.",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
def query(
    profile: str | None,
    object_name: str,
    fields: str | None,
    where: str,
    limit: int,
    output: str,
) -> None:
    """OBJECT's records (readByQuery, then readMore while more are wanted)."""
    name = object_name.upper()
    chosen = [f.strip() for f in fields.split(",") if f.strip()] if fields else []
    with _client(profile) as client:
        model = client.lookup(name)
        formatting = client.user_formatting()
        pagesize = min(limit, 1000) if limit else None
        records: Iterable[Mapping[str, str]] = client.iter_read_by_query(
            name, where, chosen or "*", pagesize=pagesize
        )
        if limit:
            records = itertools.islice(records, limit)
        rows = (model.decode(record, formatting) for record in records)
        # json and csv are written as the pages come (an export of every record need not
        # fit in memory); a table needs every row to size its columns
        if output == "json":
            _json(rows)
        elif output == "csv":
            _csv(chosen, rows)
        else:
            kept = list(rows)
            columns = chosen or list(dict.fromkeys(k for row in kept for k in row))
            _table(columns, [[_text(row.get(c)) for c in columns] for row in kept])
            _note(f"{len(kept)} records")


# -- output -------------------------------------------------------------------------------


def _table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """A rich table on a terminal; off one (a pipe, a file) plain ASCII, never wrapped."""
    console = Console()
    terminal = console.is_terminal
    if not terminal:
        console = Console(width=100_000, no_color=True)
    table = Table(box=box.SIMPLE_HEAD if terminal else box.ASCII, show_edge=terminal)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table, soft_wrap=not terminal)


def _csv(chosen: Sequence[str], rows: Iterator[Mapping[str, Any]]) -> None:
    """A header row (the chosen fields, else the first record's: readByQuery of '*'
    answers the same fields for every record), then a row per record."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    first = next(rows, None)
    columns = list(chosen) or (list(first) if first is not None else [])
    writer.writerow(columns)
    for row in itertools.chain([first] if first is not None else [], rows):
        writer.writerow([_text(row.get(c)) for c in columns])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return str(value)


def _json(rows: Iterator[Mapping[str, Any]]) -> None:
    """One JSON array, a record a line; Decimals written as the exact numbers they are
    (``json`` would go through float)."""
    out = sys.stdout
    out.write("[")
    for index, row in enumerate(rows):
        out.write((",\n" if index else "") + _json_value(row))
    out.write("]\n")


def _json_value(value: Any) -> str:
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(k))}: {_json_value(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_json_value(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else "null"
    if isinstance(value, date | datetime | time):
        return json.dumps(value.isoformat())
    return json.dumps(value)


def _note(text: str) -> None:
    click.echo(text, err=True)
