"""The ``/_emulator/`` control API: stats, reset, seed, company settings, faults."""

from __future__ import annotations

import dataclasses
import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from intacct.emulator.demo import install_demo
from intacct.emulator.state import Emulator

__all__ = ["CONTROL_PREFIX", "control_routes"]

CONTROL_PREFIX = "/_emulator"


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
            changes = json.loads(await request.body() or b"{}")
            updated = emulator.store.configure_company(request.path_params["id"], **changes)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(dataclasses.asdict(updated))

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
        Route(f"{CONTROL_PREFIX}/health", health, methods=["GET"]),
    ]
