"""``intacct sync`` end to end through the command: the embedded emulator when nothing
is configured, INTACCT_* and profiles, entities, and one clear line for each mistake."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import httpx
import pytest
from click.testing import CliRunner

from intacct import IntacctClient
from intacct.cli import main
from intacct.cli.profile_store import ProfileStore
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from tests.conftest import DEMO_APP
from tests.processes import finish

from .conftest import use_env
from .tables import table


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["sync", *args])
    return result.exit_code, result.stdout, result.stderr


def test_with_nothing_configured_it_syncs_the_embedded_demo_company(tmp_path: Path) -> None:
    code, out, err = run("--objects", "VENDOR,CLASS")
    assert code == 0, err
    assert "No connection configured: using the embedded emulator" in err
    # the seeding takes seconds: said, with how long it took
    assert re.search(r"Seeding the demo companies into .*\nSeeded in \d+\.\d s\.\n", err)
    assert "VENDOR" in table(out) and "API transactions" in table(out)["VENDOR"]
    with duckdb.connect(str(tmp_path / "intacct.duckdb"), read_only=True) as con:
        vendors = con.execute("SELECT count(*) FROM VENDOR").fetchone()
    assert vendors is not None and vendors[0] > 10
    assert (tmp_path / "cache" / "intacct-connector" / "emulator-demo.sqlite").exists()
    code, out, err = run("--objects", "VENDOR,CLASS")  # the same data: nothing to do
    assert code == 0, err
    vendor = table(out)["VENDOR"]
    assert [vendor[h] for h in ("read", "inserted", "updated", "deleted")] == ["0"] * 4
    # the audit trail's one question (verify_every) is the run's whole cost
    assert vendor["API transactions"] == "0"
    assert table(out)["all"]["API transactions"] == "1"


def test_intacct_variables_and_entities(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path
) -> None:
    use_env(monkeypatch, server.url, company="DEMO-ME")
    code, _, err = run("--objects", "VENDOR", "--entities", "all", "--db", "me.duckdb")
    assert code == 0, err
    assert "embedded" not in err
    with duckdb.connect(str(tmp_path / "me.duckdb"), read_only=True) as con:
        entities = con.execute("SELECT DISTINCT _entity_id FROM VENDOR ORDER BY 1").fetchall()
    assert entities == [("E100",), ("E200",)]


def test_a_profile_is_used_by_name(server: EmulatorServer, tmp_path: Path) -> None:
    ProfileStore().add(
        "demo",
        {"api_url": server.url, "sender_id": "demo_sender", "company_id": "DEMO",
         "user_id": "demo_user", "sender_password": "demo-sender-password",
         "user_password": "demo-user-password"},
    )  # fmt: skip
    code, _, err = run("--profile", "demo", "--objects", "CLASS")
    assert code == 0, err
    code, _, err = run("--profile", "nosuch", "--objects", "CLASS")
    # a bad value of an option: a usage mistake (exit 2), worded as the option's
    assert code == 2 and "'--profile': no profile 'nosuch'" in err and "demo" in err
    assert "config key" not in err


def test_half_set_variables_name_the_missing_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTACCT_SENDER_ID", "someone")
    code, _, err = run()
    assert code == 1
    assert "INTACCT_SENDER_PASSWORD" in err and "INTACCT_USER_PASSWORD" in err


def test_wrong_credentials_are_one_line_without_the_password(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_USER_PASSWORD", "not-the-password-42")
    code, out, err = run("--objects", "CLASS")
    assert code == 1
    assert "Error:" in err and "not-the-password-42" not in out + err
    assert len(err.strip().splitlines()) == 1


def test_an_unreachable_gateway_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    use_env(monkeypatch, "http://127.0.0.1:9/ia/xml/xmlgw.phtml")
    monkeypatch.setenv("INTACCT_MAX_RETRIES", "0")
    code, _, err = run("--objects", "CLASS")
    assert code == 1 and "Error:" in err and "Traceback" not in err


@pytest.fixture
def refused_url() -> str:
    """A loopback port nothing listens on: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/ia/xml/xmlgw.phtml"


