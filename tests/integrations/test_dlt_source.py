"""``pipeline.run(intacct_source(...))``, dlt's way to compose us, against a real emulator
on a socket: every table exact by checksum (tests/checksums.py, as the documented paths
compare theirs), a second run reading only what changed with deletes removing rows (a
deleted bill's lines too, a late earlier version never bringing one back), state kept by
dlt, an object that cannot be read failing the run, a profile's connection, bad input
named, no password anywhere."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from intacct import IntacctClient
from intacct.cli.profile_store import ProfileStore
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.emulator.store import RESTRICTED_USER
from intacct.errors import ConfigError
from intacct.replication.catalog import DEFAULT_OBJECTS
from tests.checksums import EmulatorData
from tests.paths.expected import TRIAL_BALANCE, object_problems, trial_balance_problems
from tests.sync.stores import DATASET, Store, dlt_store

dlt = pytest.importorskip("dlt", reason="pip install -e '.[dev]' (dlt is in the dev extra)")

from dlt.common.configuration.exceptions import ConfigFieldMissingException  # noqa: E402
from dlt.pipeline.exceptions import PipelineStepFailed  # noqa: E402

from intacct.integrations.dlt_source import STATE_KEY, intacct_source  # noqa: E402

COMPANY = "DEMO"
SECRETS = ("demo-sender-password", "demo-user-password")


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=300, seed=8) as server:
        yield server


@pytest.fixture
def data(emulator: EmulatorServer) -> Iterator[EmulatorData]:
    found = EmulatorData.of(emulator)
    yield found
    found.close()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """dlt's duckdb destination, configured as a user would (tests/sync/stores.py)."""
    return dlt_store("duckdb", tmp_path, monkeypatch)


def pipeline(tmp_path: Path) -> Any:
    return dlt.pipeline(
        pipeline_name="intacct_source_test",
        pipelines_dir=str(tmp_path / "pipelines"),
        destination="duckdb",
        dataset_name=DATASET,  # where dlt_store reads
    )


def credentials(server: EmulatorServer, **extra: Any) -> dict[str, Any]:
    return {**client_config(server.url), "timeout_s": 30, **extra}


def problems(store: Store, data: EmulatorData, url: str, objects: Sequence[str]) -> list[str]:
    """Every table against the emulator: the tables are the objects', each exact."""
    found: list[str] = []
    with store.connected() as db:
        if set(db.tables()) != set(objects):
            found.append(f"tables {db.tables()}, not the objects {sorted(objects)}")
        for name in objects:
            records = db.records(name)
            if name == TRIAL_BALANCE:
                found += trial_balance_problems(name, records, url, COMPANY, [""])
                continue
            columns = list(db.columns(name))
            found += object_problems(name, name, columns, records, data, COMPANY, [""])
    return found


def loaded(run: Any) -> dict[str, int]:
    """Rows of the last run per object table (dlt's own tables left out)."""
    counts = run.last_trace.last_normalize_info.row_counts
    return {k.upper(): v for k, v in counts.items() if not k.startswith("_")}


def resource_state(run: Any, resource: str) -> dict[str, Any]:
    return dict(run.state["sources"]["intacct"]["resources"][resource])


def test_a_run_of_the_source_is_exact_and_typed(
    emulator: EmulatorServer, data: EmulatorData, store: Store, tmp_path: Path
) -> None:
    source = intacct_source(credentials(emulator))
    assert list(source.resources) == [o.lower() for o in DEFAULT_OBJECTS]
    run = pipeline(tmp_path)
    run.run(source)
    assert problems(store, data, emulator.url, DEFAULT_OBJECTS) == []
    types = store.columns("APBILL")  # as intacct sync --db dlt:duckdb types them
    assert types["TOTALENTERED"] == "DECIMAL(38,12)" and types["WHENDUE"] == "DATE"
    assert types["WHENMODIFIED"] == "TIMESTAMP" and types["RECORDNO"] == "BIGINT"
    state = resource_state(run, "vendor")[STATE_KEY]
    assert state["company"] == COMPANY and set(state["streams"]) == {"VENDOR"}


