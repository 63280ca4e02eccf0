"""tap-sage-intacct against the emulator: its CLI, discovery with one login, STATE after
every page, a restart from any STATE, incremental changes, a failing stream."""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import time
from decimal import Decimal
from typing import Any

import pytest

from intacct.client import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.errors import ConfigError
from intacct.replication import DELETED_AT, ENTITY_ID
from intacct.replication.records.typed import to_output
from intacct.tap import StreamsFailedError, TapSageIntacct, main
from tests.singer_cli import Done, run_main
from tests.tap.conftest import catalog, messages, run_tap, tap_config

TAP = [sys.executable, "-c", "from intacct.tap import main; main()"]


def tap(*args: str) -> Done:
    """The executable in-process (:mod:`tests.singer_cli`); a test below starts it."""
    return run_main(main, "tap-sage-intacct", *args)


def records(msgs: list[dict[str, Any]], stream: str | None = None) -> list[dict[str, Any]]:
    return [
        m["record"]
        for m in msgs
        if m["type"] == "RECORD" and (stream is None or m["stream"] == stream)
    ]


def truth(server: EmulatorServer, obj: str, company: str = "DEMO") -> list[int]:
    with IntacctClient.from_mapping(tap_config(server, company_id=company)) as client:
        return sorted(int(r["RECORDNO"]) for r in client.iter_query(obj, ["RECORDNO"]))


def test_about_names_the_tap_and_hides_the_secrets() -> None:
    out = tap("--about", "--format", "json")
    assert out.returncode == 0, out.stderr
    about = json.loads(out.stdout)
    assert about["name"] == "tap-sage-intacct"
    settings = about["settings"]["properties"]
    for key in ("sender_id", "user_id", "company_id", "entity_id", "api_url", "entity_ids"):
        assert key in settings
    assert settings["sender_password"]["secret"] is True
    assert settings["user_password"]["secret"] is True
    assert "secret" not in settings["sender_id"]


def test_discover_makes_one_login_and_looks_objects_up_once(
    emulator: EmulatorServer, tmp_path: Any
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config(emulator)))
    before = dict(emulator.emulator.stats)
    out = tap("--config", str(config), "--discover")
    assert out.returncode == 0, out.stderr[-2000:]
    after = emulator.emulator.stats
    streams = {s["tap_stream_id"]: s for s in json.loads(out.stdout)["streams"]}
    assert after["getAPISession"] - before.get("getAPISession", 0) == 1
    assert after["inspect"] - before.get("inspect", 0) == 1
    objects = len(streams) - 1  # TRIALBALANCE is no object: nothing to look up
    assert after["lookup"] - before.get("lookup", 0) == objects
    # the session, the inspect, the lookups 100 to a request
    asked = after["requests"] - before.get("requests", 0)
    assert asked == 2 + math.ceil(objects / 100)

    vendor = streams["VENDOR"]
    assert vendor["key_properties"] == ["VENDORID"]  # one session: no "" in a key
    assert vendor["replication_key"] == "WHENMODIFIED"
    props = vendor["schema"]["properties"]
    assert props["TOTALDUE"]["type"] == ["number", "null"]  # CURRENCY: a number, exact
    assert props["WHENMODIFIED"] == {**props["WHENMODIFIED"], "format": "date-time"}
    assert props["ONHOLD"]["type"] == ["boolean", "null"]
    assert props[DELETED_AT]["format"] == "date-time"
    assert props[ENTITY_ID]["type"] == ["string", "null"]
    assert streams["APBILL"]["key_properties"] == ["RECORDNO"]
    assert not any("." in name for s in streams.values() for name in s["schema"]["properties"])


def test_a_bad_config_names_the_key(emulator: EmulatorServer) -> None:
    config = tap_config(emulator, sender_idd="x")
    with pytest.raises(ConfigError, match="sender_idd"):
        TapSageIntacct(config=config)
    with pytest.raises(ConfigError, match="lookback_minutes"):
        TapSageIntacct(
            config=tap_config(emulator, lookback_minutes=-5), catalog=catalog(emulator)
        ).sync_all()


