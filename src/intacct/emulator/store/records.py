"""Catalog records in SQLite: the only place that writes record SQL.

One table per catalog object (``obj_<NAME>``, one column per field, plus ``_company``
and ``_entity``), a counter per object for RECORDNO, and the executed control ids.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from intacct.emulator.catalog import Catalog, FieldDef, ObjectDef
from intacct.emulator.catalog.audit import ACCESS_MODES, object_key
from intacct.emulator.clock import Clock
from intacct.emulator.errors import invalid_reference, missing_required, not_found
from intacct.emulator.querylang.core import leading_order
from intacct.emulator.store.database import Database, quote
from intacct.emulator.store.duplicates import duplicate_error
from intacct.emulator.store.filled import DISPLAY_CONTACT, fill_created
from intacct.emulator.store.identities import Identities
from intacct.emulator.store.replica import SCHEMA as VERSIONS_SCHEMA
from intacct.emulator.store.replica import VisibilityLag
from intacct.emulator.store.sessions import Scope
from intacct.emulator.store.triggers import Notice, Triggers
from intacct.emulator.values import to_db, wall_clock

__all__ = ["Records", "record_url"]

_SQL_TYPES = {"integer": "INTEGER", "boolean": "INTEGER"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS executed (company TEXT, controlid TEXT,
    PRIMARY KEY (company, controlid));
CREATE TABLE IF NOT EXISTS counters (company TEXT, object TEXT, next INTEGER,
    PRIMARY KEY (company, object));
"""


#: SQL aggregate of each ``query`` select element (``<count>``, ``<sum>``, ...)
AGGREGATES = ("count", "sum", "avg", "min", "max")
# Odd multipliers and an xor-shift (a ^ b written as (a | b) - (a & b)): each step is a
# bijection modulo 2**31, so no two keys below 2**31 tie and a keyset on it is exact.
_MIX = (2_654_435_761, 2_246_822_519)
_MOD = 2**31


#: the objects a write's reference is checked against: a create or update naming a term
#: the company lacks fails in Intacct [O] (errors.invalid_reference). [U] Intacct checks
#: its other references too (a bill's VENDORID); the emulator checks these alone so far.
CHECKED_REFERENCES = frozenset({"APTERM", "ARTERM"})


def _total(obj: ObjectDef, order: str) -> str:
    """``order`` with no ties. [U] Ties break in the undefined order, so that offset
    pages over data at rest stay exact. Led by the record number (given to every record,
    never two alike in a company's object), it is the record number's order alone: the
    same rows, which the key index reads in order where sorting would read every row the
    filter keeps to answer a page."""
    if obj.field("RECORDNO"):
        direction = leading_order(order, '"RECORDNO"')
        if direction:
            return f'ORDER BY "RECORDNO" {direction}'
    tail = order_key(obj)
    return f"{order}, {tail}" if order else f"ORDER BY {tail}"


def _column(field: FieldDef) -> str:
    """A field's column as CREATE TABLE and ALTER TABLE name it."""
    return f"{quote(field.name)} {_SQL_TYPES.get(field.type, 'TEXT')}"


def _table(obj: ObjectDef) -> str:
    return f'"obj_{obj.name}"'


def order_key(obj: ObjectDef) -> str:
    """The order of rows asked for in no order: a per-object hash of the key.

    The docs say there is no default order and the results' order is undefined; yet
    offset-paging clients work in production on data at rest, so it is stable while the
    data does not change, and a row written between two pages shifts the later ones.
    [U] Intacct's actual order is not public; this one is deliberately not key order,
    so a client that needs key order has to ask for it. Objects without RECORDNO use
    the SQLite rowid (insertion order) as the hashed key. The expression is written with
    literals only, so the same text in the index and in ORDER BY lets SQLite use it.
    """
    salt = zlib.crc32(obj.name.encode()) % _MOD
    key = '"RECORDNO"' if obj.field("RECORDNO") else "rowid"
    mixed = f"(({key} * {_MIX[0]} + {salt}) % {_MOD})"
    shifted = f"({mixed} >> 15)"
    return f"(((({mixed} | {shifted}) - ({mixed} & {shifted})) * {_MIX[1]}) % {_MOD})"


