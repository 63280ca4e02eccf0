"""The fast reader of record pages (:func:`~intacct.protocol.columns.read_columns`)
against hostile answers: for every page it either declines (None: the caller parses the
page the hardened way) or reads exactly what the hardened parser reads.

"Exactly", the rule the typed fast path relies on (:func:`same_or_declined`): the same
envelope (control, authentication, result, the ``<data>`` attributes); as many records
as the table has rows, each an element of the record tag holding each selected field
once, as a leaf, and nothing else (no other field, no nested element, no attribute);
and each column holding that field's text, null where the element is empty (never
``""``). Typing then sees the same text on both paths: an empty value is None for a
field the metadata knows and ``""`` for one it does not on both, since every record
has every field.

Pages are real answers of the emulator and the shared gateway samples, spoilt one way
each (:data:`CASES`), cut anywhere, or with hostile bytes spliced in anywhere. Each case
also pins whether the fast reader reads the page, so that it neither stops reading the
pages it is for nor starts reading those it must leave to the hardened parser; and
through the client, ``columnar=True`` ends as ``columnar=False`` does: the same records
or the same exception.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.emulator.inprocess import InProcessEmulator
from intacct.errors import IntacctError, PaginationError, ResponseFormatError
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.columns import read_columns
from intacct.protocol.response import Record, Response, parse_response
from tests.properties import examples

from ..shared_fixtures import shared_fixtures_dir

# --------------------------------------------------------------------------- the rule


def shape(record: Record) -> dict[str, Any]:
    """What a record holds, through its public API."""
    return {
        "tag": record.tag,
        "fields": {key: record.getlist(key) for key in record},
        "nested": {tag: [shape(kid) for kid in kids] for tag, kids in record.children.items()},
        "attributes": record.attributes,
    }


def envelope(response: Response) -> Any:
    """Everything of an answer but its records."""
    operation = response.operation
    assert operation is not None
    return (
        response.control,
        response.errors,
        response.acknowledgement,
        response.http_status,
        operation.authentication,
        operation.errors,
        [
            (r.status, r.function, r.controlid, r.listtype, r.key, r.errors, r.size)
            + ((r.data.attributes,) if r.data is not None else ())
            for r in operation.results
        ],
    )


def same_or_declined(body: bytes, fields: Sequence[str], http_status: int = 200) -> bool:
    """Whether the fast reader read the page; when it did, what it read is exactly what
    the hardened parser reads (see the module docstring)."""
    fast = read_columns(body, list(fields), http_status=http_status)
    try:
        hardened: Response | None = parse_response(body, http_status=http_status)
    except ResponseFormatError:
        hardened = None
    if fast is None:
        return False
    assert hardened is not None, "the fast reader read a page the hardened parser refuses"
    assert envelope(fast) == envelope(hardened)
    (result,) = fast.results
    assert result.data is not None and result.data.columns is not None
    columns = result.data.columns
    assert columns.table.column_names == list(fields)
    rows = columns.table.to_pylist()
    assert all(value != "" for row in rows for value in row.values())  # empty is null
    read = [
        {
            "tag": columns.tag,
            "fields": {f: ["" if value is None else value] for f, value in row.items()},
            "nested": {},
            "attributes": {},
        }
        for row in rows
    ]
    assert [shape(r) for r in hardened.results[0].records] == read
    assert [shape(r) for r in result.records] == read  # read again from the same bytes
    return True


# --------------------------------------------------------------------------- real pages


@dataclass(frozen=True)
class Page:
    """A query answer and the fields it was asked for; ``tag`` names its records."""

    fields: tuple[str, ...]
    body: bytes
    tag: str = "VENDOR"

    def records(self) -> list[tuple[int, int]]:
        """Where each record element is."""
        tag = re.escape(self.tag.encode())
        pattern = rb"<%s>.*?</%s>" % (tag, tag)
        return [m.span() for m in re.finditer(pattern, self.body, re.S)]

    def element(self, record: int, field: str) -> tuple[int, int]:
        """Where a record's field element is."""
        start, end = self.records()[record]
        name = re.escape(field.encode())
        found = re.compile(rb"<%s>.*?</%s>|<%s/>" % (name, name, name), re.S)
        match = found.search(self.body, start, end)
        assert match is not None, (record, field)
        return match.span()

    def splice(self, span: tuple[int, int], new: bytes) -> bytes:
        return self.body[: span[0]] + new + self.body[span[1] :]

    def with_value(self, record: int, field: str, raw: bytes) -> bytes:
        """The field's element holding ``raw`` as its content, bytes as given."""
        name = field.encode()
        return self.splice(self.element(record, field), b"<%s>%s</%s>" % (name, raw, name))

    def with_element(self, record: int, field: str, raw: bytes) -> bytes:
        return self.splice(self.element(record, field), raw)

    def after(self, record: int, field: str, raw: bytes) -> bytes:
        end = self.element(record, field)[1]
        return self.splice((end, end), raw)

    def before_record(self, record: int, raw: bytes) -> bytes:
        start = self.records()[record][0]
        return self.splice((start, start), raw)

    def record_open(self, record: int, raw: bytes) -> bytes:
        start = self.records()[record][0]
        return self.splice((start, start + len(self.tag) + 2), raw)

    def envelope(self, old: bytes, new: bytes) -> bytes:
        assert old in self.body
        return self.body.replace(old, new, 1)

    def then(self, body: bytes) -> Page:
        return Page(self.fields, body, self.tag)


