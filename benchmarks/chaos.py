"""Chaos: ``intacct sync`` under a storm of faults, writes meanwhile and SIGKILLs, ends
with exactly the emulator's data, compared row by row.

One emulator (real HTTP) with a seeded mixed fault schedule (503s, 429s, truncated and
reset answers, 524s after the write applied, "try again later", CDN pages, slow answers:
more than a quarter of all requests), a writer creating, renaming and deleting records the
whole time, and ``intacct sync`` run again and again as a subprocess, some runs killed
with SIGKILL at a random moment. Then the faults stop, the writer stops, one last sync
runs, and every table is compared with a fresh sync of the emulator into another file:
each live row equal (every column), no row twice, every deleted record a tombstone or
absent. Everything random comes from ``--seed``.

Usage: ``python benchmarks/chaos.py --seed 1 --minutes 5 [--report]`` (exit 1 if anything
was lost or duplicated; ``--report`` writes BENCHMARKS.md's section).
"""

# ruff: noqa: S608 - SQL here names our own tables and columns, read from DuckDB's catalog

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import chaos_tap
import duckdb
import httpx
import psycopg

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.errors import IntacctError

from _report import write_section

#: rules in order, the first that fires wins: about 28% of requests are hit
SCHEDULE = (
    "status=503,p=0.08",
    "status=429,p=0.05",
    "body=truncated,p=0.03",
    "body=reset,p=0.03",
    "status=524,p=0.02",
    "errorno=XL03000011,p=0.02",
    "status=502,body=html,p=0.02",
    "delay_ms=400,p=0.03",
)
OBJECTS = ("VENDOR", "CUSTOMER", "CLASS", "APBILL", "APBILLITEM", "GLBATCH", "GLENTRY")
DLT = "dlt:"
#: where a table has no primary key (each of these has its business id or RECORDNO)
KEYS = ("RECORDNO", "_entity_id")


@dataclass
class Tally:
    runs: dict[str, int] = field(default_factory=lambda: {"ok": 0, "failed": 0, "killed": 0})
    #: with --history: versions checked, and records whose versions disagree with the table
    versions: int = 0
    history_problems: int = 0
    writes: int = 0
    write_failures: int = 0
    requests: int = 0
    faulted: int = 0
    checked: int = 0
    lost: int = 0
    duplicated: int = 0
    wrong_tombstones: int = 0
    limit_changes: int = 0
    throttled: int = 0
    problems: list[str] = field(default_factory=list)


def _control(server: EmulatorServer, path: str) -> str:
    return server.url.replace("/ia/xml/xmlgw.phtml", f"/_emulator/{path}")


class Writer(threading.Thread):
    """Creates, renames and deletes CLASS and VENDOR records until stopped, each write in
    one of ``configs``' companies, drawn at random."""

    def __init__(
        self, configs: Sequence[Mapping[str, Any]], rng: random.Random, tally: Tally
    ) -> None:
        super().__init__(daemon=True)
        self.configs, self.rng, self.tally = configs, rng, tally
        self.stop = threading.Event()
        self.made: dict[int, list[str]] = {}

    def run(self) -> None:
        with ExitStack() as stack:
            clients = [
                stack.enter_context(IntacctClient.from_mapping(
                    {**config, "max_retries": 5, "timeout_s": 10}))
                for config in self.configs
            ]  # fmt: skip
            n = 0
            while not self.stop.wait(self.rng.uniform(0.1, 0.4)):
                n += 1
                which = self.rng.randrange(len(clients))
                try:
                    self._one(clients[which], self.made.setdefault(which, []), n)
                    self.tally.writes += 1
                except IntacctError:
                    self.tally.write_failures += 1  # the emulator's state is the truth

    def _one(self, client: IntacctClient, made: list[str], n: int) -> None:
        roll = self.rng.random()
        if roll < 0.4 or not made:
            classid = f"CH-{n}"
            client.create("CLASS", [{"CLASSID": classid, "NAME": f"chaos {n}"}])
            made.append(classid)
        elif roll < 0.7:
            client.update("CLASS", [{"CLASSID": self.rng.choice(made), "NAME": f"re {n}"}])
        elif roll < 0.85:
            vendor = self.rng.choice([r["VENDORID"] for r in client.query(
                "VENDOR", ["VENDORID"], pagesize=50).records])  # fmt: skip
            client.update("VENDOR", [{"VENDORID": vendor, "NAME": f"vendor {n}"}])
        else:
            classid = made.pop(self.rng.randrange(len(made)))
            found = client.read_by_name("CLASS", [classid])
            if found:
                client.delete("CLASS", [int(found[0]["RECORDNO"])])


