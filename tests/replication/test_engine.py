"""The engine against the emulator, which is as unkind as Intacct: no order without
orderby, records without WHENMODIFIED, WHENMODIFIED in the user's zone, 2 requests at a
time per company."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from intacct import IntacctClient
from intacct.client.pagination import PageToken
from intacct.emulator.inprocess import InProcessEmulator
from intacct.errors import AuthenticationError, IntacctError, SenderError
from intacct.replication import (
    DELETED_AT,
    ENTITY_ID,
    ReplicationSettings,
    Replicator,
    RunState,
    StateError,
    StreamPage,
    StreamSpec,
)
from tests.conftest import DEMO_APP, Reading

OBJECTS = ("VENDOR", "GLACCOUNT", "CLASS", "AUDITHISTORY")


class ListSink:
    """Keeps what the engine hands over; ``stop_after`` pages, it fails like a crash."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.records: list[tuple[str, str, dict[str, Any]]] = []
        self.tombstones: list[tuple[str, dict[str, Any]]] = []
        self.states: list[dict[str, Any]] = []
        self.warnings: list[str] = []
        self.stop_after = stop_after

    def page(self, page: StreamPage) -> None:
        if self.stop_after is not None and len(self.states) >= self.stop_after:
            raise KeyboardInterrupt  # the process dies: this page is never stored
        self.records += [(page.stream, page.entity, r) for r in page.records]
        self.tombstones += [(page.stream, t) for t in page.tombstones]
        self.states.append(page.state)

    def warning(self, stream: str, text: str) -> None:
        self.warnings.append(text)

    def keys(self, stream: str) -> list[int]:
        return [int(r["RECORDNO"]) for s, _, r in self.records if s == stream]


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=400) as emu:
        yield emu


def connect(emulator: InProcessEmulator, company: str = "DEMO", **extra: Any) -> IntacctClient:
    # with the demo's OAuth app: a run with api rest reads records through REST
    config = {**emulator.config(company), **DEMO_APP, **extra}
    return IntacctClient.from_mapping(config, http_transport=emulator.transport())


def truth(client: IntacctClient, obj: str) -> list[int]:
    return sorted(int(r["RECORDNO"]) for r in client.iter_query(obj, ["RECORDNO"]))


def run(
    client: IntacctClient,
    state: RunState,
    sink: ListSink,
    objects: tuple[str, ...] = OBJECTS,
    page_size: int = 37,
    columnar: bool = False,
    **settings: Any,
) -> Any:
    # exact bookmarks: no window (ListSink cannot tell what it stores, so a lookback
    # would re-read it in full); the lookback has its own tests (test_lookback_digest.py)
    settings.setdefault("lookback_minutes", 0)
    engine = Replicator(
        client,
        ReplicationSettings.from_mapping(settings),
        page_size=page_size,
        max_concurrency=2,
        columnar=columnar,
    )
    return engine.run([StreamSpec(o) for o in objects], state, sink)


def test_every_record_exactly_once_including_those_without_whenmodified(
    emulator: InProcessEmulator,
    reading: Reading,
) -> None:
    with connect(emulator) as client:
        sink = ListSink()
        report = run(client, RunState(), sink, **reading)
        assert report.failed == []
        for obj in OBJECTS:
            assert sorted(sink.keys(obj)) == truth(client, obj), obj
        blank = [r for s, _, r in sink.records if s == "VENDOR" and r["WHENMODIFIED"] is None]
        assert blank  # the demo company has vendors without WHENMODIFIED, as production
        stamp = next(r for s, _, r in sink.records if s == "VENDOR" and r["WHENMODIFIED"])
        assert stamp["WHENMODIFIED"].endswith("Z") and stamp[ENTITY_ID] == ""


