"""``intacct sync --db dlt:<destination>``: the engine's pages through dlt into its duckdb
and postgres destinations (a real server), checked against the same run into DuckDB
natively: every field of every record once, a second run changes nothing, deletes as
whole-row tombstones, a load that fails terminally and a process killed between extract
and load both followed by an exact run."""

# ruff: noqa: S608 - SQL here names the tests' own tables

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import duckdb
import psycopg
import pytest

from intacct import IntacctClient
from intacct.destinations import DestinationError
from intacct.emulator.demo import client_config
from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.server import EmulatorServer
from intacct.sync.dryrun import estimate_sync
from tests.sync.test_sync import connect, sync

pytest.importorskip("dlt", reason="pip install -e '.[dev]' (dlt is in the dev extra)")

OBJECTS = ["VENDOR", "GLACCOUNT", "APBILL", "CLASS", "TRIALBALANCE"]
DATASET = "intacct"
#: dlt's own columns, not the object's
DLT_COLUMNS = {"_dlt_load_id", "_dlt_id"}


class Warehouse:
    """A dlt destination the tests write through and read back from directly."""

    def __init__(self, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kind = kind
        self.file = tmp_path / "warehouse.duckdb"
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        monkeypatch.chdir(tmp_path)  # no .dlt/ config of the machine's
        monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")  # dlt's, on by default
        if kind == "duckdb":
            monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(self.file))

    def where(self, pages: int = 20) -> str:
        return f"dlt:{self.kind}?dataset={DATASET}&pages_per_load={pages}"

    def query(self, sql: str) -> list[dict[str, Any]]:
        if self.kind == "duckdb":
            with duckdb.connect(str(self.file), read_only=True) as con:
                cursor = con.execute(sql)
                names = [d[0] for d in cursor.description or []]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        with psycopg.connect(os.environ["DESTINATION__POSTGRES__CREDENTIALS"]) as con:
            cur = con.execute(sql)
            names = [d.name for d in cur.description or []]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def rows(self, table: str) -> list[dict[str, Any]]:
        """The table's rows without dlt's columns, times as naive UTC, sorted."""
        found = self.query(f"SELECT * FROM {DATASET}.{table.lower()}")
        rows = [{k: _naive(v) for k, v in r.items() if k not in DLT_COLUMNS} for r in found]
        return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))


def _naive(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Warehouse:
    if request.param == "postgres":
        url = urlsplit(request.getfixturevalue("postgres_url"))
        if url.password is None:  # dlt requires one; the test server trusts any
            url = url._replace(netloc=f"{url.username}:unused@{url.hostname}:{url.port}")
        monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", urlunsplit(url))
    return Warehouse(request.param, tmp_path, monkeypatch)


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=300, seed=4) as emu:
        yield emu


def native(path: Path, table: str) -> list[dict[str, Any]]:
    """A table of the native DuckDB sync, named and shaped as dlt stores it."""
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(f'SELECT * FROM "{table}"')
        names = [d[0].lower() for d in cursor.description or []]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return sorted(found, key=lambda r: json.dumps(r, sort_keys=True, default=str))


def same_rows(dlt_rows: list[dict[str, Any]], duck_rows: list[dict[str, Any]]) -> None:
    """Every field of every row alike (a multi-pick is JSON through dlt)."""
    assert len(dlt_rows) == len(duck_rows)
    for got, want in zip(dlt_rows, duck_rows, strict=True):
        for name, value in want.items():
            stored = got.get(name)
            if isinstance(value, list) and isinstance(stored, str):
                stored = json.loads(stored)
            assert stored == value, (name, got, want)


def test_the_demo_company_lands_exactly_once_and_a_second_run_changes_nothing(
    emulator: InProcessEmulator, warehouse: Warehouse, tmp_path: Path
) -> None:
    report = sync(emulator, warehouse.where(), objects=OBJECTS)
    assert report.failed == []
    sync(emulator, tmp_path / "native.duckdb", objects=OBJECTS)
    tables = {t: warehouse.rows(t) for t in OBJECTS}
    for table in OBJECTS:
        same_rows(tables[table], native(tmp_path / "native.duckdb", table))
    types = {r["column_name"]: r["data_type"].lower() for r in warehouse.query(
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_schema = '{DATASET}' AND table_name = 'apbill'"
    )}  # fmt: skip
    assert types["totalentered"].startswith(("decimal", "numeric")) and types["whendue"] == "date"
    assert types["whenmodified"].startswith("timestamp") and types["recordno"] == "bigint"
    again = sync(emulator, warehouse.where(), objects=OBJECTS)
    for row in again.objects:
        if row.object != "TRIALBALANCE":  # re-reads its last months
            assert (row.requests, row.inserted, row.deleted) == (0, 0, 0)
    assert {t: warehouse.rows(t) for t in OBJECTS} == tables
    runs = warehouse.query(f"SELECT status FROM {DATASET}._intacct_runs")
    assert [r["status"] for r in runs] == ["ok", "ok"]


