"""Every setup mistake ``intacct doctor`` diagnoses, presented on demand by a fresh
emulator: the gateway's answer (level, errorno, text) and the error class our client
raises for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from lxml import etree

from intacct.client import IntacctClient
from intacct.emulator.demo import UNAUTHORIZED_SENDER
from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.store import DEMO_USER, RESTRICTED_USER
from intacct.errors import (
    AuthenticationError,
    GatewayError,
    PermissionDeniedError,
    SenderError,
)
from intacct.protocol import functions as fn

from .conftest import envelope

Post = Callable[[bytes], etree._Element]


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=200) as emu:
        yield emu


@pytest.fixture
def post(emulator: InProcessEmulator) -> Iterator[Post]:
    with httpx.Client(transport=emulator.transport()) as http:

        def send(document: bytes) -> etree._Element:
            return etree.fromstring(http.post(emulator.url, content=document).content)

        yield send


def _client(emulator: InProcessEmulator, **overrides: Any) -> IntacctClient:
    config = {**emulator.config(), **overrides}
    return IntacctClient.from_mapping(config, http_transport=emulator.transport())


def _raises(emulator: InProcessEmulator, **overrides: Any) -> GatewayError:
    with _client(emulator, **overrides) as client, pytest.raises(GatewayError) as info:
        client.call(fn.ReadByQuery("CLASS", pagesize=1))
    return info.value


def _error(root: etree._Element, where: str) -> tuple[str, str, str]:
    error = root.find(f"{where}errormessage/error")
    assert error is not None, etree.tostring(root)
    return (
        error.findtext("errorno") or "",
        error.findtext("description") or "",
        error.findtext("description2") or "",
    )


def _auth_failure(root: etree._Element) -> tuple[str, str, str]:
    assert root.findtext("control/status") == "success"
    assert root.findtext("operation/authentication/status") == "failure"
    assert root.find("operation/result") is None  # no function ran
    return _error(root, "operation/")


def _control_failure(root: etree._Element) -> tuple[str, str, str]:
    assert root.findtext("control/status") == "failure"
    assert root.find("operation") is None
    return _error(root, "")


QUERY = "<readByQuery><object>CLASS</object><query/><pagesize>1</pagesize></readByQuery>"


# -- sender ------------------------------------------------------------------------------


def test_wrong_sender_credentials(emulator: InProcessEmulator, post: Post) -> None:
    root = post(envelope(QUERY, sender_password="wrong"))
    assert _control_failure(root) == (
        "XL03000006",
        "",
        "Incorrect Intacct XML Partner ID or password.",
    )
    assert isinstance(_raises(emulator, sender_password="wrong"), SenderError)


def test_sender_not_authorized_for_the_company(emulator: InProcessEmulator, post: Post) -> None:
    sender, password = UNAUTHORIZED_SENDER
    root = post(envelope(QUERY, sender=sender, sender_password=password))
    assert _auth_failure(root) == (
        "XL03000006",
        "Invalid Web Services Authorization",
        f"The sender ID '{sender}' is not authorized to make Web Services requests to "
        "company ID 'DEMO'.",
    )
    error = _raises(emulator, sender_id=sender, sender_password=password)
    assert isinstance(error, SenderError)


# -- company -----------------------------------------------------------------------------


def test_wrong_company_id(emulator: InProcessEmulator, post: Post) -> None:
    root = post(envelope(QUERY, company="NO-SUCH-CO"))
    assert _auth_failure(root) == ("XL03000006", "", "Sign-in information is incorrect")
    assert root.findtext("operation/authentication/companyid") == "NO-SUCH-CO"
    error = _raises(emulator, company_id="NO-SUCH-CO")
    assert type(error) is AuthenticationError


def test_web_services_not_subscribed(emulator: InProcessEmulator, post: Post) -> None:
    emulator.store.configure_company("DEMO", web_services=False)
    root = post(envelope(QUERY))
    assert _control_failure(root) == (
        "XML Gateway not subscribed",
        "",
        "This company is not authorized for XML transactions. Please subscribe to the XML Gateway.",
    )
    assert root.findtext("control/senderid") == "demo_sender"
    assert isinstance(_raises(emulator), PermissionDeniedError)
    emulator.store.configure_company("DEMO", web_services=True)
    assert post(envelope(QUERY)).findtext("operation/result/status") == "success"


def test_demo_company_expired(emulator: InProcessEmulator, post: Post) -> None:
    emulator.store.configure_company("DEMO", expired=True)
    root = post(envelope(QUERY))
    assert _control_failure(root) == (
        "PL04000055",
        "",
        "This company is a demo company and has expired.",
    )
    # the capture's control block: status, empty senderid and controlid, nothing else
    control = root.find("control")
    assert control is not None
    assert [(c.tag, c.text or "") for c in control] == [
        ("status", "failure"),
        ("senderid", ""),
        ("controlid", ""),
    ]
    error = _raises(emulator)
    assert type(error) is AuthenticationError and error.level == "control"


def test_company_state_reaches_open_sessions(emulator: InProcessEmulator, post: Post) -> None:
    """A session opened before the company expired is refused as a new login is."""
    opened = post(envelope("<getAPISession/>"))
    sessionid = opened.findtext("operation/result/data/api/sessionid") or ""
    emulator.store.configure_company("DEMO", expired=True)
    assert _control_failure(post(envelope(QUERY, sessionid=sessionid)))[0] == "PL04000055"


def test_company_state_comes_before_the_sender_authorization(
    emulator: InProcessEmulator, post: Post
) -> None:
    emulator.store.configure_company("DEMO", expired=True)
    sender, password = UNAUTHORIZED_SENDER
    root = post(envelope(QUERY, sender=sender, sender_password=password))
    assert _control_failure(root)[0] == "PL04000055"
    # ...but a wrong sender password is found first of all
    root = post(envelope(QUERY, sender_password="wrong"))
    assert _control_failure(root)[2] == "Incorrect Intacct XML Partner ID or password."


def test_company_flags_are_validated(emulator: InProcessEmulator) -> None:
    with pytest.raises(ValueError, match="web_services must be true or false"):
        emulator.store.configure_company("DEMO", web_services="no")
    with pytest.raises(ValueError, match="unknown setting"):
        emulator.store.configure_company("DEMO", subscribed=False)


# -- user --------------------------------------------------------------------------------


def test_user_without_web_services_access(emulator: InProcessEmulator, post: Post) -> None:
    user = emulator.store.identities.configure_user("DEMO", DEMO_USER[0], web_services=False)
    assert not user.web_services
    root = post(envelope(QUERY))
    assert _auth_failure(root) == ("XL03000006", "", "Sign-in information is incorrect")
    assert type(_raises(emulator)) is AuthenticationError
    # its sessions stop working too
    emulator.store.identities.configure_user("DEMO", DEMO_USER[0], web_services=True)
    sessionid = post(envelope("<getAPISession/>")).findtext("operation/result/data/api/sessionid")
    emulator.store.identities.configure_user("DEMO", DEMO_USER[0], web_services=False)
    root = post(envelope(QUERY, sessionid=sessionid or ""))
    assert _auth_failure(root)[2].startswith("Invalid session")


def test_wrong_user_password(emulator: InProcessEmulator, post: Post) -> None:
    root = post(envelope(QUERY, password="wrong"))
    assert _auth_failure(root) == ("XL03000006", "", "Sign-in information is incorrect")
    assert type(_raises(emulator, user_password="wrong")) is AuthenticationError


@pytest.mark.parametrize(
    ("body", "operation"),
    [
        ("<readByQuery><object>APBILL</object><query/></readByQuery>", "READ_BY_QUERY"),
        (
            "<query><select><field>RECORDNO</field></select><object>VENDOR</object></query>",
            "READ_BY_QUERY",
        ),
        ("<read><object>APBILL</object><keys>1</keys></read>", "READ"),
        ("<create><VENDOR><VENDORID>PERM-1</VENDORID><NAME>x</NAME></VENDOR></create>", "CREATE"),
        ("<delete><object>VENDOR</object><keys>1</keys></delete>", "DELETE"),
    ],
)
def test_role_without_the_module_permission(
    emulator: InProcessEmulator, post: Post, body: str, operation: str
) -> None:
    """The demo's restricted user has no AP permission; others' objects still work."""
    restricted = {"user": RESTRICTED_USER[0], "password": RESTRICTED_USER[1]}
    root = post(envelope(body, QUERY, **restricted))
    denied, allowed = root.iterfind("operation/result")
    assert denied.findtext("status") == "failure"
    errorno, _, text = _error(denied, "")
    obj = "apbill" if "APBILL" in body else "vendor"
    assert errorno == "PL04000005"
    assert text.startswith(
        f"You do not have permission for API operation {operation} on objects of type {obj} "
        "[Support ID: "
    )
    assert allowed.findtext("status") == "success"


def test_permissions_are_configurable(emulator: InProcessEmulator) -> None:
    emulator.store.identities.configure_user("DEMO", DEMO_USER[0], denied_modules=["co"])
    error = _raises(emulator)
    assert isinstance(error, PermissionDeniedError)
    assert "READ_BY_QUERY on objects of type class" in str(error)
    emulator.store.identities.configure_user("DEMO", DEMO_USER[0], denied_modules=[])
    with _client(emulator) as client:
        assert client.call(fn.ReadByQuery("CLASS", pagesize=1)).ok


def test_user_settings_are_validated(emulator: InProcessEmulator) -> None:
    identities = emulator.store.identities
    with pytest.raises(ValueError, match="no user"):
        identities.configure_user("DEMO", "nobody", web_services=False)
    with pytest.raises(ValueError, match="denied_modules must be a list"):
        identities.configure_user("DEMO", DEMO_USER[0], denied_modules="AP")
    with pytest.raises(ValueError, match="unknown setting"):
        identities.configure_user("DEMO", DEMO_USER[0], admin=True)


# -- entity ------------------------------------------------------------------------------


def test_unknown_entity(emulator: InProcessEmulator, post: Post) -> None:
    root = post(envelope(QUERY, company="DEMO-ME", locationid="E999"))
    assert _auth_failure(root) == (
        "XL03000006",
        "",
        "Invalid location/entity 'E999' for company 'DEMO-ME'",
    )
    error = _raises(emulator, company_id="DEMO-ME", entity_id="E999")
    assert isinstance(error, AuthenticationError)
