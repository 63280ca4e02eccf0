"""The ``/_emulator/`` control API: stats, reset, seed, company settings, faults, clock,
the Data Delivery Service's settings and targets, the REST API's registered OAuth apps,
the pace of its bulk jobs, and change notices (webhook, event queue and Smart Event
subscriptions, the sender's pace and faults)."""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from intacct.emulator.catalog import custom_field, custom_object
from intacct.emulator.checksum import company_checksums
from intacct.emulator.clock import move_clock
from intacct.emulator.demo import DEMO_COMPANIES, install_demo
from intacct.emulator.faults import Faults
from intacct.emulator.intake import BodyError, ClientGone, read_body
from intacct.emulator.limits import Latency
from intacct.emulator.state import Emulator
from intacct.emulator.store import Company, OAuthApp

__all__ = ["CONTROL_PREFIX", "control_routes", "json_object"]

CONTROL_PREFIX = "/_emulator"


def json_object(body: bytes) -> dict[str, Any]:
    """A control request's JSON object (an empty body is ``{}``); ValueError naming what
    is wrong, whatever the bytes: not UTF-8, not JSON, nested too deeply, not an object."""
    if not body.strip():
        return {}
    try:
        value = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"the body is not UTF-8 (byte {exc.start})") from None
    except RecursionError:
        raise ValueError("the JSON body is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"the body is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError("the body must be a JSON object")
    return value


#: control requests are small JSON objects or fault specs
MAX_CONTROL_BYTES = 1024 * 1024

Endpoint = Callable[[HttpRequest], Awaitable[Response]]


def _guarded(endpoint: Endpoint) -> Endpoint:
    """Whatever the client sends, a JSON error with a 4xx status, never a 500."""

    @functools.wraps(endpoint)
    async def guarded(request: HttpRequest) -> Response:
        try:
            return await endpoint(request)
        except BodyError as exc:  # a stalled client is dropped; the rest of a big body
            close = {"Connection": "close"} if exc.http_status == 408 else {}  # is drained
            return JSONResponse({"error": exc.text}, exc.http_status, close)
        except ClientGone:
            return Response(status_code=400)  # logged; nobody is left to read it
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 400)

    return guarded


def _company_json(emulator: Emulator, company: Company) -> dict[str, Any]:
    return {
        **dataclasses.asdict(company),
        "max_concurrency": emulator.limit.limit_of(company.id),
        "fleet": company.id in emulator.fleet,
        "seeded": emulator.fleet.ready(company.id),
    }


def _oauth_app(given: dict[str, Any]) -> OAuthApp:
    """An app from a control request; ValueError (HTTP 400) naming what is wrong."""
    allowed = {"client_id", "client_secret", "redirect_uris", "sender_id", "name"}
    if set(given) - allowed or not {"client_id", "client_secret", "sender_id"} <= set(given):
        raise ValueError(
            'give {"client_id": "...", "client_secret": "...", "redirect_uris": '
            '["http://127.0.0.1/callback"], "sender_id": "demo_sender"} (and "name")'
        )
    for key in ("client_id", "client_secret", "sender_id"):
        if not isinstance(given[key], str) or not given[key].strip():
            raise ValueError(f"{key} must be a non-empty string")
    uris = given.get("redirect_uris", [])
    if not isinstance(uris, list) or not all(
        isinstance(u, str) and u.startswith(("http://", "https://")) and "\n" not in u for u in uris
    ):
        raise ValueError("redirect_uris must be a list of absolute http(s) URIs")
    name = given.get("name", "")
    if not isinstance(name, str):
        raise ValueError("name must be a string")
    return OAuthApp(
        given["client_id"], given["client_secret"], tuple(uris), given["sender_id"], name
    )


def _app_json(app: OAuthApp) -> dict[str, Any]:
    return {
        "client_id": app.client_id,
        "redirect_uris": list(app.redirect_uris),
        "sender_id": app.senderid,
        "name": app.name,
    }


