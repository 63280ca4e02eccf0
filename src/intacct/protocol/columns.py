"""A ``query`` answer read straight into columns: the fast reader of record pages.

The records of a page go into one Arrow array of text per selected field, read by
xml2arrow (a Rust XML reader that releases the GIL, ~2x libxml2's speed); the envelope
around them (control, authentication, result status, the ``<data>`` attributes) still
goes through the hardened parser (:func:`~intacct.protocol.response.parse_response`).

xml2arrow is more lenient than libxml2: it accepts DOCTYPEs, comments inside values,
control characters, ``]]>`` and malformed attributes, keeps ``\\r`` that XML turns into
``\\n``, and skips elements it was not told about (nested ones, other fields, records of
another tag). So it reads only a data section it provably reads as the hardened parser
does: one ``<data>`` of one result, no ``<!``, ``]]>``, ``\\r``, ``&#`` or control bytes,
and exactly one element per selected field in every record (counted from the bytes).
Anything else returns None and the caller parses the answer the hardened way; a page's
records are always there too (:meth:`Columns.records`), read by that parser from the
same bytes.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from intacct.errors import ResponseFormatError

if TYPE_CHECKING:
    import pyarrow as pa

    from intacct.protocol.response import Record, Response

__all__ = ["Columns", "ascending_recordnos", "available", "read_columns"]

_DATA_START = b"<data"
_DATA_END = b"</data>"
#: bytes XML 1.0 forbids (tab, LF and CR aside) and CR, which XML reads as LF
_REFUSED = bytes([*range(0x09), 0x0B, 0x0C, 0x0D, *range(0x0E, 0x20)])
#: bytes that start what a data section must not hold besides those: comments, CDATA and
#: DOCTYPEs (``<!``), CDATA's end outside CDATA (``]]>``); character references (``&#``:
#: they may name characters XML forbids) are looked for separately. A processing
#: instruction needs no check: both readers drop it, and it fails the element count.
_SUSPECT = _REFUSED + b"!]"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_FIRST_TAG = re.compile(rb"\s*<([A-Za-z_][A-Za-z0-9_.\-]*)>")
_OPEN_TAG = re.compile(rb"<([^/!?>\s][^>\s/]*)")


@dataclass(frozen=True, slots=True)
class Columns:
    """A page's records as columns: ``table`` has one text column per selected field
    (null where the element was empty), rows in document order; ``tag`` is the record
    element. ``body`` is the answer they came from: :meth:`records` reads it again
    with the hardened parser, for any reader that needs the records themselves."""

    tag: str
    table: pa.Table
    body: bytes
    http_status: int = 200
    _records: list[list[Record]] = field(default_factory=list, repr=False, compare=False)

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def records(self) -> list[Record]:
        """The page's records as :func:`parse_response` reads them (read once)."""
        if not self._records:
            from intacct.protocol.response import parse_response  # response imports us

            response = parse_response(self.body, http_status=self.http_status)
            self._records.append(response.results[0].records)
        return self._records[0]


@functools.cache
def available() -> bool:
    """Whether the fast reader can run here (xml2arrow and pyarrow are installed)."""
    try:
        import pyarrow  # noqa: F401
        import xml2arrow  # noqa: F401
    except ImportError:
        return False
    return True


def read_columns(body: bytes, fields: Sequence[str], *, http_status: int = 200) -> Response | None:
    """The answer to one ``query`` of ``fields``, its result's records as columns
    (``result.data.columns``); None when the fast reader cannot vouch for reading it as
    the hardened parser does (the caller then parses it with :func:`parse_response`)."""
    bounds = _data_section(body) if available() else None
    if bounds is None or not all(_NAME.fullmatch(f) for f in fields):
        return None
    start, end = bounds
    tag = _record_tag(body, start, end)
    if (
        tag is None
        or not _plain(body, start, end)
        or _first_fields(body, start, tag) != set(fields)
    ):
        return None
    table = _parse(body, tag, tuple(fields))
    if table is None or not _counted(body, start, end, table.num_rows, len(fields)):
        return None
    response = _envelope(body, start, end, http_status)
    if response is None or response.operation is None:
        return None
    result = response.results[0]
    assert result.data is not None  # _envelope checked
    columns = Columns(tag, table, body, http_status)
    data = replace(result.data, columns=columns)
    results = [replace(result, data=data, size=len(body))]
    return replace(response, operation=replace(response.operation, results=results))


