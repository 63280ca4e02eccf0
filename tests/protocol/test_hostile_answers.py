"""Broken and hostile gateway answers, and large ones.

* An answer that lost its control status but still holds results is parsed, with
  ``control.status`` ``None``: its results and their errors reach the caller and are
  classified one by one. Only a body with neither a control status nor results is a
  :class:`~intacct.errors.ResponseFormatError`.
* Records are read while the body is parsed (the tree is pruned as it grows): the
  answer does not depend on where the body is cut into chunks, DOCTYPE and truncation
  are still refused after records were read, and peak memory stays a small multiple
  of the body.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from intacct.errors import (
    AuthenticationError,
    DuplicateError,
    ResponseFormatError,
    ValidationError,
)
from intacct.protocol import xml
from intacct.protocol.classify import error_for_response, error_for_result
from intacct.protocol.response import Control, Record, Response, parse_response
from tests.properties import examples

from ..shared_fixtures import shared_fixtures_dir

FIXTURES = shared_fixtures_dir()
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<response><control><status>success</status>'
    "<senderid>acme_partner</senderid><controlid>c1</controlid></control><operation>"
    "<authentication><status>success</status><userid>u</userid><companyid>c</companyid>"
    "</authentication>"
)
TAIL = "</operation></response>"


def _answer(results: str, head: str = HEAD) -> bytes:
    return (head + results + TAIL).encode()


def _result(body: str, status: str = "success", controlid: str = "f1") -> str:
    return (
        f"<result><status>{status}</status><function>readByQuery</function>"
        f"<controlid>{controlid}</controlid>{body}</result>"
    )


def _shape(record: Record) -> dict[str, Any]:
    """Everything a record exposes, nested records included, through its public API."""
    return {
        "tag": record.tag,
        "attributes": record.attributes,
        "text": record.text,
        "fields": {key: record.getlist(key) for key in record},
        "nested": {tag: [_shape(kid) for kid in kids] for tag, kids in record.children.items()},
    }


def _results(response: Response) -> list[Any]:
    return [
        (r.status, r.function, r.controlid, r.key, r.listtype, r.errors)
        + ((r.data.attributes, [_shape(x) for x in r.data.records]) if r.data else (None,))
        for r in response.results
    ]


# --------------------------------------------------------------------------- no control status

FAILED_AND_READ = _result(
    "<errormessage><error><errorno>BL34000061</errorno><description2>Another record with "
    "the value V1 already exists.</description2></error></errormessage>",
    status="failure",
) + _result('<data listtype="vendor" count="1"><vendor><VENDORID>V2</VENDORID></vendor></data>')
AUTH_OK = "<authentication><status>success</status><userid>u</userid></authentication>"


@pytest.mark.parametrize(
    "head",
    [
        "<response><operation>" + AUTH_OK,
        "<response><control/><operation>" + AUTH_OK,
        "<response><control><senderid>acme_partner</senderid><controlid>c1</controlid>"
        "</control><operation>" + AUTH_OK,
        "<response><operation>",  # no authentication block either
    ],
    ids=["no-control", "empty-control", "control-without-status", "no-authentication"],
)
def test_results_without_a_control_status_are_read(head: str) -> None:
    response = parse_response(_answer(FAILED_AND_READ, head), http_status=200)
    assert response.control.status is None
    assert not response.control.ok
    if "senderid" in head:
        assert response.control == Control(None, senderid="acme_partner", controlid="c1")
    failed, read = response.results
    assert [dict(r) for r in read.records] == [{"VENDORID": "V2"}]
    # the status is unknown, not failed: the results speak for themselves
    assert error_for_response(response) is None
    assert isinstance(error_for_result(failed), DuplicateError)
    assert error_for_result(read) is None


def test_a_failed_authentication_still_counts_without_a_control_status() -> None:
    head = (
        "<response><operation><authentication><status>failure</status></authentication>"
        "<errormessage><error><errorno>XL03000006</errorno><description2>Sign-in information"
        " is incorrect</description2></error></errormessage>"
    )
    response = parse_response(_answer(_result("", status="failure"), head))
    assert isinstance(error_for_response(response), AuthenticationError)


def test_a_control_failure_with_results_is_still_a_control_failure() -> None:
    head = HEAD.replace("<status>success</status>", "<status>failure</status>", 1)
    response = parse_response(_answer(FAILED_AND_READ, head))
    error = error_for_response(response)
    assert error is not None and error.level == "control"


@pytest.mark.parametrize(
    "body",
    [
        b"<response/>",
        b"<response><control/></response>",
        b"<response><control><senderid>s</senderid></control><operation/></response>",
        b"<response><operation><authentication><status>success</status></authentication>"
        b"</operation></response>",
        b"<response><acknowledgement><status>success</status></acknowledgement></response>",
        b"<response><errormessage><error><errorno>X</errorno></error></errormessage></response>",
    ],
    ids=["bare", "empty-control", "empty-operation", "operation-without-results", "ack", "errors"],
)
def test_neither_a_control_status_nor_results_is_a_format_error(body: bytes) -> None:
    with pytest.raises(ResponseFormatError, match="neither a control/status nor results") as info:
        parse_response(body, http_status=502)
    assert info.value.http_status == 502


def _shared(name: str) -> bytes:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"shared Intacct XML samples not found at {FIXTURES}")
    return path.read_bytes()


def test_offline_acknowledgement_needs_its_control_status() -> None:
    body = _shared("response-offline-acknowledgement.xml")
    response = parse_response(body)
    assert (response.acknowledgement, response.control.status) == ("success", "success")
    assert response.results == [] and error_for_response(response) is None
    without = re.sub(rb"<control>.*</control>", b"", body, flags=re.S)
    with pytest.raises(ResponseFormatError):
        parse_response(without)


def _shared_with_results() -> Iterator[Any]:
    for path in sorted(FIXTURES.glob("response-*.xml")):
        body = path.read_bytes()
        try:
            if parse_response(body).results:
                yield pytest.param(body, id=path.name)
        except ResponseFormatError:
            continue


@pytest.mark.parametrize("body", list(_shared_with_results()))
@pytest.mark.parametrize(
    "cut",
    [rb"<control>.*?</control>", rb"(?<=<control>)\s*<status>.*?</status>"],
    ids=["without-control", "without-control-status"],
)
def test_real_answers_that_lost_their_control_status_keep_their_results(
    body: bytes, cut: bytes
) -> None:
    whole = parse_response(body)
    broken = parse_response(re.sub(cut, b"", body, count=1, flags=re.S))
    assert broken.control.status is None
    assert _results(broken) == _results(whole)
    assert broken.operation is not None and whole.operation is not None
    assert broken.operation.authentication == whole.operation.authentication
    if whole.control.ok:  # the control level no longer speaks; the rest is unchanged
        assert type(error_for_response(broken)) is type(error_for_response(whole))


def test_classes_of_result_errors_survive_a_lost_control_block() -> None:
    body = _shared("response-function-failures-mixed-with-success.xml")
    broken = parse_response(re.sub(rb"<control>.*?</control>", b"", body, flags=re.S))
    errors = [error_for_result(r) for r in broken.results]
    assert [type(e) for e in errors] == [ValidationError, type(None), ValidationError]


# --------------------------------------------------------------------------- large answers


def _vendor(n: int) -> str:
    return (
        f'<vendor n="{n}"><RECORDNO>{n}</RECORDNO><NAME>Vendor &amp; Sons {n}</NAME>'
        f"<NOTE><![CDATA[<b>{n}</b>]]></NOTE><EMPTY/><TAG>a{n}</TAG><TAG>b{n}</TAG>"
        f"<ADDRESS><CITY>City {n % 97}</CITY><ZIP>{n:05}</ZIP></ADDRESS><!-- c{n} --></vendor>\n"
    )


def _large(records: int) -> bytes:
    rows = "".join(_vendor(n) for n in range(records))
    return _answer(_result(f'<data listtype="vendor" count="{records}">\n{rows}</data>'))


def test_a_large_answer_reads_every_record_exactly() -> None:
    body = _large(12_000)  # about 3 MB: dozens of parser chunks
    assert len(body) > 40 * 65536
    (result,) = parse_response(body).results
    assert result.data is not None and result.data.count == 12_000
    assert len(result.records) == 12_000
    for n, record in enumerate(result.records):
        assert record.attributes == {"n": str(n)}
        assert dict(record) == {
            "RECORDNO": str(n),
            "NAME": f"Vendor & Sons {n}",
            "NOTE": f"<b>{n}</b>",
            "EMPTY": "",
            "TAG": f"a{n}",
        }
        assert record.getlist("TAG") == [f"a{n}", f"b{n}"]
        (address,) = record.nested("ADDRESS")
        assert dict(address) == {"CITY": f"City {n % 97}", "ZIP": f"{n:05}"}


def _cuts(body: bytes, count: int) -> list[int]:
    step = len(body) // count
    return [step * i + (i * 7919) % step for i in range(1, count)]


def test_every_truncation_of_a_large_answer_is_refused() -> None:
    body = _large(3000)
    for cut in _cuts(body.rstrip(), 60):
        with pytest.raises(ResponseFormatError):
            parse_response(body[:cut])


@pytest.mark.parametrize(
    "where",
    ["doctype", "entity", "trailing-element", "trailing-text", "bad-byte", "depth"],
)
def test_a_large_answer_spoilt_anywhere_is_refused(where: str) -> None:
    body = _large(3000)
    middle = body.index(b"<vendor", len(body) // 2)
    if where == "doctype":
        body = body.replace(b"\n<response>", b'\n<!DOCTYPE response [<!ENTITY e "x">]><response>')
    elif where == "entity":
        body = body[:middle] + b"<vendor><X>&e;</X></vendor>" + body[middle:]
    elif where == "trailing-element":
        body += b"<response/>"
    elif where == "trailing-text":
        body += b"junk"
    elif where == "bad-byte":
        body = body[:middle] + b"<vendor><X>\xff</X></vendor>" + body[middle:]
    else:
        body = body[:middle] + b"<a>" * 300 + b"</a>" * 300 + body[middle:]
    with pytest.raises(ResponseFormatError) as info:
        parse_response(body, http_status=200)
    assert info.value.http_status == 200


# --------------------------------------------------------------------------- chunking


def _reference(body: bytes) -> list[Any]:
    """The answer's records from the whole tree, by a separate, naive reading."""

    def shape(el: etree._Element) -> dict[str, Any]:
        kids = [c for c in el if isinstance(c.tag, str)]
        fields: dict[str, list[str]] = {}
        nested: dict[str, list[Any]] = {}
        for kid in kids:
            if len(kid):
                nested.setdefault(str(kid.tag), []).append(shape(kid))
            else:
                fields.setdefault(str(kid.tag), []).append(kid.text or "")
        return {
            "tag": el.tag,
            "attributes": dict(el.attrib),
            "text": None if kids else el.text,
            "fields": fields,
            "nested": nested,
        }

    root = xml.parse(body)
    operation = root.find("operation")
    assert operation is not None
    out = []
    for result in operation.iterfind("result"):
        data = result.find("data")
        out.append(None if data is None else [shape(r) for r in data if isinstance(r.tag, str)])
    return out