def control_routes(emulator: Emulator, body_timeout_s: float = 30.0) -> list[Route]:
    async def body(request: HttpRequest) -> bytes:
        return await read_body(request, MAX_CONTROL_BYTES, body_timeout_s)

    async def stats(request: HttpRequest) -> Response:
        """Requests, calls per function, and billed API transactions (in all and per
        company as ``api_transactions.<COMPANY>``) since the last reset; every counter
        also per company (``requests.<COMPANY>``, ``readByQuery.<COMPANY>``,
        ``throttled.<COMPANY>``) and ``max_in_flight.<COMPANY>``, the most requests of
        the company in flight at once."""
        return JSONResponse(emulator.snapshot())

    async def reseed(scale: int, seed: int) -> Response:
        def work() -> dict[str, int]:
            emulator.store.reset()
            emulator.clear_stats()
            emulator.faults.clear()
            emulator.webhooks.clear()
            emulator.scale, emulator.seed = scale, seed
            emulator.fleet.seed = seed
            emulator.limit.clear_peaks(emulator.fleet.limits_by_company())
            counts = install_demo(emulator.store, scale, seed)
            emulator.fleet.install(emulator.store, DEMO_COMPANIES)
            return counts

        counts = await run_in_threadpool(work)
        return JSONResponse({"scale": scale, "seed": seed, "rows": sum(counts.values())})

    async def reset(request: HttpRequest) -> Response:
        """Back to the demo tenant last seeded (data, stats, faults)."""
        return await reseed(emulator.scale, emulator.seed)

    async def seed(request: HttpRequest) -> Response:
        """A fresh demo tenant at ``?scale=N&seed=S``."""
        try:
            scale = int(request.query_params.get("scale", emulator.scale))
            seed_value = int(request.query_params.get("seed", emulator.seed))
        except ValueError:
            return JSONResponse({"error": "scale and seed must be integers"}, 400)
        if not 0 <= scale <= 10_000_000:
            return JSONResponse({"error": "scale must be between 0 and 10,000,000"}, 400)
        return await reseed(scale, seed_value)

    async def company(request: HttpRequest) -> Response:
        """Company settings: ``{"date_format": "%d/%m/%Y", "timezone": "Europe/London",
        "session_minutes": 30, "max_concurrency": 4}`` (any subset; the limit applies
        from the next request, 0 for none)."""
        changes = json_object(await body(request))
        company_id = request.path_params["id"]
        limit = changes.pop("max_concurrency", None)
        if limit is not None and (type(limit) is not int or limit < 0):
            raise ValueError(f"max_concurrency must be a whole number >= 0, not {limit!r}")
        try:
            updated = emulator.store.configure_company(company_id, **changes)
        except TypeError as exc:  # an unknown setting
            raise ValueError(str(exc)) from None
        if limit is not None:
            emulator.limit.set(company_id, limit)
        return JSONResponse(_company_json(emulator, updated))

    async def companies(request: HttpRequest) -> Response:
        """Every company: id, name, settings, ``max_concurrency`` (0: none), whether it
        is a fleet company and whether its data is seeded yet."""
        listed = emulator.store.identities.companies()
        return JSONResponse({"companies": [_company_json(emulator, c) for c in listed]})

    async def checksum(request: HttpRequest) -> Response:
        """``?company=FLEET0001[&object=VENDOR,APBILL][&fields=RECORDNO,NAME]``: count
        and SHA-256 per object of the company's data (:mod:`.checksum`); a fleet
        company not used yet is seeded first."""
        query = request.query_params
        company_id = query.get("company", "")
        if emulator.store.company(company_id) is None:
            raise ValueError(f"no company {company_id!r}; GET /_emulator/companies lists them")
        objects = [o for o in query.get("object", "").split(",") if o]
        fields = [f for f in query.get("fields", "").split(",") if f]

        def work() -> dict[str, Any]:
            emulator.fleet.ensure(emulator.store, company_id)
            return company_checksums(emulator.store, company_id, objects, fields)

        sums = await run_in_threadpool(work)
        return JSONResponse({"company": company_id, "objects": sums})

    async def user(request: HttpRequest) -> Response:
        """A user's setup: ``{"web_services": false}`` (not a Web Services user),
        ``{"denied_modules": ["AP"]}`` (its role lacks the AP permission)."""
        changes = json_object(await body(request))
        company_id, userid = request.path_params["id"], request.path_params["userid"]
        try:
            updated = emulator.store.identities.configure_user(company_id, userid, **changes)
        except TypeError as exc:  # an unknown setting
            raise ValueError(str(exc)) from None
        return JSONResponse(
            {
                "userid": updated.userid,
                "web_services": updated.web_services,
                "denied_modules": sorted(updated.denied_modules),
            }
        )

    async def sender(request: HttpRequest) -> Response:
        """The companies a sender is authorized for: ``{"companies": ["DEMO-ME"]}``
        leaves DEMO answering "not authorized" to it; ``{"revoke": ["DEMO"]}`` and
        ``{"grant": ["DEMO"]}`` change only the companies named (a fleet keeps the rest)."""
        changes = json_object(await body(request))
        if len(changes) != 1 or not set(changes) <= {"companies", "grant", "revoke"}:
            raise ValueError('the body must be {"companies"|"grant"|"revoke": [company ids]}')
        senderid = request.path_params["id"]
        ((how, named),) = changes.items()
        found = emulator.store.identities.sender(senderid)
        if found is None:
            raise ValueError(f"no sender {senderid!r}")
        if how != "companies" and (isinstance(named, str) or not isinstance(named, list)):
            raise ValueError("companies must be a list of company ids such as 'DEMO'")
        if how == "grant":
            named = sorted(found[1] | set(named))
        elif how == "revoke":
            named = sorted(found[1] - set(named))
        companies = emulator.store.identities.authorize_sender(senderid, named)
        return JSONResponse({"senderid": senderid, "companies": sorted(companies)})

    async def latency(request: HttpRequest) -> Response:
        """The latency model: ``{"ms": 300, "per_row_us": 500}`` (any subset) sets the
        base wait of every answer and the wait per returned record; GET shows it."""
        if request.method == "POST":
            changes = json_object(await body(request))
            for key, value in changes.items():
                if key not in ("ms", "per_row_us"):
                    raise ValueError(f"unknown key {key!r}; keys are ms, per_row_us")
                if type(value) is not int or value < 0:
                    raise ValueError(f"{key} must be a whole number >= 0, not {value!r}")
            current = emulator.latency
            emulator.latency = Latency(
                changes.get("ms", current.base_ms),
                changes.get("per_row_us", current.per_row_us),
            )
        current = emulator.latency
        return JSONResponse({"ms": current.base_ms, "per_row_us": current.per_row_us})

    async def faults(request: HttpRequest) -> Response:
        """POST installs a rule (the spec as the body or ``?spec=``), GET lists them in
        the order they are tried, DELETE removes them all."""
        return await _fault_rules(request, emulator.faults)

    async def _fault_rules(request: HttpRequest, rules: Faults) -> Response:
        if request.method == "GET":
            return JSONResponse({"faults": rules.describe()})
        if request.method == "DELETE":
            rules.clear()
            return JSONResponse({"faults": 0})
        try:
            spec = (await body(request)).decode() or request.query_params.get("spec", "")
        except UnicodeDecodeError as exc:
            raise ValueError(f"the fault spec is not UTF-8 (byte {exc.start})") from None
        rules.add(spec)
        return JSONResponse({"faults": len(rules.rules)})

    async def clock(request: HttpRequest) -> Response:
        """The emulator's clock: POST ``{"now": "2027-11-07T08:30:00Z"}`` moves it there
        (it runs on from there), ``{"advance_s": 3600}`` moves it on; DELETE puts it back
        on the real time; GET shows it."""
        now = emulator.store.clock
        if request.method == "POST":
            move_clock(now, json_object(await body(request)))
        elif request.method == "DELETE":
            now.reset()
        return JSONResponse({"now": now.now().isoformat(), "moved": now.moved})

    async def lag(request: HttpRequest) -> Response:
        """A company's visibility lag: POST ``{"company": "DEMO", "seconds": 30}`` makes
        its queries read what was committed 30 s before (0: none); GET lists the lags."""
        lags = emulator.store.records.lag
        if request.method == "POST":
            given = json_object(await body(request))
            company, seconds = given.get("company"), given.get("seconds")
            if not isinstance(company, str) or not isinstance(seconds, int | float):
                raise ValueError('give {"company": "DEMO", "seconds": 30}')
            lags.set(company, float(seconds))
        return JSONResponse(lags.as_dict())

    async def audit(request: HttpRequest) -> Response:
        """The objects a company's audit trail leaves out: POST ``{"company": "DEMO",
        "omit": ["VENDOR"]}`` writes no AUDITHISTORY row for their later writes (``[]``:
        every object again); GET lists them. Which objects Intacct audits is not
        documented [U]: this lets a client's fallback for a missing row be tested."""
        records = emulator.store.records
        if request.method == "POST":
            given = json_object(await body(request))
            company, omit = given.get("company"), given.get("omit")
            if not isinstance(company, str) or not (
                isinstance(omit, list) and all(isinstance(o, str) for o in omit)
            ):
                raise ValueError('give {"company": "DEMO", "omit": ["VENDOR"]}')
            records.unaudited = {
                **records.unaudited,
                company.upper(): frozenset(o.upper() for o in omit),
            }
        return JSONResponse({c: sorted(o) for c, o in records.unaudited.items() if o})

    async def custom_fields(request: HttpRequest) -> Response:
        """A custom field the company adds at run time: POST ``{"object": "VENDOR",
        "field": {"name": "LOYALTY_TIER", "type": "enum", "values": ["Gold", "Silver"]}}``
        (:func:`~intacct.emulator.catalog.custom_field`; every company of the emulator
        gets it, empty in every record); GET lists those added, by object."""
        store = emulator.store
        if request.method == "POST":
            given = json_object(await body(request))
            name, data = given.get("object"), given.get("field")
            if not isinstance(name, str) or not isinstance(data, dict) or len(given) != 2:
                raise ValueError('give {"object": "VENDOR", "field": {"name": ..., "type": ...}}')
            if store.catalog.get_object(name) is None:
                raise ValueError(f"no object {name!r}")
            await run_in_threadpool(store.add_custom_field, name, custom_field(data))
        return JSONResponse(store.custom_fields_added())

    async def custom_objects(request: HttpRequest) -> Response:
        """A user-defined dimension the company adds at run time: POST ``{"name":
        "PROGRAM", "label": "Program", "fields": [{"name": "GRANT_CODE", "type":
        "text"}]}`` (:func:`~intacct.emulator.catalog.custom_object`; every company of
        the emulator gets it, with no record); GET lists those added."""
        store = emulator.store
        if request.method == "POST":
            made = custom_object(json_object(await body(request)))
            await run_in_threadpool(store.add_custom_object, made)
        return JSONResponse(store.custom_objects_added())

    async def removed_object(request: HttpRequest) -> Response:
        """DELETE: an object added at run time removed, with its records (400 for one
        Intacct ships or none); the objects still added."""
        store = emulator.store
        await run_in_threadpool(store.remove_custom_object, request.path_params["name"])
        return JSONResponse(store.custom_objects_added())

    async def bulk(request: HttpRequest) -> Response:
        """The bulk job worker's pace (:mod:`.worker`): POST ``{"record_ms": 50}`` waits
        before each record, ``{"paused": true}`` writes none (jobs stay queued or in
        progress), ``{"step": 2}`` lets two more through while paused, ``{"paused":
        false}`` goes on; GET shows it (``steps``: those left)."""
        changes: dict[str, Any] = {}
        if request.method == "POST":
            changes = json_object(await body(request))
            for key, value in changes.items():
                if key == "paused" and type(value) is bool:
                    continue
                if key in ("record_ms", "step") and type(value) is int and value >= 0:
                    continue
                raise ValueError(
                    f"{key}={value!r}: give record_ms and step as whole numbers >= 0, "
                    "paused as true or false"
                )
        return JSONResponse(emulator.bulk.pace(**changes))

    async def dds(request: HttpRequest) -> Response:
        """The Data Delivery Service (:mod:`.dds`): POST ``{"queue_s": 2, "run_s": 3,
        "split_records": 100000}`` sets its pace and file split; ``{"company": "DEMO",
        "subscribed": true, "targets": {"AWS-S3-DDS": {"kind": "S3", "endpoint_url":
        "http://127.0.0.1:9000", "bucket": "b", "prefix": "dds", "access_key_id": "…",
        "secret_access_key": "…"}}, "fail_next": 1}`` a company's subscription, its cloud
        storage targets (``null`` removes one; an Azure one ``{"kind": "Azure",
        "endpoint_url": …, "container": …, "prefix": …, "account_name": …,
        "account_key": "…"}``) and failures of its next jobs; GET (and each POST) answers
        them all, credentials left out."""
        settings = emulator.store.dds.settings
        if request.method == "POST":
            return JSONResponse(settings.configure(json_object(await body(request))))
        return JSONResponse(settings.snapshot())

    async def oauth_apps(request: HttpRequest) -> Response:
        """The REST API's registered OAuth apps: GET lists them (client ids, redirect
        URIs, senders; secrets are not shown), POST ``{"client_id": "...",
        "client_secret": "...", "redirect_uris": ["http://127.0.0.1/callback"],
        "sender_id": "demo_sender", "name": "..."}`` registers one (or replaces it)."""
        identities = emulator.store.identities
        if request.method == "POST":
            identities.add_app(_oauth_app(json_object(await body(request))))
        return JSONResponse({"apps": [_app_json(a) for a in identities.apps()]})

    async def oauth_app(request: HttpRequest) -> Response:
        """DELETE unregisters an app: its tokens are refused from then on."""
        client_id = request.path_params["client_id"]
        if not emulator.store.identities.remove_app(client_id):
            raise ValueError(f"no OAuth app {client_id!r}")
        return JSONResponse({"removed": client_id})

    async def webhooks(request: HttpRequest) -> Response:
        """Change notice subscriptions (:mod:`.store.triggers`): GET lists them, POST
        ``{"company": "DEMO", "object": "VENDOR", "events": ["create", "update",
        "delete"], "url": "https://...", "client_id": "demo_client_id", "mode":
        "webhook"|"queue"}`` (a Smart Event: ``"mode": "smart_event"``, ``"body"`` its
        template, no ``client_id``) adds one and answers it with its ``id``."""
        triggers = emulator.store.triggers
        if request.method == "POST":
            added = triggers.add(json_object(await body(request)))
            return JSONResponse(added.as_json())
        return JSONResponse({"webhooks": [s.as_json() for s in triggers.listed()]})

    async def webhook(request: HttpRequest) -> Response:
        """DELETE removes a subscription: its pending deliveries are dropped."""
        subscription_id = request.path_params["id"]
        if not emulator.store.triggers.remove(subscription_id):
            return JSONResponse({"error": f"no subscription {subscription_id!r}"}, 404)
        return JSONResponse({"removed": subscription_id})

    async def webhook_pace(request: HttpRequest) -> Response:
        """The sender's retry delays: POST ``{"retry_scale": 0.01}`` scales Intacct's 10,
        30 and 90 s (1 is the real schedule); GET shows it."""
        scale: float | None = None
        if request.method == "POST":
            changes = json_object(await body(request))
            given: Any = changes.get("retry_scale")
            if set(changes) != {"retry_scale"} or type(given) not in (int, float) or given < 0:
                raise ValueError('give {"retry_scale": a number >= 0}, such as 0.01')
            scale = float(given)
        return JSONResponse(emulator.webhooks.pace(retry_scale=scale))

    async def webhook_faults(request: HttpRequest) -> Response:
        """Delivery faults (:mod:`.delivery`): POST a spec such as ``lose=1,p=0.3``,
        ``duplicate=1``, ``reorder=1,times=1``, ``delay_ms=500`` (as the body or
        ``?spec=``), GET lists them, DELETE removes them all."""
        return await _fault_rules(request, emulator.webhooks.faults)

    async def health(request: HttpRequest) -> Response:
        return JSONResponse({"ok": True})

    return [
        Route(f"{CONTROL_PREFIX}/stats", _guarded(stats), methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/reset", _guarded(reset), methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/seed", _guarded(seed), methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/companies", _guarded(companies), methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/companies/{{id}}", _guarded(company), methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/checksum", _guarded(checksum), methods=["GET"]),
        Route(
            f"{CONTROL_PREFIX}/companies/{{id}}/users/{{userid}}", _guarded(user), methods=["POST"]
        ),
        Route(f"{CONTROL_PREFIX}/senders/{{id}}", _guarded(sender), methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/faults", _guarded(faults), methods=["GET", "POST", "DELETE"]),
        Route(f"{CONTROL_PREFIX}/latency", _guarded(latency), methods=["GET", "POST"]),
        Route(f"{CONTROL_PREFIX}/clock", _guarded(clock), methods=["GET", "POST", "DELETE"]),
        Route(f"{CONTROL_PREFIX}/dds", _guarded(dds), methods=["GET", "POST"]),
        Route(f"{CONTROL_PREFIX}/lag", _guarded(lag), methods=["GET", "POST"]),
        Route(f"{CONTROL_PREFIX}/audit", _guarded(audit), methods=["GET", "POST"]),
        Route(f"{CONTROL_PREFIX}/bulk", _guarded(bulk), methods=["GET", "POST"]),
        Route(f"{CONTROL_PREFIX}/custom-fields", _guarded(custom_fields), methods=["GET", "POST"]),
        Route(
            f"{CONTROL_PREFIX}/custom-objects", _guarded(custom_objects), methods=["GET", "POST"]
        ),
        Route(
            f"{CONTROL_PREFIX}/custom-objects/{{name}}",
            _guarded(removed_object),
            methods=["DELETE"],
        ),
        Route(f"{CONTROL_PREFIX}/oauth/apps", _guarded(oauth_apps), methods=["GET", "POST"]),
        Route(
            f"{CONTROL_PREFIX}/oauth/apps/{{client_id}}", _guarded(oauth_app), methods=["DELETE"]
        ),
        Route(f"{CONTROL_PREFIX}/webhooks", _guarded(webhooks), methods=["GET", "POST"]),
        Route(f"{CONTROL_PREFIX}/webhooks/pace", _guarded(webhook_pace), methods=["GET", "POST"]),
        Route(
            f"{CONTROL_PREFIX}/webhooks/faults",
            _guarded(webhook_faults),
            methods=["GET", "POST", "DELETE"],
        ),
        Route(f"{CONTROL_PREFIX}/webhooks/{{id}}", _guarded(webhook), methods=["DELETE"]),
        Route(f"{CONTROL_PREFIX}/health", _guarded(health), methods=["GET"]),
    ]
