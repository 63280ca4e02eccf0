"""The demo-company generator: deterministic, consistent, catalog-shaped and streamed."""

from __future__ import annotations

import itertools
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from intacct.emulator.catalog import Catalog, FieldDef, load_catalog
from intacct.emulator.seed import (
    AS_OF,
    MAX_BATCH_ROWS,
    ME_FLOOR,
    START,
    Batch,
    Row,
    generate,
)
from intacct.emulator.seed.unmodified import NEVER_MODIFIED

#: rows the generic seeder gives the objects nobody models by hand (measured: ~1,150),
#: and the objects only REST has (measured: 1,824 a company)
GENERIC_SETUP_ROWS = 1_500 + 2_000
Key = tuple[str, str]  # (company, OBJECT)
PYTHON_TYPES: dict[str, type] = {
    "integer": int,
    "decimal": Decimal,
    "text": str,
    "enum": str,
    "boolean": bool,
    "date": date,
    "timestamp": datetime,
}
AP_OBJECTS = ("APBILL", "APBILLITEM", "APPYMT", "APPYMTDETAIL", "APADJUSTMENT")


@dataclass
class Generated:
    """Everything one ``generate`` call produced, indexed for the checks below."""

    rows: dict[Key, list[Row]] = field(default_factory=lambda: defaultdict(list))
    entities: dict[Key, list[str]] = field(default_factory=lambda: defaultdict(list))
    batches: list[tuple[str, str, str, int]] = field(default_factory=list)

    def by_recordno(self, company: str, obj: str) -> dict[int, Row]:
        return {r["RECORDNO"]: r for r in self.rows[company, obj]}

    def total(self, company: str) -> int:
        return sum(len(rows) for (c, _), rows in self.rows.items() if c == company)

    def iter(self, company: str | None = None) -> Iterator[tuple[str, str, str, Row]]:
        for (c, obj), rows in self.rows.items():
            if company is None or c == company:
                for entity, row in zip(self.entities[c, obj], rows, strict=True):
                    yield c, entity, obj, row


def collect(batches: Iterable[Batch]) -> Generated:
    out = Generated()
    for company, entity, obj, rows in batches:
        out.rows[company, obj].extend(rows)
        out.entities[company, obj].extend([entity] * len(rows))
        out.batches.append((company, entity, obj, len(rows)))
    return out


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def demo() -> Generated:
    return collect(generate(10_000, 0))


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_rows() -> None:
    assert list(generate(2_000, 7)) == list(generate(2_000, 7))


def test_different_seed_gives_different_rows() -> None:
    first = collect(generate(2_000, 1))
    second = collect(generate(2_000, 2))
    assert first.rows["DEMO", "VENDOR"] != second.rows["DEMO", "VENDOR"]
    assert first.rows["DEMO", "GLENTRY"] != second.rows["DEMO", "GLENTRY"]
    # the chart of accounts is fixed; only its edit history depends on the seed
    accounts = [
        [(r["ACCOUNTNO"], r["TITLE"]) for r in g.rows["DEMO", "GLACCOUNT"]] for g in (first, second)
    ]
    assert accounts[0] == accounts[1]


# --------------------------------------------------------------------------- shape


def test_rows_match_the_catalog(demo: Generated, catalog: Catalog) -> None:
    problems: list[tuple[str, str, Any]] = []
    for _, _, obj, row in demo.iter():
        fields = catalog[obj]
        for name, value in row.items():
            f = fields.field(name)
            if f is None:
                problems.append((obj, name, "not in catalog"))
            elif value is not None and not _fits(f, value):
                problems.append((obj, name, value))
    assert problems[:10] == []


def _fits(f: FieldDef, value: Any) -> bool:
    """The value has the field's Python type, an allowed enum value, a legal length."""
    if f.type == "date" and isinstance(value, datetime):
        return False  # datetime is a date subclass; dates must be plain dates
    if f.type == "integer" and isinstance(value, bool):
        return False
    if not isinstance(value, PYTHON_TYPES[f.type]):
        return False
    if f.type == "enum":
        return value in f.values
    if f.type == "decimal":
        return value.as_tuple().exponent >= -6
    return f.type != "text" or f.maxlength is None or len(value) <= f.maxlength


