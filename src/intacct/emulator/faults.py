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

    body=reset,function=query          the connection reset half-way through the answer
    expire_cursor=1,function=readMore  the resultId expired before this readMore
    status=504,function=query,object=GLDETAIL   a query of a large object times out
    status=503,p=0.2,company=DEMO,from_s=5,until_s=20   a storm: 1 in 5, for 15 s

Matching: ``function`` any function of the request, ``object`` any object it names,
``company`` the company it runs for; ``from_s``/``until_s`` a window in seconds after
the rule was installed; ``p`` the chance that a matching request is hit, drawn from a
generator seeded with the emulator's fault seed and the rule's spec, so a schedule
replays the same decisions for the same sequence of requests. ``times`` bounds how
often a rule fires, ``every`` makes it fire on every n-th matching request, ``after``
lets the first n through. A rule must do something (status, body, delay_ms, errorno,
expire_sessions or expire_cursor): one that only matches would shadow every rule
after it.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

__all__ = ["SCHEDULE_KEYS", "FaultRule", "Faults"]

_NUMBERS = ("status", "times", "every", "delay_ms", "after")
_FRACTIONS = ("p", "from_s", "until_s")
_FLAGS = ("expire_sessions", "expire_cursor")
_EFFECTS = ("status", "body", "delay_ms", "errorno", *_FLAGS)
_BODIES = ("html", "empty", "truncated", "xml", "reset")
#: what every kind of rule matches and counts with
SCHEDULE_KEYS = ("company", "object", "times", "every", "after", *_FRACTIONS)
_KEYS = frozenset({"status", "body", "function", "delay_ms", "errorno", *SCHEDULE_KEYS, *_FLAGS})


@dataclass(slots=True)
class FaultRule:
    """A request fault; a kind of rule of its own (:mod:`.delivery`'s) subclasses it
    with other keys, flags and effects."""

    KEYS: ClassVar[frozenset[str]] = _KEYS
    FLAGS: ClassVar[tuple[str, ...]] = _FLAGS
    EFFECTS: ClassVar[tuple[str, ...]] = _EFFECTS

    status: int | None = None
    body: str | None = None  # html | empty | truncated | xml | reset
    function: str | None = None
    object: str | None = None
    company: str | None = None
    p: float = 1.0
    from_s: float = 0.0
    until_s: float | None = None
    times: int | None = None
    every: int | None = None
    after: int = 0  # let the first n matching requests through
    delay_ms: int = 0
    errorno: str | None = None
    expire_sessions: bool = False
    expire_cursor: bool = False
    spec: str = ""  # as given, to list the installed rules
    seen: int = field(default=0)
    fired: int = field(default=0)
    installed: float = field(default_factory=time.monotonic)
    chance: random.Random = field(default_factory=random.Random)

    @classmethod
    def parse(cls, spec: str) -> Self:
        rule = cls(spec=spec.strip())
        given: set[str] = set()
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key, _, value = part.partition("=")
            if key not in cls.KEYS or not value:
                raise ValueError(
                    f"fault spec {spec!r}: unknown or empty part {part!r}; "
                    f"keys are {', '.join(sorted(cls.KEYS))}"
                )
            given.add(key)
            if key in _NUMBERS:
                if not value.isdigit():
                    raise ValueError(
                        f"fault spec {spec!r}: {key} must be a whole number, not {value!r}"
                    )
                setattr(rule, key, int(value))
            elif key in _FRACTIONS:
                setattr(rule, key, _fraction(spec, key, value))
            elif key in cls.FLAGS:
                setattr(rule, key, value not in ("0", "false"))
            else:
                setattr(rule, key, value)
        if rule.body not in (None, *_BODIES):
            raise ValueError(f"fault spec {spec!r}: body must be {', '.join(_BODIES)}")
        if not 0.0 <= rule.p <= 1.0:
            raise ValueError(f"fault spec {spec!r}: p is a chance from 0 to 1, not {rule.p}")
        if not given & set(cls.EFFECTS):
            raise ValueError(
                f"fault spec {spec!r} does nothing: give one of {', '.join(cls.EFFECTS)}"
            )
        return rule

    def describe(self) -> dict[str, Any]:
        """The rule as ``GET /_emulator/faults`` lists it."""
        return {"spec": self.spec, "seen": self.seen, "fired": self.fired}

    def matches(self, functions: Sequence[str], objects: Sequence[str], company: str) -> bool:
        if self.function and self.function not in functions:
            return False
        if self.object and self.object.upper() not in {o.upper() for o in objects}:
            return False
        if self.company and self.company.upper() != company.upper():
            return False
        age = time.monotonic() - self.installed
        return self.from_s <= age and (self.until_s is None or age < self.until_s)

    def fires(
        self, functions: Sequence[str], objects: Sequence[str] = (), company: str = ""
    ) -> bool:
        if not self.matches(functions, objects, company):
            return False
        if self.p < 1.0 and self.chance.random() >= self.p:
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
    """The active rules; thread-safe. ``seed`` makes every rule's chances reproducible."""

    rule_type: ClassVar[type[FaultRule]] = FaultRule

    def __init__(self, specs: list[str] | None = None, *, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.seed = seed
        self.rules: list[FaultRule] = []
        for spec in specs or []:
            self.add(spec)

    def add(self, spec: str) -> FaultRule:
        rule = self.rule_type.parse(spec)
        rule.chance = random.Random(f"{self.seed}:{rule.spec}")
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def describe(self) -> list[dict[str, object]]:
        with self._lock:
            return [rule.describe() for rule in self.rules]

    def match(
        self, functions: Sequence[str], objects: Sequence[str] = (), company: str = ""
    ) -> FaultRule | None:
        with self._lock:
            return next((r for r in self.rules if r.fires(functions, objects, company)), None)


def _fraction(spec: str, key: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if number < 0:
        raise ValueError(f"fault spec {spec!r}: {key} must be a number >= 0, not {value!r}")
    return number
