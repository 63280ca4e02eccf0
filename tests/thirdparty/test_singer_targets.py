"""tap-sage-intacct piped into the Singer targets users run, each unmodified, pinned and
installed in its own virtualenv by the tests (:mod:`tests.tools`; skipped with the install
command when pip is offline): target-jsonl, target-duckdb, MeltanoLabs' target-postgres
and pipelinewise's target-postgres against a real PostgreSQL (:mod:`tests.postgres`).

Each target loads the same two tap runs (:mod:`.singer_targets`): a full run, then an
incremental run from its STATE after a rename, a delete and a new record; once read at a
company's top level in one session, once from two entities (``entity_ids``). The
destination must hold the emulator's records (row counts), keyed as the tap declared
(its own catalog's primary key), with sensible column types and exact values, ``_entity_id``
null at the top level and the entity's id otherwise, the changes upserted and the delete
as a row whose ``_sdc_deleted_at`` is set.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import psycopg
import pytest

from intacct.emulator.server import EmulatorServer
from intacct.replication import DELETED_AT, ENTITY_ID
from tests.tools import ToolVenv, tool_venv

from .singer_targets import (
    ENTITIES,
    OBJECTS,
    RENAMED,
    STREAMS,
    TOP,
    Key,
    Run,
    Story,
    discover,
    tell,
)

SCENARIOS = {s.name: s for s in (TOP, ENTITIES)}


@pytest.fixture(scope="module")
def stories(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Story]:
    folder = tmp_path_factory.mktemp("stories")
    with EmulatorServer(port=0, scale=300, seed=3) as emulator:
        catalog = discover(emulator, folder)
        return {name: tell(emulator, catalog, s, folder / name) for name, s in SCENARIOS.items()}


def load(command: Path, config: Mapping[str, Any], run: Run, folder: Path) -> dict[str, Any]:
    """Pipe the run's output into a target; the last state it emitted."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "target-config.json"
    path.write_text(json.dumps(config))
    with run.path.open("rb") as messages:
        done = subprocess.run(
            [str(command), "--config", str(path)],
            stdin=messages,
            capture_output=True,
            text=True,
            check=False,
            cwd=folder,
        )
    assert done.returncode == 0, f"{command.name} failed:\n{done.stderr[-4000:]}"
    states = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert states, f"{command.name} emitted no state"
    return dict(states[-1])


# -- target-jsonl: the records as they came, one file per stream ------------------------

JSONL = ("target-jsonl==0.1.4",)  # Meltano Hub's default variant (andyh1203)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_target_jsonl_writes_what_the_tap_read(
    scenario: str, stories: dict[str, Story], tmp_path: Path
) -> None:
    story = stories[scenario]
    command = tool_venv("target-jsonl", JSONL).bin("target-jsonl")
    written = {}
    for run in (story.first, story.second):
        folder = tmp_path / run.path.stem
        config = {"destination_path": str(folder / "out"), "do_timestamp_file": False}
        # it validates every record against the stream's SCHEMA (JSON Schema draft 4)
        assert load(command, config, run, folder) == run.state
        written[run.path.stem] = {
            s: [json.loads(line, parse_float=Decimal) for line in p.read_text().splitlines()]
            for s in STREAMS
            if (p := folder / "out" / f"{s}.jsonl").exists()
        }
    first, second = written.values()
    for stream in STREAMS:
        rows = first[stream]
        assert rows == story.first.records(stream), stream  # exact decimals, dates, nulls
        assert len(rows) == story.first.counts[stream], stream
        assert story.first.key_properties(stream) == list(story.scenario.key(stream))
        entities = {r[ENTITY_ID] for r in rows}
        assert entities == (set(story.scenario.entities) or {None}), stream
    changed = {stream: {_key(r, story, stream): r for r in rows} for stream, rows in second.items()}
    for stream, keys in story.changes.renamed.items():
        assert {changed[stream][k]["NAME"] for k in keys} == {RENAMED}
    for stream, keys in story.changes.created.items():
        assert all(changed[stream][k][DELETED_AT] is None for k in keys)
    for stream, keys in story.changes.deleted.items():
        assert all(changed[stream][k][DELETED_AT] for k in keys)


def _key(record: Mapping[str, Any], story: Story, stream: str) -> Key:
    return tuple(record[k] for k in story.scenario.key(stream))


# -- SQL targets: tables keyed and typed by the tap's SCHEMA messages ------------------


@dataclass(frozen=True)
class SqlTarget:
    """A loader, pinned, with the column types it makes of the tap's typed fields."""

    name: str
    requirements: tuple[str, ...]
    command: str
    #: keeps the streams' and fields' upper case (else folds them to lower case)
    upper: bool
    #: (stream, field) -> the column type it makes (information_schema.columns)
    types: Mapping[tuple[str, str], str]
    postgres: bool = True
    settings: Mapping[str, Any] = field(default_factory=dict)

    def fold(self, name: str) -> str:
        return name if self.upper else name.lower()


