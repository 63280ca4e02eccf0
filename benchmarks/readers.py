"""Readers beside the writer (issue 46): a follower and a schedule, each for ``--minutes``
beside a reader that opens its DuckDB file read-only every ``--poll-s`` (a dashboard
refreshing) and another that holds it open for ``--hold-s`` every ``--hold-every-min``
(a notebook left open), losing no change and never exiting.

In one process: the emulator on a socket (the demo company); a writer creating and
renaming vendors at random moments (``--write-every-s`` on average, ``--seed``), each
change announced to the follower's notices queue as the receiver would keep it. Two
writers of their own files, run as users run them (the installed ``intacct``, a fresh
HOME, the connection in ``INTACCT_*``): ``intacct sync --follow`` into ``follow/``,
and ``intacct sync`` every ``--schedule-every-s`` into ``schedule/``. Each file has its
poller and its holder, reader processes of their own.

Reported: the writes, the follower's reads and every scheduled run's exit status, how
often and how long the writers waited for a reader (the longest wait is the holder's
hold: a reader that keeps the file open holds the writer up, which is why such readers
are pointed at a snapshot), the readers' opens and refusals (a reader is refused while
a run holds the file), and whether both files end exact: every vendor the emulator has,
with its last name. Exit 1 unless exact and neither writer ever failed or exited.

The figures are bound by the holds and the follower's coalescing (2 s of quiet), not
CPU.

Usage: ``python benchmarks/readers.py [--minutes 30] [--poll-s 0.2] [--hold-s 120]
[--hold-every-min 10] [--schedule-every-s 30] [--write-every-s 10] [--seed 1]
[--json out.json] [--report]``
"""

from __future__ import annotations

import argparse
import json
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from benchmarks._report import write_section  # noqa: E402
from tests.paths.commands import INTACCT, Command, connection, user_env  # noqa: E402
from tests.readers import HOLDER, POLLER, notice, reader  # noqa: E402

from intacct import IntacctClient  # noqa: E402
from intacct.emulator.demo import client_config  # noqa: E402
from intacct.emulator.server import EmulatorServer  # noqa: E402
from intacct.notices import NoticeQueue  # noqa: E402

_LET_GO = re.compile(r"let go after ([\d.]+) s")


@dataclass
class Waits:
    """What a writer's output says of its waits for readers."""

    waits: int = 0
    seconds: list[float] = field(default_factory=list)

    def read(self, lines: list[str]) -> None:
        self.waits += sum("is in use by" in line for line in lines)
        self.seconds += [float(m[1]) for line in lines if (m := _LET_GO.search(line))]


