"""``intacct sync --layout fivetran``: the tables Fivetran's Sage Intacct connector writes,
as views over our own tables, for Fivetran's dbt package ``fivetran/dbt_sage_intacct``.

The views live in their own schema, ``sage_intacct`` (the package's default
``sage_intacct_schema``), one per table the package reads: ``gl_detail``, ``gl_account``,
``gl_batch``, ``ap_bill``, ``ap_bill_item``, ``ar_invoice``, ``ar_invoice_item``. Our tables
stay the source of truth; a view is always as current as they are and costs no storage.

A view has every column of its object's table under its lower-case name, and each column
the package reads (its ``get_*_columns`` macros) in the type those macros give it, or
NULL of that type where the company has no such field. Where the macro's type would lose
Intacct's value the view keeps a lossless one: amounts stay exact ``DECIMAL(38,12)``
(DuckDB's FLOAT has 24 bits), account, location and entity ids stay text ("1000" as a
number comes back "1000.0" from the package's cast to text and no longer joins
gl_account), exchange rates and amounts typed int stay decimals.

* ``_fivetran_deleted`` is ``_sdc_deleted_at IS NOT NULL`` (the row is kept, as Fivetran
  keeps it). The line tables have no such column in Fivetran's layout and the package
  does not filter them, so their views leave out deleted lines and the lines of deleted
  documents.
* ``_fivetran_synced`` is when the latest run that brought the object up to date
  started: every row is current as of then (``_intacct_synced`` holds it per object; a
  run in which the object failed leaves it as it was).
* Fivetran's connector reads a company at its top level and has no entity column (each
  record says its entity in MEGAENTITYID). A file that holds several entity sessions'
  reads of the same record (``--entities``, or a top-level and an entity read) shows it
  once: its latest row, a deleted one first.

The layout is remembered in the database: later runs without ``--layout`` keep reading
the objects it needs and rebuild the views (a new custom field becomes a column);
``--layout none`` drops the views and forgets it.
"""

# ruff: noqa: S608 - SQL here names tables and columns, quoted by q(); values are parameters

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from intacct.destinations import FivetranViews
from intacct.destinations.base import Execute
from intacct.destinations.history import COLUMNS as HISTORY_COLUMNS
from intacct.destinations.history import SUFFIX
from intacct.destinations.sql import q
from intacct.replication import DELETED_AT, ENTITY_ID

__all__ = [
    "HISTORY_SCHEMA",
    "LAYOUTS",
    "SCHEMA",
    "SYNCED_TABLE",
    "VIEWS",
    "LayoutReport",
    "View",
    "drop",
    "layout_objects",
    "rebuild",
]

#: the layouts ``intacct sync --layout`` knows; "none" forgets the remembered one
LAYOUTS = ("fivetran", "none")
#: the schema of the views: the package's default ``sage_intacct_schema``
SCHEMA = "sage_intacct"
#: the schema of the history-mode views, for the objects keeping history (point a
#: package built for Fivetran's history mode's ``sage_intacct_schema`` at it)
HISTORY_SCHEMA = "sage_intacct_history"
#: ``_fivetran_end`` of an active version: "the maximal allowed value" of a timestamp
#: (Fivetran's history mode; a closed version's is the next one's start less 1 ms, a
#: deleted one's the delete's time)
END_OF_TIME = "TIMESTAMP '9999-12-31 23:59:59.999'"
#: when a run last brought each object up to date: the views' ``_fivetran_synced``
SYNCED_TABLE = "_intacct_synced"

#: the column the views key on: RECORDNO, unique in a company, whichever entity reads it
_KEY = "RECORDNO"
_S, _I, _N = "VARCHAR", "INTEGER", "DECIMAL(38,12)"
_D, _T, _B = "DATE", "TIMESTAMP", "BOOLEAN"


def _types(text: str) -> dict[str, str]:
    """``"a:S b:I"`` as {"a": "VARCHAR", "b": "INTEGER"}."""
    kinds = {"S": _S, "I": _I, "N": _N, "D": _D, "T": _T, "B": _B}
    pairs = (item.split(":") for item in text.split())
    return {name: kinds[kind] for name, kind in pairs}


