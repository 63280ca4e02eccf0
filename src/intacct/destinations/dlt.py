"""Every other warehouse through dlt: ``intacct sync --db dlt:<destination>``.

``dlt:snowflake``, ``dlt:bigquery``, ``dlt:redshift``, ``dlt:databricks``,
``dlt:motherduck``, ``dlt:filesystem``, ``dlt:postgres``, ``dlt:duckdb``…: any destination
dlt has, configured (credentials, bucket, file format) as dlt documents it: environment
variables (``DESTINATION__SNOWFLAKE__CREDENTIALS=…``) or ``.dlt/secrets.toml`` in the
working directory. Options after a ``?``: ``dataset`` (the schema/dataset the tables go
in, default ``intacct``), ``pages_per_load`` (default :data:`PAGES_PER_LOAD`) and, for
``dlt:filesystem``, ``table_format`` (``delta`` or ``iceberg``: dlt merges files only in
those formats; plain Parquet/JSONL files are appended to).

Each object is a table merged on its primary key (the key with ``_entity_id``), typed by
column hints from its :class:`~.tables.Table` (decimals exact, timestamps in UTC,
multi-picks as JSON); pages go to dlt as Arrow tables, a load's as the items of one
resource, each marked with its table's hints (dlt's work a resource, schema hashes
included, is then once a load, not once a table). A table the destination does not have
yet is appended to: nothing is there to merge onto, and a merge costs a staging table
and a statement a table; what a load that failed left in it is merged onto later, when
its pages are read again.

**Loads, not pages.** dlt commits a load package, not a page: pages are kept in memory
and loaded every ``pages_per_load`` pages (and at the end of the run), each load with
the run state after its last page in dlt's own state table; a small page (fewer than
:data:`SMALL_PAGE` records: a small object's, or the state-only page that ends an
object) counts as a tenth of a page, so that many small objects share a load (a load
costs dlt work for every table the dataset has: a load every few objects would make a
catalog of hundreds of tables quadratic). dlt counts a state only once its load completed
(``_dlt_loads.status = 0``), so the state in the destination is never ahead of its data.
A run that dies (killed, a failed load) reads again the pages it had not loaded: at most
``pages_per_load`` of them (or ten times as many small ones), with the one in flight
(re-spending their API transactions); what the merge receives twice is stored once.
Ctrl-C and SIGTERM load what is kept before the run stops.

**dlt's working directory is not kept.** It holds state ahead of the data after a load
that failed (dlt 1.31 then keeps that state and never restores the destination's), and the
packages of a killed run: every open wipes it and restores state and schemas from the
destination, which alone is the truth.

**Tombstones** are whole rows: a key-only row would blank every other column under
dlt's merge. A tombstone takes the row as last stored (the buffered page's, else read back
from the destination) with ``_sdc_deleted_at`` set, under the rules of the SQL stores
(:mod:`.sql`), decided in Python by :func:`~intacct.replication.superseded`: only a row
whose WHENMODIFIED is not later than the delete, and a row read again not later than
its stored delete stays out; a tombstone for a row never stored is a row of its key
alone.

**History** (``--history``, :mod:`.history`): dlt loads, it does not update, so an
object keeping history loads two more resources with its pages, in the same load:
``<table>_versions`` (each version read, merged on the key and ``valid_from``: a page
read again merges onto its own) and ``<table>_deletes`` (each delete read, merged on the
key's first column, ``_entity_id`` and ``deleted_at``); ``<table>_history`` is a view
over them (:func:`.history.view`; with AUDITHISTORY's changes, loaded into
``_intacct_changes``), made again through dlt's SQL client after each load
that brought them, and once a run (with its first load, else at close). A history begun
on a filled table starts from its rows, read back once and loaded as its first versions
(with the setting saying it has begun). A destination without a SQL client for the view
(``dlt:filesystem``) refuses history.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import IO, TYPE_CHECKING, Any, overload
from urllib.parse import parse_qs

from intacct.destinations.base import (
    MODIFIED,
    RECORDNO,
    DestinationError,
    PageCounts,
    in_key_range,
    key_range_sql,
    keyed_table,
    lines_of,
    lines_table,
    versioned,
    versions,
)
from intacct.destinations.history import (
    CHANGES_COLUMNS,
    CHANGES_TABLE,
    DELETED,
    DELETES,
    EPOCH,
    SUFFIX,
    VALID_FROM,
    VERSIONS,
    view,
    why_not,
)
from intacct.destinations.locations import DLT_PREFIX
from intacct.destinations.runs import RUNS_TABLE, RunRecord
from intacct.destinations.tables import Column, Table
from intacct.errors import ConfigError
from intacct.replication import DELETED_AT, ENTITY_ID, StreamPage, superseded
from intacct.replication.streams.deletes import CHANGE_ID, CHANGE_MODE, CHANGED_AT, CHANGED_BY

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "CHANGES",
    "DEFAULT_DATASET",
    "NAMING",
    "PAGES_PER_LOAD",
    "PREFIX",
    "SMALL_PAGE",
    "SOURCE",
    "DltDestination",
    "TableSchema",
    "arrow_page",
    "catalog_clash",
    "change_rows",
    "column_hints",
    "delete_rows",
    "deletes_table",
    "has_sql_client",
    "holds_views",
    "make_history_views",
    "marked",
    "open_dlt",
    "resource_hints",
    "select_all",
    "select_key_range",
    "select_stored",
    "table_schema",
    "version_rows",
    "versions_table",
]

PREFIX = DLT_PREFIX
DEFAULT_DATASET = "intacct"
#: pages kept before a load: a crash reads at most this many again, and a load costs a
#: warehouse seconds whatever its size (BENCHMARKS.md, Destinations through dlt)
PAGES_PER_LOAD = 20
#: a page of fewer records counts as a tenth of one toward ``pages_per_load``: a crash
#: may read ten times as many small pages again (a transaction each, a few records)
SMALL_PAGE = 10
#: the one dlt resource of every load (its items name their tables); no table of its own
LOAD_RESOURCE = "_intacct_load"
INSTALL = "pip install 'intacct-connector[dlt]'"
#: dlt's source name: the run state is its source state
SOURCE = "intacct"
#: dlt's naming convention for tables and columns: lower case, nothing else changed
NAMING = "sql_ci_v1"

_HINTS: dict[str, dict[str, Any]] = {
    "BIGINT": {"data_type": "bigint"},
    "DECIMAL(38,12)": {"data_type": "decimal", "precision": 38, "scale": 12},
    "BOOLEAN": {"data_type": "bool"},
    "DATE": {"data_type": "date"},
    "TIMESTAMP": {"data_type": "timestamp", "timezone": True},
    "VARCHAR[]": {"data_type": "json"},
    "VARCHAR": {"data_type": "text"},
}
#: the objects whose history has begun (their stored rows its first versions): a setting
BEGUN = "history_begun"
#: the stored rows a history begun on a filled table reads back at a time (a page's worth
#: toward ``pages_per_load``)
SEED_ROWS = 10_000
_OPTIONS = ("dataset", "pages_per_load", "table_format")
#: dlt's table formats: dlt:filesystem merges (upserts, tombstones) only into these
_TABLE_FORMATS = ("delta", "iceberg")


def open_dlt(where: str) -> DltDestination:
    """The destination ``dlt:<destination>[?dataset=…&pages_per_load=…]`` names."""
    name, _, query = where.removeprefix(PREFIX).partition("?")
    options = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    unknown = sorted(set(options) - set(_OPTIONS))
    if not name or unknown:
        said = f"unknown option {unknown[0]!r}" if unknown else "no destination named"
        raise DestinationError(
            f"--db {where}: {said}; write dlt:<destination>[?dataset=NAME&pages_per_load=N] "
            "(dlt:snowflake, dlt:bigquery, dlt:postgres, dlt:duckdb, dlt:filesystem, …)"
        )
    pages = options.get("pages_per_load", str(PAGES_PER_LOAD))
    if not pages.isdigit() or int(pages) < 1:
        raise DestinationError(f"--db {where}: pages_per_load must be a whole number >= 1")
    try:
        import dlt  # noqa: F401 - only to say what to install
    except ImportError:
        raise DestinationError(
            f"--db {where} writes through dlt, which is not installed: {INSTALL} "
            f"(and the destination's own extra, e.g. pip install 'dlt[{name}]')"
        ) from None
    table_format = options.get("table_format") or None
    if table_format is not None and table_format not in _TABLE_FORMATS:
        raise DestinationError(f"--db {where}: table_format must be delta or iceberg")
    dataset = options.get("dataset") or DEFAULT_DATASET
    return DltDestination(name, dataset, int(pages), table_format)


def _lock(path: Path, where: str, dataset: str) -> IO[bytes]:
    """The dataset's lock on this machine, held for the run: a second run would wipe the
    first one's working directory and merge the same pages twice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    held = path.open("wb")
    try:
        import fcntl

        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # no fcntl (Windows): no lock
        pass
    except OSError:
        held.close()
        raise DestinationError(
            f"{where}: another intacct sync is writing the dataset {dataset} from this "
            f"machine (it holds {path}); wait for it to finish"
        ) from None
    return held


