"""The fleet on Dagster: N companies of one emulator synced by Dagster's multiprocess
executor on this machine, each at its own concurrency limit, every company's data
checked exact against the emulator.

One emulator runs as a subprocess (``intacct emulator serve --companies N
--company-limits 2,4,8``); a tenant list names its fleet companies (each tenant's
``concurrency`` is its company's limit); Dagster syncs them in runs of ``--shard``
companies (``intacct_fleet_once`` on the shard's tenant list: one run, a step per company),
or, with ``--per-company``, one run of the partitioned asset job per company, as a
schedule would start them. Each run is a fresh Python process, as Dagster's run launcher
starts one, ``--runs`` of them at once; inside a run the multiprocess executor runs
``--steps`` steps at once, its processes started by ``--start-method`` (forkserver with
the modules preloaded, or spawn).

Measured: wall time, companies per hour, CPU seconds per company of the Dagster
processes (every run's process with its step processes and forkserver, from ``wait4``)
and of the emulator (its process, seeding included) separately, requests and billed API
transactions per company and the most requests the emulator saw in flight for each
company (from GET /_emulator/companies and /_emulator/stats). Then every company's
tables are compared with the emulator: the row count and the SHA-256 of every column of
every catalog object (GET /_emulator/checksum with the table's columns, against
:func:`intacct.emulator.checksum.rows_checksum` of the DuckDB rows).

Fails (exit 1, each reason a line) if any run fails, any company had more requests in
flight than its limit or was refused one for being at its limit, or any table differs.

Chaos (issue 21): ``--chaos`` installs the mixed fault schedule of ``benchmarks/chaos.py``
(about 28% of requests hit: 503s, 429s, truncated and reset answers, 524s after a write
applied, "try again later", CDN pages, slow answers) and ``--writes`` runs a writer that
creates, renames and deletes CLASS and VENDOR records in random fleet companies the whole
time; both reproduce from ``--seed``. Then the runs of that storm may fail (counted, not
failures: a company that fails is synced again), so once they are done the writer stops,
the faults are cleared and every company is synced once more (the catch-up pass, which
must succeed) before the tables are compared; they are compared before it too
(``problems_before_catch_up`` in the figures: the writes the storm's runs missed). The
writer shares each company's limit, as other integrations do, so a sync may be refused
at the limit and retry: with ``--writes`` refusals are counted, not failures; more in
flight than the limit still fails.

Usage: ``python benchmarks/fleet.py --companies 1000 [--start-method forkserver|spawn]
[--shard 1000 | --per-company] [--runs 1] [--steps 2] [--chaos] [--writes] [--seed S]
[--json out.json]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import duckdb
import httpx
import yaml

if TYPE_CHECKING:
    from chaos import Writer

#: the catalog objects of a plain ``intacct sync`` (its default objects without the trial
#: balance, which the engine derives and the emulator has no table of to compare with)
OBJECTS = ("GLACCOUNT", "CLASS", "CHECKINGACCOUNT", "VENDOR", "PROJECT", "DEPARTMENT",
           "LOCATION", "CUSTOMER", "APBILL", "APBILLITEM", "ARINVOICE", "ARINVOICEITEM",
           "GLBATCH", "GLENTRY")  # fmt: skip
SENDER, SENDER_PASSWORD = "demo_sender", "demo-sender-password"
USER, USER_PASSWORD = "demo_user", "demo-user-password"
TICKS = os.sysconf("SC_CLK_TCK")
REPO = Path(__file__).resolve().parents[1]


# -- the emulator ---------------------------------------------------------------------------


@dataclass
class Emulator:
    process: subprocess.Popen[str]
    url: str

    @property
    def base(self) -> str:
        return self.url.split("/ia/")[0]

    def get(self, path: str, **params: Any) -> Any:
        answer = httpx.get(f"{self.base}/_emulator/{path}", params=params, timeout=300)
        answer.raise_for_status()
        return answer.json()

    def cpu_s(self) -> float:
        """The emulator's CPU seconds so far (user + system, all its threads)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS


