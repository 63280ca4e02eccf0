"""``intacct objects``, ``intacct describe OBJECT`` and ``intacct query OBJECT``: a look
at a company from the shell, through the same connection as every command."""

from __future__ import annotations

import csv
import difflib
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar

import click
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from intacct.cli.connection import interactive_client, profile_option
from intacct.cli.fields import MAX_WIDTH, candidates, fitting
from intacct.cli.rest_explore import (
    RestOnly,
    chosen_fields,
    find,
    rest_filters,
    rest_only_of,
    rest_rows,
)
from intacct.cli.where import for_read_by_query, named_fields
from intacct.client import IntacctClient
from intacct.client.metadata import FieldModel, ObjectModel
from intacct.client.registry import ObjectRegistry
from intacct.config.parsers import parse_timestamp
from intacct.destinations import DestinationError
from intacct.destinations.books import trial_balance_as_of
from intacct.destinations.reading import stored_rows
from intacct.errors import ConfigError, ValidationError, near_misses
from intacct.logging import counted
from intacct.protocol import functions as fn
from intacct.replication.streams.trialbalance import TRIAL_BALANCE

__all__ = ["describe", "objects", "query"]

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def _client(profile: str | None) -> Iterator[IntacctClient]:
    with interactive_client(profile, announce=_note) as client:
        yield client


def _format_option(*choices: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "output",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help="table for people; json for programs (one document on standard output).",
    )


@click.command()
@profile_option
@_format_option("table", "json")
def objects(profile: str | None, output: str) -> None:
    """The company's objects: name, label and the API serving it (one `inspect` of '*';
    with the OAuth app, also the objects only the REST API has, from its model service)."""
    with _client(profile) as client:
        found = []
        for record in client.call(fn.Inspect("*")).records:
            name = record.attributes.get("typename", "")
            if record.tag == "type" and name:
                found.append((name, (record.text or "").strip(), "xml"))
        rest = rest_only_of(ObjectRegistry(client))
        speaks_rest = client.speaks_rest
    found.sort()
    found += sorted((name, o.target.label, "rest") for name, o in rest.items())
    if output == "json":
        click.echo(
            json.dumps([{"object": n, "label": label, "api": api} for n, label, api in found])
        )
        return
    _table(["Object", "Label", "API"], found)
    _note(counted(len(found), "object"))
    if not speaks_rest:
        _note("Objects only the REST API has are listed with an OAuth app (client_id).")


@click.command()
@profile_option
@click.argument("object_name", metavar="OBJECT")
@_format_option("table", "json")
def describe(profile: str | None, object_name: str, output: str) -> None:
    """OBJECT's fields (type, required, read-only, valid values) and relationships."""
    with _client(profile) as client:
        model = _lookup(client, object_name)
    if isinstance(model, RestOnly):
        _describe_rest(model, output)
        return
    if output == "json":
        click.echo(json.dumps(_model_json(model), indent=2))
        return
    _describe(model)


def _describe_rest(found: RestOnly, output: str) -> None:
    """An object only REST has: its columns as ``intacct sync`` stores them (a dot path
    for a group's member), REST's types and enums."""
    target = found.target
    fields: list[dict[str, Any]] = [
        {
            "name": f.column, "path": f.name, "type": f.type, "format": f.format,
            "required": f.required, "read_only": f.read_only, "valid_values": list(f.enum),
            "references": f.ref,
        }
        for f in found.fields
    ]  # fmt: skip
    if output == "json":
        described = {"object": found.name, "path": target.path, "api": "rest",
                     "label": target.label, "fields": fields, "relationships": []}  # fmt: skip
        click.echo(json.dumps(described, indent=2))
        return
    click.echo(f"{found.name}: {target.label} (REST {target.path}, no XML object)")
    rows = [
        (
            str(f["name"]),
            str(f["type"]) + (f" ({f['format']})" if f["format"] else ""),
            "yes" if f["required"] else "",
            "yes" if f["read_only"] else "",
            ", ".join(str(v) for v in f["valid_values"] if v is not None),
        )
        for f in fields
    ]
    _table(["Field", "Type", "Required", "Read-only", "Valid values"], rows)


