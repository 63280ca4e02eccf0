"""Records read through the REST API land as the XML read's (api rest and auto), and
one state serves both APIs: a stream switched between them between runs, or killed
under one and resumed under the other, loses and repeats nothing."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.emulator.inprocess import InProcessEmulator
from intacct.errors import ConfigError
from intacct.logging import HistoryHook
from intacct.replication import ReplicationSettings, Replicator, RunState, StreamSpec
from intacct.replication.catalog import DEFAULT_OBJECTS
from intacct.replication.streams.rest import rest_fields, rest_object
from intacct.sync import run_sync
from intacct.sync.display import QuietReporter
from intacct.sync.job import select_objects
from tests.conftest import DEMO_APP
from tests.replication.test_engine import ListSink, connect, run, truth
from tests.sync.test_sync import settings_of

OBJECTS = tuple(o for o in DEFAULT_OBJECTS if rest_object(o))
#: the user's zone as the company's: XML's timestamps decoded right the year round
ZONE = {"timezone": "America/Los_Angeles"}
#: an object only REST has
TOTALS = "accounts_payable_vendor_total"


@pytest.fixture(scope="module")
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=3000) as emu:
        yield emu


def _by_key(sink: ListSink, obj: str) -> dict[int, dict[str, Any]]:
    return {int(r["RECORDNO"]): r for s, _, r in sink.records if s == obj}


def _paired(client: IntacctClient, obj: str) -> set[str]:
    """The XML fields REST holds, in the company's catalog (custom fields included)."""
    registry = ObjectRegistry(client)
    packaged = rest_object(obj)
    assert packaged is not None
    target = rest_object(obj, registry.rest.catalog([packaged.path]))
    assert target is not None
    info = registry.get(obj)
    return set(rest_fields(target, info)) & set(info.queryable_fields)


def test_every_default_object_reads_the_same_through_rest(emulator: InProcessEmulator) -> None:
    with connect(emulator, **ZONE) as client:
        xml, rest = ListSink(), ListSink()
        assert run(client, RunState(), xml, OBJECTS, page_size=500).failed == []
        report = run(client, RunState(), rest, OBJECTS, page_size=500, api="rest")
        assert report.failed == []
        for obj in OBJECTS:
            paired = _paired(client, obj)
            left, right = _by_key(xml, obj), _by_key(rest, obj)
            assert left and sorted(left) == sorted(right), obj
            for key, record in left.items():
                through_rest = right[key]
                assert set(through_rest) == set(record), (obj, key)
                for name, value in record.items():
                    if name in paired or name == "_entity_id":
                        assert through_rest[name] == value, (obj, key, name)
                    else:
                        assert through_rest[name] is None, (obj, key, name)
    # what REST cannot fill is said once per object, by name
    vendor = [w for w in rest.warnings if w.startswith("VENDOR:")]
    assert len(vendor) == 1 and "no equivalent of" in vendor[0] and "api auto" in vendor[0]


def _rest_objects(history: HistoryHook) -> set[str]:
    """The REST objects queried, from the client's record of its exchanges."""
    bodies = [json.loads(e.request) for e in history.exchanges if e.request.startswith("{")]
    return {b["object"] for b in bodies if "object" in b}


