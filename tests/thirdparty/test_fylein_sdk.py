"""fylein's ``sageintacctsdk`` (PyPI), unmodified, against the emulator: sessions,
``query`` (count, get_all, get_by_query, get_all_generator), readByQuery + readMore,
create/update/delete and lookup. Assertions are on what the SDK returns (its
xmltodict-parsed dicts).

Pointing it at the emulator: the SDK has no URL setting. ``ApiBase.__init__`` sets the
private attribute ``__api_url`` (mangled to ``_ApiBase__api_url``) to
``https://api.intacct.com/ia/xml/xmlgw.phtml`` on every API object, and only the object
that ran ``getAPISession`` switches to the endpoint the session returns. So, without
editing its code, the harness

1. runs the SDK's own ``ApiBase.get_session_id`` (what ``SageIntacctSDK.__init__`` calls)
   on an ``ApiBase`` whose ``_ApiBase__api_url`` is set to the emulator's URL;
2. builds ``SageIntacctSDK(..., session_id=...)`` (a documented argument: no login
   request in the constructor), then
3. sets ``_ApiBase__api_url`` on each of its API objects to the endpoint the session
   returned.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import pytest

from intacct import IntacctClient, q
from intacct.emulator.server import EmulatorServer

from .conftest import (
    COMPANY,
    SENDER,
    USER,
    connect,
    fylein_missing,
    recordnos,
    stats,
)

if (missing := fylein_missing()) is not None:
    pytest.skip(missing, allow_module_level=True)

DEFAULT_URL = "https://api.intacct.com/ia/xml/xmlgw.phtml"


@pytest.fixture(scope="module")
def fylein() -> ModuleType:
    return importlib.import_module("sageintacctsdk")


def api_url(api: Any) -> str:
    return str(api._ApiBase__api_url)


def session_id(api: Any) -> str:
    return str(api._ApiBase__session_id)


def point_at(api: Any, url: str) -> None:
    """The only place the SDK keeps its URL: a private attribute set in ``__init__``."""
    api._ApiBase__api_url = url


def api_objects(sdk: Any, fylein: ModuleType) -> list[Any]:
    return [value for value in vars(sdk).values() if isinstance(value, fylein.apis.ApiBase)]


def new_session(fylein: ModuleType, url: str, company: str = COMPANY, **kwargs: Any) -> Any:
    """An ``ApiBase`` pointed at ``url`` that ran the SDK's own ``get_session_id``."""
    base = fylein.apis.ApiBase()
    base.set_sender_id(SENDER[0])
    base.set_sender_password(SENDER[1])
    point_at(base, url)
    base.get_session_id(USER[0], company, USER[1], **kwargs)
    return base


@pytest.fixture(scope="module")
def session(fylein: ModuleType, emulator: EmulatorServer) -> Any:
    return new_session(fylein, emulator.url)


@pytest.fixture(scope="module")
def sdk(fylein: ModuleType, session: Any) -> Any:
    client = fylein.SageIntacctSDK(
        SENDER[0], SENDER[1], USER[0], COMPANY, USER[1],
        session_id=session_id(session),
    )  # fmt: skip
    for api in api_objects(client, fylein):
        point_at(api, api_url(session))
    return client


def paged_api(fylein: ModuleType, sdk: Any, dimension: str, pagesize: int) -> Any:
    """An SDK API object with a smaller page size (``ApiBase(dimension, pagesize)`` is the
    SDK's public constructor; the per-object classes fix 2000)."""
    api = fylein.apis.ApiBase(dimension=dimension, pagesize=pagesize)
    api.set_sender_id(SENDER[0])
    api.set_sender_password(SENDER[1])
    api.set_session_id(session_id(sdk.api_base))
    api.set_show_private(False)  # read by every request; only SageIntacctSDK sets it
    point_at(api, api_url(sdk.api_base))
    return api