def test_a_second_run_reads_only_the_changes_and_deletes_remove_rows(
    emulator: EmulatorServer, data: EmulatorData, store: Store, tmp_path: Path
) -> None:
    objects = ["CLASS", "VENDOR", "APBILL", "APBILLITEM", TRIAL_BALANCE]
    run = pipeline(tmp_path)
    run.run(intacct_source(credentials(emulator), objects=objects))
    gone_class, gone_bill, lines = change(emulator)
    assert lines and set(lines) <= set(store.keys("APBILLITEM"))
    # a new pipeline object: the state is dlt's, restored from the destination
    again = pipeline(tmp_path / "elsewhere")
    again.run(intacct_source(credentials(emulator), objects=objects))
    counts = loaded(again)
    # created + renamed + deleted class, the bill and its lines deleted; nothing else
    # (the trial balance reads its last months again)
    assert {k: v for k, v in counts.items() if k != TRIAL_BALANCE} == {
        "CLASS": 3, "APBILL": 1, "APBILLITEM": len(lines),
    }  # fmt: skip
    assert gone_class not in store.keys("CLASS") and gone_bill not in store.keys("APBILL")
    assert not set(lines) & set(store.keys("APBILLITEM"))
    assert problems(store, data, emulator.url, objects) == []


def change(server: EmulatorServer) -> tuple[int, int, list[int]]:
    """As another user would, between two runs: a class created, one renamed, one
    deleted; a bill deleted (its lines go with it). The deleted class and bill, and
    the bill's lines."""
    with IntacctClient.from_mapping(credentials(server)) as client:
        classes = sorted(int(r["RECORDNO"]) for r in client.iter_query("CLASS", ["RECORDNO"]))
        bill = min(int(r["RECORDNO"]) for r in client.iter_query("APBILL", ["RECORDNO"]))
        lines = [
            int(r["RECORDNO"])
            for r in client.iter_query("APBILLITEM", ["RECORDNO", "RECORDKEY"])
            if int(r["RECORDKEY"]) == bill
        ]
        client.create("CLASS", [{"CLASSID": "DLT-SOURCE", "NAME": "Added by issue 35"}])
        client.update("CLASS", [{"RECORDNO": classes[0], "NAME": "Renamed by issue 35"}])
        client.delete("CLASS", [classes[1]])
        client.delete("APBILL", [bill])
    return classes[1], bill, lines


