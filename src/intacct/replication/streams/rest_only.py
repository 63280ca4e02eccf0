"""Objects only the REST API has (the REST catalog's objects without an XML object:
``accounts-payable/vendor-total``, a vendor's restricted departments and locations...),
as declared streams: the XML gateway cannot see them, so they are read through REST
whatever ``api`` says, once the client has the OAuth app.

A stream's name is its REST path in underscores (``accounts_payable_vendor_total``: a
table name and a Singer stream name as they are); its columns are the object's catalogued
fields (dot paths, ``vendor.id``) typed as REST types them, keyed by ``key`` and
``_entity_id``. None of them has a modified time, so each run reads the object whole, by
key (a stopped run goes on after the last key stored; a finished one starts over next
time). Deletes have no feed: a record deleted in Intacct stays in the table, as for an
XML object read whole.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from intacct.client.pagination import PageToken
from intacct.client.rest_pages import KEY, RestToken, iter_rest_pages
from intacct.errors import ConfigError, IntacctError
from intacct.protocol.rest_catalog import RestField, RestObject, rest_catalog
from intacct.replication.contract import StreamPage, StreamResult
from intacct.replication.records.rest_typed import engine_type, rest_record
from intacct.replication.run.cost import run_part
from intacct.replication.state.runstate import StreamState

if TYPE_CHECKING:
    from intacct.replication.contract import Sink, StreamSpec
    from intacct.replication.run.context import RunContext
    from intacct.replication.state.runstate import RunState

__all__ = ["RestOnlyStream", "rest_only_objects", "schema_of", "stream_name"]

KEY_PROPERTIES = (KEY, "_entity_id")
_JSON: dict[str, dict[str, Any]] = {
    "decimal": {"type": ["number", "null"]},
    "integer": {"type": ["integer", "null"]},
    "boolean": {"type": ["boolean", "null"]},
    "date": {"type": ["string", "null"], "format": "date"},
    "datetime": {"type": ["string", "null"], "format": "date-time"},
    "string": {"type": ["string", "null"]},
}


def stream_name(path: str) -> str:
    """``accounts-payable/vendor-total`` -> ``accounts_payable_vendor_total``."""
    return path.replace("/", "_").replace("-", "_")


def rest_only_objects() -> list[RestObject]:
    """The REST objects XML has no object for, in the catalog's order."""
    return [o for o in rest_catalog().values() if o.xml_object is None and "list" in o.operations]


def _fields(target: RestObject) -> list[RestField]:
    return [f for f in target.fields.values() if not f.write_only and f.type in _READ]


_READ = {"string", "integer", "number", "boolean", "date", "date-time", "enum", "object-ref"}


def schema_of(target: RestObject) -> dict[str, Any]:
    """The stream's JSON Schema: the catalogued fields, ``key`` never null."""
    properties = {f.name: dict(_JSON[engine_type(f)]) for f in _fields(target)}
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
    ) -> None:
        self.context, self.entity, self.state, self.sink = context, entity, state, sink
        self.target, self.name = target, stream_name(target.path)
        self.fields = _fields(target)
        self.result = StreamResult(self.name, entity)
        self.parts: list[tuple[Callable[[], None], float]] = []
        self.current = StreamState()
        self.client = context.client_for(entity)

    def prepare(self, dry: bool = False) -> None:
        if not self.client.speaks_rest:
            only = "is read through the REST API only: it needs the OAuth app's client_id"
            self.fail(ConfigError("client_id", f"{self.name} {only} and client_secret"))
            return
        with self.context.lock:
            self.current = self.state.get(self.name, self.entity)
            if self.current.complete:  # read whole last time: again from the start
                self.current.token, self.current.complete = None, False
        self.parts = [(self._read, 0.0)]

    def attempt(self, part: Callable[[], None]) -> None:
        run_part(self, part)

    def _read(self) -> None:
        after = None
        if self.current.token is not None:
            after = PageToken.parse(self.current.token).recordno
        pages = iter_rest_pages(
            self.client.rest,
            self.target.path,
            [f.name for f in self.fields],
            size=self.context.settings.page_size,
            after=None if after is None else RestToken(after),
            by_key=True,
        )
        for page in pages:
            if self.result.error is not None or self.context.stopped:
                return
            out = [rest_record(r, self.fields, self.entity) for r in page.records]
            with self.context.lock:
                if self.context.stopped:
                    return  # neither stored nor told
                if page.after is not None:
                    self.current.token = str(PageToken(KEY, page.after.key))
                self.current.complete = page.last
                self.result.records += len(out)
                self.result.requests += 1
                self.sink.page(StreamPage(self.name, self.entity, out, [], self.state.snapshot()))
            if self.context.progress:
                self.context.progress(self.name, self.entity, len(out), self.result.requests, 0)

    def finish(self) -> None:
        """Nothing is left open between runs."""

    def fail(self, exc: IntacctError) -> None:
        self.context.fail(self.result, self.sink, self.name, exc)
