"""``intacct doctor`` for an OAuth app (auth_type oauth): the REST API's steps green, and
each mistake (a wrong client secret, an app the company has not authorized, a Web
Services user client credentials cannot sign in, a spent refresh token, a role without
read permission) fails its own line with where to fix it; no secret or token shown."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from intacct.cli.profile_store import ProfileStore
from intacct.emulator.server import EmulatorServer
from intacct.emulator.store import DEMO_USER

from .oauth import CLIENT_SECRET, add, browser, invoke

pytestmark = pytest.mark.usefixtures("no_keyring")
STEPS = ("REST API reachable", "OAuth app accepted", "OAuth app authorized for company DEMO")


@pytest.fixture
def fresh() -> Iterator[EmulatorServer]:
    """An emulator of this test's own: its setup is changed."""
    with EmulatorServer(port=0, scale=100, seed=1) as emulator:
        yield emulator


def _control(server: EmulatorServer, path: str, body: dict[str, Any]) -> None:
    base = server.url.split("/ia/")[0]
    httpx.post(f"{base}/_emulator/{path}", json=body, timeout=30).raise_for_status()


def _doctor(profile: str, objects: str = "CLASS") -> tuple[int, list[str]]:
    code, out = invoke("doctor", "--profile", profile, "--objects", objects)
    return code, out.splitlines()


def _line(lines: list[str], start: str) -> str:
    found = [line for line in lines if line.startswith(start)]
    assert len(found) == 1, lines
    return found[0]


def test_client_credentials_pass_every_check(server: EmulatorServer) -> None:
    assert add(server, "cc")[0] == 0
    code, lines = _doctor("cc", "CLASS,VENDOR,EMPLOYEE")
    assert code == 0, lines
    for step in STEPS:
        assert _line(lines, f"ok      {step}")
    assert _line(lines, "ok      client credentials for Web Services user demo_user@DEMO")
    assert _line(lines, "ok      XML session through the REST API")
    assert "(REST company-config/class)" in _line(lines, "ok      read access to CLASS")
    assert "(REST accounts-payable/vendor)" in _line(lines, "ok      read access to VENDOR")
    # an object the REST table lacks is read through the XML session
    assert _line(lines, "ok      read access to EMPLOYEE").endswith("records")
    assert lines[-1] == "All checks passed."


def test_an_entity_is_checked_through_the_bridge(server: EmulatorServer) -> None:
    assert add(server, "me", "--company-id", "DEMO-ME", "--entity-id", "E100")[0] == 0
    code, lines = _doctor("me")
    assert code == 0, lines
    assert _line(lines, "ok      entity E100 (Location ID)")
    assert add(server, "me", "--company-id", "DEMO-ME", "--entity-id", "E999")[0] == 0
    code, lines = _doctor("me")
    assert code == 1 and "Company > Setup > Entities" in _line(lines, "FAIL    entity E999")


def test_a_wrong_client_secret(server: EmulatorServer) -> None:
    wrong = "not-the-secret-42"
    assert add(server, "cc", "--client-secret", wrong)[0] == 0
    code, lines = _doctor("cc")
    assert code == 1 and wrong not in "\n".join(lines)
    assert _line(lines, "ok      REST API reachable")
    line = _line(lines, "FAIL    OAuth app accepted (client_id demo_client_id)")
    assert "invalid_client" in line and "check client_id/client_secret" in line
    assert _line(lines, "skipped OAuth app authorized")


def test_an_app_the_company_has_not_authorized(fresh: EmulatorServer) -> None:
    _control(fresh, "senders/demo_sender", {"companies": ["DEMO-ME"]})
    assert add(fresh, "cc")[0] == 0
    code, lines = _doctor("cc")
    assert code == 1
    assert _line(lines, "ok      OAuth app accepted")
    line = _line(lines, "FAIL    OAuth app authorized for company DEMO")
    assert "unauthorized_client" in line and "Web Services authorizations" in line


def test_a_user_client_credentials_cannot_sign_in(fresh: EmulatorServer) -> None:
    _control(fresh, "companies/DEMO/users/demo_user", {"web_services": False})
    assert add(fresh, "cc")[0] == 0
    code, lines = _doctor("cc")
    assert code == 1
    assert _line(lines, "unknown OAuth app authorized")  # the endpoint cannot tell
    line = _line(lines, "FAIL    client credentials for Web Services user demo_user@DEMO")
    assert "'Web Services user'" in line and "intacct profiles add cc --consent" in line


def test_a_spent_refresh_token_says_consent_again(server: EmulatorServer) -> None:
    with browser():
        assert add(server, "emu", "--consent")[0] == 0
    saved = ProfileStore().path.with_name("tokens.emu.json")
    spent = saved.with_name("spent.json")
    shutil.copy(saved, spent)
    code, lines = _doctor("emu")  # refreshes: the saved refresh token is spent
    assert code == 0, lines
    assert _line(lines, "ok      saved consent of profile emu (its refresh token)")
    shutil.copy(spent, saved)  # as if the new pair had never been saved
    code, lines = _doctor("emu")
    assert code == 1
    line = _line(lines, "FAIL    saved consent of profile emu")
    assert "invalid_grant" in line and "consent again: intacct profiles add emu --consent" in line
    text = "\n".join(lines)
    tokens = json.loads(spent.read_text())
    assert tokens["access_token"] not in text and tokens["refresh_token"] not in text
    with browser():
        assert invoke("profiles", "add", "emu", "--consent")[0] == 0
    assert _doctor("emu")[0] == 0


def test_a_role_without_read_permission_names_it(fresh: EmulatorServer) -> None:
    _control(fresh, "companies/DEMO/users/demo_user", {"denied_modules": ["AP"]})
    assert add(fresh, "cc")[0] == 0
    code, lines = _doctor("cc", "CLASS,VENDOR")
    assert code == 1
    assert _line(lines, "ok      read access to CLASS")
    line = _line(lines, "FAIL    read access to VENDOR")
    assert "'List, View Vendors'" in line and "Company > Roles" in line
    assert lines[-1] == "1 check failed."


def test_a_session_profile_with_an_app_has_the_app_checked_too(server: EmulatorServer) -> None:
    """auth_type session with an OAuth app (docs/notices.md's "Try it offline" profile): the
    XML gateway's checks, then the app's token; a wrong client secret fails doctor, as
    it fails ``sync --api rest`` (it passed: "All checks passed.")."""
    base = (
        "profiles", "add", "s", "--api-url", server.url, "--sender-id", "demo_sender",
        "--sender-password", "demo-sender-password", "--company-id", "DEMO",
        "--user-id", "demo_user", "--user-password", DEMO_USER[1],
        "--client-id", "demo_client_id",
    )  # fmt: skip
    assert invoke(*base, "--client-secret", CLIENT_SECRET)[0] == 0
    code, lines = _doctor("s")
    assert code == 0, lines
    assert _line(lines, "ok      read access to CLASS")  # the gateway's, through XML
    for step in STEPS:
        assert _line(lines, f"ok      {step}")
    assert lines[-1] == "All checks passed."
    wrong = "not-the-secret-42"
    assert invoke(*base, "--client-secret", wrong)[0] == 0
    code, lines = _doctor("s")
    assert code == 1 and wrong not in "\n".join(lines)
    line = _line(lines, "FAIL    OAuth app accepted (client_id demo_client_id)")
    assert "invalid_client" in line and "check client_id/client_secret" in line
    assert _line(lines, "ok      read access to CLASS")  # XML's still pass
