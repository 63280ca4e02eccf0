"""The request pipeline: control checks, authentication, then each function.

Three failure levels, as on the real gateway: a control failure stops everything (no
operation element), an authentication failure stops the functions (no results), and
each function succeeds or fails on its own unless ``transaction="true"`` makes the
operation all-or-nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from lxml import etree

from intacct.emulator import errors, schema
from intacct.emulator.errors import EmulatorError, ErrorLine, FunctionError
from intacct.emulator.store import Company, Scope, Session, Store, User
from intacct.emulator.wire import E, Function, Request, Spliced, build_response, error_block

__all__ = ["XML_MEDIA_TYPE", "Ctx", "Handler", "Outcome", "Reply", "execute"]

log = logging.getLogger("intacct.emulator")

_REPLAYED = "XL03000010"  # [U] errorno of a uniqueid=true replay (undocumented)

#: what the SDK mocks (probably copied from production) use, ``encoding=`` and all [U]
XML_MEDIA_TYPE = 'text/xml; encoding="UTF-8"'


@dataclass(frozen=True, slots=True)
class Reply:
    body: bytes
    media_type: str = XML_MEDIA_TYPE
    http_status: int = 200
    #: the connection is reset after half of ``body`` has gone out (a fault)
    reset: bool = False


@dataclass(slots=True)
class Outcome:
    """What a handler produced: a ``<data>`` element, or a legacy ``<key>``/``<listtype>``."""

    data: etree._Element | None = None
    key: str | None = None
    listtype: etree._Element | None = None
    raw: tuple[bytes, str] | None = None  # returnformat json/csv: the body, no envelope
    #: records ``data`` holds as text, written in by :func:`~.wire.build_response`
    spliced: Spliced | None = None


class PartialFailureError(FunctionError):
    """A function failed but still reports what it did (a create that wrote some records)."""

    def __init__(self, data: etree._Element, *lines: ErrorLine) -> None:
        super().__init__(*lines)
        self.data = data


@dataclass(slots=True)
class Ctx:
    store: Store
    request: Request
    company: Company
    scope: Scope
    endpoint: str
    fn: Function
    session: Session | None = None
    state: dict[str, object] = field(default_factory=dict)

    @property
    def legacy(self) -> bool:
        return self.request.dtdversion == "2.1"


class Handler(Protocol):
    def __call__(self, ctx: Ctx) -> Outcome: ...


def execute(
    store: Store,
    request: Request,
    endpoint: str,
    handlers: dict[str, Handler],
    resolve: LegacyResolver,
) -> Reply:
    """Run one parsed request and render the whole answer."""
    try:
        _check_control(store, request, _known(store, handlers, resolve))
    except EmulatorError as exc:
        return Reply(build_response(request, control_error=exc), http_status=exc.http_status)
    operation = E("operation")
    try:
        company, user, locationid, session = _authenticate(store, request)
    except errors.ControlError as exc:  # the company's own state (expired, unsubscribed)
        return Reply(build_response(request, control_error=exc), http_status=exc.http_status)
    except EmulatorError as exc:
        operation.append(_failed_auth_block(request))
        operation.append(error_block(exc.lines))
        return Reply(build_response(request, operation=operation))
    now = store.clock.now()
    operation.append(_auth_block(request, now, user, company, "success", locationid, session))
    scope = Scope(company.id, locationid, user)
    ctxs = [Ctx(store, request, company, scope, endpoint, fn, session) for fn in request.functions]
    results = _run_all(ctxs, handlers, resolve)
    if len(results) == 1 and results[0][1] is not None and results[0][1].raw is not None:
        body, media_type = results[0][1].raw  # json/csv answers carry only the data
        return Reply(body, media_type)
    for element, _ in results:
        operation.append(element)
    spliced = [o.spliced for _, o in results if o is not None and o.spliced is not None]
    return Reply(build_response(request, operation=operation, spliced=spliced))


def unavailable_reply(request: Request, errorno: str) -> Reply:
    """A 200 answer whose every result says "try again later" (nothing ran)."""
    operation = E("operation")
    operation.append(_auth_block(request, datetime.now(UTC), None, None, "success"))
    line = ErrorLine(errorno, "", "The Service is temporarily off-line. Please try again later.")
    for fn in request.functions:
        operation.append(result_element(fn, "failure", None, [line]))
    return Reply(build_response(request, operation=operation))


class LegacyResolver(Protocol):
    def __call__(self, name: str) -> Handler | None: ...


def _known(
    store: Store, handlers: dict[str, Handler], resolve: LegacyResolver
) -> Callable[[str], bool]:
    """Function names served beyond the XSD's list: our handlers, and the legacy object
    functions the catalog documents (e.g. ``create_warehouse``, absent from the XSD)."""

    def known(name: str) -> bool:
        if name in handlers:
            return True
        return resolve(name) is not None and any(
            name in obj.legacy.values() for obj in store.catalog.values()
        )

    return known


def _check_control(store: Store, request: Request, known: Callable[[str], bool]) -> None:
    """The document first (as the gateway parses and validates it before it reads the
    sender), then the sender's credentials."""
    if request.dtdversion not in (None, "3.0", "2.1"):
        raise errors.parse_error(
            f"Element 'dtdversion': [facet 'enumeration'] The value "
            f"'{request.dtdversion}' is not an element of the set "
            "{'2.1', '3.0'}."
        )
    schema.validate(request, known)
    sender = store.sender(request.senderid)
    if sender is None or sender[0] != request.password:
        raise errors.bad_sender()


