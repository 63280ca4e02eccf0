"""Golden answers under tests/golden/responses/, the classification table, and the
parser's behaviour on bodies that are not gateway XML.

* Every file in MANIFEST.json is parsed and its ``expect`` facts asserted.
* Every rule of :data:`intacct.protocol.classify.RULES` must name a fixture listed in
  MANIFEST.json whose classification is exactly ``rule.error`` (and which the rule itself
  matches), so a rule without a working fixture fails the suite.
* Non-XML bodies (HTML error pages, empty, truncated, JSON, DTD/entity tricks) raise
  :class:`~intacct.errors.ResponseFormatError` with the HTTP status and a short,
  redacted excerpt.
* ``parse_records_body`` (returnformat json/csv) and :class:`Record` behaviour.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import intacct.errors as errors_module
from intacct.errors import GatewayError, ResponseFormatError, TransportError
from intacct.protocol.classify import RULES, error_for_response, error_for_result
from intacct.protocol.response import Record, Response, parse_records_body, parse_response

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "responses"
MANIFEST: dict[str, Any] = json.loads((GOLDEN / "MANIFEST.json").read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = MANIFEST["files"]
BY_FILE: dict[str, dict[str, Any]] = {entry["file"]: entry for entry in ENTRIES}
XML_ENTRIES = [e for e in ENTRIES if e.get("format", "xml") == "xml"]
DATA_ENTRIES = [e for e in ENTRIES if e.get("format", "xml") != "xml"]


def _read(name: str) -> bytes:
    return (GOLDEN / name).read_bytes()


def _parse_entry(entry: Mapping[str, Any]) -> Response:
    return parse_response(_read(entry["file"]), http_status=entry["http_status"])


def _classified(entry: Mapping[str, Any], response: Response) -> GatewayError | None:
    """The error the manifest's level names: response-level, or the chosen result's."""
    expect = entry["expect"]
    if expect.get("level") == "result":
        result = response.results[expect["classify_result"]]
        return error_for_result(result, http_status=entry["http_status"])
    return error_for_response(response)


def _assert_attrs(where: str, obj: object, expected: Mapping[str, Any]) -> None:
    for key, value in expected.items():
        assert getattr(obj, key) == value, f"{where}.{key}"


def _assert_errors(where: str, actual: list[Any], expected: list[Mapping[str, Any]]) -> None:
    assert isinstance(actual, list), where
    assert len(actual) == len(expected), f"{where}: {actual!r}"
    for i, (got, want) in enumerate(zip(actual, expected, strict=True)):
        _assert_attrs(f"{where}[{i}]", got, want)


# --------------------------------------------------------------------------- manifest


def test_manifest_lists_exactly_the_golden_files() -> None:
    on_disk = {p.name for p in GOLDEN.iterdir() if p.is_file() and p.name != "MANIFEST.json"}
    listed = [entry["file"] for entry in ENTRIES]
    assert len(listed) == len(set(listed)), "a file is listed twice"
    assert set(listed) == on_disk
    for entry in ENTRIES:
        assert entry["description"].strip(), entry["file"]
        assert isinstance(entry["http_status"], int), entry["file"]
        assert isinstance(entry["expect"], dict) and entry["expect"], entry["file"]


@pytest.mark.parametrize("entry", XML_ENTRIES, ids=lambda e: e["file"])
def test_golden_response_facts(entry: dict[str, Any]) -> None:
    expect = entry["expect"]
    response = _parse_entry(entry)
    assert response.http_status == entry["http_status"]

    if "control" in expect:
        _assert_attrs("control", response.control, expect["control"])
    if "acknowledgement" in expect:
        assert response.acknowledgement == expect["acknowledgement"]
    if "errors" in expect:
        _assert_errors("errors", response.errors, expect["errors"])
    if "operation" in expect:
        assert expect["operation"] is None, "only 'operation': null is a fact"
        assert response.operation is None
        assert response.results == []
    if "authentication" in expect:
        assert response.operation is not None
        _assert_attrs("authentication", response.operation.authentication, expect["authentication"])
    if "operation_errors" in expect:
        assert response.operation is not None
        _assert_errors("operation.errors", response.operation.errors, expect["operation_errors"])
    if "results" in expect:
        assert len(response.results) == len(expect["results"])
        for i, (result, want) in enumerate(zip(response.results, expect["results"], strict=True)):
            where = f"results[{i}]"
            for key in ("status", "function", "controlid", "key"):
                if key in want:
                    assert getattr(result, key) == want[key], f"{where}.{key}"
            if "listtype" in want:
                if want["listtype"] is None:
                    assert result.listtype is None, where
                else:
                    _assert_attrs(f"{where}.listtype", result.listtype, want["listtype"])
            if "errors" in want:
                _assert_errors(f"{where}.errors", result.errors, want["errors"])
            if "data" in want:
                data = want["data"]
                if data is None:
                    assert result.data is None, where
                    assert result.records == [], where
                else:
                    assert result.data is not None, where
                    if "attributes" in data:
                        assert result.data.attributes == data["attributes"], where
                    if "record_count" in data:
                        assert len(result.records) == data["record_count"], where
                    if "records" in data:
                        assert [r.to_dict() for r in result.records] == data["records"], where
                    if "typed" in data:
                        _assert_attrs(f"{where}.data", result.data, data["typed"])
            if "error_class" in want:
                error = error_for_result(result, http_status=entry["http_status"])
                name = None if error is None else type(error).__name__
                assert name == want["error_class"], where

    level = expect["level"]  # every XML golden states where it fails (null = nowhere)
    if level is None:
        assert error_for_response(response) is None
    else:
        error = _classified(entry, response)
        assert error is not None
        assert type(error) is getattr(errors_module, expect["error_class"])
        assert error.level == level
        assert error.http_status == entry["http_status"]
        if "errorno" in expect:
            assert error.errorno == expect["errorno"]
        if "support_id" in expect:
            assert error.support_id == expect["support_id"]
        assert error.errorno is None or error.errorno in str(error)


@pytest.mark.parametrize("entry", DATA_ENTRIES, ids=lambda e: e["file"])
def test_golden_returnformat_bodies(entry: dict[str, Any]) -> None:
    expect = entry["expect"]
    records = parse_records_body(
        _read(entry["file"]), entry["format"], object_name=expect["object_name"]
    )
    assert [r.to_dict() for r in records] == expect["records"]
    assert all(r.tag == expect["object_name"] for r in records)
    # header order / object key order is kept
    assert [list(r) for r in records] == [list(row) for row in expect["records"]]


# --------------------------------------------------------------------------- rules


#: the XML gateway's rules (the REST API's, fixtures under rest/: test_golden_rest.py)
XML_RULES = [i for i, rule in enumerate(RULES) if not rule.fixture.startswith("rest/")]


@pytest.mark.parametrize(
    "index",
    XML_RULES,
    ids=[f"{i:02d}-{RULES[i].error.__name__}-{RULES[i].fixture}" for i in XML_RULES],
)
def test_every_rule_has_a_fixture_that_classifies_to_it(index: int) -> None:
    rule = RULES[index]
    entry = BY_FILE.get(rule.fixture)
    assert entry is not None, f"rule {index} names {rule.fixture!r}, not listed in MANIFEST.json"
    assert (GOLDEN / rule.fixture).is_file(), f"{rule.fixture} missing"
    level = entry["expect"]["level"]
    assert level in rule.levels, f"{rule.fixture} fails at {level!r}, rule covers {rule.levels}"
    assert entry["expect"]["error_class"] == rule.error.__name__

    response = _parse_entry(entry)
    error = _classified(entry, response)
    assert type(error) is rule.error, f"{rule.fixture}: {error!r}"
    assert error.level == level
    # the rule itself recognises its fixture (not only an earlier rule of the same class)
    assert rule.matches(level, entry["http_status"], error.errors)


def test_unmatched_failures_fall_back_to_the_base_class() -> None:
    body = _read("function-failure-mixed.xml")
    result = parse_response(body).results[0]
    error = error_for_result(result)
    assert type(error) is GatewayError
    assert error.function == "readByQuery"
    assert error.control_id == "rbq-glentry"


def test_success_results_and_clean_answers_are_not_errors() -> None:
    response = parse_response(_read("read-single-record-nested.xml"))
    assert error_for_response(response) is None
    assert [error_for_result(r) for r in response.results] == [None]


# --------------------------------------------------------------------------- not XML

CLOUDFLARE_502 = b"""<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<!--[if gt IE 8]><!--> <html class="no-js" lang="en-US"> <!--<![endif]-->
<head>
<title>api.intacct.com | 502: Bad gateway</title>
<meta charset="UTF-8" />
<meta http-equiv="X-UA-Compatible" content="IE=Edge" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/main.css" />
</head>
<body>
<div id="cf-wrapper">
  <div id="cf-error-details" class="p-0">
    <header class="mx-auto pt-10 lg:pt-6 lg:px-8 w-240 lg:w-full mb-8">
      <h1 class="inline-block sm:block sm:mb-2 font-light text-60 lg:text-4xl">
        <span class="inline-block">Bad gateway</span>
        <span class="code-label">Error code 502</span>
      </h1>
    </header>
    <p>Cloudflare Ray ID: <strong class="font-semibold">8f1c2a3b4d5e6f70</strong></p>
  </div>