class Spoiling(httpx.BaseTransport):
    """The emulator's transport; each query answer passes through ``spoil`` and is kept
    (as the emulator sent it) in ``answers``."""

    def __init__(
        self, inner: httpx.BaseTransport, spoil: Callable[[bytes], bytes] | None = None
    ) -> None:
        self.inner = inner
        self.spoil = spoil
        self.answers: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        body = response.read()
        if b"<function>query</function>" not in body:
            return response
        self.answers.append(body)
        spoilt = self.spoil(body) if self.spoil is not None else body
        headers = {"content-type": response.headers.get("content-type", "text/xml")}
        return httpx.Response(
            response.status_code, headers=headers, content=spoilt, request=request
        )


@pytest.fixture(scope="module")
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=100, seed=7) as emu:
        yield emu


def connect(emulator: InProcessEmulator, transport: httpx.BaseTransport) -> IntacctClient:
    config = {**emulator.config(), "timeout_s": 30, "max_retries": 0}
    return IntacctClient.from_mapping(config, http_transport=transport)


def vendor_fields(emulator: InProcessEmulator) -> tuple[str, ...]:
    with connect(emulator, emulator.transport()) as client:
        return ObjectRegistry(client).get("VENDOR").queryable_fields


def vendors_query(fields: Sequence[str]) -> fn.Query:
    """Three vendors, every field: values of each kind, empty ones, a URL with ``&``."""
    return fn.Query("VENDOR", fields, orderby=[q.Order("RECORDNO")], pagesize=3)


def answer(emulator: InProcessEmulator, query: fn.Query) -> bytes:
    transport = Spoiling(emulator.transport())
    with connect(emulator, transport) as client:
        client.execute([query])
    (body,) = transport.answers
    return body


@pytest.fixture(scope="module")
def vendors(emulator: InProcessEmulator) -> Page:
    fields = vendor_fields(emulator)
    return Page(fields, answer(emulator, vendors_query(fields)))


# --------------------------------------------------------------------------- the cases


def pretty(page: Page, space: str = "  ", newline: bytes = b"\n") -> bytes:
    """The answer indented as a person (or a proxy) would print it."""
    root = etree.fromstring(page.body)
    etree.indent(root, space=space)
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return body.replace(b"\n", newline)


def declared(page: Page, encoding: bytes) -> bytes:
    pattern = rb"encoding=['\"][^'\"]*['\"]"
    return re.sub(pattern, b"encoding='%s'" % encoding, page.body, count=1)


def self_closing(page: Page) -> bytes:
    return re.sub(rb"<([A-Z_0-9]+)></\1>", rb"<\1/>", page.body)