def test_every_object_has_rows_and_uniform_keys(demo: Generated, catalog: Catalog) -> None:
    empty_in_single_entity = {"LOCATIONENTITY"}
    for name in catalog:
        for company in ("DEMO", "DEMO-ME"):
            if company == "DEMO" and name in empty_in_single_entity:
                assert not demo.rows["DEMO", name]
                continue
            rows = demo.rows[company, name]
            assert rows, (company, name)
            keys = {frozenset(r) for r in rows}
            assert len(keys) == 1, (company, name)  # a store can insert with executemany


def test_recordno_unique_per_company_and_object_starting_at_one(demo: Generated) -> None:
    """Numbered from 1 without gaps, except where a record was deleted (as in production:
    its number is not reused, and the trail's Delete names it)."""
    for (company, obj), rows in demo.rows.items():
        deleted = {
            int(r["OBJECTKEY"])
            for r in demo.rows[company, "AUDITHISTORY"]
            if r["ACCESSMODE"] == "Delete" and r["OBJECTTYPE"] == obj.lower()
            if r["OBJECTKEY"].isdigit()
        }
        numbers = sorted(r["RECORDNO"] for r in rows)
        assert len(numbers) == len(set(numbers)), (company, obj)
        gaps = set(range(1, (numbers[-1] if numbers else 0) + 1)) - set(numbers)
        assert gaps <= deleted, (company, obj, sorted(gaps)[:5])


def test_business_ids_unique(demo: Generated, catalog: Catalog) -> None:
    for (company, obj), rows in demo.rows.items():
        id_field = catalog[obj].id_field
        if id_field:
            ids = [r[id_field] for r in rows]
            assert len(ids) == len(set(ids)), (company, obj)


def test_timestamps_ordered_and_inside_the_history(demo: Generated) -> None:
    for _, _, obj, row in demo.iter():
        if obj == "AUDITHISTORY":
            assert START <= row["ACCESSTIME"] <= AS_OF
            continue
        created, modified = row["WHENCREATED"], row["WHENMODIFIED"]
        if not isinstance(created, datetime):  # an order-entry document's date
            created = datetime.combine(created, datetime.min.time())
        if modified is None:  # as production has some
            assert obj in NEVER_MODIFIED and START <= created <= AS_OF, (obj, row["RECORDNO"])
            continue
        assert START <= created <= modified <= AS_OF, (obj, row["RECORDNO"])


def test_some_records_have_no_whenmodified(demo: Generated) -> None:
    for obj in NEVER_MODIFIED:
        rows = demo.rows["DEMO", obj]
        empty = [r for r in rows if r["WHENMODIFIED"] is None]
        assert 0 < len(empty) < len(rows) / 20, obj
        assert all(r["WHENCREATED"] is not None for r in empty)


def test_whenmodified_ties_exercise_keyset_paging(demo: Generated) -> None:
    for obj, tie in (("VENDOR", 10), ("CUSTOMER", 10), ("GLENTRY", 10), ("APBILL", 4)):
        stamps = Counter(r["WHENMODIFIED"] for r in demo.rows["DEMO", obj])
        assert stamps.most_common(1)[0][1] >= tie, obj
    # a bulk update touches a large share of vendors at one second
    vendors = demo.rows["DEMO", "VENDOR"]
    assert Counter(r["WHENMODIFIED"] for r in vendors).most_common(1)[0][1] > len(vendors) / 5


def test_some_records_were_modified_later(demo: Generated) -> None:
    for obj in ("VENDOR", "CUSTOMER", "APBILL", "ARINVOICE"):
        rows = demo.rows["DEMO", obj]
        later = sum(bool(r["WHENMODIFIED"] and r["WHENMODIFIED"] > r["WHENCREATED"]) for r in rows)
        assert 0.1 * len(rows) < later < len(rows), obj


# --------------------------------------------------------------------------- references