def _contact_values(contact: ObjectDef, values: Mapping[str, Any]) -> dict[str, Any]:
    """A party's ``DISPLAYCONTACT.*`` values as the CONTACT record's own fields."""
    prefix = f"{DISPLAY_CONTACT}."
    return {
        n[len(prefix) :]: v
        for n, v in values.items()
        if n.startswith(prefix) and contact.field(n[len(prefix) :])
    }


def record_url(obj: ObjectDef, recordno: int) -> str:
    """A stable link like the gateway's RECORD_URL (its exact format is opaque)."""
    return f"https://www.intacct.com/ia/acct/ur.phtml?.r={obj.name.lower()}.{recordno}"


def _seeded(obj: ObjectDef, name: str, row: Mapping[str, Any]) -> Any:
    if name == "RECORD_URL" and row.get("RECORDNO") is not None:
        return record_url(obj, int(row["RECORDNO"]))
    return row.get(name)


class Records:
    """Reads and writes of catalog records, scoped by company and entity."""

    def __init__(
        self,
        database: Database,
        catalog: Catalog,
        identities: Identities,
        clock: Clock,
        triggers: Triggers,
    ) -> None:
        self._db = database
        self.catalog = catalog
        self.clock = clock
        self._identities = identities
        self._triggers = triggers
        #: per company, how far behind its writes its queries read (:mod:`.replica`)
        self.lag = VisibilityLag()
        #: per company (upper case), the objects its audit trail leaves out: a control,
        #: since which objects Intacct audits is not documented [U]
        self.unaudited: dict[str, frozenset[str]] = {}
        self._create_schema()

    # -- schema -----------------------------------------------------------------------

    def _create_schema(self) -> None:
        with self._db.write_lock:
            conn = self._db.conn
            conn.executescript(_SCHEMA + VERSIONS_SCHEMA)
            for obj in self.catalog.stored():
                self.add_table(obj)

    def add_table(self, obj: ObjectDef) -> None:
        """``obj``'s table and its indexes (kept if made before)."""
        columns = ", ".join(_column(f) for f in obj.fields)
        self._db.conn.execute(
            f"CREATE TABLE IF NOT EXISTS {_table(obj)} (_company TEXT NOT NULL, "
            f"_entity TEXT NOT NULL DEFAULT '', {columns})"
        )
        self._indexes(obj)

    def _indexes(self, obj: ObjectDef) -> None:
        table, name, conn = _table(obj), obj.name, self._db.conn
        key = "ID" if obj.field("RECORDNO") is None else "RECORDNO"
        # the entity too: a page's count (every answer carries it) reads the index alone
        conn.execute(
            f'CREATE INDEX IF NOT EXISTS "ix_{name}_key" ON {table} '
            f"(_company, {quote(key)}, _entity)"
        )
        conn.execute(
            f'CREATE INDEX IF NOT EXISTS "ix_{name}_order" ON {table} (_company, {order_key(obj)})'
        )
        if obj.field("WHENMODIFIED"):
            conn.execute(
                f'CREATE INDEX IF NOT EXISTS "ix_{name}_wm" ON {table} '
                f'(_company, "WHENMODIFIED", "RECORDNO")'
            )
        if obj.id_field and obj.field(obj.id_field):
            conn.execute(
                f'CREATE INDEX IF NOT EXISTS "ix_{name}_id" ON {table} '
                f"(_company, {quote(obj.id_field)})"
            )
        if obj.parent_key and obj.field(obj.parent_key):
            conn.execute(
                f'CREATE INDEX IF NOT EXISTS "ix_{name}_parent" ON {table} '
                f"(_company, {quote(obj.parent_key)})"
            )

    def drop_table(self, obj: ObjectDef) -> None:
        """``obj``'s table, its record numbers' counters, shadow and versions: gone."""
        conn = self._db.conn
        conn.execute(f"DROP TABLE IF EXISTS {_table(obj)}")
        conn.execute("DELETE FROM counters WHERE object = ?", (obj.name,))
        self.lag.drop(conn, obj)

    def add_column(self, obj: ObjectDef, field: FieldDef) -> None:
        """``field``'s column in ``obj``'s table (and its shadow, :mod:`.replica`)."""
        column = _column(field)
        conn = self._db.conn
        conn.execute(f"ALTER TABLE {_table(obj)} ADD COLUMN {column}")
        self.lag.add_column(conn, obj, column)

    def reset(self) -> None:
        """Drop every record, counter and executed control id."""
        with self._db.transaction() as conn:
            for table in ("executed", "counters", "_versions", *self.lag.shadow_tables()):
                conn.execute(f"DELETE FROM {table}")
            for obj in self.catalog.stored():
                conn.execute(f"DELETE FROM {_table(obj)}")
        self.lag.clear()
        self.unaudited = {}

    def bulk_insert(
        self, company: str, entity: str, obj_name: str, rows: Iterable[Mapping[str, Any]]
    ) -> int:
        """Insert seed rows (python values, RECORDNO given) as they are: no rules."""
        obj = self.catalog[obj_name]
        rows = list(rows)
        names = obj.field_names
        fields = obj.fields
        sql = (
            f"INSERT INTO {_table(obj)} (_company, _entity, "
            f"{', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join('?' * (len(names) + 2))})"
        )
        batch = [
            (company, entity, *(to_db(f, _seeded(obj, f.name, row)) for f in fields))
            for row in rows
        ]
        with self._db.transaction() as conn:
            conn.executemany(sql, batch)
            top = max((r.get("RECORDNO") or 0 for r in rows), default=0)
            if top:
                conn.execute(
                    "INSERT INTO counters VALUES (?, ?, ?) ON CONFLICT (company, object) "
                    "DO UPDATE SET next = max(next, excluded.next)",
                    (company, obj.name, int(top) + 1),
                )
        return len(batch)

    def holds(self, company: str) -> bool:
        """Whether ``company`` has had any record (seeded or written)."""
        row = self._db.conn.execute(
            "SELECT 1 FROM counters WHERE company = ? LIMIT 1", (company,)
        ).fetchone()
        return row is not None

    def stored(self, obj: ObjectDef, company: str, names: Sequence[str]) -> list[tuple[Any, ...]]:
        """Every row of ``obj`` in ``company`` (all entities), ``names`` as stored."""
        columns = ", ".join(quote(n) for n in names)
        sql = f"SELECT {columns} FROM {_table(obj)} WHERE _company = ?"
        return self._db.conn.execute(sql, (company,)).fetchall()

    def remember_controlid(self, company: str, controlid: str) -> bool:
        """Record an executed function control id; False if it had already run."""
        with self._db.transaction() as conn:
            cur = conn.execute("INSERT OR IGNORE INTO executed VALUES (?, ?)", (company, controlid))
            return cur.rowcount == 1

    # -- reads ------------------------------------------------------------------------

    @staticmethod
    def visibility(obj: ObjectDef, scope: Scope) -> tuple[str, list[Any]]:
        """Which rows a scope sees. [U] Top level sees shared rows and, with showprivate,
        entity rows; an entity sees its own rows and the shared ones."""
        if not obj.entity_scoped or (scope.entity == "" and scope.showprivate):
            return "_company = ?", [scope.company]
        if scope.entity == "":
            return "_company = ? AND _entity = ''", [scope.company]
        return "_company = ? AND _entity IN ('', ?)", [scope.company, scope.entity]

    def select(
        self,
        obj: ObjectDef,
        scope: Scope,
        columns: Sequence[str],
        where: str = "1=1",
        params: Sequence[Any] = (),
        order: str = "",
        limit: int | None = None,
        offset: int = 0,
        group: str = "",
    ) -> list[tuple[Any, ...]]:
        seen, seen_params = self.visibility(obj, scope)
        source, source_params = self._source(obj, scope)
        sql = (
            f"SELECT {', '.join(columns)} FROM {source} WHERE {seen} AND ({where}) {group} {order}"
        )
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, limit, offset]
        return self._db.conn.execute(sql, [*source_params, *seen_params, *params]).fetchall()

    def _source(self, obj: ObjectDef, scope: Scope) -> tuple[str, list[Any]]:
        """The table a read reads: a query of a lagging company reads the writes that
        have become visible (:mod:`.replica`)."""
        lag = self.lag.of(scope.company) if scope.replica else 0.0
        if not lag or not self.lag.versioned(obj):
            return _table(obj), []
        return self.lag.source(_table(obj), obj, self.clock.now().timestamp())

    def count(
        self,
        obj: ObjectDef,
        scope: Scope,
        where: str = "1=1",
        params: Sequence[Any] = (),
        group: str = "",
    ) -> int:
        seen, seen_params = self.visibility(obj, scope)
        source, source_params = self._source(obj, scope)
        inner = f"SELECT 1 FROM {source} WHERE {seen} AND ({where}) {group}"
        sql = f"SELECT count(*) FROM ({inner})"
        row = self._db.conn.execute(sql, [*source_params, *seen_params, *params]).fetchone()
        return int(row[0])

    def rows(
        self,
        obj: ObjectDef,
        scope: Scope,
        names: Sequence[str],
        where: str = "1=1",
        params: Sequence[Any] = (),
        order: str = "",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Like :meth:`select`, as dicts keyed by field name."""
        cols = [quote(n) for n in names]
        return [
            dict(zip(names, row, strict=True))
            for row in self.select(obj, scope, cols, where, params, order, limit, offset)
        ]

    def query(
        self,
        obj: ObjectDef,
        scope: Scope,
        select: Sequence[tuple[str, str]],
        where: str = "1=1",
        params: Sequence[Any] = (),
        order: str = "",
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[tuple[Any, ...]], int]:
        """One ``query`` page and the total: ``select`` holds ("field", NAME) or an
        aggregate ("sum", NAME); plain fields next to aggregates group the rows. Without
        ``order`` the rows come in the object's undefined order (:func:`order_key`)."""
        exprs: list[str] = []
        plain: list[str] = []
        for function, name in select:
            column = quote(name)
            if function == "field":
                exprs.append(column)
                plain.append(column)
            elif function in AGGREGATES:
                numeric = column if function == "count" else f"CAST({column} AS REAL)"
                exprs.append(f"{function.upper()}({numeric})")
            else:
                raise ValueError(f"unknown select function {function!r}")
        group = f"GROUP BY {', '.join(plain)}" if plain and len(plain) < len(exprs) else ""
        if not group:
            order = _total(obj, order)
        rows = self.select(obj, scope, exprs, where, params, order, limit, offset, group)
        return rows, self.count(obj, scope, where, params, group)

    def page_after(
        self,
        obj: ObjectDef,
        scope: Scope,
        names: Sequence[str],
        where: str,
        params: Sequence[Any],
        after: int,
        limit: int,
    ) -> list[tuple[Any, ...]]:
        """A readByQuery/readMore page: the rows after position ``after`` in the object's
        undefined order, each led by its position (the cursor's next ``after``)."""
        key = order_key(obj)
        columns = [key, *(quote(n) for n in names)]
        where = f"({where}) AND {key} > ?"
        return self.select(obj, scope, columns, where, [*params, after], f"ORDER BY {key}", limit)

    def listed(
        self,
        obj: ObjectDef,
        scope: Scope,
        where: str,
        params: Sequence[Any],
        sorts: Sequence[tuple[str, bool]],
        limit: int | None,
        offset: int,
    ) -> tuple[list[dict[str, Any]], int]:
        """A 2.1 get_list page and the total: sorted by ``sorts`` ((field, descending)
        pairs of catalog fields), ties and unsorted lists in the object's undefined order
        (:func:`order_key`), as query's."""
        terms = [
            f"{quote(obj.fields_by_name[name].name)} {'DESC' if desc else 'ASC'}"
            for name, desc in sorts
        ]
        order = "ORDER BY " + ", ".join([*terms, order_key(obj)])
        rows = self.rows(obj, scope, obj.field_names, where, params, order, limit, offset)
        return rows, self.count(obj, scope, where, params)

    def children(self, line: ObjectDef, scope: Scope, recordno: Any) -> list[dict[str, Any]]:
        """The lines a document owns, in the order they were written."""
        if not line.parent_key:
            return []
        where = f"{quote(line.parent_key)} = ?"
        return self.rows(line, scope, line.field_names, where, [recordno], 'ORDER BY "RECORDNO"')

    def find(
        self, obj: ObjectDef, scope: Scope, field_name: str, keys: Sequence[Any]
    ) -> list[dict[str, Any]]:
        marks = ", ".join("?" * len(keys))
        found = self.rows(
            obj, scope, obj.field_names, f"{quote(field_name)} IN ({marks})", list(keys)
        )
        by_key = {str(r[field_name]): r for r in found}
        return [by_key[str(k)] for k in keys if str(k) in by_key]

    def gl_balances(
        self, details: ObjectDef, scope: Scope, start: str, end: str, account: str | None
    ) -> list[tuple[str, int, int, int]]:
        """Per account of the posted lines ``details`` (GLDETAIL, signed amounts): the
        balance before ``start`` (debits positive), the debits and the credits from
        ``start`` to ``end`` (ISO dates, inclusive), all in cents: whole numbers, so the
        sums are exact."""
        cents = 'CAST(round(CAST("AMOUNT" AS REAL) * 100) AS INTEGER)'
        within = '"ENTRY_DATE" BETWEEN ? AND ?'
        seen, seen_params = self.visibility(details, scope)
        where = f'{seen} AND "ENTRY_DATE" <= ?' + (' AND "ACCOUNTNO" = ?' if account else "")
        sql = (
            'SELECT "ACCOUNTNO", '
            f'sum(CASE WHEN "ENTRY_DATE" < ? THEN {cents} ELSE 0 END), '
            f'sum(CASE WHEN {within} AND "TR_TYPE" = 1 THEN {cents} ELSE 0 END), '
            f'sum(CASE WHEN {within} AND "TR_TYPE" = -1 THEN -{cents} ELSE 0 END) '
            f'FROM {_table(details)} WHERE {where} GROUP BY "ACCOUNTNO" ORDER BY "ACCOUNTNO"'
        )
        params = [start, start, end, start, end, *seen_params, end, *([account] if account else [])]
        rows = self._db.conn.execute(sql, params).fetchall()
        return [
            (str(no), int(opening), int(debits), int(credits))
            for no, opening, debits, credits in rows
        ]

    # -- writes -----------------------------------------------------------------------

    def now(self, company_id: str) -> str:
        """Now as stored: the company's wall-clock time. The gateway shows WHENMODIFIED in
        the user's time zone (protocol notes, "Time zones" [O]) and the seed's times are
        company time too, so stored text order stays time order within one zone."""
        company = self._identities.company(company_id)
        stamp = wall_clock(company.timezone if company else "UTC", self.clock.now())
        return stamp.strftime("%Y-%m-%d %H:%M:%S")

    def next_recordno(self, company: str, obj: ObjectDef) -> int:
        with self._db.transaction() as conn:
            row = conn.execute(
                "INSERT INTO counters VALUES (?, ?, 2) ON CONFLICT (company, object) "
                "DO UPDATE SET next = next + 1 RETURNING next - 1",
                (company, obj.name),
            ).fetchone()
            return int(row[0])

    def _insert_row(
        self, obj: ObjectDef, company: str, entity: str, row: Mapping[str, Any]
    ) -> None:
        names = [n for n in obj.field_names if n in row]
        self._db.conn.execute(
            f"INSERT INTO {_table(obj)} (_company, _entity, "
            f"{', '.join(quote(n) for n in names)}) VALUES "
            f"({', '.join('?' * (len(names) + 2))})",
            [company, entity, *(row[n] for n in names)],
        )

    def insert(
        self,
        obj: ObjectDef,
        scope: Scope,
        values: dict[str, Any],
        *,
        audited: bool = True,
        numbered: Collection[str] = (),
    ) -> dict[str, Any]:
        """Create one record: what Intacct fills in, required fields, unique id, RECORDNO
        and audit fields (``audited=False``: no AUDITHISTORY row, for the records a write
        derives, such as a posted line's GLDETAIL row). ``numbered``: columns numbered as
        autonumbered ones when left out (a REST create's business id the spec does not
        require)."""
        with self._db.transaction():
            recordno = self.next_recordno(scope.company, obj)
            fill_created(obj, values)
            self._autonumber(obj, scope, values, recordno, numbered)
            for f in obj.fields:
                if f.readonly or values.get(f.name) not in (None, ""):
                    continue
                if f.default is not None:
                    values[f.name] = to_db(f, f.default)
                elif f.required:
                    raise missing_required(obj.name, f.name)
            self._check_unique(obj, scope, values, None)
            self._check_references(obj, scope, values, "create")
            self._display_contact(obj, scope, values)
            self._party_name(obj, scope, values)
            now = self.now(scope.company)
            values.update(
                RECORDNO=recordno,
                WHENCREATED=now,
                WHENMODIFIED=now,
                CREATEDBY=scope.user.recordno,
                MODIFIEDBY=scope.user.recordno,
                RECORD_URL=record_url(obj, recordno),
            )
            entity = scope.entity if obj.entity_scoped else ""
            self._entity_fields(values, scope, entity)
            self._insert_row(obj, scope.company, entity, values)
            self._versioned(obj, scope.company, [recordno], replaced=False)
            if audited:
                self.audit(scope, obj, values, "create")
        return values

    def update(
        self,
        obj: ObjectDef,
        scope: Scope,
        recordno: int,
        values: dict[str, Any],
        *,
        audited: bool = True,
    ) -> dict[str, Any]:
        with self._db.transaction() as conn:
            current = self.find(obj, scope, "RECORDNO", [recordno])
            if not current:
                raise not_found(obj.name, str(recordno), "update")
            self._check_unique(obj, scope, values, recordno)
            self._check_references(obj, scope, values, "update")
            values.update(WHENMODIFIED=self.now(scope.company), MODIFIEDBY=scope.user.recordno)
            self._versioned(obj, scope.company, [recordno], replaced=True)
            names = [n for n in values if obj.field(n) and n != "RECORDNO"]
            conn.execute(
                f"UPDATE {_table(obj)} SET {', '.join(f'{quote(n)} = ?' for n in names)} "
                f'WHERE _company = ? AND "RECORDNO" = ?',
                [*(values[n] for n in names), scope.company, recordno],
            )
            merged = {**current[0], **values}
            if audited:
                self.audit(scope, obj, merged, "update")
            self._update_display_contact(scope, current[0], values)
        return merged

    def delete(
        self, obj: ObjectDef, scope: Scope, recordno: int, *, audited: bool = True
    ) -> dict[str, Any]:
        """Delete one record and the lines it owns; returns the record as it was."""
        with self._db.transaction() as conn:
            current = self.find(obj, scope, "RECORDNO", [recordno])
            if not current:
                raise not_found(obj.name, str(recordno), "delete")
            self._versioned(obj, scope.company, [recordno], replaced=True)
            conn.execute(
                f'DELETE FROM {_table(obj)} WHERE _company = ? AND "RECORDNO" = ?',
                (scope.company, recordno),
            )
            for line_obj_name in obj.owned.values():
                line = self.catalog[line_obj_name]
                if line.parent_key:
                    self._versioned_lines(line, scope.company, recordno)
                    conn.execute(
                        f"DELETE FROM {_table(line)} WHERE _company = ? AND "
                        f"{quote(line.parent_key)} = ?",
                        (scope.company, recordno),
                    )
            if audited:
                self.audit(scope, obj, current[0], "delete")
        return current[0]

    def _versioned(
        self, obj: ObjectDef, company: str, recordnos: Sequence[int], *, replaced: bool
    ) -> None:
        """Under a visibility lag, the rows' versions before a write changes them."""
        if self.lag.of(company) and self.lag.versioned(obj) and recordnos:
            now = self.clock.now().timestamp()
            self.lag.written(
                self._db.conn, _table(obj), obj, company, recordnos, now, replaced=replaced
            )

    def _versioned_lines(self, line: ObjectDef, company: str, parent: int) -> None:
        if not (self.lag.of(company) and self.lag.versioned(line) and line.parent_key):
            return
        rows = self._db.conn.execute(
            f'SELECT "RECORDNO" FROM {_table(line)} WHERE _company = ? AND '
            f"{quote(line.parent_key)} = ?",
            (company, parent),
        ).fetchall()
        self._versioned(line, company, [int(r[0]) for r in rows], replaced=True)

    def _display_contact(self, obj: ObjectDef, scope: Scope, values: dict[str, Any]) -> None:
        """A new vendor's or customer's display contact is a CONTACT record of its own
        ("Contact records ... almost never exist in Sage Intacct alone"; the suggested
        contact name "acts as a unique contact ID across Sage Intacct" [O], Intacct's
        contacts help page), written from the DISPLAYCONTACT.* values, as the seed writes
        each party's. [U] A contact of that name that exists already is the one the party
        shows, left as it is."""
        key = f"{DISPLAY_CONTACT}KEY"
        name = values.get(f"{DISPLAY_CONTACT}.CONTACTNAME")
        contact = self.catalog.get("CONTACT")
        if contact is None or name in (None, "") or not obj.field(key):
            return
        everyone = Scope(scope.company, "", scope.user, showprivate=True)
        found = self.find(contact, everyone, "CONTACTNAME", [name])
        if not found:
            found = [self.insert(contact, scope, _contact_values(contact, values))]
        values[key] = found[0]["RECORDNO"]

    def _party_name(self, obj: ObjectDef, scope: Scope, values: dict[str, Any]) -> None:
        """A new document's customer or vendor name, left out, is its party's: a sales or
        purchase transaction shows the customer's or vendor's name beside its id
        (CUSTVENDNAME, read-only on the create pages), as the seed's documents do [U:
        from the pages' fields; what Intacct shows for a party renamed later is not seen]."""
        party = obj.field("CUSTVENDID")
        if party is None or party.ref is None or not obj.field("CUSTVENDNAME"):
            return
        ident, kind = values.get("CUSTVENDID"), self.catalog.get(party.ref)
        if ident in (None, "") or kind is None or values.get("CUSTVENDNAME") not in (None, ""):
            return
        found = self.find(kind, scope, kind.id_field or "RECORDNO", [ident])
        if found:
            values["CUSTVENDNAME"] = found[0].get(kind.name_field or "NAME")

    def _update_display_contact(
        self, scope: Scope, current: Mapping[str, Any], values: Mapping[str, Any]
    ) -> None:
        """An update of a party's DISPLAYCONTACT.* changes its CONTACT record too: "if you
        update an address in a vendor record, the address will update everywhere" [V]
        (Intacct's contacts help page). The contact's name is its id and stays ("it
        cannot be edited after it's created")."""
        contact = self.catalog.get("CONTACT")
        recordno = current.get(f"{DISPLAY_CONTACT}KEY")
        if contact is None or recordno in (None, ""):
            return
        changed = _contact_values(contact, values)
        changed.pop("CONTACTNAME", None)
        everyone = Scope(scope.company, "", scope.user, showprivate=True)
        if changed and self.find(contact, everyone, "RECORDNO", [recordno]):
            self.update(contact, everyone, int(recordno), changed)

    def _autonumber(
        self,
        obj: ObjectDef,
        scope: Scope,
        values: dict[str, Any],
        recordno: int,
        also: Collection[str] = (),
    ) -> None:
        """Number the autonumbered ids a create leaves out (TASKID: TaskCreate has no
        property for it). [U] Intacct's auto-numbering sequence is per company and object
        and is not published; the record's own number is what users see, and a number a
        record already holds (an id typed by hand) is skipped, as the id stays unique."""
        everyone = Scope(scope.company, "", scope.user, showprivate=True)
        for f in obj.fields:
            if not (f.autonumber or f.name in also) or values.get(f.name) not in (None, ""):
                continue
            number = recordno
            while self.count(obj, everyone, f"{quote(f.name)} = ?", [str(number)]):
                number += 1
            values[f.name] = number if f.type == "integer" else str(number)

    def _check_unique(
        self, obj: ObjectDef, scope: Scope, values: Mapping[str, Any], recordno: int | None
    ) -> None:
        key = obj.id_field
        if not key or values.get(key) in (None, ""):
            return
        where = f"{quote(key)} = ?" + (' AND "RECORDNO" != ?' if recordno is not None else "")
        params = [values[key]] + ([recordno] if recordno is not None else [])
        everyone = Scope(scope.company, "", scope.user, showprivate=True)
        if self.count(obj, everyone, where, params):
            raise duplicate_error(obj, str(values[key]), "create" if recordno is None else "update")

    def _check_references(
        self, obj: ObjectDef, scope: Scope, values: Mapping[str, Any], action: str
    ) -> None:
        """A written field that names a record of an object in :data:`CHECKED_REFERENCES`
        (by that object's id, as TERMNAME names a term) must name one the company has,
        at any entity from the top level (as REST's references resolve)."""
        seen = Scope(scope.company, "", scope.user, showprivate=True) if not scope.entity else scope
        for f in obj.fields:
            value = values.get(f.name)
            if f.ref not in CHECKED_REFERENCES or f.type != "text" or value in (None, ""):
                continue
            target = self.catalog[f.ref]
            if target.id_field and not self.count(
                target, seen, f"{quote(target.id_field)} = ?", [value]
            ):
                raise invalid_reference(obj.name, f.name, str(value), target.name, action)

    def _entity_fields(self, values: dict[str, Any], scope: Scope, entity: str) -> None:
        if not entity:
            return
        for locationid, name, recordno in self._identities.entities(scope.company):
            if locationid == entity:
                values.update(MEGAENTITYKEY=recordno, MEGAENTITYID=locationid, MEGAENTITYNAME=name)

    def audit(self, scope: Scope, obj: ObjectDef, values: Mapping[str, Any], mode: str) -> None:
        """One AUDITHISTORY row per create/update/delete: ACCESSMODE in the words the
        records show (C Create, M Modify, D Delete) and OBJECTKEY the record's business
        id (``catalog.audit.object_key``), as the audit-trail page describes. A company
        watching the object (:mod:`.triggers`) gets its notice once the write commits."""
        self._notify(scope, obj, values, mode)
        history = self.catalog.get_object("AUDITHISTORY")
        if history is None or obj.name == "AUDITHISTORY":
            return
        if obj.name.upper() in self.unaudited.get(scope.company.upper(), ()):
            return  # left out of this company's trail (the control)
        code = {"create": "C", "update": "M", "delete": "D"}[mode]
        recordno = self.next_recordno(scope.company, history)
        row = {
            "RECORDNO": recordno,
            "ID": str(recordno),
            "USERID": scope.user.userid,
            "ACCESSTIME": self.now(scope.company),
            "ACCESSMODE": ACCESS_MODES[code],
            "SOURCE": "api",
            "OBJECTTYPE": obj.name.lower(),
            "OBJECTKEY": object_key(obj, values),
            "OBJECTDESC": str(values.get(obj.id_field or "RECORDNO", "")),
        }
        entity = scope.entity if obj.entity_scoped else ""
        self._insert_row(history, scope.company, entity, row)
        self._audit_visible(history, scope.company, obj, values, recordno)

    def _audit_visible(
        self, history: ObjectDef, company: str, obj: ObjectDef, values: Mapping[str, Any], row: int
    ) -> None:
        """Under a visibility lag, an audit row becomes visible when its write does: [U]
        Intacct writes it in the record's own transaction (the audit-trail page shows it
        beside the record's change), and a replica's lag delays a transaction whole, so
        queries never see the row before the change it names, nor the change before it."""
        recordno = values.get("RECORDNO")
        if not self.lag.of(company) or not self.lag.versioned(obj) or recordno in (None, ""):
            return
        visible = self.lag.visible_at(self._db.conn, company, obj, int(recordno))
        if visible is not None:
            now = self.clock.now().timestamp()
            self.lag.written(
                self._db.conn, _table(history), history, company, [row], now,
                replaced=False, visible=visible,
            )  # fmt: skip

    def _notify(self, scope: Scope, obj: ObjectDef, values: Mapping[str, Any], mode: str) -> None:
        if not self._triggers.watched(scope.company, obj.name):
            return
        ident = values.get(obj.id_field) if obj.id_field else None
        # a Smart Event's template injects the record's values: a copy, as committed
        # (a delete's as they were); the other modes need none
        templated = self._triggers.templated(scope.company, obj.name)
        notice = Notice(
            company=scope.company,
            entity=scope.entity,
            userid=scope.user.userid,
            object=obj.name,
            event=mode,
            key=str(values.get("RECORDNO", "")),
            id=None if ident in (None, "") else str(ident),
            at=self.clock.now(),
            values=dict(values) if templated else None,
        )
        self._db.after_commit(lambda: self._triggers.publish(notice))
