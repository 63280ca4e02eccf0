"""``intacct sync`` end to end through the command: the embedded emulator when nothing
is configured, INTACCT_* and profiles, entities, and one clear line for each mistake."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.cli.profile_store import ProfileStore
from intacct.emulator.server import EmulatorServer

from .conftest import use_env


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["sync", *args])
    return result.exit_code, result.stdout, result.stderr


def test_with_nothing_configured_it_syncs_the_embedded_demo_company(tmp_path: Path) -> None:
    code, out, err = run("--objects", "VENDOR,CLASS")
    assert code == 0, err
    assert "No connection configured: using the embedded emulator" in err
    assert "VENDOR" in out and "API transactions" in out
    with duckdb.connect(str(tmp_path / "intacct.duckdb"), read_only=True) as con:
        vendors = con.execute("SELECT count(*) FROM VENDOR").fetchone()
    assert vendors is not None and vendors[0] > 10
    assert (tmp_path / "cache" / "intacct-connector" / "emulator-demo.sqlite").exists()
    code, out, err = run("--objects", "VENDOR,CLASS")  # the same data: nothing to do
    assert code == 0, err
    row = next(line for line in out.splitlines() if "VENDOR" in line)
    assert [cell.strip() for cell in row.split("│")[2:7]] == ["0", "0", "0", "0", "2"]


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
    assert code == 1 and "no profile 'nosuch'" in err and "demo" in err


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


def test_an_unknown_object_names_the_near_miss(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    use_env(monkeypatch, server.url)
    code, _, err = run("--objects", "VENDORS")
    assert code == 1 and "did you mean VENDOR" in err


def test_a_failing_object_fails_alone_and_the_exit_code_says_so(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path
) -> None:
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_USER_ID", "demo_restricted")  # its role lacks AP
    code, _, err = run("--objects", "APBILL,CLASS", "--db", "r.duckdb")
    assert code == 1 and "1 object(s) failed: APBILL" in err
    with duckdb.connect(str(tmp_path / "r.duckdb"), read_only=True) as con:
        classes = con.execute("SELECT count(*) FROM CLASS").fetchone()
    assert classes is not None and classes[0] > 0


def test_a_file_that_is_no_duckdb_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path
) -> None:
    use_env(monkeypatch, server.url)
    (tmp_path / "notes.duckdb").write_text("my shopping list\n" * 100)
    code, _, err = run("--objects", "CLASS", "--db", "notes.duckdb")
    assert code == 1 and "cannot open the database" in err and "notes.duckdb" in err
    assert "Traceback" not in err
    assert (tmp_path / "notes.duckdb").read_text().startswith("my shopping list")


def test_a_db_path_in_a_missing_directory_is_one_line(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    use_env(monkeypatch, server.url)
    code, _, err = run("--objects", "CLASS", "--db", "no/such/dir/x.duckdb")
    assert code == 1 and "does not exist" in err