NAMES = st.sampled_from(["A", "B", "data", "result", "vendor", "NAME"])
TEXTS = st.sampled_from(["", " ", "x", "&amp;", "<![CDATA[<&>]]>", "\n  ", "é€"])


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> str:
    name = draw(NAMES)
    attrs = draw(st.sampled_from(["", ' k="v"', ' a="1" b="&lt;"']))
    if depth >= 3 or draw(st.booleans()):
        return f"<{name}{attrs}>{draw(TEXTS)}</{name}>"
    kids = draw(st.lists(elements(depth + 1), max_size=4))  # type: ignore[call-arg]
    gap = draw(st.sampled_from(["", "\n", "<!-- c -->", "<?pi x?>"]))
    return f"<{name}{attrs}>{gap.join(kids)}{gap}</{name}>"


@st.composite
def answers(draw: st.DrawFn) -> bytes:
    results = []
    for i in range(draw(st.integers(0, 3))):
        datas = "".join(
            f'<data listtype="v">{"".join(draw(st.lists(elements(), max_size=6)))}</data>'
            for _ in range(draw(st.integers(0, 2)))  # only the first <data> is read
        )
        results.append(_result(datas, controlid=f"f{i}"))
    second = draw(
        st.sampled_from(["", "<operation>" + _result("<data><x>1</x></data>") + "</operation>"])
    )
    return (HEAD + "".join(results) + "</operation>" + second + "</response>").encode()


