"""The ``/_emulator/`` control API: stats, reset, seed, company settings, faults, clock."""

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

from intacct.emulator.clock import move_clock
from intacct.emulator.demo import install_demo
from intacct.emulator.intake import BodyError, ClientGone, read_body
from intacct.emulator.limits import Latency
from intacct.emulator.state import Emulator

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
        except BodyError as exc:  # the rest of the body is never read: close
            return JSONResponse({"error": exc.text}, exc.http_status, {"Connection": "close"})
        except ClientGone:
            return Response(status_code=400)  # logged; nobody is left to read it
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 400)

    return guarded


def control_routes(emulator: Emulator, body_timeout_s: float = 30.0) -> list[Route]:
    async def body(request: HttpRequest) -> bytes:
        return await read_body(request, MAX_CONTROL_BYTES, body_timeout_s)

    async def stats(request: HttpRequest) -> Response:
        """Requests, calls per function, and billed API transactions (in all and per
        company as ``api_transactions.<COMPANY>``) since the last reset."""
        return JSONResponse(dict(emulator.stats))

    async def reseed(scale: int, seed: int) -> Response:
        def work() -> dict[str, int]:
            emulator.store.reset()
            emulator.stats.clear()
            emulator.faults.clear()
            emulator.scale, emulator.seed = scale, seed
            return install_demo(emulator.store, scale, seed)

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
        "session_minutes": 30}`` (any subset)."""
        changes = json_object(await body(request))
        try:
            updated = emulator.store.configure_company(request.path_params["id"], **changes)
        except TypeError as exc:  # an unknown setting
            raise ValueError(str(exc)) from None
        return JSONResponse(dataclasses.asdict(updated))

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
        leaves DEMO answering "not authorized" to it."""
        changes = json_object(await body(request))
        if set(changes) != {"companies"}:
            raise ValueError('the body must be {"companies": [company ids]}')
        senderid = request.path_params["id"]
        companies = emulator.store.identities.authorize_sender(senderid, changes["companies"])
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
        if request.method == "GET":
            return JSONResponse({"faults": emulator.faults.describe()})
        if request.method == "DELETE":
            emulator.faults.clear()
            return JSONResponse({"faults": 0})
        try:
            spec = (await body(request)).decode() or request.query_params.get("spec", "")
        except UnicodeDecodeError as exc:
            raise ValueError(f"the fault spec is not UTF-8 (byte {exc.start})") from None
        emulator.faults.add(spec)
        return JSONResponse({"faults": len(emulator.faults.rules)})

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

    async def health(request: HttpRequest) -> Response:
        return JSONResponse({"ok": True})

    return [
        Route(f"{CONTROL_PREFIX}/stats", _guarded(stats), methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/reset", _guarded(reset), methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/seed", _guarded(seed), methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/companies/{{id}}", _guarded(company), methods=["POST"]),
        Route(
            f"{CONTROL_PREFIX}/companies/{{id}}/users/{{userid}}", _guarded(user), methods=["POST"]
        ),
        Route(f"{CONTROL_PREFIX}/senders/{{id}}", _guarded(sender), methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/faults", _guarded(faults), methods=["GET", "POST", "DELETE"]),
        Route(f"{CONTROL_PREFIX}/latency", _guarded(latency), methods=["GET", "POST"]),
        Route(f"{CONTROL_PREFIX}/clock", _guarded(clock), methods=["GET", "POST", "DELETE"]),
        Route(f"{CONTROL_PREFIX}/lag", _guarded(lag), methods=["GET", "POST"]),
        Route(f"{CONTROL_PREFIX}/health", _guarded(health), methods=["GET"]),
    ]