@dataclass(frozen=True, slots=True)
class View:
    """One of Fivetran's tables: its name, the object behind it and the types of the
    columns the package reads (``_fivetran_*`` aside)."""

    name: str
    object: str
    types: Mapping[str, str]
    #: Fivetran's table has ``_fivetran_deleted`` (else deleted rows are left out)
    deleted_flag: bool = True
    #: a line table: (document object, the line's field holding its RECORDNO)
    parent: tuple[str, str] | None = None


_DOCUMENT = (
    "basecurr:S billtopaytocontactname:S billtopaytokey:I currency:S description:S "
    "docnumber:S due_in_days:I recordid:S recordno:S recordtype:S "
    "shiptoreturntocontactname:S shiptoreturntokey:I state:S totaldue:N totalentered:N "
    "totalpaid:N whencreated:D whendue:D whenmodified:T whenpaid:D whenposted:D "
    "auwhencreated:T"
)
_LINE = (
    "accountkey:I accountno:S accounttitle:S amount:N basecurr:S baselocation:I classid:S "
    "classname:S currency:S customerid:S customername:S departmentid:S departmentname:S "
    "entry_date:D entrydescription:S exchange_rate:N itemid:S itemname:S line_no:I "
    "lineitem:B locationid:S locationname:S offsetglaccountno:S offsetglaccounttitle:S "
    "recordkey:S recordno:S recordtype:S state:S totalpaid:N totalselected:N vendorid:S "
    "vendorname:S whencreated:T whenmodified:T"
)

VIEWS = (
    View("gl_detail", "GLDETAIL", _types(
        "accountno:S accounttitle:S amount:N basecurr:S batch_date:D batch_no:I "
        "batch_title:S batchkey:S bookid:S classid:S classname:S creditamount:N currency:S "
        "customerid:S customername:S debitamount:N departmentid:S departmenttitle:S "
        "description:S docnumber:S document:S entry_date:D entry_state:S entrydescription:S "
        "line_no:I locationid:S locationname:S modified:T prdescription:S recordid:S "
        "recordno:S recordtype:S totaldue:N totalentered:N totalpaid:N tr_type:I "
        "trx_amount:N trx_creditamount:N trx_debitamount:N vendorid:S vendorname:S "
        "whencreated:D whendue:D whenmodified:T whenpaid:D"
    )),
    View("gl_account", "GLACCOUNT", _types(
        "accountno:S accounttype:S alternativeaccount:S category:S categorykey:I "
        "closetoacctkey:I closingaccountno:S closingaccounttitle:S closingtype:S createdby:I "
        "modifiedby:I normalbalance:S recordno:I requireclass:B requirecustomer:B "
        "requiredept:B requireemployee:B requireitem:B requireloc:B requireproject:B "
        "requirevendor:B requirewarehouse:B status:S taxable:B title:S whencreated:T "
        "whenmodified:T"
    )),
    View("gl_batch", "GLBATCH", _types(
        "baselocation:I baselocation_no:S batch_date:D batch_title:S batchno:I createdby:I "
        "journal:S megaentityid:S megaentitykey:I megaentityname:S modified:T modifiedby:I "
        "modifiedbyid:S module:S prbatchkey:I recordno:S referenceno:S reversed:D "
        "reversedfrom:D reversedkey:I state:S taximplications:S templatekey:I "
        "userinfo_loginid:S userkey:I whencreated:T whenmodified:T"
    )),
    View("ap_bill", "APBILL", _types(f"{_DOCUMENT} vendorid:S vendorname:S")),
    View(
        "ap_bill_item", "APBILLITEM",
        _types(f"{_LINE} billable:B billed:B createdby:I projectid:S projectname:S"),
        deleted_flag=False, parent=("APBILL", "RECORDKEY"),
    ),
    View("ar_invoice", "ARINVOICE", _types(
        f"{_DOCUMENT} createdby:I customerid:S customername:S megaentityid:S "
        "megaentityname:S whendiscount:D"
    )),
    View(
        "ar_invoice_item", "ARINVOICEITEM",
        _types(f"{_LINE} warehouseid:S warehousename:S"),
        deleted_flag=False, parent=("ARINVOICE", "RECORDKEY"),
    ),
)  # fmt: skip


