"""``intacct sync --db dlt:<destination>``, what only dlt has: a load that fails
terminally (dlt 1.31 keeps state ahead of the data in its working directory; on Postgres a
failed job is left pending without an error) and a process killed between extract and
load, each followed by an exact run; dlt not installed, a bad address, a dry run. The
exactness, deletes, resume and drift suite runs on dlt's duckdb and postgres destinations
with the others (test_destinations.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest

from intacct import IntacctClient
from intacct.destinations import DestinationError
from intacct.emulator.demo import client_config
from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.server import EmulatorServer
from intacct.sync import SyncSettings
from intacct.sync.dryrun import estimate_sync
from tests.sync.stores import DATASET, Store, dlt_store, duckdb_store
from tests.sync.test_sync import connect, sync

pytest.importorskip("dlt", reason="pip install -e '.[dev]' (dlt is in the dev extra)")


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Store:
    """dlt's duckdb or postgres destination (the tests' server), new and empty."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else ""
    return dlt_store(str(request.param), tmp_path, monkeypatch, url)


def with_pages(store: Store, pages: int) -> str:
    return store.committing_every(pages).where


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=300, seed=4) as emu:
        yield emu


def same_as_native(warehouse: Store, tmp_path: Path, tables: tuple[str, ...]) -> None:
    """Every field of every row of ``tables`` as a native DuckDB sync stores them."""
    native = duckdb_store(tmp_path)
    for table in tables:
        assert warehouse.columns(table) == native.columns(table), table
        assert warehouse.rows(table) == native.rows(table), table


def test_a_load_that_fails_terminally_is_followed_by_an_exact_run(
    emulator: InProcessEmulator, warehouse: Store, tmp_path: Path
) -> None:
    sync(emulator, warehouse.where, objects=["CLASS"])
    with connect(emulator) as client:
        client.create("CLASS", [{"CLASSID": "AFTER-FAIL", "NAME": "Later"}])
    # a column whose type refuses the load's values: dlt fails the job for good, after
    # its working directory took the state of the pages it could not load
    _sql(warehouse, f"CREATE TABLE {DATASET}.vendor (vendorid BIGINT, _entity_id TEXT)")
    with pytest.raises(DestinationError, match="could not load"):
        sync(emulator, with_pages(warehouse, 1), objects=["CLASS", "VENDOR"])
    _sql(warehouse, f"ALTER TABLE {DATASET}.vendor ALTER COLUMN vendorid TYPE VARCHAR")
    sync(emulator, warehouse.where, objects=["CLASS", "VENDOR"])
    sync(emulator, duckdb_store(tmp_path).where, objects=["CLASS", "VENDOR"])
    same_as_native(warehouse, tmp_path, ("CLASS", "VENDOR"))


def _sql(warehouse: Store, sql: str) -> None:
    if warehouse.engine == "duckdb":
        with duckdb.connect(warehouse.url) as con:
            con.execute(sql)
        return
    with psycopg.connect(warehouse.url) as con:
        con.execute(sql)


def test_a_run_killed_between_extract_and_load_resumes_with_every_record_once(
    warehouse: Store, tmp_path: Path
) -> None:
    objects = "GLENTRY,VENDOR"
    with EmulatorServer(port=0, scale=300, seed=6) as server:
        env = {**os.environ, **_emulator_env(server.url), "INTACCT_PAGE_SIZE": "50"}
        command = [sys.executable, "-m", "intacct.cli", "sync", "--objects", objects,
                   "--db", with_pages(warehouse, 2)]  # fmt: skip
        packages = tmp_path / "cache" / "intacct-connector" / "dlt" / "intacct_intacct" / "load"
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)  # fmt: skip
        try:
            killed = _kill_between_extract_and_load(proc, packages)
        finally:
            proc.kill()
            _, err = proc.communicate(timeout=30)
        assert killed, err.decode()[-2000:]
        assert proc.returncode == -signal.SIGKILL
        stored = {t: len(warehouse.keys(t)) for t in ("GLENTRY", "VENDOR")}
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        truth = _truth(server.url)
    for table in ("GLENTRY", "VENDOR"):
        assert warehouse.keys(table) == truth[table]  # every record, once
    assert sum(stored.values()) < sum(len(v) for v in truth.values())


def _kill_between_extract_and_load(proc: subprocess.Popen[bytes], packages: Path) -> bool:
    """SIGKILL as soon as a load package waits in dlt's working directory (extracted or
    normalized, not yet loaded) after one load completed; False if the run ended first."""
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        loaded = any((packages / "loaded").glob("*")) if (packages / "loaded").exists() else False
        waiting = [p for d in ("new", "normalized") for p in (packages / d).glob("*")
                   if (packages / d).exists()]  # fmt: skip
        if loaded and waiting:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.005)
    return False


def _emulator_env(url: str) -> dict[str, str]:
    """The demo tenant's connection as ``INTACCT_*`` variables (the command's way)."""
    return {f"INTACCT_{k.upper()}": v for k, v in client_config(url).items() if v} | {
        "INTACCT_TIMEOUT_S": "30"
    }


def _truth(url: str) -> dict[str, list[int]]:
    config = {**client_config(url), "timeout_s": 30}
    with IntacctClient.from_mapping(config) as client:
        return {
            t: sorted(int(r["RECORDNO"]) for r in client.iter_query(t, ["RECORDNO"]))
            for t in ("GLENTRY", "VENDOR")
        }


