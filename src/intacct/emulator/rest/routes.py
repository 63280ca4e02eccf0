"""The REST API's routes under ``/ia/api/v1`` (the same port and companies as the XML
gateway): OAuth 2 (``oauth2/authorize``, ``oauth2/token``), the bridge to the XML API
(``services/core/session/id``) and the dimensions list (:mod:`.services`), the query and
model services and the objects (:mod:`.data_routes`), the bulk job service
(:mod:`.bulk`), the trigger event queue (:mod:`.events`). HTTP in, the synchronous work
(SQLite) in a worker thread."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request as HttpRequest
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from intacct.emulator.intake import BodyError, ClientGone, read_body
from intacct.emulator.rest import services
from intacct.emulator.rest.answers import oauth_error
from intacct.emulator.rest.authorize import AUTHORIZE_PATH, authorize
from intacct.emulator.rest.bearer import Caller
from intacct.emulator.rest.bulk import bulk_routes
from intacct.emulator.rest.common import MAX_FORM_BYTES, REST_PREFIX, parse_form
from intacct.emulator.rest.data_routes import data_routes
from intacct.emulator.rest.events import event_routes
from intacct.emulator.rest.service import Outcome, serve
from intacct.emulator.rest.token import TokenRequest, token
from intacct.emulator.state import Emulator

__all__ = ["rest_routes"]

_FORM = "application/x-www-form-urlencoded"


def _is_form(request: HttpRequest) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == _FORM


def _issuer(request: HttpRequest) -> str:
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}{REST_PREFIX}"


def rest_routes(emulator: Emulator, body_timeout_s: float = 30.0) -> list[Route]:
    store = emulator.store

    async def authorize_endpoint(request: HttpRequest) -> Response:
        given: dict[str, str] = {}
        repeated: set[str] = set()
        pairs = list(request.query_params.multi_items())
        if request.method == "POST":
            if not _is_form(request):
                return HTMLResponse("The sign-in form is posted form-encoded.", 415)
            try:
                body = await read_body(request, MAX_FORM_BYTES, body_timeout_s)
                pairs += list(parse_form(body).items())
            except BodyError as exc:
                return HTMLResponse(exc.text, exc.http_status)
            except ClientGone:
                return Response(status_code=400)
            except ValueError as exc:  # a repeated field, not UTF-8
                return HTMLResponse(str(exc), 400)
        seen: set[str] = set()
        for name, value in pairs:
            if name in seen:
                repeated.add(name)
            seen.add(name)
            if value:  # an empty parameter counts as omitted (RFC 6749 3.1)
                given[name] = value
        submitted = request.method == "POST"
        return await run_in_threadpool(authorize, store, given, repeated, submitted=submitted)

    async def token_endpoint(request: HttpRequest) -> Response:
        if not _is_form(request):
            return oauth_error(
                400, "invalid_request", f"The token request must be {_FORM} (RFC 6749 4.1.3)."
            )
        try:
            form = parse_form(await read_body(request, MAX_FORM_BYTES, body_timeout_s))
        except BodyError as exc:
            return oauth_error(exc.http_status, "invalid_request", exc.text)
        except ClientGone:
            return Response(status_code=400)
        except ValueError as exc:
            return oauth_error(400, "invalid_request", str(exc))
        asked = TokenRequest(form, request.headers.get("authorization", ""), _issuer(request))
        return await run_in_threadpool(token, store, asked)

    async def session_id(request: HttpRequest) -> Response:
        def work(caller: Caller) -> Outcome:
            return services.session_id(store, caller)

        return await serve(emulator, request, "core.session.id", [], work)

    async def dimensions(request: HttpRequest) -> Response:
        def work(caller: Caller) -> Outcome:
            return services.dimensions_list(store, caller)

        return await serve(emulator, request, "company-config.dimensions.list", [], work)

    return [
        Route(AUTHORIZE_PATH, authorize_endpoint, methods=["GET", "POST"]),
        Route(f"{REST_PREFIX}/oauth2/token", token_endpoint, methods=["POST"]),
        Route(f"{REST_PREFIX}/services/core/session/id", session_id, methods=["GET"]),
        Route(
            f"{REST_PREFIX}/services/company-config/dimensions/list", dimensions, methods=["GET"]
        ),
        *data_routes(emulator, body_timeout_s),
        *bulk_routes(emulator, body_timeout_s),
        *event_routes(emulator, body_timeout_s),
    ]