def layout_objects() -> tuple[str, ...]:
    """The Intacct objects behind the views."""
    return tuple(v.object for v in VIEWS)


@dataclass(slots=True)
class LayoutReport:
    views: dict[str, int] = field(default_factory=dict)  # view -> rows
    missing: dict[str, str] = field(default_factory=dict)  # view -> why it is not built
    #: the views' objects this run did not read (``--objects`` named others)
    not_read: list[str] = field(default_factory=list)
    #: the history-mode views (:data:`HISTORY_SCHEMA`) -> rows, for objects keeping history
    history: dict[str, int] = field(default_factory=dict)


def rebuild(
    database: FivetranViews, read: Sequence[str], started: datetime, absent: Sequence[str] = ()
) -> LayoutReport:
    """Record that the ``read`` objects were brought up to date by the run that
    ``started`` (naive UTC), then (re)create every view whose object has a table, in one
    transaction; ``absent`` are layout objects the company does not have."""
    report = LayoutReport()

    def work(execute: Execute) -> None:
        execute(
            f"CREATE TABLE IF NOT EXISTS {SYNCED_TABLE} "
            "(object VARCHAR PRIMARY KEY, synced_at TIMESTAMP)",
            [],
        )
        for name in read:
            execute(f"INSERT OR REPLACE INTO {SYNCED_TABLE} VALUES (?, ?)", [name, started])
        execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}", [])
        for view in VIEWS:
            columns = database.table_columns(view.object)
            if _KEY not in columns:
                execute(f"DROP VIEW IF EXISTS {SCHEMA}.{q(view.name)}", [])
                why = "the company has no" if view.object in absent else "nothing read yet of"
                report.missing[view.name] = f"{why} {view.object}"
                continue
            report.views[view.name] = _view(execute, SCHEMA, view, _select(view, columns))
            versions = database.table_columns(view.object + SUFFIX)
            if versions:
                execute(f"CREATE SCHEMA IF NOT EXISTS {HISTORY_SCHEMA}", [])
                made = _view(execute, HISTORY_SCHEMA, view, _history_select(view, versions))
                report.history[view.name] = made
            else:
                execute(f"DROP VIEW IF EXISTS {HISTORY_SCHEMA}.{q(view.name)}", [])

    database.views(work, "the views were not changed")
    return report


def _view(execute: Execute, schema: str, view: View, select: str) -> int:
    """The view made (or replaced) in ``schema``; its rows."""
    qualified = f"{schema}.{q(view.name)}"
    execute(f"CREATE OR REPLACE VIEW {qualified} AS {select}", [])
    rows = execute(f"SELECT count(*) FROM {qualified}", [])
    return int(rows[0][0]) if rows else 0


def drop(database: FivetranViews) -> list[str]:
    """Drop the views (and their schemas, if nothing else is in them); the views
    dropped."""
    dropped: list[str] = []

    def work(execute: Execute) -> None:
        dropped.clear()  # a work done again starts over
        for schema in (SCHEMA, HISTORY_SCHEMA):
            for view in VIEWS:
                if execute(
                    "SELECT 1 FROM information_schema.tables WHERE table_schema = ? "
                    "AND table_name = ? AND table_type = 'VIEW'",
                    [schema, view.name],
                ):
                    execute(f"DROP VIEW {schema}.{q(view.name)}", [])
                    dropped.append(view.name if schema == SCHEMA else f"{schema}.{view.name}")
            left = execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = ?", [schema]
            )
            if left and left[0][0] == 0:
                execute(f"DROP SCHEMA IF EXISTS {schema}", [])

    database.views(work, "the views were not changed")
    return dropped