def _authenticate(store: Store, request: Request) -> tuple[Company, User, str, Session | None]:
    """Sender, then company, then user, then entity, as the gateway checks them: a
    company's own state fails the control (ControlError), the rest the authentication."""
    if request.login is not None:
        login = request.login
        company = store.company(login.companyid)
        if company is None:
            raise errors.bad_login()
        _check_company(company)
        _check_sender_for(store, request.senderid, company.id)
        user = store.login(login.companyid, login.userid, login.password)
        if user is None or not user.web_services:
            raise errors.bad_login()
        if login.locationid and store.entity_name(company.id, login.locationid) is None:
            raise errors.unknown_entity(login.locationid, company.id)
        return company, user, login.locationid, None
    session = store.touch_session(request.sessionid or "")
    if session is None:
        raise errors.invalid_session(request.sessionid or "")
    company = store.company(session.company)
    user = store.user(session.company, session.userid)
    if company is None or user is None:
        raise errors.invalid_session(request.sessionid or "")
    _check_company(company)
    _check_sender_for(store, request.senderid, company.id)
    if not user.web_services:  # access withdrawn after the session was opened [U]
        raise errors.invalid_session(request.sessionid or "")
    return company, user, session.locationid, session


def _check_company(company: Company) -> None:
    if company.expired:
        raise errors.company_expired()
    if not company.web_services:
        raise errors.not_subscribed()


def _check_sender_for(store: Store, senderid: str, company: str) -> None:
    if not store.identities.authorizes(senderid, company):  # OAuth apps obey it too
        raise errors.sender_not_authorized(senderid, company)


def _failed_auth_block(request: Request) -> etree._Element:
    """A login failure echoes the user and company it was given (capture
    execLoginInvalid); a session failure echoes nothing (capture sessionInvalid)."""
    auth = E("authentication")
    etree.SubElement(auth, "status").text = "failure"
    login = request.login
    etree.SubElement(auth, "userid").text = login.userid if login else ""
    etree.SubElement(auth, "companyid").text = login.companyid if login else ""
    return auth


def _auth_block(
    request: Request,
    now: datetime,
    user: User | None,
    company: Company | None,
    status: str,
    locationid: str = "",
    session: Session | None = None,
) -> etree._Element:
    auth = E("authentication")
    etree.SubElement(auth, "status").text = status
    etree.SubElement(auth, "userid").text = user.userid if user else ""
    etree.SubElement(auth, "companyid").text = company.id if company else ""
    etree.SubElement(auth, "locationid").text = locationid
    now = now.replace(microsecond=0)
    etree.SubElement(auth, "sessiontimestamp").text = now.isoformat()
    if session is not None:
        expires = datetime.fromtimestamp(session.expires, UTC).replace(microsecond=0)
        etree.SubElement(auth, "sessiontimeout").text = expires.isoformat()
    elif company is not None:
        later = datetime.fromtimestamp(now.timestamp() + company.session_minutes * 60, UTC)
        etree.SubElement(auth, "sessiontimeout").text = later.isoformat()
    return auth


def _result(
    ctx: Ctx, status: str, outcome: Outcome | None = None, lines: list[ErrorLine] | None = None
) -> etree._Element:
    if lines and status == "failure" and not ctx.legacy:
        lines = errors.with_support_id(lines)
    return result_element(ctx.fn, status, outcome, lines)


def result_element(
    fn: Function, status: str, outcome: Outcome | None = None, lines: list[ErrorLine] | None = None
) -> etree._Element:
    result = E("result")
    etree.SubElement(result, "status").text = status
    etree.SubElement(result, "function").text = fn.name
    etree.SubElement(result, "controlid").text = fn.controlid
    if outcome is not None:
        if outcome.listtype is not None:
            result.append(outcome.listtype)
        if outcome.key is not None:
            etree.SubElement(result, "key").text = outcome.key
        if outcome.data is not None:
            result.append(outcome.data)
    if lines:
        result.append(error_block(lines))
    return result


#: generic functions the 2.1 catalogue does not have (it lists only object functions,
#: get_list, get and getAPISession)
DTD30_ONLY = frozenset(
    {
        "query",
        "readByQuery",
        "readMore",
        "read",
        "readByName",
        "create",
        "update",
        "delete",
        "lookup",
        "inspect",
        "getDimensions",
        "readUserFormatting",
        "readEntityDetails",
    }
)


