"""What the REST data tests share: a token through the real OAuth flow (client
credentials of the demo app), REST calls, XML calls against the same emulator, the books
(trial balance, GL detail) a journal entry moves, bulk jobs, and a webhook receiver
with the change notice controls."""

from __future__ import annotations

import calendar
import json
import re
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

import httpx
from lxml import etree

from intacct.emulator.app import GATEWAY_PATH
from intacct.emulator.server import EmulatorServer
from intacct.protocol.rest_catalog import rest_catalog

from .conftest import envelope

CLIENT = ("demo_client_id", "demo-client-secret")
QUERY = "/ia/api/v1/services/core/query"
MODEL = "/ia/api/v1/services/core/model"
OBJECTS = "/ia/api/v1/objects"
ENTITY = "X-IA-API-Param-Entity"
BULK_CREATE = "/ia/api/v1/services/bulk/job/create"
BULK_STATUS = "/ia/api/v1/services/bulk/job/status"
#: every object the emulator serves at a path of the catalog's: not the parameterized
#: ones (``order-entry/document::{documentName}``), served per transaction definition
SERVED = sorted(p for p in rest_catalog() if "::" not in p)


def xml_rows(http: httpx.Client, obj: str, fields: str) -> list[dict[str, str]]:
    """Every record of ``obj`` (up to 1000) through XML's readByQuery, as text."""
    root = xml(
        http,
        f"<readByQuery><object>{obj}</object><fields>{fields}</fields><query></query>"
        "<pagesize>1000</pagesize></readByQuery>",
    )
    data = root.find(".//data")
    assert data is not None and data.get("numremaining") == "0"
    return [{child.tag: child.text or "" for child in row} for row in data]


def document_href(module: str, obj: str, name: str, key: str) -> str:
    """Where the portal's lists put a document or line: its definition's path, the name
    URL-encoded (``/objects/order-entry/document::Sales%20Invoice/453``)."""
    return f"/objects/{module}/{obj}::{quote(name, safe='')}/{key}"


def at_home(href: str, path: str, key: str) -> bool:
    """Whether ``href`` is where the emulator puts record ``key`` of ``path``: its own
    path; a document's or line's (an object with a parameterized twin and XML records)
    at its definition's, ``/objects/order-entry/document::Sales%20Invoice/<key>``."""
    if f"{path}::{{documentName}}" in rest_catalog() and rest_catalog()[path].xml_object:
        home = rf"/objects/{re.escape(path)}::[^/:]+/{re.escape(key)}"
        return re.fullmatch(home, href) is not None
    return href == f"/objects/{path}/{key}"


def rest_client(server: EmulatorServer) -> httpx.Client:
    return httpx.Client(base_url=server.url.removesuffix(GATEWAY_PATH), timeout=30)


def token(http: httpx.Client, username: str = "demo_user@DEMO") -> dict[str, str]:
    """Authorization headers for ``username`` (``user@company[|entity]``)."""
    form = {"grant_type": "client_credentials", "username": username}
    answer = http.post("/ia/api/v1/oauth2/token", data=form, auth=CLIENT)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def query(http: httpx.Client, headers: dict[str, str], **body: Any) -> httpx.Response:
    return http.post(QUERY, json=body, headers=headers)


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def every(
    http: httpx.Client, headers: dict[str, str], obj: str, fields: list[str], **body: Any
) -> list[dict[str, Any]]:
    """Every record of a query, page after page of 4000."""
    found: list[dict[str, Any]] = []
    start: int | None = 1
    while start is not None:
        page = ok(query(http, headers, object=obj, fields=fields, start=start, size=4000, **body))
        found += page["ia::result"]
        start = page["ia::meta"]["next"]
    return found


def details(answer: httpx.Response, status: int = 400) -> list[dict[str, Any]]:
    assert answer.status_code == status, answer.text
    error = answer.json()["ia::result"]["ia::error"]
    assert error["supportId"]
    found: list[dict[str, Any]] = error.get("details", [])
    return found


