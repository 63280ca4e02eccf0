"""The generator's top level: which companies exist, and in what order each one's data is
written.

The order is part of the output's contract: setup before master data before weekly
activity (so references point backwards and RECORDNO follows time), and every random draw
in a fixed sequence (so a seed always gives the same rows).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from intacct.emulator.catalog import Catalog, load_catalog
from intacct.emulator.seed import configuration, dimensions, inventory, ledger
from intacct.emulator.seed.cash import bank_accounts
from intacct.emulator.seed.clock import WEEK, WEEKS, week_times
from intacct.emulator.seed.common import Batch, share
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.generic import Seen, fill
from intacct.emulator.seed.journal import Journal
from intacct.emulator.seed.model import Entity, EntityPlan, Sizes
from intacct.emulator.seed.names import CITIES, SUFFIXES
from intacct.emulator.seed.opening import opening_balances
from intacct.emulator.seed.parties import CUSTOMERS, VENDORS, parties
from intacct.emulator.seed.payables import Payables
from intacct.emulator.seed.projects import projects, timesheet
from intacct.emulator.seed.receivables import Receivables
from intacct.emulator.seed.servertime import ServerTime
from intacct.emulator.seed.unmodified import Unmodified

__all__ = ["COMPANIES", "ENTITIES", "ME_FLOOR", "generate", "generate_company"]

COMPANIES = ("DEMO", "DEMO-ME")
#: multi-entity company: (location id, name, currency, country, share of the volume)
ENTITIES = (
    ("E100", "US Operations", "USD", "United States", 0.6),
    ("E200", "UK Operations", "GBP", "United Kingdom", 0.4),
)
ME_FLOOR = 2_000


def generate(scale: int = 10_000, seed: int = 0) -> Iterator[Batch]:
    """Stream the demo companies' rows: ``DEMO`` (~``scale`` rows), then ``DEMO-ME``."""
    master = random.Random(seed)
    single = [EntityPlan("", "Demo Company", "USD", "United States", 1.0)]
    multi = [EntityPlan(*e) for e in ENTITIES]
    plans = (("DEMO", scale, single), ("DEMO-ME", max(scale // 10, ME_FLOOR), multi))
    catalog = load_catalog()
    for company, volume, entities in plans:
        # each company has its own stream, so DEMO-ME does not depend on DEMO's size
        rng = random.Random(master.getrandbits(64))
        yield from _stream(company, volume, entities, rng, catalog)


def generate_company(company: str, name: str, volume: int, seed: str) -> Iterator[Batch]:
    """Stream one single-entity company's rows (~``volume``, at least the smallest
    company the generator makes), from its own random stream ``seed``."""
    plan = [EntityPlan("", name, "USD", "United States", 1.0)]
    yield from _stream(company, volume, plan, random.Random(seed), load_catalog())


def _stream(
    company: str, volume: int, entities: list[EntityPlan], rng: random.Random, catalog: Catalog
) -> Iterator[Batch]:
    server = ServerTime(catalog)
    maker = _Company(company, volume, entities, rng)
    seen = Seen(catalog)
    unmodified = Unmodified()
    for batch in maker.rows():
        seen.see(batch)
        yield server(unmodified(batch))
    # every other catalog object, after (and pointing at) what exists
    for batch in fill(maker.ctx, seen, volume):
        yield server(unmodified(batch))


def _entity(plan: EntityPlan, key: int, sizes: Sizes, multi: bool) -> Entity:
    """An entity's fixed facts; in a single-entity company, the company itself."""
    stamp = (
        {"MEGAENTITYKEY": key, "MEGAENTITYID": plan.id, "MEGAENTITYNAME": plan.name}
        if multi
        else {}
    )
    return Entity(
        id=plan.id,
        name=plan.name,
        currency=plan.currency,
        country=plan.country,
        sizes=sizes.part(plan.share) if multi else sizes,
        stamp=stamp,
        cities=CITIES[plan.currency],
        suffixes=SUFFIXES[plan.currency],
        cash_gl="1040" if plan.currency == "GBP" else "1010",
    )


class _Company:
    """Generates one company: setup data, master data per entity, then weekly activity."""

    def __init__(
        self, company: str, volume: int, plans: list[EntityPlan], rng: random.Random
    ) -> None:
        multi = len(plans) > 1
        self.sizes = Sizes.for_volume(volume)
        entities = [_entity(p, i + 1, self.sizes, multi) for i, p in enumerate(plans)]
        self.ctx = Context(company, entities, rng.random)
        self.journal = Journal(self.ctx)
        self.payables = Payables(self.ctx, self.journal)
        self.receivables = Receivables(self.ctx, self.journal)

    def rows(self) -> Iterator[Batch]:
        ctx = self.ctx
        self.setup()
        yield from ctx.sink.flush()
        for ent in ctx.entities:
            yield from self.master_data(ent)
        # top-level data that points at entity records (warehouses, departments)
        yield from inventory.items_catalog(ctx, self.sizes.items)
        ledger.budgets(ctx)
        yield from ctx.sink.flush()
        for week in range(WEEKS):
            for ent in ctx.entities:
                yield from self.week(ent, week)
        for ent in ctx.entities:
            opening_balances(self.journal, ent)
        yield from ctx.sink.flush()

    def setup(self) -> None:
        """Top-level data every entity shares: users, ledger, terms, classes, periods."""
        ctx = self.ctx
        configuration.company_prefs(ctx)
        configuration.roles_and_users(ctx)
        ledger.chart_of_accounts(ctx)
        ledger.journals(ctx)
        ledger.stat_accounts(ctx)
        ledger.reporting_periods(ctx)
        for obj in ("APTERM", "ARTERM"):
            configuration.terms(ctx, obj)
        configuration.classes(ctx)
        configuration.funds(ctx)
        inventory.units_and_gl_groups(ctx)
        configuration.project_types(ctx)
        configuration.allocations(ctx)
        if ctx.multi:
            dimensions.entity_records(ctx)

    def master_data(self, ent: Entity) -> Iterator[Batch]:
        ctx = self.ctx
        planned = dimensions.plan_employees(ctx, ent)
        dimensions.locations(ctx, ent, planned)
        dimensions.departments(ctx, ent, planned)
        yield from ctx.sink.spill()
        yield from dimensions.employees(ctx, ent, planned)
        yield from parties(ctx, ent, VENDORS, ent.sizes.vendors)
        yield from parties(ctx, ent, CUSTOMERS, ent.sizes.customers)
        bank_accounts(ctx, ent)
        inventory.warehouses(ctx, ent, planned)
        yield from projects(ctx, ent)

    def week(self, ent: Entity, week: int) -> Iterator[Batch]:
        """One week of one entity's activity, documents before the payments that settle
        earlier ones."""
        ctx, rnd, sizes = self.ctx, self.ctx.rnd, ent.sizes
        start = week * WEEK
        documents = (
            (sizes.bills, self.payables.document),
            (sizes.invoices, self.receivables.document),
            (sizes.journal_entries, self.journal.manual_entry),
        )
        for count, write in documents:
            for created in week_times(rnd, share(count, week, WEEKS), start):
                write(ent, created)
                yield from ctx.sink.spill()
        for count, subledger in (
            (sizes.ap_adjustments, self.payables),
            (sizes.ar_adjustments, self.receivables),
        ):
            for created in week_times(rnd, share(count, week, WEEKS), start):
                subledger.credit_memo(ent, created)
        yield from self.payables.settle(ent, week)
        yield from self.receivables.settle(ent, week)
        for _ in range(share(sizes.timesheets, week, WEEKS)):
            timesheet(ctx, ent, start)
        yield from ctx.sink.spill()