@contextmanager
def emulator(
    companies: int, limits: str, faults: Sequence[str] = (), seed: int = 0
) -> Iterator[Emulator]:
    port = _free_port()
    command = ["intacct", "emulator", "serve", "--port", str(port), "--scale", "0",
               "--companies", str(companies), "--company-limits", limits,
               "--seed", str(seed)]  # fmt: skip
    for rule in faults:
        command += ["--fault", rule]
    intacct = Path(sys.executable).with_name("intacct")
    command[0] = str(intacct) if intacct.exists() else "intacct"
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        # stderr is merged in: the seeding notes come before standard output's first line
        said = []
        while not said or ("listening on" not in said[-1] and said[-1] and len(said) < 20):
            said.append(process.stdout.readline())
        if "listening on" not in said[-1]:
            raise RuntimeError(f"the emulator did not start: {''.join(said)}")
        yield Emulator(process, said[-1].split("listening on ")[1].strip())
    finally:
        process.terminate()
        process.wait(30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- tenants and runs -----------------------------------------------------------------------


def write_tenants(
    path: Path, url: str, companies: Sequence[tuple[str, int, str]], **extra: Any
) -> Path:
    """A tenant list of ``companies`` (id, limit, time zone); passwords by reference only.
    The zone named (as a user who knows it would), the sync reads timestamps DST-aware."""
    document = {
        "defaults": {
            "api_url": url,
            "sender_id": SENDER,
            "user_id": USER,
            "timeout_s": 120,
            "sender_password": {"env": "FLEET_SENDER_PASSWORD"},
            "user_password": {"env": "FLEET_USER_PASSWORD"},
        },
        "tenants": [
            {"company_id": c, "concurrency": n, "timezone": zone, **extra}
            for c, n, zone in companies
        ],
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Run:
    """One Dagster run: a shard's tenant list (the once job), or the tenant list and one
    company (the partitioned job, ``company`` set)."""

    tenants: Path
    companies: tuple[str, ...]
    company: str = ""


@dataclass
class Runs:
    """The Dagster runs' outcome: failures by run, their CPU (run processes and all they
    started), wall time, the companies synced, the load average seen (every 15 s)."""

    failures: list[str] = field(default_factory=list)
    cpu_s: float = 0.0
    wall_s: float = 0.0
    runs: int = 0
    synced: list[str] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)


def run_fleet(
    home: Path,
    planned: Sequence[Run],
    start_method: str,
    steps: int,
    at_once: int,
    minutes: float = 0,
    per_step: int = 1,
) -> Runs:
    """The ``planned`` runs, ``at_once`` side by side; with ``minutes``, no run starts
    after that many minutes (the companies of the runs left out are not counted)."""
    env = {**os.environ, "DAGSTER_HOME": str(home), "FLEET_SENDER_PASSWORD": SENDER_PASSWORD,
           "FLEET_USER_PASSWORD": USER_PASSWORD}  # fmt: skip
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    outcome = Runs()
    started = time.perf_counter()
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(15):
            outcome.loads.append(os.getloadavg()[0])

    def one(run: Run) -> tuple[str | None, float, Run | None]:
        if minutes and time.perf_counter() - started > minutes * 60:
            return None, 0.0, None
        command = [sys.executable, __file__, "_run", str(run.tenants), str(home / "data"),
                   start_method, str(steps), run.company, str(per_step)]  # fmt: skip
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert process.stdout is not None
        out = process.stdout.read()
        # wait4, not wait: the run's CPU with its children's (steps, the forkserver)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        cpu = float(usage.ru_utime + usage.ru_stime)
        said = f"{run.tenants.name} {run.company}: {out[-1500:]}"
        return (None if process.returncode == 0 else said), cpu, run

    threading.Thread(target=sample, daemon=True).start()
    with ThreadPoolExecutor(at_once) as pool:
        for failed, cpu, ran in pool.map(one, planned):
            if ran is None:
                continue
            outcome.runs += 1
            outcome.synced += ran.companies
            outcome.cpu_s += cpu
            if failed:
                outcome.failures.append(failed)
    outcome.wall_s = time.perf_counter() - started
    stop.set()
    return outcome


# -- one run, in its own process --------------------------------------------------------------


def _run(
    tenants: str, folder: str, start_method: str, steps: str, company: str, per_step: str = "1"
) -> int:
    """One Dagster run: the once job over the shard ``tenants``, or the partitioned
    job for ``company``; exit 0 when it succeeded. The forkserver is stopped and reaped
    before exiting, so its steps' CPU reaches this process's parent."""
    import dagster as dg

    from intacct.integrations.dagster import PARTITIONS

    os.environ["FLEET_TENANTS"], os.environ["FLEET_DATA"] = tenants, folder
    os.environ["FLEET_PER_STEP"] = per_step
    executor: dict[str, Any] = {"max_concurrent": int(steps)}
    if start_method == "forkserver":
        preload = ["dagster", "intacct.integrations.dagster", "intacct.sync", "duckdb"]
        executor["start_method"] = {"forkserver": {"preload_modules": preload}}
    else:
        executor["start_method"] = {"spawn": {}}
    config = {"execution": {"config": {"multiprocess": executor}}}
    name = "intacct_fleet" if company else "intacct_fleet_once"
    job = dg.reconstructable(_once_job if not company else _partitioned_job)
    with dg.DagsterInstance.get() as instance:
        if company:
            instance.add_dynamic_partitions(PARTITIONS, [company])
        tags = {"dagster/partition": company} if company else None
        with dg.execute_job(job, instance, run_config=config, tags=tags) as result:
            ok = result.success
            if not ok:
                for event in result.all_events:
                    if event.is_step_failure and event.step_failure_data is not None:
                        print(name, event.step_key, event.step_failure_data.error, flush=True)
    _stop_forkserver()
    return 0 if ok else 1


def _definitions() -> Any:
    from intacct.integrations.dagster import fleet_definitions

    return fleet_definitions(
        os.environ["FLEET_TENANTS"],
        os.environ["FLEET_DATA"],
        objects=OBJECTS,
        pool=None,
        companies_per_step=int(os.environ.get("FLEET_PER_STEP", "1")),
    )


def _once_job() -> Any:
    return _definitions().resolve_job_def("intacct_fleet_once")


def _partitioned_job() -> Any:
    return _definitions().resolve_job_def("intacct_fleet")


def _stop_forkserver() -> None:
    from multiprocessing import forkserver

    server: Any = forkserver._forkserver
    pid = getattr(server, "_forkserver_pid", None)
    if pid:
        os.close(server._forkserver_alive_fd)
        os.waitpid(pid, 0)


# -- limits and exactness -------------------------------------------------------------------


def traffic(emu: Emulator) -> dict[str, dict[str, int]]:
    """Per fleet company: limit, requests, API transactions, most in flight, refusals
    beyond the limit."""
    stats = emu.get("stats")
    stats = stats.get("stats", stats)
    found = {}
    for company in emu.get("companies")["companies"]:
        name = company["id"]
        if not company["fleet"]:
            continue
        found[name] = {
            "limit": int(company["max_concurrency"]),
            "requests": int(stats.get(f"requests.{name}", 0)),
            "transactions": int(stats.get(f"api_transactions.{name}", 0)),
            "max_in_flight": int(stats.get(f"max_in_flight.{name}", 0)),
            "throttled": int(stats.get(f"throttled.{name}", 0)),
        }
    return found


def limit_problems(seen: dict[str, dict[str, int]], shared: bool = False) -> list[str]:
    """More in flight than a company's limit; refusals at the limit too, unless the limit
    is ``shared`` with another client (the chaos writer)."""
    problems = []
    for company, c in seen.items():
        if c["limit"] and c["max_in_flight"] > c["limit"]:
            problems.append(f"{company}: {c['max_in_flight']} in flight, limit {c['limit']}")
        if c["throttled"] and not shared:
            problems.append(f"{company}: {c['throttled']} request(s) refused at its limit")
    return problems


def verify(emu: Emulator, folder: Path, companies: Sequence[str], threads: int = 4) -> list[str]:
    """Every company's tables against the emulator's checksums: the problems, each a line
    (no file, a table missing, a count or checksum that differs)."""
    from intacct.emulator.catalog import load_catalog

    catalog = load_catalog()
    zones = {c["id"]: ZoneInfo(c["timezone"]) for c in emu.get("companies")["companies"]}

    def company_problems(company: str) -> list[str]:
        path = folder / f"{company}.duckdb"
        if not path.exists():
            return [f"{company}: no database {path}"]
        problems = []
        with duckdb.connect(str(path), read_only=True) as con:
            tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables")
                      .fetchall()}  # fmt: skip
            for name in OBJECTS:
                if name not in tables:
                    problems.append(f"{company} {name}: no table")
                    continue
                problems += _table_problems(emu, con, catalog[name], company, zones[company])
        return problems

    with ThreadPoolExecutor(threads) as pool:
        return [p for found in pool.map(company_problems, companies) for p in found]


