"""The gateway's envelope behaviour over HTTP: content types, the three failure levels,
sessions, uniqueid replays, transactions, whitespace, DTD versions, bad input."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from urllib.parse import quote

import httpx
import pytest
from lxml import etree

from intacct.emulator.handlers import HANDLERS
from intacct.emulator.server import EmulatorServer

from .conftest import envelope

Post = Callable[..., tuple[httpx.Response, "etree._Element | None"]]


def _errors(root: etree._Element, path: str) -> list[str]:
    return [e.findtext("errorno") or "" for e in root.iterfind(f"{path}/errormessage/error")]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/xml",
        "x-intacct-xml-request",
        "text/xml",
        "application/xml; encoding:UTF-8",
    ],
)
def test_content_types(post: Post, content_type: str) -> None:
    answer, root = post(envelope("<getAPISession/>"), content_type)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == 'text/xml; encoding="UTF-8"'
    assert root is not None and root.findtext("operation/result/status") == "success"


def test_form_encoded_xmlrequest(post: Post) -> None:
    body = b"xmlrequest=" + quote(envelope("<getAPISession/>")).encode()
    _, root = post(body, "application/x-www-form-urlencoded")
    assert root is not None and root.findtext("operation/result/status") == "success"


def test_bom_and_iso_8859_1(post: Post) -> None:
    body = envelope("<getAPISession/>").replace(b'encoding="UTF-8"', b'encoding="iso-8859-1"')
    _, root = post(b"\xef\xbb\xbf" + envelope("<getAPISession/>"))
    assert root is not None and root.findtext("control/status") == "success"
    _, root = post(body)
    assert root is not None and root.findtext("control/status") == "success"


@pytest.mark.parametrize(
    "body",
    [
        b"<request><control><senderid>x</senderid></control>",  # truncated
        b"not xml at all",
        b"",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><request/>',
        b"<response/>",
    ],
)
def test_malformed_requests_get_a_parse_error_not_a_500(post: Post, body: bytes) -> None:
    answer, root = post(body)
    assert answer.status_code == 200
    assert root is not None, answer.text
    assert root.findtext("control/status") == "failure"
    assert root.find("operation") is None
    assert _errors(root, ".") == ["XL03000003"]
    assert root.findtext("errormessage/error/description2").startswith("XML Parse schema error")


def test_bad_sender_is_a_control_failure(post: Post) -> None:
    _, root = post(envelope("<getAPISession/>", sender_password="wrong"))
    assert root is not None and root.findtext("control/status") == "failure"
    assert root.findtext("errormessage/error/description2") == (
        "Incorrect Intacct XML Partner ID or password."
    )


def test_unauthorized_sender_is_an_authentication_failure(post: Post) -> None:
    _, root = post(
        envelope(
            "<getAPISession/>",
            sender="unauthorized_sender",
            sender_password="unauthorized-sender-password",
        )
    )
    assert root is not None and root.findtext("control/status") == "success"
    assert root.findtext("operation/authentication/status") == "failure"
    assert root.findtext("operation/errormessage/error/description") == (
        "Invalid Web Services Authorization"
    )
    assert root.find("operation/result") is None


def test_bad_login_and_bad_entity(post: Post) -> None:
    _, root = post(envelope("<getAPISession/>", password="nope"))
    assert root is not None and _errors(root, "operation") == ["XL03000006"]
    assert root.findtext("operation/errormessage/error/description2") == (
        "Sign-in information is incorrect"
    )
    _, root = post(envelope("<getAPISession/>", company="DEMO-ME", locationid="E999"))
    assert root is not None and root.findtext("operation/authentication/status") == "failure"


def test_session_endpoint_follows_the_host_header(post: Post, server: EmulatorServer) -> None:
    host = f"emulator.intacct.com:{server.port}"
    _, root = post(envelope("<getAPISession/>", company="DEMO-ME", locationid="E100"), Host=host)
    assert root is not None
    api = root.find("operation/result/data/api")
    assert api is not None
    assert api.findtext("endpoint") == f"http://{host}/ia/xml/xmlgw.phtml"
    assert api.findtext("locationid") == "E100"
    sessionid = api.findtext("sessionid") or ""
    assert sessionid.endswith("..")
    assert root.findtext("operation/authentication/sessiontimeout")
    _, again = post(envelope("<getDimensions/>", sessionid=sessionid))
    assert again is not None
    assert again.findtext("operation/authentication/status") == "success"
    assert again.findtext("operation/authentication/locationid") == "E100"


def test_invalid_session_shape(post: Post) -> None:
    _, root = post(envelope("<getDimensions/>", sessionid="nonsense.."))
    assert root is not None
    auth = root.find("operation/authentication")
    assert auth is not None and auth.findtext("status") == "failure"
    assert (auth.findtext("userid"), auth.findtext("companyid")) == ("", "")
    assert root.findtext("operation/errormessage/error/description2").startswith("Invalid session")


def test_uniqueid_refuses_a_replayed_controlid(post: Post) -> None:
    create = "<create><CLASS><CLASSID>UNIQ-1</CLASSID><NAME>Unique</NAME></CLASS></create>"
    _, first = post(envelope(create, uniqueid="true"))
    _, second = post(envelope(create, uniqueid="true"))
    assert first is not None and first.findtext("operation/result/status") == "success"
    assert second is not None and second.findtext("operation/result/status") == "failure"
    assert "already been executed" in second.findtext(
        "operation/result/errormessage/error/description2"
    )


def test_transaction_rolls_everything_back(post: Post) -> None:
    ok = "<create><CLASS><CLASSID>TX-1</CLASSID><NAME>Kept?</NAME></CLASS></create>"
    bad = "<create><CLASS><NAME>no id</NAME></CLASS></create>"
    _, root = post(envelope(ok, bad, ok.replace("TX-1", "TX-2"), transaction="true"))
    assert root is not None
    statuses = [r.findtext("status") for r in root.iterfind("operation/result")]
    assert statuses == ["aborted", "failure", "aborted"]
    results = root.findall("operation/result")
    assert _errors(results[0], ".") == ["XL03000009"]
    assert _errors(results[1], ".")[-1] == "XL03000009" and len(_errors(results[1], ".")) > 1
    _, check = post(
        envelope(
            "<readByName><object>CLASS</object><keys>TX-1,TX-2</keys>"
            "<fields>CLASSID</fields></readByName>"
        )
    )
    assert check is not None and check.find("operation/result/data").get("count") == "0"


def test_without_transaction_functions_are_independent(post: Post) -> None:
    ok = "<create><CLASS><CLASSID>IND-1</CLASSID><NAME>Kept</NAME></CLASS></create>"
    bad = "<create><CLASS><NAME>no id</NAME></CLASS></create>"
    _, root = post(envelope(ok, bad))
    assert root is not None
    assert [r.findtext("status") for r in root.iterfind("operation/result")] == [
        "success",
        "failure",
    ]


def test_includewhitespace(post: Post) -> None:
    compact, _ = post(envelope("<getDimensions/>", whitespace="false"))
    pretty, _ = post(envelope("<getDimensions/>", whitespace="true"))
    assert compact.content.count(b"\n") <= 2 < pretty.content.count(b"\n")


def test_dtd21_has_only_object_functions(post: Post) -> None:
    _, root = post(
        envelope(
            "<readByQuery><object>CLASS</object><query/></readByQuery>",
            '<get_list object="class" maxitems="1"/>',
            dtd="2.1",
        )
    )
    assert root is not None
    assert root.findtext("control/dtdversion") == "2.1"
    assert [r.findtext("status") for r in root.iterfind("operation/result")] == [
        "failure",
        "success",
    ]


def test_gzip_both_ways(server: EmulatorServer) -> None:
    body = gzip.compress(envelope("<inspect><object>*</object></inspect>"))
    answer = httpx.post(
        server.url,
        content=body,
        headers={
            "Content-Type": "application/xml",
            "Content-Encoding": "gzip",
            "Accept-Encoding": "gzip",
        },
    )
    assert answer.headers.get("content-encoding") == "gzip"
    assert etree.fromstring(answer.content).findtext("operation/result/status") == "success"


def test_get_is_refused_and_oversized_bodies_are_refused(server: EmulatorServer) -> None:
    assert httpx.get(server.url).status_code == 405
    answer = httpx.post(
        server.url, content=b"<" * (21 * 1024 * 1024), headers={"Content-Type": "application/xml"}
    )
    assert answer.status_code == 413
    assert etree.fromstring(answer.content).findtext("control/status") == "failure"


def test_stats_count_functions(server: EmulatorServer, post: Post) -> None:
    base = server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/stats")
    before = httpx.get(base).json()
    post(envelope("<getDimensions/>", "<getDimensions/>"))
    after = httpx.get(base).json()
    assert after["getDimensions"] == before.get("getDimensions", 0) + 2
    assert after["requests"] == before["requests"] + 1


def test_a_slow_request_does_not_hold_up_others(server: EmulatorServer) -> None:
    """Concurrent clients: a 1 s request and a quick one, sent together."""
    add = server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/faults")
    assert httpx.post(add, content=b"delay_ms=1000,function=inspect,times=1").status_code == 200
    slow_done: list[float] = []

    def slow() -> None:
        httpx.post(
            server.url,
            content=envelope("<inspect><object>*</object></inspect>"),
            headers={"Content-Type": "application/xml"},
            timeout=10,
        )
        slow_done.append(time.perf_counter())

    thread = threading.Thread(target=slow)
    started = time.perf_counter()
    thread.start()
    time.sleep(0.1)
    quick = httpx.post(
        server.url,
        content=envelope("<getDimensions/>"),
        headers={"Content-Type": "application/xml"},
        timeout=10,
    )
    quick_done = time.perf_counter()
    thread.join()
    assert quick.status_code == 200
    assert quick_done - started < 0.8 < slow_done[0] - started


def test_session_timeout_slides(post: Post) -> None:
    _, root = post(envelope("<getAPISession/>"))
    assert root is not None
    sessionid = root.findtext("operation/result/data/api/sessionid") or ""
    _, first = post(envelope("<getDimensions/>", sessionid=sessionid))
    time.sleep(1.1)
    _, second = post(envelope("<getDimensions/>", sessionid=sessionid))
    assert first is not None and second is not None
    before = first.findtext("operation/authentication/sessiontimeout") or ""
    after = second.findtext("operation/authentication/sessiontimeout") or ""
    assert after > before  # ISO-8601 UTC text orders like time


def test_a_handler_bug_is_an_intacct_error_not_a_500(
    post: Post, server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ctx: object) -> object:
        raise ZeroDivisionError("bug")

    monkeypatch.setitem(HANDLERS, "getDimensions", broken)
    answer, root = post(envelope("<getDimensions/>", "<readEntityDetails/>"))
    assert answer.status_code == 200 and root is not None
    first, second = root.findall("operation/result")
    assert first.findtext("status") == "failure"
    assert first.findtext("errormessage/error/errorno") == "DL02000001"
    assert "[Support ID:" in (first.findtext("errormessage/error/description2") or "")
    assert second.findtext("status") == "success"


def test_non_ascii_password_is_a_sign_in_failure(post: Post) -> None:
    _, root = post(envelope("<getAPISession/>", password="pässwörd").decode().encode("utf-8"))
    assert root is not None
    assert root.findtext("operation/authentication/status") == "failure"
    assert root.findtext("operation/errormessage/error/errorno") == "XL03000006"