def catalog_clash(pipeline: Any) -> str | None:
    """Why every load into ``pipeline`` would fail, if its DuckDB file has its dataset's
    name (the file's name is DuckDB's catalog; dlt names the file after the pipeline):
    DuckDB cannot tell that schema from the catalog, and a load that fails leaves its
    package pending for the next run to trip on. None for other names or destinations."""
    if pipeline.destination is None or pipeline.destination.destination_name != "duckdb":
        return None
    with pipeline.sql_client() as client:
        rows = client.execute_sql("SELECT current_database()")
    catalog = rows[0][0] if rows else None
    if catalog != pipeline.dataset_name:
        return None
    return (
        f"the DuckDB file and the dataset are both named {catalog!r} (a file's name is "
        "its catalog), which DuckDB cannot tell apart: every load would fail"
    )


def pipelines_dir() -> Path:
    """Where dlt's working directories go (wiped at every open; see the docstring)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "intacct-connector" / "dlt"


@dataclass(slots=True)
class _Buffer:
    """The pages kept for the next load: Arrow chunks per object, the state after them;
    ``tenths`` counts them in tenths of a page (a small page is one, another ten)."""

    chunks: dict[str, list[pa.Table]] = field(default_factory=dict)
    pages: int = 0
    tenths: int = 0
    runs: list[dict[str, Any]] = field(default_factory=list)
    state: Mapping[str, Any] | None = None


class DltDestination:
    """A dlt pipeline opened for a run (see the module docstring)."""

    def __init__(
        self, destination: str, dataset: str, pages_per_load: int, table_format: str | None = None
    ) -> None:
        import dlt
        from dlt.common.exceptions import DltException

        self.where = f"{PREFIX}{destination}"
        self.pages_per_load = pages_per_load
        self.table_format: Any = table_format  # dlt's Literal
        self.tables: dict[str, Table] = {}
        #: the objects keeping history (:meth:`keep_history`), by table name
        self.histories: dict[str, Table] = {}
        #: the histories whose view is made again after the next load (or at close)
        self._views_due: set[str] = set()
        self.buffer = _Buffer()
        self._failed = False
        self._run = RunRecord("", None, "running", None, 0)  # ledger() sets the run's
        name = f"intacct_{dataset}"
        self._lock = _lock(pipelines_dir() / f"{name}.lock", self.where, dataset)
        # the working directory of an earlier run holds nothing the destination lacks
        # that it should keep: a killed run's packages, a failed load's state
        shutil.rmtree(pipelines_dir() / name, ignore_errors=True)
        try:
            self.pipeline = dlt.pipeline(
                pipeline_name=name,
                pipelines_dir=str(pipelines_dir()),
                destination=destination,
                dataset_name=dataset,
            )
            clash = catalog_clash(self.pipeline)  # before anything is read
            if clash is None:
                self.pipeline.sync_destination()
        except (DltException, OSError) as exc:
            self._lock.close()
            raise DestinationError(f"cannot open {self.where}: {_first_line(exc)}") from None
        if clash is not None:
            self._lock.close()
            raise DestinationError(
                f"cannot open {self.where}: {clash}; give it another dataset (?dataset=...) "
                "or another file (DESTINATION__DUCKDB__CREDENTIALS)"
            )
        saved = self.pipeline.state.get("sources", {}).get(SOURCE, {})
        self._state: dict[str, Any] | None = saved.get("run")
        self._settings: dict[str, Any] = dict(saved.get("settings", {}))
        self._stored = self._stored_schema()
        self._sql = has_sql_client(self.pipeline)  # asked of dlt once: the destination's
        self._open: Any = None  # dlt's SQL client, made and connected once (_client)

    # -- schema ---------------------------------------------------------------------------

    def prepare(self, table: Table) -> list[str]:
        """Remember the object's table; returns the columns the destination's table lacks
        (dlt adds them with the next load), none for a new table."""
        self.tables[table.name] = table
        stored = self._stored_columns(table.name)
        if not stored:
            return []
        naming = self._schema().naming
        return [c.name for c in table.columns if naming.normalize_identifier(c.name) not in stored]

    # -- history ----------------------------------------------------------------------------

    def keep_history(self, table: Table) -> str | None:
        """``table`` (prepared) keeps its records' versions from now on: each page's in
        ``<table>_versions``, its deletes in ``<table>_deletes`` (loaded with it), and
        the view ``<table>_history`` over them (:func:`.history.view`); begun from the
        rows the table holds. Why it cannot (no WHENMODIFIED, no key), else None."""
        reason = why_not(table)
        if reason is not None:
            return reason
        if not holds_views(self.pipeline):
            raise ConfigError(
                "history",
                f"is kept through dlt as a view over two tables, which {self.where} cannot "
                "hold (dlt has no SQL client for it); give --db a database, or leave "
                "history out",
            )
        versions, deletes = versions_table(table), deletes_table(table)
        self.tables[versions.name], self.tables[deletes.name] = versions, deletes
        self.tables[CHANGES_TABLE] = CHANGES
        self.histories[table.name] = table
        begun = list(self._settings.get(BEGUN, []))
        if table.name not in begun:  # with the load that holds its first versions
            self.save_setting(BEGUN, [*begun, table.name])
            self._seed(table)
        # made again once a run (its columns may have grown; a kill may have fallen
        # between a load and its view), with the next load's views
        self._views_due.add(table.name)
        return None

    def keeps_history(self, name: str) -> bool:
        """Whether ``name`` keeps history this run (the engine then hands its
        AUDITHISTORY changes over, loaded into ``_intacct_changes`` for the view)."""
        return name in self.histories

    def _seed(self, table: Table) -> None:
        """The table's stored rows kept as their versions (a tombstoned row's delete as
        the end of its version), each :data:`SEED_ROWS` counted as a page: a history
        begun on a filled table starts from them."""
        import pyarrow.compute as pc

        with self._reading(table, "the history's first versions"):
            stored = select_all(self._client(), self._schema(), table)
        for rows in stored:
            self._keep_versions(table, rows)
            gone = rows.filter(pc.is_valid(rows.column(DELETED_AT))).to_pylist()
            self._keep_deletes(table, gone, None)
            self._kept(rows.num_rows)

    def _keep_versions(self, table: Table, page: pa.Table) -> None:
        """A page's rows (typed) kept as versions (:func:`version_rows`)."""
        self._keep(table.name + VERSIONS, version_rows(table, page))

    def _keep_deletes(
        self, table: Table, tombstones: Sequence[Mapping[str, Any]], entity: str | None
    ) -> None:
        """Deletes kept (:func:`delete_rows`)."""
        self._keep(table.name + DELETES, delete_rows(table, tombstones, entity))

    def _keep_changes(
        self, table: Table, changes: Sequence[Mapping[str, Any]], entity: str
    ) -> None:
        """AUDITHISTORY's changes of the page's records kept (:func:`change_rows`)."""
        self._keep(CHANGES_TABLE, change_rows(table, changes, entity))

    def _keep(self, name: str, rows: pa.Table | None) -> None:
        """History rows of the table ``name`` kept for the next load."""
        if rows is not None:
            self.buffer.chunks.setdefault(name, []).append(rows)

    def _make_views(self, names: set[str]) -> None:
        """``<table>_history`` of each of ``names`` (:func:`make_history_views`)."""
        schema, tables = self._schema(), [self.histories[n] for n in sorted(names)]
        if schema is None or not tables:
            return
        with self._reading(tables[0], "its history view"):
            make_history_views(self.pipeline, schema, tables)

    def _stored_columns(self, name: str) -> set[str]:
        """The columns dlt's stored schema has for the object's table (empty: none)."""
        return _columns_of(self._schema(), name)

    def _schema(self) -> Any:
        """dlt's stored schema of the tables (None before the first load), as of the last
        load: only a load changes it."""
        return self._stored

    def _stored_schema(self) -> Any:
        """dlt's stored schema, asked of dlt: each ask reads, validates and hashes the
        whole schema (half a second at the 600 tables of --objects all), so it is asked once a
        load, not once a page."""
        return self.pipeline.default_schema if self.pipeline.default_schema_name else None

    # -- state ----------------------------------------------------------------------------

    def state(self) -> dict[str, Any] | None:
        return self._state

    def setting(self, name: str) -> Any:
        return self._settings.get(name)

    def save_setting(self, name: str, value: Any) -> None:
        """Remember ``value`` (None forgets it), stored with the next load."""
        if value is None:
            self._settings.pop(name, None)
        else:
            self._settings[name] = value

    def save_state(self, state: Mapping[str, Any]) -> None:
        """Replace the run state alone (``intacct state reset``): one load of it."""
        self.buffer.state = dict(state)
        self.flush()

    def ledger(self, started: str, company: str | None) -> None:
        """None: a warehouse keeps the run's row from its end only (a killed run's
        spend is not recorded; a monthly entitlement is refused here for that)."""
        self._run = RunRecord(started, None, "running", None, 0, company)

    def record_run(self, finished: str, status: str, summary: object, transactions: int) -> None:
        """The run's row in ``_intacct_runs``, loaded now with every page still kept."""
        r = self._run
        self.buffer.runs.append(
            {"started": r.started, "finished": finished, "status": status,
             "summary": json.dumps(summary), "run_id": r.run_id, "company": r.company,
             "transactions": transactions}
        )  # fmt: skip
        if not self._failed:  # its pages are read again; the row would be all it loads
            self.flush()

    def close(self) -> None:
        """Pages still kept are loaded (their state with them) unless a load failed; the
        dataset is let go of."""
        try:
            if not self._failed and (self.buffer.pages or self.buffer.runs):
                self.flush()
            if not self._failed and self._views_due:  # nothing was loaded
                self._make_views(self._views_due)
        finally:
            self._let_go()
            self._lock.close()

    # -- pages ----------------------------------------------------------------------------

    def write_page(self, page: StreamPage) -> PageCounts:
        """The page kept for the next load with the state after it (loaded now when the
        kept pages make ``pages_per_load``, a small page counting a tenth). dlt's merge
        does not tell new rows from changed ones: every row sent counts as inserted."""
        table, entity = self.tables[page.stream], page.entity
        chunks = self.buffer.chunks.setdefault(page.stream, [])
        deleted = sent = 0
        history = table.name in self.histories
        if page.tombstones and table.key:
            rows, deleted = self._tombstone_rows(table, page.tombstones, entity)
            chunks.append(rows)
            if history:
                self._keep_deletes(table, page.tombstones, entity)
        if history and page.changes:
            self._keep_changes(table, page.changes, entity)
        if page.records:
            typed = arrow_page(table, page.records, page.table)
            if history:  # every version read, before the deleted ones are left out
                self._keep_versions(table, typed)
            if not page.first_read:  # a first read meets no deletes
                typed = self._not_superseded(table, typed, entity)
            chunks.append(typed)
            sent = typed.num_rows
        self.buffer.state = page.state
        self._kept(len(page.records) + len(page.tombstones))
        return PageCounts(inserted=sent, deleted=deleted)

    def _kept(self, records: int) -> None:
        """A page of ``records`` kept: loaded with the others once they make
        ``pages_per_load`` (a small page counting a tenth)."""
        self.buffer.pages += 1
        self.buffer.tenths += 1 if records < SMALL_PAGE else 10
        if self.buffer.tenths >= 10 * self.pages_per_load:
            self.flush()

    def flush(self) -> None:
        """One load: every kept page, and the state after the last of them."""
        import dlt
        from dlt.common.exceptions import DltException

        if self._failed:  # dlt would load the failed package instead of these pages
            raise DestinationError(
                f"could not load into {self.where}: an earlier load of this run failed; the "
                "pages since the last load were not stored (the next run reads them again)"
            )
        buffer, self.buffer = self.buffer, _Buffer()
        if buffer.state is not None:
            self._state = dict(buffer.state)
        items = [
            self._marked(name, _latest(self.tables[name], chunks))
            for name, chunks in buffer.chunks.items()
            if chunks
        ]
        if buffer.runs:
            runs = dlt.mark.make_hints(table_name=RUNS_TABLE, write_disposition="append")
            items.append(marked(runs, buffer.runs))
        # one resource a load, each item marked with its table's hints: dlt's work a
        # resource (it hashes the whole schema for each, at every load) is done once
        resources = [dlt.resource(self._with_state(items), name=LOAD_RESOURCE)]
        # Intacct's names lower-cased as they are (dlt's default snake_case would make
        # FORM1099TYPE form1099_type)
        schema = dlt.Schema(SOURCE, normalizers={"names": NAMING})
        source = dlt.source(lambda: resources, schema=schema, max_table_nesting=0)()
        try:
            info = self.pipeline.run(source, loader_file_format=self._file_format())
            # a job failing "transiently" ends the run without an error, its package kept
            # pending: the next run() would load that package instead of the new pages
            problem = _unfinished(info) if self.pipeline.has_pending_data else None
            if problem is None:
                loaded = self._histories_in(buffer.chunks.keys())  # as stored before it
                self._stored = self._stored_schema()
                self._make_views(self._views_due | loaded)
                self._views_due = set()
        except (DltException, OSError) as exc:
            problem = _first_line(exc)
        if problem is not None:
            self._failed = True
            raise DestinationError(
                f"could not load into {self.where}: {problem}; the pages since the last load "
                "were not stored (the next run reads them again)"
            )

    def _histories_in(self, loaded: Collection[str]) -> set[str]:
        """The histories whose view a load of the ``loaded`` tables changes: those it
        brings versions or deletes of; every one with the first AUDITHISTORY changes
        (each view reads them from then on)."""
        if CHANGES_TABLE in loaded and not self._stored_columns(CHANGES_TABLE):
            return set(self.histories)
        return {n for n in self.histories if {n + VERSIONS, n + DELETES} & set(loaded)}

    def _with_state(self, items: list[Any]) -> Iterator[Any]:
        """The load's items, the run state put first in dlt's source state, which dlt
        loads with the package (extracted in it, so it goes with this load only)."""
        import dlt

        saved = dlt.current.source_state()
        if self._state is not None:
            saved["run"] = self._state
        saved["settings"] = dict(self._settings)
        yield from items

    def _marked(self, name: str, rows: pa.Table) -> Any:
        """The rows of the table ``name`` as an item of the load, with its hints: appended
        while the destination has no such table (nothing to merge onto, where a merge
        costs a staging table and a statement a table a load), merged on its key once
        it has (what a load that failed left there is merged onto again)."""
        import dlt

        hints = resource_hints(self.tables[name])
        if not self._stored_columns(name):
            hints["write_disposition"] = "append"
        return marked(dlt.mark.make_hints(**hints, table_format=self.table_format), rows)

    def _file_format(self) -> Any:
        """Parquet where the destination loads it, else dlt's choice for Arrow (never
        insert_values where another exists: its SQL text takes gigabytes)."""
        caps = self.pipeline.destination.capabilities()
        staged = self.pipeline.staging is not None  # Redshift, Snowflake… through a bucket
        formats = (
            caps.supported_staging_file_formats if staged else caps.supported_loader_file_formats
        )
        return next((f for f in ("parquet", "csv", "jsonl") if f in formats), None)

    # -- tombstones -----------------------------------------------------------------------

    def _tombstone_rows(
        self, table: Table, tombstones: Sequence[Mapping[str, Any]], entity: str
    ) -> tuple[pa.Table, int]:
        """The tombstones as whole rows: each the row as last stored with the delete time,
        or its key alone for a row never stored; none for a row modified after it. With
        how many stored rows they delete (a row never stored is not one, as in DuckDB)."""
        key = table.key[0]
        wanted = {_key(t[key]) for t in tombstones if key in t}
        known = self._stored_rows(table, wanted, entity)
        known.update(_buffered_rows(table, self.buffer.chunks.get(table.name, []), wanted, entity))
        rows, deleted = [], 0
        for tombstone in tombstones:
            if key not in tombstone:
                continue
            when = _utc(tombstone[DELETED_AT])
            row = known.get(_key(tombstone[key]))
            if row is None:
                row = {key: tombstone[key], ENTITY_ID: entity}
            elif not superseded(_utc(row.get(MODIFIED)), when):
                continue  # a later record reusing the id: not this delete's
            else:
                deleted += 1
            rows.append({**row, DELETED_AT: when})
        return arrow_page(table, rows), deleted

    def _not_superseded(self, table: Table, page: pa.Table, entity: str) -> pa.Table:
        """The page without the rows whose record is stored (or kept) deleted no earlier
        than the row's WHENMODIFIED: a query can show a deleted record's earlier version
        after AUDITHISTORY showed the delete (as in DuckDB)."""
        if not table.key or MODIFIED not in table.names or not page.num_rows:
            return page
        key = table.key[0]
        wanted = {_key(k) for k in page.column(key).to_pylist()}
        known = {_key(r[key]): r for r in self._select(
            table, key, wanted, entity, [key, DELETED_AT], "its deletes")}  # fmt: skip
        known.update(_buffered_rows(table, self.buffer.chunks.get(table.name, []), wanted, entity))
        deleted = {k: _utc(r[DELETED_AT]) for k, r in known.items() if r.get(DELETED_AT)}
        if not deleted:
            return page
        rows = zip(*(page.column(c).to_pylist() for c in (key, MODIFIED)), strict=True)
        return page.filter([not superseded(_utc(m), deleted.get(_key(k))) for k, m in rows])

    def _stored_rows(self, table: Table, keys: set[Any], entity: str) -> dict[Any, dict[str, Any]]:
        """The stored rows of ``keys`` in ``entity``, by key, named as ``table`` names."""
        key = table.key[0]
        rows = self._select(table, key, keys, entity, table.names, "its tombstones")
        return {_key(r[key]): r for r in rows}

    # -- the lookback window's digest -------------------------------------------------------

    def stored_versions(
        self, name: str, entity: str, recordnos: Sequence[int]
    ) -> dict[int, str | None] | None:
        """The stored WHENMODIFIED of ``recordnos`` in ``entity``, kept pages included
        (the last one winning); None where dlt has no SQL client for the destination
        (the window is then read in full)."""
        table = versioned(self.tables, name)
        if table is None or not self._reads_back():
            return None
        if not recordnos:
            return {}
        wanted = set(recordnos)
        rows = self._select(table, RECORDNO, wanted, entity, [RECORDNO, MODIFIED], "the lookback")
        chunks = self.buffer.chunks.get(name, [])
        rows += _buffered_rows(table, chunks, wanted, entity, by=RECORDNO).values()
        return versions((r[RECORDNO], r[MODIFIED]) for r in rows)

    def stored_lines(
        self, name: str, entity: str, field: str, documents: Sequence[int]
    ) -> dict[int, list[Any]] | None:
        """The live lines of ``documents``, kept pages included (the last version of a
        line winning); None where dlt has no SQL client for the destination."""
        table = lines_table(self.tables, name, field)
        if table is None or not self._reads_back():
            return None
        if not documents:
            return {}
        key, wanted = table.key[0], set(documents)
        why = "the lines of deleted documents"
        rows = self._select(table, field, wanted, entity, [key, field, DELETED_AT], why)
        latest = {_key(r[key]): r for r in rows}
        chunks = self.buffer.chunks.get(name, [])
        latest |= _buffered_rows(table, chunks, wanted, entity, by=field, index=key)
        return lines_of((r[field], r[key]) for r in latest.values() if r.get(DELETED_AT) is None)

    def stored_keys(
        self, name: str, entity: str, after: int | None, upto: int | None
    ) -> list[str] | None:
        """The live keys in (``after``, ``upto``] of an object read whole by key, kept
        pages included (the last version of a key winning); None where dlt has no SQL
        client for the destination."""
        table = keyed_table(self.tables, name)
        if table is None or not self._reads_back():
            return None
        key, wanted = table.key[0], [table.key[0], DELETED_AT]
        with self._reading(table, "its deletes"):
            rows = select_key_range(
                self._client(), self._schema(), table, (after, upto), entity, wanted
            )
        latest = {_key(r[key]): r for r in rows}
        for chunk in self.buffer.chunks.get(name, []):
            kept = chunk.select([key, ENTITY_ID, DELETED_AT]).to_pylist()
            latest |= {
                _key(r[key]): r
                for r in kept
                if r[ENTITY_ID] == entity and in_key_range(r[key], after, upto)
            }
        return [k for k, r in latest.items() if r.get(DELETED_AT) is None]

    def _client(self) -> Any:
        """dlt's SQL client of the destination, connected at the first read back and kept
        open for the run: dlt makes each client from the whole schema (serialized and
        hashed: a second at --objects all), and DuckDB opens its file with each. None
        before the first load (no schema: dlt makes no client, and nothing is stored)."""
        if self._open is None and self._schema() is not None:
            client = self.pipeline.sql_client(SOURCE)
            client.open_connection()
            self._open = client
        return self._open

    def _let_go(self) -> None:
        """The SQL client kept open closed, quietly (it may be what failed)."""
        client, self._open = self._open, None
        if client is not None:
            with suppress(Exception):
                client.close_connection()

    def _reads_back(self) -> bool:
        """Whether dlt has a SQL client for the destination (to read stored rows with)."""
        return self._sql

    def _select(
        self,
        table: Table,
        by: str,
        values: set[Any],
        entity: str,
        wanted: Sequence[str],
        purpose: str,
    ) -> list[dict[str, Any]]:
        """The stored rows of ``entity`` whose ``by`` is one of ``values`` (see
        :func:`select_stored`)."""
        with self._reading(table, purpose):
            return select_stored(self._client(), self._schema(), table, by, values, entity, wanted)

    @contextmanager
    def _reading(self, table: Table, purpose: str) -> Iterator[None]:
        """dlt's errors reading ``table`` back as the destination's, saying ``purpose``
        (the client kept open let go of: a later read connects again)."""
        from dlt.common.exceptions import DltException

        try:
            yield
        except (DltException, OSError) as exc:
            self._let_go()
            raise DestinationError(
                f"could not read {table.name} back from {self.where} for {purpose}: "
                f"{_first_line(exc)}"
            ) from None