def test_every_reference_resolves(demo: Generated, catalog: Catalog) -> None:
    keys = _reference_keys(demo, catalog)
    dangling = []
    for company, _, obj, row in demo.iter():
        for f in catalog[obj].fields:
            value = row.get(f.name)
            if f.ref and value is not None and value not in keys[company, f.ref, f.type]:
                dangling.append((company, obj, row["RECORDNO"], f.name, value))
    assert dangling[:10] == []


def _reference_keys(demo: Generated, catalog: Catalog) -> dict[tuple[str, str, str], set[Any]]:
    """(company, object, field type) -> the values a reference of that type may hold."""
    keys: dict[tuple[str, str, str], set[Any]] = defaultdict(set)
    for (company, obj), rows in demo.rows.items():
        keys[company, obj, "integer"] = {r["RECORDNO"] for r in rows}
        id_field = catalog[obj].id_field
        if id_field:
            keys[company, obj, "text"] = {r[id_field] for r in rows}
    return keys


def test_audit_users_exist(demo: Generated) -> None:
    for company in ("DEMO", "DEMO-ME"):
        users = set(demo.by_recordno(company, "USERINFO"))
        for _, _, obj, row in demo.iter(company):
            if obj != "AUDITHISTORY":
                assert {row["CREATEDBY"], row["MODIFIEDBY"]} <= users, obj


def test_audit_history_points_at_records_by_their_key(demo: Generated, catalog: Catalog) -> None:
    """OBJECTKEY is the object's business id (VENDORID) or, without one, its RECORDNO;
    deletes name records that no longer exist."""
    history = demo.rows["DEMO", "AUDITHISTORY"]
    deleted = {(r["OBJECTTYPE"], r["OBJECTKEY"]) for r in history if r["ACCESSMODE"] == "Delete"}
    created = Counter(
        r["OBJECTTYPE"]
        for r in history
        if r["ACCESSMODE"] == "Create" and (r["OBJECTTYPE"], r["OBJECTKEY"]) not in deleted
    )
    for obj in ("VENDOR", "CUSTOMER", "APBILL", "ARINVOICE", "APPYMT", "ARPYMT"):
        assert created[obj.lower()] == len(demo.rows["DEMO", obj]), obj
    for row in history:
        obj = catalog[row["OBJECTTYPE"].upper()]
        rows = demo.rows["DEMO", obj.name]
        keys = {str(r[obj.id_field or "RECORDNO"]) for r in rows}
        exists = row["OBJECTKEY"] in keys
        assert exists != ((row["OBJECTTYPE"], row["OBJECTKEY"]) in deleted), row
    assert {"vendor", "customer"} <= {t for t, _ in deleted}
    assert {"apbill", "arinvoice"} <= {t for t, _ in deleted}
    modes = {"Create", "Modify", "Access", "Delete", "Activity"}
    assert {r["ACCESSMODE"] for r in history} == modes
    assert {"ui", "csv", "api"} <= {r["SOURCE"] for r in history}


# --------------------------------------------------------------------------- accounting


def test_every_journal_entry_balances(demo: Generated) -> None:
    for company in ("DEMO", "DEMO-ME"):
        net: dict[int, Decimal] = defaultdict(Decimal)
        lines: Counter[int] = Counter()
        for entry in demo.rows[company, "GLENTRY"]:
            assert entry["TR_TYPE"] in (1, -1) and entry["AMOUNT"] > 0
            net[entry["BATCHKEY"]] += entry["TR_TYPE"] * entry["AMOUNT"]
            lines[entry["BATCHKEY"]] += 1
        batches = demo.by_recordno(company, "GLBATCH")
        assert set(net) == set(batches)
        assert all(amount == 0 for amount in net.values())
        assert min(lines.values()) >= 2


def test_journals_come_from_every_subledger(demo: Generated) -> None:
    modules = Counter(r["MODULEKEY"] for r in demo.rows["DEMO", "GLDETAIL"])
    assert {"2.GL", "3.AP", "4.AR", "11.CM"} <= set(modules)
    assert {r["BOOKID"] for r in demo.rows["DEMO", "GLDETAIL"]} == {"ACCRUAL"}


