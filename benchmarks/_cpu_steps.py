"""Where a sync's CPU goes: the captured pages replayed in this process, step by step.

Each step repeats the one before it and adds its own work, over every page of the
capture (the answers that carry the objects' records); ``intacct sync as run`` is the
whole command through a :class:`~_pages.ReplayTransport` (its setup requests and
planning included). CPU is ``time.process_time()`` of this process: every thread,
DuckDB's among them. Answers are given uncompressed, so no step pays for gzip.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _pages import Answers, Capture, Page, ReplayTransport
from lxml import etree
from parse_response import baseline

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.destinations.duckdb import DuckDBDestination
from intacct.destinations.tables import table_for
from intacct.emulator.demo import client_config
from intacct.protocol.columns import Columns, read_columns
from intacct.protocol.response import parse_response
from intacct.replication import ReplicationSettings, StreamPage
from intacct.replication.records.columnar import ColumnTyper, Records
from intacct.replication.records.typed import Typer
from intacct.sync import SyncSettings
from intacct.sync.display import QuietReporter
from intacct.sync.job import run_sync

#: a pass over every page (or the whole run): the CPU seconds it took
Step = Callable[[], None]
BARE = "bare `lxml.etree.fromstring` of every page"


def client(
    capture: Capture, concurrency: int, answers: Answers[bytes] | None = None
) -> IntacctClient:
    config: dict[str, Any] = client_config("https://replay.invalid/ia/xml/xmlgw.phtml")
    config |= {"max_concurrency": concurrency, "timeout_s": 120}
    transport = ReplayTransport(capture, answers)
    return IntacctClient.from_mapping(config, http_transport=transport)


def columnar_available() -> bool:
    return "columnar" in {f.name for f in dataclasses.fields(ReplicationSettings)}


def today() -> dict[str, Any]:
    """The engine's switch to the record-at-a-time path (its default is columnar)."""
    return {"columnar": False} if columnar_available() else {}


class Pipeline:
    """The record-at-a-time path, one stage on top of the other."""

    def __init__(self, capture: Capture, objects: list[str], concurrency: int) -> None:
        with client(capture, concurrency) as setup:
            registry = ObjectRegistry(setup)
            registry.load(objects)  # the run's own lookup request, replayed
            self.infos = {name: registry.get(name) for name in objects}
            self.formatting = setup.user_formatting()
        self.typers = {n: Typer(i, self.formatting, "") for n, i in self.infos.items()}
        self.column_typers = {n: ColumnTyper(i, self.formatting, "") for n, i in self.infos.items()}
        self.database: DuckDBDestination | None = None

    def records(self, page: Page) -> list[Any]:
        return list(parse_response(page.body).results[0].records)

    def typed(self, page: Page) -> list[dict[str, Any]]:
        typer = self.typers[page.object]
        return [typer(record) for record in self.records(page)]

    def written(self, page: Page) -> None:
        assert self.database is not None
        state = {"streams": {page.object: {"token": None}}}
        self.database.write_page(StreamPage(page.object, "", self.typed(page), [], state))

    # -- the columnar path ------------------------------------------------------------

    def columns(self, page: Page) -> Columns:
        fields = self.infos[page.object].queryable_fields
        response = read_columns(page.body, fields)
        assert response is not None, f"the fast reader declined a page of {page.object}"
        data = response.results[0].data
        assert data is not None and data.columns is not None
        return data.columns

    def typed_columns(self, page: Page) -> Any:
        typer = self.column_typers[page.object]
        table = typer(self.columns(page))
        assert table is not None, f"a page of {page.object} went the record way"
        return table

    def written_columns(self, page: Page) -> None:
        assert self.database is not None
        state = {"streams": {page.object: {"token": None}}}
        table = self.typed_columns(page)
        records = Records(table, list)
        first = StreamPage(page.object, "", records, [], state, table=table, first_read=True)
        self.database.write_page(first)

    @contextmanager
    def database_at(self, path: Path) -> Iterator[None]:
        path.unlink(missing_ok=True)
        self.database = DuckDBDestination(path)
        for info in self.infos.values():
            self.database.prepare(table_for(info))
        try:
            yield
        finally:
            self.database.close()
            self.database = None


def steps(capture: Capture, objects: list[str], concurrency: int, work: Path) -> dict[str, Step]:
    pages, line = capture.pages(), Pipeline(capture, objects, concurrency)

    def each(stage: Callable[[Page], object]) -> Step:
        def run() -> None:
            for page in pages:  # one page's records at a time, as the engine holds them
                stage(page)

        return run

    def write_all() -> None:
        with line.database_at(work / "pages.duckdb"):
            each(line.written)()

    def write_all_columns() -> None:
        with line.database_at(work / "pages.duckdb"):
            each(line.written_columns)()

    out: dict[str, Step] = {
        BARE: each(lambda page: etree.fromstring(page.body)),
        "+ a dict of text values per record": each(lambda page: baseline(page.body)),
        "the client's `parse_response`": each(line.records),
        "+ the engine's `Typer`": each(line.typed),
        "+ the DuckDB write (`DuckDBDestination.write_page`)": write_all,
        "`intacct sync` as run, today (columnar=False)": synced(
            capture, objects, concurrency, work, **today()
        ),
    }
    if columnar_available():
        out |= {
            "new: the fast reader (`read_columns`, xml2arrow)": each(line.columns),
            "new: + bulk typing (`ColumnTyper`)": each(line.typed_columns),
            "new: + the DuckDB write (one INSERT of the Arrow page)": write_all_columns,
            "`intacct sync` as run, new (columnar=True)": synced(
                capture, objects, concurrency, work, columnar=True
            ),
        }
    return out


def synced(
    capture: Capture, objects: list[str], concurrency: int, work: Path, **switch: Any
) -> Step:
    # the replay's index of the answers is made once, outside the measured run: it
    # copies every answer (0.5 s of CPU that is the harness's, not the sync's)
    answers = Answers(capture, lambda answer: answer)

    def run() -> None:
        path = work / "run.duckdb"
        path.unlink(missing_ok=True)
        with client(capture, concurrency, answers) as replayed:
            reporter = QuietReporter(io.StringIO())
            settings = SyncSettings(tuple(objects), replication=ReplicationSettings(**switch))
            report = run_sync(replayed, path, reporter, settings)
        if report.failed:
            raise SystemExit(f"replayed sync failed: {[o.error for o in report.failed]}")
        read = sum(o.read for o in report.objects)
        assert read == capture.records, (read, capture.records)

    return run


def measure(where: Path, objects: list[str], concurrency: int, repeat: int) -> dict[str, Any]:
    """CPU seconds of every step, ``repeat`` times (the steps alternate)."""
    capture = Capture.load(where)
    pages = capture.pages()
    with tempfile.TemporaryDirectory() as work:
        todo = steps(capture, objects, concurrency, Path(work))
        seconds: dict[str, list[float]] = {name: [] for name in todo}
        for _ in range(repeat):
            for name, step in todo.items():
                began = time.process_time()
                step()
                seconds[name].append(time.process_time() - began)
    return {
        "seconds": seconds,
        "bare": sorted(seconds[BARE])[repeat // 2],
        "records": sum(p.records for p in pages),
        "pages": len(pages),
        "megabytes": sum(len(p.body) for p in pages) / 1e6,
    }
