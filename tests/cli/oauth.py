"""A person at a browser for ``intacct profiles add --consent`` (the browser the command
opens), and the demo OAuth app's profile options."""

from __future__ import annotations

import html
import re
import socket
import threading
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
from click.testing import CliRunner

from intacct.cli import main
from intacct.emulator.server import EmulatorServer
from intacct.emulator.store import DEMO_USER

CLIENT_SECRET = "demo-client-secret"
SECRETS = (CLIENT_SECRET, "demo-sender-password", DEMO_USER[1])
OAUTH = ["--auth-type", "oauth", "--client-id", "demo_client_id"]
_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def sign_in_and_allow(url: str, decision: str = "allow") -> str:
    """What a person does on the sign-in page at ``url``: the address the browser is
    sent to next (the redirect URI with the code or an error)."""
    with httpx.Client(timeout=30) as http:
        page = http.get(url)
        form = {n: html.unescape(v) for n, v in _HIDDEN.findall(page.text)}
        form.update(company_id="DEMO", user_id=DEMO_USER[0], password=DEMO_USER[1])
        back = http.post(url.split("?")[0], data={**form, "decision": decision})
    return str(back.headers["location"])


class Browser(webbrowser.BaseBrowser):
    """The person's browser: opens the page, signs in, allows (or denies) the app and
    follows the redirect to the command's listener, in a thread of its own as a real
    browser is a process of its own."""

    def __init__(self) -> None:
        super().__init__("intacct-test-browser")
        self.decision, self.active = "allow", True
        #: open a connection to the listener and send nothing on it first, as browsers
        #: open spare connections (preconnect)
        self.spare = False
        self.spares: list[socket.socket] = []
        self.opened: list[str] = []
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        if not self.active:
            return False
        self.opened.append(url)
        thread = threading.Thread(target=self._consent, args=(url,), daemon=True)
        thread.start()
        self._threads.append(thread)
        return True

    def _consent(self, url: str) -> None:
        try:
            back = sign_in_and_allow(url, self.decision)
            if self.spare:
                where = urlsplit(back)
                self.spares.append(socket.create_connection((where.hostname, where.port)))
            httpx.get(back, timeout=30)
        except BaseException as exc:  # noqa: BLE001 - the test reads it
            self.errors.append(exc)

    def close(self) -> None:
        self.active = False  # registered for the process: dormant from now on
        for thread in self._threads:
            thread.join(30)
        for spare in self.spares:
            spare.close()


@contextmanager
def browser() -> Iterator[Browser]:
    """The person's browser, the one ``webbrowser`` opens within the block."""
    person = Browser()
    webbrowser.register(person.name, None, person, preferred=True)
    try:
        yield person
    finally:
        person.close()
    assert not person.errors, person.errors


def invoke(*args: str) -> tuple[int, str]:
    """Exit status and everything shown (stdout and stderr), with no secret in it."""
    result = CliRunner().invoke(main, list(args))
    for secret in SECRETS:
        assert secret not in result.output
    return result.exit_code, result.output


def add(server: EmulatorServer, name: str, *extra: str) -> tuple[int, str]:
    """``intacct profiles add NAME`` for the demo company's OAuth app."""
    return invoke(
        "profiles", "add", name, "--api-url", server.url, "--sender-id", "demo_sender",
        "--sender-password", "demo-sender-password", "--company-id", "DEMO",
        "--user-id", "demo_user", *OAUTH, "--client-secret", CLIENT_SECRET, *extra,
    )  # fmt: skip