def _env(server: EmulatorServer, home: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("INTACCT_")}
    home.mkdir(parents=True, exist_ok=True)
    config = client_config(server.url)
    return {
        **base,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        **{f"INTACCT_{k.upper()}": str(v) for k, v in config.items()},
        "INTACCT_MAX_RETRIES": "3",
        "INTACCT_TIMEOUT_S": "15",
        "INTACCT_PAGE_SIZE": "50",
    }


def _sync(env: dict[str, str], db: str | Path, kill_after: float | None, *flags: str) -> str:
    command = [sys.executable, "-m", "intacct.cli", "sync", "-q", "--objects", ",".join(OBJECTS),
               "--db", str(db), *flags]  # fmt: skip
    # in the run's home: no .dlt/ config of the caller's
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=env["HOME"]
    )
    try:
        if kill_after is not None:
            try:
                proc.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=60)
                return "killed"
        proc.wait(timeout=600)
    finally:
        if proc.stderr is not None:
            proc.stderr.close()
    return "ok" if proc.returncode == 0 else "failed"


def _rows(where: str, sql: str) -> list[tuple[Any, ...]]:
    """A query's rows from a DuckDB file, a Postgres URL (its ``?schema=``, else intacct)
    or dlt's duckdb destination (``dlt:FILE?dataset=``: DuckDB matches the lower-cased
    names case-insensitively), lists made tuples and times naive UTC as DuckDB holds
    them, so rows can be counted."""
    if where.startswith(DLT):
        path, _, dataset = where.removeprefix(DLT).partition("?dataset=")
        with duckdb.connect(path, read_only=True) as con:
            con.execute(f"SET search_path = '{dataset}'")
            found = con.execute(sql).fetchall()
    elif where.startswith(("postgresql://", "postgres://")):
        url, _, query = where.partition("?")
        given = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
        schema = given.get("schema", "intacct")
        with psycopg.connect(url) as con:
            con.execute(f'SET search_path = "{schema}"')
            found = con.execute(sql.replace("?", "%s")).fetchall()  # type: ignore[arg-type]
    else:
        with duckdb.connect(where, read_only=True) as con:
            found = con.execute(sql).fetchall()
    return [tuple(_plain(v) for v in row) for row in found]


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, datetime) and value.tzinfo is not None:  # dlt's timestamps
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _through_dlt(db: str, folder: Path, env: dict[str, str]) -> str:
    """``dlt:duckdb[?…]`` configured as a user would (dlt's variables, a file of the
    run's own); where _rows reads it back."""
    name, _, query = db.removeprefix(DLT).partition("?")
    if name != "duckdb":
        raise SystemExit(f"--db {db}: the chaos run reads dlt's duckdb destination only")
    given = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
    path = folder / "dlt.duckdb"
    env["DESTINATION__DUCKDB__CREDENTIALS"] = str(path)
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    return f"{DLT}{path}?dataset={given.get('dataset', 'intacct')}"