def _model_json(model: ObjectModel) -> dict[str, Any]:
    """Everything lookup said: fields with their Intacct type and the JSON Schema
    type they are read as, relationships."""
    return {
        "object": model.name,
        "label": model.label,
        "fields": [
            {
                "name": f.name, "label": f.label, "data_type": f.data_type, "type": f.type,
                "required": f.required, "read_only": f.read_only, "custom": f.custom,
                "max_length": f.max_length, "valid_values": list(f.valid_values),
                "description": f.description,
            }
            for f in model.fields
        ],
        "relationships": [
            {"path": r.path, "object": r.object_name, "label": r.label, "type": r.type,
             "related_by": r.related_by}
            for r in model.relationships
        ],
    }  # fmt: skip


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
@click.option(
    "--where",
    default="",
    help="A readByQuery condition, e.g. \"STATUS = 'active'\" (sent as the stored code, "
    "'T') or \"TOTALDUE > 100\"; with --db, SQL of that database.",
)
@click.option(
    "--db",
    "db_path",
    help="Read the table intacct sync stored there (a DuckDB file or a postgresql:// URL) "
    "instead of Intacct: a moment's read-only connection, so a follower or a schedule "
    "writing it goes on.",
)
@click.option(
    "--as-of",
    "as_of",
    help="With --db: the records as they stood at this moment (ISO 8601; without an offset, "
    "UTC), from the history intacct sync --history keeps; TRIALBALANCE: the books as they "
    "stood, month by month, from GLDETAIL's history.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    help="At most this many records (0: every record); no page beyond it is read.",
)
@_format_option("table", "json", "csv")
@click.option(
    "--vertical",
    is_flag=True,
    help="Each record as 'FIELD  value' lines (every field unless --fields).",
)
def query(
    profile: str | None,
    object_name: str,
    fields: str | None,
    where: str,
    limit: int,
    db_path: str | None,
    as_of: str | None,
    output: str,
    vertical: bool,
) -> None:
    """OBJECT's records (readByQuery, then readMore while more are wanted), or with --db
    the rows intacct sync stored (with --as-of, as they stood at a moment). On a terminal
    without --fields, the fields that tell most, as many as fit its width."""
    name = object_name.upper()
    chosen = [f.strip() for f in fields.split(",") if f.strip()] if fields else []
    screen = output == "table" and not vertical and not chosen and Console().is_terminal
    if as_of and not db_path:
        raise click.UsageError("--as-of reads the history intacct sync stored: give --db too")
    if db_path:
        try:
            moment = parse_timestamp("--as-of", as_of) if as_of else None
        except ConfigError as exc:  # a usage error: exit 2, one line
            raise click.BadParameter(exc.problem, param_hint="--as-of") from None
        _stored(db_path, object_name, chosen, where, limit, output, vertical, screen, moment)
        return
    with _client(profile) as client:
        model = _lookup(client, object_name)
        if isinstance(model, RestOnly):
            rows, columns = _rest_read(client, model, chosen, where, limit)
            _output(output, rows, chosen or columns, columns, vertical, screen, len(columns))
            return
        condition = for_read_by_query(where, model)
        for text in condition.notes:
            _note(text)
        formatting = client.user_formatting()
        pagesize = min(limit, 1000) if limit else None
        asked = candidates(model) if screen else chosen
        records: Iterable[Mapping[str, str]] = client.iter_read_by_query(
            name, condition.condition, asked or "*", pagesize=pagesize
        )
        if limit:
            records = itertools.islice(records, limit)
        rows = (model.decode(record, formatting) for record in records)
        try:
            count = _output(output, rows, chosen, asked, vertical, screen, len(model.fields))
        except ValidationError:
            unknown = _unknown_fields(model, [*asked, *named_fields(where)])
            if unknown is None:
                raise
            raise click.ClickException(unknown) from None
    if not count and condition.display_values:
        _note(_display_value_hint(name, condition.display_values))