def swapped(page: Page, record: int, first: str, second: str) -> bytes:
    """Two fields of a record in the other order."""
    one, two = page.element(record, first), page.element(record, second)
    assert one[1] <= two[0]
    body = page.body
    return (
        body[: one[0]]
        + body[two[0] : two[1]]
        + body[one[1] : two[0]]
        + body[one[0] : one[1]]
        + body[two[1] :]
    )


def renamed(page: Page, record: int, field: str, to: bytes) -> bytes:
    start, end = page.element(record, field)
    text = page.body[start:end].replace(field.encode(), to)
    return page.splice((start, end), text)


def opened(page: Page, record: int, field: str, tag: bytes) -> bytes:
    """The field's start tag replaced by ``tag`` (attributes, say)."""
    start, end = page.element(record, field)
    old = f"<{field}>".encode()
    text = page.body[start:end]
    if not text.startswith(old):  # <F/>: give it an end tag
        text = old + b"</" + field.encode() + b">"
    return page.splice((start, end), tag + text[len(old) :])


def name(raw: bytes, record: int = 0) -> Callable[[Page], bytes]:
    """A record's NAME holding ``raw``."""
    return lambda page: page.with_value(record, "NAME", raw)


HTML = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body/></html>"
Spoil = Callable[[Page], bytes]


@dataclass(frozen=True)
class Case:
    spoil: Spoil
    #: read: the fast reader reads it; declined: the hardened parser reads it, the fast
    #: reader leaves it to it; refused: the hardened parser refuses it (so must the client)
    expect: str


