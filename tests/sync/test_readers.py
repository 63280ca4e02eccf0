"""Readers and the writer live together (docs/sync.md, "Reading while a run goes on"): the
installed ``intacct`` in a fresh HOME against the emulator on a socket, beside real
reader processes.

DuckDB: a follower outlives a reader that opens the file read-only every 0.2 s, and
``intacct query --db`` reads the file it follows, losing no change; a run waits for a
reader holding the file, says so once naming it, and goes on when it lets go; past
``lock_wait_s`` a run fails naming the holder and the setting while a follower tries
again; a snapshot serves readers that keep a connection open without holding the
writer up. Postgres: runs beside readers holding transactions open, and a new column
waits for them without queueing every other reader behind it.
"""

# ruff: noqa: S608 - the SQL names the test's own table

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from intacct.emulator.server import EmulatorServer
from intacct.notices import NoticeQueue
from tests.paths.commands import INTACCT, Command, connection, user_env, wait_until
from tests.readers import HOLDER, POLLER, new_vendor, notice, reader, vendors

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=200, seed=11) as server:
        yield server


def intacct(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(INTACCT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def looked_up(env: dict[str, str], cwd: Path, db: Path, vendor_id: str) -> bool:
    """Whether ``intacct query --db`` finds the vendor (the guide's look-up)."""
    done = intacct(env, cwd, "query", "VENDOR", "--db", str(db), "--fields", "VENDORID",
                   "--where", f"VENDORID = '{vendor_id}'", "--format", "csv")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return vendor_id in done.stdout.splitlines()[1:]


@pytest.fixture
def env(emulator: EmulatorServer, tmp_path: Path) -> dict[str, str]:
    return user_env(tmp_path / "home", connection(emulator.url, "DEMO"))


def follower(tmp_path: Path, env: dict[str, str], db: Path, queue: Path) -> Command:
    argv = [str(INTACCT), "sync", "--objects", "VENDOR", "--db", str(db), "--follow",
            "--notices", str(queue)]  # fmt: skip
    following = Command(argv, tmp_path, env)
    wait_until(lambda: following.said("Following DEMO"), 120, following)
    return following


def test_a_follower_outlives_a_reader_opening_the_file_every_200_ms(
    emulator: EmulatorServer, env: dict[str, str], tmp_path: Path
) -> None:
    """The issue's reader (read-only, every 0.2 s) killed the follower after 12 changes
    in one run and at the first in another; and ``intacct query --db`` reads the file
    being followed, which goes on."""
    db, queue_file = tmp_path / "intacct.duckdb", tmp_path / "notices.sqlite"
    following = follower(tmp_path, env, db, queue_file)
    poller = reader(POLLER, db, 0.2, 0.02, cwd=tmp_path)
    written = [f"READ-LIVE-{n}" for n in range(15)]
    try:
        with NoticeQueue(queue_file) as queue:
            for vendor_id in written:
                queue.record(notice(new_vendor(emulator, vendor_id)))
                wait_until(
                    lambda v=vendor_id: looked_up(env, tmp_path, db, v), 60, following, poller
                )
    finally:
        poller.stop(signal.SIGKILL)
        code = following.stop()
    assert code == 130, following.lines[-10:]
    assert following.said(f"Stopped following after {len(written)} run(s)"), following.lines
    assert set(written) <= vendors(db)
    opened = int(poller.lines[-1].split()[1])
    assert opened > 20, poller.lines[-1]  # the reader read all along


def test_a_run_waits_for_a_reader_holding_the_file_and_says_who_once(
    env: dict[str, str], tmp_path: Path
) -> None:
    db = tmp_path / "intacct.duckdb"
    assert intacct(env, tmp_path, "sync", "--objects", "VENDOR", "--db", str(db)).returncode == 0
    # held until the run says it waits: a hold of fixed length ended before a run
    # started on a loaded machine reached the file
    holder = reader(HOLDER, db, 300, cwd=tmp_path)
    wait_until(lambda: holder.said("holding"), 30, holder)
    run = Command([str(INTACCT), "sync", "--objects", "VENDOR", "--db", str(db)], tmp_path, env)
    try:
        wait_until(lambda: run.said("is in use by"), 120, run)
    finally:
        holder.stop(signal.SIGKILL)
    run.process.wait(120)
    assert run.stop() == 0, run.lines
    said = "".join(run.lines)
    waiting = run.saying("is in use by")
    assert len(waiting) == 1 and f"(PID {holder.process.pid})" in waiting[0], said
    assert "lock_wait_s" in waiting[0]
    assert f"(PID {holder.process.pid}) let go after" in said


def test_past_lock_wait_s_a_run_fails_naming_the_holder_and_a_follower_tries_again(
    emulator: EmulatorServer, env: dict[str, str], tmp_path: Path
) -> None:
    db, queue_file = tmp_path / "intacct.duckdb", tmp_path / "notices.sqlite"
    env = env | {"INTACCT_LOCK_WAIT_S": "1"}
    assert intacct(env, tmp_path, "sync", "--objects", "VENDOR", "--db", str(db)).returncode == 0
    holder = reader(HOLDER, db, 4, cwd=tmp_path)
    wait_until(lambda: holder.said("holding"), 30, holder)
    done = intacct(env, tmp_path, "sync", "--objects", "VENDOR", "--db", str(db))
    holder.stop(signal.SIGKILL)
    assert done.returncode == 1
    gave_up = rf"\(PID {holder.process.pid}\), which did not let go in [\d.]+ s \(lock_wait_s\)"
    assert re.search(gave_up, done.stderr), done.stderr
    assert "every page stored before is kept" in done.stderr

    following = follower(tmp_path, env, db, queue_file)
    holder = reader(HOLDER, db, 4, cwd=tmp_path)
    try:
        wait_until(lambda: holder.said("holding"), 30, holder)
        with NoticeQueue(queue_file) as queue:
            queue.record(notice(new_vendor(emulator, "HELD-OFF")))
            wait_until(lambda: following.said("Still following"), 60, following)
            wait_until(lambda: queue.pending("DEMO") is None, 60, following)
    finally:
        holder.stop(signal.SIGKILL)
        code = following.stop()
    assert code == 130, following.lines[-10:]
    assert "HELD-OFF" in vendors(db)


#: a reader process that keeps one read-only connection to a snapshot, and on each
#: line of input prints its count of VENDOR (a process's connections to one file share
#: one database: this one sees a new copy once it has closed them all)
SNAPSHOT_READER = """
import sys, duckdb
kept = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
for _ in sys.stdin:
    print(kept.execute('SELECT count(*) FROM "VENDOR"').fetchone()[0], flush=True)
"""


def test_a_snapshot_serves_readers_that_keep_a_connection_open(
    emulator: EmulatorServer, env: dict[str, str], tmp_path: Path
) -> None:
    db, snapshot = tmp_path / "intacct.duckdb", tmp_path / "reports.duckdb"
    sync = ["sync", "--objects", "VENDOR", "--db", str(db), "--snapshot", str(snapshot)]
    assert intacct(env, tmp_path, *sync).returncode == 0
    before = len(vendors(snapshot))
    assert vendors(snapshot) == vendors(db)
    with subprocess.Popen(
        [sys.executable, "-c", SNAPSHOT_READER, str(snapshot)], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    ) as kept:  # fmt: skip
        assert kept.stdin is not None and kept.stdout is not None
        try:
            assert kept.stdout.readline().strip() == "open"
            new_vendor(emulator, "SNAPPED")
            done = intacct(env, tmp_path, *sync)  # the snapshot held open all along
            assert done.returncode == 0 and "is in use" not in done.stderr, done.stderr
            kept.stdin.write("\n")
            kept.stdin.flush()
            old = int(kept.stdout.readline())
            new = len(vendors(snapshot))  # another reader, opened now
        finally:
            kept.kill()
    assert (old, new) == (before, before + 1)  # the kept copy, then the new one whole
    assert vendors(snapshot) == vendors(db) and "SNAPPED" in vendors(snapshot)
    assert not list(tmp_path.glob(".reports.duckdb.*"))  # no partial copy left


def test_postgres_runs_beside_readers_holding_transactions_open(
    emulator: EmulatorServer, env: dict[str, str], tmp_path: Path, postgres_url: str
) -> None:
    """Readers never hold a Postgres run up; a new column (a field added in Intacct)
    waits for a reader's open transaction of its table, says so once, and does not
    make every other reader of the table queue behind it meanwhile."""
    sync = ["sync", "--objects", "VENDOR", "--db", postgres_url]
    assert intacct(env, tmp_path, *sync).returncode == 0
    table = 'intacct."VENDOR"'
    with psycopg.connect(postgres_url, autocommit=True) as con:
        dropped = con.execute(  # a field Intacct adds: its column missing here
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum DESC LIMIT 1", [table],
        ).fetchone()[0]  # fmt: skip
        con.execute(f'ALTER TABLE {table} DROP COLUMN "{dropped}"')
    with psycopg.connect(postgres_url) as holding:  # a transaction left open
        holding.execute(f"SELECT count(*) FROM {table}").fetchone()
        holding.execute('SELECT count(*) FROM intacct."_intacct_runs"').fetchone()
        new_vendor(emulator, "PG-HELD")
        run = Command([str(INTACCT), *sync], tmp_path, env)
        wait_until(lambda: run.said("is in use by session"), 60, run)
        with psycopg.connect(postgres_url, autocommit=True) as other:  # not queued behind
            other.execute("SET statement_timeout = '5s'")
            assert other.execute(f"SELECT count(*) FROM {table}").fetchone()
        holding.rollback()
        assert run.process.wait(120) == 0, run.lines[-10:]
        run.stop()
    assert len(run.saying("is in use by session")) == 1, run.lines
    assert run.said(f"New columns: VENDOR: {dropped}"), run.lines
    with psycopg.connect(postgres_url) as con:
        found = con.execute(f"SELECT count(*) FROM {table} WHERE \"VENDORID\" = 'PG-HELD'")
        assert found.fetchone() == (1,)


def test_the_readers_benchmark_runs_exact(tmp_path: Path) -> None:
    """benchmarks/readers.py at a small scale: a follower and a schedule beside a reader
    every 0.2 s and holds, every change kept, neither writer failing or exiting."""
    out = tmp_path / "readers.json"
    command = [
        sys.executable, str(ROOT / "benchmarks" / "readers.py"), "--minutes", "0.5",
        "--hold-s", "3", "--hold-every-min", "0.2", "--schedule-every-s", "4",
        "--write-every-s", "2", "--json", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["ok"] and result["changes"] > 3 and result["follower_reads"] >= 1
    assert result["scheduled_runs"] >= 3 and result["scheduled_failed"] == 0
    assert min(result["holds"]) >= 1 and min(result["poller_opened"]) > 10