def _table_problems(emu: Emulator, con: Any, obj: Any, company: str, zone: ZoneInfo) -> list[str]:
    """The table of ``obj`` against the emulator's checksum of its columns: the tests'
    comparison (tests/checksums.py), which the documented-paths matrix makes too."""
    sys.path.insert(0, str(REPO))
    from tests.checksums import table_problems

    cursor = con.execute(f'SELECT * FROM "{obj.name}"')  # noqa: S608
    columns = [d[0] for d in cursor.description]
    records = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def expected(fields: Sequence[str]) -> tuple[int, str]:
        said = emu.get("checksum", company=company, object=obj.name, fields=",".join(fields))
        theirs = said["objects"][obj.name]
        return int(theirs["count"]), str(theirs["sha256"])

    return table_problems(f"{company} {obj.name}", obj, columns, records, expected, zone)


# -- the whole simulation -------------------------------------------------------------------


def simulate(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from chaos import SCHEDULE  # not at the top: every run and step process imports this file

    load_before = os.getloadavg()
    faults = [*(args.fault or ()), *(SCHEDULE if args.chaos else ())]
    storm = bool(args.chaos or args.writes)
    with emulator(args.companies, args.limits, faults, args.seed) as emu:
        fleet = [(c["id"], args.overcommit or c["max_concurrency"], c["timezone"])
                 for c in emu.get("companies")["companies"] if c["fleet"]]  # fmt: skip
        cpu_before = emu.cpu_s()
        planned = _plan(args, work, emu.url, fleet)
        writer = _writer(emu, fleet, args.seed) if args.writes else None
        runs = run_fleet(work / "dagster", planned, args.start_method, args.steps, args.runs,
                         args.minutes, args.per_step)  # fmt: skip
        emulator_cpu = emu.cpu_s() - cpu_before
        load_after = os.getloadavg()
        if writer is not None:
            writer.stop.set()
            writer.join()
        faulted = sum(int(rule["fired"]) for rule in emu.get("faults")["faults"])
        total = int(emu.get("stats").get("requests", 0))
        problems = [] if storm else [f"run failed: {f}" for f in runs.failures]
        catch_up, missed = Runs(), []
        if storm:  # faults and writes stop; every company once more
            # what the storm's runs left out, said before the catch-up mends it: the check
            # sees the writes they missed
            missed = verify(emu, work / "dagster" / "data", runs.synced)
            httpx.delete(f"{emu.base}/_emulator/faults", timeout=60).raise_for_status()
            done = set(runs.synced)
            again = [run for run in planned if set(run.companies) <= done]
            catch_up = run_fleet(work / "dagster", again, args.start_method, args.steps,
                                 args.runs, 0, args.per_step)  # fmt: skip
            problems += [f"catch-up run failed: {f}" for f in catch_up.failures]
        seen = {c: found for c, found in traffic(emu).items() if c in set(runs.synced)}
        problems += limit_problems(seen, shared=writer is not None)
        checked = time.perf_counter()
        problems += verify(emu, work / "dagster" / "data", runs.synced)
        verify_s = time.perf_counter() - checked
    n = len(runs.synced)
    if n < args.companies:
        print(f"stopped short at --minutes {args.minutes:g}: {n} of {args.companies} companies "
              "synced (those counted and checked)", file=sys.stderr)  # fmt: skip
    figures = {
        "companies": n, "companies_planned": args.companies, "limits": args.limits,
        "start_method": args.start_method,
        "mode": "run per company" if args.per_company else f"shards of {args.shard}",
        "runs": runs.runs, "runs_at_once": args.runs, "steps_at_once": args.steps,
        "companies_per_step": 1 if args.per_company else args.per_step,
        "wall_s": round(runs.wall_s, 1),
        "companies_per_hour": round(n / runs.wall_s * 3600),
        "dagster_cpu_s_per_company": round(runs.cpu_s / n, 3),
        "emulator_cpu_s_per_company": round(emulator_cpu / n, 3),
        "requests_per_company": round(sum(c["requests"] for c in seen.values()) / n, 1),
        "transactions_per_company": round(sum(c["transactions"] for c in seen.values()) / n, 1),
        "max_in_flight_by_limit": _peaks(seen),
        "requests_in_storm": total, "requests_faulted": faulted,
        "faulted_share": round(faulted / total, 3) if total else 0.0,
        "companies_checked": n, "tables_checked": n * len(OBJECTS),
        "verify_s": round(verify_s, 1),
        "load_average_before": round(load_before[0], 2),
        "load_average_during_mean_max": [
            round(sum(runs.loads) / len(runs.loads), 2) if runs.loads else None,
            max(runs.loads, default=None)],
        "load_average_after_1_5_15min": [round(x, 2) for x in load_after],
        "problems": problems,
    }  # fmt: skip
    if storm:
        figures |= _storm_figures(args, runs, catch_up, writer, seen)
        figures["problems_before_catch_up"] = missed
    return figures


def _plan(
    args: argparse.Namespace, work: Path, url: str, fleet: Sequence[tuple[str, int, str]]
) -> list[Run]:
    """A run per company (``--per-company``) or per shard, each with its tenant list."""
    if args.per_company:
        path = write_tenants(work / "tenants.yaml", url, fleet)
        return [Run(path, (c[0],), c[0]) for c in fleet]
    planned = []
    for n, start in enumerate(range(0, len(fleet), args.shard)):
        shard = fleet[start : start + args.shard]
        path = write_tenants(work / f"shard{n:04d}.yaml", url, shard)
        planned.append(Run(path, tuple(c[0] for c in shard)))
    return planned


def _writer(emu: Emulator, fleet: Sequence[tuple[str, int, str]], seed: int) -> Writer:
    """The chaos writer over every fleet company, started."""
    from chaos import Tally, Writer

    from intacct.emulator.demo import client_config

    configs = [client_config(emu.url, company) for company, _, _ in fleet]
    writer = Writer(configs, random.Random(seed + 1), Tally())
    writer.start()
    return writer


def _storm_figures(
    args: argparse.Namespace,
    runs: Runs,
    catch_up: Runs,
    writer: Writer | None,
    seen: dict[str, dict[str, int]],
) -> dict[str, Any]:
    from chaos import Tally

    tally = writer.tally if writer is not None else Tally()
    return {
        "seed": args.seed, "chaos": bool(args.chaos),
        "runs_failed_in_storm": len(runs.failures),
        "storm_failures_first": [line[-300:] for line in runs.failures[:3]],
        "writes": tally.writes, "write_failures": tally.write_failures,
        "refused_at_limit": sum(c["throttled"] for c in seen.values()),
        "catch_up_runs": catch_up.runs, "catch_up_wall_s": round(catch_up.wall_s, 1),
    }  # fmt: skip


def _peaks(seen: dict[str, dict[str, int]]) -> dict[str, int]:
    """The most in flight the emulator saw for any company, per limit."""
    peaks: dict[str, int] = {}
    for c in seen.values():
        key = str(c["limit"])
        peaks[key] = max(peaks.get(key, 0), c["max_in_flight"])
    return peaks


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=1000)
    parser.add_argument("--limits", default="2,4,8", help="concurrency limits, cycled")
    parser.add_argument("--start-method", choices=["forkserver", "spawn"], default="forkserver")
    parser.add_argument("--shard", type=int, default=0, help="companies per run (0: all)")
    parser.add_argument("--per-company", action="store_true", help="a run per company")
    parser.add_argument(
        "--per-step",
        type=int,
        default=1,
        help="companies a step syncs in turn (the once job's shards)",
    )
    parser.add_argument("--runs", type=int, default=1, help="runs at once")
    parser.add_argument("--steps", type=int, default=2, help="steps at once in a run")
    parser.add_argument("--fault", action="append", help="an emulator fault rule (repeatable)")
    parser.add_argument("--chaos", action="store_true", help="the mixed fault schedule")
    parser.add_argument("--writes", action="store_true", help="a writer meanwhile")
    parser.add_argument("--seed", type=int, default=0, help="the data's, faults' and writer's")
    parser.add_argument(
        "--minutes",
        type=float,
        default=0,
        help="start no run after this many minutes (0: no limit)",
    )
    parser.add_argument(
        "--overcommit",
        type=int,
        default=0,
        metavar="N",
        help="give every tenant concurrency N whatever its company's limit "
        "(to see the benchmark catch a fleet that goes beyond)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", type=Path, help="work here (kept) instead of a temp folder")
    args = parser.parse_args(argv)
    args.shard = args.shard or args.companies
    with tempfile.TemporaryDirectory(prefix="fleet-") as temp:
        work = args.keep or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        figures = simulate(args, work)
    problems = figures.pop("problems")
    print(json.dumps(figures, indent=1))
    if args.json:
        args.json.write_text(json.dumps({**figures, "problems": problems}, indent=1) + "\n")
    for line in problems[:50]:
        print(f"FAIL {line}", file=sys.stderr)
    if problems:
        print(f"FAILED: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"OK: {figures['companies']} companies exact, no limit exceeded")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["_run"]:
        sys.exit(_run(*sys.argv[2:8]))
    sys.exit(main())