#: AUDITHISTORY's changes of the objects keeping history, once each (by object and ID;
#: the entity in the key too, so that its "" (the top level) is never loaded as NULL:
#: dlt's Postgres CSV does that to a nullable column's empty text)
CHANGES = Table(CHANGES_TABLE, CHANGES_COLUMNS, ("object", "entity", "id"))


def versions_table(table: Table) -> Table:
    """The versions of ``table``'s records: its columns but the delete time, and each
    version's start; a version is its key and start."""
    columns = tuple(c for c in table.columns if c.name != DELETED_AT)
    return Table(
        table.name + VERSIONS,
        (*columns, Column(VALID_FROM, "TIMESTAMP")),
        (*table.key, VALID_FROM),
    )


def deletes_table(table: Table) -> Table:
    """The deletes of ``table``'s records: what a tombstone names (the key's first
    column, the entity) and when; a delete is all three."""
    named = (*(c for c in table.columns if c.name == table.key[0]), Column(ENTITY_ID, "VARCHAR"))
    return Table(
        table.name + DELETES,
        (*named, Column(DELETED, "TIMESTAMP")),
        (table.key[0], ENTITY_ID, DELETED),
    )


def has_sql_client(pipeline: Any) -> bool:
    """Whether dlt has a SQL client for ``pipeline``'s destination (to read stored rows
    back with)."""
    from dlt.common.destination.exceptions import SqlClientNotAvailable

    try:
        pipeline.sql_client()
    except SqlClientNotAvailable:
        return False
    return True


