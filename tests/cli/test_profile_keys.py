"""``intacct profiles add`` takes every key the INTACCT_* environment takes, and
``intacct sync`` uses what the profile says (its page size too)."""

from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from click.testing import CliRunner

from intacct import IntacctClient
from intacct.cli import main
from intacct.cli.profile_store import KEYS, SECRETS
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer

from .conftest import use_env

pytestmark = pytest.mark.usefixtures("no_keyring")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def requests_of(name: str, err: str) -> int:
    """The requests that read ``name``, as its last page's line (on stderr) counts them."""
    return int(re.findall(rf"{name}: page of .* in ([\d,]+) requests?", err)[-1].replace(",", ""))


def add(server: EmulatorServer, name: str, *extra: str) -> tuple[int, str, str]:
    return invoke(
        "profiles", "add", name, "--api-url", server.url, "--sender-id", "demo_sender",
        "--sender-password", "demo-sender-password", "--company-id", "DEMO",
        "--user-id", "demo_user", "--user-password", "demo-user-password", *extra,
    )  # fmt: skip


def test_every_key_the_environment_takes_is_an_option() -> None:
    code, out, _ = invoke("profiles", "add", "--help")
    assert code == 0
    for key in sorted(set(KEYS) - set(SECRETS)):
        assert f"--{key.replace('_', '-')}" in out, key


def test_connection_keys_are_kept_and_sync_reads_pages_of_the_profiles_size(
    server: EmulatorServer,
) -> None:
    code, _, err = add(
        server, "small", "--page-size", "3", "--max-concurrency", "1", "--timeout-s", "20",
        "--max-retries", "2", "--auth-type", "login", "--dtd-version", "3.0",
        "--lookback-minutes", "0",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = invoke("profiles", "show", "small")
    for line in ("page_size = 3", "max_concurrency = 1", "timeout_s = 20.0", "max_retries = 2"):
        assert line in out
    assert "auth_type = login" in out
    code, _, err = invoke("sync", "--profile", "small", "--objects", "VENDOR")
    assert code == 0, err
    with IntacctClient.from_mapping(client_config(server.url)) as client:
        data = client.query("VENDOR", ["RECORDNO"], pagesize=1).data
    assert data is not None and data.totalcount is not None and data.totalcount > 3
    assert requests_of("VENDOR", err) == math.ceil(data.totalcount / 3)


def test_a_bad_value_is_refused_before_anything_is_saved(server: EmulatorServer) -> None:
    code, _, err = add(server, "bad", "--page-size", "5000")
    assert code == 2 and "--page-size" in err
    code, _, err = add(server, "bad", "--start-date", "yesterday")
    assert code == 1 and "start_date" in err
    code, out, _ = invoke("profiles", "list")
    assert out.startswith("No profiles")


def test_a_profiles_destination_is_where_sync_writes_unless_db_says(
    server: EmulatorServer, postgres_url: str, tmp_path: Path
) -> None:
    parts = urlsplit(postgres_url)
    secret = "pw-In-The-Profile-7"
    host = parts.netloc.split("@")[1]
    url = urlunsplit(parts._replace(netloc=f"{parts.username}:{secret}@{host}"))
    code, _, err = add(server, "warehouse", "--destination", f"{url}?schema=books")
    assert code == 0, err
    code, out, _ = invoke("profiles", "show", "warehouse")
    assert "destination = postgresql://postgres@" in out and secret not in out
    code, out, err = invoke("sync", "--profile", "warehouse", "--objects", "CLASS")
    assert code == 0, err
    assert "(schema books)" in err and secret not in out + err
    with psycopg.connect(postgres_url) as con:
        (stored,) = con.execute('SELECT count(*) FROM books."CLASS"').fetchall()
    assert stored[0] > 0
    db = tmp_path / "here.duckdb"
    code, _, err = invoke("sync", "--profile", "warehouse", "--objects", "CLASS", "--db", str(db))
    assert code == 0 and db.exists(), err  # --db wins
    code, _, err = invoke("doctor", "--profile", "warehouse")  # a key no client takes: ignored
    assert "destination" not in err, err


def test_sync_reads_pages_of_the_environments_size(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_PAGE_SIZE", "4")
    code, _, err = invoke("sync", "--objects", "VENDOR")
    assert code == 0, err
    with IntacctClient.from_mapping(client_config(server.url)) as client:
        data = client.query("VENDOR", ["RECORDNO"], pagesize=1).data
    assert data is not None and data.totalcount is not None and data.totalcount > 4
    assert requests_of("VENDOR", err) == math.ceil(data.totalcount / 4)
