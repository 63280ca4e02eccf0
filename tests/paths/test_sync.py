"""Every ``intacct sync`` form the docs document, on DEMO and DEMO-ME, on each
destination where the docs say the form works (and the documented refusal where they
says it does not), each run compared with the emulator's data.

Forms (docs/sync.md and the pages it links): the default objects; a second run after a first (with a
record created, one changed and one deleted in between: it reads only those and keeps
the deleted one as a tombstone); ``--full-refresh`` after those (it reads every object
whole again); ``--objects all``; ``--unified``; ``--layout fivetran``; ``--entities all``;
``--api rest`` (the fields REST has no equivalent of, which the run names, are empty),
``--api auto``, ``--api rest --objects all``, ``--history`` (each object with
WHENMODIFIED also has ``<table>_history``, one current version per stored row), and
``INTACCT_VERIFY_EVERY=1d`` (a first run, then a second after the same changes as the
second run's: it asks the audit trail once and reads CLASS alone), and the
``INTACCT_DDS_*`` variables with the bucket's credentials (docs/sync.md "Bulk first
reads": DEMO's objects of 100 records or more that DDS serves loaded from one DDS job
each, written by the emulator to moto's S3 server; DEMO-ME, which has entities, paged)
and, after it, ``dds-change`` (a second run after twelve journal entries posted, in
pages of five: GLENTRY's 24 new lines through one DDS change job; docs/sync.md "Many
changes").
Destinations: the DuckDB file (``--db`` left out: ``./intacct.duckdb``), Postgres
(``--db postgresql://…?schema=intacct``), dlt into DuckDB (``--db dlt:duckdb``: dlt's
default ``./intacct_intacct.duckdb``) and into Postgres (``--db dlt:postgres``, its
credentials in ``DESTINATION__POSTGRES__CREDENTIALS``, as dlt documents). Refused:
``--layout fivetran`` off DuckDB and ``--unified`` through dlt (``--history`` through dlt
is a view, ``<table>_history``, over ``<table>_versions`` and ``<table>_deletes``).

A test is one cell (company, form, destination). The cells of a form run their commands
side by side, one per destination (the first cell of the form asked runs them, for the
cells selected), then each is compared: every table the run wrote, against what the
emulator holds (:mod:`tests.paths.expected`)."""

from __future__ import annotations

import importlib.util
import json
import traceback
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from intacct import IntacctClient
from intacct.destinations.history import DELETES, VERSIONS
from intacct.emulator.catalog import load_catalog
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.replication.streams.rest import rest_object
from intacct.sync.fivetran import layout_objects
from intacct.sync.unified_tables import unified_objects
from tests.checksums import EmulatorData
from tests.dds import s3_target
from tests.paths.commands import INTACCT, TAP, Ran, connection, run, user_env
from tests.paths.expected import (
    DEFAULT_OBJECTS,
    DELETED_AT,
    TRIAL_BALANCE,
    UNIFIED_TABLES,
    RestAnswer,
    fivetran_problems,
    left_out,
    object_problems,
    parse_singer,
    rest_answer,
    rest_only_problems,
    rest_only_tables,
    through_rest,
    trial_balance_problems,
    unified_problems,
    unified_same,
)
from tests.postgres import create_database, drop_database
from tests.s3 import REGION, S3Server
from tests.sync.stores import Store

