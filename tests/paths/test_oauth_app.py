"""The OAuth app for the REST API (docs/rest-and-oauth.md, "The OAuth app"), as a user
runs it: the profile its block adds (the secrets from the variables it names), then
``intacct sync --profile … --api rest``, whose tables are compared with the emulator's;
the same app signing the user in by itself (its block of ``--auth-type oauth``, no user
password, ``--check``); and ``--api rest`` without the app: refused before any request,
naming ``client_id`` and how to give it, nothing made."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import httpx

from intacct.emulator.server import EmulatorServer
from intacct.emulator.store import DEMO_APP, DEMO_SENDER, DEMO_USER
from tests.checksums import EmulatorData
from tests.docs import blocks, page, section
from tests.paths.commands import INTACCT, Ran, connection, run, user_env
from tests.paths.expected import left_out, object_problems, through_rest
from tests.sync.stores import Store

#: the guide's page of the REST API and the OAuth app
GUIDE = "rest-and-oauth.md"
#: the guide's placeholders, as the demo company has them
DEMO = {
    "acme_sender": DEMO_SENDER[0],
    "ACME": "DEMO",
    "ws_user": DEMO_USER[0],
    "acme_app_id": DEMO_APP.client_id,
}
#: what the variables the profile names hold
SECRETS = {
    "ACME_SENDER_PASSWORD": DEMO_SENDER[1],
    "ACME_USER_PASSWORD": DEMO_USER[1],
    "ACME_CLIENT_SECRET": DEMO_APP.client_secret,
}


def guide_commands(title: str = "The OAuth app") -> list[list[str]]:
    """The one block of the guide's section ``title`` (the one that gives a profile the
    OAuth app, by default), a command a line."""
    (block,) = blocks(section(GUIDE, title), "sh")
    lines = block.replace("\\\n", " ").splitlines()
    return [[DEMO.get(word, word) for word in shlex.split(line)] for line in lines]


def _requests(server: EmulatorServer) -> int:
    url = server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/stats")
    return int(httpx.get(url, timeout=30).json().get("requests", 0))


def _problems(db: Path, ran: Ran, objects: list[str], data: EmulatorData) -> list[str]:
    """The tables of ``objects`` in ``db`` against the demo company, REST's reads too."""
    found: list[str] = []
    rest, left = through_rest(ran.err), left_out(ran.err)
    store = Store("duckdb", str(db), str(db), schema="main")
    with store.connected() as con:
        for name in objects:
            found += object_problems(
                name, name, list(con.columns(name)), con.records(name), data, "DEMO", [""],
                left.get(name, ()), utc=name in rest,
            )  # fmt: skip
    return found


def test_a_profile_with_the_oauth_app_syncs_through_rest(
    emulator: EmulatorServer, data: EmulatorData, tmp_path: Path
) -> None:
    folder, env = tmp_path / "work", user_env(tmp_path / "home", SECRETS)
    add, sync = guide_commands()
    assert add[:3] == ["intacct", "profiles", "add"] and sync[:2] == ["intacct", "sync"]
    ran = run((INTACCT, *add[1:], "--api-url", emulator.url), folder, env)
    assert ran.code == 0, ran.said()
    ran = run((INTACCT, *sync[1:], "--objects", "CLASS,VENDOR"), folder, env)
    assert ran.code == 0 and "Traceback" not in ran.err, ran.said()
    assert through_rest(ran.err) == {"CLASS", "VENDOR"}, ran.said()
    found = _problems(folder / "intacct.duckdb", ran, ["CLASS", "VENDOR"], data)
    assert found == [], "\n".join(found)


def test_the_oauth_app_signs_the_user_in_without_a_password(
    emulator: EmulatorServer, data: EmulatorData, tmp_path: Path
) -> None:
    folder, env = tmp_path / "work", user_env(tmp_path / "home", SECRETS)
    (add,) = guide_commands("Signing in with the app alone: `auth_type` `oauth`")
    assert add[:3] == ["intacct", "profiles", "add"] and "--check" in add
    assert "--auth-type" in add and "--user-password-env" not in add
    ran = run((INTACCT, *add[1:], "--api-url", emulator.url), folder, env)
    assert ran.code == 0, ran.said()
    ran = run((INTACCT, "sync", "--profile", add[3], "--objects", "CLASS"), folder, env)
    assert ran.code == 0 and "Traceback" not in ran.err, ran.said()
    found = _problems(folder / "intacct.duckdb", ran, ["CLASS"], data)
    assert found == [], "\n".join(found)


def test_api_rest_without_the_app_is_refused_before_any_request(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    given = connection(emulator.url, "DEMO")
    plain = {
        k: v for k, v in given.items() if k not in ("INTACCT_CLIENT_ID", "INTACCT_CLIENT_SECRET")
    }
    folder, env = tmp_path / "work", user_env(tmp_path / "home", plain)
    before = _requests(emulator)
    ran = run((INTACCT, "sync", "--api", "rest"), folder, env)
    assert ran.code == 2 and ran.out == "", ran.said()  # --api's mistake (a usage one)
    (line,) = [line for line in ran.err.splitlines() if line.startswith("Error:")]
    assert line.startswith("Error: --api: ") and "client_id" in line
    assert "INTACCT_CLIENT_ID and INTACCT_CLIENT_SECRET" in line
    assert _requests(emulator) == before
    assert list(folder.iterdir()) == []


def test_the_documented_query_of_an_object_only_rest_has_runs(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """ "Exploring a company" (docs/doctor-and-exploring.md): ``intacct query
    accounts_payable_vendor_total --where ...`` as the guide writes it, with the profile
    of its OAuth app: the rows the REST API answers for that condition (it answered "The
    company has no object" before)."""
    folder, env = tmp_path / "work", user_env(tmp_path / "home", SECRETS)
    add, _ = guide_commands()
    assert run((INTACCT, *add[1:], "--api-url", emulator.url), folder, env).code == 0
    line = next(
        line.split("#")[0]
        for line in page("doctor-and-exploring.md").splitlines()
        if line.startswith("intacct query accounts_payable_vendor_total")
    )
    words = shlex.split(line)
    ran = run((INTACCT, *words[1:], "--profile", "acme", "--format", "json"), folder, env)
    assert ran.code == 0 and "Traceback" not in ran.err, ran.said()
    rows = json.loads(ran.out)
    assert 0 < len(rows) <= 5 and all(float(r["totalDue"]) > 1000 for r in rows), ran.said()