def test_a_deleted_records_earlier_version_seen_late_does_not_bring_it_back(
    emulator: EmulatorServer, data: EmulatorData, store: Store, tmp_path: Path
) -> None:
    """tests/sync/test_destinations.py's case through the source: under a visibility lag
    a query still shows a record's update after AUDITHISTORY shows its delete, in the run
    that reads the delete or a later one; the row, gone from the destination, must not
    come back. The deletes kept for that leave the state once the bookmark passed them."""
    clock, start = emulator.store.clock, datetime(2027, 3, 1, 8, tzinfo=UTC)
    config = credentials(emulator, lookback_minutes=40)  # longer than the lag
    ids = [f"LATE-{n:02d}" for n in range(12)]
    clock.set(start)
    with IntacctClient.from_mapping(credentials(emulator)) as client:
        client.create("CLASS", [{"CLASSID": i, "NAME": "new"} for i in ids])
    clock.set(start + timedelta(minutes=1))
    run = pipeline(tmp_path)
    run.run(intacct_source(config, objects=["CLASS"]))
    emulator.store.records.lag.set(COMPANY, 30 * 60)
    moment = start + timedelta(minutes=2)
    with IntacctClient.from_mapping(credentials(emulator)) as client:
        for classid in ids:  # each renamed, then deleted 20 s later
            moment += timedelta(seconds=20)
            clock.set(moment)
            client.update("CLASS", [{"CLASSID": classid, "NAME": "renamed"}])
            moment += timedelta(seconds=20)
            clock.set(moment)
            (found,) = client.read_by_name("CLASS", [classid])
            client.delete("CLASS", [int(found["RECORDNO"])])
    for minutes in (5, 10, 15, 20, 25, 31, 62):  # the last when every write is visible
        clock.set(moment + timedelta(minutes=minutes))
        run.run(intacct_source(config, objects=["CLASS"]))
    assert not set(ids) & {r["CLASSID"] for r in store.records("CLASS")}
    assert problems(store, data, emulator.url, ["CLASS"]) == []
    assert resource_state(run, "class")["deletes"]  # the bookmark has not passed them
    emulator.store.records.lag.set(COMPANY, 0)
    clock.set(moment + timedelta(minutes=120))
    with IntacctClient.from_mapping(credentials(emulator)) as client:  # moves the bookmark on
        client.create("CLASS", [{"CLASSID": "LATER", "NAME": "later"}])
    clock.set(moment + timedelta(minutes=121))
    run.run(intacct_source(config, objects=["CLASS"]))
    assert resource_state(run, "class")["deletes"] == []
    assert problems(store, data, emulator.url, ["CLASS"]) == []


