"""The TRIALBALANCE stream: get_trialbalance month by month, exact amounts, resumable;
a later run reads again the months the audit trail's rows move, or the last months."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from intacct import IntacctClient
from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication import ReplicationSettings, Replicator, RunState, StreamSpec
from intacct.replication.streams.trialbalance import (
    MONTHS_PER_REQUEST,
    REREAD_MONTHS,
    THROUGH_XML,
    TRIAL_BALANCE,
    first_month,
    months,
    recent,
)
from tests.conftest import DEMO_APP

from .test_engine import ListSink

START = "2025-09-15T00:00:00Z"


@pytest.fixture(scope="module")
def client() -> Iterator[IntacctClient]:
    with InProcessEmulator(scale=300, seed=2) as emu:
        config = {**emu.config(), "timeout_s": 30}
        with IntacctClient.from_mapping(config, http_transport=emu.transport()) as client:
            yield client


def run(client: IntacctClient, state: RunState, sink: ListSink, **given: str) -> Any:
    settings = ReplicationSettings.from_mapping({"start_date": START, **given})
    return Replicator(client, settings).run([StreamSpec(TRIAL_BALANCE)], state, sink)


def this_month() -> date:
    return datetime.now(UTC).date().replace(day=1)


def test_months_run_from_the_first_to_today_with_their_last_days() -> None:
    got = list(months(date(2024, 11, 20), date(2025, 2, 3)))
    assert got == [
        (date(2024, 11, 1), date(2024, 11, 30)),
        (date(2024, 12, 1), date(2024, 12, 31)),
        (date(2025, 1, 1), date(2025, 1, 31)),
        (date(2025, 2, 1), date(2025, 2, 28)),
    ]
    assert recent(date(2024, 11, 1), date(2025, 2, 3)) == date(2024, 12, 1)
    assert recent(date(2024, 11, 1), date(2024, 12, 9)) == date(2024, 11, 1)  # not before
    assert recent(date(2020, 1, 1), date(2025, 1, 31)) == date(2024, 11, 1)
    assert first_month(None, date(2026, 5, 2)) == date(2024, 1, 1)


def test_one_record_per_month_and_account_with_the_gateways_amounts(
    client: IntacctClient,
) -> None:
    sink = ListSink()
    report = run(client, RunState(), sink)
    assert report.failed == []
    rows = [r for s, _, r in sink.records if s == TRIAL_BALANCE]
    wanted = list(months(date(2025, 9, 1), datetime.now(UTC).date()))
    assert sorted({r["PERIODSTART"] for r in rows}) == [m.isoformat() for m, _ in wanted]
    # twelve months to a request, a page (and a state) per month, and the run's close's
    # (when the audit trail's question next counts from: verify_every)
    assert report.streams[0].requests == math.ceil(len(wanted) / MONTHS_PER_REQUEST)
    assert len(sink.states) == len(wanted) + 1
    keys = [(r["PERIODSTART"], r["GLACCOUNTNO"], r["_entity_id"]) for r in rows]
    assert len(keys) == len(set(keys))
    first, last = wanted[0]
    gateway = client.get_trialbalance(first, last)
    mine = {r["GLACCOUNTNO"]: r for r in rows if r["PERIODSTART"] == first.isoformat()}
    assert len(mine) == len(gateway) > 0
    for row in gateway:
        record = mine[row["glaccountno"]]
        assert record["ENDBALANCE"] == Decimal(row["endbalance"])
        assert isinstance(record["DEBITS"], Decimal)
        assert record["PERIODEND"] == last.isoformat()
    state = sink.states[-1]["streams"][TRIAL_BALANCE][""]
    # the first month not read since it ended: this one, still open
    assert state["month"] == this_month().isoformat() and state["checked"] == state["verified"]
    assert set(state) == {"month", "checked", "verified"}


def test_a_later_run_reads_the_last_months_again_and_nothing_older(
    client: IntacctClient,
) -> None:
    """As a run verifying it does (``verify_every`` 0: every run); between, a run the
    audit trail names no GL object in reads nothing, for its one question."""
    first = ListSink()
    run(client, RunState(), first)
    quiet = run(client, RunState.from_dict(first.states[-1]), ListSink())
    assert [s.requests for s in quiet.streams] == [0] and quiet.question == 1
    second = ListSink()
    report = run(client, RunState.from_dict(first.states[-1]), second, verify_every="0")
    assert [s.requests for s in report.streams] == [1]  # the last months, one request
    periods = {r["PERIODSTART"] for _, _, r in second.records}
    assert max(periods) == this_month().isoformat() and len(periods) <= REREAD_MONTHS + 1


def test_a_stopped_run_resumes_with_the_next_month(client: IntacctClient) -> None:
    stopped = ListSink(stop_after=2)
    with pytest.raises(KeyboardInterrupt):
        run(client, RunState(), stopped)
    assert {r["PERIODSTART"] for _, _, r in stopped.records} == {"2025-09-01", "2025-10-01"}
    rest = ListSink()
    run(client, RunState.from_dict(stopped.states[-1]), rest)
    assert min(r["PERIODSTART"] for _, _, r in rest.records) == "2025-11-01"


def post_entry(emulator: InProcessEmulator, client: IntacctClient, day: date) -> int:
    """A balanced entry dated ``day``, posted (a create the audit trail lists); its key."""
    emulator.advance_clock(60)
    lines = [
        {"ACCOUNTNO": account, "TR_TYPE": kind, "TRX_AMOUNT": "12.34"}
        for account, kind in (("1010", 1), ("4000", -1))
    ]
    entry = {
        "JOURNAL": "GJ",
        "BATCH_DATE": f"{day:%m/%d/%Y}",
        "BATCH_TITLE": "tb",
        "ENTRIES": {"GLENTRY": lines},
    }
    (result,) = client.create("GLBATCH", [entry])
    return int(result.data.records[0]["RECORDNO"])


def _back(month: date, count: int) -> date:
    for _ in range(count):
        month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    return month


def test_a_run_named_by_entries_created_reads_from_the_earliest_ones_month() -> None:
    """Balances carry forward: an entry created moves its month and every later one.
    Named by creates, a run reads from the earliest one's month (one query of GLBATCH,
    a row): this month's entry, one month; a back-dated one, from its month, beyond the
    months a verifying run reads again, each month as the gateway answers it then. A
    delete (its date gone with it) reads the last months, as verification does."""
    with InProcessEmulator(scale=60, seed=4) as emulator:
        config = {**emulator.config(), "timeout_s": 30}
        with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
            sinks = [ListSink()]
            run(client, RunState(), sinks[-1])

            def again() -> tuple[Any, set[str], int]:
                billed = emulator.emulator.stats["api_transactions"]
                sinks.append(ListSink())
                state = RunState.from_dict(sinks[-2].states[-1])
                report = run(client, state, sinks[-1])
                periods = {r["PERIODSTART"] for _, _, r in sinks[-1].records}
                return report, periods, emulator.emulator.stats["api_transactions"] - billed

            this = this_month()
            post_entry(emulator, client, this)
            report, periods, billed = again()
            assert periods == {this.isoformat()}
            # the question, the query of the entries' dates, and this month
            assert (report.streams[0].requests, billed) == (2, 3)
            early = _back(this, REREAD_MONTHS + 4)
            post_entry(emulator, client, early.replace(day=10))
            _, periods, billed = again()
            wanted = [m for m, _ in months(early, datetime.now(UTC).date())]
            assert sorted(periods) == [m.isoformat() for m in wanted]
            assert billed == 2 + len(wanted)
            gateway = client.get_trialbalances(list(months(early, datetime.now(UTC).date())))
            for (start, _), rows in zip(
                months(early, datetime.now(UTC).date()), gateway, strict=True
            ):
                mine = {
                    r["GLACCOUNTNO"]: r["ENDBALANCE"]
                    for _, _, r in sinks[-1].records
                    if r["PERIODSTART"] == start.isoformat()
                }
                assert mine == {row["glaccountno"]: Decimal(row["endbalance"]) for row in rows}
            client.delete("GLBATCH", [post_entry(emulator, client, this)])
            _, periods, _ = again()
            assert sorted(periods) == [
                m.isoformat() for m in [_back(this, 2), _back(this, 1), this]
            ]


def test_api_rest_is_told_the_trial_balance_went_through_xml() -> None:
    with InProcessEmulator(scale=60, seed=4) as emulator:
        config = {**emulator.config(), **DEMO_APP, "timeout_s": 30}
        with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
            sink = ListSink()
            report = run(client, RunState(), sink, api="rest")
    assert report.failed == [] and sink.records
    assert sink.warnings == [THROUGH_XML]
