"""All emulator state and business rules, in SQLite.

One table per catalog object (``obj_<NAME>``, one column per field, plus ``_company``
and ``_entity``), and small tables for companies, entities, users, senders and
executed control ids. Handlers never write SQL; they call these methods. Writes are
serialized by one lock (SQLite has one writer); reads run concurrently on per-thread
connections (WAL for files, shared cache for memory).
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intacct.emulator.catalog import Catalog, ObjectDef, load_catalog
from intacct.emulator.errors import duplicate, missing_required, not_found
from intacct.emulator.values import to_db, wall_clock

__all__ = ["Company", "Cursor", "Scope", "Session", "Store", "User"]

DEMO_SENDER = ("demo_sender", "demo-sender-password")
#: user date formats the emulator can render (Intacct's UI offers these orders)
DATE_FORMATS = ("%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m-%d")
DEMO_USER = ("demo_user", "demo-user-password")
RESTRICTED_USER = ("demo_restricted", "demo-user-password")


@dataclass(frozen=True, slots=True)
class Company:
    id: str
    name: str
    multi_entity: bool
    date_format: str = "%m/%d/%Y"
    timezone: str = "America/Los_Angeles"
    session_minutes: int = 480


@dataclass(frozen=True, slots=True)
class User:
    company: str
    userid: str
    recordno: int
    denied_modules: frozenset[str] = frozenset()


@dataclass(slots=True)
class Session:
    sessionid: str
    company: str
    userid: str
    locationid: str
    expires: float


@dataclass(frozen=True, slots=True)
class Scope:
    """Who is asking: company, entity ('' = top level), user."""

    company: str
    entity: str
    user: User
    showprivate: bool = False


@dataclass(slots=True)
class Cursor:
    """A readByQuery result set continued by readMore (keyset on RECORDNO)."""

    result_id: str
    scope: Scope
    obj: ObjectDef
    fields: list[str]
    where: str
    params: list[Any]
    pagesize: int
    total: int
    remaining: int
    last_recordno: int = 0
    touched: float = field(default_factory=time.monotonic)


def _table(obj: ObjectDef) -> str:
    return f'"obj_{obj.name}"'


def _col(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_SQL_TYPES = {"integer": "INTEGER", "boolean": "INTEGER"}

_BASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS companies (id TEXT PRIMARY KEY, name TEXT, multi_entity INTEGER,
    date_format TEXT, timezone TEXT, session_minutes INTEGER);
CREATE TABLE IF NOT EXISTS entities (company TEXT, locationid TEXT, name TEXT, recordno INTEGER,
    PRIMARY KEY (company, locationid));
CREATE TABLE IF NOT EXISTS users (company TEXT, userid TEXT, password TEXT, recordno INTEGER,
    denied_modules TEXT, PRIMARY KEY (company, userid));
CREATE TABLE IF NOT EXISTS senders (senderid TEXT PRIMARY KEY, password TEXT, companies TEXT);
CREATE TABLE IF NOT EXISTS executed (company TEXT, controlid TEXT,
    PRIMARY KEY (company, controlid));
CREATE TABLE IF NOT EXISTS counters (company TEXT, object TEXT, next INTEGER,
    PRIMARY KEY (company, object));
"""