</div>
</body>
</html>
"""

VALID = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<response><control><status>success</status>'
    b"<senderid>acme_partner</senderid><controlid>c1</controlid><uniqueid>false</uniqueid>"
    b"<dtdversion>3.0</dtdversion></control><operation><authentication><status>success"
    b"</status><userid>ws_user</userid><companyid>ACME-CO</companyid></authentication>"
    b"<result><status>success</status><function>readByQuery</function><controlid>f1"
    b'</controlid><data listtype="vendor" count="1" totalcount="1" numremaining="0" '
    b'resultId=""><vendor><RECORDNO>1</RECORDNO></vendor></data></result></operation>'
    b"</response>"
)

NOT_XML = {
    "cloudflare-html-502": (CLOUDFLARE_502, 502),
    "html-without-doctype-503": (
        b"<html><head><title>503 Service Temporarily Unavailable</title></head>"
        b"<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>",
        503,
    ),
    "empty-body": (b"", 200),
    "whitespace-only": (b" \r\n\t \n", 200),
    "truncated-document": (VALID[: len(VALID) // 2], 200),
    "json-instead-of-xml": (
        b'{"ia::result": {"ia::error": {"code": "GW-0010", "message": "Rate limit exceeded"}}}',
        200,
    ),
    "plain-text-503": (b"upstream connect error or disconnect/reset before headers", 503),
    "gzip-bytes-not-decoded": (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xb3)J-.\xc8", 200),
    "xml-other-root-500": (
        b'<?xml version="1.0"?><error><message>Internal error</message></error>',
        500,
    ),
    "response-without-control-status": (
        b"<response><control><senderid>acme_partner</senderid></control></response>",
        200,
    ),
    "doctype-internal-subset": (
        b'<?xml version="1.0"?><!DOCTYPE response [<!ELEMENT response ANY>]>'
        b"<response><control><status>success</status></control></response>",
        200,
    ),
    "billion-laughs": (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        + b"".join(
            b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
            for i in range(1, 10)
        )
        + b"]>\n<response><control><status>&lol9;</status></control></response>",
        200,
    ),
}


def _collapsed(body: bytes) -> str:
    return " ".join(body.decode("utf-8", "replace").split())


@pytest.mark.parametrize(("body", "status"), NOT_XML.values(), ids=NOT_XML.keys())
def test_bodies_that_are_not_gateway_xml_raise_response_format_error(
    body: bytes, status: int
) -> None:
    with pytest.raises(ResponseFormatError) as info:
        parse_response(body, http_status=status)
    exc = info.value
    assert isinstance(exc, TransportError)
    assert exc.http_status == status
    assert f"HTTP {status}" in str(exc)
    assert isinstance(exc.excerpt, str)
    assert len(exc.excerpt) <= 200
    assert "\n" not in exc.excerpt
    if body.strip():
        # the excerpt is the (whitespace-collapsed) beginning of the body
        assert exc.excerpt[:30] == _collapsed(body)[:30]
    else:
        assert exc.excerpt == ""


def test_external_entity_is_never_read(tmp_path: Path) -> None:
    marker = "XXE-MARKER-6f1d2c"
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(marker, encoding="utf-8")
    uri = secret_file.as_uri().encode()
    bodies = [
        b'<?xml version="1.0"?><!DOCTYPE response [<!ENTITY x SYSTEM "' + uri + b'">]>'
        b"<response><control><status>&x;</status></control></response>",
        b'<?xml version="1.0"?><!DOCTYPE response SYSTEM "' + uri + b'">'
        b"<response><control><status>success</status></control></response>",
        b'<?xml version="1.0"?><!DOCTYPE response [<!ENTITY % p SYSTEM "' + uri + b'"> %p;]>'
        b"<response><control><status>success</status></control></response>",
    ]
    for body in bodies:
        with pytest.raises(ResponseFormatError) as info:
            parse_response(body, http_status=200)
        assert marker not in str(info.value)
        assert marker not in (info.value.excerpt or "")


def test_excerpt_of_a_truncated_body_redacts_password_and_sessionid() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><response><control><status>success</status>'
        b"<senderid>acme_partner</senderid><password>hunter2</password></control><operation>"
        b"<authentication><sessionid>abc..</sessionid></authentication><result><status>succ"
    )
    # unredacted, both secrets would be inside the 200-character excerpt
    assert "hunter2" in _collapsed(body)[:199]
    assert "abc.." in _collapsed(body)[:199]
    with pytest.raises(ResponseFormatError) as info:
        parse_response(body, http_status=200)
    exc = info.value
    assert exc.excerpt is not None
    for secret in ("hunter2", "abc.."):
        assert secret not in str(exc)
        assert secret not in exc.excerpt
    assert "<password>REDACTED</password>" in exc.excerpt
    assert "acme_partner" in exc.excerpt  # only secrets are removed


def test_excerpt_of_a_body_cut_inside_a_secret_redacts_the_partial_value() -> None:
    body = b"<response><control><status>failure</status><password>hunter2-and-more"
    with pytest.raises(ResponseFormatError) as info:
        parse_response(body[:-9], http_status=502)
    assert "hunter2" not in str(info.value)
    assert info.value.http_status == 502


def test_json_answer_excerpt_redacts_password_pairs() -> None:
    body = b'{"login": {"userid": "ws_user", "password": "hunter2"}, "error": "not xml"}'
    with pytest.raises(ResponseFormatError) as info:
        parse_response(body, http_status=400)
    assert "hunter2" not in str(info.value)
    assert "ws_user" in str(info.value)


def test_utf8_bom_and_iso_8859_1_declarations_are_accepted() -> None:
    utf8 = b"\xef\xbb\xbf" + VALID
    assert parse_response(utf8).results[0].records[0]["RECORDNO"] == "1"
    latin = parse_response(_read("query-iso-8859-1.xml"))
    assert latin.results[0].records[0]["NAME"] == "Caf\u00e9 M\u00fcller"


# --------------------------------------------------------------------------- returnformat


def test_json_wrapper_object_holding_one_array_is_unwrapped() -> None:
    body = b'{"VENDOR": [{"RECORDNO": "1", "NAME": "A"}, {"RECORDNO": "2", "NAME": "B"}]}'
    records = parse_records_body(body, "json", object_name="VENDOR")
    assert [dict(r) for r in records] == [
        {"RECORDNO": "1", "NAME": "A"},
        {"RECORDNO": "2", "NAME": "B"},
    ]


def test_json_single_object_is_one_record() -> None:
    records = parse_records_body(b'{"RECORDNO": "7", "NAME": "Seven"}', "json")
    assert [dict(r) for r in records] == [{"RECORDNO": "7", "NAME": "Seven"}]


def test_json_single_object_with_one_field_is_one_record() -> None:
    # a one-field object is a record, not a wrapper: only a wrapper holding an array is
    # unwrapped (a query that selects a single field yields exactly this)
    records = parse_records_body(b'{"RECORDNO": "7"}', "json")
    assert [dict(r) for r in records] == [{"RECORDNO": "7"}]


@pytest.mark.parametrize("body", [b"", b"  \n", b"[]", b'{"VENDOR": []}', b"\xef\xbb\xbf[]"])
def test_json_without_rows_gives_no_records(body: bytes) -> None:
    assert parse_records_body(body, "json") == []


def test_json_nested_objects_are_lists_of_one() -> None:
    body = b'[{"RECORDNO": "1", "DISPLAYCONTACT": {"EMAIL1": "a@b.example"}, "EMPTY": null}]'
    (record,) = parse_records_body(body, "JSON", object_name="VENDOR")
    assert record.tag == "VENDOR"
    assert record["EMPTY"] == ""
    assert "DISPLAYCONTACT" not in record  # nested, not a leaf
    contacts = record.nested("DISPLAYCONTACT")
    assert isinstance(contacts, list)
    assert [dict(c) for c in contacts] == [{"EMAIL1": "a@b.example"}]
    assert record.to_dict() == {
        "RECORDNO": "1",
        "EMPTY": "",
        "DISPLAYCONTACT": [{"EMAIL1": "a@b.example"}],
    }


def test_json_scalars_stay_as_sent() -> None:
    # the documented shape has string values only; a number or boolean that slips
    # through must keep its JSON spelling, not Python's ("True", "12.5")
    (record,) = parse_records_body(b'[{"A": 12.50, "B": true, "C": false, "D": 7}]', "json")
    assert dict(record) == {"A": "12.50", "B": "true", "C": "false", "D": "7"}


@pytest.mark.parametrize(
    "body",
    [b'[{"RECORDNO": "1"', b"[1, 2]", b'"text"', b'[{"A": "1"}, "x"]', b"<response/>"],
    ids=["truncated", "list-of-numbers", "string", "mixed-list", "xml"],
)
def test_json_that_is_not_a_list_of_objects_raises(body: bytes) -> None:
    with pytest.raises(ResponseFormatError) as info:
        parse_records_body(body, "json")
    assert isinstance(info.value.excerpt, str)


def test_json_error_excerpt_is_redacted() -> None:
    body = b'[{"RECORDNO": "1", "password": "hunter2", '
    with pytest.raises(ResponseFormatError) as info:
        parse_records_body(body, "json")
    assert "hunter2" not in str(info.value)


def test_csv_header_only_and_empty_give_no_records() -> None:
    assert parse_records_body(b"RECORDNO,VENDORID\r\n", "csv") == []
    assert parse_records_body(b"", "csv") == []


def test_csv_bom_short_rows_and_case_insensitive_format() -> None:
    body = "\ufeffRECORDNO,NAME,EMAIL\n1,Caf\u00e9,a@b.example\n2,Short\n".encode()
    records = parse_records_body(body, "CSV", object_name="VENDOR")
    assert [dict(r) for r in records] == [
        {"RECORDNO": "1", "NAME": "Caf\u00e9", "EMAIL": "a@b.example"},
        {"RECORDNO": "2", "NAME": "Short", "EMAIL": ""},
    ]
    assert [r.tag for r in records] == ["VENDOR", "VENDOR"]


def test_unknown_return_format_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="yaml"):
        parse_records_body(b"a: 1", "yaml")


# --------------------------------------------------------------------------- Record

RECORD_DOC = b"""<?xml version="1.0" encoding="UTF-8"?>
<response><control><status>success</status></control><operation>
<authentication><status>success</status><userid>u</userid><companyid>c</companyid></authentication>
<result><status>success</status><function>read</function><controlid>r1</controlid>
<data listtype="VENDOR" count="1"><VENDOR id="v1">
  <RECORDNO>29181</RECORDNO>
  <NAME> A &amp; B </NAME>
  <PARENTID/>
  <DISPLAYCONTACT>
    <CONTACTNAME>Jane</CONTACTNAME>
    <MAILADDRESS><CITY>Somewhere</CITY></MAILADDRESS>
  </DISPLAYCONTACT>
  <TAG>first</TAG>
  <TAG>second</TAG>