CASES: dict[str, Case] = {
    # -- what the fast reader is for
    "as-sent": Case(lambda p: p.body, "read"),
    "self-closing-empty-fields": Case(self_closing, "read"),
    "pretty-printed": Case(pretty, "read"),
    "pretty-printed-with-tabs": Case(lambda p: pretty(p, "\t"), "read"),
    "declared-utf-8-lower-case": Case(lambda p: declared(p, b"utf-8"), "read"),
    "no-declaration": Case(lambda p: re.sub(rb"^<\?xml[^>]*\?>\s*", b"", p.body), "read"),
    "predefined-entities": Case(
        name(b"&amp;&lt;&gt;&quot;&apos; a&amp;b &lt;x/&gt;"),
        "read",
    ),
    "gt-and-quotes-in-text": Case(lambda p: p.with_value(0, "NAME", b"a>b \"c\" 'd'"), "read"),
    # each of the bytes a rare piece starts with (&, ], \xef) alone in a page's values
    "brackets-in-text": Case(name(b"a]b ]] c] ]>"), "read"),
    "non-ascii": Case(
        lambda p: p.with_value(0, "NAME", "Müller 東京 🙂 \ufffd \u0085 \x7f".encode()), "read"
    ),
    "spaces-tabs-newlines-kept": Case(name(b"  padded\n\tline  ", 1), "read"),
    "whitespace-only-value": Case(name(b"   ", 2), "read"),
    "very-long-value": Case(name(b"x" * 1_000_000, 1), "read"),
    "value-near-what-libxml2-takes": Case(name(b"x" * 2_000_000, 1), "declined"),
    "value-longer-than-libxml2-takes": Case(name(b"x" * 10_000_001, 2), "refused"),
    "spaces-between-fields-libxml2-takes": Case(
        lambda p: p.after(1, "NAME", b" " * 5000), "declined"
    ),
    "spaces-between-fields-longer-than-libxml2-takes": Case(
        lambda p: p.after(1, "NAME", b"\n" * 10_000_001), "refused"
    ),
    # -- markup the hardened parser reads otherwise
    "comment-in-value": Case(name(b"ab<!-- c -->cd"), "declined"),
    "comment-hiding-an-element": Case(name(b"a<!-- </NAME><NAME>b -->"), "declined"),
    "comment-between-fields": Case(lambda p: p.after(0, "NAME", b"<!-- c -->"), "declined"),
    "comment-between-records": Case(lambda p: p.before_record(1, b"<!-- c -->"), "declined"),
    "pi-in-value": Case(name(b"a<?pi x?>b"), "declined"),
    "pi-between-records": Case(lambda p: p.before_record(1, b"<?pi x?>"), "declined"),
    "cdata": Case(name(b"<![CDATA[a<b&c]]>"), "declined"),
    "character-references": Case(name(b"&#65;&#x42;"), "declined"),
    "cr-in-value": Case(name(b"a\rb"), "declined"),
    "crlf-in-value": Case(name(b"a\r\nb"), "declined"),
    "cr-between-fields": Case(lambda p: p.after(0, "NAME", b"\r"), "declined"),
    "crlf-pretty-printed": Case(lambda p: pretty(p, newline=b"\r\n"), "declined"),
    "declared-latin-1": Case(
        lambda p: p.then(declared(p, b"ISO-8859-1")).with_value(0, "NAME", b"caf\xc3\xa9"),
        "declined",
    ),
    # -- structure xml2arrow would skip, take twice or read otherwise
    "nested-element": Case(name(b"<x>1</x>"), "declined"),
    "nested-element-after-text": Case(name(b"ab<x/>"), "declined"),
    "field-in-itself": Case(name(b"<NAME>a</NAME>"), "declined"),
    "unselected-field": Case(lambda p: p.after(0, "NAME", b"<EXTRA>1</EXTRA>"), "declined"),
    "unselected-field-later": Case(lambda p: p.after(2, "NAME", b"<EXTRA>1</EXTRA>"), "declined"),
    "missing-field-later": Case(lambda p: p.with_element(2, "NAME", b""), "declined"),
    "duplicated-field": Case(lambda p: p.after(1, "NAME", b"<NAME>again</NAME>"), "declined"),
    "empty-then-valued-field-with-one-missing-later": Case(
        lambda p: p.then(p.with_element(0, "NAME", b"<NAME/><NAME>x</NAME>")).with_element(
            2, "NAME", b""
        ),
        "declined",
    ),
    "record-of-another-tag": Case(
        lambda p: p.before_record(1, b"<OTHER><RECORDNO>9</RECORDNO></OTHER>"), "declined"
    ),
    "record-of-another-tag-with-a-field-missing-later": Case(
        lambda p: p.then(p.before_record(1, b"<OTHER/>")).with_element(2, "NAME", b""),
        "declined",
    ),
    "field-in-another-case": Case(lambda p: renamed(p, 1, "NAME", b"name"), "declined"),
    "field-in-another-case-first": Case(lambda p: renamed(p, 0, "NAME", b"Name"), "declined"),
    "fields-in-another-order": Case(lambda p: swapped(p, 1, "VENDORID", "NAME"), "declined"),
    "text-in-a-record": Case(lambda p: p.after(0, "NAME", b"loose"), "declined"),
    "text-in-data": Case(lambda p: p.before_record(0, b"loose"), "declined"),
    "two-results": Case(
        lambda p: re.sub(rb"(<result>.*</result>)", rb"\1\1", p.body, count=1, flags=re.S),
        "declined",
    ),
    # -- attributes and namespaces
    "attribute-on-a-field": Case(lambda p: opened(p, 0, "NAME", b'<NAME a="1">'), "declined"),
    "attribute-on-a-record": Case(lambda p: p.record_open(1, b'<VENDOR a="1">'), "declined"),
    "gt-in-a-data-attribute": Case(lambda p: p.envelope(b"<data ", b'<data x=">" '), "declined"),
    "declared-prefix": Case(
        lambda p: p.then(renamed(p, 1, "NAME", b"x:NAME")).record_open(
            1, b'<VENDOR xmlns:x="urn:x">'
        ),
        "declined",
    ),
    "default-namespace-on-a-record": Case(
        lambda p: p.record_open(1, b'<VENDOR xmlns="urn:x">'), "declined"
    ),
    "default-namespace-on-data": Case(
        lambda p: p.envelope(b"<data ", b'<data xmlns="urn:x" '), "declined"
    ),
    "attribute-unquoted": Case(lambda p: opened(p, 0, "NAME", b"<NAME a=1>"), "refused"),
    "attribute-unquoted-on-a-later-record": Case(
        lambda p: p.record_open(2, b"<VENDOR a=1>"), "refused"
    ),
    "attribute-duplicated": Case(lambda p: opened(p, 0, "NAME", b'<NAME a="1" a="2">'), "refused"),
    "attribute-without-value": Case(lambda p: opened(p, 0, "NAME", b"<NAME a>"), "refused"),
    "lt-in-an-attribute": Case(lambda p: opened(p, 1, "NAME", b'<NAME a="<x>">'), "refused"),
    "lt-in-an-attribute-with-a-field-missing": Case(
        lambda p: p.then(opened(p, 2, "RECORDNO", b'<RECORDNO a="<">')).with_element(
            2, "NAME", b""
        ),
        "refused",
    ),
    "undeclared-prefix": Case(lambda p: renamed(p, 1, "NAME", b"x:NAME"), "refused"),
    "default-namespace-on-response": Case(
        lambda p: p.envelope(b"<response>", b'<response xmlns="urn:x">'), "refused"
    ),
    # -- what XML forbids
    "doctype": Case(
        lambda p: p.envelope(b"<response>", b"<!DOCTYPE response><response>"), "refused"
    ),
    "doctype-entity": Case(
        lambda p: p.then(
            p.envelope(b"<response>", b'<!DOCTYPE response [<!ENTITY e "x">]><response>')
        ).with_value(0, "NAME", b"&e;"),
        "refused",
    ),
    "undefined-entity": Case(name(b"&nbsp;"), "refused"),
    "lone-ampersand": Case(name(b"a & b"), "refused"),
    "entity-without-semicolon": Case(name(b"&amp"), "refused"),
    "cdata-end-in-text": Case(name(b"a]]>b"), "refused"),
    "control-character": Case(name(b"a\x01b"), "refused"),
    "nul": Case(name(b"a\x00b", 1), "refused"),
    "control-character-reference": Case(name(b"a&#1;b"), "refused"),
    "control-character-hex-reference": Case(name(b"&#x1F;"), "refused"),
    "not-a-character-fffe": Case(lambda p: p.with_value(0, "NAME", "a\ufffeb".encode()), "refused"),
    "not-a-character-ffff": Case(lambda p: p.with_value(2, "NAME", "\uffff".encode()), "refused"),
    "invalid-utf-8": Case(name(b"a\xffb"), "refused"),
    "invalid-utf-8-between-fields": Case(lambda p: p.after(0, "NAME", b"\xff"), "refused"),
    "truncated-utf-8-sequence": Case(name(b"a\xc3"), "refused"),
    "overlong-utf-8": Case(name(b"\xc0\xaf"), "refused"),
    "utf-8-surrogate": Case(name(b"\xed\xa0\x80"), "refused"),
    "mismatched-tags": Case(lambda p: p.with_element(1, "NAME", b"<NAME>a</VENDORID>"), "refused"),
    "unclosed-field": Case(lambda p: p.with_element(1, "NAME", b"<NAME>a"), "refused"),
    "unclosed-record": Case(
        lambda p: p.splice((p.records()[2][1] - 9, p.records()[2][1]), b""), "refused"
    ),
    "stray-end-tag": Case(lambda p: p.after(1, "NAME", b"</NAME>"), "refused"),
    "trailing-element": Case(lambda p: p.body + b"<x/>", "refused"),
    "html-page": Case(lambda p: HTML, "refused"),
    "empty-body": Case(lambda p: b"", "refused"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_spoilt_page_is_read_exactly_or_left_to_the_hardened_parser(
    vendors: Page, case: Case
) -> None:
    body = case.spoil(vendors)
    read = same_or_declined(body, vendors.fields)
    assert read == (case.expect == "read")
    if case.expect == "refused":
        with pytest.raises(ResponseFormatError):
            parse_response(body)
    elif not read:
        parse_response(body)  # declined: the hardened parser reads it


def outcome(client: IntacctClient, query: fn.Query, *, columnar: bool) -> Any:
    """The records a query reads (their shapes), or the type of what it raises."""
    try:
        result = client.call(query, columnar=columnar)
    except IntacctError as exc:
        return type(exc)
    return [shape(r) for r in result.records]


def through_client(
    emulator: InProcessEmulator, query: fn.Query, spoil: Callable[[bytes], bytes]
) -> tuple[Any, Any]:
    """What the client makes of the spoilt answer with columnar=True, then False."""
    transport = Spoiling(emulator.transport(), spoil)
    with connect(emulator, transport) as client:
        return outcome(client, query, columnar=True), outcome(client, query, columnar=False)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_through_the_client_columnar_ends_as_the_record_way_does(
    emulator: InProcessEmulator, vendors: Page, case: Case
) -> None:
    fields = vendors.fields
    fast, hardened = through_client(
        emulator, vendors_query(fields), lambda body: case.spoil(Page(fields, body))
    )
    assert fast == hardened
    if case.expect == "refused":
        assert hardened is ResponseFormatError


# --------------------------------------------------------------------------- other pages


@pytest.mark.parametrize(
    ("query", "expect"),
    [
        (fn.Query("CLASS", ["RECORDNO", "CLASSID", "NAME"], pagesize=1), "read"),
        (fn.Query("VENDOR", ["RECORDNO"], filter=q.lessthan("RECORDNO", 0)), "declined"),
        (fn.Query("VENDOR", ["RECORDNO", "NOPE"]), "declined"),  # a failure result
    ],
    ids=["one-record", "empty-page", "failure"],
)
def test_pages_of_one_record_none_and_a_failure(
    emulator: InProcessEmulator, query: fn.Query, expect: str
) -> None:
    body = answer(emulator, query)
    fields = [str(f) for f in query.select]
    assert same_or_declined(body, fields) == (expect == "read")
    parse_response(body)


@pytest.mark.parametrize(("length", "expect"), [(300, "declined"), (60_000, "refused")])
def test_a_field_name_libxml2_may_refuse_is_left_to_it(
    vendors: Page, length: int, expect: str
) -> None:
    long = b"N" * length
    body = re.sub(rb"<(/?)NAME(/?)>", rb"<\1" + long + rb"\2>", vendors.body)
    fields = [long.decode() if f == "NAME" else f for f in vendors.fields]
    assert not same_or_declined(body, fields)
    if expect == "refused":
        with pytest.raises(ResponseFormatError):
            parse_response(body)
    else:
        assert len(parse_response(body).results[0].records) == 3


@pytest.fixture(scope="module")
def bills(emulator: InProcessEmulator) -> tuple[tuple[str, ...], bytes]:
    with connect(emulator, emulator.transport()) as client:
        fields = ObjectRegistry(client).get("APBILL").queryable_fields
    query = fn.Query("APBILL", fields, orderby=[q.Order("RECORDNO")], pagesize=40)
    return fields, answer(emulator, query)


def test_a_page_cut_anywhere_is_never_a_silent_partial_page(
    bills: tuple[tuple[str, ...], bytes],
) -> None:
    fields, body = bills
    assert same_or_declined(body, fields)
    step = len(body) // 700 + 1  # every ~N bytes, and around the data section's edges
    edges = [body.find(b"<data"), body.find(b">", body.find(b"<data")), body.rfind(b"</data>")]
    cuts = {*range(1, len(body) - 1, step), *(e + d for e in edges for d in range(-2, 9))}
    for cut in sorted(cuts):
        spoilt = body[:cut]
        assert read_columns(spoilt, fields) is None, cut
        with pytest.raises(ResponseFormatError):
            parse_response(spoilt)


@pytest.mark.parametrize("share", [0.3, 0.6, 0.99])
def test_a_cut_page_ends_as_the_record_way_through_the_client(
    emulator: InProcessEmulator, bills: tuple[tuple[str, ...], bytes], share: float
) -> None:
    fields, _ = bills
    query = fn.Query("APBILL", fields, orderby=[q.Order("RECORDNO")], pagesize=40)
    fast, hardened = through_client(emulator, query, lambda body: body[: int(len(body) * share)])
    assert fast is hardened is ResponseFormatError


def pages(client: IntacctClient, *, columnar: bool) -> Any:
    """The keys of every page of a keyset pager, or the type of what it raises."""
    try:
        read = client.iter_pages("VENDOR", ["RECORDNO", "NAME"], pagesize=3, columnar=columnar)
        return [[r["RECORDNO"] for r in page.records] for page in read]
    except IntacctError as exc:
        return type(exc)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("0x{:X}", False),
        ("{}.0", False),
        ("", False),
        ("+{}", True),
        (" {} ", True),
        ("000{}", True),
    ],
)
def test_a_pager_reads_odd_recordnos_as_the_record_way_does(
    emulator: InProcessEmulator, written: str, read: bool
) -> None:
    """Each page's last RECORDNO written otherwise: where int() reads it, the pager goes
    on; where it does not (Arrow reads hexadecimal), it stops with the same error."""

    def spoil(body: bytes) -> bytes:
        page = Page(("RECORDNO", "NAME"), body)
        if len(page.records()) < 3:
            return body
        start, end = page.element(2, "RECORDNO")
        number = int(body[start:end].removeprefix(b"<RECORDNO>").removesuffix(b"</RECORDNO>"))
        return page.with_value(2, "RECORDNO", written.format(number).encode())

    transport = Spoiling(emulator.transport(), spoil)
    with connect(emulator, transport) as client:
        fast, hardened = pages(client, columnar=True), pages(client, columnar=False)
    assert fast == hardened
    assert isinstance(hardened, list) if read else hardened is PaginationError


