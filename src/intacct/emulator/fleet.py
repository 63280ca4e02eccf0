"""Many companies in one emulator (``intacct emulator serve --companies N``): besides the
demo tenant, ``FLEET0001`` … ``FLEETnnnn``, each a normal single-entity company with its
own data, its own concurrency limit and its own counters.

The sender and users are the demo tenant's (``demo_sender``, ``demo_user`` and
``demo_restricted``, same passwords), authorized for every fleet company. A company's
data derives from the emulator's seed and the company's index alone, so two emulators
started with the same arguments hold the same data whatever order companies are first
used in. It is seeded on first use (the first request that runs for the company, or a
checksum asked of it): starting 1,000 companies costs their logins, not their data.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from intacct.emulator import seed
from intacct.emulator.store import DEMO_SENDER, DEMO_USER, RESTRICTED_USER, Company, Store

__all__ = ["FLEET_PREFIX", "MAX_FLEET", "Fleet", "fleet_ids", "parse_limits"]

FLEET_PREFIX = "FLEET"
MAX_FLEET = 100_000


def fleet_ids(size: int) -> list[str]:
    """``FLEET0001`` … in order; wider numbers past 9,999 companies."""
    width = max(4, len(str(size)))
    return [f"{FLEET_PREFIX}{i:0{width}d}" for i in range(1, size + 1)]


def parse_limits(text: str) -> tuple[int, ...]:
    """``"2,4,8"`` → ``(2, 4, 8)``: the fleet's limits, cycled over its companies."""
    try:
        limits = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"company limits must be whole numbers like 2,4,8, not {text!r}") from None
    return limits


@dataclass
class Fleet:
    """``size`` companies; company *i* (from 1) may have ``limits[(i - 1) % len(limits)]``
    requests in flight (none given: the emulator's ``max_concurrency``) and holds about
    ``scale`` records (0: the smallest company the generator makes, ~2,500 records over
    every catalog object)."""

    size: int = 0
    limits: Sequence[int] = ()
    scale: int = 0
    seed: int = 0
    _seeded: set[str] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if type(self.size) is not int or not 0 <= self.size <= MAX_FLEET:
            raise ValueError(f"companies must be a whole number from 0 to {MAX_FLEET:,}")
        self.limits = tuple(self.limits)
        if any(type(n) is not int or n < 1 for n in self.limits):
            raise ValueError("each company limit must be a whole number >= 1")
        if type(self.scale) is not int or not 0 <= self.scale <= 1_000_000:
            raise ValueError("company scale must be a whole number from 0 to 1,000,000")
        self.ids = fleet_ids(self.size)
        self._index = {company: n for n, company in enumerate(self.ids, start=1)}

    def limits_by_company(self) -> dict[str, int]:
        """Each company's own limit (empty when the fleet takes the emulator's)."""
        if not self.limits:
            return {}
        return {c: self.limits[(n - 1) % len(self.limits)] for c, n in self._index.items()}

    def __contains__(self, company: object) -> bool:
        return company in self._index

    def install(self, store: Store, authorized: Sequence[str]) -> None:
        """Every company, its users and the demo sender's authorization for them (and
        for ``authorized``, the companies it already had); their data comes on first use."""
        if not self.size:
            return
        width = len(self.ids[0]) - len(FLEET_PREFIX)
        with store.transaction():
            for company, n in self._index.items():
                store.add_company(Company(company, f"Fleet Company {n:0{width}d}", False))
                store.add_user(company, *DEMO_USER, recordno=1)
                store.add_user(company, *RESTRICTED_USER, recordno=2, denied_modules=["AP"])
            store.add_sender(*DEMO_SENDER, companies=[*authorized, *self.ids])
        with self._lock:
            self._seeded.clear()

    def ready(self, company: str) -> bool:
        """True unless ``company`` is a fleet company still without its data."""
        return company not in self._index or company in self._seeded

    def ensure(self, store: Store, company: str) -> None:
        """Seed ``company`` if it is a fleet company without its data yet (one
        transaction; a database kept with ``--db`` already holds what it seeded)."""
        if self.ready(company):
            return
        with self._lock:
            if company in self._seeded:
                return
            if not store.records.holds(company):
                self._seed(store, company)
            self._seeded.add(company)

    def _seed(self, store: Store, company: str) -> None:
        n = self._index[company]
        name = store.company(company)
        stream = seed.generate_company(
            company,
            name.name if name else company,
            self.scale,
            f"intacct-fleet:{self.seed}:{n}",
        )
        with store.transaction():
            for _, entity, obj, rows in stream:
                store.bulk_insert(company, entity, obj, rows)
