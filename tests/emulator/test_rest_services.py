"""The services real REST clients call besides the objects (``rest/services.py``): the
XML session id of a token and the dimensions list, over HTTP, through the same slots,
faults and ledger as the data routes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from intacct.emulator.server import EmulatorServer
from intacct.protocol.rest_catalog import rest_catalog

from .rest_support import ENTITY, ok, token, xml

SESSION = "/ia/api/v1/services/core/session/id"
DIMENSIONS = "/ia/api/v1/services/company-config/dimensions/list"


def dimensions(http: httpx.Client, auth: dict[str, str]) -> dict[str, dict[str, Any]]:
    answer = ok(http.get(DIMENSIONS, headers=auth))
    listed = answer["ia::result"]
    n = len(listed)
    assert answer["ia::meta"] == {"totalCount": n, "totalSuccess": n, "totalError": 0}
    return {d["dimensionName"]: d for d in listed}


def test_the_dimensions_list_names_the_standard_and_user_defined_dimensions(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    found = dimensions(http, auth)
    # the same dimensions as the XML gateway's getDimensions
    root = xml(http, "<getDimensions/>")
    assert set(found) == {d.findtext("objectName") for d in root.iter("dimension")}
    assert {"DEPARTMENT", "LOCATION", "CLASS", "PROJECT", "CUSTOMER", "VENDOR"} <= set(found)
    # the portal's sample, field for field
    assert found["DEPARTMENT"] == {
        "dimensionName": "DEPARTMENT",
        "dimensionLabel": "Department",
        "termName": "Department",
        "isUserDefinedDimension": False,
        "isEnabledInGL": True,
        "dimensionEndpoint": "/objects/company-config/department",
    }
    user_defined = [d for d in found.values() if d["isUserDefinedDimension"]]
    assert [d["dimensionName"] for d in user_defined] == ["FUND"]
    assert user_defined[0]["dimensionEndpoint"] == "/objects/platform-apps/nsp::fund"
    # a standard dimension's endpoint is the REST object holding its records, where the
    # catalog has one; it is served then
    for name, listed in found.items():
        held = rest_catalog().holding(name)
        if held is not None:
            assert listed["dimensionEndpoint"] == f"/objects/{held.path}"
            assert http.get(f"/ia/api/v1{listed['dimensionEndpoint']}", headers=auth).is_success


def test_the_session_id_works_at_the_gateway_for_the_token_s_user_and_entity(
    emulator: EmulatorServer, http: httpx.Client
) -> None:
    auth = token(http, "demo_user@DEMO-ME|E100")
    answer = ok(http.get(SESSION, headers=auth))
    assert answer["ia::meta"] == {"totalCount": 1, "totalSuccess": 1, "totalError": 0}
    session = answer["ia::result"]
    assert set(session) == {"sessionId", "expiresIn"} and session["expiresIn"] > 0
    root = xml(http, "<getAPISession/>", sessionid=session["sessionId"])
    assert root.findtext(".//api/locationid") == "E100"
    assert root.findtext(".//authentication/companyid") == "DEMO-ME"
    # the entity header narrows it as it narrows every REST call
    top = ok(http.get(SESSION, headers={**token(http, "demo_user@DEMO-ME"), ENTITY: "E200"}))
    narrowed = xml(http, "<getAPISession/>", sessionid=top["ia::result"]["sessionId"])
    assert narrowed.findtext(".//api/locationid") == "E200"


@pytest.mark.parametrize(
    ("path", "function"),
    [(SESSION, "rest:core.session.id"), (DIMENSIONS, "rest:company-config.dimensions.list")],
)
def test_the_services_are_free_and_go_through_faults_and_slots(
    emulator: EmulatorServer, http: httpx.Client, auth: dict[str, str], path: str, function: str
) -> None:
    def billed() -> int:
        return int(http.get("/_emulator/stats").json().get("api_transactions.DEMO", 0))

    before = billed()
    ok(http.get(path, headers=auth))
    assert billed() == before  # free, as getAPISession and getDimensions are
    assert http.get(path).status_code == 401
    installed = http.post("/_emulator/faults", content=f"status=503,times=1,function={function}")
    assert installed.status_code == 200, installed.text
    try:
        assert http.get(path, headers=auth).status_code == 503
        ok(http.get(path, headers=auth))  # times=1: the next one works
    finally:
        http.delete("/_emulator/faults")
    limit = emulator.emulator.limit
    held = [limit.acquire("DEMO") for _ in range(limit.limit_of("DEMO"))]
    try:
        assert http.get(path, headers=auth).status_code == 429
    finally:
        for _ in held:
            limit.release("DEMO")