def test_resources_are_chosen_the_dlt_way_and_no_password_is_kept(
    emulator: EmulatorServer,
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # credentials from dlt's own config (an environment variable here, secrets.toml
    # alike), objects as a comma list; then one resource of them chosen
    monkeypatch.setenv("SOURCES__INTACCT__CREDENTIALS", json.dumps(credentials(emulator)))
    source = intacct_source(objects="VENDOR,CLASS").with_resources("class")
    run = pipeline(tmp_path)
    run.run(source)
    assert loaded(run) == {"CLASS": len(store.keys("CLASS"))} and store.tables() == ["CLASS"]
    said = caplog.text + "".join(capsys.readouterr())
    kept = [p for p in (tmp_path / "pipelines").rglob("*") if p.is_file()]
    kept.append(Path(store.url))
    for secret in SECRETS:
        assert secret not in said
        assert not [p for p in kept if secret.encode() in p.read_bytes()], secret


def test_a_stream_that_fails_fails_the_run_naming_it_and_keeps_nothing(
    emulator: EmulatorServer, data: EmulatorData, store: Store, tmp_path: Path
) -> None:
    """The demo's restricted user may not read AP: its bills' resource fails, so the
    extract does (dlt's way), and nothing of the run is loaded; the others alone load."""
    user, password = RESTRICTED_USER
    config = credentials(emulator, user_id=user, user_password=password)
    run = pipeline(tmp_path)
    with pytest.raises(PipelineStepFailed, match=r"APBILL cannot be read: .*permission"):
        run.run(intacct_source(config, objects=["CLASS", "APBILL"]))
    with duckdb.connect(store.url, read_only=True) as db:  # not even the dataset's schema
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"
        assert db.execute(sql, [DATASET]).fetchall() == []
    run.run(intacct_source(config, objects=["CLASS", "APBILL"]).with_resources("class"))
    assert problems(store, data, emulator.url, ["CLASS"]) == []


def test_a_profile_gives_the_connection(
    emulator: EmulatorServer, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile of ``intacct profiles``, its passwords from the variables it names and
    its ``destination`` (intacct sync's) taken and not used, read the way
    docs/destinations.md says."""
    path = tmp_path / "profiles.toml"
    config = credentials(emulator)
    plain = {k: v for k, v in config.items() if k not in ("sender_password", "user_password")}
    lines = [f"{k} = {json.dumps(v)}" for k, v in plain.items()]
    lines += ['sender_password_env = "T_SENDER"', 'user_password_env = "T_USER"',
              'destination = "unused.duckdb"', "page_size = 3"]  # fmt: skip
    path.write_text("[profiles.demo]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("T_SENDER", config["sender_password"])
    monkeypatch.setenv("T_USER", config["user_password"])
    run = pipeline(tmp_path)
    run.run(intacct_source(ProfileStore(path).config("demo"), objects=["CLASS"]))
    assert loaded(run) == {"CLASS": len(store.keys("CLASS"))} and len(store.keys("CLASS")) > 3
    assert not (tmp_path / "unused.duckdb").exists()


def test_a_pipeline_named_as_its_dataset_is_refused_leaving_nothing_pending(
    emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 46: docs/destinations.md's snippet with ``destination="duckdb"`` named its pipeline
    as its dataset; DuckDB's file (named after the pipeline) then has the dataset's
    name, which DuckDB cannot tell from the schema, every load failed, and the package
    stayed pending for the next run. It is refused while extracting, nothing pending."""
    monkeypatch.chdir(tmp_path)  # dlt's duckdb file, named after the pipeline, goes here
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    named = dlt.pipeline(
        pipeline_name="intacct", pipelines_dir=str(tmp_path / "pipelines"),
        destination="duckdb", dataset_name="intacct",
    )  # fmt: skip
    for _ in range(2):  # and the same again: no package of the first left to load
        with pytest.raises(PipelineStepFailed, match=r"both named 'intacct'.*cannot tell") as err:
            named.run(intacct_source(credentials(emulator), objects=["CLASS"]))
        assert err.value.step == "extract"
        assert not named.has_pending_data


def test_bad_input_is_named_when_the_source_is_made(emulator: EmulatorServer) -> None:
    with pytest.raises(ConfigError, match=r"'objects'.*no object 'VENDORS'.*VENDOR"):
        intacct_source(credentials(emulator), objects=["CLASS", "VENDORS"])
    config = credentials(emulator)
    del config["user_password"]
    with pytest.raises(ConfigError, match="'user_password': is required"):
        intacct_source(config)
    with pytest.raises(ConfigError, match="'lookback_minutes'"):
        intacct_source(credentials(emulator, lookback_minutes="soon"))
    with pytest.raises(ConfigError, match="'unified_schema'"):
        intacct_source(credentials(emulator, unified_schema=True))


def test_without_credentials_dlt_names_the_missing_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .dlt/secrets.toml of the machine's
    with pytest.raises(ConfigFieldMissingException) as err:
        intacct_source()
    assert "credentials" in str(err.value)


def test_the_read_backs_keep_a_copy_of_the_table_schema_dlt_replaces() -> None:
    """The source's read-backs (the lookback's stored versions, deletes' rows) run on the
    engine's threads while dlt, extracting another object on its own, replaces the live
    schema's content in place (its naming None and its tables empty in between: CI saw
    a read-back fail on ``None.normalize_table_identifier``). They read a copy of their
    table's schema taken on dlt's thread, which dlt's replacing leaves as it was."""
    from dlt.common.schema.utils import new_column, new_table

    from intacct.destinations.dlt import NAMING, SOURCE, table_schema

    live = dlt.Schema(SOURCE, normalizers={"names": NAMING})
    live.update_table(new_table("apbillitem", columns=[new_column("RECORDNO", "bigint")]))
    copied = table_schema(live, "APBILLITEM")
    assert copied is not None
    live.replace_schema_content(dlt.Schema(SOURCE, normalizers={"names": NAMING}))
    assert "apbillitem" not in live.tables
    assert copied.naming.normalize_table_identifier("APBILLITEM") == "apbillitem"
    assert set(copied.tables["apbillitem"]["columns"]) == {"recordno"}
    assert table_schema(None, "APBILLITEM") is None
    gone = table_schema(live, "APBILLITEM")  # a table dlt has not (yet): none stored
    assert gone is not None and dict(gone.tables) == {}
