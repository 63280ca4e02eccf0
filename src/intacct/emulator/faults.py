"""Injected faults: answers a real gateway sometimes gives, on demand and reproducibly.

A rule is a comma-separated spec (``--fault`` or ``POST /_emulator/faults``):

    status=503,times=2                 two HTTP 503 answers, then normal service
    status=429,every=5                 every fifth request is throttled (GW-0010)
    status=502,body=html               a CDN HTML error page instead of XML
    status=524,function=create         the CDN cuts a create after the gateway applied it
    body=truncated,function=readMore   a truncated document
    errorno=XL03000011,function=query  a 200 answer whose result says "try again later"
    delay_ms=800,function=readByQuery  slow answers
    expire_sessions=1,times=1          forget every session once

``function`` matches any function of the request; ``times`` bounds how often a rule
fires, ``every`` makes it fire on every n-th matching request. A rule must do something
(status, body, delay_ms, errorno or expire_sessions): one that only matches would
shadow every rule after it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

__all__ = ["FaultRule", "Faults"]

_NUMBERS = ("status", "times", "every", "delay_ms", "after")
_EFFECTS = ("status", "body", "delay_ms", "errorno", "expire_sessions")
_KEYS = {
    "status",
    "body",
    "function",
    "times",
    "every",
    "delay_ms",
    "errorno",
    "expire_sessions",
    "after",
}


@dataclass(slots=True)
class FaultRule:
    status: int | None = None
    body: str | None = None  # html | empty | truncated | xml
    function: str | None = None
    times: int | None = None
    every: int | None = None
    after: int = 0  # let the first n matching requests through
    delay_ms: int = 0
    errorno: str | None = None
    expire_sessions: bool = False
    spec: str = ""  # as given, to list the installed rules
    seen: int = field(default=0)
    fired: int = field(default=0)

    @classmethod
    def parse(cls, spec: str) -> FaultRule:
        rule = cls(spec=spec.strip())
        given: set[str] = set()
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key, _, value = part.partition("=")
            if key not in _KEYS or not value:
                raise ValueError(
                    f"fault spec {spec!r}: unknown or empty part {part!r}; "
                    f"keys are {', '.join(sorted(_KEYS))}"
                )
            given.add(key)
            if key in _NUMBERS:
                if not value.isdigit():
                    raise ValueError(
                        f"fault spec {spec!r}: {key} must be a whole number, not {value!r}"
                    )
                setattr(rule, key, int(value))
            elif key == "expire_sessions":
                rule.expire_sessions = value not in ("0", "false")
            else:
                setattr(rule, key, value)
        if rule.body not in (None, "html", "empty", "truncated", "xml"):
            raise ValueError(f"fault spec {spec!r}: body must be html, empty, truncated or xml")
        if not given & set(_EFFECTS):
            raise ValueError(f"fault spec {spec!r} does nothing: give one of {', '.join(_EFFECTS)}")
        return rule

    def describe(self) -> dict[str, object]:
        """The rule as ``GET /_emulator/faults`` lists it."""
        return {"spec": self.spec, "seen": self.seen, "fired": self.fired}

    def fires(self, functions: list[str]) -> bool:
        if self.function and self.function not in functions:
            return False
        self.seen += 1
        if self.seen <= self.after:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        if self.every and (self.seen - self.after) % self.every:
            return False
        self.fired += 1
        return True


class Faults:
    """The active rules; thread-safe."""

    def __init__(self, specs: list[str] | None = None) -> None:
        self._lock = threading.Lock()
        self.rules = [FaultRule.parse(s) for s in specs or []]

    def add(self, spec: str) -> FaultRule:
        rule = FaultRule.parse(spec)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def describe(self) -> list[dict[str, object]]:
        with self._lock:
            return [rule.describe() for rule in self.rules]

    def match(self, functions: list[str]) -> FaultRule | None:
        with self._lock:
            return next((r for r in self.rules if r.fires(functions)), None)