def test_gl_detail_mirrors_posted_entries(demo: Generated) -> None:
    entries = demo.by_recordno("DEMO", "GLENTRY")
    posted = {no for no, e in entries.items() if e["STATE"] == "Posted"}
    details = demo.rows["DEMO", "GLDETAIL"]
    assert sorted(d["ENTRYKEY"] for d in details) == sorted(posted)
    assert len(posted) < len(entries)  # a few draft entries never reach the view
    for detail in details:
        entry = entries[detail["ENTRYKEY"]]
        assert (detail["ACCOUNTNO"], detail["TR_TYPE"], detail["ENTRY_STATE"]) == (
            entry["ACCOUNTNO"],
            entry["TR_TYPE"],
            "P",
        )
        # the view's amounts are signed, debits positive; GLENTRY's are not
        assert detail["AMOUNT"] == detail["TRX_AMOUNT"] == entry["AMOUNT"] * entry["TR_TYPE"]
        assert detail["DEBITAMOUNT"] + detail["CREDITAMOUNT"] == entry["AMOUNT"]
        assert detail["DEBITAMOUNT"] - detail["CREDITAMOUNT"] == detail["AMOUNT"]
    # every posted journal entry balances, so the view sums to nothing
    assert sum(d["AMOUNT"] for d in details) == 0


def test_balance_sheet_accounts_stay_on_their_normal_side_from_the_opening_balances(
    demo: Generated,
) -> None:
    for company in ("DEMO", "DEMO-ME"):
        accounts = {r["ACCOUNTNO"]: r for r in demo.rows[company, "GLACCOUNT"]}
        openings = [
            b for b in demo.rows[company, "GLBATCH"] if b["BATCH_TITLE"] == "Opening balances"
        ]
        # one per entity, dated the first day, entered after everything else
        assert len(openings) == (2 if company == "DEMO-ME" else 1)
        last = max(b["RECORDNO"] for b in demo.rows[company, "GLBATCH"])
        for opening in openings:
            assert opening["BATCH_DATE"] == START.date() and opening["RECORDNO"] > last - 2
        months: dict[tuple[str, str], Counter[date]] = defaultdict(Counter)
        for _, entity, obj, row in demo.iter(company):
            if obj == "GLDETAIL":
                month = row["BATCH_DATE"].replace(day=1)
                months[entity, row["ACCOUNTNO"]][month] += row["AMOUNT"]
        for (entity, account), moves in months.items():
            if accounts[account]["ACCOUNTTYPE"] != "balancesheet" or account.startswith("3"):
                continue
            side = 1 if accounts[account]["NORMALBALANCE"] == "debit" else -1
            balances = itertools.accumulate(moves[m] for m in sorted(moves))
            assert min(side * b for b in balances) >= 0, (company, entity, account)


@pytest.mark.parametrize(
    ("header", "line"),
    [
        ("APBILL", "APBILLITEM"),
        ("ARINVOICE", "ARINVOICEITEM"),
        ("APADJUSTMENT", "APADJUSTMENTITEM"),
        ("ARADJUSTMENT", "ARADJUSTMENTITEM"),
    ],
)
def test_document_totals_equal_their_lines(demo: Generated, header: str, line: str) -> None:
    for company in ("DEMO", "DEMO-ME"):
        sums: dict[int, Decimal] = defaultdict(Decimal)
        for row in demo.rows[company, line]:
            sums[row["RECORDKEY"]] += row["AMOUNT"]
        docs = demo.by_recordno(company, header)
        assert set(sums) == set(docs)
        for no, doc in docs.items():
            assert doc["TOTALENTERED"] == sums[no], (header, no)
            assert doc["TOTALDUE"] == doc["TOTALENTERED"] - doc.get("TOTALPAID", 0)


