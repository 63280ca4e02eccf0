"""Parse a gateway answer into typed objects whose lists are always lists.

The tree (``response`` → ``control`` / ``errormessage`` / ``operation`` →
``authentication`` / ``errormessage`` / ``result``\\*) follows the 2.1 response DTD and
the 3.0 answers seen in captures. Failures can sit at three levels — control,
authentication, result — and this module only *reports* them; :mod:`.classify` decides
what they mean. Values stay strings exactly as sent (whitespace included); the typed
accessors convert on demand.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from intacct.errors import ErrorDetail, GatewayError, ResponseFormatError
from intacct.protocol import xml
from intacct.protocol.columns import Columns
from intacct.protocol.redact import excerpt

__all__ = [
    "Authentication",
    "Control",
    "Data",
    "ListType",
    "Operation",
    "Record",
    "Response",
    "Result",
    "parse_records_body",
    "parse_response",
]


# csv.field_size_limit is process-wide (no reader has its own) and 128 KiB by default,
# which a long text field of a real record can pass. Saving, raising and restoring it
# around each parse would race with other threads reading CSV; raising it once, here,
# cannot race. It only loosens a guard against unbounded memory per field, which the
# transport already gives for answers (a field is never longer than its body, and the
# body is capped by ``max_response_bytes``). 2**31 - 1: the largest value every
# platform's C long takes.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))

_TOO_DEEP = "nests objects too deeply to be records"

#: answers up to this size are parsed whole (a quarter faster); larger ones record by
#: record, pruning the tree as it grows, so memory stays ~2x the body however large
WHOLE_TREE_BYTES = 1 << 20


class Record(Mapping[str, str]):
    """One record element: a read-only mapping of its leaf fields (tag → text).

    Nested elements (owned lines, addresses, attachments) are in :meth:`nested`, always
    as lists; a leaf that repeats is in :meth:`getlist`. Empty elements read as ``""``.
    """

    __slots__ = ("_repeated", "attributes", "children", "fields", "tag", "text")

    def __init__(
        self,
        tag: str,
        fields: dict[str, str],
        children: dict[str, list[Record]] | None = None,
        attributes: dict[str, str] | None = None,
        text: str | None = None,
        repeated: dict[str, list[str]] | None = None,
    ) -> None:
        self.tag = tag
        self.fields = fields
        self.children = children or {}
        self.attributes = attributes or {}
        self.text = text
        self._repeated = repeated or {}

    def __getitem__(self, key: str) -> str:
        return self.fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __repr__(self) -> str:
        return f"Record({self.tag!r}, {self.fields!r})"

    def nested(self, tag: str) -> list[Record]:
        """Child elements named ``tag`` that have children of their own (always a list)."""
        return list(self.children.get(tag, ()))

    def getlist(self, tag: str) -> list[str]:
        """Every value of a leaf field, in document order (a list even if it occurs once)."""
        if tag in self._repeated:
            return list(self._repeated[tag])
        return [self.fields[tag]] if tag in self.fields else []

    def to_dict(self) -> dict[str, Any]:
        """Plain data: leaf fields as strings, nested elements as lists of dicts."""
        out: dict[str, Any] = dict(self.fields)
        for tag, values in self._repeated.items():
            out[tag] = list(values)
        for tag, kids in self.children.items():
            out[tag] = [kid.to_dict() for kid in kids]
        return out


@dataclass(frozen=True, slots=True)
class Control:
    status: str | None
    senderid: str | None = None
    controlid: str | None = None
    uniqueid: str | None = None
    dtdversion: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "success"


@dataclass(frozen=True, slots=True)
class Authentication:
    status: str | None
    userid: str | None = None
    companyid: str | None = None
    locationid: str | None = None
    clientid: str | None = None
    clientstatus: str | None = None
    sessiontimestamp: str | None = None
    sessiontimeout: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "success"


@dataclass(frozen=True, slots=True)
class ListType:
    """The legacy (2.1-style) ``<listtype start end total>object</listtype>`` sibling."""

    text: str
    start: str | None = None
    end: str | None = None
    total: str | None = None


def _int(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Data:
    """A result's ``<data>``: its attributes as sent and its child records in order;
    read by the fast reader (:mod:`.columns`), the records are ``columns`` (read them
    through :attr:`Result.records`, which reads them from the columns' bytes)."""

    attributes: dict[str, str]
    records: list[Record]
    columns: Columns | None = None

    @property
    def listtype(self) -> str | None:
        return self.attributes.get("listtype")

    @property
    def count(self) -> int | None:
        return _int(self.attributes.get("count"))

    @property
    def totalcount(self) -> int | None:
        return _int(self.attributes.get("totalcount"))

    @property
    def numremaining(self) -> int | None:
        return _int(self.attributes.get("numremaining"))

    @property
    def offset(self) -> int | None:
        return _int(self.attributes.get("offset"))

    @property
    def result_id(self) -> str | None:
        """The readMore cursor; ``None`` when absent or empty (nothing left to read)."""
        return self.attributes.get("resultId") or None


@dataclass(frozen=True, slots=True)
class Result:
    status: str | None
    function: str | None
    controlid: str | None
    listtype: ListType | None = None
    key: str | None = None
    data: Data | None = None
    errors: list[ErrorDetail] = field(default_factory=list)
    #: bytes of the answer that carried it (an answer's results share its size)
    size: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def records(self) -> list[Record]:
        """The records of ``<data>`` (also present on some failures); ``[]`` if none."""
        if self.data is None:
            return []
        if self.data.columns is not None:
            return self.data.columns.records()
        return self.data.records

    @property
    def error(self) -> GatewayError | None:
        """The classified error of a failed result (``intacct.errors``), else ``None``."""
        from intacct.protocol.classify import error_for_result  # classify imports us

        return error_for_result(self)

    def raise_for_error(self) -> Result:
        """Raise :attr:`error` if this result failed; return the result otherwise."""
        error = self.error
        if error is not None:
            raise error
        return self


@dataclass(frozen=True, slots=True)
class Operation:
    authentication: Authentication
    errors: list[ErrorDetail]
    results: list[Result]


@dataclass(frozen=True, slots=True)
class Response:
    """A whole gateway answer. ``errors`` are the response-level (control) errors."""

    control: Control
    errors: list[ErrorDetail]
    operation: Operation | None
    acknowledgement: str | None = None
    http_status: int = 200

    @property
    def results(self) -> list[Result]:
        return self.operation.results if self.operation is not None else []


def _child_text(el: etree._Element, tag: str) -> str | None:
    child = el.find(tag)
    if child is None:
        return None
    return child.text or ""


def _errors(parent: etree._Element) -> list[ErrorDetail]:
    box = parent.find("errormessage")
    if box is None:
        return []
    return [
        ErrorDetail(
            errorno=_child_text(err, "errorno"),
            description=_child_text(err, "description"),
            description2=_child_text(err, "description2"),
            correction=_child_text(err, "correction"),
        )
        for err in box.iterfind("error")
    ]


class _Reader:
    """Turns elements into records as the parser hands them over.

    A tag name read from lxml is a new ``str`` each time: every record would hold its
    own copy of every field name, for short values half of the records' memory. One
    shared ``str`` per distinct name is kept for the parse instead.
    """

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._taken: dict[etree._Element, list[Record]] = {}

    def take(self, data: etree._Element, child: etree._Element) -> None:
        self._taken.setdefault(data, []).append(self.record(child))

    def records(self, data: etree._Element) -> list[Record]:
        """The records taken from ``data`` while parsing, then any still in the tree."""
        records = self._taken.pop(data, [])
        records.extend(self.record(child) for child in data if isinstance(child.tag, str))
        return records

    def record(self, el: etree._Element) -> Record:
        names = self._names
        fields: dict[str, str] = {}
        children: dict[str, list[Record]] | None = None
        repeated: dict[str, list[str]] | None = None
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            tag = names.setdefault(tag, tag)
            if len(child):
                if children is None:
                    children = {}
                children.setdefault(tag, []).append(self.record(child))
                continue
            text = child.text or ""
            if tag in fields:
                if repeated is None:
                    repeated = {}
                repeated.setdefault(tag, [fields[tag]]).append(text)
            else:
                fields[tag] = text
        attributes = (
            {names.setdefault(k, k): v for k, v in el.attrib.items()} if el.attrib else None
        )
        own_text = el.text if not len(el) else None
        tag = str(el.tag)
        return Record(names.setdefault(tag, tag), fields, children, attributes, own_text, repeated)

    def data(self, el: etree._Element) -> Data:
        return Data(
            attributes={str(k): str(v) for k, v in el.attrib.items()}, records=self.records(el)
        )

    def result(self, el: etree._Element, size: int = 0) -> Result:
        listtype = el.find("listtype")
        data = el.find("data")
        return Result(
            status=_child_text(el, "status"),
            function=_child_text(el, "function"),
            controlid=_child_text(el, "controlid"),
            listtype=(
                ListType(
                    listtype.text or "",
                    listtype.get("start"),
                    listtype.get("end"),
                    listtype.get("total"),
                )
                if listtype is not None
                else None
            ),
            key=_child_text(el, "key"),
            data=self.data(data) if data is not None else None,
            errors=_errors(el),
            size=size,
        )


def _is_result_data(el: etree._Element) -> bool:
    """Whether ``el`` is a ``<data>`` that :meth:`_Reader.result` reads: the first of a
    ``<result>`` of the first ``<operation>`` of a ``<response>``. Only those are read
    record by record while parsing; any other ``<data>`` stays in the tree."""
    result = el.getparent()
    if result is None or result.tag != "result" or result.find("data") is not el:
        return False
    operation = result.getparent()
    if operation is None or operation.tag != "operation":
        return False
    root = operation.getparent()
    return (
        root is not None
        and root.getparent() is None
        and root.tag == "response"
        and root.find("operation") is operation
    )


def _authentication(el: etree._Element | None) -> Authentication:
    if el is None:
        return Authentication(status=None)
    return Authentication(
        status=_child_text(el, "status"),
        userid=_child_text(el, "userid"),
        companyid=_child_text(el, "companyid"),
        locationid=_child_text(el, "locationid"),
        clientid=_child_text(el, "clientid"),
        clientstatus=_child_text(el, "clientstatus"),
        sessiontimestamp=_child_text(el, "sessiontimestamp"),
        sessiontimeout=_child_text(el, "sessiontimeout"),
    )


def _not_xml(body: bytes, http_status: int, why: str) -> ResponseFormatError:
    page = html_page_title(body)
    if page is not None:  # the parser's complaint about HTML says nothing useful
        why = f"an HTML page{f' ({page})' if page else ''}, not an Intacct gateway's XML"
    return ResponseFormatError(why, http_status=http_status, excerpt=excerpt(body), html_title=page)


_HTML_START = re.compile(
    rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S
)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)