def as_list(value: Any) -> list[dict[str, Any]]:
    """xmltodict gives a dict for one record, a list for several, nothing for none."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# -- sessions ---------------------------------------------------------------------------


def test_get_session_id_returns_the_emulator_endpoint(
    fylein: ModuleType, session: Any, emulator: EmulatorServer
) -> None:
    assert session_id(session).endswith("..")
    # getAPISession's endpoint, built by the emulator from the Host header requests sent
    assert api_url(session) == emulator.url
    # the SDK's per-object URL bug: a new SDK's objects all still point at production
    fresh = fylein.SageIntacctSDK(
        SENDER[0], SENDER[1], USER[0], COMPANY, USER[1], session_id="unused.."
    )
    assert {api_url(api) for api in api_objects(fresh, fylein)} == {DEFAULT_URL}


def test_bad_password_raises_the_sdk_invalid_token_error(
    fylein: ModuleType, emulator: EmulatorServer
) -> None:
    base = fylein.apis.ApiBase()
    base.set_sender_id(SENDER[0])
    base.set_sender_password(SENDER[1])
    point_at(base, emulator.url)
    with pytest.raises(fylein.exceptions.InvalidTokenError) as caught:
        base.get_session_id(USER[0], COMPANY, "not-the-password")
    assert caught.value.response["error"]["errorno"] == "XL03000006"


def test_entity_session_and_show_private(fylein: ModuleType, emulator: EmulatorServer) -> None:
    def sdk_for(entity_id: str | None = None, show_private: bool = False) -> Any:
        session = new_session(fylein, emulator.url, company="DEMO-ME", entity_id=entity_id)
        sdk = fylein.SageIntacctSDK(
            SENDER[0], SENDER[1], USER[0], "DEMO-ME", USER[1], entity_id=entity_id,
            show_private=show_private, session_id=session_id(session),
        )  # fmt: skip
        for api in api_objects(sdk, fylein):
            point_at(api, api_url(session))
        return sdk

    with connect(emulator, "DEMO-ME", "E100") as client:
        in_e100 = len(recordnos(client, "VENDOR"))
    with connect(emulator, "DEMO-ME") as client:
        top = len(list(client.iter_query("VENDOR", ["RECORDNO"])))
        everyone = len(list(client.iter_query("VENDOR", ["RECORDNO"], showprivate=True)))
    assert 0 < in_e100 < everyone
    assert sdk_for("E100").vendors.count(None) == in_e100
    assert sdk_for().vendors.count(None) == top
    # show_private=True adds <options><showprivate>true</showprivate></options> to query
    assert sdk_for(show_private=True).vendors.count(None) == everyone


# -- query ------------------------------------------------------------------------------


def test_count_and_get_all_with_the_default_field_list(
    fylein: ModuleType, sdk: Any, truth: IntacctClient
) -> None:
    expected = recordnos(truth, "GLACCOUNT")
    active = list(truth.iter_query("GLACCOUNT", ["RECORDNO"], filter=q.equalto("STATUS", "active")))
    assert sdk.accounts.count(None) == len(expected)
    assert sdk.accounts.count() == len(active)  # the SDK's default: STATUS = active

    rows = sdk.accounts.get_all()
    defaults = fylein.apis.constants.dimensions_fields_mapping["GLACCOUNT"]
    assert all(list(row) == defaults for row in rows)
    assert sorted(row["RECORDNO"] for row in rows) == sorted(expected)


def test_query_offset_paging_over_several_pages(
    fylein: ModuleType, sdk: Any, truth: IntacctClient
) -> None:
    expected = recordnos(truth, "VENDOR")
    active = {
        row["RECORDNO"]
        for row in truth.iter_query("VENDOR", ["RECORDNO"], filter=q.equalto("STATUS", "active"))
    }
    pagesize = max(1, len(expected) // 3)
    vendors = paged_api(fylein, sdk, "VENDOR", pagesize)
    fields = ["RECORDNO", "VENDORID", "NAME", "STATUS"]

    rows = vendors.get_all(fields=fields)
    assert len(expected) > pagesize * 2
    assert sorted(row["RECORDNO"] for row in rows) == sorted(expected)
    assert all(row["VENDORID"] for row in rows)

    # (get_by_query warns DataIntegrityWarning if rows != totalcount; pytest makes it an error)
    filtered = vendors.get_by_query(fields=fields, and_filter=[("equalto", "STATUS", "active")])
    assert {row["RECORDNO"] for row in filtered} == active
    assert len(filtered) == len(active)
    assert {row["STATUS"] for row in filtered} == {"active"}


def test_get_all_generator_sends_every_page_twice(
    fylein: ModuleType, sdk: Any, truth: IntacctClient, emulator: EmulatorServer
) -> None:
    """A known SDK bug (it requests each page, then requests it again to yield it):
    the emulator's per-function counters show it; the rows are still right."""
    expected = recordnos(truth, "VENDOR")
    pagesize = max(1, len(expected) // 3)
    vendors = paged_api(fylein, sdk, "VENDOR", pagesize)
    before = stats(emulator).get("query", 0)
    pages = list(vendors.get_all_generator(fields=["RECORDNO", "VENDORID"]))
    sent = stats(emulator).get("query", 0) - before
    assert len(pages) == -(-len(expected) // pagesize)
    assert sorted(row["RECORDNO"] for page in pages for row in page) == sorted(expected)
    assert sent == 1 + 2 * len(pages)  # one count request, then every page twice


# -- readByQuery + readMore -------------------------------------------------------------


def test_read_by_query_then_read_more_until_exhausted(sdk: Any, truth: IntacctClient) -> None:
    """``read_by_query`` returns one page (pagesize fixed at 1000); the SDK has no
    readMore method, so the rest goes through its generic ``format_and_send_request``."""
    expected = recordnos(truth, "GLDETAIL")
    assert len(expected) > 1000, "GLDETAIL should need more than one readByQuery page"
    first = sdk.gl_detail.read_by_query(fields=["RECORDNO", "BATCHNO", "AMOUNT"])
    data = first["data"]
    # readByQuery answers with lower-case record elements, as Intacct does
    assert data["@listtype"] == "gldetail"
    assert int(data["@totalcount"]) == len(expected)
    rows = as_list(data.get("gldetail"))
    assert len(rows) == 1000
    pages = 1
    while data["@numremaining"] != "0":
        more = sdk.gl_detail.format_and_send_request({"readMore": {"resultId": data["@resultId"]}})
        assert more["function"] == "readMore"
        data = more["data"]
        rows += as_list(data.get("gldetail"))
        assert int(data["@numremaining"]) == len(expected) - len(rows)
        pages += 1
        assert pages < 100
    assert pages == -(-len(expected) // 1000)
    got = [row["RECORDNO"] for row in rows]
    assert len(got) == len(set(got)) == len(expected)
    assert set(got) == set(expected)
    assert all(row["BATCHNO"] and row["AMOUNT"] for row in rows)


# -- writes -----------------------------------------------------------------------------


def test_department_create_update_delete_round_trip(sdk: Any, truth: IntacctClient) -> None:
    department_id = "FYLEIN-1"

    def read_back() -> list[dict[str, Any]]:
        return as_list(sdk.departments.get(field="DEPARTMENTID", value=department_id).get(
            "department"))  # fmt: skip

    created = sdk.departments.post({"DEPARTMENTID": department_id, "TITLE": "Made by fylein"})
    assert (created["status"], created["function"]) == ("success", "create")
    recordno = created["data"]["department"]["RECORDNO"]
    assert created["data"]["department"]["DEPARTMENTID"] == department_id
    assert [(r["RECORDNO"], r["TITLE"], r["STATUS"]) for r in read_back()] == [
        (recordno, "Made by fylein", "active")
    ]

    updated = sdk.departments.update({"DEPARTMENTID": department_id, "TITLE": "Renamed"})
    assert (updated["status"], updated["function"]) == ("success", "update")
    assert updated["data"]["department"]["RECORDNO"] == recordno
    assert [(r["RECORDNO"], r["TITLE"]) for r in read_back()] == [(recordno, "Renamed")]

    deleted = sdk.departments.delete(recordno)
    assert (deleted["status"], deleted["function"]) == ("success", "delete")
    assert read_back() == []
    assert truth.read_by_name("DEPARTMENT", [department_id]) == []


# -- metadata ---------------------------------------------------------------------------


def test_get_lookup(sdk: Any, truth: IntacctClient) -> None:
    expected = [field.name for field in truth.lookup("VENDOR").fields]
    lookup = sdk.vendors.get_lookup()
    assert lookup["Type"]["@Name"] == "VENDOR"
    fields = lookup["Type"]["Fields"]["Field"]
    assert [field["ID"] for field in fields] == expected
    by_id = {field["ID"]: field for field in fields}
    assert by_id["VENDORID"]["DATATYPE"] == "TEXT"
    assert by_id["RECORDNO"]["READONLY"] == "true"


# -- the SDK's hard-coded default field lists --------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "obj"),
    [
        ("accounts", "GLACCOUNT"),
        ("departments", "DEPARTMENT"),
        ("vendors", "VENDOR"),
        ("classes", "CLASS"),
        ("gl_detail", "GLDETAIL"),
        ("customers", "CUSTOMER"),
        ("bills", "APBILL"),
        ("ar_invoices", "ARINVOICE"),
        ("ar_invoice_items", "ARINVOICEITEM"),
        ("journal_entries", "GLBATCH"),
    ],
)
def test_default_field_lists_are_queryable(
    fylein: ModuleType, sdk: Any, truth: IntacctClient, attribute: str, obj: str
) -> None:
    rows = getattr(sdk, attribute).get_all()
    defaults = fylein.apis.constants.dimensions_fields_mapping[obj]
    assert all(list(row) == defaults for row in rows)
    assert len(rows) == len(recordnos(truth, obj))
