"""Request-level behaviour of the gateway: schema errors fail the whole request before
any function runs; ``uniqueid`` defaults to true."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx
import pytest
from lxml import etree

from intacct.client import IntacctClient
from intacct.errors import ValidationError
from intacct.protocol import functions as fn

from .conftest import envelope

Post = Callable[..., tuple[httpx.Response, etree._Element | None]]

_CLASS = "<query><select><field>CLASSID</field></select><object>CLASS</object>{}</query>"
_EQ = "<equalto><field>CLASSID</field><value>{}</value></equalto>"


def _control_errors(root: etree._Element | None) -> list[tuple[str, str]]:
    assert root is not None
    assert root.findtext("control/status") == "failure"
    assert root.find("operation") is None  # nothing ran: no authentication, no results
    return [
        (e.findtext("errorno") or "", e.findtext("description2") or "")
        for e in root.iterfind("errormessage/error")
    ]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            _CLASS.format(f"<filter>{_EQ.format('A')}{_EQ.format('B')}</filter>"),
            "Element 'equalto': This element is not expected.",
        ),
        (_CLASS.format("<filter/>"), "Element 'filter': Missing child element(s)."),
        (
            _CLASS.format("<pagesize>2001</pagesize>"),
            "Element 'pagesize': [facet 'maxInclusive'] The value '2001' is greater than "
            "the maximum value allowed ('2000').",
        ),
        (
            _CLASS.format("<pagesize>0</pagesize>"),
            "The value '0' is less than the minimum value allowed ('1').",
        ),
        (
            _CLASS.format("<offset>-1</offset>"),
            "[facet 'minInclusive'] The value '-1' is less than",
        ),
        (
            _CLASS.format("<pagesize>ten</pagesize>"),
            "'ten' is not a valid value of the local atomic type.",
        ),
        (
            "<frobnicate/>",
            "Element 'frobnicate': This element is not expected. Expected is one of ( "
            "create_apaccountlabel, create_apadjustment, create_apadjustmentbatch, "
            "create_araccountlabel, create_aradjustment, create_aradjustmentbatch, "
            "create_arpayment, create_arpaymentbatch, create_bill, create_recurringbill ).",
        ),
        (
            "<query><select><field>CLASSID</field></select></query>",
            "Element 'query': Missing child element(s). Expected is one of ( object,",
        ),
        (
            "<query><object>CLASS</object></query>",
            "Element 'query': Missing child element(s). Expected is one of ( select,",
        ),
        (
            "<readByQuery><query/></readByQuery>",
            "Element 'readByQuery': Missing child element(s). Expected is one of ( object,",
        ),
        (
            "<readByQuery><object>CLASS</object><filter/></readByQuery>",
            "Element 'filter': This element is not expected.",
        ),
        (
            "<query><select><field>CLASSID</field><pagesize>1</pagesize></select>"
            "<object>CLASS</object></query>",
            "Element 'pagesize': This element is not expected.",
        ),
        (
            _CLASS.format("<options><showprivate>yes</showprivate></options>"),
            "Element 'showprivate': 'yes' is not a valid value of the atomic type 'xs:boolean'.",
        ),
        (
            _CLASS.format(
                "<options><showprivate>true</showprivate>"
                "<caseinsensitive>true</caseinsensitive></options>"
            ),
            "Element 'caseinsensitive': This element is not expected.",
        ),
        (
            _CLASS.format("<orderby><order><descending/></order></orderby>"),
            "Element 'descending': This element is not expected.",
        ),
        (
            "<readMore><object>CLASS</object><resultId>x</resultId></readMore>",
            "Element 'resultId': This element is not expected.",
        ),
    ],
)
def test_schema_errors_fail_the_whole_request(post: Post, body: str, detail: str) -> None:
    _, root = post(envelope(body))
    ((errorno, text),) = _control_errors(root)
    assert errorno == "XL03000003"
    assert text.startswith("XML Parse schema error: Error 18")
    assert detail in text
    assert text.endswith("Line: 1, column: 0.")


def test_nothing_is_half_executed(post: Post) -> None:
    """A valid create next to an invalid query: the schema error stops both."""
    classid = f"SCH-{uuid.uuid4().hex[:8]}"
    create = f"<create><CLASS><CLASSID>{classid}</CLASSID><NAME>x</NAME></CLASS></create>"
    _, root = post(envelope(create, _CLASS.format("<pagesize>5000</pagesize>")))
    assert [e for e, _ in _control_errors(root)] == ["XL03000003"]
    _, check = post(envelope(_CLASS.format(f"<filter>{_EQ.format(classid)}</filter>")))
    assert check is not None
    assert check.find("operation/result/data").get("count") == "0"


def test_every_problem_is_listed(post: Post) -> None:
    _, root = post(envelope("<frobnicate/>", _CLASS.format("<pagesize>0</pagesize>")))
    texts = [t for _, t in _control_errors(root)]
    assert len(texts) == 2
    assert "frobnicate" in texts[0] and "pagesize" in texts[1]


@pytest.mark.parametrize(
    "body",
    [
        _CLASS.format("<pagesize>2000</pagesize><offset>0</offset>"),
        _CLASS.format(f"<filter><and>{_EQ.format('A')}{_EQ.format('B')}</and></filter>"),
        _CLASS.format(
            "<orderby><order><field>CLASSID</field><descending/></order></orderby>"
            "<options><caseinsensitive>true</caseinsensitive><showprivate>1</showprivate>"
            "</options>"
        ),
        # elements of xs:all come in any order
        "<query><object>CLASS</object><pagesize>1</pagesize><select><count>RECORDNO</count>"
        "</select></query>",
        "<readByQuery><object>CLASS</object><pagesize>5000</pagesize><query/></readByQuery>",
        "<getAPISession/>",
        '<get_list object="class" maxitems="1"/>',
    ],
)
def test_schema_valid_requests_reach_the_functions(post: Post, body: str) -> None:
    _, root = post(envelope(body))
    assert root is not None
    assert root.findtext("control/status") == "success"
    assert root.find("operation/result") is not None


def test_a_legacy_function_the_catalog_documents_passes_the_schema(post: Post) -> None:
    """create_warehouse is documented (and in the catalog) though the XSD lacks it."""
    _, root = post(envelope("<delete_warehouse warehouseid='NOPE-WH'/>"))
    assert root is not None
    assert root.findtext("control/status") == "success"
    assert root.findtext("operation/result/status") == "failure"


def test_dtd21_requests_are_not_checked_against_the_30_schema(post: Post) -> None:
    _, root = post(envelope(_CLASS.format("<pagesize>0</pagesize>"), dtd="2.1"))
    assert root is not None
    assert root.findtext("control/status") == "success"
    assert root.findtext("operation/result/status") == "failure"


def test_the_client_reads_a_schema_error_as_validation(
    connect: Callable[..., IntacctClient],
) -> None:
    client = connect()

    class Raw(fn.Function):
        name = "query"

        def to_xml(self) -> etree._Element:
            return etree.fromstring(_CLASS.format("<pagesize>2001</pagesize>"))

    with pytest.raises(ValidationError, match="maxInclusive"):
        client.call(Raw())


# -- uniqueid ---------------------------------------------------------------------------


def _without_uniqueid(document: bytes) -> bytes:
    root = etree.fromstring(document)
    control = root.find("control")
    assert control is not None
    control.remove(control.find("uniqueid"))
    return etree.tostring(root)


def _with_controlid(document: bytes, controlid: str) -> bytes:
    return document.replace(b'controlid="f1"', f'controlid="{controlid}"'.encode())


def test_an_omitted_uniqueid_means_true(post: Post) -> None:
    """docs (requests.md): "When set to true, which is the default, a request cannot be
    repeated"; the control block echoes the value in force."""
    request = _with_controlid(_without_uniqueid(envelope("<getDimensions/>")), uuid.uuid4().hex)
    _, first = post(request)
    _, again = post(request)
    assert first is not None and again is not None
    assert first.findtext("control/uniqueid") == "true"
    assert first.findtext("operation/result/status") == "success"
    assert again.findtext("operation/result/status") == "failure"
    assert again.findtext("operation/result/errormessage/error/errorno") == "XL03000010"