COMPANIES = ("DEMO", "DEMO-ME")
#: a history table's name beside its object's, and a version's start without WHENMODIFIED
HISTORY, EPOCH = "_history", "1970-01-01 00:00:00"
DESTINATIONS = ("duckdb", "postgres", "dlt-duckdb", "dlt-postgres")
#: a form's command line, beyond ``intacct sync [--db …]``
FORMS: dict[str, tuple[str, ...]] = {
    "default": (),
    "second-run": (),
    "full-refresh": ("--full-refresh",),
    "objects-all": ("--objects", "all"),
    "unified": ("--unified",),
    "fivetran": ("--layout", "fivetran"),
    "entities-all": ("--entities", "all"),
    "api-rest": ("--api", "rest"),
    "api-auto": ("--api", "auto"),
    "api-rest-objects-all": ("--api", "rest", "--objects", "all"),
    "history": ("--history",),
    # docs/sync.md "A company at rest": INTACCT_VERIFY_EVERY (FORM_ENV), a first run, then a
    # second after the same changes as second-run's: it asks the audit trail once
    "verify-first": (),
    "verify-second": (),
    # docs/sync.md "Bulk first reads": the INTACCT_DDS_* variables (Matrix.dds_env)
    "dds": (),
    # docs/sync.md "Many changes: DDS change jobs": the same, a second run after entries
    # posted, in pages of five and dds_min_records 20 (FORM_ENV) so that GLENTRY's 24
    # changed lines take a change job
    "dds-change": (),
}
#: docs/sync.md "Bulk first reads": the target's name and folder (the bucket is made per run)
DDS_TARGET, DDS_PREFIX = "AWS-S3-DDS", "intacct/dds"
#: a form's settings beyond its command line, as the docs give them
FORM_ENV: dict[str, dict[str, str]] = {
    "verify-first": {"INTACCT_VERIFY_EVERY": "1d"},
    "verify-second": {"INTACCT_VERIFY_EVERY": "1d"},
    "dds-change": {"INTACCT_PAGE_SIZE": "5", "INTACCT_DDS_MIN_RECORDS": "20"},
}
#: the DDS forms, one after the other on the same destination
DDS_CHAIN = ("dds", "dds-change")
#: entries DEMO gets before dds-change: 24 GLENTRY lines, 5 pages of five against ~4
DDS_ENTRIES = 12
#: the forms that read every object the company has
OBJECTS_ALL = ("objects-all", "api-rest-objects-all")
#: forms that run one after the other on the same destination; the others alone
CHAIN = ("default", "second-run", "full-refresh")
VERIFY_CHAIN = ("verify-first", "verify-second")
#: the forms run after a class is created, one renamed and one deleted (``_change``)
SECOND_RUNS = ("second-run", "verify-second")
#: the combinations the docs refuse, with what the refusal must name
REFUSED = {
    ("unified", "dlt-duckdb"): ("--unified", "dlt"),
    ("unified", "dlt-postgres"): ("--unified", "dlt"),
    ("fivetran", "postgres"): ("--layout fivetran", "DuckDB"),
    ("fivetran", "dlt-duckdb"): ("--layout fivetran", "DuckDB"),
    ("fivetran", "dlt-postgres"): ("--layout fivetran", "DuckDB"),
}


#: cells left out, with why: none (the ``--objects all`` forms through dlt, once past the
#: matrix's 15 min a command, take minutes since dlt's schema is asked once a load, not
#: once a page, and small objects share loads; issue 48)
LEFT_OUT: dict[tuple[str, str], str] = {}


def _cells() -> list[Any]:
    """Each company's cells an xdist group of their own (tests/conftest.py would make the
    file one): the two run on two workers, each with its emulator, not one after the
    other on one (the file held one worker 29 minutes of a loaded --tier all run, the
    suite's longest group by far: the others were 12 minutes at most)."""
    return [
        pytest.param(
            company,
            form,
            destination,
            id=f"{company}-{form}-{destination}",
            marks=[
                pytest.mark.xdist_group(f"paths/test_sync.py::{company}"),
                *(
                    [pytest.mark.skip(reason=LEFT_OUT[form, destination])]
                    if (form, destination) in LEFT_OUT
                    else []
                ),
            ],
        )
        for company in COMPANIES
        for form in FORMS
        for destination in DESTINATIONS
    ]


@dataclass
class Target:
    """One destination of a form's run: where the command runs, with what, and where
    its tables are read back."""

    destination: str
    cwd: Path
    env: dict[str, str]
    db: tuple[str, ...]  # ``--db …`` (none: the default DuckDB file)
    store: Store

    def created(self) -> list[str]:
        """Anything at all a run made: the database file, or the schema (a refused run
        makes nothing: it is refused before the destination is opened)."""
        if self.store.engine == "duckdb":
            path = Path(self.store.url)
            return [path.name] if path.exists() else []
        public = replace(self.store, schema="public")
        found = public.query(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name = ?",
            [self.store.schema],
        )
        return [f"schema {self.store.schema}"] if found else []

    def stored(self) -> list[str]:
        """What the destination holds: the DuckDB file (docs/sync.md: a new one a run stored
        nothing in is removed), else the schema's (dataset's) tables that are not
        bookkeeping, and ``_intacct_runs`` if it records a run."""
        path = Path(self.store.url)
        if self.destination == "duckdb":
            return [path.name] if path.exists() else []
        if self.store.engine == "duckdb" and not path.exists():
            return []
        anywhere = replace(self.store, schema="main" if self.store.engine == "duckdb" else "public")
        tables = [
            name for (name,) in anywhere.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                [self.store.schema],
            )
        ]  # fmt: skip
        held = [name for name in tables if not name.startswith("_")]
        if (
            "_intacct_runs" in tables
            and self.store.query("SELECT count(*) FROM _intacct_runs")[0][0]
        ):
            held.append("_intacct_runs")
        return held