def test_every_record_once_with_a_state_after_every_page(emulator: EmulatorServer) -> None:
    page = 7
    tap = TapSageIntacct(config=tap_config(emulator, page_size=page), catalog=catalog(emulator))
    msgs = run_tap(tap)
    for stream in ("VENDOR", "CLASS", "GLACCOUNT", "APBILL"):
        assert sorted(r["RECORDNO"] for r in records(msgs, stream)) == truth(emulator, stream)
    # between two STATE messages lies at most one page: one stream, at most page_size
    assert msgs[-1]["type"] == "STATE"
    segments: list[list[dict[str, Any]]] = [[]]
    for m in msgs:
        if m["type"] == "STATE":
            segments.append([])
        elif m["type"] == "RECORD":
            segments[-1].append(m)
    filled = [s for s in segments if s]
    assert all(len(s) <= page and len({m["stream"] for m in s}) == 1 for s in filled)
    assert len(filled) >= sum(math.ceil(len(truth(emulator, s)) / page) for s in ("GLACCOUNT",))
    final = msgs[-1]["value"]["bookmarks"]
    assert set(final) >= {"VENDOR", "CLASS", "GLACCOUNT", "APBILL"}
    assert final["VENDOR"]["version"] == 1 and "" in final["VENDOR"]["entities"]


def test_all_entities_of_a_company_without_entities_is_its_top_level(
    emulator: EmulatorServer,
) -> None:
    """``entity_ids: all`` where LOCATIONENTITY is empty reads the company itself (it
    read nothing, and the run ended as if done)."""
    config = tap_config(emulator, entity_ids="all")
    msgs = run_tap(TapSageIntacct(config=config, catalog=catalog(emulator, ("CLASS",))))
    assert sorted(r["RECORDNO"] for r in records(msgs, "CLASS")) == truth(emulator, "CLASS")
    assert {r["_entity_id"] for r in records(msgs, "CLASS")} == {None}


def test_exact_decimals_in_the_messages(emulator: EmulatorServer) -> None:
    tap = TapSageIntacct(config=tap_config(emulator), catalog=catalog(emulator, ("APBILL",)))
    bills = {r["RECORDNO"]: r for r in records(run_tap(tap), "APBILL")}
    with IntacctClient.from_mapping(tap_config(emulator)) as client:
        sent = {
            int(r["RECORDNO"]): r["TOTALENTERED"]
            for r in client.iter_query("APBILL", ["RECORDNO", "TOTALENTERED"])
        }
    assert bills and all(isinstance(b["TOTALENTERED"], Decimal) for b in bills.values())
    assert {n: str(b["TOTALENTERED"]) for n, b in bills.items()} == sent


