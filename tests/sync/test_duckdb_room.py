"""DuckDB's memory limit keeps a run's memory flat; it never stops a run that more memory
would finish. A destination opened with a limit far too small for its pages stores them
all, exactly, by trying again with more room, and says so; width (a table's index held
in memory until a checkpoint, for every table a run touches) is written out before it
fills the limit."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from intacct.destinations.duckdb import DuckDBDestination
from intacct.destinations.tables import Column, Table
from intacct.replication import ENTITY_ID, StreamPage

FIELDS = [f"F{i}" for i in range(60)]


def wide(name: str, fields: list[str] = FIELDS) -> Table:
    columns = [Column("RECORDNO", "BIGINT"), Column(ENTITY_ID, "VARCHAR")]
    columns += [Column(f, "VARCHAR") for f in fields]
    return Table(name, tuple(columns), ("RECORDNO", ENTITY_ID))


def rows(
    count: int, start: int = 0, tag: str = "a", fields: list[str] = FIELDS
) -> list[dict[str, object]]:
    return [
        {"RECORDNO": n, ENTITY_ID: "", **{f: f"{tag}{n}-{f}-{'x' * 40}" for f in fields}}
        for n in range(start, start + count)
    ]


def first_read(name: str, records: list[dict[str, object]], state: dict[str, int]) -> StreamPage:
    """A first read's page, typed as Arrow."""
    table = pa.Table.from_pylist(records)
    return StreamPage(name, "", records, [], state, table=table, first_read=True)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "room.duckdb"


def stored(path: Path, name: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        sql = f'SELECT RECORDNO, "F0", "F59" FROM "{name}" ORDER BY 1'  # noqa: S608 (our table)
        return con.execute(sql).fetchall()


def test_a_page_bigger_than_the_limit_is_stored_with_more_room(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "intacct.destinations")
    database = DuckDBDestination(path, memory_limit="2MB")
    database.prepare(wide("GLDETAIL"))
    first = database.write_page(first_read("GLDETAIL", rows(6000), {"n": 1}))
    again = database.write_page(StreamPage("GLDETAIL", "", rows(6000, 3000, "b"), [], {"n": 2}))
    database.close()
    assert (first.inserted, again.inserted, again.updated) == (6000, 3000, 3000)
    kept = stored(path, "GLDETAIL")
    assert len(kept) == 9000
    assert kept[0][1] == "a0-F0-" + "x" * 40 and kept[-1][2] == "b8999-F59-" + "x" * 40
    said = [r.getMessage() for r in caplog.records]
    assert said and all("nothing of it was stored, trying again with" in s for s in said)


def test_an_upserted_page_costs_memory_by_its_rows_not_its_columns(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A page stored by upsert (the record way: a REST read's, any re-read's) fits the
    upsert's limit however wide its table: 20 records of 300 columns, inserted then
    updated, neither run out nor are stored again with more room. DuckDB's ``INSERT …
    ON CONFLICT DO UPDATE`` took buffers for every column on every thread: over 192 MB
    for these (issue 46: an 18-record REST page of PROJECT ran a run of every object
    out of 96 MB)."""
    caplog.set_level(logging.WARNING, "intacct.destinations")
    fields = [f"F{i}" for i in range(300)]
    database = DuckDBDestination(path)
    database.prepare(wide("PROJECT", fields))
    first = database.write_page(StreamPage("PROJECT", "", rows(20, fields=fields), [], {"n": 1}))
    again = rows(20, tag="b", fields=fields)
    second = database.write_page(StreamPage("PROJECT", "", again, [], {"n": 2}))
    database.close()
    assert (first.inserted, first.updated, second.inserted, second.updated) == (20, 0, 0, 20)
    assert stored(path, "PROJECT")[-1] == (19, f"b19-F0-{'x' * 40}", f"b19-F59-{'x' * 40}")
    assert [r.getMessage() for r in caplog.records] == []


def test_many_tables_fit_a_small_limit(path: Path) -> None:
    """Each table's index stays in memory DuckDB cannot spill until a checkpoint: 150
    tables would pin ~100 MB. Whatever the way there (checkpoints, more room), every
    page is stored and the state is the last page's."""
    database = DuckDBDestination(path, memory_limit="16MB")
    for i in range(150):
        name = f"T{i}"
        database.prepare(wide(name))
        database.write_page(first_read(name, rows(40), {"page": i}))
    database.close()
    for i in (0, 75, 149):
        assert len(stored(path, f"T{i}")) == 40
    with duckdb.connect(str(path), read_only=True) as con:
        state = con.execute("SELECT value FROM _intacct_state WHERE name = 'run'").fetchone()
    assert state == ('{"page": 149}',)


def test_a_commit_that_runs_out_is_done_again_in_a_database_opened_again(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Running out while committing invalidates DuckDB's database (every statement
    after it fails, whatever the COMMIT raised): it is opened again, nothing committed
    before is lost, and the page is stored once."""
    caplog.set_level(logging.WARNING, "intacct.destinations")
    database = DuckDBDestination(path, memory_limit="4MB")
    # on the destination's one thread these pages run out in their INSERT (the test
    # above); on two, in their COMMIT: this path
    database.con.execute("SET threads = 2")
    for i in range(8):
        database.prepare(wide(f"T{i}"))
        database.write_page(first_read(f"T{i}", rows(40, 100 * i), {"page": i}))
    database.close()
    for i in range(8):
        kept = stored(path, f"T{i}")
        assert [k[0] for k in kept] == list(range(100 * i, 100 * i + 40))
    assert any("Failed to commit" in r.getMessage() for r in caplog.records)
