"""Objects only the REST API has (the REST catalog's objects without an XML object:
``accounts-payable/vendor-total``, a vendor's restricted departments and locations...),
as declared streams: the XML gateway cannot see them, so they are read through REST
whatever ``api`` says, once the client has the OAuth app.

A stream's name is its REST path in underscores (``accounts_payable_vendor_total``: a
table name and a Singer stream name as they are); its columns are the object's catalogued
fields (dot paths, ``vendor.id``) typed as REST types them, keyed by ``key`` and
``_entity_id``. A read of one is whole, by key (a stopped run goes on after the last key
stored; a finished one starts over next time): its first, and each after that unless the
audit trail's question (:mod:`..run.watch`) says less will do.

**Changes by ``audit.modifiedDateTime``.** Most carry Sage's change time (260 of the
catalog's 373). With the question, a run that the trail names such an object in, or its
owner (``vendor-contact``'s vendor), and no delete, reads only its records changed since
its bookmark less the lookback, in (time, key) order (:func:`iter_rest_pages`), resumable
by that token. The bookmark (``high_water``) is the gateway's clock
(:meth:`~intacct.client.IntacctClient.server_now`) when the last finished read began,
less the clock margin: what changed after that is after it, whatever the read's order.
A delete listed, a stream due for verification, an object computed from others
(``vendor-total``) or one without the field is read whole as before; records without a
change time are read only so. A change to what it only points at (a vendor it names)
names it not: its own records did not change, and a name it shows of that vendor is
read again when it is verified, as an XML object's shown names are when it changes.

**Deletes, by key reconciliation.** Nothing lists their deletes (no AUDITHISTORY row, no
modified time), but a whole read in key order says what is gone: a page covers the keys
after the previous page's last key up to and including its own last key (the last page:
every key after the previous one), and a key the sink stores live in that range that
the page did not return was deleted in Intacct. Those become tombstones on that same
page (``{"key": …, "_sdc_deleted_at": the time of the read}``), stored by the stores'
one tombstone rule. The range needs no memory of earlier pages, so a run stopped and
resumed after its last key is as exact; an empty object tombstones every stored key.
Keys compare as whole numbers, as the query service orders them
(:func:`~intacct.client.rest_pages.key_number`), in the read and in the store alike.
The sink names what it stores through the optional
:class:`~intacct.replication.contract.StoredKeys` (DuckDB, Postgres, dlt where it can
read back); a sink without it (a Singer tap's) is told once a run per stream that the
deletes are not marked, and no tombstone is guessed. A key deleted and then seen again
(keys are RECORDNOs: not reused) is a live row again.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from intacct.client.pagination import PageToken
from intacct.client.rest_pages import (
    KEY,
    MODIFIED,
    RestPage,
    RestToken,
    iter_rest_pages,
    key_number,
)
from intacct.errors import ConfigError, IntacctError, ResponseFormatError
from intacct.protocol.rest_catalog import RestCatalog, RestField, RestObject, rest_catalog
from intacct.protocol.rest_types import COLUMN_TYPES, JSON_SCHEMAS, engine_type
from intacct.replication.contract import StreamPage, StreamResult, stored_keys
from intacct.replication.records.columnar import Records
from intacct.replication.records.rest_columnar import RestColumnTyper
from intacct.replication.records.rest_typed import RestOnlyTyper
from intacct.replication.records.typed import iso_utc
from intacct.replication.run.cost import run_part
from intacct.replication.state.runstate import StreamState
from intacct.replication.streams.changes import CLOCK_MARGIN
from intacct.replication.streams.deletes import DELETED_AT

if TYPE_CHECKING:
    from intacct.replication.contract import Sink, StreamSpec
    from intacct.replication.run.context import RunContext
    from intacct.replication.state.runstate import RunState
    from intacct.replication.streams.audit import Change

__all__ = [
    "RestOnlyStream",
    "rest_only_names",
    "rest_only_objects",
    "schema_of",
    "stream_name",
    "stream_names_of",
]

KEY_PROPERTIES = (KEY, "_entity_id")
#: the page token of a read of the changes: its (time, key), as XML's WHENMODIFIED pass
CHANGED = "WHENMODIFIED"


def stream_name(path: str) -> str:
    """``accounts-payable/vendor-total`` -> ``accounts_payable_vendor_total`` (a custom
    object's ``platform-apps/nsp::project_note``: ``platform_apps_nsp_project_note``; a
    transaction definition's documents, ``order-entry/document::Sales Invoice``:
    ``order_entry_document_Sales_Invoice``, each character a table name cannot hold an
    underscore)."""
    return re.sub(r"\W", "_", path.replace("::", "_"), flags=re.ASCII)


def stream_names_of(paths: Iterable[str]) -> dict[str, str]:
    """Each path's stream name (:func:`stream_name`), kept apart where two would meet:
    a company's definitions ``Sales Invoice`` and ``Sales_Invoice`` (or ``sales invoice``:
    DuckDB's tables ignore case) would fill one table. Of such paths, each whose name
    lost a character (a space, a dot) takes ``_`` and 6 hex digits of the path's SHA-1,
    so the one written as its name is keeps it; where that leaves two alike (they differ
    by case only), both take theirs."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        groups.setdefault(stream_name(path).casefold(), []).append(path)
    names: dict[str, str] = {}
    for group in groups.values():
        exact = [path for path in group if not _lossy(path)]
        for path in group:
            alone = len(group) == 1 or (path in exact and len(exact) == 1)
            names[path] = stream_name(path) if alone else f"{stream_name(path)}_{_digest(path)}"
    return names


