"""The REST catalog found at run time (issue 47): the company's model service read once
per run (the list, then the models the run needs), kept on disk between runs, its custom
fields (``nsp::<NAME>``) read into the XML columns of the same name; and the catalog a
value: objects the packaged catalog lacks become streams, typed by the one REST type
table, and an XML object two REST objects share is refused unless the data says which."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.emulator.inprocess import InProcessEmulator
from intacct.protocol.rest_catalog import AmbiguousTwinError, RestCatalog, RestObject, rest_catalog
from intacct.replication import ReplicationSettings, Replicator, RunState, StreamSpec
from intacct.replication.streams.kinds import declared, stream_names
from intacct.replication.streams.rest_only import schema_of, stream_names_of
from tests.conftest import DEMO_APP
from tests.replication.test_engine import ListSink

#: the demo company's custom fields (the emulator's XML catalog, "custom": true)
CUSTOM = {"VENDOR": ("VENDOR_TIER", "VENDOR_ESG_CERTIFIED"), "CUSTOMER": ("CUSTOMER_RENEWAL_DATE",)}


@pytest.fixture(scope="module")
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=300) as emu:
        yield emu


def _models(emulator: InProcessEmulator) -> int:
    """Requests the emulator's model service answered (its request counter)."""
    return emulator.emulator.snapshot().get("rest:model", 0)


def _run(client: IntacctClient, cache: Path, objects: tuple[str, ...]) -> tuple[ListSink, int]:
    """One ``api: rest`` run with its own registry (as each ``intacct sync`` has):
    the sink, and the model service requests its discovery sent."""
    registry = ObjectRegistry(client, rest_cache=cache)
    settings = ReplicationSettings.from_mapping({"api": "rest", "lookback_minutes": 0})
    sink = ListSink()
    report = Replicator(client, settings, page_size=500, registry=registry).run(
        [StreamSpec(o) for o in objects], RunState(), sink
    )
    assert report.failed == []
    return sink, registry.rest.requests


def _lacking(client: IntacctClient) -> int:
    """The objects the company's model service lists that the packaged catalog lacks:
    its custom object (platform-apps/nsp::fund) and a transaction definition's documents
    and lines per definition (order-entry/document::<name>...)."""
    found = [p for p in ObjectRegistry(client).rest.catalog() if p not in rest_catalog()]
    assert "platform-apps/nsp::fund" in found
    assert any(p.startswith("order-entry/document::") for p in found)
    return len(found)