# --------------------------------------------------------------------------- anything


#: pieces of markup and bytes the two readers disagree on, or could
HOSTILE = [
    b"<", b">", b"/>", b"</", b"&", b";", b"&amp;", b"&#1;", b"&#65;", b"&e;", b"]]>",
    b"<!--", b"-->", b"<![CDATA[", b"<?pi?>", b"<!DOCTYPE x>", b'"', b"'", b"=", b" ",
    b"\t", b"\n", b"\r", b"\x00", b"\x01", b"\x0b", b"\xff", b"\xc3", b"\xef\xbf\xbe",
    "é".encode(), b"x", b":", b"xmlns", b'xmlns="u"', b' a="1"', b" a=1", b"<NAME>",
    b"</NAME>", b"<NAME/>", b"<VENDOR>", b"</VENDOR>", b"<RECORDNO>", b"</RECORDNO>",
    b"<name>", b"<x:NAME>", b"<data>", b"</data>", b"</result><result>",
]  # fmt: skip


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_bytes_spliced_in_anywhere(vendors: Page, data: st.DataObject) -> None:
    body = vendors.body
    start, end = body.find(b"<data"), body.rfind(b"</data>") + len(b"</data>")
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(start, end))
        cut = data.draw(st.integers(0, 3))
        body = body[:at] + data.draw(st.sampled_from(HOSTILE)) + body[at + cut :]
    same_or_declined(body, vendors.fields)