def test_a_second_run_emits_exactly_the_changes(
    emulator: InProcessEmulator, reading: Reading
) -> None:
    with connect(emulator) as client:
        first = ListSink()
        run(client, RunState(), first, ("VENDOR",), **reading)
        state = RunState.from_dict(first.states[-1])
        vendors = [r for _, _, r in first.records]
        changed, gone = vendors[3], vendors[5]
        client.update("VENDOR", [{"RECORDNO": changed["RECORDNO"], "NAME": "Renamed Ltd"}])
        client.create("VENDOR", [{"VENDORID": "ENG-NEW", "NAME": "New Ltd"}])
        client.delete("VENDOR", [gone["RECORDNO"]])
        second = ListSink()
        run(client, state, second, ("VENDOR",), **reading)
    assert sorted(r["VENDORID"] for _, _, r in second.records) == sorted(
        [changed["VENDORID"], "ENG-NEW"]
    )
    assert [t for _, t in second.tombstones] == [
        {"VENDORID": gone["VENDORID"], DELETED_AT: second.tombstones[0][1][DELETED_AT]}
    ]


def test_a_run_killed_after_any_page_resumes_with_nothing_lost_or_repeated(
    emulator: InProcessEmulator,
    reading: Reading,
) -> None:
    with connect(emulator) as client:
        expected = truth(client, "GLACCOUNT")
        for stop in (1, 4, 9):
            sink, state = ListSink(stop_after=stop), RunState()
            with pytest.raises(KeyboardInterrupt):
                run(client, state, sink, ("GLACCOUNT",), page_size=5, **reading)
            resumed = ListSink()
            run(
                client,
                RunState.from_dict(sink.states[-1]),
                resumed,
                ("GLACCOUNT",),
                page_size=5,
                **reading,
            )
            seen = sink.keys("GLACCOUNT") + resumed.keys("GLACCOUNT")
            assert sorted(seen) == expected, stop


def test_timestamp_ties_across_a_page_boundary_survive(
    emulator: InProcessEmulator, reading: Reading
) -> None:
    with connect(emulator) as client:
        first = ListSink()
        run(client, RunState(), first, ("CLASS",), **reading)
        state = RunState.from_dict(first.states[-1])
        # one request writes them all: they share WHENMODIFIED to the second
        client.create("CLASS", [{"CLASSID": f"TIE-{n}", "NAME": f"t{n}"} for n in range(90)])
        second = ListSink()
        # 37 a page: the ties span three pages
        run(client, state, second, ("CLASS",), **reading)
    ids = [r["CLASSID"] for _, _, r in second.records]
    assert sorted(ids) == sorted(f"TIE-{n}" for n in range(90))


def test_a_company_far_from_utc_loses_nothing_at_the_bookmark_edge(
    emulator: InProcessEmulator,
    reading: Reading,
) -> None:
    emulator.configure_company("DEMO", timezone="Pacific/Kiritimati")  # UTC+14
    with connect(emulator) as client:
        first = ListSink()
        run(client, RunState(), first, ("CLASS",), **reading)
        state = RunState.from_dict(first.states[-1])
        client.create("CLASS", [{"CLASSID": "EDGE-1", "NAME": "edge"}])
        second = ListSink()
        run(client, state, second, ("CLASS",), **reading)
        third = ListSink()
        run(client, RunState.from_dict(second.states[-1]), third, ("CLASS",), **reading)
    assert [r["CLASSID"] for _, _, r in second.records] == ["EDGE-1"]
    # nothing new; the bookmark's second is recent, so it is read again (no loss)
    assert [r["CLASSID"] for _, _, r in third.records] in ([], ["EDGE-1"])


def test_a_recent_bookmark_keeps_only_its_second(
    emulator: InProcessEmulator, reading: Reading
) -> None:
    """A record written later in the bookmark's second with a smaller RECORDNO sorts
    before a (second, RECORDNO) bookmark: a recent bookmark must not exclude it."""
    with connect(emulator) as client:
        first = ListSink()
        run(client, RunState(), first, ("CLASS",), **reading)
        client.create("CLASS", [{"CLASSID": "NOW-1", "NAME": "now"}])
        second = ListSink()
        run(client, RunState.from_dict(first.states[-1]), second, ("CLASS",), **reading)
        old = RunState.from_dict(first.states[-1]).get("CLASS", "").token
    recent = PageToken.parse(second.states[-1]["streams"]["CLASS"][""]["token"])
    assert recent.recordno == 0 and recent.modified is not None
    assert PageToken.parse(old or "").recordno > 0  # the seed's history is settled