@pytest.mark.parametrize("value", ["false", "FALSE"])
def test_uniqueid_false_allows_repeats(post: Post, value: str) -> None:
    request = _with_controlid(envelope("<getDimensions/>", uniqueid=value), uuid.uuid4().hex)
    for _ in range(2):
        _, root = post(request)
        assert root is not None
        assert root.findtext("control/uniqueid") == value
        assert root.findtext("operation/result/status") == "success"


def test_uniqueid_true_refuses_a_repeat(post: Post) -> None:
    request = _with_controlid(envelope("<getDimensions/>", uniqueid="true"), uuid.uuid4().hex)
    statuses = [post(request)[1].findtext("operation/result/status") for _ in range(2)]  # type: ignore[union-attr]
    assert statuses == ["success", "failure"]


# -- error texts -------------------------------------------------------------------------

_SUPPORT_ID = re.compile(r" \[Support ID: [A-Za-z0-9-]{10}%7E[A-Za-z0-9-]{20}AAAA[A-Za-z]\]$")


def _result_errors(root: etree._Element | None) -> list[tuple[str, str]]:
    assert root is not None
    return [
        (e.findtext("errorno") or "", e.findtext("description2") or "")
        for e in root.iterfind("operation/result/errormessage/error")
    ]


def test_a_function_error_ends_in_a_support_id(post: Post) -> None:
    """As intacct-sdk-js#83: "The following fields cannot be queried: [ apbill: [...] ]
    [Support ID: …]"; a fresh id per error."""
    body = "<query><select><field>PAYTO.CONTACTNAME</field></select><object>APBILL</object></query>"
    texts = [_result_errors(post(envelope(body))[1])[0][1] for _ in range(2)]
    assert all(_SUPPORT_ID.search(text) for text in texts), texts
    assert texts[0].startswith("The following fields cannot be queried: [ apbill: [")
    assert texts[0] != texts[1]
    assert _SUPPORT_ID.sub("", texts[0]) == _SUPPORT_ID.sub("", texts[1])