@pytest.mark.usefixtures("no_keyring")
def test_a_wrong_password_says_the_fix_and_the_doctor_command(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    ProfileStore().add(
        "demo",
        {"api_url": server.url, "sender_id": "demo_sender", "company_id": "DEMO",
         "user_id": "demo_user", "sender_password": "demo-sender-password",
         "user_password": "not-the-password-42"},
    )  # fmt: skip
    code, _, err = run("--profile", "demo", "--objects", "CLASS")
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "XL03000006 Sign-in information is incorrect. Fix: check company_id ('DEMO'" in err
    assert "user_id ('demo_user') and user_password" in err
    assert "`intacct doctor --profile demo` checks every setup step" in err
    assert "not-the-password-42" not in err


def test_a_refused_connection_says_the_fix_and_the_doctor_command(
    monkeypatch: pytest.MonkeyPatch, refused_url: str
) -> None:
    use_env(monkeypatch, refused_url)
    monkeypatch.setenv("INTACCT_MAX_RETRIES", "0")
    code, _, err = run("--objects", "CLASS")
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert f"cannot connect to {refused_url}" in err
    assert f"Fix: check api_url ({refused_url}; Intacct's gateway is https://api." in err
    assert "the network and any proxy; `intacct doctor` checks every setup step." in err


def _requests(server: EmulatorServer) -> int:
    """Requests the emulator has answered so far."""
    url = server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/stats")
    return int(httpx.get(url, timeout=30).json().get("requests", 0))


def test_a_wrong_client_secret_names_client_id_and_client_secret(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_AUTH_TYPE", "oauth")
    monkeypatch.setenv("INTACCT_CLIENT_ID", "demo_client_id")
    monkeypatch.setenv("INTACCT_CLIENT_SECRET", "not-the-client-secret")
    code, _, err = run("--objects", "CLASS")
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "invalid_client" in err and "Fix: check client_id and client_secret" in err
    assert "INTACCT_CLIENT_ID and INTACCT_CLIENT_SECRET" in err
    assert "sender_id" not in err and "not-the-client-secret" not in err


def test_api_rest_without_the_oauth_app_is_one_error_before_any_request(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path
) -> None:
    use_env(monkeypatch, server.url)
    before = _requests(server)
    code, out, err = run("--api", "rest", "--db", "rest.duckdb")
    assert code == 2 and out == ""  # the option's mistake (tests/cli/test_sync_usage.py)
    (line,) = [line for line in err.strip().splitlines() if line.startswith("Error:")]
    assert line.startswith("Error: --api: api rest reads through the REST API")
    assert "INTACCT_CLIENT_ID and INTACCT_CLIENT_SECRET" in line
    assert "--client-id ID --client-secret-env VARIABLE" in line
    assert _requests(server) == before
    assert list(tmp_path.glob("rest.duckdb*")) == []


@pytest.mark.parametrize(
    ("mistake", "variable", "value", "objects", "status"),
    [
        ("a misspelt object", None, None, "VENDORS", 2),  # a usage mistake
        ("a wrong password", "INTACCT_USER_PASSWORD", "wrong", "CLASS", 1),
        ("a refused connection", "INTACCT_API_URL", None, "CLASS", 1),
        ("no permission to read", "INTACCT_USER_ID", "demo_restricted", "APBILL", 1),
    ],
)
def test_a_run_that_stores_nothing_leaves_no_database_behind(
    monkeypatch: pytest.MonkeyPatch,
    server: EmulatorServer,
    refused_url: str,
    tmp_path: Path,
    mistake: str,
    variable: str | None,
    value: str | None,
    objects: str,
    status: int,
) -> None:
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_MAX_RETRIES", "0")
    if variable is not None:
        monkeypatch.setenv(variable, value or refused_url)
    code, _, err = run("--objects", objects, "--db", "new.duckdb")
    assert code == status, err
    assert sorted(p.name for p in tmp_path.glob("new.duckdb*")) == [], mistake


def test_a_failed_run_never_removes_a_database_it_did_not_make(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path
) -> None:
    use_env(monkeypatch, server.url)
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()  # made by someone else, empty
    assert run("--objects", "CLASS", "--db", "full.duckdb")[0] == 0
    for name in ("empty.duckdb", "full.duckdb"):
        code, _, err = run("--objects", "VENDORS", "--db", name)
        assert code == 2 and "did you mean VENDOR" in err
        assert (tmp_path / name).exists(), name
    with duckdb.connect(str(tmp_path / "full.duckdb"), read_only=True) as con:
        classes = con.execute("SELECT count(*) FROM CLASS").fetchone()
    assert classes is not None and classes[0] > 0


def test_an_unknown_object_names_the_near_miss(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    use_env(monkeypatch, server.url)
    code, _, err = run("--objects", "VENDORS")
    assert code == 2, err
    assert "--objects: the company has no object 'VENDORS' (did you mean VENDOR" in err


def test_a_failing_object_fails_alone_and_the_exit_code_says_so(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path
) -> None:
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_USER_ID", "demo_restricted")  # its role lacks AP
    code, out, err = run("--objects", "APBILL,CLASS", "--db", "r.duckdb")
    assert code == 1 and "1 object failed: APBILL" in err
    # the table says which failed and stays 80 columns wide in a pipe; the error follows
    assert all(len(line) <= 80 for line in out.splitlines()), out
    assert "failed: APBILL" in out and set(table(out)) == {"APBILL", "CLASS", "all"}
    assert "APBILL failed: " in err
    hint = next(line for line in err.splitlines() if line.startswith("Permission:"))
    assert "user demo_restricted may not read APBILL" in hint
    assert "List and View permission on APBILL (Company > Roles" in hint
    assert "`intacct doctor --objects APBILL`" in hint
    with duckdb.connect(str(tmp_path / "r.duckdb"), read_only=True) as con:
        classes = con.execute("SELECT count(*) FROM CLASS").fetchone()
    assert classes is not None and classes[0] > 0


def test_a_file_that_is_no_duckdb_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path
) -> None:
    use_env(monkeypatch, server.url)
    (tmp_path / "notes.duckdb").write_text("my shopping list\n" * 100)
    code, _, err = run("--objects", "CLASS", "--db", "notes.duckdb")
    assert code == 1 and "notes.duckdb: it is not a DuckDB database" in err
    assert "Traceback" not in err
    assert (tmp_path / "notes.duckdb").read_text().startswith("my shopping list")


def test_a_sqlite_file_is_refused_before_duckdb_fetches_a_reader_for_it(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path
) -> None:
    """DuckDB would take it for a database to attach and download its sqlite extension
    (or fail to, offline) before saying anything useful."""
    import sqlite3

    with sqlite3.connect(tmp_path / "emulator.sqlite") as lite:
        lite.execute("CREATE TABLE kept (x)")
    before = (tmp_path / "emulator.sqlite").read_bytes()
    use_env(monkeypatch, server.url)
    code, _, err = run("--objects", "CLASS", "--db", "emulator.sqlite")
    assert code == 1
    assert err.strip() == (
        "Error: will not open emulator.sqlite: it is a SQLite database; give --db the path "
        "of a DuckDB database, or of a file that does not exist yet"
    )
    assert (tmp_path / "emulator.sqlite").read_bytes() == before


def test_a_db_path_in_a_missing_directory_is_one_line(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    use_env(monkeypatch, server.url)
    code, _, err = run("--objects", "CLASS", "--db", "no/such/dir/x.duckdb")
    assert code == 1 and "does not exist" in err


def test_a_full_disk_stops_the_run_with_one_line_and_whole_pages_kept(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path
) -> None:
    """A file size limit (RLIMIT_FSIZE) makes the disk "full" under the database."""
    import resource

    def full_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    use_env(monkeypatch, server.url)
    objects = "GLACCOUNT,VENDOR,APBILL,APBILLITEM,GLBATCH,GLENTRY"
    command = [sys.executable, "-m", "intacct.cli", "sync", "--objects", objects]
    done = subprocess.run(command, preexec_fn=full_disk, capture_output=True, text=True)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "could not write" in errors[0] and "not stored" in errors[0]
    code, _, err = run("--objects", objects)  # room again: the run goes on
    assert code == 0, err
    with duckdb.connect(str(tmp_path / "intacct.duckdb"), read_only=True) as con:
        entries = con.execute("SELECT count(*), count(DISTINCT RECORDNO) FROM GLENTRY").fetchone()
    with IntacctClient.from_mapping({**client_config(server.url), "timeout_s": 30}) as client:
        truth = sum(1 for _ in client.iter_query("GLENTRY", ["RECORDNO"]))
    assert entries == (truth, truth)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files; needs a user")
def test_a_read_only_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path
) -> None:
    use_env(monkeypatch, server.url)
    assert run("--objects", "CLASS")[0] == 0
    (tmp_path / "intacct.duckdb").chmod(0o444)
    code, _, err = run("--objects", "CLASS,VENDOR")
    assert code == 1 and "intacct.duckdb" in err and "Traceback" not in err


#: what a run stopped midway is read with: TRIALBALANCE asks month by month
MIDWAY = "GLENTRY,TRIALBALANCE"


@contextmanager
def first_page_told(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[subprocess.Popen[str], EmulatorServer]]:
    """``intacct sync --objects`` :data:`MIDWAY` as a process of its own, once its first
    page is told, on a slow emulator that keeps the rest in flight."""
    with EmulatorServer(port=0, scale=300, seed=6, latency_ms=100) as slow:
        use_env(monkeypatch, slow.url)
        command = [sys.executable, "-m", "intacct.cli", "sync", "--objects", MIDWAY]
        proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        told = [proc.stderr.readline() for _ in range(2)]  # the objects, then a page
        assert "page of" in told[1], told
        yield proc, slow


def goes_on_exactly(slow: EmulatorServer, db: Path) -> None:
    """The next run ends well, and ``db`` holds every entry once."""
    code, _, err = run("--objects", MIDWAY)
    assert code == 0, err
    with IntacctClient.from_mapping({**client_config(slow.url), "timeout_s": 30}) as client:
        truth = sum(1 for _ in client.iter_query("GLENTRY", ["RECORDNO"]))
    with duckdb.connect(str(db), read_only=True) as con:
        entries = con.execute("SELECT count(*), count(DISTINCT RECORDNO) FROM GLENTRY").fetchone()
    assert entries == (truth, truth)


def test_ctrl_c_in_the_middle_is_one_line_and_the_next_run_goes_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A real SIGINT to the command once its first page is told: exit 130, one line, and
    the next run stores every entry once."""
    with first_page_told(monkeypatch) as (proc, slow):
        proc.send_signal(signal.SIGINT)
        out, rest = finish(proc, timeout=60)
        assert proc.returncode == 130, rest
        lines = [line for line in rest.splitlines() if "Interrupted" in line]
        assert len(lines) == 1 and "intacct.duckdb" in lines[0] and "Traceback" not in rest
        assert out == ""  # no summary of a run that did not finish
        goes_on_exactly(slow, tmp_path / "intacct.duckdb")


def _rest_cache(tmp_path: Path) -> Path:
    """The one file of REST models ``intacct sync`` keeps in the user's cache folder."""
    (cached,) = (tmp_path / "cache" / "intacct-connector" / "rest-models").glob("*.json")
    return cached


def test_api_rest_reads_a_field_the_cached_model_lacks_and_keeps_the_new_model(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path
) -> None:
    """The company added a custom field after the models were cached (the cache holds
    VENDOR's model without ``nsp::VENDOR_TIER``, the list unchanged): the next run meets
    the XML custom field, reads the model again, fills the column (a record written
    with a value in it included) and keeps the new model in the cache file. [The
    emulator declares its custom fields with its catalog: a field cannot be added to it
    at run time, so the cache written before stands for the company before the field.]"""
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_CLIENT_ID", "demo_client_id")
    monkeypatch.setenv("INTACCT_CLIENT_SECRET", "demo-client-secret")
    code, _, err = run("--api", "rest", "--objects", "VENDOR", "--db", "first.duckdb")
    assert code == 0, err
    cached = _rest_cache(tmp_path)
    data = json.loads(cached.read_text(encoding="utf-8"))
    vendor = data["models"]["accounts-payable/vendor"]
    assert "nsp::VENDOR_TIER" in vendor["fields"]
    del vendor["fields"]["nsp::VENDOR_TIER"]  # the model before the company added it
    cached.write_text(json.dumps(data), encoding="utf-8")
    config = {**client_config(server.url, "DEMO"), **DEMO_APP}
    with IntacctClient.from_mapping(config) as client:
        made = client.rest.create(
            "accounts-payable/vendor",
            {"id": "V-NEWTIER", "name": "New tier vendor", "nsp::VENDOR_TIER": "Probation"},
        ).result
    assert made
    code, _, err = run("--api", "rest", "--objects", "VENDOR", "--db", "second.duckdb")
    assert code == 0, err
    with duckdb.connect(str(tmp_path / "second.duckdb"), read_only=True) as con:
        tiers = dict(con.execute("SELECT VENDORID, VENDOR_TIER FROM VENDOR").fetchall())
    assert tiers["V-NEWTIER"] == "Probation"
    assert sum(tier is not None for tier in tiers.values()) > 1  # the seeded ones too
    again = json.loads(_rest_cache(tmp_path).read_text(encoding="utf-8"))
    assert "nsp::VENDOR_TIER" in again["models"]["accounts-payable/vendor"]["fields"]


def test_api_rest_reads_a_changed_record_of_an_object_rest_gives_no_change_time(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path
) -> None:
    """TIMETYPE's REST twin (``time/time-type``) has no modified time: once the gateway
    counts a change since the bookmark, the run reads the object again by key (REST
    cannot say which records changed) and stores the change, and the run after it finds
    nothing new."""
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_CLIENT_ID", "demo_client_id")
    monkeypatch.setenv("INTACCT_CLIENT_SECRET", "demo-client-secret")
    code, _, err = run("--api", "rest", "--objects", "TIMETYPE")
    assert code == 0, err
    with IntacctClient.from_mapping(client_config(server.url, "DEMO")) as client:
        first = next(iter(client.iter_query("TIMETYPE", ["RECORDNO", "NAME"])))
        client.update("TIMETYPE", [{"RECORDNO": first["RECORDNO"], "NAME": "Renamed"}])
    code, _, err = run("--api", "rest", "--objects", "TIMETYPE")
    assert code == 0, err
    with duckdb.connect(str(tmp_path / "intacct.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT RECORDNO, NAME FROM TIMETYPE").fetchall()
    names = dict(rows)  # NAME is TIMETYPE's id: the renamed record is still one row
    assert names[int(first["RECORDNO"])] == "Renamed" and len(rows) == len(names)
    code, _, err = run("--api", "rest", "--objects", "TIMETYPE")
    assert code == 0, err