class Store:
    """The emulated gateway's data. ``path=None`` keeps everything in memory."""

    def __init__(self, path: str | Path | None = None, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or load_catalog()
        if path is None:
            self._uri = f"file:intacct-emulator-{uuid.uuid4().hex}?mode=memory&cache=shared"
        else:
            self._uri = Path(path).resolve().as_uri()
        self._local = threading.local()
        self.write_lock = threading.RLock()
        self._anchor = self._connect()  # keeps a memory database alive
        self.sessions: dict[str, Session] = {}
        # companies, senders and users change only through add_*/reset: cache them
        self._identity: dict[tuple[str, ...], Any] = {}
        self.cursors: dict[str, Cursor] = {}
        self.cursor_ttl_s = 15 * 60.0  # [U] resultId lifetime is undocumented
        self._create_schema()

    # -- connections ---------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._uri, uri=True, check_same_thread=False, isolation_level=None, timeout=30
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA read_uncommitted=1")
        return conn

    @property
    def db(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (nested calls become savepoints)."""
        with self.write_lock:
            conn = self.db
            depth: int = getattr(self._local, "depth", 0)
            name = f"sp{depth}"
            conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT {name}")
            self._local.depth = depth + 1
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK" if depth == 0 else f"ROLLBACK TO {name}")
                if depth:
                    conn.execute(f"RELEASE {name}")
                raise
            else:
                conn.execute("COMMIT" if depth == 0 else f"RELEASE {name}")
            finally:
                self._local.depth = depth

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._anchor.close()

    # -- schema and seed ------------------------------------------------------------

    def _create_schema(self) -> None:
        with self.write_lock:
            self.db.executescript(_BASE_SCHEMA)
            for obj in self.catalog.values():
                columns = ", ".join(
                    f"{_col(f.name)} {_SQL_TYPES.get(f.type, 'TEXT')}" for f in obj.fields
                )
                table = _table(obj)
                self.db.execute(
                    f"CREATE TABLE IF NOT EXISTS {table} (_company TEXT NOT NULL, "
                    f"_entity TEXT NOT NULL DEFAULT '', {columns})"
                )
                self._indexes(obj)

    def _indexes(self, obj: ObjectDef) -> None:
        table, name = _table(obj), obj.name
        key = "ID" if obj.field("RECORDNO") is None else "RECORDNO"
        self.db.execute(
            f'CREATE INDEX IF NOT EXISTS "ix_{name}_key" ON {table} (_company, {_col(key)})'
        )
        if obj.field("WHENMODIFIED"):
            self.db.execute(
                f'CREATE INDEX IF NOT EXISTS "ix_{name}_wm" ON {table} '
                f'(_company, "WHENMODIFIED", "RECORDNO")'
            )
        if obj.id_field and obj.field(obj.id_field):
            self.db.execute(
                f'CREATE INDEX IF NOT EXISTS "ix_{name}_id" ON {table} '
                f"(_company, {_col(obj.id_field)})"
            )
        if obj.parent_key and obj.field(obj.parent_key):
            self.db.execute(
                f'CREATE INDEX IF NOT EXISTS "ix_{name}_parent" ON {table} '
                f"(_company, {_col(obj.parent_key)})"
            )

    def reset(self) -> None:
        """Drop every row (companies included)."""
        with self.transaction() as conn:
            for table in ("companies", "entities", "users", "senders", "executed", "counters"):
                conn.execute(f"DELETE FROM {table}")
            for obj in self.catalog.values():
                conn.execute(f"DELETE FROM {_table(obj)}")
        self.sessions.clear()
        self.cursors.clear()
        self._identity.clear()

    def add_company(self, company: Company, entities: Sequence[tuple[str, str]] = ()) -> None:
        self._identity.clear()
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO companies VALUES (?, ?, ?, ?, ?, ?)",
                (
                    company.id,
                    company.name,
                    int(company.multi_entity),
                    company.date_format,
                    company.timezone,
                    company.session_minutes,
                ),
            )
            for n, (locationid, name) in enumerate(entities, start=1):
                conn.execute(
                    "INSERT OR REPLACE INTO entities VALUES (?, ?, ?, ?)",
                    (company.id, locationid, name, n),
                )

    def configure_company(self, company_id: str, **changes: Any) -> Company:
        """Change date format, time zone or session length of a company. Stored times are
        wall-clock times: a new time zone applies to records written from then on, the
        stored ones (the seed's history included) keep the times they show."""
        current = self.company(company_id)
        if current is None:
            raise ValueError(f"no company {company_id!r}")
        allowed = {"date_format", "timezone", "session_minutes"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        if "date_format" in changes and changes["date_format"] not in DATE_FORMATS:
            raise ValueError(f"date_format must be one of {DATE_FORMATS}")
        if "timezone" in changes:
            _check_zone(changes["timezone"])
        if "session_minutes" in changes and not 1 <= int(changes["session_minutes"]) <= 1440:
            raise ValueError("session_minutes must be between 1 and 1440")
        updated = replace(current, **changes)
        self.add_company(updated, [(e[0], e[1]) for e in self.entities(company_id)])
        return updated

    def add_user(
        self,
        company: str,
        userid: str,
        password: str,
        recordno: int,
        denied_modules: Iterable[str] = (),
    ) -> None:
        self._identity.clear()
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?, ?)",
                (company, userid, password, recordno, ",".join(denied_modules)),
            )

    def add_sender(self, senderid: str, password: str, companies: Iterable[str]) -> None:
        self._identity.clear()
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO senders VALUES (?, ?, ?)",
                (senderid, password, ",".join(companies)),
            )

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
            f"{', '.join(_col(n) for n in names)}) "
            f"VALUES ({', '.join('?' * (len(names) + 2))})"
        )
        batch = [
            (company, entity, *(to_db(f, _seeded(obj, f.name, row)) for f in fields))
            for row in rows
        ]
        with self.transaction() as conn:
            conn.executemany(sql, batch)
            top = max((r.get("RECORDNO") or 0 for r in rows), default=0)
            if top:
                conn.execute(
                    "INSERT INTO counters VALUES (?, ?, ?) ON CONFLICT (company, object) "
                    "DO UPDATE SET next = max(next, excluded.next)",
                    (company, obj.name, int(top) + 1),
                )
        return len(batch)

    # -- identity -------------------------------------------------------------------

    def _cached(self, key: tuple[str, ...], load: Callable[[], Any]) -> Any:
        if key not in self._identity:
            self._identity[key] = load()
        return self._identity[key]

    def company(self, company_id: str) -> Company | None:
        def load() -> Company | None:
            row = self.db.execute("SELECT * FROM companies WHERE id = ?", (company_id,)).fetchone()
            return Company(row[0], row[1], bool(row[2]), row[3], row[4], row[5]) if row else None

        result: Company | None = self._cached(("company", company_id), load)
        return result

    def entities(self, company_id: str) -> list[tuple[str, str, int]]:
        return self.db.execute(
            "SELECT locationid, name, recordno FROM entities WHERE company = ? ORDER BY recordno",
            (company_id,),
        ).fetchall()

    def entity_name(self, company_id: str, locationid: str) -> str | None:
        row = self.db.execute(
            "SELECT name FROM entities WHERE company = ? AND locationid = ?",
            (company_id, locationid),
        ).fetchone()
        return row[0] if row else None

    def sender(self, senderid: str) -> tuple[str, set[str]] | None:
        def load() -> tuple[str, set[str]] | None:
            row = self.db.execute(
                "SELECT password, companies FROM senders WHERE senderid = ?", (senderid,)
            ).fetchone()
            return (row[0], set(filter(None, row[1].split(",")))) if row else None

        result: tuple[str, set[str]] | None = self._cached(("sender", senderid), load)
        return result

    def _user_row(self, company_id: str, userid: str) -> tuple[User, str] | None:
        def load() -> tuple[User, str] | None:
            row = self.db.execute(
                "SELECT recordno, denied_modules, password FROM users WHERE company = ? "
                "AND userid = ?",
                (company_id, userid),
            ).fetchone()
            if row is None:
                return None
            denied = frozenset(filter(None, row[1].split(",")))
            return User(company_id, userid, row[0], denied), row[2]

        result: tuple[User, str] | None = self._cached(("user", company_id, userid), load)
        return result

    def login(self, company_id: str, userid: str, password: str) -> User | None:
        found = self._user_row(company_id, userid)
        # compare bytes: compare_digest refuses non-ASCII str
        if found is None or not secrets.compare_digest(found[1].encode(), password.encode()):
            return None
        return found[0]

    def user(self, company_id: str, userid: str) -> User | None:
        found = self._user_row(company_id, userid)
        return found[0] if found else None

    def user_by_recordno(self, company_id: str, recordno: int) -> User | None:
        row = self.db.execute(
            "SELECT userid FROM users WHERE company = ? AND recordno = ?", (company_id, recordno)
        ).fetchone()
        return self.user(company_id, row[0]) if row else None

    def open_session(self, company: Company, userid: str, locationid: str) -> Session:
        session = Session(
            sessionid=secrets.token_urlsafe(24) + "..",
            company=company.id,
            userid=userid,
            locationid=locationid,
            expires=time.time() + company.session_minutes * 60,
        )
        self.sessions[session.sessionid] = session
        return session

    def touch_session(self, sessionid: str) -> Session | None:
        """The live session, its sliding timeout pushed forward; None if unknown/expired."""
        session = self.sessions.get(sessionid)
        if session is None:
            return None
        now = time.time()
        if now >= session.expires:
            del self.sessions[sessionid]
            return None
        company = self.company(session.company)
        minutes = company.session_minutes if company else 60
        session.expires = now + minutes * 60
        return session

    def remember_controlid(self, company: str, controlid: str) -> bool:
        """Record an executed function control id; False if it had already run."""
        with self.transaction() as conn:
            cur = conn.execute("INSERT OR IGNORE INTO executed VALUES (?, ?)", (company, controlid))
            return cur.rowcount == 1

    # -- reads ----------------------------------------------------------------------

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
        sql = (
            f"SELECT {', '.join(columns)} FROM {_table(obj)} WHERE {seen} AND ({where}) "
            f"{group} {order}"
        )
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, limit, offset]
        return self.db.execute(sql, [*seen_params, *params]).fetchall()

    def count(
        self,
        obj: ObjectDef,
        scope: Scope,
        where: str = "1=1",
        params: Sequence[Any] = (),
        group: str = "",
    ) -> int:
        seen, seen_params = self.visibility(obj, scope)
        inner = f"SELECT 1 FROM {_table(obj)} WHERE {seen} AND ({where}) {group}"
        row = self.db.execute(f"SELECT count(*) FROM ({inner})", [*seen_params, *params]).fetchone()
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
        cols = [_col(n) for n in names]
        return [
            dict(zip(names, row, strict=True))
            for row in self.select(obj, scope, cols, where, params, order, limit, offset)
        ]

    def find(
        self, obj: ObjectDef, scope: Scope, field_name: str, keys: Sequence[Any]
    ) -> list[dict[str, Any]]:
        marks = ", ".join("?" * len(keys))
        found = self.rows(
            obj, scope, obj.field_names, f"{_col(field_name)} IN ({marks})", list(keys)
        )
        by_key = {str(r[field_name]): r for r in found}
        return [by_key[str(k)] for k in keys if str(k) in by_key]

    def gl_balances(
        self, entries: ObjectDef, scope: Scope, start: str, end: str, account: str | None
    ) -> list[tuple[Any, ...]]:
        """Per account: balance before ``start`` (debits positive), debits and credits
        from ``start`` to ``end`` (ISO dates, inclusive)."""
        amount = 'CAST("AMOUNT" AS REAL)'
        within = '"ENTRY_DATE" BETWEEN ? AND ?'
        seen, seen_params = self.visibility(entries, scope)
        where = f'{seen} AND "ENTRY_DATE" <= ?' + (' AND "ACCOUNTNO" = ?' if account else "")
        sql = (
            'SELECT "ACCOUNTNO", '
            f'sum(CASE WHEN "ENTRY_DATE" < ? THEN "TR_TYPE" * {amount} ELSE 0 END), '
            f'sum(CASE WHEN {within} AND "TR_TYPE" = 1 THEN {amount} ELSE 0 END), '
            f'sum(CASE WHEN {within} AND "TR_TYPE" = -1 THEN {amount} ELSE 0 END) '
            f'FROM {_table(entries)} WHERE {where} GROUP BY "ACCOUNTNO" ORDER BY "ACCOUNTNO"'
        )
        params = [start, start, end, start, end, *seen_params, end, *([account] if account else [])]
        return self.db.execute(sql, params).fetchall()

    def new_cursor(self, cursor_args: dict[str, Any]) -> Cursor:
        self._expire_cursors()
        result_id = uuid.uuid4().hex[:10] + secrets.token_urlsafe(18)
        cursor = Cursor(result_id=result_id, **cursor_args)
        self.cursors[result_id] = cursor
        return cursor

    def cursor(self, result_id: str) -> Cursor | None:
        self._expire_cursors()
        cursor = self.cursors.get(result_id)
        if cursor is not None:
            cursor.touched = time.monotonic()
        return cursor

    def _expire_cursors(self) -> None:
        deadline = time.monotonic() - self.cursor_ttl_s
        for key in [k for k, c in self.cursors.items() if c.touched < deadline]:
            del self.cursors[key]

    # -- writes ---------------------------------------------------------------------

    def now(self, company_id: str) -> str:
        """Now as stored: the company's wall-clock time. The gateway shows WHENMODIFIED in
        the user's time zone (protocol notes, "Time zones" [O]) and the seed's times are
        company time too, so stored text order stays time order within one zone."""
        company = self.company(company_id)
        stamp = wall_clock(company.timezone if company else "UTC")
        return stamp.strftime("%Y-%m-%d %H:%M:%S")

    def next_recordno(self, company: str, obj: ObjectDef) -> int:
        with self.transaction() as conn:
            row = conn.execute(
                "INSERT INTO counters VALUES (?, ?, 2) ON CONFLICT (company, object) "
                "DO UPDATE SET next = next + 1 RETURNING next - 1",
                (company, obj.name),
            ).fetchone()
            return int(row[0])

    def insert(self, obj: ObjectDef, scope: Scope, values: dict[str, Any]) -> dict[str, Any]:
        """Create one record: required fields, unique id, RECORDNO and audit fields."""
        for f in obj.fields:
            if f.readonly or values.get(f.name) not in (None, ""):
                continue
            if f.default is not None:
                values[f.name] = to_db(f, f.default)
            elif f.required:
                raise missing_required(obj.name, f.name)
        with self.transaction() as conn:
            self._check_unique(obj, scope, values, None)
            now = self.now(scope.company)
            recordno = self.next_recordno(scope.company, obj)
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
            names = [n for n in obj.field_names if n in values]
            conn.execute(
                f"INSERT INTO {_table(obj)} (_company, _entity, "
                f"{', '.join(_col(n) for n in names)}) VALUES "
                f"({', '.join('?' * (len(names) + 2))})",
                [scope.company, entity, *(values[n] for n in names)],
            )
            self.audit(scope, obj, values, "create")
        return values

    def update(
        self, obj: ObjectDef, scope: Scope, recordno: int, values: dict[str, Any]
    ) -> dict[str, Any]:
        with self.transaction() as conn:
            current = self.find(obj, scope, "RECORDNO", [recordno])
            if not current:
                raise not_found(obj.name, str(recordno), "update")
            self._check_unique(obj, scope, values, recordno)
            values.update(WHENMODIFIED=self.now(scope.company), MODIFIEDBY=scope.user.recordno)
            names = [n for n in values if obj.field(n) and n != "RECORDNO"]
            conn.execute(
                f"UPDATE {_table(obj)} SET {', '.join(f'{_col(n)} = ?' for n in names)} "
                f'WHERE _company = ? AND "RECORDNO" = ?',
                [*(values[n] for n in names), scope.company, recordno],
            )
            merged = {**current[0], **values}
            self.audit(scope, obj, merged, "update")
        return merged

    def delete(self, obj: ObjectDef, scope: Scope, recordno: int) -> None:
        with self.transaction() as conn:
            current = self.find(obj, scope, "RECORDNO", [recordno])
            if not current:
                raise not_found(obj.name, str(recordno), "delete")
            conn.execute(
                f'DELETE FROM {_table(obj)} WHERE _company = ? AND "RECORDNO" = ?',
                (scope.company, recordno),
            )
            for line_obj_name in obj.owned.values():
                line = self.catalog[line_obj_name]
                if line.parent_key:
                    conn.execute(
                        f"DELETE FROM {_table(line)} WHERE _company = ? AND "
                        f"{_col(line.parent_key)} = ?",
                        (scope.company, recordno),
                    )
            self.audit(scope, obj, current[0], "delete")

    def _check_unique(
        self, obj: ObjectDef, scope: Scope, values: Mapping[str, Any], recordno: int | None
    ) -> None:
        key = obj.id_field
        if not key or values.get(key) in (None, ""):
            return
        where = f"{_col(key)} = ?" + (' AND "RECORDNO" != ?' if recordno is not None else "")
        params = [values[key]] + ([recordno] if recordno is not None else [])
        everyone = Scope(scope.company, "", scope.user, showprivate=True)
        if self.count(obj, everyone, where, params):
            raise duplicate(obj.name, str(values[key]))

    def _entity_fields(self, values: dict[str, Any], scope: Scope, entity: str) -> None:
        if not entity:
            return
        for locationid, name, recordno in self.entities(scope.company):
            if locationid == entity:
                values.update(MEGAENTITYKEY=recordno, MEGAENTITYID=locationid, MEGAENTITYNAME=name)

    def audit(self, scope: Scope, obj: ObjectDef, values: Mapping[str, Any], mode: str) -> None:
        """One AUDITHISTORY row per create/update/delete (``ACCESSMODE`` by catalog)."""
        history = self.catalog.get_object("AUDITHISTORY")
        if history is None or obj.name == "AUDITHISTORY":
            return
        code = {"create": "C", "update": "M", "delete": "D"}[mode]
        access = history.field("ACCESSMODE")
        mode_value = (
            access.values[access.codes.index(code)] if access and code in access.codes else code
        )
        recordno = self.next_recordno(scope.company, history)
        row = {
            "RECORDNO": recordno,
            "ID": str(recordno),
            "USERID": scope.user.userid,
            "ACCESSTIME": self.now(scope.company),
            "ACCESSMODE": mode_value,
            "SOURCE": "api",
            "OBJECTTYPE": obj.name.lower(),
            "OBJECTKEY": str(values.get("RECORDNO", "")),
            "OBJECTDESC": str(values.get(obj.id_field or "RECORDNO", "")),
        }
        names = [n for n in history.field_names if n in row]
        self.db.execute(
            f"INSERT INTO {_table(history)} (_company, _entity, "
            f"{', '.join(_col(n) for n in names)}) VALUES ({', '.join('?' * (len(names) + 2))})",
            [scope.company, scope.entity if obj.entity_scoped else "", *(row[n] for n in names)],
        )


def record_url(obj: ObjectDef, recordno: int) -> str:
    """A stable link like the gateway's RECORD_URL (its exact format is opaque)."""
    return f"https://www.intacct.com/ia/acct/ur.phtml?.r={obj.name.lower()}.{recordno}"


def _seeded(obj: ObjectDef, name: str, row: Mapping[str, Any]) -> Any:
    if name == "RECORD_URL" and row.get("RECORDNO") is not None:
        return record_url(obj, int(row["RECORDNO"]))
    return row.get(name)


def _check_zone(name: object) -> None:
    """An IANA time zone name this machine knows; ValueError (HTTP 400) otherwise."""
    known = False
    if isinstance(name, str):
        try:
            known = ZoneInfo(name) is not None
        except (ZoneInfoNotFoundError, ValueError):
            known = False
    if not known:
        raise ValueError(
            f"timezone must be an IANA time zone name such as 'Europe/London', not {name!r}"
        )