@dataclass
class Cell:
    """What a cell's command did and what the comparison found."""

    ran: Ran | None = None
    problems: list[str] = field(default_factory=list)
    skipped: str = ""


class Matrix:
    """Runs the forms on demand, a form's destinations side by side, and keeps each
    cell's outcome for its test."""

    def __init__(
        self,
        server: EmulatorServer,
        data: EmulatorData,
        folder: Path,
        postgres: Callable[[], str],
        wanted: set[tuple[str, str, str]],
        s3: Callable[[], S3Server] | None = None,
    ) -> None:
        self.server, self.data, self.folder = server, data, folder
        self._postgres, self.wanted, self._s3 = postgres, wanted, s3
        self._dds: dict[str, str] | None = None
        self.cells: dict[tuple[str, str, str], Cell] = {}
        self.databases: list[str] = []
        self._unified: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self._answers: dict[str, RestAnswer] = {}

    def cell(self, company: str, form: str, destination: str) -> Cell:
        if (company, form, destination) not in self.cells:
            chains = (CHAIN, VERIFY_CHAIN, DDS_CHAIN)
            forms = next((c for c in chains if form in c), (form,))
            try:
                self._run(company, forms)
            except Exception:  # noqa: BLE001 - its cells fail with it, the others go on
                failed = Cell(problems=[f"the form did not run:\n{traceback.format_exc()}"])
                for each in forms:
                    for where in DESTINATIONS:
                        self.cells.setdefault((company, each, where), failed)
        return self.cells[(company, form, destination)]

    # -- running -------------------------------------------------------------------------

    def _run(self, company: str, forms: tuple[str, ...]) -> None:
        targets: dict[str, Target] = {}
        for destination in DESTINATIONS:
            if not any((company, f, destination) in self.wanted for f in forms):
                continue
            try:
                targets[destination] = self._target(company, forms[0], destination)
            except pytest.skip.Exception as exc:  # no Postgres here, or no dlt
                for form in forms:
                    self.cells[(company, form, destination)] = Cell(skipped=str(exc))
        deleted: list[int] = []
        for form in forms:
            if form in SECOND_RUNS:
                deleted = self._change(company, form)
            if form == "unified":
                self._tap_unified(company)
            if form == "dds-change":
                self._post_entries(company)
            dds = self.dds_env() if form in DDS_CHAIN else {}
            env = {**dds, **FORM_ENV.get(form, {})}
            commands = [
                ((INTACCT, "sync", *t.db, *FORMS[form]), t.cwd, {**t.env, **env})
                for t in targets.values()
            ]
            with ThreadPoolExecutor(max(1, len(targets))) as pool:
                ran = dict(zip(targets, pool.map(lambda c: run(*c), commands), strict=True))
            self._answers = {}  # the emulator's REST answers, read once for the destinations
            for destination, target in targets.items():
                cell = Cell(ran[destination])
                try:
                    cell.problems = self._check(company, form, target, ran[destination], deleted)
                except Exception:  # noqa: BLE001 - the cell fails with it, the others go on
                    cell.problems = [f"comparing failed:\n{traceback.format_exc()}"]
                self.cells[(company, form, destination)] = cell

    def _target(self, company: str, form: str, destination: str) -> Target:
        where = self.folder / f"{company}-{form}-{destination}"
        cwd, env = where / "work", user_env(where / "home", connection(self.server.url, company))
        cwd.mkdir(parents=True)
        if destination == "duckdb":
            path = str(cwd / "intacct.duckdb")
            return Target(destination, cwd, env, (), Store("duckdb", path, path, schema="main"))
        if destination.startswith("dlt") and importlib.util.find_spec("dlt") is None:
            pytest.skip("dlt is not installed: pip install -e '.[dev]'")
        if destination == "dlt-duckdb":
            path = str(cwd / "intacct_intacct.duckdb")  # dlt's default without credentials
            store = Store(destination, "dlt:duckdb", path, schema="intacct", through_dlt=True)
            return Target(destination, cwd, env, ("--db", "dlt:duckdb"), store)
        url = create_database(self._postgres())
        self.databases.append(url)
        if destination == "postgres":
            given = f"{url}?schema=intacct"
            return Target(destination, cwd, env, ("--db", given), Store(destination, given, url))
        parts = urlsplit(url)  # dlt wants a password; the tests' server trusts any
        netloc = f"{parts.username}:unused@{parts.hostname}:{parts.port}"
        env["DESTINATION__POSTGRES__CREDENTIALS"] = urlunsplit(parts._replace(netloc=netloc))
        store = Store(destination, "dlt:postgres", url, schema="intacct", through_dlt=True)
        return Target(destination, cwd, env, ("--db", "dlt:postgres"), store)

    def dds_env(self) -> dict[str, str]:
        """docs/sync.md "Bulk first reads": the ``INTACCT_DDS_*`` variables and the
        bucket's credentials, as a user sets them; both companies subscribed, their
        target a bucket on moto's S3 server, jobs done when next asked about."""
        if self._dds is None:
            assert self._s3 is not None
            s3 = self._s3()
            bucket = s3.new_bucket()
            target = {**s3_target(s3, bucket, s3.secret_access_key, DDS_PREFIX), "region": REGION}
            base = self.server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/")
            with httpx.Client(base_url=base, timeout=30) as http:
                http.post("dds", json={"queue_s": 0, "run_s": 0}).raise_for_status()
                for company in COMPANIES:
                    setup = {
                        "company": company,
                        "subscribed": True,
                        "targets": {DDS_TARGET: target},
                    }
                    http.post("dds", json=setup).raise_for_status()
            self._dds = {
                "INTACCT_DDS_TARGET": DDS_TARGET,
                "INTACCT_DDS_BUCKET": bucket,
                "INTACCT_DDS_PREFIX": DDS_PREFIX,
                "INTACCT_DDS_ENDPOINT_URL": s3.url,
                "INTACCT_DDS_REGION": REGION,
                "INTACCT_DDS_MIN_RECORDS": "100",
                "AWS_ACCESS_KEY_ID": s3.access_key_id,
                "AWS_SECRET_ACCESS_KEY": s3.secret_access_key,
            }
        return self._dds

    def _dds_problems(self, company: str) -> list[str]:
        """DEMO's GLENTRY came through a DDS job (completed); DEMO-ME, which has
        entities, ran none (its top level is paged)."""
        with IntacctClient.from_mapping(client_config(self.server.url, company)) as client:
            rows = client.iter_query("DDSJOB", ["OBJECT", "STATUS"])
            done = [r for r in rows if r["OBJECT"] == "GLENTRY" and r["STATUS"] == "Completed"]
        if company == "DEMO" and not done:
            return ["no DDS job of GLENTRY completed: the run paged it"]
        if company != "DEMO" and done:
            return [f"{company} has entities, yet GLENTRY went through DDS"]
        return []

    def _dds_change_problems(self, company: str, summary: list[dict[str, Any]]) -> list[str]:
        """DEMO's GLENTRY changes came through a DDS change job (completed) after its
        first read's, on the one destination whose first read's job was the object's
        last: the others are other consumers to it, so they paged, saying so; one change
        job in all. DEMO-ME, which has entities, ran none."""
        with IntacctClient.from_mapping(client_config(self.server.url, company)) as client:
            rows = client.iter_query("DDSJOB", ["OBJECT", "JOBTYPE", "STATUS"])
            done = [
                r for r in rows
                if (r["OBJECT"], r["JOBTYPE"], r["STATUS"]) == ("GLENTRY", "change", "Completed")
            ]  # fmt: skip
        why = next((e.get("why", "") for e in summary if e.get("object") == "GLENTRY"), "")
        if company != "DEMO":
            return [f"{company} has entities, yet GLENTRY went through DDS"] if done else []
        problems = [] if len(done) == 1 else [f"{len(done)} change jobs of GLENTRY, not one"]
        if "dds change (1 job, ~4 transactions" not in why and "another DDS job" not in why:
            problems.append(f"GLENTRY neither took a change job nor said why not: {why!r}")
        return problems

    def _post_entries(self, company: str) -> None:
        """Before dds-change, as another user would: DEMO's journal entries posted (a
        GLBATCH and two GLENTRY lines each, at the top level)."""
        if company != "DEMO":
            return
        lines = [
            {"ACCOUNTNO": account, "TR_TYPE": kind, "TRX_AMOUNT": "12.34"}
            for account, kind in (("1010", 1), ("4000", -1))
        ]
        entry = {"JOURNAL": "GJ", "BATCH_DATE": "11/02/2026", "BATCH_TITLE": "issue 71",
                 "ENTRIES": {"GLENTRY": lines}}  # fmt: skip
        with IntacctClient.from_mapping(client_config(self.server.url, company)) as client:
            for _ in range(DDS_ENTRIES):
                client.create("GLBATCH", [entry])

    def _change(self, company: str, form: str) -> list[int]:
        """Between the first run and the second, as another user would: a class created,
        one renamed, one deleted (at the top level, which the runs read). The deleted
        one's RECORDNO."""
        config = client_config(self.server.url, company)
        with IntacctClient.from_mapping(config) as client:
            classes = sorted(int(r["RECORDNO"]) for r in client.iter_query("CLASS", ["RECORDNO"]))
            kept, gone = classes[0], classes[1]
            new = f"PATHS-{company}" + ("" if form == "second-run" else "-V")
            client.create("CLASS", [{"CLASSID": new, "NAME": "Added by issue 33"}])
            client.update("CLASS", [{"RECORDNO": kept, "NAME": "Renamed by issue 33"}])
            client.delete("CLASS", [gone])
        return [gone]

    def _tap_unified(self, company: str) -> None:
        """The tap's unified records of ``company`` (every stream selected), which the
        docs/sync.md says ``--unified`` stores."""
        where = self.folder / f"{company}-tap-unified"
        env = user_env(where / "home")
        config = {**client_config(self.server.url, company), "unified_schema": True}
        config.pop("entity_id")
        (where / "config.json").write_text(json.dumps(config))
        found = run((TAP, "--config", "config.json", "--discover"), where, env)
        assert found.code == 0, found.said()
        catalog = json.loads(found.out)
        for stream in catalog["streams"]:
            for item in stream["metadata"]:
                if item["breadcrumb"] == []:
                    item["metadata"]["selected"] = True
        (where / "catalog.json").write_text(json.dumps(catalog))
        done = run((TAP, "--config", "config.json", "--catalog", "catalog.json"), where, env)
        assert done.code == 0, done.said()
        self._unified[company] = parse_singer(done.out)[1]

    # -- comparing -----------------------------------------------------------------------

    def _check(
        self, company: str, form: str, target: Target, ran: Ran, deleted: list[int]
    ) -> list[str]:
        refusal = REFUSED.get((form, target.destination))
        if refusal is not None:
            return _refusal_problems(target, ran, refusal)
        if ran.code != 0 or "Traceback" in ran.err:
            return [f"the run failed:\n{ran.said()}"]
        if not target.stored():
            return [f"nothing was stored:\n{ran.said()}"]
        # --entities all reads each entity of DEMO-ME, and DEMO (which has none) at its top level
        entities = ("E100", "E200") if (form, company) == ("entities-all", "DEMO-ME") else ("",)
        objects = set(DEFAULT_OBJECTS)
        if form in OBJECTS_ALL:  # and REST's own objects: the demo's OAuth app is set
            objects |= set(load_catalog()) | set(rest_only_tables(self.server.url, company))
        if form == "unified":
            objects |= set(unified_objects())
        if form == "fivetran":
            objects |= set(layout_objects())
        problems: list[str] = []
        with target.store.connected() as store:
            tables = set(store.tables())
            expected_tables = objects | (set(UNIFIED_TABLES) if form == "unified" else set())
            # dlt's stores name tables as Intacct does, REST's own objects in capitals
            if form == "history":  # beside each object's table: its versions
                kept = objects - {TRIAL_BALANCE}
                expected_tables |= {f"{name}{HISTORY}" for name in kept}
                if target.store.through_dlt:  # the view's tables: versions and deletes read
                    expected_tables |= {f"{n}{s}" for n in kept for s in (VERSIONS, DELETES)}
            extra = {t for t in tables if t.upper() not in {e.upper() for e in expected_tables}}
            if extra:
                problems.append(f"tables no form of the run writes: {sorted(extra)}")
            # --api rest reads through REST every object REST has (the run names those
            # it leaves fields of), the REST-only ones whatever --api says
            rest = through_rest(ran.err)
            if "rest" in FORMS[form]:
                rest |= {name for name in objects if rest_object(name) is not None}
            problems += self._tables(
                company, store, sorted(objects), entities, left_out(ran.err), rest
            )
            if form == "unified":
                for stream in UNIFIED_TABLES:
                    rows = store.records(stream)
                    problems += unified_problems(stream, stream, rows, self.data, company)
                    tap = self._unified[company].get(stream, [])
                    problems += unified_same(stream, stream, rows, tap)
            runs = store.runs()
        if not runs or runs[-1][0] != "ok":
            problems.append(f"_intacct_runs does not end with an ok run: {runs[-1:]}")
        if form == "fivetran":
            problems += fivetran_problems(Path(target.store.url), self.data, company)
        if form == "history":
            problems += _history_problems(target.store, sorted(objects - {TRIAL_BALANCE}))
        if form in SECOND_RUNS:
            # the question's run (verify_every 1d is the default) reads CLASS from its
            # bookmark itself, whose last second is read again where it was recent
            # (objects._settled): another chain's class
            problems += _second_run_problems(target.store, runs[-1][1], deleted, again=True)
            problems += _question_problems(runs[-1][1])
        if form == "full-refresh":
            problems += self._full_refresh_problems(company, target.store, runs[-1][1], deleted)
        if form == "dds":
            problems += self._dds_problems(company)
        if form == "dds-change":
            problems += self._dds_change_problems(company, runs[-1][1])
        return problems

    def _tables(
        self,
        company: str,
        store: Store,
        objects: list[str],
        entities: tuple[str, ...],
        left: dict[str, set[str]],
        rest: Collection[str] = (),  # objects read through REST
    ) -> list[str]:
        problems: list[str] = []
        for name in objects:
            records = store.records(name)
            if name == TRIAL_BALANCE:
                problems += trial_balance_problems(
                    name, records, self.server.url, company, entities
                )
                continue
            if name in rest_only_tables(self.server.url, company):
                if name not in self._answers:
                    self._answers[name] = rest_answer(name, self.server.url, company)
                answer = self._answers[name]
                problems += rest_only_problems(name, records, self.server.url, company, answer)
                continue
            columns = list(store.columns(name))
            problems += object_problems(
                name, name, columns, records, self.data, company, entities, left.get(name, ()),
                utc=name in rest,
            )  # fmt: skip
        return problems

    def _full_refresh_problems(
        self, company: str, store: Store, summary: list[dict[str, Any]], deleted: list[int]
    ) -> list[str]:
        """A full refresh reads every object whole again (rows upserted: the tombstone
        stays)."""
        problems = _tombstone_problems(store, deleted)
        for entry in summary:
            if entry["object"] == TRIAL_BALANCE:
                continue
            live = self.data.live_count(company, entry["object"], "")
            if entry["read"] != live:
                problems.append(
                    f"--full-refresh read {entry['read']} {entry['object']}, not {live}"
                )
        return problems


