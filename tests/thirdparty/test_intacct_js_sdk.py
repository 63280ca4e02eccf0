"""Sage's official JavaScript SDK (npm ``@intacct/intacct-sdk``), unmodified, against the
emulator: sessions, the query builder, readByQuery/readMore, create/update/delete and
lookup/inspect. Each test runs ``js/driver.mjs`` with ``node`` and asserts on what the
SDK itself parsed (printed as JSON).

The SDK throws unless an endpoint's host ends in ``.intacct.com`` (also for the endpoint
``getAPISession`` returns), so the driver reaches the emulator as
``http://emulator.intacct.com:PORT/...`` and resolves that name to 127.0.0.1 inside the
node process (the ``lookup`` option of Node's global HTTP agent): no DNS, no /etc/hosts,
no root. The emulator builds its session endpoint from the Host header, so the SDK keeps
using the same name.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from intacct import IntacctClient, q
from intacct.emulator.server import EmulatorServer

from .conftest import COMPANY, JS_DIR, SENDER, USER, js_sdk_missing, recordnos

if (missing := js_sdk_missing()) is not None:
    pytest.skip(missing, allow_module_level=True)

DRIVER = JS_DIR / "driver.mjs"
EMULATOR_NAME = "emulator.intacct.com"

Drive = Callable[..., Any]


@pytest.fixture(scope="module")
def node() -> str:
    return shutil.which("node") or "node"


def _endpoint(emulator: EmulatorServer) -> str:
    """The emulator under a name the SDK accepts (resolved to 127.0.0.1 by the driver)."""
    return f"http://{EMULATOR_NAME}:{emulator.port}/ia/xml/xmlgw.phtml"


def run_driver(node: str, emulator: EmulatorServer, scenario: str, **params: Any) -> Any:
    """Run one driver scenario in one node process; the SDK's parsed results (JSON)."""
    options = {
        "scenario": scenario,
        "endpoint": _endpoint(emulator),
        "resolve": {EMULATOR_NAME: "127.0.0.1"},
        "sender": list(SENDER),
        "user": list(USER),
        "company": COMPANY,
        **params,
    }
    # The SDK reads INTACCT_* variables (endpoint, credentials, profile): keep ours out.
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTACCT_")}
    done = subprocess.run(
        [node, str(DRIVER), json.dumps(options)],
        cwd=JS_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        answer = None
    if done.returncode != 0 or answer is None:
        pytest.fail(
            f"driver scenario {scenario!r} failed (rc={done.returncode}): "
            f"{answer or done.stdout[-2000:]}\n"
            f"stderr:\n{done.stderr[-3000:]}"
        )
    return answer


@pytest.fixture(scope="module")
def drive(node: str, emulator: EmulatorServer) -> Drive:
    """Run one driver scenario; returns the SDK's parsed results (JSON)."""

    def run(scenario: str, **params: Any) -> Any:
        return run_driver(node, emulator, scenario, **params)

    return run


def test_session_provider_keeps_the_emulator_endpoint(
    drive: Drive, emulator: EmulatorServer
) -> None:
    session = drive("session")
    assert session["sessionId"].endswith("..")
    assert session["endpointUrl"] == _endpoint(emulator)
    assert (session["companyId"], session["userId"], session["entityId"]) == (
        COMPANY,
        USER[0],
        "",
    )
    assert session["sessionTimeout"] > session["sessionTimestamp"]
    # a request authenticated by the session alone succeeds
    assert session["reuse"]["status"] == "success"
    assert session["reuse"]["functionName"] == "getAPISession"
    assert session["reuse"]["authenticatedCompany"] == COMPANY
    assert session["reuse"]["sessionId"].endswith("..")


def test_session_provider_with_an_entity(drive: Drive, emulator: EmulatorServer) -> None:
    session = drive("session", company="DEMO-ME", entity="E100")
    assert (session["companyId"], session["entityId"]) == ("DEMO-ME", "E100")
    assert session["endpointUrl"] == _endpoint(emulator)
    assert session["reuse"]["authenticatedCompany"] == "DEMO-ME"


def test_sdk_refuses_an_endpoint_outside_intacct_com(
    drive: Drive, emulator: EmulatorServer
) -> None:
    """Why the driver uses emulator.intacct.com: the plain loopback URL is refused by the
    SDK itself, before any request is sent."""
    refused = drive("refused-endpoint", endpoint=emulator.url)
    assert refused == {
        "refused": True,
        "message": "Endpoint URL is not a valid intacct.com domain name.",
    }


def test_query_builder_pages_to_the_end(drive: Drive, truth: IntacctClient) -> None:
    expected = [
        row["RECORDNO"]
        for row in truth.iter_query("VENDOR", ["RECORDNO"], filter=q.equalto("STATUS", "active"))
    ]
    assert len(expected) > 2, "the demo data should have active vendors"
    page_size = max(1, len(expected) // 3)
    answer = drive(
        "query",
        object="VENDOR",
        fields=["RECORDNO", "VENDORID", "NAME", "STATUS"],
        equalTo=["STATUS", "active"],
        pageSize=page_size,
    )
    pages, rows = answer["pages"], answer["rows"]
    assert len(pages) >= 3
    assert {page["totalCount"] for page in pages} == {len(expected)}
    assert {page["listType"] for page in pages} == {"VENDOR"}
    assert pages[-1]["numRemaining"] == 0
    assert [page["count"] for page in pages[:-1]] == [page_size] * (len(pages) - 1)
    assert {row["STATUS"] for row in rows} == {"active"}
    got = [row["RECORDNO"] for row in rows]
    assert got == sorted(got, key=int), "orderby RECORDNO ascending"
    assert sorted(got, key=int) == sorted(expected, key=int)


def test_read_by_query_and_read_more_until_exhausted(drive: Drive, truth: IntacctClient) -> None:
    expected = recordnos(truth, "GLDETAIL")
    assert len(expected) > 1000, "GLDETAIL should need more than one page of 1000"
    answer = drive(
        "read-by-query",
        object="GLDETAIL",
        fields=["RECORDNO", "BATCHNO", "AMOUNT"],
        pageSize=1000,  # ReadByQuery.DEFAULT_PAGE_SIZE, the SDK's maximum
    )
    pages, rows = answer["pages"], answer["rows"]
    assert len(pages) == -(-len(expected) // 1000)
    assert [page["functionName"] for page in pages] == ["readByQuery"] + ["readMore"] * (
        len(pages) - 1
    )
    assert {page["totalCount"] for page in pages} == {len(expected)}
    assert [page["numRemaining"] for page in pages] == [
        len(expected) - sum(p["count"] for p in pages[: i + 1]) for i in range(len(pages))
    ]
    assert pages[-1]["numRemaining"] == 0
    got = [row["RECORDNO"] for row in rows]
    assert len(got) == len(set(got)) == len(expected)
    assert set(got) == set(expected)
    assert all(row["BATCHNO"] and row["AMOUNT"] for row in rows)


def test_class_create_update_delete_round_trip(drive: Drive, truth: IntacctClient) -> None:
    class_id = "JSSDK-1"
    steps = drive("crud", classId=class_id, name="Made by the JS SDK", newName="Renamed by JS")

    assert steps["create"]["status"] == "success"
    created = steps["create"]["data"]
    assert len(created) == 1 and created[0]["CLASSID"] == class_id
    recordno = created[0]["RECORDNO"]
    assert [
        (r["RECORDNO"], r["CLASSID"], r["NAME"], r["STATUS"]) for r in steps["afterCreate"]
    ] == [(recordno, class_id, "Made by the JS SDK", "active")]

    assert steps["update"]["status"] == "success"
    assert steps["update"]["data"][0]["RECORDNO"] == recordno
    assert [
        (r["RECORDNO"], r["NAME"], r["DESCRIPTION"], r["STATUS"]) for r in steps["afterUpdate"]
    ] == [(recordno, "Renamed by JS", "created by the official JS SDK", "inactive")]

    # ClassDelete is the legacy (2.1) delete_class function
    assert steps["delete"] == {"status": "success", "functionName": "delete_class"}
    assert steps["afterDelete"] == []
    assert truth.read_by_name("CLASS", [class_id]) == []


def test_lookup_and_inspect(drive: Drive, truth: IntacctClient) -> None:
    expected = [field.name for field in truth.lookup("VENDOR").fields]
    lookup, inspect = drive("metadata", object="VENDOR")

    assert (lookup["status"], lookup["functionName"]) == ("success", "lookup")
    (type_,) = lookup["data"]
    assert type_["$"]["Name"] == "VENDOR"
    fields = type_["Fields"]["Field"]
    assert [field["ID"] for field in fields] == expected
    by_id = {field["ID"]: field for field in fields}
    assert by_id["VENDORID"]["DATATYPE"] == "TEXT"
    assert by_id["VENDORID"]["REQUIRED"] == "true"
    assert by_id["RECORDNO"]["READONLY"] == "true"

    assert (inspect["status"], inspect["functionName"]) == ("success", "inspect")
    (type_,) = inspect["data"]
    assert type_["$"]["Name"] == "VENDOR"
    assert type_["Fields"]["Field"] == expected