TARGETS = (
    # the pipelinewise lineage Meltano Hub lists for DuckDB; 0.8.0 asks for duckdb>=1.0.0
    # and was released with 1.1.x. From duckdb 1.3 on it loses the first row of every
    # batch (its COPY of a header-less CSV lets DuckDB take row 1 for a header; fixed in
    # its repository, not released), so the pin is the last 1.1 release.
    SqlTarget(
        "target-duckdb",
        ("target-duckdb==0.8.0", "duckdb==1.2.2"),
        "target-duckdb",
        upper=False,
        postgres=False,
        types={
            ("APBILL", "RECORDNO"): "HUGEINT",
            ("APBILL", "TOTALENTERED"): "DOUBLE",
            ("APBILL", "WHENPOSTED"): "VARCHAR",
            ("APBILL", "WHENMODIFIED"): "TIMESTAMP",
            ("APBILL", "ONHOLD"): "BOOLEAN",
            ("APBILL", DELETED_AT): "TIMESTAMP",
            ("APBILL", ENTITY_ID): "VARCHAR",
            ("VENDOR", "VENDORID"): "VARCHAR",
            ("TRIALBALANCE", "PERIODSTART"): "VARCHAR",
        },
    ),
    # the maintained singer-sdk target; upsert is what an incremental pipeline sets
    SqlTarget(
        "meltanolabs-target-postgres",
        ("meltanolabs-target-postgres==0.8.1",),
        "target-postgres",
        upper=True,
        types={
            ("APBILL", "RECORDNO"): "bigint",
            ("APBILL", "TOTALENTERED"): "numeric",
            ("APBILL", "WHENPOSTED"): "date",
            ("APBILL", "WHENMODIFIED"): "timestamp without time zone",
            ("APBILL", "ONHOLD"): "boolean",
            ("APBILL", DELETED_AT): "timestamp without time zone",
            ("APBILL", ENTITY_ID): "text",
            ("VENDOR", "VENDORID"): "text",
            ("TRIALBALANCE", "PERIODSTART"): "date",
        },
        settings={"load_method": "upsert"},
    ),
    SqlTarget(
        "pipelinewise-target-postgres",
        ("pipelinewise-target-postgres==2.1.2",),
        "target-postgres",
        upper=False,
        types={
            ("APBILL", "RECORDNO"): "numeric",
            ("APBILL", "TOTALENTERED"): "double precision",
            ("APBILL", "WHENPOSTED"): "character varying",
            ("APBILL", "WHENMODIFIED"): "timestamp without time zone",
            ("APBILL", "ONHOLD"): "boolean",
            ("APBILL", DELETED_AT): "timestamp without time zone",
            ("APBILL", ENTITY_ID): "character varying",
            ("VENDOR", "VENDORID"): "character varying",
            ("TRIALBALANCE", "PERIODSTART"): "character varying",
        },
    ),
)


class Destination:
    """One target writing into a fresh database (a DuckDB file, or a Postgres database)."""

    SCHEMA = "intacct"

    def __init__(self, target: SqlTarget, venv: ToolVenv, where: str, folder: Path) -> None:
        self.target = target
        self.command = venv.bin(target.command)
        self.where = where
        self.folder = folder

    def config(self) -> dict[str, Any]:
        settings = {"default_target_schema": self.SCHEMA, **self.target.settings}
        if not self.target.postgres:
            return {"path": self.where, **settings}
        url = urlsplit(self.where)
        database = url.path.lstrip("/")
        return {
            "host": url.hostname,
            "port": url.port or 5432,
            "user": url.username,
            "password": url.password or "trust",  # pipelinewise requires one; trust ignores it
            "database": database,
            "dbname": database,
            **settings,
        }

    def load(self, run: Run) -> dict[str, Any]:
        return load(self.command, self.config(), run, self.folder / run.path.stem)

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if self.target.postgres:
            with psycopg.connect(self.where) as connection:
                return connection.execute(sql, params).fetchall()
        with duckdb.connect(self.where, read_only=True) as connection:
            return connection.execute(sql.replace("%s", "?"), params).fetchall()

    def table(self, stream: str) -> str:
        return f'{self.SCHEMA}."{self.target.fold(stream)}"'

    def column(self, name: str) -> str:
        return f'"{self.target.fold(name)}"'

    def tables(self) -> set[str]:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = %s"
        return {name for (name,) in self.query(sql, self.SCHEMA)}

    def primary_key(self, stream: str) -> list[str]:
        sql = """
            SELECT k.column_name FROM information_schema.table_constraints c
            JOIN information_schema.key_column_usage k
              ON k.constraint_name = c.constraint_name AND k.table_schema = c.table_schema
             AND k.table_name = c.table_name
            WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = %s
              AND c.table_name = %s
            ORDER BY k.ordinal_position"""
        return [name for (name,) in self.query(sql, self.SCHEMA, self.target.fold(stream))]

    def column_type(self, stream: str, name: str) -> str:
        sql = """SELECT data_type FROM information_schema.columns
                 WHERE table_schema = %s AND table_name = %s AND column_name = %s"""
        folded = (self.target.fold(stream), self.target.fold(name))
        ((data_type,),) = self.query(sql, self.SCHEMA, *folded)
        return str(data_type)

    def select(self, stream: str, what: str, where: str = "TRUE") -> list[tuple[Any, ...]]:
        # names from this module's streams and fields, no outside input
        return self.query(f"SELECT {what} FROM {self.table(stream)} WHERE {where}")  # noqa: S608

    def count(self, stream: str, where: str = "TRUE") -> int:
        ((count,),) = self.select(stream, "count(*)", where)
        return int(count)

    def rows(self, stream: str, key: tuple[str, ...], fields: tuple[str, ...]) -> dict[Key, Any]:
        """``fields`` of every row, by key."""
        columns = ", ".join(self.column(c) for c in (*key, *fields))
        found = self.select(stream, columns)
        return {row[: len(key)]: dict(zip(fields, row[len(key) :], strict=True)) for row in found}


