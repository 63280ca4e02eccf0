"""The request envelope: control block, operation, authentication, content.

Element order follows the 3.0 XSD sequence the official SDKs emit
(``senderid, password, controlid, uniqueid, dtdversion, policyid, includewhitespace``).
Function bodies come in already built (see :mod:`.functions`); this module only wraps
each in ``<function controlid="…">``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from intacct.errors import RequestBuildError
from intacct.protocol import xml

__all__ = [
    "Authentication",
    "ControlBlock",
    "LoginAuthentication",
    "SessionAuthentication",
    "build_request",
    "check_controlid",
]

DTD_VERSIONS = ("3.0", "2.1")
MAX_CONTROLID = 256


def check_controlid(value: str, field: str) -> str:
    """Control ids are 1..256 characters (XSD and SDKs)."""
    if not 1 <= len(value) <= MAX_CONTROLID:
        raise RequestBuildError(field, f"must be 1..{MAX_CONTROLID} characters, got {len(value)}")
    return xml.check_text(value, field)


def _flag(value: bool) -> str:
    return "true" if value else "false"


@dataclass(frozen=True, slots=True)
class ControlBlock:
    senderid: str
    password: str
    controlid: str
    uniqueid: bool = False
    dtdversion: str = "3.0"
    includewhitespace: bool = False
    policyid: str | None = None

    def __repr__(self) -> str:  # never show the sender password
        return f"ControlBlock(senderid={self.senderid!r}, controlid={self.controlid!r})"

    def to_xml(self, parent: etree._Element) -> None:
        if self.dtdversion not in DTD_VERSIONS:
            raise RequestBuildError("dtdversion", f"must be one of {DTD_VERSIONS}")
        control = xml.sub(parent, "control")
        xml.leaf(control, "senderid", self.senderid)
        xml.leaf(control, "password", self.password, field="sender password")
        xml.leaf(control, "controlid", check_controlid(self.controlid, "control controlid"))
        xml.leaf(control, "uniqueid", _flag(self.uniqueid))
        xml.leaf(control, "dtdversion", self.dtdversion)
        if self.policyid:
            xml.leaf(control, "policyid", self.policyid)
        xml.leaf(control, "includewhitespace", _flag(self.includewhitespace))


@dataclass(frozen=True, slots=True)
class LoginAuthentication:
    """User credentials; ``locationid`` opens an entity of a multi-entity company."""

    userid: str
    companyid: str
    password: str
    locationid: str | None = None
    clientid: str | None = None

    def __repr__(self) -> str:
        return (
            f"LoginAuthentication(userid={self.userid!r}, companyid={self.companyid!r}, "
            f"locationid={self.locationid!r})"
        )

    def to_xml(self, parent: etree._Element) -> None:
        login = xml.sub(parent, "login")
        xml.leaf(login, "userid", self.userid)
        xml.leaf(login, "companyid", self.companyid)
        xml.leaf(login, "password", self.password, field="user password")
        if self.clientid:
            xml.leaf(login, "clientid", self.clientid)
        if self.locationid:
            xml.leaf(login, "locationid", self.locationid)


@dataclass(frozen=True, slots=True)
class SessionAuthentication:
    sessionid: str

    def __repr__(self) -> str:
        return "SessionAuthentication(sessionid=<redacted>)"

    def to_xml(self, parent: etree._Element) -> None:
        xml.leaf(parent, "sessionid", self.sessionid, field="session id")


Authentication = LoginAuthentication | SessionAuthentication


def build_request(
    control: ControlBlock,
    authentication: Authentication,
    functions: Sequence[tuple[str, etree._Element]],
    *,
    transaction: bool | None = None,
) -> bytes:
    """Serialize one request: ``functions`` are ``(controlid, body element)`` pairs.

    ``transaction=None`` omits the attribute (the gateway default is false).
    """
    request = xml.element("request")
    control.to_xml(request)
    operation = xml.sub(request, "operation")
    if transaction is not None:
        operation.set("transaction", _flag(transaction))
    authentication.to_xml(xml.sub(operation, "authentication"))
    content = xml.sub(operation, "content")
    for index, (controlid, body) in enumerate(functions):
        wrapper = xml.sub(content, "function")
        wrapper.set("controlid", check_controlid(controlid, f"functions[{index}] controlid"))
        wrapper.append(body)
    return xml.serialize(request)