def test_a_forbidden_object_fails_alone(emulator: InProcessEmulator, reading: Reading) -> None:
    emulator.store.identities.configure_user("DEMO", "demo_user", denied_modules=["AP"])
    with connect(emulator) as client:
        sink = ListSink()
        report = run(client, RunState(), sink, ("APBILL", "CLASS"), **reading)
    (failed,) = report.failed
    assert failed.object == "APBILL" and "permission" in str(failed.error).lower()
    assert sorted(sink.keys("CLASS")) and any("APBILL" in w for w in sink.warnings)


class _Withdrawn(ListSink):
    """A sink during whose first page the company withdraws the connection."""

    def __init__(self, withdraw: Callable[[], object]) -> None:
        super().__init__()
        self.withdraw = withdraw
        self.sent_then = 0
        self.client: IntacctClient | None = None

    def page(self, page: StreamPage) -> None:
        super().page(page)
        if len(self.states) == 1:
            self.withdraw()
            assert self.client is not None
            self.sent_then = self.client.requests_sent


@pytest.mark.parametrize(
    ("withdrawal", "raised"),
    [("sender revoked", SenderError), ("user locked out", AuthenticationError)],
)
def test_the_company_refusing_the_connection_ends_the_run_at_once(
    emulator: InProcessEmulator, withdrawal: str, raised: type[IntacctError]
) -> None:
    """Every stream would fail alike: the run stops, raising the one error; no stream
    fails on its own, and the pages stored before stay (the next run goes on from them,
    nothing lost or repeated)."""
    store = emulator.store.identities
    withdraw, undo = {
        "sender revoked": (
            lambda: store.authorize_sender("demo_sender", ["DEMO-ME"]),
            lambda: store.authorize_sender("demo_sender", ["DEMO", "DEMO-ME"]),
        ),
        "user locked out": (
            lambda: store.configure_user("DEMO", "demo_user", web_services=False),
            lambda: store.configure_user("DEMO", "demo_user", web_services=True),
        ),
    }[withdrawal]
    objects = ("GLACCOUNT", "VENDOR", "CLASS", "CUSTOMER", "DEPARTMENT", "LOCATION")
    with connect(emulator) as client:
        sink = _Withdrawn(withdraw)
        sink.client = client
        with pytest.raises(raised):
            run(client, RunState(), sink, objects, page_size=5)
        assert sink.warnings == []  # no stream failed on its own
        # the requests in flight then, and for each at most a sign-in again (a session
        # refused is renewed once: a locked-out user's is): nothing else was asked
        assert client.requests_sent - sink.sent_then <= 8
        undo()
        resumed = ListSink()
        report = run(client, RunState.from_dict(sink.states[-1]), resumed, objects, page_size=5)
        assert report.failed == []
        for obj in objects:
            assert sorted(sink.keys(obj) + resumed.keys(obj)) == truth(client, obj), obj


def test_entities_all_reads_each_entity_with_its_id(
    emulator: InProcessEmulator, reading: Reading
) -> None:
    with connect(emulator, "DEMO-ME") as client:
        sink = ListSink()
        report = run(client, RunState(), sink, ("VENDOR",), entity_ids="all", **reading)
        assert report.failed == []
        entities = {e for _, e, _ in sink.records}
        assert entities == {"E100", "E200"}
        for entity in entities:
            with client.for_entity(entity) as scoped:
                mine = [int(r["RECORDNO"]) for s, e, r in sink.records if e == entity]
                assert sorted(mine) == truth(scoped, "VENDOR"), entity
        assert all(r[ENTITY_ID] == e for _, e, r in sink.records)