@pytest.fixture(params=TARGETS, ids=[t.name for t in TARGETS])
def destination(request: pytest.FixtureRequest, tmp_path: Path) -> Destination:
    target: SqlTarget = request.param
    venv = tool_venv(target.name, target.requirements)
    if target.postgres:
        where = request.getfixturevalue("postgres_url")
    else:  # target-duckdb names the catalog after the file
        where = str(tmp_path / "warehouse.duckdb")
    return Destination(target, venv, where, tmp_path)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_full_then_an_incremental_load(
    destination: Destination, scenario: str, stories: dict[str, Story]
) -> None:
    story = stories[scenario]
    assert destination.load(story.first) == story.first.state
    check_full_load(destination, story)
    assert destination.load(story.second) == story.second.state
    check_incremental_load(destination, story)


def check_full_load(destination: Destination, story: Story) -> None:
    run, scenario, target = story.first, story.scenario, destination.target
    assert destination.tables() == {target.fold(s) for s in STREAMS}
    for stream in STREAMS:
        declared = run.key_properties(stream)
        assert declared == list(scenario.key(stream)), stream
        assert destination.primary_key(stream) == [target.fold(k) for k in declared], stream
        assert destination.count(stream) == run.counts[stream], stream
        entities = destination.select(stream, f"DISTINCT {destination.column(ENTITY_ID)}")
        assert {e for (e,) in entities} == (set(scenario.entities) or {None}), stream
    for (stream, name), expected in target.types.items():
        assert destination.column_type(stream, name) == expected, (stream, name)
    check_values(destination, story)


def check_values(destination: Destination, story: Story) -> None:
    """APBILL's amounts, dates, timestamps and booleans as the tap sent them."""
    fields = ("TOTALENTERED", "WHENPOSTED", "WHENMODIFIED", "ONHOLD")
    key = story.scenario.key("APBILL")
    stored = destination.rows("APBILL", key, fields)
    sent = story.first.records("APBILL")
    assert len(stored) == len(sent)
    for record in sent:
        row = stored[tuple(record[k] for k in key)]
        for name in fields:
            assert same(row[name], record[name]), (record["RECORDNO"], name, row[name])


def same(stored: Any, sent: Any) -> bool:
    """Whether a destination's value is the tap's JSON value (typed as the column is)."""
    if stored is None or sent is None:
        return stored is sent
    if isinstance(stored, float):  # a DOUBLE column: the nearest binary value
        return stored == float(sent)
    if isinstance(stored, datetime):  # a timestamp without time zone holds UTC
        instant = datetime.fromisoformat(sent)
        return stored.replace(tzinfo=stored.tzinfo or UTC) == instant
    if isinstance(stored, date):
        return stored.isoformat() == sent
    return bool(stored == sent)  # Decimal == Decimal exactly, text, booleans, integers


def check_incremental_load(destination: Destination, story: Story) -> None:
    """Changes upserted by key (no second row), deletes kept as tombstone rows."""
    run, key = story.second, story.scenario.key
    deleted = f"{destination.column(DELETED_AT)} IS NOT NULL"
    for stream in OBJECTS:
        gone = len(story.changes.deleted.get(stream, []))
        assert destination.count(stream, f"NOT ({deleted})") == run.counts[stream], stream
        assert destination.count(stream, deleted) == gone, stream
    assert destination.count("TRIALBALANCE") == run.counts["TRIALBALANCE"]
    for stream, keys in story.changes.renamed.items():
        rows = destination.rows(stream, key(stream), ("NAME",))
        assert {rows[k]["NAME"] for k in keys} == {RENAMED}, stream
    for stream, keys in story.changes.created.items():
        rows = destination.rows(stream, key(stream), (DELETED_AT,))
        assert all(rows[k][DELETED_AT] is None for k in keys), stream
    for stream, keys in story.changes.deleted.items():
        rows = destination.rows(stream, key(stream), (DELETED_AT,))
        assert all(rows[k][DELETED_AT] is not None for k in keys), stream