def _lossy(path: str) -> bool:
    """Whether the name drops a character besides the path's own ``/``, ``-``, ``::``."""
    return re.search(r"\W", re.sub(r"::|[/-]", "_", path), flags=re.ASCII) is not None


def _digest(path: str) -> str:
    return hashlib.sha1(path.encode(), usedforsecurity=False).hexdigest()[:6]


def rest_only_objects(catalog: RestCatalog | None = None) -> list[RestObject]:
    """The REST objects XML has no object for that can be listed, in the catalog's order
    (``catalog``: the run's, with what the company's model service lists; None: the
    packaged one)."""
    return [o for o in _rest_only(catalog) if "list" in o.operations]


def rest_only_names(catalog: RestCatalog | None = None) -> dict[str, str]:
    """Every REST-only object's stream name by path, listable or not, so that the tap
    and the target name each alike (:func:`stream_names_of`)."""
    return stream_names_of(o.path for o in _rest_only(catalog))


def _rest_only(catalog: RestCatalog | None) -> list[RestObject]:
    objects = (catalog if catalog is not None else rest_catalog()).values()
    return [o for o in objects if o.xml_object is None and _whole(o)]


def _whole(obj: RestObject) -> bool:
    """Read whole by its path: not a parameterized object's template
    (``order-entry/document::{documentName}``), whose concrete paths the company's model
    service lists, each a stream of its own (docs/engine.md)."""
    return "{" not in obj.path


def _fields(target: RestObject) -> list[RestField]:
    return [f for f in target.fields.values() if not f.write_only and f.type in COLUMN_TYPES]


def schema_of(target: RestObject) -> dict[str, Any]:
    """The stream's JSON Schema: the catalogued fields (a custom field by its XML
    name, :attr:`~intacct.protocol.rest_catalog.RestField.column`), typed by the one
    REST type table, ``key`` never null."""
    properties = {f.column: dict(JSON_SCHEMAS[engine_type(f)]) for f in _fields(target)}
    properties[KEY] = {"type": ["string"]}
    properties["_entity_id"] = {"type": ["string"]}
    return {"type": "object", "properties": properties}