def test_auto_reads_through_xml_what_both_serve_and_through_rest_what_only_rest_has(
    emulator: InProcessEmulator,
) -> None:
    """auto, the default: XML where REST would cost as many API transactions (measured
    no faster: BENCHMARKS.md), even for a stream narrowed to fields REST has; REST's own
    objects through REST."""
    history = HistoryHook(size=1000)
    config = {**emulator.config(), **DEMO_APP, **ZONE}
    transport = emulator.transport()
    with IntacctClient.from_mapping(config, http_transport=transport, history=history) as client:
        paired = sorted(_paired(client, "CLASS"))
        sink = ListSink()
        settings = ReplicationSettings.from_mapping({"lookback_minutes": 0})
        assert settings.api == "auto"
        specs = [StreamSpec("CLASS", fields=paired), StreamSpec("VENDOR"), StreamSpec(TOTALS)]
        report = Replicator(client, settings, page_size=500).run(specs, RunState(), sink)
        assert report.failed == []
        # said only of REST's own object: a ListSink cannot name the keys it holds, so
        # its deletes are not marked (tests/sync/test_rest_only_deletes.py)
        assert [w.split(":")[0] for w in sink.warnings] == [TOTALS]
        assert _rest_objects(history) == {"accounts-payable/vendor-total"}
        for obj in ("CLASS", "VENDOR"):
            assert sorted(_by_key(sink, obj)) == truth(client, obj), obj


def _routes(report: Any) -> dict[str, str]:
    return {r.object: r.route for r in report.streams}


def test_auto_reads_through_rest_what_rest_serves_whole_in_fewer_pages(
    emulator: InProcessEmulator,
) -> None:
    """GLENTRY narrowed to the fields REST holds, bigger than a page: REST's pages hold
    twice XML's, so auto reads it through REST, into the very rows XML reads, for fewer
    API transactions, as the estimate said; VENDOR, whose fields REST lacks, stays XML;
    a later run's few changes cost one page either way: XML."""
    history = HistoryHook(size=1000)
    config = {**emulator.config(), **DEMO_APP, **ZONE}
    transport = emulator.transport()
    with IntacctClient.from_mapping(config, http_transport=transport, history=history) as client:
        fields = sorted(_paired(client, "GLENTRY"))
        specs = [StreamSpec("GLENTRY", fields=fields), StreamSpec("VENDOR")]
        total = len(truth(client, "GLENTRY"))
        assert 500 < total <= 1000  # two XML pages, one REST page
        settings = ReplicationSettings.from_mapping({"lookback_minutes": 0})
        engine = Replicator(client, settings, page_size=500, max_concurrency=2)
        state, auto = RunState(), ListSink()
        plan = {e.object: e for e in engine.estimate(specs, state)}
        report = engine.run(specs, state, auto)
        assert report.failed == []
        routes = _routes(report)
        assert routes["GLENTRY"] == plan["GLENTRY"].route == "rest (1 page against 2 by xml)"
        vendor = ObjectRegistry(client).get("VENDOR").queryable_fields
        lacks = len(set(vendor) - _paired(client, "VENDOR"))  # its custom fields held
        assert routes["VENDOR"] == plan["VENDOR"].route == f"xml (REST lacks {lacks} fields)"
        glentry = rest_object("GLENTRY")
        assert glentry is not None and _rest_objects(history) == {glentry.path}
        xml_settings = ReplicationSettings.from_mapping({"lookback_minutes": 0, "api": "xml"})
        xml = ListSink()
        by_xml = Replicator(client, xml_settings, page_size=500, max_concurrency=2).run(
            specs, RunState(), xml
        )
        assert _routes(by_xml)["GLENTRY"] == "xml (api xml)"
        for obj in ("GLENTRY", "VENDOR"):
            assert _by_key(auto, obj) == _by_key(xml, obj), obj
        spent = {r.object: r.transactions for r in report.streams}
        assert spent["GLENTRY"] == plan["GLENTRY"].transactions
        assert spent["GLENTRY"] < {r.object: r.transactions for r in by_xml.streams}["GLENTRY"]
        # verified (verify_every 0: every run): asked, not left quiet by the audit trail
        every = replace(settings, verify_every=timedelta(0))
        later = Replicator(client, every, page_size=500, max_concurrency=2).run(
            specs, state, ListSink()
        )
        assert _routes(later)["GLENTRY"] == "xml (1 page either way; REST measured no faster)"


