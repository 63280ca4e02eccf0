"""``intacct sync --dry-run``: the records and API transactions the next run will take,
per object, equal to what that run then reads and costs; nothing is written."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from intacct import IntacctClient
from intacct.cli import main
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.replication import ReplicationSettings
from intacct.sync import SyncSettings, run_sync
from intacct.sync.display import QuietReporter

from .conftest import billed, use_env, use_oauth_app
from .tables import table

OBJECTS = "VENDOR,CLASS,APBILL,APBILLITEM,GLENTRY,TRIALBALANCE"


@pytest.fixture
def own_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=1000, seed=9) as emulator:
        yield emulator


def sync(*args: str) -> tuple[dict[str, dict[str, str]], str]:
    result = CliRunner().invoke(main, ["sync", "--objects", OBJECTS, *args])
    assert result.exit_code == 0, result.stderr
    return table(result.stdout), result.stderr


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_first_run_costs_what_the_dry_run_said_and_the_dry_run_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, own_server: EmulatorServer, tmp_path: Path
) -> None:
    use_env(monkeypatch, own_server.url)
    monkeypatch.setenv("INTACCT_PAGE_SIZE", "100")  # several pages and ranges
    before = billed(own_server)
    plan, err = sync("--dry-run")
    asked = billed(own_server) - before
    assert not (tmp_path / "intacct.duckdb").exists()
    assert re.search(rf"Dry run: {asked} API transactions to ask the counts", err)
    with IntacctClient.from_mapping(client_config(own_server.url)) as client:
        for name in ("VENDOR", "GLENTRY"):
            data = client.query(name, ["RECORDNO"], pagesize=1).data
            assert data is not None and plan[name]["records"] == f"{data.totalcount:,}"
    assert "range" in plan["GLENTRY"]["read"] and plan["TRIALBALANCE"]["records"] == "?"
    done, _ = sync()
    for name in OBJECTS.split(","):
        assert plan[name]["API transactions"] == done[name]["API transactions"], name
        if name != "TRIALBALANCE":
            assert plan[name]["records"] == done[name]["read"], name
    assert plan["all"]["API transactions"] == done["all"]["API transactions"]


@pytest.mark.parametrize(
    "setting",
    [
        {},
        {"INTACCT_LOOKBACK_MINUTES": "600"},  # a window of 10 hours, through its digest
        {"INTACCT_START_DATE": "2020-01-01T00:00:00Z", "INTACCT_PAGE_SIZE": "150"},
    ],
)
def test_a_later_run_costs_what_the_dry_run_said(
    monkeypatch: pytest.MonkeyPatch,
    own_server: EmulatorServer,
    tmp_path: Path,
    setting: dict[str, str],
) -> None:
    use_env(monkeypatch, own_server.url)
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    first, _ = sync("--dry-run")
    done, _ = sync()
    assert first["all"]["API transactions"] == done["all"]["API transactions"]
    with IntacctClient.from_mapping(client_config(own_server.url)) as client:
        client.create("CLASS", [{"CLASSID": f"DRY-{n}", "NAME": "new"} for n in range(3)])
        recordno = client.query("VENDOR", ["RECORDNO"], pagesize=1).records[0]["RECORDNO"]
        client.delete("VENDOR", [recordno])
    db = tmp_path / "intacct.duckdb"
    kept = digest(db)
    plan, _ = sync("--dry-run")
    assert digest(db) == kept
    assert plan["VENDOR"]["deletes"] == "1"
    if not setting:
        # the audit trail's one question (verify_every) named CLASS and VENDOR only
        quiet = "quiet: the audit trail lists no change"
        assert plan["CLASS"]["records"] == "3" and plan["APBILL"]["read"] == quiet
        assert plan["APBILL"]["API transactions"] == "0"
    done, _ = sync()
    assert done["CLASS"]["inserted"] == "3" and done["VENDOR"]["deleted"] == "1"
    for name in [*OBJECTS.split(","), "all"]:
        assert plan[name]["API transactions"] == done[name]["API transactions"], name


def test_every_entity_costs_what_the_dry_run_said(
    monkeypatch: pytest.MonkeyPatch, own_server: EmulatorServer
) -> None:
    use_env(monkeypatch, own_server.url, company="DEMO-ME")
    plan, _ = sync("--entities", "all", "--dry-run")
    assert "to list the entities" in plan["all"]["read"]
    done, _ = sync("--entities", "all")
    for name in [*OBJECTS.split(","), "all"]:
        assert plan[name]["API transactions"] == done[name]["API transactions"], name


def test_a_stopped_read_is_estimated_from_what_its_ranges_have_left(
    monkeypatch: pytest.MonkeyPatch, own_server: EmulatorServer, tmp_path: Path
) -> None:
    use_env(monkeypatch, own_server.url)
    monkeypatch.setenv("INTACCT_PAGE_SIZE", "50")

    class Stop(QuietReporter):
        pages = 0

        def stored(self, stream: str, counts: object) -> None:
            self.pages += 1
            if self.pages == 6:
                raise KeyboardInterrupt

    settings = SyncSettings(("GLENTRY",), replication=ReplicationSettings(page_size=50))
    with (
        IntacctClient.from_mapping(client_config(own_server.url)) as client,
        pytest.raises(KeyboardInterrupt),
    ):
        run_sync(client, tmp_path / "intacct.duckdb", Stop(), settings)
    result = CliRunner().invoke(main, ["sync", "--objects", "GLENTRY", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    plan = table(result.stdout)["GLENTRY"]
    assert plan["read"] == "resumes a stopped read"
    done = table(CliRunner().invoke(main, ["sync", "--objects", "GLENTRY"]).stdout)["GLENTRY"]
    assert (plan["records"], plan["API transactions"]) == (done["read"], done["API transactions"])


def test_an_object_only_rest_has_is_estimated_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    """It has no count to ask: its records unknown, its cost the least a read takes (the
    dry run failed with an AssertionError on it, --objects all included)."""
    use_env(monkeypatch, server.url)
    use_oauth_app(monkeypatch)
    name = "accounts_payable_vendor_total"
    result = CliRunner().invoke(main, ["sync", "--objects", f"{name},VENDOR", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    rows = table(result.stdout)
    rest = next(row for key, row in rows.items() if key.startswith("accounts_payable_"))
    assert rest["records"] == "?" and rest["API transactions"] == "1", rows
    assert rows["VENDOR"]["records"] != "?"


def test_auto_states_each_objects_api_and_why_and_the_run_costs_what_it_said(
    monkeypatch: pytest.MonkeyPatch, own_server: EmulatorServer, tmp_path: Path
) -> None:
    """CONTRACTTYPE, whose REST twin holds every field, goes through REST where REST's
    pages (twice XML's) are fewer; VENDOR, whose twin lacks fields, through XML; without
    the OAuth app every object through XML. The dry run says each, and why."""
    use_env(monkeypatch, own_server.url)
    monkeypatch.setenv("INTACCT_PAGE_SIZE", "1")  # 3 records: 3 XML pages, 2 REST pages
    form = ("sync", "--objects", "CONTRACTTYPE,VENDOR", "--db", str(tmp_path / "x.duckdb"))
    result = CliRunner().invoke(main, [*form, "--dry-run"])
    assert "CONTRACTTYPE, VENDOR: xml (no OAuth app for REST)" in result.stderr
    use_oauth_app(monkeypatch)
    result = CliRunner().invoke(main, [*form, "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert "CONTRACTTYPE: rest (2 pages against 3 by xml)" in result.stderr
    assert re.search(r"VENDOR: xml \(REST lacks \d+ fields\)", result.stderr)
    plan = table(result.stdout)
    done = table(CliRunner().invoke(main, list(form)).stdout)
    for name in ("CONTRACTTYPE", "VENDOR", "all"):
        assert plan[name]["API transactions"] == done[name]["API transactions"], name
        assert plan[name]["records"] == done[name]["read"], name


def test_a_quiet_run_through_rest_and_a_full_table_object_cost_what_the_dry_run_said(
    monkeypatch: pytest.MonkeyPatch, own_server: EmulatorServer
) -> None:
    """Two the plan and the run disagreed on (``--api rest --objects all``): an object
    read through REST re-read its lookback window's records, unchanged, whose REST times
    (exact UTC) the XML listing (today's offset) did not match; and AUDITHISTORY, read
    whole every run, was planned with a deletes question the run does not ask; TIMETYPE,
    whose REST twin has no modified time, reads its window again, unplanned. Every
    object asked every run (``verify_every`` 0), as a run verifying each does."""
    use_env(monkeypatch, own_server.url)
    use_oauth_app(monkeypatch)
    monkeypatch.setenv("INTACCT_VERIFY_EVERY", "0")
    form = ("--api", "rest", "--objects", "AUDITHISTORY,VENDOR,CLASS,APBILL,TIMETYPE")
    result = CliRunner().invoke(main, ["sync", *form])
    assert result.exit_code == 0, result.stderr
    plan = table(CliRunner().invoke(main, ["sync", *form, "--dry-run"]).stdout)
    done = table(CliRunner().invoke(main, ["sync", *form]).stdout)
    for name in ("AUDITHISTORY", "VENDOR", "CLASS", "APBILL", "TIMETYPE", "all"):
        assert plan[name]["API transactions"] == done[name]["API transactions"], name
        assert plan[name]["records"] == done[name]["read"], name
    assert {done[name]["read"] for name in ("VENDOR", "CLASS", "APBILL")} == {"0"}
    assert plan["TIMETYPE"]["read"] == "the lookback window again (REST has no change time)"


def test_a_changed_object_rest_gives_no_change_time_costs_what_the_dry_run_said(
    monkeypatch: pytest.MonkeyPatch, own_server: EmulatorServer
) -> None:
    """TIMETYPE through REST (no modified time): once the gateway counts a change, the
    run reads the object whole by key; the plan says so, with every record and page."""
    use_env(monkeypatch, own_server.url)
    use_oauth_app(monkeypatch)
    form = ("--api", "rest", "--objects", "TIMETYPE,VENDOR")
    assert CliRunner().invoke(main, ["sync", *form]).exit_code == 0
    with IntacctClient.from_mapping(client_config(own_server.url, "DEMO")) as client:
        first = next(iter(client.iter_query("TIMETYPE", ["RECORDNO"])))
        client.update("TIMETYPE", [{"RECORDNO": first["RECORDNO"], "NAME": "Renamed"}])
        total = sum(1 for _ in client.iter_query("TIMETYPE", ["RECORDNO"]))
    plan = table(CliRunner().invoke(main, ["sync", *form, "--dry-run"]).stdout)
    before = billed(own_server)
    done = table(CliRunner().invoke(main, ["sync", *form]).stdout)
    assert plan["TIMETYPE"]["read"] == "changed: read whole by key (REST has no change time)"
    assert done["TIMETYPE"]["read"] == plan["TIMETYPE"]["records"] == str(total)
    for name in ("TIMETYPE", "VENDOR", "all"):
        assert plan[name]["API transactions"] == done[name]["API transactions"], name
    assert int(done["all"]["API transactions"]) == billed(own_server) - before


def test_objects_all_without_an_oauth_app_says_what_it_leaves_out(
    monkeypatch: pytest.MonkeyPatch, own_server: EmulatorServer, tmp_path: Path
) -> None:
    """Without an OAuth app `--objects all` reads XML's objects alone: the objects only
    REST has are named as left out, with what to add; a list of objects leaves none."""
    use_env(monkeypatch, own_server.url)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["sync", "--objects", "all", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert "the objects only the REST API has (about 400" in result.stderr, result.stderr
    assert "are left out: the connection has no OAuth app (client_id" in result.stderr
    result = CliRunner().invoke(main, ["sync", "--objects", "CLASS", "--dry-run"])
    assert result.exit_code == 0 and "left out" not in result.stderr