@pytest.mark.parametrize(
    "bad",
    [
        {"version": 2},
        {"version": 1, "streams": {"VENDOR": {"": {"token": "nope"}}}},
        {"version": 1, "streams": {"VENDOR": {"": {"colour": 1}}}},
        {"version": 1, "streams": {"VENDOR": {"": {"deletes": {"ID": 1}}}}},
        {"version": 1, "streams": {"VENDOR": {"": {"dds": {"job": "12"}}}}},
        {"version": 1, "streams": {"VENDOR": {"": {"dds": {"job": 12, "bucket": "b"}}}}},
        {"version": 1, "streams": {"VENDOR": {"": {"dds": {"job": 12, "read": "2026-11-30"}}}}},
    ],
)
def test_a_broken_state_names_what_is_wrong(bad: dict[str, Any]) -> None:
    with pytest.raises(StateError) as info:
        RunState.from_dict(bad)
    assert isinstance(info.value, IntacctError)
    assert "version" in str(info.value) or "VENDOR" in str(info.value)


def test_a_field_the_gateway_refuses_is_dropped_with_a_warning(
    emulator: InProcessEmulator,
    columnar: bool,
) -> None:
    with connect(emulator) as client:
        sink = ListSink()
        report = run(client, RunState(), sink, ("USERINFO",), columnar=columnar)
        assert report.failed == []
        assert sorted(sink.keys("USERINFO")) == truth(client, "USERINFO")
    (warning,) = sink.warnings
    assert "USERLOCATIONS" in warning and "left out" in warning
    assert all("USERLOCATIONS" not in r for _, _, r in sink.records)


def test_values_are_typed_exactly(emulator: InProcessEmulator, columnar: bool) -> None:
    with connect(emulator) as client:
        sink = ListSink()
        run(client, RunState(), sink, ("APBILL",), columnar=columnar)
    bill = next(r for _, _, r in sink.records if r["TOTALENTERED"] is not None)
    assert isinstance(bill["TOTALENTERED"], Decimal)
    assert isinstance(bill["RECORDNO"], int)
    assert len(bill["WHENDUE"]) == 10 and bill["WHENCREATED"].endswith("Z")


def test_a_first_run_splits_big_objects_into_ranges_of_full_pages(
    emulator: InProcessEmulator,
    columnar: bool,
) -> None:
    with connect(emulator, max_concurrency=4) as client:
        sink = ListSink()
        engine = Replicator(client, page_size=50, columnar=columnar)
        report = engine.run([StreamSpec("GLENTRY")], RunState(), sink)
        assert report.failed == []
        assert sorted(sink.keys("GLENTRY")) == truth(client, "GLENTRY")
    ranges = [s["streams"]["GLENTRY"][""].get("ranges") for s in sink.states]
    assert 4 < max(len(r) for r in ranges if r) <= 8  # about 2 per worker
    # the ranges start at boundaries found by offset: no page is split between two
    pages = [s for s in sink.states if "ranges" in s["streams"]["GLENTRY"][""]]
    assert len(pages) == math.ceil(len(sink.keys("GLENTRY")) / 50)
    final = sink.states[-1]["streams"]["GLENTRY"][""]
    assert "ranges" not in final and final["nulls_done"] is True and "token" in final


def test_planning_asks_for_every_object_in_one_request(
    emulator: InProcessEmulator, columnar: bool
) -> None:
    objects = ("GLENTRY", "VENDOR", "GLACCOUNT", "APBILL", "CLASS")
    before = dict(emulator.emulator.stats)
    with connect(emulator) as client:
        sink = ListSink()
        report = run(client, RunState(), sink, objects, page_size=2000, columnar=columnar)
    assert report.failed == []
    asked = {k: emulator.emulator.stats[k] - before.get(k, 0) for k in ("requests", "lookup")}
    # a session, the lookups (one request), the user's formatting, one planning request
    # (none needs splitting: no boundaries to ask for) and one page per object
    assert asked == {"requests": 4 + len(objects), "lookup": len(objects)}


def test_a_second_run_with_nothing_changed_asks_the_company_once(
    emulator: InProcessEmulator,
    columnar: bool,
) -> None:
    objects = ("VENDOR", "GLACCOUNT", "CLASS")
    with connect(emulator) as client:
        first = ListSink()
        run(client, RunState(), first, objects, columnar=columnar, verify_every="1d")
        before = dict(emulator.emulator.stats)
        second = ListSink()
        state = RunState.from_dict(first.states[-1])
        report = run(client, state, second, objects, columnar=columnar, verify_every="1d")
    assert second.records == [] and second.tombstones == []
    assert [s.requests for s in report.streams] == [0, 0, 0]
    assert [s.transactions for s in report.streams] == [0, 0, 0]
    assert report.question == 1  # the audit trail: what changed since the last run?
    billed = emulator.emulator.stats["api_transactions"] - before["api_transactions"]
    assert billed == 1
    asked = emulator.emulator.stats["requests"] - before["requests"]
    assert asked == 2  # the lookups (a new registry) and the question: the client has the rest
    assert second.states == []  # a company at rest: no state moved