def test_auto_routes_a_later_run_by_its_changes() -> None:
    """CONTRACTTYPE (its REST twin holds every field) in pages of 1: its 3 records take
    2 REST pages against 3 XML ones, a first read and a later run changing all three
    alike; one change is a page either way: XML. Every run reads exactly the changes
    (the third's include the second's: a bookmark this recent is read again)."""
    with InProcessEmulator(scale=400) as emu, connect(emu, **ZONE) as client:
        keys = truth(client, "CONTRACTTYPE")
        assert len(keys) == 3
        state, routes = RunState(), []
        for changed in (keys, keys[:1], keys):
            if state.snapshot() != RunState().snapshot():  # a later run: its changes
                updates = [{"RECORDNO": k, "STATUS": "active"} for k in changed]
                client.update("CONTRACTTYPE", updates)
            sink = ListSink()
            report = run(client, state, sink, ("CONTRACTTYPE",), page_size=1)
            assert report.failed == [] and sorted(_by_key(sink, "CONTRACTTYPE")) == changed
            routes.append(_routes(report)["CONTRACTTYPE"])
            state = RunState.from_dict(sink.states[-1])
        many, few = (
            "rest (2 pages against 3 by xml)",
            "xml (1 page either way; REST measured no faster)",
        )
        assert routes == [many, few, many]


def test_without_an_oauth_app_rest_is_refused_once_before_any_request_and_auto_reads_xml(
    emulator: InProcessEmulator,
) -> None:
    with IntacctClient.from_mapping(
        emulator.config(), http_transport=emulator.transport()
    ) as client:
        refused, read = ListSink(), ListSink()
        state = RunState()
        with pytest.raises(ConfigError) as info:
            run(client, state, refused, ("CLASS", "VENDOR"), api="rest")
        assert info.value.key == "client_id" and "client_secret" in str(info.value)
        assert client.requests_sent == 0 and not refused.records and not refused.warnings
        assert state.snapshot() == RunState().snapshot()  # not even claimed
        report = run(client, RunState(), read, ("CLASS", "VENDOR"), page_size=1, api="auto")
        assert report.failed == []
        assert set(_routes(report).values()) == {"xml (no OAuth app for REST)"}
        assert sorted(_by_key(read, "CLASS")) == truth(client, "CLASS")


@pytest.mark.parametrize("order", [("xml", "rest", "xml"), ("rest", "xml", "rest")])
def test_switching_api_between_runs_reads_exactly_the_changes(
    order: tuple[str, str, str],
) -> None:
    with InProcessEmulator(scale=400) as emu, connect(emu, **ZONE) as client:
        first = ListSink()
        run(client, RunState(), first, ("VENDOR", "CLASS"), api=order[0])
        state = RunState.from_dict(first.states[-1])
        vendors = [r for s, _, r in first.records if s == "VENDOR"]
        before: set[str] = set()  # the last run's changes
        for step, api in enumerate(order[1:]):
            client.update("VENDOR", [{"RECORDNO": vendors[step]["RECORDNO"], "NAME": "Renamed"}])
            client.create("CLASS", [{"CLASSID": f"SWITCH-{step}", "NAME": "new"}])
            client.delete("VENDOR", [vendors[step + 4]["RECORDNO"]])
            later = ListSink()
            assert run(client, state, later, ("VENDOR", "CLASS"), api=api).failed == []
            changed = {str(r.get("VENDORID") or r.get("CLASSID")) for _, _, r in later.records}
            expected = {vendors[step]["VENDORID"], f"SWITCH-{step}"}
            # a bookmark within minutes of now is kept to its second, which the next
            # run reads again (engine.md): the last run's changes may come twice
            assert expected <= changed <= expected | before, api
            gone = [t["VENDORID"] for _, t in later.tombstones]
            assert vendors[step + 4]["VENDORID"] in gone, api
            state, before = RunState.from_dict(later.states[-1]), expected