def _stored(
    db_path: str,
    name: str,
    chosen: Sequence[str],
    where: str,
    limit: int,
    output: str,
    vertical: bool,
    screen: bool,
    as_of: datetime | None,
) -> None:
    """The rows stored in ``db_path``'s table of ``name`` (``as_of``: its history's
    versions valid then), shown as records are."""
    try:
        if as_of is not None and name.upper() == TRIAL_BALANCE:  # from the ledger's history
            found = trial_balance_as_of(db_path, as_of, fields=chosen, condition=where, limit=limit)
        else:
            found = stored_rows(
                db_path, name, fields=chosen, condition=where, limit=limit, as_of=as_of
            )
    except DestinationError as exc:
        raise click.ClickException(str(exc)) from None
    columns = found.columns
    _output(output, found.records(), columns, columns, vertical, screen, len(columns))


def _rest_read(
    client: IntacctClient, found: RestOnly, chosen: Sequence[str], where: str, limit: int
) -> tuple[Iterator[dict[str, Any]], list[str]]:
    """An object only REST has, read through the query service (:mod:`.rest_explore`):
    its rows as they come, and their columns."""
    try:
        fields = chosen_fields(found, chosen)
        filters = rest_filters(where, found)
    except ConfigError as exc:
        raise click.BadParameter(exc.problem, param_hint=exc.key) from None
    return rest_rows(client, found, fields, filters, limit), [f.column for f in fields]


def _lookup(client: IntacctClient, asked: str) -> ObjectModel | RestOnly:
    """OBJECT's model, or the object only REST has of that name (or path); an object the
    company does not have is one line with its near misses (the object lists are asked
    for only then)."""
    name, registry = asked.upper(), ObjectRegistry(client)
    if "/" not in asked:  # a REST path is no XML object name
        try:
            return client.lookup(name)
        except ValidationError:
            if name in registry.objects():
                raise
    rest = rest_only_of(registry)
    found = find(rest, asked)
    if found is not None:
        return found
    near = difflib.get_close_matches(name, registry.objects(), n=3)
    if len(near) < 3:
        near += difflib.get_close_matches(asked.lower(), list(rest), n=3 - len(near))
    hint = f"; did you mean {', '.join(near)}?" if near else "."
    shown = asked if "/" in asked else name
    said = f"The company has no object {shown}{hint} `intacct objects` lists its objects."
    raise click.ClickException(said)


def _unknown_fields(model: ObjectModel, names: Sequence[str]) -> str | None:
    """What to say of the names ``model`` has no field for (with near misses), pointing
    at ``intacct describe`` (Intacct's own text names its lookup function); None if
    every name is a field."""
    known = {f.name.upper(): f.name for f in model.fields}
    missing = [n for n in dict.fromkeys(names) if n.upper() not in known]
    if not missing:
        return None
    said = near_misses(missing, known)
    fields = "field" if len(said) == 1 else "fields"
    return (
        f"{model.name} has no {fields} {', '.join(said)}: `intacct describe {model.name}` "
        "lists its fields."
    )


# -- output -------------------------------------------------------------------------------


def _output(
    output: str,
    rows: Iterator[Mapping[str, Any]],
    chosen: Sequence[str],
    asked: Sequence[str],
    vertical: bool,
    screen: bool,
    fields: int,
) -> int:
    """The records in ``output``'s format; returns how many. json and csv are written
    as the pages come (an export of every record need not fit in memory); a table needs
    every row to size its columns."""
    if output == "json":
        return _json(rows)
    if output == "csv":
        return _csv(chosen, rows)
    return _show(rows, asked, vertical, screen, fields)


