"""A ``query`` answer read straight into columns: the fast reader of record pages.

The records of a page go into one Arrow array of text per selected field, read by
xml2arrow (a Rust XML reader that releases the GIL, ~2x libxml2's speed); the envelope
around them (control, authentication, result status, the ``<data>`` attributes) still
goes through the hardened parser (:func:`~intacct.protocol.response.parse_response`).

xml2arrow is more lenient than libxml2: it accepts DOCTYPEs, comments inside values,
control characters, U+FFFE, ``]]>`` and malformed attributes (unquoted, duplicated,
without a value, holding ``<``), keeps ``\\r`` that XML turns into ``\\n``, reads every
text as UTF-8 whatever the declaration says, drops namespace prefixes, takes an empty
element followed by a second one with a value, and skips elements it was not told about
(nested ones, other fields, records of another tag). So it reads only a data section it
provably reads as the hardened parser does: a UTF-8 answer with one ``<data>`` of one
result whose content matches, byte for byte, records of one tag holding each selected
field once, in the first record's order, as ``<F>text</F>`` or ``<F/>`` with no
attribute, only spaces, tabs and newlines between them, and text of characters XML
allows with no markup but the five predefined entities. Anything else returns None and
the caller parses the answer the hardened way; a page's records are always there too
(:meth:`Columns.records`), read by that parser from the same bytes.
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
#: XML's spaces but CR (XML reads it as LF, xml2arrow keeps it), as many as indenting
#: takes (libxml2 refuses more than 10,000,000 between two elements: :data:`_LONGEST_VALUE`)
_SPACE = rb"[ \t\n]{0,1000}+"
#: a value: characters XML allows but markup, CR and control characters; entities only
#: the five predefined ones (``&#`` may name characters XML forbids); no ``]]>`` (CDATA's
#: end, refused outside CDATA) and no U+FFFE or U+FFFF (``\xef\xbf\xbe``/``\xbf``, which
#: XML forbids): ``&``, ``]`` and ``\xef`` are rare, each is looked at where it is
_CHARS = rb"[^<&\]\xef\x00-\x08\x0b-\x1f]*+"
_RARE = rb"&(?:amp|lt|gt|quot|apos);|\](?!\]>)|\xef(?!\xbf[\xbe\xbf])"
_TEXT = rb"%s(?:(?:%s)%s)*" % (_CHARS, _RARE, _CHARS)  # not possessive: see _section
#: the bytes :data:`_RARE` starts with: a section without any has values of _CHARS alone
_RARE_BYTES = (b"&", b"]", b"\xef")
_DECLARED = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*?\sencoding\s*=\s*[\"']([^\"']*)[\"']")
#: names of up to 200 characters (libxml2 refuses names over 50,000)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,199}")
_FIRST_TAG = re.compile(rb"[ \t\n]{0,1000}<([A-Za-z_][A-Za-z0-9_.\-]{0,199})>")
#: libxml2 refuses a text node of more than 10,000,000 bytes (XML_MAX_TEXT_LENGTH: the
#: hardened parser does not lift it), xml2arrow does not: values anywhere near that
#: are left to the hardened parser
_LONGEST_VALUE = 1_000_000
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

    def texts(self, fields: Sequence[str]) -> list[dict[str, str]]:
        """``fields`` of every record as the records hold them (an empty element is
        ``""``: the fast reader took only pages where every record has every field)."""
        values = [
            ["" if v is None else v for v in self.table.column(name).to_pylist()] for name in fields
        ]
        return [dict(zip(fields, row, strict=True)) for row in zip(*values, strict=True)]

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
    named = all(_NAME.fullmatch(f) for f in fields) and len(set(fields)) == len(fields)
    bounds = _data_section(body) if available() and named and _utf8(body) else None
    if bounds is None:
        return None
    start, end = bounds
    tag = _record_tag(body, start, end)
    order = _first_fields(body, start, tag) if tag is not None else ()
    if tag is None or set(order) != set(fields) or len(order) != len(fields):
        return None
    if not _plain(body, start, end, tag, order):
        return None
    table = _parse(body, tag, tuple(fields))
    if table is None or not _counted(body, start, end, tag, table.num_rows):
        return None
    if not _short(table):
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
    # what int() reads as Arrow does: Arrow also reads "0x1F", int() refuses it
    if text.null_count or not pc.all(pc.match_substring_regex(text, "^[0-9]{1,18}$")).as_py():
        return None
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
    opened = body.find(_DATA_START)  # another <data> fails the section's pattern
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


def _utf8(body: bytes) -> bool:
    """Whether the answer is UTF-8, as xml2arrow reads every answer (libxml2 reads the
    encoding its declaration names)."""
    declared = _DECLARED.match(body)
    return declared is None or declared.group(1).lower() == b"utf-8"


def _first_fields(body: bytes, start: int, tag: str) -> tuple[str, ...]:
    """The field elements of the first record in order, named exactly as the answer
    spells them (xml2arrow matches names as given: a field answered in another case
    would read as empty)."""
    end = body.find(f"</{tag}>".encode(), start)
    names = _OPEN_TAG.findall(body, start, end)[1:]  # the first is the record's own
    return tuple(m.decode("ascii", "replace") for m in names)


def _plain(body: bytes, start: int, end: int, tag: str, order: tuple[str, ...]) -> bool:
    """The data section holds records as :func:`_section` spells them and nothing else."""
    rare = any(body.find(byte, start, end) >= 0 for byte in _RARE_BYTES)
    return _section(tag, order, rare).fullmatch(body, start, end) is not None


@functools.lru_cache(maxsize=64)  # objects x field lists of a run
def _section(tag: str, order: tuple[str, ...], rare: bool = True) -> re.Pattern[bytes]:
    """Records ``tag`` holding each field of ``order`` once, in that order: nothing
    xml2arrow could skip (other elements, nested ones), take twice or read otherwise
    than libxml2 (attributes, namespace prefixes, comments, CDATA, references).
    Each piece starts with a byte no other may start with, so a page is read in one
    pass; runs of plain bytes, spaces and records are possessive (half the time), the
    rare pieces are not: Python 3.11.2 (Debian 12's) let U+FFFF through the lookahead
    of a possessive repeat, 3.11.7 does not.

    Without ``rare`` (a section holding none of :data:`_RARE_BYTES`, where _TEXT can
    only match _CHARS) a value is _CHARS alone: the same answer, from a pattern compiled
    in a third of the time (a pattern an object: 641 objects, ~14 ms each at 40 fields,
    were a tenth of an ``--objects all`` run's CPU in Python)."""
    text = _TEXT if rare else _CHARS

    def field(name: str) -> bytes:
        quoted = re.escape(name).encode("ascii")
        return rb"<%s(?:>%s</%s>|/>)" % (quoted, text, quoted)

    quoted = re.escape(tag).encode("ascii")
    fields = b"".join(_SPACE + field(name) for name in order)
    record = rb"<%s>%s%s</%s>" % (quoted, fields, _SPACE, quoted)
    return re.compile(rb"(?:%s%s)++%s" % (_SPACE, record, _SPACE))


def _counted(body: bytes, start: int, end: int, tag: str, rows: int) -> bool:
    """Whether xml2arrow read every record of the section (it matched :func:`_section`)."""
    return rows > 0 and body.count(f"<{tag}>".encode(), start, end) == rows


def _short(table: pa.Table) -> bool:
    """No value longer than :data:`_LONGEST_VALUE` bytes (a column holding fewer bytes
    in all has none)."""
    import pyarrow.compute as pc

    return all(
        (pc.max(pc.binary_length(column)).as_py() or 0) <= _LONGEST_VALUE
        for column in table.columns
        if column.nbytes > _LONGEST_VALUE
    )


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

    try:
        # a parser that cannot be built (no writable temporary directory for its
        # configuration) or any complaint of its own: the hardened parser decides
        batch = _parser(tag, fields).parse(body)[_TABLE]
    except Exception:  # noqa: BLE001
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
