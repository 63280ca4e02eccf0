"""A company's monthly API transaction entitlement, and this connector's share of it.

Intacct bills a company's API transactions per month against its entitlement (overage is
billed). The XML gateway exposes no month-to-date usage [U: only the UI's "View API
usage" page is documented], and other tools' use of the same entitlement is not visible
to us at all. What the connector does know is what it billed itself: every run's row in
the destination's ``_intacct_runs`` keeps its transactions. So a run may bill at most
``entitlement x share`` less what this connector's runs into the same destination billed
since the month began (UTC); the client then refuses, unsent, the request that would go
beyond, and the run stops cleanly with every page before kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from intacct.destinations.runs import billed_since
from intacct.errors import ConfigError
from intacct.logging import counted

__all__ = ["Entitlement", "MonthlyBudget", "monthly_budget", "run_budget"]


@dataclass(frozen=True)
class Entitlement:
    """``transactions`` a month for the company; ``share`` of them (0-1) for this
    connector."""

    transactions: int
    share: float = 1.0

    def __post_init__(self) -> None:
        if type(self.transactions) is not int or self.transactions < 0:
            raise ConfigError(
                "entitlement",
                f"must be a whole number of API transactions a month, got {self.transactions!r}",
            )
        if isinstance(self.share, bool) or not isinstance(self.share, int | float):
            raise ConfigError("share", f"must be a number from 0 to 1, got {self.share!r}")
        if not 0 <= self.share <= 1:
            raise ConfigError("share", f"must be a number from 0 to 1, got {self.share!r}")

    @property
    def allowed(self) -> int:
        """This connector's transactions a month (rounded down: never above the share)."""
        return math.floor(self.transactions * self.share + 1e-9)


@dataclass(frozen=True)
class MonthlyBudget:
    entitlement: Entitlement
    month: str  # 2026-11
    spent: int  # by this connector's runs into the destination, this month

    @property
    def left(self) -> int:
        return max(0, self.entitlement.allowed - self.spent)

    def describe(self) -> str:
        e = self.entitlement
        return (
            f"monthly budget {counted(e.allowed, 'API transaction')} ({e.transactions:,} x "
            f"{e.share:g}); "
            f"{self.spent:,} spent in {self.month} by this connector's runs; {self.left:,} left"
        )


def monthly_budget(
    where: str | Path, entitlement: Entitlement, now: datetime | None = None
) -> MonthlyBudget:
    """The month's budget as ``where``'s recorded runs leave it."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    return MonthlyBudget(entitlement, f"{now:%Y-%m}", billed_since(where, start))


def run_budget(per_run: int | None, monthly: MonthlyBudget | None) -> int | None:
    """The run's cap: the smaller of the per-run budget and what the month has left."""
    caps = [c for c in (per_run, monthly.left if monthly else None) if c is not None]
    return min(caps) if caps else None