def ascending_recordnos(columns: Columns, after: int | None) -> int | None:
    """The last RECORDNO of a page whose RECORDNOs are all plain integers, each greater
    than the one before (and than ``after``); None otherwise."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if "RECORDNO" not in columns.table.column_names or not len(columns):
        return None
    text = columns.table.column("RECORDNO")
    try:
        numbers = pc.cast(text, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if numbers.null_count:
        return None
    rising = pc.all(pc.greater(numbers[1:], numbers[:-1])).as_py() is not False
    first, last = numbers[0].as_py(), numbers[-1].as_py()
    if not rising or (after is not None and first <= after):
        return None
    return int(last)


def _data_section(body: bytes) -> tuple[int, int] | None:
    """Where the one ``<data …>`` element's content starts and ends."""
    opened = body.find(_DATA_START)  # another <data> inside fails the element count
    if opened < 0:
        return None
    start = body.find(b">", opened) + 1
    end = body.rfind(_DATA_END)
    if start <= 0 or end < start or body[start - 2 : start] == b"/>":
        return None
    return start, end


def _record_tag(body: bytes, start: int, end: int) -> str | None:
    """The first record's element name (every record must have it: :func:`_counted`)."""
    found = _FIRST_TAG.match(body, start, end)
    return found.group(1).decode("ascii") if found else None


def _first_fields(body: bytes, start: int, tag: str) -> set[str]:
    """The field elements of the first record, named exactly as the answer spells them
    (xml2arrow matches names as given: a field answered in another case would read as
    empty)."""
    end = body.find(f"</{tag}>".encode(), start)
    return {m.decode("ascii", "replace") for m in _OPEN_TAG.findall(body, start, end)} - {tag}


def _plain(body: bytes, start: int, end: int) -> bool:
    """No markup but elements, no character the two readers read differently. One pass
    deletes the bytes that could start trouble; only if it finds some are they looked
    at closely (``!`` and ``]`` are rare in values, ``&`` is not)."""
    section = body[start:end]
    if len(section.translate(None, _SUSPECT)) != len(section):
        if len(section.translate(None, _REFUSED)) != len(section):
            return False
        if b"<!" in section or b"]]>" in section:
            return False
    return b"&" not in section or b"&#" not in section


def _counted(body: bytes, start: int, end: int, rows: int, fields: int) -> bool:
    """Exactly ``fields`` child elements in each of ``rows`` records and nothing else: a
    nested element, an unselected field or a record of another tag would be skipped by
    xml2arrow. Each element has one start (or empty) tag and at most one end tag, and
    ``<`` appears nowhere else (it is escaped in text; comments are refused)."""
    opened = body.count(b"<", start, end)
    closed = body.count(b"</", start, end)
    return rows > 0 and opened - closed == rows * (1 + fields)


def _envelope(body: bytes, start: int, end: int, http_status: int) -> Response | None:
    """The answer without its records, through the hardened parser: a successful
    answer with one result, or None (failures are read the hardened way, whole)."""
    from intacct.protocol.response import parse_response  # response imports us

    try:
        response = parse_response(body[:start] + body[end:], http_status=http_status)
    except ResponseFormatError:
        return None
    results = response.results
    ok = response.control.ok and len(results) == 1 and results[0].ok
    if not ok or results[0].data is None or response.errors:
        return None
    return response


# -- xml2arrow ---------------------------------------------------------------------------

_PARSERS: dict[tuple[str, tuple[str, ...]], Any] = {}
_PARSERS_HELD = 64  # (tag, fields) combinations kept: objects x field lists of a run
_LOCK = threading.Lock()
_TABLE = "records"


def _parse(body: bytes, tag: str, fields: tuple[str, ...]) -> pa.Table | None:
    import pyarrow as pa

    parser = _parser(tag, fields)
    try:
        batch = parser.parse(body)[_TABLE]
    except Exception:  # noqa: BLE001 - any complaint of its own: the hardened parser decides
        return None
    return pa.Table.from_batches([batch])


def _parser(tag: str, fields: tuple[str, ...]) -> Any:
    """xml2arrow's parser for records ``tag`` of ``fields`` (built once: it compiles its
    configuration, which it reads from a file)."""
    key = (tag, fields)
    with _LOCK:
        parser = _PARSERS.get(key)
        if parser is None:
            if len(_PARSERS) >= _PARSERS_HELD:
                _PARSERS.clear()
            parser = _PARSERS[key] = _build(tag, fields)
    return parser


def _build(tag: str, fields: tuple[str, ...]) -> Any:
    import xml2arrow

    data = "/response/operation/result/data"
    lines = ["tables:", f"  - name: {_TABLE}", f"    xml_path: {data}", "    levels: []"]
    lines.append("    fields:")
    for name in fields:  # names are checked by _NAME: nothing to quote in YAML
        lines += [
            f"      - name: {name}",
            f"        xml_path: {data}/{tag}/{name}",
            "        data_type: Utf8",
            "        nullable: true",
        ]
    handle, path = tempfile.mkstemp(prefix="intacct-columns-", suffix=".yaml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")
        return xml2arrow.XmlToArrowParser(path)
    finally:
        os.unlink(path)
