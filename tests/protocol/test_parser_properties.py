"""Properties of :func:`parse_response` over generated input.

* Whatever the bytes, the parser either returns a :class:`Response` or raises
  :class:`~intacct.errors.ResponseFormatError` — never another exception — and the error
  always carries the HTTP status and a short single-line excerpt.
* Every proper prefix of a valid answer (a truncated body) is rejected.
* A generated answer with N records (0..50) of XML-legal values — whitespace-only, empty,
  entity-escaped, numeric character references, CDATA — parses to exactly N records with
  exactly those values, whitespace preserved.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intacct.errors import ResponseFormatError
from intacct.protocol.classify import error_for_response, error_for_result
from intacct.protocol.response import Response, parse_response
from tests.properties import examples

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "responses"
SEEDS = [
    (GOLDEN / name).read_bytes()
    for name in (
        "read-single-record-nested.xml",
        "result-transaction-aborted.xml",
        "dtd21-get-list-class.xml",
        "control-xml-parse-error.xml",
        "auth-sender-not-authorized.xml",
        "query-iso-8859-1.xml",
    )
]

FAST = settings(max_examples=examples(300), deadline=None, database=None)
SLOW = settings(
    max_examples=examples(120),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

STATUSES = st.sampled_from([200, 400, 401, 429, 500, 502, 503, 524])


def _parse_or_format_error(body: bytes, status: int) -> Response | None:
    """Parse; a ResponseFormatError is the only acceptable failure."""
    failure: ResponseFormatError | None = None
    try:
        response = parse_response(body, http_status=status)
    except ResponseFormatError as exc:
        failure = exc
    if failure is not None:
        assert failure.http_status == status
        assert isinstance(failure.excerpt, str)
        assert len(failure.excerpt) <= 200
        assert "\n" not in failure.excerpt
        return None
    assert isinstance(response, Response)
    assert response.http_status == status
    # whatever parsed must also be classifiable and walkable without surprises
    error_for_response(response)
    for result in response.results:
        error_for_result(result, http_status=status)
        for record in result.records:
            assert all(isinstance(v, str) for v in record.values())
            record.to_dict()
    return response


# --------------------------------------------------------------------------- garbage


@FAST
@given(body=st.binary(max_size=2048), status=STATUSES)
def test_random_bytes_only_raise_response_format_error(body: bytes, status: int) -> None:
    _parse_or_format_error(body, status)


@FAST
@given(text=st.text(max_size=512), status=STATUSES)
def test_random_text_only_raises_response_format_error(text: str, status: int) -> None:
    _parse_or_format_error(text.encode(), status)


TOKENS = st.sampled_from(
    [
        b"<",
        b">",
        b"&",
        b"</",
        b"/>",
        b"]]>",
        b"<![CDATA[",
        b"<!--",
        b"&#0;",
        b"&#xD800;",
        b"&#x10FFFF;",
        b"&bogus;",
        b"\x00",
        b"\xff\xfe",
        b"\xc3",
        b"\xef\xbb\xbf",
        b"<!DOCTYPE response>",
        b'<!DOCTYPE r [<!ENTITY e "x">]>',
        b'<?xml version="1.0" encoding="bogus"?>',
        b"<?pi x?>",
        b"<data>",
        b"</data>",
        b"<result>",
        b"</operation>",
        b"<status>failure</status>",
        b"<errormessage><error><errorno>X</errorno></error></errormessage>",
        b'<data listtype="x" count="-1" totalcount="NaN" resultId="">',
        b"<x:y>",
        b' xmlns="urn:x"',
        b"\r\n",
    ]
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    body = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["truncate", "delete", "insert", "flip", "token", "dup"]))
        at = draw(st.integers(0, len(body)))
        if op == "truncate":
            del body[at:]
        elif op == "delete":
            del body[at : at + draw(st.integers(1, 40))]
        elif op == "insert":
            body[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "flip" and at < len(body):
            body[at] = draw(st.integers(0, 255))
        elif op == "token":
            body[at:at] = draw(TOKENS)
        elif op == "dup":
            body[at:at] = body[at : at + draw(st.integers(1, 80))]
    return bytes(body)


@SLOW
@given(body=mutated(), status=STATUSES)
def test_mutated_answers_only_raise_response_format_error(body: bytes, status: int) -> None:
    _parse_or_format_error(body, status)


@SLOW
@given(data=st.data(), status=STATUSES)
def test_every_truncation_of_a_valid_answer_is_rejected(data: st.DataObject, status: int) -> None:
    seed = data.draw(st.sampled_from(SEEDS)).rstrip()
    cut = data.draw(st.integers(0, len(seed) - 1))
    assert _parse_or_format_error(seed[:cut], status) is None, f"prefix of {cut} bytes parsed"


def test_seeds_are_valid_answers() -> None:
    for seed in SEEDS:
        assert _parse_or_format_error(seed, 200) is not None


# --------------------------------------------------------------------------- round trip


def _xml_char(c: str) -> bool:
    cp = ord(c)
    return (
        cp in (0x9, 0xA, 0xD)
        or 0x20 <= cp <= 0xD7FF
        or 0xE000 <= cp <= 0xFFFD
        or 0x10000 <= cp <= 0x10FFFF
    )


XML_TEXT = st.text(alphabet=st.characters(codec="utf-8").filter(_xml_char), max_size=24)
WHITESPACE = st.text(alphabet=" \t\n\r", max_size=6)
ENTITY_HEAVY = st.lists(
    st.sampled_from(["&", "<", ">", "'", '"', "]]>", "&amp;", "&#039;", " ", "\u00e9", "x"]),
    max_size=8,
).map("".join)
VALUES = st.one_of(XML_TEXT, WHITESPACE, ENTITY_HEAVY, st.just(""))
FIELD_NAMES = st.from_regex(r"[A-Z][A-Z0-9_]{0,10}(\.[A-Z][A-Z0-9_]{0,6})?", fullmatch=True)
RECORDS = st.lists(st.dictionaries(FIELD_NAMES, VALUES, max_size=6), max_size=50)
STYLES = st.sampled_from(["named", "decimal", "hex", "cdata", "empty-tag"])


def _escape(value: str, style: str) -> str:
    """Serialise a text value; every style must read back as exactly ``value``."""
    if style == "cdata" and "]]>" not in value and "\r" not in value:
        return f"<![CDATA[{value}]]>"
    out = []
    for c in value:
        cp = ord(c)
        if c == "&":
            out.append("&amp;")
        elif c == "<":
            out.append("&lt;")
        elif c == ">":
            out.append("&gt;")
        elif c == "\r":
            out.append("&#13;")  # a literal CR would be normalised to LF by any parser
        elif style == "decimal" and (cp > 0x7E or c in "'\""):
            out.append(f"&#{cp};")
        elif style == "hex" and (cp > 0x7E or c in "'\""):
            out.append(f"&#x{cp:X};")
        elif style == "named" and c == "'":
            out.append("&#039;")
        else:
            out.append(c)
    return "".join(out)


def _field(name: str, value: str, style: str) -> str:
    if value == "" and style == "empty-tag":
        return f"<{name}/>"
    return f"<{name}>{_escape(value, style)}</{name}>"


@SLOW
@given(
    rows=RECORDS,
    styles=st.lists(STYLES, min_size=1, max_size=8),
    indent=st.booleans(),
    tag=st.sampled_from(["vendor", "VENDOR", "class", "apbill"]),
)
def test_generated_records_round_trip_exactly(
    rows: list[dict[str, str]], styles: list[str], indent: bool, tag: str
) -> None:
    sep = "\n      " if indent else ""
    records = []
    for i, row in enumerate(rows):
        fields = sep.join(
            _field(name, value, styles[(i + j) % len(styles)])
            for j, (name, value) in enumerate(row.items())
        )
        records.append(f"<{tag}>{sep}{fields}{sep}</{tag}>")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<response><control><status>success</status>'
        "<senderid>acme_partner</senderid><controlid>prop</controlid></control><operation>"
        "<authentication><status>success</status><userid>u</userid><companyid>c</companyid>"
        "</authentication><result><status>success</status><function>readByQuery</function>"
        f'<controlid>f1</controlid><data listtype="{tag}" count="{len(rows)}" totalcount="'
        f'{len(rows)}" numremaining="0" resultId="">{sep}{sep.join(records)}{sep}</data>'
        "</result></operation></response>"
    ).encode()

    response = parse_response(body)
    (result,) = response.results
    assert result.data is not None
    assert result.data.count == len(rows)
    assert len(result.records) == len(rows)
    for record, row in zip(result.records, rows, strict=True):
        assert record.tag == tag
        assert dict(record) == row
        assert list(record) == list(row)  # document order
        assert record.children == {}
