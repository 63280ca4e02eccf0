"""What the REST data tests share: a token through the real OAuth flow (client
credentials of the demo app), REST calls, XML calls against the same emulator."""

from __future__ import annotations

from typing import Any

import httpx
from lxml import etree

from intacct.emulator.app import GATEWAY_PATH
from intacct.emulator.server import EmulatorServer

from .conftest import envelope

CLIENT = ("demo_client_id", "demo-client-secret")
QUERY = "/ia/api/v1/services/core/query"
MODEL = "/ia/api/v1/services/core/model"
OBJECTS = "/ia/api/v1/objects"
ENTITY = "X-IA-API-Param-Entity"


def rest_client(server: EmulatorServer) -> httpx.Client:
    return httpx.Client(base_url=server.url.removesuffix(GATEWAY_PATH), timeout=30)


def token(http: httpx.Client, username: str = "demo_user@DEMO") -> dict[str, str]:
    """Authorization headers for ``username`` (``user@company[|entity]``)."""
    form = {"grant_type": "client_credentials", "username": username}
    answer = http.post("/ia/api/v1/oauth2/token", data=form, auth=CLIENT)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def query(http: httpx.Client, headers: dict[str, str], **body: Any) -> httpx.Response:
    return http.post(QUERY, json=body, headers=headers)


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def every(
    http: httpx.Client, headers: dict[str, str], obj: str, fields: list[str], **body: Any
) -> list[dict[str, Any]]:
    """Every record of a query, page after page of 4000."""
    found: list[dict[str, Any]] = []
    start: int | None = 1
    while start is not None:
        page = ok(query(http, headers, object=obj, fields=fields, start=start, size=4000, **body))
        found += page["ia::result"]
        start = page["ia::meta"]["next"]
    return found


def details(answer: httpx.Response, status: int = 400) -> list[dict[str, Any]]:
    assert answer.status_code == status, answer.text
    error = answer.json()["ia::result"]["ia::error"]
    assert error["supportId"]
    found: list[dict[str, Any]] = error.get("details", [])
    return found


def xml(http: httpx.Client, *functions: str, **auth: str) -> etree._Element:
    """A gateway request's answer (login as the demo user unless told)."""
    answer = http.post(
        GATEWAY_PATH,
        content=envelope(*functions, **auth),
        headers={"Content-Type": "application/xml"},
    )
    assert answer.status_code == 200, answer.text
    root = etree.fromstring(answer.content)
    for status in root.iter("status"):
        assert status.text == "success", answer.text
    return root


def create_vendor(http: httpx.Client, vendorid: str, **auth: str) -> str:
    """A vendor written through the XML gateway; its RECORDNO."""
    body = (
        f"<create><VENDOR><VENDORID>{vendorid}</VENDORID><NAME>{vendorid} name</NAME>"
        f"<DISPLAYCONTACT><CONTACTNAME>{vendorid}</CONTACTNAME></DISPLAYCONTACT>"
        "</VENDOR></create>"
    )
    return xml(http, body, **auth).findtext(".//vendor/RECORDNO") or ""


def control(http: httpx.Client, path: str, payload: dict[str, Any]) -> Any:
    answer = http.post(f"/_emulator/{path}", json=payload)
    assert answer.status_code == 200, answer.text
    return answer.json()
