"""What only the Postgres destination has: a URL whose password is never shown, the
schema chosen in it, a dry run that creates nothing, hotglue's unified tables as in
DuckDB, and the Fivetran layout refused (its views are DuckDB's)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.destinations import DestinationError, open_destination
from intacct.emulator.demo import client_config
from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.server import EmulatorServer
from intacct.errors import ConfigError
from tests.sync.stores import duckdb_store, postgres_store
from tests.sync.test_destinations import sync

PASSWORD = "pw-Never-Shown-42"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=150, seed=3) as emulator:
        for name, value in {**client_config(emulator.url), "timeout_s": "30"}.items():
            monkeypatch.setenv(f"INTACCT_{name.upper()}", str(value))
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
        yield emulator


def with_password(url: str, password: str = PASSWORD, database: str | None = None) -> str:
    """The URL with a password (the tests' server trusts local users: any is taken)."""
    parts = urlsplit(url)
    netloc = f"{parts.username}:{password}@{parts.hostname}:{parts.port}"
    path = f"/{database}" if database else parts.path
    return urlunsplit(parts._replace(netloc=netloc, path=path))


def schemas(url: str) -> set[str]:
    with psycopg.connect(url) as con:
        rows = con.execute("SELECT nspname FROM pg_namespace").fetchall()
    return {r[0] for r in rows}


def test_the_password_in_the_url_is_never_shown_stored_or_logged(
    server: EmulatorServer, postgres_url: str
) -> None:
    url = with_password(postgres_url) + "?schema=books"
    runner = CliRunner()
    done = runner.invoke(main, ["sync", "--objects", "CLASS,VENDOR", "--db", url])
    assert done.exit_code == 0, done.output
    assert "Done: postgresql://postgres@" in done.output and "(schema books)" in done.output
    logged = runner.invoke(
        main, ["sync", "--log-format", "json", "-vv", "--objects", "CLASS", "--db", url]
    )
    assert logged.exit_code == 0, logged.output
    missing = with_password(postgres_url, database="no_such_database")
    failed = runner.invoke(main, ["sync", "--objects", "CLASS", "--db", missing])
    assert failed.exit_code == 1 and "no_such_database" in failed.output
    assert "cannot open the database postgresql://postgres@" in failed.output
    with psycopg.connect(postgres_url) as con:
        stored = con.execute(
            "SELECT string_agg(value, ' ') FROM books._intacct_state UNION ALL "
            "SELECT string_agg(summary || status, ' ') FROM books._intacct_runs"
        ).fetchall()
    assert "intacct" not in schemas(postgres_url)  # the schema the URL chose, only
    for text in (done.output, logged.output, failed.output, str(stored)):
        assert PASSWORD not in text


def test_a_dry_run_reads_the_state_and_creates_nothing(
    server: EmulatorServer, postgres_url: str
) -> None:
    runner = CliRunner()
    before = schemas(postgres_url)
    fresh = runner.invoke(main, ["sync", "--dry-run", "--objects", "CLASS", "--db", postgres_url])
    assert fresh.exit_code == 0, fresh.output
    assert schemas(postgres_url) == before  # no schema, no table
    assert runner.invoke(main, ["sync", "--objects", "CLASS", "--db", postgres_url]).exit_code == 0
    again = runner.invoke(main, ["sync", "--dry-run", "--objects", "CLASS", "--db", postgres_url])
    assert again.exit_code == 0, again.output
    # nothing to read: it saw the state (and the audit trail's one question, verify_every)
    assert "At rest: the audit trail lists no change since the last run" in again.output


def test_unified_tables_are_the_same_as_in_duckdb(postgres_url: str, tmp_path: Path) -> None:
    stores = [duckdb_store(tmp_path), postgres_store(postgres_url)]
    with InProcessEmulator(scale=150, seed=11) as emulator:
        for store in stores:
            report = sync(emulator, store.where, objects=["VENDOR"], unified=True)
            assert report.failed == [] and len(report.unified) >= 5
    duck, pg = stores
    unified = [name for name in duck.tables() if not name.isupper()]
    assert "Vendors" in unified and "Bills" in unified
    for name in unified:
        assert pg.columns(name) == duck.columns(name), name
        assert pg.rows(name) == duck.rows(name) and duck.rows(name), name


def test_the_fivetran_layout_is_refused_naming_the_flag(postgres_url: str) -> None:
    with (
        InProcessEmulator(scale=50, seed=1) as emulator,
        pytest.raises(ConfigError, match="--layout fivetran"),
    ):
        sync(emulator, postgres_url, objects=["CLASS"], layout="fivetran")


def test_a_user_who_may_not_create_the_schema_is_told_what_to_grant(postgres_url: str) -> None:
    role = f"reader_{uuid.uuid4().hex[:8]}"
    database = urlsplit(postgres_url).path.lstrip("/")
    with psycopg.connect(postgres_url, autocommit=True) as con:
        con.execute(f"CREATE ROLE {role} LOGIN")
        con.execute(f'REVOKE CREATE ON DATABASE "{database}" FROM PUBLIC')
    try:
        parts = urlsplit(postgres_url)
        weak = urlunsplit(parts._replace(netloc=f"{role}:{PASSWORD}@{parts.hostname}:{parts.port}"))
        with pytest.raises(DestinationError) as refused:
            open_destination(weak, company="DEMO")
        said = str(refused.value)
        assert "GRANT CREATE ON DATABASE" in said and "permission denied" in said
        assert PASSWORD not in said and f"postgresql://{role}@" in said
        open_destination(postgres_url, company="DEMO").close()  # the lock was let go of
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as con:
            con.execute(f"DROP ROLE {role}")


def test_the_last_line_shows_how_to_name_a_table_and_it_works(
    server: EmulatorServer, postgres_url: str
) -> None:
    """Tables keep Intacct's upper-case names: unquoted, Postgres folds them to lower
    case and finds nothing, so the run's last line says how to write them."""
    done = CliRunner().invoke(
        main, ["sync", "--objects", "GLENTRY", "--db", postgres_url + "?schema=books"]
    )
    assert done.exit_code == 0, done.output
    example = done.output.rsplit("quoted: ", 1)[1].strip()
    assert example == 'SELECT count(*) FROM books."GLENTRY"'
    with psycopg.connect(postgres_url) as con:
        assert con.execute(example).fetchone()[0] > 0  # type: ignore[index]
        with pytest.raises(psycopg.errors.UndefinedTable):
            con.execute("SELECT count(*) FROM books.GLENTRY")


def test_a_url_without_a_host_reaches_the_local_socket(
    server: EmulatorServer, postgres_url: str
) -> None:
    """``postgresql:///db`` is libpq's local socket: the URL keeps its ``//`` (it was
    passed on as ``postgresql:/db``, which libpq refuses). The tests' server's socket is
    in a folder of its own, given as libpq takes it (``host=``)."""
    parts = urlsplit(postgres_url)
    with psycopg.connect(postgres_url) as con:
        row = con.execute("SHOW unix_socket_directories").fetchone()
    assert row is not None
    folder, database = row[0].split(",")[0], parts.path.lstrip("/")
    where = (
        f"postgresql:///{database}?host={folder}&port={parts.port}&user={parts.username}&schema=s"
    )
    done = CliRunner().invoke(main, ["sync", "--objects", "CLASS", "--db", where])
    assert done.exit_code == 0, done.output
    assert f"Done: postgresql:///{database} (schema s)" in done.output
