"""What the documented commands wrote, against what the emulator's data implies. Each
function returns the problems it found, one line each (none: the same).

* An object's table (or the tap's stream of it): every field of every live row, by
  count and checksum, per entity session the run read (:mod:`tests.checksums`).
* ``TRIALBALANCE`` (no object: ``get_trialbalance`` month by month): every row, by count
  and checksum, against the emulator's own answers for every month from January of the
  year before last to this one, asked with a request written here (not the client's).
* hotglue's unified tables (``--unified``, the tap's ``unified_schema``): one record per
  live header record (the ids are the headers' RECORDNOs, by checksum, for one-object
  streams); a document's lines are the line object's records under their header (the
  pairs of line and header RECORDNO, by checksum); and ``intacct sync``'s tables hold
  the very records the tap emits (docs/sync.md: "the same records the tap emits").
* Fivetran's views (``--layout fivetran``): one row per record of the object, every
  column the object's field (by count and checksum against the emulator), a column the
  package's type changes (a timestamp shown as a date...) equal to the object table's
  value in that type, the package's columns the company lacks NULL.
"""

from __future__ import annotations

import functools
import json
import re
import ssl
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any
from xml.sax.saxutils import escape

import duckdb
import httpx
from dlt.common.normalizers.naming.snake_case import NamingConvention as SnakeCase
from lxml import etree

from intacct.emulator.app import GATEWAY_PATH
from intacct.emulator.catalog import load_catalog
from intacct.emulator.checksum import canonical, rows_checksum
from intacct.emulator.demo import app_config, client_config
from intacct.emulator.rest.served import served_catalog
from intacct.mappings import mapping_for, unified_schema
from intacct.protocol.rest_catalog import RestObject, rest_catalog
from intacct.replication.streams.rest_only import rest_only_objects, schema_of, stream_names_of
from intacct.sync.fivetran import SCHEMA as FIVETRAN_SCHEMA
from intacct.sync.fivetran import VIEWS
from tests.checksums import EmulatorData, table_problems

_DLT_NAMES = SnakeCase()

__all__ = [
    "DEFAULT_OBJECTS",
    "DELETED_AT",
    "ENTITY_ID",
    "TRIAL_BALANCE",
    "UNIFIED_TABLES",
    "fivetran_problems",
    "left_out",
    "RestAnswer",
    "rest_answer",
    "rest_only_problems",
    "rest_only_tables",
    "through_rest",
    "object_problems",
    "parse_singer",
    "trial_balance_problems",
    "unified_problems",
    "unified_same",
]

DELETED_AT = "_sdc_deleted_at"
ENTITY_ID = "_entity_id"
TRIAL_BALANCE = "TRIALBALANCE"
#: what ``intacct sync`` reads without ``--objects`` and the tap selects by default
#: (docs/tap-and-target.md, "Which streams")
DEFAULT_OBJECTS = (
    "GLACCOUNT", "CLASS", "CHECKINGACCOUNT", "VENDOR", "PROJECT", "DEPARTMENT", "LOCATION",
    "CUSTOMER", "APBILL", "APBILLITEM", "ARINVOICE", "ARINVOICEITEM", "GLBATCH", "GLENTRY",
    TRIAL_BALANCE,
)  # fmt: skip
#: hotglue's unified tables (docs/tap-and-target.md, "Unified accounting tables"; ``Suppliers`` is
#: another name of ``Vendors``)
UNIFIED_TABLES = (
    "Accounts", "BankAccounts", "Classes", "Departments", "Locations", "Projects", "Vendors",
    "Customers", "Items", "Invoices", "Bills", "JournalEntries", "BillPayments",
    "InvoicePayments",
)  # fmt: skip
#: Fivetran's tables, views in schema ``sage_intacct`` (docs/destinations.md, "Fivetran's
#: tables for dbt")
FIVETRAN_VIEWS = ("gl_detail", "gl_account", "gl_batch", "ap_bill", "ap_bill_item",
                  "ar_invoice", "ar_invoice_item")  # fmt: skip