def test_deletes_are_whole_rows_with_the_delete_time(
    emulator: InProcessEmulator, warehouse: Warehouse
) -> None:
    sync(emulator, warehouse.where(), objects=["CLASS"])
    before = {r["classid"]: r for r in warehouse.rows("CLASS")}
    with connect(emulator) as client:
        client.create("CLASS", [{"CLASSID": "SYNC-NEW", "NAME": "New"}])
        victim = next(r for r in client.iter_query("CLASS", ["RECORDNO", "CLASSID"])
                      if r["CLASSID"] != "SYNC-NEW")  # fmt: skip
        client.delete("CLASS", [int(victim["RECORDNO"])])
    (row,) = sync(emulator, warehouse.where(), objects=["CLASS"]).objects
    assert (row.inserted, row.deleted) == (1, 1)
    after = {r["classid"]: r for r in warehouse.rows("CLASS")}
    gone = after[victim["CLASSID"]]
    assert gone["_sdc_deleted_at"] is not None and gone["name"] is not None
    assert {**gone, "_sdc_deleted_at": None} == before[victim["CLASSID"]]
    assert after["SYNC-NEW"]["_sdc_deleted_at"] is None
    assert sum(r["_sdc_deleted_at"] is not None for r in after.values()) == 1


def test_a_record_created_and_deleted_between_runs_is_a_tombstone_of_its_key_alone(
    emulator: InProcessEmulator, warehouse: Warehouse
) -> None:
    sync(emulator, warehouse.where(), objects=["CLASS"])
    with connect(emulator) as client:
        client.create("CLASS", [{"CLASSID": "BRIEF", "NAME": "Short-lived"}])
        made = next(r for r in client.iter_query("CLASS", ["RECORDNO", "CLASSID"])
                    if r["CLASSID"] == "BRIEF")  # fmt: skip
        client.delete("CLASS", [int(made["RECORDNO"])])
    sync(emulator, warehouse.where(), objects=["CLASS"])
    (brief,) = [r for r in warehouse.rows("CLASS") if r["classid"] == "BRIEF"]
    assert brief["_sdc_deleted_at"] is not None and brief["name"] is None


def test_a_load_that_fails_terminally_is_followed_by_an_exact_run(
    emulator: InProcessEmulator, warehouse: Warehouse, tmp_path: Path
) -> None:
    sync(emulator, warehouse.where(), objects=["CLASS"])
    with connect(emulator) as client:
        client.create("CLASS", [{"CLASSID": "AFTER-FAIL", "NAME": "Later"}])
    # a column whose type refuses the load's values: dlt fails the job for good, after
    # its working directory took the state of the pages it could not load
    _sql(warehouse, f"CREATE TABLE {DATASET}.vendor (vendorid BIGINT, _entity_id TEXT)")
    with pytest.raises(DestinationError, match="could not load"):
        sync(emulator, warehouse.where(pages=1), objects=["CLASS", "VENDOR"])
    _sql(warehouse, f"ALTER TABLE {DATASET}.vendor ALTER COLUMN vendorid TYPE VARCHAR")
    sync(emulator, warehouse.where(), objects=["CLASS", "VENDOR"])
    sync(emulator, tmp_path / "native.duckdb", objects=["CLASS", "VENDOR"])
    for table in ("CLASS", "VENDOR"):
        same_rows(warehouse.rows(table), native(tmp_path / "native.duckdb", table))


def _sql(warehouse: Warehouse, sql: str) -> None:
    if warehouse.kind == "duckdb":
        with duckdb.connect(str(warehouse.file)) as con:
            con.execute(sql)
        return
    with psycopg.connect(os.environ["DESTINATION__POSTGRES__CREDENTIALS"]) as con:
        con.execute(sql)


def test_a_run_killed_between_extract_and_load_resumes_with_every_record_once(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    objects = "GLENTRY,VENDOR"
    with EmulatorServer(port=0, scale=300, seed=6) as server:
        env = {**os.environ, **_emulator_env(server.url), "INTACCT_PAGE_SIZE": "50"}
        command = [sys.executable, "-m", "intacct.cli", "sync", "--objects", objects,
                   "--db", warehouse.where(pages=2)]  # fmt: skip
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
        stored = {t: len(warehouse.rows(t)) for t in ("GLENTRY", "VENDOR") if _has(warehouse, t)}
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        truth = _truth(server.url)
    for table in ("GLENTRY", "VENDOR"):
        keys = [r["recordno"] for r in warehouse.rows(table)]
        assert sorted(keys) == truth[table] and len(set(keys)) == len(keys)
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


def _has(warehouse: Warehouse, table: str) -> bool:
    found = warehouse.query(
        "SELECT count(*) AS n FROM information_schema.tables "
        f"WHERE table_schema = '{DATASET}' AND table_name = '{table.lower()}'"
    )
    return bool(found[0]["n"])


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
    emulator: InProcessEmulator, warehouse: Warehouse
) -> None:
    with connect(emulator) as client:
        before = estimate_sync(client, warehouse.where(), objects=["VENDOR", "APBILL"])
    sync(emulator, warehouse.where(), objects=["VENDOR", "APBILL"])
    with connect(emulator) as client:
        after = estimate_sync(client, warehouse.where(), objects=["VENDOR", "APBILL"])
    assert all(o.records for o in before.objects)
    assert [o.records for o in after.objects] == [0, 0]


def test_a_second_run_into_the_same_dataset_at_once_is_refused(warehouse: Warehouse) -> None:
    from intacct.destinations import open_destination

    first = open_destination(warehouse.where())
    try:
        with pytest.raises(DestinationError, match="another intacct sync is writing"):
            open_destination(warehouse.where())
    finally:
        first.close()
    open_destination(warehouse.where()).close()  # let go of: the next run may