def xml(http: httpx.Client, *functions: str, **auth: str) -> etree._Element:
    """A gateway request's answer (login as the demo user unless told)."""
    answer = http.post(
        GATEWAY_PATH,
        content=envelope(*functions, **auth),
        headers={"Content-Type": "application/xml"},
    )
    assert answer.status_code == 200, answer.text
    root = etree.fromstring(answer.content)
    for status in root.iter("status"):
        assert status.text == "success", answer.text
    return root


def create_vendor(http: httpx.Client, vendorid: str, **auth: str) -> str:
    """A vendor written through the XML gateway; its RECORDNO."""
    body = (
        f"<create><VENDOR><VENDORID>{vendorid}</VENDORID><NAME>{vendorid} name</NAME>"
        f"<DISPLAYCONTACT><CONTACTNAME>{vendorid}</CONTACTNAME></DISPLAYCONTACT>"
        "</VENDOR></create>"
    )
    return xml(http, body, **auth).findtext(".//vendor/RECORDNO") or ""


def control(http: httpx.Client, path: str, payload: dict[str, Any]) -> Any:
    answer = http.post(f"/_emulator/{path}", json=payload)
    assert answer.status_code == 200, answer.text
    return answer.json()


def journal_accounts(http: httpx.Client, headers: dict[str, str]) -> list[str]:
    """Two accounts journal entries post to."""
    obj, fields = "general-ledger/journal-entry-line", ["glAccount.id"]
    page = ok(query(http, headers, object=obj, fields=fields, size=50))
    found = list(dict.fromkeys(line["glAccount"]["id"] for line in page["ia::result"]))
    return found[:2]


def trial_balance(
    http: httpx.Client, accounts: list[str], day: date
) -> dict[str, tuple[Decimal, ...]]:
    """``accounts``' start balance, debits, credits and end balance in ``day``'s month."""
    first = day.replace(day=1)
    last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    root = xml(
        http,
        f"<get_trialbalance>{_day('startdate', first)}{_day('enddate', last)}</get_trialbalance>",
    )
    return {
        row.findtext("glaccountno") or "": tuple(
            Decimal(row.findtext(t) or "0")
            for t in ("startbalance", "debits", "credits", "endbalance")
        )
        for row in root.iterfind(".//data/trialbalance")
        if row.findtext("glaccountno") in accounts
    }


def _day(tag: str, day: date) -> str:
    return f"<{tag}><year>{day.year}</year><month>{day.month}</month><day>{day.day}</day></{tag}>"


def moved(
    before: dict[str, tuple[Decimal, ...]], after: dict[str, tuple[Decimal, ...]]
) -> dict[str, tuple[Decimal, ...]]:
    """What the trial balance moved by from ``before`` to ``after``."""
    zero = (Decimal(0),) * 4
    return {
        n: tuple(a - b for a, b in zip(after.get(n, zero), before.get(n, zero), strict=True))
        for n in set(before) | set(after)
    }


_DERIVED = {
    "RECORDNO",
    "BATCHKEY",
    "ENTRYKEY",
    "BATCHNO",
    "BATCH_TITLE",
    "WHENCREATED",
    "WHENMODIFIED",
    "RECORD_URL",
    "CREATEDBY",
    "MODIFIEDBY",
}


def gl_details(http: httpx.Client, batchkey: str) -> list[dict[str, str]]:
    """A journal entry's GLDETAIL rows, less what differs between two twins."""
    root = xml(
        http,
        "<readByQuery><object>GLDETAIL</object><fields>*</fields>"
        f"<query>BATCHKEY = {batchkey}</query><pagesize>100</pagesize></readByQuery>",
    )
    rows = [
        {c.tag: c.text or "" for c in row if c.tag not in _DERIVED}
        for row in root.iterfind(".//gldetail")
    ]
    return sorted(rows, key=lambda r: r["LINE_NO"])


# -- bulk jobs -------------------------------------------------------------------------


