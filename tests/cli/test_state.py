"""``intacct state show|reset`` through the command, on a database intacct sync wrote."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.destinations import saved_state
from intacct.emulator.server import EmulatorServer

from .conftest import use_env
from .tables import table


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path) -> Path:
    use_env(monkeypatch, server.url)
    code, _, err = run("sync", "--objects", "VENDOR,CLASS,GLACCOUNT", "--db", "s.duckdb")
    assert code == 0, err
    return tmp_path / "s.duckdb"


def _stored_state(path: Path) -> dict:
    state = saved_state(path)
    assert state is not None
    return state


def test_show_lists_every_object_with_its_bookmark(synced: Path) -> None:
    code, out, err = run("state", "show", "--db", str(synced))
    assert code == 0, err
    assert {"CLASS", "GLACCOUNT", "VENDOR"} <= set(out.split())
    assert out.count("(top level)") == 3 and "not started" not in out
    code, out, err = run("state", "show", "--db", str(synced), "--objects", "vendor", "--format",
                         "json")  # fmt: skip
    assert code == 0, err
    shown = json.loads(out)
    assert shown["streams"] == {"VENDOR": _stored_state(synced)["streams"]["VENDOR"]}


def test_reset_forgets_the_objects_and_the_next_run_reads_them_whole(synced: Path) -> None:
    before = _stored_state(synced)
    code, out, err = run("state", "reset", "--db", str(synced), "--objects", "VENDOR", "--yes")
    assert code == 0, err
    after = _stored_state(synced)
    assert set(after["streams"]) == set(before["streams"]) - {"VENDOR"}
    assert after["streams"]["CLASS"] == before["streams"]["CLASS"]
    with duckdb.connect(str(synced), read_only=True) as con:
        vendors = con.execute("SELECT count(*) FROM VENDOR").fetchone()
    assert vendors is not None
    code, out, err = run("sync", "--objects", "VENDOR,CLASS,GLACCOUNT", "--db", str(synced))
    assert code == 0, err
    rows = table(out)
    assert rows["VENDOR"]["read"] == str(vendors[0])  # read whole again
    # the same rows again: upserted, nothing new and nothing changed
    assert (rows["VENDOR"]["inserted"], rows["VENDOR"]["updated"]) == ("0", "0")
    assert rows["CLASS"]["read"] == "0"  # the others went on from their state
    with duckdb.connect(str(synced), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM VENDOR").fetchone() == vendors  # no duplicate


def test_reset_asks_first_and_all_forgets_everything(synced: Path) -> None:
    code, out, err = run("state", "reset", "--db", str(synced), "--all", stdin="n\n")
    assert code == 1 and "Forget the state of CLASS, GLACCOUNT, VENDOR" in out + err
    assert set(_stored_state(synced)["streams"]) == {"CLASS", "GLACCOUNT", "VENDOR"}
    code, _, err = run("state", "reset", "--db", str(synced), "--all", stdin="y\n")
    assert code == 0, err
    assert _stored_state(synced)["streams"] == {}
    code, _, err = run("state", "show", "--db", str(synced))
    assert code == 1 and "has no sync state yet" in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["reset"], "--objects A,B or --all"),
        (["reset", "--objects", "VENDOR", "--all"], "--objects A,B or --all"),
        (["reset", "--objects", "NOPE", "--yes"], "no state for NOPE; the state has CLASS"),
        (["show", "--objects", "VENDR"], "no state for VENDR"),
    ],
)
def test_mistakes_are_one_line(synced: Path, args: list[str], said: str) -> None:
    code, _, err = run("state", *args, "--db", str(synced))
    assert code in (1, 2) and said in err
    assert set(_stored_state(synced)["streams"]) == {"CLASS", "GLACCOUNT", "VENDOR"}


def test_a_missing_database_is_not_created(tmp_path: Path) -> None:
    code, _, err = run("state", "show", "--db", "none.duckdb")
    assert code == 1 and "none.duckdb has no sync state yet" in err
    assert not (tmp_path / "none.duckdb").exists()


def test_show_and_reset_on_postgres(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, postgres_url: str
) -> None:
    use_env(monkeypatch, server.url)
    code, _, err = run("sync", "--objects", "VENDOR,CLASS", "--db", postgres_url)
    assert code == 0, err
    code, out, err = run("state", "show", "--db", postgres_url)
    assert code == 0, err
    assert {"CLASS", "VENDOR"} <= set(out.split())
    code, out, err = run("state", "reset", "--db", postgres_url, "--objects", "VENDOR", "--yes")
    assert code == 0, err
    code, out, err = run("state", "show", "--db", postgres_url, "--format", "json")
    assert code == 0, err
    assert set(json.loads(out)["streams"]) == {"CLASS"}
    password = postgres_url.split("@")[0].rsplit(":", 1)[-1]
    assert password not in out + err
