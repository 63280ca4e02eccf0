from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from intacct.errors import RequestBuildError
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.xml import canonicalize, serialize

from .test_values import wall

GOLDEN = Path(__file__).parents[1] / "golden" / "requests" / "functions"

# Every golden request body, and the builder call that must produce it.
CASES: dict[str, Callable[[], fn.Function]] = {
    "getapisession": lambda: fn.GetAPISession(),
    "getapisession-location": lambda: fn.GetAPISession("100"),
    "getapisession-top-level": lambda: fn.GetAPISession(""),
    "query-and-or-in-between": lambda: fn.Query(
        "VENDOR",
        ["RECORDNO", "VENDORID", "WHENMODIFIED"],
        filter=q.and_(
            q.greaterthanorequalto("WHENMODIFIED", wall(2024, 5, 1)),
            q.in_("STATUS", ["active", "inactive"]),
            q.or_(
                q.isnull("TERMNAME"),
                q.between("WHENCREATED", date(2024, 1, 1), date(2024, 12, 31)),
            ),
        ),
        orderby=[q.Order("RECORDNO")],
        pagesize=2,
        offset=0,
    ),
    "query-every-comparison": lambda: fn.Query(
        "APBILL",
        ["RECORDNO"],
        filter=q.or_(
            q.equalto("VENDORID", "V-100"),
            q.notequalto("STATE", "Draft"),
            q.lessthan("TOTALDUE", Decimal("100.50")),
            q.lessthanorequalto("RECORDNO", 42),
            q.greaterthan("WHENDUE", date(2016, 3, 1)),
            q.greaterthanorequalto("VENDOR.CREDITLIMIT", Decimal("1E-6")),
            q.like("DESCRIPTION", "%Tom & Jerry's <test>%"),
            q.notlike("RECORDID", "INV_%"),
            q.notin("RECORDNO", [1, 2, 3]),
            q.isnotnull("TERMNAME"),
            q.equalto("ONHOLD", False),
        ),
    ),
    "query-aggregates-options": lambda: fn.Query(
        "PODOCUMENT",
        [
            "VENDORID",
            fn.Aggregate("count", "RECORDNO"),
            fn.Aggregate("avg", "TOTALDUE"),
            fn.Aggregate("min", "WHENDUE"),
            fn.Aggregate("max", "WHENDUE"),
            fn.Aggregate("sum", "TOTALDUE"),
        ],
        orderby=[q.Order("VENDORID", descending=True), q.Order("WHENDUE")],
        caseinsensitive=True,
        showprivate=True,
        returnformat="json",
        pagesize=2000,
        offset=4000,
        docparid="Purchase Order",
    ),
    "readbyquery-escaped": lambda: fn.ReadByQuery(
        "VENDOR",
        q.q_and(
            q.where("NAME").eq("Bob's Pizza & Grill"),
            q.where("RECORDNO").lt(2),
            q.where("STATUS").ne(False),
        ),
        ["RECORDNO", "VENDORID", "NAME"],
        pagesize=1000,
        returnformat="csv",
    ),
    "readbyquery-empty": lambda: fn.ReadByQuery("SODOCUMENT", docparid="Sales Invoice"),
    "readmore-resultid": lambda: fn.ReadMore(result_id="6465763031VyprCMCoHYQAAGr@aRsAAAAU4"),
    "readmore-object": lambda: fn.ReadMore(object="APBILL"),
    "read-keys": lambda: fn.Read("GLACCOUNT", [9, 10], returnformat="xml"),
    "readbyname-keys": lambda: fn.ReadByName(
        "GLACCOUNT", ["1010", "1020"], "RECORDNO,ACCOUNTNO,TITLE"
    ),
    "create-mixed-nested": lambda: fn.Create(
        [
            (
                "CUSTOMER",
                {
                    "CUSTOMERID": "C-900",
                    "NAME": "Northwind & Sons",
                    "DISPLAYCONTACT": {
                        "PRINTAS": "Northwind Traders",
                        "MAILADDRESS": {"ZIP": "02110"},
                    },
                    "ONETIME": False,
                    "CREDITLIMIT": Decimal("2500.00"),
                    "REGIONS": ["East", "West"],
                    "CUSTOMER_HEALTH": None,
                },
            ),
            (
                "GLBATCH",
                {
                    "JOURNAL": "GJ",
                    "BATCH_DATE": date(2016, 3, 1),
                    "BATCH_TITLE": "Line 1\r\nLine 2",
                    "ENTRIES": {
                        "GLENTRY": [
                            {"ACCOUNTNO": "1000", "TR_TYPE": 1, "TRX_AMOUNT": Decimal("100.01")},
                            {"ACCOUNTNO": "2000", "TR_TYPE": -1, "TRX_AMOUNT": Decimal("100.01")},
                        ]
                    },
                },
            ),
        ]
    ),
    "update-one": lambda: fn.Update.one(
        "GLACCOUNT", {"RECORDNO": 141, "TITLE": "Payroll Expenses"}
    ),
    "delete-keys": lambda: fn.Delete("VENDOR", [1, 2, "3"]),
    "lookup-docparid": lambda: fn.Lookup("SODOCUMENT", docparid="Sales Order"),
    "inspect-object-detail": lambda: fn.Inspect("APBILL", detail=True),
    "inspect-name": lambda: fn.Inspect(name="Sales Order"),
    "getdimensions": lambda: fn.GetDimensions(),
    "readuserformatting": lambda: fn.ReadUserFormatting(user_id="jsmith"),
    "readentitydetails": lambda: fn.ReadEntityDetails(),
    "getuserpermissions": lambda: fn.GetUserPermissions("jdoe"),
    "legacy-create-class-split-date": lambda: fn.LegacyCreate(
        "CLASS",
        {
            "CLASSID": "C-10",
            "Name": "Retail",
            "status": "active",
            "STARTDATE": date(2016, 3, 1),
            "customfields": {"REGION_Code": "EMEA", "CHANNELS": ["web", "store"]},
        },
    ),
    "legacy-create-bill-lines": lambda: fn.LegacyCreate(
        "bill",
        {
            "VENDORID": "V-100",
            "DATECREATED": wall(999, 12, 31),
            "BILLITEMS": {
                "LINEITEM": [
                    {"GLACCOUNTNO": "6000", "AMOUNT": Decimal("10.00")},
                    {"GLACCOUNTNO": "6010", "AMOUNT": Decimal("5.5")},
                ]
            },
        },
    ),
    "legacy-update-vendor": lambda: fn.LegacyUpdate(
        "VENDOR", "VENDORID", "V&1", {"NAME": 'Acme "West"', "ONETIME": True}
    ),
    "legacy-delete-class": lambda: fn.LegacyDelete("class", "key", "C1"),
    "get-trialbalance-dates": lambda: fn.GetTrialBalance(
        date(2026, 1, 1), date(2026, 1, 31), showzerobalances=True
    ),
    "legacy-delete-vendor": lambda: fn.LegacyDelete("VENDOR", "vendorid", "V1"),
    "get-list-filter-sorts": lambda: fn.GetList(
        "CLASS",
        maxitems=2,
        filter=fn.expression("STATUS", "=", "active"),
        sorts=[("CLASSID", "asc")],
        fields=["CLASSID", "NAME"],
    ),
    "get-list-logical-operators": lambda: fn.GetList(
        "vendor",
        start=100,
        showprivate=True,
        filter=fn.logical(
            "and",
            fn.expression("RECORDNO", ">=", 1234),
            fn.logical(
                "or",
                fn.expression("a", "!=", "x"),
                fn.expression("b", "<", 2),
                fn.expression("c", "<=", Decimal("3.25")),
                fn.expression("d", ">", date(2016, 12, 31)),
                fn.expression("e", "like", "V%"),
                fn.expression("f", "not like", "%test%"),
                fn.expression("g", "is null"),
            ),
        ),
        sorts=[("WHENMODIFIED", "DESC"), ("VENDORID", "asc")],
    ),
    "get-fields": lambda: fn.Get("CLASS", "C1", ["CLASSID", "name"]),
    "get-no-fields": lambda: fn.Get("VENDOR", "V-100"),
}