class RestOnlyStream:
    """The engine's stream of one REST-only object and entity: one part, the object
    whole by key, each page with the state after it."""

    planning = False  # nothing to plan: one pass by key

    def __init__(
        self,
        context: RunContext,
        spec: StreamSpec,
        entity: str,
        state: RunState,
        sink: Sink,
        *,
        target: RestObject,
        name: str,
    ) -> None:
        self.context, self.entity, self.state, self.sink = context, entity, state, sink
        self.target, self.name = target, name
        self.fields = _fields(target)
        self.result = StreamResult(self.name, entity)
        self.parts: list[tuple[Callable[[], None], float]] = []
        self.current = StreamState()
        #: nothing of the object stored before (no position saved, never read whole):
        #: its pages are a first read's, which a store may append (StreamPage)
        self.first_read = False
        self.client = context.client_for(entity)
        self.typer: RestColumnTyper | None = None
        #: read whole last time: its token then (a quiet run puts it back)
        self._completed: tuple[str | None] | None = None

    def prepare(self, dry: bool = False) -> None:
        if not self.client.speaks_rest:
            only = "is read through the REST API only: it needs the OAuth app's client_id"
            self.fail(ConfigError("client_id", f"{self.name} {only} and client_secret"))
            return
        with self.context.lock:
            self.current = self.state.get(self.name, self.entity)
            self.first_read = self.current.token is None and not self.current.complete
            if self.current.complete:  # read last time: again from the start
                self._completed = (self.current.token,)
                self.current.token, self.current.complete = None, False
        stopped = self.current.token and PageToken.parse(self.current.token).key == CHANGED
        self.parts = [(self._changes if stopped else self._read, 0.0)]

    # -- the audit trail's question (:mod:`..run.watch`) --------------------------------

    def subjects(self) -> frozenset[str]:
        """[U] Its path, as the trail would name it (whether Intacct's audit trail lists
        REST-only objects, and by which name, is not documented), and what its records
        are made of or point at: :meth:`_own_names` and each referenced object's (a
        vendor deleted takes the rows that name it)."""
        refs = (self._trail_name(f.ref) for f in self.target.fields.values() if f.ref)
        return self._own_names() | frozenset(refs)

    def steady(self) -> bool:
        return self.result.error is None and self._completed is not None

    def quiet(self) -> None:
        self.parts = []
        if self._completed is not None:
            self.current.token, self.current.complete = self._completed[0], True

    def rule(self) -> str:
        if self._has_change_time():
            return (
                "REST only: its changes when the audit trail lists it or its owner; "
                "whole by key when a delete is listed, and when verified"
            )
        return "REST only, no change time: read whole by key when the audit trail lists it"

    def named(self, rows: Sequence[Change]) -> bool:
        """Its changes where the rows are its own (or its owner's, or what it is
        computed from) and none a delete; whole where one is a delete; nothing where
        only what it points at changed (see the module docstring)."""
        own = self._own_names()
        if not any(row.deleted or row.object in own for row in rows):
            return False
        if self._by_change_time() and not any(row.deleted for row in rows):
            self.parts = [(self._changes, 0.0)]
        return True

    def reading(self) -> tuple[str, int]:
        """What its part reads, for people (the dry run), and its API transactions
        (a page at least: no count to ask)."""
        if self.parts and self.parts[0][0] == self._changes:
            return "changes since the last run, through REST (no count to ask)", 1
        return "read whole by key through REST (no count to ask)", 1

    def _own_names(self) -> frozenset[str]:
        """The trail's names whose changes are its own records': its path, its owner's,
        and what it is computed from (:meth:`subjects` less what it only points at)."""
        target = self.target
        names = {target.path.upper(), self.name.upper()}
        if target.derived is not None:
            names.add(target.derived.xml_object.upper())
            names.update(total[0].upper() for total in target.derived.totals.values())
        owner = target.owner.get("path")
        if owner:
            names.add(self._trail_name(owner))
        return frozenset(names)

    def _trail_name(self, path: str) -> str:
        """How the trail names the object at REST ``path``: its XML twin's name, else the
        path (upper case)."""
        other = self.context.rest.get(path)
        return (other.xml_object or path if other is not None else path).upper()

    def _has_change_time(self) -> bool:
        """Whether it has Sage's change time and is no computed object."""
        return self.target.derived is None and any(f.name == MODIFIED for f in self.fields)

    def _by_change_time(self) -> bool:
        """Whether its changes can be read by their time: it has one, and a read began
        that left its bookmark (:meth:`_mark`)."""
        return self._has_change_time() and self.current.high_water is not None

    def attempt(self, part: Callable[[], None]) -> None:
        run_part(self, part)

    def _read(self) -> None:
        """Whole, by key, each page tombstoning the stored keys it covers and lacks."""
        after = None  # the last key stored: each page covers the keys after it
        if self.current.token is not None:
            after = PageToken.parse(self.current.token).recordno
        else:
            self._mark()
        pages = self._pages(None if after is None else RestToken(after), by_key=True)
        for page in pages:
            if self.result.error is not None or self.context.stopped:
                return
            out = self._typed(page.records)
            read = self._keys(out)
            upto = None if page.last or page.after is None else page.after.key
            token = None if page.after is None else PageToken(KEY, page.after.key)
            gone = functools.partial(self._deleted, read, after, upto)
            if not self._store(page.last, out, token, gone):
                return
            after = upto

    def _changes(self) -> None:
        """Its records changed after its bookmark less the lookback (or after where a
        stopped read of them stands), in (time, key) order; nothing tombstoned."""
        if self.current.token is not None:
            at = PageToken.parse(self.current.token)
            assert at.modified is not None  # a CHANGED token has its time
            after = RestToken(at.recordno, at.modified)
        else:
            assert self.current.high_water is not None  # :meth:`_by_change_time`
            mark = PageToken.parse(self.current.high_water).modified
            assert mark is not None
            lookback = timedelta(minutes=self.context.settings.lookback_minutes)
            after = RestToken(0, mark - lookback)
            self._mark()
        for page in self._pages(after, by_key=False):
            if self.result.error is not None or self.context.stopped:
                return
            out = self._typed(page.records)
            last = page.after
            token = None if last is None else PageToken(CHANGED, last.key, modified=last.modified)
            if not self._store(page.last, out, token, list):
                return

    def _mark(self) -> None:
        """A read begins: where the next read of the changes starts (see the module
        docstring), kept with its first page, so a stopped read resumed keeps it."""
        if not self._has_change_time():
            return
        now = self.client.server_now() - CLOCK_MARGIN
        with self.context.lock:
            self.current.high_water = str(PageToken(CHANGED, 0, modified=now))

    def _pages(self, after: RestToken | None, *, by_key: bool) -> Iterator[RestPage]:
        return iter_rest_pages(
            self.client.rest,
            self.target.path,
            [f.name for f in self.fields],
            size=self.context.settings.page_size,
            after=after,
            by_key=by_key,
            columnar=self.context.settings.columnar,
        )

    def _store(
        self,
        last: bool,
        out: list[dict[str, Any]] | Records,
        token: PageToken | None,
        tombstones: Callable[[], list[dict[str, Any]]],
    ) -> bool:
        """One page to the sink with the state after it (False: stopped, nothing told)."""
        with self.context.lock:
            if self.context.stopped:
                return False  # neither stored nor told
            gone = tombstones()
            if token is not None:
                self.current.token = str(token)
            self.current.complete = last
            self.result.records += len(out)
            self.result.tombstones += len(gone)
            self.result.requests += 1
            snapshot = self.state.snapshot()
            table = out.table if isinstance(out, Records) else None
            self.sink.page(StreamPage(
                self.name, self.entity, out, gone, snapshot, table, self.first_read
            ))  # fmt: skip
        if self.context.progress:
            self.context.progress(self.name, self.entity, len(out), self.result.requests, 0)
        return True

    def _typed(self, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]] | Records:
        """The page's records typed: in bulk where the fast path vouches for every value
        (:mod:`~.records.rest_columnar`), else record by record."""
        if self.typer is None:
            self.typer = RestColumnTyper(RestOnlyTyper(self.name, self.fields, self.entity))
        return self.typer.page(records)

    def _keys(self, records: Sequence[Mapping[str, Any]]) -> set[int]:
        """The page's keys as the read orders them (:func:`key_number`)."""
        keys = records.table.column(KEY).to_pylist() if isinstance(records, Records) else None
        try:
            if keys is not None:
                return {key_number(k) for k in keys}
            return {key_number(r[KEY]) for r in records}
        except ValueError:
            said = f"a {self.target.path} record has no whole-number key"
            raise ResponseFormatError(said) from None

    def _deleted(self, read: set[int], after: int | None, upto: int | None) -> list[dict[str, Any]]:
        """Tombstones of the keys the sink stores live in (``after``, ``upto``] that the
        page did not ``read`` (see the module docstring). Called under the lock."""
        stored = stored_keys(self.sink, self.name, self.entity, after, upto)
        if stored is None:
            self._cannot_reconcile()
            return []
        when = iso_utc(datetime.now(UTC))
        gone = sorted((key_number(k), k) for k in stored if key_number(k) not in read)
        return [{KEY: key, DELETED_AT: when} for _, key in gone]

    def _cannot_reconcile(self) -> None:
        if f"keys:{self.name}" in self.context.warned:  # once a run
            return
        self.context.warned.add(f"keys:{self.name}")
        self.sink.warning(
            self.name,
            f"{self.name}: records deleted in Intacct are not marked deleted: nothing "
            "lists this object's deletes, and this destination cannot say which keys it "
            "holds to compare with a whole read",
        )

    def finish(self) -> None:
        """Nothing is left open between runs."""

    def fail(self, exc: IntacctError) -> None:
        self.context.fail(self.result, self.sink, self.name, exc)