def test_only_the_specific_error_carries_the_support_id(post: Post) -> None:
    create = "<create><CLASS><NAME>no id</NAME></CLASS></create>"
    errors = _result_errors(post(envelope(create))[1])
    assert len(errors) >= 2
    assert _SUPPORT_ID.search(errors[0][1])
    assert not any("[Support ID:" in text for _, text in errors[1:])


def test_a_rolled_back_transaction_keeps_its_plain_texts(post: Post) -> None:
    create = "<create><CLASS><NAME>no id</NAME></CLASS></create>"
    _, root = post(envelope("<getDimensions/>", create, transaction="true"))
    assert root is not None
    aborted, failed = root.iterfind("operation/result")
    assert aborted.findtext("errormessage/error/description2") == (
        "The entire transaction in this operation has been rolled back due to an error."
    )
    *_, rolled_back = failed.iterfind("errormessage/error")
    assert "[Support ID:" not in (rolled_back.findtext("description2") or "")


def test_free_text_errornos_and_legacy_answers_have_no_support_id(post: Post) -> None:
    """Older captures ("Query Failed", "readMore failed") carry none; nor do 2.1 answers."""
    (unknown,) = _result_errors(
        post(envelope("<readByQuery><object>NOSUCH</object><query/></readByQuery>"))[1]
    )
    assert unknown == ("Query Failed", "Object definition NOSUCH not found")
    legacy = _result_errors(post(envelope('<delete_class key="NOPE-CL"/>', dtd="2.1"))[1])
    assert legacy and not any("[Support ID:" in text for _, text in legacy)


def test_the_client_decodes_the_support_id(connect: Callable[..., IntacctClient]) -> None:
    client = connect()
    with pytest.raises(ValidationError) as info:
        client.query("APBILL", ["RECORDNO", "PAYTO.CONTACTNAME"])
    (detail, *_) = info.value.errors
    assert detail.support_id is not None and "~" in detail.support_id