def test_every_golden_file_has_a_case() -> None:
    assert {path.stem for path in GOLDEN.glob("*.xml")} == set(CASES)


def test_every_function_class_has_a_golden_case() -> None:
    built = {type(build()) for build in CASES.values()}
    public = {getattr(fn, name) for name in fn.__all__}
    assert {c for c in public if isinstance(c, type) and issubclass(c, fn.Function)} - {
        fn.Function
    } <= built


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_request_body(case: str) -> None:
    actual = serialize(CASES[case]().to_xml())
    assert canonicalize(actual) == canonicalize((GOLDEN / f"{case}.xml").read_bytes())


# --- names and write flags --------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "name", "writes"),
    [
        (fn.GetAPISession(), "getAPISession", False),
        (fn.Query("VENDOR", ["RECORDNO"]), "query", False),
        (fn.ReadByQuery("VENDOR"), "readByQuery", False),
        (fn.ReadMore(object="VENDOR"), "readMore", False),
        (fn.Read("VENDOR", [1]), "read", False),
        (fn.ReadByName("VENDOR", ["V1"]), "readByName", False),
        (fn.Create.one("CLASS", {"CLASSID": "C1"}), "create", True),
        (fn.Update.one("CLASS", {"CLASSID": "C1"}), "update", True),
        (fn.Delete("CLASS", [1]), "delete", True),
        (fn.Lookup("VENDOR"), "lookup", False),
        (fn.Inspect("*"), "inspect", False),
        (fn.GetDimensions(), "getDimensions", False),
        (fn.ReadUserFormatting(), "readUserFormatting", False),
        (fn.ReadEntityDetails(), "readEntityDetails", False),
        (fn.GetUserPermissions("u"), "getUserPermissions", False),
        (fn.LegacyCreate("CLASS", {"classid": "C1"}), "create_class", True),
        (fn.LegacyUpdate("Vendor", "vendorid", "V1", {"name": "n"}), "update_vendor", True),
        (fn.LegacyDelete("class", "key", "C1"), "delete_class", True),
        (fn.GetList("class"), "get_list", False),
        (fn.Get("class", "C1"), "get", False),
    ],
)
def test_name_and_writes(function: fn.Function, name: str, writes: bool) -> None:
    assert function.name == name
    assert function.to_xml().tag == name
    assert function.writes is writes