def holds_views(pipeline: Any) -> bool:
    """Whether ``pipeline``'s destination can hold a history's view: dlt has a SQL
    client for it that makes views (dlt:filesystem's only reads its files)."""
    return pipeline.destination.destination_name != "filesystem" and has_sql_client(pipeline)


def version_rows(table: Table, page: pa.Table) -> pa.Table:
    """A page's rows (typed as ``table``: :func:`arrow_page`) as rows of its
    :func:`versions_table`: each its row and its ``valid_from``, its WHENMODIFIED (the
    epoch where it has none)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    since = pc.fill_null(page.column(MODIFIED), pa.scalar(EPOCH, page.schema.field(MODIFIED).type))
    versions = page.drop_columns([DELETED_AT]).append_column(VALID_FROM, since)
    return arrow_page(versions_table(table), [], versions)


def delete_rows(
    table: Table, tombstones: Sequence[Mapping[str, Any]], entity: str | None
) -> pa.Table | None:
    """Rows of the :func:`deletes_table` (each delete once: a page read again merges onto
    its own): a tombstone's key in ``entity``, or a stored row's (``entity`` None: its
    own); None for none."""
    key = table.key[0]
    rows = [
        {key: t[key], ENTITY_ID: t[ENTITY_ID] if entity is None else entity,
         DELETED: _utc(t[DELETED_AT])}
        for t in tombstones
        if key in t
    ]  # fmt: skip
    return arrow_page(deletes_table(table), rows) if rows else None


def change_rows(table: Table, changes: Sequence[Mapping[str, Any]], entity: str) -> pa.Table | None:
    """Rows of :data:`CHANGES`: AUDITHISTORY's changes of a page's records in ``entity``,
    each once (merged on its ID); None for none."""
    key = table.key[0]
    rows = [
        {"object": table.name, "entity": entity, "k": str(c[key]), "id": str(c[CHANGE_ID]),
         "changed_at": _utc(c[CHANGED_AT]), "mode": c[CHANGE_MODE],
         "changed_by": c[CHANGED_BY]}
        for c in changes
        if key in c
    ]  # fmt: skip
    return arrow_page(CHANGES, rows) if rows else None


def select_all(client: Any, schema: Any, table: Table) -> list[pa.Table]:
    """Every row the destination of dlt's open SQL ``client`` stores in ``table`` (named
    as dlt's stored ``schema`` names it; a history's seed: once an object), typed, in
    Arrow tables of :data:`SEED_ROWS` (compact while they are kept); none before the
    table's first load. dlt's errors are the caller's to say."""
    stored = _columns_of(schema, table.name)
    if not stored:
        return []
    naming = schema.naming
    names = {naming.normalize_identifier(n): n for n in table.names}
    columns = [c for c in names if c in stored]
    found = []
    where = client.make_qualified_table_name(naming.normalize_table_identifier(table.name))
    select = ", ".join(client.escape_column_name(c) for c in columns)
    with client.execute_query(f"SELECT {select} FROM {where}") as cursor:  # noqa: S608
        while rows := cursor.fetchmany(SEED_ROWS):
            found.append(arrow_page(table, [
                {names[c]: _json(v) for c, v in zip(columns, row, strict=True)}
                for row in rows
            ]))  # fmt: skip
    return found


