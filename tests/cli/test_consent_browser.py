"""The consent a person gives, end to end in a real browser: ``intacct profiles add
--consent`` runs as its own process, prints the emulator's sign-in address and listens on
the loopback; headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven
through selenium's WebDriver) opens the address, signs in, accepts, and is sent to the
command's listener; the command exchanges the code and stores the tokens. The profile's
tokens then work, and no secret, code or token appears in what the command printed.

Chromium runs with a fresh profile and no network of its own (the machine's is closed):
``--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
--disable-background-networking --disable-component-update --disable-sync`` (and
``--disable-dev-shm-usage``, for containers).
Without the browser the test skips, naming the install command; under CI it fails
(``.ci/run`` installs both packages when they are missing)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from intacct.cli.profile_store import ProfileStore
from intacct.emulator.server import EmulatorServer
from intacct.emulator.store import DEMO_USER

from .oauth import CLIENT_SECRET, SECRETS, invoke

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
INSTALL = "apt-get install -y chromium chromium-driver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # a container's /dev/shm may be 64 MB: Chromium's shared memory goes to /tmp instead
    "--disable-dev-shm-usage",
)

pytestmark = pytest.mark.usefixtures("no_keyring")


def browser_missing() -> str | None:
    """Why the browser cannot be driven here, with what installs it."""
    absent = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    try:
        import selenium  # noqa: F401 (the kept driver library, from the dev extra)
    except ImportError:
        absent.append(f"selenium (install it with: {sys.executable} -m pip install -e '.[dev]')")
    if not absent:
        return None
    return f"needs {', '.join(absent)}: install Debian's browser with: {INSTALL}"


def require_browser() -> None:
    """Nothing when the browser can be driven; else a skip naming the install command,
    or, under CI (``CI`` set, not 0/false), a failure: CI installs it (``.ci/run``)."""
    if (missing := browser_missing()) is None:
        return
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI must drive a real browser: {missing}")
    pytest.skip(missing)


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium with a fresh profile, through chromedriver."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    service = Service(executable_path=CHROMEDRIVER, log_output=str(tmp_path / "driver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def fresh() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=100, seed=3) as emulator:
        yield emulator


def _add_with_consent(server: EmulatorServer) -> subprocess.Popen[str]:
    """``intacct profiles add emu --consent`` as a person types it (secrets from the
    variables SENDER_PW and CLIENT_PW), in its own process; no browser of its own
    (BROWSER names a no-op)."""
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "BROWSER": shutil.which("true") or "true",
    }
    command = [
        sys.executable, "-m", "intacct.cli", "profiles", "add", "emu", "--api-url",
        server.url, "--sender-id", "demo_sender", "--sender-password-env", "SENDER_PW",
        "--company-id", "DEMO", "--user-id", "demo_user", "--auth-type", "oauth",
        "--client-id", "demo_client_id", "--client-secret-env", "CLIENT_PW", "--consent",
    ]  # fmt: skip
    return subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env, start_new_session=True,
    )  # fmt: skip


def test_consent_in_a_real_browser_stores_a_working_token(
    fresh: EmulatorServer, chromium: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENDER_PW", "demo-sender-password")
    monkeypatch.setenv("CLIENT_PW", CLIENT_SECRET)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with _add_with_consent(fresh) as process:
        assert process.stdout is not None and process.stderr is not None
        try:
            shown = []
            for line in process.stdout:  # the address, then where it waits
                shown.append(line)
                if line.startswith("Waiting for the browser at "):
                    break
            (url,) = [line.strip() for line in shown if line.startswith("  http")]
            listener = shown[-1].removeprefix("Waiting for the browser at ").split(" ")[0]

            # the person: the emulator's sign-in page, credentials, Accept
            chromium.get(url)
            assert "Sign in to Sage Intacct" in chromium.page_source
            for name, value in (
                ("company_id", "DEMO"),
                ("user_id", DEMO_USER[0]),
                ("password", DEMO_USER[1]),
            ):
                chromium.find_element(By.NAME, name).send_keys(value)
            chromium.find_element(By.CSS_SELECTOR, "button[value=allow]").click()
            WebDriverWait(chromium, 30).until(lambda d: d.current_url.startswith(listener))
            landed = chromium.current_url
            assert "back to the terminal" in chromium.page_source  # the listener's page
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    out = "".join(shown) + out
    assert process.returncode == 0, out + err
    assert "Consent given" in out
    code = parse_qs(urlsplit(landed).query)["code"][0]
    tokens = json.loads(ProfileStore().path.with_name("tokens.emu.json").read_text())
    said = out + err
    assert code not in said
    assert not any(s in said for s in (*SECRETS, tokens["access_token"], tokens["refresh_token"]))

    # the stored token works on the REST API, and the profile's commands use it
    rest = fresh.url.removesuffix("/ia/xml/xmlgw.phtml") + "/ia/api/v1"
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    listed = httpx.get(f"{rest}/services/company-config/dimensions/list", headers=bearer)
    assert listed.status_code == 200, listed.text
    exit_code, shown_objects = invoke("objects", "--profile", "emu")
    assert exit_code == 0 and "VENDOR" in shown_objects, shown_objects


def test_without_the_browser_ci_fails_and_a_developer_is_told_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMEDRIVER", str(tmp_path / "chromedriver"))
    missing = browser_missing()
    assert missing is not None and "chromedriver" in missing and missing.endswith(INSTALL)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=INSTALL):
        require_browser()
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match=INSTALL):
        require_browser()


def test_ci_installs_the_browser_before_the_tests() -> None:
    run = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    install = run.index("apt-get install -y -qq \\\n        chromium chromium-driver")
    assert all(f"[ ! -x {path} ]" in run for path in (CHROMIUM, CHROMEDRIVER))
    assert install < run.index(".venv/bin/pytest")