</VENDOR></data></result></operation></response>"""


@pytest.fixture
def vendor() -> Record:
    return parse_response(RECORD_DOC).results[0].records[0]


def test_record_is_a_read_only_mapping_of_leaf_fields(vendor: Record) -> None:
    assert isinstance(vendor, Mapping)
    assert vendor.tag == "VENDOR"
    assert vendor.attributes == {"id": "v1"}
    assert list(vendor) == ["RECORDNO", "NAME", "PARENTID", "TAG"]
    assert len(vendor) == 4
    assert vendor["RECORDNO"] == "29181"
    assert vendor["NAME"] == " A & B "  # whitespace and entities as sent
    assert vendor["PARENTID"] == ""
    assert "DISPLAYCONTACT" not in vendor
    assert vendor.get("MISSING") is None
    with pytest.raises(KeyError):
        vendor["DISPLAYCONTACT"]
    with pytest.raises(TypeError):
        vendor["NAME"] = "changed"  # type: ignore[index]
    assert dict(vendor) == vendor.fields


def test_repeated_leaf_keeps_every_value(vendor: Record) -> None:
    assert vendor["TAG"] == "first"
    assert vendor.getlist("TAG") == ["first", "second"]
    assert vendor.getlist("RECORDNO") == ["29181"]
    assert vendor.getlist("MISSING") == []
    vendor.getlist("TAG").append("third")
    assert vendor.getlist("TAG") == ["first", "second"]


def test_one_nested_child_is_a_list_of_one(vendor: Record) -> None:
    contacts = vendor.nested("DISPLAYCONTACT")
    assert isinstance(contacts, list) and len(contacts) == 1
    (contact,) = contacts
    assert contact["CONTACTNAME"] == "Jane"
    addresses = contact.nested("MAILADDRESS")
    assert isinstance(addresses, list) and len(addresses) == 1
    assert addresses[0]["CITY"] == "Somewhere"
    assert vendor.nested("MISSING") == []
    assert vendor.to_dict() == {
        "RECORDNO": "29181",
        "NAME": " A & B ",
        "PARENTID": "",
        "TAG": ["first", "second"],
        "DISPLAYCONTACT": [{"CONTACTNAME": "Jane", "MAILADDRESS": [{"CITY": "Somewhere"}]}],
    }


def test_lists_are_always_lists_at_every_level() -> None:
    ack = parse_response(
        b"<response><acknowledgement><status>success</status></acknowledgement>"
        b"<control><status>success</status></control></response>"
    )
    assert ack.acknowledgement == "success"
    assert ack.operation is None
    assert ack.results == [] and ack.errors == []

    deleted = parse_response(_read("legacy-create-class-key.xml")).results[0]
    assert deleted.data is None
    assert deleted.records == [] and deleted.errors == []

    one_error = parse_response(_read("result-not-found.xml")).results[0]
    assert isinstance(one_error.errors, list) and len(one_error.errors) == 1

    one_record = parse_response(_read("read-single-record-nested.xml")).results[0]
    assert isinstance(one_record.records, list) and len(one_record.records) == 1


@pytest.mark.parametrize(
    ("name", "title"),
    [("cloudflare-html-502", "api.intacct.com | 502: Bad gateway"),
     ("html-without-doctype-503", "503 Service Temporarily Unavailable")],
)  # fmt: skip
def test_an_html_page_is_told_as_one_by_its_title(name: str, title: str) -> None:
    """Not the parser's complaint about HTML: what answered, by its title."""
    body, status = NOT_XML[name]
    with pytest.raises(ResponseFormatError) as info:
        parse_response(body, http_status=status)
    assert info.value.html_title == title
    assert str(info.value).startswith(
        f"HTTP {status}: an HTML page ({title}), not an Intacct gateway's XML: '"
    )
    for other, (body, status) in NOT_XML.items():
        if other not in ("cloudflare-html-502", "html-without-doctype-503"):
            with pytest.raises(ResponseFormatError) as info:
                parse_response(body, http_status=status)
            assert info.value.html_title is None, other
