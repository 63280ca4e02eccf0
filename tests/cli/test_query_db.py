"""``intacct query OBJECT --db``: the rows ``intacct sync`` stored, read back without a
connection to Intacct, held to what the database itself holds, on DuckDB and Postgres;
its refusals name the near miss."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest
from click.testing import CliRunner, Result

from intacct import IntacctClient
from intacct.cli import main
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.sync import SyncSettings, run_sync
from intacct.sync.display import QuietReporter


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=200, seed=3) as emulator:
        yield emulator


def synced(server: EmulatorServer, where: str) -> str:
    with IntacctClient.from_mapping(client_config(server.url)) as client:
        report = run_sync(client, where, QuietReporter(), SyncSettings(objects=("VENDOR",)))
    assert report.failed == []
    return where


@pytest.fixture(scope="module")
def db(server: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    return synced(server, str(tmp_path_factory.mktemp("query") / "intacct.duckdb"))


def query(*args: str) -> Result:
    return CliRunner().invoke(main, ["query", *args])


def test_fields_where_and_limit_read_the_stored_rows(db: str) -> None:
    done = query("VENDOR", "--db", db, "--fields", "VENDORID,NAME,TOTALDUE",
                 "--where", "NAME LIKE '%Co%'", "--limit", "0", "--format", "csv")  # fmt: skip
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    with duckdb.connect(db, read_only=True) as con:
        truth = con.execute(
            "SELECT VENDORID, NAME, TOTALDUE FROM \"VENDOR\" WHERE NAME LIKE '%Co%'"
        ).fetchall()
    assert len(rows) == len(truth) > 0
    due = [Decimal(r["TOTALDUE"]) if r["TOTALDUE"] else None for r in rows]
    assert {(r["VENDORID"], r["NAME"], d) for r, d in zip(rows, due, strict=True)} == set(truth)
    assert list(rows[0]) == ["VENDORID", "NAME", "TOTALDUE"]


def test_json_keeps_every_column_typed_and_the_limit(db: str) -> None:
    done = query("vendor", "--db", db, "--limit", "3", "--format", "json")
    assert done.exit_code == 0, done.output
    rows = json.loads(done.stdout)
    assert len(rows) == 3
    assert {"VENDORID", "_sdc_deleted_at", "_entity_id", "WHENMODIFIED"} <= set(rows[0])


def test_amounts_show_as_people_write_them(server: EmulatorServer, tmp_path: Path) -> None:
    """Exact, without the store's 12 decimals (``0E-12`` and ``3316.250000000000`` were
    shown), in the table, CSV and JSON alike (issue 69)."""
    db = str(tmp_path / "bills.duckdb")
    with IntacctClient.from_mapping(client_config(server.url)) as client:
        assert run_sync(client, db, QuietReporter(), SyncSettings(objects=("APBILL",))).failed == []
    with duckdb.connect(db, read_only=True) as con:
        stored = con.execute('SELECT RECORDNO, TOTALENTERED, TOTALDUE FROM "APBILL"').fetchall()
    record, entered, due = next(r for r in stored if r[2] == 0)
    assert (str(due), len(str(entered).split(".")[1])) == ("0E-12", 12)  # DECIMAL(38, 12)
    for output in ("json", "csv", "table"):
        done = query("APBILL", "--db", db, "--fields", "RECORDNO,TOTALENTERED,TOTALDUE",
                     "--where", f"RECORDNO = {record}", "--format", output)  # fmt: skip
        assert done.exit_code == 0, done.output
        assert f"{entered:.2f}" in done.stdout and "0.00" in done.stdout, done.stdout
        assert str(entered) not in done.stdout and "E-" not in done.stdout
    rows = json.loads(query("APBILL", "--db", db, "--fields", "TOTALENTERED", "--limit", "0",
                            "--format", "json").stdout, parse_float=Decimal)  # fmt: skip
    assert sorted(r["TOTALENTERED"] for r in rows) == sorted(r[1] for r in stored)  # exact


def test_unknown_tables_columns_and_conditions_are_one_line_each(db: str) -> None:
    said = {
        ("VENDR",): "has no table of VENDR; did you mean VENDOR?",
        ("VENDOR", "--fields", "VENDORID,NAM"): "VENDOR has no column NAM (did you mean NAME?)",
        ("VENDOR", "--where", "NOPE = 1"): "the database refused --where 'NOPE = 1'",
    }
    for args, text in said.items():
        done = query(args[0], "--db", db, *args[1:])
        assert done.exit_code == 1 and text in done.output, done.output
    missing = Path(db).with_name("never.duckdb")
    done = query("VENDOR", "--db", str(missing))
    assert done.exit_code == 1 and "there is no database" in done.output
    assert not missing.exists()  # a look never makes a file


def test_postgres_is_read_the_same_way(server: EmulatorServer, postgres_url: str) -> None:
    synced(server, postgres_url)
    done = query("VENDOR", "--db", postgres_url, "--fields", "VENDORID",
                 "--limit", "0", "--format", "csv")  # fmt: skip
    assert done.exit_code == 0, done.output
    with psycopg.connect(postgres_url) as con:
        truth = {r[0] for r in con.execute('SELECT "VENDORID" FROM intacct."VENDOR"')}
    assert set(done.stdout.split()[1:]) == truth and truth