def make_history_views(pipeline: Any, schema: Any, tables: Sequence[Table]) -> list[str]:
    """``<table>_history`` of each of ``tables`` (objects keeping history) in
    ``pipeline``'s destination, named as dlt's stored ``schema`` names it: the view of
    the versions with their ends (:func:`.history.view`), made again with the columns
    the versions table has now (dropped first: Postgres will not replace a view whose
    columns moved); one connection for all. The views made (none of a table no version
    was loaded into yet), as SQL names them; dlt's errors are the caller's to say."""
    naming, made = schema.naming, []
    with pipeline.sql_client(schema.name) as client:

        def name(t: str) -> str:
            path = client.make_qualified_table_name_path(naming.normalize_table_identifier(t))
            return ".".join(path[-2:])  # not the catalog: a DuckDB file may be renamed

        def column(c: str) -> str:
            return str(client.escape_column_name(naming.normalize_identifier(c)))

        def has(t: str, c: str) -> bool:
            return naming.normalize_identifier(c) in _columns_of(schema, t)

        for table in tables:
            select = view(table, name, column, has)
            if select is None:  # no version loaded yet
                continue
            history = name(table.name + SUFFIX)
            with client.begin_transaction():
                client.execute_sql(f"DROP VIEW IF EXISTS {history}")
                client.execute_sql(f"CREATE VIEW {history} AS {select}")
            made.append(history)
    return made


