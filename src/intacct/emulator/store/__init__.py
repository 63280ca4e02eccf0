"""All emulator state and business rules, behind one facade.

- :mod:`.database` — SQLite connections, one writer at a time;
- :mod:`.identities` — senders, companies, entities, users, registered OAuth apps;
- :mod:`.sessions` — live sessions and readMore cursors (in memory, locked);
- :mod:`.grants` — the REST API's OAuth codes and refresh tokens (in memory, locked);
- :mod:`.idempotency` — the REST API's idempotency keys (in memory, locked);
- :mod:`.jobs` — the REST API's bulk jobs (in memory, locked);
- ``dds`` — the Data Delivery Service's settings, cloud storage targets and the plans of
  its jobs (:mod:`intacct.emulator.dds`; in memory, locked; its jobs' DDSJOB rows are
  records);
- :mod:`.triggers` — change notices: subscriptions, the notices committed writes make
  (in memory, locked); :mod:`.events` the event queue's events;
- :mod:`.records` — catalog records, the only place with record SQL;
- :mod:`.ledger` — what a journal-entry write implies: its lines' fields, the GL detail
  view of posted lines, and the balances summed from it.

Handlers never write SQL; they call the :class:`Store` methods.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from intacct.emulator.catalog import Catalog, FieldDef, ObjectDef, load_catalog
from intacct.emulator.clock import Clock
from intacct.emulator.dds.state import DataDelivery
from intacct.emulator.store.database import Database
from intacct.emulator.store.events import EventQueue
from intacct.emulator.store.grants import Grants
from intacct.emulator.store.idempotency import IdempotencyKeys
from intacct.emulator.store.identities import (
    DATE_FORMATS,
    DEMO_APP,
    DEMO_SENDER,
    DEMO_USER,
    RESTRICTED_USER,
    Company,
    Identities,
    OAuthApp,
    User,
)
from intacct.emulator.store.jobs import BulkJobs
from intacct.emulator.store.ledger import Ledger
from intacct.emulator.store.records import Records, record_url
from intacct.emulator.store.sessions import Cursor, LockedMap, Scope, Session, SessionState
from intacct.emulator.store.triggers import Notice, Subscription, Triggers

__all__ = [
    "DATE_FORMATS",
    "DEMO_APP",
    "DEMO_SENDER",
    "DEMO_USER",
    "RESTRICTED_USER",
    "Company",
    "Cursor",
    "Notice",
    "OAuthApp",
    "Scope",
    "Session",
    "Store",
    "Subscription",
    "User",
    "record_url",
]


class Store:
    """The emulated gateway's data. ``path=None`` keeps everything in memory; ``template``
    (a store's database file) is what it starts with."""

    def __init__(
        self,
        path: str | Path | None = None,
        catalog: Catalog | None = None,
        template: Path | None = None,
    ) -> None:
        # its own copy: a custom field added at run time (:meth:`add_custom_field`) is
        # this store's, never another's in the same process
        self.catalog = (catalog or load_catalog()).copy()
        self._database = Database(path, template)
        self.write_lock = self._database.write_lock
        self.identities = Identities(self._database)
        self.live = SessionState(self.identities.company)
        self.grants = Grants()  # the REST API's OAuth codes and refresh tokens
        self.idempotency = IdempotencyKeys()  # the REST API's Idempotency-Key headers
        self.jobs = BulkJobs()  # the REST API's bulk jobs
        self.dds = DataDelivery()  # DDS: settings, targets, what its queued jobs will do
        self.clock = Clock()  # what "now" is for stamps and gmtoffset; tests move it
        # change notices: subscriptions, and the event queue of the queue ones
        self.triggers = Triggers(self.identities, self.catalog, EventQueue())
        self.records = Records(
            self._database, self.catalog, self.identities, self.clock, self.triggers
        )
        self.ledger = Ledger(self.records, self.catalog)

    # -- connections ------------------------------------------------------------------

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection (benchmarks and tests; handlers never use it)."""
        return self._database.conn

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction (nested calls become savepoints)."""
        return self._database.transaction()

    def close(self) -> None:
        self._database.close()

    def reset(self) -> None:
        """Drop every row (companies and OAuth apps included), every session, cursor,
        OAuth grant (tokens issued before are refused), bulk job, subscription, queued
        event and DDS setting (targets, subscriptions); the clock runs on the real time
        again."""
        with self._database.transaction():
            self.records.reset()
            self.identities.reset()
        self.live.clear()
        self.grants.clear()
        self.idempotency.clear()
        self.jobs.clear()
        self.dds.clear()
        self.triggers.clear()
        self.clock.reset()

    def add_custom_field(self, object_name: str, field: FieldDef) -> ObjectDef:
        """A custom field the company adds to ``object_name`` now: a column of the
        object's table (empty in every record) and a field of its definition, which the
        gateway's ``lookup`` and reads and the REST API's model service, query and writes
        see from the next request on. [U] Every company of this store gets it (the
        emulator's catalog is per store; Intacct's custom fields are per company)."""
        if not field.custom:
            raise ValueError(f"{field.name}: only a custom field can be added")
        with self.write_lock, self._database.transaction():
            obj = self.catalog[object_name]
            if obj.field(field.name) is not None:
                raise ValueError(f"{obj.name} has a field {field.name} already")
            self.records.add_column(obj, field)
            return self.catalog.add_field(obj.name, field)

    def add_custom_object(self, obj: ObjectDef) -> None:
        """A user-defined dimension the company adds now (:func:`~intacct.emulator.
        catalog.custom_object`): its table, empty, and its definition, which XML's
        ``inspect``/``lookup`` and reads and REST's model service (``platform-apps/
        nsp::<name>``), query and writes see from the next request on. [U] Every company
        of this store gets it."""
        if not obj.user_defined_dimension:
            raise ValueError(f"{obj.name}: only a user-defined dimension can be added")
        with self.write_lock, self._database.transaction():
            if self.catalog.get_object(obj.name) is not None:
                raise ValueError(f"there is an object {obj.name} already")
            self.records.add_table(obj)
            self.catalog.add_object(obj)

    def remove_custom_object(self, name: str) -> None:
        """An object :meth:`add_custom_object` added, removed now with its records: its
        table and definition are gone from the next request on (XML's ``inspect`` and
        REST's model service no longer list it; a read of it is an unknown object).
        [U] whether Intacct lets an object with records be deleted; AUDITHISTORY keeps
        what it said of them."""
        with self.write_lock, self._database.transaction():
            if name.upper() not in {n.upper() for n in self.custom_objects_added()}:
                raise ValueError(f"{name!r} is no object added at run time")
            self.records.drop_table(self.catalog[name])
            self.catalog.remove_object(name)

    def custom_fields_added(self) -> dict[str, list[str]]:
        """The custom fields :meth:`add_custom_field` added, by object."""
        packaged = load_catalog()
        return {
            obj.name: [f.name for f in obj.fields[len(packaged[obj.name].fields) :]]
            for obj in self.catalog.values()
            if obj.name in packaged and obj is not packaged[obj.name]
        }

    def custom_objects_added(self) -> list[str]:
        """The objects :meth:`add_custom_object` added."""
        return [name for name in self.catalog if name not in load_catalog()]

    # -- identities -------------------------------------------------------------------

    def add_company(self, company: Company, entities: Sequence[tuple[str, str]] = ()) -> None:
        self.identities.add_company(company, entities)

    def configure_company(self, company_id: str, **changes: Any) -> Company:
        return self.identities.configure_company(company_id, **changes)

    def add_user(
        self,
        company: str,
        userid: str,
        password: str,
        recordno: int,
        denied_modules: Iterable[str] = (),
    ) -> None:
        self.identities.add_user(company, userid, password, recordno, denied_modules)

    def add_sender(self, senderid: str, password: str, companies: Iterable[str]) -> None:
        self.identities.add_sender(senderid, password, companies)

    def company(self, company_id: str) -> Company | None:
        return self.identities.company(company_id)

    def entities(self, company_id: str) -> list[tuple[str, str, int]]:
        return self.identities.entities(company_id)

    def entity_name(self, company_id: str, locationid: str) -> str | None:
        return self.identities.entity_name(company_id, locationid)

    def sender(self, senderid: str) -> tuple[str, set[str]] | None:
        return self.identities.sender(senderid)

    def login(self, company_id: str, userid: str, password: str) -> User | None:
        return self.identities.login(company_id, userid, password)

    def user(self, company_id: str, userid: str) -> User | None:
        return self.identities.user(company_id, userid)

    def user_by_recordno(self, company_id: str, recordno: int) -> User | None:
        return self.identities.user_by_recordno(company_id, recordno)

    # -- sessions and cursors ---------------------------------------------------------

    @property
    def sessions(self) -> LockedMap[str, Session]:
        return self.live.sessions

    @property
    def cursors(self) -> LockedMap[str, Cursor]:
        return self.live.cursors

    @property
    def cursor_ttl_s(self) -> float:
        return self.live.cursor_ttl_s

    @cursor_ttl_s.setter
    def cursor_ttl_s(self, seconds: float) -> None:
        self.live.cursor_ttl_s = seconds

    def open_session(self, company: Company, userid: str, locationid: str) -> Session:
        return self.live.open_session(company, userid, locationid)

    def touch_session(self, sessionid: str) -> Session | None:
        return self.live.touch_session(sessionid)

    def new_cursor(self, cursor_args: dict[str, Any]) -> Cursor:
        return self.live.new_cursor(cursor_args)

    def cursor(self, result_id: str) -> Cursor | None:
        return self.live.cursor(result_id)

    # -- records ----------------------------------------------------------------------

    def bulk_insert(
        self, company: str, entity: str, obj_name: str, rows: Iterable[Mapping[str, Any]]
    ) -> int:
        return self.records.bulk_insert(company, entity, obj_name, rows)

    def remember_controlid(self, company: str, controlid: str) -> bool:
        return self.records.remember_controlid(company, controlid)

    visibility = staticmethod(Records.visibility)

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
        return self.records.select(obj, scope, columns, where, params, order, limit, offset, group)

    def count(
        self,
        obj: ObjectDef,
        scope: Scope,
        where: str = "1=1",
        params: Sequence[Any] = (),
        group: str = "",
    ) -> int:
        return self.records.count(obj, scope, where, params, group)

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
        return self.records.rows(obj, scope, names, where, params, order, limit, offset)

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
        return self.records.query(obj, scope, select, where, params, order, limit, offset)

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
        return self.records.page_after(obj, scope, names, where, params, after, limit)

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
        return self.records.listed(obj, scope, where, params, sorts, limit, offset)

    def children(self, line: ObjectDef, scope: Scope, recordno: Any) -> list[dict[str, Any]]:
        return self.records.children(line, scope, recordno)

    def find(
        self, obj: ObjectDef, scope: Scope, field_name: str, keys: Sequence[Any]
    ) -> list[dict[str, Any]]:
        return self.records.find(obj, scope, field_name, keys)

    def gl_balances(
        self, scope: Scope, start: str, end: str, account: str | None
    ) -> list[tuple[str, int, int, int]]:
        """Per account, in cents: balance before ``start``, debits and credits from
        ``start`` to ``end``, of posted lines only (:meth:`.Ledger.balances`)."""
        return self.ledger.balances(scope, start, end, account)

    def now(self, company_id: str) -> str:
        return self.records.now(company_id)

    def next_recordno(self, company: str, obj: ObjectDef) -> int:
        return self.records.next_recordno(company, obj)

    # a write and what it implies for the ledger are one transaction

    def insert(
        self,
        obj: ObjectDef,
        scope: Scope,
        values: dict[str, Any],
        *,
        numbered: Collection[str] = (),
    ) -> dict[str, Any]:
        """Create a record (``numbered``: ids numbered when left out, :meth:`Records.insert`)."""
        with self.transaction():
            self.ledger.completing(obj, scope, values)
            created = self.records.insert(obj, scope, values, numbered=numbered)
            self.ledger.written(obj, scope, created, new=True)
        return created

    def update(
        self, obj: ObjectDef, scope: Scope, recordno: int, values: dict[str, Any]
    ) -> dict[str, Any]:
        with self.transaction():
            updated = self.records.update(obj, scope, recordno, values)
            self.ledger.written(obj, scope, updated, new=False)
        return updated

    def delete(self, obj: ObjectDef, scope: Scope, recordno: int) -> None:
        with self.transaction():
            self.ledger.deleting(obj, scope, recordno)
            deleted = self.records.delete(obj, scope, recordno)
            self.ledger.deleted(obj, scope, deleted)

    def write_lines(
        self,
        obj: ObjectDef,
        scope: Scope,
        recordno: int,
        lines: Mapping[str, Sequence[dict[str, Any]]],
        *,
        replace: bool,
    ) -> None:
        """Create the lines document ``recordno`` owns (``lines``: values in storage form
        by owned container, ``ENTRIES``); an update's replace them all. Both APIs'
        writes come here."""
        with self.transaction():
            for container, rows in lines.items():
                line_obj = self.catalog[obj.owned[container]]
                if replace:
                    for row in self.children(line_obj, scope, recordno):
                        self.delete(line_obj, scope, int(row["RECORDNO"]))
                for values in rows:
                    if line_obj.parent_key:
                        values[line_obj.parent_key] = recordno
                    self.insert(line_obj, scope, values)

    def audit(self, scope: Scope, obj: ObjectDef, values: Mapping[str, Any], mode: str) -> None:
        self.records.audit(scope, obj, values, mode)