# --- parameter checks -------------------------------------------------------------------


def _fails(build: Callable[[], Any], field: str, match: str) -> None:
    with pytest.raises(RequestBuildError, match=match) as info:
        build()
    assert info.value.field == field


@pytest.mark.parametrize(
    ("build", "field", "match"),
    [
        (lambda: fn.Query("VENDOR", ["*"]), "select", r"'\*'"),
        (lambda: fn.Query("VENDOR", []), "select", "at least one"),
        (lambda: fn.Query("VENDOR", ["A B"]), "select[0]", "field name"),
        (lambda: fn.Query("VENDOR", [fn.Aggregate("median", "X")]), "select", "median"),
        (lambda: fn.Query("VENDOR", ["X"], pagesize=0), "pagesize", "1 to 2000"),
        (lambda: fn.Query("VENDOR", ["X"], pagesize=2001), "pagesize", "1 to 2000"),
        (lambda: fn.Query("VENDOR", ["X"], pagesize=True), "pagesize", "integer"),
        (lambda: fn.Query("VENDOR", ["X"], offset=-1), "offset", "at least 0"),
        (lambda: fn.Query("VENDOR", ["X"], returnformat="yaml"), "returnformat", "yaml"),
        (lambda: fn.Query("VENDOR", ["X"], filter="A = 1"), "filter", "equalto"),  # type: ignore[arg-type]
        (lambda: fn.Query("VENDOR", ["X"], orderby=["X"]), "orderby", "Order"),  # type: ignore[list-item]
        (lambda: fn.Query("VENDOR", ["X"], caseinsensitive=1), "caseinsensitive", "True"),  # type: ignore[arg-type]
        (lambda: fn.Query("VEN DOR", ["X"]), "object", "object name"),
        (lambda: fn.Query("VENDOR", ["X"], docparid=""), "docparid", "non-empty"),
        (lambda: fn.ReadByQuery("VENDOR", pagesize=1001), "pagesize", "1 to 1000"),
        (lambda: fn.ReadByQuery("VENDOR", "A = 'x\x00'"), "query", "U\\+0000"),
        (lambda: fn.ReadByQuery("VENDOR", 42), "query", "Where"),  # type: ignore[arg-type]
        (lambda: fn.ReadByQuery("VENDOR", fields="A,B C"), "fields[1]", "field name"),
        (lambda: fn.ReadByQuery("VENDOR", fields=[]), "fields", "at least one"),
        (lambda: fn.ReadByQuery("VENDOR", returnformat="JSON"), "returnformat", "JSON"),
        (lambda: fn.ReadMore(), "readMore", "exactly one"),
        (lambda: fn.ReadMore("r1", "APBILL"), "readMore", "exactly one"),
        (lambda: fn.Read("VENDOR", []), "keys", "1 to 100"),
        (lambda: fn.Read("VENDOR", list(range(101))), "keys", "1 to 100"),
        (lambda: fn.Read("VENDOR", [1, "2,3"]), "keys[1]", "','"),
        (lambda: fn.Read("VENDOR", [True]), "keys[0]", "record key"),
        (lambda: fn.ReadByName("VENDOR", ["V1", ""]), "keys[1]", "record key"),
        (lambda: fn.Delete("VENDOR", list(range(101))), "keys", "1 to 100"),
        (lambda: fn.Inspect(), "inspect", "exactly one"),
        (lambda: fn.Inspect("VENDOR", "Vendor"), "inspect", "exactly one"),
        (lambda: fn.GetUserPermissions(""), "user_id", "non-empty"),
        (lambda: fn.GetAPISession("E\x01"), "locationid", "U\\+0001"),
        (lambda: fn.GetAPISession(100), "locationid", "str"),  # type: ignore[arg-type]
    ],
)
def test_parameter_errors_name_the_parameter(
    build: Callable[[], Any], field: str, match: str
) -> None:
    _fails(build, field, match)