def marked(hints: Any, rows: Any) -> Any:
    """An item of ``rows`` for the table ``hints`` name (dlt's hints of it), with those
    hints: one resource's items going to many tables."""
    import dlt

    return dlt.mark.with_hints(rows, hints, create_table_variant=True)


def resource_hints(table: Table) -> dict[str, Any]:
    """dlt's hints of what loads ``table``: its name, merged on its key (appended
    without one), its columns typed (:func:`column_hints`); for ``dlt.resource`` and
    ``dlt.mark.make_hints`` alike."""
    return {
        "table_name": table.name,
        "write_disposition": "merge" if table.key else "append",
        "primary_key": list(table.key),
        "columns": column_hints(table),
    }


@dataclass(frozen=True)
class TableSchema:
    """What the read-backs use of dlt's schema for one table, copied: its naming
    convention and the table's own entry (:func:`table_schema`)."""

    naming: Any
    tables: Mapping[str, Any]


def table_schema(schema: Any, name: str) -> TableSchema | None:
    """dlt's ``schema`` as far as the object ``name``'s table goes, copied (None: no
    schema). Take it on the thread that runs dlt: dlt replaces a live schema's content in
    place (its naming None and its tables empty in between), so a reader on another
    thread keeps a copy taken while dlt was not at work."""
    if schema is None:
        return None
    naming = schema.naming
    table = naming.normalize_table_identifier(name)
    kept = {table: copy.deepcopy(schema.tables[table])} if table in schema.tables else {}
    return TableSchema(naming, MappingProxyType(kept))