def test_a_restart_from_any_state_emits_the_rest(emulator: EmulatorServer) -> None:
    # exact bookmarks: a lookback window would be emitted again (the tap cannot know
    # what the target stores)
    config = tap_config(emulator, page_size=5, lookback_minutes=0)
    full = run_tap(TapSageIntacct(config=config, catalog=catalog(emulator)))
    everything = sorted(
        (m["stream"], m["record"]["RECORDNO"]) for m in full if m["type"] == "RECORD"
    )
    states = [i for i, m in enumerate(full) if m["type"] == "STATE"]
    for cut in (states[1], states[len(states) // 2], states[-2]):
        # what a tap killed right after this STATE had written
        before = full[: cut + 1]
        tap = TapSageIntacct(config=config, catalog=catalog(emulator), state=full[cut]["value"])
        after = run_tap(tap)
        seen = [
            (m["stream"], m["record"]["RECORDNO"]) for m in before + after if m["type"] == "RECORD"
        ]
        assert sorted(seen) == everything, cut  # nothing lost, nothing twice


def test_an_incremental_run_emits_exactly_the_changes(emulator: EmulatorServer) -> None:
    # DEMO-ME's top level: the other tests read DEMO and must not see these writes
    config = tap_config(emulator, company_id="DEMO-ME")
    first = run_tap(TapSageIntacct(config=config, catalog=catalog(emulator, ("CLASS",))))
    classes = records(first, "CLASS")
    changed, gone = classes[1], classes[2]
    with IntacctClient.from_mapping(config) as client:
        client.update("CLASS", [{"RECORDNO": changed["RECORDNO"], "NAME": "Renamed"}])
        client.create("CLASS", [{"CLASSID": "TAP-NEW", "NAME": "New"}])
        client.delete("CLASS", [gone["RECORDNO"]])
    state = first[-1]["value"]
    second = run_tap(
        TapSageIntacct(config=config, catalog=catalog(emulator, ("CLASS",)), state=state)
    )
    rows = records(second, "CLASS")
    tombstones = [r for r in rows if r.get(DELETED_AT)]
    live = [r for r in rows if not r.get(DELETED_AT)]
    assert sorted(r["CLASSID"] for r in live) == sorted([changed["CLASSID"], "TAP-NEW"])
    assert [(t["CLASSID"], t[ENTITY_ID]) for t in tombstones] == [(gone["CLASSID"], None)]
    assert rows.index(tombstones[0]) == 0  # deletes come first
    third = run_tap(
        TapSageIntacct(
            config=config, catalog=catalog(emulator, ("CLASS",)), state=second[-1]["value"]
        )
    )
    # nothing new; only the last second, still recent, may be read again (no loss), and
    # the delete, read again from the lookback before its bookmark (a tombstone twice is
    # harmless: an audit row may be seen as late as the write it records)
    again = records(third)
    assert all(r in live or r in tombstones for r in again)
    assert len(again) <= len(live) + len(tombstones)


def test_a_failing_stream_fails_alone(emulator: EmulatorServer) -> None:
    cat = catalog(emulator, ("CLASS",))
    bogus = json.loads(json.dumps(cat["streams"][0]))
    bogus["tap_stream_id"] = bogus["stream"] = "NOSUCHOBJECT"
    cat["streams"].append(bogus)
    tap = TapSageIntacct(config=tap_config(emulator), catalog=cat)
    with pytest.raises(StreamsFailedError, match="NOSUCHOBJECT") as failed:
        run_tap(tap)
    assert [r.object for r in failed.value.report.failed] == ["NOSUCHOBJECT"]
    msgs = messages(run_tap.last_lines)  # type: ignore[attr-defined]
    assert sorted(r["RECORDNO"] for r in records(msgs, "CLASS")) == truth(emulator, "CLASS")
    assert "CLASS" in [m for m in msgs if m["type"] == "STATE"][-1]["value"]["bookmarks"]


def test_the_cli_ends_a_bad_config_with_the_key_and_exit_code_1(
    emulator: EmulatorServer, tmp_path: Any
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config(emulator, max_concurency=4)))
    out = subprocess.run([*TAP, "--config", str(config), "--discover"], capture_output=True)
    assert out.returncode == 1
    assert out.stdout == b""
    assert "'max_concurency': unknown key; did you mean 'max_concurrency'?" in out.stderr.decode()


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("flattening_enabled", "yes", "'yes' is not of type 'boolean', 'null'"),
        ("entity_ids", 5, "5 is not of type 'array', 'string', 'null'"),
    ],
)
def test_discover_says_which_key_is_wrong_and_why(
    emulator: EmulatorServer, tmp_path: Any, key: str, value: object, said: str
) -> None:
    """Not a bare "Config validation failed" (nor a traceback, for entity_ids)."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config(emulator, **{key: value})))
    out = tap("--config", str(config), "--discover")
    assert out.returncode == 1 and out.stdout == ""
    assert f"{said} in config['{key}']" in out.stderr
    assert "Traceback" not in out.stderr


def test_singer_sdk_notes_of_every_run_are_left_out(
    emulator: EmulatorServer, tmp_path: Any
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config(emulator)))
    out = tap("--config", str(config), "--discover")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "API session opened" in out.stderr  # the tap's own INFO lines stay
    assert "Skipping parse of env var settings" not in out.stderr


@pytest.mark.parametrize("option", ["--catalog", "--state"])
def test_a_catalog_or_state_file_that_is_no_json_object_is_one_line(
    emulator: EmulatorServer, tmp_path: Any, option: str
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config(emulator)))
    given = tmp_path / "given.json"
    for content, said in [("{", "not JSON (Expecting"), ('"x"', "a JSON object, not str")]:
        given.write_text(content)
        out = tap("--config", str(config), option, str(given))
        assert out.returncode == 1
        assert out.stderr.startswith(f"tap-sage-intacct: {option}: {given}: ")
        assert said in out.stderr and len(out.stderr.splitlines()) == 1


def test_each_entity_is_read_in_its_own_session_and_keyed_by_it(emulator: EmulatorServer) -> None:
    config = tap_config(emulator, company_id="DEMO-ME", entity_ids=["E100", "E200"])
    msgs = run_tap(TapSageIntacct(config=config, catalog=catalog(emulator, ("VENDOR",))))
    rows = records(msgs, "VENDOR")
    with IntacctClient.from_mapping(tap_config(emulator, company_id="DEMO-ME")) as client:
        for entity in ("E100", "E200"):
            expected = sorted(
                r["VENDORID"] for r in client.for_entity(entity).iter_query("VENDOR", ["VENDORID"])
            )
            got = sorted(r["VENDORID"] for r in rows if r[ENTITY_ID] == entity)
            assert got == expected and got, entity
    keys = [(r["VENDORID"], r[ENTITY_ID]) for r in rows]
    assert len(keys) == len(set(keys))
    (schema,) = [m for m in msgs if m["type"] == "SCHEMA" and m["stream"] == "VENDOR"]
    assert schema["key_properties"] == ["VENDORID", ENTITY_ID]  # several entities: keyed
    entities = msgs[-1]["value"]["bookmarks"]["VENDOR"]["entities"]
    assert set(entities) == {"E100", "E200"}


def test_only_the_selected_fields_are_queried_and_emitted(emulator: EmulatorServer) -> None:
    cat = catalog(emulator, ("VENDOR",))
    wanted = {"VENDORID", "NAME"}
    for item in cat["streams"][0]["metadata"]:
        crumb = item["breadcrumb"]
        if crumb and crumb[1] not in wanted | {ENTITY_ID, DELETED_AT}:
            item["metadata"]["selected"] = False
    tap = TapSageIntacct(config=tap_config(emulator), catalog=cat)
    # the pager's keys are read even when not selected
    assert set(tap.streams["VENDOR"].spec().fields or ()) == wanted | {"RECORDNO", "WHENMODIFIED"}
    rows = records(run_tap(tap), "VENDOR")
    assert rows and all(
        set(r) <= wanted | {"RECORDNO", "WHENMODIFIED", ENTITY_ID, DELETED_AT} for r in rows
    )


def test_batch_config_is_refused_not_ignored(emulator: EmulatorServer, tmp_path: Any) -> None:
    """The engine writes RECORD messages itself: no BATCH capability, so a batch_config
    is an unknown key rather than a setting that silently does nothing."""
    asked = tap("--about", "--format", "json")
    assert asked.returncode == 0, asked.stderr
    about = json.loads(asked.stdout)
    assert "batch" not in about["capabilities"]
    assert "batch_config" not in about["settings"]["properties"]
    config = tmp_path / "config.json"
    batch = {"encoding": {"format": "jsonl"}, "storage": {"root": f"file://{tmp_path}"}}
    config.write_text(json.dumps(tap_config(emulator, batch_config=batch)))
    out = tap("--config", str(config), "--discover")
    assert out.returncode == 1
    assert "batch_config" in out.stderr.splitlines()[-1]


def test_every_record_is_what_the_record_path_makes_of_the_gateways(
    emulator: EmulatorServer,
) -> None:
    """The tap reads columns where the fast path can and writes the dicts built from
    them: each RECORD holds what the record path (:func:`to_output`) types the gateway's
    record into, every field, value and type (decimals with their digits)."""
    streams = ("VENDOR", "APBILL", "GLACCOUNT")
    tap = TapSageIntacct(config=tap_config(emulator), catalog=catalog(emulator, streams))
    msgs = run_tap(tap)
    with IntacctClient.from_mapping(tap_config(emulator)) as client:
        registry, formatting = ObjectRegistry(client), client.user_formatting()
        for stream in streams:
            info = registry.get(stream)
            expected = {
                int(r["RECORDNO"]): {
                    **to_output(info, r, formatting, ""),
                    ENTITY_ID: None,
                    DELETED_AT: None,
                }
                for r in client.iter_query(stream, list(info.queryable_fields))
            }
            got = {r["RECORDNO"]: r for r in records(msgs, stream)}
            assert got.keys() == expected.keys() and got
            for key, record in got.items():
                assert {k: repr(v) for k, v in record.items()} == {
                    k: repr(v) for k, v in expected[key].items()
                }, (stream, key)


def test_a_silent_gateway_is_given_up_on_after_first_byte_timeout_s(tmp_path: Any) -> None:
    """The tap takes the client's first_byte_timeout_s (a server that takes the
    connection and never answers: the kernel completes it, nobody reads it)."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/ia/xml/xmlgw.phtml"
        config = tmp_path / "config.json"
        settings = {**client_config(url), "timeout_s": 300, "first_byte_timeout_s": 2}
        config.write_text(json.dumps(settings))
        began = time.monotonic()
        out = tap("--config", str(config), "--discover")
    assert out.returncode == 1, out.stderr
    assert time.monotonic() - began < 30
    assert "within 2 s (first_byte_timeout_s)" in out.stderr


def test_a_warning_names_its_object_once(
    emulator: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The engine's warnings say what they are of; the tap adds nothing (it said
    ``USERINFO: USERINFO: the gateway refuses…``)."""
    caplog.set_level("WARNING")
    run_tap(TapSageIntacct(config=tap_config(emulator), catalog=catalog(emulator, ("USERINFO",))))
    said = [r.getMessage() for r in caplog.records if "refuses to query" in r.getMessage()]
    assert said and all(s.startswith("USERINFO: the gateway refuses") for s in said), said