def bulk_create(
    http: httpx.Client,
    headers: dict[str, str],
    records: Any,
    *,
    file_part: str = "file",
    raw_file: bytes | None = None,
    **request_body: Any,
) -> httpx.Response:
    """``POST services/bulk/job/create`` as the portal's curl sends it: ``ia::requestBody``
    (``request_body`` over create defaults; a member given as None is left out) and the
    file part ``file_part`` holding ``records`` as JSON (or ``raw_file``)."""
    asked = {"operation": "create", "jobFile": "file", "fileContentType": "json"}
    asked = {k: v for k, v in {**asked, **request_body}.items() if v is not None}
    data = json.dumps(records).encode() if raw_file is None else raw_file
    files = {
        "ia::requestBody": (None, json.dumps(asked), "application/json"),
        file_part: ("records.json", data, "application/json"),
    }
    return http.post(BULK_CREATE, files=files, headers=headers)


def bulk_status(
    http: httpx.Client, headers: dict[str, str], job_id: str, **params: str
) -> httpx.Response:
    return http.get(BULK_STATUS, params={"jobId": job_id, **params}, headers=headers)


def bulk_finished(
    http: httpx.Client, headers: dict[str, str], job_id: str, timeout_s: float = 30
) -> dict[str, Any]:
    """The job's status answer once it is no longer queued or in progress."""
    deadline = time.monotonic() + timeout_s
    while True:
        answer: dict[str, Any] = ok(bulk_status(http, headers, job_id))
        if answer["ia::result"]["status"] not in ("queued", "inProgress"):
            return answer
        assert time.monotonic() < deadline, answer
        time.sleep(0.02)


def bulk_job(
    http: httpx.Client, headers: dict[str, str], records: Any, **request_body: Any
) -> list[Any]:
    """A job run to its end: its results file."""
    job_id = ok(bulk_create(http, headers, records, **request_body))["ia::result"]["jobId"]
    assert bulk_finished(http, headers, job_id)["ia::result"]["status"] == "completed"
    results: list[Any] = ok(bulk_status(http, headers, job_id, download="true"))
    return results


# -- change notices --------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One request a :class:`Receiver` got: its path, headers, exact body and when."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic()

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """A small real HTTP server (a thread, port 0) recording every POST it gets;
    ``answers`` are the statuses of the first requests (then 200)."""

    def __init__(self, answers: Sequence[int] = ()) -> None:
        self.got: list[Received] = []
        self.answers = list(answers)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver.got.append(
                        Received(self.path, dict(self.headers), body, time.monotonic())
                    )
                    status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), daemon=True
        )  # a stop waits for the poll: 0.5 s by default
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/intacct"

    def wait(self, count: int, timeout_s: float = 15) -> list[Received]:
        """The first ``count`` requests, once they came."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                if len(self.got) >= count:
                    return self.got[:count]
            assert time.monotonic() < deadline, f"{len(self.got)} of {count} requests came"
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def closed_url() -> str:
    """The URL of a port nothing listens on: a receiver that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks/intacct"


def subscribe(http: httpx.Client, **given: Any) -> dict[str, Any]:
    """``POST /_emulator/webhooks`` (company DEMO, the demo app, every event unless told)."""
    asked = {
        "company": "DEMO",
        "events": ["create", "update", "delete"],
        "client_id": CLIENT[0],
        **given,
    }
    found: dict[str, Any] = control(http, "webhooks", asked)
    return found


def stats(http: httpx.Client) -> dict[str, int]:
    found: dict[str, int] = http.get("/_emulator/stats").json()
    return found


def forget_webhooks(http: httpx.Client) -> None:
    """No subscription and no delivery fault left on the emulator behind ``http``."""
    for subscription in http.get("/_emulator/webhooks").json()["webhooks"]:
        http.delete(f"/_emulator/webhooks/{subscription['id']}")
    http.delete("/_emulator/webhooks/faults")


def aborted_transaction(http: httpx.Client, rolled: str, taken: str) -> None:
    """A transaction creating vendors ``rolled`` then ``taken`` (an id already used):
    the store refuses the second, and the first is rolled back with it."""
    vendor = "<VENDOR><VENDORID>{}</VENDORID><NAME>n</NAME></VENDOR>"
    answer = http.post(
        "/ia/xml/xmlgw.phtml",
        content=envelope(
            f"<create>{vendor.format(rolled)}</create>",
            f"<create>{vendor.format(taken)}</create>",
            transaction="true",
        ),
        headers={"Content-Type": "application/xml"},
    )
    assert b"aborted" in answer.content