def _refusal_problems(target: Target, ran: Ran, names: tuple[str, ...]) -> list[str]:
    """Refused as documented: exit 1 or 2, one error naming the option and where it
    works, nothing written."""
    problems = []
    if ran.code not in (1, 2):
        problems.append(f"not refused (exit {ran.code})")
    if not all(name in ran.err for name in names) or "Traceback" in ran.err:
        problems.append(f"the refusal does not say {' and '.join(names)}")
    made = target.created()
    if made:
        problems.append(f"the refused run left {', '.join(made)} behind")
    return [f"{p}:\n{ran.said()}" for p in problems]


def _tombstone_problems(store: Store, deleted: list[int]) -> list[str]:
    rows = {r["RECORDNO"]: r for r in store.records("CLASS")}
    return [
        f"CLASS {recordno}, deleted in Intacct, is not a row with {DELETED_AT} set"
        for recordno in deleted
        if rows.get(recordno, {}).get(DELETED_AT) is None
    ]


def _history_problems(store: Store, objects: list[str]) -> list[str]:
    """A first run with ``--history``: each object's history holds one version per row
    the run stored, current, starting at its WHENMODIFIED (the epoch where it has none)."""
    problems = []
    for name in objects:
        rows = store.records(name)
        versions = store.records(f"{name}{HISTORY}")
        if len(versions) != len(rows) or not all(v["is_current"] for v in versions):
            problems.append(f"{name}{HISTORY}: {len(versions)} versions, not one current "
                            f"version of each of its {len(rows)} rows")  # fmt: skip
            continue
        starts = sorted(str(v["valid_from"]) for v in versions)
        changed = sorted(str(r["WHENMODIFIED"] or EPOCH) for r in rows)
        if starts != changed:
            problems.append(f"{name}{HISTORY}: versions do not start at the rows' WHENMODIFIED")
    return problems