@pytest.mark.parametrize(
    ("payment", "detail", "document"),
    [("APPYMT", "APPYMTDETAIL", "APBILL"), ("ARPYMT", "ARPYMTDETAIL", "ARINVOICE")],
)
def test_payments_settle_whole_documents(
    demo: Generated, payment: str, detail: str, document: str
) -> None:
    payments = demo.by_recordno("DEMO", payment)
    docs = demo.by_recordno("DEMO", document)
    paid: dict[int, Decimal] = defaultdict(Decimal)
    applied: dict[int, Decimal] = defaultdict(Decimal)
    credited = 0
    for row in demo.rows["DEMO", detail]:
        paid[row["PAYMENTKEY"]] += row["TRX_PAYMENTAMOUNT"]
        # in money, and in the credit memos the payment applies
        applied[row["RECORDKEY"]] += row["PAYMENTAMOUNT"] + (row["ADJUSTMENTAMOUNT"] or 0)
        credited += row["ADJUSTMENTKEY"] is not None
    assert credited  # the demo company applies credit memos
    assert all(payments[no]["TOTALENTERED"] == amount for no, amount in paid.items())
    assert set(paid) == set(payments)
    for no, doc in docs.items():
        assert doc["TOTALPAID"] == applied.get(no, 0), (document, no)
        assert (doc["STATE"] == "Paid") == (no in applied)
        if no in applied:
            assert doc["WHENMODIFIED"] is None or doc["WHENMODIFIED"] > doc["WHENCREATED"]


def test_deposits_sum_their_receipts(demo: Generated) -> None:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for receipt in demo.rows["DEMO", "ARPYMT"]:
        totals[receipt["DEPOSITKEY"]] += receipt["TOTALENTERED"]
    deposits = demo.by_recordno("DEMO", "DEPOSIT")
    assert {no: d["TOTALENTERED"] for no, d in deposits.items()} == totals


def test_chart_of_accounts_is_realistic(demo: Generated) -> None:
    accounts = {r["ACCOUNTNO"]: r for r in demo.rows["DEMO", "GLACCOUNT"]}
    assert 60 <= len(accounts) <= 120
    assert {r["ACCOUNTTYPE"] for r in accounts.values()} == {"balancesheet", "incomestatement"}
    assert {r["NORMALBALANCE"] for r in accounts.values()} == {"debit", "credit"}
    assert accounts["2000"]["NORMALBALANCE"] == "credit"
    assert accounts["1100"]["ALTERNATIVEACCOUNT"] == "Receivables account"
    categories = {r["CATEGORY"] for r in accounts.values()}
    # Intacct's QuickStart account categories, as Intacct names them
    assert {"Cash and Cash Equivalents", "Accounts Receivable", "Accounts Payable"} <= categories
    assert {"Retained Earnings", "Revenue - Services", "Payroll Expense"} <= categories


# --------------------------------------------------------------------------- tenants


def test_users_include_demo_and_restricted(demo: Generated) -> None:
    for company in ("DEMO", "DEMO-ME"):
        users = {r["LOGINID"]: r for r in demo.rows[company, "USERINFO"]}
        # the demo tenant's logins use these RECORDNOs for CREATEDBY/MODIFIEDBY
        assert (users["demo_user"]["RECORDNO"], users["demo_restricted"]["RECORDNO"]) == (1, 2)
        roles = {r["NAME"]: r["MODULES"].split(",") for r in demo.rows[company, "ROLES"]}
        assert "AP" in roles[users["demo_user"]["ROLES"]]
        assert "AP" not in roles[users["demo_restricted"]["ROLES"]]
        restricted = users["demo_restricted"]["RECORDNO"]
        for obj in AP_OBJECTS:
            assert all(r["CREATEDBY"] != restricted for r in demo.rows[company, obj]), obj
        assert any(r["CREATEDBY"] == restricted for r in demo.rows[company, "ARINVOICE"])


def test_single_entity_company_has_no_entity_data(demo: Generated) -> None:
    for _, entity, obj, row in demo.iter("DEMO"):
        assert entity == "" and "MEGAENTITYID" not in row, obj