def _call(ctx: Ctx, handlers: dict[str, Handler], resolve: LegacyResolver) -> Outcome:
    handler = handlers.get(ctx.fn.name) or resolve(ctx.fn.name)
    if handler is None or (ctx.legacy and ctx.fn.name in DTD30_ONLY):
        raise errors.unknown_function(ctx.fn.name)
    if (
        ctx.request.unique
        and ctx.fn.controlid
        and not ctx.store.remember_controlid(ctx.company.id, ctx.fn.controlid)
    ):
        raise FunctionError(
            ErrorLine(
                _REPLAYED,
                "",
                f"Control id {ctx.fn.controlid} has already been executed.",
                "Use a new control id, or set uniqueid to false to allow repeats.",
            )
        )
    _check_permission(ctx)
    try:
        return handler(ctx)
    except EmulatorError:
        raise
    except Exception as exc:  # a bug in a handler must not become an HTTP 500
        # The gateway's own catch-all (DL02000001), with an id to find the traceback.
        support_id = errors.support_id()
        log.exception("function %s failed [support id %s]", ctx.fn.name, support_id)
        raise FunctionError(
            ErrorLine(
                "DL02000001",
                "Error",
                f"There was an error processing the request. [Support ID: {support_id}]",
                "",
            )
        ) from exc


#: API operation names in the permission error ([O] READ_BY_QUERY; the others by
#: analogy [U]); functions without one are left to the handlers' own checks
#: the 3.0 functions the gateway checks against the role before they run
_CHECKED = frozenset({"readByQuery", "query", "read", "readByName", "create", "update", "delete"})


def _check_permission(ctx: Ctx) -> None:
    """A role without the module's permission fails the function before it runs."""
    if ctx.fn.name not in _CHECKED or not ctx.scope.user.denied_modules:
        return
    operation = errors.api_operation(ctx.fn.name)
    if ctx.fn.name in ("create", "update"):
        names = [str(c.tag) for c in ctx.fn.body if isinstance(c.tag, str)]
    else:
        names = [ctx.fn.body.findtext("object") or ""]
    for name in names:
        obj = ctx.store.catalog.get_object(name.strip().upper())
        if obj is not None and obj.module in ctx.scope.user.denied_modules:
            raise errors.api_permission_denied(operation, obj.name)


Ran = tuple[etree._Element, Outcome | None]


def _run_all(ctxs: list[Ctx], handlers: dict[str, Handler], resolve: LegacyResolver) -> list[Ran]:
    if ctxs and ctxs[0].request.transaction:
        return _run_transaction(ctxs, handlers, resolve)
    return [_run_one(ctx, handlers, resolve) for ctx in ctxs]


def writes(name: str) -> bool:
    """Functions that change records (and so run in a write transaction)."""
    return name in ("create", "update", "delete") or name.split("_", 1)[0] in (
        "create",
        "update",
        "delete",
    )


def _run_one(ctx: Ctx, handlers: dict[str, Handler], resolve: LegacyResolver) -> Ran:
    try:
        if writes(ctx.fn.name):  # all of a failed write is undone
            with ctx.store.transaction():
                try:
                    outcome = _call(ctx, handlers, resolve)
                except PartialFailureError as exc:  # what a partial one wrote is kept
                    return _result(ctx, "failure", Outcome(data=exc.data), exc.lines), None
        else:  # reads take no write lock, so they run side by side
            outcome = _call(ctx, handlers, resolve)
    except EmulatorError as exc:
        return _result(ctx, "failure", None, exc.lines), None
    return _result(ctx, "success", outcome), outcome


class _AbortError(Exception):
    def __init__(self, ctx: Ctx, error: EmulatorError) -> None:
        self.ctx, self.error = ctx, error


def _run_transaction(
    ctxs: list[Ctx], handlers: dict[str, Handler], resolve: LegacyResolver
) -> list[Ran]:
    """All or nothing: the failing function reports its errors plus XL03000009, every
    other one is ``aborted`` with XL03000009, and nothing is kept."""
    rolled_back = ErrorLine(*errors.ROLLED_BACK)
    outcomes: list[Outcome] = []
    try:
        with ctxs[0].store.transaction():
            for ctx in ctxs:
                try:
                    outcomes.append(_call(ctx, handlers, resolve))
                except EmulatorError as exc:
                    raise _AbortError(ctx, exc) from exc
    except _AbortError as abort:
        return [
            (_result(ctx, "failure", None, [*abort.error.lines, rolled_back]), None)
            if ctx is abort.ctx
            else (_result(ctx, "aborted", None, [rolled_back]), None)
            for ctx in ctxs
        ]
    return [(_result(ctx, "success", out), out) for ctx, out in zip(ctxs, outcomes, strict=True)]