def test_read_and_delete_take_100_keys() -> None:
    keys = list(range(1, 101))
    assert fn.Read("VENDOR", keys).to_xml().findtext("keys") == ",".join(map(str, keys))
    assert fn.Delete("VENDOR", keys).to_xml().findtext("keys") == ",".join(map(str, keys))


@pytest.mark.parametrize("fields", ["*", ["*"], ("*",)])
def test_all_fields(fields: Any) -> None:
    assert fn.ReadByQuery("VENDOR", fields=fields).to_xml().findtext("fields") == "*"
    assert fn.Read("VENDOR", [1], fields).to_xml().findtext("fields") == "*"


def test_readbyquery_takes_a_where_or_a_string() -> None:
    assert fn.ReadByQuery("VENDOR", "STATUS = 'T'").to_xml().findtext("query") == "STATUS = 'T'"
    built = fn.ReadByQuery("VENDOR", q.where("STATUS").eq(True)).to_xml()
    assert built.findtext("query") == "STATUS = 'T'"


# --- create / update payloads -----------------------------------------------------------


def _records(count: int) -> list[tuple[str, dict[str, Any]]]:
    return [("CLASS", {"CLASSID": f"C{i}"}) for i in range(count)]


def test_create_takes_1_to_100_records() -> None:
    assert len(fn.Create(_records(100)).to_xml()) == 100
    _fails(lambda: fn.Create(_records(101)), "records", "1 to 100")
    _fails(lambda: fn.Create([]), "records", "1 to 100")


@pytest.mark.parametrize(
    ("fields", "field", "match"),
    [
        ({"NAME": 1.5}, "records[3] VENDOR.NAME", "Decimal"),
        ({"NAME": "bad\x1f"}, "records[3] VENDOR.NAME", "U\\+001F"),
        ({"NAME": b"x"}, "records[3] VENDOR.NAME", "bytes"),
        ({"BAD NAME": "x"}, "records[3] VENDOR.BAD NAME", "element"),
        ({"<x>": "x"}, "records[3] VENDOR.<x>", "element"),
        ({"LIST": [{"A": 1}, "b"]}, "records[3] VENDOR.LIST", "only mappings"),
        ({"MP": ["a", "b#~#c"]}, "records[3] VENDOR.MP", "#~#"),
        (
            {"ENTRIES": {"GLENTRY": [{"AMOUNT": 1}, {"AMOUNT": Decimal("NaN")}]}},
            "records[3] VENDOR.ENTRIES.GLENTRY[1].AMOUNT",
            "finite",
        ),
    ],
)
def test_bad_record_values_are_refused_when_built(
    fields: dict[str, Any], field: str, match: str
) -> None:
    records = [*_records(3), ("VENDOR", fields)]
    _fails(lambda: fn.Create(records), field, match)
    _fails(lambda: fn.Update(records), field, match)