def _cut_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> Table:
    """A record a line, long values cut with …, no edges: what a terminal shows."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    for column in columns:
        width = max(MAX_WIDTH, len(column))
        table.add_column(column, overflow="ellipsis", no_wrap=True, max_width=width)
    for row in rows:
        table.add_row(*row)
    return table


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


def _show(
    rows: Iterator[Mapping[str, Any]],
    chosen: Sequence[str],
    vertical: bool,
    screen: bool,
    fields: int,
) -> int:
    """A table (on a terminal without --fields: the columns that fit) or, vertical,
    a block per record; the count on standard error. Returns the records shown."""
    kept = [{k: _text(v) for k, v in row.items()} for row in rows]
    columns = list(chosen) or list(dict.fromkeys(k for row in kept for k in row))
    if vertical:
        _vertical(columns, kept)
    elif screen:
        console = Console()

        def measure(names: Sequence[str]) -> int:
            table = _cut_table(names, [[row.get(c, "") for c in names] for row in kept])
            wide = console.options.update(max_width=100_000)  # its own width, not the screen's
            return Measurement.get(console, wide, table).maximum

        shown = fitting(columns, kept, console.width, measure)
        console.print(_cut_table(shown, [[row.get(c, "") for c in shown] for row in kept]))
        _note(
            f"{counted(len(kept), 'record')}; {len(shown)} of {counted(fields, 'field')} shown "
            "(--fields to choose, --vertical for all)"
        )
        return len(kept)
    else:
        _table(columns, [[row.get(c, "") for c in columns] for row in kept])
    _note(counted(len(kept), "record"))
    return len(kept)


def _vertical(columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> None:
    width = max(map(len, columns), default=0)
    for index, row in enumerate(rows, 1):
        click.echo(f"-[ record {index} ]" + "-" * max(0, width - 8))
        for column in columns:
            click.echo(f"{column:<{width}}  {row.get(column, '')}")


def _display_value_hint(name: str, compared: Sequence[tuple[FieldModel, str]]) -> str:
    """Why nothing matched: the values ``describe`` lists (lookup's) are not the codes
    readByQuery compares, which lookup does not give."""
    matched = "; ".join(f"{spec.name} = '{value}'" for spec, value in compared)
    fields = list(dict.fromkeys(spec for spec, _ in compared))
    shown = "; ".join(f"{f.name}: {', '.join(f.valid_values)}" for f in fields)
    return (
        f"No record matched {matched}: readByQuery compares "
        f"{', '.join(f.name for f in fields)} by stored codes, and `intacct describe "
        f"{name}` lists the values records show ({shown}), not the codes; use the code "
        f"from Intacct's documentation of {name}, or filter after reading with --format csv."
    )


def _csv(chosen: Sequence[str], rows: Iterator[Mapping[str, Any]]) -> int:
    """A header row (the chosen fields, else the first record's: readByQuery of '*'
    answers the same fields for every record), then a row per record."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    first = next(rows, None)
    columns = list(chosen) or (list(first) if first is not None else [])
    writer.writerow(columns)
    count = 0
    for row in itertools.chain([first] if first is not None else [], rows):
        writer.writerow([_text(row.get(c)) for c in columns])
        count += 1
    return count


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _plain(value)
    return str(value)


def _plain(value: Decimal) -> str:
    """An amount as people write it, exact: without a store's padding (a column of 12
    decimals: ``1803.000000000000`` as ``1803.00``, ``0E-12`` as ``0.00``), never fewer
    than two decimals where it had more; one with two or fewer as it came."""
    exponent = value.as_tuple().exponent
    if not value.is_finite() or not isinstance(exponent, int) or exponent >= -2:
        return str(value)
    shortest = value.normalize().as_tuple().exponent
    assert isinstance(shortest, int)  # finite
    return f"{value:.{max(2, -shortest)}f}"


def _json(rows: Iterator[Mapping[str, Any]]) -> int:
    """One JSON array, a record a line; Decimals written as the exact numbers they are
    (``json`` would go through float)."""
    out = sys.stdout
    out.write("[")
    count = 0
    for count, row in enumerate(rows, 1):
        out.write((",\n" if count > 1 else "") + _json_value(row))
    out.write("]\n")
    return count


def _json_value(value: Any) -> str:
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(k))}: {_json_value(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_json_value(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return _plain(value) if value.is_finite() else "null"
    if isinstance(value, date | datetime | time):
        return json.dumps(value.isoformat())
    return json.dumps(value)


def _note(text: str) -> None:
    click.echo(text, err=True)