def _columns_of(schema: Any, name: str) -> set[str]:
    """The columns dlt's ``schema`` has for the object's table (empty: none, or no schema)."""
    if schema is None:
        return set()
    table = schema.tables.get(schema.naming.normalize_table_identifier(name), {})
    return set(table.get("columns", {}))


def select_stored(
    client: Any,
    schema: Any,
    table: Table,
    by: str,
    values: set[Any],
    entity: str,
    wanted: Sequence[str],
) -> list[dict[str, Any]]:
    """The rows of ``entity`` that the destination of dlt's open SQL ``client`` stores in
    ``table`` (named
    as dlt's ``schema`` names it) whose ``by`` is one of ``values``: their ``wanted``
    columns the stored table has, named as ``table`` names them. dlt's errors are the
    caller's to say (the dlt source reads back through this too)."""
    if not values:
        return []

    def among(column: str) -> tuple[str, list[Any]]:
        return f"{column} IN ({', '.join(['%s'] * len(values))})", _typed(table, by, values)

    return _select_where(client, schema, table, by, among, entity, wanted)


def select_key_range(
    client: Any,
    schema: Any,
    table: Table,
    within: tuple[int | None, int | None],
    entity: str,
    wanted: Sequence[str],
) -> list[dict[str, Any]]:
    """As :func:`select_stored`, the rows whose key (``table``'s first key column) is in
    the range ``within`` (after, upto], compared as whole numbers
    (:func:`~.base.key_range_sql`)."""

    def in_range(column: str) -> tuple[str, list[Any]]:
        return key_range_sql(column, "%s", *within)

    return _select_where(client, schema, table, table.key[0], in_range, entity, wanted)


def _select_where(
    client: Any,
    schema: Any,
    table: Table,
    by: str,
    condition: Callable[[str], tuple[str, list[Any]]],
    entity: str,
    wanted: Sequence[str],
) -> list[dict[str, Any]]:
    """The stored rows of ``entity`` for which ``condition`` of the column ``by`` (its
    name as SQL writes it) holds: its SQL and parameters."""
    stored = _columns_of(schema, table.name)
    if not stored:
        return []
    naming = schema.naming
    names = {naming.normalize_identifier(n): n for n in wanted}
    columns = [c for c in names if c in stored]
    by_column, entity_column = (naming.normalize_identifier(n) for n in (by, ENTITY_ID))
    where = client.make_qualified_table_name(naming.normalize_table_identifier(table.name))
    test, params = condition(client.escape_column_name(by_column))
    select = ", ".join(client.escape_column_name(c) for c in columns)
    sql = (
        f"SELECT {select} FROM {where} WHERE {test} "  # noqa: S608
        f"AND {client.escape_column_name(entity_column)} = %s"
    )
    found = client.execute_sql(sql, *params, entity) or []
    return [{names[c]: _json(v) for c, v in zip(columns, row, strict=True)} for row in found]


