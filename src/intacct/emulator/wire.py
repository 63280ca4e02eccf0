"""Server side of the wire: read a request document, render a response document.

Written independently of the client's envelope/response code (the two are held to the
same golden XML, not to shared code). Parsing is tolerant where real clients differ
(BOM, ``encoding="iso-8859-1"``, form-encoded ``xmlrequest=``) and strict where the
gateway is (one control block, known DTD versions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qs

from lxml import etree

from intacct.emulator.errors import EmulatorError, ErrorLine, parse_error
from intacct.protocol import xml as safe_xml

__all__ = [
    "MAX_REQUEST_BYTES",
    "Function",
    "Login",
    "Request",
    "Spliced",
    "build_response",
    "decode_body",
    "error_block",
    "parse_request",
]

MAX_REQUEST_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Login:
    userid: str
    companyid: str
    password: str
    locationid: str = ""
    clientid: str = ""


@dataclass(frozen=True, slots=True)
class Function:
    controlid: str
    name: str
    body: etree._Element


@dataclass(slots=True)
class Request:
    senderid: str = ""
    password: str = ""
    controlid: str = ""
    uniqueid: str | None = None
    dtdversion: str | None = None
    includewhitespace: bool = True
    policyid: str = ""
    transaction: bool = False
    login: Login | None = None
    sessionid: str | None = None
    functions: list[Function] = field(default_factory=list)

    @property
    def unique(self) -> bool:
        """Whether function control ids must not repeat: "When set to true, which is the
        default, a request cannot be repeated" (docs, requests). Anything but ``false``
        counts as true [U: the XSD types uniqueid as free text]."""
        return (self.uniqueid or "true").strip().lower() != "false"


def decode_body(body: bytes, content_type: str) -> bytes:
    """The XML document of a POST body (form-encoded ``xmlrequest=`` unwrapped)."""
    if "x-www-form-urlencoded" in content_type or body.lstrip().startswith(b"xmlrequest="):
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True)
        text = (values.get("xmlrequest") or [""])[0]
        return text.encode("latin-1").decode("utf-8", "replace").encode("utf-8")
    return body.removeprefix(b"\xef\xbb\xbf")


def _text(el: etree._Element | None, tag: str) -> str:
    if el is None:
        return ""
    child = el.find(tag)
    return (child.text or "") if child is not None else ""


def _parse(document: bytes) -> etree._Element:
    if b"<!DOCTYPE" in document[:4096].upper():
        raise parse_error("DOCTYPE declarations are not allowed.")
    try:
        return safe_xml.parse(document)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (0, 0)
        raise parse_error(
            f"Fatal Error {exc.code}: {exc.msg}. Line: {line}, column: {column}."
        ) from None
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot honour
        raise parse_error(str(exc)) from None


def parse_request(document: bytes) -> Request:
    """Parse the envelope; ``EmulatorError`` (control level) if it is not a request."""
    root = _parse(document)
    if root.tag != "request":
        raise parse_error(
            f"Element '{root.tag!s}': No matching global declaration available "
            "for the validation root."
        )
    control = root.find("control")
    operation = root.find("operation")
    if control is None or operation is None:
        raise parse_error(
            "Element 'request': Missing child element(s). Expected is ( control, operation )."
        )
    request = Request(
        senderid=_text(control, "senderid"),
        password=_text(control, "password"),
        controlid=_text(control, "controlid"),
        uniqueid=control.findtext("uniqueid"),
        dtdversion=control.findtext("dtdversion"),
        includewhitespace=_text(control, "includewhitespace").strip().lower() != "false",
        policyid=_text(control, "policyid"),
        transaction=(operation.get("transaction") or "").lower() == "true",
    )
    _authentication(request, operation.find("authentication"))
    for index, fn in enumerate(operation.iterfind("content/function")):
        children = [c for c in fn if isinstance(c.tag, str)]
        if len(children) != 1:
            raise parse_error(
                f"Element 'function' #{index + 1}: expected exactly one function element."
            )
        request.functions.append(
            Function(fn.get("controlid", ""), str(children[0].tag), children[0])
        )
    return request


def _authentication(request: Request, auth: etree._Element | None) -> None:
    if auth is None:
        raise parse_error(
            "Element 'operation': Missing child element(s). Expected is ( authentication )."
        )
    login = auth.find("login")
    if login is not None:
        request.login = Login(
            _text(login, "userid"),
            _text(login, "companyid"),
            _text(login, "password"),
            _text(login, "locationid"),
            _text(login, "clientid"),
        )
        return
    sessionid = auth.find("sessionid")
    if sessionid is None:
        raise parse_error(
            "Element 'authentication': Missing child element(s). Expected is "
            "one of ( login, sessionid )."
        )
    request.sessionid = sessionid.text or ""


# -- rendering -----------------------------------------------------------------------


def E(tag: str, text: str | None = None, **attrib: str) -> etree._Element:  # noqa: N802
    el = etree.Element(tag, attrib)
    if text is not None:
        el.text = text
    return el


def error_block(lines: Sequence[ErrorLine]) -> etree._Element:
    box = E("errormessage")
    for line in lines:
        err = etree.SubElement(box, "error")
        for tag in ("errorno", "description", "description2", "correction"):
            etree.SubElement(err, tag).text = getattr(line, tag)
    return box


def control_block(request: Request | None, status: str) -> etree._Element:
    control = E("control")
    etree.SubElement(control, "status").text = status
    etree.SubElement(control, "senderid").text = request.senderid if request else ""
    etree.SubElement(control, "controlid").text = request.controlid if request else ""
    # the value sent, or the default in force when none was [U: echo of an omitted one]
    etree.SubElement(control, "uniqueid").text = (
        (request.uniqueid if request.uniqueid is not None else "true") if request else "false"
    )
    etree.SubElement(control, "dtdversion").text = (
        (request.dtdversion or "3.0") if request else ("3.0")
    )
    return control


def _bare_control() -> etree._Element:
    control = E("control")
    for tag, text in (("status", "failure"), ("senderid", ""), ("controlid", "")):
        etree.SubElement(control, tag).text = text
    return control


class Spliced(Protocol):
    """Elements written as text, not built (a page of records: the gateway's largest
    answers, where building and moving elements cost more than the rest of a request):
    their parent holds an empty element tagged :attr:`mark` in their place, which
    :func:`build_response` replaces with :meth:`text`, byte for byte what lxml writes for
    the elements themselves."""

    mark: str

    def text(self, indent: str | None) -> bytes:
        """The elements as lxml writes them, each line led by ``indent`` (pretty-printed)
        or without whitespace (``None``)."""
        ...


def build_response(
    request: Request | None,
    *,
    control_error: EmulatorError | None = None,
    operation: etree._Element | None = None,
    spliced: Sequence[Spliced] = (),
) -> bytes:
    """A whole response document; pretty-printed unless includewhitespace=false."""
    root = E("response")
    if control_error is not None and not getattr(control_error, "echo", True):
        root.append(_bare_control())
        root.append(error_block(control_error.lines))
    elif control_error is not None:
        root.append(control_block(request, "failure"))
        root.append(error_block(control_error.lines))
    else:
        root.append(control_block(request, "success"))
        if operation is not None:
            root.append(operation)
    pretty = request.includewhitespace if request else True
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=pretty)
    return _splice(body, spliced, pretty) if spliced else body


def _splice(body: bytes, spliced: Sequence[Spliced], pretty: bool) -> bytes:
    """``body`` with each placeholder (its line, when pretty-printed) replaced by its
    elements' text, at the placeholder's indentation."""
    marks = sorted(((body.index(f"<{s.mark}/>".encode()), s) for s in spliced), key=_first)
    parts: list[bytes] = []
    at = 0
    for start, page in marks:
        end = start + len(page.mark) + 3
        indent = None
        if pretty:  # the placeholder's line, its newline too
            line = body.rindex(b"\n", 0, start) + 1
            indent, start, end = body[line:start].decode(), line, end + 1
        parts += [body[at:start], page.text(indent)]
        at = end
    parts.append(body[at:])
    return b"".join(parts)


def _first(mark: tuple[int, Spliced]) -> int:
    return mark[0]