def test_multi_entity_rows_carry_their_entity(demo: Generated, catalog: Catalog) -> None:
    entities = {r["LOCATIONID"]: r for r in demo.rows["DEMO-ME", "LOCATIONENTITY"]}
    assert {e: r["NAME"] for e, r in entities.items()} == {
        "E100": "US Operations",
        "E200": "UK Operations",
    }
    seen: Counter[tuple[str, str]] = Counter()
    for _, entity, obj, row in demo.iter("DEMO-ME"):
        if entity:
            assert catalog[obj].entity_scoped, obj
            assert row["MEGAENTITYID"] == entity
            assert row["MEGAENTITYKEY"] == entities[entity]["RECORDNO"]
            assert row["MEGAENTITYNAME"] == entities[entity]["NAME"]
            seen[entity, obj] += 1
        elif "MEGAENTITYID" in row:
            assert row["MEGAENTITYID"] is None, obj
    for obj in ("VENDOR", "CUSTOMER", "APBILL", "ARINVOICE", "GLBATCH", "GLENTRY", "DEPARTMENT"):
        assert seen["E100", obj] > 0 and seen["E200", obj] > 0, obj
    shared = ("GLACCOUNT", "CLASS", "APTERM", "ARTERM", "USERINFO")
    assert all(set(demo.entities["DEMO-ME", obj]) == {""} for obj in shared)


def test_entity_records_only_reference_their_own_entity(demo: Generated, catalog: Catalog) -> None:
    owner: dict[tuple[str, str, Any], str] = {}
    for _, entity, obj, row in demo.iter("DEMO-ME"):
        owner[obj, "integer", row["RECORDNO"]] = entity
        id_field = catalog[obj].id_field
        if id_field:
            owner[obj, "text", row[id_field]] = entity
    crossing = []
    for _, entity, obj, row in demo.iter("DEMO-ME"):
        if not entity:
            continue  # the top level sees every entity
        for f in catalog[obj].fields:
            value = row.get(f.name)
            if f.ref and value is not None and owner[f.ref, f.type, value] not in ("", entity):
                crossing.append((obj, row["RECORDNO"], f.name, value))
    assert crossing[:10] == []


def test_uk_entity_books_in_pounds(demo: Generated) -> None:
    currencies = {(e, r["CURRENCY"]) for _, e, o, r in demo.iter("DEMO-ME") if o == "APBILL"}
    assert currencies == {("E100", "USD"), ("E200", "GBP")}


# --------------------------------------------------------------------------- volume, streaming


@pytest.mark.parametrize("scale", [10_000, 50_000])
def test_demo_size_tracks_scale(scale: int) -> None:
    totals: Counter[str] = Counter()
    for company, _, _, rows in generate(scale, 3):
        totals[company] += len(rows)
    # the generic setup rows of the objects nobody models by hand add a fixed amount
    for company, volume in (("DEMO", scale), ("DEMO-ME", max(scale // 10, ME_FLOOR))):
        assert 0.8 * volume <= totals[company] <= 1.2 * volume + GENERIC_SETUP_ROWS, company


def test_lines_dominate_like_a_real_ledger(demo: Generated) -> None:
    sizes = Counter({obj: len(rows) for (c, obj), rows in demo.rows.items() if c == "DEMO"})
    assert {obj for obj, _ in sizes.most_common(2)} == {"GLENTRY", "GLDETAIL"}
    assert sizes["APBILLITEM"] > sizes["APBILL"] and sizes["ARINVOICEITEM"] > sizes["ARINVOICE"]
    assert sizes["GLENTRY"] + sizes["GLDETAIL"] > demo.total("DEMO") / 3


def test_batches_are_bounded_and_parents_come_first(demo: Generated, catalog: Catalog) -> None:
    assert max(n for *_, n in demo.batches) <= MAX_BATCH_ROWS
    seen: set[tuple[str, str, int]] = set()
    for company, _, obj, rows in generate(10_000, 0):
        parent = catalog[obj].parent
        for row in rows:
            if parent:
                key = row[catalog[obj].parent_key or ""]
                assert (company, parent, key) in seen, (obj, row["RECORDNO"])
            seen.add((company, obj, row["RECORDNO"]))


def test_generation_is_lazy() -> None:
    started = time.perf_counter()
    batches = generate(10**9, 0)  # would be far too big to build up front
    first = list(itertools.islice(batches, 3))
    assert len(first) == 3 and time.perf_counter() - started < 1
    assert first[0][0] == "DEMO"