#: what a run says of fields the gateway refused (docs/rest-and-oauth.md: "left empty", named)
#: what a run says it leaves out: fields the gateway refuses, and (``--api rest``) the
#: XML fields the REST API has no equivalent of
_REFUSED = re.compile(
    r"(\w+): (?:the gateway refuses to query ([\w.]+(?:, [\w.]+)*); those fields are left "
    r"out|read through the REST API, which has no equivalent of \d+ fields?, left empty "
    r"\(api auto or xml reads them\):\n((?:  [\w., ]+\n?)+))"
)


def left_out(output: str) -> dict[str, set[str]]:
    """The fields a run said it left out, per object."""
    found: dict[str, set[str]] = defaultdict(set)
    for name, refused, unmatched in _REFUSED.findall(output):
        names = refused or " ".join(unmatched.split())
        found[name] |= set(names.split(", "))
    return found


_THROUGH_REST = re.compile(r"(\w+): read through the REST API")


def through_rest(output: str) -> set[str]:
    """The objects a run said it read through the REST API (whose timestamps are UTC as
    Intacct holds them: no offset of today's applied to the whole year)."""
    return set(_THROUGH_REST.findall(output))


def _by_entity(records: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Rows by the entity session that read them ('' for the top level: the sync's
    ``''``, the tap's null)."""
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for record in records:
        grouped[record.get(ENTITY_ID) or ""].append(record)
    return grouped


def _entity_label(label: str, entity: str) -> str:
    return f"{label} (entity {entity})" if entity else label


# -- object tables ----------------------------------------------------------------------


def object_problems(
    label: str,
    name: str,
    columns: Sequence[str],
    records: Sequence[Mapping[str, Any]],
    data: EmulatorData,
    company: str,
    entities: Sequence[str],
    left: Iterable[str] = (),
    utc: bool = False,
) -> list[str]:
    """An object's rows (``columns``: none if there is no table) against the emulator,
    per entity session read (``entities``: ``[""]`` for the top level); ``utc``: read
    with its timestamps' true offsets (REST's; XML's with ``timezone`` set)."""
    obj = load_catalog()[name]
    grouped = _by_entity(records)
    problems = [
        f"{label}: rows read through entity {e!r}, which the run was not to read"
        for e in sorted(set(grouped) - set(entities))
    ]
    for entity in entities:
        problems += table_problems(
            _entity_label(label, entity), obj, columns, grouped.get(entity, []),
            data.expected(company, obj, entity), data.zone(company, utc), set(left),
        )  # fmt: skip
    return problems


# -- objects only the REST API has ---------------------------------------------------------


@functools.cache
def rest_only_tables(url: str, company: str) -> Mapping[str, str]:
    """The tables ``--objects all`` writes of REST's own objects (the OAuth app given),
    the company's custom objects and its transaction definitions' documents
    (``order-entry/document::<name>``) its model service lists among them: table -> REST
    path. Made once per emulator and company (a check asks for every table: 6 ms each)."""
    custom = [p for p in served_catalog() if p.startswith("platform-apps/")]
    documents = [p for p in _listed(url, company) if "::" in p and p not in served_catalog()]
    paths = [*(o.path for o in rest_only_objects()), *custom, *documents]
    return MappingProxyType({name: p for p, name in stream_names_of(paths).items()})


#: the system's certificates, loaded once: a client made per table loaded them each time
#: (21 ms, 9 s of a check of 416 tables), though the emulator speaks plain HTTP
_TLS = ssl.create_default_context()


def _client(url: str) -> httpx.Client:
    """A client of the emulator at ``url`` (its gateway's URL)."""
    return httpx.Client(base_url=url.removesuffix(GATEWAY_PATH), timeout=30, verify=_TLS)


def _listed(url: str, company: str) -> tuple[str, ...]:
    """The REST paths the company's model service lists (asked once: the table map that
    reads it is kept)."""
    with _client(url) as http:
        listed = http.get("/ia/api/v1/services/core/model", headers=_bearer(http, company))
        return tuple(o["apiObject"].removeprefix("objects/") for o in listed.json()["ia::result"])


def _bearer(http: httpx.Client, company: str) -> dict[str, str]:
    """The demo app's token for the company's demo user (client credentials)."""
    form = {"grant_type": "client_credentials", "username": f"demo_user@{company}"}
    granted = http.post("/ia/api/v1/oauth2/token", data=form, auth=tuple(app_config().values()))
    return {"Authorization": f"Bearer {granted.json()['access_token']}"}


def _rest_only(path: str, http: httpx.Client, headers: Mapping[str, str]) -> RestObject:
    """The object as the run knows it: packaged, or as the model service says."""
    if path in rest_catalog():
        return rest_catalog()[path]
    model = http.get("/ia/api/v1/services/core/model", params={"name": path}, headers=headers)
    return RestObject.from_model(path, model.json()["ia::result"])


@dataclass(frozen=True)
class RestAnswer:
    """A REST-only object as the emulator's own REST answer gives it: the fields asked,
    the stored columns they are, and each record's values by its key."""

    fields: list[str]
    columns: list[str]
    rows: dict[str, list[Any]]


def rest_answer(label: str, url: str, company: str) -> RestAnswer:
    """The emulator's REST answer for ``label``'s object, read with plain HTTP: the demo
    app's token, the query service page by page."""
    path = rest_only_tables(url, company)[label]
    with _client(url) as http:
        headers = _bearer(http, company)
        target = _rest_only(path, http, headers)
        columns = list(schema_of(target)["properties"])[:-1]  # not _entity_id
        named = {f.column: f.name for f in target.fields.values()}
        fields = [named[c] for c in columns]  # a column of its own (name__2) is asked by name
        theirs: list[dict[str, Any]] = []
        start: int | None = 1
        while start is not None:
            body = {"object": path, "fields": fields, "start": start, "size": 4000}
            page = http.post("/ia/api/v1/services/core/query", json=body, headers=headers).json()
            theirs += page["ia::result"]
            start = page["ia::meta"]["next"]
    rows = {str(r["key"]): [_flat(r, f) for f in fields] for r in theirs}
    return RestAnswer(fields, columns, rows)


def rest_only_problems(
    label: str,
    records: Sequence[Mapping[str, Any]],
    url: str,
    company: str,
    answer: RestAnswer | None = None,
) -> list[str]:
    """A REST-only object's live rows against the emulator's own REST answer (``answer``:
    one read already, for the destinations of one run); a row tombstoned (a record
    deleted since an earlier run read it) is no longer in it."""
    answer = answer or rest_answer(label, url, company)
    fields, want = answer.fields, answer.rows
    live = [r for r in records if r.get(DELETED_AT) is None]
    stored = _stored_names(live[0].keys() if live else (), ["key", *answer.columns])
    have = {
        str(r.get(stored["key"])): [_plain(r.get(stored[c])) for c in answer.columns] for r in live
    }
    if want == have:
        return []
    differing = sorted(k for k in want.keys() | have.keys() if want.get(k) != have.get(k))
    first = differing[0]
    return [
        f"{label}: {len(have)} rows, REST answers {len(want)}; differing keys {differing[:5]}; "
        f"{first}: {dict(zip(fields, have.get(first, []), strict=False))} against "
        f"{dict(zip(fields, want.get(first, []), strict=False))}"
    ]


def _stored_names(keys: Iterable[str], columns: Sequence[str]) -> dict[str, str | None]:
    """Each column's name in a stored row of ``keys``: its own, else the name dlt gives it
    (``vendor.id`` -> ``vendor_id``, through dlt's own naming convention), else the one
    equal without case or punctuation (a test store gives dlt's names upper-cased, as
    Intacct's: tests/sync/stores.py); None where the row has none. Found once a table,
    not once a row (it was a third of a check of 416 tables)."""
    keys = list(keys)
    bare = {_bare(k): k for k in reversed(keys)}  # the first key of a bare name, as next() found
    found: dict[str, str | None] = {}
    for column in columns:
        if column in keys:
            found[column] = column
        elif (named := _DLT_NAMES.normalize_identifier(column)) in keys:
            found[column] = named
        else:
            found[column] = bare.get(_bare(column))
    return found


def _bare(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def _flat(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return _plain(value)


def _plain(value: Any) -> Any:
    """Numbers compared as exact decimals, dates and times as REST writes them (a
    stored time is UTC), the rest as text (None stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value)).normalize()
    try:
        return Decimal(value).normalize() if isinstance(value, str) and value else value
    except ArithmeticError:
        return value


# -- the trial balance --------------------------------------------------------------------

#: its fields and their kinds, as :func:`rows_checksum` takes them
_TB_FIELDS = ("PERIODSTART", "PERIODEND", "GLACCOUNTNO", "DEPARTMENTID", "LOCATIONID",
              "STARTBALANCE", "DEBITS", "CREDITS", "ENDBALANCE")  # fmt: skip
_TB_KINDS = ("date", "date", "text", "text", "text", "decimal", "decimal", "decimal", "decimal")


def trial_balance_problems(
    label: str,
    records: Sequence[Mapping[str, Any]],
    url: str,
    company: str,
    entities: Sequence[str],
) -> list[str]:
    """The trial balance's rows against the emulator's answers, per entity."""
    grouped = _by_entity(records)
    problems = [
        f"{label}: rows read through entity {e!r}, which the run was not to read"
        for e in sorted(set(grouped) - set(entities))
    ]
    for entity in entities:
        mine = [[r.get(f) for f in _TB_FIELDS] for r in grouped.get(entity, [])]
        theirs = emulator_trial_balance(url, company, entity)
        if rows_checksum(_TB_KINDS, mine) != rows_checksum(_TB_KINDS, theirs):
            lines = {_tb_line(r) for r in mine}, {_tb_line(r) for r in theirs}
            problems.append(
                f"{_entity_label(label, entity)}: {len(mine)} rows, emulator {len(theirs)}; "
                f"only here: {sorted(lines[0] - lines[1])[:3]}, only in the emulator: "
                f"{sorted(lines[1] - lines[0])[:3]}"
            )
    return problems


def _tb_line(row: Sequence[Any]) -> str:
    return json.dumps([canonical(k, v) for k, v in zip(_TB_KINDS, row, strict=True)])


def _months(today: date) -> list[tuple[date, date]]:
    """Every month from January of the year before last to ``today``'s (the stream's
    default ``start_date``)."""
    spans, current = [], date(today.year - 2, 1, 1)
    while current <= today:
        following = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        spans.append((current, date.fromordinal(following.toordinal() - 1)))
        current = following
    return spans


def _day(tag: str, day: date) -> str:
    parts = f"<year>{day.year}</year><month>{day.month:02}</month><day>{day.day:02}</day>"
    return f"<{tag}>{parts}</{tag}>"


def emulator_trial_balance(url: str, company: str, entity: str) -> list[list[Any]]:
    """The emulator's trial balance of every month the stream reads, asked in one
    request of one ``get_trialbalance`` per month (``showzerobalances`` left out, as the
    stream asks), signed in to ``entity`` ("" the top level)."""
    config = client_config(url, company, entity)
    spans = _months(datetime.now(UTC).date())
    functions = "".join(
        f'<function controlid="m{i}"><get_trialbalance>{_day("startdate", start)}'
        f"{_day('enddate', end)}</get_trialbalance></function>"
        for i, (start, end) in enumerate(spans)
    )
    location = f"<locationid>{escape(entity)}</locationid>" if entity else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><request><control>'
        f"<senderid>{escape(config['sender_id'])}</senderid>"
        f"<password>{escape(config['sender_password'])}</password>"
        "<controlid>paths</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion>"
        "<includewhitespace>false</includewhitespace></control><operation><authentication>"
        f"<login><userid>{escape(config['user_id'])}</userid><companyid>{escape(company)}"
        f"</companyid><password>{escape(config['user_password'])}</password>{location}"
        f"</login></authentication><content>{functions}</content></operation></request>"
    )
    answer = httpx.post(url, content=body.encode(), timeout=120,
                        headers={"Content-Type": "application/xml"})  # fmt: skip
    answer.raise_for_status()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(answer.content, parser)
    rows: list[list[Any]] = []
    results = root.findall("operation/result")
    assert len(results) == len(spans), answer.text[:2000]
    for (start, end), result in zip(spans, results, strict=True):
        assert result.findtext("status") == "success", etree.tostring(result)[:2000]
        for item in result.iterfind("data/trialbalance"):
            values = {str(child.tag).upper(): child.text for child in item}
            rows.append([start, end, *(values.get(f) for f in _TB_FIELDS[2:])])
    return rows


# -- hotglue's unified tables --------------------------------------------------------------


def _normal(value: Any, spec: Mapping[str, Any]) -> Any:
    """A unified value as both sides agree on it, whatever stored it: JSON text or a
    list for an array, exact numbers, date-times as naive UTC, dates as text."""
    if value is None:
        return None
    kinds = spec.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if "array" in kinds:
        items = json.loads(value) if isinstance(value, str) else value
        return [_normal(item, spec.get("items", {})) for item in items]
    if "object" in kinds:
        return {k: _normal(value.get(k), s) for k, s in spec.get("properties", {}).items()}
    if "number" in kinds or "integer" in kinds:
        return canonical("decimal", value)
    if spec.get("format") == "date-time":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment.isoformat(sep=" ")
    if spec.get("format") == "date":
        return str(value)[:10]
    if "boolean" in kinds:
        return bool(value)
    return str(value)


def _unified(stream: str, record: Mapping[str, Any]) -> dict[str, Any]:
    properties = unified_schema(stream)["properties"]
    out = {k: _normal(record.get(k), s) for k, s in properties.items() if k != ENTITY_ID}
    return out | {ENTITY_ID: record.get(ENTITY_ID) or ""}


def unified_problems(
    label: str,
    stream: str,
    records: Sequence[Mapping[str, Any]],
    data: EmulatorData,
    company: str,
    entity: str = "",
) -> list[str]:
    """A unified stream's records (the tap's, or a sync's table) against the emulator:
    one per live header record, ids and lines by checksum."""
    mapping = mapping_for(stream)
    live = [_unified(stream, r) for r in records if r.get(DELETED_AT) is None]
    headers = sum(data.live_count(company, name, entity) for name in mapping.objects)
    problems = []
    if len(live) != headers:
        problems.append(f"{label}: {len(live)} records, {'+'.join(mapping.objects)} {headers}")
    catalog = load_catalog()
    if len(mapping.objects) == 1 and mapping.id_from == "RECORDNO":
        ids = rows_checksum(["integer"], [[r["id"]] for r in live])
        header = catalog[mapping.objects[0]]
        if ids != data.checksum(company, header, ["RECORDNO"], entity):
            problems.append(f"{label}: ids are not {header.name}'s RECORDNOs")
    if mapping.lines is not None:
        lines = mapping.lines
        pairs = [[line.get("id"), r["id"]] for r in live for line in r.get(lines.unified) or []]
        said = data.checksum(company, catalog[lines.object], ["RECORDNO", lines.parent_key], entity)
        if rows_checksum(["integer", "integer"], pairs) != said:
            problems.append(
                f"{label}: {len(pairs)} {lines.unified} under their records, {lines.object} "
                f"{said[0]} (or not each under its {lines.parent_key})"
            )
    return problems


def unified_same(
    label: str,
    stream: str,
    stored: Sequence[Mapping[str, Any]],
    emitted: Sequence[Mapping[str, Any]],
) -> list[str]:
    """A sync's unified table holds the very records the tap emits, every property."""
    mine = {(r["id"], r[ENTITY_ID]): r for r in (_unified(stream, x) for x in stored)}
    theirs = {(r["id"], r[ENTITY_ID]): r for r in (_unified(stream, x) for x in emitted)}
    problems = []
    if mine.keys() != theirs.keys():
        problems.append(
            f"{label}: {len(mine)} rows, the tap {len(theirs)}; only here "
            f"{sorted(mine.keys() - theirs.keys())[:3]}, only the tap's "
            f"{sorted(theirs.keys() - mine.keys())[:3]}"
        )
    differ = [k for k in sorted(mine.keys() & theirs.keys()) if mine[k] != theirs[k]]
    if differ:
        one, other = mine[differ[0]], theirs[differ[0]]
        fields = sorted(k for k in one if one[k] != other.get(k))
        problems.append(f"{label}: {len(differ)} rows differ from the tap's, e.g. id "
                        f"{differ[0][0]} in {fields}")  # fmt: skip
    return problems


# -- Fivetran's views -----------------------------------------------------------------------

#: DuckDB types the views give columns, by the catalog kinds whose canonical text they keep
_KEEPS = {
    "VARCHAR": {"text", "enum", "integer", "decimal", "boolean", "date", "timestamp"},
    "INTEGER": {"integer"},
    "DECIMAL(38,12)": {"decimal", "integer"},
    "DATE": {"date"},
    "TIMESTAMP": {"timestamp"},
    "BOOLEAN": {"boolean"},
}
_FIVETRAN_COLUMNS = ("_fivetran_deleted", "_fivetran_synced")


def fivetran_problems(db: Path, data: EmulatorData, company: str) -> list[str]:
    """Each view of ``--layout fivetran`` (a top-level read) against the emulator."""
    catalog, problems = load_catalog(), []
    with duckdb.connect(str(db), read_only=True) as con:
        views = con.execute(
            "SELECT view_name FROM duckdb_views() WHERE schema_name = ?", [FIVETRAN_SCHEMA]
        ).fetchall()
        if sorted(v for (v,) in views) != sorted(FIVETRAN_VIEWS):
            problems.append(f"views in {FIVETRAN_SCHEMA}: {sorted(views)}, not {FIVETRAN_VIEWS}")
        for view in VIEWS:
            label, obj = f"view {FIVETRAN_SCHEMA}.{view.name}", catalog[view.object]
            where = f'{FIVETRAN_SCHEMA}."{view.name}"'
            try:
                cursor = con.execute(f"SELECT * FROM {where}")  # noqa: S608 - the views' names
            except duckdb.CatalogException:
                problems.append(f"{label}: no such view")
                continue
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            field = {name.lower(): name for name in obj.field_names}
            lacking = [n for n in names if n not in field and n not in _FIVETRAN_COLUMNS]
            problems += [
                f"{label}: {n} is no field of {obj.name} nor a NULL column of the package's"
                for n in lacking
                if n not in view.types or any(r[n] is not None for r in rows)
            ]
            if any(r["_fivetran_synced"] is None for r in rows):
                problems.append(f"{label}: rows without _fivetran_synced")
            recast = [
                n for n in names
                if n in field and n in view.types
                and obj.field(field[n]).type not in _KEEPS[view.types[n]]  # type: ignore[union-attr]
            ]  # fmt: skip
            for n in recast:  # the package's type: as the object table's value in it
                sql = (
                    f'SELECT count(*) FROM {where} v JOIN main."{view.object}" t '  # noqa: S608
                    f'ON CAST(v.recordno AS BIGINT) = t."RECORDNO" '
                    f'WHERE v."{n}" IS DISTINCT FROM TRY_CAST(t."{field[n]}" AS {view.types[n]})'
                )
                differ = con.execute(sql).fetchone()
                if differ is None or differ[0]:
                    problems.append(f"{label}: {n} is not {field[n]} as {view.types[n]}")
            live = [
                {field[n]: v for n, v in r.items() if n in field}
                for r in rows
                if not r.get("_fivetran_deleted")
            ]
            columns = [field[n] for n in names if n in field]
            problems += table_problems(
                label, obj, columns, live, data.expected(company, obj, ""), data.zone(company),
                elsewhere=[field[n] for n in recast],
            )  # fmt: skip
    return problems


# -- the tap's output -------------------------------------------------------------------------


def parse_singer(
    out: str,
) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]], list[Any]]:
    """A tap's stdout: SCHEMA messages and RECORDs by stream, and the STATE values.
    Numbers are read exact, as the tap writes them."""
    schemas: dict[str, dict[str, Any]] = {}
    records: dict[str, list[dict[str, Any]]] = defaultdict(list)
    states: list[Any] = []
    for line in out.splitlines():
        message = json.loads(line, parse_float=Decimal)
        if message["type"] == "SCHEMA":
            schemas[message["stream"]] = message
        elif message["type"] == "RECORD":
            records[message["stream"]].append(message["record"])
        elif message["type"] == "STATE":
            states.append(message["value"])
    return schemas, records, states


def singer_rows(name: str, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The tap's records of an object as a copy's rows: timestamps (ISO text, UTC) as
    naive UTC datetimes, so they go back to the wall clock like a table's."""
    obj = load_catalog()[name]
    stamps = [f.name for f in obj.fields if f.type == "timestamp"]
    rows = []
    for record in records:
        row = dict(record)
        for field in stamps:
            if isinstance(row.get(field), str):
                moment = datetime.fromisoformat(row[field])
                row[field] = (
                    moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
                )
        rows.append(row)
    return rows
