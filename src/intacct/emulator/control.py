"""The ``/_emulator/`` control API: stats, reset, seed, company settings, faults."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from intacct.emulator.demo import install_demo
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


def control_routes(emulator: Emulator) -> list[Route]:
    async def stats(request: HttpRequest) -> Response:
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
        try:
            changes = json_object(await request.body())
            updated = emulator.store.configure_company(request.path_params["id"], **changes)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(dataclasses.asdict(updated))

    async def latency(request: HttpRequest) -> Response:
        """The latency model: ``{"ms": 300, "per_row_us": 500}`` (any subset) sets the
        base wait of every answer and the wait per returned record; GET shows it."""
        if request.method == "POST":
            try:
                changes = json_object(await request.body())
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
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, 400)
        current = emulator.latency
        return JSONResponse({"ms": current.base_ms, "per_row_us": current.per_row_us})

    async def faults(request: HttpRequest) -> Response:
        if request.method == "DELETE":
            emulator.faults.clear()
            return JSONResponse({"faults": 0})
        spec = (await request.body()).decode() or request.query_params.get("spec", "")
        try:
            emulator.faults.add(spec)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse({"faults": len(emulator.faults.rules)})

    async def health(request: HttpRequest) -> Response:
        return JSONResponse({"ok": True})

    return [
        Route(f"{CONTROL_PREFIX}/stats", stats, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/reset", reset, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/seed", seed, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/companies/{{id}}", company, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/faults", faults, methods=["POST", "DELETE"]),
        Route(f"{CONTROL_PREFIX}/latency", latency, methods=["GET", "POST"]),
        Route(f"{CONTROL_PREFIX}/health", health, methods=["GET"]),
    ]