def _compare(chaos: str, truth: Path, tally: Tally) -> None:
    """Every live row of ``chaos`` (a DuckDB file or a Postgres URL) equal to the fresh
    sync's, column by column; no key twice; no row of the truth tombstoned."""
    with duckdb.connect(str(truth), read_only=True) as con:
        shapes = {}
        for table in OBJECTS:
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND column_name <> '_sdc_deleted_at' ORDER BY ordinal_position",
                [table]).fetchall()]  # fmt: skip
            found = con.execute(
                "SELECT constraint_column_names FROM duckdb_constraints() WHERE "
                "table_name = ? AND constraint_type = 'PRIMARY KEY'", [table]
            ).fetchone()  # fmt: skip
            shapes[table] = (columns, list(found[0]) if found else list(KEYS))
    for table, (columns, key) in shapes.items():
        cols = ", ".join(f'"{c}"' for c in columns)
        want = Counter(_rows(str(truth), f'SELECT {cols} FROM "{table}"'))
        stored = _rows(chaos, f'SELECT {cols}, "_sdc_deleted_at" FROM "{table}"')
        live = Counter(row[:-1] for row in stored if row[-1] is None)
        at = [columns.index(k) for k in key]
        keys = [tuple(row[i] for i in at) for row in stored]
        wanted_keys = {tuple(row[i] for i in at) for row in want}
        missing = sum((want - live).values())
        extra = sum((live - want).values())
        twice = len(keys) - len(set(keys))
        tombstoned = sum(1 for k, row in zip(keys, stored, strict=True)
                         if row[-1] is not None and k in wanted_keys)  # fmt: skip
        tally.checked += sum(want.values())
        tally.lost += missing
        tally.duplicated += extra + twice
        tally.wrong_tombstones += tombstoned
        if missing or extra or twice or tombstoned:
            tally.problems.append(
                f"{table}: {missing} missing or different, {extra} extra, {twice} twice, "
                f"{tombstoned} live rows tombstoned"
            )


class Limiter(threading.Thread):
    """Changes the company's concurrency limit every few seconds (4, 2 or 1) while the
    syncs run with 4 requests in flight: a tier change, or Intacct shrinking the limit
    under load. The emulator answers the requests beyond it as Intacct does (throttled)."""

    def __init__(self, server: EmulatorServer, rng: random.Random, tally: Tally) -> None:
        super().__init__(daemon=True)
        self.server, self.rng, self.tally = server, rng, tally
        self.stop = threading.Event()

    def run(self) -> None:
        url = _control(self.server, "companies/DEMO")
        while not self.stop.wait(self.rng.uniform(1.0, 4.0)):
            httpx.post(url, json={"max_concurrency": self.rng.choice((4, 2, 1))})
            self.tally.limit_changes += 1
        httpx.post(url, json={"max_concurrency": 4})


def run(
    seed: int, minutes: float, kill_share: float, db: str | None = None, shrink: bool = False,
    history: bool = False,
) -> Tally:  # fmt: skip
    """The storm into ``db`` (a Postgres URL, ``dlt:duckdb[?pages_per_load=N]``; a DuckDB
    file of its own when None); ``shrink``: the company's limit changes meanwhile;
    ``history``: the syncs keep every version, checked against the rows at the end."""
    flags = ("--history",) if history else ()
    rng, tally = random.Random(seed), Tally()
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmulatorServer(port=0, scale=300, seed=seed, faults=list(SCHEDULE)) as server,
    ):
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)  # set by its start
        folder = Path(tmp)
        env = _env(server, folder / "home")
        chaos_db, truth_db = db or str(folder / "chaos.duckdb"), folder / "truth.duckdb"
        stored = _through_dlt(chaos_db, folder, env) if chaos_db.startswith(DLT) else chaos_db
        writer = Writer([client_config(server.url)], random.Random(seed + 1), tally)
        writer.start()
        limiter = Limiter(server, random.Random(seed + 2), tally)
        if shrink:
            env["INTACCT_MAX_CONCURRENCY"] = "4"
            limiter.start()
        deadline = time.monotonic() + minutes * 60
        while time.monotonic() < deadline:
            kill = rng.uniform(0.3, 4.0) if rng.random() < kill_share else None
            tally.runs[_sync(env, chaos_db, kill, *flags)] += 1
        writer.stop.set()
        writer.join()
        if shrink:
            limiter.stop.set()
            limiter.join()
        _count_faults(server, tally)
        if _sync(env, chaos_db, None, *flags) != "ok":
            tally.problems.append("the last sync, without faults, failed")
        if _sync(env, truth_db, None) != "ok":
            raise SystemExit("the fresh sync of the emulator failed")
        _compare(stored, truth_db, tally)
        if history:
            _check_history(stored, tally)
    return tally