@pytest.mark.parametrize(
    ("record", "field", "match"),
    [
        ("CLASS", "records[0]", "pair"),
        (("CLASS", {}), "records[0] CLASS", "non-empty"),
        (("CLASS", ["CLASSID"]), "records[0] CLASS", "mapping"),
        (("CL ASS", {"A": 1}), "records[0]", "object name"),
    ],
)
def test_bad_records_are_refused(record: Any, field: str, match: str) -> None:
    _fails(lambda: fn.Create([record]), field, match)


def test_generic_create_keeps_field_case_and_sends_dates_as_text() -> None:
    built = fn.Create.one("VENDOR", {"VendorId": "V1", "WHENDUE": date(2024, 2, 29)}).to_xml()
    assert built[0].findtext("VendorId") == "V1"
    assert built[0].findtext("WHENDUE") == "02/29/2024"


# --- legacy functions -------------------------------------------------------------------


def test_legacy_field_order_is_kept() -> None:
    names = ["zeta", "alpha", "mid"]
    built = fn.LegacyCreate("class", dict.fromkeys(names, "x")).to_xml()
    assert [child.tag for child in built] == names


@pytest.mark.parametrize(
    ("build", "field", "match"),
    [
        (
            lambda: fn.LegacyCreate("class", {"STARTDATE": wall(2016, 3, 1, 12, 0)}),
            "create_class.STARTDATE",
            "time of day",
        ),
        (
            lambda: fn.LegacyCreate("class", {"customfields": [("A", 1)]}),
            "create_class.customfields",
            "mapping",
        ),
        (
            lambda: fn.LegacyCreate("class", {"customfields": {"": 1}}),
            "create_class.customfields.",
            "non-empty",
        ),
        (lambda: fn.LegacyCreate("class", {}), "create_class", "non-empty"),
        (lambda: fn.LegacyCreate("cl-ass", {"a": 1}), "object", "object name"),
        (lambda: fn.LegacyUpdate("class", "key", "", {"a": 1}), "key", "non-empty"),
        (lambda: fn.LegacyUpdate("class", "k y", "C1", {"a": 1}), "key_attribute", "name"),
        (lambda: fn.LegacyDelete("class", "key=x", "C1"), "key_attribute", "name"),
        (lambda: fn.LegacyDelete("class", "key", "C\x02"), "key", "U\\+0002"),
        (lambda: fn.expression("status", "==", "active"), "status", "operator"),
        (lambda: fn.expression("status", "=", None), "status", "is null"),
        (lambda: fn.expression("status", "is null", "x"), "status", "is null"),
        (lambda: fn.expression("status", "=", 1.5), "status", "Decimal"),
        (lambda: fn.expression("st atus", "=", "x"), "field", "field name"),
        (lambda: fn.logical("and", fn.expression("a", "=", "1")), "logical", "two"),
        (lambda: fn.logical("xor", *[fn.expression("a", "=", "1")] * 2), "logical", "xor"),
        (lambda: fn.GetList("class", sorts=[("name", "up")]), "sorts[0]", "asc"),
        (lambda: fn.GetList("class", sorts=["name"]), "sorts[0]", "pair"),  # type: ignore[list-item]
        (lambda: fn.GetList("class", start=-1), "start", "at least 0"),
        (lambda: fn.GetList("class", maxitems=0), "maxitems", "at least 1"),
        (lambda: fn.GetList("class", filter=q.isnull("a")), "filter", "expression"),  # type: ignore[arg-type]
        (lambda: fn.GetList("class", fields=["a b"]), "fields[0]", "field name"),
        (lambda: fn.Get("class", ""), "key", "non-empty"),
    ],
)
def test_legacy_errors(build: Callable[[], Any], field: str, match: str) -> None:
    _fails(build, field, match)


def test_legacy_midnight_datetime_is_a_split_date() -> None:
    built = fn.LegacyCreate("class", {"STARTDATE": wall(2016, 3, 1)}).to_xml()
    assert [c.text for c in built.find("startdate")] == ["2016", "03", "01"]  # type: ignore[union-attr]
