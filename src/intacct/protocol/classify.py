"""THE table that turns a gateway failure into an error class.

Intacct reports almost every failure inside an HTTP 200 body, reuses ``XL03000006`` for
four different problems and sometimes puts free text in ``errorno``. So a rule matches
on the level (``http``, ``control``, ``authentication``, ``result``), the HTTP status,
the error numbers and, where nothing else distinguishes cases, on known texts. Rules are
tried in order; the first match wins. Every rule has a golden response under
``tests/golden/responses/`` (named in ``fixture``) that a test classifies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from intacct.errors import (
    AlreadyAppliedError,
    AuthenticationError,
    DuplicateError,
    ErrorDetail,
    FieldsRefusedError,
    GatewayError,
    InvalidSessionError,
    NotFoundError,
    PermissionDeniedError,
    SenderError,
    ThrottledError,
    TransactionAbortedError,
    UnavailableError,
    ValidationError,
)
from intacct.protocol.response import Response, Result
from intacct.protocol.rest import RestAnswer, errors_in

__all__ = [
    "RULES",
    "Rule",
    "classify",
    "error_for_response",
    "error_for_rest",
    "error_for_rest_record",
    "error_for_result",
    "refused_fields",
    "refuses_company",
]

ROLLED_BACK = "XL03000009"
#: "The following fields cannot be queried: [ apbill: [A, B] ]" (XL03000006 [O]): the
#: names inside the object's brackets
_REFUSED = re.compile(r"cannot be queried: \[\s*\w+:\s*\[([^\]]*)\]")


@dataclass(frozen=True, slots=True)
class Rule:
    error: type[GatewayError]
    fixture: str
    levels: frozenset[str] = frozenset({"http", "control", "authentication", "result"})
    http_status: frozenset[int] | None = None
    errorno: re.Pattern[str] | None = None
    text: re.Pattern[str] | None = None

    def matches(self, level: str, http_status: int, errors: Sequence[ErrorDetail]) -> bool:
        if level not in self.levels:
            return False
        if self.http_status is not None and http_status not in self.http_status:
            return False
        if self.errorno is not None and not any(
            e.errorno and self.errorno.search(e.errorno) for e in errors
        ):
            return False
        return self.text is None or any(self.text.search(str(e)) for e in errors)


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


#: "rest": an answer of the REST API (:mod:`.rest`); "oauth": of its token endpoint
_ANY = frozenset({"http", "control", "authentication", "result", "rest", "oauth"})
_REST = frozenset({"rest"})
#: one record's ia::error inside a batch answer (a 207): no HTTP status of its own
_RECORD = frozenset({"rest-record"})
_OAUTH = frozenset({"oauth"})
_CONTROL = frozenset({"http", "control"})
_AUTH = frozenset({"authentication"})
_RESULT = frozenset({"result"})

RULES: tuple[Rule, ...] = (
    # Throttling first: it can arrive at any level, as HTTP 429 or inside a 200 body.
    Rule(ThrottledError, "throttled-http429-gw0010.xml", _ANY, http_status=frozenset({429})),
    Rule(ThrottledError, "throttled-http429-gw0010.xml", _ANY, errorno=_re(r"^GW-0010$")),
    Rule(
        ThrottledError,
        "throttled-rate-limit-text.xml",
        _ANY,
        text=_re(r"rate limit|too many (requests|concurrent)"),
    ),
    Rule(
        UnavailableError,
        "unavailable-try-again-later.xml",
        _ANY,
        text=_re(r"try again later|temporarily (off-?line|unavailable)|under maintenance"),
    ),
    Rule(
        UnavailableError,
        "unavailable-http503-xml.xml",
        _ANY,
        http_status=frozenset(range(500, 600)),
    ),
    # Control level: sender credentials, malformed request, company state.
    Rule(
        SenderError,
        "control-bad-sender-credentials.xml",
        _CONTROL,
        text=_re(r"XML Partner ID or password|sender id"),
    ),
    Rule(ValidationError, "control-xml-parse-error.xml", _CONTROL, errorno=_re(r"^XL03000003$")),
    Rule(
        PermissionDeniedError,
        "control-not-subscribed.xml",
        _CONTROL,
        text=_re(r"not authorized for XML|subscribe to the XML Gateway"),
    ),
    Rule(
        AuthenticationError, "control-company-expired.xml", _CONTROL, errorno=_re(r"^PL04000055$")
    ),
    # [O] tap-intacct sees GW-0011 "Invalid Request" when an authentication value is wrong.
    Rule(
        AuthenticationError,
        "http401-sign-in-incorrect.xml",
        _CONTROL,
        errorno=_re(r"^(XMLGW_JPP0002|GW-0011)$"),
    ),
    Rule(
        AuthenticationError,
        "http401-sign-in-incorrect.xml",
        _CONTROL,
        http_status=frozenset({401, 403}),
    ),
    # Authentication level: XL03000006 means four things; texts tell them apart.
    Rule(
        InvalidSessionError,
        "auth-invalid-session.xml",
        _AUTH,
        text=_re(r"invalid session|session (has )?expired"),
    ),
    Rule(
        SenderError,
        "auth-sender-not-authorized.xml",
        _AUTH,
        text=_re(r"Web Services Authorization|not authorized to make Web Services"),
    ),
    Rule(
        PermissionDeniedError,
        "auth-entity-denied.xml",
        _AUTH,
        text=_re(r"not (authorized|permitted) .*(entity|location)|permission"),
    ),
    Rule(AuthenticationError, "auth-login-failure.xml", _AUTH),
    # The REST API: the token endpoint's RFC 6749 errors, then the HTTP status of an
    # ia::error (Sage's guides/error-handling; golden answers in tests/golden/responses/rest/).
    Rule(
        SenderError,
        "rest/oauth-invalid-client.json",
        _OAUTH,
        errorno=_re(r"^(invalid_client|unauthorized_client)$"),
    ),
    Rule(
        ValidationError,
        "rest/oauth-unsupported-grant.json",
        _OAUTH,
        errorno=_re(r"^(invalid_request|unsupported_grant_type|invalid_scope)$"),
    ),
    # invalid_grant (a spent, revoked or expired code or refresh token), access_denied:
    # nothing a retry mends; the user must authorize the app again
    Rule(AuthenticationError, "rest/oauth-invalid-grant.json", _OAUTH),
    # an access token expired or refused: refreshed once, as an XML session is renewed
    Rule(
        InvalidSessionError, "rest/http401-token-expired.json", _REST, http_status=frozenset({401})
    ),
    Rule(
        PermissionDeniedError, "rest/http403-permission.json", _REST, http_status=frozenset({403})
    ),
    Rule(NotFoundError, "rest/http404-not-found.json", _REST, http_status=frozenset({404})),
    # [U] a write sent again under the key of a request already processed: nothing is
    # written again (the emulator answers so; Sage documents only "the same idempotency key")
    Rule(
        AlreadyAppliedError,
        "rest/http409-idempotency-processed.json",
        _REST,
        http_status=frozenset({409}),
        text=_re(r"idempotency key\b.*\bwas already processed"),
    ),
    Rule(DuplicateError, "rest/http409-conflict.json", _REST, http_status=frozenset({409})),
    Rule(
        ValidationError, "rest/http422-business-rule.json", _REST, http_status=frozenset({400, 422})
    ),
    # One record of a REST batch, by its code (the single-record answers' 404 and 409).
    Rule(NotFoundError, "rest/bulk-207-record-errors.json", _RECORD, errorno=_re(r"^notFound$")),
    Rule(DuplicateError, "rest/bulk-207-partial.json", _RECORD, errorno=_re(r"^duplicateValue$")),
    Rule(ValidationError, "rest/bulk-207-record-errors.json", _RECORD, errorno=_re(r"^invalid")),
    # Result level.
    Rule(
        TransactionAbortedError,
        "result-transaction-aborted.xml",
        _RESULT,
        errorno=_re(rf"^{ROLLED_BACK}$"),
    ),
    # [U] Intacct's exact answer to a uniqueid=true replay is undocumented; we expect a
    # function failure that names the control id as already executed (emulator agrees).
    Rule(
        AlreadyAppliedError,
        "result-replay-refused.xml",
        _RESULT,
        text=_re(r"control ?id\b.*already (been )?(executed|processed|used)"),
    ),
    Rule(DuplicateError, "result-duplicate.xml", _RESULT, errorno=_re(r"^BL34000061$")),
    Rule(DuplicateError, "result-duplicate.xml", _RESULT, text=_re(r"already exists|duplicate")),
    Rule(
        PermissionDeniedError,
        "result-permission-denied.xml",
        _RESULT,
        text=_re(r"permission|not authorized|access denied|not subscribed"),
    ),
    Rule(
        FieldsRefusedError,
        "result-fields-refused.xml",
        _RESULT,
        text=_REFUSED,
    ),
    Rule(
        ValidationError,
        "result-unknown-object.xml",
        _RESULT,
        text=_re(
            r"object definition .* not found|invalid fields? list|cannot be queried"
            r"|unknown (field|object)"
        ),
    ),
    Rule(
        NotFoundError,
        "result-not-found.xml",
        _RESULT,
        text=_re(
            r"cannot find|non-existing|does not exist|not found|readMore failed"
            r"|expired resultId"
        ),
    ),
    Rule(
        ValidationError,
        "result-validation.xml",
        _RESULT,
        text=_re(r"query failed|illegal format|required|invalid"),
    ),
    Rule(
        ValidationError, "result-validation.xml", _RESULT, errorno=_re(r"^(XL03000003|BL03000018)$")
    ),
)


def refuses_company(error: BaseException) -> bool:
    """Whether ``error`` is the company refusing this connection as a whole, so that
    every request of it would be refused alike: a sign-in (the user, company, Sender ID
    or its authorization, an OAuth app or its grant: an :class:`AuthenticationError`
    other than an expired session, which the client renews) or the company's Web
    Services subscription (a permission refused at the control level). A permission
    refused for one object or entity is not."""
    if isinstance(error, InvalidSessionError):
        return False
    if isinstance(error, AuthenticationError):
        return True
    return isinstance(error, PermissionDeniedError) and error.level == "control"


def classify(level: str, http_status: int, errors: Sequence[ErrorDetail]) -> type[GatewayError]:
    """The error class for a failure; :class:`GatewayError` itself when no rule matches."""
    for rule in RULES:
        if rule.matches(level, http_status, errors):
            return rule.error
    return GatewayError


def error_for_result(result: Result, *, http_status: int = 200) -> GatewayError | None:
    """The error a failed or aborted result stands for, or ``None`` for a success.

    ``failure`` and ``aborted`` both mean "not applied"; the cause is read from the
    errors, not the status: a result with errors of its own (they precede the
    ``XL03000009`` rollback notice) is classified by them, one whose only error is the
    rollback notice is a :class:`TransactionAbortedError`.
    """
    if result.ok:
        return None
    own = [e for e in result.errors if e.errorno != ROLLED_BACK]
    cls: type[GatewayError]
    if own:
        cls = classify("result", http_status, own)
    elif result.errors or result.status == "aborted":
        cls = TransactionAbortedError
    else:
        cls = GatewayError
    error = cls(
        result.errors,
        level="result",
        http_status=http_status,
        function=result.function,
        control_id=result.controlid,
    )
    if isinstance(error, FieldsRefusedError):
        error.fields = refused_fields(own)
    return error


def refused_fields(errors: Sequence[ErrorDetail]) -> frozenset[str]:
    """The field names an XL03000006 "cannot be queried" error lists."""
    names: set[str] = set()
    for error in errors:
        for match in _REFUSED.finditer(str(error)):
            names.update(n.strip() for n in match.group(1).split(",") if n.strip())
    return frozenset(names)


def error_for_response(
    response: Response, *, retry_after: float | None = None
) -> GatewayError | None:
    """The control- or authentication-level error of an answer, or ``None``.

    Function failures are not raised here: each result carries its own outcome.
    ``retry_after`` is the HTTP ``Retry-After`` the answer came with, if any.
    """
    status = response.http_status
    # A missing control or authentication status (a broken answer that still holds
    # results) is unknown, not a failure: the results then speak for themselves.
    has_results = bool(response.results)
    unknown = response.control.status is None and has_results and not response.errors
    if not response.control.ok and not unknown:
        level = "control"
        errors = response.errors
    elif response.operation is not None and _auth_failed(response):
        level = "authentication"
        errors = response.operation.errors
    elif status >= 400:
        level, errors = "http", response.errors
    else:
        return None
    cls = classify(level, status, errors)
    return cls(errors, level=level, http_status=status, retry_after=retry_after)


def _auth_failed(response: Response) -> bool:
    assert response.operation is not None
    auth = response.operation.authentication
    return not auth.ok and not (auth.status is None and response.results)


def error_for_rest(answer: RestAnswer, *, retry_after: float | None = None) -> GatewayError | None:
    """The error of a REST answer (level ``oauth`` for the token endpoint's, else
    ``rest``), or ``None`` for a success. A batch's failed records are errors of the
    answer only when its status says it failed; a 207's records carry their own."""
    if answer.ok or (answer.http_status < 400 and not answer.oauth):
        return None
    level = "oauth" if answer.oauth else "rest"
    cls = classify(level, answer.http_status, answer.errors)
    return cls(answer.errors, level=level, http_status=answer.http_status, retry_after=retry_after)


def error_for_rest_record(item: Any) -> GatewayError | None:
    """The error of one record of a REST batch answer (an ``ia::result`` item): ``None``
    for a written record (its reference), else its ``ia::error`` classified alone."""
    errors = errors_in(item)
    if not errors:
        return None
    cls = classify("rest-record", 207, errors)
    return cls(errors, level="rest-record", http_status=207)