def _second_run_problems(
    store: Store, summary: list[dict[str, Any]], deleted: list[int], again: bool = False
) -> list[str]:
    """The second run read what changed alone: the created and the renamed class, the
    deleted one as a tombstone; nothing of the other objects (the trial balance aside:
    it reads its last three months again)."""
    problems = _tombstone_problems(store, deleted)
    for entry in summary:
        if "object" not in entry:  # the run's cost by part: the audit trail's question
            continue
        want = {"CLASS": (2, 1)}.get(entry["object"], (0, 0))
        got = (entry["read"], entry["deleted"])
        if again and entry["object"] == "CLASS" and got[0] > want[0]:
            got = (want[0], got[1])  # a recent bookmark's second read again: no loss
        if entry["object"] != TRIAL_BALANCE and got != want:
            problems.append(
                f"the second run read {entry['read']} and deleted {entry['deleted']} of "
                f"{entry['object']}, not {want[0]} and {want[1]}"
            )
    return problems


def _question_problems(summary: list[dict[str, Any]]) -> list[str]:
    """With ``verify_every`` the second run asked the audit trail once (one page: the
    demo's changes are few) and read CLASS alone, named by it."""
    problems = []
    if not summary or summary[0] != {"part": "question", "transactions": 1}:
        problems.append(f"the run's summary does not begin with one question: {summary[:1]}")
    named = {e["object"] for e in summary if e.get("why", "").startswith("the audit trail lists")}
    if named - {"CLASS", TRIAL_BALANCE} or "CLASS" not in named:
        problems.append(f"the audit trail named {sorted(named)}, not CLASS")
    return problems


@pytest.fixture(scope="module")
def matrix(
    request: pytest.FixtureRequest,
    emulator: EmulatorServer,
    data: EmulatorData,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Matrix]:
    params = [
        item.callspec.params
        for item in request.session.items
        if isinstance(item, pytest.Function) and item.module is request.module
        and hasattr(item, "callspec")
    ]  # fmt: skip
    wanted = {(str(p["company"]), str(p["form"]), str(p["destination"])) for p in params}
    wanted = {cell for cell in wanted if cell[1:] not in LEFT_OUT}  # nothing run for them

    def postgres() -> str:
        return str(request.getfixturevalue("postgres_server"))

    def s3() -> S3Server:
        found: S3Server = request.getfixturevalue("s3_server")
        return found

    found = Matrix(emulator, data, tmp_path_factory.mktemp("paths"), postgres, wanted, s3)
    yield found
    for url in found.databases:
        drop_database(url)


@pytest.mark.parametrize(("company", "form", "destination"), _cells())
def test_documented_form(matrix: Matrix, company: str, form: str, destination: str) -> None:
    cell = matrix.cell(company, form, destination)
    if cell.skipped:
        pytest.skip(cell.skipped)
    assert cell.problems == [], "\n".join(cell.problems)