def test_models_are_read_once_per_run_then_from_the_cache_and_custom_fields_travel(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    config = {**emulator.config(), **DEMO_APP}
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        lacking = _lacking(client)
        before = _models(emulator)
        sink, sent = _run(client, tmp_path, ("VENDOR", "CUSTOMER"))
        # the list, the two objects' models and the model of each object the packaged
        # catalog lacks: once each, whatever the entities and pages
        assert sent == 3 + lacking and _models(emulator) - before == 3 + lacking
        records = {obj: [r for s, _, r in sink.records if s == obj] for obj in CUSTOM}
        for obj, names in CUSTOM.items():
            for name in names:  # the XML column of the same name, filled through REST
                assert any(r[name] is not None for r in records[obj]), (obj, name)
        # no warning names a custom field as having no REST equivalent any more
        assert not [w for w in sink.warnings if "VENDOR_TIER" in w or "RENEWAL" in w]
        # a second run: the list only (unchanged), the models from the cache
        before = _models(emulator)
        again, sent = _run(client, tmp_path, ("VENDOR", "CUSTOMER"))
        assert sent == 1 and _models(emulator) - before == 1
        assert sorted(map(repr, again.records)) == sorted(map(repr, sink.records))
        # XML reads the same custom values
        xml = ListSink()
        settings = ReplicationSettings.from_mapping({"lookback_minutes": 0})
        Replicator(client, settings, page_size=500).run([StreamSpec("VENDOR")], RunState(), xml)
        by_key = {r["RECORDNO"]: r for s, _, r in sink.records if s == "VENDOR"}
        for record in (r for s, _, r in xml.records if s == "VENDOR"):
            for name in CUSTOM["VENDOR"]:
                assert by_key[record["RECORDNO"]][name] == record[name], name


def test_a_cache_of_another_list_is_not_used(tmp_path: Path) -> None:
    """Since the cache was written the company removed one object and added another:
    the model service's list differs from the cached one, so the cached models are
    dropped and each is read again, the cache becomes the new answer's, and the next run
    reads the list alone; the object removed is listed no more."""
    with InProcessEmulator(scale=100) as emu:
        config = {**emu.config(), **DEMO_APP}
        with IntacctClient.from_mapping(config, http_transport=emu.transport()) as client:
            emu.add_custom_object({"name": "PROGRAM", "label": "Program"})
            lacking = _lacking(client)  # PROGRAM among them
            _run(client, tmp_path, ("VENDOR",))
            (cached,) = tmp_path.glob("*.json")
            assert "platform-apps/nsp::program" in cached.read_text(encoding="utf-8")
            emu.remove_custom_object("PROGRAM")
            emu.add_custom_object({"name": "FUNDER", "label": "Funder"})
            _, sent = _run(client, tmp_path, ("VENDOR",))
            assert sent == 2 + lacking  # the list, VENDOR's model again, each lacking one
            kept = cached.read_text(encoding="utf-8")
            assert "platform-apps/nsp::funder" in kept and "nsp::program" not in kept
            listed = ObjectRegistry(client, rest_cache=tmp_path).rest.listed()
            assert "platform-apps/nsp::program" not in listed
            _, sent = _run(client, tmp_path, ("VENDOR",))
            assert sent == 1


def test_a_custom_field_the_company_adds_between_runs_is_read_and_written_through_rest(
    tmp_path: Path,
) -> None:
    """The company adds a custom field to VENDOR after a run kept VENDOR's model: the
    next run meets it in XML's lookup, reads VENDOR's model once more (the list alone
    cannot say a field was added) and reads it through REST; the run after that reads the
    list alone. A value written through REST is the one XML reads."""
    with InProcessEmulator(scale=100) as emu:
        config = {**emu.config(), **DEMO_APP}
        with IntacctClient.from_mapping(config, http_transport=emu.transport()) as client:
            lacking = _lacking(client)
            _, sent = _run(client, tmp_path, ("VENDOR",))
            assert sent == 2 + lacking
            field = {"name": "LOYALTY_TIER", "type": "enum", "values": ["Gold", "Silver"]}
            emu.add_custom_field("VENDOR", field)
            vendor = next(client.iter_query("VENDOR", ["VENDORID"]))["VENDORID"]
            client.update("VENDOR", [{"VENDORID": vendor, "LOYALTY_TIER": "Gold"}])
            sink, sent = _run(client, tmp_path, ("VENDOR",))
            assert sent == 2  # the list, and VENDOR's model again
            tiers = {r["VENDORID"]: r["LOYALTY_TIER"] for _, _, r in sink.records}
            assert tiers[vendor] == "Gold" and set(tiers.values()) == {"Gold", None}
            assert not [w for w in sink.warnings if "LOYALTY_TIER" in w]
            assert _run(client, tmp_path, ("VENDOR",))[1] == 1
            made = client.rest.create(
                "accounts-payable/vendor",
                {"id": "V-LOYAL", "name": "Loyal", "nsp::LOYALTY_TIER": "Silver"},
            ).result
            assert made
            (xml,) = [
                r["LOYALTY_TIER"]
                for r in client.iter_query("VENDOR", ["VENDORID", "LOYALTY_TIER"])
                if r["VENDORID"] == "V-LOYAL"
            ]
            assert xml == "Silver"


def test_a_custom_object_the_company_adds_between_runs_becomes_a_stream(
    tmp_path: Path,
) -> None:
    """The company adds a user-defined dimension after a run: the model service's list
    differs from the one kept, so the next run reads the models it needs again, the new
    object's among them, and the object is a stream of its records through REST."""
    with InProcessEmulator(scale=100) as emu:
        config = {**emu.config(), **DEMO_APP}
        with IntacctClient.from_mapping(config, http_transport=emu.transport()) as client:
            lacking = _lacking(client)
            _run(client, tmp_path, ("VENDOR",))
            fields = [{"name": "GRANT_CODE", "type": "text"}]
            emu.add_custom_object({"name": "PROGRAM", "label": "Program", "fields": fields})
            made = [
                {"NAME": f"P-{n}", "DESCRIPTION": "Pilot", "GRANT_CODE": f"G{n}"} for n in (1, 2)
            ]
            client.create("PROGRAM", made)
            _, sent = _run(client, tmp_path, ("VENDOR",))
            assert sent == 2 + lacking + 1  # the list, VENDOR's and every lacking one's again
            registry = ObjectRegistry(client, rest_cache=tmp_path)
            assert "platform-apps/nsp::program" in registry.rest.listed()
            sink, sent = _run(client, tmp_path, ("platform_apps_nsp_program",))
            assert sent == 1
            records = [r for s, _, r in sink.records if s == "platform_apps_nsp_program"]
            assert {(r["id"], r["grant_code"]) for r in records} == {("P-1", "G1"), ("P-2", "G2")}


def test_a_custom_field_added_is_refused_when_malformed_and_kept_to_its_emulator() -> None:
    with InProcessEmulator(scale=20) as emu, InProcessEmulator(scale=20) as other:
        for bad, said in (
            ({"name": "lower", "type": "text"}, "A-Z, 0-9 and _"),
            ({"name": "X", "type": "enum"}, "an enum and only an enum"),
            ({"name": "X", "type": "text", "formula": "1"}, "has no formula"),
            ({"name": "VENDORID", "type": "text", "values": []}, "has a field VENDORID"),
        ):
            with pytest.raises(ValueError, match=said):
                emu.add_custom_field("VENDOR", bad)
        emu.add_custom_field("VENDOR", {"name": "ONLY_HERE", "type": "text"})
        assert emu.emulator.store.custom_fields_added() == {"VENDOR": ["ONLY_HERE"]}
        assert other.emulator.store.custom_fields_added() == {}
        assert other.emulator.store.catalog["VENDOR"].field("ONLY_HERE") is None
        for bad, said in (
            ({"name": "FUND"}, "an object FUND already"),
            ({"name": "P", "fields": [{"name": "NAME", "type": "text"}]}, "named twice"),
            ({"name": "P", "fields": ["X"]}, "each field is an object"),
            ({"name": "P", "owner": "me"}, "has no owner"),
        ):
            with pytest.raises(ValueError, match=said):
                emu.add_custom_object(bad)
        assert emu.emulator.store.custom_objects_added() == []


def test_without_the_oauth_app_nothing_is_asked(emulator: InProcessEmulator) -> None:
    with IntacctClient.from_mapping(emulator.config(), http_transport=emulator.transport()) as c:
        registry = ObjectRegistry(c)
        assert registry.rest.catalog() is registry.rest.packaged and registry.rest.requests == 0


#: a model service answer for an object the packaged catalog lacks (the portal's shape)
NOTE_MODEL: dict[str, Any] = {
    "fields": {
        "key": {"type": "string", "readOnly": True},
        "id": {"type": "string"},
        "amount": {"type": "string", "format": "decimal-precision-2"},
        "count": {"type": "integer"},
        "due": {"type": "string", "format": "date"},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "nsp::COLOR": {"type": "string"},
    },
    "groups": {
        "audit": {"fields": {"modifiedDateTime": {"type": "string", "format": "date-time"}}}
    },
    "refs": {
        "vendor": {
            "apiObject": "objects/accounts-payable/vendor",
            "fields": {"id": {"type": "string"}},
        }
    },
    "lists": [],
    "httpMethods": "OPTIONS,GET,POST,PATCH,DELETE",
}


def test_an_object_the_packaged_catalog_lacks_is_a_typed_rest_only_stream() -> None:
    path = "platform-apps/nsp::project_note"
    found = rest_catalog().with_models(
        {
            path: NOTE_MODEL,
            "accounts-payable/vendor": {
                "fields": {"nsp::VENDOR_TIER": {"type": "string", "enum": ["Gold"]}}
            },
        }
    )
    name = "platform_apps_nsp_project_note"
    assert name in stream_names([], rest=True, catalog=found)
    assert name not in stream_names([], rest=True)  # the packaged catalog alone
    kind = declared(name, found)
    assert kind is not None and kind.rest_only
    properties = schema_of(found[path])["properties"]
    assert properties["amount"]["type"] == ["number", "null"]
    assert properties["count"]["type"] == ["integer", "null"]
    assert properties["due"]["format"] == "date"
    assert properties["audit.modifiedDateTime"]["format"] == "date-time"
    assert properties["COLOR"]["type"] == ["string", "null"]  # nsp:: as XML names it
    assert found[path].operations == ("list", "get", "create", "update", "delete")
    assert found[path].fields["vendor.id"].ref == "accounts-payable/vendor"
    # on a twin, a custom field is the XML column of its name; the packaged data stays
    vendor = found["accounts-payable/vendor"]
    assert vendor.fields["nsp::VENDOR_TIER"].xml == "VENDOR_TIER"
    assert vendor.writer("VENDOR_TIER") is not None
    assert set(rest_catalog()["accounts-payable/vendor"].fields) < set(vendor.fields)


def test_paths_whose_stream_names_meet_get_a_table_each() -> None:
    """Definitions a company named alike (a space, an underscore, a dot, case) would
    fill one table: each is kept apart, and the one written as its name is keeps it."""
    paths = ["Sales Invoice", "Sales_Invoice", "sales.invoice", "Credit Memo"]
    paths = [f"order-entry/document::{name}" for name in paths]
    found = rest_catalog().with_models(dict.fromkeys(paths, NOTE_MODEL))
    names = stream_names_of(paths)
    assert names[paths[1]] == "order_entry_document_Sales_Invoice"
    assert names[paths[3]] == "order_entry_document_Credit_Memo"  # alone: as it was
    assert len({name.casefold() for name in names.values()}) == 4, names
    assert re.fullmatch(r"order_entry_document_Sales_Invoice_[0-9a-f]{6}", names[paths[0]])
    assert names == stream_names_of(reversed(paths))  # whatever the model service's order
    listed = stream_names([], rest=True, catalog=found)
    for path, name in names.items():
        kind = declared(name, found)
        assert name in listed and kind is not None
        assert kind.open.keywords["target"] is found[path]  # type: ignore[attr-defined]
    by_case = stream_names_of(["x/document::SO", "x/document::so"])
    assert len(set(by_case.values())) == 2 and "x_document_SO" not in by_case.values()


def test_an_xml_object_two_rest_objects_share_is_an_error_unless_the_data_says() -> None:
    def obj(path: str, primary: bool = False) -> RestObject:
        return RestObject(path, "VENDOR", "key", "id", ("list",), {}, {}, xml_primary=primary)

    with pytest.raises(AmbiguousTwinError) as info:
        RestCatalog([obj("a/vendor"), obj("b/vendor")]).holding("VENDOR")
    assert "a/vendor" in str(info.value) and "b/vendor" in str(info.value)
    chosen = RestCatalog([obj("a/vendor"), obj("b/vendor", primary=True)]).holding("VENDOR")
    assert chosen is not None and chosen.path == "b/vendor"


@pytest.mark.parametrize("concurrency", [1, 3])
def test_a_cold_discovery_reads_the_models_side_by_side_up_to_the_clients_concurrency(
    tmp_path: Path, concurrency: int
) -> None:
    """Every listed model read once, ``max_concurrency`` at a time (the emulator's peak
    of requests in flight, under its latency), kept in the list's order; then cached."""
    with InProcessEmulator(scale=50, latency_ms=2, max_concurrency=4) as emu:
        config = {**emu.config(), **DEMO_APP, "max_concurrency": concurrency}
        with IntacctClient.from_mapping(config, http_transport=emu.transport()) as client:
            emu.emulator.clear_stats()
            rest = ObjectRegistry(client, rest_cache=tmp_path).rest
            listed = rest.listed()
            found = rest.catalog(listed)
            assert rest.requests == 1 + len(listed) == _models(emu)
            assert emu.emulator.snapshot()["max_in_flight.DEMO"] == concurrency
            assert set(listed) <= set(found)
            (cached,) = tmp_path.glob("*.json")
            models = json.loads(cached.read_text(encoding="utf-8"))["models"]
            assert sorted(models) == sorted(listed)
            again = ObjectRegistry(client, rest_cache=tmp_path).rest
            assert set(again.catalog(listed)) == set(found) and again.requests == 1


def test_a_model_refused_while_the_others_are_read_side_by_side_is_left_out_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """One model request refused (whichever of the three in flight meets it): that
    object alone is left out, said in the log; the others are kept, and the object's
    model is asked again when the run next needs it."""
    with InProcessEmulator(scale=50, max_concurrency=4) as emu:
        config = {**emu.config(), **DEMO_APP, "max_concurrency": 3}
        with IntacctClient.from_mapping(config, http_transport=emu.transport()) as client:
            rest = ObjectRegistry(client, rest_cache=tmp_path).rest
            listed = rest.listed()
            emu.add_fault("status=404,function=rest:model,times=1")
            with caplog.at_level("WARNING", logger="intacct.client"):
                rest.catalog(listed)
            (warning,) = [r.getMessage() for r in caplog.records]
            assert "its model could not be read" in warning
            (cached,) = tmp_path.glob("*.json")
            models = json.loads(cached.read_text(encoding="utf-8"))["models"]
            (left_out,) = set(listed) - set(models)
            assert f"REST object {left_out}:" in warning
            sent = rest.requests
            rest.catalog(listed)
            assert rest.requests == sent + 1
            models = json.loads(cached.read_text(encoding="utf-8"))["models"]
            assert set(models) == set(listed)
