"""A small scriptable gateway for client tests, served through ``httpx.MockTransport``.

It parses each request the way the real gateway would (control, authentication,
functions) and answers with Intacct-shaped XML. Behaviour is scripted per test:
``faults`` is a queue of canned answers served before normal handling, ``handlers``
answers functions by name. The emulator (issue 3) replaces this for end-to-end tests;
this fake exists so the client's session/retry/idempotency logic is tested offline
with exact control over every answer.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from lxml import etree

SENDER = ("sender", "sender-secret-pw")
USER = ("user", "COMPANY", "user-secret-pw")

Handler = Callable[["Call"], "etree._Element | str"]


@dataclass
class Call:
    """One function of a request, as the fake saw it."""

    controlid: str
    name: str
    body: etree._Element
    request: Seen


@dataclass
class Seen:
    """One HTTP request, parsed."""

    url: str
    headers: httpx.Headers
    raw: bytes
    root: etree._Element
    auth: str  # "login" or "session"
    sessionid: str | None
    locationid: str | None
    uniqueid: str | None
    transaction: str | None
    controlids: list[str]


def E(tag: str, *children: Any, **attrib: str) -> etree._Element:
    el = etree.Element(tag, dict(attrib))
    for child in children:
        if isinstance(child, etree._Element):
            el.append(child)
        elif child is not None:
            el.text = str(child)
    return el


def record(tag: str, **fields: Any) -> etree._Element:
    return E(tag, *(E(k, v) for k, v in fields.items()))


def error(
    errorno: str, description2: str = "", description: str = "", correction: str = ""
) -> etree._Element:
    return E(
        "error",
        E("errorno", errorno),
        E("description", description),
        E("description2", description2),
        E("correction", correction),
    )


@dataclass
class FakeGateway:
    endpoint: str = "https://na99.intacct.com/ia/xml/xmlgw.phtml"
    session_hours: float = 8
    handlers: dict[str, Handler] = field(default_factory=dict)
    faults: list[Callable[[httpx.Request], httpx.Response | None]] = field(default_factory=list)
    requests: list[Seen] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    sessions: dict[str, str] = field(default_factory=dict)  # sessionid -> locationid
    executed: set[str] = field(default_factory=set)  # function controlids (uniqueid replay)
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # -- HTTP ------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        while self.faults:
            fault = self.faults.pop(0)
            answer = fault(request)
            if answer is not None:
                return answer
        root = etree.fromstring(request.content)
        seen = self._seen(request, root)
        self.requests.append(seen)
        return self._xml(self._respond(seen))

    @staticmethod
    def _xml(root: etree._Element, status: int = 200) -> httpx.Response:
        return httpx.Response(
            status,
            content=etree.tostring(root, xml_declaration=True, encoding="UTF-8"),
            headers={"Content-Type": 'text/xml; encoding="UTF-8"'},
        )

    def _seen(self, request: httpx.Request, root: etree._Element) -> Seen:
        auth = root.find("operation/authentication")
        assert auth is not None
        login = auth.find("login")
        op = root.find("operation")
        assert op is not None
        return Seen(
            url=str(request.url),
            headers=request.headers,
            raw=request.content,
            root=root,
            auth="login" if login is not None else "session",
            sessionid=auth.findtext("sessionid"),
            locationid=login.findtext("locationid") if login is not None else None,
            uniqueid=root.findtext("control/uniqueid"),
            transaction=op.get("transaction"),
            controlids=[f.get("controlid", "") for f in root.iterfind(".//function")],
        )

    # -- gateway logic ---------------------------------------------------------------

    def _control(self, seen: Seen) -> etree._Element:
        return E(
            "control",
            E("status", "success"),
            E("senderid", SENDER[0]),
            E("controlid", seen.root.findtext("control/controlid")),
            E("uniqueid", seen.uniqueid),
            E("dtdversion", "3.0"),
        )

    def _authenticate(self, seen: Seen) -> tuple[bool, str, etree._Element | None]:
        if seen.auth == "login":
            login = seen.root.find("operation/authentication/login")
            assert login is not None
            ok = (
                login.findtext("userid"),
                login.findtext("companyid"),
                login.findtext("password"),
            ) == USER
            return (
                ok,
                seen.locationid or "",
                None if ok else error("XL03000006", "Sign-in information is incorrect"),
            )
        loc = self.sessions.get(seen.sessionid or "")
        if loc is None:
            return False, "", error("XL03000006", f"Invalid session {seen.sessionid}")
        return True, loc, None

    def _respond(self, seen: Seen) -> etree._Element:
        ok, locationid, failure = self._authenticate(seen)
        now = self.now()
        auth = E(
            "authentication",
            E("status", "success" if ok else "failure"),
            E("userid", USER[0] if ok else ""),
            E("companyid", USER[1] if ok else ""),
            E("locationid", locationid),
            E("sessiontimestamp", now.isoformat(timespec="seconds")),
            E(
                "sessiontimeout",
                (now + timedelta(hours=self.session_hours)).isoformat(timespec="seconds"),
            ),
        )
        operation = E("operation", auth)
        if not ok:
            operation.append(E("errormessage", failure))
            return E("response", self._control(seen), operation)
        for fn in seen.root.iterfind(".//function"):
            body = fn[0]
            call = Call(fn.get("controlid", ""), str(body.tag), body, seen)
            self.calls.append(call)
            operation.append(self._result(call, locationid))
        return E("response", self._control(seen), operation)

    def _result(self, call: Call, locationid: str) -> etree._Element:
        head = [E("status", "success"), E("function", call.name), E("controlid", call.controlid)]
        if call.request.uniqueid == "true" and call.controlid in self.executed:
            head[0].text = "failure"
            return E(
                "result",
                *head,
                E(
                    "errormessage",
                    error("XL03000010", f"Control id {call.controlid} has already been executed."),
                ),
            )
        if call.name == "getAPISession":
            sid = f"S{next(self._ids)}.."
            wanted = call.body.findtext("locationid")
            self.sessions[sid] = locationid if wanted is None else wanted
            return E(
                "result",
                *head,
                E(
                    "data",
                    E(
                        "api",
                        E("sessionid", sid),
                        E("endpoint", self.endpoint),
                        E("locationid", self.sessions[sid]),
                    ),
                ),
            )
        handler = self.handlers.get(call.name)
        if handler is None:
            head[0].text = "failure"
            return E(
                "result",
                *head,
                E("errormessage", error("XL03000003", f"no handler for {call.name} in this test")),
            )
        answer = handler(call)
        if isinstance(answer, str):
            head[0].text = "failure"
            return E("result", *head, E("errormessage", error("BL01001973", answer)))
        if call.request.uniqueid == "true":
            self.executed.add(call.controlid)
        return E("result", *head, answer)


def xml_response(body: str, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=body.encode(), headers=headers)


def once(response: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: response


def raise_once(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def fault(request: httpx.Request) -> httpx.Response:
        raise exc

    return fault
