"""The emulator held to ``tests/golden/`` — the same XML the client is held to.

* Every golden *request* body our client's builders are checked against is sent to the
  emulator: it must understand each one (no schema/parse error), so a request shape the
  client can produce is never one the emulator cannot read.
* For every golden *response* scenario the emulator can reproduce, its answer has the
  same element structure and error numbers, and our classification table puts it in
  the same error class as the golden file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from lxml import etree

from intacct.protocol.classify import error_for_response, error_for_result
from intacct.protocol.response import parse_response

from .conftest import envelope

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
REQUESTS = sorted((GOLDEN / "requests" / "functions").glob("*.xml"))
MANIFEST = {
    e["file"]: e for e in json.loads((GOLDEN / "responses" / "MANIFEST.json").read_text())["files"]
}

Post = Callable[..., tuple[httpx.Response, "etree._Element | None"]]


@pytest.mark.parametrize("path", REQUESTS, ids=[p.stem for p in REQUESTS])
def test_emulator_reads_every_golden_request(post: Post, path: Path) -> None:
    body = etree.tostring(etree.parse(str(path)).getroot(), encoding="unicode")
    uses_login = path.stem.startswith("getapisession")
    answer, root = post(envelope(body) if uses_login else envelope(body, company="DEMO"))
    if root is None:  # returnformat csv/json: bare data, no envelope
        assert answer.status_code == 200
        assert answer.headers["content-type"] in ("text/csv", "application/json")
        return
    assert root.findtext("control/status") == "success"
    result = root.find("operation/result")
    assert result is not None, etree.tostring(root)[:400]
    errors = [e.findtext("errorno") for e in result.iterfind("errormessage/error")]
    # business failures (unknown ids, objects this company lacks) are fine; not reading
    # the request is not
    assert "XL03000003" not in errors, etree.tostring(result)


def _tags(el: etree._Element | None) -> list[str]:
    return [str(c.tag) for c in el] if el is not None else []


def _errornos(el: etree._Element | None) -> list[str]:
    return (
        [e.findtext("errorno") or "" for e in el.iterfind("errormessage/error")]
        if (el is not None)
        else []
    )


def _golden(name: str) -> etree._Element:
    return etree.parse(str(GOLDEN / "responses" / name)).getroot()


def _same_class(golden_name: str, answer: bytes, status: int = 200) -> None:
    """Our table classifies the emulator's answer like the golden file's."""
    expected = MANIFEST[golden_name]["expect"].get("error_class")
    response = parse_response(answer, http_status=status)
    error = error_for_response(response) or next(
        (e for e in (error_for_result(r, http_status=status) for r in response.results) if e), None
    )
    assert type(error).__name__ == expected


def _check_result(golden_name: str, ours: etree._Element, answer: bytes) -> None:
    real = _golden(golden_name).find("operation/result")
    mine = ours.find("operation/result")
    assert _tags(mine) == _tags(real)
    assert _errornos(mine) == _errornos(real)
    _same_class(golden_name, answer)


SCENARIOS: dict[str, list[str]] = {
    "result-not-found.xml": ["<delete><object>CUSTOMER</object><keys>99999</keys></delete>"],
    "result-readmore-expired.xml": [
        "<readMore><resultId>7765623330Vqb8pMCoA4IAAEnuglgAAAAL5</resultId></readMore>"
    ],
    "result-unknown-object.xml": [
        "<readByQuery><object>NOSUCHOBJECT</object><query/></readByQuery>"
    ],
}


@pytest.mark.parametrize("golden_name", sorted(SCENARIOS))
def test_function_failures_match_golden(post: Post, golden_name: str) -> None:
    answer, root = post(envelope(*SCENARIOS[golden_name]))
    assert root is not None
    _check_result(golden_name, root, answer.content)


def test_duplicate_matches_golden(post: Post) -> None:
    create = (
        "<create><VENDOR><VENDORID>GOLD-V1</VENDORID><NAME>Gold</NAME><DISPLAYCONTACT>"
        "<CONTACTNAME>Gold</CONTACTNAME></DISPLAYCONTACT></VENDOR></create>"
    )
    post(envelope(create))
    answer, root = post(envelope(create))
    assert root is not None
    _check_result("result-duplicate.xml", root, answer.content)
    assert "GOLD-V1  already exists" in (
        root.findtext("operation/result/errormessage/error/description2") or ""
    )
    assert (
        root.find("operation/result/data").attrib
        == _golden("result-duplicate.xml").find("operation/result/data").attrib
    )


def test_replay_matches_golden(post: Post) -> None:
    create = "<create><CLASS><CLASSID>GOLD-R1</CLASSID><NAME>Gold</NAME></CLASS></create>"
    post(envelope(create, uniqueid="true"))
    answer, root = post(envelope(create, uniqueid="true"))
    assert root is not None
    _check_result("result-replay-refused.xml", root, answer.content)


def test_transaction_abort_matches_golden(post: Post) -> None:
    good = "<create><CLASS><CLASSID>GOLD-T1</CLASSID><NAME>Gold</NAME></CLASS></create>"
    bad = "<create><CLASS><NAME>no id</NAME></CLASS></create>"
    answer, root = post(envelope(good, bad, transaction="true"))
    assert root is not None
    real = _golden("result-transaction-aborted.xml")
    assert [r.findtext("status") for r in root.iterfind("operation/result")] == [
        r.findtext("status") for r in real.iterfind("operation/result")
    ]
    assert _errornos(root.find("operation/result")) == _errornos(real.find("operation/result"))
    _same_class("result-transaction-aborted.xml", answer.content)


@pytest.mark.parametrize(
    ("golden_name", "kwargs"),
    [
        ("auth-login-failure.xml", {"password": "wrong"}),
        ("auth-invalid-session.xml", {"sessionid": "gone.."}),
        (
            "auth-sender-not-authorized.xml",
            {"sender": "unauthorized_sender", "sender_password": "unauthorized-sender-password"},
        ),
    ],
)
def test_authentication_failures_match_golden(
    post: Post, golden_name: str, kwargs: dict[str, str]
) -> None:
    answer, root = post(envelope("<getDimensions/>", **kwargs))
    assert root is not None
    real = _golden(golden_name)
    assert _tags(root.find("operation")) == _tags(real.find("operation"))
    assert _tags(root.find("operation/authentication")) == _tags(
        real.find("operation/authentication")
    )
    assert _errornos(root.find("operation")) == _errornos(real.find("operation"))
    _same_class(golden_name, answer.content)


@pytest.mark.parametrize(
    ("golden_name", "body"),
    [
        (
            "control-bad-sender-credentials.xml",
            envelope("<getDimensions/>", sender_password="wrong"),
        ),
        ("control-xml-parse-error.xml", b"<request><control><senderid>x</senderid></contrl>"),
    ],
)
def test_control_failures_match_golden(post: Post, golden_name: str, body: bytes) -> None:
    answer, root = post(body)
    assert root is not None
    real = _golden(golden_name)
    assert _tags(root) == _tags(real)
    assert _errornos(root) == _errornos(real)[:1]
    _same_class(golden_name, answer.content)


def test_empty_read_by_query_matches_golden(post: Post) -> None:
    _, root = post(
        envelope(
            "<readByQuery><object>VENDOR</object><query>VENDORID = 'none'</query></readByQuery>"
        )
    )
    assert root is not None
    real = _golden("readbyquery-empty.xml").find("operation/result/data")
    ours = root.find("operation/result/data")
    assert ours is not None and real is not None
    assert ours.attrib == real.attrib and len(ours) == len(real) == 0


def test_legacy_create_matches_golden(post: Post) -> None:
    _, root = post(
        envelope("<create_class><classid>GOLD-L1</classid><name>L</name></create_class>")
    )
    assert root is not None
    assert _tags(root.find("operation/result")) == _tags(
        _golden("legacy-create-class-key.xml").find("operation/result")
    )


def test_read_with_owned_lines_matches_golden(post: Post) -> None:
    _, first = post(
        envelope(
            "<query><select><field>RECORDNO</field></select><object>APBILL"
            "</object><pagesize>1</pagesize></query>"
        )
    )
    assert first is not None
    key = first.findtext("operation/result/data/APBILL/RECORDNO")
    _, root = post(envelope(f"<read><object>APBILL</object><keys>{key}</keys></read>"))
    assert root is not None
    real = _golden("read-single-record-nested.xml").find("operation/result/data")
    ours = root.find("operation/result/data")
    assert ours is not None and real is not None
    assert set(ours.attrib) == set(real.attrib) and ours[0].tag == real[0].tag
    real_lines = real[0].find("APBILLITEMS")
    our_lines = ours[0].find("APBILLITEMS")
    assert real_lines is not None and our_lines is not None and len(our_lines)
    assert our_lines[0].tag == real_lines[0].tag