def test_verify_every_zero_asks_every_object_every_run(
    emulator: InProcessEmulator, columnar: bool
) -> None:
    objects = ("VENDOR", "GLACCOUNT", "CLASS")
    with connect(emulator) as client:
        first = ListSink()
        run(client, RunState(), first, objects, columnar=columnar, verify_every=0)
        second = ListSink()
        state = RunState.from_dict(first.states[-1])
        report = run(client, state, second, objects, columnar=columnar, verify_every=0)
    assert [s.transactions for s in report.streams] == [2, 2, 2]  # changed? deleted?
    assert report.question == 0


def test_a_second_run_reads_only_the_objects_that_changed(
    emulator: InProcessEmulator, reading: Reading
) -> None:
    with connect(emulator) as client:
        first = ListSink()
        run(client, RunState(), first, ("VENDOR", "CLASS"), **reading)
        client.create("CLASS", [{"CLASSID": "PROBE-1", "NAME": "Probed"}])
        second = ListSink()
        report = run(
            client,
            RunState.from_dict(first.states[-1]),
            second,
            ("VENDOR", "CLASS"),
            **reading,
        )
    assert [r["CLASSID"] for s, _, r in second.records if s == "CLASS"] == ["PROBE-1"]
    # CLASS: its page of changes; the deletes the probe counted none of are not read
    assert {s.object: s.requests for s in report.streams} == {"VENDOR": 0, "CLASS": 1}