def _check_history(stored: str, tally: Tally) -> None:
    """Each object's history against its table after the storm: every live row is its
    record's one current version, from its WHENMODIFIED; a tombstoned row's last version
    ended by a delete; each record's versions one after the other, every one but the
    last ended no later than the next begins (a version stored twice cannot be: the
    version's key is the table's key and its start)."""
    for table in OBJECTS:
        key = "RECORDNO"
        rows = _rows(stored, f'SELECT "{key}", "_entity_id", coalesce("WHENMODIFIED", '
                             f"TIMESTAMP '1970-01-01'), \"_sdc_deleted_at\" FROM \"{table}\" "
                             f'WHERE "{key}" IS NOT NULL')  # fmt: skip
        versions = _rows(stored, f'SELECT "{key}", "_entity_id", valid_from, valid_to, '
                                 f'is_current, is_deleted FROM "{table}_history" '
                                 "ORDER BY 1, 2, 3")  # fmt: skip
        by_record: dict[tuple[Any, Any], list[tuple[Any, ...]]] = {}
        for version in versions:
            by_record.setdefault(version[:2], []).append(version[2:])
        wrong = 0
        for recordno, entity, modified, deleted in rows:
            spans = by_record.get((recordno, entity), [])
            last = spans[-1] if spans else None
            if deleted is None:
                wrong += last is None or last[0] != modified or not last[2]
            else:
                wrong += last is not None and last[0] <= deleted and not last[3]
            wrong += sum(1 for a, b in itertools.pairwise(spans) if a[1] is None or a[1] > b[0])
            wrong += sum(1 for span in spans if span[2]) > 1
        tally.versions += len(versions)
        tally.history_problems += wrong
        if wrong:
            tally.problems.append(f"{table}_history: {wrong} records' versions disagree")


def run_tap(seed: int, minutes: float, kill_share: float) -> Tally:
    """The storm on ``tap-sage-intacct``, each run from the last STATE it emitted, its
    records kept by key; then a run without faults and the store compared with a fresh
    run's records."""
    rng, tally = random.Random(seed), Tally()
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmulatorServer(port=0, scale=300, seed=seed, faults=list(SCHEDULE)) as server,
    ):
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        folder = Path(tmp)
        config = folder / "config.json"
        settings = {"max_retries": 3, "timeout_s": 15, "page_size": 50}
        config.write_text(json.dumps({**client_config(server.url), **settings}))
        catalog = folder / "catalog.json"
        found = chaos_tap.discover(config, folder)
        catalog.write_text(json.dumps(chaos_tap.select(found, OBJECTS)))
        store = chaos_tap.SingerStore()
        writer = Writer([client_config(server.url)], random.Random(seed + 1), tally)
        writer.start()
        deadline = time.monotonic() + minutes * 60
        while time.monotonic() < deadline:
            kill = rng.uniform(0.3, 4.0) if rng.random() < kill_share else None
            tally.runs[chaos_tap.run_tap(config, catalog, store, folder, kill)] += 1
        writer.stop.set()
        writer.join()
        _count_faults(server, tally)
        if chaos_tap.run_tap(config, catalog, store, folder, None) != "ok":
            tally.problems.append("the last tap run, without faults, failed")
        truth = chaos_tap.SingerStore()
        if chaos_tap.run_tap(config, catalog, truth, folder, None) != "ok":
            raise SystemExit("the fresh tap run failed")
    found = chaos_tap.compare(store, truth)
    tally.checked, tally.lost, tally.duplicated = found.checked, found.lost, found.wrong
    tally.problems += found.problems
    return tally