def html_page_title(body: bytes) -> str | None:
    """For an HTML page (a web server, proxy or CDN answering instead of the gateway):
    its ``<title>`` (redacted, one line, "" if none); None for anything else."""
    head = body[:4096]
    if not _HTML_START.match(head):
        return None
    found = _TITLE.search(head)
    return excerpt(found.group(1), 80) if found else ""


def parse_response(body: bytes, *, http_status: int = 200) -> Response:
    """Parse one gateway answer.

    Raises :class:`~intacct.errors.ResponseFormatError` (with the HTTP status and a short
    redacted excerpt) when the body is not a ``<response>`` document holding a control
    status or results: an HTML error page, an empty or truncated body.

    An answer without a control status (no ``<control>``, or one without ``<status>``)
    that still holds ``<operation>`` results is parsed with ``control.status`` ``None``
    (unknown): those results and their errors are what the caller can still use.

    Records of an answer over :data:`WHOLE_TREE_BYTES` are built while the body is
    parsed and the elements they came from are dropped at once, so the whole tree is
    never held next to the records.
    """
    if not body or body.isspace():  # not body.strip(): that copies the whole body
        raise _not_xml(body, http_status, "empty response body")
    reader = _Reader()
    try:
        root = (
            xml.parse(body)  # the whole tree: ~10x the body, at most a few MB
            if len(body) <= WHOLE_TREE_BYTES
            else xml.parse_pruned(body, "data", _is_result_data, reader.take)
        )
    except xml.XMLSyntaxError as exc:
        raise _not_xml(body, http_status, f"response is not XML ({exc.msg})") from None
    if root.tag != "response":
        raise _not_xml(body, http_status, f"unexpected root element <{root.tag!s}>")
    control_el = root.find("control")
    operation_el = root.find("operation")
    results = list(operation_el.iterfind("result")) if operation_el is not None else []
    if (control_el is None or control_el.find("status") is None) and not results:
        raise _not_xml(body, http_status, "response has neither a control/status nor results")
    ack = root.find("acknowledgement")
    operation = None
    if operation_el is not None:
        operation = Operation(
            authentication=_authentication(operation_el.find("authentication")),
            errors=_errors(operation_el),
            results=[reader.result(r, len(body) // len(results)) for r in results],
        )
    return Response(
        control=_control(control_el),
        errors=_errors(root),
        operation=operation,
        acknowledgement=_child_text(ack, "status") if ack is not None else None,
        http_status=http_status,
    )


def _control(el: etree._Element | None) -> Control:
    if el is None:
        return Control(status=None)
    return Control(
        status=_child_text(el, "status"),
        senderid=_child_text(el, "senderid"),
        controlid=_child_text(el, "controlid"),
        uniqueid=_child_text(el, "uniqueid"),
        dtdversion=_child_text(el, "dtdversion"),
    )


def _json_record(tag: str, obj: Mapping[str, Any]) -> Record:
    fields: dict[str, str] = {}
    children: dict[str, list[Record]] = {}
    for key, value in obj.items():
        if isinstance(value, Mapping):
            children.setdefault(key, []).append(_json_record(key, value))
        elif isinstance(value, list):
            children.setdefault(key, []).extend(
                _json_record(key, v if isinstance(v, Mapping) else {"value": v}) for v in value
            )
        elif value is None:
            fields[key] = ""
        elif isinstance(value, bool):
            fields[key] = "true" if value else "false"
        else:
            fields[key] = str(value)
    return Record(tag, fields, children)


def parse_records_body(
    body: bytes, return_format: str, *, object_name: str = "", http_status: int = 200
) -> list[Record]:
    """Records of a ``returnformat`` json/csv answer, which carries only data, no envelope.

    [U] The documented JSON shape is an array of objects with string values; an object
    wrapping a single array (``{"VENDOR": [...]}``) is accepted too. CSV has a header row
    of field names. Callers check for an XML body first: failures still come as XML.

    Raises :class:`~intacct.errors.ResponseFormatError` (with ``http_status`` and a short
    redacted excerpt) for a body that is not UTF-8 or not such JSON/CSV; ``ValueError``
    for a format other than json or csv.
    """
    fmt = return_format.lower()
    if fmt not in ("json", "csv"):
        raise ValueError(f"return format {return_format!r} has no bare-data body (json or csv)")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        why = f"is not UTF-8 (byte 0x{body[exc.start]:02x} at offset {exc.start})"
        raise _not_records(body, fmt, http_status, why) from None
    if fmt == "json":
        return _json_records(body, text, object_name, http_status)
    return _csv_records(body, text, object_name, http_status)


def _not_records(body: bytes, fmt: str, http_status: int, why: str) -> ResponseFormatError:
    return ResponseFormatError(
        f"returnformat {fmt} answer {why}", http_status=http_status, excerpt=excerpt(body)
    )


def _json_records(body: bytes, text: str, object_name: str, http_status: int) -> list[Record]:
    if not text or text.isspace():  # not text.strip(): that copies the whole text
        return []
    try:
        # numbers keep their JSON spelling ("12.50", not 12.5)
        payload = json.loads(text, parse_float=str, parse_int=str, parse_constant=str)
    except json.JSONDecodeError as exc:
        raise _not_records(body, "json", http_status, f"is not JSON ({exc.msg})") from None
    except RecursionError:
        raise _not_records(body, "json", http_status, _TOO_DEEP) from None
    if isinstance(payload, Mapping) and len(payload) == 1:
        (only,) = payload.values()
        if isinstance(only, list):  # {"VENDOR": [...]} wraps the rows; {"F": "v"} is one
            payload = only
    if isinstance(payload, Mapping):
        payload = [payload]
    if not isinstance(payload, list) or not all(isinstance(p, Mapping) for p in payload):
        raise _not_records(body, "json", http_status, "is not a list of objects")
    try:
        return [_json_record(object_name, row) for row in payload]
    except RecursionError:  # json nests deeper than its parser allows, we less deep
        raise _not_records(body, "json", http_status, _TOO_DEEP) from None


def _csv_records(body: bytes, text: str, object_name: str, http_status: int) -> list[Record]:
    # strict: a quote left open (a cut body) or text after a closing quote is an error,
    # not a guess at what the field held
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        return [
            Record(object_name, {k: v or "" for k, v in row.items() if k is not None})
            for row in reader
        ]
    except csv.Error as exc:
        raise _not_records(body, "csv", http_status, f"is not CSV ({exc})") from None