@settings(
    max_examples=examples(150),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(body=answers(), feed=st.sampled_from([1, 2, 3, 5, 8, 13, 64, 1000, 1 << 16]))
def test_records_do_not_depend_on_how_the_body_is_cut(body: bytes, feed: int) -> None:
    # the parser is fed _FEED_BYTES at a time; records cut by a chunk must come out whole
    with mock.patch.object(xml, "_FEED_BYTES", feed):
        response = parse_response(body)
    got = [
        None if r.data is None else [_shape(x) for x in r.data.records] for r in response.results
    ]
    assert got == _reference(body)


# --------------------------------------------------------------------------- memory

_PEAK = textwrap.dedent(
    """
    import gc, sys
    from intacct.protocol.response import parse_response

    def kib(key):
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith(key))

    with open(sys.argv[1], "rb") as answer:
        body = answer.read()  # one piece: no freed heap left for the parse to reuse
    gc.collect()
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # peak RSS := current RSS
    base = kib("VmRSS:")
    response = parse_response(body)
    print((kib("VmHWM:") - base) * 1024 / len(body))
    """
)


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_peak_memory_of_a_large_answer_is_a_small_multiple_of_it(tmp_path: Path) -> None:
    # Records of this shape (small fields, attributes, a nested and a repeated field in
    # each) take about 9x the body; holding the whole tree next to them took 22x.
    answer = tmp_path / "answer.xml"
    answer.write_bytes(_large(60_000))  # about 15 MB
    run = subprocess.run(
        [sys.executable, "-c", _PEAK, str(answer)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    ratio = float(run.stdout)
    assert ratio < 13, f"parse_response peaked at {ratio:.1f}x the body"
