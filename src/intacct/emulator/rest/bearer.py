"""Who calls a REST route: the ``Authorization: Bearer <access token>`` of the request,
checked as Intacct would (portal: guides/error-handling, "401 Unauthorized: OAuth2 is not
able to authenticate the login credential").

:func:`authenticate` is the one check every REST route makes first: the token must be one
this emulator signed, unexpired on the emulator's clock (``/_emulator/clock`` moves it,
so a test expires a token without waiting 12 hours), and what it names must still hold:
the app registered, its sender authorized by the company, the company live, the user
there (a Web Services user for client credentials), the entity there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse

from intacct.emulator.rest import jwt
from intacct.emulator.rest.answers import ia_error
from intacct.emulator.rest.common import Refusal, check_principal
from intacct.emulator.store import Store

__all__ = ["ENTITY_HEADER", "Caller", "authenticate"]

#: narrows a request to one entity [fylein/intacct-rest-sdk-py sends it on every call]
ENTITY_HEADER = "X-IA-API-Param-Entity"
_CLAIMS = ("clientId", "companyId", "userId", "entityId", "grantType")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: company, user, entity ('' for the top level), the app's client
    id and sender ID, and the grant the token came from."""

    company: str
    userid: str
    entity: str
    client_id: str
    senderid: str
    grant_type: str


def authenticate(store: Store, request: HttpRequest) -> Caller | JSONResponse:
    """The caller of ``request``, or the 401 answer (REST's ``ia::error`` envelope, with
    RFC 6750's ``WWW-Authenticate``) to send instead. An ``X-IA-API-Param-Entity`` header
    names the entity the request works in; one the company lacks is a 400."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if not scheme:
        return _refused("Authentication is required: send an OAuth 2 access token.", "")
    if scheme.lower() != "bearer" or not token.strip():
        return _refused("The Authorization header must be 'Bearer <access token>'.")
    claims = jwt.verify(token.strip(), store.grants.key)
    if claims is None or not _well_formed(claims):
        return _refused("Invalid token.")
    if store.clock.now().timestamp() >= claims["exp"]:
        return _refused("The access token has expired.")
    app = store.identities.app(claims["clientId"])
    if app is None:
        return _refused("Invalid token: the client is no longer registered.")
    checked = check_principal(
        store,
        app,
        claims["companyId"],
        claims["userId"],
        claims["entityId"],
        web_services=claims["grantType"] == "client_credentials",
    )
    if isinstance(checked, Refusal):
        return _refused(f"Invalid token: {checked.text}")
    entity = claims["entityId"]
    wanted = request.headers.get(ENTITY_HEADER, "").strip()
    if wanted and wanted != entity:
        # [U] an entity the token's user may not enter is not modelled: the emulator
        # has no entity restrictions, so any entity of the company is accepted
        if store.entity_name(claims["companyId"], wanted) is None:
            return ia_error(
                400,
                "invalidRequest",
                f"Invalid entity '{wanted}' in the {ENTITY_HEADER} header.",
            )
        entity = wanted
    return Caller(
        company=claims["companyId"],
        userid=claims["userId"],
        entity=entity,
        client_id=app.client_id,
        senderid=app.senderid,
        grant_type=claims["grantType"],
    )


def _well_formed(claims: dict[str, Any]) -> bool:
    exp = claims.get("exp")
    return (
        isinstance(exp, int | float)
        and not isinstance(exp, bool)
        and all(isinstance(claims.get(name), str) for name in _CLAIMS)
    )


def _refused(message: str, error: str = "invalid_token") -> JSONResponse:
    """401 in REST's envelope. [U] the ``code``: Sage's error codes are camelCase words
    (``invalidRequest``, ``notFound``); what a 401 carries is not in what was read, so
    ``unauthorized``, after the status. The header follows RFC 6750 3.1: no ``error``
    when no token was sent."""
    challenge = 'Bearer realm="Sage Intacct"' + (f', error="{error}"' if error else "")
    return ia_error(401, "unauthorized", message, {"WWW-Authenticate": challenge})