@pytest.mark.parametrize("apis", [("xml", "rest"), ("rest", "xml")])
def test_a_first_run_killed_under_one_api_resumes_under_the_other(
    emulator: InProcessEmulator, apis: tuple[str, str]
) -> None:
    with connect(emulator, **ZONE) as client:
        expected = truth(client, "GLACCOUNT")
        for stop in (1, 4, 9):
            sink = ListSink(stop_after=stop)
            with pytest.raises(KeyboardInterrupt):
                run(client, RunState(), sink, ("GLACCOUNT",), page_size=5, api=apis[0])
            resumed = ListSink()
            state = RunState.from_dict(sink.states[-1])
            run(client, state, resumed, ("GLACCOUNT",), page_size=5, api=apis[1])
            seen = sink.keys("GLACCOUNT") + resumed.keys("GLACCOUNT")
            assert sorted(seen) == expected, (apis, stop)


# -- objects only REST has ------------------------------------------------------------


def _vendor_totals(client: IntacctClient) -> dict[str, Decimal]:
    """Each vendor's bills' TOTALDUE summed, read through XML."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for bill in client.iter_query("APBILL", ["VENDORID", "TOTALDUE"]):
        totals[bill["VENDORID"]] += Decimal(bill["TOTALDUE"] or 0)
    return totals


def test_a_rest_only_object_syncs_whole_and_agrees_with_xml(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "rest-only.duckdb"
    with connect(emulator) as client:
        report = run_sync(client, db, QuietReporter(), settings_of([TOTALS, "VENDOR"], api="xml"))
        assert report.failed == []
        vendors = {r["VENDORID"] for r in client.iter_query("VENDOR", ["VENDORID"])}
        totals = _vendor_totals(client)
        # whole again, when verified (verify_every 0: every run)
        again = run_sync(
            client, db, QuietReporter(), settings_of([TOTALS], verify_every=timedelta(0))
        )
    with duckdb.connect(str(db), read_only=True) as con:
        query = 'SELECT "id", "totalDue", "vendor.id" FROM "accounts_payable_vendor_total"'
        rows = con.execute(query).fetchall()
    # one row per vendor (REST's object, read whatever api says), its total the sum of its
    # bills as XML reads them: both APIs over the same records
    assert {row[0] for row in rows} == vendors and len(rows) == len(vendors)
    assert all(total == totals.get(vendor, Decimal(0)) for vendor, total, _ in rows)
    assert all(vendor == ref for vendor, _, ref in rows)
    assert again.objects[0].read == len(vendors)


def test_a_rest_only_object_stopped_halfway_goes_on_after_its_last_key(
    emulator: InProcessEmulator,
) -> None:
    with connect(emulator) as client:
        everything = ListSink()
        run(client, RunState(), everything, (TOTALS,), page_size=7)
        keys = [r["key"] for _, _, r in everything.records]
        stopped = ListSink(stop_after=2)
        with pytest.raises(KeyboardInterrupt):
            run(client, RunState(), stopped, (TOTALS,), page_size=7)
        rest = ListSink()
        run(client, RunState.from_dict(stopped.states[-1]), rest, (TOTALS,), page_size=7)
    seen = [r["key"] for _, _, r in stopped.records + rest.records]
    assert seen == keys and len(set(keys)) == len(keys) > 14


def test_rest_only_objects_are_listed_where_rest_is_open(emulator: InProcessEmulator) -> None:
    with connect(emulator) as client:
        with_app = select_objects(ObjectRegistry(client), ["all"], False, None, None)
    transport = emulator.transport()
    with IntacctClient.from_mapping(emulator.config(), http_transport=transport) as client:
        registry = ObjectRegistry(client)
        without = select_objects(registry, ["all"], False, None, None)
        named = select_objects(registry, [TOTALS], False, None, None)
        sink = ListSink()
        (failed,) = run(client, RunState(), sink, (TOTALS,)).failed
    assert TOTALS in with_app and TOTALS not in without
    assert named == [TOTALS] and "client_id" in str(failed.error)
