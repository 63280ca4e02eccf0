"""REST's typed fast path equals its record path.

A query page decoded into columns (:class:`~intacct.protocol.rest_records.RecordShape`)
and typed in bulk (:class:`~intacct.replication.records.rest_columnar.RestColumnTyper`)
holds, value for value, what the record path (:class:`~.rest_typed.RestTyper` over
:func:`~intacct.protocol.rest.parse_rest`'s records) makes of the same bytes: the same
dicts (repr-equal: key order, a decimal's digits) and a typed table equal to them. Where
the record path raises, the fast path declines, so the engine types the page the record
way and reports that error; a page not of the shape asked for is read the general way.
It holds on generated pages (every kind, JSON values in and out of each fast form,
nested paths, enums, absent and null values) and through the engine on every object the
demo companies serve through REST.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from intacct import IntacctClient
from intacct.client.metadata import FieldModel, ObjectModel
from intacct.client.registry import ObjectInfo, ObjectRegistry
from intacct.emulator.inprocess import InProcessEmulator
from intacct.errors import ResponseFormatError
from intacct.mappings.convert import nest
from intacct.protocol.rest import parse_rest
from intacct.protocol.rest_catalog import RestField, rest_catalog
from intacct.protocol.rest_records import RecordShape, RestColumns
from intacct.protocol.rest_types import COLUMN_TYPES
from intacct.replication import (
    ReplicationSettings,
    Replicator,
    RunState,
    StreamPage,
    StreamSpec,
)
from intacct.replication.records.rest_columnar import BULK_RECORDS, RestColumnTyper
from intacct.replication.records.rest_typed import RestOnlyTyper, RestTyper
from intacct.replication.streams.rest_only import rest_only_objects, stream_name
from tests.conftest import DEMO_APP
from tests.properties import examples

from .test_columnar_equal import Keep, assert_equal

# --------------------------------------------------------------------------- the rule

#: XML field -> (its kind, the REST path that holds it); ABSENT has no REST field
FIELDS = {
    "RECORDNO": ("integer", "key"),
    "QUANTITY": ("integer", "detail.quantity"),
    "AMOUNT": ("decimal", "txnAmount"),
    "RATE": ("decimal", "currency.exchangeRate.rate"),
    "ACTIVE": ("boolean", "isActive"),
    "WHENDUE": ("date", "dueDate"),
    "WHENMODIFIED": ("datetime", "audit.modifiedDateTime"),
    "TAGS": ("multipick", "tags"),
    "NAME": ("string", "name"),
    "STATE": ("string", "state"),
    "TYPE": ("integer", "txnType"),
}
#: STATE: an enum whose members map to XML values but for case; TYPE: a paired enum
ENUMS = {"STATE": ("Draft", "Posted"), "TYPE": ("1", "-1")}
PAIRED = {"debit": "1", "credit": "-1"}
WANTED = [*FIELDS, "ABSENT"]
INFO = ObjectInfo.from_model(
    ObjectModel(
        "WIDGET",
        (
            *(FieldModel(n, k, valid_values=ENUMS.get(n, ())) for n, (k, _) in FIELDS.items()),
            FieldModel("ABSENT", "decimal"),
        ),
    )
)
REST = {
    "STATE": RestField("state", "string", xml="STATE", enum=("draft", "posted")),
    "TYPE": RestField("txnType", "string", xml="TYPE", enum=tuple(PAIRED), xml_values=PAIRED),
}
PAIRING = {
    xml: REST.get(xml) or RestField(path, "string", xml=xml) for xml, (_, path) in FIELDS.items()
}
PATHS = tuple(f.name for f in PAIRING.values())


def both_paths(body: bytes) -> str:
    """Type a page both ways and hold them equal; what the fast path did: "typed",
    "declined" (the page, or a value of it, went the record way), "unread" (the page
    was not of the shape: the general read) or "refused" (the record path raised)."""
    typer = RestTyper(INFO, PAIRING, WANTED, "E1")
    try:
        general = parse_rest(body, http_status=200).result
        expected: list[dict[str, Any]] | Exception = [typer(r) for r in general]
    except ResponseFormatError as exc:
        expected = exc
    shape = RecordShape.of(PATHS)
    assert shape is not None
    try:
        answer = parse_rest(body, http_status=200, shape=shape)
    except ResponseFormatError:
        assert isinstance(expected, Exception)  # unreadable either way
        return "refused"
    if not isinstance(answer.result, RestColumns):
        return "refused" if isinstance(expected, Exception) else "unread"
    records = RestColumnTyper(typer, bulk=1)(answer.result)
    if isinstance(expected, Exception):
        assert records is None, f"typed what the record path refuses: {expected}"
        return "refused"
    # the columns read as records are what the general read makes of the page
    assert [typer(r) for r in answer.result] == expected
    if records is None:
        return "declined"
    assert repr(list(records)) == repr(expected)  # key order, a decimal's digits
    assert_equal(records.table, expected)
    assert records.table.schema.field("ABSENT").type == pa.decimal128(38, 12)
    return "typed"


def page(records: list[dict[str, Any]]) -> bytes:
    return json.dumps({"ia::result": records, "ia::meta": {"totalCount": len(records)}}).encode()


# --------------------------------------------------------------------------- generated

JSON_NOISE = st.one_of(
    st.none(), st.just(""), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=6),
    st.lists(st.text(max_size=3), max_size=2),
)  # fmt: skip
DIGITS = st.from_regex(r"-?[0-9]{1,20}(\.[0-9]{1,14})?", fullmatch=True)
IN_FORM: dict[str, st.SearchStrategy[Any]] = {
    "integer": st.one_of(
        st.integers(-(2**62), 2**62), st.from_regex(r"-?0*[0-9]{1,18}", fullmatch=True)
    ),
    "decimal": st.one_of(DIGITS, st.integers(-999, 999)),
    "boolean": st.booleans(),
    "date": st.dates().map(lambda d: d.isoformat()),
    "datetime": st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    "multipick": st.one_of(st.lists(st.text(max_size=3), max_size=3), st.text(max_size=5)),
    "string": st.text(max_size=8),
}
ODD_DAYS = st.sampled_from(
    ["2024-02-30", "2023-02-29", "2024-13-01", "0999-01-01", "2024-02-28T10:00:00Z"]
)
#: numbers the record path reads and no int64 or decimal128(38, 12) column holds
WIDE = st.sampled_from([2**63, -(2**64), "1" * 27, "0.1234567890123", "1E+40"])
ODD_TIMES = st.sampled_from(
    ["2024-02-30T10:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T10:00:00+02:00",
     "2024-01-01T10:00:00.5Z", "2024-01-01T10:00:00", "2024-01-01"]
)  # fmt: skip


def values_of(xml: str) -> st.SearchStrategy[Any]:
    kind = FIELDS[xml][0]
    if xml == "STATE":
        return st.one_of(st.sampled_from(["draft", "posted", "Draft", "other", ""]), JSON_NOISE)
    if xml == "TYPE":
        return st.one_of(st.sampled_from(["debit", "credit", "1"]), JSON_NOISE)
    odd = {"date": ODD_DAYS, "datetime": ODD_TIMES, "integer": WIDE, "decimal": WIDE}
    return st.one_of(IN_FORM[kind], IN_FORM[kind], st.none(), odd.get(kind, JSON_NOISE), JSON_NOISE)


@st.composite
def pages(draw: st.DrawFn) -> bytes:
    """A page of 1-6 records; each field in its fast form most of the time, else null,
    absent, a value of another JSON type or one the record path refuses; sometimes a
    record with an object where a value was asked for."""
    odd = draw(st.sampled_from(sorted(FIELDS)))
    records = []
    for key in range(1, draw(st.integers(1, 6)) + 1):
        flat: dict[str, Any] = {"key": str(key)}
        for xml, (kind, path) in FIELDS.items():
            if xml == "RECORDNO" or draw(st.integers(0, 9)) == 0:
                continue  # absent
            strategy = values_of(xml) if xml == odd else IN_FORM[kind]
            if xml in ENUMS:
                strategy = (
                    values_of(xml)
                    if xml == odd
                    else st.sampled_from(ENUMS[xml] if xml == "STATE" else list(PAIRED))
                )
            flat[path] = draw(strategy)
        record = nest(flat)
        if draw(st.integers(0, 30)) == 0:
            record["detail"] = {"quantity": {"nested": 1}}
        records.append(record)
    return page(records)


SEEN: dict[str, int] = {}


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
# a page of each way every run: the generated ones are mostly refused, and in the inner
# loop's 100 a declined one was sometimes missing
@example(page([{"key": "1", "detail": {"quantity": 5}, "name": "x"}]))  # typed
@example(page([{"key": "1", "detail": {"quantity": 2**63}}]))  # declined: int64 lacks it
@example(page([{"key": "1", "dueDate": "2024-02-30"}]))  # refused
def test_generated_pages_are_typed_as_the_record_path_types_them(body: bytes) -> None:
    what = both_paths(body)
    SEEN[what] = SEEN.get(what, 0) + 1


def test_the_generated_pages_were_typed_declined_and_refused() -> None:
    """The property above is not vacuous (run after it): its pages went every way, its
    examples at least, and it generated pages beside them."""
    if not SEEN:
        pytest.skip("run with the property test")
    assert {"typed", "declined", "refused"} <= set(SEEN), SEEN
    assert sum(SEEN.values()) > 3, SEEN


# --------------------------------------------------------------------------- pinned


def one_page(xml: str, values: list[Any]) -> bytes:
    path = FIELDS[xml][1]
    return page([nest({"key": str(n), path: v}) for n, v in enumerate(values, 1)])


TYPED = [
    ("QUANTITY", [-17, 0, None, 2**62]),
    ("QUANTITY", ["-17", "007", "999999999999999999", "", None]),
    ("AMOUNT", ["-1.50", "0.000000000001", "12345678901234567890123456", "", None]),
    ("ACTIVE", [True, False, None]),
    ("WHENDUE", ["2024-02-29", "1000-01-01", "", None]),
    ("WHENMODIFIED", ["2024-03-10T02:30:00Z", "9999-12-31T23:59:59Z", None]),
    ("NAME", ["a", "", None, "ünï"]),
    ("STATE", ["draft", "posted", "Other", "", None]),
    ("TYPE", ["debit", "credit", None]),
]
DECLINED = [  # a column typed one value at a time: the same values, in bulk the rest
    ("AMOUNT", [1, -2, None]),
    ("AMOUNT", [1.25, "1E+3", "+1"]),
    ("ACTIVE", ["true", "FALSE", ""]),
    ("QUANTITY", [1.0, "+5"]),
    ("WHENDUE", ["2024-02-28T10:00:00Z", "0999-01-01"]),
    ("WHENMODIFIED", ["2024-01-01T10:00:00+02:00", "2024-01-01T10:00:00.5Z"]),
    ("TAGS", [["a", "b"], "a#~#b", None]),
    ("NAME", [5, True]),
]
WHOLE_PAGE = [  # the record path types them; the fast path leaves the page to it
    ("QUANTITY", [2**70]),  # a Python int; no int64
    ("AMOUNT", ["0.1234567890123"]),  # more places than the decimal column keeps
]
REFUSED = [  # the record path raises: the fast path must not type them
    ("QUANTITY", [1.5]), ("QUANTITY", [True]), ("QUANTITY", ["abc"]),
    ("AMOUNT", ["1,000"]), ("AMOUNT", [True]), ("AMOUNT", [["1"]]),
    ("ACTIVE", ["maybe"]), ("ACTIVE", [2]),
    ("WHENDUE", ["2024-02-30"]), ("WHENDUE", ["2023-02-29"]),
    ("WHENMODIFIED", ["2024-02-30T10:00:00Z"]), ("WHENMODIFIED", ["2024-01-01T24:00:00Z"]),
    ("WHENMODIFIED", ["2024-01-01T10:00:00"]),
    ("NAME", [["a"]]), ("STATE", [["draft"]]),
]  # fmt: skip


@pytest.mark.parametrize(("xml", "values"), TYPED)
def test_values_in_the_fast_forms_are_typed_in_bulk(xml: str, values: list[Any]) -> None:
    assert both_paths(one_page(xml, values)) == "typed"


@pytest.mark.parametrize(("xml", "values"), DECLINED)
def test_values_outside_them_are_typed_one_by_one_to_the_same_records(
    xml: str, values: list[Any]
) -> None:
    assert both_paths(one_page(xml, values)) == "typed"


@pytest.mark.parametrize(("xml", "values"), WHOLE_PAGE)
def test_values_no_column_holds_send_the_page_the_record_way(xml: str, values: list[Any]) -> None:
    assert both_paths(one_page(xml, ["1", *values])) == "declined"


@pytest.mark.parametrize(("xml", "values"), REFUSED)
def test_values_the_record_path_refuses_are_never_typed(xml: str, values: list[Any]) -> None:
    assert both_paths(one_page(xml, ["1" if xml != "NAME" else "a", *values])) == "refused"


@pytest.mark.parametrize(
    "body",
    [
        page([{"key": "1", "detail": {"quantity": {"deep": 1}}}]),  # an object for a value
        page([{"key": "1", "detail": "flat"}]),  # a value for an object
        b'{"ia::result": {"ia::error": {"code": "x", "message": "no"}}}',
        b'\xef\xbb\xbf{"ia::result": [], "ia::meta": {}}',  # a BOM
        b'{"ia::result": [{"key": "1", "other": ' + b"[" * 5000 + b"]" * 5000 + b"}]}",
    ],
    ids=["object-for-value", "value-for-object", "error", "bom", "deep"],
)
def test_a_page_of_another_shape_is_read_the_general_way(body: bytes) -> None:
    shape = RecordShape.of(PATHS)
    assert shape is not None and shape.decode(body) is None
    assert both_paths(body) in ("unread", "refused")


def test_a_path_both_a_value_and_an_object_has_no_shape() -> None:
    assert RecordShape.of(("key", "currency", "currency.rate")) is None
    assert RecordShape.of(("key", "currency.rate", "currency")) is None


# --------------------------------------------------------------------------- the engine


class Sizes(Keep):
    """:class:`Keep`, counting the pages of at least ``BULK_RECORDS`` not typed in bulk."""

    def __init__(self) -> None:
        super().__init__()
        self.untyped = 0

    def page(self, page: StreamPage) -> None:
        super().page(page)
        if page.table is None and len(page.records) >= BULK_RECORDS:
            self.untyped += 1


@pytest.fixture(scope="module")
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=1000, seed=9) as emu:
        yield emu


@pytest.mark.parametrize("company", ["DEMO", "DEMO-ME"])
def test_every_rest_object_of_the_demo_companies_through_the_engine(
    emulator: InProcessEmulator, company: str
) -> None:
    """Every object with a REST twin, every field REST holds, read by the engine through
    REST columnar and record by record: the same dicts and the typed table equal to
    them; every page typed in bulk (the demo data is in the fast forms)."""
    config = {**emulator.config(company), **DEMO_APP, "timeout_s": 30}
    sinks = {True: Sizes(), False: Sizes()}
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        names = ObjectRegistry(client).objects()
        specs = [StreamSpec(n) for n in names if rest_catalog().holding(n) is not None]
        assert len(specs) > 100
        for columnar, sink in sinks.items():
            rest = ReplicationSettings(api="rest")
            report = Replicator(client, rest, page_size=500, columnar=columnar).run(
                specs, RunState(), sink
            )
            assert report.failed == []
    fast, reference = sinks[True].sorted(), sinks[False].sorted()
    assert fast.keys() == reference.keys()
    for key, rows in fast.items():
        expected = [record for record, _ in reference[key]]
        assert repr([record for record, _ in rows]) == repr(expected), key
        typed = [(record, row) for record, row in rows if row is not None]
        if typed:
            assert_equal(pa.Table.from_pylist([r for _, r in typed]), [r for r, _ in typed])
    # every page big enough is typed in bulk: the demo data is in the fast forms
    assert sinks[True].pages["typed"] >= 3 and sinks[True].untyped == 0
    assert sinks[False].pages["typed"] == 0


def test_every_rest_only_objects_page_typed_in_bulk_is_typed_as_record_by_record(
    emulator: InProcessEmulator,
) -> None:
    """The demo's REST-only objects hold a few records each (pages the engine types
    record by record, under ``BULK_RECORDS``): each object's page, as the query service
    answers it, typed in bulk all the same, equals its records typed one by one."""
    config = {**emulator.config(), **DEMO_APP, "timeout_s": 30}
    typed = 0
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        for target in rest_only_objects():
            fields = [
                f for f in target.fields.values() if not f.write_only and f.type in COLUMN_TYPES
            ]  # the stream's columns
            paths = tuple(f.name for f in fields)
            typer = RestOnlyTyper(stream_name(target.path), fields, "E1")
            general = client.rest.query(target.path, list(paths), size=500).result
            expected = [typer(r) for r in general]
            shape = RecordShape.of(paths)
            assert shape is not None, target.path
            answer = client.rest.query(target.path, list(paths), size=500, shape=shape)
            assert isinstance(answer.result, RestColumns), target.path
            records = RestColumnTyper(typer, bulk=1)(answer.result)
            if not expected:
                continue
            assert records is not None, target.path
            assert repr(list(records)) == repr(expected), target.path
            assert_equal(records.table, expected)
            typed += 1
    assert typed > 100