def test_a_dataset_named_as_its_duckdb_file_is_refused_before_a_page_is_read(
    emulator: InProcessEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB cannot tell a file's catalog from a schema of the same name: every load
    would fail after the whole run was read (issue 46, the dlt source's snippet)."""
    dlt_store("duckdb", tmp_path, monkeypatch)
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(tmp_path / "intacct.duckdb"))
    with pytest.raises(DestinationError, match=r"cannot open dlt:duckdb: .*both named 'intacct'"):
        sync(emulator, "dlt:duckdb?dataset=intacct", objects=["CLASS"])


@pytest.mark.parametrize("form", ["text", "json"])
def test_dlts_log_lines_are_the_runs_own(
    form: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dlt, starting, gives its logger a handler and a format of its own on standard
    error: with ``--log-format json`` a line of it was no JSON object, in text a line in
    dlt's format among the run's. Its lines (a load's steps at dlt's INFO) are the run's."""
    store = dlt_store("duckdb", tmp_path, monkeypatch)
    with EmulatorServer(port=0, scale=100, seed=6) as server:
        env = {**os.environ, **_emulator_env(server.url), "RUNTIME__LOG_LEVEL": "INFO"}
        command = [sys.executable, "-m", "intacct.cli", "sync", "--log-format", form,
                   "--objects", "CLASS", "--db", store.where]  # fmt: skip
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    if form == "json":
        records = [json.loads(line) for line in done.stderr.splitlines()]  # every line
        assert any(r["logger"].startswith("dlt") for r in records), done.stderr
        return
    assert "|[INFO]|" not in done.stderr and " INFO    dlt" in done.stderr, done.stderr


def test_without_dlt_installed_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dlt", None)  # import dlt raises ImportError
    from intacct.destinations import open_destination

    with pytest.raises(DestinationError, match=r"pip install 'intacct-connector\[dlt\]'"):
        open_destination("dlt:snowflake")


def test_importing_the_destinations_does_not_import_dlt() -> None:
    code = "import sys, intacct.destinations, intacct.sync; print('dlt' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("where", ["dlt:", "dlt:duckdb?pages=3", "dlt:duckdb?pages_per_load=0"])
def test_a_bad_dlt_address_is_one_clear_line(where: str) -> None:
    from intacct.destinations import open_destination

    with pytest.raises(DestinationError, match=r"--db dlt:"):
        open_destination(where)


def test_a_dry_run_reads_the_state_the_destination_holds(
    emulator: InProcessEmulator, warehouse: Store
) -> None:
    with connect(emulator) as client:
        before = estimate_sync(client, warehouse.where, SyncSettings(("VENDOR", "APBILL")))
    sync(emulator, warehouse.where, objects=["VENDOR", "APBILL"])
    with connect(emulator) as client:
        after = estimate_sync(client, warehouse.where, SyncSettings(("VENDOR", "APBILL")))
    assert all(o.records for o in before.objects)
    assert [o.records for o in after.objects] == [0, 0]


def test_small_pages_share_a_load_and_each_load_carries_its_last_pages_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page of fewer than SMALL_PAGE records counts a tenth toward pages_per_load (the
    many small objects of ``--objects all`` share loads); a full page counts whole."""
    from intacct.destinations import open_destination
    from intacct.destinations.dlt import SMALL_PAGE
    from intacct.destinations.tables import Column, Table
    from intacct.replication.contract import StreamPage

    store = dlt_store("duckdb", tmp_path, monkeypatch)
    dest = open_destination(f"{store.where.partition('&')[0]}&pages_per_load=2")
    columns = (Column("CLASSID", "VARCHAR"), Column("_entity_id", "VARCHAR"))
    table = Table(
        "CLASS", (*columns, Column("_sdc_deleted_at", "TIMESTAMP")), ("CLASSID", "_entity_id")
    )
    dest.prepare(table)
    written = 0

    def write(records: int) -> None:
        nonlocal written
        rows = [{"CLASSID": f"C{written}-{k}", "_entity_id": ""} for k in range(records)]
        dest.write_page(StreamPage("CLASS", "", rows, [], {"pages": written}, first_read=True))
        written += 1

    def loaded() -> tuple[int, int]:
        """The loads completed, the rows stored (none before the dataset exists)."""
        found = []
        with duckdb.connect(store.url) as con:
            for table in ("_dlt_loads", "class"):
                sql = f"SELECT count(*) FROM {DATASET}.{table}"  # noqa: S608
                try:
                    found.append(con.execute(sql).fetchone()[0])  # type: ignore[index]
                except duckdb.CatalogException:
                    found.append(0)
        return found[0], found[1]

    try:
        for _ in range(19):
            write(SMALL_PAGE - 1)
        assert loaded() == (0, 0)  # 1.9 pages kept
        write(SMALL_PAGE - 1)  # the 20th small page: two pages' worth
        assert loaded() == (1, 20 * (SMALL_PAGE - 1))
        assert dest.state() == {"pages": 19}
        write(SMALL_PAGE)
        assert loaded()[0] == 1
        write(SMALL_PAGE)  # two full pages
        assert loaded() == (2, 20 * (SMALL_PAGE - 1) + 2 * SMALL_PAGE)
    finally:
        dest.close()
    reopened = open_destination(store.where)
    try:
        assert reopened.state() == {"pages": 21}
    finally:
        reopened.close()