def arrow_page(
    table: Table, rows: Sequence[Mapping[str, Any]], page: pa.Table | None = None
) -> pa.Table:
    """A page as an Arrow table of exactly ``table``'s columns, typed (see _HINTS): its
    ``rows``, or the same rows typed as Arrow already (``page``)."""
    import pyarrow as pa

    schema = _schema(table)
    if page is None:
        kinds = _types(table)
        return pa.Table.from_arrays(
            [_column([_cell(r.get(c.name), kinds[c.name]) for r in rows], c.type) for c in schema],
            schema=schema,
        )
    arrays = []
    for column in schema:
        if column.name not in page.column_names:
            arrays.append(pa.nulls(page.num_rows, column.type))
            continue
        values = page.column(column.name)
        if pa.types.is_list(values.type):
            values = pa.array([_cell(v, "VARCHAR[]") for v in values.to_pylist()], pa.string())
        arrays.append(values.cast(column.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _column(values: list[Any], kind: pa.DataType) -> pa.Array:
    """Values as an Arrow column; text (a trial balance's dates) cast by Arrow."""
    import pyarrow as pa

    try:
        return pa.array(values, kind)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in values], pa.string()).cast(kind)


def _schema(table: Table) -> pa.Schema:
    import pyarrow as pa

    arrow = {
        "BIGINT": pa.int64(),
        "DECIMAL(38,12)": pa.decimal128(38, 12),
        "BOOLEAN": pa.bool_(),
        "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us", tz="UTC"),
    }
    return pa.schema(
        [  # a key is never null (dlt's primary key hint says so too)
            pa.field(c.name, arrow.get(c.type, pa.string()), nullable=c.name not in table.key)
            for c in table.columns
        ]
    )


def _types(table: Table) -> dict[str, str]:
    return {c.name: c.type for c in table.columns}


def _cell(value: Any, kind: str) -> Any:
    """A value as its Arrow column takes it: a multi-pick as JSON text, a timestamp as
    a UTC datetime."""
    if value is None:
        return None
    if kind == "VARCHAR[]":
        return value if isinstance(value, str) else json.dumps(list(value))
    if kind == "TIMESTAMP":
        return _utc(value)
    return value


def column_hints(table: Table) -> dict[str, dict[str, Any]]:
    """dlt's column hints of the table's columns (a new dict each call: the dlt source
    adds its own)."""
    return {
        c.name: {"name": c.name, **_HINTS.get(c.type, _HINTS["VARCHAR"])} for c in table.columns
    }


def _latest(table: Table, chunks: list[pa.Table]) -> pa.Table:
    """The kept pages of an object as one table, the last row of each key only (dlt's
    merge keeps an arbitrary one of a package's duplicates; here the last page wins)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    whole = pa.concat_tables(chunks)
    if not table.key or whole.num_rows < 2:
        return whole
    order = pa.array(range(whole.num_rows), pa.int64())
    last = whole.select(list(table.key)).append_column("_order", order)
    keep = last.group_by(list(table.key), use_threads=False).aggregate([("_order", "max")])
    rows = keep.column("_order_max")
    return whole.take(pc.take(rows, pc.sort_indices(rows)))


def _buffered_rows(
    table: Table,
    chunks: list[pa.Table],
    keys: set[Any],
    entity: str,
    by: str | None = None,
    index: str | None = None,
) -> dict[Any, dict[str, Any]]:
    """The kept rows of ``keys`` (of the column ``by``, the table's key by default) in
    ``entity`` by their ``index`` column (``by`` by default), the last of each winning."""
    import pyarrow.compute as pc

    key = by or table.key[0]
    found: dict[Any, dict[str, Any]] = {}
    for chunk in chunks:
        hit = pc.and_(
            pc.is_in(pc.cast(chunk.column(key), "string"), value_set=_strings(keys)),
            pc.equal(chunk.column(ENTITY_ID), entity),
        )
        for row in chunk.filter(hit).to_pylist():
            found[_key(row[index or key])] = row
    return found


def _strings(keys: set[Any]) -> Any:
    import pyarrow as pa

    return pa.array(sorted(str(k) for k in keys), pa.string())


def _typed(table: Table, column: str, keys: set[Any]) -> list[Any]:
    """The keys as ``column``'s type (RECORDNO is a number, ids are text)."""
    kind = _types(table)[column]
    return [int(k) if kind == "BIGINT" else str(k) for k in sorted(keys)]


def _key(value: Any) -> str:
    return str(value)


def _json(value: Any) -> Any:
    """A stored multi-pick comes back as JSON text or as a list, by destination."""
    return json.dumps(value) if isinstance(value, list) else value


@overload
def _utc(value: None) -> None: ...
@overload
def _utc(value: str | datetime) -> datetime: ...
def _utc(value: Any) -> datetime | None:
    """A time as an aware UTC datetime (tombstones carry ISO text, stores datetimes)."""
    if value is None:
        return None
    when = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _unfinished(info: Any) -> str:
    """Why a load dlt ended without an error left its package pending."""
    for package in getattr(info, "load_packages", []):
        for kind in ("failed_jobs", "retry_jobs"):
            for job in package.jobs.get(kind, []):
                if job.failed_message:
                    return f"a load job failed ({job.failed_message.strip().splitlines()[-1]})"
    return "the load did not complete"


def _first_line(exc: BaseException) -> str:
    """The cause's first line (dlt wraps it in a PipelineStepFailed saying the step)."""
    inner = getattr(exc, "exception", None)
    if isinstance(inner, BaseException):
        return _first_line(inner)
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