class Holder(threading.Thread):
    """Holds ``db`` open read-only for ``hold_s`` every ``every_s``, the first time after
    a third of it."""

    def __init__(self, db: Path, every_s: float, hold_s: float, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.db, self.every_s, self.hold_s, self.stop = db, every_s, hold_s, stop
        self.holds = 0

    def run(self) -> None:
        while not self.stop.wait(self.every_s / 3 if not self.holds else self.every_s):
            holding = reader(HOLDER, self.db, self.hold_s, cwd=self.db.parent)
            holding.process.wait()
            holding.stop()
            self.holds += 1


class Writer(threading.Thread):
    """Creates and renames vendors at random moments, each announced in the queue."""

    def __init__(
        self, url: str, queue: Path, every_s: float, seed: int, stop: threading.Event
    ) -> None:
        super().__init__(daemon=True)
        self.url, self.queue, self.every_s, self.stop = url, queue, every_s, stop
        self.random = random.Random(seed)
        self.names: dict[str, str] = {}  # vendor id -> its last name
        self.keys: dict[str, str] = {}  # vendor id -> RECORDNO
        self.changes = 0

    def run(self) -> None:
        with (
            IntacctClient.from_mapping(client_config(self.url)) as client,
            NoticeQueue(self.queue) as queue,
        ):
            while not self.stop.wait(self.random.uniform(0.5, 1.5) * self.every_s):
                queue.record(notice(self._change(client)))

    def _change(self, client: IntacctClient) -> str:
        n = len(self.names)
        if self.names and self.random.random() < 0.5:
            vendor_id = self.random.choice(sorted(self.names))
            name = f"{vendor_id} renamed {n}"
            client.update("VENDOR", [{"RECORDNO": self.keys[vendor_id], "NAME": name}])
        else:
            vendor_id = name = f"RB-{n:05d}"
            (result,) = client.create("VENDOR", [{"VENDORID": vendor_id, "NAME": name}])
            self.keys[vendor_id] = str(result.records[0]["RECORDNO"])
        self.names[vendor_id] = name
        self.changes += 1
        return self.keys[vendor_id]


@dataclass
class Schedule:
    """``intacct sync`` every ``every_s`` until ``stop``, then once more."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path
    every_s: float
    stop: threading.Event
    runs: list[int] = field(default_factory=list)  # exit statuses
    waits: Waits = field(default_factory=Waits)
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            last = self.stop.is_set()
            done = subprocess.run(
                self.argv, cwd=self.cwd, env=self.env, capture_output=True, text=True
            )
            self.runs.append(done.returncode)
            self.waits.read(done.stderr.splitlines())
            if done.returncode:
                self.failures.append(done.stderr[-1000:])
            if last:
                return
            self.stop.wait(self.every_s)


def truth(url: str) -> dict[str, str]:
    with IntacctClient.from_mapping(client_config(url)) as client:
        return {r["VENDORID"]: r["NAME"] for r in client.iter_query("VENDOR", ["VENDORID", "NAME"])}


def stored(db: Path) -> dict[str, str]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            'SELECT VENDORID, NAME FROM "VENDOR" WHERE _sdc_deleted_at IS NULL'
        ).fetchall()
    return dict(rows)


def measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    stop, readers_stop = threading.Event(), threading.Event()
    with EmulatorServer(port=0, scale=200, seed=args.seed) as emulator:
        env = user_env(folder / "home", connection(emulator.url, "DEMO"))
        follow_db, schedule_db = (
            folder / "follow" / "intacct.duckdb",
            folder / "schedule" / "intacct.duckdb",
        )
        for db in (follow_db, schedule_db):
            db.parent.mkdir(parents=True)
        queue = follow_db.parent / "notices.sqlite"
        sync = [str(INTACCT), "sync", "--objects", "VENDOR", "--db"]
        first = subprocess.run([*sync, str(schedule_db)], cwd=folder, env=env,
                               capture_output=True, text=True)  # fmt: skip
        assert first.returncode == 0, first.stderr
        follower = Command([str(INTACCT), "sync", "--objects", "VENDOR", "--db", str(follow_db),
                            "--follow", "--notices", str(queue)], folder, env)  # fmt: skip
        while not follower.said("Following DEMO"):
            assert follower.process.poll() is None, "".join(follower.lines)
            time.sleep(0.2)
        pollers = [
            reader(POLLER, db, args.poll_s, 0.02, cwd=folder) for db in (follow_db, schedule_db)
        ]
        holders = [Holder(db, args.hold_every_min * 60, args.hold_s, readers_stop)
                   for db in (follow_db, schedule_db)]  # fmt: skip
        for holder in holders:
            holder.start()
        writer = Writer(emulator.url, queue, args.write_every_s, args.seed, stop)
        writer.start()
        schedule = Schedule(
            [str(INTACCT), "sync", "--objects", "VENDOR", "--db", str(schedule_db)],
            env, folder, args.schedule_every_s, stop,
        )  # fmt: skip
        began, exited = time.monotonic(), None
        while time.monotonic() - began < args.minutes * 60 and exited is None:
            exited = follower.process.poll()
            time.sleep(1)
        stop.set()
        writer.join(120)
        with NoticeQueue(queue) as notices:  # the follower reads what is left
            deadline = time.monotonic() + args.hold_s + 120
            while notices.pending("DEMO") is not None and time.monotonic() < deadline:
                time.sleep(0.5)
        schedule.thread.join(args.hold_s + 600)
        readers_stop.set()
        for holder in holders:
            holder.join(args.hold_s + 60)
        opened = [
            p.lines[-1].split() if p.lines else ["opened", "0", "refused", "0"] for p in pollers
        ]
        for poller in pollers:
            poller.stop(signal.SIGKILL)
        exited = follower.process.poll() if exited is None else exited
        code = follower.stop()
        expected = truth(emulator.url)
        follow_waits = Waits()
        follow_waits.read(follower.lines)
        exact = {
            "follow": stored(follow_db) == expected,
            "schedule": stored(schedule_db) == expected,
        }
    return {
        "minutes": args.minutes,
        "changes": writer.changes,
        "vendors": len(writer.names),
        "follower_exited_early": exited is not None,
        "follower_exit": code,
        "follower_reads": len(follower.saying("notice(s) of VENDOR")),
        "follower_gave_up": len(follower.saying("Still following")),
        "follower_waits": follow_waits.waits,
        "follower_longest_wait_s": max(follow_waits.seconds, default=0.0),
        "scheduled_runs": len(schedule.runs),
        "scheduled_failed": sum(1 for c in schedule.runs if c),
        "schedule_waits": schedule.waits.waits,
        "schedule_longest_wait_s": max(schedule.waits.seconds, default=0.0),
        "holds": [h.holds for h in holders],
        "poller_opened": [int(o[1]) for o in opened],
        "poller_refused": [int(o[3]) for o in opened],
        "exact": exact,
        "ok": all(exact.values()) and exited is None and code == 130 and not schedule.failures,
        "failures": schedule.failures[:3],
    }


def report(result: dict[str, Any], command: str) -> None:
    r = result
    body = (
        "| writer | runs | waited for a reader | longest wait | gave up | exact |\n"
        "| --- | ---: | ---: | ---: | ---: | --- |\n"
        f"| `intacct sync --follow` | {r['follower_reads']} reads, never exited "
        f"(exit {r['follower_exit']} at Ctrl-C) | {r['follower_waits']} | "
        f"{r['follower_longest_wait_s']:.1f} s | {r['follower_gave_up']} | "
        f"{r['exact']['follow']} |\n"
        f"| `intacct sync` every {result.get('schedule_every_s', '?')} s | "
        f"{r['scheduled_runs']} runs, {r['scheduled_failed']} failed | {r['schedule_waits']} | "
        f"{r['schedule_longest_wait_s']:.1f} s | {r['scheduled_failed']} | "
        f"{r['exact']['schedule']} |\n\n"
        f"{r['changes']} changes (vendors created or renamed, {r['vendors']} vendors) over "
        f"{r['minutes']:g} minutes; "
        f"each file beside a reader opening it every {result.get('poll_s')} s (opened "
        f"{r['poller_opened'][0]:,} / {r['poller_opened'][1]:,} times, refused "
        f"{r['poller_refused'][0]:,} / {r['poller_refused'][1]:,} times while a run held it) "
        f"and one holding it {result.get('hold_s'):g} s every {result.get('hold_every_min'):g} "
        f"min ({r['holds'][0]} / {r['holds'][1]} holds). The longest waits are the holds: a "
        "reader that keeps the file open holds the writer up (docs/sync.md points such readers "
        "at a snapshot); a reader's moment costs the writer milliseconds. Bound by the holds "
        "and the follower's coalescing, not CPU."
    )
    write_section("Readers beside the writer", command, body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--poll-s", type=float, default=0.2)
    parser.add_argument("--hold-s", type=float, default=120)
    parser.add_argument("--hold-every-min", type=float, default=10)
    parser.add_argument("--schedule-every-s", type=float, default=30)
    parser.add_argument("--write-every-s", type=float, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--report", action="store_true", help="write BENCHMARKS.md's section")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="readers-") as folder:
        result = measure(args, Path(folder))
    result |= {
        k: getattr(args, k) for k in ("poll_s", "hold_s", "hold_every_min", "schedule_every_s")
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result))
    if args.report:
        report(result, "python benchmarks/readers.py " + " ".join(sys.argv[1:]))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
