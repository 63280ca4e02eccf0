"""The golden REST requests (tests/golden/requests/rest/): what the client sends for
each call the connector makes, which the emulator must answer. Placeholders in angle
brackets (``<key>``) stand for values a run decides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent / "golden" / "requests" / "rest"


def golden_requests() -> dict[str, dict[str, Any]]:
    """Each golden request by its file's stem."""
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(FOLDER.glob("*.json"))
    }


def filled(value: Any, values: dict[str, str]) -> Any:
    """``value`` with every ``<name>`` placeholder replaced by ``values[name]``."""
    if isinstance(value, dict):
        return {k: filled(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [filled(v, values) for v in value]
    if isinstance(value, str) and value.startswith("<") and value.endswith(">"):
        return values[value[1:-1]]
    return value