def _count_faults(server: EmulatorServer, tally: Tally) -> None:
    """The requests the emulator saw and the faults it fired; then the faults stop."""
    stats = httpx.get(_control(server, "stats")).json()
    faults = httpx.get(_control(server, "faults")).json()["faults"]
    tally.requests = int(stats["requests"])
    tally.faulted = sum(int(rule["fired"]) for rule in faults)
    tally.throttled = int(stats.get("throttled", 0))
    httpx.delete(_control(server, "faults"))


def _summary(seed: int, minutes: float, tally: Tally, runs: str = "syncs") -> str:
    rate = tally.faulted / tally.requests if tally.requests else 0.0
    limits = (f"; the limit changed {tally.limit_changes} times, {tally.throttled} requests "
              "throttled beyond it" if tally.limit_changes else "")  # fmt: skip
    return (
        f"seed {seed}, {minutes:g} min: {tally.requests:,} requests, {tally.faulted:,} faulted "
        f"({rate:.0%}); {runs} {tally.runs['ok']} ok, {tally.runs['failed']} failed, "
        f"{tally.runs['killed']} killed (SIGKILL); {tally.writes} writes meanwhile "
        f"({tally.write_failures} refused); {tally.checked:,} rows checked: lost "
        f"{tally.lost}, duplicated {tally.duplicated}, live rows tombstoned "
        f"{tally.wrong_tombstones}{limits}"
        + (f"; {tally.versions:,} versions checked, {tally.history_problems} records' "
           "history wrong" if tally.versions else "")
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--kills", type=float, default=0.4, help="share of runs killed")
    parser.add_argument("--report", action="store_true", help="write BENCHMARKS.md's section")
    parser.add_argument(
        "--db", help="a postgresql:// URL or dlt:duckdb[?pages_per_load=N] to sync into "
        "(default: a DuckDB file)"
    )  # fmt: skip
    parser.add_argument(
        "--shrink-limit", action="store_true",
        help="change the company's concurrency limit (4, 2, 1) every few seconds",
    )  # fmt: skip
    parser.add_argument(
        "--history", action="store_true",
        help="the syncs keep every version (--history), checked against the rows at the end",
    )  # fmt: skip
    parser.add_argument(
        "--tap", action="store_true",
        help="run tap-sage-intacct from its last STATE instead of intacct sync",
    )  # fmt: skip
    args = parser.parse_args(argv)
    # the writer's retries and the server's dropped answers are the point, not news
    for name in ("intacct", "uvicorn.error"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if args.tap:
        tally = run_tap(args.seed, args.minutes, args.kills)
    else:
        tally = run(args.seed, args.minutes, args.kills, args.db, args.shrink_limit, args.history)
    line = _summary(args.seed, args.minutes, tally, "tap runs" if args.tap else "syncs")
    print(line)
    for problem in tally.problems:
        print(f"  {problem}")
    if args.report:
        body = (
            f"`intacct sync` of {', '.join(OBJECTS)} (pages of 50) against the emulator with "
            f"the fault schedule `{' ; '.join(SCHEDULE)}`, writes meanwhile, {args.kills:.0%} "
            "of the runs killed with SIGKILL at a random moment; then one sync without "
            "faults, compared row by row with a fresh sync.\n\n" + line + ".\n"
        )
        write_section(
            "Chaos: faults, writes and kills", f"python benchmarks/chaos.py --seed "
            f"{args.seed} --minutes {args.minutes:g} --report", body
        )  # fmt: skip
    failed = tally.lost or tally.duplicated or tally.wrong_tombstones or tally.history_problems
    return 1 if failed or tally.problems else 0


if __name__ == "__main__":
    sys.exit(main())
