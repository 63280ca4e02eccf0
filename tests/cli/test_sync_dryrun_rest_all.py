"""``intacct sync --api rest --objects all`` (a documented form), into DuckDB: a second
run with nothing changed costs what ``--dry-run`` said before it, object by object, and
reads only what it said: nothing of an object read by change time, every record of one
read whole (AUDITHISTORY; the objects only REST has, whose records it cannot count), the
lookback window of one REST gives no change time.
What the run says it cost is what the emulator counted and billed. Long: a run reads
the demo company's every object, about 600 streams."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.emulator.server import EmulatorServer

from .conftest import billed, requested, use_env, use_oauth_app
from .tables import table

FORM = ("--api", "rest", "--objects", "all")
#: the summary's caption: "515 requests, 1,050 API transactions in 56.8 s"
_CAPTION = re.compile(r"([\d,]+) requests?, ([\d,]+) API transactions? in")


@pytest.fixture
def own_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=300, seed=11) as emulator:
        yield emulator


def sync(*args: str) -> tuple[dict[str, dict[str, str]], str]:
    result = CliRunner().invoke(main, ["sync", *FORM, *args])
    assert result.exit_code == 0, result.stderr
    return table(result.stdout), result.stdout


def number(text: str) -> int:
    return int(text.replace(",", ""))


def test_a_second_run_costs_and_reads_what_the_dry_run_said(
    monkeypatch: pytest.MonkeyPatch, own_server: EmulatorServer
) -> None:
    use_env(monkeypatch, own_server.url)
    use_oauth_app(monkeypatch)
    # every object asked every run (verify_every 0): what a verifying run does; the audit
    # trail's one question at rest: tests/cli/test_sync_at_rest.py
    monkeypatch.setenv("INTACCT_VERIFY_EVERY", "0")
    sync()
    plan, _ = sync("--dry-run")
    before, asked = billed(own_server), requested(own_server)
    done, out = sync()
    cost, sent = billed(own_server) - before, requested(own_server) - asked
    assert set(plan) == set(done) and len(plan) > 500
    spent = {name: row["API transactions"] for name, row in done.items()}
    assert {name: row["API transactions"] for name, row in plan.items()} == spent
    caption = _CAPTION.search(out)
    assert caption is not None, out[-500:]
    assert (number(caption[1]), number(caption[2])) == (sent, cost)
    assert number(plan["all"]["API transactions"]) == cost
    # incremental: what the plan says each object reads, it reads
    read = {name: row["read"] for name, row in done.items() if plan[name]["records"] != "?"}
    assert {name: plan[name]["records"] for name in read} == read
    quiet = [name for name, row in plan.items() if row["read"] == "nothing changed"]
    assert len(quiet) > 200 and all(done[name]["read"] == "0" for name in quiet)
    whole = {row["read"] for name, row in plan.items() if name not in [*quiet, "all"]}
    assert whole == {
        "first read, 1 range",  # AUDITHISTORY: no change time, read whole each run
        "3 months, a function each",  # the trial balance
        "read whole by key through REST (no count to ask)",
        # CONTACT, TIMETYPE...: no modified time through REST, so none stored to tell
        # the lookback window's records unchanged by
        "the lookback window again (REST has no change time)",
    }
    assert all(row["inserted"] == "0" for name, row in done.items() if name != "TRIALBALANCE")
