"""What the generator remembers between rows: entities, their master data and sizes.

Only master data and the documents still waiting for payment are kept between batches, so
memory stays bounded however large the scale.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic

from intacct.emulator.seed.common import Row, T

__all__ = ["Entity", "EntityPlan", "OpenDoc", "Party", "Pool", "Project", "Sizes", "open_doc"]


class Pool(Generic[T]):
    """Records in creation order, so a document only references what existed before it."""

    def __init__(self) -> None:
        self.items: list[T] = []
        self.times: list[int] = []

    def add(self, item: T, created: int) -> None:
        self.items.append(item)
        self.times.append(created)

    def pick(self, rnd: float, at: int) -> T:
        # imports happen on day one, so at least one record always qualifies
        return self.items[int(rnd * max(1, bisect_right(self.times, at)))]

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True, slots=True)
class Party:
    """A vendor or customer, as the documents that name it need it."""

    recordno: int
    id: str
    name: str
    contact: str
    term_days: int
    term: str


@dataclass(frozen=True, slots=True)
class Project:
    recordno: int
    id: str
    customer: str
    billable: bool
    tasks: tuple[tuple[int, str], ...]


@dataclass(slots=True)
class OpenDoc:
    """A posted bill or invoice that will be paid in a later week."""

    recordno: int
    party: Party
    lines: list[tuple[int, int]]  # (line RECORDNO, cents)
    total: int
    created: int  # a credit memo written before it cannot credit it
    paid_at: int
    location: str
    #: credit memos applied to it, as (memo RECORDNO, cents): its payment settles them
    credits: list[tuple[int, int]] = field(default_factory=list)

    @property
    def cash(self) -> int:
        """What its payment pays in money: the total less the credits applied."""
        return self.total - sum(cents for _, cents in self.credits)


def open_doc(
    rec: int, party: Party, lines: Sequence[tuple[Row, int]], created: int, paid_at: int
) -> OpenDoc:
    """What a later payment, or a credit memo for it, needs to know about a document."""
    return OpenDoc(
        rec,
        party,
        [(row["RECORDNO"], cents) for row, cents in lines],
        sum(cents for _, cents in lines),
        created,
        paid_at,
        lines[0][0]["LOCATIONID"],
    )


@dataclass(frozen=True, slots=True)
class Sizes:
    """Record counts for one volume of rows (transactions scale, setup data does not)."""

    vendors: int
    customers: int
    employees: int
    projects: int
    items: int
    bills: int
    invoices: int
    journal_entries: int
    ap_adjustments: int
    ar_adjustments: int
    timesheets: int

    #: rows the fixed setup data takes (accounts, periods, budgets, terms, users, ...)
    FIXED_ROWS = 560

    @classmethod
    def for_volume(cls, volume: int) -> Sizes:
        # per 1_000 rows; measured so that the total lands on ``volume``
        unit = max(volume - cls.FIXED_ROWS, 500) / 1_000
        return cls(
            vendors=max(8, round(9 * unit)),
            customers=max(8, round(9 * unit)),
            employees=max(6, round(3.8 * unit)),
            projects=max(3, round(1.9 * unit)),
            items=max(8, round(3.8 * unit)),
            bills=max(20, round(19.6 * unit)),
            invoices=max(20, round(19.6 * unit)),
            journal_entries=max(10, round(11.4 * unit)),
            ap_adjustments=max(2, round(1.9 * unit)),
            ar_adjustments=max(2, round(1.9 * unit)),
            timesheets=max(4, round(3.8 * unit)),
        )

    def part(self, share: float) -> Sizes:
        """This company's sizes for one entity owning ``share`` of the volume."""
        return Sizes(*(max(2, round(v * share)) for v in self._values()))

    def _values(self) -> tuple[int, ...]:
        return (
            self.vendors,
            self.customers,
            self.employees,
            self.projects,
            self.items,
            self.bills,
            self.invoices,
            self.journal_entries,
            self.ap_adjustments,
            self.ar_adjustments,
            self.timesheets,
        )


@dataclass(frozen=True, slots=True)
class EntityPlan:
    id: str
    name: str
    currency: str
    country: str
    share: float


def _parties() -> dict[str, Pool[Party]]:
    return {"VENDOR": Pool(), "CUSTOMER": Pool()}


@dataclass
class Entity:
    """One entity of a company, or the company itself when it has a single entity."""

    id: str  # "" in a single-entity company
    name: str
    currency: str
    country: str
    sizes: Sizes
    stamp: dict[str, Any]
    cities: tuple[tuple[str, str, str], ...]
    suffixes: tuple[str, ...]
    cash_gl: str  # GL account of the operating bank account
    bank: str = ""
    departments: list[tuple[str, str]] = field(default_factory=list)  # (id, title)
    locations: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    employees: Pool[tuple[str, str]] = field(default_factory=Pool)  # (id, "First Last")
    #: vendors and customers by object name, so AP and AR code can share one path
    parties: dict[str, Pool[Party]] = field(default_factory=_parties)
    projects: Pool[Project] = field(default_factory=Pool)
    warehouses: list[str] = field(default_factory=list)