def test_a_first_run_with_start_date_reads_what_changed_since_then(
    emulator: InProcessEmulator,
    reading: Reading,
) -> None:
    with connect(emulator) as client:
        formatting = client.user_formatting()
        rows = list(client.iter_query("APBILL", ["RECORDNO", "WHENMODIFIED"]))
        stamps = sorted(
            formatting.decode_timestamp(r["WHENMODIFIED"]) for r in rows if r["WHENMODIFIED"]
        )
        start = stamps[len(stamps) // 2]
        sink = ListSink()
        report = run(client, RunState(), sink, ("APBILL",), start_date=start.isoformat(), **reading)
    assert report.failed == []
    got = sink.keys("APBILL")
    assert len(got) == len(set(got))
    changed = {
        int(r["RECORDNO"])
        for r in rows
        if not r["WHENMODIFIED"] or formatting.decode_timestamp(r["WHENMODIFIED"]) >= start
    }
    assert set(got) == changed and len(changed) < len(rows)


def test_progress_tells_every_pages_records_requests_and_bytes(
    emulator: InProcessEmulator,
    columnar: bool,
) -> None:
    calls: list[tuple[str, str, int, int, int]] = []
    with connect(emulator) as client:
        sink = ListSink()
        engine = Replicator(
            client, page_size=3, progress=lambda *a: calls.append(a), columnar=columnar
        )
        engine.run([StreamSpec("VENDOR")], RunState(), sink)
    assert sum(c[2] for c in calls) == len(sink.keys("VENDOR")) > 3
    assert all(stream == "VENDOR" and size > 100 * records for stream, _, records, _, size in calls
               if records)  # fmt: skip
    assert [c[3] for c in calls] == list(range(1, len(calls) + 1))


class LinesSink(ListSink):
    """A sink that can name the lines it holds (as a database can): the records it kept,
    less those tombstoned."""

    def stored_lines(
        self, stream: str, entity: str, field: str, documents: list[int]
    ) -> dict[int, list[Any]]:
        gone = {t["RECORDNO"] for s, t in self.tombstones if s == stream}
        held: dict[int, list[Any]] = {}
        for s, e, r in self.records:
            if s == stream and e == entity and r[field] in documents and r["RECORDNO"] not in gone:
                held.setdefault(r[field], []).append(r["RECORDNO"])
        return held


LINES = ("APBILL", "APBILLITEM", "GLBATCH", "GLENTRY", "GLDETAIL")


def _delete_a_bill_and_an_entry(client: IntacctClient) -> tuple[int, int]:
    bill = next(client.iter_query("APBILL", ["RECORDNO"]))["RECORDNO"]
    batch = next(client.iter_query("GLDETAIL", ["BATCHKEY"]))["BATCHKEY"]
    client.delete("APBILL", [bill])
    client.delete("GLBATCH", [batch])
    return int(bill), int(batch)


def test_a_deleted_documents_lines_are_tombstoned_with_it(emulator: InProcessEmulator) -> None:
    """AUDITHISTORY names a deleted bill or journal entry alone, not its lines (nor the
    entry's GLDETAIL rows): the engine reads the document's deletes with the lines' and
    tombstones the lines the sink holds, at the document's delete time."""
    with connect(emulator) as client:
        sink = LinesSink()
        run(client, RunState(), sink, LINES)
        bill, batch = _delete_a_bill_and_an_entry(client)
        run(client, RunState.from_dict(sink.states[-1]), sink, LINES)
        gone = {s: {t["RECORDNO"] for u, t in sink.tombstones if u == s} for s in LINES}
        for stream in LINES:  # what the sink holds live is what Intacct has
            live = set(sink.keys(stream)) - {int(k) for k in gone[stream]}
            assert sorted(live) == truth(client, stream), stream
    lines = {
        stream: {r["RECORDNO"] for s, _, r in sink.records if s == stream and r[field] == key}
        for stream, field, key in (
            ("APBILLITEM", "RECORDKEY", bill),
            ("GLENTRY", "BATCHKEY", batch),
            ("GLDETAIL", "BATCHKEY", batch),
        )
    }
    for stream, keys in lines.items():
        assert keys and gone[stream] == keys, stream
    bill_deleted = next(t[DELETED_AT] for s, t in sink.tombstones if s == "APBILL")
    assert {t[DELETED_AT] for s, t in sink.tombstones if s == "APBILLITEM"} == {bill_deleted}


def test_a_sink_that_cannot_name_its_lines_is_told_so_once(emulator: InProcessEmulator) -> None:
    with connect(emulator) as client:
        sink = ListSink()
        run(client, RunState(), sink, LINES)
        _delete_a_bill_and_an_entry(client)
        run(client, RunState.from_dict(sink.states[-1]), sink, LINES)
    said = sorted(w.split(":")[0] for w in sink.warnings if "lines of deleted" in w)
    assert said == ["APBILLITEM", "GLDETAIL", "GLENTRY"], sink.warnings
    assert {s for s, _ in sink.tombstones} == {"APBILL", "GLBATCH"}


def test_an_entrys_replaced_lines_leave_gldetail(emulator: InProcessEmulator) -> None:
    """An update of a posted journal entry replaces its lines: the old GLENTRY lines are
    deleted (and audited as such) and their GLDETAIL rows leave the view unaudited; the
    engine tombstones those rows by their line (GLDETAIL's ENTRYKEY)."""
    streams = ("GLBATCH", "GLENTRY", "GLDETAIL")
    with connect(emulator) as client:
        sink = LinesSink()
        run(client, RunState(), sink, streams)
        batch = next(client.iter_query("GLDETAIL", ["BATCHKEY"]))["BATCHKEY"]
        lines = [
            {"ACCOUNTNO": account, "TR_TYPE": tr_type, "TRX_AMOUNT": "12.34"}
            for account, tr_type in (("6620", 1), ("1010", -1))
        ]
        entry = {"RECORDNO": batch, "STATE": "Posted", "ENTRIES": {"GLENTRY": lines}}
        client.update("GLBATCH", [entry])
        run(client, RunState.from_dict(sink.states[-1]), sink, streams)
        for stream in streams:
            gone = {int(t["RECORDNO"]) for s, t in sink.tombstones if s == stream}
            live = {k for k in sink.keys(stream) if k not in gone}
            assert sorted(live) == truth(client, stream), stream
