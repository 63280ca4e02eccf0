"""Properties of :func:`parse_records_body` (``returnformat`` json/csv answers) over
generated input, beside the XML ones in test_parser_properties.py.

* Whatever the bytes, and for mutations of the golden json/csv answers, the parser
  returns records or raises :class:`~intacct.errors.ResponseFormatError` (carrying the
  HTTP status and a short single-line excerpt) — never RecursionError,
  UnicodeDecodeError, csv.Error or anything else.
* Generated rows of arbitrary text round-trip exactly through both formats, and a CSV
  field far longer than the csv module's default 128 KiB limit is read whole.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intacct.errors import ResponseFormatError
from intacct.protocol.response import Record, parse_records_body
from tests.properties import examples

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "responses"
SEEDS = {
    "json": (GOLDEN / "query-returnformat-json.json").read_bytes(),
    "csv": (GOLDEN / "query-returnformat-csv.csv").read_bytes(),
}
FORMATS = st.sampled_from(["json", "csv"])
STATUSES = st.sampled_from([200, 400, 500, 502])

FAST = settings(max_examples=examples(400), deadline=None, database=None)
SLOW = settings(
    max_examples=examples(200),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _records_or_format_error(body: bytes, fmt: str, status: int = 200) -> list[Record] | None:
    """Parse; a ResponseFormatError is the only acceptable failure."""
    failure: ResponseFormatError | None = None
    try:
        records = parse_records_body(body, fmt, object_name="VENDOR", http_status=status)
    except ResponseFormatError as exc:
        failure = exc
    if failure is not None:
        assert failure.http_status == status
        assert f"returnformat {fmt} answer" in str(failure)
        assert isinstance(failure.excerpt, str)
        assert len(failure.excerpt) <= 200
        assert "\n" not in failure.excerpt
        return None
    for record in records:
        assert record.tag == "VENDOR"
        assert all(isinstance(v, str) for v in record.values())
        record.to_dict()
    return records


# --------------------------------------------------------------------------- garbage


@FAST
@given(body=st.binary(max_size=2048), fmt=FORMATS, status=STATUSES)
def test_random_bytes_only_raise_response_format_error(body: bytes, fmt: str, status: int) -> None:
    _records_or_format_error(body, fmt, status)


@FAST
@given(text=st.text(max_size=512), fmt=FORMATS)
def test_random_text_only_raises_response_format_error(text: str, fmt: str) -> None:
    _records_or_format_error(text.encode("utf-8", "surrogatepass"), fmt)


TOKENS = st.sampled_from(
    [
        b"[",
        b"]",
        b"{",
        b"}",
        b'"',
        b",",
        b":",
        b"\\",
        b"\\u",
        b"\\ud800",
        b"null",
        b"NaN",
        b"-Infinity",
        b"1e999999",
        b"9" * 5000,
        b"[" * 5000,
        b'{"a":' * 3000,
        b"\r",
        b"\n",
        b"\r\n",
        b'"\n',
        b'""',
        b"\x00",
        b"\xff",
        b"\xc3",
        b"\xef\xbb\xbf",
        b"\xe2\x80\xa8",
    ]
)


@st.composite
def mutated(draw: st.DrawFn, fmt: str) -> bytes:
    body = bytearray(SEEDS[fmt])
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
@given(data=st.data(), fmt=FORMATS, status=STATUSES)
def test_mutated_answers_only_raise_response_format_error(
    data: st.DataObject, fmt: str, status: int
) -> None:
    _records_or_format_error(data.draw(mutated(fmt)), fmt, status)


def test_seeds_are_valid_answers() -> None:
    for fmt, seed in SEEDS.items():
        assert _records_or_format_error(seed, fmt)


# --------------------------------------------------------------------------- named failures


@pytest.mark.parametrize(
    ("body", "fmt", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "json", "nests objects too deeply"),
        (b'[{"A": ' + b'{"A": ' * 100_000 + b"1" + b"}" * 100_001 + b"]", "json", "too deeply"),
        # deep enough for our records, not for the JSON parser
        (b'[{"A": ' + b"[" * 600 + b"]" * 600 + b"}]", "json", "too deeply"),
        (b'[{"NAME": "Caf\xe9"}]', "json", "is not UTF-8 (byte 0xe9 at offset 14)"),
        (b"NAME\r\nCaf\xe9\r\n", "csv", "is not UTF-8 (byte 0xe9 at offset 9)"),
        (b'NAME,NOTE\r\n1,"open quote\r\n', "csv", "is not CSV (unexpected end of data)"),
        (b'NAME\r\n"closed"then text\r\n', "csv", "is not CSV"),
        (b'{"A": 1', "json", "is not JSON"),
    ],
    ids=["deep-lists", "deep-objects", "deep-for-records", "json-latin1", "csv-latin1",
         "csv-cut-in-quotes", "csv-text-after-quote", "json-cut"],
)  # fmt: skip
def test_each_failure_names_its_reason(body: bytes, fmt: str, reason: str) -> None:
    with pytest.raises(ResponseFormatError, match=re.escape(reason)) as info:
        parse_records_body(body, fmt, http_status=200)
    assert info.value.http_status == 200


def test_an_unknown_format_is_refused_before_the_body_is_read() -> None:
    with pytest.raises(ValueError, match="'xml'"):
        parse_records_body(b"\xff\xfe not text", "xml")


# --------------------------------------------------------------------------- round trip

CELLS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
FIELD = st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    header = draw(st.lists(FIELD, min_size=1, max_size=6, unique=True))
    rows = draw(st.lists(st.lists(CELLS, min_size=len(header), max_size=len(header))))
    return header, rows


@SLOW
@given(table=tables())
def test_generated_csv_round_trips_exactly(table: tuple[list[str], list[list[str]]]) -> None:
    header, rows = table
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    records = parse_records_body(out.getvalue().encode(), "csv", object_name="VENDOR")
    expected = [dict(zip(header, row, strict=True)) for row in rows]
    assert [dict(r) for r in records] == expected
    assert [list(r) for r in records] == [header for _ in expected]


@SLOW
@given(table=tables(), wrapped=st.booleans())
def test_generated_json_round_trips_exactly(
    table: tuple[list[str], list[list[str]]], wrapped: bool
) -> None:
    header, rows = table
    expected = [dict(zip(header, row, strict=True)) for row in rows]
    payload: object = {"VENDOR": expected} if wrapped else expected
    body = json.dumps(payload, ensure_ascii=False).encode()
    records = parse_records_body(body, "json", object_name="VENDOR")
    assert [dict(r) for r in records] == expected


@pytest.mark.parametrize("size", [131_073, 5_000_000])
def test_csv_fields_longer_than_the_default_limit_are_read_whole(size: int) -> None:
    note = "n" * (size - 1) + "\u00e9"
    quoted = '"' + ("x" * (size // 2)).replace("x", 'x""', 3) + '"'
    body = f'RECORDNO,NOTE,QUOTED\r\n1,{note},{quoted}\r\n2,short,""\r\n'.encode()
    first, second = parse_records_body(body, "csv")
    assert first["NOTE"] == note and len(first["NOTE"]) == size
    assert first["QUOTED"] == 'x"' * 3 + "x" * (size // 2 - 3)
    assert dict(second) == {"RECORDNO": "2", "NOTE": "short", "QUOTED": ""}