# --------------------------------------------------------------------------- the samples

FIXTURES = shared_fixtures_dir()


def samples() -> Iterator[Any]:
    """The shared samples whose results carry records, each with its first record's
    fields as the selection."""
    for path in sorted(FIXTURES.glob("response-*.xml")):
        body = path.read_bytes()
        try:
            response = parse_response(body)
        except ResponseFormatError:
            continue
        for index, result in enumerate(response.results):
            if result.records:
                fields = tuple(result.records[0].fields)
                yield pytest.param(body, fields, id=f"{path.name}-{index}")


#: samples the fast reader reads (pretty-printed answers of one result, flat records)
READ_SAMPLES = {
    "response-create-two-classes.xml",
    "response-readbyquery-page1-numremaining2.xml",
    "response-readmore-last-page.xml",
    "response-query-style-offset-dotted-fields.xml",
}


@pytest.mark.parametrize(("body", "fields"), list(samples()))
def test_the_shared_samples_are_read_exactly_or_left_to_the_hardened_parser(
    body: bytes, fields: tuple[str, ...], request: pytest.FixtureRequest
) -> None:
    read = same_or_declined(body, fields)
    name = request.node.callspec.id.rsplit("-", 1)[0]
    if name in READ_SAMPLES:
        assert read
    cut = body.rfind(b"</data>") - 1
    assert read_columns(body[:cut], fields) is None


def test_the_samples_are_there() -> None:
    if not (Path(FIXTURES) / "EXPECTED.json").is_file():
        pytest.skip(f"shared Intacct XML samples not found at {FIXTURES}")
    assert len(list(samples())) >= 15