def _select(view: View, columns: Mapping[str, str]) -> str:
    """The view's query over the object's table (``columns``: name -> type)."""
    own = {name.lower(): name for name in columns if name not in (ENTITY_ID, DELETED_AT)}
    select = [
        _column(lower, name, columns[name], view.types.get(lower)) for lower, name in own.items()
    ]
    select += [f"CAST(NULL AS {kind}) AS {q(n)}" for n, kind in view.types.items() if n not in own]
    if view.deleted_flag:
        select.append(f"t.{q(DELETED_AT)} IS NOT NULL AS _fivetran_deleted")
    select.append(
        f"(SELECT synced_at FROM main.{SYNCED_TABLE} WHERE object = '{view.object}') "
        "AS _fivetran_synced"
    )
    # a tombstone of a record never synced has no RECORDNO: Fivetran never saw the record
    where = f" WHERE t.{_KEY} IS NOT NULL"
    if not view.deleted_flag:
        where += f" AND t.{q(DELETED_AT)} IS NULL{_live_parent(view)}"
    return f"SELECT {', '.join(select)} FROM main.{q(view.object)} t{where}{_latest(columns)}"


def _history_select(view: View, columns: Mapping[str, str]) -> str:
    """The view's history-mode query over the object's history table: every version,
    with Fivetran's ``_fivetran_start``, ``_fivetran_end`` and ``_fivetran_active``
    (its history mode's columns and rules), deleted lines and their documents' kept as
    the versions they were."""
    mine = {c.name for c in HISTORY_COLUMNS}
    own = {
        name.lower(): name for name in columns
        if name not in (ENTITY_ID, DELETED_AT) and name not in mine
    }  # fmt: skip
    select = [
        _column(lower, name, columns[name], view.types.get(lower)) for lower, name in own.items()
    ]
    select += [f"CAST(NULL AS {kind}) AS {q(n)}" for n, kind in view.types.items() if n not in own]
    end = (
        f"CASE WHEN t.valid_to IS NULL THEN {END_OF_TIME} WHEN t.is_deleted THEN t.valid_to "
        "ELSE t.valid_to - INTERVAL 1 MILLISECOND END"
    )
    select += [
        "t.valid_from AS _fivetran_start", f"{end} AS _fivetran_end",
        "t.is_current AS _fivetran_active",
    ]  # fmt: skip
    if view.deleted_flag:
        select.append("t.is_deleted AS _fivetran_deleted")
    select.append(
        f"(SELECT synced_at FROM main.{SYNCED_TABLE} WHERE object = '{view.object}') "
        "AS _fivetran_synced"
    )
    # one row per version when several entity sessions read the record
    once = (
        f" QUALIFY row_number() OVER (PARTITION BY t.{_KEY}, t.valid_from "
        f"ORDER BY t.{q(ENTITY_ID)}) = 1"
    )
    table = f"main.{q(view.object + SUFFIX)}"
    return f"SELECT {', '.join(select)} FROM {table} t WHERE t.{_KEY} IS NOT NULL{once}"


def _column(lower: str, name: str, kind: str, wanted: str | None) -> str:
    if wanted is None or wanted == kind:
        return f"t.{q(name)} AS {q(lower)}"
    return f"CAST(t.{q(name)} AS {wanted}) AS {q(lower)}"


def _live_parent(view: View) -> str:
    """Lines of a deleted document are left out with it."""
    if view.parent is None:
        return ""
    document, key = view.parent
    return (
        f" AND NOT EXISTS (SELECT 1 FROM main.{q(document)} d WHERE d.{_KEY} = t.{q(key)} "
        f"AND d.{q(DELETED_AT)} IS NOT NULL)"
    )


def _latest(columns: Mapping[str, str]) -> str:
    """One row per record when several entity sessions read it: its latest."""
    modified = ', t."WHENMODIFIED" DESC NULLS LAST' if "WHENMODIFIED" in columns else ""
    return (
        f" QUALIFY row_number() OVER (PARTITION BY t.{_KEY} ORDER BY "
        f"t.{q(DELETED_AT)} DESC NULLS LAST{modified}, t.{q(ENTITY_ID)}) = 1"
    )
